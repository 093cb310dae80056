/* bans.h (store): the ban ledger's rows in SQLite.
 *
 * Tables: `bans` (one row per episode; lifted IS NULL while active, at most
 * one active row per address, enforced by a partial unique index),
 * `offences` (one row per add, for repeated-offender counting) and
 * `seen_alerts` (alert ids already acted upon). The ledger (waf/ledger.h)
 * decides (policy, canonical addresses, timeouts); these calls only keep
 * and find rows. Addresses given here are already canonical. WAL with
 * synchronous=FULL: a ban reported done survives a crash. One thread at a
 * time. Schema component "bans"; version 1 is the schema written before
 * versions were recorded. */
#ifndef YAGURA_STORE_BANS_H
#define YAGURA_STORE_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"
#include "waf/addr.h" /* YG_WAF_ADDR_TEXT_MAX only */

#define YG_WAF_REASON_MAX 256 /* bytes kept of a reason, NUL included */
#define YG_WAF_ID_MAX 64      /* rule/alert/agent ids and lifted_by, NUL included */

typedef enum yg_waf_source {
	YG_WAF_SOURCE_AUTO,
	YG_WAF_SOURCE_MANUAL,
} yg_waf_source;

/* One ban episode, as read back from the ledger. */
typedef struct yg_waf_ban {
	int64_t id;
	char address[YG_WAF_ADDR_TEXT_MAX]; /* canonical */
	int64_t created;
	int64_t updated; /* last add/extend */
	int64_t expires; /* 0 = permanent */
	int64_t lifted;  /* 0 while active */
	unsigned times;  /* offence count when last added/extended (k) */
	yg_waf_source source;
	char reason[YG_WAF_REASON_MAX];
	char rule_id[YG_WAF_ID_MAX];
	char alert_id[YG_WAF_ID_MAX];
	char agent_id[YG_WAF_ID_MAX];
	char lifted_by[YG_WAF_ID_MAX];
} yg_waf_ban;

/* A list of bans returned by the ledger; free with yg_waf_ban_list_free. */
typedef struct yg_waf_ban_list {
	yg_waf_ban *v;
	size_t n;
} yg_waf_ban_list;

void yg_waf_ban_list_free(yg_waf_ban_list *list);

typedef struct yg_bans yg_bans;

/* Opens (creating if needed) the file; YG_EIO when it cannot be opened or
 * has a foreign schema. */
yg_err yg_bans_open(const char *path, yg_bans **out);
void yg_bans_close(yg_bans *b);

/* A write transaction around several calls (yg_bans_end commits on YG_OK,
 * else rolls back, and returns the outcome). */
yg_err yg_bans_begin(yg_bans *b);
yg_err yg_bans_end(yg_bans *b, yg_err err);

/* The ban an alert id led to: YG_OK (*ban_id set), YG_ENOTFOUND or YG_EIO. */
yg_err yg_bans_seen(yg_bans *b, const char *alert_id, int64_t *ban_id);
yg_err yg_bans_seen_put(yg_bans *b, const char *alert_id, int64_t ban_id, int64_t now);
/* Lifts (as 'expired') addr's active ban if its expiry has passed. */
yg_err yg_bans_expire_stale(yg_bans *b, const char *addr, int64_t now);
/* Records an offence of addr at now; *count gets its offences within
 * window seconds (0 = ever), this one included. */
yg_err yg_bans_offence(yg_bans *b, const char *addr, int64_t now, int64_t window, int64_t *count);
/* addr's active episode (past expiry but not lifted counts): YG_OK,
 * YG_ENOTFOUND or YG_EIO. out may be NULL. */
yg_err yg_bans_active(yg_bans *b, const char *addr, yg_waf_ban *out);
yg_err yg_bans_get(yg_bans *b, int64_t id, yg_waf_ban *out);
/* A new episode from nb's address, expires, times, source, reason and ids,
 * created and updated at now; *id gets its id. */
yg_err yg_bans_insert(yg_bans *b, const yg_waf_ban *nb, int64_t now, int64_t *id);
/* Episode id offended again: expiry max(old, expires) (0 stays or becomes
 * permanent), times and updated set. */
yg_err yg_bans_renew(yg_bans *b, int64_t id, int64_t expires, int64_t times, int64_t now);
/* Lifts addr's active episode by `by`; YG_ENOTFOUND when none. */
yg_err yg_bans_lift(yg_bans *b, const char *addr, int64_t now, const char *by);
/* Adds seconds to addr's active episode (from max(expiry, now));
 * YG_ENOTFOUND when none. */
yg_err yg_bans_extend(yg_bans *b, const char *addr, int64_t now, int64_t seconds);
/* Active at now, by address. */
yg_err yg_bans_list_active(yg_bans *b, int64_t now, yg_waf_ban_list *out);
/* Every episode, newest first; limit 0 = all. */
yg_err yg_bans_list_all(yg_bans *b, size_t limit, yg_waf_ban_list *out);
/* In one transaction: the active episodes due at now (returned, as they
 * were before), lifted as 'expired'; offences at or before offences_before
 * (when prune) and seen alert ids before seen_before forgotten. */
yg_err yg_bans_expire_due(yg_bans *b, int64_t now, bool prune, int64_t offences_before,
                          int64_t seen_before, yg_waf_ban_list *out);

#endif
