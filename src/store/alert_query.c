/* alert_query.c: the analyst's queries over the alert store (see
 * alert_query.h). SQL is assembled from constant fragments and generated
 * parameter names (:r0, :r1 ...); every value is bound. */
#include <ctype.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ybuf.h"
#include "store/alert_query.h"

#define ROWS_MAX 10000
#define FTS_MAX 4096

struct yg_alert_query_db {
	pthread_mutex_t mu;
	sqlite3 *db;
};

yg_err yg_alert_query_open(const char *db_path, yg_diag *diag, yg_alert_query_db **out)
{
	*out = NULL;
	if (!db_path || !db_path[0])
		return YG_EINVAL;
	yg_alert_query_db *q = calloc(1, sizeof(*q));
	if (!q)
		return YG_ENOMEM;
	if (sqlite3_open_v2(db_path, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	            SQLITE_OK ||
	    sqlite3_exec(q->db,
	                 "PRAGMA query_only=1; PRAGMA cache_size=-32768;"
	                 " PRAGMA mmap_size=268435456;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "alert query",
			            "cannot open: %s",
			            q->db ? sqlite3_errmsg(q->db) : "out of memory");
		sqlite3_close(q->db);
		free(q);
		return YG_EIO;
	}
	sqlite3_busy_timeout(q->db, 5000);
	pthread_mutex_init(&q->mu, NULL);
	*out = q;
	return YG_OK;
}

void yg_alert_query_close(yg_alert_query_db *q)
{
	if (!q)
		return;
	sqlite3_close(q->db);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

/* ---- ATT&CK technique ids beside the alerts ---- */

/* alert_mitre keeps each technique id with its alert's time, so a window
 * is counted from its own indexes: (technique, time) for the counts per
 * technique, and the partial index on the first technique of each alert
 * for the number of alerts with one. */
static const char mitre_schema[] =
        "CREATE TABLE alert_mitre(seq INTEGER NOT NULL, technique TEXT NOT NULL,"
        " time INTEGER NOT NULL, first INTEGER NOT NULL,"
        " PRIMARY KEY(seq, technique)) WITHOUT ROWID;"
        "CREATE INDEX alert_mitre_tech ON alert_mitre(technique, time);"
        "CREATE INDEX alert_mitre_first ON alert_mitre(time) WHERE first = 1;"
        "CREATE TRIGGER alerts_mitre_ai AFTER INSERT ON alerts"
        " WHEN instr(new.json, '\"mitre\"') > 0 AND json_valid(new.json) BEGIN"
        " INSERT OR IGNORE INTO alert_mitre(seq, technique, time, first)"
        "  SELECT new.seq, value, new.time, key = 0"
        "  FROM json_each(new.json, '$.rule.mitre.id') WHERE type = 'text'; END;"
        "CREATE TRIGGER alerts_mitre_ad AFTER DELETE ON alerts BEGIN"
        " DELETE FROM alert_mitre WHERE seq = old.seq; END;"
        /* the alerts stored before the table existed */
        "INSERT OR IGNORE INTO alert_mitre(seq, technique, time, first)"
        " SELECT a.seq, j.value, a.time, j.key = 0"
        " FROM alerts a, json_each(a.json, '$.rule.mitre.id') j"
        " WHERE instr(a.json, '\"mitre\"') > 0 AND json_valid(a.json) AND j.type = 'text';";

/* 1: alert_mitre is there with its time column; 0: it is missing or of
 * an earlier form (without time); -1: error. */
static int mitre_current(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                       " AND name = 'alert_mitre'),"
	                       " (SELECT count(*) FROM pragma_table_info('alert_mitre')"
	                       " WHERE name = 'first')",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int r = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) > 0 && sqlite3_column_int(st, 1) > 0;
	sqlite3_finalize(st);
	return r;
}

yg_err yg_alert_query_migrate(void *sqlite_db)
{
	sqlite3 *db = sqlite_db;
	int cur = mitre_current(db);
	if (cur < 0)
		return YG_EIO;
	if (cur)
		return YG_OK;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	/* an earlier form of the table goes: it is rebuilt from the alerts */
	if (sqlite3_exec(db,
	                 "DROP TRIGGER IF EXISTS alerts_mitre_ai;"
	                 " DROP TRIGGER IF EXISTS alerts_mitre_ad;"
	                 " DROP TABLE IF EXISTS alert_mitre;",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, mitre_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return YG_EIO;
	}
	return YG_OK;
}

/* ---- the WHERE clause ---- */

bool yg_alert_query_fts_text(const char *text, char *out, size_t outsz)
{
	size_t w = 0;
	bool any = false;
	for (const char *p = text; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *b = p;
		bool word = false;
		while (*p && !isspace((unsigned char)*p)) {
			unsigned char c = (unsigned char)*p;
			word |= isalnum(c) || c >= 0x80;
			p++;
		}
		if (!word)
			continue;
		/* worst case: every byte doubled, a space, quotes and a star */
		if (w + 2 * (size_t)(p - b) + 5 >= outsz)
			return false;
		if (any)
			out[w++] = ' ';
		out[w++] = '"';
		for (const char *c = b; c < p; c++) {
			if (*c == '"')
				out[w++] = '"';
			out[w++] = *c;
		}
		out[w++] = '"';
		out[w++] = '*';
		any = true;
	}
	out[w] = '\0';
	return any;
}

typedef struct where {
	yg_buf sql;
	char fts[FTS_MAX];
	bool use_fts, literal;
} where;

/* " AND col IN (:p0, :p1 ...)" for n values. */
static yg_err put_in(yg_buf *b, const char *col, const char *p, size_t n)
{
	if (!n)
		return YG_OK;
	yg_err err = yg_buf_printf(b, " AND %s IN (", col);
	for (size_t i = 0; i < n && !err; i++)
		err = yg_buf_printf(b, "%s:%s%zu", i ? ", " : "", p, i);
	return err ? err : yg_buf_puts(b, ")");
}

static yg_err build_where(const yg_aq_filter *f, where *w)
{
	yg_buf *b = &w->sql;
	yg_err err = yg_buf_puts(b, " WHERE 1");
	if (!err && f->since_ms)
		err = yg_buf_puts(b, " AND time >= :since");
	if (!err && f->until_ms)
		err = yg_buf_puts(b, " AND time < :until");
	if (!err && f->level_min)
		err = yg_buf_puts(b, " AND level >= :lmin");
	if (!err && f->level_max)
		err = yg_buf_puts(b, " AND level <= :lmax");
	if (!err)
		err = put_in(b, "level", "l", f->nlevels);
	if (!err)
		err = put_in(b, "rule_id", "r", f->nrule_ids);
	if (!err)
		err = put_in(b, "agent_id", "a", f->nagents);
	if (!err)
		err = put_in(b, "srcip", "s", f->nsrcips);
	for (size_t i = 0; i < f->ngroups && !err; i++)
		err = yg_buf_printf(b, "%s instr(',' || groups || ',', ',' || :g%zu || ',') > 0%s",
		                    i ? " OR" : " AND (", i, i + 1 == f->ngroups ? ")" : "");
	/* an alert with any of the techniques: alert_mitre's (technique, time)
	 * index, never the JSON */
	if (!err && f->ntechniques) {
		err = yg_buf_puts(b, " AND seq IN (SELECT seq FROM alert_mitre WHERE 1");
		err = err ? err : put_in(b, "technique", "t", f->ntechniques);
		err = err ? err : yg_buf_puts(b, ")");
	}
	if (!err && f->text && f->text[0]) {
		if (yg_alert_query_fts_text(f->text, w->fts, sizeof(w->fts))) {
			w->use_fts = true;
			err = yg_buf_puts(b, " AND seq IN (SELECT rowid FROM alerts_fts"
			                     " WHERE alerts_fts MATCH :fts)");
		} else {
			w->literal = true;
			err = yg_buf_puts(b, " AND instr(description, :text) > 0");
		}
	}
	return err;
}

/* SQLITE_TRANSIENT: some values (the FTS query) live in prepare()'s frame,
 * which is gone when the statement steps. */
static void bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

static void bind_list(sqlite3_stmt *st, const char *p, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), ":%s%zu", p, i);
		bind_text(st, name, v[i]);
	}
}

