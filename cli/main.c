/*
 * main.c — connectorctl: the OMS connector operations from the command
 * line, against a CM or connector-mock. Global options may come anywhere;
 * the command's own options follow its name. Nothing is sent before every
 * argument has been checked.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../store/taskname.h"
#include "cli.h"

static const char help[] =
	"usage: connectorctl [--cm URL] [--json] [--timeout S] [--retries N] [--token T]\n"
	"                    COMMAND [ARGS]\n"
	"\n"
	"OMS connector operations (the six documented requests of the OMS CM):\n"
	"  resume TASK [--pull-back] [--restart]\n"
	"  stop TASK\n"
	"  delete TASK\n"
	"  migrate TASK [--ip ADDR]           prints the new taskName\n"
	"  update TASK [--delete scope.key]... [--set scope.key=value]... [--body FILE|-]\n"
	"  pullback TASK --to TIME [--tz ZONE] [--subtopic NAME] [--dry-run]\n"
	"                                     stop, update source.checkpoint, resume with\n"
	"                                     pullBackFlag=true; --dry-run prints the three\n"
	"                                     requests as curl commands instead\n"
	"connector-mock's control API:\n"
	"  mock tasks [--state S] [--type T]  mock task NAME\n"
	"  mock journal [--task T] [--op OP] [--limit N]\n"
	"  mock fault add --type TYPE [--op OP] [--task T] [--after N] [--times N]\n"
	"                 [--probability P] [--seed N] [--ttl-ms N] [--then drop|error|status]\n"
	"                 [--err-code C] [--err-msg M] [--retryable] [--http-status N]\n"
	"                 [--body TEXT] [--ms N]      (or --spec JSON)\n"
	"  mock fault list                    mock fault clear [ID]\n"
	"  mock clock [--freeze|--unfreeze] [--advance DUR] [--set TIME] [--tz ZONE]\n"
	"  mock snapshot save|restore|delete NAME    mock snapshot list\n"
	"  mock reset                         mock ns list    mock ns delete NAME\n"
	"\n"
	"Options:\n"
	"  --cm URL       the CM: $CONNECTOR_CM, else http://127.0.0.1:8088; a path\n"
	"                 prefix works (http://127.0.0.1:8088/ns/test-42)\n"
	"  --json         print every answer as received, one per line\n"
	"  --timeout S    seconds per request (default 30)\n"
	"  --retries N    retries of retryable:true answers and, for steps that are safe\n"
	"                 to send again, of lost answers; exponential backoff with jitter\n"
	"                 (default 3, at most 20)\n"
	"  --token T      the control API's admin token (default $CONNECTOR_MOCK_TOKEN)\n"
	"\n"
	"TASK is HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ. TIME is\n"
	"'YYYY-MM-DD HH:MM:SS' (in --tz, default the local zone), ISO 8601 with an\n"
	"offset ('2023-02-13T19:00:00+08:00'), or unix seconds. ZONE is an IANA name\n"
	"(Asia/Shanghai). DUR is a number with ms, s, m, h or d.\n"
	"\n"
	"Output: one line per step on stdout (stopped TASK; checkpoint set to SECONDS\n"
	"(TIME) for subtopic NAME; resumed with pull back; ...); errors on stderr with\n"
	"errCode, errMsg and the proposal.\n"
	"\n"
	"Exit status: 0 success; 1 the CM refused (a business error); 2 usage error,\n"
	"nothing sent; 3 transport failure or timeout; 4 an answer that is not the\n"
	"OMS envelope (or not the control API's JSON).\n";

int cli_usage_error(const char *format, ...)
{
	va_list list;
	va_start(list, format);
	fputs("connectorctl: ", stderr);
	vfprintf(stderr, format, list);
	fputs("\nTry 'connectorctl --help'.\n", stderr);
	va_end(list);
	return CLI_EXIT_USAGE;
}

bool cli_option(cli_args *args, const char *name, bool takes_value)
{
	const char *arg = args->argv[args->i];
	size_t len = strlen(name);
	if (strncmp(arg, name, len) != 0)
		return false;
	if (arg[len] == '\0') {
		if (!takes_value)
			return true;
		if (args->i + 1 >= args->argc) {
			cli_usage_error("%s needs a value", name);
			args->failed = true;
			return true;
		}
		args->value = args->argv[++args->i];
		return true;
	}
	if (arg[len] != '=')
		return false;
	if (!takes_value) {
		cli_usage_error("%s takes no value", name);
		args->failed = true;
		return true;
	}
	args->value = arg + len + 1;
	return true;
}

int cli_walk(cli_args *args, const char *label, bool task, const char **positional, int max,
	     int *count, bool (*option)(cli_args *args, void *state), void *state)
{
	*count = 0;
	for (; args->i < args->argc; args->i++) {
		const char *arg = args->argv[args->i];
		if (option && option(args, state)) {
			if (args->failed)
				return CLI_EXIT_USAGE;
			continue;
		}
		if (arg[0] == '-' && arg[1] != '\0')
			return cli_usage_error("%s: unknown option '%.100s'", label, arg);
		if (*count >= max)
			return task ? cli_usage_error("%s takes one TASK; '%.100s' is one too many",
						      label, arg)
				    : cli_usage_error("%s: unexpected argument '%.100s'", label,
						      arg);
		positional[(*count)++] = arg;
	}
	return CLI_EXIT_OK;
}

int cli_check_task(const char *task)
{
	taskname parsed;
	const char *why = NULL;
	if (taskname_parse(task, strlen(task), &parsed, &why) == 0)
		return 0;
	cli_usage_error("'%.600s' is not a taskName: %s\n"
			"A taskName is HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ, e.g.\n"
			"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:0000000001",
			task, why ? why : "it does not parse");
	return -1;
}

int cli_parse_long(const char *text, long long min, long long max, long long *out)
{
	if (!text || !*text || strlen(text) > 20)
		return -1;
	const char *p = text;
	bool negative = *p == '-';
	if (negative)
		p++;
	if (!*p)
		return -1;
	long long value = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || value > (LLONG_MAX - 9) / 10)
			return -1;
		value = value * 10 + (*p - '0');
	}
	if (negative)
		value = -value;
	if (value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

/* Options of every command that take a value: the global scan skips
 * their values, so that `--set x.y=--json` stays the --set's. */
