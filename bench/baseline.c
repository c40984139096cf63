/*
 * baseline.c — the limit connector-mock is measured against: a minimal
 * libmicrohttpd server, no state, no storage, no routing. Every request,
 * any method, any path, is answered 200 with the OMS success envelope whose
 * "result" echoes the taskName query parameter, so that it does the same
 * URL decoding and JSON escaping work as the daemon's happy path.
 *
 *   build/bench/baseline [--mode per-connection|epoll|pool] [--threads N]
 *                        [--port N] [--listen ADDR]
 *
 * --mode picks libmicrohttpd's threading (bench/run.sh measures all three
 * and divides by the fastest):
 *   per-connection  a thread per connection, polled with poll(), as the
 *                   daemon runs (server/http.c); the default
 *   epoll           one internal thread running an epoll loop
 *   pool            a pool of --threads epoll threads (default: the CPUs
 *                   online)
 * Prints `baseline listening on http://ADDR:PORT` once it accepts requests,
 * and stops on SIGTERM/SIGINT.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The daemon's per-connection settings (server/http.c), which every mode
 * keeps: the memory pool libmicrohttpd zeroes for each request costs the
 * same in all of them. bench/run.sh reads them from server/ at build time
 * and passes them as these macros; the defaults are server/http.c's.
 *   BASELINE_STACK         MHD_OPTION_THREAD_STACK_SIZE of a connection's
 *                          thread (per-connection mode), 0 for the default
 *   BASELINE_CONN_MEMORY   MHD_OPTION_CONNECTION_MEMORY_LIMIT
 */
#ifndef BASELINE_STACK
#define BASELINE_STACK (512 * 1024)
#endif
#ifndef BASELINE_CONN_MEMORY
#define BASELINE_CONN_MEMORY (72 * 1024)
#endif

typedef struct {
	const char *name;
	unsigned flags;
	int pool; /* 1: MHD_OPTION_THREAD_POOL_SIZE of --threads */
} baseline_mode;

static const baseline_mode modes[] = {
	{"per-connection",
	 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		 MHD_USE_ITC | MHD_USE_ERROR_LOG,
	 0},
	{"epoll", MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	 0},
	{"pool", MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
	 1},
};

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
	fputs("usage: baseline [--mode per-connection|epoll|pool] [--threads N] [--port N] "
	      "[--listen ADDR]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = online > 0 ? (unsigned)online : 1, port = 8089;
	const char *listen = "127.0.0.1";
	const baseline_mode *mode = &modes[0];
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--threads") == 0) {
			threads = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--port") == 0) {
			port = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--listen") == 0) {
			listen = argv[++i];
		} else if (strcmp(argv[i], "--mode") == 0) {
			const char *name = argv[++i];
			mode = NULL;
			for (size_t k = 0; k < sizeof modes / sizeof *modes; k++)
				if (strcmp(modes[k].name, name) == 0)
					mode = &modes[k];
			if (!mode)
				usage();
		} else {
			usage();
		}
	}
	if (threads < 1 || threads > 1024 || port > 65535)
		usage();

	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, listen, &address.sin_addr) != 1)
		usage();
	/* the daemon's limits (server/http.c, settings defaults), then the
	 * mode's own: a stack size for per-connection, a pool for pool */
	struct MHD_OptionItem options[8] = {
		{MHD_OPTION_SOCK_ADDR, 0, &address},
		{MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, 1024, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(BASELINE_CONN_MEMORY), NULL},
	};
	size_t n = 4;
	if (mode->pool && threads > 1)
		options[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
	if (!mode->pool && (mode->flags & MHD_USE_THREAD_PER_CONNECTION) && BASELINE_STACK)
		options[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE,
						       (intptr_t)(BASELINE_STACK), NULL};
	options[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	struct MHD_Daemon *daemon = MHD_start_daemon(mode->flags, 0, NULL, NULL, on_request, NULL,
						     MHD_OPTION_ARRAY, options, MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "baseline: cannot listen on %s:%u in mode %s\n", listen, port,
			mode->name);
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
