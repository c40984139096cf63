/*
 * simulation_store.c — the simulation kept in SQLite: each namespace's
 * settings (table `simulation`), each RUNNING task's motion base (columns
 * of its row in `tasks`), and the transitions applied as the namespace's
 * clock reaches them (simulation_internal.h).
 *
 * Advancing costs nothing when the simulation is off and O(due
 * transitions) when it is on: a cache remembers, for the namespace last
 * used, its settings and the earliest `next_ms` of its motions (from the
 * partial index tasks_next), so a read or an operation before that time
 * compares two integers and goes on. The cache is dropped by every
 * rollback (what it learned in the transaction may be undone), and updated
 * by every write of this file.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulation_internal.h"
#include "store_simulation.h"
#include "text.h"

/*
 * A task's motion lives in its own row of `tasks`, in four columns that are
 * NULL unless it moves: the base time, progress and position, and the time
 * of its next transition. In a table of their own, motions cost each
 * stop/resume one more b-tree page written per commit (bench/store_ops:
 * 12 -> 16 us of CPU per operation); in the row, the page is the one the
 * operation writes anyway. The partial index holds only tasks with a
 * transition ahead, so an Incr-Sync's stop/resume without failures never
 * writes it.
 */
const char sim_schema_v6[] =
	"CREATE TABLE simulation (ns TEXT PRIMARY KEY, settings TEXT NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE tasks ADD COLUMN since_ms INTEGER;"
	"ALTER TABLE tasks ADD COLUMN base_progress REAL;"
	"ALTER TABLE tasks ADD COLUMN base_position_ms INTEGER;"
	"ALTER TABLE tasks ADD COLUMN next_ms INTEGER;"
	"CREATE INDEX tasks_next ON tasks(ns, next_ms) WHERE next_ms IS NOT NULL;";

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
	void (*hook)(void *ctx);
	void *hook_ctx;
	sqlite3_int64 notified_changes; /* sqlite3_total_changes64 at the last notification */
	/* the cache: the settings and first due time of namespace `ns` */
	bool cached;
	char ns[STORE_NAMESPACE_MAX + 1];
	sim_settings settings;
	int64_t next_due; /* INT64_MAX: nothing due, ever */
};

static sqlite3_stmt *statement(task_store *store, sim_statement which)
{
	sqlite3_stmt *s = store->sim->statements[which];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (sqlite3_bind_parameter_count(s) >= NAMESPACE_PARAMETER)
		sqlite3_bind_text(s, NAMESPACE_PARAMETER, store->ns, -1, SQLITE_STATIC);
	return s;
}

static int run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sim_store_open(task_store *store, char *why, size_t why_cap)
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
			sim_store_close(store);
			return -1;
		}
	return 0;
}

void sim_store_close(task_store *store)
{
	if (!store->sim)
		return;
	for (int i = 0; i < SIM__COUNT; i++)
		sqlite3_finalize(store->sim->statements[i]);
	free(store->sim);
	store->sim = NULL;
}

void sim_forget(task_store *store)
{
	if (store->sim)
		store->sim->cached = false;
}

void sim_after_commit(task_store *store)
{
	struct sim_state *sim = store->sim;
	sqlite3_int64 changes = sqlite3_total_changes64(store->db);
	if (!sim || changes == sim->notified_changes)
		return; /* a read: nothing for a waiter to see */
	sim->notified_changes = changes;
	if (sim->hook)
		sim->hook(sim->hook_ctx);
}

void store_simulation_set_defaults(task_store *store, const sim_settings *defaults)
{
	store->sim->defaults = *defaults;
	store->sim->cached = false;
}

void store_set_commit_hook(task_store *store, void (*hook)(void *ctx), void *ctx)
{
	store->sim->hook = hook;
	store->sim->hook_ctx = ctx;
}

