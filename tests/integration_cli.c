/*
 * integration_cli.c — the real connectorctl against the real daemon: every
 * command, every exit status, lost acknowledgements on each pull back step
 * (seen through the control API, and re-sent as against a CM without one),
 * retries under a seeded 30% retryable fault, and --dry-run's curl commands
 * run through sh. Each test starts its own daemon and works in a namespace
 * of its own (the /ns/NAME prefix of --cm). connectorctl is found beside
 * the daemon ($CONNECTOR_MOCK_BIN's directory, else build/).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define DOC_SUBTOPIC "oms_store_p_493pk_0_1_0"
#define FULL_RUNNING "10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001"
#define INCR_CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"
#define TOKEN "cli-secret"

/* ---- running connectorctl ------------------------------------------------ */

typedef struct {
	int status; /* the exit status; -1 when it died by a signal */
	char out[1 << 16];
	char err[1 << 16];
} cli_run;

static const char *cli_path(void)
{
	static char path[1024];
	const char *daemon = test_binary_path();
	const char *slash = strrchr(daemon, '/');
	int dir = slash ? (int)(slash - daemon) : 1;
	snprintf(path, sizeof path, "%.*s/connectorctl", dir, slash ? daemon : ".");
	return path;
}

static void read_file(const char *path, char *into, size_t cap)
{
	FILE *file = fopen(path, "rb");
	ck_assert_ptr_nonnull(file);
	size_t n = fread(into, 1, cap - 1, file);
	into[n] = '\0';
	fclose(file);
}

/* Runs argv (argv[0] NULL: connectorctl) with $CONNECTOR_CM and the token
 * variable unset unless `env` (NAME=VALUE, or NULL) sets one. */
