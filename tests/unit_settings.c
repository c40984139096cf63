/*
 * unit_settings.c — the daemon's settings (docs/behaviour.md §5 retention, §6):
 * the value parsers, the flags, the INI file and the environment, with
 * their precedence (defaults < file < environment < flags) and their
 * strictness (nothing is ignored), and the default database location.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../server/settings.h"
#include "../server/config_file.h"
#include "support.h"

enum { WHY_CAP = 1024 };

/* ---- settings_parse_duration_ms ---------------------------------------- */

typedef struct {
	const char *text;
	int rc;
	int64_t ms;
} duration_case;

static const duration_case duration_cases[] = {
	{"30s", 0, 30000},
	{"15m", 0, 900000},
	{"12h", 0, 43200000},
	{"7d", 0, INT64_C(604800000)},
	{"0", 0, 0},
	{"0s", 0, 0},
	{"1s", 0, 1000},
	{"1m", 0, 60000},
	{"1h", 0, 3600000},
	{"1d", 0, 86400000},
	{"365d", 0, INT64_C(31536000000)},
	{"", -1, 0},
	{"7", -1, 0},
	{"30", -1, 0},
	{"7w", -1, 0},
	{"7y", -1, 0},
	{"7ms", -1, 0},
	{"-1d", -1, 0},
	{"+1d", -1, 0},
	{"d", -1, 0},
	{"s", -1, 0},
	{" 7d", -1, 0},
	{"7d ", -1, 0},
	{"7 d", -1, 0},
	{"1.5h", -1, 0},
	{"7dd", -1, 0},
	{"d7", -1, 0},
	{"0x10s", -1, 0},
	/* overflow: more milliseconds than int64 holds, however spelt */
	{"106751991167301d", -1, 0},
	{"9223372036854775807s", -1, 0},
	{"18446744073709551617s", -1, 0},
	{"99999999999999999999999999d", -1, 0},
};

START_TEST(test_duration)
{
	const duration_case *c = &duration_cases[_i];
	int64_t ms = -42;
	int rc = settings_parse_duration_ms(c->text, &ms);
	ck_assert_msg(rc == c->rc, "\"%s\": rc %d, expected %d", c->text, rc, c->rc);
	if (c->rc == 0)
		ck_assert_msg(ms == c->ms, "\"%s\": %lld ms, expected %lld", c->text, (long long)ms,
			      (long long)c->ms);
}
END_TEST

START_TEST(test_duration_null)
{
	int64_t ms = -42;
	ck_assert_int_eq(settings_parse_duration_ms(NULL, &ms), -1);
}
END_TEST

/* ---- settings_parse_bool ----------------------------------------------- */

typedef struct {
	const char *text;
	int rc;
	bool value;
} bool_case;

static const bool_case bool_cases[] = {
	{"true", 0, true},    {"TRUE", 0, true},    {"on", 0, true},	    {"Yes", 0, true},
	{"1", 0, true},	      {"false", 0, false},  {"Off", 0, false},	    {"NO", 0, false},
	{"0", 0, false},      {"", -1, false},	    {"2", -1, false},	    {"tru", -1, false},
	{" true", -1, false}, {"true ", -1, false}, {"enabled", -1, false},
};

START_TEST(test_bool)
{
	const bool_case *c = &bool_cases[_i];
	bool out = !c->value;
	int rc = settings_parse_bool(c->text, &out);
	ck_assert_msg(rc == c->rc, "\"%s\": rc %d, expected %d", c->text, rc, c->rc);
	if (c->rc == 0)
		ck_assert_msg(out == c->value, "\"%s\": %d", c->text, out);
}
END_TEST

/* ---- settings_parse_unsigned ------------------------------------------- */

typedef struct {
	const char *text;
	unsigned long long max;
	int rc;
	unsigned long long value;
} unsigned_case;

static const unsigned_case unsigned_cases[] = {
	{"0", 10, 0, 0},
	{"10", 10, 0, 10},
	{"11", 10, -1, 0},
	{"100", 10, -1, 0},
	{"65535", 65535, 0, 65535},
	{"65536", 65535, -1, 0},
	{"65529", 65535, 0, 65529},
	{"65539", 65535, -1, 0},
	{"8088", 65535, 0, 8088},
	{"18446744073709551615", ULLONG_MAX, 0, ULLONG_MAX},
	{"18446744073709551616", ULLONG_MAX, -1, 0},
	{"99999999999999999999", ULLONG_MAX, -1, 0},
	{"999999999999999999999999", ULLONG_MAX, -1, 0},
	/* a single digit above a small maximum */
	{"5", 5, 0, 5},
	{"7", 5, -1, 0},
	{"9", 8, -1, 0},
	{"0", 0, 0, 0},
	{"1", 0, -1, 0},
	{"", 10, -1, 0},
	{"-1", 10, -1, 0},
	{"+1", 10, -1, 0},
	{" 1", 10, -1, 0},
	{"1 ", 10, -1, 0},
	{"1a", 10, -1, 0},
	{"0x1", 100, -1, 0},
	{"1.0", 100, -1, 0},
};

