/*
 * configmap_text.c — configmap_apply_text: an update's deletes and merge
 * applied to the stored text of a config, as the store prints it, without
 * building a cJSON tree (parsing and printing the tree was most of an
 * update's instructions). It gives the same bytes as configmap_apply and
 * cJSON_PrintUnformatted (tests/unit_configmap.c compares the two), and
 * answers 1 for a text not in that form, so that the caller falls back to
 * the tree (configmap.h).
 */
#include "configmap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

/* A name or value of the map: `raw_len` bytes as printed between quotes
 * (escaped) when it comes from the stored text, else the C string `text`
 * (from the update) to print escaped. */
typedef struct {
	const char *raw;
	size_t raw_len;
	const char *text;
} map_string;

typedef struct {
	map_string key, value;
	bool gone;
} map_entry;

typedef struct {
	map_string name;
	map_entry *entries;
	size_t count, cap, live;
	bool gone;
} map_scope;

/* The stored scopes, then the update's new ones: never more than twice
 * the limit. */
typedef struct {
	map_scope scopes[2 * CONFIGMAP_SCOPES_MAX];
	size_t count, live;
} text_map;

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads a string at *p as cJSON prints one; false when it is not. */
static bool read_printed_string(const char **p, const char *end, map_string *out)
{
	const char *q = *p;
	if (q >= end || *q != '"')
		return false;
	const char *start = ++q;
	while (q < end && *q != '"') {
		if ((unsigned char)*q < 0x20)
			return false;
		if (*q != '\\') {
			q += json_plain_run(q, (size_t)(end - q)); /* at least *q */
			continue;
		}
		if (end - q < 2)
			return false;
		if (q[1] == 'u') { /* cJSON writes only \u00xx, and only below 0x20 */
			if (end - q < 6 || q[2] != '0' || q[3] != '0' ||
			    (q[4] != '0' && q[4] != '1') || hex_value(q[5]) < 0)
				return false;
			int byte = (q[4] - '0') * 16 + hex_value(q[5]);
			if (byte == 0 || byte == '\b' || byte == '\f' || byte == '\n' ||
			    byte == '\r' || byte == '\t')
				return false;
			q += 6;
		} else if (q[1] && strchr("\"\\bfnrt", q[1])) {
			q += 2;
		} else {
			return false;
		}
	}
	if (q >= end)
		return false;
	*out = (map_string){.raw = start, .raw_len = (size_t)(q - start)};
	*p = q + 1;
	return true;
}

/* Whether a map string equals the `len` bytes of `text`. */
static bool map_string_is(const map_string *s, const char *text, size_t len)
{
	if (s->text)
		return strlen(s->text) == len && memcmp(s->text, text, len) == 0;
	const char *raw = s->raw, *end = s->raw + s->raw_len;
	size_t i = 0;
	while (raw < end) {
		char c = *raw++;
		if (c == '\\') {
			char e = *raw++;
			switch (e) {
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				c = (char)(hex_value(raw[2]) * 16 + hex_value(raw[3]));
				raw += 4;
				break;
			default:
				c = e;
				break;
			}
		}
		if (i == len || text[i++] != c)
			return false;
	}
	return i == len;
}

static void free_text_map(text_map *map)
{
	for (size_t i = 0; i < map->count; i++)
		free(map->scopes[i].entries);
}

static map_scope *add_scope(text_map *map, map_string name)
{
	if (map->count == sizeof map->scopes / sizeof *map->scopes)
		return NULL;
	map_scope *scope = &map->scopes[map->count++];
	*scope = (map_scope){.name = name};
	map->live++;
	return scope;
}

static map_entry *add_entry(map_scope *scope, map_string key, map_string value)
{
	if (scope->count == scope->cap) {
		size_t cap = scope->cap ? 2 * scope->cap : 16;
		map_entry *grown = realloc(scope->entries, cap * sizeof *grown);
		if (!grown)
			return NULL;
		scope->entries = grown;
		scope->cap = cap;
	}
	map_entry *entry = &scope->entries[scope->count++];
	*entry = (map_entry){.key = key, .value = value};
	scope->live++;
	return entry;
}

/* Reads the printed map: 0, 1 when it is not in the printed form, -1 when
 * out of memory. */
static int read_text_map(const char *p, const char *end, text_map *map)
{
	if (p >= end || *p++ != '{')
		return 1;
	if (p < end && *p == '}')
		return p + 1 == end ? 0 : 1;
	for (;;) {
		map_string name;
		if (!read_printed_string(&p, end, &name) || end - p < 2 || p[0] != ':' ||
		    p[1] != '{')
			return 1;
		p += 2;
		if (map->count == CONFIGMAP_SCOPES_MAX)
			return 1; /* not a valid map: cJSON's path reports it */
		map_scope *scope = add_scope(map, name);
		if (p < end && *p == '}') {
			p++;
		} else {
			for (;;) {
				map_string key, value;
				if (!read_printed_string(&p, end, &key) || p >= end ||
				    *p++ != ':' || !read_printed_string(&p, end, &value))
					return 1;
				if (scope->count == CONFIGMAP_KEYS_MAX)
					return 1;
				if (!add_entry(scope, key, value))
					return -1;
				if (p < end && *p == ',') {
					p++;
					continue;
				}
				if (p < end && *p == '}') {
					p++;
					break;
				}
				return 1;
			}
		}
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			return p + 1 == end ? 0 : 1;
		return 1;
	}
}

