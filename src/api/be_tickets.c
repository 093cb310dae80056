/* be_tickets.c: the tickets group of the API backend over src/tickets. */
#include <stdio.h>
#include <string.h>

#include "api/api_backend.h"
#include "common/ybuf.h"
#include "tickets/tickets.h"

static void set_msg(char *msg, size_t sz, const char *s)
{
	if (msg && sz && !msg[0])
		snprintf(msg, sz, "%s", s);
}

static json_object *ticket_json(const yg_ticket *tk)
{
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	json_object *o = NULL;
	if (yg_ticket_to_json(tk, &b) == YG_OK && b.data)
		o = json_tokener_parse(b.data);
	yg_buf_free(&b);
	return o;
}

static int list_cb(void *ctx, const yg_ticket *tk)
{
	json_object *o = ticket_json(tk);
	if (!o)
		return 1;
	json_object_array_add(ctx, o);
	return 0;
}

static yg_err t_list(void *ctx, const yg_api_ticket_filter *f, json_object **out, char *msg,
                     size_t msgsz)
{
	yg_tickets_filter tf = {
	        .status = f->status,
	        .type = f->type,
	        .severity = f->severity,
	        .assignee = f->assignee,
	        .rule_id = f->rule_id,
	        .min_level = f->min_level,
	        .text = f->text,
	        .limit = f->limit,
	        .offset = f->offset,
	};
	json_object *a = json_object_new_array();
	if (!a)
		return YG_ENOMEM;
	yg_err err = yg_tickets_list(ctx, &tf, list_cb, a);
	if (err) {
		json_object_put(a);
		set_msg(msg, msgsz, "the tickets cannot be listed now");
		return err;
	}
	*out = a;
	return YG_OK;
}

/* The entry's text parsed when it is one JSON object (alerts, bans,
 * status changes are written so), else NULL. */
