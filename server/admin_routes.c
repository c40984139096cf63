/*
 * admin_routes.c — the control API under /_mock/: plain JSON for tests and
 * demos. A route is a row of `admin_table`: a method, a path pattern whose
 * `*` matches one segment (a task name, a fault id, a snapshot name), and a
 * handler. Every route works on the namespace of its path (/ns/{name}/...,
 * or "default"). With an admin token configured, every route here but the
 * OpenAPI document needs `Authorization: Bearer TOKEN`, compared in
 * constant time.
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/json.h"
#include "../store/probe.h"
#include "../store/text.h"
#include "control_body.h"
#include "fixtures_file.h"
#include "journal_count.h"
#include "journal_wait.h"
#include "metrics.h"
#include "namespaces.h"
#include "routes.h"
#include "sim_routes.h"
#include "ui_routes.h"
#include "version.h"

typedef http_response (*admin_handler)(const http_request *request, const char *segment);

static http_response json_answer(unsigned status, cJSON *root)
{
	/* numbers past 2^53 (seeds, times) as their exact digits */
	http_response response = {.status = status, .body = json_print_exact(root)};
	cJSON_Delete(root);
	return response;
}

static http_response storage_failure(void)
{
	return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
				"the storage failed; nothing was changed");
}

static http_response bad_request(const char *message)
{
	return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT", message);
}

static http_response health(const http_request *request, const char *unused)
{
	(void)unused;
	int64_t tasks = store_count_tasks(request->app->store, request->ns, request->now_ms);
	if (tasks < 0)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "status", "ok");
	cJSON_AddStringToObject(root, "version", CONNECTOR_MOCK_VERSION);
	cJSON_AddStringToObject(root, "namespace", request->ns);
	cJSON_AddNumberToObject(root, "tasks", (double)tasks);
	return json_answer(MHD_HTTP_OK, root);
}

/* Ready when the database is open and takes a write lock (nothing is
 * written): 200 {"ready":true,...}, else 503 with the reason. */
static http_response ready(const http_request *request, const char *unused)
{
	(void)unused;
	char why[256] = "";
	bool writable = store_probe_writable(request->app->store, why, sizeof why);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "ready", writable);
	cJSON_AddBoolToObject(root, "databaseOpen", true);
	cJSON_AddBoolToObject(root, "databaseWritable", writable);
	if (!writable)
		cJSON_AddStringToObject(root, "reason", why);
	return json_answer(writable ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, root);
}

/* ---- tasks -------------------------------------------------------------- */

static http_response list_tasks(const http_request *request, const char *unused)
{
	(void)unused;
	const char *state = NULL, *type = NULL;
	if (params_single(request->query, "state", &state) < 0 ||
	    params_single(request->query, "type", &type) < 0)
		return bad_request("state and type may be given once each");
	if (state && *state && task_state_from_name(state) == TASK__COUNT)
		return bad_request("state must be CREATED, RUNNING, STOPPED, ABNORMAL or FINISHED");
	cJSON *tasks;
	if (store_list_tasks(request->app->store, request->ns, state && *state ? state : NULL,
			     type && *type ? type : NULL, request->now_ms, &tasks) != STORE_OK)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "tasks", tasks);
	return json_answer(MHD_HTTP_OK, root);
}

static http_response get_task(const http_request *request, const char *task_name)
{
	cJSON *task;
	store_status status =
		store_get_task(request->app->store, request->ns, task_name, request->now_ms, &task);
	if (status == STORE_NOT_FOUND)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "TASK_NOT_FOUND",
					"no task has this name");
	if (status != STORE_OK)
		return storage_failure();
	return json_answer(MHD_HTTP_OK, task);
}

static http_response create_task(const http_request *request, const char *unused)
{
	(void)unused;
	http_response refusal;
	cJSON *spec = control_object_body(request, &refusal);
	if (!spec)
		return refusal;
	char why[512] = "";
	cJSON *task = NULL;
	store_status status = store_create_task(request->app->store, request->ns, spec,
						request->now_ms, &task, why, sizeof why);
	cJSON_Delete(spec);
	if (status == STORE_OK)
		return json_answer(MHD_HTTP_CREATED, task);
	if (status == STORE_EXISTS)
		return http_plain_error(MHD_HTTP_CONFLICT, "TASK_EXISTS", why);
	if (status == STORE_INVALID)
		return bad_request(why);
	return storage_failure();
}

