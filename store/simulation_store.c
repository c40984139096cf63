/*
 * simulation_store.c — the simulation kept in SQLite: each namespace's
 * settings (table `simulation`), each RUNNING task's motion base (columns
 * of its row in `tasks`, schema version 6), and the transitions applied as
 * the namespace's clock reaches them (store_internal.h's section). Calls
 * db.c, audit.c and rows.c.
 *
 * Advancing costs nothing when the simulation is off and O(due
 * transitions) when it is on: a cache remembers, for the namespace last
 * used, its settings and the earliest `next_ms` of its motions (from the
 * partial index tasks_next), so a read or an operation before that time
 * compares two integers and goes on. The cache is stale after any
 * rollback (what it learned in the transaction may be undone: it compares
 * `store->rollbacks`), and is updated by every write of this file.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_simulation.h"
#include "text.h"

typedef enum {
	SIM_SETTINGS_GET,
	SIM_SETTINGS_PUT,
	SIM_SETTINGS_DELETE,
	SIM_MOTION_PUT,
	SIM_MOTION_DELETE,
	SIM_MOTION_WIPE,
	SIM_MOTION_DUE,
	SIM_MOTION_FIRST,
	SIM_TASK_TRANSITION,
	SIM_TASK_SET_VALUES,
	SIM_RUNNING_PAGE,
	SIM__COUNT
} sim_statement;

#define NO_MOTION "since_ms = NULL, base_progress = NULL, base_position_ms = NULL, next_ms = NULL"

static const char *const sim_sql[SIM__COUNT] = {
	[SIM_SETTINGS_GET] = "SELECT settings FROM simulation WHERE ns = ?16",
	[SIM_SETTINGS_PUT] = "INSERT OR REPLACE INTO simulation (ns, settings) VALUES (?16, ?1)",
	[SIM_SETTINGS_DELETE] = "DELETE FROM simulation WHERE ns = ?16",
	[SIM_MOTION_PUT] = "UPDATE tasks SET since_ms = ?2, base_progress = ?3,"
			   " base_position_ms = ?4, next_ms = ?5 WHERE ns = ?16 AND name = ?1",
	[SIM_MOTION_DELETE] = "UPDATE tasks SET " NO_MOTION " WHERE ns = ?16 AND name = ?1",
	[SIM_MOTION_WIPE] =
		"UPDATE tasks SET " NO_MOTION " WHERE ns = ?16 AND since_ms IS NOT NULL",
	/* tasks_next holds (ns, next_ms, name): the order is the index's */
	[SIM_MOTION_DUE] = "SELECT name, since_ms, base_progress, base_position_ms, next_ms"
			   " FROM tasks WHERE ns = ?16 AND next_ms <= ?1"
			   " ORDER BY next_ms, name LIMIT 1",
	[SIM_MOTION_FIRST] =
		"SELECT min(next_ms) FROM tasks WHERE ns = ?16 AND next_ms IS NOT NULL",
	[SIM_TASK_TRANSITION] =
		"UPDATE tasks SET state = ?2, checkpoint = coalesce(?3, checkpoint),"
		" progress = coalesce(?4, progress), last_error = coalesce(?5, last_error),"
		" updated_at = ?6, " NO_MOTION
		" WHERE ns = ?16 AND name = ?1 AND state = 'RUNNING'",
	[SIM_TASK_SET_VALUES] = "UPDATE tasks SET checkpoint = ?2, progress = ?3"
				" WHERE ns = ?16 AND name = ?1",
	[SIM_RUNNING_PAGE] = "SELECT name, checkpoint, progress, since_ms, base_progress,"
			     " base_position_ms FROM tasks"
			     " WHERE ns = ?16 AND state = 'RUNNING' AND name > ?1"
			     " ORDER BY name LIMIT 256",
};

struct sim_state {
	sqlite3_stmt *statements[SIM__COUNT];
	sim_settings defaults;
	/* the cache: the settings and first due time of namespace `ns`, valid
	 * while `cached` and no rollback happened since (`rollbacks`) */
	bool cached;
	unsigned rollbacks;
	char ns[STORE_NAMESPACE_MAX + 1];
	sim_settings settings;
	int64_t next_due; /* INT64_MAX: nothing due, ever */
};

