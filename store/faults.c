/*
 * faults.c — parse, match and list injected faults (see faults.h).
 *
 * Everything is a pure function of its arguments and the list: the time
 * comes in as a number and each fault carries its own PRNG state, so a
 * seeded fault fires on the same requests every run. A refused POST or a
 * failed copy leaves the list exactly as it was.
 */
#define _POSIX_C_SOURCE 200809L

#include "faults.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "faults_read.h"
#include "json.h"
#include "text.h"

enum {
	FIRST_CAP = 8,
};

static const char *const type_names[FAULT__COUNT] = {
	[FAULT_ERROR] = "error",     [FAULT_STATUS] = "status",	  [FAULT_DELAY] = "delay",
	[FAULT_DROP] = "drop",	     [FAULT_HANG] = "hang",	  [FAULT_LOST_ACK] = "lost_ack",
	[FAULT_RESET] = "reset",     [FAULT_PARTIAL] = "partial", [FAULT_SLOW] = "slow",
	[FAULT_GARBAGE] = "garbage",
};

/* What a garbage action writes when given no body: a line that no HTTP
 * client can take for a status line. */
static const char garbage_default[] = "SSH-2.0-OpenSSH_9.2 (this is not HTTP)\r\n";

#define COUNT FAULTS_COUNT

/* ---- the PRNG: splitmix64 (Steele, Lea, Flood 2014) ------------------- */

static uint64_t splitmix64_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* The first state of a seed: one splitmix64 output, so that neighbouring
 * seeds do not give shifted copies of one sequence. */
static uint64_t rng_start(uint64_t seed)
{
	uint64_t state = seed;
	return splitmix64_next(&state);
}

/* A number in [0, 1) with 53 random bits: never 1, so p = 1 always fires. */
static double rng_draw(uint64_t *state)
{
	return (double)(splitmix64_next(state) >> 11) * 0x1.0p-53;
}

/* The seed of a fault posted without one: fixed for its id. */
static uint64_t default_seed(int64_t id)
{
	return ((uint64_t)id * UINT64_C(0x9E3779B97F4A7C15)) & FAULTS_SEED_MAX;
}

/* ---- small readers of JSON values ------------------------------------- */

static int type_from_name(const char *name, fault_type *out)
{
	*out = fault_type_from_name(name);
	return *out == FAULT__COUNT ? -1 : 0;
}

/* ---- the action ------------------------------------------------------- */

/* action.httpStatus, when given, over the default already in f->http_status */
static int read_http_status(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, "httpStatus");
	if (!item)
		return 0;
	int64_t status;
	if (faults_read_integer(item, "action.httpStatus", FAULTS_HTTP_STATUS_MIN,
				FAULTS_HTTP_STATUS_MAX, &status, why, why_cap) < 0)
		return -1;
	f->http_status = (int)status;
	return 0;
}

/* Fills the error answer's fields of `f` from `action` (defaults first). */
static int read_error_answer(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	snprintf(f->err_code, sizeof f->err_code, "%s", "INJECTED_FAULT");
	snprintf(f->err_msg, sizeof f->err_msg,
		 "Fault %lld was injected into this request by the mock's control API "
		 "(POST /_mock/faults).",
		 (long long)f->id);
	f->retryable = false;
	f->http_status = FAULTS_ERROR_HTTP_STATUS;

	const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, "errCode");
	const char *text;
	if (item) {
		if (faults_read_string(item, "action.errCode", 1, FAULTS_ERR_CODE_MAX, &text, why,
				       why_cap) < 0)
			return -1;
		/* the one rule of an errCode a user chooses, as for [errors] */
		if (!error_name_valid(text))
			return text_fail(why, why_cap,
					 "\"action.errCode\" must be 1 to %d of A-Z a-z 0-9 _ - . "
					 "starting with a letter (e.g. CM-RESOAT1111)",
					 FAULTS_ERR_CODE_MAX);
		snprintf(f->err_code, sizeof f->err_code, "%s", text);
	}
	item = cJSON_GetObjectItemCaseSensitive(action, "errMsg");
	if (item) {
		if (faults_read_string(item, "action.errMsg", 1, FAULTS_ERR_MSG_MAX, &text, why,
				       why_cap) < 0)
			return -1;
		snprintf(f->err_msg, sizeof f->err_msg, "%s", text);
	}
	item = cJSON_GetObjectItemCaseSensitive(action, "retryable");
	if (item) {
		if (!cJSON_IsBool(item))
			return text_fail(why, why_cap,
					 "\"action.retryable\" must be true or false");
		f->retryable = cJSON_IsTrue(item);
	}
	return read_http_status(action, f, why, why_cap);
}

