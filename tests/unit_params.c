/*
 * unit_params.c — request parameters (docs/behaviour.md §2): the limits of
 * params_add, form bodies, single and repeated lookups, Spring's booleans,
 * and the JSON form kept in the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/params.h"
#include "support.h"

/* ---- params_add -------------------------------------------------------- */

/* `len` bytes of 'x' in a new buffer (no NUL needed by params_add). */
static char *filled(size_t len)
{
	char *text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	memset(text, 'x', len);
	text[len] = '\0';
	return text;
}

START_TEST(test_add_keeps_exact_bytes)
{
	params list;
	params_init(&list);
	char why[PARAMS_WHY_MAX] = "";
	/* neither name nor value need a NUL: only their lengths count */
	ck_assert_int_eq(params_add(&list, "taskNameJUNK", 8, "valueJUNK", 5, why, sizeof why), 0);
	ck_assert_int_eq(params_add(&list, "empty", 5, "", 0, why, sizeof why), 0);
	ck_assert_int_eq(params_add(&list, "utf8", 4, "\xe4\xb8\xad", 3, why, sizeof why), 0);
	ck_assert_uint_eq(list.count, 3);
	ck_assert_str_eq(list.items[0].name, "taskName");
	ck_assert_str_eq(list.items[0].value, "value");
	ck_assert_str_eq(list.items[1].value, "");
	ck_assert_str_eq(list.items[2].value, "\xe4\xb8\xad");
	params_free(&list);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_ptr_null(list.items);
}
END_TEST

START_TEST(test_add_count_limit)
{
	params list;
	params_init(&list);
	char why[PARAMS_WHY_MAX] = "";
	for (int i = 0; i < PARAMS_COUNT_MAX; i++) {
		char name[16];
		int n = snprintf(name, sizeof name, "p%d", i);
		ck_assert_msg(params_add(&list, name, (size_t)n, "v", 1, why, sizeof why) == 0,
			      "parameter %d: %s", i, why);
	}
	ck_assert_uint_eq(list.count, PARAMS_COUNT_MAX);
	why[0] = '\0';
	ck_assert_int_eq(params_add(&list, "one_more", 8, "v", 1, why, sizeof why), -1);
	ck_assert_str_ne(why, "");
	ck_assert_uint_eq(list.count, PARAMS_COUNT_MAX);
	ck_assert_str_eq(list.items[PARAMS_COUNT_MAX - 1].name, "p255");
	params_free(&list);
}
END_TEST

typedef struct {
	const char *label;
	size_t name_len;   /* of 'x', unless `name` is given */
	const char *name;  /* NULL: name_len bytes of 'x' */
	size_t value_len;  /* of 'x', unless `value` is given */
	const char *value; /* NULL: value_len bytes of 'x' */
	bool valid;
} add_case;

static const add_case add_cases[] = {
	{"name at the limit", PARAMS_NAME_MAX, NULL, 1, NULL, true},
	{"name one past the limit", PARAMS_NAME_MAX + 1, NULL, 1, NULL, false},
	{"empty name", 0, "", 1, NULL, false},
	{"value at the limit", 1, NULL, PARAMS_VALUE_MAX, NULL, true},
	{"value one past the limit", 1, NULL, PARAMS_VALUE_MAX + 1, NULL, false},
	{"empty value", 1, NULL, 0, "", true},
	{"NUL in the value", 1, NULL, 3, "a\0b", false},
	{"NUL alone as the value", 1, NULL, 1, "\0", false},
	{"NUL in the name", 3, "a\0b", 1, NULL, false},
	{"value 0xFF", 1, NULL, 1, "\xff", false},
	{"value overlong", 1, NULL, 2, "\xc0\xaf", false},
	{"value surrogate", 1, NULL, 3, "\xed\xa0\x80", false},
	{"value truncated", 1, NULL, 2, "\xe4\xb8", false},
	{"name 0xFE", 1, "\xfe", 1, NULL, false},
	{"name lone continuation", 2, "a\x80", 1, NULL, false},
	{"UTF-8 name and value", 2, "\xc3\xa9", 4, "\xf0\x9f\x98\x80", true},
};

START_TEST(test_add_table)
{
	const add_case *c = &add_cases[_i];
	char *name = c->name ? NULL : filled(c->name_len);
	char *value = c->value ? NULL : filled(c->value_len);
	params list;
	params_init(&list);
	char why[PARAMS_WHY_MAX] = "";
	ck_assert_int_eq(params_add(&list, "first", 5, "1", 1, why, sizeof why), 0);
	int rc = params_add(&list, c->name ? c->name : name, c->name_len,
			    c->value ? c->value : value, c->value_len, why, sizeof why);
	size_t count = list.count;
	size_t stored_len = rc == 0 ? strlen(list.items[1].value) : 0;
	params_free(&list);
	free(name);
	free(value);
	if (c->valid) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why);
		ck_assert_uint_eq(count, 2);
		ck_assert_uint_eq(stored_len, c->value_len);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted", c->label);
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
		ck_assert_msg(count == 1, "%s: the list changed", c->label);
	}
}
END_TEST

