/* alerts.c: the SQLite index of alerts (see alerts.h).
 *
 * Schema: `alerts` holds one row per alert with the searched keys in columns
 * and the alert JSON as text; full_log is a virtual generated column read out
 * of the JSON, so it is not stored twice. `alerts_fts` is an FTS5 index over
 * description and full_log with `alerts` as its external content. New rows
 * enter it in batches behind the commit (yg_alert_store_index, up to the seq
 * in alerts_fts_mark); a trigger removes the words of an indexed row that
 * retention deletes. The schema's version is in store_schema (migrate()).
 * The pipeline's mark and check_diff outputs are tables of the same file,
 * written in the commit's transaction. Every SQL text below is a constant or
 * a concatenation of constant fragments; values are always bound; the
 * statements of the commit are prepared once. */
#include <ctype.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ybuf.h"
#include "common/ytime.h"
#include "store/alert_query.h"
#include "store/alerts.h"
#include "store/db_sql.h"

#define QUERY_LIMIT_DEFAULT 100
#define QUERY_LIMIT_MAX 10000
#define RETAIN_CHUNK 5000

/* Version 1 is the schema of the first stores (the words indexed by an
 * INSERT trigger); version 2 indexes them behind the commit. */
#define SCHEMA_VERSION 2

/* Removes the words of an indexed row that is deleted (FTS5's 'delete' of
 * a row that is not in the index would damage it). */
static const char ad_trigger[] =
        "CREATE TRIGGER IF NOT EXISTS alerts_ad AFTER DELETE ON alerts"
        " WHEN old.seq <= (SELECT upto FROM alerts_fts_mark WHERE k = 1) BEGIN"
        " INSERT INTO alerts_fts(alerts_fts, rowid, description, full_log)"
        "  VALUES ('delete', old.seq, old.description, old.full_log); END;";

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS alerts("
        " seq INTEGER PRIMARY KEY,"
        " id TEXT NOT NULL UNIQUE,"
        " time INTEGER NOT NULL,"
        " rule_id TEXT NOT NULL,"
        " level INTEGER NOT NULL,"
        " groups TEXT NOT NULL,"
        " agent_id TEXT NOT NULL,"
        " agent_name TEXT NOT NULL,"
        " srcip TEXT NOT NULL,"
        " location TEXT NOT NULL,"
        " description TEXT NOT NULL,"
        " json TEXT NOT NULL,"
        " full_log TEXT GENERATED ALWAYS AS"
        "  (CASE WHEN json_valid(json) THEN json_extract(json, '$.full_log') END) VIRTUAL);"
        "CREATE INDEX IF NOT EXISTS alerts_time ON alerts(time);"
        "CREATE INDEX IF NOT EXISTS alerts_level ON alerts(level, time);"
        "CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule_id, time);"
        "CREATE INDEX IF NOT EXISTS alerts_agent ON alerts(agent_id, time);"
        "CREATE INDEX IF NOT EXISTS alerts_srcip ON alerts(srcip, time);"
        "CREATE VIRTUAL TABLE IF NOT EXISTS alerts_fts USING fts5("
        " description, full_log, content='alerts', content_rowid='seq');"
        "CREATE TABLE IF NOT EXISTS alerts_fts_mark("
        " k INTEGER PRIMARY KEY CHECK (k = 1), upto INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS store_schema("
        " name TEXT PRIMARY KEY, version INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS pipeline_state("
        " k INTEGER PRIMARY KEY CHECK (k = 1),"
        " next_alert_seq INTEGER NOT NULL,"
        " dev INTEGER NOT NULL, ino INTEGER NOT NULL, off INTEGER NOT NULL,"
        " len INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL);"
        /* check_diff's last outputs (yg_diff_store), saved with each batch so
         * that a restart compares with what the last committed batch saw */
        "CREATE TABLE IF NOT EXISTS check_diff("
        " host TEXT NOT NULL, rule INTEGER NOT NULL, output TEXT NOT NULL,"
        " PRIMARY KEY (host, rule));";

/* 1 -> 2: the words leave the INSERT trigger; the rows of a version-1 store
 * are all indexed already, so the mark starts at the last of them. The
 * DELETE trigger only removes words of indexed rows (FTS5's 'delete' of a
 * row that is not in it would damage the index). */
static const char migrate_2[] =
        "DROP TRIGGER IF EXISTS alerts_ai;"
        "DROP TRIGGER IF EXISTS alerts_ad;"
        "INSERT OR IGNORE INTO alerts_fts_mark(k, upto)"
        " SELECT 1, coalesce(max(seq), 0) FROM alerts;"
        "INSERT OR REPLACE INTO store_schema(name, version) VALUES ('alerts', 2);";

static const char insert_sql[] =
        "INSERT OR IGNORE INTO alerts(id, time, rule_id, level, groups, agent_id,"
        " agent_name, srcip, location, description, json)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* One queued alert: the extracted keys and a copy of the JSON. */
typedef struct pending {
	char *id, *rule_id, *groups, *agent_id, *agent_name, *srcip, *location, *description;
	char *json;
	size_t json_len;
	int64_t time_ms;
	int level;
} pending;

struct yg_alert_store {
	pthread_mutex_t wmu; /* writer: db, queue, stats */
	pthread_mutex_t rmu; /* reader connection */
	sqlite3 *db;
	yg_db *wdb; /* db as a store handle, for the commit point's parts */
	sqlite3 *rdb;
	sqlite3_stmt *ins;
	sqlite3_stmt *mark_put, *diff_put;       /* the commit's records */
	sqlite3_stmt *idx_hi, *idx_ins, *idx_up; /* the full-text batches */
	uint64_t fts_upto;                       /* rows up to it are indexed */
	pending *q;
	size_t qlen, qmax;
	yg_alert_store_stats st;
};

void yg_alert_store_config_default(yg_alert_store_config *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	cfg->queue_max = 1000;
}

static void pending_free(pending *p)
{
	free(p->id);
	free(p->rule_id);
	free(p->groups);
	free(p->agent_id);
	free(p->agent_name);
	free(p->srcip);
	free(p->location);
	free(p->description);
	free(p->json);
	memset(p, 0, sizeof(*p));
}

static yg_err open_db(const char *path, bool writer, sqlite3 **out, yg_diag *diag)
{
	sqlite3 *db = NULL;
	*out = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "alert store", "cannot open: %s",
			            db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return YG_EIO;
	}
	sqlite3_busy_timeout(db, 10000);
	/* INCREMENTAL auto-vacuum (only takes effect on a new file) so retention
	 * gives space back; WAL so searches run beside inserts; NORMAL sync: a
	 * power loss may lose the last transactions of this index, never corrupt
	 * it, and alerts.json remains the record. A 64 MB page cache keeps the
	 * five indexes and the FTS segments of a batch in memory (the default
	 * 2 MB made inserts spend most of their time in pwrite); reads go
	 * through mmap. */
	const char *setup = writer ? "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL;"
	                             " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
	                             " PRAGMA mmap_size=268435456;"
	                           : "PRAGMA query_only=1; PRAGMA cache_size=-65536;"
	                             " PRAGMA mmap_size=268435456;";
	char *msg = NULL;
	if (sqlite3_exec(db, setup, NULL, NULL, &msg) != SQLITE_OK ||
	    (writer && sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) ||
	    (writer && yg_alert_query_migrate(db) != YG_OK)) { /* ATT&CK ids (alert_query.h) */
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "alert store", "%s",
			            msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return YG_EIO;
	}
	*out = db;
	return YG_OK;
}

