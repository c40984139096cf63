/*
 * integration_double.c — the test-double features over real HTTP against
 * the real binary: fault injection in the OMS pipeline, the journal's
 * filters, count, clear and bound, the virtual clock, namespaces,
 * snapshots and the Prometheus metrics.
 *
 * Every test starts its own daemon(s) on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define INCR_CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"
/* well-formed, but in no fixture: every operation on it is TASK_NOT_FOUND */
#define NOPE "10.0.0.99-9000:connector_v2:p_nope-incr_trans-1-0:0000000001"
#define FIXTURE_TASKS 8

#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1700000000000)

static const char *const five_ops[] = {"resume", "stop", "update", "migrate", "delete"};
enum { FIVE_OPS = sizeof five_ops / sizeof *five_ops };

/* ---- HTTP ------------------------------------------------------------- */

/* One request with a JSON Content-Type when there is a body; asserts that
 * an HTTP answer came back. */
static test_response http(const test_daemon *d, const char *method, const char *path,
			  const char *body)
{
	const char *const json[] = {"Content-Type: application/json", NULL};
	return test_request(d, method, path, body ? json : NULL, body);
}

/* The status of one request; the body is dropped. */
static long http_status(const test_daemon *d, const char *method, const char *path,
			const char *body)
{
	test_response r = http(d, method, path, body);
	long status = r.status;
	test_response_free(&r);
	return status;
}

/* The path of the OMS operation `op` on `name`, under `prefix` ("" or
 * "/ns/NAME"), with `extra` ("a=b&c=d") after the taskName. Caller frees. */
static char *oms_path(const char *prefix, const char *op, const char *name, const char *extra)
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
static int oms_try(const test_daemon *d, const char *prefix, const char *op, const char *name,
		   const char *extra, const char *body, test_response *out)
{
	char *path = oms_path(prefix, op, name, extra);
	const char *const json[] = {"Content-Type: application/json", NULL};
	int rc = test_http(d, "POST", path, body ? json : NULL, body, body ? strlen(body) : 0, out);
	free(path);
	return rc;
}

static test_response oms_ns(const test_daemon *d, const char *prefix, const char *op,
			    const char *name, const char *extra, const char *body)
{
	test_response r;
	int rc = oms_try(d, prefix, op, name, extra, body, &r);
	ck_assert_msg(rc == 0, "%s%s %s got no HTTP answer; %s", prefix, op, name,
		      test_daemon_fate(d));
	return r;
}

/* Sends an OMS request and returns its errCode ("" on success). */
static const char *oms_code(const test_daemon *d, const char *prefix, const char *op,
			    const char *name, const char *extra, const char *body)
{
	static char code[80];
	test_response r = oms_ns(d, prefix, op, name, extra, body);
	bool ok = test_envelope_ok(&r, code, sizeof code);
	ck_assert_msg(ok || code[0], "%s %s: neither success nor an errCode: %ld %s", op, name,
		      r.status, r.body);
	test_response_free(&r);
	return code;
}

/* A request whose transport outcome matters (a dropped connection): the
 * CURLcode, the status (0 without an answer), the body, the time taken. */
typedef struct {
	CURLcode rc;
	long status;
	char *body;
	size_t body_len;
	int64_t ms;
	char content_type[128];
} raw_result;

static size_t raw_sink(char *data, size_t size, size_t count, void *user)
{
	raw_result *out = user;
	return test_append(&out->body, &out->body_len, data, size * count, SIZE_MAX);
}

static raw_result raw_post(const test_daemon *d, const char *path)
{
	raw_result out = {.body = calloc(1, 1)};
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

static raw_result raw_oms(const test_daemon *d, const char *prefix, const char *op,
			  const char *name, const char *extra)
{
	char *path = oms_path(prefix, op, name, extra);
	raw_result r = raw_post(d, path);
	free(path);
	return r;
}

/* Whether a transfer ended with the connection closed and no answer. */
static bool closed_without_answer(const raw_result *r)
{
	return (r->rc == CURLE_GOT_NOTHING || r->rc == CURLE_RECV_ERROR) && r->status == 0;
}

/* ---- JSON ------------------------------------------------------------- */

static bool is_null_member(const cJSON *object, const char *key)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(object, key));
}

static int64_t int_member(const cJSON *object, const char *key)
{
	return (int64_t)test_number_member(object, key);
}

/* ---- the control API --------------------------------------------------- */

static void pathf(char *out, size_t cap, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void pathf(char *out, size_t cap, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int n = vsnprintf(out, cap, format, args);
	va_end(args);
	ck_assert_msg(n >= 0 && (size_t)n < cap, "a path was cut");
}

/* POST {prefix}/_mock/faults; returns the new id (201 required). */
static int64_t add_fault(const test_daemon *d, const char *prefix, const char *body)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/faults", prefix);
	cJSON *root = test_json_call(d, "POST", path, body, 201);
	int64_t id = int_member(root, "id");
	ck_assert_msg(id > 0, "fault id %lld", (long long)id);
	cJSON_Delete(root);
	return id;
}

/* The fault `id` of {prefix}/_mock/faults, as a detached object. */
static cJSON *fault_entry(const test_daemon *d, const char *prefix, int64_t id)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/faults", prefix);
	cJSON *root = test_get_json(d, path);
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root, "faults");
	ck_assert_msg(cJSON_IsArray(faults), "no faults array");
	cJSON *found = NULL;
	const cJSON *item;
	cJSON_ArrayForEach(item, faults)
	{
		if (int_member(item, "id") == id)
			found = cJSON_Duplicate(item, 1);
	}
	cJSON_Delete(root);
	ck_assert_msg(found != NULL, "fault %lld is not listed", (long long)id);
	return found;
}

static int fault_count(const test_daemon *d, const char *prefix)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/faults", prefix);
	cJSON *root = test_get_json(d, path);
	int count = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "faults"));
	cJSON_Delete(root);
	return count;
}

/* POST {prefix}/_mock/clock with `body`; 200 required; returns "now". */
static int64_t clock_post(const test_daemon *d, const char *prefix, const char *body)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/clock", prefix);
	cJSON *root = test_json_call(d, "POST", path, body, 200);
	int64_t now = int_member(root, "now");
	cJSON_Delete(root);
	return now;
}

static int64_t clock_now(const test_daemon *d, const char *prefix, bool *frozen)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/clock", prefix);
	cJSON *root = test_get_json(d, path);
	int64_t now = int_member(root, "now");
	const cJSON *flag = cJSON_GetObjectItemCaseSensitive(root, "frozen");
	ck_assert_msg(cJSON_IsBool(flag), "clock has no boolean \"frozen\"");
	if (frozen)
		*frozen = cJSON_IsTrue(flag);
	cJSON_Delete(root);
	return now;
}

/* GET {prefix}/_mock/journal[?query]: the whole answer (owned). */
static cJSON *journal_get(const test_daemon *d, const char *prefix, const char *query)
{
	char path[4096];
	pathf(path, sizeof path, "%s/_mock/journal%s%s", prefix, query && *query ? "?" : "",
	      query ? query : "");
	cJSON *root = test_get_json(d, path);
	ck_assert_msg(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "entries")),
		      "no entries array");
	return root;
}

static const cJSON *entries_of(const cJSON *root)
{
	return cJSON_GetObjectItemCaseSensitive(root, "entries");
}

static int64_t journal_count(const test_daemon *d, const char *prefix, const char *query)
{
	char path[4096];
	pathf(path, sizeof path, "%s/_mock/journal/count%s%s", prefix, query && *query ? "?" : "",
	      query ? query : "");
	cJSON *root = test_get_json(d, path);
	int64_t count = int_member(root, "count");
	cJSON_Delete(root);
	return count;
}

/* GET {prefix}/_mock/tasks/{name}: the task (owned), or NULL when absent. */
static cJSON *task_get(const test_daemon *d, const char *prefix, const char *name)
{
	char *escaped = test_escape(name);
	char path[1024];
	pathf(path, sizeof path, "%s/_mock/tasks/%s", prefix, escaped);
	free(escaped);
	test_response r = http(d, "GET", path, NULL);
	ck_assert_msg(r.status == 200 || r.status == 404, "GET %s: %ld %s", path, r.status, r.body);
	cJSON *task = r.status == 200 ? test_response_json(&r) : NULL;
	ck_assert_msg(r.status != 200 || task, "task %s is not JSON", name);
	test_response_free(&r);
	return task;
}

/* The task's state, or "" when it is absent. */
static const char *state_in(const test_daemon *d, const char *prefix, const char *name)
{
	static char state[32];
	cJSON *task = task_get(d, prefix, name);
	const char *value = task ? test_string_member(task, "state") : "";
	snprintf(state, sizeof state, "%s", value ? value : "?");
	cJSON_Delete(task);
	return state;
}

/* GET {prefix}/_mock/tasks as text, to compare before and after. */
static char *all_tasks_text(const test_daemon *d, const char *prefix)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/tasks", prefix);
	return test_get_text(d, path);
}

static void create_task(const test_daemon *d, const char *prefix, const char *name,
			const char *state)
{
	char path[256], spec[1024];
	pathf(path, sizeof path, "%s/_mock/tasks", prefix);
	snprintf(spec, sizeof spec,
		 "{\"taskName\":\"%s\",\"state\":\"%s\",\"config\":{\"source\":{\"username\":\"u\"}"
		 "}}",
		 name, state);
	cJSON_Delete(test_json_call(d, "POST", path, spec, 201));
}

/* ======================================================================
 * 1. Faults
 * ====================================================================== */

/* Each action on a stop of the RUNNING doc task: what the client sees,
 * whether the stop was applied, and what the journal says. */
typedef struct {
	const char *name;
	const char *action;
	bool answered;		  /* an HTTP answer came back */
	long status;		  /* when answered */
	const char *err_code;	  /* envelope errCode when answered with an envelope */
	const char *raw_body;	  /* exact raw body (a status answer), or NULL */
	bool retryable;		  /* envelope retryable (error answers) */
	bool applied;		  /* the task is STOPPED afterwards */
	int64_t min_ms;		  /* the answer (or the close) takes at least this */
	const char *journal_code; /* the journal's errCode; NULL: don't check */
	long journal_status;	  /* the journal's httpStatus; -1: don't check */
} action_row;

static const action_row action_rows[] = {
	{"error",
	 "{\"type\":\"error\",\"errCode\":\"SERVICE_BUSY\",\"errMsg\":\"busy now\","
	 "\"retryable\":true,\"httpStatus\":503}",
	 true, 503, "SERVICE_BUSY", NULL, true, false, 0, "SERVICE_BUSY", 503},
	{"error defaults", "{\"type\":\"error\"}", true, 200, "INJECTED_FAULT", NULL, false, false,
	 0, "INJECTED_FAULT", 200},
	{"status", "{\"type\":\"status\",\"httpStatus\":502,\"body\":\"upstream gone\"}", true, 502,
	 NULL, "upstream gone", false, false, 0, "HTTP_STATUS", 502},
	{"status defaults", "{\"type\":\"status\"}", true, 503, NULL, "", false, false, 0,
	 "HTTP_STATUS", 503},
	{"delay", "{\"type\":\"delay\",\"ms\":300}", true, 200, "", NULL, false, true, 300, "",
	 200},
	{"drop", "{\"type\":\"drop\"}", false, 0, NULL, NULL, false, false, 0, "DROPPED", -1},
	{"hang", "{\"type\":\"hang\",\"ms\":400}", false, 0, NULL, NULL, false, false, 400,
	 "DROPPED", -1},
	{"lost_ack", "{\"type\":\"lost_ack\"}", false, 0, NULL, NULL, false, true, 0, NULL, -1},
	{"lost_ack then drop", "{\"type\":\"lost_ack\",\"then\":\"drop\"}", false, 0, NULL, NULL,
	 false, true, 0, NULL, -1},
	{"lost_ack then error",
	 "{\"type\":\"lost_ack\",\"then\":\"error\",\"errCode\":\"TIMEOUT\","
	 "\"errMsg\":\"timed out\",\"retryable\":true,\"httpStatus\":504}",
	 true, 504, "TIMEOUT", NULL, true, true, 0, NULL, -1},
	{"lost_ack then status",
	 "{\"type\":\"lost_ack\",\"then\":\"status\",\"httpStatus\":500,"
	 "\"body\":\"oops\"}",
	 true, 500, NULL, "oops", false, true, 0, NULL, -1},
};
enum { ACTION_ROWS = sizeof action_rows / sizeof *action_rows };

