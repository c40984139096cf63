/*
 * integration_delivery.c — the truth about delivery and the socket-level
 * faults, each with a real client socket against the real binary: a
 * delayed answer past the client's timeout is journaled delivered:false and
 * a normal one true; reset gives ECONNRESET, partial a body cut short of its
 * Content-Length, slow an answer paced at its rate, garbage no HTTP; apply
 * or not shows in the task's state; faults scoped by a header, by the
 * client's address, and on the control API by method and path prefix; a
 * journal count that waits (atLeast, waitMs) answers as soon as it is
 * reached, and with the count when the time runs out.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"

/* What a raw client got: the bytes, how the read ended, how long it took. */
typedef struct {
	char data[16384];
	size_t len;
	int end_errno; /* 0: a clean EOF; else the errno of the failed read */
	int64_t ms;
} raw_answer;

/* Sends `request` on a new connection to the daemon and reads until the
 * peer closes, a read fails, or `timeout_ms` pass (end_errno EAGAIN); then
 * closes. */
static void raw_exchange(const test_daemon *d, const char *request, int timeout_ms, raw_answer *out)
{
	memset(out, 0, sizeof *out);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port)};
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address, sizeof address), 0);
	struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
	int64_t start = test_monotonic_ms();
	ck_assert_int_eq(send(fd, request, strlen(request), MSG_NOSIGNAL),
			 (ssize_t)strlen(request));
	for (;;) {
		ssize_t n = recv(fd, out->data + out->len, sizeof out->data - 1 - out->len, 0);
		if (n > 0) {
			out->len += (size_t)n;
			continue;
		}
		out->end_errno = n == 0 ? 0 : errno;
		break;
	}
	out->ms = test_monotonic_ms() - start;
	out->data[out->len] = '\0';
	close(fd);
}

/* The raw HTTP of an OMS operation on `name`, with an extra header line
 * ("" for none). */
static void oms_request(char *out, size_t cap, const char *op, const char *name, const char *header)
{
	char *escaped = test_escape(name);
	test_pathf(out, cap,
		   "POST /connector/task/v2/%s?taskName=%s HTTP/1.1\r\nHost: test\r\n"
		   "Content-Length: 0\r\nConnection: close\r\n%s\r\n",
		   op, escaped, header);
	free(escaped);
}

/* The newest journal entry of `name` once its delivery is known (it is
 * written after the answer): waits up to 10 s. Caller frees the root. */
static const cJSON *settled_entry(const test_daemon *d, const char *name, cJSON **root)
{
	char *escaped = test_escape(name);
	char query[512];
	test_pathf(query, sizeof query, "taskName=%s", escaped);
	free(escaped);
	for (int64_t deadline = test_monotonic_ms() + 10000;; test_sleep_ms(20)) {
		*root = test_journal_get(d, "", query);
		const cJSON *entries = test_journal_entries(*root);
		const cJSON *last = cJSON_GetArrayItem(entries, cJSON_GetArraySize(entries) - 1);
		if (last && !test_is_null_member(last, "delivered"))
			return last;
		ck_assert_msg(test_monotonic_ms() < deadline,
			      "the delivery of %s was never recorded", name);
		cJSON_Delete(*root);
	}
}

static bool delivered(const cJSON *entry)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "delivered"));
}

