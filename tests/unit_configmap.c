/*
 * unit_configmap.c — config maps (docs/behaviour.md §1 "Config", §3 update and
 * pull back): validation, the update body, deleteParams, apply, and the
 * checkpoint of a pull back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/configmap.h"
#include "support.h"

enum { WHY_CAP = 1024 };

/* ---- configmap_validate ------------------------------------------------ */

typedef struct {
	const char *label;
	const char *json; /* parsed with cJSON, which keeps duplicate keys */
	bool valid;
} validate_case;

static const validate_case validate_cases[] = {
	{"empty map", "{}", true},
	{"scopes of strings",
	 "{\"source\":{\"username\":\"u\",\"clients\":\"[{\\\"clientId\\\":\\\"c\\\"}]\"},"
	 "\"sink\":{\"x\":\"\"},\"my_scope\":{\"a.b\":\"1\"}}",
	 true},
	{"empty scope", "{\"source\":{}}", true},
	{"UTF-8 names and values", "{\"s\\u00e9\":{\"cl\\u00e9\":\"\\u4e2d\\u6587\"}}", true},
	{"top-level array", "[]", false},
	{"top-level string", "\"x\"", false},
	{"top-level number", "1", false},
	{"top-level null", "null", false},
	{"scope is a string", "{\"source\":\"x\"}", false},
	{"scope is an array", "{\"source\":[]}", false},
	{"scope is null", "{\"source\":null}", false},
	{"number value", "{\"source\":{\"k\":1}}", false},
	{"boolean value", "{\"source\":{\"k\":true}}", false},
	{"null value", "{\"source\":{\"k\":null}}", false},
	{"object value", "{\"source\":{\"k\":{}}}", false},
	{"array value", "{\"source\":{\"k\":[\"a\"]}}", false},
	{"duplicate scope", "{\"source\":{\"a\":\"1\"},\"source\":{\"b\":\"2\"}}", false},
	{"duplicate key", "{\"source\":{\"a\":\"1\",\"a\":\"2\"}}", false},
	{"empty scope name", "{\"\":{\"a\":\"1\"}}", false},
	{"empty key name", "{\"source\":{\"\":\"1\"}}", false},
};

START_TEST(test_validate_table)
{
	const validate_case *c = &validate_cases[_i];
	cJSON *map = test_parse_json(c->json);
	char why[WHY_CAP] = "";
	int rc = configmap_validate(map, why, sizeof why);
	cJSON_Delete(map);
	if (c->valid) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted", c->label);
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
	}
}
END_TEST

START_TEST(test_validate_null_and_small_why)
{
	char why[WHY_CAP] = "";
	ck_assert_int_eq(configmap_validate(NULL, why, sizeof why), -1);
	ck_assert_str_ne(why, "");
	/* a short buffer is cut, never overrun, and always terminated */
	char tiny[9];
	memset(tiny, 'X', sizeof tiny);
	cJSON *map = test_parse_json("[]");
	ck_assert_int_eq(configmap_validate(map, tiny, 8), -1);
	ck_assert_uint_le(strlen(tiny), 7);
	ck_assert_int_eq(tiny[8], 'X');
	/* no buffer at all */
	ck_assert_int_eq(configmap_validate(map, NULL, 0), -1);
	cJSON_Delete(map);
}
END_TEST

/* A map of `scopes` scopes, each with `keys` keys. */
static cJSON *make_map(int scopes, int keys)
{
	cJSON *map = cJSON_CreateObject();
	for (int s = 0; s < scopes; s++) {
		char name[32];
		snprintf(name, sizeof name, "scope%d", s);
		cJSON *scope = cJSON_AddObjectToObject(map, name);
		for (int k = 0; k < keys; k++) {
			snprintf(name, sizeof name, "key%d", k);
			cJSON_AddStringToObject(scope, name, "v");
		}
	}
	return map;
}

START_TEST(test_validate_limits)
{
	char why[WHY_CAP];
	cJSON *map = make_map(CONFIGMAP_SCOPES_MAX, 1);
	ck_assert_msg(configmap_validate(map, why, sizeof why) == 0, "%d scopes: %s",
		      CONFIGMAP_SCOPES_MAX, why);
	cJSON_AddObjectToObject(map, "one_more");
	why[0] = '\0';
	ck_assert_int_eq(configmap_validate(map, why, sizeof why), -1);
	ck_assert_str_ne(why, "");
	cJSON_Delete(map);

	map = make_map(1, CONFIGMAP_KEYS_MAX);
	ck_assert_msg(configmap_validate(map, why, sizeof why) == 0, "%d keys: %s",
		      CONFIGMAP_KEYS_MAX, why);
	cJSON_AddStringToObject(map->child, "one_more", "v");
	why[0] = '\0';
	ck_assert_int_eq(configmap_validate(map, why, sizeof why), -1);
	ck_assert_str_ne(why, "");
	cJSON_Delete(map);

	/* names of CONFIGMAP_NAME_MAX bytes, then one more */
	char name[CONFIGMAP_NAME_MAX + 2];
	for (int extra = 0; extra <= 1; extra++) {
		memset(name, 'n', sizeof name);
		name[CONFIGMAP_NAME_MAX + extra] = '\0';
		map = cJSON_CreateObject();
		cJSON *scope = cJSON_AddObjectToObject(map, name);
		cJSON_AddStringToObject(scope, "k", "v");
		ck_assert_int_eq(configmap_validate(map, why, sizeof why), extra ? -1 : 0);
		cJSON_Delete(map);

		map = cJSON_CreateObject();
		scope = cJSON_AddObjectToObject(map, "s");
		cJSON_AddStringToObject(scope, name, "v");
		ck_assert_int_eq(configmap_validate(map, why, sizeof why), extra ? -1 : 0);
		cJSON_Delete(map);
	}
}
END_TEST

typedef struct {
	const char *label;
	const char *scope, *key, *value;
} utf8_case;

static const utf8_case bad_utf8_cases[] = {
	{"value 0xFF", "s", "k", "\xff"},
	{"value overlong NUL", "s", "k", "a\xc0\x80"},
	{"value surrogate", "s", "k", "\xed\xa0\x80"},
	{"value truncated", "s", "k", "\xe4\xb8"},
	{"key lone continuation", "s", "\x80k", "v"},
	{"scope past U+10FFFF", "\xf4\x90\x80\x80", "k", "v"},
};

