/* bans.c (store): the ban ledger's rows (store/bans.h). Every SQL text is a
 * constant; values are always bound. */
#include "store/bans.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

static const yg_db_step schema[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS bans("
         " id INTEGER PRIMARY KEY,"
         " address TEXT NOT NULL,"
         " created INTEGER NOT NULL,"
         " updated INTEGER NOT NULL,"
         " expires INTEGER NOT NULL,"
         " lifted INTEGER,"
         " lifted_by TEXT,"
         " times INTEGER NOT NULL,"
         " source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),"
         " reason TEXT NOT NULL,"
         " rule_id TEXT NOT NULL,"
         " alert_id TEXT NOT NULL,"
         " agent_id TEXT NOT NULL);"
         "CREATE UNIQUE INDEX IF NOT EXISTS bans_active ON bans(address) WHERE lifted IS NULL;"
         "CREATE INDEX IF NOT EXISTS bans_expires ON bans(expires) WHERE lifted IS NULL;"
         "CREATE TABLE IF NOT EXISTS offences(address TEXT NOT NULL, at INTEGER NOT NULL);"
         "CREATE INDEX IF NOT EXISTS offences_addr ON offences(address, at);"
         "CREATE TABLE IF NOT EXISTS seen_alerts("
         " alert_id TEXT PRIMARY KEY, ban_id INTEGER NOT NULL, at INTEGER NOT NULL);",
         NULL},
};

#define BAN_COLS                                                                                   \
	"id, address, created, updated, expires, coalesce(lifted, 0), times, source, reason,"      \
	" rule_id, alert_id, agent_id, coalesce(lifted_by, '')"

struct yg_bans {
	yg_db *db;
	yg_db_txn *txn;
};

