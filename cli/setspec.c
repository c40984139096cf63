/*
 * setspec.c — --set and --delete. The split is the CM's: the scope is what
 * precedes the first '.', so `source.a.b=1` sets key "a.b" of "source".
 */
#include "setspec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int refuse(char *why, size_t cap, const char *what)
{
	if (why && cap)
		snprintf(why, cap, "%s", what);
	return -1;
}

/* Whether `len` bytes are UTF-8 (shortest forms, no surrogates, no NUL),
 * and, when `names`, hold no control character either. */
static bool text_ok(const char *text, size_t len, bool names)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			if (c == 0 || (names && (c < 0x20 || c == 0x7f)))
				return false;
			p++;
			continue;
		}
		size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (n == 0 || c > 0xf4 || (size_t)(end - p) < n)
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
		    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return false;
		p += n;
	}
	return true;
}

/* scope.key out of the first `len` bytes of `text`. */
static int split_name(const char *text, size_t len, cli_set *out, const char *grammar, char *why,
		      size_t cap)
{
	const char *dot = memchr(text, '.', len);
	if (!dot) {
		if (why && cap)
			snprintf(why, cap, "'%.*s' has no '.': %s", (int)(len > 80 ? 80 : len),
				 text, grammar);
		return -1;
	}
	out->scope = text;
	out->scope_len = (size_t)(dot - text);
	out->key = dot + 1;
	out->key_len = len - out->scope_len - 1;
	if (out->scope_len == 0 || out->key_len == 0)
		return refuse(why, cap, grammar);
	if (out->scope_len > CLI_SET_NAME_MAX || out->key_len > CLI_SET_NAME_MAX)
		return refuse(why, cap, "a scope or key longer than 256 bytes");
	if (!text_ok(out->scope, out->scope_len, true) || !text_ok(out->key, out->key_len, true))
		return refuse(why, cap,
			      "a scope or key that is not UTF-8 text without control "
			      "characters");
	return 0;
}

int cli_set_parse(const char *text, size_t len, cli_set *out, char *why, size_t why_cap)
{
	static const char grammar[] =
		"--set takes scope.key=value (e.g. coordinator.throttleRps=5000)";
	if (len > CLI_SET_NAME_MAX * 2 + 2 + CLI_SET_VALUE_MAX)
		return refuse(why, why_cap,
			      "a --set longer than its limits (names of 256 bytes, a "
			      "value of 65536)");
	const char *equals = memchr(text, '=', len);
	if (!equals)
		return refuse(why, why_cap, "--set without '=': --set takes scope.key=value");
	size_t name_len = (size_t)(equals - text);
	if (split_name(text, name_len, out, grammar, why, why_cap) < 0)
		return -1;
	out->value = equals + 1;
	out->value_len = len - name_len - 1;
	if (out->value_len > CLI_SET_VALUE_MAX)
		return refuse(why, why_cap, "a --set value longer than 65536 bytes");
	if (!text_ok(out->value, out->value_len, false))
		return refuse(why, why_cap, "a --set value that is not UTF-8 text without NUL");
	return 0;
}

int cli_delete_parse(const char *text, size_t len, cli_set *out, char *why, size_t why_cap)
{
	static const char grammar[] = "--delete takes scope.key (e.g. coordinator.throttleIOPS)";
	if (len > CLI_SET_NAME_MAX * 2 + 1)
		return refuse(why, why_cap, "a --delete longer than a scope and key of 256 bytes");
	if (memchr(text, ',', len))
		return refuse(why, why_cap, "a --delete with ',': give one scope.key per --delete");
	if (split_name(text, len, out, grammar, why, why_cap) < 0)
		return -1;
	out->value = NULL;
	out->value_len = 0;
	return 0;
}

/* A NUL-terminated copy of `len` bytes; NULL when out of memory. */
static char *copy(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, text, len);
		out[len] = '\0';
	}
	return out;
}

static int apply_one(cJSON *body, const cli_set *set, char *why, size_t cap)
{
	char *scope = copy(set->scope, set->scope_len);
	char *key = copy(set->key, set->key_len);
	char *value = copy(set->value, set->value_len);
	int rc = -1;
	cJSON *object = scope ? cJSON_GetObjectItemCaseSensitive(body, scope) : NULL;
	if (!scope || !key || !value)
		refuse(why, cap, "out of memory");
	else if (object && !cJSON_IsObject(object))
		refuse(why, cap, "the body's scope is not an object");
	else if (object && cJSON_GetObjectItemCaseSensitive(object, key)) {
		if (why && cap)
			snprintf(why, cap, "%s.%s is set twice", scope, key);
	} else if (!object && !(object = cJSON_AddObjectToObject(body, scope)))
		refuse(why, cap, "out of memory");
	else if (!cJSON_AddStringToObject(object, key, value))
		refuse(why, cap, "out of memory");
	else
		rc = 0;
	free(scope);
	free(key);
	free(value);
	return rc;
}

int cli_set_apply(cJSON *body, const cli_set *sets, size_t count, char *why, size_t why_cap)
{
	if (!cJSON_IsObject(body))
		return refuse(why, why_cap, "the update body must be a JSON object");
	if (count > CLI_SET_ENTRIES_MAX)
		return refuse(why, why_cap, "more than 1024 --set options");
	for (size_t i = 0; i < count; i++)
		if (apply_one(body, &sets[i], why, why_cap) < 0)
			return -1;
	return 0;
}
