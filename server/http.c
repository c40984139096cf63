/*
 * http.c — the libmicrohttpd access handler, body accumulation with a cap,
 * the routing table, and sending what a route answers (response.h).
 *
 * MHD calls the access handler several times per request: once with the
 * headers (nothing uploaded yet), once per body chunk, and once more with no
 * data when the body is complete. `request_state` carries a request across
 * those calls and is freed in the completion callback.
 */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../store/text.h"
#include "accesslog.h"
#include "delivery.h"
#include "journal_wait.h"
#include "listener.h"
#include "clock.h"
#include "framing.h"
#include "log.h"
#include "metrics.h"
#include "namespaces.h"
#include "routes.h"

/* Big enough for a 64 KiB query string plus headers, so that a long but
 * legal request reaches the handler and gets a JSON answer, not MHD's HTML
 * (tests/integration_limits.c sends exactly 64 KiB). No bigger:
 * libmicrohttpd 0.9.75 zeroes the whole pool between requests, and every
 * connection keeps its pool resident. */
enum { CONNECTION_MEMORY = 72 * 1024 };

/* Each connection has a thread; its stack holds a request's frames. */
enum { THREAD_STACK = 512 * 1024 };

typedef struct {
	textbuf body;
	bool started;	   /* the access handler saw the request (and counted it) */
	bool path_has_nul; /* the raw path held %00 */
	bool too_large;
	bool answered;
	params query;
	char query_error[PARAMS_WHY_MAX];
	bool query_failed;
	/* what on_completed needs to record the answer's delivery */
	int64_t journal_id; /* 0: nothing to record */
	char ns[STORE_NAMESPACE_MAX + 1];
	int op;
	bool undelivered; /* known before the answer goes */
	const char *socket_kind;
	socket_action socket;
	int64_t socket_bytes, body_len, sent;
	delivery_progress *progress; /* a paced answer's count of bytes written */
} request_state;

/* A streamed answer: chunked, not cached, not buffered by proxies. */
static enum MHD_Result send_stream(struct MHD_Connection *connection, http_response *response)
{
	free(response->body);
	struct MHD_Response *reply =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, response->stream.read,
						  response->stream.ctx, response->stream.free);
	if (!reply) {
		response->stream.free(response->stream.ctx);
		return MHD_NO;
	}
	MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE,
				response->content_type ? response->content_type
						       : "text/event-stream");
	MHD_add_response_header(reply, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(reply, "X-Accel-Buffering", "no");
	enum MHD_Result result = MHD_queue_response(connection, response->status, reply);
	MHD_destroy_response(reply);
	return result;
}

/* Notes what on_completed records of a journaled answer. */
static void note_delivery(request_state *state, const char *ns, const http_response *response)
{
	state->journal_id = response->journal_id;
	snprintf(state->ns, sizeof state->ns, "%s", ns);
	state->op = response->op;
	state->undelivered = response->undelivered;
	state->socket = response->socket;
	state->socket_kind = response->socket_kind;
	state->socket_bytes = response->socket_bytes;
	state->body_len = response->body ? (int64_t)strlen(response->body) : 0;
}

/* The socket-level faults that write no HTTP: reset and garbage. MHD_NO
 * then makes libmicrohttpd close the connection. */
static enum MHD_Result send_raw(struct MHD_Connection *connection, http_response *response,
				request_state *state)
{
	int fd = delivery_fd(connection);
	if (response->socket == SOCKET_GARBAGE && response->body)
		state->sent = delivery_write_raw(fd, response->body, strlen(response->body));
	else
		delivery_reset(fd);
	free(response->body);
	return MHD_NO;
}

