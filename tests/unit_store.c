/*
 * unit_store.c — the SQLite store on a real file: operations are atomic,
 * a refused or failed operation changes nothing, state survives close and
 * reopen, sequences are never reused, the journal keeps and purges records.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "../server/fixtures_file.h"
#include "../store/configmap.h"
#include "../store/store.h"
#include "../store/maintenance.h"
#include "../store/store_internal.h"
#include "support.h"

#define NS STORE_DEFAULT_NAMESPACE

static const char stopped_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";
static const char running_name[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001";

typedef struct {
	char dir[256];
	char path[512];
	task_store *store;
} fixture;

static void open_at(fixture *f, int64_t retention_ms, bool expect_created)
{
	store_options options = {
		.path = f->path, .busy_timeout_ms = 100, .audit_retention_ms = retention_ms};
	bool created;
	char why[512] = "";
	ck_assert_msg(store_open(&options, &f->store, &created, why, sizeof why) == 0, "%s", why);
	ck_assert(created == expect_created);
}

/* Loads fixtures/default.json into namespace `ns`, replacing what it held. */
static void seed(fixture *f, const char *ns)
{
	char *text;
	size_t len;
	char why[512] = "";
	ck_assert_msg(fixtures_file_read("fixtures/default.json", &text, &len, why, sizeof why) ==
			      0,
		      "%s", why);
	ck_assert_msg(store_reset(f->store, ns, text, len, 1000, why, sizeof why) == STORE_OK, "%s",
		      why);
	free(text);
}

static void setup(fixture *f, int64_t retention_ms)
{
	test_temp_dir(f->dir, sizeof f->dir);
	snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
	open_at(f, retention_ms, true);
	seed(f, NS);
}

/* A new store at a file of its own, opened with `options` (its path is
 * set here), seeded like setup's. */
static void setup_with(fixture *f, store_options options)
{
	test_temp_dir(f->dir, sizeof f->dir);
	snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
	options.path = f->path;
	bool created;
	char why[512] = "";
	ck_assert_msg(store_open(&options, &f->store, &created, why, sizeof why) == 0, "%s", why);
	seed(f, NS);
}

static void teardown(fixture *f)
{
	store_close(f->store);
	char command[600];
	snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(command), 0);
}

/* Runs `request` (as client "test", parameters {}); returns its error code,
 * and the outcome in `keep` when given (the caller frees it). */
static error_code run_request(fixture *f, store_request request, store_outcome *keep)
{
	request.client = "test";
	request.params_json = "{}";
	store_outcome outcome;
	store_execute(f->store, &request, &outcome);
	error_code error = outcome.error;
	if (keep)
		*keep = outcome;
	else
		store_outcome_free(&outcome);
	return error;
}

/* Runs one operation at time `now`; returns its error code. */
static error_code run_op(fixture *f, rules_op op, const char *name, int64_t now,
			 store_outcome *keep)
{
	return run_request(f, (store_request){.op = op, .task_name = name, .now_ms = now}, keep);
}

/* Updates task `name` at time `now` with the config map `update_json` and
 * the deleteParams `deletes` (may be NULL); returns the error code. */
static error_code run_update(fixture *f, const char *name, const char *update_json,
			     const cJSON *deletes, int64_t now, store_outcome *keep)
{
	cJSON *update = cJSON_Parse(update_json);
	ck_assert_ptr_nonnull(update);
	error_code error = run_request(f,
				       (store_request){.op = OP_UPDATE,
						       .task_name = name,
						       .deletes = deletes,
						       .update = update,
						       .now_ms = now},
				       keep);
	cJSON_Delete(update);
	return error;
}

static char *task_text(fixture *f, const char *name)
{
	cJSON *task;
	if (store_get_task(f->store, NS, name, 0, &task) != STORE_OK)
		return NULL;
	char *text = cJSON_PrintUnformatted(task);
	cJSON_Delete(task);
	return text;
}

static const char *state_of(fixture *f, const char *name)
{
	static char state[32];
	cJSON *task;
	state[0] = '\0';
	if (store_get_task(f->store, NS, name, 0, &task) == STORE_OK) {
		snprintf(state, sizeof state, "%s",
			 cJSON_GetObjectItemCaseSensitive(task, "state")->valuestring);
		cJSON_Delete(task);
	}
	return state;
}

static int journal_count(fixture *f, const char *name)
{
	store_journal_filter filter = {.task_name = name, .success = -1};
	cJSON *entries;
	ck_assert(store_journal(f->store, NS, &filter, 0, &entries) == STORE_OK);
	int n = cJSON_GetArraySize(entries);
	cJSON_Delete(entries);
	return n;
}

START_TEST(seeded_and_counted)
{
	fixture f;
	setup(&f, 0);
	ck_assert_int_eq(store_count_tasks(f.store, NS, 0), 8);
	ck_assert_str_eq(state_of(&f, stopped_name), "STOPPED");
	ck_assert_str_eq(state_of(&f, running_name), "RUNNING");
	teardown(&f);
}
END_TEST

START_TEST(refused_operation_changes_nothing_but_the_journal)
{
	fixture f;
	setup(&f, 0);
	char *before = task_text(&f, running_name);
	store_outcome outcome;
	ck_assert_int_eq(run_update(&f, running_name, "{\"sink\":{\"workerNum\":\"99\"}}", NULL,
				    5000, &outcome),
			 ERR_ILLEGAL_STATE);
	ck_assert_ptr_nonnull(outcome.extra);
	store_outcome_free(&outcome);
	char *after = task_text(&f, running_name);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(journal_count(&f, running_name), 1);
	free(before);
	free(after);
	teardown(&f);
}
END_TEST

START_TEST(changes_survive_close_and_reopen)
{
	fixture f;
	setup(&f, 0);
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 2000, NULL), ERR_NONE);
	cJSON *deletes;
	const char *values[] = {"sink.enableDdl"};
	char why[256];
	ck_assert_int_eq(configmap_parse_deletes(values, 1, &deletes, why, sizeof why), 0);
	ck_assert_int_eq(run_update(&f, running_name, "{\"sink\":{\"workerNum\":\"7\"}}", deletes,
				    3000, NULL),
			 ERR_NONE);
	cJSON_Delete(deletes);
	char *before = task_text(&f, running_name);
	store_close(f.store);
	open_at(&f, 0, false);
	char *after = task_text(&f, running_name);
	ck_assert_ptr_nonnull(after);
	ck_assert_str_eq(before, after);
	ck_assert_str_eq(state_of(&f, running_name), "STOPPED");
	ck_assert_int_eq(journal_count(&f, running_name), 2);
	cJSON *task;
	ck_assert(store_get_task(f.store, NS, running_name, 0, &task) == STORE_OK);
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(task, "config");
	ck_assert_str_eq(configmap_get(config, "sink", "workerNum"), "7");
	ck_assert_ptr_null(configmap_get(config, "sink", "enableDdl"));
	cJSON_Delete(task);
	free(before);
	free(after);
	teardown(&f);
}
END_TEST

