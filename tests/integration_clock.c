/*
 * integration_clock.c — the virtual clock: freeze, set, advance and resume; what it stamps; refused
 * bodies; the audit retention that runs on it; over real HTTP against the real binary.
 *
 * Every test starts its own daemon(s) on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state. The helpers
 * for OMS calls and the control API are in support.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
/* well-formed, but in no fixture: every operation on it is TASK_NOT_FOUND */
#define NOPE "10.0.0.99-9000:connector_v2:p_nope-incr_trans-1-0:0000000001"

#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1700000000000)

START_TEST(clock_freeze_set_advance_resume)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	bool frozen = true;
	int64_t now = test_clock_now(&d, "", &frozen);
	ck_assert(!frozen);
	ck_assert_msg(llabs(now - test_realtime_ms()) < 5000,
		      "a fresh clock is %lld ms off real time",
		      (long long)(now - test_realtime_ms()));

	/* freeze: it stands still */
	int64_t at = test_clock_post(&d, "", "{\"freeze\":true}");
	test_sleep_ms(100);
	ck_assert_int_eq(test_clock_now(&d, "", &frozen), at);
	ck_assert(frozen);
	test_sleep_ms(100);
	ck_assert_int_eq(test_clock_now(&d, "", NULL), at);

	/* set and advance, exactly, while frozen */
	ck_assert_int_eq(test_clock_post(&d, "", "{\"set\":1700000000000}"), T0);
	ck_assert_int_eq(test_clock_post(&d, "", "{\"advanceMs\":5000}"), T0 + 5000);
	ck_assert_int_eq(test_clock_post(&d, "", "{\"advanceMs\":0}"), T0 + 5000);
	ck_assert_int_eq(test_clock_now(&d, "", NULL), T0 + 5000);
	ck_assert_int_eq(test_clock_post(&d, "", "{\"set\":1000,\"advanceMs\":5}"), 1005);

	/* unfreeze: it runs on from the frozen instant, not from real time */
	test_clock_post(&d, "", "{\"set\":1700000000000}");
	int64_t resumed = test_clock_post(&d, "", "{\"freeze\":false}");
	ck_assert_msg(resumed >= T0 && resumed < T0 + 1000, "resumed at %lld, frozen at %lld",
		      (long long)resumed, (long long)T0);
	test_sleep_ms(150);
	now = test_clock_now(&d, "", &frozen);
	ck_assert(!frozen);
	ck_assert_msg(now >= T0 + 140 && now < T0 + 2000,
		      "150 ms after resuming at T0 it reads T0%+lld", (long long)(now - T0));

	/* set while running: runs on from there */
	now = test_clock_post(&d, "", "{\"set\":1800000000000}");
	ck_assert_msg(now >= INT64_C(1800000000000) && now < INT64_C(1800000001000),
		      "set gave %lld", (long long)now);
	/* advance while running */
	int64_t before = test_clock_now(&d, "", NULL);
	now = test_clock_post(&d, "", "{\"advanceMs\":3600000}");
	ck_assert_msg(now >= before + 3600000 && now < before + 3601000, "advance gave %+lld",
		      (long long)(now - before));
	/* freeze and set together */
	ck_assert_int_eq(test_clock_post(&d, "", "{\"freeze\":true,\"set\":42}"), 42);
	ck_assert_int_eq(test_clock_now(&d, "", &frozen), 42);
	ck_assert(frozen);
	test_daemon_down(&d);
}
END_TEST

START_TEST(clock_stamps_journal_and_tasks)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	cJSON *task = test_task_get(&d, "", DOC_RUNNING);
	ck_assert_int_eq(test_int_member(task, "updatedAt"), T0);
	cJSON_Delete(task);
	cJSON *root = test_journal_get(&d, "", "");
	ck_assert_int_eq(test_int_member(cJSON_GetArrayItem(test_journal_entries(root), 0), "time"),
			 T0);
	cJSON_Delete(root);

	test_clock_post(&d, "", "{\"advanceMs\":2500}");
	const char *name = "10.5.5.5-9000:connector_v2:p_clock-incr_trans-1-0:0000000001";
	test_create_task(&d, "", name, "STOPPED");
	task = test_task_get(&d, "", name);
	ck_assert_int_eq(test_int_member(task, "createdAt"), T0 + 2500);
	ck_assert_int_eq(test_int_member(task, "updatedAt"), T0 + 2500);
	cJSON_Delete(task);
	test_clock_post(&d, "", "{\"advanceMs\":500}");
	ck_assert_str_eq(test_oms_code(&d, "", "resume", name, NULL, NULL), "");
	task = test_task_get(&d, "", name);
	ck_assert_int_eq(test_int_member(task, "createdAt"), T0 + 2500);
	ck_assert_int_eq(test_int_member(task, "updatedAt"), T0 + 3000);
	cJSON_Delete(task);
	root = test_journal_get(&d, "", "op=resume");
	ck_assert_int_eq(test_int_member(cJSON_GetArrayItem(test_journal_entries(root), 0), "time"),
			 T0 + 3000);
	cJSON_Delete(root);
	/* an injected answer is stamped too */
	test_add_fault(&d, "", "{\"op\":\"delete\",\"action\":{\"type\":\"error\"}}");
	test_clock_post(&d, "", "{\"advanceMs\":1}");
	ck_assert_str_eq(test_oms_code(&d, "", "delete", name, NULL, NULL), "INJECTED_FAULT");
	root = test_journal_get(&d, "", "op=delete");
	ck_assert_int_eq(test_int_member(cJSON_GetArrayItem(test_journal_entries(root), 0), "time"),
			 T0 + 3001);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_clock_bodies[] = {
	"",
	"not json",
	"{}",
	"[]",
	"\"freeze\"",
	"{\"set\":-1}",
	"{\"set\":1.5}",
	"{\"set\":\"1700000000000\"}",
	"{\"set\":null}",
	"{\"set\":1e300}",
	"{\"advanceMs\":-5}",
	"{\"advanceMs\":true}",
	"{\"freeze\":1}",
	"{\"freeze\":\"true\"}",
	"{\"freeze\":null}",
	"{\"bogus\":1}",
	"{\"set\":1,\"set\":2}",
	"{\"set\":5,\"bogus\":2}",
	"{\"freeze\":false,\"advanceMs\":-1}",
};
enum { BAD_CLOCK_BODIES = sizeof bad_clock_bodies / sizeof *bad_clock_bodies };

