/*
 * integration_admin.c — the control API under /_mock/ over real HTTP
 * against the real binary: health, list, read, create, fail, reset, the
 * 404/405 answers, and the admin token.
 *
 * Every test starts its own daemon on a free port with a fresh database
 * seeded from fixtures/default.json (8 tasks).
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define INCR_RUNNING "10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001"
#define FULL_FINISHED "10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-full_trans-1-0:0000000001"
#define FULL_RUNNING "10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001"
#define INCR_ABNORMAL "10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-incr_trans-1-0:0000000001"
#define INCR_CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"
#define FIXTURE_TASKS 8

#define NEW_TASK "10.0.0.50-9000:connector_v2:p_admin-incr_trans-1-0:0000000001"
#define NEW_TASK_SPEC                                                                              \
	"{\"taskName\":\"" NEW_TASK                                                                \
	"\",\"state\":\"STOPPED\",\"config\":{\"source\":{\"clients\":"                            \
	"\"[{\\\"clientId\\\":\\\"c_1\\\",\\\"subtopic\\\":\\\"s_1\\\"}]\",\"username\":\"u\"}}}"

static const char *const json_type[] = {"Content-Type: application/json", NULL};

/* ---- HTTP and JSON ------------------------------------------------------ */

/* Checks Content-Type and that the body is a JSON object; caller frees. */
static cJSON *json_of(const test_response *r)
{
	ck_assert_msg(strncmp(r->content_type, "application/json", 16) == 0,
		      "Content-Type is \"%s\"", r->content_type);
	cJSON *root = test_response_json(r);
	ck_assert_msg(cJSON_IsObject(root), "not a JSON object: %s", r->body);
	return root;
}

/* A request that must answer `status` with a JSON object; caller frees. */
static cJSON *call(const test_daemon *d, const char *method, const char *path,
		   const char *const *headers, const char *body, long status)
{
	test_response r = test_request(d, method, path, headers, body);
	ck_assert_msg(r.status == status, "%s %s: HTTP %ld, expected %ld: %s", method, path,
		      r.status, status, r.body);
	cJSON *root = json_of(&r);
	test_response_free(&r);
	return root;
}

/* An error answer of the control API carries a message a person can read. */
static void expect_message(const cJSON *root)
{
	const char *message = test_string_member(root, "message");
	ck_assert_msg(message && *message, "the error carries no message");
}

static char *task_path(const char *name, const char *suffix)
{
	char *escaped = test_escape(name);
	size_t cap = strlen(escaped) + 64;
	char *path = malloc(cap);
	snprintf(path, cap, "/_mock/tasks/%s%s", escaped, suffix ? suffix : "");
	free(escaped);
	return path;
}

/* GET /_mock/tasks/{name}: the task, or NULL on 404. */
static cJSON *get_task(const test_daemon *d, const char *name)
{
	char *path = task_path(name, NULL);
	test_response r = test_request(d, "GET", path, NULL, NULL);
	free(path);
	ck_assert_msg(r.status == 200 || r.status == 404, "GET task: %ld %s", r.status, r.body);
	cJSON *task = r.status == 200 ? json_of(&r) : NULL;
	test_response_free(&r);
	return task;
}

static int task_count(const test_daemon *d)
{
	cJSON *health = call(d, "GET", "/_mock/health", NULL, NULL, 200);
	const cJSON *tasks = test_member(health, "tasks");
	ck_assert(cJSON_IsNumber(tasks));
	int count = (int)tasks->valuedouble;
	cJSON_Delete(health);
	return count;
}

static void expect_oms(const test_daemon *d, const char *op, const char *name, const char *code)
{
	test_response r = test_oms_request(d, op, name, NULL, NULL);
	char got[64];
	bool ok = test_envelope_ok(&r, got, sizeof got);
	if (code)
		ck_assert_msg(!ok && strcmp(got, code) == 0, "%s %s: expected %s: %s", op, name,
			      code, r.body);
	else
		ck_assert_msg(ok, "%s %s failed: %s", op, name, r.body);
	test_response_free(&r);
}

