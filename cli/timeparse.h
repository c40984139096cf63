/*
 * timeparse.h — the TIME argument of connectorctl (pullback --to, mock
 * clock --set) and the zones it is read in.
 *
 * Three spellings are accepted, at most CLI_TIME_TEXT_MAX bytes:
 *
 *     YYYY-MM-DD HH:MM:SS            a wall-clock time in a zone (--tz)
 *     YYYY-MM-DDTHH:MM:SS[OFFSET]    ISO 8601; OFFSET is Z, +HH:MM, +HHMM or
 *                                    +HH (or -); without it, as the first
 *     DIGITS                         unix seconds, 0..CLI_TIME_MAX
 *
 * Years 1970..9999; every instant must lie in 0..CLI_TIME_MAX (the last
 * second a checkpoint may name). No fractions, no leap second (:60).
 *
 * cli_time_parse and cli_time_format are pure: no allocation, no clock, no
 * global, no zone database. Reading a wall-clock time in a zone is
 * cli_zone_resolve's job (timezone.c), which uses the process's TZ.
 * Error sentences go into a caller's buffer `why` of `why_cap` bytes
 * (always NUL-terminated, possibly cut; `why` may be NULL).
 */
#ifndef CONNECTORCTL_TIMEPARSE_H
#define CONNECTORCTL_TIMEPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	CLI_TIME_TEXT_MAX = 64,	     /* bytes of a TIME argument */
	CLI_TIME_OFFSET_MAX = 64800, /* 18 hours, in seconds, as java.time */
	CLI_TIME_FORMATTED_MAX = 32, /* "9999-12-31 23:59:59 +18:00" and its NUL */
};

/* 9999-12-31T23:59:59Z */
#define CLI_TIME_MAX INT64_C(253402300799)

typedef struct {
	/* true: `epoch` is the instant and `offset` (seconds east of UTC)
	 * the offset the text named (0 for unix seconds and Z). false: the
	 * text is a wall-clock time without an offset, in the fields below,
	 * to be read in a zone. */
	bool absolute;
	bool has_offset; /* the text named an offset (ISO 8601 with OFFSET) */
	int64_t epoch;
	int offset;
	int year, month, day, hour, minute, second;
} cli_time;

/*
 * Parses `len` bytes at `text` (no NUL needed). Returns 0 and fills `out`,
 * or -1 with a sentence in `why` that shows the accepted spellings.
 */
int cli_time_parse(const char *text, size_t len, cli_time *out, char *why, size_t why_cap);

/* Seconds since the epoch of a proleptic Gregorian date and time in UTC.
 * The fields must be in range (as cli_time_parse leaves them). */
int64_t cli_time_from_fields(int year, int month, int day, int hour, int minute, int second);

/*
 * Writes `epoch` as seen at `offset` seconds east of UTC, as
 * "YYYY-MM-DD HH:MM:SS +HH:MM", into `buf` (CLI_TIME_FORMATTED_MAX bytes
 * or more). Returns 0, or -1 ("" in `buf`) when `epoch + offset` is
 * outside 0..CLI_TIME_MAX or `|offset|` > CLI_TIME_OFFSET_MAX.
 */
int cli_time_format(int64_t epoch, int offset, char *buf, size_t cap);

#endif