START_TEST(sequence_never_reused_after_delete)
{
	fixture f;
	setup(&f, 0);
	store_outcome outcome;
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, stopped_name, 2000, &outcome), ERR_NONE);
	char second[TASKNAME_MAX + 1];
	snprintf(second, sizeof second, "%s", outcome.result);
	store_outcome_free(&outcome);
	ck_assert(strstr(second, ":0000000002") != NULL);
	ck_assert_int_eq(run_op(&f, OP_DELETE, second, 3000, NULL), ERR_NONE);
	/* the identity comes back at SEQ 1; migrating it must skip past 2 */
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddStringToObject(spec, "taskName", stopped_name);
	cJSON_AddStringToObject(spec, "state", "STOPPED");
	char why[256] = "";
	ck_assert_msg(store_create_task(f.store, NS, spec, 4000, NULL, why, sizeof why) == STORE_OK,
		      "%s", why);
	cJSON_Delete(spec);
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, stopped_name, 5000, &outcome), ERR_NONE);
	ck_assert_msg(strstr(outcome.result, ":0000000003") != NULL, "%s", outcome.result);
	store_outcome_free(&outcome);
	/* the deleted name stays a tombstone that says so */
	ck_assert_int_eq(run_op(&f, OP_STOP, second, 6000, &outcome), ERR_TASK_NOT_FOUND);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(outcome.extra, "deleted")));
	store_outcome_free(&outcome);
	teardown(&f);
}
END_TEST

START_TEST(migrated_name_points_at_the_latest_name)
{
	fixture f;
	setup(&f, 0);
	store_outcome outcome;
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, stopped_name, 2000, &outcome), ERR_NONE);
	char second[TASKNAME_MAX + 1];
	snprintf(second, sizeof second, "%s", outcome.result);
	store_outcome_free(&outcome);
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, second, 3000, &outcome), ERR_NONE);
	char third[TASKNAME_MAX + 1];
	snprintf(third, sizeof third, "%s", outcome.result);
	store_outcome_free(&outcome);
	/* every older name leads to the current one */
	const char *older[] = {stopped_name, second};
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(run_op(&f, OP_RESUME, older[i], 4000, &outcome),
				 ERR_TASK_NOT_FOUND);
		ck_assert_str_eq(
			cJSON_GetObjectItemCaseSensitive(outcome.extra, "migratedTo")->valuestring,
			third);
		store_outcome_free(&outcome);
	}
	/* once the current name is deleted, the older ones still lead to it, and
	 * it says deleted */
	ck_assert_int_eq(run_op(&f, OP_DELETE, third, 5000, NULL), ERR_NONE);
	ck_assert_int_eq(run_op(&f, OP_STOP, stopped_name, 6000, &outcome), ERR_TASK_NOT_FOUND);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(outcome.extra, "migratedTo")->valuestring,
			 third);
	store_outcome_free(&outcome);
	ck_assert_int_eq(run_op(&f, OP_STOP, third, 6000, &outcome), ERR_TASK_NOT_FOUND);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(outcome.extra, "deleted")));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(outcome.extra, "migratedTo"));
	store_outcome_free(&outcome);
	teardown(&f);
}
END_TEST

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* FNV-1a of a file's bytes (0 when it cannot be read). */
static uint64_t file_hash(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return 0;
	uint64_t hash = 1469598103934665603ULL;
	unsigned char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, file)) > 0)
		for (size_t i = 0; i < got; i++)
			hash = (hash ^ chunk[i]) * 1099511628211ULL;
	fclose(file);
	return hash;
}

/*
 * After each checkpoint the WAL goes back to its beginning instead of
 * growing (once the checkpointer's connection never checkpointed anything,
 * and the WAL of a busy daemon grew by 160 MB a second). The test drives
 * the checkpoints itself (store_checkpoint_now every 64 commits), so the
 * bound holds on any machine: 4,000 single commits write about 25,000
 * frames (100 MB without restarts); 64 of them about 1.6 MB. How far the
 * background checkpointer lets the WAL grow under load is a matter of
 * time, measured by bench/wal_bound.c; here it must only run.
 */
START_TEST(wal_stays_bounded_under_steady_commits)
{
	fixture f;
	setup_with(&f, (store_options){.busy_timeout_ms = 100, .checkpoint_frames = 256});
	char wal[sizeof f.path + 8];
	snprintf(wal, sizeof wal, "%s-wal", f.path);
	long long largest = 0;
	for (int i = 0; i < 4000; i++) {
		ck_assert_int_eq(
			run_op(&f, i % 2 ? OP_STOP : OP_RESUME, stopped_name, 2000 + i, NULL),
			ERR_NONE);
		long long size = file_size(wal);
		if (size > largest)
			largest = size;
		if (i % 64 == 63)
			ck_assert_int_eq(store_checkpoint_now(f.store, 30000), 0);
	}
	ck_assert_msg(largest > 0, "no WAL file at %s", wal);
	ck_assert_msg(largest < 4LL << 20, "the WAL grew to %lld bytes", largest);
	/* the background checkpointer completes checkpoints too (no bound on
	 * when: a busy machine may take long to schedule it) */
	store_batch_stats stats;
	store_batch_stats_get(f.store, &stats);
	for (int i = 0; stats.checkpoints == 0 && i < 30000; i++) {
		ck_assert_int_eq(
			run_op(&f, i % 2 ? OP_STOP : OP_RESUME, stopped_name, 9000 + i, NULL),
			ERR_NONE);
		test_sleep_ms(1);
		store_batch_stats_get(f.store, &stats);
	}
	ck_assert_uint_gt(stats.checkpoints, 0);
	/* and what was committed is all there */
	store_journal_filter filter = {.task_name = stopped_name, .success = 1};
	int64_t count = -1;
	ck_assert_int_eq(store_journal_count(f.store, NS, &filter, 0, &count), STORE_OK);
	ck_assert_int_ge(count, 4000);
	teardown(&f);
}
END_TEST

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *statement;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(statement), SQLITE_ROW);
	int64_t value = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	sqlite3_close(db);
	return value;
}

/* The first column of the first row of `sql`, as text ("" for NULL). */
static const char *query_text(const char *path, const char *sql, char *out, size_t cap)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *statement;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &statement, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(statement), SQLITE_ROW);
	const char *text = (const char *)sqlite3_column_text(statement, 0);
	snprintf(out, cap, "%s", text ? text : "");
	sqlite3_finalize(statement);
	sqlite3_close(db);
	return out;
}

/* config[section][key] of a task as the control API shows it; "" when absent */
static const char *config_value(fixture *f, const char *ns, const char *name, const char *section,
				const char *key)
{
	static char value[256];
	value[0] = '\0';
	cJSON *task;
	if (store_get_task(f->store, ns, name, 0, &task) != STORE_OK)
		return value;
	const char *found =
		configmap_get(cJSON_GetObjectItemCaseSensitive(task, "config"), section, key);
	snprintf(value, sizeof value, "%s", found ? found : "");
	cJSON_Delete(task);
	return value;
}

/* Every task has its config row and no config row is left without a task. */
static void assert_configs_match_tasks(fixture *f)
{
	ck_assert_int_eq(query_int(f->path, "SELECT count(*) FROM configs"),
			 query_int(f->path, "SELECT count(*) FROM tasks"));
	ck_assert_int_eq(query_int(f->path, "SELECT count(*) FROM tasks"
					    " WHERE config_id NOT IN (SELECT id FROM configs)"),
			 0);
}

/* ids of the namespace's journal, oldest first, as "1,2,3" */
static void journal_ids(fixture *f, const char *ns, char *out, size_t cap)
{
	store_journal_filter filter = {.success = -1};
	cJSON *entries;
	ck_assert_int_eq(store_journal(f->store, ns, &filter, 0, &entries), STORE_OK);
	out[0] = '\0';
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%.0f", len ? "," : "",
			 cJSON_GetObjectItemCaseSensitive(entry, "id")->valuedouble);
	}
	cJSON_Delete(entries);
}

