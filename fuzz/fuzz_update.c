/*
 * fuzz_update.c — the update operation's pure half (store/configmap.c):
 * parse the body, parse deleteParams, merge into a config, validate.
 *
 * Input layout (NUL never appears in a body the server accepts, so it is a
 * free separator):
 *
 *     ['#'] BODY [ '\0' DELETES [ '\0' DELETES ... ] ]
 *
 * BODY is the update body (the `updateConfigMap`), passed without a
 * terminating NUL. Each DELETES is one value of the deleteParams parameter
 * (comma-separated entries; several values are the repeated parameter). A
 * leading '#' merges into a config at its limits (64 scopes, one scope of
 * 1023 keys) instead of a realistic Incr-Sync config.
 *
 * Properties:
 *   - a parsed update is a valid map (configmap_validate), and parsed deletes
 *     are "scope.key" entries with both parts non-empty;
 *   - when configmap_apply succeeds, the result is a valid map, and holds
 *     exactly: every updated key with its new value, no deleted key that the
 *     body did not set again, every other key of the config unchanged, no
 *     empty scope;
 *   - applying the same request twice changes nothing more (idempotence);
 *   - configmap_apply_text on the config's printed text answers the same rc
 *     and sentence, and on success the bytes cJSON prints for the merged
 *     tree (the store merges on the text).
 */
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "../store/configmap.h"
#include "fuzz_common.h"

enum { WHY_MAX = 512, FULL_SCOPE_KEYS = CONFIGMAP_KEYS_MAX - 1 };

static cJSON *realistic_config;
static cJSON *full_config;

static cJSON *build_realistic(void)
{
	static const char text[] =
		"{\"source\":{\"sourceType\":\"MYSQL\","
		"\"clients\":\"[{\\\"clientId\\\":\\\"p_493po_incr_client_1_0\\\",\\\"subtopic\\\":"
		"\\\"oms_store_p_493po_0_1_0\\\"}]\","
		"\"username\":\"oms_store_reader\",\"password\":\"******\",\"timezone\":\"+08:00\"}"
		","
		"\"sink\":{\"sinkType\":\"OB_MYSQL\",\"jdbcUrl\":\"jdbc:mysql://10.0.0.31:2881/"
		"?useSSL=false\","
		"\"workerNum\":\"16\",\"batchSize\":\"200\",\"enableDdl\":\"true\"},"
		"\"condition\":{\"whiteCondition\":\"[{\\\"name\\\":\\\"app_db\\\",\\\"all\\\":"
		"true}]\",\"blackCondition\":\"[]\"},"
		"\"coordinator\":{\"bridgeQueueSize\":\"256\",\"throttleRps\":\"none\","
		"\"throttleIOPS\":\"none\"}}";
	return cJSON_Parse(text);
}

/* 64 scopes: the four known ones, "coordinator" with 1023 keys, and s04..s63
 * with one key each. */
static cJSON *build_full(void)
{
	cJSON *map = cJSON_CreateObject();
	cJSON *source = cJSON_AddObjectToObject(map, "source");
	cJSON_AddStringToObject(source, "username", "u");
	cJSON *sink = cJSON_AddObjectToObject(map, "sink");
	cJSON_AddStringToObject(sink, "workerNum", "16");
	cJSON *condition = cJSON_AddObjectToObject(map, "condition");
	cJSON_AddStringToObject(condition, "blackCondition", "[]");
	cJSON *coordinator = cJSON_AddObjectToObject(map, "coordinator");
	char name[32];
	for (int i = 0; i < FULL_SCOPE_KEYS; i++) {
		snprintf(name, sizeof name, "k%04d", i);
		cJSON_AddStringToObject(coordinator, name, "1");
	}
	for (int i = 4; i < CONFIGMAP_SCOPES_MAX; i++) {
		snprintf(name, sizeof name, "s%02d", i);
		cJSON *scope = cJSON_AddObjectToObject(map, name);
		cJSON_AddStringToObject(scope, "k", "v");
	}
	return map;
}

