/*
 * store.c — open the database, run the OMS operations, serve the control API.
 *
 * Invariants kept here:
 *  - one connection, guarded by `store->lock`; every public function takes
 *    the lock for its whole length, so no two transactions interleave;
 *  - every write is inside BEGIN IMMEDIATE ... COMMIT; a failure rolls back;
 *  - the answer is returned only after COMMIT succeeded;
 *  - SQL gets values only through bound parameters.
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configmap.h"
#include "integrity.h"
#include "json.h"
#include "store_internal.h"
#include "text.h"

enum { SCHEMA_VERSION = 5 };

/*
 * Every table but snapshots' payload is keyed by namespace first: a
 * namespace is an isolated set of tasks, sequences, tombstones and journal.
 * Every statement reads its namespace from the parameter ?16, which
 * store_statement_get binds from `store->ns` (set under the lock by
 * use_namespace), so that no statement can forget it.
 */
static const char schema_v1[] =
	"CREATE TABLE namespaces (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL) WITHOUT "
	"ROWID;"
	"CREATE TABLE tasks ("
	" ns TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" identity TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" config TEXT NOT NULL,"
	" checkpoint INTEGER,"
	" progress REAL,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (ns, name),"
	" UNIQUE (ns, identity)"
	") WITHOUT ROWID;"
	"CREATE TABLE sequences ("
	" ns TEXT NOT NULL, identity TEXT NOT NULL, max_seq INTEGER NOT NULL,"
	" PRIMARY KEY (ns, identity)"
	") WITHOUT ROWID;"
	"CREATE TABLE tombstones ("
	" ns TEXT NOT NULL, name TEXT NOT NULL, reason TEXT NOT NULL, migrated_to TEXT,"
	" at INTEGER NOT NULL, PRIMARY KEY (ns, name)"
	") WITHOUT ROWID;"
	"CREATE INDEX tombstones_migrated_to ON tombstones(ns, migrated_to);"
	"CREATE TABLE journal ("
	" ns TEXT NOT NULL,"
	" id INTEGER NOT NULL," /* 1, 2, 3... within the namespace */
	" time_ms INTEGER NOT NULL,"
	" client TEXT,"
	" op TEXT NOT NULL,"
	" task_name TEXT,"
	" params TEXT NOT NULL,"
	" body BLOB,"
	" http_status INTEGER NOT NULL,"
	" is_success INTEGER NOT NULL,"
	" err_code TEXT,"
	" from_state TEXT,"
	" to_state TEXT,"
	" new_task_name TEXT,"
	" injected TEXT,"
	" PRIMARY KEY (ns, id)"
	") WITHOUT ROWID;"
	"CREATE INDEX journal_time ON journal(ns, time_ms);"
	"CREATE INDEX journal_task ON journal(ns, task_name);"
	"CREATE TABLE snapshots ("
	" ns TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL,"
	" PRIMARY KEY (ns, name)"
	") WITHOUT ROWID;";

/*
 * Version 2 drops two indexes that cost a random page write per operation
 * (found with perf: a third of the WAL pages of stop/resume, and most of
 * migrate's time):
 * - journal(ns, task_name): a journal query by taskName now reads the
 *   namespace's journal in id order (bounded by journal.max_entries);
 * - tombstones(ns, migrated_to): a migrate no longer rewrites the
 *   tombstones of every older name of the task (O(chain) per migrate); a
 *   tombstone names its direct successor and a lookup follows the chain.
 */
static const char schema_v2[] = "DROP INDEX journal_task;"
				"DROP INDEX tombstones_migrated_to;";

/*
 * Version 3: the journal is a rowid table. Its id is the namespace's
 * `journal_base` (a multiple of 2^40, one per namespace) plus the entry's
 * number in its namespace (1, 2, 3...), so a namespace's journal is one
 * range of rowids, in order, with no index. The WITHOUT ROWID journal keyed
 * (ns, id) and its (ns, time_ms) index cost 4.5 of the 6.7 WAL pages a
 * commit of four stop/resume wrote (pages of each frame of a WAL, mapped to
 * their b-trees with dbstat): appending to an index b-tree rebalances
 * siblings when a leaf fills, where a rowid table appended at its end only
 * starts a new leaf. As a rowid table: 3.6 pages. Retention now removes
 * the oldest entries, in id order, up to the first one still within it.
 */
static const char schema_v3[] =
	"ALTER TABLE namespaces ADD COLUMN journal_base INTEGER;"
	"UPDATE namespaces SET journal_base = 1099511627776 * (1 + (SELECT count(*)"
	" FROM namespaces n WHERE n.name < namespaces.name));"
	"CREATE TABLE journal_v3 ("
	" id INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL,"
	" client TEXT,"
	" op TEXT NOT NULL,"
	" task_name TEXT,"
	" params TEXT NOT NULL,"
	" body BLOB,"
	" http_status INTEGER NOT NULL,"
	" is_success INTEGER NOT NULL,"
	" err_code TEXT,"
	" from_state TEXT,"
	" to_state TEXT,"
	" new_task_name TEXT,"
	" injected TEXT"
	");"
	"INSERT INTO journal_v3 SELECT n.journal_base + j.id, j.time_ms, j.client, j.op,"
	" j.task_name, j.params, j.body, j.http_status, j.is_success, j.err_code, j.from_state,"
	" j.to_state, j.new_task_name, j.injected FROM journal j JOIN namespaces n"
	" ON n.name = j.ns;"
	"DROP TABLE journal;"
	"ALTER TABLE journal_v3 RENAME TO journal;";

/*
 * Version 4: a task's config is a row of its own in `configs`, a rowid
 * table, and the task row names it by config_id. A task row with its
 * config (838 bytes with the bench's small configs, more after an update)
 * filled a WITHOUT ROWID b-tree of four rows a page, spilled to overflow
 * pages past about 1 KB, and was rewritten whole, config included, by every
 * stop and resume; an update rewrote its overflow chain (callgrind of
 * bench/store_ops: 36% of an update's instructions). Now stop and resume
 * read and write about 200 bytes and never touch the config; an update
 * rewrites one configs row, which stays on its leaf up to ~4 KB. Configs
 * are numbered in the order of their tasks' (ns, name).
 */
static const char schema_v4[] =
	"CREATE TABLE configs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
	"CREATE TABLE tasks_v4 ("
	" ns TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" identity TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" config_id INTEGER NOT NULL,"
	" checkpoint INTEGER,"
	" progress REAL,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (ns, name),"
	" UNIQUE (ns, identity)"
	") WITHOUT ROWID;"
	"INSERT INTO configs (id, body)"
	" SELECT row_number() OVER (ORDER BY ns, name), config FROM tasks;"
	"INSERT INTO tasks_v4 SELECT ns, name, identity, type, state,"
	" row_number() OVER (ORDER BY ns, name), checkpoint, progress, last_error, created_at,"
	" updated_at FROM tasks;"
	"DROP TABLE tasks;"
	"ALTER TABLE tasks_v4 RENAME TO tasks;";

/*
 * Version 5: tombstones are a log, appended in the order they are written.
 * A tombstone's id is in its namespace's range (journal_base, as the
 * journal's), `prev` is the id of the tombstone of the same identity
 * written before it, and the identity's row of `sequences` holds the id of
 * its newest (`last_tombstone`). A name's tombstone is found from there,
 * walking back (find_tombstone). Keyed by (ns, name), a tombstone was a
 * random insert into a b-tree that grows with every migrate: 9.3 of the
 * 19.5 WAL frames of a commit of migrates (the frames of a WAL mapped to
 * their b-trees with dbstat). Appended, the tombstones of a commit share
 * the log's last page (1.5 frames of 11.1), and the identity's row of
 * `sequences` is one the migrate writes anyway. (Tombstones kept as rows of
 * `tasks` instead, where the migrated task's row was, saved nothing: the
 * table of tasks then grows with every migrate, and its tasks spread over
 * more pages.) Old tombstones are numbered by SEQ: each successor's after
 * its predecessor's, as a chain needs (STMT_SNAP_TOMBSTONES).
 */
static const char schema_v5[] =
	"CREATE TEMP TABLE tombstones_v4 AS SELECT n.journal_base + row_number() OVER ("
	" PARTITION BY t.ns ORDER BY substr(t.name, -10), t.at, t.name) AS id, t.ns AS ns,"
	/* PROJECT-TYPE-SUB-IDX: HOST-PORT:connector_v2:IDENTITY:SEQ (10 digits) */
	" substr(t.name, instr(t.name, ':connector_v2:') + 14,"
	" length(t.name) - instr(t.name, ':connector_v2:') - 24) AS identity,"
	" t.name AS name, t.reason AS reason, t.migrated_to AS migrated_to, t.at AS at"
	" FROM tombstones t JOIN namespaces n ON n.name = t.ns;"
	"DROP TABLE tombstones;"
	"CREATE TABLE tombstones ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" migrated_to TEXT,"
	" at INTEGER NOT NULL,"
	" prev INTEGER"
	");"
	"INSERT INTO tombstones SELECT id, name, reason, migrated_to, at,"
	" lag(id) OVER (PARTITION BY ns, identity ORDER BY id) FROM temp.tombstones_v4;"
	"ALTER TABLE sequences ADD COLUMN last_tombstone INTEGER;"
	"INSERT INTO sequences (ns, identity, max_seq, last_tombstone)"
	" SELECT ns, identity, max(CAST(substr(name, -10) AS INTEGER)), max(id)"
	" FROM temp.tombstones_v4 WHERE true GROUP BY ns, identity"
	" ON CONFLICT (ns, identity) DO UPDATE SET last_tombstone = excluded.last_tombstone,"
	" max_seq = max(max_seq, excluded.max_seq);"
	"DROP TABLE temp.tombstones_v4;";

/* schema_steps[v] brings a database of version v to version v + 1 */
static const char *const schema_steps[SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3, schema_v4,
							 schema_v5};

#define TASK_COLUMNS                                                                               \
	"name, state, config_id, checkpoint, progress, last_error, created_at, updated_at"
/* The namespace's range of ids in the journal (schema version 3) and in
 * tombstones (version 5) */
#define JOURNAL_BASE "(SELECT journal_base FROM namespaces WHERE name = ?16)"
#define JOURNAL_SPAN "1099511627776" /* 2^40 ids per namespace */
#define IN_NAMESPACE " id > " JOURNAL_BASE " AND id < " JOURNAL_BASE " + " JOURNAL_SPAN
/* The next id of `table` (journal or tombstones) in the namespace's range,
 * after its last; 0 when the namespace does not exist (see the callers). */
