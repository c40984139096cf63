/*
 * fuzz_fixtures.c — the fixtures loader: store_reset on a ":memory:" store
 * (store/control.c, namespace.c and fixtures.c, and the config-map and
 * taskName checks they use).
 *
 * The input is a fixtures text {"tasks":[...]}, passed without a terminating
 * NUL, loaded into the "default" namespace. One store lives for the whole
 * run, so each input resets the state the previous one left. Properties:
 *   - STORE_OK: the count of tasks is >= 0, store_list_tasks succeeds and
 *     lists that many tasks, in strictly increasing name order, and each
 *     reads back with store_get_task under its own name;
 *   - anything else: nothing changed (the count is the one before), and an
 *     invalid file says why;
 *   - never STORE_FAILED: an in-memory database has no storage to fail;
 *   - namespaces never see each other: a second namespace, seeded once from
 *     the same store's fixtures, keeps its tasks whatever "default" loads.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>

#include "../store/store.h"
#include "fuzz_common.h"

enum { WHY_MAX = 1024 };
static const int64_t NOW_MS = INT64_C(1763712000000);

static task_store *store;
static const char *const NS = STORE_DEFAULT_NAMESPACE;
static const char *const OTHER_NS = "fuzz_other";
static int64_t other_count;

/* A small valid fixtures text, loaded first so a refused reset has
 * something to keep. */
static const char seed_fixtures[] =
	"{\"tasks\":[{\"taskName\":\"10.0.0.11-9000:connector_v2:np_56el1g1jvrs0-incr_trans-1-0:"
	"0000000001\","
	"\"state\":\"RUNNING\",\"config\":{\"source\":{\"clients\":\"[{\\\"clientId\\\":\\\"c1\\\","
	"\\\"subtopic\\\":\\\"oms_store_t1\\\"}]\"}},"
	"\"checkpoint\":1700000000},"
	"{\"taskName\":\"10.0.0.12-9000:connector_v2:np_5a3kq8d2mtv4-full_trans-1-0:0000000001\","
	"\"state\":\"RUNNING\",\"config\":{},\"progress\":0.42}]}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	store_options options = {
		.path = ":memory:",
		.durability = DURABILITY_NORMAL,
		.busy_timeout_ms = 1000,
		.audit_retention_ms = 0,
	};
	bool created;
	char why[WHY_MAX] = "";
	if (store_open(&options, &store, &created, why, sizeof why) < 0 ||
	    store_set_fixtures(store, seed_fixtures, sizeof seed_fixtures - 1) < 0 ||
	    store_reset(store, NS, NULL, 0, NOW_MS, why, sizeof why) != STORE_OK) {
		fprintf(stderr, "fuzz_fixtures: cannot set up the store: %s\n", why);
		abort();
	}
	/* naming a namespace creates it, seeded from the store's fixtures */
	other_count = store_count_tasks(store, OTHER_NS, NOW_MS);
	if (other_count != 2) {
		fprintf(stderr, "fuzz_fixtures: namespace %s has %lld tasks, not 2\n", OTHER_NS,
			(long long)other_count);
		abort();
	}
	return 0;
}

static void check_loaded(int64_t count)
{
	FUZZ_CHECK(count >= 0, "store_count_tasks after a reset: %" PRId64, count);
	cJSON *tasks = NULL;
	FUZZ_CHECK(store_list_tasks(store, NS, NULL, NULL, NOW_MS, &tasks) == STORE_OK &&
			   cJSON_IsArray(tasks),
		   "store_list_tasks failed after a reset");
	FUZZ_CHECK(cJSON_GetArraySize(tasks) == count, "listed %d tasks, counted %" PRId64,
		   cJSON_GetArraySize(tasks), count);
	const char *previous = NULL;
	const cJSON *task;
	cJSON_ArrayForEach(task, tasks)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(task, "taskName");
		FUZZ_CHECK(cJSON_IsString(name), "a listed task without a taskName");
		FUZZ_CHECK(!previous || strcmp(previous, name->valuestring) < 0,
			   "tasks not in name order: \"%s\" then \"%s\"", previous,
			   name->valuestring);
		previous = name->valuestring;
		cJSON *read = NULL;
		FUZZ_CHECK(store_get_task(store, NS, name->valuestring, NOW_MS, &read) == STORE_OK,
			   "listed task \"%s\" does not read back", name->valuestring);
		FUZZ_CHECK(cJSON_Compare(read, task, 1), "task \"%s\" reads back otherwise",
			   name->valuestring);
		cJSON_Delete(read);
	}
	cJSON_Delete(tasks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_exact_copy(data, size);
	int64_t before = store_count_tasks(store, NS, NOW_MS);
	FUZZ_CHECK(before >= 0, "store_count_tasks failed before the reset");

	char why[WHY_MAX] = "";
	/* `text` is never NULL (NULL would load the store's own fixtures) */
	store_status status = store_reset(store, NS, text, size, NOW_MS, why, sizeof why);
	int64_t after = store_count_tasks(store, NS, NOW_MS);
	switch (status) {
	case STORE_OK:
		check_loaded(after);
		break;
	case STORE_INVALID:
		FUZZ_CHECK(why[0] != '\0', "invalid fixtures without a reason");
		FUZZ_CHECK(after == before,
			   "a refused reset changed the count: %" PRId64 " -> %" PRId64 " (%s)",
			   before, after, why);
		break;
	default:
		FUZZ_CHECK(0, "store_reset gave status %d on an in-memory store: %s", (int)status,
			   why);
	}
	int64_t other = store_count_tasks(store, OTHER_NS, NOW_MS);
	FUZZ_CHECK(other == other_count,
		   "namespace %s went from %" PRId64 " to %" PRId64 " tasks when \"%s\" was reset",
		   OTHER_NS, other_count, other, NS);
	free(text);
	return 0;
}
