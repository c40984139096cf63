/*
 * framing.c — strict request framing over libmicrohttpd (see framing.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "framing.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "envelope.h"
#include "routes.h"

/* The connection this thread serves, while a request is read and not yet
 * answered by the handler; -1 otherwise. */
static _Thread_local int current_fd = -1;
static _Thread_local bool current_control; /* the target is under /_mock/ */
/* After a JSON answer in place of the library's: the client's socket, kept
 * until the request is over, and the far end of the decoy the library
 * writes its own answer to. -1 when none. */
static _Thread_local int answered_fd = -1, decoy_peer = -1;

/* Whether the path of a raw target (up to '?') addresses the control API,
 * directly or under /ns/{name}/, in origin or absolute form. */
static bool targets_control(const char *target, size_t path_len)
{
	static const char control[] = "/_mock";
	for (size_t i = 0; i + sizeof control - 1 <= path_len; i++)
		if (memcmp(target + i, control, sizeof control - 1) == 0 &&
		    (i + sizeof control - 1 == path_len || target[i + sizeof control - 1] == '/'))
			return true;
	return false;
}

bool framing_enter(struct MHD_Connection *connection, const char *raw_target)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	current_fd = info ? info->connect_fd : -1;
	size_t path_len = strcspn(raw_target, "?");
	current_control = targets_control(raw_target, path_len);
	/* decoded, these would change what the path names: a NUL ends it, a
	 * '/' splits a segment, a control byte is in no route */
	for (size_t i = 0; i + 3 <= path_len; i++) {
		if (raw_target[i] != '%')
			continue;
		char hex[3] = {raw_target[i + 1], raw_target[i + 2], '\0'};
		char *end;
		unsigned long byte = strtoul(hex, &end, 16);
		if (*end == '\0' && hex[0] != '+' && hex[0] != '-' && hex[0] != ' ' &&
		    (byte < 0x20 || byte == 0x7f || byte == '/'))
			return true;
	}
	return false;
}

void framing_answered(void) { current_fd = -1; }

bool framing_decoy_active(void) { return answered_fd >= 0; }

void framing_leave(void)
{
	current_fd = -1;
	if (answered_fd >= 0) {
		shutdown(answered_fd, SHUT_WR);
		close(answered_fd);
	}
	if (decoy_peer >= 0)
		close(decoy_peer);
	answered_fd = decoy_peer = -1;
}

/* RFC 9110 5.6.2: tchar */
static bool is_token(const char *text, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", c)))
			return false;
	}
	return true;
}

typedef struct {
	int content_lengths, transfer_encodings;
	const char *content_length, *transfer_encoding;
	const char *bad;       /* why, once something is refused */
	const char *value_end; /* just past the previous header's value */
} header_scan;

/* A value that MHD cut at a NUL byte: its line goes on after the NUL. The
 * library writes NULs over the line's CR and LF, so a value is followed by
 * NUL NUL (CRLF), or by one NUL and the next header's name (bare LF). */
static bool value_was_cut(const header_scan *scan, const char *next_key)
{
	if (!scan->value_end)
		return false;
	return scan->value_end[1] != '\0' && scan->value_end + 1 != next_key;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	header_scan *scan = cls;
	if (value_was_cut(scan, key))
		scan->bad = "a header value holds a NUL byte";
	else if (!is_token(key, key_size))
		scan->bad = "a header name holds a character outside RFC 9110's token "
			    "(e.g. a space before the colon)";
	if (scan->bad)
		return MHD_NO;
	scan->value_end = value ? value + value_size : NULL;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		scan->content_lengths++;
		scan->content_length = value;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		scan->transfer_encodings++;
		scan->transfer_encoding = value;
	}
	return MHD_YES;
}

static int refuse(framing_refusal *refusal, unsigned status, const char *message)
{
	refusal->status = status;
	refusal->code = status == MHD_HTTP_NOT_IMPLEMENTED ? "NOT_IMPLEMENTED" : "BAD_REQUEST";
	refusal->message = message;
	return -1;
}