static enum MHD_Result send_response(struct MHD_Connection *connection, http_response *response,
				     request_state *state)
{
	/* whatever the answer (a stream, a drop, a socket fault), it is the
	 * handler's: the library's error answers are no longer rewritten */
	framing_answered();
	if (response->stream.read)
		return send_stream(connection, response);
	if (response->drop) {
		free(response->body);
		return MHD_NO; /* MHD closes the connection without an answer */
	}
	if (response->socket == SOCKET_RESET || response->socket == SOCKET_GARBAGE)
		return send_raw(connection, response, state);
	static const char fallback[] =
		"{\"error\":\"INTERNAL_ERROR\",\"message\":\"out of memory\"}";
	struct MHD_Response *reply;
	if (response->body &&
	    (response->socket == SOCKET_PARTIAL || response->socket == SOCKET_SLOW)) {
		size_t len = strlen(response->body);
		bool partial = response->socket == SOCKET_PARTIAL;
		state->progress = delivery_progress_create();
		reply = delivery_paced_response(
			response->body, len, partial ? response->socket_bytes : (int64_t)len,
			partial ? 0 : response->socket_bytes, state->progress);
	} else if (response->body)
		reply = MHD_create_response_from_buffer(strlen(response->body), response->body,
							MHD_RESPMEM_MUST_FREE);
	else
		reply = MHD_create_response_from_buffer(sizeof fallback - 1, (void *)fallback,
							MHD_RESPMEM_PERSISTENT);
	if (!reply) {
		free(response->body);
		return MHD_NO;
	}
	unsigned status = response->body ? response->status : MHD_HTTP_INTERNAL_SERVER_ERROR;
	MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE,
				response->content_type ? response->content_type
						       : "application/json");
	if (response->allow[0])
		MHD_add_response_header(reply, MHD_HTTP_HEADER_ALLOW, response->allow);
	if (response->authenticate)
		MHD_add_response_header(reply, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	for (const char *const *header = response->headers; header && header[0]; header += 2)
		MHD_add_response_header(reply, header[0], header[1]);
	if (response->etag[0])
		MHD_add_response_header(reply, MHD_HTTP_HEADER_ETAG, response->etag);
	if (response->close)
		MHD_add_response_header(reply, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result result = MHD_queue_response(connection, status, reply);
	MHD_destroy_response(reply);
	return result;
}

typedef http_response (*route_handler)(const http_request *request);

/* The routing table: the first prefix that matches owns the request. */
static const struct {
	const char *prefix;
	route_handler handler;
} route_table[] = {
	{ADMIN_ROUTE_PREFIX, admin_route},
	{"/", oms_route}, /* the OMS routes, and the OMS 404 for anything else */
};

static void client_address(struct MHD_Connection *connection, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, cap, "unknown");
	if (!info || !info->client_addr)
		return;
	const struct sockaddr *address = info->client_addr;
	if (address->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)address)->sin_addr,
			  out, (socklen_t)cap);
	else if (address->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)(const void *)address)->sin6_addr, out,
			  (socklen_t)cap);
}

/* MHD hands over decoded query arguments with their sizes, so a %00 inside a
 * value is seen rather than silently cutting it. */
static enum MHD_Result collect_argument(void *cls, enum MHD_ValueKind kind, const char *key,
					size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	request_state *state = cls;
	if (state->query_failed)
		return MHD_NO;
	if (params_add(&state->query, key, key_size, value ? value : "", value ? value_size : 0,
		       state->query_error, sizeof state->query_error) < 0) {
		state->query_failed = true;
		return MHD_NO;
	}
	return MHD_YES;
}

/*
 * Splits "/ns/{name}/rest" into the namespace and "/rest". Returns the path
 * to route, or NULL when the prefix is there but the name is not valid.
 */
static const char *split_namespace(const char *url, char *ns, size_t cap)
{
	static const char prefix[] = "/ns/";
	snprintf(ns, cap, "%s", STORE_DEFAULT_NAMESPACE);
	if (strncmp(url, prefix, sizeof prefix - 1) != 0)
		return url;
	const char *name = url + sizeof prefix - 1;
	const char *slash = strchr(name, '/');
	size_t len = slash ? (size_t)(slash - name) : strlen(name);
	if (len == 0 || len >= cap || !slash)
		return NULL;
	memcpy(ns, name, len);
	ns[len] = '\0';
	return store_namespace_valid(ns) ? slash : NULL;
}

static const char *lookup_header(void *connection, const char *name)
{
	return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
}

