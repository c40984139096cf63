/*
 * embedded.c — lookup in the table of files compiled into the binary.
 */
#include <string.h>

#include "embedded.h"

const embedded_file *embedded_find(const char *path)
{
	for (const embedded_file *file = embedded_files; file->path; file++)
		if (strcmp(file->path, path) == 0)
			return file;
	return NULL;
}
