/* tickets.h: incident tickets (the article's Catalyst), kept in SQLite.
 *
 * The manager offers every committed alert (Wazuh alert JSON) to
 * yg_tickets_offer(). An alert that matches a configured route opens a
 * ticket, or is folded into the open ticket with the same fold key (rule id
 * plus source IP, else agent plus FIM path, else agent) whose last alert is
 * at most fold_window seconds older. Offering is idempotent per alert id.
 *
 *   yg_tickets_config  the parsed <tickets> block(s); immutable once built
 *   yg_tickets         the store: tickets, their alerts, comments, timeline
 *                      entries and linked bans
 *
 * The REST layer reads and updates tickets through the functions below;
 * every value is bound as an SQL parameter. Forwarding to Catalyst or
 * TheHive is described as an HTTP request (yg_tickets_forward_request) for
 * the manager's integrations outbox: this module never sends anything.
 *
 * Thread-safe: one mutex serialises every call. Callbacks run with that
 * mutex held and must not call back into the same yg_tickets.
 * docs/tickets.md describes the behaviour. */
#ifndef YAGURA_TICKETS_H
#define YAGURA_TICKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "common/yopt.h"
#include "engine/wxml.h"

/* ---- configuration ---- */

typedef struct yg_tickets_config yg_tickets_config;

/* Defaults: enabled, fold_window 86400 s, close_lifts_bans no, no routes,
 * no forwarders. A configuration that ends up with no <route> uses the
 * article's: level >= 7 and a group among malware, ids, attack, attacks.
 * NULL on ENOMEM. */
yg_tickets_config *yg_tickets_config_create(void);
void yg_tickets_config_destroy(yg_tickets_config *cfg);

/* The <tickets> block's option table (common/yopt.h). */
extern const yg_opt_block yg_tickets_block;

/* Reads one <tickets> element into cfg (several blocks add up; scalar
 * options keep the last value). Every bad option is reported into diag as
 * "file:line: error: element: reason"; returns YG_EPARSE when there was an
 * error (cfg keeps what was valid), YG_ENOMEM, or YG_OK. */
yg_err yg_tickets_config_add_tickets(yg_tickets_config *cfg, const yg_wxml_node *node,
                                     const char *file, yg_diag *diag);
/* Prints the effective <tickets> block as ossec.conf XML. */
void yg_tickets_config_print(const yg_tickets_config *cfg, FILE *out);

bool yg_tickets_config_enabled(const yg_tickets_config *cfg);
/* Number of configured routes (0 means the article's default applies). */
size_t yg_tickets_config_nroutes(const yg_tickets_config *cfg);
unsigned yg_tickets_config_fold_window(const yg_tickets_config *cfg);
bool yg_tickets_config_close_lifts_bans(const yg_tickets_config *cfg);
size_t yg_tickets_config_nforwarders(const yg_tickets_config *cfg);

/* ---- the store ---- */

typedef struct yg_tickets yg_tickets;

/* Opens or creates the database at db_path (WAL). cfg is borrowed and must
 * outlive the store; NULL means defaults. diag (may be NULL) gets a message
 * naming the file on failure. Errors: YG_EINVAL, YG_EIO, YG_ENOMEM. */
yg_err yg_tickets_create(const char *db_path, const yg_tickets_config *cfg, yg_diag *diag,
                         yg_tickets **out);
void yg_tickets_destroy(yg_tickets *t);

typedef enum yg_tickets_outcome {
	YG_TICKETS_NOT_ROUTED, /* no route matched: nothing stored */
	YG_TICKETS_OPENED,     /* a new ticket */
	YG_TICKETS_FOLDED,     /* added to an open ticket */
	YG_TICKETS_DUPLICATE,  /* this alert id was already offered */
} yg_tickets_outcome;

/* Offers one committed alert (len bytes of Wazuh alert JSON, need not be
 * NUL-terminated). *outcome and *ticket_id (either may be NULL) tell what
 * happened; ticket_id is 0 when not routed. Everything an alert changes is
 * written in one transaction. Errors: YG_EPARSE (not a JSON object, or no
 * "id" or rule), YG_EIO, YG_ENOMEM. */
