/* config_syslog.c: <remote> blocks with <connection>syslog</connection>.
 *
 * Wazuh's options: <port> (default 514), <protocol> tcp (the default) or
 * udp, <local_ip>, <allowed-ips> and <denied-ips> (repeatable: an address,
 * ADDR/PREFIX, ADDR/NETMASK, or "any"); <ipv6> is warned and ignored. As in
 * Wazuh, syslog without an <allowed-ips> would accept nothing: an error
 * here, so `-t` says so. <queue_size> is refused, as Wazuh does for syslog.
 * yagura's own limits: <max_message_size> (bytes, 64-1048576, default
 * 65536), <max_connections> (1-65535, default 256) and
 * <max_connections_per_ip> (1-65535, default 16), and <idle_timeout> (the
 * option table below). */
#include <stdlib.h>
#include <string.h>

#include "common/yopt.h"
#include "manager/manager_config_int.h"

/* The options already in the option-table form (common/yopt.h); the rest
 * of the block is read by option() below. */
static const yg_opt syslog_opts[] = {
        {"idle_timeout", YG_OPT_SECONDS, YG_OPT_AT(yg_syslog_listen_cfg, idle_timeout), 1, 86400,
         "300", 0, NULL, NULL, NULL,
         "TCP: a connection that sends nothing for this long is closed"},
        {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL},
};
static const yg_opt_block syslog_block = {"remote", syslog_opts, sizeof(yg_syslog_listen_cfg),
                                          false,    NULL,        NULL};

static bool is(const yg_wxml_node *c, const char *v)
{
	return c->content && !strcmp(c->content, v);
}

static yg_err int_opt(const yg_wxml_node *c, int lo, int hi, const char *file, yg_diag *d, int *out)
{
	if (!manager_parse_int(c->content, lo, hi, out)) {
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name, "invalid value '%s' (%d-%d)",
		            c->content ? c->content : "", lo, hi);
		return YG_EPARSE;
	}
	return YG_OK;
}

/* One <allowed-ips>/<denied-ips> entry. */
static yg_err add_ip(yg_syslog_listen_cfg *l, const yg_wxml_node *c, bool allow, const char *file,
                     yg_diag *d)
{
	const char *v = c->content ? c->content : "";
	if (allow && (!strcmp(v, "any") || !strcmp(v, "0.0.0.0/0") || !strcmp(v, "::/0"))) {
		l->allow_any = true;
		return YG_OK;
	}
	yg_waf_allow **list = allow ? &l->allow : &l->deny;
	if (!*list && !(*list = yg_waf_allow_create()))
		return YG_ENOMEM;
	yg_err err = yg_waf_allow_add(*list, v);
	if (err == YG_EINVAL)
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
		            "'%s' is not an address, ADDR/PREFIX or ADDR/NETMASK", v);
	return err == YG_EINVAL ? YG_EPARSE : err;
}

static yg_err option(yg_syslog_listen_cfg *l, const yg_wxml_node *c, const char *file, yg_diag *d)
{
	const char *n = c->name;
	int v;
	bool known = false;
	yg_err e = yg_opt_read_one(&syslog_block, l, c, file, d, &known);
	if (known)
		return e;
	if (!strcmp(n, "connection"))
		return YG_OK;
	if (!strcmp(n, "port")) {
		if (!(e = int_opt(c, 1, 65535, file, d, &v)))
			l->port = v;
	} else if (!strcmp(n, "protocol")) {
		if (is(c, "tcp") || is(c, "TCP"))
			l->tcp = true;
		else if (is(c, "udp") || is(c, "UDP"))
			l->tcp = false;
		else
			/* Wazuh: only secure connections take "tcp,udp"; it warns
			 * and uses tcp */
			yg_diag_add(d, YG_SEV_WARNING, file, c->line, n,
			            "'%s': a syslog listener is tcp or udp; using tcp",
			            c->content ? c->content : "");
	} else if (!strcmp(n, "local_ip")) {
		size_t len = c->content ? strlen(c->content) : 0;
		if (len == 0 || len >= sizeof(l->address) ||
		    strspn(c->content, "0123456789abcdefABCDEF.:") != len) {
			yg_diag_add(d, YG_SEV_ERROR, file, c->line, n,
			            "'%s' is not a numeric IPv4 or IPv6 address",
			            c->content ? c->content : "");
			return YG_EPARSE;
		}
		memcpy(l->address, c->content, len + 1);
	} else if (!strcmp(n, "allowed-ips") || !strcmp(n, "denied-ips")) {
		e = add_ip(l, c, n[0] == 'a', file, d);
	} else if (!strcmp(n, "max_message_size")) {
		if (!(e = int_opt(c, 64, 1 << 20, file, d, &v)))
			l->max_msg = (size_t)v;
	} else if (!strcmp(n, "max_connections")) {
		if (!(e = int_opt(c, 1, 65535, file, d, &v)))
			l->max_conns = v;
	} else if (!strcmp(n, "max_connections_per_ip")) {
		if (!(e = int_opt(c, 1, 65535, file, d, &v)))
			l->max_conns_per_ip = v;
	} else if (!strcmp(n, "ipv6")) {
		yg_diag_add(d, YG_SEV_WARNING, file, c->line, n,
		            "not used: a listener is IPv6 when its <local_ip> is; ignored");
	} else {
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, n,
		            "invalid option in a syslog <remote>");
		e = YG_EPARSE;
	}
	return e;
}

yg_err manager_config_syslog(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                             yg_diag *d)
{
	yg_syslog_listen_cfg l = {
	        .port = YG_SYSLOG_DEFAULT_PORT,
	        .tcp = true,
	        .max_msg = YG_SYSLOG_DEFAULT_MAX_MSG,
	        .max_conns = YG_SYSLOG_DEFAULT_MAX_CONNS,
	        .max_conns_per_ip = YG_SYSLOG_DEFAULT_MAX_CONNS_PER_IP,
	        .idle_timeout = YG_SYSLOG_DEFAULT_IDLE_TIMEOUT,
	};
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren && rc != YG_ENOMEM; i++) {
		yg_err e = option(&l, n->children[i], file, d);
		if (e)
			rc = e;
	}
	if (!rc && !l.allow_any && !l.allow) {
		yg_diag_add(d, YG_SEV_ERROR, file, n->line, "allowed-ips",
		            "a syslog <remote> needs at least one <allowed-ips> (Wazuh does not "
		            "listen without one)");
		rc = YG_EPARSE;
	}
	yg_syslog_listen_cfg *nl =
	        rc ? NULL : realloc(cfg->rsyslog.l, (cfg->rsyslog.n + 1) * sizeof(*nl));
	if (!nl) {
		yg_waf_allow_destroy(l.allow);
		yg_waf_allow_destroy(l.deny);
		return rc ? rc : YG_ENOMEM;
	}
	cfg->rsyslog.l = nl;
	nl[cfg->rsyslog.n++] = l;
	return YG_OK;
}
