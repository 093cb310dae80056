/* respond_ar.c: active responses and bans (see respond.h).
 *
 * An action for the manager ("000") runs here: the built-in ban through the
 * manager's own WAF action, anything else through the manager's execd. An
 * action for an agent is sent over the transport as the AR_REQUEST JSON
 * {"message": <Wazuh's execd message>, "timeout": N}; the agent runs it and
 * reports the result as an event. An agent that is not connected gets the
 * request when it comes back, for up to PENDING_TTL_MS, then the response is
 * reported as failed.
 *
 * Bans: every ban decided here is recorded in the ledger (bans.db) with the
 * agent that applies it. `yagura ctl bans` and the API change the ledger
 * directly; the manager compares the ledger with what it last sent (on
 * SIGUSR1 and every LEDGER_CHECK_MS) and sends the adds and deletes that
 * make the agents match it. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "manager/agents.h"
#include "manager/manager_int.h"
#include "manager/respond_int.h"

#define BAN_PROGRAM "yagura-waf-ban"
#define PENDING_TTL_MS (10 * 60 * 1000)
#define LEDGER_CHECK_MS 5000
#define MAX_AGENTS 4096

static bool is_ban(const char *executable)
{
	return executable && !strcmp(executable, BAN_PROGRAM);
}

/* ---- the manager's own executor ---- */

static void execd_result(void *ctx, const yg_execd_result *res)
{
	yg_respond *r = ctx;
	char msg[1024];
	switch (res->outcome) {
	case YG_EXECD_EXITED:
		snprintf(msg, sizeof(msg), "%s %s on the manager: exit status %d%s%.200s",
		         res->program, res->command, res->exit_status,
		         res->stderr_tail[0] ? ", stderr: " : "", res->stderr_tail);
		break;
	case YG_EXECD_SIGNALED:
		snprintf(msg, sizeof(msg), "%s %s on the manager: killed by signal %d",
		         res->program, res->command, res->signal);
		break;
	case YG_EXECD_TIMED_OUT:
		snprintf(msg, sizeof(msg), "%s %s on the manager: timed out and killed",
		         res->program, res->command);
		break;
	default:
		snprintf(msg, sizeof(msg), "%s %s on the manager: %s", res->program, res->command,
		         res->error);
		break;
	}
	respond_event(r, yg_execd_result_event(res), res->program, res->command, "000", NULL, msg);
}

/* ---- bans ---- */

/* data.srcip of an alert, copied into out ("" when none). */
static void alert_srcip(const char *json, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	json_object *data, *ip;
	if (root && json_object_object_get_ex(root, "data", &data) &&
	    json_object_object_get_ex(data, "srcip", &ip) &&
	    json_object_is_type(ip, json_type_string))
		snprintf(out, n, "%s", json_object_get_string(ip));
	json_object_put(root);
}

static respond_sent *find_sent(yg_respond *r, const char *address, const char *agent)
{
	for (size_t i = 0; i < r->nsent; i++)
		if (!strcmp(r->sent[i].address, address) && !strcmp(r->sent[i].agent, agent))
			return &r->sent[i];
	return NULL;
}

static void note_sent(yg_respond *r, const char *address, const char *agent, int64_t expires)
{
	respond_sent *s = find_sent(r, address, agent);
	if (!s) {
		if (r->nsent == r->capsent) {
			size_t cap = r->capsent ? r->capsent * 2 : 64;
			respond_sent *v = realloc(r->sent, cap * sizeof(*v));
			if (!v)
				return;
			r->sent = v;
			r->capsent = cap;
		}
		s = &r->sent[r->nsent++];
		snprintf(s->address, sizeof(s->address), "%s", address);
		snprintf(s->agent, sizeof(s->agent), "%s", agent);
	}
	s->expires = expires;
}

