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
#include "settings.h"

struct MHD_Daemon;

struct namespace_registry;
struct metrics;

/* What every route may use; lives as long as the daemon. */
typedef struct {
	const settings *settings;
	task_store *store;
	struct namespace_registry *namespaces; /* clocks and faults */
	struct metrics *metrics;
	double start_time; /* unix seconds */
	int http_status_by_error[ERR__COUNT];
	atomic_int in_flight; /* requests between their first byte and their answer */
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
	const char *body; /* NULL or `body_len` bytes, NUL-terminated */
	size_t body_len;
	bool body_too_large; /* the body passed --max-body and was not kept */
	char client[64];     /* the peer's address */
	int64_t now_ms;	     /* the namespace's clock */
	int64_t started_ns;  /* monotonic, for the duration metrics */
} http_request;

/*
 * Waits `ms` milliseconds on the calling connection's thread (a delay or
 * hang fault), or less when the daemon starts to stop. Each connection has
 * its own thread, so nobody else waits.
 */
void http_pause(int64_t ms);

typedef struct http_response {
	unsigned status;
	char *body;		  /* owned JSON text; freed by the glue */
	char allow[64];		  /* the Allow header of a 405, or "" */
	const char *content_type; /* NULL: application/json */
	bool raw;		  /* `body` is not JSON (an injected status answer) */
	bool drop;		  /* close the connection without an answer */
	bool authenticate;	  /* add WWW-Authenticate: Bearer (a 401) */
	bool close;		  /* add Connection: close (the connection ends) */
} http_response;

/* Starts the daemon. Returns 0 with `*daemon` and the bound `*port`, or -1
 * with a sentence in `why`. */
int http_start(server_app *app, struct MHD_Daemon **daemon, unsigned *port, char *why,
	       size_t why_cap);

/*
 * Stops accepting connections, waits up to `drain_ms` for requests in
 * flight to be answered, then stops the daemon.
 */
void http_stop(server_app *app, struct MHD_Daemon *daemon, int drain_ms);

/* The current time, unix milliseconds (the real clock; a namespace's own
 * clock is namespaces_now). */
int64_t http_now_ms(void);

/* A monotonic clock in nanoseconds, for durations. */
int64_t http_monotonic_ns(void);

/* A plain-JSON answer {"error": code, "message": message} of the control API
 * and of HTTP-level refusals outside the OMS routes. */
http_response http_plain_error(unsigned status, const char *code, const char *message);

#endif
