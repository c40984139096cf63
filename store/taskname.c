/*
 * taskname.c — parse and format OMS connector task names.
 *
 * The parser splits on the three ':' separators, then splits HOST-PORT at
 * its last '-' (a host may hold '-') and PROJECT-TYPE-SUB-IDX at its three
 * '-' (a project may not). Every part is checked against its character set
 * and size before it is copied, so `taskname` buffers can never overflow.
 */
#include "taskname.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_alnum(char c) { return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z'); }

/* Decimal without sign or leading zeros, at most `max_digits`. */
static bool is_canonical_decimal(const char *s, size_t len, size_t max_digits)
{
	if (len == 0 || len > max_digits)
		return false;
	if (len > 1 && s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

int taskname_check_host(const char *s, size_t len, const char **why)
{
	const char *unused;
	if (!why)
		why = &unused;
	if (len == 0) {
		*why = "the host is empty";
		return -1;
	}
	if (len > TASKNAME_HOST_MAX) {
		*why = "the host is longer than 253 characters";
		return -1;
	}
	bool only_digits_and_dots = true;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(is_alnum(c) || c == '.' || c == '*' || c == '_' || c == '-')) {
			*why = "the host may hold only letters, digits and . * _ -";
			return -1;
		}
		if (!is_digit(c) && c != '.')
			only_digits_and_dots = false;
	}
	if (only_digits_and_dots && !text_ipv4_valid(s, len)) {
		*why = "the host looks like an IPv4 address but is not a valid dotted quad";
		return -1;
	}
	return 0;
}

static void copy_part(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Finds the next `sep` in [s, end); returns end when there is none. */
static const char *find(const char *s, const char *end, char sep)
{
	while (s < end && *s != sep)
		s++;
	return s;
}

static int parse_host_port(const char *s, size_t len, taskname *out, const char **why)
{
	const char *dash = NULL;
	for (size_t i = len; i > 0; i--)
		if (s[i - 1] == '-') {
			dash = s + i - 1;
			break;
		}
	if (!dash) {
		*why = "the first part must be HOST-PORT";
		return -1;
	}
	size_t host_len = (size_t)(dash - s);
	if (taskname_check_host(s, host_len, why) < 0)
		return -1;
	const char *port = dash + 1;
	size_t port_len = len - host_len - 1;
	if (!is_canonical_decimal(port, port_len, 5)) {
		*why = "the port must be a decimal number from 1 to 65535";
		return -1;
	}
	unsigned value = 0;
	for (size_t i = 0; i < port_len; i++)
		value = value * 10 + (unsigned)(port[i] - '0');
	if (value < 1 || value > 65535) {
		*why = "the port must be a decimal number from 1 to 65535";
		return -1;
	}
	copy_part(out->host, s, host_len);
	out->port = value;
	return 0;
}

static int parse_identity(const char *s, size_t len, taskname *out, const char **why)
{
	const char *end = s + len;
	const char *parts[4];
	size_t lens[4];
	const char *p = s;
	for (int k = 0; k < 4; k++) {
		const char *stop = k < 3 ? find(p, end, '-') : end;
		if (k < 3 && stop == end) {
			*why = "the third part must be PROJECT-TYPE-SUB-IDX";
			return -1;
		}
		parts[k] = p;
		lens[k] = (size_t)(stop - p);
		p = stop + 1;
	}
	if (lens[0] == 0 || lens[0] > TASKNAME_PROJECT_MAX) {
		*why = "the project id must hold 1 to 128 characters";
		return -1;
	}
	for (size_t i = 0; i < lens[0]; i++)
		if (!(is_alnum(parts[0][i]) || parts[0][i] == '_' || parts[0][i] == '*')) {
			*why = "the project id may hold only letters, digits, _ and *";
			return -1;
		}
	if (lens[1] == 0 || lens[1] > TASKNAME_TYPE_MAX) {
		*why = "the component type must hold 1 to 64 characters";
		return -1;
	}
	for (size_t i = 0; i < lens[1]; i++)
		if (!(is_lower(parts[1][i]) || parts[1][i] == '_')) {
			*why = "the component type may hold only lowercase letters and _";
			return -1;
		}
	for (int k = 2; k < 4; k++)
		if (!is_canonical_decimal(parts[k], lens[k], TASKNAME_NUMBER_MAX)) {
			*why = "SUB and IDX must be decimal numbers without leading zeros";
			return -1;
		}
	copy_part(out->project, parts[0], lens[0]);
	copy_part(out->type, parts[1], lens[1]);
	copy_part(out->sub, parts[2], lens[2]);
	copy_part(out->idx, parts[3], lens[3]);
	if (strcmp(out->type, "incr_trans") == 0)
		out->component = COMPONENT_INCR_TRANS;
	else if (strcmp(out->type, "full_trans") == 0)
		out->component = COMPONENT_FULL_TRANS;
	else
		out->component = COMPONENT_OTHER;
	return 0;
}

int taskname_parse(const char *text, size_t len, taskname *out, const char **why)
{
	const char *unused;
	if (!why)
		why = &unused;
	if (len == 0) {
		*why = "the taskName is empty";
		return -1;
	}
	if (len > TASKNAME_MAX) {
		*why = "the taskName is too long";
		return -1;
	}
	const char *end = text + len;
	const char *c1 = find(text, end, ':');
	const char *c2 = c1 < end ? find(c1 + 1, end, ':') : end;
	const char *c3 = c2 < end ? find(c2 + 1, end, ':') : end;
	if (c3 == end || find(c3 + 1, end, ':') != end) {
		*why = "a taskName has the form HOST-PORT:connector_v2:PROJECT-TYPE-SUB-IDX:SEQ";
		return -1;
	}
	if (parse_host_port(text, (size_t)(c1 - text), out, why) < 0)
		return -1;
	static const char literal[] = "connector_v2";
	if ((size_t)(c2 - c1 - 1) != sizeof literal - 1 ||
	    memcmp(c1 + 1, literal, sizeof literal - 1) != 0) {
		*why = "the second part of a taskName must be connector_v2";
		return -1;
	}
	if (parse_identity(c2 + 1, (size_t)(c3 - c2 - 1), out, why) < 0)
		return -1;
	const char *seq = c3 + 1;
	if (end - seq != TASKNAME_SEQ_DIGITS) {
		*why = "the sequence must be exactly 10 decimal digits";
		return -1;
	}
	uint64_t value = 0;
	for (int i = 0; i < TASKNAME_SEQ_DIGITS; i++) {
		if (!is_digit(seq[i])) {
			*why = "the sequence must be exactly 10 decimal digits";
			return -1;
		}
		value = value * 10 + (uint64_t)(seq[i] - '0');
	}
	out->seq = value;
	return 0;
}

void taskname_identity(const taskname *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s-%s-%s-%s", name->project, name->type, name->sub, name->idx);
}

void taskname_format(const taskname *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s-%u:connector_v2:%s-%s-%s-%s:%010llu", name->host, name->port,
		 name->project, name->type, name->sub, name->idx, (unsigned long long)name->seq);
}

const char *component_type_name(component_type type)
{
	switch (type) {
	case COMPONENT_INCR_TRANS:
		return "incr_trans";
	case COMPONENT_FULL_TRANS:
		return "full_trans";
	default:
		return "other";
	}
}
