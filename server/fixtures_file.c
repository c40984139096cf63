/*
 * fixtures_file.c — read a fixtures file whole, refusing one past the cap;
 * or a built-in set by its name.
 */
#define _POSIX_C_SOURCE 200809L
#include "fixtures_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/text.h"
#include "embedded.h"

/* A name without '/' or '.' is a built-in set: fixtures/NAME.json. */
static const embedded_file *fixtures_builtin(const char *name)
{
	if (!*name || strpbrk(name, "/.") || strlen(name) > 64)
		return NULL;
	char path[96];
	snprintf(path, sizeof path, "fixtures/%s.json", name);
	return embedded_find(path);
}

bool fixtures_file_is_builtin(const char *name) { return fixtures_builtin(name) != NULL; }

int fixtures_file_read(const char *path, char **text, size_t *len, char *why, size_t why_cap)
{
	*text = NULL;
	*len = 0;
	const embedded_file *builtin = fixtures_builtin(path);
	if (builtin) {
		*text = malloc(builtin->len + 1);
		if (!*text) {
			snprintf(why, why_cap, "out of memory");
			return -1;
		}
		memcpy(*text, builtin->data, builtin->len + 1);
		*len = builtin->len;
		return 0;
	}
	FILE *file = fopen(path, "rb");
	if (!file) {
		snprintf(why, why_cap, "cannot open fixtures %s: %s%s", path, strerror(errno),
			 strpbrk(path, "/.") ? "" : " (the built-in sets are default and demo)");
		return -1;
	}
	textbuf buf;
	textbuf_init(&buf, STORE_FIXTURES_FILE_MAX);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, file)) > 0)
		if (textbuf_append(&buf, chunk, n) < 0)
			break;
	bool failed = ferror(file) != 0;
	fclose(file);
	if (buf.overflow || failed) {
		snprintf(why, why_cap, "cannot read fixtures %s: %s", path,
			 buf.overflow ? "larger than 64 MiB" : "read error");
		textbuf_free(&buf);
		return -1;
	}
	*len = buf.len;
	*text = textbuf_detach(&buf);
	return 0;
}
