/* tickets_update.c: changing tickets: comments, timeline entries, linked
 * bans, status and assignee (see tickets.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickets/tickets_db.h"

#define MAX_AUTHOR 64
#define MAX_COMMENT 16384
#define MAX_TIMELINE 65536
#define CANON_MAX (INET6_ADDRSTRLEN + 20) /* an address, "/", a prefix length */

/* Runs fn inside a transaction on an existing ticket. */
static yg_err in_tx(yg_tickets *t, int64_t id,
                    yg_err (*fn)(yg_tickets *t, int64_t id, const void *arg), const void *arg)
{
	pthread_mutex_lock(&t->mu);
	yg_err e = yg_tk_exec(t, "BEGIN IMMEDIATE");
	if (!e) {
		yg_err r = yg_tk_ticket_status(t, id, NULL);
		if (!r)
			r = fn(t, id, arg);
		if (!r)
			r = yg_tk_touch(t, id);
		e = yg_tk_finish(t, r);
	}
	pthread_mutex_unlock(&t->mu);
	return e;
}

typedef struct comment_arg {
	const char *author, *text;
} comment_arg;

static yg_err do_comment(yg_tickets *t, int64_t id, const void *arg)
{
	const comment_arg *c = arg;
	int64_t now = yg_tk_now_ms();
	sqlite3_stmt *st = yg_tk_prep(
	        t, "INSERT INTO comments(ticket_id, author, text, time) VALUES (?1, ?2, ?3, ?4)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	yg_tk_bind_text(st, 2, c->author);
	yg_tk_bind_text(st, 3, c->text);
	sqlite3_bind_int64(st, 4, now);
	yg_err e = yg_tk_run(st);
	if (e)
		return e;
	yg_buf b;
	yg_buf_init(&b, MAX_COMMENT * 7 + 256);
	e = yg_buf_printf(&b, "{\"comment_id\":%lld,\"author\":",
	                  (long long)sqlite3_last_insert_rowid(t->db));
	if (!e)
		e = yg_buf_json_str(&b, c->author);
	if (!e)
		e = yg_buf_puts(&b, ",\"text\":");
	if (!e)
		e = yg_buf_json_str(&b, c->text);
	if (!e)
		e = yg_buf_putc(&b, '}');
	if (!e)
		e = yg_tk_timeline_insert(t, id, "comment", b.data, now);
	yg_buf_free(&b);
	return e;
}

yg_err yg_tickets_comment(yg_tickets *t, int64_t id, const char *author, const char *text)
{
	if (!author || !text)
		return YG_EINVAL;
	size_t al = strlen(author), tl = strlen(text);
	/* newlines and tabs are fine in a comment, other controls are not */
	for (size_t i = 0; i < tl; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
			return YG_EINVAL;
	}
	if (al == 0 || al > MAX_AUTHOR || !yg_tk_printable(author, al) || tl == 0 ||
	    tl > MAX_COMMENT)
		return YG_EINVAL;
	comment_arg c = {author, text};
	return in_tx(t, id, do_comment, &c);
}

typedef struct timeline_arg {
	const char *kind, *text;
} timeline_arg;

static yg_err do_timeline(yg_tickets *t, int64_t id, const void *arg)
{
	const timeline_arg *a = arg;
	return yg_tk_timeline_insert(t, id, a->kind, a->text, yg_tk_now_ms());
}

yg_err yg_tickets_timeline_add(yg_tickets *t, int64_t id, yg_tickets_kind kind, const char *text)
{
	const char *kn = yg_tickets_kind_name(kind);
	if (!kn || !text || !text[0] || strlen(text) > MAX_TIMELINE)
		return YG_EINVAL;
	timeline_arg a = {kn, text};
	return in_tx(t, id, do_timeline, &a);
}

/* Canonical text of an IPv4/IPv6 address or CIDR into out; false when s is
 * neither. */
static bool canon_address(const char *s, char out[CANON_MAX])
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(addr))
		return false;
	memcpy(addr, s, n);
	addr[n] = '\0';
	unsigned char bin[16];
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, bin) != 1 || !inet_ntop(af, bin, addr, sizeof(addr)))
		return false;
	if (!slash) {
		snprintf(out, CANON_MAX, "%s", addr);
		return true;
	}
	const char *p = slash + 1;
	int bits = 0, nd = 0;
	for (; *p >= '0' && *p <= '9' && nd < 4; p++, nd++)
		bits = bits * 10 + (*p - '0');
	if (*p || nd == 0 || bits > (af == AF_INET ? 32 : 128))
		return false;
	snprintf(out, CANON_MAX, "%s/%d", addr, bits);
	return true;
}

