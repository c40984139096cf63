/*
 * mock_fault.c — `connectorctl mock fault add|list|clear`: POST, GET and
 * DELETE /_mock/faults. The flags make the JSON body (--spec gives it
 * whole); connector-mock checks the ranges and names the field it refuses.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The flags of `fault add`, each mapped to a JSON field of the fault
 * (`action` false) or of its action. */
typedef enum { FIELD_STRING, FIELD_INTEGER, FIELD_NUMBER, FIELD_TRUE } field_kind;

static const struct {
	const char *flag, *field;
	field_kind kind;
	bool action;
} fault_flags[] = {
	{"--op", "op", FIELD_STRING, false},
	{"--task", "taskName", FIELD_STRING, false},
	{"--after", "after", FIELD_INTEGER, false},
	{"--times", "times", FIELD_INTEGER, false},
	{"--probability", "probability", FIELD_NUMBER, false},
	{"--seed", "seed", FIELD_INTEGER, false},
	{"--ttl-ms", "ttlMs", FIELD_INTEGER, false},
	{"--type", "type", FIELD_STRING, true},
	{"--then", "then", FIELD_STRING, true},
	{"--err-code", "errCode", FIELD_STRING, true},
	{"--err-msg", "errMsg", FIELD_STRING, true},
	{"--retryable", "retryable", FIELD_TRUE, true},
	{"--http-status", "httpStatus", FIELD_INTEGER, true},
	{"--body", "body", FIELD_STRING, true},
	{"--ms", "ms", FIELD_INTEGER, true},
};

enum { FAULT_FLAGS = sizeof fault_flags / sizeof *fault_flags };

/* Adds one flag's value; CLI_EXIT_USAGE after a message. */
static int add_field(cJSON *fault, cJSON *action, size_t flag, const char *value)
{
	cJSON *into = fault_flags[flag].action ? action : fault;
	const char *field = fault_flags[flag].field;
	if (cJSON_GetObjectItemCaseSensitive(into, field))
		return cli_usage_error("mock fault add: %s given twice", fault_flags[flag].flag);
	long long whole;
	char *end = NULL;
	switch (fault_flags[flag].kind) {
	case FIELD_STRING:
		cJSON_AddStringToObject(into, field, value);
		break;
	case FIELD_INTEGER:
		if (cli_parse_long(value, -1, (1LL << 53) - 1, &whole) < 0)
			return cli_usage_error("mock fault add: %s takes a whole number, not "
					       "'%.40s'",
					       fault_flags[flag].flag, value);
		cJSON_AddNumberToObject(into, field, (double)whole);
		break;
	case FIELD_NUMBER: {
		double number = strtod(value, &end);
		if (!*value || *end || !(number >= 0 && number <= 1))
			return cli_usage_error("mock fault add: %s takes a number from 0 to 1, "
					       "not '%.40s'",
					       fault_flags[flag].flag, value);
		cJSON_AddNumberToObject(into, field, number);
		break;
	}
	case FIELD_TRUE:
		cJSON_AddTrueToObject(into, field);
		break;
	}
	return CLI_EXIT_OK;
}

/* The fault's JSON text from the flags (or --spec); NULL after a usage
 * error has been printed. */
static char *fault_spec(cli_args *args)
{
	cJSON *fault = cJSON_CreateObject();
	cJSON *action = cJSON_CreateObject();
	const char *spec = NULL;
	bool any = false, failed = false;
	for (; !failed && args->i < args->argc; args->i++) {
		size_t flag = FAULT_FLAGS;
		for (size_t f = 0; f < FAULT_FLAGS && flag == FAULT_FLAGS; f++)
			if (cli_option(args, fault_flags[f].flag,
				       fault_flags[f].kind != FIELD_TRUE))
				flag = f;
		if (args->failed)
			failed = true;
		else if (flag < FAULT_FLAGS) {
			any = true;
			failed = add_field(fault, action, flag, args->value) != CLI_EXIT_OK;
		} else if (cli_option(args, "--spec", true))
			spec = args->value, failed = args->failed;
		else
			failed = cli_usage_error("mock fault add: unknown argument '%.100s'",
						 args->argv[args->i]) != 0;
	}
	char *text = NULL;
	if (!failed && spec && any)
		cli_usage_error("mock fault add: --spec gives the whole fault; leave out the other "
				"flags");
	else if (!failed && spec) {
		cJSON *parsed = cJSON_Parse(spec);
		if (cJSON_IsObject(parsed))
			text = strdup(spec);
		else
			cli_usage_error("mock fault add: --spec is not a JSON object");
		cJSON_Delete(parsed);
	} else if (!failed && !cJSON_GetObjectItemCaseSensitive(action, "type"))
		cli_usage_error("mock fault add needs --type error|status|delay|drop|hang|lost_ack "
				"(or --spec JSON)");
	else if (!failed) {
		if (!cJSON_GetObjectItemCaseSensitive(fault, "op"))
			cJSON_AddStringToObject(fault, "op", "*");
		cJSON_AddItemToObject(fault, "action", action);
		action = NULL;
		text = cJSON_PrintUnformatted(fault);
	}
	cJSON_Delete(action);
	cJSON_Delete(fault);
	return text;
}

