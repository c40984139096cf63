/*
 * http.h — libmicrohttpd glue: one request in, one JSON answer out.
 *
 * The daemon runs one MHD thread per connection. For each request it accumulates the
 * body up to the configured cap (a larger body is judged from its
 * Content-Length before it is read, or discarded past the cap when it is
 * chunked), then hands an `http_request` to the route that owns the path and
 * sends back the `http_response` it returns. Routes are rows of a table in
 * http.c; they own no MHD state.
 */
#ifndef CONNECTOR_MOCK_HTTP_H
#define CONNECTOR_MOCK_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "params.h"
#include "response.h"
#include "settings.h"

struct MHD_Daemon;

struct namespace_registry;
struct metrics;
struct journal_wait;
struct access_note;
struct statedir_record;
struct journal_wait;

/* What every route may use; lives as long as the daemon. */
typedef struct {
	const settings *settings;
	task_store *store;
	struct namespace_registry *namespaces; /* clocks and faults */
	struct metrics *metrics;
	struct journal_wait *journal_wait; /* waiters on the journal (journal_wait.h) */
	double start_time;		   /* unix seconds */
	unsigned port; /* the bound port (set by http_start; --port 0 picks one) */
	int http_status_by_error[ERR__COUNT];
	atomic_int in_flight; /* requests between their first byte and their answer */
	int listen_fd;	      /* with has_listen_fd: bound by main (listener.h) */
	bool has_listen_fd;
	struct statedir_record *created; /* what app_open created, for app_discard */
} server_app;

typedef struct {
	server_app *app;
	const char *method;
	/* Every route is also served under /ns/{name}/...: `ns` is that name,
	 * or "default"; `path` is what follows the prefix. */
	char ns[STORE_NAMESPACE_MAX + 1];
	const char *path;	  /* decoded path, without the query (and /ns/{name}) */
	const params *query;	  /* decoded query parameters, validated */
	const char *query_error;  /* non-NULL: a parameter was refused (why) */
	const char *content_type; /* NULL when absent */
	const char *authorization;
	const char *if_none_match; /* NULL when absent (the dashboard's files) */
	const char *host;	   /* the Host header, as sent (NULL when absent) */
	const char *last_event_id; /* the Last-Event-ID header (SSE), or NULL */
	const char *body;	   /* NULL or `body_len` bytes, NUL-terminated */
	size_t body_len;
	bool body_too_large;	  /* the body passed --max-body and was not kept */
	char client[64];	  /* the peer's address */
	int64_t now_ms;		  /* the namespace's clock */
	int64_t started_ns;	  /* monotonic, for the duration metrics */
	struct access_note *note; /* what a route adds to the access log line */
	/* a request header by name (without case), NULL when absent; called
	 * with header_ctx */
	const char *(*header)(void *ctx, const char *name);
	void *header_ctx;
	int client_fd; /* the connection's socket (to see the peer go), or -1 */
} http_request;

/* Starts the daemon on app->listen_fd (when has_listen_fd; the daemon then
 * owns it), or on a socket it binds itself. Returns 0 with `*daemon` and the
 * bound `*port`, or -1 with a sentence in `why`. */
int http_start(server_app *app, struct MHD_Daemon **daemon, unsigned *port, char *why,
	       size_t why_cap);

/*
 * Stops accepting connections, waits up to `drain_ms` for requests in
 * flight to be answered, then stops the daemon.
 */
void http_stop(server_app *app, struct MHD_Daemon *daemon, int drain_ms);
#endif
