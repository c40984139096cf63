/*
 * raw.h — what the suites need below libcurl: bytes written to the
 * daemon's socket as they are (malformed framing, smuggling attempts), and
 * the binary run by hand to see how it refuses to start.
 *
 * Helpers whose comment says "asserts" end the test with a Check failure.
 */
#ifndef CONNECTOR_MOCK_TEST_RAW_H
#define CONNECTOR_MOCK_TEST_RAW_H

#include <stddef.h>
#include <sys/types.h>

#include "support.h"

/* A connected TCP socket to the daemon; asserts. */
int raw_connect(const test_daemon *daemon);

/* Writes `len` bytes; asserts that they were all sent. */
void raw_send(int fd, const char *bytes, size_t len);

/*
 * Reads into `buf` (NUL-terminated, `cap` bytes) until the peer closes the
 * connection or `timeout_ms` passes. Returns the bytes read; `*closed` says
 * whether the peer closed.
 */
size_t raw_read(int fd, char *buf, size_t cap, int timeout_ms, bool *closed);

/*
 * Opens a connection, sends `len` bytes, and reads what comes back until
 * the daemon closes the connection (or 3 s pass, then `*closed` is false).
 * `buf` gets the answer text.
 */
size_t raw_exchange(const test_daemon *daemon, const char *bytes, size_t len, char *buf, size_t cap,
		    bool *closed);

/* How many HTTP responses (status lines) `text` holds. */
int raw_count_responses(const char *text);

typedef struct {
	int status; /* the exit status; -1 a signal; -2 it did not end in time */
	char out[8192];
	char err[8192];
} raw_run_result;

/* Runs the daemon binary with `args` (NULL-terminated), collecting stdout
 * and stderr, for at most `timeout_ms`; kills it past that. Asserts only
 * that it could be started. */
void raw_run_binary(const char *const *args, int timeout_ms, raw_run_result *result);

#endif
