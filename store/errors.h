/*
 * errors.h — the business error codes of the OMS connector API.
 *
 * One enum is shared by the pure rules, the store and the server, so that a
 * code can never be spelt two ways. The table in errors.c gives each code its
 * wire name (the `errCode` string) and whether a client may retry it.
 */
#ifndef CONNECTOR_MOCK_ERRORS_H
#define CONNECTOR_MOCK_ERRORS_H

#include <stdbool.h>

#include "limits.h"

typedef enum {
	ERR_NONE = 0,
	ERR_INVALID_ARGUMENT,
	ERR_TASK_NOT_FOUND,
	ERR_ILLEGAL_STATE,
	ERR_UNSUPPORTED_OPERATION,
	ERR_INVALID_CHECKPOINT,
	ERR_INTERNAL_ERROR,
	ERR_INJECTED_FAULT,
	ERR__COUNT
} error_code;

/* The wire name, e.g. "ILLEGAL_STATE"; "" for ERR_NONE. Never NULL. */
const char *error_name(error_code code);

/* Whether the contract marks this code retryable (only INTERNAL_ERROR). */
bool error_retryable(error_code code);

/* Parses a wire name; returns ERR__COUNT when the name is unknown. */
error_code error_from_name(const char *name);

/*
 * Whether `text` may be answered as an errCode: 1 to ERROR_NAME_MAX bytes of
 * letters, digits, '_', '-' and '.', starting with a letter — the shapes real
 * CM codes take (CM-RESOAT1111, CM-SCHEDULER000003).
 */
bool error_name_valid(const char *text);

#endif
