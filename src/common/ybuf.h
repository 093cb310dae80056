/* ybuf.h: a growable byte buffer with a maximum size.
 *
 * Every buffer has a bound (curl's rule): appending past `max` fails with
 * YG_ELIMIT and leaves the buffer as it was, so untrusted input can never make
 * one grow without end. The content is always NUL-terminated. */
#ifndef YAGURA_YBUF_H
#define YAGURA_YBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "common/yerr.h"

typedef struct yg_buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;
} yg_buf;

/* Initialises an empty buffer that may hold at most `max` bytes. */
void yg_buf_init(yg_buf *b, size_t max);
void yg_buf_free(yg_buf *b);
/* Empties the buffer, keeping its memory. */
void yg_buf_reset(yg_buf *b);

yg_err yg_buf_append(yg_buf *b, const void *data, size_t len);
yg_err yg_buf_puts(yg_buf *b, const char *s);
yg_err yg_buf_putc(yg_buf *b, char c);
yg_err yg_buf_printf(yg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as the body of a JSON string (without the quotes), escaping
 * quotes, backslashes and control characters; invalid UTF-8 bytes become
 * U+FFFD so the output is always valid JSON. */
yg_err yg_buf_json_escape(yg_buf *b, const char *s, size_t len);
/* Appends s as a quoted JSON string. */
yg_err yg_buf_json_str(yg_buf *b, const char *s);

/* Takes the content out of the buffer; the caller frees it. The buffer is
 * left empty. Returns NULL if the buffer never held anything. */
char *yg_buf_steal(yg_buf *b);

#endif
