/*
 * integration_crash.c — SIGKILL under load, restart on the same file.
 *
 * For each durability setting (normal, full), one database lives through
 * CYCLES crashes. In each cycle CRASH_CLIENTS threads hammer stop, resume
 * and update on CRASH_TASKS shared tasks until the daemon dies under them:
 * after a seeded random 10-80 ms the test SIGKILLs it while requests are in
 * flight. Every update sets a value nobody else writes,
 * sink.seq_<client> = "<counter>" (the counter only grows), and every
 * request carries `requestId=cC-tT-N` (an unknown parameter: ignored and
 * journaled), so that each answer can be found again.
 *
 * After each kill:
 *  - the file, opened directly with SQLite (read-only; WAL recovery happens
 *    on open), passes PRAGMA integrity_check;
 *  - the daemon restarts on the same file, and nothing is reseeded: every
 *    journal row counted in the file before the restart is served after it;
 *  - every acknowledged update is in the task's config: sink.seq_<client> is
 *    the last acknowledged counter for that task, or the one request whose
 *    answer was lost in the crash (committed before the kill) — never less;
 *  - every answered request (success or refusal) has exactly one journal
 *    entry with the same op, params.taskName, body and outcome; a request
 *    whose answer was lost has at most one;
 *  - the whole journal, replayed per task through the contract's state
 *    machine, is a legal trace (fromState/toState chain, refusals the
 *    contract expects) that ends in the state the daemon reports.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	CYCLES = 16,
	CRASH_CLIENTS = 4,
	CRASH_TASKS = 5,
	MAX_REQUESTS = 50000, /* per client and cycle: a daemon that never dies stops here */
	CODE_CAP = 40,
	WHY_CAP = 1024,
	JOURNAL_LIMIT = 100000,
	COUNTER_BASE = 1000000, /* counter = (cycle + 1) * COUNTER_BASE + n */
};

/* The shared tasks: names never change (no migrate, no delete here). */
static const struct {
	const char *name;
	const char *initial_state;
} crash_tasks[CRASH_TASKS] = {
	{"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001", "STOPPED"},
	{"xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001", "STOPPED"},
	{"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001", "RUNNING"},
	{"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001", "RUNNING"},
	{"10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001", "RUNNING"},
};

typedef enum { OP_RESUME, OP_STOP, OP_UPDATE, OPS } operation;
static const char *const op_names[OPS] = {"resume", "stop", "update"};

static operation op_from_name(const char *name)
{
	for (int o = 0; name && o < OPS; o++)
		if (strcmp(name, op_names[o]) == 0)
			return (operation)o;
	return OPS;
}

static const char *durability_names[] = {"normal", "full"};

/* ---- small helpers ------------------------------------------------------- */

/* Six keys in OMS order; isSuccess true exactly when errCode is null. */
static bool envelope_valid(const cJSON *root)
{
	if (!test_envelope_keys_valid(root, NULL, 0))
		return false;
	const cJSON *success = cJSON_GetObjectItemCaseSensitive(root, "isSuccess");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "errCode");
	return cJSON_IsBool(success) && cJSON_IsTrue(success) == cJSON_IsNull(code) &&
	       (cJSON_IsTrue(success) || cJSON_IsString(code));
}

/* ---- the clients ---------------------------------------------------------- */

typedef enum {
	ANSWER_NONE,	/* no answer: lost in the crash, or never sent */
	ANSWER_SUCCESS, /* acknowledged: isSuccess true */
	ANSWER_REFUSED, /* answered: isSuccess false */
} answer_kind;

typedef struct {
	operation op;
	int slot;
	long long counter; /* update: the value of sink.seq_<client> */
	answer_kind answer;
	char err_code[CODE_CAP];
	char body[96];
	bool journaled;
} crash_record;

typedef struct {
	int cycle;
	int index;
	const char *base_url;
	atomic_long *answered; /* answers so far, all clients of the cycle */
	uint64_t random;
	crash_record *records; /* MAX_REQUESTS */
	int count;
	int errors;
	char first_error[WHY_CAP];
} crash_client;

/* Counts an error of client `c`, keeping the first one's sentence. */
#define crash_client_error(c, ...)                                                                 \
	test_note_error(&(c)->errors, (c)->first_error, sizeof((c)->first_error), __VA_ARGS__)

