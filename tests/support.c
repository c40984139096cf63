/*
 * support.c — run suites, start the daemon, speak HTTP (see support.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int test_run_suite(Suite *suite)
{
	curl_global_init(CURL_GLOBAL_ALL);
	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int ran = srunner_ntests_run(runner);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	curl_global_cleanup();
	if (ran == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}

void test_add_grouped(Suite *suite, const test_entry *entries, size_t count, double timeout)
{
	enum { NAMES_MAX = 16 };
	TCase *cases[NAMES_MAX] = {0};
	const char *names[NAMES_MAX] = {0};
	for (size_t i = 0; i < count; i++) {
		size_t k = 0;
		while (k < NAMES_MAX && names[k] && strcmp(names[k], entries[i].tcase) != 0)
			k++;
		if (k == NAMES_MAX) {
			fprintf(stderr, "test_add_grouped: more than %d TCase names\n", NAMES_MAX);
			abort();
		}
		if (!names[k]) {
			names[k] = entries[i].tcase;
			cases[k] = tcase_create(entries[i].tcase);
			tcase_set_timeout(cases[k], timeout);
			suite_add_tcase(suite, cases[k]);
		}
		tcase_add_test(cases[k], entries[i].test);
	}
}

void test_temp_dir(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/connector-mock-test-XXXXXX");
	if (!mkdtemp(out))
		ck_abort_msg("mkdtemp: %s", strerror(errno));
}

const char *test_binary_path(void)
{
	const char *bin = getenv("CONNECTOR_MOCK_BIN");
	return bin && *bin ? bin : "build/connector-mock";
}

int test_daemon_start(test_daemon *daemon, const char *const *extra_args, const test_daemon *reuse)
{
	if (reuse) {
		*daemon = *reuse;
	} else {
		memset(daemon, 0, sizeof *daemon);
		test_temp_dir(daemon->dir, sizeof daemon->dir);
		snprintf(daemon->db_path, sizeof daemon->db_path, "%s/mock.db", daemon->dir);
		snprintf(daemon->log_path, sizeof daemon->log_path, "%s/stderr.log", daemon->dir);
	}
	const char *argv[64];
	int argc = 0;
	const char *wrapper = getenv("CONNECTOR_MOCK_WRAPPER"); /* e.g. valgrind */
	char *wrapper_copy = wrapper && *wrapper ? strdup(wrapper) : NULL;
	if (wrapper_copy)
		for (char *word = strtok(wrapper_copy, " "); word && argc < 16;
		     word = strtok(NULL, " "))
			argv[argc++] = word;
	argv[argc++] = test_binary_path();
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--db";
	argv[argc++] = daemon->db_path;
	argv[argc++] = "--fixtures";
	argv[argc++] = "fixtures/default.json";
	argv[argc++] = "--config";
	argv[argc++] = "/dev/null";
	for (int i = 0; extra_args && extra_args[i] && argc < 62; i++)
		argv[argc++] = extra_args[i];
	argv[argc] = NULL;

	int out_pipe[2];
	if (pipe(out_pipe) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		int log = open(daemon->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (log >= 0)
			dup2(log, STDERR_FILENO);
		close(out_pipe[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(wrapper_copy);
	close(out_pipe[1]);
	daemon->pid = pid;
	char line[256] = "";
	size_t used = 0;
	int waited_ms = 0, limit_ms = wrapper ? 30000 : 5000;
	while (waited_ms < limit_ms && !strchr(line, '\n') && used + 1 < sizeof line) {
		struct pollfd p = {.fd = out_pipe[0], .events = POLLIN};
		if (poll(&p, 1, 50) > 0) {
			ssize_t n = read(out_pipe[0], line + used, sizeof line - 1 - used);
			if (n <= 0)
				break;
			used += (size_t)n;
			line[used] = '\0';
		} else {
			waited_ms += 50;
		}
	}
	close(out_pipe[0]);
	unsigned port = 0;
	if (sscanf(line, "connector-mock listening on http://127.0.0.1:%u", &port) != 1) {
		fprintf(stderr, "daemon did not become ready; stdout: %s\n", line);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		daemon->pid = 0;
		return -1;
	}
	daemon->port = port;
	snprintf(daemon->base_url, sizeof daemon->base_url, "http://127.0.0.1:%u", port);
	return 0;
}

static int wait_for(pid_t pid, int limit_ms)
{
	for (int waited = 0; waited < limit_ms; waited += 10) {
		int status;
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		struct timespec pause = {0, 10 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	return -2;
}

int test_daemon_stop(test_daemon *daemon)
{
	if (daemon->pid <= 0)
		return -1;
	kill(daemon->pid, SIGTERM);
	int status = wait_for(daemon->pid, getenv("CONNECTOR_MOCK_WRAPPER") ? 30000 : 5000);
	if (status == -2) {
		kill(daemon->pid, SIGKILL);
		waitpid(daemon->pid, NULL, 0);
		status = -1;
	}
	daemon->pid = 0;
	return status;
}

void test_daemon_kill(test_daemon *daemon)
{
	if (daemon->pid <= 0)
		return;
	kill(daemon->pid, SIGKILL);
	waitpid(daemon->pid, NULL, 0);
	daemon->pid = 0;
}

size_t test_append(char **data, size_t *len, const char *more, size_t n, size_t max)
{
	if (*len + n > max)
		return 0;
	char *grown = realloc(*data, *len + n + 1);
	if (!grown)
		return 0;
	memcpy(grown + *len, more, n);
	*data = grown;
	*len += n;
	grown[*len] = '\0';
	return n;
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
	test_response *response = user;
	return test_append(&response->body, &response->body_len, data, size * count, SIZE_MAX);
}

static void copy_header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
	size_t name_len = strlen(name);
	if (len <= name_len + 1 || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':')
		return;
	const char *value = line + name_len + 1;
	size_t value_len = len - name_len - 1;
	while (value_len && (*value == ' '))
		value++, value_len--;
	while (value_len && (value[value_len - 1] == '\r' || value[value_len - 1] == '\n'))
		value_len--;
	snprintf(out, cap, "%.*s", (int)value_len, value);
}

static size_t on_header(char *data, size_t size, size_t count, void *user)
{
	test_response *response = user;
	size_t n = size * count;
	copy_header_value(data, n, "Allow", response->allow, sizeof response->allow);
	copy_header_value(data, n, "Content-Type", response->content_type,
			  sizeof response->content_type);
	copy_header_value(data, n, "WWW-Authenticate", response->authenticate,
			  sizeof response->authenticate);
	return n;
}

int test_http(const test_daemon *daemon, const char *method, const char *path,
	      const char *const *headers, const char *body, size_t body_len, test_response *out)
{
	memset(out, 0, sizeof *out);
	out->body = calloc(1, 1);
	CURL *curl = curl_easy_init();
	if (!curl)
		return -1;
	size_t url_len = strlen(daemon->base_url) + strlen(path) + 1;
	char *url = malloc(url_len);
	snprintf(url, url_len, "%s%s", daemon->base_url, path);
	struct curl_slist *list = NULL;
	for (int i = 0; headers && headers[i]; i++)
		list = curl_slist_append(list, headers[i]);
	list = curl_slist_append(list, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	/* a HEAD answer has a Content-Length but no body: do not wait for one */
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, getenv("CONNECTOR_MOCK_WRAPPER") ? 60L : 10L);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

void test_response_free(test_response *response)
{
	free(response->body);
	response->body = NULL;
}

cJSON *test_response_json(const test_response *response)
{
	return response->body ? cJSON_Parse(response->body) : NULL;
}

char *test_escape(const char *text)
{
	char *escaped = curl_easy_escape(NULL, text, 0);
	char *copy = strdup(escaped ? escaped : "");
	curl_free(escaped);
	return copy;
}

int test_oms(const test_daemon *daemon, const char *op, const char *task_name,
	     const char *extra_query, const char *json_body, test_response *out)
{
	char *name = test_escape(task_name ? task_name : "");
	size_t cap = strlen(name) + (extra_query ? strlen(extra_query) : 0) + 64;
	char *path = malloc(cap);
	snprintf(path, cap, "/connector/task/v2/%s?taskName=%s%s%s", op, name,
		 extra_query && *extra_query ? "&" : "", extra_query ? extra_query : "");
	const char *json_header[] = {"Content-Type: application/json", NULL};
	int rc = test_http(daemon, "POST", path, json_body ? json_header : NULL, json_body,
			   json_body ? strlen(json_body) : 0, out);
	free(path);
	free(name);
	return rc;
}

bool test_envelope_ok(const test_response *response, char *err_code, size_t cap)
{
	if (err_code && cap)
		err_code[0] = '\0';
	cJSON *root = test_response_json(response);
	const cJSON *success = cJSON_GetObjectItemCaseSensitive(root, "isSuccess");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "errCode");
	bool ok = cJSON_IsTrue(success);
	if (err_code && cJSON_IsString(code))
		snprintf(err_code, cap, "%s", code->valuestring);
	cJSON_Delete(root);
	return ok;
}

const char *test_task_state(const test_daemon *daemon, const char *task_name)
{
	static char state[32];
	char *name = test_escape(task_name);
	char path[1024];
	snprintf(path, sizeof path, "/_mock/tasks/%s", name);
	free(name);
	test_response response;
	snprintf(state, sizeof state, "ERROR");
	if (test_http(daemon, "GET", path, NULL, NULL, 0, &response) == 0) {
		if (response.status == 404) {
			state[0] = '\0';
		} else {
			cJSON *root = test_response_json(&response);
			const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "state");
			if (cJSON_IsString(value))
				snprintf(state, sizeof state, "%s", value->valuestring);
			cJSON_Delete(root);
		}
	}
	test_response_free(&response);
	return state;
}

/* ---- daemons that die with the test ------------------------------------- */

enum { TRACKED_MAX = 16 };
static pid_t tracked[TRACKED_MAX]; /* this process's own: Check forks each test */
static bool kill_at_exit;

static void kill_tracked(void)
{
	for (int i = 0; i < TRACKED_MAX; i++)
		if (tracked[i] > 0) {
			kill(tracked[i], SIGKILL);
			waitpid(tracked[i], NULL, 0);
			tracked[i] = 0;
		}
}

void test_track_daemon(pid_t pid)
{
	if (!kill_at_exit) {
		kill_at_exit = true;
		atexit(kill_tracked);
	}
	for (int i = 0; i < TRACKED_MAX; i++)
		if (tracked[i] == 0) {
			tracked[i] = pid;
			return;
		}
}

void test_untrack_daemon(pid_t pid)
{
	for (int i = 0; pid > 0 && i < TRACKED_MAX; i++)
		if (tracked[i] == pid) {
			tracked[i] = 0;
			return;
		}
}

void test_remove_temp_dir(const char *dir)
{
	static const char *const files[] = {
		"mock.db",     "mock.db-wal", "mock.db-shm",  "mock.db-journal", "stderr.log",
		"metrics.txt", "other.db",    "other.db-wal", "other.db-shm",	 "test.conf"};
	char path[600];
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

void test_daemon_up(test_daemon *daemon, const char *const *extra_args, const test_daemon *reuse)
{
	ck_assert_msg(test_daemon_start(daemon, extra_args, reuse) == 0,
		      "the daemon did not start");
	test_track_daemon(daemon->pid);
}

int test_daemon_halt(test_daemon *daemon)
{
	pid_t pid = daemon->pid;
	int status = test_daemon_stop(daemon);
	test_untrack_daemon(pid);
	return status;
}

void test_daemon_down_keep(test_daemon *daemon)
{
	int status = test_daemon_halt(daemon);
	ck_assert_msg(status == 0, "the daemon exited with %d on SIGTERM (log: %s)", status,
		      daemon->log_path);
}

void test_daemon_down(test_daemon *daemon)
{
	test_daemon_down_keep(daemon);
	test_remove_temp_dir(daemon->dir);
}

void test_daemon_crash(test_daemon *daemon)
{
	pid_t pid = daemon->pid;
	test_daemon_kill(daemon);
	test_untrack_daemon(pid);
}

const char *test_daemon_fate(const test_daemon *daemon)
{
	static char fate[96];
	int status;
	pid_t done = daemon->pid > 0 ? waitpid(daemon->pid, &status, WNOHANG) : -1;
	if (done == daemon->pid && WIFSIGNALED(status))
		snprintf(fate, sizeof fate, "the daemon died of signal %d", WTERMSIG(status));
	else if (done == daemon->pid)
		snprintf(fate, sizeof fate, "the daemon exited with %d", WEXITSTATUS(status));
	else
		snprintf(fate, sizeof fate, "the daemon is still running");
	return fate;
}

/* ---- requests that must be answered ------------------------------------- */

test_response test_request(const test_daemon *daemon, const char *method, const char *path,
			   const char *const *headers, const char *body)
{
	test_response r;
	int rc = test_http(daemon, method, path, headers, body, body ? strlen(body) : 0, &r);
	ck_assert_msg(rc == 0, "%s %s got no HTTP answer; %s", method, path,
		      test_daemon_fate(daemon));
	return r;
}

test_response test_oms_request(const test_daemon *daemon, const char *op, const char *task_name,
			       const char *extra_query, const char *json_body)
{
	test_response r;
	int rc = test_oms(daemon, op, task_name, extra_query, json_body, &r);
	ck_assert_msg(rc == 0, "%s %s got no HTTP answer; %s", op, task_name,
		      test_daemon_fate(daemon));
	return r;
}

cJSON *test_json_call(const test_daemon *daemon, const char *method, const char *path,
		      const char *body, long status)
{
	const char *const json[] = {"Content-Type: application/json", NULL};
	test_response r = test_request(daemon, method, path, body ? json : NULL, body);
	ck_assert_msg(r.status == status, "%s %s: HTTP %ld, expected %ld: %s", method, path,
		      r.status, status, r.body);
	cJSON *root = test_response_json(&r);
	ck_assert_msg(root != NULL, "%s %s: not JSON: %.200s", method, path, r.body);
	test_response_free(&r);
	return root;
}

cJSON *test_get_json(const test_daemon *daemon, const char *path)
{
	return test_json_call(daemon, "GET", path, NULL, 200);
}

char *test_get_text(const test_daemon *daemon, const char *path)
{
	test_response r = test_request(daemon, "GET", path, NULL, NULL);
	ck_assert_msg(r.status == 200, "GET %s: HTTP %ld, expected 200: %s", path, r.status,
		      r.body);
	char *text = strdup(r.body);
	test_response_free(&r);
	return text;
}

/* ---- JSON --------------------------------------------------------------- */

const cJSON *test_member(const cJSON *object, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(object, key);
}

const char *test_string_member(const cJSON *object, const char *key)
{
	const cJSON *value = test_member(object, key);
	return cJSON_IsString(value) ? value->valuestring : NULL;
}

double test_number_member(const cJSON *object, const char *key)
{
	const cJSON *value = test_member(object, key);
	ck_assert_msg(cJSON_IsNumber(value), "\"%s\" is not a number", key);
	return value->valuedouble;
}

bool test_same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

cJSON *test_parse_json(const char *text)
{
	cJSON *json = cJSON_Parse(text);
	ck_assert_msg(json != NULL, "test JSON does not parse: %s", text);
	return json;
}

void test_assert_json_eq_free(cJSON *got, const char *expected_text, const char *label)
{
	cJSON *expected = test_parse_json(expected_text);
	char *got_text = cJSON_PrintUnformatted(got);
	bool same = cJSON_Compare(got, expected, true);
	char message[4096];
	snprintf(message, sizeof message, "%s: got %s, expected %s", label,
		 got_text ? got_text : "(null)", expected_text);
	free(got_text);
	cJSON_Delete(expected);
	cJSON_Delete(got);
	ck_assert_msg(same, "%s", message);
}

/* ---- the OMS envelope --------------------------------------------------- */

bool test_envelope_keys_valid(const cJSON *root, char *why, size_t cap)
{
	static const char *const keys[6] = {"errCode",	 "errMsg", "errorDetail",
					    "isSuccess", "result", "retryable"};
	if (!cJSON_IsObject(root)) {
		snprintf(why, cap, "the answer is not a JSON object");
		return false;
	}
	int i = 0;
	for (const cJSON *item = root->child; item; item = item->next, i++) {
		if (i >= 6 || !item->string || strcmp(item->string, keys[i]) != 0) {
			snprintf(why, cap, "key %d is \"%s\", expected \"%s\"", i,
				 item->string ? item->string : "(none)",
				 i < 6 ? keys[i] : "(no more)");
			return false;
		}
	}
	if (i != 6) {
		snprintf(why, cap, "the envelope has %d keys, not 6", i);
		return false;
	}
	return true;
}

void test_assert_envelope_keys(const cJSON *root, const char *body)
{
	char why[256] = "";
	bool valid = test_envelope_keys_valid(root, why, sizeof why);
	ck_assert_msg(valid, "%s: %s", why, body ? body : "");
}

/* ---- load-generating clients -------------------------------------------- */

size_t test_buffer_sink(char *data, size_t size, size_t count, void *user)
{
	test_buffer *buffer = user;
	return test_append(&buffer->data, &buffer->len, data, size * count,
			   buffer->max ? buffer->max : TEST_BUFFER_MAX);
}

CURL *test_load_handle(struct curl_slist **plain, struct curl_slist **json)
{
	if (plain)
		*plain = NULL;
	*json = NULL;
	CURL *curl = curl_easy_init();
	if (!curl)
		return NULL;
	if (plain)
		*plain = curl_slist_append(NULL, "Expect:");
	*json = curl_slist_append(NULL, "Expect:");
	*json = curl_slist_append(*json, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, test_buffer_sink);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, getenv("CONNECTOR_MOCK_WRAPPER") ? 120L : 20L);
	return curl;
}

void test_note_error(int *errors, char *first, size_t cap, const char *format, ...)
{
	if ((*errors)++ > 0)
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(first, cap, format, args);
	va_end(args);
}

uint64_t test_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t test_env_seed(const char *name)
{
	const char *text = getenv(name);
	return text && *text ? strtoull(text, NULL, 0) : 20251121ULL;
}

/* ---- time --------------------------------------------------------------- */

double test_seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int64_t clock_ms(clockid_t clock)
{
	struct timespec now;
	clock_gettime(clock, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t test_monotonic_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

int64_t test_realtime_ms(void) { return clock_ms(CLOCK_REALTIME); }

void test_sleep_ms(long ms)
{
	struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&pause, &pause) != 0)
		;
}

/* ---- the test-double features: OMS calls and the control API ----------- */

/* HTTP */

/* One request with a JSON Content-Type when there is a body; asserts that
 * an HTTP answer came back. */
test_response test_call(const test_daemon *d, const char *method, const char *path,
			const char *body)
{
	const char *const json[] = {"Content-Type: application/json", NULL};
	return test_request(d, method, path, body ? json : NULL, body);
}

/* The status of one request; the body is dropped. */
long test_call_status(const test_daemon *d, const char *method, const char *path, const char *body)
{
	test_response r = test_call(d, method, path, body);
	long status = r.status;
	test_response_free(&r);
	return status;
}

/* The path of the OMS operation `op` on `name`, under `prefix` ("" or
 * "/ns/NAME"), with `extra` ("a=b&c=d") after the taskName. Caller frees. */
char *test_oms_path(const char *prefix, const char *op, const char *name, const char *extra)
{
	char *escaped = test_escape(name);
	size_t cap = strlen(prefix) + strlen(escaped) + (extra ? strlen(extra) : 0) + 64;
	char *path = malloc(cap);
	snprintf(path, cap, "%s/connector/task/v2/%s?taskName=%s%s%s", prefix, op, escaped,
		 extra && *extra ? "&" : "", extra ? extra : "");
	free(escaped);
	return path;
}

/* An OMS request that may fail to get an answer; no Check assertion, so
 * that threads can use it. Returns test_http's result. */
int test_oms_try(const test_daemon *d, const char *prefix, const char *op, const char *name,
		 const char *extra, const char *body, test_response *out)
{
	char *path = test_oms_path(prefix, op, name, extra);
	const char *const json[] = {"Content-Type: application/json", NULL};
	int rc = test_http(d, "POST", path, body ? json : NULL, body, body ? strlen(body) : 0, out);
	free(path);
	return rc;
}

test_response test_oms_in(const test_daemon *d, const char *prefix, const char *op,
			  const char *name, const char *extra, const char *body)
{
	test_response r;
	int rc = test_oms_try(d, prefix, op, name, extra, body, &r);
	ck_assert_msg(rc == 0, "%s%s %s got no HTTP answer; %s", prefix, op, name,
		      test_daemon_fate(d));
	return r;
}

/* Sends an OMS request and returns its errCode ("" on success). */
const char *test_oms_code(const test_daemon *d, const char *prefix, const char *op,
			  const char *name, const char *extra, const char *body)
{
	static char code[80];
	test_response r = test_oms_in(d, prefix, op, name, extra, body);
	bool ok = test_envelope_ok(&r, code, sizeof code);
	ck_assert_msg(ok || code[0], "%s %s: neither success nor an errCode: %ld %s", op, name,
		      r.status, r.body);
	test_response_free(&r);
	return code;
}

static size_t raw_sink(char *data, size_t size, size_t count, void *user)
{
	test_raw_result *out = user;
	return test_append(&out->body, &out->body_len, data, size * count, SIZE_MAX);
}

test_raw_result test_raw_post(const test_daemon *d, const char *path)
{
	test_raw_result out = {.body = calloc(1, 1)};
	CURL *curl = curl_easy_init();
	ck_assert_ptr_nonnull(curl);
	char url[4096];
	snprintf(url, sizeof url, "%s%s", d->base_url, path);
	struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, raw_sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	int64_t started = test_monotonic_ms();
	out.rc = curl_easy_perform(curl);
	out.ms = test_monotonic_ms() - started;
	if (out.rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
		char *type = NULL;
		curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
		snprintf(out.content_type, sizeof out.content_type, "%s", type ? type : "");
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return out;
}

test_raw_result test_raw_oms(const test_daemon *d, const char *prefix, const char *op,
			     const char *name, const char *extra)
{
	char *path = test_oms_path(prefix, op, name, extra);
	test_raw_result r = test_raw_post(d, path);
	free(path);
	return r;
}

/* Whether a transfer ended with the connection closed and no answer. */
bool test_closed_without_answer(const test_raw_result *r)
{
	return (r->rc == CURLE_GOT_NOTHING || r->rc == CURLE_RECV_ERROR) && r->status == 0;
}

/* JSON */

bool test_is_null_member(const cJSON *object, const char *key)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(object, key));
}

int64_t test_int_member(const cJSON *object, const char *key)
{
	return (int64_t)test_number_member(object, key);
}

/* the control API */

void test_pathf(char *out, size_t cap, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int n = vsnprintf(out, cap, format, args);
	va_end(args);
	ck_assert_msg(n >= 0 && (size_t)n < cap, "a path was cut");
}

/* POST {prefix}/_mock/faults; returns the new id (201 required). */
int64_t test_add_fault(const test_daemon *d, const char *prefix, const char *body)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/faults", prefix);
	cJSON *root = test_json_call(d, "POST", path, body, 201);
	int64_t id = test_int_member(root, "id");
	ck_assert_msg(id > 0, "fault id %lld", (long long)id);
	cJSON_Delete(root);
	return id;
}

/* The fault `id` of {prefix}/_mock/faults, as a detached object. */
cJSON *test_fault_entry(const test_daemon *d, const char *prefix, int64_t id)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/faults", prefix);
	cJSON *root = test_get_json(d, path);
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root, "faults");
	ck_assert_msg(cJSON_IsArray(faults), "no faults array");
	cJSON *found = NULL;
	const cJSON *item;
	cJSON_ArrayForEach(item, faults)
	{
		if (test_int_member(item, "id") == id)
			found = cJSON_Duplicate(item, 1);
	}
	cJSON_Delete(root);
	ck_assert_msg(found != NULL, "fault %lld is not listed", (long long)id);
	return found;
}

