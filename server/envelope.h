/*
 * envelope.h — the OMS answer object, with its keys in OMS's order:
 *
 *   {"errCode","errMsg","errorDetail","isSuccess","result","retryable"}
 *
 * Every answer of the OMS routes, success or failure, is built here. The
 * caller frees the returned text with free(); NULL means out of memory.
 */
#ifndef CONNECTOR_MOCK_ENVELOPE_H
#define CONNECTOR_MOCK_ENVELOPE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* Success: result is the taskName. */
char *envelope_success(const char *result);

typedef struct {
	const char *code;    /* errCode and errorDetail.code */
	const char *message; /* errMsg and errorDetail.message */
	const char *reason;
	const char *proposal;
	bool retryable;
	const cJSON *extra; /* errorDetail.extraContext; NULL gives {} */
	bool detail_null;   /* "errorDetail":null (--error-detail null) */
} envelope_failure;

char *envelope_error(const envelope_failure *failure);

#endif
