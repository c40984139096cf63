/*
 * yaml2json.c — build tool: converts one YAML document (docs/openapi.yaml)
 * into JSON, so that the daemon serves both forms from the one source
 * without parsing YAML at run time.
 *
 *   yaml2json IN.yaml OUT.json
 *
 * Plain scalars are resolved as YAML 1.2's core schema does (null, true,
 * false, integers, floats; everything else is a string); quoted and block
 * scalars are strings. What JSON cannot say, or what would make the two
 * forms differ silently, is refused: anchors and aliases, tags other than
 * !!str, non-scalar or repeated mapping keys, .inf and .nan, more than one
 * document, nesting past MAX_DEPTH, an input over MAX_INPUT bytes. Exits 1
 * with a message (and leaves no OUT.json) on any refusal.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

enum { MAX_DEPTH = 64, MAX_INPUT = 4 * 1024 * 1024 };

typedef struct {
	yaml_parser_t parser;
	const char *path;
	char why[256];
} converter;

static int fail(converter *c, const yaml_event_t *event, const char *what)
{
	if (event)
		snprintf(c->why, sizeof c->why, "line %zu: %s", (size_t)event->start_mark.line + 1,
			 what);
	else
		snprintf(c->why, sizeof c->why, "%s", what);
	return -1;
}

static int next_event(converter *c, yaml_event_t *event)
{
	if (yaml_parser_parse(&c->parser, event))
		return 0;
	snprintf(c->why, sizeof c->why, "line %zu: %s", (size_t)c->parser.problem_mark.line + 1,
		 c->parser.problem ? c->parser.problem : "not YAML");
	return -1;
}

static bool matches(const char *pattern, const char *text)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool hit = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/* A plain scalar, resolved as the YAML 1.2 core schema does. */
static cJSON *plain_scalar(converter *c, const yaml_event_t *event, const char *text)
{
	if (matches("^(null|Null|NULL|~|)$", text))
		return cJSON_CreateNull();
	if (matches("^(true|True|TRUE)$", text))
		return cJSON_CreateTrue();
	if (matches("^(false|False|FALSE)$", text))
		return cJSON_CreateFalse();
	if (matches("^[-+]?\\.(inf|Inf|INF|nan|NaN|NAN)$", text)) {
		fail(c, event, "infinity and NaN have no JSON form");
		return NULL;
	}
	if (matches("^0[ox]", text)) {
		fail(c, event, "octal and hexadecimal numbers are refused: write decimal");
		return NULL;
	}
	if (matches("^[-+]?([0-9]+|\\.[0-9]+|[0-9]+\\.[0-9]*)([eE][-+]?[0-9]+)?$", text)) {
		errno = 0;
		double value = strtod(text, NULL);
		bool integer = !matches("[.eE]", text);
		/* an integer is read as one: strtod would round 2^53 + 1 down */
		long long whole = integer ? strtoll(text, NULL, 10) : 0;
		if (errno != 0 ||
		    (integer && (whole > 9007199254740992LL || whole < -9007199254740992LL))) {
			fail(c, event, "a number too large to be exact in JSON");
			return NULL;
		}
		/* JSON's own spelling is kept as written: cJSON prints a double
		 * with 15 digits when they nearly round-trip, which would turn
		 * 9007199254740991 into 9007199254740990 */
		if (matches("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$", text))
			return cJSON_CreateRaw(text);
		char spelled[32];
		snprintf(spelled, sizeof spelled, "%.17g", value);
		return cJSON_CreateRaw(spelled);
	}
	return cJSON_CreateString(text);
}

static cJSON *scalar(converter *c, const yaml_event_t *event)
{
	const char *text = (const char *)event->data.scalar.value;
	const char *tag = (const char *)event->data.scalar.tag;
	if (tag && strcmp(tag, YAML_STR_TAG) != 0) {
		fail(c, event, "tags other than !!str are refused");
		return NULL;
	}
	if (strlen(text) != event->data.scalar.length) {
		fail(c, event, "a scalar holds a NUL byte");
		return NULL;
	}
	if (tag || event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(text);
	return plain_scalar(c, event, text);
}

static cJSON *node(converter *c, yaml_event_t *event, int depth);

/* The rest of a sequence whose start event was just read. */
static cJSON *sequence(converter *c, int depth)
{
	cJSON *array = cJSON_CreateArray();
	for (;;) {
		yaml_event_t event;
		if (next_event(c, &event) < 0)
			break;
		if (event.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&event);
			return array;
		}
		cJSON *item = node(c, &event, depth + 1);
		yaml_event_delete(&event);
		if (!item)
			break;
		cJSON_AddItemToArray(array, item);
	}
	cJSON_Delete(array);
	return NULL;
}