/*
 * A map flattened to (scope, key, value) triples sorted by scope then key,
 * so the oracle below looks up in O(log n): the config at its limits has a
 * scope of 1023 keys, and cJSON's linear lookups (each a strcmp that
 * libFuzzer hooks) would make every input cost a million comparisons.
 */
typedef struct {
	const char *scope, *key, *value; /* value NULL for a delete */
} flat_entry;

typedef struct {
	flat_entry *items;
	size_t count;
} flat_map;

static int flat_order(const void *a, const void *b)
{
	const flat_entry *x = a, *y = b;
	int by_scope = strcmp(x->scope, y->scope);
	return by_scope ? by_scope : strcmp(x->key, y->key);
}

static void flat_sort(flat_map *map)
{
	if (map->count > 1)
		qsort(map->items, map->count, sizeof *map->items, flat_order);
}

static void flat_from_map(const cJSON *map, flat_map *out)
{
	size_t count = 0;
	const cJSON *scope, *entry;
	cJSON_ArrayForEach(scope, map) count += (size_t)cJSON_GetArraySize(scope);
	out->items = calloc(count ? count : 1, sizeof *out->items);
	FUZZ_CHECK(out->items != NULL, "out of memory");
	out->count = 0;
	cJSON_ArrayForEach(scope, map) cJSON_ArrayForEach(entry, scope) out->items[out->count++] =
		(flat_entry){scope->string, entry->string, entry->valuestring};
	flat_sort(out);
}

/* Deletes split as configmap_apply splits them: the scope ends at the first
 * '.'. The strings live in `buffer` (the caller frees it). */
static void flat_from_deletes(const cJSON *deletes, flat_map *out, char **buffer)
{
	size_t count = (size_t)cJSON_GetArraySize(deletes), bytes = 1;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, deletes) bytes += strlen(entry->valuestring) + 1;
	out->items = calloc(count ? count : 1, sizeof *out->items);
	*buffer = malloc(bytes);
	FUZZ_CHECK(out->items && *buffer, "out of memory");
	out->count = 0;
	char *at = *buffer;
	cJSON_ArrayForEach(entry, deletes)
	{
		size_t len = strlen(entry->valuestring);
		memcpy(at, entry->valuestring, len + 1);
		char *dot = strchr(at, '.');
		*dot = '\0';
		out->items[out->count++] = (flat_entry){at, dot + 1, NULL};
		at += len + 1;
	}
	flat_sort(out);
}

static const flat_entry *flat_find(const flat_map *map, const char *scope, const char *key)
{
	flat_entry probe = {scope, key, NULL};
	return map->count ? bsearch(&probe, map->items, map->count, sizeof probe, flat_order)
			  : NULL;
}

static bool flat_equal(const flat_map *a, const flat_map *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (flat_order(&a->items[i], &b->items[i]) != 0 ||
		    strcmp(a->items[i].value, b->items[i].value) != 0)
			return false;
	return true;
}

static void check_deletes(const cJSON *deletes)
{
	FUZZ_CHECK(cJSON_IsArray(deletes), "deletes is not an array");
	FUZZ_CHECK(cJSON_GetArraySize(deletes) <= CONFIGMAP_DELETES_MAX, "%d deletes",
		   cJSON_GetArraySize(deletes));
	const cJSON *entry;
	cJSON_ArrayForEach(entry, deletes)
	{
		FUZZ_CHECK(cJSON_IsString(entry), "a delete entry is not a string");
		const char *dot = strchr(entry->valuestring, '.');
		FUZZ_CHECK(dot && dot != entry->valuestring && dot[1] != '\0',
			   "delete entry \"%.80s\" is not scope.key", entry->valuestring);
		FUZZ_CHECK(dot - entry->valuestring <= CONFIGMAP_NAME_MAX &&
				   strlen(dot + 1) <= CONFIGMAP_NAME_MAX,
			   "delete entry of %zu bytes", strlen(entry->valuestring));
	}
}

