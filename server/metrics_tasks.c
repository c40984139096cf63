/*
 * metrics_tasks.c — the per-task gauges (metrics_tasks.h).
 */
#include "metrics_tasks.h"

#include <string.h>

#include "../store/rules.h"

/* A label value in the text format: \ " and newline escaped. */
static void label_value(textbuf *out, const char *value)
{
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			textbuf_puts(out, "\\\\");
		else if (*p == '"')
			textbuf_puts(out, "\\\"");
		else if (*p == '\n')
			textbuf_puts(out, "\\n");
		else
			textbuf_append(out, p, 1);
	}
}

static void series_start(textbuf *out, const char *name, const char *ns, const char *task)
{
	textbuf_printf(out, "%s{namespace=\"", name);
	label_value(out, ns);
	textbuf_puts(out, "\",task=\"");
	label_value(out, task);
	textbuf_puts(out, "\"");
}

/* One number series per task that has the field `key` as a number. */
static void number_family(textbuf *out, const char *name, const char *help, const char *key,
			  const char *ns, const cJSON *tasks)
{
	textbuf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	int index = 0;
	const cJSON *task;
	cJSON_ArrayForEach(task, tasks)
	{
		if (index++ >= METRICS_TASKS_MAX)
			break;
		const cJSON *name_item = cJSON_GetObjectItemCaseSensitive(task, "taskName");
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(task, key);
		if (!cJSON_IsString(name_item) || !cJSON_IsNumber(value))
			continue;
		series_start(out, name, ns, name_item->valuestring);
		textbuf_printf(out, "} %.17g\n", value->valuedouble);
	}
}

static void state_family(textbuf *out, const char *ns, const cJSON *tasks)
{
	static const char name[] = "connector_mock_task_state";
	textbuf_printf(out,
		       "# HELP %s 1 for the state each task is in, 0 for the others.\n"
		       "# TYPE %s gauge\n",
		       name, name);
	int index = 0;
	const cJSON *task;
	cJSON_ArrayForEach(task, tasks)
	{
		if (index++ >= METRICS_TASKS_MAX)
			break;
		const cJSON *task_name = cJSON_GetObjectItemCaseSensitive(task, "taskName");
		const cJSON *state = cJSON_GetObjectItemCaseSensitive(task, "state");
		if (!cJSON_IsString(task_name) || !cJSON_IsString(state))
			continue;
		for (int s = 0; s < TASK__COUNT; s++) {
			const char *state_name = task_state_name((task_state)s);
			series_start(out, name, ns, task_name->valuestring);
			textbuf_printf(out, ",state=\"%s\"} %d\n", state_name,
				       strcmp(state->valuestring, state_name) == 0);
		}
	}
}

void metrics_tasks_render(textbuf *out, const char *ns, const cJSON *tasks)
{
	number_family(out, "connector_mock_task_progress",
		      "A Full-Import's progress, 0 to 1, at the namespace's clock.", "progress", ns,
		      tasks);
	number_family(out, "connector_mock_task_lag_seconds",
		      "How far an Incr-Sync's position is behind the namespace's clock, in "
		      "seconds (with the simulation on).",
		      "lagSeconds", ns, tasks);
	state_family(out, ns, tasks);
}
