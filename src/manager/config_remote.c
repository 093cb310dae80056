/* config_remote.c: <remote> and <auth>, the agent listeners.
 *
 * Wazuh's names: <remote><connection>secure</connection><port>1514</port>
 * <protocol>tcp</protocol><local_ip>..</local_ip></remote> and
 * <auth><disabled>no</disabled><port>1515</port><use_password>yes</use_password>
 * </auth>. yagura speaks only TLS over TCP to agents, so `connection syslog`
 * and `protocol udp` are refused with a reason; options that tune Wazuh's own
 * implementation are accepted and ignored with a warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager/manager_config_int.h"

static const char *const ignored_remote[] = {
        "queue_size",  "ipv6",       "rids_closing_time",
        "allowed-ips", "denied-ips", "connection_overtake_time",
        "agents"};
static const char *const ignored_auth[] = {"use_source_ip",    "purge",
                                           "limit_maxagents",  "ciphers",
                                           "ssl_verify_host",  "ssl_manager_cert",
                                           "ssl_manager_key",  "ssl_auto_negotiate",
                                           "key_request",      "ssl_agent_ca",
                                           "remote_enrollment"};

static bool listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

static bool text_is(const yg_wxml_node *c, const char *v)
{
	return c->content && !strcmp(c->content, v);
}

static yg_err copy_address(const yg_wxml_node *c, const char *file, yg_diag *d, char *out, size_t n)
{
	size_t len = c->content ? strlen(c->content) : 0;
	if (len == 0 || len >= n || strspn(c->content, "0123456789abcdefABCDEF.:") != len) {
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
		            "'%s' is not a numeric IPv4 or IPv6 address",
		            c->content ? c->content : "");
		return YG_EPARSE;
	}
	memcpy(out, c->content, len + 1);
	return YG_OK;
}

static yg_err yes_no(const yg_wxml_node *c, const char *file, yg_diag *d, bool *out)
{
	if (text_is(c, "yes"))
		*out = true;
	else if (text_is(c, "no"))
		*out = false;
	else {
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
		            "invalid value '%s' (yes or no)", c->content ? c->content : "");
		return YG_EPARSE;
	}
	return YG_OK;
}

yg_err manager_config_remote(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                             yg_diag *d)
{
	yg_remote_config *r = &cfg->remote;
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++)
		if (!strcmp(n->children[i]->name, "connection") &&
		    text_is(n->children[i], "syslog"))
			return manager_config_syslog(cfg, n, file, d);
	r->enabled = true;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		yg_err e = YG_OK;
		int v;
		if (!strcmp(c->name, "connection")) {
			if (!text_is(c, "secure")) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
				            "'%s' is not a connection type (secure or syslog)",
				            c->content ? c->content : "");
				e = YG_EPARSE;
			}
		} else if (!strcmp(c->name, "protocol")) {
			if (!text_is(c, "tcp")) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
				            "'%s' is not supported: only tcp (TLS) is",
				            c->content ? c->content : "");
				e = YG_EPARSE;
			}
		} else if (!strcmp(c->name, "port")) {
			if (!manager_parse_int(c->content, 1, 65535, &v)) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
				            "invalid port '%s' (1-65535)",
				            c->content ? c->content : "");
				e = YG_EPARSE;
			} else {
				r->port = v;
			}
		} else if (!strcmp(c->name, "local_ip")) {
			e = copy_address(c, file, d, r->address, sizeof(r->address));
		} else if (!strcmp(c->name, "agent_events_per_second")) {
			if (!manager_parse_int(c->content, 0, 1000000, &v)) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
				            "invalid value '%s' (0-1000000; 0 = no limit)",
				            c->content ? c->content : "");
				e = YG_EPARSE;
			} else {
				r->agent_eps = v;
			}
		} else if (listed(c->name, ignored_remote,
		                  sizeof(ignored_remote) / sizeof(ignored_remote[0]))) {
			yg_diag_add(d, YG_SEV_WARNING, file, c->line, c->name,
			            "option of Wazuh's remoted not used by yagura; ignored");
		} else {
			yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
			            "unknown option in <remote>");
			e = YG_EPARSE;
		}
		if (e)
			rc = e;
	}
	return rc;
}

yg_err manager_config_auth(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                           yg_diag *d)
{
	yg_auth_config *a = &cfg->auth;
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		yg_err e = YG_OK;
		int v;
		bool b;
		if (!strcmp(c->name, "disabled")) {
			if (!(e = yes_no(c, file, d, &b)))
				a->disabled = b;
		} else if (!strcmp(c->name, "port")) {
			if (!manager_parse_int(c->content, 1, 65535, &v)) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
				            "invalid port '%s' (1-65535)",
				            c->content ? c->content : "");
				e = YG_EPARSE;
			} else {
				a->port = v;
			}
		} else if (!strcmp(c->name, "use_password")) {
			if (!(e = yes_no(c, file, d, &b)))
				a->use_password = b;
		} else if (!strcmp(c->name, "force")) {
			/* 4.x: <force><enabled>yes</enabled>...</force>; 3.x: yes/no */
			const yg_wxml_node *en = NULL;
			for (size_t k = 0; k < c->nchildren; k++)
				if (!strcmp(c->children[k]->name, "enabled"))
					en = c->children[k];
			if (en)
				e = yes_no(en, file, d, &a->force);
			else if (c->nchildren == 0)
				e = yes_no(c, file, d, &a->force);
		} else if (listed(c->name, ignored_auth,
		                  sizeof(ignored_auth) / sizeof(ignored_auth[0]))) {
			yg_diag_add(d, YG_SEV_WARNING, file, c->line, c->name,
			            "option of Wazuh's authd not used by yagura; ignored");
		} else {
			yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
			            "unknown option in <auth>");
			e = YG_EPARSE;
		}
		if (e)
			rc = e;
	}
	return rc;
}
