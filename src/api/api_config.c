/* api_config.c: reading the <api> block of ossec.conf. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

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

/* The limits, one row each: <api> option, range (docs/threat-model-web.md). */
static const struct limit_opt {
	const char *name;
	size_t off;
	unsigned min, max;
} limit_opts[] = {
#define L(f, lo, hi)                                                                               \
	{                                                                                          \
#f, offsetof(yg_api_limits, f), lo, hi                                             \
	}
        L(signin_fails, 1, 1000),           L(signin_account_fails, 1, 10000),
        L(signin_window, 1, 86400),         L(token_max_ttl, 60, 10u * 366 * 86400),
        L(tokens_per_user, 1, 10000),       L(max_connections, 16, 4096),
        L(max_connections_per_ip, 1, 4096), L(header_timeout, 1, 3600),
        L(request_timeout, 1, 3600),        L(idle_timeout, 1, 3600),
#undef L
};

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

/* A limit option; false (reported) when unknown or out of range. */
static bool read_limit(yg_api_config *cfg, const yg_wxml_node *n, const char *v, const char *file,
                       yg_diag *diag)
{
	for (size_t i = 0; i < sizeof(limit_opts) / sizeof(limit_opts[0]); i++) {
		const struct limit_opt *o = &limit_opts[i];
		if (strcmp(n->name, o->name) != 0)
			continue;
		unsigned *dst = (unsigned *)(void *)((char *)&cfg->limits + o->off);
		if (parse_num(v, o->min, o->max, dst))
			return true;
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, n->name,
		            "must be a number from %u to %u", o->min, o->max);
		return false;
	}
	yg_diag_add(diag, YG_SEV_ERROR, file, n->line, n->name, "unknown option");
	return false;
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
		} else if (!read_limit(cfg, n, v, file, diag)) {
			bad = true;
		}
	}
	return bad ? YG_EPARSE : YG_OK;
}
