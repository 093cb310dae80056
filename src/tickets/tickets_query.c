/* tickets_query.c: reading tickets, their timeline, comments, alerts and
 * bans, and the statistics (see tickets.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickets/tickets_db.h"

#define LIST_DEFAULT 50
#define LIST_MAX 1000
#define ENTRIES_DEFAULT 100
#define ENTRIES_MAX 1000

/* ---- reading ---- */

typedef struct owned_ticket {
	yg_ticket tk; /* first: yg_ticket_free casts back */
	char *s[10];
} owned_ticket;

void yg_ticket_free(yg_ticket *tk)
{
	if (!tk)
		return;
	owned_ticket *o = (owned_ticket *)tk;
	for (size_t i = 0; i < sizeof(o->s) / sizeof(o->s[0]); i++)
		free(o->s[i]);
	free(o);
}

yg_err yg_tickets_get(yg_tickets *t, int64_t id, yg_ticket **out)
{
	*out = NULL;
	owned_ticket *o = calloc(1, sizeof(*o));
	if (!o)
		return YG_ENOMEM;
	pthread_mutex_lock(&t->mu);
	yg_err e = YG_EIO;
	sqlite3_stmt *st = yg_tk_prep(t, "SELECT " TICKET_COLS " FROM tickets WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			yg_ticket *tk = &o->tk;
			yg_tk_row_ticket(st, tk);
			const char **f[10] = {&tk->title,      &tk->type,     &tk->status,
			                      &tk->resolution, &tk->assignee, &tk->description,
			                      &tk->rule_id,    &tk->fold_key, &tk->first_alert_id};
			e = YG_OK;
			for (size_t i = 0; i < 9; i++) {
				o->s[i] = strdup(*f[i]);
				*f[i] = o->s[i];
				if (!o->s[i])
					e = YG_ENOMEM;
			}
		} else {
			e = rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&t->mu);
	if (e) {
		yg_ticket_free(&o->tk);
		return e;
	}
	*out = &o->tk;
	return YG_OK;
}

bool yg_tk_valid_status(const char *s)
{
	return !strcmp(s, "open") || !strcmp(s, "in_progress") || !strcmp(s, "closed");
}

/* Builds "SELECT <what> FROM tickets WHERE ..." for f into st (values
 * bound). */
static yg_err filter_prep(yg_tickets *t, const yg_tickets_filter *f, bool count, sqlite3_stmt **out)
{
	*out = NULL;
	if (f->status && !yg_tk_valid_status(f->status))
		return YG_EINVAL;
	if (f->type && strcmp(f->type, "incident") && strcmp(f->type, "alert"))
		return YG_EINVAL;
	if (f->severity < 0 || f->severity > 3)
		return YG_EINVAL;
	char sql[1024] = "";
	size_t n = 0;
	/* only constant fragments go into the text */
#define ADD(frag) n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s", frag)
	ADD(count ? "SELECT count(*) FROM tickets WHERE 1"
	          : "SELECT " TICKET_COLS " FROM tickets WHERE 1");
	if (f->status)
		ADD(" AND status = ?1");
	if (f->type)
		ADD(" AND type = ?2");
	if (f->severity)
		ADD(" AND severity = ?3");
	if (f->assignee)
		ADD(" AND assignee = ?4");
	if (f->rule_id)
		ADD(" AND rule_id = ?5");
	if (f->min_level)
		ADD(" AND level >= ?9");
	if (f->text && f->text[0])
		ADD(" AND (instr(lower(title), lower(?6)) > 0"
		    " OR instr(lower(description), lower(?6)) > 0)");
	if (!count)
		ADD(" ORDER BY last_alert DESC, id DESC LIMIT ?7 OFFSET ?8");
#undef ADD
	sqlite3_stmt *st = yg_tk_prep(t, sql);
	if (!st)
		return YG_EIO;
	if (f->status)
		yg_tk_bind_text(st, 1, f->status);
	if (f->type)
		yg_tk_bind_text(st, 2, f->type);
	if (f->severity)
		sqlite3_bind_int(st, 3, f->severity);
	if (f->assignee)
		yg_tk_bind_text(st, 4, f->assignee);
	if (f->rule_id)
		yg_tk_bind_text(st, 5, f->rule_id);
	if (f->min_level)
		sqlite3_bind_int(st, 9, f->min_level);
	if (f->text && f->text[0])
		yg_tk_bind_text(st, 6, f->text);
	if (!count) {
		size_t lim = f->limit ? f->limit : LIST_DEFAULT;
		sqlite3_bind_int64(st, 7, (sqlite3_int64)(lim > LIST_MAX ? LIST_MAX : lim));
		sqlite3_bind_int64(st, 8,
		                   (sqlite3_int64)(f->offset > INT32_MAX ? INT32_MAX : f->offset));
	}
	*out = st;
	return YG_OK;
}

yg_err yg_tickets_list(yg_tickets *t, const yg_tickets_filter *f, yg_ticket_cb cb, void *ctx)
{
	yg_tickets_filter none = {0};
	sqlite3_stmt *st;
	pthread_mutex_lock(&t->mu);
	yg_err e = filter_prep(t, f ? f : &none, false, &st);
	if (!e) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			yg_ticket tk;
			yg_tk_row_ticket(st, &tk);
			if (cb(ctx, &tk))
				break;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			e = YG_EIO;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&t->mu);
	return e;
}

