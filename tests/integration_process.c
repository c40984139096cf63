/*
 * integration_process.c — the daemon as a process: the ready line, signals,
 * durability across SIGKILL and restarts, seeding and --reset, :memory:,
 * the journal's retention, --help/--version, bad flags, a port in use.
 */
#define _POSIX_C_SOURCE 200809L
#include "raw.h"
#include "support.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define INCR_CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"
#define MOVED "10.0.0.99-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002"
#define FIXTURE_TASKS 8

/* ---- HTTP and JSON ------------------------------------------------------ */

/* GET /_mock/tasks/{name}, or NULL on 404. */
static cJSON *get_task(const test_daemon *d, const char *name)
{
	char *escaped = test_escape(name);
	char path[512];
	snprintf(path, sizeof path, "/_mock/tasks/%s", escaped);
	free(escaped);
	test_response r = test_request(d, "GET", path, NULL, NULL);
	ck_assert_msg(r.status == 200 || r.status == 404, "GET %s: %ld", path, r.status);
	cJSON *task = r.status == 200 ? test_response_json(&r) : NULL;
	test_response_free(&r);
	return task;
}

static int task_count(const test_daemon *d)
{
	cJSON *health = test_get_json(d, "/_mock/health");
	int count = (int)test_member(health, "tasks")->valuedouble;
	cJSON_Delete(health);
	return count;
}

static int journal_count(const test_daemon *d)
{
	cJSON *root = test_get_json(d, "/_mock/journal");
	int count = cJSON_GetArraySize(test_member(root, "entries"));
	cJSON_Delete(root);
	return count;
}

/* An OMS operation that must succeed with `result` (NULL: the name). */
static void oms_ok(const test_daemon *d, const char *op, const char *name, const char *query,
		   const char *body, const char *result)
{
	test_response r;
	ck_assert_int_eq(test_oms(d, op, name, query, body, &r), 0);
	cJSON *root = test_response_json(&r);
	ck_assert_msg(cJSON_IsTrue(test_member(root, "isSuccess")), "%s %s: %s", op, name, r.body);
	ck_assert_pstr_eq(test_string_member(root, "result"), result ? result : name);
	cJSON_Delete(root);
	test_response_free(&r);
}

/* An OMS operation that must fail with `code`; returns the envelope. */
static cJSON *oms_error(const test_daemon *d, const char *op, const char *name, const char *code)
{
	test_response r;
	ck_assert_int_eq(test_oms(d, op, name, NULL, NULL, &r), 0);
	char got[64];
	ck_assert_msg(!test_envelope_ok(&r, got, sizeof got) && strcmp(got, code) == 0,
		      "%s %s: expected %s: %s", op, name, code, r.body);
	cJSON *root = test_response_json(&r);
	test_response_free(&r);
	return root;
}

/* ---- running the binary by hand ------------------------------------------ */

/* raw_run_binary (tests/raw.h): the binary run by hand, its output collected. */

/* ======================================================================
 * the ready line
 * ==================================================================== */

