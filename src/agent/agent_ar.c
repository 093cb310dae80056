/* agent_ar.c: active responses on the agent.
 *
 * The manager sends an AR_REQUEST whose JSON is
 *     {"message": <Wazuh's execd message object>, "timeout": N}
 * (docs/agent.md). parameters.program "active-response/bin/yagura-waf-ban"
 * is yagura's built-in ban (the agent's <waf> block): "add" bans
 * parameters.alert.data.srcip for N seconds (0: until the manager sends
 * "delete"), "delete" lifts it. Any other program runs through execd with
 * timeout N. Every outcome (done, refused, failed) is queued as an internal
 * event (agent_util.c) and so reaches the manager through the spool: that
 * is the one path of results (exactly once, also when the link is down). */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_int.h"

#define BAN_PROGRAM "active-response/bin/yagura-waf-ban"
#define WAF_TICK_MS 5000

/* What a run needs when its result comes back. */
typedef struct run_ctx {
	agent *a;
	uint64_t req_id;
	char srcip[64];
	struct run_ctx *prev, *next; /* a->runs: freed at close if never called */
} run_ctx;

static void run_unlink(run_ctx *rc)
{
	if (rc->prev)
		rc->prev->next = rc->next;
	else
		rc->a->runs = rc->next;
	if (rc->next)
		rc->next->prev = rc->prev;
}

/* The string at o.k1.k2... (NULL-terminated key list), or NULL. */
static const char *jstr(json_object *o, const char *const *keys)
{
	for (; o && *keys; keys++) {
		json_object *v = NULL;
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, *keys, &v))
			return NULL;
		o = v;
	}
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/* The outcome of request req_id (0: none, e.g. a dropped request) as the
 * agent's log line and as the result event in the spool. */
static void report(agent *a, uint64_t req_id, const char *event, const char *program,
                   const char *command, const char *srcip, const char *message)
{
	alog(a, strcmp(event, "failed") ? "INFO" : "WARNING", AMSG_AR,
	     "request %llu: %s %s %s%s%s: %s", (unsigned long long)req_id, event,
	     program ? program : "-", command ? command : "-", srcip && *srcip ? " " : "",
	     srcip ? srcip : "", message);
	ar_event(a, event, program, command, srcip, message);
}

/* ---- execd ---- */

static void execd_done(agent *a, uint64_t req_id, const char *srcip, const yg_execd_result *res)
{
	char msg[1024];
	switch (res->outcome) {
	case YG_EXECD_EXITED:
		snprintf(msg, sizeof(msg), "%s %s on agent %s: exit status %d%s%.200s",
		         res->program, res->command, a->id, res->exit_status,
		         res->stderr_tail[0] ? ", stderr: " : "", res->stderr_tail);
		break;
	case YG_EXECD_SIGNALED:
		snprintf(msg, sizeof(msg), "%s %s on agent %s: killed by signal %d", res->program,
		         res->command, a->id, res->signal);
		break;
	case YG_EXECD_TIMED_OUT:
		snprintf(msg, sizeof(msg), "%s %s on agent %s: timed out and killed", res->program,
		         res->command, a->id);
		break;
	default:
		snprintf(msg, sizeof(msg), "%s %s on agent %s: %s", res->program, res->command,
		         a->id, res->error);
		break;
	}
	report(a, req_id, yg_execd_result_event(res), res->program, res->command, srcip, msg);
}

/* A run started by ar_handle: called exactly once. */
static void run_result(void *ctx, const yg_execd_result *res)
{
	run_ctx *rc = ctx;
	run_unlink(rc);
	execd_done(rc->a, rc->req_id, rc->srcip, res);
	free(rc);
}

/* Delete runs of the timeout list. */
static void delete_result(void *ctx, const yg_execd_result *res)
{
	execd_done(ctx, 0, NULL, res);
}

static void run_execd(agent *a, uint64_t req_id, json_object *msg, unsigned timeout,
                      const char *srcip)
{
	run_ctx *rc = calloc(1, sizeof(*rc));
	const char *text = json_object_to_json_string_ext(
	        msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!rc || !text) {
		free(rc);
		report(a, req_id, "failed",
		       jstr(msg, (const char *[]){"parameters", "program", NULL}),
		       jstr(msg, (const char *[]){"command", NULL}), srcip, "out of memory");
		return;
	}
	rc->a = a;
	rc->req_id = req_id;
	rc->next = a->runs;
	if (a->runs)
		a->runs->prev = rc;
	a->runs = rc;
	snprintf(rc->srcip, sizeof(rc->srcip), "%s", srcip ? srcip : "");
	/* run_result frees rc, also on a refusal reported from inside run */
	yg_execd_run(a->execd, text, timeout, run_result, rc);
}

