/*
 * unit_manpage.c — man/connector-mock.1 documents every setting (its flag,
 * its config key, its environment variable) and every control route, and
 * every man page in man/ passes mandoc's lint.
 *
 * The settings come from server/settings.c's table and the routes from
 * server/admin_routes.c's, so a setting or route added without its
 * documentation fails here.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server/routes.h"
#include "../server/settings.h"
#include "support.h"

static const char man_path[] = "man/connector-mock.1";

static char *read_man(void)
{
	FILE *file = fopen(man_path, "rb");
	ck_assert_msg(file != NULL, "cannot open %s", man_path);
	char *text = NULL;
	size_t len = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
		ck_assert_uint_eq(test_append(&text, &len, chunk, n, 1 << 20), n);
	fclose(file);
	ck_assert_ptr_nonnull(text);
	return text;
}

/* Whether `text` holds `needle` followed by a character that cannot
 * continue a name (so "--port" is not found inside "--port-x"). */
static bool has_word(const char *text, const char *needle)
{
	size_t len = strlen(needle);
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) {
		char next = p[len];
		if (!(isalnum((unsigned char)next) || next == '-' || next == '_'))
			return true;
	}
	return false;
}

START_TEST(every_setting_documented)
{
	char *man = read_man();
	size_t count = settings_option_count();
	ck_assert_uint_gt(count, 15);
	for (size_t i = 0; i < count; i++) {
		settings_option_info info;
		ck_assert_int_eq(settings_option_describe(i, &info), 0);
		char item[96];
		/* an entry of its own in OPTIONS: ".It Fl -port" */
		snprintf(item, sizeof item, "\n.It Fl %s", info.flag + 1);
		ck_assert_msg(has_word(man, item), "%s has no entry in %s", info.flag, man_path);
		char env[96];
		snprintf(env, sizeof env, "Ev %s", info.env);
		ck_assert_msg(has_word(man, env), "%s is not in %s", info.env, man_path);
		if (info.section) {
			char key[128];
			snprintf(key, sizeof key, "Ic [%s] %s", info.section, info.key);
			ck_assert_msg(has_word(man, key), "the key [%s] %s is not in %s",
				      info.section, info.key, man_path);
		}
	}
	free(man);
}
END_TEST

START_TEST(every_route_documented)
{
	char *man = read_man();
	const char *method, *pattern;
	size_t rows = 0;
	for (size_t i = 0; admin_route_describe(i, &method, &pattern) == 0; i++, rows++) {
		/* the path up to its first variable segment: /_mock/tasks/ of tasks/ * /fail */
		char path[128];
		snprintf(path, sizeof path, "/_mock/%.*s", (int)strcspn(pattern, "*"), pattern);
		ck_assert_msg(strstr(man, path) != NULL, "%s %s is not in %s", method, path,
			      man_path);
		char line_method[32];
		snprintf(line_method, sizeof line_method, "%s", method);
		ck_assert_msg(strstr(man, line_method) != NULL, "%s is not in %s", method,
			      man_path);
	}
	ck_assert_uint_gt(rows, 20);
	free(man);
}
END_TEST

/* mandoc -T lint at warning level: no output, status 0, for every page. */
START_TEST(man_pages_lint_clean)
{
	glob_t pages;
	ck_assert_int_eq(glob("man/*.1", 0, NULL, &pages), 0);
	ck_assert_uint_ge(pages.gl_pathc, 1);
	for (size_t i = 0; i < pages.gl_pathc; i++) {
		char command[512];
		snprintf(command, sizeof command, "mandoc -T lint -W warning '%s' 2>&1",
			 pages.gl_pathv[i]);
		FILE *pipe = popen(command, "r");
		ck_assert_ptr_nonnull(pipe);
		char output[4096];
		size_t n = fread(output, 1, sizeof output - 1, pipe);
		output[n] = '\0';
		int status = pclose(pipe);
		ck_assert_msg(status == 0 && n == 0, "%s: mandoc -T lint, status %d:\n%s",
			      pages.gl_pathv[i], status, output);
	}
	globfree(&pages);
}
END_TEST

static Suite *manpage_suite(void)
{
	Suite *suite = suite_create("manpage");
	TCase *tc = tcase_create("manpage");
	tcase_add_test(tc, every_setting_documented);
	tcase_add_test(tc, every_route_documented);
	tcase_add_test(tc, man_pages_lint_clean);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(manpage_suite()); }
