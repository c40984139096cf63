/*
 * response.c — the plain-JSON error answer (response.h).
 */
#include "response.h"

#include <cjson/cJSON.h>

http_response http_plain_error(unsigned status, const char *code, const char *message)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "error", code);
	cJSON_AddStringToObject(root, "message", message);
	http_response response = {.status = status, .body = cJSON_PrintUnformatted(root)};
	cJSON_Delete(root);
	return response;
}
