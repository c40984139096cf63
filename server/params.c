/*
 * params.c — parameter lists, form decoding and Spring's booleans.
 */
#define _POSIX_C_SOURCE 200809L
#include "params.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/text.h"

void params_init(params *list) { *list = (params){0}; }

void params_free(params *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].value);
	}
	free(list->items);
	params_init(list);
}

static char *copy_text(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

int params_add(params *list, const char *name, size_t name_len, const char *value, size_t value_len,
	       char *why, size_t why_cap)
{
	if (list->count >= PARAMS_COUNT_MAX) {
		snprintf(why, why_cap, "the request has more than %d parameters", PARAMS_COUNT_MAX);
		return -1;
	}
	if (name_len == 0 || name_len > PARAMS_NAME_MAX || !text_utf8_valid(name, name_len) ||
	    text_has_nul(name, name_len)) {
		snprintf(why, why_cap, "a parameter name is empty, too long or not UTF-8 text");
		return -1;
	}
	/* `name` need not be NUL-terminated: print exactly its bytes */
	int shown = (int)(name_len < 64 ? name_len : 64);
	if (value_len > PARAMS_VALUE_MAX) {
		snprintf(why, why_cap, "parameter %.*s is longer than %d bytes", shown, name,
			 PARAMS_VALUE_MAX);
		return -1;
	}
	if (text_has_nul(value, value_len)) {
		snprintf(why, why_cap, "parameter %.*s holds a NUL byte", shown, name);
		return -1;
	}
	if (!text_utf8_valid(value, value_len)) {
		snprintf(why, why_cap, "parameter %.*s is not valid UTF-8", shown, name);
		return -1;
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		param *grown = realloc(list->items, cap * sizeof *grown);
		if (!grown) {
			snprintf(why, why_cap, "out of memory");
			return -1;
		}
		list->items = grown;
		list->cap = cap;
	}
	param item = {copy_text(name, name_len), copy_text(value, value_len)};
	if (!item.name || !item.value) {
		free(item.name);
		free(item.value);
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	list->items[list->count++] = item;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' in place of a copy; returns the decoded length, or
 * (size_t)-1 for a malformed escape. `out` holds at least `len` bytes. */
static size_t form_decode(const char *in, size_t len, char *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '+') {
			out[n++] = ' ';
		} else if (in[i] == '%') {
			int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
			int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return (size_t)-1;
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[n++] = in[i];
		}
	}
	return n;
}

int params_parse_form(params *list, const char *body, size_t len, char *why, size_t why_cap)
{
	size_t start = 0;
	while (start <= len) {
		const char *amp = memchr(body + start, '&', len - start);
		size_t end = amp ? (size_t)(amp - body) : len;
		size_t pair_len = end - start;
		if (pair_len > 0) {
			const char *pair = body + start;
			const char *eq = memchr(pair, '=', pair_len);
			size_t name_len = eq ? (size_t)(eq - pair) : pair_len;
			size_t value_len = eq ? pair_len - name_len - 1 : 0;
			char *name = malloc(name_len + 1);
			char *value = malloc(value_len + 1);
			size_t decoded_name = name ? form_decode(pair, name_len, name) : (size_t)-1;
			size_t decoded_value =
				value ? form_decode(eq ? eq + 1 : pair, value_len, value)
				      : (size_t)-1;
			int rc = 0;
			if (decoded_name == (size_t)-1 || decoded_value == (size_t)-1) {
				snprintf(why, why_cap, "the form body holds a malformed %%-escape");
				rc = -1;
			} else {
				rc = params_add(list, name, decoded_name, value, decoded_value, why,
						why_cap);
			}
			free(name);
			free(value);
			if (rc < 0)
				return -1;
		}
		if (!amp)
			break;
		start = end + 1;
	}
	return 0;
}

int params_single(const params *list, const char *name, const char **value)
{
	*value = NULL;
	int seen = 0;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].name, name) == 0) {
			if (seen++)
				return -1;
			*value = list->items[i].value;
		}
	return seen;
}

size_t params_all(const params *list, const char *name, const char **values, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].name, name) == 0) {
			if (n < max)
				values[n] = list->items[i].value;
			n++;
		}
	return n;
}

int params_bool(const char *value, bool fallback, bool *out)
{
	if (!value || !*value) {
		*out = fallback;
		return 0;
	}
	static const char *const yes[] = {"true", "on", "yes", "1"};
	static const char *const no[] = {"false", "off", "no", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

char *params_to_json(const params *list)
{
	cJSON *object = cJSON_CreateObject();
	for (size_t i = 0; object && i < list->count; i++) {
		const param *item = &list->items[i];
		cJSON *existing = cJSON_GetObjectItemCaseSensitive(object, item->name);
		cJSON *value = cJSON_CreateString(item->value);
		if (!existing) {
			cJSON_AddItemToObject(object, item->name, value);
		} else if (cJSON_IsArray(existing)) {
			cJSON_AddItemToArray(existing, value);
		} else {
			cJSON *array = cJSON_CreateArray();
			cJSON_AddItemToArray(array, cJSON_Duplicate(existing, 1));
			cJSON_AddItemToArray(array, value);
			cJSON_ReplaceItemInObjectCaseSensitive(object, item->name, array);
		}
	}
	char *text = object ? cJSON_PrintUnformatted(object) : NULL;
	cJSON_Delete(object);
	return text;
}
