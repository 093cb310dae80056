/* api_backend.h: what the REST API reads and changes, as function pointers.
 *
 * The API does not link the manager. The manager fills a yg_api_backend,
 * one group of operations per module, each with its own ctx, and hands it to
 * yg_api_create. Any operation may be NULL: its endpoints then answer 501
 * with a sentence saying that module is not available.
 *
 * Contract of every operation:
 *   - arguments have been validated by the API (types, ranges, lengths,
 *     character sets; see docs/api.md); strings are NUL-terminated;
 *   - on success it returns YG_OK and a new json-c object in *out (the API
 *     takes the reference), except where *out is not part of the signature;
 *   - on failure it returns an error and may write one sentence for the
 *     client into msg (msgsz bytes, NUL-terminated; it starts empty).
 *     YG_EINVAL -> 400, YG_ENOTFOUND -> 404, YG_ELIMIT -> 409, others -> 500;
 *   - it may be called from several API threads at once.
 *
 * Builders below fill one group from a module's own object; they are
 * compiled only when that module is built (see src/api/meson.build).
 * yg_api_backend_release() calls each group's release (if any). */
#ifndef YAGURA_API_BACKEND_H
#define YAGURA_API_BACKEND_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "outputs/alert_query.h"

#define YG_API_MSG_MAX 256

/* ---- alerts, FIM events and dashboard statistics ---- */

/* A search. 0/NULL fields do not filter. */
typedef struct yg_api_alert_filter {
	int64_t since_ms, until_ms; /* time >= since, time < until */
	int min_level, max_level;   /* 0 = no bound */
	const char *rule_id;        /* exact */
	const char *group;          /* one whole group name */
	const char *agent_id;       /* exact */
	const char *srcip;          /* exact */
	const char *text;           /* words in description / full_log */
	size_t limit;               /* 1..1001 rows at most */
	size_t offset;
} yg_api_alert_filter;

typedef struct yg_api_stats_req {
	int64_t since_ms, until_ms; /* the window, until > since */
	int64_t bucket_ms;          /* histogram bucket width */
	size_t top;                 /* entries in each top list, 1..50 */
} yg_api_stats_req;

typedef struct yg_api_alerts_ops {
	void *ctx;
	/* *out: array of summaries {id, time_ms, timestamp, rule_id, level,
	 * description, groups[], agent_id, agent_name, srcip, location}, newest
	 * first, at most f->limit. */
	yg_err (*search)(void *ctx, const yg_api_alert_filter *f, json_object **out, char *msg,
	                 size_t msgsz);
	/* *out: the whole alert JSON. YG_ENOTFOUND when unknown. */
	yg_err (*get)(void *ctx, const char *id, json_object **out, char *msg, size_t msgsz);
	/* *out: {since_ms, until_ms, bucket_ms, total, histogram:[{t, counts:
	 * {"<level>": n}}], top_rules:[{rule_id, description, count}],
	 * top_agents:[{agent_id, agent_name, count}], top_srcips:[{srcip,
	 * count}]}. */
	yg_err (*stats)(void *ctx, const yg_api_stats_req *r, json_object **out, char *msg,
	                size_t msgsz);
	/* FIM events: alerts of group syscheck, as search() plus a "syscheck"
	 * object per item (path, event, md5/sha1/sha256 after, size, ...). */
	yg_err (*fim)(void *ctx, const yg_api_alert_filter *f, json_object **out, char *msg,
	              size_t msgsz);

	/* ---- the analyst's console (issue 14; outputs/alert_query.h) ---- */
	/* *out: {total, items:[rows]}: f sorted, `limit` rows after `offset`;
	 * a row is a search() summary plus "seq". */
	yg_err (*page)(void *ctx, const yg_aq_filter *f, yg_aq_sort sort, bool desc, size_t limit,
	               size_t offset, json_object **out, char *msg, size_t msgsz);
	/* As yg_alert_query_span / _histogram / _count. */
	yg_err (*span)(void *ctx, const yg_aq_filter *f, int64_t *first, int64_t *last);
	yg_err (*histogram)(void *ctx, const yg_aq_filter *f, int64_t since_ms, int64_t interval_ms,
	                    uint64_t *counts, size_t n, uint64_t *total);
	yg_err (*count)(void *ctx, const yg_aq_filter *f, uint64_t *out);
	/* A keyset page of rows with their JSON, for exports
	 * (yg_alert_query_rows). */
	yg_err (*rows)(void *ctx, const yg_aq_filter *f, yg_aq_sort sort, bool desc, size_t limit,
	               yg_aq_cursor *after, yg_aq_row_cb cb, void *cbctx);
	/* *out: [{rule_id, description (the ruleset's own; else the latest
	 * alert's), level, count, last_ms}], most alerts first. */
	yg_err (*top_rules)(void *ctx, const yg_aq_filter *f, size_t n, json_object **out,
	                    char *msg, size_t msgsz);
	/* *out: {tactics:[{id, name, techniques:[{id, name, count}]}],
	 * total}. */
	yg_err (*mitre)(void *ctx, const yg_aq_filter *f, json_object **out, char *msg,
	                size_t msgsz);
	/* *out: [{srcip, count, max_level, last, country_code, country, lat,
	 * lon}] (null places without a GeoIP database). */
	yg_err (*sources)(void *ctx, const yg_aq_filter *f, size_t n, json_object **out, char *msg,
	                  size_t msgsz);
	/* *out: [{path, count, last_ms}] of FIM changes in f. */
	yg_err (*fim_paths)(void *ctx, const yg_aq_filter *f, size_t n, json_object **out,
	                    char *msg, size_t msgsz);
	/* *out: rows (as page()) with seq > after, in seq order, at most limit;
	 * *last: the largest seq stored. */
	yg_err (*after)(void *ctx, int64_t after, size_t limit, json_object **out, int64_t *last);
	void (*release)(void *ctx);
} yg_api_alerts_ops;