START_TEST(test_unsigned)
{
	const unsigned_case *c = &unsigned_cases[_i];
	unsigned long long out = 4242;
	int rc = settings_parse_unsigned(c->text, c->max, &out);
	ck_assert_msg(rc == c->rc, "\"%s\" (max %llu): rc %d, expected %d%s", c->text, c->max, rc,
		      c->rc, rc == 0 ? " (accepted a value above max?)" : "");
	if (c->rc == 0)
		ck_assert_msg(out == c->value, "\"%s\": %llu, expected %llu", c->text, out,
			      c->value);
	if (rc == 0)
		ck_assert_msg(out <= c->max, "\"%s\": %llu is above max %llu", c->text, out,
			      c->max);
}
END_TEST

/* ---- settings_from_args: flags ----------------------------------------- */

/* Runs settings_from_args on "connector-mock" + `args` (NULL-terminated). */
static settings_action run_args(settings *out, const char *const *args, char *why, size_t why_cap)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"connector-mock";
	for (int i = 0; args[i]; i++) {
		ck_assert_int_lt(argc, 31);
		argv[argc++] = (char *)args[i];
	}
	argv[argc] = NULL;
	why[0] = '\0';
	/* a fixed environment: the runner's own must not change the answers */
	static const char *const env[] = {"HOME=/home/tester", NULL};
	return settings_from_sources(out, argc, argv, env, why, why_cap);
}

START_TEST(test_defaults)
{
	settings got, defaults;
	char why[WHY_CAP];
	const char *args[] = {"--config", "/dev/null", NULL};
	ck_assert_int_eq(run_args(&got, args, why, sizeof why), SETTINGS_RUN);
	ck_assert_str_eq(got.listen, "127.0.0.1");
	ck_assert_uint_eq(got.port, 8088);
	ck_assert_str_eq(got.db, "/home/tester/.local/state/connector-mock/connector-mock.db");
	ck_assert_str_eq(got.fixtures, "default");
	ck_assert(!got.log_json);
	ck_assert(!got.reset);
	ck_assert_uint_eq(got.threads, 0); /* unset: ignored anyway */
	ck_assert(!got.lenient);
	ck_assert(!got.error_status_mapped);
	ck_assert_uint_eq(got.max_body, 1048576);
	ck_assert_int_eq(got.durability, DURABILITY_NORMAL);
	ck_assert_int_eq(got.audit_retention_ms, INT64_C(7) * 86400000);
	ck_assert_str_eq(got.admin_token, "");
	ck_assert_int_eq(got.log_level, LOG_INFO);
	ck_assert_uint_eq(got.connection_timeout_s, 30);
	ck_assert_uint_eq(got.connection_limit, 1024);
	ck_assert_uint_eq(got.per_ip_connection_limit, 0);
	ck_assert_int_eq(got.busy_timeout_ms, 5000);
	ck_assert_str_eq(got.config_path, "/dev/null");

	/* settings_defaults agrees with what an empty config gives */
	settings_defaults(&defaults);
	ck_assert_uint_eq(defaults.port, got.port);
	ck_assert_str_eq(defaults.listen, got.listen);
	ck_assert_str_eq(defaults.db, ""); /* resolved from the environment */
	ck_assert_str_eq(defaults.fixtures, got.fixtures);
	ck_assert_int_eq(defaults.log_level, got.log_level);
	ck_assert_uint_eq(defaults.connection_limit, got.connection_limit);
	ck_assert_int_eq(defaults.audit_retention_ms, got.audit_retention_ms);
	ck_assert_uint_eq(defaults.max_body, got.max_body);
	ck_assert_str_eq(defaults.config_path, "");
}
END_TEST

typedef enum {
	FIELD_NONE,
	FIELD_PORT,
	FIELD_MAPPED,
	FIELD_DURABILITY,
	FIELD_LENIENT,
	FIELD_RESET,
	FIELD_THREADS,
	FIELD_RETENTION,
	FIELD_LOG_LEVEL,
	FIELD_MAX_BODY,
	FIELD_PER_IP,
	FIELD_LOG_JSON,
} field;

static long long field_value(const settings *s, field f)
{
	switch (f) {
	case FIELD_PORT:
		return s->port;
	case FIELD_MAPPED:
		return s->error_status_mapped;
	case FIELD_DURABILITY:
		return s->durability;
	case FIELD_LENIENT:
		return s->lenient;
	case FIELD_RESET:
		return s->reset;
	case FIELD_THREADS:
		return s->threads;
	case FIELD_RETENTION:
		return s->audit_retention_ms;
	case FIELD_LOG_LEVEL:
		return s->log_level;
	case FIELD_MAX_BODY:
		return (long long)s->max_body;
	case FIELD_PER_IP:
		return s->per_ip_connection_limit;
	case FIELD_LOG_JSON:
		return s->log_json;
	default:
		return 0;
	}
}

