/* ledger.c: the ban ledger in SQLite (see ledger.h).
 *
 * Tables: `bans` (one row per episode; lifted IS NULL while active, at most
 * one active row per address, enforced by a partial unique index),
 * `offences` (one row per add, for repeated-offender counting) and
 * `seen_alerts` (alert ids already acted upon). Every SQL text is a constant;
 * values are always bound. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "waf/ledger.h"

#define SEEN_KEEP (7 * 86400) /* how long an alert id is remembered */

static const char schema[] =
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
        " alert_id TEXT PRIMARY KEY, ban_id INTEGER NOT NULL, at INTEGER NOT NULL);";

#define BAN_COLS                                                                                   \
	"id, address, created, updated, expires, coalesce(lifted, 0), times, source, reason,"      \
	" rule_id, alert_id, agent_id, coalesce(lifted_by, '')"

struct yg_waf_ledger {
	sqlite3 *db;
	yg_waf_clock_fn clock;
	void *clock_ctx;
	yg_waf_policy policy;
};

void yg_waf_ban_list_free(yg_waf_ban_list *list)
{
	if (!list)
		return;
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static int64_t wall_clock(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

int64_t yg_waf_ledger_now(const yg_waf_ledger *l)
{
	return l->clock(l->clock_ctx);
}

void yg_waf_ledger_set_clock(yg_waf_ledger *l, yg_waf_clock_fn fn, void *ctx)
{
	l->clock = fn ? fn : wall_clock;
	l->clock_ctx = fn ? ctx : NULL;
}

yg_err yg_waf_ledger_set_policy(yg_waf_ledger *l, const yg_waf_policy *p)
{
	if (p->nrepeated > YG_WAF_REPEATED_MAX || p->default_timeout < 0 || p->repeated_window < 0)
		return YG_EINVAL;
	l->policy = *p;
	return YG_OK;
}

yg_err yg_waf_ledger_open(const char *path, yg_waf_ledger **out)
{
	yg_waf_ledger *l = calloc(1, sizeof(*l));
	if (!l)
		return YG_ENOMEM;
	l->clock = wall_clock;
	l->policy.default_timeout = 600;
	l->policy.repeated_window = 86400;
	if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	            SQLITE_OK ||
	    sqlite3_busy_timeout(l->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(l->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
	                 NULL) != SQLITE_OK ||
	    sqlite3_exec(l->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		yg_waf_ledger_close(l);
		return YG_EIO;
	}
	*out = l;
	return YG_OK;
}

void yg_waf_ledger_close(yg_waf_ledger *l)
{
	if (!l)
		return;
	sqlite3_close(l->db);
	free(l);
}

/* ---- helpers ---- */

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

/* Prepares sql and binds the int64/text arguments described by `fmt`
 * ('i' = int64_t, 't' = const char *). NULL on failure. */
static sqlite3_stmt *prep(yg_waf_ledger *l, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
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
			sqlite3_finalize(st);
			return NULL;
		}
	}
	va_end(ap);
	return st;
}

/* Runs a statement that returns no rows; finalizes it. */
static yg_err run(sqlite3_stmt *st)
{
	int rc;
	if (!st)
		return YG_EIO;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

/* Steps st collecting every row into *out; finalizes it. */
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
				sqlite3_finalize(st);
				yg_waf_ban_list_free(&r);
				return YG_ENOMEM;
			}
			r.v = nv;
			cap = ncap;
		}
		read_ban(st, &r.v[r.n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		yg_waf_ban_list_free(&r);
		return YG_EIO;
	}
	*out = r;
	return YG_OK;
}

static yg_err exec_sql(yg_waf_ledger *l, const char *sql)
{
	return sqlite3_exec(l->db, sql, NULL, NULL, NULL) == SQLITE_OK ? YG_OK : YG_EIO;
}

static void rollback(yg_waf_ledger *l)
{
	sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Canonical text of an address to ban: also refused when it must never
 * be banned (yg_waf_addr_special), whoever records it. */
static yg_err canonical_ban(const char *address, char out[YG_WAF_ADDR_TEXT_MAX])
{
	yg_waf_addr a;
	if (yg_waf_addr_parse(address, &a) != YG_OK || yg_waf_addr_special(&a))
		return YG_EINVAL;
	yg_waf_addr_format(&a, out);
	return YG_OK;
}

/* Canonical text of a ban address; YG_EINVAL when refused. */
static yg_err canonical(const char *address, char out[YG_WAF_ADDR_TEXT_MAX])
{
	yg_waf_addr a;
	if (yg_waf_addr_parse(address, &a) != YG_OK)
		return YG_EINVAL;
	yg_waf_addr_format(&a, out);
	return YG_OK;
}

static bool id_ok(const char *s)
{
	return !s || strnlen(s, YG_WAF_ID_MAX) < YG_WAF_ID_MAX;
}

/* Reads the active row of addr into *b (may be NULL): YG_OK, YG_ENOTFOUND or
 * YG_EIO. Rows past their expiry but not yet lifted count as active. */
static yg_err get_active(yg_waf_ledger *l, const char *addr, yg_waf_ban *b)
{
	sqlite3_stmt *st =
	        prep(l, "SELECT " BAN_COLS " FROM bans WHERE address = ?1 AND lifted IS NULL", "t",
	             addr);
	int rc;
	if (!st)
		return YG_EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && b)
		read_ban(st, b);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? YG_OK : rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
}