START_TEST(test_validate_invalid_utf8)
{
	const utf8_case *c = &bad_utf8_cases[_i];
	cJSON *map = cJSON_CreateObject();
	cJSON *scope = cJSON_AddObjectToObject(map, c->scope);
	cJSON_AddStringToObject(scope, c->key, c->value);
	char why[WHY_CAP] = "";
	int rc = configmap_validate(map, why, sizeof why);
	cJSON_Delete(map);
	ck_assert_msg(rc == -1, "%s: accepted", c->label);
	ck_assert_msg(why[0] != '\0', "%s: no why", c->label);
}
END_TEST

/* ---- configmap_parse_update -------------------------------------------- */

typedef struct {
	const char *label;
	const char *body;
	size_t len;
	const char *expected; /* the map as JSON, or NULL when refused */
} update_case;

static const update_case update_cases[] = {
	{"strings", LIT("{\"source\":{\"a\":\"x\"},\"sink\":{\"b\":\"\"}}"),
	 "{\"source\":{\"a\":\"x\"},\"sink\":{\"b\":\"\"}}"},
	{"integer", LIT("{\"s\":{\"n\":8}}"), "{\"s\":{\"n\":\"8\"}}"},
	{"zero", LIT("{\"s\":{\"n\":0}}"), "{\"s\":{\"n\":\"0\"}}"},
	{"negative integer", LIT("{\"s\":{\"n\":-3}}"), "{\"s\":{\"n\":\"-3\"}}"},
	{"large integer", LIT("{\"s\":{\"n\":1700000000123}}"),
	 "{\"s\":{\"n\":\"1700000000123\"}}"},
	/* integers a double would round keep their digits as sent */
	{"2^53 + 1", LIT("{\"s\":{\"n\":9007199254740993}}"),
	 "{\"s\":{\"n\":\"9007199254740993\"}}"},
	{"-(2^63) - 1", LIT("{\"s\":{\"n\":-9223372036854775809}}"),
	 "{\"s\":{\"n\":\"-9223372036854775809\"}}"},
	{"30 digits", LIT("{\"s\":{\"n\":123456789012345678901234567890}}"),
	 "{\"s\":{\"n\":\"123456789012345678901234567890\"}}"},
	{"10^21", LIT("{\"s\":{\"n\":1000000000000000000000}}"),
	 "{\"s\":{\"n\":\"1000000000000000000000\"}}"},
	{"a fraction that underflows", LIT("{\"s\":{\"f\":1e-400}}"), "{\"s\":{\"f\":\"1e-400\"}}"},
	{"a subnormal fraction", LIT("{\"s\":{\"f\":4.9e-320}}"), "{\"s\":{\"f\":\"4.9e-320\"}}"},
	{"an exponent that overflows", LIT("{\"s\":{\"f\":1e400}}"), NULL},
	{"fraction of 20 digits", LIT("{\"s\":{\"f\":0.10000000000000000555}}"),
	 "{\"s\":{\"f\":\"0.10000000000000000555\"}}"},
	{"numbers after strings with digits",
	 LIT("{\"s\":{\"a\":\"1 2 \\\"3\",\"b\":9007199254740995,\"c\":true,\"d\":-1}}"),
	 "{\"s\":{\"a\":\"1 2 \\\"3\",\"b\":\"9007199254740995\",\"c\":\"true\",\"d\":\"-1\"}}"},
	{"fraction 0.5", LIT("{\"s\":{\"f\":0.5}}"), "{\"s\":{\"f\":\"0.5\"}}"},
	{"fraction 0.25", LIT("{\"s\":{\"f\":-0.25}}"), "{\"s\":{\"f\":\"-0.25\"}}"},
	{"fraction 0.1", LIT("{\"s\":{\"f\":0.1}}"), "{\"s\":{\"f\":\"0.1\"}}"},
	{"fraction 3.14", LIT("{\"s\":{\"f\":3.14}}"), "{\"s\":{\"f\":\"3.14\"}}"},
	{"true", LIT("{\"s\":{\"b\":true}}"), "{\"s\":{\"b\":\"true\"}}"},
	{"false", LIT("{\"s\":{\"b\":false}}"), "{\"s\":{\"b\":\"false\"}}"},
	{"mixed", LIT("{\"source\":{\"a\":\"x\",\"n\":8,\"t\":true},\"sink\":{\"f\":0.5}}"),
	 "{\"source\":{\"a\":\"x\",\"n\":\"8\",\"t\":\"true\"},\"sink\":{\"f\":\"0.5\"}}"},
	{"nested JSON as a string",
	 LIT("{\"source\":{\"checkpoint\":\"{\\\"t\\\":\\\"1700000000\\\"}\"}}"),
	 "{\"source\":{\"checkpoint\":\"{\\\"t\\\":\\\"1700000000\\\"}\"}}"},
	{"empty scope", LIT("{\"s\":{}}"), "{\"s\":{}}"},
	{"empty body", LIT(""), "{}"},
	{"blank body", LIT("  \t\r\n "), "{}"},
	{"empty object", LIT("{}"), "{}"},
	{"blank around", LIT("\n {\"s\":{\"k\":\"v\"}} \r\n"), "{\"s\":{\"k\":\"v\"}}"},
	{"escaped backslash before u0000", LIT("{\"s\":{\"k\":\"a\\\\u0000b\"}}"),
	 "{\"s\":{\"k\":\"a\\\\u0000b\"}}"},
	{"UTF-8 text", LIT("{\"s\":{\"k\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\"}}"),
	 "{\"s\":{\"k\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\"}}"},
	{"null value", LIT("{\"s\":{\"k\":null}}"), NULL},
	{"array value", LIT("{\"s\":{\"k\":[1]}}"), NULL},
	{"empty array value", LIT("{\"s\":{\"k\":[]}}"), NULL},
	{"object value", LIT("{\"s\":{\"k\":{\"a\":\"b\"}}}"), NULL},
	{"scope is a string", LIT("{\"s\":\"x\"}"), NULL},
	{"scope is a number", LIT("{\"s\":1}"), NULL},
	{"scope is null", LIT("{\"s\":null}"), NULL},
	{"scope is an array", LIT("{\"s\":[]}"), NULL},
	{"duplicate scope", LIT("{\"s\":{\"a\":\"1\"},\"s\":{\"b\":\"2\"}}"), NULL},
	{"duplicate key", LIT("{\"s\":{\"a\":\"1\",\"a\":\"2\"}}"), NULL},
	{"duplicate key after number", LIT("{\"s\":{\"a\":1,\"a\":2}}"), NULL},
	{"empty scope name", LIT("{\"\":{\"a\":\"1\"}}"), NULL},
	{"scope with a dot", LIT("{\"a.b\":{\"k\":\"1\"}}"), NULL},
	{"scope ending in a dot", LIT("{\"a.\":{\"k\":\"1\"}}"), NULL},
	{"key with dots", LIT("{\"s\":{\"a.b.c\":\"1\"}}"), "{\"s\":{\"a.b.c\":\"1\"}}"},
	{"empty key name", LIT("{\"s\":{\"\":\"1\"}}"), NULL},
	{"not JSON", LIT("source.a=1"), NULL},
	{"truncated JSON", LIT("{\"s\":{\"k\":\"v\"}"), NULL},
	{"trailing garbage", LIT("{\"s\":{\"k\":\"v\"}} x"), NULL},
	{"two objects", LIT("{}{}"), NULL},
	{"trailing comma", LIT("{\"s\":{\"k\":\"v\",}}"), NULL},
	{"top-level array", LIT("[{\"s\":{}}]"), NULL},
	{"top-level string", LIT("\"x\""), NULL},
	{"top-level number", LIT("1"), NULL},
	{"top-level null", LIT("null"), NULL},
	{"u0000 in a value", LIT("{\"s\":{\"k\":\"a\\u0000b\"}}"), NULL},
	{"u0000 in a key", LIT("{\"s\":{\"k\\u0000\":\"v\"}}"), NULL},
	{"u0000 in a scope", LIT("{\"\\u0000\":{\"k\":\"v\"}}"), NULL},
	{"escaped backslash then u0000", LIT("{\"s\":{\"k\":\"\\\\\\u0000\"}}"), NULL},
	{"invalid UTF-8 0xFF", LIT("{\"s\":{\"k\":\"\xff\"}}"), NULL},
	{"invalid UTF-8 overlong", LIT("{\"s\":{\"k\":\"\xc0\x80\"}}"), NULL},
	{"invalid UTF-8 surrogate", LIT("{\"s\":{\"k\":\"\xed\xa0\x80\"}}"), NULL},
	{"invalid UTF-8 in a key", LIT("{\"s\":{\"\xe4\xb8\":\"v\"}}"), NULL},
	{"raw NUL in a value", LIT("{\"s\":{\"k\":\"a\0b\"}}"), NULL},
	{"raw NUL after the object", LIT("{\"s\":{}}\0"), NULL},
	{"raw NUL only", LIT("\0"), NULL},
};

