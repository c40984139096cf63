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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int test_run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int ran = srunner_ntests_run(runner);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	if (ran == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}

void test_temp_dir(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/connector-mock-test-XXXXXX");
	if (!mkdtemp(out))
		ck_abort_msg("mkdtemp: %s", strerror(errno));
}

static const char *binary_path(void)
{
	const char *bin = getenv("CONNECTOR_MOCK_BIN");
	return bin && *bin ? bin : "build/connector-mock";
}

int test_daemon_start(test_daemon *daemon, const char *const *extra_args,
		      const test_daemon *reuse)
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
		for (char *word = strtok(wrapper_copy, " "); word && argc < 16; word = strtok(NULL, " "))
			argv[argc++] = word;
	argv[argc++] = binary_path();
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

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
	test_response *response = user;
	size_t n = size * count;
	char *grown = realloc(response->body, response->body_len + n + 1);
	if (!grown)
		return 0;
	memcpy(grown + response->body_len, data, n);
	response->body = grown;
	response->body_len += n;
	response->body[response->body_len] = '\0';
	return n;
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
