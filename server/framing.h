/*
 * framing.h — how strictly a request's framing is read, on top of
 * libmicrohttpd 0.9.75, which is lax about it.
 *
 * The library frames the body by the first Content-Length it finds, ignores
 * a header name with a space before its colon, waits for the peer to close
 * on a Transfer-Encoding it does not know, and answers some malformed
 * requests itself in HTML (an invalid Content-Length twice over). A
 * request whose framing two readers could read differently is refused
 * here with 400 and its connection closed, before any of it is applied.
 *
 * Everything here runs on the connection's own thread (one thread per
 * connection); the state it keeps is that thread's.
 */
#ifndef CONNECTOR_MOCK_FRAMING_H
#define CONNECTOR_MOCK_FRAMING_H

#include <stdbool.h>

struct MHD_Connection;

/* The raw request target as sent, before the library decodes it (MHD's
 * URI log callback): remembers the connection as this thread's current
 * one, and returns whether the path holds an encoded byte that would change
 * what it names once decoded: NUL (%00), another control byte, '/' (%2F). */
bool framing_enter(struct MHD_Connection *connection, const char *raw_target);

/* The request is answered (its response queued): the library's own error
 * answers must no longer be rewritten. */
void framing_answered(void);

/* The request is over (MHD's completion callback): also closes what a JSON
 * answer in place of the library's kept open. */
void framing_leave(void);

typedef struct {
	unsigned status;     /* 400, or 501 for a transfer coding other than chunked */
	const char *code;    /* BAD_REQUEST or NOT_IMPLEMENTED */
	const char *message; /* a sentence that names the header */
} framing_refusal;

/* Checks the headers of a request (on the access handler's first call).
 * Returns 0 when its framing is unambiguous, or -1 with `refusal` filled:
 * a repeated or invalid Content-Length, Content-Length with
 * Transfer-Encoding, a transfer coding other than exactly "chunked", a
 * header name that is not an RFC 9110 token (a space before the colon), a
 * NUL byte inside a header value. */
int framing_check(struct MHD_Connection *connection, framing_refusal *refusal);

/*
 * The origin-form path of a request target: `target` itself when it starts
 * with "/", the path of an absolute-form target ("http://host/p" routes as
 * "/p", RFC 9112 3.2.2), NULL for anything else ("*", "?q", "").
 */
const char *framing_origin_form(const char *target);

/* The body of a refusal at the HTTP level for the current request: the
 * OMS envelope, or the control API's {"error","message"} for a target under
 * /_mock/. The caller frees it; NULL when out of memory. */
char *framing_answer_body(const char *code, const char *message);

/* Whether this thread's connection is a decoy now (the library's
 * complaints about it, TCP options on a unix socket, are expected). */
bool framing_decoy_active(void);

/*
 * Called with each of the library's log lines. When the line announces an
 * error answer the library is about to make for the current request (431,
 * 413, 400 for a bad Content-Length, header line or chunk size), writes a
 * JSON answer of the same status on the connection instead, and puts a
 * decoy socket in the connection's place, so that the library's HTML answer
 * never leaves. Returns whether it did.
 */
bool framing_library_answer(const char *log_line);

#endif
