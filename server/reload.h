/*
 * reload.h — SIGHUP: read the settings again and apply what can change
 * while requests run.
 *
 * Reloadable: log_level and log_format (each one atomic value in log.c).
 * Every other setting is read by request threads without a lock, or shaped
 * the daemon at start (the port, the database, the limits): a changed value
 * is named in a warning and takes effect at the next start.
 */
#ifndef CONNECTOR_MOCK_RELOAD_H
#define CONNECTOR_MOCK_RELOAD_H

#include "settings.h"

/*
 * Builds the settings again from the same flags, the environment and the
 * config file as it is now, tells the service manager (RELOADING=1, then
 * READY=1), applies the reloadable ones and logs what changed. A config
 * file that no longer parses changes nothing and is logged as an error.
 * `running` is not modified (threads read it).
 */
void reload_settings(const settings *running, int argc, char **argv);

#endif