typedef struct {
	const char *label;
	const char *args[8]; /* after "--config /dev/null" */
	settings_action action;
	field field;
	long long value;
	const char *why_holds; /* with SETTINGS_ERROR: a word the sentence names */
} flag_case;

static const flag_case flag_cases[] = {
	{"--port 0", {"--port", "0"}, SETTINGS_RUN, FIELD_PORT, 0, NULL},
	{"--port=9000", {"--port=9000"}, SETTINGS_RUN, FIELD_PORT, 9000, NULL},
	{"--port 65535", {"--port", "65535"}, SETTINGS_RUN, FIELD_PORT, 65535, NULL},
	{"last --port wins", {"--port", "1", "--port", "2"}, SETTINGS_RUN, FIELD_PORT, 2, NULL},
	{"--error-status mapped",
	 {"--error-status", "mapped"},
	 SETTINGS_RUN,
	 FIELD_MAPPED,
	 1,
	 NULL},
	{"--error-status ok", {"--error-status=ok"}, SETTINGS_RUN, FIELD_MAPPED, 0, NULL},
	{"--durability full",
	 {"--durability", "full"},
	 SETTINGS_RUN,
	 FIELD_DURABILITY,
	 DURABILITY_FULL,
	 NULL},
	{"--durability normal",
	 {"--durability", "normal"},
	 SETTINGS_RUN,
	 FIELD_DURABILITY,
	 DURABILITY_NORMAL,
	 NULL},
	{"--lenient", {"--lenient"}, SETTINGS_RUN, FIELD_LENIENT, 1, NULL},
	{"--lenient=false", {"--lenient=false"}, SETTINGS_RUN, FIELD_LENIENT, 0, NULL},
	{"--reset", {"--reset"}, SETTINGS_RUN, FIELD_RESET, 1, NULL},
	{"--threads 4", {"--threads", "4"}, SETTINGS_RUN, FIELD_THREADS, 4, NULL},
	{"--audit-retention 15m",
	 {"--audit-retention", "15m"},
	 SETTINGS_RUN,
	 FIELD_RETENTION,
	 900000,
	 NULL},
	{"--audit-retention 0", {"--audit-retention=0"}, SETTINGS_RUN, FIELD_RETENTION, 0, NULL},
	{"--log-level debug",
	 {"--log-level", "debug"},
	 SETTINGS_RUN,
	 FIELD_LOG_LEVEL,
	 LOG_DEBUG,
	 NULL},
	{"--max-body 1024", {"--max-body", "1024"}, SETTINGS_RUN, FIELD_MAX_BODY, 1024, NULL},
	{"--per-ip-connection-limit 3",
	 {"--per-ip-connection-limit", "3"},
	 SETTINGS_RUN,
	 FIELD_PER_IP,
	 3,
	 NULL},
	{"--help", {"--help"}, SETTINGS_HELP, FIELD_NONE, 0, NULL},
	{"-h", {"-h"}, SETTINGS_HELP, FIELD_NONE, 0, NULL},
	{"--help after a flag", {"--port", "1", "--help"}, SETTINGS_HELP, FIELD_NONE, 0, NULL},
	{"--version", {"--version"}, SETTINGS_VERSION, FIELD_NONE, 0, NULL},
	{"unknown flag", {"--bogus"}, SETTINGS_ERROR, FIELD_NONE, 0, "--bogus"},
	{"unknown flag with a value", {"--bogus=1"}, SETTINGS_ERROR, FIELD_NONE, 0, "--bogus"},
	{"a flag's prefix is not the flag",
	 {"--portx", "1"},
	 SETTINGS_ERROR,
	 FIELD_NONE,
	 0,
	 "--portx"},
	{"short flag", {"-p", "80"}, SETTINGS_ERROR, FIELD_NONE, 0, "-p"},
	{"positional argument", {"serve"}, SETTINGS_ERROR, FIELD_NONE, 0, "serve"},
	{"missing value", {"--port"}, SETTINGS_ERROR, FIELD_NONE, 0, "--port"},
	{"missing value at the end", {"--lenient", "--db"}, SETTINGS_ERROR, FIELD_NONE, 0, "--db"},
	{"port not a number", {"--port", "http"}, SETTINGS_ERROR, FIELD_NONE, 0, "port"},
	{"port 65536", {"--port", "65536"}, SETTINGS_ERROR, FIELD_NONE, 0, "port"},
	{"port negative", {"--port=-1"}, SETTINGS_ERROR, FIELD_NONE, 0, "port"},
	{"threads 65", {"--threads", "65"}, SETTINGS_ERROR, FIELD_NONE, 0, "threads"},
	{"durability sometimes",
	 {"--durability", "sometimes"},
	 SETTINGS_ERROR,
	 FIELD_NONE,
	 0,
	 "durability"},
	{"error-status 404", {"--error-status", "404"}, SETTINGS_ERROR, FIELD_NONE, 0, "error"},
	{"lenient maybe", {"--lenient=maybe"}, SETTINGS_ERROR, FIELD_NONE, 0, "lenient"},
	{"retention 7w", {"--audit-retention", "7w"}, SETTINGS_ERROR, FIELD_NONE, 0, "retention"},
	{"max-body too small", {"--max-body", "1023"}, SETTINGS_ERROR, FIELD_NONE, 0, "max"},
	{"listen not IPv4", {"--listen", "localhost"}, SETTINGS_ERROR, FIELD_NONE, 0, "listen"},
	{"empty db", {"--db", ""}, SETTINGS_ERROR, FIELD_NONE, 0, "db"},
	{"log level loud", {"--log-level", "loud"}, SETTINGS_ERROR, FIELD_NONE, 0, "log"},
	{"--log-format json", {"--log-format", "json"}, SETTINGS_RUN, FIELD_LOG_JSON, 1, NULL},
	{"--log-format=text", {"--log-format=text"}, SETTINGS_RUN, FIELD_LOG_JSON, 0, NULL},
	{"log format xml", {"--log-format", "xml"}, SETTINGS_ERROR, FIELD_NONE, 0, "log_format"},
};

