/*
 * metrics.c — lock-free request, duration and fault counters, rendered in
 * the Prometheus text format.
 *
 * Every slot is an _Atomic uint64_t added to with relaxed order: counts
 * need no ordering with one another, only no lost adds. The histogram keeps
 * one non-cumulative count per bucket (placement compares integers in
 * nanoseconds, so an upper bound is exactly inclusive) and no separate
 * total: the renderer sums the buckets, which keeps _count equal to the
 * +Inf bucket even while requests are being counted.
 */
#include "metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../store/text.h"

const int64_t metrics_duration_bounds_ns[METRICS_DURATION_BUCKETS] = {
	100000,	  250000,    500000,	1000000,   2500000,    5000000,	   10000000,   25000000,
	50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};

const char *const metrics_duration_bounds_le[METRICS_DURATION_BUCKETS] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
	"0.05",	  "0.1",     "0.25",   "0.5",	"1",	  "2.5",   "5",	   "10",
};

typedef struct {
	/* [i] counts durations in (bound[i-1], bound[i]]; the last is +Inf */
	_Atomic uint64_t buckets[METRICS_DURATION_BUCKETS + 1];
	_Atomic uint64_t sum_ns;
} duration_histogram;

struct metrics {
	_Atomic uint64_t requests[OP__COUNT][METRICS_OUTCOME__COUNT];
	duration_histogram durations[OP__COUNT];
	_Atomic uint64_t faults[OP__COUNT][FAULT__COUNT];
};

metrics *metrics_create(void)
{
	metrics *m = malloc(sizeof *m);
	if (!m)
		return NULL;
	for (int op = 0; op < OP__COUNT; op++) {
		for (int o = 0; o < METRICS_OUTCOME__COUNT; o++)
			atomic_init(&m->requests[op][o], 0);
		for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++)
			atomic_init(&m->durations[op].buckets[b], 0);
		atomic_init(&m->durations[op].sum_ns, 0);
		for (int f = 0; f < FAULT__COUNT; f++)
			atomic_init(&m->faults[op][f], 0);
	}
	/* "no locks on the request path" holds only if the adds are lock-free */
	assert(atomic_is_lock_free(&m->requests[0][0]));
	return m;
}

void metrics_destroy(metrics *m) { free(m); }

metrics_outcome metrics_outcome_from_name(const char *err_code)
{
	if (!err_code || err_code[0] == '\0' || strcmp(err_code, "success") == 0)
		return METRICS_OUTCOME_SUCCESS;
	error_code code = error_from_name(err_code);
	if (code > ERR_NONE && code < ERR__COUNT)
		return (metrics_outcome)code;
	for (int o = METRICS_OUTCOME_METHOD_NOT_ALLOWED; o < METRICS_OUTCOME__COUNT; o++)
		if (strcmp(err_code, metrics_outcome_name((metrics_outcome)o)) == 0)
			return (metrics_outcome)o;
	return METRICS_OUTCOME_OTHER;
}

const char *metrics_outcome_name(metrics_outcome outcome)
{
	switch (outcome) {
	case METRICS_OUTCOME_SUCCESS:
		return "success";
	case METRICS_OUTCOME_METHOD_NOT_ALLOWED:
		return "METHOD_NOT_ALLOWED";
	case METRICS_OUTCOME_PAYLOAD_TOO_LARGE:
		return "PAYLOAD_TOO_LARGE";
	case METRICS_OUTCOME_OTHER:
		return "OTHER";
	case METRICS_OUTCOME_DROPPED:
		return "DROPPED";
	default:
		/* as an int: an enum of non-negative values may be unsigned */
		if ((int)outcome > ERR_NONE && (int)outcome < ERR__COUNT)
			return error_name((error_code)outcome);
		return "OTHER";
	}
}

static int valid_op(rules_op op) { return (int)op >= 0 && op < OP__COUNT; }

int metrics_count_request(metrics *m, rules_op op, const char *err_code, int64_t duration_ns)
{
	assert(m);
	if (!valid_op(op))
		return -1;
	metrics_outcome outcome = metrics_outcome_from_name(err_code);
	atomic_fetch_add_explicit(&m->requests[op][outcome], 1, memory_order_relaxed);

	if (duration_ns < 0)
		duration_ns = 0;
	int bucket = 0;
	while (bucket < METRICS_DURATION_BUCKETS &&
	       duration_ns > metrics_duration_bounds_ns[bucket])
		bucket++;
	duration_histogram *histogram = &m->durations[op];
	atomic_fetch_add_explicit(&histogram->buckets[bucket], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&histogram->sum_ns, (uint64_t)duration_ns, memory_order_relaxed);
	return 0;
}

int metrics_count_fault(metrics *m, rules_op op, const char *type_name)
{
	assert(m);
	fault_type type = fault_type_from_name(type_name);
	if (!valid_op(op) || type == FAULT__COUNT)
		return -1;
	atomic_fetch_add_explicit(&m->faults[op][type], 1, memory_order_relaxed);
	return 0;
}

/* Relaxed loads through a const registry: rendering never writes. */
static uint64_t load(const _Atomic uint64_t *slot)
{
	return atomic_load_explicit((_Atomic uint64_t *)slot, memory_order_relaxed);
}

