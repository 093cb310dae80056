/* evrec.c: the yg_input record codec (see evrec.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/evrec.h"

#define EVREC_VERSION 1
#define FLAG_NO_PREDECODE 1u

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

yg_err yg_evrec_encode(const yg_input *in, yg_buf *out)
{
	if (!in || !out || in->nfields > YG_EVREC_MAX_FIELDS || (in->nfields && !in->fields))
		return YG_EINVAL;
	uint64_t t = (uint64_t)(int64_t)in->now;
	unsigned char head[10] = {EVREC_VERSION, in->no_predecode ? FLAG_NO_PREDECODE : 0};
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
	char *out;  /* where the next string is copied */
	bool error;
} reader;

static uint32_t get_u32(reader *rd)
{
	if (rd->end - rd->p < 4) {
		rd->error = true;
		return 0;
	}
	uint32_t v = (uint32_t)rd->p[0] << 24 | (uint32_t)rd->p[1] << 16 |
	             (uint32_t)rd->p[2] << 8 | rd->p[3];
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

yg_err yg_evrec_decode(yg_evrec *r, const void *data, size_t len, yg_input *in)
{
	if (!r || (!data && len) || !in)
		return YG_EINVAL;
	const unsigned char *b = data;
	if (len < 12 || b[0] != EVREC_VERSION || (b[1] & ~FLAG_NO_PREDECODE))
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
	if (rd.p != rd.end)
		return YG_EPARSE;
	in->fields = nf ? r->fields : NULL;
	in->nfields = nf;
	return YG_OK;
}
