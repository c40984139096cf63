/*
 * unit_yaml2json.c — tools/yaml2json, the build tool that turns
 * docs/openapi.yaml into the JSON the daemon serves: what it resolves, and
 * everything it refuses (with the file left unwritten).
 *
 * Runs the tool built beside this test (BUILD/tools/yaml2json, found from
 * argv[0]) on inputs written to a temporary directory.
 */
#define _POSIX_C_SOURCE 200809L
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static char tool[1024];

typedef struct {
	int status;
	char output[2048]; /* the tool's stderr */
	char *json;	   /* the file it wrote, or NULL */
} conversion;

static conversion convert(const char *yaml, size_t len)
{
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	char in[512], out[512], command[2200];
	snprintf(in, sizeof in, "%s/in.yaml", dir);
	snprintf(out, sizeof out, "%s/out.json", dir);
	FILE *file = fopen(in, "wb");
	ck_assert_ptr_nonnull(file);
	fwrite(yaml, 1, len, file);
	fclose(file);
	snprintf(command, sizeof command, "%s %s %s 2>&1", tool, in, out);
	conversion c = {0};
	FILE *pipe = popen(command, "r");
	ck_assert_ptr_nonnull(pipe);
	size_t n = fread(c.output, 1, sizeof c.output - 1, pipe);
	c.output[n] = '\0';
	int rc = pclose(pipe);
	c.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	file = fopen(out, "rb");
	if (file) {
		c.json = calloc(1, 1 << 16);
		fread(c.json, 1, (1 << 16) - 1, file);
		fclose(file);
	}
	unlink(in);
	unlink(out);
	rmdir(dir);
	return c;
}

/* Converts `yaml` and asserts the result, printed compactly, is `want`. */
static void assert_converts(const char *yaml, const char *want)
{
	conversion c = convert(yaml, strlen(yaml));
	ck_assert_msg(c.status == 0 && c.json, "refused:\n%s\n%s", yaml, c.output);
	cJSON *root = cJSON_Parse(c.json);
	char *got = root ? cJSON_PrintUnformatted(root) : strdup("(not JSON)");
	char *raw = c.json;
	cJSON_Delete(root);
	bool same = strcmp(got, want) == 0;
	char message[2048];
	snprintf(message, sizeof message, "%s\nwant %s\ngot  %s\nraw  %s", yaml, want, got, raw);
	free(got);
	free(raw);
	ck_assert_msg(same, "%s", message);
}

static void assert_refused(const char *yaml, size_t len, const char *why)
{
	conversion c = convert(yaml, len);
	bool wrote = c.json != NULL;
	free(c.json);
	ck_assert_msg(c.status == 1, "accepted: %.200s", yaml);
	ck_assert_msg(!wrote, "a refusal left a file behind");
	ck_assert_msg(strstr(c.output, why) != NULL, "expected \"%s\" in: %s", why, c.output);
}

START_TEST(plain_scalars_resolve_as_yaml_1_2_core)
{
	assert_converts("a: null\nb: ~\nc:\nd: true\ne: False\nf: yes\ng: on\nh: 'true'\n",
			"{\"a\":null,\"b\":null,\"c\":null,\"d\":true,\"e\":false,\"f\":\"yes\","
			"\"g\":\"on\",\"h\":\"true\"}");
	assert_converts("a: 8088\nb: -3\nc: 0.5\nd: 1e3\ne: '0000000001'\nf: 0000000001\n",
			"{\"a\":8088,\"b\":-3,\"c\":0.5,\"d\":1000,\"e\":\"0000000001\",\"f\":1}");
	assert_converts("a: 1_000\nb: 10.0.0.14\nc: x:y\n",
			"{\"a\":\"1_000\",\"b\":\"10.0.0.14\",\"c\":\"x:y\"}");
}
END_TEST

/* Numbers are written as the YAML spells them when JSON can: a double's
 * shortest print would lose 2^53 - 1. */