/* Sends one request; false when no answer came (the daemon is gone). */
static bool crash_client_send(crash_client *c, CURL *curl, struct curl_slist *plain,
			      struct curl_slist *json)
{
	int n = c->count++;
	crash_record *record = &c->records[n];
	memset(record, 0, sizeof *record);
	record->slot = (int)(test_splitmix64(&c->random) % CRASH_TASKS);
	unsigned roll = (unsigned)(test_splitmix64(&c->random) % 100);
	record->op = roll < 30 ? OP_STOP : roll < 60 ? OP_RESUME : OP_UPDATE;
	if (record->op == OP_UPDATE) {
		record->counter = (long long)(c->cycle + 1) * COUNTER_BASE + n;
		snprintf(record->body, sizeof record->body, "{\"sink\":{\"seq_%d\":\"%lld\"}}",
			 c->index, record->counter);
	}
	char *escaped = curl_easy_escape(curl, crash_tasks[record->slot].name, 0);
	char url[1024];
	snprintf(url, sizeof url, "%s/connector/task/v2/%s?taskName=%s&requestId=c%d-t%d-%d",
		 c->base_url, op_names[record->op], escaped ? escaped : "", c->cycle, c->index, n);
	curl_free(escaped);
	test_buffer answer = {.max = 1024 * 1024};
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, record->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(record->body));
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, record->op == OP_UPDATE ? json : plain);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
	CURLcode rc = curl_easy_perform(curl);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		record->answer = ANSWER_NONE;
		free(answer.data);
		return false;
	}
	atomic_fetch_add(c->answered, 1);
	cJSON *root = cJSON_Parse(answer.data ? answer.data : "");
	if (status != 200 || !envelope_valid(root)) {
		/* an answer, but not the OMS envelope: count it as lost, report it */
		crash_client_error(c, "%s %s (c%d-t%d-%d): HTTP %ld %.300s", op_names[record->op],
				   crash_tasks[record->slot].name, c->cycle, c->index, n, status,
				   answer.data ? answer.data : "");
		record->answer = ANSWER_NONE;
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isSuccess"))) {
		record->answer = ANSWER_SUCCESS;
	} else {
		record->answer = ANSWER_REFUSED;
		snprintf(record->err_code, sizeof record->err_code, "%s",
			 test_string_member(root, "errCode"));
	}
	cJSON_Delete(root);
	free(answer.data);
	return true;
}

static void *crash_client_main(void *argument)
{
	crash_client *c = argument;
	struct curl_slist *plain, *json;
	CURL *curl = test_load_handle(&plain, &json);
	if (!curl) {
		crash_client_error(c, "curl_easy_init failed");
		return NULL;
	}
	while (c->count < MAX_REQUESTS && crash_client_send(c, curl, plain, json))
		;
	if (c->count == MAX_REQUESTS)
		crash_client_error(c, "client %d sent %d requests and the daemon still answered",
				   c->index, MAX_REQUESTS);
	curl_slist_free_all(plain);
	curl_slist_free_all(json);
	curl_easy_cleanup(curl);
	return NULL;
}

/* ---- checks --------------------------------------------------------------- */

typedef struct {
	int errors;
	char first_error[2 * WHY_CAP];
} failures;

