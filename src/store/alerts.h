/* alerts.h: alerts indexed in SQLite for searching (the REST API, UI).
 *
 * The store keeps, per alert, the keys searched on (time, rule, level,
 * groups, agent, source IP, location, description) in indexed columns, the
 * description and full_log in an FTS5 index for word search, and the whole
 * Wazuh alert JSON for the detail view. alerts.json stays the record of what
 * was alerted; the store is an index beside it.
 *
 * Writing: yg_alert_store_add() parses the alert JSON (json-c), extracts the
 * keys and queues the row; yg_alert_store_flush() commits the queue in one
 * transaction. The queue is bounded: when it is full, add() flushes first, so
 * nothing is ever dropped. Queued rows are not visible to queries until
 * flushed. Alert ids are unique: adding an id already stored is counted as a
 * duplicate and ignored (a replay after a crash does not double alerts).
 *
 * Reading: yg_alert_store_query()/_count() take a filter; every value is
 * bound as an SQL parameter, never pasted into SQL. Queries use their own
 * connection (WAL), so they are not held up by a flush.
 *
 * Thread-safe: writers share one mutex, readers another. */
#ifndef YAGURA_STORE_ALERTS_H
#define YAGURA_STORE_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "store/db.h"

typedef struct yg_alert_store yg_alert_store;

typedef struct yg_alert_store_config {
	const char *path; /* SQLite database file; created if missing */
	size_t queue_max; /* rows queued before add() flushes; 0 = 1000 */
} yg_alert_store_config;

void yg_alert_store_config_default(yg_alert_store_config *cfg, const char *path);

/* Opens or creates the store. diag (may be NULL) gets a message naming the
 * file on failure. Errors: YG_EINVAL, YG_EIO, YG_ENOMEM. */
yg_err yg_alert_store_create(const yg_alert_store_config *cfg, yg_diag *diag, yg_alert_store **out);
/* Flushes what is queued and closes. NULL is allowed. If that last flush
 * fails, the queued rows are missing from the index (they are still in
 * alerts.json). */
void yg_alert_store_destroy(yg_alert_store *s);

/* Queues one alert given as Wazuh alert JSON (len bytes, need not be
 * NUL-terminated). Keys read: id, timestamp (else the seconds of id),
 * rule.id, rule.level, rule.groups, rule.description, agent.id, agent.name,
 * data.srcip (else srcip), location, full_log. An alert without an "id" or
 * that is not a JSON object: YG_EPARSE, nothing queued. May flush (see
 * above) and then return that flush's error. */
yg_err yg_alert_store_add(yg_alert_store *s, const char *json, size_t len);
/* Commits every queued alert in one transaction. On error the queued rows
 * are kept for the next attempt. */
yg_err yg_alert_store_flush(yg_alert_store *s);
size_t yg_alert_store_pending(yg_alert_store *s);

/* ---- the store as a daemon's commit point ---- */

typedef struct yg_alert_text {
	const char *json; /* one Wazuh alert object */
	size_t len;
} yg_alert_text;

/* Runs inside the commit's transaction after the rows are inserted, with
 * that transaction (store/db.h), so the caller's own records (read
 * positions, agents' seqs, marks) commit atomically with the alerts. first_seq/last_seq:
 * the store sequence numbers given to this call's alerts (0, 0 when none was
 * inserted); they are consecutive. A non-zero return rolls everything back. */
typedef yg_err (*yg_alert_store_hook)(void *ctx, yg_db_txn *txn, uint64_t first_seq,
                                      uint64_t last_seq);

/* The analysis pipeline's mark, committed with each batch: the next alert id
 * number and where the batch goes in alerts.json, so that a restart
 * completes an append a crash cut short (manager/pipeline.h). */
typedef struct yg_commit_mark {
	uint64_t next_alert_seq;
	uint64_t dev, ino, off; /* alerts.json before the batch (yg_alerts_log_pos) */
	uint64_t len;           /* the batch's bytes in alerts.json */
	uint64_t first_seq;     /* store seqs of its alerts (load only: a commit */
	uint64_t last_seq;      /* writes the seqs it gave, and len 0 when none) */
} yg_commit_mark;

/* One remembered output of a check_diff rule (engine/yg_diff_store). */
typedef struct yg_check_diff_row {
	const char *host;
	unsigned rule;
	const char *output;
} yg_check_diff_row;

/* One commit: the alerts, the pipeline's mark and check_diff outputs (each
 * may be absent), then the caller's hook, in one transaction. */
typedef struct yg_alert_commit {
	const yg_alert_text *alerts;
	size_t n;
	const yg_commit_mark *mark;     /* NULL: no mark written */
	const yg_check_diff_row *diffs; /* written with INSERT OR REPLACE */
	size_t ndiffs;
	yg_alert_store_hook hook; /* may be NULL */
	void *ctx;
	uint64_t first_seq, last_seq; /* out: the seqs given (0, 0: none) */
} yg_alert_commit;

/* Commits what is queued, then c (see above). Alerts that are not valid are
 * counted as rejected and skipped; an id already stored is a duplicate
 * (skipped). On error nothing is committed and the queue is kept. The
 * full-text index of the new rows is written later (yg_alert_store_index). */
yg_err yg_alert_store_commit_batch(yg_alert_store *s, yg_alert_commit *c);

/* yg_alert_store_commit_batch with alerts and a hook only. */
yg_err yg_alert_store_commit(yg_alert_store *s, const yg_alert_text *alerts, size_t n,
                             yg_alert_store_hook hook, void *ctx);

