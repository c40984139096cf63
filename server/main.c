/*
 * main.c — connector-mock: settings, bind the port, open and seed the
 * store, start the HTTP daemon, print the ready line (and tell systemd),
 * reload on SIGHUP, and stop cleanly on SIGTERM/SIGINT.
 *
 * The signals are blocked before any thread starts (threads inherit the
 * mask) and taken with sigwait here, so no signal handler ever runs inside
 * a request. The port is bound before the database is touched: a start
 * that fails leaves no file behind (app_discard).
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <malloc.h>
#include <microhttpd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include "app.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
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

/* The versions of the libraries as loaded, not as compiled against. */
static void print_version(void)
{
	printf("connector-mock %s\nlibmicrohttpd %s\nSQLite %s\ncJSON %s\n", CONNECTOR_MOCK_VERSION,
	       MHD_get_version(), sqlite3_libversion(), cJSON_Version());
}

/* Binds, opens the store, starts HTTP. Returns 0, or 1 with nothing left
 * open or created. */
static int start(server_app *app, const settings *s, struct MHD_Daemon **daemon, unsigned *port)
{
	char why[1024] = "";
	unsigned bound;
	int fd = listener_open(s->listen, s->port, &bound, why, sizeof why);
	if (fd < 0) {
		log_write(LOG_ERROR, "%s", why);
		return 1;
	}
	app->listen_fd = fd;
	app->has_listen_fd = true;
	if (app_open(app, s, why, sizeof why) < 0) {
		close(fd);
		log_write(LOG_ERROR, "%s", why);
		return 1;
	}
	if (http_start(app, daemon, port, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "%s", why);
		app_discard(app);
		return 1;
	}
	return 0;
}

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
		print_version();
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
	log_set_json(s.log_json);
	/* one malloc arena per connection thread would cost RSS for nothing:
	 * the hot path allocates little, and the store is serialized anyway */
	mallopt(M_ARENA_MAX, 2);

	sigset_t signals;
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* past a file-size limit, writes fail with EFBIG and the store answers
	 * INTERNAL_ERROR, as on a full disk, instead of the process dying */
	signal(SIGXFSZ, SIG_IGN);

	database_path = s.db;
	sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, NULL);
	static server_app app;
	struct MHD_Daemon *daemon;
	unsigned port;
	if (start(&app, &s, &daemon, &port) != 0)
		return 1;
	printf("connector-mock listening on http://%s:%u\n", s.listen, port);
	fflush(stdout);
	if (s.threads)
		log_write(LOG_WARN, "threads = %u is ignored: each connection has its own thread",
			  s.threads);
	log_write(LOG_INFO, "database %s (%s durability), %s mode, admin API %s", s.db,
		  s.durability == DURABILITY_FULL ? "full" : "normal",
		  s.lenient ? "lenient" : "strict", s.admin_token[0] ? "token-protected" : "open");
	if (notify_send("READY=1") < 0)
		log_write(LOG_WARN, "cannot tell the service manager READY=1 (NOTIFY_SOCKET)");

	int signal_number = 0;
	for (;;) {
		if (sigwait(&signals, &signal_number) != 0)
			continue;
		if (signal_number != SIGHUP)
			break;
		reload_settings(&s, argc, argv);
	}
	notify_send("STOPPING=1");
	log_write(LOG_INFO, "signal %d: finishing requests in flight", signal_number);
	http_stop(&app, daemon, DRAIN_MS);
	app_close(&app);
	log_write(LOG_INFO, "stopped");
	return 0;
}
