/*
 * store_internal.h — what the files of store/ share, one section per file,
 * lowest layer first. A file calls only the sections above its own (tests/
 * deps-graph checks it); writer.c reaches operations.c only through the
 * writer_ops it is given.
 *
 * Not part of the store's public interface: only files of store/ (and the
 * store's own benchmark) include it. Unless a section says otherwise, a
 * function here expects the caller to hold `store->lock` (STORE_ASSERT_LOCKED)
 * and, where it writes, to be inside a transaction (STORE_ASSERT_WRITING);
 * `ns` is always the namespace the statements work in, never NULL.
 */
#ifndef CONNECTOR_MOCK_STORE_INTERNAL_H
#define CONNECTOR_MOCK_STORE_INTERNAL_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "simulation.h"
#include "store.h"

/* ---- db.c: the statements, binding, transactions, the lock ------------ */

typedef enum {
	STMT_BEGIN,
	STMT_BEGIN_READ,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_NS_GET,
	STMT_NS_INSERT,
	STMT_NS_LIST,
	STMT_TASK_GET,
	STMT_TASK_INSERT,
	STMT_TASK_UPDATE,
	STMT_TASK_MOVE,
	STMT_TASK_DELETE,
	STMT_TASK_BY_IDENTITY,
	STMT_TASK_COUNT,
	STMT_TASK_COUNTS,
	STMT_TASK_LIST,
	STMT_CONFIG_GET,
	STMT_CONFIG_INSERT,
	STMT_CONFIG_UPDATE,
	STMT_CONFIG_DELETE,
	STMT_CONFIG_MAX,
	STMT_SEQ_GET,
	STMT_SEQ_PUT,
	STMT_TOMB_PUT,
	STMT_TOMB_NEWEST,
	STMT_TOMB_SET_NEWEST,
	STMT_TOMB_READ,
	STMT_TOMB_DELETE,
	STMT_TOMB_RELINK,
	STMT_JOURNAL_INSERT,
	STMT_JOURNAL_DELIVERED,
	STMT_JOURNAL_PURGE,
	STMT_JOURNAL_TRIM,
	STMT_JOURNAL_LIST,
	STMT_JOURNAL_COUNT,
	STMT_JOURNAL_AFTER,
	STMT_SNAP_PUT,
	STMT_SNAP_RESTORE_CONFIGS,
	STMT_SNAP_RESTORE_TASKS,
	STMT_SNAP_RESTORE_SEQUENCES,
	STMT_SNAP_TOMBSTONES,
	STMT_SNAP_EXISTS,
	STMT_SNAP_LIST,
	STMT_SNAP_DELETE,
	STMT_WIPE_CONFIGS,
	STMT_WIPE_TASKS,
	STMT_WIPE_SEQUENCES,
	STMT_WIPE_TOMBSTONES,
	STMT_TOMB_FORGET,
	STMT_WIPE_JOURNAL,
	STMT_WIPE_SNAPSHOTS,
	STMT_WIPE_NAMESPACE,
	STMT__COUNT
} store_statement;

/*
 * A task's motion (simulation_store.c) lives in four columns of its row in
 * `tasks`, NULL unless it moves: the base's time, progress and position,
 * and the time of its next transition. The task statements read them
 * after the task's own eight columns and write them from ?8 to ?11
 * (rows.c), so an operation's own UPDATE writes them.
 */
#define MOTION_COLUMNS "since_ms, base_progress, base_position_ms, next_ms"
#define MOTION_SET_COLUMNS                                                                         \
	"since_ms = ?8, base_progress = ?9, base_position_ms = ?10, next_ms = ?11"
enum { MOTION_COLUMN_COUNT = 4 };

/* The SQL parameter a statement that works in a namespace reads it from:
 * past every statement's own (?1 to ?13; db_prepare refuses a statement
 * with more). db_statement binds it from its `ns` argument. Not higher:
 * sqlite3_clear_bindings clears every slot up to it on every use. */
enum { NAMESPACE_PARAMETER = 16 };

