/*
 * schema.c — the schema, its versions and migrations, and the pragmas.
 *
 * PRAGMA user_version holds the schema's version; schema_steps[v] brings a
 * database of version v to v + 1, all steps in one transaction. Calls
 * nothing else of store/.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "store_internal.h"
#include "text.h"

enum { SCHEMA_VERSION = 7 };

/*
 * Every table but snapshots' payload is keyed by namespace first: a
 * namespace is an isolated set of tasks, sequences, tombstones and journal.
 * Every statement that works in a namespace reads it from the parameter
 * ?16, which db_statement binds from its caller's `ns`.
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
 * Version 2 drops two indexes that cost a random page write per operation:
 * journal(ns, task_name) (a query by taskName reads the namespace's
 * bounded journal in order) and tombstones(ns, migrated_to) (a tombstone
 * names its direct successor and a lookup follows the chain, instead of a
 * migrate rewriting every older tombstone).
 */
static const char schema_v2[] = "DROP INDEX journal_task;"
				"DROP INDEX tombstones_migrated_to;";

/*
 * Version 3: the journal is a rowid table. Its id is the namespace's
 * `journal_base` (a multiple of 2^40, one per namespace) plus the entry's
 * number in its namespace (1, 2, 3...), so a namespace's journal is one
 * range of rowids, in order, with no index: appending at a rowid table's
 * end writes far fewer pages than inserting into index b-trees. Retention
 * removes the oldest entries, in id order.
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
 * table, and the task row names it by config_id. Stop and resume then read
 * and write a small task row and never touch the config; an update
 * rewrites one configs row. Configs are numbered in the order of their
 * tasks' (ns, name).
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
 * walking back (tombstones_find). Appended, the tombstones of a commit
 * share the log's last page, and the sequence's row is one the migrate
 * writes anyway. Old tombstones are numbered by SEQ: each successor's
 * after its predecessor's, as a chain needs.
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

/*
 * Version 6: the simulation (simulation_store.c). Each namespace's settings
 * in `simulation`; a task's motion in four columns of its own row (NULL
 * unless it moves): in a table of their own, motions cost each stop/resume
 * one more b-tree page written per commit (bench/store_ops: 12 -> 16 us of
 * CPU per operation), in the row the page is the one the operation writes
 * anyway. The partial index holds only tasks with a transition ahead, so
 * an Incr-Sync's stop/resume without failures never writes it.
 */
static const char schema_v6[] =
	"CREATE TABLE simulation (ns TEXT PRIMARY KEY, settings TEXT NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE tasks ADD COLUMN since_ms INTEGER;"
	"ALTER TABLE tasks ADD COLUMN base_progress REAL;"
	"ALTER TABLE tasks ADD COLUMN base_position_ms INTEGER;"
	"ALTER TABLE tasks ADD COLUMN next_ms INTEGER;"
	"CREATE INDEX tasks_next ON tasks(ns, next_ms) WHERE next_ms IS NOT NULL;";

/*
 * Version 7, delivery: whether the client was still there to receive the
 * whole answer (1, 0, or NULL while not known: the entry is written in the
 * operation's transaction, before the answer; its delivery is written once
 * the answer is out, so a crash between the two leaves NULL, shown as
 * null), what a socket-level fault really sent (`sent`, a JSON object),
 * and the fault that hit the request (`fault_id`). Only ALTERs the
 * journal.
 */
static const char schema_v7[] = "ALTER TABLE journal ADD COLUMN delivered INTEGER;"
				"ALTER TABLE journal ADD COLUMN sent TEXT;"
				"ALTER TABLE journal ADD COLUMN fault_id INTEGER;";

/* schema_steps[v] brings a database of version v to version v + 1 */
static const char *const schema_steps[SCHEMA_VERSION] = {schema_v1, schema_v2, schema_v3, schema_v4,
							 schema_v5, schema_v6, schema_v7};

int schema_apply_pragmas(sqlite3 *db, const store_options *options, bool in_memory)
{
	char sql[160];
	/* A page cache of 1 MiB instead of SQLite's 2: a busy daemon fills it
	 * with the journal's newest pages, which it never reads again, while
	 * the pages every operation needs (the b-trees' upper levels) stay in
	 * the smaller cache too; the daemon's memory is 1 MiB smaller. */
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
int schema_migrate(sqlite3 *db, bool *created, char *why, size_t why_cap)
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
