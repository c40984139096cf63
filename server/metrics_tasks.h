/*
 * metrics_tasks.h — per-task gauges for GET /_mock/metrics: what a
 * Prometheus + Grafana demo watches move while the simulation runs.
 *
 *     connector_mock_task_progress{namespace,task}       gauge, full_trans
 *     connector_mock_task_lag_seconds{namespace,task}    gauge, incr_trans
 *     connector_mock_task_state{namespace,task,state}    gauge, 1 for the
 *                                                        task's state, 0 for
 *                                                        the other four
 *
 * Unlike metrics.h's families, these label values come from the store (the
 * namespace and each taskName); they are escaped as the text format asks,
 * although the taskName grammar admits no character that needs it. A
 * namespace of more than METRICS_TASKS_MAX tasks gets none of these series
 * (one scrape would otherwise carry megabytes).
 */
#ifndef CONNECTOR_MOCK_METRICS_TASKS_H
#define CONNECTOR_MOCK_METRICS_TASKS_H

#include <cjson/cJSON.h>

#include "../store/text.h"

enum { METRICS_TASKS_MAX = 1000 };

/*
 * Appends the three families for `tasks` (a JSON array of tasks as GET
 * /_mock/tasks shows them: taskName, state, componentType, progress,
 * lagSeconds) of namespace `ns` to `out`. Tasks past METRICS_TASKS_MAX are
 * left out. The caller checks out->overflow.
 */
void metrics_tasks_render(textbuf *out, const char *ns, const cJSON *tasks);

#endif
