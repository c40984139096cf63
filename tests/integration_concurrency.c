/*
 * integration_concurrency.c — many clients at once against the real binary.
 *
 * One daemon (fixtures/default.json plus three tasks made here) serves
 * CLIENTS threads, each with its own keep-alive libcurl handle, each sending
 * OPS_PER_CLIENT seeded random stop/resume/update/migrate/delete requests to
 * the same SHARED_TASKS tasks. A client learns a task's new name from a
 * successful migrate, from `extraContext.migratedTo`, or by re-listing
 * /_mock/tasks; a task it saw deleted is gone for it.
 *
 * Every request carries an extra `requestId=tN-M` parameter (unknown
 * parameters are ignored and journaled, docs/decisions.md), so that each
 * answer a client saw can be matched to exactly one journal entry. Checked:
 *  - every answer is HTTP 200 with the OMS envelope: exactly the six keys in
 *    OMS's order, isSuccess true exactly when errCode is null;
 *  - the journal holds exactly one entry per request sent, with the outcome
 *    the client saw;
 *  - replayed in journal order through a model of the state machine written
 *    here from the contract (not rules.c), every success is a legal
 *    transition, every refusal is the refusal the model expects (the code
 *    too), fromState/toState are the model's, migrate's new name has the
 *    next SEQ, and TASK_NOT_FOUND says migratedTo the live name or deleted;
 *  - the final tasks (state and the last workerNum written) are the model's.
 *
 * The test runs three times: strict with 2 HTTP threads; strict with 8, and
 * lenient with 4, both with a failure injector that sets shared tasks
 * ABNORMAL through the control API meanwhile (not journaled: the model
 * accepts an unannounced fromState ABNORMAL only as often as failures were
 * sent). Base seed: CONCURRENCY_SEED (default 20251121); the interleaving,
 * and so the exact counts, differ from run to run.
 *
 * A second case races the control API against the OMS routes: a fail or a
 * create answered while a migrate or delete changes its task must answer
 * what it did.
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	CLIENTS = 8,
	OPS_PER_CLIENT = 400,
	SHARED_TASKS = 7,
	NAME_CAP = 320,
	CODE_CAP = 40,
	WHY_CAP = 768,
	JOURNAL_LIMIT = 100000,
};

/* ---- the operations and states, as the contract names them ----------- */

typedef enum { OP_RESUME, OP_STOP, OP_UPDATE, OP_MIGRATE, OP_DELETE, OPS } operation;

static const char *const op_names[OPS] = {"resume", "stop", "update", "migrate", "delete"};

typedef enum {
	S_CREATED,
	S_RUNNING,
	S_STOPPED,
	S_ABNORMAL,
	S_FINISHED,
	STATES,
	S_NONE, /* no state: the task is gone */
} machine_state;

static const char *const state_names[STATES] = {"CREATED", "RUNNING", "STOPPED", "ABNORMAL",
						"FINISHED"};

static machine_state state_from_name(const char *name)
{
	for (int s = 0; name && s < STATES; s++)
		if (strcmp(name, state_names[s]) == 0)
			return (machine_state)s;
	return S_NONE;
}

static operation op_from_name(const char *name)
{
	for (int o = 0; name && o < OPS; o++)
		if (strcmp(name, op_names[o]) == 0)
			return (operation)o;
	return OPS;
}

/* ---- the shared tasks --------------------------------------------------- */

typedef struct {
	const char *name;
	const char *initial_state;
	const char *initial_worker_num;
	bool create;	/* made here with POST /_mock/tasks; else from the fixtures */
	bool deletable; /* clients may send delete to it (rarely) */
} shared_task;

static const shared_task shared[SHARED_TASKS] = {
	{"10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001", "RUNNING", "16",
	 false, false},
	{"10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-incr_trans-1-0:0000000001", "ABNORMAL", "16",
	 false, false},
	{"10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001", "CREATED", "16",
	 false, true},
	{"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-full_trans-1-0:0000000001", "FINISHED", "16",
	 false, true},
	{"10.0.0.60-9000:connector_v2:p_conc_a-incr_trans-1-0:0000000001", "RUNNING", "8", true,
	 false},
	{"10.0.0.61-9000:connector_v2:p_conc_b-incr_trans-1-0:0000000001", "STOPPED", "8", true,
	 false},
	{"10.0.0.62-9000:connector_v2:p_conc_c-full_trans-1-0:0000000001", "STOPPED", "8", true,
	 true},
};

/* ---- taskName parts, parsed here independently of store/taskname.c ---- */

/* PROJECT-TYPE-SUB-IDX: between "connector_v2:" and the last ':'. */
static bool name_identity(const char *name, char *out, size_t cap)
{
	const char *start = strstr(name, ":connector_v2:");
	const char *last = strrchr(name, ':');
	if (!start || !last)
		return false;
	start += strlen(":connector_v2:");
	if (last <= start || (size_t)(last - start) >= cap)
		return false;
	memcpy(out, start, (size_t)(last - start));
	out[last - start] = '\0';
	return true;
}

/* HOST: before ":connector_v2:", less its "-PORT". */
static bool name_host(const char *name, char *out, size_t cap)
{
	const char *end = strstr(name, ":connector_v2:");
	if (!end)
		return false;
	const char *dash = end;
	while (dash > name && dash[-1] != '-')
		dash--;
	if (dash == name || (size_t)(dash - 1 - name) >= cap)
		return false;
	memcpy(out, name, (size_t)(dash - 1 - name));
	out[dash - 1 - name] = '\0';
	return true;
}

static unsigned long long name_seq(const char *name)
{
	const char *last = strrchr(name, ':');
	return last ? strtoull(last + 1, NULL, 10) : 0;
}

/* ---- JSON helpers -------------------------------------------------------- */

/*
 * Checks one OMS answer: exactly the six keys in order, isSuccess true
 * exactly when errCode is null, and each key's type for that outcome.
 * Returns true, or false with a sentence in `why`.
 */
