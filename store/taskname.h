/*
 * taskname.h — the grammar of OMS connector task names.
 *
 *     HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ
 *
 * A parsed name keeps every part as the text it was written with, so that
 * formatting a parsed name gives back the same bytes: names have exactly one
 * spelling (no leading zeros in PORT, SUB or IDX; SEQ exactly 10 digits).
 * The parts' sizes are bounded below; a longer part is a parse error, never a
 * truncation. Pure code: no allocation, no globals.
 */
#ifndef CONNECTOR_MOCK_TASKNAME_H
#define CONNECTOR_MOCK_TASKNAME_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

typedef enum {
	COMPONENT_INCR_TRANS, /* Incr-Sync */
	COMPONENT_FULL_TRANS, /* Full-Import */
	COMPONENT_OTHER,      /* parses, but is neither */
	COMPONENT__COUNT
} component_type;

typedef struct {
	char host[TASKNAME_HOST_MAX + 1];
	unsigned port;
	char project[TASKNAME_PROJECT_MAX + 1];
	char type[TASKNAME_TYPE_MAX + 1];
	char sub[TASKNAME_NUMBER_MAX + 1];
	char idx[TASKNAME_NUMBER_MAX + 1];
	uint64_t seq;
	component_type component;
} taskname;

/*
 * Parses `len` bytes at `text` (no NUL needed). Returns 0 and fills `out` on
 * success. On failure returns -1, leaves `out` unspecified, and points `*why`
 * (when `why` is not NULL) at a static sentence naming the broken part.
 */
int taskname_parse(const char *text, size_t len, taskname *out, const char **why);

/*
 * Checks a HOST token (also the `ip` parameter of migrate): an IPv4 dotted
 * quad, or a host-name-like token of [A-Za-z0-9.*_-], 1..253 bytes. A token
 * made only of digits and dots must be a valid dotted quad. Returns 0 when
 * valid, -1 with `*why` set otherwise.
 */
int taskname_check_host(const char *text, size_t len, const char **why);

/* Formats the full name into `buf` (at least TASKNAME_MAX + 1 bytes). */
void taskname_format(const taskname *name, char *buf, size_t cap);

/* Formats PROJECT-TYPE-SUB-IDX into `buf` (TASKNAME_IDENTITY_MAX + 1). */
void taskname_identity(const taskname *name, char *buf, size_t cap);

/* "incr_trans" / "full_trans" / "other". Never NULL. */
const char *component_type_name(component_type type);

#endif
