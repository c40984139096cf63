/*
 * accesslog.c — the per-request line (see accesslog.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "accesslog.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

void access_note_set(access_note *note, const char *op, const char *task_name, const char *err_code,
		     const char *injected)
{
	if (!note)
		return;
	note->op = op;
	note->injected = injected;
	note->has_task_name = task_name != NULL;
	copy_cut(note->task_name, sizeof note->task_name, task_name);
	copy_cut(note->err_code, sizeof note->err_code, err_code);
}

void access_log(const access_request *request, const access_note *note)
{
	char status[16], duration[32];
	snprintf(status, sizeof status, "%u", request->status);
	int64_t ns = request->duration_ns < 0 ? 0 : request->duration_ns;
	snprintf(duration, sizeof duration, "%lld.%03lld", (long long)(ns / 1000000),
		 (long long)(ns / 1000 % 1000));
	const log_field fields[] = {
		{"method", request->method, false},
		{"path", request->path, false},
		{"namespace", request->ns, false},
		{"op", note->op, false},
		{"taskName", note->has_task_name ? note->task_name : NULL, false},
		{"status", request->status ? status : "dropped", request->status != 0},
		{"errCode", note->err_code[0] ? note->err_code : NULL, false},
		{"injected", note->injected, false},
		{"durationMs", duration, true},
		{"client", request->client, false},
	};
	log_write_fields(LOG_INFO, "access", fields, sizeof fields / sizeof *fields);
}
