/*
 * json.c — a strict front door to cJSON for request bodies.
 */
#define _POSIX_C_SOURCE 200809L
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

bool json_is_blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
			return false;
	return true;
}

/* The bytes json_escape adds for each byte: 1 for \" \\ \b \f \n \r \t,
 * 5 for the other bytes below 0x20 (\u00xx), 0 for everything else. */
/* clang-format off */
static const unsigned char escape_extra[256] = {
	5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 5, 1, 1, 5, 5, /* 0x00: \b \t \n, \f \r */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
};
/* clang-format on */

size_t json_plain_run(const char *in, size_t len)
{
	/* Eight bytes at a time while none of them is special. A word w has a
	 * byte below 0x20 when (w - 0x2020..) & ~w has a high bit set, and a
	 * byte equal to c when the same holds for (w ^ cc..) and 0x0101..
	 * (never a false negative; a word flagged wrongly is only read a byte
	 * at a time). */
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones << 7;
	const uint64_t quotes = ones * '"', backslashes = ones * '\\';
	size_t i = 0;
	for (uint64_t w, q, b; len - i >= 8; i += 8) {
		memcpy(&w, in + i, 8);
		q = w ^ quotes;
		b = w ^ backslashes;
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs)
			break;
	}
	while (i < len && !escape_extra[(unsigned char)in[i]])
		i++;
	return i;
}

size_t json_escape(const char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	static const char short_form[32] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	char *start = out;
	while (p < end) {
		size_t plain = json_plain_run((const char *)p, (size_t)(end - p));
		memcpy(out, p, plain);
		out += plain;
		p += plain;
		if (p == end)
			break;
		*out++ = '\\';
		if (*p == '"' || *p == '\\') {
			*out++ = (char)*p;
		} else if (short_form[*p]) {
			*out++ = short_form[*p];
		} else {
			memcpy(out, "u00", 3);
			out[3] = hex[*p >> 4];
			out[4] = hex[*p & 15];
			out += 5;
		}
		p++;
	}
	return (size_t)(out - start);
}

size_t json_escaped_len(const char *in, size_t len)
{
	size_t out = len;
	for (size_t i = json_plain_run(in, len); i < len;
	     i += 1 + json_plain_run(in + i + 1, len - i - 1))
		out += escape_extra[(unsigned char)in[i]];
	return out;
}

/* "\u0000" would end a C string early inside cJSON; find it in the raw text. */
static bool has_escaped_nul(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	/* p never passes end: after a match p + 2 <= end - 4 */
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL && end - p >= 6) {
		if (memcmp(p + 1, "u0000", 5) == 0)
			return true;
		p += 2; /* skip the escaped character, so "\\u0000" is not one */
	}
	return false;
}

/* Past the string that starts at text[i] (its opening quote). */
static size_t skip_string(const char *text, size_t len, size_t i)
{
	for (i++; i < len && text[i] != '"'; i++)
		if (text[i] == '\\')
			i++;
	return i + 1;
}

/* Gives each number of `node` (depth first, in document order, which is
 * the order of the number tokens in the text) its token as sent. */
static int attach_texts(cJSON *node, const char *text, size_t len, size_t *at)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node)) {
			while (*at < len && text[*at] != '-' &&
			       (text[*at] < '0' || text[*at] > '9'))
				*at = text[*at] == '"' ? skip_string(text, len, *at) : *at + 1;
			size_t start = *at;
			/* the text need not end with a NUL: no strspn */
			while (*at < len && strchr("+-0123456789.eE", text[*at]) && text[*at])
				(*at)++;
			if (*at == start)
				return -1;
			node->valuestring = malloc(*at - start + 1);
			if (!node->valuestring)
				return -1;
			memcpy(node->valuestring, text + start, *at - start);
			node->valuestring[*at - start] = '\0';
		}
		if (node->child && attach_texts(node->child, text, len, at) < 0)
			return -1;
	}
	return 0;
}

int json_attach_number_texts(cJSON *root, const char *text, size_t len)
{
	size_t at = 0;
	return attach_texts(root, text, len, &at);
}