yg_err yg_tickets_offer(yg_tickets *t, const char *alert_json, size_t len,
                        yg_tickets_outcome *outcome, int64_t *ticket_id);

/* One ticket; strings are valid during the callback (or until
 * yg_ticket_free for yg_tickets_get's copy). */
typedef struct yg_ticket {
	int64_t id;
	const char *title;
	const char *type;   /* "incident" or "alert" */
	int severity;       /* 1 Medium, 2 High, 3 Critical */
	const char *status; /* "open", "in_progress", "closed" */
	const char *resolution;
	const char *assignee;
	const char *description;
	const char *rule_id;
	const char *fold_key;
	const char *first_alert_id;
	int level; /* highest rule level seen */
	int64_t created_ms, updated_ms;
	int64_t alert_count;
	int64_t first_alert_ms, last_alert_ms;
} yg_ticket;

/* "Medium", "High", "Critical", or "?" for anything else. */
const char *yg_tickets_severity_name(int severity);
/* The article's mapping: level <= 7 -> 1, 8..12 -> 2, >= 13 -> 3. */
int yg_tickets_severity_of_level(int level);

/* Copies ticket `id` into *out (free with yg_ticket_free).
 * Errors: YG_ENOTFOUND, YG_EIO, YG_ENOMEM. */
yg_err yg_tickets_get(yg_tickets *t, int64_t id, yg_ticket **out);
void yg_ticket_free(yg_ticket *tk);

/* A search. Zero/NULL fields do not filter; strings match literally (no
 * LIKE or SQL syntax is interpreted). */
typedef struct yg_tickets_filter {
	const char *status;   /* exact */
	const char *type;     /* exact */
	int severity;         /* exact 1..3; 0 = any */
	const char *assignee; /* exact */
	const char *rule_id;  /* exact */
	int min_level;        /* highest rule level seen >= this; 0 = any */
	const char *text;     /* case-insensitive substring of title or description */
	size_t limit;         /* 0 = 50; at most 1000 */
	size_t offset;
} yg_tickets_filter;

/* Returns nonzero to stop early. */
typedef int (*yg_ticket_cb)(void *ctx, const yg_ticket *tk);

/* Calls cb for each matching ticket, most recently active first (last alert
 * time, then id, descending). Errors: YG_EINVAL (bad filter), YG_EIO. */
yg_err yg_tickets_list(yg_tickets *t, const yg_tickets_filter *f, yg_ticket_cb cb, void *ctx);
/* Number of tickets matching f (limit/offset ignored). */
yg_err yg_tickets_count(yg_tickets *t, const yg_tickets_filter *f, uint64_t *out);

/* A list of strings (ban addresses); free with yg_tickets_strv_free. */
typedef struct yg_tickets_strv {
	char **v;
	size_t n;
} yg_tickets_strv;
void yg_tickets_strv_free(yg_tickets_strv *s);

/* A change. NULL fields are left as they are. */
typedef struct yg_tickets_change {
	const char *status;     /* "open", "in_progress" or "closed" */
	const char *resolution; /* required (non-empty) when closing */
	const char *assignee;   /* "" unassigns */
	const char *actor;      /* who, for the timeline; NULL = "system" */
} yg_tickets_change;

/* Applies u to ticket id. Allowed status moves: open <-> in_progress,
 * open/in_progress -> closed (with a resolution), closed -> open (reopen;
 * the resolution is cleared). Anything else is refused with YG_EINVAL and a
 * sentence in msg (msg may be NULL; msgsz bytes, NUL-terminated), as is a
 * value over 1024 bytes or with control characters. Each change adds a
 * "status" timeline entry. When the ticket is closed and close_lifts_bans
 * is on, *lift (may be NULL) gets the addresses of its linked bans, which
 * the caller lifts in its ban ledger; otherwise *lift is empty.
 * Errors: YG_EINVAL, YG_ENOTFOUND, YG_EIO, YG_ENOMEM. */
yg_err yg_tickets_update(yg_tickets *t, int64_t id, const yg_tickets_change *u,
                         yg_tickets_strv *lift, char *msg, size_t msgsz);

/* Adds a comment (author and text non-empty; at most 64 and 16384 bytes)
 * and a "comment" timeline entry. Errors: YG_EINVAL, YG_ENOTFOUND, YG_EIO. */
