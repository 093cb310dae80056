/* ledger.h: the ban ledger, in SQLite.
 *
 * One row per ban episode: an address is banned (auto from an alert, or
 * manually), possibly extended by later offences, and finally lifted (by
 * expiry, or by hand). At most one episode per address is active; the
 * history stays for repeated-offender counting and for people.
 *
 * Timeouts follow Wazuh's active response: a ban's first episode lasts the
 * policy's default timeout (0 = permanent); when the same address offends
 * again within `repeated_window` seconds, the k-th offence (k >= 2) lasts
 * repeated[k-2] minutes, the last entry repeating (Wazuh's
 * <repeated_offenders>). An offence for an address that is still banned
 * extends the ban (expiry = max(old, now + timeout)) instead of adding one.
 *
 * Every add may carry the id of the alert that caused it: an alert id seen
 * before is ignored, so feeding the same alert twice (after a crash) is
 * harmless.
 *
 * The rows are kept by store/bans.h (WAL, synchronous=FULL: a ban that was
 * reported done survives a crash); this module holds the policy, the clock
 * and the address checks. A ledger handle is used from one thread at a
 * time. */
#ifndef YAGURA_WAF_LEDGER_H
#define YAGURA_WAF_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"
#include "store/bans.h"
#include "waf/addr.h"

#define YG_WAF_REPEATED_MAX 16
typedef struct yg_waf_policy {
	int64_t default_timeout;                /* seconds; 0 = permanent */
	unsigned repeated[YG_WAF_REPEATED_MAX]; /* minutes, k >= 2 */
	size_t nrepeated;
	int64_t repeated_window; /* seconds; 0 = forever */
} yg_waf_policy;

/* What to ban. Strings may be NULL (stored as ""). */
typedef struct yg_waf_ban_req {
	const char *address; /* any form yg_waf_addr_parse accepts */
	yg_waf_source source;
	int64_t timeout;     /* seconds; < 0 = from the policy; 0 = permanent */
	const char *reason;  /* truncated to YG_WAF_REASON_MAX - 1 bytes */
	const char *rule_id; /* ids longer than YG_WAF_ID_MAX - 1: YG_EINVAL */
	const char *alert_id;
	const char *agent_id;
} yg_waf_ban_req;

typedef enum yg_waf_add_result {
	YG_WAF_ADD_NEW,       /* a new episode */
	YG_WAF_ADD_EXTENDED,  /* the active episode was extended */
	YG_WAF_ADD_DUPLICATE, /* the alert id was seen before: nothing done */
} yg_waf_add_result;

typedef struct yg_waf_ledger yg_waf_ledger;

/* Seconds since the epoch; tests inject their own. */
typedef int64_t (*yg_waf_clock_fn)(void *ctx);

/* Opens (creating if needed) the ledger at `path`. The policy starts as
 * default timeout 600 s, no repeated list, window 86400 s. YG_EIO when the
 * database cannot be opened or has a foreign schema. */
yg_err yg_waf_ledger_open(const char *path, yg_waf_ledger **out);
void yg_waf_ledger_close(yg_waf_ledger *l);

/* NULL fn restores the wall clock. */
void yg_waf_ledger_set_clock(yg_waf_ledger *l, yg_waf_clock_fn fn, void *ctx);
/* YG_EINVAL when nrepeated > YG_WAF_REPEATED_MAX or a value is negative. */
yg_err yg_waf_ledger_set_policy(yg_waf_ledger *l, const yg_waf_policy *p);
int64_t yg_waf_ledger_now(const yg_waf_ledger *l);

/* Records an offence and bans or extends. The address is validated with
 * yg_waf_addr_parse (YG_EINVAL when refused); the allow-list is the caller's
 * business (yg_waf_add_ban in waf.h does both). *res and *out (either may be
 * NULL) describe the resulting active episode. */
yg_err yg_waf_ledger_add(yg_waf_ledger *l, const yg_waf_ban_req *req, yg_waf_add_result *res,
                         yg_waf_ban *out);

/* Lifts the active ban of `address` now, recording `by` ("manual",
 * "expired", a user name). YG_ENOTFOUND when there is none. */
yg_err yg_waf_ledger_lift(yg_waf_ledger *l, const char *address, const char *by);

/* Adds `seconds` to the active ban's expiry (from now when it is already
 * due); a permanent ban stays permanent. YG_ENOTFOUND when not banned. */
yg_err yg_waf_ledger_extend(yg_waf_ledger *l, const char *address, int64_t seconds);

/* Bans in force now (not lifted, not yet expired), ordered by address. */
yg_err yg_waf_ledger_list_active(yg_waf_ledger *l, yg_waf_ban_list *out);
/* Every episode, newest first, at most `limit` (0 = all). */
yg_err yg_waf_ledger_list_all(yg_waf_ledger *l, size_t limit, yg_waf_ban_list *out);

/* Lifts every active ban whose expiry is due (by "expired") and returns
 * them in *out (may be NULL). Also forgets offences older than the window. */
yg_err yg_waf_ledger_expire_due(yg_waf_ledger *l, yg_waf_ban_list *out);

/* The active ban of `address`, YG_ENOTFOUND when none. */
yg_err yg_waf_ledger_get(yg_waf_ledger *l, const char *address, yg_waf_ban *out);

#endif
