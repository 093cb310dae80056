/* ar_dispatch.h: deciding which active responses an alert fires (manager
 * side, pure logic: no I/O, no processes).
 *
 * Input: one committed alert, Wazuh's alert JSON text. For each configured
 * response (yg_ar_config, checked) the decision is analysisd's:
 *   - the rule matches when (level and rules_group both set) rule.level >=
 *     level AND rules_group (OS_Regex) matches the rule's group string; else
 *     level alone or rules_group alone; OR rule.id is in rules_id. Level-0
 *     rules never fire a response. The group string is rebuilt from the
 *     alert: rule.groups joined with ',' plus a trailing ',', followed by the
 *     compliance groups (pci_dss_X, gdpr_X, hipaa_X, nist_800_53_X, tsc_X,
 *     gpg13_X) that analysisd keeps in it but the alert JSON lists apart.
 *   - an alert whose data.srcip is not [a-zA-Z.:_0-9-]* or whose data.dstuser
 *     is not [a-zA-Z._0-9@?-]* fires nothing (Wazuh's "crafted" check);
 *   - a srcip ("::ffff:" removed) on the white list fires nothing;
 *   - targets: server -> "000"; local -> agent.id of the alert (its
 *     "%03d" form; "000" = the manager); defined-agent -> agent_id; all ->
 *     every id the caller passes (include "000" to reach the manager).
 *     Several location bits follow OS_Exec's order: server (or local from
 *     the manager) wins, then all, then defined-agent, then local.
 *   - timeout: the response's; with the global repeated_offenders list it
 *     grows per (srcip, command) like Wazuh's execd does per key: the first
 *     offence uses the timeout, the n-th (n >= 2) uses list[n-2] minutes,
 *     the last value once the list is exhausted. Counts live in memory only
 *     (bounded, optionally forgotten after `forget_after_s` of quiet, by an
 *     injected clock). The WAF ban ledger (src/waf) keeps its own persistent
 *     counts; this one is Wazuh's in-memory behaviour.
 *
 * Output: one yg_ar_action per (target agent, response) with the message
 * the agent's execd hands to the script, Wazuh 4.x's layout and order:
 *   {"version":1,"origin":{"name":NODE,"module":"wazuh-analysisd"},
 *    "command":"add","parameters":{"extra_args":[...],"alert":ALERT,
 *    "program":"active-response/bin/EXE"}}
 * extra_args are the command's <extra_args> split on spaces (first 2047
 * bytes, as Wazuh). ALERT is the alert text itself, byte for byte, when it is
 * one line; an alert that spans lines is re-serialised compactly (the script
 * reads one line).
 *
 * Idempotence: every action carries a dedupe key (yg_ar_dedupe_key); the
 * caller stores the keys of actions it delivered and answers `seen` with
 * them, so a re-delivered alert fires nothing twice and does not count twice
 * as an offence.
 *
 * Not thread-safe: one yg_ar_dispatch per thread (it owns the counts). */
#ifndef YAGURA_AR_DISPATCH_H
#define YAGURA_AR_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/ar_config.h"
#include "common/yerr.h"

/* Wazuh's limit on a message (OS_MAXSTR); a larger alert is shrunk to fit
 * (yg_ar_actions.truncated), never skipped. */
#define YG_AR_DEFAULT_MAX_MESSAGE 65536u

/* Milliseconds of wall-clock time. */
typedef int64_t (*yg_ar_clock_fn)(void *ctx);

typedef struct yg_ar_dispatch_opts {
	const char *node_name; /* origin.name; NULL: "node01" (Wazuh's default) */
	size_t max_message;    /* 0: YG_AR_DEFAULT_MAX_MESSAGE */
	yg_ar_clock_fn clock;  /* NULL: CLOCK_REALTIME */
	void *clock_ctx;
	uint64_t forget_after_s; /* 0: offences are never forgotten (Wazuh) */
	size_t max_offenders;    /* 0: 65536 (oldest forgotten beyond) */
} yg_ar_dispatch_opts;

typedef struct yg_ar_action {
	char agent_id[16];    /* "000" is the manager */
	const char *response; /* Wazuh's response name ("ip_block0") */
	const char *command;  /* <command> name */
	const char *executable;
	unsigned timeout; /* seconds after which execd sends "delete"; 0: never */
	char *message;    /* the JSON line (no newline) */
	char *key;        /* dedupe key */
} yg_ar_action;

typedef struct yg_ar_actions {
	yg_ar_action *v;
	size_t n;
	/* The alert did not fit max_message: the messages carry it with its
	 * long strings (previous_output, full_log first) cut and marked
	 * "...[truncated by yagura]"; addresses, users and ids are whole. */
	bool truncated;
} yg_ar_actions;

/* Why an alert fired nothing, for logs and tests. */
typedef enum yg_ar_skip {
	YG_AR_SKIP_NONE = 0,
	YG_AR_SKIP_NO_MATCH,   /* no response matches the rule */
	YG_AR_SKIP_CRAFTED,    /* srcip/dstuser with forbidden characters */
	YG_AR_SKIP_WHITE_LIST, /* srcip is white-listed */
	YG_AR_SKIP_SEEN,       /* every action was already delivered */
} yg_ar_skip;

/* Answers whether the action with this dedupe key was already delivered. */
typedef bool (*yg_ar_seen_fn)(void *ctx, const char *key);

typedef struct yg_ar_dispatch yg_ar_dispatch;

/* Builds a dispatcher over `cfg` (which must have passed
 * yg_ar_config_check and outlive the dispatcher). opts may be NULL.
 * NULL on ENOMEM. */
yg_ar_dispatch *yg_ar_dispatch_create(const yg_ar_config *cfg, const yg_ar_dispatch_opts *opts);
void yg_ar_dispatch_destroy(yg_ar_dispatch *d);

/* Decides the actions of one alert (`len` bytes of JSON text). `agents` are
 * the ids used for location all (may be NULL when nagents is 0). `seen` may
 * be NULL. On success fills *out (possibly with n == 0; then *why, if not
 * NULL, says why) and returns YG_OK; YG_EPARSE when the text is not a JSON
 * object or has no rule; YG_ENOMEM. An alert over max_message is shrunk
 * (out->truncated); YG_ELIMIT only when even its shrunk form (every long
 * string cut) does not fit, which then left nothing. *out is always valid
 * to free with yg_ar_actions_free. */
yg_err yg_ar_dispatch_alert(yg_ar_dispatch *d, const char *alert, size_t len,
                            const char *const *agents, size_t nagents, yg_ar_seen_fn seen,
                            void *seen_ctx, yg_ar_actions *out, yg_ar_skip *why);

void yg_ar_actions_free(yg_ar_actions *a);

/* Writes the dedupe key of (alert id, response name, target agent) into
 * out: "<alert id>|<response>|<agent>". Returns YG_ELIMIT when it does not
 * fit (out is then empty), YG_EINVAL for NULL arguments. */
yg_err yg_ar_dedupe_key(const char *alert_id, const char *response, const char *agent_id, char *out,
                        size_t outlen);

/* Number of (srcip, command) offence counters kept. */
size_t yg_ar_dispatch_noffenders(const yg_ar_dispatch *d);

#endif
