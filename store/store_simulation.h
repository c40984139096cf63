/*
 * store_simulation.h — the simulation's settings per namespace, and the
 * store's commit notifications (what the server's waiters wake on).
 *
 * Each namespace has its settings (simulation.h) in the database, written
 * when the namespace is seeded: from its fixtures' "simulation" object laid
 * over the defaults given here, or the defaults alone. Every function of
 * store.h that names a namespace first applies, in virtual-time order, the
 * simulated transitions due at its `now_ms` (journaled with op "simulate"),
 * so every read and every operation sees the namespace at its clock.
 */
#ifndef CONNECTOR_MOCK_STORE_SIMULATION_H
#define CONNECTOR_MOCK_STORE_SIMULATION_H

#include "simulation.h"
#include "store.h"

/* The settings of every namespace seeded from now on (fixtures may override
 * them field by field). Call before the store is shared between threads. */
void store_simulation_set_defaults(task_store *store, const sim_settings *defaults);

/* The namespace's settings as JSON (sim_settings_to_json); for one that
 * does not exist, those it would be created with (creating nothing).
 * STORE_OK with `*out` (the caller frees it), or STORE_FAILED. */
store_status store_simulation_get(task_store *store, const char *ns, int64_t now_ms, cJSON **out);

/*
 * Lays the fields of `body` over the namespace's settings (a field absent
 * keeps its value). The world is first advanced to `now_ms` under the old
 * settings; then every RUNNING task keeps what it has reached and moves on
 * from there under the new ones (turning the simulation off leaves each
 * where it is). STORE_OK with the new settings in `*out` (when not NULL),
 * STORE_INVALID with a sentence in `why` (nothing changed), or STORE_FAILED.
 */
store_status store_simulation_put(task_store *store, const char *ns, const cJSON *body,
				  int64_t now_ms, cJSON **out, char *why, size_t why_cap);

/*
 * `hook(ctx)` is called after every COMMIT that changed the database (an
 * operation, a journal entry, a simulated transition, a control API write),
 * on the committing thread, with the store's lock held: it must be quick
 * and must not call the store. NULL removes it. Call before the store is
 * shared between threads.
 */
void store_set_commit_hook(task_store *store, void (*hook)(void *ctx), void *ctx);

#endif
