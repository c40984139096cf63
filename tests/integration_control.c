/*
 * integration_control.c — the control API and the update body at their
 * edges, against the real daemon: numbers that a double would round,
 * the virtual clock's range, one rule for unknown fields, scopes that
 * deleteParams could never name, OMS-style error codes, bodies past the
 * limit.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char stopped_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";

/* GETs `path` (200 expected) and returns its text; caller frees. */
static char *text_of(const test_daemon *d, const char *path) { return test_get_text(d, path); }

static char *task_path(void)
{
	char *escaped = test_escape(stopped_name);
	char *path = malloc(strlen(escaped) + 32);
	ck_assert_ptr_nonnull(path);
	sprintf(path, "/_mock/tasks/%s", escaped);
	free(escaped);
	return path;
}

/* An update body's integer past 2^53 is stored as sent, not rounded. */
START_TEST(update_keeps_big_integers_exact)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_response r = test_oms_request(
		&d, "update", stopped_name, NULL,
		"{\"sink\":{\"big\":9007199254740993,\"huge\":123456789012345678901234567890}}");
	ck_assert_msg(test_envelope_ok(&r, NULL, 0), "%s", r.body);
	test_response_free(&r);
	char *path = task_path();
	char *text = text_of(&d, path);
	free(path);
	ck_assert_msg(strstr(text, "\"big\":\"9007199254740993\"") &&
			      strstr(text, "\"huge\":\"123456789012345678901234567890\""),
		      "%s", text);
	free(text);
	test_daemon_down(&d);
}
END_TEST

/* Seeds and times come back with all their digits, and what is listed
 * posts back to the same. */
START_TEST(seeds_and_times_round_trip_exactly)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/clock",
				    "{\"set\":9007199254740991,\"freeze\":true}", 200));
	char *clock = text_of(&d, "/_mock/clock");
	ck_assert_msg(strstr(clock, "\"now\":9007199254740991") != NULL, "%s", clock);
	free(clock);
	cJSON_Delete(
		test_json_call(&d, "POST", "/_mock/faults",
			       "{\"op\":\"stop\",\"seed\":9007199254740991,\"probability\":0.5,"
			       "\"action\":{\"type\":\"drop\"}}",
			       201));
	/* a fault without a seed gets a default one; it is listed exactly */
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/faults",
				    "{\"op\":\"resume\",\"action\":{\"type\":\"drop\"}}", 201));
	char *faults = text_of(&d, "/_mock/faults");
	ck_assert_msg(strstr(faults, "\"seed\":9007199254740991") != NULL, "%s", faults);
	ck_assert_msg(strstr(faults, "e+") == NULL, "a number in exponent form: %s", faults);
	ck_assert_msg(strstr(faults, "\"createdAt\":9007199254740991") != NULL, "%s", faults);
	free(faults);
	/* a journal entry at that time too */
	test_response r = test_oms_request(&d, "delete", stopped_name, NULL, NULL);
	test_response_free(&r);
	char *journal = text_of(&d, "/_mock/journal");
	ck_assert_msg(strstr(journal, "\"time\":9007199254740991") != NULL, "%s", journal);
	free(journal);
	test_daemon_down(&d);
}
END_TEST

/* The clock refuses to leave 0..2^53-1 ms, and says the range. */
START_TEST(clock_refuses_to_leave_its_range)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	static const char *const refused[] = {
		"{\"set\":9007199254740992}",	       "{\"set\":-1}",
		"{\"set\":9223372036854775807}",       "{\"set\":1e300}",
		"{\"advanceMs\":9223372036854775807}",
	};
	for (size_t i = 0; i < COUNT(refused); i++) {
		cJSON *root = test_json_call(&d, "POST", "/_mock/clock", refused[i], 400);
		const char *message = test_string_member(root, "message");
		ck_assert_msg(message && strstr(message, "9007199254740991"), "%s: %s", refused[i],
			      message ? message : "(none)");
		cJSON_Delete(root);
	}
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/clock",
				    "{\"set\":9007199254740000,\"freeze\":true}", 200));
	cJSON *root = test_json_call(&d, "POST", "/_mock/clock", "{\"advanceMs\":992}", 400);
	cJSON_Delete(root);
	/* nothing moved */
	char *clock = text_of(&d, "/_mock/clock");
	ck_assert_msg(strstr(clock, "\"now\":9007199254740000") != NULL, "%s", clock);
	free(clock);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/clock", "{\"advanceMs\":991}", 200));
	test_daemon_down(&d);
}
END_TEST