#define NEXT_ID_IN_NAMESPACE(table)                                                                \
	"coalesce((SELECT coalesce((SELECT max(x.id) FROM " table " x WHERE"                       \
	" x.id > n.journal_base AND x.id < n.journal_base + " JOURNAL_SPAN "),"                    \
	" n.journal_base) + 1 FROM namespaces n WHERE n.name = ?16), 0)"
#define NEXT_JOURNAL_ID NEXT_ID_IN_NAMESPACE("journal")
#define NEXT_TOMBSTONE_ID NEXT_ID_IN_NAMESPACE("tombstones")
#define JOURNAL_FILTER                                                                             \
	IN_NAMESPACE " AND (?1 IS NULL OR task_name = ?1) AND (?2 IS NULL OR op = ?2)"             \
		     " AND (?4 IS NULL OR is_success = ?4) AND (?5 IS NULL OR err_code = ?5)"      \
		     " AND (?6 IS NULL OR time_ms >= ?6) AND (?7 IS NULL OR time_ms <= ?7)"

static const char *const statement_sql[STMT__COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	/* reads take no write lock: in WAL mode they work while another
	 * connection or process holds one */
	[STMT_BEGIN_READ] = "BEGIN",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_NS_GET] = "SELECT created_at FROM namespaces WHERE name = ?16",
	[STMT_NS_INSERT] = "INSERT INTO namespaces (name, created_at, journal_base)"
			   " SELECT ?16, ?1, coalesce(max(journal_base), 0) + " JOURNAL_SPAN
			   " FROM namespaces",
	[STMT_NS_LIST] = "SELECT n.name, n.created_at,"
			 " (SELECT count(*) FROM tasks t WHERE t.ns = n.name),"
			 " (SELECT count(*) FROM snapshots s WHERE s.ns = n.name)"
			 " FROM namespaces n WHERE ?16 IS NOT NULL ORDER BY n.name",
	[STMT_TASK_GET] = "SELECT " TASK_COLUMNS " FROM tasks WHERE ns = ?16 AND name = ?1",
	[STMT_TASK_INSERT] =
		"INSERT INTO tasks (ns, name, identity, type, state, config_id, checkpoint,"
		" progress, last_error, created_at, updated_at)"
		" VALUES (?16, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* `name` is not SET here: a SET of a primary-key column makes SQLite
	 * delete and reinsert the row and its entry in every index (each a
	 * random page to write), even when the value is the same */
	[STMT_TASK_UPDATE] = "UPDATE tasks SET state = ?2, checkpoint = ?3, progress = ?4,"
			     " last_error = ?5, updated_at = ?6 WHERE ns = ?16 AND name = ?1",
	/* a migrate: the row moves to its new name (?7) in the same statement
	 * that writes it, so it is found and rewritten once */
	[STMT_TASK_MOVE] = "UPDATE tasks SET name = ?7, state = ?2, checkpoint = ?3, progress = ?4,"
			   " last_error = ?5, updated_at = ?6 WHERE ns = ?16 AND name = ?1",
	[STMT_TASK_DELETE] = "DELETE FROM tasks WHERE ns = ?16 AND name = ?1",
	[STMT_TASK_BY_IDENTITY] = "SELECT name FROM tasks WHERE ns = ?16 AND identity = ?1",
	[STMT_TASK_COUNT] = "SELECT count(*) FROM tasks WHERE ns = ?16",
	[STMT_TASK_COUNTS] = "SELECT state, type, count(*) FROM tasks WHERE ns = ?16"
			     " GROUP BY state, type",
	/* the config comes along (column 8): every listed task shows it */
	[STMT_TASK_LIST] =
		"SELECT " TASK_COLUMNS ", (SELECT body FROM configs WHERE id = config_id)"
		" FROM tasks WHERE ns = ?16 AND (?1 IS NULL OR state = ?1)"
		" AND (?2 IS NULL OR type = ?2) ORDER BY name",
	/* configs are reached only through their task's config_id, which the
	 * caller read in the namespace: no ?16 here */
	[STMT_CONFIG_GET] = "SELECT body FROM configs WHERE id = ?1",
	[STMT_CONFIG_INSERT] = "INSERT INTO configs (body) VALUES (?1)",
	[STMT_CONFIG_UPDATE] = "UPDATE configs SET body = ?2 WHERE id = ?1",
	[STMT_CONFIG_DELETE] = "DELETE FROM configs WHERE id = ?1",
	[STMT_CONFIG_MAX] = "SELECT coalesce(max(id), 0) FROM configs",
	[STMT_SEQ_GET] = "SELECT max_seq FROM sequences WHERE ns = ?16 AND identity = ?1",
	/* ?3, when not NULL: the identity's newest tombstone */
	[STMT_SEQ_PUT] = "INSERT INTO sequences (ns, identity, max_seq, last_tombstone)"
			 " VALUES (?16, ?1, ?2, ?3) ON CONFLICT (ns, identity) DO UPDATE"
			 " SET max_seq = max(max_seq, excluded.max_seq),"
			 " last_tombstone = coalesce(excluded.last_tombstone, last_tombstone)",
	/* Tombstones (schema version 5): appended at the end of the namespace's
	 * range of ids, linked to the identity's previous one (?5: the
	 * identity). A missing namespace gives id 0, which put_tombstone
	 * refuses. */
	[STMT_TOMB_PUT] =
		"INSERT INTO tombstones (id, name, reason, migrated_to, at, prev) VALUES "
		"(" NEXT_TOMBSTONE_ID ", ?1, ?2, ?3, ?4, (SELECT last_tombstone FROM sequences"
		" WHERE ns = ?16 AND identity = ?5))",
	[STMT_TOMB_NEWEST] =
		"SELECT last_tombstone FROM sequences WHERE ns = ?16 AND identity = ?1",
	[STMT_TOMB_SET_NEWEST] = "UPDATE sequences SET last_tombstone = ?2"
				 " WHERE ns = ?16 AND identity = ?1",
	/* ids are read from the namespace's own sequences: no ?16 here */
	[STMT_TOMB_READ] = "SELECT name, reason, migrated_to, prev FROM tombstones WHERE id = ?1",
	[STMT_TOMB_DELETE] = "DELETE FROM tombstones WHERE id = ?1",
	[STMT_TOMB_RELINK] = "UPDATE tombstones SET prev = ?2 WHERE id = ?1",
	/* VALUES, not INSERT ... SELECT: an INSERT that selects from its own
	 * table goes through a temporary table (half of a stop/resume's
	 * instructions, in callgrind). A missing namespace gives id 0, which
	 * audit_insert refuses (a NULL id would take the next rowid, in the
	 * last namespace's range). */
	[STMT_JOURNAL_INSERT] =
		"INSERT INTO journal (id, time_ms, client, op, task_name, params, body,"
		" http_status, is_success, err_code, from_state, to_state, new_task_name,"
		" injected) VALUES (" NEXT_JOURNAL_ID ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		" ?11, ?12, ?13)",
	/* The oldest entries up to the first one still within the retention.
	 * One lower and one upper bound on id each, in these two: given two
	 * upper bounds SQLite ranges over the constant one and tests the other
	 * on every row (15 ms per batch with 200,000 entries, against 20 us). */
	[STMT_JOURNAL_PURGE] = "DELETE FROM journal WHERE id > " JOURNAL_BASE " AND id < coalesce("
			       "(SELECT id FROM journal WHERE" IN_NAMESPACE " AND time_ms >= ?1"
			       " ORDER BY id LIMIT 1), " JOURNAL_BASE " + " JOURNAL_SPAN ")",
	/* ids are dense per namespace, so the oldest past the bound (?1) are a
	 * range; nothing goes until more than ?2 are past it */
	[STMT_JOURNAL_TRIM] =
		"DELETE FROM journal WHERE id > " JOURNAL_BASE " AND id <= (SELECT max(id) FROM"
		" journal WHERE" IN_NAMESPACE
		") - ?1 AND (SELECT min(id) FROM journal WHERE" IN_NAMESPACE
		") <= (SELECT max(id) FROM journal WHERE" IN_NAMESPACE ") - ?1 - ?2",
	[STMT_JOURNAL_LIST] =
		"SELECT id - " JOURNAL_BASE ", time_ms, client, op, task_name, params, body,"
		" http_status, is_success, err_code, from_state, to_state, new_task_name, injected"
		" FROM (SELECT * FROM journal WHERE" JOURNAL_FILTER
		" ORDER BY id DESC LIMIT ?3) ORDER BY id",
	[STMT_JOURNAL_COUNT] = "SELECT count(*) FROM journal WHERE" JOURNAL_FILTER,
	[STMT_SNAP_PUT] =
		"INSERT OR REPLACE INTO snapshots (ns, name, created_at, data)"
		" SELECT ?16, ?1, ?2, json_object("
		"'tasks', (SELECT json_group_array(json_array(name, identity, type, state,"
		" (SELECT body FROM configs WHERE id = config_id), checkpoint, progress,"
		" last_error, created_at, updated_at)) FROM tasks WHERE ns = ?16),"
		"'sequences', (SELECT json_group_array(json_array(identity, max_seq))"
		" FROM sequences WHERE ns = ?16),"
		"'tombstones', (SELECT json_group_array(json_array(name, reason, migrated_to,"
		" at)) FROM (SELECT * FROM tombstones WHERE" IN_NAMESPACE " ORDER BY id)))",
	/* A snapshot holds each task with its config (the format of every
	 * version). The configs of the snapshot's task number k take the ids
	 * ?2 + k + 1, past every id in use (?2, from STMT_CONFIG_MAX). */
	[STMT_SNAP_RESTORE_CONFIGS] =
		"INSERT INTO configs (id, body) SELECT ?2 + key + 1, value->>4"
		" FROM snapshots, json_each(data, '$.tasks') WHERE ns = ?16 AND name = ?1",
	[STMT_SNAP_RESTORE_TASKS] =
		"INSERT INTO tasks (ns, name, identity, type, state, config_id, checkpoint,"
		" progress, last_error, created_at, updated_at) SELECT ?16, value->>0, value->>1,"
		" value->>2, value->>3, ?2 + key + 1, value->>5, value->>6, value->>7, value->>8,"
		" value->>9 FROM snapshots, json_each(data, '$.tasks')"
		" WHERE ns = ?16 AND name = ?1",
	/* sequences only grow: a SEQ issued after the snapshot is never issued
	 * again after a restore (CONTRACT: never reused) */
	[STMT_SNAP_RESTORE_SEQUENCES] =
		"INSERT INTO sequences (ns, identity, max_seq) SELECT ?16, value->>0, value->>1"
		" FROM snapshots, json_each(data, '$.sequences') WHERE ns = ?16 AND name = ?1"
		" ON CONFLICT (ns, identity) DO UPDATE"
		" SET max_seq = max(max_seq, excluded.max_seq)",
	/* By SEQ (the name's last 10 characters), then as saved: what a chain
	 * needs is each successor's tombstone after its predecessor's, and a
	 * migrate's new SEQ is above every SEQ of its identity. Not by time: a
	 * namespace's clock may have been set back; nor as saved only:
	 * snapshots before version 5 listed tombstones by name. */
	[STMT_SNAP_TOMBSTONES] =
		"SELECT value->>0, value->>1, value->>2, value->>3"
		" FROM snapshots, json_each(data, '$.tombstones') WHERE ns = ?16 AND name = ?1"
		" ORDER BY substr(value->>0, -10), key",
	[STMT_SNAP_EXISTS] = "SELECT 1 FROM snapshots WHERE ns = ?16 AND name = ?1",
	[STMT_SNAP_LIST] = "SELECT name, created_at, json_array_length(data, '$.tasks')"
			   " FROM snapshots WHERE ns = ?16 ORDER BY name",
	[STMT_SNAP_DELETE] = "DELETE FROM snapshots WHERE ns = ?16 AND name = ?1",
	[STMT_WIPE_CONFIGS] =
		"DELETE FROM configs WHERE id IN (SELECT config_id FROM tasks WHERE ns = ?16)",
	[STMT_WIPE_TASKS] = "DELETE FROM tasks WHERE ns = ?16",
	[STMT_WIPE_SEQUENCES] = "DELETE FROM sequences WHERE ns = ?16",
	[STMT_WIPE_TOMBSTONES] = "DELETE FROM tombstones WHERE" IN_NAMESPACE,
	/* after STMT_WIPE_TOMBSTONES, when the sequences stay */
	[STMT_TOMB_FORGET] = "UPDATE sequences SET last_tombstone = NULL"
			     " WHERE ns = ?16 AND last_tombstone IS NOT NULL",
	[STMT_WIPE_JOURNAL] = "DELETE FROM journal WHERE" IN_NAMESPACE,
	[STMT_WIPE_SNAPSHOTS] = "DELETE FROM snapshots WHERE ns = ?16",
	[STMT_WIPE_NAMESPACE] = "DELETE FROM namespaces WHERE name = ?16",
};

