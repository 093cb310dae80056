/* alert_stats.h: aggregations over the alert store for the dashboard.
 *
 * Opens its own read-only connection on the alert store's SQLite file (the
 * store keeps writing beside it, WAL), and answers: alerts over time by
 * level in fixed buckets, and the top rules / agents / source IPs of a time
 * window. The queries walk only the rows of the window through the store's
 * indexes (time, (level, time)); nothing counts the whole table.
 *
 * Thread-safe: one connection behind a mutex. */
#ifndef YAGURA_STORE_ALERT_STATS_H
#define YAGURA_STORE_ALERT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"

#define YG_ALERT_LEVEL_MAX 16 /* Wazuh's rule levels are 0..16 */
#define YG_ALERT_STATS_BUCKETS_MAX 2000

typedef struct yg_alert_stats yg_alert_stats;

/* Opens db_path read-only (the file must exist: the store creates it).
 * Errors: YG_EINVAL, YG_EIO (diag names the file), YG_ENOMEM. */
yg_err yg_alert_stats_open(const char *db_path, yg_diag *diag, yg_alert_stats **out);
void yg_alert_stats_close(yg_alert_stats *s);

/* Counts alerts with since_ms <= time < until_ms, per bucket of bucket_ms
 * (bucket i starts at since_ms + i * bucket_ms) and level 0..16, into
 * counts[i * 17 + level] (the caller's array of nbuckets * 17 entries,
 * zeroed here). nbuckets must equal ceil((until - since) / bucket) and be at
 * most YG_ALERT_STATS_BUCKETS_MAX. *total gets the sum. Levels outside
 * 0..16 are not counted. Errors: YG_EINVAL, YG_EIO. */
yg_err yg_alert_stats_histogram(yg_alert_stats *s, int64_t since_ms, int64_t until_ms,
                                int64_t bucket_ms, uint64_t *counts, size_t nbuckets,
                                uint64_t *total);

typedef enum yg_alert_stats_key {
	YG_ALERT_STATS_RULE,  /* key rule_id, label the latest description */
	YG_ALERT_STATS_AGENT, /* key agent_id, label the latest agent name */
	YG_ALERT_STATS_SRCIP, /* key srcip (alerts without one are left out) */
} yg_alert_stats_key;

/* Pointers valid during the call only. Non-zero return stops. */
typedef int (*yg_alert_stats_top_cb)(void *ctx, const char *key, const char *label, uint64_t count);

/* The n (1..100) most frequent keys in since_ms <= time < until_ms, most
 * frequent first (ties: smaller key first). Errors: YG_EINVAL, YG_EIO. */
yg_err yg_alert_stats_top(yg_alert_stats *s, yg_alert_stats_key key, int64_t since_ms,
                          int64_t until_ms, size_t n, yg_alert_stats_top_cb cb, void *ctx);

#endif