static http_response fail_task(const http_request *request, const char *task_name)
{
	http_response refusal;
	cJSON *body = control_object_body(request, &refusal);
	static const char *const fields[] = {"message"};
	if (!body ||
	    control_refuse_unknown_fields(body, fields, 1, "{\"message\": \"...\"}", &refusal) < 0)
		return refusal;
	const cJSON *message = cJSON_GetObjectItemCaseSensitive(body, "message");
	if (!cJSON_IsString(message) || !*message->valuestring ||
	    strlen(message->valuestring) > STORE_LAST_ERROR_MAX) {
		cJSON_Delete(body);
		return bad_request("the body must be {\"message\": \"a non-empty string of at most "
				   "4096 bytes\"}");
	}
	cJSON *task = NULL;
	store_status status = store_fail_task(request->app->store, request->ns, task_name,
					      message->valuestring, request->now_ms, &task);
	cJSON_Delete(body);
	if (status == STORE_NOT_FOUND)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "TASK_NOT_FOUND",
					"no task has this name");
	if (status != STORE_OK || !task)
		return storage_failure();
	return json_answer(MHD_HTTP_OK, task);
}

static http_response reset(const http_request *request, const char *unused)
{
	(void)unused;
	char why[512] = "";
	char *text;
	size_t len;
	if (fixtures_file_read(request->app->settings->fixtures, &text, &len, why, sizeof why) < 0)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "FIXTURES_UNREADABLE", why);
	store_status status = store_reset(request->app->store, request->ns, text, len,
					  request->now_ms, why, sizeof why);
	if (status == STORE_OK)
		store_set_fixtures(request->app->store, text, len); /* new namespaces too */
	free(text);
	if (status == STORE_INVALID)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "FIXTURES_INVALID", why);
	if (status != STORE_OK)
		return storage_failure();
	return health(request, NULL);
}

/* ---- the journal -------------------------------------------------------- */

/* Reads the journal's filters from the query; NULL on success, or why not. */
static const char *journal_filter_from(const http_request *request, store_journal_filter *filter)
{
	*filter = (store_journal_filter){.success = -1};
	const char *limit = NULL, *success = NULL, *since = NULL, *until = NULL, *after = NULL;
	const char *delivered = NULL;
	if (params_single(request->query, "taskName", &filter->task_name) < 0 ||
	    params_single(request->query, "op", &filter->op) < 0 ||
	    params_single(request->query, "errCode", &filter->err_code) < 0 ||
	    params_single(request->query, "success", &success) < 0 ||
	    params_single(request->query, "since", &since) < 0 ||
	    params_single(request->query, "until", &until) < 0 ||
	    params_single(request->query, "limit", &limit) < 0 ||
	    params_single(request->query, "afterId", &after) < 0 ||
	    params_single(request->query, "delivered", &delivered) < 0)
		return "each filter may be given once";
	if (filter->op && *filter->op && rules_op_from_name(filter->op) == OP__COUNT &&
	    strcmp(filter->op, "simulate") != 0)
		return "op must be resume, stop, update, migrate, delete or simulate";
	bool flag;
	if (success && *success) {
		if (params_bool(success, false, &flag) < 0)
			return "success must be true or false";
		filter->success = flag;
	}
	if (delivered && *delivered) {
		if (params_bool(delivered, false, &flag) < 0)
			return "delivered must be true or false";
		filter->has_delivered = true;
		filter->delivered = flag;
	}
	unsigned long long n = 0;
	if (since && *since) {
		if (settings_parse_unsigned(since, (unsigned long long)LIMITS_EXACT_INTEGER_MAX,
					    &n) < 0)
			return "since must be unix milliseconds";
		filter->has_since = true;
		filter->since_ms = (int64_t)n;
	}
	if (until && *until) {
		if (settings_parse_unsigned(until, (unsigned long long)LIMITS_EXACT_INTEGER_MAX,
					    &n) < 0)
			return "until must be unix milliseconds";
		filter->has_until = true;
		filter->until_ms = (int64_t)n;
	}
	if (after && *after) {
		if (settings_parse_unsigned(after, 1ULL << 53, &n) < 0)
			return "afterId must be a journal id (a whole number)";
		filter->has_after_id = true;
		filter->after_id = (int64_t)n;
	}
	if (limit && *limit) {
		if (settings_parse_unsigned(limit, STORE_JOURNAL_MAX_LIMIT, &n) < 0 || n == 0)
			return "limit must be a whole number from 1 to 100000";
		filter->limit = (int64_t)n;
	}
	if (filter->task_name && !*filter->task_name)
		filter->task_name = NULL;
	if (filter->op && !*filter->op)
		filter->op = NULL;
	if (filter->err_code && !*filter->err_code)
		filter->err_code = NULL;
	return NULL;
}

