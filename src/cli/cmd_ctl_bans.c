/* cmd_ctl_bans.c: `yagura ctl bans`: the manager's ban ledger,
 * HOME/var/db/bans.db (waf/ledger.h). Every address is checked with
 * waf/addr.h before anything is opened, and against the configuration's
 * allow-list (<waf><allow> and <global><white_list>) before a ban. The
 * running manager is told with SIGUSR1 and makes its WAF and agents match
 * the ledger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar/ar_config.h"
#include "cli/cmd_ctl_int.h"
#include "waf/addr.h"
#include "waf/ledger.h"
#include "waf/waf.h"

#define BAN_TIMEOUT_MAX (3650L * 86400)
#define LIST_LIMIT_MAX 100000

static int open_ledger(ctl *c, bool create, yg_waf_ledger **out)
{
	char p[PATH_MAX + 64];
	*out = NULL;
	if (!ctl_path(c, p, sizeof(p), "var/db/bans.db"))
		return CTL_FAIL;
	if (access(p, F_OK) != 0) {
		if (!create)
			return CTL_OK; /* nothing was ever banned */
		if (!ctl_make_db_dir(c))
			return CTL_FAIL;
	}
	yg_err err = yg_waf_ledger_open(p, out);
	if (err) {
		ctl_err("cannot open the ban ledger %s: %s", p, yg_strerror(err));
		return CTL_FAIL;
	}
	return CTL_OK;
}

/* Parses a user's address into its canonical text; a refusal is explained
 * (the text itself is not echoed past 64 bytes). `ban`: it is to be banned,
 * so an address that never may be is refused (lifting one stays possible). */
static bool parse_addr(const char *s, char canon[YG_WAF_ADDR_TEXT_MAX], yg_waf_addr *a, bool ban)
{
	if (yg_waf_addr_parse(s, a) != YG_OK) {
		size_t n = strlen(s);
		char shown[80];
		size_t k = 0;
		for (size_t i = 0; i < n && k < 64; i++)
			shown[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
		shown[k] = '\0';
		ctl_err("'%s%s' is refused: not an IPv4/IPv6 address or network, or a network "
		        "too broad to ban (shorter than /%d for IPv4, /%d for IPv6); nothing "
		        "written",
		        shown, n > 64 ? "..." : "", YG_WAF_MIN_PREFIX_V4, YG_WAF_MIN_PREFIX_V6);
		return false;
	}
	const char *special = ban ? yg_waf_addr_special(a) : NULL;
	if (special) {
		ctl_err("%s is never banned: it is or covers %s; nothing written", s, special);
		return false;
	}
	yg_waf_addr_format(a, canon);
	return true;
}

static const char *src_name(yg_waf_source s)
{
	return s == YG_WAF_SOURCE_MANUAL ? "manual" : "auto";
}

static json_object *ban_json(const yg_waf_ban *b)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(b->id));
	json_object_object_add(o, "address", ctl_jstr(b->address));
	json_object_object_add(o, "source", ctl_jstr(src_name(b->source)));
	json_object_object_add(
	        o, "active",
	        json_object_new_boolean(!b->lifted &&
	                                (!b->expires || b->expires > (int64_t)time(NULL))));
	ctl_jtime(o, "created", b->created);
	ctl_jtime(o, "updated", b->updated);
	ctl_jtime(o, "expires", b->expires);
	json_object_object_add(o, "permanent", json_object_new_boolean(b->expires == 0));
	ctl_jtime(o, "lifted", b->lifted);
	json_object_object_add(o, "lifted_by", ctl_jstr(b->lifted_by));
	json_object_object_add(o, "times", json_object_new_int64(b->times));
	json_object_object_add(o, "reason", ctl_jstr(b->reason));
	json_object_object_add(o, "rule_id", ctl_jstr(b->rule_id));
	json_object_object_add(o, "alert_id", ctl_jstr(b->alert_id));
	json_object_object_add(o, "agent_id", ctl_jstr(b->agent_id));
	return o;
}

