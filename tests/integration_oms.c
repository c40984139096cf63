/*
 * integration_oms.c — the OMS connector operations over real HTTP against
 * the real binary (build/connector-mock): the OMS page's requests as
 * written, every row of the state table and every error code, parameters,
 * the envelope, the
 * HTTP-level faults, the error-status and lenient settings, and the journal.
 *
 * Every test starts its own daemon on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED_SUBTOPIC "oms_store_p_493po_0_1_0"
#define DOC_STOPPED_CLIENT "p_493po_incr_client_1_0"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define DOC_RUNNING_SUBTOPIC "oms_store_p_493pk_0_1_0"
#define INCR_RUNNING "10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001"
#define FULL_FINISHED "10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-full_trans-1-0:0000000001"
#define FULL_RUNNING "10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001"
#define INCR_ABNORMAL "10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-incr_trans-1-0:0000000001"
#define INCR_CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"

#define OMS_PATH "/connector/task/v2/"

static const char *const five_ops[] = {"resume", "stop", "update", "migrate", "delete"};
enum { FIVE_OPS = sizeof five_ops / sizeof *five_ops };

/* ---- HTTP ------------------------------------------------------------- */

/* POST OMS_PATH op?query with no body and no Content-Type, query as is. */
static test_response oms_raw(const test_daemon *d, const char *op, const char *query)
{
	char path[2048];
	snprintf(path, sizeof path, OMS_PATH "%s%s%s", op, query && *query ? "?" : "",
		 query ? query : "");
	const char *const no_type[] = {"Content-Type:", NULL};
	return test_request(d, "POST", path, no_type, NULL);
}

static char *task_path(const char *name)
{
	char *escaped = test_escape(name);
	size_t cap = strlen(escaped) + 32;
	char *path = malloc(cap);
	snprintf(path, cap, "/_mock/tasks/%s", escaped);
	free(escaped);
	return path;
}

/* GET /_mock/tasks/{name}: the body text, or NULL when the task is absent. */
static char *task_text(const test_daemon *d, const char *name)
{
	char *path = task_path(name);
	test_response r = test_request(d, "GET", path, NULL, NULL);
	free(path);
	ck_assert_msg(r.status == 200 || r.status == 404, "GET task %s: %ld %s", name, r.status,
		      r.body);
	char *text = r.status == 200 ? strdup(r.body) : NULL;
	test_response_free(&r);
	return text;
}

static cJSON *task_json(const test_daemon *d, const char *name)
{
	char *text = task_text(d, name);
	cJSON *task = text ? cJSON_Parse(text) : NULL;
	ck_assert_msg(!text || task, "task %s is not JSON: %s", name, text);
	free(text);
	return task;
}

static void create_task(const test_daemon *d, const char *spec)
{
	const char *const json[] = {"Content-Type: application/json", NULL};
	test_response r = test_request(d, "POST", "/_mock/tasks", json, spec);
	ck_assert_msg(r.status == 201, "creating %s: %ld %s", spec, r.status, r.body);
	test_response_free(&r);
}

/* Creates NAME in STATE with a source that has one client (c_1 / s_1) and
 * `extra` (",\"progress\":0.5" or "") after the config. */
static void create_simple_task(const test_daemon *d, const char *name, const char *state,
			       const char *extra)
{
	char spec[2048];
	snprintf(spec, sizeof spec,
		 "{\"taskName\":\"%s\",\"state\":\"%s\",\"config\":{\"source\":{\"clients\":"
		 "\"[{\\\"clientId\\\":\\\"c_1\\\",\\\"subtopic\\\":\\\"s_1\\\"}]\","
		 "\"username\":\"u\"},\"sink\":{\"workerNum\":\"16\"}}%s}",
		 name, state, extra ? extra : "");
	create_task(d, spec);
}

static const char *state_of(const test_daemon *d, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", test_task_state(d, name));
	return buf;
}

static void expect_state(const test_daemon *d, const char *name, const char *state)
{
	char buf[32];
	ck_assert_msg(strcmp(state_of(d, name, buf, sizeof buf), state) == 0,
		      "task %s is \"%s\", expected \"%s\"", name, buf, state);
}

static void expect_absent(const test_daemon *d, const char *name)
{
	char *text = task_text(d, name);
	ck_assert_msg(text == NULL, "task %s still exists: %s", name, text);
}

/* ---- JSON ------------------------------------------------------------- */

static const char *config_value(const cJSON *task, const char *scope, const char *key)
{
	return test_string_member(test_member(test_member(task, "config"), scope), key);
}

static bool same_json(const cJSON *a, const cJSON *b) { return cJSON_Compare(a, b, 1); }

/* ---- the envelope ----------------------------------------------------- */

/* Parses the answer and checks the six keys in their order. Caller frees. */
static cJSON *envelope_of(const test_response *r)
{
	ck_assert_msg(strncmp(r->content_type, "application/json", 16) == 0,
		      "Content-Type is \"%s\"", r->content_type);
	cJSON *root = test_response_json(r);
	ck_assert_msg(cJSON_IsObject(root), "not a JSON object: %s", r->body);
	test_assert_envelope_keys(root, r->body);
	return root;
}

static void expect_success(const test_response *r, const char *result)
{
	char expected[2048];
	snprintf(expected, sizeof expected,
		 "{\"errCode\":null,\"errMsg\":null,\"errorDetail\":null,\"isSuccess\":true,"
		 "\"result\":\"%s\",\"retryable\":null}",
		 result);
	ck_assert_msg(r->status == 200, "HTTP %ld, expected 200: %s", r->status, r->body);
	ck_assert_msg(strncmp(r->content_type, "application/json", 16) == 0,
		      "Content-Type is \"%s\"", r->content_type);
	ck_assert_str_eq(r->body, expected);
}

/* Checks a failure envelope with `code` and HTTP `status`; returns the
 * parsed root (caller frees). */
static cJSON *expect_error(const test_response *r, long status, const char *code)
{
	cJSON *root = envelope_of(r);
	ck_assert_msg(r->status == status, "HTTP %ld, expected %ld: %s", r->status, status,
		      r->body);
	ck_assert_msg(cJSON_IsFalse(test_member(root, "isSuccess")), "isSuccess is not false: %s",
		      r->body);
	ck_assert_msg(cJSON_IsNull(test_member(root, "result")), "result is not null: %s", r->body);
	const char *err_code = test_string_member(root, "errCode");
	ck_assert_msg(err_code && strcmp(err_code, code) == 0, "errCode is not %s: %s", code,
		      r->body);
	const char *message = test_string_member(root, "errMsg");
	ck_assert_msg(message && *message, "errMsg is empty: %s", r->body);
	ck_assert_msg(cJSON_IsFalse(test_member(root, "retryable")), "retryable is not false: %s",
		      r->body);
	const cJSON *detail = test_member(root, "errorDetail");
	ck_assert_msg(cJSON_IsObject(detail), "errorDetail is not an object: %s", r->body);
	const char *detail_code = test_string_member(detail, "code");
	ck_assert_msg(detail_code && strcmp(detail_code, code) == 0, "errorDetail.code: %s",
		      r->body);
	const char *level = test_string_member(detail, "level");
	ck_assert_msg(level && strcmp(level, "ERROR") == 0, "errorDetail.level: %s", r->body);
	static const char *const texts[] = {"message", "reason", "proposal"};
	for (size_t i = 0; i < 3; i++) {
		const char *text = test_string_member(detail, texts[i]);
		ck_assert_msg(text && *text, "errorDetail.%s is missing or empty: %s", texts[i],
			      r->body);
	}
	ck_assert_msg(cJSON_IsObject(test_member(detail, "extraContext")),
		      "errorDetail.extraContext is not an object: %s", r->body);
	return root;
}

static const cJSON *extra_context(const cJSON *root)
{
	return test_member(test_member(root, "errorDetail"), "extraContext");
}

/* expect_error, then frees; for when only the code matters. */
static void expect_error_code(const test_response *r, long status, const char *code)
{
	cJSON_Delete(expect_error(r, status, code));
}

static bool string_array_is(const cJSON *array, const char *const *expected)
{
	size_t n = 0;
	while (expected[n])
		n++;
	if (!cJSON_IsArray(array) || (size_t)cJSON_GetArraySize(array) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		const cJSON *item;
		cJSON_ArrayForEach(item, array) found =
			found ||
			(cJSON_IsString(item) && strcmp(item->valuestring, expected[i]) == 0);
		if (!found)
			return false;
	}
	return true;
}

/* Whether `text` holds `needle`, ignoring ASCII case. */
static bool contains_ci(const char *text, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = text; p && *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

/* Where `text` holds `needle` ignoring case, or NULL. */
static const char *find_ci(const char *text, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = text; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* ---- a raw HTTP/1.1 exchange, byte for byte as curl -XPOST sends it ---- */

/* Sends `request` on a new connection and reads one answer. Returns the
 * HTTP status; the body is copied into `body`. */
static long raw_exchange(const test_daemon *d, const char *request, char *body, size_t cap)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port)};
	inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
	ck_assert_msg(connect(fd, (struct sockaddr *)&address, sizeof address) == 0, "connect: %s",
		      strerror(errno));
	size_t len = strlen(request);
	ck_assert_msg(write(fd, request, len) == (ssize_t)len, "short write");
	char reply[8192];
	size_t used = 0;
	long content_length = -1;
	char *body_start = NULL;
	for (int waited = 0; waited < 5000 && used + 1 < sizeof reply;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0) {
			waited += 50;
			continue;
		}
		ssize_t n = read(fd, reply + used, sizeof reply - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		reply[used] = '\0';
		body_start = strstr(reply, "\r\n\r\n");
		if (body_start) {
			const char *length = find_ci(reply, "\r\nContent-Length:");
			if (length && length < body_start)
				content_length = strtol(length + 17, NULL, 10);
			if (content_length >= 0 &&
			    (long)(used - (size_t)(body_start + 4 - reply)) >= content_length)
				break;
		}
	}
	close(fd);
	ck_assert_msg(body_start != NULL, "no complete answer: %s", reply);
	snprintf(body, cap, "%s", body_start + 4);
	long status = 0;
	ck_assert_msg(sscanf(reply, "HTTP/1.1 %ld", &status) == 1, "no status line: %s", reply);
	return status;
}

