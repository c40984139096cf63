/*
 * mock.c — `connectorctl mock ...`: connector-mock's control API (/_mock/,
 * under the --cm prefix, so a namespace's /ns/NAME applies). Plain JSON
 * both ways; with --json every answer is printed as received, otherwise
 * as a line or a table. The admin token, when given, goes as a bearer.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "timeparse.h"
#include "timezone.h"

int cli_mock_call(cli_context *ctx, const char *what, const char *method, const char *path,
		  const char *body, bool quiet, cJSON **root)
{
	*root = NULL;
	cli_http http;
	int status = CLI_EXIT_OK;
	if (cli_http_send(ctx, method, path, body, true, &http) < 0) {
		if (!quiet)
			fprintf(stderr, "connectorctl: %s: no answer from %s: %s\n", what,
				ctx->base, http.error);
		cli_http_free(&http);
		return CLI_EXIT_TRANSPORT;
	}
	cJSON *parsed = cJSON_ParseWithLength(http.body, http.len);
	if (!cJSON_IsObject(parsed)) {
		if (!quiet)
			cli_print_unexpected(what, "the control API's JSON", &http);
		status = CLI_EXIT_NOT_ENVELOPE;
	} else if (http.status < 200 || http.status > 299) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(parsed, "error");
		const cJSON *message = cJSON_GetObjectItemCaseSensitive(parsed, "message");
		if (!quiet)
			fprintf(stderr, "connectorctl: %s: %s: %s (HTTP %ld)\n", what,
				cJSON_IsString(code) ? code->valuestring : "error",
				cJSON_IsString(message) ? message->valuestring : http.body,
				http.status);
		status = CLI_EXIT_REFUSED;
	}
	cli_http_free(&http);
	if (status == CLI_EXIT_OK)
		*root = parsed;
	else
		cJSON_Delete(parsed);
	return status;
}

static const cJSON *member(const cJSON *object, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(object, key);
}

static const char *text_of(const cJSON *object, const char *key, const char *fallback)
{
	const cJSON *item = member(object, key);
	return cJSON_IsString(item) ? item->valuestring : fallback;
}

static long long number_of(const cJSON *object, const char *key)
{
	const cJSON *item = member(object, key);
	return cJSON_IsNumber(item) ? (long long)item->valuedouble : -1;
}

/* "2026-01-01 00:00:00.000" (UTC) of clock milliseconds. */
static void format_ms(long long ms, char *buf, size_t cap)
{
	char whole[CLI_TIME_FORMATTED_MAX];
	if (ms < 0 || cli_time_format(ms / 1000, 0, whole, sizeof whole) < 0) {
		snprintf(buf, cap, "%lld", ms);
		return;
	}
	whole[19] = '\0'; /* drop the " +00:00" */
	snprintf(buf, cap, "%s.%03lld", whole, ms % 1000);
}

int cli_mock_run(cli_context *ctx, const char *what, const char *method, const char *path,
		 const char *body, cJSON **root)
{
	int status = cli_mock_call(ctx, what, method, path, body, false, root);
	if (status == CLI_EXIT_OK && ctx->json) {
		char *text = cJSON_PrintUnformatted(*root);
		if (text)
			printf("%s\n", text);
		free(text);
	}
	return status;
}

/* Appends "&name=escaped" (or "?name=") to `path` of `cap` bytes. */
static void add_query(cli_context *ctx, char *path, size_t cap, const char *name, const char *value)
{
	char *escaped = cli_escape(ctx, value);
	size_t len = strlen(path);
	snprintf(path + len, cap - len, "%c%s=%s", strchr(path, '?') ? '&' : '?', name,
		 escaped ? escaped : "");
	curl_free(escaped);
}

/* cli_walk with the label "mock COMMAND". */
static int walk(cli_args *args, const char *command, const char **positional, int max, int *count,
		bool (*option)(cli_args *args, void *state), void *state)
{
	char label[64];
	snprintf(label, sizeof label, "mock %s", command);
	return cli_walk(args, label, false, positional, max, count, option, state);
}

/* ---- tasks -------------------------------------------------------------- */

typedef struct {
	const char *first, *second;
	const char *first_name, *second_name;
} two_options;

static bool two_option(cli_args *args, void *state)
{
	two_options *o = state;
	if (o->first_name && cli_option(args, o->first_name, true))
		o->first = args->value;
	else if (o->second_name && cli_option(args, o->second_name, true))
		o->second = args->value;
	else
		return false;
	return true;
}

