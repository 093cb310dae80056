/* waf.h: yagura's built-in WAF ban action, the public face of src/waf.
 *
 *   yg_waf_config  a parsed <waf> block (ossec.conf, yagura's own element)
 *   yg_waf         ledger + action: ban / lift / expire, keeping the ban file
 *                  of a WAF that reads @ipMatchFromFile (ModSecurity, Coraza)
 *                  and, optionally, an nftables set in line with the ledger
 *
 * Example:
 *   <waf>
 *     <ban_file>/etc/nginx/banned_ips</ban_file>
 *     <verify_command>nginx -t</verify_command>
 *     <reload_command>nginx -s reload</reload_command>
 *     <allow>127.0.0.1</allow> <allow>10.0.0.0/8</allow>
 *     <default_timeout>600</default_timeout>
 *     <repeated_offenders>30,60,120</repeated_offenders>
 *     <nftables set="inet yagura banned">no</nftables>
 *   </waf>
 * docs/waf.md describes every option. A yg_waf is used from one thread. */
#ifndef YAGURA_WAF_H
#define YAGURA_WAF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "common/yopt.h"
#include "engine/wxml.h"
#include "waf/addr.h"
#include "waf/banfile.h"
#include "waf/ledger.h"

/* ---- configuration ---- */

typedef struct yg_waf_config yg_waf_config;

/* Defaults: no ban file (so not usable until one is set), no commands,
 * command timeout 10 s, default timeout 600 s, no repeated list, repeated
 * window 86400 s, nftables off. NULL on ENOMEM. */
yg_waf_config *yg_waf_config_create(void);
void yg_waf_config_destroy(yg_waf_config *cfg);

/* The <waf> block's option table (common/yopt.h). */
extern const yg_opt_block yg_waf_block;

/* Reads one <waf> element (call once per block: scalars are overridden,
 * <allow> entries accumulate). Every bad option is reported into diag as
 * file:line; returns YG_EPARSE when there was an error (cfg keeps what was
 * valid), YG_ENOMEM. */
yg_err yg_waf_config_read(yg_waf_config *cfg, const yg_wxml_node *waf, const char *file,
                          yg_diag *diag);
/* Prints the effective <waf> block as ossec.conf XML. */
void yg_waf_config_print(const yg_waf_config *cfg, FILE *out);

/* Checks what reading one block cannot: a ban file is set. Reports into
 * diag; YG_EPARSE when unusable. */
yg_err yg_waf_config_check(const yg_waf_config *cfg, const char *file, yg_diag *diag);

bool yg_waf_config_disabled(const yg_waf_config *cfg);
const char *yg_waf_config_ban_file(const yg_waf_config *cfg);
/* <ledger> path, or NULL when not configured. */
const char *yg_waf_config_ledger(const yg_waf_config *cfg);
const yg_waf_allow *yg_waf_config_allow(const yg_waf_config *cfg);
void yg_waf_config_policy(const yg_waf_config *cfg, yg_waf_policy *out);
/* Options for yg_waf_action_create; pointers are owned by cfg. */
void yg_waf_config_action_opts(const yg_waf_config *cfg, yg_waf_action_opts *out);

/* ---- the ban service ---- */

typedef struct yg_waf yg_waf;

/* Opens the ledger at ledger_path and prepares the action. `extra_allow`
 * (may be NULL) is added to the configured allow-list: pass Wazuh's
 * <global><white_list> entries here. Nothing is written until the first
 * add_ban/lift_ban/tick/sync. */
yg_err yg_waf_open(const yg_waf_config *cfg, const char *ledger_path,
                   const yg_waf_allow *extra_allow, yg_waf **out);
void yg_waf_close(yg_waf *w);

/* The ledger, for listing and for tests (clock injection). */
yg_waf_ledger *yg_waf_get_ledger(yg_waf *w);

typedef enum yg_waf_outcome {
	YG_WAF_BANNED,
	YG_WAF_EXTENDED,
	YG_WAF_DUPLICATE,       /* alert id seen before: nothing changed */
	YG_WAF_REFUSED_INVALID, /* not a valid address/CIDR, or too broad */
	YG_WAF_REFUSED_ALLOWED, /* overlaps the allow-list */
	YG_WAF_REFUSED_SPECIAL, /* loopback, multicast...: yg_waf_addr_special */
} yg_waf_outcome;

/* Why a ban was refused, for messages ("refused: ..."); NULL when oc is
 * not a refusal. address (may be NULL) lets a special range be named. */
const char *yg_waf_outcome_refusal(yg_waf_outcome oc, const char *address);

/* Validates, checks the allow-list, records the ban and applies it.
 * Returns YG_EINVAL for a refused address (*outcome says why; nothing is
 * recorded or written), YG_EIO when the ban is recorded but applying it
 * failed (*rep says why; yg_waf_tick retries), YG_OK otherwise. outcome and
 * rep may be NULL. */
yg_err yg_waf_add_ban(yg_waf *w, const yg_waf_ban_req *req, yg_waf_outcome *outcome,
                      yg_waf_apply_report *rep);

/* Lifts the ban of address and applies. YG_ENOTFOUND when not banned. */
yg_err yg_waf_lift_ban(yg_waf *w, const char *address, const char *by, yg_waf_apply_report *rep);

/* Lifts due bans (returned in *lifted, may be NULL) and applies when
 * anything changed or the last apply failed. Call it every few seconds. */
yg_err yg_waf_tick(yg_waf *w, yg_waf_ban_list *lifted, yg_waf_apply_report *rep);

/* Applies the ledger's active set unconditionally (e.g. at start-up). */
yg_err yg_waf_sync(yg_waf *w, yg_waf_apply_report *rep);

#endif
