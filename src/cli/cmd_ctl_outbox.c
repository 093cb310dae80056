/* cmd_ctl_outbox.c: `yagura ctl outbox`: the integrations' outbox,
 * HOME/var/db/outbox.db (integrations/outbox.h).
 *
 * yg_outbox_open() turns every in_flight row back into pending (crash
 * recovery for the process that owns the outbox). Done beside a running
 * manager that would put a message the manager is sending right now back
 * in the queue, and the manager's "delivered" (which needs in_flight) would
 * then not stick: the message would be sent twice. So while the manager
 * runs this command refuses to open the outbox; docs/ctl.md says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/cmd_ctl_int.h"
#include "store/outbox.h"

#define LIST_LIMIT_MAX 100000

static const char *const state_names[] = {"pending", "in_flight", "delivered", "dead"};

static const char *state_name(yg_outbox_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "?";
}

static int64_t now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Opens the outbox; *ob NULL with CTL_OK when it does not exist (no
 * integration ever ran). Refused while the manager runs (see above). */
static int open_outbox(ctl *c, yg_outbox **ob)
{
	char p[PATH_MAX + 64];
	*ob = NULL;
	if (!ctl_path(c, p, sizeof(p), "var/db/outbox.db"))
		return CTL_FAIL;
	if (access(p, F_OK) != 0)
		return CTL_OK;
	long pid;
	if (ctl_manager_running(c, &pid)) {
		ctl_err("the manager (pid %ld) is running: the outbox can only be read or changed "
		        "while it is stopped (opening it would re-queue messages being sent); "
		        "stop it, or use the API",
		        pid);
		return CTL_FAIL;
	}
	yg_err err = yg_outbox_open(p, ob);
	if (err) {
		ctl_err("cannot open the outbox %s: %s", p, yg_strerror(err));
		return CTL_FAIL;
	}
	return CTL_OK;
}

typedef struct list_ctx {
	json_object *arr;
	ctl_table *t;
} list_ctx;

static int list_one(void *ctx, const yg_outbox_row *r)
{
	list_ctx *l = ctx;
	if (l->arr) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(r->id));
		json_object_object_add(o, "integration", ctl_jstr(r->integration));
		json_object_object_add(o, "alert_id", ctl_jstr(r->alert_id));
		json_object_object_add(o, "state", ctl_jstr(state_name(r->state)));
		json_object_object_add(o, "attempts", json_object_new_int64(r->attempts));
		json_object_object_add(o, "created_ms", json_object_new_int64(r->created_ms));
		json_object_object_add(o, "next_ms", json_object_new_int64(r->next_ms));
		json_object_object_add(o, "updated_ms", json_object_new_int64(r->updated_ms));
		json_object_object_add(o, "last_error",
		                       r->last_error ? ctl_jstr(r->last_error) : NULL);
		json_object_object_add(o, "body",
		                       json_object_new_string_len(r->body, (int)r->body_len));
		json_object_array_add(l->arr, o);
	}
	if (l->t) {
		char id[24], att[16], upd[32], next[32];
		snprintf(id, sizeof(id), "%lld", (long long)r->id);
		snprintf(att, sizeof(att), "%u", r->attempts);
		const char *row[] = {id,
		                     r->integration,
		                     r->alert_id,
		                     state_name(r->state),
		                     att,
		                     ctl_fmt_time(r->updated_ms / 1000, upd, sizeof(upd)),
		                     r->state == YG_OUTBOX_PENDING
		                             ? ctl_fmt_in(r->next_ms / 1000, next, sizeof(next))
		                             : "-",
		                     r->last_error ? r->last_error : "-"};
		ctl_table_row(l->t, row);
	}
	return 0;
}

