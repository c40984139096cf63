/*
 * unit_faults.c — the fault-injection engine (store/faults.h): parsing and
 * refusing POST /_mock/faults bodies, after/times/probability/TTL, the op and
 * taskName filters, seeded determinism, remove/clear, the FAULTS_MAX limit
 * and the listing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/faults.h"
#include "../store/text.h"
#include "support.h"

enum { WHY_CAP = 1024 };

/* the virtual clock most tests run at */
#define NOW INT64_C(1700000000000)

#define TASK_A "xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001"
#define TASK_B "10.0.0.1-9000:connector_v2:np_56el1g1jvrs0-full_trans-1-0:0000000002"

/* Adds `json` to `list` at `now`, asserting success; returns the id. */
static int64_t add_ok(fault_list *list, const char *json, int64_t now)
{
	char why[WHY_CAP] = "";
	int64_t id = faults_add_json(list, json, strlen(json), now, why, sizeof why);
	ck_assert_msg(id > 0, "refused %s: %s", json, why);
	return id;
}

/* Runs `n` requests (op, task) and writes 'X' (fired) or '.' into `out`. */
static void run_requests(fault_list *list, const char *op, const char *task, int n, int64_t now,
			 char *out)
{
	for (int i = 0; i < n; i++) {
		int rc = faults_match(list, op, task, now, NULL);
		ck_assert_int_ge(rc, 0);
		out[i] = rc == 1 ? 'X' : '.';
	}
	out[n] = '\0';
}

/* ---- parsing: each action, defaults filled ---------------------------- */

typedef struct {
	const char *label;
	const char *json;
	fault_type type, then;
	const char *err_code; /* "" when the action has none */
	const char *err_msg;  /* NULL: the default sentence; "" when none */
	bool retryable;
	int http_status;
	const char *body; /* NULL: no body stored */
	int64_t ms;
} action_case;

static const action_case action_cases[] = {
	{"error, defaults", "{\"op\":\"stop\",\"action\":{\"type\":\"error\"}}", FAULT_ERROR,
	 FAULT_ERROR, "INJECTED_FAULT", NULL, false, 200, NULL, 0},
	{"error, all given",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"INTERNAL_ERROR\","
	 "\"errMsg\":\"disk on fire\",\"retryable\":true,\"httpStatus\":500}}",
	 FAULT_ERROR, FAULT_ERROR, "INTERNAL_ERROR", "disk on fire", true, 500, NULL, 0},
	{"error, OMS's own code",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"CM-RESOAT1111\"}}",
	 FAULT_ERROR, FAULT_ERROR, "CM-RESOAT1111", NULL, false, 200, NULL, 0},
	{"error, code of every allowed kind, 63 bytes",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":"
	 "\"a1.B-c_D1234567890123456789012345678901234567890123456789012345\"}}",
	 FAULT_ERROR, FAULT_ERROR,
	 "a1.B-c_D1234567890123456789012345678901234567890123456789012345", NULL, false, 200, NULL,
	 0},
	{"error, lower case code",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"oops\"}}", FAULT_ERROR,
	 FAULT_ERROR, "oops", NULL, false, 200, NULL, 0},
	{"error, UTF-8 message",
	 "{\"op\":\"*\",\"action\":{\"type\":\"error\",\"errMsg\":\"\xe4\xb8\xad\\u6587\"}}",
	 FAULT_ERROR, FAULT_ERROR, "INJECTED_FAULT", "\xe4\xb8\xad\xe6\x96\x87", false, 200, NULL,
	 0},
	{"error, escaped backslash before u0000",
	 "{\"op\":\"*\",\"action\":{\"type\":\"error\",\"errMsg\":\"a\\\\u0000b\"}}", FAULT_ERROR,
	 FAULT_ERROR, "INJECTED_FAULT", "a\\u0000b", false, 200, NULL, 0},
	{"status, defaults", "{\"op\":\"resume\",\"action\":{\"type\":\"status\"}}", FAULT_STATUS,
	 FAULT_STATUS, "", "", false, 503, NULL, 0},
	{"status, all given",
	 "{\"op\":\"resume\",\"action\":{\"type\":\"status\",\"httpStatus\":502,"
	 "\"body\":\"<html>bad gateway</html>\"}}",
	 FAULT_STATUS, FAULT_STATUS, "", "", false, 502, "<html>bad gateway</html>", 0},
	{"status, empty body",
	 "{\"op\":\"resume\",\"action\":{\"type\":\"status\",\"httpStatus\":200,\"body\":\"\"}}",
	 FAULT_STATUS, FAULT_STATUS, "", "", false, 200, "", 0},
	{"delay", "{\"op\":\"update\",\"action\":{\"type\":\"delay\",\"ms\":250}}", FAULT_DELAY,
	 FAULT_DELAY, "", "", false, 0, NULL, 250},
	{"delay 0", "{\"op\":\"update\",\"action\":{\"type\":\"delay\",\"ms\":0}}", FAULT_DELAY,
	 FAULT_DELAY, "", "", false, 0, NULL, 0},
	{"delay max", "{\"op\":\"update\",\"action\":{\"type\":\"delay\",\"ms\":600000}}",
	 FAULT_DELAY, FAULT_DELAY, "", "", false, 0, NULL, 600000},
	{"drop", "{\"op\":\"migrate\",\"action\":{\"type\":\"drop\"}}", FAULT_DROP, FAULT_DROP, "",
	 "", false, 0, NULL, 0},
	{"hang", "{\"op\":\"delete\",\"action\":{\"type\":\"hang\",\"ms\":1e3}}", FAULT_HANG,
	 FAULT_HANG, "", "", false, 0, NULL, 1000},
	{"lost_ack, default then", "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\"}}",
	 FAULT_LOST_ACK, FAULT_DROP, "", "", false, 0, NULL, 0},
	{"lost_ack then drop",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\"}}", FAULT_LOST_ACK,
	 FAULT_DROP, "", "", false, 0, NULL, 0},
	{"lost_ack then error, defaults",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"error\"}}", FAULT_LOST_ACK,
	 FAULT_ERROR, "INJECTED_FAULT", NULL, false, 200, NULL, 0},
	{"lost_ack then error, given",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"error\","
	 "\"errCode\":\"TIMEOUT_2\",\"errMsg\":\"m\",\"retryable\":true,\"httpStatus\":599}}",
	 FAULT_LOST_ACK, FAULT_ERROR, "TIMEOUT_2", "m", true, 599, NULL, 0},
	{"lost_ack then status, defaults",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"status\"}}", FAULT_LOST_ACK,
	 FAULT_STATUS, "", "", false, 503, NULL, 0},
	{"lost_ack then status, given",
	 "{\"op\":\"stop\",\"action\":{\"then\":\"status\",\"body\":\"gone\",\"httpStatus\":504,"
	 "\"type\":\"lost_ack\"}}",
	 FAULT_LOST_ACK, FAULT_STATUS, "", "", false, 504, "gone", 0},
	{"reset", "{\"op\":\"stop\",\"action\":{\"type\":\"reset\",\"apply\":true}}", FAULT_RESET,
	 FAULT_RESET, "", "", false, 0, NULL, 0},
	/* without apply, partial and slow send the error answer's defaults */
	{"partial", "{\"op\":\"stop\",\"action\":{\"type\":\"partial\",\"bytes\":0}}",
	 FAULT_PARTIAL, FAULT_PARTIAL, "INJECTED_FAULT", NULL, false, 200, NULL, 0},
	{"slow", "{\"op\":\"stop\",\"action\":{\"type\":\"slow\",\"rate\":1000000}}", FAULT_SLOW,
	 FAULT_SLOW, "INJECTED_FAULT", NULL, false, 200, NULL, 0},
	{"garbage", "{\"op\":\"stop\",\"action\":{\"type\":\"garbage\",\"body\":\"\\u0001x\"}}",
	 FAULT_GARBAGE, FAULT_GARBAGE, "", "", false, 0, "\001x", 0},
};

START_TEST(test_parse_action_table)
{
	const action_case *c = &action_cases[_i];
	fault_list list;
	faults_init(&list);
	char why[WHY_CAP] = "";
	int64_t id = faults_add_json(&list, c->json, strlen(c->json), NOW, why, sizeof why);
	ck_assert_msg(id == 1, "%s: refused: %s", c->label, why);
	ck_assert_uint_eq(list.count, 1);
	const fault *f = &list.items[0];
	ck_assert_msg(f->type == c->type, "%s: type %s", c->label, fault_type_name(f->type));
	ck_assert_msg(f->then == c->then, "%s: then %s", c->label, fault_type_name(f->then));
	ck_assert_str_eq(f->err_code, c->err_code);
	if (c->err_msg)
		ck_assert_str_eq(f->err_msg, c->err_msg);
	else
		ck_assert_msg(strstr(f->err_msg, "Fault 1 ") != NULL,
			      "%s: default errMsg does not name the fault: %s", c->label,
			      f->err_msg);
	ck_assert(f->retryable == c->retryable);
	ck_assert_int_eq(f->http_status, c->http_status);
	if (c->body)
		ck_assert_str_eq(f->body, c->body);
	else
		ck_assert_ptr_null(f->body);
	ck_assert_int_eq(f->ms, c->ms);
	faults_free(&list);
}
END_TEST