START_TEST(test_parse_update_table)
{
	const update_case *c = &update_cases[_i];
	/* copy into an exact-size heap buffer so that no byte past `len` is read */
	char *body = malloc(c->len ? c->len : 1);
	memcpy(body, c->body, c->len);
	cJSON *out = (cJSON *)(uintptr_t)1;
	char why[WHY_CAP] = "";
	int rc = configmap_parse_update(body, c->len, &out, why, sizeof why);
	free(body);
	if (c->expected) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why);
		ck_assert_ptr_nonnull(out);
		/* what comes out is a valid stored map */
		int valid = configmap_validate(out, why, sizeof why);
		test_assert_json_eq_free(out, c->expected, c->label);
		ck_assert_msg(valid == 0, "%s: %s", c->label, why);
	} else {
		char *text = rc == 0 ? cJSON_PrintUnformatted(out) : NULL;
		char shown[512];
		snprintf(shown, sizeof shown, "%s", text ? text : "");
		free(text);
		if (rc == 0)
			cJSON_Delete(out);
		ck_assert_msg(rc == -1, "%s: accepted as %s", c->label, shown);
		ck_assert_msg(out == NULL, "%s: *out not NULL on failure", c->label);
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
	}
}
END_TEST

/* The sentence names the refused entry as scope.key (read before the parsed
 * tree is freed: valgrind reports a use-after-free if it is not). */
static const char *const non_scalar_bodies[] = {
	"{\"source_scope\":{\"user_name_key\":null}}",
	"{\"source_scope\":{\"user_name_key\":[1,2]}}",
	"{\"source_scope\":{\"user_name_key\":{\"a\":\"b\"}}}",
	"{\"source_scope\":{\"ok\":\"1\",\"user_name_key\":null}}",
};

START_TEST(test_parse_update_names_refused_entry)
{
	const char *body = non_scalar_bodies[_i];
	cJSON *out = NULL;
	char why[WHY_CAP] = "";
	int rc = configmap_parse_update(body, strlen(body), &out, why, sizeof why);
	if (rc == 0)
		cJSON_Delete(out);
	ck_assert_msg(rc == -1, "%s: accepted", body);
	ck_assert_msg(strstr(why, "source_scope.user_name_key") != NULL,
		      "%s: the why does not name source_scope.user_name_key: %s", body, why);
}
END_TEST

START_TEST(test_parse_update_null_body)
{
	cJSON *out = NULL;
	char why[WHY_CAP];
	ck_assert_int_eq(configmap_parse_update(NULL, 0, &out, why, sizeof why), 0);
	test_assert_json_eq_free(out, "{}", "NULL body");
}
END_TEST

/* ---- configmap_parse_deletes ------------------------------------------- */

typedef struct {
	const char *label;
	const char *values[4];
	size_t count;
	const char *expected; /* JSON array, or NULL when refused */
} deletes_case;

static const deletes_case deletes_cases[] = {
	{"comma-separated", {"a.b,c.d"}, 1, "[\"a.b\",\"c.d\"]"},
	{"repeated", {"a.b", "c.d"}, 2, "[\"a.b\",\"c.d\"]"},
	{"both", {"a.b,c.d", "e.f"}, 2, "[\"a.b\",\"c.d\",\"e.f\"]"},
	{"none", {NULL}, 0, "[]"},
	{"empty value", {""}, 1, "[]"},
	{"empty values around", {"", "a.b", ""}, 3, "[\"a.b\"]"},
	{"key with dots", {"a.b.c"}, 1, "[\"a.b.c\"]"},
	{"source.checkpoint",
	 {"source.checkpoint,source.clients"},
	 1,
	 "[\"source.checkpoint\",\"source.clients\"]"},
	{"same entry twice", {"a.b", "a.b"}, 2, "[\"a.b\",\"a.b\"]"},
	{"UTF-8", {"s\xc3\xa9.k"}, 1, "[\"s\xc3\xa9.k\"]"},
	{"no dot", {"ab"}, 1, NULL},
	{"no dot after a good one", {"a.b,cd"}, 1, NULL},
	{"no dot in a repeat", {"a.b", "cd"}, 2, NULL},
	{"empty scope", {".key"}, 1, NULL},
	{"empty key", {"scope."}, 1, NULL},
	{"only a dot", {"."}, 1, NULL},
	{"empty scope in a list", {"a.b,.c"}, 1, NULL},
	{"invalid UTF-8", {"a.\xff"}, 1, NULL},
};

