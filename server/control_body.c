/*
 * control_body.c — the control API's request bodies (see control_body.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "control_body.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "../store/json.h"

static http_response bad_request(const char *message)
{
	return http_plain_error(MHD_HTTP_BAD_REQUEST, "INVALID_ARGUMENT", message);
}

cJSON *control_object_body(const http_request *request, http_response *refusal)
{
	char why[128];
	cJSON *root = json_parse_body(request->body, request->body_len, why, sizeof why);
	if (root && !cJSON_IsObject(root))
		snprintf(why, sizeof why, "the body must be a JSON object");
	else if (root && json_find_duplicate(root))
		snprintf(why, sizeof why, "the body names a field twice");
	else if (root)
		return root;
	cJSON_Delete(root);
	*refusal = bad_request(why);
	return NULL;
}

int control_refuse_unknown_fields(cJSON *body, const char *const *fields, size_t count,
				  const char *shape, http_response *refusal)
{
	for (const cJSON *field = body->child; field; field = field->next) {
		bool known = false;
		for (size_t i = 0; i < count && !known; i++)
			known = strcmp(field->string, fields[i]) == 0;
		if (!known) {
			char why[256];
			snprintf(why, sizeof why, "unknown field \"%.64s\": the body is %s",
				 field->string, shape);
			cJSON_Delete(body);
			*refusal = bad_request(why);
			return -1;
		}
	}
	return 0;
}

bool control_body_refused(const http_request *request, http_response *refusal)
{
	if (!request->body || json_is_blank(request->body, request->body_len))
		return false;
	cJSON *body = control_object_body(request, refusal);
	if (!body)
		return true;
	if (control_refuse_unknown_fields(body, NULL, 0, "empty: this route takes no body",
					  refusal) < 0)
		return true; /* the body is freed */
	cJSON_Delete(body);
	return false;
}
