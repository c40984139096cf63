/*
 * settings.c — defaults, the INI config file and the flags, from one table.
 *
 * Each setting is one row of `option_table`: its INI section and key, its
 * flag, and the function that parses and stores its value. The file and the
 * flags go through the same rows, so they cannot disagree.
 */
#define _POSIX_C_SOURCE 200809L
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/text.h"
#include "config_file.h"
#include "embedded.h"
#include "params.h"
#include "statedir.h"

extern char **environ;

int settings_parse_unsigned(const char *text, unsigned long long max, unsigned long long *out)
{
	if (!text || !*text || strlen(text) > 20)
		return -1;
	unsigned long long value = 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned digit = (unsigned)(*p - '0');
		if (digit > max || value > (max - digit) / 10)
			return -1;
		value = value * 10 + digit;
	}
	*out = value;
	return 0;
}

int settings_parse_duration_ms(const char *text, int64_t *out_ms)
{
	size_t len = text ? strlen(text) : 0;
	if (len == 0 || len > 20)
		return -1;
	if (strcmp(text, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	static const struct {
		char unit;
		int64_t ms;
	} units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
	char number[24];
	memcpy(number, text, len - 1);
	number[len - 1] = '\0';
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		if (text[len - 1] != units[i].unit)
			continue;
		unsigned long long value;
		/* far inside int64 */
		if (settings_parse_unsigned(
			    number, SETTINGS_DURATION_MAX_MS / (unsigned long long)units[i].ms,
			    &value) < 0)
			return -1;
		*out_ms = (int64_t)value * units[i].ms;
		return 0;
	}
	return -1;
}

int settings_parse_bool(const char *text, bool *out)
{
	/* the same words as OMS parameters, but a setting may not be empty */
	return *text ? params_bool(text, false, out) : -1;
}

typedef int (*setter)(settings *s, const char *value, char *why, size_t why_cap);

static int copy_string(char *dst, size_t cap, const char *value, const char *name, char *why,
		       size_t why_cap)
{
	if (strlen(value) >= cap)
		return text_fail(why, why_cap, "%s is longer than %zu bytes", name, cap - 1);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int set_listen(settings *s, const char *value, char *why, size_t why_cap)
{
	if (!text_ipv4_valid(value, strlen(value)))
		return text_fail(why, why_cap, "listen must be an IPv4 address, not \"%.64s\"",
				 value);
	return copy_string(s->listen, sizeof s->listen, value, "listen", why, why_cap);
}

static int set_number(unsigned *dst, const char *value, unsigned long long min,
		      unsigned long long max, const char *name, char *why, size_t why_cap)
{
	unsigned long long n;
	if (settings_parse_unsigned(value, max, &n) < 0 || n < min)
		return text_fail(why, why_cap, "%s must be a whole number from %llu to %llu", name,
				 min, max);
	*dst = (unsigned)n;
	return 0;
}

static int set_port(settings *s, const char *v, char *why, size_t cap)
{
	return set_number(&s->port, v, 0, 65535, "port", why, cap);
}
static int set_threads(settings *s, const char *v, char *why, size_t cap)
{
	return set_number(&s->threads, v, 0, SETTINGS_THREADS_MAX, "threads", why, cap);
}
static int set_timeout(settings *s, const char *v, char *why, size_t cap)
{
	return set_number(&s->connection_timeout_s, v, 1, SETTINGS_CONNECTION_TIMEOUT_MAX_S,
			  "connection_timeout", why, cap);
}
static int set_connection_limit(settings *s, const char *v, char *why, size_t cap)
{
	return set_number(&s->connection_limit, v, 1, SETTINGS_CONNECTIONS_MAX, "connection_limit",
			  why, cap);
}
static int set_per_ip_limit(settings *s, const char *v, char *why, size_t cap)
{
	return set_number(&s->per_ip_connection_limit, v, 0, SETTINGS_CONNECTIONS_MAX,
			  "per_ip_connection_limit", why, cap);
}
static int set_busy_timeout(settings *s, const char *v, char *why, size_t cap)
{
	unsigned ms = 0;
	if (set_number(&ms, v, 0, SETTINGS_BUSY_TIMEOUT_MAX_MS, "busy_timeout_ms", why, cap) < 0)
		return -1;
	s->busy_timeout_ms = (int)ms;
	return 0;
}
static int set_db(settings *s, const char *v, char *why, size_t cap)
{
	if (!*v)
		return text_fail(why, cap, "db must not be empty");
	return copy_string(s->db, sizeof s->db, v, "db", why, cap);
}
static int set_fixtures(settings *s, const char *v, char *why, size_t cap)
{
	return copy_string(s->fixtures, sizeof s->fixtures, v, "fixtures", why, cap);
}
static int set_config(settings *s, const char *v, char *why, size_t cap)
{
	return copy_string(s->config_path, sizeof s->config_path, v, "config", why, cap);
}
static int set_token(settings *s, const char *v, char *why, size_t cap)
{
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return text_fail(why, cap,
					 "admin_token may hold no spaces or control characters");
	return copy_string(s->admin_token, sizeof s->admin_token, v, "admin_token", why, cap);
}
static int set_flag(bool *dst, const char *v, const char *name, char *why, size_t cap)
{
	if (settings_parse_bool(v, dst) < 0)
		return text_fail(why, cap, "%s must be true or false, not \"%.32s\"", name, v);
	return 0;
}
static int set_reset(settings *s, const char *v, char *why, size_t cap)
{
	return set_flag(&s->reset, v, "reset", why, cap);
}
static int set_allow_open_admin(settings *s, const char *v, char *why, size_t cap)
{
	return set_flag(&s->allow_open_admin, v, "allow_open_admin", why, cap);
}
static int set_lenient(settings *s, const char *v, char *why, size_t cap)
{
	return set_flag(&s->lenient, v, "lenient", why, cap);
}
static int set_error_status(settings *s, const char *v, char *why, size_t cap)
{
	if (strcmp(v, "ok") == 0 || strcmp(v, "mapped") == 0) {
		s->error_status_mapped = strcmp(v, "mapped") == 0;
		return 0;
	}
	return text_fail(why, cap, "error_status must be ok or mapped, not \"%.32s\"", v);
}
static int set_error_detail(settings *s, const char *v, char *why, size_t cap)
{
	if (strcmp(v, "full") == 0 || strcmp(v, "null") == 0) {
		s->error_detail_null = strcmp(v, "null") == 0;
		return 0;
	}
	return text_fail(why, cap, "error_detail must be full or null, not \"%.32s\"", v);
}
/* A mock rule's switch: `allow` or `refuse`, with `*allowed` the answer. */
static int set_rule(bool *allowed, const char *v, const char *name, char *why, size_t cap)
{
	if (strcmp(v, "allow") == 0 || strcmp(v, "refuse") == 0) {
		*allowed = strcmp(v, "allow") == 0;
		return 0;
	}
	return text_fail(why, cap, "%s must be allow or refuse, not \"%.32s\"", name, v);
}
static int set_delete_running(settings *s, const char *v, char *why, size_t cap)
{
	return set_rule(&s->delete_running, v, "delete_running", why, cap);
}
static int set_update_running(settings *s, const char *v, char *why, size_t cap)
{
	return set_rule(&s->update_running, v, "update_running", why, cap);
}
static int set_update_created(settings *s, const char *v, char *why, size_t cap)
{
	bool allowed = true;
	if (set_rule(&allowed, v, "update_created", why, cap) < 0)
		return -1;
	s->refuse_update_created = !allowed;
	return 0;
}
static int set_max_body(settings *s, const char *v, char *why, size_t cap)
{
	unsigned long long n;
	if (settings_parse_unsigned(v, HTTP_MAX_BODY_MAX, &n) < 0 || n < HTTP_MAX_BODY_MIN)
		return text_fail(why, cap, "max_body must be a number of bytes from %d to %d",
				 HTTP_MAX_BODY_MIN, HTTP_MAX_BODY_MAX);
	s->max_body = (size_t)n;
	return 0;
}
static int set_durability(settings *s, const char *v, char *why, size_t cap)
{
	if (strcmp(v, "normal") == 0)
		s->durability = DURABILITY_NORMAL;
	else if (strcmp(v, "full") == 0)
		s->durability = DURABILITY_FULL;
	else
		return text_fail(why, cap, "durability must be normal or full, not \"%.32s\"", v);
	return 0;
}
static int set_retention(settings *s, const char *v, char *why, size_t cap)
{
	if (settings_parse_duration_ms(v, &s->audit_retention_ms) < 0)
		return text_fail(
			why, cap,
			"retention_time must be a number with unit s, m, h or d (e.g. 7d), or 0");
	return 0;
}
static int set_journal_max(settings *s, const char *v, char *why, size_t cap)
{
	unsigned long long n;
	if (settings_parse_unsigned(v, SETTINGS_JOURNAL_ENTRIES_MAX, &n) < 0)
		return text_fail(why, cap,
				 "max_entries must be a whole number up to %d (0: no bound)",
				 SETTINGS_JOURNAL_ENTRIES_MAX);
	s->journal_max_entries = (int64_t)n;
	return 0;
}
static int set_log_format(settings *s, const char *v, char *why, size_t cap)
{
	if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0) {
		s->log_json = strcmp(v, "json") == 0;
		return 0;
	}
	return text_fail(why, cap, "log_format must be text or json, not \"%.32s\"", v);
}
static int set_log_level(settings *s, const char *v, char *why, size_t cap)
{
	int level = log_level_from_name(v);
	if (level < 0)
		return text_fail(why, cap, "log_level must be error, warn, info or debug");
	s->log_level = (log_level)level;
	return 0;
}

/* [simulation]: each key is one field of the simulation's JSON settings,
 * parsed and bounded by simulation.c so the API and the file agree. */
static int set_simulation_field(settings *s, const char *json_name, const char *v, bool boolean,
				char *why, size_t cap)
{
	cJSON *field;
	if (boolean) {
		bool flag;
		if (settings_parse_bool(v, &flag) < 0)
			return text_fail(why, cap, "must be true or false, not \"%.32s\"", v);
		field = cJSON_CreateBool(flag);
	} else {
		char *end = NULL;
		double number = *v ? strtod(v, &end) : 0;
		if (!*v || *end || strlen(v) > 32)
			return text_fail(why, cap, "must be a number, not \"%.32s\"", v);
		field = cJSON_CreateNumber(number);
	}
	cJSON *body = cJSON_CreateObject();
	if (!field || !body) {
		cJSON_Delete(field);
		cJSON_Delete(body);
		return text_fail(why, cap, "out of memory");
	}
	cJSON_AddItemToObject(body, json_name, field);
	int rc = sim_settings_apply_json(&s->simulation, body, why, cap);
	cJSON_Delete(body);
	return rc;
}

/* One setter per key: the option table's setters take no argument of
 * their own. */
#define SIMULATION_SETTER(name, field, boolean)                                                    \
	static int name(settings *s, const char *v, char *why, size_t cap)                         \
	{                                                                                          \
		return set_simulation_field(s, field, v, boolean, why, cap);                       \
	}
SIMULATION_SETTER(set_simulate, "enabled", true)
SIMULATION_SETTER(set_simulate_seed, "seed", false)
SIMULATION_SETTER(set_full_duration, "fullDurationMs", false)
SIMULATION_SETTER(set_full_jitter, "fullJitter", false)
SIMULATION_SETTER(set_incr_lag, "incrLagMs", false)
SIMULATION_SETTER(set_catch_up, "catchUpFactor", false)
SIMULATION_SETTER(set_failures_per_hour, "failuresPerHour", false)

typedef struct {
	const char *section; /* NULL: a flag only */
	const char *key;
	const char *flag; /* NULL: the file only */
	bool takes_value; /* false: a switch, "--reset" means true */
	setter set;
	const char *help;
} option_spec;

static const option_spec option_table[] = {
	{NULL, "config", "--config", true, set_config,
	 "PATH  config file, over the built-in conf/connector-mock.conf"},
	{"server", "listen", "--listen", true, set_listen,
	 "ADDR  IPv4 address to listen on (127.0.0.1)"},
	{"server", "port", "--port", true, set_port, "N     TCP port, 0 takes a free one (8088)"},
	{"server", "threads", "--threads", true, set_threads,
	 "N     ignored: each connection has its own thread (kept for old configs)"},
	{"server", "lenient", "--lenient", false, set_lenient,
	 "      a repeated stop/resume succeeds and changes nothing"},
	{"server", "error_status", "--error-status", true, set_error_status,
	 "ok|mapped  HTTP status of business errors (ok: 200 as OMS)"},
	{"server", "error_detail", "--error-detail", true, set_error_detail,
	 "full|null  errorDetail of business errors: an object, or null"},
	{"rules", "delete_running", "--delete-running", true, set_delete_running,
	 "allow|refuse  delete of a RUNNING task (refuse)"},
	{"rules", "update_running", "--update-running", true, set_update_running,
	 "allow|refuse  update of a RUNNING task (refuse)"},
	{"rules", "update_created", "--update-created", true, set_update_created,
	 "allow|refuse  update of a CREATED task (allow)"},
	{"server", "max_body", "--max-body", true, set_max_body,
	 "BYTES largest request body (1048576)"},
	{"server", "connection_timeout", "--connection-timeout", true, set_timeout,
	 "S     idle connection timeout in seconds (30)"},
	{"server", "connection_limit", "--connection-limit", true, set_connection_limit,
	 "N     most connections at once (1024)"},
	{"server", "per_ip_connection_limit", "--per-ip-connection-limit", true, set_per_ip_limit,
	 "N     most connections from one address, 0 = no limit (0)"},
	{"server", "admin_token", "--admin-token", true, set_token,
	 "TOKEN require Authorization: Bearer TOKEN on /_mock/"},
	{"server", "allow_open_admin", "--allow-open-admin", false, set_allow_open_admin,
	 "      allow a non-loopback --listen without --admin-token"},
	{"server", "log_level", "--log-level", true, set_log_level,
	 "LEVEL error|warn|info|debug (info)"},
	{"server", "log_format", "--log-format", true, set_log_format,
	 "FMT   text|json: how log lines are written (text)"},
	{"store", "db", "--db", true, set_db,
	 "PATH  SQLite file, or :memory: (in the state directory)"},
	{"store", "fixtures", "--fixtures", true, set_fixtures,
	 "PATH  fixtures that seed a new database, or default|demo (default)"},
	{"store", "durability", "--durability", true, set_durability,
	 "normal|full  fsync policy (normal)"},
	{"store", "busy_timeout_ms", "--busy-timeout", true, set_busy_timeout,
	 "MS    wait on a locked database (5000)"},
	{NULL, "reset", "--reset", false, set_reset,
	 "      wipe the database and reseed it from the fixtures"},
	{"journal", "max_entries", "--journal-max-entries", true, set_journal_max,
	 "N     journal records kept per namespace, oldest dropped; 0 = no bound (100000)"},
	{"operation_audit_log", "retention_time", "--audit-retention", true, set_retention,
	 "DUR   keep journal records this long: 30s 15m 12h 7d, 0 = forever (7d)"},
	{"simulation", "enabled", "--simulate", false, set_simulate,
	 "      new namespaces start with the simulation on (docs/simulation.md)"},
	{"simulation", "seed", "--simulate-seed", true, set_simulate_seed,
	 "N     the simulation's seed (1)"},
	{"simulation", "full_duration_ms", "--simulate-full-duration-ms", true, set_full_duration,
	 "MS    a Full-Import's time from progress 0 to 1 (600000)"},
	{"simulation", "full_jitter", "--simulate-full-jitter", true, set_full_jitter,
	 "X     0..1, each Full-Import's duration varies by up to this share (0)"},
	{"simulation", "incr_lag_ms", "--simulate-incr-lag-ms", true, set_incr_lag,
	 "MS    how far behind the clock a caught-up Incr-Sync stays (2000)"},
	{"simulation", "catch_up_factor", "--simulate-catch-up-factor", true, set_catch_up,
	 "X     1..1000, seconds an Incr-Sync replays per second when behind (10)"},
	{"simulation", "failures_per_hour", "--simulate-failures-per-hour", true,
	 set_failures_per_hour, "X     seeded failures per RUNNING task and hour (0)"},
};

enum { OPTION_COUNT = sizeof option_table / sizeof *option_table };

void settings_defaults(settings *out)
{
	memset(out, 0, sizeof *out);
	strcpy(out->listen, "127.0.0.1");
	out->port = 8088;
	/* db stays "": the state directory, chosen from the environment */
	strcpy(out->fixtures, "default");
	out->max_body = 1 << 20;
	out->durability = DURABILITY_NORMAL;
	out->audit_retention_ms = 7LL * 86400000;
	out->journal_max_entries = 100000;
	out->log_level = LOG_INFO;
	out->connection_timeout_s = 30;
	out->connection_limit = 1024;
	out->busy_timeout_ms = 5000;
	sim_settings_default(&out->simulation);
}

typedef struct {
	settings *target;
	char *why;
	size_t why_cap;
	bool failed;
} ini_context;

/* [errors] CODE = NAME: answer NAME where the mock would answer CODE. */
static int set_error_name(settings *s, const char *key, const char *value, char *why, size_t cap)
{
	error_code code = error_from_name(key);
	if (code == ERR__COUNT)
		return text_fail(why, cap,
				 "unknown error code %.64s (INVALID_ARGUMENT, TASK_NOT_FOUND, "
				 "ILLEGAL_STATE, UNSUPPORTED_OPERATION, INVALID_CHECKPOINT, "
				 "INTERNAL_ERROR or INJECTED_FAULT)",
				 key);
	if (!error_name_valid(value))
		return text_fail(why, cap,
				 "must be 1 to %d letters, digits, '_', '-' or '.', starting "
				 "with a letter",
				 ERROR_NAME_MAX);
	snprintf(s->error_names[code], sizeof s->error_names[code], "%s", value);
	return 0;
}

rules_flags settings_rules_flags(const settings *s)
{
	return (rules_flags){
		.lenient = s->lenient,
		.delete_running = s->delete_running,
		.update_running = s->update_running,
		.refuse_update_created = s->refuse_update_created,
	};
}

const char *settings_error_name(const settings *s, error_code code)
{
	if (code > ERR_NONE && code < ERR__COUNT && s->error_names[code][0])
		return s->error_names[code];
	return error_name(code);
}

static int on_ini_entry(void *user, const char *section, const char *key, const char *value)
{
	ini_context *context = user;
	if (strcmp(section, "errors") == 0) {
		char inner[512];
		if (set_error_name(context->target, key, value, inner, sizeof inner) < 0) {
			text_fail(context->why, context->why_cap, "[errors] %.64s: %s", key, inner);
			context->failed = true;
			return 0;
		}
		return 1;
	}
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const option_spec *spec = &option_table[i];
		if (spec->section && strcmp(spec->section, section) == 0 &&
		    strcmp(spec->key, key) == 0) {
			char inner[512];
			if (spec->set(context->target, value, inner, sizeof inner) < 0) {
				text_fail(context->why, context->why_cap, "[%s] %s: %s", section,
					  key, inner);
				context->failed = true;
				return 0;
			}
			return 1;
		}
	}
	text_fail(context->why, context->why_cap, "unknown setting [%.64s] %.64s", section, key);
	context->failed = true;
	return 0;
}

