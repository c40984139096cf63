/*
 * envelope.c — build the OMS envelope; cJSON keeps insertion order, so the
 * order of the Add calls below is the wire order.
 */
#include "envelope.h"

static char *finish(cJSON *root)
{
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	return text;
}

char *envelope_success(const char *result)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNullToObject(root, "errCode");
	cJSON_AddNullToObject(root, "errMsg");
	cJSON_AddNullToObject(root, "errorDetail");
	cJSON_AddTrueToObject(root, "isSuccess");
	cJSON_AddStringToObject(root, "result", result);
	cJSON_AddNullToObject(root, "retryable");
	return finish(root);
}

char *envelope_error(const envelope_failure *failure)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "errCode", failure->code);
	cJSON_AddStringToObject(root, "errMsg", failure->message);
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
