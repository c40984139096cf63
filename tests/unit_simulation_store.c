/*
 * unit_simulation_store.c — the simulation kept by the store
 * (store/simulation_store.c), through the store's public API, without
 * HTTP: fixtures that carry settings, transitions applied in virtual-time
 * order, a migrate that keeps a task moving, a failure forced by hand that
 * freezes it, snapshots, turning the simulation off and on, a clock set
 * back, and the server's [simulation] settings.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/settings.h"
#include "../store/store_simulation.h"
#include "support.h"

#define T0 1767225600000LL
#define A "10.0.0.1-9000:connector_v2:p_a-full_trans-1-0:0000000001"
#define B "10.0.0.1-9000:connector_v2:p_b-full_trans-1-0:0000000001"
#define NS "sim"

typedef struct {
	char dir[256];
	char path[300];
	task_store *store;
} fixture;

/* A store whose namespaces are seeded from `fixtures`; namespace NS is
 * created (by a write: a read creates nothing) at T0. */
static void open_store(fixture *f, const char *fixtures)
{
	test_temp_dir(f->dir, sizeof f->dir);
	snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
	store_options options = {.path = f->path, .busy_timeout_ms = 1000};
	bool created;
	char why[512] = "";
	ck_assert_msg(store_open(&options, &f->store, &created, why, sizeof why) == 0, "%s", why);
	ck_assert_int_eq(store_set_fixtures(f->store, fixtures, strlen(fixtures)), 0);
	ck_assert_int_eq(store_journal_clear(f->store, NS, T0), STORE_OK);
}

static void close_store(fixture *f)
{
	store_close(f->store);
	char command[600];
	snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(command), 0);
}

static const char two_running[] =
	"{\"simulation\":{\"enabled\":true,\"fullDurationMs\":1000},\"tasks\":["
	"{\"taskName\":\"" A "\",\"state\":\"RUNNING\",\"progress\":0.5},"
	"{\"taskName\":\"" B "\",\"state\":\"RUNNING\",\"progress\":0.9}]}";

static cJSON *task_at(fixture *f, const char *name, int64_t now)
{
	cJSON *task = NULL;
	ck_assert_int_eq(store_get_task(f->store, NS, name, now, &task), STORE_OK);
	return task;
}

static double progress_at(fixture *f, const char *name, int64_t now)
{
	cJSON *task = task_at(f, name, now);
	double progress = test_number_member(task, "progress");
	cJSON_Delete(task);
	return progress;
}

static char *state_at(fixture *f, const char *name, int64_t now)
{
	cJSON *task = task_at(f, name, now);
	char *state = strdup(test_string_member(task, "state"));
	cJSON_Delete(task);
	return state;
}

static void assert_state(fixture *f, const char *name, int64_t now, const char *expected)
{
	char *state = state_at(f, name, now);
	ck_assert_msg(strcmp(state, expected) == 0, "%s at %lld: %s, expected %s", name,
		      (long long)(now - T0), state, expected);
	free(state);
}

static error_code run_op(fixture *f, rules_op op, const char *name, const char *host, int64_t now,
			 char *result, size_t cap)
{
	store_request request = {.ns = NS,
				 .op = op,
				 .task_name = name,
				 .new_host = host,
				 .now_ms = now,
				 .client = "test",
				 .params_json = "{}"};
	store_outcome outcome;
	store_execute(f->store, &request, &outcome);
	if (result)
		snprintf(result, cap, "%s", outcome.result);
	error_code error = outcome.error;
	store_outcome_free(&outcome);
	return error;
}

static void put_settings(fixture *f, const char *json, int64_t now)
{
	cJSON *body = cJSON_Parse(json);
	char why[256] = "";
	ck_assert_msg(store_simulation_put(f->store, NS, body, now, NULL, why, sizeof why) ==
			      STORE_OK,
		      "%s", why);
	cJSON_Delete(body);
}

