/*
 * integrity.c — is the database file still where a restart will find it?
 * (see integrity.h)
 */
#include "integrity.h"

#include <sqlite3.h>

#include "store_internal.h"
#include "text.h"

int store_file_check(struct task_store *store, char *why, size_t why_cap)
{
	int moved = 0;
	/* SQLite's unix VFS answers by a stat() of the path against the open
	 * file's inode; an in-memory database answers SQLITE_NOTFOUND */
	if (sqlite3_file_control(store->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK ||
	    !moved)
		return 0;
	const char *path = sqlite3_db_filename(store->db, "main");
	if (why && why_cap)
		text_fail(why, why_cap,
			  "the database file %s was deleted or replaced while connector-mock ran: "
			  "nothing more can be written that would survive a restart; restart "
			  "connector-mock",
			  path ? path : "?");
	return -1;
}