/* The timeout of the k-th offence of an address under policy p. */
static int64_t policy_timeout(const yg_waf_policy *p, int64_t k)
{
	size_t i;
	if (k <= 1 || p->nrepeated == 0)
		return p->default_timeout;
	i = (size_t)(k - 2) < p->nrepeated ? (size_t)(k - 2) : p->nrepeated - 1;
	return (int64_t)p->repeated[i] * 60;
}

/* A reason cut to fit, not splitting a UTF-8 sequence. */
static void cut_reason(const char *s, char out[YG_WAF_REASON_MAX])
{
	size_t n = s ? strnlen(s, YG_WAF_REASON_MAX) : 0;
	if (n >= YG_WAF_REASON_MAX) {
		n = YG_WAF_REASON_MAX - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* The body of yg_waf_ledger_add, inside a transaction. */
static yg_err add_locked(yg_waf_ledger *l, const yg_waf_ban_req *req, const char *addr, int64_t now,
                         yg_waf_add_result *res, int64_t *ban_id)
{
	yg_waf_ban cur;
	sqlite3_stmt *st;
	int64_t k, timeout, expires;
	char reason[YG_WAF_REASON_MAX];
	yg_err e;
	bool have_alert = req->alert_id && req->alert_id[0];

	if (have_alert) {
		st = prep(l, "SELECT ban_id FROM seen_alerts WHERE alert_id = ?1", "t",
		          req->alert_id);
		if (!st)
			return YG_EIO;
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*ban_id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW) {
			*res = YG_WAF_ADD_DUPLICATE;
			return YG_OK;
		}
		if (rc != SQLITE_DONE)
			return YG_EIO;
	}
	/* a ban past its expiry that nobody lifted yet ends here */
	e = run(prep(l,
	             "UPDATE bans SET lifted = ?2, lifted_by = 'expired' WHERE address = ?1"
	             " AND lifted IS NULL AND expires != 0 AND expires <= ?2",
	             "ti", addr, now));
	if (!e)
		e = run(prep(l, "INSERT INTO offences(address, at) VALUES (?1, ?2)", "ti", addr,
		             now));
	if (e)
		return e;
	st = prep(l, "SELECT count(*) FROM offences WHERE address = ?1 AND (?2 = 0 OR at > ?3)",
	          "tii", addr, l->policy.repeated_window, now - l->policy.repeated_window);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return YG_EIO;
	}
	k = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	timeout = req->timeout >= 0 ? req->timeout : policy_timeout(&l->policy, k);
	expires = timeout == 0 ? 0 : now + timeout;
	cut_reason(req->reason, reason);
	e = get_active(l, addr, &cur);
	if (e == YG_OK) {
		e = run(prep(l,
		             "UPDATE bans SET expires = CASE WHEN expires = 0 OR ?2 = 0 THEN 0"
		             " ELSE max(expires, ?2) END, times = ?3, updated = ?4 WHERE id = ?1",
		             "iiii", cur.id, expires, k, now));
		*ban_id = cur.id;
		*res = YG_WAF_ADD_EXTENDED;
	} else if (e == YG_ENOTFOUND) {
		e = run(prep(l,
		             "INSERT INTO bans(address, created, updated, expires, times, source,"
		             " reason, rule_id, alert_id, agent_id)"
		             " VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		             "tiiittttt", addr, now, expires, k,
		             req->source == YG_WAF_SOURCE_MANUAL ? "manual" : "auto", reason,
		             req->rule_id, req->alert_id, req->agent_id));
		*ban_id = sqlite3_last_insert_rowid(l->db);
		*res = YG_WAF_ADD_NEW;
	}
	if (!e && have_alert)
		e = run(prep(l, "INSERT INTO seen_alerts(alert_id, ban_id, at) VALUES (?1, ?2, ?3)",
		             "tii", req->alert_id, *ban_id, now));
	return e;
}

static yg_err get_by_id(yg_waf_ledger *l, int64_t id, yg_waf_ban *b)
{
	sqlite3_stmt *st = prep(l, "SELECT " BAN_COLS " FROM bans WHERE id = ?1", "i", id);
	int rc;
	if (!st)
		return YG_EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_ban(st, b);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? YG_OK : rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
}