/* Fills the raw answer's fields of `f`; allocates f->body when one is given. */
static int read_status_answer(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	f->http_status = FAULTS_STATUS_HTTP_STATUS;
	if (read_http_status(action, f, why, why_cap) < 0)
		return -1;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, "body");
	if (item) {
		const char *text;
		if (faults_read_string(item, "action.body", 0, FAULTS_BODY_MAX, &text, why,
				       why_cap) < 0)
			return -1;
		f->body = strdup(text);
		if (!f->body)
			return text_fail(why, why_cap, "out of memory");
	}
	return 0;
}

static int read_ms(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, "ms");
	if (!item)
		return text_fail(why, why_cap, "\"action.ms\" is required for a %s action",
				 fault_type_name(f->type));
	return faults_read_integer(item, "action.ms", 0, FAULTS_MS_MAX, &f->ms, why, why_cap);
}

/* The actions a fault on the control API may take: those that answer in
 * the route's place or only wait. */
static bool control_action(fault_type type)
{
	return type == FAULT_STATUS || type == FAULT_DELAY || type == FAULT_DROP ||
	       type == FAULT_HANG || type == FAULT_RESET || type == FAULT_GARBAGE;
}

/* reset, partial, slow, garbage: `apply`, and bytes, rate or body. */
static int read_socket_action(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	static const char *const reset_fields[] = {"type", "apply"};
	static const char *const partial_fields[] = {"type", "apply", "bytes"};
	static const char *const slow_fields[] = {"type", "apply", "rate"};
	static const char *const garbage_fields[] = {"type", "apply", "body"};
	static const struct {
		const char *const *fields;
		size_t count;
		const char *where;
	} kinds[] = {
		[FAULT_RESET - FAULT_RESET] = {reset_fields, COUNT(reset_fields), "a reset action"},
		[FAULT_PARTIAL -
			FAULT_RESET] = {partial_fields, COUNT(partial_fields), "a partial action"},
		[FAULT_SLOW - FAULT_RESET] = {slow_fields, COUNT(slow_fields), "a slow action"},
		[FAULT_GARBAGE -
			FAULT_RESET] = {garbage_fields, COUNT(garbage_fields), "a garbage action"},
	};
	size_t kind = (size_t)(f->type - FAULT_RESET);
	if (faults_check_fields(action, kinds[kind].where, kinds[kind].fields, kinds[kind].count,
				why, why_cap) < 0)
		return -1;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, "apply");
	if (item) {
		if (!cJSON_IsBool(item) || f->path_prefix[0])
			return text_fail(why, why_cap,
					 f->path_prefix[0]
						 ? "a fault on the control API has no "
						   "\"action.apply\""
						 : "\"action.apply\" must be true or false");
		f->apply = cJSON_IsTrue(item);
	}
	if (f->type == FAULT_PARTIAL || f->type == FAULT_SLOW) {
		bool partial = f->type == FAULT_PARTIAL;
		const char *name = partial ? "action.bytes" : "action.rate";
		item = cJSON_GetObjectItemCaseSensitive(action, partial ? "bytes" : "rate");
		if (!item)
			return text_fail(why, why_cap, "\"%s\" is required for %s", name,
					 kinds[kind].where);
		if (faults_read_integer(item, name, partial ? 0 : 1,
					partial ? FAULTS_BODY_MAX : FAULTS_RATE_MAX,
					partial ? &f->bytes : &f->rate, why, why_cap) < 0)
			return -1;
		/* without apply, what is sent is the error answer's defaults */
		static const cJSON empty = {0};
		return read_error_answer(&empty, f, why, why_cap);
	}
	if (f->type == FAULT_GARBAGE) {
		const char *text = garbage_default;
		item = cJSON_GetObjectItemCaseSensitive(action, "body");
		if (item && faults_read_string(item, "action.body", 1, FAULTS_BODY_MAX, &text, why,
					       why_cap) < 0)
			return -1;
		f->body = strdup(text);
		if (!f->body)
			return text_fail(why, why_cap, "out of memory");
	}
	return 0;
}

/* Reads the action into f->type, f->then and the answer's fields. On
 * failure f->body may be set; the caller frees it. */
static int read_lost_ack(const cJSON *action, fault *f, char *why, size_t why_cap);