static void fail_with(failures *f, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void fail_with(failures *f, const char *format, ...)
{
	char text[2 * WHY_CAP];
	va_list args;
	va_start(args, format);
	vsnprintf(text, sizeof text, format, args);
	va_end(args);
	if (f->errors < 20)
		fprintf(stderr, "integration_crash: %s\n", text);
	if (f->errors++ == 0)
		snprintf(f->first_error, sizeof f->first_error, "%s", text);
}

/* PRAGMA integrity_check on the file as the kill left it. Also counts the
 * journal rows. Returns the check's text ("ok" when sound). */
static void check_file(const char *path, char *result, size_t cap, long long *journal_rows)
{
	snprintf(result, cap, "(no answer)");
	*journal_rows = -1;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		snprintf(result, cap, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *statement = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, NULL) != SQLITE_OK) {
		snprintf(result, cap, "cannot prepare the check: %s", sqlite3_errmsg(db));
	} else {
		size_t used = 0;
		result[0] = '\0';
		while ((rc = sqlite3_step(statement)) == SQLITE_ROW && used + 1 < cap) {
			const char *line = (const char *)sqlite3_column_text(statement, 0);
			used += (size_t)snprintf(result + used, cap - used, "%s%s",
						 used ? "; " : "", line ? line : "(null)");
			if (used >= cap)
				used = cap - 1;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			snprintf(result, cap, "the check failed: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(statement);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM journal", -1, &statement, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(statement) == SQLITE_ROW)
		*journal_rows = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	sqlite3_close(db);
}

/* What a cycle leaves for the next and what the test reports. */
typedef struct {
	/* the value of sink.seq_<client> of each task, as verified; -1: unset */
	long long stored[CRASH_TASKS][CRASH_CLIENTS];
	long long journal_verified; /* entries of earlier cycles, matched to requests */
	long sent;
	long acknowledged[OPS];
	long refused;
	long lost_answers;	 /* requests without an answer (one per client and cycle) */
	long lost_but_committed; /* of those, found in the journal after the restart */
	long values_checked;
	long values_from_lost; /* a stored value that came from a lost answer */
	double kill_ms_total;
} crash_totals;

/* Checks each task's sink.seq_<client> against what was acknowledged. */
static void check_values(failures *f, crash_totals *totals, const test_daemon *d, int cycle,
			 crash_client *clients)
{
	cJSON *root = test_get_json(d, "/_mock/tasks");
	for (int slot = 0; slot < CRASH_TASKS; slot++) {
		const cJSON *task = NULL, *item;
		cJSON_ArrayForEach(
			item,
			cJSON_GetObjectItemCaseSensitive(
				root,
				"tasks")) if (test_same_string(test_string_member(item, "taskName"),
							       crash_tasks[slot].name)) task = item;
		if (!task) {
			fail_with(f, "cycle %d: task %s is gone after the restart", cycle,
				  crash_tasks[slot].name);
			continue;
		}
		const cJSON *sink = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(task, "config"), "sink");
		for (int t = 0; t < CRASH_CLIENTS; t++) {
			long long acknowledged = -1, lost = -1;
			const crash_client *c = &clients[t];
			for (int n = 0; n < c->count; n++) {
				const crash_record *r = &c->records[n];
				if (r->op != OP_UPDATE || r->slot != slot)
					continue;
				if (r->answer == ANSWER_SUCCESS)
					acknowledged = r->counter;
				else if (r->answer == ANSWER_NONE)
					lost = r->counter;
			}
			char key[32];
			snprintf(key, sizeof key, "seq_%d", t);
			const char *text = test_string_member(sink, key);
			long long stored = text ? strtoll(text, NULL, 10) : -1;
			long long expected =
				acknowledged >= 0 ? acknowledged : totals->stored[slot][t];
			totals->values_checked++;
			if (stored == expected) {
				/* the last acknowledged value (or the earlier one kept) */
			} else if (lost > expected && stored == lost) {
				totals->values_from_lost++;
			} else if (stored < expected) {
				fail_with(
					f,
					"cycle %d: LOST ACKNOWLEDGED UPDATE: %s sink.%s is %s, but"
					" %lld was acknowledged",
					cycle, crash_tasks[slot].name, key, text ? text : "absent",
					expected);
			} else {
				fail_with(f,
					  "cycle %d: %s sink.%s is %s; expected %lld "
					  "(acknowledged) or"
					  " %lld (answer lost)",
					  cycle, crash_tasks[slot].name, key,
					  text ? text : "absent", expected, lost);
			}
			totals->stored[slot][t] = stored;
		}
	}
	cJSON_Delete(root);
}

/* The contract's state machine for stop/resume/update (strict mode). */
static bool contract_allows(operation op, const char *from, const char **next, const char **refusal)
{
	*refusal = "ILLEGAL_STATE";
	*next = from;
	if (op == OP_RESUME) {
		if (test_same_string(from, "CREATED"))
			*refusal = "UNSUPPORTED_OPERATION";
		*next = "RUNNING";
		return test_same_string(from, "STOPPED") || test_same_string(from, "ABNORMAL");
	}
	if (op == OP_STOP) {
		*next = "STOPPED";
		return test_same_string(from, "RUNNING") || test_same_string(from, "ABNORMAL");
	}
	return test_same_string(from, "CREATED") || test_same_string(from, "STOPPED") ||
	       test_same_string(from, "ABNORMAL");
}

/*
 * Matches this cycle's journal entries to the clients' requests, and replays
 * the whole journal through the state machine; the replay must end in the
 * states the daemon reports.
 */
static void check_journal(failures *f, crash_totals *totals, const test_daemon *d, int cycle,
			  crash_client *clients, long long rows_in_file)
{
	char path[64];
	snprintf(path, sizeof path, "/_mock/journal?limit=%d", JOURNAL_LIMIT);
	cJSON *journal = test_get_json(d, path);
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(journal, "entries");
	int count = cJSON_GetArraySize(entries);
	ck_assert_msg(count < JOURNAL_LIMIT, "the journal outgrew the test's limit (%d)", count);
	if (count != rows_in_file)
		fail_with(f,
			  "cycle %d: the file held %lld journal rows before the restart, the"
			  " daemon serves %d after it",
			  cycle, rows_in_file, count);
	const char *model[CRASH_TASKS];
	for (int slot = 0; slot < CRASH_TASKS; slot++)
		model[slot] = crash_tasks[slot].initial_state;
	long long earlier = 0, this_cycle = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries)
	{
		const char *name = test_string_member(entry, "taskName");
		const cJSON *params = cJSON_GetObjectItemCaseSensitive(entry, "params");
		const char *id = test_string_member(params, "requestId");
		operation op = op_from_name(test_string_member(entry, "op"));
		bool success = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess"));
		const char *code = test_string_member(entry, "errCode");
		const char *from = test_string_member(entry, "fromState");
		const char *to = test_string_member(entry, "toState");
		int entry_cycle, t, n, slot = -1;
		char tail;
		if (!id || sscanf(id, "c%d-t%d-%d%c", &entry_cycle, &t, &n, &tail) != 3 ||
		    entry_cycle < 0 || entry_cycle > cycle || t < 0 || t >= CRASH_CLIENTS ||
		    n < 0) {
			fail_with(f, "cycle %d: a journal entry no client sent: %s", cycle,
				  id ? id : "(no requestId)");
			continue;
		}
		for (int s = 0; s < CRASH_TASKS; s++)
			if (test_same_string(name, crash_tasks[s].name))
				slot = s;
		if (slot < 0 || op == OPS ||
		    !test_same_string(test_string_member(params, "taskName"), name)) {
			fail_with(f, "cycle %d: entry %s names no shared task or op", cycle, id);
			continue;
		}
		if (entry_cycle < cycle) {
			earlier++;
		} else {
			this_cycle++;
			crash_record *r = n < clients[t].count ? &clients[t].records[n] : NULL;
			if (!r) {
				fail_with(f, "cycle %d: entry %s: client %d sent only %d requests",
					  cycle, id, t, clients[t].count);
				continue;
			}
			if (r->journaled)
				fail_with(f, "cycle %d: request %s is journaled twice", cycle, id);
			r->journaled = true;
			if (r->op != op || r->slot != slot ||
			    !test_same_string(test_string_member(entry, "body"),
					      r->body[0] ? r->body : NULL))
				fail_with(
					f,
					"cycle %d: entry %s is %s %s body %s; the client sent %s %s"
					" body %s",
					cycle, id, op_names[op], name,
					test_string_member(entry, "body"), op_names[r->op],
					crash_tasks[r->slot].name, r->body);
			if ((r->answer == ANSWER_SUCCESS && !success) ||
			    (r->answer == ANSWER_REFUSED &&
			     (success || !test_same_string(code, r->err_code))))
				fail_with(
					f,
					"cycle %d: entry %s says %s %s; the client was answered %s",
					cycle, id, success ? "success" : "failure",
					code ? code : "",
					r->answer == ANSWER_SUCCESS ? "success" : r->err_code);
		}
		/* the state machine, in journal (= commit) order */
		const char *next, *refusal;
		bool allowed = contract_allows(op, model[slot], &next, &refusal);
		if (!test_same_string(from, model[slot]))
			fail_with(f, "cycle %d: entry %s: fromState %s, but the replay is at %s",
				  cycle, id, from ? from : "null", model[slot]);
		if (success && !allowed)
			fail_with(f, "cycle %d: entry %s: ILLEGAL TRANSITION %s from %s", cycle, id,
				  op_names[op], model[slot]);
		else if (!success && (allowed || !test_same_string(code, refusal)))
			fail_with(f, "cycle %d: entry %s: %s from %s refused with %s", cycle, id,
				  op_names[op], model[slot], code ? code : "null");
		else if (success && !test_same_string(to, next))
			fail_with(f, "cycle %d: entry %s: toState %s, expected %s", cycle, id,
				  to ? to : "null", next);
		if (success)
			model[slot] = next;
	}
	if (earlier != totals->journal_verified)
		fail_with(f, "cycle %d: %lld entries of earlier cycles were verified, %lld remain",
			  cycle, totals->journal_verified, earlier);
	totals->journal_verified += this_cycle;
	for (int t = 0; t < CRASH_CLIENTS; t++)
		for (int n = 0; n < clients[t].count; n++) {
			const crash_record *r = &clients[t].records[n];
			if (r->answer != ANSWER_NONE && !r->journaled)
				fail_with(f,
					  "cycle %d: ACKNOWLEDGED REQUEST NOT JOURNALED: "
					  "c%d-t%d-%d %s %s"
					  " (answered %s)",
					  cycle, cycle, t, n, op_names[r->op],
					  crash_tasks[r->slot].name,
					  r->answer == ANSWER_SUCCESS ? "success" : r->err_code);
			if (r->answer == ANSWER_NONE && r->journaled)
				totals->lost_but_committed++;
		}
	/* the replay ends where the daemon is */
	for (int slot = 0; slot < CRASH_TASKS; slot++) {
		const char *state = test_task_state(d, crash_tasks[slot].name);
		if (!test_same_string(state, model[slot]))
			fail_with(f, "cycle %d: %s is %s, but its journal ends in %s", cycle,
				  crash_tasks[slot].name, state, model[slot]);
	}
	cJSON_Delete(journal);
}

