/*
 * step.c — one OMS operation, retried safely.
 *
 * The rules: a retryable:true answer is retried (up to --retries), a
 * retryable:false one never; a lost answer (no HTTP answer at all) is
 * retried only for an idempotent step, after asking the control API
 * whether the step was applied when the CM is connector-mock. Once an
 * attempt may have been applied, a refusal that says the task is already
 * where the step leads (ILLEGAL_STATE from the wanted state, a deleted or
 * migrated name) is that attempt's success, and is reported as such.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm.h"

static const cJSON *member(const cJSON *object, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(object, key);
}

static const char *string_member(const cJSON *object, const char *key)
{
	const cJSON *item = member(object, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static char *dup_or_null(const char *text) { return text ? strdup(text) : NULL; }

/* What a refusal means for this step: 1 the task is where the step leads
 * (and `*result` the name to report), 0 a real refusal. */
static int refusal_is_done(const cm_step *step, const cJSON *envelope, bool maybe_applied,
			   const char **result)
{
	const char *code = string_member(envelope, "errCode");
	const cJSON *extra = member(member(envelope, "errorDetail"), "extraContext");
	const char *state = string_member(extra, "state");
	*result = step->task;
	if (!code)
		return 0;
	if (strcmp(code, "ILLEGAL_STATE") == 0 && step->wanted_state && state &&
	    strcmp(state, step->wanted_state) == 0)
		return maybe_applied || step->wanted_is_fine;
	if (!maybe_applied || strcmp(code, "TASK_NOT_FOUND") != 0)
		return 0;
	if (step->gone_is_done && cJSON_IsTrue(member(extra, "deleted")))
		return 1;
	const char *moved = string_member(extra, "migratedTo");
	if (strcmp(step->op, "migrate") == 0 && moved) {
		*result = moved;
		return 1;
	}
	return 0;
}

static char *step_path(cli_context *ctx, const cm_step *step)
{
	char *task = cli_escape(ctx, step->task);
	if (!task)
		return NULL;
	size_t cap = strlen(step->op) + strlen(task) + (step->extra ? strlen(step->extra) : 0) + 48;
	char *path = malloc(cap);
	if (path)
		snprintf(path, cap, "/connector/task/v2/%s?taskName=%s%s%s", step->op, task,
			 step->extra ? "&" : "", step->extra ? step->extra : "");
	curl_free(task);
	return path;
}

static step_result failed(int exit_status)
{
	return (step_result){.outcome = STEP_FAILED, .exit = exit_status};
}

static step_result finish(step_outcome outcome, const char *result)
{
	step_result r = {.outcome = outcome, .exit = CLI_EXIT_OK, .result = dup_or_null(result)};
	if (!r.result) {
		fprintf(stderr, "connectorctl: out of memory\n");
		return failed(CLI_EXIT_TRANSPORT);
	}
	return r;
}

/* After a lost answer: asks the control API; 1 when the step shows as
 * applied (and says so). */
static int applied_after_loss(cli_context *ctx, const cm_step *step)
{
	if (!step->recheck || step->recheck(ctx, step, step->recheck_arg) != 1)
		return 0;
	fprintf(stderr,
		"connectorctl: %s: the answer was lost, but connector-mock shows the %s "
		"applied\n",
		step->op, step->op);
	return 1;
}

/* One attempt's answer. Returns 1 when the loop should go on (retry),
 * 0 when `*out` holds the final result. */
static int judge(cli_context *ctx, const cm_step *step, const cli_http *http, int attempt,
		 bool *maybe_applied, step_result *out)
{
	char what[64];
	snprintf(what, sizeof what, "%s", step->op);
	cJSON *envelope = cm_envelope(http);
	if (!envelope) {
		cli_print_unexpected(what, "the OMS envelope", http);
		*out = failed(CLI_EXIT_NOT_ENVELOPE);
		return 0;
	}
	if (ctx->json)
		printf("%.*s\n", (int)http->len, http->body);
	int again = 0;
	const char *result = NULL;
	if (cJSON_IsTrue(member(envelope, "isSuccess"))) {
		result = string_member(envelope, "result");
		*out = finish(STEP_DONE, result ? result : step->task);
	} else if (refusal_is_done(step, envelope, *maybe_applied, &result)) {
		if (*maybe_applied)
			fprintf(stderr,
				"connectorctl: %s: %s now: an earlier attempt was applied and "
				"its answer lost\n",
				step->op, string_member(envelope, "errCode"));
		*out = finish(*maybe_applied ? STEP_RECOVERED : STEP_ALREADY, result);
	} else if (cJSON_IsTrue(member(envelope, "retryable")) && attempt < ctx->retries) {
		fprintf(stderr, "connectorctl: %s: %s (retryable): %s; retry %d of %d\n", step->op,
			string_member(envelope, "errCode") ? string_member(envelope, "errCode")
							   : "?",
			string_member(envelope, "errMsg") ? string_member(envelope, "errMsg") : "",
			attempt + 1, ctx->retries);
		/* a lost_ack may answer an error after applying the step */
		*maybe_applied = true;
		again = 1;
	} else {
		cm_print_refusal(what, envelope);
		*out = failed(CLI_EXIT_REFUSED);
	}
	cJSON_Delete(envelope);
	return again;
}

step_result cm_step_run(cli_context *ctx, const cm_step *step)
{
	char *path = step_path(ctx, step);
	if (!path) {
		fprintf(stderr, "connectorctl: out of memory\n");
		return failed(CLI_EXIT_TRANSPORT);
	}
	bool maybe_applied = false;
	step_result result = failed(CLI_EXIT_TRANSPORT);
	for (int attempt = 0; attempt <= ctx->retries; attempt++) {
		if (attempt > 0)
			cli_backoff(ctx, attempt);
		cli_http http;
		if (cli_http_send(ctx, "POST", path, step->body, false, &http) == 0) {
			int again = judge(ctx, step, &http, attempt, &maybe_applied, &result);
			cli_http_free(&http);
			if (!again)
				break;
			continue;
		}
		fprintf(stderr, "connectorctl: %s: no answer from %s: %s\n", step->op, ctx->base,
			http.error);
		cli_http_free(&http);
		maybe_applied = true;
		if (applied_after_loss(ctx, step)) {
			result = finish(STEP_RECOVERED, step->task);
			break;
		}
		if (!step->idempotent) {
			fprintf(stderr,
				"connectorctl: %s: not retried: it may have been applied, and "
				"sending it again could apply it twice\n",
				step->op);
			break;
		}
		if (attempt < ctx->retries)
			fprintf(stderr, "connectorctl: %s: retry %d of %d\n", step->op, attempt + 1,
				ctx->retries);
	}
	free(path);
	return result;
}
