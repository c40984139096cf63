/*
 * ops.c — resume, stop, delete, migrate and update: one OMS request each
 * (retried as cm_step_run allows), one line of output.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/taskname.h"
#include "cli.h"
#include "setspec.h"

/* Reads `TASK [options]`: the one positional argument must be a taskName.
 * `option` handles the command's own options (NULL: none); it returns
 * false when argv[i] is not one of them. */
static int read_task(cli_args *args, const char *command, const char **task,
		     bool (*option)(cli_args *args, void *state), void *state)
{
	*task = NULL;
	int count;
	int status = cli_walk(args, command, true, task, 1, &count, option, state);
	if (status != CLI_EXIT_OK)
		return status;
	if (!*task)
		return cli_usage_error("%s needs a TASK", command);
	return cli_check_task(*task) < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* Prints "BEFORE RESULT AFTER" for a step that did not fail. */
static int print_result(cli_context *ctx, step_result r, const char *before, const char *after)
{
	if (r.outcome != STEP_FAILED && !ctx->json)
		printf("%s%s%s\n", before, r.result, after);
	free(r.result);
	return r.exit;
}

typedef struct {
	bool pull_back, restart;
} resume_flags;

static bool resume_option(cli_args *args, void *state)
{
	resume_flags *flags = state;
	if (cli_option(args, "--pull-back", false))
		flags->pull_back = true;
	else if (cli_option(args, "--restart", false))
		flags->restart = true;
	else
		return false;
	return true;
}

int cmd_resume(cli_context *ctx, cli_args *args)
{
	const char *task;
	resume_flags flags = {0};
	int status = read_task(args, "resume", &task, resume_option, &flags);
	if (status)
		return status;
	if (flags.pull_back && flags.restart)
		return cli_usage_error("resume: --pull-back and --restart exclude each other");
	cm_step step = {.op = "resume",
			.task = task,
			.extra = flags.pull_back ? "pullBackFlag=true"
				 : flags.restart ? "restartFlag=true"
						 : NULL,
			.idempotent = true,
			.wanted_state = "RUNNING"};
	return print_result(ctx, cm_step_run(ctx, &step), "resumed ",
			    flags.pull_back ? " with pull back"
			    : flags.restart ? " with restart"
					    : "");
}

int cmd_stop(cli_context *ctx, cli_args *args)
{
	const char *task;
	int status = read_task(args, "stop", &task, NULL, NULL);
	if (status)
		return status;
	cm_step step = {.op = "stop", .task = task, .idempotent = true, .wanted_state = "STOPPED"};
	return print_result(ctx, cm_step_run(ctx, &step), "stopped ", "");
}

int cmd_delete(cli_context *ctx, cli_args *args)
{
	const char *task;
	int status = read_task(args, "delete", &task, NULL, NULL);
	if (status)
		return status;
	cm_step step = {.op = "delete", .task = task, .idempotent = true, .gone_is_done = true};
	return print_result(ctx, cm_step_run(ctx, &step), "deleted ", "");
}

static bool migrate_option(cli_args *args, void *state)
{
	if (!cli_option(args, "--ip", true))
		return false;
	*(const char **)state = args->value;
	return true;
}

int cmd_migrate(cli_context *ctx, cli_args *args)
{
	const char *task, *ip = NULL;
	int status = read_task(args, "migrate", &task, migrate_option, &ip);
	if (status)
		return status;
	char *extra = NULL;
	if (ip) {
		const char *why = NULL;
		if (taskname_check_host(ip, strlen(ip), &why) < 0)
			return cli_usage_error("migrate: --ip '%.260s' is not an IPv4 address or "
					       "host name: %s",
					       ip, why);
		char *escaped = cli_escape(ctx, ip);
		size_t cap = (escaped ? strlen(escaped) : 0) + 8;
		extra = escaped ? malloc(cap) : NULL;
		if (extra)
			snprintf(extra, cap, "ip=%s", escaped);
		curl_free(escaped);
		if (!extra)
			return CLI_EXIT_TRANSPORT;
	}
	/* a lost answer is not re-sent: a second migrate would move the task
	 * again (a retryable:true answer is, and a migratedTo tells the
	 * outcome of an earlier attempt) */
	cm_step step = {.op = "migrate", .task = task, .extra = extra, .idempotent = false};
	status = print_result(ctx, cm_step_run(ctx, &step), "", "");
	free(extra);
	return status;
}

typedef struct {
	const char *body_file;
	cli_set *sets, *deletes;
	size_t set_count, delete_count;
	bool failed;
} update_options;

static bool update_option(cli_args *args, void *state)
{
	update_options *u = state;
	bool is_set = cli_option(args, "--set", true);
	bool is_delete = !is_set && cli_option(args, "--delete", true);
	char why[512];
	if (is_set || is_delete) {
		if (args->failed)
			return true;
		size_t *count = is_set ? &u->set_count : &u->delete_count;
		cli_set *into = is_set ? u->sets : u->deletes;
		if (*count >= CLI_SET_ENTRIES_MAX) {
			cli_usage_error("update: more than 1024 --%s options",
					is_set ? "set" : "delete");
			args->failed = true;
		} else if ((is_set ? cli_set_parse
				   : cli_delete_parse)(args->value, strlen(args->value),
						       &into[*count], why, sizeof why) < 0) {
			cli_usage_error("update: %s", why);
			args->failed = true;
		} else
			(*count)++;
		return true;
	}
	if (!cli_option(args, "--body", true))
		return false;
	u->body_file = args->value;
	return true;
}

/* The update body: --body's JSON object (or {}), with every --set added.
 * NULL after a usage error has been printed. */
static char *update_body(const update_options *u)
{
	cJSON *body = NULL;
	char why[512];
	if (u->body_file) {
		FILE *file = strcmp(u->body_file, "-") == 0 ? stdin : fopen(u->body_file, "rb");
		if (!file) {
			cli_usage_error("update: cannot read --body '%.300s'", u->body_file);
			return NULL;
		}
		enum { BODY_MAX = 1 << 20 };
		char *text = malloc(BODY_MAX + 1);
		size_t n = text ? fread(text, 1, BODY_MAX + 1, file) : 0;
		if (file != stdin)
			fclose(file);
		if (!text || n > BODY_MAX) {
			free(text);
			cli_usage_error("update: --body is larger than 1 MiB");
			return NULL;
		}
		body = cJSON_ParseWithLength(text, n);
		free(text);
		if (!cJSON_IsObject(body)) {
			cJSON_Delete(body);
			cli_usage_error("update: --body is not a JSON object "
					"({\"scope\":{\"key\":\"value\"}})");
			return NULL;
		}
	} else {
		body = cJSON_CreateObject();
	}
	if (cli_set_apply(body, u->sets, u->set_count, why, sizeof why) < 0) {
		cJSON_Delete(body);
		cli_usage_error("update: %s", why);
		return NULL;
	}
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return text;
}

/* deleteParams=a.b,c.d, escaped. */
static char *delete_params(cli_context *ctx, const update_options *u)
{
	size_t cap = 16;
	for (size_t i = 0; i < u->delete_count; i++)
		cap += u->deletes[i].scope_len + u->deletes[i].key_len + 2;
	char *list = malloc(cap);
	if (!list)
		return NULL;
	size_t len = 0;
	for (size_t i = 0; i < u->delete_count; i++)
		len += (size_t)snprintf(list + len, cap - len, "%s%.*s.%.*s", i ? "," : "",
					(int)u->deletes[i].scope_len, u->deletes[i].scope,
					(int)u->deletes[i].key_len, u->deletes[i].key);
	char *escaped = cli_escape(ctx, list);
	free(list);
	if (!escaped)
		return NULL;
	char *extra = malloc(strlen(escaped) + 16);
	if (extra)
		sprintf(extra, "deleteParams=%s", escaped);
	curl_free(escaped);
	return extra;
}

int cmd_update(cli_context *ctx, cli_args *args)
{
	update_options u = {.sets = calloc(CLI_SET_ENTRIES_MAX, sizeof(cli_set)),
			    .deletes = calloc(CLI_SET_ENTRIES_MAX, sizeof(cli_set))};
	const char *task;
	char *body = NULL, *extra = NULL;
	int status = CLI_EXIT_TRANSPORT;
	if (u.sets && u.deletes)
		status = read_task(args, "update", &task, update_option, &u);
	if (status == CLI_EXIT_OK) {
		body = update_body(&u);
		status = body ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if (status == CLI_EXIT_OK && u.delete_count && !(extra = delete_params(ctx, &u)))
		status = CLI_EXIT_TRANSPORT;
	if (status == CLI_EXIT_OK) {
		cm_step step = {.op = "update",
				.task = task,
				.extra = extra,
				.body = body,
				.idempotent = true};
		status = print_result(ctx, cm_step_run(ctx, &step), "updated ", "");
	}
	free(body);
	free(extra);
	free(u.sets);
	free(u.deletes);
	return status;
}
