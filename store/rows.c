/*
 * rows.c — task rows and their configs: read, insert, save, delete, and
 * the JSON the control API shows.
 *
 * A task's config is a row of its own in `configs`, named by the task's
 * config_id, and is read only when an operation needs it. Calls db.c and
 * tombstones.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

void task_row_free(task_row *row)
{
	cJSON_Delete(row->config);
	free(row->config_text);
	free(row->last_error);
	row->config = NULL;
	row->config_text = NULL;
	row->last_error = NULL;
}

int rows_read_config_text(task_store *store, task_row *row)
{
	sqlite3_stmt *statement = db_statement(store, STMT_CONFIG_GET, NULL);
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
	if (!row->config_text && rows_read_config_text(store, row) < 0)
		return NULL;
	row->config = cJSON_Parse(row->config_text);
	return row->config;
}

/* The motion's columns (store_internal.h), from column `first`. */
static void read_motion(sqlite3_stmt *statement, int first, task_row *row)
{
	row->moving = sqlite3_column_type(statement, first) != SQLITE_NULL;
	row->motion.since_ms = sqlite3_column_int64(statement, first);
	row->motion.progress = sqlite3_column_double(statement, first + 1);
	row->motion.position_ms = sqlite3_column_int64(statement, first + 2);
	row->has_next = sqlite3_column_type(statement, first + 3) != SQLITE_NULL;
	row->next_ms = sqlite3_column_int64(statement, first + 3);
}

void rows_bind_motion(sqlite3_stmt *statement, int first, const task_row *row)
{
	if (!row->moving) {
		for (int i = 0; i < MOTION_COLUMN_COUNT; i++)
			sqlite3_bind_null(statement, first + i);
		return;
	}
	sqlite3_bind_int64(statement, first, row->motion.since_ms);
	sqlite3_bind_double(statement, first + 1, row->motion.progress);
	sqlite3_bind_int64(statement, first + 2, row->motion.position_ms);
	if (row->has_next)
		sqlite3_bind_int64(statement, first + 3, row->next_ms);
	else
		sqlite3_bind_null(statement, first + 3);
}

int rows_from_statement(sqlite3_stmt *statement, task_row *row)
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
	read_motion(statement, 8, row);
	int config_column = 8 + MOTION_COLUMN_COUNT;
	if (sqlite3_column_count(statement) > config_column) {
		const char *config = (const char *)sqlite3_column_text(statement, config_column);
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

int rows_load(task_store *store, const char *ns, const char *name, task_row *row)
{
	/* freed below on every failure, also when no row was read */
	memset(row, 0, sizeof *row);
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_GET, ns);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	int result;
	if (rc == SQLITE_ROW)
		result = rows_from_statement(statement, row) == 0 ? 1 : -1;
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
	sqlite3_stmt *statement =
		db_statement(store, row->config_id ? STMT_CONFIG_UPDATE : STMT_CONFIG_INSERT, NULL);
	if (row->config_id) {
		sqlite3_bind_int64(statement, 1, row->config_id);
		sqlite3_bind_text(statement, 2, row->config_text, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(statement, 1, row->config_text, -1, SQLITE_STATIC);
	}
	if (db_run(statement) < 0 || sqlite3_changes(store->db) != 1)
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
	db_bind_text(statement, first + 2, row->last_error);
}

int rows_insert(task_store *store, const char *ns, task_row *row)
{
	STORE_ASSERT_WRITING(store);
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	row->config_id = 0; /* a new task: its config gets a row of its own */
	if (save_config(store, row) < 0)
		return -1;
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_INSERT, ns);
	sqlite3_bind_text(statement, 1, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, identity, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 3, row->parsed.type, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 4, task_state_name(row->state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 5, row->config_id);
	bind_optional_fields(statement, 6, row);
	sqlite3_bind_int64(statement, 9, row->created_at);
	sqlite3_bind_int64(statement, 10, row->updated_at);
	if (db_run(statement) < 0 || tombstones_clear(store, ns, row->name, identity) < 0)
		return -1;
	return tombstones_raise_sequence(store, ns, identity, row->parsed.seq, 0);
}

int rows_save(task_store *store, const char *ns, const char *old_name, task_row *row)
{
	STORE_ASSERT_WRITING(store);
	if (row->config_changed && save_config(store, row) < 0)
		return -1;
	bool moved = strcmp(old_name, row->name) != 0;
	sqlite3_stmt *statement =
		db_statement(store, moved ? STMT_TASK_MOVE : STMT_TASK_UPDATE, ns);
	sqlite3_bind_text(statement, 1, old_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, task_state_name(row->state), -1, SQLITE_STATIC);
	bind_optional_fields(statement, 3, row);
	sqlite3_bind_int64(statement, 6, row->updated_at);
	rows_bind_motion(statement, 8, row);
	if (moved)
		sqlite3_bind_text(statement, 7, row->name, -1, SQLITE_STATIC);
	return db_run(statement) == 0 && sqlite3_changes(store->db) == 1 ? 0 : -1;
}

cJSON *rows_to_json(task_store *store, task_row *row)
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
	if (row->has_lag)
		cJSON_AddNumberToObject(task, "lagSeconds", row->lag_seconds);
	else
		cJSON_AddNullToObject(task, "lagSeconds");
	if (row->last_error)
		cJSON_AddStringToObject(task, "lastError", row->last_error);
	else
		cJSON_AddNullToObject(task, "lastError");
	cJSON_AddNumberToObject(task, "createdAt", (double)row->created_at);
	cJSON_AddNumberToObject(task, "updatedAt", (double)row->updated_at);
	return task;
}

int rows_delete(task_store *store, const char *ns, const task_row *row)
{
	STORE_ASSERT_WRITING(store);
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_DELETE, ns);
	sqlite3_bind_text(statement, 1, row->name, -1, SQLITE_STATIC);
	if (db_run(statement) < 0)
		return -1;
	statement = db_statement(store, STMT_CONFIG_DELETE, NULL);
	sqlite3_bind_int64(statement, 1, row->config_id);
	return db_run(statement);
}

int rows_identity_taken(task_store *store, const char *ns, const task_row *row)
{
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	sqlite3_stmt *statement = db_statement(store, STMT_TASK_BY_IDENTITY, ns);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}