START_TEST(test_flags)
{
	const flag_case *c = &flag_cases[_i];
	const char *args[16] = {"--config", "/dev/null"};
	int n = 2;
	for (int i = 0; i < 8 && c->args[i]; i++)
		args[n++] = c->args[i];
	args[n] = NULL;
	settings got;
	char why[WHY_CAP];
	settings_action action = run_args(&got, args, why, sizeof why);
	ck_assert_msg(action == c->action, "%s: action %d, expected %d (%s)", c->label, action,
		      c->action, why);
	if (c->action == SETTINGS_RUN && c->field != FIELD_NONE)
		ck_assert_msg(field_value(&got, c->field) == c->value, "%s: %lld, expected %lld",
			      c->label, field_value(&got, c->field), c->value);
	if (c->action == SETTINGS_ERROR) {
		ck_assert_msg(why[0] != '\0', "%s: error without a why", c->label);
		ck_assert_msg(strstr(why, c->why_holds) != NULL, "%s: why does not name \"%s\": %s",
			      c->label, c->why_holds, why);
	}
}
END_TEST

START_TEST(test_usage)
{
	const char *usage = settings_usage();
	ck_assert_ptr_nonnull(usage);
	static const char *const flags[] = {"--config",	      "--listen",     "--port",
					    "--db",	      "--fixtures",   "--lenient",
					    "--error-status", "--durability", "--audit-retention",
					    "--admin-token",  "--help",	      "--version"};
	for (size_t i = 0; i < COUNT(flags); i++)
		ck_assert_msg(strstr(usage, flags[i]) != NULL, "usage lacks %s", flags[i]);
}
END_TEST

/* ---- settings_from_args: the config file ------------------------------- */

typedef struct {
	char dir[256];
	char path[512];
} temp_config;

static void write_config(temp_config *config, const char *content)
{
	test_temp_dir(config->dir, sizeof config->dir);
	snprintf(config->path, sizeof config->path, "%s/connector-mock.conf", config->dir);
	FILE *file = fopen(config->path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(content, file), 0);
	ck_assert_int_eq(fclose(file), 0);
}

static void remove_config(temp_config *config)
{
	unlink(config->path);
	rmdir(config->dir);
}

START_TEST(test_file_then_flag)
{
	temp_config config;
	write_config(&config, "; a comment\n[server]\nport = 9100\nlenient = true\n"
			      "error_status = mapped\n\n[store]\ndurability = full\n"
			      "db = :memory:\n\n[operation_audit_log]\nretention_time = 12h\n");
	settings got;
	char why[WHY_CAP];

	const char *file_only[] = {"--config", config.path, NULL};
	settings_action action = run_args(&got, file_only, why, sizeof why);
	ck_assert_msg(action == SETTINGS_RUN, "file only: %s", why);
	ck_assert_uint_eq(got.port, 9100);
	ck_assert(got.lenient);
	ck_assert(got.error_status_mapped);
	ck_assert_int_eq(got.durability, DURABILITY_FULL);
	ck_assert_str_eq(got.db, ":memory:");
	ck_assert_int_eq(got.audit_retention_ms, INT64_C(12) * 3600000);
	/* what the file does not name keeps its default */
	ck_assert_uint_eq(got.max_body, 1048576);

	/* a flag overrides the file, before or after --config */
	const char *flag_after[] = {"--config", config.path, "--port", "9200", NULL};
	action = run_args(&got, flag_after, why, sizeof why);
	ck_assert_msg(action == SETTINGS_RUN, "flag after: %s", why);
	ck_assert_uint_eq(got.port, 9200);
	ck_assert(got.lenient);

	const char *flag_before[] = {"--port=9200", "--lenient=false", "--config", config.path,
				     NULL};
	action = run_args(&got, flag_before, why, sizeof why);
	ck_assert_msg(action == SETTINGS_RUN, "flag before: %s", why);
	ck_assert_uint_eq(got.port, 9200);
	ck_assert(!got.lenient);
	ck_assert_int_eq(got.durability, DURABILITY_FULL);

	const char *inline_config[16];
	char inline_arg[600];
	snprintf(inline_arg, sizeof inline_arg, "--config=%s", config.path);
	inline_config[0] = inline_arg;
	inline_config[1] = NULL;
	action = run_args(&got, inline_config, why, sizeof why);
	ck_assert_msg(action == SETTINGS_RUN, "--config=: %s", why);
	ck_assert_uint_eq(got.port, 9100);
	remove_config(&config);
}
END_TEST