START_TEST(clock_bad_bodies)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	for (int i = 0; i < BAD_CLOCK_BODIES; i++) {
		test_response r = test_call(&d, "POST", "/_mock/clock", bad_clock_bodies[i]);
		ck_assert_msg(r.status == 400, "clock body %s: want 400, got %ld %s",
			      bad_clock_bodies[i], r.status, r.body);
		test_response_free(&r);
		bool frozen = false;
		ck_assert_msg(test_clock_now(&d, "", &frozen) == T0 && frozen,
			      "clock body %s changed the clock", bad_clock_bodies[i]);
	}
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/clock", NULL), 405);
	test_daemon_down(&d);
}
END_TEST

/* The required scenario of the retention. */
START_TEST(frozen_clock_advanced_8_days_purges_7_day_audit)
{
	test_daemon d;
	const char *const args[] = {"--audit-retention", "7d", NULL};
	test_daemon_up(&d, args, NULL);
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(test_oms_code(&d, "", "resume", DOC_RUNNING, NULL, NULL), "");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(test_journal_count(&d, "", ""), 3);

	int64_t frozen_at = test_clock_post(&d, "", "{\"freeze\":true}");
	int64_t later = test_clock_post(&d, "", "{\"advanceMs\":691200000}"); /* 8 days */
	ck_assert_int_eq(later, frozen_at + 8 * DAY_MS);
	ck_assert_str_eq(
		test_oms_code(&d, "", "update", DOC_STOPPED, NULL, "{\"sink\":{\"a\":\"b\"}}"), "");
	cJSON *root = test_journal_get(&d, "", "");
	const cJSON *entries = test_journal_entries(root);
	ck_assert_msg(cJSON_GetArraySize(entries) == 1, "%d records remain, want only the new one",
		      cJSON_GetArraySize(entries));
	const cJSON *entry = cJSON_GetArrayItem(entries, 0);
	ck_assert_pstr_eq(test_string_member(entry, "op"), "update");
	ck_assert_pstr_eq(test_string_member(entry, "taskName"), DOC_STOPPED);
	ck_assert_int_eq(test_int_member(entry, "time"), later);
	cJSON_Delete(root);
	ck_assert_int_eq(test_journal_count(&d, "", ""), 1);
	test_daemon_down(&d);
}
END_TEST

/* Records younger than the retention stay. */
START_TEST(retention_keeps_younger_records)
{
	test_daemon d;
	const char *const args[] = {"--audit-retention", "7d", NULL};
	test_daemon_up(&d, args, NULL);
	test_clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	test_clock_post(&d, "", "{\"advanceMs\":518400000}"); /* 6 days */
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(test_journal_count(&d, "", ""), 2);
	test_clock_post(&d, "", "{\"advanceMs\":172800000}"); /* 8 days after the first */
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(test_journal_count(&d, "", ""), 2);
	ck_assert_int_eq(test_journal_count(&d, "", "since=1700000000001"), 2);
	test_daemon_down(&d);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *suite = suite_create("integration_clock");
	const test_entry plain[] = {
		{"clock", clock_freeze_set_advance_resume},
		{"clock", clock_stamps_journal_and_tasks},
		{"clock", clock_bad_bodies},
		{"clock", frozen_clock_advanced_8_days_purges_7_day_audit},
		{"clock", retention_keeps_younger_records},
	};
	test_add_grouped(suite, plain, COUNT(plain), 120);
	return suite;
}

int main(void) { return test_run_suite(clock_suite()); }
