/* lc_store.c: read positions as a blob (the SQLite tables are in
 * store/positions.c). */
#include <stdlib.h>
#include <string.h>

#include "logcollector/lc_store.h"

/* ---- positions as a blob ----
 *
 * The same rows as the tables, for a consumer that stores them itself (the
 * agent puts them in its spool, in the same fsync as the events they cover).
 * Little-endian, nothing implicit:
 *
 *   "YGLCPOS" u8 version u32 count
 *   count x { u16 path_len (1..4095) path (no NUL byte)
 *             u64 dev u64 ino u32 hlen (<= 512) u64 hash
 *             u64 off (< 2^63) u8 flags (bit 0: skip; others 0) }
 *   version 2 only: u32 ncursors (>= 1)
 *   ncursors x { u16 source_len (1..4095) source (no NUL)
 *                u16 cursor_len (1..4095) cursor (no NUL) }
 *
 * and nothing after that. Version 1 has no journal cursors, version 2 at
 * least one, so each content has exactly one spelling (and a collector
 * without journals writes what older agents wrote). Integrity is the
 * carrier's business (the spool's frames have a CRC); the decoder only makes
 * sure that whatever it is given is either exactly this or refused. */

#define POS_MAGIC "YGLCPOS"
#define POS_V1 1u
#define POS_V2 2u
#define POS_HDR 12u                               /* magic, version, count */
#define POS_ROW_FIXED (2 + 8 + 8 + 4 + 8 + 8 + 1) /* a row without its path */
#define POS_PATH_MAX 4095u
#define POS_MAX_ROWS 1000000u
#define POS_CUR_MIN 6u /* a cursor record of one-byte strings */

