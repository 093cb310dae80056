#include "common/ybuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yg_buf_init(yg_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void yg_buf_free(yg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void yg_buf_reset(yg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static yg_err reserve(yg_buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return YG_ELIMIT;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return YG_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d)
		return YG_ENOMEM;
	b->data = d;
	b->cap = cap;
	return YG_OK;
}

yg_err yg_buf_append(yg_buf *b, const void *data, size_t len)
{
	yg_err err = reserve(b, len);
	if (err)
		return err;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return YG_OK;
}

yg_err yg_buf_puts(yg_buf *b, const char *s)
{
	return yg_buf_append(b, s, strlen(s));
}

yg_err yg_buf_putc(yg_buf *b, char c)
{
	return yg_buf_append(b, &c, 1);
}

yg_err yg_buf_printf(yg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return YG_EINVAL;
	if ((size_t)n < sizeof(small))
		return yg_buf_append(b, small, (size_t)n);
	yg_err err = reserve(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return YG_OK;
}

/* Length of the valid UTF-8 sequence starting at s (at most `left` bytes),
 * or 0 if the bytes there are not valid UTF-8. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

yg_err yg_buf_json_escape(yg_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	yg_err err = YG_OK;
	while (i < len) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char tmp[8];
		size_t seq = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			esc = tmp;
		} else if (c >= 0x80) {
			seq = utf8_seq_len(p + i, len - i);
			if (seq == 0) {
				esc = "\xEF\xBF\xBD";
				seq = 1;
			}
		}
		if (esc) {
			if (i > run && (err = yg_buf_append(b, p + run, i - run)))
				return err;
			if ((err = yg_buf_puts(b, esc)))
				return err;
			i += seq;
			run = i;
		} else {
			i += seq;
		}
	}
	if (i > run)
		err = yg_buf_append(b, p + run, len - run);
	return err;
}

yg_err yg_buf_json_str(yg_buf *b, const char *s)
{
	yg_err err = yg_buf_putc(b, '"');
	if (!err)
		err = yg_buf_json_escape(b, s, strlen(s));
	if (!err)
		err = yg_buf_putc(b, '"');
	return err;
}

char *yg_buf_steal(yg_buf *b)
{
	char *d = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