/* Whether the comma-separated `allow` holds exactly the methods listed. */
static bool allow_is(const char *allow, const char *const *methods)
{
	char copy[128];
	snprintf(copy, sizeof copy, "%s", allow);
	size_t found = 0, expected = 0;
	while (methods[expected])
		expected++;
	char *save = NULL;
	for (char *word = strtok_r(copy, ", ", &save); word; word = strtok_r(NULL, ", ", &save)) {
		bool known = false;
		for (size_t i = 0; i < expected; i++)
			known = known || strcmp(word, methods[i]) == 0;
		if (!known)
			return false;
		found++;
	}
	return found == expected;
}

/* ======================================================================
 * health, list, read
 * ==================================================================== */

START_TEST(health_answers)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *root = call(&d, "GET", "/_mock/health", NULL, NULL, 200);
	ck_assert_pstr_eq(test_string_member(root, "status"), "ok");
	const char *version = test_string_member(root, "version");
	ck_assert_msg(version && *version, "no version");
	ck_assert(cJSON_IsNumber(test_member(root, "tasks")));
	ck_assert_int_eq((int)test_member(root, "tasks")->valuedouble, FIXTURE_TASKS);
	cJSON_Delete(root);
	cJSON_Delete(call(&d, "POST", "/_mock/tasks", json_type, NEW_TASK_SPEC, 201));
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS + 1);
	test_daemon_down(&d);
}
END_TEST

static const struct {
	const char *query;
	int count;
	const char *state; /* every task listed has it; NULL: any */
	const char *type;
} list_cases[] = {
	{"", FIXTURE_TASKS, NULL, NULL},
	{"?state=", FIXTURE_TASKS, NULL, NULL},
	{"?state=RUNNING", 3, "RUNNING", NULL},
	{"?state=STOPPED", 2, "STOPPED", NULL},
	{"?state=ABNORMAL", 1, "ABNORMAL", NULL},
	{"?state=CREATED", 1, "CREATED", NULL},
	{"?state=FINISHED", 1, "FINISHED", NULL},
	{"?type=full_trans", 2, NULL, "full_trans"},
	{"?type=incr_trans", 6, NULL, "incr_trans"},
	{"?type=other_trans", 0, NULL, NULL},
	{"?state=RUNNING&type=full_trans", 1, "RUNNING", "full_trans"},
	{"?type=incr_trans&state=RUNNING", 2, "RUNNING", "incr_trans"},
	{"?state=FINISHED&type=incr_trans", 0, NULL, NULL},
};

