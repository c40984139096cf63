/*
 * probe.c — the readiness probe (see probe.h): a write transaction opened
 * and rolled back under the store's lock, so that it never meets a request's
 * transaction on the shared connection.
 */
#include "probe.h"

#include <sqlite3.h>

#include "store_internal.h"
#include "text.h"

bool store_probe_writable(task_store *store, char *why, size_t why_cap)
{
	db_lock(&store->lock);
	bool writable = false;
	if (sqlite3_db_readonly(store->db, "main") == 1)
		text_fail(why, why_cap, "the database is open read-only");
	else if (store_begin(store) < 0)
		text_fail(why, why_cap, "the database cannot start a write: %s",
			  sqlite3_errmsg(store->db));
	else {
		store_rollback(store);
		writable = true;
	}
	db_unlock(&store->lock);
	return writable;
}