START_TEST(delivery_delay_past_timeout)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char request[1024];
	/* a normal answer, read whole: delivered */
	oms_request(request, sizeof request, "resume", DOC_STOPPED, "");
	raw_answer answer;
	raw_exchange(&d, request, 10000, &answer);
	ck_assert_msg(strncmp(answer.data, "HTTP/1.1 200", 12) == 0, "%s", answer.data);
	cJSON *root;
	const cJSON *entry = settled_entry(&d, DOC_STOPPED, &root);
	ck_assert_msg(delivered(entry), "a normal answer is journaled undelivered");
	cJSON_Delete(root);

	/* a 2 s delay against a client that gives up after 1 s */
	test_add_fault(&d, "", "{\"op\":\"stop\",\"action\":{\"type\":\"delay\",\"ms\":2000}}");
	oms_request(request, sizeof request, "stop", DOC_RUNNING, "");
	raw_exchange(&d, request, 1000, &answer);
	ck_assert_int_eq((int)answer.len, 0);
	ck_assert_int_eq(answer.end_errno, EAGAIN);
	entry = settled_entry(&d, DOC_RUNNING, &root);
	ck_assert_msg(!delivered(entry), "an answer written after the client left is delivered");
	ck_assert_pstr_eq(test_string_member(entry, "injected"), "delay");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess")));
	cJSON_Delete(root);
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED"); /* applied all the same */

	ck_assert_int_eq(test_journal_count(&d, "", "delivered=false"), 1);
	ck_assert_int_eq(test_journal_count(&d, "", "delivered=true"), 1);
	char *metrics = test_get_text(&d, "/_mock/metrics");
	bool counted = strstr(metrics, "connector_mock_answers_undelivered_total{namespace="
				       "\"default\",op=\"stop\"} 1\n") != NULL;
	free(metrics);
	ck_assert_msg(counted, "the undelivered answer is not counted");
	test_response bad = test_request(&d, "GET", "/_mock/journal?delivered=maybe", NULL, NULL);
	ck_assert_int_eq(bad.status, 400);
	test_response_free(&bad);
	test_daemon_down(&d);
}
END_TEST

START_TEST(delivery_reset)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	int64_t id = test_add_fault(
		&d, "", "{\"op\":\"stop\",\"action\":{\"type\":\"reset\",\"apply\":true}}");
	char request[1024];
	oms_request(request, sizeof request, "stop", DOC_RUNNING, "");
	raw_answer answer;
	raw_exchange(&d, request, 10000, &answer);
	ck_assert_int_eq((int)answer.len, 0);
	ck_assert_msg(answer.end_errno == ECONNRESET, "the read ended with %s, not ECONNRESET",
		      answer.end_errno ? strerror(answer.end_errno) : "a clean EOF");
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED"); /* apply: true */
	cJSON *root;
	const cJSON *entry = settled_entry(&d, DOC_RUNNING, &root);
	ck_assert(!delivered(entry));
	ck_assert_int_eq(test_int_member(entry, "faultId"), id);
	const cJSON *sent = test_member(entry, "sent");
	ck_assert_pstr_eq(test_string_member(sent, "kind"), "reset");
	ck_assert_int_eq(test_int_member(sent, "bytes"), 0);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

/* The Content-Length header's value, or -1. */
static long content_length(const char *head)
{
	const char *at = strstr(head, "Content-Length: ");
	return at ? strtol(at + 16, NULL, 10) : -1;
}

START_TEST(delivery_partial)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(&d, "", "{\"op\":\"stop\",\"action\":{\"type\":\"partial\",\"bytes\":10}}");
	char request[1024];
	oms_request(request, sizeof request, "stop", DOC_RUNNING, "");
	raw_answer answer;
	raw_exchange(&d, request, 10000, &answer);
	const char *body = strstr(answer.data, "\r\n\r\n");
	ck_assert_msg(strncmp(answer.data, "HTTP/1.1 200", 12) == 0 && body, "%s", answer.data);
	body += 4;
	long declared = content_length(answer.data);
	ck_assert_int_eq((long)strlen(body), 10);
	ck_assert_msg(declared > 10, "Content-Length %ld for a body cut at 10", declared);
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "RUNNING"); /* not applied */
	cJSON *root;
	const cJSON *entry = settled_entry(&d, DOC_RUNNING, &root);
	ck_assert(!delivered(entry));
	ck_assert_pstr_eq(test_string_member(entry, "errCode"), "PARTIAL_ANSWER");
	const cJSON *sent = test_member(entry, "sent");
	ck_assert_int_eq(test_int_member(sent, "bytes"), 10);
	ck_assert_int_eq(test_int_member(sent, "of"), declared);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