static bool envelope_valid(const cJSON *root, char *why, size_t cap)
{
	if (!test_envelope_keys_valid(root, why, cap))
		return false;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "errCode");
	const cJSON *message = cJSON_GetObjectItemCaseSensitive(root, "errMsg");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "errorDetail");
	const cJSON *success = cJSON_GetObjectItemCaseSensitive(root, "isSuccess");
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(root, "result");
	const cJSON *retryable = cJSON_GetObjectItemCaseSensitive(root, "retryable");
	if (!cJSON_IsBool(success)) {
		snprintf(why, cap, "isSuccess is not a boolean");
		return false;
	}
	if (cJSON_IsTrue(success) != cJSON_IsNull(code)) {
		snprintf(why, cap, "isSuccess is %s but errCode is %s",
			 cJSON_IsTrue(success) ? "true" : "false",
			 cJSON_IsNull(code) ? "null" : "set");
		return false;
	}
	if (cJSON_IsTrue(success)) {
		if (!cJSON_IsString(result) || !*result->valuestring || !cJSON_IsNull(message) ||
		    !cJSON_IsNull(detail) || !cJSON_IsNull(retryable)) {
			snprintf(why, cap, "a success must have a result and three nulls");
			return false;
		}
		return true;
	}
	const char *detail_code = test_string_member(detail, "code");
	if (!cJSON_IsString(code) || !cJSON_IsString(message) || !*message->valuestring ||
	    !cJSON_IsNull(result) || !cJSON_IsBool(retryable) || !cJSON_IsObject(detail) ||
	    !detail_code || strcmp(detail_code, code->valuestring) != 0 ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(detail, "extraContext"))) {
		snprintf(why, cap,
			 "a failure must have errCode, errMsg, errorDetail with the same"
			 " code and an extraContext, result null and a boolean retryable");
		return false;
	}
	return true;
}

/* ---- one client ---------------------------------------------------------- */

typedef struct {
	operation op;
	int slot;
	char name[NAME_CAP]; /* the taskName sent */
	bool answered;
	bool success;
	char err_code[CODE_CAP];    /* "" on success */
	char result[NAME_CAP];	    /* success: the result */
	char migrated_to[NAME_CAP]; /* TASK_NOT_FOUND: extraContext.migratedTo, or "" */
	bool deleted;		    /* TASK_NOT_FOUND: extraContext.deleted */
	bool journaled;		    /* matched by a journal entry */
} request_record;

typedef struct {
	int index;
	const char *base_url;
	request_record *records; /* OPS_PER_CLIENT of them */
	char names[SHARED_TASKS][NAME_CAP];
	bool gone[SHARED_TASKS];
	uint64_t random;
	long sent;     /* OMS requests */
	long relists;  /* GET /_mock/tasks */
	long connects; /* TCP connections libcurl opened */
	long followed; /* names learnt from migratedTo */
	long success_by_op[OPS];
	long refused_by_op[OPS];
	int errors;
	char first_error[WHY_CAP];
} client;

/* Counts an error of client `c`, keeping the first one's sentence. */
#define client_error(c, ...)                                                                       \
	test_note_error(&(c)->errors, (c)->first_error, sizeof((c)->first_error), __VA_ARGS__)

/* A number below `n` from the client's seeded, per-thread sequence. */
static unsigned below(client *c, unsigned n) { return (unsigned)(test_splitmix64(&c->random) % n); }

/* One request on the client's own handle (its connection is kept alive).
 * `body` NULL: a GET. Returns the HTTP status, or 0 when no answer came
 * (an answer past TEST_BUFFER_MAX bytes counts as none). */
static long client_request(client *c, CURL *curl, const char *url, const char *body,
			   struct curl_slist *headers, test_buffer *answer, char *content_type,
			   size_t type_cap)
{
	free(answer->data);
	*answer = (test_buffer){.data = NULL};
	content_type[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
	CURLcode rc = curl_easy_perform(curl);
	long connects = 0;
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
	c->connects += connects;
	if (rc != CURLE_OK)
		return 0;
	long status = 0;
	char *type = NULL;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	snprintf(content_type, type_cap, "%s", type ? type : "");
	return status;
}

/* Re-lists /_mock/tasks to learn where the task of `slot` went. */
static void client_relist(client *c, CURL *curl, struct curl_slist *headers, int slot)
{
	char url[256], type[128], identity[NAME_CAP];
	snprintf(url, sizeof url, "%s/_mock/tasks", c->base_url);
	test_buffer answer = {0};
	c->relists++;
	long status = client_request(c, curl, url, NULL, headers, &answer, type, sizeof type);
	cJSON *root = status == 200 ? cJSON_Parse(answer.data) : NULL;
	free(answer.data);
	if (!root || !name_identity(c->names[slot], identity, sizeof identity)) {
		client_error(c, "GET /_mock/tasks answered %ld", status);
		cJSON_Delete(root);
		return;
	}
	c->gone[slot] = true;
	const cJSON *task;
	cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
	{
		const char *name = test_string_member(task, "taskName");
		if (test_same_string(test_string_member(task, "identity"), identity) && name &&
		    strlen(name) < NAME_CAP) {
			snprintf(c->names[slot], NAME_CAP, "%s", name);
			c->gone[slot] = false;
		}
	}
	cJSON_Delete(root);
}

/* Learns from an answer: a new name, a deleted task. */
static void client_learn(client *c, CURL *curl, struct curl_slist *headers, request_record *record,
			 const cJSON *root)
{
	if (record->success) {
		if (record->op == OP_MIGRATE)
			snprintf(c->names[record->slot], NAME_CAP, "%s", record->result);
		else if (record->op == OP_DELETE)
			c->gone[record->slot] = true;
		return;
	}
	if (strcmp(record->err_code, "TASK_NOT_FOUND") != 0)
		return;
	const cJSON *extra = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "errorDetail"), "extraContext");
	const char *migrated_to = test_string_member(extra, "migratedTo");
	record->deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(extra, "deleted"));
	if (migrated_to && strlen(migrated_to) < NAME_CAP) {
		snprintf(record->migrated_to, NAME_CAP, "%s", migrated_to);
		snprintf(c->names[record->slot], NAME_CAP, "%s", migrated_to);
		c->followed++;
	} else if (record->deleted) {
		c->gone[record->slot] = true;
	} else {
		client_relist(c, curl, headers, record->slot);
	}
}

