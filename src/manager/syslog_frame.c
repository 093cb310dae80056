/* syslog_frame.c: RFC 6587 framing (see syslog_frame.h). A byte at a time
 * through a small state machine, so any split of the stream gives the same
 * messages. */
#include <stdlib.h>
#include <string.h>

#include "manager/syslog_frame.h"

enum {
	S_START, /* between frames */
	S_COUNT, /* digits that may be an octet count */
	S_LINE,  /* a message that ends at LF */
	S_OCTET, /* `want` more bytes of an octet-counted message */
};

#define COUNT_DIGITS 9

yg_err yg_sframe_init(yg_sframe *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	if (max < 16)
		return YG_EINVAL; /* an octet count must fit */
	f->buf = malloc(max + 1);
	if (!f->buf)
		return YG_ENOMEM;
	f->max = max;
	f->buf[0] = '\0';
	return YG_OK;
}

void yg_sframe_free(yg_sframe *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

static void put(yg_sframe *f, char c)
{
	if (f->len < f->max)
		f->buf[f->len++] = c;
	else
		f->cut = true;
}

static void complete(yg_sframe *f)
{
	f->buf[f->len] = '\0';
	f->ready = true;
	f->state = S_START;
	f->frames++;
	if (f->cut)
		f->truncated++;
	f->cut = false;
}

/* The end of a non-transparent frame: without its CR. */
static void end_line(yg_sframe *f)
{
	if (!f->cut && f->len > 0 && f->buf[f->len - 1] == '\r')
		f->len--;
	complete(f);
}

static void start_byte(yg_sframe *f, char c)
{
	if (c == '\n' || c == '\r')
		return; /* empty lines, or the LF some senders put after a frame */
	f->len = 0;
	f->cut = false;
	f->state = c >= '1' && c <= '9' ? S_COUNT : S_LINE;
	put(f, c);
}

static void count_byte(yg_sframe *f, char c)
{
	if (c == ' ') {
		uint64_t n = 0;
		for (size_t i = 0; i < f->len; i++)
			n = n * 10 + (uint64_t)(f->buf[i] - '0');
		f->want = n;
		f->len = 0;
		f->state = S_OCTET;
		return;
	}
	if (c == '\n') {
		end_line(f);
		return;
	}
	if (c < '0' || c > '9' || f->len >= COUNT_DIGITS)
		f->state = S_LINE; /* not a count: the digits begin a line */
	put(f, c);
}

size_t yg_sframe_push(yg_sframe *f, const char *data, size_t len)
{
	size_t i = 0;
	while (i < len && !f->ready) {
		if (f->state == S_OCTET) {
			size_t n = len - i;
			if (n > f->want)
				n = (size_t)f->want;
			size_t room = f->max - f->len;
			size_t keep = n < room ? n : room;
			memcpy(f->buf + f->len, data + i, keep);
			f->len += keep;
			if (keep < n)
				f->cut = true;
			f->want -= n;
			i += n;
			if (f->want == 0)
				complete(f);
			continue;
		}
		char c = data[i++];
		if (f->state == S_START)
			start_byte(f, c);
		else if (f->state == S_COUNT)
			count_byte(f, c);
		else if (c == '\n')
			end_line(f);
		else
			put(f, c);
	}
	return i;
}

bool yg_sframe_take(const yg_sframe *f, const char **msg, size_t *len)
{
	if (!f->ready)
		return false;
	*msg = f->buf;
	*len = f->len;
	return true;
}

void yg_sframe_pop(yg_sframe *f)
{
	f->ready = false;
	f->len = 0;
}

bool yg_sframe_finish(yg_sframe *f)
{
	if (f->ready)
		return true;
	if ((f->state == S_LINE || f->state == S_COUNT) && f->len > 0) {
		end_line(f);
		return true;
	}
	f->state = S_START;
	f->len = 0;
	return false;
}