/* ======================================================================
 * The OMS page's requests, as written
 * ==================================================================== */

/* docs/oms-page.md §6: resume then stop the STOPPED doc-sample task, with
 * the raw ':' and '*' in the query string, an empty body, no Content-Type. */
START_TEST(page_requests_as_written)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *path;
		const char *after;
	} steps[] = {
		{OMS_PATH "resume?taskName=" DOC_STOPPED, "RUNNING"},
		{OMS_PATH "stop?taskName=" DOC_STOPPED, "STOPPED"},
	};
	const char *const no_type[] = {"Content-Type:", NULL};
	for (size_t i = 0; i < 2; i++) {
		test_response r = test_request(&d, "POST", steps[i].path, no_type, NULL);
		expect_success(&r, DOC_STOPPED);
		test_response_free(&r);
		expect_state(&d, DOC_STOPPED, steps[i].after);
	}
	test_daemon_down(&d);
}
END_TEST

/* The same two requests byte for byte as curl 7.88.1 sends them: no
 * Content-Length, no body (docs/oms-page.md §1). */
START_TEST(page_requests_without_content_length)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const ops[] = {"resume", "stop"};
	static const char *const after[] = {"RUNNING", "STOPPED"};
	for (size_t i = 0; i < 2; i++) {
		char request[1024], body[4096], expected[1024];
		snprintf(request, sizeof request,
			 "POST " OMS_PATH "%s?taskName=" DOC_STOPPED " HTTP/1.1\r\n"
			 "Host: 127.0.0.1:%u\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
			 ops[i], d.port);
		long status = raw_exchange(&d, request, body, sizeof body);
		snprintf(
			expected, sizeof expected,
			"{\"errCode\":null,\"errMsg\":null,\"errorDetail\":null,\"isSuccess\":true,"
			"\"result\":\"%s\",\"retryable\":null}",
			DOC_STOPPED);
		ck_assert_int_eq(status, 200);
		ck_assert_str_eq(body, expected);
		expect_state(&d, DOC_STOPPED, after[i]);
	}
	test_daemon_down(&d);
}
END_TEST

/* The mock reference requests of docs/oms-page.md §4 (update, pull back,
 * migrate, delete) against the default fixtures. */
START_TEST(reference_requests)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	const char *const json[] = {"Content-Type: application/json", NULL};

	test_response r = test_request(&d, "POST",
				       OMS_PATH "update?taskName=" DOC_STOPPED2
						"&deleteParams=coordinator.throttleIOPS",
				       json, "{\"coordinator\":{\"throttleRps\":\"5000\"}}");
	expect_success(&r, DOC_STOPPED2);
	test_response_free(&r);
	cJSON *task = task_json(&d, DOC_STOPPED2);
	ck_assert_ptr_null(config_value(task, "coordinator", "throttleIOPS"));
	ck_assert_str_eq(config_value(task, "coordinator", "throttleRps"), "5000");
	ck_assert_str_eq(test_string_member(task, "state"), "STOPPED");
	cJSON_Delete(task);

	r = test_request(&d, "POST", OMS_PATH "update?taskName=" DOC_STOPPED, json,
			 "{\"source\":{\"checkpoint\":\"{\\\"" DOC_STOPPED_SUBTOPIC
			 "\\\":\\\"1699990000\\\"}\"}}");
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	r = oms_raw(&d, "resume", "taskName=" DOC_STOPPED "&pullBackFlag=true");
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	task = task_json(&d, DOC_STOPPED);
	ck_assert_str_eq(test_string_member(task, "state"), "RUNNING");
	ck_assert(test_number_member(task, "checkpoint") == 1699990000.0);
	cJSON_Delete(task);

	static const char moved[] =
		"10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002";
	r = oms_raw(&d, "migrate", "taskName=" DOC_RUNNING "&ip=10.0.0.14");
	expect_success(&r, moved);
	test_response_free(&r);
	expect_state(&d, moved, "RUNNING");
	r = test_oms_request(&d, "stop", DOC_RUNNING, NULL, NULL);
	cJSON *root = expect_error(&r, 200, "TASK_NOT_FOUND");
	ck_assert_pstr_eq(test_string_member(extra_context(root), "migratedTo"), moved);
	cJSON_Delete(root);
	test_response_free(&r);

	r = oms_raw(&d, "delete", "taskName=" INCR_CREATED);
	expect_success(&r, INCR_CREATED);
	test_response_free(&r);
	expect_absent(&d, INCR_CREATED);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * The state table: every operation from every state, for both component types
 * ==================================================================== */

typedef struct {
	const char *op;
	const char *state;
	const char *error; /* NULL: allowed */
	const char *after; /* the state afterwards; NULL: the task is gone */
} rule_row;

/* Per op, the states in the order CREATED, RUNNING, STOPPED, ABNORMAL,
 * FINISHED (the index arithmetic in state_machine relies on it). */
static const rule_row rule_table[] = {
	{"resume", "CREATED", "UNSUPPORTED_OPERATION", "CREATED"},
	{"resume", "RUNNING", "ILLEGAL_STATE", "RUNNING"},
	{"resume", "STOPPED", NULL, "RUNNING"},
	{"resume", "ABNORMAL", NULL, "RUNNING"},
	{"resume", "FINISHED", "ILLEGAL_STATE", "FINISHED"},
	{"stop", "CREATED", "ILLEGAL_STATE", "CREATED"},
	{"stop", "RUNNING", NULL, "STOPPED"},
	{"stop", "STOPPED", "ILLEGAL_STATE", "STOPPED"},
	{"stop", "ABNORMAL", NULL, "STOPPED"},
	{"stop", "FINISHED", "ILLEGAL_STATE", "FINISHED"},
	{"update", "CREATED", NULL, "CREATED"},
	{"update", "RUNNING", "ILLEGAL_STATE", "RUNNING"},
	{"update", "STOPPED", NULL, "STOPPED"},
	{"update", "ABNORMAL", NULL, "ABNORMAL"},
	{"update", "FINISHED", "ILLEGAL_STATE", "FINISHED"},
	{"migrate", "CREATED", NULL, "CREATED"},
	{"migrate", "RUNNING", NULL, "RUNNING"},
	{"migrate", "STOPPED", NULL, "STOPPED"},
	{"migrate", "ABNORMAL", NULL, "STOPPED"},
	{"migrate", "FINISHED", "ILLEGAL_STATE", "FINISHED"},
	{"delete", "CREATED", NULL, NULL},
	{"delete", "RUNNING", "ILLEGAL_STATE", "RUNNING"},
	{"delete", "STOPPED", NULL, NULL},
	{"delete", "ABNORMAL", NULL, NULL},
	{"delete", "FINISHED", NULL, NULL},
};
enum { RULE_ROWS = sizeof rule_table / sizeof *rule_table, STATES = 5 };

/* The state table's "allowed from". */
static const struct {
	const char *op;
	const char *states[5];
} allowed_table[] = {
	{"resume", {"STOPPED", "ABNORMAL", NULL}},
	{"stop", {"RUNNING", "ABNORMAL", NULL}},
	{"update", {"CREATED", "STOPPED", "ABNORMAL", NULL}},
	{"migrate", {"CREATED", "RUNNING", "STOPPED", "ABNORMAL", NULL}},
	{"delete", {"CREATED", "STOPPED", "ABNORMAL", "FINISHED"}},
};

static const char *const *allowed_states(const char *op)
{
	for (size_t i = 0; i < sizeof allowed_table / sizeof *allowed_table; i++)
		if (strcmp(allowed_table[i].op, op) == 0)
			return allowed_table[i].states;
	ck_abort_msg("no allowed states for %s", op);
	return NULL;
}

/* Runs one row for one component type against a fresh task. */
static void check_rule(const rule_row *row, const char *type)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char name[256], moved[256];
	snprintf(name, sizeof name, "10.1.0.1-9000:connector_v2:p_rules-%s-1-0:0000000001", type);
	snprintf(moved, sizeof moved, "10.2.0.2-9000:connector_v2:p_rules-%s-1-0:0000000002", type);
	bool full = strcmp(type, "full_trans") == 0;
	create_simple_task(&d, name, row->state, full ? ",\"progress\":0.5" : "");
	char *before_all = test_get_text(&d, "/_mock/tasks");
	cJSON *before = task_json(&d, name);

	const char *extra = strcmp(row->op, "migrate") == 0 ? "ip=10.2.0.2" : NULL;
	const char *body =
		strcmp(row->op, "update") == 0 ? "{\"sink\":{\"workerNum\":\"4\"}}" : NULL;
	test_response r = test_oms_request(&d, row->op, name, extra, body);
	if (row->error) {
		cJSON *root = expect_error(&r, 200, row->error);
		const cJSON *context = extra_context(root);
		ck_assert_pstr_eq(test_string_member(context, "taskName"), name);
		ck_assert_pstr_eq(test_string_member(context, "state"), row->state);
		ck_assert_msg(string_array_is(test_member(context, "allowedStates"),
					      allowed_states(row->op)),
			      "allowedStates of %s: %s", row->op, r.body);
		cJSON_Delete(root);
		char *after_all = test_get_text(&d, "/_mock/tasks");
		ck_assert_msg(strcmp(before_all, after_all) == 0,
			      "a refused %s from %s changed the tasks", row->op, row->state);
		free(after_all);
	} else if (strcmp(row->op, "migrate") == 0) {
		expect_success(&r, moved);
		expect_absent(&d, name);
		cJSON *after = task_json(&d, moved);
		ck_assert_ptr_nonnull(after);
		ck_assert_pstr_eq(test_string_member(after, "state"), row->after);
		ck_assert(same_json(test_member(before, "config"), test_member(after, "config")));
		ck_assert(
			same_json(test_member(before, "progress"), test_member(after, "progress")));
		cJSON_Delete(after);
	} else {
		expect_success(&r, name);
		if (row->after == NULL) {
			expect_absent(&d, name);
		} else {
			cJSON *after = task_json(&d, name);
			ck_assert_pstr_eq(test_string_member(after, "state"), row->after);
			if (strcmp(row->op, "update") == 0)
				ck_assert_pstr_eq(config_value(after, "sink", "workerNum"), "4");
			cJSON_Delete(after);
		}
	}
	test_response_free(&r);
	cJSON_Delete(before);
	free(before_all);
	test_daemon_down(&d);
}