START_TEST(delivery_slow)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(
		&d, "",
		"{\"op\":\"stop\",\"action\":{\"type\":\"slow\",\"rate\":100,\"apply\":true}}");
	char request[1024];
	oms_request(request, sizeof request, "stop", DOC_RUNNING, "");
	raw_answer answer;
	raw_exchange(&d, request, 30000, &answer);
	const char *body = strstr(answer.data, "\r\n\r\n");
	ck_assert_msg(body != NULL, "%s", answer.data);
	body += 4;
	long len = (long)strlen(body);
	ck_assert_int_eq(len, content_length(answer.data));
	cJSON *envelope = cJSON_Parse(body);
	ck_assert_msg(envelope &&
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(envelope, "isSuccess")),
		      "%s", body);
	cJSON_Delete(envelope);
	/* len bytes at 100 B/s: len * 10 ms; a quarter of slack for the
	 * pieces' rounding, none of it from the machine's speed (slower only
	 * lengthens it) */
	ck_assert_msg(answer.ms >= len * 10 * 3 / 4, "%ld bytes at 100 B/s took %lld ms", len,
		      (long long)answer.ms);
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED");
	cJSON *root;
	const cJSON *entry = settled_entry(&d, DOC_RUNNING, &root);
	ck_assert(delivered(entry));
	const cJSON *sent = test_member(entry, "sent");
	ck_assert_int_eq(test_int_member(sent, "bytes"), len);
	ck_assert_int_eq(test_int_member(sent, "rate"), 100);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

START_TEST(delivery_garbage)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(&d, "",
		       "{\"op\":\"stop\",\"action\":{\"type\":\"garbage\",\"body\":"
		       "\"\\u0001\\u0002 nonsense\\n\"}}");
	char request[1024];
	oms_request(request, sizeof request, "stop", DOC_RUNNING, "");
	raw_answer answer;
	raw_exchange(&d, request, 10000, &answer);
	ck_assert_str_eq(answer.data, "\001\002 nonsense\n");		 /* not HTTP */
	ck_assert_int_eq(answer.end_errno, 0);				 /* then closed */
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "RUNNING"); /* not applied */
	cJSON *root;
	const cJSON *entry = settled_entry(&d, DOC_RUNNING, &root);
	ck_assert(!delivered(entry));
	ck_assert_int_eq(test_int_member(test_member(entry, "sent"), "bytes"), (int64_t)answer.len);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

START_TEST(scoped_by_header_and_client)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	int64_t mine = test_add_fault(
		&d, "",
		"{\"op\":\"*\",\"times\":-1,\"header\":{\"name\":\"X-Test-Name\",\"value\":\"a\"},"
		"\"action\":{\"type\":\"error\",\"errCode\":\"FOR_A\"}}");
	test_add_fault(&d, "",
		       "{\"op\":\"*\",\"times\":-1,\"client\":\"127.0.0.2\","
		       "\"action\":{\"type\":\"error\",\"errCode\":\"ELSEWHERE\"}}");
	char request[1024];
	raw_answer answer;
	oms_request(request, sizeof request, "stop", DOC_RUNNING, "X-Test-Name: b\r\n");
	raw_exchange(&d, request, 10000, &answer);
	ck_assert_msg(strstr(answer.data, "\"isSuccess\":true") != NULL, "test b was hit: %s",
		      answer.data);
	oms_request(request, sizeof request, "resume", DOC_RUNNING, "x-test-name: a\r\n");
	raw_exchange(&d, request, 10000, &answer);
	ck_assert_msg(strstr(answer.data, "\"errCode\":\"FOR_A\"") != NULL, "test a missed: %s",
		      answer.data);
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED");

	cJSON *listed = test_fault_entry(&d, "", mine);
	ck_assert_int_eq(test_int_member(listed, "hits"), 1);
	ck_assert_int_eq(test_int_member(listed, "matches"), 1);
	ck_assert_msg(cJSON_IsNumber(test_member(listed, "lastFiredAt")), "no lastFiredAt");
	cJSON_Delete(listed);
	cJSON *root;
	const cJSON *entry = settled_entry(&d, DOC_RUNNING, &root);
	ck_assert_int_eq(test_int_member(entry, "faultId"), mine);
	cJSON_Delete(root);
	test_response refused = test_request(
		&d, "POST", "/_mock/faults", NULL,
		"{\"op\":\"*\",\"client\":\"localhost\",\"action\":{\"type\":\"drop\"}}");
	ck_assert_int_eq(refused.status, 400);
	test_response_free(&refused);
	test_daemon_down(&d);
}
END_TEST