START_TEST(list_with_filters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	for (size_t i = 0; i < sizeof list_cases / sizeof *list_cases; i++) {
		char path[128];
		snprintf(path, sizeof path, "/_mock/tasks%s", list_cases[i].query);
		cJSON *root = call(&d, "GET", path, NULL, NULL, 200);
		const cJSON *tasks = test_member(root, "tasks");
		ck_assert_msg(cJSON_IsArray(tasks), "%s: no tasks array", path);
		ck_assert_msg(cJSON_GetArraySize(tasks) == list_cases[i].count,
			      "%s: %d tasks, expected %d", path, cJSON_GetArraySize(tasks),
			      list_cases[i].count);
		const cJSON *task;
		cJSON_ArrayForEach(task, tasks)
		{
			ck_assert_ptr_nonnull(test_string_member(task, "taskName"));
			if (list_cases[i].state)
				ck_assert_pstr_eq(test_string_member(task, "state"),
						  list_cases[i].state);
			if (list_cases[i].type)
				ck_assert_pstr_eq(test_string_member(task, "componentType"),
						  list_cases[i].type);
		}
		cJSON_Delete(root);
	}
	/* the RUNNING ones are exactly these */
	cJSON *root = call(&d, "GET", "/_mock/tasks?state=RUNNING", NULL, NULL, 200);
	static const char *const running[] = {DOC_RUNNING, INCR_RUNNING, FULL_RUNNING};
	for (size_t i = 0; i < 3; i++) {
		bool found = false;
		const cJSON *task;
		cJSON_ArrayForEach(task, test_member(root, "tasks")) found =
			found || strcmp(test_string_member(task, "taskName"), running[i]) == 0;
		ck_assert_msg(found, "%s is not listed as RUNNING", running[i]);
	}
	cJSON_Delete(root);
	/* the list follows changes */
	expect_oms(&d, "stop", DOC_RUNNING, NULL);
	root = call(&d, "GET", "/_mock/tasks?state=STOPPED", NULL, NULL, 200);
	ck_assert_int_eq(cJSON_GetArraySize(test_member(root, "tasks")), 3);
	cJSON_Delete(root);
	/* a state that does not exist is refused */
	root = call(&d, "GET", "/_mock/tasks?state=PAUSED", NULL, NULL, 400);
	expect_message(root);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

START_TEST(read_one_task)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const fields[] = {"taskName", "state",     "componentType", "host",
					     "port",	 "seq",	      "config",	       "checkpoint",
					     "progress", "lastError", "createdAt",     "updatedAt"};
	static const char *const names[] = {DOC_STOPPED, FULL_RUNNING, INCR_ABNORMAL};
	for (size_t n = 0; n < 3; n++) {
		cJSON *task = get_task(&d, names[n]);
		ck_assert_ptr_nonnull(task);
		for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
			ck_assert_msg(test_member(task, fields[f]) != NULL, "%s has no \"%s\"",
				      names[n], fields[f]);
		ck_assert_pstr_eq(test_string_member(task, "taskName"), names[n]);
		ck_assert(cJSON_IsObject(test_member(task, "config")));
		ck_assert(cJSON_IsNumber(test_member(task, "createdAt")) &&
			  test_member(task, "createdAt")->valuedouble > 1.6e12);
		ck_assert(cJSON_IsNumber(test_member(task, "updatedAt")) &&
			  test_member(task, "updatedAt")->valuedouble >=
				  test_member(task, "createdAt")->valuedouble);
		ck_assert(cJSON_IsNumber(test_member(task, "port")) &&
			  test_member(task, "port")->valuedouble == 9000);
		ck_assert(cJSON_IsNumber(test_member(task, "seq")) &&
			  test_member(task, "seq")->valuedouble == 1);
		cJSON_Delete(task);
	}
	cJSON *task = get_task(&d, DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	ck_assert_pstr_eq(test_string_member(task, "componentType"), "incr_trans");
	ck_assert_pstr_eq(test_string_member(task, "host"), "xxx.xxx.xxx.xxx");
	ck_assert(test_member(task, "checkpoint")->valuedouble == 1700000321.0);
	ck_assert(cJSON_IsNull(test_member(task, "progress")));
	ck_assert(cJSON_IsNull(test_member(task, "lastError")));
	ck_assert_pstr_eq(
		test_string_member(test_member(test_member(task, "config"), "source"), "clients"),
		"[{\"clientId\":\"p_493po_incr_client_1_0\","
		"\"subtopic\":\"oms_store_p_493po_0_1_0\"}]");
	cJSON_Delete(task);

	task = get_task(&d, FULL_RUNNING);
	ck_assert_pstr_eq(test_string_member(task, "componentType"), "full_trans");
	ck_assert_pstr_eq(test_string_member(task, "host"), "10.0.0.12");
	ck_assert(cJSON_IsNull(test_member(task, "checkpoint")));
	ck_assert(test_member(task, "progress")->valuedouble > 0.419 &&
		  test_member(task, "progress")->valuedouble < 0.421);
	cJSON_Delete(task);

	task = get_task(&d, INCR_ABNORMAL);
	ck_assert_pstr_eq(test_string_member(task, "state"), "ABNORMAL");
	ck_assert_ptr_nonnull(test_string_member(task, "lastError"));
	cJSON_Delete(task);

	/* the raw ':' and '*' in the path work as well */
	cJSON *raw = call(&d, "GET", "/_mock/tasks/" DOC_STOPPED, NULL, NULL, 200);
	ck_assert_pstr_eq(test_string_member(raw, "taskName"), DOC_STOPPED);
	cJSON_Delete(raw);

	/* absent: 404 JSON */
	static const char *const absent[] = {
		"10.0.0.1-9000:connector_v2:p_nobody-incr_trans-1-0:0000000001", "garbage"};
	for (size_t i = 0; i < 2; i++) {
		char *path = task_path(absent[i], NULL);
		cJSON *root = call(&d, "GET", path, NULL, NULL, 404);
		expect_message(root);
		cJSON_Delete(root);
		free(path);
	}
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * create
 * ==================================================================== */

START_TEST(create_task)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *created = call(&d, "POST", "/_mock/tasks", json_type, NEW_TASK_SPEC, 201);
	ck_assert_pstr_eq(test_string_member(created, "taskName"), NEW_TASK);
	ck_assert_pstr_eq(test_string_member(created, "state"), "STOPPED");
	cJSON *task = get_task(&d, NEW_TASK);
	ck_assert_ptr_nonnull(task);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	ck_assert_pstr_eq(
		test_string_member(test_member(test_member(task, "config"), "source"), "username"),
		"u");
	cJSON_Delete(task);
	cJSON_Delete(created);
	/* the OMS routes see it */
	expect_oms(&d, "resume", NEW_TASK, NULL);
	cJSON *after = get_task(&d, NEW_TASK);
	ck_assert_pstr_eq(test_string_member(after, "state"), "RUNNING");
	cJSON_Delete(after);

	/* the optional fields of the fixture format */
	static const char full[] =
		"{\"taskName\":\"10.0.0.51-9000:connector_v2:p_admin2-full_trans-1-0:0000000004\","
		"\"state\":\"FINISHED\",\"config\":{},\"checkpoint\":1700000000,\"progress\":1,"
		"\"lastError\":\"none\"}";
	created = call(&d, "POST", "/_mock/tasks", json_type, full, 201);
	ck_assert_pstr_eq(test_string_member(created, "state"), "FINISHED");
	ck_assert(test_member(created, "checkpoint")->valuedouble == 1700000000.0);
	ck_assert(test_member(created, "progress")->valuedouble == 1.0);
	ck_assert_pstr_eq(test_string_member(created, "lastError"), "none");
	ck_assert(test_member(created, "seq")->valuedouble == 4.0);
	cJSON_Delete(created);
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS + 2);
	test_daemon_down(&d);
}
END_TEST

