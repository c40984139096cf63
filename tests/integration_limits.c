/*
 * integration_limits.c — limits, hostile input, storage failures and the
 * graceful stop, against the real daemon over real sockets.
 *
 * Every limit answers with JSON and loses nothing; a storage failure is a
 * retryable INTERNAL_ERROR that changes nothing while the daemon keeps
 * serving; SIGTERM lets requests in flight finish and refuses new ones.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static const char running_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001";
static const char stopped_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";

/* A connected TCP socket to the daemon, or -1. */
static int connect_raw(const test_daemon *d)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port)};
	inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
	if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_text(int fd, const char *text)
{
	size_t len = strlen(text), sent = 0;
	while (sent < len) {
		ssize_t n = send(fd, text + sent, len - sent, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		sent += (size_t)n;
	}
}

/* Reads until the peer closes or `timeout_ms` passes; returns bytes read,
 * or -1 when the timeout passed with the connection still open. */
static ssize_t read_until_close(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t used = 0;
	int64_t deadline = test_monotonic_ms() + timeout_ms;
	while (test_monotonic_ms() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = recv(fd, buf + used, cap - 1 - used, 0);
		if (n <= 0) {
			buf[used] = '\0';
			return (ssize_t)used;
		}
		used += (size_t)n;
		if (used + 1 >= cap)
			break;
	}
	buf[used] = '\0';
	return -1;
}

static cJSON *expect_envelope(const test_response *r, long status, const char *err_code)
{
	ck_assert_msg(r->status == status, "HTTP %ld, expected %ld: %s", r->status, status,
		      r->body);
	ck_assert_str_eq(r->content_type, "application/json");
	cJSON *root = test_response_json(r);
	ck_assert_msg(root != NULL, "not JSON: %s", r->body);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "errCode");
	if (err_code)
		ck_assert_msg(cJSON_IsString(code) && strcmp(code->valuestring, err_code) == 0,
			      "errCode %s, expected %s", r->body, err_code);
	else
		ck_assert_msg(cJSON_IsNull(code), "expected success: %s", r->body);
	return root;
}