/*
 * journal.max_entries: a write trims only once more than a 64th of the
 * bound is past it (one range delete now and then); a read trims exactly,
 * so what a reader sees never passes the bound.
 */
START_TEST(journal_bound_is_exact_for_readers)
{
	fixture f;
	test_temp_dir(f.dir, sizeof f.dir);
	snprintf(f.path, sizeof f.path, "%s/store.db", f.dir);
	store_options options = {
		.path = f.path, .busy_timeout_ms = 100, .journal_max_entries = 640};
	bool created;
	char why[512] = "";
	ck_assert_msg(store_open(&options, &f.store, &created, why, sizeof why) == 0, "%s", why);
	seed(&f, NS);
	int64_t largest = 0;
	for (int i = 0; i < 700; i++) {
		ck_assert_int_eq(
			run_op(&f, i % 2 ? OP_STOP : OP_RESUME, stopped_name, 2000 + i, NULL),
			ERR_NONE);
		int64_t stored = query_int(f.path, "SELECT count(*) FROM journal");
		if (stored > largest)
			largest = stored;
	}
	/* the writes let it pass the bound by at most 640 / 64 */
	ck_assert_int_gt(largest, 640);
	ck_assert_int_le(largest, 650);
	store_journal_filter filter = {.success = -1};
	int64_t count = -1;
	ck_assert_int_eq(store_journal_count(f.store, NS, &filter, 3000, &count), STORE_OK);
	ck_assert_int_eq(count, 640);
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM journal"), 640);
	/* the newest 640: ids 61 to 700 */
	char ids[8192];
	journal_ids(&f, NS, ids, sizeof ids);
	ck_assert_msg(strncmp(ids, "61,62,", 6) == 0, "%.40s", ids);
	ck_assert_msg(strcmp(ids + strlen(ids) - 4, ",700") == 0, "%s", ids + strlen(ids) - 10);
	teardown(&f);
}
END_TEST

/* Schema version 1 as connector-mock 0.1.0 created it (frozen: it is what
 * databases in the field have), with two namespaces of data. */
static const char v1_database[] =
	"CREATE TABLE namespaces (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL) WITHOUT "
	"ROWID;"
	"CREATE TABLE tasks (ns TEXT NOT NULL, name TEXT NOT NULL, identity TEXT NOT NULL,"
	" type TEXT NOT NULL, state TEXT NOT NULL, config TEXT NOT NULL, checkpoint INTEGER,"
	" progress REAL, last_error TEXT, created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL, PRIMARY KEY (ns, name), UNIQUE (ns, identity))"
	" WITHOUT ROWID;"
	"CREATE TABLE sequences (ns TEXT NOT NULL, identity TEXT NOT NULL,"
	" max_seq INTEGER NOT NULL, PRIMARY KEY (ns, identity)) WITHOUT ROWID;"
	"CREATE TABLE tombstones (ns TEXT NOT NULL, name TEXT NOT NULL, reason TEXT NOT NULL,"
	" migrated_to TEXT, at INTEGER NOT NULL, PRIMARY KEY (ns, name)) WITHOUT ROWID;"
	"CREATE INDEX tombstones_migrated_to ON tombstones(ns, migrated_to);"
	"CREATE TABLE journal (ns TEXT NOT NULL, id INTEGER NOT NULL,"
	" time_ms INTEGER NOT NULL, client TEXT, op TEXT NOT NULL, task_name TEXT,"
	" params TEXT NOT NULL, body BLOB, http_status INTEGER NOT NULL,"
	" is_success INTEGER NOT NULL, err_code TEXT, from_state TEXT, to_state TEXT,"
	" new_task_name TEXT, injected TEXT, PRIMARY KEY (ns, id)) WITHOUT ROWID;"
	"CREATE INDEX journal_time ON journal(ns, time_ms);"
	"CREATE INDEX journal_task ON journal(ns, task_name);"
	"CREATE TABLE snapshots (ns TEXT NOT NULL, name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (ns, name))"
	" WITHOUT ROWID;"
	"INSERT INTO namespaces VALUES ('default', 1000), ('other', 1000);"
	"INSERT INTO tasks VALUES ('default',"
	" '10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000003', 'p_up-incr_trans-1-0',"
	" 'incr_trans', 'STOPPED', '{\"sink\":{\"workerNum\":\"3\"}}', NULL, NULL, NULL,"
	" 1000, 1000),"
	" ('other', '10.0.0.2-9000:connector_v2:p_o-full_trans-1-0:0000000001',"
	" 'p_o-full_trans-1-0', 'full_trans', 'RUNNING', '{\"source\":{\"fetchSize\":\"9\"}}',"
	" NULL, 0.5, NULL, 1000, 1000);"
	"INSERT INTO sequences VALUES ('default', 'p_up-incr_trans-1-0', 3),"
	" ('other', 'p_o-full_trans-1-0', 1);"
	/* a snapshot as version 1 saved it */
	"INSERT INTO snapshots SELECT 'other', 'before', 1000, json_object('tasks',"
	" (SELECT json_group_array(json_array(name, identity, type, state, config, checkpoint,"
	" progress, last_error, created_at, updated_at)) FROM tasks WHERE ns = 'other'),"
	" 'sequences', json_array(), 'tombstones', json_array());"
	/* a chain as version 1 forwarded it: every old name at the current one */
	"INSERT INTO tombstones VALUES"
	" ('default', '10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000001', 'migrated',"
	" '10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000003', 1000),"
	" ('default', '10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000002', 'migrated',"
	" '10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000003', 1000),"
	" ('other', '10.0.0.2-9000:connector_v2:p_gone-full_trans-1-0:0000000001', 'deleted',"
	" NULL, 1000);"
	"INSERT INTO journal (ns, id, time_ms, op, task_name, params, http_status, is_success)"
	" VALUES ('default', 1, 1000, 'migrate', 'a', '{}', 200, 1),"
	" ('default', 2, 1001, 'migrate', 'b', '{}', 200, 1),"
	" ('other', 1, 1002, 'stop', 'c', '{}', 200, 0);"
	"PRAGMA user_version=1;";

