/*
 * timezone.h — reading a wall-clock TIME in an IANA zone (--tz).
 *
 * glibc reads a zone it cannot find as UTC without a word, so a zone name
 * is checked first: a relative path of [A-Za-z0-9_+-.] components, none of
 * them "." or "..", naming a TZif file under $TZDIR or /usr/share/zoneinfo.
 *
 * Not pure: the conversions set the process's TZ for the duration of one
 * call and put it back (connectorctl is single-threaded; never call these
 * from a program with threads).
 */
#ifndef CONNECTORCTL_TIMEZONE_H
#define CONNECTORCTL_TIMEZONE_H

#include <stddef.h>
#include <stdint.h>

#include "timeparse.h"

enum { CLI_ZONE_NAME_MAX = 255 };

/* Returns 0 when `zone` names an installed zone, else -1 with why. */
int cli_zone_check(const char *zone, char *why, size_t why_cap);

/*
 * The instant of `time` and the offset to show it with: an absolute time
 * keeps its own (and, without an offset of its own, takes the zone's at that
 * instant); a wall-clock time is read in `zone` (NULL: the local zone). A
 * wall-clock time that the zone skips (a daylight-saving gap) is refused.
 * Returns 0, or -1 with why; the zone must have passed cli_zone_check.
 */
int cli_zone_resolve(const cli_time *time, const char *zone, int64_t *epoch, int *offset, char *why,
		     size_t why_cap);

#endif
