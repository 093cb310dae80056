/* api.h: yagura's REST API and web UI, served by the manager.
 *
 *   yg_api_config  a parsed <api> block (ossec.conf):
 *                    <api>
 *                      <enabled>yes</enabled>
 *                      <listen>127.0.0.1</listen> <port>55000</port>
 *                      <tls><cert>/path/cert.pem</cert><key>/path/key.pem</key></tls>
 *                      <ui>yes</ui>
 *                      <users_db>/var/ossec/api/users.db</users_db>
 *                      <threads>4</threads>
 *                      <metrics_auth>token|none</metrics_auth>
 *                    </api>
 *   yg_api         the HTTP(S) server (libmicrohttpd, internal thread pool)
 *                  answering /api/v1/... and, when the UI is on, / with the
 *                  embedded single-page application.
 *
 * The server knows nothing of the manager: it reads and changes alerts,
 * tickets, bans, agents and the integrations outbox through a
 * yg_api_backend (api_backend.h) that the manager fills. Users and tokens
 * live in their own SQLite file (api_users.h). docs/api.md describes the
 * endpoints. */
#ifndef YAGURA_API_H
#define YAGURA_API_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "api/api_backend.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/wxml.h"

/* What one client may consume, each field an <api> option of the same
 * name (0 = the default shown). Sign-in attempts are counted when they
 * start, so concurrent guesses cannot slip past; a success only takes back
 * its own attempt, it never clears other failures. */
typedef struct yg_api_limits {
	unsigned signin_fails;           /* failed sign-ins per client address (5) */
	unsigned signin_account_fails;   /* failed sign-ins per user name, from anywhere (10) */
	unsigned signin_window;          /* seconds a failure counts (300) */
	unsigned token_max_ttl;          /* longest API token lifetime, seconds (90 days) */
	unsigned tokens_per_user;        /* API tokens a user may hold (50) */
	unsigned max_connections;        /* open connections (256) */
	unsigned max_connections_per_ip; /* open connections per client address (32) */
	unsigned header_timeout;         /* seconds to send a request's headers (10) */
	unsigned request_timeout;        /* seconds for a whole request, body included (60) */
	unsigned idle_timeout;           /* seconds without any traffic (30) */
} yg_api_limits;

/* Fills every 0 field of l with its default. */
void yg_api_limits_default(yg_api_limits *l);

/* The limits' option table (common/yopt.h), for <api> and the tests. */
extern const struct yg_opt_block yg_api_limits_block;

/* What yg_api_create needs; every pointer is borrowed for the call. */
typedef struct yg_api_options {
	const char *listen;   /* IPv4 or IPv6 literal; default "127.0.0.1" */
	uint16_t port;        /* default 55000; 0 = any free port */
	const char *tls_cert; /* PEM file; both or neither with tls_key */
	const char *tls_key;
	bool ui;              /* serve the web UI at / (default yes) */
	const char *users_db; /* SQLite file of users and tokens (required) */
	unsigned threads;     /* worker threads; default 4, 1..64 */
	yg_api_limits limits; /* 0 in a field: its default */
	/* GET /metrics without a token (<metrics_auth>none</metrics_auth>);
	 * default false: a token of any role. /health never needs one. */
	bool metrics_open;
} yg_api_options;

void yg_api_options_default(yg_api_options *o);

/* ---- configuration ---- */

typedef struct yg_api_config yg_api_config;

/* Defaults as yg_api_options_default, enabled, no users_db (the manager
 * then uses <home>/api/users.db). NULL on ENOMEM. */
yg_api_config *yg_api_config_create(void);
void yg_api_config_destroy(yg_api_config *cfg);

/* Reads one <api> element (several blocks: later values win). Every bad
 * option is reported into diag as "file:line: error: element: reason";
 * returns YG_EPARSE when there was one (cfg keeps what was valid),
 * YG_ENOMEM, or YG_OK. */
yg_err yg_api_config_add_api(yg_api_config *cfg, const yg_wxml_node *node, const char *file,
                             yg_diag *diag);

/* The <api> table (common/yopt.h) of the server's own options. */
extern const struct yg_opt_block yg_api_block;
/* Prints the effective <api> block, limits included, as ossec.conf XML. */
void yg_api_config_print(const yg_api_config *cfg, FILE *out);

bool yg_api_config_enabled(const yg_api_config *cfg);
/* Fills out from cfg; its strings are owned by cfg (users_db may be NULL). */
void yg_api_config_options(const yg_api_config *cfg, yg_api_options *out);

/* ---- the server ---- */

typedef struct yg_api yg_api;

/* Opens the users database, reads the TLS files and starts listening.
 * backend is copied (its ctx pointers must outlive the server; any
 * operation may be NULL: its endpoints then answer 501). diag (may be
 * NULL) gets a sentence on failure. Errors: YG_EINVAL (bad option),
 * YG_EIO (cannot bind, files unreadable, TLS unsupported), YG_ENOMEM. */
yg_err yg_api_create(const yg_api_options *o, const yg_api_backend *backend, yg_diag *diag,
                     yg_api **out);
/* Stops listening, waits for requests in progress, closes. NULL is fine.
 * The backend's resources are the caller's (yg_api_backend_release). */
void yg_api_destroy(yg_api *api);

/* The port actually bound (useful with port 0). */
uint16_t yg_api_port(const yg_api *api);

#endif
