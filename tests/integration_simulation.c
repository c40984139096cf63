/*
 * integration_simulation.c — living connectors over real HTTP against the
 * real binary: a Full-Import that finishes on the virtual clock, an
 * Incr-Sync that catches up after a pull back, seeded failures that give
 * the same journal twice, the settings' refusals, a restart that continues
 * where it was, and the journal's waiters (waitMs, Server-Sent Events).
 *
 * Each scenario runs in a namespace of its own on a frozen clock, so every
 * number is exact. Waits on the daemon have generous bounds and assert
 * only that an answer came before them, never how fast.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define FULL "10.0.0.1-9000:connector_v2:p_sim-full_trans-1-0:0000000001"
#define INCR "10.0.0.1-9000:connector_v2:p_sim-incr_trans-1-0:0000000001"
/* FULL, escaped for a query (each namespace also holds the default
 * fixtures, whose RUNNING tasks move too) */
#define FULL_QUERY "taskName=10.0.0.1-9000%3Aconnector_v2%3Ap_sim-full_trans-1-0%3A0000000001"

/* ---- helpers ------------------------------------------------------------ */

static cJSON *call(const test_daemon *d, const char *method, const char *ns, const char *route,
		   const char *body, long status)
{
	char path[2048];
	snprintf(path, sizeof path, "/ns/%s%s", ns, route);
	return test_json_call(d, method, path, body, status);
}

static void freeze(const test_daemon *d, const char *ns)
{
	cJSON_Delete(call(d, "POST", ns, "/_mock/clock", "{\"freeze\":true,\"set\":1767225600000}",
			  200));
}

static void advance(const test_daemon *d, const char *ns, long long ms)
{
	char body[64];
	snprintf(body, sizeof body, "{\"advanceMs\":%lld}", ms);
	cJSON_Delete(call(d, "POST", ns, "/_mock/clock", body, 200));
}

static void simulate(const test_daemon *d, const char *ns, const char *settings)
{
	cJSON_Delete(call(d, "PUT", ns, "/_mock/simulation", settings, 200));
}

static void create(const test_daemon *d, const char *ns, const char *name, const char *state,
		   const char *extra)
{
	char body[2048];
	snprintf(body, sizeof body, "{\"taskName\":\"%s\",\"state\":\"%s\"%s}", name, state,
		 extra ? extra : "");
	cJSON_Delete(call(d, "POST", ns, "/_mock/tasks", body, 201));
}

static cJSON *task(const test_daemon *d, const char *ns, const char *name)
{
	char *escaped = test_escape(name);
	char route[1024];
	snprintf(route, sizeof route, "/_mock/tasks/%s", escaped);
	free(escaped);
	return call(d, "GET", ns, route, NULL, 200);
}

/* An OMS operation in `ns`; asserts its isSuccess is `ok`. */
static void oms(const test_daemon *d, const char *ns, const char *op, const char *name,
		const char *extra, bool ok)
{
	char *escaped = test_escape(name);
	char path[1024];
	snprintf(path, sizeof path, "/ns/%s/connector/task/v2/%s?taskName=%s%s%s", ns, op, escaped,
		 extra ? "&" : "", extra ? extra : "");
	free(escaped);
	test_response r = test_request(d, "POST", path, NULL, NULL);
	char code[64];
	bool success = test_envelope_ok(&r, code, sizeof code);
	ck_assert_msg(success == ok, "%s %s: %s", op, name, r.body);
	test_response_free(&r);
}

static cJSON *journal(const test_daemon *d, const char *ns, const char *query)
{
	char route[512];
	snprintf(route, sizeof route, "/_mock/journal%s", query);
	cJSON *root = call(d, "GET", ns, route, NULL, 200);
	cJSON *entries = cJSON_DetachItemFromObject(root, "entries");
	cJSON_Delete(root);
	ck_assert(cJSON_IsArray(entries));
	return entries;
}

static long long int_member(const cJSON *object, const char *key)
{
	return (long long)test_number_member(object, key);
}

/* ---- the scenarios ---------------------------------------------- */

