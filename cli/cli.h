/*
 * cli.h — what connectorctl's command files share: the argument cursor,
 * usage errors, the taskName check, and the commands themselves.
 *
 * A command takes the arguments after its name (global options already
 * taken out by main) and returns an exit status (CLI_EXIT_*).
 */
#ifndef CONNECTORCTL_CLI_H
#define CONNECTORCTL_CLI_H

#include <stdbool.h>

#include "cm.h"

typedef struct {
	int argc;
	char **argv;
	int i;		   /* the argument being looked at */
	const char *value; /* the value of the option matched last */
	bool failed;	   /* a usage error was printed */
} cli_args;

/* Whether argv[i] is the option `name` ("--x" or "--x=V"); when it takes
 * a value, the value (the rest after '=', or the next argument) goes into
 * args->value and args->i moves past it. A missing value prints a usage
 * error and sets args->failed. */
bool cli_option(cli_args *args, const char *name, bool takes_value);

/* Prints "connectorctl: MESSAGE" and the hint to --help; returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Walks the rest of a command's arguments: each option goes to `option`
 * (NULL: the command takes none; it returns false for an argument that is
 * not one of its options), the others fill `positional`, at most `max`.
 * `label` names the command in messages ("stop", "mock task"); with
 * `task`, the one positional is a TASK and one more is "one too many".
 * Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after saying why on stderr.
 */
int cli_walk(cli_args *args, const char *label, bool task, const char **positional, int max,
	     int *count, bool (*option)(cli_args *args, void *state), void *state);

/* Checks a taskName (store/taskname.h); prints the grammar and returns -1
 * when it does not parse. */
int cli_check_task(const char *task);

/* Reads a whole number from `text` into `*out`, min..max. */
int cli_parse_long(const char *text, long long min, long long max, long long *out);

/* GET base+`path` on the control API, expecting a JSON answer with a 2xx
 * status. Returns CLI_EXIT_OK with `*root` (caller frees), or the exit
 * status after printing why (`what` names the command). With `quiet`,
 * prints nothing. */
int cli_mock_call(cli_context *ctx, const char *what, const char *method, const char *path,
		  const char *body, bool quiet, cJSON **root);

/* cli_mock_call, not quiet, and with --json the answer printed as a line. */
int cli_mock_run(cli_context *ctx, const char *what, const char *method, const char *path,
		 const char *body, cJSON **root);

/* mock fault add|list|clear (mock_fault.c) */
int cli_mock_fault(cli_context *ctx, cli_args *args);

int cmd_resume(cli_context *ctx, cli_args *args);
int cmd_stop(cli_context *ctx, cli_args *args);
int cmd_delete(cli_context *ctx, cli_args *args);
int cmd_migrate(cli_context *ctx, cli_args *args);
int cmd_update(cli_context *ctx, cli_args *args);
int cmd_pullback(cli_context *ctx, cli_args *args);
int cmd_mock(cli_context *ctx, cli_args *args);

#endif