static int fault_add(cli_context *ctx, cli_args *args)
{
	char *spec = fault_spec(args);
	if (!spec)
		return CLI_EXIT_USAGE;
	cJSON *root;
	int status = cli_mock_run(ctx, "mock fault add", "POST", "/_mock/faults", spec, &root);
	free(spec);
	if (status == CLI_EXIT_OK && !ctx->json) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
		printf("added fault %lld\n", cJSON_IsNumber(id) ? (long long)id->valuedouble : -1);
	}
	cJSON_Delete(root);
	return status;
}

static void describe_action(const cJSON *action, char *buf, size_t cap)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(action, "type");
	const char *name = cJSON_IsString(type) ? type->valuestring : "?";
	const cJSON *then = cJSON_GetObjectItemCaseSensitive(action, "then");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(action, "errCode");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(action, "httpStatus");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(action, "ms");
	int n = snprintf(buf, cap, "%s", name);
	if (cJSON_IsString(then) && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " then %s", then->valuestring);
	if (cJSON_IsString(code) && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " %s%s", code->valuestring,
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(action, "retryable"))
				      ? " retryable"
				      : "");
	else if (cJSON_IsNumber(status) && n >= 0 && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " %d", status->valueint);
	if (cJSON_IsNumber(ms) && n >= 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " %lldms", (long long)ms->valuedouble);
}

static long long number(const cJSON *object, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
	return cJSON_IsNumber(item) ? (long long)item->valuedouble : 0;
}

static int fault_list(cli_context *ctx)
{
	cJSON *root;
	int status = cli_mock_run(ctx, "mock fault list", "GET", "/_mock/faults", NULL, &root);
	if (status || ctx->json) {
		cJSON_Delete(root);
		return status;
	}
	printf("%-4s %-8s %-11s %-7s %-8s %-8s %-36s %s\n", "ID", "OP", "PROBABILITY", "TIMES",
	       "MATCHES", "HITS", "ACTION", "TASK");
	const cJSON *fault;
	cJSON_ArrayForEach(fault, cJSON_GetObjectItemCaseSensitive(root, "faults"))
	{
		char action[160];
		describe_action(cJSON_GetObjectItemCaseSensitive(fault, "action"), action,
				sizeof action);
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(fault, "op");
		const cJSON *task = cJSON_GetObjectItemCaseSensitive(fault, "taskName");
		const cJSON *probability = cJSON_GetObjectItemCaseSensitive(fault, "probability");
		printf("%-4lld %-8s %-11g %-7lld %-8lld %-8lld %-36s %s\n", number(fault, "id"),
		       cJSON_IsString(op) ? op->valuestring : "?",
		       cJSON_IsNumber(probability) ? probability->valuedouble : 1.0,
		       number(fault, "times"), number(fault, "matches"), number(fault, "hits"),
		       action, cJSON_IsString(task) ? task->valuestring : "*");
	}
	cJSON_Delete(root);
	return CLI_EXIT_OK;
}

static int fault_clear(cli_context *ctx, cli_args *args)
{
	const char *id = NULL;
	for (; args->i < args->argc; args->i++) {
		if (id)
			return cli_usage_error("mock fault clear takes at most one ID");
		id = args->argv[args->i];
	}
	long long n;
	if (id && cli_parse_long(id, 1, (1LL << 53) - 1, &n) < 0)
		return cli_usage_error("mock fault clear: '%.40s' is not a fault id", id);
	char path[64];
	snprintf(path, sizeof path, "/_mock/faults%s%s", id ? "/" : "", id ? id : "");
	cJSON *root;
	int status = cli_mock_run(ctx, "mock fault clear", "DELETE", path, NULL, &root);
	if (status == CLI_EXIT_OK && !ctx->json) {
		if (id)
			printf("removed fault %s\n", id);
		else
			printf("removed every fault\n");
	}
	cJSON_Delete(root);
	return status;
}

int cli_mock_fault(cli_context *ctx, cli_args *args)
{
	const char *verb = args->i < args->argc ? args->argv[args->i++] : "";
	if (strcmp(verb, "add") == 0)
		return fault_add(ctx, args);
	if (strcmp(verb, "list") == 0) {
		if (args->i < args->argc)
			return cli_usage_error("mock fault list takes no argument");
		return fault_list(ctx);
	}
	if (strcmp(verb, "clear") == 0)
		return fault_clear(ctx, args);
	return cli_usage_error("mock fault takes add, list or clear");
}
