/* api_config.c: reading the <api> block of ossec.conf. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/yopt.h"

struct yg_api_config {
	bool enabled;
	char *listen;
	unsigned port;
	char *tls_cert, *tls_key;
	bool ui;
	char *users_db;
	unsigned threads;
	int metrics_auth; /* index in metrics_auths */
	yg_api_limits limits;
};

static const char *const metrics_auths[] = {"token", "none", NULL};
enum { METRICS_TOKEN, METRICS_NONE };

/* The limits, one row each: <api> option, range, default
 * (docs/threat-model-web.md). The defaults here are the only ones:
 * yg_api_limits_default reads them. */
#define L yg_api_limits
static const yg_opt limit_opts[] = {
        {"signin_fails", YG_OPT_UINT, YG_OPT_AT(L, signin_fails), 1, 1000, "5", 0, NULL, NULL, NULL,
         "failed sign-ins per client address within signin_window"},
        {"signin_account_fails", YG_OPT_UINT, YG_OPT_AT(L, signin_account_fails), 1, 10000, "10", 0,
         NULL, NULL, NULL, "failed sign-ins per user name, from all addresses"},
        {"signin_window", YG_OPT_SECONDS, YG_OPT_AT(L, signin_window), 1, 86400, "300", 0, NULL,
         NULL, NULL, "how long a sign-in attempt counts"},
        {"token_max_ttl", YG_OPT_SECONDS, YG_OPT_AT(L, token_max_ttl), 60, 10u * 366 * 86400, "90d",
         0, NULL, NULL, NULL, "the longest lifetime of an API token"},
        {"tokens_per_user", YG_OPT_UINT, YG_OPT_AT(L, tokens_per_user), 1, 10000, "50", 0, NULL,
         NULL, NULL, "API tokens a user may hold"},
        {"max_connections", YG_OPT_UINT, YG_OPT_AT(L, max_connections), 16, 4096, "256", 0, NULL,
         NULL, NULL, "open connections"},
        {"max_connections_per_ip", YG_OPT_UINT, YG_OPT_AT(L, max_connections_per_ip), 1, 4096, "32",
         0, NULL, NULL, NULL, "open connections per client address"},
        {"header_timeout", YG_OPT_SECONDS, YG_OPT_AT(L, header_timeout), 1, 3600, "10", 0, NULL,
         NULL, NULL, "time to send a request's headers"},
        {"request_timeout", YG_OPT_SECONDS, YG_OPT_AT(L, request_timeout), 1, 3600, "60", 0, NULL,
         NULL, NULL, "time for a whole request, body included"},
        {"idle_timeout", YG_OPT_SECONDS, YG_OPT_AT(L, idle_timeout), 1, 3600, "30", 0, NULL, NULL,
         NULL, "time a connection may stay without traffic"},
        {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL},
};
#undef L

/* A yg_api_limits with its defaults, for code that handles any block. */
static void *limits_create(void)
{
	yg_api_limits *l = calloc(1, sizeof(*l));
	if (l)
		yg_api_limits_default(l);
	return l;
}

static void limits_destroy(void *obj)
{
	free(obj);
}

const yg_opt_block yg_api_limits_block = {"api", limit_opts,    sizeof(yg_api_limits),
                                          false, limits_create, limits_destroy};

void yg_api_limits_default(yg_api_limits *l)
{
	yg_api_limits def;
	memset(&def, 0, sizeof(def));
	(void)yg_opt_defaults(&yg_api_limits_block, &def); /* numbers only: cannot fail */
#define DEF(f) l->f = l->f ? l->f : def.f
	DEF(signin_fails);
	DEF(signin_account_fails);
	DEF(signin_window);
	DEF(token_max_ttl);
	DEF(tokens_per_user);
	DEF(max_connections);
	DEF(max_connections_per_ip);
	DEF(header_timeout);
	DEF(request_timeout);
	DEF(idle_timeout);
#undef DEF
}

yg_api_config *yg_api_config_create(void)
{
	yg_api_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg && yg_opt_defaults(&yg_api_block, cfg) != YG_OK) {
		yg_api_config_destroy(cfg);
		return NULL;
	}
	return cfg;
}

void yg_api_config_destroy(yg_api_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->listen);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->users_db);
	free(cfg);
}

bool yg_api_config_enabled(const yg_api_config *cfg)
{
	return cfg->enabled;
}

void yg_api_config_options(const yg_api_config *cfg, yg_api_options *out)
{
	yg_api_options_default(out);
	out->listen = cfg->listen;
	out->port = (uint16_t)cfg->port;
	out->tls_cert = cfg->tls_cert;
	out->tls_key = cfg->tls_key;
	out->ui = cfg->ui;
	out->users_db = cfg->users_db;
	out->threads = cfg->threads;
	out->metrics_open = cfg->metrics_auth == METRICS_NONE;
	out->limits = cfg->limits;
	yg_api_limits_default(&out->limits);
}