sqlite3_stmt *store_statement_get(task_store *store, store_statement which)
{
	sqlite3_stmt *statement = store->statements[which];
	sqlite3_reset(statement);
	sqlite3_clear_bindings(statement);
	if (sqlite3_bind_parameter_count(statement) >= NAMESPACE_PARAMETER)
		sqlite3_bind_text(statement, NAMESPACE_PARAMETER, store->ns, -1, SQLITE_STATIC);
	return statement;
}

void use_namespace(task_store *store, const char *ns)
{
	snprintf(store->ns, sizeof store->ns, "%s", ns);
}

/* [A-Za-z0-9_-]{1,max}: the alphabet of namespace and snapshot names */
static bool name_valid(const char *name, size_t max)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool store_namespace_valid(const char *name) { return name_valid(name, STORE_NAMESPACE_MAX); }

/* Runs a statement that returns no rows; 0 or -1. */
static int run(sqlite3_stmt *statement)
{
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_begin(task_store *store) { return run(store_statement_get(store, STMT_BEGIN)); }
int store_commit(task_store *store) { return run(store_statement_get(store, STMT_COMMIT)); }

void store_rollback(task_store *store)
{
	store->ensured[0] = '\0'; /* a namespace created in it may be gone */
	if (!sqlite3_get_autocommit(store->db))
		run(store_statement_get(store, STMT_ROLLBACK));
}

static void bind_text_or_null(sqlite3_stmt *statement, int index, const char *text)
{
	if (text)
		sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(statement, index);
}

static int apply_pragmas(sqlite3 *db, const store_options *options, bool in_memory)
{
	char sql[160];
	/* A page cache of 1 MiB instead of SQLite's 2: a busy daemon fills it
	 * with the journal's newest pages, which it never reads again, and the
	 * pages every operation needs (the b-trees' upper levels) stay in it.
	 * Alternating the two under wrk: peak RSS 1 MiB lower (64 connections
	 * of updates: 14.7-14.9 MiB instead of 15.7-15.8); stop/resume on a
	 * 1M-task database as fast or faster (5 rounds), 1k tasks the same. */
	snprintf(sql, sizeof sql,
		 "PRAGMA synchronous=%s; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-1024;",
		 options->durability == DURABILITY_FULL ? "FULL" : "NORMAL");
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (!in_memory &&
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

static int read_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *statement;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(statement);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(statement, 0) : 0;
	sqlite3_finalize(statement);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Brings the schema to SCHEMA_VERSION in one transaction. A database that
 * is already current is only read, so that a read-only file still opens
 * (its writes then fail one by one with INTERNAL_ERROR). */
static int migrate_schema(sqlite3 *db, bool *created, char *why, size_t why_cap)
{
	int current;
	if (read_user_version(db, &current) == 0 && current == SCHEMA_VERSION) {
		*created = false;
		return 0;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		text_fail(why, why_cap, "cannot lock the database: %s", sqlite3_errmsg(db));
		return -1;
	}
	int version;
	if (read_user_version(db, &version) < 0) {
		text_fail(why, why_cap, "cannot read the schema version: %s", sqlite3_errmsg(db));
		goto fail;
	}
	*created = version == 0;
	/* the version indexes schema_steps: anything outside 0..SCHEMA_VERSION
	 * (a negative one, or one from a newer connector-mock) is refused */
	if (version < 0 || version > SCHEMA_VERSION) {
		text_fail(why, why_cap,
			  "unknown schema version %d (this connector-mock reads versions 0 to %d)",
			  version, SCHEMA_VERSION);
		goto fail;
	}
	for (int step = version; step < SCHEMA_VERSION; step++)
		if (sqlite3_exec(db, schema_steps[step], NULL, NULL, NULL) != SQLITE_OK) {
			text_fail(why, why_cap, "cannot bring the schema from version %d to %d: %s",
				  step, step + 1, sqlite3_errmsg(db));
			goto fail;
		}
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", SCHEMA_VERSION);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		text_fail(why, why_cap, "cannot write the schema version: %s", sqlite3_errmsg(db));
		goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		text_fail(why, why_cap, "cannot commit the schema: %s", sqlite3_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_open(const store_options *options, task_store **out, bool *created, char *why,
	       size_t why_cap)
{
	*out = NULL;
	*created = false;
	task_store *s = calloc(1, sizeof *s);
	if (!s) {
		text_fail(why, why_cap, "out of memory");
		return -1;
	}
	s->options = *options;
	s->options.path = NULL; /* not kept: the caller owns the string */
	bool in_memory = strcmp(options->path, ":memory:") == 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(options->path, &s->db, flags, NULL) != SQLITE_OK) {
		text_fail(why, why_cap, "cannot open %s: %s", options->path,
			  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, options->busy_timeout_ms);
	if (apply_pragmas(s->db, options, in_memory) < 0) {
		text_fail(why, why_cap, "cannot configure %s: %s", options->path,
			  sqlite3_errmsg(s->db));
		goto fail;
	}
	if (migrate_schema(s->db, created, why, why_cap) < 0)
		goto fail;
	char namespace_name[16];
	snprintf(namespace_name, sizeof namespace_name, "?%d", NAMESPACE_PARAMETER);
	for (int i = 0; i < STMT__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->statements[i], NULL) != SQLITE_OK) {
			text_fail(why, why_cap, "cannot prepare statement %d: %s", i,
				  sqlite3_errmsg(s->db));
			goto fail;
		}
		/* a statement's own parameters must stay below the namespace's */
		int parameters = sqlite3_bind_parameter_count(s->statements[i]);
		const char *last = sqlite3_bind_parameter_name(s->statements[i], parameters);
		if (parameters > NAMESPACE_PARAMETER ||
		    (parameters == NAMESPACE_PARAMETER &&
		     (!last || strcmp(last, namespace_name) != 0))) {
			text_fail(why, why_cap, "statement %d has parameters past ?%d", i,
				  NAMESPACE_PARAMETER);
			goto fail;
		}
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		text_fail(why, why_cap, "cannot create the store's mutex");
		goto fail;
	}
	if (store_writer_start(s, options->path, why, why_cap) < 0) {
		pthread_mutex_destroy(&s->lock);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	for (int i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(s->statements[i]);
	sqlite3_close(s->db);
	free(s);
	return -1;
}

void store_close(task_store *s)
{
	if (!s)
		return;
	store_writer_stop(s);
	free(s->fixtures);
	for (int i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(s->statements[i]);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- task rows --------------------------------------------------------- */

void task_row_free(task_row *row)
{
	cJSON_Delete(row->config);
	free(row->config_text);
	free(row->last_error);
	row->config = NULL;
	row->config_text = NULL;
	row->last_error = NULL;
}

/* Reads the text of the row's config from `configs`. 0, or -1. */
static int read_config_text(task_store *store, task_row *row)
{
	sqlite3_stmt *statement = store_statement_get(store, STMT_CONFIG_GET);
	sqlite3_bind_int64(statement, 1, row->config_id);
	const char *text = NULL;
	if (sqlite3_step(statement) == SQLITE_ROW)
		text = (const char *)sqlite3_column_text(statement, 0);
	row->config_text = text ? strdup(text) : NULL;
	sqlite3_reset(statement);
	return row->config_text ? 0 : -1;
}

cJSON *task_row_config(task_store *store, task_row *row)
{
	if (row->config)
		return row->config;
	if (!row->config_text && read_config_text(store, row) < 0)
		return NULL;
	row->config = cJSON_Parse(row->config_text);
	return row->config;
}

/* Reads a row of STMT_TASK_GET / STMT_TASK_LIST (which adds the config's
 * text as column 8). 0, or -1 on a bad row. */
static int row_from_statement(sqlite3_stmt *statement, task_row *row)
{
	memset(row, 0, sizeof *row);
	const char *name = (const char *)sqlite3_column_text(statement, 0);
	const char *state = (const char *)sqlite3_column_text(statement, 1);
	if (!name || !state || strlen(name) > TASKNAME_MAX)
		return -1;
	strcpy(row->name, name);
	if (taskname_parse(name, strlen(name), &row->parsed, NULL) < 0)
		return -1;
	row->state = task_state_from_name(state);
	if (row->state == TASK__COUNT)
		return -1;
	row->config_id = sqlite3_column_int64(statement, 2);
	if (sqlite3_column_count(statement) > 8) {
		const char *config = (const char *)sqlite3_column_text(statement, 8);
		row->config_text = config ? strdup(config) : NULL;
		if (!row->config_text)
			return -1;
	}
	row->has_checkpoint = sqlite3_column_type(statement, 3) != SQLITE_NULL;
	row->checkpoint = sqlite3_column_int64(statement, 3);
	row->has_progress = sqlite3_column_type(statement, 4) != SQLITE_NULL;
	row->progress = sqlite3_column_double(statement, 4);
	const char *last_error = (const char *)sqlite3_column_text(statement, 5);
	row->last_error = last_error ? strdup(last_error) : NULL;
	row->created_at = sqlite3_column_int64(statement, 6);
	row->updated_at = sqlite3_column_int64(statement, 7);
	return 0;
}

/* 1 found, 0 absent, -1 storage failure or a corrupt row. */
static int load_task(task_store *store, const char *name, task_row *row)
{
	/* freed below on every failure, also when no row was read */
	memset(row, 0, sizeof *row);
	sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_GET);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	int result;
	if (rc == SQLITE_ROW)
		result = row_from_statement(statement, row) == 0 ? 1 : -1;
	else
		result = rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(statement);
	if (result < 0)
		task_row_free(row);
	return result;
}

/* Writes a changed config: a new configs row for a task not stored yet
 * (its id then goes in row->config_id), else over the task's row. 0, or -1. */
static int save_config(task_store *store, task_row *row)
{
	/* the tree, when there is one, is the newer form */
	if (row->config && (row->config_changed || !row->config_text)) {
		char *text = cJSON_PrintUnformatted(row->config);
		if (!text)
			return -1;
		free(row->config_text);
		row->config_text = text;
		row->config_changed = false;
	}
	if (!row->config_text)
		return -1;
	sqlite3_stmt *statement = store_statement_get(store, row->config_id ? STMT_CONFIG_UPDATE
									    : STMT_CONFIG_INSERT);
	if (row->config_id) {
		sqlite3_bind_int64(statement, 1, row->config_id);
		sqlite3_bind_text(statement, 2, row->config_text, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(statement, 1, row->config_text, -1, SQLITE_STATIC);
	}
	if (run(statement) < 0 || sqlite3_changes(store->db) != 1)
		return -1;
	if (!row->config_id)
		row->config_id = sqlite3_last_insert_rowid(store->db);
	return 0;
}

static void bind_optional_fields(sqlite3_stmt *statement, int first, const task_row *row)
{
	if (row->has_checkpoint)
		sqlite3_bind_int64(statement, first, row->checkpoint);
	else
		sqlite3_bind_null(statement, first);
	if (row->has_progress)
		sqlite3_bind_double(statement, first + 1, row->progress);
	else
		sqlite3_bind_null(statement, first + 1);
	bind_text_or_null(statement, first + 2, row->last_error);
}

/* Raises the identity's sequence to `seq` (it never goes down) and, when
 * `tombstone` is not 0, makes that the identity's newest tombstone. */
static int raise_sequence(task_store *store, const char *identity, uint64_t seq,
			  sqlite3_int64 tombstone)
{
	sqlite3_stmt *statement = store_statement_get(store, STMT_SEQ_PUT);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 2, (sqlite3_int64)seq);
	if (tombstone)
		sqlite3_bind_int64(statement, 3, tombstone);
	return run(statement);
}

/* Makes `name` a tombstone, the newest of `identity`'s, and raises the
 * identity's sequence to `seq` (a migrate's new SEQ): one write of the
 * sequence's row for both. */
static int put_tombstone(task_store *store, const char *name, const char *identity, uint64_t seq,
			 const char *reason, const char *migrated_to, int64_t now_ms)
{
	sqlite3_stmt *statement = store_statement_get(store, STMT_TOMB_PUT);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, reason, -1, SQLITE_STATIC);
	bind_text_or_null(statement, 3, migrated_to);
	sqlite3_bind_int64(statement, 4, now_ms);
	sqlite3_bind_text(statement, 5, identity, -1, SQLITE_STATIC);
	if (run(statement) < 0)
		return -1;
	sqlite3_int64 id = sqlite3_last_insert_rowid(store->db);
	if (id <= 0)
		return -1; /* no namespace: no range of ids */
	return raise_sequence(store, identity, seq, id);
}

/*
 * A name's tombstone, found by find_tombstone. `newer` holds the ids of the
 * identity's tombstones written after it, newest first (`newer_count`);
 * the caller frees it.
 */
typedef struct {
	sqlite3_int64 id, prev; /* prev: 0 when it is the identity's oldest */
	char reason[16];
	char migrated_to[TASKNAME_MAX + 1];
	sqlite3_int64 *newer;
	size_t newer_count;
} tombstone;

/* Reads tombstone `id` into `name` and `t` (id, prev, reason, migrated_to).
 * 1 read, 0 absent, -1 storage failure. */
static int read_tombstone(task_store *store, sqlite3_int64 id, char *name, size_t name_cap,
			  tombstone *t)
{
	sqlite3_stmt *statement = store_statement_get(store, STMT_TOMB_READ);
	sqlite3_bind_int64(statement, 1, id);
	int rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(statement, 0);
		snprintf(name, name_cap, "%s", text ? text : "");
		text = (const char *)sqlite3_column_text(statement, 1);
		snprintf(t->reason, sizeof t->reason, "%s", text ? text : "");
		text = (const char *)sqlite3_column_text(statement, 2);
		snprintf(t->migrated_to, sizeof t->migrated_to, "%s", text ? text : "");
		t->id = id;
		t->prev = sqlite3_column_int64(statement, 3);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Finds the tombstone of `name` (of identity `identity`): from the
 * identity's newest tombstone, back through `prev`, one row per tombstone
 * written after it. A name has one tombstone at most (a name that lives
 * again loses it: clear_tombstone). 1 found (into `found`, which the caller
 * frees with free(found->newer)), 0 none, -1 storage failure.
 */
static int find_tombstone(task_store *store, const char *name, const char *identity,
			  tombstone *found)
{
	*found = (tombstone){0};
	sqlite3_stmt *statement = store_statement_get(store, STMT_TOMB_NEWEST);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	sqlite3_int64 id = rc == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
	sqlite3_reset(statement);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	size_t cap = 0;
	while (id > 0) {
		char seen[TASKNAME_MAX + 1];
		rc = read_tombstone(store, id, seen, sizeof seen, found);
		if (rc <= 0)
			break; /* a broken link ends the walk */
		if (strcmp(seen, name) == 0)
			return 1;
		if (found->newer_count == cap) {
			cap = cap ? cap * 2 : 16;
			sqlite3_int64 *grown = realloc(found->newer, cap * sizeof *grown);
			if (!grown) {
				rc = -1;
				break;
			}
			found->newer = grown;
		}
		found->newer[found->newer_count++] = id;
		if (found->prev >= id)
			break; /* links go back in time: never round in a circle */
		id = found->prev;
	}
	free(found->newer);
	*found = (tombstone){0};
	return rc < 0 ? -1 : 0;
}

/*
 * Where the chain of migrations from tombstone `t` ends: its successor, or
 * the successor's successor when that one was migrated too, and so on. A
 * successor's tombstone is always newer than its predecessor's (it was
 * made by that migrate), so the chain is followed through `t->newer`,
 * oldest first. Writes the last name into `end`; 0 or -1.
 */
static int chain_end(task_store *store, const tombstone *t, char *end, size_t end_cap)
{
	snprintf(end, end_cap, "%s", t->migrated_to);
	for (size_t i = t->newer_count; i-- > 0;) {
		char name[TASKNAME_MAX + 1];
		tombstone later;
		int rc = read_tombstone(store, t->newer[i], name, sizeof name, &later);
		if (rc < 0)
			return -1;
		if (rc > 0 && strcmp(name, end) == 0 && strcmp(later.reason, "migrated") == 0 &&
		    later.migrated_to[0])
			snprintf(end, end_cap, "%s", later.migrated_to);
	}
	return 0;
}

/* A name that is alive again is no longer a tombstone: takes it out of its
 * identity's chain of tombstones. */
static int clear_tombstone(task_store *store, const char *name, const char *identity)
{
	tombstone t;
	int rc = find_tombstone(store, name, identity, &t);
	if (rc <= 0)
		return rc;
	sqlite3_stmt *statement = store_statement_get(store, STMT_TOMB_DELETE);
	sqlite3_bind_int64(statement, 1, t.id);
	rc = run(statement);
	if (rc == 0 && t.newer_count > 0) { /* the next newer one skips it */
		statement = store_statement_get(store, STMT_TOMB_RELINK);
		sqlite3_bind_int64(statement, 1, t.newer[t.newer_count - 1]);
		if (t.prev > 0)
			sqlite3_bind_int64(statement, 2, t.prev);
		rc = run(statement);
	} else if (rc == 0) { /* it was the newest */
		statement = store_statement_get(store, STMT_TOMB_SET_NEWEST);
		sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
		if (t.prev > 0)
			sqlite3_bind_int64(statement, 2, t.prev);
		rc = run(statement);
	}
	free(t.newer);
	return rc;
}

int store_insert_task(task_store *store, task_row *row)
{
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	row->config_id = 0; /* a new task: its config gets a row of its own */
	if (save_config(store, row) < 0)
		return -1;
	sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_INSERT);
	sqlite3_bind_text(statement, 1, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, identity, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 3, row->parsed.type, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 4, task_state_name(row->state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 5, row->config_id);
	bind_optional_fields(statement, 6, row);
	sqlite3_bind_int64(statement, 9, row->created_at);
	sqlite3_bind_int64(statement, 10, row->updated_at);
	if (run(statement) < 0 || clear_tombstone(store, row->name, identity) < 0)
		return -1;
	return raise_sequence(store, identity, row->parsed.seq, 0);
}

/* Writes `row` over the task named `old_name` (renamed when they differ). */
static int save_task(task_store *store, const char *old_name, task_row *row)
{
	if (row->config_changed && save_config(store, row) < 0)
		return -1;
	bool moved = strcmp(old_name, row->name) != 0;
	sqlite3_stmt *statement =
		store_statement_get(store, moved ? STMT_TASK_MOVE : STMT_TASK_UPDATE);
	sqlite3_bind_text(statement, 1, old_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, task_state_name(row->state), -1, SQLITE_STATIC);
	bind_optional_fields(statement, 3, row);
	sqlite3_bind_int64(statement, 6, row->updated_at);
	if (moved)
		sqlite3_bind_text(statement, 7, row->name, -1, SQLITE_STATIC);
	return run(statement) == 0 && sqlite3_changes(store->db) == 1 ? 0 : -1;
}

static cJSON *row_to_json(task_store *store, task_row *row)
{
	const cJSON *config = task_row_config(store, row);
	if (!config)
		return NULL;
	cJSON *task = cJSON_CreateObject();
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	cJSON_AddStringToObject(task, "taskName", row->name);
	cJSON_AddStringToObject(task, "state", task_state_name(row->state));
	cJSON_AddStringToObject(task, "componentType", row->parsed.type);
	cJSON_AddStringToObject(task, "host", row->parsed.host);
	cJSON_AddNumberToObject(task, "port", row->parsed.port);
	cJSON_AddStringToObject(task, "project", row->parsed.project);
	cJSON_AddStringToObject(task, "identity", identity);
	cJSON_AddNumberToObject(task, "seq", (double)row->parsed.seq);
	cJSON_AddItemToObject(task, "config", cJSON_Duplicate(config, 1));
	if (row->has_checkpoint)
		cJSON_AddNumberToObject(task, "checkpoint", (double)row->checkpoint);
	else
		cJSON_AddNullToObject(task, "checkpoint");
	if (row->has_progress)
		cJSON_AddNumberToObject(task, "progress", row->progress);
	else
		cJSON_AddNullToObject(task, "progress");
	if (row->last_error)
		cJSON_AddStringToObject(task, "lastError", row->last_error);
	else
		cJSON_AddNullToObject(task, "lastError");
	cJSON_AddNumberToObject(task, "createdAt", (double)row->created_at);
	cJSON_AddNumberToObject(task, "updatedAt", (double)row->updated_at);
	return task;
}

/* ---- the OMS operations ------------------------------------------------ */

static void refuse(store_outcome *outcome, error_code error, const char *reason,
		   const char *proposal, const char *format, ...)
	__attribute__((format(printf, 5, 6)));

static void refuse(store_outcome *outcome, error_code error, const char *reason,
		   const char *proposal, const char *format, ...)
{
	outcome->error = error;
	outcome->result[0] = '\0';
	va_list args;
	va_start(args, format);
	vsnprintf(outcome->message, sizeof outcome->message, format, args);
	va_end(args);
	snprintf(outcome->reason, sizeof outcome->reason, "%s", reason);
	snprintf(outcome->proposal, sizeof outcome->proposal, "%s", proposal);
}

static cJSON *extra_for(store_outcome *outcome)
{
	if (!outcome->extra)
		outcome->extra = cJSON_CreateObject();
	return outcome->extra;
}

/* `reason` is SQLite's message, read before the rollback that resets it */
static void internal_error(store_outcome *outcome, const char *reason, const char *doing)
{
	cJSON_Delete(outcome->extra);
	outcome->extra = NULL;
	refuse(outcome, ERR_INTERNAL_ERROR, reason, "Retry the request; nothing was changed.",
	       "connector-mock could not %s: the storage failed, nothing was changed", doing);
}

/* A task that is absent: say where it went when the store remembers. */
static int not_found(task_store *store, const char *name, store_outcome *outcome)
{
	tombstone t = {0};
	int rc = 0; /* a name that does not parse was never a task's: no tombstone */
	taskname parsed;
	if (taskname_parse(name, strlen(name), &parsed, NULL) == 0) {
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&parsed, identity, sizeof identity);
		rc = find_tombstone(store, name, identity, &t);
	}
	char migrated_to[TASKNAME_MAX + 1] = "";
	if (rc > 0 && strcmp(t.reason, "migrated") == 0 && t.migrated_to[0] &&
	    chain_end(store, &t, migrated_to, sizeof migrated_to) < 0)
		rc = -1;
	free(t.newer); /* NULL unless found */
	if (rc < 0)
		return -1;
	cJSON *extra = extra_for(outcome);
	cJSON_AddStringToObject(extra, "taskName", name);
	if (migrated_to[0]) {
		cJSON_AddStringToObject(extra, "migratedTo", migrated_to);
		refuse(outcome, ERR_TASK_NOT_FOUND, "the connector was migrated to another host",
		       "Send the operation to the new taskName in extraContext.migratedTo.",
		       "task %s was migrated; it is now %s", name, migrated_to);
	} else if (rc > 0) {
		cJSON_AddBoolToObject(extra, "deleted", 1);
		refuse(outcome, ERR_TASK_NOT_FOUND, "the connector was deleted",
		       "Check the taskName; a deleted connector cannot be brought back by "
		       "this API.",
		       "task %s was deleted", name);
	} else {
		refuse(outcome, ERR_TASK_NOT_FOUND, "no connector has this taskName",
		       "Check the taskName (host, port, project, type and sequence) against the "
		       "task list.",
		       "task %s does not exist", name);
	}
	return 0;
}

static void refuse_by_rule(const task_row *row, rules_op op, const rules_decision *decision,
			   store_outcome *outcome)
{
	refuse(outcome, decision->error, decision->reason, decision->proposal,
	       "cannot %s task %s: %s", rules_op_name(op), row->name, decision->reason);
	cJSON *extra = extra_for(outcome);
	cJSON_AddStringToObject(extra, "taskName", row->name);
	cJSON_AddStringToObject(extra, "state", task_state_name(row->state));
	cJSON_AddStringToObject(extra, "componentType", row->parsed.type);
	cJSON *allowed = cJSON_AddArrayToObject(extra, "allowedStates");
	for (int s = 0; s < TASK__COUNT; s++)
		if (rules_allowed_from(op, (task_state)s))
			cJSON_AddItemToArray(allowed,
					     cJSON_CreateString(task_state_name((task_state)s)));
}

/* Computes the migrated name: new host (or the old), SEQ past every SEQ issued. */
static int next_name(task_store *store, const task_row *row, const char *new_host, task_row *moved)
{
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	sqlite3_stmt *statement = store_statement_get(store, STMT_SEQ_GET);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	uint64_t highest = row->parsed.seq;
	if (rc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(statement, 0) > highest)
		highest = (uint64_t)sqlite3_column_int64(statement, 0);
	sqlite3_reset(statement);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (highest >= 9999999999ULL)
		return -2;
	moved->parsed = row->parsed;
	if (new_host)
		snprintf(moved->parsed.host, sizeof moved->parsed.host, "%s", new_host);
	moved->parsed.seq = highest + 1;
	taskname_format(&moved->parsed, moved->name, sizeof moved->name);
	return 0;
}

typedef struct {
	task_state from;
	bool has_from;
	task_state to;
	bool has_to;
} transition;

/*
 * An update's deletes and merge, on the stored text when it is in the form
 * the store prints (always, unless the database was edited by hand):
 * parsing it with cJSON, merging and printing it again was 40% of an
 * update's instructions (callgrind of bench/store_ops: parse 25.8k, print
 * 17.6k, delete 10k of 138k). configmap_apply_text gives the same bytes
 * (tests/unit_configmap.c compares the two). 0 applied, 1 refused (`why`
 * says why), -1 storage failure.
 */
static int update_config(task_store *store, task_row *row, const store_request *request, char *why,
			 size_t why_cap)
{
	if (!row->config_text && read_config_text(store, row) < 0)
		return -1;
	char *merged;
	int rc = configmap_apply_text(row->config_text, strlen(row->config_text), request->deletes,
				      request->update, &merged, why, why_cap);
	if (rc == 0) {
		free(row->config_text);
		row->config_text = merged;
		cJSON_Delete(row->config); /* older than the text now */
		row->config = NULL;
		row->config_changed = true;
		return 0;
	}
	if (rc < 0)
		return 1;
	cJSON *config = task_row_config(store, row);
	if (!config)
		return -1;
	row->config_changed = true;
	return configmap_apply(config, request->deletes, request->update, why, why_cap) < 0 ? 1 : 0;
}

/*
 * Applies an allowed decision to `row` and writes it. Returns 0, 1 when a
 * rule refused late (checkpoint, sequence exhausted; outcome filled), or -1
 * on a storage failure.
 */
static int apply_decision(task_store *store, const store_request *request, task_row *row,
			  const rules_decision *decision, store_outcome *outcome,
			  transition *change)
{
	char why[STORE_MESSAGE_MAX];
	snprintf(outcome->result, sizeof outcome->result, "%s", row->name);
	change->to = decision->effect == EFFECT_SET_STATE ? decision->next : row->state;
	change->has_to = decision->effect != EFFECT_REMOVE;
	if (decision->effect == EFFECT_NONE)
		return 0; /* a lenient repeat: success, nothing written */
	if (decision->effect == EFFECT_REMOVE) {
		sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_DELETE);
		sqlite3_bind_text(statement, 1, row->name, -1, SQLITE_STATIC);
		if (run(statement) < 0)
			return -1;
		statement = store_statement_get(store, STMT_CONFIG_DELETE);
		sqlite3_bind_int64(statement, 1, row->config_id);
		if (run(statement) < 0)
			return -1;
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&row->parsed, identity, sizeof identity);
		return put_tombstone(store, row->name, identity, row->parsed.seq, "deleted", NULL,
				     request->now_ms);
	}
	char old_name[TASKNAME_MAX + 1];
	snprintf(old_name, sizeof old_name, "%s", row->name);
	if (decision->needs_checkpoint) {
		int64_t position;
		const cJSON *config = task_row_config(store, row);
		if (!config)
			return -1;
		if (configmap_checkpoint(config, &position, why, sizeof why) < 0) {
			refuse(outcome, ERR_INVALID_CHECKPOINT, why,
			       "Update source.checkpoint to {\"<subtopic>\":\"<unix seconds>\"} "
			       "with a subtopic of source.clients, then resume with "
			       "pullBackFlag=true.",
			       "cannot pull back task %s: %s", row->name, why);
			cJSON *extra = extra_for(outcome);
			cJSON_AddStringToObject(extra, "taskName", row->name);
			const char *current = configmap_get(config, "source", "checkpoint");
			if (current)
				cJSON_AddStringToObject(extra, "checkpoint", current);
			return 1;
		}
		row->checkpoint = position;
		row->has_checkpoint = true;
	}
	if (decision->restart_progress) {
		row->progress = 0;
		row->has_progress = true;
	}
	if (request->op == OP_UPDATE) {
		int rc = update_config(store, row, request, why, sizeof why);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			refuse(outcome, ERR_INVALID_ARGUMENT, why, "Send a smaller configuration.",
			       "cannot update task %s: %s", row->name, why);
			return 1;
		}
	}
	if (decision->next == TASK_RUNNING) {
		free(row->last_error);
		row->last_error = NULL;
	}
	row->state = decision->next;
	row->updated_at = request->now_ms;
	if (request->op == OP_MIGRATE) {
		task_row moved = {0};
		int rc = next_name(store, row, request->new_host, &moved);
		if (rc == -2) {
			refuse(outcome, ERR_ILLEGAL_STATE, "every 10-digit sequence was used",
			       "Create a task of a new identity.",
			       "cannot migrate task %s: its sequence is exhausted", row->name);
			return 1;
		}
		if (rc < 0)
			return -1;
		memcpy(row->name, moved.name, sizeof row->name);
		row->parsed = moved.parsed;
		snprintf(outcome->result, sizeof outcome->result, "%s", row->name);
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&row->parsed, identity, sizeof identity);
		if (save_task(store, old_name, row) < 0)
			return -1;
		return put_tombstone(store, old_name, identity, row->parsed.seq, "migrated",
				     row->name, request->now_ms);
	}
	return save_task(store, old_name, row);
}

/* Decides and applies inside the open transaction. 0 done (outcome says
 * how), -1 storage failure. */
static int execute_locked(task_store *store, const store_request *request, const char *name,
			  store_outcome *outcome, transition *change)
{
	task_row row;
	int found = load_task(store, name, &row);
	if (found < 0)
		return -1;
	if (found == 0)
		return not_found(store, name, outcome);
	change->from = row.state;
	change->has_from = true;
	rules_decision decision =
		rules_decide(request->op, row.state, row.parsed.component, request->flags);
	int result = 0;
	if (decision.error != ERR_NONE)
		refuse_by_rule(&row, request->op, &decision, outcome);
	else
		result = apply_decision(store, request, &row, &decision, outcome, change);
	task_row_free(&row);
	return result < 0 ? -1 : 0;
}

static int http_status_of(const store_request *request, error_code error)
{
	return request->http_status_by_error ? request->http_status_by_error[error] : 200;
}

static audit_record record_of(const store_request *request, const char *op, const char *task_name,
			      const store_outcome *outcome, const transition *change)
{
	bool success = outcome->error == ERR_NONE;
	return (audit_record){
		.now_ms = request->now_ms,
		.client = request->client,
		.op = op,
		.task_name = task_name,
		.params_json = request->params_json ? request->params_json : "{}",
		.body = request->body,
		.body_len = request->body_len,
		.http_status = http_status_of(request, outcome->error),
		.is_success = success,
		.err_code = success ? NULL : error_name(outcome->error),
		.from_state = change && change->has_from ? task_state_name(change->from) : NULL,
		.to_state =
			success && change && change->has_to ? task_state_name(change->to) : NULL,
		.new_task_name = success && request->op == OP_MIGRATE ? outcome->result : NULL,
		.injected = request->injected,
	};
}

/* Writes the journal record of a refused request in a transaction of its own. */
static void record_alone(task_store *store, const audit_record *record)
{
	if (store_begin(store) < 0)
		return;
	if (audit_insert(store, record) < 0 || audit_purge(store, record->now_ms, false) < 0 ||
	    store_commit(store) < 0)
		store_rollback(store);
}

/* Judges what needs no task: a refusal by the caller, the taskName's
 * grammar, migrate's host, the flags. Fills `outcome` when it refuses. */
static void judge_request(const store_request *request, store_outcome *outcome)
{
	memset(outcome, 0, sizeof *outcome);
	const char *name = request->task_name;
	const char *why = NULL;
	taskname parsed;
	if (request->refused != ERR_NONE) {
		refuse(outcome, request->refused, request->refused_message,
		       "Correct the request and send it again.", "%s", request->refused_message);
	} else if (request->ns && !store_namespace_valid(request->ns)) {
		refuse(outcome, ERR_INVALID_ARGUMENT, "the namespace name is not valid",
		       "Name namespaces with 1 to 64 of A-Z a-z 0-9 _ -.", "bad namespace");
	} else if (!name || !*name) {
		refuse(outcome, ERR_INVALID_ARGUMENT, "the taskName parameter is missing or empty",
		       "Send taskName=HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ.",
		       "taskName is required");
	} else if (taskname_parse(name, strlen(name), &parsed, &why) < 0) {
		refuse(outcome, ERR_INVALID_ARGUMENT, why,
		       "Send taskName=HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ, e.g. "
		       "10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:0000000001.",
		       "taskName is not a connector task name: %s", why);
	} else if (request->op == OP_MIGRATE && request->new_host &&
		   taskname_check_host(request->new_host, strlen(request->new_host), &why) < 0) {
		refuse(outcome, ERR_INVALID_ARGUMENT, why,
		       "Send ip as an IPv4 address or a host name.", "ip is not a host: %s", why);
	} else {
		rules_decision flags = rules_check_flags(request->op, request->flags);
		if (flags.error != ERR_NONE)
			refuse(outcome, flags.error, flags.reason, flags.proposal, "%s",
			       flags.reason);
	}
}

static int ensure_namespace_locked(task_store *store, const char *ns, int64_t now_ms, bool seed);

/*
 * Runs one judged job inside the batch's transaction and journals it.
 * A refused operation writes nothing but its journal record (every refusal
 * is decided before the first write), so no savepoint is needed. Returns
 * 0, or -1 when the storage failed: the caller then rolls the whole batch
 * back.
 */
static int run_job_locked(task_store *store, store_job *job)
{
	const store_request *request = job->request;
	store_outcome *outcome = job->outcome;
	transition change = {0};
	if (request->ns && !store_namespace_valid(request->ns))
		return 0; /* refused by judge_request; no namespace to journal it in */
	if (ensure_namespace_locked(store, request->ns, request->now_ms, true) < 0)
		return -1;
	if (outcome->error == ERR_NONE &&
	    execute_locked(store, request, request->task_name, outcome, &change) < 0)
		return -1;
	audit_record record = record_of(request, rules_op_name(request->op), request->task_name,
					outcome, &change);
	return audit_insert(store, &record);
}

/* After a failed batch: each job failed; try to journal each alone. */
static void fail_batch_locked(task_store *store, store_job **jobs, size_t count, const char *doing,
			      const char *reason)
{
	for (size_t i = 0; i < count; i++) {
		internal_error(jobs[i]->outcome, reason, doing);
		const store_request *request = jobs[i]->request;
		if (request->ns && !store_namespace_valid(request->ns))
			continue;
		use_namespace(store, request->ns ? request->ns : STORE_DEFAULT_NAMESPACE);
		audit_record record = record_of(request, rules_op_name(request->op),
						request->task_name, jobs[i]->outcome, NULL);
		record_alone(store, &record);
	}
}

static const char *namespace_of(const store_job *job)
{
	return job->request->ns ? job->request->ns : STORE_DEFAULT_NAMESPACE;
}

/* Applies the journal's bounds once per namespace the batch wrote to. */
static int purge_batch_locked(task_store *store, store_job **jobs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const char *ns = namespace_of(jobs[i]);
		bool seen = !store_namespace_valid(ns);
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(ns, namespace_of(jobs[k])) == 0;
		if (seen)
			continue;
		use_namespace(store, ns);
		if (audit_purge(store, jobs[i]->request->now_ms, false) < 0)
			return -1;
	}
	return 0;
}

