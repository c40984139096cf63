/*
 * configmap.c — validate, merge and read connector configuration maps.
 *
 * cJSON keeps duplicate keys and finds the first; every entry point here
 * refuses duplicates instead, so that a map never means two things.
 */
#include "configmap.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

static bool name_ok(const char *name)
{
	size_t len = strlen(name);
	return len >= 1 && len <= CONFIGMAP_NAME_MAX && text_utf8_valid(name, len);
}

int configmap_validate(const cJSON *map, char *why, size_t why_cap)
{
	if (!cJSON_IsObject(map))
		return text_fail(why, why_cap, "config must be a JSON object of scopes");
	int scopes = cJSON_GetArraySize(map);
	if (scopes > CONFIGMAP_SCOPES_MAX)
		return text_fail(why, why_cap, "config holds more than %d scopes",
				 CONFIGMAP_SCOPES_MAX);
	const cJSON *dup = json_find_duplicate(map);
	if (dup)
		return text_fail(why, why_cap, "scope \"%.64s\" appears twice", dup->string);
	for (const cJSON *scope = map->child; scope; scope = scope->next) {
		if (!name_ok(scope->string))
			return text_fail(why, why_cap,
					 "a scope name must be 1 to %d bytes of UTF-8",
					 CONFIGMAP_NAME_MAX);
		/* deleteParams reads scope.key up to the first '.': a scope with a
		 * dot could never be deleted from */
		if (strchr(scope->string, '.'))
			return text_fail(why, why_cap,
					 "scope \"%.64s\" holds a '.', which deleteParams "
					 "(scope.key) could never name",
					 scope->string);
		if (!cJSON_IsObject(scope))
			return text_fail(why, why_cap,
					 "scope \"%.64s\" must be an object of keys to strings",
					 scope->string);
		if (cJSON_GetArraySize(scope) > CONFIGMAP_KEYS_MAX)
			return text_fail(why, why_cap, "scope \"%.64s\" holds more than %d keys",
					 scope->string, CONFIGMAP_KEYS_MAX);
		dup = json_find_duplicate(scope);
		if (dup)
			return text_fail(why, why_cap, "key \"%.64s.%.64s\" appears twice",
					 scope->string, dup->string);
		for (const cJSON *entry = scope->child; entry; entry = entry->next) {
			if (!name_ok(entry->string))
				return text_fail(
					why, why_cap,
					"a key name in scope \"%.64s\" must be 1 to %d bytes "
					"of UTF-8",
					scope->string, CONFIGMAP_NAME_MAX);
			if (!cJSON_IsString(entry))
				return text_fail(why, why_cap,
						 "\"%.64s.%.64s\" must be a string (nested JSON is "
						 "stored as a string)",
						 scope->string, entry->string);
			if (!text_utf8_valid(entry->valuestring, strlen(entry->valuestring)))
				return text_fail(why, why_cap, "\"%.64s.%.64s\" is not valid UTF-8",
						 scope->string, entry->string);
		}
	}
	return 0;
}