static int read_action(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	static const char *const error_fields[] = {"type", "errCode", "errMsg", "retryable",
						   "httpStatus"};
	static const char *const status_fields[] = {"type", "httpStatus", "body"};
	static const char *const ms_fields[] = {"type", "ms"};
	static const char *const drop_fields[] = {"type"};

	if (!cJSON_IsObject(action))
		return text_fail(why, why_cap, "\"action\" must be an object with a \"type\"");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(action, "type");
	if (!type)
		return text_fail(why, why_cap, "\"action.type\" is required");
	if (!cJSON_IsString(type) || type_from_name(type->valuestring, &f->type) < 0)
		return text_fail(why, why_cap,
				 "\"action.type\" must be one of \"error\", \"status\", \"delay\", "
				 "\"drop\", \"hang\", \"lost_ack\", \"reset\", \"partial\", "
				 "\"slow\" or \"garbage\"");
	f->then = f->type;
	if (f->path_prefix[0] && !control_action(f->type))
		return text_fail(why, why_cap,
				 "a fault on the control API (\"pathPrefix\") takes a status, "
				 "delay, drop, hang, reset or garbage action");
	if (f->type == FAULT_LOST_ACK)
		return read_lost_ack(action, f, why, why_cap);
	if (f->type >= FAULT_RESET)
		return read_socket_action(action, f, why, why_cap);

	switch (f->type) {
	case FAULT_ERROR:
		if (faults_check_fields(action, "an error action", error_fields,
					COUNT(error_fields), why, why_cap) < 0)
			return -1;
		return read_error_answer(action, f, why, why_cap);
	case FAULT_STATUS:
		if (faults_check_fields(action, "a status action", status_fields,
					COUNT(status_fields), why, why_cap) < 0)
			return -1;
		return read_status_answer(action, f, why, why_cap);
	case FAULT_DELAY:
	case FAULT_HANG:
		if (faults_check_fields(action,
					f->type == FAULT_DELAY ? "a delay action" : "a hang action",
					ms_fields, COUNT(ms_fields), why, why_cap) < 0)
			return -1;
		return read_ms(action, f, why, why_cap);
	case FAULT_DROP:
		return faults_check_fields(action, "a drop action", drop_fields, COUNT(drop_fields),
					   why, why_cap);
	default: /* lost_ack and the socket actions: read above */
		break;
	}
	return -1;
}

/* A lost_ack action: `then` (drop, error or status) and that answer's
 * fields. */
static int read_lost_ack(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	static const char *const lost_ack_drop_fields[] = {"type", "then"};
	static const char *const lost_ack_error_fields[] = {"type",   "then",	   "errCode",
							    "errMsg", "retryable", "httpStatus"};
	static const char *const lost_ack_status_fields[] = {"type", "then", "httpStatus", "body"};
	const cJSON *then = cJSON_GetObjectItemCaseSensitive(action, "then");
	f->then = FAULT_DROP;
	if (then) {
		const char *name = cJSON_IsString(then) ? then->valuestring : "";
		if (strcmp(name, "drop") == 0)
			f->then = FAULT_DROP;
		else if (strcmp(name, "error") == 0)
			f->then = FAULT_ERROR;
		else if (strcmp(name, "status") == 0)
			f->then = FAULT_STATUS;
		else
			return text_fail(
				why, why_cap,
				"\"action.then\" must be \"drop\", \"error\" or \"status\"");
	}
	switch (f->then) {
	case FAULT_ERROR:
		if (faults_check_fields(action, "a lost_ack action that then answers an error",
					lost_ack_error_fields, COUNT(lost_ack_error_fields), why,
					why_cap) < 0)
			return -1;
		return read_error_answer(action, f, why, why_cap);
	case FAULT_STATUS:
		if (faults_check_fields(action, "a lost_ack action that then answers a status",
					lost_ack_status_fields, COUNT(lost_ack_status_fields), why,
					why_cap) < 0)
			return -1;
		return read_status_answer(action, f, why, why_cap);
	default:
		return faults_check_fields(action, "a lost_ack action that then drops",
					   lost_ack_drop_fields, COUNT(lost_ack_drop_fields), why,
					   why_cap);
	}
}

/* ---- the whole body --------------------------------------------------- */

/* When a selected request is hit: "after", "times", "probability",
 * "seed". */
