/*
 * integration_contract.c — docs/openapi.yaml against the real daemon.
 *
 *  - the document lints clean (@redocly/cli, tests/contract/redocly.yaml;
 *    the warnings accepted are listed, with their reasons, beside it);
 *  - the daemon serves it unchanged but for its own address in `servers`,
 *    as YAML and as JSON (checked against js-yaml's reading of the source);
 *  - live traffic, the README's replayed blocks and a replay of every error
 *    code and every control route, passes through @stoplight/prism-cli as
 *    a validating proxy (`prism proxy docs/openapi.yaml DAEMON --errors`):
 *    any request or answer that does not match the document fails;
 *  - the answers the document shows only as examples (an unknown path, a
 *    wrong method, a missing token, each error code) are the daemon's;
 *  - the event stream, which Prism cannot proxy (it waits for the end of
 *    an answer that has none), is read from the daemon directly: its
 *    content type and each event's entry are the document's.
 *
 * The Node tools come from build/node/contract (make test installs them
 * from tests/contract/package-lock.json), or $CONNECTOR_MOCK_NODE_TOOLS.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../server/routes.h"
#include "support.h"

#define P1 "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define P2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define P3 "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define FINISHED "10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-full_trans-1-0:0000000001"
#define FULL_RUNNING "10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001"
#define CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"
#define NEW_TASK "10.0.0.20-9000:connector_v2:p_contract-incr_trans-1-0:0000000001"
#define NEW_TASK_PATH "10.0.0.20-9000%3Aconnector_v2%3Ap_contract-incr_trans-1-0%3A0000000001"
#define JSON "application/json"
#define FORM "application/x-www-form-urlencoded"

enum { MAX_BODY = 4096, PRISM_READY_MS = 90000 };

/* ---- files and commands ------------------------------------------------ */

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return NULL;
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap + 1);
	len = fread(text, 1, cap, file);
	fclose(file);
	text[len] = '\0';
	return text;
}

static const char *node_tool(const char *name)
{
	static char path[512];
	const char *dir = getenv("CONNECTOR_MOCK_NODE_TOOLS");
	snprintf(path, sizeof path, "%s/%s",
		 dir && *dir ? dir : "build/node/contract/node_modules/.bin", name);
	ck_assert_msg(access(path, X_OK) == 0,
		      "%s is missing: make test installs it (make build/node/contract/.installed)",
		      path);
	return path;
}

/* Runs `command` through sh; its output (stdout and stderr) goes into a new
 * string, its exit status into `*status`. */
static char *run(const char *command, int *status)
{
	FILE *pipe = popen(command, "r");
	ck_assert_ptr_nonnull(pipe);
	size_t cap = 1 << 20;
	char *out = malloc(cap + 1);
	size_t n = fread(out, 1, cap, pipe);
	out[n] = '\0';
	int rc = pclose(pipe);
	*status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return out;
}

/* `text` with every `from` replaced by `to` (caller frees). */
static char *replace_all(const char *text, const char *from, const char *to)
{
	size_t from_len = strlen(from), to_len = strlen(to), hits = 0;
	for (const char *p = text; (p = strstr(p, from)) != NULL; p += from_len)
		hits++;
	char *out = malloc(strlen(text) + hits * to_len + 1);
	char *w = out;
	const char *p = text, *hit;
	while ((hit = strstr(p, from)) != NULL) {
		memcpy(w, p, (size_t)(hit - p));
		w += hit - p;
		memcpy(w, to, to_len);
		w += to_len;
		p = hit + from_len;
	}
	strcpy(w, p);
	return out;
}

/* ---- the validating proxy ---------------------------------------------- */

typedef struct {
	pid_t pid;
	char log_path[600];
	test_daemon as_daemon; /* base_url: the proxy's, for test_http */
} prism_proxy;

/* Starts Prism in front of `upstream` (a URL), on a port it picks, and
 * waits until it listens. Asserts that it does. */
static void prism_up(prism_proxy *proxy, const test_daemon *daemon, const char *upstream)
{
	const char *prism = node_tool("prism");
	memset(proxy, 0, sizeof *proxy);
	snprintf(proxy->log_path, sizeof proxy->log_path, "%s/prism.log", daemon->dir);
	proxy->pid = fork();
	ck_assert_int_ge(proxy->pid, 0);
	if (proxy->pid == 0) {
		int fd = open(proxy->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(127);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		execl(prism, "prism", "proxy", "docs/openapi.yaml", upstream, "--errors", "-p", "0",
		      "-h", "127.0.0.1", (char *)NULL);
		_exit(127);
	}
	test_track_daemon(proxy->pid);
	static const char ready[] = "Prism is listening on http://127.0.0.1:";
	int64_t deadline = test_monotonic_ms() + PRISM_READY_MS;
	unsigned port = 0;
	while (!port && test_monotonic_ms() < deadline) {
		char *log = read_file(proxy->log_path);
		const char *line = log ? strstr(log, ready) : NULL;
		if (line)
			port = (unsigned)strtoul(line + sizeof ready - 1, NULL, 10);
		free(log);
		int status;
		if (!port && waitpid(proxy->pid, &status, WNOHANG) == proxy->pid) {
			test_untrack_daemon(proxy->pid);
			char *text = read_file(proxy->log_path);
			ck_abort_msg("prism exited before it listened:\n%s", text ? text : "");
		}
		if (!port)
			test_sleep_ms(100);
	}
	ck_assert_msg(port, "prism did not listen within %d ms", PRISM_READY_MS);
	proxy->as_daemon = *daemon;
	snprintf(proxy->as_daemon.base_url, sizeof proxy->as_daemon.base_url, "http://127.0.0.1:%u",
		 port);
}

/* Stops Prism (SIGTERM, then SIGKILL after 10 s) and returns its log
 * (caller frees); the log file is removed. */
static char *prism_down(prism_proxy *proxy)
{
	kill(proxy->pid, SIGTERM);
	int64_t deadline = test_monotonic_ms() + 10000;
	int status;
	while (waitpid(proxy->pid, &status, WNOHANG) == 0) {
		if (test_monotonic_ms() > deadline) {
			kill(proxy->pid, SIGKILL);
			waitpid(proxy->pid, &status, 0);
			break;
		}
		test_sleep_ms(50);
	}
	test_untrack_daemon(proxy->pid);
	char *log = read_file(proxy->log_path);
	unlink(proxy->log_path);
	return log ? log : strdup("");
}

/* Asserts that Prism saw no violation and refused nothing: it logs every
 * violation ("Violation: ...", warnings included) and every request it
 * answered itself ("Request terminated with error"). Frees `log`. */
static void assert_no_violations(char *log)
{
	char found[8192] = "";
	size_t n = 0;
	int lines = 0;
	char *save = NULL;
	for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "Violation") || strstr(line, "terminated with error") ||
		    strstr(line, "\xE2\x9C\x96")) { /* ✖, Prism's mark of an error */
			lines++;
			if (n < sizeof found)
				n += (size_t)snprintf(found + n, sizeof found - n, "\n%s", line);
		}
	}
	free(log);
	ck_assert_msg(lines == 0, "prism reported %d violations or refusals:%s", lines, found);
}