int framing_check(struct MHD_Connection *connection, framing_refusal *refusal)
{
	header_scan scan = {0};
	MHD_get_connection_values_n(connection, MHD_HEADER_KIND, scan_header, &scan);
	/* the last value: what follows it is the blank line */
	if (!scan.bad && value_was_cut(&scan, NULL))
		scan.bad = "a header value holds a NUL byte";
	if (scan.bad)
		return refuse(refusal, MHD_HTTP_BAD_REQUEST, scan.bad);
	if (scan.content_lengths > 1)
		return refuse(refusal, MHD_HTTP_BAD_REQUEST,
			      "the request has more than one Content-Length header");
	if (scan.content_lengths && scan.transfer_encodings)
		return refuse(refusal, MHD_HTTP_BAD_REQUEST,
			      "the request has both Content-Length and Transfer-Encoding");
	if (scan.transfer_encodings > 1)
		return refuse(refusal, MHD_HTTP_BAD_REQUEST,
			      "the request has more than one Transfer-Encoding header");
	if (scan.transfer_encodings && strcasecmp(scan.transfer_encoding, "chunked") != 0)
		return refuse(refusal, MHD_HTTP_NOT_IMPLEMENTED,
			      "the only transfer coding accepted is exactly \"chunked\"");
	if (scan.content_lengths) {
		const char *c = scan.content_length;
		size_t digits = strspn(c, "0123456789");
		if (digits == 0 || c[digits] != '\0' || digits > 19)
			return refuse(refusal, MHD_HTTP_BAD_REQUEST,
				      "Content-Length is not a decimal number of bytes");
	}
	return 0;
}

const char *framing_origin_form(const char *target)
{
	if (target[0] == '/')
		return target;
	size_t scheme = strncasecmp(target, "http://", 7) == 0	  ? 7
			: strncasecmp(target, "https://", 8) == 0 ? 8
								  : 0;
	if (!scheme || target[scheme] == '\0' || target[scheme] == '/')
		return NULL; /* no authority */
	const char *path = strchr(target + scheme, '/');
	return path ? path : "/";
}

static const char *library_code(unsigned status)
{
	switch (status) {
	case MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
		return "HEADERS_TOO_LARGE";
	case MHD_HTTP_URI_TOO_LONG:
		return "URI_TOO_LONG";
	case MHD_HTTP_CONTENT_TOO_LARGE:
		return "PAYLOAD_TOO_LARGE";
	case MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED:
		return "HTTP_VERSION_NOT_SUPPORTED";
	default:
		return "BAD_REQUEST";
	}
}

/* The library's answers, by status, in words a client can act on. */
static const char *library_message(unsigned status)
{
	switch (status) {
	case MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
		return "the request's headers are larger than the server accepts";
	case MHD_HTTP_URI_TOO_LONG:
		return "the request target is longer than the server accepts";
	case MHD_HTTP_CONTENT_TOO_LARGE:
		return "Content-Length or a chunk size is larger than the server accepts";
	case MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED:
		return "the HTTP version is not supported; send HTTP/1.1";
	default:
		return "the request is malformed (its Content-Length, a header line or a chunk "
		       "size)";
	}
}

char *framing_answer_body(const char *code, const char *message)
{
	if (current_control) {
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "error", code);
		cJSON_AddStringToObject(root, "message", message);
		char *text = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		return text;
	}
	envelope_failure failure = {.code = code,
				    .message = message,
				    .reason = message,
				    .proposal = "Send a well-formed HTTP/1.1 request."};
	return envelope_error(&failure);
}

bool framing_library_answer(const char *log_line)
{
	static const char marker[] = "Error processing request (HTTP response code is ";
	const char *at = strstr(log_line, marker);
	if (current_fd < 0 || !at)
		return false;
	unsigned status = (unsigned)strtoul(at + sizeof marker - 1, NULL, 10);
	if (status < 400 || status > 599)
		return false;
	char *body = framing_answer_body(library_code(status), library_message(status));
	if (!body)
		return false;
	char head[256];
	const char *phrase = MHD_get_reason_phrase_for(status);
	int head_len = snprintf(head, sizeof head,
				"HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
				"Content-Length: %zu\r\nConnection: close\r\n\r\n",
				status, phrase ? phrase : "Error", strlen(body));
	/* nothing of this request was sent yet: the library answers before
	 * the handler, and the handler's answer clears current_fd */
	int decoy[2];
	if (answered_fd >= 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, decoy) < 0) {
		free(body);
		return false;
	}
	send(current_fd, head, (size_t)head_len, MSG_NOSIGNAL);
	send(current_fd, body, strlen(body), MSG_NOSIGNAL);
	free(body);
	/* the library goes on with its own answer and its close as usual, on
	 * a decoy put in the socket's place; the client's socket closes when
	 * the library is done with the request (framing_leave), not before:
	 * a daemon stopped while the library still worked on the connection
	 * crashed inside libmicrohttpd 0.9.75 */
	answered_fd = dup(current_fd);
	if (answered_fd < 0 || dup2(decoy[0], current_fd) < 0) {
		close(decoy[1]);
		if (answered_fd >= 0)
			close(answered_fd);
		answered_fd = -1;
		shutdown(current_fd, SHUT_WR); /* the library's answer fails to send */
	} else {
		decoy_peer = decoy[1];
	}
	close(decoy[0]);
	current_fd = -1;
	return true;
}