/* Every control body refuses a field it does not read. */
START_TEST(unknown_fields_are_refused_everywhere)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char *path = task_path();
	char fail[1024];
	snprintf(fail, sizeof fail, "%s/fail", path);
	free(path);
	const struct {
		const char *path, *body;
	} bodies[] = {
		{fail, "{\"message\":\"m\",\"extra\":1}"},
		{"/_mock/snapshots", "{\"name\":\"s1\",\"extra\":1}"},
		{"/_mock/clock", "{\"freeze\":true,\"extra\":1}"},
		{"/_mock/faults", "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"},\"extra\":1}"},
		{"/_mock/tasks", "{\"taskName\":\"10.0.0.1-9000:connector_v2:p_x-incr_trans-1-0:"
				 "0000000001\",\"state\":\"STOPPED\",\"config\":{},\"extra\":1}"},
	};
	for (size_t i = 0; i < COUNT(bodies); i++) {
		cJSON *root = test_json_call(&d, "POST", bodies[i].path, bodies[i].body, 400);
		const char *message = test_string_member(root, "message");
		ck_assert_msg(message && strstr(message, "extra"), "%s: %s", bodies[i].path,
			      message ? message : "(none)");
		cJSON_Delete(root);
	}
	/* a route that reads no body refuses one with fields; blank and {} pass */
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/reset", "{\"tasks\":[]}", 400));
	cJSON_Delete(test_json_call(&d, "DELETE", "/_mock/journal", "{\"all\":true}", 400));
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/reset", "not json", 400));
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/reset", "{}", 200));
	cJSON_Delete(test_json_call(&d, "GET", "/_mock/health", " ", 200));
	/* nothing was applied */
	ck_assert_str_eq(test_task_state(&d, stopped_name), "STOPPED");
	cJSON *list = test_get_json(&d, "/_mock/snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(test_member(list, "snapshots")), 0);
	cJSON_Delete(list);
	test_daemon_down(&d);
}
END_TEST

/* A scope with a '.' is refused: deleteParams could never delete from it. */
START_TEST(scope_with_a_dot_is_refused)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_response r =
		test_oms_request(&d, "update", stopped_name, NULL, "{\"a.b\":{\"k\":\"v\"}}");
	char code[64];
	ck_assert(!test_envelope_ok(&r, code, sizeof code));
	ck_assert_str_eq(code, "INVALID_ARGUMENT");
	test_response_free(&r);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/tasks",
				    "{\"taskName\":\"10.0.0.1-9000:connector_v2:p_x-incr_trans-1-0:"
				    "0000000001\",\"state\":\"STOPPED\",\"config\":{\"a.b\":{}}}",
				    400));
	test_daemon_down(&d);
}
END_TEST

/* A fault answers with an OMS code as OMS writes it. */
START_TEST(fault_codes_as_oms_writes_them)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/faults",
				    "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				    "\"errCode\":\"CM-RESOAT1111\"}}",
				    201));
	test_response r = test_oms_request(&d, "resume", stopped_name, NULL, NULL);
	test_response_free(&r);
	r = test_oms_request(&d, "stop", stopped_name, NULL, NULL);
	char code[64];
	ck_assert(!test_envelope_ok(&r, code, sizeof code));
	ck_assert_str_eq(code, "CM-RESOAT1111");
	test_response_free(&r);
	/* past the cap of 63 bytes */
	cJSON_Delete(
		test_json_call(&d, "POST", "/_mock/faults",
			       "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":"
			       "\"CM-0123456789012345678901234567890123456789012345678901234567"
			       "890\"}}", /* 64 bytes */
			       400));
	test_daemon_down(&d);
}
END_TEST

/* A control body past --max-body: 413, nothing created. */
START_TEST(control_body_past_the_limit_is_413)
{
	test_daemon d;
	test_daemon_up(&d, (const char *const[]){"--max-body", "1024", NULL}, NULL);
	char body[2048];
	int len = snprintf(body, sizeof body,
			   "{\"taskName\":\"10.0.0.1-9000:connector_v2:p_big-incr_trans-1-0:"
			   "0000000001\",\"state\":\"STOPPED\",\"config\":{\"s\":{\"k\":\"");
	memset(body + len, 'x', 1200);
	strcpy(body + len + 1200, "\"}}}");
	cJSON *root = test_json_call(&d, "POST", "/_mock/tasks", body, 413);
	cJSON_Delete(root);
	cJSON *count = test_get_json(&d, "/_mock/health");
	ck_assert_int_eq((int)test_number_member(count, "tasks"), 8);
	cJSON_Delete(count);
	test_daemon_down(&d);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *suite = suite_create("control");
	TCase *tc = tcase_create("control");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, update_keeps_big_integers_exact);
	tcase_add_test(tc, seeds_and_times_round_trip_exactly);
	tcase_add_test(tc, clock_refuses_to_leave_its_range);
	tcase_add_test(tc, unknown_fields_are_refused_everywhere);
	tcase_add_test(tc, scope_with_a_dot_is_refused);
	tcase_add_test(tc, fault_codes_as_oms_writes_them);
	tcase_add_test(tc, control_body_past_the_limit_is_413);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(control_suite()); }
