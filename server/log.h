/*
 * log.h — leveled logging to standard error, as text or as JSON lines.
 *
 * Standard output carries only the ready line; everything else goes here.
 * text:  2025-11-21T08:00:00.123Z info  message key=value key="two words"
 * json:  {"time":"2025-11-21T08:00:00.123Z","level":"info","msg":"message","key":"value"}
 * The level and the format may change while threads log (a reload): each
 * is one atomic value, and each line is written with one call.
 */
#ifndef CONNECTOR_MOCK_LOG_H
#define CONNECTOR_MOCK_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level level);
log_level log_get_level(void);

/* JSON lines (true) or text (false, the default). */
void log_set_json(bool json);
bool log_get_json(void);

/* Parses "error", "warn", "info", "debug"; -1 when unknown. */
int log_level_from_name(const char *name);

/* "error", "warn", "info", "debug"; "" for a value outside the enum. */
const char *log_level_name(log_level level);

void log_write(log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* A field of a structured line. A NULL value is written as "-" in text
 * and null in JSON; `number` values are written bare (they must be numbers). */
typedef struct {
	const char *key;
	const char *value;
	bool number;
} log_field;

/*
 * Writes `message` with `count` fields: text quotes a value holding a space,
 * a quote or a control character (escaping \ " and control bytes), JSON
 * escapes every string. A line longer than 4 KiB is cut (text) or written
 * with its last fields left out (JSON), never broken.
 */
void log_write_fields(log_level level, const char *message, const log_field *fields, size_t count);

#endif
