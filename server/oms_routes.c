/*
 * oms_routes.c — the OMS connector operations: one pipeline for all of them.
 *
 *   parse (parameters, flags, body) -> [a fault?] -> store_execute
 *   (returns after COMMIT; group commit with the other connections' threads)
 *   -> the OMS envelope
 *
 * A route is a row of `operation_table`; nothing here decides a business
 * rule: the store and its pure rules do. This file only turns HTTP into a
 * `store_request` and a `store_outcome` back into HTTP.
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/configmap.h"
#include "envelope.h"
#include "metrics.h"
#include "namespaces.h"
#include "routes.h"

typedef struct {
	const char *name; /* the last path segment */
	rules_op op;
} oms_operation;

static const oms_operation operation_table[] = {
	{"resume", OP_RESUME},	 {"stop", OP_STOP},	{"update", OP_UPDATE},
	{"migrate", OP_MIGRATE}, {"delete", OP_DELETE},
};

/* An answer of the HTTP level (404, 405, 413) in the OMS envelope. */
static http_response envelope_refusal(unsigned status, const char *code, const char *message,
				      const char *proposal)
{
	envelope_failure failure = {
		.code = code,
		.message = message,
		.reason = message,
		.proposal = proposal,
	};
	return (http_response){.status = status, .body = envelope_error(&failure)};
}

static bool is_form(const char *content_type)
{
	static const char form[] = "application/x-www-form-urlencoded";
	if (!content_type || strncasecmp(content_type, form, sizeof form - 1) != 0)
		return false;
	/* RFC 9110 5.6.6: optional whitespace before the parameters' ';' */
	const char *rest = content_type + sizeof form - 1;
	rest += strspn(rest, " \t");
	return *rest == '\0' || *rest == ';';
}

/* Everything the pipeline holds for one request; freed by `parsed_free`. */
typedef struct {
	params all; /* query, then form body */
	char *params_json;
	cJSON *deletes;
	cJSON *update;
	char why[512];
	error_code error;
} parsed_request;

static void parsed_free(parsed_request *parsed)
{
	params_free(&parsed->all);
	free(parsed->params_json);
	cJSON_Delete(parsed->deletes);
	cJSON_Delete(parsed->update);
}

