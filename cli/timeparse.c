/*
 * timeparse.c — TIME arguments: three spellings, one instant. Pure: the
 * calendar arithmetic is written out here (days from a civil date, after
 * Howard Hinnant's algorithm) so that no libc call reads the process's TZ.
 */
#include "timeparse.h"

#include <stdio.h>
#include <string.h>

static const char spellings[] = "a TIME is 'YYYY-MM-DD HH:MM:SS' (in --tz), "
				"'YYYY-MM-DDTHH:MM:SS+HH:MM' (ISO 8601, Z or an offset), "
				"or unix seconds";

static int refuse(char *why, size_t cap, const char *what)
{
	if (why && cap)
		snprintf(why, cap, "%s: %s", what, spellings);
	return -1;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Reads exactly `n` digits at `*p` (within `end`) into `*value`. */
static bool digits(const char **p, const char *end, int n, int *value)
{
	if (end - *p < n)
		return false;
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value = v;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 2 && leap(year) ? 29 : days[month - 1];
}

int64_t cli_time_from_fields(int year, int month, int day, int hour, int minute, int second)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + hour * 3600 + minute * 60 + second;
}

/* The civil date of a day count since 1970-01-01 (days >= 0). */
static void civil_from_days(int64_t days, int *year, int *month, int *day)
{
	days += 719468;
	int64_t era = days / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

/* ±HH[:MM|MM] or Z, to the end of the text. */
static bool parse_offset(const char *p, const char *end, int *offset)
{
	if (end - p == 1 && *p == 'Z') {
		*offset = 0;
		return true;
	}
	if (p >= end || (*p != '+' && *p != '-'))
		return false;
	int sign = *p == '-' ? -1 : 1;
	p++;
	int hours, minutes = 0;
	if (!digits(&p, end, 2, &hours))
		return false;
	if (p < end) {
		(void)expect(&p, end, ':');
		if (!digits(&p, end, 2, &minutes) || p != end)
			return false;
	}
	if (minutes > 59 || hours * 3600 + minutes * 60 > CLI_TIME_OFFSET_MAX)
		return false;
	*offset = sign * (hours * 3600 + minutes * 60);
	return true;
}

static int parse_unix(const char *text, size_t len, cli_time *out, char *why, size_t cap)
{
	if (len > 12)
		return refuse(why, cap, "unix seconds past 9999-12-31T23:59:59Z");
	int64_t value = 0;
	for (size_t i = 0; i < len; i++)
		value = value * 10 + (text[i] - '0');
	if (value > CLI_TIME_MAX)
		return refuse(why, cap, "unix seconds past 9999-12-31T23:59:59Z");
	*out = (cli_time){.absolute = true, .epoch = value};
	civil_from_days(value / 86400, &out->year, &out->month, &out->day);
	out->hour = (int)(value % 86400 / 3600);
	out->minute = (int)(value % 3600 / 60);
	out->second = (int)(value % 60);
	return 0;
}

int cli_time_parse(const char *text, size_t len, cli_time *out, char *why, size_t why_cap)
{
	if (len == 0)
		return refuse(why, why_cap, "an empty TIME");
	if (len > CLI_TIME_TEXT_MAX)
		return refuse(why, why_cap, "a TIME longer than 64 bytes");
	size_t n = 0;
	while (n < len && is_digit(text[n]))
		n++;
	if (n == len)
		return parse_unix(text, len, out, why, why_cap);

	const char *p = text, *end = text + len;
	cli_time t = {0};
	if (!digits(&p, end, 4, &t.year) || !expect(&p, end, '-') ||
	    !digits(&p, end, 2, &t.month) || !expect(&p, end, '-') || !digits(&p, end, 2, &t.day))
		return refuse(why, why_cap, "not a date YYYY-MM-DD");
	bool iso = p < end && *p == 'T';
	if (!expect(&p, end, iso ? 'T' : ' ') || !digits(&p, end, 2, &t.hour) ||
	    !expect(&p, end, ':') || !digits(&p, end, 2, &t.minute) || !expect(&p, end, ':') ||
	    !digits(&p, end, 2, &t.second))
		return refuse(why, why_cap, "not a time of day HH:MM:SS after the date");
	if (p < end) {
		if (!iso)
			return refuse(why, why_cap, "an offset needs the ISO 8601 'T' spelling");
		if (!parse_offset(p, end, &t.offset))
			return refuse(why, why_cap,
				      "a bad offset (Z, +HH:MM, +HHMM or +HH, at most 18 hours)");
		t.absolute = t.has_offset = true;
	}
	if (t.year < 1970 || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > days_in_month(t.year, t.month))
		return refuse(why, why_cap, "no such date (years 1970 to 9999)");
	if (t.hour > 23 || t.minute > 59 || t.second > 59)
		return refuse(why, why_cap, "no such time of day");
	if (t.absolute) {
		t.epoch = cli_time_from_fields(t.year, t.month, t.day, t.hour, t.minute, t.second) -
			  t.offset;
		if (t.epoch < 0 || t.epoch > CLI_TIME_MAX)
			return refuse(why, why_cap,
				      "an instant before 1970 or after 9999-12-31T23:59:59Z");
	}
	*out = t;
	return 0;
}

int cli_time_format(int64_t epoch, int offset, char *buf, size_t cap)
{
	if (cap)
		buf[0] = '\0';
	if (offset > CLI_TIME_OFFSET_MAX || offset < -CLI_TIME_OFFSET_MAX)
		return -1;
	int64_t local = epoch + offset;
	if (epoch < 0 || epoch > CLI_TIME_MAX || local < 0 || local > CLI_TIME_MAX)
		return -1;
	int year, month, day;
	civil_from_days(local / 86400, &year, &month, &day);
	int magnitude = offset < 0 ? -offset : offset;
	int written =
		snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d %c%02d:%02d", year, month, day,
			 (int)(local % 86400 / 3600), (int)(local % 3600 / 60), (int)(local % 60),
			 offset < 0 ? '-' : '+', magnitude / 3600, magnitude % 3600 / 60);
	if (written < 0 || (size_t)written >= cap) {
		if (cap)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}
