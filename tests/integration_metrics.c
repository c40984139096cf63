/*
 * integration_metrics.c — the Prometheus metrics: the counters of known requests, and the text
 * checked by promtool; over real HTTP against the real binary.
 *
 * Every test starts its own daemon(s) on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state. The helpers
 * for OMS calls and the control API are in support.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
/* well-formed, but in no fixture: every operation on it is TASK_NOT_FOUND */
#define NOPE "10.0.0.99-9000:connector_v2:p_nope-incr_trans-1-0:0000000001"
#define FIXTURE_TASKS 8

static const char *const five_ops[] = {"resume", "stop", "update", "migrate", "delete"};
enum { FIVE_OPS = sizeof five_ops / sizeof *five_ops };

/* The value of the series `series` (name{labels}) in a Prometheus text
 * body; -1 when absent. */
static double metric(const char *body, const char *series)
{
	size_t len = strlen(series);
	for (const char *line = body; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, series, len) == 0 && line[len] == ' ')
			return strtod(line + len + 1, NULL);
	}
	return -1;
}

/* The sum of every series of `family` whose labels contain `label`. */
static double metric_sum(const char *body, const char *family, const char *label)
{
	double sum = 0;
	size_t len = strlen(family);
	for (const char *line = body; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, family, len) != 0 || line[len] != '{')
			continue;
		const char *end = strchr(line, '}');
		const char *eol = strchr(line, '\n');
		if (!end || (eol && end > eol))
			continue;
		if (label && !(strstr(line, label) && strstr(line, label) < end))
			continue;
		sum += strtod(end + 2, NULL);
	}
	return sum;
}

static char *metrics_text(const test_daemon *d, const char *prefix)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/metrics", prefix);
	test_response r = test_call(d, "GET", path, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strncmp(r.content_type, "text/plain", 10) == 0, "Content-Type %s",
		      r.content_type);
	ck_assert_msg(strstr(r.content_type, "version=0.0.4") != NULL, "Content-Type %s",
		      r.content_type);
	char *text = strdup(r.body);
	test_response_free(&r);
	return text;
}

static void expect_metric(const char *body, const char *series, double want)
{
	double got = metric(body, series);
	ck_assert_msg(got == want, "%s = %g, want %g", series, got, want);
}

