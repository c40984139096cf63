/*
 * sim_routes.c — GET/PUT /_mock/simulation and GET /_mock/events.
 *
 * An event stream is a streamed answer (http.h) whose reader runs on the
 * connection's own thread: it sends the journal's entries after the last
 * one it sent, each as one event whose id is the entry's id (so a client's
 * Last-Event-ID resumes from the journal), and between them sleeps on the
 * journal's waiters (journal_wait.h). Reading the journal advances the
 * namespace's simulation, so with a running clock a simulated transition
 * is sent within a slice of falling due. The stream ends when the daemon
 * stops or the client goes (its socket is polled every slice, so the
 * thread is released within one); a comment every HEARTBEAT_MS keeps
 * proxies and the connection timeout from closing a quiet stream.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim_routes.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/json.h"
#include "../store/store_simulation.h"
#include "../store/text.h"
#include "control_body.h"
#include "journal_wait.h"
#include "namespaces.h"

enum {
	HEARTBEAT_MS = 15000,
	EVENTS_PER_READ = 64,	    /* journal entries fetched at once */
	EVENT_BUFFER_MAX = 8 << 20, /* a batch of events, formatted */
};

static http_response json_answer(unsigned status, cJSON *root)
{
	/* numbers past 2^53 as their exact digits, as every control answer */
	http_response response = {.status = status, .body = json_print_exact(root)};
	cJSON_Delete(root);
	return response;
}

http_response sim_route_get(const http_request *request, const char *unused)
{
	(void)unused;
	cJSON *shown;
	if (store_simulation_get(request->app->store, request->ns, request->now_ms, &shown) !=
	    STORE_OK)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"the storage failed; nothing was changed");
	return json_answer(MHD_HTTP_OK, shown);
}

http_response sim_route_put(const http_request *request, const char *unused)
{
	(void)unused;
	char why[512] = "";
	http_response refusal;
	cJSON *body = control_object_body(request, &refusal); /* the control API's rule */
	if (!body)
		return refusal;
	cJSON *shown = NULL;
	store_status status = store_simulation_put(request->app->store, request->ns, body,
						   request->now_ms, &shown, why, sizeof why);
	cJSON_Delete(body);
	if (status == STORE_INVALID)
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT", why);
	if (status != STORE_OK)
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"the storage failed; nothing was changed");
	journal_wait_signal(request->app->journal_wait); /* tasks may have moved */
	return json_answer(MHD_HTTP_OK, shown);
}

typedef struct {
	server_app *app;
	char ns[STORE_NAMESPACE_MAX + 1];
	int fd;
	int64_t last_id;
	textbuf out;
	size_t sent;
	struct timespec last_write;
} event_stream;

static int64_t since_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* The entries after `after_id` (at most `limit`; the newest one when
 * `newest`), at the namespace's clock. NULL on a storage failure. */
static cJSON *entries_after(server_app *app, const char *ns, int64_t after_id, int64_t limit,
			    bool newest)
{
	store_journal_filter filter = {.success = -1, .limit = limit};
	if (!newest) {
		filter.has_after_id = true;
		filter.after_id = after_id;
	}
	cJSON *entries = NULL;
	if (store_journal(app->store, ns, &filter, namespaces_now(app->namespaces, ns), &entries) !=
	    STORE_OK)
		return NULL;
	return entries;
}

/* Formats the entries as events into the stream's buffer. */
static void format_events(event_stream *stream, const cJSON *entries)
{
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(entry, "id");
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(entry, "op");
		char *data = cJSON_PrintUnformatted(entry);
		if (!cJSON_IsNumber(id) || !data) {
			free(data);
			continue;
		}
		bool simulated = cJSON_IsString(op) && strcmp(op->valuestring, "simulate") == 0;
		/* one line of data: cJSON escapes every newline inside strings */
		textbuf_printf(&stream->out, "id: %lld\nevent: %s\ndata: %s\n\n",
			       (long long)id->valuedouble, simulated ? "simulate" : "operation",
			       data);
		free(data);
		stream->last_id = (int64_t)id->valuedouble;
	}
}

/* Fills the buffer: new entries, else a heartbeat when due. 1 filled, 0
 * nothing yet, -1 failure. */
