/*
 * pullback.c — the OMS page's pull back in one command: stop (a STOPPED
 * task is fine), update source.checkpoint (deleteParams, then the body, as
 * the page does), resume with pullBackFlag=true. Each step is safe to run
 * again, so each is retried after a lost answer; against connector-mock
 * the control API first tells whether the lost step was applied.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "timeparse.h"
#include "timezone.h"

enum { SUBTOPIC_MAX = 256 };

typedef struct {
	const char *task, *to, *tz, *subtopic;
	bool dry_run;
	int64_t epoch;
	char checkpoint[SUBTOPIC_MAX * 6 + 64]; /* {"SUB":"SECONDS"}, as JSON */
} pullback;

/* GET /_mock/tasks/TASK, quietly; NULL when it is not there to read. */
static cJSON *mock_task(cli_context *ctx, const char *task, int *status)
{
	char *escaped = cli_escape(ctx, task);
	if (!escaped)
		return NULL;
	char path[2048];
	snprintf(path, sizeof path, "/_mock/tasks/%s", escaped);
	curl_free(escaped);
	cJSON *root = NULL;
	int rc = cli_mock_call(ctx, "pullback", "GET", path, NULL, status == NULL, &root);
	if (status)
		*status = rc;
	return root;
}

static const char *string_at(const cJSON *object, const char *a, const char *b)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, a);
	if (b)
		item = cJSON_GetObjectItemCaseSensitive(item, b);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int recheck_stop(cli_context *ctx, const cm_step *step, void *arg)
{
	(void)arg;
	cJSON *task = mock_task(ctx, step->task, NULL);
	const char *state = string_at(task, "state", NULL);
	int rc = state ? strcmp(state, "STOPPED") == 0 : -1;
	cJSON_Delete(task);
	return rc;
}

static int recheck_update(cli_context *ctx, const cm_step *step, void *arg)
{
	const pullback *p = arg;
	cJSON *task = mock_task(ctx, step->task, NULL);
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(task, "config");
	const char *checkpoint = string_at(config, "source", "checkpoint");
	int rc = !task ? -1 : checkpoint && strcmp(checkpoint, p->checkpoint) == 0;
	cJSON_Delete(task);
	return rc;
}

static int recheck_resume(cli_context *ctx, const cm_step *step, void *arg)
{
	const pullback *p = arg;
	cJSON *task = mock_task(ctx, step->task, NULL);
	const char *state = string_at(task, "state", NULL);
	const cJSON *position = cJSON_GetObjectItemCaseSensitive(task, "checkpoint");
	int rc = !state ? -1
			: strcmp(state, "RUNNING") == 0 && cJSON_IsNumber(position) &&
				  position->valuedouble == (double)p->epoch;
	cJSON_Delete(task);
	return rc;
}

/* The one subtopic of the task's source.clients, read from connector-mock. */
static int discover_subtopic(cli_context *ctx, pullback *p, char *found, size_t cap)
{
	int status;
	cJSON *task = mock_task(ctx, p->task, &status);
	if (!task && status == CLI_EXIT_NOT_ENVELOPE)
		return cli_usage_error("pullback: give --subtopic: the CM at %s has no "
				       "connector-mock control API to read it from",
				       ctx->base);
	if (!task) {
		fprintf(stderr,
			"connectorctl: pullback: the subtopic is read from connector-mock's "
			"control API; give --subtopic to do without\n");
		return status;
	}
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(task, "config");
	const char *clients_text = string_at(config, "source", "clients");
	cJSON *clients = clients_text ? cJSON_Parse(clients_text) : NULL;
	char list[1024] = "";
	int count = 0;
	const cJSON *client;
	cJSON_ArrayForEach(client, clients)
	{
		const char *subtopic = string_at(client, "subtopic", NULL);
		if (!subtopic)
			continue;
		if (count++ == 0)
			snprintf(found, cap, "%s", subtopic);
		size_t len = strlen(list);
		snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", subtopic);
	}
	cJSON_Delete(clients);
	cJSON_Delete(task);
	if (count == 1)
		return CLI_EXIT_OK;
	if (count == 0)
		return cli_usage_error("pullback: the task's source.clients names no subtopic: "
				       "give --subtopic");
	return cli_usage_error("pullback: the task has %d subtopics (%s): choose one with "
			       "--subtopic",
			       count, list);
}

/* cli_walk's option callback: pullback's own options. */
static bool pullback_option(cli_args *args, void *state)
{
	pullback *p = state;
	if (cli_option(args, "--to", true))
		p->to = args->value;
	else if (cli_option(args, "--tz", true))
		p->tz = args->value;
	else if (cli_option(args, "--subtopic", true))
		p->subtopic = args->value;
	else if (cli_option(args, "--dry-run", false))
		p->dry_run = true;
	else
		return false;
	return true;
}

static int read_options(cli_args *args, pullback *p)
{
	int count;
	int status = cli_walk(args, "pullback", true, &p->task, 1, &count, pullback_option, p);
	if (status != CLI_EXIT_OK)
		return status;
	if (!p->task)
		return cli_usage_error("pullback needs a TASK");
	if (cli_check_task(p->task) < 0)
		return CLI_EXIT_USAGE;
	if (!p->to)
		return cli_usage_error("pullback needs --to TIME");
	return CLI_EXIT_OK;
}