static void bind_where(sqlite3_stmt *st, const yg_aq_filter *f, const where *w)
{
	bind_int(st, ":since", f->since_ms);
	bind_int(st, ":until", f->until_ms);
	bind_int(st, ":lmin", f->level_min);
	bind_int(st, ":lmax", f->level_max);
	for (size_t i = 0; i < f->nlevels; i++) {
		char name[32];
		snprintf(name, sizeof(name), ":l%zu", i);
		bind_int(st, name, f->levels[i]);
	}
	bind_list(st, "r", f->rule_ids, f->nrule_ids);
	bind_list(st, "a", f->agents, f->nagents);
	bind_list(st, "s", f->srcips, f->nsrcips);
	bind_list(st, "g", f->groups, f->ngroups);
	bind_list(st, "t", f->techniques, f->ntechniques);
	if (w->use_fts)
		bind_text(st, ":fts", w->fts);
	if (w->literal)
		bind_text(st, ":text", f->text);
}

static bool filter_ok(const yg_aq_filter *f)
{
	return f && f->nlevels <= YG_AQ_VALUES_MAX && f->nrule_ids <= YG_AQ_VALUES_MAX &&
	       f->nagents <= YG_AQ_VALUES_MAX && f->nsrcips <= YG_AQ_VALUES_MAX &&
	       f->ngroups <= YG_AQ_VALUES_MAX && f->ntechniques <= YG_AQ_VALUES_MAX;
}