/* As db_statement, for this file's statements. */
static sqlite3_stmt *statement(task_store *store, sim_statement which, const char *ns)
{
	STORE_ASSERT_LOCKED(store);
	sqlite3_stmt *s = store->sim->statements[which];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (sqlite3_bind_parameter_count(s) >= NAMESPACE_PARAMETER)
		sqlite3_bind_text(s, NAMESPACE_PARAMETER, ns, -1, SQLITE_STATIC);
	return s;
}

/* Whether the cache holds namespace `ns`. */
static bool cache_holds(const task_store *store, const char *ns)
{
	const struct sim_state *sim = store->sim;
	return sim->cached && sim->rollbacks == store->rollbacks && strcmp(sim->ns, ns) == 0;
}

static void cache_set(task_store *store, const char *ns)
{
	struct sim_state *sim = store->sim;
	snprintf(sim->ns, sizeof sim->ns, "%s", ns);
	sim->rollbacks = store->rollbacks;
	sim->cached = true;
}

static void forget(task_store *store) { store->sim->cached = false; }

int sim_open(task_store *store, char *why, size_t why_cap)
{
	store->sim = calloc(1, sizeof *store->sim);
	if (!store->sim)
		return text_fail(why, why_cap, "out of memory");
	sim_settings_default(&store->sim->defaults);
	for (int i = 0; i < SIM__COUNT; i++)
		if (sqlite3_prepare_v3(store->db, sim_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &store->sim->statements[i], NULL) != SQLITE_OK) {
			text_fail(why, why_cap, "cannot prepare simulation statement %d: %s", i,
				  sqlite3_errmsg(store->db));
			sim_close(store);
			return -1;
		}
	return 0;
}

void sim_close(task_store *store)
{
	if (!store->sim)
		return;
	for (int i = 0; i < SIM__COUNT; i++)
		sqlite3_finalize(store->sim->statements[i]);
	free(store->sim);
	store->sim = NULL;
}

void store_simulation_set_defaults(task_store *store, const sim_settings *defaults)
{
	store->sim->defaults = *defaults;
	forget(store);
}

/* Reads the earliest next_ms of the namespace into the cache. */
static int load_next_due(task_store *store, const char *ns)
{
	sqlite3_stmt *s = statement(store, SIM_MOTION_FIRST, ns);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store->sim->next_due = sqlite3_column_type(s, 0) == SQLITE_NULL
					       ? INT64_MAX
					       : sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* The namespace's settings (cached); NULL on a storage failure. */
static const sim_settings *current(task_store *store, const char *ns)
{
	struct sim_state *sim = store->sim;
	if (cache_holds(store, ns))
		return &sim->settings;
	sim->settings = sim->defaults;
	sqlite3_stmt *s = statement(store, SIM_SETTINGS_GET, ns);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);
		cJSON *json = text ? cJSON_Parse(text) : NULL;
		char why[256];
		/* a row written by this file parses; a hand-edited one that does
		 * not leaves the defaults */
		if (json)
			sim_settings_apply_json(&sim->settings, json, why, sizeof why);
		cJSON_Delete(json);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return NULL;
	sim->next_due = INT64_MAX;
	if (sim->settings.enabled && load_next_due(store, ns) < 0)
		return NULL;
	cache_set(store, ns);
	return &sim->settings;
}

static int put_settings(task_store *store, const char *ns, const sim_settings *settings)
{
	cJSON *json = sim_settings_to_json(settings);
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;
	cJSON_Delete(json);
	if (!text)
		return -1;
	sqlite3_stmt *s = statement(store, SIM_SETTINGS_PUT, ns);
	sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	int rc = db_run(s);
	free(text);
	return rc;
}

static int delete_motion(task_store *store, const char *ns, const char *name)
{
	sqlite3_stmt *s = statement(store, SIM_MOTION_DELETE, ns);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return db_run(s);
}