START_TEST(version_1_database_is_upgraded_in_place)
{
	fixture f;
	test_temp_dir(f.dir, sizeof f.dir);
	snprintf(f.path, sizeof f.path, "%s/store.db", f.dir);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(f.path, &db), SQLITE_OK);
	char *error = NULL;
	ck_assert_msg(sqlite3_exec(db, v1_database, NULL, NULL, &error) == SQLITE_OK, "%s", error);
	sqlite3_close(db);
	store_options options = {.path = f.path, .busy_timeout_ms = 100};
	bool created = true;
	char why[256] = "";
	ck_assert_msg(store_open(&options, &f.store, &created, why, sizeof why) == 0, "%s", why);
	ck_assert(!created);
	ck_assert_int_eq(query_int(f.path, "PRAGMA user_version"), 7);
	/* version 6: the simulation's tables */
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM sqlite_master WHERE name IN"
					   " ('simulation', 'tasks_next')"),
			 2);
	/* the delivery columns (version 7): unknown (NULL) for every old entry */
	ck_assert_int_eq(query_int(f.path,
				   "SELECT count(*) FROM journal WHERE delivered IS NOT NULL"
				   " OR sent IS NOT NULL OR fault_id IS NOT NULL"),
			 0);
	/* the tombstones are a log (version 5): a chain's by time, then SEQ,
	 * each linked to its identity's one before, the newest in sequences (a
	 * row made for the deleted task's identity, which had none) */
	char text[256];
	ck_assert_str_eq(query_text(f.path,
				    "SELECT group_concat(id || '<' || coalesce(prev, 0) || ' '"
				    " || substr(name, -10) || ' ' || reason, ', ') FROM (SELECT"
				    " id - 1099511627776 AS id, prev - 1099511627776 AS prev,"
				    " name, reason FROM tombstones ORDER BY id)",
				    text, sizeof text),
			 "1<0 0000000001 migrated, 2<1 0000000002 migrated,"
			 " 1099511627777<0 0000000001 deleted");
	ck_assert_str_eq(
		query_text(f.path,
			   "SELECT group_concat(ns || ' ' || identity || ' ' || max_seq"
			   " || ' ' || coalesce(last_tombstone - 1099511627776, '-'), ', ') FROM"
			   " (SELECT * FROM sequences ORDER BY ns, identity)",
			   text, sizeof text),
		"default p_up-incr_trans-1-0 3 2, other p_gone-full_trans-1-0 1"
		" 1099511627777, other p_o-full_trans-1-0 1 -");
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
					   " AND name IN ('journal_task', 'tombstones_migrated_to',"
					   " 'journal_time')"),
			 0);
	/* the data is all there, each namespace's journal numbered as before */
	static const char current[] = "10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000003";
	ck_assert_int_eq(store_count_tasks(f.store, NS, 0), 1);
	ck_assert_str_eq(state_of(&f, current), "STOPPED");
	char ids[64];
	journal_ids(&f, NS, ids, sizeof ids);
	ck_assert_str_eq(ids, "1,2");
	journal_ids(&f, "other", ids, sizeof ids);
	ck_assert_str_eq(ids, "1");
	/* and it goes on: the next entry of each namespace follows its own */
	ck_assert_int_eq(run_op(&f, OP_RESUME, current, 2000, NULL), ERR_NONE);
	journal_ids(&f, NS, ids, sizeof ids);
	ck_assert_str_eq(ids, "1,2,3");
	journal_ids(&f, "other", ids, sizeof ids);
	ck_assert_str_eq(ids, "1");
	/* old names still lead to the current one */
	store_outcome outcome;
	ck_assert_int_eq(run_op(&f, OP_STOP,
				"10.0.0.1-9000:connector_v2:p_up-incr_trans-1-0:0000000001", 3000,
				&outcome),
			 ERR_TASK_NOT_FOUND);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(outcome.extra, "migratedTo")->valuestring,
			 current);
	store_outcome_free(&outcome);
	ck_assert_int_eq(
		run_request(&f,
			    (store_request){.ns = "other",
					    .op = OP_STOP,
					    .task_name =
						    "10.0.0.2-9000:connector_v2:p_gone-full_trans-"
						    "1-0:0000000001",
					    .now_ms = 3000},
			    &outcome),
		ERR_TASK_NOT_FOUND);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(outcome.extra, "deleted")));
	store_outcome_free(&outcome);
	ck_assert_int_eq(store_count_tasks(f.store, "other", 0), 1);
	/* a namespace made after the upgrade has a journal of its own */
	journal_ids(&f, "third", ids, sizeof ids);
	ck_assert_str_eq(ids, "");
	/* each config went to its own row (version 4) and stayed its task's */
	static const char other[] = "10.0.0.2-9000:connector_v2:p_o-full_trans-1-0:0000000001";
	ck_assert_str_eq(config_value(&f, NS, current, "sink", "workerNum"), "3");
	ck_assert_str_eq(config_value(&f, "other", other, "source", "fetchSize"), "9");
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM configs"), 2);
	/* a snapshot saved by version 1 restores */
	ck_assert_int_eq(store_snapshot_restore(f.store, "other", "before", 4000), STORE_OK);
	ck_assert_str_eq(config_value(&f, "other", other, "source", "fetchSize"), "9");
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM configs"), 2);
	teardown(&f);
}
END_TEST

/*
 * Schema version 4 keeps each config in a row of `configs`: every way a task
 * comes or goes (create, migrate, delete, reset, snapshot restore, namespace
 * delete) brings its config row along, and an update changes only its own.
 */
START_TEST(configs_follow_their_tasks)
{
	fixture f;
	setup(&f, 0);
	assert_configs_match_tasks(&f);
	ck_assert_int_gt(query_int(f.path, "SELECT count(*) FROM configs"), 0);
	ck_assert_int_eq(store_snapshot_save(f.store, NS, "seeded", 1500), STORE_OK);
	/* an update rewrites its task's config and no other */
	char *other_before = task_text(&f, running_name);
	ck_assert_int_eq(
		run_update(&f, stopped_name, "{\"sink\":{\"workerNum\":\"42\"}}", NULL, 2000, NULL),
		ERR_NONE);
	ck_assert_str_eq(config_value(&f, NS, stopped_name, "sink", "workerNum"), "42");
	char *other_after = task_text(&f, running_name);
	ck_assert_str_eq(other_before, other_after);
	free(other_before);
	free(other_after);
	/* a migrated task keeps its config under its new name */
	store_outcome outcome;
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, stopped_name, 3000, &outcome), ERR_NONE);
	char moved[sizeof outcome.result];
	snprintf(moved, sizeof moved, "%s", outcome.result);
	store_outcome_free(&outcome);
	ck_assert_str_eq(config_value(&f, NS, moved, "sink", "workerNum"), "42");
	assert_configs_match_tasks(&f);
	/* a deleted task's config goes with it */
	int64_t configs = query_int(f.path, "SELECT count(*) FROM configs");
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 4000, NULL), ERR_NONE);
	ck_assert_int_eq(run_op(&f, OP_DELETE, running_name, 4100, NULL), ERR_NONE);
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM configs"), configs - 1);
	assert_configs_match_tasks(&f);
	/* a restore puts back the configs of the snapshot, and only those */
	ck_assert_int_eq(store_snapshot_restore(f.store, NS, "seeded", 5000), STORE_OK);
	assert_configs_match_tasks(&f);
	ck_assert_str_ne(config_value(&f, NS, stopped_name, "sink", "workerNum"), "42");
	ck_assert_str_eq(state_of(&f, running_name), "RUNNING");
	/* a second namespace; then a reset of the first, a delete of the second */
	seed(&f, "second");
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM configs"), 2 * configs);
	char why[256] = "";
	ck_assert_int_eq(store_reset(f.store, NS, NULL, 0, 7000, why, sizeof why), STORE_OK);
	assert_configs_match_tasks(&f);
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM configs"), configs);
	ck_assert_int_eq(store_namespace_delete(f.store, "second"), STORE_OK);
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM configs"), 0);
	teardown(&f);
}
END_TEST

/* What the store says of `name`: "live", "migratedTo <name>", "deleted",
 * or "none" (a name it never knew). */
