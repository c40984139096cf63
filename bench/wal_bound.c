/*
 * wal_bound.c — how large the WAL grows while the background checkpointer
 * keeps up with commits: the timing claim that tests/unit_store.c no
 * longer makes (there the test drives the checkpoints itself).
 *
 *   build/bench/wal_bound [DIR]
 *
 * Two runs on a scratch database in DIR (default /tmp), seeded from
 * fixtures/default.json: 4,000 single commits with a checkpoint every 256
 * frames (bound 16 MiB), and 16 threads of 150 stop/resume each, three
 * rounds, every 64 frames (bound 4 MiB; the writer never pauses, so only
 * its own last pass of a checkpoint reaches the WAL's end). Prints the
 * largest WAL of each and exits 1 when one passed its bound. On a quiet
 * machine both stay far below; on a busy 2-core machine the first went to
 * 23-34 MB in about half the runs, which is why it is measured here.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/store.h"

static const char *const names[] = {
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001",
	"xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001",
};

/* The whole file, NUL-terminated (the daemon's reader, server/
 * fixtures_file.c, also serves the built-in sets, which need the embedded
 * files; a bench tool reads the source tree's copy). */
static char *read_text(const char *path, size_t *len)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		return NULL;
	char *text = NULL;
	if (fseek(file, 0, SEEK_END) == 0) {
		long size = ftell(file);
		text = size >= 0 ? malloc((size_t)size + 1) : NULL;
		rewind(file);
		if (text && fread(text, 1, (size_t)size, file) == (size_t)size) {
			text[size] = '\0';
			*len = (size_t)size;
		} else {
			free(text);
			text = NULL;
		}
	}
	fclose(file);
	return text;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void op(task_store *store, rules_op which, const char *name, int64_t now)
{
	store_request request = {.op = which,
				 .task_name = name,
				 .now_ms = now,
				 .client = "bench",
				 .params_json = "{}"};
	store_outcome outcome;
	store_execute(store, &request, &outcome);
	store_outcome_free(&outcome);
}

static task_store *open_seeded(const char *path, int checkpoint_frames)
{
	store_options options = {
		.path = path, .busy_timeout_ms = 5000, .checkpoint_frames = checkpoint_frames};
	task_store *store;
	bool created;
	char why[512] = "";
	size_t len = 0;
	char *text = read_text("fixtures/default.json", &len);
	if (!text)
		snprintf(why, sizeof why, "cannot read fixtures/default.json");
	if (!text || store_open(&options, &store, &created, why, sizeof why) < 0) {
		fprintf(stderr, "wal_bound: %s\n", why);
		exit(2);
	}
	if (store_reset(store, STORE_DEFAULT_NAMESPACE, text, len, 1000, why, sizeof why) !=
	    STORE_OK) {
		fprintf(stderr, "wal_bound: %s\n", why);
		exit(2);
	}
	free(text);
	return store;
}

typedef struct {
	task_store *store;
	const char *name;
} racer;

static void *race(void *data)
{
	racer *r = data;
	for (int i = 0; i < 150; i++)
		op(r->store, i % 2 ? OP_RESUME : OP_STOP, r->name, 2000 + i);
	return NULL;
}

static void remove_files(const char *path)
{
	char other[600];
	unlink(path);
	snprintf(other, sizeof other, "%s-wal", path);
	unlink(other);
	snprintf(other, sizeof other, "%s-shm", path);
	unlink(other);
}

int main(int argc, char **argv)
{
	char path[512], wal[600];
	snprintf(path, sizeof path, "%s/wal-bound-%ld.db", argc > 1 ? argv[1] : "/tmp",
		 (long)getpid());
	snprintf(wal, sizeof wal, "%s-wal", path);
	int failed = 0;

	task_store *store = open_seeded(path, 256);
	long long largest = 0;
	for (int i = 0; i < 4000; i++) {
		op(store, i % 2 ? OP_STOP : OP_RESUME, names[0], 2000 + i);
		long long size = file_size(wal);
		largest = size > largest ? size : largest;
	}
	store_close(store);
	remove_files(path);
	printf("steady commits: largest WAL %.1f MiB (bound 16)\n", (double)largest / 1048576);
	failed |= largest >= 16LL << 20;

	store = open_seeded(path, 64);
	for (int round = 0; round < 3; round++) {
		racer racers[16];
		pthread_t threads[16];
		for (int i = 0; i < 16; i++) {
			racers[i] = (racer){store, names[i % 2]};
			pthread_create(&threads[i], NULL, race, &racers[i]);
		}
		for (int i = 0; i < 16; i++)
			pthread_join(threads[i], NULL);
	}
	largest = file_size(wal); /* a WAL file never shrinks */
	store_close(store);
	remove_files(path);
	printf("16 racers: largest WAL %.1f MiB (bound 4)\n", (double)largest / 1048576);
	failed |= largest >= 4LL << 20;
	return failed;
}