/* Brings a store of an older schema to SCHEMA_VERSION, in one transaction. */
static yg_err migrate(sqlite3 *db, char **msg)
{
	sqlite3_stmt *st = NULL;
	int version = 1; /* a store of the first schema has no row */
	if (sqlite3_prepare_v2(db, "SELECT version FROM store_schema WHERE name = 'alerts'", -1,
	                       &st, NULL) != SQLITE_OK)
		return YG_EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version >= SCHEMA_VERSION)
		return YG_OK;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, msg) != SQLITE_OK)
		return YG_EIO;
	if (sqlite3_exec(db, migrate_2, NULL, NULL, msg) != SQLITE_OK ||
	    sqlite3_exec(db, ad_trigger, NULL, NULL, msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, msg) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return YG_EIO;
	}
	return YG_OK;
}

static const char mark_put_sql[] =
        "INSERT OR REPLACE INTO pipeline_state(k, next_alert_seq, dev, ino,"
        " off, len, first_seq, last_seq) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char diff_put_sql[] =
        "INSERT OR REPLACE INTO check_diff(host, rule, output) VALUES (?1, ?2, ?3)";
static const char idx_hi_sql[] =
        "SELECT max(seq) FROM (SELECT seq FROM alerts WHERE seq > ?1 ORDER BY seq LIMIT ?2)";
static const char idx_ins_sql[] =
        "INSERT INTO alerts_fts(rowid, description, full_log)"
        " SELECT seq, description, full_log FROM alerts WHERE seq > ?1 AND seq <= ?2";
static const char idx_up_sql[] = "UPDATE alerts_fts_mark SET upto = ?1 WHERE k = 1";