/* ---- one request through the proxy ------------------------------------- */

typedef struct {
	const char *method;
	const char *path; /* appended to the base URL as is */
	const char *content_type;
	const char *body;
	long status;
	/* the envelope's errCode ("" for success) on an OMS path, the `error`
	 * of a control answer; NULL: not checked */
	const char *code;
	/* sent to the daemon, not through Prism, and checked for its status
	 * only: Prism 5.14 fails a proxied HEAD of a JSON route (it parses the
	 * empty body as JSON) */
	bool direct;
} step;

/* The daemon behind the proxy, for the steps marked `direct`. */
static const test_daemon *direct_daemon;

/* The id the last POST /_mock/faults answered: a step's path may name it
 * as "{id}". */
static long last_fault_id = -1;

static void check_step(const test_daemon *proxy, const step *given, int index)
{
	step copy = *given;
	const step *s = &copy;
	char path[1024];
	const char *id_at = strstr(given->path, "{id}");
	if (id_at) {
		snprintf(path, sizeof path, "%.*s%ld%s", (int)(id_at - given->path), given->path,
			 last_fault_id, id_at + 4);
		copy.path = path;
	}
	char header[128];
	const char *headers[] = {header, NULL};
	snprintf(header, sizeof header, "Content-Type: %s",
		 s->content_type ? s->content_type : JSON);
	test_response r;
	if (s->direct) {
		ck_assert_ptr_nonnull(direct_daemon);
		proxy = direct_daemon;
	}
	int rc = test_http(proxy, s->method, s->path, s->content_type ? headers : NULL, s->body,
			   s->body ? strlen(s->body) : 0, &r);
	ck_assert_msg(rc == 0, "step %d: %s %s got no answer", index, s->method, s->path);
	bool problem = strstr(r.content_type, "problem") != NULL;
	char code[64] = "";
	bool oms = strncmp(s->path, "/connector/", 11) == 0;
	if (s->code && oms)
		test_envelope_ok(&r, code, sizeof code);
	else if (s->code) {
		cJSON *root = test_response_json(&r);
		snprintf(code, sizeof code, "%s",
			 test_string_member(root, "error") ? test_string_member(root, "error")
							   : "");
		cJSON_Delete(root);
	}
	if (r.status == 201 && strcmp(s->path, "/_mock/faults") == 0) {
		cJSON *root = test_response_json(&r);
		const cJSON *id = test_member(root, "id");
		last_fault_id = cJSON_IsNumber(id) ? (long)id->valuedouble : -1;
		cJSON_Delete(root);
	}
	char body[600];
	snprintf(body, sizeof body, "%s", r.body ? r.body : "");
	long status = r.status;
	test_response_free(&r);
	ck_assert_msg(!problem, "step %d: %s %s: prism refused it: %s", index, s->method, s->path,
		      body);
	ck_assert_msg(status == s->status, "step %d: %s %s answered %ld, not %ld: %s", index,
		      s->method, s->path, status, s->status, body);
	ck_assert_msg(!s->code || strcmp(code, s->code) == 0,
		      "step %d: %s %s answered code \"%s\", not \"%s\": %s", index, s->method,
		      s->path, code, s->code, body);
}

static void run_steps(const test_daemon *proxy, const step *steps, size_t count)
{
	for (size_t i = 0; i < count; i++)
		check_step(proxy, &steps[i], (int)i);
}

/* ---- the README's blocks, through the proxy ----------------------------- */

/* A README command aimed at `base`, every namespace prefix dropped (the
 * proxy routes the document's plain paths), and curl's -d bodies to the
 * control API labelled as the JSON they are (curl calls them a form; the
 * daemon reads them as JSON whatever their type). */
static char *readme_command(const char *line, const char *base)
{
	char *a = replace_all(line, "http://127.0.0.1:8088/ns/readme", "http://127.0.0.1:8088");
	char *b0 = replace_all(a, "http://127.0.0.1:8088/ns/test-42", "http://127.0.0.1:8088");
	char *b = replace_all(b0, "http://127.0.0.1:8088/ns/socket-test", "http://127.0.0.1:8088");
	char *c = replace_all(b, "http://127.0.0.1:8088", base);
	free(a);
	free(b0);
	free(b);
	if (strstr(c, "/_mock/") && strstr(c, " -d '")) {
		char *d = replace_all(c, " -d '", " -H 'Content-Type: application/json' -d '");
		free(c);
		c = d;
	}
	return c;
}

/* Replays the README's blocks: through the proxy, but for a request the
 * daemon drops or resets on purpose (its answer line is curl's exit status),
 * which goes to the daemon itself: there is no answer to validate. Between
 * the blocks the namespace is reset, as each block expects fixtures.
 * Returns how many commands ran. */