START_TEST(test_parse_deletes_table)
{
	const deletes_case *c = &deletes_cases[_i];
	cJSON *out = (cJSON *)(uintptr_t)1;
	char why[WHY_CAP] = "";
	int rc = configmap_parse_deletes(c->values, c->count, &out, why, sizeof why);
	if (c->expected) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why);
		test_assert_json_eq_free(out, c->expected, c->label);
	} else {
		if (rc == 0)
			cJSON_Delete(out);
		ck_assert_msg(rc == -1, "%s: accepted", c->label);
		ck_assert_msg(out == NULL, "%s: *out not NULL on failure", c->label);
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
	}
}
END_TEST

/* "s.k0,s.k1,..." of `count` entries, in a new string. */
static char *delete_list(int first, int count)
{
	size_t cap = (size_t)count * 16 + 1;
	char *text = malloc(cap);
	size_t used = 0;
	text[0] = '\0';
	for (int i = 0; i < count; i++)
		used += (size_t)snprintf(text + used, cap - used, "%ss.k%d", i ? "," : "",
					 first + i);
	return text;
}

START_TEST(test_parse_deletes_limit)
{
	char why[WHY_CAP];
	cJSON *out = NULL;
	char *full = delete_list(0, CONFIGMAP_DELETES_MAX);
	const char *one[] = {full};
	ck_assert_msg(configmap_parse_deletes(one, 1, &out, why, sizeof why) == 0, "%s", why);
	ck_assert_int_eq(cJSON_GetArraySize(out), CONFIGMAP_DELETES_MAX);
	cJSON_Delete(out);
	free(full);

	char *over = delete_list(0, CONFIGMAP_DELETES_MAX + 1);
	one[0] = over;
	out = (cJSON *)(uintptr_t)1;
	why[0] = '\0';
	ck_assert_int_eq(configmap_parse_deletes(one, 1, &out, why, sizeof why), -1);
	ck_assert_ptr_null(out);
	ck_assert_str_ne(why, "");
	free(over);

	/* the limit counts repeats together */
	char *half = delete_list(0, CONFIGMAP_DELETES_MAX / 2);
	char *rest = delete_list(CONFIGMAP_DELETES_MAX / 2, CONFIGMAP_DELETES_MAX / 2 + 1);
	const char *two[] = {half, rest};
	out = (cJSON *)(uintptr_t)1;
	ck_assert_int_eq(configmap_parse_deletes(two, 2, &out, why, sizeof why), -1);
	ck_assert_ptr_null(out);
	free(half);
	free(rest);
}
END_TEST

/* ---- configmap_apply --------------------------------------------------- */

typedef struct {
	const char *label;
	const char *config;
	const char *deletes; /* a JSON array of "scope.key" */
	const char *update;
	const char *expected;
} apply_case;

static const apply_case apply_cases[] = {
	{"merge overwrites and adds", "{\"source\":{\"a\":\"1\",\"b\":\"2\"}}", "[]",
	 "{\"source\":{\"b\":\"3\",\"c\":\"4\"},\"sink\":{\"k\":\"v\"}}",
	 "{\"source\":{\"a\":\"1\",\"b\":\"3\",\"c\":\"4\"},\"sink\":{\"k\":\"v\"}}"},
	{"deletes", "{\"source\":{\"a\":\"1\",\"b\":\"2\"},\"sink\":{\"x\":\"y\",\"z\":\"w\"}}",
	 "[\"source.a\",\"sink.z\"]", "{}", "{\"source\":{\"b\":\"2\"},\"sink\":{\"x\":\"y\"}}"},
	{"deletes before merge", "{\"source\":{\"a\":\"1\"}}", "[\"source.a\"]",
	 "{\"source\":{\"a\":\"new\"}}", "{\"source\":{\"a\":\"new\"}}"},
	{"deleting an absent key is fine", "{\"source\":{\"a\":\"1\"}}",
	 "[\"source.nothing\",\"noscope.a\"]", "{}", "{\"source\":{\"a\":\"1\"}}"},
	{"a scope that becomes empty disappears",
	 "{\"source\":{\"a\":\"1\"},\"sink\":{\"b\":\"2\"}}", "[\"source.a\"]", "{}",
	 "{\"sink\":{\"b\":\"2\"}}"},
	{"every scope emptied", "{\"source\":{\"a\":\"1\"}}", "[\"source.a\"]", "{}", "{}"},
	{"an empty update scope adds nothing", "{\"source\":{\"a\":\"1\"}}", "[]", "{\"sink\":{}}",
	 "{\"source\":{\"a\":\"1\"}}"},
	{"emptied then refilled", "{\"source\":{\"a\":\"1\"}}", "[\"source.a\"]",
	 "{\"source\":{\"b\":\"2\"}}", "{\"source\":{\"b\":\"2\"}}"},
	{"key with dots", "{\"a\":{\"b.c\":\"1\",\"b\":\"2\",\"c\":\"3\"}}", "[\"a.b.c\"]", "{}",
	 "{\"a\":{\"b\":\"2\",\"c\":\"3\"}}"},
	{"scope names are case-sensitive", "{\"source\":{\"a\":\"1\"}}", "[\"Source.a\"]",
	 "{\"SOURCE\":{\"a\":\"2\"}}", "{\"source\":{\"a\":\"1\"},\"SOURCE\":{\"a\":\"2\"}}"},
	{"nothing to do", "{\"source\":{\"a\":\"1\"}}", "[]", "{}", "{\"source\":{\"a\":\"1\"}}"},
	{"into an empty config", "{}", "[\"s.k\"]", "{\"s\":{\"k\":\"v\"}}",
	 "{\"s\":{\"k\":\"v\"}}"},
};

START_TEST(test_apply_table)
{
	const apply_case *c = &apply_cases[_i];
	cJSON *config = test_parse_json(c->config);
	cJSON *deletes = test_parse_json(c->deletes);
	cJSON *update = test_parse_json(c->update);
	char why[WHY_CAP] = "";
	int rc = configmap_apply(config, deletes, update, why, sizeof why);
	cJSON_Delete(deletes);
	cJSON_Delete(update);
	if (rc != 0)
		cJSON_Delete(config);
	ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why);
	test_assert_json_eq_free(config, c->expected, c->label);
}
END_TEST

