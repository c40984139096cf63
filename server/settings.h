/*
 * settings.h — every knob of the daemon: defaults, the config file, flags.
 *
 * Precedence: built-in defaults < the config file < command-line flags.
 * The config file is INI (read with libinih); every key is documented in
 * conf/connector-mock.conf. Parsing is strict: an unknown key, a bad value
 * or an unknown flag is an error with a sentence, never silently ignored.
 */
#ifndef CONNECTOR_MOCK_SETTINGS_H
#define CONNECTOR_MOCK_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/simulation.h"
#include "../store/store.h"
#include "log.h"

enum { SETTINGS_PATH_MAX = 4096, SETTINGS_TOKEN_MAX = 256 };

typedef struct {
	char config_path[SETTINGS_PATH_MAX];
	char listen[64];	    /* IPv4 address to bind */
	unsigned port;		    /* 0: any free port */
	char db[SETTINGS_PATH_MAX]; /* file path or ":memory:" */
	char fixtures[SETTINGS_PATH_MAX];
	bool reset;		  /* wipe and reseed at start */
	unsigned threads;	  /* ignored (one thread per connection); 0 = unset */
	bool lenient;		  /* repeats of stop/resume succeed */
	bool error_status_mapped; /* business errors as 4xx/5xx instead of 200 */
	size_t max_body;	  /* bytes */
	store_durability durability;
	int64_t audit_retention_ms;		  /* 0: keep forever */
	int64_t journal_max_entries;		  /* per namespace; 0: no bound */
	char admin_token[SETTINGS_TOKEN_MAX + 1]; /* "" : control API open */
	bool allow_open_admin;			  /* listen beyond loopback with no token */
	log_level log_level;
	unsigned connection_timeout_s;
	unsigned connection_limit;
	unsigned per_ip_connection_limit; /* 0: unlimited */
	int busy_timeout_ms;
	/* [simulation]: the settings every new namespace starts with */
	sim_settings simulation;
} settings;

typedef enum { SETTINGS_RUN, SETTINGS_HELP, SETTINGS_VERSION, SETTINGS_ERROR } settings_action;

/* Fills the built-in defaults. */
void settings_defaults(settings *out);

/*
 * Builds the settings from defaults, the config file (--config PATH, or
 * conf/connector-mock.conf when it exists) and the flags. On SETTINGS_ERROR
 * `why` holds a sentence; `out` is then unspecified.
 */
settings_action settings_from_args(settings *out, int argc, char **argv, char *why, size_t why_cap);

/*
 * Checks the settings as a whole: listening on a non-loopback address
 * without an admin token (and without --allow-open-admin) is refused,
 * because the control API could then change any task from the network.
 * Returns 0, or -1 with a sentence in `why`.
 */
int settings_check(const settings *s, char *why, size_t why_cap);

/* The --help text. */
const char *settings_usage(void);

/* Parsers shared with tests: 0 on success, -1 when the text is not valid. */
int settings_parse_duration_ms(const char *text, int64_t *out_ms); /* 30s 15m 12h 7d; 0 */
int settings_parse_bool(const char *text, bool *out);		   /* Spring's words */
int settings_parse_unsigned(const char *text, unsigned long long max, unsigned long long *out);

#endif
