/*
 * store_ops.c — what one operation costs the store, without HTTP or threads.
 *
 *   build/bench/store_ops DB NAMES OPS BATCH [stop_resume|update|migrate] [simulate]
 *
 * Copies nothing: DB must be a scratch copy (bench/.work's tasks-N.db). Runs
 * OPS operations cycling over the task names in NAMES (one per line, all
 * STOPPED at the start): stop/resume, updates with a 1 KiB body like
 * bench/lua/update.lua's, or migrates (each task's chain followed, as
 * bench/lua/migrate.lua does); BATCH of them per transaction, through the store's
 * own batch runner (store_run_batch_locked, as the group commit does), and
 * prints the thread CPU time and the wall time per operation.
 * Under `valgrind --tool=callgrind` the instruction count per operation is
 * repeatable whatever else the machine is doing (bench/README.md). With
 * `simulate`, the namespace's simulation is turned on first (docs/
 * simulation.md): each resume then starts a motion and each stop ends one.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/configmap.h"
#include "../store/store_internal.h"
#include "../store/store_simulation.h"

enum { NAMES_MAX = 100000, NAME_CAP = 160 };

static double seconds(clockid_t clock)
{
	struct timespec now;
	clock_gettime(clock, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 7 || (argc == 7 && strcmp(argv[6], "simulate") != 0)) {
		fprintf(stderr,
			"usage: %s DB NAMES OPS BATCH [stop_resume|update|migrate] [simulate]\n",
			argv[0]);
		return 2;
	}
	const char *mode = argc >= 6 ? argv[5] : "stop_resume";
	bool simulate = argc == 7;
	bool update = strcmp(mode, "update") == 0, migrate = strcmp(mode, "migrate") == 0;
	if (!update && !migrate && strcmp(mode, "stop_resume") != 0) {
		fprintf(stderr, "the operation is stop_resume, update or migrate\n");
		return 2;
	}
	long ops = atol(argv[3]), batch_size = atol(argv[4]);
	if (ops <= 0 || batch_size <= 0 || batch_size > 256) {
		fprintf(stderr, "OPS > 0, 0 < BATCH <= 256\n");
		return 2;
	}
	FILE *file = fopen(argv[2], "r");
	if (!file) {
		perror(argv[2]);
		return 1;
	}
	static char names[NAMES_MAX][NAME_CAP];
	static bool running[NAMES_MAX];
	size_t count = 0;
	while (count < NAMES_MAX && fgets(names[count], NAME_CAP, file)) {
		names[count][strcspn(names[count], "\r\n")] = '\0';
		if (names[count][0])
			count++;
	}
	fclose(file);
	if (count < (size_t)batch_size) {
		fprintf(stderr, "%s: fewer names than BATCH\n", argv[2]);
		return 1;
	}
	store_options options = {.path = argv[1],
				 .busy_timeout_ms = 1000,
				 .audit_retention_ms = 7LL * 86400000,
				 .journal_max_entries = 100000};
	task_store *store;
	bool created;
	char why[256];
	if (store_open(&options, &store, &created, why, sizeof why) < 0) {
		fprintf(stderr, "%s\n", why);
		return 1;
	}
	if (simulate) {
		cJSON *on = cJSON_Parse("{\"enabled\":true}");
		if (store_simulation_put(store, NULL, on, 1700000000000, NULL, why, sizeof why) !=
		    STORE_OK) {
			fprintf(stderr, "cannot turn the simulation on: %s\n", why);
			return 1;
		}
		cJSON_Delete(on);
	}
	/* update.lua's body: the same keys every time, changing values */
	static cJSON *bodies[16];
	for (int n = 0; n < 16; n++) {
		char filler[601], body[2048], why[256];
		memset(filler, 'a' + n, 600);
		filler[600] = '\0';
		snprintf(body, sizeof body,
			 "{\"sink\":{\"batchSize\":\"%d\",\"workerNum\":\"%d\",\"jdbcUrl\":"
			 "\"jdbc:mysql://10.9.%d.%d:2881/?useSSL=false\"},\"coordinator\":"
			 "{\"throttleRps\":\"%d\",\"bridgeQueueSize\":\"%d\"},\"condition\":"
			 "{\"note\":\"%s\"},\"source\":{\"fetchSize\":\"%d\"}}",
			 100 + n, 8 + n % 8, n, n + 1, 1000 * n, 128 + n, filler, 500 + n);
		if (configmap_parse_update(body, strlen(body), &bodies[n], why, sizeof why) < 0) {
			fprintf(stderr, "update body: %s\n", why);
			return 1;
		}
	}
	static store_request requests[256];
	static store_job jobs[256];
	static store_outcome outcomes[256];
	store_job *batch[256];
	char params[256][NAME_CAP + 32];
	size_t slots[256]; /* the name each job of the batch works on */
	size_t cursor = 0;
	long failed = 0;
	double cpu0 = seconds(CLOCK_THREAD_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
	for (long done = 0; done < ops; done += batch_size) {
		for (long i = 0; i < batch_size; i++) {
			size_t k = slots[i] = cursor++ % count;
			snprintf(params[i], sizeof params[i], "{\"taskName\":\"%s\"}", names[k]);
			requests[i] = (store_request){
				.op = update	   ? OP_UPDATE
				      : migrate	   ? OP_MIGRATE
				      : running[k] ? OP_STOP
						   : OP_RESUME,
				.task_name = names[k],
				.update = update ? bodies[(done + i) % 16] : NULL,
				.now_ms = 1700000000000 + done,
				.client = "127.0.0.1",
				.params_json = params[i],
			};
			if (!update && !migrate)
				running[k] = !running[k];
			jobs[i] = (store_job){.request = &requests[i], .outcome = &outcomes[i]};
			store_judge(&jobs[i]);
			batch[i] = &jobs[i];
		}
		db_lock(&store->lock);
		store_run_batch_locked(store, batch, (size_t)batch_size);
		db_unlock(&store->lock);
		for (long i = 0; i < batch_size; i++) {
			failed += outcomes[i].error != ERR_NONE;
			if (migrate && outcomes[i].error == ERR_NONE)
				snprintf(names[slots[i]], NAME_CAP, "%s", outcomes[i].result);
			store_outcome_free(&outcomes[i]);
		}
	}
	double cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	double wall = seconds(CLOCK_MONOTONIC) - wall0;
	printf("store_ops %s%s batch=%ld ops=%ld cpu_us_per_op=%.2f wall_us_per_op=%.2f "
	       "failed=%ld\n",
	       mode, simulate ? " simulate" : "", batch_size, ops, cpu * 1e6 / (double)ops,
	       wall * 1e6 / (double)ops, failed);
	store_close(store);
	for (int n = 0; n < 16; n++)
		cJSON_Delete(bodies[n]);
	return failed ? 1 : 0;
}