START_TEST(test_parse_top_level_defaults)
{
	fault_list list;
	faults_init(&list);
	add_ok(&list, "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}", NOW);
	add_ok(&list, "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}", NOW + 5);
	const fault *f = &list.items[0];
	ck_assert_int_eq(f->id, 1);
	ck_assert_str_eq(f->op, "stop");
	ck_assert_str_eq(f->task_name, "");
	ck_assert_int_eq(f->after, 0);
	ck_assert_int_eq(f->times, 1);
	ck_assert(f->probability == 1.0);
	ck_assert(f->seed == ((UINT64_C(1) * UINT64_C(0x9E3779B97F4A7C15)) & FAULTS_SEED_MAX));
	ck_assert_int_eq(f->created_at_ms, NOW);
	ck_assert_int_eq(f->expires_at_ms, 0);
	ck_assert_int_eq(f->matches, 0);
	ck_assert_int_eq(f->hits, 0);
	/* the second fault: the next id, its own default seed */
	ck_assert_int_eq(list.items[1].id, 2);
	ck_assert(list.items[1].seed ==
		  ((UINT64_C(2) * UINT64_C(0x9E3779B97F4A7C15)) & FAULTS_SEED_MAX));
	ck_assert_int_eq(list.items[1].created_at_ms, NOW + 5);
	ck_assert_int_eq(list.next_id, 3);
	faults_free(&list);
}
END_TEST

START_TEST(test_parse_top_level_given)
{
	fault_list list;
	faults_init(&list);
	add_ok(&list,
	       "{\"op\":\"*\",\"taskName\":\"" TASK_A "\",\"after\":3,\"times\":-1,"
	       "\"probability\":0.25,\"seed\":9007199254740991,\"ttlMs\":1500,"
	       "\"action\":{\"type\":\"drop\"}}",
	       NOW);
	add_ok(&list,
	       "{\"op\":\"delete\",\"taskName\":null,\"seed\":null,\"ttlMs\":null,\"after\":0,"
	       "\"times\":1000000000,\"probability\":0,\"action\":{\"type\":\"drop\"}}",
	       NOW);
	const fault *f = &list.items[0];
	ck_assert_str_eq(f->op, "*");
	ck_assert_str_eq(f->task_name, TASK_A);
	ck_assert_int_eq(f->after, 3);
	ck_assert_int_eq(f->times, -1);
	ck_assert(f->probability == 0.25);
	ck_assert(f->seed == FAULTS_SEED_MAX);
	ck_assert_int_eq(f->expires_at_ms, NOW + 1500);
	f = &list.items[1];
	ck_assert_str_eq(f->task_name, "");
	ck_assert(f->seed == ((UINT64_C(2) * UINT64_C(0x9E3779B97F4A7C15)) & FAULTS_SEED_MAX));
	ck_assert_int_eq(f->expires_at_ms, 0);
	ck_assert_int_eq(f->times, 1000000000);
	ck_assert(f->probability == 0.0);
	faults_free(&list);
}
END_TEST

/* ---- parsing: refusals ------------------------------------------------ */

typedef struct {
	const char *label;
	const char *body;
	size_t len;
	const char *why_has; /* a word the sentence must hold, or NULL */
} refuse_case;

#define DROP "\"action\":{\"type\":\"drop\"}"
#define OP "\"op\":\"stop\","

