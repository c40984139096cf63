/*
 * integration_faults.c — fault injection in the OMS pipeline: each action's effect on the answer,
 * the state and the journal; after, times, probability and seeds; filters; the TTL on the virtual
 * clock; refused fault bodies; SIGTERM with delays and hangs in flight; over real HTTP against the
 * real binary.
 *
 * Every test starts its own daemon(s) on a free port with a fresh database
 * seeded from fixtures/default.json, so tests share no state. The helpers
 * for OMS calls and the control API are in support.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tasks of fixtures/default.json this file leans on. */
#define DOC_STOPPED "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define DOC_STOPPED2 "xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001"
#define DOC_RUNNING "xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001"
/* well-formed, but in no fixture: every operation on it is TASK_NOT_FOUND */
#define NOPE "10.0.0.99-9000:connector_v2:p_nope-incr_trans-1-0:0000000001"

#define T0 INT64_C(1700000000000)

static const char *const five_ops[] = {"resume", "stop", "update", "migrate", "delete"};
enum { FIVE_OPS = sizeof five_ops / sizeof *five_ops };

/* Each action on a stop of the RUNNING doc task: what the client sees,
 * whether the stop was applied, and what the journal says. */
typedef struct {
	const char *name;
	const char *action;
	bool answered;		  /* an HTTP answer came back */
	long status;		  /* when answered */
	const char *err_code;	  /* envelope errCode when answered with an envelope */
	const char *raw_body;	  /* exact raw body (a status answer), or NULL */
	bool retryable;		  /* envelope retryable (error answers) */
	bool applied;		  /* the task is STOPPED afterwards */
	int64_t min_ms;		  /* the answer (or the close) takes at least this */
	const char *journal_code; /* the journal's errCode; NULL: don't check */
	long journal_status;	  /* the journal's httpStatus; -1: don't check */
} action_row;

static const action_row action_rows[] = {
	{"error",
	 "{\"type\":\"error\",\"errCode\":\"SERVICE_BUSY\",\"errMsg\":\"busy now\","
	 "\"retryable\":true,\"httpStatus\":503}",
	 true, 503, "SERVICE_BUSY", NULL, true, false, 0, "SERVICE_BUSY", 503},
	{"error defaults", "{\"type\":\"error\"}", true, 200, "INJECTED_FAULT", NULL, false, false,
	 0, "INJECTED_FAULT", 200},
	{"status", "{\"type\":\"status\",\"httpStatus\":502,\"body\":\"upstream gone\"}", true, 502,
	 NULL, "upstream gone", false, false, 0, "HTTP_STATUS", 502},
	{"status defaults", "{\"type\":\"status\"}", true, 503, NULL, "", false, false, 0,
	 "HTTP_STATUS", 503},
	{"delay", "{\"type\":\"delay\",\"ms\":300}", true, 200, "", NULL, false, true, 300, "",
	 200},
	{"drop", "{\"type\":\"drop\"}", false, 0, NULL, NULL, false, false, 0, "DROPPED", -1},
	{"hang", "{\"type\":\"hang\",\"ms\":400}", false, 0, NULL, NULL, false, false, 400,
	 "DROPPED", -1},
	{"lost_ack", "{\"type\":\"lost_ack\"}", false, 0, NULL, NULL, false, true, 0, NULL, -1},
	{"lost_ack then drop", "{\"type\":\"lost_ack\",\"then\":\"drop\"}", false, 0, NULL, NULL,
	 false, true, 0, NULL, -1},
	{"lost_ack then error",
	 "{\"type\":\"lost_ack\",\"then\":\"error\",\"errCode\":\"TIMEOUT\","
	 "\"errMsg\":\"timed out\",\"retryable\":true,\"httpStatus\":504}",
	 true, 504, "TIMEOUT", NULL, true, true, 0, NULL, -1},
	{"lost_ack then status",
	 "{\"type\":\"lost_ack\",\"then\":\"status\",\"httpStatus\":500,"
	 "\"body\":\"oops\"}",
	 true, 500, NULL, "oops", false, true, 0, NULL, -1},
};
enum { ACTION_ROWS = sizeof action_rows / sizeof *action_rows };

