/*
 * fuzz_http.c — whole raw HTTP requests through the real request pipeline:
 * libmicrohttpd, server/http.c, the OMS and control routes, the store.
 *
 * The daemon starts once, in this process, as server/main.c starts it: the
 * settings from settings_defaults (port 0, ":memory:", fixtures/default.json,
 * a short connection timeout), a store seeded from the fixtures, the
 * namespace registry and metrics, a server_app, http_start. Each input is written as it is
 * to a new TCP connection to 127.0.0.1:port — the input IS the request, pipelined requests and
 * garbage included — then the write side is shut, and the answer is read until the server closes
 * (at most ANSWER_TIMEOUT_MS).
 *
 * Properties:
 *   - whatever comes back starts with "HTTP/1.1 ";
 *   - the first final answer (after any "100 Continue") whose headers say
 *     Content-Type: application/json carries a body, of its Content-Length,
 *     that is a JSON object (a HEAD answer carries none); when it is the OMS
 *     envelope, its six keys come in the contract's order;
 *   - a single, complete, plainly well-formed request to a namespace without
 *     faults gets an answer: the harness half-closes after writing, and a
 *     half-close after a complete request is not a withdrawal of it (the
 *     control API answers such requests) — an operation committed and never
 *     answered is a lost acknowledgement nobody injected (see
 *     fuzz/regressions/http-half-close-oms-unanswered);
 *   - the daemon never wedges: when an answer times out, a health request on
 *     a fresh connection must still be answered;
 *   - and, as everywhere, no sanitizer report in any daemon thread.
 *
 * Every RESET_EVERY inputs, and after an input slower than SLOW_MS, the
 * state goes back to the fixtures (reset_state), so that tasks, namespaces,
 * the journal and injected faults stay bounded.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../server/app.h"
#include "../server/clock.h"
#include "../server/http.h"
#include "../server/log.h"
#include "../server/namespaces.h"
#include "../server/settings.h"
#include "fuzz_common.h"

#ifndef FUZZ_FIXTURES_PATH
#define FUZZ_FIXTURES_PATH "fixtures/default.json"
#endif

enum {
	ANSWER_TIMEOUT_MS = 2000,
	PROBE_TIMEOUT_MS = 10000,
	RESET_EVERY = 1000,
	SLOW_MS = 500,	     /* an answer this slow resets the state (faults) */
	JOURNAL_MAX = 10000, /* journal records kept per namespace */
	CONNECTION_TIMEOUT_S = 1,
	MAX_BODY = 16 * 1024,		   /* small, so a chunked body can pass it */
	ANSWER_KEEP_MAX = 8 * 1024 * 1024, /* bytes of an answer kept for checking */
	WHY_MAX = 1024,
};

/* The admin token the daemon is started with; the seeds send it. */
#define FUZZ_ADMIN_TOKEN "fuzz-token"

static settings daemon_settings;
static server_app app;
static struct MHD_Daemon *daemon_handle;
static unsigned daemon_port;
static unsigned long inputs_run;
static bool verbose; /* FUZZ_HTTP_VERBOSE=1: print each answer's head */
/* FUZZ_HTTP_ALLOW_UNANSWERED=1 turns off the "a well-formed request is
 * answered" property, to fuzz on past that bug while it is open */
static bool expect_answers = true;

static int64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*
 * Brings the daemon's state back to the fixtures: every namespace the store
 * knows forgets its clock and faults (the registry's half) and every one but
 * "default" is deleted; "default" is reset to the fixtures. Keeps the state
 * bounded, and ends the faults an input may have injected (a hang of up to
 * ten minutes, a delay) so that they do not slow every later input.
 */
static void reset_state(void)
{
	char why[WHY_MAX] = "";
	cJSON *namespaces = NULL;
	FUZZ_CHECK(store_namespaces(app.store, &namespaces) == STORE_OK,
		   "store_namespaces failed on an in-memory store");
	const cJSON *item;
	cJSON_ArrayForEach(item, namespaces)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
		FUZZ_CHECK(cJSON_IsString(name), "a namespace without a name");
		namespaces_forget(app.namespaces, name->valuestring);
		if (strcmp(name->valuestring, STORE_DEFAULT_NAMESPACE) != 0)
			FUZZ_CHECK(store_namespace_delete(app.store, name->valuestring) !=
					   STORE_FAILED,
				   "cannot delete namespace %s", name->valuestring);
	}
	cJSON_Delete(namespaces);
	namespaces_forget(app.namespaces, STORE_DEFAULT_NAMESPACE);
	store_status status = store_reset(app.store, STORE_DEFAULT_NAMESPACE, NULL, 0,
					  clock_now_ms(), why, sizeof why);
	FUZZ_CHECK(status == STORE_OK, "cannot reset the store to the fixtures: %s", why);
}

