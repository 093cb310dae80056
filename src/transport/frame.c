/* frame.c: frame encoding, the incremental decoder and payload parsers. */
#include "transport/frame.h"

#include <stdlib.h>
#include <string.h>

#include "transport/tutil.h"

const char *yg_frame_type_name(uint8_t type)
{
	switch (type) {
	case YG_FRAME_HELLO: return "HELLO";
	case YG_FRAME_EVENTS: return "EVENTS";
	case YG_FRAME_ACK: return "ACK";
	case YG_FRAME_KEEPALIVE: return "KEEPALIVE";
	case YG_FRAME_AR_REQUEST: return "AR_REQUEST";
	case YG_FRAME_ERROR: return "ERROR";
	case YG_FRAME_ENROLL_REQ: return "ENROLL_REQ";
	case YG_FRAME_ENROLL_RESP: return "ENROLL_RESP";
	default: return "?";
	}
}

yg_err yg_frame_peek(const uint8_t *buf, size_t avail, yg_frame *out, size_t *total,
                     const char **why)
{
	*total = 0;
	if (avail < YG_FRAME_HDR)
		return YG_ENOTFOUND;
	uint32_t len = yg_tget_u32(buf);
	if (len == 0) {
		*why = "frame of length 0";
		return YG_EPARSE;
	}
	if (len > YG_FRAME_MAX) {
		*why = "frame larger than 1 MiB";
		return YG_ELIMIT;
	}
	if (strcmp(yg_frame_type_name(buf[4]), "?") == 0) {
		*why = "unknown frame type";
		return YG_EPARSE;
	}
	*total = 4u + len;
	if (avail < *total)
		return YG_ENOTFOUND;
	out->type = buf[4];
	out->payload = buf + YG_FRAME_HDR;
	out->len = len - 1u;
	return YG_OK;
}

struct yg_frame_dec {
	uint8_t *buf; /* bytes not yet returned as frames start at buf + off */
	size_t off, len, cap;
	yg_err err;
	const char *why;
};

yg_frame_dec *yg_frame_dec_create(void)
{
	return calloc(1, sizeof(yg_frame_dec));
}

void yg_frame_dec_destroy(yg_frame_dec *d)
{
	if (!d)
		return;
	free(d->buf);
	free(d);
}

/* Room for `more` bytes after the live region, compacting first: the live
 * region is never larger than one maximal frame, checked by the caller. */
static yg_err dec_reserve(yg_frame_dec *d, size_t more)
{
	if (d->off > 0) {
		memmove(d->buf, d->buf + d->off, d->len);
		d->off = 0;
	}
	if (d->len + more <= d->cap)
		return YG_OK;
	size_t cap = d->cap ? d->cap : 4096;
	while (cap < d->len + more)
		cap *= 2;
	uint8_t *nb = realloc(d->buf, cap);
	if (!nb)
		return YG_ENOMEM;
	d->buf = nb;
	d->cap = cap;
	return YG_OK;
}

yg_err yg_frame_dec_feed(yg_frame_dec *d, const void *data, size_t len, size_t *used)
{
	*used = 0;
	if (d->err)
		return d->err;
	yg_frame f;
	size_t total;
	const char *why = NULL;
	/* no buffer yet (nothing received): d->buf + 0 on NULL is undefined */
	const uint8_t *live = d->buf ? d->buf + d->off : NULL;
	yg_err e = yg_frame_peek(live, d->len, &f, &total, &why);
	if (e == YG_OK)
		return YG_OK; /* a frame waits to be taken */
	if (e != YG_ENOTFOUND) {
		d->err = e;
		d->why = why;
		return e;
	}
	/* first the header, then (on the next call) the rest of the frame */
	size_t want = total ? total - d->len : YG_FRAME_HDR - d->len;
	size_t n = len < want ? len : want;
	yg_err r = dec_reserve(d, n);
	if (r)
		return r;
	if (n)
		memcpy(d->buf + d->len, data, n);
	d->len += n;
	*used = n;
	if (d->len == YG_FRAME_HDR && n < len) {
		/* header complete: check it and take the body in the same call */
		size_t more;
		yg_err r2 = yg_frame_dec_feed(d, (const uint8_t *)data + n, len - n, &more);
		*used += more;
		return r2;
	}
	if (d->len >= YG_FRAME_HDR) {
		e = yg_frame_peek(d->buf, d->len, &f, &total, &why);
		if (e != YG_OK && e != YG_ENOTFOUND) {
			d->err = e;
			d->why = why;
			return e;
		}
	}
	return YG_OK;
}