void store_run_batch_locked(task_store *store, store_job **jobs, size_t count)
{
	char reason[STORE_MESSAGE_MAX] = "";
	const char *doing = "begin a transaction";
	if (store_begin(store) < 0)
		goto failed;
	doing = "apply the operation";
	for (size_t i = 0; i < count; i++)
		if (run_job_locked(store, jobs[i]) < 0)
			goto failed;
	doing = "commit the operation";
	if (purge_batch_locked(store, jobs, count) == 0 &&
	    store_file_check(store, reason, sizeof reason) == 0 && store_commit(store) == 0)
		return;
failed:
	if (!reason[0])
		snprintf(reason, sizeof reason, "%s", sqlite3_errmsg(store->db));
	store_rollback(store);
	fail_batch_locked(store, jobs, count, doing, reason);
}

void store_judge(store_job *job) { judge_request(job->request, job->outcome); }

void store_outcome_free(store_outcome *outcome)
{
	cJSON_Delete(outcome->extra);
	outcome->extra = NULL;
}

/* ---- namespaces -------------------------------------------------------- */

static store_status load_fixtures_locked(task_store *store, const char *fixtures, size_t len,
					 int64_t now_ms, char *why, size_t why_cap);

/*
 * Makes `ns` current and creates it, seeded from the fixtures, when it does
 * not exist yet. Inside the caller's transaction when there is one,
 * otherwise in one of its own. 0, or -1 on a storage failure.
 */