static void client_send(client *c, CURL *curl, struct curl_slist *plain, struct curl_slist *json,
			int n)
{
	request_record *record = &c->records[n];
	int live[SHARED_TASKS], count = 0;
	for (int s = 0; s < SHARED_TASKS; s++)
		if (!c->gone[s])
			live[count++] = s;
	if (count == 0) {
		client_error(c, "every shared task is gone for client %d", c->index);
		return;
	}
	record->slot = live[below(c, (unsigned)count)];
	unsigned roll = below(c, 1000);
	if (shared[record->slot].deletable && roll < 8)
		record->op = OP_DELETE;
	else if (roll < 300)
		record->op = OP_STOP;
	else if (roll < 600)
		record->op = OP_RESUME;
	else if (roll < 930)
		record->op = OP_UPDATE;
	else
		record->op = OP_MIGRATE;
	snprintf(record->name, NAME_CAP, "%s", c->names[record->slot]);

	char extra[128] = "", body[128];
	if (record->op == OP_MIGRATE) {
		unsigned how = below(c, 3);
		if (how == 1)
			snprintf(extra, sizeof extra, "&ip=10.%d.%u.%u", 100 + c->index,
				 below(c, 250), 1 + below(c, 250));
		else if (how == 2)
			snprintf(extra, sizeof extra, "&ip=node%d_%u.example", c->index,
				 below(c, 1000));
	}
	char *escaped = curl_easy_escape(curl, record->name, 0);
	char url[1024];
	snprintf(url, sizeof url, "%s/connector/task/v2/%s?taskName=%s&requestId=t%d-%d%s",
		 c->base_url, op_names[record->op], escaped ? escaped : "", c->index, n, extra);
	curl_free(escaped);
	if (record->op == OP_UPDATE)
		snprintf(body, sizeof body, "{\"sink\":{\"workerNum\":\"%d\"}}",
			 (c->index + 1) * 100000 + n);
	else
		body[0] = '\0';

	test_buffer answer = {0};
	char type[128];
	long status = client_request(c, curl, url, body, record->op == OP_UPDATE ? json : plain,
				     &answer, type, sizeof type);
	c->sent++;
	if (status == 0) {
		client_error(c, "%s %s (t%d-%d) got no HTTP answer", op_names[record->op],
			     record->name, c->index, n);
		free(answer.data);
		return;
	}
	record->answered = true;
	cJSON *root = cJSON_Parse(answer.data ? answer.data : "");
	char why[WHY_CAP / 2];
	if (status != 200 || strncmp(type, "application/json", 16) != 0) {
		client_error(c, "%s %s (t%d-%d): HTTP %ld, Content-Type \"%s\": %.200s",
			     op_names[record->op], record->name, c->index, n, status, type,
			     answer.data ? answer.data : "");
	} else if (!envelope_valid(root, why, sizeof why)) {
		client_error(c, "%s %s (t%d-%d): %s: %.200s", op_names[record->op], record->name,
			     c->index, n, why, answer.data ? answer.data : "");
	} else {
		record->success = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isSuccess"));
		const char *code = test_string_member(root, "errCode");
		const char *result = test_string_member(root, "result");
		snprintf(record->err_code, CODE_CAP, "%s", code ? code : "");
		snprintf(record->result, NAME_CAP, "%s", result ? result : "");
		if (record->success)
			c->success_by_op[record->op]++;
		else
			c->refused_by_op[record->op]++;
		client_learn(c, curl, plain, record, root);
	}
	cJSON_Delete(root);
	free(answer.data);
}

static void *client_main(void *argument)
{
	client *c = argument;
	struct curl_slist *plain, *json;
	CURL *curl = test_load_handle(&plain, &json);
	if (!curl) {
		client_error(c, "curl_easy_init failed");
		return NULL;
	}
	for (int n = 0; n < OPS_PER_CLIENT; n++)
		client_send(c, curl, plain, json, n);
	curl_slist_free_all(plain);
	curl_slist_free_all(json);
	curl_easy_cleanup(curl);
	return NULL;
}

/* ---- the failure injector: sets shared tasks ABNORMAL while clients run --- */

/*
 * GET /_mock/tasks and finds the live task of `identity`: its name and
 * lastError. Returns 1 found, 0 absent, -1 no usable answer.
 */
static int find_live_task(client *c, CURL *curl, struct curl_slist *headers, const char *identity,
			  char *name, char *last_error, size_t cap)
{
	char url[256], type[128];
	snprintf(url, sizeof url, "%s/_mock/tasks", c->base_url);
	test_buffer answer = {0};
	long status = client_request(c, curl, url, NULL, headers, &answer, type, sizeof type);
	cJSON *root = status == 200 ? cJSON_Parse(answer.data) : NULL;
	free(answer.data);
	if (!root)
		return -1;
	int found = 0;
	const cJSON *task;
	cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
	{
		const char *task_name = test_string_member(task, "taskName");
		if (!test_same_string(test_string_member(task, "identity"), identity) || !task_name)
			continue;
		const char *error = test_string_member(task, "lastError");
		snprintf(name, cap, "%s", task_name);
		snprintf(last_error, cap, "%s", error ? error : "");
		found = 1;
	}
	cJSON_Delete(root);
	return found;
}

/*
 * POST /_mock/tasks/{name}/fail with `message`. Returns the HTTP status (0:
 * no answer).
 */
static long post_fail(client *c, CURL *curl, struct curl_slist *json, const char *name,
		      const char *message)
{
	char *escaped = curl_easy_escape(curl, name, 0);
	char url[1024], type[128], body[256];
	snprintf(url, sizeof url, "%s/_mock/tasks/%s/fail", c->base_url, escaped ? escaped : "");
	curl_free(escaped);
	snprintf(body, sizeof body, "{\"message\":\"%s\"}", message);
	test_buffer answer = {0};
	long status = client_request(c, curl, url, body, json, &answer, type, sizeof type);
	free(answer.data);
	return status;
}

typedef struct {
	const char *base_url;
	atomic_bool stop;
	uint64_t random;
	long injected[SHARED_TASKS]; /* fails answered 200, per shared task */
	/*
	 * Fails answered 404 (the task was renamed meanwhile). Because of the
	 * bug that fail_races_migrate pins down, such a fail may have been
	 * applied all the same: the model counts them as possible failures,
	 * so that this test judges the OMS routes only.
	 */
	long maybe_injected[SHARED_TASKS];
	long missed;
	long applied_despite_404; /* 404, yet the task shows this fail's lastError */
	int errors;
	char first_error[WHY_CAP];
} injector;

static void *injector_main(void *argument)
{
	injector *in = argument;
	client lister = {.index = -1, .base_url = in->base_url};
	struct curl_slist *json;
	CURL *curl = test_load_handle(NULL, &json);
	for (long n = 1; !atomic_load(&in->stop) && in->errors == 0; n++) {
		struct timespec pause = {0, (long)(2 + test_splitmix64(&in->random) % 6) * 1000 *
						    1000};
		nanosleep(&pause, NULL);
		int slot = (int)(test_splitmix64(&in->random) % SHARED_TASKS);
		char identity[NAME_CAP], name[NAME_CAP], last_error[NAME_CAP], message[64];
		name_identity(shared[slot].name, identity, sizeof identity);
		int found =
			find_live_task(&lister, curl, json, identity, name, last_error, NAME_CAP);
		if (found <= 0) {
			if (found < 0 && in->errors++ == 0)
				snprintf(in->first_error, sizeof in->first_error,
					 "GET /_mock/tasks failed");
			continue;
		}
		/* a unique lastError tells whether this very fail took effect */
		snprintf(message, sizeof message, "injected failure #%ld", n);
		long status = post_fail(&lister, curl, json, name, message);
		if (status == 200) {
			in->injected[slot]++;
		} else if (status == 404) {
			in->missed++;
			in->maybe_injected[slot]++;
			if (find_live_task(&lister, curl, json, identity, name, last_error,
					   NAME_CAP) > 0 &&
			    strcmp(last_error, message) == 0)
				in->applied_despite_404++;
		} else if (in->errors++ == 0) {
			snprintf(in->first_error, sizeof in->first_error, "fail %s answered %ld",
				 name, status);
		}
	}
	curl_slist_free_all(json);
	curl_easy_cleanup(curl);
	return NULL;
}

