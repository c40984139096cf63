/*
 * clock.h — the real clocks: wall time for namespaces' clocks and records,
 * monotonic time for durations, and the pauses of delay and hang faults.
 * The only place the server reads them; a namespace's own (virtual) clock
 * is namespaces_now.
 */
#ifndef CONNECTOR_MOCK_CLOCK_H
#define CONNECTOR_MOCK_CLOCK_H

#include <stdint.h>

/* The current time, unix milliseconds (CLOCK_REALTIME). */
int64_t clock_now_ms(void);

/* A monotonic clock in nanoseconds, for durations. */
int64_t clock_monotonic_ns(void);

/*
 * Waits `ms` milliseconds on the calling connection's thread (a delay or
 * hang fault), or less once clock_end_pauses was called (the daemon is
 * stopping). Each connection has its own thread, so nobody else waits.
 */
void clock_pause(int64_t ms);

/* Ends every pause, now and from now on. */
void clock_end_pauses(void);

#endif