static const refuse_case refuse_cases[] = {
	{"empty body", LIT(""), NULL},
	{"blank body", LIT(" \n\t "), NULL},
	{"not JSON", LIT("op=stop"), "JSON"},
	{"truncated JSON", LIT("{\"op\":\"stop\""), "JSON"},
	{"top-level array", LIT("[{\"op\":\"stop\"," DROP "}]"), "object"},
	{"top-level null", LIT("null"), "object"},
	{"trailing bytes", LIT("{" OP DROP "} x"), "after"},
	{"two objects", LIT("{" OP DROP "}{}"), "after"},
	{"invalid UTF-8", LIT("{" OP "\"action\":{\"type\":\"error\",\"errMsg\":\"\xff\"}}"),
	 "UTF-8"},
	{"raw NUL", LIT("{" OP DROP "}\0"), "UTF-8"},
	{"u0000 escape", LIT("{" OP "\"action\":{\"type\":\"error\",\"errMsg\":\"a\\u0000\"}}"),
	 "u0000"},
	{"unknown field", LIT("{" OP DROP ",\"count\":1}"), "count"},
	{"unknown field, other case", LIT("{\"OP\":\"stop\"," DROP "}"), "OP"},
	{"duplicate field", LIT("{" OP OP DROP "}"), "twice"},
	{"op missing", LIT("{" DROP "}"), "op"},
	{"op unknown", LIT("{\"op\":\"start\"," DROP "}"), "op"},
	{"op upper case", LIT("{\"op\":\"STOP\"," DROP "}"), "op"},
	{"op empty", LIT("{\"op\":\"\"," DROP "}"), "op"},
	{"op a number", LIT("{\"op\":1," DROP "}"), "op"},
	{"op null", LIT("{\"op\":null," DROP "}"), "op"},
	{"op an array", LIT("{\"op\":[\"stop\"]," DROP "}"), "op"},
	{"taskName a number", LIT("{" OP "\"taskName\":5," DROP "}"), "taskName"},
	{"taskName empty", LIT("{" OP "\"taskName\":\"\"," DROP "}"), "taskName"},
	{"taskName malformed", LIT("{" OP "\"taskName\":\"task-1\"," DROP "}"), "taskName"},
	{"taskName bad SEQ",
	 LIT("{" OP "\"taskName\":\"h-9000:connector_v2:p-incr_trans-1-0:1\"," DROP "}"),
	 "taskName"},
	{"taskName an object", LIT("{" OP "\"taskName\":{}," DROP "}"), "taskName"},
	{"after negative", LIT("{" OP "\"after\":-1," DROP "}"), "after"},
	{"after a fraction", LIT("{" OP "\"after\":1.5," DROP "}"), "after"},
	{"after too large", LIT("{" OP "\"after\":1000000001," DROP "}"), "after"},
	{"after a string", LIT("{" OP "\"after\":\"1\"," DROP "}"), "after"},
	{"after null", LIT("{" OP "\"after\":null," DROP "}"), "after"},
	{"after infinite", LIT("{" OP "\"after\":1e400," DROP "}"), "after"},
	{"times 0", LIT("{" OP "\"times\":0," DROP "}"), "times"},
	{"times -2", LIT("{" OP "\"times\":-2," DROP "}"), "times"},
	{"times a fraction", LIT("{" OP "\"times\":2.5," DROP "}"), "times"},
	{"times too large", LIT("{" OP "\"times\":1e10," DROP "}"), "times"},
	{"times a boolean", LIT("{" OP "\"times\":true," DROP "}"), "times"},
	{"probability negative", LIT("{" OP "\"probability\":-0.01," DROP "}"), "probability"},
	{"probability above 1", LIT("{" OP "\"probability\":1.0001," DROP "}"), "probability"},
	{"probability a string", LIT("{" OP "\"probability\":\"0.5\"," DROP "}"), "probability"},
	{"probability null", LIT("{" OP "\"probability\":null," DROP "}"), "probability"},
	{"seed negative", LIT("{" OP "\"seed\":-1," DROP "}"), "seed"},
	{"seed a fraction", LIT("{" OP "\"seed\":1.5," DROP "}"), "seed"},
	{"seed 2^53", LIT("{" OP "\"seed\":9007199254740992," DROP "}"), "seed"},
	{"seed a string", LIT("{" OP "\"seed\":\"42\"," DROP "}"), "seed"},
	{"ttlMs 0", LIT("{" OP "\"ttlMs\":0," DROP "}"), "ttlMs"},
	{"ttlMs negative", LIT("{" OP "\"ttlMs\":-5," DROP "}"), "ttlMs"},
	{"ttlMs a fraction", LIT("{" OP "\"ttlMs\":0.5," DROP "}"), "ttlMs"},
	{"ttlMs over a year", LIT("{" OP "\"ttlMs\":31536000001," DROP "}"), "ttlMs"},
	{"ttlMs a string", LIT("{" OP "\"ttlMs\":\"100\"," DROP "}"), "ttlMs"},
	{"action missing", LIT("{\"op\":\"stop\"}"), "action"},
	{"action null", LIT("{" OP "\"action\":null}"), "action"},
	{"action a string", LIT("{" OP "\"action\":\"drop\"}"), "action"},
	{"action an array", LIT("{" OP "\"action\":[{\"type\":\"drop\"}]}"), "action"},
	{"action type missing", LIT("{" OP "\"action\":{}}"), "type"},
	{"action type unknown", LIT("{" OP "\"action\":{\"type\":\"explode\"}}"), "type"},
	{"action type upper case", LIT("{" OP "\"action\":{\"type\":\"DROP\"}}"), "type"},
	{"action type a number", LIT("{" OP "\"action\":{\"type\":1}}"), "type"},
	{"action duplicate field", LIT("{" OP "\"action\":{\"type\":\"drop\",\"type\":\"error\"}}"),
	 "twice"},
	{"error: errCode starts with _",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"_BAD\"}}"), "errCode"},
	{"error: errCode starts with -",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"-BAD\"}}"), "errCode"},
	{"error: errCode starts with .",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\".BAD\"}}"), "errCode"},
	/* the [errors] names' rule too (error_name_valid): a letter first */
	{"error: errCode starts with a digit",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"1BAD\"}}"), "errCode"},
	{"error: errCode with a slash",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"CM/BAD\"}}"), "errCode"},
	{"error: errCode with a colon",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"CM:BAD\"}}"), "errCode"},
	{"error: errCode not ASCII",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"CM-\xc3\xa9\"}}"), "errCode"},
	{"error: errCode with a space",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"BAD CODE\"}}"), "errCode"},
	{"error: errCode empty", LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":\"\"}}"),
	 "errCode"},
	{"error: errCode of 64 bytes",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":"
	     "\"A123456789012345678901234567890123456789012345678901234567890123\"}}"),
	 "errCode"},
	{"error: errCode null", LIT("{" OP "\"action\":{\"type\":\"error\",\"errCode\":null}}"),
	 "errCode"},
	{"error: errMsg empty", LIT("{" OP "\"action\":{\"type\":\"error\",\"errMsg\":\"\"}}"),
	 "errMsg"},
	{"error: errMsg a number", LIT("{" OP "\"action\":{\"type\":\"error\",\"errMsg\":1}}"),
	 "errMsg"},
	{"error: retryable a string",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"retryable\":\"true\"}}"), "retryable"},
	{"error: retryable 1", LIT("{" OP "\"action\":{\"type\":\"error\",\"retryable\":1}}"),
	 "retryable"},
	{"error: httpStatus 99", LIT("{" OP "\"action\":{\"type\":\"error\",\"httpStatus\":99}}"),
	 "httpStatus"},
	{"error: httpStatus 600", LIT("{" OP "\"action\":{\"type\":\"error\",\"httpStatus\":600}}"),
	 "httpStatus"},
	{"error: httpStatus a fraction",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"httpStatus\":200.5}}"), "httpStatus"},
	{"error: httpStatus a string",
	 LIT("{" OP "\"action\":{\"type\":\"error\",\"httpStatus\":\"500\"}}"), "httpStatus"},
	{"error: a status field", LIT("{" OP "\"action\":{\"type\":\"error\",\"body\":\"x\"}}"),
	 "body"},
	{"error: a ms field", LIT("{" OP "\"action\":{\"type\":\"error\",\"ms\":1}}"), "ms"},
	{"error: a then field", LIT("{" OP "\"action\":{\"type\":\"error\",\"then\":\"drop\"}}"),
	 "then"},
	{"status: httpStatus 0", LIT("{" OP "\"action\":{\"type\":\"status\",\"httpStatus\":0}}"),
	 "httpStatus"},
	{"status: body a number", LIT("{" OP "\"action\":{\"type\":\"status\",\"body\":1}}"),
	 "body"},
	{"status: body null", LIT("{" OP "\"action\":{\"type\":\"status\",\"body\":null}}"),
	 "body"},
	{"status: body an object", LIT("{" OP "\"action\":{\"type\":\"status\",\"body\":{}}}"),
	 "body"},
	{"status: an errCode field",
	 LIT("{" OP "\"action\":{\"type\":\"status\",\"errCode\":\"X\"}}"), "errCode"},
	{"delay: ms missing", LIT("{" OP "\"action\":{\"type\":\"delay\"}}"), "ms"},
	{"delay: ms negative", LIT("{" OP "\"action\":{\"type\":\"delay\",\"ms\":-1}}"), "ms"},
	{"delay: ms too large", LIT("{" OP "\"action\":{\"type\":\"delay\",\"ms\":600001}}"), "ms"},
	{"delay: ms a fraction", LIT("{" OP "\"action\":{\"type\":\"delay\",\"ms\":0.5}}"), "ms"},
	{"delay: ms a string", LIT("{" OP "\"action\":{\"type\":\"delay\",\"ms\":\"10\"}}"), "ms"},
	{"delay: a body field",
	 LIT("{" OP "\"action\":{\"type\":\"delay\",\"ms\":1,\"body\":\"x\"}}"), "body"},
	{"hang: ms missing", LIT("{" OP "\"action\":{\"type\":\"hang\"}}"), "ms"},
	{"hang: ms too large", LIT("{" OP "\"action\":{\"type\":\"hang\",\"ms\":1e6}}"), "ms"},
	{"drop: a ms field", LIT("{" OP "\"action\":{\"type\":\"drop\",\"ms\":1}}"), "ms"},
	{"drop: an httpStatus field",
	 LIT("{" OP "\"action\":{\"type\":\"drop\",\"httpStatus\":500}}"), "httpStatus"},
	{"lost_ack: then unknown",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":\"hang\"}}"), "then"},
	{"lost_ack: then lost_ack",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":\"lost_ack\"}}"), "then"},
	{"lost_ack: then a number", LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":1}}"),
	 "then"},
	{"lost_ack: then null", LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":null}}"),
	 "then"},
	{"lost_ack then drop: an errCode",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"errCode\":\"X\"}}"), "errCode"},
	{"lost_ack then error: a body",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":\"error\",\"body\":\"x\"}}"),
	 "body"},
	{"lost_ack then error: bad errCode",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":\"error\",\"errCode\":\"x y\"}}"),
	 "errCode"},
	{"lost_ack then status: an errMsg",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":\"status\",\"errMsg\":\"m\"}}"),
	 "errMsg"},
	{"lost_ack then status: httpStatus 1000",
	 LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"then\":\"status\",\"httpStatus\":1000}}"),
	 "httpStatus"},
	{"lost_ack: a ms field", LIT("{" OP "\"action\":{\"type\":\"lost_ack\",\"ms\":5}}"), "ms"},
	{"partial: no bytes", LIT("{" OP "\"action\":{\"type\":\"partial\"}}"), "bytes"},
	{"partial: bytes -1", LIT("{" OP "\"action\":{\"type\":\"partial\",\"bytes\":-1}}"),
	 "bytes"},
	{"partial: bytes past the body cap",
	 LIT("{" OP "\"action\":{\"type\":\"partial\",\"bytes\":65537}}"), "bytes"},
	{"slow: no rate", LIT("{" OP "\"action\":{\"type\":\"slow\"}}"), "rate"},
	{"slow: rate 0", LIT("{" OP "\"action\":{\"type\":\"slow\",\"rate\":0}}"), "rate"},
	{"slow: rate past the cap", LIT("{" OP "\"action\":{\"type\":\"slow\",\"rate\":1000001}}"),
	 "rate"},
	{"reset: apply not a bool", LIT("{" OP "\"action\":{\"type\":\"reset\",\"apply\":1}}"),
	 "apply"},
	{"reset: a body", LIT("{" OP "\"action\":{\"type\":\"reset\",\"body\":\"x\"}}"), "body"},
	{"garbage: empty body", LIT("{" OP "\"action\":{\"type\":\"garbage\",\"body\":\"\"}}"),
	 "body"},
	{"header: not an object", LIT("{" OP "\"header\":\"X-A: 1\"," DROP "}"), "header"},
	{"header: no value", LIT("{" OP "\"header\":{\"name\":\"X-A\"}," DROP "}"), "value"},
	{"header: a bad name",
	 LIT("{" OP "\"header\":{\"name\":\"X A\",\"value\":\"1\"}," DROP "}"), "header.name"},
	{"header: a CR in the value",
	 LIT("{" OP "\"header\":{\"name\":\"X-A\",\"value\":\"1\\r\"}," DROP "}"), "control"},
	{"header: another field",
	 LIT("{" OP "\"header\":{\"name\":\"X-A\",\"value\":\"1\",\"x\":1}," DROP "}"), "x"},
	{"client: a name", LIT("{" OP "\"client\":\"localhost\"," DROP "}"), "client"},
	{"client: 256 in a part", LIT("{" OP "\"client\":\"127.0.0.256\"," DROP "}"), "client"},
	{"method without pathPrefix", LIT("{" OP "\"method\":\"GET\"," DROP "}"), "pathPrefix"},
	{"pathPrefix outside /_mock/", LIT("{\"pathPrefix\":\"/connector\"," DROP "}"), "/_mock/"},
	{"pathPrefix on the faults", LIT("{\"pathPrefix\":\"/_mock/faults/1\"," DROP "}"),
	 "faults"},
	{"pathPrefix with an op", LIT("{" OP "\"pathPrefix\":\"/_mock/tasks\"," DROP "}"), "op"},
	{"pathPrefix: a bad method",
	 LIT("{\"pathPrefix\":\"/_mock/tasks\",\"method\":\"get\"," DROP "}"), "method"},
	{"pathPrefix: an error action",
	 LIT("{\"pathPrefix\":\"/_mock/tasks\",\"action\":{\"type\":\"error\"}}"), "control API"},
	{"pathPrefix: slow",
	 LIT("{\"pathPrefix\":\"/_mock/tasks\",\"action\":{\"type\":\"slow\",\"rate\":1}}"),
	 "control API"},
	{"pathPrefix: apply",
	 LIT("{\"pathPrefix\":\"/_mock/tasks\",\"action\":{\"type\":\"reset\",\"apply\":false}}"),
	 "apply"},
};

