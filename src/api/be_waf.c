/* be_waf.c: the bans group of the API backend over the WAF ban service.
 * A yg_waf is used from one thread at a time: every call holds the lock the
 * manager shares with its own use of the service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_backend.h"
#include "waf/waf.h"

/* Either a WAF service (w) or, on a manager that records bans for its
 * agents, a bare ledger (led) with the checks the service would make. */
typedef struct waf_be {
	yg_waf *w;
	pthread_mutex_t *lock;
	yg_waf_ledger *led;
	const yg_waf_allow *allow;
	bool (*allowed)(void *ctx, const char *address);
	void (*changed)(void *ctx);
	void *ctx;
} waf_be;

static yg_waf_ledger *ledger_of(waf_be *b)
{
	return b->w ? yg_waf_get_ledger(b->w) : b->led;
}

static json_object *ban_json(const yg_waf_ban *b)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(b->id));
	json_object_object_add(o, "address", json_object_new_string(b->address));
	json_object_object_add(o, "created", json_object_new_int64(b->created));
	json_object_object_add(o, "updated", json_object_new_int64(b->updated));
	json_object_object_add(o, "expires", json_object_new_int64(b->expires));
	json_object_object_add(o, "lifted", json_object_new_int64(b->lifted));
	json_object_object_add(o, "times", json_object_new_int64(b->times));
	json_object_object_add(
	        o, "source",
	        json_object_new_string(b->source == YG_WAF_SOURCE_AUTO ? "auto" : "manual"));
	json_object_object_add(o, "reason", json_object_new_string(b->reason));
	json_object_object_add(o, "rule_id", json_object_new_string(b->rule_id));
	json_object_object_add(o, "alert_id", json_object_new_string(b->alert_id));
	json_object_object_add(o, "agent_id", json_object_new_string(b->agent_id));
	json_object_object_add(o, "lifted_by", json_object_new_string(b->lifted_by));
	return o;
}

static yg_err w_list(void *ctx, bool all, size_t limit, json_object **out, char *msg, size_t msgsz)
{
	waf_be *b = ctx;
	yg_waf_ban_list l = {0};
	pthread_mutex_lock(b->lock);
	yg_waf_ledger *led = ledger_of(b);
	yg_err err =
	        all ? yg_waf_ledger_list_all(led, limit, &l) : yg_waf_ledger_list_active(led, &l);
	pthread_mutex_unlock(b->lock);
	if (err) {
		snprintf(msg, msgsz, "the ban ledger cannot be read now");
		return err;
	}
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < l.n && i < limit; i++)
		json_object_array_add(a, ban_json(&l.v[i]));
	yg_waf_ban_list_free(&l);
	if (!a)
		return YG_ENOMEM;
	*out = a;
	return YG_OK;
}

static yg_err w_add(void *ctx, const yg_api_ban_new *n, json_object **out, char *msg, size_t msgsz)
{
	waf_be *b = ctx;
	char reason[YG_WAF_REASON_MAX];
	snprintf(reason, sizeof(reason), "%s%s(by %s)", n->reason, n->reason[0] ? " " : "",
	         n->actor);
	yg_waf_ban_req req = {
	        .address = n->address,
	        .source = YG_WAF_SOURCE_MANUAL,
	        .timeout = n->timeout,
	        .reason = reason,
	};
	yg_waf_outcome oc = YG_WAF_BANNED;
	yg_waf_apply_report *rep = calloc(1, sizeof(*rep));
	if (!rep)
		return YG_ENOMEM;
	yg_waf_ban ban;
	pthread_mutex_lock(b->lock);
	yg_err err = yg_waf_add_ban(b->w, &req, &oc, rep);
	/* YG_EIO: recorded, but applying failed (the service retries). */
	yg_err gerr = err && err != YG_EIO
	                      ? err
	                      : yg_waf_ledger_get(yg_waf_get_ledger(b->w), n->address, &ban);
	pthread_mutex_unlock(b->lock);
	if (err == YG_EINVAL) {
		const char *why = yg_waf_outcome_refusal(oc, n->address);
		snprintf(msg, msgsz, "%s%s", oc == YG_WAF_REFUSED_SPECIAL ? "never banned: " : "",
		         why ? why : "refused");
	} else if (err && err != YG_EIO)
		snprintf(msg, msgsz, "the ban cannot be recorded now");
	if (err && err != YG_EIO) {
		free(rep);
		return err;
	}
	json_object *o = gerr ? json_object_new_object() : ban_json(&ban);
	if (err == YG_EIO)
		json_object_object_add(o, "apply_error", json_object_new_string(rep->error));
	free(rep);
	*out = o;
	return YG_OK;
}