void yg_waf_ban_list_free(yg_waf_ban_list *list)
{
	if (!list)
		return;
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

yg_err yg_bans_open(const char *path, yg_bans **out)
{
	*out = NULL;
	yg_bans *b = calloc(1, sizeof(*b));
	if (!b)
		return YG_ENOMEM;
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	if (yg_db_open(&cfg, NULL, &b->db) ||
	    yg_db_migrate(b->db, "bans", schema, sizeof(schema) / sizeof(schema[0]))) {
		yg_bans_close(b);
		return YG_EIO;
	}
	*out = b;
	return YG_OK;
}

void yg_bans_close(yg_bans *b)
{
	if (!b)
		return;
	yg_db_close(b->db);
	free(b);
}

yg_err yg_bans_begin(yg_bans *b)
{
	return yg_db_begin(b->db, &b->txn) ? YG_EIO : YG_OK;
}

yg_err yg_bans_end(yg_bans *b, yg_err err)
{
	yg_db_txn *t = b->txn;
	b->txn = NULL;
	return yg_db_end(t, err);
}

/* Copies a column's text into dst (cap bytes), truncating. */
static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	size_t n = s ? (size_t)sqlite3_column_bytes(st, col) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Fills *b from a row selected with BAN_COLS. */
static void read_ban(sqlite3_stmt *st, yg_waf_ban *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(st, 0);
	copy_col(b->address, sizeof(b->address), st, 1);
	b->created = sqlite3_column_int64(st, 2);
	b->updated = sqlite3_column_int64(st, 3);
	b->expires = sqlite3_column_int64(st, 4);
	b->lifted = sqlite3_column_int64(st, 5);
	b->times = (unsigned)sqlite3_column_int64(st, 6);
	const unsigned char *src = sqlite3_column_text(st, 7);
	b->source = src && strcmp((const char *)src, "manual") == 0 ? YG_WAF_SOURCE_MANUAL
	                                                            : YG_WAF_SOURCE_AUTO;
	copy_col(b->reason, sizeof(b->reason), st, 8);
	copy_col(b->rule_id, sizeof(b->rule_id), st, 9);
	copy_col(b->alert_id, sizeof(b->alert_id), st, 10);
	copy_col(b->agent_id, sizeof(b->agent_id), st, 11);
	copy_col(b->lifted_by, sizeof(b->lifted_by), st, 12);
}

/* The cached statement for sql with the int64/text arguments described by
 * `fmt` ('i' = int64_t, 't' = const char *, NULL bound as ""). NULL on
 * failure. */
static sqlite3_stmt *prep(yg_bans *b, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = yg_db_stmt(b->db, sql);
	if (!st)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		int rc;
		if (fmt[i] == 'i') {
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else {
			const char *s = va_arg(ap, const char *);
			rc = sqlite3_bind_text(st, i + 1, s ? s : "", -1, SQLITE_TRANSIENT);
		}
		if (rc != SQLITE_OK) {
			va_end(ap);
			sqlite3_reset(st);
			return NULL;
		}
	}
	va_end(ap);
	return st;
}

/* Runs a statement that returns no rows. */
static yg_err run(yg_bans *b, sqlite3_stmt *st)
{
	if (!st)
		return YG_EIO;
	return yg_db_done(b->db, st, "ban ledger") ? YG_EIO : YG_OK;
}

/* Steps st collecting every row into *out. */
static yg_err collect(sqlite3_stmt *st, yg_waf_ban_list *out)
{
	yg_waf_ban_list r = {0};
	size_t cap = 0;
	int rc;
	if (!st)
		return YG_EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r.n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			yg_waf_ban *nv = realloc(r.v, ncap * sizeof(*nv));
			if (!nv) {
				sqlite3_reset(st);
				yg_waf_ban_list_free(&r);
				return YG_ENOMEM;
			}
			r.v = nv;
			cap = ncap;
		}
		read_ban(st, &r.v[r.n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		yg_waf_ban_list_free(&r);
		return YG_EIO;
	}
	*out = r;
	return YG_OK;
}

/* One ban row: YG_OK, YG_ENOTFOUND or YG_EIO. */
static yg_err one_ban(sqlite3_stmt *st, yg_waf_ban *out)
{
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out)
		read_ban(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? YG_OK : rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
}

yg_err yg_bans_seen(yg_bans *b, const char *alert_id, int64_t *ban_id)
{
	sqlite3_stmt *st =
	        prep(b, "SELECT ban_id FROM seen_alerts WHERE alert_id = ?1", "t", alert_id);
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ban_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? YG_OK : rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
}

yg_err yg_bans_seen_put(yg_bans *b, const char *alert_id, int64_t ban_id, int64_t now)
{
	return run(b, prep(b, "INSERT INTO seen_alerts(alert_id, ban_id, at) VALUES (?1, ?2, ?3)",
	                   "tii", alert_id, ban_id, now));
}

yg_err yg_bans_expire_stale(yg_bans *b, const char *addr, int64_t now)
{
	return run(b, prep(b,
	                   "UPDATE bans SET lifted = ?2, lifted_by = 'expired' WHERE address = ?1"
	                   " AND lifted IS NULL AND expires != 0 AND expires <= ?2",
	                   "ti", addr, now));
}

yg_err yg_bans_offence(yg_bans *b, const char *addr, int64_t now, int64_t window, int64_t *count)
{
	yg_err e = run(
	        b, prep(b, "INSERT INTO offences(address, at) VALUES (?1, ?2)", "ti", addr, now));
	if (e)
		return e;
	sqlite3_stmt *st = prep(b,
	                        "SELECT count(*) FROM offences WHERE address = ?1"
	                        " AND (?2 = 0 OR at > ?3)",
	                        "tii", addr, window, now - window);
	if (!st)
		return YG_EIO;
	e = sqlite3_step(st) == SQLITE_ROW ? YG_OK : YG_EIO;
	if (!e)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return e;
}

yg_err yg_bans_active(yg_bans *b, const char *addr, yg_waf_ban *out)
{
	return one_ban(prep(b,
	                    "SELECT " BAN_COLS " FROM bans WHERE address = ?1 AND lifted IS NULL",
	                    "t", addr),
	               out);
}

yg_err yg_bans_get(yg_bans *b, int64_t id, yg_waf_ban *out)
{
	return one_ban(prep(b, "SELECT " BAN_COLS " FROM bans WHERE id = ?1", "i", id), out);
}

yg_err yg_bans_insert(yg_bans *b, const yg_waf_ban *nb, int64_t now, int64_t *id)
{
	yg_err e = run(b, prep(b,
	                       "INSERT INTO bans(address, created, updated, expires, times, source,"
	                       " reason, rule_id, alert_id, agent_id)"
	                       " VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	                       "tiiittttt", nb->address, now, nb->expires, (int64_t)nb->times,
	                       nb->source == YG_WAF_SOURCE_MANUAL ? "manual" : "auto", nb->reason,
	                       nb->rule_id, nb->alert_id, nb->agent_id));
	*id = sqlite3_last_insert_rowid(yg_db_sqlite(b->db));
	return e;
}

yg_err yg_bans_renew(yg_bans *b, int64_t id, int64_t expires, int64_t times, int64_t now)
{
	return run(b, prep(b,
	                   "UPDATE bans SET expires = CASE WHEN expires = 0 OR ?2 = 0 THEN 0"
	                   " ELSE max(expires, ?2) END, times = ?3, updated = ?4 WHERE id = ?1",
	                   "iiii", id, expires, times, now));
}

static yg_err changed(yg_bans *b, yg_err e)
{
	if (e)
		return YG_EIO;
	return sqlite3_changes(yg_db_sqlite(b->db)) > 0 ? YG_OK : YG_ENOTFOUND;
}

yg_err yg_bans_lift(yg_bans *b, const char *addr, int64_t now, const char *by)
{
	return changed(b, run(b, prep(b,
	                              "UPDATE bans SET lifted = ?2, lifted_by = ?3"
	                              " WHERE address = ?1 AND lifted IS NULL",
	                              "tit", addr, now, by)));
}

yg_err yg_bans_extend(yg_bans *b, const char *addr, int64_t now, int64_t seconds)
{
	return changed(b, run(b, prep(b,
	                              "UPDATE bans SET expires = CASE WHEN expires = 0 THEN 0"
	                              " ELSE max(expires, ?2) + ?3 END, updated = ?2"
	                              " WHERE address = ?1 AND lifted IS NULL",
	                              "tii", addr, now, seconds)));
}

yg_err yg_bans_list_active(yg_bans *b, int64_t now, yg_waf_ban_list *out)
{
	return collect(prep(b,
	                    "SELECT " BAN_COLS " FROM bans WHERE lifted IS NULL"
	                    " AND (expires = 0 OR expires > ?1) ORDER BY address",
	                    "i", now),
	               out);
}

yg_err yg_bans_list_all(yg_bans *b, size_t limit, yg_waf_ban_list *out)
{
	return collect(prep(b, "SELECT " BAN_COLS " FROM bans ORDER BY id DESC LIMIT ?1", "i",
	                    limit ? (int64_t)limit : (int64_t)-1),
	               out);
}

static yg_err expire_due_locked(yg_bans *b, int64_t now, bool prune, int64_t offences_before,
                                int64_t seen_before, yg_waf_ban_list *due)
{
	yg_err e = collect(prep(b,
	                        "SELECT " BAN_COLS " FROM bans WHERE lifted IS NULL"
	                        " AND expires != 0 AND expires <= ?1 ORDER BY address",
	                        "i", now),
	                   due);
	if (!e)
		e = run(b, prep(b,
		                "UPDATE bans SET lifted = ?1, lifted_by = 'expired'"
		                " WHERE lifted IS NULL AND expires != 0 AND expires <= ?1",
		                "i", now));
	if (!e && prune)
		e = run(b, prep(b, "DELETE FROM offences WHERE at <= ?1", "i", offences_before));
	if (!e)
		e = run(b, prep(b, "DELETE FROM seen_alerts WHERE at < ?1", "i", seen_before));
	return e;
}

yg_err yg_bans_expire_due(yg_bans *b, int64_t now, bool prune, int64_t offences_before,
                          int64_t seen_before, yg_waf_ban_list *out)
{
	yg_waf_ban_list due = {0};
	if (yg_bans_begin(b))
		return YG_EIO;
	yg_err e = yg_bans_end(
	        b, expire_due_locked(b, now, prune, offences_before, seen_before, &due));
	if (e) {
		yg_waf_ban_list_free(&due);
		return e == YG_ENOMEM ? e : YG_EIO;
	}
	*out = due;
	return YG_OK;
}
