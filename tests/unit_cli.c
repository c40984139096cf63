/*
 * unit_cli.c — connectorctl's pure parsers: TIME (cli/timeparse.c) and the
 * zones it is read in (cli/timezone.c), --set and --delete
 * (cli/setspec.c). Tables of good and bad input, the limits and one past
 * each.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/setspec.h"
#include "../cli/timeparse.h"
#include "../cli/timezone.h"
#include "support.h"

/* ---- TIME ---------------------------------------------------------------- */

typedef struct {
	const char *text;
	int absolute; /* 1: epoch is the instant; 0: a wall clock (fields) */
	long long epoch;
	int offset;
	int year, month, day, hour, minute, second;
} good_time;

static const good_time good_times[] = {
	{"2023-02-13 19:00:00", 0, 0, 0, 2023, 2, 13, 19, 0, 0},
	{"2023-02-13T19:00:00", 0, 0, 0, 2023, 2, 13, 19, 0, 0},
	{"2023-02-13T19:00:00+08:00", 1, 1676286000, 28800, 2023, 2, 13, 19, 0, 0},
	{"2023-02-13T19:00:00+0800", 1, 1676286000, 28800, 2023, 2, 13, 19, 0, 0},
	{"2023-02-13T19:00:00+08", 1, 1676286000, 28800, 2023, 2, 13, 19, 0, 0},
	{"2023-02-13T11:00:00Z", 1, 1676286000, 0, 2023, 2, 13, 11, 0, 0},
	{"2023-02-13T06:00:00-05:00", 1, 1676286000, -18000, 2023, 2, 13, 6, 0, 0},
	{"2023-02-13T16:30:00+05:30", 1, 1676286000, 19800, 2023, 2, 13, 16, 30, 0},
	{"1676286000", 1, 1676286000, 0, 2023, 2, 13, 11, 0, 0},
	{"0", 1, 0, 0, 1970, 1, 1, 0, 0, 0},
	{"253402300799", 1, 253402300799LL, 0, 9999, 12, 31, 23, 59, 59},
	{"000000000001", 1, 1, 0, 1970, 1, 1, 0, 0, 1},
	{"1970-01-01T00:00:00Z", 1, 0, 0, 1970, 1, 1, 0, 0, 0},
	{"9999-12-31T23:59:59Z", 1, 253402300799LL, 0, 9999, 12, 31, 23, 59, 59},
	{"9999-12-31T23:59:59+18:00", 1, 253402300799LL - 64800, 64800, 9999, 12, 31, 23, 59, 59},
	{"2024-02-29 00:00:00", 0, 0, 0, 2024, 2, 29, 0, 0, 0},
	{"2000-02-29T12:00:00Z", 1, 951825600, 0, 2000, 2, 29, 12, 0, 0},
	{"1970-01-01 00:00:00", 0, 0, 0, 1970, 1, 1, 0, 0, 0},
};

START_TEST(test_time_good)
{
	const good_time *t = &good_times[_i];
	cli_time got;
	char why[512] = "";
	ck_assert_msg(cli_time_parse(t->text, strlen(t->text), &got, why, sizeof why) == 0,
		      "%s: %s", t->text, why);
	ck_assert_int_eq(got.absolute, t->absolute);
	if (t->absolute) {
		ck_assert_int_eq(got.epoch, t->epoch);
		ck_assert_int_eq(got.offset, t->offset);
	}
	ck_assert_int_eq(got.year, t->year);
	ck_assert_int_eq(got.month, t->month);
	ck_assert_int_eq(got.day, t->day);
	ck_assert_int_eq(got.hour, t->hour);
	ck_assert_int_eq(got.minute, t->minute);
	ck_assert_int_eq(got.second, t->second);
}
END_TEST