/* Prepares head + " FROM alerts" + WHERE(f) + mid + tail. Holds q->mu on
 * success (released by finish()). */
static yg_err prepare(yg_alert_query_db *q, const yg_aq_filter *f, const char *head,
                      const char *mid, const char *tail, sqlite3_stmt **st)
{
	*st = NULL;
	if (!q || !filter_ok(f))
		return YG_EINVAL;
	where w = {0};
	yg_buf_init(&w.sql, 1 << 14);
	yg_err err = yg_buf_puts(&w.sql, head);
	if (!err)
		err = yg_buf_puts(&w.sql, " FROM alerts");
	if (!err)
		err = build_where(f, &w);
	if (!err && mid)
		err = yg_buf_puts(&w.sql, mid);
	if (!err && tail)
		err = yg_buf_puts(&w.sql, tail);
	if (err) {
		yg_buf_free(&w.sql);
		return err == YG_ELIMIT ? YG_EINVAL : err;
	}
	pthread_mutex_lock(&q->mu);
	if (sqlite3_prepare_v2(q->db, w.sql.data, -1, st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&q->mu);
		yg_buf_free(&w.sql);
		return YG_EIO;
	}
	bind_where(*st, f, &w);
	yg_buf_free(&w.sql);
	return YG_OK;
}

static yg_err finish(yg_alert_query_db *q, sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->mu);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? YG_OK : YG_EIO;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

#define ROW_COLS                                                                                   \
	"seq, id, time, rule_id, level, groups, agent_id, agent_name, srcip, location,"            \
	" description"

static void read_row(sqlite3_stmt *st, bool with_json, yg_aq_row *r)
{
	*r = (yg_aq_row){
	        .seq = sqlite3_column_int64(st, 0),
	        .a =
	                {
	                        .id = col_text(st, 1),
	                        .time_ms = sqlite3_column_int64(st, 2),
	                        .rule_id = col_text(st, 3),
	                        .level = sqlite3_column_int(st, 4),
	                        .groups = col_text(st, 5),
	                        .agent_id = col_text(st, 6),
	                        .agent_name = col_text(st, 7),
	                        .srcip = col_text(st, 8),
	                        .location = col_text(st, 9),
	                        .description = col_text(st, 10),
	                        .json = with_json ? col_text(st, 11) : "",
	                },
	};
	r->a.json_len = with_json ? (size_t)sqlite3_column_bytes(st, 11) : 0;
}

/* ---- rows, counts ---- */

static const char *sort_col(yg_aq_sort s)
{
	switch (s) {
	case YG_AQ_SORT_LEVEL: return "level";
	case YG_AQ_SORT_RULE: return "rule_id";
	case YG_AQ_SORT_AGENT: return "agent_id";
	case YG_AQ_SORT_SRCIP: return "srcip";
	case YG_AQ_SORT_TIME: break;
	}
	return NULL;
}

/* " AND (k, time, seq) < (:ck, :ct, :cs) ORDER BY k DESC, time DESC, seq
 * DESC" (ascending: > and ASC); without a sort column just (time, seq). */