/* Applies a ban on the manager's own WAF; reports the outcome. */
static void local_ban(yg_respond *r, const char *command, const char *address, unsigned timeout,
                      const char *rule_id, const char *alert_id)
{
	if (!r->waf) {
		respond_event(r, "failed", BAN_PROGRAM, command, "000", address,
		              "the manager has no <waf> block: nothing to apply the ban to");
		return;
	}
	yg_waf_apply_report rep;
	memset(&rep, 0, sizeof(rep));
	yg_err err;
	if (!strcmp(command, "delete")) {
		err = yg_waf_lift_ban(r->waf, address, "manager", &rep);
		respond_event(r, err && err != YG_ENOTFOUND ? "failed" : "unblocked", BAN_PROGRAM,
		              command, "000", address,
		              err ? (rep.error[0] ? rep.error : yg_strerror(err)) : "ban lifted");
		return;
	}
	yg_waf_ban_req req = {.address = address,
	                      .source = YG_WAF_SOURCE_AUTO,
	                      .timeout = timeout,
	                      .reason = "active response",
	                      .rule_id = rule_id,
	                      .alert_id = alert_id,
	                      .agent_id = "000"};
	yg_waf_outcome oc;
	err = yg_waf_add_ban(r->waf, &req, &oc, &rep);
	const char *refusal = err ? yg_waf_outcome_refusal(oc, address) : NULL;
	if (err && !refusal) {
		/* the ban is in the ledger: the WAF gets it when the tick retries */
		char why[sizeof(rep.error) + 64];
		snprintf(why, sizeof(why), "%s; retried until applied",
		         rep.error[0] ? rep.error : yg_strerror(err));
		respond_event(r, "failed", BAN_PROGRAM, command, "000", address, why);
		r->waf_failed = true;
	} else if (err) {
		char why[160];
		snprintf(why, sizeof(why), "refused: %s", refusal);
		respond_event(r, "failed", BAN_PROGRAM, command, "000", address, why);
	} else if (oc != YG_WAF_DUPLICATE)
		respond_event(r, "blocked", BAN_PROGRAM, command, "000", address,
		              oc == YG_WAF_EXTENDED ? "ban extended" : "banned");
}

/* ---- delivery ---- */

/* {"message": msg, "timeout": N} for the agent's executor. */
static char *ar_request(const char *message, unsigned timeout)
{
	size_t n = strlen(message) + 64;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "{\"message\":%s,\"timeout\":%u}", message, timeout);
	return s;
}

static void add_pending(yg_respond *r, const char *agent, char *request, const char *key,
                        const char *program)
{
	if (!r->pending)
		r->pending = calloc(RESPOND_PENDING_MAX, sizeof(*r->pending));
	if (!r->pending || r->npending == RESPOND_PENDING_MAX) {
		respond_event(r, "failed", program, "add", agent, NULL,
		              "agent not connected and too many responses waiting; dropped");
		free(request);
		return;
	}
	respond_pending *p = &r->pending[r->npending++];
	snprintf(p->agent, sizeof(p->agent), "%s", agent);
	snprintf(p->program, sizeof(p->program), "%s", program);
	p->request = request;
	p->key = key ? strdup(key) : NULL;
	p->give_up_ms = yg_now_ms() + PENDING_TTL_MS;
}

/* Sends a request to an agent, or keeps it for later. Takes request. */
static void send_agent(yg_respond *r, const char *agent, char *request, const char *key,
                       const char *program)
{
	if (!request)
		return;
	yg_err err = r->m->agents ? agents_send_ar(r->m->agents, agent, ++r->next_req, request)
	                          : YG_ENOTFOUND;
	if (err == YG_OK) {
		if (key)
			respond_mark_seen(r, key);
		free(request);
		return;
	}
	if (!r->m->agents) {
		respond_event(r, "failed", program, "add", agent, NULL,
		              "no agent listener (<remote>) on this manager");
		free(request);
		return;
	}
	add_pending(r, agent, request, key, program);
}

static void retry_pending(yg_respond *r)
{
	long long now = yg_now_ms();
	size_t k = 0;
	for (size_t i = 0; i < r->npending; i++) {
		respond_pending *p = &r->pending[i];
		yg_err err = agents_send_ar(r->m->agents, p->agent, ++r->next_req, p->request);
		if (err == YG_OK || now >= p->give_up_ms) {
			if (err == YG_OK && p->key)
				respond_mark_seen(r, p->key);
			if (err)
				respond_event(
				        r, "failed", p->program, "add", p->agent, NULL,
				        "agent not connected for 10 minutes; response dropped");
			free(p->request);
			free(p->key);
			continue;
		}
		r->pending[k++] = *p;
	}
	r->npending = k;
}

