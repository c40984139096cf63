/*
 * integration_storage.c — the daemon against a database that is not what
 * it should be: an unknown schema version, a damaged page, files deleted
 * under it, another process holding the write lock; and SIGHUP.
 *
 * Never a crash, never an acknowledged write that a restart would lose, and
 * every refusal says why.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raw.h"
#include "support.h"

static const char stopped_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";

/* Runs one SQL text on a database file the test opens itself; asserts. */
static void sql_on_file(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	char *error = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &error);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, error ? error : "?");
	sqlite3_close(db);
}

/* ONE_PAST stands for the daemon's own version plus one, learnt from a
 * database it created */
enum { ONE_PAST = 0 };
static const int unknown_versions[] = {-1, -2147483647 - 1, ONE_PAST, 999, 2147483647};

/* The schema version of a database the daemon created. */
static int current_schema_version(void)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_daemon_down_keep(&d);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(d.db_path, &db), SQLITE_OK);
	sqlite3_stmt *statement;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(statement), SQLITE_ROW);
	int version = sqlite3_column_int(statement, 0);
	sqlite3_finalize(statement);
	sqlite3_close(db);
	test_remove_temp_dir(d.dir);
	ck_assert_int_gt(version, 0);
	return version;
}

/* A schema version outside 0..current stops the start with exit 1 and a
 * sentence naming it (a negative one used to index the upgrade steps). */
START_TEST(unknown_schema_version_stops_the_start)
{
	char dir[256], db[512], sql[128];
	test_temp_dir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/mock.db", dir);
	int version = unknown_versions[_i];
	if (version == ONE_PAST)
		version = current_schema_version() + 1;
	snprintf(sql, sizeof sql, "CREATE TABLE t(x); PRAGMA user_version=%d;", version);
	sql_on_file(db, sql);
	raw_run_result result;
	raw_run_binary(
		(const char *const[]){"--db", db, "--port", "0", "--config", "/dev/null", NULL},
		5000, &result);
	ck_assert_msg(result.status == 1, "exit status %d, expected 1; stderr: %s", result.status,
		      result.err);
	char expected[64];
	snprintf(expected, sizeof expected, "unknown schema version %d", version);
	ck_assert_msg(strstr(result.err, expected) != NULL, "stderr lacks \"%s\": %s", expected,
		      result.err);
	test_remove_temp_dir(dir);
}
END_TEST

enum { MANY_TASKS = 240 };

static void many_task_name(int i, char *out, size_t cap)
{
	snprintf(out, cap, "10.0.0.1-9000:connector_v2:p_damage%03d-incr_trans-1-0:0000000001", i);
}

/* Writes a fixtures file of MANY_TASKS stopped tasks into `dir`. */
static void write_many_fixtures(const char *dir, char *path, size_t cap)
{
	snprintf(path, cap, "%s/test.conf", dir); /* a name test_remove_temp_dir knows */
	FILE *file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs("{\"tasks\":[", file);
	for (int i = 0; i < MANY_TASKS; i++) {
		char name[128];
		many_task_name(i, name, sizeof name);
		fprintf(file, "%s{\"taskName\":\"%s\",\"state\":\"STOPPED\",\"config\":{}}",
			i ? "," : "", name);
	}
	fputs("]}", file);
	fclose(file);
}

/* Whether page `page` (1-based) of the file holds `text`. */
static bool page_holds(FILE *file, long page, long page_size, const char *text)
{
	char *bytes = malloc((size_t)page_size);
	ck_assert_ptr_nonnull(bytes);
	fseek(file, (page - 1) * page_size, SEEK_SET);
	bool holds = false;
	if (fread(bytes, 1, (size_t)page_size, file) == (size_t)page_size) {
		size_t len = strlen(text);
		for (long i = 0; i + (long)len <= page_size && !holds; i++)
			holds = memcmp(bytes + i, text, len) == 0;
	}
	free(bytes);
	return holds;
}

/*
 * Zeroes the b-tree type byte of the last leaf page of `tasks` (found with
 * the dbstat table) and returns a task stored there, and one stored in the
 * first leaf, far from it (a write there rebalances nothing near the damage).
 */
static void damage_a_leaf(const char *db_path, int *damaged, int *healthy)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *statement;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
					    "SELECT pageno FROM dbstat WHERE name = 'tasks' AND "
					    "pagetype = 'leaf' ORDER BY path",
					    -1, &statement, NULL),
			 SQLITE_OK);
	long pages[256] = {0};
	int count = 0;
	while (sqlite3_step(statement) == SQLITE_ROW && count < 256)
		pages[count++] = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	sqlite3_stmt *size;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &size, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(size), SQLITE_ROW);
	long page_size = sqlite3_column_int64(size, 0);
	sqlite3_finalize(size);
	sqlite3_close(db);
	ck_assert_msg(count >= 4, "the tasks span %d leaves; the test needs 4", count);
	long target = pages[count - 1];
	FILE *file = fopen(db_path, "r+b");
	ck_assert_ptr_nonnull(file);
	*damaged = *healthy = -1;
	for (int i = 0; i < MANY_TASKS; i++) {
		char name[128];
		many_task_name(i, name, sizeof name);
		if (*damaged < 0 && page_holds(file, target, page_size, name))
			*damaged = i;
		if (*healthy < 0 && page_holds(file, pages[0], page_size, name))
			*healthy = i;
	}
	ck_assert_msg(*damaged >= 0 && *healthy >= 0, "no task found on the leaves");
	fseek(file, (target - 1) * page_size, SEEK_SET);
	fputc(0, file);
	fclose(file);
}

