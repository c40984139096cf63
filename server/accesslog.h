/*
 * accesslog.h — one line at info for every request: what was asked, of
 * which task, and what came back in how long.
 *
 * The HTTP glue owns an `access_note` per request and writes the line once
 * the answer is queued; a route fills in what only it knows (the OMS
 * operation, the taskName it read, the errCode it answered, the fault it
 * injected). Fields: method path namespace op taskName status errCode
 * injected durationMs client.
 */
#ifndef CONNECTOR_MOCK_ACCESSLOG_H
#define CONNECTOR_MOCK_ACCESSLOG_H

#include <stdbool.h>
#include <stdint.h>

/* A longer taskName is logged cut to this many bytes. */
enum { ACCESS_TASK_NAME_MAX = 512, ACCESS_ERR_CODE_MAX = 64 };

typedef struct access_note {
	const char *op;	      /* the OMS operation ("resume"...), NULL otherwise; static */
	const char *injected; /* the fault type that answered, NULL if none; static */
	char task_name[ACCESS_TASK_NAME_MAX + 1];
	char err_code[ACCESS_ERR_CODE_MAX + 1]; /* "" : success or not an OMS answer */
	bool has_task_name;
} access_note;

/* Notes what an OMS route did. `task_name` and `err_code` are copied (and
 * cut to fit); `op` and `injected` must be static strings; any may be NULL. */
void access_note_set(access_note *note, const char *op, const char *task_name, const char *err_code,
		     const char *injected);

typedef struct {
	const char *method;
	const char *path;
	const char *ns;
	const char *client;
	unsigned status; /* 0: the connection was closed without an answer */
	int64_t duration_ns;
} access_request;

/* Writes the access line (log.h decides text or JSON). */
void access_log(const access_request *request, const access_note *note);

#endif