static int read_chance(const cJSON *root, fault *f, char *why, size_t why_cap)
{
	f->after = 0;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "after");
	if (item &&
	    faults_read_integer(item, "after", 0, FAULTS_COUNT_MAX, &f->after, why, why_cap) < 0)
		return -1;

	f->times = 1;
	item = cJSON_GetObjectItemCaseSensitive(root, "times");
	if (item) {
		if (faults_read_integer(item, "times", -1, FAULTS_COUNT_MAX, &f->times, why,
					why_cap) < 0)
			return -1;
		if (f->times == 0)
			return text_fail(why, why_cap,
					 "\"times\" must be -1 (until removed) or 1 to %d; a fault "
					 "that may never fire is refused",
					 FAULTS_COUNT_MAX);
	}

	f->probability = 1.0;
	item = cJSON_GetObjectItemCaseSensitive(root, "probability");
	if (item) {
		if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
		    item->valuedouble < 0.0 || item->valuedouble > 1.0)
			return text_fail(why, why_cap,
					 "\"probability\" must be a number from 0 to 1");
		f->probability = item->valuedouble;
	}

	f->seed = default_seed(f->id);
	item = cJSON_GetObjectItemCaseSensitive(root, "seed");
	if (item && !cJSON_IsNull(item)) {
		int64_t seed;
		if (faults_read_integer(item, "seed", 0, (int64_t)FAULTS_SEED_MAX, &seed, why,
					why_cap) < 0)
			return -1;
		f->seed = (uint64_t)seed;
	}
	f->rng = rng_start(f->seed);
	return 0;
}

/* Reads every field but the id-independent bookkeeping into `f`, whose id
 * is already set. On failure f->body may be set; the caller frees it. */
static int read_fault(const cJSON *root, int64_t now_ms, fault *f, char *why, size_t why_cap)
{
	static const char *const fields[] = {"op",	    "taskName", "after",  "times",
					     "probability", "seed",	"ttlMs",  "action",
					     "header",	    "client",	"method", "pathPrefix"};
	if (!cJSON_IsObject(root))
		return text_fail(why, why_cap, "the body must be a JSON object");
	if (faults_check_fields(root, "the fault", fields, COUNT(fields), why, why_cap) < 0 ||
	    faults_read_selection(root, f, why, why_cap) < 0 ||
	    read_chance(root, f, why, why_cap) < 0)
		return -1;

	f->created_at_ms = now_ms;
	f->expires_at_ms = 0;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "ttlMs");
	if (item && !cJSON_IsNull(item)) {
		int64_t ttl;
		if (faults_read_integer(item, "ttlMs", 1, FAULTS_TTL_MAX_MS, &ttl, why, why_cap) <
		    0)
			return -1;
		/* now_ms >= 0 (checked by the caller), so this is > 0: never "never" */
		f->expires_at_ms = now_ms > INT64_MAX - ttl ? INT64_MAX : now_ms + ttl;
	}

	item = cJSON_GetObjectItemCaseSensitive(root, "action");
	if (!item)
		return text_fail(why, why_cap, "\"action\" is required");
	return read_action(item, f, why, why_cap);
}

void faults_init(fault_list *list)
{
	list->items = NULL;
	list->count = 0;
	list->cap = 0;
	list->next_id = 1;
}

void faults_free(fault_list *list)
{
	faults_clear(list);
	free(list->items);
	faults_init(list);
}

bool fault_alive(const fault *f, int64_t now_ms)
{
	return f->expires_at_ms == 0 || now_ms < f->expires_at_ms;
}

bool fault_exhausted(const fault *f) { return f->times >= 0 && f->hits >= f->times; }

/* Drops expired faults, keeping the order of the rest. */
static void prune_expired(fault_list *list, int64_t now_ms)
{
	size_t kept = 0;
	for (size_t i = 0; i < list->count; i++) {
		if (fault_alive(&list->items[i], now_ms))
			list->items[kept++] = list->items[i];
		else
			free(list->items[i].body);
	}
	list->count = kept;
}

static size_t count_expired(const fault_list *list, int64_t now_ms)
{
	size_t expired = 0;
	for (size_t i = 0; i < list->count; i++)
		expired += !fault_alive(&list->items[i], now_ms);
	return expired;
}