static int mock_tasks(cli_context *ctx, cli_args *args)
{
	two_options o = {.first_name = "--state", .second_name = "--type"};
	const char *none[1];
	int count, status = walk(args, "tasks", none, 0, &count, two_option, &o);
	if (status)
		return status;
	char path[1024] = "/_mock/tasks";
	if (o.first)
		add_query(ctx, path, sizeof path, "state", o.first);
	if (o.second)
		add_query(ctx, path, sizeof path, "type", o.second);
	cJSON *root;
	if ((status = cli_mock_run(ctx, "mock tasks", "GET", path, NULL, &root)) || ctx->json) {
		cJSON_Delete(root);
		return status;
	}
	printf("%-9s %-11s %s\n", "STATE", "TYPE", "TASK");
	const cJSON *task;
	cJSON_ArrayForEach(task, member(root, "tasks"))
	{
		printf("%-9s %-11s %s\n", text_of(task, "state", "?"),
		       text_of(task, "componentType", "?"), text_of(task, "taskName", "?"));
	}
	cJSON_Delete(root);
	return CLI_EXIT_OK;
}

static int mock_task(cli_context *ctx, cli_args *args)
{
	const char *name[1];
	int count, status = walk(args, "task", name, 1, &count, NULL, NULL);
	if (status)
		return status;
	if (count != 1)
		return cli_usage_error("mock task needs a NAME");
	char *escaped = cli_escape(ctx, name[0]);
	char path[2048];
	snprintf(path, sizeof path, "/_mock/tasks/%s", escaped ? escaped : "");
	curl_free(escaped);
	cJSON *root;
	if ((status = cli_mock_run(ctx, "mock task", "GET", path, NULL, &root)) || ctx->json) {
		cJSON_Delete(root);
		return status;
	}
	char *text = cJSON_Print(root);
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(root);
	return CLI_EXIT_OK;
}

/* ---- the journal -------------------------------------------------------- */

typedef struct {
	const char *task, *op, *limit;
} journal_options;

static bool journal_option(cli_args *args, void *state)
{
	journal_options *o = state;
	if (cli_option(args, "--task", true))
		o->task = args->value;
	else if (cli_option(args, "--op", true))
		o->op = args->value;
	else if (cli_option(args, "--limit", true))
		o->limit = args->value;
	else
		return false;
	return true;
}

static void journal_row(const cJSON *entry)
{
	char when[40], states[40], result[72];
	format_ms(number_of(entry, "time"), when, sizeof when);
	snprintf(states, sizeof states, "%s>%s", text_of(entry, "fromState", "-"),
		 text_of(entry, "toState", "-"));
	snprintf(result, sizeof result, "%s",
		 cJSON_IsTrue(member(entry, "isSuccess")) ? "ok" : text_of(entry, "errCode", "?"));
	const char *moved = text_of(entry, "newTaskName", NULL);
	printf("%-6lld %-23s %-7s %-21s %-17s %-9s %s%s%s\n", number_of(entry, "id"), when,
	       text_of(entry, "op", "?"), result, states, text_of(entry, "injected", "-"),
	       text_of(entry, "taskName", "-"), moved ? " -> " : "", moved ? moved : "");
}

static int mock_journal(cli_context *ctx, cli_args *args)
{
	journal_options o = {0};
	const char *none[1];
	int count, status = walk(args, "journal", none, 0, &count, journal_option, &o);
	if (status)
		return status;
	long long limit;
	if (o.limit && cli_parse_long(o.limit, 1, 100000, &limit) < 0)
		return cli_usage_error("mock journal: --limit takes 1 to 100000, not '%.40s'",
				       o.limit);
	char path[4096] = "/_mock/journal";
	if (o.task)
		add_query(ctx, path, sizeof path, "taskName", o.task);
	if (o.op)
		add_query(ctx, path, sizeof path, "op", o.op);
	if (o.limit)
		add_query(ctx, path, sizeof path, "limit", o.limit);
	cJSON *root;
	if ((status = cli_mock_run(ctx, "mock journal", "GET", path, NULL, &root)) || ctx->json) {
		cJSON_Delete(root);
		return status;
	}
	printf("%-6s %-23s %-7s %-21s %-17s %-9s %s\n", "ID", "TIME (UTC)", "OP", "RESULT",
	       "STATES", "INJECTED", "TASK");
	const cJSON *entry;
	cJSON_ArrayForEach(entry, member(root, "entries")) { journal_row(entry); }
	cJSON_Delete(root);
	return CLI_EXIT_OK;
}

