/*
 * main.c — connector-mock: flags and config, open and seed the store, start
 * the HTTP daemon, print the ready line, and stop cleanly on SIGTERM/SIGINT.
 *
 * SIGTERM and SIGINT are blocked before any thread starts (threads inherit
 * the mask) and taken with sigwait here, so no signal handler ever runs
 * inside a request.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/store.h"
#include "fixtures_file.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "namespaces.h"
#include "settings.h"
#include "version.h"

/* How long a stop waits for requests in flight. */
enum { DRAIN_MS = 10000 };

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

/* Creates the directory that holds the database file, one level (var/). */
static void ensure_parent_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path || strcmp(path, ":memory:") == 0)
		return;
	char directory[SETTINGS_PATH_MAX];
	size_t len = (size_t)(slash - path);
	if (len >= sizeof directory)
		return;
	memcpy(directory, path, len);
	directory[len] = '\0';
	if (mkdir(directory, 0755) < 0 && errno != EEXIST)
		log_write(LOG_WARN, "cannot create %s: %s", directory, strerror(errno));
}

/*
 * Gives the store its fixtures and, for a new database or --reset, wipes
 * every namespace and seeds "default" now, so that the ready line comes
 * after a usable database and a bad fixtures file stops the start.
 */
static int seed(task_store *store, const settings *s, bool fresh)
{
	char why[1024] = "";
	char *text;
	size_t len;
	if (fixtures_file_read(s->fixtures, &text, &len, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "%s", why);
		return -1;
	}
	int result = store_set_fixtures(store, text, len);
	free(text);
	if (result < 0 || !fresh)
		return result;
	cJSON *namespaces = NULL;
	if (store_namespaces(store, &namespaces) != STORE_OK)
		return -1;
	const cJSON *item;
	cJSON_ArrayForEach(item, namespaces)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
		if (store_namespace_delete(store, name->valuestring) == STORE_FAILED) {
			cJSON_Delete(namespaces);
			return -1;
		}
	}
	cJSON_Delete(namespaces);
	if (store_reset(store, STORE_DEFAULT_NAMESPACE, NULL, 0, http_now_ms(), why, sizeof why) !=
	    STORE_OK) {
		log_write(LOG_ERROR, "cannot seed from %s: %s", s->fixtures, why);
		return -1;
	}
	log_write(LOG_INFO, "seeded %lld tasks from %s",
		  (long long)store_count_tasks(store, STORE_DEFAULT_NAMESPACE, http_now_ms()),
		  s->fixtures);
	return 0;
}

int main(int argc, char **argv)
{
	static settings s;
	char why[1024] = "";
	switch (settings_from_args(&s, argc, argv, why, sizeof why)) {
	case SETTINGS_HELP:
		fputs(settings_usage(), stdout);
		return 0;
	case SETTINGS_VERSION:
		printf("connector-mock %s\n", CONNECTOR_MOCK_VERSION);
		return 0;
	case SETTINGS_ERROR:
		fprintf(stderr, "connector-mock: %s\n", why);
		return 2;
	case SETTINGS_RUN:
		break;
	}
	if (settings_check(&s, why, sizeof why) < 0) {
		fprintf(stderr, "connector-mock: %s\n", why);
		return 2;
	}
	log_set_level(s.log_level);
	/* one malloc arena per connection thread would cost RSS for nothing:
	 * the hot path allocates little, and the store is serialized anyway */
	mallopt(M_ARENA_MAX, 2);

	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* past a file-size limit, writes fail with EFBIG and the store answers
	 * INTERNAL_ERROR, as on a full disk, instead of the process dying */
	signal(SIGXFSZ, SIG_IGN);

	ensure_parent_directory(s.db);
	store_options options = {
		.path = s.db,
		.durability = s.durability,
		.busy_timeout_ms = s.busy_timeout_ms,
		.audit_retention_ms = s.audit_retention_ms,
		.journal_max_entries = s.journal_max_entries,
	};
	task_store *store;
	bool created;
	if (store_open(&options, &store, &created, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "%s", why);
		return 1;
	}
	if (seed(store, &s, created || s.reset) < 0) {
		store_close(store);
		return 1;
	}

	static server_app app;
	app.settings = &s;
	app.store = store;
	app.namespaces = namespaces_create();
	app.metrics = metrics_create();
	app.start_time = (double)http_now_ms() / 1000.0;
	if (!app.namespaces || !app.metrics) {
		log_write(LOG_ERROR, "cannot start: out of memory");
		store_close(store);
		return 1;
	}
	atomic_init(&app.in_flight, 0);
	map_statuses(&s, app.http_status_by_error);
	struct MHD_Daemon *daemon;
	unsigned port;
	if (http_start(&app, &daemon, &port, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "%s", why);
		store_close(store);
		metrics_destroy(app.metrics);
		namespaces_destroy(app.namespaces);
		return 1;
	}
	printf("connector-mock listening on http://%s:%u\n", s.listen, port);
	fflush(stdout);
	if (s.threads)
		log_write(LOG_WARN, "threads = %u is ignored: each connection has its own thread",
			  s.threads);
	log_write(LOG_INFO, "database %s (%s durability), %s mode, admin API %s", s.db,
		  s.durability == DURABILITY_FULL ? "full" : "normal",
		  s.lenient ? "lenient" : "strict", s.admin_token[0] ? "token-protected" : "open");

	int signal_number = 0;
	sigwait(&stop_signals, &signal_number);
	log_write(LOG_INFO, "signal %d: finishing requests in flight", signal_number);
	http_stop(&app, daemon, DRAIN_MS);
	store_close(store);
	metrics_destroy(app.metrics);
	namespaces_destroy(app.namespaces);
	log_write(LOG_INFO, "stopped");
	return 0;
}
