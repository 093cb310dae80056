/* outbox.c (store): the persistent integration queue in SQLite (see
 * store/outbox.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/outbox.h"

struct yg_outbox {
	yg_db *h;
	sqlite3 *db; /* h's connection */
	pthread_mutex_t mu;
};

/* Version 1: the schema written before versions were recorded. */
static const char schema_v1[] =
        "CREATE TABLE IF NOT EXISTS outbox("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " integration TEXT NOT NULL,"
        " alert_id TEXT NOT NULL,"
        " state INTEGER NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " created_ms INTEGER NOT NULL,"
        " next_ms INTEGER NOT NULL,"
        " updated_ms INTEGER NOT NULL,"
        " last_error TEXT,"
        " body BLOB NOT NULL,"
        " UNIQUE(integration, alert_id));"
        "CREATE INDEX IF NOT EXISTS outbox_state ON outbox(integration, state, id);";

static const yg_db_step schema[] = {{1, schema_v1, NULL}};

/* Runs one statement with bound int64 / text parameters given as a format:
 * 'i' int64, 't' text (NULL allowed), 'b' blob (ptr, size_t len). Returns
 * YG_OK when it ran to completion; *changes gets sqlite3_changes. */
static yg_err run(sqlite3 *db, const char *sql, int *changes, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	va_start(ap, fmt);
	for (int i = 1; fmt && fmt[i - 1]; i++) {
		if (fmt[i - 1] == 'i') {
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		} else if (fmt[i - 1] == 't') {
			const char *s = va_arg(ap, const char *);
			if (s)
				sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, i);
		} else {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			sqlite3_bind_blob64(st, i, p, n, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	if (changes)
		*changes = sqlite3_changes(db);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

yg_err yg_outbox_open(const char *path, yg_outbox **out)
{
	yg_outbox *ob = calloc(1, sizeof(*ob));
	if (!ob)
		return YG_ENOMEM;
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	if (yg_db_open(&cfg, NULL, &ob->h) ||
	    yg_db_migrate(ob->h, "outbox", schema, sizeof(schema) / sizeof(schema[0])))
		goto fail;
	ob->db = yg_db_sqlite(ob->h);
	/* A request that was in flight when the process stopped may or may
	 * not have reached the receiver: send it again. */
	if (run(ob->db, "UPDATE outbox SET state=0 WHERE state=1", NULL, NULL))
		goto fail;
	pthread_mutex_init(&ob->mu, NULL);
	*out = ob;
	return YG_OK;
fail:
	yg_db_close(ob->h);
	free(ob);
	return YG_EIO;
}

void yg_outbox_close(yg_outbox *ob)
{
	if (!ob)
		return;
	yg_db_close(ob->h);
	pthread_mutex_destroy(&ob->mu);
	free(ob);
}

yg_err yg_outbox_enqueue(yg_outbox *ob, const char *integration, const char *alert_id,
                         const char *body, size_t len, int64_t now_ms, bool *added)
{
	int ch = 0;
	pthread_mutex_lock(&ob->mu);
	yg_err e = run(ob->db,
	               "INSERT OR IGNORE INTO outbox(integration, alert_id, state, attempts,"
	               " created_ms, next_ms, updated_ms, body) VALUES(?,?,0,0,?,?,?,?)",
	               &ch, "ttiiib", integration, alert_id, now_ms, now_ms, now_ms, body, len);
	pthread_mutex_unlock(&ob->mu);
	if (added)
		*added = !e && ch > 0;
	return e;
}

/* Fills a row from a statement selecting the columns below. */
#define ROW_COLS                                                                                   \
	"id, integration, alert_id, state, attempts, created_ms, next_ms, updated_ms,"             \
	" last_error, body"

static void fill_row(sqlite3_stmt *st, yg_outbox_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->integration = (const char *)sqlite3_column_text(st, 1);
	r->alert_id = (const char *)sqlite3_column_text(st, 2);
	r->state = (yg_outbox_state)sqlite3_column_int(st, 3);
	r->attempts = (unsigned)sqlite3_column_int(st, 4);
	r->created_ms = sqlite3_column_int64(st, 5);
	r->next_ms = sqlite3_column_int64(st, 6);
	r->updated_ms = sqlite3_column_int64(st, 7);
	r->last_error = (const char *)sqlite3_column_text(st, 8);
	/* text() adds the NUL the contract promises; bytes() after it. */
	r->body = (const char *)sqlite3_column_text(st, 9);
	r->body_len = (size_t)sqlite3_column_bytes(st, 9);
	if (!r->body)
		r->body = "";
}

yg_err yg_outbox_claim(yg_outbox *ob, const char *integration, size_t max, int64_t now_ms,
                       yg_outbox_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	yg_err e = YG_OK;
	if (max == 0)
		return YG_OK;
	pthread_mutex_lock(&ob->mu);
	if (sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&ob->mu);
		return YG_EIO;
	}
	if (sqlite3_prepare_v2(ob->db,
	                       "SELECT " ROW_COLS " FROM outbox WHERE integration=? AND state=0"
	                       " ORDER BY id LIMIT ?",
	                       -1, &st, NULL) != SQLITE_OK) {
		e = YG_EIO;
		goto out;
	}
	sqlite3_bind_text(st, 1, integration, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	/* Mark first (inside the transaction), then hand out: a row is never
	 * seen by fn unless it is in_flight. */
	int64_t ids[64];
	size_t n = 0;
	while (n < max && n < 64 && sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 6) > now_ms)
			break; /* the head is not due: keep the order */
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; !e && i < n; i++)
		e = run(ob->db,
		        "UPDATE outbox SET state=1, attempts=attempts+1, updated_ms=? WHERE id=?",
		        NULL, "ii", now_ms, ids[i]);
	if (!e && sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		e = YG_EIO;
	if (e)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (sqlite3_prepare_v2(ob->db, "SELECT " ROW_COLS " FROM outbox WHERE id=?", -1,
		                       &st, NULL) != SQLITE_OK) {
			e = YG_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			yg_outbox_row r;
			fill_row(st, &r);
			fn(ctx, &r);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	pthread_mutex_unlock(&ob->mu);
	return e;
out:
	sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&ob->mu);
	return e;
}

/* Updates one in_flight row; YG_ENOTFOUND when it is not in flight. */
static yg_err finish(yg_outbox *ob, const char *sql, const char *fmt, int64_t a, int64_t b,
                     const char *err, int64_t id)
{
	int ch = 0;
	yg_err e;
	pthread_mutex_lock(&ob->mu);
	if (!strcmp(fmt, "iii"))
		e = run(ob->db, sql, &ch, fmt, a, b, id);
	else if (!strcmp(fmt, "iiti"))
		e = run(ob->db, sql, &ch, fmt, a, b, err, id);
	else
		e = run(ob->db, sql, &ch, fmt, a, err, id);
	pthread_mutex_unlock(&ob->mu);
	return e ? e : ch ? YG_OK : YG_ENOTFOUND;
}

yg_err yg_outbox_mark_delivered(yg_outbox *ob, int64_t id, int64_t now_ms)
{
	return finish(ob,
	              "UPDATE outbox SET state=2, updated_ms=?, next_ms=? WHERE id=? AND state=1",
	              "iii", now_ms, now_ms, NULL, id);
}

yg_err yg_outbox_mark_retry(yg_outbox *ob, int64_t id, int64_t now_ms, int64_t next_ms,
                            const char *error)
{
	return finish(ob,
	              "UPDATE outbox SET state=0, updated_ms=?, next_ms=?, last_error=?"
	              " WHERE id=? AND state=1",
	              "iiti", now_ms, next_ms, error, id);
}

yg_err yg_outbox_mark_dead(yg_outbox *ob, int64_t id, int64_t now_ms, const char *error)
{
	return finish(
	        ob, "UPDATE outbox SET state=3, updated_ms=?, last_error=? WHERE id=? AND state=1",
	        "iti", now_ms, 0, error, id);
}

yg_err yg_outbox_retry_dead(yg_outbox *ob, int64_t id, int64_t now_ms)
{
	int ch = 0;
	pthread_mutex_lock(&ob->mu);
	yg_err e = run(ob->db,
	               "UPDATE outbox SET state=0, attempts=0, created_ms=?, next_ms=?,"
	               " updated_ms=? WHERE id=? AND state=3",
	               &ch, "iiii", now_ms, now_ms, now_ms, id);
	pthread_mutex_unlock(&ob->mu);
	return e ? e : ch ? YG_OK : YG_ENOTFOUND;
}

yg_err yg_outbox_stats_get(yg_outbox *ob, const char *integration, yg_outbox_stats *out)
{
	sqlite3_stmt *st;
	yg_err e = YG_OK;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&ob->mu);
	if (sqlite3_prepare_v2(ob->db,
	                       "SELECT state, count(*) FROM outbox"
	                       " WHERE ?1 IS NULL OR integration=?1 GROUP BY state",
	                       -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&ob->mu);
		return YG_EIO;
	}
	if (integration)
		sqlite3_bind_text(st, 1, integration, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t c = (uint64_t)sqlite3_column_int64(st, 1);
		switch (sqlite3_column_int(st, 0)) {
		case YG_OUTBOX_PENDING: out->pending = c; break;
		case YG_OUTBOX_IN_FLIGHT: out->in_flight = c; break;
		case YG_OUTBOX_DELIVERED: out->delivered = c; break;
		case YG_OUTBOX_DEAD: out->dead = c; break;
		default: break;
		}
	}
	if (rc != SQLITE_DONE)
		e = YG_EIO;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ob->mu);
	return e;
}