START_TEST(state_machine_full_trans) { check_rule(&rule_table[_i], "full_trans"); }
END_TEST

/* The rows without FINISHED (only a Full-Import finishes). */
START_TEST(state_machine_incr_trans)
{
	int row = (_i / (STATES - 1)) * STATES + _i % (STATES - 1);
	ck_assert_str_ne(rule_table[row].state, "FINISHED");
	check_rule(&rule_table[row], "incr_trans");
}
END_TEST

/* A failed operation changes nothing: every kind of refusal, on fixture
 * tasks, compared over the whole task list. */
START_TEST(failure_changes_nothing)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *op, *name, *query, *body, *code;
	} cases[] = {
		{"resume", DOC_RUNNING, NULL, NULL, "ILLEGAL_STATE"},
		{"resume", INCR_CREATED, NULL, NULL, "UNSUPPORTED_OPERATION"},
		{"resume", DOC_STOPPED, "pullBackFlag=true", NULL, "INVALID_CHECKPOINT"},
		{"resume", DOC_STOPPED, "restartFlag=true", NULL, "UNSUPPORTED_OPERATION"},
		{"resume", DOC_STOPPED, "pullBackFlag=maybe", NULL, "INVALID_ARGUMENT"},
		{"resume", DOC_STOPPED, "pullBackFlag=true&restartFlag=true", NULL,
		 "INVALID_ARGUMENT"},
		{"stop", DOC_STOPPED, NULL, NULL, "ILLEGAL_STATE"},
		{"stop", FULL_FINISHED, NULL, NULL, "ILLEGAL_STATE"},
		{"update", DOC_RUNNING, NULL, "{\"sink\":{\"workerNum\":\"1\"}}", "ILLEGAL_STATE"},
		{"update", DOC_STOPPED, "deleteParams=sink.workerNum,nodot", NULL,
		 "INVALID_ARGUMENT"},
		{"update", DOC_STOPPED, "deleteParams=sink.workerNum", "{\"sink\":{\"x\":null}}",
		 "INVALID_ARGUMENT"},
		{"update", DOC_STOPPED, NULL, "{\"sink\":", "INVALID_ARGUMENT"},
		{"migrate", DOC_STOPPED, "ip=999.1.1.1", NULL, "INVALID_ARGUMENT"},
		{"migrate", FULL_FINISHED, NULL, NULL, "ILLEGAL_STATE"},
		{"delete", DOC_RUNNING, NULL, NULL, "ILLEGAL_STATE"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *before_all = test_get_text(&d, "/_mock/tasks");
		char *before = task_text(&d, cases[i].name);
		test_response r = test_oms_request(&d, cases[i].op, cases[i].name, cases[i].query,
						   cases[i].body);
		expect_error_code(&r, 200, cases[i].code);
		test_response_free(&r);
		char *after = task_text(&d, cases[i].name);
		char *after_all = test_get_text(&d, "/_mock/tasks");
		ck_assert_msg(before && after && strcmp(before, after) == 0,
			      "case %zu (%s %s) changed the task:\n%s\n%s", i, cases[i].op,
			      cases[i].query ? cases[i].query : "", before, after);
		ck_assert_msg(strcmp(before_all, after_all) == 0, "case %zu changed the task list",
			      i);
		free(before);
		free(after);
		free(before_all);
		free(after_all);
	}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * resume's flags
 * ==================================================================== */

typedef struct {
	const char *word;
	int meaning; /* 1 true, 0 false (or the default), -1 refused */
} bool_word;

static const bool_word bool_words[] = {
	{"true", 1},   {"TRUE", 1},    {"True", 1},    {"on", 1}, {"ON", 1},	{"oN", 1},
	{"yes", 1},    {"YES", 1},     {"Yes", 1},     {"1", 1},  {"false", 0}, {"FALSE", 0},
	{"False", 0},  {"off", 0},     {"OFF", 0},     {"no", 0}, {"NO", 0},	{"nO", 0},
	{"0", 0},      {"", 0},	       {"maybe", -1},  {"2", -1}, {"-1", -1},	{"tru", -1},
	{"truee", -1}, {"y", -1},      {"n", -1},      {"t", -1}, {"f", -1},	{"null", -1},
	{"01", -1},    {"yes,no", -1}, {"%C3%A9", -1},
};
enum { BOOL_WORDS = sizeof bool_words / sizeof *bool_words };

/*
 * A flag is true when it makes the resume refuse with UNSUPPORTED_OPERATION
 * (pullBackFlag on a full_trans, restartFlag on an incr_trans); false or the
 * default resumes the task; anything else is INVALID_ARGUMENT.
 */
START_TEST(flag_words)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char full_stopped[] =
		"10.1.0.1-9000:connector_v2:p_flags-full_trans-1-0:0000000001";
	create_simple_task(&d, full_stopped, "STOPPED", ",\"progress\":0.5");
	static const struct {
		const char *flag, *name;
	} targets[] = {{"pullBackFlag", full_stopped}, {"restartFlag", DOC_STOPPED}};
	for (size_t w = 0; w < BOOL_WORDS; w++) {
		const bool_word *word = &bool_words[w];
		for (size_t t = 0; t < 2; t++) {
			char query[128];
			snprintf(query, sizeof query, "%s=%s", targets[t].flag, word->word);
			char *before = task_text(&d, targets[t].name);
			test_response r =
				test_oms_request(&d, "resume", targets[t].name, query, NULL);
			char code[64];
			bool ok = test_envelope_ok(&r, code, sizeof code);
			if (word->meaning == 1)
				ck_assert_msg(!ok && strcmp(code, "UNSUPPORTED_OPERATION") == 0,
					      "%s was not read as true: %s", query, r.body);
			else if (word->meaning == -1)
				ck_assert_msg(!ok && strcmp(code, "INVALID_ARGUMENT") == 0,
					      "%s was not refused: %s", query, r.body);
			else
				ck_assert_msg(ok, "%s was not read as false: %s", query, r.body);
			if (ok)
				expect_success(&r, targets[t].name);
			else
				expect_error_code(&r, 200, code);
			test_response_free(&r);
			if (word->meaning == 0) {
				expect_state(&d, targets[t].name, "RUNNING");
				r = test_oms_request(&d, "stop", targets[t].name, NULL,
						     NULL); /* back to STOPPED */
				expect_success(&r, targets[t].name);
				test_response_free(&r);
			} else {
				char *after = task_text(&d, targets[t].name);
				ck_assert_msg(strcmp(before, after) == 0, "%s changed the task",
					      query);
				free(after);
			}
			free(before);
		}
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(both_flags_true_is_invalid_argument)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char full_stopped[] =
		"10.1.0.1-9000:connector_v2:p_both-full_trans-1-0:0000000001";
	create_simple_task(&d, full_stopped, "STOPPED", ",\"progress\":0.5");
	static const char *const names[] = {DOC_STOPPED, full_stopped, INCR_ABNORMAL};
	static const char *const queries[] = {"pullBackFlag=true&restartFlag=true",
					      "pullBackFlag=ON&restartFlag=yes",
					      "restartFlag=1&pullBackFlag=True"};
	for (size_t n = 0; n < 3; n++)
		for (size_t q = 0; q < 3; q++) {
			char *before = task_text(&d, names[n]);
			test_response r =
				test_oms_request(&d, "resume", names[n], queries[q], NULL);
			expect_error_code(&r, 200, "INVALID_ARGUMENT");
			test_response_free(&r);
			char *after = task_text(&d, names[n]);
			ck_assert_str_eq(before, after);
			free(before);
			free(after);
		}
	test_daemon_down(&d);
}
END_TEST

START_TEST(flags_on_the_wrong_component)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char full_stopped[] =
		"10.1.0.1-9000:connector_v2:p_wrong-full_trans-1-0:0000000001";
	create_simple_task(&d, full_stopped, "STOPPED", ",\"progress\":0.5");
	static const struct {
		const char *name, *query, *type;
	} cases[] = {
		{full_stopped, "pullBackFlag=true", "full_trans"},
		{DOC_STOPPED, "restartFlag=true", "incr_trans"},
		{INCR_ABNORMAL, "restartFlag=true", "incr_trans"},
	};
	for (size_t i = 0; i < 3; i++) {
		char *before = task_text(&d, cases[i].name);
		test_response r =
			test_oms_request(&d, "resume", cases[i].name, cases[i].query, NULL);
		cJSON *root = expect_error(&r, 200, "UNSUPPORTED_OPERATION");
		ck_assert_pstr_eq(test_string_member(extra_context(root), "taskName"),
				  cases[i].name);
		cJSON_Delete(root);
		test_response_free(&r);
		char *after = task_text(&d, cases[i].name);
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	test_daemon_down(&d);
}
END_TEST

/* restartFlag=true restarts a Full-Import's progress from 0; without it the
 * progress carries on. */
START_TEST(restart_flag_resets_progress)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *name, *state, *query;
		double progress;
	} cases[] = {
		{"10.1.0.1-9000:connector_v2:p_restart1-full_trans-1-0:0000000001", "STOPPED",
		 "restartFlag=true", 0.0},
		{"10.1.0.1-9000:connector_v2:p_restart2-full_trans-1-0:0000000001", "ABNORMAL",
		 "restartFlag=TRUE", 0.0},
		{"10.1.0.1-9000:connector_v2:p_restart3-full_trans-1-0:0000000001", "STOPPED",
		 "restartFlag=false", 0.42},
		{"10.1.0.1-9000:connector_v2:p_restart4-full_trans-1-0:0000000001", "STOPPED", NULL,
		 0.42},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		create_simple_task(&d, cases[i].name, cases[i].state, ",\"progress\":0.42");
		test_response r =
			test_oms_request(&d, "resume", cases[i].name, cases[i].query, NULL);
		expect_success(&r, cases[i].name);
		test_response_free(&r);
		cJSON *task = task_json(&d, cases[i].name);
		ck_assert_pstr_eq(test_string_member(task, "state"), "RUNNING");
		double progress = test_number_member(task, "progress");
		ck_assert_msg(progress > cases[i].progress - 1e-9 &&
				      progress < cases[i].progress + 1e-9,
			      "case %zu: progress %g, expected %g", i, progress, cases[i].progress);
		cJSON_Delete(task);
	}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * pull back: stop, update source.checkpoint, resume with pullBackFlag=true
 * ==================================================================== */

