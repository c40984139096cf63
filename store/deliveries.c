/*
 * deliveries.c — the journal's delivery marks, queued and written with the
 * writer's next batch (see store_internal.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

typedef struct {
	char ns[STORE_NAMESPACE_MAX + 1];
	int64_t id;
	bool delivered;
	char *sent; /* owned; NULL: none */
} delivery_mark;

struct delivery_queue {
	pthread_mutex_t lock; /* the queue only; taken alone or inside the store's lock */
	size_t count;
	delivery_mark marks[STORE_DELIVERIES_MAX];
};

int deliveries_create(task_store *store)
{
	struct delivery_queue *q = calloc(1, sizeof *q);
	if (!q || pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q);
		return -1;
	}
	store->deliveries = q;
	return 0;
}

void deliveries_destroy(task_store *store)
{
	struct delivery_queue *q = store->deliveries;
	if (!q)
		return;
	for (size_t i = 0; i < q->count; i++)
		free(q->marks[i].sent);
	pthread_mutex_destroy(&q->lock);
	free(q);
	store->deliveries = NULL;
}

bool deliveries_push(task_store *store, const char *ns, int64_t id, bool delivered,
		     const char *sent_json)
{
	struct delivery_queue *q = store->deliveries;
	char *sent = sent_json ? strdup(sent_json) : NULL;
	if (sent_json && !sent)
		return false;
	pthread_mutex_lock(&q->lock);
	bool queued = q->count < STORE_DELIVERIES_MAX;
	if (queued) {
		delivery_mark *m = &q->marks[q->count++];
		snprintf(m->ns, sizeof m->ns, "%s", ns);
		m->id = id;
		m->delivered = delivered;
		m->sent = sent;
	}
	pthread_mutex_unlock(&q->lock);
	if (!queued)
		free(sent);
	return queued;
}

/* Moves the queued marks into a new array (*count of them; the caller
 * frees it and each mark's `sent`). Out of memory, the marks are dropped:
 * their entries stay null. */
static delivery_mark *take_marks(struct delivery_queue *q, size_t *count)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->count;
	delivery_mark *taken = n ? malloc(n * sizeof *taken) : NULL;
	if (taken)
		memcpy(taken, q->marks, n * sizeof *taken);
	else
		for (size_t i = 0; i < n; i++)
			free(q->marks[i].sent);
	q->count = 0;
	pthread_mutex_unlock(&q->lock);
	*count = taken ? n : 0;
	return taken;
}

void deliveries_apply_locked(task_store *store)
{
	STORE_ASSERT_WRITING(store);
	size_t n;
	delivery_mark *taken = take_marks(store->deliveries, &n);
	for (size_t i = 0; i < n; i++) {
		/* an entry gone with its namespace has nothing left to mark */
		audit_set_delivered(store, taken[i].ns, taken[i].id, taken[i].delivered,
				    taken[i].sent);
		free(taken[i].sent);
	}
	free(taken);
}

int deliveries_flush(task_store *store)
{
	struct delivery_queue *q = store->deliveries;
	pthread_mutex_lock(&q->lock);
	bool empty = q->count == 0;
	pthread_mutex_unlock(&q->lock);
	if (empty)
		return 0;
	db_lock(&store->lock);
	int rc = -1;
	if (store_begin(store) == 0) {
		deliveries_apply_locked(store);
		rc = store_commit(store);
		if (rc < 0)
			store_rollback(store);
	} else {
		/* nothing could be written: the marks stay null */
		size_t n;
		delivery_mark *dropped = take_marks(q, &n);
		for (size_t i = 0; i < n; i++)
			free(dropped[i].sent);
		free(dropped);
	}
	db_unlock(&store->lock);
	return rc;
}
