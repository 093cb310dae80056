/* tickets_store.c: the SQLite store of tickets (see tickets.h).
 *
 * One connection, one mutex. Every SQL text is a constant or a
 * concatenation of constant fragments; values are always bound. An offered
 * alert is handled in one IMMEDIATE transaction, so a crash leaves either
 * all of its changes or none, and ticket_alerts.alert_id (UNIQUE) makes a
 * second offer of the same alert a no-op. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tickets/tickets_db.h"

/* Version 1: the schema written before versions were recorded. */
static const char schema_v1[] =
        "CREATE TABLE IF NOT EXISTS tickets("
        " id INTEGER PRIMARY KEY,"
        " title TEXT NOT NULL,"
        " type TEXT NOT NULL,"
        " severity INTEGER NOT NULL,"
        " status TEXT NOT NULL,"
        " resolution TEXT NOT NULL DEFAULT '',"
        " assignee TEXT NOT NULL DEFAULT '',"
        " description TEXT NOT NULL,"
        " rule_id TEXT NOT NULL,"
        " fold_key TEXT NOT NULL,"
        " first_alert_id TEXT NOT NULL,"
        " level INTEGER NOT NULL,"
        " created INTEGER NOT NULL,"
        " updated INTEGER NOT NULL,"
        " alert_count INTEGER NOT NULL,"
        " first_alert INTEGER NOT NULL,"
        " last_alert INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS tickets_fold ON tickets(fold_key, last_alert);"
        "CREATE INDEX IF NOT EXISTS tickets_status ON tickets(status, severity);"
        "CREATE INDEX IF NOT EXISTS tickets_active ON tickets(last_alert, id);"
        "CREATE TABLE IF NOT EXISTS ticket_alerts("
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " alert_id TEXT NOT NULL UNIQUE,"
        " time INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS ticket_alerts_ticket ON ticket_alerts(ticket_id);"
        "CREATE TABLE IF NOT EXISTS comments("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " author TEXT NOT NULL,"
        " text TEXT NOT NULL,"
        " time INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS comments_ticket ON comments(ticket_id, id);"
        "CREATE TABLE IF NOT EXISTS timeline("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " kind TEXT NOT NULL,"
        " text TEXT NOT NULL,"
        " time INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS timeline_ticket ON timeline(ticket_id, id);"
        "CREATE TABLE IF NOT EXISTS bans("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " address TEXT NOT NULL,"
        " time INTEGER NOT NULL,"
        " UNIQUE(ticket_id, address));";

static const yg_db_step schema[] = {{1, schema_v1, NULL}};

int64_t yg_tk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const kind_names[] = {"alert", "fim_diff", "yara_hit", "response",
                                         "ban",   "comment",  "status"};

const char *yg_tickets_kind_name(yg_tickets_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : NULL;
}

const char *yg_tickets_severity_name(int severity)
{
	switch (severity) {
	case 1: return "Medium";
	case 2: return "High";
	case 3: return "Critical";
	default: return "?";
	}
}

int yg_tickets_severity_of_level(int level)
{
	return level <= 7 ? 1 : level <= 12 ? 2 : 3;
}

/* ---- opening ---- */

yg_err yg_tickets_create(const char *db_path, const yg_tickets_config *cfg, yg_diag *diag,
                         yg_tickets **out)
{
	*out = NULL;
	if (!db_path || !db_path[0])
		return YG_EINVAL;
	yg_tickets *t = calloc(1, sizeof(*t));
	if (!t)
		return YG_ENOMEM;
	if (!cfg) {
		if (!(t->own_cfg = yg_tickets_config_create())) {
			free(t);
			return YG_ENOMEM;
		}
		cfg = t->own_cfg;
	}
	t->cfg = cfg;
	/* WAL + FULL sync: a ticket change acknowledged to a person must
	 * survive a power loss; the write rate is low. */
	yg_db_config dc;
	yg_db_config_default(&dc, db_path);
	dc.busy_ms = 10000;
	dc.foreign_keys = true;
	if (yg_db_open(&dc, NULL, &t->h) ||
	    yg_db_migrate(t->h, "tickets", schema, sizeof(schema) / sizeof(schema[0]))) {
		yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "tickets", "cannot open: %s",
		            t->h ? yg_db_errmsg(t->h) : "out of memory");
		goto fail;
	}
	t->db = yg_db_sqlite(t->h);
	pthread_mutex_init(&t->mu, NULL);
	*out = t;
	return YG_OK;
