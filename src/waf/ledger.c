/* ledger.c: the ban ledger (see ledger.h): the policy, the clock and the
 * address checks; the rows are store/bans.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "waf/ledger.h"

#define SEEN_KEEP (7 * 86400) /* how long an alert id is remembered */

struct yg_waf_ledger {
	yg_bans *db;
	yg_waf_clock_fn clock;
	void *clock_ctx;
	yg_waf_policy policy;
};

static int64_t wall_clock(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

int64_t yg_waf_ledger_now(const yg_waf_ledger *l)
{
	return l->clock(l->clock_ctx);
}

void yg_waf_ledger_set_clock(yg_waf_ledger *l, yg_waf_clock_fn fn, void *ctx)
{
	l->clock = fn ? fn : wall_clock;
	l->clock_ctx = fn ? ctx : NULL;
}

yg_err yg_waf_ledger_set_policy(yg_waf_ledger *l, const yg_waf_policy *p)
{
	if (p->nrepeated > YG_WAF_REPEATED_MAX || p->default_timeout < 0 || p->repeated_window < 0)
		return YG_EINVAL;
	l->policy = *p;
	return YG_OK;
}

yg_err yg_waf_ledger_open(const char *path, yg_waf_ledger **out)
{
	yg_waf_ledger *l = calloc(1, sizeof(*l));
	if (!l)
		return YG_ENOMEM;
	l->clock = wall_clock;
	l->policy.default_timeout = 600;
	l->policy.repeated_window = 86400;
	if (yg_bans_open(path, &l->db)) {
		yg_waf_ledger_close(l);
		return YG_EIO;
	}
	*out = l;
	return YG_OK;
}

void yg_waf_ledger_close(yg_waf_ledger *l)
{
	if (!l)
		return;
	yg_bans_close(l->db);
	free(l);
}

/* ---- helpers ---- */

/* Canonical text of an address to ban: also refused when it must never
 * be banned (yg_waf_addr_special), whoever records it. */
static yg_err canonical_ban(const char *address, char out[YG_WAF_ADDR_TEXT_MAX])
{
	yg_waf_addr a;
	if (yg_waf_addr_parse(address, &a) != YG_OK || yg_waf_addr_special(&a))
		return YG_EINVAL;
	yg_waf_addr_format(&a, out);
	return YG_OK;
}

/* Canonical text of a ban address; YG_EINVAL when refused. */
static yg_err canonical(const char *address, char out[YG_WAF_ADDR_TEXT_MAX])
{
	yg_waf_addr a;
	if (yg_waf_addr_parse(address, &a) != YG_OK)
		return YG_EINVAL;
	yg_waf_addr_format(&a, out);
	return YG_OK;
}

static bool id_ok(const char *s)
{
	return !s || strnlen(s, YG_WAF_ID_MAX) < YG_WAF_ID_MAX;
}

/* The timeout of the k-th offence of an address under policy p. */
static int64_t policy_timeout(const yg_waf_policy *p, int64_t k)
{
	size_t i;
	if (k <= 1 || p->nrepeated == 0)
		return p->default_timeout;
	i = (size_t)(k - 2) < p->nrepeated ? (size_t)(k - 2) : p->nrepeated - 1;
	return (int64_t)p->repeated[i] * 60;
}

/* A reason cut to fit, not splitting a UTF-8 sequence. */
static void cut_reason(const char *s, char out[YG_WAF_REASON_MAX])
{
	size_t n = s ? strnlen(s, YG_WAF_REASON_MAX) : 0;
	if (n >= YG_WAF_REASON_MAX) {
		n = YG_WAF_REASON_MAX - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* The body of yg_waf_ledger_add, inside a transaction. */
static yg_err add_locked(yg_waf_ledger *l, const yg_waf_ban_req *req, const char *addr, int64_t now,
                         yg_waf_add_result *res, int64_t *ban_id)
{
	yg_waf_ban cur;
	int64_t k;
	bool have_alert = req->alert_id && req->alert_id[0];

	if (have_alert) {
		yg_err e = yg_bans_seen(l->db, req->alert_id, ban_id);
		if (e == YG_OK) {
			*res = YG_WAF_ADD_DUPLICATE;
			return YG_OK;
		}
		if (e != YG_ENOTFOUND)
			return YG_EIO;
	}
	/* a ban past its expiry that nobody lifted yet ends here */
	yg_err e = yg_bans_expire_stale(l->db, addr, now);
	if (!e)
		e = yg_bans_offence(l->db, addr, now, l->policy.repeated_window, &k);
	if (e)
		return e;

	int64_t timeout = req->timeout >= 0 ? req->timeout : policy_timeout(&l->policy, k);
	int64_t expires = timeout == 0 ? 0 : now + timeout;
	e = yg_bans_active(l->db, addr, &cur);
	if (e == YG_OK) {
		e = yg_bans_renew(l->db, cur.id, expires, k, now);
		*ban_id = cur.id;
		*res = YG_WAF_ADD_EXTENDED;
	} else if (e == YG_ENOTFOUND) {
		yg_waf_ban nb = {.expires = expires, .times = (unsigned)k, .source = req->source};
		snprintf(nb.address, sizeof(nb.address), "%s", addr);
		cut_reason(req->reason, nb.reason);
		snprintf(nb.rule_id, sizeof(nb.rule_id), "%s", req->rule_id ? req->rule_id : "");
		snprintf(nb.alert_id, sizeof(nb.alert_id), "%s",
		         req->alert_id ? req->alert_id : "");
		snprintf(nb.agent_id, sizeof(nb.agent_id), "%s",
		         req->agent_id ? req->agent_id : "");
		e = yg_bans_insert(l->db, &nb, now, ban_id);
		*res = YG_WAF_ADD_NEW;
	}
	if (!e && have_alert)
		e = yg_bans_seen_put(l->db, req->alert_id, *ban_id, now);
	return e;
}

yg_err yg_waf_ledger_add(yg_waf_ledger *l, const yg_waf_ban_req *req, yg_waf_add_result *res,
                         yg_waf_ban *out)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	yg_waf_add_result r = YG_WAF_ADD_NEW;
	int64_t id = 0, now = yg_waf_ledger_now(l);

	if (!req || canonical_ban(req->address, addr) != YG_OK || !id_ok(req->rule_id) ||
	    !id_ok(req->alert_id) || !id_ok(req->agent_id))
		return YG_EINVAL;
	if (yg_bans_begin(l->db))
		return YG_EIO;
	yg_err e = yg_bans_end(l->db, add_locked(l, req, addr, now, &r, &id));
	if (e)
		return e == YG_EINVAL || e == YG_ENOMEM ? e : YG_EIO;
	if (res)
		*res = r;
	if (out)
		return yg_bans_get(l->db, id, out);
	return YG_OK;
}

yg_err yg_waf_ledger_get(yg_waf_ledger *l, const char *address, yg_waf_ban *out)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	if (canonical(address, addr))
		return YG_EINVAL;
	return yg_bans_active(l->db, addr, out);
}

yg_err yg_waf_ledger_lift(yg_waf_ledger *l, const char *address, const char *by)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	if (canonical(address, addr) || !id_ok(by))
		return YG_EINVAL;
	return yg_bans_lift(l->db, addr, yg_waf_ledger_now(l), by ? by : "manual");
}