static void expect_internal_error(const test_daemon *d, const char *op, const char *name)
{
	test_response r = test_oms_request(d, op, name, NULL, NULL);
	cJSON *root = test_response_json(&r);
	ck_assert_msg(root != NULL, "not JSON: %s", r.body);
	ck_assert_msg(test_same_string(test_string_member(root, "errCode"), "INTERNAL_ERROR"),
		      "%s %s: %s", op, name, r.body);
	ck_assert(cJSON_IsTrue(test_member(root, "retryable")));
	cJSON_Delete(root);
	test_response_free(&r);
}

/* A damaged page answers INTERNAL_ERROR (retryable) for the tasks stored
 * there, journals it, logs how to check the file, and the daemon goes on
 * serving every other task. */
START_TEST(damaged_page_is_an_internal_error_for_its_tasks_only)
{
	char dir[256], fixtures[512];
	test_temp_dir(dir, sizeof dir);
	write_many_fixtures(dir, fixtures, sizeof fixtures);
	test_daemon d;
	test_daemon_up(&d, (const char *const[]){"--fixtures", fixtures, NULL}, NULL);
	test_daemon_down_keep(&d);
	int damaged, healthy;
	damage_a_leaf(d.db_path, &damaged, &healthy);
	test_daemon_up(&d, (const char *const[]){"--fixtures", fixtures, NULL}, &d);
	char bad[128], good[128];
	many_task_name(damaged, bad, sizeof bad);
	many_task_name(healthy, good, sizeof good);
	for (int round = 0; round < 3; round++) {
		expect_internal_error(&d, "resume", bad);
		expect_internal_error(&d, "stop", bad);
		expect_internal_error(&d, "migrate", bad);
	}
	char path[256];
	char *escaped = test_escape(bad);
	snprintf(path, sizeof path, "/_mock/tasks/%s", escaped);
	free(escaped);
	test_response r = test_request(&d, "GET", path, NULL, NULL);
	ck_assert_msg(r.status == 500, "GET of a damaged task: HTTP %ld %s", r.status, r.body);
	test_response_free(&r);
	/* every other task is served */
	test_response ok = test_oms_request(&d, "resume", good, NULL, NULL);
	ck_assert_msg(test_envelope_ok(&ok, NULL, 0), "%s", ok.body);
	test_response_free(&ok);
	ck_assert_str_eq(test_task_state(&d, good), "RUNNING");
	/* the failures are journaled */
	escaped = test_escape(bad);
	snprintf(path, sizeof path, "/_mock/journal/count?errCode=INTERNAL_ERROR&taskName=%s",
		 escaped);
	free(escaped);
	cJSON *count = test_get_json(&d, path);
	ck_assert_int_eq((int)test_number_member(count, "count"), 9);
	cJSON_Delete(count);
	/* the log says what is wrong and how to check */
	char command[1024];
	snprintf(command, sizeof command, "grep -q \"damaged.*PRAGMA integrity_check\" %s",
		 d.log_path);
	ck_assert_msg(system(command) == 0, "the log does not say the database is damaged");
	test_daemon_down(&d);
	test_remove_temp_dir(dir);
}
END_TEST

/* Deleting the database files under a running daemon: nothing more is
 * acknowledged, and the refusal says why. */
START_TEST(deleted_database_refuses_writes)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char path[600];
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < COUNT(suffixes); i++) {
		snprintf(path, sizeof path, "%s%s", d.db_path, suffixes[i]);
		unlink(path);
	}
	test_response r = test_oms_request(&d, "resume", stopped_name, NULL, NULL);
	cJSON *root = test_response_json(&r);
	ck_assert_msg(test_same_string(test_string_member(root, "errCode"), "INTERNAL_ERROR"), "%s",
		      r.body);
	const cJSON *detail = test_member(root, "errorDetail");
	const char *reason = test_string_member(detail, "reason");
	ck_assert_msg(reason && strstr(reason, "deleted"), "reason: %s", r.body);
	cJSON_Delete(root);
	test_response_free(&r);
	/* the control API refuses to write too */
	cJSON_Delete(test_json_call(&d, "POST", "/_mock/tasks",
				    "{\"taskName\":\"10.0.0.1-9000:connector_v2:p_gone-incr_trans-"
				    "1-0:0000000001\",\"state\":\"STOPPED\",\"config\":{}}",
				    500));
	test_daemon_down(&d);
}
END_TEST

/* Reads take no write lock: another process holding one does not stop
 * health, task reads or the journal. */
