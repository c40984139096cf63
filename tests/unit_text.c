/*
 * unit_text.c — bounded text buffers (curl's rule: every growable buffer
 * has a cap), UTF-8 validation and the constant-time comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/text.h"
#include "support.h"

/* ---- textbuf ----------------------------------------------------------- */

START_TEST(test_textbuf_empty)
{
	textbuf buf;
	textbuf_init(&buf, 16);
	ck_assert_str_eq(textbuf_str(&buf), "");
	ck_assert_uint_eq(buf.len, 0);
	ck_assert(!buf.overflow);
	/* an empty append is fine and leaves a terminated empty string */
	ck_assert_int_eq(textbuf_append(&buf, "", 0), 0);
	ck_assert_str_eq(textbuf_str(&buf), "");
	char *data = textbuf_detach(&buf);
	ck_assert_ptr_nonnull(data);
	ck_assert_str_eq(data, "");
	free(data);
	textbuf_free(&buf);
}
END_TEST

START_TEST(test_textbuf_appends)
{
	textbuf buf;
	textbuf_init(&buf, 1000);
	ck_assert_int_eq(textbuf_puts(&buf, "hello"), 0);
	ck_assert_int_eq(textbuf_append(&buf, ", wo", 4), 0);
	ck_assert_int_eq(textbuf_printf(&buf, "%s%c %d", "rl", 'd', 42), 0);
	ck_assert_str_eq(textbuf_str(&buf), "hello, world 42");
	ck_assert_uint_eq(buf.len, strlen("hello, world 42"));
	/* binary data, NUL included, is kept byte for byte */
	ck_assert_int_eq(textbuf_append(&buf, "\0x", 2), 0);
	ck_assert_uint_eq(buf.len, strlen("hello, world 42") + 2);
	ck_assert_int_eq(memcmp(buf.data + buf.len - 2, "\0x", 3), 0);
	textbuf_free(&buf);
	ck_assert_ptr_null(buf.data);
	ck_assert_uint_eq(buf.len, 0);
}
END_TEST

START_TEST(test_textbuf_grows_many_times)
{
	textbuf buf;
	textbuf_init(&buf, 100000);
	for (int i = 0; i < 10000; i++)
		ck_assert_int_eq(textbuf_append(&buf, "0123456789", 10), 0);
	ck_assert_uint_eq(buf.len, 100000);
	ck_assert_uint_ge(buf.cap, buf.len + 1);
	ck_assert_int_eq(buf.data[buf.len], '\0');
	ck_assert_int_eq(memcmp(buf.data + 99990, "0123456789", 10), 0);
	ck_assert(!buf.overflow);
	textbuf_free(&buf);
}
END_TEST

/* Appends up to the cap succeed; one byte past fails, keeps what was there,
 * and every later append is refused, even a small one. */
typedef struct {
	size_t max;
	size_t first;  /* bytes of the first append */
	size_t second; /* bytes of the append that should overflow (or not) */
	bool second_fits;
} cap_case;

static const cap_case cap_cases[] = {
	{10, 5, 5, true},
	{10, 5, 6, false},
	{10, 0, 10, true},
	{10, 0, 11, false},
	{10, 10, 0, true},
	{10, 10, 1, false},
	{0, 0, 0, true},
	{0, 0, 1, false},
	{1000, 999, 1, true},
	{1000, 999, 2, false},
	{1000, 1, (size_t)-1, false},
};