START_TEST(control_api_faults)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	int64_t id =
		test_add_fault(&d, "",
			       "{\"method\":\"GET\",\"pathPrefix\":\"/_mock/tasks\",\"times\":-1,"
			       "\"action\":{\"type\":\"status\",\"httpStatus\":500,"
			       "\"body\":\"dashboard down\"}}");
	test_response got = test_request(&d, "GET", "/_mock/tasks", NULL, NULL);
	ck_assert_int_eq(got.status, 500);
	ck_assert_str_eq(got.body, "dashboard down");
	test_response_free(&got);
	/* another method, another path, and the OMS routes are not hit */
	got = test_request(&d, "GET", "/_mock/journal", NULL, NULL);
	ck_assert_int_eq(got.status, 200);
	test_response_free(&got);
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	/* a reset on the control API, then the faults stay removable */
	test_add_fault(&d, "", "{\"pathPrefix\":\"/_mock/clock\",\"action\":{\"type\":\"reset\"}}");
	raw_answer answer;
	raw_exchange(&d, "GET /_mock/clock HTTP/1.1\r\nHost: t\r\n\r\n", 10000, &answer);
	ck_assert_int_eq(answer.end_errno, ECONNRESET);
	cJSON *listed = test_fault_entry(&d, "", id);
	ck_assert_int_eq(test_int_member(listed, "hits"), 1);
	ck_assert_pstr_eq(test_string_member(listed, "pathPrefix"), "/_mock/tasks");
	cJSON_Delete(listed);
	test_response refused =
		test_request(&d, "POST", "/_mock/faults", NULL,
			     "{\"pathPrefix\":\"/_mock/faults\",\"action\":{\"type\":\"drop\"}}");
	ck_assert_int_eq(refused.status, 400);
	test_response_free(&refused);
	refused = test_request(
		&d, "POST", "/_mock/faults", NULL,
		"{\"pathPrefix\":\"/_mock/tasks\",\"action\":{\"type\":\"lost_ack\"}}");
	ck_assert_int_eq(refused.status, 400);
	test_response_free(&refused);
	got = test_request(&d, "DELETE", "/_mock/faults", NULL, NULL);
	ck_assert_int_lt(got.status, 300);
	test_response_free(&got);
	got = test_request(&d, "GET", "/_mock/tasks", NULL, NULL);
	ck_assert_int_eq(got.status, 200);
	test_response_free(&got);
	test_daemon_down(&d);
}
END_TEST

/* A raw exchange on a thread of its own, for the test to act meanwhile. */
typedef struct {
	const test_daemon *daemon;
	const char *request;
	raw_answer answer;
} waiter;

static void *wait_count(void *arg)
{
	waiter *w = arg;
	raw_exchange(w->daemon, w->request, 60000, &w->answer);
	return NULL;
}

/* The JSON body of a raw answer (a static buffer's parse; caller frees). */
static cJSON *raw_body_json(const raw_answer *answer)
{
	const char *body = strstr(answer->data, "\r\n\r\n");
	ck_assert_msg(body != NULL, "no HTTP answer: %s", answer->data);
	cJSON *root = cJSON_Parse(body + 4);
	ck_assert_msg(root != NULL, "not JSON: %s", body + 4);
	return root;
}

START_TEST(count_waits_until_reached)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	waiter w = {&d,
		    "GET /_mock/journal/count?op=stop&success=true&atLeast=1&waitMs=20000 "
		    "HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		    {{0}, 0, 0, 0}};
	pthread_t thread;
	ck_assert_int_eq(pthread_create(&thread, NULL, wait_count, &w), 0);
	test_sleep_ms(300); /* the count is waiting (were it not, it answers 0) */
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	pthread_join(thread, NULL);
	cJSON *root = raw_body_json(&w.answer);
	ck_assert_int_eq(test_int_member(root, "count"), 1);
	ck_assert(cJSON_IsTrue(test_member(root, "reached")));
	cJSON_Delete(root);
	/* early: well before the 20 s it would have waited */
	ck_assert_msg(w.answer.ms < 15000, "the count answered after %lld ms",
		      (long long)w.answer.ms);
	test_daemon_down(&d);
}
END_TEST