/* The pieces come from the two parsers, as the store uses them. */
START_TEST(test_apply_from_parsers)
{
	char why[WHY_CAP] = "";
	cJSON *config = test_parse_json(
		"{\"source\":{\"a.b\":\"1\",\"keep\":\"k\"},\"sink\":{\"x\":\"y\"}}");
	const char *values[] = {"source.a.b,sink.x"};
	cJSON *deletes = NULL, *update = NULL;
	int deletes_rc = configmap_parse_deletes(values, 1, &deletes, why, sizeof why);
	static const char body[] = "{\"source\":{\"n\":8,\"on\":true},\"condition\":{\"w\":0.5}}";
	int update_rc = configmap_parse_update(body, strlen(body), &update, why, sizeof why);
	int apply_rc = deletes_rc == 0 && update_rc == 0
			       ? configmap_apply(config, deletes, update, why, sizeof why)
			       : -1;
	int valid = configmap_validate(config, why, sizeof why);
	cJSON_Delete(deletes);
	cJSON_Delete(update);
	if (apply_rc != 0)
		cJSON_Delete(config);
	ck_assert_msg(deletes_rc == 0 && update_rc == 0 && apply_rc == 0,
		      "deletes %d, update %d, apply %d: %s", deletes_rc, update_rc, apply_rc, why);
	test_assert_json_eq_free(config,
				 "{\"source\":{\"keep\":\"k\",\"n\":\"8\",\"on\":\"true\"},"
				 "\"condition\":{\"w\":\"0.5\"}}",
				 "from parsers");
	ck_assert_int_eq(valid, 0);
}
END_TEST

/* Runs configmap_apply on parsed texts and frees everything; returns its
 * rc, and the value of `probe_scope.probe_key` afterwards in `probe`. */
static int apply_texts(cJSON *config, const char *deletes_text, const char *update_text,
		       const char *probe_scope, const char *probe_key, char *probe,
		       size_t probe_cap, int *scopes_after, char *why, size_t why_cap)
{
	cJSON *deletes = test_parse_json(deletes_text);
	cJSON *update = test_parse_json(update_text);
	why[0] = '\0';
	int rc = configmap_apply(config, deletes, update, why, why_cap);
	const char *value = rc == 0 ? configmap_get(config, probe_scope, probe_key) : NULL;
	snprintf(probe, probe_cap, "%s", value ? value : "(absent)");
	*scopes_after = cJSON_GetArraySize(config);
	cJSON_Delete(config);
	cJSON_Delete(deletes);
	cJSON_Delete(update);
	return rc;
}

typedef struct {
	const char *label;
	int scopes, keys; /* the config: make_map(scopes, keys) */
	const char *deletes, *update;
	int rc;
	const char *probe_scope, *probe_key, *probe; /* with rc 0 */
	int scopes_after;			     /* with rc 0 */
} apply_limit_case;

static const apply_limit_case apply_limit_cases[] = {
	{"a 65th scope is refused", CONFIGMAP_SCOPES_MAX, 1, "[]", "{\"new_scope\":{\"k\":\"v\"}}",
	 -1, NULL, NULL, NULL, 0},
	{"a 64th scope is fine", CONFIGMAP_SCOPES_MAX - 1, 1, "[]", "{\"new_scope\":{\"k\":\"v\"}}",
	 0, "new_scope", "k", "v", CONFIGMAP_SCOPES_MAX},
	/* deletes apply first, and an emptied scope is gone: 64 in the end */
	{"room made by a delete", CONFIGMAP_SCOPES_MAX, 1, "[\"scope0.key0\"]",
	 "{\"new_scope\":{\"k\":\"v\"}}", 0, "new_scope", "k", "v", CONFIGMAP_SCOPES_MAX},
	{"a 1025th key is refused", 1, CONFIGMAP_KEYS_MAX, "[]",
	 "{\"scope0\":{\"one_more\":\"v\"}}", -1, NULL, NULL, NULL, 0},
	{"overwriting a key of a full scope", 1, CONFIGMAP_KEYS_MAX, "[]",
	 "{\"scope0\":{\"key0\":\"changed\"}}", 0, "scope0", "key0", "changed", 1},
	{"room made by a key delete", 1, CONFIGMAP_KEYS_MAX, "[\"scope0.key7\"]",
	 "{\"scope0\":{\"one_more\":\"v\"}}", 0, "scope0", "one_more", "v", 1},
};

START_TEST(test_apply_limits)
{
	const apply_limit_case *c = &apply_limit_cases[_i];
	char why[WHY_CAP], probe[64];
	int scopes_after = 0;
	int rc = apply_texts(make_map(c->scopes, c->keys), c->deletes, c->update,
			     c->probe_scope ? c->probe_scope : "", c->probe_key ? c->probe_key : "",
			     probe, sizeof probe, &scopes_after, why, sizeof why);
	ck_assert_msg(rc == c->rc, "%s: rc %d, expected %d (%s)", c->label, rc, c->rc, why);
	if (c->rc == 0) {
		ck_assert_str_eq(probe, c->probe);
		ck_assert_int_eq(scopes_after, c->scopes_after);
	} else {
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
	}
}
END_TEST

/* ---- configmap_apply_text: the same bytes as configmap_apply ---------- */

/*
 * Applies with both functions to `config` (consumed) and checks that the
 * text one answers as the tree one: the same rc, the same sentence, and
 * on success the bytes cJSON_PrintUnformatted gives for the tree.
 */
static void assert_text_apply_matches(cJSON *config, const cJSON *deletes, const cJSON *update,
				      const char *label)
{
	char *stored = cJSON_PrintUnformatted(config);
	ck_assert_ptr_nonnull(stored);
	char tree_why[WHY_CAP] = "", text_why[WHY_CAP] = "";
	int tree_rc = configmap_apply(config, deletes, update, tree_why, sizeof tree_why);
	char *expected = tree_rc == 0 ? cJSON_PrintUnformatted(config) : NULL;
	cJSON_Delete(config);
	char *out = (char *)(uintptr_t)1;
	int text_rc = configmap_apply_text(stored, strlen(stored), deletes, update, &out, text_why,
					   sizeof text_why);
	ck_assert_msg(text_rc == tree_rc, "%s: text rc %d, tree rc %d (%s | %s) on %s", label,
		      text_rc, tree_rc, text_why, tree_why, stored);
	if (tree_rc == 0) {
		ck_assert_ptr_nonnull(out);
		ck_assert_msg(strcmp(out, expected) == 0,
			      "%s:\n  stored   %s\n  text     %s\n  expected %s", label, stored,
			      out, expected);
	} else {
		ck_assert_ptr_null(out);
		ck_assert_str_eq(text_why, tree_why);
	}
	free(out);
	free(expected);
	free(stored);
}