/* The sentence names the parameter by its `name_len` bytes only: the name
 * needs no NUL (params_parse_form passes an unterminated buffer). */
START_TEST(test_add_why_names_only_name_len_bytes)
{
	static const struct {
		const char *label;
		const char *value;
		size_t value_len;
	} refusals[] = {
		{"too long", NULL, PARAMS_VALUE_MAX + 1},
		{"NUL byte", "a\0b", 3},
		{"not UTF-8", "\xff", 1},
	};
	for (size_t i = 0; i < COUNT(refusals); i++) {
		char *long_value = refusals[i].value ? NULL : filled(refusals[i].value_len);
		params list;
		params_init(&list);
		char why[PARAMS_WHY_MAX] = "";
		int rc = params_add(&list, "taskNameJUNK", 8,
				    refusals[i].value ? refusals[i].value : long_value,
				    refusals[i].value_len, why, sizeof why);
		params_free(&list);
		free(long_value);
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(why, "taskName") != NULL, "%s: why does not name taskName: %s",
			      refusals[i].label, why);
		ck_assert_msg(strstr(why, "JUNK") == NULL,
			      "%s: why reads past name_len into the bytes after the name: %s",
			      refusals[i].label, why);
	}
}
END_TEST

/* ---- params_parse_form ------------------------------------------------- */

typedef struct {
	const char *label;
	const char *body;
	size_t len;
	int rc;
	size_t count;		 /* parameters in the list afterwards */
	const char *pairs[4][2]; /* expected name/value, in order */
} form_case;

static const form_case form_cases[] = {
	{"two pairs", LIT("a=1&b=x%20y"), 0, 2, {{"a", "1"}, {"b", "x y"}}},
	{"plus is a space", LIT("a=x+y+z"), 0, 1, {{"a", "x y z"}}},
	{"plus in a name", LIT("a+b=1"), 0, 1, {{"a b", "1"}}},
	{"escaped plus", LIT("a=%2B1"), 0, 1, {{"a", "+1"}}},
	{"escaped ampersand and equals", LIT("a=%26b%3Dc"), 0, 1, {{"a", "&b=c"}}},
	{"lowercase hex", LIT("a=%2b%2f"), 0, 1, {{"a", "+/"}}},
	{"escaped name", LIT("%61=1"), 0, 1, {{"a", "1"}}},
	{"UTF-8 escapes", LIT("n=%E4%B8%AD"), 0, 1, {{"n", "\xe4\xb8\xad"}}},
	{"repeated names", LIT("d=a.b&d=c.d&x=1"), 0, 3, {{"d", "a.b"}, {"d", "c.d"}, {"x", "1"}}},
	{"empty pairs", LIT("&&a=1&&b=2&"), 0, 2, {{"a", "1"}, {"b", "2"}}},
	{"only ampersands", LIT("&&&"), 0, 0, {{NULL}}},
	{"empty body", LIT(""), 0, 0, {{NULL}}},
	{"name without '='", LIT("flag&a=1"), 0, 2, {{"flag", ""}, {"a", "1"}}},
	{"empty value", LIT("a="), 0, 1, {{"a", ""}}},
	{"'=' inside the value", LIT("a=b=c"), 0, 1, {{"a", "b=c"}}},
	{"escape at the very end", LIT("a=%41"), 0, 1, {{"a", "A"}}},
	{"malformed %zz", LIT("a=%zz"), -1, 0, {{NULL}}},
	{"malformed %4g", LIT("a=%4g"), -1, 0, {{NULL}}},
	{"trailing %4", LIT("a=%4"), -1, 0, {{NULL}}},
	{"trailing %", LIT("a=%"), -1, 0, {{NULL}}},
	{"malformed escape in a name", LIT("%zz=1"), -1, 0, {{NULL}}},
	{"%00", LIT("a=%00"), -1, 0, {{NULL}}},
	{"%00 in a name", LIT("a%00=1"), -1, 0, {{NULL}}},
	{"raw NUL", LIT("a=1\0"), -1, 0, {{NULL}}},
	{"invalid UTF-8 escape", LIT("a=%FF"), -1, 0, {{NULL}}},
	{"empty name", LIT("=1"), -1, 0, {{NULL}}},
	{"what came before a failure stays", LIT("a=1&b=%zz&c=3"), -1, 1, {{"a", "1"}}},
};