static bool command_option_takes_value(const char *arg)
{
	static const char *const names[] = {
		"--ip",	      "--delete",  "--set",	    "--body", "--to",	  "--tz",
		"--subtopic", "--state",   "--type",	    "--task", "--op",	  "--limit",
		"--after",    "--times",   "--probability", "--seed", "--ttl-ms", "--then",
		"--err-code", "--err-msg", "--http-status", "--ms",   "--spec",	  "--advance"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(arg, names[i]) == 0)
			return true;
	return false;
}

typedef struct {
	const char *cm, *timeout, *retries, *token;
	bool json, help;
} global_options;

/* Takes the global options out of argv (into `g`); the rest stays in
 * order in `rest`. Returns 0, or CLI_EXIT_USAGE after a message. */
static int take_globals(int argc, char **argv, global_options *g, char **rest, int *rest_count)
{
	cli_args args = {.argc = argc, .argv = argv};
	*rest_count = 0;
	for (args.i = 1; args.i < argc; args.i++) {
		const char *arg = argv[args.i];
		if (cli_option(&args, "--cm", true))
			g->cm = args.value;
		else if (cli_option(&args, "--timeout", true))
			g->timeout = args.value;
		else if (cli_option(&args, "--retries", true))
			g->retries = args.value;
		else if (cli_option(&args, "--token", true))
			g->token = args.value;
		else if (cli_option(&args, "--json", false))
			g->json = true;
		else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			g->help = true;
		else {
			rest[(*rest_count)++] = argv[args.i];
			if (command_option_takes_value(arg) && args.i + 1 < argc)
				rest[(*rest_count)++] = argv[++args.i];
			continue;
		}
		if (args.failed)
			return CLI_EXIT_USAGE;
	}
	rest[*rest_count] = NULL;
	return 0;
}

