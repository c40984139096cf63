/*
 * clock.c — the real clocks and the fault pauses (clock.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

int64_t clock_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t clock_monotonic_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* clock_pause sleeps on this; clock_end_pauses wakes every sleeper at once */
static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pause_wake = PTHREAD_COND_INITIALIZER;
static bool pauses_ended;

void clock_pause(int64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&pause_lock);
	while (!pauses_ended && pthread_cond_timedwait(&pause_wake, &pause_lock, &until) == 0)
		;
	pthread_mutex_unlock(&pause_lock);
}

void clock_end_pauses(void)
{
	pthread_mutex_lock(&pause_lock);
	pauses_ended = true;
	pthread_cond_broadcast(&pause_wake);
	pthread_mutex_unlock(&pause_lock);
}