START_TEST(test_textbuf_cap)
{
	const cap_case *c = &cap_cases[_i];
	textbuf buf;
	textbuf_init(&buf, c->max);
	char *first = malloc(c->first + 1);
	memset(first, 'a', c->first);
	ck_assert_int_eq(textbuf_append(&buf, first, c->first), 0);
	free(first);

	size_t second_len = c->second == (size_t)-1 ? 1 : c->second;
	char *second = malloc(second_len + 1);
	memset(second, 'b', second_len);
	int rc = textbuf_append(&buf, second, c->second);
	free(second);
	if (c->second_fits) {
		ck_assert_int_eq(rc, 0);
		ck_assert(!buf.overflow);
		ck_assert_uint_eq(buf.len, c->first + c->second);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert(buf.overflow);
		ck_assert_uint_eq(buf.len, c->first);
		/* the earlier content is intact */
		for (size_t i = 0; i < c->first; i++)
			ck_assert_int_eq(buf.data[i], 'a');
		ck_assert_uint_eq(strlen(textbuf_str(&buf)), c->first);
		/* later appends are refused, even ones that would fit */
		ck_assert_int_eq(textbuf_append(&buf, "", 0), -1);
		ck_assert_int_eq(textbuf_puts(&buf, "z"), -1);
		ck_assert_int_eq(textbuf_printf(&buf, "%d", 1), -1);
		ck_assert_uint_eq(buf.len, c->first);
		ck_assert(buf.overflow);
	}
	ck_assert_uint_le(buf.len, c->max);
	textbuf_free(&buf);
}
END_TEST

START_TEST(test_textbuf_printf_long)
{
	/* longer than any small internal buffer */
	char expected[5001];
	memset(expected, 'q', 5000);
	expected[5000] = '\0';
	textbuf buf;
	textbuf_init(&buf, 10000);
	ck_assert_int_eq(textbuf_puts(&buf, "<"), 0);
	ck_assert_int_eq(textbuf_printf(&buf, "%s|%05d", expected, 7), 0);
	ck_assert_uint_eq(buf.len, 1 + 5000 + 6);
	ck_assert_int_eq(buf.data[0], '<');
	ck_assert_int_eq(memcmp(buf.data + 1, expected, 5000), 0);
	ck_assert_str_eq(buf.data + 5001, "|00007");

	/* exactly at the edge of a 256-byte scratch buffer, each side */
	for (int n = 254; n <= 258; n++) {
		textbuf edge;
		textbuf_init(&edge, 1000);
		ck_assert_int_eq(textbuf_printf(&edge, "%.*s", n, expected), 0);
		ck_assert_uint_eq(edge.len, (size_t)n);
		ck_assert_uint_eq(strlen(textbuf_str(&edge)), (size_t)n);
		textbuf_free(&edge);
	}

	/* a long printf past the cap fails and keeps what was there */
	textbuf small;
	textbuf_init(&small, 4000);
	ck_assert_int_eq(textbuf_puts(&small, "keep"), 0);
	ck_assert_int_eq(textbuf_printf(&small, "%s", expected), -1);
	ck_assert(small.overflow);
	ck_assert_str_eq(textbuf_str(&small), "keep");
	textbuf_free(&small);
	textbuf_free(&buf);
}
END_TEST

START_TEST(test_textbuf_detach)
{
	textbuf buf;
	textbuf_init(&buf, 64);
	ck_assert_int_eq(textbuf_puts(&buf, "owned"), 0);
	char *data = textbuf_detach(&buf);
	ck_assert_str_eq(data, "owned");
	free(data);
	/* the buffer is empty and usable again, with the same cap */
	ck_assert_uint_eq(buf.len, 0);
	ck_assert_str_eq(textbuf_str(&buf), "");
	ck_assert_uint_eq(buf.max, 64);
	ck_assert_int_eq(textbuf_puts(&buf, "again"), 0);
	ck_assert_str_eq(textbuf_str(&buf), "again");
	textbuf_free(&buf);
}
END_TEST

/* ---- UTF-8 ------------------------------------------------------------- */

typedef struct {
	const char *label;
	const char *text;
	size_t len;
	bool valid;
} utf8_case;