START_TEST(fault_actions)
{
	const action_row *row = &action_rows[_i];
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[1024];
	snprintf(spec, sizeof spec, "{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":%s}",
		 DOC_RUNNING, row->action);
	add_fault(&d, "", spec);
	char *before = all_tasks_text(&d, "");

	raw_result r = raw_oms(&d, "", "stop", DOC_RUNNING, NULL);
	if (row->answered) {
		ck_assert_msg(r.rc == CURLE_OK, "[%s] no answer: %s", row->name,
			      curl_easy_strerror(r.rc));
		ck_assert_msg(r.status == row->status, "[%s] status %ld, want %ld: %s", row->name,
			      r.status, row->status, r.body);
		if (row->raw_body) {
			ck_assert_msg(strcmp(r.body, row->raw_body) == 0,
				      "[%s] body \"%s\", want \"%s\"", row->name, r.body,
				      row->raw_body);
		} else {
			cJSON *root = cJSON_Parse(r.body);
			ck_assert_msg(root != NULL, "[%s] not JSON: %s", row->name, r.body);
			test_assert_envelope_keys(root, r.body);
			if (*row->err_code) {
				ck_assert_pstr_eq(test_string_member(root, "errCode"),
						  row->err_code);
				ck_assert(cJSON_IsFalse(
					cJSON_GetObjectItemCaseSensitive(root, "isSuccess")));
				ck_assert(is_null_member(root, "result"));
				ck_assert_msg(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(
						      root, "retryable")) &&
						      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
							      root, "retryable")) == row->retryable,
					      "[%s] retryable: %s", row->name, r.body);
				ck_assert_msg(test_string_member(root, "errMsg") &&
						      *test_string_member(root, "errMsg"),
					      "[%s] no errMsg", row->name);
				const cJSON *detail =
					cJSON_GetObjectItemCaseSensitive(root, "errorDetail");
				ck_assert_pstr_eq(test_string_member(detail, "code"),
						  row->err_code);
				if (strcmp(row->err_code, "SERVICE_BUSY") == 0)
					ck_assert_pstr_eq(test_string_member(root, "errMsg"),
							  "busy now");
				if (strcmp(row->err_code, "TIMEOUT") == 0)
					ck_assert_pstr_eq(test_string_member(root, "errMsg"),
							  "timed out");
			} else {
				ck_assert(cJSON_IsTrue(
					cJSON_GetObjectItemCaseSensitive(root, "isSuccess")));
				ck_assert_pstr_eq(test_string_member(root, "result"), DOC_RUNNING);
			}
			cJSON_Delete(root);
		}
	} else {
		ck_assert_msg(
			closed_without_answer(&r),
			"[%s] want the connection closed without an answer, got %s, status %ld",
			row->name, curl_easy_strerror(r.rc), r.status);
	}
	ck_assert_msg(r.ms >= row->min_ms - 20, "[%s] took %lld ms, want >= %lld", row->name,
		      (long long)r.ms, (long long)row->min_ms);
	free(r.body);

	/* applied or not: the task's state, and nothing else changed when not */
	ck_assert_msg(strcmp(state_in(&d, "", DOC_RUNNING), row->applied ? "STOPPED" : "RUNNING") ==
			      0,
		      "[%s] state %s after the fault", row->name, state_in(&d, "", DOC_RUNNING));
	if (!row->applied) {
		char *after = all_tasks_text(&d, "");
		ck_assert_msg(strcmp(before, after) == 0, "[%s] the tasks changed", row->name);
		free(after);
	}
	free(before);

	/* the journal: exactly one record of it, marked with the fault's type */
	char type[32];
	const char *type_start = strstr(row->action, "\"type\":\"") + 8;
	snprintf(type, sizeof type, "%.*s", (int)(strchr(type_start, '"') - type_start),
		 type_start);
	cJSON *journal = journal_get(&d, "", "op=stop");
	ck_assert_msg(cJSON_GetArraySize(entries_of(journal)) == 1,
		      "[%s] the journal has %d stop records, want 1 (an injected outcome must be "
		      "recorded, as every request to an OMS route)",
		      row->name, cJSON_GetArraySize(entries_of(journal)));
	const cJSON *entry = cJSON_GetArrayItem(entries_of(journal), 0);
	ck_assert_pstr_eq(test_string_member(entry, "injected"), type);
	ck_assert_pstr_eq(test_string_member(entry, "taskName"), DOC_RUNNING);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess")) ==
			      row->applied,
		      "[%s] journal isSuccess disagrees with the applied change", row->name);
	if (row->applied) {
		ck_assert_pstr_eq(test_string_member(entry, "fromState"), "RUNNING");
		ck_assert_pstr_eq(test_string_member(entry, "toState"), "STOPPED");
	}
	if (row->journal_code && *row->journal_code)
		ck_assert_pstr_eq(test_string_member(entry, "errCode"), row->journal_code);
	if (row->journal_code && !*row->journal_code)
		ck_assert(is_null_member(entry, "errCode"));
	if (row->journal_status >= 0)
		ck_assert_int_eq(int_member(entry, "httpStatus"), row->journal_status);
	cJSON_Delete(journal);

	/* times defaults to 1: the next stop is the real one */
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL),
			 row->applied ? "ILLEGAL_STATE" : "");
	cJSON *listed = fault_entry(&d, "", 1);
	ck_assert_int_eq(int_member(listed, "hits"), 1);
	ck_assert_int_eq(int_member(listed, "matches"), 2);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(listed, "exhausted")));
	cJSON_Delete(listed);
	test_daemon_down(&d);
}
END_TEST

/* The required scenario: the stop is applied, the client sees the
 * connection drop, retries, meets ILLEGAL_STATE; one applied stop. */
START_TEST(lost_ack_then_retry_meets_illegal_state)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	add_fault(&d, "", "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\"}}");

	raw_result first = raw_oms(&d, "", "stop", DOC_RUNNING, NULL);
	ck_assert_msg(closed_without_answer(&first), "the first stop was answered: %s %ld %s",
		      curl_easy_strerror(first.rc), first.status, first.body);
	free(first.body);
	/* the client retries, as a client that lost its answer does */
	test_response retry = oms_ns(&d, "", "stop", DOC_RUNNING, NULL, NULL);
	char code[64];
	ck_assert(!test_envelope_ok(&retry, code, sizeof code));
	ck_assert_str_eq(code, "ILLEGAL_STATE");
	test_response_free(&retry);
	ck_assert_str_eq(state_in(&d, "", DOC_RUNNING), "STOPPED");

	char *name = test_escape(DOC_RUNNING);
	char query[512];
	snprintf(query, sizeof query, "op=stop&taskName=%s", name);
	cJSON *journal = journal_get(&d, "", query);
	const cJSON *entries = entries_of(journal);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 2);
	const cJSON *applied = cJSON_GetArrayItem(entries, 0);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(applied, "isSuccess")));
	ck_assert_pstr_eq(test_string_member(applied, "injected"), "lost_ack");
	ck_assert_pstr_eq(test_string_member(applied, "fromState"), "RUNNING");
	ck_assert_pstr_eq(test_string_member(applied, "toState"), "STOPPED");
	const cJSON *refused = cJSON_GetArrayItem(entries, 1);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(refused, "isSuccess")));
	ck_assert_pstr_eq(test_string_member(refused, "errCode"), "ILLEGAL_STATE");
	ck_assert(is_null_member(refused, "injected"));
	cJSON_Delete(journal);
	snprintf(query, sizeof query, "op=stop&success=true&taskName=%s", name);
	ck_assert_int_eq(journal_count(&d, "", query), 1);
	free(name);
	test_daemon_down(&d);
}
END_TEST

/* A delay holds its own request only: 20 others finish fast meanwhile. */
typedef struct {
	const test_daemon *d;
	atomic_bool done;
	int rc;
	int64_t ms;
	char code[64];
	bool ok;
} delayed_call;

static void *delayed_stop(void *arg)
{
	delayed_call *call = arg;
	test_response r;
	int64_t started = test_monotonic_ms();
	call->rc = oms_try(call->d, "", "stop", DOC_RUNNING, NULL, NULL, &r);
	call->ms = test_monotonic_ms() - started;
	if (call->rc == 0)
		call->ok = test_envelope_ok(&r, call->code, sizeof call->code);
	test_response_free(&r);
	atomic_store(&call->done, true);
	return NULL;
}

START_TEST(delay_does_not_block_other_requests)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(
		spec, sizeof spec,
		"{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":{\"type\":\"delay\",\"ms\":1500}}",
		DOC_RUNNING);
	add_fault(&d, "", spec);
	delayed_call call = {.d = &d};
	atomic_init(&call.done, false);
	pthread_t thread;
	ck_assert_int_eq(pthread_create(&thread, NULL, delayed_stop, &call), 0);
	test_sleep_ms(150); /* the delayed request is in flight */

	int64_t started = test_monotonic_ms(), slowest = 0;
	for (int i = 0; i < 20; i++) {
		int64_t t = test_monotonic_ms();
		if (i % 2) {
			ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL),
					 "TASK_NOT_FOUND");
		} else {
			ck_assert_int_eq(http_status(&d, "GET", "/_mock/health", NULL), 200);
		}
		if (test_monotonic_ms() - t > slowest)
			slowest = test_monotonic_ms() - t;
	}
	int64_t total = test_monotonic_ms() - started;
	bool delayed_done_early = atomic_load(&call.done);
	pthread_join(thread, NULL);

	ck_assert_msg(!delayed_done_early, "the delayed request finished before the 20 others");
	ck_assert_msg(total < 1000, "20 requests took %lld ms beside a delayed one",
		      (long long)total);
	ck_assert_msg(slowest < 500, "the slowest of 20 requests took %lld ms", (long long)slowest);
	ck_assert_int_eq(call.rc, 0);
	ck_assert_msg(call.ok, "the delayed stop failed: %s", call.code);
	ck_assert_msg(call.ms >= 1480 && call.ms < 5000, "the delayed stop took %lld ms",
		      (long long)call.ms);
	ck_assert_str_eq(state_in(&d, "", DOC_RUNNING), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

/* after / times / probability on one fault: the sequence of outcomes of
 * stops on a task that does not exist ('I' injected, 'N' the real
 * TASK_NOT_FOUND). */
static const struct {
	const char *fields; /* after "op","taskName", before "action" */
	const char *pattern;
} count_rows[] = {
	{"", "INNN"},
	{"\"after\":2,\"times\":3,", "NNIIINN"},
	{"\"after\":1,\"times\":-1,", "NIIIII"},
	{"\"times\":2,", "IIN"},
	{"\"probability\":0,\"times\":-1,", "NNNN"},
	{"\"probability\":1,\"times\":-1,\"after\":0,", "IIII"},
	{"\"after\":3,", "NNNIN"},
};
enum { COUNT_ROWS = sizeof count_rows / sizeof *count_rows };

START_TEST(fault_after_and_times)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	const char *pattern = count_rows[_i].pattern;
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",%s\"action\":{\"type\":\"error\","
		 "\"errCode\":\"COUNTED\"}}",
		 NOPE, count_rows[_i].fields);
	int64_t id = add_fault(&d, "", spec);
	char seen[16] = "";
	size_t n = strlen(pattern);
	for (size_t i = 0; i < n; i++) {
		const char *code = oms_code(&d, "", "stop", NOPE, NULL, NULL);
		ck_assert_msg(strcmp(code, "COUNTED") == 0 || strcmp(code, "TASK_NOT_FOUND") == 0,
			      "unexpected errCode %s", code);
		seen[i] = strcmp(code, "COUNTED") == 0 ? 'I' : 'N';
	}
	ck_assert_msg(strcmp(seen, pattern) == 0, "fault %s: saw %s, want %s", spec, seen, pattern);
	int hits = 0;
	for (size_t i = 0; i < n; i++)
		hits += pattern[i] == 'I';
	cJSON *fault = fault_entry(&d, "", id);
	ck_assert_int_eq(int_member(fault, "matches"), (int64_t)n);
	ck_assert_int_eq(int_member(fault, "hits"), hits);
	int64_t times = int_member(fault, "times");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fault, "exhausted")) ==
		  (times >= 0 && hits >= times));
	cJSON_Delete(fault);
	/* the journal marks exactly the injected ones */
	ck_assert_int_eq(journal_count(&d, "", "errCode=COUNTED"), hits);
	cJSON *journal = journal_get(&d, "", "op=stop");
	int i = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries_of(journal))
	{
		ck_assert_msg(i < (int)n, "more journal entries than requests");
		if (pattern[i] == 'I')
			ck_assert_pstr_eq(test_string_member(entry, "injected"), "error");
		else
			ck_assert(is_null_member(entry, "injected"));
		i++;
	}
	ck_assert_int_eq(i, (int)n);
	cJSON_Delete(journal);
	test_daemon_down(&d);
}
END_TEST

