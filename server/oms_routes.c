/*
 * oms_routes.c — the OMS connector operations: one pipeline for all of them.
 *
 *   parse (parameters, flags, body) -> [a fault?] -> store_execute
 *   (returns after COMMIT; group commit with the other connections' threads)
 *   -> the OMS envelope
 *
 * A route is an operation of rules.h, named by the path's last segment
 * (rules_op_from_name); nothing here decides a business rule: the store and its pure rules do. This
 * file only turns HTTP into a `store_request` and a `store_outcome` back into HTTP.
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
#include "accesslog.h"
#include "clock.h"
#include "envelope.h"
#include "metrics.h"
#include "namespaces.h"
#include "routes.h"

/* An answer of the HTTP level (404, 405, 413) in the OMS envelope. */
const char *oms_route_name(size_t i) { return i < OP__COUNT ? rules_op_name((rules_op)i) : NULL; }

static http_response envelope_refusal(const server_app *app, unsigned status, const char *code,
				      const char *message, const char *proposal)
{
	envelope_failure failure = {
		.code = code,
		.message = message,
		.reason = message,
		.proposal = proposal,
		.detail_null = app->settings->error_detail_null,
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
		.code = settings_error_name(app->settings, outcome->error),
		.message = outcome->message,
		.reason = outcome->reason,
		.proposal = outcome->proposal,
		.retryable = error_retryable(outcome->error),
		.extra = outcome->extra,
		.detail_null = app->settings->error_detail_null,
	};
	return (http_response){.status = (unsigned)app->http_status_by_error[outcome->error],
			       .body = envelope_error(&failure)};
}

/* Counts an answered request in the metrics and notes it for the access
 * log. `task_name` NULL: the query's, if any. */
static void count(const http_request *request, rules_op op, const char *task_name,
		  const char *err_code, const char *injected)
{
	/* a delay still gives the store's own answer: only the others inject it */
	bool answer_injected = injected && strcmp(injected, "delay") != 0;
	metrics_count_request(request->app->metrics, request->ns, op, err_code, answer_injected,
			      clock_monotonic_ns() - request->started_ns);
	if (!task_name)
		params_single(request->query, "taskName", &task_name);
	access_note_set(request->note, rules_op_name(op), task_name, err_code, injected);
}

/* Journals a request that never became an operation (a refusal at the HTTP
 * level, or a fault answering in its place). */
static int64_t journal_refusal(const http_request *request, const char *op, const char *code,
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
	int64_t id = store_record_refusal(request->app->store, op, task_name, code, (int)status,
					  &context);
	free(params_json);
	return id > 0 ? id : 0;
}

/* The answer a fault gives in place of the operation's (error, status or
 * drop). A fault naming one of the mock's own codes answers it as [errors]
 * renames it. */