struct store_writer;

/* The store object: store.c creates and frees it. */
struct task_store {
	sqlite3 *db;
	pthread_mutex_t lock; /* the connection and everything below; db_lock */
	store_options options;
	char ensured[STORE_NAMESPACE_MAX + 1]; /* known to exist; "" = none */
	char *fixtures;			       /* seeds a new namespace; owned */
	size_t fixtures_len;
	sqlite3_stmt *statements[STMT__COUNT];
	struct store_writer *writer; /* writer.c: the queue and the checkpointer */
	struct sim_state *sim;	     /* simulation_store.c: statements and cache */
	/* store_commit calls it after a COMMIT that changed the database
	 * (store_set_commit_hook) */
	void (*commit_hook)(void *ctx);
	void *commit_hook_ctx;
	sqlite3_int64 notified_changes; /* sqlite3_total_changes64 at the last call */
	/* counts rollbacks: a cache filled in a transaction rolled back since
	 * is stale (simulation_store.c compares it) */
	unsigned rollbacks;
	struct delivery_queue *deliveries; /* deliveries.c */
};

/*
 * The store's invariants, checked in every build that does not define
 * NDEBUG (the Makefile never does), as SQLite checks its own.
 * db_lock/db_unlock take and release a store mutex and remember, per
 * thread, which one this thread holds.
 */
void db_lock(pthread_mutex_t *lock);
void db_unlock(pthread_mutex_t *lock);
bool db_lock_held(const pthread_mutex_t *lock);
#define STORE_ASSERT(condition) assert(condition)
#define STORE_ASSERT_LOCKED(store) STORE_ASSERT(db_lock_held(&(store)->lock))
#define STORE_ASSERT_WRITING(store)                                                                \
	STORE_ASSERT(db_lock_held(&(store)->lock) && !sqlite3_get_autocommit((store)->db))

/* Prepares every statement (store_open); 0, or -1 with a sentence. */
int db_prepare(task_store *store, char *why, size_t why_cap);
/* Finalizes every prepared statement; safe on a partly prepared store. */
void db_finalize(task_store *store);

/* A prepared statement, reset, its bindings cleared, and `ns` bound to
 * ?16 when the statement reads it (`ns` may be NULL only when it does
 * not). Lock held. */
sqlite3_stmt *db_statement(task_store *store, store_statement which, const char *ns);

/* Steps a statement that returns no rows, and resets it. 0 or -1. */
int db_run(sqlite3_stmt *statement);

/* Binds `text` (not copied) or NULL. */
void db_bind_text(sqlite3_stmt *statement, int index, const char *text);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (SQLite's error stays on
 * the connection for sqlite3_errmsg). A commit that changed the database
 * calls the commit hook. A rollback also forgets which namespace is known
 * to exist (one created in it may be gone) and counts itself in
 * `rollbacks`. */
int store_begin(task_store *store);
/* BEGIN (deferred) for a read: it takes the write lock only if it writes,
 * so a read works while another process holds that lock. */
int store_begin_read(task_store *store);
int store_commit(task_store *store);
void store_rollback(task_store *store);

/* ---- schema.c: pragmas and schema versions ---------------------------- */

/* These two run on the bare connection, before the store has a lock. */

/* The durability and cache pragmas, and WAL for a file. 0 or -1. */
int schema_apply_pragmas(sqlite3 *db, const store_options *options, bool in_memory);

/* Brings the schema to the current version (PRAGMA user_version) in one
 * transaction; `*created` when the database was empty. 0, or -1 with a
 * sentence and nothing changed. */
int schema_migrate(sqlite3 *db, bool *created, char *why, size_t why_cap);

/* ---- tombstones.c: sequences, tombstone chains, next names ------------ */

/* A name's tombstone, found by tombstones_find. `newer` holds the ids of
 * the identity's tombstones written after it, newest first
 * (`newer_count`); the caller frees it. */
typedef struct {
	sqlite3_int64 id, prev; /* prev: 0 when it is the identity's oldest */
	char reason[16];
	char migrated_to[TASKNAME_MAX + 1];
	sqlite3_int64 *newer;
	size_t newer_count;
} tombstone;

