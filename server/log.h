/*
 * log.h — leveled logging to standard error.
 *
 * Standard output carries only the ready line; everything else goes here.
 * The level is set once at start, before any thread runs.
 */
#ifndef CONNECTOR_MOCK_LOG_H
#define CONNECTOR_MOCK_LOG_H

typedef enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level level);

/* Parses "error", "warn", "info", "debug"; -1 when unknown. */
int log_level_from_name(const char *name);

void log_write(log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
