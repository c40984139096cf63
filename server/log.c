/*
 * log.c — one line per message on stderr: UTC time, level, text or JSON.
 */
#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { LINE_MAX_BYTES = 4096 };

static _Atomic int current_level = LOG_INFO;
static _Atomic bool json_lines = false;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(log_level level) { atomic_store(&current_level, (int)level); }
log_level log_get_level(void) { return (log_level)atomic_load(&current_level); }
void log_set_json(bool json) { atomic_store(&json_lines, json); }
bool log_get_json(void) { return atomic_load(&json_lines); }

int log_level_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(log_level level)
{
	return (int)level >= 0 && (int)level < 4 ? level_names[level] : "";
}

/* A bounded line: appends stop at the end and mark it cut. */
typedef struct {
	char text[LINE_MAX_BYTES];
	size_t len;
	bool cut;
} line;

static void put(line *out, const char *text, size_t n)
{
	if (out->len + n + 2 > sizeof out->text) { /* room for "\n\0" */
		n = sizeof out->text - 2 - out->len;
		out->cut = true;
	}
	memcpy(out->text + out->len, text, n);
	out->len += n;
}

static void puts_line(line *out, const char *text) { put(out, text, strlen(text)); }

/* `text` escaped for a JSON string (json) or a quoted text value. */
static void put_escaped(line *out, const char *text, bool json)
{
	for (const unsigned char *p = (const unsigned char *)text; *p && !out->cut; p++) {
		char escape[8];
		if (*p == '"' || *p == '\\') {
			escape[0] = '\\';
			escape[1] = (char)*p;
			put(out, escape, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(escape, sizeof escape, json ? "\\u%04x" : "\\x%02x", *p);
			put(out, escape, strlen(escape));
		} else {
			put(out, (const char *)p, 1);
		}
	}
}

static bool needs_quotes(const char *value)
{
	if (!*value)
		return true;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == 0x7f)
			return true;
	return false;
}

static void put_time(line *out)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm utc;
	gmtime_r(&now.tv_sec, &utc);
	char stamp[96];
	snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
		 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
		 now.tv_nsec / 1000000);
	puts_line(out, stamp);
}

static void emit(line *out)
{
	/* one fputs per line keeps lines whole across threads */
	out->text[out->len++] = '\n';
	out->text[out->len] = '\0';
	fputs(out->text, stderr);
}

void log_write_fields(log_level level, const char *message, const log_field *fields, size_t count)
{
	if ((int)level > atomic_load(&current_level))
		return;
	line out;
	out.len = 0; /* not the 4 KiB of text: this runs once per request */
	out.cut = false;
	bool json = atomic_load(&json_lines);
	if (json) {
		puts_line(&out, "{\"time\":\"");
		put_time(&out);
		puts_line(&out, "\",\"level\":\"");
		puts_line(&out, log_level_name(level));
		puts_line(&out, "\",\"msg\":\"");
		put_escaped(&out, message, true);
		puts_line(&out, "\"");
		for (size_t i = 0; i < count; i++) {
			line field;
			field.len = 0;
			field.cut = false;
			puts_line(&field, ",\"");
			puts_line(&field, fields[i].key);
			puts_line(&field, "\":");
			if (!fields[i].value) {
				puts_line(&field, "null");
			} else if (fields[i].number) {
				puts_line(&field, fields[i].value);
			} else {
				puts_line(&field, "\"");
				put_escaped(&field, fields[i].value, true);
				puts_line(&field, "\"");
			}
			/* a field that does not fit is left out whole: the line stays JSON */
			if (field.cut || out.len + field.len + 3 > sizeof out.text)
				break;
			put(&out, field.text, field.len);
		}
		out.cut = false;
		puts_line(&out, "}");
		emit(&out);
		return;
	}
	put_time(&out);
	char level_text[8];
	snprintf(level_text, sizeof level_text, " %-5s ", log_level_name(level));
	puts_line(&out, level_text);
	puts_line(&out, message);
	for (size_t i = 0; i < count && !out.cut; i++) {
		puts_line(&out, " ");
		puts_line(&out, fields[i].key);
		puts_line(&out, "=");
		const char *value = fields[i].value ? fields[i].value : "-";
		if (!fields[i].number && needs_quotes(value)) {
			puts_line(&out, "\"");
			put_escaped(&out, value, false);
			puts_line(&out, "\"");
		} else {
			puts_line(&out, value);
		}
	}
	emit(&out);
}

void log_write(log_level level, const char *format, ...)
{
	if ((int)level > atomic_load(&current_level))
		return;
	char message[LINE_MAX_BYTES];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof message, format, args);
	va_end(args);
	log_write_fields(level, message, NULL, 0);
}