static int refuse_argument(parsed_request *parsed, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static int refuse_argument(parsed_request *parsed, const char *format, ...)
{
	char text[sizeof parsed->why]; /* an argument may be parsed->why itself */
	va_list args;
	va_start(args, format);
	vsnprintf(text, sizeof text, format, args);
	va_end(args);
	memcpy(parsed->why, text, sizeof text);
	parsed->error = ERR_INVALID_ARGUMENT;
	return -1;
}

/* Reads a single-valued parameter; a repeat is refused. */
static int single(parsed_request *parsed, const char *name, const char **value)
{
	if (params_single(&parsed->all, name, value) < 0)
		return refuse_argument(parsed, "parameter %s is given more than once", name);
	return 0;
}

static int flag(parsed_request *parsed, const char *name, bool *out)
{
	const char *value;
	if (single(parsed, name, &value) < 0)
		return -1;
	if (params_bool(value, false, out) < 0)
		return refuse_argument(parsed,
				       "%s must be true or false (also on/off, yes/no, 1/0)", name);
	return 0;
}

/* Parses update's deleteParams and body. The deleteParams go in an array
 * of their own size on the heap: each connection thread keeps every stack
 * page it has touched, and 1,024 pointers on the stack cost 0.5 MiB of RSS
 * at 64 connections of updates. */
static int parse_update(const http_request *request, bool form, parsed_request *parsed)
{
	size_t count = params_all(&parsed->all, "deleteParams", NULL, 0);
	if (count > CONFIGMAP_DELETES_MAX)
		return refuse_argument(parsed, "deleteParams is repeated more than %d times",
				       CONFIGMAP_DELETES_MAX);
	const char **values = count ? malloc(count * sizeof *values) : NULL;
	if (count && !values)
		return refuse_argument(parsed, "out of memory");
	params_all(&parsed->all, "deleteParams", values, count);
	char why[512];
	int rc = configmap_parse_deletes(values, count, &parsed->deletes, why, sizeof why);
	free(values);
	if (rc < 0)
		return refuse_argument(parsed, "%s", why);
	const char *body = form ? NULL : request->body;
	if (configmap_parse_update(body, body ? request->body_len : 0, &parsed->update, why,
				   sizeof why) < 0)
		return refuse_argument(parsed, "the updateConfigMap body is refused: %.400s", why);
	return 0;
}

/* Collects the parameters (query and form body) and parses what `op` reads.
 * Returns 0, or -1 with parsed->error and parsed->why set. */
static int parse_request(const http_request *request, rules_op op, parsed_request *parsed,
			 store_request *out)
{
	params_init(&parsed->all);
	if (request->query_error)
		return refuse_argument(parsed, "%s", request->query_error);
	for (size_t i = 0; i < request->query->count; i++) {
		const param *item = &request->query->items[i];
		if (params_add(&parsed->all, item->name, strlen(item->name), item->value,
			       strlen(item->value), parsed->why, sizeof parsed->why) < 0)
			return refuse_argument(parsed, "%s", parsed->why);
	}
	bool form = is_form(request->content_type);
	if (form && request->body &&
	    params_parse_form(&parsed->all, request->body, request->body_len, parsed->why,
			      sizeof parsed->why) < 0)
		return refuse_argument(parsed, "%s", parsed->why);
	parsed->params_json = params_to_json(&parsed->all);
	if (single(parsed, "taskName", &out->task_name) < 0)
		return -1;
	if (op == OP_RESUME && (flag(parsed, "pullBackFlag", &out->flags.pull_back) < 0 ||
				flag(parsed, "restartFlag", &out->flags.restart) < 0))
		return -1;
	if (op == OP_MIGRATE) {
		if (single(parsed, "ip", &out->new_host) < 0)
			return -1;
		if (out->new_host && !*out->new_host)
			out->new_host = NULL; /* empty means the default: keep the host */
	}
	if (op == OP_UPDATE && parse_update(request, form, parsed) < 0)
		return -1;
	out->deletes = parsed->deletes;
	out->update = parsed->update;
	return 0;
}

static http_response answer(const server_app *app, const store_outcome *outcome)
{
	if (outcome->error == ERR_NONE)
		return (http_response){.status = MHD_HTTP_OK,
				       .body = envelope_success(outcome->result)};
	envelope_failure failure = {
		.code = error_name(outcome->error),
		.message = outcome->message,
		.reason = outcome->reason,
		.proposal = outcome->proposal,
		.retryable = error_retryable(outcome->error),
		.extra = outcome->extra,
	};
	return (http_response){.status = (unsigned)app->http_status_by_error[outcome->error],
			       .body = envelope_error(&failure)};
}

/* Counts an answered request in the metrics. */
static void count(server_app *app, rules_op op, const char *err_code, int64_t started_ns)
{
	metrics_count_request(app->metrics, op, err_code, http_monotonic_ns() - started_ns);
}

/* Journals a request that never became an operation (a refusal at the HTTP
 * level, or a fault answering in its place). */
static void journal_refusal(const http_request *request, const char *op, const char *code,
			    unsigned status, const char *injected)
{
	const char *task_name = NULL;
	params_single(request->query, "taskName", &task_name);
	char *params_json = params_to_json(request->query);
	store_request context = {
		.ns = request->ns,
		.now_ms = request->now_ms,
		.client = request->client,
		.params_json = params_json,
		.body = request->body,
		.body_len = request->body_len,
		.injected = injected,
	};
	store_record_refusal(request->app->store, op, task_name, code, (int)status, &context);
	free(params_json);
}

/* The answer a fault gives in place of the operation's (error, status or
 * drop). */
static http_response fault_answer(const fault *f)
{
	if (f->then == FAULT_ERROR) {
		envelope_failure failure = {
			.code = f->err_code,
			.message = f->err_msg,
			.reason = "injected by a fault of connector-mock's control API",
			.proposal = "This failure was injected on purpose (POST /_mock/faults).",
			.retryable = f->retryable,
		};
		return (http_response){.status = (unsigned)f->http_status,
				       .body = envelope_error(&failure)};
	}
	if (f->then == FAULT_STATUS) {
		char *body = strdup(f->body ? f->body : "");
		return (http_response){.status = (unsigned)f->http_status,
				       .body = body,
				       .content_type = "text/plain; charset=utf-8",
				       .raw = true};
	}
	return (http_response){.drop = true};
}

/* The errCode a fault's answer shows, for the journal and the metrics. */
static const char *fault_code(const fault *f)
{
	if (f->then == FAULT_ERROR)
		return f->err_code;
	return f->then == FAULT_STATUS ? "HTTP_STATUS" : "DROPPED";
}

http_response oms_route(const http_request *request)
{
	const oms_operation *operation = NULL;
	size_t prefix_len = strlen(OMS_ROUTE_PREFIX);
	if (strncmp(request->path, OMS_ROUTE_PREFIX, prefix_len) == 0)
		for (size_t i = 0; i < sizeof operation_table / sizeof *operation_table; i++)
			if (strcmp(request->path + prefix_len, operation_table[i].name) == 0)
				operation = &operation_table[i];
	if (!operation)
		return envelope_refusal(MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such route",
					"The connector operations are POST "
					"/connector/task/v2/{resume,stop,update,migrate,delete}.");
	server_app *app = request->app;
	if (strcmp(request->method, "POST") != 0) {
		journal_refusal(request, operation->name, "METHOD_NOT_ALLOWED",
				MHD_HTTP_METHOD_NOT_ALLOWED, NULL);
		count(app, operation->op, "METHOD_NOT_ALLOWED", request->started_ns);
		http_response response = envelope_refusal(
			MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
			"this route accepts only POST", "Send the request with POST.");
		snprintf(response.allow, sizeof response.allow, "POST");
		return response;
	}
	if (request->body_too_large) {
		journal_refusal(request, operation->name, "PAYLOAD_TOO_LARGE",
				MHD_HTTP_CONTENT_TOO_LARGE, NULL);
		count(app, operation->op, "PAYLOAD_TOO_LARGE", request->started_ns);
		return envelope_refusal(
			MHD_HTTP_CONTENT_TOO_LARGE, "PAYLOAD_TOO_LARGE",
			"the request body is larger than the server's limit (max_body)",
			"Send a smaller body, or start connector-mock with a larger --max-body.");
	}
	/* everything the store request points at lives on this thread's stack */
	store_request operation_request = {
		.ns = request->ns,
		.op = operation->op,
		.now_ms = request->now_ms,
		.client = request->client,
		.body = request->body,
		.body_len = request->body_len,
		.http_status_by_error = app->http_status_by_error,
	};
	parsed_request parsed = {0};
	if (parse_request(request, operation->op, &parsed, &operation_request) < 0) {
		operation_request.refused = parsed.error;
		operation_request.refused_message = parsed.why;
	}
	operation_request.flags.lenient = app->settings->lenient;
	operation_request.params_json = parsed.params_json;

	/* faults match the taskName as sent, from the query or a form body */
	fault f;
	bool fired = namespaces_fault_match(app->namespaces, request->ns, operation->name,
					    operation_request.task_name, &f) == 1;
	http_response response;
	if (fired) {
		metrics_count_fault(app->metrics, operation->op, fault_type_name(f.type));
		operation_request.injected = fault_type_name(f.type);
	}
	if (fired && (f.type == FAULT_ERROR || f.type == FAULT_STATUS || f.type == FAULT_DROP ||
		      f.type == FAULT_HANG)) {
		/* answered in the operation's place: nothing changes. Each
		 * connection has its own thread, so a hang holds only its own. */
		if (f.type == FAULT_HANG)
			http_pause(f.ms);
		store_record_refusal(app->store, operation->name, operation_request.task_name,
				     fault_code(&f), f.then == FAULT_DROP ? 0 : f.http_status,
				     &operation_request);
		count(app, operation->op, fault_code(&f), request->started_ns);
		response = fault_answer(&f);
	} else {
		if (fired && f.type == FAULT_DELAY)
			http_pause(f.ms);
		store_outcome outcome;
		store_execute(app->store, &operation_request, &outcome);
		if (fired && f.type == FAULT_LOST_ACK && outcome.error == ERR_NONE) {
			/* applied and committed; the client is told otherwise */
			count(app, operation->op, fault_code(&f), request->started_ns);
			response = fault_answer(&f);
		} else {
			count(app, operation->op,
			      outcome.error == ERR_NONE ? NULL : error_name(outcome.error),
			      request->started_ns);
			response = answer(app, &outcome);
		}
		store_outcome_free(&outcome);
	}
	if (fired)
		fault_free_copy(&f);
	parsed_free(&parsed);
	return response;
}