/* The message's alert fields an action needs: its id and rule id. */
static void alert_ids(const char *json, size_t len, char *id, char *rule, size_t n)
{
	id[0] = rule[0] = '\0';
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_object *root = json_tokener_parse_ex(tok, json, (int)len), *v, *rl;
	json_tokener_free(tok);
	if (root && json_object_object_get_ex(root, "id", &v))
		snprintf(id, n, "%s", json_object_get_string(v));
	if (root && json_object_object_get_ex(root, "rule", &rl) &&
	    json_object_object_get_ex(rl, "id", &v))
		snprintf(rule, n, "%s", json_object_get_string(v));
	json_object_put(root);
}

/* Records an automatic ban in the ledger and links it to the ticket.
 * false when the address is refused (reported). */
static bool record_ban(yg_respond *r, const yg_ar_action *a, const char *srcip,
                       const char *alert_id, const char *rule_id, int64_t ticket)
{
	yg_waf_ban_req req = {.address = srcip,
	                      .source = YG_WAF_SOURCE_AUTO,
	                      .timeout = a->timeout ? (int64_t)a->timeout : -1,
	                      .reason = a->response,
	                      .rule_id = rule_id,
	                      .alert_id = alert_id,
	                      .agent_id = a->agent_id};
	yg_waf_add_result res;
	yg_waf_ban ban;
	yg_err err = yg_waf_ledger_add(r->ledger, &req, &res, &ban);
	if (err) {
		yg_waf_addr pa;
		const char *special =
		        yg_waf_addr_parse(srcip, &pa) == YG_OK ? yg_waf_addr_special(&pa) : NULL;
		char why[160];
		snprintf(why, sizeof(why), "refused: %s",
		         special ? special : "not a valid address, too broad, or allow-listed");
		respond_event(r, "failed", BAN_PROGRAM, "add", a->agent_id, srcip, why);
		return false;
	}
	note_sent(r, ban.address, a->agent_id, ban.expires);
	if (ticket && r->tickets) {
		/* link_ban adds the "ban" entry (once per address); this one
		 * records the response itself, repeats and extensions included. */
		yg_tickets_link_ban(r->tickets, ticket, ban.address);
		char line[192], until[32] = "";
		time_t exp = (time_t)ban.expires;
		struct tm tm;
		if (ban.expires && gmtime_r(&exp, &tm))
			strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (ban.expires)
			snprintf(line, sizeof(line), "%s: ban of %s on agent %s until %s",
			         a->response, ban.address, a->agent_id, until);
		else
			snprintf(line, sizeof(line), "%s: permanent ban of %s on agent %s",
			         a->response, ban.address, a->agent_id);
		yg_tickets_timeline_add(r->tickets, ticket, YG_TL_RESPONSE, line);
	}
	return true;
}

/* An agent refused a ban (990040 from its built-in action: not a valid
 * address, or in its <allow> list): the ledger must not keep listing it. */
static void note_refused_ban(yg_respond *r, const char *json, size_t len)
{
	if (!memmem(json, len, "\"990040\"", 8) ||
	    !memmem(json, len, BAN_PROGRAM, strlen(BAN_PROGRAM)))
		return;
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_object *root = json_tokener_parse_ex(tok, json, (int)len), *rule, *id, *data, *y, *v;
	json_tokener_free(tok);
	const char *srcip = NULL, *agent = NULL;
	if (root && json_object_object_get_ex(root, "rule", &rule) &&
	    json_object_object_get_ex(rule, "id", &id) &&
	    !strcmp(json_object_get_string(id), "990040") &&
	    json_object_object_get_ex(root, "data", &data) &&
	    json_object_object_get_ex(data, "yagura", &y) &&
	    json_object_object_get_ex(y, "program", &v) &&
	    strstr(json_object_get_string(v), BAN_PROGRAM)) {
		if (json_object_object_get_ex(y, "srcip", &v))
			srcip = json_object_get_string(v);
		if (json_object_object_get_ex(y, "agent", &v))
			agent = json_object_get_string(v);
	}
	yg_waf_ban b;
	if (srcip && agent && yg_waf_ledger_get(r->ledger, srcip, &b) == YG_OK && !b.lifted &&
	    !strcmp(b.agent_id, agent)) {
		yg_waf_ledger_lift(r->ledger, b.address, "refused by the agent");
		/* the agent has nothing to lift: no delete for it */
		respond_sent *sent = find_sent(r, b.address, agent);
		if (sent)
			*sent = r->sent[--r->nsent];
		mlog(r->m, "WARNING", MSG_RESPOND,
		     "agent %s refused the ban of %s; lifted in the ledger", agent, b.address);
	}
	json_object_put(root);
}

