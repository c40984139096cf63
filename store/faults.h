/*
 * faults.h — the fault-injection engine behind `/_mock/faults`.
 *
 * A fault list holds up to FAULTS_MAX rules, each saying: when a request for
 * operation `op` (or any, "*") on task `task_name` (or any) arrives, let
 * `after` such requests pass, then inject the action on at most `times` of
 * them (or forever, -1), each with probability `probability`, until the
 * fault is removed or its TTL runs out.
 *
 * Pure code: no HTTP, no SQLite, no clock and no global. The caller passes
 * the time (`now_ms`, the namespace's virtual clock, in milliseconds) into
 * every call that needs it, and owns the list; nothing here locks, so the
 * caller serialises every call on one list (one list per namespace, under
 * that namespace's lock).
 *
 * Invariants:
 *  - ids are positive, increase by one per added fault and are never reused
 *    for the list's lifetime (faults_clear keeps the sequence), so a DELETE
 *    of an old id never removes a newer fault;
 *  - the list is kept in id order, and faults_match walks it in that order;
 *  - each fault draws its random numbers from its own PRNG state (splitmix64,
 *    started from the seed), so one fault's draws never shift another's:
 *    the same faults, seeds and request sequence give the same outcomes;
 *  - probability 1 always fires and 0 never does (a draw is in [0, 1));
 *  - a fault's `body` is owned by the list; copies handed out by faults_match
 *    own a duplicate.
 *
 * Error sentences are written into a caller's buffer `why` of `why_cap`
 * bytes (always NUL-terminated, possibly cut; `why` may be NULL).
 */
#ifndef CONNECTOR_MOCK_FAULTS_H
#define CONNECTOR_MOCK_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "limits.h"
#include "rules.h"
#include "taskname.h"

/* The caps (FAULTS_*_MAX) are in limits.h. */
enum {
	FAULTS_ERROR_HTTP_STATUS = 200,	 /* default of an error action */
	FAULTS_STATUS_HTTP_STATUS = 503, /* default of a status action */
};

typedef enum {
	FAULT_ERROR,	/* the OMS envelope with an error; nothing changes */
	FAULT_STATUS,	/* a raw HTTP answer; nothing changes */
	FAULT_DELAY,	/* wait `ms`, then behave normally */
	FAULT_DROP,	/* close the connection without an answer; nothing changes */
	FAULT_HANG,	/* answer nothing for `ms`, then close; nothing changes */
	FAULT_LOST_ACK, /* apply and commit, then answer as `then` says */
	/* socket-level: each applies the operation first when `apply` says so */
	FAULT_RESET,   /* close with a TCP RST, no answer */
	FAULT_PARTIAL, /* status line, headers, `bytes` of the body, then close */
	FAULT_SLOW,    /* the answer's body at `rate` bytes per second */
	FAULT_GARBAGE, /* `body` written raw (not HTTP), then close */
	FAULT__COUNT
} fault_type;