int64_t faults_add_json(fault_list *list, const char *body, size_t len, int64_t now_ms, char *why,
			size_t why_cap)
{
	if (why && why_cap)
		why[0] = '\0';
	if (now_ms < 0)
		return text_fail(why, why_cap, "the clock reads before 1970");
	if (!body || json_is_blank(body, len))
		return text_fail(why, why_cap,
				 "the body must be a JSON object describing the fault");
	cJSON *root = json_parse_body(body, len, why, why_cap);
	if (!root)
		return -1;

	fault f;
	memset(&f, 0, sizeof f);
	f.id = list->next_id;
	f.last_fired_ms = -1;
	int rc = read_fault(root, now_ms, &f, why, why_cap);
	cJSON_Delete(root);
	if (rc < 0) {
		free(f.body);
		return -1;
	}

	/* Room: expired faults give theirs up only when that is what it takes,
	 * and only when there is one, so a refusal changes nothing. */
	if (list->count >= FAULTS_MAX && count_expired(list, now_ms) > 0)
		prune_expired(list, now_ms);
	if (list->count >= FAULTS_MAX) {
		free(f.body);
		return text_fail(
			why, why_cap,
			"there are already %d faults, the most the mock keeps; remove some "
			"first (DELETE /_mock/faults/{id} or DELETE /_mock/faults)",
			FAULTS_MAX);
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : FIRST_CAP;
		if (cap > FAULTS_MAX)
			cap = FAULTS_MAX;
		fault *items = realloc(list->items, cap * sizeof *items);
		if (!items) {
			free(f.body);
			return text_fail(why, why_cap, "out of memory");
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = f;
	list->next_id++;
	return f.id;
}

/* ---- matching --------------------------------------------------------- */

static bool fault_selects(const fault *f, const fault_request *request)
{
	if (f->path_prefix[0]) {
		if (!request->path ||
		    strncmp(request->path, f->path_prefix, strlen(f->path_prefix)) != 0 ||
		    (f->method[0] && (!request->method || strcmp(f->method, request->method) != 0)))
			return false;
	} else {
		const char *op = request->op, *task_name = request->task_name;
		if (request->path || !(strcmp(f->op, "*") == 0 || (op && strcmp(f->op, op) == 0)))
			return false;
		if (f->task_name[0] && !(task_name && strcmp(f->task_name, task_name) == 0))
			return false;
	}
	if (f->client[0] && !(request->client && strcmp(f->client, request->client) == 0))
		return false;
	if (f->header_name[0]) {
		const char *value = request->header
					    ? request->header(request->header_ctx, f->header_name)
					    : NULL;
		if (!value || strcmp(value, f->header_value) != 0)
			return false;
	}
	return true;
}

/* One matching request's step of the rule, on the counters given (the
 * fault's own, or copies of them for a dry run). True when it fires. */
static bool fault_step(const fault *f, int64_t *matches, uint64_t *rng)
{
	(*matches)++;
	if (*matches <= f->after)
		return false;
	if (fault_exhausted(f))
		return false;
	return rng_draw(rng) < f->probability;
}

int faults_match(fault_list *list, const char *op, const char *task_name, int64_t now_ms,
		 fault *out)
{
	fault_request request = {.op = op, .task_name = task_name};
	return faults_match_request(list, &request, now_ms, out);
}

int faults_match_request(fault_list *list, const fault_request *request, int64_t now_ms, fault *out)
{
	/* A dry run first finds the fault that fires, so that a failed copy
	 * can leave every counter and PRNG state as it was. */
	size_t fired = list->count;
	for (size_t i = 0; i < list->count; i++) {
		const fault *f = &list->items[i];
		if (!fault_alive(f, now_ms) || !fault_selects(f, request))
			continue;
		int64_t matches = f->matches;
		uint64_t rng = f->rng;
		if (fault_step(f, &matches, &rng)) {
			fired = i;
			break;
		}
	}
	char *body_copy = NULL;
	if (fired < list->count && out && list->items[fired].body) {
		body_copy = strdup(list->items[fired].body);
		if (!body_copy)
			return -1;
	}

	/* The same walk again, for real: it takes the same decisions. */
	for (size_t i = 0; i < list->count && i <= fired; i++) {
		fault *f = &list->items[i];
		if (!fault_alive(f, now_ms) || !fault_selects(f, request))
			continue;
		if (fault_step(f, &f->matches, &f->rng) && i == fired) {
			f->hits++;
			f->last_fired_ms = now_ms;
			if (out) {
				*out = *f;
				out->body = body_copy;
			}
			return 1;
		}
	}
	return 0;
}

void fault_free_copy(fault *copy)
{
	if (!copy)
		return;
	free(copy->body);
	copy->body = NULL;
}

int faults_remove(fault_list *list, int64_t id)
{
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i].id != id)
			continue;
		free(list->items[i].body);
		memmove(&list->items[i], &list->items[i + 1],
			(list->count - i - 1) * sizeof *list->items);
		list->count--;
		return 0;
	}
	return -1;
}

void faults_clear(fault_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].body);
	list->count = 0;
}

const char *fault_type_name(fault_type type)
{
	if ((size_t)type < COUNT(type_names) && type_names[type])
		return type_names[type];
	return "unknown";
}

fault_type fault_type_from_name(const char *name)
{
	for (size_t i = 0; name && i < COUNT(type_names); i++)
		if (strcmp(name, type_names[i]) == 0)
			return (fault_type)i;
	return FAULT__COUNT;
}