static yg_err do_ban(yg_tickets *t, int64_t id, const void *arg)
{
	const char *addr = arg;
	int64_t now = yg_tk_now_ms();
	sqlite3_stmt *st = yg_tk_prep(t, "INSERT OR IGNORE INTO bans(ticket_id, address, time)"
	                                 " VALUES (?1, ?2, ?3)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	yg_tk_bind_text(st, 2, addr);
	sqlite3_bind_int64(st, 3, now);
	yg_err e = yg_tk_run(st);
	if (e || sqlite3_changes(t->db) == 0)
		return e;
	char text[CANON_MAX + 32];
	snprintf(text, sizeof(text), "{\"address\":\"%s\"}", addr);
	return yg_tk_timeline_insert(t, id, "ban", text, now);
}

yg_err yg_tickets_link_ban(yg_tickets *t, int64_t id, const char *address)
{
	char canon[CANON_MAX];
	if (!address || !canon_address(address, canon))
		return YG_EINVAL;
	return in_tx(t, id, do_ban, canon);
}

/* ---- updates ---- */

static yg_err refuse(char *msg, size_t msgsz, const char *text)
{
	if (msg && msgsz)
		snprintf(msg, msgsz, "%s", text);
	return YG_EINVAL;
}

static bool value_ok(const char *s)
{
	size_t n = strlen(s);
	return n <= TK_MAX_VALUE && yg_tk_printable(s, n);
}

/* Checks the move from `from` to u->status; NULL when allowed, else why
 * not. */
static const char *check_move(const char *from, const yg_tickets_change *u)
{
	const char *to = u->status;
	if (!to)
		return u->resolution && strcmp(from, "closed")
		               ? "a resolution is only set when closing"
		               : NULL;
	if (!yg_tk_valid_status(to))
		return "status must be open, in_progress or closed";
	if (!strcmp(from, to))
		return !strcmp(to, "closed") ? "the ticket is already closed"
		       : !strcmp(to, "open") ? "the ticket is already open"
		                             : "the ticket is already in progress";
	if (!strcmp(from, "closed") && strcmp(to, "open"))
		return "a closed ticket can only be reopened (status open)";
	if (!strcmp(to, "closed") && (!u->resolution || !u->resolution[0]))
		return "closing a ticket needs a resolution";
	if (strcmp(to, "closed") && u->resolution)
		return "a resolution is only set when closing";
	return NULL;
}

static yg_err status_entry(yg_tickets *t, int64_t id, const char *from, const yg_tickets_change *u,
                           const char *actor)
{
	yg_buf b;
	yg_buf_init(&b, 16 * 1024);
	yg_err e = YG_OK;
	if (u->status) {
		e = yg_buf_printf(&b, "{\"from\":\"%s\",\"to\":\"%s\"", from, u->status);
		if (!e && u->resolution) {
			e = yg_buf_puts(&b, ",\"resolution\":");
			if (!e)
				e = yg_buf_json_str(&b, u->resolution);
		}
	} else if (u->resolution) {
		e = yg_buf_puts(&b, "{\"resolution\":");
		if (!e)
			e = yg_buf_json_str(&b, u->resolution);
	} else {
		e = yg_buf_putc(&b, '{');
	}
	if (!e && u->assignee) {
		e = yg_buf_puts(&b, b.len > 1 ? ",\"assignee\":" : "\"assignee\":");
		if (!e)
			e = yg_buf_json_str(&b, u->assignee);
	}
	if (!e)
		e = yg_buf_puts(&b, ",\"by\":");
	if (!e)
		e = yg_buf_json_str(&b, actor);
	if (!e)
		e = yg_buf_putc(&b, '}');
	if (!e)
		e = yg_tk_timeline_insert(t, id, "status", b.data, yg_tk_now_ms());
	yg_buf_free(&b);
	return e;
}

static yg_err update_locked(yg_tickets *t, int64_t id, const yg_tickets_change *u,
                            yg_tickets_strv *lift, char *msg, size_t msgsz)
{
	char from[16];
	yg_err e = yg_tk_ticket_status(t, id, from);
	if (e == YG_ENOTFOUND) {
		(void)refuse(msg, msgsz, "no such ticket");
		return YG_ENOTFOUND;
	}
	if (e)
		return e;
	const char *why = check_move(from, u);
	if (why)
		return refuse(msg, msgsz, why);
	sqlite3_stmt *st = yg_tk_prep(t, "UPDATE tickets SET"
	                                 " status = coalesce(?2, status),"
	                                 " resolution = CASE WHEN ?2 = 'open' THEN ''"
	                                 "  ELSE coalesce(?3, resolution) END,"
	                                 " assignee = coalesce(?4, assignee),"
	                                 " updated = ?5 WHERE id = ?1");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, id);
	if (u->status)
		yg_tk_bind_text(st, 2, u->status);
	if (u->resolution)
		yg_tk_bind_text(st, 3, u->resolution);
	if (u->assignee)
		yg_tk_bind_text(st, 4, u->assignee);
	sqlite3_bind_int64(st, 5, yg_tk_now_ms());
	if ((e = yg_tk_run(st)))
		return e;
	if ((e = status_entry(t, id, from, u, u->actor ? u->actor : "system")))
		return e;
	if (lift && u->status && !strcmp(u->status, "closed") && t->cfg->close_lifts_bans) {
		if (!(st = yg_tk_prep(t,
		                      "SELECT address FROM bans WHERE ticket_id = ?1 ORDER BY id")))
			return YG_EIO;
		sqlite3_bind_int64(st, 1, id);
		e = yg_tk_collect(st, lift);
	}
	return e;
}

yg_err yg_tickets_update(yg_tickets *t, int64_t id, const yg_tickets_change *u,
                         yg_tickets_strv *lift, char *msg, size_t msgsz)
{
	if (msg && msgsz)
		msg[0] = '\0';
	if (lift) {
		lift->v = NULL;
		lift->n = 0;
	}
	if (!u || (!u->status && !u->resolution && !u->assignee))
		return refuse(msg, msgsz, "nothing to change");
	if ((u->status && !value_ok(u->status)) || (u->resolution && !value_ok(u->resolution)) ||
	    (u->assignee && !value_ok(u->assignee)) || (u->actor && !value_ok(u->actor)))
		return refuse(msg, msgsz,
		              "values must be at most 1024 bytes without control characters");
	pthread_mutex_lock(&t->mu);
	yg_err e = yg_tk_exec(t, "BEGIN IMMEDIATE");
	if (!e)
		e = yg_tk_finish(t, update_locked(t, id, u, lift, msg, msgsz));
	pthread_mutex_unlock(&t->mu);
	if (e && lift)
		yg_tickets_strv_free(lift);
	return e;
}
