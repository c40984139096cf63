/*
 * json.h — reading JSON bodies strictly, in one place.
 *
 * cJSON accepts more than a body should mean: bytes after the value, a
 * "\u0000" that silently cuts a string, duplicate keys (the first wins).
 * Every body connector-mock reads goes through json_parse_body, so each
 * refuses the same things with the same sentences.
 */
#ifndef CONNECTOR_MOCK_JSON_H
#define CONNECTOR_MOCK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Whether `len` bytes are empty or only JSON white space. */
bool json_is_blank(const char *text, size_t len);

/*
 * Parses `len` bytes (no NUL needed) as exactly one JSON value. Refuses,
 * with a sentence in `why` (`why_cap` bytes, always NUL-terminated): text
 * that is not UTF-8 or holds a NUL byte, a "\u0000" escape, invalid JSON,
 * bytes after the value. A blank body is refused too ("the body is empty").
 * Each number keeps its text as sent in its `valuestring` (cJSON reads
 * numbers as doubles, which round past 2^53). Returns the value (the
 * caller frees it with cJSON_Delete) or NULL.
 */
cJSON *json_parse_body(const char *text, size_t len, char *why, size_t why_cap);

/* Sets the `valuestring` of every number in `root`, parsed from `len` bytes
 * of `text`, to its token as sent. 0, or -1 when out of memory. */
int json_attach_number_texts(cJSON *root, const char *text, size_t len);

/* Whether a number's value must be kept as the text sent (json_parse_body)
 * because a double would change it: any integer token (its digits, exact at
 * any size), or a fraction of more than 15 significant digits. */
bool json_number_needs_text(const cJSON *number);

/*
 * Writes the `len` bytes of `in` as cJSON_PrintUnformatted writes a
 * string's contents (no quotes): '"' and '\\' escaped, \b \f \n \r \t,
 * other bytes below 0x20 as \u00xx in lower case, everything else as is.
 * `out` must hold JSON_ESCAPED_MAX(len) bytes. Returns the bytes written.
 */
#define JSON_ESCAPED_MAX(len) (6 * (len)) /* \u001f */
size_t json_escape(const char *in, size_t len, char *out);

/* How many bytes at the start of `in` json_escape copies as they are (none
 * below 0x20, no '"', no '\\'); `len` when it copies all of them. */
size_t json_plain_run(const char *in, size_t len);

/* What json_escape would write for the same bytes. */
size_t json_escaped_len(const char *in, size_t len);

/* A member of `object` whose key another member also has, or NULL. Not
 * recursive. O(n log n); an allocation failure reports the first member
 * (refusing rather than guessing). */
const cJSON *json_find_duplicate(const cJSON *object);

/* cJSON_PrintUnformatted, except that an integral number of 10^15 or more
 * is written with all its digits (cJSON writes it in exponent form,
 * rounded to 15 digits). Turns those numbers of `root` into raw items.
 * NULL when out of memory. */
char *json_print_exact(cJSON *root);

/* Reads an integral number exactly: from its text as sent (json_parse_body)
 * when it is an integer token within int64, else from its double when that
 * is integral and within 2^53. Returns false for anything else. */
bool json_read_int64(const cJSON *item, int64_t *out);

#endif
