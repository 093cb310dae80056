/* cmd_ctl_alerts.c: `yagura ctl alerts search` on the alert store in
 * HOME/var/db/manager.db (store/alerts.h), and `yagura ctl status`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_ctl_int.h"
#include "store/alerts.h"

#define SEARCH_LIMIT_MAX 10000

/* Opens the store; *s NULL with CTL_OK when manager.db does not exist. */
static int open_store(ctl *c, yg_alert_store **s)
{
	char p[PATH_MAX + 64];
	*s = NULL;
	if (!ctl_path(c, p, sizeof(p), "var/db/manager.db"))
		return CTL_FAIL;
	if (access(p, F_OK) != 0)
		return CTL_OK;
	yg_alert_store_config cfg;
	yg_alert_store_config_default(&cfg, p);
	yg_diag *d = yg_diag_create();
	yg_err err = d ? yg_alert_store_create(&cfg, d, s) : YG_ENOMEM;
	if (err) {
		if (d)
			yg_diag_print(d, stderr);
		ctl_err("cannot open the alert store %s: %s", p, yg_strerror(err));
	}
	yg_diag_destroy(d);
	return err ? CTL_FAIL : CTL_OK;
}

typedef struct search_ctx {
	json_object *arr;
	ctl_table *t;
} search_ctx;

static int search_one(void *ctx, const yg_alert_row *r)
{
	search_ctx *x = ctx;
	if (x->arr) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", ctl_jstr(r->id));
		json_object_object_add(o, "time_ms", json_object_new_int64(r->time_ms));
		json_object_object_add(o, "rule_id", ctl_jstr(r->rule_id));
		json_object_object_add(o, "level", json_object_new_int(r->level));
		json_object_object_add(o, "groups", ctl_jstr(r->groups));
		json_object_object_add(o, "agent_id", ctl_jstr(r->agent_id));
		json_object_object_add(o, "agent_name", ctl_jstr(r->agent_name));
		json_object_object_add(o, "srcip", ctl_jstr(r->srcip));
		json_object_object_add(o, "location", ctl_jstr(r->location));
		json_object_object_add(o, "description", ctl_jstr(r->description));
		/* the whole alert, as an object when it parses (it always should) */
		json_tokener *tok = json_tokener_new_ex(64);
		json_object *alert = tok && r->json_len < INT32_MAX
		                             ? json_tokener_parse_ex(tok, r->json, (int)r->json_len)
		                             : NULL;
		if (tok)
			json_tokener_free(tok);
		json_object_object_add(
		        o, "alert",
		        alert ? alert : json_object_new_string_len(r->json, (int)r->json_len));
		json_object_array_add(x->arr, o);
	}
	if (x->t) {
		char t[32], lvl[12];
		snprintf(lvl, sizeof(lvl), "%d", r->level);
		const char *row[] = {ctl_fmt_time(r->time_ms / 1000, t, sizeof(t)),
		                     r->id,
		                     r->rule_id,
		                     lvl,
		                     r->agent_id,
		                     r->srcip && r->srcip[0] ? r->srcip : "-",
		                     r->description};
		ctl_table_row(x->t, row);
	}
	return 0;
}

