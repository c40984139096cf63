/*
 * store.h — connector tasks in SQLite: the durable half of the mock.
 *
 * The store owns one SQLite connection and one mutex; every function below
 * takes the mutex, so a `store` may be shared by any number of threads.
 * Every write runs inside a `BEGIN IMMEDIATE` transaction: an OMS operation
 * reads its task, asks the pure rules (rules.h, configmap.h), writes the
 * new state, config and journal record, and returns only after COMMIT.
 * Operations that arrive together share one transaction (up to
 * STORE_BATCH_MAX, writer.c); a refused operation writes nothing but its
 * journal record, and a failed transaction fails every operation in it and
 * changes nothing.
 *
 * The store knows nothing of HTTP. Times are passed in by the caller (unix
 * milliseconds), so the store has no clock of its own.
 *
 * Records leave the store as cJSON objects (tasks, journal entries) whose
 * field names are the control API's; the caller frees them with cJSON_Delete.
 */
#ifndef CONNECTOR_MOCK_STORE_H
#define CONNECTOR_MOCK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "limits.h"
#include "rules.h"
#include "taskname.h"

typedef struct task_store task_store;

typedef enum {
	DURABILITY_NORMAL, /* WAL, synchronous=NORMAL: survives a process crash */
	DURABILITY_FULL,   /* WAL, synchronous=FULL: survives power loss too */
} store_durability;

typedef struct {
	const char *path; /* a file, or ":memory:" */
	store_durability durability;
	int busy_timeout_ms;	     /* how long to wait on another writer */
	int64_t audit_retention_ms;  /* journal records older than this go; 0 keeps all */
	int64_t journal_max_entries; /* per namespace; 0 keeps all */
	/* WAL frames that start a checkpoint (writer.c); 0: the default, 10000 */
	int checkpoint_frames;
} store_options;

/* STORE_*_MAX and the other caps are in limits.h. */

#define STORE_DEFAULT_NAMESPACE "default"

/*
 * Namespaces: every task, sequence, tombstone, journal record and snapshot
 * belongs to one; they never see each other. A namespace comes into being,
 * seeded from the fixtures given to store_set_fixtures, the first time a
 * function below writes to it. A read of a namespace that does not exist
 * answers as that new namespace would, and creates nothing. Names are
 * [A-Za-z0-9_-]{1,64}.
 */
bool store_namespace_valid(const char *name);

/*
 * Opens (creating when absent) the database at `options->path`, applies the
 * schema (versioned with PRAGMA user_version) and the durability setting.
 * On success returns 0, `*out` the store, and `*created` true when the
 * database was new (the caller then seeds it). On failure returns -1, writes
 * a sentence into `why`, and `*out` is NULL.
 */
int store_open(const store_options *options, task_store **out, bool *created, char *why,
	       size_t why_cap);

/* Finalizes every statement and closes the database. NULL is fine. */
void store_close(task_store *store);

/* Keeps a copy of the fixtures text {"tasks":[...]} that seeds each new
 * namespace (and that store_reset loads when given none). 0, or -1 when
 * out of memory (the old text stays). */
int store_set_fixtures(task_store *store, const char *fixtures, size_t len);

/* ---- the OMS operations ------------------------------------------------ */

typedef struct {
	const char *ns; /* the namespace; NULL means "default" */
	rules_op op;
	/* the taskName parameter as received; NULL when absent */
	const char *task_name;
	rules_flags flags;
	const char *new_host; /* migrate: the ip parameter; NULL keeps the host */
	const cJSON *deletes; /* update: from configmap_parse_deletes, or NULL */
	const cJSON *update;  /* update: from configmap_parse_update, or NULL */
	/*
	 * When the caller already refused the request (a bad parameter, a bad
	 * body), `refused` names the error and the store only records it.
	 */
	error_code refused;
	const char *refused_message;
	/* a fault injected into this request (its type, e.g. "lost_ack"), for
	 * the journal; NULL when none */
	const char *injected;
	int64_t fault_id; /* that fault's id, or 0 */
	/* what the audit record keeps */
	int64_t now_ms;
	const char *client;	 /* the peer address, e.g. "127.0.0.1" */
	const char *params_json; /* the parameters as a JSON object text */
	const char *body;	 /* the raw body, `body_len` bytes; may be NULL */
	size_t body_len;
	/* the HTTP status each error code is answered with, for the journal */
	const int *http_status_by_error; /* ERR__COUNT entries */
} store_request;