static int setup(cli_context *ctx, const global_options *g)
{
	const char *cm = g->cm ? g->cm : getenv("CONNECTOR_CM");
	if (!cm || !*cm)
		cm = "http://127.0.0.1:8088";
	char why[2400];
	if (cli_base_set(ctx, cm, why, sizeof why) < 0)
		return cli_usage_error("%s", why);
	long long n;
	ctx->timeout_ms = 30000;
	if (g->timeout) {
		char *end = NULL;
		double seconds = strtod(g->timeout, &end);
		if (!*g->timeout || *end || !(seconds > 0) || seconds > 3600)
			return cli_usage_error("--timeout takes seconds, more than 0 and at most "
					       "3600 (e.g. 2.5), not '%s'",
					       g->timeout);
		ctx->timeout_ms = (long)(seconds * 1000 + 0.5);
		if (ctx->timeout_ms < 1)
			ctx->timeout_ms = 1;
	}
	ctx->retries = 3;
	if (g->retries) {
		if (cli_parse_long(g->retries, 0, CLI_RETRIES_MAX, &n) < 0)
			return cli_usage_error("--retries takes a whole number from 0 to 20, not "
					       "'%s'",
					       g->retries);
		ctx->retries = (int)n;
	}
	ctx->json = g->json;
	ctx->token = g->token ? g->token : getenv("CONNECTOR_MOCK_TOKEN");
	if (ctx->token && !*ctx->token)
		ctx->token = NULL;
	if (ctx->token && (strpbrk(ctx->token, "\r\n") || strlen(ctx->token) > 900))
		return cli_usage_error("the admin token holds a line break or is longer than 900 "
				       "bytes");
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	ctx->jitter = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20) ^ (uint64_t)getpid();
	return 0;
}

typedef struct {
	const char *name;
	int (*run)(cli_context *ctx, cli_args *args);
} command;

static const command commands[] = {
	{"resume", cmd_resume},	  {"stop", cmd_stop},	  {"delete", cmd_delete},
	{"migrate", cmd_migrate}, {"update", cmd_update}, {"pullback", cmd_pullback},
	{"mock", cmd_mock},
};

int main(int argc, char **argv)
{
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	if (!rest)
		return CLI_EXIT_TRANSPORT;
	global_options g = {0};
	int count = 0;
	int status = take_globals(argc, argv, &g, rest, &count);
	if (status == 0 && (g.help || count == 0)) {
		fputs(help, g.help ? stdout : stderr);
		status = g.help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		free(rest);
		return status;
	}
	const command *chosen = NULL;
	for (size_t i = 0; status == 0 && i < sizeof commands / sizeof *commands; i++)
		if (strcmp(rest[0], commands[i].name) == 0)
			chosen = &commands[i];
	if (status == 0 && !chosen)
		status = cli_usage_error("unknown command '%.100s': resume, stop, delete, migrate, "
					 "update, pullback or mock",
					 rest[0]);
	cli_context ctx = {0};
	if (status == 0)
		status = setup(&ctx, &g);
	if (status == 0) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		    !(ctx.curl = curl_easy_init())) {
			fprintf(stderr, "connectorctl: libcurl would not start\n");
			status = CLI_EXIT_TRANSPORT;
		} else {
			cli_args args = {.argc = count, .argv = rest, .i = 1};
			status = chosen->run(&ctx, &args);
			curl_easy_cleanup(ctx.curl);
		}
		curl_global_cleanup();
	}
	free(rest);
	fflush(stdout);
	return status;
}
