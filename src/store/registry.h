/* registry.h: the manager's registry of agents, in SQLite.
 *
 * Tables (created when missing; the file may be shared with the manager's
 * own tables, WAL mode):
 *   yg_agents         id, name (unique), registration ip, cert serial
 *                     (unique), status, version, last keepalive, date added,
 *                     revoked, last_committed_seq
 *   yg_enroll_tokens  SHA-256 of one-time enrolment tokens, expiry, used
 *   yg_revoked_serials serials of removed agents' certificates
 *
 * Agent ids are Wazuh's: "001", "002", ... "999", "1000" (3 digits at least,
 * zero-padded); "000" is the manager. Ids are never reused, even after
 * removal (SQLite AUTOINCREMENT), so a stale certificate can never match a
 * new agent. A revoked or removed agent's certificate is refused forever.
 *
 * last_committed_seq is the highest event seq of the agent that the manager
 * has committed. The manager writes it inside its own transaction with
 * yg_registry_set_seq_in() on the commit point's yg_db_txn, so the events
 * and the position are committed together (or not at all).
 *
 * Schema: component "registry" in yg_schema (store/db.h); version 1 is the
 * schema written before versions were recorded.
 *
 * Thread-safe: one connection guarded by a mutex. Every value is bound as a
 * parameter. */
#ifndef YAGURA_STORE_REGISTRY_H
#define YAGURA_STORE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "store/db.h"

typedef struct yg_registry yg_registry;

typedef enum yg_agent_status {
	YG_AGENT_NEVER_CONNECTED = 0,
	YG_AGENT_ACTIVE = 1,
	YG_AGENT_DISCONNECTED = 2,
} yg_agent_status;

#define YG_AGENT_ID_MAX 12
#define YG_AGENT_NAME_MAX 128

typedef struct yg_agent_info {
	char id[YG_AGENT_ID_MAX];
	char name[YG_AGENT_NAME_MAX + 1];
	char ip[64];
	char cert_serial[64];
	char version[64];
	yg_agent_status status;
	time_t last_keepalive; /* 0 = never */
	time_t date_add;
	bool revoked;
	uint64_t last_committed_seq;
} yg_agent_info;

/* Opens or creates the registry at path. */
yg_err yg_registry_open(const char *path, yg_diag *diag, yg_registry **out);
void yg_registry_close(yg_registry *reg);

/* A valid agent name: 1..128 of [A-Za-z0-9._-], not starting with '.'. */
bool yg_registry_valid_name(const char *name);
const char *yg_agent_status_name(yg_agent_status st);

/* Adds an agent; id (YG_AGENT_ID_MAX bytes) gets its new id. Name taken:
 * YG_EINVAL unless `force`, which first removes the agent holding it (its
 * certificate is then refused). ip may be NULL. */
yg_err yg_registry_add(yg_registry *reg, const char *name, const char *ip, bool force,
                       char id[YG_AGENT_ID_MAX]);
/* Records the serial of the certificate issued to the agent. */
yg_err yg_registry_set_serial(yg_registry *reg, const char *id, const char *serial);
/* Deletes the agent (its name becomes free); its certificate serial is kept
 * in the revoked list. YG_ENOTFOUND if no such agent. */
yg_err yg_registry_remove(yg_registry *reg, const char *id);
/* Marks the agent revoked: it stays listed but can never connect again. */
yg_err yg_registry_revoke(yg_registry *reg, const char *id);

yg_err yg_registry_get(yg_registry *reg, const char *id, yg_agent_info *out);
yg_err yg_registry_get_by_name(yg_registry *reg, const char *name, yg_agent_info *out);
/* By certificate serial. A serial of a removed agent: YG_ENOTFOUND. */
yg_err yg_registry_get_by_serial(yg_registry *reg, const char *serial, yg_agent_info *out);
/* Calls fn for each agent in id order (stop early by returning false). */
yg_err yg_registry_list(yg_registry *reg, bool (*fn)(void *ctx, const yg_agent_info *a), void *ctx);

/* Connection state: keepalive sets ACTIVE, the version and last_keepalive. */
yg_err yg_registry_keepalive(yg_registry *reg, const char *id, const char *version, time_t now);
yg_err yg_registry_set_status(yg_registry *reg, const char *id, yg_agent_status st);
/* Sets every ACTIVE agent DISCONNECTED (at manager start: nobody is
 * connected yet). */
yg_err yg_registry_reset_status(yg_registry *reg);

/* ---- enrolment tokens ---- */

#define YG_TOKEN_LEN 69 /* "ygt_" + 64 hex + NUL */

/* Creates a one-time token valid for ttl seconds; the plaintext goes to
 * token (shown once: only its SHA-256 is stored). */
yg_err yg_registry_token_create(yg_registry *reg, long ttl, time_t now, char token[YG_TOKEN_LEN]);
/* Consumes a token: YG_OK once; used, expired or unknown: YG_ENOTFOUND. */
yg_err yg_registry_token_consume(yg_registry *reg, const char *token, time_t now);

/* Agent ids: "001".."999", "1000"... (decimal, at least 3 digits). Parses
 * s into *id (1 <= id <= 999999999); false on anything else. */
bool yg_tid_parse(const char *s, uint32_t *id);
/* Writes the id as text into out (at least 12 bytes). */
void yg_tid_format(uint32_t id, char out[12]);

/* ---- event positions ---- */

/* Sets the agent's last_committed_seq to seq if that is higher, inside the
 * caller's transaction (the commit point's, on the same database file).
 * YG_ENOTFOUND if no such agent. */
yg_err yg_registry_set_seq_in(yg_db_txn *txn, const char *agent_id, uint64_t seq);
yg_err yg_registry_get_seq(yg_registry *reg, const char *agent_id, uint64_t *seq);

#endif