static int outbox_list(ctl *c)
{
	const char *st_s = ctl_opt_value(c, "--state");
	const char *key = ctl_opt_value(c, "--integration");
	const char *lim_s = ctl_opt_value(c, "--limit");
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	int state = -1;
	if (st_s) {
		for (int i = 0; i < 4; i++)
			if (!strcmp(st_s, state_names[i]))
				state = i;
		if (state < 0 && strcmp(st_s, "all")) {
			ctl_err("--state: pending, in_flight, delivered, dead or all, not '%.32s'",
			        st_s);
			return CTL_FAIL;
		}
	}
	if (key && !ctl_check_text(key, 128, "--integration"))
		return CTL_FAIL;
	long limit = 100;
	if (lim_s && !ctl_parse_long(lim_s, 1, LIST_LIMIT_MAX, "--limit", &limit))
		return CTL_FAIL;
	yg_outbox *ob;
	if ((rc = open_outbox(c, &ob)))
		return rc;
	static const char *const head[] = {"ID",       "INTEGRATION", "ALERT", "STATE",
	                                   "ATTEMPTS", "UPDATED",     "NEXT",  "LAST ERROR"};
	list_ctx l = {0};
	if (c->json)
		l.arr = json_object_new_array();
	else
		l.t = ctl_table_new(8, head);
	yg_err err = ob ? yg_outbox_list(ob, key, state, 0, (size_t)limit, list_one, &l) : YG_OK;
	yg_outbox_close(ob);
	if (err) {
		ctl_err("cannot read the outbox: %s", yg_strerror(err));
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

static int outbox_retry(ctl *c)
{
	int rc = ctl_done(c, 1, 1);
	if (rc)
		return rc;
	long id;
	if (!ctl_parse_long(c->pos[0], 1, INT64_MAX > LONG_MAX ? LONG_MAX : (long)INT64_MAX, "ID",
	                    &id))
		return CTL_FAIL;
	yg_outbox *ob;
	if ((rc = open_outbox(c, &ob)))
		return rc;
	yg_err err = ob ? yg_outbox_retry_dead(ob, id, now_ms()) : YG_ENOTFOUND;
	yg_outbox_close(ob);
	if (err == YG_ENOTFOUND) {
		ctl_err("outbox message %ld is not a dead message", id);
		return CTL_FAIL;
	} else if (err) {
		ctl_err("cannot retry message %ld: %s", id, yg_strerror(err));
		return CTL_FAIL;
	}
	json_object *o = NULL;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(id));
		json_object_object_add(o, "state", ctl_jstr("pending"));
	} else {
		printf("Message %ld is queued again (pending, due now, attempts reset).\n", id);
	}
	ctl_notify_manager(c, o);
	if (o)
		ctl_print_json(o);
	return CTL_OK;
}

int ctl_outbox(ctl *c)
{
	const char *v = c->verb ? c->verb : "";
	if (!strcmp(v, "list"))
		return outbox_list(c);
	if (!strcmp(v, "retry"))
		return outbox_retry(c);
	ctl_err("outbox: unknown verb '%.32s' (list, retry)", v);
	return CTL_USAGE;
}

void ctl_status_outbox(ctl *c, json_object *o)
{
	char p[PATH_MAX + 64];
	long pid;
	yg_outbox_stats s = {0};
	const char *why = NULL;
	if (!ctl_path(c, p, sizeof(p), "var/db/outbox.db"))
		why = "unreadable";
	else if (access(p, F_OK) != 0)
		; /* no outbox: zeros */
	else if (ctl_manager_running(c, &pid))
		why = "not read while the manager runs";
	else {
		yg_outbox *ob = NULL;
		if (yg_outbox_open(p, &ob) || yg_outbox_stats_get(ob, NULL, &s))
			why = "unreadable";
		yg_outbox_close(ob);
	}
	if (why) {
		json_object_object_add(o, "outbox", NULL);
		if (!c->json)
			printf("outbox:        %s\n", why);
		return;
	}
	json_object *x = json_object_new_object();
	json_object_object_add(x, "pending", json_object_new_int64((int64_t)s.pending));
	json_object_object_add(x, "in_flight", json_object_new_int64((int64_t)s.in_flight));
	json_object_object_add(x, "delivered", json_object_new_int64((int64_t)s.delivered));
	json_object_object_add(x, "dead", json_object_new_int64((int64_t)s.dead));
	json_object_object_add(o, "outbox", x);
	if (!c->json)
		printf("outbox:        %llu pending, %llu dead, %llu delivered\n",
		       (unsigned long long)s.pending, (unsigned long long)s.dead,
		       (unsigned long long)s.delivered);
}