yg_err yg_waf_ledger_add(yg_waf_ledger *l, const yg_waf_ban_req *req, yg_waf_add_result *res,
                         yg_waf_ban *out)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	yg_waf_add_result r = YG_WAF_ADD_NEW;
	int64_t id = 0, now = yg_waf_ledger_now(l);
	yg_err e;

	if (!req || canonical_ban(req->address, addr) != YG_OK || !id_ok(req->rule_id) ||
	    !id_ok(req->alert_id) || !id_ok(req->agent_id))
		return YG_EINVAL;
	if (exec_sql(l, "BEGIN IMMEDIATE"))
		return YG_EIO;
	e = add_locked(l, req, addr, now, &r, &id);
	if (e || exec_sql(l, "COMMIT")) {
		rollback(l);
		return e ? e : YG_EIO;
	}
	if (res)
		*res = r;
	if (out)
		return get_by_id(l, id, out);
	return YG_OK;
}

yg_err yg_waf_ledger_get(yg_waf_ledger *l, const char *address, yg_waf_ban *out)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	if (canonical(address, addr))
		return YG_EINVAL;
	return get_active(l, addr, out);
}

yg_err yg_waf_ledger_lift(yg_waf_ledger *l, const char *address, const char *by)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	if (canonical(address, addr) || !id_ok(by))
		return YG_EINVAL;
	if (run(prep(l,
	             "UPDATE bans SET lifted = ?2, lifted_by = ?3"
	             " WHERE address = ?1 AND lifted IS NULL",
	             "tit", addr, yg_waf_ledger_now(l), by ? by : "manual")))
		return YG_EIO;
	return sqlite3_changes(l->db) > 0 ? YG_OK : YG_ENOTFOUND;
}

yg_err yg_waf_ledger_extend(yg_waf_ledger *l, const char *address, int64_t seconds)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	if (canonical(address, addr) || seconds < 0)
		return YG_EINVAL;
	if (run(prep(l,
	             "UPDATE bans SET expires = CASE WHEN expires = 0 THEN 0"
	             " ELSE max(expires, ?2) + ?3 END, updated = ?2"
	             " WHERE address = ?1 AND lifted IS NULL",
	             "tii", addr, yg_waf_ledger_now(l), seconds)))
		return YG_EIO;
	return sqlite3_changes(l->db) > 0 ? YG_OK : YG_ENOTFOUND;
}

yg_err yg_waf_ledger_list_active(yg_waf_ledger *l, yg_waf_ban_list *out)
{
	return collect(prep(l,
	                    "SELECT " BAN_COLS " FROM bans WHERE lifted IS NULL"
	                    " AND (expires = 0 OR expires > ?1) ORDER BY address",
	                    "i", yg_waf_ledger_now(l)),
	               out);
}

yg_err yg_waf_ledger_list_all(yg_waf_ledger *l, size_t limit, yg_waf_ban_list *out)
{
	return collect(prep(l, "SELECT " BAN_COLS " FROM bans ORDER BY id DESC LIMIT ?1", "i",
	                    limit ? (int64_t)limit : (int64_t)-1),
	               out);
}

yg_err yg_waf_ledger_expire_due(yg_waf_ledger *l, yg_waf_ban_list *out)
{
	int64_t now = yg_waf_ledger_now(l);
	yg_waf_ban_list due = {0};
	yg_err e;
	if (exec_sql(l, "BEGIN IMMEDIATE"))
		return YG_EIO;
	e = collect(prep(l,
	                 "SELECT " BAN_COLS " FROM bans WHERE lifted IS NULL"
	                 " AND expires != 0 AND expires <= ?1 ORDER BY address",
	                 "i", now),
	            &due);
	if (!e)
		e = run(prep(l,
		             "UPDATE bans SET lifted = ?1, lifted_by = 'expired'"
		             " WHERE lifted IS NULL AND expires != 0 AND expires <= ?1",
		             "i", now));
	if (!e && l->policy.repeated_window > 0)
		e = run(prep(l, "DELETE FROM offences WHERE at <= ?1", "i",
		             now - l->policy.repeated_window));
	if (!e)
		e = run(prep(l, "DELETE FROM seen_alerts WHERE at < ?1", "i", now - SEEN_KEEP));
	if (e || exec_sql(l, "COMMIT")) {
		rollback(l);
		yg_waf_ban_list_free(&due);
		return e ? e : YG_EIO;
	}
	for (size_t i = 0; i < due.n; i++) {
		due.v[i].lifted = now;
		memcpy(due.v[i].lifted_by, "expired", sizeof("expired"));
	}
	if (out)
		*out = due;
	else
		yg_waf_ban_list_free(&due);
	return YG_OK;
}
