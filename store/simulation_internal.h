/*
 * simulation_internal.h — the hooks by which the store keeps the
 * simulation (simulation_store.c). Only files of store/ include it.
 *
 * Kept true: a task's motion columns (its motion base and the time of its
 * next transition, in its row of `tasks`) are set exactly when it is
 * RUNNING in a namespace whose simulation is on. Every function expects the store's lock held and,
 * where it writes, an open transaction, in the namespace of `store->ns`.
 * Functions returning int answer 0, or -1 on a storage failure (the caller
 * rolls back).
 */
#ifndef CONNECTOR_MOCK_SIMULATION_INTERNAL_H
#define CONNECTOR_MOCK_SIMULATION_INTERNAL_H

#include "store_internal.h"

/* Schema version 6: the table `simulation`, the motion columns of `tasks`
 * and their index `tasks_next`. */
extern const char sim_schema_v6[];

/* The motion's columns of `tasks`, as the store's task statements read
 * them (after its own columns) and write them (?8 to ?11). */
#define SIM_COLUMNS "since_ms, base_progress, base_position_ms, next_ms"
#define SIM_SET_COLUMNS "since_ms = ?8, base_progress = ?9, base_position_ms = ?10, next_ms = ?11"
enum { SIM_COLUMN_COUNT = 4 };

/* Reads the motion's columns from column `first` of a row into `row`. */
void sim_motion_from_columns(sqlite3_stmt *statement, int first, task_row *row);

/* Binds the row's motion to parameters `first` .. `first` + 3. */
void sim_motion_bind(sqlite3_stmt *statement, int first, const task_row *row);

/* store_open / store_close: statements and the cache. */
int sim_store_open(task_store *store, char *why, size_t why_cap);
void sim_store_close(task_store *store);

/* store_rollback: what the cache knew may be gone. */
void sim_forget(task_store *store);

/* store_commit, after a successful COMMIT: notify the commit hook. */
void sim_after_commit(task_store *store);

/* Before a read or an operation at `now_ms`: applies and journals each
 * transition due at or before it, in virtual-time order. Costs one
 * comparison when the simulation is off or nothing is due. */
int sim_advance_locked(task_store *store, int64_t now_ms);

/* When an operation moved a task from `from` to `row->state` at `now_ms`
 * (row not yet saved): leaving RUNNING writes what it reached into the row
 * and ends its motion; entering RUNNING starts a motion from the row. Only
 * the row changes: the caller's save writes it. */
int sim_on_change_locked(task_store *store, task_row *row, task_state from, int64_t now_ms);

/* After a new task's row was inserted (fixtures, control API). */
int sim_on_insert_locked(task_store *store, const task_row *row);

/* Before a task is shown at `now_ms`, when the simulation is on: its
 * progress and checkpoint there, and an Incr-Sync's lag (row->has_lag,
 * row->lag_seconds). With the simulation off the row stays as stored and
 * has no lag. */
int sim_view_locked(task_store *store, task_row *row, int64_t now_ms);

/* A wipe of the namespace's tasks; with `everything` its settings go too. */
int sim_wipe_locked(task_store *store, bool everything);

/* Seeding the namespace from fixtures (`root`, or NULL): writes its
 * settings. -1 when root's "simulation" is refused (`why` says why), -2 on
 * a storage failure. */
int sim_seed_locked(task_store *store, const cJSON *root, char *why, size_t why_cap);

/* Every RUNNING task takes what it has reached at `now_ms` as its new base
 * (a snapshot saves it); with `forget`, existing motions are dropped first
 * and the rows' values are the bases (a snapshot restored). */
int sim_rebase_all_locked(task_store *store, int64_t now_ms, bool forget);

#endif