/* Beside each entry's canonical errCode, the one the client was answered
 * when the [errors] section renames it. */
static void answered_codes(const settings *s, cJSON *entries)
{
	cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(entry, "errCode");
		if (!cJSON_IsString(code))
			continue;
		error_code own = error_from_name(code->valuestring);
		if (own == ERR__COUNT || !s->error_names[own][0])
			continue;
		cJSON_AddStringToObject(entry, "answeredErrCode", s->error_names[own]);
	}
}

/* A waiting read of the journal (journal_wait.h): what it looks for. */
typedef struct {
	const http_request *request;
	const store_journal_filter *filter;
	cJSON *entries; /* the last read */
} journal_read;

/* 1 when the read found entries, 0 none yet, -1 storage failure. Each
 * read is at the namespace's clock as it is then (it may have moved). */
static int journal_read_check(void *ctx)
{
	journal_read *read = ctx;
	cJSON_Delete(read->entries);
	read->entries = NULL;
	const http_request *request = read->request;
	if (store_journal(request->app->store, request->ns, read->filter,
			  namespaces_now(request->app->namespaces, request->ns),
			  &read->entries) != STORE_OK)
		return -1;
	return cJSON_GetArraySize(read->entries) > 0;
}

/* waitMs: how long to wait for an entry after afterId; 0 when absent. */
static const char *wait_from(const http_request *request, const store_journal_filter *filter,
			     int64_t *wait_ms)
{
	const char *wait = NULL;
	*wait_ms = 0;
	if (params_single(request->query, "waitMs", &wait) < 0)
		return "waitMs may be given once";
	if (!wait || !*wait)
		return NULL;
	unsigned long long n;
	if (settings_parse_unsigned(wait, JOURNAL_WAIT_MAX_MS, &n) < 0)
		return "waitMs must be a whole number of milliseconds from 0 to 30000";
	if (!filter->has_after_id)
		return "waitMs needs afterId: it waits for an entry newer than afterId";
	*wait_ms = (int64_t)n;
	return NULL;
}

static http_response journal(const http_request *request, const char *unused)
{
	(void)unused;
	store_journal_filter filter;
	int64_t wait_ms;
	const char *why = journal_filter_from(request, &filter);
	if (!why)
		why = wait_from(request, &filter, &wait_ms);
	if (why)
		return bad_request(why);
	journal_read read = {.request = request, .filter = &filter};
	int found = journal_wait_for(request->app->journal_wait, wait_ms, request->client_fd,
				     journal_read_check, &read);
	cJSON *entries = read.entries;
	if (found < 0 || !entries) {
		cJSON_Delete(entries);
		return storage_failure();
	}
	answered_codes(request->app->settings, entries);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "entries", entries);
	return json_answer(MHD_HTTP_OK, root);
}

/* atLeast (1..1e9) and waitMs (0..JOURNAL_WAIT_MAX_MS, only with atLeast);
 * NULL, or why not. *at_least 0: no wait asked. */