START_TEST(fault_actions)
{
	const action_row *row = &action_rows[_i];
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[1024];
	snprintf(spec, sizeof spec, "{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":%s}",
		 DOC_RUNNING, row->action);
	test_add_fault(&d, "", spec);
	char *before = test_all_tasks_text(&d, "");

	test_raw_result r = test_raw_oms(&d, "", "stop", DOC_RUNNING, NULL);
	if (row->answered) {
		ck_assert_msg(r.rc == CURLE_OK, "[%s] no answer: %s", row->name,
			      curl_easy_strerror(r.rc));
		ck_assert_msg(r.status == row->status, "[%s] status %ld, want %ld: %s", row->name,
			      r.status, row->status, r.body);
		if (row->raw_body) {
			ck_assert_msg(strcmp(r.body, row->raw_body) == 0,
				      "[%s] body \"%s\", want \"%s\"", row->name, r.body,
				      row->raw_body);
		} else {
			cJSON *root = cJSON_Parse(r.body);
			ck_assert_msg(root != NULL, "[%s] not JSON: %s", row->name, r.body);
			test_assert_envelope_keys(root, r.body);
			if (*row->err_code) {
				ck_assert_pstr_eq(test_string_member(root, "errCode"),
						  row->err_code);
				ck_assert(cJSON_IsFalse(
					cJSON_GetObjectItemCaseSensitive(root, "isSuccess")));
				ck_assert(test_is_null_member(root, "result"));
				ck_assert_msg(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(
						      root, "retryable")) &&
						      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
							      root, "retryable")) == row->retryable,
					      "[%s] retryable: %s", row->name, r.body);
				ck_assert_msg(test_string_member(root, "errMsg") &&
						      *test_string_member(root, "errMsg"),
					      "[%s] no errMsg", row->name);
				const cJSON *detail =
					cJSON_GetObjectItemCaseSensitive(root, "errorDetail");
				ck_assert_pstr_eq(test_string_member(detail, "code"),
						  row->err_code);
				if (strcmp(row->err_code, "SERVICE_BUSY") == 0)
					ck_assert_pstr_eq(test_string_member(root, "errMsg"),
							  "busy now");
				if (strcmp(row->err_code, "TIMEOUT") == 0)
					ck_assert_pstr_eq(test_string_member(root, "errMsg"),
							  "timed out");
			} else {
				ck_assert(cJSON_IsTrue(
					cJSON_GetObjectItemCaseSensitive(root, "isSuccess")));
				ck_assert_pstr_eq(test_string_member(root, "result"), DOC_RUNNING);
			}
			cJSON_Delete(root);
		}
	} else {
		ck_assert_msg(
			test_closed_without_answer(&r),
			"[%s] want the connection closed without an answer, got %s, status %ld",
			row->name, curl_easy_strerror(r.rc), r.status);
	}
	ck_assert_msg(r.ms >= row->min_ms - 20, "[%s] took %lld ms, want >= %lld", row->name,
		      (long long)r.ms, (long long)row->min_ms);
	free(r.body);

	/* applied or not: the task's state, and nothing else changed when not */
	ck_assert_msg(strcmp(test_state_in(&d, "", DOC_RUNNING),
			     row->applied ? "STOPPED" : "RUNNING") == 0,
		      "[%s] state %s after the fault", row->name,
		      test_state_in(&d, "", DOC_RUNNING));
	if (!row->applied) {
		char *after = test_all_tasks_text(&d, "");
		ck_assert_msg(strcmp(before, after) == 0, "[%s] the tasks changed", row->name);
		free(after);
	}
	free(before);

	/* the journal: exactly one record of it, marked with the fault's type */
	char type[32];
	const char *type_start = strstr(row->action, "\"type\":\"") + 8;
	snprintf(type, sizeof type, "%.*s", (int)(strchr(type_start, '"') - type_start),
		 type_start);
	cJSON *journal = test_journal_get(&d, "", "op=stop");
	ck_assert_msg(cJSON_GetArraySize(test_journal_entries(journal)) == 1,
		      "[%s] the journal has %d stop records, want 1 (an injected outcome must be "
		      "recorded, as every request to an OMS route)",
		      row->name, cJSON_GetArraySize(test_journal_entries(journal)));
	const cJSON *entry = cJSON_GetArrayItem(test_journal_entries(journal), 0);
	ck_assert_pstr_eq(test_string_member(entry, "injected"), type);
	ck_assert_pstr_eq(test_string_member(entry, "taskName"), DOC_RUNNING);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess")) ==
			      row->applied,
		      "[%s] journal isSuccess disagrees with the applied change", row->name);
	if (row->applied) {
		ck_assert_pstr_eq(test_string_member(entry, "fromState"), "RUNNING");
		ck_assert_pstr_eq(test_string_member(entry, "toState"), "STOPPED");
	}
	if (row->journal_code && *row->journal_code)
		ck_assert_pstr_eq(test_string_member(entry, "errCode"), row->journal_code);
	if (row->journal_code && !*row->journal_code)
		ck_assert(test_is_null_member(entry, "errCode"));
	if (row->journal_status >= 0)
		ck_assert_int_eq(test_int_member(entry, "httpStatus"), row->journal_status);
	cJSON_Delete(journal);

	/* times defaults to 1: the next stop is the real one */
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_RUNNING, NULL, NULL),
			 row->applied ? "ILLEGAL_STATE" : "");
	cJSON *listed = test_fault_entry(&d, "", 1);
	ck_assert_int_eq(test_int_member(listed, "hits"), 1);
	ck_assert_int_eq(test_int_member(listed, "matches"), 2);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(listed, "exhausted")));
	cJSON_Delete(listed);
	test_daemon_down(&d);
}
END_TEST