/* ---- the model: the contract, written here, not taken from rules.c ---- */

typedef struct {
	bool allowed;
	const char *refusal; /* the errCode when not allowed */
	machine_state next;  /* when allowed; S_NONE: the task is gone */
} verdict;

/* `lenient`: a repeated stop or resume succeeds and changes nothing. */
static verdict contract_decides(operation op, machine_state from, bool lenient)
{
	const verdict illegal = {false, "ILLEGAL_STATE", S_NONE};
	switch (op) {
	case OP_RESUME:
		if (from == S_STOPPED || from == S_ABNORMAL || (lenient && from == S_RUNNING))
			return (verdict){true, NULL, S_RUNNING};
		if (from == S_CREATED)
			return (verdict){false, "UNSUPPORTED_OPERATION", S_NONE};
		return illegal;
	case OP_STOP:
		if (from == S_RUNNING || from == S_ABNORMAL || (lenient && from == S_STOPPED))
			return (verdict){true, NULL, S_STOPPED};
		return illegal;
	case OP_UPDATE:
		if (from == S_CREATED || from == S_STOPPED || from == S_ABNORMAL)
			return (verdict){true, NULL, from};
		return illegal;
	case OP_MIGRATE:
		if (from == S_FINISHED)
			return illegal;
		return (verdict){true, NULL, from == S_ABNORMAL ? S_STOPPED : from};
	case OP_DELETE:
		if (from == S_RUNNING)
			return illegal;
		return (verdict){true, NULL, S_NONE};
	case OPS:
		break;
	}
	return illegal;
}

typedef struct {
	char identity[NAME_CAP];
	char name[NAME_CAP]; /* the live name; the last one once deleted */
	machine_state current;
	bool alive;
	unsigned long long max_seq;
	char worker_num[32];
	char (*old_names)[NAME_CAP];
	size_t old_count;
	size_t old_cap;
	long injected;	     /* failures the injector set (POST /_mock/tasks/{name}/fail) */
	long observed_fails; /* of those, seen as an unannounced fromState ABNORMAL */
} model_task;

typedef struct {
	model_task tasks[SHARED_TASKS];
	bool lenient;
	client *clients;
	long entries;
	long success_by_op[OPS];
	long refused_by_op[OPS];
	long not_found;
	long transitions[STATES][STATES]; /* successful state changes, from -> to */
	int errors;
	char first_error[2 * WHY_CAP];
} model;