/* ---- tickets ---- */

typedef struct yg_api_ticket_filter {
	const char *status, *type, *assignee, *rule_id, *text; /* NULL = any */
	int severity;                                          /* 1..3; 0 = any */
	int min_level;                                         /* 0 = any */
	size_t limit, offset;                                  /* limit 1..1001 */
} yg_api_ticket_filter;

typedef struct yg_api_ticket_change {
	const char *status, *resolution, *assignee; /* NULL = unchanged */
	const char *actor;                          /* the signed-in user */
} yg_api_ticket_change;

typedef struct yg_api_ticket_new {
	const char *title, *description; /* description may be "" */
	int severity;                    /* 1..3 */
	const char *actor;
} yg_api_ticket_new;

typedef struct yg_api_tickets_ops {
	void *ctx;
	/* *out: array of tickets (the fields of yg_ticket_to_json). */
	yg_err (*list)(void *ctx, const yg_api_ticket_filter *f, json_object **out, char *msg,
	               size_t msgsz);
	/* *out: {ticket, timeline[], comments[], bans[], alert_ids[]}. */
	yg_err (*get)(void *ctx, int64_t id, json_object **out, char *msg, size_t msgsz);
	/* *out: the new ticket. */
	yg_err (*create)(void *ctx, const yg_api_ticket_new *t, json_object **out, char *msg,
	                 size_t msgsz);
	/* *out: {ticket, lift:[addresses]}: lift lists the bans the API then
	 * lifts through the bans group (close_lifts_bans). */
	yg_err (*update)(void *ctx, int64_t id, const yg_api_ticket_change *c, json_object **out,
	                 char *msg, size_t msgsz);
	yg_err (*comment)(void *ctx, int64_t id, const char *author, const char *text, char *msg,
	                  size_t msgsz);
	/* *out: {open, in_progress, closed, unresolved_by_severity:{Medium,
	 * High, Critical}}. */
	yg_err (*stats)(void *ctx, json_object **out, char *msg, size_t msgsz);
	/* Links a ban of address to the ticket (a "ban" timeline entry). */
	yg_err (*link_ban)(void *ctx, int64_t id, const char *address, char *msg, size_t msgsz);
	/* Adds a timeline entry of kind ("ban", "response", ...) whose text is
	 * json (one JSON object). */
	yg_err (*note)(void *ctx, int64_t id, const char *kind, const char *json, char *msg,
	               size_t msgsz);
	void (*release)(void *ctx);
} yg_api_tickets_ops;

/* ---- bans (the WAF ban ledger) ---- */

typedef struct yg_api_ban_new {
	const char *address; /* IP or CIDR, as typed */
	int64_t timeout;     /* seconds; -1 = the policy's; 0 = permanent */
	const char *reason;  /* may be "" */
	const char *actor;
} yg_api_ban_new;

typedef struct yg_api_bans_ops {
	void *ctx;
	/* *out: array of bans {address, created, updated, expires, lifted,
	 * times, source, reason, rule_id, alert_id, agent_id, lifted_by};
	 * all = false: bans in force; true: every episode, newest first. */
	yg_err (*list)(void *ctx, bool all, size_t limit, json_object **out, char *msg,
	               size_t msgsz);
	/* *out: the ban in force after the call. YG_EINVAL when the address is
	 * refused (invalid, too broad, allow-listed: msg says which). */
	yg_err (*add)(void *ctx, const yg_api_ban_new *b, json_object **out, char *msg,
	              size_t msgsz);
	/* YG_ENOTFOUND when the address is not banned. */
	yg_err (*lift)(void *ctx, const char *address, const char *actor, char *msg, size_t msgsz);
	void (*release)(void *ctx);
} yg_api_bans_ops;

/* ---- agents ---- */

typedef struct yg_api_agents_ops {
	void *ctx;
	/* *out: array {id, name, ip, status, version, last_keepalive, date_add,
	 * revoked}, in id order. */
	yg_err (*list)(void *ctx, json_object **out, char *msg, size_t msgsz);
	/* *out: one agent as in list(). YG_ENOTFOUND when unknown. */
	yg_err (*get)(void *ctx, const char *id, json_object **out, char *msg, size_t msgsz);
	void (*release)(void *ctx);
} yg_api_agents_ops;

