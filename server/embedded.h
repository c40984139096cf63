/*
 * embedded.h — files compiled into the binary (tools/embed.c writes the
 * table at build time from the Makefile's EMBEDDED list), so that the daemon
 * runs from any directory with its defaults, fixtures and pages.
 */
#ifndef CONNECTOR_MOCK_EMBEDDED_H
#define CONNECTOR_MOCK_EMBEDDED_H

#include <stddef.h>

typedef struct {
	const char *path; /* as in the source tree, e.g. "fixtures/default.json" */
	const char *data; /* `len` bytes, then a NUL */
	size_t len;
} embedded_file;

/* Every embedded file, then a row whose path is NULL. */
extern const embedded_file embedded_files[];

/* The file embedded under `path`, or NULL when there is none. */
const embedded_file *embedded_find(const char *path);

#endif
