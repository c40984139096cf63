/*
 * control_body.h — the control API's one rule for request bodies.
 *
 * A body is one JSON object, read strictly (store/json.h: no trailing
 * bytes, no \u0000, no field named twice). A route refuses every field it
 * does not read, and a route that reads no body refuses a body with fields
 * (a blank body and {} pass): a typo is a 400, never silently ignored.
 */
#ifndef CONNECTOR_MOCK_CONTROL_BODY_H
#define CONNECTOR_MOCK_CONTROL_BODY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "http.h"

/* The parsed object (the caller frees it), or NULL with a 400 in
 * `*refusal`. */
cJSON *control_object_body(const http_request *request, http_response *refusal);

/* 0 when every field of `body` is one of `fields[0..count)`; else -1 with
 * a 400 naming the field and the body's `shape` in `*refusal`, and `body`
 * freed. */
int control_refuse_unknown_fields(cJSON *body, const char *const *fields, size_t count,
				  const char *shape, http_response *refusal);

/* For a route that reads no body: true with a 400 in `*refusal` when the
 * request has a body that is not blank or {}. */
bool control_body_refused(const http_request *request, http_response *refusal);

#endif
