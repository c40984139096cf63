/*
 * fuzz_faults.c — the fault-injection engine (store/faults.c): the
 * POST /_mock/faults body parser and the matcher.
 *
 * Input layout:
 *
 *     BODY [ '\0' REQUESTS ]
 *
 * BODY goes to faults_add_json without a terminating NUL (the header says
 * none is needed). Each byte of REQUESTS is one request the fault is matched
 * against: its operation, its taskName (none, empty, the OMS page's, or the
 * fault's own) and whether the clock jumps a day first.
 *
 * A fault scoped by a header, a client or a control-API path never fits
 * these requests (they carry none), which the model expects.
 *
 * Properties:
 *   - a refused body says why and leaves the list empty;
 *   - an accepted fault has id 1 and every field in the ranges faults.h
 *     states;
 *   - the JSON of the list, turned back into a POST body, is accepted and
 *     gives the same JSON (GET /_mock/faults shows what was set, defaults
 *     filled in);
 *   - matching is deterministic: the original and the re-added fault (same
 *     seed) fire on exactly the same requests; a fault never fires more than
 *     `times`, and never while `after` matches are still to pass.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>

#include "../store/faults.h"
#include "fuzz_common.h"

enum { WHY_MAX = 512, REQUESTS_MAX = 64 };
static const int64_t START_MS = INT64_C(1767225600000);
static const char PAGE_NAME[] =
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001";

static void check_fields(const fault *f)
{
	FUZZ_CHECK(f->id == 1, "the first fault has id %" PRId64, f->id);
	FUZZ_CHECK(f->after >= 0 && f->after <= FAULTS_COUNT_MAX, "after %" PRId64, f->after);
	FUZZ_CHECK(f->times == -1 || (f->times >= 1 && f->times <= FAULTS_COUNT_MAX),
		   "times %" PRId64, f->times);
	FUZZ_CHECK(f->probability >= 0 && f->probability <= 1, "probability %g", f->probability);
	FUZZ_CHECK(f->seed <= FAULTS_SEED_MAX, "seed %" PRIu64, f->seed);
	FUZZ_CHECK(f->expires_at_ms == 0 ||
			   (f->expires_at_ms > f->created_at_ms &&
			    f->expires_at_ms - f->created_at_ms <= FAULTS_TTL_MAX_MS),
		   "expires %" PRId64 " for created %" PRId64, f->expires_at_ms, f->created_at_ms);
	FUZZ_CHECK(f->type >= FAULT_ERROR && f->type < FAULT__COUNT, "type %d", (int)f->type);
	if (f->type == FAULT_LOST_ACK)
		FUZZ_CHECK(f->then == FAULT_DROP || f->then == FAULT_ERROR ||
				   f->then == FAULT_STATUS,
			   "lost_ack then %d", (int)f->then);
	else
		FUZZ_CHECK(f->then == f->type, "then %d for type %d", (int)f->then, (int)f->type);
	FUZZ_CHECK(f->ms >= 0 && f->ms <= FAULTS_MS_MAX, "ms %" PRId64, f->ms);
	FUZZ_CHECK(f->bytes >= 0 && f->bytes <= FAULTS_BODY_MAX, "bytes %" PRId64, f->bytes);
	FUZZ_CHECK(f->type == FAULT_SLOW ? f->rate >= 1 && f->rate <= FAULTS_RATE_MAX
					 : f->rate == 0,
		   "rate %" PRId64, f->rate);
	FUZZ_CHECK(!f->apply || f->type >= FAULT_RESET, "apply on a %d", (int)f->type);
	FUZZ_CHECK(f->type != FAULT_GARBAGE || (f->body && *f->body), "garbage without a body");
	/* a fault on the control API selects no operation and takes no apply */
	if (f->path_prefix[0])
		FUZZ_CHECK(strncmp(f->path_prefix, "/_mock/", 7) == 0 &&
				   strncmp(f->path_prefix, "/_mock/faults", 13) != 0 &&
				   strcmp(f->op, "*") == 0 && !f->task_name[0] && !f->apply &&
				   f->type != FAULT_ERROR && f->type != FAULT_LOST_ACK &&
				   f->type != FAULT_PARTIAL && f->type != FAULT_SLOW,
			   "control-API fault: prefix \"%s\", op %s, type %d", f->path_prefix,
			   f->op, (int)f->type);
	else
		FUZZ_CHECK(!f->method[0], "a method without a pathPrefix");
	FUZZ_CHECK(f->last_fired_ms == -1, "a new fault has fired");
	if (f->then == FAULT_ERROR || f->then == FAULT_STATUS)
		FUZZ_CHECK(f->http_status >= FAULTS_HTTP_STATUS_MIN &&
				   f->http_status <= FAULTS_HTTP_STATUS_MAX,
			   "httpStatus %d", f->http_status);
	if (f->then == FAULT_ERROR) {
		/* the rule of docs/control-api.md, written out here rather than
		 * calling error_name_valid, so that the harness checks it */
		size_t len = strlen(f->err_code);
		bool letter_first = len > 0 && ((f->err_code[0] >= 'A' && f->err_code[0] <= 'Z') ||
						(f->err_code[0] >= 'a' && f->err_code[0] <= 'z'));
		FUZZ_CHECK(letter_first && len <= FAULTS_ERR_CODE_MAX, "errCode \"%s\"",
			   f->err_code);
		for (size_t i = 0; i < len; i++) {
			char c = f->err_code[i];
			FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
					   (c >= '0' && c <= '9') || c == '_' || c == '-' ||
					   c == '.',
				   "errCode \"%s\"", f->err_code);
		}
		FUZZ_CHECK(strlen(f->err_msg) >= 1, "an error without errMsg");
	}
	if (f->body)
		FUZZ_CHECK(strlen(f->body) <= FAULTS_BODY_MAX, "a body of %zu bytes",
			   strlen(f->body));
	FUZZ_CHECK(f->matches == 0 && f->hits == 0, "a new fault with counters");
}