static int ensure_namespace_locked(task_store *store, const char *ns, int64_t now_ms, bool seed)
{
	use_namespace(store, ns ? ns : STORE_DEFAULT_NAMESPACE);
	/* the namespace the last operations used is known to exist (the cache
	 * is cleared by every rollback and every namespace delete) */
	if (strcmp(store->ensured, store->ns) == 0)
		return 0;
	sqlite3_stmt *statement = store_statement_get(store, STMT_NS_GET);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	if (rc == SQLITE_ROW) {
		memcpy(store->ensured, store->ns, sizeof store->ensured);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return -1;
	bool own = sqlite3_get_autocommit(store->db);
	if (own && store_begin(store) < 0)
		return -1;
	statement = store_statement_get(store, STMT_NS_INSERT);
	sqlite3_bind_int64(statement, 1, now_ms);
	char why[STORE_MESSAGE_MAX];
	int result = run(statement);
	if (result == 0 && seed &&
	    load_fixtures_locked(store, store->fixtures, store->fixtures_len, now_ms, why,
				 sizeof why) != STORE_OK)
		result = -1;
	if (own) {
		if (result == 0 && store_commit(store) < 0)
			result = -1;
		if (result < 0)
			store_rollback(store);
	}
	return result;
}

int store_set_fixtures(task_store *store, const char *fixtures, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, fixtures, len);
	copy[len] = '\0';
	pthread_mutex_lock(&store->lock);
	free(store->fixtures);
	store->fixtures = copy;
	store->fixtures_len = len;
	pthread_mutex_unlock(&store->lock);
	return 0;
}

