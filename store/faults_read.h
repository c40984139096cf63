/*
 * faults_read.h — the readers of a POST /_mock/faults body's fields that
 * faults.c builds on: field lists, integers, strings, and what a fault
 * selects (op, taskName, and its scope: a header, a client address, or a
 * control-API method and path prefix). Pure; every reader writes a
 * sentence naming the field into `why` and returns -1 when it refuses.
 */
#ifndef CONNECTOR_MOCK_FAULTS_READ_H
#define CONNECTOR_MOCK_FAULTS_READ_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "faults.h"

#define FAULTS_COUNT(array) (sizeof(array) / sizeof *(array))

/* How many bytes of `text` to echo in a sentence (at most 64, never half a
 * UTF-8 sequence). */
int faults_shown(const char *text);

/* Refuses a field of `object` not in `allowed`, and a repeated field. */
int faults_check_fields(const cJSON *object, const char *where, const char *const *allowed,
			size_t count, char *why, size_t why_cap);

/* An integral number in min..max. */
int faults_read_integer(const cJSON *item, const char *name, int64_t min, int64_t max, int64_t *out,
			char *why, size_t why_cap);

/* A string of min..max bytes of UTF-8. */
int faults_read_string(const cJSON *item, const char *name, size_t min, size_t max,
		       const char **out, char *why, size_t why_cap);

/* "op" and "taskName", and the scope: "header", "client", "method" and
 * "pathPrefix" (a fault with a pathPrefix selects control-API requests
 * only, and has no op or taskName). */
int faults_read_selection(const cJSON *root, fault *f, char *why, size_t why_cap);

#endif