typedef struct {
	error_code error;		  /* ERR_NONE on success */
	char result[TASKNAME_MAX + 1];	  /* success: the taskName (migrate: the new one) */
	char message[STORE_MESSAGE_MAX];  /* failure: errMsg, a sentence to act on */
	char reason[STORE_MESSAGE_MAX];	  /* failure: errorDetail.reason */
	char proposal[STORE_MESSAGE_MAX]; /* failure: errorDetail.proposal */
	cJSON *extra;			  /* failure: errorDetail.extraContext, owned */
	int64_t journal_id; /* the journal entry's key for store_journal_delivered; 0: none */
} store_outcome;

/*
 * Runs one OMS operation and records it in the journal. Always fills
 * `outcome` (free it with store_outcome_free); `outcome->error` says how it
 * went. INTERNAL_ERROR means a storage failure: nothing changed, and the
 * request may be retried. Returns only after the operation is committed.
 *
 * Many threads may call it at once: operations that arrive while a commit
 * is running are gathered into the next transaction (group commit, see
 * writer.c); a refused one writes nothing but its journal record. If that
 * transaction fails (a write or the COMMIT), every operation in it answers
 * INTERNAL_ERROR and none stays applied.
 */
void store_execute(task_store *store, const store_request *request, store_outcome *outcome);

/* How the writer has gone since store_open: the transactions it ran and
 * the operations they held (their ratio is the batching); the WAL
 * checkpoints completed (each by the writer's last pass, after which the
 * next commit starts the WAL over), the checkpointer's passes between them
 * (each syncs the WAL and copies it into the database file), and, with
 * durability full, the writebacks of the database file it started after
 * those passes. A store in memory has none of the last three. */
typedef struct {
	uint64_t transactions;
	uint64_t operations;
	uint64_t checkpoints;
	uint64_t wal_syncs;
	uint64_t database_writebacks;
} store_batch_stats;

void store_batch_stats_get(task_store *store, store_batch_stats *stats);

void store_outcome_free(store_outcome *outcome);

/*
 * Records one request to an OMS route that never reached an operation (a
 * wrong method, a body over the limit, a fault that answered in its place):
 * `err_code` is the wire code it was answered with (NULL for none),
 * `context->injected` the fault type when there was one. Returns the
 * entry's key for store_journal_delivered (> 0), or -1 when the write
 * failed (nothing is recorded then).
 */
int64_t store_record_refusal(task_store *store, const char *op, const char *task_name,
			     const char *err_code, int http_status, const store_request *context);

/* ---- the control API ------------------------------------------------- */

typedef enum {
	STORE_OK = 0,
	STORE_NOT_FOUND,
	STORE_EXISTS,
	STORE_INVALID,
	STORE_FAILED, /* storage failure; nothing changed */
} store_status;

/*
 * Reads one task as a JSON object (taskName, state, componentType, host,
 * port, seq, project, identity, config, checkpoint, progress, lastError,
 * createdAt, updatedAt). Returns STORE_OK with `*out` set, STORE_NOT_FOUND,
 * or STORE_FAILED; `*out` is NULL unless STORE_OK.
 */
store_status store_get_task(task_store *store, const char *ns, const char *task_name,
			    int64_t now_ms, cJSON **out);

/*
 * Lists tasks in name order; `state` and `type` filter when not NULL.
 * Returns STORE_OK with a JSON array in `*out`, or STORE_FAILED.
 */
store_status store_list_tasks(task_store *store, const char *ns, const char *state,
			      const char *type, int64_t now_ms, cJSON **out);

/* How many tasks the namespace has, or -1 on a storage failure. */
int64_t store_count_tasks(task_store *store, const char *ns, int64_t now_ms);

/* Counts tasks by state and component type (incr_trans, full_trans,
 * other). STORE_OK or STORE_FAILED. */
store_status store_task_counts(task_store *store, const char *ns, int64_t now_ms,
			       int64_t counts[TASK__COUNT][COMPONENT__COUNT]);

/*
 * Creates a task from a JSON object {"taskName", "state", "config",
 * "checkpoint"?, "progress"?, "lastError"?} (the fixture format). Returns
 * STORE_OK, STORE_EXISTS (that name, or a live task of the same identity),
 * STORE_INVALID with a sentence in `why`, or STORE_FAILED. Nothing changes
 * unless STORE_OK. On STORE_OK, when `created` is not NULL, it receives the
 * task as written (read in the same transaction, so a concurrent operation
 * cannot make the answer disagree with what was committed).
 */