START_TEST(pull_back_end_to_end)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_response r = test_oms_request(&d, "stop", DOC_RUNNING, NULL, NULL);
	expect_success(&r, DOC_RUNNING);
	test_response_free(&r);

	/* the page's literal placeholder: not a subtopic of the task */
	r = test_oms_request(
		&d, "update", DOC_RUNNING, NULL,
		"{\"source\":{\"checkpoint\":\"{\\\"{subtopic}\\\":\\\"1675180800\\\"}\"}}");
	expect_success(&r, DOC_RUNNING);
	test_response_free(&r);
	cJSON *task = task_json(&d, DOC_RUNNING);
	ck_assert_pstr_eq(config_value(task, "source", "checkpoint"),
			  "{\"{subtopic}\":\"1675180800\"}");
	cJSON_Delete(task);
	char *before = task_text(&d, DOC_RUNNING);
	r = test_oms_request(&d, "resume", DOC_RUNNING, "pullBackFlag=true", NULL);
	cJSON *root = expect_error(&r, 200, "INVALID_CHECKPOINT");
	const char *message = test_string_member(root, "errMsg");
	ck_assert_msg(strstr(message, DOC_RUNNING_SUBTOPIC) != NULL,
		      "errMsg does not name the subtopic %s: %s", DOC_RUNNING_SUBTOPIC, message);
	cJSON_Delete(root);
	test_response_free(&r);
	char *after = task_text(&d, DOC_RUNNING);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);

	/* the real subtopic from source.clients */
	r = test_oms_request(&d, "update", DOC_RUNNING, NULL,
			     "{\"source\":{\"checkpoint\":\"{\\\"" DOC_RUNNING_SUBTOPIC
			     "\\\":\\\"1675180800\\\"}\"}}");
	expect_success(&r, DOC_RUNNING);
	test_response_free(&r);
	r = test_oms_request(&d, "resume", DOC_RUNNING, "pullBackFlag=true", NULL);
	expect_success(&r, DOC_RUNNING);
	test_response_free(&r);
	task = task_json(&d, DOC_RUNNING);
	ck_assert_pstr_eq(test_string_member(task, "state"), "RUNNING");
	ck_assert(test_number_member(task, "checkpoint") == 1675180800.0);
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* The clientId works as a key too, and the value may be a JSON number. */
START_TEST(pull_back_by_client_id)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_response r = test_oms_request(&d, "update", DOC_STOPPED, NULL,
					   "{\"source\":{\"checkpoint\":\"{\\\"" DOC_STOPPED_CLIENT
					   "\\\":1690000000}\"}}");
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	r = test_oms_request(&d, "resume", DOC_STOPPED, "pullBackFlag=yes", NULL);
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	cJSON *task = task_json(&d, DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(task, "state"), "RUNNING");
	ck_assert(test_number_member(task, "checkpoint") == 1690000000.0);
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* Checkpoints that cannot be used: INVALID_CHECKPOINT, nothing changes. */
START_TEST(pull_back_refusals)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* DOC_STOPPED2 has no source.checkpoint at first */
	static const char *const bodies[] = {
		NULL,
		"{\"source\":{\"checkpoint\":\"1675180800\"}}",
		"{\"source\":{\"checkpoint\":\"not json\"}}",
		"{\"source\":{\"checkpoint\":\"{}\"}}",
		"{\"source\":{\"checkpoint\":\"{\\\"oms_store_p_49gk4_0_1_0\\\":\\\"yesterday\\\"}"
		"\"}}",
		"{\"source\":{\"checkpoint\":\"{\\\"oms_store_p_49gk4_0_1_0\\\":\\\"-5\\\"}\"}}",
		"{\"source\":{\"checkpoint\":\"{\\\"oms_store_unknown\\\":\\\"1675180800\\\"}\"}}",
		"{\"source\":{\"checkpoint\":\"{\\\"" DOC_STOPPED_SUBTOPIC
		"\\\":\\\"1675180800\\\"}\"}}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		if (bodies[i]) {
			test_response u =
				test_oms_request(&d, "update", DOC_STOPPED2, NULL, bodies[i]);
			expect_success(&u, DOC_STOPPED2);
			test_response_free(&u);
		}
		char *before = task_text(&d, DOC_STOPPED2);
		test_response r =
			test_oms_request(&d, "resume", DOC_STOPPED2, "pullBackFlag=true", NULL);
		expect_error_code(&r, 200, "INVALID_CHECKPOINT");
		test_response_free(&r);
		char *after = task_text(&d, DOC_STOPPED2);
		ck_assert_msg(strcmp(before, after) == 0, "case %zu changed the task", i);
		free(before);
		free(after);
	}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * update
 * ==================================================================== */

static void update_ok(const test_daemon *d, const char *name, const char *query, const char *body)
{
	test_response r = test_oms_request(d, "update", name, query, body);
	expect_success(&r, name);
	test_response_free(&r);
	expect_state(d, name, "STOPPED");
}

START_TEST(update_delete_params)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* comma-separated */
	update_ok(&d, DOC_STOPPED2, "deleteParams=sink.workerNum,sink.batchSize", NULL);
	/* repeated */
	update_ok(&d, DOC_STOPPED2, "deleteParams=sink.username&deleteParams=sink.password", NULL);
	/* both at once, and an absent key is fine */
	update_ok(&d, DOC_STOPPED2,
		  "deleteParams=condition.blackCondition,nosuch.key&deleteParams=sink.nosuch",
		  NULL);
	cJSON *task = task_json(&d, DOC_STOPPED2);
	static const char *const gone[][2] = {{"sink", "workerNum"},
					      {"sink", "batchSize"},
					      {"sink", "username"},
					      {"sink", "password"},
					      {"condition", "blackCondition"}};
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
		ck_assert_msg(config_value(task, gone[i][0], gone[i][1]) == NULL,
			      "%s.%s is still there", gone[i][0], gone[i][1]);
	ck_assert_pstr_eq(config_value(task, "sink", "sinkType"), "MYSQL");
	ck_assert_pstr_eq(config_value(task, "sink", "enableDdl"), "true");
	ck_assert_ptr_nonnull(config_value(task, "condition", "whiteCondition"));
	ck_assert_pstr_eq(config_value(task, "source", "username"), "oms_store_reader");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* The scope ends at the first '.', the key is the rest; a scope that
 * becomes empty disappears. */
START_TEST(update_keys_with_dots)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	update_ok(&d, DOC_STOPPED2, NULL,
		  "{\"extra\":{\"a.b.c\":\"1\",\"a\":\"2\",\"b.c\":\"3\"}}");
	cJSON *task = task_json(&d, DOC_STOPPED2);
	ck_assert_pstr_eq(config_value(task, "extra", "a.b.c"), "1");
	cJSON_Delete(task);

	update_ok(&d, DOC_STOPPED2, "deleteParams=extra.a.b.c", NULL);
	task = task_json(&d, DOC_STOPPED2);
	ck_assert_ptr_null(config_value(task, "extra", "a.b.c"));
	ck_assert_pstr_eq(config_value(task, "extra", "a"), "2");
	ck_assert_pstr_eq(config_value(task, "extra", "b.c"), "3");
	cJSON_Delete(task);

	update_ok(&d, DOC_STOPPED2, "deleteParams=extra.a,extra.b.c", NULL);
	task = task_json(&d, DOC_STOPPED2);
	ck_assert_msg(test_member(test_member(task, "config"), "extra") == NULL,
		      "the emptied scope \"extra\" is still there");
	ck_assert_ptr_nonnull(test_member(test_member(task, "config"), "sink"));
	cJSON_Delete(task);

	/* a known scope emptied by deletes disappears too */
	update_ok(&d, DOC_STOPPED2,
		  "deleteParams=coordinator.bridgeQueueSize,coordinator.throttleRps,coordinator."
		  "throttleIOPS",
		  NULL);
	task = task_json(&d, DOC_STOPPED2);
	ck_assert_msg(test_member(test_member(task, "config"), "coordinator") == NULL,
		      "the emptied scope \"coordinator\" is still there");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* Deletes apply before the body: the key ends with the body's value. */
START_TEST(update_deletes_before_merge)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	update_ok(&d, DOC_STOPPED2, "deleteParams=sink.enableDdl,sink.workerNum",
		  "{\"sink\":{\"enableDdl\":\"false\"},\"newScope\":{\"k\":\"v\"}}");
	cJSON *task = task_json(&d, DOC_STOPPED2);
	ck_assert_pstr_eq(config_value(task, "sink", "enableDdl"), "false");
	ck_assert_ptr_null(config_value(task, "sink", "workerNum"));
	ck_assert_pstr_eq(config_value(task, "sink", "batchSize"), "200");
	ck_assert_pstr_eq(config_value(task, "newScope", "k"), "v");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* Numbers and booleans in the body are stored as their text. */
static const struct {
	const char *json, *text;
} scalar_values[] = {
	{"8", "8"}, {"1.5", "1.5"}, {"-3", "-3"}, {"true", "true"}, {"false", "false"},
};
enum { SCALAR_VALUES = sizeof scalar_values / sizeof *scalar_values };

START_TEST(update_scalars_stored_as_text)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char body[128];
	snprintf(body, sizeof body, "{\"sink\":{\"workerNum\":%s}}", scalar_values[_i].json);
	update_ok(&d, DOC_STOPPED2, NULL, body);
	cJSON *task = task_json(&d, DOC_STOPPED2);
	ck_assert_pstr_eq(config_value(task, "sink", "workerNum"), scalar_values[_i].text);
	ck_assert_pstr_eq(config_value(task, "sink", "batchSize"), "200");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* An empty or absent body, and {} change nothing but succeed. */
