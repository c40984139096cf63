/*
 * integration_fidelity.c — the switches of the mock rules and the errCode
 * mapping (docs/parity.md), through the real daemon over HTTP.
 *
 * Each mock rule that a real CM might not enforce is tried with its default
 * and with its switch turned; the [errors] section's renamed codes are
 * checked in the answer, the journal and the metrics.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static const char running_incr[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001";
static const char running_full[] =
	"10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001";
static const char created[] =
	"10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001";

/* An OMS call whose envelope must say `err_code` ("" for success). */
static void expect(const test_daemon *d, const char *op, const char *task, const char *body,
		   const char *err_code)
{
	test_response r = test_oms_request(d, op, task, NULL, body);
	char got[128];
	bool ok = test_envelope_ok(&r, got, sizeof got);
	ck_assert_msg(ok == (err_code[0] == '\0') && strcmp(got, err_code) == 0,
		      "%s %s: answered \"%s\", expected \"%s\": %s", op, task, got, err_code,
		      r.body);
	test_response_free(&r);
}

/* Starts a daemon with `text` as its config file (and no other flags). */
static void up_with_config(test_daemon *d, char *conf_dir, size_t cap, const char *text)
{
	test_temp_dir(conf_dir, cap);
	char conf[512];
	snprintf(conf, sizeof conf, "%s/test.conf", conf_dir);
	FILE *file = fopen(conf, "w");
	ck_assert_ptr_nonnull(file);
	fputs(text, file);
	fclose(file);
	const char *const args[] = {"--config", conf, NULL};
	test_daemon_up(d, args, NULL);
}

START_TEST(delete_running_is_refused_by_default)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	expect(&d, "delete", running_incr, NULL, "ILLEGAL_STATE");
	ck_assert_str_eq(test_task_state(&d, running_incr), "RUNNING");
	test_daemon_down(&d);
}
END_TEST

START_TEST(delete_running_allowed_by_its_switch)
{
	test_daemon d;
	const char *const args[] = {"--delete-running", "allow", NULL};
	test_daemon_up(&d, args, NULL);
	expect(&d, "delete", running_incr, NULL, "");
	expect(&d, "stop", running_incr, NULL, "TASK_NOT_FOUND");
	/* the state machine the control API draws follows the switch */
	cJSON *rules = test_get_json(&d, "/_mock/rules");
	ck_assert(cJSON_IsTrue(test_member(rules, "deleteRunning")));
	const cJSON *row;
	int seen = 0;
	cJSON_ArrayForEach(row, test_member(rules, "transitions"))
	{
		if (strcmp(test_string_member(row, "op"), "delete") == 0 &&
		    strcmp(test_string_member(row, "from"), "RUNNING") == 0) {
			ck_assert(cJSON_IsTrue(test_member(row, "allowed")));
			seen++;
		}
	}
	ck_assert_int_gt(seen, 0);
	cJSON_Delete(rules);
	/* the other rules stay: a repeated stop is still refused */
	expect(&d, "stop", running_full, NULL, "");
	expect(&d, "stop", running_full, NULL, "ILLEGAL_STATE");
	test_daemon_down(&d);
}
END_TEST

START_TEST(update_running_allowed_by_its_switch)
{
	static const char body[] = "{\"coordinator\":{\"throttleRps\":\"500\"}}";
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	expect(&d, "update", running_full, body, "ILLEGAL_STATE");
	test_daemon_down(&d);

	const char *const args[] = {"--update-running", "allow", NULL};
	test_daemon_up(&d, args, NULL);
	expect(&d, "update", running_full, body, "");
	ck_assert_str_eq(test_task_state(&d, running_full), "RUNNING");
	char *escaped = test_escape(running_full);
	char path[512];
	snprintf(path, sizeof path, "/_mock/tasks/%s", escaped);
	free(escaped);
	cJSON *task = test_get_json(&d, path);
	const cJSON *coordinator = test_member(test_member(task, "config"), "coordinator");
	ck_assert_str_eq(test_string_member(coordinator, "throttleRps"), "500");
	cJSON_Delete(task);
	test_daemon_down(&d);
}
END_TEST

START_TEST(update_created_refused_by_its_switch)
{
	static const char body[] = "{\"sink\":{\"workerNum\":\"8\"}}";
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	expect(&d, "update", created, body, "");
	test_daemon_down(&d);

	const char *const args[] = {"--update-created", "refuse", NULL};
	test_daemon_up(&d, args, NULL);
	expect(&d, "update", created, body, "ILLEGAL_STATE");
	ck_assert_str_eq(test_task_state(&d, created), "CREATED");
	test_daemon_down(&d);
}
END_TEST

/* --error-detail null: every failure of the OMS routes, business or HTTP
 * level, answers "errorDetail":null with the envelope's keys in order. */