/* The writer's statements, prepared once; the index mark and backlog. */
static yg_err prepare_writer(yg_alert_store *s)
{
	struct {
		const char *sql;
		sqlite3_stmt **st;
	} t[] = {{insert_sql, &s->ins},        {mark_put_sql, &s->mark_put},
	         {diff_put_sql, &s->diff_put}, {idx_hi_sql, &s->idx_hi},
	         {idx_ins_sql, &s->idx_ins},   {idx_up_sql, &s->idx_up}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (sqlite3_prepare_v3(s->db, t[i].sql, -1, SQLITE_PREPARE_PERSISTENT, t[i].st,
		                       NULL) != SQLITE_OK)
			return YG_EIO;
	/* No mark in a store of the current version: the file was salvaged
	 * (--recover-db) and the index may not match its rows: it is rebuilt. */
	if (sqlite3_exec(s->db,
	                 "INSERT OR IGNORE INTO alerts_fts_mark(k, upto)"
	                 " SELECT 1, coalesce(max(seq), 0) FROM alerts",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	if (sqlite3_changes(s->db) > 0 &&
	    sqlite3_exec(s->db, "INSERT INTO alerts_fts(alerts_fts) VALUES ('rebuild')", NULL, NULL,
	                 NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT m.upto, (SELECT count(*) FROM alerts WHERE seq > m.upto)"
	                       " FROM alerts_fts_mark m WHERE k = 1",
	                       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		s->fts_upto = (uint64_t)sqlite3_column_int64(st, 0);
		s->st.unindexed = (uint64_t)sqlite3_column_int64(st, 1);
		err = YG_OK;
	}
	sqlite3_finalize(st);
	return err;
}

static void finalize_all(yg_alert_store *s)
{
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->mark_put);
	sqlite3_finalize(s->diff_put);
	sqlite3_finalize(s->idx_hi);
	sqlite3_finalize(s->idx_ins);
	sqlite3_finalize(s->idx_up);
}

yg_err yg_alert_store_create(const yg_alert_store_config *cfg, yg_diag *diag, yg_alert_store **out)
{
	*out = NULL;
	if (!cfg || !cfg->path || !cfg->path[0])
		return YG_EINVAL;
	yg_alert_store *s = calloc(1, sizeof(*s));
	if (!s)
		return YG_ENOMEM;
	s->qmax = cfg->queue_max ? cfg->queue_max : 1000;
	s->q = calloc(s->qmax, sizeof(*s->q));
	yg_err err = YG_ENOMEM;
	if (!s->q)
		goto fail;
	if ((err = open_db(cfg->path, true, &s->db, diag)) != YG_OK ||
	    (err = yg_db_wrap(s->db, cfg->path, &s->wdb)) != YG_OK)
		goto fail;
	char *msg = NULL;
	if ((err = migrate(s->db, &msg)) ||
	    (sqlite3_exec(s->db, ad_trigger, NULL, NULL, &msg) != SQLITE_OK && (err = YG_EIO)) ||
	    (err = prepare_writer(s))) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, cfg->path, 0, "alert store", "%s",
			            msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		goto fail;
	}
	if ((err = open_db(cfg->path, false, &s->rdb, diag)) != YG_OK)
		goto fail;
	pthread_mutex_init(&s->wmu, NULL);
	pthread_mutex_init(&s->rmu, NULL);
	*out = s;
	return YG_OK;
fail:
	finalize_all(s);
	yg_db_close(s->wdb);
	sqlite3_close(s->rdb);
	sqlite3_close(s->db);
	free(s->q);
	free(s);
	return err;
}

static yg_err flush_locked(yg_alert_store *s, const pending *extra, size_t nextra,
                           yg_alert_commit *c);

void yg_alert_store_destroy(yg_alert_store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->wmu);
	(void)flush_locked(s, NULL, 0, NULL);
	/* Keeps the planner's statistics fresh for the next run. */
	(void)sqlite3_exec(s->db, "PRAGMA analysis_limit=1000; PRAGMA optimize", NULL, NULL, NULL);
	for (size_t i = 0; i < s->qlen; i++)
		pending_free(&s->q[i]);
	pthread_mutex_unlock(&s->wmu);
	finalize_all(s);
	yg_db_close(s->wdb);
	sqlite3_close(s->rdb);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->wmu);
	pthread_mutex_destroy(&s->rmu);
	free(s->q);
	free(s);
}

/* --- extracting keys from the alert JSON --- */

static json_object *path_get(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b &&
	    (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return v;
}

/* A scalar as a new string ("" when missing or not a scalar). */
static char *str_of(json_object *v)
{
	if (!v || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array) || json_object_is_type(v, json_type_null))
		return strdup("");
	return strdup(json_object_get_string(v));
}

