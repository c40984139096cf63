/*
 * config_file.h — the INI reader of the config file.
 *
 * libinih as Debian builds it reads lines of at most 200 bytes (and splits
 * longer ones, so that the line numbers after them are wrong), takes the
 * last of a key given twice, and reads a directory as an empty file. This
 * reader keeps the format the config file uses (libinih's defaults) and
 * refuses the rest:
 *
 *   [section]          a section; text after the ']' is refused
 *   key = value        key and value trimmed; " ;" or " #" starts a comment
 *   ; comment, # comment, blank lines
 *
 * Lines may be up to CONFIG_LINE_MAX bytes (a path or a token fits), the
 * file up to CONFIG_FILE_MAX. A key given twice in one section, a key
 * before any section, and a continuation line (indented, without '=') are
 * refused. A UTF-8 BOM at
 * the start is skipped.
 */
#ifndef CONNECTOR_MOCK_CONFIG_FILE_H
#define CONNECTOR_MOCK_CONFIG_FILE_H

#include <stddef.h>

#include "../store/limits.h"

/* Called for each key in file order; returns non-zero to go on, 0 to stop
 * (the caller's own `why` then says why). */
typedef int (*config_handler)(void *user, const char *section, const char *key, const char *value);

/*
 * Parses `len` bytes of INI text. Returns 0; or the 1-based number of the
 * line that stopped it, with a sentence in `why` when the text itself was
 * refused (`why` is left as it is when the handler stopped).
 */
int config_text_parse(const char *text, size_t len, config_handler handler, void *user, char *why,
		      size_t why_cap);

/* Reads the file at `path` (a regular file, at most CONFIG_FILE_MAX bytes)
 * and parses it as config_text_parse does; -1 with a sentence in `why`
 * when it cannot be read. */
int config_file_parse(const char *path, config_handler handler, void *user, char *why,
		      size_t why_cap);

#endif