yg_err yg_frame_dec_next(yg_frame_dec *d, yg_frame *out)
{
	if (d->err)
		return d->err;
	size_t total;
	const char *why = NULL;
	yg_err e = yg_frame_peek(d->buf + d->off, d->len, out, &total, &why);
	if (e == YG_OK) {
		d->off += total;
		d->len -= total;
		return YG_OK;
	}
	if (e != YG_ENOTFOUND) {
		d->err = e;
		d->why = why;
	}
	return e;
}

const char *yg_frame_dec_error(const yg_frame_dec *d)
{
	return d->why ? d->why : "";
}

yg_err yg_frame_begin(yg_buf *b, uint8_t type, size_t *start)
{
	uint8_t hdr[YG_FRAME_HDR] = {0, 0, 0, 0, type};
	*start = b->len;
	return yg_buf_append(b, hdr, sizeof(hdr));
}

yg_err yg_frame_put_u32(yg_buf *b, uint32_t v)
{
	uint8_t x[4];
	yg_tput_u32(x, v);
	return yg_buf_append(b, x, 4);
}

yg_err yg_frame_put_u64(yg_buf *b, uint64_t v)
{
	uint8_t x[8];
	yg_tput_u64(x, v);
	return yg_buf_append(b, x, 8);
}

yg_err yg_frame_end(yg_buf *b, size_t start)
{
	size_t len = b->len - start - 4u;
	if (len > YG_FRAME_MAX) {
		b->len = start;
		b->data[start] = '\0';
		return YG_ELIMIT;
	}
	yg_tput_u32((uint8_t *)b->data + start, (uint32_t)len);
	return YG_OK;
}

yg_err yg_frame_encode(yg_buf *b, uint8_t type, bool with_id, uint64_t id, const void *data,
                       size_t len)
{
	size_t start, old = b->len;
	yg_err e = yg_frame_begin(b, type, &start);
	if (!e && with_id)
		e = yg_frame_put_u64(b, id);
	if (!e && len)
		e = yg_buf_append(b, data, len);
	if (!e)
		return yg_frame_end(b, start);
	b->len = old;
	if (b->data)
		b->data[old] = '\0';
	return e;
}

yg_err yg_frame_put_record(yg_buf *b, const void *rec, size_t len)
{
	if (len > YG_FRAME_MAX)
		return YG_ELIMIT;
	size_t old = b->len;
	yg_err e = yg_frame_put_u32(b, (uint32_t)len);
	if (!e && len)
		e = yg_buf_append(b, rec, len);
	if (e) {
		b->len = old;
		if (b->data)
			b->data[old] = '\0';
	}
	return e;
}

size_t yg_frame_events_max_records(size_t len)
{
	return len < 12 ? 0 : (len - 12) / 4;
}

yg_err yg_frame_parse_events(const uint8_t *p, size_t len, uint64_t *first_seq, uint32_t *count,
                             yg_tbuf *recs, size_t max_recs)
{
	if (len < 12)
		return YG_EPARSE;
	uint64_t first = yg_tget_u64(p);
	uint32_t n = yg_tget_u32(p + 8);
	if (first == 0 || n > max_recs || n > yg_frame_events_max_records(len))
		return YG_EPARSE;
	if (n > 0 && first > UINT64_MAX - n) /* seq numbers must not wrap */
		return YG_EPARSE;
	size_t off = 12;
	for (uint32_t i = 0; i < n; i++) {
		if (len - off < 4)
			return YG_EPARSE;
		uint32_t rl = yg_tget_u32(p + off);
		off += 4;
		if (rl > len - off)
			return YG_EPARSE;
		recs[i].data = p + off;
		recs[i].len = rl;
		off += rl;
	}
	if (off != len)
		return YG_EPARSE;
	*first_seq = first;
	*count = n;
	return YG_OK;
}

yg_err yg_frame_parse_u64(const uint8_t *p, size_t len, uint64_t *v)
{
	if (len != 8)
		return YG_EPARSE;
	*v = yg_tget_u64(p);
	return YG_OK;
}

yg_err yg_frame_parse_id_text(const uint8_t *p, size_t len, uint64_t *id, const uint8_t **text,
                              size_t *text_len)
{
	if (len < 8)
		return YG_EPARSE;
	*id = yg_tget_u64(p);
	*text = p + 8;
	*text_len = len - 8;
	return YG_OK;
}
