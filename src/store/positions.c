/* positions.c: the log collector's read positions in SQLite
 * (store/positions.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/positions.h"

static const yg_db_step schema[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS lc_positions("
         " path TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
         " hlen INTEGER NOT NULL, hash INTEGER NOT NULL, off INTEGER NOT NULL,"
         " skip INTEGER NOT NULL, PRIMARY KEY(path, dev, ino));"
         "CREATE TABLE IF NOT EXISTS lc_cursors("
         " source TEXT PRIMARY KEY, cursor TEXT NOT NULL)",
         NULL},
};

yg_err lc_store_open(const char *path, yg_db **out, char *err, size_t errlen)
{
	*out = NULL;
	/* WAL so readers of the same state database are not blocked; FULL so a
	 * committed position survives a power loss, not just a crash. */
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	yg_db *db = NULL;
	yg_err e = yg_db_open(&cfg, NULL, &db);
	if (!e)
		e = yg_db_migrate(db, "lc_positions", schema, sizeof(schema) / sizeof(schema[0]));
	if (e) {
		snprintf(err, errlen, "%s", db ? yg_db_errmsg(db) : "out of memory");
		yg_db_close(db);
		return e == YG_ENOMEM ? e : YG_EIO;
	}
	*out = db;
	return YG_OK;
}

void lc_store_close(yg_db *db)
{
	yg_db_close(db);
}

static yg_err load_rows(yg_db *db, lc_pos **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st =
	        yg_db_stmt(db, "SELECT path, dev, ino, hlen, hash, off, skip FROM lc_positions");
	if (!st)
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
		lc_pos *r = &arr[cnt];
		r->path = strdup(yg_db_text(st, 0));
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
		err = yg_db_fail(db, "read positions");
	sqlite3_reset(st);
	if (err) {
		lc_store_free(arr, cnt);
		return err;
	}
	*out = arr;
	*n = cnt;
	return YG_OK;
}

static yg_err load_cursors(yg_db *db, lc_posset *set)
{
	sqlite3_stmt *st = yg_db_stmt(db, "SELECT source, cursor FROM lc_cursors");
	if (!st)
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
		lc_cursor *c = &nc[set->ncur];
		c->source = strdup(yg_db_text(st, 0));
		c->cursor = strdup(yg_db_text(st, 1));
		set->ncur++;
		if (!c->source || !c->cursor) {
			err = YG_ENOMEM;
			break;
		}
	}
	if (!err && rc != SQLITE_DONE)
		err = yg_db_fail(db, "read journal cursors");
	sqlite3_reset(st);
	return err;
}

yg_err lc_store_load(yg_db *db, lc_posset *out)
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

static yg_err write_cursors(yg_db *db, const lc_posset *set)
{
	sqlite3_stmt *st = yg_db_stmt(db, "DELETE FROM lc_cursors");
	yg_err err = st ? yg_db_done(db, st, "clear journal cursors") : YG_EIO;
	if (err)
		return err;
	st = yg_db_stmt(db, "INSERT OR REPLACE INTO lc_cursors(source, cursor) VALUES(?,?)");
	if (!st)
		return YG_EIO;
	for (size_t i = 0; i < set->ncur && !err; i++) {
		sqlite3_bind_text(st, 1, set->cur[i].source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, set->cur[i].cursor, -1, SQLITE_STATIC);
		err = yg_db_done(db, st, "write journal cursor");
	}
	return err;
}

yg_err lc_store_write(yg_db_txn *txn, const lc_posset *set)
{
	if (!txn)
		return YG_EINVAL;
	yg_db *db = yg_db_txn_db(txn);
	sqlite3_stmt *st = yg_db_stmt(db, "DELETE FROM lc_positions");
	yg_err err = st ? yg_db_done(db, st, "clear positions") : YG_EIO;
	if (err)
		return err;
	st = yg_db_stmt(db, "INSERT OR REPLACE INTO lc_positions"
	                    "(path, dev, ino, hlen, hash, off, skip) VALUES(?,?,?,?,?,?,?)");
	if (!st)
		return YG_EIO;
	const lc_pos *rows = set->rows;
	for (size_t i = 0; i < set->n && !err; i++) {
		sqlite3_bind_text(st, 1, rows[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)rows[i].dev);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)rows[i].ino);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)rows[i].hlen);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)rows[i].hash);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)rows[i].off);
		sqlite3_bind_int(st, 7, rows[i].skip ? 1 : 0);
		err = yg_db_done(db, st, "write position");
	}
	return err ? err : write_cursors(db, set);
}

yg_err lc_store_commit(yg_db *db, const lc_posset *set)
{
	yg_db_txn *txn = NULL;
	yg_err err = yg_db_begin(db, &txn);
	if (err)
		return YG_EIO;
	err = yg_db_end(txn, lc_store_write(txn, set));
	return err ? YG_EIO : YG_OK;
}
