/*
 * journal_count.h — GET /_mock/journal/count?atLeast=N&waitMs=M: a count
 * that waits until it reaches N (journal_wait.h), so that a test can say
 * "the client must stop this task within 2 s" without a polling loop.
 */
#ifndef CONNECTOR_MOCK_JOURNAL_COUNT_H
#define CONNECTOR_MOCK_JOURNAL_COUNT_H

#include <stdint.h>

#include "../store/store.h"
#include "http.h"

enum {
	JOURNAL_COUNT_AT_LEAST_MAX = 1000000000, /* the largest atLeast */
};

/*
 * Counts the namespace's entries that `filter` selects, again after every
 * journal write (and at least every JOURNAL_WAIT_SLICE_MS), until the count
 * is at least `at_least`, `wait_ms` pass, the daemon stops, or the client
 * closes its connection. `*count` is the last count. STORE_OK (whether or
 * not the count was reached) or STORE_FAILED.
 */
store_status journal_count_wait(const http_request *request, const store_journal_filter *filter,
				int64_t at_least, int64_t wait_ms, int64_t *count);

#endif