int store_record_refusal(task_store *store, const char *op, const char *task_name,
			 const char *err_code, int http_status, const store_request *context)
{
	audit_record record = {
		.now_ms = context->now_ms,
		.client = context->client,
		.op = op,
		.task_name = task_name,
		.params_json = context->params_json ? context->params_json : "{}",
		.body = context->body,
		.body_len = context->body_len,
		.http_status = http_status,
		.is_success = false,
		.err_code = err_code,
		.injected = context->injected,
	};
	pthread_mutex_lock(&store->lock);
	int result = -1;
	if (store_begin(store) == 0) {
		if (ensure_namespace_locked(store, context->ns, context->now_ms, true) == 0 &&
		    audit_insert(store, &record) == 0 &&
		    audit_purge(store, context->now_ms, false) == 0 && store_commit(store) == 0)
			result = 0;
		else
			store_rollback(store);
	}
	pthread_mutex_unlock(&store->lock);
	return result;
}

/* ---- the control API --------------------------------------------------- */

/*
 * The control API's functions share one shape: take the lock, open a
 * transaction, make the namespace current (creating it when new), do the
 * work, commit or roll back. `work` returns a store_status.
 */
typedef store_status (*locked_work)(task_store *store, void *arg);

static store_status reset_work(task_store *store, void *arg);