START_TEST(test_refuse_table)
{
	const refuse_case *c = &refuse_cases[_i];
	fault_list list;
	faults_init(&list);
	add_ok(&list, "{\"op\":\"*\",\"times\":-1,\"action\":{\"type\":\"drop\"}}", NOW);
	char why[WHY_CAP] = "";
	int64_t id = faults_add_json(&list, c->body, c->len, NOW, why, sizeof why);
	size_t count = list.count;
	int64_t next_id = list.next_id;
	faults_free(&list);
	ck_assert_msg(id == -1, "%s: accepted as %lld", c->label, (long long)id);
	ck_assert_msg(why[0] != '\0', "%s: refused without a why", c->label);
	ck_assert_msg(count == 1 && next_id == 2, "%s: the list changed", c->label);
	if (c->why_has)
		ck_assert_msg(strstr(why, c->why_has) != NULL, "%s: \"%s\" does not name %s",
			      c->label, why, c->why_has);
}
END_TEST

START_TEST(test_refuse_null_and_small_why)
{
	fault_list list;
	faults_init(&list);
	char why[WHY_CAP] = "";
	ck_assert_int_eq(faults_add_json(&list, NULL, 0, NOW, why, sizeof why), -1);
	ck_assert_str_ne(why, "");
	/* a short buffer is cut, never overrun, and always terminated */
	char tiny[9];
	memset(tiny, 'X', sizeof tiny);
	const char *body = "{\"op\":\"nope\"}";
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW, tiny, 8), -1);
	ck_assert_uint_le(strlen(tiny), 7);
	ck_assert_int_eq(tiny[8], 'X');
	/* no buffer at all */
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW, NULL, 0), -1);
	/* a clock before 1970 */
	body = "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}";
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), -1, why, sizeof why), -1);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_int_eq(list.next_id, 1);
	/* a body without a NUL after it is read only within len */
	char unterminated[64];
	const char *text = "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}";
	memcpy(unterminated, text, strlen(text));
	memset(unterminated + strlen(text), '!', sizeof unterminated - strlen(text));
	ck_assert_int_eq(faults_add_json(&list, unterminated, strlen(text), NOW, why, sizeof why),
			 1);
	faults_free(&list);
}
END_TEST

/* An unknown field with a long UTF-8 name is echoed cut, on a character
 * boundary, so that the sentence stays valid UTF-8. */
START_TEST(test_refuse_long_field_name)
{
	char body[512];
	char name[200] = "";
	for (int i = 0; i < 60; i++)
		strcat(name, "\xe4\xb8\xad"); /* 180 bytes of 3-byte characters */
	snprintf(body, sizeof body, "{\"op\":\"stop\",\"%s\":1," DROP "}", name);
	fault_list list;
	faults_init(&list);
	char why[WHY_CAP] = "";
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW, why, sizeof why), -1);
	faults_free(&list);
	ck_assert_msg(text_utf8_valid(why, strlen(why)), "why is not UTF-8: %s", why);
	ck_assert_ptr_nonnull(strstr(why, "\xe4\xb8\xad"));
	ck_assert_uint_lt(strlen(why), 180);
}
END_TEST

/* Lengths at and past each limit: errCode 63/64, errMsg 511/512, status
 * body 65536/65537 bytes. */
typedef struct {
	const char *label;
	const char *before, *after; /* the body around the filler */
	char fill;
	size_t fill_len;
	bool accepted;
} limit_case;

static const limit_case limit_cases[] = {
	{"errCode of 63", "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"", "\"}}",
	 'E', FAULTS_ERR_CODE_MAX, true},
	{"errCode of 64", "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errCode\":\"", "\"}}",
	 'E', FAULTS_ERR_CODE_MAX + 1, false},
	{"errMsg of 511", "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errMsg\":\"", "\"}}",
	 'm', FAULTS_ERR_MSG_MAX, true},
	{"errMsg of 512", "{\"op\":\"stop\",\"action\":{\"type\":\"error\",\"errMsg\":\"", "\"}}",
	 'm', FAULTS_ERR_MSG_MAX + 1, false},
	{"body of 65536", "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"body\":\"", "\"}}",
	 'b', FAULTS_BODY_MAX, true},
	{"body of 65537", "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"body\":\"", "\"}}",
	 'b', FAULTS_BODY_MAX + 1, false},
	{"header name of 64", "{\"op\":\"stop\",\"header\":{\"name\":\"",
	 "\",\"value\":\"v\"},\"action\":{\"type\":\"drop\"}}", 'h', FAULTS_HEADER_NAME_MAX, true},
	{"header name of 65", "{\"op\":\"stop\",\"header\":{\"name\":\"",
	 "\",\"value\":\"v\"},\"action\":{\"type\":\"drop\"}}", 'h', FAULTS_HEADER_NAME_MAX + 1,
	 false},
	{"header value of 256", "{\"op\":\"stop\",\"header\":{\"name\":\"X\",\"value\":\"",
	 "\"},\"action\":{\"type\":\"drop\"}}", 'v', FAULTS_HEADER_VALUE_MAX, true},
	{"header value of 257", "{\"op\":\"stop\",\"header\":{\"name\":\"X\",\"value\":\"",
	 "\"},\"action\":{\"type\":\"drop\"}}", 'v', FAULTS_HEADER_VALUE_MAX + 1, false},
	{"pathPrefix of 256", "{\"pathPrefix\":\"/_mock/", "\",\"action\":{\"type\":\"drop\"}}",
	 'p', FAULTS_PATH_PREFIX_MAX - 7, true},
	{"pathPrefix of 257", "{\"pathPrefix\":\"/_mock/", "\",\"action\":{\"type\":\"drop\"}}",
	 'p', FAULTS_PATH_PREFIX_MAX - 6, false},
	{"garbage body of 65537", "{\"op\":\"stop\",\"action\":{\"type\":\"garbage\",\"body\":\"",
	 "\"}}", 'g', FAULTS_BODY_MAX + 1, false},
	{"lost_ack body of 65537",
	 "{\"op\":\"stop\",\"action\":{\"type\":\"lost_ack\",\"then\":\"status\",\"body\":\"",
	 "\"}}", 'b', FAULTS_BODY_MAX + 1, false},
};

START_TEST(test_length_limits)
{
	const limit_case *c = &limit_cases[_i];
	char *fill = malloc(c->fill_len + 1);
	ck_assert_ptr_nonnull(fill);
	memset(fill, c->fill, c->fill_len);
	fill[c->fill_len] = '\0';
	size_t cap = strlen(c->before) + c->fill_len + strlen(c->after) + 1;
	char *body = malloc(cap);
	ck_assert_ptr_nonnull(body);
	snprintf(body, cap, "%s%s%s", c->before, fill, c->after);
	fault_list list;
	faults_init(&list);
	char why[WHY_CAP] = "";
	int64_t id = faults_add_json(&list, body, strlen(body), NOW, why, sizeof why);
	const fault *f = id > 0 ? &list.items[0] : NULL;
	/* the path prefix is stored with its "/_mock/" */
	bool stored =
		f && ((f->body && strcmp(f->body, fill) == 0) || strcmp(f->err_code, fill) == 0 ||
		      strcmp(f->err_msg, fill) == 0 || strcmp(f->header_name, fill) == 0 ||
		      strcmp(f->header_value, fill) == 0 ||
		      (strlen(f->path_prefix) == c->fill_len + 7 &&
		       strcmp(f->path_prefix + 7, fill) == 0));
	faults_free(&list);
	free(body);
	free(fill);
	if (c->accepted) {
		ck_assert_msg(id == 1, "%s: refused: %s", c->label, why);
		ck_assert_msg(stored, "%s: not stored whole", c->label);
	} else {
		ck_assert_msg(id == -1, "%s: accepted", c->label);
	}
}
END_TEST

