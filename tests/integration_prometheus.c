/*
 * integration_prometheus.c — a real Prometheus scrapes the daemon's
 * namespaces on loopback, one job per namespace, and its sums count each
 * request once: requests by namespace, the total, and the injected answers
 * apart from the real ones.
 *
 * Prometheus (Debian's prometheus package) runs with a scrape interval of
 * one second and a storage directory of its own; the test polls its HTTP
 * API until every target has been scraped, with a generous deadline, so
 * the machine's speed changes how long it waits, never the answer.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define NOPE "10.9.9.9-9000:connector_v2:p_none-incr_trans-1-0:0000000001"

/* A port free a moment ago on 127.0.0.1 (Prometheus binds it itself). */
static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in where = {.sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof where;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&where, sizeof where), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&where, &len), 0);
	close(fd);
	return ntohs(where.sin_port);
}

static void send_oms(const test_daemon *d, const char *prefix, const char *op, const char *name)
{
	char *escaped = test_escape(name);
	char path[512];
	snprintf(path, sizeof path, "%s/connector/task/v2/%s?taskName=%s", prefix, op, escaped);
	free(escaped);
	test_response r = test_request(d, "POST", path, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
}

/* The one value of an instant query, or -1 while Prometheus has none. */
static double query(const test_daemon *prometheus, const char *promql)
{
	char *escaped = test_escape(promql);
	char path[1024];
	snprintf(path, sizeof path, "/api/v1/query?query=%s", escaped);
	free(escaped);
	test_response r;
	double value = -1;
	if (test_http(prometheus, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 200) {
		cJSON *root = test_response_json(&r);
		const cJSON *result = test_member(test_member(root, "data"), "result");
		const cJSON *first = cJSON_GetArrayItem(result, 0);
		const cJSON *pair = test_member(first, "value");
		const cJSON *text = cJSON_GetArrayItem(pair, 1);
		if (cJSON_GetArraySize(result) == 1 && cJSON_IsString(text))
			value = strtod(text->valuestring, NULL);
		cJSON_Delete(root);
	}
	test_response_free(&r);
	return value;
}

/* Polls `promql` until it equals `want` (90 s at most); the last value. */
static double wait_for(const test_daemon *prometheus, const char *promql, double want)
{
	int64_t deadline = test_monotonic_ms() + 90000;
	double got = -1;
	while (test_monotonic_ms() < deadline) {
		got = query(prometheus, promql);
		if (got == want)
			break;
		test_sleep_ms(250);
	}
	return got;
}

START_TEST(prometheus_sums_namespaces_once)
{
	ck_assert_msg(system("command -v prometheus >/dev/null 2>&1") == 0,
		      "prometheus is missing (Debian package prometheus)");
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* default: 2 requests; a: 3; b: 4, one answered by a fault */
	send_oms(&d, "", "stop", DOC_RUNNING);
	send_oms(&d, "", "resume", NOPE);
	for (int i = 0; i < 3; i++) /* one success, then ILLEGAL_STATE twice */
		send_oms(&d, "/ns/a", "resume", DOC_STOPPED);
	cJSON_Delete(test_json_call(&d, "POST", "/ns/b/_mock/faults",
				    "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				    "\"errCode\":\"INTERNAL_ERROR\"}}",
				    201));
	send_oms(&d, "/ns/b", "stop", DOC_RUNNING); /* injected INTERNAL_ERROR */
	send_oms(&d, "/ns/b", "stop", DOC_RUNNING); /* the real stop */
	send_oms(&d, "/ns/b", "stop", DOC_RUNNING); /* a real ILLEGAL_STATE */
	send_oms(&d, "/ns/b", "resume", DOC_RUNNING);

	char config[600], storage[600], log_path[600];
	snprintf(config, sizeof config, "%s/prometheus.yml", d.dir);
	snprintf(storage, sizeof storage, "%s/tsdb", d.dir);
	snprintf(log_path, sizeof log_path, "%s/prometheus.log", d.dir);
	FILE *file = fopen(config, "w");
	ck_assert_ptr_nonnull(file);
	fprintf(file, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
	static const char *const namespaces[][2] = {{"default", "/_mock/metrics"},
						    {"a", "/ns/a/_mock/metrics"},
						    {"b", "/ns/b/_mock/metrics"}};
	for (size_t i = 0; i < COUNT(namespaces); i++)
		fprintf(file,
			"  - job_name: ns-%s\n    metrics_path: %s\n    static_configs:\n"
			"      - targets: ['127.0.0.1:%u']\n",
			namespaces[i][0], namespaces[i][1], d.port);
	ck_assert_int_eq(fclose(file), 0);

	test_daemon prometheus = {0};
	prometheus.port = free_port();
	snprintf(prometheus.base_url, sizeof prometheus.base_url, "http://127.0.0.1:%u",
		 prometheus.port);
	char listen[64], config_flag[700], storage_flag[700];
	snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%u", prometheus.port);
	snprintf(config_flag, sizeof config_flag, "--config.file=%s", config);
	snprintf(storage_flag, sizeof storage_flag, "--storage.tsdb.path=%s", storage);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (log >= 0) {
			dup2(log, STDOUT_FILENO);
			dup2(log, STDERR_FILENO);
		}
		execlp("prometheus", "prometheus", config_flag, storage_flag, listen, (char *)NULL);
		_exit(127);
	}
	test_track_daemon(pid);
	prometheus.pid = pid;

	/* every target scraped: one up series per job */
	double targets = wait_for(&prometheus, "count(up == 1)", 3);
	ck_assert_msg(targets == 3, "Prometheus scraped %g targets of 3 (see %s)", targets,
		      log_path);
	double total = wait_for(&prometheus, "sum(connector_mock_requests_total)", 9);
	ck_assert_msg(total == 9, "sum(connector_mock_requests_total) = %g, want 9", total);
	static const struct {
		const char *promql;
		double want;
	} sums[] = {
		{"sum(connector_mock_requests_total{namespace=\"default\"})", 2},
		{"sum(connector_mock_requests_total{namespace=\"a\"})", 3},
		{"sum(connector_mock_requests_total{namespace=\"b\"})", 4},
		{"sum(connector_mock_requests_total{injected=\"true\"})", 1},
		{"sum(connector_mock_requests_total{outcome=\"INTERNAL_ERROR\",injected=\"false\"}"
		 ")",
		 0},
		{"sum(connector_mock_requests_total{outcome=\"ILLEGAL_STATE\"})", 3},
		{"sum by (namespace) (connector_mock_requests_total{outcome=\"ILLEGAL_STATE\","
		 "namespace=\"b\"})",
		 1},
		{"sum(connector_mock_faults_injected_total)", 1},
		{"sum(connector_mock_request_duration_seconds_count)", 9},
		/* the process's own families come from one exposition only */
		{"count(connector_mock_up)", 1},
		{"sum(connector_mock_tasks{namespace=\"a\"})", 8},
	};
	for (size_t i = 0; i < COUNT(sums); i++) {
		double got = wait_for(&prometheus, sums[i].promql, sums[i].want);
		ck_assert_msg(got == sums[i].want, "%s = %g, want %g", sums[i].promql, got,
			      sums[i].want);
	}
	kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	test_untrack_daemon(pid);
	char command[2048];
	snprintf(command, sizeof command, "rm -rf '%s' '%s' '%s'", storage, config, log_path);
	ck_assert_int_eq(system(command), 0);
	test_daemon_down(&d);
}
END_TEST

static Suite *prometheus_suite(void)
{
	Suite *suite = suite_create("integration_prometheus");
	TCase *tc = tcase_create("prometheus");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, prometheus_sums_namespaces_once);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(prometheus_suite()); }
