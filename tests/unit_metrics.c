/*
 * unit_metrics.c — the metrics registry and its Prometheus text: exact
 * counts from many threads at once, histogram bucket edges (le inclusive),
 * cumulative buckets, _sum and _count, the outcome and fault-type tables,
 * fixed label values only, and `promtool check metrics` on the rendering.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../server/metrics.h"
#include "support.h"

static const int64_t no_tasks[TASK__COUNT][COMPONENT__COUNT];
static const store_batch_stats no_batches;

static char *render(const metrics *m)
{
	char *text = metrics_render(m, "default", no_tasks, &no_batches, 1700000000.0);
	ck_assert_ptr_nonnull(text);
	return text;
}

/*
 * The value of the sample line that starts with exactly `series` (name and
 * label set, as rendered) followed by a space, copied into `out`. Fails the
 * test when there is no such line or there are two.
 */
static void sample_text(const char *text, const char *series, char *out, size_t cap)
{
	const char *found = NULL;
	size_t series_len = strlen(series);
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		ck_assert_msg(end != NULL, "the text does not end with a newline");
		if (strncmp(line, series, series_len) == 0 && line[series_len] == ' ') {
			ck_assert_msg(found == NULL, "series %s printed twice", series);
			found = line + series_len + 1;
			size_t len = (size_t)(end - found);
			ck_assert_uint_lt(len, cap);
			memcpy(out, found, len);
			out[len] = '\0';
		}
		line = end + 1;
	}
	ck_assert_msg(found != NULL, "series %s not printed", series);
}

static uint64_t sample(const char *text, const char *series)
{
	char value[64];
	sample_text(text, series, value, sizeof value);
	char *end;
	unsigned long long n = strtoull(value, &end, 10);
	ck_assert_msg(*end == '\0' && value[0] != '\0', "%s: value \"%s\" is not an integer",
		      series, value);
	return n;
}

static uint64_t requests(const char *text, const char *op, const char *outcome)
{
	char series[160];
	snprintf(series, sizeof series,
		 "connector_mock_requests_total{namespace=\"default\",op=\"%s\",outcome=\"%s\","
		 "injected=\"false\"}",
		 op, outcome);
	return sample(text, series);
}

static uint64_t bucket(const char *text, const char *op, const char *le)
{
	char series[160];
	snprintf(series, sizeof series,
		 "connector_mock_request_duration_seconds_bucket{namespace=\"default\",op=\"%s\","
		 "le=\"%s\"}",
		 op, le);
	return sample(text, series);
}

static uint64_t histogram_count(const char *text, const char *op)
{
	char series[160];
	snprintf(series, sizeof series,
		 "connector_mock_request_duration_seconds_count{namespace=\"default\",op=\"%s\"}",
		 op);
	return sample(text, series);
}

static void histogram_sum(const char *text, const char *op, char *out, size_t cap)
{
	char series[160];
	snprintf(series, sizeof series,
		 "connector_mock_request_duration_seconds_sum{namespace=\"default\",op=\"%s\"}",
		 op);
	sample_text(text, series, out, cap);
}

static uint64_t faults(const char *text, const char *op, const char *type)
{
	char series[160];
	snprintf(
		series, sizeof series,
		"connector_mock_faults_injected_total{namespace=\"default\",op=\"%s\",type=\"%s\"}",
		op, type);
	return sample(text, series);
}

/* ---- counting from many threads ---------------------------------------- */

/* Enough adds that a lost update (a load and a store instead of one atomic
 * add) shows even on two cores; the threads start together at a barrier. */
enum { THREADS = 8, PER_THREAD = 100000 };

typedef struct {
	metrics *m;
	int index;
	pthread_barrier_t *start;
} worker_arg;

/* Every thread hits the same slots (stop/success, stop/drop) and one of its
 * own (its index picks op and a duration bucket). */
static int64_t worker_duration_ns(int index)
{
	return metrics_duration_bounds_ns[index * 2]; /* an upper bound: inclusive */
}

static void *worker(void *data)
{
	const worker_arg *arg = data;
	rules_op own_op = (rules_op)(arg->index % OP__COUNT);
	pthread_barrier_wait(arg->start);
	for (int i = 0; i < PER_THREAD; i++) {
		metrics_count_request(arg->m, "default", OP_STOP, NULL, false,
				      worker_duration_ns(arg->index));
		metrics_count_request(arg->m, "default", own_op, "ILLEGAL_STATE", false, 0);
		metrics_count_fault(arg->m, "default", OP_STOP, "drop");
	}
	return NULL;
}

typedef struct {
	metrics *m;
	atomic_bool stop;
	int renders;
	char problem[256]; /* the first broken invariant, or "" */
} reader_arg;

/* Renders while the workers count: every histogram must stay internally
 * consistent (ascending buckets, _count equal to +Inf). Records rather than
 * asserts: Check's asserts belong to the test's own thread. */
static void *reader(void *data)
{
	reader_arg *arg = data;
	while (!atomic_load(&arg->stop) && arg->problem[0] == '\0') {
		char *text = metrics_render(arg->m, "default", no_tasks, &no_batches, 0.0);
		if (!text) {
			snprintf(arg->problem, sizeof arg->problem, "render returned NULL");
			break;
		}
		arg->renders++;
		const char *cursor = text;
		uint64_t previous = 0;
		const char *bucket_prefix = "connector_mock_request_duration_seconds_bucket{"
					    "namespace=\"default\",op=\"stop\"";
		const char *count_prefix = "connector_mock_request_duration_seconds_count{"
					   "namespace=\"default\",op=\"stop\"} ";
		while ((cursor = strstr(cursor, bucket_prefix)) != NULL) {
			const char *value = strchr(cursor, ' ') + 1;
			uint64_t n = strtoull(value, NULL, 10);
			if (n < previous)
				snprintf(arg->problem, sizeof arg->problem,
					 "buckets not cumulative: %" PRIu64 " after %" PRIu64, n,
					 previous);
			previous = n;
			cursor = value;
		}
		const char *count = strstr(text, count_prefix);
		if (!count || strtoull(count + strlen(count_prefix), NULL, 10) != previous)
			snprintf(arg->problem, sizeof arg->problem,
				 "_count differs from the +Inf bucket %" PRIu64, previous);
		free(text);
	}
	return NULL;
}