/* Raises the identity's sequence to `seq` (it never goes down) and, when
 * `tombstone_id` is not 0, makes that the identity's newest tombstone. */
int tombstones_raise_sequence(task_store *store, const char *ns, const char *identity, uint64_t seq,
			      sqlite3_int64 tombstone_id);

/* Makes `name` a tombstone (reason "deleted" or "migrated"), the newest of
 * `identity`'s, and raises the identity's sequence to `seq`. 0 or -1. */
int tombstones_put(task_store *store, const char *ns, const char *name, const char *identity,
		   uint64_t seq, const char *reason, const char *migrated_to, int64_t now_ms);

/* Finds the tombstone of `name`. 1 found (the caller frees found->newer),
 * 0 none, -1 storage failure. */
int tombstones_find(task_store *store, const char *ns, const char *name, const char *identity,
		    tombstone *found);

/* Where the chain of migrations from `t` ends; writes the last name into
 * `end`. 0 or -1. */
int tombstones_chain_end(task_store *store, const tombstone *t, char *end, size_t end_cap);

/* Takes a name that lives again out of its identity's chain. 0 or -1. */
int tombstones_clear(task_store *store, const char *ns, const char *name, const char *identity);

/* The name a migrate gives `parsed`: `new_host` (NULL keeps the host) and
 * the SEQ after every SEQ the identity was issued. 0, -1 on a storage
 * failure, -2 when every 10-digit SEQ was used. */
int tombstones_next_name(task_store *store, const char *ns, const taskname *parsed,
			 const char *new_host, taskname *moved, char *moved_name, size_t name_cap);

/* ---- rows.c: task rows and their configs ------------------------------ */

/* One task as the store reads and writes it. */
typedef struct {
	char name[TASKNAME_MAX + 1];
	taskname parsed;
	task_state state;
	/* The config lives in its own row of `configs` and is read, then
	 * parsed, only when an operation reads or changes it (stop and resume
	 * never do). */
	int64_t config_id; /* its row in `configs`; 0 before the task is stored */
	char *config_text; /* owned; NULL until read, or when `config` is the only form */
	cJSON *config;	   /* owned; NULL until task_row_config parses it */
	bool config_changed;
	bool has_checkpoint;
	int64_t checkpoint;
	bool has_progress;
	double progress;
	char *last_error; /* owned; NULL when none */
	bool has_lag;	  /* an Incr-Sync with a position: sim_show */
	double lag_seconds;
	/* the simulation's motion, from the row's own columns: set while it
	 * moves */
	bool moving;
	sim_motion motion;
	bool has_next;
	int64_t next_ms;
	int64_t created_at;
	int64_t updated_at;
} task_row;

/* Frees what the row owns (it can be freed again). Needs no lock. */
void task_row_free(task_row *row);

/* Reads the text of the row's config. 0, or -1. */
int rows_read_config_text(task_store *store, task_row *row);

/* The row's config, read and parsed on first use; NULL on a storage
 * failure, when out of memory, or when the stored text is corrupt. */
cJSON *task_row_config(task_store *store, task_row *row);

/* Reads a row of STMT_TASK_GET / STMT_TASK_LIST (which adds the config's
 * text after the motion's columns). 0, or -1 on a bad row. */
int rows_from_statement(sqlite3_stmt *statement, task_row *row);

/* Binds the row's motion to parameters `first` .. `first` + 3 (NULL when
 * it does not move). */
void rows_bind_motion(sqlite3_stmt *statement, int first, const task_row *row);

/* 1 found, 0 absent, -1 storage failure or a corrupt row. */
int rows_load(task_store *store, const char *ns, const char *name, task_row *row);

/* Inserts a task row and its config, takes the name out of the tombstones
 * and raises the identity's sequence to its SEQ. 0 or -1. (The row is
 * inserted still: a RUNNING task's motion is sim_on_insert's.) */
