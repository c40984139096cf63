/*
 * params.h — request parameters: the query string and form bodies.
 *
 * OMS reads its parameters as Spring's @RequestParam does: from the query
 * string and from an application/x-www-form-urlencoded body alike. A
 * `params` list keeps them in arrival order, repeats included, each a
 * validated copy: UTF-8, no NUL byte, within the limits below. Pure code
 * (allocation aside): no HTTP library, no globals.
 */
#ifndef CONNECTOR_MOCK_PARAMS_H
#define CONNECTOR_MOCK_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/limits.h" /* PARAMS_*_MAX */

typedef struct {
	char *name;  /* owned, NUL-terminated */
	char *value; /* owned, NUL-terminated, no NUL inside */
} param;

typedef struct {
	param *items; /* owned */
	size_t count;
	size_t cap;
} params;

void params_init(params *list);
void params_free(params *list);

/*
 * Adds one decoded parameter. Returns 0, or -1 with a sentence in `why`
 * (too many, too long, not UTF-8, holds a NUL byte) and the list unchanged.
 */
int params_add(params *list, const char *name, size_t name_len, const char *value, size_t value_len,
	       char *why, size_t why_cap);

/*
 * Parses a form body "a=1&b=x%20y" (also '+' for a space) and adds its
 * parameters. Returns 0, or -1 with `why` set; parameters added before the
 * failure stay (the caller refuses the whole request anyway).
 */
int params_parse_form(params *list, const char *body, size_t len, char *why, size_t why_cap);

/*
 * Looks up a single-valued parameter (names are case-sensitive, as in
 * Spring). Returns 0 when absent (`*value` NULL), 1 when present once,
 * -1 when repeated (a client bug this mock refuses rather than guesses).
 */
int params_single(const params *list, const char *name, const char **value);

/* Collects every value of `name` in order into `values` (at most `max`);
 * returns how many there are in all. */
size_t params_all(const params *list, const char *name, const char **values, size_t max);

/*
 * Reads a boolean the way Spring does: true/false/on/off/yes/no/1/0 in any
 * case; NULL or empty gives `fallback`. Returns 0, or -1 for other text.
 */
int params_bool(const char *value, bool fallback, bool *out);

/* The list as a JSON object text (repeated names become arrays); the
 * caller frees it. NULL when out of memory. */
char *params_to_json(const params *list);

#endif