static enum MHD_Result dispatch(server_app *app, struct MHD_Connection *connection, const char *url,
				const char *method, request_state *state)
{
	http_request request = {
		.app = app,
		.method = method,
		.path = url,
		.query = &state->query,
		.query_error = state->query_failed ? state->query_error : NULL,
		.content_type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_TYPE),
		.authorization = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_AUTHORIZATION),
		.if_none_match = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_IF_NONE_MATCH),
		.host = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_HOST),
		.last_event_id =
			MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Last-Event-ID"),
		.body = state->body.len ? textbuf_str(&state->body) : NULL,
		.body_len = state->body.len,
		.body_too_large = state->too_large,
		.started_ns = clock_monotonic_ns(),
		.header = lookup_header,
		.header_ctx = connection,
	};
	access_note note = {0};
	request.note = &note;
	client_address(connection, request.client, sizeof request.client);
	const union MHD_ConnectionInfo *socket_info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	request.client_fd = socket_info ? (int)socket_info->connect_fd : -1;
	http_response response = {0};
	const char *target = framing_origin_form(url);
	const char *path = target ? split_namespace(target, request.ns, sizeof request.ns) : NULL;
	if (!target) {
		response = (http_response){
			.status = MHD_HTTP_BAD_REQUEST,
			.body = framing_answer_body("BAD_REQUEST",
						    "the request target must be a path (origin "
						    "form, \"/...\") or an absolute http:// URL"),
			.close = true,
		};
	} else if (state->path_has_nul) {
		/* the decoded path would not be the one sent: no route has it */
		response = (http_response){
			.status = MHD_HTTP_NOT_FOUND,
			.body = framing_answer_body("NOT_FOUND",
						    "the path holds an encoded NUL, control byte "
						    "or '/' (%00, %0A, %2F...)"),
		};
	} else if (!path) {
		response = http_plain_error(MHD_HTTP_NOT_FOUND, "NOT_FOUND",
					    "a namespace name is 1 to 64 of A-Z a-z 0-9 _ -, "
					    "followed by the route: /ns/{name}/...");
	} else {
		request.path = path;
		request.now_ms = namespaces_now(app->namespaces, request.ns);
		for (size_t i = 0; i < sizeof route_table / sizeof *route_table; i++)
			if (strncmp(path, route_table[i].prefix, strlen(route_table[i].prefix)) ==
			    0) {
				response = route_table[i].handler(&request);
				break;
			}
	}
	state->answered = true;
	if (response.journal_id > 0) {
		note_delivery(state, request.ns, &response);
		/* a client that has gone before the answer is written never gets
		 * it, though the write succeeds */
		if (delivery_peer_gone(delivery_fd(connection)))
			state->undelivered = true;
	}
	access_request line = {method,
			       url,
			       request.ns,
			       request.client,
			       response.drop			       ? 0
			       : response.body || response.stream.read ? response.status
								       : 500,
			       clock_monotonic_ns() - request.started_ns};
	enum MHD_Result result = send_response(connection, &response, state);
	access_log(&line, &note);
	return result;
}

/* Whether the declared Content-Length already passes the cap. */
static bool declared_too_large(struct MHD_Connection *connection, size_t max_body)
{
	const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!length)
		return false;
	unsigned long long declared;
	return settings_parse_unsigned(length, ~0ULL, &declared) < 0 || declared > max_body;
}

/* MHD's URI log callback: the request's state starts here, with the target
 * as sent (before MHD decodes it) */
static void *on_target(void *cls, const char *uri, struct MHD_Connection *connection)
{
	server_app *app = cls;
	request_state *state = calloc(1, sizeof *state);
	if (!state)
		return NULL;
	textbuf_init(&state->body, app->settings->max_body);
	params_init(&state->query);
	state->path_has_nul = framing_enter(connection, uri);
	return state;
}

/* A request whose framing could be read two ways: 400 (or 501), and the
 * connection closes, so nothing that follows on it is read as a request.
 * It has its access line like any other request. */
static enum MHD_Result refuse_framing(struct MHD_Connection *connection, const char *url,
				      const char *method, request_state *state,
				      const framing_refusal *refusal)
{
	int64_t started_ns = clock_monotonic_ns();
	http_response response = {
		.status = refusal->status,
		.body = framing_answer_body(refusal->code, refusal->message),
		.close = true,
	};
	state->answered = true;
	log_write(LOG_DEBUG, "refused: %s", refusal->message);
	char client[64];
	client_address(connection, client, sizeof client);
	access_request line = {method,
			       url,
			       NULL,
			       client,
			       response.body ? response.status : 500,
			       clock_monotonic_ns() - started_ns};
	access_note note = {0};
	enum MHD_Result result = send_response(connection, &response, state);
	access_log(&line, &note);
	return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **request_context)
{
	(void)version;
	server_app *app = cls;
	request_state *state = *request_context;
	if (!state)
		return MHD_NO; /* out of memory in on_target */
	if (!state->started) {
		state->started = true;
		MHD_get_connection_values_n(connection, MHD_GET_ARGUMENT_KIND, collect_argument,
					    state);
		atomic_fetch_add(&app->in_flight, 1);
		framing_refusal refusal;
		if (framing_check(connection, &refusal) < 0)
			return refuse_framing(connection, url, method, state, &refusal);
		if (declared_too_large(connection, app->settings->max_body)) {
			state->too_large = true;
			return dispatch(app, connection, url, method, state);
		}
		return MHD_YES;
	}
	if (state->answered) {
		*upload_data_size = 0; /* discard what follows an early answer */
		return MHD_YES;
	}

	if (*upload_data_size) {
		if (!state->too_large &&
		    textbuf_append(&state->body, upload_data, *upload_data_size) < 0) {
			state->too_large = true;
			textbuf_free(&state->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(app, connection, url, method, state);
}

/* What a socket-level fault really sent, as the journal's `sent`; NULL for
 * a normal answer. The caller frees it. */
static char *sent_json(const request_state *state)
{
	if (state->socket == SOCKET_NORMAL)
		return NULL;
	cJSON *sent = cJSON_CreateObject();
	int64_t bytes = state->progress ? delivery_progress_sent(state->progress) : state->sent;
	cJSON_AddStringToObject(sent, "kind", state->socket_kind ? state->socket_kind : "");
	cJSON_AddNumberToObject(sent, "bytes", (double)bytes);
	if (state->socket == SOCKET_PARTIAL || state->socket == SOCKET_SLOW)
		cJSON_AddNumberToObject(sent, "of", (double)state->body_len);
	if (state->socket == SOCKET_SLOW)
		cJSON_AddNumberToObject(sent, "rate", (double)state->socket_bytes);
	char *text = cJSON_PrintUnformatted(sent);
	cJSON_Delete(sent);
	return text;
}

/* Records whether the answer of the request's journal entry reached the
 * client: after the answer, on the connection's thread, so that it costs
 * the client nothing. */
static void record_delivery(server_app *app, struct MHD_Connection *connection,
			    request_state *state, enum MHD_RequestTerminationCode code)
{
	bool delivered = !state->undelivered && code == MHD_REQUEST_TERMINATED_COMPLETED_OK &&
			 delivery_after_write(delivery_fd(connection));
	char *sent = sent_json(state);
	store_journal_delivered(app->store, state->ns, state->journal_id, delivered, sent);
	free(sent);
	if (!delivered)
		metrics_count_undelivered(app->metrics, state->ns, (rules_op)state->op);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **request_context,
			 enum MHD_RequestTerminationCode code)
{
	server_app *app = cls;
	request_state *state = *request_context;
	if (!state)
		return;
	if (state->journal_id > 0)
		record_delivery(app, connection, state, code);
	delivery_progress_release(state->progress);
	framing_leave(); /* after the delivery is read off the connection */
	textbuf_free(&state->body);
	params_free(&state->query);
	if (state->started)
		atomic_fetch_sub(&app->in_flight, 1);
	free(state);
	*request_context = NULL;
}

static void on_mhd_log(void *cls, const char *format, va_list args)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *format, va_list args)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, format, args);
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	/* its HTML error answers are replaced by JSON ones where it can be */
	if (framing_library_answer(line)) {
		log_write(LOG_DEBUG, "libmicrohttpd: %s (answered in JSON)", line);
		return;
	}
	/* a drop fault closes its connection on purpose; MHD calls it an error */
	bool dropped = strstr(line, "Application reported internal error") != NULL ||
		       framing_decoy_active();
	log_write(dropped ? LOG_DEBUG : LOG_WARN, "libmicrohttpd: %s", line);
}