/* ---- the integrations outbox ---- */

typedef struct yg_api_outbox_ops {
	void *ctx;
	/* *out: array {id, integration, alert_id, state, attempts, created_ms,
	 * next_ms, updated_ms, last_error}, id > after_id ascending;
	 * integration NULL = all; state -1 = any (0 pending, 1 in_flight,
	 * 2 delivered, 3 dead). */
	yg_err (*list)(void *ctx, const char *integration, int state, int64_t after_id,
	               size_t limit, json_object **out, char *msg, size_t msgsz);
	/* A dead message back to pending. YG_ENOTFOUND when id is not dead. */
	yg_err (*retry)(void *ctx, int64_t id, char *msg, size_t msgsz);
	void (*release)(void *ctx);
} yg_api_outbox_ops;

/* ---- operations: GET /health and GET /metrics ---- */

typedef struct yg_api_status_ops {
	void *ctx;
	/* *ok: whether the pipeline runs (200) or not (503); *out: {status:
	 * "ok"|"unavailable", reason (when not ok), uptime_s, ...}. */
	yg_err (*health)(void *ctx, bool *ok, json_object **out, char *msg, size_t msgsz);
	/* Appends the metrics in Prometheus' text exposition format 0.0.4 to
	 * *out (a malloc'd, NUL-terminated text the API frees), *len its
	 * length. */
	yg_err (*metrics)(void *ctx, char **out, size_t *len, char *msg, size_t msgsz);
	void (*release)(void *ctx);
} yg_api_status_ops;

typedef struct yg_api_backend {
	yg_api_alerts_ops alerts;
	yg_api_tickets_ops tickets;
	yg_api_bans_ops bans;
	yg_api_agents_ops agents;
	yg_api_outbox_ops outbox;
	yg_api_status_ops status;
} yg_api_backend;

/* Calls every group's release(ctx) and zeroes *be. NULL is fine. */
void yg_api_backend_release(yg_api_backend *be);

/* ---- builders ---- */

typedef struct yg_alert_store yg_alert_store;
typedef struct yg_tickets yg_tickets;
typedef struct yg_waf yg_waf;
typedef struct yg_waf_ledger yg_waf_ledger;
typedef struct yg_waf_allow yg_waf_allow;
typedef struct yg_registry yg_registry;
typedef struct yg_integrations yg_integrations;

/* be->alerts from the alert store (searches, details, FIM) and a read-only
 * connection of its own on db_path (the store's file) for the dashboard
 * statistics (outputs/alert_stats.h). store must outlive the backend. */
yg_err yg_api_backend_store(yg_api_backend *be, yg_alert_store *store, const char *db_path,
                            yg_diag *diag);

/* Adds to be->alerts (after yg_api_backend_store) the rules' own
 * descriptions and levels, copied from rs (which may then go), and a
 * GeoIP database of its own opened at geoip_path (NULL: none; one that
 * cannot be opened is a warning in diag). */
typedef struct yg_ruleset yg_ruleset;
yg_err yg_api_backend_store_extras(yg_api_backend *be, const yg_ruleset *rs, const char *geoip_path,
                                   yg_diag *diag);

/* be->tickets from the tickets store (thread-safe itself). */
yg_err yg_api_backend_tickets(yg_api_backend *be, yg_tickets *t);

/* be->bans from the WAF ban service. A yg_waf is used from one thread at a
 * time: `lock` (not NULL) is the mutex the manager holds around its own
 * calls on w; the API takes it around each of its calls. */
yg_err yg_api_backend_waf(yg_api_backend *be, yg_waf *w, pthread_mutex_t *lock);

/* be->bans over a bare ban ledger, for a manager whose agents apply the
 * bans: an added address is checked (valid, not too broad, not in `allow`,
 * not refused by `allowed`), recorded as a manual ban, and `changed` is
 * called so the manager sends it to the agents; a lift likewise. The
 * ledger is used under `lock`. hooks may be NULL. */
typedef struct yg_api_ledger_hooks {
	const yg_waf_allow *allow;                       /* may be NULL */
	bool (*allowed)(void *ctx, const char *address); /* true: refuse */
	void (*changed)(void *ctx);                      /* may be NULL */
	void *ctx;
} yg_api_ledger_hooks;
yg_err yg_api_backend_ledger(yg_api_backend *be, yg_waf_ledger *led, pthread_mutex_t *lock,
                             const yg_api_ledger_hooks *hooks);

/* be->agents from the agents registry (thread-safe itself). */
yg_err yg_api_backend_registry(yg_api_backend *be, yg_registry *reg);

/* be->outbox from the integrations facade (thread-safe itself). */
yg_err yg_api_backend_integrations(yg_api_backend *be, yg_integrations *ig);

#endif