START_TEST(update_empty_bodies)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *before = task_json(&d, DOC_STOPPED2);
	static const char *const bodies[] = {NULL, "", "  \n", "{}", "{\"sink\":{}}"};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		update_ok(&d, DOC_STOPPED2, NULL, bodies[i]);
		cJSON *after = task_json(&d, DOC_STOPPED2);
		ck_assert_msg(
			same_json(test_member(before, "config"), test_member(after, "config")),
			"body %zu changed the config", i);
		cJSON_Delete(after);
	}
	/* and through the page's way of sending: no body, no Content-Type */
	test_response r = oms_raw(&d, "update", "taskName=" DOC_STOPPED2);
	expect_success(&r, DOC_STOPPED2);
	test_response_free(&r);
	cJSON_Delete(before);
	test_daemon_down(&d);
}
END_TEST

/* Bad bodies and bad deleteParams are INVALID_ARGUMENT and change nothing. */
START_TEST(update_refusals)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *query, *body;
	} cases[] = {
		{NULL, "not json"},
		{NULL, "{"},
		{NULL, "{\"sink\":{\"workerNum\":\"1\"}} trailing"},
		{NULL, "[]"},
		{NULL, "\"text\""},
		{NULL, "42"},
		{NULL, "null"},
		{NULL, "{\"sink\":\"flat\"}"},
		{NULL, "{\"sink\":null}"},
		{NULL, "{\"sink\":{\"workerNum\":null}}"},
		{NULL, "{\"sink\":{\"workerNum\":[1,2]}}"},
		{NULL, "{\"sink\":{\"workerNum\":{\"a\":\"b\"}}}"},
		{NULL, "{\"sink\":{\"a\":\"1\",\"a\":\"2\"}}"},
		{NULL, "{\"sink\":{\"a\":\"1\"},\"sink\":{\"b\":\"2\"}}"},
		{NULL, "{\"sink\":{\"\":\"1\"}}"},
		{"deleteParams=nodot", NULL},
		{"deleteParams=sink.workerNum,nodot", NULL},
		{"deleteParams=sink.workerNum&deleteParams=nodot", NULL},
		{"deleteParams=.workerNum", NULL},
		{"deleteParams=sink.", NULL},
		{"deleteParams=sink.workerNum", "{\"sink\":{\"x\":[]}}"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *before_all = test_get_text(&d, "/_mock/tasks");
		test_response r =
			test_oms_request(&d, "update", DOC_STOPPED2, cases[i].query, cases[i].body);
		cJSON *root = expect_error(&r, 200, "INVALID_ARGUMENT");
		cJSON_Delete(root);
		test_response_free(&r);
		char *after_all = test_get_text(&d, "/_mock/tasks");
		ck_assert_msg(
			strcmp(before_all, after_all) == 0, "case %zu (%s | %s) changed a task", i,
			cases[i].query ? cases[i].query : "", cases[i].body ? cases[i].body : "");
		free(before_all);
		free(after_all);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(update_running_is_illegal_state)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const running[] = {DOC_RUNNING, INCR_RUNNING, FULL_RUNNING};
	for (size_t i = 0; i < 3; i++) {
		char *before = task_text(&d, running[i]);
		test_response r =
			test_oms_request(&d, "update", running[i], "deleteParams=sink.workerNum",
					 "{\"sink\":{\"batchSize\":\"1\"}}");
		cJSON *root = expect_error(&r, 200, "ILLEGAL_STATE");
		ck_assert_msg(contains_ci(r.body, "stop the connector first"),
			      "the answer does not say to stop the connector first: %s", r.body);
		ck_assert_pstr_eq(test_string_member(extra_context(root), "state"), "RUNNING");
		cJSON_Delete(root);
		test_response_free(&r);
		char *after = task_text(&d, running[i]);
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * parameters in an application/x-www-form-urlencoded body
 * ==================================================================== */

static test_response form_post(const test_daemon *d, const char *op, const char *content_type,
			       const char *query, const char *form)
{
	char path[1024], header[256];
	snprintf(path, sizeof path, OMS_PATH "%s%s%s", op, query ? "?" : "", query ? query : "");
	snprintf(header, sizeof header, "Content-Type: %s", content_type);
	const char *const headers[] = {header, NULL};
	return test_request(d, "POST", path, headers, form);
}

START_TEST(form_parameters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char *name = test_escape(DOC_STOPPED);
	char form[1024];

	snprintf(form, sizeof form, "taskName=%s&pullBackFlag=false", name);
	test_response r = form_post(&d, "resume", "application/x-www-form-urlencoded", NULL, form);
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	expect_state(&d, DOC_STOPPED, "RUNNING");

	snprintf(form, sizeof form, "taskName=%s", name);
	r = form_post(&d, "stop", "application/x-www-form-urlencoded; charset=UTF-8", NULL, form);
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	expect_state(&d, DOC_STOPPED, "STOPPED");

	/* the raw ':' and '*' are fine in a form too */
	r = form_post(&d, "resume", "application/x-www-form-urlencoded", NULL,
		      "taskName=" DOC_STOPPED "&restartFlag=");
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	expect_state(&d, DOC_STOPPED, "RUNNING");

	/* a flag in the form is read like one in the query */
	snprintf(form, sizeof form, "taskName=%s&pullBackFlag=maybe", name);
	r = form_post(&d, "stop", "application/x-www-form-urlencoded", NULL, form);
	/* stop takes no pullBackFlag: an extra parameter is ignored */
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	r = form_post(&d, "resume", "application/x-www-form-urlencoded", NULL, form);
	expect_error_code(&r, 200, "INVALID_ARGUMENT");
	test_response_free(&r);
	expect_state(&d, DOC_STOPPED, "STOPPED");

	/* the query and the form together: the query names the task */
	r = form_post(&d, "resume", "application/x-www-form-urlencoded", "pullBackFlag=false",
		      "taskName=" DOC_STOPPED);
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	expect_state(&d, DOC_STOPPED, "RUNNING");

	/* deleteParams of update in the form */
	snprintf(form, sizeof form, "taskName=%s&deleteParams=sink.workerNum%%2Csink.batchSize",
		 name);
	r = form_post(&d, "update", "application/x-www-form-urlencoded", NULL, form);
	/* DOC_STOPPED is RUNNING now */
	expect_error_code(&r, 200, "ILLEGAL_STATE");
	test_response_free(&r);
	char *name2 = test_escape(DOC_STOPPED2);
	snprintf(form, sizeof form, "taskName=%s&deleteParams=sink.workerNum%%2Csink.batchSize",
		 name2);
	r = form_post(&d, "update", "application/x-www-form-urlencoded", NULL, form);
	expect_success(&r, DOC_STOPPED2);
	test_response_free(&r);
	cJSON *task = task_json(&d, DOC_STOPPED2);
	ck_assert_ptr_null(config_value(task, "sink", "workerNum"));
	ck_assert_ptr_null(config_value(task, "sink", "batchSize"));
	ck_assert_pstr_eq(config_value(task, "sink", "sinkType"), "MYSQL");
	cJSON_Delete(task);

	/* a taskName in the query and again in the form is a repeat */
	snprintf(form, sizeof form, "taskName=%s", name2);
	char query[512];
	snprintf(query, sizeof query, "taskName=%s", name2);
	r = form_post(&d, "stop", "application/x-www-form-urlencoded", query, form);
	expect_error_code(&r, 200, "INVALID_ARGUMENT");
	test_response_free(&r);
	free(name);
	free(name2);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * migrate
 * ==================================================================== */

START_TEST(migrate_new_name)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *name, *query, *result, *state;
	} cases[] = {
		/* ip sets HOST, SEQ + 1 */
		{DOC_RUNNING, "ip=10.0.0.14",
		 "10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002", "RUNNING"},
		/* no ip keeps HOST */
		{DOC_STOPPED, NULL,
		 "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002",
		 "STOPPED"},
		/* an empty ip is the default */
		{DOC_STOPPED2,
		 "ip=", "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000002",
		 "STOPPED"},
		/* a host name */
		{INCR_RUNNING, "ip=oms-node_2.example.com",
		 "oms-node_2.example.com-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:"
		 "0000000002",
		 "RUNNING"},
		/* ABNORMAL arrives STOPPED */
		{INCR_ABNORMAL, "ip=10.0.0.15",
		 "10.0.0.15-9000:connector_v2:np_5a3kq8d2mtv4-incr_trans-1-0:0000000002",
		 "STOPPED"},
		{INCR_CREATED, "ip=10.0.0.16",
		 "10.0.0.16-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000002",
		 "CREATED"},
		{FULL_RUNNING, "ip=10.0.0.17",
		 "10.0.0.17-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000002",
		 "RUNNING"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *before = task_json(&d, cases[i].name);
		test_response r =
			test_oms_request(&d, "migrate", cases[i].name, cases[i].query, NULL);
		expect_success(&r, cases[i].result);
		test_response_free(&r);
		expect_absent(&d, cases[i].name);
		cJSON *after = task_json(&d, cases[i].result);
		ck_assert_msg(after != NULL, "case %zu: %s does not exist", i, cases[i].result);
		ck_assert_pstr_eq(test_string_member(after, "state"), cases[i].state);
		ck_assert_msg(
			same_json(test_member(before, "config"), test_member(after, "config")),
			"case %zu: the config did not carry over", i);
		ck_assert_msg(same_json(test_member(before, "checkpoint"),
					test_member(after, "checkpoint")),
			      "case %zu: the checkpoint did not carry over", i);
		ck_assert_msg(
			same_json(test_member(before, "progress"), test_member(after, "progress")),
			"case %zu: the progress did not carry over", i);
		ck_assert(test_number_member(after, "seq") == 2.0);

		/* the old name is gone, and says where it went */
		for (size_t op = 0; op < FIVE_OPS; op++) {
			r = test_oms_request(&d, five_ops[op], cases[i].name, NULL, NULL);
			cJSON *root = expect_error(&r, 200, "TASK_NOT_FOUND");
			ck_assert_pstr_eq(test_string_member(extra_context(root), "migratedTo"),
					  cases[i].result);
			ck_assert_pstr_eq(test_string_member(extra_context(root), "taskName"),
					  cases[i].name);
			cJSON_Delete(root);
			test_response_free(&r);
		}
		cJSON_Delete(before);
		cJSON_Delete(after);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(migrate_sequence_is_padded_and_carries)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *from, *to;
	} cases[] = {
		{"10.1.0.1-9000:connector_v2:p_seq1-incr_trans-1-0:0000000009",
		 "10.1.0.1-9000:connector_v2:p_seq1-incr_trans-1-0:0000000010"},
		{"10.1.0.1-9000:connector_v2:p_seq2-incr_trans-1-0:0000000099",
		 "10.1.0.1-9000:connector_v2:p_seq2-incr_trans-1-0:0000000100"},
		{"10.1.0.1-9000:connector_v2:p_seq3-full_trans-2-3:0123456789",
		 "10.1.0.1-9000:connector_v2:p_seq3-full_trans-2-3:0123456790"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		create_simple_task(&d, cases[i].from, "STOPPED", NULL);
		test_response r = test_oms_request(&d, "migrate", cases[i].from, NULL, NULL);
		expect_success(&r, cases[i].to);
		test_response_free(&r);
	}
	/* a chain: the oldest name points at the current one */
	static const char second[] = "10.9.9.9-9000:connector_v2:p_seq1-incr_trans-1-0:0000000011";
	test_response r = test_oms_request(&d, "migrate", cases[0].to, "ip=10.9.9.9", NULL);
	expect_success(&r, second);
	test_response_free(&r);
	r = test_oms_request(&d, "stop", cases[0].from, NULL, NULL);
	cJSON *root = expect_error(&r, 200, "TASK_NOT_FOUND");
	ck_assert_pstr_eq(test_string_member(extra_context(root), "migratedTo"), second);
	cJSON_Delete(root);
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

START_TEST(migrate_bad_ip)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const queries[] = {
		"ip=999.0.0.1", "ip=10.0.0",	 "ip=1.2.3.4.5",
		"ip=01.2.3.4",	"ip=bad%20host", "ip=a%2Fb",
		"ip=h%3A1",	"ip=host%40x",	 "ip=10.0.0.1&ip=10.0.0.2",
	};
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		char *before_all = test_get_text(&d, "/_mock/tasks");
		test_response r = test_oms_request(&d, "migrate", DOC_STOPPED, queries[i], NULL);
		expect_error_code(&r, 200, "INVALID_ARGUMENT");
		test_response_free(&r);
		char *after_all = test_get_text(&d, "/_mock/tasks");
		ck_assert_msg(strcmp(before_all, after_all) == 0, "%s changed the tasks",
			      queries[i]);
		free(before_all);
		free(after_all);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(migrate_finished_is_refused)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char *before_all = test_get_text(&d, "/_mock/tasks");
	test_response r = test_oms_request(&d, "migrate", FULL_FINISHED, "ip=10.0.0.20", NULL);
	cJSON *root = expect_error(&r, 200, "ILLEGAL_STATE");
	ck_assert_pstr_eq(test_string_member(extra_context(root), "state"), "FINISHED");
	cJSON_Delete(root);
	test_response_free(&r);
	char *after_all = test_get_text(&d, "/_mock/tasks");
	ck_assert_str_eq(before_all, after_all);
	free(before_all);
	free(after_all);
	test_daemon_down(&d);
}
END_TEST

/* SEQ is never reused: migrate (…1 → …2), delete …2, create the identity
 * again at …1 through the control API, migrate: …3, not …2. */
START_TEST(migrate_never_reuses_a_sequence)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char second[] =
		"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002";
	static const char third[] =
		"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000003";
	test_response r = test_oms_request(&d, "migrate", DOC_STOPPED, NULL, NULL);
	expect_success(&r, second);
	test_response_free(&r);
	r = test_oms_request(&d, "delete", second, NULL, NULL);
	expect_success(&r, second);
	test_response_free(&r);
	create_simple_task(&d, DOC_STOPPED, "STOPPED", NULL);
	r = test_oms_request(&d, "migrate", DOC_STOPPED, NULL, NULL);
	expect_success(&r, third);
	test_response_free(&r);
	expect_state(&d, third, "STOPPED");
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * delete
 * ==================================================================== */

START_TEST(delete_rules)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char *before = task_text(&d, DOC_RUNNING);
	test_response r = test_oms_request(&d, "delete", DOC_RUNNING, NULL, NULL);
	cJSON *root = expect_error(&r, 200, "ILLEGAL_STATE");
	ck_assert_msg(contains_ci(r.body, "stop the connector first"),
		      "the answer does not say to stop the connector first: %s", r.body);
	cJSON_Delete(root);
	test_response_free(&r);
	char *after = task_text(&d, DOC_RUNNING);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);

	static const char *const deletable[] = {INCR_CREATED, DOC_STOPPED, INCR_ABNORMAL,
						FULL_FINISHED};
	for (size_t i = 0; i < 4; i++) {
		r = test_oms_request(&d, "delete", deletable[i], NULL, NULL);
		expect_success(&r, deletable[i]);
		test_response_free(&r);
		expect_absent(&d, deletable[i]);
		for (size_t op = 0; op < FIVE_OPS; op++) {
			r = test_oms_request(&d, five_ops[op], deletable[i], NULL, NULL);
			root = expect_error(&r, 200, "TASK_NOT_FOUND");
			ck_assert_msg(cJSON_IsTrue(test_member(extra_context(root), "deleted")),
				      "extraContext.deleted is not true: %s", r.body);
			ck_assert_pstr_eq(test_string_member(extra_context(root), "taskName"),
					  deletable[i]);
			cJSON_Delete(root);
			test_response_free(&r);
		}
	}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * taskName
 * ==================================================================== */

static const char *const bad_name_queries[] = {
	"",
	"taskName=",
	"taskName",
	"taskname=" DOC_STOPPED,
	"TaskName=" DOC_STOPPED,
	"taskName=garbage",
	"taskName=" DOC_STOPPED "&taskName=" DOC_STOPPED,
	"taskName=" DOC_STOPPED "&taskName=" DOC_STOPPED2,
	"taskName=xxx.xxx.xxx.xxx-9000:connector_v1:p_493po****-incr_trans-1-0:0000000001",
	"taskName=10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:000000001",
	"taskName=10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:00000000001",
	"taskName=10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:000000000a",
	"taskName=10.0.0.1-0:connector_v2:p_1-incr_trans-1-0:0000000001",
	"taskName=10.0.0.1-65536:connector_v2:p_1-incr_trans-1-0:0000000001",
	"taskName=10.0.0.1:connector_v2:p_1-incr_trans-1-0:0000000001",
	"taskName=999.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:0000000001",
	"taskName=10.0.0.1-9000:connector_v2:p-1-incr_trans-1-0:0000000001",
	"taskName=10.0.0.1-9000:connector_v2:p_1-INCR_TRANS-1-0:0000000001",
	"taskName=10.0.0.1-9000:connector_v2:p_1-incr_trans-1:0000000001",
	"taskName=10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:0000000001:0000000001",
	"taskName=%20" DOC_STOPPED,
	"taskName=" DOC_STOPPED "%00",
	"taskName=%FF" DOC_STOPPED,
};
enum { BAD_NAMES = sizeof bad_name_queries / sizeof *bad_name_queries };

/* Missing, empty, unparsable or repeated: INVALID_ARGUMENT for every op,
 * never TASK_NOT_FOUND, and nothing changes. */
START_TEST(bad_task_names)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char *before_all = test_get_text(&d, "/_mock/tasks");
	for (size_t q = 0; q < BAD_NAMES; q++)
		for (size_t op = 0; op < FIVE_OPS; op++) {
			test_response r = oms_raw(&d, five_ops[op], bad_name_queries[q]);
			char code[64];
			ck_assert_msg(!test_envelope_ok(&r, code, sizeof code) &&
					      strcmp(code, "INVALID_ARGUMENT") == 0,
				      "%s?%s: %s", five_ops[op], bad_name_queries[q], r.body);
			expect_error_code(&r, 200, "INVALID_ARGUMENT");
			test_response_free(&r);
		}
	char *after_all = test_get_text(&d, "/_mock/tasks");
	ck_assert_str_eq(before_all, after_all);
	free(before_all);
	free(after_all);
	test_daemon_down(&d);
}
END_TEST

START_TEST(unknown_tasks)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const names[] = {
		"10.0.0.1-9000:connector_v2:p_nobody-incr_trans-1-0:0000000001",
		/* a type that parses but is neither component */
		"10.0.0.1-9000:connector_v2:p_nobody-other_trans-1-0:0000000001",
		/* a known identity at another SEQ, host or port */
		"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002",
		"10.0.0.1-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001",
		"xxx.xxx.xxx.xxx-9001:connector_v2:p_493po****-incr_trans-1-0:0000000001",
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		for (size_t op = 0; op < FIVE_OPS; op++) {
			test_response r = test_oms_request(&d, five_ops[op], names[i], NULL, NULL);
			cJSON *root = expect_error(&r, 200, "TASK_NOT_FOUND");
			const cJSON *context = extra_context(root);
			ck_assert_pstr_eq(test_string_member(context, "taskName"), names[i]);
			ck_assert_ptr_null(test_member(context, "migratedTo"));
			ck_assert(!cJSON_IsTrue(test_member(context, "deleted")));
			cJSON_Delete(root);
			test_response_free(&r);
		}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * HTTP-level faults keep the envelope
 * ==================================================================== */

START_TEST(unknown_paths)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *method, *path;
	} cases[] = {
		{"POST", OMS_PATH "pause?taskName=" DOC_STOPPED},
		{"POST", OMS_PATH "Resume?taskName=" DOC_STOPPED},
		{"POST", OMS_PATH "resume/extra?taskName=" DOC_STOPPED},
		{"POST", OMS_PATH},
		{"POST", "/connector/task/v1/stop?taskName=" DOC_STOPPED},
		{"POST", "/"},
		{"GET", "/nothing"},
		{"GET", "/_mockery"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		test_response r = test_request(&d, cases[i].method, cases[i].path, NULL, NULL);
		expect_error_code(&r, 404, "NOT_FOUND");
		test_response_free(&r);
	}
	expect_state(&d, DOC_STOPPED, "STOPPED");
	test_daemon_down(&d);
}
END_TEST

START_TEST(wrong_methods)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const methods[] = {"GET", "PUT", "DELETE", "PATCH"};
	char *before_all = test_get_text(&d, "/_mock/tasks");
	for (size_t op = 0; op < FIVE_OPS; op++)
		for (size_t m = 0; m < 4; m++) {
			char path[512];
			/* a request that would succeed as a POST */
			const char *name = strcmp(five_ops[op], "resume") == 0 ? DOC_STOPPED
					   : strcmp(five_ops[op], "stop") == 0 ? DOC_RUNNING
									       : DOC_STOPPED2;
			snprintf(path, sizeof path, OMS_PATH "%s?taskName=%s", five_ops[op], name);
			test_response r = test_request(&d, methods[m], path, NULL, NULL);
			cJSON *root = envelope_of(&r);
			ck_assert_msg(r.status == 405, "%s %s: %ld", methods[m], path, r.status);
			ck_assert_str_eq(r.allow, "POST");
			ck_assert(cJSON_IsFalse(test_member(root, "isSuccess")));
			ck_assert_ptr_nonnull(test_string_member(root, "errCode"));
			cJSON_Delete(root);
			test_response_free(&r);
		}
	char *after_all = test_get_text(&d, "/_mock/tasks");
	ck_assert_str_eq(before_all, after_all);
	free(before_all);
	free(after_all);
	test_daemon_down(&d);
}
END_TEST

static char *json_body_of_size(size_t size)
{
	static const char head[] = "{\"sink\":{\"workerNum\":\"7\"}}";
	char *body = malloc(size + 1);
	memset(body, ' ', size);
	memcpy(body, head, sizeof head - 1);
	body[size] = '\0';
	return body;
}

/* --max-body 1024: 2000 bytes are refused with 413 whether the size is
 * declared (Content-Length) or not (chunked); 1024 bytes are accepted. */
START_TEST(body_over_the_limit)
{
	test_daemon d;
	const char *const args[] = {"--max-body", "1024", NULL};
	test_daemon_up(&d, args, NULL);
	static const char *const plain[] = {"Content-Type: application/json", NULL};
	static const char *const chunked[] = {"Content-Type: application/json",
					      "Transfer-Encoding: chunked", NULL};
	const char *const *header_sets[] = {plain, chunked};
	char path[512];
	snprintf(path, sizeof path, OMS_PATH "update?taskName=%s", DOC_STOPPED2);
	char *big = json_body_of_size(2000);
	char *fits = json_body_of_size(1024);
	for (size_t h = 0; h < 2; h++) {
		char *before_all = test_get_text(&d, "/_mock/tasks");
		test_response r = test_request(&d, "POST", path, header_sets[h], big);
		cJSON *root = envelope_of(&r);
		ck_assert_msg(r.status == 413, "%s: HTTP %ld", h ? "chunked" : "Content-Length",
			      r.status);
		ck_assert(cJSON_IsFalse(test_member(root, "isSuccess")));
		ck_assert_ptr_nonnull(test_string_member(root, "errCode"));
		cJSON_Delete(root);
		test_response_free(&r);
		char *after_all = test_get_text(&d, "/_mock/tasks");
		ck_assert_str_eq(before_all, after_all);
		free(before_all);
		free(after_all);

		r = test_request(&d, "POST", path, header_sets[h], fits);
		expect_success(&r, DOC_STOPPED2);
		test_response_free(&r);
	}
	free(big);
	free(fits);
	cJSON *task = task_json(&d, DOC_STOPPED2);
	ck_assert_pstr_eq(config_value(task, "sink", "workerNum"), "7");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * --error-status
 * ==================================================================== */

typedef struct {
	const char *op, *name, *query;
	const char *code; /* NULL: success */
	long mapped;
} status_case;

static const status_case status_cases[] = {
	{"stop", DOC_RUNNING, NULL, NULL, 200},
	{"stop", NULL, NULL, "INVALID_ARGUMENT", 400},
	{"resume", DOC_STOPPED, "pullBackFlag=maybe", "INVALID_ARGUMENT", 400},
	{"resume", DOC_STOPPED, "pullBackFlag=true", "INVALID_CHECKPOINT", 400},
	{"stop", "10.0.0.1-9000:connector_v2:p_nobody-incr_trans-1-0:0000000001", NULL,
	 "TASK_NOT_FOUND", 404},
	{"stop", DOC_STOPPED, NULL, "ILLEGAL_STATE", 409},
	{"resume", INCR_CREATED, NULL, "UNSUPPORTED_OPERATION", 422},
};

static void check_statuses(const char *const *args, bool mapped)
{
	test_daemon d;
	test_daemon_up(&d, args, NULL);
	for (size_t i = 0; i < sizeof status_cases / sizeof *status_cases; i++) {
		const status_case *c = &status_cases[i];
		test_response r = c->name ? test_oms_request(&d, c->op, c->name, c->query, NULL)
					  : oms_raw(&d, c->op, "");
		if (!c->code)
			expect_success(&r, c->name);
		else
			expect_error_code(&r, mapped ? c->mapped : 200, c->code);
		test_response_free(&r);
	}
	/* the journal keeps the status each answer was sent with */
	test_response r = test_request(&d, "GET", "/_mock/journal", NULL, NULL);
	cJSON *root = test_response_json(&r);
	const cJSON *entries = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(entries), sizeof status_cases / sizeof *status_cases);
	for (size_t i = 0; i < sizeof status_cases / sizeof *status_cases; i++) {
		const cJSON *entry = cJSON_GetArrayItem(entries, (int)i);
		long expected = mapped ? status_cases[i].mapped : 200;
		ck_assert_msg(test_number_member(entry, "httpStatus") == (double)expected,
			      "journal entry %zu: httpStatus is not %ld", i, expected);
	}
	cJSON_Delete(root);
	test_response_free(&r);
	test_daemon_down(&d);
}

START_TEST(error_status_default_is_200) { check_statuses(NULL, false); }
END_TEST

START_TEST(error_status_ok_is_200)
{
	const char *const args[] = {"--error-status", "ok", NULL};
	check_statuses(args, false);
}
END_TEST

START_TEST(error_status_mapped)
{
	const char *const args[] = {"--error-status", "mapped", NULL};
	check_statuses(args, true);
}
END_TEST

/* ======================================================================
 * strict and lenient repeats
 * ==================================================================== */

START_TEST(strict_repeats_are_illegal_state)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *op, *name, *state;
	} cases[] = {{"stop", DOC_STOPPED, "STOPPED"}, {"resume", DOC_RUNNING, "RUNNING"}};
	for (size_t i = 0; i < 2; i++) {
		char *before = task_text(&d, cases[i].name);
		test_response r = test_oms_request(&d, cases[i].op, cases[i].name, NULL, NULL);
		cJSON *root = expect_error(&r, 200, "ILLEGAL_STATE");
		ck_assert_pstr_eq(test_string_member(extra_context(root), "state"), cases[i].state);
		cJSON_Delete(root);
		test_response_free(&r);
		char *after = task_text(&d, cases[i].name);
		ck_assert_str_eq(before, after);
		free(before);
		free(after);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(lenient_repeats_succeed_and_change_nothing)
{
	test_daemon d;
	const char *const args[] = {"--lenient", NULL};
	test_daemon_up(&d, args, NULL);
	static const struct {
		const char *op, *name;
	} repeats[] = {{"stop", DOC_STOPPED},
		       {"resume", DOC_RUNNING},
		       {"stop", DOC_STOPPED2},
		       {"resume", INCR_RUNNING}};
	for (size_t i = 0; i < sizeof repeats / sizeof *repeats; i++) {
		char *before = task_text(&d, repeats[i].name);
		test_response r = test_oms_request(&d, repeats[i].op, repeats[i].name, NULL, NULL);
		expect_success(&r, repeats[i].name);
		test_response_free(&r);
		char *after = task_text(&d, repeats[i].name);
		ck_assert_msg(strcmp(before, after) == 0, "a lenient %s changed %s:\n%s\n%s",
			      repeats[i].op, repeats[i].name, before, after);
		free(before);
		free(after);
	}
	/* only repeats are lenient: the other refusals stay */
	static const struct {
		const char *op, *name, *code;
	} refusals[] = {
		{"resume", INCR_CREATED, "UNSUPPORTED_OPERATION"},
		{"stop", INCR_CREATED, "ILLEGAL_STATE"},
		{"stop", FULL_FINISHED, "ILLEGAL_STATE"},
		{"resume", FULL_FINISHED, "ILLEGAL_STATE"},
		{"update", DOC_RUNNING, "ILLEGAL_STATE"},
		{"delete", DOC_RUNNING, "ILLEGAL_STATE"},
	};
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
		test_response r =
			test_oms_request(&d, refusals[i].op, refusals[i].name, NULL, NULL);
		expect_error_code(&r, 200, refusals[i].code);
		test_response_free(&r);
	}
	/* a lenient repeat is journaled as a success */
	char *escaped = test_escape(DOC_STOPPED);
	char path[512];
	snprintf(path, sizeof path, "/_mock/journal?taskName=%s", escaped);
	free(escaped);
	test_response r = test_request(&d, "GET", path, NULL, NULL);
	cJSON *root = test_response_json(&r);
	const cJSON *entries = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(entries), 1);
	ck_assert(cJSON_IsTrue(test_member(cJSON_GetArrayItem(entries, 0), "isSuccess")));
	cJSON_Delete(root);
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * the journal
 * ==================================================================== */

