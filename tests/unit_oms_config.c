/*
 * unit_oms_config.c — the fixtures' configs look like OMS's own.
 *
 * Reads the key list of docs/oms-config.md (the block fenced as ```keys)
 * and checks every task of fixtures/default.json and fixtures/demo.json
 * against it: known scopes, listed keys, string values, JSON text that
 * parses, and source.clients entries with their clientId (and subtopic for
 * an Incr-Sync).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

enum { KEYS_MAX = 128, KEY_MAX = 96, FILE_MAX = 1 << 20 };

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	ck_assert_msg(file != NULL, "cannot open %s", path);
	char *text = malloc(FILE_MAX);
	ck_assert_ptr_nonnull(text);
	size_t n = fread(text, 1, FILE_MAX - 1, file);
	fclose(file);
	ck_assert_msg(n < FILE_MAX - 1, "%s is larger than this test reads", path);
	text[n] = '\0';
	return text;
}

/* The first word of each line of the ```keys block. */
static int listed_keys(char keys[KEYS_MAX][KEY_MAX])
{
	char *doc = read_file("docs/oms-config.md");
	char *block = strstr(doc, "```keys\n");
	ck_assert_msg(block != NULL, "docs/oms-config.md has no ```keys block");
	char *end = strstr(block + 8, "```");
	ck_assert_msg(end != NULL, "the ```keys block is not closed");
	*end = '\0';
	int count = 0;
	for (char *line = strtok(block + 8, "\n"); line; line = strtok(NULL, "\n")) {
		char word[KEY_MAX];
		if (sscanf(line, "%95s", word) != 1)
			continue;
		ck_assert_msg(count < KEYS_MAX, "more than %d keys", KEYS_MAX);
		ck_assert_msg(strchr(word, '.') != NULL, "\"%s\" is not scope.key", word);
		snprintf(keys[count++], KEY_MAX, "%s", word);
	}
	free(doc);
	ck_assert_int_gt(count, 0);
	return count;
}

static bool is_listed(char keys[KEYS_MAX][KEY_MAX], int count, const char *key)
{
	for (int i = 0; i < count; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

static bool is_json_text(const char *key)
{
	static const char *const json_keys[] = {"condition.whiteCondition",
						"condition.blackCondition", "source.clients",
						"source.checkpoint"};
	for (size_t i = 0; i < COUNT(json_keys); i++)
		if (strcmp(json_keys[i], key) == 0)
			return true;
	return false;
}

static void check_clients(const char *task, const char *text)
{
	cJSON *clients = cJSON_Parse(text);
	ck_assert_msg(cJSON_IsArray(clients) && cJSON_GetArraySize(clients) > 0,
		      "%s: source.clients is not a non-empty JSON array", task);
	bool incr = strstr(task, "-incr_trans-") != NULL;
	const cJSON *client;
	cJSON_ArrayForEach(client, clients)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(client, "clientId");
		ck_assert_msg(cJSON_IsString(id) && id->valuestring[0],
			      "%s: a client without its clientId", task);
		if (incr) {
			const cJSON *sub = cJSON_GetObjectItemCaseSensitive(client, "subtopic");
			ck_assert_msg(cJSON_IsString(sub) && sub->valuestring[0],
				      "%s: an Incr-Sync client without its subtopic", task);
		}
	}
	cJSON_Delete(clients);
}

static const char *const fixture_files[] = {"fixtures/default.json", "fixtures/demo.json"};

START_TEST(fixtures_use_listed_keys)
{
	static char keys[KEYS_MAX][KEY_MAX];
	int count = listed_keys(keys);
	static const char *const scopes[] = {"source", "sink", "condition", "coordinator"};
	char *text = read_file(fixture_files[_i]);
	cJSON *root = cJSON_Parse(text);
	free(text);
	ck_assert_msg(root != NULL, "%s does not parse", fixture_files[_i]);
	int tasks = 0;
	const cJSON *task;
	cJSON_ArrayForEach(task, cJSON_GetObjectItemCaseSensitive(root, "tasks"))
	{
		const char *name = cJSON_GetObjectItemCaseSensitive(task, "taskName")->valuestring;
		const cJSON *scope;
		cJSON_ArrayForEach(scope, cJSON_GetObjectItemCaseSensitive(task, "config"))
		{
			bool known = false;
			for (size_t i = 0; i < COUNT(scopes); i++)
				known |= strcmp(scopes[i], scope->string) == 0;
			ck_assert_msg(known, "%s: scope \"%s\" is not one of OMS's", name,
				      scope->string);
			const cJSON *entry;
			cJSON_ArrayForEach(entry, scope)
			{
				char key[KEY_MAX];
				snprintf(key, sizeof key, "%s.%s", scope->string, entry->string);
				ck_assert_msg(is_listed(keys, count, key),
					      "%s: %s is not in docs/oms-config.md", name, key);
				ck_assert_msg(cJSON_IsString(entry), "%s: %s is not a string", name,
					      key);
				if (is_json_text(key)) {
					cJSON *inner = cJSON_Parse(entry->valuestring);
					ck_assert_msg(inner != NULL, "%s: %s is not JSON text",
						      name, key);
					cJSON_Delete(inner);
				}
				if (strcmp(key, "source.clients") == 0)
					check_clients(name, entry->valuestring);
			}
		}
		tasks++;
	}
	ck_assert_int_gt(tasks, 0);
	cJSON_Delete(root);
}
END_TEST

/* The check itself can fail: an unlisted key and a bad client are caught. */
START_TEST(list_refuses_what_is_not_there)
{
	static char keys[KEYS_MAX][KEY_MAX];
	int count = listed_keys(keys);
	ck_assert(is_listed(keys, count, "source.clients"));
	ck_assert(!is_listed(keys, count, "source.clientz"));
	ck_assert(!is_listed(keys, count, "source"));
}
END_TEST

static Suite *oms_config_suite(void)
{
	Suite *suite = suite_create("oms_config");
	TCase *tc = tcase_create("fixtures");
	tcase_add_loop_test(tc, fixtures_use_listed_keys, 0, (int)COUNT(fixture_files));
	tcase_add_test(tc, list_refuses_what_is_not_there);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(oms_config_suite()); }