/* Fills p from the parsed alert; YG_EPARSE without an id or a time. */
static yg_err extract(json_object *root, pending *p)
{
	json_object *idv = path_get(root, "id", NULL);
	if (!idv || !json_object_is_type(idv, json_type_string) ||
	    json_object_get_string_len(idv) == 0)
		return YG_EPARSE;
	const char *id = json_object_get_string(idv);
	json_object *tv = path_get(root, "timestamp", NULL);
	int64_t ms = 0;
	bool have_time = tv && json_object_is_type(tv, json_type_string) &&
	                 yg_time_parse_alert(json_object_get_string(tv), &ms);
	if (!have_time) {
		/* Wazuh's id is "<epoch seconds>.<offset>". */
		char *end = NULL;
		long long secs = strtoll(id, &end, 10);
		if (end == id || secs <= 0 || (*end != '.' && *end != '\0'))
			return YG_EPARSE;
		ms = (int64_t)secs * 1000;
	}
	p->time_ms = ms;
	json_object *lv = path_get(root, "rule", "level");
	p->level = lv ? json_object_get_int(lv) : 0;

	yg_buf g;
	yg_buf_init(&g, 1 << 16);
	json_object *gv = path_get(root, "rule", "groups");
	if (gv && json_object_is_type(gv, json_type_array)) {
		size_t n = json_object_array_length(gv);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(gv, i);
			if (!e || !json_object_is_type(e, json_type_string))
				continue;
			if ((g.len && yg_buf_putc(&g, ',')) ||
			    yg_buf_puts(&g, json_object_get_string(e)))
				break; /* bound reached: keep the groups that fit */
		}
	}
	p->groups = g.data ? yg_buf_steal(&g) : strdup("");
	yg_buf_free(&g);

	json_object *src = path_get(root, "data", "srcip");
	if (!src)
		src = path_get(root, "srcip", NULL);
	json_object *aid = path_get(root, "agent", "id");
	p->id = strdup(id);
	p->rule_id = str_of(path_get(root, "rule", "id"));
	p->agent_id = aid ? str_of(aid) : strdup("000");
	p->agent_name = str_of(path_get(root, "agent", "name"));
	p->srcip = str_of(src);
	p->location = str_of(path_get(root, "location", NULL));
	p->description = str_of(path_get(root, "rule", "description"));
	if (!p->id || !p->rule_id || !p->groups || !p->agent_id || !p->agent_name || !p->srcip ||
	    !p->location || !p->description)
		return YG_ENOMEM;
	return YG_OK;
}

/* Parses one alert into p (which the caller frees). */
static yg_err parse_alert(const char *json, size_t len, pending *p)
{
	if (!json || len == 0 || len > INT32_MAX)
		return YG_EINVAL;
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return YG_ENOMEM;
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	bool whole = root && json_tokener_get_error(tok) == json_tokener_success;
	/* One object and nothing after it but blanks. */
	for (size_t e = whole ? json_tokener_get_parse_end(tok) : len; e < len; e++) {
		if (!isspace((unsigned char)json[e])) {
			whole = false;
			break;
		}
	}
	json_tokener_free(tok);
	yg_err err = YG_EPARSE;
	if (whole && json_object_is_type(root, json_type_object))
		err = extract(root, p);
	json_object_put(root);
	if (err == YG_OK) {
		p->json = malloc(len + 1);
		if (!p->json)
			return YG_ENOMEM;
		memcpy(p->json, json, len);
		p->json[len] = '\0';
		p->json_len = len;
	}
	return err;
}

yg_err yg_alert_store_add(yg_alert_store *s, const char *json, size_t len)
{
	if (!s || !json || len == 0 || len > INT32_MAX)
		return YG_EINVAL;
	pending p = {0};
	yg_err err = parse_alert(json, len, &p);
	pthread_mutex_lock(&s->wmu);
	if (err) {
		s->st.rejected++;
		pthread_mutex_unlock(&s->wmu);
		pending_free(&p);
		return err;
	}
	if (s->qlen == s->qmax && (err = flush_locked(s, NULL, 0, NULL)) != YG_OK) {
		/* The queue is full and cannot be committed: refuse the alert
		 * loudly rather than lose it quietly. */
		s->st.rejected++;
		pthread_mutex_unlock(&s->wmu);
		pending_free(&p);
		return err;
	}
	s->q[s->qlen++] = p;
	pthread_mutex_unlock(&s->wmu);
	return YG_OK;
}