static void run_argv(cli_run *r, const char **argv, const char *env)
{
	char dir[256], out_path[300], err_path[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(out_path, sizeof out_path, "%s/stdout", dir);
	snprintf(err_path, sizeof err_path, "%s/stderr", dir);
	if (!argv[0])
		argv[0] = cli_path();
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = open("/dev/null", O_RDONLY);
		if (out < 0 || err < 0 || in < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		unsetenv("CONNECTOR_CM");
		unsetenv("CONNECTOR_MOCK_TOKEN");
		const char *equals = env ? strchr(env, '=') : NULL;
		if (equals) {
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)(equals - env), env);
			setenv(name, equals + 1, 1);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	test_track_daemon(pid);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	test_untrack_daemon(pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	read_file(out_path, r->out, sizeof r->out);
	read_file(err_path, r->err, sizeof r->err);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
}

/* connectorctl --cm BASE/ns/NS ARGS... (NULL-terminated). */
static void run_ns(cli_run *r, const test_daemon *d, const char *ns, const char *const *args)
{
	static char cm[256];
	snprintf(cm, sizeof cm, "%s/ns/%s", d->base_url, ns);
	const char *argv[64] = {NULL, "--cm", cm};
	int n = 3;
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_argv(r, argv, NULL);
}

#define CLI(r, d, ns, ...) run_ns(r, d, ns, (const char *const[]){__VA_ARGS__, NULL})

static void expect_status(const cli_run *r, int status)
{
	ck_assert_msg(r->status == status, "exit %d, expected %d\nstdout: %s\nstderr: %s",
		      r->status, status, r->out, r->err);
}

static void expect_in(const char *text, const char *needle, const char *label)
{
	ck_assert_msg(strstr(text, needle) != NULL, "%s lacks \"%s\":\n%s", label, needle, text);
}

/* ---- the daemon's side ---------------------------------------------------- */

static const char *const auth[] = {"Authorization: Bearer " TOKEN, NULL};

/* A control-API request in namespace `ns`, with the token; 2xx expected. */
static cJSON *ctl(const test_daemon *d, const char *ns, const char *method, const char *path,
		  const char *body)
{
	char full[1024];
	snprintf(full, sizeof full, "/ns/%s/_mock/%s", ns, path);
	test_response r = test_request(d, method, full, auth, body);
	ck_assert_msg(r.status >= 200 && r.status < 300, "%s %s: HTTP %ld: %s", method, full,
		      r.status, r.body);
	cJSON *root = test_response_json(&r);
	test_response_free(&r);
	ck_assert_ptr_nonnull(root);
	return root;
}

static cJSON *task_of(const test_daemon *d, const char *ns, const char *task)
{
	char *escaped = test_escape(task);
	char path[1024];
	snprintf(path, sizeof path, "tasks/%s", escaped);
	free(escaped);
	return ctl(d, ns, "GET", path, NULL);
}

static void expect_task(const test_daemon *d, const char *ns, const char *task, const char *state,
			long long position, const char *checkpoint)
{
	cJSON *root = task_of(d, ns, task);
	ck_assert_str_eq(test_string_member(root, "state"), state);
	if (position >= 0)
		ck_assert_int_eq((long long)test_number_member(root, "checkpoint"), position);
	if (checkpoint) {
		const cJSON *source = test_member(test_member(root, "config"), "source");
		ck_assert_str_eq(test_string_member(source, "checkpoint"), checkpoint);
	}
	cJSON_Delete(root);
}

/* GET journal/count?QUERY in `ns`. */
static long long journal_count(const test_daemon *d, const char *ns, const char *query)
{
	char path[512];
	snprintf(path, sizeof path, "journal/count%s%s", query ? "?" : "", query ? query : "");
	cJSON *root = ctl(d, ns, "GET", path, NULL);
	long long n = (long long)test_number_member(root, "count");
	cJSON_Delete(root);
	return n;
}

static void add_fault(const test_daemon *d, const char *ns, const char *spec)
{
	cJSON_Delete(ctl(d, ns, "POST", "faults", spec));
}

static void up(test_daemon *d)
{
	test_daemon_up(d, (const char *const[]){"--admin-token", TOKEN, NULL}, NULL);
}

#define PULLBACK_LINES                                                                             \
	"stopped " DOC_RUNNING "\n"                                                                \
	"checkpoint set to 1676286000 (2023-02-13 19:00:00 +08:00) for subtopic " DOC_SUBTOPIC     \
	"\n"                                                                                       \
	"resumed with pull back\n"
#define CHECKPOINT "{\"" DOC_SUBTOPIC "\":\"1676286000\"}"

/* ---- the operations --------------------------------------------------------- */

START_TEST(operations)
{
	test_daemon d;
	up(&d);
	cli_run r;
	CLI(&r, &d, "ops", "stop", DOC_RUNNING);
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, "stopped " DOC_RUNNING "\n");
	/* refused: exit 1, the errCode, errMsg and proposal on stderr */
	CLI(&r, &d, "ops", "stop", DOC_RUNNING);
	expect_status(&r, 1);
	ck_assert_str_eq(r.out, "");
	expect_in(r.err, "stop: ILLEGAL_STATE: cannot stop task", "stderr");
	expect_in(r.err, "proposal: ", "stderr");
	/* update: deletes, then sets */
	CLI(&r, &d, "ops", "update", DOC_RUNNING, "--delete", "coordinator.throttleRps", "--set",
	    "sink.workerNum=8", "--set", "source.a.b=x=y");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, "updated " DOC_RUNNING "\n");
	cJSON *task = task_of(&d, "ops", DOC_RUNNING);
	const cJSON *config = test_member(task, "config");
	ck_assert_ptr_null(test_member(test_member(config, "coordinator"), "throttleRps"));
	ck_assert_str_eq(test_string_member(test_member(config, "sink"), "workerNum"), "8");
	ck_assert_str_eq(test_string_member(test_member(config, "source"), "a.b"), "x=y");
	cJSON_Delete(task);
	CLI(&r, &d, "ops", "resume", DOC_RUNNING, "--json");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out,
			 "{\"errCode\":null,\"errMsg\":null,\"errorDetail\":null,"
			 "\"isSuccess\":true,\"result\":\"" DOC_RUNNING "\",\"retryable\":null}\n");
	/* migrate prints the new name alone, for new=$(connectorctl migrate ...) */
	CLI(&r, &d, "ops", "migrate", DOC_RUNNING, "--ip", "10.0.0.14");
	expect_status(&r, 0);
	const char *moved = "10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002";
	ck_assert_str_eq(r.out,
			 "10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002\n");
	CLI(&r, &d, "ops", "delete", moved);
	expect_status(&r, 1);
	expect_in(r.err, "delete: ILLEGAL_STATE", "stderr");
	CLI(&r, &d, "ops", "stop", moved);
	expect_status(&r, 0);
	CLI(&r, &d, "ops", "delete", moved);
	expect_status(&r, 0);
	ck_assert_str_eq(
		r.out,
		"deleted 10.0.0.14-9000:connector_v2:p_493p****-incr_trans-1-0:0000000002\n");
	/* the flags of resume */
	CLI(&r, &d, "ops", "stop", FULL_RUNNING);
	CLI(&r, &d, "ops", "resume", FULL_RUNNING, "--restart");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, "resumed " FULL_RUNNING " with restart\n");
	CLI(&r, &d, "ops", "resume", INCR_CREATED, "--pull-back");
	expect_status(&r, 1);
	expect_in(r.err, "UNSUPPORTED_OPERATION", "stderr");
	/* another namespace saw none of it */
	ck_assert_int_eq(journal_count(&d, "other", NULL), 0);
	ck_assert_int_eq(journal_count(&d, "ops", NULL), 11);
	test_daemon_down(&d);
}
END_TEST