START_TEST(create_conflicts)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const specs[] = {
		/* the same name */
		"{\"taskName\":\"" DOC_STOPPED "\",\"state\":\"STOPPED\",\"config\":{}}",
		/* the same identity on another host and SEQ */
		"{\"taskName\":\"10.0.0.99-9001:connector_v2:p_493po****-incr_trans-1-0:"
		"0000000005\","
		"\"state\":\"RUNNING\",\"config\":{}}",
	};
	for (size_t i = 0; i < 2; i++) {
		cJSON *root = call(&d, "POST", "/_mock/tasks", json_type, specs[i], 409);
		expect_message(root);
		cJSON_Delete(root);
	}
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
	cJSON *task = get_task(&d, DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_specs[] = {
	/* names */
	"{\"state\":\"STOPPED\",\"config\":{}}",
	"{\"taskName\":\"garbage\",\"state\":\"STOPPED\",\"config\":{}}",
	"{\"taskName\":\"\",\"state\":\"STOPPED\",\"config\":{}}",
	"{\"taskName\":42,\"state\":\"STOPPED\",\"config\":{}}",
	"{\"taskName\":\"10.0.0.1-9000:connector_v2:p_x-incr_trans-1-0:001\",\"state\":\"STOPPED\","
	"\"config\":{}}",
	/* states */
	"{\"taskName\":\"" NEW_TASK "\",\"config\":{}}",
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"PAUSED\",\"config\":{}}",
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"stopped\",\"config\":{}}",
	"{\"taskName\":\"" NEW_TASK "\",\"state\":3,\"config\":{}}",
	/* only a Full-Import can be FINISHED */
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"FINISHED\",\"config\":{}}",
	/* config values are strings */
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"STOPPED\",\"config\":{\"source\":{\"a\":1}}}",
	"{\"taskName\":\"" NEW_TASK
	"\",\"state\":\"STOPPED\",\"config\":{\"source\":{\"a\":true}}}",
	"{\"taskName\":\"" NEW_TASK
	"\",\"state\":\"STOPPED\",\"config\":{\"source\":{\"a\":null}}}",
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"STOPPED\",\"config\":{\"source\":{\"a\":{}}}}",
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"STOPPED\",\"config\":{\"source\":\"flat\"}}",
	"{\"taskName\":\"" NEW_TASK "\",\"state\":\"STOPPED\",\"config\":[]}",
	/* not a JSON object */
	"not json",
	"[]",
	"",
};
enum { BAD_SPECS = sizeof bad_specs / sizeof *bad_specs };

START_TEST(create_refusals)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *root = call(&d, "POST", "/_mock/tasks", json_type, bad_specs[_i], 400);
	expect_message(root);
	cJSON_Delete(root);
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
	cJSON *task = get_task(&d, NEW_TASK);
	ck_assert_msg(task == NULL, "a refused spec created the task");
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * fail
 * ==================================================================== */

START_TEST(fail_a_task)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const names[] = {DOC_RUNNING, DOC_STOPPED, INCR_CREATED};
	for (size_t i = 0; i < 3; i++) {
		char *path = task_path(names[i], "/fail");
		cJSON *answer = call(&d, "POST", path, json_type,
				     "{\"message\":\"disk full on node 3\"}", 200);
		free(path);
		ck_assert_pstr_eq(test_string_member(answer, "state"), "ABNORMAL");
		cJSON_Delete(answer);
		cJSON *task = get_task(&d, names[i]);
		ck_assert_pstr_eq(test_string_member(task, "state"), "ABNORMAL");
		ck_assert_pstr_eq(test_string_member(task, "lastError"), "disk full on node 3");
		cJSON_Delete(task);
	}
	/* the OMS routes see ABNORMAL: resume and stop are allowed from it */
	expect_oms(&d, "stop", DOC_STOPPED, NULL);
	expect_oms(&d, "resume", DOC_RUNNING, NULL);

	/* refusals: an unknown task, a body without a message */
	char *path =
		task_path("10.0.0.1-9000:connector_v2:p_nobody-incr_trans-1-0:0000000001", "/fail");
	cJSON *root = call(&d, "POST", path, json_type, "{\"message\":\"x\"}", 404);
	cJSON_Delete(root);
	free(path);
	static const char *const bodies[] = {"{}", "{\"message\":\"\"}", "{\"message\":3}",
					     "not json", ""};
	path = task_path(DOC_STOPPED2, "/fail");
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		root = call(&d, "POST", path, json_type, bodies[i], 400);
		expect_message(root);
		cJSON_Delete(root);
	}
	free(path);
	cJSON *task = get_task(&d, DOC_STOPPED2);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	ck_assert(cJSON_IsNull(test_member(task, "lastError")));
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * reset
 * ==================================================================== */