static void fate_of(fixture *f, const char *name, char *out, size_t cap)
{
	cJSON *task = NULL;
	if (store_get_task(f->store, NS, name, 0, &task) == STORE_OK) {
		cJSON_Delete(task);
		snprintf(out, cap, "live");
		return;
	}
	store_outcome outcome;
	ck_assert_int_eq(run_op(f, OP_STOP, name, 9000, &outcome), ERR_TASK_NOT_FOUND);
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(outcome.extra, "migratedTo");
	if (cJSON_IsString(to))
		snprintf(out, cap, "migratedTo %s", to->valuestring);
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(outcome.extra, "deleted")))
		snprintf(out, cap, "deleted");
	else
		snprintf(out, cap, "none");
	store_outcome_free(&outcome);
}

/* PROJECT-TYPE-SUB-IDX of a task name column, in SQL */
#define IDENTITY_OF(name)                                                                          \
	"substr(" name ", instr(" name ", ':connector_v2:') + 14, length(" name ")"                \
	" - instr(" name ", ':connector_v2:') - 24)"

/* Each identity's tombstones are one chain, newest first: from the id in
 * its sequence row, back through `prev` to older ids of the same identity
 * only, ending at NULL. Each query counts what breaks that. */
static const char links_broken[] =
	"SELECT count(*) FROM tombstones t LEFT JOIN tombstones p ON p.id = t.prev"
	" WHERE t.prev IS NOT NULL AND (p.id IS NULL OR p.id >= t.id"
	" OR " IDENTITY_OF("p.name") " <> " IDENTITY_OF("t.name") ")";
static const char chain_ends_wrong[] =
	"SELECT (SELECT count(*) FROM tombstones WHERE prev IS NULL) - (SELECT count(*) FROM"
	" (SELECT DISTINCT " IDENTITY_OF("name") " FROM tombstones))";
static const char newest_wrong[] =
	"SELECT count(*) FROM sequences s WHERE last_tombstone IS NOT"
	" (SELECT max(id) FROM tombstones WHERE " IDENTITY_OF("name") " = s.identity)";

static void assert_tombstone_chains(fixture *f)
{
	ck_assert_int_eq(query_int(f->path, links_broken), 0);
	ck_assert_int_eq(query_int(f->path, chain_ends_wrong), 0);
	ck_assert_int_eq(query_int(f->path, newest_wrong), 0);
}

/* The tombstone model: every name a test made, and what became of it. */
enum { MODEL_NAMES = 512, MODEL_IDENTITIES = 3 };
typedef struct {
	char name[MODEL_NAMES][TASKNAME_MAX + 1];
	char fate[MODEL_NAMES][16]; /* "live", "migrated", "deleted" */
	char to[MODEL_NAMES][TASKNAME_MAX + 1];
	int identity[MODEL_NAMES];
	int count;
	int live[MODEL_IDENTITIES]; /* index of the identity's live name, -1 for none */
} tomb_model;

static int model_find(const tomb_model *m, const char *name)
{
	for (int i = 0; i < m->count; i++)
		if (strcmp(m->name[i], name) == 0)
			return i;
	return -1;
}

static int model_add(tomb_model *m, const char *name, int identity)
{
	ck_assert_int_lt(m->count, MODEL_NAMES);
	int i = m->count++;
	snprintf(m->name[i], sizeof m->name[i], "%s", name);
	snprintf(m->fate[i], sizeof m->fate[i], "live");
	m->identity[i] = identity;
	m->live[identity] = i;
	return i;
}

/* What the store must say of name i: a migrated name leads to where its
 * chain ends, through every successor that was migrated in turn. */
static void model_fate(const tomb_model *m, int i, char *out, size_t cap)
{
	if (strcmp(m->fate[i], "migrated") != 0) {
		snprintf(out, cap, "%s", m->fate[i]);
		return;
	}
	int at = i;
	for (int next;
	     strcmp(m->fate[at], "migrated") == 0 && (next = model_find(m, m->to[at])) >= 0;)
		at = next;
	snprintf(out, cap, "migratedTo %s", m->name[at]);
}

static void assert_model(fixture *f, const tomb_model *m, int step)
{
	for (int i = 0; i < m->count; i++) {
		char expected[TASKNAME_MAX + 32], said[TASKNAME_MAX + 32];
		model_fate(m, i, expected, sizeof expected);
		fate_of(f, m->name[i], said, sizeof said);
		ck_assert_msg(strcmp(expected, said) == 0, "step %d, %s: expected %s, got %s", step,
			      m->name[i], expected, said);
	}
}

static void create_stopped(fixture *f, const char *name)
{
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddStringToObject(spec, "taskName", name);
	cJSON_AddStringToObject(spec, "state", "STOPPED");
	char why[256] = "";
	ck_assert_msg(store_create_task(f->store, NS, spec, 1500, NULL, why, sizeof why) ==
			      STORE_OK,
		      "%s: %s", name, why);
	cJSON_Delete(spec);
}

/*
 * Tombstones (schema version 5: a log, walked back per identity) against a
 * model of what the contract says: 400 random migrates, deletes and
 * revivals (a task created again under one of its identity's old names) of
 * three identities, every name checked every 16 steps; then a snapshot of
 * it all, a reset that forgets it, the restore that brings it back, more
 * tombstones, and the restore again over them.
 * Before version 5 the same rules were one recursive query over a table
 * keyed by name.
 */
