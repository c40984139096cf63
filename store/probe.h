/*
 * probe.h — whether the store can still write, for a readiness check.
 */
#ifndef CONNECTOR_MOCK_PROBE_H
#define CONNECTOR_MOCK_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/*
 * Takes the store's write lock (BEGIN IMMEDIATE) and gives it back
 * (ROLLBACK): nothing is written. Returns true when the database is open
 * read-write and the lock was granted within the busy timeout; false with a
 * sentence in `why` otherwise.
 */
bool store_probe_writable(task_store *store, char *why, size_t why_cap);

#endif