START_TEST(reset_wipes_and_reseeds)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *original = get_task(&d, DOC_STOPPED2);
	expect_oms(&d, "delete", INCR_CREATED, NULL);
	expect_oms(&d, "migrate", DOC_RUNNING, NULL);
	test_response r =
		test_oms_request(&d, "update", DOC_STOPPED2, "deleteParams=sink.workerNum", NULL);
	test_response_free(&r);
	cJSON_Delete(call(&d, "POST", "/_mock/tasks", json_type, NEW_TASK_SPEC, 201));
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);

	cJSON *answer = call(&d, "POST", "/_mock/reset", NULL, NULL, 200);
	cJSON_Delete(answer);
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
	cJSON *task = get_task(&d, INCR_CREATED);
	ck_assert_msg(task != NULL, "the deleted fixture task is not back");
	ck_assert_pstr_eq(test_string_member(task, "state"), "CREATED");
	cJSON_Delete(task);
	ck_assert_msg(get_task(&d, NEW_TASK) == NULL, "the created task survived the reset");
	task = get_task(&d, DOC_RUNNING);
	ck_assert_msg(task != NULL, "the migrated fixture task is not back");
	ck_assert_pstr_eq(test_string_member(task, "state"), "RUNNING");
	cJSON_Delete(task);
	ck_assert_msg(
		get_task(
			&d,
			"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002") ==
			NULL,
		"the migrated task survived the reset");
	task = get_task(&d, DOC_STOPPED2);
	ck_assert_msg(
		cJSON_Compare(test_member(task, "config"), test_member(original, "config"), 1),
		"the updated config was not restored");
	cJSON_Delete(task);
	cJSON_Delete(original);
	/* the names work again on the OMS routes */
	expect_oms(&d, "delete", INCR_CREATED, NULL);
	expect_oms(&d, "stop", DOC_RUNNING, NULL);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * unknown routes and wrong methods
 * ==================================================================== */