yg_err yg_waf_ledger_extend(yg_waf_ledger *l, const char *address, int64_t seconds)
{
	char addr[YG_WAF_ADDR_TEXT_MAX];
	if (canonical(address, addr) || seconds < 0)
		return YG_EINVAL;
	return yg_bans_extend(l->db, addr, yg_waf_ledger_now(l), seconds);
}

yg_err yg_waf_ledger_list_active(yg_waf_ledger *l, yg_waf_ban_list *out)
{
	return yg_bans_list_active(l->db, yg_waf_ledger_now(l), out);
}

yg_err yg_waf_ledger_list_all(yg_waf_ledger *l, size_t limit, yg_waf_ban_list *out)
{
	return yg_bans_list_all(l->db, limit, out);
}

yg_err yg_waf_ledger_expire_due(yg_waf_ledger *l, yg_waf_ban_list *out)
{
	int64_t now = yg_waf_ledger_now(l);
	yg_waf_ban_list due = {0};
	yg_err e = yg_bans_expire_due(l->db, now, l->policy.repeated_window > 0,
	                              now - l->policy.repeated_window, now - SEEN_KEEP, &due);
	if (e)
		return e;
	for (size_t i = 0; i < due.n; i++) {
		due.v[i].lifted = now;
		memcpy(due.v[i].lifted_by, "expired", sizeof("expired"));
	}
	if (out)
		*out = due;
	else
		yg_waf_ban_list_free(&due);
	return YG_OK;
}