/* The first thing on stdout is exactly one line naming the address. */
START_TEST(ready_line)
{
	char dir[256], db[512];
	test_temp_dir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/mock.db", dir);
	int out_pipe[2];
	ck_assert(pipe(out_pipe) == 0);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		int null_fd = open("/dev/null", O_WRONLY);
		dup2(null_fd, STDERR_FILENO);
		close(out_pipe[0]);
		execl(test_binary_path(), test_binary_path(), "--port", "0", "--db", db, "--config",
		      "/dev/null", (char *)NULL);
		_exit(127);
	}
	test_track_daemon(pid);
	close(out_pipe[1]);
	char line[256] = "";
	size_t used = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!strchr(line, '\n') && used + 1 < sizeof line && test_seconds_since(&start) < 5) {
		struct pollfd p = {.fd = out_pipe[0], .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = read(out_pipe[0], line + used, sizeof line - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		line[used] = '\0';
	}
	close(out_pipe[0]);
	unsigned port = 0;
	char tail[8] = "";
	int matched =
		sscanf(line, "connector-mock listening on http://127.0.0.1:%u%7c", &port, tail);
	ck_assert_msg(matched == 2 && strcmp(tail, "\n") == 0 && port > 0 && port < 65536,
		      "the ready line is \"%s\"", line);
	char expected[128];
	snprintf(expected, sizeof expected, "connector-mock listening on http://127.0.0.1:%u\n",
		 port);
	ck_assert_str_eq(line, expected);
	/* it accepts requests on that port */
	test_daemon d = {.pid = pid, .port = port};
	snprintf(d.base_url, sizeof d.base_url, "http://127.0.0.1:%u", port);
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
	kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	test_untrack_daemon(pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	test_remove_temp_dir(dir);
}
END_TEST

/* ======================================================================
 * signals
 * ==================================================================== */

/* SIGTERM on an idle daemon: exit 0 within 1 s — fresh, after requests,
 * and with an idle client connection open. */
START_TEST(sigterm_exits_zero_quickly)
{
	for (int round = 0; round < 3; round++) {
		test_daemon d;
		test_daemon_up(&d, NULL, NULL);
		int idle = -1;
		if (round >= 1) {
			oms_ok(&d, "resume", DOC_STOPPED, NULL, NULL, NULL);
			ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
		}
		if (round == 2) {
			idle = socket(AF_INET, SOCK_STREAM, 0);
			struct sockaddr_in address = {.sin_family = AF_INET,
						      .sin_port = htons((uint16_t)d.port)};
			inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
			ck_assert_msg(connect(idle, (struct sockaddr *)&address, sizeof address) ==
					      0,
				      "connect: %s", strerror(errno));
			struct timespec settle = {0, 50 * 1000 * 1000};
			nanosleep(&settle, NULL);
		}
		struct timespec start;
		clock_gettime(CLOCK_MONOTONIC, &start);
		int status = test_daemon_halt(&d);
		double elapsed = test_seconds_since(&start);
		if (idle >= 0)
			close(idle);
		ck_assert_msg(status == 0, "round %d: exit status %d", round, status);
		ck_assert_msg(elapsed < 1.0, "round %d: SIGTERM took %.3f s", round, elapsed);
		test_remove_temp_dir(d.dir);
	}
}
END_TEST

/*
 * SIGTERM right after a few requests, many times over: every stop must exit
 * 0. (A shutdown that uses MHD_quiesce_daemon on an epoll thread pool can
 * abort inside libmicrohttpd — "Failed to remove listen FD from epoll set" —
 * a few times in a thousand; this loop is there to catch that.)
 */
START_TEST(sigterm_after_requests_repeatedly)
{
	enum { ROUNDS = 200 };
	int failed = 0, first_status = 0;
	char first_log[512] = "";
	for (int round = 0; round < ROUNDS; round++) {
		test_daemon d;
		test_daemon_up(&d, NULL, NULL);
		for (int i = 0; i < 3; i++) {
			test_response r = test_request(&d, "GET", "/_mock/health", NULL, NULL);
			ck_assert_int_eq(r.status, 200);
			test_response_free(&r);
		}
		int status = test_daemon_halt(&d);
		if (status != 0) {
			if (failed++ == 0) {
				first_status = status;
				snprintf(first_log, sizeof first_log, "%s", d.log_path);
			}
			continue; /* keep the directory and its log */
		}
		test_remove_temp_dir(d.dir);
	}
	ck_assert_msg(failed == 0, "%d of %d stops did not exit 0 (first: status %d, log %s)",
		      failed, ROUNDS, first_status, first_log);
}
END_TEST

START_TEST(sigint_exits_zero)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	oms_ok(&d, "stop", DOC_RUNNING, NULL, NULL, NULL);
	kill(d.pid, SIGINT);
	int status = -1;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (test_seconds_since(&start) < 5 && waitpid(d.pid, &status, WNOHANG) != d.pid) {
		struct timespec pause = {0, 10 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGINT: status %d", status);
	test_untrack_daemon(d.pid);
	d.pid = 0;
	/* and the change it acknowledged is on disk */
	test_daemon again;
	test_daemon_up(&again, NULL, &d);
	cJSON *task = get_task(&again, DOC_RUNNING);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	cJSON_Delete(task);
	test_daemon_down(&again);
}
END_TEST

/* A request in flight when SIGTERM arrives is finished and answered; the
 * daemon then exits 0 and the change is on disk. */
START_TEST(sigterm_finishes_a_request_in_flight)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char body[] = "{\"sink\":{\"workerNum\":\"99\"}}";
	char head[1024];
	snprintf(head, sizeof head,
		 "POST /connector/task/v2/update?taskName=" DOC_STOPPED2 " HTTP/1.1\r\n"
		 "Host: 127.0.0.1:%u\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%.10s",
		 d.port, sizeof body - 1, body);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d.port)};
	inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
	ck_assert_msg(connect(fd, (struct sockaddr *)&address, sizeof address) == 0, "connect: %s",
		      strerror(errno));
	ck_assert(write(fd, head, strlen(head)) == (ssize_t)strlen(head));
	struct timespec settle = {0, 200 * 1000 * 1000};
	nanosleep(&settle, NULL);
	kill(d.pid, SIGTERM);
	nanosleep(&settle, NULL);
	ck_assert(write(fd, body + 10, sizeof body - 1 - 10) == (ssize_t)(sizeof body - 1 - 10));
	char reply[4096] = "";
	size_t used = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (test_seconds_since(&start) < 5 && !strstr(reply, "\"retryable\"") &&
	       used + 1 < sizeof reply) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = read(fd, reply + used, sizeof reply - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		reply[used] = '\0';
	}
	close(fd);
	ck_assert_msg(strncmp(reply, "HTTP/1.1 200", 12) == 0, "the answer: %s", reply);
	ck_assert_msg(strstr(reply, "\"isSuccess\":true") != NULL, "the answer: %s", reply);
	int status = test_daemon_halt(&d); /* it is already stopping: this waits */
	ck_assert_int_eq(status, 0);

	test_daemon again;
	test_daemon_up(&again, NULL, &d);
	cJSON *task = get_task(&again, DOC_STOPPED2);
	ck_assert_pstr_eq(
		test_string_member(test_member(test_member(task, "config"), "sink"), "workerNum"),
		"99");
	cJSON_Delete(task);
	test_daemon_down(&again);
}
END_TEST