static void le_put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le_get(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static yg_err put_str16(yg_buf *out, const char *s)
{
	size_t l = strlen(s);
	if (l == 0 || l > LC_CURSOR_MAX)
		return YG_EINVAL;
	unsigned char h[2];
	le_put(h, l, 2);
	yg_err err = yg_buf_append(out, h, 2);
	return err ? err : yg_buf_append(out, s, l);
}

static yg_err encode_row(const lc_pos *r, yg_buf *out)
{
	size_t pl = strlen(r->path);
	if (pl == 0 || pl > POS_PATH_MAX || r->hlen > LC_HEAD_BYTES || r->off > INT64_MAX)
		return YG_EINVAL; /* not a row the collector makes */
	unsigned char f[POS_ROW_FIXED];
	le_put(f, pl, 2);
	unsigned char *q = f + 2;
	le_put(q, r->dev, 8);
	le_put(q + 8, r->ino, 8);
	le_put(q + 16, r->hlen, 4);
	le_put(q + 20, r->hash, 8);
	le_put(q + 28, r->off, 8);
	q[36] = r->skip ? 1 : 0;
	yg_err err = yg_buf_append(out, f, 2);
	if (!err)
		err = yg_buf_append(out, r->path, pl);
	if (!err)
		err = yg_buf_append(out, q, sizeof(f) - 2);
	return err;
}

yg_err lc_pos_encode(const lc_posset *set, yg_buf *out)
{
	if (set->n > POS_MAX_ROWS || set->ncur > POS_MAX_ROWS)
		return YG_ELIMIT;
	unsigned char h[POS_HDR];
	memcpy(h, POS_MAGIC, 7);
	h[7] = set->ncur ? POS_V2 : POS_V1;
	le_put(h + 8, set->n, 4);
	yg_err err = yg_buf_append(out, h, sizeof(h));
	for (size_t i = 0; i < set->n && !err; i++)
		err = encode_row(&set->rows[i], out);
	if (err || !set->ncur)
		return err;
	unsigned char c[4];
	le_put(c, set->ncur, 4);
	err = yg_buf_append(out, c, 4);
	for (size_t i = 0; i < set->ncur && !err; i++) {
		err = put_str16(out, set->cur[i].source);
		if (!err)
			err = put_str16(out, set->cur[i].cursor);
	}
	return err;
}

/* Decodes one row at b + *pos into r. */
static yg_err decode_row(const unsigned char *b, size_t len, size_t *pos, lc_pos *r)
{
	if (len - *pos < 2)
		return YG_EPARSE;
	size_t pl = (size_t)le_get(b + *pos, 2);
	if (pl == 0 || pl > POS_PATH_MAX || len - *pos < POS_ROW_FIXED + pl ||
	    memchr(b + *pos + 2, '\0', pl) != NULL)
		return YG_EPARSE;
	const unsigned char *q = b + *pos + 2 + pl;
	r->dev = le_get(q, 8);
	r->ino = le_get(q + 8, 8);
	uint64_t hlen = le_get(q + 16, 4);
	r->hash = le_get(q + 20, 8);
	r->off = le_get(q + 28, 8);
	unsigned flags = q[36];
	if (hlen > LC_HEAD_BYTES || r->off > INT64_MAX || (flags & ~1u) != 0)
		return YG_EPARSE;
	r->hlen = (uint32_t)hlen;
	r->skip = flags & 1u;
	r->used = false;
	r->path = malloc(pl + 1);
	if (!r->path)
		return YG_ENOMEM;
	memcpy(r->path, b + *pos + 2, pl);
	r->path[pl] = '\0';
	*pos += POS_ROW_FIXED + pl;
	return YG_OK;
}

/* A u16-counted string (1..LC_CURSOR_MAX bytes, no NUL) into *out. */
static yg_err get_str16(const unsigned char *b, size_t len, size_t *pos, char **out)
{
	if (len - *pos < 2)
		return YG_EPARSE;
	size_t l = (size_t)le_get(b + *pos, 2);
	if (l == 0 || l > LC_CURSOR_MAX || len - *pos - 2 < l || memchr(b + *pos + 2, '\0', l))
		return YG_EPARSE;
	if (!(*out = malloc(l + 1)))
		return YG_ENOMEM;
	memcpy(*out, b + *pos + 2, l);
	(*out)[l] = '\0';
	*pos += 2 + l;
	return YG_OK;
}

static yg_err decode_cursors(const unsigned char *b, size_t len, size_t *pos, lc_posset *set)
{
	if (len - *pos < 4)
		return YG_EPARSE;
	uint64_t n = le_get(b + *pos, 4);
	*pos += 4;
	/* at least one (else it is version 1), and bounded by the bytes left
	 * before anything is allocated */
	if (n == 0 || n > POS_MAX_ROWS || n > (len - *pos) / POS_CUR_MIN)
		return YG_EPARSE;
	if (!(set->cur = calloc((size_t)n, sizeof(*set->cur))))
		return YG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		lc_cursor *c = &set->cur[i];
		set->ncur = i + 1; /* what lc_posset_free must see */
		yg_err err = get_str16(b, len, pos, &c->source);
		if (!err)
			err = get_str16(b, len, pos, &c->cursor);
		if (err)
			return err;
	}
	return YG_OK;
}

yg_err lc_pos_decode(const void *blob, size_t len, lc_posset *out)
{
	memset(out, 0, sizeof(*out));
	const unsigned char *b = blob;
	if (!b || len < POS_HDR || memcmp(b, POS_MAGIC, 7) != 0 ||
	    (b[7] != POS_V1 && b[7] != POS_V2))
		return YG_EPARSE;
	uint64_t count = le_get(b + 8, 4);
	/* every row takes at least POS_ROW_FIXED + 1 bytes: bounds the
	 * allocation by the input's size before anything is allocated */
	if (count > POS_MAX_ROWS || count > (len - POS_HDR) / (POS_ROW_FIXED + 1))
		return YG_EPARSE;
	out->rows = calloc(count ? (size_t)count : 1, sizeof(*out->rows));
	if (!out->rows)
		return YG_ENOMEM;
	size_t pos = POS_HDR;
	yg_err err = YG_OK;
	while (!err && out->n < count) {
		err = decode_row(b, len, &pos, &out->rows[out->n]);
		if (!err)
			out->n++;
	}
	if (!err && b[7] == POS_V2)
		err = decode_cursors(b, len, &pos, out);
	if (!err && pos != len)
		err = YG_EPARSE; /* trailing bytes */
	if (err)
		lc_posset_free(out);
	return err;
}
