/*
 * integrity.h — whether the database file a store writes to is still the
 * one a restart will open.
 *
 * A database file deleted (or replaced) while the daemon runs still takes
 * writes through the open descriptor, and every one of them is lost at the
 * next start. The store asks store_file_check before each commit that
 * wrote something, and refuses to acknowledge such a write.
 */
#ifndef CONNECTOR_MOCK_STORE_INTEGRITY_H
#define CONNECTOR_MOCK_STORE_INTEGRITY_H

#include <stddef.h>

struct task_store;

/*
 * Returns 0 when the main database file is still at its path (always for
 * an in-memory database), or -1 with a sentence in `why` (may be NULL with
 * `why_cap` 0) when it was deleted, renamed or replaced. One stat() call;
 * the caller holds the store's lock.
 */
int store_file_check(struct task_store *store, char *why, size_t why_cap);

#endif
