/*
 * db.c — the SQL of every statement, prepared once; binding, transactions,
 * and the store's lock.
 *
 * The lowest layer of the store: it calls nothing else of store/. Every
 * value reaches SQL through a bound parameter; a statement that works in a
 * namespace reads it from ?16, bound by db_statement from its caller's
 * explicit `ns`.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "store_internal.h"
#include "text.h"

/* The parameter every statement that works in a namespace reads it from:
 * ?NAMESPACE_PARAMETER, bound by db_statement from its caller's `ns`
 * (db_prepare checks the two agree). */
#define NS "?16"

#define TASK_COLUMNS                                                                               \
	"name, state, config_id, checkpoint, progress, last_error, created_at, "                   \
	"updated_at, " MOTION_COLUMNS
/* The namespace's range of ids in the journal (schema version 3) and in
 * tombstones (version 5) */
#define JOURNAL_BASE "(SELECT journal_base FROM namespaces WHERE name = " NS ")"
#define JOURNAL_SPAN "1099511627776" /* 2^40 ids per namespace */
#define IN_NAMESPACE " id > " JOURNAL_BASE " AND id < " JOURNAL_BASE " + " JOURNAL_SPAN
/* The next id of `table` (journal or tombstones) in the namespace's range,
 * after its last; 0 when the namespace does not exist (see the callers). */
#define NEXT_ID_IN_NAMESPACE(table)                                                                \
	"coalesce((SELECT coalesce((SELECT max(x.id) FROM " table " x WHERE"                       \
	" x.id > n.journal_base AND x.id < n.journal_base + " JOURNAL_SPAN "),"                    \
	" n.journal_base) + 1 FROM namespaces n WHERE n.name = " NS "), 0)"
#define NEXT_JOURNAL_ID NEXT_ID_IN_NAMESPACE("journal")
#define NEXT_TOMBSTONE_ID NEXT_ID_IN_NAMESPACE("tombstones")
#define JOURNAL_FILTER                                                                             \
	IN_NAMESPACE " AND (?1 IS NULL OR task_name = ?1) AND (?2 IS NULL OR op = ?2)"             \
		     " AND (?4 IS NULL OR is_success = ?4) AND (?5 IS NULL OR err_code = ?5)"      \
		     " AND (?6 IS NULL OR time_ms >= ?6) AND (?7 IS NULL OR time_ms <= ?7)"        \
		     " AND (?8 IS NULL OR id > " JOURNAL_BASE " + ?8)"                             \
		     " AND (?9 IS NULL OR delivered = ?9)"