START_TEST(fault_first_match_wins_and_filters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* op "*" on one task: every operation on it, no other task */
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"*\",\"taskName\":\"%s\",\"times\":-1,\"action\":{\"type\":\"error\","
		 "\"errCode\":\"STAR\"}}",
		 DOC_STOPPED);
	int64_t star = add_fault(&d, "", spec);
	for (int i = 0; i < FIVE_OPS; i++)
		ck_assert_msg(
			strcmp(oms_code(&d, "", five_ops[i], DOC_STOPPED, NULL, NULL), "STAR") == 0,
			"%s on the filtered task was not injected", five_ops[i]);
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_STOPPED2, NULL, NULL), "ILLEGAL_STATE");
	ck_assert_str_eq(oms_code(&d, "", "resume", DOC_STOPPED2, NULL, NULL), "");
	cJSON *fault = fault_entry(&d, "", star);
	ck_assert_int_eq(int_member(fault, "matches"), FIVE_OPS);
	ck_assert_int_eq(int_member(fault, "hits"), FIVE_OPS);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(fault, "exhausted")));
	cJSON_Delete(fault);
	ck_assert_str_eq(state_in(&d, "", DOC_STOPPED), "STOPPED"); /* nothing applied */

	/* DELETE one: it no longer fires; a second DELETE is 404 */
	char path[64];
	pathf(path, sizeof path, "/_mock/faults/%lld", (long long)star);
	ck_assert_int_eq(http_status(&d, "DELETE", path, NULL), 200);
	ck_assert_int_eq(http_status(&d, "DELETE", path, NULL), 404);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/faults/abc", NULL), 404);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/faults/999", NULL), 404);
	ck_assert_str_eq(oms_code(&d, "", "resume", DOC_STOPPED, NULL, NULL), "");

	/* an op filter: a stop fault leaves a resume alone */
	int64_t first = add_fault(&d, "",
				  "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				  "\"errCode\":\"FIRST\"}}");
	int64_t second = add_fault(&d, "",
				   "{\"op\":\"*\",\"action\":{\"type\":\"error\","
				   "\"errCode\":\"SECOND\"}}");
	ck_assert_msg(first > star && second > first, "fault ids must increase");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "FIRST");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "SECOND");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(fault_count(&d, ""), 2);

	/* DELETE all; ids are not reused afterwards */
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/faults", NULL), 200);
	ck_assert_int_eq(fault_count(&d, ""), 0);
	int64_t later = add_fault(&d, "", "{\"op\":\"delete\",\"action\":{\"type\":\"drop\"}}");
	ck_assert_msg(later > second, "id %lld reused after a clear", (long long)later);
	cJSON *listed = fault_entry(&d, "", later);
	ck_assert_pstr_eq(test_string_member(listed, "op"), "delete");
	ck_assert(is_null_member(listed, "taskName"));
	ck_assert_int_eq(int_member(listed, "after"), 0);
	ck_assert_int_eq(int_member(listed, "times"), 1);
	ck_assert(test_number_member(listed, "probability") == 1.0);
	ck_assert(is_null_member(listed, "ttlMs"));
	ck_assert_pstr_eq(
		test_string_member(cJSON_GetObjectItemCaseSensitive(listed, "action"), "type"),
		"drop");
	cJSON_Delete(listed);
	test_daemon_down(&d);
}
END_TEST

/* Runs the 100-request sequence against a fresh daemon with a 30% fault
 * seeded with `seed`: 'S' success, 'I' injected, 'X' another error. */
static void seeded_run(unsigned long long seed, char out[101], int64_t *hits)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"*\",\"taskName\":\"%s\",\"times\":-1,\"probability\":0.3,\"seed\":%llu,"
		 "\"action\":{\"type\":\"error\"}}",
		 DOC_RUNNING, seed);
	int64_t id = add_fault(&d, "", spec);
	for (int i = 0; i < 100; i++) {
		const char *code =
			oms_code(&d, "", i % 2 ? "resume" : "stop", DOC_RUNNING, NULL, NULL);
		out[i] = !*code ? 'S' : strcmp(code, "INJECTED_FAULT") == 0 ? 'I' : 'X';
	}
	out[100] = '\0';
	cJSON *fault = fault_entry(&d, "", id);
	*hits = int_member(fault, "hits");
	ck_assert_int_eq(int_member(fault, "matches"), 100);
	ck_assert_int_eq((int64_t)test_number_member(fault, "seed"), (int64_t)seed);
	cJSON_Delete(fault);
	ck_assert_int_eq(journal_count(&d, "", "errCode=INJECTED_FAULT"), *hits);
	test_daemon_down(&d);
}

START_TEST(seeded_fault_is_reproducible)
{
	char first[101], second[101], other[101];
	int64_t hits1, hits2, hits3;
	seeded_run(424242, first, &hits1);
	seeded_run(424242, second, &hits2);
	ck_assert_msg(strcmp(first, second) == 0, "two runs differ:\n%s\n%s", first, second);
	ck_assert_int_eq(hits1, hits2);
	int injected = 0;
	for (int i = 0; i < 100; i++)
		injected += first[i] == 'I';
	ck_assert_int_eq(injected, hits1);
	ck_assert_msg(hits1 >= 15 && hits1 <= 45, "a 30%% fault fired %lld times in 100",
		      (long long)hits1);
	seeded_run(424243, other, &hits3);
	ck_assert_msg(strcmp(first, other) != 0, "another seed gave the same sequence");
}
END_TEST

START_TEST(fault_ttl_follows_the_virtual_clock)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	int64_t now = clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	ck_assert_int_eq(now, T0);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",\"times\":-1,\"ttlMs\":60000,"
		 "\"action\":{\"type\":\"error\",\"errCode\":\"TTL\"}}",
		 NOPE);
	int64_t id = add_fault(&d, "", spec);
	cJSON *fault = fault_entry(&d, "", id);
	ck_assert_int_eq(int_member(fault, "createdAt"), T0);
	ck_assert_int_eq(int_member(fault, "expiresAt"), T0 + 60000);
	ck_assert_int_eq(int_member(fault, "ttlMs"), 60000);
	cJSON_Delete(fault);

	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TTL");
	test_sleep_ms(50); /* real time does not age it while the clock stands */
	clock_post(&d, "", "{\"advanceMs\":59999}");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TTL");
	clock_post(&d, "", "{\"advanceMs\":1}");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	fault = fault_entry(&d, "", id);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fault, "expired")));
	ck_assert_int_eq(int_member(fault, "hits"), 2);
	cJSON_Delete(fault);

	/* on a running clock too: advancing past the TTL ends it */
	clock_post(&d, "", "{\"freeze\":false}");
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"times\":-1,\"ttlMs\":3600000,"
		 "\"action\":{\"type\":\"error\",\"errCode\":\"HOUR\"}}");
	add_fault(&d, "", spec);
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "HOUR");
	clock_post(&d, "", "{\"advanceMs\":3600001}");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_fault_bodies[] = {
	"",
	"not json",
	"[]",
	"{}",
	"{\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\"}",
	"{\"op\":\"jump\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"STOP\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"explode\"}}",
	"{\"op\":\"stop\",\"action\":{}}",
	"{\"op\":\"stop\",\"action\":\"drop\"}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"delay\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"delay\",\"ms\":600001}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"delay\",\"ms\":-1}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"hang\",\"ms\":1.5}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"drop\",\"ms\":5}}",
	"{\"op\":\"stop\",\"probability\":1.5,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"probability\":-0.1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"times\":0,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"times\":-2,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"after\":-1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"after\":\"1\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"seed\":-1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"ttlMs\":0,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"taskName\":\"not a task\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"bogus\":1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"op\":\"resume\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}} trailing",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"with space\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"httpStatus\":99}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"httpStatus\":600}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"retryable\":\"yes\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"body\":5}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"delay\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"hang\",\"ms\":5}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\",\"errCode\":\"X\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errMsg\":\"a\\u0000b\"}}",
};
enum { BAD_FAULT_BODIES = sizeof bad_fault_bodies / sizeof *bad_fault_bodies };

START_TEST(bad_fault_bodies_are_refused)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	for (int i = 0; i < BAD_FAULT_BODIES; i++) {
		test_response r = http(&d, "POST", "/_mock/faults", bad_fault_bodies[i]);
		ck_assert_msg(r.status == 400, "fault body %s: want 400, got %ld %s",
			      bad_fault_bodies[i], r.status, r.body);
		cJSON *root = test_response_json(&r);
		ck_assert_msg(
			test_string_member(root, "message") && *test_string_member(root, "message"),
			"fault body %s: the 400 gives no reason: %s", bad_fault_bodies[i], r.body);
		cJSON_Delete(root);
		test_response_free(&r);
	}
	ck_assert_int_eq(fault_count(&d, ""), 0);
	ck_assert_int_eq(http_status(&d, "PUT", "/_mock/faults", "{}"), 405);
	/* and a good one still works, with the first id */
	ck_assert_int_eq(add_fault(&d, "", "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}"), 1);
	test_daemon_down(&d);
}
END_TEST

/* A taskName-filtered fault sees the taskName wherever the OMS route reads
 * it: the query string or a form body (CONTRACT 2: "a body of
 * application/x-www-form-urlencoded is read as further parameters"). */
START_TEST(fault_matches_a_form_body_task_name)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":{\"type\":\"error\","
		 "\"errCode\":\"FORM_FAULT\"}}",
		 DOC_RUNNING);
	int64_t id = add_fault(&d, "", spec);
	char *escaped = test_escape(DOC_RUNNING);
	char form[512];
	snprintf(form, sizeof form, "taskName=%s", escaped);
	free(escaped);
	const char *const form_type[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	test_response r;
	ck_assert_int_eq(
		test_http(&d, "POST", "/connector/task/v2/stop", form_type, form, strlen(form), &r),
		0);
	char code[64];
	bool ok = test_envelope_ok(&r, code, sizeof code);
	test_response_free(&r);
	cJSON *fault = fault_entry(&d, "", id);
	int64_t matches = int_member(fault, "matches");
	cJSON_Delete(fault);
	ck_assert_msg(!ok && strcmp(code, "FORM_FAULT") == 0,
		      "POST stop with taskName in a form body, fault filtered on that taskName: "
		      "want errCode FORM_FAULT and nothing applied; got %s (fault matches=%lld, "
		      "task now %s)",
		      ok ? "success" : code, (long long)matches, state_in(&d, "", DOC_RUNNING));
	ck_assert_str_eq(state_in(&d, "", DOC_RUNNING), "RUNNING");
	cJSON *journal = journal_get(&d, "", "op=stop");
	const cJSON *entry = cJSON_GetArrayItem(entries_of(journal), 0);
	ck_assert_pstr_eq(test_string_member(entry, "taskName"), DOC_RUNNING);
	ck_assert_pstr_eq(test_string_member(entry, "injected"), "error");
	cJSON_Delete(journal);
	test_daemon_down(&d);
}
END_TEST

/* A lost acknowledgement of a migrate: the retry on the old name learns
 * where the task went. */
START_TEST(lost_ack_on_migrate_then_retry)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	add_fault(&d, "",
		  "{\"op\":\"migrate\",\"action\":{\"type\":\"lost_ack\",\"then\":\"error\","
		  "\"errCode\":\"GATEWAY_TIMEOUT\",\"retryable\":true,\"httpStatus\":504}}");
	const char *moved = "10.2.2.2-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002";
	test_response r = oms_ns(&d, "", "migrate", DOC_STOPPED, "ip=10.2.2.2", NULL);
	ck_assert_int_eq(r.status, 504);
	char code[64];
	ck_assert(!test_envelope_ok(&r, code, sizeof code));
	ck_assert_str_eq(code, "GATEWAY_TIMEOUT");
	test_response_free(&r);
	ck_assert_str_eq(state_in(&d, "", moved), "STOPPED");
	ck_assert_str_eq(state_in(&d, "", DOC_STOPPED), "");

	r = oms_ns(&d, "", "migrate", DOC_STOPPED, "ip=10.2.2.2", NULL);
	cJSON *root = test_response_json(&r);
	ck_assert_pstr_eq(test_string_member(root, "errCode"), "TASK_NOT_FOUND");
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "errorDetail"), "extraContext");
	ck_assert_pstr_eq(test_string_member(extra, "migratedTo"), moved);
	cJSON_Delete(root);
	test_response_free(&r);

	cJSON *journal = journal_get(&d, "", "op=migrate&success=true");
	ck_assert_int_eq(cJSON_GetArraySize(entries_of(journal)), 1);
	const cJSON *entry = cJSON_GetArrayItem(entries_of(journal), 0);
	ck_assert_pstr_eq(test_string_member(entry, "newTaskName"), moved);
	ck_assert_pstr_eq(test_string_member(entry, "injected"), "lost_ack");
	cJSON_Delete(journal);
	ck_assert_int_eq(journal_count(&d, "", "op=migrate"), 2);
	test_daemon_down(&d);
}
END_TEST