/* The rest of a mapping whose start event was just read. */
static cJSON *mapping(converter *c, int depth)
{
	cJSON *object = cJSON_CreateObject();
	for (;;) {
		yaml_event_t key;
		if (next_event(c, &key) < 0)
			break;
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			return object;
		}
		if (key.type != YAML_SCALAR_EVENT || key.data.scalar.anchor) {
			fail(c, &key, "a mapping key must be a plain string");
			yaml_event_delete(&key);
			break;
		}
		char *name = strdup((const char *)key.data.scalar.value);
		bool repeated = cJSON_GetObjectItemCaseSensitive(object, name) != NULL;
		if (repeated)
			fail(c, &key, "a key appears twice in one mapping");
		yaml_event_delete(&key);
		yaml_event_t value;
		cJSON *item = NULL;
		if (!repeated && next_event(c, &value) == 0) {
			item = node(c, &value, depth + 1);
			yaml_event_delete(&value);
		}
		if (item)
			cJSON_AddItemToObject(object, name, item);
		free(name);
		if (!item)
			break;
	}
	cJSON_Delete(object);
	return NULL;
}

/* The node that starts with `event`; NULL with c->why set on a refusal. */
static cJSON *node(converter *c, yaml_event_t *event, int depth)
{
	if (depth > MAX_DEPTH) {
		fail(c, event, "nested too deep");
		return NULL;
	}
	switch (event->type) {
	case YAML_SCALAR_EVENT:
		if (event->data.scalar.anchor)
			break;
		return scalar(c, event);
	case YAML_SEQUENCE_START_EVENT:
		if (event->data.sequence_start.anchor ||
		    (event->data.sequence_start.tag && !event->data.sequence_start.implicit))
			break;
		return sequence(c, depth);
	case YAML_MAPPING_START_EVENT:
		if (event->data.mapping_start.anchor ||
		    (event->data.mapping_start.tag && !event->data.mapping_start.implicit))
			break;
		return mapping(c, depth);
	default:
		break;
	}
	fail(c, event, "anchors, aliases and tags on collections are refused");
	return NULL;
}

/* Expects the event of `type` next. */
static int expect(converter *c, yaml_event_type_t type, const char *what)
{
	yaml_event_t event;
	if (next_event(c, &event) < 0)
		return -1;
	int rc = event.type == type ? 0 : fail(c, &event, what);
	yaml_event_delete(&event);
	return rc;
}

static cJSON *convert(converter *c, const unsigned char *text, size_t len)
{
	yaml_parser_set_input_string(&c->parser, text, len);
	if (expect(c, YAML_STREAM_START_EVENT, "no stream") < 0 ||
	    expect(c, YAML_DOCUMENT_START_EVENT, "no document") < 0)
		return NULL;
	yaml_event_t event;
	if (next_event(c, &event) < 0)
		return NULL;
	cJSON *root = node(c, &event, 0);
	yaml_event_delete(&event);
	if (root && (expect(c, YAML_DOCUMENT_END_EVENT, "no document end") < 0 ||
		     expect(c, YAML_STREAM_END_EVENT, "only one document is allowed") < 0)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static unsigned char *read_input(const char *path, size_t *len, char *why, size_t cap)
{
	FILE *in = fopen(path, "rb");
	if (!in) {
		snprintf(why, cap, "cannot open it");
		return NULL;
	}
	unsigned char *text = malloc(MAX_INPUT + 1);
	*len = text ? fread(text, 1, MAX_INPUT + 1, in) : 0;
	bool bad = !text || ferror(in) || *len > MAX_INPUT;
	fclose(in);
	if (bad) {
		snprintf(why, cap,
			 text ? "cannot read it, or it is over %d bytes" : "out of memory",
			 MAX_INPUT);
		free(text);
		return NULL;
	}
	return text;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: yaml2json IN.yaml OUT.json\n");
		return 1;
	}
	converter c = {.path = argv[1]};
	size_t len;
	unsigned char *text = read_input(argv[1], &len, c.why, sizeof c.why);
	cJSON *root = NULL;
	if (text && yaml_parser_initialize(&c.parser)) {
		root = convert(&c, text, len);
		yaml_parser_delete(&c.parser);
	}
	free(text);
	char *json = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!json) {
		fprintf(stderr, "yaml2json: %s: %s\n", argv[1], c.why[0] ? c.why : "out of memory");
		return 1;
	}
	FILE *out = fopen(argv[2], "w");
	bool failed = !out || fputs(json, out) == EOF || fputc('\n', out) == EOF;
	failed |= out && fclose(out) != 0;
	free(json);
	if (failed) {
		fprintf(stderr, "yaml2json: cannot write %s\n", argv[2]);
		remove(argv[2]);
		return 1;
	}
	return 0;
}