START_TEST(long_query_string_reaches_the_handler)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	/* a 64 KiB query string whose taskName is too long for the grammar:
	 * it reaches the handler and is answered in the envelope */
	size_t big = 64 * 1024 - strlen("taskName=");
	char *path = malloc(big + 128);
	strcpy(path, "/connector/task/v2/stop?taskName=");
	memset(path + strlen(path), 'a', big);
	path[strlen("/connector/task/v2/stop?taskName=") + big] = '\0';
	test_response r;
	ck_assert_int_eq(test_http(&d, "POST", path, NULL, NULL, 0, &r), 0);
	cJSON *root = expect_envelope(&r, 200, "INVALID_ARGUMENT");
	cJSON_Delete(root);
	test_response_free(&r);
	/* a 64 KiB query string of a good taskName and an unknown parameter: the
	 * stop works */
	char *name = test_escape(running_name);
	snprintf(path, big + 128, "/connector/task/v2/stop?taskName=%s&padding=", name);
	size_t at = strlen(path);
	size_t fill = 64 * 1024 - strlen("taskName=") - strlen(name) - strlen("&padding=");
	memset(path + at, 'p', fill);
	path[at + fill] = '\0';
	ck_assert_int_eq(test_http(&d, "POST", path, NULL, NULL, 0, &r), 0);
	root = expect_envelope(&r, 200, NULL);
	cJSON_Delete(root);
	test_response_free(&r);
	free(name);
	free(path);
	ck_assert_str_eq(test_task_state(&d, running_name), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

START_TEST(hostile_parameters_are_invalid_arguments)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	char *name = test_escape(stopped_name);
	char over[70 * 1024];
	memset(over, 'v', sizeof over - 1);
	over[sizeof over - 1] = '\0';
	const char *extras[] = {
		"pullBackFlag=tr%00ue",		      /* NUL byte */
		"pullBackFlag=%FF",		      /* not UTF-8 */
		"pullBackFlag=%C0%80",		      /* overlong NUL */
		"pullBackFlag=%ED%A0%80",	      /* surrogate */
		"restartFlag=true&restartFlag=false", /* repeated */
	};
	for (size_t i = 0; i < sizeof extras / sizeof *extras; i++) {
		test_response r;
		ck_assert_int_eq(test_oms(&d, "resume", stopped_name, extras[i], NULL, &r), 0);
		cJSON *root = expect_envelope(&r, 200, "INVALID_ARGUMENT");
		cJSON_Delete(root);
		test_response_free(&r);
	}
	/* a value past 64 KiB */
	char *path = malloc(sizeof over + 256);
	snprintf(path, sizeof over + 256, "/connector/task/v2/resume?taskName=%s&ip=%s", name,
		 over);
	test_response r;
	ck_assert_int_eq(test_http(&d, "POST", path, NULL, NULL, 0, &r), 0);
	cJSON *root = expect_envelope(&r, 200, "INVALID_ARGUMENT");
	cJSON_Delete(root);
	test_response_free(&r);
	/* a taskName holding a NUL byte, and one that is not UTF-8 */
	const char *names[] = {"/connector/task/v2/stop?taskName=a%00b",
			       "/connector/task/v2/stop?taskName=%E4%B8"};
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(test_http(&d, "POST", names[i], NULL, NULL, 0, &r), 0);
		root = expect_envelope(&r, 200, "INVALID_ARGUMENT");
		cJSON_Delete(root);
		test_response_free(&r);
	}
	ck_assert_str_eq(test_task_state(&d, stopped_name), "STOPPED");
	free(path);
	free(name);
	test_daemon_down(&d);
}
END_TEST

START_TEST(half_open_requests_do_not_delay_others)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	enum { HALF_OPEN = 50 };
	int fds[HALF_OPEN];
	char *name = test_escape(stopped_name);
	char head[1024];
	snprintf(head, sizeof head,
		 "POST /connector/task/v2/update?taskName=%s HTTP/1.1\r\nHost: x\r\n"
		 "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sink\":",
		 name);
	for (int i = 0; i < HALF_OPEN; i++) {
		fds[i] = connect_raw(&d);
		ck_assert_int_ge(fds[i], 0);
		send_text(fds[i], head);
	}
	/* others are answered at once, over and over */
	int64_t start = test_monotonic_ms();
	for (int i = 0; i < 20; i++) {
		test_response r;
		ck_assert_int_eq(
			test_oms(&d, i % 2 ? "resume" : "stop", running_name, NULL, NULL, &r), 0);
		cJSON *root = expect_envelope(&r, 200, NULL);
		cJSON_Delete(root);
		test_response_free(&r);
	}
	int64_t elapsed = test_monotonic_ms() - start;
	/* generous: 20 requests would take 50 x the connection timeout if blocked */
	ck_assert_msg(elapsed < 5000, "20 requests took %lld ms beside 50 half-open ones",
		      (long long)elapsed);
	for (int i = 0; i < HALF_OPEN; i++)
		close(fds[i]);
	/* none of the half-open updates happened */
	ck_assert_str_eq(test_task_state(&d, stopped_name), "STOPPED");
	free(name);
	test_daemon_down(&d);
}
END_TEST

START_TEST(idle_connections_time_out)
{
	test_daemon d;
	const char *const args[] = {"--connection-timeout", "1", NULL};
	ck_assert_int_eq(test_daemon_start(&d, args, NULL), 0);
	int fd = connect_raw(&d);
	ck_assert_int_ge(fd, 0);
	send_text(fd, "POST /connector/task/v2/stop HTTP/1.1\r\nHost: x\r\n");
	char buf[256];
	ssize_t n = read_until_close(fd, buf, sizeof buf, 5000);
	ck_assert_msg(n >= 0, "the daemon kept an idle connection open past its timeout");
	close(fd);
	test_daemon_down(&d);
}
END_TEST

