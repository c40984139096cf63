/*
 * admin_routes.c — the control API under /_mock/: plain JSON for tests and
 * demos. A route is a row of `admin_table` (method, path pattern, handler).
 * With an admin token configured, every route here needs
 * `Authorization: Bearer TOKEN`, compared in constant time.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/text.h"
#include "fixtures_file.h"
#include "routes.h"
#include "version.h"

enum { TASK_PATH = 1, TASK_FAIL_PATH = 2 };

typedef http_response (*admin_handler)(const http_request *request, const char *task_name);

static http_response json_answer(unsigned status, cJSON *root)
{
	http_response response = {.status = status, .body = cJSON_PrintUnformatted(root)};
	cJSON_Delete(root);
	return response;
}

static http_response storage_failure(void)
{
	return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
				"the storage failed; nothing was changed");
}

/* Parses a JSON object body; NULL with a 400 in `*refusal` when it is not. */
static cJSON *object_body(const http_request *request, http_response *refusal)
{
	const char *end = NULL;
	cJSON *root = NULL;
	if (request->body && text_utf8_valid(request->body, request->body_len) &&
	    !text_has_nul(request->body, request->body_len))
		root = cJSON_ParseWithLengthOpts(request->body, request->body_len + 1, &end, 1);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*refusal = http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					    "the body must be a JSON object");
		return NULL;
	}
	return root;
}

static http_response health(const http_request *request, const char *unused)
{
	(void)unused;
	int64_t tasks = store_count_tasks(request->app->store);
	if (tasks < 0)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "status", "ok");
	cJSON_AddStringToObject(root, "version", CONNECTOR_MOCK_VERSION);
	cJSON_AddNumberToObject(root, "tasks", (double)tasks);
	return json_answer(MHD_HTTP_OK, root);
}

static http_response list_tasks(const http_request *request, const char *unused)
{
	(void)unused;
	const char *state = NULL, *type = NULL;
	if (params_single(request->query, "state", &state) < 0 ||
	    params_single(request->query, "type", &type) < 0)
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					"state and type may be given once each");
	if (state && *state && task_state_from_name(state) == TASK__COUNT)
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					"state must be CREATED, RUNNING, STOPPED, ABNORMAL or FINISHED");
	cJSON *tasks;
	if (store_list_tasks(request->app->store, state && *state ? state : NULL,
			     type && *type ? type : NULL, &tasks) != STORE_OK)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "tasks", tasks);
	return json_answer(MHD_HTTP_OK, root);
}

static http_response get_task(const http_request *request, const char *task_name)
{
	cJSON *task;
	store_status status = store_get_task(request->app->store, task_name, &task);
	if (status == STORE_NOT_FOUND)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "TASK_NOT_FOUND", "no task has this name");
	if (status != STORE_OK)
		return storage_failure();
	return json_answer(MHD_HTTP_OK, task);
}

static http_response create_task(const http_request *request, const char *unused)
{
	(void)unused;
	http_response refusal;
	cJSON *spec = object_body(request, &refusal);
	if (!spec)
		return refusal;
	char why[512] = "";
	cJSON *task = NULL;
	store_status status = store_create_task(request->app->store, spec, request->now_ms, &task,
						why, sizeof why);
	http_response response;
	if (status == STORE_OK) {
		response = json_answer(MHD_HTTP_CREATED, task);
	} else if (status == STORE_EXISTS) {
		response = http_plain_error(MHD_HTTP_CONFLICT, "TASK_EXISTS", why);
	} else if (status == STORE_INVALID) {
		response = http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT", why);
	} else {
		response = storage_failure();
	}
	cJSON_Delete(spec);
	return response;
}

static http_response fail_task(const http_request *request, const char *task_name)
{
	http_response refusal;
	cJSON *body = object_body(request, &refusal);
	if (!body)
		return refusal;
	const cJSON *message = cJSON_GetObjectItemCaseSensitive(body, "message");
	if (!cJSON_IsString(message) || !*message->valuestring ||
	    strlen(message->valuestring) > 4096) {
		cJSON_Delete(body);
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					"the body must be {\"message\": \"a non-empty string of at most 4096 bytes\"}");
	}
	cJSON *task = NULL;
	store_status status = store_fail_task(request->app->store, task_name, message->valuestring,
					      request->now_ms, &task);
	cJSON_Delete(body);
	if (status == STORE_NOT_FOUND)
		return http_plain_error(MHD_HTTP_NOT_FOUND, "TASK_NOT_FOUND", "no task has this name");
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
	store_status status = store_reset(request->app->store, text, len, request->now_ms, why,
					  sizeof why);
	free(text);
	if (status == STORE_INVALID)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "FIXTURES_INVALID", why);
	if (status != STORE_OK)
		return storage_failure();
	return health(request, NULL);
}