static map_scope *find_scope(text_map *map, const char *name, size_t len)
{
	for (size_t i = 0; i < map->count; i++)
		if (!map->scopes[i].gone && map_string_is(&map->scopes[i].name, name, len))
			return &map->scopes[i];
	return NULL;
}

static map_entry *find_entry(map_scope *scope, const char *key, size_t len)
{
	for (size_t i = 0; i < scope->count; i++)
		if (!scope->entries[i].gone && map_string_is(&scope->entries[i].key, key, len))
			return &scope->entries[i];
	return NULL;
}

/* remove_empty_scopes, on the text map */
static void drop_empty_scopes(text_map *map)
{
	for (size_t i = 0; i < map->count; i++)
		if (!map->scopes[i].gone && map->scopes[i].live == 0) {
			map->scopes[i].gone = true;
			map->live--;
		}
}

/* Writes `s` quoted at `out` (when not NULL); returns the bytes it takes. */
static size_t put_map_string(char *out, const map_string *s)
{
	size_t len;
	if (!s->text) {
		len = s->raw_len;
		if (out)
			memcpy(out + 1, s->raw, len);
	} else if (out) {
		len = json_escape(s->text, strlen(s->text), out + 1);
	} else {
		len = json_escaped_len(s->text, strlen(s->text));
	}
	if (out) {
		out[0] = '"';
		out[len + 1] = '"';
	}
	return len + 2;
}

/* Writes the map at `out` (when not NULL) as cJSON_PrintUnformatted would;
 * returns the bytes it takes, without a NUL. */
static size_t print_text_map(const text_map *map, char *out)
{
	size_t at = 0;
#define PUT(text, n)                                                                               \
	do {                                                                                       \
		if (out)                                                                           \
			memcpy(out + at, text, n);                                                 \
		at += n;                                                                           \
	} while (0)
	PUT("{", 1);
	bool first_scope = true;
	for (size_t i = 0; i < map->count; i++) {
		const map_scope *scope = &map->scopes[i];
		if (scope->gone)
			continue;
		if (!first_scope)
			PUT(",", 1);
		first_scope = false;
		at += put_map_string(out ? out + at : NULL, &scope->name);
		PUT(":{", 2);
		bool first_entry = true;
		for (size_t k = 0; k < scope->count; k++) {
			if (scope->entries[k].gone)
				continue;
			if (!first_entry)
				PUT(",", 1);
			first_entry = false;
			at += put_map_string(out ? out + at : NULL, &scope->entries[k].key);
			PUT(":", 1);
			at += put_map_string(out ? out + at : NULL, &scope->entries[k].value);
		}
		PUT("}", 1);
	}
	PUT("}", 1);
#undef PUT
	return at;
}

/* configmap_apply's steps, in its order, with its limits and sentences. */
static int apply_to_text_map(text_map *map, const cJSON *deletes, const cJSON *update, char *why,
			     size_t why_cap)
{
	const cJSON *entry;
	cJSON_ArrayForEach(entry, deletes)
	{
		const char *text = entry->valuestring;
		const char *dot = strchr(text, '.');
		map_scope *scope = find_scope(map, text, (size_t)(dot - text));
		map_entry *found = scope ? find_entry(scope, dot + 1, strlen(dot + 1)) : NULL;
		if (found) {
			found->gone = true;
			scope->live--;
		}
	}
	drop_empty_scopes(map);
	const cJSON *update_scope;
	cJSON_ArrayForEach(update_scope, update)
	{
		const char *name = update_scope->string;
		map_scope *scope = find_scope(map, name, strlen(name));
		if (!scope) {
			if (map->live >= CONFIGMAP_SCOPES_MAX)
				return text_fail(why, why_cap,
						 "config would hold more than %d scopes",
						 CONFIGMAP_SCOPES_MAX);
			scope = add_scope(map, (map_string){.text = name});
			if (!scope)
				return text_fail(why, why_cap, "out of memory");
		}
		const cJSON *value;
		cJSON_ArrayForEach(value, update_scope)
		{
			map_string text = {.text = value->valuestring};
			map_entry *found = find_entry(scope, value->string, strlen(value->string));
			if (found) {
				found->value = text;
				continue;
			}
			if (scope->live >= CONFIGMAP_KEYS_MAX)
				return text_fail(why, why_cap,
						 "scope \"%.64s\" would hold more than %d keys",
						 name, CONFIGMAP_KEYS_MAX);
			if (!add_entry(scope, (map_string){.text = value->string}, text))
				return text_fail(why, why_cap, "out of memory");
		}
	}
	drop_empty_scopes(map);
	return 0;
}

int configmap_apply_text(const char *stored, size_t len, const cJSON *deletes, const cJSON *update,
			 char **out, char *why, size_t why_cap)
{
	*out = NULL;
	text_map *map = malloc(sizeof *map); /* scopes[] is filled as it is used */
	if (!map)
		return text_fail(why, why_cap, "out of memory");
	map->count = map->live = 0;
	int rc = read_text_map(stored, stored + len, map);
	if (rc < 0)
		rc = text_fail(why, why_cap, "out of memory");
	else if (rc == 0 && apply_to_text_map(map, deletes, update, why, why_cap) < 0)
		rc = -1;
	if (rc == 0) {
		size_t size = print_text_map(map, NULL);
		*out = malloc(size + 1);
		if (*out) {
			print_text_map(map, *out);
			(*out)[size] = '\0';
		} else {
			rc = text_fail(why, why_cap, "out of memory");
		}
	}
	free_text_map(map);
	free(map);
	return rc;
}