static int load_file(settings *s, const char *path, char *why, size_t why_cap)
{
	ini_context context = {s, why, why_cap, false};
	int rc = config_file_parse(path, on_ini_entry, &context, why, why_cap);
	if (rc > 0) {
		char inner[512];
		snprintf(inner, sizeof inner, "%s", why);
		text_fail(why, why_cap, "%s:%d: %s", path, rc, inner);
	}
	return rc == 0 ? 0 : -1;
}

/* Finds the spec of `arg` ("--port" or "--port=8088"); sets `*inline_value`. */
static const option_spec *find_flag(const char *arg, const char **inline_value)
{
	*inline_value = NULL;
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const char *flag = option_table[i].flag;
		size_t len = strlen(flag);
		if (strncmp(arg, flag, len) != 0)
			continue;
		if (arg[len] == '\0')
			return &option_table[i];
		if (arg[len] == '=') {
			*inline_value = arg + len + 1;
			return &option_table[i];
		}
	}
	return NULL;
}

/* Applies the flags; with `only_config`, only --config (the first pass). */
static settings_action apply_flags(settings *s, int argc, char **argv, bool only_config, char *why,
				   size_t why_cap)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return SETTINGS_HELP;
		if (strcmp(arg, "--version") == 0)
			return SETTINGS_VERSION;
		const char *value;
		const option_spec *spec = find_flag(arg, &value);
		if (!spec) {
			text_fail(why, why_cap, "unknown flag %.64s (see --help)", arg);
			return SETTINGS_ERROR;
		}
		if (spec->takes_value && !value) {
			if (i + 1 >= argc) {
				text_fail(why, why_cap, "%s needs a value", spec->flag);
				return SETTINGS_ERROR;
			}
			value = argv[++i];
		}
		if (!spec->takes_value && !value)
			value = "true";
		if (only_config != (spec->set == set_config))
			continue;
		char inner[512];
		if (spec->set(s, value, inner, sizeof inner) < 0) {
			text_fail(why, why_cap, "%s: %s", spec->flag, inner);
			return SETTINGS_ERROR;
		}
	}
	return SETTINGS_RUN;
}

