/*
 * namespace.c — namespaces: create (seeded from the fixtures), wipe, list,
 * delete; and the transaction every control-API call runs in.
 *
 * Every task, sequence, tombstone, journal record and snapshot belongs to
 * one namespace. A write creates its namespace; a read of one that does
 * not exist answers from it as it would be created, and rolls back, so
 * that a read never leaves a namespace behind. Calls fixtures.c,
 * simulation_store.c and db.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "integrity.h"
#include "store_internal.h"

bool store_name_valid(const char *name, size_t max)
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

bool store_namespace_valid(const char *name) { return store_name_valid(name, STORE_NAMESPACE_MAX); }

int namespace_ensure(task_store *store, const char *ns, int64_t now_ms, bool seed)
{
	STORE_ASSERT_WRITING(store);
	/* the namespace the last operations used is known to exist (the cache
	 * is cleared by every rollback and every namespace delete) */
	if (strcmp(store->ensured, ns) == 0)
		return 0;
	sqlite3_stmt *statement = db_statement(store, STMT_NS_GET, ns);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	if (rc == SQLITE_ROW) {
		snprintf(store->ensured, sizeof store->ensured, "%s", ns);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return -1;
	statement = db_statement(store, STMT_NS_INSERT, ns);
	sqlite3_bind_int64(statement, 1, now_ms);
	char why[STORE_MESSAGE_MAX];
	if (db_run(statement) < 0 ||
	    (seed && fixtures_load(store, ns, store->fixtures, store->fixtures_len, now_ms, why,
				   sizeof why) != STORE_OK))
		return -1;
	return 1;
}

int namespace_wipe(task_store *store, const char *ns, bool everything)
{
	STORE_ASSERT_WRITING(store);
	/* configs before tasks: their ids are found through the tasks; the
	 * last two only when the namespace itself goes */
	static const store_statement tables[] = {
		STMT_WIPE_CONFIGS, STMT_WIPE_TASKS,	STMT_WIPE_SEQUENCES, STMT_WIPE_TOMBSTONES,
		STMT_WIPE_JOURNAL, STMT_WIPE_SNAPSHOTS, STMT_WIPE_NAMESPACE};
	size_t count = sizeof tables / sizeof *tables - (everything ? 0 : 2);
	for (size_t i = 0; i < count; i++)
		if (db_run(db_statement(store, tables[i], ns)) < 0)
			return -1;
	return sim_wipe(store, ns, everything);
}

store_status namespace_enter(namespace_scope *scope, task_store *store, const char *ns,
			     int64_t now_ms, namespace_access access)
{
	*scope = (namespace_scope){.store = store, .ns = ns ? ns : STORE_DEFAULT_NAMESPACE};
	db_lock(&store->lock);
	scope->changes = sqlite3_total_changes(store->db);
	if ((access == NAMESPACE_READ ? store_begin_read(store) : store_begin(store)) == 0) {
		int created = namespace_ensure(store, scope->ns, now_ms,
					       access != NAMESPACE_WRITE_UNSEEDED);
		/* every call sees the namespace at its clock: the simulation's
		 * transitions due by then are applied first (in a read of a
		 * namespace created only for it, they are rolled back with it) */
		if (created >= 0 && sim_advance(store, scope->ns, now_ms) < 0)
			created = -1;
		if (created >= 0) {
			scope->rollback_always = created == 1 && access == NAMESPACE_READ;
			return STORE_OK;
		}
		store_rollback(store);
	}
	db_unlock(&store->lock);
	return STORE_FAILED;
}

store_status namespace_leave(namespace_scope *scope, store_status status)
{
	task_store *store = scope->store;
	/* what was written must reach a file that outlives the process */
	if (status == STORE_OK && !scope->rollback_always &&
	    sqlite3_total_changes(store->db) != scope->changes &&
	    store_file_check(store, NULL, 0) < 0)
		status = STORE_FAILED;
	if (status == STORE_OK && !scope->rollback_always && store_commit(store) < 0)
		status = STORE_FAILED;
	if (status != STORE_OK || scope->rollback_always)
		store_rollback(store);
	db_unlock(&store->lock);
	return status;
}

store_status store_namespaces(task_store *store, cJSON **out)
{
	*out = cJSON_CreateArray();
	if (!*out)
		return STORE_FAILED;
	db_lock(&store->lock);
	sqlite3_stmt *statement = db_statement(store, STMT_NS_LIST, NULL);
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
	db_unlock(&store->lock);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(*out);
		*out = NULL;
		return STORE_FAILED;
	}
	return STORE_OK;
}

store_status store_namespace_delete(task_store *store, const char *ns)
{
	db_lock(&store->lock);
	store_status status = STORE_FAILED;
	if (store_begin(store) == 0) {
		sqlite3_stmt *statement = db_statement(store, STMT_NS_GET, ns);
		int rc = sqlite3_step(statement);
		sqlite3_reset(statement);
		if (rc == SQLITE_DONE)
			status = STORE_NOT_FOUND;
		else if (rc == SQLITE_ROW && namespace_wipe(store, ns, true) == 0 &&
			 store_commit(store) == 0)
			status = STORE_OK;
		store->ensured[0] = '\0';
		if (status != STORE_OK)
			store_rollback(store);
	}
	db_unlock(&store->lock);
	return status;
}
