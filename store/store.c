/*
 * store.c — the store's small public door: open and close, the fixtures
 * text that seeds new namespaces, and store_execute (judge, then hand the
 * job to the writer).
 *
 * Invariants kept by the files below it (store_internal.h):
 *  - one connection, guarded by `store->lock`; every public function takes
 *    the lock for its whole length, so no two transactions interleave;
 *  - every write is inside BEGIN IMMEDIATE ... COMMIT; a failure rolls back;
 *  - the answer is returned only after COMMIT succeeded;
 *  - SQL gets values only through bound parameters.
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_simulation.h"
#include "text.h"

/* writer_ops.run_batch: the writer sees the store only through this. */
static void run_batch(void *context, store_job **jobs, size_t count)
{
	store_run_batch_locked(context, jobs, count);
}

int store_open(const store_options *options, task_store **out, bool *created, char *why,
	       size_t why_cap)
{
	*out = NULL;
	*created = false;
	task_store *s = calloc(1, sizeof *s);
	if (!s) {
		text_fail(why, why_cap, "out of memory");
		return -1;
	}
	s->options = *options;
	s->options.path = NULL; /* not kept: the caller owns the string */
	bool in_memory = strcmp(options->path, ":memory:") == 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(options->path, &s->db, flags, NULL) != SQLITE_OK) {
		text_fail(why, why_cap, "cannot open %s: %s", options->path,
			  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, options->busy_timeout_ms);
	if (schema_apply_pragmas(s->db, options, in_memory) < 0) {
		text_fail(why, why_cap, "cannot configure %s: %s", options->path,
			  sqlite3_errmsg(s->db));
		goto fail;
	}
	if (schema_migrate(s->db, created, why, why_cap) < 0 || db_prepare(s, why, why_cap) < 0 ||
	    sim_open(s, why, why_cap) < 0)
		goto fail;
	if (deliveries_create(s) < 0) {
		text_fail(why, why_cap, "out of memory");
		goto fail;
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		text_fail(why, why_cap, "cannot create the store's mutex");
		goto fail;
	}
	writer_config writer = {
		.db = s->db,
		.lock = &s->lock,
		.path = options->path,
		.durability = options->durability,
		.busy_timeout_ms = options->busy_timeout_ms,
		.checkpoint_frames = options->checkpoint_frames,
		.ops = {.run_batch = run_batch, .context = s},
	};
	if (writer_start(&writer, &s->writer, why, why_cap) < 0) {
		pthread_mutex_destroy(&s->lock);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	deliveries_destroy(s);
	sim_close(s);
	db_finalize(s);
	sqlite3_close(s->db);
	free(s);
	return -1;
}

void store_close(task_store *s)
{
	if (!s)
		return;
	writer_stop(s->writer);
	deliveries_flush(s); /* the last marks, before the connection closes */
	deliveries_destroy(s);
	free(s->fixtures);
	sim_close(s);
	db_finalize(s);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void store_set_commit_hook(task_store *store, void (*hook)(void *ctx), void *ctx)
{
	store->commit_hook = hook;
	store->commit_hook_ctx = ctx;
}

int store_set_fixtures(task_store *store, const char *fixtures, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, fixtures, len);
	copy[len] = '\0';
	db_lock(&store->lock);
	free(store->fixtures);
	store->fixtures = copy;
	store->fixtures_len = len;
	db_unlock(&store->lock);
	return 0;
}

void store_execute(task_store *store, const store_request *request, store_outcome *outcome)
{
	store_job job = {.request = request, .outcome = outcome};
	store_judge(&job); /* needs no lock: done before queueing */
	writer_submit(store->writer, &job);
}

void store_batch_stats_get(task_store *store, store_batch_stats *stats)
{
	writer_stats(store->writer, stats);
}
