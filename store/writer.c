/*
 * writer.c — group commit on a writer thread, and the checkpointer.
 *
 * Many threads (one per HTTP connection) submit jobs; each queues its job
 * and sleeps. One writer thread takes everything queued, runs it as one
 * transaction (STORE_BATCH_MAX jobs at most) through writer_ops.run_batch
 * under the store's lock, commits, and wakes the batch's callers with one
 * futex call. Jobs queued meanwhile make the next batch, so one fsync
 * serves many operations. A thread of its own, rather than the first
 * caller leading the batch, keeps SQLite's deep stack and the store's
 * working set on one thread and answers each caller as soon as its batch
 * commits.
 *
 * Jobs are ticketed: the batch being collected has ticket T, the running
 * one T - 1, and a caller of ticket T sleeps on done[T % 2], so the wake of
 * the running batch does not disturb the callers of the next.
 *
 * With a file database, WAL checkpoints run on a second thread with its own
 * connection instead of inside a commit on the request path (where
 * SQLite's automatic checkpoint would put its copying and fsyncs). The
 * writer knows the store only through its writer_config: the connection,
 * the lock and run_batch.
 */
#define _GNU_SOURCE /* syscall, sync_file_range */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store_internal.h"

enum {
	CHECKPOINT_FRAMES = 10000, /* the default: a WAL of about 40 MiB */
	CATCH_UP_FRAMES = 64,	   /* left for the writer's own last pass */
	CATCH_UP_PASSES = 8,	   /* passes beside the batches, at most */
	TRICKLE_FRAMES = 256,	   /* a pass every 1 MiB of WAL */
};

/* The checkpointer's scheduler slice (Linux 6.12 and later; see
 * keep_slices_short). */
#define CHECKPOINTER_SLICE_NS 100000ULL

struct store_writer {
	sqlite3 *db;		     /* the store's connection */
	pthread_mutex_t *store_lock; /* the store's lock, around each batch */
	writer_ops ops;
	int checkpoint_frames; /* a commit past this many WAL frames starts a checkpoint */
	pthread_mutex_t lock;
	store_job *head, *tail; /* queued, not yet taken by the writer */
	unsigned ticket;	/* of the jobs queueing now */
	bool idle;		/* the writer sleeps on `queued` */
	atomic_uint queued;	/* futex word: bumped to wake the writer */
	pthread_t writer;
	atomic_uint done[2]; /* futex words: callers of ticket T sleep on done[T % 2] */
	bool stopping;
	/* the checkpointer: only for a file database. It never takes the
	 * store's lock; `checkpoint_lock` is taken by it and by on_wal_commit
	 * (inside a commit, under the store's lock) only. */
	bool has_checkpointer;
	pthread_t checkpointer;
	sqlite3 *checkpoint_db;
	pthread_mutex_t checkpoint_lock;
	pthread_cond_t checkpoint_wake;
	bool checkpointer_stopping;    /* under checkpoint_lock */
	atomic_bool checkpoint_wanted; /* the WAL passed checkpoint_frames */
	atomic_bool trickle_wanted;    /* TRICKLE_FRAMES were committed since the last pass */
	atomic_bool final_pass_wanted; /* the checkpointer caught up: the writer's turn */
	int database_fd;       /* durability full: the checkpointer's own, for writeback; else -1 */
	atomic_int wal_frames; /* the WAL's length after the last commit */
	atomic_int trickled_frames; /* the WAL's length at the last pass between checkpoints */
	/* store_batch_stats: transactions, operations and checkpoints written
	 * by the writer only, wal_syncs and writebacks by the checkpointer only */
	_Atomic uint64_t transactions, operations, checkpoints, wal_syncs, writebacks;
};

