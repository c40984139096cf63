/*
 * control.c — the control API's reads and writes of tasks and the journal.
 *
 * Each call runs in one transaction of its namespace (namespace_enter /
 * namespace_leave): the lock is held for its whole length, a failure rolls
 * back, and a read of a namespace that does not exist creates nothing.
 * Calls namespace.c, fixtures.c, simulation_store.c, audit.c, rows.c and
 * db.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_simulation.h"
#include "text.h"

/* Hands a JSON result to the caller on success (or frees it when the
 * caller wants none), and frees it on failure. Returns `status`. */
static store_status hand_over(store_status status, cJSON *result, cJSON **out)
{
	if (status != STORE_OK || !out) {
		cJSON_Delete(result);
		result = NULL;
	}
	if (out)
		*out = result;
	return status;
}

/* Reads the row and its config's text; the JSON is made by the caller. */
static store_status get_locked(task_store *store, const char *ns, const char *task_name,
			       int64_t now_ms, task_row *row)
{
	int found = rows_load(store, ns, task_name, row);
	if (found <= 0)
		return found == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	if (sim_show(store, ns, row, now_ms) < 0 || rows_read_config_text(store, row) < 0) {
		task_row_free(row);
		return STORE_FAILED;
	}
	return STORE_OK;
}

/*
 * The JSON is made after the store's lock is released, from the row and
 * the config text read under it (rows_to_json then reads nothing): parsing
 * and copying the config was most of the time a GET held the lock, and
 * every other GET and batch waited for it.
 */
store_status store_get_task(task_store *store, const char *ns, const char *task_name,
			    int64_t now_ms, cJSON **out)
{
	task_row row = {0};
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK)
		status = namespace_leave(&scope,
					 get_locked(store, scope.ns, task_name, now_ms, &row));
	cJSON *task = NULL;
	if (status == STORE_OK && out) {
		task = rows_to_json(store, &row);
		if (!task)
			status = STORE_FAILED;
	}
	task_row_free(&row); /* also when the commit failed after the read */
	return hand_over(status, task, out);
}

static store_status list_locked(task_store *store, const char *ns, const char *state,
				const char *type, int64_t now_ms, cJSON **out)
{
	*out = cJSON_CreateArray();
	if (!*out)
		return STORE_FAILED;
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_LIST, ns);
	db_bind_text(statement, 1, state);
	db_bind_text(statement, 2, type);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		task_row row;
		cJSON *task = rows_from_statement(statement, &row) == 0 &&
					      sim_show(store, ns, &row, now_ms) == 0
				      ? rows_to_json(store, &row)
				      : NULL;
		task_row_free(&row);
		if (!task) {
			rc = SQLITE_CORRUPT;
			break;
		}
		cJSON_AddItemToArray(*out, task);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

store_status store_list_tasks(task_store *store, const char *ns, const char *state,
			      const char *type, int64_t now_ms, cJSON **out)
{
	cJSON *list = NULL;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK)
		status = namespace_leave(&scope,
					 list_locked(store, scope.ns, state, type, now_ms, &list));
	return hand_over(status, list, out);
}

int64_t store_count_tasks(task_store *store, const char *ns, int64_t now_ms)
{
	int64_t count = -1;
	namespace_scope scope;
	if (namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ) != STORE_OK)
		return -1;
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_COUNT, scope.ns);
	int rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW)
		count = sqlite3_column_int64(statement, 0);
	sqlite3_reset(statement);
	store_status status = namespace_leave(&scope, rc == SQLITE_ROW ? STORE_OK : STORE_FAILED);
	return status == STORE_OK ? count : -1;
}

static store_status counts_locked(task_store *store, const char *ns,
				  int64_t counts[TASK__COUNT][COMPONENT__COUNT])
{
	memset(counts, 0, sizeof(int64_t) * TASK__COUNT * COMPONENT__COUNT);
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_COUNTS, ns);
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
			counts[s][t] += sqlite3_column_int64(statement, 2);
	}
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

store_status store_task_counts(task_store *store, const char *ns, int64_t now_ms,
			       int64_t counts[TASK__COUNT][COMPONENT__COUNT])
{
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK)
		status = namespace_leave(&scope, counts_locked(store, scope.ns, counts));
	return status;
}

store_status store_create_task(task_store *store, const char *ns, const cJSON *spec, int64_t now_ms,
			       cJSON **created, char *why, size_t why_cap)
{
	cJSON *task = NULL;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(&scope, fixtures_create_task(store, scope.ns, spec, now_ms,
								      &task, why, why_cap));
	return hand_over(status, task, created);
}

static store_status fail_locked(task_store *store, const char *ns, const char *task_name,
				const char *message, int64_t now_ms, cJSON **out)
{
	task_row row;
	int found = rows_load(store, ns, task_name, &row);
	if (found <= 0)
		return found == 0 ? STORE_NOT_FOUND : STORE_FAILED;
	task_state from = row.state;
	row.state = TASK_ABNORMAL;
	if (sim_on_change(store, ns, &row, from, now_ms) < 0) {
		task_row_free(&row);
		return STORE_FAILED;
	}
	free(row.last_error);
	row.last_error = strdup(message);
	row.updated_at = now_ms;
	store_status status = row.last_error && rows_save(store, ns, task_name, &row) == 0
				      ? STORE_OK
				      : STORE_FAILED;
	if (status == STORE_OK) {
		*out = rows_to_json(store, &row);
		if (!*out)
			status = STORE_FAILED;
	}
	task_row_free(&row);
	return status;
}