/* update --body FILE, with --set beside its keys */
START_TEST(update_body)
{
	test_daemon d;
	up(&d);
	char dir[256], path[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/body.json", dir);
	FILE *file = fopen(path, "w");
	fputs("{\"coordinator\":{\"throttleRps\":5000}}", file);
	fclose(file);
	cli_run r;
	CLI(&r, &d, "body", "update", DOC_STOPPED, "--body", path, "--set", "sink.batchSize=7");
	expect_status(&r, 0);
	cJSON *task = task_of(&d, "body", DOC_STOPPED);
	const cJSON *config = test_member(task, "config");
	ck_assert_str_eq(test_string_member(test_member(config, "coordinator"), "throttleRps"),
			 "5000");
	ck_assert_str_eq(test_string_member(test_member(config, "sink"), "batchSize"), "7");
	cJSON_Delete(task);
	/* the same key in --body and --set: refused before sending */
	CLI(&r, &d, "body", "update", DOC_STOPPED, "--body", path, "--set",
	    "coordinator.throttleRps=1");
	expect_status(&r, 2);
	file = fopen(path, "w");
	fputs("[1]", file);
	fclose(file);
	CLI(&r, &d, "body", "update", DOC_STOPPED, "--body", path);
	expect_status(&r, 2);
	expect_in(r.err, "not a JSON object", "stderr");
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(journal_count(&d, "body", NULL), 1);
	test_daemon_down(&d);
}
END_TEST

/* Bad input: exit 2, a sentence, and no request sent. */
START_TEST(usage_errors)
{
	test_daemon d;
	up(&d);
	static const struct {
		const char *args[8];
		const char *says;
	} cases[] = {
		{{"stop", "not-a-task"}, "HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ"},
		{{"stop"}, "needs a TASK"},
		{{"stop", DOC_RUNNING, DOC_STOPPED}, "one too many"},
		{{"frobnicate", DOC_RUNNING}, "unknown command 'frobnicate'"},
		{{"pullback", DOC_RUNNING, "--to", "yesterday"}, "YYYY-MM-DD HH:MM:SS"},
		{{"pullback", DOC_RUNNING, "--to", "2023-02-13 19:00:00", "--tz", "Mars/Olympus"},
		 "not a known zone"},
		{{"pullback", DOC_RUNNING}, "needs --to"},
		{{"pullback", DOC_RUNNING, "--to"}, "--to needs a value"},
		{{"update", DOC_STOPPED, "--set", "coordinator.throttleRps"}, "without '='"},
		{{"update", DOC_STOPPED, "--delete", "throttleRps"}, "scope.key"},
		{{"resume", DOC_STOPPED, "--pull-back", "--restart"}, "exclude each other"},
		{{"resume", DOC_STOPPED, "--frob"}, "unknown option"},
		{{"migrate", DOC_STOPPED, "--ip", "300.1.1.1"}, "--ip"},
		{{"--retries", "21", "stop", DOC_STOPPED}, "--retries"},
		{{"--timeout", "0", "stop", DOC_STOPPED}, "--timeout"},
		{{"mock", "frob"}, "unknown mock command"},
		{{"mock", "journal", "--limit", "0"}, "--limit"},
		{{"mock", "clock", "--advance", "5 minutes"}, "--advance"},
		{{"mock", "clock", "--advance", "104249991375d"}, "--advance"}, /* past 2^53 ms */
		{{"mock", "clock", "--set", "2026-01-01 00:00:00", "--tz", "Nowhere/City"}, "zone"},
		{{"--timeout", "3601", "stop", DOC_STOPPED}, "--timeout"},
		{{"--token", "a\nb", "mock", "tasks"}, "line break"},
		{{"pullback", DOC_RUNNING, "--to", "1676286000", "--subtopic", ""}, "--subtopic"},
		{{"pullback", DOC_RUNNING, "--to", "0", "--subtopic", "a\ncurl x", "--dry-run"},
		 "control character"},
		{{"mock", "fault", "add", "--op", "stop"}, "needs --type"},
		{{"mock", "fault", "add", "--type", "drop", "--probability", "2"}, "from 0 to 1"},
		{{"mock", "snapshot", "save"}, "needs a NAME"},
	};
	cli_run r;
	for (size_t i = 0; i < COUNT(cases); i++) {
		run_ns(&r, &d, "usage", cases[i].args);
		ck_assert_msg(r.status == 2, "case %zu (%s): exit %d: %s", i, cases[i].args[0],
			      r.status, r.err);
		expect_in(r.err, cases[i].says, "stderr");
		ck_assert_str_eq(r.out, "");
	}
	/* --cm that is not an http URL; no command; --help */
	const char *argv[] = {NULL, "--cm", "ftp://127.0.0.1/", "stop", DOC_STOPPED, NULL};
	run_argv(&r, argv, NULL);
	expect_status(&r, 2);
	expect_in(r.err, "not an http URL", "stderr");
	const char *bare[] = {NULL, NULL};
	run_argv(&r, bare, NULL);
	expect_status(&r, 2);
	const char *help[] = {NULL, "--help", NULL};
	run_argv(&r, help, NULL);
	expect_status(&r, 0);
	expect_in(r.out, "Exit status: 0 success; 1 the CM refused", "--help");
	ck_assert_int_eq(journal_count(&d, "usage", NULL), 0);
	test_daemon_down(&d);
}
END_TEST

/* ---- transport failures and answers that are not the envelope -------------- */

START_TEST(transport_failures)
{
	test_daemon d;
	up(&d);
	cli_run r;
	/* a port with nothing listening: bound, never listened on */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	socklen_t len = sizeof addr;
	getsockname(fd, (struct sockaddr *)&addr, &len);
	char cm[64];
	snprintf(cm, sizeof cm, "http://127.0.0.1:%u", ntohs(addr.sin_port));
	const char *argv[] = {NULL, "--cm", cm, "--retries", "1", "stop", DOC_RUNNING, NULL};
	run_argv(&r, argv, NULL);
	close(fd);
	expect_status(&r, 3);
	expect_in(r.err, "no answer from", "stderr");
	expect_in(r.err, "retry 1 of 1", "stderr");
	/* a connection closed without an answer, every time */
	add_fault(&d, "drop", "{\"op\":\"stop\",\"times\":-1,\"action\":{\"type\":\"drop\"}}");
	CLI(&r, &d, "drop", "--retries", "2", "stop", DOC_RUNNING);
	expect_status(&r, 3);
	ck_assert_int_eq(journal_count(&d, "drop", "op=stop"), 3);
	/* a migrate whose answer is lost is not sent again */
	add_fault(&d, "drop", "{\"op\":\"migrate\",\"times\":-1,\"action\":{\"type\":\"drop\"}}");
	CLI(&r, &d, "drop", "migrate", DOC_STOPPED);
	expect_status(&r, 3);
	expect_in(r.err, "not retried", "stderr");
	ck_assert_int_eq(journal_count(&d, "drop", "op=migrate"), 1);
	/* a delete whose answer is lost: sent again, TASK_NOT_FOUND with
	 * extraContext.deleted is its success */
	add_fault(&d, "drop", "{\"op\":\"delete\",\"action\":{\"type\":\"lost_ack\"}}");
	CLI(&r, &d, "drop", "delete", DOC_STOPPED);
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, "deleted " DOC_STOPPED "\n");
	expect_in(r.err, "TASK_NOT_FOUND now: an earlier attempt was applied", "stderr");
	ck_assert_int_eq(journal_count(&d, "drop", "op=delete&success=true"), 1);
	/* a CM slower than --timeout */
	add_fault(&d, "slow", "{\"op\":\"stop\",\"action\":{\"type\":\"hang\",\"ms\":3000}}");
	CLI(&r, &d, "slow", "--timeout", "0.5", "--retries", "0", "stop", DOC_RUNNING);
	expect_status(&r, 3);
	expect_in(r.err, "curl error 28", "stderr");
	test_daemon_down(&d);
}
END_TEST

