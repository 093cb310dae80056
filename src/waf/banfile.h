/* banfile.h: the WAF ban action.
 *
 * Given the ledger's active bans, the action
 *   1. renders the ban file: a header comment, then one canonical address per
 *      line, sorted, without duplicates; every entry is re-validated, and
 *      entries that are invalid or overlap the allow-list are left out;
 *   2. if the content differs from the file (or the last reload failed),
 *      replaces the file atomically (temporary file in the same directory,
 *      fsync, rename, fsync of the directory);
 *   3. runs the verify command, if any (e.g. `nginx -t`); when it fails the
 *      previous file is put back, so a bad file is never loaded;
 *   4. runs the reload command, if any (e.g. `nginx -s reload`);
 *   5. optionally mirrors the set into an nftables set with
 *      `nft add/delete element FAMILY TABLE SET { ADDR [timeout Ns] }`.
 * Commands run without a shell (exec.h). The file format is what
 * ModSecurity's and Coraza's @ipMatchFromFile read: one IP or CIDR per line,
 * whole-line '#' comments. */
#ifndef YAGURA_WAF_BANFILE_H
#define YAGURA_WAF_BANFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ybuf.h"
#include "common/yerr.h"
#include "waf/addr.h"
#include "waf/exec.h"
#include "waf/ledger.h"

#define YG_WAF_BANFILE_MAX (64u * 1024 * 1024) /* largest file read back */

/* Renders the ban-file text for `bans` into out (appending). *written and
 * *refused (may be NULL) count the entries kept and left out. */
yg_err yg_waf_banfile_render(const yg_waf_ban_list *bans, const yg_waf_allow *allow, yg_buf *out,
                             size_t *written, size_t *refused);

/* Replaces `path` with data atomically and durably (mode 0644). */
yg_err yg_waf_banfile_write(const char *path, const char *data, size_t len);

/* The action's options; everything is copied by yg_waf_action_create. */
typedef struct yg_waf_action_opts {
	const char *ban_file;           /* required */
	const char *const *reload_argv; /* NULL-terminated; NULL = no reload */
	const char *const *verify_argv; /* NULL-terminated; NULL = no verify */
	int command_timeout_ms;         /* <= 0: 10000 */
	const yg_waf_allow *allow;      /* may be NULL */
	bool nftables;
	const char *nft_family, *nft_table, *nft_set; /* [A-Za-z0-9_-]+ each */
} yg_waf_action_opts;

typedef struct yg_waf_apply_report {
	bool changed;   /* the file was rewritten */
	size_t written; /* entries in the file */
	size_t refused; /* active bans left out (invalid or allow-listed) */
	bool verify_ran, verify_ok, restored;
	bool reload_ran, reload_ok;
	yg_waf_cmd_result verify, reload;
	size_t nft_added, nft_removed, nft_failed;
	char error[512]; /* first failure, for a log line; "" when none */
} yg_waf_apply_report;

typedef struct yg_waf_action yg_waf_action;

/* YG_EINVAL when ban_file is missing or an nftables name is not plain. */
yg_err yg_waf_action_create(const yg_waf_action_opts *opts, yg_waf_action **out);
void yg_waf_action_destroy(yg_waf_action *a);

/* Brings the WAF in line with `active` (the ledger's active bans; `now`
 * gives the nftables timeouts). Returns YG_OK when the file is in place and
 * verify/reload (when configured and needed) succeeded; YG_EIO otherwise,
 * with the details in *rep (may be NULL). After a failure the next apply
 * rewrites and reloads even if the content did not change. */
yg_err yg_waf_action_apply(yg_waf_action *a, const yg_waf_ban_list *active, int64_t now,
                           yg_waf_apply_report *rep);

/* True when the WAF may not hold what the ledger says (nothing applied yet,
 * or the last apply failed): the next apply rewrites and reloads. */
bool yg_waf_action_pending(const yg_waf_action *a);
/* Pending, and the back-off after a failed sync (1 s doubling to a minute)
 * is over: when a periodic tick should try again. */
bool yg_waf_action_due(const yg_waf_action *a);

#endif
