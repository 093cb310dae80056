/* salvage.c: see salvage.h. Only generic SQL (the schema and rows
 * of whatever tables the damaged file has): each store keeps its own. */
#include "store/salvage.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* rowids probed one by one at most (a few seconds of work) */
#define SALVAGE_MAX_ROWID 50000000LL

yg_db_state yg_db_check(const char *path, char *why, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return YG_DB_ABSENT;
	fclose(f);
	if (why && n)
		why[0] = '\0';
	sqlite3 *db = NULL;
	yg_db_state st = YG_DB_DAMAGED;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW) {
			const char *r = (const char *)sqlite3_column_text(q, 0);
			if (r && !strcmp(r, "ok"))
				st = YG_DB_OK;
			else if (why && r)
				snprintf(why, n, "%s", r);
		}
		if (st != YG_DB_OK && why && n && !why[0])
			snprintf(why, n, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return st;
}

/* Renames path and its -wal/-shm to "<path>.corrupt-<time>". */
static bool set_aside(const char *path, char *aside, size_t n)
{
	char stamp[32], to[4096 + 64], from[4096 + 8];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if ((size_t)snprintf(to, sizeof(to), "%s.corrupt-%s", path, stamp) >= sizeof(to))
		return false;
	if (rename(path, to) != 0)
		return false;
	if (aside)
		snprintf(aside, n, "%s", to);
	static const char *const side[] = {"-wal", "-shm"};
	for (size_t i = 0; i < 2; i++) {
		char sto[sizeof(to) + 8];
		snprintf(from, sizeof(from), "%s%s", path, side[i]);
		snprintf(sto, sizeof(sto), "%s%s", to, side[i]);
		rename(from, sto); /* absent is fine */
	}
	return true;
}

/* The table's stored columns, quoted and comma-joined (sqlite3_free it):
 * generated columns are left out, they cannot be inserted. NULL if none. */
static char *stored_columns(sqlite3 *db, const char *table)
{
	sqlite3_stmt *q = NULL;
	char *cols = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT name FROM pragma_table_xinfo(?1, 'old') WHERE hidden = 0",
	                       -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		char *n = sqlite3_mprintf("%s%s\"%w\"", cols ? cols : "", cols ? "," : "",
		                          (const char *)sqlite3_column_text(q, 0));
		sqlite3_free(cols);
		if (!(cols = n))
			break;
	}
	sqlite3_finalize(q);
	return cols;
}

/* Copies one table's readable rows; the count, or -1 when nothing could. */
static long long copy_table(sqlite3 *db, const char *table, bool *whole)
{
	char *cols = stored_columns(db, table);
	if (!cols)
		return -1;
	char *sql = sqlite3_mprintf("INSERT OR IGNORE INTO main.\"%w\"(%s) SELECT %s FROM "
	                            "old.\"%w\"",
	                            table, cols, cols, table);
	if (!sql) {
		sqlite3_free(cols);
		return -1;
	}
	/* a transaction per attempt: after a read of a broken page the
	 * connection's reads fail until its transaction ends */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_exec(db, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	sqlite3_free(sql);
	*whole = rc == SQLITE_OK;
	if (rc == SQLITE_OK) {
		sqlite3_free(cols);
		return sqlite3_changes64(db);
	}
	/* A broken page: probe every rowid up to the largest (found along the
	 * tree's right edge, which may well be intact); each probe descends the
	 * tree alone, so only the rows behind the broken page are lost. */
	long long rows = 0, max = 0;
	sqlite3_stmt *q = NULL, *ins = NULL;
	sql = sqlite3_mprintf("SELECT max(rowid) FROM old.\"%w\"", table);
	if (sql && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		max = sqlite3_column_int64(q, 0);
	sqlite3_free(sql);
	sql = sqlite3_mprintf("INSERT OR IGNORE INTO main.\"%w\"(%s) SELECT %s FROM "
	                      "old.\"%w\" WHERE rowid = ?",
	                      table, cols, cols, table);
	sqlite3_free(cols);
	if (max > 0 && max <= SALVAGE_MAX_ROWID && sql &&
	    sqlite3_prepare_v2(db, sql, -1, &ins, NULL) == SQLITE_OK)
		for (long long id = 1; id <= max; id++) {
			sqlite3_bind_int64(ins, 1, id);
			if (sqlite3_step(ins) == SQLITE_DONE) /* autocommit: one row each */
				rows += sqlite3_changes(db) > 0;
			sqlite3_reset(ins);
		}
	sqlite3_finalize(ins);
	sqlite3_finalize(q);
	sqlite3_free(sql);
	return rows;
}

/* A virtual table (full-text index) or one of its shadow tables: the
 * triggers that fill it from its content table run as that is copied, so
 * copying it too would index every row twice. */
static bool is_virtual(sqlite3 *db, const char *table)
{
	sqlite3_stmt *q = NULL;
	bool v = false;
	if (sqlite3_prepare_v2(
	            db,
	            "SELECT 1 FROM old.sqlite_master WHERE type = 'table' AND sql LIKE "
	            "'CREATE VIRTUAL%' AND (name = ?1 OR substr(?1, 1, length(name) + 1) "
	            "= name || '_')",
	            -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
		v = sqlite3_step(q) == SQLITE_ROW;
	}
	sqlite3_finalize(q);
	return v;
}

yg_err yg_db_salvage(const char *path, char *aside, size_t n, yg_db_salvage_fn each, void *ctx)
{
	char old[4096 + 64];
	if (!set_aside(path, old, sizeof(old)))
		return YG_EIO;
	if (aside)
		snprintf(aside, n, "%s", old);
	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return YG_EIO;
	}
	char *sql = sqlite3_mprintf("ATTACH DATABASE %Q AS old", old);
	bool attached = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_free(sql);
	sqlite3_stmt *q = NULL;
	/* the schema first (tables, then indexes), so constraints come back */
	if (attached &&
	    sqlite3_prepare_v2(db,
	                       "SELECT type, name, sql FROM old.sqlite_master WHERE sql NOT NULL "
	                       "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC",
	                       -1, &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW)
			sqlite3_exec(db, (const char *)sqlite3_column_text(q, 2), NULL, NULL, NULL);
		sqlite3_reset(q);
		/* a lost salvage is simply run again: no need to sync each row */
		sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(q, 1);
			if (strcmp((const char *)sqlite3_column_text(q, 0), "table") ||
			    is_virtual(db, t))
				continue;
			bool whole = false;
			long long rows = copy_table(db, t, &whole);
			if (each)
				each(ctx, t, rows < 0 ? 0 : rows, whole);
		}
	}
	sqlite3_finalize(q);
	sqlite3_exec(db, "DETACH DATABASE old", NULL, NULL, NULL);
	sqlite3_close(db);
	return YG_OK;
}
