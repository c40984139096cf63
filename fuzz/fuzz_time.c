/*
 * fuzz_time.c — connectorctl's TIME parser (cli/timeparse.c).
 *
 * The input is a TIME argument without a terminating NUL. Properties:
 *   - cli_time_parse never reads past `len` bytes; a refusal names the
 *     accepted spellings; nothing past CLI_TIME_TEXT_MAX bytes is accepted;
 *   - accepted fields are a real date and time of day, years 1970..9999;
 *   - an absolute time lies in 0..CLI_TIME_MAX with an offset within 18
 *     hours, and the fields are its wall clock at that offset;
 *   - formatting the instant and parsing the ISO 8601 spelling of that
 *     text gives the same instant back.
 */
#include <stdbool.h>

#include "../cli/timeparse.h"
#include "fuzz_common.h"

static bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static void check_fields(const cli_time *t)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	FUZZ_CHECK(t->year >= 1970 && t->year <= 9999, "year %d", t->year);
	FUZZ_CHECK(t->month >= 1 && t->month <= 12, "month %d", t->month);
	int last = t->month == 2 && leap(t->year) ? 29 : days[t->month - 1];
	FUZZ_CHECK(t->day >= 1 && t->day <= last, "day %d of %d-%d", t->day, t->year, t->month);
	FUZZ_CHECK(t->hour >= 0 && t->hour <= 23 && t->minute >= 0 && t->minute <= 59 &&
			   t->second >= 0 && t->second <= 59,
		   "time %d:%d:%d", t->hour, t->minute, t->second);
}

static void check_absolute(const cli_time *t)
{
	FUZZ_CHECK(t->epoch >= 0 && t->epoch <= CLI_TIME_MAX, "epoch %lld", (long long)t->epoch);
	FUZZ_CHECK(t->offset >= -CLI_TIME_OFFSET_MAX && t->offset <= CLI_TIME_OFFSET_MAX,
		   "offset %d", t->offset);
	int64_t wall =
		cli_time_from_fields(t->year, t->month, t->day, t->hour, t->minute, t->second);
	FUZZ_CHECK(wall - t->offset == t->epoch, "fields %lld - offset %d != epoch %lld",
		   (long long)wall, t->offset, (long long)t->epoch);

	char shown[CLI_TIME_FORMATTED_MAX];
	FUZZ_CHECK(cli_time_format(t->epoch, t->offset, shown, sizeof shown) == 0,
		   "epoch %lld offset %d does not format", (long long)t->epoch, t->offset);
	/* "YYYY-MM-DD HH:MM:SS +HH:MM" -> "YYYY-MM-DDTHH:MM:SS+HH:MM" */
	char iso[CLI_TIME_FORMATTED_MAX];
	memcpy(iso, shown, 10);
	iso[10] = 'T';
	memcpy(iso + 11, shown + 11, 8);
	memcpy(iso + 19, shown + 20, 6);
	cli_time again;
	char why[512];
	FUZZ_CHECK(cli_time_parse(iso, 25, &again, why, sizeof why) == 0,
		   "the formatted \"%.25s\" does not parse: %s", iso, why);
	FUZZ_CHECK(again.absolute && again.epoch == t->epoch && again.offset == t->offset,
		   "\"%.25s\" reparses to %lld %d, not %lld %d", iso, (long long)again.epoch,
		   again.offset, (long long)t->epoch, t->offset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);
	cli_time t;
	char why[512] = "";
	int rc = cli_time_parse(text, size, &t, why, sizeof why);
	cli_time quiet;
	FUZZ_CHECK(cli_time_parse(text, size, &quiet, NULL, 0) == rc,
		   "why=NULL changes the result");
	if (rc == 0) {
		FUZZ_CHECK(size >= 1 && size <= CLI_TIME_TEXT_MAX, "%zu bytes accepted", size);
		check_fields(&t);
		if (t.absolute)
			check_absolute(&t);
		else
			FUZZ_CHECK(!t.has_offset, "a wall-clock time with an offset");
	} else {
		FUZZ_CHECK(rc == -1 && strstr(why, "YYYY-MM-DD HH:MM:SS") != NULL,
			   "a refusal without the spellings (rc %d): %s", rc, why);
	}
	free(text);
	return 0;
}
