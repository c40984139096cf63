/*
 * unit_envelope.c — the success envelope is written without cJSON: it must
 * be the very text cJSON prints for the same object, for every string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../server/envelope.h"
#include "support.h"

/* What envelope_success wrote before: the object built and printed by cJSON. */
static char *printed_by_cjson(const char *result)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNullToObject(root, "errCode");
	cJSON_AddNullToObject(root, "errMsg");
	cJSON_AddNullToObject(root, "errorDetail");
	cJSON_AddTrueToObject(root, "isSuccess");
	cJSON_AddStringToObject(root, "result", result);
	cJSON_AddNullToObject(root, "retryable");
	char *text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

static void assert_same_as_cjson(const char *result)
{
	char *expected = printed_by_cjson(result);
	char *written = envelope_success(result);
	ck_assert_ptr_nonnull(expected);
	ck_assert_ptr_nonnull(written);
	ck_assert_str_eq(written, expected);
	/* and it reads back as the same result */
	cJSON *root = cJSON_Parse(written);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "result")->valuestring, result);
	cJSON_Delete(root);
	free(expected);
	free(written);
}

START_TEST(success_envelope_is_what_cjson_prints)
{
	assert_same_as_cjson("10.0.0.1-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001");
	assert_same_as_cjson("");
	assert_same_as_cjson("quote \" backslash \\ slash / end");
	assert_same_as_cjson("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \x7f");
	assert_same_as_cjson("\"\"\"\\\\\\");
}
END_TEST

START_TEST(success_envelope_escapes_every_control_byte)
{
	/* one string of every byte from 1 to 31, and each alone */
	char all[32];
	for (int c = 1; c < 32; c++) {
		all[c - 1] = (char)c;
		char one[4] = {'a', (char)c, 'z', '\0'};
		assert_same_as_cjson(one);
	}
	all[31] = '\0';
	assert_same_as_cjson(all);
}
END_TEST

START_TEST(success_envelope_of_the_longest_escapes)
{
	/* every byte escaped to six: the buffer's worst case, exactly */
	size_t len = 4096;
	char *text = malloc(len + 1);
	memset(text, '\x01', len);
	text[len] = '\0';
	assert_same_as_cjson(text);
	free(text);
}
END_TEST

static Suite *envelope_suite(void)
{
	Suite *suite = suite_create("envelope");
	TCase *tc = tcase_create("success");
	tcase_add_test(tc, success_envelope_is_what_cjson_prints);
	tcase_add_test(tc, success_envelope_escapes_every_control_byte);
	tcase_add_test(tc, success_envelope_of_the_longest_escapes);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(envelope_suite()); }