START_TEST(test_concurrent_counts_are_exact)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	reader_arg reading = {.m = m};
	atomic_init(&reading.stop, false);
	pthread_t reader_thread;
	ck_assert_int_eq(pthread_create(&reader_thread, NULL, reader, &reading), 0);
	pthread_barrier_t start;
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, THREADS), 0);
	pthread_t threads[THREADS];
	worker_arg args[THREADS];
	for (int i = 0; i < THREADS; i++) {
		args[i] = (worker_arg){.m = m, .index = i, .start = &start};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
	pthread_barrier_destroy(&start);
	atomic_store(&reading.stop, true);
	ck_assert_int_eq(pthread_join(reader_thread, NULL), 0);
	ck_assert_msg(reading.problem[0] == '\0', "a render during counting: %s", reading.problem);
	ck_assert_int_gt(reading.renders, 0);

	char *text = render(m);
	ck_assert_uint_eq(requests(text, "stop", "success"), THREADS * PER_THREAD);
	ck_assert_uint_eq(faults(text, "stop", "drop"), THREADS * PER_THREAD);
	/* thread i counts ILLEGAL_STATE under op i % 5 */
	uint64_t illegal[OP__COUNT] = {0};
	for (int i = 0; i < THREADS; i++)
		illegal[i % OP__COUNT] += PER_THREAD;
	uint64_t stop_total = THREADS * PER_THREAD;
	for (int op = 0; op < OP__COUNT; op++) {
		const char *name = rules_op_name((rules_op)op);
		ck_assert_uint_eq(requests(text, name, "ILLEGAL_STATE"), illegal[op]);
		uint64_t expected_count = illegal[op] + (op == OP_STOP ? stop_total : 0);
		ck_assert_uint_eq(histogram_count(text, name), expected_count);
		ck_assert_uint_eq(bucket(text, name, "+Inf"), expected_count);
	}
	/* stop's buckets: thread i's durations sit at bound 2i, inclusive */
	for (int b = 0; b < METRICS_DURATION_BUCKETS; b++) {
		uint64_t expected = illegal[OP_STOP]; /* duration 0: the first bucket */
		for (int i = 0; i < THREADS; i++)
			if (2 * i <= b)
				expected += PER_THREAD;
		ck_assert_uint_eq(bucket(text, "stop", metrics_duration_bounds_le[b]), expected);
	}
	uint64_t sum_ns = 0;
	for (int i = 0; i < THREADS; i++)
		sum_ns += (uint64_t)worker_duration_ns(i) * PER_THREAD;
	char expected_sum[64], sum[64];
	snprintf(expected_sum, sizeof expected_sum, "%" PRIu64 ".%09" PRIu64, sum_ns / 1000000000u,
		 sum_ns % 1000000000u);
	histogram_sum(text, "stop", sum, sizeof sum);
	ck_assert_str_eq(sum, expected_sum);
	free(text);
	metrics_destroy(m);
}
END_TEST

/* ---- the histogram ----------------------------------------------------- */

typedef struct {
	int64_t duration_ns;
	const char *first_le; /* the smallest bucket that holds it */
	const char *sum;      /* _sum afterwards */
} edge_case;

static const edge_case edge_cases[] = {
	{0, "0.0001", "0.000000000"},
	{-5, "0.0001", "0.000000000"}, /* a clock step back counts as 0 */
	{1, "0.0001", "0.000000001"},
	{99999, "0.0001", "0.000099999"},
	{100000, "0.0001", "0.000100000"},
	{100001, "0.00025", "0.000100001"},
	{250000, "0.00025", "0.000250000"},
	{999999, "0.001", "0.000999999"},
	{1000000, "0.001", "0.001000000"}, /* 0.001 s goes into le="0.001" */
	{1000001, "0.0025", "0.001000001"},
	{2500000, "0.0025", "0.002500000"},
	{500000000, "0.5", "0.500000000"},
	{500000001, "1", "0.500000001"},
	{1000000000, "1", "1.000000000"},
	{2500000000, "2.5", "2.500000000"},
	{9999999999, "10", "9.999999999"},
	{10000000000, "10", "10.000000000"},
	{10000000001, "+Inf", "10.000000001"},
	{INT64_MAX, "+Inf", "9223372036.854775807"},
};

START_TEST(test_bucket_edges)
{
	const edge_case *c = &edge_cases[_i];
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(
		metrics_count_request(m, "default", OP_MIGRATE, NULL, false, c->duration_ns), 0);
	char *text = render(m);
	bool reached = false;
	for (int b = 0; b <= METRICS_DURATION_BUCKETS; b++) {
		const char *le =
			b < METRICS_DURATION_BUCKETS ? metrics_duration_bounds_le[b] : "+Inf";
		if (strcmp(le, c->first_le) == 0)
			reached = true;
		ck_assert_msg(bucket(text, "migrate", le) == (reached ? 1u : 0u),
			      "%" PRId64 " ns: le=\"%s\" holds %" PRIu64
			      ", expected it from le=\"%s\"",
			      c->duration_ns, le, bucket(text, "migrate", le), c->first_le);
	}
	ck_assert_msg(reached, "no bucket le=\"%s\"", c->first_le);
	ck_assert_uint_eq(histogram_count(text, "migrate"), 1);
	char sum[64];
	histogram_sum(text, "migrate", sum, sizeof sum);
	ck_assert_str_eq(sum, c->sum);
	/* the other ops saw nothing */
	ck_assert_uint_eq(histogram_count(text, "resume"), 0);
	ck_assert_uint_eq(bucket(text, "resume", "+Inf"), 0);
	free(text);
	metrics_destroy(m);
}
END_TEST

