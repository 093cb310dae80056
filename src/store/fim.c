/* fim.c (store): the FIM baseline (store/fim.h). */
#include "store/fim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

#define PATH_MAX_ROW 4096 /* FIM_PATH_MAX: longer paths are never stored */

static const yg_db_step schema[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS fim_meta(key TEXT PRIMARY KEY, value INTEGER);"
         "CREATE TABLE IF NOT EXISTS fim_file("
         " path TEXT PRIMARY KEY, checks INTEGER, size INTEGER, size_raw INTEGER,"
         " perm TEXT, mode INTEGER, uid INTEGER, gid INTEGER, uname TEXT, gname TEXT,"
         " md5 TEXT, sha1 TEXT, sha256 TEXT, mtime INTEGER, inode INTEGER, dev INTEGER,"
         " ctime_ns INTEGER, mtime_ns INTEGER, gen INTEGER) WITHOUT ROWID;",
         NULL},
};

#define COLS                                                                                       \
	"path, checks, size, size_raw, perm, mode, uid, gid, uname, gname, md5, sha1, sha256, "    \
	"mtime, inode, dev, ctime_ns, mtime_ns, gen"

struct yg_fimdb {
	yg_db *h;
	yg_db_txn *txn;
};

yg_err yg_fimdb_open(const char *path, yg_fimdb **out, char *err, size_t errlen)
{
	*out = NULL;
	yg_fimdb *db = calloc(1, sizeof(*db));
	if (!db)
		return YG_ENOMEM;
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	cfg.sync = YG_DB_SYNC_NORMAL;
	yg_err e = yg_db_open(&cfg, NULL, &db->h);
	if (!e)
		e = yg_db_migrate(db->h, "fim", schema, sizeof(schema) / sizeof(schema[0]));
	if (e) {
		snprintf(err, errlen, "%s", db->h ? yg_db_errmsg(db->h) : "out of memory");
		yg_fimdb_close(db);
		return e == YG_ENOMEM ? e : YG_EIO;
	}
	*out = db;
	return YG_OK;
}

void yg_fimdb_close(yg_fimdb *db)
{
	if (!db)
		return;
	yg_fimdb_commit(db);
	yg_db_close(db->h);
	free(db);
}

const char *yg_fimdb_errmsg(const yg_fimdb *db)
{
	return yg_db_errmsg(db->h);
}

bool yg_fimdb_begin(yg_fimdb *db)
{
	if (!db->txn && yg_db_begin(db->h, &db->txn))
		db->txn = NULL;
	return db->txn != NULL;
}

void yg_fimdb_commit(yg_fimdb *db)
{
	if (db->txn) {
		(void)yg_db_end(db->txn, YG_OK);
		db->txn = NULL;
	}
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src ? (const char *)src : "");
}

/* Reads a row (columns in COLS order, from column `c0`) into s. */
static void row_to_state(sqlite3_stmt *st, int c0, yg_fimdb_state *s)
{
	memset(s, 0, sizeof(*s));
	s->a.checks = (unsigned)sqlite3_column_int64(st, c0 + 1);
	s->a.size = (uint64_t)sqlite3_column_int64(st, c0 + 2);
	s->size_raw = (uint64_t)sqlite3_column_int64(st, c0 + 3);
	copy_text(s->a.perm, sizeof(s->a.perm), sqlite3_column_text(st, c0 + 4));
	s->mode = (unsigned)sqlite3_column_int64(st, c0 + 5);
	s->a.perm_octal = s->a.perm[0] ? s->mode & 07777 : 0;
	s->a.uid = (unsigned)sqlite3_column_int64(st, c0 + 6);
	s->a.gid = (unsigned)sqlite3_column_int64(st, c0 + 7);
	copy_text(s->uname, sizeof(s->uname), sqlite3_column_text(st, c0 + 8));
	copy_text(s->gname, sizeof(s->gname), sqlite3_column_text(st, c0 + 9));
	copy_text(s->a.md5, sizeof(s->a.md5), sqlite3_column_text(st, c0 + 10));
	copy_text(s->a.sha1, sizeof(s->a.sha1), sqlite3_column_text(st, c0 + 11));
	copy_text(s->a.sha256, sizeof(s->a.sha256), sqlite3_column_text(st, c0 + 12));
	s->a.mtime = sqlite3_column_int64(st, c0 + 13);
	s->a.inode = (uint64_t)sqlite3_column_int64(st, c0 + 14);
	s->dev = (uint64_t)sqlite3_column_int64(st, c0 + 15);
	s->ctime_ns = sqlite3_column_int64(st, c0 + 16);
	s->mtime_ns = sqlite3_column_int64(st, c0 + 17);
}

