/*
 * fixtures.c — task specs (the fixture format, shared with the control
 * API's POST /_mock/tasks) and fixture texts {"tasks": [...]}.
 *
 * A spec is {"taskName", "state", "config", "checkpoint"?, "progress"?,
 * "lastError"?}. Everything is checked before anything is written: a bad
 * spec is refused whole with a sentence naming the field. Calls rows.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configmap.h"
#include "json.h"
#include "store_internal.h"
#include "text.h"

static const char *const known_fields[] = {"taskName",	 "state",    "config",
					   "checkpoint", "progress", "lastError"};

/* The optional "checkpoint" and "progress" of a spec, into `row`. */
static int read_progress(const cJSON *spec, task_row *row, char *why, size_t why_cap)
{
	const cJSON *checkpoint = cJSON_GetObjectItemCaseSensitive(spec, "checkpoint");
	if (checkpoint && !cJSON_IsNull(checkpoint)) {
		double t = cJSON_IsNumber(checkpoint) ? checkpoint->valuedouble : -1;
		if (!(t >= 0) || t != floor(t) || t > (double)CONFIGMAP_CHECKPOINT_MAX)
			return text_fail(why, why_cap, "checkpoint must be unix seconds or null");
		row->has_checkpoint = true;
		row->checkpoint = (int64_t)t;
	}
	const cJSON *progress = cJSON_GetObjectItemCaseSensitive(spec, "progress");
	if (progress && !cJSON_IsNull(progress)) {
		if (row->parsed.component != COMPONENT_FULL_TRANS)
			return text_fail(why, why_cap, "only a full_trans task has a progress");
		double p = cJSON_IsNumber(progress) ? progress->valuedouble : -1;
		if (!(p >= 0 && p <= 1))
			return text_fail(why, why_cap,
					 "progress must be a number from 0 to 1, or null");
		row->has_progress = true;
		row->progress = p;
	}
	return 0;
}

int fixtures_task_from_spec(const cJSON *spec, int64_t now_ms, task_row *row, char *why,
			    size_t why_cap)
{
	memset(row, 0, sizeof *row);
	if (!cJSON_IsObject(spec))
		return text_fail(why, why_cap, "a task must be a JSON object");
	const cJSON *repeated = json_find_duplicate(spec);
	if (repeated)
		return text_fail(why, why_cap, "field \"%.64s\" appears twice", repeated->string);
	for (const cJSON *field = spec->child; field; field = field->next) {
		bool known = false;
		for (size_t i = 0; i < sizeof known_fields / sizeof *known_fields; i++)
			known = known || strcmp(field->string, known_fields[i]) == 0;
		if (!known)
			return text_fail(why, why_cap, "unknown field \"%.64s\"", field->string);
	}
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "taskName");
	const char *name_why = "taskName must be a string";
	if (!cJSON_IsString(name) || taskname_parse(name->valuestring, strlen(name->valuestring),
						    &row->parsed, &name_why) < 0)
		return text_fail(why, why_cap, "taskName: %s", name_why);
	snprintf(row->name, sizeof row->name, "%s", name->valuestring);

	const cJSON *state = cJSON_GetObjectItemCaseSensitive(spec, "state");
	row->state = cJSON_IsString(state) ? task_state_from_name(state->valuestring) : TASK__COUNT;
	if (row->state == TASK__COUNT)
		return text_fail(
			why, why_cap,
			"state must be one of CREATED, RUNNING, STOPPED, ABNORMAL, FINISHED");
	if (row->state == TASK_FINISHED && row->parsed.component != COMPONENT_FULL_TRANS)
		return text_fail(why, why_cap, "only a full_trans task can be FINISHED");

	if (read_progress(spec, row, why, why_cap) < 0)
		return -1;
	const cJSON *last_error = cJSON_GetObjectItemCaseSensitive(spec, "lastError");
	if (last_error && !cJSON_IsNull(last_error)) {
		if (!cJSON_IsString(last_error) ||
		    strlen(last_error->valuestring) > STORE_LAST_ERROR_MAX ||
		    !text_utf8_valid(last_error->valuestring, strlen(last_error->valuestring)))
			return text_fail(why, why_cap,
					 "lastError must be a string of at most %d bytes, or null",
					 STORE_LAST_ERROR_MAX);
	}
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(spec, "config");
	char config_why[512];
	if (config && configmap_validate(config, config_why, sizeof config_why) < 0)
		return text_fail(why, why_cap, "config: %s", config_why);
	row->config = config ? cJSON_Duplicate(config, 1) : cJSON_CreateObject();
	row->config_changed = true;
	if (last_error && cJSON_IsString(last_error))
		row->last_error = strdup(last_error->valuestring);
	if (!row->config || (last_error && cJSON_IsString(last_error) && !row->last_error)) {
		task_row_free(row);
		return text_fail(why, why_cap, "out of memory");
	}
	row->created_at = now_ms;
	row->updated_at = now_ms;
	return 0;
}

