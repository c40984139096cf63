/*
 * writer.c — group commit on a writer thread, and the checkpointer.
 *
 * store_execute may be called by many threads at once (one per HTTP
 * connection). Each queues its job and sleeps; one writer thread takes
 * everything queued, runs it as one transaction on the store's connection
 * (STORE_BATCH_MAX jobs per transaction), commits, and wakes the callers whose
 * jobs were in the batch with one futex call. Jobs queued while a batch
 * runs make the next one. With synchronous=FULL one fsync serves the whole
 * batch.
 *
 * Jobs are ticketed: the batch being collected has ticket T, the running
 * one T - 1, and a caller of ticket T sleeps on done[T % 2], so the wake of
 * the running batch does not disturb the callers of the next. (Woken one by
 * one, each on a semaphore of its own, a batch of ten took 80 us to wake,
 * because each woken caller preempted the waker on its CPU before the next
 * was woken.)
 *
 * Why a thread of its own rather than the first caller leading the batch
 * (the earlier design, which saved a hand-off on an idle store):
 * alternating the two daemons under wrk (16 connections, rounds of 4 s),
 * the writer thread served stop/resume at 30-32k req/s against 25-26k (3
 * rounds), and 26-27k against 22.5-24k on a freshly generated database (2
 * rounds), with 39-48 against 48-53 us of CPU per request; updates and
 * migrates 12-28% faster; one connection alone no slower. A leader answered
 * its own client only after its batch, and the next leader had to be woken
 * apart from its batch's followers; the writer keeps the store's working
 * set on one thread. It also keeps SQLite's deep stack and the config
 * JSON's freed blocks (glibc's per-thread cache) off the connection
 * threads: peak RSS at 64 connections of updates 15.4-15.7 MiB against
 * 17.2-17.3. (Two `make bench` runs on clean clones showed the updates,
 * migrates, full durability and RSS gains every time; the stop/resume
 * ratio moved with the machine: 0.47x and 0.57x, against 0.47x before.)
 *
 * With a file database, WAL checkpoints run on a thread of their own with
 * its own connection, started when the WAL passes `checkpoint_frames`,
 * instead of inside a commit on the request path, which is where SQLite's
 * automatic checkpoint would put its copying and its fsyncs; between
 * checkpoints the same thread copies the WAL a little at a time (trickle()).
 * See checkpoint() for how the WAL gets back to its beginning under load.
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
 * frames committed so far into the database file, without syncing that
 * file. (SQLite syncs the database only in a pass that reaches the WAL's
 * end, before the WAL may start over; until then a crash leaves every frame
 * in the WAL to be copied again.) A checkpoint then finds about
 * TRICKLE_FRAMES frames left to copy instead of the whole WAL: the copying
 * of ~2,500 pages no longer comes in one burst of passes (20-30 ms of CPU
 * on this 2-core machine, during which a sixteenth of the requests ran and
 * three quarters of the slow ones; a trace of 16 connections of updates
 * with the database on tmpfs) but in passes of ~100 pages spread over the
 * WAL's length. Pages written again between two passes are copied again:
 * more copying in all, in smaller pieces. Alternating the daemons (16
 * connections, 4 s, 3 rounds, p99 ms), a flush of the WAL every 256 frames
 * before -> a pass: updates 2.11 / 2.65 / 2.43 -> 1.79 / 1.58 / 1.63,
 * migrates 1.81 / 1.78 / 2.18 -> 1.68 / 1.54 / 1.85, p99.9 3.7-5.4 ->
 * 2.4-3.3; req/s the same to 5% fewer. With durability normal the pass is
 * also the WAL's sync every 1 MiB, so that a checkpoint does not sync 40 MB
 * at once; should the pass fail, the WAL is synced without it.
 *
 * With durability full every commit syncs the WAL, and the disk is shared
 * by those syncs and the database's writing. Without passes, a
 * checkpoint's ~10 MB of copied pages went to the disk in one sync, and the
 * commits' syncs queued behind it: 3-4% of the requests took 2.5-11 ms
 * (16 connections of updates: p50 0.9 ms, p95 1.8, p99 5.1-5.4). With the
 * passes alone the copied pages stayed dirty in the page cache until the
 * writer's last pass synced them all at once, inside its pause of every
 * batch: on a calm hour updates' p99 2.9-3.3 ms, on a slow one (in session
 * 7) 18-805. So with durability full each pass is followed by the start of
 * the writeback of what it copied (sync_file_range, SYNC_FILE_RANGE_WRITE:
 * no wait, no cache flush), and the pages reach the disk about 1 MiB at a
 * time, between the commits' syncs. Alternating with the daemon before (16
 * connections, 4 s, p99 ms): updates 5.43 / 5.13 / 5.36 -> 2.47 / 2.79 /
 * 2.81, later 4.22 / 4.59 / 4.65 -> 2.60 / 2.60 / 2.58, p99.9 7.8-11.4 ->
 * 3.1-3.9; migrates 3.10 / 2.83 -> 2.18 / 2.11; stop/resume p99 about the
 * same (1.40-1.92 against 1.48-1.86), p99.9 3.7-5.0 -> 2.2-3.2. The price
 * is the passes' copying and the p50: 12% fewer updates a second over 8
 * rounds (-21% to +4% by round), 7% fewer stop/resume over 5, migrates the
 * same, p50 of updates 0.82-0.90 -> 0.82-1.04 ms. With a competing writer
 * on the disk (4 MiB written and synced every 50 ms) updates' p99 6.05 /
 * 5.87 / 5.73 -> 4.91 / 4.80 / 5.21 ms; the passes without the writeback:
 * 2.86-2.97 on a calm disk. With durability normal the writeback did
 * nothing for updates and migrates and cost stop/resume up to 5% of its
 * req/s; there the database is synced by a checkpoint's passes only.
 *
 * No pass runs while the writer's last pass of a checkpoint is due
 * (checkpointer_main, on_wal_commit): one of the two would find SQLite's
 * checkpoint lock taken and do nothing.
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
 * last pass the checkpoint never catches up under load and the WAL never
 * restarts: it grows, and every commit writes new blocks.
 *
 * The last pass holds every batch back, so it must find little to do: its
 * cost is two fdatasyncs (the WAL's new frames, then the database pages it
 * copied) and the copy. SQLite syncs the database file only in a pass that
 * reached the WAL's end, which under load only the last pass does; so the
 * pages of the passes before it are synced here, one pass at a time, and
 * the frames committed during those syncs are copied by one more pass
 * instead of by the last one. (Measured with timers around each step,
 * migrates at 16 connections: with a single sync after all the passes, that
 * sync took 3 to 24 ms, 200 to 1,500 frames were committed meanwhile, and
 * the last pass took 1.7 to 10 ms.) The next commit then pays one more
 * fsync, of the restarted WAL's header.
 *
 * Checkpoints were most of the saturated p99 of updates and migrates: with
 * none at all (a WAL left to grow), 16 connections of updates had a p99 of
 * 1.3-1.4 ms against 2.9-3.5 with them, migrates 1.6-1.8 against 3.5. A
 * histogram of the writer's batches showed few slow ones; what was slow was
 * everything around the passes, which copy ~2,500 pages and sync ~40 MB of
 * WAL in one burst (pass one: 40-50 ms, 13-17 ms of it CPU). Three things
 * took most of it back: the WAL is synced every 256 frames by this
 * thread, so the first pass finds it on disk (now trickle(), which also
 * copies it, so that the first pass finds little); the last pass is
 * the writer's own, so no batch waits for this thread to be scheduled while
 * it holds the store's lock; and this thread's scheduler slice is short
 * (keep_slices_short). Against the design before (locked pass on this
 * thread, no flushes, default slice), alternating the two daemons, 3
 * rounds, p99 at 16 connections: updates 3.25 / 3.85 / 25.1 -> 3.05 / 2.49
 * / 2.60 ms, migrates 4.37 / 3.69 / 3.75 -> 2.57 / 2.96 / 2.92, stop/resume
 * 2.28 / 1.96 / 2.28 -> 1.57 / 1.58 / 1.54 (a busy hour of the machine:
 * 15-17k updates/s where a quiet one does 21k).
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
 * pass copies pages for tens of milliseconds; with the default slice (1.4
 * ms here, as sched_getattr reports it), a connection thread or the writer
 * woken meanwhile could wait for the slice to end. With 100 us they wait
 * at most that. The thread keeps its share of the CPU, so the checkpoint
 * keeps up; as SCHED_IDLE it did not (migrates at 16 connections: the WAL
 * grew to 340 MB in 4 s), nor at nice 10. Older kernels ignore the field,
 * and a refusal leaves the thread as it was: both only cost latency.
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
		 * for another; the last pass copies what they wrote, and the next
		 * commit restarts the WAL. Cleared only now: cleared before, every
		 * checkpoint was followed by a second one that found the WAL
		 * restarted and still locked the store for a pass of its own (0.4
		 * to 0.7 ms each, in a trace of every checkpoint's passes). Until
		 * the writer has run the last pass, on_wal_commit asks for none. */
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
	 * frames), and the WAL grew without bound (found by watching its size
	 * under load: 800 MB after 5 s). */
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
