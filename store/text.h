/*
 * text.h — bounded text buffers and UTF-8 checks.
 *
 * A `textbuf` grows on demand but never past the maximum given to
 * `textbuf_init` (curl's rule: every growable buffer has a cap). Once an
 * append would pass the cap, the buffer is marked `overflow`, keeps what it
 * had, and refuses every later append, so a caller may append many times and
 * check once. The data is always NUL-terminated when `len > 0`.
 */
#ifndef CONNECTOR_MOCK_TEXT_H
#define CONNECTOR_MOCK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *data;    /* owned; NULL until the first append */
	size_t len;    /* bytes used, without the NUL */
	size_t cap;    /* bytes allocated */
	size_t max;    /* the cap on len */
	bool overflow; /* an append was refused (too large, or out of memory) */
} textbuf;

void textbuf_init(textbuf *buf, size_t max);

/* Appends `len` bytes. Returns 0, or -1 (and sets `overflow`) when the cap
 * would be passed or memory ran out; the buffer then keeps what it had. */
int textbuf_append(textbuf *buf, const void *data, size_t len);
int textbuf_puts(textbuf *buf, const char *text);
int textbuf_printf(textbuf *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The NUL-terminated contents ("" when empty). Owned by the buffer. */
const char *textbuf_str(const textbuf *buf);

/* Hands the data to the caller (free() it; never NULL unless out of
 * memory) and leaves the buffer empty. */
char *textbuf_detach(textbuf *buf);

void textbuf_free(textbuf *buf);

/* Writes a sentence into `why` (when there is one) and returns -1: the one
 * way a parser here says why it refused. */
int text_fail(char *why, size_t why_cap, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Whether `len` bytes are well-formed UTF-8 (no overlongs, no surrogates,
 * nothing past U+10FFFF). NUL bytes are valid UTF-8; callers that forbid
 * them check with `text_has_nul`. */
bool text_utf8_valid(const char *text, size_t len);
bool text_has_nul(const char *text, size_t len);

/* The one IPv4 check: four decimal parts of 0..255 without leading zeros,
 * joined by dots ("10.0.0.1"; not "010.0.0.1", "1.2.3", " 1.2.3.4"). */
bool text_ipv4_valid(const char *text, size_t len);

/* Compares two strings in time that depends only on their lengths. */
bool text_equal_constant_time(const char *a, const char *b);

#endif
