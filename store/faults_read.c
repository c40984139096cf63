/*
 * faults_read.c — readers of a fault's fields (see faults_read.h): the
 * small JSON readers faults.c builds on, and what a fault selects.
 */
#define _POSIX_C_SOURCE 200809L
#include "faults_read.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "text.h"

enum { NAME_SHOWN = 64 /* bytes of a field name echoed in a sentence */ };

/* How many bytes of `text` to echo: at most NAME_SHOWN, never half a UTF-8
 * sequence, so that a sentence stays valid UTF-8. */
int faults_shown(const char *text)
{
	size_t len = strlen(text);
	if (len <= NAME_SHOWN)
		return (int)len;
	len = NAME_SHOWN;
	while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
		len--;
	return (int)len;
}

static bool in_list(const char *name, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Refuses a field of `object` not in `allowed`, and a repeated field (cJSON
 * keeps both and finds the first; a fault must not mean two things). */
int faults_check_fields(const cJSON *object, const char *where, const char *const *allowed,
			size_t count, char *why, size_t why_cap)
{
	for (const cJSON *field = object->child; field; field = field->next) {
		if (!in_list(field->string, allowed, count))
			return text_fail(why, why_cap, "unknown field \"%.*s\" in %s",
					 faults_shown(field->string), field->string, where);
		for (const cJSON *earlier = object->child; earlier != field;
		     earlier = earlier->next)
			if (strcmp(earlier->string, field->string) == 0)
				return text_fail(why, why_cap, "field \"%.*s\" appears twice in %s",
						 faults_shown(field->string), field->string, where);
	}
	return 0;
}

/* Reads an integral number in min..max into *out. */
int faults_read_integer(const cJSON *item, const char *name, int64_t min, int64_t max, int64_t *out,
			char *why, size_t why_cap)
{
	int64_t value;
	/* exact, from the number's text: a double would round past 2^53 */
	if (!json_read_int64(item, &value)) {
		if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
		    item->valuedouble != floor(item->valuedouble))
			return text_fail(why, why_cap, "\"%s\" must be an integer", name);
		value = item->valuedouble < 0 ? INT64_MIN : INT64_MAX; /* out of any range */
	}
	if (value < min || value > max)
		return text_fail(why, why_cap, "\"%s\" must be between %lld and %lld", name,
				 (long long)min, (long long)max);
	*out = value;
	return 0;
}

/* Reads an optional string of 1..max bytes of UTF-8; NULL item = absent. */
int faults_read_string(const cJSON *item, const char *name, size_t min, size_t max,
		       const char **out, char *why, size_t why_cap)
{
	if (!cJSON_IsString(item) || !item->valuestring)
		return text_fail(why, why_cap, "\"%s\" must be a string", name);
	size_t len = strlen(item->valuestring);
	if (len < min || len > max)
		return text_fail(why, why_cap, "\"%s\" must be %zu to %zu bytes long (it is %zu)",
				 name, min, max, len);
	if (!text_utf8_valid(item->valuestring, len))
		return text_fail(why, why_cap, "\"%s\" is not valid UTF-8", name);
	*out = item->valuestring;
	return 0;
}

/* An operation's name (rules.h holds the five) or "*" for any. */
static bool op_ok(const char *name)
{
	return strcmp(name, "*") == 0 || rules_op_from_name(name) != OP__COUNT;
}

/* What a fault selects: "op" and "taskName". */
static int read_op_and_task(const cJSON *root, fault *f, char *why, size_t why_cap)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "op");
	if (!item)
		return text_fail(why, why_cap, "\"op\" is required");
	if (!cJSON_IsString(item) || !op_ok(item->valuestring))
		return text_fail(
			why, why_cap,
			"\"op\" must be one of \"stop\", \"resume\", \"update\", \"migrate\", "
			"\"delete\" or \"*\"");
	snprintf(f->op, sizeof f->op, "%s", item->valuestring);

	item = cJSON_GetObjectItemCaseSensitive(root, "taskName");
	if (item && !cJSON_IsNull(item)) {
		if (!cJSON_IsString(item))
			return text_fail(why, why_cap, "\"taskName\" must be a string or null");
		size_t len = strlen(item->valuestring);
		taskname parsed;
		const char *reason = "it is empty";
		if (len == 0 || len > TASKNAME_MAX ||
		    taskname_parse(item->valuestring, len, &parsed, &reason) < 0)
			return text_fail(why, why_cap,
					 "\"taskName\" is not a connector task name: %s",
					 len > TASKNAME_MAX ? "it is too long" : reason);
		memcpy(f->task_name, item->valuestring, len + 1);
	}
	return 0;
}

/* A header name is an HTTP token; compared without case, as HTTP does. */
static bool header_name_ok(const char *name)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr(extra, *c)))
			return false;
	return *name != '\0';
}