static const char *const statement_sql[STMT__COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	/* reads take no write lock: in WAL mode they work while another
	 * connection or process holds one */
	[STMT_BEGIN_READ] = "BEGIN",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_NS_GET] = "SELECT created_at FROM namespaces WHERE name = " NS,
	[STMT_NS_INSERT] = "INSERT INTO namespaces (name, created_at, journal_base)"
			   " SELECT " NS ", ?1, coalesce(max(journal_base), 0) + " JOURNAL_SPAN
			   " FROM namespaces",
	[STMT_NS_LIST] = "SELECT n.name, n.created_at,"
			 " (SELECT count(*) FROM tasks t WHERE t.ns = n.name),"
			 " (SELECT count(*) FROM snapshots s WHERE s.ns = n.name)"
			 " FROM namespaces n ORDER BY n.name",
	[STMT_TASK_GET] = "SELECT " TASK_COLUMNS " FROM tasks WHERE ns = " NS " AND name = ?1",
	[STMT_TASK_INSERT] =
		"INSERT INTO tasks (ns, name, identity, type, state, config_id, checkpoint,"
		" progress, last_error, created_at, updated_at)"
		" VALUES (" NS ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* `name` is not SET here: a SET of a primary-key column makes SQLite
	 * delete and reinsert the row and its entry in every index (each a
	 * random page to write), even when the value is the same */
	[STMT_TASK_UPDATE] = "UPDATE tasks SET state = ?2, checkpoint = ?3, progress = ?4,"
			     " last_error = ?5, updated_at = ?6, " MOTION_SET_COLUMNS
			     " WHERE ns = " NS " AND name = ?1",
	/* a migrate: the row moves to its new name (?7) in the same statement
	 * that writes it, so it is found and rewritten once */
	[STMT_TASK_MOVE] = "UPDATE tasks SET name = ?7, state = ?2, checkpoint = ?3, progress = ?4,"
			   " last_error = ?5, updated_at = ?6, " MOTION_SET_COLUMNS
			   " WHERE ns = " NS " AND name = ?1",
	[STMT_TASK_DELETE] = "DELETE FROM tasks WHERE ns = " NS " AND name = ?1",
	[STMT_TASK_BY_IDENTITY] = "SELECT name FROM tasks WHERE ns = " NS " AND identity = ?1",
	[STMT_TASK_COUNT] = "SELECT count(*) FROM tasks WHERE ns = " NS,
	[STMT_TASK_COUNTS] =
		"SELECT state, type, count(*) FROM tasks WHERE ns = " NS " GROUP BY state, type",
	/* the config comes along (after the motion's columns): every listed
	 * task shows it */
	[STMT_TASK_LIST] =
		"SELECT " TASK_COLUMNS ", (SELECT body FROM configs WHERE id = config_id)"
		" FROM tasks WHERE ns = " NS " AND (?1 IS NULL OR state = ?1)"
		" AND (?2 IS NULL OR type = ?2) ORDER BY name",
	/* configs are reached only through their task's config_id, which the
	 * caller read in the namespace: no namespace parameter */
	[STMT_CONFIG_GET] = "SELECT body FROM configs WHERE id = ?1",
	[STMT_CONFIG_INSERT] = "INSERT INTO configs (body) VALUES (?1)",
	[STMT_CONFIG_UPDATE] = "UPDATE configs SET body = ?2 WHERE id = ?1",
	[STMT_CONFIG_DELETE] = "DELETE FROM configs WHERE id = ?1",
	[STMT_CONFIG_MAX] = "SELECT coalesce(max(id), 0) FROM configs",
	[STMT_SEQ_GET] = "SELECT max_seq FROM sequences WHERE ns = " NS " AND identity = ?1",
	/* ?3, when not NULL: the identity's newest tombstone */
	[STMT_SEQ_PUT] = "INSERT INTO sequences (ns, identity, max_seq, last_tombstone)"
			 " VALUES (" NS ", ?1, ?2, ?3) ON CONFLICT (ns, identity) DO UPDATE"
			 " SET max_seq = max(max_seq, excluded.max_seq),"
			 " last_tombstone = coalesce(excluded.last_tombstone, last_tombstone)",
	/* Tombstones (schema version 5): appended at the end of the namespace's
	 * range of ids, linked to the identity's previous one (?5: the
	 * identity). A missing namespace gives id 0, which put_tombstone
	 * refuses. */
	[STMT_TOMB_PUT] =
		"INSERT INTO tombstones (id, name, reason, migrated_to, at, prev) VALUES "
		"(" NEXT_TOMBSTONE_ID ", ?1, ?2, ?3, ?4, (SELECT last_tombstone FROM sequences"
		" WHERE ns = " NS " AND identity = ?5))",
	[STMT_TOMB_NEWEST] =
		"SELECT last_tombstone FROM sequences WHERE ns = " NS " AND identity = ?1",
	[STMT_TOMB_SET_NEWEST] = "UPDATE sequences SET last_tombstone = ?2"
				 " WHERE ns = " NS " AND identity = ?1",
	/* ids are read from the namespace's own sequences: no namespace parameter */
	[STMT_TOMB_READ] = "SELECT name, reason, migrated_to, prev FROM tombstones WHERE id = ?1",
	[STMT_TOMB_DELETE] = "DELETE FROM tombstones WHERE id = ?1",
	[STMT_TOMB_RELINK] = "UPDATE tombstones SET prev = ?2 WHERE id = ?1",
	/* VALUES, not INSERT ... SELECT: an INSERT that selects from its own
	 * table goes through a temporary table, costlier than the rest of
	 * the operation. A missing namespace gives id 0, which
	 * audit_insert refuses (a NULL id would take the next rowid, in the
	 * last namespace's range). */
	[STMT_JOURNAL_INSERT] =
		"INSERT INTO journal (id, time_ms, client, op, task_name, params, body,"
		" http_status, is_success, err_code, from_state, to_state, new_task_name,"
		" injected, fault_id) VALUES (" NEXT_JOURNAL_ID ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10, ?11, ?12, ?13, ?14)",
	/* by rowid (audit_insert's), within the namespace's range */
	[STMT_JOURNAL_DELIVERED] = "UPDATE journal SET delivered = ?1, sent = ?2 WHERE id = ?3"
				   " AND" IN_NAMESPACE,
	/* The oldest entries up to the first one still within the retention.
	 * One lower and one upper bound on id each, in these two: given two
	 * upper bounds SQLite ranges over the constant one and tests the other
	 * on every row of the namespace's journal. */
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
		" http_status, is_success, err_code, from_state, to_state, new_task_name, injected,"
		" delivered, sent, fault_id FROM (SELECT * FROM journal WHERE" JOURNAL_FILTER
		" ORDER BY id DESC LIMIT ?3) ORDER BY id",
	[STMT_JOURNAL_COUNT] = "SELECT count(*) FROM journal WHERE" JOURNAL_FILTER,
	/* with afterId: the oldest ?3 after it, for a reader paging forward */
	[STMT_JOURNAL_AFTER] =
		"SELECT id - " JOURNAL_BASE ", time_ms, client, op, task_name, params, body,"
		" http_status, is_success, err_code, from_state, to_state, new_task_name, injected,"
		" delivered, sent, fault_id FROM journal WHERE" JOURNAL_FILTER
		" ORDER BY id LIMIT ?3",
	[STMT_SNAP_PUT] =
		"INSERT OR REPLACE INTO snapshots (ns, name, created_at, data)"
		" SELECT " NS ", ?1, ?2, json_object("
		"'tasks', (SELECT json_group_array(json_array(name, identity, type, state,"
		" (SELECT body FROM configs WHERE id = config_id), checkpoint, progress,"
		" last_error, created_at, updated_at)) FROM tasks WHERE ns = " NS "),"
		"'sequences', (SELECT json_group_array(json_array(identity, max_seq))"
		" FROM sequences WHERE ns = " NS "),"
		"'tombstones', (SELECT json_group_array(json_array(name, reason, migrated_to,"
		" at)) FROM (SELECT * FROM tombstones WHERE" IN_NAMESPACE " ORDER BY id)))",
	/* A snapshot holds each task with its config (the format of every
	 * version). The configs of the snapshot's task number k take the ids
	 * ?2 + k + 1, past every id in use (?2, from STMT_CONFIG_MAX). */
	[STMT_SNAP_RESTORE_CONFIGS] =
		"INSERT INTO configs (id, body) SELECT ?2 + key + 1, value->>4"
		" FROM snapshots, json_each(data, '$.tasks') WHERE ns = " NS " AND name = ?1",
	[STMT_SNAP_RESTORE_TASKS] =
		"INSERT INTO tasks (ns, name, identity, type, state, config_id, checkpoint,"
		" progress, last_error, created_at, updated_at) SELECT " NS
		", value->>0, value->>1,"
		" value->>2, value->>3, ?2 + key + 1, value->>5, value->>6, value->>7, value->>8,"
		" value->>9 FROM snapshots, json_each(data, '$.tasks')"
		" WHERE ns = " NS " AND name = ?1",
	/* sequences only grow: a SEQ issued after the snapshot is never issued
	 * again after a restore (never reused) */
	[STMT_SNAP_RESTORE_SEQUENCES] =
		"INSERT INTO sequences (ns, identity, max_seq) SELECT " NS ", value->>0, value->>1"
		" FROM snapshots, json_each(data, '$.sequences') WHERE ns = " NS " AND name = ?1"
		" ON CONFLICT (ns, identity) DO UPDATE"
		" SET max_seq = max(max_seq, excluded.max_seq)",
	/* By SEQ (the name's last 10 characters), then as saved: what a chain
	 * needs is each successor's tombstone after its predecessor's, and a
	 * migrate's new SEQ is above every SEQ of its identity. Not by time: a
	 * namespace's clock may have been set back; nor as saved only:
	 * snapshots before version 5 listed tombstones by name. */
	[STMT_SNAP_TOMBSTONES] =
		"SELECT value->>0, value->>1, value->>2, value->>3"
		" FROM snapshots, json_each(data, '$.tombstones') WHERE ns = " NS " AND name = ?1"
		" ORDER BY substr(value->>0, -10), key",
	[STMT_SNAP_EXISTS] = "SELECT 1 FROM snapshots WHERE ns = " NS " AND name = ?1",
	[STMT_SNAP_LIST] = "SELECT name, created_at, json_array_length(data, '$.tasks')"
			   " FROM snapshots WHERE ns = " NS " ORDER BY name",
	[STMT_SNAP_DELETE] = "DELETE FROM snapshots WHERE ns = " NS " AND name = ?1",
	[STMT_WIPE_CONFIGS] =
		"DELETE FROM configs WHERE id IN (SELECT config_id FROM tasks WHERE ns = " NS ")",
	[STMT_WIPE_TASKS] = "DELETE FROM tasks WHERE ns = " NS,
	[STMT_WIPE_SEQUENCES] = "DELETE FROM sequences WHERE ns = " NS,
	[STMT_WIPE_TOMBSTONES] = "DELETE FROM tombstones WHERE" IN_NAMESPACE,
	/* after STMT_WIPE_TOMBSTONES, when the sequences stay */
	[STMT_TOMB_FORGET] = "UPDATE sequences SET last_tombstone = NULL"
			     " WHERE ns = " NS " AND last_tombstone IS NOT NULL",
	[STMT_WIPE_JOURNAL] = "DELETE FROM journal WHERE" IN_NAMESPACE,
	[STMT_WIPE_SNAPSHOTS] = "DELETE FROM snapshots WHERE ns = " NS,
	[STMT_WIPE_NAMESPACE] = "DELETE FROM namespaces WHERE name = " NS,
};

