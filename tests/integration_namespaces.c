/*
 * integration_namespaces.c — namespaces: isolation of every route, seeding, listing, deleting and
 * recreating, refused names, and two clients in two namespaces at once; over real HTTP against the
 * real binary.
 *
 * Every test starts its own daemon(s) on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state. The helpers
 * for OMS calls and the control API are in support.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
/* well-formed, but in no fixture: every operation on it is TASK_NOT_FOUND */
#define NOPE "10.0.0.99-9000:connector_v2:p_nope-incr_trans-1-0:0000000001"
#define FIXTURE_TASKS 8

#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1700000000000)

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
				*tasks = test_int_member(item, "tasks");
			if (snapshots)
				*snapshots = test_int_member(item, "snapshots");
		}
	}
	cJSON_Delete(root);
	return found;
}

START_TEST(namespace_routes_are_isolated)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* OMS routes under /ns/a change a's copy only */
	ck_assert_str_eq(test_oms_code(&d, "/ns/a", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(test_state_in(&d, "/ns/a", DOC_RUNNING), "STOPPED");
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "RUNNING");
	ck_assert_str_eq(test_state_in(&d, "/ns/b", DOC_RUNNING), "RUNNING");
	ck_assert_int_eq(test_journal_count(&d, "/ns/a", ""), 1);
	ck_assert_int_eq(test_journal_count(&d, "", ""), 0);
	ck_assert_int_eq(test_journal_count(&d, "/ns/b", ""), 0);

	/* every control route answers under /ns/{name} */
	char *escaped = test_escape(DOC_STOPPED);
	char task_route[512], fail_route[512];
	test_pathf(task_route, sizeof task_route, "/ns/a/_mock/tasks/%s", escaped);
	test_pathf(fail_route, sizeof fail_route, "/ns/a/_mock/tasks/%s/fail", escaped);
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
		long status =
			test_call_status(&d, routes[i].method, routes[i].path, routes[i].body);
		ck_assert_msg(status == routes[i].status, "%s %s: %ld, want %ld", routes[i].method,
			      routes[i].path, status, routes[i].status);
	}
	/* ... and their effects stayed in a */
	ck_assert_str_eq(test_state_in(&d, "/ns/a", DOC_STOPPED), "ABNORMAL");
	ck_assert_str_eq(test_state_in(&d, "", DOC_STOPPED), "STOPPED");
	bool frozen = true;
	ck_assert_int_eq(test_clock_now(&d, "/ns/a", NULL), T0);
	ck_assert_msg(test_clock_now(&d, "", &frozen) > T0 + DAY_MS && !frozen,
		      "the default clock moved with a's");
	ck_assert_int_eq(test_fault_count(&d, "/ns/a"), 1);
	ck_assert_int_eq(test_fault_count(&d, ""), 0);
	ck_assert_str_eq(test_oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL),
			 ""); /* no drop here */
	cJSON *snaps = test_get_json(&d, "/_mock/snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snaps, "snapshots")),
			 0);
	cJSON_Delete(snaps);
	cJSON *health = test_get_json(&d, "/ns/a/_mock/health");
	ck_assert_pstr_eq(test_string_member(health, "namespace"), "a");
	cJSON_Delete(health);

	/* /ns/default is the plain paths' namespace */
	char *plain = test_all_tasks_text(&d, "");
	char *named = test_all_tasks_text(&d, "/ns/default");
	ck_assert_str_eq(plain, named);
	free(plain);
	free(named);
	ck_assert_str_eq(test_oms_code(&d, "/ns/default", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED");
	ck_assert_str_eq(test_oms_code(&d, "", "resume", DOC_RUNNING, NULL, NULL), "");

	/* POST /ns/a/_mock/reset reseeds a only */
	ck_assert_int_eq(test_call_status(&d, "POST", "/ns/a/_mock/reset", NULL), 200);
	ck_assert_str_eq(test_state_in(&d, "/ns/a", DOC_RUNNING), "RUNNING");
	ck_assert_str_eq(test_state_in(&d, "/ns/a", DOC_STOPPED), "STOPPED");
	ck_assert_str_eq(test_state_in(&d, "", DOC_STOPPED), ""); /* still deleted in default */
	test_daemon_down(&d);
}
END_TEST

START_TEST(namespace_seeded_listed_deleted_recreated)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* default changes; a new namespace still starts from the fixtures */
	ck_assert_str_eq(test_oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	ck_assert_int_eq(test_task_count(&d, "/ns/gone"), FIXTURE_TASKS);
	ck_assert_str_eq(test_state_in(&d, "/ns/gone", DOC_STOPPED), "STOPPED");

	ck_assert_str_eq(test_oms_code(&d, "/ns/gone", "stop", DOC_RUNNING, NULL, NULL), "");
	test_create_task(&d, "/ns/gone",
			 "10.7.7.7-9000:connector_v2:p_gone-incr_trans-1-0:0000000001", "STOPPED");
	cJSON_Delete(
		test_json_call(&d, "POST", "/ns/gone/_mock/snapshots", "{\"name\":\"s\"}", 201));
	test_clock_post(&d, "/ns/gone", "{\"set\":5000,\"freeze\":true}");
	test_add_fault(&d, "/ns/gone",
		       "{\"op\":\"*\",\"times\":-1,\"action\":{\"type\":\"error\"}}");

	int64_t tasks = 0, snapshots = 0;
	ck_assert(listed_namespace(&d, "gone", &tasks, &snapshots));
	ck_assert_int_eq(tasks, FIXTURE_TASKS + 1);
	ck_assert_int_eq(snapshots, 1);
	ck_assert(listed_namespace(&d, "default", &tasks, NULL));
	ck_assert_int_eq(tasks, FIXTURE_TASKS - 1);

	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/namespaces/gone", NULL), 200);
	ck_assert(!listed_namespace(&d, "gone", NULL, NULL));
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/namespaces/gone", NULL), 404);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/namespaces/never-used", NULL), 404);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/namespaces/bad!name", NULL), 400);

	/* used again: fresh, from the fixtures, with nothing of before */
	ck_assert_int_eq(test_task_count(&d, "/ns/gone"), FIXTURE_TASKS);
	ck_assert_str_eq(test_state_in(&d, "/ns/gone", DOC_RUNNING), "RUNNING");
	ck_assert_int_eq(test_journal_count(&d, "/ns/gone", ""), 0);
	cJSON *snaps = test_get_json(&d, "/ns/gone/_mock/snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snaps, "snapshots")),
			 0);
	cJSON_Delete(snaps);
	ck_assert_int_eq(test_fault_count(&d, "/ns/gone"), 0);
	bool frozen = true;
	ck_assert_msg(llabs(test_clock_now(&d, "/ns/gone", &frozen) - test_realtime_ms()) < 5000 &&
			      !frozen,
		      "a re-created namespace kept its old clock");
	ck_assert_str_eq(test_oms_code(&d, "/ns/gone", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert(listed_namespace(&d, "gone", NULL, NULL));
	/* default untouched throughout */
	ck_assert_int_eq(test_task_count(&d, ""), FIXTURE_TASKS - 1);
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
		long status = test_call_status(&d, method, bad[i], NULL);
		ck_assert_msg(status == 404, "%s %s: %ld, want 404", method, bad[i], status);
	}
	test_pathf(path, sizeof path, "/ns/%s/_mock/health", long_name);
	ck_assert_int_eq(test_call_status(&d, "GET", path, NULL), 404);
	test_pathf(path, sizeof path, "/ns/%s/_mock/tasks", long_ok);
	ck_assert_int_eq(test_call_status(&d, "GET", path, NULL), 200);
	ck_assert(!listed_namespace(&d, long_ok, NULL, NULL)); /* a read creates nothing */
	test_pathf(path, sizeof path, "/ns/%s/_mock/journal", long_ok);
	ck_assert_int_eq(test_call_status(&d, "DELETE", path, NULL), 200); /* a write does */
	ck_assert(listed_namespace(&d, long_ok, NULL, NULL));
	ck_assert(!listed_namespace(&d, "bad!name", NULL, NULL));
	ck_assert(!listed_namespace(&d, "bad", NULL, NULL));
	ck_assert_int_eq(test_journal_count(&d, "", ""),
			 0); /* a refused OMS path is not journaled */
	test_daemon_down(&d);
}
END_TEST