int test_fault_count(const test_daemon *d, const char *prefix)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/faults", prefix);
	cJSON *root = test_get_json(d, path);
	int count = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "faults"));
	cJSON_Delete(root);
	return count;
}

/* POST {prefix}/_mock/clock with `body`; 200 required; returns "now". */
int64_t test_clock_post(const test_daemon *d, const char *prefix, const char *body)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/clock", prefix);
	cJSON *root = test_json_call(d, "POST", path, body, 200);
	int64_t now = test_int_member(root, "now");
	cJSON_Delete(root);
	return now;
}

int64_t test_clock_now(const test_daemon *d, const char *prefix, bool *frozen)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/clock", prefix);
	cJSON *root = test_get_json(d, path);
	int64_t now = test_int_member(root, "now");
	const cJSON *flag = cJSON_GetObjectItemCaseSensitive(root, "frozen");
	ck_assert_msg(cJSON_IsBool(flag), "clock has no boolean \"frozen\"");
	if (frozen)
		*frozen = cJSON_IsTrue(flag);
	cJSON_Delete(root);
	return now;
}

/* GET {prefix}/_mock/journal[?query]: the whole answer (owned). */
cJSON *test_journal_get(const test_daemon *d, const char *prefix, const char *query)
{
	char path[4096];
	test_pathf(path, sizeof path, "%s/_mock/journal%s%s", prefix, query && *query ? "?" : "",
		   query ? query : "");
	cJSON *root = test_get_json(d, path);
	ck_assert_msg(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "entries")),
		      "no entries array");
	return root;
}

