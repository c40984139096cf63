/*
 * unit_rules_json.c — GET /_mock/rules' body: the state machine the
 * dashboard draws. The expectations are the contract's "allowed from" table
 * written out by hand, so that a row that lied about the rules would fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/rules_json.h"
#include "support.h"

/* The contract's table: which states each operation is allowed from. */
static const struct {
	const char *op;
	const char *allowed; /* states, space-separated, each followed by a space */
} allowed_from[] = {
	{"resume", "STOPPED ABNORMAL "},
	{"stop", "RUNNING ABNORMAL "},
	{"update", "CREATED STOPPED ABNORMAL "},
	{"migrate", "CREATED RUNNING STOPPED ABNORMAL "},
	{"delete", "CREATED STOPPED ABNORMAL FINISHED "},
};

static const char *string_of(const cJSON *row, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(row, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* The row for op, flag (NULL: none), from and type; fails the test when
 * there is not exactly one. */
static const cJSON *find_row(const cJSON *root, const char *op, const char *flag, const char *from,
			     const char *type)
{
	const cJSON *found = NULL;
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "transitions"))
	{
		const char *row_flag = string_of(row, "flag");
		if (strcmp(string_of(row, "op"), op) == 0 &&
		    strcmp(string_of(row, "from"), from) == 0 &&
		    strcmp(string_of(row, "type"), type) == 0 &&
		    (flag ? row_flag && strcmp(row_flag, flag) == 0 : row_flag == NULL)) {
			ck_assert_msg(!found, "two rows for %s %s %s", op, from, type);
			found = row;
		}
	}
	ck_assert_msg(found != NULL, "no row for %s %s %s %s", op, flag ? flag : "", from, type);
	return found;
}

static bool allowed(const cJSON *row)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "allowed"));
}

