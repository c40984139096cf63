/*
 * text.c — bounded buffers and UTF-8 validation.
 */
#include "text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void textbuf_init(textbuf *buf, size_t max) { *buf = (textbuf){.max = max}; }

int textbuf_append(textbuf *buf, const void *data, size_t len)
{
	if (buf->overflow)
		return -1;
	if (len > buf->max - buf->len) {
		buf->overflow = true;
		return -1;
	}
	size_t need = buf->len + len + 1;
	if (need > buf->cap) {
		size_t cap = buf->cap ? buf->cap : 64;
		while (cap < need)
			cap *= 2;
		char *grown = realloc(buf->data, cap);
		if (!grown) {
			buf->overflow = true;
			return -1;
		}
		buf->data = grown;
		buf->cap = cap;
	}
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int text_fail(char *why, size_t why_cap, const char *format, ...)
{
	if (why && why_cap) {
		va_list args;
		va_start(args, format);
		vsnprintf(why, why_cap, format, args);
		va_end(args);
	}
	return -1;
}

int textbuf_puts(textbuf *buf, const char *text) { return textbuf_append(buf, text, strlen(text)); }

int textbuf_printf(textbuf *buf, const char *format, ...)
{
	char small[256];
	va_list args;
	va_start(args, format);
	int n = vsnprintf(small, sizeof small, format, args);
	va_end(args);
	if (n < 0) {
		buf->overflow = true;
		return -1;
	}
	if ((size_t)n < sizeof small)
		return textbuf_append(buf, small, (size_t)n);
	char *large = malloc((size_t)n + 1);
	if (!large) {
		buf->overflow = true;
		return -1;
	}
	va_start(args, format);
	vsnprintf(large, (size_t)n + 1, format, args);
	va_end(args);
	int result = textbuf_append(buf, large, (size_t)n);
	free(large);
	return result;
}

const char *textbuf_str(const textbuf *buf) { return buf->data ? buf->data : ""; }

char *textbuf_detach(textbuf *buf)
{
	char *data = buf->data ? buf->data : calloc(1, 1);
	size_t max = buf->max;
	textbuf_init(buf, max);
	return data;
}

void textbuf_free(textbuf *buf)
{
	free(buf->data);
	textbuf_init(buf, buf->max);
}

bool text_utf8_valid(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		/* ASCII eight bytes at a time: most text is ASCII (an update's 1
		 * KiB body was validated a byte at a time in 3% of the daemon's
		 * CPU under load) */
		for (uint64_t word; len - i >= 8; i += 8) {
			memcpy(&word, s + i, 8);
			if (word & UINT64_C(0x8080808080808080))
				break;
		}
		if (i == len)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t extra;
		uint32_t code;
		if (c >= 0xC2 && c <= 0xDF) {
			extra = 1;
			code = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			extra = 2;
			code = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			extra = 3;
			code = c & 0x07;
		} else {
			return false;
		}
		if (extra > len - i - 1)
			return false;
		for (size_t k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			code = (code << 6) | (s[i + k] & 0x3F);
		}
		if ((extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000) ||
		    code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
			return false;
		i += extra + 1;
	}
	return true;
}

bool text_has_nul(const char *text, size_t len) { return memchr(text, '\0', len) != NULL; }

bool text_equal_constant_time(const char *a, const char *b)
{
	size_t len_a = strlen(a), len_b = strlen(b);
	/* compare over the longer length so that timing reveals no prefix */
	size_t n = len_a > len_b ? len_a : len_b;
	unsigned char diff = (unsigned char)(len_a != len_b);
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = i < len_a ? (unsigned char)a[i] : 0;
		unsigned char cb = i < len_b ? (unsigned char)b[i] : 0;
		diff |= (unsigned char)(ca ^ cb);
	}
	return diff == 0;
}

bool text_ipv4_valid(const char *text, size_t len)
{
	int parts = 0;
	size_t i = 0;
	while (i <= len) {
		size_t start = i;
		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
		size_t n = i - start;
		if (n == 0 || n > 3 || (n > 1 && text[start] == '0') || (i < len && text[i] != '.'))
			return false;
		unsigned value = 0;
		for (size_t k = start; k < i; k++)
			value = value * 10 + (unsigned)(text[k] - '0');
		if (value > 255)
			return false;
		parts++;
		i++; /* skip the dot (or step past the end) */
	}
	return parts == 4;
}