static void futex_wait(atomic_uint *word, unsigned seen)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake_one(atomic_uint *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void futex_wake_all(atomic_uint *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * The last pass of a checkpoint, run by the writer between two batches once
 * the checkpointer has copied all but a few frames (checkpoint()): with no
 * batch running, it reaches the WAL's end, and the next commit starts the
 * WAL over from its beginning. The caller holds the store's lock.
 */
static void finish_checkpoint(struct store_writer *w)
{
	if (!atomic_load_explicit(&w->final_pass_wanted, memory_order_acquire))
		return;
	sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	atomic_store_explicit(&w->final_pass_wanted, false, memory_order_release);
	atomic_fetch_add_explicit(&w->checkpoints, 1, memory_order_relaxed);
}

/*
 * Runs one ticket: every job queued (they all have the same ticket),
 * STORE_BATCH_MAX per transaction; then marks them finished and wakes their
 * callers with one call. After a job's `finished` store the writer no
 * longer touches it: its thread may return at once.
 */
static void run_ticket(struct store_writer *w, store_job *first, unsigned ticket)
{
	for (store_job *job = first; job;) {
		store_job *batch[STORE_BATCH_MAX];
		size_t count = 0;
		for (; job && count < STORE_BATCH_MAX; job = job->next)
			batch[count++] = job;
		db_lock(w->store_lock);
		finish_checkpoint(w);
		w->ops.run_batch(w->ops.context, batch, count);
		db_unlock(w->store_lock);
		atomic_fetch_add_explicit(&w->transactions, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&w->operations, count, memory_order_relaxed);
	}
	for (store_job *job = first; job;) {
		store_job *after = job->next;
		atomic_store_explicit(&job->finished, true, memory_order_release);
		job = after;
	}
	atomic_fetch_add_explicit(&w->done[ticket % 2], 1, memory_order_release);
	futex_wake_all(&w->done[ticket % 2]);
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping) {
			w->idle = true;
			unsigned seen = atomic_load_explicit(&w->queued, memory_order_acquire);
			pthread_mutex_unlock(&w->lock);
			futex_wait(&w->queued, seen);
			pthread_mutex_lock(&w->lock);
		}
		if (!w->head)
			break; /* stopping, and nothing queued */
		store_job *first = w->head;
		unsigned ticket = w->ticket++;
		w->head = w->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		run_ticket(w, first, ticket);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void writer_submit(struct store_writer *w, store_job *job)
{
	pthread_mutex_lock(&w->lock);
	job->ticket = w->ticket;
	job->next = NULL;
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	bool wake = w->idle;
	w->idle = false;
	pthread_mutex_unlock(&w->lock);
	if (wake) {
		atomic_fetch_add_explicit(&w->queued, 1, memory_order_release);
		futex_wake_one(&w->queued);
	}
	atomic_uint *done = &w->done[job->ticket % 2];
	for (;;) {
		unsigned seen = atomic_load_explicit(done, memory_order_acquire);
		if (atomic_load_explicit(&job->finished, memory_order_acquire))
			break;
		futex_wait(done, seen);
	}
}

void writer_stats(struct store_writer *w, store_batch_stats *stats)
{
	stats->transactions = atomic_load_explicit(&w->transactions, memory_order_relaxed);
	stats->operations = atomic_load_explicit(&w->operations, memory_order_relaxed);
	stats->checkpoints = atomic_load_explicit(&w->checkpoints, memory_order_relaxed);
	stats->wal_syncs = atomic_load_explicit(&w->wal_syncs, memory_order_relaxed);
	stats->database_writebacks = atomic_load_explicit(&w->writebacks, memory_order_relaxed);
}

/* Called by SQLite after each commit on the main connection, under the
 * store's lock (by the writer, or by a control API call). Asks the
 * checkpointer for a checkpoint when the WAL passed checkpoint_frames, and
 * for a pass (trickle) when TRICKLE_FRAMES were committed since the last
 * one. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	struct store_writer *w = arg;
	atomic_store_explicit(&w->wal_frames, pages, memory_order_relaxed);
	bool checkpoint = pages >= w->checkpoint_frames &&
			  !atomic_load_explicit(&w->checkpoint_wanted, memory_order_relaxed) &&
			  !atomic_load_explicit(&w->final_pass_wanted, memory_order_relaxed);
	int fresh = pages - atomic_load_explicit(&w->trickled_frames, memory_order_relaxed);
	if (fresh < 0)
		fresh = pages; /* the WAL started over since the last pass */
	bool trickle = fresh >= TRICKLE_FRAMES &&
		       !atomic_load_explicit(&w->trickle_wanted, memory_order_relaxed) &&
		       !atomic_load_explicit(&w->final_pass_wanted, memory_order_relaxed);
	if (checkpoint || trickle) {
		pthread_mutex_lock(&w->checkpoint_lock);
		if (checkpoint)
			atomic_store_explicit(&w->checkpoint_wanted, true, memory_order_relaxed);
		if (trickle)
			atomic_store_explicit(&w->trickle_wanted, true, memory_order_relaxed);
		pthread_cond_signal(&w->checkpoint_wake);
		pthread_mutex_unlock(&w->checkpoint_lock);
	}
	return SQLITE_OK;
}

/* Syncs the WAL through the checkpointer's own connection's handle of it;
 * false if there was no handle to sync. */
static bool flush_wal(struct store_writer *w)
{
	sqlite3_file *wal = NULL;
	if (sqlite3_file_control(w->checkpoint_db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) !=
		    SQLITE_OK ||
	    !wal || !wal->pMethods)
		return false;
	wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	return true;
}

/*
 * Between checkpoints, every TRICKLE_FRAMES committed frames: one PASSIVE
 * pass on this thread's connection, which syncs the WAL and copies the
 * frames committed so far into the database file (without syncing it:
 * SQLite syncs the database only in a pass that reaches the WAL's end). A
 * checkpoint then finds little left to copy, instead of the whole WAL in
 * one burst that stalls the requests. Should the pass fail, the WAL is
 * still synced, so that a checkpoint never syncs 40 MB at once.
 *
 * With durability full, each pass also starts the writeback of what it
 * copied (sync_file_range, no wait), so that the copied pages reach the
 * disk a little at a time between the commits' own syncs rather than all
 * at once in the writer's last pass.
 *
 * No pass runs while the writer's last pass of a checkpoint is due: one of
 * the two would find SQLite's checkpoint lock taken and do nothing.
 */
static void trickle(struct store_writer *w)
{
	int frames = atomic_load_explicit(&w->wal_frames, memory_order_relaxed);
	if (sqlite3_wal_checkpoint_v2(w->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
				      NULL) == SQLITE_OK ||
	    flush_wal(w))
		atomic_fetch_add_explicit(&w->wal_syncs, 1, memory_order_relaxed);
	if (w->database_fd >= 0 &&
	    sync_file_range(w->database_fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0)
		atomic_fetch_add_explicit(&w->writebacks, 1, memory_order_relaxed);
	atomic_store_explicit(&w->trickled_frames, frames, memory_order_relaxed);
}

/*
 * Copies the WAL into the database file so that the next commit starts the
 * WAL over from its beginning. PASSIVE passes run beside the batches, each
 * followed by a sync of the database file, until fewer than
 * CATCH_UP_FRAMES frames were committed since the last pass began; then the
 * writer runs a last pass between two batches (finish_checkpoint), which
 * reaches the WAL's end because no batch commits during it. Without that
 * last pass the checkpoint never catches up under load and the WAL grows
 * without end.
 *
 * The last pass holds every batch back, so it must find little to do:
 * hence the passes here sync what they copied one at a time (SQLite would
 * sync it only in the last pass), and the frames committed meanwhile are
 * copied by one more pass here rather than by the writer's.
 */
static void checkpoint(struct store_writer *w)
{
	sqlite3_file *database = NULL;
	if (sqlite3_file_control(w->checkpoint_db, "main", SQLITE_FCNTL_FILE_POINTER, &database) !=
		    SQLITE_OK ||
	    !database || !database->pMethods)
		database = NULL;
	for (int pass = 0; pass < CATCH_UP_PASSES; pass++) {
		int frames = -1;
		sqlite3_wal_checkpoint_v2(w->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE,
					  &frames, NULL);
		if (frames < 0)
			return; /* not in WAL mode */
		if (database)
			database->pMethods->xSync(database, SQLITE_SYNC_NORMAL);
		/* frames committed since this pass began (negative once the WAL
		 * restarted) */
		int behind = atomic_load_explicit(&w->wal_frames, memory_order_relaxed) - frames;
		if (behind <= CATCH_UP_FRAMES)
			break;
	}
	atomic_store_explicit(&w->final_pass_wanted, true, memory_order_release);
}

/*
 * Linux 6.12 and later let a thread ask for a shorter scheduler slice
 * (sched_setattr's sched_runtime, for SCHED_OTHER; no privilege needed). A
 * pass copies pages for tens of milliseconds; a connection thread or the
 * writer woken meanwhile then waits at most the short slice, not a whole
 * default one. The thread keeps its share of the CPU, so checkpoints keep
 * up (at SCHED_IDLE or a high nice they did not, and the WAL grew). Older
 * kernels ignore the field; a refusal leaves the thread as it was.
 */
struct slice_attr { /* the kernel's struct sched_attr, first version */
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static void keep_slices_short(void)
{
	struct slice_attr attr = {0};
	if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0 || attr.policy != SCHED_OTHER)
		return;
	attr.size = sizeof attr;
	attr.flags = 0;
	attr.runtime = CHECKPOINTER_SLICE_NS;
	(void)syscall(SYS_sched_setattr, 0, &attr, 0);
}

static void *checkpointer_main(void *arg)
{
	struct store_writer *w = arg;
	keep_slices_short();
	pthread_mutex_lock(&w->checkpoint_lock);
	for (;;) {
		while (!atomic_load_explicit(&w->checkpoint_wanted, memory_order_relaxed) &&
		       !atomic_load_explicit(&w->trickle_wanted, memory_order_relaxed) &&
		       !w->checkpointer_stopping)
			pthread_cond_wait(&w->checkpoint_wake, &w->checkpoint_lock);
		if (w->checkpointer_stopping)
			break;
		bool wanted = atomic_load_explicit(&w->checkpoint_wanted, memory_order_relaxed);
		atomic_store_explicit(&w->trickle_wanted, false, memory_order_relaxed);
		pthread_mutex_unlock(&w->checkpoint_lock);
		if (wanted)
			checkpoint(w); /* its first pass syncs the WAL */
		else if (!atomic_load_explicit(&w->final_pass_wanted, memory_order_acquire))
			trickle(w); /* not beside the writer's last pass */
		pthread_mutex_lock(&w->checkpoint_lock);
		/* Commits during the checkpoint found the WAL still long and asked
		 * for another; the last pass copies what they wrote. Cleared only
		 * now, or every checkpoint is followed by a useless second one.
		 * Until the writer has run the last pass, on_wal_commit asks for
		 * none. */
		if (wanted)
			atomic_store_explicit(&w->checkpoint_wanted, false, memory_order_relaxed);
	}
	pthread_mutex_unlock(&w->checkpoint_lock);
	return NULL;
}

static int start_checkpointer(struct store_writer *w, const writer_config *config, char *why,
			      size_t why_cap)
{
	const char *path = config->path;
	if (sqlite3_open_v2(path, &w->checkpoint_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(why, why_cap, "cannot open %s for checkpoints: %s", path,
			 w->checkpoint_db ? sqlite3_errmsg(w->checkpoint_db) : "out of memory");
		sqlite3_close(w->checkpoint_db);
		w->checkpoint_db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(w->checkpoint_db, config->busy_timeout_ms);
	/* for trickle()'s writeback; without it the passes still run */
	if (config->durability == DURABILITY_FULL)
		w->database_fd = open(path, O_RDONLY | O_CLOEXEC);
	/* A connection is in WAL mode only once it has read the database: until
	 * then sqlite3_wal_checkpoint_v2 on it does nothing (it answers -1 WAL
	 * frames), and the WAL would grow without bound. */
	if (sqlite3_exec(w->checkpoint_db, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(why, why_cap, "cannot read %s for checkpoints: %s", path,
			 sqlite3_errmsg(w->checkpoint_db));
		sqlite3_close(w->checkpoint_db);
		w->checkpoint_db = NULL;
		return -1;
	}
	/* the main connection no longer checkpoints inside its commits */
	sqlite3_wal_autocheckpoint(w->db, 0);
	sqlite3_wal_hook(w->db, on_wal_commit, w);
	if (pthread_create(&w->checkpointer, NULL, checkpointer_main, w) != 0) {
		snprintf(why, why_cap, "cannot start the checkpointer thread");
		sqlite3_wal_hook(w->db, NULL, NULL);
		sqlite3_wal_autocheckpoint(w->db, 1000 /* SQLite's own default */);
		sqlite3_close(w->checkpoint_db);
		w->checkpoint_db = NULL;
		return -1;
	}
	w->has_checkpointer = true;
	return 0;
}

int writer_start(const writer_config *config, struct store_writer **out, char *why, size_t why_cap)
{
	*out = NULL;
	struct store_writer *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->checkpoint_lock, NULL);
	pthread_cond_init(&w->checkpoint_wake, NULL);
	w->db = config->db;
	w->store_lock = config->lock;
	w->ops = config->ops;
	w->checkpoint_frames =
		config->checkpoint_frames > 0 ? config->checkpoint_frames : CHECKPOINT_FRAMES;
	w->database_fd = -1;
	if (pthread_create(&w->writer, NULL, writer_main, w) != 0) {
		snprintf(why, why_cap, "cannot start the writer thread");
		pthread_cond_destroy(&w->checkpoint_wake);
		pthread_mutex_destroy(&w->checkpoint_lock);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -1;
	}
	const char *path = config->path;
	bool in_memory = strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0;
	if (!in_memory && start_checkpointer(w, config, why, why_cap) < 0) {
		writer_stop(w);
		return -1;
	}
	*out = w;
	return 0;
}

void writer_stop(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_mutex_unlock(&w->lock);
	pthread_mutex_lock(&w->checkpoint_lock);
	w->checkpointer_stopping = true;
	pthread_cond_signal(&w->checkpoint_wake);
	pthread_mutex_unlock(&w->checkpoint_lock);
	atomic_fetch_add_explicit(&w->queued, 1, memory_order_release);
	futex_wake_one(&w->queued);
	pthread_join(w->writer, NULL);
	if (w->has_checkpointer) {
		pthread_join(w->checkpointer, NULL);
		sqlite3_wal_hook(w->db, NULL, NULL);
		sqlite3_close(w->checkpoint_db);
	}
	if (w->database_fd >= 0)
		close(w->database_fd);
	pthread_cond_destroy(&w->checkpoint_wake);
	pthread_mutex_destroy(&w->checkpoint_lock);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