fail:
	yg_db_close(t->h);
	yg_tickets_config_destroy(t->own_cfg);
	free(t);
	return YG_EIO;
}

void yg_tickets_destroy(yg_tickets *t)
{
	if (!t)
		return;
	yg_db_close(t->h);
	pthread_mutex_destroy(&t->mu);
	yg_tickets_config_destroy(t->own_cfg);
	free(t);
}

/* ---- statement helpers ---- */

sqlite3_stmt *yg_tk_prep(yg_tickets *t, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

void yg_tk_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Runs a statement that returns no row; finalizes it. */
yg_err yg_tk_run(sqlite3_stmt *st)
{
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

yg_err yg_tk_exec(yg_tickets *t, const char *sql)
{
	return sqlite3_exec(t->db, sql, NULL, NULL, NULL) == SQLITE_OK ? YG_OK : YG_EIO;
}

/* Ends the transaction: COMMIT when err is YG_OK, else ROLLBACK. */
yg_err yg_tk_finish(yg_tickets *t, yg_err err)
{
	if (err == YG_OK)
		err = yg_tk_exec(t, "COMMIT");
	if (err)
		(void)yg_tk_exec(t, "ROLLBACK");
	return err;
}

const char *yg_tk_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

/* Fills tk with pointers into the current row of a TICKET_COLS query. */
void yg_tk_row_ticket(sqlite3_stmt *st, yg_ticket *tk)
{
	tk->id = sqlite3_column_int64(st, 0);
	tk->title = yg_tk_col_text(st, 1);
	tk->type = yg_tk_col_text(st, 2);
	tk->severity = sqlite3_column_int(st, 3);
	tk->status = yg_tk_col_text(st, 4);
	tk->resolution = yg_tk_col_text(st, 5);
	tk->assignee = yg_tk_col_text(st, 6);
	tk->description = yg_tk_col_text(st, 7);
	tk->rule_id = yg_tk_col_text(st, 8);
	tk->fold_key = yg_tk_col_text(st, 9);
	tk->first_alert_id = yg_tk_col_text(st, 10);
	tk->level = sqlite3_column_int(st, 11);
	tk->created_ms = sqlite3_column_int64(st, 12);
	tk->updated_ms = sqlite3_column_int64(st, 13);
	tk->alert_count = sqlite3_column_int64(st, 14);
	tk->first_alert_ms = sqlite3_column_int64(st, 15);
	tk->last_alert_ms = sqlite3_column_int64(st, 16);
}

/* Whether ticket id exists; YG_ENOTFOUND or YG_EIO otherwise. *status (may
 * be NULL, 16 bytes) gets its status. Caller holds the mutex. */
yg_err yg_tk_ticket_status(yg_tickets *t, int64_t id, char status[16])
{
	sqlite3_stmt *st = yg_tk_prep(t, "SELECT status FROM tickets WHERE id = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	yg_err e = rc == SQLITE_ROW ? YG_OK : rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
	if (!e && status)
		snprintf(status, 16, "%s", yg_tk_col_text(st, 0));
	sqlite3_finalize(st);
	return e;
}

yg_err yg_tk_timeline_insert(yg_tickets *t, int64_t id, const char *kind, const char *text,
                             int64_t time_ms)
{
	sqlite3_stmt *st = yg_tk_prep(
	        t, "INSERT INTO timeline(ticket_id, kind, text, time) VALUES (?1, ?2, ?3, ?4)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	yg_tk_bind_text(st, 2, kind);
	yg_tk_bind_text(st, 3, text);
	sqlite3_bind_int64(st, 4, time_ms);
	return yg_tk_run(st);
}

yg_err yg_tk_touch(yg_tickets *t, int64_t id)
{
	sqlite3_stmt *st = yg_tk_prep(t, "UPDATE tickets SET updated = ?2 WHERE id = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, yg_tk_now_ms());
	return yg_tk_run(st);
}

/* ---- offering an alert ---- */

/* The open ticket alert a folds into, or 0. Caller holds the mutex. */
static yg_err find_fold(yg_tickets *t, const char *key, int64_t time_ms, int64_t *id)
{
	*id = 0;
	if (t->cfg->fold_window == 0)
		return YG_OK;
	sqlite3_stmt *st = yg_tk_prep(t, "SELECT id FROM tickets WHERE fold_key = ?1"
	                                 " AND status <> 'closed' AND last_alert >= ?2"
	                                 " ORDER BY last_alert DESC, id DESC LIMIT 1");
	if (!st)
		return YG_EIO;
	yg_tk_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, time_ms - (int64_t)t->cfg->fold_window * 1000);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

/* A folded alert may raise the ticket's severity and turn it into an
 * incident, never the other way. */
static yg_err fold_into(yg_tickets *t, int64_t id, const tk_alert *a, bool incident)
{
	sqlite3_stmt *st = yg_tk_prep(t, "UPDATE tickets SET alert_count = alert_count + 1,"
	                                 " last_alert = max(last_alert, ?2),"
	                                 " first_alert = min(first_alert, ?2),"
	                                 " severity = max(severity, ?3), level = max(level, ?4),"
	                                 " type = CASE WHEN ?5 THEN 'incident' ELSE type END,"
	                                 " updated = ?6 WHERE id = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, a->time_ms);
	sqlite3_bind_int(st, 3, yg_tickets_severity_of_level(a->level));
	sqlite3_bind_int(st, 4, a->level);
	sqlite3_bind_int(st, 5, incident);
	sqlite3_bind_int64(st, 6, yg_tk_now_ms());
	return yg_tk_run(st);
}

static yg_err open_ticket(yg_tickets *t, const tk_alert *a, const char *key, bool incident,
                          int64_t *id)
{
	yg_buf desc;
	yg_buf_init(&desc, 64 * 1024);
	yg_err e = yg_tk_alert_description(a, &desc);
	if (e) {
		yg_buf_free(&desc);
		return e;
	}
	sqlite3_stmt *st =
	        yg_tk_prep(t, "INSERT INTO tickets(title, type, severity, status, description,"
	                      " rule_id, fold_key, first_alert_id, level, created, updated,"
	                      " alert_count, first_alert, last_alert) VALUES"
	                      " (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8, ?9, ?9, 1, ?10, ?10)");
	if (!st) {
		yg_buf_free(&desc);
		return YG_EIO;
	}
	char title[64];
	const char *tt = a->description;
	if (!tt[0]) {
		snprintf(title, sizeof(title), "Rule %.40s", a->rule_id);
		tt = title;
	}
	yg_tk_bind_text(st, 1, tt);
	yg_tk_bind_text(st, 2, incident ? "incident" : "alert");
	sqlite3_bind_int(st, 3, yg_tickets_severity_of_level(a->level));
	yg_tk_bind_text(st, 4, desc.data ? desc.data : "");
	yg_tk_bind_text(st, 5, a->rule_id);
	yg_tk_bind_text(st, 6, key);
	yg_tk_bind_text(st, 7, a->id);
	sqlite3_bind_int(st, 8, a->level);
	sqlite3_bind_int64(st, 9, yg_tk_now_ms());
	sqlite3_bind_int64(st, 10, a->time_ms);
	e = yg_tk_run(st);
	yg_buf_free(&desc);
	if (!e)
		*id = sqlite3_last_insert_rowid(t->db);
	return e;
}

/* The part of offer() inside the transaction. */
static yg_err offer_locked(yg_tickets *t, const tk_alert *a, const char *key,
                           yg_tickets_outcome *oc, int64_t *id)
{
	sqlite3_stmt *st = yg_tk_prep(t, "SELECT ticket_id FROM ticket_alerts WHERE alert_id = ?1");
	if (!st)
		return YG_EIO;
	yg_tk_bind_text(st, 1, a->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*oc = YG_TICKETS_DUPLICATE;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return YG_OK;
	if (rc != SQLITE_DONE)
		return YG_EIO;

	bool incident = yg_tk_alert_in_group(a, "incident");
	yg_err e = find_fold(t, key, a->time_ms, id);
	if (!e && *id) {
		e = fold_into(t, *id, a, incident);
		*oc = YG_TICKETS_FOLDED;
	} else if (!e) {
		e = open_ticket(t, a, key, incident, id);
		*oc = YG_TICKETS_OPENED;
	}
	if (e)
		return e;
	if (!(st = yg_tk_prep(t, "INSERT INTO ticket_alerts(ticket_id, alert_id, time)"
	                         " VALUES (?1, ?2, ?3)")))
		return YG_EIO;
	sqlite3_bind_int64(st, 1, *id);
	yg_tk_bind_text(st, 2, a->id);
	sqlite3_bind_int64(st, 3, a->time_ms);
	if ((e = yg_tk_run(st)))
		return e;
	yg_buf text;
	yg_buf_init(&text, 256 * 1024);
	e = yg_tk_alert_timeline_text(a, &text);
	if (!e)
		e = yg_tk_timeline_insert(t, *id, yg_tickets_kind_name(yg_tk_alert_kind(a)),
		                          text.data, a->time_ms);
	yg_buf_free(&text);
	return e;
}

yg_err yg_tickets_offer(yg_tickets *t, const char *alert_json, size_t len,
                        yg_tickets_outcome *outcome, int64_t *ticket_id)
{
	yg_tickets_outcome oc = YG_TICKETS_NOT_ROUTED;
	int64_t id = 0;
	tk_alert a;
	if (outcome)
		*outcome = oc;
	if (ticket_id)
		*ticket_id = 0;
	yg_err e = yg_tk_alert_parse(alert_json, len, yg_tk_now_ms(), &a);
	if (e)
		return e;
	if (!yg_tk_route_match(t->cfg, &a)) {
		json_object_put(a.root);
		return YG_OK;
	}
	yg_buf key;
	yg_buf_init(&key, 8192);
	if ((e = yg_tk_alert_fold_key(&a, &key))) {
		json_object_put(a.root);
		yg_buf_free(&key);
		return e == YG_ELIMIT ? YG_EPARSE : e;
	}
	pthread_mutex_lock(&t->mu);
	e = yg_tk_exec(t, "BEGIN IMMEDIATE");
	if (!e)
		e = yg_tk_finish(t, offer_locked(t, &a, key.data, &oc, &id));
	pthread_mutex_unlock(&t->mu);
	json_object_put(a.root);
	yg_buf_free(&key);
	if (e)
		return e;
	if (outcome)
		*outcome = oc;
	if (ticket_id)
		*ticket_id = id;
	return YG_OK;
}

/* ---- forwarding (request building lives in tickets_forward.c) ---- */

size_t yg_tickets_nforwarders(const yg_tickets *t)
{
	return t->cfg->nfwd;
}

const char *yg_tickets_forwarder_type(const yg_tickets *t, size_t i)
{
	const tk_forward *f = yg_tk_config_forward(t->cfg, i);
	if (!f)
		return NULL;
	return f->type == TK_FWD_CATALYST ? "catalyst" : "thehive";
}

const yg_tickets_config *yg_tk_store_config(const yg_tickets *t)
{
	return t->cfg;
}