START_TEST(unknown_control_routes)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const struct {
		const char *method, *path;
	} cases[] = {
		{"GET", "/_mock/"},	     {"GET", "/_mock/nothing"},
		{"POST", "/_mock/nothing"},  {"GET", "/_mock/health/extra"},
		{"GET", "/_mock/tasks/a/b"}, {"POST", "/_mock/tasks/a/unfail"},
		{"GET", "/_mock/Health"},    {"GET", "/_mock/journal/1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *root = call(&d, cases[i].method, cases[i].path, NULL, NULL, 404);
		cJSON_Delete(root);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(wrong_control_methods)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const get[] = {"GET", NULL};
	static const char *const get_head[] = {"GET", "HEAD", NULL};
	static const char *const post[] = {"POST", NULL};
	static const char *const get_post[] = {"GET", "POST", NULL};
	static const char *const get_delete[] = {"GET", "DELETE", NULL};
	static const char *const get_post_delete[] = {"GET", "POST", "DELETE", NULL};
	static const char *const delete_only[] = {"DELETE", NULL};
	static const struct {
		const char *method, *path;
		const char *const *allow;
	} cases[] = {
		{"POST", "/_mock/health", get_head},
		{"DELETE", "/_mock/health", get_head},
		{"PUT", "/_mock/ready", get_head},
		{"PUT", "/_mock/tasks", get_post},
		{"DELETE", "/_mock/tasks", get_post},
		{"DELETE", "/_mock/tasks/" DOC_STOPPED, get},
		{"PUT", "/_mock/tasks/" DOC_STOPPED, get},
		{"GET", "/_mock/tasks/" DOC_STOPPED "/fail", post},
		{"GET", "/_mock/reset", post},
		{"POST", "/_mock/journal", get_delete},
		{"PUT", "/_mock/clock", get_post},
		{"PUT", "/_mock/faults", get_post_delete},
		{"GET", "/_mock/faults/1", delete_only},
		{"POST", "/_mock/namespaces", get},
		{"GET", "/_mock/snapshots/s1/restore", post},
		{"POST", "/_mock/metrics", get},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		test_response r = test_request(&d, cases[i].method, cases[i].path, NULL, NULL);
		ck_assert_msg(r.status == 405, "%s %s: HTTP %ld", cases[i].method, cases[i].path,
			      r.status);
		ck_assert_msg(allow_is(r.allow, cases[i].allow), "%s %s: Allow is \"%s\"",
			      cases[i].method, cases[i].path, r.allow);
		cJSON_Delete(json_of(&r));
		test_response_free(&r);
	}
	/* nothing was deleted or reset by them */
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * the journal's parameters
 * ==================================================================== */

START_TEST(journal_query_refusals)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const paths[] = {
		"/_mock/journal?limit=0",	  "/_mock/journal?limit=abc",
		"/_mock/journal?limit=-1",	  "/_mock/journal?op=pause",
		"/_mock/journal?limit=1&limit=2",
	};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		cJSON *root = call(&d, "GET", paths[i], NULL, NULL, 400);
		expect_message(root);
		cJSON_Delete(root);
	}
	cJSON *root = call(&d, "GET", "/_mock/journal?limit=1&op=&taskName=", NULL, NULL, 200);
	ck_assert(cJSON_IsArray(test_member(root, "entries")));
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

/* ======================================================================
 * the admin token
 * ==================================================================== */

typedef struct {
	const char *method, *path, *body;
	long status; /* with the right token */
} admin_call;

static const admin_call admin_calls[] = {
	{"GET", "/_mock/health", NULL, 200},
	{"GET", "/_mock/tasks", NULL, 200},
	{"GET", "/_mock/tasks?state=RUNNING", NULL, 200},
	{"GET", "/_mock/tasks/" DOC_STOPPED, NULL, 200},
	{"GET", "/_mock/journal", NULL, 200},
	{"POST", "/_mock/tasks", NEW_TASK_SPEC, 201},
	{"POST", "/_mock/tasks/" DOC_STOPPED2 "/fail", "{\"message\":\"boom\"}", 200},
	{"POST", "/_mock/reset", NULL, 200},
	{"GET", "/_mock/nothing", NULL, 404},
	{"PUT", "/_mock/health", NULL, 405},
};
enum { ADMIN_CALLS = sizeof admin_calls / sizeof *admin_calls };

static const char *const wrong_authorizations[] = {
	NULL,
	"Authorization: Bearer wrong",
	"Authorization: Bearer secre",
	"Authorization: Bearer secretX",
	"Authorization: Bearer ",
	"Authorization: secret",
	"Authorization: Basic c2VjcmV0",
	"Authorization: Basic secret",
	"X-Admin-Token: secret",
};

START_TEST(admin_token_guards_every_control_route)
{
	const admin_call *c = &admin_calls[_i];
	test_daemon d;
	const char *const args[] = {"--admin-token", "secret", NULL};
	test_daemon_up(&d, args, NULL);
	expect_oms(&d, "delete", INCR_CREATED, NULL);
	for (size_t w = 0; w < sizeof wrong_authorizations / sizeof *wrong_authorizations; w++) {
		const char *const headers[] = {"Content-Type: application/json",
					       wrong_authorizations[w], NULL};
		test_response r = test_request(&d, c->method, c->path, headers, c->body);
		ck_assert_msg(r.status == 401, "%s %s with %s: HTTP %ld", c->method, c->path,
			      wrong_authorizations[w] ? wrong_authorizations[w] : "no token",
			      r.status);
		ck_assert_msg(r.authenticate[0] != '\0', "a 401 without WWW-Authenticate");
		ck_assert_msg(strncmp(r.authenticate, "Bearer", 6) == 0, "WWW-Authenticate: %s",
			      r.authenticate);
		cJSON_Delete(json_of(&r));
		test_response_free(&r);
	}
	/* nothing changed: no task created, none failed, no reset (which would
	 * bring back the task deleted before the attempts) */
	const char *const token[] = {"Authorization: Bearer secret", NULL};
	test_response r = test_request(&d, "GET", "/_mock/health", token, NULL);
	cJSON *health = json_of(&r);
	ck_assert_int_eq((int)test_member(health, "tasks")->valuedouble, FIXTURE_TASKS - 1);
	cJSON_Delete(health);
	test_response_free(&r);
	r = test_request(&d, "GET", "/_mock/tasks/" DOC_STOPPED2, token, NULL);
	cJSON *task = json_of(&r);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	ck_assert(cJSON_IsNull(test_member(task, "lastError")));
	cJSON_Delete(task);
	test_response_free(&r);

	const char *const right[] = {"Content-Type: application/json",
				     "Authorization: Bearer secret", NULL};
	r = test_request(&d, c->method, c->path, right, c->body);
	ck_assert_msg(r.status == c->status, "%s %s with the token: HTTP %ld, expected %ld",
		      c->method, c->path, r.status, c->status);
	cJSON_Delete(json_of(&r));
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

/* The OMS routes never need the token. */
START_TEST(admin_token_leaves_oms_routes_open)
{
	test_daemon d;
	const char *const args[] = {"--admin-token", "secret", NULL};
	test_daemon_up(&d, args, NULL);
	expect_oms(&d, "resume", DOC_STOPPED, NULL);
	expect_oms(&d, "stop", DOC_STOPPED, NULL);
	expect_oms(&d, "stop", DOC_STOPPED, "ILLEGAL_STATE");
	expect_oms(&d, "delete", INCR_CREATED, NULL);
	/* a wrong token on an OMS route is ignored, not refused */
	const char *const wrong[] = {"Authorization: Bearer wrong", "Content-Type:", NULL};
	test_response r = test_request(
		&d, "POST", "/connector/task/v2/resume?taskName=" DOC_STOPPED, wrong, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(test_envelope_ok(&r, NULL, 0));
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

/* RFC 7235 §2.1: the auth-scheme is case-insensitive. */
START_TEST(admin_token_scheme_is_case_insensitive)
{
	test_daemon d;
	const char *const args[] = {"--admin-token", "secret", NULL};
	test_daemon_up(&d, args, NULL);
	static const char *const headers[] = {"Authorization: bearer secret",
					      "Authorization: BEARER secret"};
	for (size_t i = 0; i < 2; i++) {
		const char *const list[] = {headers[i], NULL};
		test_response r = test_request(&d, "GET", "/_mock/health", list, NULL);
		ck_assert_msg(r.status == 200, "%s: HTTP %ld", headers[i], r.status);
		test_response_free(&r);
	}
	test_daemon_down(&d);
}
END_TEST

/* Without a token configured, the control API is open. */
START_TEST(no_admin_token_is_open)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	const char *const any[] = {"Authorization: Bearer whatever", NULL};
	for (size_t i = 0; i < 2; i++) {
		test_response r = test_request(&d, "GET", "/_mock/health", i ? any : NULL, NULL);
		ck_assert_int_eq(r.status, 200);
		test_response_free(&r);
	}
	test_daemon_down(&d);
}
END_TEST

/* Whether GET /_mock/namespaces lists `name`. */
static bool namespace_listed(const test_daemon *d, const char *name)
{
	cJSON *root = call(d, "GET", "/_mock/namespaces", NULL, NULL, 200);
	const cJSON *item;
	bool found = false;
	cJSON_ArrayForEach(item, test_member(root, "namespaces")) found =
		found || test_same_string(test_string_member(item, "name"), name);
	cJSON_Delete(root);
	return found;
}

/*
 * A read never creates a namespace: it answers as a new namespace would
 * (seeded from the fixtures, real time, no faults, an empty journal, the
 * simulation's settings), and afterwards the namespace is neither listed
 * nor deletable. Nor does a
 * request under /ns/NAME/ that is a 404. Only a write creates it.
 */
START_TEST(reads_create_no_namespace)
{
	test_daemon d;
	/* with the simulation on, a read advances the namespace first: that
	 * creates nothing either */
	const char *args[] = {"--simulate", NULL};
	test_daemon_up(&d, args, NULL);
	cJSON *root = call(&d, "GET", "/ns/typo/_mock/health", NULL, NULL, 200);
	ck_assert_int_eq((int)test_number_member(root, "tasks"), FIXTURE_TASKS);
	cJSON_Delete(root);
	static const char *const reads[] = {
		"/ns/typo/_mock/tasks",		"/ns/typo/_mock/tasks/" INCR_RUNNING,
		"/ns/typo/_mock/journal",	"/ns/typo/_mock/journal/count",
		"/ns/typo/_mock/clock",		"/ns/typo/_mock/faults",
		"/ns/typo/_mock/snapshots",	"/ns/typo/_mock/metrics",
		"/ns/typo/_mock/simulation",	"/ns/typo/_mock/journal?afterId=0&waitMs=300",
		"/ns/typo/_mock/no-such-route", "/ns/typo/no/such/path",
	};
	for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
		test_response r = test_request(&d, "GET", reads[i], NULL, NULL);
		ck_assert_msg(r.status == 200 || r.status == 404, "GET %s: HTTP %ld", reads[i],
			      r.status);
		test_response_free(&r);
	}
	cJSON_Delete(call(&d, "DELETE", "/ns/typo/_mock/faults/1", NULL, NULL, 404));
	ck_assert(!namespace_listed(&d, "typo"));
	/* neither the store nor the memory of clocks and faults holds it */
	cJSON_Delete(call(&d, "DELETE", "/_mock/namespaces/typo", NULL, NULL, 404));

	cJSON_Delete(call(&d, "POST", "/ns/typo/_mock/tasks", json_type, NEW_TASK_SPEC, 201));
	ck_assert(namespace_listed(&d, "typo"));
	root = call(&d, "GET", "/ns/typo/_mock/health", NULL, NULL, 200);
	ck_assert_int_eq((int)test_number_member(root, "tasks"), FIXTURE_TASKS + 1);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static Suite *admin_suite(void)
{
	Suite *suite = suite_create("integration_admin");
	TCase *tc = tcase_create("control");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, health_answers);
	tcase_add_test(tc, list_with_filters);
	tcase_add_test(tc, read_one_task);
	tcase_add_test(tc, create_task);
	tcase_add_test(tc, create_conflicts);
	tcase_add_loop_test(tc, create_refusals, 0, BAD_SPECS);
	tcase_add_test(tc, fail_a_task);
	tcase_add_test(tc, reset_wipes_and_reseeds);
	tcase_add_test(tc, unknown_control_routes);
	tcase_add_test(tc, wrong_control_methods);
	tcase_add_test(tc, journal_query_refusals);
	tcase_add_test(tc, reads_create_no_namespace);
	suite_add_tcase(suite, tc);

	TCase *token = tcase_create("admin_token");
	tcase_set_timeout(token, 30);
	tcase_add_loop_test(token, admin_token_guards_every_control_route, 0, ADMIN_CALLS);
	tcase_add_test(token, admin_token_leaves_oms_routes_open);
	tcase_add_test(token, admin_token_scheme_is_case_insensitive);
	tcase_add_test(token, no_admin_token_is_open);
	suite_add_tcase(suite, token);
	return suite;
}

int main(void) { return test_run_suite(admin_suite()); }