typedef struct {
	const char *method;
	const char *op;
	const char *name;  /* NULL: no taskName */
	const char *query; /* after taskName */
	const char *body;
	bool success;
	const char *code;
	const char *new_name;
} journal_step;

#define MOVED_RUNNING "10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002"

static const journal_step journal_steps[] = {
	{"POST", "resume", DOC_STOPPED, NULL, NULL, true, NULL, NULL},
	{"POST", "stop", DOC_STOPPED, NULL, NULL, true, NULL, NULL},
	{"POST", "stop", DOC_STOPPED, NULL, NULL, false, "ILLEGAL_STATE", NULL},
	{"POST", "update", DOC_STOPPED2, "deleteParams=coordinator.throttleIOPS",
	 "{\"coordinator\":{\"throttleRps\":\"5000\"}}", true, NULL, NULL},
	{"POST", "update", DOC_STOPPED2, NULL, "{\"coordinator\":", false, "INVALID_ARGUMENT",
	 NULL},
	{"POST", "migrate", DOC_RUNNING, "ip=10.0.0.14", NULL, true, NULL, MOVED_RUNNING},
	{"POST", "stop", NULL, NULL, NULL, false, "INVALID_ARGUMENT", NULL},
	{"POST", "delete", DOC_RUNNING, NULL, NULL, false, "TASK_NOT_FOUND", NULL},
	{"GET", "stop", DOC_STOPPED, NULL, NULL, false, NULL, NULL},
};
enum { JOURNAL_STEPS = sizeof journal_steps / sizeof *journal_steps };

