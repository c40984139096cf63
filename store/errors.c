/*
 * errors.c — names and retryability of the business error codes.
 */
#include "errors.h"

#include <string.h>

static const struct {
	const char *name;
	bool retryable;
} error_table[ERR__COUNT] = {
	[ERR_NONE] = {"", false},
	[ERR_INVALID_ARGUMENT] = {"INVALID_ARGUMENT", false},
	[ERR_TASK_NOT_FOUND] = {"TASK_NOT_FOUND", false},
	[ERR_ILLEGAL_STATE] = {"ILLEGAL_STATE", false},
	[ERR_UNSUPPORTED_OPERATION] = {"UNSUPPORTED_OPERATION", false},
	[ERR_INVALID_CHECKPOINT] = {"INVALID_CHECKPOINT", false},
	[ERR_INTERNAL_ERROR] = {"INTERNAL_ERROR", true},
	[ERR_INJECTED_FAULT] = {"INJECTED_FAULT", false},
};

const char *error_name(error_code code)
{
	if (code < 0 || code >= ERR__COUNT)
		return "INTERNAL_ERROR";
	return error_table[code].name;
}

bool error_retryable(error_code code)
{
	if (code < 0 || code >= ERR__COUNT)
		return true;
	return error_table[code].retryable;
}

error_code error_from_name(const char *name)
{
	for (int code = ERR_INVALID_ARGUMENT; code < ERR__COUNT; code++)
		if (strcmp(error_table[code].name, name) == 0)
			return (error_code)code;
	return ERR__COUNT;
}

bool error_name_valid(const char *text)
{
	size_t len = strlen(text);
	if (len < 1 || len > ERROR_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		bool other = (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
		if (!(letter || (i > 0 && other)))
			return false;
	}
	return true;
}