static int bans_list(ctl *c)
{
	bool all = ctl_flag(c, "--all");
	const char *lim_s = ctl_opt_value(c, "--limit");
	int rc = ctl_done(c, 0, 0);
	if (rc)
		return rc;
	long limit = 100;
	if (lim_s && !ctl_parse_long(lim_s, 1, LIST_LIMIT_MAX, "--limit", &limit))
		return CTL_FAIL;
	yg_waf_ledger *l;
	if ((rc = open_ledger(c, false, &l)))
		return rc;
	yg_waf_ban_list list = {0};
	yg_err err = !l    ? YG_OK
	             : all ? yg_waf_ledger_list_all(l, (size_t)limit, &list)
	                   : yg_waf_ledger_list_active(l, &list);
	yg_waf_ledger_close(l);
	if (err) {
		ctl_err("cannot read the ban ledger: %s", yg_strerror(err));
		return CTL_FAIL;
	}
	if (c->json) {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < list.n && (all || i < (size_t)limit); i++)
			json_object_array_add(arr, ban_json(&list.v[i]));
		ctl_print_json(arr);
	} else {
		static const char *const head[] = {"ADDRESS", "SOURCE", "EXPIRES", "TIMES",
		                                   "AGENT",   "RULE",   "REASON"};
		static const char *const head_all[] = {"ADDRESS", "SOURCE", "CREATED", "EXPIRES",
		                                       "LIFTED",  "BY",     "REASON"};
		ctl_table *t = ctl_table_new(7, all ? head_all : head);
		for (size_t i = 0; i < list.n && (all || i < (size_t)limit); i++) {
			const yg_waf_ban *b = &list.v[i];
			char ex[32], times[16], cr[32], li[32];
			snprintf(times, sizeof(times), "%u", b->times);
			if (all) {
				const char *row[] = {
				        b->address,
				        src_name(b->source),
				        ctl_fmt_time(b->created, cr, sizeof(cr)),
				        b->expires ? ctl_fmt_time(b->expires, ex, sizeof(ex))
				                   : "permanent",
				        ctl_fmt_time(b->lifted, li, sizeof(li)),
				        b->lifted_by[0] ? b->lifted_by : "-",
				        b->reason[0] ? b->reason : "-"};
				ctl_table_row(t, row);
			} else {
				const char *row[] = {b->address,
				                     src_name(b->source),
				                     ctl_fmt_in(b->expires, ex, sizeof(ex)),
				                     times,
				                     b->agent_id[0] ? b->agent_id : "all",
				                     b->rule_id[0] ? b->rule_id : "-",
				                     b->reason[0] ? b->reason : "-"};
				ctl_table_row(t, row);
			}
		}
		ctl_table_print(t);
	}
	yg_waf_ban_list_free(&list);
	return CTL_OK;
}

/* Refuses an address the configuration allows (a ban overlapping an allowed
 * address would lock it out). CTL_OK when it may be banned. */
static int check_allowed(ctl *c, const yg_waf_addr *a, const char *canon)
{
	bool loaded;
	int rc = ctl_config(c, &loaded);
	if (rc || !loaded)
		return rc;
	bool allowed = false;
	if (c->cfg.waf && yg_waf_allowed(yg_waf_config_allow(c->cfg.waf), a))
		allowed = true;
	/* white_list answers for one address: a network is tested by its first
	 * address (the ledger's overlap test needs the entries, which ar_config
	 * does not expose) */
	if (c->cfg.ar && yg_ar_config_white_listed(c->cfg.ar, canon))
		allowed = true;
	if (!allowed && c->cfg.ar && strchr(canon, '/')) {
		char host[YG_WAF_ADDR_TEXT_MAX];
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(canon, '/') - canon), canon);
		allowed = yg_ar_config_white_listed(c->cfg.ar, host);
	}
	if (allowed) {
		ctl_err("%s is refused: it overlaps the allow-list (<waf><allow> or "
		        "<global><white_list>); nothing written",
		        canon);
		return CTL_FAIL;
	}
	return CTL_OK;
}