START_TEST(not_an_envelope)
{
	test_daemon d;
	up(&d);
	cli_run r;
	add_fault(&d, "raw",
		  "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"httpStatus\":503,"
		  "\"body\":\"upstream unavailable\"}}");
	CLI(&r, &d, "raw", "stop", DOC_RUNNING);
	expect_status(&r, 4);
	expect_in(r.err, "not the OMS envelope: HTTP 503", "stderr");
	expect_in(r.err, "upstream unavailable", "stderr");
	add_fault(&d, "raw",
		  "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"httpStatus\":200,"
		  "\"body\":\"<html><body>login</body></html>\"}}");
	CLI(&r, &d, "raw", "stop", DOC_RUNNING);
	expect_status(&r, 4);
	expect_in(r.err, "<html>", "stderr");
	/* JSON, but not the envelope */
	add_fault(&d, "raw",
		  "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"httpStatus\":200,"
		  "\"body\":\"{\\\"ok\\\":true}\"}}");
	CLI(&r, &d, "raw", "stop", DOC_RUNNING);
	expect_status(&r, 4);
	expect_task(&d, "raw", DOC_RUNNING, "RUNNING", -1, NULL);
	test_daemon_down(&d);
}
END_TEST

/* ---- pull back -------------------------------------------------------------- */

