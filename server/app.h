/*
 * app.h — bringing up and tearing down what every route uses (server_app):
 * the store with its fixtures, the namespaces' clocks and faults, the
 * metrics, and the HTTP status of each business error.
 *
 * One function for server/main.c and for fuzz/fuzz_http.c, so that the
 * daemon the fuzzer drives is started exactly as the real one.
 */
#ifndef CONNECTOR_MOCK_APP_H
#define CONNECTOR_MOCK_APP_H

#include <stddef.h>

#include "http.h"

/*
 * Opens the store at settings->db (creating the directories above it),
 * gives it the fixtures of settings->fixtures and, for a new database or
 * settings->reset, wipes every namespace and seeds "default" now. Then
 * creates the namespace registry and the metrics and maps the statuses.
 * `settings` must outlive `app`. Keeps app->listen_fd and has_listen_fd.
 * Returns 0; or -1 with a sentence in `why`, and then nothing is left open
 * and nothing it created is left on disk (app_discard).
 */
int app_open(server_app *app, const settings *settings, char *why, size_t why_cap);

/* Closes what app_open opened (the HTTP daemon must be stopped first). */
void app_close(server_app *app);

/* app_close, then removes what app_open created: a new database file (and
 * its -wal, -shm) and the directories made for it. For a start that fails
 * after app_open; an existing database is never touched. */
void app_discard(server_app *app);

#endif