/* The required scenario: the stop is applied, the client sees the
 * connection drop, retries, meets ILLEGAL_STATE; one applied stop. */
START_TEST(lost_ack_then_retry_meets_illegal_state)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(&d, "",
		       "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\"}}");

	test_raw_result first = test_raw_oms(&d, "", "stop", DOC_RUNNING, NULL);
	ck_assert_msg(test_closed_without_answer(&first), "the first stop was answered: %s %ld %s",
		      curl_easy_strerror(first.rc), first.status, first.body);
	free(first.body);
	/* the client retries, as a client that lost its answer does */
	test_response retry = test_oms_in(&d, "", "stop", DOC_RUNNING, NULL, NULL);
	char code[64];
	ck_assert(!test_envelope_ok(&retry, code, sizeof code));
	ck_assert_str_eq(code, "ILLEGAL_STATE");
	test_response_free(&retry);
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED");

	char *name = test_escape(DOC_RUNNING);
	char query[512];
	snprintf(query, sizeof query, "op=stop&taskName=%s", name);
	cJSON *journal = test_journal_get(&d, "", query);
	const cJSON *entries = test_journal_entries(journal);
	ck_assert_int_eq(cJSON_GetArraySize(entries), 2);
	const cJSON *applied = cJSON_GetArrayItem(entries, 0);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(applied, "isSuccess")));
	ck_assert_pstr_eq(test_string_member(applied, "injected"), "lost_ack");
	ck_assert_pstr_eq(test_string_member(applied, "fromState"), "RUNNING");
	ck_assert_pstr_eq(test_string_member(applied, "toState"), "STOPPED");
	const cJSON *refused = cJSON_GetArrayItem(entries, 1);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(refused, "isSuccess")));
	ck_assert_pstr_eq(test_string_member(refused, "errCode"), "ILLEGAL_STATE");
	ck_assert(test_is_null_member(refused, "injected"));
	cJSON_Delete(journal);
	snprintf(query, sizeof query, "op=stop&success=true&taskName=%s", name);
	ck_assert_int_eq(test_journal_count(&d, "", query), 1);
	free(name);
	test_daemon_down(&d);
}
END_TEST

/* A delay holds its own request only: 20 others finish fast meanwhile. */
typedef struct {
	const test_daemon *d;
	atomic_bool done;
	int rc;
	int64_t ms;
	char code[64];
	bool ok;
} delayed_call;

static void *delayed_stop(void *arg)
{
	delayed_call *call = arg;
	test_response r;
	int64_t started = test_monotonic_ms();
	call->rc = test_oms_try(call->d, "", "stop", DOC_RUNNING, NULL, NULL, &r);
	call->ms = test_monotonic_ms() - started;
	if (call->rc == 0)
		call->ok = test_envelope_ok(&r, call->code, sizeof call->code);
	test_response_free(&r);
	atomic_store(&call->done, true);
	return NULL;
}

