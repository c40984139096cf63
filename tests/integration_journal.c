/*
 * integration_journal.c — the journal: its filters, the fields of an entry, refused filters,
 * clearing, and the bound of max_entries (per namespace); over real HTTP against the real binary.
 *
 * Every test starts its own daemon(s) on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state. The helpers
 * for OMS calls and the control API are in support.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
#define INCR_CREATED "10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001"
/* well-formed, but in no fixture: every operation on it is TASK_NOT_FOUND */
#define NOPE "10.0.0.99-9000:connector_v2:p_nope-incr_trans-1-0:0000000001"

#define T0 INT64_C(1700000000000)

/* The requests of the filter test, one virtual second apart from T0. */
static const struct {
	const char *op;
	const char *task;
	const char *extra;
	const char *body;
	const char *code; /* the expected errCode, "" for success */
} journal_script[] = {
	{"stop", DOC_RUNNING, NULL, NULL, ""},				       /* 0 */
	{"stop", DOC_RUNNING, NULL, NULL, "ILLEGAL_STATE"},		       /* 1 */
	{"resume", DOC_RUNNING, NULL, NULL, ""},			       /* 2 */
	{"resume", INCR_CREATED, NULL, NULL, "UNSUPPORTED_OPERATION"},	       /* 3 */
	{"stop", NOPE, NULL, NULL, "TASK_NOT_FOUND"},			       /* 4 */
	{"update", DOC_STOPPED, NULL, "{\"sink\":{\"workerNum\":\"4\"}}", ""}, /* 5 */
	{"migrate", DOC_STOPPED, "ip=10.0.0.99", NULL, ""},		       /* 6 */
};
enum { JOURNAL_SCRIPT = sizeof journal_script / sizeof *journal_script };

static void run_journal_script(const test_daemon *d)
{
	test_clock_post(d, "", "{\"set\":1700000000000,\"freeze\":true}");
	for (int i = 0; i < JOURNAL_SCRIPT; i++) {
		if (i)
			test_clock_post(d, "", "{\"advanceMs\":1000}");
		const char *code =
			test_oms_code(d, "", journal_script[i].op, journal_script[i].task,
				      journal_script[i].extra, journal_script[i].body);
		ck_assert_msg(strcmp(code, journal_script[i].code) == 0,
			      "script step %d: %s, want %s", i, code, journal_script[i].code);
	}
}

#define RUNNING_Q                                                                                  \
	"taskName=xxx.xxx.xxx.xxx-9000%3Aconnector_v2%3Ap_493p%2A%2A%2A%2A-incr_trans-1-0%"        \
	"3A0000000001"

/* A filter and the script steps it selects, oldest first. */
static const struct {
	const char *query;
	const char *steps; /* digits of journal_script indexes */
	int count;	   /* what /journal/count says: the limit does not apply */
} filter_rows[] = {
	{"", "0123456", 7},
	{RUNNING_Q, "012", 3},
	{"op=stop", "014", 3},
	{"op=resume", "23", 2},
	{"success=true", "0256", 4},
	{"success=false", "134", 3},
	{"success=no", "134", 3},
	{"errCode=ILLEGAL_STATE", "1", 1},
	{"errCode=NO_SUCH_CODE", "", 0},
	{"since=1700000002000", "23456", 5},
	{"until=1700000002000", "012", 3},
	{"since=1700000001000&until=1700000003000", "123", 3},
	{"since=1700000009000", "", 0},
	{"limit=2", "56", 7},
	{"limit=100000", "0123456", 7},
	{"op=stop&success=false", "14", 2},
	{RUNNING_Q "&limit=1", "2", 3},
	{"op=migrate&since=1700000006000&until=1700000006000", "6", 1},
	{"taskName=&op=", "0123456", 7},
};
enum { FILTER_ROWS = sizeof filter_rows / sizeof *filter_rows };

START_TEST(journal_filters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	run_journal_script(&d);
	for (int row = 0; row < FILTER_ROWS; row++) {
		const char *query = filter_rows[row].query;
		const char *steps = filter_rows[row].steps;
		cJSON *root = test_journal_get(&d, "", query);
		const cJSON *entries = test_journal_entries(root);
		char seen[16] = "";
		int n = 0;
		const cJSON *entry;
		cJSON_ArrayForEach(entry, entries)
		{
			int64_t step = (test_int_member(entry, "time") - T0) / 1000;
			ck_assert_msg(n < 15 && step >= 0 && step < JOURNAL_SCRIPT,
				      "?%s: an entry at an unexpected time", query);
			seen[n++] = (char)('0' + step);
		}
		ck_assert_msg(strcmp(seen, steps) == 0, "?%s: got steps \"%s\", want \"%s\"", query,
			      seen, steps);
		cJSON_Delete(root);
		/* the count agrees with the list (the count ignores limit) */
		int64_t count = test_journal_count(&d, "", query);
		ck_assert_msg(count == filter_rows[row].count, "count?%s = %lld, want %d", query,
			      (long long)count, filter_rows[row].count);
	}
	test_daemon_down(&d);
}
END_TEST