START_TEST(full_import_finishes_on_the_clock)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	freeze(&d, "full");
	simulate(&d, "full", "{\"enabled\":true,\"seed\":42,\"fullDurationMs\":600000}");
	create(&d, "full", FULL, "STOPPED", ",\"progress\":0");
	oms(&d, "full", "resume", FULL, NULL, true);
	advance(&d, "full", 300000);
	cJSON *t = task(&d, "full", FULL);
	ck_assert_str_eq(test_string_member(t, "state"), "RUNNING");
	ck_assert(test_number_member(t, "progress") == 0.5);
	cJSON_Delete(t);
	advance(&d, "full", 300001);
	t = task(&d, "full", FULL);
	ck_assert_str_eq(test_string_member(t, "state"), "FINISHED");
	ck_assert(test_number_member(t, "progress") == 1);
	ck_assert_int_eq(int_member(t, "updatedAt"), T0 + 600000); /* when it happened */
	cJSON_Delete(t);
	cJSON *entries = journal(&d, "full", "?op=simulate&" FULL_QUERY);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 1);
	const cJSON *e = cJSON_GetArrayItem(entries, 0);
	ck_assert_str_eq(test_string_member(e, "taskName"), FULL);
	ck_assert_str_eq(test_string_member(e, "fromState"), "RUNNING");
	ck_assert_str_eq(test_string_member(e, "toState"), "FINISHED");
	ck_assert_int_eq(int_member(e, "time"), T0 + 600000);
	cJSON_Delete(entries);
	/* read again: applied once, not twice */
	entries = journal(&d, "full", "?op=simulate&" FULL_QUERY);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 1);
	cJSON_Delete(entries);
	oms(&d, "full", "resume", FULL, "restartFlag=true", false); /* FINISHED: refused */
	/* restartFlag=true: a stopped Full-Import at 0.7 starts again from 0 */
	static const char other[] = "10.0.0.1-9000:connector_v2:p_sim-full_trans-2-0:0000000001";
	create(&d, "full", other, "STOPPED", ",\"progress\":0.7");
	oms(&d, "full", "resume", other, "restartFlag=true", true);
	advance(&d, "full", 150000);
	t = task(&d, "full", other);
	ck_assert(test_number_member(t, "progress") == 0.25);
	cJSON_Delete(t);
	/* and a plain resume continues from where it stopped */
	oms(&d, "full", "stop", other, NULL, true);
	advance(&d, "full", 600000);
	oms(&d, "full", "resume", other, NULL, true);
	advance(&d, "full", 150000);
	t = task(&d, "full", other);
	ck_assert(test_number_member(t, "progress") == 0.5);
	cJSON_Delete(t);
	test_daemon_down(&d);
}
END_TEST

START_TEST(incr_sync_catches_up_after_a_pull_back)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	freeze(&d, "incr");
	simulate(&d, "incr", "{\"enabled\":true,\"catchUpFactor\":10,\"incrLagMs\":2000}");
	long long T = T0 / 1000 - 3600; /* an hour ago */
	char extra[256];
	snprintf(extra, sizeof extra,
		 ",\"config\":{\"source\":{\"checkpoint\":\"{\\\"sub_1\\\":\\\"%lld\\\"}\"}}", T);
	create(&d, "incr", INCR, "STOPPED", extra);
	oms(&d, "incr", "resume", INCR, "pullBackFlag=true", true);
	cJSON *t = task(&d, "incr", INCR);
	ck_assert_int_eq(int_member(t, "checkpoint"), T);
	cJSON_Delete(t);
	advance(&d, "incr", 60000);
	t = task(&d, "incr", INCR);
	ck_assert_str_eq(test_string_member(t, "state"), "RUNNING");
	ck_assert_int_eq(int_member(t, "checkpoint"), T + 600);
	ck_assert(test_number_member(t, "lagSeconds") == 3660 - 600);
	cJSON_Delete(t);
	/* caught up after 3,598 s / 9 more: then 2 s behind the clock */
	advance(&d, "incr", 3600000);
	t = task(&d, "incr", INCR);
	ck_assert(test_number_member(t, "lagSeconds") == 2);
	cJSON_Delete(t);
	/* stopped, it stands still while the clock runs on */
	oms(&d, "incr", "stop", INCR, NULL, true);
	t = task(&d, "incr", INCR);
	long long stopped_at = int_member(t, "checkpoint");
	cJSON_Delete(t);
	advance(&d, "incr", 600000);
	t = task(&d, "incr", INCR);
	ck_assert_int_eq(int_member(t, "checkpoint"), stopped_at);
	ck_assert(test_number_member(t, "lagSeconds") == 602);
	cJSON_Delete(t);
	/* resumed, it continues from there and catches up again */
	oms(&d, "incr", "resume", INCR, NULL, true);
	advance(&d, "incr", 10000);
	t = task(&d, "incr", INCR);
	ck_assert_int_eq(int_member(t, "checkpoint"), stopped_at + 100);
	cJSON_Delete(t);
	test_daemon_down(&d);
}
END_TEST