START_TEST(metrics_count_known_requests)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "ILLEGAL_STATE");
	ck_assert_str_eq(test_oms_code(&d, "", "resume", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_str_eq(test_oms_code(&d, "", "resume", DOC_RUNNING, NULL, NULL), "");
	test_add_fault(&d, "", "{\"op\":\"update\",\"action\":{\"type\":\"error\"}}");
	ck_assert_str_eq(test_oms_code(&d, "", "update", DOC_STOPPED, NULL, NULL),
			 "INJECTED_FAULT");
	test_add_fault(&d, "", "{\"op\":\"delete\",\"action\":{\"type\":\"drop\"}}");
	test_raw_result dropped = test_raw_oms(&d, "", "delete", DOC_STOPPED2, NULL);
	ck_assert(test_closed_without_answer(&dropped));
	free(dropped.body);
	test_add_fault(
		&d, "",
		"{\"op\":\"migrate\",\"action\":{\"type\":\"error\",\"errCode\":\"CUSTOM_CODE\"}}");
	ck_assert_str_eq(test_oms_code(&d, "", "migrate", DOC_STOPPED, NULL, NULL), "CUSTOM_CODE");
	ck_assert_int_eq(
		test_call_status(&d, "GET", "/connector/task/v2/stop?taskName=" NOPE, NULL), 405);
	/* the control API is not counted */
	ck_assert_int_eq(test_call_status(&d, "GET", "/_mock/health", NULL), 200);

	char *body = metrics_text(&d, "");
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"stop\",outcome="
		      "\"success\",injected=\"false\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"stop\",outcome="
		      "\"ILLEGAL_STATE\",injected=\"false\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"stop\",outcome="
		      "\"METHOD_NOT_ALLOWED\",injected=\"false\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"resume\",outcome="
		      "\"TASK_NOT_FOUND\",injected=\"false\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"resume\",outcome="
		      "\"success\",injected=\"false\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"update\",outcome="
		      "\"INJECTED_FAULT\",injected=\"true\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"delete\",outcome="
		      "\"DROPPED\",injected=\"true\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"migrate\",outcome="
		      "\"OTHER\",injected=\"true\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{namespace=\"default\",op=\"update\",outcome="
		      "\"success\",injected=\"false\"}",
		      0);
	ck_assert_msg(metric_sum(body, "connector_mock_requests_total", NULL) == 8,
		      "requests_total sums to %g, want 8",
		      metric_sum(body, "connector_mock_requests_total", NULL));
	/* the four that reached the store, one at a time: one transaction each
	 * (refusals before it, and faults that answered in its place, are
	 * journaled apart) */
	expect_metric(body, "connector_mock_store_operations_total", 4);
	expect_metric(body, "connector_mock_store_transactions_total", 4);
	expect_metric(body,
		      "connector_mock_faults_injected_total{namespace=\"default\",op=\"update\","
		      "type=\"error\"}",
		      1);
	expect_metric(body,
		      "connector_mock_faults_injected_total{namespace=\"default\",op=\"delete\","
		      "type=\"drop\"}",
		      1);
	expect_metric(body,
		      "connector_mock_faults_injected_total{namespace=\"default\",op=\"migrate\","
		      "type=\"error\"}",
		      1);
	expect_metric(body,
		      "connector_mock_faults_injected_total{namespace=\"default\",op=\"stop\",type="
		      "\"lost_ack\"}",
		      0);
	ck_assert(metric_sum(body, "connector_mock_faults_injected_total", NULL) == 3);

	/* the histogram: cumulative buckets, +Inf = _count = the op's requests */
	for (int i = 0; i < FIVE_OPS; i++) {
		char series[160], label[64];
		snprintf(label, sizeof label, "op=\"%s\"", five_ops[i]);
		double requests = metric_sum(body, "connector_mock_requests_total", label);
		snprintf(series, sizeof series,
			 "connector_mock_request_duration_seconds_count{namespace=\"default\",op="
			 "\"%s\"}",
			 five_ops[i]);
		ck_assert_msg(metric(body, series) == requests, "%s = %g, want %g", series,
			      metric(body, series), requests);
		snprintf(series, sizeof series,
			 "connector_mock_request_duration_seconds_bucket{namespace=\"default\",op="
			 "\"%s\",le=\"+Inf\"}",
			 five_ops[i]);
		ck_assert_msg(metric(body, series) == requests, "%s = %g", series,
			      metric(body, series));
		snprintf(series, sizeof series,
			 "connector_mock_request_duration_seconds_sum{namespace=\"default\",op=\"%"
			 "s\"}",
			 five_ops[i]);
		ck_assert_msg(metric(body, series) >= 0, "%s missing", series);
		double previous = 0;
		const char *line = body;
		char prefix[128];
		snprintf(prefix, sizeof prefix,
			 "connector_mock_request_duration_seconds_bucket{namespace=\"default\",op="
			 "\"%s\",",
			 five_ops[i]);
		int buckets = 0;
		while ((line = strstr(line, prefix)) != NULL) {
			double value = strtod(strchr(line, '}') + 2, NULL);
			ck_assert_msg(value >= previous, "buckets of %s decrease", five_ops[i]);
			previous = value;
			buckets++;
			line++;
		}
		ck_assert_msg(buckets >= 2, "%s has %d buckets", five_ops[i], buckets);
	}

	/* the task gauge matches the task list */
	cJSON *root = test_get_json(&d, "/_mock/tasks");
	const cJSON *task;
	int listed = 0;
	cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
	{
		char series[160];
		snprintf(series, sizeof series,
			 "connector_mock_tasks{namespace=\"default\",state=\"%s\",type=\"%s\"}",
			 test_string_member(task, "state"),
			 test_string_member(task, "componentType"));
		ck_assert_msg(metric(body, series) >= 1, "%s is %g", series, metric(body, series));
		listed++;
	}
	cJSON_Delete(root);
	ck_assert_msg(metric_sum(body, "connector_mock_tasks", NULL) == listed,
		      "the task gauges sum to %g, the list holds %d",
		      metric_sum(body, "connector_mock_tasks", NULL), listed);
	expect_metric(
		body,
		"connector_mock_tasks{namespace=\"default\",state=\"STOPPED\",type=\"incr_trans\"}",
		2);
	expect_metric(
		body,
		"connector_mock_tasks{namespace=\"default\",state=\"RUNNING\",type=\"incr_trans\"}",
		2);
	expect_metric(body,
		      "connector_mock_tasks{namespace=\"default\",state=\"FINISHED\",type=\"full_"
		      "trans\"}",
		      1);
	free(body);

	/* a namespace's gauge counts its own tasks */
	test_create_task(&d, "/ns/gauge",
			 "10.4.4.4-9000:connector_v2:p_g-full_trans-1-0:0000000001", "STOPPED");
	body = metrics_text(&d, "/ns/gauge");
	expect_metric(
		body,
		"connector_mock_tasks{namespace=\"gauge\",state=\"STOPPED\",type=\"full_trans\"}",
		1);
	ck_assert(metric_sum(body, "connector_mock_tasks", NULL) == FIXTURE_TASKS + 1);
	free(body);
	body = metrics_text(&d, "");
	expect_metric(
		body,
		"connector_mock_tasks{namespace=\"default\",state=\"STOPPED\",type=\"full_trans\"}",
		0);
	free(body);
	test_daemon_down(&d);
}
END_TEST