START_TEST(test_apply_text_table)
{
	const apply_case *c = &apply_cases[_i];
	cJSON *deletes = test_parse_json(c->deletes);
	cJSON *update = test_parse_json(c->update);
	assert_text_apply_matches(test_parse_json(c->config), deletes, update, c->label);
	cJSON_Delete(deletes);
	cJSON_Delete(update);
}
END_TEST

START_TEST(test_apply_text_limits)
{
	const apply_limit_case *c = &apply_limit_cases[_i];
	cJSON *deletes = test_parse_json(c->deletes);
	cJSON *update = test_parse_json(c->update);
	assert_text_apply_matches(make_map(c->scopes, c->keys), deletes, update, c->label);
	cJSON_Delete(deletes);
	cJSON_Delete(update);
}
END_TEST

/* Names and values chosen to be hard to print: escapes of every kind,
 * control bytes, UTF-8, '/', dots, the empty string, near-duplicates. */
static const char *const tricky[] = {
	"a",	"b",	  "a.b",  "",	   "\"",	"\\",		"\\\"",	   "\b\f\n\r\t",
	"\x01", "\x1f",	  "\x7f", "/",	   "s\xc3\xa9", "\xe4\xb8\xad", "A",	   "a ",
	" a",	"source", "sink", "k.k.k", "\\u0041",	"{}",		"[\"x\"]", "0.5",
};

static uint32_t next_random(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 8) % 1000003u;
}

static const char *pick(uint32_t *state) { return tricky[next_random(state) % COUNT(tricky)]; }

/* A map of fewer than `scopes` scopes of fewer than `keys` keys, names and
 * values picked from the tricky strings (a picked name already there or
 * empty is skipped, so the map is valid). */
static cJSON *random_map(uint32_t *state, uint32_t scopes, uint32_t keys)
{
	cJSON *map = cJSON_CreateObject();
	for (uint32_t i = next_random(state) % scopes; i > 0; i--) {
		const char *name = pick(state);
		if (!*name || cJSON_GetObjectItemCaseSensitive(map, name))
			continue;
		cJSON *scope = cJSON_AddObjectToObject(map, name);
		for (uint32_t k = next_random(state) % keys; k > 0; k--) {
			const char *key = pick(state);
			if (*key && !cJSON_GetObjectItemCaseSensitive(scope, key))
				cJSON_AddStringToObject(scope, key, pick(state));
		}
	}
	return map;
}

/*
 * 3,000 random maps, deletes and updates over the tricky strings (fixed
 * seed: a failure names its round and repeats): both functions agree on
 * every one, refusals at the limits included.
 */
START_TEST(test_apply_text_random)
{
	uint32_t state = 20261121;
	char label[64];
	for (int round = 0; round < 3000; round++) {
		snprintf(label, sizeof label, "round %d", round);
		cJSON *config = random_map(&state, 5, 5);
		cJSON *deletes = cJSON_CreateArray();
		int delete_count = (int)(next_random(&state) % 4);
		for (int i = 0; i < delete_count; i++) {
			char entry[64];
			const char *scope = pick(&state), *key = pick(&state);
			if (!*scope || !*key || strchr(scope, '.'))
				continue;
			snprintf(entry, sizeof entry, "%s.%s", scope, key);
			cJSON_AddItemToArray(deletes, cJSON_CreateString(entry));
		}
		cJSON *update = random_map(&state, 4, 4);
		assert_text_apply_matches(config, deletes, update, label);
		cJSON_Delete(deletes);
		cJSON_Delete(update);
	}
}
END_TEST

/* Text that is not what cJSON prints is left to cJSON (rc 1, nothing
 * written), however valid its JSON. */
static const char *const unprinted_maps[] = {
	"{ }",
	"{\"a\": {\"k\":\"v\"}}",
	"{\"a\":{\"k\" :\"v\"}}",
	"{\"a\":{\"k\":\"v\"} }",
	"{\"a\":{\"k\":\"\\u00e9\"}}", /* cJSON writes the byte itself */
	"{\"a\":{\"k\":\"\\u000a\"}}", /* cJSON writes \n */
	"{\"a\":{\"k\":\"\\u001F\"}}", /* cJSON writes lower-case hex */
	"{\"a\":{\"k\":\"\\/\"}}",
	"{\"a\":{\"k\":1}}",
	"{\"a\":{\"k\":null}}",
	"{\"a\":\"v\"}",
	"{\"a\":{\"k\":\"v\"}}x",
	"{\"a\":{\"k\":\"v\"}",
	"{\"a\":{\"k\":\"v\",}}",
	"{\"a\":{\"k\":\"v\tw\"}}", /* a raw control byte */
	"{\"a\":{\"k\":\"v\\",
	"[]",
	"",
};

START_TEST(test_apply_text_leaves_unprinted_text_to_cjson)
{
	const char *stored = unprinted_maps[_i];
	cJSON *update = test_parse_json("{\"a\":{\"k\":\"w\"}}");
	char *out = (char *)(uintptr_t)1;
	char why[WHY_CAP] = "";
	ck_assert_int_eq(
		configmap_apply_text(stored, strlen(stored), NULL, update, &out, why, sizeof why),
		1);
	ck_assert_ptr_null(out);
	cJSON_Delete(update);
}
END_TEST

/* A printed map of more scopes, or a scope of more keys, than a valid map
 * holds is left to cJSON too (configmap_apply then says what is wrong). */
START_TEST(test_apply_text_past_the_limits)
{
	cJSON *maps[] = {make_map(CONFIGMAP_SCOPES_MAX + 1, 1),
			 make_map(1, CONFIGMAP_KEYS_MAX + 1)};
	for (size_t i = 0; i < COUNT(maps); i++) {
		char *stored = cJSON_PrintUnformatted(maps[i]);
		cJSON_Delete(maps[i]);
		char *out = (char *)(uintptr_t)1;
		char why[WHY_CAP] = "";
		ck_assert_int_eq(configmap_apply_text(stored, strlen(stored), NULL, NULL, &out, why,
						      sizeof why),
				 1);
		ck_assert_ptr_null(out);
		free(stored);
	}
}
END_TEST

/* ---- configmap_checkpoint ---------------------------------------------- */