START_TEST(sigkill_under_load_loses_nothing_acknowledged)
{
	signal(SIGPIPE, SIG_IGN);
	const char *durability = durability_names[_i];
	const char *const args[] = {"--durability", durability, NULL};
	test_daemon d;
	test_daemon_up(&d, args, NULL);
	static crash_totals totals;
	memset(&totals, 0, sizeof totals);
	for (int slot = 0; slot < CRASH_TASKS; slot++)
		for (int t = 0; t < CRASH_CLIENTS; t++)
			totals.stored[slot][t] = -1;
	static failures f;
	memset(&f, 0, sizeof f);
	uint64_t seed = test_env_seed("CRASH_SEED") ^ ((uint64_t)(_i + 1) * 0xD1B54A32D192ED03ULL);
	uint64_t delays = seed;
	crash_client clients[CRASH_CLIENTS];
	for (int t = 0; t < CRASH_CLIENTS; t++) {
		clients[t].records = calloc(MAX_REQUESTS, sizeof *clients[t].records);
		ck_assert_ptr_nonnull(clients[t].records);
	}
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);

	for (int cycle = 0; cycle < CYCLES; cycle++) {
		for (int t = 0; t < CRASH_CLIENTS; t++) {
			crash_record *records = clients[t].records;
			memset(&clients[t], 0, sizeof clients[t]);
			clients[t].records = records;
			clients[t].cycle = cycle;
			clients[t].index = t;
			clients[t].base_url = d.base_url;
			clients[t].random =
				seed ^ ((uint64_t)(cycle * CRASH_CLIENTS + t + 1) << 32);
		}
		static atomic_long answered;
		atomic_init(&answered, 0);
		for (int t = 0; t < CRASH_CLIENTS; t++)
			clients[t].answered = &answered;
		pthread_t threads[CRASH_CLIENTS];
		for (int t = 0; t < CRASH_CLIENTS; t++)
			ck_assert_int_eq(
				pthread_create(&threads[t], NULL, crash_client_main, &clients[t]),
				0);
		/* the load is on once the daemon answers (slow under valgrind) */
		for (int waited = 0; atomic_load(&answered) < 2 * CRASH_CLIENTS && waited < 60000;
		     waited++)
			test_sleep_ms(1);
		long delay_ms = 10 + (long)(test_splitmix64(&delays) % 71);
		totals.kill_ms_total += (double)delay_ms;
		test_sleep_ms(delay_ms);
		test_daemon_crash(&d);
		for (int t = 0; t < CRASH_CLIENTS; t++)
			pthread_join(threads[t], NULL);
		for (int t = 0; t < CRASH_CLIENTS; t++) {
			ck_assert_msg(clients[t].errors == 0, "cycle %d, client %d: %s", cycle, t,
				      clients[t].first_error);
			totals.sent += clients[t].count;
			for (int n = 0; n < clients[t].count; n++) {
				const crash_record *r = &clients[t].records[n];
				if (r->answer == ANSWER_SUCCESS)
					totals.acknowledged[r->op]++;
				else if (r->answer == ANSWER_REFUSED)
					totals.refused++;
				else
					totals.lost_answers++;
			}
		}

		char integrity[1024];
		long long rows_in_file;
		check_file(d.db_path, integrity, sizeof integrity, &rows_in_file);
		ck_assert_msg(strcmp(integrity, "ok") == 0,
			      "cycle %d (%s): PRAGMA integrity_check after SIGKILL: %s", cycle,
			      durability, integrity);

		test_daemon dead = d;
		ck_assert_msg(test_daemon_start(&d, args, &dead) == 0,
			      "cycle %d (%s): the daemon did not restart on %s (log: %s)", cycle,
			      durability, dead.db_path, dead.log_path);
		test_track_daemon(d.pid);
		check_values(&f, &totals, &d, cycle, clients);
		check_journal(&f, &totals, &d, cycle, clients, rows_in_file);
		ck_assert_msg(f.errors == 0, "%s durability, cycle %d: %d failures; first: %s",
			      durability, cycle, f.errors, f.first_error);
	}
	double elapsed = test_seconds_since(&start);

	long acknowledged = 0;
	for (int o = 0; o < OPS; o++)
		acknowledged += totals.acknowledged[o];
	printf("integration_crash [%s durability]: seed %" PRIu64
	       ", %d SIGKILL cycles (mean %.0f ms"
	       " into the load) in %.2f s; %d clients sent %ld requests:"
	       " %ld acknowledged successes (stop %ld, resume %ld, update %ld), %ld acknowledged"
	       " refusals, %ld without an answer (%ld of them committed before the kill);"
	       " %ld update values checked (%ld from a lost answer), %lld journal entries"
	       " matched to requests\n",
	       durability, test_env_seed("CRASH_SEED"), CYCLES, totals.kill_ms_total / CYCLES,
	       elapsed, CRASH_CLIENTS, totals.sent, acknowledged, totals.acknowledged[OP_STOP],
	       totals.acknowledged[OP_RESUME], totals.acknowledged[OP_UPDATE], totals.refused,
	       totals.lost_answers, totals.lost_but_committed, totals.values_checked,
	       totals.values_from_lost, totals.journal_verified);
	fflush(stdout);
	ck_assert_msg(totals.acknowledged[OP_UPDATE] > 0 && totals.acknowledged[OP_STOP] > 0 &&
			      totals.acknowledged[OP_RESUME] > 0,
		      "the load never got an acknowledged stop, resume and update");

	for (int t = 0; t < CRASH_CLIENTS; t++)
		free(clients[t].records);
	test_daemon_down(&d);
}
END_TEST

static Suite *crash_suite(void)
{
	Suite *suite = suite_create("integration_crash");
	TCase *crash = tcase_create("sigkill");
	tcase_set_timeout(crash, 300);
	tcase_add_loop_test(crash, sigkill_under_load_loses_nothing_acknowledged, 0,
			    (int)(sizeof durability_names / sizeof *durability_names));
	suite_add_tcase(suite, crash);
	return suite;
}

int main(void) { return test_run_suite(crash_suite()); }