/* SIGTERM with a 30 s delay and a 30 s hang in flight: the daemon stops at
 * once and cleanly; the delayed operation is answered and durable, the
 * hung connection is closed. */
typedef struct {
	const test_daemon *d;
	raw_result result;
} raw_call;

static void *raw_stop_call(void *arg)
{
	raw_call *call = arg;
	call->result = raw_oms(call->d, "", "stop", DOC_RUNNING, NULL);
	return NULL;
}

static void *raw_stop_other_call(void *arg)
{
	raw_call *call = arg;
	call->result = raw_oms(
		call->d, "", "stop",
		"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001", NULL);
	return NULL;
}

START_TEST(sigterm_ends_delays_and_hangs)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":{\"type\":\"delay\",\"ms\":30000}"
		 "}",
		 DOC_RUNNING);
	add_fault(&d, "", spec);
	add_fault(&d, "",
		  "{\"op\":\"stop\",\"taskName\":\"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-"
		  "incr_trans-1-0:0000000001\",\"action\":{\"type\":\"hang\",\"ms\":30000}}");
	raw_call delayed = {.d = &d}, hung = {.d = &d};
	pthread_t t1, t2;
	ck_assert_int_eq(pthread_create(&t1, NULL, raw_stop_call, &delayed), 0);
	ck_assert_int_eq(pthread_create(&t2, NULL, raw_stop_other_call, &hung), 0);
	test_sleep_ms(300);
	int64_t started = test_monotonic_ms();
	test_daemon_down_keep(&d);
	int64_t took = test_monotonic_ms() - started;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ck_assert_msg(took < 4000, "the daemon took %lld ms to stop", (long long)took);
	ck_assert_msg(delayed.result.rc == CURLE_OK && delayed.result.status == 200,
		      "the delayed stop: %s %ld", curl_easy_strerror(delayed.result.rc),
		      delayed.result.status);
	ck_assert_msg(strstr(delayed.result.body, "\"isSuccess\":true") != NULL, "%s",
		      delayed.result.body);
	ck_assert(closed_without_answer(&hung.result));
	free(delayed.result.body);
	free(hung.result.body);

	test_daemon again, copy = d;
	test_daemon_up(&again, NULL, &copy);
	ck_assert_str_eq(state_in(&again, "", DOC_RUNNING), "STOPPED");
	ck_assert_str_eq(
		state_in(&again, "",
			 "10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001"),
		"RUNNING");
	ck_assert_int_eq(fault_count(&again, ""), 0); /* faults live in memory only */
	test_daemon_down(&again);
}
END_TEST

/* ======================================================================
 * 2. The journal
 * ====================================================================== */

/* The requests of the filter test, one virtual second apart from T0. */
static const struct {
	const char *op;
	const char *task;
	const char *extra;
	const char *body;
	const char *code; /* the expected errCode, "" for success */
} journal_script[] = {
	{"stop", DOC_RUNNING, NULL, NULL, ""},				       /* 0 */
	{"stop", DOC_RUNNING, NULL, NULL, "ILLEGAL_STATE"},		       /* 1 */
	{"resume", DOC_RUNNING, NULL, NULL, ""},			       /* 2 */
	{"resume", INCR_CREATED, NULL, NULL, "UNSUPPORTED_OPERATION"},	       /* 3 */
	{"stop", NOPE, NULL, NULL, "TASK_NOT_FOUND"},			       /* 4 */
	{"update", DOC_STOPPED, NULL, "{\"sink\":{\"workerNum\":\"4\"}}", ""}, /* 5 */
	{"migrate", DOC_STOPPED, "ip=10.0.0.99", NULL, ""},		       /* 6 */
};
enum { JOURNAL_SCRIPT = sizeof journal_script / sizeof *journal_script };

static void run_journal_script(const test_daemon *d)
{
	clock_post(d, "", "{\"set\":1700000000000,\"freeze\":true}");
	for (int i = 0; i < JOURNAL_SCRIPT; i++) {
		if (i)
			clock_post(d, "", "{\"advanceMs\":1000}");
		const char *code = oms_code(d, "", journal_script[i].op, journal_script[i].task,
					    journal_script[i].extra, journal_script[i].body);
		ck_assert_msg(strcmp(code, journal_script[i].code) == 0,
			      "script step %d: %s, want %s", i, code, journal_script[i].code);
	}
}

#define RUNNING_Q                                                                                  \
	"taskName=xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493p%2A%2A%2A%2A-incr_trans-1-0%"        \
	"3A0000000001"

/* A filter and the script steps it selects, oldest first. */
static const struct {
	const char *query;
	const char *steps; /* digits of journal_script indexes */
	int count;	   /* what /journal/count says: the limit does not apply */
} filter_rows[] = {
	{"", "0123456", 7},
	{RUNNING_Q, "012", 3},
	{"op=stop", "014", 3},
	{"op=resume", "23", 2},
	{"success=true", "0256", 4},
	{"success=false", "134", 3},
	{"success=no", "134", 3},
	{"errCode=ILLEGAL_STATE", "1", 1},
	{"errCode=NO_SUCH_CODE", "", 0},
	{"since=1700000002000", "23456", 5},
	{"until=1700000002000", "012", 3},
	{"since=1700000001000&until=1700000003000", "123", 3},
	{"since=1700000009000", "", 0},
	{"limit=2", "56", 7},
	{"limit=100000", "0123456", 7},
	{"op=stop&success=false", "14", 2},
	{RUNNING_Q "&limit=1", "2", 3},
	{"op=migrate&since=1700000006000&until=1700000006000", "6", 1},
	{"taskName=&op=", "0123456", 7},
};
enum { FILTER_ROWS = sizeof filter_rows / sizeof *filter_rows };

START_TEST(journal_filters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	run_journal_script(&d);
	for (int row = 0; row < FILTER_ROWS; row++) {
		const char *query = filter_rows[row].query;
		const char *steps = filter_rows[row].steps;
		cJSON *root = journal_get(&d, "", query);
		const cJSON *entries = entries_of(root);
		char seen[16] = "";
		int n = 0;
		const cJSON *entry;
		cJSON_ArrayForEach(entry, entries)
		{
			int64_t step = (int_member(entry, "time") - T0) / 1000;
			ck_assert_msg(n < 15 && step >= 0 && step < JOURNAL_SCRIPT,
				      "?%s: an entry at an unexpected time", query);
			seen[n++] = (char)('0' + step);
		}
		ck_assert_msg(strcmp(seen, steps) == 0, "?%s: got steps \"%s\", want \"%s\"", query,
			      seen, steps);
		cJSON_Delete(root);
		/* the count agrees with the list (the count ignores limit) */
		int64_t count = journal_count(&d, "", query);
		ck_assert_msg(count == filter_rows[row].count, "count?%s = %lld, want %d", query,
			      (long long)count, filter_rows[row].count);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(journal_entry_fields)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	run_journal_script(&d);
	static const char *const keys[] = {"id",       "time",	    "op",	  "taskName",
					   "params",   "body",	    "httpStatus", "isSuccess",
					   "errCode",  "fromState", "toState",	  "newTaskName",
					   "injected", "client"};
	cJSON *root = journal_get(&d, "", "");
	const cJSON *entries = entries_of(root);
	ck_assert_int_eq(cJSON_GetArraySize(entries), JOURNAL_SCRIPT);
	int64_t last_id = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
			ck_assert_msg(cJSON_GetObjectItemCaseSensitive(entry, keys[k]) != NULL,
				      "a journal entry has no \"%s\"", keys[k]);
		ck_assert_msg(int_member(entry, "id") > last_id, "ids do not increase");
		last_id = int_member(entry, "id");
		ck_assert_pstr_eq(test_string_member(entry, "client"), "127.0.0.1");
		ck_assert(is_null_member(entry, "injected"));
		ck_assert(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(entry, "params")));
	}
	/* the migrate */
	const cJSON *migrate = cJSON_GetArrayItem(entries, 6);
	ck_assert_pstr_eq(test_string_member(migrate, "op"), "migrate");
	ck_assert_pstr_eq(test_string_member(migrate, "taskName"), DOC_STOPPED);
	ck_assert_int_eq(int_member(migrate, "time"), T0 + 6000);
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(migrate, "params");
	ck_assert_pstr_eq(test_string_member(params, "taskName"), DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(params, "ip"), "10.0.0.99");
	ck_assert(is_null_member(migrate, "body"));
	ck_assert_int_eq(int_member(migrate, "httpStatus"), 200);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(migrate, "isSuccess")));
	ck_assert(is_null_member(migrate, "errCode"));
	ck_assert_pstr_eq(test_string_member(migrate, "fromState"), "STOPPED");
	ck_assert_pstr_eq(test_string_member(migrate, "toState"), "STOPPED");
	ck_assert_pstr_eq(test_string_member(migrate, "newTaskName"),
			  "10.0.0.99-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002");
	/* the update keeps its body */
	const cJSON *update = cJSON_GetArrayItem(entries, 5);
	ck_assert_pstr_eq(test_string_member(update, "body"), "{\"sink\":{\"workerNum\":\"4\"}}");
	ck_assert(is_null_member(update, "newTaskName"));
	/* a refusal */
	const cJSON *refused = cJSON_GetArrayItem(entries, 1);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(refused, "isSuccess")));
	ck_assert_pstr_eq(test_string_member(refused, "errCode"), "ILLEGAL_STATE");
	ck_assert_pstr_eq(test_string_member(refused, "fromState"), "STOPPED");
	ck_assert_int_eq(int_member(refused, "httpStatus"), 200);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_journal_queries[] = {
	"success=maybe",   "since=abc",	      "until=-5", "since=1.5", "limit=0",
	"limit=100001",	   "limit=ten",	      "op=jump",  "op=STOP",   "taskName=a&taskName=b",
	"op=stop&op=stop", "limit=1&limit=2",
};
enum { BAD_JOURNAL_QUERIES = sizeof bad_journal_queries / sizeof *bad_journal_queries };

START_TEST(journal_bad_filters_and_clear)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	for (int i = 0; i < BAD_JOURNAL_QUERIES; i++) {
		char path[256];
		pathf(path, sizeof path, "/_mock/journal?%s", bad_journal_queries[i]);
		ck_assert_msg(http_status(&d, "GET", path, NULL) == 400, "%s is not a 400", path);
		pathf(path, sizeof path, "/_mock/journal/count?%s", bad_journal_queries[i]);
		ck_assert_msg(http_status(&d, "GET", path, NULL) == 400, "%s is not a 400", path);
	}
	for (int i = 0; i < 5; i++)
		oms_code(&d, "", "stop", NOPE, NULL, NULL);
	oms_code(&d, "/ns/other", "stop", NOPE, NULL, NULL);
	ck_assert_int_eq(journal_count(&d, "", ""), 5);
	cJSON *root = journal_get(&d, "", "");
	int64_t last_id = int_member(cJSON_GetArrayItem(entries_of(root), 4), "id");
	cJSON_Delete(root);

	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/journal", NULL), 200);
	ck_assert_int_eq(journal_count(&d, "", ""), 0);
	root = journal_get(&d, "", "");
	ck_assert_int_eq(cJSON_GetArraySize(entries_of(root)), 0);
	cJSON_Delete(root);
	ck_assert_int_eq(journal_count(&d, "/ns/other", ""),
			 1); /* another namespace keeps its own */
	/* recording goes on after a clear */
	oms_code(&d, "", "resume", NOPE, NULL, NULL);
	root = journal_get(&d, "", "");
	ck_assert_int_eq(cJSON_GetArraySize(entries_of(root)), 1);
	const cJSON *entry = cJSON_GetArrayItem(entries_of(root), 0);
	ck_assert_pstr_eq(test_string_member(entry, "op"), "resume");
	ck_assert_msg(int_member(entry, "id") >= 1, "a journal id below 1");
	(void)last_id; /* ids are dense per namespace: they start again after a clear */
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static void nope_name(char *out, size_t cap, int i)
{
	snprintf(out, cap, "10.0.0.1-9000:connector_v2:p_bound-incr_trans-1-0:%010d", i + 1);
}

