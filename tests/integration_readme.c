/*
 * integration_readme.c — the README's curl sessions work as written.
 *
 * Reads every block between <!-- replay:start --> and <!-- replay:end --> in
 * README.md; every line starting with "curl " is a command, and the next
 * line that is neither blank nor a comment is the exact answer it must
 * print. The commands run with the real curl (through sh), in order,
 * against one fresh daemon (its address replaces 127.0.0.1:8088).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

START_TEST(walkthrough_works_as_written)
{
	char *text = read_readme();
	test_daemon daemon;
	ck_assert_int_eq(test_daemon_start(&daemon, NULL, NULL), 0);
	int commands = 0, blocks = 0;
	char *cursor = text;
	char *start;
	while ((start = strstr(cursor, "<!-- replay:start -->")) != NULL) {
		char *end = strstr(start, "<!-- replay:end -->");
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		cursor = end + 1;
		blocks++;
		char *pending = NULL;
		char *save = NULL;
		for (char *line = strtok_r(start, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "curl ", 5) == 0) {
				ck_assert_msg(pending == NULL, "command without an answer line: %s",
					      pending);
				pending = line;
				continue;
			}
			if (!pending || line[0] == '#' || line[0] == '\0')
				continue;
			char *command = with_base(pending, daemon.base_url);
			const char *output = run_command(command);
			ck_assert_msg(strcmp(output, line) == 0,
				      "command: %s\nexpected: %s\nactual:   %s", pending, line,
				      output);
			free(command);
			pending = NULL;
			commands++;
		}
		ck_assert_msg(pending == NULL, "command without an answer line: %s", pending);
	}
	ck_assert_int_ge(blocks, 2);
	ck_assert_int_ge(commands, 30);
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
