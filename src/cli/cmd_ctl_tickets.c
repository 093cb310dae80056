/* cmd_ctl_tickets.c: `yagura ctl tickets`: the incident tickets,
 * HOME/var/db/tickets.db (tickets/tickets.h). Closing honours the
 * configuration's <tickets><close_lifts_bans>: the ticket's bans are then
 * lifted in the ban ledger, as the manager would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_ctl_int.h"
#include "tickets/tickets.h"
#include "waf/ledger.h"

#define TEXT_MAX 16384
#define RESOLUTION_MAX 1024

static int open_tickets(ctl *c, const yg_tickets_config *cfg, yg_tickets **t)
{
	char p[PATH_MAX + 64];
	*t = NULL;
	if (!ctl_path(c, p, sizeof(p), "var/db/tickets.db"))
		return CTL_FAIL;
	if (access(p, F_OK) != 0)
		return CTL_OK; /* no ticket ever opened */
	yg_diag *d = yg_diag_create();
	yg_err err = d ? yg_tickets_create(p, cfg, d, t) : YG_ENOMEM;
	if (err) {
		if (d)
			yg_diag_print(d, stderr);
		ctl_err("cannot open the tickets %s: %s", p, yg_strerror(err));
	}
	yg_diag_destroy(d);
	return err ? CTL_FAIL : CTL_OK;
}

static bool ticket_id(const char *s, int64_t *id)
{
	long v;
	if (!ctl_parse_long(s, 1, LONG_MAX, "ticket ID", &v))
		return false;
	*id = v;
	return true;
}

/* A ticket as JSON: the module's own rendering, parsed back. */
static json_object *ticket_json(const yg_ticket *tk)
{
	yg_buf b;
	yg_buf_init(&b, 1u << 22);
	json_object *o = NULL;
	if (yg_ticket_to_json(tk, &b) == YG_OK && b.data)
		o = json_tokener_parse(b.data);
	yg_buf_free(&b);
	return o ? o : json_object_new_object();
}

typedef struct list_ctx {
	json_object *arr;
	ctl_table *t;
} list_ctx;

static int list_one(void *ctx, const yg_ticket *tk)
{
	list_ctx *l = ctx;
	if (l->arr)
		json_object_array_add(l->arr, ticket_json(tk));
	if (l->t) {
		char id[24], n[24], last[32];
		snprintf(id, sizeof(id), "%lld", (long long)tk->id);
		snprintf(n, sizeof(n), "%lld", (long long)tk->alert_count);
		const char *row[] = {id,
		                     tk->status,
		                     yg_tickets_severity_name(tk->severity),
		                     tk->type,
		                     n,
		                     ctl_fmt_time(tk->last_alert_ms / 1000, last, sizeof(last)),
		                     tk->assignee && tk->assignee[0] ? tk->assignee : "-",
		                     tk->title};
		ctl_table_row(l->t, row);
	}
	return 0;
}

static int tickets_list(ctl *c)
{
	const char *status = ctl_opt_value(c, "--status");
	const char *text = ctl_opt_value(c, "--text");
	const char *lim_s = ctl_opt_value(c, "--limit");
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	long limit = 50;
	if (lim_s && !ctl_parse_long(lim_s, 1, 1000, "--limit", &limit))
		return CTL_FAIL;
	if (status && strcmp(status, "open") && strcmp(status, "in_progress") &&
	    strcmp(status, "closed")) {
		ctl_err("--status: open, in_progress or closed, not '%.32s'", status);
		return CTL_FAIL;
	}
	if (text && !ctl_check_text(text, 1024, "--text"))
		return CTL_FAIL;
	yg_tickets *t;
	if ((rc = open_tickets(c, NULL, &t)))
		return rc;
	static const char *const head[] = {"ID",     "STATUS", "SEVERITY", "TYPE",
	                                   "ALERTS", "LAST",   "ASSIGNEE", "TITLE"};
	list_ctx l = {0};
	if (c->json)
		l.arr = json_object_new_array();
	else
		l.t = ctl_table_new(8, head);
	yg_tickets_filter f = {.status = status, .text = text, .limit = (size_t)limit};
	yg_err err = t ? yg_tickets_list(t, &f, list_one, &l) : YG_OK;
	yg_tickets_destroy(t);
	if (err) {
		ctl_err("cannot read the tickets: %s", yg_strerror(err));
		json_object_put(l.arr);
		ctl_table_print(l.t);
		return CTL_FAIL;
	}
	if (c->json)
		ctl_print_json(l.arr);
	else
		ctl_table_print(l.t);
	return CTL_OK;
}

typedef struct entry_ctx {
	json_object *arr;
	bool print;
} entry_ctx;