typedef struct {
	const char *label;
	const char *content;
	const char *why_holds[2];
} bad_file_case;

static const bad_file_case bad_file_cases[] = {
	{"unknown key", "[server]\nport = 9100\nportt = 1\n", {"portt", NULL}},
	{"unknown key, other section", "[store]\ncolour = blue\n", {"colour", NULL}},
	{"unknown section", "[client]\nport = 1\n", {"client", NULL}},
	{"key outside a section", "port = 1\n", {"port", NULL}},
	{"flag-only key in the file", "[server]\nconfig = x\n", {"config", NULL}},
	{"bad port", "[server]\nport = eighty\n", {"port", NULL}},
	{"port too large", "[server]\nport = 70000\n", {"port", NULL}},
	{"bad boolean", "[server]\nlenient = perhaps\n", {"lenient", NULL}},
	{"empty boolean", "[server]\nlenient =\n", {"lenient", NULL}},
	{"bad durability", "[store]\ndurability = paranoid\n", {"durability", NULL}},
	{"bad retention", "[operation_audit_log]\nretention_time = 7\n", {"retention_time", NULL}},
	{"bad error status", "[server]\nerror_status = 418\n", {"error_status", NULL}},
	{"not an INI line", "[server]\nthis is not ini\n", {NULL}},
	{"a key given twice", "[server]\nport = 9100\n\nport = 9101\n", {"twice", ":4:"}},
	{"a key before any section", "port = 9100\n", {"section", ":1:"}},
	{"a continuation line", "[server]\nport = 9100\n  9101\n", {":3:", NULL}},
	{"a section with text after it", "[server] x\nport = 9100\n", {":1:", NULL}},
};

/* Lines as long as a path: read whole, and the line numbers after them
 * stay right. */
START_TEST(test_long_lines)
{
	size_t path_len = SETTINGS_PATH_MAX - 1;
	char *content = malloc(3 * path_len + 256);
	ck_assert_ptr_nonnull(content);
	int len = sprintf(content, "[store]\n; ");
	memset(content + len, 'c', path_len);
	len += (int)path_len;
	len += sprintf(content + len, "\ndb = /");
	memset(content + len, 'd', path_len - 1);
	len += (int)path_len - 1;
	len += sprintf(content + len, "\n[server]\nport = abc\n");
	temp_config config;
	write_config(&config, content);
	settings got;
	char why[WHY_CAP];
	const char *args[] = {"--config", config.path, NULL};
	settings_action action = run_args(&got, args, why, sizeof why);
	remove_config(&config);
	ck_assert_int_eq(action, SETTINGS_ERROR);
	ck_assert_msg(strstr(why, ":5:") && strstr(why, "port"), "%s", why);
	/* without the bad line, the long path is the database */
	content[len - (int)strlen("[server]\nport = abc\n")] = '\0';
	write_config(&config, content);
	action = run_args(&got, args, why, sizeof why);
	remove_config(&config);
	ck_assert_msg(action == SETTINGS_RUN, "%s", why);
	ck_assert_uint_eq(strlen(got.db), path_len);
	/* past CONFIG_LINE_MAX: refused, with its line number */
	char *too_long = malloc(CONFIG_LINE_MAX + 64);
	ck_assert_ptr_nonnull(too_long);
	len = sprintf(too_long, "[server]\n; ");
	memset(too_long + len, 'x', CONFIG_LINE_MAX);
	strcpy(too_long + len + CONFIG_LINE_MAX, "\n");
	write_config(&config, too_long);
	free(too_long);
	action = run_args(&got, args, why, sizeof why);
	remove_config(&config);
	ck_assert_int_eq(action, SETTINGS_ERROR);
	ck_assert_msg(strstr(why, ":2:") && strstr(why, "longer"), "%s", why);
	/* a file past CONFIG_FILE_MAX (short lines of comments): refused whole */
	size_t big = CONFIG_FILE_MAX + 1;
	char *huge = malloc(big + 1);
	ck_assert_ptr_nonnull(huge);
	for (size_t i = 0; i < big; i++)
		huge[i] = i % 64 == 63 ? '\n' : (i % 64 == 0 ? ';' : 'x');
	huge[big] = '\0';
	write_config(&config, huge);
	free(huge);
	action = run_args(&got, args, why, sizeof why);
	remove_config(&config);
	ck_assert_int_eq(action, SETTINGS_ERROR);
	ck_assert_msg(strstr(why, "larger than 1 MiB"), "%s", why);
	free(content);
}
END_TEST