/* ---- the <api> table: the server's own options; the limits are
 * yg_api_limits_block's rows, read into cfg->limits ---- */

static yg_err parse_listen(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_api_config *cfg = obj;
	unsigned char a[16];
	if (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1) {
		yg_opt_bad(ctx, e, "invalid value '%.64s': must be an IPv4 or IPv6 address", v);
		return YG_EPARSE;
	}
	char *copy = strdup(v);
	if (!copy)
		return YG_ENOMEM;
	free(cfg->listen);
	cfg->listen = copy;
	return YG_OK;
}

static void print_listen(const void *obj, const yg_opt *o, FILE *out)
{
	fprintf(out, "    <%s>%s</%s>\n", o->name, ((const yg_api_config *)obj)->listen, o->name);
}

#define A yg_api_config
static const yg_opt tls_opts[] = {
        {"cert", YG_OPT_PATH, YG_OPT_AT(A, tls_cert), .help = "the certificate (PEM)"},
        {"key", YG_OPT_PATH, YG_OPT_AT(A, tls_key), .help = "its private key (PEM)"},
        {0},
};

static const yg_opt_block tls_block = {"tls", tls_opts, sizeof(yg_api_config), false, NULL, NULL};

/* <tls><cert>..</cert><key>..</key></tls>: both or neither. */
static yg_err parse_tls(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	yg_api_config *cfg = obj;
	yg_err rc = yg_opt_read(&tls_block, cfg, e, ctx->file, ctx->diag);
	if (rc == YG_OK && !cfg->tls_cert != !cfg->tls_key) {
		yg_opt_bad(ctx, e, "needs both <cert> and <key>");
		rc = YG_EPARSE;
	}
	return rc;
}

static void print_tls(const void *obj, const yg_opt *o, FILE *out)
{
	(void)o;
	if (((const yg_api_config *)obj)->tls_cert)
		yg_opt_print(&tls_block, obj, 4, out);
}

static const yg_opt api_opts[] = {
        {"enabled", YG_OPT_BOOL, YG_OPT_AT(A, enabled), .def = "yes", .help = "serve the REST API"},
        {"listen", YG_OPT_CUSTOM, .def = "127.0.0.1", .parse = parse_listen, .print = print_listen,
         .help = "the address to listen on (IPv4 or IPv6)"},
        {"port", YG_OPT_UINT, YG_OPT_AT(A, port), 1, 65535, "55000", .help = "its port"},
        {"tls", YG_OPT_CUSTOM, .parse = parse_tls, .print = print_tls,
         .help = "<cert> and <key>: HTTPS"},
        {"ui", YG_OPT_BOOL, YG_OPT_AT(A, ui), .def = "yes", .help = "serve the web UI at /"},
        {"users_db", YG_OPT_PATH, YG_OPT_AT(A, users_db),
         .help = "the users' database; default HOME/var/db/api_users.db"},
        {"threads", YG_OPT_UINT, YG_OPT_AT(A, threads), 1, 64, "4", .help = "the server's threads"},
        {"metrics_auth", YG_OPT_ENUM, YG_OPT_AT(A, metrics_auth), .def = "token",
         .choices = metrics_auths, .help = "/metrics wants a token, or none"},
        {0},
};
#undef A

static void *api_create(void)
{
	return yg_api_config_create();
}

static void api_destroy(void *obj)
{
	yg_api_config_destroy(obj);
}

/* The limits' rows are read by yg_api_config_add_api, not by this table:
 * the test sweeps them through yg_api_limits_block. */
const yg_opt_block yg_api_block = {"api", api_opts,   sizeof(yg_api_config),
                                   false, api_create, api_destroy};

yg_err yg_api_config_add_api(yg_api_config *cfg, const yg_wxml_node *node, const char *file,
                             yg_diag *diag)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < node->nchildren; i++) {
		const yg_wxml_node *n = node->children[i];
		bool known;
		yg_err err = yg_opt_read_one(&yg_api_block, cfg, n, file, diag, &known);
		if (!known)
			err = yg_opt_read_one(&yg_api_limits_block, &cfg->limits, n, file, diag,
			                      &known);
		if (err == YG_ENOMEM)
			return err;
		if (!known) {
			yg_diag_add(diag, YG_SEV_ERROR, file, n->line, n->name,
			            "unknown option of <api>");
			err = YG_EPARSE;
		}
		if (err)
			rc = YG_EPARSE;
	}
	return rc;
}

void yg_api_config_print(const yg_api_config *cfg, FILE *out)
{
	yg_api_limits l = cfg->limits;
	yg_api_limits_default(&l);
	fputs("  <api>\n", out);
	yg_opt_print_rows(&yg_api_block, cfg, 4, out);
	yg_opt_print_rows(&yg_api_limits_block, &l, 4, out);
	fputs("  </api>\n", out);
}