/* Runs `promtool check metrics` on `text`; its exit status, output in `out`. */
static int promtool_check(const test_daemon *d, const char *text, char *out, size_t cap)
{
	char file[600], command[800];
	snprintf(file, sizeof file, "%s/metrics.txt", d->dir);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	snprintf(command, sizeof command, "promtool check metrics < '%s' 2>&1", file);
	FILE *p = popen(command, "r");
	ck_assert_msg(p != NULL, "popen promtool failed");
	size_t used = fread(out, 1, cap - 1, p);
	out[used] = '\0';
	int status = pclose(p);
	unlink(file);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(metrics_pass_promtool)
{
	ck_assert_msg(system("command -v promtool >/dev/null 2>&1") == 0,
		      "promtool is missing (Debian package prometheus)");
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char out[8192];
	char *body = metrics_text(&d, "");
	int status = promtool_check(&d, body, out, sizeof out);
	ck_assert_msg(status == 0, "promtool check metrics (fresh): %d\n%s", status, out);
	free(body);
	/* after traffic of every kind, faults included */
	test_add_fault(
		&d, "",
		"{\"op\":\"*\",\"times\":3,\"action\":{\"type\":\"error\",\"errCode\":\"X_Y\"}}");
	test_add_fault(&d, "",
		       "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"status\"}}");
	for (int i = 0; i < FIVE_OPS; i++)
		test_oms_code(&d, "", five_ops[i], DOC_STOPPED, NULL, NULL);
	test_raw_result lost = test_raw_oms(&d, "", "stop", DOC_RUNNING, NULL);
	ck_assert_int_eq(lost.status, 503);
	free(lost.body);
	body = metrics_text(&d, "");
	status = promtool_check(&d, body, out, sizeof out);
	ck_assert_msg(status == 0, "promtool check metrics (after traffic): %d\n%s", status, out);
	expect_metric(body,
		      "connector_mock_faults_injected_total{namespace=\"default\",op=\"stop\",type="
		      "\"lost_ack\"}",
		      1);
	free(body);
	/* the check can fail: a broken exposition is refused */
	status = promtool_check(&d, "# TYPE x counter\nx{a=\"1\" 5\n", out, sizeof out);
	ck_assert_msg(status != 0, "promtool accepted a broken exposition");
	test_daemon_down(&d);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *suite = suite_create("integration_metrics");
	const test_entry plain[] = {
		{"metrics", metrics_count_known_requests},
		{"metrics", metrics_pass_promtool},
	};
	test_add_grouped(suite, plain, COUNT(plain), 120);
	return suite;
}

int main(void) { return test_run_suite(metrics_suite()); }
