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
 *
 * A namespace's counters live in a slot of `slots`. Slots are claimed in
 * order under `claim_lock`, their name written before `used` is raised with
 * a release store; a reader loads `used` with acquire and compares names
 * without a lock, so only a namespace's first count ever waits.
 */
#include "metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

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

typedef struct {
	char name[STORE_NAMESPACE_MAX + 1];
	/* [injected]: 0 the store's own answer, 1 a fault's */
	_Atomic uint64_t requests[OP__COUNT][METRICS_OUTCOME__COUNT][2];
	duration_histogram durations[OP__COUNT];
	_Atomic uint64_t faults[OP__COUNT][FAULT__COUNT];
	_Atomic uint64_t undelivered[OP__COUNT];
} namespace_counts;

struct metrics {
	pthread_mutex_t claim_lock;
	_Atomic size_t used; /* slots claimed, in order */
	/* [METRICS_NAMESPACES_MAX] is "(other)", for every namespace past them */
	namespace_counts slots[METRICS_NAMESPACES_MAX + 1];
};

static void slot_init(namespace_counts *slot, const char *name)
{
	snprintf(slot->name, sizeof slot->name, "%s", name);
	for (int op = 0; op < OP__COUNT; op++) {
		for (int o = 0; o < METRICS_OUTCOME__COUNT; o++)
			for (int i = 0; i < 2; i++)
				atomic_init(&slot->requests[op][o][i], 0);
		for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++)
			atomic_init(&slot->durations[op].buckets[b], 0);
		atomic_init(&slot->durations[op].sum_ns, 0);
		for (int f = 0; f < FAULT__COUNT; f++)
			atomic_init(&slot->faults[op][f], 0);
		atomic_init(&slot->undelivered[op], 0);
	}
}

metrics *metrics_create(void)
{
	/* calloc: the slots' pages are touched only when claimed */
	metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->claim_lock, NULL) != 0) {
		free(m);
		return NULL;
	}
	atomic_init(&m->used, 0);
	slot_init(&m->slots[METRICS_NAMESPACES_MAX], METRICS_OTHER_NAMESPACE);
	/* "no locks on the request path" holds only if the adds are lock-free */
	assert(atomic_is_lock_free(&m->slots[0].requests[0][0][0]));
	return m;
}

void metrics_destroy(metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->claim_lock);
	free(m);
}

/* The slot of `ns` among the first `used`, or NULL. */
static namespace_counts *find_slot(const metrics *m, const char *ns, size_t used)
{
	for (size_t i = 0; i < used; i++)
		if (strcmp(m->slots[i].name, ns) == 0)
			return (namespace_counts *)&m->slots[i];
	return NULL;
}

/* The slot `ns` counts in; claims one on its first count. Never NULL. */
static namespace_counts *slot_for(metrics *m, const char *ns)
{
	size_t used = atomic_load_explicit(&m->used, memory_order_acquire);
	namespace_counts *slot = find_slot(m, ns, used);
	if (slot)
		return slot;
	pthread_mutex_lock(&m->claim_lock);
	used = atomic_load_explicit(&m->used, memory_order_relaxed);
	slot = find_slot(m, ns, used);
	if (!slot && used < METRICS_NAMESPACES_MAX) {
		slot = &m->slots[used];
		slot_init(slot, ns);
		atomic_store_explicit(&m->used, used + 1, memory_order_release);
	}
	pthread_mutex_unlock(&m->claim_lock);
	return slot ? slot : &m->slots[METRICS_NAMESPACES_MAX];
}

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

int metrics_count_request(metrics *m, const char *ns, rules_op op, const char *err_code,
			  bool injected, int64_t duration_ns)
{
	assert(m);
	if (!valid_op(op) || !ns)
		return -1;
	namespace_counts *slot = slot_for(m, ns);
	metrics_outcome outcome = metrics_outcome_from_name(err_code);
	atomic_fetch_add_explicit(&slot->requests[op][outcome][injected], 1, memory_order_relaxed);

	if (duration_ns < 0)
		duration_ns = 0;
	int bucket = 0;
	while (bucket < METRICS_DURATION_BUCKETS &&
	       duration_ns > metrics_duration_bounds_ns[bucket])
		bucket++;
	duration_histogram *histogram = &slot->durations[op];
	atomic_fetch_add_explicit(&histogram->buckets[bucket], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&histogram->sum_ns, (uint64_t)duration_ns, memory_order_relaxed);
	return 0;
}