/* The bounds' two spellings agree: the le text is the nanoseconds in seconds. */
START_TEST(test_bounds_tables_agree)
{
	for (int b = 0; b < METRICS_DURATION_BUCKETS; b++) {
		double seconds = strtod(metrics_duration_bounds_le[b], NULL);
		ck_assert_int_eq((int64_t)(seconds * 1e9 + 0.5), metrics_duration_bounds_ns[b]);
		if (b > 0)
			ck_assert_int_gt(metrics_duration_bounds_ns[b],
					 metrics_duration_bounds_ns[b - 1]);
	}
	ck_assert_str_eq(metrics_duration_bounds_le[0], "0.0001");
	ck_assert_str_eq(metrics_duration_bounds_le[METRICS_DURATION_BUCKETS - 1], "10");
}
END_TEST

START_TEST(test_buckets_cumulative_count_and_sum)
{
	static const int64_t durations_ns[] = {
		50000,	    /* 0.0001 */
		100000,	    /* 0.0001 */
		300000,	    /* 0.0005 */
		1000000,    /* 0.001 */
		7000000,    /* 0.01 */
		7000000,    /* 0.01 */
		200000000,  /* 0.25 */
		3000000000, /* 5 */
		60000000000 /* +Inf */
	};
	static const struct {
		const char *le;
		uint64_t cumulative;
	} expected[] = {
		{"0.0001", 2}, {"0.00025", 2}, {"0.0005", 3}, {"0.001", 4}, {"0.0025", 4},
		{"0.005", 4},  {"0.01", 6},    {"0.025", 6},  {"0.05", 6},  {"0.1", 6},
		{"0.25", 7},   {"0.5", 7},     {"1", 7},      {"2.5", 7},   {"5", 8},
		{"10", 8},     {"+Inf", 9},
	};
	ck_assert_uint_eq(COUNT(expected), METRICS_DURATION_BUCKETS + 1);
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < COUNT(durations_ns); i++)
		ck_assert_int_eq(metrics_count_request(m, "default", OP_UPDATE,
						       i % 2 ? "INVALID_ARGUMENT" : NULL, false,
						       durations_ns[i]),
				 0);
	char *text = render(m);
	for (size_t i = 0; i < COUNT(expected); i++)
		ck_assert_msg(bucket(text, "update", expected[i].le) == expected[i].cumulative,
			      "le=\"%s\": %" PRIu64 ", expected %" PRIu64, expected[i].le,
			      bucket(text, "update", expected[i].le), expected[i].cumulative);
	ck_assert_uint_eq(histogram_count(text, "update"), COUNT(durations_ns));
	ck_assert_uint_eq(requests(text, "update", "success") +
				  requests(text, "update", "INVALID_ARGUMENT"),
			  COUNT(durations_ns));
	char sum[64];
	histogram_sum(text, "update", sum, sizeof sum);
	ck_assert_str_eq(sum, "63.215450000"); /* the durations' sum, exactly */
	/* buckets are printed in ascending le order, +Inf last, then _sum, _count */
	const char *first =
		strstr(text, "_bucket{namespace=\"default\",op=\"update\",le=\"0.0001\"}");
	const char *inf = strstr(text, "_bucket{namespace=\"default\",op=\"update\",le=\"+Inf\"}");
	const char *sum_line = strstr(text, "_sum{namespace=\"default\",op=\"update\"}");
	const char *count_line = strstr(text, "_count{namespace=\"default\",op=\"update\"}");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(inf);
	ck_assert_ptr_nonnull(sum_line);
	ck_assert_ptr_nonnull(count_line);
	ck_assert(first < inf && inf < sum_line && sum_line < count_line);
	free(text);
	metrics_destroy(m);
}
END_TEST

/* ---- outcomes and fault types ------------------------------------------ */

typedef struct {
	const char *err_code; /* NULL: absent */
	const char *outcome;
} outcome_case;

static const outcome_case outcome_cases[] = {
	{NULL, "success"},
	{"", "success"},
	{"success", "success"},
	{"INVALID_ARGUMENT", "INVALID_ARGUMENT"},
	{"TASK_NOT_FOUND", "TASK_NOT_FOUND"},
	{"ILLEGAL_STATE", "ILLEGAL_STATE"},
	{"UNSUPPORTED_OPERATION", "UNSUPPORTED_OPERATION"},
	{"INVALID_CHECKPOINT", "INVALID_CHECKPOINT"},
	{"INTERNAL_ERROR", "INTERNAL_ERROR"},
	{"INJECTED_FAULT", "INJECTED_FAULT"},
	{"METHOD_NOT_ALLOWED", "METHOD_NOT_ALLOWED"},
	{"PAYLOAD_TOO_LARGE", "PAYLOAD_TOO_LARGE"},
	{"DROPPED", "DROPPED"},
	{"OTHER", "OTHER"},
	{"NOT_FOUND", "OTHER"}, /* no op: never counted, but not a label either */
	{"MY_CUSTOM_CODE", "OTHER"},
	{"SUCCESS", "OTHER"},
	{"illegal_state", "OTHER"},
	{"ILLEGAL_STATE ", "OTHER"},
	{" ILLEGAL_STATE", "OTHER"},
	{"ILLEGAL_STAT", "OTHER"},
	{"\"} 1\nconnector_mock_evil 1\n", "OTHER"},
	{"back\\slash", "OTHER"},
	{"\xe4\xb8\xad", "OTHER"},
};

START_TEST(test_outcome_mapping)
{
	const outcome_case *c = &outcome_cases[_i];
	ck_assert_str_eq(metrics_outcome_name(metrics_outcome_from_name(c->err_code)), c->outcome);
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_count_request(m, "default", OP_DELETE, c->err_code, false, 1000),
			 0);
	ck_assert_int_eq(metrics_count_request(m, "default", OP_DELETE, c->err_code, false, 1000),
			 0);
	char *text = render(m);
	for (int o = 0; o < METRICS_OUTCOME__COUNT; o++) {
		const char *name = metrics_outcome_name((metrics_outcome)o);
		ck_assert_uint_eq(requests(text, "delete", name), strcmp(name, c->outcome) ? 0 : 2);
	}
	free(text);
	metrics_destroy(m);
}
END_TEST

