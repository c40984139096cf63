/*
 * timer.h — one thread that runs callbacks after a delay.
 *
 * Faults that delay or hang a request park it here instead of blocking an
 * HTTP thread, so that a slow answer never delays the others. Callbacks run
 * on the timer's thread, in deadline order; they must be short.
 */
#ifndef CONNECTOR_MOCK_TIMER_H
#define CONNECTOR_MOCK_TIMER_H

#include <stdint.h>

typedef struct timer_entry timer_entry;
struct timer_entry {
	int64_t deadline_ns; /* set by timer_after */
	void (*fire)(timer_entry *entry);
	timer_entry *next; /* the timer's */
};

/* Starts the timer thread. 0, or -1 when it cannot. */
int timer_start(void);

/* Runs every pending callback now (early), then stops the thread. */
void timer_stop(void);

/* Calls entry->fire(entry) after `ms` milliseconds; the entry's memory
 * must stay valid until then. Returns 0, or -1 when the timer is stopped
 * (the callback then runs at once, on the caller's thread). */
int timer_after(timer_entry *entry, int64_t ms);

#endif