/* The failure scenario: tasks of both types RUNNING, a rate of 20 per hour,
 * the clock moved in steps with reads between. Returns the namespace's
 * journal of simulated transitions as text (caller frees). */
static char *failure_scenario(const test_daemon *d, const char *ns, int seed)
{
	freeze(d, ns);
	char settings[128];
	snprintf(settings, sizeof settings, "{\"enabled\":true,\"seed\":%d,\"failuresPerHour\":20}",
		 seed);
	simulate(d, ns, settings);
	for (int i = 0; i < 6; i++) {
		char name[128];
		snprintf(name, sizeof name, "10.0.0.%d-9000:connector_v2:p_f%d-%s-1-0:0000000001",
			 i, i, i % 2 ? "full_trans" : "incr_trans");
		create(d, ns, name, "RUNNING", NULL);
	}
	for (int step = 0; step < 8; step++) {
		advance(d, ns, 97000 * (step + 1));
		cJSON_Delete(call(d, "GET", ns, "/_mock/tasks", NULL, 200));
	}
	cJSON *entries = journal(d, ns, "?op=simulate");
	char *text = cJSON_PrintUnformatted(entries);
	cJSON_Delete(entries);
	return text;
}

START_TEST(seeded_failures_replay_exactly)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char *first = failure_scenario(&d, "fail-a", 7);
	char *other = failure_scenario(&d, "fail-c", 8);
	/* the same scenario in another process, from another database */
	test_daemon again;
	test_daemon_up(&again, NULL, NULL);
	char *second = failure_scenario(&again, "fail-a", 7);
	test_daemon_down(&again);
	ck_assert_msg(strcmp(first, second) == 0, "two runs differ:\n%s\n%s", first, second);
	ck_assert_str_ne(first, other);
	cJSON *entries = test_parse_json(first);
	int failed = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, entries)
	{
		if (!test_same_string(test_string_member(e, "toState"), "ABNORMAL"))
			continue;
		failed++;
		const cJSON *params = test_member(e, "params");
		const char *last_error = test_string_member(params, "lastError");
		ck_assert_ptr_nonnull(last_error);
		/* the task shows it, and the rules see it at once: stop is allowed */
		const char *name = test_string_member(e, "taskName");
		cJSON *t = task(&d, "fail-a", name);
		ck_assert_str_eq(test_string_member(t, "state"), "ABNORMAL");
		ck_assert_str_eq(test_string_member(t, "lastError"), last_error);
		cJSON_Delete(t);
		oms(&d, "fail-a", "stop", name, NULL, true);
	}
	ck_assert_int_gt(failed, 0);
	cJSON_Delete(entries);
	free(first);
	free(second);
	free(other);
	test_daemon_down(&d);
}
END_TEST

START_TEST(settings_refusals_change_nothing)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *before = call(&d, "GET", "set", "/_mock/simulation", NULL, 200);
	ck_assert(cJSON_IsFalse(test_member(before, "enabled"))); /* off by default */
	static const char *const refused[] = {
		"{\"unknown\":1}",
		"{\"enabled\":true,\"catchUpFactor\":0.5}",
		"{\"enabled\":true,\"fullDurationMs\":0}",
		"{\"fullJitter\":2}",
		"{\"failuresPerHour\":-1}",
		"{\"seed\":\"7\"}",
		"{\"failures\":[]}",
		"[1]",
		"not json",
	};
	for (size_t i = 0; i < COUNT(refused); i++) {
		cJSON *answer = call(&d, "PUT", "set", "/_mock/simulation", refused[i], 400);
		ck_assert_ptr_nonnull(test_string_member(answer, "message"));
		cJSON_Delete(answer);
		cJSON *now = call(&d, "GET", "set", "/_mock/simulation", NULL, 200);
		ck_assert_msg(cJSON_Compare(now, before, 1), "%s changed the settings", refused[i]);
		cJSON_Delete(now);
	}
	cJSON *after = call(&d, "PUT", "set", "/_mock/simulation", "{\"seed\":9}", 200);
	ck_assert_int_eq(int_member(after, "seed"), 9);
	ck_assert(cJSON_IsFalse(test_member(after, "enabled"))); /* the rest kept */
	cJSON_Delete(after);
	cJSON_Delete(before);
	/* the journal's filters know the new op, and waitMs is bounded */
	cJSON_Delete(call(&d, "GET", "set", "/_mock/journal?afterId=0&waitMs=30001", NULL, 400));
	cJSON_Delete(call(&d, "GET", "set", "/_mock/journal?waitMs=10", NULL, 400));
	cJSON_Delete(call(&d, "GET", "set", "/_mock/journal?op=simulate", NULL, 200));
	test_daemon_down(&d);
}
END_TEST

