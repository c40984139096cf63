/*
 * fixtures_file.h — read a fixtures file into memory, with a size cap.
 */
#ifndef CONNECTOR_MOCK_FIXTURES_FILE_H
#define CONNECTOR_MOCK_FIXTURES_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/limits.h" /* STORE_FIXTURES_FILE_MAX */

/* Whether `name` is a built-in set ("default", "demo": the fixtures/NAME.json
 * of the source tree, compiled in) rather than a path. */
bool fixtures_file_is_builtin(const char *name);

/*
 * A built-in set when `path` names one (fixtures_file_is_builtin; a file
 * of that name is reached as ./NAME), else reads the whole file at `path`
 * (at most STORE_FIXTURES_FILE_MAX bytes) into a new NUL-terminated buffer
 * `*text` of `*len` bytes; the caller frees it. Returns 0, or -1 with a
 * sentence in `why` and `*text` NULL.
 */
int fixtures_file_read(const char *path, char **text, size_t *len, char *why, size_t why_cap);

#endif
