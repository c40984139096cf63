/*
 * baseline.c — the floor connector-mock is measured against: a minimal
 * libmicrohttpd server with the daemon's own MHD flags and threading
 * (server/http.c), no state, no storage, no routing. Every request, any
 * method, any path, is answered 200 with the OMS success envelope whose
 * "result" echoes the taskName query parameter, so that it does the same
 * URL decoding and JSON escaping work as the daemon's happy path.
 *
 *   build/bench/baseline [--threads N] [--port N] [--listen ADDR]
 *
 * Prints `baseline listening on http://ADDR:PORT` once it accepts requests,
 * and stops on SIGTERM/SIGINT.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The daemon's libmicrohttpd configuration (server/http.c). bench/run.sh
 * reads it from server/http.c at build time and passes it as these macros,
 * so the baseline follows the daemon when its threading changes; the
 * defaults below are server/http.c's as of this writing.
 *   BASELINE_FLAGS         the MHD_USE_... / MHD_ALLOW_... flags
 *   BASELINE_POOL          1 when the daemon sets MHD_OPTION_THREAD_POOL_SIZE
 *                          (to --threads), 0 otherwise
 *   BASELINE_STACK         MHD_OPTION_THREAD_STACK_SIZE, 0 when not set
 *   BASELINE_CONN_MEMORY   MHD_OPTION_CONNECTION_MEMORY_LIMIT
 */
#ifndef BASELINE_FLAGS
#define BASELINE_FLAGS                                                                             \
	(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |          \
	 MHD_USE_ITC | MHD_USE_ERROR_LOG)
#endif
#ifndef BASELINE_POOL
#define BASELINE_POOL 0
#endif
#ifndef BASELINE_STACK
#define BASELINE_STACK (512 * 1024)
#endif
#ifndef BASELINE_CONN_MEMORY
#define BASELINE_CONN_MEMORY (96 * 1024)
#endif

typedef struct {
	char *data;
	size_t len, cap;
} buf;

static int put(buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown)
			return -1;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* JSON string escaping, as cJSON would do it for the daemon's envelope. */
static int put_json_string(buf *b, const char *s)
{
	if (put(b, "\"", 1) < 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			if (put(b, esc, 2) < 0)
				return -1;
		} else if (*p < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			if (put(b, esc, 6) < 0)
				return -1;
		} else if (put(b, (const char *)p, 1) < 0) {
			return -1;
		}
	}
	return put(b, "\"", 1);
}

static char *envelope(const char *task_name)
{
	static const char head[] = "{\"errCode\":null,\"errMsg\":null,\"errorDetail\":null,"
				   "\"isSuccess\":true,\"result\":";
	static const char tail[] = ",\"retryable\":null}";
	buf b = {0};
	if (put(&b, head, sizeof head - 1) < 0 ||
	    (task_name ? put_json_string(&b, task_name) : put(&b, "null", 4)) < 0 ||
	    put(&b, tail, sizeof tail - 1) < 0) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

static int request_marker;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **request_context)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (!*request_context) { /* headers only: wait for the body */
		*request_context = &request_marker;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body chunk: read and drop it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	const char *task_name =
		MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "taskName");
	char *body = envelope(task_name);
	if (!body)
		return MHD_NO;
	struct MHD_Response *reply =
		MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!reply) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_OK, reply);
	MHD_destroy_response(reply);
	return result;
}

static void usage(void)
{
	fputs("usage: baseline [--threads N] [--port N] [--listen ADDR]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned threads = 2, port = 8089;
	const char *listen = "127.0.0.1";
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--threads") == 0)
			threads = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--port") == 0)
			port = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--listen") == 0)
			listen = argv[++i];
		else
			usage();
	}
	if (threads < 1 || port > 65535)
		usage();
	(void)threads; /* without a thread pool: one thread per connection */

	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, listen, &address.sin_addr) != 1)
		usage();
	/* the daemon's flags and options (server/http.c, settings defaults) */
	unsigned flags = BASELINE_FLAGS;
	struct MHD_Daemon *daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&address,
#if BASELINE_POOL
		MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
#endif
#if BASELINE_STACK
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(BASELINE_STACK),
#endif
		MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 1024u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(BASELINE_CONN_MEMORY), MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "baseline: cannot listen on %s:%u\n", listen, port);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	printf("baseline listening on http://%s:%u\n", listen, info ? info->port : port);
	fflush(stdout);
	int signal_number;
	sigwait(&stop_signals, &signal_number);
	MHD_stop_daemon(daemon);
	return 0;
}
