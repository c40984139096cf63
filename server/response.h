/*
 * response.h — what a route answers: the status, the body, and the few
 * headers a route may ask for. http.c sends it and frees the body.
 */
#ifndef CONNECTOR_MOCK_RESPONSE_H
#define CONNECTOR_MOCK_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A streamed answer (Server-Sent Events): the body comes from `read`, with
 * libmicrohttpd's content-reader contract (bytes written into `buf`, at
 * most `max`; MHD_CONTENT_READER_END_OF_STREAM or _END_WITH_ERROR to end;
 * never 0). It runs on the connection's own thread and may block there.
 * `free(ctx)` is called once when the answer ends, however it ends.
 */
typedef struct {
	ssize_t (*read)(void *ctx, uint64_t pos, char *buf, size_t max);
	void (*free)(void *ctx);
	void *ctx;
} http_stream;

/* How an answer goes on the socket: as HTTP, or as a socket-level fault
 * does it (faults.h: reset, partial, slow, garbage). */
typedef enum {
	SOCKET_NORMAL,
	SOCKET_RESET,	/* close with a TCP RST, nothing written */
	SOCKET_PARTIAL, /* the full Content-Length, `socket_bytes` of the body */
	SOCKET_SLOW,	/* the body at `socket_bytes` bytes per second */
	SOCKET_GARBAGE, /* `body` written raw, then close */
} socket_action;

typedef struct http_response {
	unsigned status;
	char *body;		  /* owned JSON text; freed by the glue */
	char allow[64];		  /* the Allow header of a 405, or "" */
	const char *content_type; /* NULL: application/json */
	bool raw;		  /* `body` is not JSON (an injected status answer) */
	bool drop;		  /* close the connection without an answer */
	bool authenticate;	  /* add WWW-Authenticate: Bearer (a 401) */
	bool close;		  /* add Connection: close (the connection ends) */
	/* NULL, or static name, value, name, value..., NULL: more headers */
	const char *const *headers;
	socket_action socket;
	int64_t socket_bytes;
	const char *socket_kind; /* the fault type's name, for the journal */
	/* the journal entry of this request (0: none), whose delivery http.c
	 * records once the answer is out; `op` its operation for the metrics;
	 * `undelivered`: whatever the socket says, the operation's answer did
	 * not reach the client (a lost_ack, a fault in its place) */
	int64_t journal_id;
	int op;
	bool undelivered;
	char etag[32];	    /* "" or the ETag header's value */
	http_stream stream; /* `read` not NULL: streamed, `body` unused */
} http_response;

/* A plain-JSON answer {"error": code, "message": message} of the control API
 * and of HTTP-level refusals outside the OMS routes. The body is NULL when
 * out of memory (http.c then answers 500). */
http_response http_plain_error(unsigned status, const char *code, const char *message);

#endif