START_TEST(pullback_plain)
{
	test_daemon d;
	up(&d);
	cli_run r;
	CLI(&r, &d, "pb", "--token", TOKEN, "pullback", DOC_RUNNING, "--to", "2023-02-13 19:00:00",
	    "--tz", "Asia/Shanghai");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, PULLBACK_LINES);
	expect_task(&d, "pb", DOC_RUNNING, "RUNNING", 1676286000, CHECKPOINT);
	/* again, from RUNNING, with ISO 8601 and --json: three envelopes */
	CLI(&r, &d, "pb", "--json", "pullback", DOC_RUNNING, "--to", "2023-02-13T11:00:00Z",
	    "--subtopic", DOC_SUBTOPIC);
	expect_status(&r, 0);
	int lines = 0;
	for (char *line = r.out; (line = strchr(line, '\n')) != NULL; line++)
		lines++;
	ck_assert_int_eq(lines, 3);
	expect_in(r.out, "\"isSuccess\":true", "stdout");
	/* a STOPPED task is fine; unix seconds in the zone's offset */
	CLI(&r, &d, "pb", "stop", DOC_RUNNING);
	CLI(&r, &d, "pb", "--token", TOKEN, "pullback", DOC_RUNNING, "--to", "1676286000", "--tz",
	    "UTC");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, DOC_RUNNING " was already stopped\n"
					    "checkpoint set to 1676286000 (2023-02-13 11:00:00 "
					    "+00:00) for subtopic " DOC_SUBTOPIC "\n"
					    "resumed with pull back\n");
	/* a subtopic the task does not know: INVALID_CHECKPOINT from resume */
	CLI(&r, &d, "pb", "pullback", DOC_RUNNING, "--to", "1676286000", "--subtopic", "nope");
	expect_status(&r, 1);
	expect_in(r.err, "resume: INVALID_CHECKPOINT", "stderr");
	/* a task with two subtopics: connectorctl will not choose */
	cJSON_Delete(ctl(
		&d, "pb", "POST", "tasks",
		"{\"taskName\":\"10.0.0.60-9000:connector_v2:p_two-incr_trans-1-0:0000000001\","
		"\"state\":\"RUNNING\",\"config\":{\"source\":{\"clients\":\"[{\\\"clientId\\\":"
		"\\\"c1\\\",\\\"subtopic\\\":\\\"s1\\\"},{\\\"clientId\\\":\\\"c2\\\","
		"\\\"subtopic\\\":"
		"\\\"s2\\\"}]\"}}}"));
	CLI(&r, &d, "pb", "--token", TOKEN, "pullback",
	    "10.0.0.60-9000:connector_v2:p_two-incr_trans-1-0:0000000001", "--to", "1676286000");
	expect_status(&r, 2);
	expect_in(r.err, "the task has 2 subtopics (s1, s2): choose one with --subtopic", "stderr");
	ck_assert_int_eq(
		journal_count(
			&d, "pb",
			"taskName=10.0.0.60-9000:connector_v2:p_two-incr_trans-1-0:0000000001"),
		0);
	/* without the token the control API cannot say the subtopic */
	CLI(&r, &d, "pb", "pullback", DOC_RUNNING, "--to", "1676286000");
	expect_status(&r, 1);
	expect_in(r.err, "UNAUTHORIZED", "stderr");
	test_daemon_down(&d);
}
END_TEST

/*
 * A lost acknowledgement on each step (_i / 2: stop, update, resume):
 * applied and committed, then the connection dropped. With the token
 * (_i even) connectorctl asks the control API and finds the step applied;
 * without it (odd: as against a real CM) it sends the step again, and the
 * ILLEGAL_STATE of the state it wanted (or a second update) is success.
 */
START_TEST(pullback_lost_ack)
{
	static const char *const ops[] = {"stop", "update", "resume"};
	const char *op = ops[_i / 2];
	bool control = _i % 2 == 0;
	test_daemon d;
	up(&d);
	char ns[32], spec[256];
	snprintf(ns, sizeof ns, "lost-%s-%d", op, _i % 2);
	snprintf(spec, sizeof spec,
		 "{\"op\":\"%s\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\"}}", op);
	add_fault(&d, ns, spec);
	cli_run r;
	CLI(&r, &d, ns, "--token", control ? TOKEN : "wrong", "--retries", "2", "pullback",
	    DOC_RUNNING, "--to", "2023-02-13 19:00:00", "--tz", "Asia/Shanghai", "--subtopic",
	    DOC_SUBTOPIC);
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, PULLBACK_LINES);
	expect_in(r.err, "no answer from", "stderr");
	bool resent = !control && strcmp(op, "update") == 0;
	expect_in(r.err,
		  control  ? "connector-mock shows the"
		  : resent ? "update: retry 1 of 2"
			   : "an earlier attempt was applied",
		  "stderr");
	expect_task(&d, ns, DOC_RUNNING, "RUNNING", 1676286000, CHECKPOINT);
	char query[64];
	snprintf(query, sizeof query, "op=%s&success=true", op);
	/* an update sent again applies again (it is idempotent); stop and
	 * resume apply once */
	ck_assert_int_eq(journal_count(&d, ns, query), resent ? 2 : 1);
	ck_assert_int_eq(journal_count(&d, ns, "success=false"),
			 !control && strcmp(op, "update") != 0 ? 1 : 0);
	test_daemon_down(&d);
}
END_TEST

