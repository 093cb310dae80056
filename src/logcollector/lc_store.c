/* lc_store.c: read positions in SQLite.
 *
 * One row per followed file: the location name it is reported under, the
 * file's identity (device, inode, and a hash of its first bytes so a reused
 * inode is not mistaken for the old file), the accepted offset and whether an
 * over-long line is being skipped. The table is rewritten as a whole on each
 * commit, so it always describes exactly the files being followed. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "logcollector/lc_store.h"

static const char schema[] = "CREATE TABLE IF NOT EXISTS lc_positions("
                             " path TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
                             " hlen INTEGER NOT NULL, hash INTEGER NOT NULL, off INTEGER NOT NULL,"
                             " skip INTEGER NOT NULL, PRIMARY KEY(path, dev, ino))";

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

yg_err lc_store_load(sqlite3 *db, lc_pos **out, size_t *n)
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

void lc_store_free(lc_pos *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(arr[i].path);
	free(arr);
}

yg_err lc_store_write(sqlite3 *db, const lc_pos *rows, size_t n)
{
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
	return err;
}

yg_err lc_store_commit(sqlite3 *db, const lc_pos *rows, size_t n)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err err = lc_store_write(db, rows, n);
	if (err || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return YG_EIO;
	}
	return YG_OK;
}

/* ---- positions as a blob ----
 *
 * The same rows as the table, for a consumer that stores them itself (the
 * agent puts them in its spool, in the same fsync as the events they cover).
 * Version 1, little-endian, nothing implicit:
 *
 *   "YGLCPOS" u8 version(1) u32 count
 *   count x { u16 path_len (1..4095) path (no NUL byte)
 *             u64 dev u64 ino u32 hlen (<= 512) u64 hash
 *             u64 off (< 2^63) u8 flags (bit 0: skip; others 0) }
 *
 * and nothing after the last row. Integrity is the carrier's business (the
 * spool's frames have a CRC); the decoder only makes sure that whatever it
 * is given is either exactly this or refused. */

#define POS_MAGIC "YGLCPOS"
#define POS_VERSION 1u
#define POS_HDR 12u                               /* magic, version, count */
#define POS_ROW_FIXED (2 + 8 + 8 + 4 + 8 + 8 + 1) /* a row without its path */
#define POS_PATH_MAX 4095u
#define POS_MAX_ROWS 1000000u

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

yg_err lc_pos_encode(const lc_pos *rows, size_t n, yg_buf *out)
{
	if (n > POS_MAX_ROWS)
		return YG_ELIMIT;
	unsigned char h[POS_HDR];
	memcpy(h, POS_MAGIC, 7);
	h[7] = POS_VERSION;
	le_put(h + 8, n, 4);
	yg_err err = yg_buf_append(out, h, sizeof(h));
	for (size_t i = 0; i < n && !err; i++) {
		const lc_pos *r = &rows[i];
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
		err = yg_buf_append(out, f, 2);
		if (!err)
			err = yg_buf_append(out, r->path, pl);
		if (!err)
			err = yg_buf_append(out, q, sizeof(f) - 2);
	}
	return err;
}

yg_err lc_pos_decode(const void *blob, size_t len, lc_pos **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const unsigned char *b = blob;
	if (!b || len < POS_HDR || memcmp(b, POS_MAGIC, 7) != 0 || b[7] != POS_VERSION)
		return YG_EPARSE;
	uint64_t count = le_get(b + 8, 4);
	/* every row takes at least POS_ROW_FIXED + 1 bytes: bounds the
	 * allocation by the input's size before anything is allocated */
	if (count > POS_MAX_ROWS || count > (len - POS_HDR) / (POS_ROW_FIXED + 1))
		return YG_EPARSE;
	lc_pos *rows = calloc(count ? (size_t)count : 1, sizeof(*rows));
	if (!rows)
		return YG_ENOMEM;
	size_t pos = POS_HDR, got = 0;
	yg_err err = YG_OK;
	while (got < count) {
		if (len - pos < 2) {
			err = YG_EPARSE;
			break;
		}
		size_t pl = (size_t)le_get(b + pos, 2);
		if (pl == 0 || pl > POS_PATH_MAX || len - pos < POS_ROW_FIXED + pl ||
		    memchr(b + pos + 2, '\0', pl) != NULL) {
			err = YG_EPARSE;
			break;
		}
		const unsigned char *q = b + pos + 2 + pl;
		lc_pos *r = &rows[got];
		r->dev = le_get(q, 8);
		r->ino = le_get(q + 8, 8);
		uint64_t hlen = le_get(q + 16, 4);
		r->hash = le_get(q + 20, 8);
		r->off = le_get(q + 28, 8);
		unsigned flags = q[36];
		if (hlen > LC_HEAD_BYTES || r->off > INT64_MAX || (flags & ~1u) != 0) {
			err = YG_EPARSE;
			break;
		}
		r->hlen = (uint32_t)hlen;
		r->skip = flags & 1u;
		r->path = malloc(pl + 1);
		if (!r->path) {
			err = YG_ENOMEM;
			break;
		}
		memcpy(r->path, b + pos + 2, pl);
		r->path[pl] = '\0';
		got++;
		pos += POS_ROW_FIXED + pl;
	}
	if (!err && pos != len)
		err = YG_EPARSE; /* trailing bytes */
	if (err) {
		lc_store_free(rows, got);
		return err;
	}
	*out = rows;
	*n = got;
	return YG_OK;
}