/* ======================================================================
 * durability
 * ==================================================================== */

static const char *const durabilities[] = {"normal", "full"};

/* Every change acknowledged before a SIGKILL is there after a restart on
 * the same database. */
START_TEST(acknowledged_changes_survive_sigkill)
{
	const char *const args[] = {"--durability", durabilities[_i], NULL};
	test_daemon d;
	test_daemon_up(&d, args, NULL);
	oms_ok(&d, "stop", DOC_RUNNING, NULL, NULL, NULL);
	oms_ok(&d, "update", DOC_STOPPED2, "deleteParams=coordinator.throttleIOPS",
	       "{\"sink\":{\"workerNum\":\"64\"}}", NULL);
	oms_ok(&d, "migrate", DOC_STOPPED, "ip=10.0.0.99", NULL, MOVED);
	oms_ok(&d, "delete", INCR_CREATED, NULL, NULL, NULL);
	test_daemon_crash(&d);

	test_daemon again;
	test_daemon_up(&again, args, &d);
	/* the journal holds the four operations, in order */
	cJSON *journal = test_get_json(&again, "/_mock/journal");
	static const char *const ops[] = {"stop", "update", "migrate", "delete"};
	const cJSON *entries = test_member(journal, "entries");
	ck_assert_int_eq(cJSON_GetArraySize(entries), 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(entries, i), "op"), ops[i]);
		ck_assert(cJSON_IsTrue(test_member(cJSON_GetArrayItem(entries, i), "isSuccess")));
	}
	cJSON_Delete(journal);
	ck_assert_int_eq(task_count(&again), FIXTURE_TASKS - 1);
	cJSON *task = get_task(&again, DOC_RUNNING);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	cJSON_Delete(task);
	task = get_task(&again, DOC_STOPPED2);
	const cJSON *config = test_member(task, "config");
	ck_assert_pstr_eq(test_string_member(test_member(config, "sink"), "workerNum"), "64");
	ck_assert_ptr_null(test_member(test_member(config, "coordinator"), "throttleIOPS"));
	cJSON_Delete(task);
	ck_assert_ptr_null(get_task(&again, DOC_STOPPED));
	task = get_task(&again, MOVED);
	ck_assert_ptr_nonnull(task);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	cJSON_Delete(task);
	ck_assert_ptr_null(get_task(&again, INCR_CREATED));
	/* what the OMS routes remember of gone names survives too */
	cJSON *root = oms_error(&again, "resume", DOC_STOPPED, "TASK_NOT_FOUND");
	ck_assert_pstr_eq(
		test_string_member(test_member(test_member(root, "errorDetail"), "extraContext"),
				   "migratedTo"),
		MOVED);
	cJSON_Delete(root);
	root = oms_error(&again, "resume", INCR_CREATED, "TASK_NOT_FOUND");
	ck_assert(cJSON_IsTrue(test_member(
		test_member(test_member(root, "errorDetail"), "extraContext"), "deleted")));
	cJSON_Delete(root);
	/* and the sequence: the next migration is …3 */
	oms_ok(&again, "migrate", MOVED, NULL, NULL,
	       "10.0.0.99-9000:connector_v2:p_493po****-incr_trans-1-0:0000000003");
	test_daemon_down(&again);
}
END_TEST

