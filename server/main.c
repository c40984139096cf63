/*
 * main.c — connector-mock: flags and config, open and seed the store, start
 * the HTTP daemon, print the ready line, and stop cleanly on SIGTERM/SIGINT.
 *
 * SIGTERM and SIGINT are blocked before any thread starts (threads inherit
 * the mask) and taken with sigwait here, so no signal handler ever runs
 * inside a request.
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <microhttpd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>

#include "app.h"
#include "log.h"
#include "settings.h"
#include "version.h"

/* How long a stop waits for requests in flight. */
enum { DRAIN_MS = 10000 };

static const char *database_path;

/* SQLite's own error log: a damaged file is worth a line an operator can
 * act on. The operations that touch the damaged pages answer
 * INTERNAL_ERROR; the others go on. */
static void on_sqlite_log(void *unused, int code, const char *message)
{
	(void)unused;
	int primary = code & 0xff;
	if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
		log_write(LOG_ERROR,
			  "the database %s is damaged (%s): what lives in the damaged pages "
			  "answers INTERNAL_ERROR; check it with: sqlite3 %s 'PRAGMA "
			  "integrity_check'",
			  database_path, message, database_path);
}

int main(int argc, char **argv)
{
	static settings s;
	char why[1024] = "";
	switch (settings_from_args(&s, argc, argv, why, sizeof why)) {
	case SETTINGS_HELP:
		fputs(settings_usage(), stdout);
		return 0;
	case SETTINGS_VERSION:
		printf("connector-mock %s\n", CONNECTOR_MOCK_VERSION);
		return 0;
	case SETTINGS_ERROR:
		fprintf(stderr, "connector-mock: %s\n", why);
		return 2;
	case SETTINGS_RUN:
		break;
	}
	if (settings_check(&s, why, sizeof why) < 0) {
		fprintf(stderr, "connector-mock: %s\n", why);
		return 2;
	}
	log_set_level(s.log_level);
	/* one malloc arena per connection thread would cost RSS for nothing:
	 * the hot path allocates little, and the store is serialized anyway */
	mallopt(M_ARENA_MAX, 2);

	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	/* SIGHUP (a closed terminal, a reload by habit) must not kill the
	 * daemon: it is taken here too, logged and ignored */
	sigaddset(&stop_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* past a file-size limit, writes fail with EFBIG and the store answers
	 * INTERNAL_ERROR, as on a full disk, instead of the process dying */
	signal(SIGXFSZ, SIG_IGN);

	database_path = s.db;
	sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, NULL);
	static server_app app;
	if (app_open(&app, &s, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "%s", why);
		return 1;
	}
	struct MHD_Daemon *daemon;
	unsigned port;
	if (http_start(&app, &daemon, &port, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "%s", why);
		app_close(&app);
		return 1;
	}
	printf("connector-mock listening on http://%s:%u\n", s.listen, port);
	fflush(stdout);
	if (s.threads)
		log_write(LOG_WARN, "threads = %u is ignored: each connection has its own thread",
			  s.threads);
	log_write(LOG_INFO, "database %s (%s durability), %s mode, admin API %s", s.db,
		  s.durability == DURABILITY_FULL ? "full" : "normal",
		  s.lenient ? "lenient" : "strict", s.admin_token[0] ? "token-protected" : "open");

	int signal_number;
	for (;;) {
		signal_number = 0;
		if (sigwait(&stop_signals, &signal_number) != 0)
			continue;
		if (signal_number != SIGHUP)
			break;
		log_write(LOG_INFO, "SIGHUP: ignored (nothing is reloaded; restart "
				    "connector-mock to change its settings)");
	}
	log_write(LOG_INFO, "signal %d: finishing requests in flight", signal_number);
	http_stop(&app, daemon, DRAIN_MS);
	app_close(&app);
	log_write(LOG_INFO, "stopped");
	return 0;
}