START_TEST(tombstones_say_what_the_model_says)
{
	fixture f;
	setup(&f, 0);
	static tomb_model m;
	memset(&m, 0, sizeof m);
	for (int k = 0; k < MODEL_IDENTITIES; k++) {
		char name[TASKNAME_MAX + 1];
		snprintf(name, sizeof name,
			 "10.0.0.1-9000:connector_v2:p_m%d-incr_trans-1-0:0000000001", k);
		create_stopped(&f, name);
		model_add(&m, name, k);
	}
	unsigned seed = 20261121;
	int revivals = 0, middles = 0;
	for (int step = 0; step < 400; step++) {
		/* the clock runs backwards (a namespace's clock may be set back):
		 * no order may rest on the time a tombstone was written */
		int64_t now = 100000 - 10 * step;
		int k = rand_r(&seed) % MODEL_IDENTITIES;
		int live = m.live[k];
		int dice = rand_r(&seed) % 10;
		if (live >= 0 && dice < 7) { /* migrate */
			store_outcome outcome;
			char host[32];
			snprintf(host, sizeof host, "10.0.1.%d", rand_r(&seed) % 3 + 1);
			ck_assert_int_eq(run_request(&f,
						     (store_request){.op = OP_MIGRATE,
								     .task_name = m.name[live],
								     .new_host = host,
								     .now_ms = now},
						     &outcome),
					 ERR_NONE);
			snprintf(m.fate[live], sizeof m.fate[live], "migrated");
			snprintf(m.to[live], sizeof m.to[live], "%s", outcome.result);
			int i = model_find(&m, outcome.result);
			ck_assert_int_lt(i, 0); /* a new SEQ: never a name before */
			model_add(&m, outcome.result, k);
			store_outcome_free(&outcome);
		} else if (live >= 0) { /* delete */
			ck_assert_int_eq(run_op(&f, OP_DELETE, m.name[live], now, NULL), ERR_NONE);
			snprintf(m.fate[live], sizeof m.fate[live], "deleted");
			m.live[k] = -1;
		} else { /* revive one of the identity's old names */
			int candidates[MODEL_NAMES], n = 0;
			for (int i = 0; i < m.count; i++)
				if (m.identity[i] == k)
					candidates[n++] = i;
			/* n >= 1: an identity with no live task has had a name */
			/* cppcheck-suppress uninitvar */
			int i = candidates[rand_r(&seed) % n];
			middles += i != candidates[0] && i != candidates[n - 1];
			create_stopped(&f, m.name[i]);
			snprintf(m.fate[i], sizeof m.fate[i], "live");
			m.live[k] = i;
			revivals++;
		}
		if (step % 16 == 15) {
			assert_model(&f, &m, step);
			assert_tombstone_chains(&f);
		}
	}
	/* the walk met each kind of revival: the ones in a chain's middle
	 * relink their neighbours */
	ck_assert_int_gt(revivals, 10);
	ck_assert_int_gt(middles, 3);
	ck_assert_int_eq(store_snapshot_save(f.store, NS, "model", 5000), STORE_OK);
	static tomb_model saved;
	saved = m;
	char why[256] = "";
	ck_assert_msg(store_reset(f.store, NS, "{\"tasks\":[]}", 12, 6000, why, sizeof why) ==
			      STORE_OK,
		      "%s", why);
	ck_assert_int_eq(query_int(f.path, "SELECT count(*) FROM tombstones"), 0);
	char said[TASKNAME_MAX + 32];
	fate_of(&f, m.name[0], said, sizeof said);
	ck_assert_str_eq(said, "none");
	ck_assert_int_eq(store_snapshot_restore(f.store, NS, "model", 7000), STORE_OK);
	assert_model(&f, &m, -1);
	assert_tombstone_chains(&f);
	/* after a restore, tombstones are written on from the snapshot's */
	for (int k = 0; k < MODEL_IDENTITIES; k++)
		if (m.live[k] >= 0) {
			ck_assert_int_eq(run_op(&f, OP_DELETE, m.name[m.live[k]], 8000, NULL),
					 ERR_NONE);
			snprintf(m.fate[m.live[k]], sizeof m.fate[m.live[k]], "deleted");
		}
	assert_model(&f, &m, -2);
	assert_tombstone_chains(&f);
	/* a restore over tombstones (no reset: the sequences stay) */
	ck_assert_int_eq(store_snapshot_restore(f.store, NS, "model", 9000), STORE_OK);
	assert_model(&f, &saved, -3);
	assert_tombstone_chains(&f);
	teardown(&f);
}
END_TEST

/* ---- the writer thread ---------------------------------------------- */

enum { RACERS = 16, RACER_OPS = 150 };

typedef struct {
	task_store *store;
	const char *name;
	int successes, refusals, others; /* Check's asserts stay on the test's thread */
} racer;

/* Stops and resumes one task, RACER_OPS times, as fast as the store answers. */
static void *racer_main(void *data)
{
	racer *r = data;
	for (int i = 0; i < RACER_OPS; i++) {
		store_request request = {.op = i % 2 ? OP_RESUME : OP_STOP,
					 .task_name = r->name,
					 .now_ms = 5000,
					 .client = "racer",
					 .params_json = "{}"};
		store_outcome outcome;
		store_execute(r->store, &request, &outcome);
		if (outcome.error == ERR_NONE)
			r->successes++;
		else if (outcome.error == ERR_ILLEGAL_STATE)
			r->refusals++;
		else
			r->others++;
		store_outcome_free(&outcome);
	}
	return NULL;
}

/*
 * Sixteen threads stop and resume the same two tasks at once. Every
 * operation is answered and journaled once; in journal order each applied
 * one starts from the state the one before it left (they ran one at a
 * time); the task ends in the state the last one left; and operations
 * shared transactions (group commit), counted by store_batch_stats_get.
 */
START_TEST(concurrent_operations_serialize_and_share_commits)
{
	fixture f;
	setup(&f, 0);
	const char *names[] = {stopped_name, running_name};
	store_batch_stats before;
	store_batch_stats_get(f.store, &before);
	racer racers[RACERS];
	pthread_t threads[RACERS];
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (racer){.store = f.store, .name = names[i % 2]};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, racer_main, &racers[i]), 0);
	}
	int successes = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_int_eq(racers[i].others, 0);
		ck_assert_int_eq(racers[i].successes + racers[i].refusals, RACER_OPS);
		successes += racers[i].successes;
	}
	ck_assert_int_gt(successes, 0);
	store_batch_stats after;
	store_batch_stats_get(f.store, &after);
	ck_assert_uint_eq(after.operations - before.operations, (uint64_t)RACERS * RACER_OPS);
	ck_assert_uint_lt(after.transactions - before.transactions,
			  after.operations - before.operations);

	const char *initial[] = {"STOPPED", "RUNNING"};
	for (int t = 0; t < 2; t++) {
		store_journal_filter filter = {
			.task_name = names[t], .success = -1, .limit = STORE_JOURNAL_MAX_LIMIT};
		cJSON *entries;
		ck_assert(store_journal(f.store, NS, &filter, 0, &entries) == STORE_OK);
		ck_assert_int_eq(cJSON_GetArraySize(entries), RACERS / 2 * RACER_OPS);
		char state[32];
		snprintf(state, sizeof state, "%s", initial[t]);
		int applied = 0;
		const cJSON *entry;
		cJSON_ArrayForEach(entry, entries)
		{
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess")))
				continue;
			const cJSON *from = cJSON_GetObjectItemCaseSensitive(entry, "fromState");
			const cJSON *to = cJSON_GetObjectItemCaseSensitive(entry, "toState");
			ck_assert(cJSON_IsString(from) && cJSON_IsString(to));
			ck_assert_str_eq(from->valuestring, state);
			snprintf(state, sizeof state, "%s", to->valuestring);
			applied++;
		}
		cJSON_Delete(entries);
		ck_assert_int_gt(applied, 0);
		ck_assert_str_eq(state_of(&f, names[t]), state);
	}
	teardown(&f);
}
END_TEST

/*
 * The WAL goes back to its beginning even when the writer never pauses:
 * sixteen threads keep a batch queued at every commit, so the
 * checkpointer's passes, which run beside the batches, never reach the
 * WAL's end; only the last pass, which the writer runs between two batches,
 * does. Without that pass the WAL grew to 9-11 MB here (three rounds of
 * RACERS x RACER_OPS operations); with it, 0.4-1.5 MB.
 */
START_TEST(wal_restarts_while_commits_never_pause)
{
	fixture f;
	setup_with(&f, (store_options){.busy_timeout_ms = 100, .checkpoint_frames = 64});
	char wal[sizeof f.path + 8];
	snprintf(wal, sizeof wal, "%s-wal", f.path);
	const char *names[] = {stopped_name, running_name};
	for (int round = 0; round < 3; round++) {
		racer racers[RACERS];
		pthread_t threads[RACERS];
		for (int i = 0; i < RACERS; i++) {
			racers[i] = (racer){.store = f.store, .name = names[i % 2]};
			ck_assert_int_eq(pthread_create(&threads[i], NULL, racer_main, &racers[i]),
					 0);
		}
		for (int i = 0; i < RACERS; i++) {
			pthread_join(threads[i], NULL);
			ck_assert_int_eq(racers[i].others, 0);
		}
	}
	/* the writer's last passes ran (how large the WAL grew meanwhile is a
	 * matter of scheduling: bench/wal_bound.c measures it) */
	store_batch_stats stats;
	store_batch_stats_get(f.store, &stats);
	for (int i = 0; stats.checkpoints == 0 && i < 30000; i++) {
		ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 9000 + i, NULL) == ERR_NONE ||
					 run_op(&f, OP_RESUME, running_name, 9000 + i, NULL) ==
						 ERR_NONE,
				 1);
		test_sleep_ms(1);
		store_batch_stats_get(f.store, &stats);
	}
	ck_assert_uint_gt(stats.checkpoints, 0);
	/* after a checkpoint, commits write the WAL from its beginning again: a
	 * WAL file never shrinks, and it does not grow */
	ck_assert_int_eq(store_checkpoint_now(f.store, 30000), 0);
	long long size = file_size(wal);
	ck_assert_msg(size > 0, "no WAL file at %s", wal);
	for (int i = 0; i < 5; i++)
		run_op(&f, i % 2 ? OP_STOP : OP_RESUME, stopped_name, 50000 + i, NULL);
	ck_assert_msg(file_size(wal) <= size,
		      "the WAL grew from %lld to %lld bytes after a "
		      "checkpoint",
		      size, file_size(wal));
	teardown(&f);
}
END_TEST