/* The outcome label covers every business code of errors.h, each once. */
START_TEST(test_outcome_table)
{
	for (int code = ERR_NONE + 1; code < ERR__COUNT; code++) {
		const char *name = error_name((error_code)code);
		ck_assert_str_eq(metrics_outcome_name(metrics_outcome_from_name(name)), name);
	}
	static const char *const expected[] = {
		"success",
		"INVALID_ARGUMENT",
		"TASK_NOT_FOUND",
		"ILLEGAL_STATE",
		"UNSUPPORTED_OPERATION",
		"INVALID_CHECKPOINT",
		"INTERNAL_ERROR",
		"INJECTED_FAULT",
		"METHOD_NOT_ALLOWED",
		"PAYLOAD_TOO_LARGE",
		"OTHER",
		"DROPPED",
	};
	ck_assert_int_eq(METRICS_OUTCOME__COUNT, (int)COUNT(expected));
	for (int o = 0; o < METRICS_OUTCOME__COUNT; o++) {
		ck_assert_str_eq(metrics_outcome_name((metrics_outcome)o), expected[o]);
		ck_assert_int_eq(metrics_outcome_from_name(expected[o]), o);
	}
	ck_assert_str_eq(metrics_outcome_name(METRICS_OUTCOME__COUNT), "OTHER");
	ck_assert_str_eq(metrics_outcome_name((metrics_outcome)-1), "OTHER");
}
END_TEST

START_TEST(test_fault_types)
{
	static const char *const types[] = {"error",	"status", "delay",   "drop", "hang",
					    "lost_ack", "reset",  "partial", "slow", "garbage"};
	ck_assert_int_eq(FAULT__COUNT, (int)COUNT(types));
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	for (int f = 0; f < FAULT__COUNT; f++) {
		ck_assert_str_eq(fault_type_name((fault_type)f), types[f]);
		ck_assert_int_eq(fault_type_from_name(types[f]), f);
		/* op f % 5 gets f + 1 faults of type f */
		for (int n = 0; n <= f; n++)
			ck_assert_int_eq(metrics_count_fault(m, "default",
							     (rules_op)(f % OP__COUNT), types[f]),
					 0);
	}
	static const char *const refused[] = {NULL,	  "",	   "unknown", "ERROR",
					      "lost-ack", "drop ", "\"}"};
	for (size_t i = 0; i < COUNT(refused); i++) {
		ck_assert_int_eq(fault_type_from_name(refused[i]), FAULT__COUNT);
		ck_assert_int_eq(metrics_count_fault(m, "default", OP_STOP, refused[i]), -1);
	}
	ck_assert_int_eq(metrics_count_fault(m, "default", OP__COUNT, "drop"), -1);
	ck_assert_int_eq(metrics_count_fault(m, "default", (rules_op)-1, "drop"), -1);
	ck_assert_str_eq(fault_type_name(FAULT__COUNT), "unknown");

	char *text = render(m);
	for (int op = 0; op < OP__COUNT; op++)
		for (int f = 0; f < FAULT__COUNT; f++)
			ck_assert_uint_eq(faults(text, rules_op_name((rules_op)op), types[f]),
					  f % OP__COUNT == op ? (uint64_t)f + 1 : 0);
	free(text);
	metrics_destroy(m);
}
END_TEST

/* Undelivered answers, per op: counted once each, refused for no op. */
START_TEST(test_undelivered)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	for (int op = 0; op < OP__COUNT; op++)
		for (int n = 0; n < op; n++)
			ck_assert_int_eq(metrics_count_undelivered(m, "default", (rules_op)op), 0);
	ck_assert_int_eq(metrics_count_undelivered(m, "default", OP__COUNT), -1);
	ck_assert_int_eq(metrics_count_undelivered(m, NULL, OP_STOP), -1);
	char *text = render(m);
	for (int op = 0; op < OP__COUNT; op++) {
		char series[160];
		snprintf(
			series, sizeof series,
			"connector_mock_answers_undelivered_total{namespace=\"default\",op=\"%s\"}",
			rules_op_name((rules_op)op));
		ck_assert_uint_eq(sample(text, series), (uint64_t)op);
	}
	free(text);
	metrics_destroy(m);
}
END_TEST

START_TEST(test_unknown_op_counts_nothing)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	char *before = render(m);
	ck_assert_int_eq(metrics_count_request(m, "default", OP__COUNT, NULL, false, 1000), -1);
	ck_assert_int_eq(
		metrics_count_request(m, "default", (rules_op)-1, "ILLEGAL_STATE", false, 1000),
		-1);
	ck_assert_int_eq(metrics_count_request(m, "default", (rules_op)99, NULL, false, 1000), -1);
	char *after = render(m);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	metrics_destroy(m);
	metrics_destroy(NULL);
}
END_TEST

/* ---- the rendering ----------------------------------------------------- */

typedef struct {
	const char *name;
	const char *type;
	const char *const samples[4]; /* the sample names it owns */
	int series;		      /* how many sample lines */
} family_case;