static const char *count_wait_from(const http_request *request, int64_t *at_least, int64_t *wait_ms)
{
	const char *least = NULL, *wait = NULL;
	unsigned long long n = 0;
	*at_least = 0;
	*wait_ms = 0;
	if (params_single(request->query, "atLeast", &least) < 0 ||
	    params_single(request->query, "waitMs", &wait) < 0)
		return "each filter may be given once";
	if (least && *least) {
		if (settings_parse_unsigned(least, JOURNAL_COUNT_AT_LEAST_MAX, &n) < 0 || n == 0)
			return "atLeast must be a whole number from 1 to 1000000000";
		*at_least = (int64_t)n;
	}
	if (wait && *wait) {
		if (!*at_least)
			return "waitMs waits for a count: give atLeast too";
		if (settings_parse_unsigned(wait, JOURNAL_WAIT_MAX_MS, &n) < 0)
			return "waitMs must be a whole number from 0 to 30000";
		*wait_ms = (int64_t)n;
	}
	return NULL;
}

static http_response journal_count(const http_request *request, const char *unused)
{
	(void)unused;
	store_journal_filter filter;
	int64_t at_least, wait_ms;
	const char *why = journal_filter_from(request, &filter);
	if (!why)
		why = count_wait_from(request, &at_least, &wait_ms);
	if (why)
		return bad_request(why);
	int64_t count;
	if (journal_count_wait(request, &filter, at_least, wait_ms, &count) != STORE_OK)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "count", (double)count);
	if (at_least)
		cJSON_AddBoolToObject(root, "reached", count >= at_least);
	return json_answer(MHD_HTTP_OK, root);
}

static http_response journal_clear(const http_request *request, const char *unused)
{
	(void)unused;
	if (store_journal_clear(request->app->store, request->ns, request->now_ms) != STORE_OK)
		return storage_failure();
	return json_answer(MHD_HTTP_OK, cJSON_CreateObject());
}

/* ---- the clock ---------------------------------------------------------- */

static http_response clock_get(const http_request *request, const char *unused)
{
	(void)unused;
	return json_answer(MHD_HTTP_OK,
			   namespaces_clock_json(request->app->namespaces, request->ns));
}

static http_response clock_set(const http_request *request, const char *unused)
{
	(void)unused;
	http_response refusal;
	cJSON *body = control_object_body(request, &refusal);
	if (!body)
		return refusal;
	char why[256];
	int rc = namespaces_clock_apply(request->app->namespaces, request->ns, body, why,
					sizeof why);
	cJSON_Delete(body);
	if (rc < 0)
		return bad_request(why);
	/* simulated transitions may be due now: waiters look again */
	journal_wait_signal(request->app->journal_wait);
	return clock_get(request, NULL);
}

/* ---- faults ------------------------------------------------------------- */

static http_response fault_add(const http_request *request, const char *unused)
{
	(void)unused;
	if (!request->body)
		return bad_request("the body must be a fault: {\"op\", \"action\": {...}, ...}");
	char why[512] = "";
	int64_t id = namespaces_fault_add(request->app->namespaces, request->ns, request->body,
					  request->body_len, why, sizeof why);
	if (id < 0)
		return bad_request(why);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "id", (double)id);
	return json_answer(MHD_HTTP_CREATED, root);
}

static http_response fault_listing(const http_request *request, const char *unused)
{
	(void)unused;
	return json_answer(MHD_HTTP_OK,
			   namespaces_faults_json(request->app->namespaces, request->ns));
}

static http_response fault_remove(const http_request *request, const char *id_text)
{
	unsigned long long id;
	if (settings_parse_unsigned(id_text, (unsigned long long)LIMITS_EXACT_INTEGER_MAX, &id) <
		    0 ||
	    namespaces_fault_remove(request->app->namespaces, request->ns, (int64_t)id) < 0)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no fault has this id");
	return json_answer(MHD_HTTP_OK, cJSON_CreateObject());
}

static http_response fault_clear(const http_request *request, const char *unused)
{
	(void)unused;
	namespaces_faults_clear(request->app->namespaces, request->ns);
	return json_answer(MHD_HTTP_OK, cJSON_CreateObject());
}

