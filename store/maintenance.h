/*
 * maintenance.h — maintenance a caller drives explicitly, instead of
 * waiting for the background checkpointer (writer.c): tests that assert
 * what a checkpoint does, and tools.
 */
#ifndef CONNECTOR_MOCK_STORE_MAINTENANCE_H
#define CONNECTOR_MOCK_STORE_MAINTENANCE_H

#include "store.h"

/*
 * Copies the whole WAL into the database file and restarts it, so that the
 * next commit writes from the WAL's beginning (SQLITE_CHECKPOINT_RESTART
 * on the store's connection, under its lock: no batch runs meanwhile).
 * Retries while the checkpointer's own pass holds SQLite's checkpoint lock,
 * for at most `timeout_ms`. Returns 0, or -1 when it could not (and the
 * store is unchanged). An in-memory store has no WAL: 0.
 */
int store_checkpoint_now(task_store *store, int timeout_ms);

#endif
