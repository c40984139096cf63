/*
 * store_internal.h — what store.c, audit.c and fixtures.c share.
 *
 * Not part of the store's public interface: only files of store/ include
 * it. Every function here expects the caller to hold `store->lock` and,
 * where it writes, to be inside a transaction.
 */
#ifndef CONNECTOR_MOCK_STORE_INTERNAL_H
#define CONNECTOR_MOCK_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "store.h"

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
	STMT_JOURNAL_PURGE,
	STMT_JOURNAL_TRIM,
	STMT_JOURNAL_LIST,
	STMT_JOURNAL_COUNT,
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

/* The SQL parameter every statement reads its namespace from: past every
 * statement's own (?1 to ?13; store_open refuses a statement with more).
 * Not higher: sqlite3_clear_bindings, on every use of a statement, clears
 * every slot up to it (at ?50, 4,000 instructions of each stop/resume). */
enum { NAMESPACE_PARAMETER = 16 };

struct task_store {
	sqlite3 *db;
	pthread_mutex_t lock; /* the connection and everything below */
	store_options options;
	char ns[STORE_NAMESPACE_MAX + 1];      /* the namespace statements bind */
	char ensured[STORE_NAMESPACE_MAX + 1]; /* known to exist; "" = none */
	char *fixtures;			       /* seeds a new namespace; owned */
	size_t fixtures_len;
	sqlite3_stmt *statements[STMT__COUNT];
	struct store_writer *writer; /* writer.c: the queue and the checkpointer */
};

/* One operation waiting for its batch (writer.c). */
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

/* writer.c: set up the queue and (for a file) start the checkpointer;
 * stop it. No operation may be running when stopping. */
int store_writer_start(task_store *store, const char *path, char *why, size_t why_cap);
void store_writer_stop(task_store *store);

/* One task as the store reads and writes it. */
typedef struct {
	char name[TASKNAME_MAX + 1];
	taskname parsed;
	task_state state;
	/* The config lives in its own row of `configs` (schema version 4) and
	 * is read, then parsed, only when an operation reads or changes it
	 * (stop and resume never do). */
	int64_t config_id; /* its row in `configs`; 0 before the task is stored */
	char *config_text; /* owned; NULL until read, or when `config` is the only form */
	cJSON *config;	   /* owned; NULL until task_row_config parses it */
	bool config_changed;
	bool has_checkpoint;
	int64_t checkpoint;
	bool has_progress;
	double progress;
	char *last_error; /* owned; NULL when none */
	int64_t created_at;
	int64_t updated_at;
} task_row;

void task_row_free(task_row *row);

/* The row's config, read and parsed on first use; NULL on a storage
 * failure, when out of memory, or when the stored text is corrupt. */
cJSON *task_row_config(task_store *store, task_row *row);

/* Returns a prepared statement, reset, its bindings cleared, and the
 * current namespace bound to ?16 when the statement reads it. */
sqlite3_stmt *store_statement_get(task_store *store, store_statement which);

/* Makes `ns` the namespace of the statements that follow (lock held). */
void use_namespace(task_store *store, const char *ns);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (SQLite's error stays on
 * the connection for sqlite3_errmsg). */
int store_begin(task_store *store);
int store_commit(task_store *store);
void store_rollback(task_store *store);

/* Inserts a task row, and raises the identity's sequence to its SEQ. */
int store_insert_task(task_store *store, task_row *row);

/*
 * Builds a task row from a fixture/control-API spec object. Returns 0, or
 * -1 with a sentence in `why` (and `row` holding nothing to free).
 */
int fixtures_task_from_spec(const cJSON *spec, int64_t now_ms, task_row *row, char *why,
			    size_t why_cap);

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
} audit_record;

int audit_insert(task_store *store, const audit_record *record);

/* The journal's readers, in the caller's transaction and namespace. */
store_status audit_list_locked(task_store *store, const store_journal_filter *filter, cJSON **out);
store_status audit_count_locked(task_store *store, const store_journal_filter *filter,
				int64_t *count);

/* Removes the current namespace's records older than the retention, and
 * the oldest past journal_max_entries: all of them when `exact` (before a
 * read), else only once they are more than a 64th of the bound (after a
 * write: one range delete now and then, where trimming a few records per
 * commit rebalanced the journal's first leaves every time). */
int audit_purge(task_store *store, int64_t now_ms, bool exact);

#endif