START_TEST(journal_max_entries_bound)
{
	test_daemon d;
	const char *const args[] = {"--journal-max-entries", "10", NULL};
	test_daemon_up(&d, args, NULL);
	enum { REQUESTS = 300 };
	char name[128];
	for (int i = 0; i < REQUESTS; i++) {
		nope_name(name, sizeof name, i);
		ck_assert_str_eq(oms_code(&d, "", "stop", name, NULL, NULL), "TASK_NOT_FOUND");
	}
	int64_t count = journal_count(&d, "", "");
	ck_assert_msg(count >= 10 && count <= 10 + 64,
		      "the journal holds %lld entries, bound 10 (+64)", (long long)count);
	cJSON *root = journal_get(&d, "", "limit=100000");
	const cJSON *entries = entries_of(root);
	ck_assert_int_eq(cJSON_GetArraySize(entries), count);
	/* the newest are kept, in order, with no gap */
	int k = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		nope_name(name, sizeof name, REQUESTS - (int)count + k);
		ck_assert_pstr_eq(test_string_member(entry, "taskName"), name);
		k++;
	}
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

/* The bound is per namespace: two namespaces written in turn each stay
 * within it. */
START_TEST(journal_max_entries_per_namespace)
{
	test_daemon d;
	const char *const args[] = {"--journal-max-entries", "10", NULL};
	test_daemon_up(&d, args, NULL);
	char name[128];
	for (int i = 0; i < 150; i++) {
		nope_name(name, sizeof name, i);
		oms_code(&d, "/ns/left", "stop", name, NULL, NULL);
		oms_code(&d, "/ns/right", "stop", name, NULL, NULL);
	}
	int64_t left = journal_count(&d, "/ns/left", "");
	int64_t right = journal_count(&d, "/ns/right", "");
	ck_assert_msg(left <= 74 && right <= 74,
		      "--journal-max-entries 10 with two namespaces written in turn (150 each): "
		      "left holds %lld, right holds %lld entries; want each <= 10 + 64",
		      (long long)left, (long long)right);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * 3. The virtual clock
 * ====================================================================== */

START_TEST(clock_freeze_set_advance_resume)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	bool frozen = true;
	int64_t now = clock_now(&d, "", &frozen);
	ck_assert(!frozen);
	ck_assert_msg(llabs(now - test_realtime_ms()) < 5000,
		      "a fresh clock is %lld ms off real time",
		      (long long)(now - test_realtime_ms()));

	/* freeze: it stands still */
	int64_t at = clock_post(&d, "", "{\"freeze\":true}");
	test_sleep_ms(100);
	ck_assert_int_eq(clock_now(&d, "", &frozen), at);
	ck_assert(frozen);
	test_sleep_ms(100);
	ck_assert_int_eq(clock_now(&d, "", NULL), at);

	/* set and advance, exactly, while frozen */
	ck_assert_int_eq(clock_post(&d, "", "{\"set\":1700000000000}"), T0);
	ck_assert_int_eq(clock_post(&d, "", "{\"advanceMs\":5000}"), T0 + 5000);
	ck_assert_int_eq(clock_post(&d, "", "{\"advanceMs\":0}"), T0 + 5000);
	ck_assert_int_eq(clock_now(&d, "", NULL), T0 + 5000);
	ck_assert_int_eq(clock_post(&d, "", "{\"set\":1000,\"advanceMs\":5}"), 1005);

	/* unfreeze: it runs on from the frozen instant, not from real time */
	clock_post(&d, "", "{\"set\":1700000000000}");
	int64_t resumed = clock_post(&d, "", "{\"freeze\":false}");
	ck_assert_msg(resumed >= T0 && resumed < T0 + 1000, "resumed at %lld, frozen at %lld",
		      (long long)resumed, (long long)T0);
	test_sleep_ms(150);
	now = clock_now(&d, "", &frozen);
	ck_assert(!frozen);
	ck_assert_msg(now >= T0 + 140 && now < T0 + 2000,
		      "150 ms after resuming at T0 it reads T0%+lld", (long long)(now - T0));

	/* set while running: runs on from there */
	now = clock_post(&d, "", "{\"set\":1800000000000}");
	ck_assert_msg(now >= INT64_C(1800000000000) && now < INT64_C(1800000001000),
		      "set gave %lld", (long long)now);
	/* advance while running */
	int64_t before = clock_now(&d, "", NULL);
	now = clock_post(&d, "", "{\"advanceMs\":3600000}");
	ck_assert_msg(now >= before + 3600000 && now < before + 3601000, "advance gave %+lld",
		      (long long)(now - before));
	/* freeze and set together */
	ck_assert_int_eq(clock_post(&d, "", "{\"freeze\":true,\"set\":42}"), 42);
	ck_assert_int_eq(clock_now(&d, "", &frozen), 42);
	ck_assert(frozen);
	test_daemon_down(&d);
}
END_TEST

START_TEST(clock_stamps_journal_and_tasks)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	cJSON *task = task_get(&d, "", DOC_RUNNING);
	ck_assert_int_eq(int_member(task, "updatedAt"), T0);
	cJSON_Delete(task);
	cJSON *root = journal_get(&d, "", "");
	ck_assert_int_eq(int_member(cJSON_GetArrayItem(entries_of(root), 0), "time"), T0);
	cJSON_Delete(root);

	clock_post(&d, "", "{\"advanceMs\":2500}");
	const char *name = "10.5.5.5-9000:connector_v2:p_clock-incr_trans-1-0:0000000001";
	create_task(&d, "", name, "STOPPED");
	task = task_get(&d, "", name);
	ck_assert_int_eq(int_member(task, "createdAt"), T0 + 2500);
	ck_assert_int_eq(int_member(task, "updatedAt"), T0 + 2500);
	cJSON_Delete(task);
	clock_post(&d, "", "{\"advanceMs\":500}");
	ck_assert_str_eq(oms_code(&d, "", "resume", name, NULL, NULL), "");
	task = task_get(&d, "", name);
	ck_assert_int_eq(int_member(task, "createdAt"), T0 + 2500);
	ck_assert_int_eq(int_member(task, "updatedAt"), T0 + 3000);
	cJSON_Delete(task);
	root = journal_get(&d, "", "op=resume");
	ck_assert_int_eq(int_member(cJSON_GetArrayItem(entries_of(root), 0), "time"), T0 + 3000);
	cJSON_Delete(root);
	/* an injected answer is stamped too */
	add_fault(&d, "", "{\"op\":\"delete\",\"action\":{\"type\":\"error\"}}");
	clock_post(&d, "", "{\"advanceMs\":1}");
	ck_assert_str_eq(oms_code(&d, "", "delete", name, NULL, NULL), "INJECTED_FAULT");
	root = journal_get(&d, "", "op=delete");
	ck_assert_int_eq(int_member(cJSON_GetArrayItem(entries_of(root), 0), "time"), T0 + 3001);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_clock_bodies[] = {
	"",
	"not json",
	"{}",
	"[]",
	"\"freeze\"",
	"{\"set\":-1}",
	"{\"set\":1.5}",
	"{\"set\":\"1700000000000\"}",
	"{\"set\":null}",
	"{\"set\":1e300}",
	"{\"advanceMs\":-5}",
	"{\"advanceMs\":true}",
	"{\"freeze\":1}",
	"{\"freeze\":\"true\"}",
	"{\"freeze\":null}",
	"{\"bogus\":1}",
	"{\"set\":1,\"set\":2}",
	"{\"set\":5,\"bogus\":2}",
	"{\"freeze\":false,\"advanceMs\":-1}",
};
enum { BAD_CLOCK_BODIES = sizeof bad_clock_bodies / sizeof *bad_clock_bodies };

START_TEST(clock_bad_bodies)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	for (int i = 0; i < BAD_CLOCK_BODIES; i++) {
		test_response r = http(&d, "POST", "/_mock/clock", bad_clock_bodies[i]);
		ck_assert_msg(r.status == 400, "clock body %s: want 400, got %ld %s",
			      bad_clock_bodies[i], r.status, r.body);
		test_response_free(&r);
		bool frozen = false;
		ck_assert_msg(clock_now(&d, "", &frozen) == T0 && frozen,
			      "clock body %s changed the clock", bad_clock_bodies[i]);
	}
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/clock", NULL), 405);
	test_daemon_down(&d);
}
END_TEST

/* The required scenario of the retention. */
START_TEST(frozen_clock_advanced_8_days_purges_7_day_audit)
{
	test_daemon d;
	const char *const args[] = {"--audit-retention", "7d", NULL};
	test_daemon_up(&d, args, NULL);
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(oms_code(&d, "", "resume", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(journal_count(&d, "", ""), 3);

	int64_t frozen_at = clock_post(&d, "", "{\"freeze\":true}");
	int64_t later = clock_post(&d, "", "{\"advanceMs\":691200000}"); /* 8 days */
	ck_assert_int_eq(later, frozen_at + 8 * DAY_MS);
	ck_assert_str_eq(oms_code(&d, "", "update", DOC_STOPPED, NULL, "{\"sink\":{\"a\":\"b\"}}"),
			 "");
	cJSON *root = journal_get(&d, "", "");
	const cJSON *entries = entries_of(root);
	ck_assert_msg(cJSON_GetArraySize(entries) == 1, "%d records remain, want only the new one",
		      cJSON_GetArraySize(entries));
	const cJSON *entry = cJSON_GetArrayItem(entries, 0);
	ck_assert_pstr_eq(test_string_member(entry, "op"), "update");
	ck_assert_pstr_eq(test_string_member(entry, "taskName"), DOC_STOPPED);
	ck_assert_int_eq(int_member(entry, "time"), later);
	cJSON_Delete(root);
	ck_assert_int_eq(journal_count(&d, "", ""), 1);
	test_daemon_down(&d);
}
END_TEST

/* Records younger than the retention stay. */
START_TEST(retention_keeps_younger_records)
{
	test_daemon d;
	const char *const args[] = {"--audit-retention", "7d", NULL};
	test_daemon_up(&d, args, NULL);
	clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	clock_post(&d, "", "{\"advanceMs\":518400000}"); /* 6 days */
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(journal_count(&d, "", ""), 2);
	clock_post(&d, "", "{\"advanceMs\":172800000}"); /* 8 days after the first */
	ck_assert_str_eq(oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(journal_count(&d, "", ""), 2);
	ck_assert_int_eq(journal_count(&d, "", "since=1700000000001"), 2);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * 4. Namespaces
 * ====================================================================== */

static bool listed_namespace(const test_daemon *d, const char *name, int64_t *tasks,
			     int64_t *snapshots)
{
	cJSON *root = test_get_json(d, "/_mock/namespaces");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "namespaces");
	ck_assert(cJSON_IsArray(list));
	bool found = false;
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		if (test_string_member(item, "name") &&
		    strcmp(test_string_member(item, "name"), name) == 0) {
			found = true;
			if (tasks)
				*tasks = int_member(item, "tasks");
			if (snapshots)
				*snapshots = int_member(item, "snapshots");
		}
	}
	cJSON_Delete(root);
	return found;
}

static int task_count(const test_daemon *d, const char *prefix)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/tasks", prefix);
	cJSON *root = test_get_json(d, path);
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "tasks"));
	cJSON_Delete(root);
	return n;
}