static const utf8_case utf8_cases[] = {
	{"empty", LIT(""), true},
	{"ASCII", LIT("hello, world ~\x7f"), true},
	{"NUL is valid UTF-8", LIT("a\0b"), true},
	{"2 bytes U+0080", LIT("\xc2\x80"), true},
	{"2 bytes U+00E9", LIT("caf\xc3\xa9"), true},
	{"2 bytes U+07FF", LIT("\xdf\xbf"), true},
	{"3 bytes U+0800", LIT("\xe0\xa0\x80"), true},
	{"3 bytes U+4E2D", LIT("\xe4\xb8\xad"), true},
	{"3 bytes U+D7FF", LIT("\xed\x9f\xbf"), true},
	{"3 bytes U+E000", LIT("\xee\x80\x80"), true},
	{"3 bytes U+FFFD", LIT("\xef\xbf\xbd"), true},
	{"3 bytes U+FFFF", LIT("\xef\xbf\xbf"), true},
	{"4 bytes U+10000", LIT("\xf0\x90\x80\x80"), true},
	{"4 bytes U+1F600", LIT("\xf0\x9f\x98\x80"), true},
	{"4 bytes U+10FFFF", LIT("\xf4\x8f\xbf\xbf"), true},
	{"mixed", LIT("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80z"), true},
	{"overlong C0 80", LIT("\xc0\x80"), false},
	{"overlong C1 BF", LIT("\xc1\xbf"), false},
	{"overlong E0 80 80", LIT("\xe0\x80\x80"), false},
	{"overlong E0 9F BF", LIT("\xe0\x9f\xbf"), false},
	{"overlong F0 80 80 80", LIT("\xf0\x80\x80\x80"), false},
	{"overlong F0 8F BF BF", LIT("\xf0\x8f\xbf\xbf"), false},
	{"surrogate ED A0 80", LIT("\xed\xa0\x80"), false},
	{"surrogate ED BF BF", LIT("\xed\xbf\xbf"), false},
	{"surrogate pair as CESU-8", LIT("\xed\xa0\xbd\xed\xb8\x80"), false},
	{"past U+10FFFF F4 90 80 80", LIT("\xf4\x90\x80\x80"), false},
	{"F5 lead", LIT("\xf5\x80\x80\x80"), false},
	{"F8 lead", LIT("\xf8\x88\x80\x80\x80"), false},
	{"FE", LIT("\xfe"), false},
	{"FF", LIT("\xff"), false},
	{"truncated 2 bytes", LIT("\xc3"), false},
	{"truncated 3 bytes", LIT("\xe4\xb8"), false},
	{"truncated 4 bytes", LIT("\xf0\x9f\x98"), false},
	{"truncated then ASCII", LIT("\xe4\xb8z"), false},
	{"lone continuation", LIT("\x80"), false},
	{"continuation after ASCII", LIT("a\xbf"), false},
	{"extra continuation", LIT("\xc3\xa9\xa9"), false},
	{"lead then lead", LIT("\xc3\xc3\xa9"), false},
	{"valid then invalid", LIT("ok\xe4\xb8\xad\xff"), false},
};

START_TEST(test_utf8)
{
	const utf8_case *c = &utf8_cases[_i];
	/* an exact-size heap copy: nothing past `len` may be read */
	char *text = malloc(c->len ? c->len : 1);
	memcpy(text, c->text, c->len);
	bool valid = text_utf8_valid(text, c->len);
	free(text);
	ck_assert_msg(valid == c->valid, "%s: %s", c->label, valid ? "valid" : "invalid");
}
END_TEST

/* Each case again inside ASCII, at every offset and with every tail up to
 * two words long, so that each byte of it falls at every place of an 8-byte
 * word (text_utf8_valid reads ASCII a word at a time). ASCII around a text
 * changes nothing: a valid text stays valid, a bad sequence stays bad. */
START_TEST(test_utf8_at_every_offset)
{
	const utf8_case *c = &utf8_cases[_i];
	for (size_t head = 0; head <= 16; head++) {
		for (size_t tail = 0; tail <= 16; tail++) {
			size_t len = head + c->len + tail;
			char *text = malloc(len ? len : 1);
			memset(text, 'a', len);
			memcpy(text + head, c->text, c->len);
			bool valid = text_utf8_valid(text, len);
			free(text);
			ck_assert_msg(valid == c->valid,
				      "%s after %zu and before %zu ASCII bytes: %s", c->label, head,
				      tail, valid ? "valid" : "invalid");
		}
	}
}
END_TEST