bool json_number_needs_text(const cJSON *number)
{
	const char *sent = number->valuestring;
	if (!sent)
		return false;
	if (!strpbrk(sent, ".eE"))
		return true; /* an integer: its digits, whatever its size */
	size_t digits = 0;
	bool leading = true;
	for (const char *c = sent; *c && *c != 'e' && *c != 'E'; c++) {
		if (*c < '0' || *c > '9' || (leading && *c == '0'))
			continue;
		leading = false;
		digits++;
	}
	/* a double holds 15 significant digits exactly; one that underflowed
	 * to zero (1e-400) or is subnormal holds fewer */
	double d = number->valuedouble;
	return digits > 15 || (digits > 0 && isfinite(d) && fabs(d) < 2.2250738585072014e-308);
}

cJSON *json_parse_body(const char *text, size_t len, char *why, size_t why_cap)
{
	const char *problem = NULL;
	if (!text || json_is_blank(text, len))
		problem = "the body is empty";
	else if (!text_utf8_valid(text, len) || text_has_nul(text, len))
		problem = "the body is not valid UTF-8 text";
	else if (has_escaped_nul(text, len))
		problem = "the body holds a \\u0000 escape";
	cJSON *value = NULL;
	if (!problem) {
		const char *end = NULL;
		value = cJSON_ParseWithLengthOpts(text, len, &end, 0);
		if (!value) {
			problem = "the body is not valid JSON";
		} else if (!end || !json_is_blank(end, len - (size_t)(end - text))) {
			cJSON_Delete(value);
			value = NULL;
			problem = "the body holds bytes after its JSON value";
		} else if (json_attach_number_texts(value, text, len) < 0) {
			cJSON_Delete(value);
			value = NULL;
			problem = "out of memory";
		}
	}
	if (problem && why && why_cap)
		snprintf(why, why_cap, "%s", problem);
	return value;
}

static int compare_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

const cJSON *json_find_duplicate(const cJSON *object)
{
	size_t count = 0;
	for (const cJSON *item = object ? object->child : NULL; item; item = item->next)
		if (item->string)
			count++;
	if (count < 2)
		return NULL;
	if (count <= 16) { /* small objects: pairs are cheaper than sorting */
		for (const cJSON *a = object->child; a; a = a->next)
			for (const cJSON *b = a->next; b; b = b->next)
				if (a->string && b->string && strcmp(a->string, b->string) == 0)
					return b;
		return NULL;
	}
	/* large ones sort once: O(n log n), not O(n^2) */
	const cJSON **items = malloc(count * sizeof *items);
	if (!items)
		return object->child; /* out of memory: refuse rather than guess */
	size_t n = 0;
	for (const cJSON *item = object->child; item; item = item->next)
		if (item->string)
			items[n++] = item;
	qsort(items, n, sizeof *items, compare_keys);
	const cJSON *duplicate = NULL;
	for (size_t i = 1; i < n && !duplicate; i++)
		if (strcmp(items[i - 1]->string, items[i]->string) == 0)
			duplicate = items[i];
	free(items);
	return duplicate;
}

/* Integral numbers become raw items of all their digits. */
static int exact_integers(cJSON *node)
{
	for (; node; node = node->next) {
		double d = node->valuedouble;
		if (cJSON_IsNumber(node) && isfinite(d) && d == floor(d) && fabs(d) >= 1e15 &&
		    fabs(d) < 9.2e18) {
			char text[24];
			snprintf(text, sizeof text, "%" PRId64, (int64_t)d);
			char *copy = strdup(text);
			if (!copy)
				return -1;
			free(node->valuestring);
			node->valuestring = copy;
			node->type = cJSON_Raw;
		}
		if (node->child && exact_integers(node->child) < 0)
			return -1;
	}
	return 0;
}

char *json_print_exact(cJSON *root)
{
	return root && exact_integers(root) == 0 ? cJSON_PrintUnformatted(root) : NULL;
}

bool json_read_int64(const cJSON *item, int64_t *out)
{
	if (!cJSON_IsNumber(item))
		return false;
	const char *sent = item->valuestring;
	if (sent && !strpbrk(sent, ".eE")) {
		char *end;
		errno = 0;
		long long value = strtoll(sent, &end, 10);
		if (errno || *end)
			return false;
		*out = value;
		return true;
	}
	/* a fraction or exponent form (1e3), or a tree not from json_parse_body:
	 * only what a double holds exactly */
	double d = item->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return false;
	*out = (int64_t)d;
	return true;
}