START_TEST(a_restart_continues_where_it_was)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* the real clock: a Full-Import of 10 hours, half done */
	simulate(&d, "keep", "{\"enabled\":true,\"fullDurationMs\":36000000}");
	create(&d, "keep", FULL, "RUNNING", ",\"progress\":0.5");
	cJSON *t = task(&d, "keep", FULL);
	double before = test_number_member(t, "progress");
	cJSON_Delete(t);
	ck_assert(before >= 0.5 && before < 0.51);
	test_daemon_down_keep(&d);
	test_daemon again;
	test_daemon_up(&again, NULL, &d);
	cJSON *settings = call(&again, "GET", "keep", "/_mock/simulation", NULL, 200);
	ck_assert(cJSON_IsTrue(test_member(settings, "enabled")));
	ck_assert_int_eq(int_member(settings, "fullDurationMs"), 36000000);
	cJSON_Delete(settings);
	t = task(&again, "keep", FULL);
	ck_assert_str_eq(test_string_member(t, "state"), "RUNNING");
	double after = test_number_member(t, "progress");
	ck_assert_msg(after >= before && after < 0.51, "progress %f after %f", after, before);
	cJSON_Delete(t);
	test_daemon_down(&again);
}
END_TEST

START_TEST(metrics_show_the_tasks_moving)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	freeze(&d, "prom");
	simulate(&d, "prom", "{\"enabled\":true,\"fullDurationMs\":1000}");
	create(&d, "prom", FULL, "RUNNING", ",\"progress\":0");
	advance(&d, "prom", 250);
	char *text = test_get_text(&d, "/ns/prom/_mock/metrics");
	ck_assert_msg(strstr(text, "connector_mock_task_progress{namespace=\"prom\",task=\"" FULL
				   "\"} 0.25\n"),
		      "%s", text);
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_task_state{namespace=\"prom\",task=\"" FULL
				     "\",state=\"RUNNING\"} 1\n"));
	free(text);
	advance(&d, "prom", 750);
	text = test_get_text(&d, "/ns/prom/_mock/metrics");
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_task_state{namespace=\"prom\",task=\"" FULL
				     "\",state=\"FINISHED\"} 1\n"));
	/* every Full-Import of the fixtures finished too: 3 in all */
	ck_assert_ptr_nonnull(strstr(text,
				     "connector_mock_tasks{namespace=\"prom\",state=\"FINISHED\","
				     "type=\"full_trans\"} 3\n"));
	free(text);
	test_daemon_down(&d);
}
END_TEST

/* ---- waiting for the journal -------------------------------------------- */

typedef struct {
	const test_daemon *d;
	char path[512];
	test_response response;
	int64_t elapsed_ms;
} waiting_get;

static void *run_get(void *arg)
{
	waiting_get *g = arg;
	int64_t start = test_monotonic_ms();
	test_http(g->d, "GET", g->path, NULL, NULL, 0, &g->response);
	g->elapsed_ms = test_monotonic_ms() - start;
	return NULL;
}