/* The mutex this thread holds, for STORE_ASSERT_LOCKED: a store's lock is
 * never taken twice by one thread, nor two stores' locks at once. */
static _Thread_local const pthread_mutex_t *held_lock;

void db_lock(pthread_mutex_t *lock)
{
	STORE_ASSERT(held_lock == NULL);
	pthread_mutex_lock(lock);
	held_lock = lock;
}

void db_unlock(pthread_mutex_t *lock)
{
	STORE_ASSERT(held_lock == lock);
	held_lock = NULL;
	pthread_mutex_unlock(lock);
}

bool db_lock_held(const pthread_mutex_t *lock) { return held_lock == lock; }

int db_prepare(task_store *store, char *why, size_t why_cap)
{
	char namespace_name[16];
	snprintf(namespace_name, sizeof namespace_name, "?%d", NAMESPACE_PARAMETER);
	for (int i = 0; i < STMT__COUNT; i++) {
		if (sqlite3_prepare_v3(store->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &store->statements[i], NULL) != SQLITE_OK)
			return text_fail(why, why_cap, "cannot prepare statement %d: %s", i,
					 sqlite3_errmsg(store->db));
		/* a statement's own parameters must stay below the namespace's */
		int parameters = sqlite3_bind_parameter_count(store->statements[i]);
		const char *last = sqlite3_bind_parameter_name(store->statements[i], parameters);
		if (parameters > NAMESPACE_PARAMETER ||
		    (parameters == NAMESPACE_PARAMETER &&
		     (!last || strcmp(last, namespace_name) != 0)))
			return text_fail(why, why_cap, "statement %d has parameters past ?%d", i,
					 NAMESPACE_PARAMETER);
	}
	return 0;
}