/* "header": {"name": ..., "value": ...}: only requests that carry it. */
static int read_header(const cJSON *item, fault *f, char *why, size_t why_cap)
{
	static const char *const fields[] = {"name", "value"};
	if (!cJSON_IsObject(item))
		return text_fail(why, why_cap,
				 "\"header\" must be an object {\"name\": ..., \"value\": ...}");
	if (faults_check_fields(item, "\"header\"", fields, FAULTS_COUNT(fields), why, why_cap) < 0)
		return -1;
	const char *name, *value;
	const cJSON *name_item = cJSON_GetObjectItemCaseSensitive(item, "name");
	const cJSON *value_item = cJSON_GetObjectItemCaseSensitive(item, "value");
	if (!name_item || !value_item)
		return text_fail(why, why_cap, "\"header\" needs both \"name\" and \"value\"");
	if (faults_read_string(name_item, "header.name", 1, FAULTS_HEADER_NAME_MAX, &name, why,
			       why_cap) < 0 ||
	    faults_read_string(value_item, "header.value", 0, FAULTS_HEADER_VALUE_MAX, &value, why,
			       why_cap) < 0)
		return -1;
	if (!header_name_ok(name))
		return text_fail(why, why_cap, "\"header.name\" must be an HTTP header name");
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			return text_fail(why, why_cap,
					 "\"header.value\" must hold no control characters");
	snprintf(f->header_name, sizeof f->header_name, "%s", name);
	snprintf(f->header_value, sizeof f->header_value, "%s", value);
	return 0;
}

/* "client": an IPv4 or IPv6 address, kept in the form the server prints
 * a peer's (inet_ntop), so that a byte comparison matches. */
static int read_client(const cJSON *item, fault *f, char *why, size_t why_cap)
{
	const char *text;
	if (faults_read_string(item, "client", 1, FAULTS_CLIENT_MAX, &text, why, why_cap) < 0)
		return -1;
	unsigned char address[sizeof(struct in6_addr)];
	if (text_ipv4_valid(text, strlen(text))) {
		snprintf(f->client, sizeof f->client, "%s", text);
		return 0;
	}
	if (inet_pton(AF_INET6, text, address) == 1 &&
	    inet_ntop(AF_INET6, address, f->client, sizeof f->client))
		return 0;
	return text_fail(why, why_cap, "\"client\" must be an IPv4 or IPv6 address");
}

/* "method" and "pathPrefix": a fault on the control API. Requests to
 * /_mock/faults are never hit (the server skips them), so that a fault can
 * always be removed; a prefix inside it would select nothing. */
static int read_control_scope(const cJSON *root, fault *f, char *why, size_t why_cap)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
	static const char faults_path[] = "/_mock/faults";
	/* null is absent (a listed fault shows "method": null for any) */
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(root, "method");
	const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(root, "pathPrefix");
	if (cJSON_IsNull(method))
		method = NULL;
	if (cJSON_IsNull(prefix))
		prefix = NULL;
	if (!prefix) {
		if (method)
			return text_fail(why, why_cap,
					 "\"method\" selects control-API requests: give a "
					 "\"pathPrefix\" too");
		return 0;
	}
	const char *text;
	if (faults_read_string(prefix, "pathPrefix", 1, FAULTS_PATH_PREFIX_MAX, &text, why,
			       why_cap) < 0)
		return -1;
	if (strncmp(text, "/_mock/", 7) != 0)
		return text_fail(why, why_cap, "\"pathPrefix\" must start with /_mock/");
	if (strncmp(text, faults_path, sizeof faults_path - 1) == 0)
		return text_fail(why, why_cap,
				 "\"pathPrefix\" must not select /_mock/faults: the faults "
				 "must stay removable");
	snprintf(f->path_prefix, sizeof f->path_prefix, "%s", text);
	if (method) {
		bool known = false;
		for (size_t i = 0; cJSON_IsString(method) && i < FAULTS_COUNT(methods); i++)
			known = known || strcmp(method->valuestring, methods[i]) == 0;
		if (!known)
			return text_fail(why, why_cap,
					 "\"method\" must be GET, POST, PUT, DELETE, PATCH or "
					 "HEAD");
		snprintf(f->method, sizeof f->method, "%s", method->valuestring);
	}
	return 0;
}

int faults_read_selection(const cJSON *root, fault *f, char *why, size_t why_cap)
{
	if (read_control_scope(root, f, why, why_cap) < 0)
		return -1;
	if (f->path_prefix[0]) {
		if (cJSON_GetObjectItemCaseSensitive(root, "op") ||
		    cJSON_GetObjectItemCaseSensitive(root, "taskName"))
			return text_fail(why, why_cap,
					 "a fault with a \"pathPrefix\" selects control-API "
					 "requests: it has no \"op\" or \"taskName\"");
		snprintf(f->op, sizeof f->op, "*");
	} else if (read_op_and_task(root, f, why, why_cap) < 0) {
		return -1;
	}
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "header");
	if (item && !cJSON_IsNull(item) && read_header(item, f, why, why_cap) < 0)
		return -1;
	item = cJSON_GetObjectItemCaseSensitive(root, "client");
	if (item && !cJSON_IsNull(item) && read_client(item, f, why, why_cap) < 0)
		return -1;
	return 0;
}
