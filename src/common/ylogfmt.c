/* ylogfmt.c: escaping and rate limiting of yagura's own log lines. */
#include "common/ylogfmt.h"

#include "common/yhash.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid;
 * *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t need;
	unsigned min, c;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		need = 2, min = 0x80, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		need = 3, min = 0x800, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		need = 4, min = 0x10000, c = s[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need;
}

size_t yg_log_escape(const char *in, char *out, size_t outsz)
{
	if (outsz == 0)
		return 0;
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in), w = 0;
	for (size_t i = 0; i < n;) {
		char esc[8];
		unsigned cp = 0;
		size_t len = utf8_seq(p + i, n - i, &cp), elen;
		if (len == 1 && cp == '\n')
			elen = (size_t)snprintf(esc, sizeof(esc), "\\n");
		else if (len == 1 && cp == '\r')
			elen = (size_t)snprintf(esc, sizeof(esc), "\\r");
		else if (len == 1 && cp == '\t')
			elen = (size_t)snprintf(esc, sizeof(esc), "\\t");
		else if (len == 0 || (len == 1 && (cp < 0x20 || cp == 0x7f)))
			elen = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
		else if (cp >= 0x80 && cp <= 0x9f)
			elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", cp);
		else
			elen = 0; /* copied as it is */
		const char *src = elen ? esc : (const char *)p + i;
		size_t sl = elen ? elen : len;
		if (w + sl >= outsz)
			break;
		memcpy(out + w, src, sl);
		w += sl;
		i += len ? len : 1;
	}
	out[w] = '\0';
	return w;
}

void yg_log_vformat(char *out, size_t outsz, const char *fmt, va_list ap)
{
	char raw[4096];
	vsnprintf(raw, sizeof(raw), fmt, ap);
	yg_log_escape(raw, out, outsz);
}

typedef struct rl_key {
	int id;
	const char *fmt; /* compared by address: messages are literals */
	uint64_t shape;  /* hash of the text without its digits */
	int64_t start;   /* this window began */
	unsigned lines;  /* written in this window */
	unsigned long dropped;
	bool used;
} rl_key;

struct yg_logrl {
	pthread_mutex_t mu;
	unsigned burst, window;
	rl_key keys[YG_LOGRL_KEYS];
	int64_t total_start; /* the window of the total limit */
	unsigned total_lines;
	unsigned long total_dropped;
};

/* The hash of the text with every digit left out. */
static uint64_t shape_of(const char *msg)
{
	char buf[512];
	size_t n = 0;
	for (const char *p = msg; p && *p && n < sizeof(buf); p++)
		if (*p < '0' || *p > '9')
			buf[n++] = *p;
	return yg_hash64(buf, n);
}

yg_logrl *yg_logrl_create(unsigned burst, unsigned window)
{
	yg_logrl *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	pthread_mutex_init(&rl->mu, NULL);
	rl->burst = burst ? burst : YG_LOGRL_BURST;
	rl->window = window ? window : YG_LOGRL_WINDOW;
	return rl;
}

void yg_logrl_destroy(yg_logrl *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

/* A report waiting to be made once the mutex is released. */
typedef struct rl_due {
	int id;
	const char *fmt;
	unsigned long n;
} rl_due;

/* Ends the windows that are over; their counts go to due (room for
 * YG_LOGRL_KEYS + 2). */
static size_t rl_expire(yg_logrl *rl, int64_t now, rl_due *due)
{
	size_t nd = 0;
	if (now - rl->total_start >= (int64_t)rl->window) {
		if (rl->total_dropped)
			due[nd++] = (rl_due){0, NULL, rl->total_dropped};
		rl->total_start = now;
		rl->total_lines = 0;
		rl->total_dropped = 0;
	}
	for (size_t i = 0; i < YG_LOGRL_KEYS; i++) {
		rl_key *k = &rl->keys[i];
		if (!k->used || now - k->start < (int64_t)rl->window)
			continue;
		if (k->dropped)
			due[nd++] = (rl_due){k->id, k->fmt, k->dropped};
		k->start = now;
		k->lines = 0;
		k->dropped = 0;
	}
	return nd;
}

bool yg_logrl_allow(yg_logrl *rl, int id, const char *fmt, const char *msg, int64_t now,
                    yg_logrl_report_fn report, void *ctx)
{
	if (!rl)
		return true;
	rl_due due[YG_LOGRL_KEYS + 2];
	uint64_t shape = shape_of(msg);
	pthread_mutex_lock(&rl->mu);
	size_t nd = rl_expire(rl, now, due);
	rl_key *k = NULL, *free_k = NULL, *oldest = &rl->keys[0];
	for (size_t i = 0; i < YG_LOGRL_KEYS && !k; i++) {
		rl_key *c = &rl->keys[i];
		if (c->used && c->id == id && c->fmt == fmt && c->shape == shape)
			k = c;
		else if (!c->used && !free_k)
			free_k = c;
		else if (c->used && c->start < oldest->start)
			oldest = c;
	}
	if (!k) {
		/* a new message takes a free slot, or the oldest one (its count,
		 * if any, is reported now rather than lost) */
		k = free_k ? free_k : oldest;
		if (k->used && k->dropped)
			due[nd++] = (rl_due){k->id, k->fmt, k->dropped};
		*k = (rl_key){.id = id, .fmt = fmt, .shape = shape, .start = now, .used = true};
	}
	bool ok = k->lines < rl->burst;
	if (!ok)
		k->dropped++;
	else if (rl->total_lines >= YG_LOGRL_TOTAL) {
		ok = false;
		rl->total_dropped++;
	} else {
		k->lines++;
		rl->total_lines++;
	}
	pthread_mutex_unlock(&rl->mu);
	for (size_t i = 0; report && i < nd; i++)
		report(ctx, due[i].id, due[i].fmt, due[i].n);
	return ok;
}