void respond_ar_alert(yg_respond *r, const char *json, size_t len, int64_t ticket)
{
	note_refused_ban(r, json, len);
	char ids[MAX_AGENTS][16];
	const char *ptrs[MAX_AGENTS];
	size_t nids = r->m->agents ? agents_ids(r->m->agents, ids, MAX_AGENTS - 1) : 0;
	for (size_t i = 0; i < nids; i++)
		ptrs[i] = ids[i];
	ptrs[nids++] = "000";
	yg_ar_actions acts = {0};
	yg_ar_skip why;
	yg_err err = yg_ar_dispatch_alert(r->dispatch, json, len, ptrs, nids, respond_seen, r,
	                                  &acts, &why);
	if (err && err != YG_EPARSE)
		mlog(r->m, "WARNING", MSG_RESPOND, "active response: %s", yg_strerror(err));
	char srcip[64] = "", alert_id[64], rule_id[64];
	if (acts.n)
		alert_ids(json, len, alert_id, rule_id, sizeof(alert_id));
	if (acts.truncated)
		mlog(r->m, "INFO", MSG_RESPOND,
		     "alert %s (%zu bytes) is larger than a response message: its long fields "
		     "(previous_output, full_log first) are cut in the message",
		     alert_id, len);
	for (size_t i = 0; i < acts.n; i++) {
		const yg_ar_action *a = &acts.v[i];
		bool ban = is_ban(a->executable);
		if (ban) {
			if (!srcip[0])
				alert_srcip(json, len, srcip, sizeof(srcip));
			if (!record_ban(r, a, srcip, alert_id, rule_id, ticket)) {
				respond_mark_seen(r, a->key);
				continue;
			}
		}
		if (!strcmp(a->agent_id, "000")) {
			if (ban)
				local_ban(r, "add", srcip, a->timeout, rule_id, alert_id);
			else if (yg_execd_run(r->execd, a->message, a->timeout, execd_result, r) ==
			         YG_ELIMIT)
				respond_event(r, "failed", a->executable, "add", "000", NULL,
				              "too many responses waiting on the manager");
			respond_mark_seen(r, a->key);
			continue;
		}
		send_agent(r, a->agent_id, ar_request(a->message, a->timeout), a->key,
		           a->executable);
	}
	yg_ar_actions_free(&acts);
}

/* ---- the ledger as changed by others ---- */