/* The POST body that sets the fault shown as `shown` (one entry of the
 * list's JSON). The caller frees it. */
static char *body_of(const cJSON *shown)
{
	static const char *const fields[] = {"op",	    "taskName", "after", "times",
					     "probability", "seed",	"ttlMs", "action"};
	/* listed only when set */
	static const char *const scope[] = {"header", "client", "method", "pathPrefix"};
	bool control = cJSON_GetObjectItemCaseSensitive(shown, "pathPrefix") != NULL;
	cJSON *body = cJSON_CreateObject();
	FUZZ_CHECK(body != NULL, "out of memory");
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(shown, fields[i]);
		FUZZ_CHECK(value != NULL, "the fault's JSON has no \"%s\"", fields[i]);
		if (control && i < 2)
			continue; /* a control-API fault is listed with op "*", posted without */
		cJSON_AddItemToObject(body, fields[i], cJSON_Duplicate(value, 1));
	}
	for (size_t i = 0; i < sizeof scope / sizeof *scope; i++) {
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(shown, scope[i]);
		if (value)
			cJSON_AddItemToObject(body, scope[i], cJSON_Duplicate(value, 1));
	}
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	FUZZ_CHECK(text != NULL, "out of memory");
	return text;
}

static void match_both(fault_list *original, fault_list *again, const uint8_t *requests,
		       size_t count)
{
	static const char *const ops[] = {"stop", "resume", "update", "migrate", "delete", "*"};
	const fault *f = &original->items[0];
	int64_t now = START_MS;
	int64_t fired = 0, matched = 0;
	for (size_t i = 0; i < count && i < REQUESTS_MAX; i++) {
		uint8_t b = requests[i];
		const char *op = ops[b % 6];
		const char *names[] = {NULL, "", PAGE_NAME, f->task_name};
		const char *name = names[(b / 6) % 4];
		if (b & 0x80)
			now += 86400000; /* a day: TTLs run out */
		bool alive = f->expires_at_ms == 0 || now < f->expires_at_ms;
		/* faults_match is an OMS request with no header and no client:
		 * a scoped fault or one on the control API never fits it */
		bool scoped = f->path_prefix[0] || f->header_name[0] || f->client[0];
		bool op_fits = !scoped && (strcmp(f->op, "*") == 0 || strcmp(f->op, op) == 0);
		bool name_fits =
			f->task_name[0] == '\0' || (name && strcmp(f->task_name, name) == 0);
		fault hit_original = {0}, hit_again = {0};
		int a = faults_match(original, op, name, now, &hit_original);
		int b2 = faults_match(again, op, name, now, &hit_again);
		FUZZ_CHECK(a == b2, "request %zu: the original %s, the re-added fault %s", i,
			   a == 1 ? "fired" : "did not", b2 == 1 ? "fired" : "did not");
		FUZZ_CHECK(a == 0 || a == 1, "faults_match returned %d", a);
		if (alive && op_fits && name_fits)
			matched++;
		if (a == 1) {
			fired++;
			FUZZ_CHECK(
				alive && op_fits && name_fits,
				"fired on op %s, taskName %s (fault: op %s, taskName \"%s\", %s)",
				op, name ? name : "(none)", f->op, f->task_name,
				alive ? "alive" : "expired");
			FUZZ_CHECK(matched > f->after,
				   "fired on match %" PRId64 " with after %" PRId64, matched,
				   f->after);
			FUZZ_CHECK(f->times < 0 || fired <= f->times,
				   "fired %" PRId64 " times, times %" PRId64, fired, f->times);
			FUZZ_CHECK(hit_original.hits == fired && hit_again.hits == fired,
				   "the copy says %" PRId64 " hits, %" PRId64 " fired",
				   hit_original.hits, fired);
			FUZZ_CHECK(f->probability > 0, "a fault of probability 0 fired");
			fault_free_copy(&hit_original);
			fault_free_copy(&hit_again);
		}
		FUZZ_CHECK(f->matches == matched, "matches %" PRId64 ", counted %" PRId64,
			   f->matches, matched);
	}
	if (f->probability == 1 && f->times < 0)
		FUZZ_CHECK(fired == (matched > f->after ? matched - f->after : 0),
			   "a certain, unlimited fault fired %" PRId64 " of %" PRId64 " matches",
			   fired, matched);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t body_len = nul ? (size_t)(nul - data) : size;
	char *body = fuzz_exact_copy(data, body_len);

	fault_list list;
	faults_init(&list);
	char why[WHY_MAX] = "";
	int64_t id = faults_add_json(&list, body, body_len, START_MS, why, sizeof why);
	if (id < 0) {
		FUZZ_CHECK(id == -1, "faults_add_json returned %" PRId64, id);
		FUZZ_CHECK(why[0] != '\0', "a refused fault without a reason");
		FUZZ_CHECK(list.count == 0, "a refused fault left %zu in the list", list.count);
		faults_free(&list);
		free(body);
		return 0;
	}
	FUZZ_CHECK(id == 1 && list.count == 1, "id %" PRId64 ", count %zu", id, list.count);
	check_fields(&list.items[0]);

	/* GET shows it; POSTing what GET shows sets the same fault */
	cJSON *shown = faults_to_json(&list, START_MS);
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(shown, "faults");
	FUZZ_CHECK(cJSON_IsArray(entries) && cJSON_GetArraySize(entries) == 1,
		   "faults_to_json does not list the one fault");
	char *again_body = body_of(cJSON_GetArrayItem(entries, 0));
	fault_list again;
	faults_init(&again);
	FUZZ_CHECK(faults_add_json(&again, again_body, strlen(again_body), START_MS, why,
				   sizeof why) == 1,
		   "the fault as listed is refused when posted back: %s\n  listed: %s", why,
		   again_body);
	cJSON *shown_again = faults_to_json(&again, START_MS);
	FUZZ_CHECK(cJSON_Compare(shown, shown_again, 1),
		   "posting back gives another fault:\n"
		   "  first:  %s\n  posted: %s",
		   again_body, cJSON_PrintUnformatted(shown_again));
	cJSON_Delete(shown_again);
	cJSON_Delete(shown);
	free(again_body);

	if (nul)
		match_both(&list, &again, nul + 1, size - body_len - 1);

	faults_free(&again);
	faults_free(&list);
	free(body);
	return 0;
}
