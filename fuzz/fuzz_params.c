/*
 * fuzz_params.c — request parameters (server/params.c).
 *
 * The input is an application/x-www-form-urlencoded body, without a
 * terminating NUL. Properties:
 *   - params_parse_form never reads past the body; on failure it says why;
 *   - every kept parameter holds what params.h promises: a name of 1..256
 *     bytes, a value of at most 64 KiB, both UTF-8 without a NUL byte, and
 *     no more than PARAMS_COUNT_MAX of them;
 *   - params_single and params_all agree with each other and with the list;
 *   - params_bool accepts exactly Spring's words, in any case, and empty;
 *   - params_to_json is a JSON object that gives back every name and value,
 *     repeated names as arrays in arrival order.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <strings.h>

#include "../server/params.h"
#include "../store/text.h"
#include "fuzz_common.h"

/* The Spring reading of a boolean, written independently of params.c. */
static int expected_bool(const char *value, bool *out)
{
	static const char *const words[] = {"true", "on", "yes", "1", "false", "off", "no", "0"};
	for (size_t i = 0; i < 8; i++)
		if (strcasecmp(value, words[i]) == 0) {
			*out = i < 4;
			return 0;
		}
	return -1;
}

static void check_item(const param *item)
{
	size_t name_len = strlen(item->name), value_len = strlen(item->value);
	FUZZ_CHECK(name_len >= 1 && name_len <= PARAMS_NAME_MAX, "name of %zu bytes", name_len);
	FUZZ_CHECK(value_len <= PARAMS_VALUE_MAX, "value of %zu bytes", value_len);
	FUZZ_CHECK(text_utf8_valid(item->name, name_len), "name not UTF-8");
	FUZZ_CHECK(text_utf8_valid(item->value, value_len), "value not UTF-8");

	bool got = false, want = false;
	int rc = params_bool(item->value, true, &got);
	if (value_len == 0)
		FUZZ_CHECK(rc == 0 && got, "an empty value must give the fallback");
	else if (expected_bool(item->value, &want) == 0)
		FUZZ_CHECK(rc == 0 && got == want, "params_bool(\"%s\") gave rc %d value %d",
			   item->value, rc, (int)got);
	else
		FUZZ_CHECK(rc == -1, "params_bool accepted \"%.64s\"", item->value);
}

/* The JSON text must give back `name` with all its values, in order. */
static void check_json_entry(const cJSON *root, const params *list, const char *name)
{
	const char *values[PARAMS_COUNT_MAX];
	size_t count = params_all(list, name, values, PARAMS_COUNT_MAX);
	const cJSON *entry = cJSON_GetObjectItemCaseSensitive(root, name);
	FUZZ_CHECK(entry != NULL, "params_to_json lost \"%.64s\"", name);
	if (count == 1) {
		FUZZ_CHECK(cJSON_IsString(entry) && strcmp(entry->valuestring, values[0]) == 0,
			   "params_to_json changed the value of \"%.64s\"", name);
		return;
	}
	FUZZ_CHECK(cJSON_IsArray(entry) && (size_t)cJSON_GetArraySize(entry) == count,
		   "\"%.64s\" given %zu times is not an array of %zu", name, count, count);
	size_t i = 0;
	const cJSON *value;
	cJSON_ArrayForEach(value, entry)
	{
		FUZZ_CHECK(cJSON_IsString(value) && strcmp(value->valuestring, values[i]) == 0,
			   "value %zu of \"%.64s\" changed", i, name);
		i++;
	}
}

/*
 * Each lookup is linear in the list, so checking every parameter against
 * the whole list is quadratic; with 256 parameters and libFuzzer's hooked
 * strcmp that would slow every input tenfold. The first and last few are
 * checked, which covers repeats at either end of a long list.
 */
static bool sampled(size_t i, size_t count) { return i < 16 || i + 16 >= count; }

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t distinct_names(const params *list)
{
	if (list->count == 0)
		return 0;
	const char **names = malloc(list->count * sizeof *names);
	FUZZ_CHECK(names != NULL, "out of memory");
	for (size_t i = 0; i < list->count; i++)
		names[i] = list->items[i].name;
	qsort(names, list->count, sizeof *names, by_name);
	size_t distinct = 1;
	for (size_t i = 1; i < list->count; i++)
		distinct += strcmp(names[i - 1], names[i]) != 0;
	free(names);
	return distinct;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_exact_copy(data, size);
	params list;
	params_init(&list);
	char why[PARAMS_WHY_MAX] = "";
	int rc = params_parse_form(&list, body, size, why, sizeof why);
	FUZZ_CHECK(rc == 0 || rc == -1, "params_parse_form returned %d", rc);
	if (rc < 0)
		FUZZ_CHECK(why[0] != '\0', "a refused form without a reason");
	FUZZ_CHECK(list.count <= PARAMS_COUNT_MAX && list.count <= list.cap, "count %zu, cap %zu",
		   list.count, list.cap);

	for (size_t i = 0; i < list.count; i++) {
		const param *item = &list.items[i];
		check_item(item);
		if (!sampled(i, list.count))
			continue;

		/* params_single and params_all agree */
		const char *single = NULL;
		int seen = params_single(&list, item->name, &single);
		const char *first[2] = {NULL, NULL};
		size_t count = params_all(&list, item->name, first, 2);
		FUZZ_CHECK(count >= 1, "params_all misses a listed name");
		FUZZ_CHECK((count == 1 && seen == 1 && single == first[0]) ||
				   (count > 1 && seen == -1),
			   "params_single says %d, params_all counts %zu", seen, count);
		/* a zero-capacity call still counts */
		FUZZ_CHECK(params_all(&list, item->name, NULL, 0) == count, "params_all(max 0)");
	}
	const char *absent;
	FUZZ_CHECK(params_single(&list, "taskName", &absent) >= -1, "params_single");
	/* the lookups the OMS routes make */
	const char *values[8];
	(void)params_all(&list, "deleteParams", values, 8);

	char *json = params_to_json(&list);
	FUZZ_CHECK(json != NULL, "params_to_json gave NULL");
	cJSON *root = cJSON_Parse(json);
	FUZZ_CHECK(cJSON_IsObject(root), "params_to_json is not a JSON object: %.200s", json);
	for (size_t i = 0; i < list.count; i++)
		if (sampled(i, list.count))
			check_json_entry(root, &list, list.items[i].name);
	size_t distinct = distinct_names(&list);
	FUZZ_CHECK((size_t)cJSON_GetArraySize(root) == distinct,
		   "params_to_json has %d names, the list %zu", cJSON_GetArraySize(root), distinct);
	cJSON_Delete(root);
	free(json);

	params_free(&list);
	FUZZ_CHECK(list.count == 0 && list.items == NULL, "params_free leaves items");
	free(body);
	return 0;
}