START_TEST(namespace_routes_are_isolated)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* OMS routes under /ns/a change a's copy only */
	ck_assert_str_eq(oms_code(&d, "/ns/a", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(state_in(&d, "/ns/a", DOC_RUNNING), "STOPPED");
	ck_assert_str_eq(state_in(&d, "", DOC_RUNNING), "RUNNING");
	ck_assert_str_eq(state_in(&d, "/ns/b", DOC_RUNNING), "RUNNING");
	ck_assert_int_eq(journal_count(&d, "/ns/a", ""), 1);
	ck_assert_int_eq(journal_count(&d, "", ""), 0);
	ck_assert_int_eq(journal_count(&d, "/ns/b", ""), 0);

	/* every control route answers under /ns/{name} */
	char *escaped = test_escape(DOC_STOPPED);
	char task_route[512], fail_route[512];
	pathf(task_route, sizeof task_route, "/ns/a/_mock/tasks/%s", escaped);
	pathf(fail_route, sizeof fail_route, "/ns/a/_mock/tasks/%s/fail", escaped);
	free(escaped);
	const struct {
		const char *method, *path, *body;
		long status;
	} routes[] = {
		{"GET", "/ns/a/_mock/health", NULL, 200},
		{"GET", "/ns/a/_mock/tasks", NULL, 200},
		{"GET", task_route, NULL, 200},
		{"POST", fail_route, "{\"message\":\"disk full\"}", 200},
		{"GET", "/ns/a/_mock/journal", NULL, 200},
		{"GET", "/ns/a/_mock/journal/count", NULL, 200},
		{"GET", "/ns/a/_mock/clock", NULL, 200},
		{"POST", "/ns/a/_mock/clock", "{\"set\":1700000000000,\"freeze\":true}", 200},
		{"POST", "/ns/a/_mock/faults", "{\"op\":\"delete\",\"action\":{\"type\":\"drop\"}}",
		 201},
		{"GET", "/ns/a/_mock/faults", NULL, 200},
		{"POST", "/ns/a/_mock/snapshots", "{\"name\":\"one\"}", 201},
		{"GET", "/ns/a/_mock/snapshots", NULL, 200},
		{"GET", "/ns/a/_mock/metrics", NULL, 200},
		{"GET", "/ns/a/_mock/namespaces", NULL, 200},
		{"GET", "/ns/a/_mock/nothing", NULL, 404},
		{"POST", "/ns/a/connector/task/v2/nothing", NULL, 404},
	};
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		long status = http_status(&d, routes[i].method, routes[i].path, routes[i].body);
		ck_assert_msg(status == routes[i].status, "%s %s: %ld, want %ld", routes[i].method,
			      routes[i].path, status, routes[i].status);
	}
	/* ... and their effects stayed in a */
	ck_assert_str_eq(state_in(&d, "/ns/a", DOC_STOPPED), "ABNORMAL");
	ck_assert_str_eq(state_in(&d, "", DOC_STOPPED), "STOPPED");
	bool frozen = true;
	ck_assert_int_eq(clock_now(&d, "/ns/a", NULL), T0);
	ck_assert_msg(clock_now(&d, "", &frozen) > T0 + DAY_MS && !frozen,
		      "the default clock moved with a's");
	ck_assert_int_eq(fault_count(&d, "/ns/a"), 1);
	ck_assert_int_eq(fault_count(&d, ""), 0);
	ck_assert_str_eq(oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL),
			 ""); /* no drop here */
	cJSON *snaps = test_get_json(&d, "/_mock/snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snaps, "snapshots")),
			 0);
	cJSON_Delete(snaps);
	cJSON *health = test_get_json(&d, "/ns/a/_mock/health");
	ck_assert_pstr_eq(test_string_member(health, "namespace"), "a");
	cJSON_Delete(health);

	/* /ns/default is the plain paths' namespace */
	char *plain = all_tasks_text(&d, "");
	char *named = all_tasks_text(&d, "/ns/default");
	ck_assert_str_eq(plain, named);
	free(plain);
	free(named);
	ck_assert_str_eq(oms_code(&d, "/ns/default", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(state_in(&d, "", DOC_RUNNING), "STOPPED");
	ck_assert_str_eq(oms_code(&d, "", "resume", DOC_RUNNING, NULL, NULL), "");

	/* POST /ns/a/_mock/reset reseeds a only */
	ck_assert_int_eq(http_status(&d, "POST", "/ns/a/_mock/reset", NULL), 200);
	ck_assert_str_eq(state_in(&d, "/ns/a", DOC_RUNNING), "RUNNING");
	ck_assert_str_eq(state_in(&d, "/ns/a", DOC_STOPPED), "STOPPED");
	ck_assert_str_eq(state_in(&d, "", DOC_STOPPED), ""); /* still deleted in default */
	test_daemon_down(&d);
}
END_TEST

START_TEST(namespace_seeded_listed_deleted_recreated)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* default changes; a new namespace still starts from the fixtures */
	ck_assert_str_eq(oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	ck_assert_int_eq(task_count(&d, "/ns/gone"), FIXTURE_TASKS);
	ck_assert_str_eq(state_in(&d, "/ns/gone", DOC_STOPPED), "STOPPED");

	ck_assert_str_eq(oms_code(&d, "/ns/gone", "stop", DOC_RUNNING, NULL, NULL), "");
	create_task(&d, "/ns/gone", "10.7.7.7-9000:connector_v2:p_gone-incr_trans-1-0:0000000001",
		    "STOPPED");
	cJSON_Delete(
		test_json_call(&d, "POST", "/ns/gone/_mock/snapshots", "{\"name\":\"s\"}", 201));
	clock_post(&d, "/ns/gone", "{\"set\":5000,\"freeze\":true}");
	add_fault(&d, "/ns/gone", "{\"op\":\"*\",\"times\":-1,\"action\":{\"type\":\"error\"}}");

	int64_t tasks = 0, snapshots = 0;
	ck_assert(listed_namespace(&d, "gone", &tasks, &snapshots));
	ck_assert_int_eq(tasks, FIXTURE_TASKS + 1);
	ck_assert_int_eq(snapshots, 1);
	ck_assert(listed_namespace(&d, "default", &tasks, NULL));
	ck_assert_int_eq(tasks, FIXTURE_TASKS - 1);

	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/namespaces/gone", NULL), 200);
	ck_assert(!listed_namespace(&d, "gone", NULL, NULL));
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/namespaces/gone", NULL), 404);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/namespaces/never-used", NULL), 404);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/namespaces/bad!name", NULL), 400);

	/* used again: fresh, from the fixtures, with nothing of before */
	ck_assert_int_eq(task_count(&d, "/ns/gone"), FIXTURE_TASKS);
	ck_assert_str_eq(state_in(&d, "/ns/gone", DOC_RUNNING), "RUNNING");
	ck_assert_int_eq(journal_count(&d, "/ns/gone", ""), 0);
	cJSON *snaps = test_get_json(&d, "/ns/gone/_mock/snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snaps, "snapshots")),
			 0);
	cJSON_Delete(snaps);
	ck_assert_int_eq(fault_count(&d, "/ns/gone"), 0);
	bool frozen = true;
	ck_assert_msg(llabs(clock_now(&d, "/ns/gone", &frozen) - test_realtime_ms()) < 5000 &&
			      !frozen,
		      "a re-created namespace kept its old clock");
	ck_assert_str_eq(oms_code(&d, "/ns/gone", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert(listed_namespace(&d, "gone", NULL, NULL));
	/* default untouched throughout */
	ck_assert_int_eq(task_count(&d, ""), FIXTURE_TASKS - 1);
	test_daemon_down(&d);
}
END_TEST

START_TEST(namespace_invalid_names)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char long_name[128], long_ok[128];
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	memset(long_ok, 'b', 64);
	long_ok[64] = '\0';
	char path[512];
	const char *const bad[] = {
		"/ns/bad!name/_mock/health",
		"/ns/bad.name/_mock/tasks",
		"/ns/bad%20name/_mock/health",
		"/ns/bad%21name/_mock/health",
		"/ns//_mock/health",
		"/ns/abc",
		"/ns/",
		"/ns/bad!name/connector/task/v2/stop?taskName=" NOPE,
		"/ns/bad:name/_mock/journal",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *method = strstr(bad[i], "connector") ? "POST" : "GET";
		long status = http_status(&d, method, bad[i], NULL);
		ck_assert_msg(status == 404, "%s %s: %ld, want 404", method, bad[i], status);
	}
	pathf(path, sizeof path, "/ns/%s/_mock/health", long_name);
	ck_assert_int_eq(http_status(&d, "GET", path, NULL), 404);
	pathf(path, sizeof path, "/ns/%s/_mock/tasks", long_ok);
	ck_assert_int_eq(http_status(&d, "GET", path, NULL), 200);
	ck_assert(listed_namespace(&d, long_ok, NULL, NULL));
	ck_assert(!listed_namespace(&d, "bad!name", NULL, NULL));
	ck_assert(!listed_namespace(&d, "bad", NULL, NULL));
	ck_assert_int_eq(journal_count(&d, "", ""), 0); /* a refused OMS path is not journaled */
	test_daemon_down(&d);
}
END_TEST

/* A namespace first used through its faults and clock (README: "created
 * on first use") is one namespace: DELETE removes its faults and clock. */
START_TEST(namespace_used_only_by_faults_and_clock_is_deletable)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	add_fault(&d, "/ns/ghost", "{\"op\":\"*\",\"times\":-1,\"action\":{\"type\":\"error\"}}");
	clock_post(&d, "/ns/ghost", "{\"set\":5,\"freeze\":true}");
	bool listed = listed_namespace(&d, "ghost", NULL, NULL);
	long status = http_status(&d, "DELETE", "/_mock/namespaces/ghost", NULL);
	int faults = fault_count(&d, "/ns/ghost");
	bool frozen = false;
	int64_t now = clock_now(&d, "/ns/ghost", &frozen);
	ck_assert_msg(
		status == 200 && faults == 0 && !frozen,
		"namespace used only via POST /ns/ghost/_mock/faults and /_mock/clock: listed=%s; "
		"DELETE /_mock/namespaces/ghost -> %ld; afterwards %d fault(s) and clock "
		"now=%lld frozen=%s (want 200, 0 faults, a real-time clock)",
		listed ? "yes" : "no", status, faults, (long long)now, frozen ? "true" : "false");
	/* and the fault no longer fires on the namespace's OMS routes */
	ck_assert_str_eq(oms_code(&d, "/ns/ghost", "stop", DOC_RUNNING, NULL, NULL), "");
	test_daemon_down(&d);
}
END_TEST

/* The required scenario: two threads, two namespaces, no crossing. */
typedef struct {
	const test_daemon *d;
	pthread_barrier_t *start;
	const char *tag;  /* "thrA" / "thrB" */
	const char *code; /* its fault's errCode */
	const char *other_tag;
	int octet;     /* 10.<octet>.*.* */
	int64_t clock; /* its frozen clock */
	const char *own_fault_task;
	const char *other_fault_task;
	char prefix[32];
	char failure[512];
	int oms_requests;
	int probes;
} iso_worker;

static void iso_fail(iso_worker *w, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void iso_fail(iso_worker *w, const char *format, ...)
{
	if (w->failure[0])
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(w->failure, sizeof w->failure, format, args);
	va_end(args);
}

/* An OMS request in the worker's namespace; its errCode, or NULL. */
static const char *iso_oms(iso_worker *w, const char *op, const char *name, const char *extra,
			   const char *body, char *result, size_t result_cap)
{
	static _Thread_local char code[80];
	test_response r;
	if (oms_try(w->d, w->prefix, op, name, extra, body, &r) < 0) {
		iso_fail(w, "%s %s: no answer", op, name);
		test_response_free(&r);
		return NULL;
	}
	w->oms_requests++;
	bool ok = test_envelope_ok(&r, code, sizeof code);
	if (ok && result) {
		cJSON *root = test_response_json(&r);
		const char *value = test_string_member(root, "result");
		snprintf(result, result_cap, "%s", value ? value : "");
		cJSON_Delete(root);
	}
	test_response_free(&r);
	return ok ? "" : code;
}

static long iso_control(iso_worker *w, const char *method, const char *route, const char *body,
			char **answer)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", w->prefix, route);
	test_response r;
	const char *const json[] = {"Content-Type: application/json", NULL};
	long status = -1;
	if (test_http(w->d, method, path, body ? json : NULL, body, body ? strlen(body) : 0, &r) ==
	    0)
		status = r.status;
	if (answer)
		*answer = r.body ? strdup(r.body) : NULL;
	test_response_free(&r);
	return status;
}

static void iso_expect(iso_worker *w, const char *what, const char *got, const char *want)
{
	if (got && strcmp(got, want) != 0)
		iso_fail(w, "%s: got \"%s\", want \"%s\"", what, got, want);
}