static int entry_one(void *ctx, const yg_tickets_entry *e)
{
	entry_ctx *x = ctx;
	if (x->arr) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(e->id));
		json_object_object_add(o, "kind", ctl_jstr(e->kind));
		json_object_object_add(o, "author", ctl_jstr(e->author));
		json_object_object_add(o, "text", ctl_jstr(e->text));
		json_object_object_add(o, "time_ms", json_object_new_int64(e->time_ms));
		json_object_array_add(x->arr, o);
	}
	if (x->print) {
		char t[32], label[96];
		snprintf(label, sizeof(label), "  %s %s%s%s",
		         ctl_fmt_time(e->time_ms / 1000, t, sizeof(t)), e->kind,
		         e->author && e->author[0] ? " by " : "", e->author ? e->author : "");
		ctl_kv(label, e->text);
	}
	return 0;
}

static json_object *strv_json(const yg_tickets_strv *s)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, ctl_jstr(s->v[i]));
	return a;
}

static int tickets_show(ctl *c)
{
	int rc = ctl_done(c, 1, 1);
	if (rc)
		return rc;
	int64_t id;
	if (!ticket_id(c->pos[0], &id))
		return CTL_FAIL;
	yg_tickets *t;
	if ((rc = open_tickets(c, NULL, &t)))
		return rc;
	yg_ticket *tk = NULL;
	yg_err err = t ? yg_tickets_get(t, id, &tk) : YG_ENOTFOUND;
	if (err) {
		yg_tickets_destroy(t);
		if (err == YG_ENOTFOUND)
			ctl_err("no ticket %lld", (long long)id);
		else
			ctl_err("cannot read ticket %lld: %s", (long long)id, yg_strerror(err));
		return CTL_FAIL;
	}
	yg_tickets_strv alerts = {0}, bans = {0};
	yg_tickets_alert_ids(t, id, &alerts);
	yg_tickets_bans(t, id, &bans);
	if (c->json) {
		json_object *o = ticket_json(tk);
		entry_ctx com = {.arr = json_object_new_array()},
		          tl = {.arr = json_object_new_array()};
		yg_tickets_comments(t, id, 1000, 0, entry_one, &com);
		yg_tickets_timeline(t, id, 1000, 0, entry_one, &tl);
		json_object_object_add(o, "comments", com.arr);
		json_object_object_add(o, "timeline", tl.arr);
		json_object_object_add(o, "alert_ids", strv_json(&alerts));
		json_object_object_add(o, "bans", strv_json(&bans));
		ctl_print_json(o);
	} else {
		char buf[64], t1[32], t2[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)tk->id);
		ctl_kv("ticket:", buf);
		ctl_kv("title:", tk->title);
		ctl_kv("status:", tk->status);
		if (tk->resolution && tk->resolution[0])
			ctl_kv("resolution:", tk->resolution);
		snprintf(buf, sizeof(buf), "%s (level %d)", yg_tickets_severity_name(tk->severity),
		         tk->level);
		ctl_kv("severity:", buf);
		ctl_kv("type:", tk->type);
		ctl_kv("assignee:", tk->assignee && tk->assignee[0] ? tk->assignee : "-");
		ctl_kv("rule:", tk->rule_id);
		snprintf(buf, sizeof(buf), "%lld, %s .. %s", (long long)tk->alert_count,
		         ctl_fmt_time(tk->first_alert_ms / 1000, t1, sizeof(t1)),
		         ctl_fmt_time(tk->last_alert_ms / 1000, t2, sizeof(t2)));
		ctl_kv("alerts:", buf);
		for (size_t i = 0; i < bans.n; i++)
			ctl_kv(i ? "" : "bans:", bans.v[i]);
		printf("description:\n");
		ctl_kv("", tk->description);
		entry_ctx com = {.print = true}, tl = {.print = true};
		printf("comments:\n");
		yg_tickets_comments(t, id, 1000, 0, entry_one, &com);
		printf("timeline:\n");
		yg_tickets_timeline(t, id, 1000, 0, entry_one, &tl);
	}
	yg_tickets_strv_free(&alerts);
	yg_tickets_strv_free(&bans);
	yg_ticket_free(tk);
	yg_tickets_destroy(t);
	return CTL_OK;
}

/* Lifts the bans a closed ticket returned, in the ban ledger. */
static void lift_bans(ctl *c, const yg_tickets_strv *lift, json_object *o)
{
	json_object *arr = json_object_new_array();
	char p[PATH_MAX + 64];
	yg_waf_ledger *l = NULL;
	if (lift->n && ctl_path(c, p, sizeof(p), "var/db/bans.db") && access(p, F_OK) == 0 &&
	    yg_waf_ledger_open(p, &l) != YG_OK)
		ctl_err("cannot open the ban ledger %s: the ticket's bans were not lifted", p);
	for (size_t i = 0; l && i < lift->n; i++) {
		if (yg_waf_ledger_lift(l, lift->v[i], ctl_actor()) == YG_OK) {
			json_object_array_add(arr, ctl_jstr(lift->v[i]));
			if (!c->json)
				printf("The ban of %s is lifted.\n", lift->v[i]);
		}
	}
	yg_waf_ledger_close(l);
	if (o)
		json_object_object_add(o, "lifted_bans", arr);
	else
		json_object_put(arr);
}