/* ---- matching: after and times ---------------------------------------- */

typedef struct {
	const char *fault;    /* the fields before "action" */
	const char *expected; /* one char per request: X fires, . passes */
} sequence_case;

static const sequence_case sequence_cases[] = {
	{"", "X......."},
	{"\"times\":1,", "X......."},
	{"\"times\":3,", "XXX....."},
	{"\"times\":-1,", "XXXXXXXX"},
	{"\"after\":1,", ".X......"},
	{"\"after\":2,\"times\":3,", "..XXX..."},
	{"\"after\":5,\"times\":-1,", ".....XXX"},
	{"\"after\":8,\"times\":-1,", "........"},
	{"\"after\":7,\"times\":5,", ".......X"},
	{"\"after\":0,\"times\":8,", "XXXXXXXX"},
};

START_TEST(test_after_times_table)
{
	const sequence_case *c = &sequence_cases[_i];
	char json[256];
	snprintf(json, sizeof json, "{\"op\":\"stop\",%s\"action\":{\"type\":\"drop\"}}", c->fault);
	fault_list list;
	faults_init(&list);
	add_ok(&list, json, NOW);
	char got[16];
	run_requests(&list, "stop", TASK_A, 8, NOW, got);
	int64_t matches = list.items[0].matches, hits = list.items[0].hits;
	faults_free(&list);
	ck_assert_msg(strcmp(got, c->expected) == 0, "%s: got %s, expected %s", json, got,
		      c->expected);
	ck_assert_int_eq(matches, 8);
	int64_t expected_hits = 0;
	for (const char *p = c->expected; *p; p++)
		expected_hits += *p == 'X';
	ck_assert_int_eq(hits, expected_hits);
}
END_TEST

/* ---- matching: the op and taskName filters ---------------------------- */

typedef struct {
	const char *op, *task; /* the fault's; task NULL = any */
	const char *request_op, *request_task;
	bool fires;
} filter_case;

static const filter_case filter_cases[] = {
	{"stop", NULL, "stop", TASK_A, true},	    {"stop", NULL, "stop", NULL, true},
	{"stop", NULL, "stop", "not a name", true}, {"stop", NULL, "resume", TASK_A, false},
	{"stop", NULL, NULL, TASK_A, false},	    {"stop", TASK_A, "stop", TASK_A, true},
	{"stop", TASK_A, "stop", TASK_B, false},    {"stop", TASK_A, "stop", NULL, false},
	{"stop", TASK_A, "stop", "", false},	    {"stop", TASK_A, "resume", TASK_A, false},
	{"*", NULL, "stop", TASK_A, true},	    {"*", NULL, "resume", TASK_B, true},
	{"*", NULL, "update", NULL, true},	    {"*", NULL, "migrate", TASK_A, true},
	{"*", NULL, "delete", TASK_A, true},	    {"*", NULL, NULL, NULL, true},
	{"*", TASK_B, "delete", TASK_B, true},	    {"*", TASK_B, "delete", TASK_A, false},
	{"update", TASK_B, "update", TASK_B, true}, {"migrate", NULL, "migrate", TASK_B, true},
	{"delete", NULL, "Delete", TASK_B, false},
};

START_TEST(test_filter_table)
{
	const filter_case *c = &filter_cases[_i];
	char json[512];
	if (c->task)
		snprintf(json, sizeof json,
			 "{\"op\":\"%s\",\"taskName\":\"%s\",\"action\":{\"type\":\"drop\"}}",
			 c->op, c->task);
	else
		snprintf(json, sizeof json, "{\"op\":\"%s\",\"action\":{\"type\":\"drop\"}}",
			 c->op);
	fault_list list;
	faults_init(&list);
	add_ok(&list, json, NOW);
	fault copy;
	int rc = faults_match(&list, c->request_op, c->request_task, NOW, &copy);
	int64_t matches = list.items[0].matches;
	if (rc == 1)
		fault_free_copy(&copy);
	faults_free(&list);
	ck_assert_msg(rc == (c->fires ? 1 : 0), "fault %s; request %s on %s: %d", json,
		      c->request_op ? c->request_op : "(null)",
		      c->request_task ? c->request_task : "(null)", rc);
	/* a request that does not match is not counted */
	ck_assert_int_eq(matches, c->fires ? 1 : 0);
}
END_TEST

/* The first fault (in id order) that fires answers; later ones do not see
 * the request. Once it is exhausted the next one takes over. */
START_TEST(test_first_fault_wins)
{
	fault_list list;
	faults_init(&list);
	add_ok(&list, "{\"op\":\"stop\",\"times\":2,\"action\":{\"type\":\"drop\"}}", NOW);
	add_ok(&list, "{\"op\":\"*\",\"times\":-1,\"action\":{\"type\":\"hang\",\"ms\":5}}", NOW);
	fault copy;
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(faults_match(&list, "stop", TASK_A, NOW, &copy), 1);
		ck_assert_int_eq(copy.id, i < 2 ? 1 : 2);
		ck_assert_int_eq(copy.hits, i < 2 ? i + 1 : i - 1);
		fault_free_copy(&copy);
	}
	ck_assert_int_eq(list.items[0].matches, 4);
	ck_assert_int_eq(list.items[0].hits, 2);
	ck_assert_int_eq(list.items[1].matches, 2);
	ck_assert_int_eq(list.items[1].hits, 2);
	/* another op passes the first fault by */
	ck_assert_int_eq(faults_match(&list, "resume", TASK_A, NOW, &copy), 1);
	ck_assert_int_eq(copy.id, 2);
	fault_free_copy(&copy);
	ck_assert_int_eq(list.items[0].matches, 4);
	faults_free(&list);
}
END_TEST

/* The copy handed out owns a duplicate body; `out` may be NULL. */
START_TEST(test_match_copy)
{
	fault_list list;
	faults_init(&list);
	add_ok(&list,
	       "{\"op\":\"stop\",\"times\":-1,\"action\":{\"type\":\"lost_ack\",\"then\":"
	       "\"status\","
	       "\"httpStatus\":502,\"body\":\"upstream gone\"}}",
	       NOW);
	fault copy;
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, NOW, &copy), 1);
	ck_assert_ptr_nonnull(copy.body);
	ck_assert_ptr_ne(copy.body, list.items[0].body);
	ck_assert_str_eq(copy.body, "upstream gone");
	ck_assert(copy.type == FAULT_LOST_ACK && copy.then == FAULT_STATUS);
	ck_assert_int_eq(copy.http_status, 502);
	ck_assert_int_eq(copy.hits, 1);
	ck_assert_int_eq(copy.matches, 1);
	fault_free_copy(&copy);
	ck_assert_ptr_null(copy.body);
	fault_free_copy(&copy); /* twice is harmless */
	fault_free_copy(NULL);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, NOW, NULL), 1);
	ck_assert_int_eq(list.items[0].hits, 2);
	/* the list's body outlives the copies */
	ck_assert_str_eq(list.items[0].body, "upstream gone");
	/* no fault: `out` is left alone */
	memset(&copy, 0x5A, sizeof copy);
	ck_assert_int_eq(faults_match(&list, "resume", TASK_A, NOW, &copy), 0);
	ck_assert_int_eq(copy.id, 0x5A5A5A5A5A5A5A5A);
	faults_free(&list);

	/* an empty list never fires */
	faults_init(&list);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, NOW, NULL), 0);
	faults_free(&list);
}
END_TEST

/* ---- TTL on the caller's clock ---------------------------------------- */

