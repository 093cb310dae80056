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
