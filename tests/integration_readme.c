/*
 * integration_readme.c — the README's curl sessions work as written.
 *
 * Reads every block between <!-- replay:start --> and <!-- replay:end --> in
 * README.md; every line starting with "curl " is a command, and the next
 * line that is neither blank nor a comment is the exact answer it must
 * print. The commands run with the real curl (through sh), in order,
 * against one fresh daemon (its address replaces 127.0.0.1:8088).
 *
 * A line starting with "connectorctl " is a command too, run by sh with
 * the connectorctl beside the daemon first on PATH and $CONNECTOR_CM set to
 * the daemon; its answer is every line after it up to the next comment,
 * blank line, command or code fence (it may print several lines).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char *read_readme(void)
{
	FILE *file = fopen("README.md", "rb");
	ck_assert_ptr_nonnull(file);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, file);
	fclose(file);
	text[n] = '\0';
	return text;
}

/* Replaces every "http://127.0.0.1:8088" in `line` with `base`. */
static char *with_base(const char *line, const char *base)
{
	static const char documented[] = "http://127.0.0.1:8088";
	size_t cap = strlen(line) * 2 + 64;
	char *out = malloc(cap);
	out[0] = '\0';
	const char *p = line;
	const char *hit;
	while ((hit = strstr(p, documented)) != NULL) {
		strncat(out, p, (size_t)(hit - p));
		strcat(out, base);
		p = hit + sizeof documented - 1;
	}
	strcat(out, p);
	return out;
}

static char *run_command(const char *command)
{
	FILE *pipe = popen(command, "r");
	ck_assert_ptr_nonnull(pipe);
	static char output[1 << 16];
	size_t n = fread(output, 1, sizeof output - 1, pipe);
	output[n] = '\0';
	pclose(pipe);
	while (n && output[n - 1] == '\n')
		output[--n] = '\0';
	return output;
}

/* Puts the directory of the daemon binary (where connectorctl is built)
 * first on PATH, and points $CONNECTOR_CM at the daemon. */
static void cli_environment(const test_daemon *daemon)
{
	char dir[1024], path[8192];
	const char *bin = test_binary_path();
	const char *slash = strrchr(bin, '/');
	if (bin[0] == '/')
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - bin), bin);
	else {
		ck_assert_ptr_nonnull(getcwd(dir, sizeof dir));
		size_t len = strlen(dir);
		snprintf(dir + len, sizeof dir - len, "/%.*s", slash ? (int)(slash - bin) : 0, bin);
	}
	const char *old = getenv("PATH");
	snprintf(path, sizeof path, "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("CONNECTOR_CM", daemon->base_url, 1);
	unsetenv("CONNECTOR_MOCK_TOKEN");
}

static bool is_command(const char *line)
{
	return strncmp(line, "curl ", 5) == 0 || strncmp(line, "connectorctl ", 13) == 0;
}

/* Runs `command` and compares its output with `expected`. */
static void replay(const char *command, const char *expected, const test_daemon *daemon)
{
	char *full = with_base(command, daemon->base_url);
	const char *output = run_command(full);
	ck_assert_msg(strcmp(output, expected) == 0, "command: %s\nexpected: %s\nactual:   %s",
		      command, expected, output);
	free(full);
}

/* Replays one block (NUL-terminated); returns the commands run. */
static int replay_block(char *block, const test_daemon *daemon)
{
	static char expected[1 << 16];
	int commands = 0;
	char *pending = NULL; /* a command whose answer is being read */
	bool multi = false;   /* connectorctl: more answer lines may follow */
	char *save = NULL;
	for (char *line = strtok_r(block, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		bool fence = line && strncmp(line, "```", 3) == 0;
		bool ends = !line || fence || is_command(line) || line[0] == '#' || line[0] == '\0';
		if (pending && multi && expected[0] && ends) {
			replay(pending, expected, daemon);
			commands++;
			pending = NULL;
		}
		if (!line)
			break;
		if (is_command(line)) {
			ck_assert_msg(pending == NULL, "command without an answer line: %s",
				      pending);
			pending = line;
			multi = strncmp(line, "connectorctl ", 13) == 0;
			expected[0] = '\0';
			continue;
		}
		if (!pending || fence || line[0] == '#' || line[0] == '\0')
			continue;
		if (multi) {
			size_t len = strlen(expected);
			snprintf(expected + len, sizeof expected - len, "%s%s", len ? "\n" : "",
				 line);
			continue;
		}
		replay(pending, line, daemon);
		commands++;
		pending = NULL;
	}
	ck_assert_msg(pending == NULL, "command without an answer line: %s", pending);
	return commands;
}

START_TEST(walkthrough_works_as_written)
{
	char *text = read_readme();
	test_daemon daemon;
	ck_assert_int_eq(test_daemon_start(&daemon, NULL, NULL), 0);
	cli_environment(&daemon);
	int commands = 0, blocks = 0;
	char *cursor = text;
	char *start;
	while ((start = strstr(cursor, "<!-- replay:start -->")) != NULL) {
		char *end = strstr(start, "<!-- replay:end -->");
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		cursor = end + 1;
		blocks++;
		commands += replay_block(start, &daemon);
	}
	ck_assert_int_ge(blocks, 3);
	ck_assert_int_ge(commands, 35);
	test_daemon_down(&daemon);
}
END_TEST

static Suite *readme_suite(void)
{
	Suite *suite = suite_create("readme");
	TCase *tc = tcase_create("walkthrough");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, walkthrough_works_as_written);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(readme_suite()); }
