/*
 * support.h — what the test suites share: running a Check suite honestly,
 * starting the real daemon on a free port with a fresh database, and
 * talking to it over real HTTP with libcurl.
 */
#ifndef CONNECTOR_MOCK_TEST_SUPPORT_H
#define CONNECTOR_MOCK_TEST_SUPPORT_H

#include <check.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Runs `suite` and returns the process exit status: 0 only when at least
 * one test ran and none failed (Check alone reports 100% for zero tests).
 */
int test_run_suite(Suite *suite);

/* A fresh temporary directory under /tmp; the path is written to `out`. */
void test_temp_dir(char *out, size_t cap);

typedef struct {
	pid_t pid;
	unsigned port;
	char base_url[64];  /* http://127.0.0.1:PORT */
	char dir[256];      /* the daemon's temporary directory */
	char db_path[512];  /* dir/mock.db unless the caller gave --db */
	char log_path[512]; /* the daemon's stderr */
} test_daemon;

/*
 * Starts build/connector-mock (or $CONNECTOR_MOCK_BIN) with --port 0, a
 * database in a new temporary directory, fixtures/default.json, and then
 * `extra_args` (NULL-terminated, may be NULL). Waits for the ready line
 * (5 s at most). Returns 0, or -1 when the daemon did not become ready.
 * When `reuse` is not NULL, the daemon reuses its directory and database.
 */
int test_daemon_start(test_daemon *daemon, const char *const *extra_args,
		      const test_daemon *reuse);

/* SIGTERM, then waits; returns the exit status (or -1 if it had to be
 * killed after 5 s, or died by a signal). */
int test_daemon_stop(test_daemon *daemon);

/* SIGKILL, then waits. */
void test_daemon_kill(test_daemon *daemon);

typedef struct {
	long status;	     /* HTTP status; 0 when the request failed */
	char *body;	     /* NUL-terminated, owned */
	size_t body_len;
	char allow[128];     /* the Allow header, or "" */
	char content_type[128];
	char authenticate[128];
} test_response;

/*
 * Sends one request. `path` is appended to the daemon's base URL as is
 * (escape it yourself). `headers` is a NULL-terminated list of "Name: value"
 * lines, or NULL. Returns 0 when an HTTP answer came back.
 */
int test_http(const test_daemon *daemon, const char *method, const char *path,
	      const char *const *headers, const char *body, size_t body_len, test_response *out);

void test_response_free(test_response *response);

/* Parses the body as JSON; NULL when it is not. Caller frees. */
cJSON *test_response_json(const test_response *response);

/* URL-encodes `text` into a new string (caller frees). */
char *test_escape(const char *text);

/* POSTs an OMS operation: /connector/task/v2/OP?taskName=<escaped>&EXTRA. */
int test_oms(const test_daemon *daemon, const char *op, const char *task_name,
	     const char *extra_query, const char *json_body, test_response *out);

/* The envelope's isSuccess, and its errCode ("" on success / when absent). */
bool test_envelope_ok(const test_response *response, char *err_code, size_t cap);

/* GET /_mock/tasks/{name} and returns its "state" (static buffer; "" when
 * absent, "ERROR" on a failure). */
const char *test_task_state(const test_daemon *daemon, const char *task_name);

#endif
