/*
 * settings.h — every knob of the daemon: defaults, the config file, flags.
 *
 * Precedence: built-in defaults (conf/connector-mock.conf, compiled in) < the
 * config file (--config) < the environment (CONNECTOR_MOCK_<FLAG>, one
 * variable per flag) < command-line flags. The config file and the built-in
 * one are INI, read by one reader (config_file.h); every key is documented in
 * conf/connector-mock.conf. Parsing is strict: an unknown key, a bad value or
 * an unknown flag is an error with a sentence, never silently ignored.
 */
#ifndef CONNECTOR_MOCK_SETTINGS_H
#define CONNECTOR_MOCK_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/simulation.h"
#include "../store/store.h"
#include "log.h"

typedef struct {
	char config_path[SETTINGS_PATH_MAX];
	char listen[64];	    /* IPv4 address to bind */
	unsigned port;		    /* 0: any free port */
	char db[SETTINGS_PATH_MAX]; /* file path or ":memory:"; "" until resolved */
	char fixtures[SETTINGS_PATH_MAX];
	bool reset;		  /* wipe and reseed at start */
	unsigned threads;	  /* ignored (one thread per connection); 0 = unset */
	bool lenient;		  /* repeats of stop/resume succeed */
	bool error_status_mapped; /* business errors as 4xx/5xx instead of 200 */
	bool error_detail_null;	  /* failures answer "errorDetail":null */
	/* the mock rules a real CM might not enforce (docs/parity.md) */
	bool delete_running;	    /* delete of a RUNNING task succeeds */
	bool update_running;	    /* update of a RUNNING task succeeds */
	bool refuse_update_created; /* update of a CREATED task is ILLEGAL_STATE */
	/* [errors]: the errCode answered for each business code; "" = its own */
	char error_names[ERR__COUNT][ERROR_NAME_MAX + 1];
	size_t max_body; /* bytes */
	store_durability durability;
	int64_t audit_retention_ms;		  /* 0: keep forever */
	int64_t journal_max_entries;		  /* per namespace; 0: no bound */
	char admin_token[SETTINGS_TOKEN_MAX + 1]; /* "" : control API open */
	bool allow_open_admin;			  /* listen beyond loopback with no token */
	log_level log_level;
	bool log_json; /* --log-format json */
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
 * Builds the settings from the defaults, the built-in config, the config
 * file (--config PATH or CONNECTOR_MOCK_CONFIG), the environment `env` (a
 * NULL-terminated "NAME=value" array; variables not named after a setting
 * are ignored) and the flags. With no db given anywhere, the database goes
 * in the state directory (statedir.h). On SETTINGS_ERROR `why` holds a
 * sentence; `out` is then unspecified.
 */
settings_action settings_from_sources(settings *out, int argc, char **argv, const char *const *env,
				      char *why, size_t why_cap);

/* settings_from_sources with the process's environment. */
settings_action settings_from_args(settings *out, int argc, char **argv, char *why, size_t why_cap);

/* One setting as the outside sees it: its INI place, flag and variable. */
typedef struct {
	const char *section; /* NULL: a flag and variable only */
	const char *key;
	const char *flag;
	char env[64];
} settings_option_info;

/* How many settings there are; settings_option_describe fills `out` for
 * index 0 .. count-1 and returns 0, or -1 past the end. */
size_t settings_option_count(void);
int settings_option_describe(size_t index, settings_option_info *out);

/*
 * Checks the settings as a whole: listening on a non-loopback address
 * without an admin token (and without --allow-open-admin) is refused,
 * because the control API could then change any task from the network.
 * Returns 0, or -1 with a sentence in `why`.
 */
int settings_check(const settings *s, char *why, size_t why_cap);

/* The switches of the mock rules (lenient and [rules]) as rules flags, with
 * no request flag set. */
rules_flags settings_rules_flags(const settings *s);

/* The errCode answered for `code`: its [errors] name, or its own. */
const char *settings_error_name(const settings *s, error_code code);

/* The --help text. */
const char *settings_usage(void);

/* Parsers shared with tests: 0 on success, -1 when the text is not valid. */
int settings_parse_duration_ms(const char *text, int64_t *out_ms); /* 30s 15m 12h 7d; 0 */
int settings_parse_bool(const char *text, bool *out);		   /* Spring's words */
int settings_parse_unsigned(const char *text, unsigned long long max, unsigned long long *out);

#endif
