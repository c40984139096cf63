/*
 * clock.h — the real clocks: wall time for namespaces' clocks and records,
 * monotonic time for durations. The only place the server reads them; a
 * namespace's own (virtual) clock is namespaces_now.
 */
#ifndef CONNECTOR_MOCK_CLOCK_H
#define CONNECTOR_MOCK_CLOCK_H

#include <stdint.h>

/* The current time, unix milliseconds (CLOCK_REALTIME). */
int64_t clock_now_ms(void);

/* A monotonic clock in nanoseconds, for durations. */
int64_t clock_monotonic_ns(void);

#endif
