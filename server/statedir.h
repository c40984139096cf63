/*
 * statedir.h — where the database lives when no --db is given, and a
 * record of what a start created, so that a failed start can take it back.
 *
 * The state directory, first match wins:
 *   $STATE_DIRECTORY (set by systemd's StateDirectory=; its first entry),
 *   $XDG_STATE_HOME/connector-mock (when absolute, as the XDG spec asks),
 *   $HOME/.local/state/connector-mock.
 * The database is connector-mock.db inside it.
 */
#ifndef CONNECTOR_MOCK_STATEDIR_H
#define CONNECTOR_MOCK_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>

enum { STATEDIR_PATH_MAX = 4096, STATEDIR_DEPTH_MAX = 16 };

/*
 * Writes the default database path into `out` (`cap` bytes), looking the
 * variables up in `env` (a NULL-terminated "NAME=value" array, as environ).
 * Returns 0; or -1 with a sentence in `why` when no variable names a usable
 * directory or the path does not fit.
 */
int statedir_default_db(const char *const *env, char *out, size_t cap, char *why, size_t why_cap);

/* What a start created: directories (outermost first) and the database. */
typedef struct statedir_record {
	char dirs[STATEDIR_DEPTH_MAX][STATEDIR_PATH_MAX];
	int dir_count;
	char db[STATEDIR_PATH_MAX];
	bool db_created; /* the file did not exist before the start */
} statedir_record;

/*
 * Creates the directories above the database file `db_path` that are
 * missing (mode 0700, like mkdir -p) and notes in `record` which it created
 * and whether the file itself is new. Nothing is created for ":memory:".
 * Returns 0; or -1 with a sentence in `why`, and then what it created is
 * already removed again.
 */
int statedir_prepare(const char *db_path, statedir_record *record, char *why, size_t why_cap);

/*
 * Removes what the start created: the database file and its -wal, -shm and
 * -journal companions when the file is new, then the directories it made,
 * innermost first (only while they are empty). The database must be closed.
 */
void statedir_discard(const statedir_record *record);

#endif
