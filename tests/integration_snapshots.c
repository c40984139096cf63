/*
 * integration_snapshots.c — snapshots: save, restore and delete, sequences that never go down,
 * names, and snapshots that survive a restart; over real HTTP against the real binary.
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
#define FIXTURE_TASKS 8

static cJSON *snapshot_list(const test_daemon *d, const char *prefix)
{
	char path[256];
	test_pathf(path, sizeof path, "%s/_mock/snapshots", prefix);
	cJSON *root = test_get_json(d, path);
	ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "snapshots")));
	return root;
}

/* The "tasks" of snapshot `name` in the listing, or -1 when absent. */
static int64_t snapshot_tasks(const test_daemon *d, const char *prefix, const char *name)
{
	cJSON *root = snapshot_list(d, prefix);
	int64_t tasks = -1;
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "snapshots"))
	{
		if (strcmp(test_string_member(item, "name"), name) == 0)
			tasks = test_int_member(item, "tasks");
	}
	cJSON_Delete(root);
	return tasks;
}

START_TEST(snapshot_restore_brings_back_a_deleted_task)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON *saved = test_task_get(&d, "", DOC_STOPPED);
	char *saved_text = cJSON_PrintUnformatted(saved);
	cJSON_Delete(saved);
	cJSON *created =
		test_json_call(&d, "POST", "/_mock/snapshots", "{\"name\":\"before\"}", 201);
	cJSON_Delete(created);
	ck_assert_int_eq(snapshot_tasks(&d, "", "before"), FIXTURE_TASKS);

	ck_assert_str_eq(test_oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_STOPPED, NULL, NULL), "TASK_NOT_FOUND");
	const char *added = "10.6.6.6-9000:connector_v2:p_after-incr_trans-1-0:0000000001";
	test_create_task(&d, "", added, "STOPPED");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL), "");

	cJSON *listing = test_json_call(&d, "POST", "/_mock/snapshots/before/restore", NULL, 200);
	cJSON_Delete(listing);
	cJSON *back = test_task_get(&d, "", DOC_STOPPED);
	ck_assert_msg(back != NULL, "the deleted task is not back");
	char *back_text = cJSON_PrintUnformatted(back);
	ck_assert_msg(strcmp(saved_text, back_text) == 0, "restored:\n%s\nsaved:\n%s", back_text,
		      saved_text);
	free(back_text);
	free(saved_text);
	cJSON_Delete(back);
	ck_assert_str_eq(test_state_in(&d, "", added), "");		 /* created after: gone */
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "RUNNING"); /* stopped after: undone */
	ck_assert_int_eq(test_task_count(&d, ""), FIXTURE_TASKS);
	/* it works again, and the journal was kept */
	ck_assert_str_eq(test_oms_code(&d, "", "resume", DOC_STOPPED, NULL, NULL), "");
	ck_assert_int_eq(test_journal_count(&d, "", ""), 4);
	/* the snapshot stays and can be restored again */
	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots/before/restore", NULL),
			 200);
	ck_assert_str_eq(test_state_in(&d, "", DOC_STOPPED), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

/* A restore brings tasks back but never lowers a sequence: the contract's
 * "never reused" holds across snapshots too. */
START_TEST(snapshot_restore_and_sequences)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/snapshots", "{\"name\":\"seq\"}", 201));
	test_response r = test_oms_in(&d, "", "migrate", DOC_STOPPED, "ip=10.1.1.1", NULL);
	cJSON *root = test_response_json(&r);
	char first[256];
	snprintf(first, sizeof first, "%s",
		 test_string_member(root, "result") ? test_string_member(root, "result") : "");
	cJSON_Delete(root);
	test_response_free(&r);
	ck_assert_str_eq(first, "10.1.1.1-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002");

	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots/seq/restore", NULL), 200);
	ck_assert_str_eq(test_state_in(&d, "", DOC_STOPPED), "STOPPED");
	ck_assert_str_eq(test_state_in(&d, "", first), "");
	r = test_oms_in(&d, "", "migrate", DOC_STOPPED, "ip=10.1.1.2", NULL);
	root = test_response_json(&r);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isSuccess")),
		      "migrate after a restore failed: %s", r.body);
	const char *second = test_string_member(root, "result");
	ck_assert_ptr_nonnull(second);
	const char *seq = strrchr(second, ':');
	ck_assert_ptr_nonnull(seq);
	/* CONTRACT: a SEQ is never issued twice; a restore does not lower the
	 * sequences, so the migrate after it skips past ...0002 */
	ck_assert_str_eq(second,
			 "10.1.1.2-9000:connector_v2:p_493po****-incr_trans-1-0:0000000003");
	cJSON_Delete(root);
	test_response_free(&r);
	test_daemon_down(&d);
}
END_TEST