/*
 * Starts the daemon as server/main.c does: settings, settings_check,
 * app_open (store, fixtures, namespaces, metrics, statuses), http_start.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	verbose = getenv("FUZZ_HTTP_VERBOSE") != NULL;
	expect_answers = getenv("FUZZ_HTTP_ALLOW_UNANSWERED") == NULL;
	log_set_level(LOG_ERROR); /* MHD's complaints about fuzzed requests are noise */

	settings *s = &daemon_settings;
	settings_defaults(s);
	s->port = 0;
	snprintf(s->db, sizeof s->db, ":memory:");
	const char *fixtures = getenv("FUZZ_HTTP_FIXTURES");
	snprintf(s->fixtures, sizeof s->fixtures, "%s", fixtures ? fixtures : FUZZ_FIXTURES_PATH);
	s->connection_timeout_s = CONNECTION_TIMEOUT_S;
	s->max_body = MAX_BODY;
	s->error_status_mapped = true;
	s->audit_retention_ms = 0;
	s->journal_max_entries = JOURNAL_MAX;
	snprintf(s->admin_token, sizeof s->admin_token, "%s", FUZZ_ADMIN_TOKEN);

	char why[WHY_MAX] = "";
	if (settings_check(s, why, sizeof why) < 0) {
		fprintf(stderr, "fuzz_http: the settings are refused: %s\n", why);
		abort();
	}
	if (app_open(&app, s, why, sizeof why) < 0) {
		fprintf(stderr, "fuzz_http: %s\n", why);
		abort();
	}
	if (http_start(&app, &daemon_handle, &daemon_port, why, sizeof why) < 0) {
		fprintf(stderr, "fuzz_http: %s\n", why);
		abort();
	}
	fprintf(stderr, "fuzz_http: daemon on 127.0.0.1:%u, fixtures %s\n", daemon_port,
		s->fixtures);
	return 0;
}

typedef struct {
	char *data; /* the first ANSWER_KEEP_MAX bytes */
	size_t len;
	size_t total;	/* bytes received, kept or not */
	bool clean_eof; /* the server closed after answering */
	bool timed_out;
	bool reset; /* the connection ended with an error (RST) */
} answer;

static int connect_daemon(void)
{
	struct sockaddr_in address = {.sin_family = AF_INET,
				      .sin_port = htons((uint16_t)daemon_port)};
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int attempt = 0; attempt < 50; attempt++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0)
			return fd;
		int error = errno;
		close(fd);
		/* out of local ports for a moment (TIME_WAIT): wait and retry */
		if (error != EADDRNOTAVAIL && error != EAGAIN && error != ECONNREFUSED)
			FUZZ_CHECK(0, "connect to 127.0.0.1:%u: %s", daemon_port, strerror(error));
		struct timespec pause = {0, 20 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	FUZZ_CHECK(0, "cannot connect to the daemon on 127.0.0.1:%u", daemon_port);
	return -1;
}

/* Writes `size` bytes, shuts the write side, and reads until the server
 * closes or `timeout_ms` pass. Reading while writing: the server may answer
 * (413, 431) before it reads the whole request. */