/* ---- the built-in ban ---- */

static void run_ban(agent *a, uint64_t req_id, json_object *msg, const char *command,
                    unsigned timeout, const char *srcip)
{
	if (!a->waf) {
		report(a, req_id, "failed", BAN_PROGRAM, command, srcip,
		       "this agent has no <waf> block: nothing to apply the ban to");
		return;
	}
	yg_waf_apply_report rep;
	memset(&rep, 0, sizeof(rep));
	if (!srcip || !*srcip) {
		report(a, req_id, "failed", BAN_PROGRAM, command, NULL,
		       "refused: the alert has no data.srcip");
		return;
	}
	if (!strcmp(command, "delete")) {
		yg_err err = yg_waf_lift_ban(a->waf, srcip, "manager", &rep);
		report(a, req_id, err && err != YG_ENOTFOUND ? "failed" : "unblocked", BAN_PROGRAM,
		       command, srcip,
		       err == YG_ENOTFOUND ? "not banned here"
		       : err               ? (rep.error[0] ? rep.error : yg_strerror(err))
		                           : "ban lifted");
		return;
	}
	const char *const rule_k[] = {"parameters", "alert", "rule", "id", NULL};
	const char *const alert_k[] = {"parameters", "alert", "id", NULL};
	yg_waf_ban_req req = {.address = srcip,
	                      .source = YG_WAF_SOURCE_AUTO,
	                      .timeout = (int64_t)timeout, /* 0: until "delete" */
	                      .reason = "active response",
	                      .rule_id = jstr(msg, rule_k),
	                      .alert_id = jstr(msg, alert_k),
	                      .agent_id = a->id};
	yg_waf_outcome oc = YG_WAF_BANNED;
	yg_err err = yg_waf_add_ban(a->waf, &req, &oc, &rep);
	if (err == YG_EINVAL) {
		char why[160];
		snprintf(why, sizeof(why), "refused: %s", yg_waf_outcome_refusal(oc, srcip));
		report(a, req_id, "failed", BAN_PROGRAM, command, srcip, why);
	} else if (err)
		report(a, req_id, "failed", BAN_PROGRAM, command, srcip,
		       rep.error[0] ? rep.error : yg_strerror(err));
	else if (oc != YG_WAF_DUPLICATE) /* a duplicate was reported the first time */
		report(a, req_id, "blocked", BAN_PROGRAM, command, srcip,
		       oc == YG_WAF_EXTENDED ? "ban extended" : "banned");
}

/* ---- requests ---- */

void ar_handle(agent *a, uint64_t req_id, const char *json)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *root = tok ? json_tokener_parse_ex(tok, json, (int)strlen(json)) : NULL;
	bool whole = tok && json_tokener_get_error(tok) == json_tokener_success &&
	             json_tokener_get_parse_end(tok) == strlen(json);
	json_tokener_free(tok);
	json_object *msg = NULL, *to = NULL;
	if (!root || !whole || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "message", &msg) ||
	    !json_object_is_type(msg, json_type_object)) {
		report(a, req_id, "failed", NULL, NULL, NULL,
		       "malformed request: expected {\"message\":{...},\"timeout\":N}");
		json_object_put(root);
		return;
	}
	int64_t t = 0;
	if (json_object_object_get_ex(root, "timeout", &to)) {
		t = json_object_is_type(to, json_type_int) ? json_object_get_int64(to) : -1;
		if (t < 0 || t > 10LL * 365 * 86400) {
			report(a, req_id, "failed", NULL, NULL, NULL,
			       "malformed request: timeout is not a number of seconds");
			json_object_put(root);
			return;
		}
	}
	const char *program = jstr(msg, (const char *const[]){"parameters", "program", NULL});
	const char *command = jstr(msg, (const char *const[]){"command", NULL});
	const char *srcip =
	        jstr(msg, (const char *const[]){"parameters", "alert", "data", "srcip", NULL});
	if (a->cfg.ar_disabled)
		report(a, req_id, "failed", program, command, srcip,
		       "active responses are disabled on this agent");
	else if (!program || !command || (strcmp(command, "add") && strcmp(command, "delete")))
		report(a, req_id, "failed", program, command, srcip,
		       "malformed message: no parameters.program or command add/delete");
	else if (!strcmp(program, BAN_PROGRAM))
		run_ban(a, req_id, msg, command, (unsigned)t, srcip);
	else
		run_execd(a, req_id, msg, (unsigned)t, srcip);
	json_object_put(root);
}

