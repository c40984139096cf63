/*
 * snapshots.c — a namespace's tasks, sequences and tombstones saved under a
 * name, restored, listed and deleted (store.h says what each keeps).
 *
 * A snapshot is one JSON document in `snapshots`, written and read by SQL
 * (STMT_SNAP_*); restoring rewrites the tombstones one by one so that each
 * identity's chain is linked again. Calls namespace.c, simulation_store.c,
 * tombstones.c and db.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "store_internal.h"

static int snapshot_exists(task_store *store, const char *ns, const char *name)
{
	sqlite3_stmt *statement = db_statement(store, STMT_SNAP_EXISTS, ns);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static store_status save_locked(task_store *store, const char *ns, const char *name, int64_t now_ms)
{
	/* RUNNING tasks' rows take what they reached: the snapshot holds it */
	if (sim_rebase_all(store, ns, now_ms, false) < 0)
		return STORE_FAILED;
	sqlite3_stmt *statement = db_statement(store, STMT_SNAP_PUT, ns);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 2, now_ms);
	return db_run(statement) == 0 ? STORE_OK : STORE_FAILED;
}

/* Writes the snapshot's tombstones again, in their order, each the newest
 * of its identity in turn. */
static store_status restore_tombstones(task_store *store, const char *ns, const char *snapshot)
{
	sqlite3_stmt *statement = db_statement(store, STMT_SNAP_TOMBSTONES, ns);
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
		if (tombstones_put(store, ns, name, identity, parsed.seq, reason, migrated_to,
				   sqlite3_column_int64(statement, 3)) < 0)
			break;
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

static store_status restore_locked(task_store *store, const char *ns, const char *name,
				   int64_t now_ms)
{
	int exists = snapshot_exists(store, ns, name);
	if (exists <= 0)
		return exists == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	static const store_statement wipes[] = {STMT_WIPE_CONFIGS, STMT_WIPE_TASKS,
						STMT_WIPE_TOMBSTONES, STMT_TOMB_FORGET};
	static const store_statement loads[] = {STMT_SNAP_RESTORE_CONFIGS, STMT_SNAP_RESTORE_TASKS,
						STMT_SNAP_RESTORE_SEQUENCES};
	for (size_t i = 0; i < sizeof wipes / sizeof *wipes; i++)
		if (db_run(db_statement(store, wipes[i], ns)) < 0)
			return STORE_FAILED;
	sqlite3_stmt *statement = db_statement(store, STMT_CONFIG_MAX, NULL);
	int64_t last_config =
		sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
	sqlite3_reset(statement);
	if (last_config < 0)
		return STORE_FAILED;
	for (size_t i = 0; i < sizeof loads / sizeof *loads; i++) { /* ?2: the first two */
		statement = db_statement(store, loads[i], ns);
		sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(statement, 2, last_config);
		if (db_run(statement) < 0)
			return STORE_FAILED;
	}
	if (sim_rebase_all(store, ns, now_ms, true) < 0) /* restored tasks move anew */
		return STORE_FAILED;
	return restore_tombstones(store, ns, name);
}

static store_status delete_locked(task_store *store, const char *ns, const char *name)
{
	int exists = snapshot_exists(store, ns, name);
	if (exists <= 0)
		return exists == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	sqlite3_stmt *statement = db_statement(store, STMT_SNAP_DELETE, ns);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	return db_run(statement) == 0 ? STORE_OK : STORE_FAILED;
}

static store_status list_locked(task_store *store, const char *ns, cJSON *list)
{
	sqlite3_stmt *statement = db_statement(store, STMT_SNAP_LIST, ns);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name",
					(const char *)sqlite3_column_text(statement, 0));
		cJSON_AddNumberToObject(item, "createdAt",
					(double)sqlite3_column_int64(statement, 1));
		cJSON_AddNumberToObject(item, "tasks", (double)sqlite3_column_int64(statement, 2));
		cJSON_AddItemToArray(list, item);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

static bool snapshot_name_valid(const char *name)
{
	return store_name_valid(name, STORE_SNAPSHOT_NAME_MAX);
}

store_status store_snapshot_save(task_store *store, const char *ns, const char *name,
				 int64_t now_ms)
{
	if (!snapshot_name_valid(name))
		return STORE_INVALID;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(&scope, save_locked(store, scope.ns, name, now_ms));
	return status;
}

store_status store_snapshot_restore(task_store *store, const char *ns, const char *name,
				    int64_t now_ms)
{
	if (!snapshot_name_valid(name))
		return STORE_INVALID;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(&scope, restore_locked(store, scope.ns, name, now_ms));
	return status;
}

store_status store_snapshot_delete(task_store *store, const char *ns, const char *name,
				   int64_t now_ms)
{
	if (!snapshot_name_valid(name))
		return STORE_INVALID;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(&scope, delete_locked(store, scope.ns, name));
	return status;
}

store_status store_snapshots(task_store *store, const char *ns, int64_t now_ms, cJSON **out)
{
	*out = cJSON_CreateArray();
	if (!*out)
		return STORE_FAILED;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK)
		status = namespace_leave(&scope, list_locked(store, scope.ns, *out));
	if (status != STORE_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return status;
}
