/*
 * tombstones.c — what the store remembers of names that are gone, and the
 * sequences that keep a SEQ from being issued twice.
 *
 * Tombstones are a log per namespace, appended in the order they are
 * written: each links to the previous tombstone of the same identity, and
 * the identity's row of `sequences` names its newest. A name has at most
 * one tombstone; a name that lives again loses it. Calls only db.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

int tombstones_raise_sequence(task_store *store, const char *ns, const char *identity, uint64_t seq,
			      sqlite3_int64 tombstone_id)
{
	STORE_ASSERT_WRITING(store);
	sqlite3_stmt *statement = db_statement(store, STMT_SEQ_PUT, ns);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 2, (sqlite3_int64)seq);
	if (tombstone_id)
		sqlite3_bind_int64(statement, 3, tombstone_id);
	return db_run(statement);
}

/* One write of the sequence's row both links the tombstone and raises the
 * sequence. */
int tombstones_put(task_store *store, const char *ns, const char *name, const char *identity,
		   uint64_t seq, const char *reason, const char *migrated_to, int64_t now_ms)
{
	STORE_ASSERT_WRITING(store);
	sqlite3_stmt *statement = db_statement(store, STMT_TOMB_PUT, ns);
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(statement, 2, reason, -1, SQLITE_STATIC);
	db_bind_text(statement, 3, migrated_to);
	sqlite3_bind_int64(statement, 4, now_ms);
	sqlite3_bind_text(statement, 5, identity, -1, SQLITE_STATIC);
	if (db_run(statement) < 0)
		return -1;
	sqlite3_int64 id = sqlite3_last_insert_rowid(store->db);
	if (id <= 0)
		return -1; /* no namespace: no range of ids */
	return tombstones_raise_sequence(store, ns, identity, seq, id);
}

/* Reads tombstone `id` into `name` and `t` (id, prev, reason, migrated_to).
 * 1 read, 0 absent, -1 storage failure. */
static int read_tombstone(task_store *store, sqlite3_int64 id, char *name, size_t name_cap,
			  tombstone *t)
{
	sqlite3_stmt *statement = db_statement(store, STMT_TOMB_READ, NULL);
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
 * again loses it: tombstones_clear). 1 found (into `found`, which the caller
 * frees with free(found->newer)), 0 none, -1 storage failure.
 */
int tombstones_find(task_store *store, const char *ns, const char *name, const char *identity,
		    tombstone *found)
{
	*found = (tombstone){0};
	sqlite3_stmt *statement = db_statement(store, STMT_TOMB_NEWEST, ns);
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
int tombstones_chain_end(task_store *store, const tombstone *t, char *end, size_t end_cap)
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
int tombstones_clear(task_store *store, const char *ns, const char *name, const char *identity)
{
	STORE_ASSERT_WRITING(store);
	tombstone t;
	int rc = tombstones_find(store, ns, name, identity, &t);
	if (rc <= 0)
		return rc;
	sqlite3_stmt *statement = db_statement(store, STMT_TOMB_DELETE, NULL);
	sqlite3_bind_int64(statement, 1, t.id);
	rc = db_run(statement);
	if (rc == 0 && t.newer_count > 0) { /* the next newer one skips it */
		statement = db_statement(store, STMT_TOMB_RELINK, NULL);
		sqlite3_bind_int64(statement, 1, t.newer[t.newer_count - 1]);
		if (t.prev > 0)
			sqlite3_bind_int64(statement, 2, t.prev);
		rc = db_run(statement);
	} else if (rc == 0) { /* it was the newest */
		statement = db_statement(store, STMT_TOMB_SET_NEWEST, ns);
		sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
		if (t.prev > 0)
			sqlite3_bind_int64(statement, 2, t.prev);
		rc = db_run(statement);
	}
	free(t.newer);
	return rc;
}

int tombstones_next_name(task_store *store, const char *ns, const taskname *parsed,
			 const char *new_host, taskname *moved, char *moved_name, size_t name_cap)
{
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(parsed, identity, sizeof identity);
	sqlite3_stmt *statement = db_statement(store, STMT_SEQ_GET, ns);
	sqlite3_bind_text(statement, 1, identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(statement);
	uint64_t highest = parsed->seq;
	if (rc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(statement, 0) > highest)
		highest = (uint64_t)sqlite3_column_int64(statement, 0);
	sqlite3_reset(statement);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (highest >= TASKNAME_SEQ_MAX)
		return -2;
	*moved = *parsed;
	if (new_host)
		snprintf(moved->host, sizeof moved->host, "%s", new_host);
	moved->seq = highest + 1;
	taskname_format(moved, moved_name, name_cap);
	return 0;
}