START_TEST(test_parse_form_table)
{
	const form_case *c = &form_cases[_i];
	/* an exact-size heap copy: nothing past `len` may be read */
	char *body = malloc(c->len ? c->len : 1);
	memcpy(body, c->body, c->len);
	params list;
	params_init(&list);
	char why[PARAMS_WHY_MAX] = "";
	int rc = params_parse_form(&list, body, c->len, why, sizeof why);
	free(body);
	ck_assert_msg(rc == c->rc, "%s: rc %d, expected %d (%s)", c->label, rc, c->rc, why);
	if (rc < 0)
		ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
	ck_assert_msg(list.count == c->count, "%s: %zu parameters, expected %zu", c->label,
		      list.count, c->count);
	for (size_t i = 0; i < c->count; i++) {
		ck_assert_str_eq(list.items[i].name, c->pairs[i][0]);
		ck_assert_str_eq(list.items[i].value, c->pairs[i][1]);
	}
	params_free(&list);
}
END_TEST

/* A form body adds to what the query string already gave. */
START_TEST(test_parse_form_appends)
{
	params list;
	params_init(&list);
	char why[PARAMS_WHY_MAX];
	ck_assert_int_eq(params_add(&list, "taskName", 8, "t", 1, why, sizeof why), 0);
	static const char body[] = "pullBackFlag=true&taskName=u";
	ck_assert_int_eq(params_parse_form(&list, body, strlen(body), why, sizeof why), 0);
	ck_assert_uint_eq(list.count, 3);
	const char *value;
	ck_assert_int_eq(params_single(&list, "taskName", &value), -1);
	ck_assert_int_eq(params_single(&list, "pullBackFlag", &value), 1);
	ck_assert_str_eq(value, "true");
	params_free(&list);
}
END_TEST

/* ---- lookups ----------------------------------------------------------- */

static void fill(params *list, const char *body)
{
	char why[PARAMS_WHY_MAX] = "";
	params_init(list);
	ck_assert_msg(params_parse_form(list, body, strlen(body), why, sizeof why) == 0, "%s: %s",
		      body, why);
}

START_TEST(test_single)
{
	params list;
	fill(&list, "taskName=t1&ip=&deleteParams=a.b&deleteParams=c.d&TaskName=T");
	const char *value = "sentinel";
	ck_assert_int_eq(params_single(&list, "absent", &value), 0);
	ck_assert_ptr_null(value);
	ck_assert_int_eq(params_single(&list, "taskName", &value), 1);
	ck_assert_str_eq(value, "t1");
	ck_assert_int_eq(params_single(&list, "TaskName", &value), 1);
	ck_assert_str_eq(value, "T");
	ck_assert_int_eq(params_single(&list, "taskname", &value), 0);
	ck_assert_ptr_null(value);
	ck_assert_int_eq(params_single(&list, "ip", &value), 1);
	ck_assert_str_eq(value, "");
	ck_assert_int_eq(params_single(&list, "deleteParams", &value), -1);
	ck_assert_int_eq(params_single(&list, "task", &value), 0);
	params_free(&list);

	params empty;
	params_init(&empty);
	ck_assert_int_eq(params_single(&empty, "taskName", &value), 0);
	ck_assert_ptr_null(value);
}
END_TEST

START_TEST(test_all)
{
	params list;
	fill(&list, "d=1&x=0&d=2&D=no&d=3");
	const char *values[8] = {NULL};
	ck_assert_uint_eq(params_all(&list, "d", values, 8), 3);
	ck_assert_str_eq(values[0], "1");
	ck_assert_str_eq(values[1], "2");
	ck_assert_str_eq(values[2], "3");
	ck_assert_ptr_null(values[3]);

	/* fewer slots than values: the count is still the total */
	const char *two[3] = {NULL, NULL, "untouched"};
	ck_assert_uint_eq(params_all(&list, "d", two, 2), 3);
	ck_assert_str_eq(two[0], "1");
	ck_assert_str_eq(two[1], "2");
	ck_assert_str_eq(two[2], "untouched");

	ck_assert_uint_eq(params_all(&list, "absent", values, 8), 0);
	ck_assert_uint_eq(params_all(&list, "D", values, 8), 1);
	ck_assert_str_eq(values[0], "no");
	ck_assert_uint_eq(params_all(&list, "d", NULL, 0), 3);
	params_free(&list);
}
END_TEST

/* ---- params_bool ------------------------------------------------------- */