static yg_err order_sql(yg_buf *b, yg_aq_sort sort, bool desc, bool keyset)
{
	const char *k = sort_col(sort);
	const char *d = desc ? " DESC" : "";
	yg_err err = YG_OK;
	if (keyset)
		err = k ? yg_buf_printf(b, " AND (%s, time, seq) %s (:ck, :ct, :cs)", k,
		                        desc ? "<" : ">")
		        : yg_buf_printf(b, " AND (time, seq) %s (:ct, :cs)", desc ? "<" : ">");
	if (!err && k)
		err = yg_buf_printf(b, " ORDER BY %s%s, time%s, seq%s", k, d, d, d);
	else if (!err)
		err = yg_buf_printf(b, " ORDER BY time%s, seq%s", d, d);
	return err;
}

static void cursor_set(yg_aq_cursor *c, yg_aq_sort sort, const yg_aq_row *r)
{
	c->set = true;
	c->time_ms = r->a.time_ms;
	c->seq = r->seq;
	c->key_int = r->a.level;
	const char *k = sort == YG_AQ_SORT_RULE    ? r->a.rule_id
	                : sort == YG_AQ_SORT_AGENT ? r->a.agent_id
	                : sort == YG_AQ_SORT_SRCIP ? r->a.srcip
	                                           : "";
	snprintf(c->key, sizeof(c->key), "%s", k);
}