static cJSON *journal(const test_daemon *d, const char *query)
{
	char path[1024];
	snprintf(path, sizeof path, "/_mock/journal%s%s", query ? "?" : "", query ? query : "");
	test_response r = test_request(d, "GET", path, NULL, NULL);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
	cJSON *root = test_response_json(&r);
	test_response_free(&r);
	ck_assert_msg(cJSON_IsArray(test_member(root, "entries")), "no entries array");
	return root;
}

/* The steps (indexes into journal_steps) an entry list must hold, in order. */
static void expect_entries(const cJSON *root, const int *steps, size_t count)
{
	const cJSON *entries = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(entries), (int)count);
	for (size_t i = 0; i < count; i++) {
		const journal_step *step = &journal_steps[steps[i]];
		const cJSON *entry = cJSON_GetArrayItem(entries, (int)i);
		ck_assert_pstr_eq(test_string_member(entry, "op"), step->op);
		ck_assert_pstr_eq(test_string_member(entry, "taskName"), step->name);
		ck_assert_msg(cJSON_IsBool(test_member(entry, "isSuccess")) &&
				      cJSON_IsTrue(test_member(entry, "isSuccess")) ==
					      step->success,
			      "entry %zu: isSuccess", i);
	}
}

START_TEST(journal_records_every_request)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	int64_t start = test_realtime_ms();
	for (size_t i = 0; i < JOURNAL_STEPS; i++) {
		const journal_step *step = &journal_steps[i];
		test_response r;
		if (strcmp(step->method, "POST") == 0 && step->name) {
			r = test_oms_request(&d, step->op, step->name, step->query, step->body);
		} else {
			char path[512];
			snprintf(path, sizeof path, OMS_PATH "%s%s%s", step->op,
				 step->name ? "?taskName=" : "", step->name ? step->name : "");
			r = test_request(&d, step->method, path, NULL, NULL);
		}
		char code[64];
		ck_assert_msg(test_envelope_ok(&r, code, sizeof code) == step->success,
			      "step %zu: %s", i, r.body);
		if (step->code)
			ck_assert_str_eq(code, step->code);
		test_response_free(&r);
	}
	/* not an OMS route: not journaled */
	test_response r =
		test_request(&d, "POST", OMS_PATH "pause?taskName=" DOC_STOPPED, NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	int64_t end = test_realtime_ms();

	cJSON *root = journal(&d, NULL);
	const cJSON *entries = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(entries), JOURNAL_STEPS);
	double last_time = 0;
	for (size_t i = 0; i < JOURNAL_STEPS; i++) {
		const journal_step *step = &journal_steps[i];
		const cJSON *entry = cJSON_GetArrayItem(entries, (int)i);
		double when = test_number_member(entry, "time");
		ck_assert_msg(when >= (double)start - 1000 && when <= (double)end + 1000,
			      "entry %zu: time %.0f is not in [%lld, %lld] (unix ms)", i, when,
			      (long long)start, (long long)end);
		ck_assert_msg(when >= last_time, "entry %zu is older than the one before", i);
		last_time = when;
		ck_assert_pstr_eq(test_string_member(entry, "client"), "127.0.0.1");
		ck_assert_pstr_eq(test_string_member(entry, "op"), step->op);
		if (step->name)
			ck_assert_pstr_eq(test_string_member(entry, "taskName"), step->name);
		else
			ck_assert(cJSON_IsNull(test_member(entry, "taskName")));
		const cJSON *params = test_member(entry, "params");
		ck_assert_msg(cJSON_IsObject(params), "entry %zu: params is not an object", i);
		ck_assert_pstr_eq(test_string_member(params, "taskName"), step->name);
		if (step->query && strncmp(step->query, "ip=", 3) == 0)
			ck_assert_pstr_eq(test_string_member(params, "ip"), step->query + 3);
		if (step->query && strncmp(step->query, "deleteParams=", 13) == 0)
			ck_assert_pstr_eq(test_string_member(params, "deleteParams"),
					  step->query + 13);
		if (step->body)
			ck_assert_pstr_eq(test_string_member(entry, "body"), step->body);
		else
			ck_assert_msg(cJSON_IsNull(test_member(entry, "body")),
				      "entry %zu: body is not null", i);
		ck_assert_msg(cJSON_IsBool(test_member(entry, "isSuccess")) &&
				      cJSON_IsTrue(test_member(entry, "isSuccess")) ==
					      step->success,
			      "entry %zu: isSuccess", i);
		if (step->success)
			ck_assert(cJSON_IsNull(test_member(entry, "errCode")));
		else
			ck_assert_ptr_nonnull(test_string_member(entry, "errCode"));
		if (step->code)
			ck_assert_pstr_eq(test_string_member(entry, "errCode"), step->code);
		if (step->new_name)
			ck_assert_pstr_eq(test_string_member(entry, "newTaskName"), step->new_name);
		else
			ck_assert(cJSON_IsNull(test_member(entry, "newTaskName")));
	}
	cJSON_Delete(root);

	/* filters; limit keeps the newest, still oldest first */
	char *escaped = test_escape(DOC_STOPPED);
	char query[512];
	snprintf(query, sizeof query, "taskName=%s", escaped);
	root = journal(&d, query);
	static const int by_name[] = {0, 1, 2, 8};
	expect_entries(root, by_name, 4);
	cJSON_Delete(root);

	root = journal(&d, "op=stop");
	static const int by_op[] = {1, 2, 6, 8};
	expect_entries(root, by_op, 4);
	cJSON_Delete(root);

	snprintf(query, sizeof query, "taskName=%s&op=stop&limit=2", escaped);
	root = journal(&d, query);
	static const int by_both[] = {2, 8};
	expect_entries(root, by_both, 2);
	cJSON_Delete(root);

	root = journal(&d, "limit=3");
	static const int newest[] = {6, 7, 8};
	expect_entries(root, newest, 3);
	cJSON_Delete(root);

	root = journal(&d, "op=migrate");
	static const int migrations[] = {5};
	expect_entries(root, migrations, 1);
	cJSON_Delete(root);
	free(escaped);
	test_daemon_down(&d);
}
END_TEST

