/*
 * statedir.c — the default database location, and taking back what a
 * failed start created (see statedir.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "statedir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/text.h"

static const char *lookup(const char *const *env, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

int statedir_default_db(const char *const *env, char *out, size_t cap, char *why, size_t why_cap)
{
	const char *systemd = lookup(env, "STATE_DIRECTORY");
	const char *xdg = lookup(env, "XDG_STATE_HOME");
	const char *home = lookup(env, "HOME");
	int n;
	if (systemd && *systemd) {
		/* several StateDirectory= entries arrive separated by ':' */
		size_t len = strcspn(systemd, ":");
		n = snprintf(out, cap, "%.*s/connector-mock.db", (int)len, systemd);
	} else if (xdg && xdg[0] == '/') {
		n = snprintf(out, cap, "%s/connector-mock/connector-mock.db", xdg);
	} else if (home && home[0] == '/') {
		n = snprintf(out, cap, "%s/.local/state/connector-mock/connector-mock.db", home);
	} else {
		return text_fail(why, why_cap,
				 "no place for the database: give --db, or set STATE_DIRECTORY, "
				 "XDG_STATE_HOME or HOME");
	}
	if (n < 0 || (size_t)n >= cap)
		return text_fail(why, why_cap, "the state directory's path is too long");
	return 0;
}

int statedir_prepare(const char *db_path, statedir_record *record, char *why, size_t why_cap)
{
	memset(record, 0, sizeof *record);
	if (strcmp(db_path, ":memory:") == 0)
		return 0;
	if (strlen(db_path) >= sizeof record->db)
		return text_fail(why, why_cap, "the database path is too long");
	struct stat info;
	record->db_created = stat(db_path, &info) < 0 && errno == ENOENT;
	strcpy(record->db, db_path);
	/* every prefix ending before a '/', outermost first: a/b/c.db -> a, a/b */
	char path[STATEDIR_PATH_MAX];
	strcpy(path, db_path);
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) == 0) {
			if (record->dir_count == STATEDIR_DEPTH_MAX) {
				rmdir(path);
				statedir_discard(record);
				return text_fail(why, why_cap, "%s is too deep to create", db_path);
			}
			strcpy(record->dirs[record->dir_count++], path);
		} else if (errno != EEXIST) {
			int error = errno;
			statedir_discard(record);
			return text_fail(why, why_cap, "cannot create %s: %s", path,
					 strerror(error));
		}
		*slash = '/';
	}
	return 0;
}

void statedir_discard(const statedir_record *record)
{
	if (record->db_created) {
		static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
		for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
			char path[STATEDIR_PATH_MAX + 16];
			snprintf(path, sizeof path, "%s%s", record->db, suffixes[i]);
			unlink(path);
		}
	}
	for (int i = record->dir_count - 1; i >= 0; i--)
		rmdir(record->dirs[i]);
}