static void exchange(const uint8_t *request, size_t size, int timeout_ms, answer *out)
{
	*out = (answer){0};
	out->data = malloc(ANSWER_KEEP_MAX);
	FUZZ_CHECK(out->data != NULL, "out of memory");
	int fd = connect_daemon();
	FUZZ_CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "fcntl: %s",
		   strerror(errno));
	size_t sent = 0;
	bool write_shut = false;
	int64_t deadline = now_ms() + timeout_ms;
	char chunk[65536];
	for (;;) {
		if (!write_shut && sent == size) {
			shutdown(fd, SHUT_WR);
			write_shut = true;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			out->timed_out = true;
			break;
		}
		struct pollfd watch = {.fd = fd, .events = POLLIN | (write_shut ? 0 : POLLOUT)};
		int ready = poll(&watch, 1, (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		FUZZ_CHECK(ready >= 0, "poll: %s", strerror(errno));
		if (ready == 0)
			continue; /* the deadline check above ends it */
		if (!write_shut && (watch.revents & POLLOUT)) {
			ssize_t n = send(fd, request + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				sent = size; /* the server closed early; read what it said */
		}
		if (watch.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, chunk, sizeof chunk, 0);
			if (n > 0) {
				size_t keep = (size_t)n;
				if (keep > ANSWER_KEEP_MAX - out->len)
					keep = ANSWER_KEEP_MAX - out->len;
				memcpy(out->data + out->len, chunk, keep);
				out->len += keep;
				out->total += (size_t)n;
			} else if (n == 0) {
				out->clean_eof = true;
				break;
			} else if (errno != EAGAIN && errno != EINTR) {
				out->reset = true;
				break;
			}
		}
	}
	close(fd);
}

static const char *find_bytes(const char *haystack, size_t len, const char *needle)
{
	size_t needle_len = strlen(needle);
	for (size_t i = 0; i + needle_len <= len; i++)
		if (memcmp(haystack + i, needle, needle_len) == 0)
			return haystack + i;
	return NULL;
}

/* Whether the header line [line, end) is `name: value`; sets the value
 * (leading spaces skipped) and its length. */
static bool header_is(const char *line, const char *end, const char *name, const char **value,
		      size_t *value_len)
{
	size_t name_len = strlen(name);
	if ((size_t)(end - line) <= name_len || strncasecmp(line, name, name_len) != 0 ||
	    line[name_len] != ':')
		return false;
	const char *v = line + name_len + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	*value = v;
	*value_len = (size_t)(end - v);
	return true;
}

/* An OMS answer (it has isSuccess) is the envelope, keys in OMS's order. */
static void check_envelope(const cJSON *root, const char *text)
{
	static const char *const keys[] = {"errCode", "isSuccess", NULL};
	bool envelope = false;
	for (size_t i = 0; keys[i]; i++)
		envelope = envelope || cJSON_GetObjectItemCaseSensitive(root, keys[i]) != NULL;
	if (!envelope)
		return;
	static const char *const order[] = {"errCode",	 "errMsg", "errorDetail",
					    "isSuccess", "result", "retryable"};
	const cJSON *item = root->child;
	for (size_t i = 0; i < sizeof order / sizeof *order; i++, item = item->next)
		FUZZ_CHECK(item && strcmp(item->string, order[i]) == 0,
			   "envelope key %zu is not %s: %.400s", i, order[i], text);
	FUZZ_CHECK(item == NULL, "the envelope has a key after retryable: %.400s", text);
	const cJSON *success = cJSON_GetObjectItemCaseSensitive(root, "isSuccess");
	FUZZ_CHECK(cJSON_IsBool(success), "isSuccess is not a boolean: %.400s", text);
}

/* Checks the answers in `got`: the status lines, and the first JSON body. */
static void check_answer(const answer *got, const uint8_t *request, size_t size)
{
	static const char prefix[] = "HTTP/1.1 ";
	size_t head = got->len < sizeof prefix - 1 ? got->len : sizeof prefix - 1;
	FUZZ_CHECK(memcmp(got->data, prefix, head) == 0, "the answer starts \"%.*s\"",
		   (int)(got->len < 40 ? got->len : 40), got->data);
	if (got->len < sizeof prefix - 1) {
		FUZZ_CHECK(!got->clean_eof, "an answer of %zu bytes", got->len);
		return;
	}
	bool head_request = size >= 5 && memcmp(request, "HEAD ", 5) == 0;
	const char *p = got->data, *end = got->data + got->len;
	for (;;) {
		size_t remaining = (size_t)(end - p);
		size_t shown = remaining < 40 ? remaining : 40;
		FUZZ_CHECK(memcmp(p, prefix,
				  remaining < sizeof prefix - 1 ? remaining : sizeof prefix - 1) ==
				   0,
			   "an answer after \"100 Continue\" starts \"%.*s\"", (int)shown, p);
		const char *blank = find_bytes(p, remaining, "\r\n\r\n");
		if (!blank) {
			FUZZ_CHECK(!got->clean_eof || got->len == ANSWER_KEEP_MAX,
				   "the answer's headers never end: \"%.*s\"",
				   (int)(remaining < 200 ? remaining : 200), p);
			return;
		}
		unsigned status = 0;
		for (size_t i = sizeof prefix - 1; i < sizeof prefix - 1 + 3; i++) {
			FUZZ_CHECK(p[i] >= '0' && p[i] <= '9', "status line \"%.40s\"", p);
			status = status * 10 + (unsigned)(p[i] - '0');
		}
		if (status >= 100 && status < 200) {
			p = blank + 4; /* an interim answer; the final one follows */
			if (p == end)
				return;
			continue;
		}
		/* the header lines of the final answer */
		const char *content_type = NULL, *content_length = NULL;
		size_t content_type_len = 0, content_length_len = 0;
		bool chunked = false;
		const char *line = find_bytes(p, (size_t)(blank + 2 - p), "\r\n") + 2;
		while (line < blank + 2) {
			const char *line_end = find_bytes(line, (size_t)(blank + 2 - line), "\r\n");
			const char *value;
			size_t value_len;
			if (header_is(line, line_end, "Content-Type", &value, &value_len)) {
				content_type = value;
				content_type_len = value_len;
			} else if (header_is(line, line_end, "Content-Length", &value,
					     &value_len)) {
				content_length = value;
				content_length_len = value_len;
			} else if (header_is(line, line_end, "Transfer-Encoding", &value,
					     &value_len)) {
				chunked = value_len >= 7 && strncasecmp(value, "chunked", 7) == 0;
			}
			line = line_end + 2;
		}
		static const char json_type[] = "application/json";
		if (!content_type || content_type_len < sizeof json_type - 1 ||
		    strncasecmp(content_type, json_type, sizeof json_type - 1) != 0)
			return;
		FUZZ_CHECK(!chunked, "a JSON answer sent chunked (unexpected from a buffer)");
		FUZZ_CHECK(content_length != NULL, "a JSON answer without Content-Length");
		size_t declared = 0;
		for (size_t i = 0; i < content_length_len; i++) {
			FUZZ_CHECK(content_length[i] >= '0' && content_length[i] <= '9',
				   "Content-Length \"%.*s\"", (int)content_length_len,
				   content_length);
			declared = declared * 10 + (size_t)(content_length[i] - '0');
		}
		const char *body = blank + 4;
		size_t available = (size_t)(end - body);
		if (head_request || status == 204 || status == 304)
			return; /* no body by definition */
		if (available < declared) {
			/* only a clean, complete read can prove a truncated answer */
			FUZZ_CHECK(!got->clean_eof || got->len == ANSWER_KEEP_MAX,
				   "a %u answer declares %zu bytes of JSON and sends %zu", status,
				   declared, available);
			return;
		}
		char *text = fuzz_string_copy(body, declared);
		cJSON *parsed = cJSON_ParseWithOpts(text, NULL, 1);
		FUZZ_CHECK(cJSON_IsObject(parsed), "a %u answer's JSON body does not parse: %.400s",
			   status, text);
		check_envelope(parsed, text);
		cJSON_Delete(parsed);
		free(text);
		return;
	}
}

/* The connections the daemon holds (across its worker threads). */
static unsigned open_connections(void)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

/*
 * Waits until the daemon holds no more requests and connections than
 * `requests` and `connections` (what it held before this input: a request
 * an injected hang parks stays for up to ten minutes), so that the next
 * input meets a quiet daemon and libFuzzer's malloc/free accounting of this
 * input is not muddled by the last one (a mismatch makes libFuzzer run the
 * input again for a leak check).
 */
static void wait_quiet(int requests, unsigned connections, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct timespec pause = {0, 100 * 1000};
	while ((atomic_load(&app.in_flight) > requests || open_connections() > connections) &&
	       now_ms() < deadline)
		nanosleep(&pause, NULL);
}

/* After a timed-out answer: the daemon must still answer a plain request. */
static void probe_daemon(void)
{
	static const char health[] = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				     "Authorization: Bearer " FUZZ_ADMIN_TOKEN "\r\n"
				     "Connection: close\r\n\r\n";
	answer got;
	exchange((const uint8_t *)health, sizeof health - 1, PROBE_TIMEOUT_MS, &got);
	FUZZ_CHECK(
		got.len >= 12 && memcmp(got.data, "HTTP/1.1 200", 12) == 0,
		"the daemon is wedged: a health request after a timed-out answer got %zu bytes%s",
		got.len, got.timed_out ? " and timed out" : "");
	free(got.data);
}

/*
 * Whether `request` is exactly one complete, plainly well-formed request:
 * "METHOD SP target SP HTTP/1.x CRLF", header lines "Name: value CRLF" of
 * token names and printable values, a blank line, and a body of exactly its
 * Content-Length (none without one); no Transfer-Encoding, no Expect, a head
 * well inside the daemon's connection memory, nothing after the body. Such
 * a request must be answered. Sets `ns` to the namespace it addresses
 * ("default", or the /ns/{name}/ segment).
 */
static bool well_formed(const uint8_t *request, size_t size, char *ns, size_t ns_cap)
{
	enum { HEAD_MAX = 32 * 1024 };
	const char *text = (const char *)request, *end = text + size;
	const char *blank = find_bytes(text, size < HEAD_MAX ? size : HEAD_MAX, "\r\n\r\n");
	if (!blank)
		return false;
	/* the request line */
	const char *p = text;
	while (p < blank && *p >= 'A' && *p <= 'Z')
		p++;
	if (p == text || p >= blank || *p != ' ')
		return false;
	const char *target = ++p;
	while (p<blank && * p> ' ' && *p < 0x7f)
		p++;
	if (p == target || *target != '/' || p + 10 > blank || *p != ' ' ||
	    (memcmp(p + 1, "HTTP/1.1\r\n", 10) != 0 && memcmp(p + 1, "HTTP/1.0\r\n", 10) != 0))
		return false;
	size_t target_len = (size_t)(p - target);
	p += 11;
	/* the header lines */
	size_t content_length = 0;
	bool has_length = false;
	while (p < blank + 2) {
		const char *line_end = find_bytes(p, (size_t)(blank + 2 - p), "\r\n");
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		if (!colon || colon == p)
			return false;
		for (const char *c = p; c < colon; c++)
			if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
			      (*c >= '0' && *c <= '9') || *c == '-'))
				return false;
		for (const char *c = colon + 1; c < line_end; c++)
			if (!((*c >= ' ' && *c < 0x7f) || *c == '\t'))
				return false;
		const char *value;
		size_t value_len;
		if (header_is(p, line_end, "Transfer-Encoding", &value, &value_len) ||
		    header_is(p, line_end, "Expect", &value, &value_len))
			return false;
		if (header_is(p, line_end, "Content-Length", &value, &value_len)) {
			if (has_length || value_len == 0 || value_len > 9)
				return false;
			for (size_t i = 0; i < value_len; i++) {
				if (value[i] < '0' || value[i] > '9')
					return false;
				content_length = content_length * 10 + (size_t)(value[i] - '0');
			}
			has_length = true;
		}
		p = line_end + 2;
	}
	if ((size_t)(end - (blank + 4)) != content_length)
		return false;
	/* the namespace */
	snprintf(ns, ns_cap, "%s", STORE_DEFAULT_NAMESPACE);
	static const char prefix[] = "/ns/";
	if (target_len > sizeof prefix - 1 && memcmp(target, prefix, sizeof prefix - 1) == 0) {
		const char *name = target + sizeof prefix - 1;
		const char *slash = memchr(name, '/', target_len - (sizeof prefix - 1));
		size_t len = slash ? (size_t)(slash - name) : target_len - (sizeof prefix - 1);
		if (len == 0 || len >= ns_cap || memchr(name, '%', len))
			return false; /* not a plain namespace name: no promise here */
		memcpy(ns, name, len);
		ns[len] = '\0';
	}
	return true;
}