static int tickets_close(ctl *c)
{
	const char *resolution = ctl_opt_value(c, "--resolution");
	int rc = ctl_done(c, 1, 1);
	if (rc)
		return rc;
	if (!resolution) {
		ctl_err("tickets close needs --resolution TEXT");
		return CTL_USAGE;
	}
	int64_t id;
	if (!ticket_id(c->pos[0], &id) ||
	    !ctl_check_text(resolution, RESOLUTION_MAX, "--resolution"))
		return CTL_FAIL;
	bool loaded;
	if ((rc = ctl_config(c, &loaded)))
		return rc;
	yg_tickets *t;
	if ((rc = open_tickets(c, loaded ? c->cfg.tickets : NULL, &t)))
		return rc;
	yg_tickets_change ch = {.status = "closed", .resolution = resolution, .actor = ctl_actor()};
	yg_tickets_strv lift = {0};
	char msg[256] = "";
	yg_err err = t ? yg_tickets_update(t, id, &ch, &lift, msg, sizeof(msg)) : YG_ENOTFOUND;
	yg_tickets_destroy(t);
	if (err) {
		if (err == YG_ENOTFOUND)
			ctl_err("no ticket %lld", (long long)id);
		else
			ctl_err("ticket %lld not closed: %s", (long long)id,
			        msg[0] ? msg : yg_strerror(err));
		yg_tickets_strv_free(&lift);
		return CTL_FAIL;
	}
	json_object *o = NULL;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(id));
		json_object_object_add(o, "status", ctl_jstr("closed"));
		json_object_object_add(o, "resolution", ctl_jstr(resolution));
	} else {
		printf("Ticket %lld closed.\n", (long long)id);
	}
	lift_bans(c, &lift, o);
	yg_tickets_strv_free(&lift);
	ctl_notify_manager(c, o);
	if (o)
		ctl_print_json(o);
	return CTL_OK;
}

static int tickets_comment(ctl *c)
{
	int rc = ctl_done(c, 2, 2);
	if (rc)
		return rc;
	int64_t id;
	if (!ticket_id(c->pos[0], &id) || !ctl_check_text(c->pos[1], TEXT_MAX, "the comment"))
		return CTL_FAIL;
	yg_tickets *t;
	if ((rc = open_tickets(c, NULL, &t)))
		return rc;
	yg_err err = t ? yg_tickets_comment(t, id, ctl_actor(), c->pos[1]) : YG_ENOTFOUND;
	yg_tickets_destroy(t);
	if (err == YG_ENOTFOUND) {
		ctl_err("no ticket %lld", (long long)id);
		return CTL_FAIL;
	} else if (err) {
		ctl_err("comment not added to ticket %lld: %s", (long long)id, yg_strerror(err));
		return CTL_FAIL;
	}
	json_object *o = NULL;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(id));
		json_object_object_add(o, "author", ctl_jstr(ctl_actor()));
		json_object_object_add(o, "comment", ctl_jstr(c->pos[1]));
	} else {
		printf("Comment added to ticket %lld by %s.\n", (long long)id, ctl_actor());
	}
	ctl_notify_manager(c, o);
	if (o)
		ctl_print_json(o);
	return CTL_OK;
}

int ctl_tickets(ctl *c)
{
	const char *v = c->verb ? c->verb : "";
	if (!strcmp(v, "list"))
		return tickets_list(c);
	if (!strcmp(v, "show"))
		return tickets_show(c);
	if (!strcmp(v, "close"))
		return tickets_close(c);
	if (!strcmp(v, "comment"))
		return tickets_comment(c);
	ctl_err("tickets: unknown verb '%.32s' (list, show, close, comment)", v);
	return CTL_USAGE;
}

void ctl_status_tickets(ctl *c, json_object *o)
{
	yg_tickets *t;
	yg_tickets_stats s = {0};
	bool ok =
	        open_tickets(c, NULL, &t) == CTL_OK && (!t || yg_tickets_get_stats(t, &s) == YG_OK);
	yg_tickets_destroy(t);
	if (!ok) {
		json_object_object_add(o, "tickets", NULL);
		if (!c->json)
			printf("tickets:       unreadable\n");
		return;
	}
	json_object *x = json_object_new_object();
	json_object_object_add(x, "open", json_object_new_int64((int64_t)s.open));
	json_object_object_add(x, "in_progress", json_object_new_int64((int64_t)s.in_progress));
	json_object_object_add(x, "closed", json_object_new_int64((int64_t)s.closed));
	json_object_object_add(o, "tickets", x);
	if (!c->json)
		printf("tickets:       %llu open, %llu in progress, %llu closed\n",
		       (unsigned long long)s.open, (unsigned long long)s.in_progress,
		       (unsigned long long)s.closed);
}