/* Inserts rows; counts what was added and what was a duplicate id. */
static yg_err insert_rows(yg_alert_store *s, const pending *rows, size_t n, uint64_t *added,
                          uint64_t *dups)
{
	for (size_t i = 0; i < n; i++) {
		const pending *p = &rows[i];
		sqlite3_stmt *st = s->ins;
		sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, p->time_ms);
		sqlite3_bind_text(st, 3, p->rule_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, p->level);
		sqlite3_bind_text(st, 5, p->groups, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, p->agent_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, p->agent_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, p->srcip, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, p->location, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, p->description, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, p->json, (int)p->json_len, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE)
			return YG_EIO;
		if (sqlite3_changes(s->db) > 0)
			(*added)++;
		else
			(*dups)++;
	}
	return YG_OK;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lock_writer(yg_alert_store *s)
{
	if (pthread_mutex_trylock(&s->wmu) == 0)
		return;
	double t0 = mono_s();
	pthread_mutex_lock(&s->wmu);
	s->st.lock_wait_seconds += mono_s() - t0;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The pipeline's mark and check_diff outputs of c. */
static yg_err write_records(yg_alert_store *s, const yg_alert_commit *c)
{
	for (size_t i = 0; i < c->ndiffs; i++) {
		const yg_check_diff_row *d = &c->diffs[i];
		sqlite3_bind_text(s->diff_put, 1, d->host, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->diff_put, 2, d->rule);
		sqlite3_bind_text(s->diff_put, 3, d->output, -1, SQLITE_STATIC);
		if (step_done(s->diff_put))
			return YG_EIO;
	}
	const yg_commit_mark *m = c->mark;
	if (!m)
		return YG_OK;
	sqlite3_stmt *st = s->mark_put;
	sqlite3_bind_int64(st, 1, (int64_t)m->next_alert_seq);
	sqlite3_bind_int64(st, 2, (int64_t)m->dev);
	sqlite3_bind_int64(st, 3, (int64_t)m->ino);
	sqlite3_bind_int64(st, 4, (int64_t)m->off);
	sqlite3_bind_int64(st, 5, c->first_seq ? (int64_t)m->len : 0);
	sqlite3_bind_int64(st, 6, (int64_t)c->first_seq);
	sqlite3_bind_int64(st, 7, (int64_t)c->last_seq);
	return step_done(st) ? YG_EIO : YG_OK;
}

/* Commits the queue, then `extra` rows, then c's records and hook (c may be
 * NULL), in one transaction; on failure rolls back and keeps the queue. */
static yg_err flush_locked(yg_alert_store *s, const pending *extra, size_t nextra,
                           yg_alert_commit *c)
{
	if (s->qlen == 0 && nextra == 0 && !c)
		return YG_OK;
	double t0 = mono_s();
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	uint64_t added = 0, dups = 0, before = 0;
	yg_err err = insert_rows(s, s->q, s->qlen, &added, &dups);
	if (!err) {
		before = added;
		int64_t first = 0;
		for (size_t i = 0; i < nextra && !err; i++) {
			uint64_t a0 = added;
			err = insert_rows(s, &extra[i], 1, &added, &dups);
			if (!err && added > a0 && first == 0)
				first = sqlite3_last_insert_rowid(s->db);
		}
		int64_t last = added > before ? sqlite3_last_insert_rowid(s->db) : 0;
		if (c) {
			c->first_seq = (uint64_t)first;
			c->last_seq = (uint64_t)last;
			if (!err)
				err = write_records(s, c);
			if (!err && c->hook) {
				yg_db_txn *txn = yg_db_txn_borrow(s->wdb);
				err = txn ? c->hook(c->ctx, txn, (uint64_t)first, (uint64_t)last)
				          : YG_EINVAL;
				yg_db_txn_release(txn);
			}
		}
	}
	if (err || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return err ? err : YG_EIO;
	}
	for (size_t i = 0; i < s->qlen; i++)
		pending_free(&s->q[i]);
	s->qlen = 0;
	s->st.added += added;
	s->st.unindexed += added;
	s->st.duplicates += dups;
	s->st.flushes++;
	s->st.commit_seconds += mono_s() - t0;
	return YG_OK;
}

yg_err yg_alert_store_commit_batch(yg_alert_store *s, yg_alert_commit *c)
{
	if (!s || !c || (c->n && !c->alerts) || (c->ndiffs && !c->diffs))
		return YG_EINVAL;
	size_t n = c->n;
	pending *rows = n ? calloc(n, sizeof(*rows)) : NULL;
	if (n && !rows)
		return YG_ENOMEM;
	size_t nrows = 0;
	uint64_t rejected = 0;
	yg_err err = YG_OK;
	for (size_t i = 0; i < n && !err; i++) {
		yg_err e = parse_alert(c->alerts[i].json, c->alerts[i].len, &rows[nrows]);
		if (e == YG_ENOMEM)
			err = e;
		else if (e)
			rejected++;
		else
			nrows++;
		if (e)
			pending_free(&rows[nrows]);
	}
	lock_writer(s);
	s->st.rejected += rejected;
	if (!err)
		err = flush_locked(s, rows, nrows, c);
	pthread_mutex_unlock(&s->wmu);
	for (size_t i = 0; i < nrows; i++)
		pending_free(&rows[i]);
	free(rows);
	return err;
}

static yg_err index_all(yg_alert_store *s);

yg_err yg_alert_store_commit(yg_alert_store *s, const yg_alert_text *alerts, size_t n,
                             yg_alert_store_hook hook, void *ctx)
{
	yg_alert_commit c = {.alerts = alerts, .n = n, .hook = hook, .ctx = ctx};
	yg_err err = yg_alert_store_commit_batch(s, &c);
	return err ? err : index_all(s);
}

yg_err yg_alert_store_load_mark(yg_alert_store *s, yg_commit_mark *out, bool *have)
{
	if (!s || !out || !have)
		return YG_EINVAL;
	*have = false;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->wmu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT next_alert_seq, dev, ino, off, len, first_seq, last_seq"
	                       " FROM pipeline_state WHERE k = 1",
	                       -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*have = true;
			uint64_t *f[] = {&out->next_alert_seq,
			                 &out->dev,
			                 &out->ino,
			                 &out->off,
			                 &out->len,
			                 &out->first_seq,
			                 &out->last_seq};
			for (int i = 0; i < 7; i++)
				*f[i] = (uint64_t)sqlite3_column_int64(st, i);
		}
		err = rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wmu);
	return err;
}