static int replay_readme(const test_daemon *daemon, const test_daemon *proxy)
{
	char *text = read_file("README.md");
	ck_assert_ptr_nonnull(text);
	int commands = 0;
	char *cursor = text, *start;
	while ((start = strstr(cursor, "<!-- replay:start -->")) != NULL) {
		char *end = strstr(start, "<!-- replay:end -->");
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		cursor = end + 1;
		step reset = {"POST", "/_mock/reset", NULL, NULL, 200, NULL};
		check_step(proxy, &reset, -1);
		char *pending = NULL, *save = NULL;
		for (char *line = strtok_r(start, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "curl ", 5) == 0) {
				pending = line;
				continue;
			}
			if (!pending || line[0] == '#' || line[0] == '\0')
				continue;
			/* curl's exit status: no answer (52 a drop, 56 a reset) */
			bool dropped = strncmp(line, "exit status ", 12) == 0;
			char *command = readme_command(pending, dropped ? daemon->base_url
									: proxy->base_url);
			int status;
			free(run(command, &status));
			free(command);
			pending = NULL;
			commands++;
		}
	}
	free(text);
	return commands;
}

/* ---- the dedicated replay ----------------------------------------------- */

static char *big_body(const char *head, const char *tail)
{
	size_t len = strlen(head) + MAX_BODY + strlen(tail) + 1;
	char *body = malloc(len);
	snprintf(body, len, "%s", head);
	memset(body + strlen(head), 'a', MAX_BODY);
	strcpy(body + strlen(head) + MAX_BODY, tail);
	return body;
}

/* Every error code of the OMS routes, each parameter form, the form body,
 * the JSON body and its value types, each fault answer, and 413. */
static const step oms_steps[] = {
	{"POST", "/connector/task/v2/stop", NULL, NULL, 200, "INVALID_ARGUMENT"},
	{"POST", "/connector/task/v2/resume?taskName=" P1 "&pullBackFlag=true&restartFlag=TRUE",
	 NULL, NULL, 200, "INVALID_ARGUMENT"},
	{"POST", "/connector/task/v2/stop?taskName=not-a-task", NULL, NULL, 200,
	 "INVALID_ARGUMENT"},
	{"POST", "/connector/task/v2/migrate?taskName=" P1 "&ip=bad%20host", NULL, NULL, 200,
	 "INVALID_ARGUMENT"},
	{"POST", "/connector/task/v2/update?taskName=" P1 "&deleteParams=nodot", NULL, NULL, 200,
	 "INVALID_ARGUMENT"},
	{"POST",
	 "/connector/task/v2/"
	 "stop?taskName=10.0.0.99-9000:connector_v2:np_none-incr_trans-1-0:0000000001",
	 NULL, NULL, 200, "TASK_NOT_FOUND"},
	{"POST", "/connector/task/v2/stop?taskName=" P1, NULL, NULL, 200, "ILLEGAL_STATE"},
	{"POST", "/connector/task/v2/resume?taskName=" CREATED, NULL, NULL, 200,
	 "UNSUPPORTED_OPERATION"},
	{"POST", "/connector/task/v2/resume?taskName=" P1 "&restartFlag=On", NULL, NULL, 200,
	 "UNSUPPORTED_OPERATION"},
	{"POST", "/connector/task/v2/update?taskName=" P1, JSON,
	 "{\"source\":{\"checkpoint\":\"{\\\"{subtopic}\\\":\\\"1675180800\\\"}\"}}", 200, ""},
	{"POST", "/connector/task/v2/resume?taskName=" P1 "&pullBackFlag=Yes", NULL, NULL, 200,
	 "INVALID_CHECKPOINT"},
	{"POST", "/connector/task/v2/update?taskName=" P1, JSON,
	 "{\"source\":{\"checkpoint\":\"{\\\"oms_store_p_493po_0_1_0\\\":\\\"1675180800\\\"}\"}}",
	 200, ""},
	{"POST", "/connector/task/v2/resume?taskName=" P1 "&pullBackFlag=1&restartFlag=", NULL,
	 NULL, 200, ""},
	{"POST", "/connector/task/v2/stop", FORM,
	 "taskName=xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493po****-incr_trans-1-0%3A0000000001",
	 200, ""},
	{"POST", "/connector/task/v2/update", FORM,
	 "taskName=xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493po****-incr_trans-1-0%3A0000000001"
	 "&deleteParams=coordinator.throttleIOPS&deleteParams=sink.batchSize",
	 200, ""},
	{"POST", "/connector/task/v2/update?taskName=" P1 "&deleteParams=a.b,c.d.e", JSON,
	 "{\"coordinator\":{\"throttleRps\":5000,\"enabled\":true,\"ratio\":0.5}}", 200, ""},
	{"POST", "/connector/task/v2/resume", FORM,
	 "taskName=xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493po****-incr_trans-1-0%3A0000000001"
	 "&pullBackFlag=off",
	 200, ""},
	{"POST", "/connector/task/v2/migrate", FORM,
	 "taskName=xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493po****-incr_trans-1-0%3A0000000001"
	 "&ip=10.0.0.14",
	 200, ""},
	{"POST", "/connector/task/v2/stop?taskName=" P1, NULL, NULL, 200, "TASK_NOT_FOUND"},
	{"POST", "/connector/task/v2/migrate?taskName=" P2 "&ip=", NULL, NULL, 200, ""},
	{"POST", "/connector/task/v2/delete?taskName=" FINISHED, NULL, NULL, 200, ""},
	{"POST", "/connector/task/v2/delete?taskName=" FINISHED, NULL, NULL, 200, "TASK_NOT_FOUND"},
	{"POST", "/connector/task/v2/delete?taskName=" FULL_RUNNING, NULL, NULL, 200,
	 "ILLEGAL_STATE"},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"INTERNAL_ERROR\","
	 "\"errMsg\":\"CM is busy\",\"retryable\":true}}",
	 201, NULL},
	{"POST", "/connector/task/v2/stop?taskName=" P3, NULL, NULL, 200, "INTERNAL_ERROR"},
	{"POST", "/_mock/faults", JSON, "{\"op\":\"stop\",\"action\":{\"type\":\"error\"}}", 201,
	 NULL},
	{"POST", "/connector/task/v2/stop?taskName=" P3, NULL, NULL, 200, "INJECTED_FAULT"},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"resume\",\"action\":{\"type\":\"error\",\"httpStatus\":409}}", 201, NULL},
	{"POST", "/connector/task/v2/resume?taskName=" P2, NULL, NULL, 409, "INJECTED_FAULT"},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"httpStatus\":503,\"body\":"
	 "\"upstream unavailable\"}}",
	 201, NULL},
	{"POST", "/connector/task/v2/stop?taskName=" P3, NULL, NULL, 503, NULL},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"error\","
	 "\"errCode\":\"TIMEOUT\",\"retryable\":true}}",
	 201, NULL},
	{"POST", "/connector/task/v2/stop?taskName=" P3, NULL, NULL, 200, "TIMEOUT"},
	{"POST", "/connector/task/v2/resume?taskName=" P3 "&pullBackFlag=no", NULL, NULL, 200, ""},
};