/* The text a scalar update value is stored as; false for other kinds. */
static bool scalar_text(const cJSON *value, char *buf, size_t cap)
{
	if (cJSON_IsBool(value)) {
		snprintf(buf, cap, "%s", cJSON_IsTrue(value) ? "true" : "false");
		return true;
	}
	if (cJSON_IsNumber(value)) {
		double d = value->valuedouble;
		if (!isfinite(d))
			return false;
		/* integers print exactly up to 2^53; others in the shortest form
		 * that reads back as the same double (0.1 stays "0.1") */
		if (d == floor(d) && fabs(d) < (double)LIMITS_EXACT_INTEGER_MAX) {
			snprintf(buf, cap, "%.0f", d);
			return true;
		}
		for (int precision = 1; precision <= 17; precision++) {
			snprintf(buf, cap, "%.*g", precision, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		return true;
	}
	return false;
}

int configmap_parse_update(const char *body, size_t len, cJSON **out, char *why, size_t why_cap)
{
	*out = NULL;
	if (!body || json_is_blank(body, len)) {
		*out = cJSON_CreateObject();
		return *out ? 0 : text_fail(why, why_cap, "out of memory");
	}
	cJSON *parsed = json_parse_body(body, len, why, why_cap);
	if (!parsed)
		return -1;
	if (!cJSON_IsObject(parsed)) {
		cJSON_Delete(parsed);
		return text_fail(why, why_cap,
				 "the body must be a JSON object of scope -> {key: value}");
	}
	/* normalise scalars to strings, then the stored-map rules do the rest */
	for (cJSON *scope = parsed->child; scope; scope = scope->next) {
		if (!cJSON_IsObject(scope)) {
			text_fail(why, why_cap, "scope \"%.64s\" must be an object of key -> value",
				  scope->string);
			cJSON_Delete(parsed);
			return -1;
		}
		for (cJSON *entry = scope->child; entry; entry = entry->next) {
			if (cJSON_IsString(entry))
				continue;
			char normal[64];
			/* a number a double would round is kept as sent */
			const char *text = cJSON_IsNumber(entry) && json_number_needs_text(entry)
						   ? entry->valuestring
						   : normal;
			if (text == normal && !scalar_text(entry, normal, sizeof normal)) {
				/* the sentence names the key, so write it before freeing */
				text_fail(why, why_cap,
					  "\"%.64s.%.64s\" must be a string, number or boolean "
					  "(null, "
					  "objects and arrays are refused)",
					  scope->string, entry->string);
				cJSON_Delete(parsed);
				return -1;
			}
			cJSON *replacement = cJSON_CreateString(text);
			if (!replacement) {
				cJSON_Delete(parsed);
				return text_fail(why, why_cap, "out of memory");
			}
			/* ReplaceItemViaPointer keeps no key: hand the old one over */
			replacement->string = entry->string;
			entry->string = NULL;
			cJSON_ReplaceItemViaPointer(scope, entry, replacement);
			entry = replacement;
		}
	}
	if (configmap_validate(parsed, why, why_cap) < 0) {
		cJSON_Delete(parsed);
		return -1;
	}
	*out = parsed;
	return 0;
}

static int add_delete(cJSON *list, const char *entry, size_t len, char *why, size_t why_cap)
{
	const char *dot = memchr(entry, '.', len);
	if (!dot)
		return text_fail(why, why_cap, "deleteParams entry \"%.*s\" must be scope.key",
				 (int)(len > 64 ? 64 : len), entry);
	size_t scope_len = (size_t)(dot - entry), key_len = len - scope_len - 1;
	if (scope_len == 0 || key_len == 0)
		return text_fail(
			why, why_cap,
			"deleteParams entry \"%.*s\" needs a scope before the dot and a key "
			"after it",
			(int)(len > 64 ? 64 : len), entry);
	if (scope_len > CONFIGMAP_NAME_MAX || key_len > CONFIGMAP_NAME_MAX)
		return text_fail(why, why_cap,
				 "a deleteParams scope or key is longer than %d bytes",
				 CONFIGMAP_NAME_MAX);
	if (cJSON_GetArraySize(list) >= CONFIGMAP_DELETES_MAX)
		return text_fail(why, why_cap, "deleteParams holds more than %d entries",
				 CONFIGMAP_DELETES_MAX);
	char copy[2 * CONFIGMAP_NAME_MAX + 2];
	memcpy(copy, entry, len);
	copy[len] = '\0';
	cJSON *item = cJSON_CreateString(copy);
	if (!item)
		return text_fail(why, why_cap, "out of memory");
	cJSON_AddItemToArray(list, item);
	return 0;
}

int configmap_parse_deletes(const char *const *values, size_t count, cJSON **out, char *why,
			    size_t why_cap)
{
	*out = NULL;
	cJSON *list = cJSON_CreateArray();
	if (!list)
		return text_fail(why, why_cap, "out of memory");
	for (size_t v = 0; v < count; v++) {
		const char *value = values[v];
		size_t len = strlen(value);
		if (len == 0)
			continue;
		if (!text_utf8_valid(value, len)) {
			cJSON_Delete(list);
			return text_fail(why, why_cap, "deleteParams is not valid UTF-8");
		}
		const char *start = value;
		for (;;) {
			const char *comma = memchr(start, ',', len - (size_t)(start - value));
			size_t entry_len =
				comma ? (size_t)(comma - start) : len - (size_t)(start - value);
			if (add_delete(list, start, entry_len, why, why_cap) < 0) {
				cJSON_Delete(list);
				return -1;
			}
			if (!comma)
				break;
			start = comma + 1;
		}
	}
	*out = list;
	return 0;
}

static void remove_empty_scopes(cJSON *config)
{
	cJSON *scope = config->child;
	while (scope) {
		cJSON *next = scope->next;
		if (cJSON_IsObject(scope) && scope->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(config, scope));
		scope = next;
	}
}

int configmap_apply(cJSON *config, const cJSON *deletes, const cJSON *update, char *why,
		    size_t why_cap)
{
	const cJSON *entry;
	cJSON_ArrayForEach(entry, deletes)
	{
		const char *text = entry->valuestring;
		const char *dot = strchr(text, '.');
		char scope_name[CONFIGMAP_NAME_MAX + 1];
		size_t scope_len = (size_t)(dot - text);
		memcpy(scope_name, text, scope_len);
		scope_name[scope_len] = '\0';
		cJSON *scope = cJSON_GetObjectItemCaseSensitive(config, scope_name);
		if (scope)
			cJSON_DeleteItemFromObjectCaseSensitive(scope, dot + 1);
	}
	/* a scope emptied by the deletes no longer counts against the limit */
	remove_empty_scopes(config);
	const cJSON *update_scope;
	cJSON_ArrayForEach(update_scope, update)
	{
		cJSON *scope = cJSON_GetObjectItemCaseSensitive(config, update_scope->string);
		if (!scope) {
			if (cJSON_GetArraySize(config) >= CONFIGMAP_SCOPES_MAX)
				return text_fail(why, why_cap,
						 "config would hold more than %d scopes",
						 CONFIGMAP_SCOPES_MAX);
			scope = cJSON_AddObjectToObject(config, update_scope->string);
			if (!scope)
				return text_fail(why, why_cap, "out of memory");
		}
		const cJSON *value;
		cJSON_ArrayForEach(value, update_scope)
		{
			cJSON *copy = cJSON_CreateString(value->valuestring);
			if (!copy)
				return text_fail(why, why_cap, "out of memory");
			if (cJSON_GetObjectItemCaseSensitive(scope, value->string)) {
				cJSON_ReplaceItemInObjectCaseSensitive(scope, value->string, copy);
			} else {
				if (cJSON_GetArraySize(scope) >= CONFIGMAP_KEYS_MAX) {
					cJSON_Delete(copy);
					return text_fail(
						why, why_cap,
						"scope \"%.64s\" would hold more than %d keys",
						update_scope->string, CONFIGMAP_KEYS_MAX);
				}
				cJSON_AddItemToObject(scope, value->string, copy);
			}
		}
	}
	remove_empty_scopes(config); /* a scope that became empty disappears */
	return 0;
}

const char *configmap_get(const cJSON *config, const char *scope, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(config, scope);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads a timestamp value: a string or number of decimal digits. */
static bool timestamp_value(const cJSON *value, int64_t *out)
{
	if (cJSON_IsString(value)) {
		const char *s = value->valuestring;
		size_t len = strlen(s);
		if (len == 0 || len > 15)
			return false;
		int64_t t = 0;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			t = t * 10 + (s[i] - '0');
		}
		*out = t;
		return true;
	}
	if (cJSON_IsNumber(value)) {
		double d = value->valuedouble;
		if (!(d >= 0) || d != floor(d) || d > 1e15)
			return false;
		*out = (int64_t)d;
		return true;
	}
	return false;
}

/* Writes the keys the task knows (clientIds and subtopics) into `buf`. */
static void known_keys(const cJSON *clients, textbuf *buf)
{
	const cJSON *client;
	bool first = true;
	cJSON_ArrayForEach(client, clients)
	{
		const char *fields[] = {"clientId", "subtopic"};
		for (size_t f = 0; f < 2; f++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(client, fields[f]);
			if (cJSON_IsString(v)) {
				textbuf_printf(buf, "%s\"%s\"", first ? "" : ", ", v->valuestring);
				first = false;
			}
		}
	}
	if (first)
		textbuf_puts(buf, "none");
}

static bool client_knows(const cJSON *clients, const char *key)
{
	const cJSON *client;
	cJSON_ArrayForEach(client, clients)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(client, "clientId");
		const cJSON *topic = cJSON_GetObjectItemCaseSensitive(client, "subtopic");
		if ((cJSON_IsString(id) && strcmp(id->valuestring, key) == 0) ||
		    (cJSON_IsString(topic) && strcmp(topic->valuestring, key) == 0))
			return true;
	}
	return false;
}

static int checkpoint_keys(const cJSON *checkpoint, const cJSON *clients, int64_t *position,
			   char *why, size_t why_cap)
{
	if (cJSON_GetArraySize(checkpoint) > CONFIGMAP_CHECKPOINT_KEYS_MAX)
		return text_fail(why, why_cap, "source.checkpoint names more than %d keys",
				 CONFIGMAP_CHECKPOINT_KEYS_MAX);
	const cJSON *dup = json_find_duplicate(checkpoint);
	if (dup)
		return text_fail(why, why_cap, "source.checkpoint names \"%.64s\" twice",
				 dup->string);
	int64_t earliest = INT64_MAX;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, checkpoint)
	{
		if (clients && !client_knows(clients, entry->string)) {
			textbuf known;
			textbuf_init(&known, 1024);
			known_keys(clients, &known);
			text_fail(why, why_cap,
				  "source.checkpoint names \"%.128s\", which is neither a clientId "
				  "nor "
				  "a subtopic of source.clients; this task knows: %s",
				  entry->string, textbuf_str(&known));
			textbuf_free(&known);
			return -1;
		}
		int64_t t;
		if (!timestamp_value(entry, &t))
			return text_fail(why, why_cap,
					 "the checkpoint of \"%.128s\" must be unix seconds, as a "
					 "string or number of digits",
					 entry->string);
		if (t > CONFIGMAP_CHECKPOINT_MAX)
			return text_fail(
				why, why_cap,
				"the checkpoint of \"%.128s\" is past the year 9999; it must "
				"be unix seconds, not milliseconds",
				entry->string);
		if (t < earliest)
			earliest = t;
	}
	*position = earliest;
	return 0;
}