/* An existing database is used as it is: not reseeded. --reset reseeds. */
START_TEST(existing_database_is_not_reseeded)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	oms_ok(&d, "delete", INCR_CREATED, NULL, NULL, NULL);
	test_daemon_down_keep(&d);

	test_daemon again;
	test_daemon_up(&again, NULL, &d);
	ck_assert_ptr_null(get_task(&again, INCR_CREATED));
	ck_assert_int_eq(task_count(&again), FIXTURE_TASKS - 1);
	test_daemon_down_keep(&again);

	const char *const reset[] = {"--reset", NULL};
	test_daemon reseeded;
	test_daemon_up(&reseeded, reset, &again);
	cJSON *task = get_task(&reseeded, INCR_CREATED);
	ck_assert_msg(task != NULL, "--reset did not bring the fixture task back");
	ck_assert_pstr_eq(test_string_member(task, "state"), "CREATED");
	cJSON_Delete(task);
	ck_assert_int_eq(task_count(&reseeded), FIXTURE_TASKS);
	test_daemon_down_keep(&reseeded);

	/* and without --reset the next start keeps what is there again */
	test_daemon kept;
	test_daemon_up(&kept, NULL, &reseeded);
	oms_ok(&kept, "delete", INCR_CREATED, NULL, NULL, NULL);
	ck_assert_int_eq(task_count(&kept), FIXTURE_TASKS - 1);
	test_daemon_down(&kept);
}
END_TEST

START_TEST(memory_database)
{
	const char *const args[] = {"--db", ":memory:", NULL};
	test_daemon d;
	test_daemon_up(&d, args, NULL);
	ck_assert_int_eq(task_count(&d), FIXTURE_TASKS);
	oms_ok(&d, "resume", DOC_STOPPED, NULL, NULL, NULL);
	oms_ok(&d, "migrate", DOC_RUNNING, "ip=10.0.0.14", NULL,
	       "10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002");
	cJSON *task = get_task(&d, DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(task, "state"), "RUNNING");
	cJSON_Delete(task);
	ck_assert_int_eq(journal_count(&d), 2);
	ck_assert_msg(access(d.db_path, F_OK) != 0, "a database file was written at %s", d.db_path);
	ck_assert_msg(access(":memory:", F_OK) != 0, "a file named :memory: was written");
	test_daemon_down_keep(&d);

	/* nothing outlives the process */
	test_daemon again;
	test_daemon_up(&again, args, &d);
	task = get_task(&again, DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(task, "state"), "STOPPED");
	cJSON_Delete(task);
	ck_assert_int_eq(journal_count(&again), 0);
	test_daemon_down(&again);
}
END_TEST

