/*
 * unit_metrics_tasks.c — the per-task gauges (server/metrics_tasks.h):
 * exact series, label escaping, the cap on tasks, and `promtool check
 * metrics` on the rendering.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../server/metrics_tasks.h"
#include "support.h"

/* `promtool check metrics` on `text`: its exit status (127: no promtool,
 * a failure, never a skip). */
static int promtool_check(const char *text)
{
	signal(SIGPIPE, SIG_IGN);
	FILE *pipe = popen("promtool check metrics >/dev/null 2>&1", "w");
	ck_assert_ptr_nonnull(pipe);
	fputs(text, pipe);
	int status = pclose(pipe);
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *render(const char *ns, const char *tasks_json)
{
	cJSON *tasks = test_parse_json(tasks_json);
	textbuf out;
	textbuf_init(&out, 8 << 20);
	metrics_tasks_render(&out, ns, tasks);
	cJSON_Delete(tasks);
	ck_assert(!out.overflow);
	return textbuf_detach(&out);
}

START_TEST(series_of_each_task)
{
	char *text =
		render("demo", "[{\"taskName\":\"h-1:connector_v2:p-full_trans-1-0:0000000001\","
			       "\"state\":\"RUNNING\",\"progress\":0.5,\"lagSeconds\":null},"
			       "{\"taskName\":\"h-1:connector_v2:p-incr_trans-1-0:0000000001\","
			       "\"state\":\"ABNORMAL\",\"progress\":null,\"lagSeconds\":62.5}]");
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_task_progress{namespace=\"demo\",task=\"h-1:"
				     "connector_v2:p-full_trans-1-0:0000000001\"} 0.5\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_task_lag_seconds{namespace=\"demo\",task=\""
				     "h-1:connector_v2:p-incr_trans-1-0:0000000001\"} 62.5\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_task_state{namespace=\"demo\",task=\"h-1:"
				     "connector_v2:p-incr_trans-1-0:0000000001\",state=\""
				     "ABNORMAL\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_task_state{namespace=\"demo\",task=\"h-1:"
				     "connector_v2:p-incr_trans-1-0:0000000001\",state=\""
				     "RUNNING\"} 0\n"));
	/* no progress series for the Incr-Sync, no lag for the Full-Import */
	ck_assert_ptr_null(
		strstr(text, "progress{namespace=\"demo\",task=\"h-1:connector_v2:p-incr"));
	ck_assert_ptr_null(
		strstr(text, "lag_seconds{namespace=\"demo\",task=\"h-1:connector_v2:p-full"));
	ck_assert_int_eq(promtool_check(text), 0);
	free(text);
}
END_TEST

START_TEST(label_values_are_escaped)
{
	char *text = render("n", "[{\"taskName\":\"a\\\"b\\\\c\\nd\",\"state\":\"STOPPED\","
				 "\"progress\":0}]");
	ck_assert_ptr_nonnull(strstr(
		text,
		"connector_mock_task_progress{namespace=\"n\",task=\"a\\\"b\\\\c\\nd\"} 0\n"));
	ck_assert_int_eq(promtool_check(text), 0);
	free(text);
}
END_TEST

START_TEST(tasks_past_the_cap_are_left_out)
{
	textbuf list;
	textbuf_init(&list, 1 << 20);
	textbuf_puts(&list, "[");
	for (int i = 0; i < METRICS_TASKS_MAX + 1; i++)
		textbuf_printf(&list,
			       "%s{\"taskName\":\"t%d\",\"state\":\"RUNNING\",\"progress\":0.25}",
			       i ? "," : "", i);
	textbuf_puts(&list, "]");
	char *text = render("cap", textbuf_str(&list));
	textbuf_free(&list);
	int progress_series = 0;
	for (const char *p = text; (p = strstr(p, "connector_mock_task_progress{")) != NULL; p++)
		progress_series++;
	ck_assert_int_eq(progress_series, METRICS_TASKS_MAX);
	ck_assert_ptr_null(strstr(text, "task=\"t1000\""));
	ck_assert_int_eq(promtool_check(text), 0);
	free(text);
}
END_TEST

START_TEST(no_tasks_is_still_valid)
{
	char *text = render("empty", "[]");
	ck_assert_ptr_nonnull(strstr(text, "# TYPE connector_mock_task_state gauge\n"));
	ck_assert_int_eq(promtool_check(text), 0);
	free(text);
}
END_TEST

static Suite *metrics_tasks_suite(void)
{
	Suite *suite = suite_create("metrics_tasks");
	TCase *tc = tcase_create("render");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, series_of_each_task);
	tcase_add_test(tc, label_values_are_escaped);
	tcase_add_test(tc, tasks_past_the_cap_are_left_out);
	tcase_add_test(tc, no_tasks_is_still_valid);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(metrics_tasks_suite()); }
