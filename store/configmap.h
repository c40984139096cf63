/*
 * configmap.h — connector configuration maps, as OMS stores them.
 *
 * A config map is a cJSON object of scopes ("source", "sink", "condition",
 * "coordinator", or any other name), each an object of keys to STRING
 * values. Nested structures are JSON text inside a string (source.clients).
 * Every function here is pure: it takes values, returns values, and touches
 * no database, clock or global. Error sentences are written into a caller's
 * buffer `why` of `why_cap` bytes (always NUL-terminated, possibly cut).
 */
#ifndef CONNECTOR_MOCK_CONFIGMAP_H
#define CONNECTOR_MOCK_CONFIGMAP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "limits.h"

/*
 * Checks a stored map (fixtures, the control API): an object of objects of
 * strings, names of 1..256 bytes of valid UTF-8 without NUL, no duplicate
 * scope or key, within the limits above. Returns 0 when valid, -1 otherwise.
 */
int configmap_validate(const cJSON *map, char *why, size_t why_cap);

/*
 * Parses an update body (the `updateConfigMap`) of `len` bytes: a JSON object
 * of scope -> object of key -> string, number or boolean. Numbers and
 * booleans become their text ("8", "0.5", "true"). An empty or all-blank
 * body gives an empty map. null, arrays, nested objects as values, duplicate
 * scopes or keys, "\u0000", invalid UTF-8 and trailing bytes are refused.
 * Returns 0 and a new map in `*out` (the caller frees it with cJSON_Delete),
 * or -1 with `*out` NULL.
 */
int configmap_parse_update(const char *body, size_t len, cJSON **out, char *why, size_t why_cap);

/*
 * Parses the values of the `deleteParams` parameter (each comma-separated,
 * the parameter possibly repeated) into a new cJSON array of "scope.key"
 * strings. An empty value adds nothing; a non-empty entry must hold a '.'
 * with a non-empty scope before it and a non-empty key after it. Returns 0
 * and the array in `*out` (caller frees), or -1 with `*out` NULL.
 */
int configmap_parse_deletes(const char *const *values, size_t count, cJSON **out, char *why,
			    size_t why_cap);

/*
 * Applies deletes (from configmap_parse_deletes), then merges `update`
 * (from configmap_parse_update) into `config`, in place; either may be NULL
 * for none. A scope left empty
 * disappears. Returns 0, or -1 when a limit of the map would be passed or
 * memory ran out; `config` is then unspecified, so apply to a copy.
 */
int configmap_apply(cJSON *config, const cJSON *deletes, const cJSON *update, char *why,
		    size_t why_cap);

/*
 * configmap_apply on a map's printed text, without building it as a tree:
 * `stored` (`len` bytes) is cJSON_PrintUnformatted's text of a valid map,
 * as the store saves it. Returns 0 and in `*out` (the caller frees it)
 * exactly what cJSON_PrintUnformatted would give for the map after
 * configmap_apply; -1 when a limit of the map would be passed or memory
 * ran out (`why` as configmap_apply's); or 1 when `stored` is not in the
 * printed form (white space, an escape cJSON does not write, more scopes
 * or keys than a valid map holds): the caller then parses it with cJSON.
 * `*out` is NULL unless 0 is returned.
 */
int configmap_apply_text(const char *stored, size_t len, const cJSON *deletes, const cJSON *update,
			 char **out, char *why, size_t why_cap);

/*
 * Reads `source.checkpoint` for a pull back: a JSON object string of
 * "<clientId or subtopic>": "<unix seconds>" (string or number of digits).
 * When `source.clients` is present, every key must be the clientId or
 * subtopic of one of its entries. On success returns 0 and the earliest
 * timestamp named in `*position` (the replay starts there). On failure
 * returns -1, and `why` names the problem and the keys the task knows.
 */
int configmap_checkpoint(const cJSON *config, int64_t *position, char *why, size_t why_cap);

/* The string value of scope.key, or NULL when absent. */
const char *configmap_get(const cJSON *config, const char *scope, const char *key);

#endif
