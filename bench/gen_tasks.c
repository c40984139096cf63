/*
 * gen_tasks.c — a connector-mock database holding N tasks, for the
 * benchmarks (1k, 100k and 1M tasks).
 *
 *   build/bench/gen_tasks [--db PATH] --count N [--state STATE]
 *                         [--names-out FILE [--names-count K]]
 *                         [--fixtures-out FILE]
 *
 * The database is made through the store's public API, as the daemon makes
 * it: store_open creates the schema, and one store_reset loads a fixtures
 * text built in memory (no file, so no 64 MiB cap of fixtures_file_read),
 * in one transaction. So the file follows the daemon's schema whatever it
 * becomes, and the daemon opens it as an existing database. Both the store
 * API before namespaces and the one with them (STORE_DEFAULT_NAMESPACE) are
 * handled.
 *
 * Built with -DGEN_TASKS_NO_STORE it only writes the fixtures text
 * (--fixtures-out), for bench/run.sh to have the daemon itself seed a
 * database from it (`--fixtures FILE --reset`) when this file no longer
 * compiles against the store's API.
 *
 * Task i (0-based) is named
 *   10.0.<i/250%256>.<i%250+1>-9000:connector_v2:p_bench<i>-incr_trans-1-0:0000000001
 * with state STOPPED (or --state), and a small realistic config:
 * source.clients with one client/subtopic, a few source and sink keys
 * (about 560 bytes of fixtures text a task: 100,000 tasks stay under the
 * daemon's 64 MiB fixtures file cap).
 *
 * --names-out writes K names (default 1000), spread evenly over the N tasks
 * (task i*N/K), one a line: the tasks the wrk scripts work on.
 * --fixtures-out also writes the fixtures text to a file.
 * Prints how long building the text and loading it took.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef GEN_TASKS_NO_STORE
#include "../store/store.h"
#endif

typedef struct {
	char *data;
	size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data) {
			fputs("gen_tasks: out of memory\n", stderr);
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void task_name(long i, char *out, size_t cap)
{
	snprintf(out, cap, "10.0.%ld.%ld-9000:connector_v2:p_bench%ld-incr_trans-1-0:0000000001",
		 i / 250 % 256, i % 250 + 1, i);
}

static void put_task(buf *b, long i, const char *state, int64_t checkpoint)
{
	char name[160], one[2048];
	task_name(i, name, sizeof name);
	int n = snprintf(one, sizeof one,
			 "%s{\"taskName\":\"%s\",\"state\":\"%s\",\"config\":{"
			 "\"source\":{\"sourceType\":\"MYSQL\","
			 "\"clients\":\"[{\\\"clientId\\\":\\\"p_bench%ld_incr_client_1_0\\\","
			 "\\\"subtopic\\\":\\\"oms_store_p_bench%ld_0_1_0\\\"}]\","
			 "\"username\":\"oms_store_reader\",\"timezone\":\"+08:00\"},"
			 "\"sink\":{\"sinkType\":\"OB_MYSQL\","
			 "\"jdbcUrl\":\"jdbc:mysql://10.1.%ld.%ld:2881/?useSSL=false\","
			 "\"username\":\"oms_writer@tenant_bench#obcluster\","
			 "\"workerNum\":\"16\",\"batchSize\":\"200\"}},"
			 "\"checkpoint\":%lld,\"progress\":null,\"lastError\":null}",
			 i ? ",\n" : "", name, state, i, i, i / 250 % 256, i % 250 + 1,
			 (long long)checkpoint);
	put(b, one, (size_t)n);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

#ifndef GEN_TASKS_NO_STORE
/* The store's API before namespaces and with them. */
#ifdef STORE_DEFAULT_NAMESPACE
#define RESET(store, text, len, now, why, cap)                                                     \
	store_reset(store, STORE_DEFAULT_NAMESPACE, text, len, now, why, cap)
#define COUNT(store, now) store_count_tasks(store, STORE_DEFAULT_NAMESPACE, now)
#else
#define RESET(store, text, len, now, why, cap) store_reset(store, text, len, now, why, cap)
#define COUNT(store, now) ((void)(now), store_count_tasks(store))
#endif

