/* alert_query.h: the analyst's queries over the alert store (issue 14).
 *
 * A read-only connection of its own on the alert store's SQLite file (WAL:
 * the store keeps writing beside it), answering with one filter shared by
 * every query: sorted pages with the total, keyset pages for exports,
 * histograms, top rules / sources, ATT&CK technique counts, FIM changes
 * over time, and the alerts committed after a sequence number (the live
 * stream). Every SQL text is built from constant fragments; values are
 * bound. Thread-safe: one connection behind a mutex.
 *
 * ATT&CK: yg_alert_query_migrate() (run by the store's writer at open)
 * adds the table alert_mitre(seq, technique) filled by a trigger from each
 * inserted alert's rule.mitre.id and emptied with it, and fills it once
 * for the alerts of a store made before it existed. */
#ifndef YAGURA_STORE_ALERT_QUERY_H
#define YAGURA_STORE_ALERT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "store/alerts.h"

#define YG_AQ_VALUES_MAX 16 /* values of one repeatable filter */
#define YG_AQ_BUCKETS_MAX 500
#define YG_AQ_TOP_MAX 100

typedef enum yg_aq_sort {
	YG_AQ_SORT_TIME,
	YG_AQ_SORT_LEVEL,
	YG_AQ_SORT_RULE,
	YG_AQ_SORT_AGENT,
	YG_AQ_SORT_SRCIP,
} yg_aq_sort;

/* A selection. Zero / NULL / empty fields do not filter; the values of one
 * list are ORed, the lists ANDed. Strings are matched literally. */
typedef struct yg_aq_filter {
	int64_t since_ms, until_ms; /* time >= since, time < until; 0 = open */
	int level_min, level_max;   /* 0 = any */
	int levels[YG_AQ_VALUES_MAX];
	size_t nlevels;
	const char *rule_ids[YG_AQ_VALUES_MAX];
	size_t nrule_ids;
	const char *agents[YG_AQ_VALUES_MAX]; /* agent ids */
	size_t nagents;
	const char *srcips[YG_AQ_VALUES_MAX];
	size_t nsrcips;
	const char *groups[YG_AQ_VALUES_MAX]; /* whole group names */
	size_t ngroups;
	const char *techniques[YG_AQ_VALUES_MAX]; /* ATT&CK ids (alert_mitre) */
	size_t ntechniques;
	const char *text; /* full text, as yg_alert_query.text */
} yg_aq_filter;

typedef struct yg_alert_query_db yg_alert_query_db;

/* Opens db_path read-only (the store creates the file first). */
yg_err yg_alert_query_open(const char *db_path, yg_diag *diag, yg_alert_query_db **out);
void yg_alert_query_close(yg_alert_query_db *q);

/* Creates alert_mitre and its triggers on the writer's handle (a
 * `sqlite3 *`) and fills it for alerts stored before; idempotent. */
yg_err yg_alert_query_migrate(void *sqlite_db);

/* One row: as yg_alert_row plus its sequence number. */
typedef struct yg_aq_row {
	int64_t seq;
	yg_alert_row a;
} yg_aq_row;
typedef int (*yg_aq_row_cb)(void *ctx, const yg_aq_row *row);

/* Where a keyset page starts: after the row with these sort values
 * (key: the sort column's value as text for text columns; level in
 * key_int). set = false: from the first row. */
typedef struct yg_aq_cursor {
	bool set;
	int64_t key_int;
	char key[256];
	int64_t time_ms, seq;
} yg_aq_cursor;

/* Rows of f sorted by `sort` (desc: descending), then by time and seq in
 * the same direction, skipping `offset` rows or starting after `after`
 * (not NULL and set), at most limit (1..10000). with_json: row.a.json is
 * the stored alert JSON (else ""). On return *after (when not NULL) is the
 * cursor of the last row given. */
yg_err yg_alert_query_rows(yg_alert_query_db *q, const yg_aq_filter *f, yg_aq_sort sort, bool desc,
                           size_t limit, size_t offset, yg_aq_cursor *after, bool with_json,
                           yg_aq_row_cb cb, void *ctx);
yg_err yg_alert_query_count(yg_alert_query_db *q, const yg_aq_filter *f, uint64_t *out);

/* The oldest and newest time in f; both 0 when f is empty. */
yg_err yg_alert_query_span(yg_alert_query_db *q, const yg_aq_filter *f, int64_t *first,
                           int64_t *last);

/* Counts per bucket i = (time - since) / interval, i < n (1..500);
 * counts[] zeroed here; f's since/until are the caller's window. */
yg_err yg_alert_query_histogram(yg_alert_query_db *q, const yg_aq_filter *f, int64_t since_ms,
                                int64_t interval_ms, uint64_t *counts, size_t n, uint64_t *total);

/* The n most frequent values of a column in f (most first, ties by
 * value): cb(key, count, last_ms). by: YG_AQ_SORT_RULE or YG_AQ_SORT_SRCIP
 * (alerts without a source left out). Only the column and time are read,
 * so a time window is answered from the (column, time) index alone. */
typedef int (*yg_aq_top_cb)(void *ctx, const char *key, uint64_t count, int64_t last_ms);
yg_err yg_alert_query_top(yg_alert_query_db *q, const yg_aq_filter *f, yg_aq_sort by, size_t n,
                          yg_aq_top_cb cb, void *ctx);

/* ATT&CK technique ids in f with their alert counts; *alerts: alerts of f
 * with at least one technique. */
typedef int (*yg_aq_technique_cb)(void *ctx, const char *technique, uint64_t count);
yg_err yg_alert_query_mitre(yg_alert_query_db *q, const yg_aq_filter *f, yg_aq_technique_cb cb,
                            void *ctx, uint64_t *alerts);

/* FIM (group syscheck) changes of f: the n most changed paths. */
typedef int (*yg_aq_path_cb)(void *ctx, const char *path, uint64_t count, int64_t last_ms);
yg_err yg_alert_query_fim_paths(yg_alert_query_db *q, const yg_aq_filter *f, size_t n,
                                yg_aq_path_cb cb, void *ctx);

/* Alerts with seq > after in seq order, at most limit (with their JSON
 * when with_json); *last (not NULL) gets the largest seq stored. */
yg_err yg_alert_query_after(yg_alert_query_db *q, int64_t after, size_t limit, bool with_json,
                            yg_aq_row_cb cb, void *ctx, int64_t *last);

/* Turns free text into an FTS5 query in which no user byte is syntax (each
 * term with a letter or digit a quoted phrase, prefix-matched, ANDed) into
 * out (outsz bytes); false when no term qualifies or it does not fit. */
bool yg_alert_query_fts_text(const char *text, char *out, size_t outsz);

#endif