static const family_case families[] = {
	{"connector_mock_requests_total",
	 "counter",
	 {"connector_mock_requests_total"},
	 OP__COUNT *METRICS_OUTCOME__COUNT * 2},
	{"connector_mock_request_duration_seconds",
	 "histogram",
	 {"connector_mock_request_duration_seconds_bucket",
	  "connector_mock_request_duration_seconds_sum",
	  "connector_mock_request_duration_seconds_count"},
	 OP__COUNT *(METRICS_DURATION_BUCKETS + 1 + 2)},
	{"connector_mock_faults_injected_total",
	 "counter",
	 {"connector_mock_faults_injected_total"},
	 OP__COUNT *FAULT__COUNT},
	{"connector_mock_answers_undelivered_total",
	 "counter",
	 {"connector_mock_answers_undelivered_total"},
	 OP__COUNT},
	{"connector_mock_tasks", "gauge", {"connector_mock_tasks"}, TASK__COUNT *COMPONENT__COUNT},
	{"connector_mock_store_transactions_total",
	 "counter",
	 {"connector_mock_store_transactions_total"},
	 1},
	{"connector_mock_store_operations_total",
	 "counter",
	 {"connector_mock_store_operations_total"},
	 1},
	{"connector_mock_store_checkpoints_total",
	 "counter",
	 {"connector_mock_store_checkpoints_total"},
	 1},
	{"connector_mock_store_wal_syncs_total",
	 "counter",
	 {"connector_mock_store_wal_syncs_total"},
	 1},
	{"connector_mock_store_database_writebacks_total",
	 "counter",
	 {"connector_mock_store_database_writebacks_total"},
	 1},
	{"connector_mock_up", "gauge", {"connector_mock_up"}, 1},
	{"connector_mock_start_time_seconds", "gauge", {"connector_mock_start_time_seconds"}, 1},
};

/* The metric name at the start of a sample line (up to '{' or ' '). */
static void sample_name(const char *line, size_t line_len, char *out, size_t cap)
{
	size_t n = strcspn(line, "{ \n");
	ck_assert_uint_le(n, line_len);
	ck_assert_uint_lt(n, cap);
	memcpy(out, line, n);
	out[n] = '\0';
}

/* Every family has one # HELP and one # TYPE, in that order, before its
 * samples; every sample belongs to the family declared last; the series
 * counts are the full cross products, zeros included. */
START_TEST(test_families_help_type_and_series)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	char *text = render(m);
	int help_seen[COUNT(families)] = {0}, type_seen[COUNT(families)] = {0};
	int series[COUNT(families)] = {0};
	int current = -1;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		size_t len = (size_t)(end - line);
		ck_assert_msg(len > 0, "an empty line");
		char name[128];
		if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
			bool help = line[2] == 'H';
			sample_name(line + 7, len - 7, name, sizeof name);
			int found = -1;
			for (size_t f = 0; f < COUNT(families); f++)
				if (strcmp(name, families[f].name) == 0)
					found = (int)f;
			ck_assert_msg(found >= 0, "an unknown family %s", name);
			if (help) {
				ck_assert_int_eq(help_seen[found]++, 0);
				ck_assert_int_eq(type_seen[found], 0);
				ck_assert_msg(len > 7 + strlen(name) + 1, "%s: empty help", name);
			} else {
				ck_assert_int_eq(type_seen[found]++, 0);
				ck_assert_int_eq(help_seen[found], 1);
				char expected[160];
				snprintf(expected, sizeof expected, "# TYPE %s %s", name,
					 families[found].type);
				ck_assert_msg(len == strlen(expected) &&
						      strncmp(line, expected, len) == 0,
					      "%.*s, expected %s", (int)len, line, expected);
				current = found;
			}
		} else {
			ck_assert_msg(line[0] != '#', "a stray comment: %.*s", (int)len, line);
			ck_assert_msg(current >= 0, "a sample before any # TYPE");
			sample_name(line, len, name, sizeof name);
			bool owned = false;
			for (size_t s = 0; s < 4 && families[current].samples[s]; s++)
				owned |= strcmp(name, families[current].samples[s]) == 0;
			ck_assert_msg(owned, "%s under family %s", name, families[current].name);
			series[current]++;
		}
		line = end + 1;
	}
	for (size_t f = 0; f < COUNT(families); f++) {
		ck_assert_msg(help_seen[f] == 1 && type_seen[f] == 1, "%s: HELP %d, TYPE %d",
			      families[f].name, help_seen[f], type_seen[f]);
		ck_assert_msg(series[f] == families[f].series, "%s: %d series, expected %d",
			      families[f].name, series[f], families[f].series);
	}
	/* a fresh registry prints its zeros */
	ck_assert_uint_eq(requests(text, "resume", "success"), 0);
	ck_assert_uint_eq(requests(text, "migrate", "DROPPED"), 0);
	ck_assert_uint_eq(faults(text, "update", "lost_ack"), 0);
	ck_assert_uint_eq(histogram_count(text, "delete"), 0);
	char sum[64];
	histogram_sum(text, "delete", sum, sizeof sum);
	ck_assert_str_eq(sum, "0.000000000");
	free(text);
	metrics_destroy(m);
}
END_TEST

static bool in_list(const char *value, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(value, list[i]) == 0)
			return true;
	return false;
}

/* Whether `value` is one of the fixed values of label `label`. */
static bool allowed_label_value(const char *label, const char *value)
{
	static const char *const ops[] = {"resume", "stop", "update", "migrate", "delete"};
	static const char *const outcomes[] = {
		"success",
		"INVALID_ARGUMENT",
		"TASK_NOT_FOUND",
		"ILLEGAL_STATE",
		"UNSUPPORTED_OPERATION",
		"INVALID_CHECKPOINT",
		"INTERNAL_ERROR",
		"INJECTED_FAULT",
		"METHOD_NOT_ALLOWED",
		"PAYLOAD_TOO_LARGE",
		"OTHER",
		"DROPPED",
	};
	static const char *const les[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
					  "0.01",   "0.025",   "0.05",	 "0.1",	  "0.25",   "0.5",
					  "1",	    "2.5",     "5",	 "10",	  "+Inf"};
	static const char *const states[] = {"CREATED", "RUNNING", "STOPPED", "ABNORMAL",
					     "FINISHED"};
	static const char *const types[] = {
		"incr_trans", "full_trans", "other", "error",	"status", "delay",  "drop",
		"hang",	      "lost_ack",   "reset", "partial", "slow",	  "garbage"};
	static const char *const booleans[] = {"false", "true"};
	if (strcmp(label, "namespace") == 0)
		return strcmp(value, "default") == 0; /* the one rendered here */
	if (strcmp(label, "injected") == 0)
		return in_list(value, booleans, COUNT(booleans));
	if (strcmp(label, "op") == 0)
		return in_list(value, ops, COUNT(ops));
	if (strcmp(label, "outcome") == 0)
		return in_list(value, outcomes, COUNT(outcomes));
	if (strcmp(label, "le") == 0)
		return in_list(value, les, COUNT(les));
	if (strcmp(label, "state") == 0)
		return in_list(value, states, COUNT(states));
	if (strcmp(label, "type") == 0)
		return in_list(value, types, COUNT(types));
	return false;
}