/* A new database at `db` holding the tasks of `text`; 0 or -1. */
static int load(const char *db, const buf *text, long count, int64_t now_ms)
{
	unlink(db); /* a new database, as for a first start */
	char path[4096];
	snprintf(path, sizeof path, "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", db);
	unlink(path);
	store_options options = {
		.path = db,
		.durability = DURABILITY_NORMAL,
		.busy_timeout_ms = 5000,
		.audit_retention_ms = 0,
	};
	task_store *store;
	bool created;
	char why[1024] = "";
	if (store_open(&options, &store, &created, why, sizeof why) < 0) {
		fprintf(stderr, "gen_tasks: %s\n", why);
		return -1;
	}
	store_status status = RESET(store, text->data, text->len, now_ms, why, sizeof why);
	if (status != STORE_OK) {
		fprintf(stderr, "gen_tasks: store_reset: %s\n", why);
		store_close(store);
		return -1;
	}
	int64_t stored = COUNT(store, now_ms);
	store_close(store); /* checkpoints the WAL into the file */
	if (stored != count) {
		fprintf(stderr, "gen_tasks: expected %ld tasks, the store holds %lld\n", count,
			(long long)stored);
		return -1;
	}
	return 0;
}
#endif

static void usage(void)
{
	fputs("usage: gen_tasks [--db PATH] --count N [--state STATE] [--names-out FILE"
	      " [--names-count K]] [--fixtures-out FILE]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *db = NULL, *state = "STOPPED", *names_out = NULL, *fixtures_out = NULL;
	long count = -1, names_count = 1000;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		const char *flag = argv[i], *value = argv[++i];
		if (strcmp(flag, "--db") == 0)
			db = value;
		else if (strcmp(flag, "--count") == 0)
			count = strtol(value, NULL, 10);
		else if (strcmp(flag, "--state") == 0)
			state = value;
		else if (strcmp(flag, "--names-out") == 0)
			names_out = value;
		else if (strcmp(flag, "--names-count") == 0)
			names_count = strtol(value, NULL, 10);
		else if (strcmp(flag, "--fixtures-out") == 0)
			fixtures_out = value;
		else
			usage();
	}
	if ((!db && !fixtures_out) || count < 1 || count > 16 * 1000 * 1000 || names_count < 1)
		usage();
	if (names_count > count)
		names_count = count;

	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	int64_t now_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;

	buf text = {0};
	put(&text, "{\"tasks\":[\n", 11);
	for (long i = 0; i < count; i++)
		put_task(&text, i, state, 1700000000 + i % 86400);
	put(&text, "\n]}\n", 4);
	double built = seconds_since(&start);

	if (fixtures_out) {
		FILE *f = fopen(fixtures_out, "w");
		if (!f || fwrite(text.data, 1, text.len, f) != text.len || fclose(f) != 0) {
			perror(fixtures_out);
			return 1;
		}
	}

	double total = built;
	(void)now_ms;
	if (db) {
#ifdef GEN_TASKS_NO_STORE
		fputs("gen_tasks: built without the store (GEN_TASKS_NO_STORE): no --db\n", stderr);
		return 2;
#else
		if (load(db, &text, count, now_ms) < 0)
			return 1;
		total = seconds_since(&start);
#endif
	}
	free(text.data);

	if (names_out) {
		FILE *f = fopen(names_out, "w");
		if (!f) {
			perror(names_out);
			return 1;
		}
		for (long k = 0; k < names_count; k++) {
			char name[160];
			task_name((long)((double)k * (double)count / (double)names_count), name,
				  sizeof name);
			fprintf(f, "%s\n", name);
		}
		if (fclose(f) != 0) {
			perror(names_out);
			return 1;
		}
	}
	printf("gen_tasks: %ld tasks in %s: text %.2f s, total %.2f s\n", count,
	       db ? db : fixtures_out, built, total);
	return 0;
}