int rows_insert(task_store *store, const char *ns, task_row *row);

/* Writes `row` over the task named `old_name` (renamed when they differ). */
int rows_save(task_store *store, const char *ns, const char *old_name, task_row *row);

/* Deletes the task row and its config. 0 or -1. */
int rows_delete(task_store *store, const char *ns, const task_row *row);

/* Whether a live task holds the row's identity; -1 on failure. */
int rows_identity_taken(task_store *store, const char *ns, const task_row *row);

/* The task as the control API shows it (with `lagSeconds` from
 * row->has_lag); NULL when its config cannot be read or out of memory.
 * Reads the config only when not read yet. */
cJSON *rows_to_json(task_store *store, task_row *row);

/* ---- audit.c: the journal --------------------------------------------- */

/* Appends one journal record inside the caller's transaction. */
typedef struct {
	int64_t now_ms;
	const char *client;
	const char *op;
	const char *task_name;
	const char *params_json;
	const char *body;
	size_t body_len;
	int http_status;
	bool is_success;
	const char *err_code;	/* NULL on success */
	const char *from_state; /* NULL when unknown */
	const char *to_state;
	const char *new_task_name;
	const char *injected; /* the fault type, or NULL */
	int64_t fault_id;     /* the fault that hit the request, or 0 */
	int64_t *id_out;      /* when not NULL, receives the entry's rowid */
} audit_record;

int audit_insert(task_store *store, const char *ns, const audit_record *record);

/* The journal's readers, in the caller's transaction. */
store_status audit_list(task_store *store, const char *ns, const store_journal_filter *filter,
			cJSON **out);
store_status audit_count(task_store *store, const char *ns, const store_journal_filter *filter,
			 int64_t *count);

/* Removes every record of the namespace. 0 or -1. */
int audit_clear(task_store *store, const char *ns);

/* Writes whether the answer of entry `id` (a rowid from audit_insert)
 * reached its client, and what a socket-level fault sent (JSON text or
 * NULL), in the caller's transaction. 0, or -1 (also when no such entry). */
int audit_set_delivered(task_store *store, const char *ns, int64_t id, bool delivered,
			const char *sent_json);

/* Removes the namespace's records older than the retention, and the
 * oldest past journal_max_entries: all of them when `exact` (before a
 * read), else only once they are more than a 64th of the bound (after a
 * write: one range delete now and then rather than a few rows per
 * commit). */
int audit_purge(task_store *store, const char *ns, int64_t now_ms, bool exact);

/* ---- simulation_store.c: the simulation's hooks ---------------------- */

/*
 * Kept true: a task's motion columns are set exactly when it is RUNNING in
 * a namespace whose simulation is on. A function returning int answers 0,
 * or -1 on a storage failure (the caller rolls back). The settings of the
 * namespace last used are cached; the cache is stale after any rollback
 * (`store->rollbacks`).
 */

/* store_open / store_close: the simulation's statements and cache.
 * Need no lock. */
int sim_open(task_store *store, char *why, size_t why_cap);
void sim_close(task_store *store);

/* Before a read or an operation at `now_ms`: applies and journals each
 * transition due at or before it, in virtual-time order. Costs one
 * comparison when the simulation is off or nothing is due. */
int sim_advance(task_store *store, const char *ns, int64_t now_ms);

/* When an operation moved a task from `from` to `row->state` at `now_ms`
 * (row not yet saved): leaving RUNNING writes what it reached into the row
 * and ends its motion; entering RUNNING starts a motion from the row. Only
 * the row changes: the caller's save (rows_save) writes it. */
int sim_on_change(task_store *store, const char *ns, task_row *row, task_state from,
		  int64_t now_ms);

/* After a new task's row was inserted (fixtures, control API). */
int sim_on_insert(task_store *store, const char *ns, const task_row *row);

/* Before a task is shown at `now_ms`, when the simulation is on: its
 * progress and checkpoint there, and an Incr-Sync's lag (row->has_lag,
 * row->lag_seconds). With the simulation off the row stays as stored and
 * has no lag. */