START_TEST(test_utf8_respects_len)
{
	/* only `len` bytes count: a sequence cut by `len` is truncated */
	ck_assert(text_utf8_valid("ab\xff", 2));
	ck_assert(!text_utf8_valid("\xe4\xb8\xad", 2));
	ck_assert(text_utf8_valid("\xe4\xb8\xad", 3));
	ck_assert(text_utf8_valid("\xe4\xb8\xad", 0));
}
END_TEST

START_TEST(test_has_nul)
{
	ck_assert(!text_has_nul("abc", 3));
	ck_assert(text_has_nul("a\0c", 3));
	ck_assert(text_has_nul("abc", 4)); /* the terminator counts when inside len */
	ck_assert(!text_has_nul("", 0));
}
END_TEST

/* ---- text_equal_constant_time ------------------------------------------ */

typedef struct {
	const char *a, *b;
	bool equal;
} equal_case;

static const equal_case equal_cases[] = {
	{"", "", true},
	{"secret-token", "secret-token", true},
	{"secret-token", "secret-tokeN", false},
	{"secret-token", "Secret-token", false},
	{"secret", "secret-token", false},
	{"secret-token", "secret", false},
	{"", "x", false},
	{"x", "", false},
	{"abc", "abd", false},
	{"\xc3\xa9", "\xc3\xa9", true},
	{"\xc3\xa9", "\xc3\xa8", false},
};

START_TEST(test_equal_constant_time)
{
	const equal_case *c = &equal_cases[_i];
	ck_assert_msg(text_equal_constant_time(c->a, c->b) == c->equal, "\"%s\" vs \"%s\"", c->a,
		      c->b);
	ck_assert_msg(text_equal_constant_time(c->b, c->a) == c->equal, "\"%s\" vs \"%s\"", c->b,
		      c->a);
}
END_TEST

static const struct {
	const char *text;
	bool valid;
} ipv4_cases[] = {
	{"127.0.0.1", true},   {"0.0.0.0", true},    {"255.255.255.255", true},
	{"10.0.0.1", true},    {"256.0.0.1", false}, {"010.0.0.1", false},
	{"1.2.3", false},      {"1.2.3.4.5", false}, {"1.2.3.", false},
	{".1.2.3", false},     {"1..2.3", false},    {" 1.2.3.4", false},
	{"1.2.3.4 ", false},   {"+1.2.3.4", false},  {"1.2.3.4x", false},
	{"localhost", false},  {"", false},	     {"1234.1.1.1", false},
	{"0x7f.0.0.1", false}, {"1.2.3.-4", false},
};

/* The one IPv4 check (listen, and a taskName's host that looks like one). */
START_TEST(test_ipv4)
{
	const char *text = ipv4_cases[_i].text;
	ck_assert_msg(text_ipv4_valid(text, strlen(text)) == ipv4_cases[_i].valid, "\"%s\"", text);
}
END_TEST

static Suite *text_suite(void)
{
	Suite *suite = suite_create("text");
	TCase *buf = tcase_create("textbuf");
	tcase_add_test(buf, test_textbuf_empty);
	tcase_add_test(buf, test_textbuf_appends);
	tcase_add_test(buf, test_textbuf_grows_many_times);
	tcase_add_loop_test(buf, test_textbuf_cap, 0, (int)COUNT(cap_cases));
	tcase_add_test(buf, test_textbuf_printf_long);
	tcase_add_test(buf, test_textbuf_detach);
	suite_add_tcase(suite, buf);

	TCase *utf8 = tcase_create("utf8");
	tcase_add_loop_test(utf8, test_utf8, 0, (int)COUNT(utf8_cases));
	tcase_add_loop_test(utf8, test_utf8_at_every_offset, 0, (int)COUNT(utf8_cases));
	tcase_add_test(utf8, test_utf8_respects_len);
	tcase_add_test(utf8, test_has_nul);
	tcase_add_loop_test(utf8, test_equal_constant_time, 0, (int)COUNT(equal_cases));
	tcase_add_loop_test(utf8, test_ipv4, 0, (int)COUNT(ipv4_cases));
	suite_add_tcase(suite, utf8);
	return suite;
}

int main(void) { return test_run_suite(text_suite()); }
