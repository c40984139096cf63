/*
 * unit_json.c — json.c's string escaping and its reading of raw bodies,
 * against byte-at-a-time references written here. The escaping reads eight
 * bytes at a time, so every special byte is tried at every place of a word,
 * among fillers chosen to look special to a careless word test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/json.h"
#include "support.h"

/* cJSON_PrintUnformatted's escaping of a string's contents, a byte at a time. */
static size_t reference_escape(const unsigned char *in, size_t len, char *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];
		const char *sequence = NULL;
		char buf[8];
		switch (c) {
		case '"':
			sequence = "\\\"";
			break;
		case '\\':
			sequence = "\\\\";
			break;
		case '\b':
			sequence = "\\b";
			break;
		case '\f':
			sequence = "\\f";
			break;
		case '\n':
			sequence = "\\n";
			break;
		case '\r':
			sequence = "\\r";
			break;
		case '\t':
			sequence = "\\t";
			break;
		default:
			if (c < 0x20) {
				snprintf(buf, sizeof buf, "\\u%04x", c);
				sequence = buf;
			}
		}
		if (sequence) {
			memcpy(out + n, sequence, strlen(sequence));
			n += strlen(sequence);
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

static size_t reference_plain_run(const unsigned char *in, size_t len)
{
	size_t i = 0;
	while (i < len && in[i] >= 0x20 && in[i] != '"' && in[i] != '\\')
		i++;
	return i;
}

/* The three functions against the references, on `len` bytes of `in`. */
static void check_escaping(const unsigned char *in, size_t len, const char *what)
{
	char *expected = malloc(JSON_ESCAPED_MAX(len) + 1),
	     *got = malloc(JSON_ESCAPED_MAX(len) + 1);
	ck_assert_ptr_nonnull(expected);
	ck_assert_ptr_nonnull(got);
	size_t expected_len = reference_escape(in, len, expected);
	ck_assert_msg(json_plain_run((const char *)in, len) == reference_plain_run(in, len),
		      "%s: json_plain_run says %zu, the reference %zu", what,
		      json_plain_run((const char *)in, len), reference_plain_run(in, len));
	ck_assert_msg(json_escaped_len((const char *)in, len) == expected_len,
		      "%s: json_escaped_len says %zu, the reference %zu", what,
		      json_escaped_len((const char *)in, len), expected_len);
	size_t got_len = json_escape((const char *)in, len, got);
	ck_assert_msg(got_len == expected_len && memcmp(got, expected, got_len) == 0,
		      "%s: json_escape wrote %zu bytes, the reference %zu", what, got_len,
		      expected_len);
	free(expected);
	free(got);
}

/* Bytes that a word test confusing bits could take for '"' (0x22), '\\'
 * (0x5c) or a control byte: the same with the high bit, neighbours, 0x20
 * itself, 0x7f, 0xff. */
static const unsigned char fillers[] = {'a',  0x20, 0x21, 0x23, 0x5b, 0x5d,
					0x7f, 0x80, 0xa0, 0xa2, 0xdc, 0xff};

START_TEST(every_byte_at_every_place_of_a_word)
{
	unsigned char filler = fillers[_i];
	unsigned char text[24];
	char what[96];
	for (int byte = 0; byte < 256; byte++) {
		for (size_t at = 0; at < sizeof text; at++) {
			memset(text, filler, sizeof text);
			text[at] = (unsigned char)byte;
			/* the whole buffer, and cut just after the byte */
			snprintf(what, sizeof what, "byte 0x%02x at %zu among 0x%02x", byte, at,
				 filler);
			check_escaping(text, sizeof text, what);
			check_escaping(text, at + 1, what);
		}
	}
	memset(text, filler, sizeof text);
	for (size_t len = 0; len <= sizeof text; len++)
		check_escaping(text, len, "fillers only");
}
END_TEST

START_TEST(random_strings)
{
	srand(20261121);
	unsigned char text[80];
	char what[64];
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)rand() % (sizeof text + 1);
		for (size_t i = 0; i < len; i++) {
			int pick = rand() % 8;
			text[i] = pick == 0   ? (unsigned char)(rand() % 0x20)
				  : pick == 1 ? (rand() % 2 ? '"' : '\\')
					      : (unsigned char)(0x20 + rand() % 0xe0);
		}
		snprintf(what, sizeof what, "round %d, %zu bytes", round, len);
		check_escaping(text, len, what);
	}
}
END_TEST

/* json_parse_body refuses a \u0000 escape wherever it is, and only an escape:
 * "\\u0000" is a backslash and the text u0000. */
START_TEST(escaped_nul_anywhere)
{
	char body[64], why[128];
	for (int pad = 0; pad <= 20; pad++) {
		snprintf(body, sizeof body, "{\"k\":\"%.*s\\u0000\"}", pad, "xxxxxxxxxxxxxxxxxxxx");
		ck_assert_ptr_null(json_parse_body(body, strlen(body), why, sizeof why));
		ck_assert_str_eq(why, "the body holds a \\u0000 escape");

		snprintf(body, sizeof body, "{\"k\":\"%.*s\\\\u0000\"}", pad,
			 "xxxxxxxxxxxxxxxxxxxx");
		cJSON *value = json_parse_body(body, strlen(body), why, sizeof why);
		ck_assert_msg(value != NULL, "%s refused: %s", body, why);
		char *text = cJSON_PrintUnformatted(value);
		ck_assert_str_eq(text, body);
		free(text);
		cJSON_Delete(value);

		snprintf(body, sizeof body, "{\"k\":\"%.*s\\\\\\u0000\"}", pad,
			 "xxxxxxxxxxxxxxxxxxxx");
		ck_assert_ptr_null(json_parse_body(body, strlen(body), why, sizeof why));
		ck_assert_str_eq(why, "the body holds a \\u0000 escape");
	}
	/* an escape cut by the end of the body is not one; the JSON is bad */
	static const char *const cut[] = {"\"\\", "\"\\u", "\"\\u000", "\"ab\\u000", "\"\\\\u0000"};
	for (size_t i = 0; i < COUNT(cut); i++) {
		ck_assert_ptr_null(json_parse_body(cut[i], strlen(cut[i]), why, sizeof why));
		ck_assert_msg(strcmp(why, "the body is not valid JSON") == 0, "%s: %s", cut[i],
			      why);
	}
	/* the escape as the body's last bytes, no closing quote: still found */
	ck_assert_ptr_null(json_parse_body("\"\\u0000", 7, why, sizeof why));
	ck_assert_str_eq(why, "the body holds a \\u0000 escape");
}
END_TEST

static Suite *json_suite(void)
{
	Suite *suite = suite_create("json");
	TCase *escaping = tcase_create("escaping");
	tcase_add_loop_test(escaping, every_byte_at_every_place_of_a_word, 0, (int)COUNT(fillers));
	tcase_add_test(escaping, random_strings);
	suite_add_tcase(suite, escaping);
	TCase *bodies = tcase_create("bodies");
	tcase_add_test(bodies, escaped_nul_anywhere);
	suite_add_tcase(suite, bodies);
	return suite;
}

int main(void) { return test_run_suite(json_suite()); }