yg_err yg_tickets_count(yg_tickets *t, const yg_tickets_filter *f, uint64_t *out)
{
	yg_tickets_filter none = {0};
	sqlite3_stmt *st;
	*out = 0;
	pthread_mutex_lock(&t->mu);
	yg_err e = filter_prep(t, f ? f : &none, true, &st);
	if (!e) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*out = (uint64_t)sqlite3_column_int64(st, 0);
		else
			e = YG_EIO;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&t->mu);
	return e;
}

yg_err yg_tickets_get_stats(yg_tickets *t, yg_tickets_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&t->mu);
	yg_err e = YG_EIO;
	sqlite3_stmt *st = yg_tk_prep(
	        t, "SELECT status, severity, count(*) FROM tickets GROUP BY status, severity");
	if (st) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *s = yg_tk_col_text(st, 0);
			int sev = sqlite3_column_int(st, 1);
			uint64_t c = (uint64_t)sqlite3_column_int64(st, 2);
			bool closed = !strcmp(s, "closed");
			if (closed)
				out->closed += c;
			else if (!strcmp(s, "in_progress"))
				out->in_progress += c;
			else
				out->open += c;
			if (!closed && sev >= 1 && sev <= 3)
				out->unresolved_by_severity[sev] += c;
		}
		e = rc == SQLITE_DONE ? YG_OK : YG_EIO;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&t->mu);
	return e;
}

/* ---- string lists ---- */

void yg_tickets_strv_free(yg_tickets_strv *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Appends column 0 of every row of st to out; finalizes st. */
yg_err yg_tk_collect(sqlite3_stmt *st, yg_tickets_strv *out)
{
	int rc;
	yg_err e = YG_OK;
	while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv) {
			e = YG_ENOMEM;
			break;
		}
		out->v = nv;
		if (!(out->v[out->n] = strdup(yg_tk_col_text(st, 0))))
			e = YG_ENOMEM;
		else
			out->n++;
	}
	if (!e && rc != SQLITE_DONE)
		e = YG_EIO;
	sqlite3_finalize(st);
	return e;
}

static yg_err list_strings(yg_tickets *t, int64_t id, const char *sql, yg_tickets_strv *out)
{
	out->v = NULL;
	out->n = 0;
	pthread_mutex_lock(&t->mu);
	yg_err e = yg_tk_ticket_status(t, id, NULL);
	if (!e) {
		sqlite3_stmt *st = yg_tk_prep(t, sql);
		if (!st) {
			e = YG_EIO;
		} else {
			sqlite3_bind_int64(st, 1, id);
			e = yg_tk_collect(st, out);
		}
	}
	pthread_mutex_unlock(&t->mu);
	if (e)
		yg_tickets_strv_free(out);
	return e;
}

yg_err yg_tickets_bans(yg_tickets *t, int64_t id, yg_tickets_strv *out)
{
	return list_strings(t, id, "SELECT address FROM bans WHERE ticket_id = ?1 ORDER BY id",
	                    out);
}

yg_err yg_tickets_alert_ids(yg_tickets *t, int64_t id, yg_tickets_strv *out)
{
	return list_strings(t, id,
	                    "SELECT alert_id FROM ticket_alerts WHERE ticket_id = ?1"
	                    " ORDER BY time, rowid",
	                    out);
}

/* ---- timeline, comments, bans ---- */

static yg_err list_entries(yg_tickets *t, int64_t id, const char *sql, size_t limit, size_t offset,
                           yg_tickets_entry_cb cb, void *ctx)
{
	pthread_mutex_lock(&t->mu);
	yg_err e = yg_tk_ticket_status(t, id, NULL);
	sqlite3_stmt *st = e ? NULL : yg_tk_prep(t, sql);
	if (!e && !st)
		e = YG_EIO;
	if (!e) {
		size_t lim = limit ? limit : ENTRIES_DEFAULT;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(lim > ENTRIES_MAX ? ENTRIES_MAX : lim));
		sqlite3_bind_int64(st, 3, (sqlite3_int64)(offset > INT32_MAX ? INT32_MAX : offset));
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			yg_tickets_entry en = {.id = sqlite3_column_int64(st, 0),
			                       .kind = yg_tk_col_text(st, 1),
			                       .author = yg_tk_col_text(st, 2),
			                       .text = yg_tk_col_text(st, 3),
			                       .time_ms = sqlite3_column_int64(st, 4)};
			if (cb(ctx, &en))
				break;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			e = YG_EIO;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&t->mu);
	return e;
}

yg_err yg_tickets_timeline(yg_tickets *t, int64_t id, size_t limit, size_t offset,
                           yg_tickets_entry_cb cb, void *ctx)
{
	return list_entries(t, id,
	                    "SELECT id, kind, '', text, time FROM timeline WHERE ticket_id = ?1"
	                    " ORDER BY id LIMIT ?2 OFFSET ?3",
	                    limit, offset, cb, ctx);
}

yg_err yg_tickets_comments(yg_tickets *t, int64_t id, size_t limit, size_t offset,
                           yg_tickets_entry_cb cb, void *ctx)
{
	return list_entries(t, id,
	                    "SELECT id, 'comment', author, text, time FROM comments"
	                    " WHERE ticket_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
	                    limit, offset, cb, ctx);
}