static void model_error(model *m, const cJSON *entry, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void model_error(model *m, const cJSON *entry, const char *format, ...)
{
	char text[WHY_CAP];
	va_list args;
	va_start(args, format);
	vsnprintf(text, sizeof text, format, args);
	va_end(args);
	char *entry_text = entry ? cJSON_PrintUnformatted(entry) : NULL;
	if (m->errors < 20)
		fprintf(stderr, "integration_concurrency: %s\n  journal entry: %s\n", text,
			entry_text ? entry_text : "(none)");
	if (m->errors++ == 0)
		snprintf(m->first_error, sizeof m->first_error, "%.700s; journal entry: %.300s",
			 text, entry_text ? entry_text : "(none)");
	free(entry_text);
}

static model_task *model_task_of(model *m, const char *name)
{
	char identity[NAME_CAP];
	if (!name || !name_identity(name, identity, sizeof identity))
		return NULL;
	for (int i = 0; i < SHARED_TASKS; i++)
		if (strcmp(m->tasks[i].identity, identity) == 0)
			return &m->tasks[i];
	return NULL;
}

static void remember_old_name(model_task *t, const char *name)
{
	if (t->old_count == t->old_cap) {
		t->old_cap = t->old_cap ? t->old_cap * 2 : 16;
		t->old_names = realloc(t->old_names, t->old_cap * sizeof *t->old_names);
		ck_assert_ptr_nonnull(t->old_names);
	}
	snprintf(t->old_names[t->old_count++], NAME_CAP, "%s", name);
}

static bool was_old_name(const model_task *t, const char *name)
{
	for (size_t i = 0; i < t->old_count; i++)
		if (strcmp(t->old_names[i], name) == 0)
			return true;
	return false;
}

/* The client request an entry records, through its requestId=tN-M. */
static request_record *record_of_entry(model *m, const cJSON *entry)
{
	const char *id =
		test_string_member(cJSON_GetObjectItemCaseSensitive(entry, "params"), "requestId");
	int thread, n;
	char tail;
	if (!id || sscanf(id, "t%d-%d%c", &thread, &n, &tail) != 2 || thread < 0 ||
	    thread >= CLIENTS || n < 0 || n >= OPS_PER_CLIENT)
		return NULL;
	return &m->clients[thread].records[n];
}

/* Checks that the entry says what its client was told. */
static void check_entry_against_answer(model *m, const cJSON *entry, request_record *r,
				       operation op, const char *name, bool success,
				       const char *code)
{
	if (r->journaled)
		model_error(m, entry, "a second journal entry for one request");
	r->journaled = true;
	if (!r->answered)
		return; /* reported by its client already */
	if (r->op != op || strcmp(r->name, name ? name : "") != 0)
		model_error(m, entry, "the client sent %s %s", op_names[r->op], r->name);
	if (r->success != success || strcmp(r->err_code, code ? code : "") != 0)
		model_error(m, entry, "the client was answered %s %s",
			    r->success ? "success" : "failure", r->err_code);
	const char *expected_result =
		op == OP_MIGRATE ? test_string_member(entry, "newTaskName") : name;
	if (success && !test_same_string(r->result, expected_result))
		model_error(m, entry, "the client was answered result %s", r->result);
}

/* Applies one successful, legal operation to the model. */
static void model_apply(model *m, const cJSON *entry, model_task *t, operation op, const verdict *v)
{
	if (op == OP_MIGRATE) {
		const char *new_name = test_string_member(entry, "newTaskName");
		char identity[NAME_CAP], host[NAME_CAP], old_host[NAME_CAP];
		const char *ip =
			test_string_member(cJSON_GetObjectItemCaseSensitive(entry, "params"), "ip");
		if (!new_name || !name_identity(new_name, identity, sizeof identity) ||
		    strcmp(identity, t->identity) != 0 || !name_host(new_name, host, sizeof host) ||
		    !name_host(t->name, old_host, sizeof old_host)) {
			model_error(m, entry, "migrate's new name is not of identity %s",
				    t->identity);
			return;
		}
		if (name_seq(new_name) != t->max_seq + 1)
			model_error(m, entry, "migrate's new SEQ is %llu, the model expects %llu",
				    name_seq(new_name), t->max_seq + 1);
		if (strcmp(host, ip && *ip ? ip : old_host) != 0)
			model_error(m, entry, "migrate's new host is %s, expected %s", host,
				    ip && *ip ? ip : old_host);
		remember_old_name(t, t->name);
		snprintf(t->name, NAME_CAP, "%s", new_name);
		t->max_seq = name_seq(new_name);
	} else if (op == OP_UPDATE) {
		cJSON *body = cJSON_Parse(
			test_string_member(entry, "body") ? test_string_member(entry, "body") : "");
		const char *worker_num = test_string_member(
			cJSON_GetObjectItemCaseSensitive(body, "sink"), "workerNum");
		if (!worker_num)
			model_error(m, entry,
				    "an update whose journaled body has no sink.workerNum");
		else
			snprintf(t->worker_num, sizeof t->worker_num, "%s", worker_num);
		cJSON_Delete(body);
	} else if (op == OP_DELETE) {
		t->alive = false;
		return;
	}
	if (v->next != t->current)
		m->transitions[t->current][v->next]++;
	t->current = v->next;
}

/* Replays one journal entry through the model. */
static void model_replay(model *m, const cJSON *entry)
{
	m->entries++;
	operation op = op_from_name(test_string_member(entry, "op"));
	const char *name = test_string_member(entry, "taskName");
	bool success = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess"));
	const char *code = test_string_member(entry, "errCode");
	const char *from = test_string_member(entry, "fromState");
	const char *to = test_string_member(entry, "toState");
	if (op == OPS || !name) {
		model_error(m, entry, "an entry without a known op and a taskName");
		return;
	}
	request_record *r = record_of_entry(m, entry);
	if (!r) {
		model_error(m, entry, "an entry whose requestId no client sent");
		return;
	}
	check_entry_against_answer(m, entry, r, op, name, success, code);
	if (success == (code != NULL))
		model_error(m, entry, "isSuccess and errCode disagree");
	model_task *t = model_task_of(m, name);
	if (!t) {
		model_error(m, entry, "a taskName of no shared task");
		return;
	}
	if (success)
		m->success_by_op[op]++;
	else
		m->refused_by_op[op]++;
	if (!t->alive || strcmp(name, t->name) != 0) {
		/* a name that is no longer live: migrated away, or deleted */
		m->not_found++;
		if (success || !test_same_string(code, "TASK_NOT_FOUND") || from || to)
			model_error(m, entry,
				    "%s names no live task (the live one is %s%s): expected"
				    " TASK_NOT_FOUND without states",
				    name, t->name, t->alive ? "" : ", deleted");
		else if (strcmp(name, t->name) == 0 && (!r->deleted || r->migrated_to[0]))
			model_error(m, entry, "the client was not told deleted:true");
		else if (strcmp(name, t->name) != 0 && !was_old_name(t, name))
			model_error(m, entry, "%s was never a name of this task", name);
		else if (strcmp(name, t->name) != 0 && r->answered &&
			 strcmp(r->migrated_to, t->name) != 0)
			model_error(m, entry,
				    "the client was told migratedTo \"%s\", the live name is %s",
				    r->migrated_to, t->name);
		return;
	}
	if (test_same_string(from, "ABNORMAL") && t->current != S_ABNORMAL &&
	    t->observed_fails < t->injected) {
		/* a failure the injector set between two operations: not journaled */
		t->observed_fails++;
		t->current = S_ABNORMAL;
	}
	verdict v = contract_decides(op, t->current, m->lenient);
	if (!test_same_string(from, state_names[t->current]))
		model_error(m, entry, "fromState %s, but the model's state is %s%s",
			    from ? from : "null", state_names[t->current],
			    test_same_string(from, "ABNORMAL") && t->injected > 0
				    ? " (more ABNORMAL than the failures sent by the injector)"
				    : "");
	if (success && !v.allowed) {
		model_error(m, entry, "ILLEGAL TRANSITION: %s succeeded from %s", op_names[op],
			    state_names[t->current]);
		return;
	}
	if (!success) {
		if (v.allowed)
			model_error(m, entry,
				    "%s was refused (%s) from %s, where the contract allows it",
				    op_names[op], code ? code : "null", state_names[t->current]);
		else if (!test_same_string(code, v.refusal))
			model_error(m, entry, "%s from %s was refused with %s, expected %s",
				    op_names[op], state_names[t->current], code ? code : "null",
				    v.refusal);
		if (to)
			model_error(m, entry, "a refusal with a toState");
		return;
	}
	const char *expected_to = v.next == S_NONE ? NULL : state_names[v.next];
	if (!test_same_string(to, expected_to))
		model_error(m, entry, "toState %s, expected %s", to ? to : "null",
			    expected_to ? expected_to : "null");
	model_apply(m, entry, t, op, &v);
}

/* ---- the daemon side ------------------------------------------------------ */

static void create_extra_tasks(const test_daemon *d)
{
	const char *const json[] = {"Content-Type: application/json", NULL};
	for (int i = 0; i < SHARED_TASKS; i++) {
		if (!shared[i].create)
			continue;
		char spec[1024];
		snprintf(spec, sizeof spec,
			 "{\"taskName\":\"%s\",\"state\":\"%s\",\"config\":{\"source\":"
			 "{\"clients\":\"[{\\\"clientId\\\":\\\"c_%d\\\",\\\"subtopic\\\":\\\"s_%"
			 "d\\\"}]\"},"
			 "\"sink\":{\"workerNum\":\"8\"}}}",
			 shared[i].name, shared[i].initial_state, i, i);
		test_response r;
		ck_assert_int_eq(test_http(d, "POST", "/_mock/tasks", json, spec, strlen(spec), &r),
				 0);
		ck_assert_msg(r.status == 201, "creating %s: %ld %s", shared[i].name, r.status,
			      r.body);
		test_response_free(&r);
	}
}

/* Reads the shared tasks' starting point from the daemon. */
static void model_init(model *m, const test_daemon *d)
{
	cJSON *root = test_get_json(d, "/_mock/tasks");
	for (int i = 0; i < SHARED_TASKS; i++) {
		model_task *t = &m->tasks[i];
		ck_assert(name_identity(shared[i].name, t->identity, sizeof t->identity));
		snprintf(t->name, NAME_CAP, "%s", shared[i].name);
		t->alive = true;
		t->max_seq = name_seq(shared[i].name);
		t->current = state_from_name(shared[i].initial_state);
		const cJSON *task;
		bool found = false;
		cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
		{
			if (!test_same_string(test_string_member(task, "taskName"), shared[i].name))
				continue;
			found = true;
			ck_assert_pstr_eq(test_string_member(task, "state"),
					  shared[i].initial_state);
			const char *worker_num = test_string_member(
				cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(task, "config"), "sink"),
				"workerNum");
			ck_assert_ptr_nonnull(worker_num);
			snprintf(t->worker_num, sizeof t->worker_num, "%s", worker_num);
		}
		ck_assert_msg(found, "shared task %s is missing", shared[i].name);
	}
	cJSON_Delete(root);
}