START_TEST(journal_entry_fields)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	run_journal_script(&d);
	static const char *const keys[] = {"id",       "time",	    "op",	  "taskName",
					   "params",   "body",	    "httpStatus", "isSuccess",
					   "errCode",  "fromState", "toState",	  "newTaskName",
					   "injected", "client"};
	cJSON *root = test_journal_get(&d, "", "");
	const cJSON *entries = test_journal_entries(root);
	ck_assert_int_eq(cJSON_GetArraySize(entries), JOURNAL_SCRIPT);
	int64_t last_id = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
			ck_assert_msg(cJSON_GetObjectItemCaseSensitive(entry, keys[k]) != NULL,
				      "a journal entry has no \"%s\"", keys[k]);
		ck_assert_msg(test_int_member(entry, "id") > last_id, "ids do not increase");
		last_id = test_int_member(entry, "id");
		ck_assert_pstr_eq(test_string_member(entry, "client"), "127.0.0.1");
		ck_assert(test_is_null_member(entry, "injected"));
		ck_assert(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(entry, "params")));
	}
	/* the migrate */
	const cJSON *migrate = cJSON_GetArrayItem(entries, 6);
	ck_assert_pstr_eq(test_string_member(migrate, "op"), "migrate");
	ck_assert_pstr_eq(test_string_member(migrate, "taskName"), DOC_STOPPED);
	ck_assert_int_eq(test_int_member(migrate, "time"), T0 + 6000);
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(migrate, "params");
	ck_assert_pstr_eq(test_string_member(params, "taskName"), DOC_STOPPED);
	ck_assert_pstr_eq(test_string_member(params, "ip"), "10.0.0.99");
	ck_assert(test_is_null_member(migrate, "body"));
	ck_assert_int_eq(test_int_member(migrate, "httpStatus"), 200);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(migrate, "isSuccess")));
	ck_assert(test_is_null_member(migrate, "errCode"));
	ck_assert_pstr_eq(test_string_member(migrate, "fromState"), "STOPPED");
	ck_assert_pstr_eq(test_string_member(migrate, "toState"), "STOPPED");
	ck_assert_pstr_eq(test_string_member(migrate, "newTaskName"),
			  "10.0.0.99-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002");
	/* the update keeps its body */
	const cJSON *update = cJSON_GetArrayItem(entries, 5);
	ck_assert_pstr_eq(test_string_member(update, "body"), "{\"sink\":{\"workerNum\":\"4\"}}");
	ck_assert(test_is_null_member(update, "newTaskName"));
	/* a refusal */
	const cJSON *refused = cJSON_GetArrayItem(entries, 1);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(refused, "isSuccess")));
	ck_assert_pstr_eq(test_string_member(refused, "errCode"), "ILLEGAL_STATE");
	ck_assert_pstr_eq(test_string_member(refused, "fromState"), "STOPPED");
	ck_assert_int_eq(test_int_member(refused, "httpStatus"), 200);
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_journal_queries[] = {
	"success=maybe",   "since=abc",	      "until=-5", "since=1.5", "limit=0",
	"limit=100001",	   "limit=ten",	      "op=jump",  "op=STOP",   "taskName=a&taskName=b",
	"op=stop&op=stop", "limit=1&limit=2",
};
enum { BAD_JOURNAL_QUERIES = sizeof bad_journal_queries / sizeof *bad_journal_queries };

