/*
 * reload.c — SIGHUP (see reload.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "reload.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"

void reload_settings(const settings *running, int argc, char **argv)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	char state[96];
	snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%lld",
		 (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000);
	notify_send(state);

	static settings fresh; /* large: not on the signal-waiting stack */
	char why[1024] = "";
	if (settings_from_args(&fresh, argc, argv, why, sizeof why) != SETTINGS_RUN ||
	    settings_check(&fresh, why, sizeof why) < 0) {
		log_write(LOG_ERROR, "reload refused, the running settings stay: %s", why);
		notify_send("READY=1");
		return;
	}
	log_level old_level = log_get_level();
	bool old_json = log_get_json();
	/* said at the more verbose of the two levels, so that a reload from
	 * info to warn is still logged, and one from warn to info too */
	log_set_level(fresh.log_level > old_level ? fresh.log_level : old_level);
	log_set_json(fresh.log_json);
	log_write(LOG_INFO, "reloaded: log_level %s -> %s, log_format %s -> %s",
		  log_level_name(old_level), log_level_name(fresh.log_level),
		  old_json ? "json" : "text", fresh.log_json ? "json" : "text");
	log_set_level(fresh.log_level);

	/* the rest is compared whole, with the reloadable fields made equal */
	static settings compared;
	compared = *running;
	compared.log_level = fresh.log_level;
	compared.log_json = fresh.log_json;
	compared.reset = fresh.reset; /* a start-time action, not a setting */
	if (memcmp(&compared, &fresh, sizeof fresh) != 0)
		log_write(LOG_WARN, "reload: other settings changed; they take effect at the next "
				    "start (only log_level and log_format reload)");
	notify_send("READY=1");
}