START_TEST(count_waits_until_time)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	raw_answer answer;
	raw_exchange(&d,
		     "GET /_mock/journal/count?op=delete&atLeast=2&waitMs=1000 HTTP/1.1\r\n"
		     "Host: t\r\nConnection: close\r\n\r\n",
		     15000, &answer);
	cJSON *root = raw_body_json(&answer);
	ck_assert_int_eq(test_int_member(root, "count"), 0);
	ck_assert(cJSON_IsFalse(test_member(root, "reached")));
	cJSON_Delete(root);
	ck_assert_msg(answer.ms >= 1000, "answered after %lld ms of 1000", (long long)answer.ms);
	/* reached already: at once, whatever waitMs says */
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	int64_t start = test_monotonic_ms();
	ck_assert_int_eq(test_journal_count(&d, "", "atLeast=1&waitMs=30000"), 1);
	ck_assert_int_lt(test_monotonic_ms() - start, 15000);
	static const char *const refused[] = {"waitMs=100", "atLeast=1&waitMs=30001", "atLeast=0",
					      "atLeast=x", "atLeast=1&atLeast=2"};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char path[128];
		test_pathf(path, sizeof path, "/_mock/journal/count?%s", refused[i]);
		test_response got = test_request(&d, "GET", path, NULL, NULL);
		ck_assert_msg(got.status == 400, "%s: %ld", refused[i], got.status);
		test_response_free(&got);
	}
	test_daemon_down(&d);
}
END_TEST

/* A namespace deleted while an answer of its is still going out is not
 * created again by the record of that answer's delivery. */
START_TEST(delivery_after_namespace_deleted)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(&d, "/ns/gone",
		       "{\"op\":\"stop\",\"action\":{\"type\":\"slow\",\"rate\":200,"
		       "\"apply\":true}}");
	char *escaped = test_escape(DOC_RUNNING);
	char request[1024];
	test_pathf(request, sizeof request,
		   "POST /ns/gone/connector/task/v2/stop?taskName=%s HTTP/1.1\r\nHost: t\r\n"
		   "Content-Length: 0\r\nConnection: close\r\n\r\n",
		   escaped);
	free(escaped);
	waiter w = {&d, request, {{0}, 0, 0, 0}};
	pthread_t thread;
	ck_assert_int_eq(pthread_create(&thread, NULL, wait_count, &w), 0);
	test_sleep_ms(300); /* the answer is being paced out (about a second) */
	test_response gone = test_request(&d, "DELETE", "/_mock/namespaces/gone", NULL, NULL);
	ck_assert_int_lt(gone.status, 300);
	test_response_free(&gone);
	pthread_join(thread, NULL);
	test_sleep_ms(300); /* the delivery's record follows the answer */
	char *listed = test_get_text(&d, "/_mock/namespaces");
	bool back = strstr(listed, "\"gone\"") != NULL;
	free(listed);
	ck_assert_msg(!back, "the namespace came back with its answer's delivery");
	test_daemon_down(&d);
}
END_TEST

static Suite *delivery_suite(void)
{
	Suite *suite = suite_create("delivery");
	const test_entry entries[] = {
		{"delivery", delivery_delay_past_timeout},
		{"socket", delivery_reset},
		{"socket", delivery_partial},
		{"socket", delivery_slow},
		{"socket", delivery_garbage},
		{"scope", scoped_by_header_and_client},
		{"scope", control_api_faults},
		{"delivery", delivery_after_namespace_deleted},
		{"waiting", count_waits_until_reached},
		{"waiting", count_waits_until_time},
	};
	test_add_grouped(suite, entries, sizeof entries / sizeof *entries, 120);
	return suite;
}

int main(void) { return test_run_suite(delivery_suite()); }
