/*
 * maintenance.c — explicit maintenance (see maintenance.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "maintenance.h"

#include <time.h>

#include "store_internal.h"

int store_checkpoint_now(task_store *store, int timeout_ms)
{
	struct timespec pause = {0, 2 * 1000 * 1000};
	for (int waited = 0;; waited += 2) {
		pthread_mutex_lock(&store->lock);
		int log_frames = -1, copied = -1;
		int rc = sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_RESTART,
						   &log_frames, &copied);
		pthread_mutex_unlock(&store->lock);
		if (rc == SQLITE_OK)
			return log_frames == copied ? 0 : -1;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return -1;
		if (waited >= timeout_ms)
			return -1;
		nanosleep(&pause, NULL);
	}
}
