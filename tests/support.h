/*
 * support.h — what the test suites share: running a Check suite honestly,
 * starting the real daemon on a free port with a fresh database, and
 * talking to it over real HTTP with libcurl.
 *
 * Helpers whose comment says "asserts" end the test with a Check failure;
 * they belong to the test's own thread. The others assert nothing and may
 * run on any thread.
 */
#ifndef CONNECTOR_MOCK_TEST_SUPPORT_H
#define CONNECTOR_MOCK_TEST_SUPPORT_H

#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The entries of an array (not a pointer). */
#define COUNT(array) (sizeof(array) / sizeof *(array))
/* A string literal and its length, NUL bytes inside included. */
#define LIT(text) text, sizeof(text) - 1

/*
 * Runs `suite` and returns the process exit status: 0 only when at least
 * one test ran and none failed (Check alone reports 100% for zero tests).
 * libcurl is initialised around the run, before Check forks the tests and
 * they start their threads.
 */
int test_run_suite(Suite *suite);

/* One test of a suite built from a table: the TCase it goes in, by name. */
typedef struct {
	const char *tcase;
	const TTest *test;
} test_entry;

/*
 * Adds each of the `count` entries to the TCase of its name, creating the
 * TCases (with a `timeout` of seconds) in the order their names first come,
 * and adding them to `suite`. At most 16 names.
 */
void test_add_grouped(Suite *suite, const test_entry *entries, size_t count, double timeout);

/* A fresh temporary directory under /tmp; the path is written to `out`. */
void test_temp_dir(char *out, size_t cap);

typedef struct {
	pid_t pid;
	unsigned port;
	char base_url[64];  /* http://127.0.0.1:PORT */
	char dir[256];	    /* the daemon's temporary directory */
	char db_path[512];  /* dir/mock.db unless the caller gave --db */
	char log_path[512]; /* the daemon's stderr */
} test_daemon;

/* The daemon binary: $CONNECTOR_MOCK_BIN, or build/connector-mock. */
const char *test_binary_path(void);

/*
 * Starts build/connector-mock (or $CONNECTOR_MOCK_BIN) with --port 0, a
 * database in a new temporary directory, fixtures/default.json, and then
 * `extra_args` (NULL-terminated, may be NULL). Waits for the ready line
 * (5 s at most). Returns 0, or -1 when the daemon did not become ready.
 * When `reuse` is not NULL, the daemon reuses its directory and database.
 */
int test_daemon_start(test_daemon *daemon, const char *const *extra_args, const test_daemon *reuse);

/* SIGTERM, then waits; returns the exit status (or -1 if it had to be
 * killed after 5 s, or died by a signal). */
int test_daemon_stop(test_daemon *daemon);

/* SIGKILL, then waits. */
void test_daemon_kill(test_daemon *daemon);