START_TEST(delay_does_not_block_other_requests)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(
		spec, sizeof spec,
		"{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":{\"type\":\"delay\",\"ms\":1500}}",
		DOC_RUNNING);
	test_add_fault(&d, "", spec);
	delayed_call call = {.d = &d};
	atomic_init(&call.done, false);
	pthread_t thread;
	ck_assert_int_eq(pthread_create(&thread, NULL, delayed_stop, &call), 0);
	test_sleep_ms(150); /* the delayed request is in flight */

	int64_t started = test_monotonic_ms(), slowest = 0;
	for (int i = 0; i < 20; i++) {
		int64_t t = test_monotonic_ms();
		if (i % 2) {
			ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL),
					 "TASK_NOT_FOUND");
		} else {
			ck_assert_int_eq(test_call_status(&d, "GET", "/_mock/health", NULL), 200);
		}
		if (test_monotonic_ms() - t > slowest)
			slowest = test_monotonic_ms() - t;
	}
	int64_t total = test_monotonic_ms() - started;
	bool delayed_done_early = atomic_load(&call.done);
	pthread_join(thread, NULL);

	ck_assert_msg(!delayed_done_early, "the delayed request finished before the 20 others");
	ck_assert_msg(total < 1000, "20 requests took %lld ms beside a delayed one",
		      (long long)total);
	ck_assert_msg(slowest < 500, "the slowest of 20 requests took %lld ms", (long long)slowest);
	ck_assert_int_eq(call.rc, 0);
	ck_assert_msg(call.ok, "the delayed stop failed: %s", call.code);
	ck_assert_msg(call.ms >= 1480 && call.ms < 5000, "the delayed stop took %lld ms",
		      (long long)call.ms);
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "STOPPED");
	test_daemon_down(&d);
}
END_TEST

/* after / times / probability on one fault: the sequence of outcomes of
 * stops on a task that does not exist ('I' injected, 'N' the real
 * TASK_NOT_FOUND). */
static const struct {
	const char *fields; /* after "op","taskName", before "action" */
	const char *pattern;
} count_rows[] = {
	{"", "INNN"},
	{"\"after\":2,\"times\":3,", "NNIIINN"},
	{"\"after\":1,\"times\":-1,", "NIIIII"},
	{"\"times\":2,", "IIN"},
	{"\"probability\":0,\"times\":-1,", "NNNN"},
	{"\"probability\":1,\"times\":-1,\"after\":0,", "IIII"},
	{"\"after\":3,", "NNNIN"},
};
enum { COUNT_ROWS = sizeof count_rows / sizeof *count_rows };

START_TEST(fault_after_and_times)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	const char *pattern = count_rows[_i].pattern;
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",%s\"action\":{\"type\":\"error\","
		 "\"errCode\":\"COUNTED\"}}",
		 NOPE, count_rows[_i].fields);
	int64_t id = test_add_fault(&d, "", spec);
	char seen[16] = "";
	size_t n = strlen(pattern);
	for (size_t i = 0; i < n; i++) {
		const char *code = test_oms_code(&d, "", "stop", NOPE, NULL, NULL);
		ck_assert_msg(strcmp(code, "COUNTED") == 0 || strcmp(code, "TASK_NOT_FOUND") == 0,
			      "unexpected errCode %s", code);
		seen[i] = strcmp(code, "COUNTED") == 0 ? 'I' : 'N';
	}
	ck_assert_msg(strcmp(seen, pattern) == 0, "fault %s: saw %s, want %s", spec, seen, pattern);
	int hits = 0;
	for (size_t i = 0; i < n; i++)
		hits += pattern[i] == 'I';
	cJSON *fault = test_fault_entry(&d, "", id);
	ck_assert_int_eq(test_int_member(fault, "matches"), (int64_t)n);
	ck_assert_int_eq(test_int_member(fault, "hits"), hits);
	int64_t times = test_int_member(fault, "times");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fault, "exhausted")) ==
		  (times >= 0 && hits >= times));
	cJSON_Delete(fault);
	/* the journal marks exactly the injected ones */
	ck_assert_int_eq(test_journal_count(&d, "", "errCode=COUNTED"), hits);
	cJSON *journal = test_journal_get(&d, "", "op=stop");
	int i = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, test_journal_entries(journal))
	{
		ck_assert_msg(i < (int)n, "more journal entries than requests");
		if (pattern[i] == 'I')
			ck_assert_pstr_eq(test_string_member(entry, "injected"), "error");
		else
			ck_assert(test_is_null_member(entry, "injected"));
		i++;
	}
	ck_assert_int_eq(i, (int)n);
	cJSON_Delete(journal);
	test_daemon_down(&d);
}
END_TEST

