/*
 * metrics_route.c — GET /_mock/metrics: the namespace's exposition in the
 * Prometheus text format (metrics.h), the process-wide families in the
 * default namespace's only, and the per-task gauges (metrics_tasks.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "../store/text.h"
#include "metrics.h"
#include "metrics_tasks.h"
#include "routes.h"
#include "settings.h"

/* Appends the per-task gauges (metrics_tasks.h) to `text`, which it takes;
 * NULL on a failure. A namespace past METRICS_TASKS_MAX tasks has none. */
static char *with_task_series(const http_request *request,
			      int64_t counts[TASK__COUNT][COMPONENT__COUNT], char *text)
{
	int64_t total = 0;
	for (int s = 0; s < TASK__COUNT; s++)
		for (int t = 0; t < COMPONENT__COUNT; t++)
			total += counts[s][t];
	cJSON *tasks = NULL;
	if (total <= METRICS_TASKS_MAX &&
	    store_list_tasks(request->app->store, request->ns, NULL, NULL, request->now_ms,
			     &tasks) != STORE_OK) {
		free(text);
		return NULL;
	}
	textbuf out;
	textbuf_init(&out, METRICS_RENDER_MAX + METRICS_TASKS_MAX * 2048);
	textbuf_puts(&out, text);
	free(text);
	cJSON *none = tasks ? NULL : cJSON_CreateArray();
	metrics_tasks_render(&out, request->ns, tasks ? tasks : none);
	cJSON_Delete(tasks);
	cJSON_Delete(none);
	if (out.overflow) {
		textbuf_free(&out);
		return NULL;
	}
	return textbuf_detach(&out);
}

http_response metrics_route(const http_request *request, const char *unused)
{
	(void)unused;
	int64_t counts[TASK__COUNT][COMPONENT__COUNT];
	if (store_task_counts(request->app->store, request->ns, request->now_ms, counts) !=
	    STORE_OK)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"the storage failed; nothing was changed");
	store_batch_stats batches;
	store_batch_stats_get(request->app->store, &batches);
	const char *answered[ERR__COUNT];
	for (int code = 0; code < ERR__COUNT; code++)
		answered[code] = settings_error_name(request->app->settings, (error_code)code);
	char *main_text = metrics_render(request->app->metrics, request->ns, counts, &batches,
					 request->app->start_time);
	/* process-wide, like connector_mock_up: in the default namespace's
	 * exposition only, so that sums over namespaces stay right */
	bool process_wide = strcmp(request->ns, STORE_DEFAULT_NAMESPACE) == 0;
	char *codes_text = process_wide ? metrics_render_error_codes(answered) : strdup("");
	char *text = NULL;
	if (main_text && codes_text) {
		size_t a = strlen(main_text), b = strlen(codes_text);
		text = malloc(a + b + 1);
		if (text) {
			memcpy(text, main_text, a);
			memcpy(text + a, codes_text, b + 1);
		}
	}
	free(main_text);
	free(codes_text);
	if (!text)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"the storage failed; nothing was changed");
	text = with_task_series(request, counts, text);
	if (!text)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"the storage failed; nothing was changed");
	http_response response = {.status = MHD_HTTP_OK,
				  .body = text,
				  .content_type = "text/plain; version=0.0.4; charset=utf-8"};
	return response;
}