static int bans_add(ctl *c)
{
	const char *to_s = ctl_opt_value(c, "--timeout");
	const char *reason = ctl_opt_value(c, "--reason");
	const char *agent_s = ctl_opt_value(c, "--agent");
	int rc = ctl_done(c, 1, 1);
	if (rc)
		return rc;
	char canon[YG_WAF_ADDR_TEXT_MAX], agent[16] = "";
	yg_waf_addr a;
	long timeout = -1;
	if (!parse_addr(c->pos[0], canon, &a, true))
		return CTL_FAIL;
	if (to_s && !ctl_parse_duration(to_s, 0, BAN_TIMEOUT_MAX, "--timeout", &timeout))
		return CTL_FAIL;
	if (reason && !ctl_check_text(reason, YG_WAF_REASON_MAX - 1, "--reason"))
		return CTL_FAIL;
	if (agent_s && !ctl_agent_id(agent_s, agent))
		return CTL_FAIL;
	if ((rc = check_allowed(c, &a, canon)))
		return rc;
	yg_waf_ledger *l;
	if ((rc = open_ledger(c, true, &l)))
		return rc;
	bool loaded;
	if (timeout < 0 && ctl_config(c, &loaded) == CTL_OK && loaded && c->cfg.has_waf) {
		yg_waf_policy p;
		yg_waf_config_policy(c->cfg.waf, &p);
		yg_waf_ledger_set_policy(l, &p);
	}
	char why[YG_WAF_REASON_MAX];
	snprintf(why, sizeof(why), "%s", reason ? reason : "manual ban");
	yg_waf_ban_req req = {.address = canon,
	                      .source = YG_WAF_SOURCE_MANUAL,
	                      .timeout = timeout,
	                      .reason = why,
	                      .rule_id = NULL,
	                      .alert_id = NULL,
	                      .agent_id = agent[0] ? agent : NULL};
	yg_waf_add_result res;
	yg_waf_ban ban;
	yg_err err = yg_waf_ledger_add(l, &req, &res, &ban);
	yg_waf_ledger_close(l);
	if (err) {
		ctl_err("cannot ban %s: %s", canon, yg_strerror(err));
		return CTL_FAIL;
	}
	json_object *o = NULL;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(
		        o, "result", ctl_jstr(res == YG_WAF_ADD_EXTENDED ? "extended" : "banned"));
		json_object_object_add(o, "ban", ban_json(&ban));
	} else {
		char ex[32];
		printf("%s %s, %s%s.\n", ban.address,
		       res == YG_WAF_ADD_EXTENDED ? "was already banned: extended" : "banned",
		       ban.expires ? "until " : "",
		       ban.expires ? ctl_fmt_time(ban.expires, ex, sizeof(ex)) : "permanently");
	}
	ctl_notify_manager(c, o);
	if (o)
		ctl_print_json(o);
	return CTL_OK;
}

static int bans_lift_extend(ctl *c, bool extend)
{
	int rc = ctl_done(c, extend ? 2 : 1, extend ? 2 : 1);
	if (rc)
		return rc;
	char canon[YG_WAF_ADDR_TEXT_MAX];
	yg_waf_addr a;
	long secs = 0;
	if (!parse_addr(c->pos[0], canon, &a, false))
		return CTL_FAIL;
	if (extend && !ctl_parse_duration(c->pos[1], 1, BAN_TIMEOUT_MAX, "SECONDS", &secs))
		return CTL_FAIL;
	yg_waf_ledger *l;
	if ((rc = open_ledger(c, false, &l)))
		return rc;
	yg_err err = !l       ? YG_ENOTFOUND
	             : extend ? yg_waf_ledger_extend(l, canon, secs)
	                      : yg_waf_ledger_lift(l, canon, ctl_actor());
	yg_waf_ban ban;
	memset(&ban, 0, sizeof(ban));
	if (!err && extend)
		err = yg_waf_ledger_get(l, canon, &ban);
	yg_waf_ledger_close(l);
	if (err == YG_ENOTFOUND) {
		ctl_err("%s is not banned", canon);
		return CTL_FAIL;
	} else if (err) {
		ctl_err("cannot %s the ban of %s: %s", extend ? "extend" : "lift", canon,
		        yg_strerror(err));
		return CTL_FAIL;
	}
	json_object *o = NULL;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "address", ctl_jstr(canon));
		json_object_object_add(o, "result", ctl_jstr(extend ? "extended" : "lifted"));
		if (extend)
			json_object_object_add(o, "ban", ban_json(&ban));
	} else if (extend) {
		char ex[32];
		printf("The ban of %s now ends %s.\n", canon,
		       ban.expires ? ctl_fmt_time(ban.expires, ex, sizeof(ex))
		                   : "never (permanent)");
	} else {
		printf("The ban of %s is lifted.\n", canon);
	}
	ctl_notify_manager(c, o);
	if (o)
		ctl_print_json(o);
	return CTL_OK;
}

int ctl_bans(ctl *c)
{
	const char *v = c->verb ? c->verb : "";
	if (!strcmp(v, "list"))
		return bans_list(c);
	if (!strcmp(v, "add"))
		return bans_add(c);
	if (!strcmp(v, "lift"))
		return bans_lift_extend(c, false);
	if (!strcmp(v, "extend"))
		return bans_lift_extend(c, true);
	ctl_err("bans: unknown verb '%.32s' (list, add, lift, extend)", v);
	return CTL_USAGE;
}

void ctl_status_bans(ctl *c, json_object *o)
{
	yg_waf_ledger *l;
	yg_waf_ban_list list = {0};
	bool ok = open_ledger(c, false, &l) == CTL_OK &&
	          (!l || yg_waf_ledger_list_active(l, &list) == YG_OK);
	yg_waf_ledger_close(l);
	json_object_object_add(o, "active_bans",
	                       ok ? json_object_new_int64((int64_t)list.n) : NULL);
	if (!c->json) {
		if (ok)
			printf("active bans:   %zu\n", list.n);
		else
			printf("active bans:   unreadable\n");
	}
	yg_waf_ban_list_free(&list);
}