START_TEST(connection_limits_hold)
{
	static const char *const flags[] = {"--connection-limit", "--per-ip-connection-limit"};
	for (size_t which = 0; which < 2; which++) {
		test_daemon d;
		const char *const args[] = {flags[which], "4", NULL};
		ck_assert_int_eq(test_daemon_start(&d, args, NULL), 0);
		int fds[4];
		for (int i = 0; i < 4; i++) {
			fds[i] = connect_raw(&d);
			ck_assert_int_ge(fds[i], 0);
			send_text(fds[i],
				  "GET /_mock/health HTTP/1.1\r\nHost: x\r\n"); /* unfinished */
		}
		struct timespec pause = {0, 200 * 1000 * 1000};
		nanosleep(&pause, NULL);
		/* a fifth connection gets no answer while the four are held: it is
		 * either closed at once, or left waiting until a slot frees */
		int extra = connect_raw(&d);
		ck_assert_int_ge(extra, 0);
		send_text(extra,
			  "GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
		char buf[512];
		ssize_t n = read_until_close(extra, buf, sizeof buf, 1000);
		ck_assert_msg(n <= 0, "%s 4: a fifth connection was answered: %s", flags[which],
			      buf);
		for (int i = 0; i < 4; i++)
			close(fds[i]);
		if (n < 0) { /* it waited: now it is served */
			n = read_until_close(extra, buf, sizeof buf, 5000);
			ck_assert_msg(n > 0 && strncmp(buf, "HTTP/1.1 200", 12) == 0,
				      "%s 4: the waiting connection was not served: %s",
				      flags[which], buf);
		}
		close(extra);
		nanosleep(&pause, NULL);
		test_response r;
		ck_assert_int_eq(test_http(&d, "GET", "/_mock/health", NULL, NULL, 0, &r), 0);
		ck_assert_int_eq(r.status, 200);
		test_response_free(&r);
		test_daemon_down(&d);
	}
}
END_TEST

/* A client that sends its request and then shuts its write side (as some
 * HTTP/1.0 clients and `nc -q` do) still gets the answer of an operation
 * that was applied: found by fuzz_http (fuzz/regressions/
 * http-half-close-oms-unanswered) when connections were suspended until
 * the commit. */
START_TEST(half_closed_clients_get_their_answer)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	for (int i = 0; i < 20; i++) {
		int fd = connect_raw(&d);
		ck_assert_int_ge(fd, 0);
		char head[512];
		snprintf(head, sizeof head,
			 "POST /connector/task/v2/%s?taskName=%s HTTP/1.1\r\nHost: x\r\n\r\n",
			 i % 2 ? "stop" : "resume", stopped_name);
		send_text(fd, head);
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
		char answer[4096];
		ssize_t n = read_until_close(fd, answer, sizeof answer, 5000);
		close(fd);
		ck_assert_msg(n > 0 && strncmp(answer, "HTTP/1.1 200", 12) == 0 &&
				      strstr(answer, "\"isSuccess\":true") != NULL,
			      "request %d (half-closed) got: %s", i, n > 0 ? answer : "(nothing)");
	}
	ck_assert_str_eq(test_task_state(&d, stopped_name), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

START_TEST(sigterm_finishes_requests_in_flight)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	char *name = test_escape(stopped_name);
	static const char body[] = "{\"sink\":{\"workerNum\":\"42\"}}";
	char head[1024];
	snprintf(
		head, sizeof head,
		"POST /connector/task/v2/update?taskName=%s HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n"
		"{\"sink\":",
		name, strlen(body));
	int fd = connect_raw(&d);
	ck_assert_int_ge(fd, 0);
	send_text(fd, head);
	struct timespec pause = {0, 100 * 1000 * 1000};
	nanosleep(&pause, NULL);
	pid_t pid = d.pid;
	kill(pid, SIGTERM);
	nanosleep(&pause, NULL);
	/* new connections are refused while the old request is still open */
	ck_assert_msg(connect_raw(&d) < 0, "a new connection was accepted after SIGTERM");
	send_text(fd, body + strlen("{\"sink\":"));
	char answer[4096];
	ssize_t n = read_until_close(fd, answer, sizeof answer, 5000);
	close(fd);
	ck_assert_msg(n > 0, "no answer to the request in flight");
	ck_assert_msg(strncmp(answer, "HTTP/1.1 200", 12) == 0, "%s", answer);
	ck_assert_msg(strstr(answer, "\"isSuccess\":true") != NULL, "%s", answer);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	d.pid = 0;
	/* and the change it acknowledged is in the database */
	ck_assert_int_eq(test_daemon_start(&d, NULL, &d), 0);
	char path[512];
	snprintf(path, sizeof path, "/_mock/tasks/%s", name);
	test_response r;
	ck_assert_int_eq(test_http(&d, "GET", path, NULL, NULL, 0, &r), 0);
	ck_assert_msg(strstr(r.body, "\"workerNum\":\"42\"") != NULL, "%s", r.body);
	test_response_free(&r);
	free(name);
	test_daemon_down(&d);
}
END_TEST

/* Stops a task repeatedly until the storage refuses; checks the refusal. */
static void expect_storage_failure(test_daemon *d, const char *reason_holds)
{
	int failures = 0, successes = 0;
	const char *expected = "STOPPED";
	for (int i = 0; i < 400 && failures == 0; i++) {
		const char *op = i % 2 ? "stop" : "resume";
		test_response r;
		ck_assert_int_eq(test_oms(d, op, stopped_name, NULL, NULL, &r), 0);
		char code[64];
		if (test_envelope_ok(&r, code, sizeof code)) {
			successes++;
			expected = i % 2 ? "STOPPED" : "RUNNING";
		} else {
			ck_assert_str_eq(code, "INTERNAL_ERROR");
			cJSON *root = test_response_json(&r);
			ck_assert(
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "retryable")));
			/* SQLite's own message, read before the rollback reset it */
			const char *reason =
				test_string_member(test_member(root, "errorDetail"), "reason");
			ck_assert_msg(reason && strstr(reason, reason_holds),
				      "reason lacks \"%s\": %s", reason_holds, r.body);
			cJSON_Delete(root);
			failures++;
		}
		test_response_free(&r);
	}
	ck_assert_msg(failures > 0, "the storage never failed after %d operations", successes);
	/* nothing changed by the failed operation; the daemon still serves */
	ck_assert_str_eq(test_task_state(d, stopped_name), expected);
	test_response r;
	ck_assert_int_eq(test_http(d, "GET", "/_mock/health", NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
}

START_TEST(full_disk_is_a_retryable_internal_error)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	/* files may not grow past 40000 bytes: the -shm (32 KiB) fits, the WAL
	 * fills after a few commits, as a full disk would */
	setenv("CONNECTOR_MOCK_WRAPPER", "prlimit --fsize=40000", 1);
	ck_assert_int_eq(test_daemon_start(&d, NULL, &d), 0);
	unsetenv("CONNECTOR_MOCK_WRAPPER");
	expect_storage_failure(&d, "disk");
	test_daemon_down(&d);
}
END_TEST

