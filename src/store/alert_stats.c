/* alert_stats.c: dashboard aggregations over the alert store (see
 * alert_stats.h). Every SQL text is constant; values are bound. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/alert_stats.h"

#define NLEVELS (YG_ALERT_LEVEL_MAX + 1)
#define TOP_MAX 100

struct yg_alert_stats {
	pthread_mutex_t mu;
	sqlite3 *db;
};

yg_err yg_alert_stats_open(const char *db_path, yg_diag *diag, yg_alert_stats **out)
{
	*out = NULL;
	if (!db_path || !db_path[0])
		return YG_EINVAL;
	yg_alert_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return YG_ENOMEM;
	if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	            SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA query_only=1; PRAGMA cache_size=-32768;", NULL, NULL,
	                 NULL) != SQLITE_OK) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "alert stats",
			            "cannot open: %s",
			            s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		free(s);
		return YG_EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return YG_OK;
}

void yg_alert_stats_close(yg_alert_stats *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

yg_err yg_alert_stats_histogram(yg_alert_stats *s, int64_t since_ms, int64_t until_ms,
                                int64_t bucket_ms, uint64_t *counts, size_t nbuckets,
                                uint64_t *total)
{
	*total = 0;
	if (!s || !counts || bucket_ms <= 0 || since_ms < 0 || until_ms <= since_ms ||
	    nbuckets == 0 || nbuckets > YG_ALERT_STATS_BUCKETS_MAX)
		return YG_EINVAL;
	int64_t span = until_ms - since_ms;
	if ((size_t)((span + bucket_ms - 1) / bucket_ms) != nbuckets)
		return YG_EINVAL;
	memset(counts, 0, nbuckets * NLEVELS * sizeof(*counts));
	/* level IN (...) makes SQLite walk the (level, time) index once per
	 * level over the window only: a covering range scan. */
	static const char sql[] = "SELECT level, (time - ?1) / ?3, count(*) FROM alerts"
	                          " WHERE level IN (0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16)"
	                          " AND time >= ?1 AND time < ?2 GROUP BY 1, 2";
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, since_ms);
		sqlite3_bind_int64(st, 2, until_ms);
		sqlite3_bind_int64(st, 3, bucket_ms);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t lv = sqlite3_column_int64(st, 0);
			int64_t b = sqlite3_column_int64(st, 1);
			uint64_t c = (uint64_t)sqlite3_column_int64(st, 2);
			if (lv < 0 || lv > YG_ALERT_LEVEL_MAX || b < 0 || (uint64_t)b >= nbuckets)
				continue;
			counts[(size_t)b * NLEVELS + (size_t)lv] += c;
			*total += c;
		}
		err = rc == SQLITE_DONE ? YG_OK : YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mu);
	return err;
}

typedef struct top_sql {
	const char *count; /* ?1 since, ?2 until, ?3 n */
	const char *label; /* ?1 key; NULL when there is none */
} top_sql;

/* Each top list walks the (key, time) index of its key as a skip-scan: the
 * next distinct key by one seek, then a count of that key's entries in the
 * window, all inside the index. A GROUP BY over the window would instead
 * look up every alert's row in the table, which on a month of a million
 * alerts is ten times slower. */
#define TOP_SKIP_SCAN(col, first)                                                                  \
	"WITH RECURSIVE k(v) AS (SELECT min(" col ") FROM alerts" first                            \
	" UNION ALL SELECT (SELECT min(" col ") FROM alerts WHERE " col " > k.v) FROM k"           \
	" WHERE k.v IS NOT NULL)"                                                                  \
	" SELECT v, (SELECT count(*) FROM alerts WHERE " col " = k.v AND time >= ?1"               \
	" AND time < ?2) AS c FROM k WHERE v IS NOT NULL AND c > 0 ORDER BY c DESC, v LIMIT ?3"

static const top_sql top_sqls[] = {
        [YG_ALERT_STATS_RULE] =
                {TOP_SKIP_SCAN("rule_id", ""),
                 "SELECT description FROM alerts WHERE rule_id = ?1 ORDER BY time DESC LIMIT 1"},
        [YG_ALERT_STATS_AGENT] =
                {TOP_SKIP_SCAN("agent_id", ""),
                 "SELECT agent_name FROM alerts WHERE agent_id = ?1 ORDER BY time DESC LIMIT 1"},
        [YG_ALERT_STATS_SRCIP] = {TOP_SKIP_SCAN("srcip", " WHERE srcip > ''"), NULL},
};

typedef struct top_row {
	char *key;
	uint64_t count;
} top_row;

yg_err yg_alert_stats_top(yg_alert_stats *s, yg_alert_stats_key key, int64_t since_ms,
                          int64_t until_ms, size_t n, yg_alert_stats_top_cb cb, void *ctx)
{
	if (!s || !cb || (unsigned)key > YG_ALERT_STATS_SRCIP || n == 0 || n > TOP_MAX ||
	    until_ms <= since_ms)
		return YG_EINVAL;
	top_row rows[TOP_MAX];
	size_t nrows = 0;
	pthread_mutex_lock(&s->mu);
	sqlite3_stmt *st = NULL, *lst = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(s->db, top_sqls[key].count, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, until_ms);
	sqlite3_bind_int64(st, 3, (int64_t)n);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && nrows < n) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		rows[nrows].key = strdup(k ? (const char *)k : "");
		rows[nrows].count = (uint64_t)sqlite3_column_int64(st, 1);
		if (!rows[nrows].key) {
			err = YG_ENOMEM;
			goto out;
		}
		nrows++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto out;
	if (top_sqls[key].label &&
	    sqlite3_prepare_v2(s->db, top_sqls[key].label, -1, &lst, NULL) != SQLITE_OK)
		goto out;
	err = YG_OK;
	for (size_t i = 0; i < nrows; i++) {
		const char *label = "";
		if (lst) {
			sqlite3_reset(lst);
			sqlite3_bind_text(lst, 1, rows[i].key, -1, SQLITE_STATIC);
			if (sqlite3_step(lst) == SQLITE_ROW && sqlite3_column_text(lst, 0))
				label = (const char *)sqlite3_column_text(lst, 0);
		}
		if (cb(ctx, rows[i].key, label, rows[i].count))
			break;
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(lst);
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].key);
	return err;
}