void db_finalize(task_store *store)
{
	for (int i = 0; i < STMT__COUNT; i++) {
		sqlite3_finalize(store->statements[i]);
		store->statements[i] = NULL;
	}
}

sqlite3_stmt *db_statement(task_store *store, store_statement which, const char *ns)
{
	STORE_ASSERT_LOCKED(store);
	sqlite3_stmt *statement = store->statements[which];
	sqlite3_reset(statement);
	sqlite3_clear_bindings(statement);
	if (sqlite3_bind_parameter_count(statement) >= NAMESPACE_PARAMETER) {
		STORE_ASSERT(ns != NULL);
		sqlite3_bind_text(statement, NAMESPACE_PARAMETER, ns, -1, SQLITE_STATIC);
	}
	return statement;
}

int db_run(sqlite3_stmt *statement)
{
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? 0 : -1;
}

void db_bind_text(sqlite3_stmt *statement, int index, const char *text)
{
	if (text)
		sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(statement, index);
}

int store_begin(task_store *store)
{
	STORE_ASSERT(sqlite3_get_autocommit(store->db));
	return db_run(db_statement(store, STMT_BEGIN, NULL));
}

int store_begin_read(task_store *store)
{
	STORE_ASSERT(sqlite3_get_autocommit(store->db));
	return db_run(db_statement(store, STMT_BEGIN_READ, NULL));
}

int store_commit(task_store *store)
{
	STORE_ASSERT_WRITING(store);
	if (db_run(db_statement(store, STMT_COMMIT, NULL)) < 0)
		return -1;
	/* wakes the journal's waiters, when the transaction changed anything */
	sqlite3_int64 changes = sqlite3_total_changes64(store->db);
	if (changes != store->notified_changes) {
		store->notified_changes = changes;
		if (store->commit_hook)
			store->commit_hook(store->commit_hook_ctx);
	}
	return 0;
}

void store_rollback(task_store *store)
{
	STORE_ASSERT_LOCKED(store);
	store->ensured[0] = '\0'; /* a namespace created in it may be gone */
	store->rollbacks++;	  /* and what a cache learned in it (simulation_store.c) */
	if (!sqlite3_get_autocommit(store->db))
		db_run(db_statement(store, STMT_ROLLBACK, NULL));
}