static yg_err w_lift(void *ctx, const char *address, const char *actor, char *msg, size_t msgsz)
{
	waf_be *b = ctx;
	yg_waf_apply_report *rep = calloc(1, sizeof(*rep));
	if (!rep)
		return YG_ENOMEM;
	pthread_mutex_lock(b->lock);
	yg_err err = yg_waf_lift_ban(b->w, address, actor, rep);
	pthread_mutex_unlock(b->lock);
	if (err == YG_EIO) /* lifted in the ledger; the service retries applying */
		err = YG_OK;
	else if (err == YG_EINVAL)
		snprintf(msg, msgsz, "not a valid IP address or CIDR");
	free(rep);
	return err;
}

/* Ledger mode: the address is checked here, recorded, and the owner told
 * (it sends the ban to the agents that apply it). */
static yg_err l_add(void *ctx, const yg_api_ban_new *n, json_object **out, char *msg, size_t msgsz)
{
	waf_be *b = ctx;
	yg_waf_addr a;
	char canon[YG_WAF_ADDR_TEXT_MAX];
	if (yg_waf_addr_parse(n->address, &a) != YG_OK) {
		snprintf(msg, msgsz, "not a valid IP address or CIDR, or too broad");
		return YG_EINVAL;
	}
	yg_waf_addr_format(&a, canon);
	const char *special = yg_waf_addr_special(&a);
	if (special) {
		snprintf(msg, msgsz, "never banned: %s", special);
		return YG_EINVAL;
	}
	if ((b->allow && yg_waf_allowed(b->allow, &a)) ||
	    (b->allowed && b->allowed(b->ctx, canon))) {
		snprintf(msg, msgsz, "the address overlaps the allow-list");
		return YG_EINVAL;
	}
	char reason[YG_WAF_REASON_MAX];
	snprintf(reason, sizeof(reason), "%s%s(by %s)", n->reason, n->reason[0] ? " " : "",
	         n->actor);
	yg_waf_ban_req req = {
	        .address = canon,
	        .source = YG_WAF_SOURCE_MANUAL,
	        .timeout = n->timeout,
	        .reason = reason,
	};
	yg_waf_add_result res;
	yg_waf_ban ban;
	pthread_mutex_lock(b->lock);
	yg_err err = yg_waf_ledger_add(b->led, &req, &res, &ban);
	pthread_mutex_unlock(b->lock);
	if (err) {
		snprintf(msg, msgsz, "the ban cannot be recorded now");
		return err;
	}
	if (b->changed)
		b->changed(b->ctx);
	*out = ban_json(&ban);
	return YG_OK;
}

static yg_err l_lift(void *ctx, const char *address, const char *actor, char *msg, size_t msgsz)
{
	waf_be *b = ctx;
	yg_waf_addr a;
	char canon[YG_WAF_ADDR_TEXT_MAX];
	if (yg_waf_addr_parse(address, &a) != YG_OK) {
		snprintf(msg, msgsz, "not a valid IP address or CIDR");
		return YG_EINVAL;
	}
	yg_waf_addr_format(&a, canon);
	pthread_mutex_lock(b->lock);
	yg_err err = yg_waf_ledger_lift(b->led, canon, actor);
	pthread_mutex_unlock(b->lock);
	if (!err && b->changed)
		b->changed(b->ctx);
	return err;
}

static void w_release(void *ctx)
{
	free(ctx);
}

yg_err yg_api_backend_waf(yg_api_backend *be, yg_waf *w, pthread_mutex_t *lock)
{
	if (!be || !w || !lock)
		return YG_EINVAL;
	waf_be *b = calloc(1, sizeof(*b));
	if (!b)
		return YG_ENOMEM;
	b->w = w;
	b->lock = lock;
	be->bans = (yg_api_bans_ops){
	        .ctx = b,
	        .list = w_list,
	        .add = w_add,
	        .lift = w_lift,
	        .release = w_release,
	};
	return YG_OK;
}

yg_err yg_api_backend_ledger(yg_api_backend *be, yg_waf_ledger *led, pthread_mutex_t *lock,
                             const yg_api_ledger_hooks *hooks)
{
	if (!be || !led || !lock)
		return YG_EINVAL;
	waf_be *b = calloc(1, sizeof(*b));
	if (!b)
		return YG_ENOMEM;
	b->led = led;
	b->lock = lock;
	if (hooks) {
		b->allow = hooks->allow;
		b->allowed = hooks->allowed;
		b->changed = hooks->changed;
		b->ctx = hooks->ctx;
	}
	be->bans = (yg_api_bans_ops){
	        .ctx = b,
	        .list = w_list,
	        .add = l_add,
	        .lift = l_lift,
	        .release = w_release,
	};
	return YG_OK;
}
