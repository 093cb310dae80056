/* config_remote.c: <remote> and <auth>, the agent listeners, as option
 * tables (src/common/yopt.h).
 *
 * Wazuh's names: <remote><connection>secure</connection><port>1514</port>
 * <protocol>tcp</protocol><local_ip>..</local_ip></remote> and
 * <auth><disabled>no</disabled><port>1515</port><use_password>yes</use_password>
 * </auth>. yagura speaks only TLS over TCP to agents, so `connection syslog`
 * (config_syslog.c) and `protocol udp` are refused with a reason; options
 * that tune Wazuh's own implementation are accepted and ignored with a
 * warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yopt.h"
#include "manager/manager_config_int.h"

static yg_err parse_connection(void *obj, const char *v, const yg_wxml_node *e,
                               const yg_opt_ctx *ctx)
{
	(void)obj;
	if (strcmp(v, "secure") == 0)
		return YG_OK;
	yg_opt_bad(ctx, e, "'%.64s' is not a connection type (secure or syslog)", v);
	return YG_EPARSE;
}

static void print_connection(const void *obj, const yg_opt *o, FILE *out)
{
	(void)obj;
	fprintf(out, "    <%s>secure</%s>\n", o->name, o->name);
}

static yg_err parse_protocol(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)obj;
	if (strcmp(v, "tcp") == 0)
		return YG_OK;
	yg_opt_bad(ctx, e, "'%.64s' is not supported: only tcp (TLS) is", v);
	return YG_EPARSE;
}

static void print_protocol(const void *obj, const yg_opt *o, FILE *out)
{
	(void)obj;
	fprintf(out, "    <%s>tcp</%s>\n", o->name, o->name);
}

static yg_err parse_local_ip(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_remote_config *r = obj;
	size_t len = strlen(v);
	if (len == 0 || len >= sizeof(r->address) || strspn(v, "0123456789abcdefABCDEF.:") != len) {
		yg_opt_bad(ctx, e, "'%.64s' is not a numeric IPv4 or IPv6 address", v);
		return YG_EPARSE;
	}
	memcpy(r->address, v, len + 1);
	return YG_OK;
}

static void print_local_ip(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_remote_config *r = obj;
	if (r->address[0])
		fprintf(out, "    <%s>%s</%s>\n", o->name, r->address, o->name);
}

#define IGNORED(n)                                                                                 \
	{                                                                                          \
		n, YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED                                          \
	}
#define R yg_remote_config
static const yg_opt remote_opts[] = {
        {"connection", YG_OPT_CUSTOM, .parse = parse_connection, .print = print_connection,
         .help = "secure (the agents' TLS listener) or syslog (config_syslog.c)"},
        {"protocol", YG_OPT_CUSTOM, .parse = parse_protocol, .print = print_protocol,
         .help = "tcp: agents speak TLS over TCP only"},
        {"port", YG_OPT_UINT, YG_OPT_AT(R, port), 1, 65535, "1514",
         .help = "the agents' listener port"},
        {"local_ip", YG_OPT_CUSTOM, .parse = parse_local_ip, .print = print_local_ip,
         .help = "the address to listen on (numeric); every address when absent"},
        {"agent_events_per_second", YG_OPT_UINT, YG_OPT_AT(R, agent_eps), 0, 1000000, "0",
         .help = "events per second accepted from one agent; 0 = no limit"},
        IGNORED("queue_size"),
        IGNORED("ipv6"),
        IGNORED("rids_closing_time"),
        IGNORED("allowed-ips"),
        IGNORED("denied-ips"),
        IGNORED("connection_overtake_time"),
        IGNORED("agents"),
        {0},
};
#undef R

/* <force>: 4.x's <force><enabled>yes</enabled>...</force>, or 3.x's
 * yes/no; a 4.x block without <enabled> keeps the default. */
static yg_err parse_force(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_auth_config *a = obj;
	const yg_wxml_node *en = NULL;
	for (size_t k = 0; k < e->nchildren; k++)
		if (!strcmp(e->children[k]->name, "enabled"))
			en = e->children[k];
	if (!en && e->nchildren > 0)
		return YG_OK;
	if (en) {
		e = en;
		v = en->content ? en->content : "";
	}
	if (!yg_opt_parse_bool(v, &a->force)) {
		yg_opt_bad(ctx, e, "invalid value '%.64s': must be yes or no", v);
		return YG_EPARSE;
	}
	return YG_OK;
}

static void print_force(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_auth_config *a = obj;
	fprintf(out, "    <%s>\n      <enabled>%s</enabled>\n    </%s>\n", o->name,
	        a->force ? "yes" : "no", o->name);
}

#define A yg_auth_config
static const yg_opt auth_opts[] = {
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(A, disabled), .def = "no",
         .help = "no enrolment listener"},
        {"port", YG_OPT_UINT, YG_OPT_AT(A, port), 1, 65535, "1515", .help = "the enrolment port"},
        {"use_password", YG_OPT_BOOL, YG_OPT_AT(A, use_password), .def = "yes",
         .help = "enrol with HOME/etc/authd.pass; no: one-time tokens only"},
        {"force", YG_OPT_CUSTOM, .parse = parse_force, .print = print_force,
         .help = "a known agent name enrolling again replaces the old agent"},
        IGNORED("use_source_ip"),
        IGNORED("purge"),
        IGNORED("limit_maxagents"),
        IGNORED("ciphers"),
        IGNORED("ssl_verify_host"),
        IGNORED("ssl_manager_cert"),
        IGNORED("ssl_manager_key"),
        IGNORED("ssl_auto_negotiate"),
        IGNORED("key_request"),
        IGNORED("ssl_agent_ca"),
        IGNORED("remote_enrollment"),
        {0},
};
#undef A
#undef IGNORED

static void *remote_create(void)
{
	yg_remote_config *r = calloc(1, sizeof(*r));
	if (r && yg_opt_defaults(&yg_remote_block, r) != YG_OK) {
		free(r);
		return NULL;
	}
	return r;
}

static void *auth_create(void)
{
	yg_auth_config *a = calloc(1, sizeof(*a));
	if (a && yg_opt_defaults(&yg_auth_block, a) != YG_OK) {
		free(a);
		return NULL;
	}
	return a;
}

const yg_opt_block yg_remote_block = {"remote", remote_opts,   sizeof(yg_remote_config),
                                      false,    remote_create, free};
const yg_opt_block yg_auth_block = {"auth", auth_opts,   sizeof(yg_auth_config),
                                    false,  auth_create, free};

yg_err manager_config_remote(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                             yg_diag *d)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		if (!strcmp(c->name, "connection") && c->content && !strcmp(c->content, "syslog"))
			return manager_config_syslog(cfg, n, file, d);
	}
	cfg->remote.enabled = true;
	return yg_opt_read(&yg_remote_block, &cfg->remote, n, file, d);
}

yg_err manager_config_auth(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                           yg_diag *d)
{
	return yg_opt_read(&yg_auth_block, &cfg->auth, n, file, d);
}