START_TEST(fault_first_match_wins_and_filters)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	/* op "*" on one task: every operation on it, no other task */
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"*\",\"taskName\":\"%s\",\"times\":-1,\"action\":{\"type\":\"error\","
		 "\"errCode\":\"STAR\"}}",
		 DOC_STOPPED);
	int64_t star = test_add_fault(&d, "", spec);
	for (int i = 0; i < FIVE_OPS; i++)
		ck_assert_msg(strcmp(test_oms_code(&d, "", five_ops[i], DOC_STOPPED, NULL, NULL),
				     "STAR") == 0,
			      "%s on the filtered task was not injected", five_ops[i]);
	ck_assert_str_eq(test_oms_code(&d, "", "stop", DOC_STOPPED2, NULL, NULL), "ILLEGAL_STATE");
	ck_assert_str_eq(test_oms_code(&d, "", "resume", DOC_STOPPED2, NULL, NULL), "");
	cJSON *fault = test_fault_entry(&d, "", star);
	ck_assert_int_eq(test_int_member(fault, "matches"), FIVE_OPS);
	ck_assert_int_eq(test_int_member(fault, "hits"), FIVE_OPS);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(fault, "exhausted")));
	cJSON_Delete(fault);
	ck_assert_str_eq(test_state_in(&d, "", DOC_STOPPED), "STOPPED"); /* nothing applied */

	/* DELETE one: it no longer fires; a second DELETE is 404 */
	char path[64];
	test_pathf(path, sizeof path, "/_mock/faults/%lld", (long long)star);
	ck_assert_int_eq(test_call_status(&d, "DELETE", path, NULL), 200);
	ck_assert_int_eq(test_call_status(&d, "DELETE", path, NULL), 404);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/faults/abc", NULL), 404);
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/faults/999", NULL), 404);
	ck_assert_str_eq(test_oms_code(&d, "", "resume", DOC_STOPPED, NULL, NULL), "");

	/* an op filter: a stop fault leaves a resume alone */
	int64_t first = test_add_fault(&d, "",
				       "{\"op\":\"stop\",\"action\":{\"type\":\"error\","
				       "\"errCode\":\"FIRST\"}}");
	int64_t second = test_add_fault(&d, "",
					"{\"op\":\"*\",\"action\":{\"type\":\"error\","
					"\"errCode\":\"SECOND\"}}");
	ck_assert_msg(first > star && second > first, "fault ids must increase");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "FIRST");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "SECOND");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	ck_assert_int_eq(test_fault_count(&d, ""), 2);

	/* DELETE all; ids are not reused afterwards */
	ck_assert_int_eq(test_call_status(&d, "DELETE", "/_mock/faults", NULL), 200);
	ck_assert_int_eq(test_fault_count(&d, ""), 0);
	int64_t later =
		test_add_fault(&d, "", "{\"op\":\"delete\",\"action\":{\"type\":\"drop\"}}");
	ck_assert_msg(later > second, "id %lld reused after a clear", (long long)later);
	cJSON *listed = test_fault_entry(&d, "", later);
	ck_assert_pstr_eq(test_string_member(listed, "op"), "delete");
	ck_assert(test_is_null_member(listed, "taskName"));
	ck_assert_int_eq(test_int_member(listed, "after"), 0);
	ck_assert_int_eq(test_int_member(listed, "times"), 1);
	ck_assert(test_number_member(listed, "probability") == 1.0);
	ck_assert(test_is_null_member(listed, "ttlMs"));
	ck_assert_pstr_eq(
		test_string_member(cJSON_GetObjectItemCaseSensitive(listed, "action"), "type"),
		"drop");
	cJSON_Delete(listed);
	test_daemon_down(&d);
}
END_TEST

/* Runs the 100-request sequence against a fresh daemon with a 30% fault
 * seeded with `seed`: 'S' success, 'I' injected, 'X' another error. */
static void seeded_run(unsigned long long seed, char out[101], int64_t *hits)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"*\",\"taskName\":\"%s\",\"times\":-1,\"probability\":0.3,\"seed\":%llu,"
		 "\"action\":{\"type\":\"error\"}}",
		 DOC_RUNNING, seed);
	int64_t id = test_add_fault(&d, "", spec);
	for (int i = 0; i < 100; i++) {
		const char *code =
			test_oms_code(&d, "", i % 2 ? "resume" : "stop", DOC_RUNNING, NULL, NULL);
		out[i] = !*code ? 'S' : strcmp(code, "INJECTED_FAULT") == 0 ? 'I' : 'X';
	}
	out[100] = '\0';
	cJSON *fault = test_fault_entry(&d, "", id);
	*hits = test_int_member(fault, "hits");
	ck_assert_int_eq(test_int_member(fault, "matches"), 100);
	ck_assert_int_eq((int64_t)test_number_member(fault, "seed"), (int64_t)seed);
	cJSON_Delete(fault);
	ck_assert_int_eq(test_journal_count(&d, "", "errCode=INJECTED_FAULT"), *hits);
	test_daemon_down(&d);
}