store_status store_create_task(task_store *store, const char *ns, const cJSON *spec, int64_t now_ms,
			       cJSON **created, char *why, size_t why_cap);

/* Forces a task ABNORMAL with `message` as its lastError. STORE_OK (and,
 * when `task` is not NULL, the task as written), STORE_NOT_FOUND or
 * STORE_FAILED. */
store_status store_fail_task(task_store *store, const char *ns, const char *task_name,
			     const char *message, int64_t now_ms, cJSON **task);

/*
 * Wipes the namespace's tasks, sequences, tombstones and journal, then
 * loads `fixtures` {"tasks":[...]} (NULL: the text of store_set_fixtures)
 * — all in one transaction. Snapshots stay. Returns STORE_OK, STORE_INVALID
 * (the fixtures are bad; `why` says which task and why, and nothing
 * changed), or STORE_FAILED.
 */
store_status store_reset(task_store *store, const char *ns, const char *fixtures, size_t len,
			 int64_t now_ms, char *why, size_t why_cap);

typedef struct {
	const char *task_name; /* NULL: any */
	const char *op;	       /* NULL: any */
	int success;	       /* -1: any, 0: failures, 1: successes */
	const char *err_code;  /* NULL: any */
	bool has_since, has_until;
	int64_t since_ms, until_ms; /* inclusive bounds on the record time */
	int64_t limit;		    /* at most this many, the newest ones; 0: the default */
	/* only the entries after id `after_id`, and then the oldest `limit` of
	 * them (a reader paging forward) */
	bool has_after_id;
	int64_t after_id;
	bool has_delivered; /* select by delivery (an unknown one never matches) */
	bool delivered;
} store_journal_filter;

/* Reads journal entries, oldest first, into a JSON array. STORE_OK or
 * STORE_FAILED. */
store_status store_journal(task_store *store, const char *ns, const store_journal_filter *filter,
			   int64_t now_ms, cJSON **out);

/* Counts the entries the filter selects (its limit ignored). */
store_status store_journal_count(task_store *store, const char *ns,
				 const store_journal_filter *filter, int64_t now_ms,
				 int64_t *count);

/*
 * Writes, once the answer is out, whether entry `journal_id` (a key from
 * store_outcome or store_record_refusal) reached its client, and what a
 * socket-level fault sent (a JSON object's text, or NULL). Until then the
 * entry shows delivered null. STORE_OK, or STORE_NOT_FOUND (the entry is
 * gone: purged, cleared, its namespace deleted, which this never creates
 * again) or STORE_FAILED.
 */
store_status store_journal_delivered(task_store *store, const char *ns, int64_t journal_id,
				     bool delivered, const char *sent_json);

/* Removes every journal entry of the namespace. */
store_status store_journal_clear(task_store *store, const char *ns, int64_t now_ms);

/* Lists namespaces: [{"name","createdAt","tasks","snapshots"}]. */
store_status store_namespaces(task_store *store, cJSON **out);

/* Removes a namespace and everything in it (snapshots too). STORE_OK,
 * STORE_NOT_FOUND, STORE_FAILED. Naming it again later creates it anew. */
store_status store_namespace_delete(task_store *store, const char *ns);

/*
 * Snapshots: a namespace's tasks, sequences and tombstones, saved under a
 * name ([A-Za-z0-9_-]{1,64}) in the database. Saving over an existing name
 * replaces it; restoring replaces the namespace's tasks and tombstones and
 * raises its sequences to the snapshot's where they are lower (they never
 * go down: a SEQ is never issued twice); the journal stays. STORE_OK, STORE_NOT_FOUND (restore or
 * delete of an absent snapshot), STORE_INVALID (a bad name), STORE_FAILED.
 */
store_status store_snapshot_save(task_store *store, const char *ns, const char *name,
				 int64_t now_ms);
store_status store_snapshot_restore(task_store *store, const char *ns, const char *name,
				    int64_t now_ms);
store_status store_snapshot_delete(task_store *store, const char *ns, const char *name,
				   int64_t now_ms);
/* [{"name","createdAt","tasks"}] */
store_status store_snapshots(task_store *store, const char *ns, int64_t now_ms, cJSON **out);

#endif