yg_err yg_tickets_comment(yg_tickets *t, int64_t id, const char *author, const char *text);

typedef enum yg_tickets_kind {
	YG_TL_ALERT,
	YG_TL_FIM_DIFF,
	YG_TL_YARA_HIT,
	YG_TL_RESPONSE,
	YG_TL_BAN,
	YG_TL_COMMENT,
	YG_TL_STATUS,
} yg_tickets_kind;

/* "alert", "fim_diff", "yara_hit", "response", "ban", "comment", "status". */
const char *yg_tickets_kind_name(yg_tickets_kind k);

/* Adds a timeline entry (text: plain or JSON, at most 65536 bytes), e.g. an
 * active response run for the ticket. Errors: YG_EINVAL, YG_ENOTFOUND,
 * YG_EIO. */
yg_err yg_tickets_timeline_add(yg_tickets *t, int64_t id, yg_tickets_kind kind, const char *text);

/* Links a ban of `address` (an IPv4/IPv6 address or CIDR, validated) to the
 * ticket and adds a "ban" timeline entry; linking the same address twice
 * changes nothing. Errors: YG_EINVAL, YG_ENOTFOUND, YG_EIO. */
yg_err yg_tickets_link_ban(yg_tickets *t, int64_t id, const char *address);
/* The addresses banned for ticket id, in link order. */
yg_err yg_tickets_bans(yg_tickets *t, int64_t id, yg_tickets_strv *out);

/* Pointers valid during the callback only. */
typedef struct yg_tickets_entry {
	int64_t id;
	const char *kind;   /* a kind name, as above */
	const char *author; /* comments: the author; timeline: "" */
	const char *text;
	int64_t time_ms;
} yg_tickets_entry;
typedef int (*yg_tickets_entry_cb)(void *ctx, const yg_tickets_entry *e);

/* The ticket's timeline / comments, oldest first, after `offset`, at most
 * `limit` (0 = 100, at most 1000). Errors: YG_ENOTFOUND, YG_EIO. */
yg_err yg_tickets_timeline(yg_tickets *t, int64_t id, size_t limit, size_t offset,
                           yg_tickets_entry_cb cb, void *ctx);
yg_err yg_tickets_comments(yg_tickets *t, int64_t id, size_t limit, size_t offset,
                           yg_tickets_entry_cb cb, void *ctx);
/* The ids of the alerts folded into the ticket, oldest first. */
yg_err yg_tickets_alert_ids(yg_tickets *t, int64_t id, yg_tickets_strv *out);

typedef struct yg_tickets_stats {
	uint64_t open, in_progress, closed;
	uint64_t unresolved_by_severity[4]; /* [1..3]: open + in_progress */
} yg_tickets_stats;
yg_err yg_tickets_get_stats(yg_tickets *t, yg_tickets_stats *out);

/* Appends tk as a JSON object (every field above, severity_name too) to out. */
yg_err yg_ticket_to_json(const yg_ticket *tk, yg_buf *out);

/* ---- forwarding to Catalyst / TheHive ---- */

/* An HTTP request to send; every string is owned by the struct. */
typedef struct yg_tickets_request {
	char *method; /* "POST" */
	char *url;
	char **headers; /* "Name: value" */
	size_t nheaders;
	char *body; /* JSON */
} yg_tickets_request;
void yg_tickets_request_free(yg_tickets_request *r);

size_t yg_tickets_nforwarders(const yg_tickets *t);
/* "catalyst" or "thehive"; NULL when i is out of range. */
const char *yg_tickets_forwarder_type(const yg_tickets *t, size_t i);

/* Builds forwarder i's request creating ticket `id` over there:
 * Catalyst: POST <url>/api/tickets {type, name, description, open, owner,
 * resolution, schema, state: {severity}}; TheHive: POST <url>/api/v1/alert
 * {type, source, sourceRef, title, description, severity, date, tags}; both
 * with "Authorization: Bearer <token>". Errors: YG_EINVAL (i out of range),
 * YG_ENOTFOUND, YG_EIO, YG_ENOMEM. */
yg_err yg_tickets_forward_request(yg_tickets *t, int64_t id, size_t i, yg_tickets_request *out);

#endif