/* The message for a ban that ctl or the API made or lifted. */
static char *ban_message(yg_respond *r, const char *command, const yg_waf_ban *b)
{
	json_object *o = json_object_new_object(), *origin = json_object_new_object(),
	            *params = json_object_new_object(), *alert = json_object_new_object(),
	            *rule = json_object_new_object(), *data = json_object_new_object();
	char id[96];
	snprintf(id, sizeof(id), "ban-%lld-%lld", (long long)b->id, (long long)b->updated);
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(origin, "name", json_object_new_string(r->host));
	json_object_object_add(origin, "module", json_object_new_string("yagura-bans"));
	json_object_object_add(o, "origin", origin);
	json_object_object_add(o, "command", json_object_new_string(command));
	json_object_object_add(params, "extra_args", json_object_new_array());
	json_object_object_add(rule, "id",
	                       json_object_new_string(b->rule_id[0] ? b->rule_id : "manual"));
	json_object_object_add(rule, "description", json_object_new_string(b->reason));
	json_object_object_add(alert, "id", json_object_new_string(id));
	json_object_object_add(alert, "rule", rule);
	json_object_object_add(data, "srcip", json_object_new_string(b->address));
	json_object_object_add(alert, "data", data);
	json_object_object_add(params, "alert", alert);
	json_object_object_add(params, "program",
	                       json_object_new_string("active-response/bin/" BAN_PROGRAM));
	json_object_object_add(o, "parameters", params);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static void push_ban(yg_respond *r, const char *command, const yg_waf_ban *b, const char *agent)
{
	int64_t now = yg_waf_ledger_now(r->ledger);
	unsigned timeout = b->expires > now ? (unsigned)(b->expires - now) : 0;
	if (!strcmp(agent, "000")) {
		local_ban(r, command, b->address, timeout, b->rule_id, NULL);
		return;
	}
	char *msg = ban_message(r, command, b);
	if (!msg)
		return;
	send_agent(r, agent, ar_request(msg, timeout), NULL, BAN_PROGRAM);
	free(msg);
}

/* Sends what makes the agents match the ledger's active bans. */
static void reconcile(yg_respond *r)
{
	yg_waf_ban_list active = {0};
	if (yg_waf_ledger_list_active(r->ledger, &active))
		return;
	for (size_t i = 0; i < active.n; i++) {
		const yg_waf_ban *b = &active.v[i];
		const char *one[1] = {b->agent_id};
		const char *const *targets =
		        b->agent_id[0] ? one : (const char *const *)r->ban_agents;
		size_t nt = b->agent_id[0] ? 1 : r->nban_agents;
		for (size_t t = 0; t < nt; t++) {
			respond_sent *s = find_sent(r, b->address, targets[t]);
			if (s && s->expires == b->expires)
				continue;
			push_ban(r, "add", b, targets[t]);
			note_sent(r, b->address, targets[t], b->expires);
		}
	}
	/* sent bans no longer active: lifted by someone, or expired */
	size_t k = 0;
	for (size_t i = 0; i < r->nsent; i++) {
		bool still = false;
		for (size_t j = 0; j < active.n && !still; j++)
			still = !strcmp(active.v[j].address, r->sent[i].address);
		if (!still) {
			int64_t now = yg_waf_ledger_now(r->ledger);
			bool expired = r->sent[i].expires && r->sent[i].expires <= now;
			if (!expired) {
				/* lifted early: the agent must lift it too */
				yg_waf_ban b;
				memset(&b, 0, sizeof(b));
				snprintf(b.address, sizeof(b.address), "%s", r->sent[i].address);
				snprintf(b.reason, sizeof(b.reason), "lifted");
				push_ban(r, "delete", &b, r->sent[i].agent);
			}
			continue;
		}
		r->sent[k++] = r->sent[i];
	}
	r->nsent = k;
	yg_waf_ban_list_free(&active);
}

/* ---- life cycle ---- */

/* Who applies a ban made by hand: the agents the configuration's built-in
 * ban responses target, and the manager when it has a WAF. */
static void find_ban_agents(yg_respond *r)
{
	const yg_ar_config *cfg = r->m->cfg.ar;
	size_t n = yg_ar_config_nresponses(cfg);
	r->ban_agents = calloc(n + 1, sizeof(char *));
	if (!r->ban_agents)
		return;
	for (size_t i = 0; i < n; i++) {
		yg_ar_response_info ri;
		yg_ar_command_info ci;
		yg_ar_config_response(cfg, i, &ri);
		if (!yg_ar_config_find_command(cfg, ri.command, &ci) || !is_ban(ci.executable))
			continue;
		const char *who = (ri.location & YG_AR_LOC_DEFINED) && ri.agent_id ? ri.agent_id
		                  : (ri.location & YG_AR_LOC_SERVER)               ? "000"
		                                                                   : NULL;
		if (!who)
			continue;
		bool dup = false;
		for (size_t k = 0; k < r->nban_agents; k++)
			dup = dup || !strcmp(r->ban_agents[k], who);
		if (!dup)
			r->ban_agents[r->nban_agents++] = strdup(who);
	}
	if (r->waf) {
		bool dup = false;
		for (size_t k = 0; k < r->nban_agents; k++)
			dup = dup || !strcmp(r->ban_agents[k], "000");
		if (!dup) {
			char **v = realloc(r->ban_agents, (r->nban_agents + 1) * sizeof(char *));
			if (v) {
				r->ban_agents = v;
				r->ban_agents[r->nban_agents++] = strdup("000");
			}
		}
	}
}

yg_err respond_ar_open(yg_respond *r, yg_diag *d)
{
	manager *m = r->m;
	const char *home = m->opts->home;
	char p[PATH_MAX], bin[PATH_MAX], log[PATH_MAX];
	gethostname(r->host, sizeof(r->host) - 1);
	if (!yg_path_join(p, sizeof(p), home, "var/db/bans.db") ||
	    yg_waf_ledger_open(p, &r->ledger)) {
		yg_diag_add(d, YG_SEV_ERROR, p, 0, "bans", "cannot open the ban ledger");
		return YG_EIO;
	}
	if (m->cfg.has_waf && !yg_waf_config_disabled(m->cfg.waf)) {
		yg_waf_policy pol;
		yg_waf_config_policy(m->cfg.waf, &pol);
		yg_waf_ledger_set_policy(r->ledger, &pol);
		if (!yg_path_join(p, sizeof(p), home, "var/db/waf.db") ||
		    yg_waf_open(m->cfg.waf, p, NULL, &r->waf)) {
			yg_diag_add(d, YG_SEV_ERROR, p, 0, "waf",
			            "the WAF ban action cannot start");
			return YG_EIO;
		}
	}
	if (yg_ar_config_nresponses(m->cfg.ar)) {
		yg_ar_dispatch_opts o = {.node_name = r->host};
		if (!(r->dispatch = yg_ar_dispatch_create(m->cfg.ar, &o)))
			return YG_ENOMEM;
		if (!yg_path_join(bin, sizeof(bin), home, "active-response/bin") ||
		    !yg_mkdirs(bin) ||
		    !yg_path_join(log, sizeof(log), home, "logs/active-responses.log") ||
		    !yg_path_join(p, sizeof(p), home, "var/db/execd.db"))
			return YG_EINVAL;
		yg_execd_opts eo = {.ar_bin_dir = bin,
		                    .cwd = home,
		                    .log_path = log,
		                    .db_path = p,
		                    .max_concurrent = 1, /* one at a time, as Wazuh's execd */
		                    .on_result = execd_result,
		                    .result_ctx = r};
		if (!(r->execd = yg_execd_create(&eo, d)))
			return YG_EIO;
	}
	find_ban_agents(r);
	/* what is active was sent before this start */
	yg_waf_ban_list active = {0};
	if (yg_waf_ledger_list_active(r->ledger, &active) == YG_OK) {
		for (size_t i = 0; i < active.n; i++) {
			const yg_waf_ban *b = &active.v[i];
			if (b->agent_id[0])
				note_sent(r, b->address, b->agent_id, b->expires);
			for (size_t t = 0; !b->agent_id[0] && t < r->nban_agents; t++)
				note_sent(r, b->address, r->ban_agents[t], b->expires);
		}
		yg_waf_ban_list_free(&active);
	}
	return YG_OK;
}

void respond_ar_close(yg_respond *r)
{
	for (size_t i = 0; i < r->npending; i++) {
		mlog(r->m, "WARNING", MSG_RESPOND,
		     "response %s for agent %s not delivered before the stop",
		     r->pending[i].program, r->pending[i].agent);
		free(r->pending[i].request);
		free(r->pending[i].key);
	}
	free(r->pending);
	for (size_t i = 0; i < r->nban_agents; i++)
		free(r->ban_agents[i]);
	free(r->ban_agents);
	free(r->sent);
	yg_execd_destroy(r->execd);
	yg_ar_dispatch_destroy(r->dispatch);
	yg_waf_close(r->waf);
	yg_waf_ledger_close(r->ledger);
}

void respond_ar_tick(yg_respond *r, bool ledger_changed)
{
	if (r->execd)
		yg_execd_poll(r->execd, 0);
	if (r->waf) {
		yg_waf_ban_list lifted = {0};
		yg_waf_apply_report rep;
		memset(&rep, 0, sizeof(rep));
		yg_err te = yg_waf_tick(r->waf, &lifted, &rep);
		if (te == YG_OK && r->waf_failed && rep.changed) {
			r->waf_failed = false;
			mlog(r->m, "INFO", MSG_RESPOND,
			     "active response: the ban file is written and the WAF reloaded: "
			     "the bans that failed earlier are applied (recovered)");
		}
		if (te == YG_OK)
			for (size_t i = 0; i < lifted.n; i++)
				respond_event(r, "unblocked", BAN_PROGRAM, "delete", "000",
				              lifted.v[i].address, "ban expired");
		yg_waf_ban_list_free(&lifted);
	}
	if (r->npending && r->m->agents)
		retry_pending(r);
	long long now = yg_now_ms();
	if (ledger_changed || now - r->ledger_checked >= LEDGER_CHECK_MS) {
		r->ledger_checked = now;
		yg_waf_ban_list due = {0};
		if (yg_waf_ledger_expire_due(r->ledger, &due) == YG_OK)
			yg_waf_ban_list_free(&due);
		reconcile(r);
	}
}