/* Every control route, its answers and its refusals. */
static const step control_steps[] = {
	{"GET", "/_mock/health", NULL, NULL, 200, NULL},
	{"HEAD", "/_mock/health", NULL, NULL, 200, NULL, true},
	{"GET", "/_mock/ready", NULL, NULL, 200, NULL},
	{"HEAD", "/_mock/ready", NULL, NULL, 200, NULL, true},
	{"GET", "/_mock/tasks", NULL, NULL, 200, NULL},
	{"GET", "/_mock/tasks?state=RUNNING&type=incr_trans", NULL, NULL, 200, NULL},
	{"GET", "/_mock/tasks?state=&type=", NULL, NULL, 200, NULL},
	{"POST", "/_mock/tasks", JSON,
	 "{\"taskName\":\"" NEW_TASK "\",\"state\":\"STOPPED\",\"config\":{\"source\":{"
	 "\"clients\":\"[{\\\"clientId\\\":\\\"c1\\\",\\\"subtopic\\\":\\\"t1\\\"}]\"}},"
	 "\"checkpoint\":1700000000,\"progress\":null,\"lastError\":null}",
	 201, NULL},
	{"POST", "/_mock/tasks", JSON, "{\"taskName\":\"" NEW_TASK "\",\"state\":\"RUNNING\"}", 409,
	 "TASK_EXISTS"},
	{"POST", "/_mock/tasks", JSON, "{\"taskName\":\"not a task\",\"state\":\"STOPPED\"}", 400,
	 "INVALID_ARGUMENT"},
	{"GET", "/_mock/tasks/" NEW_TASK_PATH, NULL, NULL, 200, NULL},
	{"GET", "/_mock/tasks/no-such-task", NULL, NULL, 404, "TASK_NOT_FOUND"},
	{"POST", "/_mock/tasks/" NEW_TASK_PATH "/fail", JSON, "{\"message\":\"sink unreachable\"}",
	 200, NULL},
	{"POST", "/_mock/tasks/no-such-task/fail", JSON, "{\"message\":\"x\"}", 404,
	 "TASK_NOT_FOUND"},
	{"GET", "/_mock/journal?op=stop&success=true&limit=5", NULL, NULL, 200, NULL},
	{"GET", "/_mock/journal?taskName=" P1 "&errCode=ILLEGAL_STATE&since=0&until=99999999999999",
	 NULL, NULL, 200, NULL},
	{"GET", "/_mock/journal?success=FALSE&op=", NULL, NULL, 200, NULL},
	{"GET", "/_mock/journal?limit=0", NULL, NULL, 400, "INVALID_ARGUMENT"},
	{"GET", "/_mock/journal/count?op=resume", NULL, NULL, 200, NULL},
	{"GET", "/_mock/journal/count?limit=100001", NULL, NULL, 400, "INVALID_ARGUMENT"},
	{"DELETE", "/_mock/journal", NULL, NULL, 200, NULL},
	{"GET", "/_mock/clock", NULL, NULL, 200, NULL},
	{"POST", "/_mock/clock", JSON, "{\"freeze\":true,\"set\":1767225600000}", 200, NULL},
	{"POST", "/_mock/clock", JSON, "{\"advanceMs\":1000}", 200, NULL},
	/* within the schema's range, but the clock would leave it: a 400 */
	{"POST", "/_mock/clock", JSON, "{\"advanceMs\":9007199254740991}", 400, "INVALID_ARGUMENT"},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"migrate\",\"taskName\":null,\"after\":1,\"times\":-1,\"probability\":0.5,"
	 "\"seed\":7,\"ttlMs\":60000,\"action\":{\"type\":\"lost_ack\",\"then\":\"status\","
	 "\"httpStatus\":502,\"body\":\"bad gateway\"}}",
	 201, NULL},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"*\",\"taskName\":\"" P3 "\",\"action\":{\"type\":\"hang\",\"ms\":10}}", 201,
	 NULL},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"delete\",\"times\":2,\"action\":{\"type\":\"delay\",\"ms\":10}}", 201, NULL},
	{"POST", "/_mock/faults", JSON, "{\"op\":\"update\",\"action\":{\"type\":\"drop\"}}", 201,
	 NULL},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\"}}", 201, NULL},
	{"POST", "/_mock/faults", JSON,
	 "{\"op\":\"stop\",\"taskName\":\"not-a-task\",\"action\":{\"type\":\"drop\"}}", 400,
	 "INVALID_ARGUMENT"},
	{"GET", "/_mock/faults", NULL, NULL, 200, NULL},
	{"DELETE", "/_mock/faults/{id}", NULL, NULL, 200, NULL},
	{"DELETE", "/_mock/faults/{id}", NULL, NULL, 404, "NOT_FOUND"},
	{"DELETE", "/_mock/faults", NULL, NULL, 200, NULL},
	{"GET", "/_mock/namespaces", NULL, NULL, 200, NULL},
	{"DELETE", "/_mock/namespaces/contract-ns", NULL, NULL, 200, NULL},
	{"DELETE", "/_mock/namespaces/contract-ns", NULL, NULL, 404, "NOT_FOUND"},
	{"DELETE", "/_mock/namespaces/bad!name", NULL, NULL, 400, "INVALID_ARGUMENT"},
	{"POST", "/_mock/snapshots", JSON, "{\"name\":\"before\"}", 201, NULL},
	{"POST", "/_mock/snapshots", JSON, "{\"name\":\"not a name\"}", 400, "INVALID_ARGUMENT"},
	{"GET", "/_mock/snapshots", NULL, NULL, 200, NULL},
	{"POST", "/_mock/snapshots/before/restore", NULL, NULL, 200, NULL},
	{"POST", "/_mock/snapshots/missing/restore", NULL, NULL, 404, "NOT_FOUND"},
	{"DELETE", "/_mock/snapshots/before", NULL, NULL, 200, NULL},
	{"DELETE", "/_mock/snapshots/before", NULL, NULL, 404, "NOT_FOUND"},
	{"DELETE", "/_mock/snapshots/bad!name", NULL, NULL, 400, "INVALID_ARGUMENT"},
	{"GET", "/_mock/simulation", NULL, NULL, 200, NULL},
	{"PUT", "/_mock/simulation", JSON, "{\"enabled\":true,\"seed\":7,\"fullDurationMs\":1000}",
	 200, NULL},
	{"POST", "/_mock/clock", JSON, "{\"advanceMs\":3600000}", 200, NULL},
	{"GET", "/_mock/tasks", NULL, NULL, 200, NULL},
	{"GET", "/_mock/journal?op=simulate&afterId=0&waitMs=10", NULL, NULL, 200, NULL},
	{"GET", "/_mock/journal/count?afterId=0", NULL, NULL, 200, NULL},
	{"PUT", "/_mock/simulation", JSON, "{\"enabled\":false}", 200, NULL},
	{"GET", "/_mock/events?lastEventId=x", NULL, NULL, 400, "INVALID_ARGUMENT"},
	{"GET", "/_mock/metrics", NULL, NULL, 200, NULL},
	{"GET", "/_mock/rules", NULL, NULL, 200, NULL},
	{"GET", "/_mock/ui", NULL, NULL, 200, NULL},
	{"GET", "/_mock/ui/app.css", NULL, NULL, 200, NULL},
	{"GET", "/_mock/ui/missing.js", NULL, NULL, 404, "NOT_FOUND"},
	{"GET", "/_mock/openapi.yaml", NULL, NULL, 200, NULL},
	{"GET", "/_mock/openapi.json", NULL, NULL, 200, NULL},
	{"POST", "/_mock/clock", JSON, "{\"freeze\":false}", 200, NULL},
	{"POST", "/_mock/reset", NULL, NULL, 200, NULL},
};