START_TEST(wait_ms_returns_when_an_entry_comes)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	freeze(&d, "wait");
	simulate(&d, "wait", "{\"enabled\":true,\"fullDurationMs\":1000}");
	create(&d, "wait", FULL, "RUNNING", NULL);
	/* nothing newer than the last entry: the answer comes after waitMs, empty */
	cJSON *entries = journal(&d, "wait", "?afterId=0&waitMs=300&" FULL_QUERY);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 0);
	cJSON_Delete(entries);
	/* a waiter, then the clock moves past the finish: it answers at once */
	waiting_get g = {.d = &d};
	snprintf(g.path, sizeof g.path, "%s",
		 "/ns/wait/_mock/journal?afterId=0&waitMs=30000&" FULL_QUERY);
	pthread_t thread;
	pthread_create(&thread, NULL, run_get, &g);
	test_sleep_ms(300);
	advance(&d, "wait", 1000);
	pthread_join(thread, NULL);
	ck_assert_int_eq(g.response.status, 200);
	ck_assert_msg(g.elapsed_ms < 25000, "the waiter took %lld ms", (long long)g.elapsed_ms);
	cJSON *root = test_response_json(&g.response);
	const cJSON *list = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(list), 1);
	ck_assert_str_eq(test_string_member(cJSON_GetArrayItem(list, 0), "op"), "simulate");
	long long finished_id = int_member(cJSON_GetArrayItem(list, 0), "id");
	cJSON_Delete(root);
	test_response_free(&g.response);
	/* and an operation wakes a waiter too */
	g = (waiting_get){.d = &d};
	snprintf(g.path, sizeof g.path, "/ns/wait/_mock/journal?afterId=%lld&waitMs=30000&%s",
		 finished_id, FULL_QUERY);
	pthread_create(&thread, NULL, run_get, &g);
	test_sleep_ms(300);
	oms(&d, "wait", "delete", FULL, NULL, true);
	pthread_join(thread, NULL);
	ck_assert_msg(g.elapsed_ms < 25000, "the waiter took %lld ms", (long long)g.elapsed_ms);
	root = test_response_json(&g.response);
	list = test_member(root, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(list), 1);
	ck_assert_str_eq(test_string_member(cJSON_GetArrayItem(list, 0), "op"), "delete");
	ck_assert_int_gt(int_member(cJSON_GetArrayItem(list, 0), "id"), finished_id);
	cJSON_Delete(root);
	test_response_free(&g.response);
	test_daemon_down(&d);
}
END_TEST

START_TEST(a_running_clock_needs_no_ticker)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* the real clock: the Full-Import finishes half a second from now, and
	 * nothing but the waiter itself reads the namespace */
	simulate(&d, "live", "{\"enabled\":true,\"fullDurationMs\":500}");
	create(&d, "live", FULL, "RUNNING", ",\"progress\":0");
	int64_t start = test_monotonic_ms();
	cJSON *entries = journal(&d, "live", "?afterId=0&waitMs=20000&op=simulate&" FULL_QUERY);
	ck_assert_int_lt(test_monotonic_ms() - start, 15000);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 1);
	ck_assert_str_eq(test_string_member(cJSON_GetArrayItem(entries, 0), "toState"), "FINISHED");
	cJSON_Delete(entries);
	test_daemon_down(&d);
}
END_TEST

/* An event stream read by a thread until `until` appears in it. */
typedef struct {
	const test_daemon *d;
	char path[256];
	const char *last_event_id; /* a header, or NULL */
	const char *until;
	test_buffer seen;
	pthread_mutex_t lock;
	bool opened; /* the first bytes came */
	long status;
} stream_reader;

static size_t on_stream(char *data, size_t size, size_t count, void *user)
{
	stream_reader *r = user;
	pthread_mutex_lock(&r->lock);
	size_t n = test_buffer_sink(data, size, count, &r->seen);
	r->opened = true;
	bool done = r->seen.data && strstr(r->seen.data, r->until);
	pthread_mutex_unlock(&r->lock);
	return done ? 0 : n; /* 0 ends the transfer: the client goes */
}