/* The instant of --to, and its text for the output. */
static int read_time(pullback *p, char *shown, size_t cap)
{
	char why[512];
	if (p->tz && cli_zone_check(p->tz, why, sizeof why) < 0)
		return cli_usage_error("pullback: --tz: %s", why);
	cli_time time;
	int offset;
	if (cli_time_parse(p->to, strlen(p->to), &time, why, sizeof why) < 0 ||
	    cli_zone_resolve(&time, p->tz, &p->epoch, &offset, why, sizeof why) < 0)
		return cli_usage_error("pullback: --to '%.80s': %s", p->to, why);
	if (cli_time_format(p->epoch, offset, shown, cap) < 0)
		snprintf(shown, cap, "unix %lld", (long long)p->epoch);
	return CLI_EXIT_OK;
}

/* Writes `text` single-quoted for sh. */
static void shell_quote(const char *text)
{
	putchar('\'');
	for (; *text; text++)
		if (*text == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*text);
	putchar('\'');
}

static void print_curl(cli_context *ctx, const char *op, const char *task, const char *extra,
		       const char *body)
{
	char *escaped = cli_escape(ctx, task);
	size_t cap = strlen(ctx->base) + (escaped ? strlen(escaped) : 0) + 128;
	char *url = malloc(cap);
	if (url && escaped) {
		snprintf(url, cap, "%s/connector/task/v2/%s?taskName=%s%s%s", ctx->base, op,
			 escaped, extra ? "&" : "", extra ? extra : "");
		fputs("curl -s -w '\\n' -XPOST ", stdout);
		shell_quote(url);
		if (body) {
			fputs(" -H 'Content-Type: application/json' -d ", stdout);
			shell_quote(body);
		}
		putchar('\n');
	}
	free(url);
	curl_free(escaped);
}

static int run_steps(cli_context *ctx, pullback *p, const char *body, const char *shown,
		     const char *subtopic)
{
	cm_step stop = {.op = "stop",
			.task = p->task,
			.idempotent = true,
			.wanted_state = "STOPPED",
			.wanted_is_fine = true,
			.recheck = recheck_stop};
	step_result r = cm_step_run(ctx, &stop);
	if (r.outcome == STEP_FAILED)
		return r.exit;
	if (!ctx->json)
		printf("%s%s%s\n", r.outcome == STEP_ALREADY ? "" : "stopped ", p->task,
		       r.outcome == STEP_ALREADY ? " was already stopped" : "");
	free(r.result);
	cm_step update = {.op = "update",
			  .task = p->task,
			  .extra = "deleteParams=source.checkpoint",
			  .body = body,
			  .idempotent = true,
			  .recheck = recheck_update,
			  .recheck_arg = p};
	r = cm_step_run(ctx, &update);
	if (r.outcome == STEP_FAILED)
		return r.exit;
	if (!ctx->json)
		printf("checkpoint set to %lld (%s) for subtopic %s\n", (long long)p->epoch, shown,
		       subtopic);
	free(r.result);
	cm_step resume = {.op = "resume",
			  .task = p->task,
			  .extra = "pullBackFlag=true",
			  .idempotent = true,
			  .wanted_state = "RUNNING",
			  .recheck = recheck_resume,
			  .recheck_arg = p};
	r = cm_step_run(ctx, &resume);
	if (r.outcome == STEP_FAILED)
		return r.exit;
	if (!ctx->json)
		printf("resumed with pull back\n");
	free(r.result);
	return CLI_EXIT_OK;
}

int cmd_pullback(cli_context *ctx, cli_args *args)
{
	pullback p = {0};
	char shown[64], subtopic[SUBTOPIC_MAX + 1] = "";
	int status = read_options(args, &p);
	if (status == CLI_EXIT_OK)
		status = read_time(&p, shown, sizeof shown);
	if (status != CLI_EXIT_OK)
		return status;
	if (p.subtopic) {
		if (!*p.subtopic || strlen(p.subtopic) > SUBTOPIC_MAX)
			return cli_usage_error("pullback: --subtopic takes 1 to 256 bytes");
		snprintf(subtopic, sizeof subtopic, "%s", p.subtopic);
	} else if ((status = discover_subtopic(ctx, &p, subtopic, sizeof subtopic)) != 0) {
		return status;
	}
	/* printed on a line of its own, and in --dry-run's comment line */
	for (const char *c = subtopic; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return cli_usage_error("pullback: the subtopic holds a control character");
	/* {"SUB":"SECONDS"} inside {"source":{"checkpoint":...}}: both made by
	 * cJSON, so that any subtopic is escaped right at both levels */
	char seconds[24];
	snprintf(seconds, sizeof seconds, "%lld", (long long)p.epoch);
	cJSON *inner = cJSON_CreateObject();
	cJSON_AddStringToObject(inner, subtopic, seconds);
	char *checkpoint = cJSON_PrintUnformatted(inner);
	cJSON_Delete(inner);
	if (!checkpoint || strlen(checkpoint) >= sizeof p.checkpoint) {
		free(checkpoint);
		return cli_usage_error("pullback: --subtopic is too long");
	}
	snprintf(p.checkpoint, sizeof p.checkpoint, "%s", checkpoint);
	free(checkpoint);
	cJSON *outer = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(outer, "source"), "checkpoint",
				p.checkpoint);
	char *body = cJSON_PrintUnformatted(outer);
	cJSON_Delete(outer);
	if (!body)
		return CLI_EXIT_TRANSPORT;
	if (p.dry_run) {
		printf("# pull back to %lld (%s) for subtopic %s\n", (long long)p.epoch, shown,
		       subtopic);
		print_curl(ctx, "stop", p.task, NULL, NULL);
		print_curl(ctx, "update", p.task, "deleteParams=source.checkpoint", body);
		print_curl(ctx, "resume", p.task, "pullBackFlag=true", NULL);
		status = CLI_EXIT_OK;
	} else {
		status = run_steps(ctx, &p, body, shown, subtopic);
	}
	free(body);
	return status;
}
