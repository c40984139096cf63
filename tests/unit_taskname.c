/*
 * unit_taskname.c — the taskName grammar (docs/behaviour.md §1): the names on the
 * OMS page, hosts with '-', component types, round trips, and a table of
 * every bad shape, each of which must fail with a sentence.
 */
#include <stdio.h>
#include <string.h>

#include "../store/taskname.h"
#include "support.h"

typedef struct {
	const char *text;
	const char *host;
	unsigned port;
	const char *project;
	const char *type;
	component_type component;
	const char *sub;
	const char *idx;
	unsigned long long seq;
	const char *identity;
} good_name;

static const good_name good_names[] = {
	/* the three names on the OMS page (docs/behaviour.md §6) */
	{"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001",
	 "xxx.xxx.xxx.xxx", 9000, "p_493po****", "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1,
	 "p_493po****-incr_trans-1-0"},
	{"xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001", "xxx.xxx.xxx.xxx",
	 9000, "p_49****4", "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1,
	 "p_49****4-incr_trans-1-0"},
	{"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001",
	 "xxx.xxx.xxx.xxx", 9000, "p_493p****", "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1,
	 "p_493p****-incr_trans-1-0"},
	/* IPv4 hosts, full_trans, an unmasked project id */
	{"10.0.0.12-9000:connector_v2:np_56el1g1jvrs0-full_trans-1-0:0000000003", "10.0.0.12", 9000,
	 "np_56el1g1jvrs0", "full_trans", COMPONENT_FULL_TRANS, "1", "0", 3,
	 "np_56el1g1jvrs0-full_trans-1-0"},
	{"255.255.255.255-65535:connector_v2:P9-incr_trans-0-0:9999999999", "255.255.255.255",
	 65535, "P9", "incr_trans", COMPONENT_INCR_TRANS, "0", "0", 9999999999ULL,
	 "P9-incr_trans-0-0"},
	{"0.0.0.0-1:connector_v2:p-full_trans-123456789-987654321:0000000000", "0.0.0.0", 1, "p",
	 "full_trans", COMPONENT_FULL_TRANS, "123456789", "987654321", 0,
	 "p-full_trans-123456789-987654321"},
	/* host names holding '-': the port follows the LAST '-' */
	{"oms-node-01-9000:connector_v2:p_1-incr_trans-1-0:0000000042", "oms-node-01", 9000, "p_1",
	 "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 42, "p_1-incr_trans-1-0"},
	{"a-b-c-d-e-8080:connector_v2:p_1-full_trans-2-3:0000000007", "a-b-c-d-e", 8080, "p_1",
	 "full_trans", COMPONENT_FULL_TRANS, "2", "3", 7, "p_1-full_trans-2-3"},
	{"-x--1:connector_v2:p-incr_trans-1-0:0000000001", "-x-", 1, "p", "incr_trans",
	 COMPONENT_INCR_TRANS, "1", "0", 1, "p-incr_trans-1-0"},
	{"host.example.com-9000:connector_v2:p_1-incr_trans-1-0:0000000001", "host.example.com",
	 9000, "p_1", "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1, "p_1-incr_trans-1-0"},
	{"My_Host*.lan-9000:connector_v2:p_1-incr_trans-1-0:0000000001", "My_Host*.lan", 9000,
	 "p_1", "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1, "p_1-incr_trans-1-0"},
	/* a host of letters only and one that mixes digits and letters */
	{"localhost-9000:connector_v2:p_1-incr_trans-1-0:0000000001", "localhost", 9000, "p_1",
	 "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1, "p_1-incr_trans-1-0"},
	{"1.2.3.4a-9000:connector_v2:p_1-incr_trans-1-0:0000000001", "1.2.3.4a", 9000, "p_1",
	 "incr_trans", COMPONENT_INCR_TRANS, "1", "0", 1, "p_1-incr_trans-1-0"},
	/* other lowercase types parse, but are neither component */
	{"10.0.0.1-9000:connector_v2:p_1-check_trans-1-0:0000000001", "10.0.0.1", 9000, "p_1",
	 "check_trans", COMPONENT_OTHER, "1", "0", 1, "p_1-check_trans-1-0"},
	{"10.0.0.1-9000:connector_v2:p_1-x-1-0:0000000001", "10.0.0.1", 9000, "p_1", "x",
	 COMPONENT_OTHER, "1", "0", 1, "p_1-x-1-0"},
	{"10.0.0.1-9000:connector_v2:p_1-incr_trans_-1-0:0000000001", "10.0.0.1", 9000, "p_1",
	 "incr_trans_", COMPONENT_OTHER, "1", "0", 1, "p_1-incr_trans_-1-0"},
	{"10.0.0.1-9000:connector_v2:p_1-full-1-0:0000000001", "10.0.0.1", 9000, "p_1", "full",
	 COMPONENT_OTHER, "1", "0", 1, "p_1-full-1-0"},
};

START_TEST(test_parse_good_names)
{
	const good_name *expected = &good_names[_i];
	taskname name;
	memset(&name, 0x5a, sizeof name);
	const char *why = NULL;
	int rc = taskname_parse(expected->text, strlen(expected->text), &name, &why);
	ck_assert_msg(rc == 0, "%s: refused: %s", expected->text, why ? why : "(no why)");
	ck_assert_str_eq(name.host, expected->host);
	ck_assert_uint_eq(name.port, expected->port);
	ck_assert_str_eq(name.project, expected->project);
	ck_assert_str_eq(name.type, expected->type);
	ck_assert_int_eq(name.component, expected->component);
	ck_assert_str_eq(name.sub, expected->sub);
	ck_assert_str_eq(name.idx, expected->idx);
	ck_assert_uint_eq(name.seq, expected->seq);

	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&name, identity, sizeof identity);
	ck_assert_str_eq(identity, expected->identity);
}
END_TEST

/* parse -> format gives back the same bytes, and parsing that again gives
 * the same parts */
START_TEST(test_round_trip)
{
	const char *text = good_names[_i].text;
	taskname first, second;
	ck_assert_int_eq(taskname_parse(text, strlen(text), &first, NULL), 0);
	char formatted[TASKNAME_MAX + 1];
	taskname_format(&first, formatted, sizeof formatted);
	ck_assert_str_eq(formatted, text);
	ck_assert_int_eq(taskname_parse(formatted, strlen(formatted), &second, NULL), 0);
	ck_assert_str_eq(second.host, first.host);
	ck_assert_uint_eq(second.port, first.port);
	ck_assert_str_eq(second.project, first.project);
	ck_assert_str_eq(second.type, first.type);
	ck_assert_str_eq(second.sub, first.sub);
	ck_assert_str_eq(second.idx, first.idx);
	ck_assert_uint_eq(second.seq, first.seq);
	ck_assert_int_eq(second.component, first.component);
}
END_TEST

/* The parser needs no NUL: only `len` bytes are read. */
START_TEST(test_parse_reads_only_len_bytes)
{
	const char text[] = "10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:0000000001 trailing";
	size_t len = strlen("10.0.0.1-9000:connector_v2:p_1-incr_trans-1-0:0000000001");
	taskname name;
	ck_assert_int_eq(taskname_parse(text, len, &name, NULL), 0);
	ck_assert_uint_eq(name.seq, 1);
	/* one byte more takes the space into SEQ, which is then refused */
	const char *why = NULL;
	ck_assert_int_eq(taskname_parse(text, len + 1, &name, &why), -1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

/* Builds the longest well-formed name: host 253, port 65535, project 128,
 * type 64, SUB and IDX of 9 digits. Returns its length. */
static size_t longest_name(char *buf, size_t cap)
{
	char host[TASKNAME_HOST_MAX + 1], project[TASKNAME_PROJECT_MAX + 1],
		type[TASKNAME_TYPE_MAX + 1];
	memset(host, 'h', TASKNAME_HOST_MAX);
	host[TASKNAME_HOST_MAX] = '\0';
	memset(project, 'P', TASKNAME_PROJECT_MAX);
	project[TASKNAME_PROJECT_MAX] = '\0';
	memset(type, 't', TASKNAME_TYPE_MAX);
	type[TASKNAME_TYPE_MAX] = '\0';
	int n = snprintf(buf, cap, "%s-65535:connector_v2:%s-%s-999999999-999999999:1234567890",
			 host, project, type);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_lt((size_t)n, cap);
	return (size_t)n;
}

START_TEST(test_longest_name)
{
	char text[TASKNAME_MAX + 64];
	size_t len = longest_name(text, sizeof text);
	ck_assert_uint_eq(len, TASKNAME_MAX);
	taskname name;
	const char *why = NULL;
	ck_assert_msg(taskname_parse(text, len, &name, &why) == 0, "refused: %s", why);
	ck_assert_uint_eq(strlen(name.host), TASKNAME_HOST_MAX);
	ck_assert_uint_eq(strlen(name.project), TASKNAME_PROJECT_MAX);
	ck_assert_uint_eq(strlen(name.type), TASKNAME_TYPE_MAX);
	char formatted[TASKNAME_MAX + 1];
	taskname_format(&name, formatted, sizeof formatted);
	ck_assert_str_eq(formatted, text);
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&name, identity, sizeof identity);
	ck_assert_uint_eq(strlen(identity), TASKNAME_IDENTITY_MAX);
}
END_TEST

START_TEST(test_too_long)
{
	/* one byte past TASKNAME_MAX, otherwise well-formed (the host is 254) */
	char text[TASKNAME_MAX + 64];
	size_t len = longest_name(text, sizeof text);
	memmove(text + 1, text, len + 1);
	text[0] = 'h';
	len++;
	ck_assert_uint_eq(len, TASKNAME_MAX + 1);
	taskname name;
	const char *why = NULL;
	ck_assert_int_eq(taskname_parse(text, len, &name, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_gt(strlen(why), 0);

	/* far too long: a megabyte of a repeated good name */
	static char huge[1 << 20];
	memset(huge, 'a', sizeof huge);
	why = NULL;
	ck_assert_int_eq(taskname_parse(huge, sizeof huge, &name, &why), -1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

/* Each part at its limit is fine; one past it is refused, never cut. */
START_TEST(test_part_limits)
{
	char host[TASKNAME_HOST_MAX + 2], project[TASKNAME_PROJECT_MAX + 2],
		type[TASKNAME_TYPE_MAX + 2];
	char text[TASKNAME_MAX + 64];
	taskname name;
	const char *why;
	for (int extra = 0; extra <= 1; extra++) {
		memset(host, 'h', sizeof host);
		host[TASKNAME_HOST_MAX + extra] = '\0';
		snprintf(text, sizeof text, "%s-1:connector_v2:p-incr_trans-1-0:0000000001", host);
		why = NULL;
		ck_assert_int_eq(taskname_parse(text, strlen(text), &name, &why), extra ? -1 : 0);
		ck_assert(!extra || why != NULL);

		memset(project, 'p', sizeof project);
		project[TASKNAME_PROJECT_MAX + extra] = '\0';
		snprintf(text, sizeof text, "h-1:connector_v2:%s-incr_trans-1-0:0000000001",
			 project);
		why = NULL;
		ck_assert_int_eq(taskname_parse(text, strlen(text), &name, &why), extra ? -1 : 0);
		ck_assert(!extra || why != NULL);

		memset(type, 't', sizeof type);
		type[TASKNAME_TYPE_MAX + extra] = '\0';
		snprintf(text, sizeof text, "h-1:connector_v2:p-%s-1-0:0000000001", type);
		why = NULL;
		ck_assert_int_eq(taskname_parse(text, strlen(text), &name, &why), extra ? -1 : 0);
		ck_assert(!extra || why != NULL);
	}
}
END_TEST

typedef struct {
	const char *label;
	const char *text;
	size_t len;
} bad_name;

#define GOOD_TAIL ":connector_v2:p_1-incr_trans-1-0:0000000001"
#define GOOD_HEAD "10.0.0.1-9000:connector_v2:"

static const bad_name bad_names[] = {
	{"empty", LIT("")},
	{"only colons", LIT(":::")},
	{"no colon at all", LIT("10.0.0.1-9000")},
	{"missing SEQ", LIT(GOOD_HEAD "p_1-incr_trans-1-0")},
	{"missing SEQ after ':'", LIT(GOOD_HEAD "p_1-incr_trans-1-0:")},
	{"missing literal", LIT("10.0.0.1-9000:p_1-incr_trans-1-0:0000000001")},
	{"missing HOST-PORT", LIT(":connector_v2:p_1-incr_trans-1-0:0000000001")},
	{"missing identity", LIT(GOOD_HEAD ":0000000001")},
	{"missing IDX", LIT(GOOD_HEAD "p_1-incr_trans-1:0000000001")},
	{"missing SUB and IDX", LIT(GOOD_HEAD "p_1-incr_trans:0000000001")},
	{"missing TYPE", LIT(GOOD_HEAD "p_1:0000000001")},
	{"empty IDX", LIT(GOOD_HEAD "p_1-incr_trans-1-:0000000001")},
	{"empty SUB", LIT(GOOD_HEAD "p_1-incr_trans--0:0000000001")},
	{"empty TYPE", LIT(GOOD_HEAD "p_1--1-0:0000000001")},
	{"a fifth identity part", LIT(GOOD_HEAD "p_1-incr_trans-1-0-5:0000000001")},
	{"extra ':' at the end", LIT(GOOD_HEAD "p_1-incr_trans-1-0:0000000001:")},
	{"extra ':' part", LIT(GOOD_HEAD "p_1-incr_trans-1-0:0000000001:0000000002")},
	{"extra ':' in the host", LIT("a:b-9000" GOOD_TAIL)},
	{"extra ':' at the start", LIT(":10.0.0.1-9000" GOOD_TAIL)},
	{"connector_v3", LIT("10.0.0.1-9000:connector_v3:p_1-incr_trans-1-0:0000000001")},
	{"connector_v2 uppercase", LIT("10.0.0.1-9000:CONNECTOR_V2:p_1-incr_trans-1-0:0000000001")},
	{"connector_v2 with a space",
	 LIT("10.0.0.1-9000:connector_v2 :p_1-incr_trans-1-0:0000000001")},
	{"connector_v22", LIT("10.0.0.1-9000:connector_v22:p_1-incr_trans-1-0:0000000001")},
	{"connector_v", LIT("10.0.0.1-9000:connector_v:p_1-incr_trans-1-0:0000000001")},
	{"no port", LIT("10.0.0.1" GOOD_TAIL)},
	{"empty port", LIT("10.0.0.1-" GOOD_TAIL)},
	{"port 0", LIT("10.0.0.1-0" GOOD_TAIL)},
	{"port 65536", LIT("10.0.0.1-65536" GOOD_TAIL)},
	{"port 99999", LIT("10.0.0.1-99999" GOOD_TAIL)},
	{"port 6 digits", LIT("10.0.0.1-100000" GOOD_TAIL)},
	{"port leading zero", LIT("10.0.0.1-09000" GOOD_TAIL)},
	{"port 00", LIT("10.0.0.1-00" GOOD_TAIL)},
	{"port non-digit", LIT("10.0.0.1-9a00" GOOD_TAIL)},
	{"port with sign", LIT("10.0.0.1-+9000" GOOD_TAIL)},
	{"port with a space", LIT("10.0.0.1- 9000" GOOD_TAIL)},
	{"port in hex", LIT("10.0.0.1-0x10" GOOD_TAIL)},
	{"empty host", LIT("-9000" GOOD_TAIL)},
	{"host with a space", LIT("10.0.0 .1-9000" GOOD_TAIL)},
	{"host with '/'", LIT("a/b-9000" GOOD_TAIL)},
	{"host with '@'", LIT("user@host-9000" GOOD_TAIL)},
	{"host with '['", LIT("[::1]-9000" GOOD_TAIL)},
	{"host with '%'", LIT("a%20b-9000" GOOD_TAIL)},
	{"host with UTF-8", LIT("h\xc3\xa9te-9000" GOOD_TAIL)},
	{"host 999.1.1.1", LIT("999.1.1.1-9000" GOOD_TAIL)},
	{"host 256.1.1.1", LIT("256.1.1.1-9000" GOOD_TAIL)},
	{"host 1.2.3", LIT("1.2.3-9000" GOOD_TAIL)},
	{"host 1.2.3.4.5", LIT("1.2.3.4.5-9000" GOOD_TAIL)},
	{"host 1..2.3", LIT("1..2.3-9000" GOOD_TAIL)},
	{"host 1.2.3.4.", LIT("1.2.3.4.-9000" GOOD_TAIL)},
	{"host .1.2.3", LIT(".1.2.3-9000" GOOD_TAIL)},
	{"host 1234", LIT("1234-9000" GOOD_TAIL)},
	{"host 1.2.3.1000", LIT("1.2.3.1000-9000" GOOD_TAIL)},
	{"host of dots", LIT("...-9000" GOOD_TAIL)},
	{"project with '-'", LIT(GOOD_HEAD "p-1-incr_trans-1-0:0000000001")},
	{"empty project", LIT(GOOD_HEAD "-incr_trans-1-0:0000000001")},
	{"project with '.'", LIT(GOOD_HEAD "p.1-incr_trans-1-0:0000000001")},
	{"project with a space", LIT(GOOD_HEAD "p 1-incr_trans-1-0:0000000001")},
	{"uppercase type", LIT(GOOD_HEAD "p_1-INCR_TRANS-1-0:0000000001")},
	{"mixed-case type", LIT(GOOD_HEAD "p_1-Incr_trans-1-0:0000000001")},
	{"type with a digit", LIT(GOOD_HEAD "p_1-incr2-1-0:0000000001")},
	{"type with '*'", LIT(GOOD_HEAD "p_1-incr*-1-0:0000000001")},
	{"SUB with leading zero", LIT(GOOD_HEAD "p_1-incr_trans-01-0:0000000001")},
	{"SUB 00", LIT(GOOD_HEAD "p_1-incr_trans-00-0:0000000001")},
	{"IDX with leading zero", LIT(GOOD_HEAD "p_1-incr_trans-1-00:0000000001")},
	{"IDX 01", LIT(GOOD_HEAD "p_1-incr_trans-1-01:0000000001")},
	{"SUB with a letter", LIT(GOOD_HEAD "p_1-incr_trans-1a-0:0000000001")},
	{"IDX with a letter", LIT(GOOD_HEAD "p_1-incr_trans-1-x:0000000001")},
	{"SUB of 10 digits", LIT(GOOD_HEAD "p_1-incr_trans-1234567890-0:0000000001")},
	{"IDX of 10 digits", LIT(GOOD_HEAD "p_1-incr_trans-1-1234567890:0000000001")},
	{"SUB negative", LIT(GOOD_HEAD "p_1-incr_trans-+1-0:0000000001")},
	{"SEQ of 9 digits", LIT(GOOD_HEAD "p_1-incr_trans-1-0:000000001")},
	{"SEQ of 11 digits", LIT(GOOD_HEAD "p_1-incr_trans-1-0:00000000001")},
	{"SEQ with a letter", LIT(GOOD_HEAD "p_1-incr_trans-1-0:00000000a1")},
	{"SEQ with a space", LIT(GOOD_HEAD "p_1-incr_trans-1-0: 000000001")},
	{"SEQ with a sign", LIT(GOOD_HEAD "p_1-incr_trans-1-0:+000000001")},
	{"SEQ empty", LIT(GOOD_HEAD "p_1-incr_trans-1-0:")},
	{"NUL inside SEQ", LIT(GOOD_HEAD "p_1-incr_trans-1-0:00000\0000001")},
	{"NUL inside the host", LIT("10.0\0.0.1-9000" GOOD_TAIL)},
	{"NUL inside the project", LIT(GOOD_HEAD "p_\0001-incr_trans-1-0:0000000001")},
	{"NUL after a good name", LIT(GOOD_HEAD "p_1-incr_trans-1-0:0000000001\0")},
	{"space before", LIT(" " GOOD_HEAD "p_1-incr_trans-1-0:0000000001")},
	{"newline after", LIT(GOOD_HEAD "p_1-incr_trans-1-0:0000000001\n")},
};

START_TEST(test_parse_bad_names)
{
	const bad_name *bad = &bad_names[_i];
	taskname name;
	const char *why = NULL;
	int rc = taskname_parse(bad->text, bad->len, &name, &why);
	ck_assert_msg(rc == -1, "%s: accepted (rc %d)", bad->label, rc);
	ck_assert_msg(why != NULL, "%s: refused without a why", bad->label);
	ck_assert_msg(why[0] != '\0', "%s: refused with an empty why", bad->label);
	/* a NULL `why` is allowed and changes nothing */
	ck_assert_int_eq(taskname_parse(bad->text, bad->len, &name, NULL), -1);
}
END_TEST

START_TEST(test_component_type_name)
{
	ck_assert_str_eq(component_type_name(COMPONENT_INCR_TRANS), "incr_trans");
	ck_assert_str_eq(component_type_name(COMPONENT_FULL_TRANS), "full_trans");
	ck_assert_str_eq(component_type_name(COMPONENT_OTHER), "other");
	ck_assert_ptr_nonnull(component_type_name(COMPONENT__COUNT));
}
END_TEST

/* A migrate-style rename: only HOST and SEQ change, identity stays. */
START_TEST(test_format_after_change)
{
	const char *text =
		"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";
	taskname name;
	ck_assert_int_eq(taskname_parse(text, strlen(text), &name, NULL), 0);
	char before[TASKNAME_IDENTITY_MAX + 1], after[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&name, before, sizeof before);
	snprintf(name.host, sizeof name.host, "%s", "10.1.2.3");
	name.seq++;
	char formatted[TASKNAME_MAX + 1];
	taskname_format(&name, formatted, sizeof formatted);
	ck_assert_str_eq(formatted,
			 "10.1.2.3-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002");
	taskname_identity(&name, after, sizeof after);
	ck_assert_str_eq(after, before);
	ck_assert_str_eq(after, "p_493po****-incr_trans-1-0");
}
END_TEST

typedef struct {
	const char *label;
	const char *text;
	size_t len;
	bool valid;
} host_case;

static const host_case host_cases[] = {
	{"IPv4", LIT("10.0.0.1"), true},
	{"IPv4 0.0.0.0", LIT("0.0.0.0"), true},
	{"IPv4 255s", LIT("255.255.255.255"), true},
	{"masked", LIT("xxx.xxx.xxx.xxx"), true},
	{"host name", LIT("oms-node-02.example.com"), true},
	{"underscore and star", LIT("my_host*"), true},
	{"single letter", LIT("a"), true},
	{"trailing dash", LIT("host-"), true},
	{"letters after digits", LIT("1.2.3.4a"), true},
	{"empty", LIT(""), false},
	{"space", LIT("a b"), false},
	{"colon", LIT("a:b"), false},
	{"IPv6", LIT("::1"), false},
	{"bracketed IPv6", LIT("[::1]"), false},
	{"slash", LIT("a/b"), false},
	{"port attached", LIT("10.0.0.1:9000"), false},
	{"octet 256", LIT("1.2.3.256"), false},
	{"999.1.1.1", LIT("999.1.1.1"), false},
	{"three octets", LIT("1.2.3"), false},
	{"five octets", LIT("1.2.3.4.5"), false},
	{"digits only", LIT("12345"), false},
	{"empty octet", LIT("1..2.3"), false},
	{"trailing dot quad", LIT("1.2.3.4."), false},
	{"NUL inside", LIT("ab\0cd"), false},
	{"UTF-8", LIT("h\xc3\xa9te"), false},
	{"newline", LIT("host\n"), false},
};

START_TEST(test_check_host)
{
	const host_case *c = &host_cases[_i];
	const char *why = NULL;
	int rc = taskname_check_host(c->text, c->len, &why);
	if (c->valid) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->label, why ? why : "(no why)");
	} else {
		ck_assert_msg(rc == -1, "%s: accepted", c->label);
		ck_assert_msg(why != NULL && why[0] != '\0', "%s: no why", c->label);
		ck_assert_int_eq(taskname_check_host(c->text, c->len, NULL), -1);
	}
}
END_TEST

START_TEST(test_check_host_length)
{
	char host_253[TASKNAME_HOST_MAX], host_254[TASKNAME_HOST_MAX + 1];
	memset(host_253, 'a', sizeof host_253);
	memset(host_254, 'a', sizeof host_254);
	const char *why = NULL;
	ck_assert_int_eq(taskname_check_host(host_253, TASKNAME_HOST_MAX, &why), 0);
	ck_assert_int_eq(taskname_check_host(host_254, TASKNAME_HOST_MAX + 1, &why), -1);
	ck_assert_ptr_nonnull(why);
	/* only `len` bytes count: what follows is outside */
	ck_assert_int_eq(taskname_check_host("10.0.0.1 junk", 8, NULL), 0);
}
END_TEST

static Suite *taskname_suite(void)
{
	Suite *suite = suite_create("taskname");
	TCase *parse = tcase_create("parse");
	tcase_add_loop_test(parse, test_parse_good_names, 0, (int)COUNT(good_names));
	tcase_add_loop_test(parse, test_round_trip, 0, (int)COUNT(good_names));
	tcase_add_test(parse, test_parse_reads_only_len_bytes);
	tcase_add_test(parse, test_longest_name);
	tcase_add_test(parse, test_too_long);
	tcase_add_test(parse, test_part_limits);
	tcase_add_test(parse, test_component_type_name);
	tcase_add_test(parse, test_format_after_change);
	suite_add_tcase(suite, parse);

	TCase *bad = tcase_create("bad shapes");
	tcase_add_loop_test(bad, test_parse_bad_names, 0, (int)COUNT(bad_names));
	suite_add_tcase(suite, bad);

	TCase *host = tcase_create("host");
	tcase_add_loop_test(host, test_check_host, 0, (int)COUNT(host_cases));
	tcase_add_test(host, test_check_host_length);
	suite_add_tcase(suite, host);
	return suite;
}

int main(void) { return test_run_suite(taskname_suite()); }