static int fill(event_stream *stream)
{
	cJSON *entries =
		entries_after(stream->app, stream->ns, stream->last_id, EVENTS_PER_READ, false);
	if (!entries)
		return -1;
	format_events(stream, entries);
	cJSON_Delete(entries);
	if (stream->out.overflow)
		return -1;
	if (stream->out.len == 0 && since_ms(&stream->last_write) >= HEARTBEAT_MS)
		textbuf_puts(&stream->out, ": keepalive\n\n");
	return stream->out.len > 0;
}

static ssize_t read_events(void *ctx, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	event_stream *stream = ctx;
	journal_wait *w = stream->app->journal_wait;
	while (stream->sent >= stream->out.len) {
		textbuf_free(&stream->out);
		textbuf_init(&stream->out, EVENT_BUFFER_MAX);
		stream->sent = 0;
		if (journal_wait_stopping(w))
			return MHD_CONTENT_READER_END_OF_STREAM;
		uint64_t seen = journal_wait_generation(w);
		int filled = fill(stream);
		if (filled < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (filled > 0)
			break;
		if (journal_wait_peer_gone(stream->fd))
			return MHD_CONTENT_READER_END_WITH_ERROR; /* releases this thread */
		journal_wait_sleep(w, seen, JOURNAL_WAIT_SLICE_MS);
	}
	size_t n = stream->out.len - stream->sent;
	if (n > max)
		n = max;
	memcpy(buf, stream->out.data + stream->sent, n);
	stream->sent += n;
	clock_gettime(CLOCK_MONOTONIC, &stream->last_write);
	return (ssize_t)n;
}

static void free_events(void *ctx)
{
	event_stream *stream = ctx;
	journal_wait_stream_close(stream->app->journal_wait);
	textbuf_free(&stream->out);
	free(stream);
}

/* Where the stream starts: after Last-Event-ID (the header, or the query
 * parameter lastEventId for clients that cannot set it), else after the
 * newest entry now. 0, or -1 with a sentence. */
static int starting_id(const http_request *request, int64_t *id, const char **why)
{
	const char *given = request->last_event_id;
	const char *query = NULL;
	if (params_single(request->query, "lastEventId", &query) < 0) {
		*why = "lastEventId may be given once";
		return -1;
	}
	if (query && *query)
		given = query;
	if (given && *given) {
		unsigned long long n;
		if (settings_parse_unsigned(given, 1ULL << 53, &n) < 0) {
			*why = "Last-Event-ID must be a journal id (a whole number)";
			return -1;
		}
		*id = (int64_t)n;
		return 0;
	}
	cJSON *newest = entries_after(request->app, request->ns, 0, 1, true);
	if (!newest) {
		*why = "the storage failed";
		return -1;
	}
	const cJSON *last = cJSON_GetArrayItem(newest, 0);
	const cJSON *last_id = last ? cJSON_GetObjectItemCaseSensitive(last, "id") : NULL;
	*id = cJSON_IsNumber(last_id) ? (int64_t)last_id->valuedouble : 0;
	cJSON_Delete(newest);
	return 0;
}

http_response sim_route_events(const http_request *request, const char *unused)
{
	(void)unused;
	int64_t start = 0;
	const char *why = NULL;
	if (starting_id(request, &start, &why) < 0)
		return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT", why);
	journal_wait *w = request->app->journal_wait;
	if (!journal_wait_stream_open(w))
		return http_plain_error(MHD_HTTP_SERVICE_UNAVAILABLE, "TOO_MANY_STREAMS",
					"too many event streams are open; close one and retry");
	event_stream *stream = calloc(1, sizeof *stream);
	if (!stream) {
		journal_wait_stream_close(w);
		return http_plain_error(MHD_HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
					"out of memory");
	}
	stream->app = request->app;
	snprintf(stream->ns, sizeof stream->ns, "%s", request->ns);
	stream->fd = request->client_fd;
	stream->last_id = start;
	textbuf_init(&stream->out, EVENT_BUFFER_MAX);
	/* sent at once, so the client has the headers before the first event */
	textbuf_puts(&stream->out, "retry: 1000\n\n");
	clock_gettime(CLOCK_MONOTONIC, &stream->last_write);
	http_response response = {
		.status = MHD_HTTP_OK,
		.stream = {.read = read_events, .free = free_events, .ctx = stream}};
	return response;
}