START_TEST(seeded_fault_is_reproducible)
{
	char first[101], second[101], other[101];
	int64_t hits1, hits2, hits3;
	seeded_run(424242, first, &hits1);
	seeded_run(424242, second, &hits2);
	ck_assert_msg(strcmp(first, second) == 0, "two runs differ:\n%s\n%s", first, second);
	ck_assert_int_eq(hits1, hits2);
	int injected = 0;
	for (int i = 0; i < 100; i++)
		injected += first[i] == 'I';
	ck_assert_int_eq(injected, hits1);
	ck_assert_msg(hits1 >= 15 && hits1 <= 45, "a 30%% fault fired %lld times in 100",
		      (long long)hits1);
	seeded_run(424243, other, &hits3);
	ck_assert_msg(strcmp(first, other) != 0, "another seed gave the same sequence");
}
END_TEST

START_TEST(fault_ttl_follows_the_virtual_clock)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	int64_t now = test_clock_post(&d, "", "{\"set\":1700000000000,\"freeze\":true}");
	ck_assert_int_eq(now, T0);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",\"times\":-1,\"ttlMs\":60000,"
		 "\"action\":{\"type\":\"error\",\"errCode\":\"TTL\"}}",
		 NOPE);
	int64_t id = test_add_fault(&d, "", spec);
	cJSON *fault = test_fault_entry(&d, "", id);
	ck_assert_int_eq(test_int_member(fault, "createdAt"), T0);
	ck_assert_int_eq(test_int_member(fault, "expiresAt"), T0 + 60000);
	ck_assert_int_eq(test_int_member(fault, "ttlMs"), 60000);
	cJSON_Delete(fault);

	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TTL");
	test_sleep_ms(50); /* real time does not age it while the clock stands */
	test_clock_post(&d, "", "{\"advanceMs\":59999}");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TTL");
	test_clock_post(&d, "", "{\"advanceMs\":1}");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	fault = test_fault_entry(&d, "", id);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fault, "expired")));
	ck_assert_int_eq(test_int_member(fault, "hits"), 2);
	cJSON_Delete(fault);

	/* on a running clock too: advancing past the TTL ends it */
	test_clock_post(&d, "", "{\"freeze\":false}");
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"times\":-1,\"ttlMs\":3600000,"
		 "\"action\":{\"type\":\"error\",\"errCode\":\"HOUR\"}}");
	test_add_fault(&d, "", spec);
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "HOUR");
	test_clock_post(&d, "", "{\"advanceMs\":3600001}");
	ck_assert_str_eq(test_oms_code(&d, "", "stop", NOPE, NULL, NULL), "TASK_NOT_FOUND");
	test_daemon_down(&d);
}
END_TEST

static const char *const bad_fault_bodies[] = {
	"",
	"not json",
	"[]",
	"{}",
	"{\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\"}",
	"{\"op\":\"jump\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"STOP\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"explode\"}}",
	"{\"op\":\"stop\",\"action\":{}}",
	"{\"op\":\"stop\",\"action\":\"drop\"}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"delay\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"delay\",\"ms\":600001}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"delay\",\"ms\":-1}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"hang\",\"ms\":1.5}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"drop\",\"ms\":5}}",
	"{\"op\":\"stop\",\"probability\":1.5,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"probability\":-0.1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"times\":0,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"times\":-2,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"after\":-1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"after\":\"1\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"seed\":-1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"ttlMs\":0,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"taskName\":\"not a task\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"bogus\":1,\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"op\":\"resume\",\"action\":{\"type\":\"drop\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}} trailing",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"with space\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"httpStatus\":99}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"httpStatus\":600}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"retryable\":\"yes\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"body\":5}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"delay\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"hang\",\"ms\":5}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\",\"errCode\":\"X\"}}",
	"{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errMsg\":\"a\\u0000b\"}}",
};
enum { BAD_FAULT_BODIES = sizeof bad_fault_bodies / sizeof *bad_fault_bodies };

