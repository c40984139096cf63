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
 * Counts are kept per namespace: each namespace's exposition
 * (/ns/{name}/_mock/metrics) carries its own series, labelled
 * namespace="{name}", so that scraping several namespaces and summing adds
 * each request once. The first METRICS_NAMESPACES_MAX namespaces that are
 * counted get slots of their own; later ones share the slot labelled
 * namespace="(other)". Finding a namespace's slot reads without a lock;
 * only the first count of a new namespace takes a mutex to claim one.
 *
 * Every other label value is taken from a fixed table below, never from a
 * request: an errCode that is not in the table is counted as "OTHER". So
 * the series are known in advance (all are printed, zeros included, so that
 * dashboards and rate() see them from the first scrape); a namespace name
 * is [A-Za-z0-9_-], so no label value ever needs escaping.
 *
 * Families:
 *     connector_mock_requests_total{namespace,op,outcome,injected}   counter
 *     connector_mock_request_duration_seconds{namespace,op}          histogram
 *     connector_mock_faults_injected_total{namespace,op,type}        counter
 *     connector_mock_answers_undelivered_total{namespace,op}         counter
 *     connector_mock_tasks{namespace,state,type}                     gauge
 * and, of the process as a whole, in the default namespace's exposition only
 * (so that a sum over namespaces counts them once):
 *     connector_mock_store_*_total                                   counters
 *     connector_mock_up                                   gauge, always 1
 *     connector_mock_start_time_seconds                   gauge
 *
 * `injected` tells an answer a fault gave (error, status, drop, hang, or
 * the answer of a lost_ack) from the store's own: an injected
 * INTERNAL_ERROR is outcome="INTERNAL_ERROR",injected="true".
 */
#ifndef CONNECTOR_MOCK_METRICS_H
#define CONNECTOR_MOCK_METRICS_H

#include <stdbool.h>
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

/* The label value of the shared slot of namespaces past the first
 * METRICS_NAMESPACES_MAX. */
#define METRICS_OTHER_NAMESPACE "(other)"

/*
 * Counts one answered (or dropped) request to operation `op` in namespace
 * `ns`: adds 1 to connector_mock_requests_total{namespace, op, outcome,
 * injected} with the outcome of metrics_outcome_from_name(err_code), and
 * puts `duration_ns` (from the request's arrival to its answer, on a
 * monotonic clock; a negative value counts as 0) into the namespace's
 * histogram of op. Safe from any thread. Returns 0, or -1 when `op` is not
 * one of the five or `ns` is NULL (nothing is counted: an unknown path has
 * no op), or when memory runs out.
 */
int metrics_count_request(metrics *m, const char *ns, rules_op op, const char *err_code,
			  bool injected, int64_t duration_ns);

/*
 * Counts one fault injected into a request to `op` in namespace `ns`: adds
 * 1 to connector_mock_faults_injected_total{namespace, op, type}.
 * `fault_type` is the control API's name of the action ("lost_ack", ...).
 * Safe from any thread. Returns 0, or -1 when `op` or `fault_type` is
 * unknown or `ns` is NULL (nothing is counted).
 */
int metrics_count_fault(metrics *m, const char *ns, rules_op op, const char *type_name);

/* Counts one answer to `op` in `ns` that did not reach its client whole:
 * connector_mock_answers_undelivered_total{namespace, op}. 0, or -1 (an
 * unknown op, NULL ns: nothing counted). */
int metrics_count_undelivered(metrics *m, const char *ns, rules_op op);

/*
 * Renders the text exposition of namespace `ns`: # HELP and # TYPE for
 * every family, every requests and faults series (zeros too, also for a
 * namespace never counted), op's histogram with cumulative buckets, _sum
 * (seconds, exact to the nanosecond) and _count, the task gauge from
 * `task_counts` — the namespace's tasks by state and component type, which
 * the caller reads from the store; indices are task_state and
 * component_type. For the namespace "default" only, then the process's
 * families: the store's transactions and operations from `batches`,
 * connector_mock_up 1 and connector_mock_start_time_seconds (the process's
 * start, Unix seconds). A namespace past the first METRICS_NAMESPACES_MAX
 * renders the shared "(other)" counts. Serve it as
 * "text/plain; version=0.0.4; charset=utf-8".
 *
 * Returns a NUL-terminated string the caller frees with free(), or NULL when
 * out of memory (or past METRICS_RENDER_MAX, which cannot happen with these
 * fixed series). The registry is not changed.
 */
char *metrics_render(const metrics *m, const char *ns,
		     const int64_t task_counts[TASK__COUNT][COMPONENT__COUNT],
		     const store_batch_stats *batches, double start_time_seconds);

/*
 * The errCode answered for each business code (the [errors] section renames
 * them; unrenamed codes answer their own name), as an info family
 * connector_mock_error_code_info{code,answered} 1, so that a dashboard can
 * put the canonical outcome labels of the counters beside the codes clients
 * saw. `answered` has ERR__COUNT entries. The caller frees the text; NULL
 * when out of memory.
 */
char *metrics_render_error_codes(const char *const answered[ERR__COUNT]);

#endif
