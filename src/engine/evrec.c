/* evrec.c: the yg_input record codec (see evrec.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/evrec.h"

#define EVREC_VERSION 1
#define FLAG_NO_PREDECODE 1u
#define FLAG_LABELS 2u

static yg_err put_u32(yg_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};
	return yg_buf_append(b, x, sizeof(x));
}

static yg_err put_str(yg_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT32_MAX)
		return YG_EINVAL;
	yg_err err = put_u32(b, (uint32_t)n);
	return err || !n ? err : yg_buf_append(b, s, n);
}

static yg_err put_labels(yg_buf *b, const yg_label *l, size_t n)
{
	unsigned char nl[2] = {(unsigned char)(n >> 8), (unsigned char)n};
	yg_err err = yg_buf_append(b, nl, sizeof(nl));
	for (size_t i = 0; i < n && !err; i++) {
		unsigned char fl = l[i].hidden ? 1 : 0;
		err = yg_buf_append(b, &fl, 1);
		if (!err)
			err = put_str(b, l[i].key);
		if (!err)
			err = put_str(b, l[i].value);
	}
	return err;
}

yg_err yg_evrec_encode(const yg_input *in, yg_buf *out)
{
	if (!in || !out || in->nfields > YG_EVREC_MAX_FIELDS || (in->nfields && !in->fields) ||
	    in->nlabels > YG_EVREC_MAX_LABELS || (in->nlabels && !in->labels))
		return YG_EINVAL;
	uint64_t t = (uint64_t)(int64_t)in->now;
	unsigned char head[10] = {EVREC_VERSION,
	                          (unsigned char)((in->no_predecode ? FLAG_NO_PREDECODE : 0) |
	                                          (in->nlabels ? FLAG_LABELS : 0))};
	for (int i = 0; i < 8; i++)
		head[2 + i] = (unsigned char)(t >> (56 - 8 * i));
	yg_err err = yg_buf_append(out, head, sizeof(head));
	if (!err)
		err = put_str(out, in->location);
	if (!err)
		err = put_str(out, in->log);
	if (!err)
		err = put_str(out, in->decoded_as);
	unsigned char nf[2] = {(unsigned char)(in->nfields >> 8), (unsigned char)in->nfields};
	if (!err)
		err = yg_buf_append(out, nf, sizeof(nf));
	for (size_t i = 0; i < in->nfields && !err; i++) {
		err = put_str(out, in->fields[i].key);
		if (!err)
			err = put_str(out, in->fields[i].value);
	}
	if (!err && in->nlabels)
		err = put_labels(out, in->labels, in->nlabels);
	return err;
}

void yg_evrec_init(yg_evrec *r)
{
	memset(r, 0, sizeof(*r));
}

void yg_evrec_free(yg_evrec *r)
{
	free(r->text);
	r->text = NULL;
	r->cap = 0;
}

typedef struct reader {
	const unsigned char *p, *end;
	char *out; /* where the next string is copied */
	bool error;
} reader;

static uint32_t get_u32(reader *rd)
{
	if (rd->end - rd->p < 4) {
		rd->error = true;
		return 0;
	}
	uint32_t v = (uint32_t)rd->p[0] << 24 | (uint32_t)rd->p[1] << 16 | (uint32_t)rd->p[2] << 8 |
	             rd->p[3];
	rd->p += 4;
	return v;
}

/* Copies the next string into the text area; NULL when it is empty and
 * `empty_is_null`, or on an error. */
static const char *get_str(reader *rd, bool empty_is_null)
{
	uint32_t n = get_u32(rd);
	if (rd->error || (size_t)(rd->end - rd->p) < n || memchr(rd->p, '\0', n)) {
		rd->error = true;
		return NULL;
	}
	if (n == 0 && empty_is_null)
		return NULL;
	char *s = rd->out;
	memcpy(s, rd->p, n);
	s[n] = '\0';
	rd->out += n + 1;
	rd->p += n;
	return s;
}

/* The labels section: how many (1..YG_EVREC_MAX_LABELS), 0 when malformed
 * (the flag says there are some: an empty or oversized list is an error). */
static size_t get_labels(yg_evrec *r, reader *rd)
{
	if (rd->end - rd->p < 2)
		return 0;
	size_t n = (size_t)rd->p[0] << 8 | rd->p[1];
	rd->p += 2;
	if (n == 0 || n > YG_EVREC_MAX_LABELS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (rd->p == rd->end || (*rd->p & ~1u))
			return 0;
		r->labels[i].hidden = *rd->p++ & 1u;
		r->labels[i].key = get_str(rd, false);
		r->labels[i].value = get_str(rd, false);
		if (rd->error || !*r->labels[i].key)
			return 0;
	}
	return n;
}

yg_err yg_evrec_decode(yg_evrec *r, const void *data, size_t len, yg_input *in)
{
	if (!r || (!data && len) || !in)
		return YG_EINVAL;
	const unsigned char *b = data;
	if (len < 12 || b[0] != EVREC_VERSION || (b[1] & ~(FLAG_NO_PREDECODE | FLAG_LABELS)))
		return YG_EPARSE;
	/* every string is shorter than the record and gets one NUL: len bytes
	 * of text space always suffice */
	if (r->cap < len + 1) {
		char *t = realloc(r->text, len + 1);
		if (!t)
			return YG_ENOMEM;
		r->text = t;
		r->cap = len + 1;
	}
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | b[2 + i];
	reader rd = {b + 10, b + len, r->text, false};
	memset(in, 0, sizeof(*in));
	in->no_predecode = b[1] & FLAG_NO_PREDECODE;
	in->now = (time_t)(int64_t)t;
	in->location = get_str(&rd, false);
	in->log = get_str(&rd, false);
	in->decoded_as = get_str(&rd, true);
	if (rd.error || rd.end - rd.p < 2)
		return YG_EPARSE;
	size_t nf = (size_t)rd.p[0] << 8 | rd.p[1];
	rd.p += 2;
	if (nf > YG_EVREC_MAX_FIELDS)
		return YG_EPARSE;
	for (size_t i = 0; i < nf; i++) {
		r->fields[i].key = get_str(&rd, false);
		r->fields[i].value = get_str(&rd, false);
		if (rd.error)
			return YG_EPARSE;
	}
	size_t nl = 0;
	if ((b[1] & FLAG_LABELS) && (nl = get_labels(r, &rd)) == 0)
		return YG_EPARSE;
	if (rd.p != rd.end)
		return YG_EPARSE;
	in->fields = nf ? r->fields : NULL;
	in->nfields = nf;
	in->labels = nl ? r->labels : NULL;
	in->nlabels = nl;
	return YG_OK;
}