/* A retryable error on 30% of the requests (seeded): retried to success,
 * each retry after one injected error; retryable:false is never retried. */
START_TEST(pullback_retries)
{
	test_daemon d;
	up(&d);
	cli_run r;
	long long injected[2];
	for (int run = 0; run < 2; run++) {
		const char *ns = run ? "busy2" : "busy";
		add_fault(&d, ns,
			  "{\"op\":\"*\",\"probability\":0.3,\"seed\":7,\"times\":-1,"
			  "\"action\":{\"type\":\"error\",\"errCode\":\"INTERNAL_ERROR\","
			  "\"errMsg\":\"CM is busy\",\"retryable\":true}}");
		int retries = 0;
		for (int round = 0; round < 4; round++) {
			CLI(&r, &d, ns, "--retries", "10", "pullback", DOC_RUNNING, "--to",
			    "2023-02-13T19:00:00+08:00", "--subtopic", DOC_SUBTOPIC);
			expect_status(&r, 0);
			ck_assert_str_eq(r.out, PULLBACK_LINES);
			for (const char *p = r.err; (p = strstr(p, "CM is busy; retry")) != NULL;
			     p++)
				retries++;
		}
		expect_task(&d, ns, DOC_RUNNING, "RUNNING", 1676286000, CHECKPOINT);
		injected[run] = journal_count(&d, ns, "errCode=INTERNAL_ERROR");
		ck_assert_int_eq(retries, injected[run]);
	}
	ck_assert_int_gt(injected[0], 0); /* seed 7 injects some in 12 steps */
	/* the same seed gives the same errors on every run */
	ck_assert_int_eq(injected[0], injected[1]);
	add_fault(&d, "final",
		  "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
		  "\"errCode\":\"INJECTED_FAULT\",\"retryable\":false}}");
	CLI(&r, &d, "final", "--retries", "5", "stop", DOC_RUNNING);
	expect_status(&r, 1);
	ck_assert_int_eq(journal_count(&d, "final", "op=stop"), 1);
	test_daemon_down(&d);
}
END_TEST

/* --dry-run sends nothing; its curl commands, run by sh in one namespace,
 * leave the task as connectorctl itself does in another. */
START_TEST(pullback_dry_run)
{
	test_daemon d;
	up(&d);
	cli_run r;
	CLI(&r, &d, "dry", "--token", TOKEN, "pullback", DOC_RUNNING, "--to", "2023-02-13 19:00:00",
	    "--tz", "Asia/Shanghai", "--dry-run");
	expect_status(&r, 0);
	ck_assert_int_eq(journal_count(&d, "dry", NULL), 0);
	expect_in(r.out, "curl -s -w '\\n' -XPOST '", "stdout");
	char dir[256], path[300];
	test_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/pullback.sh", dir);
	FILE *script = fopen(path, "w");
	fputs(r.out, script);
	fclose(script);
	const char *sh[] = {"/bin/sh", path, NULL};
	cli_run ran;
	run_argv(&ran, sh, NULL);
	unlink(path);
	rmdir(dir);
	expect_status(&ran, 0);
	expect_in(ran.out, "\"isSuccess\":true", "sh");
	CLI(&r, &d, "wet", "pullback", DOC_RUNNING, "--to", "2023-02-13 19:00:00", "--tz",
	    "Asia/Shanghai", "--subtopic", DOC_SUBTOPIC);
	expect_status(&r, 0);
	cJSON *dry = task_of(&d, "dry", DOC_RUNNING), *wet = task_of(&d, "wet", DOC_RUNNING);
	ck_assert(cJSON_Compare(test_member(dry, "config"), test_member(wet, "config"), 1));
	ck_assert_str_eq(test_string_member(dry, "state"), test_string_member(wet, "state"));
	ck_assert_int_eq(test_number_member(dry, "checkpoint"), 1676286000);
	ck_assert_int_eq(test_number_member(wet, "checkpoint"), 1676286000);
	cJSON_Delete(dry);
	cJSON_Delete(wet);
	test_daemon_down(&d);
}
END_TEST