yg_err yg_alert_query_rows(yg_alert_query_db *q, const yg_aq_filter *f, yg_aq_sort sort, bool desc,
                           size_t limit, size_t offset, yg_aq_cursor *after, bool with_json,
                           yg_aq_row_cb cb, void *ctx)
{
	if (!cb || limit == 0 || limit > ROWS_MAX || offset > (size_t)INT64_MAX)
		return YG_EINVAL;
	bool keyset = after && after->set;
	/* The inner select sorts and pages on the index; the outer one reads
	 * the wide columns of that page only. */
	yg_buf mid;
	yg_buf_init(&mid, 1 << 12);
	yg_err err = order_sql(&mid, sort, desc, keyset);
	if (!err)
		err = yg_buf_puts(&mid, " LIMIT :limit OFFSET :offset) ");
	if (!err)
		err = order_sql(&mid, sort, desc, false);
	if (err) {
		yg_buf_free(&mid);
		return err;
	}
	sqlite3_stmt *st = NULL;
	err = prepare(q, f,
	              with_json ? "SELECT " ROW_COLS ", json FROM alerts WHERE seq IN (SELECT seq"
	                        : "SELECT " ROW_COLS " FROM alerts WHERE seq IN (SELECT seq",
	              mid.data, NULL, &st);
	yg_buf_free(&mid);
	if (err)
		return err;
	bind_int(st, ":limit", (int64_t)limit);
	bind_int(st, ":offset", keyset ? 0 : (int64_t)offset);
	if (keyset) {
		if (sort == YG_AQ_SORT_LEVEL)
			bind_int(st, ":ck", after->key_int);
		else
			bind_text(st, ":ck", after->key);
		bind_int(st, ":ct", after->time_ms);
		bind_int(st, ":cs", after->seq);
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		yg_aq_row r;
		read_row(st, with_json, &r);
		if (after)
			cursor_set(after, sort, &r);
		if (cb(ctx, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return finish(q, st, rc);
}

yg_err yg_alert_query_count(yg_alert_query_db *q, const yg_aq_filter *f, uint64_t *out)
{
	*out = 0;
	sqlite3_stmt *st = NULL;
	yg_err err = prepare(q, f, "SELECT count(*)", NULL, NULL, &st);
	if (err)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	return finish(q, st, rc);
}

/* ---- aggregations ---- */

yg_err yg_alert_query_span(yg_alert_query_db *q, const yg_aq_filter *f, int64_t *first,
                           int64_t *last)
{
	*first = *last = 0;
	sqlite3_stmt *st = NULL;
	yg_err err = prepare(q, f, "SELECT min(time), max(time)", NULL, NULL, &st);
	if (err)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*first = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	return finish(q, st, rc);
}

yg_err yg_alert_query_histogram(yg_alert_query_db *q, const yg_aq_filter *f, int64_t since_ms,
                                int64_t interval_ms, uint64_t *counts, size_t n, uint64_t *total)
{
	*total = 0;
	if (!counts || n == 0 || n > YG_AQ_BUCKETS_MAX || interval_ms <= 0)
		return YG_EINVAL;
	memset(counts, 0, n * sizeof(*counts));
	sqlite3_stmt *st = NULL;
	yg_err err = prepare(q, f, "SELECT (time - :hs) / :hi, count(*)", " GROUP BY 1", NULL, &st);
	if (err)
		return err;
	bind_int(st, ":hs", since_ms);
	bind_int(st, ":hi", interval_ms);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0);
		uint64_t c = (uint64_t)sqlite3_column_int64(st, 1);
		if (b >= 0 && (uint64_t)b < n) {
			counts[b] += c;
			*total += c;
		}
	}
	return finish(q, st, rc);
}

static bool time_only(const yg_aq_filter *f);
static yg_err mitre_window(yg_alert_query_db *q, const yg_aq_filter *f, const char *sql,
                           sqlite3_stmt **st);

/* A time-only top list walks the (key, time) index as a skip-scan: the next
 * distinct key by one seek, then that key's entries in the window counted
 * inside the index. The GROUP BY below makes SQLite take the time index and
 * look up every alert's row for its key: 7-10 s for 30 days of a million
 * alerts on a loaded machine, against about 1 s (bench/api/ui_paint.sh). */
#define TOP_SKIP_SCAN(col, first)                                                                  \
	"WITH RECURSIVE k(v) AS (SELECT min(" col ") FROM alerts" first                            \
	" UNION ALL SELECT (SELECT min(" col ") FROM alerts WHERE " col " > k.v) FROM k"           \
	" WHERE k.v IS NOT NULL)"                                                                  \
	" SELECT v, (SELECT count(*) FROM alerts WHERE " col " = k.v AND time >= ?1"               \
	" AND time < ?2) AS c, (SELECT max(time) FROM alerts WHERE " col " = k.v"                  \
	" AND time >= ?1 AND time < ?2) FROM k WHERE v IS NOT NULL AND c > 0"                      \
	" ORDER BY c DESC, v LIMIT ?3"

static yg_err top_prepare(yg_alert_query_db *q, const yg_aq_filter *f, bool rule, size_t n,
                          sqlite3_stmt **st)
{
	if (time_only(f)) {
		yg_err err = mitre_window(q, f,
		                          rule ? TOP_SKIP_SCAN("rule_id", "")
		                               : TOP_SKIP_SCAN("srcip", " WHERE srcip > ''"),
		                          st);
		if (!err)
			sqlite3_bind_int64(*st, 3, (int64_t)n);
		return err;
	}
	yg_err err = prepare(q, f,
	                     rule ? "SELECT rule_id, count(*), max(time)"
	                          : "SELECT srcip, count(*), max(time)",
	                     rule ? " GROUP BY rule_id" : " AND srcip <> '' GROUP BY srcip",
	                     " ORDER BY 2 DESC, 1 LIMIT :n", st);
	if (!err)
		bind_int(*st, ":n", (int64_t)n);
	return err;
}

yg_err yg_alert_query_top(yg_alert_query_db *q, const yg_aq_filter *f, yg_aq_sort by, size_t n,
                          yg_aq_top_cb cb, void *ctx)
{
	if (!cb || n == 0 || n > YG_AQ_TOP_MAX || (by != YG_AQ_SORT_RULE && by != YG_AQ_SORT_SRCIP))
		return YG_EINVAL;
	if (!q || !filter_ok(f))
		return YG_EINVAL;
	sqlite3_stmt *st = NULL;
	yg_err err = top_prepare(q, f, by == YG_AQ_SORT_RULE, n, &st);
	if (err)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
		       sqlite3_column_int64(st, 2))) {
			rc = SQLITE_DONE;
			break;
		}
	return finish(q, st, rc);
}

/* Whether f selects by time only (the dashboard's case). */
static bool time_only(const yg_aq_filter *f)
{
	return !f->level_min && !f->level_max && !f->nlevels && !f->nrule_ids && !f->nagents &&
	       !f->nsrcips && !f->ngroups && !f->ntechniques && !(f->text && f->text[0]);
}