bool yg_fimdb_get(yg_fimdb *db, const char *path, yg_fimdb_state *s)
{
	sqlite3_stmt *st = yg_db_stmt(db->h, "SELECT " COLS " FROM fim_file WHERE path=?");
	if (!st)
		return false;
	bool found = false;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		row_to_state(st, 0, s);
		found = true;
	}
	sqlite3_reset(st);
	return found;
}

yg_err yg_fimdb_put(yg_fimdb *db, const char *path, const yg_fimdb_state *s, int64_t gen)
{
	sqlite3_stmt *st = yg_db_stmt(db->h, "INSERT OR REPLACE INTO fim_file(" COLS
	                                     ") VALUES(?,?,?,?,?,?,?,?,?,?,?,"
	                                     "?,?,?,?,?,?,?,?)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->a.checks);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->a.size);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->size_raw);
	sqlite3_bind_text(st, 5, s->a.perm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, s->mode);
	sqlite3_bind_int64(st, 7, s->a.uid);
	sqlite3_bind_int64(st, 8, s->a.gid);
	sqlite3_bind_text(st, 9, s->uname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, s->gname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, s->a.md5, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, s->a.sha1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, s->a.sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, s->a.mtime);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)s->a.inode);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)s->dev);
	sqlite3_bind_int64(st, 17, s->ctime_ns);
	sqlite3_bind_int64(st, 18, s->mtime_ns);
	sqlite3_bind_int64(st, 19, gen);
	return yg_db_done(db->h, st, path);
}

void yg_fimdb_del(yg_fimdb *db, const char *path)
{
	sqlite3_stmt *st = yg_db_stmt(db->h, "DELETE FROM fim_file WHERE path=?");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	(void)yg_db_done(db->h, st, path);
}

/* The range of paths strictly under path/: [path "/", path "0") ('0'
 * follows '/'). */
static void tree_range(const char *path, char *lo, char *hi, size_t n)
{
	snprintf(lo, n, "%s/", path);
	snprintf(hi, n, "%s0", path);
}

void yg_fimdb_touch_tree(yg_fimdb *db, const char *path, int64_t gen)
{
	char lo[PATH_MAX_ROW + 2], hi[PATH_MAX_ROW + 2];
	tree_range(path, lo, hi, sizeof(lo));
	sqlite3_stmt *st =
	        yg_db_stmt(db->h, "UPDATE fim_file SET gen=? WHERE path=? OR (path>=? AND path<?)");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, gen);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hi, -1, SQLITE_STATIC);
	(void)yg_db_done(db->h, st, path);
}

uint64_t yg_fimdb_count(yg_fimdb *db)
{
	sqlite3_stmt *st = yg_db_stmt(db->h, "SELECT count(*) FROM fim_file");
	uint64_t n = 0;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return n;
}

static void each_row(sqlite3_stmt *st, yg_fimdb_row_fn fn, void *ctx)
{
	yg_fimdb_state s;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		if (!p)
			continue;
		row_to_state(st, 0, &s);
		if (!fn(ctx, p, &s))
			break;
	}
	sqlite3_reset(st);
}

void yg_fimdb_under(yg_fimdb *db, const char *path, yg_fimdb_row_fn fn, void *ctx)
{
	char lo[PATH_MAX_ROW + 2], hi[PATH_MAX_ROW + 2];
	tree_range(path, lo, hi, sizeof(lo));
	sqlite3_stmt *st = yg_db_stmt(db->h, "SELECT " COLS
	                                     " FROM fim_file WHERE path=? OR (path>=? AND path<?)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	each_row(st, fn, ctx);
}

void yg_fimdb_unseen(yg_fimdb *db, int64_t gen, yg_fimdb_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = yg_db_stmt(db->h, "SELECT " COLS " FROM fim_file WHERE gen<>?");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, gen);
	each_row(st, fn, ctx);
}

int64_t yg_fimdb_meta_get(yg_fimdb *db, const char *key)
{
	sqlite3_stmt *st = yg_db_stmt(db->h, "SELECT value FROM fim_meta WHERE key=?");
	int64_t v = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

void yg_fimdb_meta_set(yg_fimdb *db, const char *key, int64_t v)
{
	sqlite3_stmt *st =
	        yg_db_stmt(db->h, "INSERT OR REPLACE INTO fim_meta(key, value) VALUES(?, ?)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	(void)yg_db_done(db->h, st, key);
}