/* ---- namespaces and snapshots ------------------------------------------ */

static http_response namespace_list(const http_request *request, const char *unused)
{
	(void)unused;
	cJSON *list;
	if (store_namespaces(request->app->store, &list) != STORE_OK)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "namespaces", list);
	return json_answer(MHD_HTTP_OK, root);
}

static http_response namespace_delete(const http_request *request, const char *name)
{
	if (!store_namespace_valid(name))
		return bad_request("a namespace name is 1 to 64 of A-Z a-z 0-9 _ -");
	store_status status = store_namespace_delete(request->app->store, name);
	if (status == STORE_FAILED)
		return storage_failure();
	/* a namespace used only through its clock or faults lives in memory */
	bool had_memory = namespaces_forget(request->app->namespaces, name);
	if (status == STORE_NOT_FOUND && !had_memory)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such namespace");
	return json_answer(MHD_HTTP_OK, cJSON_CreateObject());
}

static http_response snapshot_answer(const http_request *request, store_status status)
{
	if (status == STORE_INVALID)
		return bad_request("a snapshot name is 1 to 64 of A-Z a-z 0-9 _ -");
	if (status == STORE_NOT_FOUND)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND",
					"no snapshot has this name");
	if (status != STORE_OK)
		return storage_failure();
	cJSON *list;
	if (store_snapshots(request->app->store, request->ns, request->now_ms, &list) != STORE_OK)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "snapshots", list);
	return json_answer(MHD_HTTP_OK, root);
}

static http_response snapshot_save(const http_request *request, const char *unused)
{
	(void)unused;
	http_response refusal;
	cJSON *body = control_object_body(request, &refusal);
	static const char *const fields[] = {"name"};
	if (!body ||
	    control_refuse_unknown_fields(body, fields, 1, "{\"name\": \"...\"}", &refusal) < 0)
		return refusal;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
	store_status status = STORE_INVALID;
	if (cJSON_IsString(name))
		status = store_snapshot_save(request->app->store, request->ns, name->valuestring,
					     request->now_ms);
	cJSON_Delete(body);
	http_response response = snapshot_answer(request, status);
	if (status == STORE_OK)
		response.status = MHD_HTTP_CREATED;
	return response;
}

static http_response snapshot_list(const http_request *request, const char *unused)
{
	(void)unused;
	return snapshot_answer(request, STORE_OK);
}

static http_response snapshot_restore(const http_request *request, const char *name)
{
	return snapshot_answer(request, store_snapshot_restore(request->app->store, request->ns,
							       name, request->now_ms));
}

static http_response snapshot_delete(const http_request *request, const char *name)
{
	return snapshot_answer(request, store_snapshot_delete(request->app->store, request->ns,
							      name, request->now_ms));
}

typedef struct {
	const char *method;
	const char *pattern; /* under /_mock/; "*" matches one segment */
	admin_handler handler;
	bool open; /* served without the admin token: the dashboard, the API document */
	bool body; /* reads a JSON body; the others refuse one (control_body.h) */
} admin_row;

enum { OPEN = true };

static const admin_row admin_table[] = {
	{"GET", "health", health},
	{"HEAD", "health", health}, /* load balancers and container checks */
	{"GET", "ready", ready},
	{"HEAD", "ready", ready},
	{"GET", "tasks", list_tasks},
	{"POST", "tasks", create_task, .body = true},
	{"GET", "tasks/*", get_task},
	{"POST", "tasks/*/fail", fail_task, .body = true},
	{"POST", "reset", reset},
	{"GET", "journal", journal},
	{"DELETE", "journal", journal_clear},
	{"GET", "journal/count", journal_count},
	{"GET", "clock", clock_get},
	{"POST", "clock", clock_set, .body = true},
	{"POST", "faults", fault_add, .body = true},
	{"GET", "faults", fault_listing},
	{"DELETE", "faults", fault_clear},
	{"DELETE", "faults/*", fault_remove},
	{"GET", "namespaces", namespace_list},
	{"DELETE", "namespaces/*", namespace_delete},
	{"POST", "snapshots", snapshot_save, .body = true},
	{"GET", "snapshots", snapshot_list},
	{"POST", "snapshots/*/restore", snapshot_restore},
	{"DELETE", "snapshots/*", snapshot_delete},
	{"GET", "metrics", metrics_route},
	{"GET", "rules", ui_rules},
	{"GET", "ui", ui_page, OPEN},
	{"GET", "ui/*", ui_file, OPEN},
	/* the API's description is as public as the repository it comes
	 * from, shows no state, and client generators fetch it without one */
	{"GET", "openapi.yaml", docs_openapi_yaml, OPEN},
	{"GET", "openapi.json", docs_openapi_json, OPEN},
	{"GET", "simulation", sim_route_get},
	{"PUT", "simulation", sim_route_put, .body = true},
	{"GET", "events", sim_route_events},
};