/* Whether the namespace holds any fault (a drop or a hang answers nothing). */
static bool has_faults(const char *ns)
{
	cJSON *list = namespaces_faults_json(app.namespaces, ns);
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(list, "faults");
	bool any = !list || !cJSON_IsArray(faults) || cJSON_GetArraySize(faults) > 0;
	cJSON_Delete(list);
	return any;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (++inputs_run % RESET_EVERY == 0)
		reset_state();
	int requests = atomic_load(&app.in_flight);
	unsigned connections = open_connections();
	char ns[STORE_NAMESPACE_MAX + 1];
	bool must_answer =
		expect_answers && well_formed(data, size, ns, sizeof ns) && !has_faults(ns);
	int64_t started = now_ms();
	answer got;
	exchange(data, size, ANSWER_TIMEOUT_MS, &got);
	if (verbose)
		fprintf(stderr, "fuzz_http: %zu bytes in, %zu bytes back%s%s: %.*s\n", size,
			got.total, got.timed_out ? ", timed out" : "",
			got.reset	? ", reset"
			: got.clean_eof ? ""
					: ", no EOF",
			(int)(got.len < 300 ? got.len : 300), got.data);
	if (got.len > 0)
		check_answer(&got, data, size);
	FUZZ_CHECK(!must_answer || got.total > 0 || got.timed_out,
		   "a well-formed request (namespace %s, no faults) got no answer: the server "
		   "closed the connection%s. Request head: %.*s",
		   ns, got.reset ? " with a reset" : "", (int)(size < 300 ? size : 300),
		   (const char *)data);
	bool timed_out = got.timed_out;
	free(got.data);
	wait_quiet(requests, connections, ANSWER_TIMEOUT_MS);
	if (timed_out)
		probe_daemon();
	/* an injected delay or hang: forget the faults before they slow the next input */
	if (now_ms() - started > SLOW_MS)
		reset_state();
	return 0;
}