static void family(textbuf *out, const char *name, const char *type, const char *help)
{
	textbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_requests(textbuf *out, const metrics *m)
{
	family(out, "connector_mock_requests_total", "counter",
	       "Requests to the five OMS operations, by operation and outcome "
	       "(\"success\", the errCode, OTHER for any other errCode, DROPPED "
	       "when a fault closed the connection without an answer).");
	for (int op = 0; op < OP__COUNT; op++)
		for (int o = 0; o < METRICS_OUTCOME__COUNT; o++)
			textbuf_printf(out,
				       "connector_mock_requests_total{op=\"%s\",outcome=\"%s\"} "
				       "%" PRIu64 "\n",
				       rules_op_name((rules_op)op),
				       metrics_outcome_name((metrics_outcome)o),
				       load(&m->requests[op][o]));
}

static void render_durations(textbuf *out, const metrics *m)
{
	static const char name[] = "connector_mock_request_duration_seconds";
	family(out, name, "histogram",
	       "Time from a request's arrival to its answer, by operation.");
	for (int op = 0; op < OP__COUNT; op++) {
		const char *op_name = rules_op_name((rules_op)op);
		const duration_histogram *histogram = &m->durations[op];
		uint64_t cumulative = 0;
		for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++) {
			cumulative += load(&histogram->buckets[b]);
			const char *le = b < METRICS_DURATION_BUCKETS
						 ? metrics_duration_bounds_le[b]
						 : "+Inf";
			textbuf_printf(out, "%s_bucket{op=\"%s\",le=\"%s\"} %" PRIu64 "\n", name,
				       op_name, le, cumulative);
		}
		uint64_t sum_ns = load(&histogram->sum_ns);
		/* integer seconds and nanoseconds: exact, no rounding through a double */
		textbuf_printf(out, "%s_sum{op=\"%s\"} %" PRIu64 ".%09" PRIu64 "\n", name, op_name,
			       sum_ns / 1000000000u, sum_ns % 1000000000u);
		textbuf_printf(out, "%s_count{op=\"%s\"} %" PRIu64 "\n", name, op_name, cumulative);
	}
}

static void render_faults(textbuf *out, const metrics *m)
{
	family(out, "connector_mock_faults_injected_total", "counter",
	       "Faults injected through /_mock/faults, by operation and action type.");
	for (int op = 0; op < OP__COUNT; op++)
		for (int f = 0; f < FAULT__COUNT; f++)
			textbuf_printf(
				out,
				"connector_mock_faults_injected_total{op=\"%s\",type=\"%s\"} "
				"%" PRIu64 "\n",
				rules_op_name((rules_op)op), fault_type_name((fault_type)f),
				load(&m->faults[op][f]));
}

static void render_tasks(textbuf *out, const int64_t task_counts[TASK__COUNT][COMPONENT__COUNT])
{
	family(out, "connector_mock_tasks", "gauge",
	       "Tasks in the store, by state and component type.");
	for (int state = 0; state < TASK__COUNT; state++)
		for (int type = 0; type < COMPONENT__COUNT; type++)
			textbuf_printf(
				out, "connector_mock_tasks{state=\"%s\",type=\"%s\"} %" PRId64 "\n",
				task_state_name((task_state)state),
				component_type_name((component_type)type),
				task_counts[state][type]);
}

/* A counter family of one series without labels. */
static void single_counter(textbuf *out, const char *name, const char *help, uint64_t value)
{
	family(out, name, "counter", help);
	textbuf_printf(out, "%s %" PRIu64 "\n", name, value);
}

static void render_batches(textbuf *out, const store_batch_stats *batches)
{
	single_counter(out, "connector_mock_store_transactions_total",
		       "Transactions the store's writer committed or rolled back; each holds "
		       "the operations that arrived while the one before it ran (group commit).",
		       batches->transactions);
	single_counter(out, "connector_mock_store_operations_total",
		       "Operations run in those transactions (over "
		       "connector_mock_store_transactions_total: operations per commit).",
		       batches->operations);
	single_counter(out, "connector_mock_store_checkpoints_total",
		       "WAL checkpoints completed (the WAL copied into the database file; the "
		       "next commit starts it over). Each holds the writer for its last pass.",
		       batches->checkpoints);
	single_counter(out, "connector_mock_store_wal_syncs_total",
		       "Passes between checkpoints, every 256 WAL frames, each of which syncs "
		       "the WAL and copies it into the database file (without syncing that "
		       "file), so that a checkpoint finds little left to copy.",
		       batches->wal_syncs);
	single_counter(out, "connector_mock_store_database_writebacks_total",
		       "Durability full: writebacks of the database file started after those "
		       "passes (no wait, no cache flush), so that its pages reach the disk a "
		       "little at a time and not in one sync that the commits' syncs queue "
		       "behind.",
		       batches->database_writebacks);
}

char *metrics_render(const metrics *m, const int64_t task_counts[TASK__COUNT][COMPONENT__COUNT],
		     const store_batch_stats *batches, double start_time_seconds)
{
	assert(m);
	assert(task_counts);
	assert(batches);
	textbuf out;
	textbuf_init(&out, METRICS_RENDER_MAX);
	render_requests(&out, m);
	render_durations(&out, m);
	render_faults(&out, m);
	render_tasks(&out, task_counts);
	render_batches(&out, batches);
	family(&out, "connector_mock_up", "gauge", "1 while the mock is serving.");
	textbuf_puts(&out, "connector_mock_up 1\n");
	family(&out, "connector_mock_start_time_seconds", "gauge",
	       "When the mock started, in seconds since the Unix epoch.");
	textbuf_printf(&out, "connector_mock_start_time_seconds %.3f\n", start_time_seconds);
	/* the appends stop at the first failure and mark it; check once */
	if (out.overflow) {
		textbuf_free(&out);
		return NULL;
	}
	return textbuf_detach(&out);
}