/*
 * Between checkpoints the checkpointer copies the WAL into the database file
 * every 256 frames (a pass that first syncs the WAL), so that a checkpoint
 * finds little left to copy; with durability full it then starts the file's
 * writeback (writer.c, trickle()). 600 stop/resume write well over 256
 * frames and stay under the default checkpoint threshold: no checkpoint
 * completes, yet the database file changes (in WAL mode only a checkpoint
 * pass writes it).
 */
START_TEST(wal_trickles_into_the_database_and_full_durability_writes_it_back)
{
	const store_durability durabilities[] = {DURABILITY_NORMAL, DURABILITY_FULL};
	for (size_t d = 0; d < COUNT(durabilities); d++) {
		fixture f;
		setup_with(&f,
			   (store_options){.durability = durabilities[d], .busy_timeout_ms = 100});
		uint64_t before = file_hash(f.path);
		ck_assert_uint_ne(before, 0);
		for (int i = 0; i < 600; i++)
			ck_assert_int_eq(run_op(&f, i % 2 ? OP_RESUME : OP_STOP, running_name,
						2000 + i, NULL),
					 ERR_NONE);
		/* the passes run on the checkpointer's thread: give it up to 2 s */
		bool full = durabilities[d] == DURABILITY_FULL;
		store_batch_stats stats;
		store_batch_stats_get(f.store, &stats);
		for (int wait = 0; wait < 200 && (stats.wal_syncs == 0 ||
						  (full && stats.database_writebacks == 0));
		     wait++) {
			struct timespec pause = {0, 10 * 1000 * 1000};
			nanosleep(&pause, NULL);
			store_batch_stats_get(f.store, &stats);
		}
		ck_assert_uint_eq(stats.checkpoints, 0);
		ck_assert_uint_gt(stats.wal_syncs, 0);
		ck_assert_msg(file_hash(f.path) != before, "the database file did not change");
		if (full)
			ck_assert_uint_gt(stats.database_writebacks, 0);
		else
			ck_assert_uint_eq(stats.database_writebacks, 0);
		teardown(&f);
	}
}
END_TEST

START_TEST(invalid_fixtures_change_nothing)
{
	fixture f;
	setup(&f, 0);
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 2000, NULL), ERR_NONE);
	static const char bad[] =
		"{\"tasks\":[{\"taskName\":\"10.0.0.1-9000:connector_v2:p1-incr_trans-1-0:"
		"0000000001\","
		"\"state\":\"STOPPED\"},{\"taskName\":\"not a name\",\"state\":\"STOPPED\"}]}";
	char why[256] = "";
	ck_assert_int_eq(store_reset(f.store, NS, bad, strlen(bad), 3000, why, sizeof why),
			 STORE_INVALID);
	ck_assert_msg(strstr(why, "fixture task 1") != NULL, "%s", why);
	ck_assert_int_eq(store_count_tasks(f.store, NS, 0), 8);
	ck_assert_str_eq(state_of(&f, running_name), "STOPPED");
	teardown(&f);
}
END_TEST

START_TEST(one_live_task_per_identity)
{
	fixture f;
	setup(&f, 0);
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddStringToObject(spec, "taskName",
				"10.9.9.9-9000:connector_v2:p_493po****-incr_trans-1-0:0000000007");
	cJSON_AddStringToObject(spec, "state", "STOPPED");
	char why[256] = "";
	ck_assert_int_eq(store_create_task(f.store, NS, spec, 2000, NULL, why, sizeof why),
			 STORE_EXISTS);
	cJSON_Delete(spec);
	ck_assert_int_eq(store_count_tasks(f.store, NS, 0), 8);
	teardown(&f);
}
END_TEST

START_TEST(fail_then_resume_clears_last_error)
{
	fixture f;
	setup(&f, 0);
	ck_assert_int_eq(
		store_fail_task(f.store, NS, running_name, "disk full on sink", 2000, NULL),
		STORE_OK);
	ck_assert_str_eq(state_of(&f, running_name), "ABNORMAL");
	ck_assert_int_eq(run_op(&f, OP_RESUME, running_name, 3000, NULL), ERR_NONE);
	cJSON *task;
	ck_assert(store_get_task(f.store, NS, running_name, 0, &task) == STORE_OK);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(task, "lastError")));
	cJSON_Delete(task);
	ck_assert_int_eq(store_fail_task(f.store, NS, "absent", "x", 1, NULL), STORE_NOT_FOUND);
	teardown(&f);
}
END_TEST

START_TEST(journal_retention_uses_the_callers_clock)
{
	fixture f;
	setup(&f, 1000);
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 10000, NULL), ERR_NONE);
	ck_assert_int_eq(run_op(&f, OP_RESUME, running_name, 10500, NULL), ERR_NONE);
	ck_assert_int_eq(journal_count(&f, running_name), 2);
	/* 2.5 s later by the caller's clock: both older than the 1 s retention */
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 13000, NULL), ERR_NONE);
	ck_assert_int_eq(journal_count(&f, running_name), 1);
	teardown(&f);
}
END_TEST

START_TEST(locked_database_is_a_retryable_internal_error)
{
	fixture f;
	setup(&f, 0);
	char *before = task_text(&f, running_name);
	sqlite3 *other;
	ck_assert_int_eq(sqlite3_open(f.path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	store_outcome outcome;
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 2000, &outcome), ERR_INTERNAL_ERROR);
	ck_assert(error_retryable(outcome.error));
	store_outcome_free(&outcome);
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	char *after = task_text(&f, running_name);
	ck_assert_str_eq(before, after);
	/* and the store keeps serving once the lock is gone */
	ck_assert_int_eq(run_op(&f, OP_STOP, running_name, 3000, NULL), ERR_NONE);
	free(before);
	free(after);
	teardown(&f);
}
END_TEST

START_TEST(newer_schema_is_refused)
{
	fixture f;
	setup(&f, 0);
	store_close(f.store);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(f.path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	store_options options = {.path = f.path, .busy_timeout_ms = 100};
	bool created;
	char why[256] = "";
	ck_assert_int_eq(store_open(&options, &f.store, &created, why, sizeof why), -1);
	ck_assert_msg(strstr(why, "unknown schema version 99") != NULL, "%s", why);
	f.store = NULL;
	teardown(&f);
}
END_TEST

/* An in-memory store for the tests of the store's own asserts. */
static task_store *open_in_memory(void)
{
	store_options options = {.path = ":memory:", .busy_timeout_ms = 100};
	task_store *store;
	bool created;
	char why[256] = "";
	ck_assert_msg(store_open(&options, &store, &created, why, sizeof why) == 0, "%s", why);
	return store;
}

/* In the forked child of a test that must abort: the assert's message
 * would only clutter the suite's output. */
static void quiet_stderr(void) { ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr)); }