#define CLIENTS                                                                                    \
	"[{\"clientId\":\"client_1\",\"subtopic\":\"topic_a\"},"                                   \
	"{\"clientId\":\"client_2\",\"subtopic\":\"topic_b\"}]"

typedef struct {
	const char *label;
	const char *checkpoint; /* source.checkpoint, NULL when absent */
	const char *clients;	/* source.clients, NULL when absent */
	bool valid;
	int64_t position;
	const char *why_holds[5]; /* words the error sentence must hold */
} checkpoint_case;

static const checkpoint_case checkpoint_cases[] = {
	{"subtopic, string", "{\"topic_a\":\"1700000000\"}", CLIENTS, true, 1700000000, {NULL}},
	{"clientId, number", "{\"client_2\":1700000001}", CLIENTS, true, 1700000001, {NULL}},
	{"earliest of several",
	 "{\"topic_a\":\"1700000500\",\"client_2\":1600000000,\"topic_b\":\"1650000000\"}",
	 CLIENTS,
	 true,
	 1600000000,
	 {NULL}},
	{"earliest first", "{\"topic_a\":\"5\",\"topic_b\":\"7\"}", CLIENTS, true, 5, {NULL}},
	{"zero", "{\"topic_a\":\"0\"}", CLIENTS, true, 0, {NULL}},
	{"the last second of 9999",
	 "{\"topic_a\":\"253402300799\"}",
	 CLIENTS,
	 true,
	 INT64_C(253402300799),
	 {NULL}},
	{"no clients: any key", "{\"anything\":\"1700000000\"}", NULL, true, 1700000000, {NULL}},
	{"no clients: the page placeholder",
	 "{\"{subtopic}\":\"1700000000\"}",
	 NULL,
	 true,
	 1700000000,
	 {NULL}},
	{"client without subtopic", "{\"c9\":\"42\"}", "[{\"clientId\":\"c9\"}]", true, 42, {NULL}},
	{"no checkpoint", NULL, CLIENTS, false, 0, {"checkpoint"}},
	{"no checkpoint, no clients", NULL, NULL, false, 0, {"checkpoint"}},
	{"empty checkpoint", "", CLIENTS, false, 0, {NULL}},
	{"not JSON", "topic_a=1700000000", CLIENTS, false, 0, {NULL}},
	{"JSON with trailing text", "{\"topic_a\":\"1700000000\"} x", CLIENTS, false, 0, {NULL}},
	{"empty object", "{}", CLIENTS, false, 0, {NULL}},
	{"array", "[\"topic_a\"]", CLIENTS, false, 0, {NULL}},
	{"bare number", "1700000000", CLIENTS, false, 0, {NULL}},
	{"negative string", "{\"topic_a\":\"-1\"}", CLIENTS, false, 0, {"topic_a"}},
	{"negative number", "{\"topic_a\":-1}", CLIENTS, false, 0, {"topic_a"}},
	{"fraction number", "{\"topic_a\":1700000000.5}", CLIENTS, false, 0, {"topic_a"}},
	{"fraction string", "{\"topic_a\":\"1700000000.5\"}", CLIENTS, false, 0, {"topic_a"}},
	{"letters", "{\"topic_a\":\"17000a0000\"}", CLIENTS, false, 0, {"topic_a"}},
	{"empty value", "{\"topic_a\":\"\"}", CLIENTS, false, 0, {"topic_a"}},
	{"blank-padded value", "{\"topic_a\":\" 1700000000\"}", CLIENTS, false, 0, {"topic_a"}},
	{"boolean value", "{\"topic_a\":true}", CLIENTS, false, 0, {"topic_a"}},
	{"null value", "{\"topic_a\":null}", CLIENTS, false, 0, {"topic_a"}},
	{"object value", "{\"topic_a\":{}}", CLIENTS, false, 0, {"topic_a"}},
	{"milliseconds, string",
	 "{\"topic_a\":\"1700000000000\"}",
	 CLIENTS,
	 false,
	 0,
	 {"milliseconds", "topic_a"}},
	{"milliseconds, number",
	 "{\"topic_a\":1700000000000}",
	 CLIENTS,
	 false,
	 0,
	 {"milliseconds"}},
	{"the first second of 10000",
	 "{\"topic_a\":\"253402300800\"}",
	 CLIENTS,
	 false,
	 0,
	 {"milliseconds"}},
	{"unknown key",
	 "{\"topic_z\":\"1700000000\"}",
	 CLIENTS,
	 false,
	 0,
	 {"topic_z", "client_1", "topic_a", "client_2", "topic_b"}},
	{"one unknown among known",
	 "{\"topic_a\":\"1700000000\",\"nope\":\"1\"}",
	 CLIENTS,
	 false,
	 0,
	 {"nope", "topic_a", "client_2"}},
	{"the page placeholder",
	 "{\"{subtopic}\":\"1700000000\"}",
	 CLIENTS,
	 false,
	 0,
	 {"{subtopic}", "topic_a"}},
	{"keys are case-sensitive", "{\"TOPIC_A\":\"1700000000\"}", CLIENTS, false, 0, {"TOPIC_A"}},
	{"empty clients list knows nothing", "{\"topic_a\":\"1\"}", "[]", false, 0, {"topic_a"}},
	{"clients not JSON",
	 "{\"topic_a\":\"1700000000\"}",
	 "clients",
	 false,
	 0,
	 {"source.clients"}},
	{"clients an object",
	 "{\"topic_a\":\"1700000000\"}",
	 "{\"clientId\":\"topic_a\"}",
	 false,
	 0,
	 {"source.clients"}},
	{"clients empty text", "{\"topic_a\":\"1700000000\"}", "", false, 0, {"source.clients"}},
	{"duplicate key",
	 "{\"topic_a\":\"1700000000\",\"topic_a\":\"1600000000\"}",
	 CLIENTS,
	 false,
	 0,
	 {"topic_a"}},
	{"duplicate key, no clients", "{\"x\":\"1\",\"x\":\"2\"}", NULL, false, 0, {"x"}},
};

static cJSON *checkpoint_config(const char *checkpoint, const char *clients)
{
	cJSON *config = cJSON_CreateObject();
	cJSON *source = cJSON_AddObjectToObject(config, "source");
	cJSON_AddStringToObject(source, "username", "u");
	if (checkpoint)
		cJSON_AddStringToObject(source, "checkpoint", checkpoint);
	if (clients)
		cJSON_AddStringToObject(source, "clients", clients);
	cJSON *sink = cJSON_AddObjectToObject(config, "sink");
	cJSON_AddStringToObject(sink, "checkpoint", "{\"topic_a\":\"1\"}");
	return config;
}