/*
 * Requests carrying hostile errCodes (quotes, backslashes, newlines, a
 * would-be sample) are counted as OTHER; every label value in the text is
 * one of the fixed values, made of characters that never need escaping, and
 * the text holds nothing of the hostile strings.
 */
START_TEST(test_labels_are_fixed_values)
{
	static const char *const hostile[] = {
		"\"} 1\nconnector_mock_evil_total 7\n",
		"A\\\"B",
		"X\nY",
		"EVIL_CODE",
	};
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < COUNT(hostile); i++)
		ck_assert_int_eq(
			metrics_count_request(m, "default", OP_RESUME, hostile[i], false, 10), 0);
	char *text = render(m);
	ck_assert_uint_eq(requests(text, "resume", "OTHER"), COUNT(hostile));
	ck_assert_ptr_null(strstr(text, "evil"));
	ck_assert_ptr_null(strstr(text, "EVIL"));
	ck_assert_ptr_null(strchr(text, '\\'));

	int label_count = 0;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		if (line[0] != '#') {
			const char *open = memchr(line, '{', (size_t)(end - line));
			const char *space = memchr(line, ' ', (size_t)(end - line));
			ck_assert_ptr_nonnull(space);
			if (open && open < space) {
				const char *p = open + 1;
				for (;;) {
					char label[32], value[64];
					size_t n = strcspn(p, "=");
					ck_assert_uint_lt(n, sizeof label);
					memcpy(label, p, n);
					label[n] = '\0';
					p += n;
					ck_assert_msg(p[0] == '=' && p[1] == '"', "%.*s",
						      (int)(end - line), line);
					p += 2;
					n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
						      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+");
					ck_assert_uint_lt(n, sizeof value);
					memcpy(value, p, n);
					value[n] = '\0';
					p += n;
					ck_assert_msg(*p == '"',
						      "label %s: a character that needs "
						      "escaping, in %.*s",
						      label, (int)(end - line), line);
					ck_assert_msg(allowed_label_value(label, value),
						      "label %s=\"%s\" is not a fixed value", label,
						      value);
					label_count++;
					p++;
					if (*p == '}')
						break;
					ck_assert_int_eq(*p, ',');
					p++;
				}
				ck_assert_ptr_eq(p + 1, space);
			}
		}
		line = end + 1;
	}
	ck_assert_int_gt(label_count, 0);
	free(text);
	metrics_destroy(m);
}
END_TEST

START_TEST(test_tasks_batches_up_and_start_time)
{
	int64_t counts[TASK__COUNT][COMPONENT__COUNT];
	for (int s = 0; s < TASK__COUNT; s++)
		for (int t = 0; t < COMPONENT__COUNT; t++)
			counts[s][t] = s * 10 + t;
	counts[TASK_RUNNING][COMPONENT_INCR_TRANS] = 123456789012;
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	store_batch_stats batches = {.transactions = 7,
				     .operations = 123456789012,
				     .checkpoints = 5,
				     .wal_syncs = 314,
				     .database_writebacks = 271};
	char *text = metrics_render(m, "default", (const int64_t(*)[COMPONENT__COUNT])counts,
				    &batches, 1722470400.25);
	ck_assert_ptr_nonnull(text);
	for (int s = 0; s < TASK__COUNT; s++)
		for (int t = 0; t < COMPONENT__COUNT; t++) {
			char series[128];
			snprintf(series, sizeof series,
				 "connector_mock_tasks{namespace=\"default\",state=\"%s\",type=\"%"
				 "s\"}",
				 task_state_name((task_state)s),
				 component_type_name((component_type)t));
			ck_assert_uint_eq(sample(text, series), (uint64_t)counts[s][t]);
		}
	ck_assert_uint_eq(sample(text, "connector_mock_tasks{namespace=\"default\",state="
				       "\"RUNNING\",type=\"incr_trans\"}"),
			  123456789012u);
	ck_assert_uint_eq(sample(text, "connector_mock_tasks{namespace=\"default\",state="
				       "\"FINISHED\",type=\"other\"}"),
			  42);
	ck_assert_uint_eq(sample(text, "connector_mock_up"), 1);
	ck_assert_uint_eq(sample(text, "connector_mock_store_transactions_total"), 7);
	ck_assert_uint_eq(sample(text, "connector_mock_store_operations_total"), 123456789012u);
	ck_assert_uint_eq(sample(text, "connector_mock_store_checkpoints_total"), 5);
	ck_assert_uint_eq(sample(text, "connector_mock_store_wal_syncs_total"), 314);
	ck_assert_uint_eq(sample(text, "connector_mock_store_database_writebacks_total"), 271);
	char start[64];
	sample_text(text, "connector_mock_start_time_seconds", start, sizeof start);
	ck_assert_str_eq(start, "1722470400.250");
	/* the text ends with a newline and holds no NUL before its end */
	size_t len = strlen(text);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(text[len - 1], '\n');
	ck_assert_uint_lt(len, METRICS_RENDER_MAX);
	free(text);
	metrics_destroy(m);
}
END_TEST

/* ---- promtool ---------------------------------------------------------- */

/*
 * Pipes `text` into `promtool check metrics` and returns its exit status
 * (-1 when it did not exit normally), with what it printed in `output`. A
 * missing promtool is the shell's status 127: a failure, never a skip.
 */