static void check_merge(const flat_map *base, const flat_map *deletes, const flat_map *update,
			const cJSON *result_map, const flat_map *result)
{
	char why[WHY_MAX] = "";
	FUZZ_CHECK(configmap_validate(result_map, why, sizeof why) == 0,
		   "configmap_apply made an invalid map: %s", why);
	/* every updated key holds its new value */
	for (size_t i = 0; i < update->count; i++) {
		const flat_entry *want = &update->items[i];
		const flat_entry *got = flat_find(result, want->scope, want->key);
		FUZZ_CHECK(got && strcmp(got->value, want->value) == 0,
			   "update of \"%.64s.%.64s\" lost", want->scope, want->key);
	}
	/* every key of the config: deleted (and not set again), or unchanged */
	for (size_t i = 0; i < base->count; i++) {
		const flat_entry *was = &base->items[i];
		if (flat_find(update, was->scope, was->key))
			continue;
		const flat_entry *got = flat_find(result, was->scope, was->key);
		if (flat_find(deletes, was->scope, was->key))
			FUZZ_CHECK(got == NULL, "deleted \"%.64s.%.64s\" is still there",
				   was->scope, was->key);
		else
			FUZZ_CHECK(got && strcmp(got->value, was->value) == 0,
				   "untouched \"%.64s.%.64s\" changed or went", was->scope,
				   was->key);
	}
	/* nothing else */
	for (size_t i = 0; i < result->count; i++) {
		const flat_entry *got = &result->items[i];
		FUZZ_CHECK(flat_find(update, got->scope, got->key) ||
				   (flat_find(base, got->scope, got->key) &&
				    !flat_find(deletes, got->scope, got->key)),
			   "\"%.64s.%.64s\" came from nowhere", got->scope, got->key);
	}
	/* no empty scope */
	const cJSON *scope;
	cJSON_ArrayForEach(scope, result_map)
		FUZZ_CHECK(scope->child != NULL, "empty scope \"%.64s\" kept", scope->string);
}

/* configmap_apply_text against the tree's answer (`rc`, `why`, `config`). */
static void check_text_apply(const char *printed_base, const cJSON *deletes_list,
			     const cJSON *update_map, int rc, const char *why, const cJSON *config)
{
	char text_why[WHY_MAX] = "";
	char *merged = NULL;
	int text_rc = configmap_apply_text(printed_base, strlen(printed_base), deletes_list,
					   update_map, &merged, text_why, sizeof text_why);
	FUZZ_CHECK(text_rc == rc, "configmap_apply_text rc %d, configmap_apply %d (%s | %s)",
		   text_rc, rc, text_why, why);
	if (rc == 0) {
		char *printed = cJSON_PrintUnformatted(config);
		FUZZ_CHECK(printed && merged && strcmp(printed, merged) == 0,
			   "configmap_apply_text wrote %.200s, cJSON prints %.200s",
			   merged ? merged : "nothing", printed ? printed : "nothing");
		free(printed);
	} else {
		FUZZ_CHECK(strcmp(text_why, why) == 0, "configmap_apply_text says %s, not %s",
			   text_why, why);
	}
	free(merged);
}