static void *iso_run(void *arg)
{
	iso_worker *w = arg;
	snprintf(w->prefix, sizeof w->prefix, "/ns/%s", w->tag);
	pthread_barrier_wait(w->start);
	char body[1024], name[128], moved[256], label[320];
	snprintf(body, sizeof body, "{\"set\":%lld,\"freeze\":true}", (long long)w->clock);
	if (iso_control(w, "POST", "/_mock/clock", body, NULL) != 200)
		iso_fail(w, "cannot set the clock");
	snprintf(body, sizeof body,
		 "{\"op\":\"*\",\"taskName\":\"%s\",\"times\":-1,\"action\":{\"type\":\"error\","
		 "\"errCode\":\"%s\"}}",
		 w->own_fault_task, w->code);
	if (iso_control(w, "POST", "/_mock/faults", body, NULL) != 201)
		iso_fail(w, "cannot add the fault");
	enum { TASKS = 40 };
	for (int i = 0; i < TASKS && !w->failure[0]; i++) {
		snprintf(name, sizeof name,
			 "10.%d.0.%d-9000:connector_v2:p_%s_%d-incr_trans-1-0:0000000001", w->octet,
			 i + 1, w->tag, i);
		snprintf(body, sizeof body,
			 "{\"taskName\":\"%s\",\"state\":\"STOPPED\",\"config\":{\"source\":{"
			 "\"username\":\"%s\"}}}",
			 name, w->tag);
		if (iso_control(w, "POST", "/_mock/tasks", body, NULL) != 201)
			iso_fail(w, "cannot create %s", name);
	}
	for (int i = 0; i < TASKS && !w->failure[0]; i++) {
		snprintf(name, sizeof name,
			 "10.%d.0.%d-9000:connector_v2:p_%s_%d-incr_trans-1-0:0000000001", w->octet,
			 i + 1, w->tag, i);
		snprintf(label, sizeof label, "resume %s", name);
		iso_expect(w, label, iso_oms(w, "resume", name, NULL, NULL, NULL, 0), "");
		snprintf(label, sizeof label, "stop %s", name);
		iso_expect(w, label, iso_oms(w, "stop", name, NULL, NULL, NULL, 0), "");
		snprintf(body, sizeof body, "{\"sink\":{\"owner\":\"%s\",\"i\":\"%d\"}}", w->tag,
			 i);
		snprintf(label, sizeof label, "update %s", name);
		iso_expect(w, label, iso_oms(w, "update", name, NULL, body, NULL, 0), "");
		char ip[64];
		snprintf(ip, sizeof ip, "ip=10.%d.1.%d", w->octet, i + 1);
		moved[0] = '\0';
		snprintf(label, sizeof label, "migrate %s", name);
		iso_expect(w, label, iso_oms(w, "migrate", name, ip, NULL, moved, sizeof moved),
			   "");
		char want[160];
		snprintf(want, sizeof want,
			 "10.%d.1.%d-9000:connector_v2:p_%s_%d-incr_trans-1-0:0000000002", w->octet,
			 i + 1, w->tag, i);
		iso_expect(w, "the migrated name", moved, want);
		if (i % 2 == 0) {
			snprintf(label, sizeof label, "delete %s", want);
			iso_expect(w, label, iso_oms(w, "delete", want, NULL, NULL, NULL, 0), "");
		}
		if (i % 8 == 0) {
			iso_expect(w, "a stop on its own faulted task",
				   iso_oms(w, "stop", w->own_fault_task, NULL, NULL, NULL, 0),
				   w->code);
			/* the other namespace's fault must not fire here */
			iso_expect(w, "a stop on the task faulted in the other namespace",
				   iso_oms(w, "stop", w->other_fault_task, NULL, NULL, NULL, 0),
				   "ILLEGAL_STATE");
			w->probes++;
		}
	}
	return NULL;
}

/* After both threads: what each namespace holds is its own only. */
static void iso_check(const test_daemon *d, const iso_worker *w)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/tasks", w->prefix);
	cJSON *root = test_get_json(d, path);
	const cJSON *task;
	int own = 0, total = 0;
	cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
	{
		const char *name = test_string_member(task, "taskName");
		ck_assert_msg(name && !strstr(name, w->other_tag),
			      "namespace %s holds %s's task %s", w->tag, w->other_tag, name);
		if (strstr(name, w->tag)) {
			own++;
			ck_assert_msg(strstr(name, ":0000000002") != NULL, "%s: unmigrated %s",
				      w->tag, name);
		}
		total++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(own, 20);
	ck_assert_int_eq(total, FIXTURE_TASKS + 20);

	/* the journal: exactly its own requests, all at its own frozen instant */
	ck_assert_int_eq(journal_count(d, w->prefix, ""), w->oms_requests);
	root = journal_get(d, w->prefix, "limit=100000");
	ck_assert_int_eq(cJSON_GetArraySize(entries_of(root)), w->oms_requests);
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries_of(root))
	{
		const char *name = test_string_member(entry, "taskName");
		ck_assert_msg(name && (strstr(name, w->tag) ||
				       strcmp(name, w->own_fault_task) == 0 ||
				       strcmp(name, w->other_fault_task) == 0),
			      "namespace %s journals %s", w->tag, name ? name : "null");
		ck_assert_msg(int_member(entry, "time") == w->clock,
			      "namespace %s journals a time %lld, its clock stands at %lld", w->tag,
			      (long long)int_member(entry, "time"), (long long)w->clock);
	}
	cJSON_Delete(root);
	bool frozen = false;
	ck_assert_int_eq(clock_now(d, w->prefix, &frozen), w->clock);
	ck_assert(frozen);
	ck_assert_int_eq(fault_count(d, w->prefix), 1);
	cJSON *fault = fault_entry(d, w->prefix, 1);
	ck_assert_int_eq(int_member(fault, "hits"), w->probes);
	ck_assert_pstr_eq(
		test_string_member(cJSON_GetObjectItemCaseSensitive(fault, "action"), "errCode"),
		w->code);
	cJSON_Delete(fault);
}

START_TEST(two_namespaces_two_threads_never_cross)
{
	test_daemon d;
	const char *const args[] = {"--threads", "4", NULL};
	test_daemon_up(&d, args, NULL);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 2);
	iso_worker a = {.d = &d,
			.start = &start,
			.tag = "thrA",
			.code = "FAULT_A",
			.other_tag = "thrB",
			.octet = 21,
			.clock = INT64_C(1600000000000),
			.own_fault_task = DOC_STOPPED,
			.other_fault_task = DOC_STOPPED2};
	iso_worker b = {.d = &d,
			.start = &start,
			.tag = "thrB",
			.code = "FAULT_B",
			.other_tag = "thrA",
			.octet = 22,
			.clock = INT64_C(1900000000000),
			.own_fault_task = DOC_STOPPED2,
			.other_fault_task = DOC_STOPPED};
	pthread_t ta, tb;
	ck_assert_int_eq(pthread_create(&ta, NULL, iso_run, &a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, iso_run, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&start);
	ck_assert_msg(!a.failure[0], "thread A: %s", a.failure);
	ck_assert_msg(!b.failure[0], "thread B: %s", b.failure);
	ck_assert_msg(a.oms_requests >= 180 && b.oms_requests >= 180, "too few requests: %d, %d",
		      a.oms_requests, b.oms_requests);
	iso_check(&d, &a);
	iso_check(&d, &b);
	/* the default namespace saw none of it */
	ck_assert_int_eq(journal_count(&d, "", ""), 0);
	ck_assert_int_eq(task_count(&d, ""), FIXTURE_TASKS);
	ck_assert_int_eq(fault_count(&d, ""), 0);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * 5. Snapshots
 * ====================================================================== */

static cJSON *snapshot_list(const test_daemon *d, const char *prefix)
{
	char path[256];
	pathf(path, sizeof path, "%s/_mock/snapshots", prefix);
	cJSON *root = test_get_json(d, path);
	ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "snapshots")));
	return root;
}

/* The "tasks" of snapshot `name` in the listing, or -1 when absent. */
static int64_t snapshot_tasks(const test_daemon *d, const char *prefix, const char *name)
{
	cJSON *root = snapshot_list(d, prefix);
	int64_t tasks = -1;
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "snapshots"))
	{
		if (strcmp(test_string_member(item, "name"), name) == 0)
			tasks = int_member(item, "tasks");
	}
	cJSON_Delete(root);
	return tasks;
}

START_TEST(snapshot_restore_brings_back_a_deleted_task)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *saved = task_get(&d, "", DOC_STOPPED);
	char *saved_text = cJSON_PrintUnformatted(saved);
	cJSON_Delete(saved);
	cJSON *created =
		test_json_call(&d, "POST", "/_mock/snapshots", "{\"name\":\"before\"}", 201);
	cJSON_Delete(created);
	ck_assert_int_eq(snapshot_tasks(&d, "", "before"), FIXTURE_TASKS);

	ck_assert_str_eq(oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_STOPPED, NULL, NULL), "TASK_NOT_FOUND");
	const char *added = "10.6.6.6-9000:connector_v2:p_after-incr_trans-1-0:0000000001";
	create_task(&d, "", added, "STOPPED");
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");

	cJSON *listing = test_json_call(&d, "POST", "/_mock/snapshots/before/restore", NULL, 200);
	cJSON_Delete(listing);
	cJSON *back = task_get(&d, "", DOC_STOPPED);
	ck_assert_msg(back != NULL, "the deleted task is not back");
	char *back_text = cJSON_PrintUnformatted(back);
	ck_assert_msg(strcmp(saved_text, back_text) == 0, "restored:\n%s\nsaved:\n%s", back_text,
		      saved_text);
	free(back_text);
	free(saved_text);
	cJSON_Delete(back);
	ck_assert_str_eq(state_in(&d, "", added), "");		    /* created after: gone */
	ck_assert_str_eq(state_in(&d, "", DOC_RUNNING), "RUNNING"); /* stopped after: undone */
	ck_assert_int_eq(task_count(&d, ""), FIXTURE_TASKS);
	/* it works again, and the journal was kept */
	ck_assert_str_eq(oms_code(&d, "", "resume", DOC_STOPPED, NULL, NULL), "");
	ck_assert_int_eq(journal_count(&d, "", ""), 4);
	/* the snapshot stays and can be restored again */
	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots/before/restore", NULL), 200);
	ck_assert_str_eq(state_in(&d, "", DOC_STOPPED), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

/* A restore brings tasks back but never lowers a sequence: the contract's
 * "never reused" holds across snapshots too. */
START_TEST(snapshot_restore_and_sequences)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/snapshots", "{\"name\":\"seq\"}", 201));
	test_response r = oms_ns(&d, "", "migrate", DOC_STOPPED, "ip=10.1.1.1", NULL);
	cJSON *root = test_response_json(&r);
	char first[256];
	snprintf(first, sizeof first, "%s",
		 test_string_member(root, "result") ? test_string_member(root, "result") : "");
	cJSON_Delete(root);
	test_response_free(&r);
	ck_assert_str_eq(first, "10.1.1.1-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002");

	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots/seq/restore", NULL), 200);
	ck_assert_str_eq(state_in(&d, "", DOC_STOPPED), "STOPPED");
	ck_assert_str_eq(state_in(&d, "", first), "");
	r = oms_ns(&d, "", "migrate", DOC_STOPPED, "ip=10.1.1.2", NULL);
	root = test_response_json(&r);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isSuccess")),
		      "migrate after a restore failed: %s", r.body);
	const char *second = test_string_member(root, "result");
	ck_assert_ptr_nonnull(second);
	const char *seq = strrchr(second, ':');
	ck_assert_ptr_nonnull(seq);
	/* CONTRACT: a SEQ is never issued twice; a restore does not lower the
	 * sequences, so the migrate after it skips past ...0002 */
	ck_assert_str_eq(second,
			 "10.1.1.2-9000:connector_v2:p_493po****-incr_trans-1-0:0000000003");
	cJSON_Delete(root);
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