START_TEST(fixtures_carry_settings)
{
	fixture f;
	open_store(&f, two_running);
	cJSON *shown = NULL;
	ck_assert_int_eq(store_simulation_get(f.store, NS, T0, &shown), STORE_OK);
	ck_assert(cJSON_IsTrue(test_member(shown, "enabled")));
	ck_assert_int_eq((long long)test_number_member(shown, "fullDurationMs"), 1000);
	cJSON_Delete(shown);
	/* bad settings in fixtures are refused whole, with a reason */
	char why[512] = "";
	static const char bad[] = "{\"simulation\":{\"enabled\":\"yes\"},\"tasks\":[]}";
	ck_assert_int_eq(store_reset(f.store, NS, bad, strlen(bad), T0, why, sizeof why),
			 STORE_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "simulation"));
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9); /* nothing changed */
	close_store(&f);
}
END_TEST

START_TEST(transitions_in_virtual_time_order)
{
	fixture f;
	open_store(&f, two_running);
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9);
	assert_state(&f, A, T0 + 10000, "FINISHED");
	store_journal_filter filter = {.success = -1, .op = "simulate"};
	cJSON *entries = NULL;
	ck_assert_int_eq(store_journal(f.store, NS, &filter, T0 + 10000, &entries), STORE_OK);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 2);
	const cJSON *first = cJSON_GetArrayItem(entries, 0),
		    *second = cJSON_GetArrayItem(entries, 1);
	ck_assert_str_eq(test_string_member(first, "taskName"), B); /* 0.9: 100 ms to go */
	ck_assert_int_eq((long long)test_number_member(first, "time"), T0 + 100);
	ck_assert_str_eq(test_string_member(second, "taskName"), A);
	ck_assert_int_eq((long long)test_number_member(second, "time"), T0 + 500);
	ck_assert_int_lt(test_number_member(first, "id"), test_number_member(second, "id"));
	cJSON_Delete(entries);
	close_store(&f);
}
END_TEST

START_TEST(migrate_keeps_a_task_moving)
{
	fixture f;
	open_store(&f, two_running);
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9);
	char moved[TASKNAME_MAX + 1];
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, A, "10.9.9.9", T0 + 250, moved, sizeof moved),
			 ERR_NONE);
	ck_assert_double_eq_tol(progress_at(&f, moved, T0 + 400), 0.9, 1e-9);
	assert_state(&f, moved, T0 + 500, "FINISHED");
	close_store(&f);
}
END_TEST

START_TEST(stop_and_failure_freeze_a_task)
{
	fixture f;
	open_store(&f, two_running);
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9);
	ck_assert_int_eq(run_op(&f, OP_STOP, A, NULL, T0 + 200, NULL, 0), ERR_NONE);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 5000), 0.7, 1e-9);
	assert_state(&f, A, T0 + 5000, "STOPPED");
	ck_assert_int_eq(run_op(&f, OP_RESUME, A, NULL, T0 + 6000, NULL, 0), ERR_NONE);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 6100), 0.8, 1e-9);
	cJSON *task = NULL;
	ck_assert_int_eq(store_fail_task(f.store, NS, A, "by hand", T0 + 6200, &task), STORE_OK);
	cJSON_Delete(task);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 9000), 0.9, 1e-9);
	assert_state(&f, A, T0 + 9000, "ABNORMAL");
	close_store(&f);
}
END_TEST

START_TEST(snapshots_keep_what_was_reached)
{
	fixture f;
	open_store(&f, two_running);
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9);
	ck_assert_int_eq(store_snapshot_save(f.store, NS, "mid", T0 + 200), STORE_OK);
	assert_state(&f, A, T0 + 2000, "FINISHED");
	ck_assert_int_eq(store_snapshot_restore(f.store, NS, "mid", T0 + 2000), STORE_OK);
	assert_state(&f, A, T0 + 2000, "RUNNING");
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 2000), 0.7, 1e-9);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 2100), 0.8, 1e-9);
	close_store(&f);
}
END_TEST

START_TEST(off_freezes_and_on_moves_on)
{
	fixture f;
	open_store(&f, two_running);
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9);
	put_settings(&f, "{\"enabled\":false}", T0 + 50);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 5000), 0.55, 1e-9);
	assert_state(&f, B, T0 + 5000, "RUNNING"); /* B was due at +100: never */
	cJSON *task = task_at(&f, A, T0 + 5000);
	ck_assert(cJSON_IsNull(test_member(task, "lagSeconds")));
	cJSON_Delete(task);
	put_settings(&f, "{\"enabled\":true,\"fullDurationMs\":2000}", T0 + 6000);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 6500), 0.8, 1e-9);
	assert_state(&f, A, T0 + 6900, "FINISHED");
	close_store(&f);
}
END_TEST