int sim_show(task_store *store, const char *ns, task_row *row, int64_t now_ms);

/* A wipe of the namespace's tasks; with `everything` its settings go too. */
int sim_wipe(task_store *store, const char *ns, bool everything);

/* Seeding the namespace from fixtures (`root`, or NULL): writes its
 * settings. -1 when root's "simulation" is refused (`why` says why), -2 on
 * a storage failure. */
int sim_seed(task_store *store, const char *ns, const cJSON *root, char *why, size_t why_cap);

/* Every RUNNING task takes what it has reached at `now_ms` as its new base
 * (a snapshot saves it); with `forget`, existing motions are dropped first
 * and the rows' values are the bases (a snapshot restored). */
int sim_rebase_all(task_store *store, const char *ns, int64_t now_ms, bool forget);

/* The namespace's settings as JSON; NULL on failure. Lock held. */
cJSON *sim_settings_json(task_store *store, const char *ns);

/* Lays `body` over the namespace's settings, every RUNNING task moving on
 * from what it reached under the old ones. STORE_OK with the new settings
 * in `*out`, STORE_INVALID with a sentence (nothing written), or
 * STORE_FAILED. */
store_status sim_settings_change(task_store *store, const char *ns, const cJSON *body,
				 int64_t now_ms, cJSON **out, char *why, size_t why_cap);

/* ---- fixtures.c: task specs and fixture texts ------------------------- */

/* Builds a task row from a fixture/control-API spec object. Needs no lock.
 * Returns 0, or -1 with a sentence in `why` (and `row` holding nothing to
 * free). */
int fixtures_task_from_spec(const cJSON *spec, int64_t now_ms, task_row *row, char *why,
			    size_t why_cap);

/* Creates one task from a spec. STORE_OK (and, when `created` is not NULL,
 * the task as written), STORE_INVALID or STORE_EXISTS with a sentence, or
 * STORE_FAILED. */
store_status fixtures_create_task(task_store *store, const char *ns, const cJSON *spec,
				  int64_t now_ms, cJSON **created, char *why, size_t why_cap);

/* Creates every task of a fixtures text {"tasks":[...]}; NULL is no
 * fixtures. STORE_OK, STORE_INVALID (`why` names the task) or
 * STORE_FAILED; the caller rolls back on failure. */
store_status fixtures_load(task_store *store, const char *ns, const char *fixtures, size_t len,
			   int64_t now_ms, char *why, size_t why_cap);

/* ---- namespace.c: namespaces, and the control API's transactions ------ */

/* [A-Za-z0-9_-]{1,max}: the alphabet of namespace and snapshot names.
 * Needs no lock. */
bool store_name_valid(const char *name, size_t max);

/*
 * Creates `ns`, seeded from the store's fixtures when `seed`, unless it
 * exists. Inside the caller's transaction. 1 created, 0 it existed, -1
 * storage failure.
 */
int namespace_ensure(task_store *store, const char *ns, int64_t now_ms, bool seed);

/* Removes the namespace's tasks, configs, sequences, tombstones and
 * journal; with `everything` its snapshots and itself too. 0 or -1. */
int namespace_wipe(task_store *store, const char *ns, bool everything);

/*
 * The control API's calls share one shape: namespace_enter takes the lock,
 * opens a transaction and makes sure the namespace exists, the call does
 * its work, namespace_leave commits (or rolls back when the work failed)
 * and releases the lock.
 *
 * A read must not create a namespace: for one that does not exist it is
 * answered from the namespace as it would be created (seeded), inside the
 * transaction, and namespace_leave then rolls that back whatever the
 * status.
 */
typedef enum {
	NAMESPACE_READ,		 /* creates nothing */
	NAMESPACE_WRITE,	 /* creates the namespace, seeded, when new */
	NAMESPACE_WRITE_UNSEEDED /* a reset, which loads its own fixtures */
} namespace_access;

typedef struct {
	task_store *store;
	const char *ns;	      /* the namespace, "default" for NULL */
	bool rollback_always; /* a read of a namespace created only for it */
	int changes;	      /* sqlite3_total_changes at the start */
} namespace_scope;