START_TEST(snapshot_names_and_unknowns)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char long_name[100];
	memset(long_name, 'x', 65);
	long_name[65] = '\0';
	char body[256];
	const char *bad_bodies[] = {
		"{\"name\":\"bad name\"}",
		"{\"name\":\"\"}",
		"{\"name\":\"a/b\"}",
		"{\"name\":\"a.b\"}",
		"{\"name\":5}",
		"{\"name\":null}",
		"{}",
		"[\"x\"]",
		"not json",
		"",
		body,
	};
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", long_name);
	for (size_t i = 0; i < sizeof bad_bodies / sizeof *bad_bodies; i++) {
		long status = http_status(&d, "POST", "/_mock/snapshots", bad_bodies[i]);
		ck_assert_msg(status == 400, "snapshot body %s: %ld, want 400", bad_bodies[i],
			      status);
	}
	cJSON *root = snapshot_list(&d, "");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "snapshots")),
			 0);
	cJSON_Delete(root);

	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots/nope/restore", NULL), 404);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/snapshots/nope", NULL), 404);
	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots/bad!x/restore", NULL), 400);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/snapshots/bad!x", NULL), 400);

	/* 64 characters are fine; names are listed in order; saving over a
	 * name replaces it; DELETE removes one */
	char max_name[100], path[256];
	memset(max_name, 'm', 64);
	max_name[64] = '\0';
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", max_name);
	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots", body), 201);
	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots", "{\"name\":\"b-2_x\"}"), 201);
	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots", "{\"name\":\"A1\"}"), 201);
	root = snapshot_list(&d, "");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(list), 3);
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(list, 0), "name"), "A1");
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(list, 1), "name"), "b-2_x");
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(list, 2), "name"), max_name);
	ck_assert(cJSON_IsNumber(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "createdAt")));
	cJSON_Delete(root);
	ck_assert_str_eq(oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	ck_assert_int_eq(http_status(&d, "POST", "/_mock/snapshots", "{\"name\":\"A1\"}"), 201);
	ck_assert_int_eq(snapshot_tasks(&d, "", "A1"), FIXTURE_TASKS - 1);
	ck_assert_int_eq(snapshot_tasks(&d, "", "b-2_x"), FIXTURE_TASKS);
	ck_assert_int_eq(http_status(&d, "DELETE", "/_mock/snapshots/b-2_x", NULL), 200);
	ck_assert_int_eq(snapshot_tasks(&d, "", "b-2_x"), -1);
	pathf(path, sizeof path, "/_mock/snapshots/b-2_x/restore");
	ck_assert_int_eq(http_status(&d, "POST", path, NULL), 404);
	/* a namespace's snapshots are its own */
	ck_assert_int_eq(snapshot_tasks(&d, "/ns/elsewhere", "A1"), -1);
	ck_assert_int_eq(http_status(&d, "POST", "/ns/elsewhere/_mock/snapshots/A1/restore", NULL),
			 404);
	test_daemon_down(&d);
}
END_TEST

START_TEST(snapshots_survive_a_restart)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/snapshots", "{\"name\":\"kept\"}", 201));
	cJSON_Delete(test_json_call(&d, "POST", "/ns/side/_mock/snapshots", "{\"name\":\"side1\"}",
				    201));
	ck_assert_str_eq(oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	test_daemon_down_keep(&d);

	test_daemon again;
	test_daemon copy = d;
	test_daemon_up(&again, NULL, &copy);
	ck_assert_int_eq(snapshot_tasks(&again, "", "kept"), FIXTURE_TASKS);
	ck_assert_int_eq(snapshot_tasks(&again, "/ns/side", "side1"), FIXTURE_TASKS);
	ck_assert_str_eq(state_in(&again, "", DOC_STOPPED), ""); /* the delete was kept too */
	ck_assert_int_eq(http_status(&again, "POST", "/_mock/snapshots/kept/restore", NULL), 200);
	ck_assert_str_eq(state_in(&again, "", DOC_STOPPED), "STOPPED");
	test_daemon_down(&again);
}
END_TEST

/* ======================================================================
 * 6. Metrics
 * ====================================================================== */

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
	pathf(path, sizeof path, "%s/_mock/metrics", prefix);
	test_response r = http(d, "GET", path, NULL);
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
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "ILLEGAL_STATE");
	ck_assert_str_eq(oms_code(&d, "", "resume", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_str_eq(oms_code(&d, "", "resume", DOC_RUNNING, NULL, NULL), "");
	add_fault(&d, "", "{\"op\":\"update\",\"action\":{\"type\":\"error\"}}");
	ck_assert_str_eq(oms_code(&d, "", "update", DOC_STOPPED, NULL, NULL), "INJECTED_FAULT");
	add_fault(&d, "", "{\"op\":\"delete\",\"action\":{\"type\":\"drop\"}}");
	raw_result dropped = raw_oms(&d, "", "delete", DOC_STOPPED2, NULL);
	ck_assert(closed_without_answer(&dropped));
	free(dropped.body);
	add_fault(
		&d, "",
		"{\"op\":\"migrate\",\"action\":{\"type\":\"error\",\"errCode\":\"CUSTOM_CODE\"}}");
	ck_assert_str_eq(oms_code(&d, "", "migrate", DOC_STOPPED, NULL, NULL), "CUSTOM_CODE");
	ck_assert_int_eq(http_status(&d, "GET", "/connector/task/v2/stop?taskName=" NOPE, NULL),
			 405);
	/* the control API is not counted */
	ck_assert_int_eq(http_status(&d, "GET", "/_mock/health", NULL), 200);

	char *body = metrics_text(&d, "");
	expect_metric(body, "connector_mock_requests_total{op=\"stop\",outcome=\"success\"}", 1);
	expect_metric(body, "connector_mock_requests_total{op=\"stop\",outcome=\"ILLEGAL_STATE\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{op=\"stop\",outcome=\"METHOD_NOT_ALLOWED\"}",
		      1);
	expect_metric(body,
		      "connector_mock_requests_total{op=\"resume\",outcome=\"TASK_NOT_FOUND\"}", 1);
	expect_metric(body, "connector_mock_requests_total{op=\"resume\",outcome=\"success\"}", 1);
	expect_metric(body,
		      "connector_mock_requests_total{op=\"update\",outcome=\"INJECTED_FAULT\"}", 1);
	expect_metric(body, "connector_mock_requests_total{op=\"delete\",outcome=\"DROPPED\"}", 1);
	expect_metric(body, "connector_mock_requests_total{op=\"migrate\",outcome=\"OTHER\"}", 1);
	expect_metric(body, "connector_mock_requests_total{op=\"update\",outcome=\"success\"}", 0);
	ck_assert_msg(metric_sum(body, "connector_mock_requests_total", NULL) == 8,
		      "requests_total sums to %g, want 8",
		      metric_sum(body, "connector_mock_requests_total", NULL));
	/* the four that reached the store, one at a time: one transaction each
	 * (refusals before it, and faults that answered in its place, are
	 * journaled apart) */
	expect_metric(body, "connector_mock_store_operations_total", 4);
	expect_metric(body, "connector_mock_store_transactions_total", 4);
	expect_metric(body, "connector_mock_faults_injected_total{op=\"update\",type=\"error\"}",
		      1);
	expect_metric(body, "connector_mock_faults_injected_total{op=\"delete\",type=\"drop\"}", 1);
	expect_metric(body, "connector_mock_faults_injected_total{op=\"migrate\",type=\"error\"}",
		      1);
	expect_metric(body, "connector_mock_faults_injected_total{op=\"stop\",type=\"lost_ack\"}",
		      0);
	ck_assert(metric_sum(body, "connector_mock_faults_injected_total", NULL) == 3);

	/* the histogram: cumulative buckets, +Inf = _count = the op's requests */
	for (int i = 0; i < FIVE_OPS; i++) {
		char series[160], label[64];
		snprintf(label, sizeof label, "op=\"%s\"", five_ops[i]);
		double requests = metric_sum(body, "connector_mock_requests_total", label);
		snprintf(series, sizeof series,
			 "connector_mock_request_duration_seconds_count{op=\"%s\"}", five_ops[i]);
		ck_assert_msg(metric(body, series) == requests, "%s = %g, want %g", series,
			      metric(body, series), requests);
		snprintf(series, sizeof series,
			 "connector_mock_request_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"}",
			 five_ops[i]);
		ck_assert_msg(metric(body, series) == requests, "%s = %g", series,
			      metric(body, series));
		snprintf(series, sizeof series,
			 "connector_mock_request_duration_seconds_sum{op=\"%s\"}", five_ops[i]);
		ck_assert_msg(metric(body, series) >= 0, "%s missing", series);
		double previous = 0;
		const char *line = body;
		char prefix[128];
		snprintf(prefix, sizeof prefix,
			 "connector_mock_request_duration_seconds_bucket{op=\"%s\",", five_ops[i]);
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
		snprintf(series, sizeof series, "connector_mock_tasks{state=\"%s\",type=\"%s\"}",
			 test_string_member(task, "state"),
			 test_string_member(task, "componentType"));
		ck_assert_msg(metric(body, series) >= 1, "%s is %g", series, metric(body, series));
		listed++;
	}
	cJSON_Delete(root);
	ck_assert_msg(metric_sum(body, "connector_mock_tasks", NULL) == listed,
		      "the task gauges sum to %g, the list holds %d",
		      metric_sum(body, "connector_mock_tasks", NULL), listed);
	expect_metric(body, "connector_mock_tasks{state=\"STOPPED\",type=\"incr_trans\"}", 2);
	expect_metric(body, "connector_mock_tasks{state=\"RUNNING\",type=\"incr_trans\"}", 2);
	expect_metric(body, "connector_mock_tasks{state=\"FINISHED\",type=\"full_trans\"}", 1);
	free(body);

	/* a namespace's gauge counts its own tasks */
	create_task(&d, "/ns/gauge", "10.4.4.4-9000:connector_v2:p_g-full_trans-1-0:0000000001",
		    "STOPPED");
	body = metrics_text(&d, "/ns/gauge");
	expect_metric(body, "connector_mock_tasks{state=\"STOPPED\",type=\"full_trans\"}", 1);
	ck_assert(metric_sum(body, "connector_mock_tasks", NULL) == FIXTURE_TASKS + 1);
	free(body);
	body = metrics_text(&d, "");
	expect_metric(body, "connector_mock_tasks{state=\"STOPPED\",type=\"full_trans\"}", 0);
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
	add_fault(&d, "",
		  "{\"op\":\"*\",\"times\":3,\"action\":{\"type\":\"error\",\"errCode\":\"X_Y\"}}");
	add_fault(&d, "",
		  "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"status\"}}");
	for (int i = 0; i < FIVE_OPS; i++)
		oms_code(&d, "", five_ops[i], DOC_STOPPED, NULL, NULL);
	raw_result lost = raw_oms(&d, "", "stop", DOC_RUNNING, NULL);
	ck_assert_int_eq(lost.status, 503);
	free(lost.body);
	body = metrics_text(&d, "");
	status = promtool_check(&d, body, out, sizeof out);
	ck_assert_msg(status == 0, "promtool check metrics (after traffic): %d\n%s", status, out);
	expect_metric(body, "connector_mock_faults_injected_total{op=\"stop\",type=\"lost_ack\"}",
		      1);
	free(body);
	/* the check can fail: a broken exposition is refused */
	status = promtool_check(&d, "# TYPE x counter\nx{a=\"1\" 5\n", out, sizeof out);
	ck_assert_msg(status != 0, "promtool accepted a broken exposition");
	test_daemon_down(&d);
}
END_TEST

/* ====================================================================== */

static Suite *double_suite(void)
{
	Suite *suite = suite_create("integration_double");
	const test_entry plain[] = {
		{"faults", lost_ack_then_retry_meets_illegal_state},
		{"faults", delay_does_not_block_other_requests},
		{"faults", fault_first_match_wins_and_filters},
		{"faults", seeded_fault_is_reproducible},
		{"faults", fault_ttl_follows_the_virtual_clock},
		{"faults", bad_fault_bodies_are_refused},
		{"faults", fault_matches_a_form_body_task_name},
		{"faults", lost_ack_on_migrate_then_retry},
		{"faults", sigterm_ends_delays_and_hangs},
		{"journal", journal_filters},
		{"journal", journal_entry_fields},
		{"journal", journal_bad_filters_and_clear},
		{"journal", journal_max_entries_bound},
		{"journal", journal_max_entries_per_namespace},
		{"clock", clock_freeze_set_advance_resume},
		{"clock", clock_stamps_journal_and_tasks},
		{"clock", clock_bad_bodies},
		{"clock", frozen_clock_advanced_8_days_purges_7_day_audit},
		{"clock", retention_keeps_younger_records},
		{"namespaces", namespace_routes_are_isolated},
		{"namespaces", namespace_seeded_listed_deleted_recreated},
		{"namespaces", namespace_invalid_names},
		{"namespaces", namespace_used_only_by_faults_and_clock_is_deletable},
		{"namespaces", two_namespaces_two_threads_never_cross},
		{"snapshots", snapshot_restore_brings_back_a_deleted_task},
		{"snapshots", snapshot_restore_and_sequences},
		{"snapshots", snapshot_names_and_unknowns},
		{"snapshots", snapshots_survive_a_restart},
		{"metrics", metrics_count_known_requests},
		{"metrics", metrics_pass_promtool},
	};
	test_add_grouped(suite, plain, sizeof plain / sizeof *plain, 120);
	TCase *tables = tcase_create("fault_tables");
	tcase_set_timeout(tables, 120);
	tcase_add_loop_test(tables, fault_actions, 0, ACTION_ROWS);
	tcase_add_loop_test(tables, fault_after_and_times, 0, COUNT_ROWS);
	suite_add_tcase(suite, tables);
	return suite;
}

int main(void) { return test_run_suite(double_suite()); }