START_TEST(journal_survives_restart)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	oms_ok(&d, "resume", DOC_STOPPED, NULL, NULL, NULL);
	cJSON_Delete(oms_error(&d, "resume", DOC_STOPPED, "ILLEGAL_STATE"));
	oms_ok(&d, "stop", DOC_STOPPED, NULL, NULL, NULL);
	char *before = test_get_text(&d, "/_mock/journal");
	ck_assert_int_eq(journal_count(&d), 3);
	test_daemon_down_keep(&d);

	test_daemon again;
	test_daemon_up(&again, NULL, &d);
	char *after = test_get_text(&again, "/_mock/journal");
	ck_assert_str_eq(before, after);
	free(after);
	test_daemon_crash(&again);

	test_daemon third;
	test_daemon_up(&third, NULL, &again);
	after = test_get_text(&third, "/_mock/journal");
	ck_assert_str_eq(before, after);
	free(after);
	free(before);
	test_daemon_down(&third);
}
END_TEST

/* ======================================================================
 * operation_audit_log.retention_time
 * ==================================================================== */

typedef struct {
	const char *flag_value;	 /* --audit-retention, or NULL */
	const char *config_text; /* a config file, or NULL */
	int kept;		 /* entries after the pause and one more request */
} retention_case;

static const retention_case retention_cases[] = {
	{"1s", NULL, 1},
	{NULL, "[operation_audit_log]\nretention_time = 1s\n", 1},
	{"0", NULL, 3},
	{"7d", NULL, 3},
};

START_TEST(audit_retention)
{
	const retention_case *c = &retention_cases[_i];
	char dir[256], conf[512];
	test_temp_dir(dir, sizeof dir);
	snprintf(conf, sizeof conf, "%s/test.conf", dir);
	const char *args[5] = {NULL};
	if (c->flag_value) {
		args[0] = "--audit-retention";
		args[1] = c->flag_value;
	} else {
		FILE *file = fopen(conf, "w");
		ck_assert_ptr_nonnull(file);
		fputs(c->config_text, file);
		fclose(file);
		args[0] = "--config";
		args[1] = conf;
	}
	test_daemon d;
	test_daemon_up(&d, args, NULL);
	oms_ok(&d, "stop", DOC_RUNNING, NULL, NULL, NULL);
	cJSON_Delete(oms_error(&d, "stop", DOC_RUNNING, "ILLEGAL_STATE"));
	/* fresh entries are kept, whatever the retention */
	ck_assert_int_eq(journal_count(&d), 2);
	struct timespec pause = {2, 100 * 1000 * 1000};
	nanosleep(&pause, NULL);
	oms_ok(&d, "resume", DOC_RUNNING, NULL, NULL, NULL);
	cJSON *root = test_get_json(&d, "/_mock/journal");
	const cJSON *entries = test_member(root, "entries");
	ck_assert_msg(cJSON_GetArraySize(entries) == c->kept, "%d entries kept, expected %d",
		      cJSON_GetArraySize(entries), c->kept);
	const cJSON *newest = cJSON_GetArrayItem(entries, cJSON_GetArraySize(entries) - 1);
	ck_assert_pstr_eq(test_string_member(newest, "op"), "resume");
	cJSON_Delete(root);
	test_daemon_down(&d);
	test_remove_temp_dir(dir);
}
END_TEST

/* ======================================================================
 * the command line
 * ==================================================================== */