yg_err yg_outbox_list(yg_outbox *ob, const char *integration, int state, int64_t after_id,
                      size_t limit, yg_outbox_row_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;
	pthread_mutex_lock(&ob->mu);
	if (sqlite3_prepare_v2(ob->db,
	                       "SELECT " ROW_COLS
	                       " FROM outbox WHERE (?1 IS NULL OR integration=?1)"
	                       " AND (?2 < 0 OR state=?2) AND id > ?3 ORDER BY id LIMIT ?4",
	                       -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&ob->mu);
		return YG_EIO;
	}
	if (integration)
		sqlite3_bind_text(st, 1, integration, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, state);
	sqlite3_bind_int64(st, 3, after_id);
	sqlite3_bind_int64(st, 4, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		yg_outbox_row r;
		fill_row(st, &r);
		if (fn(ctx, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ob->mu);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

yg_err yg_outbox_next_due(yg_outbox *ob, const char *integration, int64_t *due_ms, bool *found)
{
	sqlite3_stmt *st;
	int rc;
	*found = false;
	pthread_mutex_lock(&ob->mu);
	if (sqlite3_prepare_v2(ob->db,
	                       "SELECT next_ms FROM outbox WHERE integration=? AND state=0"
	                       " ORDER BY id LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&ob->mu);
		return YG_EIO;
	}
	sqlite3_bind_text(st, 1, integration, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*due_ms = sqlite3_column_int64(st, 0);
		*found = true;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ob->mu);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

/* One count(*) with the key and a time bound. */
static yg_err count_rows(yg_outbox *ob, const char *sql, const char *integration, int64_t t,
                         uint64_t *n)
{
	sqlite3_stmt *st;
	*n = 0;
	pthread_mutex_lock(&ob->mu);
	if (sqlite3_prepare_v2(ob->db, sql, -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&ob->mu);
		return YG_EIO;
	}
	sqlite3_bind_text(st, 1, integration, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&ob->mu);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

yg_err yg_outbox_count_pending_before(yg_outbox *ob, const char *integration,
                                      int64_t created_before_ms, uint64_t *n)
{
	return count_rows(ob,
	                  "SELECT count(*) FROM outbox WHERE integration=? AND state=0"
	                  " AND created_ms < ?",
	                  integration, created_before_ms, n);
}

yg_err yg_outbox_count_delivered_since(yg_outbox *ob, const char *integration, int64_t since_ms,
                                       uint64_t *n)
{
	return count_rows(ob,
	                  "SELECT count(*) FROM outbox WHERE integration=? AND state=2"
	                  " AND updated_ms >= ?",
	                  integration, since_ms, n);
}

yg_err yg_outbox_prune(yg_outbox *ob, int64_t delivered_before_ms, int64_t dead_before_ms)
{
	pthread_mutex_lock(&ob->mu);
	yg_err e = run(ob->db,
	               "DELETE FROM outbox WHERE (state=2 AND updated_ms < ?)"
	               " OR (state=3 AND updated_ms < ?)",
	               NULL, "ii", delivered_before_ms, dead_before_ms);
	pthread_mutex_unlock(&ob->mu);
	return e;
}