static json_object *entry_data(const char *text)
{
	if (!text || text[0] != '{')
		return NULL;
	json_tokener *tok = json_tokener_new_ex(32);
	json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)strlen(text)) : NULL;
	bool whole = o && json_tokener_get_error(tok) == json_tokener_success &&
	             json_tokener_get_parse_end(tok) == strlen(text);
	json_tokener_free(tok);
	if (!whole || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* What the UI draws: alert, fim, yara, response, ban, unban, comment,
 * status, assign (a status entry that only changed the assignee). */
static const char *entry_type(const char *kind, json_object *data)
{
	static const char *const map[][2] = {{"alert", "alert"},
	                                     {"fim_diff", "fim"},
	                                     {"yara_hit", "yara"},
	                                     {"response", "response"},
	                                     {"comment", "comment"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(kind, map[i][0]) == 0)
			return map[i][1];
	if (strcmp(kind, "ban") == 0) {
		const char *a = json_object_get_string(json_object_object_get(data, "action"));
		return a && strcmp(a, "lifted") == 0 ? "unban" : "ban";
	}
	if (strcmp(kind, "status") == 0)
		return data && !json_object_object_get(data, "to") &&
		                       !json_object_object_get(data, "resolution") &&
		                       json_object_object_get(data, "assignee")
		               ? "assign"
		               : "status";
	return kind;
}

static int entry_cb(void *ctx, const yg_tickets_entry *e)
{
	json_object *o = json_object_new_object();
	json_object *data = entry_data(e->text);
	json_object_object_add(o, "id", json_object_new_int64(e->id));
	json_object_object_add(o, "kind", json_object_new_string(e->kind));
	json_object_object_add(o, "type", json_object_new_string(entry_type(e->kind, data)));
	json_object_object_add(o, "data", data);
	json_object_object_add(o, "author", json_object_new_string(e->author));
	json_object_object_add(o, "text", json_object_new_string(e->text));
	json_object_object_add(o, "time_ms", json_object_new_int64(e->time_ms));
	json_object_array_add(ctx, o);
	return 0;
}

static json_object *strv_json(const yg_tickets_strv *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}

static yg_err t_get(void *ctx, int64_t id, json_object **out, char *msg, size_t msgsz)
{
	yg_tickets *t = ctx;
	yg_ticket *tk = NULL;
	yg_err err = yg_tickets_get(t, id, &tk);
	if (err)
		return err;
	json_object *o = json_object_new_object();
	json_object *tl = json_object_new_array(), *cm = json_object_new_array();
	json_object_object_add(o, "ticket", ticket_json(tk));
	yg_ticket_free(tk);
	yg_tickets_strv bans = {0}, alerts = {0};
	err = yg_tickets_timeline(t, id, 1000, 0, entry_cb, tl);
	if (!err)
		err = yg_tickets_comments(t, id, 1000, 0, entry_cb, cm);
	if (!err)
		err = yg_tickets_bans(t, id, &bans);
	if (!err)
		err = yg_tickets_alert_ids(t, id, &alerts);
	json_object_object_add(o, "timeline", tl);
	json_object_object_add(o, "comments", cm);
	json_object_object_add(o, "bans", strv_json(&bans));
	json_object_object_add(o, "alert_ids", strv_json(&alerts));
	yg_tickets_strv_free(&bans);
	yg_tickets_strv_free(&alerts);
	if (err) {
		json_object_put(o);
		set_msg(msg, msgsz, "the ticket cannot be read now");
		return err;
	}
	*out = o;
	return YG_OK;
}

static yg_err t_update(void *ctx, int64_t id, const yg_api_ticket_change *c, json_object **out,
                       char *msg, size_t msgsz)
{
	yg_tickets *t = ctx;
	yg_tickets_change u = {
	        .status = c->status,
	        .resolution = c->resolution,
	        .assignee = c->assignee,
	        .actor = c->actor,
	};
	yg_tickets_strv lift = {0};
	yg_err err = yg_tickets_update(t, id, &u, &lift, msg, msgsz);
	if (err) {
		yg_tickets_strv_free(&lift);
		return err;
	}
	yg_ticket *tk = NULL;
	err = yg_tickets_get(t, id, &tk);
	json_object *o = err ? NULL : json_object_new_object();
	if (o) {
		json_object_object_add(o, "ticket", ticket_json(tk));
		json_object_object_add(o, "lift", strv_json(&lift));
	}
	yg_ticket_free(tk);
	yg_tickets_strv_free(&lift);
	if (!o)
		return err ? err : YG_ENOMEM;
	*out = o;
	return YG_OK;
}

static yg_err t_comment(void *ctx, int64_t id, const char *author, const char *text, char *msg,
                        size_t msgsz)
{
	yg_err err = yg_tickets_comment(ctx, id, author, text);
	if (err == YG_EINVAL)
		set_msg(msg, msgsz, "the comment was refused (author 1..64, text 1..16384 bytes)");
	return err;
}

static yg_err t_stats(void *ctx, json_object **out, char *msg, size_t msgsz)
{
	yg_tickets_stats st;
	yg_err err = yg_tickets_get_stats(ctx, &st);
	if (err) {
		set_msg(msg, msgsz, "the ticket statistics cannot be read now");
		return err;
	}
	json_object *o = json_object_new_object(), *sev = json_object_new_object();
	json_object_object_add(o, "open", json_object_new_int64((int64_t)st.open));
	json_object_object_add(o, "in_progress", json_object_new_int64((int64_t)st.in_progress));
	json_object_object_add(o, "closed", json_object_new_int64((int64_t)st.closed));
	for (int s = 1; s <= 3; s++)
		json_object_object_add(
		        sev, yg_tickets_severity_name(s),
		        json_object_new_int64((int64_t)st.unresolved_by_severity[s]));
	json_object_object_add(o, "unresolved_by_severity", sev);
	*out = o;
	return YG_OK;
}

static yg_err t_link_ban(void *ctx, int64_t id, const char *address, char *msg, size_t msgsz)
{
	yg_err err = yg_tickets_link_ban(ctx, id, address);
	if (err == YG_EINVAL)
		set_msg(msg, msgsz, "not an IP address or network");
	return err;
}

static yg_err t_note(void *ctx, int64_t id, const char *kind, const char *json, char *msg,
                     size_t msgsz)
{
	static const struct {
		const char *name;
		yg_tickets_kind kind;
	} kinds[] = {{"ban", YG_TL_BAN}, {"response", YG_TL_RESPONSE}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, kind) == 0)
			return yg_tickets_timeline_add(ctx, id, kinds[i].kind, json);
	set_msg(msg, msgsz, "no such timeline kind");
	return YG_EINVAL;
}

yg_err yg_api_backend_tickets(yg_api_backend *be, yg_tickets *t)
{
	if (!be || !t)
		return YG_EINVAL;
	/* create stays NULL: tickets are opened by routed alerts only (the
	 * tickets module has no manual creation). */
	be->tickets = (yg_api_tickets_ops){
	        .ctx = t,
	        .list = t_list,
	        .get = t_get,
	        .update = t_update,
	        .comment = t_comment,
	        .stats = t_stats,
	        .link_ban = t_link_ban,
	        .note = t_note,
	};
	return YG_OK;
}