static store_status in_transaction_as(task_store *store, const char *ns, int64_t now_ms,
				      locked_work work, void *arg, bool read)
{
	/* a reset loads its own fixtures: a new namespace need not be seeded first */
	bool seed = work != reset_work;
	pthread_mutex_lock(&store->lock);
	store_status status = STORE_FAILED;
	int changes = sqlite3_total_changes(store->db);
	if (run(store_statement_get(store, read ? STMT_BEGIN_READ : STMT_BEGIN)) == 0) {
		status = ensure_namespace_locked(store, ns, now_ms, seed) == 0 ? work(store, arg)
									       : STORE_FAILED;
		/* what was written must reach a file that outlives the process */
		if (status == STORE_OK && sqlite3_total_changes(store->db) != changes &&
		    store_file_check(store, NULL, 0) < 0)
			status = STORE_FAILED;
		if (status == STORE_OK && store_commit(store) < 0)
			status = STORE_FAILED;
		if (status != STORE_OK)
			store_rollback(store);
	}
	pthread_mutex_unlock(&store->lock);
	return status;
}

static store_status in_transaction(task_store *store, const char *ns, int64_t now_ms,
				   locked_work work, void *arg)
{
	return in_transaction_as(store, ns, now_ms, work, arg, false);
}

static store_status in_read_transaction(task_store *store, const char *ns, int64_t now_ms,
					locked_work work, void *arg)
{
	return in_transaction_as(store, ns, now_ms, work, arg, true);
}

typedef struct {
	const char *task_name;
	const char *state, *type;
	const char *message;
	const cJSON *spec;
	const char *fixtures;
	size_t fixtures_len;
	const char *snapshot;
	const store_journal_filter *filter;
	task_row *row;
	int64_t now_ms;
	int64_t number;
	int64_t (*counts)[COMPONENT__COUNT];
	cJSON *out;
	char *why;
	size_t why_cap;
} work_args;

/* Hands a work's JSON result to the caller on success (or frees it when the
 * caller wants none), and frees it on failure. Returns `status`. */
static store_status hand_over(store_status status, work_args *a, cJSON **out)
{
	if (status != STORE_OK || !out) {
		cJSON_Delete(a->out);
		a->out = NULL;
	}
	if (out)
		*out = a->out;
	return status;
}

/* Reads the row and its config's text; store_get_task makes the JSON. */
static store_status get_work(task_store *store, void *arg)
{
	work_args *a = arg;
	int found = load_task(store, a->task_name, a->row);
	if (found <= 0)
		return found == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	if (read_config_text(store, a->row) < 0) {
		task_row_free(a->row);
		return STORE_FAILED;
	}
	return STORE_OK;
}

/*
 * The JSON is made after the store's lock is released, from the row and
 * the config text read under it (row_to_json then reads nothing): parsing
 * and copying the config was most of the time a GET held the lock, and
 * every other GET and batch waited for it. (16 connections of GET
 * /_mock/tasks/{name}: a quarter of the CPU was spent switching threads.)
 */
store_status store_get_task(task_store *store, const char *ns, const char *task_name,
			    int64_t now_ms, cJSON **out)
{
	task_row row = {0};
	work_args a = {.task_name = task_name, .row = &row};
	store_status status = in_read_transaction(store, ns, now_ms, get_work, &a);
	if (status == STORE_OK && out) {
		a.out = row_to_json(store, &row);
		if (!a.out)
			status = STORE_FAILED;
	}
	task_row_free(&row); /* also when the commit failed after the read */
	return hand_over(status, &a, out);
}

static store_status list_work(task_store *store, void *arg)
{
	work_args *a = arg;
	a->out = cJSON_CreateArray();
	if (!a->out)
		return STORE_FAILED;
	sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_LIST);
	bind_text_or_null(statement, 1, a->state);
	bind_text_or_null(statement, 2, a->type);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		task_row row;
		cJSON *task =
			row_from_statement(statement, &row) == 0 ? row_to_json(store, &row) : NULL;
		task_row_free(&row);
		if (!task) {
			rc = SQLITE_CORRUPT;
			break;
		}
		cJSON_AddItemToArray(a->out, task);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

store_status store_list_tasks(task_store *store, const char *ns, const char *state,
			      const char *type, int64_t now_ms, cJSON **out)
{
	work_args a = {.state = state, .type = type};
	return hand_over(in_read_transaction(store, ns, now_ms, list_work, &a), &a, out);
}

static store_status count_work(task_store *store, void *arg)
{
	work_args *a = arg;
	sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_COUNT);
	int rc = sqlite3_step(statement);
	a->number = rc == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
	sqlite3_reset(statement);
	return rc == SQLITE_ROW ? STORE_OK : STORE_FAILED;
}

int64_t store_count_tasks(task_store *store, const char *ns, int64_t now_ms)
{
	work_args a = {0};
	return in_read_transaction(store, ns, now_ms, count_work, &a) == STORE_OK ? a.number : -1;
}

static store_status counts_work(task_store *store, void *arg)
{
	work_args *a = arg;
	memset(a->counts, 0, sizeof(int64_t) * TASK__COUNT * COMPONENT__COUNT);
	sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_COUNTS);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(statement, 0);
		const char *type = (const char *)sqlite3_column_text(statement, 1);
		task_state s = state ? task_state_from_name(state) : TASK__COUNT;
		component_type t = COMPONENT_OTHER;
		if (type && strcmp(type, "incr_trans") == 0)
			t = COMPONENT_INCR_TRANS;
		else if (type && strcmp(type, "full_trans") == 0)
			t = COMPONENT_FULL_TRANS;
		if (s != TASK__COUNT)
			a->counts[s][t] += sqlite3_column_int64(statement, 2);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

store_status store_task_counts(task_store *store, const char *ns, int64_t now_ms,
			       int64_t counts[TASK__COUNT][COMPONENT__COUNT])
{
	work_args a = {.counts = counts};
	return in_read_transaction(store, ns, now_ms, counts_work, &a);
}

/* Whether a live task already holds the name or the identity; -1 on failure. */
static int taken(task_store *store, const task_row *row)
{
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	sqlite3_stmt *statement = store_statement_get(store, STMT_TASK_BY_IDENTITY);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

static store_status create_locked(task_store *store, const cJSON *spec, int64_t now_ms,
				  cJSON **created, char *why, size_t why_cap)
{
	task_row row;
	if (fixtures_task_from_spec(spec, now_ms, &row, why, why_cap) < 0)
		return STORE_INVALID;
	store_status status = STORE_OK;
	int busy = taken(store, &row);
	if (busy < 0) {
		status = STORE_FAILED;
	} else if (busy) {
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&row.parsed, identity, sizeof identity);
		text_fail(why, why_cap,
			  "a task of identity %s already exists (one live task per identity)",
			  identity);
		status = STORE_EXISTS;
	} else if (store_insert_task(store, &row) < 0) {
		text_fail(why, why_cap, "cannot insert %s: %s", row.name,
			  sqlite3_errmsg(store->db));
		status = STORE_FAILED;
	} else if (created) {
		*created = row_to_json(store, &row);
		if (!*created)
			status = STORE_FAILED;
	}
	task_row_free(&row);
	return status;
}

static store_status create_work(task_store *store, void *arg)
{
	work_args *a = arg;
	return create_locked(store, a->spec, a->now_ms, &a->out, a->why, a->why_cap);
}

store_status store_create_task(task_store *store, const char *ns, const cJSON *spec, int64_t now_ms,
			       cJSON **created, char *why, size_t why_cap)
{
	work_args a = {.spec = spec, .now_ms = now_ms, .why = why, .why_cap = why_cap};
	return hand_over(in_transaction(store, ns, now_ms, create_work, &a), &a, created);
}

static store_status fail_work(task_store *store, void *arg)
{
	work_args *a = arg;
	task_row row;
	int found = load_task(store, a->task_name, &row);
	if (found <= 0)
		return found == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	row.state = TASK_ABNORMAL;
	free(row.last_error);
	row.last_error = strdup(a->message);
	row.updated_at = a->now_ms;
	store_status status = row.last_error && save_task(store, a->task_name, &row) == 0
				      ? STORE_OK
				      : STORE_FAILED;
	if (status == STORE_OK) {
		a->out = row_to_json(store, &row);
		if (!a->out)
			status = STORE_FAILED;
	}
	task_row_free(&row);
	return status;
}

store_status store_fail_task(task_store *store, const char *ns, const char *task_name,
			     const char *message, int64_t now_ms, cJSON **task)
{
	work_args a = {.task_name = task_name, .message = message, .now_ms = now_ms};
	return hand_over(in_transaction(store, ns, now_ms, fail_work, &a), &a, task);
}

static int wipe_locked(task_store *store, bool everything)
{
	/* configs before tasks: their ids are found through the tasks; the
	 * last two only when the namespace itself goes */
	static const store_statement tables[] = {
		STMT_WIPE_CONFIGS, STMT_WIPE_TASKS,	STMT_WIPE_SEQUENCES, STMT_WIPE_TOMBSTONES,
		STMT_WIPE_JOURNAL, STMT_WIPE_SNAPSHOTS, STMT_WIPE_NAMESPACE};
	size_t count = sizeof tables / sizeof *tables - (everything ? 0 : 2);
	for (size_t i = 0; i < count; i++)
		if (run(store_statement_get(store, tables[i])) < 0)
			return -1;
	return 0;
}

static store_status load_fixtures_locked(task_store *store, const char *fixtures, size_t len,
					 int64_t now_ms, char *why, size_t why_cap)
{
	if (!fixtures)
		return STORE_OK; /* no fixtures given: an empty namespace */
	/* the parser of every request body: trailing bytes, a \u0000, a
	 * repeated field are refused here as in a POST */
	char parse_why[STORE_MESSAGE_MAX] = "";
	cJSON *root = json_parse_body(fixtures, len, parse_why, sizeof parse_why);
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(root, "tasks");
	if (!cJSON_IsArray(tasks) || cJSON_GetArraySize(root) != 1) {
		cJSON_Delete(root);
		text_fail(why, why_cap, "fixtures must be a JSON object {\"tasks\": [...]}%s%s",
			  parse_why[0] ? ": " : "", parse_why);
		return STORE_INVALID;
	}
	int index = 0;
	const cJSON *spec;
	store_status status = STORE_OK;
	cJSON_ArrayForEach(spec, tasks)
	{
		char inner[STORE_MESSAGE_MAX];
		status = create_locked(store, spec, now_ms, NULL, inner, sizeof inner);
		if (status != STORE_OK) {
			text_fail(why, why_cap, "fixture task %d: %s", index, inner);
			if (status == STORE_EXISTS)
				status = STORE_INVALID;
			break;
		}
		index++;
	}
	cJSON_Delete(root);
	return status;
}

