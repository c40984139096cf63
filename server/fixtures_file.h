/*
 * fixtures_file.h — read a fixtures file into memory, with a size cap.
 */
#ifndef CONNECTOR_MOCK_FIXTURES_FILE_H
#define CONNECTOR_MOCK_FIXTURES_FILE_H

#include <stddef.h>

#include "../store/limits.h" /* STORE_FIXTURES_FILE_MAX */

/*
 * Reads the whole file at `path` (at most STORE_FIXTURES_FILE_MAX bytes) into a
 * new NUL-terminated buffer `*text` of `*len` bytes; the caller frees it.
 * Returns 0, or -1 with a sentence in `why` and `*text` NULL.
 */
int fixtures_file_read(const char *path, char **text, size_t *len, char *why, size_t why_cap);

#endif