int http_start(server_app *app, struct MHD_Daemon **daemon, unsigned *port, char *why,
	       size_t why_cap)
{
	const settings *s = app->settings;
	int listen_fd = app->listen_fd;
	if (!app->has_listen_fd) {
		unsigned bound;
		listen_fd = listener_open(s->listen, s->port, &bound, why, why_cap);
		if (listen_fd < 0)
			return -1;
	}
	/* poll(), not epoll: libmicrohttpd 0.9.75 can panic in
	 * MHD_quiesce_daemon with a thread pool on epoll ("Failed to remove
	 * listen FD from epoll set"), seen about once in 400 stops */
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	*daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, app,
		/* first, so that every later message goes through it */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET,
		(MHD_socket)listen_fd, MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
		MHD_OPTION_CONNECTION_TIMEOUT, s->connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
		s->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_ip_connection_limit,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, app, MHD_OPTION_URI_LOG_CALLBACK,
		on_target, app, MHD_OPTION_END);
	app->has_listen_fd = false; /* the daemon's now, or closed below */
	if (!*daemon) {
		close(listen_fd);
		snprintf(why, why_cap, "cannot start the HTTP daemon on %s:%u", s->listen, s->port);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(*daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : s->port;
	app->port = *port;
	return 0;
}

void http_stop(server_app *app, struct MHD_Daemon *daemon, int drain_ms)
{
	MHD_socket listener = MHD_quiesce_daemon(daemon);
	journal_wait_stop(app->journal_wait); /* waits and event streams end now */
	/* delays and hangs end now, so that their requests can finish */
	clock_end_pauses();
	/* quiesce hands the listening socket back. Shutting it down takes it out
	 * of LISTEN, so new connections are refused at once rather than left in
	 * the backlog; it is closed only after MHD_stop_daemon, as MHD requires */
	if (listener != MHD_INVALID_SOCKET)
		shutdown(listener, SHUT_RDWR);
	int64_t deadline = clock_now_ms() + drain_ms;
	struct timespec pause = {0, 5 * 1000 * 1000};
	while (atomic_load(&app->in_flight) > 0 && clock_now_ms() < deadline)
		nanosleep(&pause, NULL);
	if (atomic_load(&app->in_flight) > 0)
		log_write(LOG_WARN, "stopping with %d requests still in flight",
			  atomic_load(&app->in_flight));
	MHD_stop_daemon(daemon);
	if (listener != MHD_INVALID_SOCKET)
		close(listener);
}