START_TEST(test_checkpoint_table)
{
	const checkpoint_case *c = &checkpoint_cases[_i];
	cJSON *config = checkpoint_config(c->checkpoint, c->clients);
	int64_t position = -12345;
	char why[WHY_CAP] = "";
	int rc = configmap_checkpoint(config, &position, why, sizeof why);
	cJSON_Delete(config);
	if (c->valid) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why);
		ck_assert_msg(position == c->position, "%s: position %lld, expected %lld", c->label,
			      (long long)position, (long long)c->position);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted with position %lld", c->label,
			      (long long)position);
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
		for (size_t w = 0; w < COUNT(c->why_holds) && c->why_holds[w]; w++)
			ck_assert_msg(strstr(why, c->why_holds[w]) != NULL,
				      "%s: the why does not name \"%s\": %s", c->label,
				      c->why_holds[w], why);
	}
}
END_TEST

START_TEST(test_checkpoint_no_source)
{
	char why[WHY_CAP] = "";
	int64_t position = 0;
	cJSON *config = test_parse_json("{\"sink\":{\"checkpoint\":\"{\\\"t\\\":\\\"1\\\"}\"}}");
	ck_assert_int_eq(configmap_checkpoint(config, &position, why, sizeof why), -1);
	ck_assert_str_ne(why, "");
	cJSON_Delete(config);
	config = cJSON_CreateObject();
	ck_assert_int_eq(configmap_checkpoint(config, &position, why, sizeof why), -1);
	cJSON_Delete(config);
}
END_TEST

START_TEST(test_checkpoint_key_limit)
{
	for (int extra = 0; extra <= 1; extra++) {
		cJSON *checkpoint = cJSON_CreateObject();
		for (int k = 0; k < CONFIGMAP_CHECKPOINT_KEYS_MAX + extra; k++) {
			char key[32];
			snprintf(key, sizeof key, "topic%d", k);
			cJSON_AddStringToObject(checkpoint, key, "1700000000");
		}
		char *text = cJSON_PrintUnformatted(checkpoint);
		cJSON_Delete(checkpoint);
		cJSON *config = checkpoint_config(text, NULL);
		free(text);
		int64_t position = 0;
		char why[WHY_CAP] = "";
		int rc = configmap_checkpoint(config, &position, why, sizeof why);
		cJSON_Delete(config);
		ck_assert_msg(rc == (extra ? -1 : 0), "%d keys: rc %d (%s)",
			      CONFIGMAP_CHECKPOINT_KEYS_MAX + extra, rc, why);
	}
}
END_TEST

/* ---- configmap_get ----------------------------------------------------- */

START_TEST(test_get)
{
	cJSON *config =
		test_parse_json("{\"source\":{\"a\":\"1\",\"empty\":\"\",\"n\":2,\"a.b\":\"dots\"},"
				"\"sink\":\"not an object\"}");
	ck_assert_str_eq(configmap_get(config, "source", "a"), "1");
	ck_assert_str_eq(configmap_get(config, "source", "empty"), "");
	ck_assert_str_eq(configmap_get(config, "source", "a.b"), "dots");
	ck_assert_ptr_null(configmap_get(config, "source", "n"));
	ck_assert_ptr_null(configmap_get(config, "source", "absent"));
	ck_assert_ptr_null(configmap_get(config, "source", "A"));
	ck_assert_ptr_null(configmap_get(config, "Source", "a"));
	ck_assert_ptr_null(configmap_get(config, "nowhere", "a"));
	ck_assert_ptr_null(configmap_get(config, "sink", "a"));
	ck_assert_ptr_null(configmap_get(NULL, "source", "a"));
	cJSON_Delete(config);
}
END_TEST

static Suite *configmap_suite(void)
{
	Suite *suite = suite_create("configmap");
	TCase *validate = tcase_create("validate");
	tcase_add_loop_test(validate, test_validate_table, 0, (int)COUNT(validate_cases));
	tcase_add_test(validate, test_validate_null_and_small_why);
	tcase_add_test(validate, test_validate_limits);
	tcase_add_loop_test(validate, test_validate_invalid_utf8, 0, (int)COUNT(bad_utf8_cases));
	suite_add_tcase(suite, validate);

	TCase *update = tcase_create("parse_update");
	tcase_add_loop_test(update, test_parse_update_table, 0, (int)COUNT(update_cases));
	tcase_add_test(update, test_parse_update_null_body);
	tcase_add_loop_test(update, test_parse_update_names_refused_entry, 0,
			    (int)COUNT(non_scalar_bodies));
	suite_add_tcase(suite, update);

	TCase *deletes = tcase_create("parse_deletes");
	tcase_add_loop_test(deletes, test_parse_deletes_table, 0, (int)COUNT(deletes_cases));
	tcase_add_test(deletes, test_parse_deletes_limit);
	suite_add_tcase(suite, deletes);

	TCase *apply = tcase_create("apply");
	tcase_add_loop_test(apply, test_apply_table, 0, (int)COUNT(apply_cases));
	tcase_add_test(apply, test_apply_from_parsers);
	tcase_add_loop_test(apply, test_apply_limits, 0, (int)COUNT(apply_limit_cases));
	suite_add_tcase(suite, apply);

	TCase *apply_text = tcase_create("apply_text");
	tcase_add_loop_test(apply_text, test_apply_text_table, 0, (int)COUNT(apply_cases));
	tcase_add_loop_test(apply_text, test_apply_text_limits, 0, (int)COUNT(apply_limit_cases));
	tcase_add_test(apply_text, test_apply_text_random);
	tcase_add_loop_test(apply_text, test_apply_text_leaves_unprinted_text_to_cjson, 0,
			    (int)COUNT(unprinted_maps));
	tcase_add_test(apply_text, test_apply_text_past_the_limits);
	suite_add_tcase(suite, apply_text);

	TCase *checkpoint = tcase_create("checkpoint");
	tcase_add_loop_test(checkpoint, test_checkpoint_table, 0, (int)COUNT(checkpoint_cases));
	tcase_add_test(checkpoint, test_checkpoint_no_source);
	tcase_add_test(checkpoint, test_checkpoint_key_limit);
	tcase_add_test(checkpoint, test_get);
	suite_add_tcase(suite, checkpoint);
	return suite;
}

int main(void) { return test_run_suite(configmap_suite()); }
