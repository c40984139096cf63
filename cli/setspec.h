/*
 * setspec.h — the config edits of `connectorctl update`:
 *
 *     --set scope.key=value     one key of the update body (a string)
 *     --delete scope.key        one entry of deleteParams
 *
 * The scope ends at the first '.', as the CM reads deleteParams; the key is
 * the rest (it may hold dots) up to the first '=' of a --set; the value is
 * everything after that '=' (it may be empty or hold '='). Scope and key
 * are 1..CLI_SET_NAME_MAX bytes, the value at most CLI_SET_VALUE_MAX; all
 * valid UTF-8 without NUL or control characters in names. A --delete key
 * may not hold ',' (deleteParams is comma-separated).
 *
 * Pure: the parsers point into the argument (no allocation); only
 * cli_set_body allocates, and the caller frees what it returns. Error
 * sentences go into `why` (`why_cap` bytes, NUL-terminated; may be NULL).
 */
#ifndef CONNECTORCTL_SETSPEC_H
#define CONNECTORCTL_SETSPEC_H

#include <stddef.h>

#include <cjson/cJSON.h>

enum {
	CLI_SET_NAME_MAX = 256,	    /* bytes of a scope or a key, as the CM's config */
	CLI_SET_VALUE_MAX = 65536,  /* bytes of a value */
	CLI_SET_ENTRIES_MAX = 1024, /* --set or --delete options in one update */
};

typedef struct {
	const char *scope, *key, *value; /* into the argument; value NULL for a delete */
	size_t scope_len, key_len, value_len;
} cli_set;

/* Parses a --set argument of `len` bytes. Returns 0, or -1 with why. */
int cli_set_parse(const char *text, size_t len, cli_set *out, char *why, size_t why_cap);

/* Parses a --delete argument of `len` bytes. Returns 0, or -1 with why. */
int cli_delete_parse(const char *text, size_t len, cli_set *out, char *why, size_t why_cap);

/*
 * Adds the `count` --set entries to `body`, an update body (a JSON object
 * of scope objects; may already hold keys, from --body), as string values.
 * A key given twice, or already in `body`, or a scope in `body` that is not
 * an object, is refused. Returns 0, or -1 with why; on failure `body` may
 * hold some of the entries (the caller throws it away).
 */
int cli_set_apply(cJSON *body, const cli_set *sets, size_t count, char *why, size_t why_cap);

#endif
