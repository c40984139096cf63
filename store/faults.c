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
#include "json.h"
#include "text.h"

enum {
	FIRST_CAP = 8,
	NAME_SHOWN = 64, /* bytes of a field name echoed in a sentence */
};

static const char *const type_names[FAULT__COUNT] = {
	[FAULT_ERROR] = "error", [FAULT_STATUS] = "status", [FAULT_DELAY] = "delay",
	[FAULT_DROP] = "drop",	 [FAULT_HANG] = "hang",	    [FAULT_LOST_ACK] = "lost_ack",
};

#define COUNT(array) (sizeof(array) / sizeof *(array))

/* How many bytes of `text` to echo: at most NAME_SHOWN, never half a UTF-8
 * sequence, so that a sentence stays valid UTF-8. */
static int shown(const char *text)
{
	size_t len = strlen(text);
	if (len <= NAME_SHOWN)
		return (int)len;
	len = NAME_SHOWN;
	while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
		len--;
	return (int)len;
}

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

static bool in_list(const char *name, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Refuses a field of `object` not in `allowed`, and a repeated field (cJSON
 * keeps both and finds the first; a fault must not mean two things). */
static int check_fields(const cJSON *object, const char *where, const char *const *allowed,
			size_t count, char *why, size_t why_cap)
{
	for (const cJSON *field = object->child; field; field = field->next) {
		if (!in_list(field->string, allowed, count))
			return text_fail(why, why_cap, "unknown field \"%.*s\" in %s",
					 shown(field->string), field->string, where);
		for (const cJSON *earlier = object->child; earlier != field;
		     earlier = earlier->next)
			if (strcmp(earlier->string, field->string) == 0)
				return text_fail(why, why_cap, "field \"%.*s\" appears twice in %s",
						 shown(field->string), field->string, where);
	}
	return 0;
}

/* Reads an integral number in min..max into *out. */
static int read_integer(const cJSON *item, const char *name, int64_t min, int64_t max, int64_t *out,
			char *why, size_t why_cap)
{
	int64_t value;
	/* exact, from the number's text: a double would round past 2^53 */
	if (!json_read_int64(item, &value)) {
		if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
		    item->valuedouble != floor(item->valuedouble))
			return text_fail(why, why_cap, "\"%s\" must be an integer", name);
		value = item->valuedouble < 0 ? INT64_MIN : INT64_MAX; /* out of any range */
	}
	if (value < min || value > max)
		return text_fail(why, why_cap, "\"%s\" must be between %lld and %lld", name,
				 (long long)min, (long long)max);
	*out = value;
	return 0;
}

/* Reads an optional string of 1..max bytes of UTF-8; NULL item = absent. */
static int read_string(const cJSON *item, const char *name, size_t min, size_t max,
		       const char **out, char *why, size_t why_cap)
{
	if (!cJSON_IsString(item) || !item->valuestring)
		return text_fail(why, why_cap, "\"%s\" must be a string", name);
	size_t len = strlen(item->valuestring);
	if (len < min || len > max)
		return text_fail(why, why_cap, "\"%s\" must be %zu to %zu bytes long (it is %zu)",
				 name, min, max, len);
	if (!text_utf8_valid(item->valuestring, len))
		return text_fail(why, why_cap, "\"%s\" is not valid UTF-8", name);
	*out = item->valuestring;
	return 0;
}

static int type_from_name(const char *name, fault_type *out)
{
	*out = fault_type_from_name(name);
	return *out == FAULT__COUNT ? -1 : 0;
}

/* An operation's name (rules.h holds the five) or "*" for any. */
static bool op_ok(const char *name)
{
	return strcmp(name, "*") == 0 || rules_op_from_name(name) != OP__COUNT;
}

/* ---- the action ------------------------------------------------------- */