START_TEST(bad_fault_bodies_are_refused)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	for (int i = 0; i < BAD_FAULT_BODIES; i++) {
		test_response r = test_call(&d, "POST", "/_mock/faults", bad_fault_bodies[i]);
		ck_assert_msg(r.status == 400, "fault body %s: want 400, got %ld %s",
			      bad_fault_bodies[i], r.status, r.body);
		cJSON *root = test_response_json(&r);
		ck_assert_msg(
			test_string_member(root, "message") && *test_string_member(root, "message"),
			"fault body %s: the 400 gives no reason: %s", bad_fault_bodies[i], r.body);
		cJSON_Delete(root);
		test_response_free(&r);
	}
	ck_assert_int_eq(test_fault_count(&d, ""), 0);
	ck_assert_int_eq(test_call_status(&d, "PUT", "/_mock/faults", "{}"), 405);
	/* and a good one still works, with the first id */
	ck_assert_int_eq(test_add_fault(&d, "", "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}"),
			 1);
	test_daemon_down(&d);
}
END_TEST

/* A taskName-filtered fault sees the taskName wherever the OMS route reads
 * it: the query string or a form body (CONTRACT 2: "a body of
 * application/x-www-form-urlencoded is read as further parameters"). */
START_TEST(fault_matches_a_form_body_task_name)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":{\"type\":\"error\","
		 "\"errCode\":\"FORM_FAULT\"}}",
		 DOC_RUNNING);
	int64_t id = test_add_fault(&d, "", spec);
	char *escaped = test_escape(DOC_RUNNING);
	char form[512];
	snprintf(form, sizeof form, "taskName=%s", escaped);
	free(escaped);
	const char *const form_type[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	test_response r;
	ck_assert_int_eq(
		test_http(&d, "POST", "/connector/task/v2/stop", form_type, form, strlen(form), &r),
		0);
	char code[64];
	bool ok = test_envelope_ok(&r, code, sizeof code);
	test_response_free(&r);
	cJSON *fault = test_fault_entry(&d, "", id);
	int64_t matches = test_int_member(fault, "matches");
	cJSON_Delete(fault);
	ck_assert_msg(!ok && strcmp(code, "FORM_FAULT") == 0,
		      "POST stop with taskName in a form body, fault filtered on that taskName: "
		      "want errCode FORM_FAULT and nothing applied; got %s (fault matches=%lld, "
		      "task now %s)",
		      ok ? "success" : code, (long long)matches,
		      test_state_in(&d, "", DOC_RUNNING));
	ck_assert_str_eq(test_state_in(&d, "", DOC_RUNNING), "RUNNING");
	cJSON *journal = test_journal_get(&d, "", "op=stop");
	const cJSON *entry = cJSON_GetArrayItem(test_journal_entries(journal), 0);
	ck_assert_pstr_eq(test_string_member(entry, "taskName"), DOC_RUNNING);
	ck_assert_pstr_eq(test_string_member(entry, "injected"), "error");
	cJSON_Delete(journal);
	test_daemon_down(&d);
}
END_TEST

/* A lost acknowledgement of a migrate: the retry on the old name learns
 * where the task went. */
START_TEST(lost_ack_on_migrate_then_retry)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	test_add_fault(&d, "",
		       "{\"op\":\"migrate\",\"action\":{\"type\":\"lost_ack\",\"then\":\"error\","
		       "\"errCode\":\"GATEWAY_TIMEOUT\",\"retryable\":true,\"httpStatus\":504}}");
	const char *moved = "10.2.2.2-9000:connector_v2:p_493po****-incr_trans-1-0:0000000002";
	test_response r = test_oms_in(&d, "", "migrate", DOC_STOPPED, "ip=10.2.2.2", NULL);
	ck_assert_int_eq(r.status, 504);
	char code[64];
	ck_assert(!test_envelope_ok(&r, code, sizeof code));
	ck_assert_str_eq(code, "GATEWAY_TIMEOUT");
	test_response_free(&r);
	ck_assert_str_eq(test_state_in(&d, "", moved), "STOPPED");
	ck_assert_str_eq(test_state_in(&d, "", DOC_STOPPED), "");

	r = test_oms_in(&d, "", "migrate", DOC_STOPPED, "ip=10.2.2.2", NULL);
	cJSON *root = test_response_json(&r);
	ck_assert_pstr_eq(test_string_member(root, "errCode"), "TASK_NOT_FOUND");
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "errorDetail"), "extraContext");
	ck_assert_pstr_eq(test_string_member(extra, "migratedTo"), moved);
	cJSON_Delete(root);
	test_response_free(&r);

	cJSON *journal = test_journal_get(&d, "", "op=migrate&success=true");
	ck_assert_int_eq(cJSON_GetArraySize(test_journal_entries(journal)), 1);
	const cJSON *entry = cJSON_GetArrayItem(test_journal_entries(journal), 0);
	ck_assert_pstr_eq(test_string_member(entry, "newTaskName"), moved);
	ck_assert_pstr_eq(test_string_member(entry, "injected"), "lost_ack");
	cJSON_Delete(journal);
	ck_assert_int_eq(test_journal_count(&d, "", "op=migrate"), 2);
	test_daemon_down(&d);
}
END_TEST