static http_response fault_answer(const server_app *app, const fault *f)
{
	if (f->then == FAULT_ERROR) {
		error_code own = error_from_name(f->err_code);
		envelope_failure failure = {
			.code = own == ERR__COUNT ? f->err_code
						  : settings_error_name(app->settings, own),
			.message = f->err_msg,
			.reason = "injected by a fault of connector-mock's control API",
			.proposal = "This failure was injected on purpose (POST /_mock/faults).",
			.retryable = f->retryable,
			.detail_null = app->settings->error_detail_null,
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
	switch (f->then) {
	case FAULT_ERROR:
	case FAULT_SLOW: /* the whole error answer, slowly */
		return f->err_code;
	case FAULT_STATUS:
		return "HTTP_STATUS";
	case FAULT_RESET:
		return "CONNECTION_RESET";
	case FAULT_PARTIAL:
		return "PARTIAL_ANSWER";
	case FAULT_GARBAGE:
		return "GARBAGE_ANSWER";
	default:
		return "DROPPED";
	}
}

/* Refuses a request to an operation's route at the HTTP level (a method
 * other than POST, a body over the cap), journaled and counted; false when
 * the request goes on to the pipeline. */
static bool refused_at_http_level(const http_request *request, rules_op op, http_response *response)
{
	const server_app *app = request->app;
	int64_t id;
	if (strcmp(request->method, "POST") != 0) {
		id = journal_refusal(request, rules_op_name(op), "METHOD_NOT_ALLOWED",
				     MHD_HTTP_METHOD_NOT_ALLOWED, NULL);
		count(request, op, NULL, "METHOD_NOT_ALLOWED", NULL);
		*response = envelope_refusal(app, MHD_HTTP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
					     "this route accepts only POST",
					     "Send the request with POST.");
		snprintf(response->allow, sizeof response->allow, "POST");
		response->journal_id = id;
		response->op = (int)op;
		return true;
	}
	if (request->body_too_large) {
		id = journal_refusal(request, rules_op_name(op), "PAYLOAD_TOO_LARGE",
				     MHD_HTTP_CONTENT_TOO_LARGE, NULL);
		count(request, op, NULL, "PAYLOAD_TOO_LARGE", NULL);
		*response = envelope_refusal(
			app, MHD_HTTP_CONTENT_TOO_LARGE, "PAYLOAD_TOO_LARGE",
			"the request body is larger than the server's limit (max_body)",
			"Send a smaller body, or start connector-mock with a larger --max-body.");
		response->journal_id = id;
		response->op = (int)op;
		return true;
	}
	return false;
}

/* Sends `response` the way a socket-level fault says (reset, partial,
 * slow, garbage); `f` fired on the request. */
static void shape_socket(http_response *response, const fault *f)
{
	static const socket_action actions[FAULT__COUNT] = {
		[FAULT_RESET] = SOCKET_RESET,
		[FAULT_PARTIAL] = SOCKET_PARTIAL,
		[FAULT_SLOW] = SOCKET_SLOW,
		[FAULT_GARBAGE] = SOCKET_GARBAGE,
	};
	response->socket = actions[f->type];
	response->socket_kind = fault_type_name(f->type);
	response->socket_bytes = f->type == FAULT_SLOW ? f->rate : f->bytes;
	if (f->type == FAULT_GARBAGE) {
		free(response->body);
		response->body = strdup(f->body ? f->body : "");
	}
	/* only a slow answer, or a partial one cut past its end, arrives whole */
	response->undelivered = f->type == FAULT_RESET || f->type == FAULT_GARBAGE ||
				(f->type == FAULT_PARTIAL &&
				 (!response->body || f->bytes < (int64_t)strlen(response->body)));
}

static bool is_socket_fault(const fault *f)
{
	return f && (f->type == FAULT_RESET || f->type == FAULT_PARTIAL || f->type == FAULT_SLOW ||
		     f->type == FAULT_GARBAGE);
}

/* Answers with a fault in the operation's place: nothing changes. */
static http_response answer_instead(const http_request *request, store_request *operation,
				    const fault *f)
{
	server_app *app = request->app;
	rules_op op = operation->op;
	/* Each connection has its own thread, so a hang holds only its own. */
	if (f->type == FAULT_HANG)
		clock_pause(f->ms);
	bool silent = f->then == FAULT_DROP || f->then == FAULT_RESET || f->then == FAULT_GARBAGE;
	int64_t id = store_record_refusal(app->store, rules_op_name(op), operation->task_name,
					  fault_code(f), silent ? 0 : f->http_status, operation);
	count(request, op, operation->task_name, fault_code(f), fault_type_name(f->type));
	http_response response;
	if (is_socket_fault(f)) {
		fault as_error = *f;
		as_error.then = FAULT_ERROR;
		memset(&response, 0, sizeof response);
		if (!silent)
			response = fault_answer(app, &as_error);
		shape_socket(&response, f);
	} else {
		response = fault_answer(app, f);
		response.undelivered = response.drop;
	}
	response.journal_id = id > 0 ? id : 0;
	response.op = (int)op;
	return response;
}

/* Runs a parsed operation with the fault that fired on it, if any
 * (`f` NULL: none): a fault may answer in its place, delay it, hide its
 * committed success (lost_ack), or send its answer through a socket-level
 * fault (applied first, or not). */
static http_response run_operation(const http_request *request, store_request *operation,
				   const fault *f)
{
	server_app *app = request->app;
	rules_op op = operation->op;
	if (f && (f->type == FAULT_ERROR || f->type == FAULT_STATUS || f->type == FAULT_DROP ||
		  f->type == FAULT_HANG || (is_socket_fault(f) && !f->apply)))
		return answer_instead(request, operation, f);
	if (f && f->type == FAULT_DELAY)
		clock_pause(f->ms);
	store_outcome outcome;
	store_execute(app->store, operation, &outcome);
	http_response response;
	if (f && f->type == FAULT_LOST_ACK && outcome.error == ERR_NONE) {
		/* applied and committed; the client is told otherwise */
		count(request, op, operation->task_name, fault_code(f), fault_type_name(f->type));
		response = fault_answer(app, f);
		response.undelivered = true;
	} else if (is_socket_fault(f)) {
		/* applied and committed; its answer goes as the fault says */
		count(request, op, operation->task_name, fault_code(f), fault_type_name(f->type));
		response = answer(app, &outcome);
		shape_socket(&response, f);
	} else {
		count(request, op, operation->task_name,
		      outcome.error == ERR_NONE ? NULL : error_name(outcome.error),
		      f && f->type == FAULT_DELAY ? "delay" : NULL);
		response = answer(app, &outcome);
	}
	response.journal_id = outcome.journal_id;
	response.op = (int)op;
	store_outcome_free(&outcome);
	return response;
}

http_response oms_route(const http_request *request)
{
	size_t prefix_len = strlen(OMS_ROUTE_PREFIX);
	rules_op op = strncmp(request->path, OMS_ROUTE_PREFIX, prefix_len) == 0
			      ? rules_op_from_name(request->path + prefix_len)
			      : OP__COUNT;
	if (op == OP__COUNT)
		return envelope_refusal(request->app, MHD_HTTP_NOT_FOUND, "NOT_FOUND",
					"no such route",
					"The connector operations are POST "
					"/connector/task/v2/{resume,stop,update,migrate,delete}.");
	http_response response;
	if (refused_at_http_level(request, op, &response))
		return response;
	server_app *app = request->app;
	/* everything the store request points at lives on this thread's stack */
	store_request operation = {
		.ns = request->ns,
		.op = op,
		.now_ms = request->now_ms,
		.client = request->client,
		.body = request->body,
		.body_len = request->body_len,
		.http_status_by_error = app->http_status_by_error,
	};
	parsed_request parsed = {0};
	if (parse_request(request, op, &parsed, &operation) < 0) {
		operation.refused = parsed.error;
		operation.refused_message = parsed.why;
	}
	/* the request's own flags, under the daemon's switches */
	rules_flags switches = settings_rules_flags(app->settings);
	switches.pull_back = operation.flags.pull_back;
	switches.restart = operation.flags.restart;
	operation.flags = switches;
	operation.params_json = parsed.params_json;

	/* faults match the taskName as sent, from the query or a form body */
	fault f;
	fault_request selected = {
		.op = rules_op_name(op),
		.task_name = operation.task_name,
		.client = request->client,
		.method = request->method,
		.header = request->header,
		.header_ctx = request->header_ctx,
	};
	bool fired = namespaces_fault_match(app->namespaces, request->ns, &selected, &f) == 1;
	if (fired) {
		metrics_count_fault(app->metrics, request->ns, op, fault_type_name(f.type));
		operation.injected = fault_type_name(f.type);
		operation.fault_id = f.id;
	}
	response = run_operation(request, &operation, fired ? &f : NULL);
	if (fired)
		fault_free_copy(&f);
	parsed_free(&parsed);
	return response;
}