/* action.httpStatus, when given, over the default already in f->http_status */
static int read_http_status(const cJSON *action, fault *f, char *why, size_t why_cap)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, "httpStatus");
	if (!item)
		return 0;
	int64_t status;
	if (read_integer(item, "action.httpStatus", FAULTS_HTTP_STATUS_MIN, FAULTS_HTTP_STATUS_MAX,
			 &status, why, why_cap) < 0)
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
		if (read_string(item, "action.errCode", 1, FAULTS_ERR_CODE_MAX, &text, why,
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
		if (read_string(item, "action.errMsg", 1, FAULTS_ERR_MSG_MAX, &text, why, why_cap) <
		    0)
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
		if (read_string(item, "action.body", 0, FAULTS_BODY_MAX, &text, why, why_cap) < 0)
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
	return read_integer(item, "action.ms", 0, FAULTS_MS_MAX, &f->ms, why, why_cap);
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
				 "\"drop\", \"hang\" or \"lost_ack\"");
	f->then = f->type;
	if (f->type == FAULT_LOST_ACK)
		return read_lost_ack(action, f, why, why_cap);

	switch (f->type) {
	case FAULT_ERROR:
		if (check_fields(action, "an error action", error_fields, COUNT(error_fields), why,
				 why_cap) < 0)
			return -1;
		return read_error_answer(action, f, why, why_cap);
	case FAULT_STATUS:
		if (check_fields(action, "a status action", status_fields, COUNT(status_fields),
				 why, why_cap) < 0)
			return -1;
		return read_status_answer(action, f, why, why_cap);
	case FAULT_DELAY:
	case FAULT_HANG:
		if (check_fields(action,
				 f->type == FAULT_DELAY ? "a delay action" : "a hang action",
				 ms_fields, COUNT(ms_fields), why, why_cap) < 0)
			return -1;
		return read_ms(action, f, why, why_cap);
	case FAULT_DROP:
		return check_fields(action, "a drop action", drop_fields, COUNT(drop_fields), why,
				    why_cap);
	case FAULT_LOST_ACK: /* read above */
	case FAULT__COUNT:   /* type_from_name gives no such type */
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
		if (check_fields(action, "a lost_ack action that then answers an error",
				 lost_ack_error_fields, COUNT(lost_ack_error_fields), why,
				 why_cap) < 0)
			return -1;
		return read_error_answer(action, f, why, why_cap);
	case FAULT_STATUS:
		if (check_fields(action, "a lost_ack action that then answers a status",
				 lost_ack_status_fields, COUNT(lost_ack_status_fields), why,
				 why_cap) < 0)
			return -1;
		return read_status_answer(action, f, why, why_cap);
	default:
		return check_fields(action, "a lost_ack action that then drops",
				    lost_ack_drop_fields, COUNT(lost_ack_drop_fields), why,
				    why_cap);
	}
}

/* ---- the whole body --------------------------------------------------- */

/* What a fault selects: "op" and "taskName". */
static int read_selection(const cJSON *root, fault *f, char *why, size_t why_cap)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "op");
	if (!item)
		return text_fail(why, why_cap, "\"op\" is required");
	if (!cJSON_IsString(item) || !op_ok(item->valuestring))
		return text_fail(
			why, why_cap,
			"\"op\" must be one of \"stop\", \"resume\", \"update\", \"migrate\", "
			"\"delete\" or \"*\"");
	snprintf(f->op, sizeof f->op, "%s", item->valuestring);

	item = cJSON_GetObjectItemCaseSensitive(root, "taskName");
	if (item && !cJSON_IsNull(item)) {
		if (!cJSON_IsString(item))
			return text_fail(why, why_cap, "\"taskName\" must be a string or null");
		size_t len = strlen(item->valuestring);
		taskname parsed;
		const char *reason = "it is empty";
		if (len == 0 || len > TASKNAME_MAX ||
		    taskname_parse(item->valuestring, len, &parsed, &reason) < 0)
			return text_fail(why, why_cap,
					 "\"taskName\" is not a connector task name: %s",
					 len > TASKNAME_MAX ? "it is too long" : reason);
		memcpy(f->task_name, item->valuestring, len + 1);
	}
	return 0;
}

/* When a selected request is hit: "after", "times", "probability",
 * "seed". */
static int read_chance(const cJSON *root, fault *f, char *why, size_t why_cap)
{
	f->after = 0;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "after");
	if (item && read_integer(item, "after", 0, FAULTS_COUNT_MAX, &f->after, why, why_cap) < 0)
		return -1;

	f->times = 1;
	item = cJSON_GetObjectItemCaseSensitive(root, "times");
	if (item) {
		if (read_integer(item, "times", -1, FAULTS_COUNT_MAX, &f->times, why, why_cap) < 0)
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
		if (read_integer(item, "seed", 0, (int64_t)FAULTS_SEED_MAX, &seed, why, why_cap) <
		    0)
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
	static const char *const fields[] = {"op",	    "taskName", "after", "times",
					     "probability", "seed",	"ttlMs", "action"};
	if (!cJSON_IsObject(root))
		return text_fail(why, why_cap, "the body must be a JSON object");
	if (check_fields(root, "the fault", fields, COUNT(fields), why, why_cap) < 0 ||
	    read_selection(root, f, why, why_cap) < 0 || read_chance(root, f, why, why_cap) < 0)
		return -1;

	f->created_at_ms = now_ms;
	f->expires_at_ms = 0;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "ttlMs");
	if (item && !cJSON_IsNull(item)) {
		int64_t ttl;
		if (read_integer(item, "ttlMs", 1, FAULTS_TTL_MAX_MS, &ttl, why, why_cap) < 0)
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

static bool fault_selects(const fault *f, const char *op, const char *task_name)
{
	bool op_ok = strcmp(f->op, "*") == 0 || (op && strcmp(f->op, op) == 0);
	bool task_ok =
		f->task_name[0] == '\0' || (task_name && strcmp(f->task_name, task_name) == 0);
	return op_ok && task_ok;
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
	/* A dry run first finds the fault that fires, so that a failed copy
	 * can leave every counter and PRNG state as it was. */
	size_t fired = list->count;
	for (size_t i = 0; i < list->count; i++) {
		const fault *f = &list->items[i];
		if (!fault_alive(f, now_ms) || !fault_selects(f, op, task_name))
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
		if (!fault_alive(f, now_ms) || !fault_selects(f, op, task_name))
			continue;
		if (fault_step(f, &f->matches, &f->rng) && i == fired) {
			f->hits++;
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
