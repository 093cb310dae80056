/* waf.c: the ban service: validation, allow-list, ledger, action. */
#include <stdlib.h>
#include <string.h>

#include "waf/waf.h"

struct yg_waf {
	yg_waf_ledger *ledger;
	yg_waf_action *action;
	yg_waf_allow *allow; /* configured + extra */
};

yg_err yg_waf_open(const yg_waf_config *cfg, const char *ledger_path,
                   const yg_waf_allow *extra_allow, yg_waf **out)
{
	yg_waf_action_opts o;
	yg_waf_policy p;
	yg_err e;
	yg_waf *w;
	if (!cfg || !ledger_path || !yg_waf_config_ban_file(cfg))
		return YG_EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return YG_ENOMEM;
	w->allow = yg_waf_allow_create();
	e = w->allow ? YG_OK : YG_ENOMEM;
	if (!e)
		e = yg_waf_allow_merge(w->allow, yg_waf_config_allow(cfg));
	if (!e)
		e = yg_waf_allow_merge(w->allow, extra_allow);
	if (!e) {
		yg_waf_config_action_opts(cfg, &o);
		o.allow = w->allow;
		e = yg_waf_action_create(&o, &w->action);
	}
	if (!e)
		e = yg_waf_ledger_open(ledger_path, &w->ledger);
	if (!e) {
		yg_waf_config_policy(cfg, &p);
		e = yg_waf_ledger_set_policy(w->ledger, &p);
	}
	if (e) {
		yg_waf_close(w);
		return e;
	}
	*out = w;
	return YG_OK;
}

void yg_waf_close(yg_waf *w)
{
	if (!w)
		return;
	yg_waf_ledger_close(w->ledger);
	yg_waf_action_destroy(w->action);
	yg_waf_allow_destroy(w->allow);
	free(w);
}

yg_waf_ledger *yg_waf_get_ledger(yg_waf *w)
{
	return w->ledger;
}

yg_err yg_waf_sync(yg_waf *w, yg_waf_apply_report *rep)
{
	yg_waf_ban_list active = {0};
	yg_err e = yg_waf_ledger_list_active(w->ledger, &active);
	if (e)
		return e;
	e = yg_waf_action_apply(w->action, &active, yg_waf_ledger_now(w->ledger), rep);
	yg_waf_ban_list_free(&active);
	return e;
}

yg_err yg_waf_add_ban(yg_waf *w, const yg_waf_ban_req *req, yg_waf_outcome *outcome,
                      yg_waf_apply_report *rep)
{
	yg_waf_outcome oc = YG_WAF_REFUSED_INVALID;
	yg_waf_add_result r;
	yg_waf_addr a;
	yg_err e = YG_EINVAL;

	if (!req || yg_waf_addr_parse(req->address, &a) != YG_OK)
		goto done;
	if (yg_waf_addr_special(&a)) {
		oc = YG_WAF_REFUSED_SPECIAL;
		goto done;
	}
	if (yg_waf_allowed(w->allow, &a)) {
		oc = YG_WAF_REFUSED_ALLOWED;
		goto done;
	}
	e = yg_waf_ledger_add(w->ledger, req, &r, NULL);
	if (e)
		goto done;
	oc = r == YG_WAF_ADD_NEW        ? YG_WAF_BANNED
	     : r == YG_WAF_ADD_EXTENDED ? YG_WAF_EXTENDED
	                                : YG_WAF_DUPLICATE;
	if (oc != YG_WAF_DUPLICATE || yg_waf_action_pending(w->action))
		e = yg_waf_sync(w, rep);
done:
	if (outcome)
		*outcome = oc;
	return e;
}

yg_err yg_waf_lift_ban(yg_waf *w, const char *address, const char *by, yg_waf_apply_report *rep)
{
	yg_err e = yg_waf_ledger_lift(w->ledger, address, by);
	if (e)
		return e;
	return yg_waf_sync(w, rep);
}

yg_err yg_waf_tick(yg_waf *w, yg_waf_ban_list *lifted, yg_waf_apply_report *rep)
{
	yg_waf_ban_list due = {0};
	yg_err e = yg_waf_ledger_expire_due(w->ledger, &due);
	if (e)
		return e;
	if (due.n > 0 || yg_waf_action_due(w->action))
		e = yg_waf_sync(w, rep);
	else if (rep)
		memset(rep, 0, sizeof(*rep));
	if (lifted)
		*lifted = due;
	else
		yg_waf_ban_list_free(&due);
	return e;
}

const char *yg_waf_outcome_refusal(yg_waf_outcome oc, const char *address)
{
	yg_waf_addr a;
	const char *what;
	switch (oc) {
	case YG_WAF_REFUSED_INVALID: return "not a valid IP address or CIDR, or too broad";
	case YG_WAF_REFUSED_ALLOWED: return "the address overlaps the allow-list";
	case YG_WAF_REFUSED_SPECIAL:
		if (address && yg_waf_addr_parse(address, &a) == YG_OK &&
		    (what = yg_waf_addr_special(&a)))
			return what; /* a static string naming the range */
		return "a loopback, unspecified, broadcast, multicast or link-local address";
	default: return NULL;
	}
}