static int promtool_check(const char *text, char *output, size_t cap)
{
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	char log_path[300], command[700];
	snprintf(log_path, sizeof log_path, "%s/promtool.out", dir);
	snprintf(command, sizeof command, "promtool check metrics >'%s' 2>&1", log_path);
	/* promtool may exit before reading everything: a write error, not a signal */
	signal(SIGPIPE, SIG_IGN);
	FILE *pipe = popen(command, "w");
	ck_assert_msg(pipe != NULL, "popen failed");
	fputs(text, pipe);
	int status = pclose(pipe);
	output[0] = '\0';
	FILE *log = fopen(log_path, "r");
	if (log) {
		size_t n = fread(output, 1, cap - 1, log);
		output[n] = '\0';
		fclose(log);
		unlink(log_path);
	}
	rmdir(dir);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

START_TEST(test_promtool_accepts_the_rendering)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	for (int op = 0; op < OP__COUNT; op++) {
		metrics_count_request(m, "default", (rules_op)op, NULL, false, 1500000);
		metrics_count_request(m, "default", (rules_op)op, "ILLEGAL_STATE", false, 300000);
		metrics_count_request(m, "default", (rules_op)op, "SOMETHING_INJECTED", false,
				      20000000000);
		metrics_count_request(m, "default", (rules_op)op, "DROPPED", false, 0);
		metrics_count_fault(m, "default", (rules_op)op, "lost_ack");
	}
	int64_t counts[TASK__COUNT][COMPONENT__COUNT] = {{1, 2, 0}, {3, 0, 1}};
	store_batch_stats batches = {.transactions = 3, .operations = 40};
	char *text = metrics_render(m, "default", (const int64_t(*)[COMPONENT__COUNT])counts,
				    &batches, 1722470400.5);
	ck_assert_ptr_nonnull(text);
	char output[4096];
	int status = promtool_check(text, output, sizeof output);
	free(text);
	metrics_destroy(m);
	ck_assert_msg(status != 127,
		      "promtool is missing: apt-get install prometheus (Debian) — %s", output);
	ck_assert_msg(status == 0, "promtool check metrics exited %d:\n%s", status, output);
}
END_TEST

/* The check has teeth: promtool refuses a counter without _total, and a
 * malformed line, so an exit status of 0 above means something. */
START_TEST(test_promtool_refuses_bad_text)
{
	static const char *const bad[] = {
		"# HELP connector_mock_requests counted\n"
		"# TYPE connector_mock_requests counter\n"
		"connector_mock_requests 1\n",
		"# HELP connector_mock_up up\n"
		"# TYPE connector_mock_up gauge\n"
		"connector_mock_up{namespace=\"default\",op=\"a\"b} 1\n",
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		char output[4096];
		int status = promtool_check(bad[i], output, sizeof output);
		ck_assert_msg(status != 127, "promtool is missing: apt-get install prometheus");
		ck_assert_msg(status > 0, "promtool accepted bad text %zu:\n%s", i, bad[i]);
	}
}
END_TEST

/* ---- namespaces and injected answers ------------------------------------ */

/* The value of `series` in `text`, or -1 when it is not printed. */
static long long value_or_absent(const char *text, const char *series)
{
	size_t len = strlen(series);
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		if (strncmp(line, series, len) == 0 && line[len] == ' ')
			return strtoll(line + len + 1, NULL, 10);
		line = end ? end + 1 : line + strlen(line);
	}
	return -1;
}

START_TEST(test_namespaces_counted_apart)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	metrics_count_request(m, "default", OP_STOP, NULL, false, 1000);
	for (int i = 0; i < 3; i++)
		metrics_count_request(m, "team-a", OP_STOP, NULL, false, 1000);
	metrics_count_request(m, "team-a", OP_STOP, "INTERNAL_ERROR", true, 1000);
	metrics_count_request(m, "team-a", OP_STOP, "INTERNAL_ERROR", false, 1000);
	metrics_count_fault(m, "team-a", OP_STOP, "error");
	ck_assert_int_eq(metrics_count_request(m, NULL, OP_STOP, NULL, false, 1000), -1);
	ck_assert_int_eq(metrics_count_fault(m, NULL, OP_STOP, "error"), -1);

	char *a = metrics_render(m, "team-a", no_tasks, &no_batches, 0.0);
	char *d = metrics_render(m, "default", no_tasks, &no_batches, 0.0);
	char *fresh = metrics_render(m, "never-counted", no_tasks, &no_batches, 0.0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(fresh);
	static const char stop_ok[] =
		"connector_mock_requests_total{namespace=\"team-a\",op=\"stop\","
		"outcome=\"success\",injected=\"false\"}";
	ck_assert_int_eq(value_or_absent(a, stop_ok), 3);
	ck_assert_int_eq(value_or_absent(a, "connector_mock_requests_total{namespace=\"team-a\","
					    "op=\"stop\",outcome=\"INTERNAL_ERROR\","
					    "injected=\"true\"}"),
			 1);
	ck_assert_int_eq(value_or_absent(a, "connector_mock_requests_total{namespace=\"team-a\","
					    "op=\"stop\",outcome=\"INTERNAL_ERROR\","
					    "injected=\"false\"}"),
			 1);
	ck_assert_int_eq(value_or_absent(a, "connector_mock_request_duration_seconds_count{"
					    "namespace=\"team-a\",op=\"stop\"}"),
			 5);
	ck_assert_int_eq(value_or_absent(a, "connector_mock_faults_injected_total{namespace="
					    "\"team-a\",op=\"stop\",type=\"error\"}"),
			 1);
	/* each exposition holds only its own namespace; the process's families
	 * only the default's, so a sum over namespaces counts everything once */
	ck_assert_ptr_null(strstr(a, "namespace=\"default\""));
	ck_assert_ptr_null(strstr(d, "namespace=\"team-a\""));
	ck_assert_ptr_null(strstr(a, "connector_mock_up"));
	ck_assert_ptr_null(strstr(a, "connector_mock_store_transactions_total"));
	ck_assert_ptr_nonnull(strstr(d, "connector_mock_up 1"));
	ck_assert_uint_eq(requests(d, "stop", "success"), 1);
	/* a namespace never counted prints zeros, and claims no slot */
	ck_assert_int_eq(value_or_absent(fresh, "connector_mock_requests_total{namespace="
						"\"never-counted\",op=\"stop\",outcome="
						"\"success\",injected=\"false\"}"),
			 0);
	free(a);
	free(d);
	free(fresh);
	metrics_destroy(m);
}
END_TEST