/* The final tasks must be the model's: name, state, the last workerNum. */
static void check_final_tasks(model *m, const test_daemon *d)
{
	cJSON *root = test_get_json(d, "/_mock/tasks");
	for (int i = 0; i < SHARED_TASKS; i++) {
		const model_task *t = &m->tasks[i];
		int seen = 0;
		const cJSON *task;
		cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
		{
			if (!test_same_string(test_string_member(task, "identity"), t->identity))
				continue;
			seen++;
			const char *name = test_string_member(task, "taskName");
			const char *state_name = test_string_member(task, "state");
			const char *worker_num = test_string_member(
				cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(task, "config"), "sink"),
				"workerNum");
			if (!t->alive)
				model_error(m, task, "%s was deleted, but the daemon lists it",
					    t->identity);
			else if (!test_same_string(name, t->name) ||
				 !test_same_string(worker_num, t->worker_num) ||
				 (!test_same_string(state_name, state_names[t->current]) &&
				  /* a failure injected after the last operation */
				  !(test_same_string(state_name, "ABNORMAL") &&
				    t->observed_fails < t->injected)))
				model_error(m, task, "the model ends with %s %s workerNum=%s",
					    t->name, state_names[t->current], t->worker_num);
		}
		if (t->alive && seen != 1)
			model_error(m, NULL, "identity %s is listed %d times, expected once as %s",
				    t->identity, seen, t->name);
	}
	cJSON_Delete(root);
}

/* The daemons the test runs against, one per loop iteration. */
static const struct {
	const char *label;
	const char *args[6];
	bool lenient;
	bool inject_failures;
} runs[] = {
	{"strict, 2 HTTP threads", {NULL}, false, false},
	{"strict, 8 HTTP threads, injected failures", {"--threads", "8", NULL}, false, true},
	{"lenient, 4 HTTP threads, injected failures",
	 {"--lenient", "--threads", "4", NULL},
	 true,
	 true},
};

enum { RUNS = sizeof runs / sizeof *runs };

START_TEST(many_clients_keep_the_state_machine)
{
	signal(SIGPIPE, SIG_IGN);
	test_daemon d;
	test_daemon_up(&d, runs[_i].args, NULL);
	create_extra_tasks(&d);
	static model m;
	memset(&m, 0, sizeof m);
	m.lenient = runs[_i].lenient;
	model_init(&m, &d);

	client *clients = calloc(CLIENTS, sizeof *clients);
	ck_assert_ptr_nonnull(clients);
	m.clients = clients;
	uint64_t seed = test_env_seed("CONCURRENCY_SEED");
	for (int i = 0; i < CLIENTS; i++) {
		client *c = &clients[i];
		c->index = i;
		c->base_url = d.base_url;
		c->random = seed ^ ((uint64_t)(i + 1) * 0xD1B54A32D192ED03ULL);
		c->records = calloc(OPS_PER_CLIENT, sizeof *c->records);
		ck_assert_ptr_nonnull(c->records);
		for (int s = 0; s < SHARED_TASKS; s++)
			snprintf(c->names[s], NAME_CAP, "%s", shared[s].name);
	}
	static injector in;
	memset(&in, 0, sizeof in);
	in.base_url = d.base_url;
	in.random = seed ^ 0xA0761D6478BD642FULL;
	atomic_init(&in.stop, false);
	pthread_t injector_thread;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (runs[_i].inject_failures)
		ck_assert_int_eq(pthread_create(&injector_thread, NULL, injector_main, &in), 0);
	pthread_t threads[CLIENTS];
	for (int i = 0; i < CLIENTS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, client_main, &clients[i]), 0);
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(threads[i], NULL);
	atomic_store(&in.stop, true);
	if (runs[_i].inject_failures)
		pthread_join(injector_thread, NULL);
	double load_seconds = test_seconds_since(&start);
	ck_assert_msg(in.errors == 0, "the failure injector: %s", in.first_error);
	long injected = 0;
	for (int s = 0; s < SHARED_TASKS; s++) {
		m.tasks[s].injected = in.injected[s] + in.maybe_injected[s];
		injected += in.injected[s];
	}

	long sent = 0, relists = 0, connects = 0, followed = 0;
	long client_success[OPS] = {0}, client_refused[OPS] = {0};
	for (int i = 0; i < CLIENTS; i++) {
		const client *c = &clients[i];
		sent += c->sent;
		relists += c->relists;
		connects += c->connects;
		followed += c->followed;
		for (int o = 0; o < OPS; o++) {
			client_success[o] += c->success_by_op[o];
			client_refused[o] += c->refused_by_op[o];
		}
		if (c->errors)
			fprintf(stderr,
				"integration_concurrency: client %d: %d errors, first: %s\n", i,
				c->errors, c->first_error);
	}
	for (int i = 0; i < CLIENTS; i++)
		ck_assert_msg(clients[i].errors == 0, "client %d: %d errors, first: %s", i,
			      clients[i].errors, clients[i].first_error);
	ck_assert_int_eq(sent, (long)CLIENTS * OPS_PER_CLIENT);

	char path[64];
	snprintf(path, sizeof path, "/_mock/journal?limit=%d", JOURNAL_LIMIT);
	cJSON *journal = test_get_json(&d, path);
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(journal, "entries");
	ck_assert(cJSON_IsArray(entries));
	int journaled = cJSON_GetArraySize(entries);
	const cJSON *entry;
	cJSON_ArrayForEach(entry, entries) model_replay(&m, entry);
	cJSON_Delete(journal);
	for (int i = 0; i < CLIENTS; i++)
		for (int n = 0; n < OPS_PER_CLIENT; n++)
			if (!clients[i].records[n].journaled)
				model_error(&m, NULL, "request t%d-%d (%s %s) has no journal entry",
					    i, n, op_names[clients[i].records[n].op],
					    clients[i].records[n].name);
	check_final_tasks(&m, &d);

	long observed_fails = 0;
	for (int s = 0; s < SHARED_TASKS; s++)
		observed_fails += m.tasks[s].observed_fails;
	printf("integration_concurrency [%s]: seed %" PRIu64 ", %d clients on %ld connections,"
	       " %ld OMS requests (+%ld re-lists) in %.2f s, %d journal entries, %ld names learnt"
	       " from migratedTo, %ld failures injected (%ld seen by a later operation, %ld "
	       "answered 404,"
	       " %ld of those applied anyway)\n",
	       runs[_i].label, seed, CLIENTS, connects, sent, relists, load_seconds, journaled,
	       followed, injected, observed_fails, in.missed, in.applied_despite_404);
	for (int o = 0; o < OPS; o++)
		printf("  %-7s %4ld successes, %4ld refusals (clients saw %ld / %ld)\n",
		       op_names[o], m.success_by_op[o], m.refused_by_op[o], client_success[o],
		       client_refused[o]);
	printf("  TASK_NOT_FOUND on stale names: %ld; state changes:", m.not_found);
	for (int a = 0; a < STATES; a++)
		for (int b = 0; b < STATES; b++)
			if (m.transitions[a][b])
				printf(" %s->%s %ld", state_names[a], state_names[b],
				       m.transitions[a][b]);
	printf("\n  final:");
	for (int i = 0; i < SHARED_TASKS; i++)
		printf(" %s=%s", m.tasks[i].identity,
		       m.tasks[i].alive ? state_names[m.tasks[i].current] : "deleted");
	printf("\n");
	fflush(stdout);

	ck_assert_msg(m.errors == 0, "%d disagreements with the model; first: %s", m.errors,
		      m.first_error);
	ck_assert_msg(journaled == sent, "the journal holds %d entries for %ld requests", journaled,
		      sent);
	for (int o = 0; o < OPS; o++) {
		ck_assert_int_eq(m.success_by_op[o], client_success[o]);
		ck_assert_int_eq(m.refused_by_op[o], client_refused[o]);
	}
	/* the mix must have exercised every operation that cannot run out */
	for (int o = 0; o < OPS; o++)
		if (o != OP_DELETE)
			ck_assert_msg(m.success_by_op[o] > 0 && m.refused_by_op[o] > 0,
				      "%s never both succeeded and was refused", op_names[o]);

	for (int i = 0; i < SHARED_TASKS; i++)
		free(m.tasks[i].old_names);
	for (int i = 0; i < CLIENTS; i++)
		free(clients[i].records);
	free(clients);
	test_daemon_down(&d);
}
END_TEST