START_TEST(help_and_version)
{
	raw_run_result result;
	raw_run_binary((const char *const[]){"--help", NULL}, 5000, &result);
	ck_assert_msg(result.status == 0, "--help: status %d", result.status);
	ck_assert_msg(strstr(result.out, "usage") != NULL, "--help: %s", result.out);
	static const char *const flags[] = {"--port",	     "--db",	       "--fixtures",
					    "--lenient",     "--error-status", "--max-body",
					    "--admin-token", "--durability",   "--audit-retention",
					    "--reset",	     "--version"};
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		ck_assert_msg(strstr(result.out, flags[i]) != NULL, "--help does not mention %s",
			      flags[i]);

	raw_run_binary((const char *const[]){"--version", NULL}, 5000, &result);
	ck_assert_msg(result.status == 0, "--version: status %d", result.status);
	unsigned major, minor, patch;
	ck_assert_msg(sscanf(result.out, "connector-mock %u.%u.%u", &major, &minor, &patch) == 3,
		      "--version: \"%s\"", result.out);
	/* then the libraries it runs with, as loaded (not as compiled against) */
	char expected[256];
	snprintf(expected, sizeof expected, "\nlibmicrohttpd %s\nSQLite %s\ncJSON %s\n",
		 MHD_get_version(), sqlite3_libversion(), cJSON_Version());
	const char *libraries = strchr(result.out, '\n');
	ck_assert_msg(libraries && strcmp(libraries, expected) == 0,
		      "--version: \"%s\", expected the libraries \"%s\"", result.out, expected);

	/* they win over anything else on the line and start no daemon */
	raw_run_binary((const char *const[]){"--port", "0", "--version", NULL}, 5000, &result);
	ck_assert_int_eq(result.status, 0);
	ck_assert_ptr_null(strstr(result.out, "listening"));
}
END_TEST

typedef struct {
	const char *args[4];
	const char *config_text; /* written to a file passed with --config */
	const char *mention;	 /* stderr names this */
} bad_start;

static const bad_start bad_starts[] = {
	{{"--no-such-flag", NULL}, NULL, "--no-such-flag"},
	{{"-p", "8088", NULL}, NULL, "-p"},
	{{"--port", "70000", NULL}, NULL, "port"},
	{{"--port", "http", NULL}, NULL, "port"},
	{{"--port", NULL}, NULL, "--port"},
	{{"--threads", "65", NULL}, NULL, "threads"},
	{{"--durability", "sometimes", NULL}, NULL, "durability"},
	{{"--error-status", "teapot", NULL}, NULL, "error"},
	{{"--max-body", "10", NULL}, NULL, "max"},
	{{"--audit-retention", "5x", NULL}, NULL, "retention"},
	{{"--audit-retention", "s", NULL}, NULL, "retention"},
	{{"--log-level", "loud", NULL}, NULL, "log"},
	{{"--listen", "localhost", NULL}, NULL, "listen"},
	{{"--lenient=maybe", NULL}, NULL, "lenient"},
	{{"--error-detail", "some", NULL}, NULL, "error_detail"},
	{{"--delete-running", "maybe", NULL}, NULL, "delete_running"},
	{{"--update-created", "yes", NULL}, NULL, "update_created"},
	{{NULL}, "[errors]\nNO_SUCH_CODE = CM-1\n", "NO_SUCH_CODE"},
	{{NULL}, "[errors]\nILLEGAL_STATE = CM 1\n", "ILLEGAL_STATE"},
	{{NULL}, "[errors]\nILLEGAL_STATE = -CM1\n", "ILLEGAL_STATE"},
	{{NULL},
	 "[errors]\nILLEGAL_STATE = "
	 "C123456789012345678901234567890123456789012345678901234567890123\n",
	 "ILLEGAL_STATE"},
	{{NULL}, "[server]\nport = abc\n", ":2"},
	{{NULL}, "[server]\nno_such_key = 1\n", "no_such_key"},
	{{NULL}, "[nowhere]\nport = 1\n", "nowhere"},
	{{"--config", "/nonexistent/connector-mock.conf", NULL}, NULL, "/nonexistent"},
	{{NULL}, "[server]\nport = 0\nport = 0\n", "twice"},
	{{"--config", "/tmp", NULL}, NULL, "directory"},
};
enum { BAD_STARTS = sizeof bad_starts / sizeof *bad_starts };

