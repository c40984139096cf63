/*
 * unit_journal_wait.c — the journal's waiting mechanism
 * (server/journal_wait.h): a wait ends when its check answers, when a
 * signal lets the check see what came, when the time runs out, when the
 * waits stop, and when the peer's socket closes; the stream slots are
 * bounded. Timing bounds are generous: they only tell a wake from a
 * time-out of 20 s.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../server/journal_wait.h"
#include "support.h"

typedef struct {
	atomic_int value; /* the check answers 1 once it is set */
	atomic_int checks;
} flag;

static int check_flag(void *ctx)
{
	flag *f = ctx;
	atomic_fetch_add(&f->checks, 1);
	return atomic_load(&f->value) ? 1 : 0;
}

static int check_failure(void *ctx)
{
	(void)ctx;
	return -1;
}

START_TEST(answers_at_once_when_it_is_there)
{
	journal_wait *w = journal_wait_create();
	flag f = {.value = 1};
	ck_assert_int_eq(journal_wait_for(w, 20000, -1, check_flag, &f), 1);
	ck_assert_int_eq(atomic_load(&f.checks), 1);
	ck_assert_int_eq(journal_wait_for(w, 20000, -1, check_failure, NULL), -1);
	journal_wait_destroy(w);
}
END_TEST

START_TEST(times_out_with_nothing)
{
	journal_wait *w = journal_wait_create();
	flag f = {0};
	int64_t start = test_monotonic_ms();
	ck_assert_int_eq(journal_wait_for(w, 600, -1, check_flag, &f), 0);
	ck_assert_int_ge(test_monotonic_ms() - start, 600);
	ck_assert_int_ge(atomic_load(&f.checks), 2); /* it looked again in slices */
	/* 0 ms: one check */
	flag once = {0};
	ck_assert_int_eq(journal_wait_for(w, 0, -1, check_flag, &once), 0);
	ck_assert_int_eq(atomic_load(&once.checks), 1);
	journal_wait_destroy(w);
}
END_TEST

typedef struct {
	journal_wait *w;
	flag *f;
	bool stop;
} signaller;

static void *signal_later(void *arg)
{
	signaller *s = arg;
	test_sleep_ms(300);
	if (s->stop) {
		journal_wait_stop(s->w);
	} else {
		atomic_store(&s->f->value, 1);
		journal_wait_signal(s->w);
	}
	return NULL;
}

START_TEST(a_signal_wakes_the_waiter)
{
	journal_wait *w = journal_wait_create();
	flag f = {0};
	signaller s = {.w = w, .f = &f};
	pthread_t thread;
	pthread_create(&thread, NULL, signal_later, &s);
	int64_t start = test_monotonic_ms();
	ck_assert_int_eq(journal_wait_for(w, 20000, -1, check_flag, &f), 1);
	ck_assert_int_lt(test_monotonic_ms() - start, 15000);
	pthread_join(thread, NULL);
	journal_wait_destroy(w);
}
END_TEST

START_TEST(stopping_ends_every_wait)
{
	journal_wait *w = journal_wait_create();
	flag f = {0};
	signaller s = {.w = w, .f = &f, .stop = true};
	pthread_t thread;
	pthread_create(&thread, NULL, signal_later, &s);
	int64_t start = test_monotonic_ms();
	ck_assert_int_eq(journal_wait_for(w, 20000, -1, check_flag, &f), 0);
	ck_assert_int_lt(test_monotonic_ms() - start, 15000);
	pthread_join(thread, NULL);
	ck_assert(journal_wait_stopping(w));
	ck_assert_int_eq(journal_wait_for(w, 20000, -1, check_flag, &f), 0); /* at once */
	journal_wait_destroy(w);
}
END_TEST

START_TEST(a_closed_peer_ends_the_wait)
{
	journal_wait *w = journal_wait_create();
	int pair[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	ck_assert(!journal_wait_peer_gone(pair[0]));
	ck_assert(!journal_wait_peer_gone(-1));
	close(pair[1]);
	ck_assert(journal_wait_peer_gone(pair[0]));
	flag f = {0};
	int64_t start = test_monotonic_ms();
	ck_assert_int_eq(journal_wait_for(w, 20000, pair[0], check_flag, &f), 0);
	ck_assert_int_lt(test_monotonic_ms() - start, 15000);
	close(pair[0]);
	journal_wait_destroy(w);
}
END_TEST

START_TEST(stream_slots_are_bounded)
{
	journal_wait *w = journal_wait_create();
	for (int i = 0; i < JOURNAL_STREAMS_MAX; i++)
		ck_assert(journal_wait_stream_open(w));
	ck_assert(!journal_wait_stream_open(w));
	journal_wait_stream_close(w);
	ck_assert(journal_wait_stream_open(w));
	ck_assert(!journal_wait_stream_open(w));
	journal_wait_destroy(w);
}
END_TEST

static Suite *journal_wait_suite(void)
{
	Suite *suite = suite_create("journal_wait");
	TCase *tc = tcase_create("waits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, answers_at_once_when_it_is_there);
	tcase_add_test(tc, times_out_with_nothing);
	tcase_add_test(tc, a_signal_wakes_the_waiter);
	tcase_add_test(tc, stopping_ends_every_wait);
	tcase_add_test(tc, a_closed_peer_ends_the_wait);
	tcase_add_test(tc, stream_slots_are_bounded);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void) { return test_run_suite(journal_wait_suite()); }