START_TEST(test_every_row_follows_the_contract)
{
	static const char *const states[] = {"CREATED", "RUNNING", "STOPPED", "ABNORMAL",
					     "FINISHED"};
	static const char *const types[] = {"incr_trans", "full_trans"};
	cJSON *root = rules_json((rules_flags){0});
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "transitions")),
			 (5 + 2) * 5 * 2);
	for (size_t o = 0; o < COUNT(allowed_from); o++)
		for (size_t s = 0; s < COUNT(states); s++)
			for (size_t t = 0; t < COUNT(types); t++) {
				const cJSON *row = find_row(root, allowed_from[o].op, NULL,
							    states[s], types[t]);
				char word[16];
				snprintf(word, sizeof word, "%s ", states[s]);
				bool expected = strstr(allowed_from[o].allowed, word) != NULL;
				ck_assert_msg(allowed(row) == expected, "%s from %s (%s)",
					      allowed_from[o].op, states[s], types[t]);
				ck_assert_msg(expected == (string_of(row, "errCode") == NULL),
					      "errCode of %s from %s", allowed_from[o].op,
					      states[s]);
			}
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_where_operations_lead)
{
	cJSON *root = rules_json((rules_flags){0});
	const cJSON *row = find_row(root, "stop", NULL, "RUNNING", "incr_trans");
	ck_assert_str_eq(string_of(row, "effect"), "state");
	ck_assert_str_eq(string_of(row, "to"), "STOPPED");
	row = find_row(root, "resume", NULL, "ABNORMAL", "full_trans");
	ck_assert_str_eq(string_of(row, "to"), "RUNNING");
	row = find_row(root, "migrate", NULL, "ABNORMAL", "incr_trans");
	ck_assert_str_eq(string_of(row, "to"), "STOPPED");
	row = find_row(root, "update", NULL, "STOPPED", "incr_trans");
	ck_assert_str_eq(string_of(row, "to"), "STOPPED");
	row = find_row(root, "delete", NULL, "FINISHED", "full_trans");
	ck_assert_str_eq(string_of(row, "effect"), "remove");
	ck_assert_ptr_null(string_of(row, "to"));
	row = find_row(root, "resume", NULL, "CREATED", "incr_trans");
	ck_assert_str_eq(string_of(row, "errCode"), "UNSUPPORTED_OPERATION");
	ck_assert_ptr_nonnull(string_of(row, "reason"));
	ck_assert_ptr_nonnull(string_of(row, "proposal"));
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_resume_flags_by_type)
{
	cJSON *root = rules_json((rules_flags){0});
	const cJSON *row = find_row(root, "resume", "pullBackFlag", "STOPPED", "incr_trans");
	ck_assert(allowed(row));
	row = find_row(root, "resume", "pullBackFlag", "STOPPED", "full_trans");
	ck_assert_str_eq(string_of(row, "errCode"), "UNSUPPORTED_OPERATION");
	row = find_row(root, "resume", "restartFlag", "ABNORMAL", "full_trans");
	ck_assert(allowed(row));
	row = find_row(root, "resume", "restartFlag", "ABNORMAL", "incr_trans");
	ck_assert_str_eq(string_of(row, "errCode"), "UNSUPPORTED_OPERATION");
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_lenient_repeats)
{
	rules_flags lenient_mode = {.lenient = true};
	cJSON *strict = rules_json((rules_flags){0});
	cJSON *lenient = rules_json(lenient_mode);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(strict, "lenient")));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lenient, "lenient")));
	const cJSON *row = find_row(strict, "stop", NULL, "STOPPED", "incr_trans");
	ck_assert_str_eq(string_of(row, "errCode"), "ILLEGAL_STATE");
	row = find_row(lenient, "stop", NULL, "STOPPED", "incr_trans");
	ck_assert(allowed(row));
	ck_assert_str_eq(string_of(row, "effect"), "none");
	ck_assert_ptr_null(string_of(row, "to"));
	/* a refusal that is no repeat stays one */
	row = find_row(lenient, "delete", NULL, "RUNNING", "incr_trans");
	ck_assert_str_eq(string_of(row, "errCode"), "ILLEGAL_STATE");
	cJSON_Delete(strict);
	cJSON_Delete(lenient);
}
END_TEST

/* the rows set the resume flags themselves, whatever the switches carry */
START_TEST(test_request_flags_in_switches_ignored)
{
	cJSON *root = rules_json((rules_flags){.pull_back = true, .restart = true});
	const cJSON *row = find_row(root, "resume", NULL, "STOPPED", "full_trans");
	ck_assert(allowed(row));
	row = find_row(root, "resume", "pullBackFlag", "STOPPED", "incr_trans");
	ck_assert(allowed(row));
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_names)
{
	cJSON *root = rules_json((rules_flags){0});
	char *states = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "states"));
	char *ops = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "ops"));
	char *types = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "types"));
	ck_assert_str_eq(states, "[\"CREATED\",\"RUNNING\",\"STOPPED\",\"ABNORMAL\",\"FINISHED\"]");
	ck_assert_str_eq(ops, "[\"resume\",\"stop\",\"update\",\"migrate\",\"delete\"]");
	ck_assert_str_eq(types, "[\"incr_trans\",\"full_trans\"]");
	free(states);
	free(ops);
	free(types);
	cJSON_Delete(root);
}
END_TEST

static Suite *rules_json_suite(void)
{
	Suite *suite = suite_create("rules_json");
	TCase *rows = tcase_create("rows");
	tcase_add_test(rows, test_every_row_follows_the_contract);
	tcase_add_test(rows, test_where_operations_lead);
	tcase_add_test(rows, test_resume_flags_by_type);
	tcase_add_test(rows, test_lenient_repeats);
	tcase_add_test(rows, test_request_flags_in_switches_ignored);
	tcase_add_test(rows, test_names);
	suite_add_tcase(suite, rows);
	return suite;
}

int main(void) { return test_run_suite(rules_json_suite()); }