/* A bad flag or setting: a non-zero exit, a message on stderr, no daemon. */
START_TEST(bad_flags_exit_non_zero)
{
	const bad_start *c = &bad_starts[_i];
	char dir[256], db[512], conf[512];
	test_temp_dir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/mock.db", dir);
	snprintf(conf, sizeof conf, "%s/test.conf", dir);
	const char *args[16];
	int n = 0;
	args[n++] = "--db";
	args[n++] = db;
	args[n++] = "--port";
	args[n++] = "0";
	args[n++] = "--config";
	args[n++] = "/dev/null";
	if (c->config_text) {
		FILE *file = fopen(conf, "w");
		ck_assert_ptr_nonnull(file);
		fputs(c->config_text, file);
		fclose(file);
		args[n++] = "--config";
		args[n++] = conf;
	}
	for (int i = 0; c->args[i]; i++)
		args[n++] = c->args[i];
	args[n] = NULL;
	raw_run_result result;
	raw_run_binary(args, 5000, &result);
	ck_assert_msg(result.status != -2, "the binary is still running (a daemon started?)");
	ck_assert_msg(result.status == 2, "exit status %d, expected 2", result.status);
	ck_assert_msg(result.err[0] != '\0', "nothing on stderr");
	ck_assert_msg(strstr(result.err, c->mention) != NULL, "stderr does not mention \"%s\": %s",
		      c->mention, result.err);
	ck_assert_ptr_null(strstr(result.out, "listening"));
	test_remove_temp_dir(dir);
}
END_TEST

/* A second daemon on a port in use fails to start; the first one goes on. */
START_TEST(port_in_use)
{
	test_daemon first;
	test_daemon_up(&first, NULL, NULL);
	char port[16], db[512];
	snprintf(port, sizeof port, "%u", first.port);
	snprintf(db, sizeof db, "%s/other.db", first.dir);
	raw_run_result result;
	raw_run_binary(
		(const char *const[]){"--port", port, "--db", db, "--config", "/dev/null", NULL},
		5000, &result);
	ck_assert_msg(result.status != -2, "the second daemon is still running");
	ck_assert_msg(result.status > 0, "exit status %d, expected non-zero", result.status);
	ck_assert_msg(result.err[0] != '\0', "nothing on stderr");
	ck_assert_ptr_null(strstr(result.out, "listening"));
	/* one line that says so, and nothing of libmicrohttpd's ("port 0") */
	ck_assert_msg(strstr(result.err, "already in use") != NULL, "stderr: %s", result.err);
	ck_assert_msg(strchr(result.err, '\n') == result.err + strlen(result.err) - 1,
		      "more than one line on stderr: %s", result.err);
	ck_assert_ptr_null(strstr(result.err, "libmicrohttpd"));
	/* the failed start created no database */
	ck_assert_int_eq(access(db, F_OK), -1);
	ck_assert_int_eq(task_count(&first), FIXTURE_TASKS);
	oms_ok(&first, "resume", DOC_STOPPED, NULL, NULL, NULL);
	test_daemon_down(&first);
}
END_TEST

static Suite *process_suite(void)
{
	Suite *suite = suite_create("integration_process");
	TCase *tc = tcase_create("process");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ready_line);
	tcase_add_test(tc, sigterm_exits_zero_quickly);
	tcase_add_test(tc, sigint_exits_zero);
	tcase_add_test(tc, sigterm_finishes_a_request_in_flight);
	tcase_add_loop_test(tc, acknowledged_changes_survive_sigkill, 0, 2);
	tcase_add_test(tc, existing_database_is_not_reseeded);
	tcase_add_test(tc, memory_database);
	tcase_add_test(tc, journal_survives_restart);
	tcase_add_loop_test(tc, audit_retention, 0,
			    sizeof retention_cases / sizeof *retention_cases);
	tcase_add_test(tc, help_and_version);
	tcase_add_loop_test(tc, bad_flags_exit_non_zero, 0, BAD_STARTS);
	tcase_add_test(tc, port_in_use);
	suite_add_tcase(suite, tc);

	/* hundreds of starts and stops: slow under sanitizers and valgrind */
	TCase *repeated = tcase_create("repeated_stops");
	tcase_set_timeout(repeated, 120);
	tcase_add_test(repeated, sigterm_after_requests_repeatedly);
	suite_add_tcase(suite, repeated);
	return suite;
}

int main(void) { return test_run_suite(process_suite()); }