START_TEST(read_only_database_is_a_retryable_internal_error)
{
	test_daemon d;
	ck_assert_int_eq(test_daemon_start(&d, NULL, NULL), 0);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	ck_assert_int_eq(chmod(d.db_path, 0444), 0);
	ck_assert_int_eq(chmod(d.dir, 0777), 0);
	/* root writes any file: run the daemon as nobody to make it read-only */
	if (geteuid() == 0)
		setenv("CONNECTOR_MOCK_WRAPPER",
		       "setpriv --reuid=65534 --regid=65534 --clear-groups", 1);
	ck_assert_int_eq(test_daemon_start(&d, NULL, &d), 0);
	unsetenv("CONNECTOR_MOCK_WRAPPER");
	expect_storage_failure(&d, "readonly");
	test_daemon_down(&d);
}
END_TEST

START_TEST(locked_database_is_a_retryable_internal_error)
{
	test_daemon d;
	const char *const args[] = {"--busy-timeout", "100", NULL};
	ck_assert_int_eq(test_daemon_start(&d, args, NULL), 0);
	/* this test process holds the write lock for longer than busy_timeout */
	sqlite3 *other;
	ck_assert_int_eq(sqlite3_open(d.db_path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	test_response r;
	ck_assert_int_eq(test_oms(&d, "resume", stopped_name, NULL, NULL, &r), 0);
	cJSON *root = expect_envelope(&r, 200, "INTERNAL_ERROR");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "retryable")));
	cJSON_Delete(root);
	test_response_free(&r);
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	/* nothing changed, and once the lock is gone writes work again */
	ck_assert_str_eq(test_task_state(&d, stopped_name), "STOPPED");
	ck_assert_int_eq(test_oms(&d, "resume", stopped_name, NULL, NULL, &r), 0);
	root = expect_envelope(&r, 200, NULL);
	cJSON_Delete(root);
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

