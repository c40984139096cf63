/*
 * json.c — a strict front door to cJSON for request bodies.
 */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

bool json_is_blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
			return false;
	return true;
}

/* "\u0000" would end a C string early inside cJSON; find it in the raw text. */
static bool has_escaped_nul(const char *text, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] != '\\')
			continue;
		if (text[i + 1] == 'u' && i + 5 < len && memcmp(text + i + 2, "0000", 4) == 0)
			return true;
		i++; /* skip the escaped character, so "\\u0000" is not one */
	}
	return false;
}

cJSON *json_parse_body(const char *text, size_t len, char *why, size_t why_cap)
{
	const char *problem = NULL;
	if (!text || json_is_blank(text, len))
		problem = "the body is empty";
	else if (!text_utf8_valid(text, len) || text_has_nul(text, len))
		problem = "the body is not valid UTF-8 text";
	else if (has_escaped_nul(text, len))
		problem = "the body holds a \\u0000 escape";
	cJSON *value = NULL;
	if (!problem) {
		const char *end = NULL;
		value = cJSON_ParseWithLengthOpts(text, len, &end, 0);
		if (!value) {
			problem = "the body is not valid JSON";
		} else if (!end || !json_is_blank(end, len - (size_t)(end - text))) {
			cJSON_Delete(value);
			value = NULL;
			problem = "the body holds bytes after its JSON value";
		}
	}
	if (problem && why && why_cap)
		snprintf(why, why_cap, "%s", problem);
	return value;
}

const cJSON *json_find_duplicate(const cJSON *object)
{
	for (const cJSON *a = object ? object->child : NULL; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0)
				return b;
	return NULL;
}