/* What the INI reader keeps of libinih's format: a UTF-8 BOM, ';' and '#'
 * comments (whole-line and after white space), spaces around '=' and
 * inside section brackets, CRLF line ends, a last line without one. */
START_TEST(test_ini_format)
{
	temp_config config;
	write_config(
		&config,
		"\xef\xbb\xbf# a comment\r\n[ server ] ; the server\r\n\tport=9100 ; inline\r\n"
		"  ; indented comment\r\n\r\nlisten = 127.0.0.1 # inline too\r\n"
		"[store]\ndb = /tmp/a;b.db");
	settings got;
	char why[WHY_CAP];
	const char *args[] = {"--config", config.path, NULL};
	settings_action action = run_args(&got, args, why, sizeof why);
	remove_config(&config);
	ck_assert_msg(action == SETTINGS_RUN, "%s", why);
	ck_assert_uint_eq(got.port, 9100);
	ck_assert_str_eq(got.listen, "127.0.0.1");
	ck_assert_str_eq(got.db, "/tmp/a;b.db"); /* a ';' inside a value stays */
}
END_TEST

static int accept_entry(void *user, const char *section, const char *key, const char *value)
{
	(void)section;
	(void)key;
	(void)value;
	(*(int *)user)++;
	return 1;
}

/* The reader's caps on names and keys: a key of CONFIG_NAME_MAX bytes is
 * read and one more is refused; CONFIG_KEYS_MAX keys are read and one more
 * is refused, with the line that passed the cap. */
START_TEST(test_reader_caps)
{
	char why[WHY_CAP];
	for (int extra = 0; extra <= 1; extra++) {
		char text[CONFIG_NAME_MAX + 64];
		int len = snprintf(text, sizeof text, "[s]\n");
		memset(text + len, 'k', (size_t)(CONFIG_NAME_MAX + extra));
		len += CONFIG_NAME_MAX + extra;
		len += snprintf(text + len, sizeof text - (size_t)len, " = v\n");
		int seen = 0;
		why[0] = '\0';
		int rc = config_text_parse(text, (size_t)len, accept_entry, &seen, why, sizeof why);
		ck_assert_msg(rc == (extra ? 2 : 0), "key of %d bytes: rc %d, %s",
			      CONFIG_NAME_MAX + extra, rc, why);
		ck_assert_int_eq(seen, extra ? 0 : 1);
	}
	for (int extra = 0; extra <= 1; extra++) {
		size_t cap = 16 + (size_t)(CONFIG_KEYS_MAX + 1) * 16;
		char *text = malloc(cap);
		ck_assert_ptr_nonnull(text);
		size_t len = (size_t)snprintf(text, cap, "[s]\n");
		for (int i = 0; i < CONFIG_KEYS_MAX + extra; i++)
			len += (size_t)snprintf(text + len, cap - len, "k%d = v\n", i);
		int seen = 0;
		why[0] = '\0';
		int rc = config_text_parse(text, len, accept_entry, &seen, why, sizeof why);
		free(text);
		if (extra) {
			ck_assert_int_eq(rc, CONFIG_KEYS_MAX + 2); /* the section is line 1 */
			ck_assert_msg(strstr(why, "keys") != NULL, "%s", why);
		} else {
			ck_assert_msg(rc == 0, "%s", why);
		}
		ck_assert_int_eq(seen, CONFIG_KEYS_MAX);
	}
}
END_TEST

/* A directory is not a config file (it opens, and reads as nothing). */
START_TEST(test_config_directory)
{
	char dir[256];
	test_temp_dir(dir, sizeof dir);
	settings got;
	char why[WHY_CAP];
	const char *args[] = {"--config", dir, NULL};
	settings_action action = run_args(&got, args, why, sizeof why);
	rmdir(dir);
	ck_assert_int_eq(action, SETTINGS_ERROR);
	ck_assert_msg(strstr(why, "directory") != NULL, "%s", why);
}
END_TEST