/* Writes a motion and its next transition; lowers the cached due time. */
static int put_motion(task_store *store, const char *ns, const sim_settings *settings,
		      const char *name, const char *identity, component_type type,
		      const sim_motion *motion)
{
	sim_transition next = sim_next_transition(settings, type, identity, motion);
	sqlite3_stmt *s = statement(store, SIM_MOTION_PUT, ns);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, motion->since_ms);
	sqlite3_bind_double(s, 3, motion->progress);
	sqlite3_bind_int64(s, 4, motion->position_ms);
	if (next.event != SIM_EVENT_NONE)
		sqlite3_bind_int64(s, 5, next.at_ms);
	if (db_run(s) < 0)
		return -1;
	struct sim_state *sim = store->sim;
	if (next.event != SIM_EVENT_NONE && cache_holds(store, ns) && next.at_ms < sim->next_due)
		sim->next_due = next.at_ms;
	return 0;
}

/* Unix ms to unix seconds, rounding down (also below 0). */
static int64_t seconds_of(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

static int journal_transition(task_store *store, const char *ns, const char *name, sim_event event,
			      const char *last_error, int64_t at_ms)
{
	cJSON *params = cJSON_CreateObject();
	cJSON_AddStringToObject(params, "event", event == SIM_EVENT_FINISH ? "finished" : "failed");
	if (last_error)
		cJSON_AddStringToObject(params, "lastError", last_error);
	char *text = cJSON_PrintUnformatted(params);
	cJSON_Delete(params);
	if (!text)
		return -1;
	audit_record record = {
		.now_ms = at_ms,
		.op = "simulate",
		.task_name = name,
		.params_json = text,
		.http_status = 0, /* no HTTP request */
		.is_success = true,
		.from_state = task_state_name(TASK_RUNNING),
		.to_state =
			task_state_name(event == SIM_EVENT_FINISH ? TASK_FINISHED : TASK_ABNORMAL),
	};
	int rc = audit_insert(store, ns, &record);
	free(text);
	return rc;
}

typedef struct {
	char name[TASKNAME_MAX + 1];
	char identity[TASKNAME_IDENTITY_MAX + 1];
	component_type type;
	sim_motion motion;
	int64_t at_ms;
} due_motion;

/* Applies one due transition: the task's row (its motion ends with it)
 * and its journal entry. */
static int apply_transition(task_store *store, const char *ns, const sim_settings *settings,
			    const due_motion *due)
{
	sim_transition next = sim_next_transition(settings, due->type, due->identity, &due->motion);
	if (next.event == SIM_EVENT_NONE) /* cannot happen: settings change rebases */
		return delete_motion(store, ns, due->name);
	sim_view view = sim_view_at(settings, due->type, due->identity, &due->motion, due->at_ms);
	char last_error[SIM_LAST_ERROR_MAX + 1] = "";
	bool failed = next.event == SIM_EVENT_FAIL;
	if (failed)
		sim_last_error(settings, next.failure, last_error, sizeof last_error);
	sqlite3_stmt *s = statement(store, SIM_TASK_TRANSITION, ns);
	sqlite3_bind_text(s, 1, due->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, task_state_name(failed ? TASK_ABNORMAL : TASK_FINISHED), -1,
			  SQLITE_STATIC);
	if (due->type == COMPONENT_INCR_TRANS)
		sqlite3_bind_int64(s, 3, seconds_of(view.position_ms));
	if (due->type == COMPONENT_FULL_TRANS)
		sqlite3_bind_double(s, 4, failed ? view.progress : 1.0);
	if (failed)
		sqlite3_bind_text(s, 5, last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, due->at_ms);
	if (db_run(s) < 0)
		return -1;
	if (sqlite3_changes(store->db) == 0) /* not RUNNING: a stale motion */
		return delete_motion(store, ns, due->name);
	return journal_transition(store, ns, due->name, next.event, failed ? last_error : NULL,
				  due->at_ms);
}

/* The first motion due at or before `now_ms`: 1 found, 0 none, -1 failure. */
static int first_due(task_store *store, const char *ns, int64_t now_ms, due_motion *due)
{
	sqlite3_stmt *s = statement(store, SIM_MOTION_DUE, ns);
	sqlite3_bind_int64(s, 1, now_ms);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		snprintf(due->name, sizeof due->name, "%s", name ? name : "");
		taskname parsed;
		if (taskname_parse(due->name, strlen(due->name), &parsed, NULL) == 0) {
			taskname_identity(&parsed, due->identity, sizeof due->identity);
			due->type = parsed.component;
		} else {
			/* not a task name this store wrote: its draws use the text */
			snprintf(due->identity, sizeof due->identity, "%.*s",
				 (int)sizeof due->identity - 1, due->name);
			due->type = COMPONENT_OTHER;
		}
		due->motion.since_ms = sqlite3_column_int64(s, 1);
		due->motion.progress = sqlite3_column_double(s, 2);
		due->motion.position_ms = sqlite3_column_int64(s, 3);
		due->at_ms = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sim_advance(task_store *store, const char *ns, int64_t now_ms)
{
	STORE_ASSERT_WRITING(store);
	const sim_settings *settings = current(store, ns);
	if (!settings)
		return -1;
	if (!settings->enabled || now_ms < store->sim->next_due)
		return 0;
	/* each pass ends one motion: at most as many passes as RUNNING tasks */
	for (;;) {
		due_motion due;
		int found = first_due(store, ns, now_ms, &due);
		if (found < 0)
			return -1;
		if (found == 0)
			break;
		if (apply_transition(store, ns, settings, &due) < 0)
			return -1;
	}
	return load_next_due(store, ns);
}

/* Starts the row's motion at `now_ms`; lowers the cached due time. */
static void start_motion(task_store *store, const char *ns, const sim_settings *settings,
			 task_row *row, const char *identity, int64_t now_ms)
{
	row->moving = true;
	row->motion = sim_motion_start(settings, now_ms, row->has_progress, row->progress,
				       row->has_checkpoint, row->checkpoint);
	sim_transition next =
		sim_next_transition(settings, row->parsed.component, identity, &row->motion);
	row->has_next = next.event != SIM_EVENT_NONE;
	row->next_ms = next.at_ms;
	struct sim_state *sim = store->sim;
	if (row->has_next && cache_holds(store, ns) && next.at_ms < sim->next_due)
		sim->next_due = next.at_ms;
}

int sim_on_change(task_store *store, const char *ns, task_row *row, task_state from, int64_t now_ms)
{
	STORE_ASSERT_LOCKED(store);
	const sim_settings *settings = current(store, ns);
	if (!settings)
		return -1;
	if (!settings->enabled)
		return 0;
	sim_change change = sim_change_of(from, row->state);
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	if (change == SIM_CHANGE_START) {
		start_motion(store, ns, settings, row, identity, now_ms);
	} else if (change == SIM_CHANGE_FREEZE && row->moving) {
		sim_view view = sim_view_at(settings, row->parsed.component, identity, &row->motion,
					    now_ms);
		if (row->parsed.component == COMPONENT_FULL_TRANS) {
			row->has_progress = true;
			row->progress = view.progress;
		} else if (row->parsed.component == COMPONENT_INCR_TRANS) {
			row->has_checkpoint = true;
			row->checkpoint = seconds_of(view.position_ms);
		}
		row->moving = row->has_next = false;
	}
	return 0;
}

int sim_on_insert(task_store *store, const char *ns, const task_row *row)
{
	if (row->state != TASK_RUNNING)
		return 0;
	task_row copy = *row; /* shallow: only its values are read */
	copy.moving = false;
	if (sim_on_change(store, ns, &copy, TASK__COUNT, row->updated_at) < 0)
		return -1;
	if (!copy.moving)
		return 0;
	/* the row is inserted: its motion is written over it */
	sqlite3_stmt *s = statement(store, SIM_MOTION_PUT, ns);
	sqlite3_bind_text(s, 1, row->name, -1, SQLITE_STATIC);
	rows_bind_motion(s, 2, &copy);
	return db_run(s);
}

int sim_show(task_store *store, const char *ns, task_row *row, int64_t now_ms)
{
	STORE_ASSERT_LOCKED(store);
	row->has_lag = false;
	const sim_settings *settings = current(store, ns);
	if (!settings)
		return -1;
	if (!settings->enabled)
		return 0; /* nothing moves: the row as it is, and no lag to watch */
	bool has_position = row->has_checkpoint;
	int64_t position_ms = row->checkpoint * 1000;
	if (row->state == TASK_RUNNING && row->moving) {
		char identity[TASKNAME_IDENTITY_MAX + 1];
		taskname_identity(&row->parsed, identity, sizeof identity);
		sim_view view = sim_view_at(settings, row->parsed.component, identity, &row->motion,
					    now_ms);
		if (row->parsed.component == COMPONENT_FULL_TRANS) {
			row->has_progress = true;
			row->progress = view.progress;
		} else if (row->parsed.component == COMPONENT_INCR_TRANS) {
			row->has_checkpoint = has_position = true;
			row->checkpoint = seconds_of(view.position_ms);
			position_ms = view.position_ms;
		}
	}
	/* a stopped Incr-Sync's position stands still, and its lag grows */
	row->has_lag = row->parsed.component == COMPONENT_INCR_TRANS && has_position;
	row->lag_seconds = now_ms > position_ms ? (double)(now_ms - position_ms) / 1000.0 : 0;
	return 0;
}

int sim_wipe(task_store *store, const char *ns, bool everything)
{
	/* the motions went with the tasks' rows */
	if (everything && db_run(statement(store, SIM_SETTINGS_DELETE, ns)) < 0)
		return -1;
	forget(store);
	return 0;
}

int sim_seed(task_store *store, const char *ns, const cJSON *root, char *why, size_t why_cap)
{
	sim_settings settings = store->sim->defaults;
	const cJSON *given = root ? cJSON_GetObjectItemCaseSensitive(root, "simulation") : NULL;
	char inner[512];
	if (given && sim_settings_apply_json(&settings, given, inner, sizeof inner) < 0) {
		text_fail(why, why_cap, "simulation: %s", inner);
		return -1;
	}
	if (put_settings(store, ns, &settings) < 0)
		return -2;
	struct sim_state *sim = store->sim;
	sim->settings = settings;
	sim->next_due = INT64_MAX;
	if (settings.enabled && load_next_due(store, ns) < 0)
		return -2;
	cache_set(store, ns);
	return 0;
}

/* A RUNNING task read for a rebase. */
typedef struct {
	char name[TASKNAME_MAX + 1];
	taskname parsed;
	bool has_checkpoint, has_progress;
	int64_t checkpoint;
	double progress;
	bool moving;
	sim_motion motion;
} running_task;

/* One task: what it reached under `old` becomes its base under `next`. */
static int rebase_one(task_store *store, const char *ns, const sim_settings *old,
		      const sim_settings *next, const running_task *task, int64_t now_ms)
{
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&task->parsed, identity, sizeof identity);
	component_type type = task->parsed.component;
	sim_motion motion;
	bool found = old->enabled && task->moving;
	if (found) {
		sim_view view = sim_view_at(old, type, identity, &task->motion, now_ms);
		motion = (sim_motion){.since_ms = now_ms,
				      .progress = view.progress,
				      .position_ms = view.position_ms};
		sqlite3_stmt *s = statement(store, SIM_TASK_SET_VALUES, ns);
		sqlite3_bind_text(s, 1, task->name, -1, SQLITE_STATIC);
		if (type == COMPONENT_INCR_TRANS || task->has_checkpoint)
			sqlite3_bind_int64(s, 2,
					   type == COMPONENT_INCR_TRANS
						   ? seconds_of(view.position_ms)
						   : task->checkpoint);
		if (type == COMPONENT_FULL_TRANS || task->has_progress)
			sqlite3_bind_double(s, 3,
					    type == COMPONENT_FULL_TRANS ? view.progress
									 : task->progress);
		if (db_run(s) < 0)
			return -1;
	} else {
		motion = sim_motion_start(next, now_ms, task->has_progress, task->progress,
					  task->has_checkpoint, task->checkpoint);
	}
	if (!next->enabled)
		return found ? delete_motion(store, ns, task->name) : 0;
	return put_motion(store, ns, next, task->name, identity, type, &motion);
}

/* Reads up to a page of RUNNING tasks after `after` (by name). */
static int running_page(task_store *store, const char *ns, const char *after, running_task *page,
			size_t cap, size_t *count)
{
	sqlite3_stmt *s = statement(store, SIM_RUNNING_PAGE, ns);
	sqlite3_bind_text(s, 1, after, -1, SQLITE_STATIC);
	*count = 0;
	int rc;
	while (*count < cap && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		running_task *t = &page[*count];
		const char *name = (const char *)sqlite3_column_text(s, 0);
		if (!name || strlen(name) > TASKNAME_MAX ||
		    taskname_parse(name, strlen(name), &t->parsed, NULL) < 0)
			continue; /* not a task this store wrote */
		strcpy(t->name, name);
		t->has_checkpoint = sqlite3_column_type(s, 1) != SQLITE_NULL;
		t->checkpoint = sqlite3_column_int64(s, 1);
		t->has_progress = sqlite3_column_type(s, 2) != SQLITE_NULL;
		t->progress = sqlite3_column_double(s, 2);
		t->moving = sqlite3_column_type(s, 3) != SQLITE_NULL;
		t->motion = (sim_motion){.since_ms = sqlite3_column_int64(s, 3),
					 .progress = sqlite3_column_double(s, 4),
					 .position_ms = sqlite3_column_int64(s, 5)};
		(*count)++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

enum { REBASE_PAGE = 256 };

/* Every RUNNING task, page by page: rebase_one from `old` to `next`. */
static int rebase_all(task_store *store, const char *ns, const sim_settings *old,
		      const sim_settings *next, int64_t now_ms)
{
	running_task *page = malloc(REBASE_PAGE * sizeof *page);
	if (!page)
		return -1;
	char after[TASKNAME_MAX + 1] = "";
	int result = 0;
	for (;;) {
		size_t count;
		if (running_page(store, ns, after, page, REBASE_PAGE, &count) < 0) {
			result = -1;
			break;
		}
		for (size_t i = 0; i < count && result == 0; i++)
			result = rebase_one(store, ns, old, next, &page[i], now_ms);
		if (result < 0 || count < REBASE_PAGE)
			break;
		strcpy(after, page[count - 1].name);
	}
	free(page);
	return result;
}

int sim_rebase_all(task_store *store, const char *ns, int64_t now_ms, bool drop)
{
	STORE_ASSERT_WRITING(store);
	const sim_settings *found = current(store, ns);
	if (!found)
		return -1;
	sim_settings settings = *found;
	if (drop && db_run(statement(store, SIM_MOTION_WIPE, ns)) < 0)
		return -1;
	if (!settings.enabled)
		return 0;
	forget(store); /* the motions change under the cache */
	return rebase_all(store, ns, &settings, &settings, now_ms);
}

/* ---- the control API (control.c) --------------------------------------- */

cJSON *sim_settings_json(task_store *store, const char *ns)
{
	const sim_settings *settings = current(store, ns);
	return settings ? sim_settings_to_json(settings) : NULL;
}

store_status sim_settings_change(task_store *store, const char *ns, const cJSON *body,
				 int64_t now_ms, cJSON **out, char *why, size_t why_cap)
{
	STORE_ASSERT_WRITING(store);
	*out = NULL;
	const sim_settings *found = current(store, ns);
	if (!found)
		return STORE_FAILED;
	sim_settings old = *found, next = *found;
	if (sim_settings_apply_json(&next, body, why, why_cap) < 0)
		return STORE_INVALID;
	forget(store);
	if (rebase_all(store, ns, &old, &next, now_ms) < 0 || put_settings(store, ns, &next) < 0)
		return STORE_FAILED;
	forget(store);
	*out = sim_settings_to_json(&next);
	return *out ? STORE_OK : STORE_FAILED;
}