int configmap_checkpoint(const cJSON *config, int64_t *position, char *why, size_t why_cap)
{
	const char *text = configmap_get(config, "source", "checkpoint");
	if (!text || !*text)
		return text_fail(why, why_cap,
				 "the task has no source.checkpoint; update it with "
				 "{\"source\":{\"checkpoint\":\"{\\\"<subtopic>\\\":\\\"<unix "
				 "seconds>\\\"}\"}} first");
	const char *clients_text = configmap_get(config, "source", "clients");
	cJSON *clients = NULL;
	if (clients_text) {
		clients = cJSON_ParseWithOpts(clients_text, NULL, 1);
		if (!cJSON_IsArray(clients)) {
			cJSON_Delete(clients);
			return text_fail(
				why, why_cap,
				"source.clients is not a JSON array of {\"clientId\",\"subtopic\"} "
				"objects, so the checkpoint cannot be checked");
		}
	}
	cJSON *checkpoint = cJSON_ParseWithOpts(text, NULL, 1);
	int result;
	if (!cJSON_IsObject(checkpoint) || checkpoint->child == NULL)
		result = text_fail(why, why_cap,
				   "source.checkpoint must be a non-empty JSON object string "
				   "{\"<clientId or subtopic>\":\"<unix seconds>\"}");
	else
		result = checkpoint_keys(checkpoint, clients, position, why, why_cap);
	cJSON_Delete(checkpoint);
	cJSON_Delete(clients);
	return result;
}
