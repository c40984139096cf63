/*
 * timezone.c — zones through libc's own database reader: TZ is set around
 * one mktime or localtime_r and restored, so nothing else sees it.
 */
#define _POSIX_C_SOURCE 200809L
#include "timezone.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int refuse(char *why, size_t cap, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t cap, const char *format, ...)
{
	if (why && cap) {
		va_list list;
		va_start(list, format);
		vsnprintf(why, cap, format, list);
		va_end(list);
	}
	return -1;
}

static int name_valid(const char *zone)
{
	size_t len = strlen(zone);
	if (len == 0 || len > CLI_ZONE_NAME_MAX || zone[0] == '/' || zone[len - 1] == '/')
		return 0;
	const char *part = zone;
	for (const char *p = zone;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - part);
			if (n == 0 || (n == 1 && part[0] == '.') ||
			    (n == 2 && part[0] == '.' && part[1] == '.'))
				return 0;
			if (*p == '\0')
				return 1;
			part = p + 1;
			continue;
		}
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return 0;
	}
}

int cli_zone_check(const char *zone, char *why, size_t why_cap)
{
	if (!name_valid(zone))
		return refuse(why, why_cap,
			      "'%s' is not a zone name: an IANA name such as Asia/Shanghai or UTC",
			      zone);
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, zone) >= (int)sizeof path)
		return refuse(why, why_cap, "'%s' is not a known zone", zone);
	FILE *file = fopen(path, "rb");
	char magic[4] = {0};
	size_t got = file ? fread(magic, 1, sizeof magic, file) : 0;
	if (file)
		fclose(file);
	if (got != 4 || memcmp(magic, "TZif", 4) != 0)
		return refuse(why, why_cap,
			      "'%s' is not a known zone (no zone file of that name under $TZDIR "
			      "or /usr/share/zoneinfo)",
			      zone);
	return 0;
}

typedef struct {
	char *saved; /* the TZ before, or NULL when it was unset */
	int changed;
} zone_guard;

static int zone_enter(zone_guard *guard, const char *zone)
{
	*guard = (zone_guard){0};
	if (!zone) {
		tzset();
		return 0;
	}
	const char *old = getenv("TZ");
	if (old && !(guard->saved = strdup(old)))
		return -1;
	if (setenv("TZ", zone, 1) != 0) {
		free(guard->saved);
		return -1;
	}
	guard->changed = 1;
	tzset();
	return 0;
}

static void zone_leave(zone_guard *guard)
{
	if (!guard->changed)
		return;
	if (guard->saved)
		setenv("TZ", guard->saved, 1);
	else
		unsetenv("TZ");
	free(guard->saved);
	tzset();
}

/* The zone's offset at `epoch`, from the wall clock localtime_r gives. */
static int offset_at(int64_t epoch, int *offset)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return -1;
	int64_t wall = cli_time_from_fields(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					    tm.tm_hour, tm.tm_min, tm.tm_sec);
	*offset = (int)(wall - epoch);
	return 0;
}

int cli_zone_resolve(const cli_time *time, const char *zone, int64_t *epoch, int *offset, char *why,
		     size_t why_cap)
{
	zone_guard guard;
	if (zone_enter(&guard, zone) < 0)
		return refuse(why, why_cap, "cannot use the zone '%s' (out of memory)", zone);
	int rc = 0;
	const char *shown = zone ? zone : "the local zone";
	if (time->absolute) {
		*epoch = time->epoch;
		*offset = time->offset;
		if (!time->has_offset && offset_at(*epoch, offset) < 0)
			rc = refuse(why, why_cap, "cannot read the time in %s", shown);
	} else {
		struct tm tm = {.tm_year = time->year - 1900,
				.tm_mon = time->month - 1,
				.tm_mday = time->day,
				.tm_hour = time->hour,
				.tm_min = time->minute,
				.tm_sec = time->second,
				.tm_isdst = -1};
		time_t t = mktime(&tm);
		if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
			rc = refuse(why, why_cap, "cannot read the time in %s", shown);
		else if (tm.tm_year != time->year - 1900 || tm.tm_mon != time->month - 1 ||
			 tm.tm_mday != time->day || tm.tm_hour != time->hour ||
			 tm.tm_min != time->minute || tm.tm_sec != time->second)
			rc = refuse(why, why_cap,
				    "that wall-clock time does not exist in %s (a daylight-saving "
				    "gap)",
				    shown);
		else if ((int64_t)t < 0 || (int64_t)t > CLI_TIME_MAX)
			rc = refuse(why, why_cap,
				    "that time in %s is before 1970 or after 9999-12-31T23:59:59Z",
				    shown);
		else {
			*epoch = (int64_t)t;
			rc = offset_at(*epoch, offset);
		}
	}
	zone_leave(&guard);
	return rc;
}