/* Reads the earliest next_ms of the namespace into the cache. */
static int load_next_due(task_store *store)
{
	sqlite3_stmt *s = statement(store, SIM_MOTION_FIRST);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store->sim->next_due = sqlite3_column_type(s, 0) == SQLITE_NULL
					       ? INT64_MAX
					       : sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* The namespace's settings (cached); NULL on a storage failure. */
static const sim_settings *current(task_store *store)
{
	struct sim_state *sim = store->sim;
	if (sim->cached && strcmp(sim->ns, store->ns) == 0)
		return &sim->settings;
	sim->settings = sim->defaults;
	sqlite3_stmt *s = statement(store, SIM_SETTINGS_GET);
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
	if (sim->settings.enabled && load_next_due(store) < 0)
		return NULL;
	snprintf(sim->ns, sizeof sim->ns, "%s", store->ns);
	sim->cached = true;
	return &sim->settings;
}

static int put_settings(task_store *store, const sim_settings *settings)
{
	cJSON *json = sim_settings_to_json(settings);
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;
	cJSON_Delete(json);
	if (!text)
		return -1;
	sqlite3_stmt *s = statement(store, SIM_SETTINGS_PUT);
	sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	int rc = run(s);
	free(text);
	return rc;
}

static int delete_motion(task_store *store, const char *name)
{
	sqlite3_stmt *s = statement(store, SIM_MOTION_DELETE);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return run(s);
}

/* Writes a motion and its next transition; lowers the cached due time. */
static int put_motion(task_store *store, const sim_settings *settings, const char *name,
		      const char *identity, component_type type, const sim_motion *motion)
{
	sim_transition next = sim_next_transition(settings, type, identity, motion);
	sqlite3_stmt *s = statement(store, SIM_MOTION_PUT);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, motion->since_ms);
	sqlite3_bind_double(s, 3, motion->progress);
	sqlite3_bind_int64(s, 4, motion->position_ms);
	if (next.event != SIM_EVENT_NONE)
		sqlite3_bind_int64(s, 5, next.at_ms);
	if (run(s) < 0)
		return -1;
	struct sim_state *sim = store->sim;
	if (next.event != SIM_EVENT_NONE && sim->cached && strcmp(sim->ns, store->ns) == 0 &&
	    next.at_ms < sim->next_due)
		sim->next_due = next.at_ms;
	return 0;
}