/* ---- the control API racing the OMS routes -------------------------------- */

/*
 * A control-API answer must say what the request did. These tests race one
 * control request against an OMS operation that renames or removes its task,
 * and check the answer against the effect, which a unique lastError (kept by
 * migrate, docs/decisions.md) or the journal makes visible.
 */

enum { RACE_SECONDS = 4, RACE_SECONDS_MAX = 60, RACE_FINDINGS = 3, RACERS = 4 };

typedef struct {
	const char *base_url;
	const char *op;	   /* "migrate" or "delete" */
	const char *first; /* the task's first name */
	atomic_bool stop;
	long sent;
	long succeeded;
	int errors;
	char first_error[WHY_CAP];
} racer;

/* Sends `op` to the task again and again, following its new names. */
static void *racer_main(void *argument)
{
	racer *r = argument;
	client c = {.index = -2, .base_url = r->base_url};
	struct curl_slist *json;
	CURL *curl = test_load_handle(NULL, &json);
	char name[NAME_CAP];
	snprintf(name, sizeof name, "%s", r->first);
	while (!atomic_load(&r->stop) && r->errors == 0) {
		char *escaped = curl_easy_escape(curl, name, 0);
		char url[1024], type[128];
		snprintf(url, sizeof url, "%s/connector/task/v2/%s?taskName=%s", r->base_url, r->op,
			 escaped ? escaped : "");
		curl_free(escaped);
		test_buffer answer = {0};
		long status = client_request(&c, curl, url, "", json, &answer, type, sizeof type);
		cJSON *root = status == 200 ? cJSON_Parse(answer.data) : NULL;
		free(answer.data);
		r->sent++;
		if (!root) {
			r->errors++;
			snprintf(r->first_error, sizeof r->first_error, "%s %s answered %ld", r->op,
				 name, status);
			break;
		}
		const char *result = test_string_member(root, "result");
		const char *moved = test_string_member(
			cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(root, "errorDetail"),
				"extraContext"),
			"migratedTo");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isSuccess"))) {
			r->succeeded++;
			if (strcmp(r->op, "migrate") == 0)
				snprintf(name, sizeof name, "%s", result);
		} else if (moved) {
			snprintf(name, sizeof name, "%s", moved);
		}
		cJSON_Delete(root);
	}
	curl_slist_free_all(json);
	curl_easy_cleanup(curl);
	return NULL;
}

static double now_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/*
 * POST /_mock/tasks/{name}/fail while another client migrates the task: a
 * 404 ("no task has this name") must mean that nothing changed.
 */
