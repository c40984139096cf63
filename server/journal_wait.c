/*
 * journal_wait.c — one generation number and one condition variable (see
 * journal_wait.h). Signalling takes the mutex only when someone waits.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include "journal_wait.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct journal_wait {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* on CLOCK_MONOTONIC */
	_Atomic uint64_t generation;
	atomic_int waiters;
	atomic_bool stopping;
	atomic_int streams;
};

journal_wait *journal_wait_create(void)
{
	journal_wait *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	return w;
}

void journal_wait_destroy(journal_wait *w)
{
	if (!w)
		return;
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static void wake_all(journal_wait *w)
{
	/* a waiter registers, then reads the generation under the lock: taking
	 * the lock here orders the raise before its read or its sleep */
	pthread_mutex_lock(&w->lock);
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void journal_wait_signal(journal_wait *w)
{
	atomic_fetch_add(&w->generation, 1);
	if (atomic_load(&w->waiters) > 0)
		wake_all(w);
}

void journal_wait_signal_hook(void *w) { journal_wait_signal(w); }

void journal_wait_stop(journal_wait *w)
{
	atomic_store(&w->stopping, true);
	wake_all(w);
}

bool journal_wait_stopping(journal_wait *w) { return atomic_load(&w->stopping); }

uint64_t journal_wait_generation(journal_wait *w) { return atomic_load(&w->generation); }

void journal_wait_sleep(journal_wait *w, uint64_t seen, int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	atomic_fetch_add(&w->waiters, 1);
	pthread_mutex_lock(&w->lock);
	while (atomic_load(&w->generation) == seen && !atomic_load(&w->stopping))
		if (pthread_cond_timedwait(&w->wake, &w->lock, &until) != 0)
			break; /* the time ran out */
	pthread_mutex_unlock(&w->lock);
	atomic_fetch_sub(&w->waiters, 1);
}

bool journal_wait_peer_gone(int fd)
{
	if (fd < 0)
		return false;
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static int64_t monotonic_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int journal_wait_for(journal_wait *w, int64_t wait_ms, int peer_fd, journal_wait_check check,
		     void *ctx)
{
	int64_t deadline = monotonic_ms() + wait_ms;
	for (;;) {
		uint64_t seen = journal_wait_generation(w);
		int answer = check(ctx);
		if (answer != 0)
			return answer;
		int64_t left = deadline - monotonic_ms();
		if (left <= 0 || journal_wait_stopping(w) || journal_wait_peer_gone(peer_fd))
			return 0;
		journal_wait_sleep(w, seen,
				   left < JOURNAL_WAIT_SLICE_MS ? left : JOURNAL_WAIT_SLICE_MS);
	}
}

bool journal_wait_stream_open(journal_wait *w)
{
	int open = atomic_fetch_add(&w->streams, 1);
	if (open < JOURNAL_STREAMS_MAX)
		return true;
	atomic_fetch_sub(&w->streams, 1);
	return false;
}

void journal_wait_stream_close(journal_wait *w) { atomic_fetch_sub(&w->streams, 1); }