START_TEST(numbers_keep_their_digits)
{
	static const char yaml[] = "n: 9007199254740991\nm: -9007199254740992\n";
	conversion c = convert(yaml, strlen(yaml));
	ck_assert_int_eq(c.status, 0);
	ck_assert_ptr_nonnull(strstr(c.json, "9007199254740991"));
	ck_assert_ptr_nonnull(strstr(c.json, "-9007199254740992"));
	free(c.json);
	assert_converts("a: +5\nb: .5\nc: 2.\n", "{\"a\":5,\"b\":0.5,\"c\":2}");
}
END_TEST

START_TEST(collections_keep_order_and_flow_style_is_json)
{
	assert_converts("z: 1\na: [x, 'y', {k: v}]\nm:\n  - 1\n  - two\n",
			"{\"z\":1,\"a\":[\"x\",\"y\",{\"k\":\"v\"}],\"m\":[1,\"two\"]}");
	assert_converts("v: {\"errCode\":null,\"isSuccess\":true,\"s\":\"a\\\"b\"}\n",
			"{\"v\":{\"errCode\":null,\"isSuccess\":true,\"s\":\"a\\\"b\"}}");
	assert_converts("d: |\n  line one\n  line two\nf: >-\n  folded\n  text\n",
			"{\"d\":\"line one\\nline two\\n\",\"f\":\"folded text\"}");
	assert_converts("s: !!str 12\n", "{\"s\":\"12\"}");
}
END_TEST

START_TEST(what_json_cannot_say_is_refused)
{
	static const struct {
		const char *yaml;
		const char *why;
	} cases[] = {
		{"a: &x 1\nb: *x\n", "anchors"},
		{"a: 1\na: 2\n", "appears twice"},
		{"? [1, 2]\n: v\n", "plain string"},
		{"a: !custom 1\n", "tags"},
		{"a: .inf\n", "infinity"},
		{"a: .NaN\n", "NaN"},
		{"a: 0x1F\n", "hexadecimal"},
		{"a: 9007199254740993\n", "too large"},
		{"a: 1\n---\nb: 2\n", "only one document"},
		{"a: [1, 2\n", "line"},
		{"", "no document"},
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		assert_refused(cases[i].yaml, strlen(cases[i].yaml), cases[i].why);
	assert_refused("a: \"x\\0y\"\n", 10, "NUL");
}
END_TEST

/* The limits: 64 levels of nesting, 4 MiB of input. */
START_TEST(limits_hold)
{
	char deep[1024] = "";
	for (int i = 0; i < 64; i++)
		strcat(deep, "[");
	strcat(deep, "1");
	for (int i = 0; i < 64; i++)
		strcat(deep, "]");
	conversion c = convert(deep, strlen(deep));
	ck_assert_msg(c.status == 0, "%s", c.output);
	free(c.json);
	char deeper[sizeof deep + 2];
	snprintf(deeper, sizeof deeper, "[%s]", deep);
	assert_refused(deeper, strlen(deeper), "nested too deep");

	size_t size = 4 * 1024 * 1024;
	char *big = malloc(size + 16);
	memcpy(big, "a: \"", 4);
	memset(big + 4, 'x', size - 6);
	memcpy(big + size - 2, "\"\n", 2);
	c = convert(big, size);
	ck_assert_msg(c.status == 0, "%s", c.output);
	free(c.json);
	memcpy(big + size - 2, "x\"\n", 3);
	assert_refused(big, size + 1, "over 4194304 bytes");
	free(big);
}
END_TEST

static Suite *yaml2json_suite(void)
{
	Suite *suite = suite_create("yaml2json");
	TCase *tc = tcase_create("conversion");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, plain_scalars_resolve_as_yaml_1_2_core);
	tcase_add_test(tc, numbers_keep_their_digits);
	tcase_add_test(tc, collections_keep_order_and_flow_style_is_json);
	tcase_add_test(tc, what_json_cannot_say_is_refused);
	tcase_add_test(tc, limits_hold);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(int argc, char **argv)
{
	(void)argc;
	char self[1024];
	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(tool, sizeof tool, "%s/../tools/yaml2json", dirname(self));
	if (access(tool, X_OK) != 0) {
		fprintf(stderr, "%s is missing: it is built with the daemon\n", tool);
		return 1;
	}
	return test_run_suite(yaml2json_suite());
}