/* Whether `pattern` (a control route's, "*" one segment) matches `path`. */
static bool pattern_matches(const char *pattern, const char *path)
{
	while (*pattern) {
		if (*pattern == '*') {
			size_t len = strcspn(path, "/?");
			if (len == 0)
				return false;
			path += len;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return *path == '\0' || *path == '?';
}

/* Asserts that the steps drive every control route of the daemon's table. */
static void assert_every_control_route_driven(void)
{
	char missing[2048] = "";
	size_t n = 0;
	const char *method, *pattern;
	for (size_t i = 0; admin_route_describe(i, &method, &pattern) == 0; i++) {
		bool driven = false;
		for (size_t k = 0; k < COUNT(control_steps) && !driven; k++)
			driven = strcmp(control_steps[k].method, method) == 0 &&
				 pattern_matches(pattern, control_steps[k].path + 7);
		if (!driven && n < sizeof missing)
			n += (size_t)snprintf(missing + n, sizeof missing - n, " %s /_mock/%s",
					      method, pattern);
	}
	ck_assert_msg(n == 0, "control routes no step of tests/integration_contract.c drives:%s",
		      missing);
}

START_TEST(live_traffic_matches_the_document)
{
	assert_every_control_route_driven();
	test_daemon daemon;
	const char *args[] = {"--max-body", "4096", NULL};
	test_daemon_up(&daemon, args, NULL);
	/* a namespace for the namespace routes to list and delete */
	cJSON_Delete(test_json_call(&daemon, "DELETE", "/ns/contract-ns/_mock/journal", NULL, 200));
	prism_proxy proxy;
	prism_up(&proxy, &daemon, daemon.base_url);
	direct_daemon = &daemon;
	int commands = replay_readme(&daemon, &proxy.as_daemon);
	ck_assert_int_ge(commands, 30);
	step reset = {"POST", "/_mock/reset", NULL, NULL, 200, NULL};
	check_step(&proxy.as_daemon, &reset, -1);
	run_steps(&proxy.as_daemon, oms_steps, COUNT(oms_steps));
	run_steps(&proxy.as_daemon, control_steps, COUNT(control_steps));
	char *too_large = big_body("{\"source\":{\"k\":\"", "\"}}");
	step oms_413 = {"POST", "/connector/task/v2/update?taskName=" P1,
			JSON,	too_large,
			413,	"PAYLOAD_TOO_LARGE"};
	char *too_long_name = big_body("{\"name\":\"", "\"}");
	step control_413 = {"POST", "/_mock/snapshots", JSON, too_long_name,
			    413,    "PAYLOAD_TOO_LARGE"};
	check_step(&proxy.as_daemon, &oms_413, -1);
	check_step(&proxy.as_daemon, &control_413, -1);
	free(too_large);
	free(too_long_name);
	assert_no_violations(prism_down(&proxy));
	test_daemon_down(&daemon);
}
END_TEST

/* With --error-status mapped each business error has its own status, and
 * with an admin token the control API needs it (the document's security
 * scheme); the document itself is open. All of it in a namespace: the
 * proxy's upstream is the document's second server, /ns/{namespace}. */
START_TEST(mapped_statuses_and_the_token_match_the_document)
{
	test_daemon daemon;
	const char *args[] = {"--error-status", "mapped", "--admin-token", "s3cret", NULL};
	test_daemon_up(&daemon, args, NULL);
	char upstream[128];
	snprintf(upstream, sizeof upstream, "%s/ns/contract", daemon.base_url);
	prism_proxy proxy;
	prism_up(&proxy, &daemon, upstream);
	static const step steps[] = {
		{"POST", "/connector/task/v2/stop", NULL, NULL, 400, "INVALID_ARGUMENT"},
		{"POST",
		 "/connector/task/v2/"
		 "stop?taskName=10.0.0.99-9000:connector_v2:np_none-incr_trans-1-0:0000000001",
		 NULL, NULL, 404, "TASK_NOT_FOUND"},
		{"POST", "/connector/task/v2/stop?taskName=" P1, NULL, NULL, 409, "ILLEGAL_STATE"},
		{"POST", "/connector/task/v2/resume?taskName=" CREATED, NULL, NULL, 422,
		 "UNSUPPORTED_OPERATION"},
		{"POST", "/connector/task/v2/resume?taskName=" P1 "&pullBackFlag=true", NULL, NULL,
		 400, "INVALID_CHECKPOINT"},
		{"POST", "/connector/task/v2/resume?taskName=" P1, NULL, NULL, 200, ""},
		{"GET", "/_mock/openapi.json", NULL, NULL, 200, NULL},
		{"GET", "/_mock/health", NULL, NULL, 401, "UNAUTHORIZED"},
		{"POST", "/_mock/reset", NULL, NULL, 401, "UNAUTHORIZED"},
	};
	run_steps(&proxy.as_daemon, steps, COUNT(steps));
	/* with the token: the same request test_http sends, plus the header */
	const char *token[] = {"Authorization: Bearer s3cret", "Content-Type: application/json",
			       NULL};
	test_response r = test_request(&proxy.as_daemon, "POST", "/_mock/faults", token,
				       "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				       "\"errCode\":\"INTERNAL_ERROR\",\"httpStatus\":500}}");
	ck_assert_int_eq(r.status, 201);
	test_response_free(&r);
	r = test_request(&proxy.as_daemon, "POST", "/connector/task/v2/stop?taskName=" P1, NULL,
			 NULL);
	ck_assert_int_eq(r.status, 500);
	test_response_free(&r);
	cJSON *health = test_json_call(&proxy.as_daemon, "GET", "/_mock/health", NULL, 401);
	cJSON_Delete(health);
	r = test_request(&proxy.as_daemon, "GET", "/_mock/health", token, NULL);
	ck_assert_int_eq(r.status, 200);
	health = test_response_json(&r);
	bool in_namespace = test_same_string(test_string_member(health, "namespace"), "contract");
	cJSON_Delete(health);
	test_response_free(&r);
	ck_assert_msg(in_namespace, "the proxy's requests did not reach /ns/contract");
	assert_no_violations(prism_down(&proxy));
	test_daemon_down(&daemon);
}
END_TEST

/* ---- the document as served -------------------------------------------- */

START_TEST(served_document_is_the_source)
{
	test_daemon daemon;
	const char *args[] = {"--admin-token", "s3cret", NULL};
	test_daemon_up(&daemon, args, NULL);
	char *source = read_file("docs/openapi.yaml");
	ck_assert_ptr_nonnull(source);
	char *expected = replace_all(source, "http://127.0.0.1:8088", daemon.base_url);
	/* no token needed, though one is configured */
	char *yaml = test_get_text(&daemon, "/_mock/openapi.yaml");
	bool same = strcmp(yaml, expected) == 0;
	free(yaml);
	ck_assert_msg(same, "GET /_mock/openapi.yaml is not docs/openapi.yaml with the daemon's "
			    "address in servers");

	/* the JSON is js-yaml's reading of the same text */
	char yaml_path[600];
	snprintf(yaml_path, sizeof yaml_path, "%s/openapi.yaml", daemon.dir);
	FILE *file = fopen(yaml_path, "w");
	ck_assert_ptr_nonnull(file);
	fputs(expected, file);
	fclose(file);
	char command[1400];
	snprintf(command, sizeof command, "%s %s", node_tool("js-yaml"), yaml_path);
	int status;
	char *converted = run(command, &status);
	unlink(yaml_path);
	ck_assert_msg(status == 0, "js-yaml failed: %s", converted);
	cJSON *want = cJSON_Parse(converted);
	free(converted);
	cJSON *got = test_get_json(&daemon, "/_mock/openapi.json");
	bool equal = want && cJSON_Compare(want, got, true);
	cJSON_Delete(want);
	cJSON_Delete(got);
	ck_assert_msg(equal, "GET /_mock/openapi.json differs from js-yaml's reading of the YAML");

	/* a Host header that is no host[:port] is not echoed */
	const char *bad_host[] = {"Host: evil\"host", NULL};
	test_response r = test_request(&daemon, "GET", "/_mock/openapi.yaml", bad_host, NULL);
	ck_assert_int_eq(r.status, 200);
	same = strcmp(r.body, expected) == 0;
	test_response_free(&r);
	ck_assert_msg(same, "with a bad Host, servers must name the bound address");
	const char *other_host[] = {"Host: mock.example:9090", NULL};
	r = test_request(&daemon, "GET", "/_mock/openapi.yaml", other_host, NULL);
	ck_assert_int_eq(r.status, 200);
	same = strstr(r.body, "- url: http://mock.example:9090\n") != NULL &&
	       strstr(r.body, "- url: http://mock.example:9090/ns/{namespace}\n") != NULL;
	test_response_free(&r);
	ck_assert_msg(same, "servers must name the Host the client used");
	/* the exemption from the token is exactly these two GETs */
	r = test_request(&daemon, "POST", "/_mock/openapi.yaml", NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	test_response_free(&r);
	r = test_request(&daemon, "GET", "/_mock/openapi.yml", NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	test_response_free(&r);
	r = test_request(&daemon, "GET", "/ns/other/_mock/openapi.json", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	free(expected);
	free(source);
	test_daemon_down(&daemon);
}
END_TEST

START_TEST(document_lints_clean)
{
	char command[1200];
	snprintf(command, sizeof command,
		 "REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true %s lint "
		 "docs/openapi.yaml --config tests/contract/redocly.yaml --format stylish 2>&1",
		 node_tool("redocly"));
	int status;
	char *out = run(command, &status);
	bool clean = status == 0 && !strstr(out, " warning ") && !strstr(out, " error ") &&
		     strstr(out, "Your API description is valid");
	char shown[4096];
	snprintf(shown, sizeof shown, "%s", out);
	free(out);
	ck_assert_msg(clean, "redocly lint (exit %d):\n%s", status, shown);
}
END_TEST

/* ---- the answers the document gives as examples ------------------------- */

/* Asserts that the answer's body is `expected` (an example's value), byte
 * for byte once both are printed compactly. */
static void assert_example(const cJSON *expected, const char *label, const test_response *r)
{
	ck_assert_msg(expected != NULL, "the document has no example %s", label);
	char *want = cJSON_PrintUnformatted(expected);
	cJSON *parsed = test_response_json(r);
	char *got = parsed ? cJSON_PrintUnformatted(parsed) : strdup("(not JSON)");
	cJSON_Delete(parsed);
	bool same = strcmp(want, got) == 0;
	char message[4096];
	snprintf(message, sizeof message, "%s:\ndocument: %s\ndaemon:   %s", label, want, got);
	free(want);
	free(got);
	ck_assert_msg(same, "%s", message);
}

/* The node at `path` (NULL-terminated member names) under `root`. */
static const cJSON *member_at(const cJSON *root, const char *const *path)
{
	const cJSON *node = root;
	for (size_t i = 0; path[i] && node; i++)
		node = cJSON_GetObjectItemCaseSensitive(node, path[i]);
	return node;
}

static cJSON *document_json(const test_daemon *daemon)
{
	return test_get_json(daemon, "/_mock/openapi.json");
}

/* The OMS examples, in the order that makes them (the README's walk). */
START_TEST(examples_are_the_daemons_answers)
{
	test_daemon daemon;
	test_daemon_up(&daemon, NULL, NULL);
	cJSON *document = document_json(&daemon);
	static const struct {
		const char *example; /* of components.responses.OmsAnswer */
		const char *method;
		const char *path;
		const char *body;
	} walk[] = {
		{"success", "POST", "/connector/task/v2/resume?taskName=" P1, NULL},
		{"ILLEGAL_STATE", "POST", "/connector/task/v2/update?taskName=" P1,
		 "{\"coordinator\":{\"throttleRps\":\"5000\"}}"},
		{NULL, "POST", "/connector/task/v2/stop?taskName=" P1, NULL},
		{NULL, "POST", "/connector/task/v2/update?taskName=" P1,
		 "{\"source\":{\"checkpoint\":\"{\\\"{subtopic}\\\":\\\"1675180800\\\"}\"}}"},
		{"INVALID_CHECKPOINT", "POST",
		 "/connector/task/v2/resume?taskName=" P1 "&pullBackFlag=true", NULL},
		{"migrated", "POST", "/connector/task/v2/migrate?taskName=" P1 "&ip=10.0.0.14",
		 NULL},
		{"TASK_NOT_FOUND", "POST", "/connector/task/v2/stop?taskName=" P1, NULL},
		{"INVALID_ARGUMENT", "POST",
		 "/connector/task/v2/resume?taskName=" P2 "&pullBackFlag=true&restartFlag=true",
		 NULL},
		{"UNSUPPORTED_OPERATION", "POST", "/connector/task/v2/resume?taskName=" CREATED,
		 NULL},
		{NULL, "POST", "/_mock/faults",
		 "{\"op\":\"stop\",\"action\":{\"type\":\"error\"}}"},
		{"INJECTED_FAULT", "POST", "/connector/task/v2/stop?taskName=" P3, NULL},
		{NULL, "POST", "/_mock/faults",
		 "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"INTERNAL_ERROR\","
		 "\"errMsg\":\"CM is busy\",\"retryable\":true}}"},
		{"INTERNAL_ERROR", "POST", "/connector/task/v2/stop?taskName=" P3, NULL},
	};
	const char *json[] = {"Content-Type: application/json", NULL};
	for (size_t i = 0; i < COUNT(walk); i++) {
		test_response r = test_request(&daemon, walk[i].method, walk[i].path,
					       walk[i].body ? json : NULL, walk[i].body);
		if (walk[i].example) {
			const char *path[] = {"components",
					      "responses",
					      "OmsAnswer",
					      "content",
					      "application/json",
					      "examples",
					      walk[i].example,
					      "value",
					      NULL};
			assert_example(member_at(document, path), walk[i].example, &r);
		}
		test_response_free(&r);
	}
	cJSON_Delete(document);
	test_daemon_down(&daemon);
}
END_TEST

static void assert_answer_is_example(const test_daemon *daemon, const cJSON *document,
				     const char *name, const char *method, const char *path,
				     const char *const *headers, const char *body, long status)
{
	test_response r = test_request(daemon, method, path, headers, body);
	long got_status = r.status;
	const char *example[] = {"components",	     "responses", name, "content",
				 "application/json", "example",	  NULL};
	assert_example(member_at(document, example), name, &r);
	test_response_free(&r);
	ck_assert_msg(got_status == status, "%s: %s %s answered %ld, not %ld", name, method, path,
		      got_status, status);
}

/* The answers outside every operation, which the document can show only
 * in components, are what the daemon answers. */
START_TEST(answers_outside_the_operations_are_the_documented_ones)
{
	test_daemon daemon;
	const char *args[] = {"--admin-token", "s3cret", "--max-body", "4096", NULL};
	test_daemon_up(&daemon, args, NULL);
	cJSON *document = document_json(&daemon);
	const char *token[] = {"Authorization: Bearer s3cret", NULL};
	assert_answer_is_example(&daemon, document, "OmsNotFound", "POST",
				 "/connector/task/v2/nope", NULL, NULL, 404);
	assert_answer_is_example(&daemon, document, "OmsNotFound", "GET", "/", NULL, NULL, 404);
	assert_answer_is_example(&daemon, document, "OmsMethodNotAllowed", "GET",
				 "/connector/task/v2/stop", NULL, NULL, 405);
	assert_answer_is_example(&daemon, document, "ControlNotFound", "GET", "/_mock/nope", token,
				 NULL, 404);
	assert_answer_is_example(&daemon, document, "ControlMethodNotAllowed", "PUT",
				 "/_mock/tasks", token, NULL, 405);
	assert_answer_is_example(&daemon, document, "Unauthorized", "GET", "/_mock/health", NULL,
				 NULL, 401);
	char *too_large = big_body("{\"source\":{\"k\":\"", "\"}}");
	assert_answer_is_example(&daemon, document, "OmsPayloadTooLarge", "POST",
				 "/connector/task/v2/update?taskName=" P1, NULL, too_large, 413);
	assert_answer_is_example(&daemon, document, "ControlPayloadTooLarge", "POST",
				 "/_mock/snapshots", token, too_large, 413);
	free(too_large);
	/* and their headers */
	test_response r = test_request(&daemon, "GET", "/connector/task/v2/stop", NULL, NULL);
	ck_assert_str_eq(r.allow, "POST");
	test_response_free(&r);
	r = test_request(&daemon, "PUT", "/_mock/tasks", token, NULL);
	ck_assert_str_eq(r.allow, "GET, POST");
	test_response_free(&r);
	r = test_request(&daemon, "GET", "/_mock/health", NULL, NULL);
	ck_assert_str_eq(r.authenticate, "Bearer");
	test_response_free(&r);
	cJSON_Delete(document);
	test_daemon_down(&daemon);
}
END_TEST

/* ---- the event stream, read directly ------------------------------------ */

/* libcurl's write callback: keeps the stream until two events came, then
 * ends the transfer (the stream itself never ends). */
static size_t on_events(char *data, size_t size, size_t count, void *user)
{
	test_buffer *seen = user;
	size_t n = test_buffer_sink(data, size, count, seen);
	const char *first = seen->data ? strstr(seen->data, "\ndata: ") : NULL;
	return first && strstr(first + 1, "\ndata: ") &&
			       strstr(strstr(first + 1, "\ndata: "), "\n\n")
		       ? 0
		       : n;
}

/* Asserts that `entry` has every property the document's JournalEntry
 * requires, and only properties it names (it has additionalProperties:
 * false). */
static void assert_journal_entry(const cJSON *document, const cJSON *entry, const char *text)
{
	const char *path[] = {"components", "schemas", "JournalEntry", NULL};
	const cJSON *schema = member_at(document, path);
	ck_assert_ptr_nonnull(schema);
	const cJSON *properties = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	const cJSON *key;
	cJSON_ArrayForEach(key, cJSON_GetObjectItemCaseSensitive(schema, "required"))
		ck_assert_msg(cJSON_GetObjectItemCaseSensitive(entry, key->valuestring),
			      "an event's entry lacks %s: %s", key->valuestring, text);
	const cJSON *field;
	cJSON_ArrayForEach(field, entry)
		ck_assert_msg(cJSON_GetObjectItemCaseSensitive(properties, field->string),
			      "an event's entry has %s, which JournalEntry does not name: %s",
			      field->string, text);
}

START_TEST(events_match_the_document)
{
	test_daemon daemon;
	test_daemon_up(&daemon, NULL, NULL);
	cJSON *document = document_json(&daemon);
	const char *path[] = {"paths",	 "/_mock/events",     "get", "responses", "200",
			      "content", "text/event-stream", NULL};
	ck_assert_msg(member_at(document, path), "the document's GET /_mock/events answers no "
						 "text/event-stream");
	/* two journal entries: an operation and a simulated transition */
	cJSON_Delete(test_json_call(&daemon, "POST", "/_mock/clock",
				    "{\"freeze\":true,\"set\":1767225600000}", 200));
	cJSON_Delete(test_json_call(&daemon, "PUT", "/_mock/simulation",
				    "{\"enabled\":true,\"fullDurationMs\":1000}", 200));
	test_response r = test_oms_request(&daemon, "resume", P2, NULL, NULL);
	test_response_free(&r);
	cJSON_Delete(
		test_json_call(&daemon, "POST", "/_mock/clock", "{\"advanceMs\":3600000}", 200));
	CURL *curl = curl_easy_init();
	char url[512];
	snprintf(url, sizeof url, "%s/_mock/events", daemon.base_url);
	struct curl_slist *headers = curl_slist_append(NULL, "Last-Event-ID: 0");
	test_buffer seen = {.max = 1 << 20};
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_events);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_perform(curl);
	long status = 0;
	const char *type = NULL;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	ck_assert_int_eq(status, 200);
	ck_assert_msg(type && strncmp(type, "text/event-stream", 17) == 0, "content type %s",
		      type ? type : "(none)");
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	ck_assert_ptr_nonnull(seen.data);
	int events = 0;
	for (const char *at = strstr(seen.data, "\ndata: "); at; at = strstr(at + 1, "\ndata: ")) {
		const char *start = at + 7, *end = strchr(start, '\n');
		if (!end)
			break;
		char *text = strndup(start, (size_t)(end - start));
		cJSON *entry = cJSON_Parse(text);
		ck_assert_msg(cJSON_IsObject(entry), "an event's data is not an object: %s", text);
		assert_journal_entry(document, entry, text);
		cJSON_Delete(entry);
		free(text);
		events++;
	}
	ck_assert_msg(events >= 2, "the stream: %s", seen.data);
	free(seen.data);
	cJSON_Delete(document);
	test_daemon_down(&daemon);
}
END_TEST

static Suite *contract_suite(void)
{
	Suite *suite = suite_create("contract");
	TCase *document = tcase_create("document");
	tcase_set_timeout(document, 120);
	tcase_add_test(document, document_lints_clean);
	tcase_add_test(document, served_document_is_the_source);
	tcase_add_test(document, examples_are_the_daemons_answers);
	tcase_add_test(document, answers_outside_the_operations_are_the_documented_ones);
	tcase_add_test(document, events_match_the_document);
	suite_add_tcase(suite, document);
	TCase *traffic = tcase_create("traffic");
	tcase_set_timeout(traffic, 300);
	tcase_add_test(traffic, live_traffic_matches_the_document);
	tcase_add_test(traffic, mapped_statuses_and_the_token_match_the_document);
	suite_add_tcase(suite, traffic);
	return suite;
}

int main(void) { return test_run_suite(contract_suite()); }