/* ---- mock ... ----------------------------------------------------------------- */

START_TEST(mock_commands)
{
	test_daemon d;
	up(&d);
	cli_run r;
	CLI(&r, &d, "m", "mock", "tasks");
	expect_status(&r, 1); /* no token */
	expect_in(r.err, "HTTP 401", "stderr");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "tasks", "--state", "RUNNING");
	expect_status(&r, 0);
	expect_in(r.out, "STATE     TYPE        TASK\nRUNNING   ", "stdout");
	ck_assert_ptr_null(strstr(r.out, "STOPPED"));
	char cm[128];
	snprintf(cm, sizeof cm, "CONNECTOR_MOCK_TOKEN=%s", TOKEN);
	char cm_url[128];
	snprintf(cm_url, sizeof cm_url, "%s/ns/m", d.base_url);
	const char *argv[] = {NULL, "--cm", cm_url, "mock", "task", DOC_STOPPED, NULL};
	run_argv(&r, argv, cm);
	expect_status(&r, 0);
	expect_in(r.out, "\"taskName\":\t\"" DOC_STOPPED "\"", "stdout");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "task",
	    "10.9.9.9-1:connector_v2:p-incr_trans-1-0:0000000001");
	expect_status(&r, 1);
	expect_in(r.err, "TASK_NOT_FOUND", "stderr");
	/* the clock, then the journal's table on it */
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "clock", "--freeze", "--set",
	    "2026-01-01T00:00:00Z");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, "now 2026-01-01 00:00:00.000 UTC (1767225600000 ms), frozen\n");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "clock", "--advance", "1d");
	ck_assert_str_eq(r.out, "now 2026-01-02 00:00:00.000 UTC (1767312000000 ms), frozen\n");
	CLI(&r, &d, "m", "stop", DOC_RUNNING);
	CLI(&r, &d, "m", "stop", DOC_RUNNING);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "journal", "--op", "stop", "--limit", "5");
	expect_status(&r, 0);
	expect_in(r.out, "ID     TIME (UTC)              OP      RESULT", "journal");
	expect_in(r.out, "2026-01-02 00:00:00.000 stop    ok                    RUNNING>STOPPED",
		  "journal");
	expect_in(r.out, "stop    ILLEGAL_STATE         STOPPED>-", "journal");
	/* faults */
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "fault", "add", "--op", "stop", "--type",
	    "error", "--err-code", "INTERNAL_ERROR", "--retryable", "--times", "2");
	expect_status(&r, 0);
	ck_assert_str_eq(r.out, "added fault 1\n");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "fault", "add", "--spec",
	    "{\"op\":\"delete\",\"action\":{\"type\":\"lost_ack\"}}");
	ck_assert_str_eq(r.out, "added fault 2\n");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "fault", "add", "--type", "teleport");
	expect_status(&r, 1);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "fault", "list");
	expect_in(r.out, "error INTERNAL_ERROR retryable", "fault list");
	expect_in(r.out, "lost_ack then drop", "fault list");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "fault", "clear", "1");
	ck_assert_str_eq(r.out, "removed fault 1\n");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "fault", "clear", "1");
	expect_status(&r, 1);
	CLI(&r, &d, "m", "--token", TOKEN, "--json", "mock", "fault", "clear");
	ck_assert_str_eq(r.out, "{}\n");
	/* snapshots, reset */
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "snapshot", "save", "s1");
	ck_assert_str_eq(r.out, "saved snapshot s1\n");
	CLI(&r, &d, "m", "resume", DOC_RUNNING);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "snapshot", "restore", "s1");
	ck_assert_str_eq(r.out, "restored snapshot s1\n");
	expect_task(&d, "m", DOC_RUNNING, "STOPPED", -1, NULL);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "snapshot", "list");
	expect_in(r.out, "s1                       2026-01-02 00:00:00.000 8", "snapshot list");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "snapshot", "delete", "s1");
	expect_status(&r, 0);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "snapshot", "restore", "s1");
	expect_status(&r, 1);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "reset");
	ck_assert_str_eq(r.out, "reset namespace m to the fixtures: 8 tasks\n");
	expect_task(&d, "m", DOC_RUNNING, "RUNNING", -1, NULL);
	/* namespaces */
	CLI(&r, &d, "gone", "stop", DOC_RUNNING);
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "ns", "list");
	expect_in(r.out, "\ngone ", "ns list");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "ns", "delete", "gone");
	ck_assert_str_eq(r.out, "deleted namespace gone\n");
	CLI(&r, &d, "m", "--token", TOKEN, "mock", "ns", "list");
	ck_assert_ptr_null(strstr(r.out, "\ngone "));
	test_daemon_down(&d);
}
END_TEST