typedef struct {
	const char *text; /* NULL: absent */
	bool fallback;
	int rc;
	bool value;
} bool_case;

static const bool_case bool_cases[] = {
	{"true", false, 0, true},     {"TRUE", false, 0, true},	   {"True", false, 0, true},
	{"tRuE", false, 0, true},     {"on", false, 0, true},	   {"ON", false, 0, true},
	{"yes", false, 0, true},      {"Yes", false, 0, true},	   {"1", false, 0, true},
	{"false", true, 0, false},    {"FALSE", true, 0, false},   {"False", true, 0, false},
	{"off", true, 0, false},      {"OFF", true, 0, false},	   {"no", true, 0, false},
	{"NO", true, 0, false},	      {"0", true, 0, false},	   {NULL, true, 0, true},
	{NULL, false, 0, false},      {"", true, 0, true},	   {"", false, 0, false},
	{"2", false, -1, false},      {"tru", false, -1, false},   {" true", false, -1, false},
	{"true ", false, -1, false},  {"truee", false, -1, false}, {"y", false, -1, false},
	{"n", false, -1, false},      {"t", false, -1, false},	   {"f", false, -1, false},
	{"01", false, -1, false},     {"-1", false, -1, false},	   {"null", false, -1, false},
	{"enable", false, -1, false}, {" ", false, -1, false},	   {"yes,no", false, -1, false},
};

START_TEST(test_bool)
{
	const bool_case *c = &bool_cases[_i];
	/* start from the opposite of the expected value so a silent no-op shows */
	bool out = !c->value;
	int rc = params_bool(c->text, c->fallback, &out);
	ck_assert_msg(rc == c->rc, "\"%s\" (fallback %d): rc %d, expected %d",
		      c->text ? c->text : "NULL", c->fallback, rc, c->rc);
	if (c->rc == 0)
		ck_assert_msg(out == c->value, "\"%s\" (fallback %d): %d, expected %d",
			      c->text ? c->text : "NULL", c->fallback, out, c->value);
}
END_TEST

/* ---- params_to_json ---------------------------------------------------- */

typedef struct {
	const char *body;
	const char *json; /* exact, key order included */
} json_case;

static const json_case json_cases[] = {
	{"", "{}"},
	{"taskName=t&pullBackFlag=true", "{\"taskName\":\"t\",\"pullBackFlag\":\"true\"}"},
	{"a=1&b=2&a=3&c=", "{\"a\":[\"1\",\"3\"],\"b\":\"2\",\"c\":\"\"}"},
	{"d=1&d=2&d=3", "{\"d\":[\"1\",\"2\",\"3\"]}"},
	{"x=1&d=1&y=2&d=2&z=3", "{\"x\":\"1\",\"d\":[\"1\",\"2\"],\"y\":\"2\",\"z\":\"3\"}"},
	{"q=%22%5C%0A", "{\"q\":\"\\\"\\\\\\n\"}"},
	{"A=1&a=2", "{\"A\":\"1\",\"a\":\"2\"}"},
};

START_TEST(test_to_json)
{
	const json_case *c = &json_cases[_i];
	params list;
	fill(&list, c->body);
	char *json = params_to_json(&list);
	params_free(&list);
	ck_assert_ptr_nonnull(json);
	char copy[512];
	snprintf(copy, sizeof copy, "%s", json);
	free(json);
	ck_assert_msg(strcmp(copy, c->json) == 0, "\"%s\": %s, expected %s", c->body, copy,
		      c->json);
}
END_TEST

static Suite *params_suite(void)
{
	Suite *suite = suite_create("params");
	TCase *add = tcase_create("add");
	tcase_add_test(add, test_add_keeps_exact_bytes);
	tcase_add_test(add, test_add_count_limit);
	tcase_add_loop_test(add, test_add_table, 0, (int)COUNT(add_cases));
	tcase_add_test(add, test_add_why_names_only_name_len_bytes);
	suite_add_tcase(suite, add);

	TCase *form = tcase_create("form");
	tcase_add_loop_test(form, test_parse_form_table, 0, (int)COUNT(form_cases));
	tcase_add_test(form, test_parse_form_appends);
	suite_add_tcase(suite, form);

	TCase *lookup = tcase_create("lookup");
	tcase_add_test(lookup, test_single);
	tcase_add_test(lookup, test_all);
	tcase_add_loop_test(lookup, test_bool, 0, (int)COUNT(bool_cases));
	tcase_add_loop_test(lookup, test_to_json, 0, (int)COUNT(json_cases));
	suite_add_tcase(suite, lookup);
	return suite;
}

int main(void) { return test_run_suite(params_suite()); }
