/*
 * disk_probe.c — what the disk did while a cell ran: the baseline of the
 * cells that wait for it, as bench/baseline.c is the CPU's.
 *
 *   build/bench/disk_probe FILE SECONDS [INTERVAL_MS]
 *
 * For SECONDS (1 to 3600), every INTERVAL_MS (default 50, 1 to 10000),
 * writes the same 8 KiB at the start of FILE and times the fdatasync that
 * follows: what a commit of two WAL pages waits for with durability full,
 * on a WAL that has started over (its blocks already allocated, by a first
 * write and sync before the clock starts). Removes FILE and prints one line:
 *
 *   DISK_PROBE syncs=N p50_us=.. p99_us=.. max_us=..
 *
 * bench/run.sh runs it beside each connector-mock cell, so that a stall of
 * a shared disk shows next to the latency it moved: one sync of 200 ms in a
 * 5 s run holds every request of that moment and is a p99 by itself. At 20
 * syncs a second it adds little to the disk's load (the daemon's own: 1,000
 * to 3,000 a second with durability full). Exits 1 with a message when FILE
 * cannot be written or synced, 2 on bad arguments.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BLOCK = 8192, SECONDS_MAX = 3600, INTERVAL_DEFAULT = 50, INTERVAL_MAX = 10000 };

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(long long ns)
{
	struct timespec t = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* a whole number in [low, high], or -1 */
static long whole(const char *text, long low, long high)
{
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	return errno || *end || end == text || value < low || value > high ? -1 : value;
}

static int write_and_sync(int fd, const char *block, long long *sync_ns)
{
	if (pwrite(fd, block, BLOCK, 0) != BLOCK)
		return -1;
	long long start = now_ns();
	if (fdatasync(fd) != 0)
		return -1;
	*sync_ns = now_ns() - start;
	return 0;
}

int main(int argc, char **argv)
{
	long seconds = argc >= 3 ? whole(argv[2], 1, SECONDS_MAX) : -1;
	long interval = argc == 4 ? whole(argv[3], 1, INTERVAL_MAX) : INTERVAL_DEFAULT;
	if ((argc != 3 && argc != 4) || seconds < 1 || interval < 1) {
		fprintf(stderr,
			"usage: %s FILE SECONDS [INTERVAL_MS]: SECONDS from 1 to %d, INTERVAL_MS "
			"from 1 to %d\n",
			argv[0], SECONDS_MAX, INTERVAL_MAX);
		return 2;
	}
	long capacity = seconds * 1000 / interval + 1;
	long long *samples = malloc((size_t)capacity * sizeof *samples);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!samples || fd < 0) {
		fprintf(stderr, "disk_probe: %s: %s\n", argv[1], strerror(errno));
		free(samples);
		return 1;
	}
	static char block[BLOCK];
	long long first;
	int rc = write_and_sync(fd, block, &first); /* allocates the blocks */
	long count = 0;
	long long start = now_ns(), end = start + seconds * 1000000000LL;
	for (long long tick = start; rc == 0 && count < capacity && tick < end;
	     tick += interval * 1000000LL) {
		sleep_until(tick);
		block[count % BLOCK] = (char)count; /* new bytes each time */
		rc = write_and_sync(fd, block, &samples[count]);
		count += rc == 0;
	}
	int saved = errno;
	close(fd);
	unlink(argv[1]);
	if (rc != 0) {
		fprintf(stderr, "disk_probe: %s: %s\n", argv[1], strerror(saved));
		free(samples);
		return 1;
	}
	qsort(samples, (size_t)count, sizeof *samples, by_value);
	/* nearest rank: the smallest sample with at least p% at or below it */
	long p50 = (count * 50 + 99) / 100 - 1, p99 = (count * 99 + 99) / 100 - 1;
	printf("DISK_PROBE syncs=%ld p50_us=%lld p99_us=%lld max_us=%lld\n", count,
	       samples[p50] / 1000, samples[p99] / 1000, samples[count - 1] / 1000);
	free(samples);
	return 0;
}