START_TEST(reads_work_while_another_process_holds_the_write_lock)
{
	test_daemon d;
	test_daemon_up(&d, (const char *const[]){"--busy-timeout", "100", NULL}, NULL);
	sqlite3 *other;
	ck_assert_int_eq(sqlite3_open(d.db_path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	char path[256];
	char *escaped = test_escape(stopped_name);
	snprintf(path, sizeof path, "/_mock/tasks/%s", escaped);
	free(escaped);
	static const char *const reads[] = {"/_mock/health", "/_mock/tasks", "/_mock/journal",
					    "/_mock/journal/count", "/_mock/snapshots"};
	for (size_t i = 0; i < COUNT(reads); i++)
		cJSON_Delete(test_get_json(&d, reads[i]));
	cJSON_Delete(test_get_json(&d, path));
	/* a write waits for the lock, then fails and says so */
	expect_internal_error(&d, "resume", stopped_name);
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	test_daemon_down(&d);
}
END_TEST

/* SIGHUP reloads (server/reload.c) and does not stop the daemon: it keeps
 * serving, logs each reload, and stops on SIGTERM as always. */
START_TEST(sighup_does_not_stop_the_daemon)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
		test_sleep_ms(100);
		cJSON_Delete(test_get_json(&d, "/_mock/health"));
	}
	char command[1024];
	snprintf(command, sizeof command, "test \"$(grep -c 'reloaded:' %s)\" = 3", d.log_path);
	ck_assert_msg(system(command) == 0, "the log does not hold 3 reloads");
	test_daemon_down(&d);
}
END_TEST

typedef struct {
	const char *label;
	const char *fixtures; /* NULL: the --fixtures path in `args` */
	const char *args[4];
	const char *mention; /* stderr names this */
} bad_seed;

#define ONE_TASK                                                                                   \
	"{\"taskName\":\"10.0.0.1-9000:connector_v2:p_a-incr_trans-1-0:0000000001\",\"state\":"    \
	"\"STOPPED\",\"config\":{}}"

static const bad_seed bad_seeds[] = {
	{"trailing garbage", "{\"tasks\":[" ONE_TASK "]} x", {NULL}, "after its JSON value"},
	{"tasks twice", "{\"tasks\":[" ONE_TASK "],\"tasks\":[]}", {NULL}, "tasks"},
	{"another field", "{\"tasks\":[" ONE_TASK "],\"more\":1}", {NULL}, "tasks"},
	{"a task field twice",
	 "{\"tasks\":[{\"taskName\":\"10.0.0.1-9000:connector_v2:p_a-incr_trans-1-0:0000000001\","
	 "\"state\":\"STOPPED\",\"state\":\"RUNNING\",\"config\":{}}]}",
	 {NULL},
	 "twice"},
	{"a u0000 escape", "{\"tasks\":[],\"x\\u0000\":1}", {NULL}, "u0000"},
	{"fixtures that cannot be opened",
	 NULL,
	 {"--fixtures", "/nonexistent/fixtures.json", NULL},
	 "/nonexistent"},
	{"fixtures that are a directory", NULL, {"--fixtures", "/tmp", NULL}, "/tmp"},
	{"a database that cannot be opened",
	 NULL,
	 {"--db", "/proc/no/such/dir/mock.db", NULL},
	 "/proc/no"},
};

/* A fresh database seeded from fixtures the POST parser would refuse, or
 * from files that cannot be opened: the start stops (exit 1), saying why. */
START_TEST(bad_fixtures_or_database_stop_the_start)
{
	const bad_seed *c = &bad_seeds[_i];
	char dir[256], db[512], fixtures[512];
	test_temp_dir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/mock.db", dir);
	snprintf(fixtures, sizeof fixtures, "%s/test.conf", dir);
	if (c->fixtures) {
		FILE *file = fopen(fixtures, "w");
		ck_assert_ptr_nonnull(file);
		fputs(c->fixtures, file);
		fclose(file);
	}
	const char *args[16] = {"--port", "0", "--config",   "/dev/null",
				"--db",	  db,  "--fixtures", fixtures};
	int n = 8;
	for (int i = 0; c->args[i]; i++)
		args[n++] = c->args[i];
	args[n] = NULL;
	raw_run_result result;
	raw_run_binary(args, 5000, &result);
	ck_assert_msg(result.status == 1, "%s: exit status %d; stderr: %s", c->label, result.status,
		      result.err);
	ck_assert_msg(strstr(result.err, c->mention) != NULL, "%s: stderr lacks \"%s\": %s",
		      c->label, c->mention, result.err);
	test_remove_temp_dir(dir);
}
END_TEST

static Suite *storage_suite(void)
{
	Suite *suite = suite_create("storage");
	TCase *tc = tcase_create("storage");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, unknown_schema_version_stops_the_start, 0,
			    (int)COUNT(unknown_versions));
	tcase_add_test(tc, damaged_page_is_an_internal_error_for_its_tasks_only);
	tcase_add_test(tc, deleted_database_refuses_writes);
	tcase_add_test(tc, reads_work_while_another_process_holds_the_write_lock);
	tcase_add_test(tc, sighup_does_not_stop_the_daemon);
	tcase_add_loop_test(tc, bad_fixtures_or_database_stop_the_start, 0, (int)COUNT(bad_seeds));
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(storage_suite()); }