const cJSON *test_journal_entries(const cJSON *root)
{
	return cJSON_GetObjectItemCaseSensitive(root, "entries");
}

int64_t test_journal_count(const test_daemon *d, const char *prefix, const char *query)
{
	char path[4096];
	test_pathf(path, sizeof path, "%s/_mock/journal/count%s%s", prefix,
		   query && *query ? "?" : "", query ? query : "");
	cJSON *root = test_get_json(d, path);
	int64_t count = test_int_member(root, "count");
	cJSON_Delete(root);
	return count;
}

/* GET {prefix}/_mock/tasks/{name}: the task (owned), or NULL when absent. */
cJSON *test_task_get(const test_daemon *d, const char *prefix, const char *name)
{
	char *escaped = test_escape(name);
	char path[1024];
	test_pathf(path, sizeof path, "%s/_mock/tasks/%s", prefix, escaped);
	free(escaped);
	test_response r = test_call(d, "GET", path, NULL);
	ck_assert_msg(r.status == 200 || r.status == 404, "GET %s: %ld %s", path, r.status, r.body);
	cJSON *task = r.status == 200 ? test_response_json(&r) : NULL;
	ck_assert_msg(r.status != 200 || task, "task %s is not JSON", name);
	test_response_free(&r);
	return task;
}