START_TEST(journal_bad_filters_and_clear)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	for (int i = 0; i < BAD_JOURNAL_QUERIES; i++) {
		char path[256];
		test_pathf(path, sizeof path, "/_mock/journal?%s", bad_journal_queries[i]);
		ck_assert_msg(test_call_status(&d, "GET", path, NULL) == 400, "%s is not a 400",
			      path);
		test_pathf(path, sizeof path, "/_mock/journal/count?%s", bad_journal_queries[i]);
		ck_assert_msg(test_call_status(&d, "GET", path, NULL) == 400, "%s is not a 400",
			      path);
	}
	for (int i = 0; i < 5; i++)
		test_oms_code(&d, "", "stop", NOPE, NULL, NULL);
	test_oms_code(&d, "/ns/other", "stop", NOPE, NULL, NULL);
	ck_assert_int_eq(test_journal_count(&d, "", ""), 5);
	cJSON *root = test_journal_get(&d, "", "");
	int64_t last_id = test_int_member(cJSON_GetArrayItem(test_journal_entries(root), 4), "id");
	cJSON_Delete(root);

	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/journal", NULL), 200);
	ck_assert_int_eq(test_journal_count(&d, "", ""), 0);
	root = test_journal_get(&d, "", "");
	ck_assert_int_eq(cJSON_GetArraySize(test_journal_entries(root)), 0);
	cJSON_Delete(root);
	ck_assert_int_eq(test_journal_count(&d, "/ns/other", ""),
			 1); /* another namespace keeps its own */
	/* recording goes on after a clear */
	test_oms_code(&d, "", "resume", NOPE, NULL, NULL);
	root = test_journal_get(&d, "", "");
	ck_assert_int_eq(cJSON_GetArraySize(test_journal_entries(root)), 1);
	const cJSON *entry = cJSON_GetArrayItem(test_journal_entries(root), 0);
	ck_assert_pstr_eq(test_string_member(entry, "op"), "resume");
	ck_assert_msg(test_int_member(entry, "id") >= 1, "a journal id below 1");
	(void)last_id; /* ids are dense per namespace: they start again after a clear */
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

static void nope_name(char *out, size_t cap, int i)
{
	snprintf(out, cap, "10.0.0.1-9000:connector_v2:p_bound-incr_trans-1-0:%010d", i + 1);
}

START_TEST(journal_max_entries_bound)
{
	test_daemon d;
	const char *const args[] = {"--journal-max-entries", "10", NULL};
	test_daemon_up(&d, args, NULL);
	enum { REQUESTS = 300 };
	char name[128];
	for (int i = 0; i < REQUESTS; i++) {
		nope_name(name, sizeof name, i);
		ck_assert_str_eq(test_oms_code(&d, "", "stop", name, NULL, NULL), "TASK_NOT_FOUND");
	}
	int64_t count = test_journal_count(&d, "", "");
	ck_assert_msg(count >= 10 && count <= 10 + 64,
		      "the journal holds %lld entries, bound 10 (+64)", (long long)count);
	cJSON *root = test_journal_get(&d, "", "limit=100000");
	const cJSON *entries = test_journal_entries(root);
	ck_assert_int_eq(cJSON_GetArraySize(entries), count);
	/* the newest are kept, in order, with no gap */
	int k = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		nope_name(name, sizeof name, REQUESTS - (int)count + k);
		ck_assert_pstr_eq(test_string_member(entry, "taskName"), name);
		k++;
	}
	cJSON_Delete(root);
	test_daemon_down(&d);
}
END_TEST

/* The bound is per namespace: two namespaces written in turn each stay
 * within it. */
START_TEST(journal_max_entries_per_namespace)
{
	test_daemon d;
	const char *const args[] = {"--journal-max-entries", "10", NULL};
	test_daemon_up(&d, args, NULL);
	char name[128];
	for (int i = 0; i < 150; i++) {
		nope_name(name, sizeof name, i);
		test_oms_code(&d, "/ns/left", "stop", name, NULL, NULL);
		test_oms_code(&d, "/ns/right", "stop", name, NULL, NULL);
	}
	int64_t left = test_journal_count(&d, "/ns/left", "");
	int64_t right = test_journal_count(&d, "/ns/right", "");
	ck_assert_msg(left <= 74 && right <= 74,
		      "--journal-max-entries 10 with two namespaces written in turn (150 each): "
		      "left holds %lld, right holds %lld entries; want each <= 10 + 64",
		      (long long)left, (long long)right);
	test_daemon_down(&d);
}
END_TEST

static Suite *journal_suite(void)
{
	Suite *suite = suite_create("integration_journal");
	const test_entry plain[] = {
		{"journal", journal_filters},
		{"journal", journal_entry_fields},
		{"journal", journal_bad_filters_and_clear},
		{"journal", journal_max_entries_bound},
		{"journal", journal_max_entries_per_namespace},
	};
	test_add_grouped(suite, plain, COUNT(plain), 120);
	return suite;
}

int main(void) { return test_run_suite(journal_suite()); }