yg_err yg_alert_store_load_diffs(yg_alert_store *s, yg_check_diff_fn fn, void *ctx)
{
	if (!s || !fn)
		return YG_EINVAL;
	pthread_mutex_lock(&s->wmu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_EIO;
	if (sqlite3_prepare_v2(s->db, "SELECT host, rule, output FROM check_diff", -1, &st, NULL) ==
	    SQLITE_OK) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *host = (const char *)sqlite3_column_text(st, 0);
			const char *o = (const char *)sqlite3_column_text(st, 2);
			if (host && o)
				fn(ctx, host, (unsigned)sqlite3_column_int64(st, 1), o);
		}
		err = rc == SQLITE_DONE ? YG_OK : YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wmu);
	return err;
}

/* One batch of the full-text index: rows (upto, hi] and the mark, in one
 * transaction. */
static yg_err index_locked(yg_alert_store *s, size_t max, size_t *done)
{
	*done = 0;
	sqlite3_bind_int64(s->idx_hi, 1, (int64_t)s->fts_upto);
	sqlite3_bind_int64(s->idx_hi, 2, (int64_t)max);
	int rc = sqlite3_step(s->idx_hi);
	int64_t hi = rc == SQLITE_ROW ? sqlite3_column_int64(s->idx_hi, 0) : 0;
	sqlite3_reset(s->idx_hi);
	if (rc != SQLITE_ROW)
		return YG_EIO;
	if (hi <= (int64_t)s->fts_upto)
		return YG_OK;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_bind_int64(s->idx_ins, 1, (int64_t)s->fts_upto);
	sqlite3_bind_int64(s->idx_ins, 2, hi);
	int e = step_done(s->idx_ins);
	size_t n = e ? 0 : (size_t)sqlite3_changes(s->db);
	sqlite3_bind_int64(s->idx_up, 1, hi);
	if (e || step_done(s->idx_up) || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return YG_EIO;
	}
	s->fts_upto = (uint64_t)hi;
	s->st.indexed += n;
	s->st.unindexed = s->st.unindexed > n ? s->st.unindexed - n : 0;
	*done = n;
	return YG_OK;
}

yg_err yg_alert_store_index(yg_alert_store *s, size_t max, size_t *done)
{
	size_t n = 0;
	if (done)
		*done = 0;
	if (!s || max == 0 || max > INT32_MAX)
		return YG_EINVAL;
	lock_writer(s);
	double t0 = mono_s();
	yg_err err = index_locked(s, max, &n);
	if (n)
		s->st.index_seconds += mono_s() - t0;
	pthread_mutex_unlock(&s->wmu);
	if (done)
		*done = n;
	return err;
}

/* The callers of add/flush and commit (tests, tools) see their rows in a
 * text search at once, as before the index moved behind the commit. */
static yg_err index_all(yg_alert_store *s)
{
	size_t n;
	yg_err err;
	do
		err = yg_alert_store_index(s, 10000, &n);
	while (!err && n);
	return err;
}

uint64_t yg_alert_store_unindexed(yg_alert_store *s)
{
	pthread_mutex_lock(&s->wmu);
	uint64_t n = s->st.unindexed;
	pthread_mutex_unlock(&s->wmu);
	return n;
}

yg_err yg_alert_store_scan_seq(yg_alert_store *s, uint64_t first, uint64_t last, yg_alert_seq_cb cb,
                               void *ctx)
{
	if (!s || !cb)
		return YG_EINVAL;
	pthread_mutex_lock(&s->wmu);
	sqlite3_stmt *st = NULL;
	yg_err err = YG_OK;
	if (sqlite3_prepare_v2(
	            s->db, "SELECT seq, json FROM alerts WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
	            -1, &st, NULL) != SQLITE_OK) {
		err = YG_EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (int64_t)first);
	sqlite3_bind_int64(st, 2, (int64_t)last);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *j = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		if (cb(ctx, (uint64_t)sqlite3_column_int64(st, 0), j ? j : "", j ? len : 0))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = YG_EIO;
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wmu);
	return err;
}

yg_err yg_alert_store_with_db(yg_alert_store *s, yg_err (*fn)(void *ctx, yg_db *db), void *ctx)
{
	if (!s || !fn)
		return YG_EINVAL;
	pthread_mutex_lock(&s->wmu);
	yg_err err = fn(ctx, s->wdb);
	pthread_mutex_unlock(&s->wmu);
	return err;
}

yg_err yg_alert_store_flush(yg_alert_store *s)
{
	if (!s)
		return YG_EINVAL;
	pthread_mutex_lock(&s->wmu);
	yg_err err = flush_locked(s, NULL, 0, NULL);
	pthread_mutex_unlock(&s->wmu);
	return err ? err : index_all(s);
}