/* The environment variable of a setting: CONNECTOR_MOCK_ and its flag in
 * capitals ("--max-body" -> CONNECTOR_MOCK_MAX_BODY). */
static void env_name_of(const option_spec *spec, char *out, size_t cap)
{
	size_t used = (size_t)snprintf(out, cap, "CONNECTOR_MOCK_");
	for (const char *p = spec->flag + 2; *p && used + 1 < cap; p++)
		out[used++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	out[used] = '\0';
}

static const char *env_lookup(const char *const *env, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

/* Applies the settings' environment variables; with `only_config`, only
 * CONNECTOR_MOCK_CONFIG. An empty variable counts as unset, as compose
 * files and CI templates leave them. */
static int apply_env(settings *s, const char *const *env, bool only_config, char *why,
		     size_t why_cap)
{
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const option_spec *spec = &option_table[i];
		if (only_config != (spec->set == set_config))
			continue;
		char name[64];
		env_name_of(spec, name, sizeof name);
		const char *value = env_lookup(env, name);
		if (!value || !*value)
			continue;
		char inner[512];
		if (spec->set(s, value, inner, sizeof inner) < 0)
			return text_fail(why, why_cap, "%s: %s", name, inner);
	}
	return 0;
}

/* The built-in conf/connector-mock.conf: the file in the source tree, compiled
 * in, so that its documented values are the defaults wherever the binary
 * runs. */
static int load_builtin(settings *s, char *why, size_t why_cap)
{
	const embedded_file *file = embedded_find("conf/connector-mock.conf");
	if (!file)
		return 0;
	/* the same reader, and the same strictness, as a --config file */
	ini_context context = {s, why, why_cap, false};
	int rc = config_text_parse(file->data, file->len, on_ini_entry, &context, why, why_cap);
	if (rc != 0) {
		char inner[512];
		snprintf(inner, sizeof inner, "%s", why);
		return text_fail(why, why_cap, "built-in conf/connector-mock.conf:%d: %s", rc,
				 inner);
	}
	return 0;
}

settings_action settings_from_sources(settings *out, int argc, char **argv, const char *const *env,
				      char *why, size_t why_cap)
{
	settings_defaults(out);
	if (apply_env(out, env, true, why, why_cap) < 0)
		return SETTINGS_ERROR;
	settings_action action = apply_flags(out, argc, argv, true, why, why_cap);
	if (action != SETTINGS_RUN)
		return action;
	if (load_builtin(out, why, why_cap) < 0)
		return SETTINGS_ERROR;
	if (out->config_path[0] && load_file(out, out->config_path, why, why_cap) < 0)
		return SETTINGS_ERROR;
	if (apply_env(out, env, false, why, why_cap) < 0)
		return SETTINGS_ERROR;
	action = apply_flags(out, argc, argv, false, why, why_cap);
	if (action == SETTINGS_RUN && !out->db[0] &&
	    statedir_default_db(env, out->db, sizeof out->db, why, why_cap) < 0)
		return SETTINGS_ERROR;
	return action;
}

settings_action settings_from_args(settings *out, int argc, char **argv, char *why, size_t why_cap)
{
	return settings_from_sources(out, argc, argv, (const char *const *)environ, why, why_cap);
}

size_t settings_option_count(void) { return OPTION_COUNT; }

int settings_option_describe(size_t index, settings_option_info *out)
{
	if (index >= OPTION_COUNT)
		return -1;
	const option_spec *spec = &option_table[index];
	out->section = spec->section;
	out->key = spec->key;
	out->flag = spec->flag;
	env_name_of(spec, out->env, sizeof out->env);
	return 0;
}

int settings_check(const settings *s, char *why, size_t why_cap)
{
	bool loopback = strncmp(s->listen, "127.", 4) == 0;
	if (!loopback && !s->admin_token[0] && !s->allow_open_admin)
		return text_fail(
			why, why_cap,
			"refusing to listen on %s without --admin-token: the control API (/_mock/) "
			"could change any task from the network (--allow-open-admin overrides)",
			s->listen);
	return 0;
}

const char *settings_usage(void)
{
	static char text[4096];
	if (text[0])
		return text;
	size_t used =
		(size_t)snprintf(text, sizeof text,
				 "usage: connector-mock [flags]\n\n"
				 "A stateful mock of the OMS cluster manager's connector API.\n\n");
	for (size_t i = 0; i < OPTION_COUNT && used < sizeof text; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "  %-28s %s\n",
					 option_table[i].flag, option_table[i].help);
	if (used < sizeof text)
		snprintf(text + used, sizeof text - used, "  %-28s %s\n  %-28s %s\n", "--help",
			 "      this text", "--version", "      the version");
	return text;
}
