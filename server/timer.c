/*
 * timer.c — a sorted list of deadlines and one thread sleeping on the
 * earliest (pthread_cond_timedwait on CLOCK_MONOTONIC).
 */
#define _POSIX_C_SOURCE 200809L
#include "timer.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_wake;
static timer_entry *timer_head;
static bool timer_running;
static bool timer_stopping;
static pthread_t timer_thread;

static int64_t monotonic_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static void *timer_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&timer_lock);
	for (;;) {
		if (timer_head && (timer_stopping || timer_head->deadline_ns <= monotonic_ns())) {
			timer_entry *due = timer_head;
			timer_head = due->next;
			pthread_mutex_unlock(&timer_lock);
			due->fire(due);
			pthread_mutex_lock(&timer_lock);
			continue;
		}
		if (timer_stopping)
			break;
		if (!timer_head) {
			pthread_cond_wait(&timer_wake, &timer_lock);
		} else {
			struct timespec until = {.tv_sec = timer_head->deadline_ns / 1000000000,
						 .tv_nsec = timer_head->deadline_ns % 1000000000};
			pthread_cond_timedwait(&timer_wake, &timer_lock, &until);
		}
	}
	pthread_mutex_unlock(&timer_lock);
	return NULL;
}

int timer_start(void)
{
	pthread_condattr_t attributes;
	pthread_condattr_init(&attributes);
	pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_wake, &attributes);
	pthread_condattr_destroy(&attributes);
	timer_stopping = false;
	if (pthread_create(&timer_thread, NULL, timer_main, NULL) != 0)
		return -1;
	timer_running = true;
	return 0;
}

void timer_stop(void)
{
	if (!timer_running)
		return;
	pthread_mutex_lock(&timer_lock);
	timer_stopping = true;
	pthread_cond_signal(&timer_wake);
	pthread_mutex_unlock(&timer_lock);
	pthread_join(timer_thread, NULL);
	timer_running = false;
	pthread_cond_destroy(&timer_wake);
}

int timer_after(timer_entry *entry, int64_t ms)
{
	entry->deadline_ns = monotonic_ns() + ms * 1000000;
	pthread_mutex_lock(&timer_lock);
	if (!timer_running || timer_stopping) {
		pthread_mutex_unlock(&timer_lock);
		entry->fire(entry);
		return -1;
	}
	timer_entry **link = &timer_head;
	while (*link && (*link)->deadline_ns <= entry->deadline_ns)
		link = &(*link)->next;
	entry->next = *link;
	*link = entry;
	pthread_cond_signal(&timer_wake);
	pthread_mutex_unlock(&timer_lock);
	return 0;
}