typedef struct {
	int64_t id;		    /* > 0 */
	char op[FAULTS_OP_MAX + 1]; /* "stop", "resume", "update", "migrate", "delete" or "*" */
	char task_name[TASKNAME_MAX + 1]; /* a well-formed name, or "" for any task */
	int64_t after;			  /* matches to let pass first, 0..FAULTS_COUNT_MAX */
	int64_t times;	       /* injections allowed, 1..FAULTS_COUNT_MAX; -1 = unlimited */
	double probability;    /* 0..1 */
	uint64_t seed;	       /* as given, or derived from the id; <= FAULTS_SEED_MAX */
	uint64_t rng;	       /* PRNG state, started from seed */
	int64_t created_at_ms; /* the clock when added */
	int64_t expires_at_ms; /* the first instant it is dead; 0 = never */
	fault_type type;       /* the action */
	/* What to answer: for FAULT_LOST_ACK one of FAULT_DROP, FAULT_ERROR or
	 * FAULT_STATUS (after the commit); for every other type equal to
	 * `type`, so a server may switch on `then` for the answer alone. */
	fault_type then;
	/* FAULT_ERROR, and FAULT_LOST_ACK with then = FAULT_ERROR; else "" */
	char err_code[FAULTS_ERR_CODE_MAX + 1];
	char err_msg[FAULTS_ERR_MSG_MAX + 1];
	bool retryable;
	/* FAULT_ERROR / FAULT_STATUS and the lost_ack answers of those kinds;
	 * else 0. */
	int http_status;
	char *body; /* FAULT_STATUS (or lost_ack then status): owned; NULL = "" */
	int64_t ms; /* FAULT_DELAY / FAULT_HANG: 0..FAULTS_MS_MAX; else 0 */
	/* the socket-level actions: whether the operation runs first (its
	 * answer is then what partial and slow send; without it they send the
	 * error answer's defaults), partial's body bytes, slow's bytes/s */
	bool apply;
	int64_t bytes; /* FAULT_PARTIAL: 0..FAULTS_BODY_MAX */
	int64_t rate;  /* FAULT_SLOW: 1..FAULTS_RATE_MAX */
	/* the scope ("" = any): a request header (name without case, value
	 * exactly), the client's address; and for a fault on the control API
	 * (path_prefix set; op is "*" and task_name ""), its method and path */
	char header_name[FAULTS_HEADER_NAME_MAX + 1];
	char header_value[FAULTS_HEADER_VALUE_MAX + 1];
	char client[FAULTS_CLIENT_MAX + 1];
	char method[FAULTS_METHOD_MAX + 1];
	char path_prefix[FAULTS_PATH_PREFIX_MAX + 1];
	int64_t matches;       /* requests that matched op and taskName while alive */
	int64_t hits;	       /* times injected */
	int64_t last_fired_ms; /* the clock at the last hit; -1 = never */
} fault;

/* A request as faults see it. An OMS request has `op` (its name) and no
 * `path`; a control-API request has `path` (e.g. "/_mock/tasks/x") and no
 * `op`. `header` looks a request header up by name (without case), NULL
 * when absent; `header` NULL: the request has none. */
typedef struct {
	const char *op;
	const char *task_name;
	const char *client;
	const char *method;
	const char *path;
	const char *(*header)(void *ctx, const char *name);
	void *header_ctx;
} fault_request;

typedef struct {
	fault *items; /* owned; `count` used of `cap`, in id order */
	size_t count, cap;
	int64_t next_id; /* the id the next added fault gets */
} fault_list;

/* Makes an empty list whose first fault gets id 1. Cannot fail. */
void faults_init(fault_list *list);

/* Frees every fault and the array; the list is left as after faults_init
 * (ids start over at 1). Safe on an initialised, empty list. */
void faults_free(fault_list *list);

/*
 * Parses and validates a POST /_mock/faults body of `len` bytes (no NUL
 * needed): a JSON object
 *
 *     {"op": "stop"|"resume"|"update"|"migrate"|"delete"|"*",   required
 *      "taskName": a well-formed name or null,   optional; absent = any task
 *      "after": integer 0..1e9,                  optional; default 0
 *      "times": -1 or integer 1..1e9,            optional; default 1
 *      "probability": number 0..1,               optional; default 1
 *      "seed": integer 0..2^53-1 or null,        optional; default derived from the id
 *      "ttlMs": integer 1..FAULTS_TTL_MAX_MS or null, optional; default never
 *      "action": {"type": ..., ...}}             required
 *
 * with one of these actions (the fields of each, and no others):
 *
 *     error    errCode ([A-Za-z][A-Za-z0-9_.-]*, 1..63 bytes; default
 *              "INJECTED_FAULT"), errMsg (1..511 bytes; default a sentence
 *              naming the fault), retryable (bool; default false),
 *              httpStatus (200..599; default 200)
 *     status   httpStatus (200..599; default 503), body (string of at most
 *              65536 bytes; default "")
 *     delay    ms (0..600000; required)
 *     drop     nothing
 *     hang     ms (0..600000; required)
 *     lost_ack then ("drop", "error" or "status"; default "drop"), and the
 *              fields of the `then` action with its defaults
 *     reset    apply (bool; default false)
 *     partial  bytes (0..65536; required), apply (bool; default false)
 *     slow     rate (bytes per second, 1..1000000; required), apply
 *     garbage  body (1..65536 bytes; default a line that is not HTTP), apply
 *
 * and optionally a scope: "header": {"name", "value"} (a request header's
 * name and exact value), "client": an IPv4 or IPv6 address; or, instead of
 * op and taskName, "pathPrefix" (starting /_mock/, not /_mock/faults) and
 * "method" for a fault on the control API, whose action is one of status,
 * delay, drop, hang, reset or garbage (without apply).
 *
 * Refused, with a sentence in `why` naming the field: a body that is not
 * valid UTF-8 or holds a NUL (raw or "\u0000"), is not one JSON object, or
 * has bytes after it; unknown or duplicate fields; wrong types; numbers out
 * of range or not integral where an integer is wanted; a bad op, taskName
 * (taskname_parse) or errCode; a full list (FAULTS_MAX faults, none of
 * them expired); a negative `now_ms`.
 *
 * On success adds the fault with the next id, created at `now_ms`, and
 * returns that id (> 0). When the list is full, expired faults are dropped
 * first to make room. On failure (including out of memory) returns -1 and
 * the list is unchanged.
 */