/* SIGTERM with a 30 s delay and a 30 s hang in flight: the daemon stops at
 * once and cleanly; the delayed operation is answered and durable, the
 * hung connection is closed. */
typedef struct {
	const test_daemon *d;
	test_raw_result result;
} raw_call;

static void *raw_stop_call(void *arg)
{
	raw_call *call = arg;
	call->result = test_raw_oms(call->d, "", "stop", DOC_RUNNING, NULL);
	return NULL;
}

static void *raw_stop_other_call(void *arg)
{
	raw_call *call = arg;
	call->result = test_raw_oms(
		call->d, "", "stop",
		"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001", NULL);
	return NULL;
}

START_TEST(sigterm_ends_delays_and_hangs)
{
	test_daemon d;
	test_daemon_up(&d, NULL, NULL);
	char spec[512];
	snprintf(spec, sizeof spec,
		 "{\"op\":\"stop\",\"taskName\":\"%s\",\"action\":{\"type\":\"delay\",\"ms\":30000}"
		 "}",
		 DOC_RUNNING);
	test_add_fault(&d, "", spec);
	test_add_fault(
		&d, "",
		"{\"op\":\"stop\",\"taskName\":\"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-"
		"incr_trans-1-0:0000000001\",\"action\":{\"type\":\"hang\",\"ms\":30000}}");
	raw_call delayed = {.d = &d}, hung = {.d = &d};
	pthread_t t1, t2;
	ck_assert_int_eq(pthread_create(&t1, NULL, raw_stop_call, &delayed), 0);
	ck_assert_int_eq(pthread_create(&t2, NULL, raw_stop_other_call, &hung), 0);
	test_sleep_ms(300);
	int64_t started = test_monotonic_ms();
	test_daemon_down_keep(&d);
	int64_t took = test_monotonic_ms() - started;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	ck_assert_msg(took < 4000, "the daemon took %lld ms to stop", (long long)took);
	ck_assert_msg(delayed.result.rc == CURLE_OK && delayed.result.status == 200,
		      "the delayed stop: %s %ld", curl_easy_strerror(delayed.result.rc),
		      delayed.result.status);
	ck_assert_msg(strstr(delayed.result.body, "\"isSuccess\":true") != NULL, "%s",
		      delayed.result.body);
	ck_assert(test_closed_without_answer(&hung.result));
	free(delayed.result.body);
	free(hung.result.body);

	test_daemon again, copy = d;
	test_daemon_up(&again, NULL, &copy);
	ck_assert_str_eq(test_state_in(&again, "", DOC_RUNNING), "STOPPED");
	ck_assert_str_eq(
		test_state_in(
			&again, "",
			"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001"),
		"RUNNING");
	ck_assert_int_eq(test_fault_count(&again, ""), 0); /* faults live in memory only */
	test_daemon_down(&again);
}
END_TEST

static Suite *faults_suite(void)
{
	Suite *suite = suite_create("integration_faults");
	const test_entry plain[] = {
		{"faults", lost_ack_then_retry_meets_illegal_state},
		{"faults", delay_does_not_block_other_requests},
		{"faults", fault_first_match_wins_and_filters},
		{"faults", seeded_fault_is_reproducible},
		{"faults", fault_ttl_follows_the_virtual_clock},
		{"faults", bad_fault_bodies_are_refused},
		{"faults", fault_matches_a_form_body_task_name},
		{"faults", lost_ack_on_migrate_then_retry},
		{"faults", sigterm_ends_delays_and_hangs},
	};
	test_add_grouped(suite, plain, COUNT(plain), 120);
	TCase *tables = tcase_create("fault_tables");
	tcase_set_timeout(tables, 120);
	tcase_add_loop_test(tables, fault_actions, 0, ACTION_ROWS);
	tcase_add_loop_test(tables, fault_after_and_times, 0, COUNT_ROWS);
	suite_add_tcase(suite, tables);
	return suite;
}

int main(void) { return test_run_suite(faults_suite()); }