int metrics_count_fault(metrics *m, const char *ns, rules_op op, const char *type_name)
{
	assert(m);
	fault_type type = fault_type_from_name(type_name);
	if (!valid_op(op) || type == FAULT__COUNT || !ns)
		return -1;
	atomic_fetch_add_explicit(&slot_for(m, ns)->faults[op][type], 1, memory_order_relaxed);
	return 0;
}

/* Relaxed loads through a const registry: rendering never writes. */
int metrics_count_undelivered(metrics *m, const char *ns, rules_op op)
{
	if (!valid_op(op) || !ns)
		return -1;
	atomic_fetch_add_explicit(&slot_for(m, ns)->undelivered[op], 1, memory_order_relaxed);
	return 0;
}

static uint64_t load(const _Atomic uint64_t *slot)
{
	return atomic_load_explicit((_Atomic uint64_t *)slot, memory_order_relaxed);
}

static void family(textbuf *out, const char *name, const char *type, const char *help)
{
	textbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* What one namespace's rendering reads: its slot (NULL: never counted, all
 * zeros) and the label value it prints. */
typedef struct {
	const namespace_counts *slot;
	const char *name;
} namespace_view;

static uint64_t request_count(const namespace_view *view, int op, int outcome, int injected)
{
	return view->slot ? load(&view->slot->requests[op][outcome][injected]) : 0;
}

static void render_requests(textbuf *out, const namespace_view *view)
{
	family(out, "connector_mock_requests_total", "counter",
	       "Requests to the five OMS operations, by namespace, operation, outcome "
	       "(\"success\", the errCode, OTHER for any other errCode, DROPPED "
	       "when the connection was closed without an answer) and whether a fault "
	       "gave the answer (injected).");
	static const char *const injected_names[2] = {"false", "true"};
	for (int op = 0; op < OP__COUNT; op++)
		for (int o = 0; o < METRICS_OUTCOME__COUNT; o++)
			for (int i = 0; i < 2; i++)
				textbuf_printf(out,
					       "connector_mock_requests_total{namespace=\"%s\","
					       "op=\"%s\",outcome=\"%s\",injected=\"%s\"} "
					       "%" PRIu64 "\n",
					       view->name, rules_op_name((rules_op)op),
					       metrics_outcome_name((metrics_outcome)o),
					       injected_names[i], request_count(view, op, o, i));
}

static void render_durations(textbuf *out, const namespace_view *view)
{
	static const char name[] = "connector_mock_request_duration_seconds";
	family(out, name, "histogram",
	       "Time from a request's arrival to its answer, by namespace and operation.");
	for (int op = 0; op < OP__COUNT; op++) {
		const char *op_name = rules_op_name((rules_op)op);
		const duration_histogram *histogram =
			view->slot ? &view->slot->durations[op] : NULL;
		uint64_t cumulative = 0;
		for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++) {
			cumulative += histogram ? load(&histogram->buckets[b]) : 0;
			const char *le = b < METRICS_DURATION_BUCKETS
						 ? metrics_duration_bounds_le[b]
						 : "+Inf";
			textbuf_printf(out,
				       "%s_bucket{namespace=\"%s\",op=\"%s\",le=\"%s\"} %" PRIu64
				       "\n",
				       name, view->name, op_name, le, cumulative);
		}
		uint64_t sum_ns = histogram ? load(&histogram->sum_ns) : 0;
		/* integer seconds and nanoseconds: exact, no rounding through a double */
		textbuf_printf(
			out, "%s_sum{namespace=\"%s\",op=\"%s\"} %" PRIu64 ".%09" PRIu64 "\n", name,
			view->name, op_name, sum_ns / 1000000000u, sum_ns % 1000000000u);
		textbuf_printf(out, "%s_count{namespace=\"%s\",op=\"%s\"} %" PRIu64 "\n", name,
			       view->name, op_name, cumulative);
	}
}