START_TEST(test_bad_file)
{
	const bad_file_case *c = &bad_file_cases[_i];
	temp_config config;
	write_config(&config, c->content);
	settings got;
	char why[WHY_CAP];
	const char *args[] = {"--config", config.path, NULL};
	settings_action action = run_args(&got, args, why, sizeof why);
	remove_config(&config);
	ck_assert_msg(action == SETTINGS_ERROR, "%s: accepted", c->label);
	ck_assert_msg(why[0] != '\0', "%s: error without a why", c->label);
	for (size_t i = 0; i < COUNT(c->why_holds) && c->why_holds[i]; i++)
		ck_assert_msg(strstr(why, c->why_holds[i]) != NULL,
			      "%s: why does not name \"%s\": %s", c->label, c->why_holds[i], why);
}
END_TEST

START_TEST(test_missing_config)
{
	temp_config config;
	test_temp_dir(config.dir, sizeof config.dir);
	snprintf(config.path, sizeof config.path, "%s/absent.conf", config.dir);
	settings got;
	char why[WHY_CAP];
	const char *args[] = {"--config", config.path, NULL};
	settings_action action = run_args(&got, args, why, sizeof why);
	rmdir(config.dir);
	ck_assert_int_eq(action, SETTINGS_ERROR);
	ck_assert_msg(strstr(why, "absent.conf") != NULL, "why does not name the file: %s", why);

	const char *no_value[] = {"--config", NULL};
	ck_assert_int_eq(run_args(&got, no_value, why, sizeof why), SETTINGS_ERROR);
	ck_assert_str_ne(why, "");
}
END_TEST

/* ---- the environment ---------------------------------------------------- */

static settings_action run_env(settings *out, const char *const *args, const char *const *env,
			       char *why, size_t why_cap)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"connector-mock";
	for (int i = 0; args && args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	why[0] = '\0';
	return settings_from_sources(out, argc, argv, env, why, why_cap);
}

START_TEST(test_env_precedence)
{
	temp_config config;
	write_config(&config,
		     "[server]\nport = 9100\nlenient = true\n[store]\ndb = /from/file.db\n");
	char config_env[600];
	snprintf(config_env, sizeof config_env, "CONNECTOR_MOCK_CONFIG=%s", config.path);
	settings got;
	char why[WHY_CAP];

	/* the file through CONNECTOR_MOCK_CONFIG */
	const char *const file_only[] = {config_env, "HOME=/h", NULL};
	ck_assert_int_eq(run_env(&got, NULL, file_only, why, sizeof why), SETTINGS_RUN);
	ck_assert_uint_eq(got.port, 9100);
	ck_assert_str_eq(got.db, "/from/file.db");

	/* the environment over the file */
	const char *const env_over_file[] = {config_env, "CONNECTOR_MOCK_PORT=9200",
					     "CONNECTOR_MOCK_DB=/from/env.db",
					     "CONNECTOR_MOCK_LENIENT=false", NULL};
	ck_assert_int_eq(run_env(&got, NULL, env_over_file, why, sizeof why), SETTINGS_RUN);
	ck_assert_uint_eq(got.port, 9200);
	ck_assert_str_eq(got.db, "/from/env.db");
	ck_assert(!got.lenient);

	/* flags over the environment, wherever they stand */
	const char *const flags[] = {"--port", "9300", NULL};
	ck_assert_int_eq(run_env(&got, flags, env_over_file, why, sizeof why), SETTINGS_RUN);
	ck_assert_uint_eq(got.port, 9300);
	ck_assert_str_eq(got.db, "/from/env.db");

	/* --config over CONNECTOR_MOCK_CONFIG */
	const char *const other_config[] = {"--config", "/dev/null", NULL};
	ck_assert_int_eq(run_env(&got, other_config, file_only, why, sizeof why), SETTINGS_RUN);
	ck_assert_uint_eq(got.port, 8088);

	/* empty counts as unset; variables of no setting are not settings */
	const char *const empty[] = {"CONNECTOR_MOCK_PORT=", "CONNECTOR_MOCK_BIN=/x",
				     "CONNECTOR_MOCK_PORTX=1", "HOME=/h", NULL};
	ck_assert_int_eq(run_env(&got, NULL, empty, why, sizeof why), SETTINGS_RUN);
	ck_assert_uint_eq(got.port, 8088);

	/* a bad value names its variable */
	const char *const bad[] = {"CONNECTOR_MOCK_MAX_BODY=12", "HOME=/h", NULL};
	ck_assert_int_eq(run_env(&got, NULL, bad, why, sizeof why), SETTINGS_ERROR);
	ck_assert_msg(strstr(why, "CONNECTOR_MOCK_MAX_BODY") != NULL, "%s", why);
	remove_config(&config);
}
END_TEST

