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
#include <stdio.h>

#include "app.h"
#include "log.h"
#include "settings.h"
#include "version.h"

/* How long a stop waits for requests in flight. */
enum { DRAIN_MS = 10000 };

/* A little over 60 lines on purpose: main reads as the daemon's life in
 * order (settings, signals blocked, start, wait for a signal, drain, stop). */
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
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* past a file-size limit, writes fail with EFBIG and the store answers
	 * INTERNAL_ERROR, as on a full disk, instead of the process dying */
	signal(SIGXFSZ, SIG_IGN);

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

	int signal_number = 0;
	sigwait(&stop_signals, &signal_number);
	log_write(LOG_INFO, "signal %d: finishing requests in flight", signal_number);
	http_stop(&app, daemon, DRAIN_MS);
	app_close(&app);
	log_write(LOG_INFO, "stopped");
	return 0;
}
