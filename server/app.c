/*
 * app.c — open and close a server_app (see app.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "../store/store_simulation.h"
#include "fixtures_file.h"
#include "journal_wait.h"
#include "log.h"
#include "metrics.h"
#include "namespaces.h"
#include "statedir.h"

static void map_statuses(const settings *s, int *status_by_error)
{
	for (int code = 0; code < ERR__COUNT; code++)
		status_by_error[code] = 200;
	if (!s->error_status_mapped)
		return;
	status_by_error[ERR_INVALID_ARGUMENT] = 400;
	status_by_error[ERR_INVALID_CHECKPOINT] = 400;
	status_by_error[ERR_TASK_NOT_FOUND] = 404;
	status_by_error[ERR_ILLEGAL_STATE] = 409;
	status_by_error[ERR_UNSUPPORTED_OPERATION] = 422;
	status_by_error[ERR_INTERNAL_ERROR] = 500;
	status_by_error[ERR_INJECTED_FAULT] = 500;
}

/*
 * Gives the store its fixtures and, for a new database or --reset, wipes
 * every namespace and seeds "default" now, so that the ready line comes
 * after a usable database and a bad fixtures file stops the start.
 */
static int seed(task_store *store, const settings *s, bool fresh, char *why, size_t why_cap)
{
	char *text;
	size_t len;
	if (fixtures_file_read(s->fixtures, &text, &len, why, why_cap) < 0)
		return -1;
	int result = store_set_fixtures(store, text, len);
	free(text);
	if (result < 0) {
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	if (!fresh)
		return 0;
	cJSON *namespaces = NULL;
	if (store_namespaces(store, &namespaces) != STORE_OK) {
		snprintf(why, why_cap, "cannot list the namespaces to reset them");
		return -1;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, namespaces)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
		if (store_namespace_delete(store, name->valuestring) == STORE_FAILED) {
			cJSON_Delete(namespaces);
			snprintf(why, why_cap, "cannot wipe namespace %s", name->valuestring);
			return -1;
		}
	}
	cJSON_Delete(namespaces);
	char inner[512] = "";
	if (store_reset(store, STORE_DEFAULT_NAMESPACE, NULL, 0, clock_now_ms(), inner,
			sizeof inner) != STORE_OK) {
		snprintf(why, why_cap, "cannot seed from %s: %s", s->fixtures, inner);
		return -1;
	}
	log_write(LOG_INFO, "seeded %lld tasks from %s",
		  (long long)store_count_tasks(store, STORE_DEFAULT_NAMESPACE, clock_now_ms()),
		  s->fixtures);
	return 0;
}

int app_open(server_app *app, const settings *s, char *why, size_t why_cap)
{
	/* the listening socket main bound first survives the reset */
	int listen_fd = app->listen_fd;
	bool has_listen_fd = app->has_listen_fd;
	memset(app, 0, sizeof *app);
	app->listen_fd = listen_fd;
	app->has_listen_fd = has_listen_fd;
	app->created = malloc(sizeof *app->created);
	if (!app->created) {
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	if (statedir_prepare(s->db, app->created, why, why_cap) < 0) {
		free(app->created);
		app->created = NULL;
		return -1;
	}
	store_options options = {
		.path = s->db,
		.durability = s->durability,
		.busy_timeout_ms = s->busy_timeout_ms,
		.audit_retention_ms = s->audit_retention_ms,
		.journal_max_entries = s->journal_max_entries,
	};
	bool created;
	if (store_open(&options, &app->store, &created, why, why_cap) < 0) {
		app_discard(app);
		return -1;
	}
	app->settings = s;
	store_simulation_set_defaults(app->store, &s->simulation);
	app->namespaces = namespaces_create();
	app->metrics = metrics_create();
	app->journal_wait = journal_wait_create();
	if (!app->namespaces || !app->metrics || !app->journal_wait) {
		snprintf(why, why_cap, "out of memory");
		app_discard(app);
		return -1;
	}
	if (seed(app->store, s, created || s->reset, why, why_cap) < 0) {
		app_discard(app);
		return -1;
	}
	store_set_commit_hook(app->store, journal_wait_signal_hook, app->journal_wait);
	app->start_time = (double)clock_now_ms() / 1000.0;
	atomic_init(&app->in_flight, 0);
	map_statuses(s, app->http_status_by_error);
	return 0;
}

void app_close(server_app *app)
{
	store_close(app->store);
	metrics_destroy(app->metrics);
	namespaces_destroy(app->namespaces);
	journal_wait_destroy(app->journal_wait);
	app->journal_wait = NULL;
	app->store = NULL;
	app->metrics = NULL;
	app->namespaces = NULL;
	free(app->created);
	app->created = NULL;
}

void app_discard(server_app *app)
{
	statedir_record *created = app->created;
	app->created = NULL;
	app_close(app);
	if (created)
		statedir_discard(created);
	free(created);
}