/* STORE_OK with the lock held and a transaction open, or STORE_FAILED
 * with neither. */
store_status namespace_enter(namespace_scope *scope, task_store *store, const char *ns,
			     int64_t now_ms, namespace_access access);
/* Ends what namespace_enter began; returns `status`, or STORE_FAILED when
 * a commit failed. */
store_status namespace_leave(namespace_scope *scope, store_status status);

/* ---- deliveries.c: the journal's delivery marks, written in batches ---- */

/*
 * A delivery mark is known after the answer went out; writing it in a
 * transaction of its own per request halved the daemon's throughput, so
 * marks wait in a bounded queue and go into the writer's next batch
 * (deliveries_apply_locked at the start of each), or into a transaction of
 * their own when a journal read or store_close needs them written
 * (deliveries_flush). A crash loses only marks not yet written: their
 * entries keep `delivered` null, "not known".
 */
int deliveries_create(task_store *store);   /* 0, or -1 when out of memory */
void deliveries_destroy(task_store *store); /* drops what is still queued */
/* Queues a mark; false when the queue is full (nothing queued). */
bool deliveries_push(task_store *store, const char *ns, int64_t id, bool delivered,
		     const char *sent_json);
/* Writes and drops every queued mark, inside the caller's transaction; a
 * mark whose entry is gone (its namespace deleted) is dropped. */
void deliveries_apply_locked(task_store *store);
/* Writes every queued mark in a transaction of its own, when there are
 * any. Takes the store's lock. Returns 0, or -1 when the write failed (the
 * marks are then dropped: their entries stay null). */
int deliveries_flush(task_store *store);

/* ---- control.c, snapshots.c: only the public calls of store.h --------- */

/* ---- operations.c: judging and applying the OMS operations ------------ */

/* One operation waiting for its batch (writer.c); the writer reads and
 * writes only `finished`, `ticket` and `next`. */
typedef struct store_job store_job;
struct store_job {
	const store_request *request;
	store_outcome *outcome; /* the caller's */
	atomic_bool finished;	/* set by the writer after its batch committed */
	unsigned ticket;	/* the batch that takes it (writer.c) */
	store_job *next;
};

/* Judges a job's request (no lock needed) and fills its outcome when the
 * request is refused before any task is read. */
void store_judge(store_job *job);

/*
 * Runs judged jobs in one transaction; fills every outcome. A storage
 * failure rolls the whole batch back and every job answers INTERNAL_ERROR.
 * The caller holds `store->lock`. After it returns, every successful
 * outcome is committed.
 */
void store_run_batch_locked(task_store *store, store_job **jobs, size_t count);

/* ---- writer.c: group commit and checkpoints --------------------------- */

/* What the writer is given instead of calling back into the store. */
typedef struct {
	/* runs a batch; called with `lock` held */
	void (*run_batch)(void *context, store_job **jobs, size_t count);
	void *context;
} writer_ops;

typedef struct {
	sqlite3 *db;	       /* the store's connection: its commits, the last pass */
	pthread_mutex_t *lock; /* the store's lock, taken around each batch */
	const char *path;      /* the database: a file gets a checkpointer */
	store_durability durability;
	int busy_timeout_ms;
	int checkpoint_frames; /* 0: the default */
	writer_ops ops;
} writer_config;

/* Starts the writer (and, for a file, the checkpointer). 0, or -1 with a
 * sentence and nothing started. Needs no lock. */
int writer_start(const writer_config *config, struct store_writer **out, char *why, size_t why_cap);

/* Stops both threads; no job may be queued or running. NULL is fine. */
void writer_stop(struct store_writer *writer);

/* Queues a judged job and returns once its batch committed (or failed). */
void writer_submit(struct store_writer *writer, store_job *job);

void writer_stats(struct store_writer *writer, store_batch_stats *stats);

/* ---- store.c: only the public calls of store.h (open, close, execute) - */

#endif