/* The last committed mark; *have false when none was ever written. */
yg_err yg_alert_store_load_mark(yg_alert_store *s, yg_commit_mark *out, bool *have);

/* Calls fn for each saved check_diff output (start-up). */
typedef void (*yg_check_diff_fn)(void *ctx, const char *host, unsigned rule, const char *output);
yg_err yg_alert_store_load_diffs(yg_alert_store *s, yg_check_diff_fn fn, void *ctx);

/* ---- the full-text index, behind the commit ----
 *
 * A commit stores the rows and their indexed columns; the words of
 * description and full_log go into the FTS5 index afterwards, in batches,
 * in order of seq (the table alerts_fts_mark says up to which seq they are
 * in, and it commits with the words, so a crash resumes where the last batch
 * stopped and a row is never left out). Until then a text search does not
 * find the newest rows; every other filter does. The manager's commit thread
 * runs a batch after each commit and when idle (manager/pipeline.c), so the
 * lag is bounded (docs/outputs.md). */

/* Indexes up to max rows not indexed yet, in one transaction; *done (may be
 * NULL) gets how many. */
yg_err yg_alert_store_index(yg_alert_store *s, size_t max, size_t *done);
/* Rows committed but not yet in the full-text index. */
uint64_t yg_alert_store_unindexed(yg_alert_store *s);

/* Calls cb for each stored alert with first <= seq <= last, in seq order,
 * with the writer's view (committed rows). Non-zero from cb stops. */
typedef int (*yg_alert_seq_cb)(void *ctx, uint64_t seq, const char *json, size_t len);
yg_err yg_alert_store_scan_seq(yg_alert_store *s, uint64_t first, uint64_t last, yg_alert_seq_cb cb,
                               void *ctx);

/* Runs fn with the writer's handle under the writer lock, for a daemon's
 * own tables in the same database (schema, start-up reads), through the
 * typed calls of their store modules. */
yg_err yg_alert_store_with_db(yg_alert_store *s, yg_err (*fn)(void *ctx, yg_db *db), void *ctx);

/* Deletes alerts whose time is before now - days*86400 s; *deleted (may be
 * NULL) gets the count. days <= 0: YG_EINVAL. Frees the pages (incremental
 * vacuum) in bounded steps. */
yg_err yg_alert_store_retain(yg_alert_store *s, int days, time_t now, uint64_t *deleted);

/* A search. Zero/NULL fields do not filter. Strings are matched literally:
 * no LIKE or FTS syntax is interpreted. */
typedef struct yg_alert_query {
	const char *id;       /* exact alert id */
	int64_t since_ms;     /* time >= since_ms (epoch ms); 0 = no bound */
	int64_t until_ms;     /* time < until_ms; 0 = no bound */
	int min_level;        /* level >= min_level; 0 = any */
	int max_level;        /* level <= max_level; 0 = any */
	const char *rule_id;  /* exact */
	const char *group;    /* substring of the comma-separated group list */
	bool group_exact;     /* group must be one whole group name */
	const char *agent_id; /* exact */
	const char *srcip;    /* exact */
	const char *text;     /* every whitespace-separated term, as a phrase with
	                       * its last word prefix-matched, in description or
	                       * full_log (FTS5); a text with no letter or digit
	                       * at all is a literal substring of description */
	size_t limit;         /* rows to return; 0 = 100; at most 10000 */
	size_t offset;        /* rows to skip (for paging) */
} yg_alert_query;

/* One result row; pointers are valid during the callback only. */
typedef struct yg_alert_row {
	const char *id;
	int64_t time_ms;
	const char *rule_id;
	int level;
	const char *groups; /* "a,b,c" */
	const char *agent_id;
	const char *agent_name;
	const char *srcip; /* "" when none */
	const char *location;
	const char *description;
	const char *json; /* the full alert JSON as it was added */
	size_t json_len;
} yg_alert_row;

/* Returns nonzero to stop the iteration early. It runs with the reader lock
 * held: it must not call yg_alert_store_query/_count itself. */
typedef int (*yg_alert_row_cb)(void *ctx, const yg_alert_row *row);

/* Calls cb for each matching alert, newest first (time desc, then insertion
 * order desc), after skipping q->offset rows, at most the limit.
 * Errors: YG_EINVAL (bad query), YG_EIO. */
yg_err yg_alert_store_query(yg_alert_store *s, const yg_alert_query *q, yg_alert_row_cb cb,
                            void *ctx);
/* Number of alerts matching q (limit/offset ignored). */
yg_err yg_alert_store_count(yg_alert_store *s, const yg_alert_query *q, uint64_t *out);

typedef struct yg_alert_store_stats {
	uint64_t added;           /* rows committed */
	uint64_t duplicates;      /* ids already stored, ignored */
	uint64_t rejected;        /* add() calls refused (not JSON, no id) */
	uint64_t flushes;         /* transactions committed */
	uint64_t deleted;         /* rows removed by retention */
	uint64_t indexed;         /* rows put into the full-text index */
	uint64_t unindexed;       /* rows committed and not yet in it */
	double lock_wait_seconds; /* time callers waited for the writer lock */
	double commit_seconds;    /* time in commit transactions */
	double index_seconds;     /* time in full-text index batches */
} yg_alert_store_stats;

void yg_alert_store_get_stats(yg_alert_store *s, yg_alert_store_stats *out);

#endif