/* Every setting has its variable, named after its flag, and it works. */
START_TEST(test_env_every_setting)
{
	ck_assert_uint_gt(settings_option_count(), 15);
	for (size_t i = 0; i < settings_option_count(); i++) {
		settings_option_info info;
		ck_assert_int_eq(settings_option_describe(i, &info), 0);
		char expected[64] = "CONNECTOR_MOCK_";
		size_t n = strlen(expected);
		for (const char *p = info.flag + 2; *p; p++)
			expected[n++] = *p == '-' ? '_' : (char)(*p - 'a' + 'A');
		expected[n] = '\0';
		ck_assert_str_eq(info.env, expected);
		/* a value its parser refuses proves the variable is read */
		char assignment[128];
		snprintf(assignment, sizeof assignment, "%s=%s", info.env,
			 strcmp(info.key, "config") == 0 ? "/nonexistent/x.conf"
							 : "\x01"
							   "bad");
		const char *const env[] = {assignment, "HOME=/h", NULL};
		settings got;
		char why[WHY_CAP];
		settings_action action = run_env(&got, NULL, env, why, sizeof why);
		/* fixtures and db take any text: they fail later, at the start */
		if (strcmp(info.key, "fixtures") == 0 || strcmp(info.key, "db") == 0) {
			ck_assert_int_eq(action, SETTINGS_RUN);
			continue;
		}
		ck_assert_msg(action == SETTINGS_ERROR, "%s was not read", info.env);
	}
	ck_assert_int_eq(
		settings_option_describe(settings_option_count(), &(settings_option_info){0}), -1);
}
END_TEST

typedef struct {
	const char *label;
	const char *env[4];
	const char *db; /* NULL: an error */
} statedir_case;

static const statedir_case statedir_cases[] = {
	{"HOME", {"HOME=/home/u"}, "/home/u/.local/state/connector-mock/connector-mock.db"},
	{"XDG over HOME",
	 {"HOME=/home/u", "XDG_STATE_HOME=/xdg"},
	 "/xdg/connector-mock/connector-mock.db"},
	{"a relative XDG is ignored",
	 {"HOME=/home/u", "XDG_STATE_HOME=rel"},
	 "/home/u/.local/state/connector-mock/connector-mock.db"},
	{"systemd over all",
	 {"HOME=/home/u", "XDG_STATE_HOME=/xdg", "STATE_DIRECTORY=/var/lib/cm:/var/lib/b"},
	 "/var/lib/cm/connector-mock.db"},
	{"nothing", {"PATH=/bin"}, NULL},
	{"relative HOME", {"HOME=home"}, NULL},
};

START_TEST(test_state_directory)
{
	const statedir_case *c = &statedir_cases[_i];
	settings got;
	char why[WHY_CAP];
	settings_action action = run_env(&got, NULL, c->env, why, sizeof why);
	if (!c->db) {
		ck_assert_msg(action == SETTINGS_ERROR, "%s: accepted (%s)", c->label, got.db);
		ck_assert_msg(strstr(why, "--db") != NULL, "%s: %s", c->label, why);
		return;
	}
	ck_assert_msg(action == SETTINGS_RUN, "%s: %s", c->label, why);
	ck_assert_str_eq(got.db, c->db);
	/* --db needs no state directory */
	const char *const flag[] = {"--db", ":memory:", NULL};
	ck_assert_int_eq(run_env(&got, flag, c->env, why, sizeof why), SETTINGS_RUN);
	ck_assert_str_eq(got.db, ":memory:");
}
END_TEST

static Suite *settings_suite(void)
{
	Suite *suite = suite_create("settings");
	TCase *parsers = tcase_create("parsers");
	tcase_add_loop_test(parsers, test_duration, 0, (int)COUNT(duration_cases));
	tcase_add_test(parsers, test_duration_null);
	tcase_add_loop_test(parsers, test_bool, 0, (int)COUNT(bool_cases));
	tcase_add_loop_test(parsers, test_unsigned, 0, (int)COUNT(unsigned_cases));
	suite_add_tcase(suite, parsers);

	TCase *flags = tcase_create("flags");
	tcase_add_test(flags, test_defaults);
	tcase_add_loop_test(flags, test_flags, 0, (int)COUNT(flag_cases));
	tcase_add_test(flags, test_usage);
	suite_add_tcase(suite, flags);

	TCase *file = tcase_create("file");
	tcase_add_test(file, test_file_then_flag);
	tcase_add_loop_test(file, test_bad_file, 0, (int)COUNT(bad_file_cases));
	tcase_add_test(file, test_missing_config);
	tcase_add_test(file, test_long_lines);
	tcase_add_test(file, test_config_directory);
	tcase_add_test(file, test_ini_format);
	tcase_add_test(file, test_reader_caps);
	suite_add_tcase(suite, file);

	TCase *env = tcase_create("environment");
	tcase_add_test(env, test_env_precedence);
	tcase_add_test(env, test_env_every_setting);
	tcase_add_loop_test(env, test_state_directory, 0, (int)COUNT(statedir_cases));
	suite_add_tcase(suite, env);
	return suite;
}

int main(void) { return test_run_suite(settings_suite()); }