/* With --error-status mapped the CM's refusals come with a 4xx status: still
 * the envelope, still exit 1 (and a 404 of a wrong prefix is one too). */
START_TEST(mapped_error_status)
{
	test_daemon d;
	test_daemon_up(&d, (const char *const[]){"--error-status", "mapped", NULL}, NULL);
	cli_run r;
	CLI(&r, &d, "mapped", "stop", DOC_STOPPED);
	expect_status(&r, 1);
	expect_in(r.err, "stop: ILLEGAL_STATE", "stderr");
	char cm[128];
	snprintf(cm, sizeof cm, "%s/wrong/prefix", d.base_url);
	const char *argv[] = {NULL, "--cm", cm, "stop", DOC_RUNNING, NULL};
	run_argv(&r, argv, NULL);
	expect_status(&r, 1);
	expect_in(r.err, "stop: NOT_FOUND", "stderr");
	expect_task(&d, "mapped", DOC_STOPPED, "STOPPED", -1, NULL);
	test_daemon_down(&d);
}
END_TEST

/* --cm from $CONNECTOR_CM, with a path prefix and a trailing slash */
START_TEST(cm_from_environment)
{
	test_daemon d;
	up(&d);
	char env[160];
	snprintf(env, sizeof env, "CONNECTOR_CM=%s/ns/env/", d.base_url);
	const char *argv[] = {NULL, "stop", DOC_RUNNING, NULL};
	cli_run r;
	run_argv(&r, argv, env);
	expect_status(&r, 0);
	expect_task(&d, "env", DOC_RUNNING, "STOPPED", -1, NULL);
	expect_task(&d, "default", DOC_RUNNING, "RUNNING", -1, NULL);
	test_daemon_down(&d);
}
END_TEST

/* man/connectorctl.1 is clean mdoc */
START_TEST(man_page_lint)
{
	const char *argv[] = {"/usr/bin/mandoc", "-T", "lint", "man/connectorctl.1", NULL};
	cli_run r;
	run_argv(&r, argv, NULL);
	ck_assert_msg(r.status == 0 && r.out[0] == '\0' && r.err[0] == '\0',
		      "mandoc -T lint: exit %d\n%s%s", r.status, r.out, r.err);
}
END_TEST

/* The bash completion file completes commands and options (with a stand-in
 * for bash-completion's _init_completion). */
START_TEST(bash_completion)
{
	static const struct {
		const char *words, *expected;
	} cases[] = {
		{"connectorctl pu", "pullback"},
		{"connectorctl pullback x --t", "--to --tz --timeout --token"},
		{"connectorctl mock f", "fault"},
		{"connectorctl mock fault add --then ", "drop error status"},
		{"connectorctl --json resume x --", "--pull-back --restart --cm --json --timeout "
						    "--retries --token --help"},
		{"connectorctl pullback x --tz Asia/Shangh", "Asia/Shanghai"},
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		char script[2048];
		snprintf(script, sizeof script,
			 "_init_completion() { words=(\"${COMP_WORDS[@]}\"); cword=$COMP_CWORD; "
			 "cur=${words[cword]}; prev=${words[cword-1]}; }\n"
			 ". cli/connectorctl.bash\n"
			 "COMP_WORDS=(%s); case '%s' in *' ') COMP_WORDS+=('');; esac\n"
			 "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
			 "_connectorctl; echo \"${COMPREPLY[*]}\"\n",
			 cases[i].words, cases[i].words);
		const char *argv[] = {"/bin/bash", "-c", script, NULL};
		cli_run r;
		run_argv(&r, argv, NULL);
		expect_status(&r, 0);
		char expected[256];
		snprintf(expected, sizeof expected, "%s\n", cases[i].expected);
		ck_assert_msg(strcmp(r.out, expected) == 0, "%s: got \"%s\"", cases[i].words,
			      r.out);
	}
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *suite = suite_create("cli");
	TCase *tc = tcase_create("connectorctl");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, operations);
	tcase_add_test(tc, update_body);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, transport_failures);
	tcase_add_test(tc, not_an_envelope);
	tcase_add_test(tc, pullback_plain);
	tcase_add_loop_test(tc, pullback_lost_ack, 0, 6);
	tcase_add_test(tc, pullback_retries);
	tcase_add_test(tc, pullback_dry_run);
	tcase_add_test(tc, mock_commands);
	tcase_add_test(tc, mapped_error_status);
	tcase_add_test(tc, cm_from_environment);
	tcase_add_test(tc, man_page_lint);
	tcase_add_test(tc, bash_completion);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(cli_suite()); }
