/*
 * fuzz_set.c — connectorctl's --set and --delete parsers (cli/setspec.c).
 *
 * The whole input is tried as a --set and as a --delete argument, without a
 * terminating NUL. Properties:
 *   - neither parser reads past `len` bytes; a refusal says why;
 *   - an accepted --set is SCOPE '.' KEY '=' VALUE, the input exactly, with
 *     the scope before the first '.', the name before the first '=', and
 *     the parts within their limits;
 *   - cli_set_apply puts it into a body whose JSON, parsed back, holds the
 *     value under scope and key, byte for byte;
 *   - an accepted --delete is SCOPE '.' KEY, the input exactly, without ','.
 */
#include <stdbool.h>

#include "../cli/setspec.h"
#include "fuzz_common.h"

static void check_name(const cli_set *s, const char *text)
{
	FUZZ_CHECK(s->scope == text, "the scope does not start the input");
	FUZZ_CHECK(s->scope_len >= 1 && s->scope_len <= CLI_SET_NAME_MAX, "scope of %zu bytes",
		   s->scope_len);
	FUZZ_CHECK(s->key_len >= 1 && s->key_len <= CLI_SET_NAME_MAX, "key of %zu bytes",
		   s->key_len);
	FUZZ_CHECK(memchr(s->scope, '.', s->scope_len) == NULL, "a '.' in the scope");
	FUZZ_CHECK(s->key == text + s->scope_len + 1 && text[s->scope_len] == '.',
		   "the key does not follow the scope's '.'");
}

static char *copy(const char *text, size_t len)
{
	char *out = fuzz_string_copy(text, len);
	return out;
}

static void check_apply(const cli_set *s)
{
	cJSON *body = cJSON_CreateObject();
	char why[512] = "";
	FUZZ_CHECK(cli_set_apply(body, s, 1, why, sizeof why) == 0, "apply refused: %s", why);
	char *json = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	FUZZ_CHECK(json != NULL, "no JSON");
	cJSON *back = cJSON_Parse(json);
	free(json);
	char *scope = copy(s->scope, s->scope_len), *key = copy(s->key, s->key_len);
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(back, scope), key);
	FUZZ_CHECK(cJSON_IsString(value) && strlen(value->valuestring) == s->value_len &&
			   memcmp(value->valuestring, s->value, s->value_len) == 0,
		   "the body does not hold the value under %s.%s", scope, key);
	/* a second apply of the same key is refused */
	FUZZ_CHECK(cli_set_apply(back, s, 1, why, sizeof why) == -1, "a key set twice");
	free(scope);
	free(key);
	cJSON_Delete(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);
	cli_set s;
	char why[512] = "";
	if (cli_set_parse(text, size, &s, why, sizeof why) == 0) {
		check_name(&s, text);
		const char *equals = memchr(text, '=', size);
		FUZZ_CHECK(equals && s.key + s.key_len == equals,
			   "the key does not end at the first '='");
		FUZZ_CHECK(s.value == equals + 1 && s.value + s.value_len == text + size,
			   "the value is not the rest of the input");
		FUZZ_CHECK(s.value_len <= CLI_SET_VALUE_MAX, "value of %zu bytes", s.value_len);
		check_apply(&s);
	} else {
		FUZZ_CHECK(why[0] != '\0', "a --set refused without a reason");
	}
	why[0] = '\0';
	if (cli_delete_parse(text, size, &s, why, sizeof why) == 0) {
		check_name(&s, text);
		FUZZ_CHECK(s.key + s.key_len == text + size,
			   "the key is not the rest of the input");
		FUZZ_CHECK(memchr(text, ',', size) == NULL, "a --delete with ','");
		FUZZ_CHECK(s.value == NULL, "a --delete with a value");
	} else {
		FUZZ_CHECK(why[0] != '\0', "a --delete refused without a reason");
	}
	free(text);
	return 0;
}