int64_t faults_add_json(fault_list *list, const char *body, size_t len, int64_t now_ms, char *why,
			size_t why_cap);

/*
 * Decides whether a request for operation `op` on `task_name` (as sent: may
 * be NULL, empty or malformed, and is compared byte for byte) triggers a
 * fault at `now_ms`. Walks the live (unexpired) faults in id order; for each
 * whose op is `op` or "*" and whose task_name is "" or equals `task_name`:
 *
 *     matches++;
 *     if matches <= after: next fault;
 *     if times >= 0 and hits >= times: next fault;
 *     draw u in [0, 1) from the fault's own PRNG;
 *     if u < probability: hits++, and this fault fires.
 *
 * The first fault that fires ends the walk: later faults do not see the
 * request. Expired faults are skipped and keep their counters.
 *
 * Returns 1 when a fault fires: when `out` is not NULL it receives a copy
 * of the fault as it is after the hit, whose `body` is a duplicate the
 * caller frees with fault_free_copy. Returns 0 when none fires (`out`
 * untouched). Returns -1 when the copy could not be made (out of memory);
 * then nothing fired and the list is unchanged (no counter, no PRNG state).
 * Deterministic: the same list, seeds and request sequence give the same
 * results.
 */
int faults_match(fault_list *list, const char *op, const char *task_name, int64_t now_ms,
		 fault *out);

/* The same for any request, scope included: a fault selects a request when
 * its op and taskName (OMS) or method and pathPrefix (control API) select
 * it, and its header and client, when set, are the request's. A hit also
 * sets last_fired_ms to `now_ms`. */
int faults_match_request(fault_list *list, const fault_request *request, int64_t now_ms,
			 fault *out);

/* Frees the body of a copy from faults_match and sets it to NULL. Safe on
 * NULL, and on a copy already freed. */
void fault_free_copy(fault *copy);

/* Removes the fault `id`. Returns 0, or -1 when there is none (the list is
 * unchanged). */
int faults_remove(fault_list *list, int64_t id);

/* Removes every fault. Ids keep counting from where they were. */
void faults_clear(fault_list *list);

/*
 * The list as JSON, for GET /_mock/faults:
 *
 *     {"faults": [{"id", "op", "taskName" (or null), "after", "times",
 *                  "probability", "seed", "ttlMs" (or null), "createdAt",
 *                  "expiresAt" (or null; clock milliseconds),
 *                  "action": {"type", ...the action's fields, defaults filled},
 *                  "matches", "hits", "expired": bool, "exhausted": bool}]}
 *
 * `expired` is whether the TTL has run out at `now_ms`; `exhausted` whether
 * `times` injections have been made. The caller frees the result with
 * cJSON_Delete; NULL when out of memory.
 */
cJSON *faults_to_json(const fault_list *list, int64_t now_ms);

/* The action object of one fault, as in faults_to_json ("error", ...).
 * Caller frees; NULL when out of memory. Handy for the journal. */
cJSON *fault_action_to_json(const fault *f);

/* Whether the fault's TTL has not run out at `now_ms`. */
bool fault_alive(const fault *f, int64_t now_ms);

/* Whether `times` injections have been made. */
bool fault_exhausted(const fault *f);

/* The one table of fault type names: "error", "status", "delay", "drop",
 * "hang", "lost_ack", "reset", "partial", "slow", "garbage"; "unknown" for
 * a value outside the enum. Never NULL. */
const char *fault_type_name(fault_type type);

/* The type of a name fault_type_name gives (exactly); FAULT__COUNT for
 * anything else, NULL included. */
fault_type fault_type_from_name(const char *name);

#endif