static http_response journal(const http_request *request, const char *unused)
{
	(void)unused;
	store_journal_filter filter = {0};
	const char *limit = NULL;
	if (params_single(request->query, "taskName", &filter.task_name) < 0 ||
	    params_single(request->query, "op", &filter.op) < 0 ||
	    params_single(request->query, "limit", &limit) < 0)
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					"taskName, op and limit may be given once each");
	if (filter.op && *filter.op && rules_op_from_name(filter.op) == OP__COUNT)
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					"op must be resume, stop, update, migrate or delete");
	unsigned long long n = 0;
	if (limit && *limit &&
	    (settings_parse_unsigned(limit, STORE_JOURNAL_MAX_LIMIT, &n) < 0 || n == 0))
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT",
					"limit must be a whole number from 1 to 100000");
	filter.limit = (int64_t)n;
	if (filter.task_name && !*filter.task_name)
		filter.task_name = NULL;
	if (filter.op && !*filter.op)
		filter.op = NULL;
	cJSON *entries;
	if (store_journal(request->app->store, &filter, &entries) != STORE_OK)
		return storage_failure();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "entries", entries);
	return json_answer(MHD_HTTP_OK, root);
}

typedef struct {
	const char *method;
	const char *path; /* under /_mock/; TASK_PATH rows match tasks/{name}[/fail] */
	int shape;
	admin_handler handler;
} admin_row;

static const admin_row admin_table[] = {
	{"GET", "health", 0, health},
	{"GET", "tasks", 0, list_tasks},
	{"POST", "tasks", 0, create_task},
	{"GET", "tasks/", TASK_PATH, get_task},
	{"POST", "tasks/", TASK_FAIL_PATH, fail_task},
	{"POST", "reset", 0, reset},
	{"GET", "journal", 0, journal},
};

enum { ADMIN_ROWS = sizeof admin_table / sizeof *admin_table };

/* Whether `row` owns `rest` (the path after /_mock/); sets the task name. */
static bool row_matches(const admin_row *row, const char *rest, char *task_name, size_t cap)
{
	if (row->shape == 0)
		return strcmp(rest, row->path) == 0;
	size_t prefix = strlen(row->path);
	if (strncmp(rest, row->path, prefix) != 0 || rest[prefix] == '\0')
		return false;
	const char *name = rest + prefix;
	const char *slash = strchr(name, '/');
	if (row->shape == TASK_PATH && slash)
		return false;
	if (row->shape == TASK_FAIL_PATH && (!slash || strcmp(slash, "/fail") != 0))
		return false;
	size_t len = slash ? (size_t)(slash - name) : strlen(name);
	if (len >= cap)
		return false;
	memcpy(task_name, name, len);
	task_name[len] = '\0';
	return true;
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

http_response admin_route(const http_request *request)
{
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
	const char *rest = request->path + strlen(ADMIN_ROUTE_PREFIX);
	char task_name[TASKNAME_MAX + 64];
	char allow[64] = "";
	for (size_t i = 0; i < ADMIN_ROWS; i++) {
		const admin_row *row = &admin_table[i];
		if (!row_matches(row, rest, task_name, sizeof task_name))
			continue;
		if (strcmp(row->method, request->method) == 0)
			return row->handler(request, task_name);
		if (!strstr(allow, row->method))
			snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
				 *allow ? ", " : "", row->method);
	}
	if (*allow) {
		http_response response = http_plain_error(MHD_HTTP_METHOD_NOT_ALLOWED,
							  "METHOD_NOT_ALLOWED",
							  "this control route does not take that method");
		memcpy(response.allow, allow, sizeof response.allow);
		return response;
	}
	return http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such control route");
}