/* The task's state, or "" when it is absent. */
const char *test_state_in(const test_daemon *d, const char *prefix, const char *name)
{
	static char state[32];
	cJSON *task = test_task_get(d, prefix, name);
	const char *value = task ? test_string_member(task, "state") : "";
	snprintf(state, sizeof state, "%s", value ? value : "?");
	cJSON_Delete(task);
	return state;
}

/* GET {prefix}/_mock/tasks as text, to compare before and after. */
char *test_all_tasks_text(const test_daemon *d, const char *prefix)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/tasks", prefix);
	return test_get_text(d, path);
}

void test_create_task(const test_daemon *d, const char *prefix, const char *name, const char *state)
{
	char path[256], spec[1024];
	test_pathf(path, sizeof path, "%s/_mock/tasks", prefix);
	snprintf(spec, sizeof spec,
		 "{\"taskName\":\"%s\",\"state\":\"%s\",\"config\":{\"source\":{\"username\":\"u\"}"
		 "}}",
		 name, state);
	cJSON_Delete(test_json_call(d, "POST", path, spec, 201));
}

int test_task_count(const test_daemon *d, const char *prefix)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/tasks", prefix);
	cJSON *root = test_get_json(d, path);
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "tasks"));
	cJSON_Delete(root);
	return n;
}
