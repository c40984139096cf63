/*
 * journal_wait.h — waiting for the journal to grow: the one mechanism
 * behind GET /_mock/journal?afterId=N&waitMs=M, GET /_mock/events (SSE),
 * and any later "wait until" route (e.g. a count that reaches N).
 *
 * A `journal_wait` holds one generation number, raised by
 * journal_wait_signal after every store commit that changed something
 * (store_set_commit_hook) and after every move of a namespace's clock (a
 * move may make simulated transitions due). Waiters do not learn what
 * changed or where: each wakes, asks the store again for what it waits for
 * (one indexed query in its namespace), and sleeps again. That keeps one
 * condition for every namespace: commits batch operations of several
 * namespaces, and a waiter's check is cheap. With a running clock,
 * simulated transitions fall due as time passes, without a commit; a
 * waiter also wakes every JOURNAL_WAIT_SLICE_MS to look (its check reads
 * the store, which applies what fell due), so it sees them within a slice.
 *
 * Each wait is bounded (its caller caps the time), ends at once when
 * journal_wait_stop is called (the daemon stops), and ends early when the
 * client's socket is closed (its thread is released). Every function is
 * thread-safe.
 */
#ifndef CONNECTOR_MOCK_JOURNAL_WAIT_H
#define CONNECTOR_MOCK_JOURNAL_WAIT_H

#include <stdbool.h>
#include <stdint.h>

enum {
	JOURNAL_WAIT_SLICE_MS = 250, /* a waiter looks at least this often */
	JOURNAL_WAIT_MAX_MS = 30000, /* the cap on waitMs */
	JOURNAL_STREAMS_MAX = 32,    /* event streams open at once */
};

typedef struct journal_wait journal_wait;

/* NULL when out of memory. */
journal_wait *journal_wait_create(void);
/* No thread may be waiting. NULL is fine. */
void journal_wait_destroy(journal_wait *w);

/* Raises the generation and wakes every waiter. Cheap when nobody waits:
 * callable from the store's commit hook (a `void (*)(void *)`). */
void journal_wait_signal(journal_wait *w);
void journal_wait_signal_hook(void *w);

/* Wakes every waiter for good: later waits return at once. */
void journal_wait_stop(journal_wait *w);
bool journal_wait_stopping(journal_wait *w);

/* The current generation. */
uint64_t journal_wait_generation(journal_wait *w);

/* Sleeps until the generation differs from `seen`, `ms` pass, or the
 * waits stop. */
void journal_wait_sleep(journal_wait *w, uint64_t seen, int64_t ms);

/* Whether the peer of socket `fd` has closed it (or it failed); false for
 * fd < 0. Never blocks. */
bool journal_wait_peer_gone(int fd);

/*
 * The loop every waiting route uses: calls `check(ctx)` now and after each
 * wake, until it answers non-zero (1: what the caller waits for is there;
 * -1: a failure), `wait_ms` pass (0 is one check), the waits stop, or the
 * peer of `peer_fd` (-1: none) goes. Returns check's last answer: 0 when
 * the time ran out, the waits stopped or the peer went.
 */
typedef int (*journal_wait_check)(void *ctx);
int journal_wait_for(journal_wait *w, int64_t wait_ms, int peer_fd, journal_wait_check check,
		     void *ctx);

/* A slot for one event stream: false when JOURNAL_STREAMS_MAX are open. */
bool journal_wait_stream_open(journal_wait *w);
void journal_wait_stream_close(journal_wait *w);

#endif
