/*
 * cm.h — connectorctl's HTTP side: one libcurl handle, the OMS envelope
 * check, and the retry loop of an OMS step.
 *
 * Everything prints through here: a step's human line is the caller's, but
 * retry notes and errors (errCode, errMsg, proposal; what came back when it
 * is not the envelope) go to stderr from cm_step_run, and with --json every
 * envelope received goes to stdout as it came, one per line.
 */
#ifndef CONNECTORCTL_CM_H
#define CONNECTORCTL_CM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

/* The exit statuses, documented in --help and connectorctl(1). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_REFUSED = 1,	   /* the CM (or the control API) said no */
	CLI_EXIT_USAGE = 2,	   /* bad arguments; nothing was sent */
	CLI_EXIT_TRANSPORT = 3,	   /* no answer: refused, closed, timed out */
	CLI_EXIT_NOT_ENVELOPE = 4, /* an answer that is not the expected JSON */
};

enum {
	CLI_URL_MAX = 2048,		  /* bytes of --cm */
	CLI_ANSWER_MAX = 8 * 1024 * 1024, /* bytes of an answer kept */
	CLI_RETRIES_MAX = 20,
	CLI_BACKOFF_BASE_MS = 200, /* the first retry waits 100..200 ms */
	CLI_BACKOFF_CAP_MS = 10000,
};

typedef struct {
	char base[CLI_URL_MAX + 1]; /* --cm without a trailing '/' */
	long timeout_ms;
	int retries;
	bool json;
	const char *token; /* the control API's bearer token, or NULL */
	uint64_t jitter;   /* PRNG state of the backoff's jitter */
	CURL *curl;
} cli_context;

/*
 * Checks and normalises a --cm URL into `ctx->base`: http:// or https://, a
 * host, an optional path prefix, no query, fragment, space or control
 * character, at most CLI_URL_MAX bytes. Returns 0, or -1 with why.
 */
int cli_base_set(cli_context *ctx, const char *url, char *why, size_t why_cap);

/* One HTTP exchange. `curl_code` 0 means an answer came back. */
typedef struct {
	int curl_code;
	char error[CURL_ERROR_SIZE + 64];
	long status;
	char *body; /* NUL-terminated, owned; never NULL after cli_http_send */
	size_t len;
	char content_type[128];
} cli_http;

/*
 * Sends METHOD base+`path` (already escaped), with `body` (NULL: none) as
 * application/json, and the bearer token when `admin`. Returns 0 when an
 * answer came back, -1 otherwise (out->error says why). The caller frees
 * with cli_http_free either way.
 */
int cli_http_send(cli_context *ctx, const char *method, const char *path, const char *body,
		  bool admin, cli_http *out);
void cli_http_free(cli_http *http);

/* URL-escapes `text` for a query or path segment. Caller frees with
 * curl_free; NULL when out of memory. */
char *cli_escape(cli_context *ctx, const char *text);

/*
 * The envelope of `http`'s body: a JSON object with the six OMS keys
 * (errCode, errMsg, errorDetail, isSuccess, result, retryable) and a
 * boolean isSuccess. NULL when it is not one. Caller frees.
 */
cJSON *cm_envelope(const cli_http *http);

/* Prints "connectorctl: WHAT: ERRCODE: errMsg" and the proposal. */
void cm_print_refusal(const char *what, const cJSON *envelope);

/* Prints what came back when it was not what was expected: status,
 * content type and the start of the body, control bytes escaped. */
void cli_print_unexpected(const char *what, const char *expected, const cli_http *http);

/* Sleeps before retry `attempt` (1, 2, ...): an exponential backoff
 * with jitter; returns the milliseconds slept. */
long cli_backoff(cli_context *ctx, int attempt);

/* ---- an OMS step and its retries ---------------------------------------- */

typedef struct cm_step cm_step;
struct cm_step {
	const char *op;	   /* "stop", "resume", "update", "migrate", "delete" */
	const char *task;  /* the taskName */
	const char *extra; /* more of the query ("pullBackFlag=true"), or NULL */
	const char *body;  /* update's JSON body, or NULL */
	/* transport failures may be retried: re-sending cannot apply it twice */
	bool idempotent;
	/* after an attempt that may have been applied (its answer was lost or
	 * said retryable), these refusals mean the earlier attempt did it:
	 * ILLEGAL_STATE from `wanted_state`, TASK_NOT_FOUND with
	 * extraContext.deleted (`gone_is_done`) or migratedTo (migrate) */
	const char *wanted_state;
	bool gone_is_done;
	/* ILLEGAL_STATE from `wanted_state` is fine even on the first attempt
	 * (pullback's stop of a STOPPED task) */
	bool wanted_is_fine;
	/* after a lost answer: 1 when the CM's state shows the step applied,
	 * 0 when it does not, -1 when it cannot tell (not connector-mock) */
	int (*recheck)(cli_context *ctx, const cm_step *step, void *arg);
	void *recheck_arg;
};

typedef enum {
	STEP_DONE,	/* success envelope */
	STEP_ALREADY,	/* the task already was where the step leads */
	STEP_RECOVERED, /* an earlier attempt's answer was lost, and it was applied */
	STEP_FAILED,	/* see exit */
} step_outcome;

typedef struct {
	step_outcome outcome;
	int exit; /* CLI_EXIT_*: OK unless FAILED */
	/* the result (the taskName, the new one for migrate), owned; NULL
	 * when failed */
	char *result;
} step_result;

/* Runs `step` with ctx->retries retries; prints errors and notes. The
 * caller frees result.result. */
step_result cm_step_run(cli_context *ctx, const cm_step *step);

#endif