START_TEST(snapshot_names_and_unknowns)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char long_name[100];
	memset(long_name, 'x', 65);
	long_name[65] = '\0';
	char body[256];
	const char *bad_bodies[] = {
		"{\"name\":\"bad name\"}",
		"{\"name\":\"\"}",
		"{\"name\":\"a/b\"}",
		"{\"name\":\"a.b\"}",
		"{\"name\":5}",
		"{\"name\":null}",
		"{}",
		"[\"x\"]",
		"not json",
		"",
		body,
	};
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", long_name);
	for (size_t i = 0; i < sizeof bad_bodies / sizeof *bad_bodies; i++) {
		long status = test_call_status(&d, "POST", "/_mock/snapshots", bad_bodies[i]);
		ck_assert_msg(status == 400, "snapshot body %s: %ld, want 400", bad_bodies[i],
			      status);
	}
	cJSON *root = snapshot_list(&d, "");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "snapshots")),
			 0);
	cJSON_Delete(root);

	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots/nope/restore", NULL), 404);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/snapshots/nope", NULL), 404);
	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots/bad!x/restore", NULL), 400);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/snapshots/bad!x", NULL), 400);

	/* 64 characters are fine; names are listed in order; saving over a
	 * name replaces it; DELETE removes one */
	char max_name[100], path[256];
	memset(max_name, 'm', 64);
	max_name[64] = '\0';
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", max_name);
	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots", body), 201);
	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots", "{\"name\":\"b-2_x\"}"),
			 201);
	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots", "{\"name\":\"A1\"}"),
			 201);
	root = snapshot_list(&d, "");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "snapshots");
	ck_assert_int_eq(cJSON_GetArraySize(list), 3);
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(list, 0), "name"), "A1");
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(list, 1), "name"), "b-2_x");
	ck_assert_pstr_eq(test_string_member(cJSON_GetArrayItem(list, 2), "name"), max_name);
	ck_assert(cJSON_IsNumber(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "createdAt")));
	cJSON_Delete(root);
	ck_assert_str_eq(test_oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	ck_assert_int_eq(test_call_status(&d, "POST", "/_mock/snapshots", "{\"name\":\"A1\"}"),
			 201);
	ck_assert_int_eq(snapshot_tasks(&d, "", "A1"), FIXTURE_TASKS - 1);
	ck_assert_int_eq(snapshot_tasks(&d, "", "b-2_x"), FIXTURE_TASKS);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/snapshots/b-2_x", NULL), 200);
	ck_assert_int_eq(snapshot_tasks(&d, "", "b-2_x"), -1);
	test_pathf(path, sizeof path, "/_mock/snapshots/b-2_x/restore");
	ck_assert_int_eq(test_call_status(&d, "POST", path, NULL), 404);
	/* a namespace's snapshots are its own */
	ck_assert_int_eq(snapshot_tasks(&d, "/ns/elsewhere", "A1"), -1);
	ck_assert_int_eq(
		test_call_status(&d, "POST", "/ns/elsewhere/_mock/snapshots/A1/restore", NULL),
		404);
	test_daemon_down(&d);
}
END_TEST

START_TEST(snapshots_survive_a_restart)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/snapshots", "{\"name\":\"kept\"}", 201));
	cJSON_Delete(test_json_call(&d, "POST", "/ns/side/_mock/snapshots", "{\"name\":\"side1\"}",
				    201));
	ck_assert_str_eq(test_oms_code(&d, "", "delete", DOC_STOPPED, NULL, NULL), "");
	test_daemon_down_keep(&d);

	test_daemon again;
	test_daemon copy = d;
	test_daemon_up(&again, NULL, &copy);
	ck_assert_int_eq(snapshot_tasks(&again, "", "kept"), FIXTURE_TASKS);
	ck_assert_int_eq(snapshot_tasks(&again, "/ns/side", "side1"), FIXTURE_TASKS);
	ck_assert_str_eq(test_state_in(&again, "", DOC_STOPPED), ""); /* the delete was kept too */
	ck_assert_int_eq(test_call_status(&again, "POST", "/_mock/snapshots/kept/restore", NULL),
			 200);
	ck_assert_str_eq(test_state_in(&again, "", DOC_STOPPED), "STOPPED");
	test_daemon_down(&again);
}
END_TEST

static Suite *snapshots_suite(void)
{
	Suite *suite = suite_create("integration_snapshots");
	const test_entry plain[] = {
		{"snapshots", snapshot_restore_brings_back_a_deleted_task},
		{"snapshots", snapshot_restore_and_sequences},
		{"snapshots", snapshot_names_and_unknowns},
		{"snapshots", snapshots_survive_a_restart},
	};
	test_add_grouped(suite, plain, COUNT(plain), 120);
	return suite;
}

int main(void) { return test_run_suite(snapshots_suite()); }