START_TEST(non_loopback_listen_needs_a_token)
{
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	char command[1024];
	snprintf(command, sizeof command,
		 "%s --config /dev/null --listen 0.0.0.0 --port 0 --db :memory: "
		 "> %s/out 2> %s/err",
		 test_binary_path(), dir, dir);
	int status = system(command);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	char path[512];
	snprintf(path, sizeof path, "%s/err", dir);
	FILE *err = fopen(path, "r");
	char line[512] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof line, err));
	fclose(err);
	ck_assert_msg(strstr(line, "--admin-token") != NULL, "%s", line);
	/* a token never appears in the log */
	test_daemon d;
	const char *const args[] = {"--admin-token", "s3cr3t-token-value", "--log-level", "debug",
				    NULL};
	ck_assert_int_eq(test_daemon_start(&d, args, NULL), 0);
	const char *const auth[] = {"Authorization: Bearer s3cr3t-token-value", NULL};
	test_response r;
	ck_assert_int_eq(test_http(&d, "GET", "/_mock/health", auth, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_eq(test_daemon_stop(&d), 0);
	snprintf(command, sizeof command, "grep -q s3cr3t-token-value %s", d.log_path);
	ck_assert_int_ne(system(command), 0);
	test_remove_temp_dir(d.dir);
	snprintf(command, sizeof command, "rm -f '%s/out' '%s/err'", dir, dir);
	ck_assert_int_eq(system(command), 0);
	test_remove_temp_dir(dir);
}
END_TEST

static Suite *limits_suite(void)
{
	Suite *suite = suite_create("limits");
	TCase *tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, long_query_string_reaches_the_handler);
	tcase_add_test(tc, hostile_parameters_are_invalid_arguments);
	tcase_add_test(tc, half_open_requests_do_not_delay_others);
	tcase_add_test(tc, idle_connections_time_out);
	tcase_add_test(tc, connection_limits_hold);
	tcase_add_test(tc, sigterm_finishes_requests_in_flight);
	tcase_add_test(tc, half_closed_clients_get_their_answer);
	tcase_add_test(tc, full_disk_is_a_retryable_internal_error);
	tcase_add_test(tc, read_only_database_is_a_retryable_internal_error);
	tcase_add_test(tc, locked_database_is_a_retryable_internal_error);
	tcase_add_test(tc, non_loopback_listen_needs_a_token);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(limits_suite()); }