START_TEST(test_ttl)
{
	fault_list list;
	faults_init(&list);
	add_ok(&list, "{\"op\":\"stop\",\"times\":-1,\"ttlMs\":100,\"action\":{\"type\":\"drop\"}}",
	       1000);
	add_ok(&list, "{\"op\":\"stop\",\"times\":-1,\"ttlMs\":1,\"action\":{\"type\":\"drop\"}}",
	       1000);
	ck_assert_int_eq(list.items[0].expires_at_ms, 1100);
	fault copy;
	/* the fault lives in [1000, 1100) */
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, 1000, &copy), 1);
	ck_assert_int_eq(copy.id, 1);
	fault_free_copy(&copy);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, 1099, &copy), 1);
	ck_assert_int_eq(copy.id, 1);
	fault_free_copy(&copy);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, 1100, &copy), 0);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, 5000, &copy), 0);
	/* an expired fault counts nothing more and stays listed */
	ck_assert_int_eq(list.items[0].matches, 2);
	ck_assert_int_eq(list.items[0].hits, 2);
	ck_assert_int_eq(list.items[1].matches, 0);
	ck_assert_uint_eq(list.count, 2);
	/* the one of 1 ms outlived by the first: alive at 1000 only */
	faults_clear(&list);
	add_ok(&list, "{\"op\":\"stop\",\"times\":-1,\"ttlMs\":1,\"action\":{\"type\":\"drop\"}}",
	       1000);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, 1000, NULL), 1);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, 1001, NULL), 0);

	cJSON *json = faults_to_json(&list, 1001);
	const cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "faults"), 0);
	bool expired = cJSON_IsTrue(cJSON_GetObjectItem(item, "expired"));
	double ttl = cJSON_GetNumberValue(cJSON_GetObjectItem(item, "ttlMs"));
	double expires_at = cJSON_GetNumberValue(cJSON_GetObjectItem(item, "expiresAt"));
	cJSON_Delete(json);
	ck_assert(expired);
	ck_assert(ttl == 1.0);
	ck_assert(expires_at == 1001.0);
	json = faults_to_json(&list, 1000);
	item = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "faults"), 0);
	expired = cJSON_IsTrue(cJSON_GetObjectItem(item, "expired"));
	cJSON_Delete(json);
	ck_assert(!expired);
	faults_free(&list);
}
END_TEST

/* ---- probability and seeds -------------------------------------------- */

typedef struct {
	const char *probability;
	int expected_hits; /* of 1000 */
} probability_case;

static const probability_case probability_cases[] = {
	{"0", 0}, {"0.0", 0}, {"1", 1000}, {"1.0", 1000}, {"1e0", 1000},
};

START_TEST(test_probability_edges)
{
	const probability_case *c = &probability_cases[_i];
	for (uint64_t seed = 0; seed < 4; seed++) {
		char json[256];
		snprintf(json, sizeof json,
			 "{\"op\":\"*\",\"times\":-1,\"probability\":%s,\"seed\":%llu,"
			 "\"action\":{\"type\":\"drop\"}}",
			 c->probability, (unsigned long long)seed);
		fault_list list;
		faults_init(&list);
		add_ok(&list, json, NOW);
		char got[1001];
		run_requests(&list, "stop", TASK_A, 1000, NOW, got);
		int64_t matches = list.items[0].matches, hits = list.items[0].hits;
		faults_free(&list);
		ck_assert_int_eq(matches, 1000);
		ck_assert_msg(hits == c->expected_hits, "p=%s seed %llu: %lld hits", c->probability,
			      (unsigned long long)seed, (long long)hits);
	}
}
END_TEST

static void seeded_sequence(const char *seed_field, char *out, int64_t *hits)
{
	char json[256];
	snprintf(json, sizeof json,
		 "{\"op\":\"*\",\"times\":-1,\"probability\":0.3,%s\"action\":{\"type\":\"drop\"}}",
		 seed_field);
	fault_list list;
	faults_init(&list);
	add_ok(&list, json, NOW);
	run_requests(&list, "update", TASK_B, 1000, NOW, out);
	*hits = list.items[0].hits;
	faults_free(&list);
}

START_TEST(test_seeded_determinism)
{
	static char first[1001], second[1001], other[1001], unseeded[1001], unseeded2[1001];
	int64_t hits_first, hits_second, hits_other, hits_unseeded, hits_unseeded2;
	seeded_sequence("\"seed\":42,", first, &hits_first);
	seeded_sequence("\"seed\":42,", second, &hits_second);
	seeded_sequence("\"seed\":43,", other, &hits_other);
	ck_assert_msg(strcmp(first, second) == 0, "seed 42 gave two sequences");
	ck_assert_int_eq(hits_first, hits_second);
	ck_assert_msg(strcmp(first, other) != 0, "seeds 42 and 43 gave one sequence");
	ck_assert_msg(hits_first >= 200 && hits_first <= 400, "seed 42: %lld hits of 1000",
		      (long long)hits_first);
	ck_assert_msg(hits_other >= 200 && hits_other <= 400, "seed 43: %lld hits of 1000",
		      (long long)hits_other);
	/* the count is the sequence's */
	int64_t counted = 0;
	for (int i = 0; i < 1000; i++)
		counted += first[i] == 'X';
	ck_assert_int_eq(counted, hits_first);

	/* without a seed: fixed by the id, so two fresh lists agree, and
	 * posting the reported seed replays the sequence */
	seeded_sequence("", unseeded, &hits_unseeded);
	seeded_sequence("", unseeded2, &hits_unseeded2);
	ck_assert(strcmp(unseeded, unseeded2) == 0);
	ck_assert_msg(hits_unseeded >= 200 && hits_unseeded <= 400, "default seed: %lld hits",
		      (long long)hits_unseeded);
	char seed_field[64];
	snprintf(seed_field, sizeof seed_field, "\"seed\":%llu,",
		 (unsigned long long)((UINT64_C(1) * UINT64_C(0x9E3779B97F4A7C15)) &
				      FAULTS_SEED_MAX));
	seeded_sequence(seed_field, second, &hits_second);
	ck_assert_msg(strcmp(unseeded, second) == 0, "the reported default seed does not replay");
}
END_TEST

/* The PRNG is part of the contract (a seed posted today replays the same
 * outcomes tomorrow): splitmix64, started with one splitmix64 step from the
 * seed, u = (next >> 11) * 2^-53, fire when u < p. The expected strings were
 * computed by an independent implementation of that recipe. */
typedef struct {
	uint64_t seed;
	const char *expected; /* p = 0.5, 64 requests */
} golden_case;

static const golden_case golden_cases[] = {
	{42, "X.XX.XX.X..XXX...X.X...X.........X.X....X....XX..XX.XX....XX..X."},
	{0, "..X..X.XX.XXX..X...X......XXXXXXXX...XXX.X...XXXXX.X.X.XXX.X..XX"},
};

START_TEST(test_golden_sequence)
{
	const golden_case *c = &golden_cases[_i];
	char json[256];
	snprintf(json, sizeof json,
		 "{\"op\":\"*\",\"times\":-1,\"probability\":0.5,\"seed\":%llu,"
		 "\"action\":{\"type\":\"drop\"}}",
		 (unsigned long long)c->seed);
	fault_list list;
	faults_init(&list);
	add_ok(&list, json, NOW);
	char got[65];
	run_requests(&list, "stop", TASK_A, 64, NOW, got);
	faults_free(&list);
	ck_assert_str_eq(got, c->expected);
}
END_TEST

/* One fault's draws do not shift another's: interleaving requests for a
 * second fault leaves the first one's sequence as it was. */
START_TEST(test_independent_streams)
{
	static char alone[501], mixed[501];
	fault_list list;
	faults_init(&list);
	add_ok(&list,
	       "{\"op\":\"stop\",\"times\":-1,\"probability\":0.5,\"seed\":7,"
	       "\"action\":{\"type\":\"drop\"}}",
	       NOW);
	run_requests(&list, "stop", TASK_A, 500, NOW, alone);
	faults_free(&list);

	faults_init(&list);
	add_ok(&list,
	       "{\"op\":\"stop\",\"times\":-1,\"probability\":0.5,\"seed\":7,"
	       "\"action\":{\"type\":\"drop\"}}",
	       NOW);
	add_ok(&list,
	       "{\"op\":\"resume\",\"times\":-1,\"probability\":0.5,\"seed\":7,"
	       "\"action\":{\"type\":\"drop\"}}",
	       NOW);
	for (int i = 0; i < 500; i++) {
		int rc = faults_match(&list, "stop", TASK_A, NOW, NULL);
		mixed[i] = rc == 1 ? 'X' : '.';
		ck_assert_int_ge(faults_match(&list, "resume", TASK_A, NOW, NULL), 0);
	}
	mixed[500] = '\0';
	faults_free(&list);
	ck_assert(strcmp(alone, mixed) == 0);
}
END_TEST

/* ---- remove, clear, the limit ----------------------------------------- */

START_TEST(test_remove_and_clear)
{
	fault_list list;
	faults_init(&list);
	for (int i = 1; i <= 3; i++)
		ck_assert_int_eq(
			add_ok(&list,
			       "{\"op\":\"stop\",\"times\":-1,\"action\":{\"type\":\"drop\"}}",
			       NOW),
			i);
	ck_assert_int_eq(faults_remove(&list, 2), 0);
	ck_assert_int_eq(faults_remove(&list, 2), -1);
	ck_assert_int_eq(faults_remove(&list, 99), -1);
	ck_assert_int_eq(faults_remove(&list, 0), -1);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_int_eq(list.items[0].id, 1);
	ck_assert_int_eq(list.items[1].id, 3);
	ck_assert_int_eq(faults_remove(&list, 1), 0);
	fault copy;
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, NOW, &copy), 1);
	ck_assert_int_eq(copy.id, 3);
	fault_free_copy(&copy);
	/* ids are not reused after a clear */
	faults_clear(&list);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_int_eq(faults_match(&list, "stop", TASK_A, NOW, NULL), 0);
	ck_assert_int_eq(add_ok(&list, "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}", NOW), 4);
	ck_assert_int_eq(faults_remove(&list, 1), -1);
	/* faults_free starts over */
	faults_free(&list);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_int_eq(list.next_id, 1);
	faults_free(&list); /* twice is harmless */
	ck_assert_int_eq(add_ok(&list,
				"{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"body\":\"b\"}}",
				NOW),
			 1);
	faults_clear(&list);
	faults_free(&list);
}
END_TEST