/* A namespace first used through its faults and clock (README: "created
 * on first use") is one namespace: DELETE removes its faults and clock. */
START_TEST(namespace_used_only_by_faults_and_clock_is_deletable)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(&d, "/ns/ghost",
		       "{\"op\":\"*\",\"times\":-1,\"action\":{\"type\":\"error\"}}");
	test_clock_post(&d, "/ns/ghost", "{\"set\":5,\"freeze\":true}");
	bool listed = listed_namespace(&d, "ghost", NULL, NULL);
	long status = test_call_status(&d, "DELETE", "/_mock/namespaces/ghost", NULL);
	int faults = test_fault_count(&d, "/ns/ghost");
	bool frozen = false;
	int64_t now = test_clock_now(&d, "/ns/ghost", &frozen);
	ck_assert_msg(
		status == 200 && faults == 0 && !frozen,
		"namespace used only via POST /ns/ghost/_mock/faults and /_mock/clock: listed=%s; "
		"DELETE /_mock/namespaces/ghost -> %ld; afterwards %d fault(s) and clock "
		"now=%lld frozen=%s (want 200, 0 faults, a real-time clock)",
		listed ? "yes" : "no", status, faults, (long long)now, frozen ? "true" : "false");
	/* and the fault no longer fires on the namespace's OMS routes */
	ck_assert_str_eq(test_oms_code(&d, "/ns/ghost", "stop", DOC_RUNNING, NULL, NULL), "");
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
	if (test_oms_try(w->d, w->prefix, op, name, extra, body, &r) < 0) {
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
	test_pathf(path, sizeof path, "%s/_mock/tasks", w->prefix);
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
	ck_assert_int_eq(test_journal_count(d, w->prefix, ""), w->oms_requests);
	root = test_journal_get(d, w->prefix, "limit=100000");
	ck_assert_int_eq(cJSON_GetArraySize(test_journal_entries(root)), w->oms_requests);
	const cJSON *entry;
	cJSON_ArrayForEach(entry, test_journal_entries(root))
	{
		const char *name = test_string_member(entry, "taskName");
		ck_assert_msg(name && (strstr(name, w->tag) ||
				       strcmp(name, w->own_fault_task) == 0 ||
				       strcmp(name, w->other_fault_task) == 0),
			      "namespace %s journals %s", w->tag, name ? name : "null");
		ck_assert_msg(test_int_member(entry, "time") == w->clock,
			      "namespace %s journals a time %lld, its clock stands at %lld", w->tag,
			      (long long)test_int_member(entry, "time"), (long long)w->clock);
	}
	cJSON_Delete(root);
	bool frozen = false;
	ck_assert_int_eq(test_clock_now(d, w->prefix, &frozen), w->clock);
	ck_assert(frozen);
	ck_assert_int_eq(test_fault_count(d, w->prefix), 1);
	cJSON *fault = test_fault_entry(d, w->prefix, 1);
	ck_assert_int_eq(test_int_member(fault, "hits"), w->probes);
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
	ck_assert_int_eq(test_journal_count(&d, "", ""), 0);
	ck_assert_int_eq(test_task_count(&d, ""), FIXTURE_TASKS);
	ck_assert_int_eq(test_fault_count(&d, ""), 0);
	test_daemon_down(&d);
}
END_TEST

static Suite *namespaces_suite(void)
{
	Suite *suite = suite_create("integration_namespaces");
	const test_entry plain[] = {
		{"namespaces", namespace_routes_are_isolated},
		{"namespaces", namespace_seeded_listed_deleted_recreated},
		{"namespaces", namespace_invalid_names},
		{"namespaces", namespace_used_only_by_faults_and_clock_is_deletable},
		{"namespaces", two_namespaces_two_threads_never_cross},
	};
	test_add_grouped(suite, plain, COUNT(plain), 120);
	return suite;
}

int main(void) { return test_run_suite(namespaces_suite()); }
