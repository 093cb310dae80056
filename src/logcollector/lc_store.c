/* lc_store.c: read positions in SQLite.
 *
 * One row per followed file: the location name it is reported under, the
 * file's identity (device, inode, and a hash of its first bytes so a reused
 * inode is not mistaken for the old file), the accepted offset and whether an
 * over-long line is being skipped. A second table keeps one journald cursor
 * per journal read (lc_cursors). Both are rewritten as a whole on each
 * commit, so they always describe exactly the sources being followed. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "logcollector/lc_store.h"

static const char schema[] = "CREATE TABLE IF NOT EXISTS lc_positions("
                             " path TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
                             " hlen INTEGER NOT NULL, hash INTEGER NOT NULL, off INTEGER NOT NULL,"
                             " skip INTEGER NOT NULL, PRIMARY KEY(path, dev, ino));"
                             "CREATE TABLE IF NOT EXISTS lc_cursors("
                             " source TEXT PRIMARY KEY, cursor TEXT NOT NULL)";

yg_err lc_store_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return YG_EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	/* WAL so readers of the same state database are not blocked; FULL so a
	 * committed position survives a power loss, not just a crash. */
	const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
	char *msg = NULL;
	if (sqlite3_exec(db, setup, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return YG_EIO;
	}
	*out = db;
	return YG_OK;
}

void lc_store_close(sqlite3 *db)
{
	sqlite3_close(db);
}

static yg_err load_rows(sqlite3 *db, lc_pos **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT path, dev, ino, hlen, hash, off, skip FROM lc_positions",
	                       -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	lc_pos *arr = NULL;
	size_t cnt = 0, cap = 0;
	yg_err err = YG_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			lc_pos *na = realloc(arr, nc * sizeof(*na));
			if (!na) {
				err = YG_ENOMEM;
				break;
			}
			arr = na;
			cap = nc;
		}
		const unsigned char *p = sqlite3_column_text(st, 0);
		lc_pos *r = &arr[cnt];
		r->path = strdup(p ? (const char *)p : "");
		if (!r->path) {
			err = YG_ENOMEM;
			break;
		}
		r->dev = (uint64_t)sqlite3_column_int64(st, 1);
		r->ino = (uint64_t)sqlite3_column_int64(st, 2);
		r->hlen = (uint32_t)sqlite3_column_int64(st, 3);
		r->hash = (uint64_t)sqlite3_column_int64(st, 4);
		r->off = (uint64_t)sqlite3_column_int64(st, 5);
		r->skip = sqlite3_column_int(st, 6) != 0;
		r->used = false;
		cnt++;
	}
	if (!err && rc != SQLITE_DONE)
		err = YG_EIO;
	sqlite3_finalize(st);
	if (err) {
		lc_store_free(arr, cnt);
		return err;
	}
	*out = arr;
	*n = cnt;
	return YG_OK;
}

static yg_err load_cursors(sqlite3 *db, lc_posset *set)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT source, cursor FROM lc_cursors", -1, &st, NULL) !=
	    SQLITE_OK)
		return YG_EIO;
	yg_err err = YG_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lc_cursor *nc = realloc(set->cur, (set->ncur + 1) * sizeof(*nc));
		if (!nc) {
			err = YG_ENOMEM;
			break;
		}
		set->cur = nc;
		const unsigned char *a = sqlite3_column_text(st, 0),
		                    *b = sqlite3_column_text(st, 1);
		lc_cursor *c = &nc[set->ncur];
		c->source = strdup(a ? (const char *)a : "");
		c->cursor = strdup(b ? (const char *)b : "");
		set->ncur++;
		if (!c->source || !c->cursor) {
			err = YG_ENOMEM;
			break;
		}
	}
	if (!err && rc != SQLITE_DONE)
		err = YG_EIO;
	sqlite3_finalize(st);
	return err;
}

yg_err lc_store_load(sqlite3 *db, lc_posset *out)
{
	memset(out, 0, sizeof(*out));
	yg_err err = load_rows(db, &out->rows, &out->n);
	if (!err)
		err = load_cursors(db, out);
	if (err)
		lc_posset_free(out);
	return err;
}

void lc_posset_free(lc_posset *s)
{
	if (!s)
		return;
	lc_store_free(s->rows, s->n);
	for (size_t i = 0; i < s->ncur; i++) {
		free(s->cur[i].source);
		free(s->cur[i].cursor);
	}
	free(s->cur);
	memset(s, 0, sizeof(*s));
}

void lc_store_free(lc_pos *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(arr[i].path);
	free(arr);
}

static yg_err write_cursors(sqlite3 *db, const lc_posset *set)
{
	if (sqlite3_exec(db, "DELETE FROM lc_cursors", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO lc_cursors(source, cursor) VALUES(?,?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err err = YG_OK;
	for (size_t i = 0; i < set->ncur && !err; i++) {
		sqlite3_bind_text(st, 1, set->cur[i].source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, set->cur[i].cursor, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			err = YG_EIO;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err;
}

yg_err lc_store_write(sqlite3 *db, const lc_posset *set)
{
	const lc_pos *rows = set->rows;
	size_t n = set->n;
	if (sqlite3_exec(db, "DELETE FROM lc_positions", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO lc_positions"
	                       "(path, dev, ino, hlen, hash, off, skip) VALUES(?,?,?,?,?,?,?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err err = YG_OK;
	for (size_t i = 0; i < n && !err; i++) {
		sqlite3_bind_text(st, 1, rows[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)rows[i].dev);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)rows[i].ino);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)rows[i].hlen);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)rows[i].hash);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)rows[i].off);
		sqlite3_bind_int(st, 7, rows[i].skip ? 1 : 0);
		if (sqlite3_step(st) != SQLITE_DONE)
			err = YG_EIO;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err ? err : write_cursors(db, set);
}

yg_err lc_store_commit(sqlite3 *db, const lc_posset *set)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err err = lc_store_write(db, set);
	if (err || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return YG_EIO;
	}
	return YG_OK;
}

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