static int alerts_search(ctl *c)
{
	const char *rule = ctl_opt_value(c, "--rule");
	const char *level_s = ctl_opt_value(c, "--level");
	const char *srcip = ctl_opt_value(c, "--srcip");
	const char *agent_s = ctl_opt_value(c, "--agent");
	const char *text = ctl_opt_value(c, "--text");
	const char *since_s = ctl_opt_value(c, "--since");
	const char *lim_s = ctl_opt_value(c, "--limit");
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	yg_alert_query q = {0};
	long level = 0, limit = 20;
	char agent[16];
	time_t since = 0;
	if (rule && !ctl_check_text(rule, 32, "--rule"))
		return CTL_FAIL;
	if (level_s && !ctl_parse_long(level_s, 0, 16, "--level", &level))
		return CTL_FAIL;
	if (srcip && !ctl_check_text(srcip, 64, "--srcip"))
		return CTL_FAIL;
	if (agent_s && !ctl_agent_id(agent_s, agent))
		return CTL_FAIL;
	if (text && !ctl_check_text(text, 1024, "--text"))
		return CTL_FAIL;
	if (since_s && !ctl_parse_since(since_s, &since))
		return CTL_FAIL;
	if (lim_s && !ctl_parse_long(lim_s, 1, SEARCH_LIMIT_MAX, "--limit", &limit))
		return CTL_FAIL;
	q.rule_id = rule;
	q.min_level = (int)level;
	q.srcip = srcip;
	q.agent_id = agent_s ? agent : NULL;
	q.text = text;
	q.since_ms = (int64_t)since * 1000;
	q.limit = (size_t)limit;
	yg_alert_store *s;
	if ((rc = open_store(c, &s)))
		return rc;
	static const char *const head[] = {"TIME",  "ID",    "RULE",       "LEVEL",
	                                   "AGENT", "SRCIP", "DESCRIPTION"};
	search_ctx x = {0};
	if (c->json)
		x.arr = json_object_new_array();
	else
		x.t = ctl_table_new(7, head);
	yg_err err = s ? yg_alert_store_query(s, &q, search_one, &x) : YG_OK;
	uint64_t total = 0;
	if (!err && s && !c->json)
		err = yg_alert_store_count(s, &q, &total);
	yg_alert_store_destroy(s);
	if (err) {
		ctl_err("search failed: %s", yg_strerror(err));
		json_object_put(x.arr);
		ctl_table_print(x.t);
		return CTL_FAIL;
	}
	if (c->json) {
		ctl_print_json(x.arr);
	} else {
		ctl_table_print(x.t);
		if (total > (uint64_t)limit)
			printf("(%llu matching, newest %ld shown; --limit N for more)\n",
			       (unsigned long long)total, limit);
	}
	return CTL_OK;
}

int ctl_alerts(ctl *c)
{
	const char *v = c->verb ? c->verb : "";
	if (!strcmp(v, "search"))
		return alerts_search(c);
	ctl_err("alerts: unknown verb '%.32s' (search)", v);
	return CTL_USAGE;
}

int ctl_status(ctl *c)
{
	/* `status` has no verb: a word after it is an argument too many */
	if (c->verb) {
		ctl_err("status takes no arguments");
		return CTL_USAGE;
	}
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	json_object *o = json_object_new_object();
	long pid;
	bool running = ctl_manager_running(c, &pid);
	json_object *m = json_object_new_object();
	json_object_object_add(m, "running", json_object_new_boolean(running));
	json_object_object_add(m, "pid", running ? json_object_new_int64(pid) : NULL);
	json_object_object_add(o, "home", ctl_jstr(c->home));
	json_object_object_add(o, "manager", m);
	if (!c->json) {
		printf("home:          %s\n", c->home);
		if (running)
			printf("manager:       running (pid %ld)\n", pid);
		else
			printf("manager:       not running\n");
	}
	ctl_status_agents(c, o);
	yg_alert_store *s;
	uint64_t n = 0;
	yg_alert_query q = {0};
	bool ok = open_store(c, &s) == CTL_OK && (!s || yg_alert_store_count(s, &q, &n) == YG_OK);
	yg_alert_store_destroy(s);
	json_object_object_add(o, "alerts", ok ? json_object_new_int64((int64_t)n) : NULL);
	if (!c->json) {
		if (ok)
			printf("alerts:        %llu in the store\n", (unsigned long long)n);
		else
			printf("alerts:        unreadable\n");
	}
	ctl_status_tickets(c, o);
	ctl_status_bans(c, o);
	ctl_status_outbox(c, o);
	if (c->json)
		ctl_print_json(o);
	else
		json_object_put(o);
	return CTL_OK;
}