START_TEST(error_detail_null)
{
	test_daemon d;
	const char *const args[] = {"--error-detail", "null", NULL};
	test_daemon_up(&d, args, NULL);
	test_response r = test_oms_request(&d, "resume", running_incr, NULL, NULL);
	static const char head[] = "{\"errCode\":\"ILLEGAL_STATE\",\"errMsg\":\"";
	static const char tail[] =
		"\",\"errorDetail\":null,\"isSuccess\":false,\"result\":null,\"retryable\":false}";
	ck_assert_msg(strncmp(r.body, head, sizeof head - 1) == 0, "%s", r.body);
	ck_assert_msg(r.body_len > sizeof tail &&
			      strcmp(r.body + r.body_len - (sizeof tail - 1), tail) == 0,
		      "%s", r.body);
	test_response_free(&r);

	r = test_request(&d, "POST", "/connector/task/v2/pause", NULL, NULL);
	ck_assert_int_eq(r.status, 404);
	ck_assert_msg(strstr(r.body, "\"errorDetail\":null") != NULL, "%s", r.body);
	test_response_free(&r);

	/* success answers are the OMS page's, whatever the setting */
	r = test_oms_request(&d, "stop", running_incr, NULL, NULL);
	char code[64];
	ck_assert(test_envelope_ok(&r, code, sizeof code));
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

/* [errors] renames the answered codes; the journal and the metrics keep the
 * canonical names beside them. */
START_TEST(error_codes_renamed)
{
	char conf_dir[256];
	test_daemon d;
	up_with_config(&d, conf_dir, sizeof conf_dir,
		       "[errors]\nILLEGAL_STATE = CM-SCHEDULER000003\n"
		       "TASK_NOT_FOUND = CM-RESOAT1111\n");
	test_response r = test_oms_request(&d, "resume", running_incr, NULL, NULL);
	cJSON *root = test_response_json(&r);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(test_string_member(root, "errCode"), "CM-SCHEDULER000003");
	ck_assert_str_eq(test_string_member(test_member(root, "errorDetail"), "code"),
			 "CM-SCHEDULER000003");
	cJSON_Delete(root);
	test_response_free(&r);
	expect(&d, "stop", "10.0.0.99-9000:connector_v2:np_none-incr_trans-1-0:0000000001", NULL,
	       "CM-RESOAT1111");
	/* a code left out of [errors] answers its own name */
	expect(&d, "resume", created, NULL, "UNSUPPORTED_OPERATION");

	cJSON *journal = test_get_json(&d, "/_mock/journal?errCode=UNSUPPORTED_OPERATION");
	const cJSON *entry = cJSON_GetArrayItem(test_member(journal, "entries"), 0);
	ck_assert_ptr_nonnull(entry);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(entry, "answeredErrCode"));
	cJSON_Delete(journal);
	journal = test_get_json(&d, "/_mock/journal?errCode=ILLEGAL_STATE");
	entry = cJSON_GetArrayItem(test_member(journal, "entries"), 0);
	ck_assert_ptr_nonnull(entry);
	ck_assert_str_eq(test_string_member(entry, "errCode"), "ILLEGAL_STATE");
	ck_assert_str_eq(test_string_member(entry, "answeredErrCode"), "CM-SCHEDULER000003");
	cJSON_Delete(journal);

	r = test_request(&d, "GET", "/_mock/metrics", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body,
			     "connector_mock_requests_total{namespace=\"default\",op=\"resume\","
			     "outcome=\"ILLEGAL_STATE\",injected=\"false\"} 1") != NULL,
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "connector_mock_error_code_info{code=\"ILLEGAL_STATE\","
				     "answered=\"CM-SCHEDULER000003\"} 1") != NULL,
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "connector_mock_error_code_info{code=\"INVALID_ARGUMENT\","
				     "answered=\"INVALID_ARGUMENT\"} 1") != NULL,
		      "%s", r.body);
	test_response_free(&r);
	test_daemon_down(&d);
	test_remove_temp_dir(conf_dir);
}
END_TEST

/* A fault that names one of the mock's own codes answers it renamed too. */
START_TEST(injected_own_code_renamed)
{
	char conf_dir[256];
	test_daemon d;
	up_with_config(&d, conf_dir, sizeof conf_dir, "[errors]\nINTERNAL_ERROR = CM-SYS0001\n");
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/faults",
				    "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				    "\"errCode\":\"INTERNAL_ERROR\",\"retryable\":true}}",
				    201));
	expect(&d, "stop", running_incr, NULL, "CM-SYS0001");
	test_daemon_down(&d);
	test_remove_temp_dir(conf_dir);
}
END_TEST

static Suite *fidelity_suite(void)
{
	const test_entry tests[] = {
		{"switches", delete_running_is_refused_by_default},
		{"switches", delete_running_allowed_by_its_switch},
		{"switches", update_running_allowed_by_its_switch},
		{"switches", update_created_refused_by_its_switch},
		{"switches", error_detail_null},
		{"errors", error_codes_renamed},
		{"errors", injected_own_code_renamed},
	};
	Suite *suite = suite_create("integration_fidelity");
	test_add_grouped(suite, tests, COUNT(tests), 30);
	return suite;
}

int main(void) { return test_run_suite(fidelity_suite()); }
