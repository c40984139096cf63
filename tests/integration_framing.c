/*
 * integration_framing.c — request framing over a raw socket, against the
 * real daemon: every request whose body or target two readers could read
 * differently is refused (400/501, JSON, connection closed) and nothing in
 * it, or smuggled behind it, is applied; the library's own error answers
 * come back as JSON.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw.h"
#include "support.h"

/* a STOPPED task of the default fixtures, as a query value */
#define TASK "xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493po****-incr_trans-1-0%3A0000000001"
static const char task_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";

#define RESUME "POST /connector/task/v2/resume?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
/* a second request hidden behind the first: if it runs, the task RUNS */
#define SMUGGLED RESUME "Content-Length: 0\r\n\r\n"

typedef struct {
	const char *name;
	const char *bytes; /* sent as is (a NUL inside is spelled \0 and `len` says) */
	size_t len;
	int status;   /* of the first (and only) answer */
	bool control; /* a control-API body {"error"} rather than the envelope */
} framing_case;

#define CASE(name, text, status, control)                                                          \
	{                                                                                          \
		name, text, sizeof(text) - 1, status, control                                      \
	}

static const framing_case cases[] = {
	CASE("two Content-Length",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Content-Length: 0\r\nContent-Length: 60\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("two equal Content-Length",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Content-Length: 0\r\nContent-Length: 0\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("Content-Length and Transfer-Encoding",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("space before the colon",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Content-Length : 60\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("tab before the colon",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Content-Length\t: 60\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("gzip, chunked",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
	     501, false),
	CASE("identity",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Transfer-Encoding: identity\r\n\r\n" SMUGGLED,
	     501, false),
	CASE("two Transfer-Encoding",
	     "POST /connector/task/v2/stop?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
	     "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("Content-Length abc",
	     "POST /connector/task/v2/stop?taskName=" TASK
	     " HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("Content-Length -1",
	     "POST /connector/task/v2/stop?taskName=" TASK
	     " HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("Content-Length 12abc",
	     "POST /connector/task/v2/stop?taskName=" TASK
	     " HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n" SMUGGLED,
	     400, false),
	CASE("Content-Length huge",
	     "POST /_mock/tasks HTTP/1.1\r\nHost: x\r\n"
	     "Content-Length: 99999999999999999999999\r\n\r\n" SMUGGLED,
	     413, true),
	CASE("target *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED, 400, false),
	CASE("target ?q", "GET ?q HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED, 400, false),
	CASE("target without a slash", "GET connector HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED, 400,
	     false),
	CASE("NUL in Authorization",
	     "GET /_mock/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0b\r\n\r\n" SMUGGLED,
	     400, true),
	CASE("header line without a colon",
	     "GET /_mock/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n" SMUGGLED, 400, true),
	CASE("bad chunk size",
	     "POST /_mock/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: "
	     "application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" SMUGGLED,
	     400, true),
};

/* The first answer: its status, that it is the only one, JSON, and that
 * the connection closed; then the task is still STOPPED (nothing smuggled
 * ran, nothing of the refused request was applied). */
START_TEST(ambiguous_framing_is_refused)
{
	const framing_case *c = &cases[_i];
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char answer[16384];
	bool closed;
	raw_exchange(&d, c->bytes, c->len, answer, sizeof answer, &closed);
	char expected[32];
	snprintf(expected, sizeof expected, "HTTP/1.1 %d ", c->status);
	ck_assert_msg(strncmp(answer, expected, strlen(expected)) == 0, "%s: got %s", c->name,
		      answer);
	ck_assert_msg(closed, "%s: the connection stayed open: %s", c->name, answer);
	ck_assert_msg(raw_count_responses(answer) == 1, "%s: more than one answer: %s", c->name,
		      answer);
	ck_assert_msg(strstr(answer, "Content-Type: application/json") != NULL, "%s: %s", c->name,
		      answer);
	const char *body = strstr(answer, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	cJSON *root = cJSON_Parse(body + 4);
	ck_assert_msg(root != NULL, "%s: not JSON: %s", c->name, body + 4);
	ck_assert_msg(test_member(root, c->control ? "error" : "errCode") != NULL, "%s: %s",
		      c->name, body + 4);
	cJSON_Delete(root);
	ck_assert_str_eq(test_task_state(&d, task_name), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

/* Whether the daemon's log holds `text`, waiting up to 5 s (the access
 * line is written just after the answer is queued). */
static bool log_holds(const test_daemon *d, const char *text)
{
	for (int waited = 0; waited <= 5000; waited += 20) {
		FILE *file = fopen(d->log_path, "r");
		char line[4096];
		bool found = false;
		while (file && !found && fgets(line, sizeof line, file))
			found = strstr(line, text) != NULL;
		if (file)
			fclose(file);
		if (found)
			return true;
		test_sleep_ms(20);
	}
	return false;
}

/* A refused framing has its access line, like every request. */
START_TEST(refused_framing_is_in_the_access_log)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char answer[8192];
	bool closed;
	raw_exchange(&d, cases[0].bytes, cases[0].len, answer, sizeof answer, &closed);
	ck_assert_msg(strncmp(answer, "HTTP/1.1 400 ", 13) == 0, "%s", answer);
	ck_assert_msg(
		log_holds(&d, " access method=POST path=/connector/task/v2/stop namespace=- "),
		"no access line for the refused request");
	ck_assert(log_holds(&d, " status=400 errCode=- injected=- durationMs="));
	test_daemon_down(&d);
}
END_TEST

/* An absolute-form target routes as its path (RFC 9112 3.2.2). */
START_TEST(absolute_form_routes_as_origin_form)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char request[] =
		"POST http://127.0.0.1/connector/task/v2/resume?taskName=" TASK
		" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char answer[8192];
	bool closed;
	raw_exchange(&d, LIT(request), answer, sizeof answer, &closed);
	ck_assert_msg(strncmp(answer, "HTTP/1.1 200", 12) == 0 &&
			      strstr(answer, "\"isSuccess\":true") != NULL,
		      "%s", answer);
	ck_assert_str_eq(test_task_state(&d, task_name), "RUNNING");
	test_daemon_down(&d);
}
END_TEST

/* An encoded NUL, control byte or '/' in the path names no route: 404,
 * nothing applied. */
START_TEST(encoded_nul_in_the_path_is_not_found)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const paths[] = {
		"/connector/task/v2/resume%00junk", "/connector/task/v2/resume%00",
		"/connector/task/v2/resume%0a",	    "/connector%2Ftask/v2/resume",
		"/connector/task/v2%2fresume",	    "/connector/task/v2/resume%7F",
	};
	for (size_t i = 0; i < COUNT(paths); i++) {
		char request[512], answer[8192];
		int len = snprintf(request, sizeof request,
				   "POST %s?taskName=%s HTTP/1.1\r\nHost: x\r\n"
				   "Connection: close\r\n\r\n",
				   paths[i], TASK);
		bool closed;
		raw_exchange(&d, request, (size_t)len, answer, sizeof answer, &closed);
		ck_assert_msg(strncmp(answer, "HTTP/1.1 404", 12) == 0, "%s: %s", paths[i], answer);
		ck_assert_msg(strstr(answer, "\"errCode\":\"NOT_FOUND\"") != NULL, "%s", answer);
	}
	ck_assert_str_eq(test_task_state(&d, task_name), "STOPPED");
	/* an encoded character that decodes to itself still routes */
	static const char encoded[] = "POST /connector/task/v2/r%65sume?taskName=" TASK
				      " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char answer[8192];
	bool closed;
	raw_exchange(&d, LIT(encoded), answer, sizeof answer, &closed);
	ck_assert_msg(strstr(answer, "\"isSuccess\":true") != NULL, "%s", answer);
	test_daemon_down(&d);
}
END_TEST

/* Headers past the connection's memory: the library's 431, in JSON. */
START_TEST(headers_too_large_answer_json)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	size_t filler = 100 * 1024;
	char *request = malloc(filler + 256);
	ck_assert_ptr_nonnull(request);
	int len = sprintf(request, "GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Filler: ");
	memset(request + len, 'a', filler);
	len += (int)filler;
	len += sprintf(request + len, "\r\n\r\n");
	char answer[8192];
	bool closed;
	raw_exchange(&d, request, (size_t)len, answer, sizeof answer, &closed);
	free(request);
	ck_assert_msg(strncmp(answer, "HTTP/1.1 431", 12) == 0, "%s", answer);
	ck_assert_msg(strstr(answer, "Content-Type: application/json") != NULL, "%s", answer);
	ck_assert_msg(raw_count_responses(answer) == 1, "%s", answer);
	cJSON_Delete(test_get_json(&d, "/_mock/health"));
	test_daemon_down(&d);
}
END_TEST

/* Strictness does not break what is legal: pipelined requests on one
 * connection, a chunked body, OWS in a header value. */
START_TEST(legal_framing_still_works)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char requests[] =
		"POST /connector/task/v2/update?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n"
		"1a\r\n{\"sink\":{\"workerNum\":\"7\"}}\r\n0\r\n\r\n"
		"GET /_mock/health HTTP/1.1\r\nHost: x\r\nContent-Length:   0\r\n\r\n"
		"POST /connector/task/v2/resume?taskName=" TASK " HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 0\r\nConnection: close\r\n\r\n";
	char answer[16384];
	bool closed;
	raw_exchange(&d, LIT(requests), answer, sizeof answer, &closed);
	ck_assert_msg(raw_count_responses(answer) == 3, "%s", answer);
	ck_assert_msg(strstr(answer, "HTTP/1.1 4") == NULL, "%s", answer);
	ck_assert_str_eq(test_task_state(&d, task_name), "RUNNING");
	test_daemon_down(&d);
}
END_TEST

/* Optional whitespace (SP or HTAB) before ';' still names a form body;
 * another word after the media type does not. */
START_TEST(form_content_type_allows_whitespace_before_parameters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const types[] = {
		"application/x-www-form-urlencoded\t;charset=utf-8",
		"application/x-www-form-urlencoded  ; charset=utf-8",
		"Application/X-WWW-Form-Urlencoded \t",
	};
	static const char body[] = "taskName=" TASK;
	for (size_t i = 0; i < COUNT(types); i++) {
		const char *op = i % 2 ? "stop" : "resume";
		char request[1024], answer[8192];
		int len = snprintf(request, sizeof request,
				   "POST /connector/task/v2/%s HTTP/1.1\r\nHost: x\r\n"
				   "Content-Type: %s\r\nContent-Length: %zu\r\n"
				   "Connection: close\r\n\r\n%s",
				   op, types[i], strlen(body), body);
		bool closed;
		raw_exchange(&d, request, (size_t)len, answer, sizeof answer, &closed);
		ck_assert_msg(strstr(answer, "\"isSuccess\":true") != NULL, "%s: %s", types[i],
			      answer);
	}
	static const char not_a_form[] = "POST /connector/task/v2/stop HTTP/1.1\r\nHost: x\r\n"
					 "Content-Type: application/x-www-form-urlencoded x\r\n"
					 "Content-Length: 5\r\nConnection: close\r\n\r\na=b&c";
	char answer[8192];
	bool closed;
	raw_exchange(&d, LIT(not_a_form), answer, sizeof answer, &closed);
	ck_assert_msg(strstr(answer, "\"errCode\":\"INVALID_ARGUMENT\"") != NULL, "%s", answer);
	test_daemon_down(&d);
}
END_TEST

static Suite *framing_suite(void)
{
	Suite *suite = suite_create("framing");
	TCase *tc = tcase_create("framing");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, ambiguous_framing_is_refused, 0, (int)COUNT(cases));
	tcase_add_test(tc, refused_framing_is_in_the_access_log);
	tcase_add_test(tc, absolute_form_routes_as_origin_form);
	tcase_add_test(tc, encoded_nul_in_the_path_is_not_found);
	tcase_add_test(tc, headers_too_large_answer_json);
	tcase_add_test(tc, legal_framing_still_works);
	tcase_add_test(tc, form_content_type_allows_whitespace_before_parameters);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(framing_suite()); }
