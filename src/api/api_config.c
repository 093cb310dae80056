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
	bool metrics_open;
	yg_api_limits limits;
};

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
	if (!cfg)
		return NULL;
	cfg->enabled = true;
	cfg->listen = strdup("127.0.0.1");
	cfg->port = 55000;
	cfg->ui = true;
	cfg->threads = 4;
	if (!cfg->listen) {
		free(cfg);
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
	out->metrics_open = cfg->metrics_open;
	out->limits = cfg->limits;
	yg_api_limits_default(&out->limits);
}

/* The element's text without surrounding blanks, in buf. */
static const char *trimmed(const yg_wxml_node *n, char *buf, size_t sz)
{
	const char *s = n->content;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
	               s[len - 1] == '\r'))
		len--;
	if (len >= sz)
		len = sz - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static bool set_str(char **dst, const char *v)
{
	char *c = strdup(v);
	if (!c)
		return false;
	free(*dst);
	*dst = c;
	return true;
}

static bool parse_yesno(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool parse_num(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long n = 0;
	if (!*v || strlen(v) > 9)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (n < min || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* An absolute path without control characters. */
static bool path_ok(const char *v)
{
	if (v[0] != '/' || strlen(v) > 4095)
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

#define BAD(node, ...)                                                                             \
	do {                                                                                       \
		yg_diag_add(diag, YG_SEV_ERROR, file, (node)->line, (node)->name, __VA_ARGS__);    \
		bad = true;                                                                        \
	} while (0)

static yg_err read_tls(yg_api_config *cfg, const yg_wxml_node *tls, const char *file, yg_diag *diag,
                       bool *badp)
{
	bool bad = false;
	char buf[4096];
	for (size_t i = 0; i < tls->nchildren; i++) {
		const yg_wxml_node *n = tls->children[i];
		const char *v = trimmed(n, buf, sizeof(buf));
		char **dst = strcmp(n->name, "cert") == 0  ? &cfg->tls_cert
		             : strcmp(n->name, "key") == 0 ? &cfg->tls_key
		                                           : NULL;
		if (!dst)
			BAD(n, "unknown option (expected cert or key)");
		else if (!path_ok(v))
			BAD(n, "must be an absolute file path");
		else if (!set_str(dst, v))
			return YG_ENOMEM;
	}
	if (!cfg->tls_cert != !cfg->tls_key)
		BAD(tls, "needs both <cert> and <key>");
	*badp |= bad;
	return YG_OK;
}

/* A limit option (yg_api_limits_block); false (reported) when unknown
 * or out of range. */
static bool read_limit(yg_api_config *cfg, const yg_wxml_node *n, const char *file, yg_diag *diag)
{
	bool known = false;
	yg_err err = yg_opt_read_one(&yg_api_limits_block, &cfg->limits, n, file, diag, &known);
	if (!known)
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, n->name, "unknown option");
	return known && err == YG_OK;
}

yg_err yg_api_config_add_api(yg_api_config *cfg, const yg_wxml_node *node, const char *file,
                             yg_diag *diag)
{
	bool bad = false;
	char buf[4096];
	for (size_t i = 0; i < node->nchildren; i++) {
		const yg_wxml_node *n = node->children[i];
		const char *v = trimmed(n, buf, sizeof(buf));
		if (strcmp(n->name, "enabled") == 0 || strcmp(n->name, "ui") == 0) {
			bool *dst = n->name[0] == 'e' ? &cfg->enabled : &cfg->ui;
			if (!parse_yesno(v, dst))
				BAD(n, "must be yes or no");
		} else if (strcmp(n->name, "listen") == 0) {
			unsigned char a[16];
			if (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1)
				BAD(n, "must be an IPv4 or IPv6 address");
			else if (!set_str(&cfg->listen, v))
				return YG_ENOMEM;
		} else if (strcmp(n->name, "port") == 0) {
			if (!parse_num(v, 1, 65535, &cfg->port))
				BAD(n, "must be a port number from 1 to 65535");
		} else if (strcmp(n->name, "threads") == 0) {
			if (!parse_num(v, 1, 64, &cfg->threads))
				BAD(n, "must be a number from 1 to 64");
		} else if (strcmp(n->name, "users_db") == 0) {
			if (!path_ok(v))
				BAD(n, "must be an absolute file path");
			else if (!set_str(&cfg->users_db, v))
				return YG_ENOMEM;
		} else if (strcmp(n->name, "metrics_auth") == 0) {
			if (strcmp(v, "token") != 0 && strcmp(v, "none") != 0)
				BAD(n, "must be token or none");
			else
				cfg->metrics_open = strcmp(v, "none") == 0;
		} else if (strcmp(n->name, "tls") == 0) {
			yg_err err = read_tls(cfg, n, file, diag, &bad);
			if (err)
				return err;
		} else if (!read_limit(cfg, n, file, diag)) {
			bad = true;
		}
	}
	return bad ? YG_EPARSE : YG_OK;
}