store_status fixtures_create_task(task_store *store, const char *ns, const cJSON *spec,
				  int64_t now_ms, cJSON **created, char *why, size_t why_cap)
{
	task_row row;
	if (fixtures_task_from_spec(spec, now_ms, &row, why, why_cap) < 0)
		return STORE_INVALID;
	store_status status = STORE_OK;
	int busy = rows_identity_taken(store, ns, &row);
	if (busy < 0) {
		status = STORE_FAILED;
	} else if (busy) {
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&row.parsed, identity, sizeof identity);
		text_fail(why, why_cap,
			  "a task of identity %s already exists (one live task per identity)",
			  identity);
		status = STORE_EXISTS;
	} else if (rows_insert(store, ns, &row) < 0 || sim_on_insert(store, ns, &row) < 0) {
		text_fail(why, why_cap, "cannot insert %s: %s", row.name,
			  sqlite3_errmsg(store->db));
		status = STORE_FAILED;
	} else if (created) {
		*created = rows_to_json(store, &row);
		if (!*created)
			status = STORE_FAILED;
	}
	task_row_free(&row);
	return status;
}

store_status fixtures_load(task_store *store, const char *ns, const char *fixtures, size_t len,
			   int64_t now_ms, char *why, size_t why_cap)
{
	if (!fixtures) /* no fixtures given: an empty namespace */
		return sim_seed(store, ns, NULL, why, why_cap) == 0 ? STORE_OK : STORE_FAILED;
	/* the parser of every request body: trailing bytes, a \u0000, a
	 * repeated field are refused here as in a POST */
	char parse_why[STORE_MESSAGE_MAX] = "";
	cJSON *root = json_parse_body(fixtures, len, parse_why, sizeof parse_why);
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(root, "tasks");
	/* "tasks", and "simulation" when given, once each: nothing else */
	int fields = 1 + (cJSON_GetObjectItemCaseSensitive(root, "simulation") != NULL);
	if (!cJSON_IsArray(tasks) || cJSON_GetArraySize(root) != fields) {
		cJSON_Delete(root);
		text_fail(why, why_cap,
			  "fixtures must be a JSON object {\"tasks\": [...], \"simulation\": {...} "
			  "(optional)}%s%s",
			  parse_why[0] ? ": " : "", parse_why);
		return STORE_INVALID;
	}
	int seeded = sim_seed(store, ns, root, why, why_cap); /* before the tasks move */
	if (seeded < 0) {
		cJSON_Delete(root);
		return seeded == -1 ? STORE_INVALID : STORE_FAILED;
	}
	int index = 0;
	const cJSON *spec;
	store_status status = STORE_OK;
	cJSON_ArrayForEach(spec, tasks)
	{
		char inner[STORE_MESSAGE_MAX];
		status = fixtures_create_task(store, ns, spec, now_ms, NULL, inner, sizeof inner);
		if (status != STORE_OK) {
			text_fail(why, why_cap, "fixture task %d: %s", index, inner);
			if (status == STORE_EXISTS)
				status = STORE_INVALID;
			break;
		}
		index++;
	}
	cJSON_Delete(root);
	return status;
}