static void *read_stream(void *arg)
{
	stream_reader *r = arg;
	CURL *curl = curl_easy_init();
	char url[512], header[128];
	snprintf(url, sizeof url, "%s%s", r->d->base_url, r->path);
	struct curl_slist *headers = NULL;
	if (r->last_event_id) {
		snprintf(header, sizeof header, "Last-Event-ID: %s", r->last_event_id);
		headers = curl_slist_append(headers, header);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return NULL;
}

static bool stream_opened(stream_reader *r)
{
	pthread_mutex_lock(&r->lock);
	bool opened = r->opened;
	pthread_mutex_unlock(&r->lock);
	return opened;
}

START_TEST(events_stream_the_journal)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	freeze(&d, "sse");
	simulate(&d, "sse", "{\"enabled\":true,\"fullDurationMs\":1000}");
	create(&d, "sse", FULL, "STOPPED", NULL);
	oms(&d, "sse", "resume", FULL, NULL, true); /* journal entry 1 */
	stream_reader r = {.d = &d,
			   .path = "/ns/sse/_mock/events",
			   .until = "\"op\":\"simulate\",\"taskName\":\"" FULL "\""};
	pthread_mutex_init(&r.lock, NULL);
	pthread_t thread;
	pthread_create(&thread, NULL, read_stream, &r);
	int64_t start = test_monotonic_ms();
	while (!stream_opened(&r) && test_monotonic_ms() - start < 20000)
		test_sleep_ms(20);
	ck_assert_msg(stream_opened(&r), "the stream sent nothing in 20 s");
	advance(&d, "sse", 1000); /* the Full-Import finishes (and the fixtures' one) */
	pthread_join(thread, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(r.seen.data);
	ck_assert_msg(strstr(r.seen.data, "\nevent: simulate\ndata: {\"id\":"), "stream: %s",
		      r.seen.data);
	ck_assert_msg(!strstr(r.seen.data, "id: 1\n"), "entry 1 came before the stream opened");
	free(r.seen.data);
	/* Last-Event-ID resumes from the journal: everything after entry 0 */
	stream_reader again = {
		.d = &d, .path = "/ns/sse/_mock/events", .last_event_id = "0", .until = "id: 2\n"};
	pthread_mutex_init(&again.lock, NULL);
	pthread_create(&thread, NULL, read_stream, &again);
	pthread_join(thread, NULL);
	ck_assert_ptr_nonnull(again.seen.data);
	ck_assert_msg(strstr(again.seen.data, "id: 1\nevent: operation\ndata: "), "stream: %s",
		      again.seen.data);
	free(again.seen.data);
	/* the streams' threads were released: the daemon stops at once */
	int64_t stopping = test_monotonic_ms();
	test_daemon_down(&d);
	ck_assert_int_lt(test_monotonic_ms() - stopping, 9000);
}
END_TEST

/* A raw connection that asks for an event stream; -1 on failure. */
static int open_stream(const test_daemon *d, const char *path)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port)};
	inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char request[512];
	int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
			 path);
	if (write(fd, request, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads from `fd` until `needle` has come (true) or 20 s passed. */
static bool read_until(int fd, const char *needle, char *seen, size_t cap)
{
	size_t len = 0;
	seen[0] = '\0';
	int64_t start = test_monotonic_ms();
	while (!strstr(seen, needle) && test_monotonic_ms() - start < 20000 && len + 1 < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t got = read(fd, seen + len, cap - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
		seen[len] = '\0';
	}
	return strstr(seen, needle) != NULL;
}

START_TEST(streams_are_bounded_and_released)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	enum { STREAMS = 32 };
	int fds[STREAMS];
	char seen[4096];
	for (int i = 0; i < STREAMS; i++) {
		fds[i] = open_stream(&d, "/ns/cap/_mock/events");
		ck_assert_int_ge(fds[i], 0);
		ck_assert_msg(read_until(fds[i], "retry: 1000", seen, sizeof seen), "stream %d: %s",
			      i, seen);
	}
	cJSON *refused = test_json_call(&d, "GET", "/ns/cap/_mock/events", NULL, 503);
	ck_assert_str_eq(test_string_member(refused, "error"), "TOO_MANY_STREAMS");
	cJSON_Delete(refused);
	/* the clients go: their threads notice, and the slots come back */
	for (int i = 0; i < STREAMS; i++)
		close(fds[i]);
	bool reopened = false;
	int64_t start = test_monotonic_ms();
	while (!reopened && test_monotonic_ms() - start < 20000) {
		int fd = open_stream(&d, "/ns/cap/_mock/events");
		ck_assert_int_ge(fd, 0);
		reopened = read_until(fd, "\r\n\r\n", seen, sizeof seen) &&
			   strncmp(seen, "HTTP/1.1 200", 12) == 0;
		close(fd);
		if (!reopened)
			test_sleep_ms(100);
	}
	ck_assert_msg(reopened, "no stream could open after the clients went: %s", seen);
	test_daemon_down(&d);
}
END_TEST

static Suite *simulation_suite(void)
{
	const test_entry tests[] = {
		{"scenarios", full_import_finishes_on_the_clock},
		{"scenarios", incr_sync_catches_up_after_a_pull_back},
		{"scenarios", seeded_failures_replay_exactly},
		{"settings", settings_refusals_change_nothing},
		{"settings", a_restart_continues_where_it_was},
		{"settings", metrics_show_the_tasks_moving},
		{"waiting", wait_ms_returns_when_an_entry_comes},
		{"waiting", a_running_clock_needs_no_ticker},
		{"waiting", events_stream_the_journal},
		{"waiting", streams_are_bounded_and_released},
	};
	Suite *suite = suite_create("integration_simulation");
	test_add_grouped(suite, tests, COUNT(tests), 120);
	return suite;
}

int main(void) { return test_run_suite(simulation_suite()); }