size_t yg_alert_store_pending(yg_alert_store *s)
{
	pthread_mutex_lock(&s->wmu);
	size_t n = s->qlen;
	pthread_mutex_unlock(&s->wmu);
	return n;
}

yg_err yg_alert_store_retain(yg_alert_store *s, int days, time_t now, uint64_t *deleted)
{
	if (deleted)
		*deleted = 0;
	if (!s || days <= 0)
		return YG_EINVAL;
	int64_t cutoff = ((int64_t)now - (int64_t)days * 86400) * 1000;
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&s->wmu);
	yg_err err = YG_OK;
	/* In chunks, each its own transaction, so searches and inserts are not
	 * held up for long when a large backlog expires. */
	if (sqlite3_prepare_v2(s->db,
	                       "DELETE FROM alerts WHERE seq IN (SELECT seq FROM alerts"
	                       " WHERE time < ?1 ORDER BY time LIMIT ?2)",
	                       -1, &st, NULL) != SQLITE_OK) {
		err = YG_EIO;
		goto out;
	}
	uint64_t total = 0;
	for (;;) {
		sqlite3_bind_int64(st, 1, cutoff);
		sqlite3_bind_int(st, 2, RETAIN_CHUNK);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			err = YG_EIO;
			break;
		}
		int n = sqlite3_changes(s->db);
		total += (uint64_t)n;
		if (n < RETAIN_CHUNK)
			break;
	}
	s->st.deleted += total;
	if (total && s->st.unindexed) {
		/* rows not indexed yet may have expired too */
		sqlite3_stmt *c = NULL;
		if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM alerts WHERE seq > ?1", -1, &c,
		                       NULL) == SQLITE_OK) {
			sqlite3_bind_int64(c, 1, (int64_t)s->fts_upto);
			if (sqlite3_step(c) == SQLITE_ROW)
				s->st.unindexed = (uint64_t)sqlite3_column_int64(c, 0);
		}
		sqlite3_finalize(c);
	}
	if (deleted)
		*deleted = total;
	if (total)
		(void)sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wmu);
	return err;
}

/* --- searching --- */

/* Turns free text into an FTS5 query in which no user byte is syntax: each
 * whitespace-separated term that holds a letter or digit becomes a quoted
 * phrase ("" doubles a quote) with a prefix star; terms are ANDed. Returns
 * false when no term qualifies. */
static bool fts_query(const char *text, yg_buf *out)
{
	const char *p = text;
	bool any = false;
	while (*p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *b = p;
		bool word = false;
		while (*p && !isspace((unsigned char)*p)) {
			unsigned char c = (unsigned char)*p;
			if (isalnum(c) || c >= 0x80)
				word = true;
			p++;
		}
		if (!word)
			continue;
		if (any && yg_buf_putc(out, ' '))
			return false;
		if (yg_buf_putc(out, '"'))
			return false;
		for (const char *c = b; c < p; c++) {
			if (*c == '"' && yg_buf_putc(out, '"'))
				return false;
			if (yg_buf_putc(out, *c))
				return false;
		}
		if (yg_buf_puts(out, "\"*"))
			return false;
		any = true;
	}
	return any;
}

/* Builds "FROM alerts WHERE ..." from constant fragments for the filters
 * that are set, and binds them in the same order. */
typedef struct qbuild {
	yg_buf sql;
	yg_buf fts;
	bool use_fts;
	bool literal_text;
} qbuild;

static yg_err build_where(const yg_alert_query *q, qbuild *b)
{
	yg_err err = yg_buf_puts(&b->sql, " FROM alerts WHERE 1");
	if (q->id)
		err = err ? err : yg_buf_puts(&b->sql, " AND id = :id");
	if (q->since_ms)
		err = err ? err : yg_buf_puts(&b->sql, " AND time >= :since");
	if (q->until_ms)
		err = err ? err : yg_buf_puts(&b->sql, " AND time < :until");
	if (q->min_level)
		err = err ? err : yg_buf_puts(&b->sql, " AND level >= :minl");
	if (q->max_level)
		err = err ? err : yg_buf_puts(&b->sql, " AND level <= :maxl");
	if (q->rule_id)
		err = err ? err : yg_buf_puts(&b->sql, " AND rule_id = :rule");
	if (q->group && q->group_exact)
		err = err ? err
		          : yg_buf_puts(&b->sql,
		                        " AND instr(',' || groups || ',', ',' || :grp || ',') > 0");
	else if (q->group)
		err = err ? err : yg_buf_puts(&b->sql, " AND instr(groups, :grp) > 0");
	if (q->agent_id)
		err = err ? err : yg_buf_puts(&b->sql, " AND agent_id = :agent");
	if (q->srcip)
		err = err ? err : yg_buf_puts(&b->sql, " AND srcip = :srcip");
	if (q->text) {
		if (fts_query(q->text, &b->fts)) {
			b->use_fts = true;
			err = err ? err
			          : yg_buf_puts(&b->sql, " AND seq IN (SELECT rowid FROM alerts_fts"
			                                 " WHERE alerts_fts MATCH :fts)");
		} else if (q->text[0]) {
			b->literal_text = true;
			err = err ? err
			          : yg_buf_puts(&b->sql, " AND instr(description, :text) > 0");
		}
	}
	return err;
}