typedef struct {
	long status; /* HTTP status; 0 when the request failed */
	char *body;  /* NUL-terminated, owned */
	size_t body_len;
	char allow[128]; /* the Allow header, or "" */
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

/*
 * Appends `n` bytes to the buffer `*data` of `*len` bytes, kept
 * NUL-terminated (and owned by the caller). Returns `n`, or 0 (which makes a
 * libcurl write callback fail the transfer) when the buffer would grow past
 * `max` bytes or memory ran out.
 */
size_t test_append(char **data, size_t *len, const char *more, size_t n, size_t max);

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

/* ---- daemons that die with the test -------------------------------------
 *
 * Check runs each test in a child process of its own (with CK_FORK=no, all
 * of them in one). The daemons a test tracks are SIGKILLed and reaped by an
 * atexit handler when that process exits: the first test_track_daemon of a
 * process registers it there, and the registry (16 pids) is the process's
 * own. Under CK_FORK=no that is what stops a daemon a failed test left
 * running. In fork mode a failed assertion leaves the child with _exit,
 * which runs no atexit handler; Check then SIGKILLs the child's process
 * group, which the daemons it started belong to. */

/* Remembers a running child (a daemon or a binary run by hand). */
void test_track_daemon(pid_t pid);

/* Forgets `pid` once it is stopped and reaped (0 is ignored). */
void test_untrack_daemon(pid_t pid);

/* Removes the files the daemons and the suites leave in a temporary
 * directory (mock.db and its -wal/-shm/-journal, stderr.log, metrics.txt,
 * other.db and its -wal/-shm, test.conf), then the directory. */
void test_remove_temp_dir(const char *dir);

/* test_daemon_start, tracked; asserts that the daemon started. The caller
 * ends it with test_daemon_down (or _down_keep, _halt, _crash). */
void test_daemon_up(test_daemon *daemon, const char *const *extra_args, const test_daemon *reuse);

/* test_daemon_stop, untracked; returns its status and asserts nothing. */
int test_daemon_halt(test_daemon *daemon);

/* test_daemon_halt; asserts that the daemon exited 0 on SIGTERM. Keeps the
 * daemon's directory (and database) for a restart with `reuse`. */
void test_daemon_down_keep(test_daemon *daemon);

/* test_daemon_down_keep, then removes the daemon's directory (kept, with
 * its log, when the assertion fails). */
void test_daemon_down(test_daemon *daemon);

/* test_daemon_kill, untracked. */
void test_daemon_crash(test_daemon *daemon);

/* Why a daemon gave no answer: it died (and how), or it is still running.
 * Reaps a dead daemon. Static buffer. */
const char *test_daemon_fate(const test_daemon *daemon);

/* ---- requests that must be answered ------------------------------------- */

/* test_http with `body` as a string (or NULL); asserts that an HTTP answer
 * came back ("METHOD PATH got no HTTP answer; <fate>"). Caller frees. */
test_response test_request(const test_daemon *daemon, const char *method, const char *path,
			   const char *const *headers, const char *body);

/* test_oms; asserts that an HTTP answer came back. Caller frees. */
test_response test_oms_request(const test_daemon *daemon, const char *op, const char *task_name,
			       const char *extra_query, const char *json_body);

/* A request (with `body`, when not NULL, as application/json) that must
 * answer HTTP `status` with a JSON body: asserts the answer, the status and
 * that the body parses. Returns the parsed body (caller frees). */
cJSON *test_json_call(const test_daemon *daemon, const char *method, const char *path,
		      const char *body, long status);

/* test_json_call of GET `path`, 200 expected. */
cJSON *test_get_json(const test_daemon *daemon, const char *path);

/* GET `path`, which must answer 200; returns the body text (caller frees). */
char *test_get_text(const test_daemon *daemon, const char *path);

/* ---- JSON --------------------------------------------------------------- */

/* The member `key` of `object` (case-sensitive), or NULL. */
const cJSON *test_member(const cJSON *object, const char *key);

/* The member `key` when it is a string, else NULL. */
const char *test_string_member(const cJSON *object, const char *key);

/* The member `key`; asserts that it is a number. */
double test_number_member(const cJSON *object, const char *key);

/* Whether two strings, either possibly NULL, are the same. */
bool test_same_string(const char *a, const char *b);

/* Parses a JSON text the test wrote; asserts that it parses. Caller frees. */
cJSON *test_parse_json(const char *text);

/* Compares `got` with `expected_text` (order of keys aside), then frees
 * `got` BEFORE asserting, so that a failure leaks nothing under CK_FORK=no.
 * The failure message starts with `label`. */
void test_assert_json_eq_free(cJSON *got, const char *expected_text, const char *label);

/* ---- the OMS envelope --------------------------------------------------- */

/* Whether `root` is an object with exactly the envelope's six keys in
 * OMS's order (errCode, errMsg, errorDetail, isSuccess, result, retryable);
 * if not, a sentence in `why` (may be NULL with `cap` 0). */
bool test_envelope_keys_valid(const cJSON *root, char *why, size_t cap);

/* Asserts test_envelope_keys_valid; the message shows `body` (may be NULL). */
void test_assert_envelope_keys(const cJSON *root, const char *body);

/* ---- load-generating clients (threads; nothing here asserts) ------------ */

/* A growing answer; `max` 0 stands for TEST_BUFFER_MAX. Owned by the caller. */
typedef struct {
	char *data; /* NUL-terminated; NULL before the first byte */
	size_t len;
	size_t max;
} test_buffer;

enum { TEST_BUFFER_MAX = 8 * 1024 * 1024 };

/* A libcurl write callback into the test_buffer `user`: past its `max`, the
 * transfer fails (no answer). */
size_t test_buffer_sink(char *data, size_t size, size_t count, void *user);

/*
 * A libcurl handle of a load client: no signals, answers into a test_buffer
 * given as CURLOPT_WRITEDATA, a 20 s timeout (120 s when the daemon runs
 * under $CONNECTOR_MOCK_WRAPPER). `*json` gets the headers "Expect:" and
 * "Content-Type: application/json", `*plain` (when not NULL) just
 * "Expect:"; the caller frees both lists and the handle. NULL (and no
 * lists) when libcurl cannot make a handle.
 */
CURL *test_load_handle(struct curl_slist **plain, struct curl_slist **json);

/* Counts one more error in `*errors`; the first one's sentence goes into
 * `first` (`cap` bytes), for the test to assert on once the thread is
 * joined. */
void test_note_error(int *errors, char *first, size_t cap, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/* splitmix64: the next number of a seeded, deterministic sequence. */
uint64_t test_splitmix64(uint64_t *state);

/* The seed in the environment variable `name` (any base strtoull reads),
 * or 20251121 when it is unset or empty. */
uint64_t test_env_seed(const char *name);

/* ---- time --------------------------------------------------------------- */

/* Seconds on CLOCK_MONOTONIC since `start` (read from CLOCK_MONOTONIC). */
double test_seconds_since(const struct timespec *start);

/* Milliseconds on CLOCK_MONOTONIC, and on CLOCK_REALTIME (since the epoch). */
int64_t test_monotonic_ms(void);
int64_t test_realtime_ms(void);

/* Sleeps `ms` milliseconds, through interruptions. */
void test_sleep_ms(long ms);

/* ---- the test-double features: OMS calls and the control API -----------
 *
 * Shared by the suites of faults, the journal, the clock, namespaces,
 * snapshots and metrics. `prefix` is "" for the default namespace or
 * "/ns/NAME" for another; paths are built under it. */

/* A request with a JSON Content-Type when there is a body; asserts that an
 * HTTP answer came back. Caller frees. */
test_response test_call(const test_daemon *daemon, const char *method, const char *path,
			const char *body);

/* test_call, and only its status. */
long test_call_status(const test_daemon *daemon, const char *method, const char *path,
		      const char *body);

/* The path of the OMS operation `op` on `name`, under `prefix`, with `extra`
 * ("a=b&c=d", may be NULL) after the taskName. Caller frees. */
char *test_oms_path(const char *prefix, const char *op, const char *name, const char *extra);

/* An OMS request that may get no answer; asserts nothing, so that threads
 * can use it. Returns test_http's result. */
int test_oms_try(const test_daemon *daemon, const char *prefix, const char *op, const char *name,
		 const char *extra, const char *body, test_response *out);

/* test_oms_try; asserts that an HTTP answer came back. Caller frees. */
test_response test_oms_in(const test_daemon *daemon, const char *prefix, const char *op,
			  const char *name, const char *extra, const char *body);

/* An OMS request's errCode ("" on success; static buffer); asserts that the
 * answer is one or the other. */
const char *test_oms_code(const test_daemon *daemon, const char *prefix, const char *op,
			  const char *name, const char *extra, const char *body);

/* A request whose transport outcome matters (a dropped connection): the
 * CURLcode, the status (0 without an answer), the body (owned), the time
 * taken. */
typedef struct {
	CURLcode rc;
	long status;
	char *body;
	size_t body_len;
	int64_t ms;
	char content_type[128];
} test_raw_result;

/* An empty POST of `path` (sent as is), 10 s at most. */
test_raw_result test_raw_post(const test_daemon *daemon, const char *path);

/* test_raw_post of the OMS operation `op` on `name` (see test_oms_path). */
test_raw_result test_raw_oms(const test_daemon *daemon, const char *prefix, const char *op,
			     const char *name, const char *extra);

/* Whether a transfer ended with the connection closed and no answer. */
bool test_closed_without_answer(const test_raw_result *result);

/* Whether the member `key` is JSON null; the member `key` as an integer
 * (asserts that it is a number). */
bool test_is_null_member(const cJSON *object, const char *key);
int64_t test_int_member(const cJSON *object, const char *key);

/* snprintf into `out`; asserts that nothing was cut. */
void test_pathf(char *out, size_t cap, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* POST {prefix}/_mock/faults (201 required); returns the new id. */
int64_t test_add_fault(const test_daemon *daemon, const char *prefix, const char *body);

/* The fault `id` of {prefix}/_mock/faults, detached (caller frees); asserts
 * that it is listed. */
cJSON *test_fault_entry(const test_daemon *daemon, const char *prefix, int64_t id);

/* How many faults {prefix}/_mock/faults lists. */
int test_fault_count(const test_daemon *daemon, const char *prefix);

/* POST {prefix}/_mock/clock with `body` (200 required); returns "now". */
int64_t test_clock_post(const test_daemon *daemon, const char *prefix, const char *body);

/* GET {prefix}/_mock/clock: "now", and "frozen" into `*frozen` (may be
 * NULL). */
int64_t test_clock_now(const test_daemon *daemon, const char *prefix, bool *frozen);

/* GET {prefix}/_mock/journal[?query]: the whole answer (caller frees);
 * asserts that it has an "entries" array, which test_journal_entries
 * returns. */
cJSON *test_journal_get(const test_daemon *daemon, const char *prefix, const char *query);
const cJSON *test_journal_entries(const cJSON *root);

/* GET {prefix}/_mock/journal/count[?query]: the count. */
int64_t test_journal_count(const test_daemon *daemon, const char *prefix, const char *query);

/* GET {prefix}/_mock/tasks/{name}: the task (caller frees), or NULL when
 * absent (404); asserts that it is one or the other. */
cJSON *test_task_get(const test_daemon *daemon, const char *prefix, const char *name);

/* The task's state (static buffer), or "" when it is absent. */
const char *test_state_in(const test_daemon *daemon, const char *prefix, const char *name);

/* GET {prefix}/_mock/tasks as text, to compare before and after. Caller
 * frees. */
char *test_all_tasks_text(const test_daemon *daemon, const char *prefix);

/* How many tasks GET {prefix}/_mock/tasks lists. */
int test_task_count(const test_daemon *daemon, const char *prefix);

/* POST {prefix}/_mock/tasks of `name` in `state` with a small config (201
 * required). */
void test_create_task(const test_daemon *daemon, const char *prefix, const char *name,
		      const char *state);

#endif