START_TEST(fail_races_migrate)
{
	signal(SIGPIPE, SIG_IGN);
	static const char first[] =
		"10.0.0.70-9000:connector_v2:p_race_f-incr_trans-1-0:0000000001";
	test_daemon d;
	const char *const args[] = {"--threads", "8", NULL};
	test_daemon_up(&d, args, NULL);
	const char *const json_header[] = {"Content-Type: application/json", NULL};
	char spec[256];
	snprintf(spec, sizeof spec, "{\"taskName\":\"%s\",\"state\":\"STOPPED\"}", first);
	test_response created;
	ck_assert_int_eq(
		test_http(&d, "POST", "/_mock/tasks", json_header, spec, strlen(spec), &created),
		0);
	ck_assert_msg(created.status == 201, "creating %s: %ld %s", first, created.status,
		      created.body);
	test_response_free(&created);

	static racer migrators[RACERS];
	pthread_t threads[RACERS];
	for (int i = 0; i < RACERS; i++) {
		racer *r = &migrators[i];
		memset(r, 0, sizeof *r);
		r->base_url = d.base_url;
		r->op = "migrate";
		r->first = first;
		atomic_init(&r->stop, false);
		ck_assert_int_eq(pthread_create(&threads[i], NULL, racer_main, r), 0);
	}

	client c = {.index = -3, .base_url = d.base_url};
	struct curl_slist *json;
	CURL *curl = test_load_handle(NULL, &json);
	char identity[NAME_CAP], name[NAME_CAP], last_error[NAME_CAP], finding[WHY_CAP] = "";
	name_identity(first, identity, sizeof identity);
	long fails = 0, answered_200 = 0, answered_404 = 0, applied_despite_404 = 0, other = 0;
	/* at least RACE_SECONDS, and on until the race was seen both ways (a
	 * fail that found the task, one that lost it to a migrate), for at most
	 * RACE_SECONDS_MAX: a busy machine may take long to interleave them */
	double started = now_seconds();
	while (now_seconds() < started + RACE_SECONDS_MAX &&
	       (now_seconds() < started + RACE_SECONDS || answered_404 == 0 || answered_200 == 0) &&
	       applied_despite_404 < RACE_FINDINGS && other == 0) {
		if (find_live_task(&c, curl, json, identity, name, last_error, NAME_CAP) <= 0) {
			other++;
			snprintf(finding, sizeof finding, "the task of identity %s is gone",
				 identity);
			break;
		}
		char message[64];
		snprintf(message, sizeof message, "race #%ld", ++fails);
		long status = post_fail(&c, curl, json, name, message);
		if (status == 200) {
			answered_200++;
		} else if (status == 404) {
			answered_404++;
			char now_name[NAME_CAP];
			if (find_live_task(&c, curl, json, identity, now_name, last_error,
					   NAME_CAP) > 0 &&
			    strcmp(last_error, message) == 0 && applied_despite_404++ == 0)
				snprintf(finding, sizeof finding,
					 "POST /_mock/tasks/%.200s/fail answered 404 \"no task has "
					 "this"
					 " name\", but the failure was applied: the task, migrated"
					 " meanwhile to %.200s, has lastError \"%.40s\"",
					 name, now_name, last_error);
		} else {
			other++;
			snprintf(finding, sizeof finding, "fail %.200s answered %ld", name, status);
		}
	}
	long migrations = 0;
	for (int i = 0; i < RACERS; i++)
		atomic_store(&migrators[i].stop, true);
	for (int i = 0; i < RACERS; i++) {
		pthread_join(threads[i], NULL);
		migrations += migrators[i].succeeded;
	}
	curl_slist_free_all(json);
	curl_easy_cleanup(curl);
	printf("integration_concurrency [fail vs migrate]: %ld fails (%ld answered 200, %ld"
	       " answered 404, %ld of those applied anyway) against %ld migrations by %d clients\n",
	       fails, answered_200, answered_404, applied_despite_404, migrations, RACERS);
	fflush(stdout);
	test_daemon_down(&d);
	for (int i = 0; i < RACERS; i++)
		ck_assert_msg(migrators[i].errors == 0, "migrating client %d: %s", i,
			      migrators[i].first_error);
	ck_assert_msg(other == 0, "%s", finding);
	/* the race this test is named for happened: a fail lost its task to a
	 * migrate between finding it and failing it */
	ck_assert_msg(answered_404 > 0 && answered_200 > 0 && migrations > 0,
		      "no race in %d s: %ld fails answered 404, %ld answered 200, %ld migrations",
		      RACE_SECONDS_MAX, answered_404, answered_200, migrations);
	ck_assert_msg(applied_despite_404 == 0,
		      "in %ld of %ld races: %s (server/admin_routes.c fail_task reads the task back"
		      " by its old name after store_fail_task committed)",
		      applied_despite_404, answered_404, finding);
}
END_TEST

/*
 * POST /_mock/tasks while another client deletes that name as soon as it
 * exists: every create that took effect must answer 201.
 */
START_TEST(create_races_delete)
{
	signal(SIGPIPE, SIG_IGN);
	static const char name[] = "10.0.0.71-9000:connector_v2:p_race_c-incr_trans-1-0:0000000001";
	test_daemon d;
	const char *const args[] = {"--threads", "8", NULL};
	test_daemon_up(&d, args, NULL);

	static racer deleters[RACERS];
	pthread_t threads[RACERS];
	for (int i = 0; i < RACERS; i++) {
		racer *r = &deleters[i];
		memset(r, 0, sizeof *r);
		r->base_url = d.base_url;
		r->op = "delete";
		r->first = name;
		atomic_init(&r->stop, false);
		ck_assert_int_eq(pthread_create(&threads[i], NULL, racer_main, r), 0);
	}

	client c = {.index = -3, .base_url = d.base_url};
	struct curl_slist *json;
	CURL *curl = test_load_handle(NULL, &json);
	char url[256], type[128], spec[256], finding[WHY_CAP] = "";
	snprintf(url, sizeof url, "%s/_mock/tasks", d.base_url);
	snprintf(spec, sizeof spec, "{\"taskName\":\"%s\",\"state\":\"STOPPED\"}", name);
	long creates = 0, answered_201 = 0, answered_409 = 0, wrong = 0;
	double deadline = now_seconds() + RACE_SECONDS;
	while (now_seconds() < deadline && wrong < RACE_FINDINGS) {
		test_buffer answer = {0};
		long status = client_request(&c, curl, url, spec, json, &answer, type, sizeof type);
		creates++;
		if (status == 201)
			answered_201++;
		else if (status == 409)
			answered_409++;
		else if (wrong++ == 0)
			snprintf(finding, sizeof finding, "create #%ld answered %ld %.300s",
				 creates, status, answer.data ? answer.data : "");
		free(answer.data);
	}
	for (int i = 0; i < RACERS; i++)
		atomic_store(&deleters[i].stop, true);
	for (int i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	curl_slist_free_all(json);
	curl_easy_cleanup(curl);

	/* each create that took effect is a task the racer could delete once */
	char path[256];
	char *escaped = test_escape(name);
	snprintf(path, sizeof path, "/_mock/journal?limit=%d&op=delete&taskName=%s", JOURNAL_LIMIT,
		 escaped);
	free(escaped);
	cJSON *journal = test_get_json(&d, path);
	long deleted = 0;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(journal, "entries")) deleted +=
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "isSuccess"));
	cJSON_Delete(journal);
	bool exists = strcmp(test_task_state(&d, name), "") != 0;
	printf("integration_concurrency [create vs delete]: %ld creates (%ld answered 201, %ld 409,"
	       " %ld otherwise), %ld deletes succeeded, the task %s at the end\n",
	       creates, answered_201, answered_409, wrong, deleted, exists ? "exists" : "is gone");
	fflush(stdout);
	test_daemon_down(&d);
	for (int i = 0; i < RACERS; i++)
		ck_assert_msg(deleters[i].errors == 0, "deleting client %d: %s", i,
			      deleters[i].first_error);
	ck_assert_msg(
		wrong == 0,
		"%ld creates answered neither 201 nor 409; first: %s (%ld tasks were created:"
		" %ld deleted + %d left, but only %ld creates answered 201; server/admin_routes.c"
		" create_task reads the task back after store_create_task committed, and a"
		" delete in between turns the success into this answer)",
		wrong, finding, deleted + exists, deleted, exists, answered_201);
	ck_assert_int_eq(deleted + exists, answered_201);
}
END_TEST

static Suite *concurrency_suite(void)
{
	Suite *suite = suite_create("integration_concurrency");
	TCase *many = tcase_create("many_clients");
	tcase_set_timeout(many, 300);
	tcase_add_loop_test(many, many_clients_keep_the_state_machine, 0, RUNS);
	suite_add_tcase(suite, many);
	TCase *races = tcase_create("control_api_races");
	tcase_set_timeout(races, 300);
	tcase_add_test(races, fail_races_migrate);
	tcase_add_test(races, create_races_delete);
	suite_add_tcase(suite, races);
	return suite;
}

int main(void) { return test_run_suite(concurrency_suite()); }