/* ---- the clock ---------------------------------------------------------- */

typedef struct {
	bool freeze, unfreeze;
	const char *advance, *set, *tz;
} clock_options;

static bool clock_option(cli_args *args, void *state)
{
	clock_options *o = state;
	if (cli_option(args, "--freeze", false))
		o->freeze = true;
	else if (cli_option(args, "--unfreeze", false))
		o->unfreeze = true;
	else if (cli_option(args, "--advance", true))
		o->advance = args->value;
	else if (cli_option(args, "--set", true))
		o->set = args->value;
	else if (cli_option(args, "--tz", true))
		o->tz = args->value;
	else
		return false;
	return true;
}

/* DUR: a whole number and ms, s, m, h or d, at most 2^53 ms. */
static int parse_duration(const char *text, long long *ms)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	size_t digits = strspn(text, "0123456789");
	if (digits == 0 || digits > 16)
		return -1;
	long long n = 0;
	for (size_t i = 0; i < digits; i++)
		n = n * 10 + (text[i] - '0');
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (strcmp(text + digits, units[i].unit) == 0) {
			if (n > (1LL << 53) / units[i].ms)
				return -1;
			*ms = n * units[i].ms;
			return 0;
		}
	return -1;
}

static int clock_body(const clock_options *o, cJSON *body)
{
	char why[512];
	if (o->freeze && o->unfreeze)
		return cli_usage_error("mock clock: --freeze and --unfreeze exclude each other");
	if (o->tz && cli_zone_check(o->tz, why, sizeof why) < 0)
		return cli_usage_error("mock clock: --tz: %s", why);
	if (o->set) {
		cli_time time;
		int64_t epoch;
		int offset;
		if (cli_time_parse(o->set, strlen(o->set), &time, why, sizeof why) < 0 ||
		    cli_zone_resolve(&time, o->tz, &epoch, &offset, why, sizeof why) < 0)
			return cli_usage_error("mock clock: --set '%.80s': %s", o->set, why);
		cJSON_AddNumberToObject(body, "set", (double)epoch * 1000);
	}
	if (o->advance) {
		long long ms;
		if (parse_duration(o->advance, &ms) < 0)
			return cli_usage_error(
				"mock clock: --advance takes a whole number and ms, s, "
				"m, h or d (e.g. 8d), not '%.40s'",
				o->advance);
		cJSON_AddNumberToObject(body, "advanceMs", (double)ms);
	}
	if (o->freeze || o->unfreeze)
		cJSON_AddBoolToObject(body, "freeze", o->freeze);
	return CLI_EXIT_OK;
}

static int mock_clock(cli_context *ctx, cli_args *args)
{
	clock_options o = {0};
	const char *none[1];
	int count, status = walk(args, "clock", none, 0, &count, clock_option, &o);
	if (status)
		return status;
	cJSON *body = cJSON_CreateObject();
	if ((status = clock_body(&o, body)) != CLI_EXIT_OK) {
		cJSON_Delete(body);
		return status;
	}
	char *text = body->child ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	cJSON *root;
	status =
		cli_mock_run(ctx, "mock clock", text ? "POST" : "GET", "/_mock/clock", text, &root);
	free(text);
	if (status == CLI_EXIT_OK && !ctx->json) {
		char when[40];
		long long now = number_of(root, "now");
		format_ms(now, when, sizeof when);
		printf("now %s UTC (%lld ms), %s\n", when, now,
		       cJSON_IsTrue(member(root, "frozen")) ? "frozen" : "running");
	}
	cJSON_Delete(root);
	return status;
}

/* ---- snapshots, reset, namespaces ---------------------------------------- */

static void print_named_list(const cJSON *list, bool namespaces)
{
	printf("%-24s %-23s %s\n", "NAME", "CREATED (UTC)",
	       namespaces ? "TASKS SNAPSHOTS" : "TASKS");
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		char when[40];
		format_ms(number_of(item, "createdAt"), when, sizeof when);
		printf("%-24s %-23s %-5lld", text_of(item, "name", "?"), when,
		       number_of(item, "tasks"));
		if (namespaces)
			printf(" %lld", number_of(item, "snapshots"));
		putchar('\n');
	}
}