static void bind_name_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_name_int64(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

static void bind_where(sqlite3_stmt *st, const yg_alert_query *q, const qbuild *b)
{
	bind_name_text(st, ":id", q->id);
	bind_name_int64(st, ":since", q->since_ms);
	bind_name_int64(st, ":until", q->until_ms);
	bind_name_int64(st, ":minl", q->min_level);
	bind_name_int64(st, ":maxl", q->max_level);
	bind_name_text(st, ":rule", q->rule_id);
	bind_name_text(st, ":grp", q->group);
	bind_name_text(st, ":agent", q->agent_id);
	bind_name_text(st, ":srcip", q->srcip);
	if (b->use_fts)
		bind_name_text(st, ":fts", b->fts.data);
	if (b->literal_text)
		bind_name_text(st, ":text", q->text);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* Prepares "<head> FROM alerts WHERE ... <tail>" for q on the reader. */
static yg_err prepare_query(yg_alert_store *s, const yg_alert_query *q, const char *head,
                            const char *tail, qbuild *b, sqlite3_stmt **st)
{
	*st = NULL;
	yg_buf_init(&b->sql, 1 << 14);
	yg_buf_init(&b->fts, 1 << 16);
	b->use_fts = b->literal_text = false;
	yg_err err = yg_buf_puts(&b->sql, head);
	if (!err)
		err = build_where(q, b);
	if (!err)
		err = yg_buf_puts(&b->sql, tail);
	if (err)
		return err == YG_ELIMIT ? YG_EINVAL : err;
	if (sqlite3_prepare_v2(s->rdb, b->sql.data, -1, st, NULL) != SQLITE_OK)
		return YG_EIO;
	bind_where(*st, q, b);
	return YG_OK;
}

yg_err yg_alert_store_query(yg_alert_store *s, const yg_alert_query *q, yg_alert_row_cb cb,
                            void *ctx)
{
	if (!s || !q || !cb)
		return YG_EINVAL;
	size_t limit = q->limit ? q->limit : QUERY_LIMIT_DEFAULT;
	if (limit > QUERY_LIMIT_MAX)
		limit = QUERY_LIMIT_MAX;
	if (q->offset > (size_t)INT64_MAX)
		return YG_EINVAL;
	qbuild b;
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&s->rmu);
	/* The inner select sorts only (time, seq) and pages; the outer one reads
	 * the wide columns (the JSON) of the rows of that page alone. */
	yg_err err = prepare_query(
	        s, q,
	        "SELECT id, time, rule_id, level, groups, agent_id, agent_name, srcip,"
	        " location, description, json FROM alerts WHERE seq IN (SELECT seq",
	        " ORDER BY time DESC, seq DESC LIMIT :limit OFFSET :offset)"
	        " ORDER BY time DESC, seq DESC",
	        &b, &st);
	if (!err) {
		bind_name_int64(st, ":limit", (int64_t)limit);
		bind_name_int64(st, ":offset", (int64_t)q->offset);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			yg_alert_row r = {
			        .id = col_text(st, 0),
			        .time_ms = sqlite3_column_int64(st, 1),
			        .rule_id = col_text(st, 2),
			        .level = sqlite3_column_int(st, 3),
			        .groups = col_text(st, 4),
			        .agent_id = col_text(st, 5),
			        .agent_name = col_text(st, 6),
			        .srcip = col_text(st, 7),
			        .location = col_text(st, 8),
			        .description = col_text(st, 9),
			        .json = col_text(st, 10),
			};
			r.json_len = (size_t)sqlite3_column_bytes(st, 10);
			if (cb(ctx, &r)) {
				rc = SQLITE_DONE;
				break;
			}
		}
		if (rc != SQLITE_DONE)
			err = YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->rmu);
	yg_buf_free(&b.sql);
	yg_buf_free(&b.fts);
	return err;
}

yg_err yg_alert_store_count(yg_alert_store *s, const yg_alert_query *q, uint64_t *out)
{
	if (!s || !q || !out)
		return YG_EINVAL;
	*out = 0;
	qbuild b;
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&s->rmu);
	yg_err err = prepare_query(s, q, "SELECT count(*)", "", &b, &st);
	if (!err) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*out = (uint64_t)sqlite3_column_int64(st, 0);
		else
			err = YG_EIO;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->rmu);
	yg_buf_free(&b.sql);
	yg_buf_free(&b.fts);
	return err;
}

void yg_alert_store_get_stats(yg_alert_store *s, yg_alert_store_stats *out)
{
	pthread_mutex_lock(&s->wmu);
	*out = s->st;
	pthread_mutex_unlock(&s->wmu);
}