static const char *const bad_times[] = {
	"",
	" ",
	"yesterday",
	"2023-02-13",
	"2023-02-13 19:00",
	"2023-02-13 19:00:00 ",
	" 2023-02-13 19:00:00",
	"2023-02-13  19:00:00",
	"2023/02/13 19:00:00",
	"2023-2-13 19:00:00",
	"2023-02-13 19:00:00+08:00", /* an offset wants the ISO 'T' */
	"2023-02-13T19:00:00.5Z",    /* no fractions */
	"2023-02-13T19:00:00+8",
	"2023-02-13T19:00:00+08:0",
	"2023-02-13T19:00:00+08:60",
	"2023-02-13T19:00:00+18:01", /* past 18 hours */
	"2023-02-13T19:00:00+19",
	"2023-02-13T19:00:00z",
	"2023-02-13T19:00:00ZZ",
	"2023-02-13t19:00:00Z",
	"2023-00-13 19:00:00",
	"2023-13-13 19:00:00",
	"2023-02-29 00:00:00", /* not a leap year */
	"1900-02-29 00:00:00",
	"2023-04-31 00:00:00",
	"2023-02-00 00:00:00",
	"2023-02-13 24:00:00",
	"2023-02-13 23:60:00",
	"2023-02-13 23:59:60", /* no leap second */
	"1969-12-31 23:59:59",
	"1970-01-01T00:00:00+00:01", /* before the epoch */
	"1970-01-01T07:59:59+08:00",
	"253402300800", /* one second past 9999-12-31T23:59:59Z */
	"9999999999999",
	"99999999999999999999999999",
	"-1",
	"+1676286000",
	"1676286000 ",
	"0x10",
	"12e3",
	"2023-02-13T19:00:00+08:00\n",
	"२०२३-02-13 19:00:00",
};

START_TEST(test_time_bad)
{
	const char *text = bad_times[_i];
	cli_time got;
	char why[512] = "";
	ck_assert_msg(cli_time_parse(text, strlen(text), &got, why, sizeof why) == -1,
		      "'%s' was accepted", text);
	ck_assert_msg(strstr(why, "YYYY-MM-DD HH:MM:SS") != NULL,
		      "'%s': the refusal does not show the spellings: %s", text, why);
}
END_TEST

/* The parser reads `len` bytes, never up to a NUL. */
START_TEST(test_time_reads_len_bytes)
{
	cli_time got;
	ck_assert_int_eq(cli_time_parse("1676286000junk", 10, &got, NULL, 0), 0);
	ck_assert_int_eq(got.epoch, 1676286000);
	ck_assert_int_eq(cli_time_parse("2023-02-13T11:00:00Zjunk", 20, &got, NULL, 0), 0);
	ck_assert_int_eq(got.epoch, 1676286000);
	ck_assert_int_eq(cli_time_parse("2023-02-13T11:00:00Z", 19, &got, NULL, 0), 0);
	ck_assert(!got.absolute);
	/* the 64-byte limit itself: unix seconds padded with leading zeros
	 * are 64 digits, too many for unix seconds, refused with a reason */
	char longest[CLI_TIME_TEXT_MAX + 1];
	memset(longest, '0', CLI_TIME_TEXT_MAX);
	longest[CLI_TIME_TEXT_MAX] = '\0';
	char why[512] = "";
	ck_assert_int_eq(cli_time_parse(longest, CLI_TIME_TEXT_MAX, &got, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "unix seconds"));
	/* one byte past the limit, whatever it holds */
	char past[CLI_TIME_TEXT_MAX + 2];
	memset(past, ' ', sizeof past);
	memcpy(past, "2023-02-13T19:00:00Z", 20);
	ck_assert_int_eq(cli_time_parse(past, CLI_TIME_TEXT_MAX + 1, &got, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "longer than 64 bytes"));
}
END_TEST