START_TEST(test_limit)
{
	fault_list list;
	faults_init(&list);
	/* the first one expires at NOW + 10 */
	add_ok(&list,
	       "{\"op\":\"stop\",\"ttlMs\":10,\"action\":{\"type\":\"status\",\"body\":\"x\"}}",
	       NOW);
	for (int i = 1; i < FAULTS_MAX; i++)
		add_ok(&list, "{\"op\":\"stop\",\"action\":{\"type\":\"status\",\"body\":\"y\"}}",
		       NOW);
	ck_assert_uint_eq(list.count, FAULTS_MAX);
	const char *body = "{\"op\":\"stop\",\"action\":{\"type\":\"drop\"}}";
	char why[WHY_CAP] = "";
	/* full, and nothing expired: refused, nothing changed */
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW + 9, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "256"));
	ck_assert_uint_eq(list.count, FAULTS_MAX);
	ck_assert_int_eq(list.items[0].id, 1);
	ck_assert_int_eq(list.next_id, FAULTS_MAX + 1);
	/* once the first has expired it gives up its place */
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW + 10, why, sizeof why),
			 FAULTS_MAX + 1);
	ck_assert_uint_eq(list.count, FAULTS_MAX);
	ck_assert_int_eq(list.items[0].id, 2);
	ck_assert_int_eq(list.items[FAULTS_MAX - 1].id, FAULTS_MAX + 1);
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW + 10, why, sizeof why), -1);
	/* removing one makes room again */
	ck_assert_int_eq(faults_remove(&list, 100), 0);
	ck_assert_int_eq(faults_add_json(&list, body, strlen(body), NOW + 10, why, sizeof why),
			 FAULTS_MAX + 2);
	faults_free(&list);
}
END_TEST

/* ---- the listing ------------------------------------------------------ */

START_TEST(test_to_json)
{
	fault_list list;
	faults_init(&list);
	test_assert_json_eq_free(faults_to_json(&list, NOW), "{\"faults\":[]}", "empty");

	add_ok(&list,
	       "{\"op\":\"stop\",\"taskName\":\"" TASK_A "\",\"after\":1,\"times\":2,"
	       "\"probability\":1,\"seed\":5,\"ttlMs\":60000,"
	       "\"action\":{\"type\":\"error\",\"errCode\":\"X_1\",\"errMsg\":\"m\"}}",
	       NOW);
	add_ok(&list,
	       "{\"op\":\"*\",\"times\":-1,\"probability\":0.5,\"seed\":6,"
	       "\"action\":{\"type\":\"status\"}}",
	       NOW);
	add_ok(&list, "{\"op\":\"update\",\"seed\":0,\"action\":{\"type\":\"delay\",\"ms\":30}}",
	       NOW);
	add_ok(&list, "{\"op\":\"migrate\",\"seed\":0,\"action\":{\"type\":\"hang\",\"ms\":40}}",
	       NOW);
	add_ok(&list, "{\"op\":\"delete\",\"seed\":0,\"action\":{\"type\":\"drop\"}}", NOW);
	add_ok(&list,
	       "{\"op\":\"resume\",\"seed\":0,\"action\":{\"type\":\"lost_ack\",\"then\":\"error\"}"
	       "}",
	       NOW);
	add_ok(&list,
	       "{\"op\":\"resume\",\"seed\":0,\"action\":{\"type\":\"lost_ack\",\"then\":"
	       "\"status\","
	       "\"body\":\"b\"}}",
	       NOW);
	add_ok(&list, "{\"op\":\"resume\",\"seed\":0,\"action\":{\"type\":\"lost_ack\"}}", NOW);
	/* three stop requests: the first passes (after 1), two hit, exhausted */
	for (int i = 0; i < 3; i++)
		ck_assert_int_ge(faults_match(&list, "stop", TASK_A, NOW, NULL), 0);

	char default_msg[FAULTS_ERR_MSG_MAX + 1];
	snprintf(default_msg, sizeof default_msg, "%s", list.items[5].err_msg);
	char expected[8192];
	char now_text[32];
	snprintf(now_text, sizeof now_text, "%lld", (long long)NOW);
	snprintf(
		expected, sizeof expected,
		"{\"faults\":["
		"{\"id\":1,\"op\":\"stop\",\"taskName\":\"" TASK_A "\",\"after\":1,\"times\":2,"
		"\"probability\":1,\"seed\":5,\"ttlMs\":60000,\"createdAt\":%lld,"
		"\"expiresAt\":%lld,\"action\":{\"type\":\"error\",\"errCode\":\"X_1\","
		"\"errMsg\":\"m\",\"retryable\":false,\"httpStatus\":200},\"matches\":3,"
		"\"hits\":2,\"lastFiredAt\":%lld,\"expired\":false,\"exhausted\":true},"
		"{\"id\":2,\"op\":\"*\",\"taskName\":null,\"after\":0,\"times\":-1,"
		"\"probability\":0.5,\"seed\":6,\"ttlMs\":null,\"createdAt\":%lld,"
		"\"expiresAt\":null,\"action\":{\"type\":\"status\",\"httpStatus\":503,"
		"\"body\":\"\"},\"matches\":%lld,\"hits\":%lld,\"lastFiredAt\":%s,\"expired\":"
		"false,"
		"\"exhausted\":false},"
		"{\"id\":3,\"op\":\"update\",\"taskName\":null,\"after\":0,\"times\":1,"
		"\"probability\":1,\"seed\":0,\"ttlMs\":null,\"createdAt\":%lld,\"expiresAt\":null,"
		"\"action\":{\"type\":\"delay\",\"ms\":30},\"matches\":0,\"hits\":0,"
		"\"lastFiredAt\":null,"
		"\"expired\":false,\"exhausted\":false},"
		"{\"id\":4,\"op\":\"migrate\",\"taskName\":null,\"after\":0,\"times\":1,"
		"\"probability\":1,\"seed\":0,\"ttlMs\":null,\"createdAt\":%lld,\"expiresAt\":null,"
		"\"action\":{\"type\":\"hang\",\"ms\":40},\"matches\":0,\"hits\":0,\"lastFiredAt\":"
		"null,"
		"\"expired\":false,\"exhausted\":false},"
		"{\"id\":5,\"op\":\"delete\",\"taskName\":null,\"after\":0,\"times\":1,"
		"\"probability\":1,\"seed\":0,\"ttlMs\":null,\"createdAt\":%lld,\"expiresAt\":null,"
		"\"action\":{\"type\":\"drop\"},\"matches\":0,\"hits\":0,\"lastFiredAt\":null,"
		"\"expired\":false,\"exhausted\":false},"
		"{\"id\":6,\"op\":\"resume\",\"taskName\":null,\"after\":0,\"times\":1,"
		"\"probability\":1,\"seed\":0,\"ttlMs\":null,\"createdAt\":%lld,\"expiresAt\":null,"
		"\"action\":{\"type\":\"lost_ack\",\"then\":\"error\",\"errCode\":\"INJECTED_"
		"FAULT\","
		"\"errMsg\":\"%s\",\"retryable\":false,\"httpStatus\":200},\"matches\":0,"
		"\"hits\":0,\"lastFiredAt\":null,\"expired\":false,\"exhausted\":false},"
		"{\"id\":7,\"op\":\"resume\",\"taskName\":null,\"after\":0,\"times\":1,"
		"\"probability\":1,\"seed\":0,\"ttlMs\":null,\"createdAt\":%lld,\"expiresAt\":null,"
		"\"action\":{\"type\":\"lost_ack\",\"then\":\"status\",\"httpStatus\":503,"
		"\"body\":\"b\"},\"matches\":0,\"hits\":0,\"lastFiredAt\":null,\"expired\":false,"
		"\"exhausted\":false},"
		"{\"id\":8,\"op\":\"resume\",\"taskName\":null,\"after\":0,\"times\":1,"
		"\"probability\":1,\"seed\":0,\"ttlMs\":null,\"createdAt\":%lld,\"expiresAt\":null,"
		"\"action\":{\"type\":\"lost_ack\",\"then\":\"drop\"},\"matches\":0,\"hits\":0,"
		"\"lastFiredAt\":null,"
		"\"expired\":false,\"exhausted\":false}]}",
		(long long)NOW, (long long)NOW + 60000, (long long)NOW, (long long)NOW,
		(long long)list.items[1].matches, (long long)list.items[1].hits,
		list.items[1].hits ? now_text : "null", (long long)NOW, (long long)NOW,
		(long long)NOW, (long long)NOW, default_msg, (long long)NOW, (long long)NOW);
	ck_assert_int_eq(list.items[1].matches, 1); /* the request the first let pass */
	test_assert_json_eq_free(faults_to_json(&list, NOW), expected, "eight faults");

	/* past the TTL, the first is listed as expired */
	cJSON *json = faults_to_json(&list, NOW + 60000);
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "faults"), 0);
	bool expired = cJSON_IsTrue(cJSON_GetObjectItem(first, "expired"));
	cJSON_Delete(json);
	ck_assert(expired);
	faults_free(&list);
}
END_TEST