enum { ADMIN_ROWS = sizeof admin_table / sizeof *admin_table };

int admin_route_describe(size_t index, const char **method, const char **pattern)
{
	if (index >= ADMIN_ROWS)
		return -1;
	*method = admin_table[index].method;
	*pattern = admin_table[index].pattern;
	return 0;
}

/* Whether `pattern` matches `path` (after /_mock/); `*` captures one
 * non-empty segment into `segment`. */
static bool pattern_matches(const char *pattern, const char *path, char *segment, size_t cap)
{
	segment[0] = '\0';
	while (*pattern) {
		if (*pattern == '*') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len == 0 || len >= cap)
				return false;
			memcpy(segment, path, len);
			segment[len] = '\0';
			path += len;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return *path == '\0';
}

static bool authorized(const http_request *request)
{
	const char *token = request->app->settings->admin_token;
	if (!*token)
		return true;
	static const char bearer[] = "Bearer ";
	const char *given = request->authorization;
	/* the auth-scheme is case-insensitive (RFC 7235 2.1) */
	if (!given || strncasecmp(given, bearer, sizeof bearer - 1) != 0)
		return false;
	return text_equal_constant_time(given + sizeof bearer - 1, token);
}

/* The open row that owns the request, or NULL. */
static const admin_row *open_row(const char *rest, char *segment, size_t cap)
{
	for (size_t i = 0; i < ADMIN_ROWS; i++)
		if (admin_table[i].open &&
		    pattern_matches(admin_table[i].pattern, rest, segment, cap))
			return &admin_table[i];
	return NULL;
}

http_response admin_route(const http_request *request)
{
	const char *rest = request->path + strlen(ADMIN_ROUTE_PREFIX);
	char segment[TASKNAME_MAX + 64];
	http_response injected;
	if (control_fault(request, &injected))
		return injected;
	const admin_row *open = open_row(rest, segment, sizeof segment);
	if (open && strcmp(open->method, request->method) == 0)
		return open->handler(request, segment);
	if (!authorized(request)) {
		http_response response = http_plain_error(
			MHD_HTTP_UNAUTHORIZED, "UNAUTHORIZED",
			"the control API needs the header Authorization: Bearer <admin token>");
		response.authenticate = true;
		return response;
	}
	if (request->body_too_large)
		return http_plain_error(MHD_HTTP_CONTENT_TOO_LARGE, "PAYLOAD_TOO_LARGE",
					"the request body is larger than max_body");
	char allow[64] = "";
	for (size_t i = 0; i < ADMIN_ROWS; i++) {
		const admin_row *row = &admin_table[i];
		if (!pattern_matches(row->pattern, rest, segment, sizeof segment))
			continue;
		if (strcmp(row->method, request->method) == 0) {
			http_response refusal;
			if (!row->body && control_body_refused(request, &refusal))
				return refusal;
			return row->handler(request, segment);
		}
		if (!strstr(allow, row->method))
			snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
				 *allow ? ", " : "", row->method);
	}
	if (*allow) {
		http_response response =
			http_plain_error(MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
					 "this control route does not take that method");
		memcpy(response.allow, allow, sizeof response.allow);
		return response;
	}
	return http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such control route");
}