static void apply_to(const cJSON *base_map, const char *printed_base, const flat_map *base,
		     const cJSON *deletes_list, const cJSON *update_map)
{
	cJSON *config = cJSON_Duplicate(base_map, 1);
	FUZZ_CHECK(config != NULL, "out of memory");
	char why[WHY_MAX] = "";
	int rc = configmap_apply(config, deletes_list, update_map, why, sizeof why);
	FUZZ_CHECK(rc == 0 || rc == -1, "configmap_apply returned %d", rc);
	check_text_apply(printed_base, deletes_list, update_map, rc, why, config);
	if (rc == 0) {
		flat_map deletes, update, result, again;
		char *delete_text;
		flat_from_deletes(deletes_list, &deletes, &delete_text);
		flat_from_map(update_map, &update);
		flat_from_map(config, &result);
		check_merge(base, &deletes, &update, config, &result);

		cJSON *twice = cJSON_Duplicate(config, 1);
		FUZZ_CHECK(twice != NULL, "out of memory");
		FUZZ_CHECK(configmap_apply(twice, deletes_list, update_map, why, sizeof why) == 0,
			   "a second apply of the same request fails: %s", why);
		flat_from_map(twice, &again);
		FUZZ_CHECK(flat_equal(&result, &again), "a second apply changes the config");
		free(again.items);
		cJSON_Delete(twice);
		free(result.items);
		free(update.items);
		free(deletes.items);
		free(delete_text);
	} else {
		FUZZ_CHECK(why[0] != '\0', "a refused merge without a reason");
	}
	cJSON_Delete(config);
}

static flat_map realistic_flat, full_flat;
static char *realistic_printed, *full_printed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	realistic_config = build_realistic();
	full_config = build_full();
	char why[WHY_MAX];
	if (configmap_validate(realistic_config, why, sizeof why) < 0 ||
	    configmap_validate(full_config, why, sizeof why) < 0) {
		fprintf(stderr, "fuzz_update: a base config is invalid: %s\n", why);
		abort();
	}
	flat_from_map(realistic_config, &realistic_flat);
	flat_from_map(full_config, &full_flat);
	realistic_printed = cJSON_PrintUnformatted(realistic_config);
	full_printed = cJSON_PrintUnformatted(full_config);
	if (!realistic_printed || !full_printed)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cJSON *base = realistic_config;
	const char *base_printed = realistic_printed;
	const flat_map *base_flat = &realistic_flat;
	if (size > 0 && data[0] == '#') {
		base = full_config;
		base_printed = full_printed;
		base_flat = &full_flat;
		data++;
		size--;
	}
	const uint8_t *nul = memchr(data, '\0', size);
	size_t body_len = nul ? (size_t)(nul - data) : size;

	/* the deleteParams values, each NUL-terminated (they come as C strings) */
	enum { VALUES_MAX = 64 };
	const char *values[VALUES_MAX];
	size_t count = 0;
	char *rest = nul ? fuzz_string_copy(nul + 1, size - body_len - 1) : NULL;
	if (rest) {
		size_t rest_len = size - body_len - 1;
		for (size_t start = 0; start <= rest_len && count < VALUES_MAX;) {
			values[count++] = rest + start;
			start += strlen(rest + start) + 1;
		}
	}

	char why[WHY_MAX] = "";
	cJSON *deletes = NULL;
	int deletes_rc = configmap_parse_deletes(values, count, &deletes, why, sizeof why);
	FUZZ_CHECK((deletes_rc == 0) == (deletes != NULL), "parse_deletes rc %d, out %p",
		   deletes_rc, (void *)deletes);
	if (deletes_rc == 0)
		check_deletes(deletes);
	else
		FUZZ_CHECK(why[0] != '\0', "refused deletes without a reason");

	char *body = fuzz_exact_copy(data, body_len);
	cJSON *update = NULL;
	why[0] = '\0';
	int update_rc = configmap_parse_update(body, body_len, &update, why, sizeof why);
	FUZZ_CHECK((update_rc == 0) == (update != NULL), "parse_update rc %d, out %p", update_rc,
		   (void *)update);
	if (update_rc == 0) {
		char again[WHY_MAX] = "";
		FUZZ_CHECK(configmap_validate(update, again, sizeof again) == 0,
			   "a parsed update is not a valid map: %s", again);
	} else {
		FUZZ_CHECK(why[0] != '\0', "a refused body without a reason");
	}

	if (deletes && update)
		apply_to(base, base_printed, base_flat, deletes, update);

	cJSON_Delete(update);
	cJSON_Delete(deletes);
	free(body);
	free(rest);
	return 0;
}