static store_status reset_work(task_store *store, void *arg)
{
	work_args *a = arg;
	if (wipe_locked(store, false) < 0)
		return STORE_FAILED;
	const char *text = a->fixtures ? a->fixtures : store->fixtures;
	size_t len = a->fixtures ? a->fixtures_len : store->fixtures_len;
	return load_fixtures_locked(store, text, len, a->now_ms, a->why, a->why_cap);
}

store_status store_reset(task_store *store, const char *ns, const char *fixtures, size_t len,
			 int64_t now_ms, char *why, size_t why_cap)
{
	work_args a = {.fixtures = fixtures,
		       .fixtures_len = len,
		       .now_ms = now_ms,
		       .why = why,
		       .why_cap = why_cap};
	store_status status = in_transaction(store, ns, now_ms, reset_work, &a);
	if (status == STORE_FAILED && why && why_cap && !why[0])
		text_fail(why, why_cap, "storage failure: %s", sqlite3_errmsg(store->db));
	return status;
}

store_status store_namespaces(task_store *store, cJSON **out)
{
	*out = cJSON_CreateArray();
	if (!*out)
		return STORE_FAILED;
	pthread_mutex_lock(&store->lock);
	use_namespace(store, STORE_DEFAULT_NAMESPACE); /* ?16 only guards the statement */
	sqlite3_stmt *statement = store_statement_get(store, STMT_NS_LIST);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name",
					(const char *)sqlite3_column_text(statement, 0));
		cJSON_AddNumberToObject(item, "createdAt",
					(double)sqlite3_column_int64(statement, 1));
		cJSON_AddNumberToObject(item, "tasks", (double)sqlite3_column_int64(statement, 2));
		cJSON_AddNumberToObject(item, "snapshots",
					(double)sqlite3_column_int64(statement, 3));
		cJSON_AddItemToArray(*out, item);
	}
	sqlite3_reset(statement);
	pthread_mutex_unlock(&store->lock);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(*out);
		*out = NULL;
		return STORE_FAILED;
	}
	return STORE_OK;
}

store_status store_namespace_delete(task_store *store, const char *ns)
{
	pthread_mutex_lock(&store->lock);
	use_namespace(store, ns);
	store_status status = STORE_FAILED;
	if (store_begin(store) == 0) {
		sqlite3_stmt *statement = store_statement_get(store, STMT_NS_GET);
		int rc = sqlite3_step(statement);
		sqlite3_reset(statement);
		if (rc == SQLITE_DONE)
			status = STORE_NOT_FOUND;
		else if (rc == SQLITE_ROW && wipe_locked(store, true) == 0 &&
			 store_commit(store) == 0)
			status = STORE_OK;
		store->ensured[0] = '\0';
		if (status != STORE_OK)
			store_rollback(store);
	}
	pthread_mutex_unlock(&store->lock);
	return status;
}

static int snapshot_exists(task_store *store, const char *name)
{
	sqlite3_stmt *statement = store_statement_get(store, STMT_SNAP_EXISTS);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static store_status snapshot_save_work(task_store *store, void *arg)
{
	work_args *a = arg;
	sqlite3_stmt *statement = store_statement_get(store, STMT_SNAP_PUT);
	sqlite3_bind_text(statement, 1, a->snapshot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 2, a->now_ms);
	return run(statement) == 0 ? STORE_OK : STORE_FAILED;
}

/* Writes the snapshot's tombstones again, in their order, each the newest
 * of its identity in turn. */
static store_status restore_tombstones(task_store *store, const char *snapshot)
{
	sqlite3_stmt *statement = store_statement_get(store, STMT_SNAP_TOMBSTONES);
	sqlite3_bind_text(statement, 1, snapshot, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(statement, 0);
		const char *reason = (const char *)sqlite3_column_text(statement, 1);
		const char *migrated_to = (const char *)sqlite3_column_text(statement, 2);
		taskname parsed;
		char identity[TASKNAME_IDENTITY_MAX + 1];
		if (!name || !reason || taskname_parse(name, strlen(name), &parsed, NULL) < 0)
			break;
		taskname_identity(&parsed, identity, sizeof identity);
		if (put_tombstone(store, name, identity, parsed.seq, reason, migrated_to,
				  sqlite3_column_int64(statement, 3)) < 0)
			break;
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

static store_status snapshot_restore_work(task_store *store, void *arg)
{
	work_args *a = arg;
	int exists = snapshot_exists(store, a->snapshot);
	if (exists <= 0)
		return exists == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	static const store_statement wipes[] = {STMT_WIPE_CONFIGS, STMT_WIPE_TASKS,
						STMT_WIPE_TOMBSTONES, STMT_TOMB_FORGET};
	static const store_statement loads[] = {STMT_SNAP_RESTORE_CONFIGS, STMT_SNAP_RESTORE_TASKS,
						STMT_SNAP_RESTORE_SEQUENCES};
	for (size_t i = 0; i < sizeof wipes / sizeof *wipes; i++)
		if (run(store_statement_get(store, wipes[i])) < 0)
			return STORE_FAILED;
	sqlite3_stmt *statement = store_statement_get(store, STMT_CONFIG_MAX);
	int64_t last_config =
		sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
	sqlite3_reset(statement);
	if (last_config < 0)
		return STORE_FAILED;
	for (size_t i = 0; i < sizeof loads / sizeof *loads; i++) { /* ?2: the first two */
		statement = store_statement_get(store, loads[i]);
		sqlite3_bind_text(statement, 1, a->snapshot, -1, SQLITE_STATIC);
		sqlite3_bind_int64(statement, 2, last_config);
		if (run(statement) < 0)
			return STORE_FAILED;
	}
	return restore_tombstones(store, a->snapshot);
}

static store_status snapshot_delete_work(task_store *store, void *arg)
{
	work_args *a = arg;
	int exists = snapshot_exists(store, a->snapshot);
	if (exists <= 0)
		return exists == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	sqlite3_stmt *statement = store_statement_get(store, STMT_SNAP_DELETE);
	sqlite3_bind_text(statement, 1, a->snapshot, -1, SQLITE_STATIC);
	return run(statement) == 0 ? STORE_OK : STORE_FAILED;
}

static store_status snapshot_list_work(task_store *store, void *arg)
{
	work_args *a = arg;
	a->out = cJSON_CreateArray();
	if (!a->out)
		return STORE_FAILED;
	sqlite3_stmt *statement = store_statement_get(store, STMT_SNAP_LIST);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name",
					(const char *)sqlite3_column_text(statement, 0));
		cJSON_AddNumberToObject(item, "createdAt",
					(double)sqlite3_column_int64(statement, 1));
		cJSON_AddNumberToObject(item, "tasks", (double)sqlite3_column_int64(statement, 2));
		cJSON_AddItemToArray(a->out, item);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

static bool snapshot_name_valid(const char *name)
{
	return name_valid(name, STORE_SNAPSHOT_NAME_MAX);
}

static store_status on_snapshot(task_store *store, const char *ns, const char *name, int64_t now_ms,
				locked_work work)
{
	if (!snapshot_name_valid(name))
		return STORE_INVALID;
	work_args a = {.snapshot = name, .now_ms = now_ms};
	return in_transaction(store, ns, now_ms, work, &a);
}

store_status store_snapshot_save(task_store *store, const char *ns, const char *name,
				 int64_t now_ms)
{
	return on_snapshot(store, ns, name, now_ms, snapshot_save_work);
}

store_status store_snapshot_restore(task_store *store, const char *ns, const char *name,
				    int64_t now_ms)
{
	return on_snapshot(store, ns, name, now_ms, snapshot_restore_work);
}

store_status store_snapshot_delete(task_store *store, const char *ns, const char *name,
				   int64_t now_ms)
{
	return on_snapshot(store, ns, name, now_ms, snapshot_delete_work);
}

store_status store_snapshots(task_store *store, const char *ns, int64_t now_ms, cJSON **out)
{
	work_args a = {0};
	return hand_over(in_read_transaction(store, ns, now_ms, snapshot_list_work, &a), &a, out);
}

/* Whether the last statement failed only because another connection holds
 * the write lock: a journal read then skips its purge rather than fail (the
 * next write or read purges). */
static bool write_lock_busy(task_store *store)
{
	return (sqlite3_errcode(store->db) & 0xff) == SQLITE_BUSY;
}

static store_status journal_work(task_store *store, void *arg)
{
	work_args *a = arg;
	/* the bounds hold for readers too, exactly, not only from the next write */
	if (audit_purge(store, a->now_ms, true) < 0 && !write_lock_busy(store))
		return STORE_FAILED;
	return audit_list_locked(store, a->filter, &a->out);
}

store_status store_journal(task_store *store, const char *ns, const store_journal_filter *filter,
			   int64_t now_ms, cJSON **out)
{
	work_args a = {.filter = filter, .now_ms = now_ms};
	return hand_over(in_read_transaction(store, ns, now_ms, journal_work, &a), &a, out);
}

static store_status journal_count_work(task_store *store, void *arg)
{
	work_args *a = arg;
	if (audit_purge(store, a->now_ms, true) < 0 && !write_lock_busy(store))
		return STORE_FAILED;
	return audit_count_locked(store, a->filter, &a->number);
}

store_status store_journal_count(task_store *store, const char *ns,
				 const store_journal_filter *filter, int64_t now_ms, int64_t *count)
{
	work_args a = {.filter = filter, .now_ms = now_ms};
	store_status status = in_read_transaction(store, ns, now_ms, journal_count_work, &a);
	*count = status == STORE_OK ? a.number : 0;
	return status;
}

static store_status journal_clear_work(task_store *store, void *arg)
{
	(void)arg;
	return run(store_statement_get(store, STMT_WIPE_JOURNAL)) == 0 ? STORE_OK : STORE_FAILED;
}

store_status store_journal_clear(task_store *store, const char *ns, int64_t now_ms)
{
	return in_transaction(store, ns, now_ms, journal_clear_work, NULL);
}