/* ---- open / tick / close ---- */

bool ar_open(agent *a)
{
	const char *home = a->opts->home;
	char bin[PATH_MAX], log[PATH_MAX], db[PATH_MAX];
	if (!yg_path_join(bin, sizeof(bin), home, "active-response/bin") || !yg_mkdirs(bin) ||
	    !yg_path_join(log, sizeof(log), home, "logs/active-responses.log") ||
	    !yg_path_join(db, sizeof(db), home, "var/db/execd.db"))
		return false;
	yg_diag *d = yg_diag_create();
	/* One run at a time, as Wazuh's execd (it waits for each script with
	 * wpclose): scripts such as the article's yara.sh rely on it, their
	 * check-then-create lock files race when runs overlap (a file written
	 * slowly gives several FIM alerts, hence several runs, and was then
	 * scanned twice). */
	yg_execd_opts eo = {.ar_bin_dir = bin,
	                    .cwd = home,
	                    .log_path = log,
	                    .db_path = db,
	                    .max_concurrent = 1,
	                    .on_result = delete_result,
	                    .result_ctx = a};
	a->execd = d ? yg_execd_create(&eo, d) : NULL;
	alog_diag(a, d);
	yg_diag_destroy(d);
	if (!a->execd) {
		alog(a, "ERROR", AMSG_AR, "the active-response executor cannot start");
		return false;
	}
	if (!a->cfg.has_waf || yg_waf_config_disabled(a->cfg.waf))
		return true;
	const char *ledger = yg_waf_config_ledger(a->cfg.waf);
	if (!ledger && !yg_path_join(db, sizeof(db), home, "var/db/bans.db"))
		return false;
	yg_err err = yg_waf_open(a->cfg.waf, ledger ? ledger : db, NULL, &a->waf);
	if (err) {
		alog(a, "ERROR", AMSG_WAF, "the WAF ban action cannot start: %s", yg_strerror(err));
		return false;
	}
	yg_waf_apply_report rep;
	memset(&rep, 0, sizeof(rep));
	if (yg_waf_sync(a->waf, &rep))
		alog(a, "WARNING", AMSG_WAF, "waf: first apply failed (%s); retried",
		     rep.error[0] ? rep.error : "?");
	a->waf_next_tick = yg_now_ms() + WAF_TICK_MS;
	return true;
}

void ar_tick(agent *a)
{
	if (a->execd)
		yg_execd_poll(a->execd, 0);
	if (!a->waf || yg_now_ms() < a->waf_next_tick)
		return;
	a->waf_next_tick = yg_now_ms() + WAF_TICK_MS;
	yg_waf_ban_list lifted = {0};
	yg_waf_apply_report rep;
	memset(&rep, 0, sizeof(rep));
	if (yg_waf_tick(a->waf, &lifted, &rep) && rep.error[0])
		alog(a, "WARNING", AMSG_WAF, "waf: apply failed: %s", rep.error);
	for (size_t i = 0; i < lifted.n; i++)
		report(a, 0, "unblocked", BAN_PROGRAM, "delete", lifted.v[i].address,
		       "ban expired");
	yg_waf_ban_list_free(&lifted);
}

int ar_timeout_ms(agent *a)
{
	int t = a->execd ? yg_execd_next_timeout_ms(a->execd) : -1;
	if (a->waf) {
		long long w = a->waf_next_tick - yg_now_ms();
		if (w < 0)
			w = 0;
		if (t < 0 || w < t)
			t = (int)w;
	}
	return t;
}

int ar_fd(agent *a)
{
	return a->execd ? yg_execd_fd(a->execd) : -1;
}

void ar_close(agent *a)
{
	yg_execd_destroy(a->execd); /* what still runs gives no result */
	a->execd = NULL;
	while (a->runs) {
		run_ctx *rc = a->runs;
		run_unlink(rc);
		free(rc);
	}
	yg_waf_close(a->waf);
	a->waf = NULL;
}