/* The preconditions store_internal.h states are asserted in the builds the
 * tests run (no NDEBUG): a statement without the store's lock aborts... */
START_TEST(statement_without_the_lock_aborts)
{
	quiet_stderr();
	task_store *store = open_in_memory();
	store_begin(store); /* STORE_ASSERT_LOCKED */
}
END_TEST

/* ...and so does a write outside a transaction, */
START_TEST(write_outside_a_transaction_aborts)
{
	quiet_stderr();
	task_store *store = open_in_memory();
	db_lock(&store->lock);
	audit_clear(store, NS); /* STORE_ASSERT_WRITING */
}
END_TEST

/* ...and taking the lock twice on one thread. */
START_TEST(lock_taken_twice_aborts)
{
	quiet_stderr();
	task_store *store = open_in_memory();
	db_lock(&store->lock);
	db_lock(&store->lock);
}
END_TEST

/* The same calls in order run (the asserts above fire for the reason
 * given, not for any call). */
START_TEST(calls_in_order_pass_the_asserts)
{
	task_store *store = open_in_memory();
	db_lock(&store->lock);
	ck_assert(db_lock_held(&store->lock));
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(namespace_ensure(store, NS, 1000, false), 1);
	ck_assert_int_eq(audit_clear(store, NS), 0);
	ck_assert_int_eq(store_commit(store), 0);
	db_unlock(&store->lock);
	ck_assert(!db_lock_held(&store->lock));
	store_close(store);
}
END_TEST

/* The last 10-digit SEQ can be migrated to, and not past: the refusal is
 * ILLEGAL_STATE and the task keeps its name. */
START_TEST(migrate_stops_at_the_last_sequence)
{
	fixture f;
	setup(&f, 0);
	static const char last_but_one[] =
		"10.0.0.1-9000:connector_v2:p_seq-incr_trans-1-0:9999999998";
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddStringToObject(spec, "taskName", last_but_one);
	cJSON_AddStringToObject(spec, "state", "STOPPED");
	char why[256] = "";
	ck_assert_msg(store_create_task(f.store, NS, spec, 1500, NULL, why, sizeof why) == STORE_OK,
		      "%s", why);
	cJSON_Delete(spec);
	store_outcome outcome;
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, last_but_one, 2000, &outcome), ERR_NONE);
	char last[TASKNAME_MAX + 1];
	snprintf(last, sizeof last, "%s", outcome.result);
	store_outcome_free(&outcome);
	ck_assert_str_eq(last, "10.0.0.1-9000:connector_v2:p_seq-incr_trans-1-0:9999999999");
	ck_assert_int_eq(run_op(&f, OP_MIGRATE, last, 3000, &outcome), ERR_ILLEGAL_STATE);
	ck_assert_msg(strstr(outcome.message, "sequence") != NULL, "%s", outcome.message);
	store_outcome_free(&outcome);
	ck_assert_str_eq(state_of(&f, last), "STOPPED");
	teardown(&f);
}
END_TEST

/* The config of task `name` (caller frees). */
static cJSON *get_config(fixture *f, const char *name)
{
	cJSON *task;
	ck_assert_int_eq(store_get_task(f->store, NS, name, 0, &task), STORE_OK);
	cJSON *config = cJSON_DetachItemFromObjectCaseSensitive(task, "config");
	cJSON_Delete(task);
	ck_assert_ptr_nonnull(config);
	return config;
}

/* An update that would take a config past CONFIGMAP_SCOPES_MAX scopes is
 * refused whole: the config keeps what it had. */
START_TEST(update_past_the_scope_limit_changes_nothing)
{
	fixture f;
	setup(&f, 0);
	cJSON *before = get_config(&f, stopped_name);
	int existing = cJSON_GetArraySize(before);
	ck_assert_int_gt(existing, 0);
	ck_assert_int_lt(existing, CONFIGMAP_SCOPES_MAX);
	/* one scope too many, then exactly the limit */
	for (int extra = 1; extra >= 0; extra--) {
		char body[4096];
		size_t len = (size_t)snprintf(body, sizeof body, "{");
		for (int i = 0; i < CONFIGMAP_SCOPES_MAX - existing + extra; i++)
			len += (size_t)snprintf(body + len, sizeof body - len,
						"%s\"extra%d\":{\"k\":\"v\"}", i ? "," : "", i);
		snprintf(body + len, sizeof body - len, "}");
		store_outcome outcome;
		error_code error = run_update(&f, stopped_name, body, NULL, 2000, &outcome);
		cJSON *after = get_config(&f, stopped_name);
		if (extra) {
			ck_assert_int_eq(error, ERR_INVALID_ARGUMENT);
			ck_assert_msg(strstr(outcome.message, "scopes") != NULL, "%s",
				      outcome.message);
			ck_assert(cJSON_Compare(before, after, true));
		} else {
			ck_assert_msg(error == ERR_NONE, "%s", outcome.message);
			ck_assert_int_eq(cJSON_GetArraySize(after), CONFIGMAP_SCOPES_MAX);
		}
		store_outcome_free(&outcome);
		cJSON_Delete(after);
	}
	cJSON_Delete(before);
	teardown(&f);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *suite = suite_create("store");
	TCase *tc = tcase_create("sqlite");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, seeded_and_counted);
	tcase_add_test(tc, refused_operation_changes_nothing_but_the_journal);
	tcase_add_test(tc, changes_survive_close_and_reopen);
	tcase_add_test(tc, sequence_never_reused_after_delete);
	tcase_add_test(tc, migrated_name_points_at_the_latest_name);
	tcase_add_test(tc, tombstones_say_what_the_model_says);
	tcase_add_test(tc, invalid_fixtures_change_nothing);
	tcase_add_test(tc, one_live_task_per_identity);
	tcase_add_test(tc, fail_then_resume_clears_last_error);
	tcase_add_test(tc, journal_retention_uses_the_callers_clock);
	tcase_add_test(tc, locked_database_is_a_retryable_internal_error);
	tcase_add_test(tc, newer_schema_is_refused);
	tcase_add_test(tc, version_1_database_is_upgraded_in_place);
	tcase_add_test(tc, configs_follow_their_tasks);
	tcase_add_test(tc, concurrent_operations_serialize_and_share_commits);
	tcase_add_test(tc, wal_restarts_while_commits_never_pause);
	tcase_add_test(tc, wal_trickles_into_the_database_and_full_durability_writes_it_back);
	tcase_add_test(tc, wal_stays_bounded_under_steady_commits);
	tcase_add_test(tc, journal_bound_is_exact_for_readers);
	tcase_add_test_raise_signal(tc, statement_without_the_lock_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, write_outside_a_transaction_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, lock_taken_twice_aborts, SIGABRT);
	tcase_add_test(tc, calls_in_order_pass_the_asserts);
	tcase_add_test(tc, migrate_stops_at_the_last_sequence);
	tcase_add_test(tc, update_past_the_scope_limit_changes_nothing);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(store_suite()); }
