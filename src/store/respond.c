/* respond.c (store): the responses' cursor and delivered keys
 * (store/respond.h). */
#include "store/respond.h"

#include "store/db_sql.h"

static const yg_db_step schema[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS respond_cursor(k INTEGER PRIMARY KEY CHECK (k = 1),"
         " seq INTEGER NOT NULL);"
         "CREATE TABLE IF NOT EXISTS ar_seen(key TEXT PRIMARY KEY, time INTEGER NOT NULL);",
         NULL},
};

yg_err yg_rstate_open(yg_db *db)
{
	return yg_db_migrate(db, "respond", schema, sizeof(schema) / sizeof(schema[0]));
}

/* A one-integer query: *found tells whether a row came. */
static yg_err one_int(yg_db *db, const char *sql, uint64_t *v, bool *found)
{
	sqlite3_stmt *st = yg_db_stmt(db, sql);
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found)
		*v = (uint64_t)sqlite3_column_int64(st, 0);
	yg_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : yg_db_fail(db, "read");
	sqlite3_reset(st);
	return err;
}

yg_err yg_rstate_cursor_get(yg_db *db, uint64_t *seq, bool *found)
{
	return one_int(db, "SELECT seq FROM respond_cursor WHERE k = 1", seq, found);
}

yg_err yg_rstate_cursor_set(yg_db *db, uint64_t seq)
{
	sqlite3_stmt *st =
	        yg_db_stmt(db, "INSERT OR REPLACE INTO respond_cursor(k, seq) VALUES (1, ?1)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)seq);
	return yg_db_done(db, st, "save the responses' cursor");
}

yg_err yg_rstate_last_alert(yg_db *db, uint64_t *seq)
{
	/* the alert store's table, read only here (store/alerts owns it) */
	bool found = false;
	*seq = 0;
	return one_int(db, "SELECT coalesce(max(seq), 0) FROM alerts", seq, &found);
}

yg_err yg_rstate_seen(yg_db *db, const char *key, bool *found)
{
	sqlite3_stmt *st = yg_db_stmt(db, "SELECT 1 FROM ar_seen WHERE key = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	yg_err err = rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : yg_db_fail(db, "read ar_seen");
	sqlite3_reset(st);
	return err;
}

yg_err yg_rstate_mark_seen(yg_db *db, const char *key, time_t now)
{
	sqlite3_stmt *st =
	        yg_db_stmt(db, "INSERT OR IGNORE INTO ar_seen(key, time) VALUES (?1, ?2)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)now);
	return yg_db_done(db, st, "record a delivered response");
}