store_status store_fail_task(task_store *store, const char *ns, const char *task_name,
			     const char *message, int64_t now_ms, cJSON **task)
{
	cJSON *written = NULL;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(
			&scope, fail_locked(store, scope.ns, task_name, message, now_ms, &written));
	return hand_over(status, written, task);
}

store_status store_reset(task_store *store, const char *ns, const char *fixtures, size_t len,
			 int64_t now_ms, char *why, size_t why_cap)
{
	namespace_scope scope;
	/* a reset loads its own fixtures: a new namespace need not be seeded first */
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE_UNSEEDED);
	if (status == STORE_OK) {
		const char *text = fixtures ? fixtures : store->fixtures;
		size_t text_len = fixtures ? len : store->fixtures_len;
		status = STORE_FAILED;
		if (namespace_wipe(store, scope.ns, false) == 0)
			status = fixtures_load(store, scope.ns, text, text_len, now_ms, why,
					       why_cap);
		status = namespace_leave(&scope, status);
	}
	if (status == STORE_FAILED && why && why_cap && !why[0])
		text_fail(why, why_cap, "storage failure: %s", sqlite3_errmsg(store->db));
	return status;
}

/* The journal's bounds hold for readers too, exactly, not only from the
 * next write. A purge that fails only because another process holds the
 * write lock is skipped rather than failing the read (the next write or
 * read purges). */
static int purge_for_read(task_store *store, const char *ns, int64_t now_ms)
{
	if (audit_purge(store, ns, now_ms, true) == 0)
		return 0;
	return (sqlite3_errcode(store->db) & 0xff) == SQLITE_BUSY ? 0 : -1;
}

store_status store_journal(task_store *store, const char *ns, const store_journal_filter *filter,
			   int64_t now_ms, cJSON **out)
{
	cJSON *entries = NULL;
	deliveries_flush(store); /* a reader sees every mark known so far */
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK) {
		status = purge_for_read(store, scope.ns, now_ms) == 0
				 ? audit_list(store, scope.ns, filter, &entries)
				 : STORE_FAILED;
		status = namespace_leave(&scope, status);
	}
	return hand_over(status, entries, out);
}

store_status store_journal_count(task_store *store, const char *ns,
				 const store_journal_filter *filter, int64_t now_ms, int64_t *count)
{
	int64_t number = 0;
	deliveries_flush(store); /* a reader sees every mark known so far */
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK) {
		status = purge_for_read(store, scope.ns, now_ms) == 0
				 ? audit_count(store, scope.ns, filter, &number)
				 : STORE_FAILED;
		status = namespace_leave(&scope, status);
	}
	*count = status == STORE_OK ? number : 0;
	return status;
}

/* Queued for the writer's next batch (deliveries.c), not written in a
 * transaction of its own per request. Not through namespace_enter: a
 * namespace deleted since the request must not be created again by its
 * delivery's mark (the entry is gone with it, and the mark with it). */
store_status store_journal_delivered(task_store *store, const char *ns, int64_t journal_id,
				     bool delivered, const char *sent_json)
{
	const char *name = ns ? ns : STORE_DEFAULT_NAMESPACE;
	if (deliveries_push(store, name, journal_id, delivered, sent_json))
		return STORE_OK;
	/* the queue is full: write it out, then queue this one */
	if (deliveries_flush(store) < 0 ||
	    !deliveries_push(store, name, journal_id, delivered, sent_json))
		return STORE_FAILED;
	return STORE_OK;
}

store_status store_journal_clear(task_store *store, const char *ns, int64_t now_ms)
{
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(&scope, audit_clear(store, scope.ns) == 0 ? STORE_OK
										   : STORE_FAILED);
	return status;
}

store_status store_simulation_get(task_store *store, const char *ns, int64_t now_ms, cJSON **out)
{
	cJSON *settings = NULL;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_READ);
	if (status == STORE_OK) {
		settings = sim_settings_json(store, scope.ns);
		status = namespace_leave(&scope, settings ? STORE_OK : STORE_FAILED);
	}
	return hand_over(status, settings, out);
}

store_status store_simulation_put(task_store *store, const char *ns, const cJSON *body,
				  int64_t now_ms, cJSON **out, char *why, size_t why_cap)
{
	cJSON *settings = NULL;
	namespace_scope scope;
	store_status status = namespace_enter(&scope, store, ns, now_ms, NAMESPACE_WRITE);
	if (status == STORE_OK)
		status = namespace_leave(&scope, sim_settings_change(store, scope.ns, body, now_ms,
								     &settings, why, why_cap));
	return hand_over(status, settings, out);
}
