/* enroll.h: agent enrolment (Wazuh's authd / agent-auth), over TLS.
 *
 * The manager runs a second listener (port 1515 by convention, like authd)
 * that is server-authenticated only: the agent has no certificate yet. The
 * agent generates its key (P-256, written 0600) and a CSR, and sends one
 * ENROLL_REQ frame: JSON {"name", "password" | "token", "csr"}. The manager
 *   - checks the secret: the password (from a file, like authd.pass;
 *     compared in constant time) or a one-time token from the registry
 *     (spent by this attempt, whatever happens next); with `open` set no
 *     secret is needed (Wazuh's use_password=no) — not the default;
 *   - refuses a name already registered unless `force` (the old agent is
 *     then removed and its certificate refused forever);
 *   - assigns the id, signs the CSR (CN = id) and answers ENROLL_RESP
 *     {"id","name","cert","ca"} (PEM), or {"error":"..."}; then closes.
 *
 * How the agent trusts the manager it enrols with (it must, or a fake
 * manager could hand it a CA and collect its events):
 *   - ca_file: the manager's certificate must chain to this CA and name
 *     the host (DNS or IP SAN) — the normal case;
 *   - ca_fingerprint (`--ca-fingerprint`, SHA-256 of ca.crt, shown by the
 *     manager): the manager's chain must contain that CA and its
 *     certificate must verify against it and name the host;
 *   - tofu: neither given and the operator explicitly accepts trust on
 *     first use: the CA the manager presents is accepted (its fingerprint
 *     is logged) — only on a network the operator trusts.
 * Without any of the three the request is refused before connecting. */
#ifndef YAGURA_TRANSPORT_ENROLL_H
#define YAGURA_TRANSPORT_ENROLL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "store/registry.h"
#include "transport/ca.h"
#include "transport/tcommon.h"

#define YG_ENROLL_PORT 1515

/* ---- manager side ---- */

typedef struct yg_enroll_server yg_enroll_server;

typedef struct yg_enroll_server_config {
	const char *address; /* numeric; NULL = "0.0.0.0" */
	uint16_t port;       /* 0 = any free port */
	const char *cert;    /* server cert chain (server cert + CA) */
	const char *key;
	yg_ca *ca;                 /* signs the CSRs; not owned */
	yg_registry *registry;     /* not owned */
	const char *password_file; /* NULL: no password accepted */
	bool open;                 /* accept requests without any secret */
	bool force;                /* a known name replaces the old agent */
	int cert_days;             /* client certificate validity; 0 = 3650 */
	yg_tlog_fn log;
	void *log_ctx;
} yg_enroll_server_config;

/* Starts the listener in its own thread (libevent). The password file is
 * read once, here (its first line, without trailing blanks). */
yg_err yg_enroll_server_create(const yg_enroll_server_config *cfg, yg_diag *diag,
                               yg_enroll_server **out);
void yg_enroll_server_destroy(yg_enroll_server *es);
uint16_t yg_enroll_server_port(const yg_enroll_server *es);

/* ---- agent side ---- */

typedef struct yg_enroll_request_opts {
	const char *host;           /* manager name or IP */
	uint16_t port;              /* 0 = 1515 */
	const char *name;           /* agent name */
	const char *password;       /* one of password / token (or neither if */
	const char *token;          /*   the manager is open) */
	const char *ca_file;        /* see above: one of ca_file, */
	const char *ca_fingerprint; /*   ca_fingerprint, */
	bool tofu;                  /*   tofu */
	const char *key_out;        /* agent key written here (0600) */
	const char *cert_out;       /* agent certificate */
	const char *ca_out;         /* the manager's CA (for the transport) */
	unsigned timeout_s;         /* 0 = 30 */
	yg_tlog_fn log;
	void *log_ctx;
} yg_enroll_request_opts;

/* Blocking: enrols and writes key_out, cert_out and ca_out; id (at least
 * YG_AGENT_ID_MAX bytes) gets the agent id. Why it failed goes to diag
 * (the manager's refusal text included). YG_EINVAL: refused or bad options;
 * YG_EIO: network/TLS failure or the manager could not be trusted. */
yg_err yg_enroll_request(const yg_enroll_request_opts *o, char id[YG_AGENT_ID_MAX], yg_diag *diag);

#endif