START_TEST(test_time_format)
{
	char buf[CLI_TIME_FORMATTED_MAX];
	ck_assert_int_eq(cli_time_format(1676286000, 28800, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "2023-02-13 19:00:00 +08:00");
	ck_assert_int_eq(cli_time_format(1676286000, -19800, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "2023-02-13 05:30:00 -05:30");
	ck_assert_int_eq(cli_time_format(0, 0, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "1970-01-01 00:00:00 +00:00");
	ck_assert_int_eq(cli_time_format(CLI_TIME_MAX, 0, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "9999-12-31 23:59:59 +00:00");
	ck_assert_int_eq(cli_time_format(CLI_TIME_MAX, 1, buf, sizeof buf), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(cli_time_format(0, -1, buf, sizeof buf), -1);
	ck_assert_int_eq(cli_time_format(-1, 0, buf, sizeof buf), -1);
	ck_assert_int_eq(cli_time_format(100000, CLI_TIME_OFFSET_MAX + 1, buf, sizeof buf), -1);
	ck_assert_int_eq(cli_time_format(1676286000, 0, buf, 10), -1); /* too small a buffer */
	ck_assert_str_eq(buf, "");
	/* every day of four centuries round-trips through the fields */
	for (long long day = 0; day < 146097 * 4; day += 7) {
		long long epoch = day * 86400 + 3723;
		ck_assert_int_eq(cli_time_format(epoch, 0, buf, sizeof buf), 0);
		buf[19] = '\0';
		buf[10] = 'T';
		char iso[48];
		snprintf(iso, sizeof iso, "%sZ", buf);
		cli_time got;
		ck_assert_msg(cli_time_parse(iso, strlen(iso), &got, NULL, 0) == 0, "%s", iso);
		ck_assert_int_eq(got.epoch, epoch);
	}
}
END_TEST

/* ---- zones --------------------------------------------------------------- */

START_TEST(test_zone_check)
{
	char why[512];
	ck_assert_int_eq(cli_zone_check("Asia/Shanghai", why, sizeof why), 0);
	ck_assert_int_eq(cli_zone_check("UTC", why, sizeof why), 0);
	ck_assert_int_eq(cli_zone_check("America/New_York", why, sizeof why), 0);
	static const char *const bad[] = {"Mars/Olympus_Mons",
					  "Asia/Shangh",
					  "",
					  "/etc/passwd",
					  "../../etc/passwd",
					  "Asia/../UTC",
					  "Asia/",
					  "Asia//Shanghai",
					  "CST-8",
					  "Asia/Shanghai ",
					  "Asia",
					  "."};
	for (size_t i = 0; i < COUNT(bad); i++) {
		why[0] = '\0';
		ck_assert_msg(cli_zone_check(bad[i], why, sizeof why) == -1, "'%s' accepted",
			      bad[i]);
		ck_assert_msg(why[0] != '\0', "'%s' refused without a reason", bad[i]);
	}
	char longest[CLI_ZONE_NAME_MAX + 2];
	memset(longest, 'A', sizeof longest - 1);
	longest[sizeof longest - 1] = '\0';
	ck_assert_int_eq(cli_zone_check(longest, why, sizeof why), -1);
}
END_TEST

/* $TZDIR, when set, is where zones are looked up. */
START_TEST(test_zone_tzdir)
{
	setenv("TZDIR", "/nonexistent", 1);
	ck_assert_int_eq(cli_zone_check("Asia/Shanghai", NULL, 0), -1);
	setenv("TZDIR", "/usr/share/zoneinfo", 1);
	ck_assert_int_eq(cli_zone_check("Asia/Shanghai", NULL, 0), 0);
	unsetenv("TZDIR");
}
END_TEST

static long long resolve(const char *text, const char *zone, int *offset)
{
	cli_time time;
	int64_t epoch;
	char why[512] = "";
	ck_assert_int_eq(cli_time_parse(text, strlen(text), &time, why, sizeof why), 0);
	ck_assert_msg(cli_zone_resolve(&time, zone, &epoch, offset, why, sizeof why) == 0,
		      "%s in %s: %s", text, zone ? zone : "local", why);
	return epoch;
}

START_TEST(test_zone_resolve)
{
	int offset;
	/* the OMS page's 1676286000 is 2023-02-13 19:00:00 in UTC+8 */
	ck_assert_int_eq(resolve("2023-02-13 19:00:00", "Asia/Shanghai", &offset), 1676286000);
	ck_assert_int_eq(offset, 28800);
	ck_assert_int_eq(resolve("2023-02-13 11:00:00", "UTC", &offset), 1676286000);
	ck_assert_int_eq(offset, 0);
	/* New York in winter and in summer */
	ck_assert_int_eq(resolve("2023-02-13 06:00:00", "America/New_York", &offset), 1676286000);
	ck_assert_int_eq(offset, -18000);
	ck_assert_int_eq(resolve("2023-07-01 12:00:00", "America/New_York", &offset), 1688227200);
	ck_assert_int_eq(offset, -14400);
	/* an absolute time keeps its offset; unix seconds take the zone's */
	ck_assert_int_eq(resolve("2023-02-13T11:00:00Z", "Asia/Shanghai", &offset), 1676286000);
	ck_assert_int_eq(offset, 0);
	ck_assert_int_eq(resolve("1676286000", "Asia/Shanghai", &offset), 1676286000);
	ck_assert_int_eq(offset, 28800);
	/* the local zone is the process's TZ, and it is left as it was */
	setenv("TZ", "Asia/Tokyo", 1);
	ck_assert_int_eq(resolve("2023-02-13 20:00:00", NULL, &offset), 1676286000);
	ck_assert_int_eq(offset, 32400);
	ck_assert_int_eq(resolve("2023-02-13 19:00:00", "Asia/Shanghai", &offset), 1676286000);
	ck_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	ck_assert_int_eq(resolve("2023-02-13 19:00:00", "Asia/Shanghai", &offset), 1676286000);
	ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

START_TEST(test_zone_refusals)
{
	cli_time time;
	int64_t epoch;
	int offset;
	char why[512] = "";
	/* 02:30 does not exist in New York on 2023-03-12 */
	ck_assert_int_eq(cli_time_parse(LIT("2023-03-12 02:30:00"), &time, NULL, 0), 0);
	ck_assert_int_eq(
		cli_zone_resolve(&time, "America/New_York", &epoch, &offset, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "daylight-saving gap"));
	/* midnight of 1970-01-01 in UTC+8 is before the epoch */
	ck_assert_int_eq(cli_time_parse(LIT("1970-01-01 00:00:00"), &time, NULL, 0), 0);
	ck_assert_int_eq(cli_zone_resolve(&time, "Asia/Shanghai", &epoch, &offset, why, sizeof why),
			 -1);
	ck_assert_ptr_nonnull(strstr(why, "before 1970"));
	/* and the last second, a day later in UTC+8 than in UTC */
	ck_assert_int_eq(cli_time_parse(LIT("9999-12-31 23:59:59"), &time, NULL, 0), 0);
	ck_assert_int_eq(cli_zone_resolve(&time, "UTC", &epoch, &offset, why, sizeof why), 0);
	ck_assert_int_eq(epoch, CLI_TIME_MAX);
	ck_assert_int_eq(
		cli_zone_resolve(&time, "America/New_York", &epoch, &offset, why, sizeof why), -1);
}
END_TEST

/* ---- --set and --delete ------------------------------------------------- */

typedef struct {
	const char *text;
	const char *scope, *key, *value;
} good_set;

static const good_set good_sets[] = {
	{"coordinator.throttleRps=5000", "coordinator", "throttleRps", "5000"},
	{"source.a.b=1", "source", "a.b", "1"},
	{"source.key=", "source", "key", ""},
	{"source.key==x=y", "source", "key", "=x=y"},
	{"s.k=a value with spaces, commas and \"quotes\"", "s", "k",
	 "a value with spaces, commas and \"quotes\""},
	{"source.checkpoint={\"sub\":\"1\"}", "source", "checkpoint", "{\"sub\":\"1\"}"},
	{"scope.clé=värde", "scope", "clé", "värde"},
	{"s.k=line\nbreak", "s", "k", "line\nbreak"},
	{"x.y.=z", "x", "y.", "z"},
};

START_TEST(test_set_good)
{
	const good_set *t = &good_sets[_i];
	cli_set got;
	char why[512] = "";
	ck_assert_msg(cli_set_parse(t->text, strlen(t->text), &got, why, sizeof why) == 0, "%s: %s",
		      t->text, why);
	ck_assert_int_eq(got.scope_len, strlen(t->scope));
	ck_assert_int_eq(memcmp(got.scope, t->scope, got.scope_len), 0);
	ck_assert_int_eq(got.key_len, strlen(t->key));
	ck_assert_int_eq(memcmp(got.key, t->key, got.key_len), 0);
	ck_assert_int_eq(got.value_len, strlen(t->value));
	ck_assert_int_eq(memcmp(got.value, t->value, got.value_len), 0);
}
END_TEST

static const char *const bad_sets[] = {
	"",
	"coordinator.throttleRps", /* no '=' */
	"throttleRps=5000",	   /* no '.' before '=' */
	".key=1",
	"scope.=1",
	"=1",
	"scope=key.x", /* the '.' is after the '=' */
	"sco\tpe.key=1",
	"scope.k\x01y=1",
	"scope.key=\xff",
	"scope.key=\xc0\x80",	  /* an overlong NUL */
	"scope.key=\xed\xa0\x80", /* a surrogate */
	"scope.\xe2\x82=1",
};

START_TEST(test_set_bad)
{
	const char *text = bad_sets[_i];
	cli_set got;
	char why[512] = "";
	ck_assert_msg(cli_set_parse(text, strlen(text), &got, why, sizeof why) == -1,
		      "'%s' accepted", text);
	ck_assert_msg(why[0] != '\0', "'%s' refused without a reason", text);
}
END_TEST

START_TEST(test_set_refusals_say_the_grammar)
{
	cli_set got;
	char why[512];
	ck_assert_int_eq(cli_set_parse(LIT("coordinator.throttleRps"), &got, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "scope.key=value"));
	ck_assert_int_eq(cli_set_parse(LIT("throttleRps=5"), &got, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "scope.key=value"));
	ck_assert_int_eq(cli_delete_parse(LIT("throttleRps"), &got, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "scope.key"));
	/* a NUL inside the argument's bytes */
	ck_assert_int_eq(cli_set_parse(LIT("s.k=a\0b"), &got, why, sizeof why), -1);
	ck_assert_int_eq(cli_set_parse(LIT("s.k\0=b"), &got, why, sizeof why), -1);
}
END_TEST

START_TEST(test_set_limits)
{
	enum { BIG = CLI_SET_VALUE_MAX + 2 * CLI_SET_NAME_MAX + 16 };
	char *text = malloc(BIG);
	cli_set got;
	/* a scope and a key of 256 bytes, a value of 65536: accepted */
	memset(text, 's', CLI_SET_NAME_MAX);
	text[CLI_SET_NAME_MAX] = '.';
	memset(text + CLI_SET_NAME_MAX + 1, 'k', CLI_SET_NAME_MAX);
	size_t name = 2 * CLI_SET_NAME_MAX + 1;
	text[name] = '=';
	memset(text + name + 1, 'v', CLI_SET_VALUE_MAX);
	size_t len = name + 1 + CLI_SET_VALUE_MAX;
	ck_assert_int_eq(cli_set_parse(text, len, &got, NULL, 0), 0);
	ck_assert_int_eq(got.value_len, CLI_SET_VALUE_MAX);
	/* one byte more of value */
	text[len] = 'v';
	ck_assert_int_eq(cli_set_parse(text, len + 1, &got, NULL, 0), -1);
	/* a scope of 257 bytes */
	memset(text, 's', CLI_SET_NAME_MAX + 1);
	memcpy(text + CLI_SET_NAME_MAX + 1, ".k=v", 4);
	ck_assert_int_eq(cli_set_parse(text, CLI_SET_NAME_MAX + 5, &got, NULL, 0), -1);
	ck_assert_int_eq(cli_delete_parse(text, CLI_SET_NAME_MAX + 3, &got, NULL, 0), -1);
	/* a key of 257 bytes */
	memcpy(text, "s.", 2);
	memset(text + 2, 'k', CLI_SET_NAME_MAX + 1);
	ck_assert_int_eq(cli_delete_parse(text, CLI_SET_NAME_MAX + 3, &got, NULL, 0), -1);
	ck_assert_int_eq(cli_delete_parse(text, CLI_SET_NAME_MAX + 2, &got, NULL, 0), 0);
	free(text);
}
END_TEST

START_TEST(test_delete)
{
	cli_set got;
	char why[512] = "";
	ck_assert_int_eq(cli_delete_parse(LIT("coordinator.throttleIOPS"), &got, why, sizeof why),
			 0);
	ck_assert_int_eq(got.scope_len, 11);
	ck_assert_int_eq(got.key_len, 12);
	ck_assert_ptr_null(got.value);
	ck_assert_int_eq(cli_delete_parse(LIT("source.a.b"), &got, why, sizeof why), 0);
	ck_assert_int_eq(got.key_len, 3);
	/* '=' is part of a key here: deleteParams has no values */
	ck_assert_int_eq(cli_delete_parse(LIT("source.a=b"), &got, why, sizeof why), 0);
	static const char *const bad[] = {"", "source", ".key", "source.", "a.b,c.d", "s.k\x7f"};
	for (size_t i = 0; i < COUNT(bad); i++)
		ck_assert_msg(cli_delete_parse(bad[i], strlen(bad[i]), &got, why, sizeof why) == -1,
			      "'%s' accepted", bad[i]);
}
END_TEST

static char *applied(const char *const *args, size_t count, const char *start, char *why,
		     size_t cap)
{
	cli_set sets[8];
	for (size_t i = 0; i < count; i++)
		ck_assert_int_eq(cli_set_parse(args[i], strlen(args[i]), &sets[i], NULL, 0), 0);
	cJSON *body = cJSON_Parse(start);
	char *text = NULL;
	if (cli_set_apply(body, sets, count, why, cap) == 0)
		text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return text;
}

START_TEST(test_set_apply)
{
	char why[512] = "";
	const char *const two[] = {"coordinator.throttleRps=5000", "source.a.b=x"};
	char *text = applied(two, 2, "{}", why, sizeof why);
	ck_assert_str_eq(text,
			 "{\"coordinator\":{\"throttleRps\":\"5000\"},\"source\":{\"a.b\":\"x\"}}");
	free(text);
	/* into a --body, beside its keys */
	const char *const one[] = {"sink.workerNum=8"};
	text = applied(one, 1, "{\"sink\":{\"batchSize\":200}}", why, sizeof why);
	ck_assert_str_eq(text, "{\"sink\":{\"batchSize\":200,\"workerNum\":\"8\"}}");
	free(text);
	/* a key given twice, or already in the body, or a scope that is not
	 * an object */
	const char *const twice[] = {"s.k=1", "s.k=2"};
	ck_assert_ptr_null(applied(twice, 2, "{}", why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "s.k is set twice"));
	ck_assert_ptr_null(applied(one, 1, "{\"sink\":{\"workerNum\":\"4\"}}", why, sizeof why));
	ck_assert_ptr_null(applied(one, 1, "{\"sink\":\"text\"}", why, sizeof why));
	ck_assert_ptr_null(applied(one, 1, "[]", why, sizeof why));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *suite = suite_create("cli");
	TCase *time = tcase_create("time");
	tcase_add_loop_test(time, test_time_good, 0, (int)COUNT(good_times));
	tcase_add_loop_test(time, test_time_bad, 0, (int)COUNT(bad_times));
	tcase_add_test(time, test_time_reads_len_bytes);
	tcase_add_test(time, test_time_format);
	suite_add_tcase(suite, time);

	TCase *zone = tcase_create("zone");
	tcase_add_test(zone, test_zone_check);
	tcase_add_test(zone, test_zone_tzdir);
	tcase_add_test(zone, test_zone_resolve);
	tcase_add_test(zone, test_zone_refusals);
	suite_add_tcase(suite, zone);

	TCase *set = tcase_create("set");
	tcase_add_loop_test(set, test_set_good, 0, (int)COUNT(good_sets));
	tcase_add_loop_test(set, test_set_bad, 0, (int)COUNT(bad_sets));
	tcase_add_test(set, test_set_refusals_say_the_grammar);
	tcase_add_test(set, test_set_limits);
	tcase_add_test(set, test_delete);
	tcase_add_test(set, test_set_apply);
	suite_add_tcase(suite, set);
	return suite;
}

int main(void) { return test_run_suite(cli_suite()); }
