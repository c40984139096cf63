/*
 * audit.c — the operation audit log (the journal) of the OMS routes.
 *
 * One record per request to an OMS route, written inside the same
 * transaction as the operation it describes (or alone, for a refusal).
 * Records older than operation_audit_log.retention_time (by the namespace's
 * clock), and the oldest past journal.max_entries, are removed after each
 * batch that wrote to the namespace's journal and before each read of it,
 * in the same transaction, so that no timer thread is needed. Calls only
 * db.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "text.h"

int audit_purge(task_store *store, const char *ns, int64_t now_ms, bool exact)
{
	STORE_ASSERT_WRITING(store);
	int64_t retention = store->options.audit_retention_ms;
	if (retention > 0) {
		sqlite3_stmt *statement = db_statement(store, STMT_JOURNAL_PURGE, ns);
		sqlite3_bind_int64(statement, 1, now_ms - retention);
		int rc = sqlite3_step(statement);
		sqlite3_reset(statement);
		if (rc != SQLITE_DONE)
			return -1;
	}
	int64_t max_entries = store->options.journal_max_entries;
	if (max_entries > 0) {
		/* keep the newest max_entries (with the slack of a write) */
		sqlite3_stmt *statement = db_statement(store, STMT_JOURNAL_TRIM, ns);
		sqlite3_bind_int64(statement, 1, max_entries);
		sqlite3_bind_int64(statement, 2, exact ? 0 : max_entries / 64);
		int rc = sqlite3_step(statement);
		sqlite3_reset(statement);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int audit_insert(task_store *store, const char *ns, const audit_record *record)
{
	STORE_ASSERT_WRITING(store);
	sqlite3_stmt *statement = db_statement(store, STMT_JOURNAL_INSERT, ns);
	sqlite3_bind_int64(statement, 1, record->now_ms);
	db_bind_text(statement, 2, record->client);
	sqlite3_bind_text(statement, 3, record->op, -1, SQLITE_STATIC);
	db_bind_text(statement, 4, record->task_name);
	sqlite3_bind_text(statement, 5, record->params_json, -1, SQLITE_STATIC);
	if (record->body && record->body_len)
		sqlite3_bind_blob64(statement, 6, record->body, record->body_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(statement, 6);
	sqlite3_bind_int(statement, 7, record->http_status);
	sqlite3_bind_int(statement, 8, record->is_success);
	db_bind_text(statement, 9, record->err_code);
	db_bind_text(statement, 10, record->from_state);
	db_bind_text(statement, 11, record->to_state);
	db_bind_text(statement, 12, record->new_task_name);
	db_bind_text(statement, 13, record->injected);
	if (record->fault_id > 0)
		sqlite3_bind_int64(statement, 14, record->fault_id);
	else
		sqlite3_bind_null(statement, 14);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	/* id 0: the namespace is missing (STMT_JOURNAL_INSERT) */
	int64_t id = sqlite3_last_insert_rowid(store->db);
	if (rc != SQLITE_DONE || id == 0)
		return -1;
	if (record->id_out)
		*record->id_out = id;
	return 0;
}

int audit_set_delivered(task_store *store, const char *ns, int64_t id, bool delivered,
			const char *sent_json)
{
	STORE_ASSERT_WRITING(store);
	sqlite3_stmt *statement = db_statement(store, STMT_JOURNAL_DELIVERED, ns);
	sqlite3_bind_int(statement, 1, delivered);
	db_bind_text(statement, 2, sent_json);
	sqlite3_bind_int64(statement, 3, id);
	int rc = sqlite3_step(statement);
	sqlite3_reset(statement);
	return rc == SQLITE_DONE && sqlite3_changes(store->db) == 1 ? 0 : -1;
}

static void add_text_column(cJSON *entry, const char *key, sqlite3_stmt *statement, int column)
{
	const char *text = (const char *)sqlite3_column_text(statement, column);
	if (text)
		cJSON_AddStringToObject(entry, key, text);
	else
		cJSON_AddNullToObject(entry, key);
}

/* A body that is not UTF-8 text is shown with U+FFFD for each bad byte. */
static void add_body(cJSON *entry, sqlite3_stmt *statement, int column)
{
	const char *body = sqlite3_column_blob(statement, column);
	size_t len = (size_t)sqlite3_column_bytes(statement, column);
	if (!body) {
		cJSON_AddNullToObject(entry, "body");
		return;
	}
	textbuf text;
	textbuf_init(&text, len * 3 + 1);
	size_t i = 0;
	while (i < len) {
		size_t n = 1;
		while (n <= 4 && i + n <= len && !text_utf8_valid(body + i, n))
			n++;
		if (n <= 4 && i + n <= len && body[i] != '\0') {
			textbuf_append(&text, body + i, n);
			i += n;
		} else {
			textbuf_puts(&text, "\xEF\xBF\xBD");
			i++;
		}
	}
	cJSON_AddStringToObject(entry, "body", textbuf_str(&text));
	textbuf_free(&text);
}

static cJSON *entry_from_statement(sqlite3_stmt *statement)
{
	cJSON *entry = cJSON_CreateObject();
	cJSON_AddNumberToObject(entry, "id", (double)sqlite3_column_int64(statement, 0));
	cJSON_AddNumberToObject(entry, "time", (double)sqlite3_column_int64(statement, 1));
	add_text_column(entry, "client", statement, 2);
	add_text_column(entry, "op", statement, 3);
	add_text_column(entry, "taskName", statement, 4);
	const char *params = (const char *)sqlite3_column_text(statement, 5);
	cJSON *parsed = params ? cJSON_Parse(params) : NULL;
	cJSON_AddItemToObject(entry, "params", parsed ? parsed : cJSON_CreateObject());
	add_body(entry, statement, 6);
	cJSON_AddNumberToObject(entry, "httpStatus", sqlite3_column_int(statement, 7));
	cJSON_AddBoolToObject(entry, "isSuccess", sqlite3_column_int(statement, 8));
	add_text_column(entry, "errCode", statement, 9);
	add_text_column(entry, "fromState", statement, 10);
	add_text_column(entry, "toState", statement, 11);
	add_text_column(entry, "newTaskName", statement, 12);
	add_text_column(entry, "injected", statement, 13);
	/* null until the answer is out (and for entries older than the column) */
	if (sqlite3_column_type(statement, 14) == SQLITE_NULL)
		cJSON_AddNullToObject(entry, "delivered");
	else
		cJSON_AddBoolToObject(entry, "delivered", sqlite3_column_int(statement, 14));
	const char *sent = (const char *)sqlite3_column_text(statement, 15);
	cJSON *sent_json = sent ? cJSON_Parse(sent) : NULL;
	cJSON_AddItemToObject(entry, "sent", sent_json ? sent_json : cJSON_CreateNull());
	if (sqlite3_column_type(statement, 16) == SQLITE_NULL)
		cJSON_AddNullToObject(entry, "faultId");
	else
		cJSON_AddNumberToObject(entry, "faultId",
					(double)sqlite3_column_int64(statement, 16));
	return entry;
}

static void bind_filter(sqlite3_stmt *statement, const store_journal_filter *filter)
{
	db_bind_text(statement, 1, filter->task_name);
	db_bind_text(statement, 2, filter->op);
	if (filter->success >= 0)
		sqlite3_bind_int(statement, 4, filter->success);
	db_bind_text(statement, 5, filter->err_code);
	if (filter->has_since)
		sqlite3_bind_int64(statement, 6, filter->since_ms);
	if (filter->has_until)
		sqlite3_bind_int64(statement, 7, filter->until_ms);
	if (filter->has_after_id)
		sqlite3_bind_int64(statement, 8, filter->after_id);
	if (filter->has_delivered)
		sqlite3_bind_int(statement, 9, filter->delivered);
}

store_status audit_list(task_store *store, const char *ns, const store_journal_filter *filter,
			cJSON **out)
{
	*out = cJSON_CreateArray();
	if (!*out)
		return STORE_FAILED;
	int64_t limit = filter->limit > 0 ? filter->limit : STORE_JOURNAL_DEFAULT_LIMIT;
	if (limit > STORE_JOURNAL_MAX_LIMIT)
		limit = STORE_JOURNAL_MAX_LIMIT;
	sqlite3_stmt *statement = db_statement(
		store, filter->has_after_id ? STMT_JOURNAL_AFTER : STMT_JOURNAL_LIST, ns);
	bind_filter(statement, filter);
	sqlite3_bind_int64(statement, 3, limit);
	int rc;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW)
		cJSON_AddItemToArray(*out, entry_from_statement(statement));
	sqlite3_reset(statement);
	return rc == SQLITE_DONE ? STORE_OK : STORE_FAILED;
}

store_status audit_count(task_store *store, const char *ns, const store_journal_filter *filter,
			 int64_t *count)
{
	sqlite3_stmt *statement = db_statement(store, STMT_JOURNAL_COUNT, ns);
	bind_filter(statement, filter);
	int rc = sqlite3_step(statement);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
	sqlite3_reset(statement);
	return rc == SQLITE_ROW ? STORE_OK : STORE_FAILED;
}

int audit_clear(task_store *store, const char *ns)
{
	STORE_ASSERT_WRITING(store);
	return db_run(db_statement(store, STMT_WIPE_JOURNAL, ns));
}