START_TEST(a_clock_set_back_shows_the_past)
{
	fixture f;
	open_store(&f, two_running);
	ck_assert_double_eq_tol(progress_at(&f, A, T0), 0.5, 1e-9);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 300), 0.8, 1e-9);
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 100), 0.6,
				1e-9); /* nothing was applied yet */
	ck_assert_double_eq_tol(progress_at(&f, A, T0 - 100), 0.5,
				1e-9); /* before the base: the base */
	assert_state(&f, A, T0 + 600, "FINISHED");
	assert_state(&f, A, T0 + 100, "FINISHED"); /* what was applied stays */
	close_store(&f);
}
END_TEST

/* A read of a namespace that does not exist answers from it as it would be
 * created then, and leaves nothing: no namespace, no transition journaled. */
START_TEST(a_read_creates_nothing)
{
	fixture f;
	open_store(&f, two_running);
	static const char *const other = "never-written";
	cJSON *task = NULL;
	ck_assert_int_eq(store_get_task(f.store, other, A, T0 + 10000, &task), STORE_OK);
	ck_assert_str_eq(test_string_member(task, "state"), "RUNNING");
	ck_assert_double_eq_tol(test_number_member(task, "progress"), 0.5, 1e-9);
	cJSON_Delete(task);
	cJSON *shown = NULL;
	ck_assert_int_eq(store_simulation_get(f.store, other, T0 + 20000, &shown), STORE_OK);
	ck_assert(cJSON_IsTrue(test_member(shown, "enabled")));
	cJSON_Delete(shown);
	cJSON *names = NULL;
	ck_assert_int_eq(store_namespaces(f.store, &names), STORE_OK);
	ck_assert_int_eq(cJSON_GetArraySize(names), 1); /* NS only */
	ck_assert_str_eq(test_string_member(cJSON_GetArrayItem(names, 0), "name"), NS);
	cJSON_Delete(names);
	/* the cache of the rolled-back namespace is not trusted afterwards */
	ck_assert_double_eq_tol(progress_at(&f, A, T0 + 300), 0.8, 1e-9);
	close_store(&f);
}
END_TEST

START_TEST(server_settings_of_the_simulation)
{
	settings s;
	char why[512] = "";
	char *ok[] = {"connector-mock",
		      "--config",
		      "/dev/null",
		      "--simulate",
		      "--simulate-seed",
		      "9",
		      "--simulate-catch-up-factor=2.5",
		      "--simulate-failures-per-hour",
		      "0.5",
		      NULL};
	ck_assert_int_eq(settings_from_args(&s, 9, ok, why, sizeof why), SETTINGS_RUN);
	ck_assert(s.simulation.enabled);
	ck_assert_int_eq(s.simulation.seed, 9);
	ck_assert(s.simulation.catch_up_factor == 2.5);
	ck_assert(s.simulation.failures_per_hour == 0.5);
	static const char *const refused[] = {
		"--simulate-catch-up-factor=0.5", "--simulate-full-duration-ms=0",
		"--simulate-full-jitter=x", "--simulate-seed=-1", "--simulate=maybe"};
	for (size_t i = 0; i < COUNT(refused); i++) {
		char *args[] = {"connector-mock", "--config", "/dev/null", (char *)refused[i],
				NULL};
		ck_assert_msg(settings_from_args(&s, 4, args, why, sizeof why) == SETTINGS_ERROR,
			      "%s was accepted", refused[i]);
	}
	settings_defaults(&s);
	ck_assert(!s.simulation.enabled);
}
END_TEST

static Suite *simulation_store_suite(void)
{
	Suite *suite = suite_create("simulation_store");
	TCase *tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fixtures_carry_settings);
	tcase_add_test(tc, transitions_in_virtual_time_order);
	tcase_add_test(tc, migrate_keeps_a_task_moving);
	tcase_add_test(tc, stop_and_failure_freeze_a_task);
	tcase_add_test(tc, snapshots_keep_what_was_reached);
	tcase_add_test(tc, off_freezes_and_on_moves_on);
	tcase_add_test(tc, a_clock_set_back_shows_the_past);
	tcase_add_test(tc, a_read_creates_nothing);
	tcase_add_test(tc, server_settings_of_the_simulation);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(simulation_store_suite()); }