/* Unix ms to unix seconds, rounding down (also below 0). */
static int64_t seconds_of(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

static int journal_transition(task_store *store, const char *name, sim_event event,
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
	int rc = audit_insert(store, &record);
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
static int apply_transition(task_store *store, const sim_settings *settings, const due_motion *due)
{
	sim_transition next = sim_next_transition(settings, due->type, due->identity, &due->motion);
	if (next.event == SIM_EVENT_NONE) /* cannot happen: settings change rebases */
		return delete_motion(store, due->name);
	sim_view view = sim_view_at(settings, due->type, due->identity, &due->motion, due->at_ms);
	char last_error[SIM_LAST_ERROR_MAX + 1] = "";
	bool failed = next.event == SIM_EVENT_FAIL;
	if (failed)
		sim_last_error(settings, next.failure, last_error, sizeof last_error);
	sqlite3_stmt *s = statement(store, SIM_TASK_TRANSITION);
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
	if (run(s) < 0)
		return -1;
	if (sqlite3_changes(store->db) == 0) /* not RUNNING: a stale motion */
		return delete_motion(store, due->name);
	return journal_transition(store, due->name, next.event, failed ? last_error : NULL,
				  due->at_ms);
}

/* The first motion due at or before `now_ms`: 1 found, 0 none, -1 failure. */
static int first_due(task_store *store, int64_t now_ms, due_motion *due)
{
	sqlite3_stmt *s = statement(store, SIM_MOTION_DUE);
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

int sim_advance_locked(task_store *store, int64_t now_ms)
{
	const sim_settings *settings = current(store);
	if (!settings)
		return -1;
	if (!settings->enabled || now_ms < store->sim->next_due)
		return 0;
	/* each pass ends one motion: at most as many passes as RUNNING tasks */
	for (;;) {
		due_motion due;
		int found = first_due(store, now_ms, &due);
		if (found < 0)
			return -1;
		if (found == 0)
			break;
		if (apply_transition(store, settings, &due) < 0)
			return -1;
	}
	return load_next_due(store);
}

void sim_motion_from_columns(sqlite3_stmt *statement, int first, task_row *row)
{
	row->moving = sqlite3_column_type(statement, first) != SQLITE_NULL;
	row->motion.since_ms = sqlite3_column_int64(statement, first);
	row->motion.progress = sqlite3_column_double(statement, first + 1);
	row->motion.position_ms = sqlite3_column_int64(statement, first + 2);
	row->has_next = sqlite3_column_type(statement, first + 3) != SQLITE_NULL;
	row->next_ms = sqlite3_column_int64(statement, first + 3);
}

void sim_motion_bind(sqlite3_stmt *statement, int first, const task_row *row)
{
	if (!row->moving) {
		for (int i = 0; i < SIM_COLUMN_COUNT; i++)
			sqlite3_bind_null(statement, first + i);
		return;
	}
	sqlite3_bind_int64(statement, first, row->motion.since_ms);
	sqlite3_bind_double(statement, first + 1, row->motion.progress);
	sqlite3_bind_int64(statement, first + 2, row->motion.position_ms);
	if (row->has_next)
		sqlite3_bind_int64(statement, first + 3, row->next_ms);
	else
		sqlite3_bind_null(statement, first + 3);
}

/* Starts the row's motion at `now_ms`; lowers the cached due time. */
static void start_motion(task_store *store, const sim_settings *settings, task_row *row,
			 const char *identity, int64_t now_ms)
{
	row->moving = true;
	row->motion = sim_motion_start(settings, now_ms, row->has_progress, row->progress,
				       row->has_checkpoint, row->checkpoint);
	sim_transition next =
		sim_next_transition(settings, row->parsed.component, identity, &row->motion);
	row->has_next = next.event != SIM_EVENT_NONE;
	row->next_ms = next.at_ms;
	struct sim_state *sim = store->sim;
	if (row->has_next && sim->cached && strcmp(sim->ns, store->ns) == 0 &&
	    next.at_ms < sim->next_due)
		sim->next_due = next.at_ms;
}

int sim_on_change_locked(task_store *store, task_row *row, task_state from, int64_t now_ms)
{
	const sim_settings *settings = current(store);
	if (!settings)
		return -1;
	if (!settings->enabled)
		return 0;
	sim_change change = sim_change_of(from, row->state);
	char identity[TASKNAME_IDENTITY_MAX + 1];
	taskname_identity(&row->parsed, identity, sizeof identity);
	if (change == SIM_CHANGE_START) {
		start_motion(store, settings, row, identity, now_ms);
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

int sim_on_insert_locked(task_store *store, const task_row *row)
{
	if (row->state != TASK_RUNNING)
		return 0;
	task_row copy = *row; /* shallow: only its values are read */
	copy.moving = false;
	if (sim_on_change_locked(store, &copy, TASK__COUNT, row->updated_at) < 0)
		return -1;
	if (!copy.moving)
		return 0;
	/* the row is inserted: its motion is written over it */
	sqlite3_stmt *s = statement(store, SIM_MOTION_PUT);
	sqlite3_bind_text(s, 1, row->name, -1, SQLITE_STATIC);
	sim_motion_bind(s, 2, &copy);
	return run(s);
}

int sim_view_locked(task_store *store, task_row *row, int64_t now_ms)
{
	row->has_lag = false;
	const sim_settings *settings = current(store);
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

int sim_wipe_locked(task_store *store, bool everything)
{
	/* the motions went with the tasks' rows */
	if (everything && run(statement(store, SIM_SETTINGS_DELETE)) < 0)
		return -1;
	sim_forget(store);
	return 0;
}

int sim_seed_locked(task_store *store, const cJSON *root, char *why, size_t why_cap)
{
	sim_settings settings = store->sim->defaults;
	const cJSON *given = root ? cJSON_GetObjectItemCaseSensitive(root, "simulation") : NULL;
	char inner[512];
	if (given && sim_settings_apply_json(&settings, given, inner, sizeof inner) < 0) {
		text_fail(why, why_cap, "simulation: %s", inner);
		return -1;
	}
	if (put_settings(store, &settings) < 0)
		return -2;
	struct sim_state *sim = store->sim;
	sim->settings = settings;
	sim->next_due = INT64_MAX;
	if (settings.enabled && load_next_due(store) < 0)
		return -2;
	snprintf(sim->ns, sizeof sim->ns, "%s", store->ns);
	sim->cached = true;
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
static int rebase_one(task_store *store, const sim_settings *old, const sim_settings *next,
		      const running_task *task, int64_t now_ms)
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
		sqlite3_stmt *s = statement(store, SIM_TASK_SET_VALUES);
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
		if (run(s) < 0)
			return -1;
	} else {
		motion = sim_motion_start(next, now_ms, task->has_progress, task->progress,
					  task->has_checkpoint, task->checkpoint);
	}
	if (!next->enabled)
		return found ? delete_motion(store, task->name) : 0;
	return put_motion(store, next, task->name, identity, type, &motion);
}

/* Reads up to a page of RUNNING tasks after `after` (by name). */
static int running_page(task_store *store, const char *after, running_task *page, size_t cap,
			size_t *count)
{
	sqlite3_stmt *s = statement(store, SIM_RUNNING_PAGE);
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
static int rebase_all(task_store *store, const sim_settings *old, const sim_settings *next,
		      int64_t now_ms)
{
	running_task *page = malloc(REBASE_PAGE * sizeof *page);
	if (!page)
		return -1;
	char after[TASKNAME_MAX + 1] = "";
	int result = 0;
	for (;;) {
		size_t count;
		if (running_page(store, after, page, REBASE_PAGE, &count) < 0) {
			result = -1;
			break;
		}
		for (size_t i = 0; i < count && result == 0; i++)
			result = rebase_one(store, old, next, &page[i], now_ms);
		if (result < 0 || count < REBASE_PAGE)
			break;
		strcpy(after, page[count - 1].name);
	}
	free(page);
	return result;
}

int sim_rebase_all_locked(task_store *store, int64_t now_ms, bool forget)
{
	const sim_settings *found = current(store);
	if (!found)
		return -1;
	sim_settings settings = *found;
	if (forget && run(statement(store, SIM_MOTION_WIPE)) < 0)
		return -1;
	if (!settings.enabled)
		return 0;
	sim_forget(store); /* the motions change under the cache */
	return rebase_all(store, &settings, &settings, now_ms);
}

/* ---- the control API ---------------------------------------------------- */

typedef struct {
	const cJSON *body;
	int64_t now_ms;
	cJSON *out;
	char *why;
	size_t why_cap;
} settings_work;

static store_status get_work(task_store *store, void *arg)
{
	settings_work *w = arg;
	const sim_settings *settings = current(store);
	if (!settings)
		return STORE_FAILED;
	w->out = sim_settings_to_json(settings);
	return w->out ? STORE_OK : STORE_FAILED;
}

store_status store_simulation_get(task_store *store, const char *ns, int64_t now_ms, cJSON **out)
{
	settings_work w = {.now_ms = now_ms};
	store_status status = in_transaction(store, ns, now_ms, get_work, &w);
	if (status != STORE_OK) {
		cJSON_Delete(w.out);
		w.out = NULL;
	}
	*out = w.out;
	return status;
}

static store_status put_work(task_store *store, void *arg)
{
	settings_work *w = arg;
	const sim_settings *found = current(store);
	if (!found)
		return STORE_FAILED;
	sim_settings old = *found, next = *found;
	if (sim_settings_apply_json(&next, w->body, w->why, w->why_cap) < 0)
		return STORE_INVALID;
	sim_forget(store);
	if (rebase_all(store, &old, &next, w->now_ms) < 0 || put_settings(store, &next) < 0)
		return STORE_FAILED;
	sim_forget(store);
	w->out = sim_settings_to_json(&next);
	return w->out ? STORE_OK : STORE_FAILED;
}

store_status store_simulation_put(task_store *store, const char *ns, const cJSON *body,
				  int64_t now_ms, cJSON **out, char *why, size_t why_cap)
{
	settings_work w = {.body = body, .now_ms = now_ms, .why = why, .why_cap = why_cap};
	store_status status = in_transaction(store, ns, now_ms, put_work, &w);
	if (status != STORE_OK || !out) {
		cJSON_Delete(w.out);
		w.out = NULL;
	}
	if (out)
		*out = w.out;
	return status;
}
