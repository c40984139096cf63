/*
 * metrics.h — the counters behind GET /_mock/metrics, and their rendering
 * in the Prometheus text exposition format (version 0.0.4).
 *
 * One `metrics` registry lives for the whole process and is shared by every
 * request thread. Counting is lock-free: each count is one relaxed atomic
 * add on a fixed slot, so the request path never waits on another thread.
 * Rendering reads each slot once; a render that runs while requests are
 * counted may see some of a request's adds and not others (a histogram's
 * _sum a request behind its buckets), never a torn or invented value, and
 * its _count always equals its le="+Inf" bucket.
 *
 * Every label value is taken from a fixed table below, never from a
 * request: an errCode that is not in the table is counted as "OTHER". So
 * the series are known in advance (all are printed, zeros included, so that
 * dashboards and rate() see them from the first scrape), and no label value
 * ever needs escaping.
 *
 * Families:
 *     connector_mock_requests_total{op,outcome}           counter
 *     connector_mock_request_duration_seconds{op}         histogram
 *     connector_mock_faults_injected_total{op,type}       counter
 *     connector_mock_tasks{state,type}                    gauge
 *     connector_mock_up                                   gauge, always 1
 *     connector_mock_start_time_seconds                   gauge
 */
#ifndef CONNECTOR_MOCK_METRICS_H
#define CONNECTOR_MOCK_METRICS_H

#include <stdint.h>

#include "../store/errors.h"
#include "../store/faults.h"
#include "../store/store.h"
#include "../store/rules.h"
#include "../store/taskname.h"

/*
 * The `outcome` label of a request. Values 1 .. ERR__COUNT-1 are the
 * business codes of errors.h, by their error_code (so a code added there is
 * counted under its own name without a change here); the HTTP-level codes
 * and the two catch-alls follow.
 */
typedef enum {
	METRICS_OUTCOME_SUCCESS = ERR_NONE,		 /* "success" */
	METRICS_OUTCOME_METHOD_NOT_ALLOWED = ERR__COUNT, /* 405 */
	METRICS_OUTCOME_PAYLOAD_TOO_LARGE,		 /* 413 */
	METRICS_OUTCOME_OTHER,				 /* any other errCode, e.g. injected */
	METRICS_OUTCOME_DROPPED,			 /* closed without an answer (a fault) */
	METRICS_OUTCOME__COUNT
} metrics_outcome;

enum {
	/* finite upper bounds of the duration histogram; +Inf comes after */
	METRICS_DURATION_BUCKETS = 16,
};

/* The histogram's finite upper bounds in nanoseconds, ascending (0.0001 s ..
 * 10 s), and as printed in the le label ("0.0001" .. "10"). */
extern const int64_t metrics_duration_bounds_ns[METRICS_DURATION_BUCKETS];
extern const char *const metrics_duration_bounds_le[METRICS_DURATION_BUCKETS];

typedef struct metrics metrics;

/* Makes a registry with every count at zero. Returns NULL when out of
 * memory. The caller frees it with metrics_destroy. */
metrics *metrics_create(void);

/* Frees the registry. Safe on NULL. No thread may still be counting. */
void metrics_destroy(metrics *m);

/*
 * Maps a request's errCode to its outcome: NULL, "" (error_name(ERR_NONE))
 * and "success" are METRICS_OUTCOME_SUCCESS; a name from the table is
 * itself ("ILLEGAL_STATE", "METHOD_NOT_ALLOWED", "DROPPED", ...); any other
 * text is METRICS_OUTCOME_OTHER. Never fails.
 */
metrics_outcome metrics_outcome_from_name(const char *err_code);

/* The label value of an outcome ("success", "TASK_NOT_FOUND", "OTHER"...).
 * Never NULL; "OTHER" for a value outside the enum. */
const char *metrics_outcome_name(metrics_outcome outcome);

/*
 * Counts one answered (or dropped) request to operation `op`: adds 1 to
 * connector_mock_requests_total{op, outcome} with the outcome of
 * metrics_outcome_from_name(err_code), and puts `duration_ns` (from the
 * request's arrival to its answer, on a monotonic clock; a negative value
 * counts as 0) into op's histogram. Safe from any thread, lock-free.
 * Returns 0, or -1 when `op` is not one of the five (nothing is counted:
 * an unknown path has no op).
 */
int metrics_count_request(metrics *m, rules_op op, const char *err_code, int64_t duration_ns);

/*
 * Counts one fault injected into a request to `op`: adds 1 to
 * connector_mock_faults_injected_total{op, type}. `type_name` is the
 * control API's name of the action ("lost_ack", ...). Safe from any thread,
 * lock-free. Returns 0, or -1 when `op` or `type_name` is unknown (nothing
 * is counted).
 */
int metrics_count_fault(metrics *m, rules_op op, const char *type_name);

/*
 * Renders the text exposition: # HELP and # TYPE for every family, every
 * requests and faults series (zeros too), op's histogram with cumulative
 * buckets, _sum (seconds, exact to the nanosecond) and _count, the task
 * gauge from `task_counts` — tasks by state and component type, which the
 * caller reads from the store; indices are task_state and component_type —
 * the store's transactions and operations from `batches`, then
 * connector_mock_up 1 and connector_mock_start_time_seconds (the
 * process's start, Unix seconds). Serve it as
 * "text/plain; version=0.0.4; charset=utf-8".
 *
 * Returns a NUL-terminated string the caller frees with free(), or NULL when
 * out of memory (or past METRICS_RENDER_MAX, which cannot happen with these
 * fixed series). The registry is not changed.
 */
char *metrics_render(const metrics *m, const int64_t task_counts[TASK__COUNT][COMPONENT__COUNT],
		     const store_batch_stats *batches, double start_time_seconds);

#endif
