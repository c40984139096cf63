/*
 * envelope.c — build the OMS envelope; cJSON keeps insertion order, so the
 * order of the Add calls below is the wire order (envelope_success writes
 * the same order as literal text).
 */
#include "envelope.h"

#include <stdlib.h>
#include <string.h>

#include "../store/json.h"

static char *finish(cJSON *root)
{
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	return text;
}

/*
 * The success envelope, every acknowledged operation's answer, is written
 * directly rather than built as a tree and printed, which was a third of
 * the daemon's own work per request outside the store. The text is byte for byte what
 * cJSON_PrintUnformatted gives for the same object, escapes included (tests/unit_envelope.c).
 */
char *envelope_success(const char *result)
{
	static const char head[] = "{\"errCode\":null,\"errMsg\":null,\"errorDetail\":null,"
				   "\"isSuccess\":true,\"result\":\"";
	static const char tail[] = "\",\"retryable\":null}";
	size_t len = strlen(result);
	char *text = malloc(sizeof head - 1 + JSON_ESCAPED_MAX(len) + sizeof tail);
	if (!text)
		return NULL;
	char *out = text;
	memcpy(out, head, sizeof head - 1);
	out += sizeof head - 1;
	out += json_escape(result, len, out);
	memcpy(out, tail, sizeof tail);
	return text;
}

char *envelope_error(const envelope_failure *failure)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "errCode", failure->code);
	cJSON_AddStringToObject(root, "errMsg", failure->message);
	if (failure->detail_null) {
		cJSON_AddNullToObject(root, "errorDetail");
		cJSON_AddFalseToObject(root, "isSuccess");
		cJSON_AddNullToObject(root, "result");
		cJSON_AddBoolToObject(root, "retryable", failure->retryable);
		return finish(root);
	}
	cJSON *detail = cJSON_AddObjectToObject(root, "errorDetail");
	cJSON_AddStringToObject(detail, "code", failure->code);
	cJSON_AddStringToObject(detail, "level", "ERROR");
	cJSON_AddStringToObject(detail, "message", failure->message);
	cJSON_AddStringToObject(detail, "reason", failure->reason ? failure->reason : "");
	cJSON_AddStringToObject(detail, "proposal", failure->proposal ? failure->proposal : "");
	cJSON_AddItemToObject(detail, "extraContext",
			      failure->extra ? cJSON_Duplicate(failure->extra, 1)
					     : cJSON_CreateObject());
	cJSON_AddFalseToObject(root, "isSuccess");
	cJSON_AddNullToObject(root, "result");
	cJSON_AddBoolToObject(root, "retryable", failure->retryable);
	return finish(root);
}
