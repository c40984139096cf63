/*
 * config_file.c — the config file's INI reader (see config_file.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "config_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/text.h"

enum { SEEN_MAX = CONFIG_KEYS_MAX, NAME_MAX_BYTES = CONFIG_NAME_MAX + 1 };

typedef struct {
	char section[NAME_MAX_BYTES];
	char key[NAME_MAX_BYTES];
	int line;
} seen_key;

/* Cuts white space from both ends of text[0..*len), in place. */
static char *trim(char *text, size_t *len)
{
	while (*len && (*text == ' ' || *text == '\t')) {
		text++;
		(*len)--;
	}
	while (*len && (text[*len - 1] == ' ' || text[*len - 1] == '\t' || text[*len - 1] == '\r'))
		(*len)--;
	text[*len] = '\0';
	return text;
}

/* Ends the value at an inline comment: ';' or '#' after white space. */
static void cut_comment(char *value, size_t *len)
{
	for (size_t i = 1; i < *len; i++)
		if ((value[i] == ';' || value[i] == '#') &&
		    (value[i - 1] == ' ' || value[i - 1] == '\t')) {
			*len = i;
			break;
		}
}

/* One "key = value" line. 0, or -1 with `why` set. */
static int parse_entry(char *line, size_t len, const char *section, seen_key *seen, int *seen_count,
		       int number, char **key_out, char **value_out, char *why, size_t why_cap)
{
	char *equals = memchr(line, '=', len);
	if (!equals)
		return text_fail(why, why_cap, "not a [section], key = value or comment line");
	size_t key_len = (size_t)(equals - line), value_len = len - key_len - 1;
	char *value = equals + 1;
	char *key = trim(line, &key_len);
	if (!section[0])
		return text_fail(why, why_cap, "key %.64s comes before any [section]", key);
	cut_comment(value, &value_len);
	value = trim(value, &value_len);
	if (!key_len || key_len >= NAME_MAX_BYTES)
		return text_fail(why, why_cap, "a key must be 1 to %d bytes", NAME_MAX_BYTES - 1);
	for (int i = 0; i < *seen_count; i++)
		if (strcmp(seen[i].section, section) == 0 && strcmp(seen[i].key, key) == 0)
			return text_fail(why, why_cap,
					 "[%s] %s is given twice (lines %d and %d): give each key "
					 "once",
					 section, key, seen[i].line, number);
	if (*seen_count == SEEN_MAX)
		return text_fail(why, why_cap, "more than %d keys", SEEN_MAX);
	seen_key *entry = &seen[(*seen_count)++];
	snprintf(entry->section, sizeof entry->section, "%s", section);
	snprintf(entry->key, sizeof entry->key, "%s", key);
	entry->line = number;
	*key_out = key;
	*value_out = value;
	return 0;
}

/* One "[section]" line. 0, or -1 with `why` set. */
static int parse_section(char *line, size_t len, char *section, char *why, size_t why_cap)
{
	char *close = memchr(line, ']', len);
	if (!close)
		return text_fail(why, why_cap, "a section line must be [name]");
	/* after the ']': nothing but white space and a comment */
	size_t rest_len = len - (size_t)(close - line) - 1;
	const char *rest = trim(close + 1, &rest_len);
	if (rest_len && rest[0] != ';' && rest[0] != '#')
		return text_fail(why, why_cap, "a section line must be [name]");
	size_t name_len = (size_t)(close - line) - 1;
	char *name = trim(line + 1, &name_len);
	if (!name_len || name_len >= NAME_MAX_BYTES)
		return text_fail(why, why_cap, "a section name must be 1 to %d bytes",
				 NAME_MAX_BYTES - 1);
	memcpy(section, name, name_len + 1);
	return 0;
}

int config_text_parse(const char *text, size_t len, config_handler handler, void *user, char *why,
		      size_t why_cap)
{
	seen_key *seen = calloc(SEEN_MAX, sizeof *seen);
	char *line = malloc(CONFIG_LINE_MAX + 1);
	char section[NAME_MAX_BYTES] = "";
	int seen_count = 0, number = 0, result = 0;
	if (!seen || !line) {
		text_fail(why, why_cap, "out of memory");
		result = 1;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3, len -= 3;
	for (size_t at = 0; at < len && result == 0;) {
		number++;
		const char *end = memchr(text + at, '\n', len - at);
		size_t line_len = end ? (size_t)(end - (text + at)) : len - at;
		if (line_len > CONFIG_LINE_MAX) {
			text_fail(why, why_cap, "the line is longer than %d bytes",
				  CONFIG_LINE_MAX);
			result = number;
			break;
		}
		memcpy(line, text + at, line_len);
		at += line_len + 1;
		if (memchr(line, '\0', line_len)) {
			text_fail(why, why_cap, "the line holds a NUL byte");
			result = number;
			break;
		}
		bool continued = line_len && (line[0] == ' ' || line[0] == '\t');
		char *content = trim(line, &line_len);
		if (!line_len || content[0] == ';' || content[0] == '#')
			continue;
		char *key = NULL, *value = NULL;
		int rc;
		/* libinih would append it to the previous value */
		if (continued && content[0] != '[' && !memchr(content, '=', line_len))
			rc = text_fail(why, why_cap,
				       "an indented line without '=' (a continuation) is not read");
		else if (content[0] == '[')
			rc = parse_section(content, line_len, section, why, why_cap);
		else
			rc = parse_entry(content, line_len, section, seen, &seen_count, number,
					 &key, &value, why, why_cap);
		if (rc < 0 || (content[0] != '[' && !handler(user, section, key, value)))
			result = number;
	}
	free(seen);
	free(line);
	return result;
}

int config_file_parse(const char *path, config_handler handler, void *user, char *why,
		      size_t why_cap)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return text_fail(why, why_cap, "cannot read config file %s: %s", path,
				 strerror(errno));
	struct stat info;
	/* a directory opens, and reads as nothing */
	if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
		fclose(file);
		return text_fail(why, why_cap, "cannot read config file %s: it is a directory",
				 path);
	}
	char *text = malloc(CONFIG_FILE_MAX + 1);
	size_t len = text ? fread(text, 1, CONFIG_FILE_MAX + 1, file) : 0;
	bool failed = !text || ferror(file);
	fclose(file);
	if (failed || len > CONFIG_FILE_MAX) {
		free(text);
		return text_fail(why, why_cap, "cannot read config file %s: %s", path,
				 failed ? "read error" : "larger than 1 MiB");
	}
	int result = config_text_parse(text, len, handler, user, why, why_cap);
	free(text);
	return result;
}