/* A form body's parameters are journaled with the query's. */
START_TEST(journal_keeps_form_parameters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_response r =
		form_post(&d, "resume", "application/x-www-form-urlencoded", "pullBackFlag=false",
			  "taskName=" DOC_STOPPED "&restartFlag=no");
	expect_success(&r, DOC_STOPPED);
	test_response_free(&r);
	cJSON *root = journal(&d, NULL);
	const cJSON *entries = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(entries), 1);
	const cJSON *params = test_member(cJSON_GetArrayItem(entries, 0), "params");
	ck_assert_pstr_eq(test_string_member(params, "taskName"), DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(params, "pullBackFlag"), "false");
	ck_assert_pstr_eq(test_string_member(params, "restartFlag"), "no");
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(entries, 0), "taskName"),
			  DOC_STOPPED);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static Suite *oms_suite(void)
{
	Suite *suite = suite_create("integration_oms");
	const test_entry plain[] = {
		{"page", page_requests_as_written},
		{"page", page_requests_without_content_length},
		{"page", reference_requests},
		{"rules", failure_changes_nothing},
		{"flags", flag_words},
		{"flags", both_flags_true_is_invalid_argument},
		{"flags", flags_on_the_wrong_component},
		{"flags", restart_flag_resets_progress},
		{"pull_back", pull_back_end_to_end},
		{"pull_back", pull_back_by_client_id},
		{"pull_back", pull_back_refusals},
		{"update", update_delete_params},
		{"update", update_keys_with_dots},
		{"update", update_deletes_before_merge},
		{"update", update_empty_bodies},
		{"update", update_refusals},
		{"update", update_running_is_illegal_state},
		{"form", form_parameters},
		{"migrate", migrate_new_name},
		{"migrate", migrate_sequence_is_padded_and_carries},
		{"migrate", migrate_bad_ip},
		{"migrate", migrate_finished_is_refused},
		{"migrate", migrate_never_reuses_a_sequence},
		{"delete", delete_rules},
		{"task_name", bad_task_names},
		{"task_name", unknown_tasks},
		{"http", unknown_paths},
		{"http", wrong_methods},
		{"http", body_over_the_limit},
		{"error_status", error_status_default_is_200},
		{"error_status", error_status_ok_is_200},
		{"error_status", error_status_mapped},
		{"lenient", strict_repeats_are_illegal_state},
		{"lenient", lenient_repeats_succeed_and_change_nothing},
		{"journal", journal_records_every_request},
		{"journal", journal_keeps_form_parameters},
	};
	test_add_grouped(suite, plain, sizeof plain / sizeof *plain, 30);
	TCase *loops = tcase_create("tables");
	tcase_set_timeout(loops, 30);
	tcase_add_loop_test(loops, state_machine_full_trans, 0, RULE_ROWS);
	tcase_add_loop_test(loops, state_machine_incr_trans, 0, RULE_ROWS / STATES * (STATES - 1));
	tcase_add_loop_test(loops, update_scalars_stored_as_text, 0, SCALAR_VALUES);
	suite_add_tcase(suite, loops);
	return suite;
}

int main(void) { return test_run_suite(oms_suite()); }