/* The action as listed reads back as the same action: posting a fault with
 * the listed action object gives the same fields. */
START_TEST(test_action_round_trip)
{
	const action_case *c = &action_cases[_i];
	fault_list list;
	faults_init(&list);
	add_ok(&list, c->json, NOW);
	cJSON *action = fault_action_to_json(&list.items[0]);
	ck_assert_ptr_nonnull(action);
	cJSON *wrapper = cJSON_CreateObject();
	cJSON_AddStringToObject(wrapper, "op", list.items[0].op);
	cJSON_AddItemToObject(wrapper, "action", action);
	char *text = cJSON_PrintUnformatted(wrapper);
	cJSON_Delete(wrapper);
	fault_list again;
	faults_init(&again);
	char why[WHY_CAP] = "";
	int64_t id = faults_add_json(&again, text, strlen(text), NOW, why, sizeof why);
	bool same = id == 1 && again.items[0].type == list.items[0].type &&
		    again.items[0].then == list.items[0].then &&
		    strcmp(again.items[0].err_code, list.items[0].err_code) == 0 &&
		    strcmp(again.items[0].err_msg, list.items[0].err_msg) == 0 &&
		    again.items[0].retryable == list.items[0].retryable &&
		    again.items[0].http_status == list.items[0].http_status &&
		    again.items[0].ms == list.items[0].ms &&
		    strcmp(again.items[0].body ? again.items[0].body : "",
			   list.items[0].body ? list.items[0].body : "") == 0;
	faults_free(&again);
	faults_free(&list);
	ck_assert_msg(same, "%s: %s did not read back (%s)", c->label, text, why);
	free(text);
}
END_TEST

typedef struct {
	fault_type type;
	const char *name;
} type_name_case;

static const type_name_case type_name_cases[] = {
	{FAULT_ERROR, "error"},	    {FAULT_STATUS, "status"},	 {FAULT_DELAY, "delay"},
	{FAULT_DROP, "drop"},	    {FAULT_HANG, "hang"},	 {FAULT_LOST_ACK, "lost_ack"},
	{FAULT_RESET, "reset"},	    {FAULT_PARTIAL, "partial"},	 {FAULT_SLOW, "slow"},
	{FAULT_GARBAGE, "garbage"}, {(fault_type)99, "unknown"},
};

START_TEST(test_type_names)
{
	const type_name_case *c = &type_name_cases[_i];
	ck_assert_str_eq(fault_type_name(c->type), c->name);
}
END_TEST

/* The scope: which requests a scoped fault selects. */
typedef struct {
	const char *fault;					/* the fields before "action" */
	const char *op, *client, *method, *path, *header_value; /* the request's */
	bool fires;
} scope_case;

static const scope_case scope_cases[] = {
	{"\"op\":\"*\",\"header\":{\"name\":\"X-Test-Name\",\"value\":\"a\"}", "stop", NULL, "POST",
	 NULL, "a", true},
	{"\"op\":\"*\",\"header\":{\"name\":\"X-Test-Name\",\"value\":\"a\"}", "stop", NULL, "POST",
	 NULL, "b", false},
	{"\"op\":\"*\",\"header\":{\"name\":\"X-Test-Name\",\"value\":\"a\"}", "stop", NULL, "POST",
	 NULL, NULL, false},
	{"\"op\":\"*\",\"header\":{\"name\":\"X-Test-Name\",\"value\":\"\"}", "stop", NULL, "POST",
	 NULL, "", true},
	{"\"op\":\"*\",\"client\":\"127.0.0.1\"", "stop", "127.0.0.1", "POST", NULL, NULL, true},
	{"\"op\":\"*\",\"client\":\"127.0.0.1\"", "stop", "127.0.0.2", "POST", NULL, NULL, false},
	{"\"op\":\"*\",\"client\":\"::1\"", "stop", "::1", "POST", NULL, NULL, true},
	{"\"op\":\"*\",\"client\":\"0:0::1\"", "stop", "::1", "POST", NULL, NULL, true},
	{"\"op\":\"*\"", NULL, NULL, "GET", "/_mock/tasks", NULL, false},
	{"\"pathPrefix\":\"/_mock/tasks\"", NULL, NULL, "GET", "/_mock/tasks/x", NULL, true},
	{"\"pathPrefix\":\"/_mock/tasks\"", NULL, NULL, "DELETE", "/_mock/tasks", NULL, true},
	{"\"pathPrefix\":\"/_mock/tasks\",\"method\":\"GET\"", NULL, NULL, "POST", "/_mock/tasks",
	 NULL, false},
	{"\"pathPrefix\":\"/_mock/tasks\"", NULL, NULL, "GET", "/_mock/journal", NULL, false},
	{"\"pathPrefix\":\"/_mock/tasks\"", "stop", NULL, "POST", NULL, NULL, false},
};

static const char *scope_header(void *ctx, const char *name)
{
	const scope_case *c = ctx;
	return strcasecmp(name, "x-test-name") == 0 ? c->header_value : NULL;
}

START_TEST(test_scope_table)
{
	const scope_case *c = &scope_cases[_i];
	fault_list list;
	faults_init(&list);
	char body[512];
	snprintf(body, sizeof body, "{%s,\"times\":-1,\"action\":{\"type\":\"drop\"}}", c->fault);
	add_ok(&list, body, NOW);
	fault_request request = {.op = c->op,
				 .client = c->client,
				 .method = c->method,
				 .path = c->path,
				 .header = scope_header,
				 .header_ctx = (void *)c};
	fault hit;
	int fired = faults_match_request(&list, &request, NOW + 5, &hit);
	ck_assert_msg(fired == (c->fires ? 1 : 0), "%s: fired %d", body, fired);
	if (fired == 1) {
		ck_assert_int_eq(hit.last_fired_ms, NOW + 5);
		fault_free_copy(&hit);
	}
	faults_free(&list);
}
END_TEST

static Suite *faults_suite(void)
{
	Suite *suite = suite_create("faults");
	TCase *parse = tcase_create("parse");
	tcase_add_loop_test(parse, test_parse_action_table, 0, (int)COUNT(action_cases));
	tcase_add_test(parse, test_parse_top_level_defaults);
	tcase_add_test(parse, test_parse_top_level_given);
	tcase_add_loop_test(parse, test_refuse_table, 0, (int)COUNT(refuse_cases));
	tcase_add_test(parse, test_refuse_null_and_small_why);
	tcase_add_test(parse, test_refuse_long_field_name);
	tcase_add_loop_test(parse, test_length_limits, 0, (int)COUNT(limit_cases));
	suite_add_tcase(suite, parse);

	TCase *match = tcase_create("match");
	tcase_add_loop_test(match, test_after_times_table, 0, (int)COUNT(sequence_cases));
	tcase_add_loop_test(match, test_filter_table, 0, (int)COUNT(filter_cases));
	tcase_add_loop_test(match, test_scope_table, 0, (int)COUNT(scope_cases));
	tcase_add_test(match, test_first_fault_wins);
	tcase_add_test(match, test_match_copy);
	tcase_add_test(match, test_ttl);
	tcase_add_loop_test(match, test_probability_edges, 0, (int)COUNT(probability_cases));
	tcase_add_test(match, test_seeded_determinism);
	tcase_add_test(match, test_independent_streams);
	tcase_add_loop_test(match, test_golden_sequence, 0, (int)COUNT(golden_cases));
	suite_add_tcase(suite, match);

	TCase *list = tcase_create("list");
	tcase_add_test(list, test_remove_and_clear);
	tcase_add_test(list, test_limit);
	tcase_add_test(list, test_to_json);
	tcase_add_loop_test(list, test_action_round_trip, 0, (int)COUNT(action_cases));
	tcase_add_loop_test(list, test_type_names, 0, (int)COUNT(type_name_cases));
	suite_add_tcase(suite, list);
	return suite;
}

int main(void) { return test_run_suite(faults_suite()); }
