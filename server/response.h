/*
 * response.h — what a route answers: the status, the body, and the few
 * headers a route may ask for. http.c sends it and frees the body.
 */
#ifndef CONNECTOR_MOCK_RESPONSE_H
#define CONNECTOR_MOCK_RESPONSE_H

#include <stdbool.h>

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
	char etag[32]; /* "" or the ETag header's value */
} http_response;

/* A plain-JSON answer {"error": code, "message": message} of the control API
 * and of HTTP-level refusals outside the OMS routes. The body is NULL when
 * out of memory (http.c then answers 500). */
http_response http_plain_error(unsigned status, const char *code, const char *message);

#endif