/* Past METRICS_NAMESPACES_MAX, namespaces share the "(other)" slot. */
START_TEST(test_namespaces_past_the_cap)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	char name[32];
	for (int i = 0; i < METRICS_NAMESPACES_MAX + 2; i++) {
		snprintf(name, sizeof name, "ns-%d", i);
		ck_assert_int_eq(metrics_count_request(m, name, OP_DELETE, NULL, false, 10), 0);
	}
	snprintf(name, sizeof name, "ns-%d", METRICS_NAMESPACES_MAX - 1);
	char *last_own = metrics_render(m, name, no_tasks, &no_batches, 0.0);
	snprintf(name, sizeof name, "ns-%d", METRICS_NAMESPACES_MAX + 1);
	char *shared = metrics_render(m, name, no_tasks, &no_batches, 0.0);
	ck_assert_ptr_nonnull(last_own);
	ck_assert_ptr_nonnull(shared);
	char series[200];
	snprintf(series, sizeof series,
		 "connector_mock_requests_total{namespace=\"ns-%d\",op=\"delete\",outcome="
		 "\"success\",injected=\"false\"}",
		 METRICS_NAMESPACES_MAX - 1);
	ck_assert_int_eq(value_or_absent(last_own, series), 1);
	ck_assert_int_eq(value_or_absent(shared, "connector_mock_requests_total{namespace="
						 "\"(other)\",op=\"delete\",outcome=\"success\","
						 "injected=\"false\"}"),
			 2);
	free(last_own);
	free(shared);
	metrics_destroy(m);
}
END_TEST

/* Threads counting new namespaces at once: every count lands, each
 * namespace gets one slot. */
typedef struct {
	metrics *m;
	int index;
	pthread_barrier_t *start;
} claim_arg;

enum { CLAIMERS = 4, CLAIMED_NAMESPACES = 32, CLAIM_ROUNDS = 200 };

static void *claimer(void *data)
{
	claim_arg *arg = data;
	pthread_barrier_wait(arg->start);
	for (int round = 0; round < CLAIM_ROUNDS; round++)
		for (int n = 0; n < CLAIMED_NAMESPACES; n++) {
			char name[16];
			snprintf(name, sizeof name, "c%d",
				 (n + arg->index * 7) % CLAIMED_NAMESPACES);
			metrics_count_request(arg->m, name, OP_RESUME, NULL, false, 10);
		}
	return NULL;
}

START_TEST(test_namespaces_claimed_concurrently)
{
	metrics *m = metrics_create();
	ck_assert_ptr_nonnull(m);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, CLAIMERS);
	pthread_t threads[CLAIMERS];
	claim_arg args[CLAIMERS];
	for (int i = 0; i < CLAIMERS; i++) {
		args[i] = (claim_arg){m, i, &start};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, claimer, &args[i]), 0);
	}
	for (int i = 0; i < CLAIMERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	for (int n = 0; n < CLAIMED_NAMESPACES; n++) {
		char name[16], series[200];
		snprintf(name, sizeof name, "c%d", n);
		char *text = metrics_render(m, name, no_tasks, &no_batches, 0.0);
		snprintf(series, sizeof series,
			 "connector_mock_requests_total{namespace=\"%s\",op=\"resume\",outcome="
			 "\"success\",injected=\"false\"}",
			 name);
		long long got = value_or_absent(text, series);
		free(text);
		ck_assert_msg(got == CLAIMERS * CLAIM_ROUNDS, "%s: %lld", name, got);
	}
	metrics_destroy(m);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *suite = suite_create("metrics");
	TCase *counting = tcase_create("counting");
	tcase_set_timeout(counting, 60);
	tcase_add_test(counting, test_concurrent_counts_are_exact);
	tcase_add_test(counting, test_unknown_op_counts_nothing);
	suite_add_tcase(suite, counting);

	TCase *histogram = tcase_create("histogram");
	tcase_add_loop_test(histogram, test_bucket_edges, 0, (int)COUNT(edge_cases));
	tcase_add_test(histogram, test_bounds_tables_agree);
	tcase_add_test(histogram, test_buckets_cumulative_count_and_sum);
	suite_add_tcase(suite, histogram);

	TCase *labels = tcase_create("labels");
	tcase_add_loop_test(labels, test_outcome_mapping, 0, (int)COUNT(outcome_cases));
	tcase_add_test(labels, test_outcome_table);
	tcase_add_test(labels, test_fault_types);
	tcase_add_test(labels, test_undelivered);
	suite_add_tcase(suite, labels);

	TCase *rendering = tcase_create("rendering");
	tcase_add_test(rendering, test_families_help_type_and_series);
	tcase_add_test(rendering, test_labels_are_fixed_values);
	tcase_add_test(rendering, test_tasks_batches_up_and_start_time);
	suite_add_tcase(suite, rendering);

	TCase *namespaces = tcase_create("namespaces");
	tcase_set_timeout(namespaces, 60);
	tcase_add_test(namespaces, test_namespaces_counted_apart);
	tcase_add_test(namespaces, test_namespaces_past_the_cap);
	tcase_add_test(namespaces, test_namespaces_claimed_concurrently);
	suite_add_tcase(suite, namespaces);

	TCase *promtool = tcase_create("promtool");
	tcase_set_timeout(promtool, 30);
	tcase_add_test(promtool, test_promtool_accepts_the_rendering);
	tcase_add_test(promtool, test_promtool_refuses_bad_text);
	suite_add_tcase(suite, promtool);
	return suite;
}

int main(void) { return test_run_suite(metrics_suite()); }