static int mock_snapshot(cli_context *ctx, cli_args *args)
{
	const char *words[2];
	int count, status = walk(args, "snapshot", words, 2, &count, NULL, NULL);
	if (status)
		return status;
	const char *verb = count ? words[0] : "";
	bool list = strcmp(verb, "list") == 0;
	if (!list && strcmp(verb, "save") && strcmp(verb, "restore") && strcmp(verb, "delete"))
		return cli_usage_error("mock snapshot takes save NAME, restore NAME, delete NAME "
				       "or list");
	if (count != (list ? 1 : 2))
		return cli_usage_error(list ? "mock snapshot list takes no NAME"
					    : "mock snapshot %s needs a NAME",
				       verb);
	char path[1024], *body = NULL;
	char *escaped = list ? NULL : cli_escape(ctx, words[1]);
	const char *method = "GET";
	if (strcmp(verb, "save") == 0) {
		cJSON *object = cJSON_CreateObject();
		cJSON_AddStringToObject(object, "name", words[1]);
		body = cJSON_PrintUnformatted(object);
		cJSON_Delete(object);
		method = "POST";
		snprintf(path, sizeof path, "/_mock/snapshots");
	} else if (strcmp(verb, "restore") == 0) {
		method = "POST";
		snprintf(path, sizeof path, "/_mock/snapshots/%s/restore", escaped ? escaped : "");
	} else if (strcmp(verb, "delete") == 0) {
		method = "DELETE";
		snprintf(path, sizeof path, "/_mock/snapshots/%s", escaped ? escaped : "");
	} else {
		snprintf(path, sizeof path, "/_mock/snapshots");
	}
	curl_free(escaped);
	cJSON *root;
	status = cli_mock_run(ctx, "mock snapshot", method, path, body, &root);
	free(body);
	if (status == CLI_EXIT_OK && !ctx->json) {
		if (list)
			print_named_list(member(root, "snapshots"), false);
		else
			printf("%s snapshot %s\n",
			       strcmp(verb, "save") == 0     ? "saved"
			       : strcmp(verb, "delete") == 0 ? "deleted"
							     : "restored",
			       words[1]);
	}
	cJSON_Delete(root);
	return status;
}

static int mock_reset(cli_context *ctx, cli_args *args)
{
	const char *none[1];
	int count, status = walk(args, "reset", none, 0, &count, NULL, NULL);
	if (status)
		return status;
	cJSON *root;
	status = cli_mock_run(ctx, "mock reset", "POST", "/_mock/reset", NULL, &root);
	if (status == CLI_EXIT_OK && !ctx->json)
		printf("reset namespace %s to the fixtures: %lld tasks\n",
		       text_of(root, "namespace", "?"), number_of(root, "tasks"));
	cJSON_Delete(root);
	return status;
}

static int mock_ns(cli_context *ctx, cli_args *args)
{
	const char *words[2];
	int count, status = walk(args, "ns", words, 2, &count, NULL, NULL);
	if (status)
		return status;
	bool list = count == 1 && strcmp(words[0], "list") == 0;
	bool remove = count == 2 && strcmp(words[0], "delete") == 0;
	if (!list && !remove)
		return cli_usage_error("mock ns takes list, or delete NAME");
	char path[1024];
	char *escaped = remove ? cli_escape(ctx, words[1]) : NULL;
	snprintf(path, sizeof path, "/_mock/namespaces%s%s", remove ? "/" : "",
		 escaped ? escaped : "");
	curl_free(escaped);
	cJSON *root;
	status = cli_mock_run(ctx, "mock ns", remove ? "DELETE" : "GET", path, NULL, &root);
	if (status == CLI_EXIT_OK && !ctx->json) {
		if (list)
			print_named_list(member(root, "namespaces"), true);
		else
			printf("deleted namespace %s\n", words[1]);
	}
	cJSON_Delete(root);
	return status;
}

int cmd_mock(cli_context *ctx, cli_args *args)
{
	static const struct {
		const char *name;
		int (*run)(cli_context *ctx, cli_args *args);
	} subcommands[] = {{"tasks", mock_tasks},     {"task", mock_task},
			   {"journal", mock_journal}, {"fault", cli_mock_fault},
			   {"clock", mock_clock},     {"snapshot", mock_snapshot},
			   {"reset", mock_reset},     {"ns", mock_ns}};
	if (args->i >= args->argc)
		return cli_usage_error("mock needs a command: tasks, task, journal, fault, clock, "
				       "snapshot, reset or ns");
	const char *name = args->argv[args->i++];
	for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
		if (strcmp(name, subcommands[i].name) == 0)
			return subcommands[i].run(ctx, args);
	return cli_usage_error("unknown mock command '%.100s': tasks, task, journal, fault, clock, "
			       "snapshot, reset or ns",
			       name);
}