static void render_faults(textbuf *out, const namespace_view *view)
{
	family(out, "connector_mock_faults_injected_total", "counter",
	       "Faults injected through /_mock/faults, by namespace, operation and action "
	       "type.");
	for (int op = 0; op < OP__COUNT; op++)
		for (int f = 0; f < FAULT__COUNT; f++)
			textbuf_printf(out,
				       "connector_mock_faults_injected_total{namespace=\"%s\","
				       "op=\"%s\",type=\"%s\"} %" PRIu64 "\n",
				       view->name, rules_op_name((rules_op)op),
				       fault_type_name((fault_type)f),
				       view->slot ? load(&view->slot->faults[op][f]) : 0);
}

static void render_undelivered(textbuf *out, const namespace_view *view)
{
	family(out, "connector_mock_answers_undelivered_total", "counter",
	       "Answers to OMS requests that did not reach their client whole (the client had "
	       "gone, or a fault dropped, cut or reset them), by namespace and operation.");
	for (int op = 0; op < OP__COUNT; op++)
		textbuf_printf(
			out,
			"connector_mock_answers_undelivered_total{namespace=\"%s\",op=\"%s\"} "
			"%" PRIu64 "\n",
			view->name, rules_op_name((rules_op)op),
			view->slot ? load(&view->slot->undelivered[op]) : 0);
}

static void render_tasks(textbuf *out, const char *ns,
			 const int64_t task_counts[TASK__COUNT][COMPONENT__COUNT])
{
	family(out, "connector_mock_tasks", "gauge",
	       "Tasks in the store, by namespace, state and component type.");
	for (int state = 0; state < TASK__COUNT; state++)
		for (int type = 0; type < COMPONENT__COUNT; type++)
			textbuf_printf(out,
				       "connector_mock_tasks{namespace=\"%s\",state=\"%s\","
				       "type=\"%s\"} %" PRId64 "\n",
				       ns, task_state_name((task_state)state),
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

char *metrics_render(const metrics *m, const char *ns,
		     const int64_t task_counts[TASK__COUNT][COMPONENT__COUNT],
		     const store_batch_stats *batches, double start_time_seconds)
{
	assert(m);
	assert(ns);
	assert(task_counts);
	assert(batches);
	size_t used = atomic_load_explicit((_Atomic size_t *)&m->used, memory_order_acquire);
	namespace_view view = {find_slot(m, ns, used), ns};
	if (!view.slot && used == METRICS_NAMESPACES_MAX) {
		view.slot = &m->slots[METRICS_NAMESPACES_MAX];
		view.name = METRICS_OTHER_NAMESPACE;
	}
	textbuf out;
	textbuf_init(&out, METRICS_RENDER_MAX);
	render_requests(&out, &view);
	render_durations(&out, &view);
	render_faults(&out, &view);
	render_undelivered(&out, &view);
	render_tasks(&out, ns, task_counts);
	if (strcmp(ns, STORE_DEFAULT_NAMESPACE) == 0) {
		render_batches(&out, batches);
		family(&out, "connector_mock_up", "gauge", "1 while the mock is serving.");
		textbuf_puts(&out, "connector_mock_up 1\n");
		family(&out, "connector_mock_start_time_seconds", "gauge",
		       "When the mock started, in seconds since the Unix epoch.");
		textbuf_printf(&out, "connector_mock_start_time_seconds %.3f\n",
			       start_time_seconds);
	}
	/* the appends stop at the first failure and mark it; check once */
	if (out.overflow) {
		textbuf_free(&out);
		return NULL;
	}
	return textbuf_detach(&out);
}

char *metrics_render_error_codes(const char *const answered[ERR__COUNT])
{
	textbuf out;
	textbuf_init(&out, METRICS_RENDER_MAX);
	family(&out, "connector_mock_error_code_info", "gauge",
	       "1 for each business error code: code is the outcome label of "
	       "connector_mock_requests_total, answered the errCode clients are sent.");
	for (int code = ERR_NONE + 1; code < ERR__COUNT; code++)
		textbuf_printf(&out,
			       "connector_mock_error_code_info{code=\"%s\",answered=\"%s\"} 1\n",
			       error_name((error_code)code), answered[code]);
	if (out.overflow) {
		textbuf_free(&out);
		return NULL;
	}
	return textbuf_detach(&out);
}