/* Runs one statement of the time-only ATT&CK queries on alert_mitre. */
static yg_err mitre_window(yg_alert_query_db *q, const yg_aq_filter *f, const char *sql,
                           sqlite3_stmt **st)
{
	pthread_mutex_lock(&q->mu);
	if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&q->mu);
		return YG_EIO;
	}
	sqlite3_bind_int64(*st, 1, f->since_ms ? f->since_ms : INT64_MIN);
	sqlite3_bind_int64(*st, 2, f->until_ms ? f->until_ms : INT64_MAX);
	return YG_OK;
}

yg_err yg_alert_query_mitre(yg_alert_query_db *q, const yg_aq_filter *f, yg_aq_technique_cb cb,
                            void *ctx, uint64_t *alerts)
{
	*alerts = 0;
	if (!q || !filter_ok(f))
		return YG_EINVAL;
	bool fast = time_only(f);
	sqlite3_stmt *st = NULL;
	yg_err err = fast ? mitre_window(q, f,
	                                 "SELECT count(*) FROM alert_mitre"
	                                 " WHERE first = 1 AND time >= ?1 AND time < ?2",
	                                 &st)
	                  : prepare(q, f, "SELECT count(*)",
	                            " AND EXISTS (SELECT 1 FROM alert_mitre m"
	                            " WHERE m.seq = alerts.seq)",
	                            NULL, &st);
	if (err)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*alerts = (uint64_t)sqlite3_column_int64(st, 0);
	if ((err = finish(q, st, rc)) != YG_OK)
		return err;
	err = fast ? mitre_window(q, f,
	                          "SELECT technique, count(*) FROM alert_mitre"
	                          " WHERE time >= ?1 AND time < ?2 GROUP BY technique"
	                          " ORDER BY technique",
	                          &st)
	           : prepare(q, f,
	                     "SELECT technique, count(*) FROM alert_mitre WHERE seq IN (SELECT seq",
	                     ")", " GROUP BY technique ORDER BY technique", &st);
	if (err)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1))) {
			rc = SQLITE_DONE;
			break;
		}
	return finish(q, st, rc);
}

yg_err yg_alert_query_fim_paths(yg_alert_query_db *q, const yg_aq_filter *f, size_t n,
                                yg_aq_path_cb cb, void *ctx)
{
	if (!cb || n == 0 || n > YG_AQ_TOP_MAX)
		return YG_EINVAL;
	sqlite3_stmt *st = NULL;
	yg_err err =
	        prepare(q, f, "SELECT json_extract(json, '$.syscheck.path') p, count(*), max(time)",
	                " AND json_valid(json) GROUP BY p HAVING p IS NOT NULL",
	                " ORDER BY 2 DESC, 1 LIMIT :n", &st);
	if (err)
		return err;
	bind_int(st, ":n", (int64_t)n);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(ctx, col_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
		       sqlite3_column_int64(st, 2))) {
			rc = SQLITE_DONE;
			break;
		}
	return finish(q, st, rc);
}

yg_err yg_alert_query_after(yg_alert_query_db *q, int64_t after, size_t limit, bool with_json,
                            yg_aq_row_cb cb, void *ctx, int64_t *last)
{
	if (!q || !cb || limit > ROWS_MAX)
		return YG_EINVAL;
	pthread_mutex_lock(&q->mu);
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_ERROR;
	if (last) {
		*last = 0;
		if (sqlite3_prepare_v2(q->db, "SELECT max(seq) FROM alerts", -1, &st, NULL) !=
		    SQLITE_OK)
			goto out;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			*last = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_ROW)
			goto out;
	}
	rc = SQLITE_DONE;
	if (limit == 0)
		goto out;
	if (sqlite3_prepare_v2(q->db,
	                       with_json ? "SELECT " ROW_COLS ", json FROM alerts WHERE seq > ?1"
	                                   " ORDER BY seq LIMIT ?2"
	                                 : "SELECT " ROW_COLS " FROM alerts WHERE seq > ?1"
	                                   " ORDER BY seq LIMIT ?2",
	                       -1, &st, NULL) != SQLITE_OK) {
		rc = SQLITE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		yg_aq_row r;
		read_row(st, with_json, &r);
		if (cb(ctx, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->mu);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}
