/* agent_config.c: the agent's ossec.conf: one pass over every <ossec_config>
 * block of every file, each block handed to its module or read here with an
 * option table (src/common/yopt.h): <client> and its <server>s,
 * <client_buffer>, <active-response> and <labels>. Unknown options of these
 * blocks are warnings, as in Wazuh's agent. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/agent_config_int.h"
#include "common/yopt.h"
#include "engine/evrec.h"
#include "engine/wxml.h"

#define WARN(d, f, n, ...) yg_diag_add(d, YG_SEV_WARNING, f, (n)->line, (n)->name, __VA_ARGS__)
#define ERR(d, f, n, ...) yg_diag_add(d, YG_SEV_ERROR, f, (n)->line, (n)->name, __VA_ARGS__)
#define CWARN(ctx, e, ...) WARN((ctx)->diag, (ctx)->file, e, __VA_ARGS__)

/* A host name or address: letters, digits, '.', '-', '_', ':' only (it is
 * checked against the manager's certificate and handed to getaddrinfo). */
static bool valid_host(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= YG_AGENT_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

/* ---- <client><server> ---- */

static yg_err parse_address(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_agent_server *s = obj;
	if (!valid_host(v)) {
		yg_opt_bad(ctx, e, "invalid manager address '%.64s'", v);
		return YG_EPARSE;
	}
	memcpy(s->address, v, strlen(v) + 1);
	return YG_OK;
}

static void print_address(const void *obj, const yg_opt *o, FILE *out)
{
	fprintf(out, "      <%s>%s</%s>\n", o->name, ((const yg_agent_server *)obj)->address,
	        o->name);
}

static yg_err parse_protocol(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)obj;
	if (strcmp(v, "tcp") != 0)
		CWARN(ctx, e, "yagura agents always use TCP (TLS); '%.64s' ignored", v);
	return YG_OK;
}

#define S yg_agent_server
static const yg_opt server_opts[] = {
        {"address", YG_OPT_CUSTOM, .parse = parse_address, .print = print_address,
         .help = "the manager's host name or address (required)"},
        {"port", YG_OPT_UINT, YG_OPT_AT(S, port), 1, 65535, "1514",
         .help = "the manager's agent port"},
        {"max_retries", YG_OPT_UINT, YG_OPT_AT(S, max_retries), 1, 1000, "5",
         .help = "connection attempts before the next server"},
        {"retry_interval", YG_OPT_UINT, YG_OPT_AT(S, retry_interval), 1, 3600, "10",
         .help = "seconds between attempts"},
        {"protocol", YG_OPT_CUSTOM, .parse = parse_protocol,
         .help = "always tcp (TLS); anything else is warned"},
        {0},
};
#undef S

static void *server_create(void)
{
	yg_agent_server *s = calloc(1, sizeof(*s));
	if (s && yg_opt_defaults(&yg_agent_server_block, s)) {
		free(s);
		return NULL;
	}
	return s;
}

const yg_opt_block yg_agent_server_block = {"server", server_opts,   sizeof(yg_agent_server),
                                            true,     server_create, free};

/* <server>: one more manager to fail over to, in order (Wazuh's options;
 * <address> is required). */
static yg_err parse_server(void *obj, const char *v, const yg_wxml_node *n, const yg_opt_ctx *ctx)
{
	(void)v;
	yg_agent_config *cfg = obj;
	if (cfg->nservers == YG_AGENT_SERVERS_MAX) {
		yg_opt_bad(ctx, n, "more than %d <server> blocks", YG_AGENT_SERVERS_MAX);
		return YG_EPARSE;
	}
	yg_agent_server *s = &cfg->servers[cfg->nservers];
	*s = (yg_agent_server){0};
	if (yg_opt_defaults(&yg_agent_server_block, s))
		return YG_ENOMEM;
	yg_err rc = yg_opt_read(&yg_agent_server_block, s, n, ctx->file, ctx->diag);
	if (rc == YG_ENOMEM)
		return rc;
	if (!s->address[0]) {
		if (rc == YG_OK)
			yg_opt_bad(ctx, n, "<server> without <address>");
		return YG_EPARSE;
	}
	cfg->nservers++;
	return rc;
}

static void print_servers(const void *obj, const yg_opt *o, FILE *out)
{
	(void)o;
	const yg_agent_config *cfg = obj;
	for (size_t i = 0; i < cfg->nservers; i++)
		yg_opt_print(&yg_agent_server_block, &cfg->servers[i], 4, out);
}

/* ---- the agent's blocks ---- */

/* <events_per_second>: Wazuh's 1-1000, and below agent.min_eps (50) raised
 * to it with a warning. */
static yg_err parse_eps(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_agent_config *cfg = obj;
	uint64_t n;
	if (!yg_opt_parse_uint(v, 1, 1000, &n)) {
		yg_opt_bad(ctx, e, "invalid value '%.64s': must be a number in range (1-1000)", v);
		return YG_EPARSE;
	}
	cfg->events_per_second = (int)n;
	if (n < YG_AGENT_MIN_EPS) {
		CWARN(ctx, e, "client buffer throughput too low: set to %d eps", YG_AGENT_MIN_EPS);
		cfg->events_per_second = YG_AGENT_MIN_EPS;
	}
	return YG_OK;
}

static void print_eps(const void *obj, const yg_opt *o, FILE *out)
{
	fprintf(out, "    <%s>%d</%s>\n", o->name,
	        ((const yg_agent_config *)obj)->events_per_second, o->name);
}

/* Wazuh's deprecated <disable> and <length>: warned, then read as
 * <disabled> and <queue_size>. */
static yg_err parse_deprecated(void *obj, const char *v, const yg_wxml_node *e,
                               const yg_opt_ctx *ctx)
{
	bool disable = !strcmp(e->name, "disable");
	CWARN(ctx, e, "deprecated: use <%s>", disable ? "disabled" : "queue_size");
	yg_wxml_node renamed = *e;
	renamed.name = disable ? "disabled" : "queue_size";
	bool known;
	(void)v;
	return yg_opt_read_one(&yg_agent_buffer_block, obj, &renamed, ctx->file, ctx->diag, &known);
}

#define C yg_agent_config
static const yg_opt client_opts[] = {
        {"server", YG_OPT_CUSTOM, .parse = parse_server, .print = print_servers,
         .help = "a manager, tried in order (repeatable)"},
        {"notify_time", YG_OPT_UINT, YG_OPT_AT(C, notify_time), 1, 3600, "10",
         .help = "seconds between keep-alives"},
        {"enrollment", YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED,
         .help = "enrolment is done once with `yagura enroll`; ignored"},
        {0},
};

static const yg_opt buffer_opts[] = {
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(C, buffer_disabled), .def = "no",
         .help = "no rate limit on the spool's sender"},
        {"queue_size", YG_OPT_UINT, YG_OPT_AT(C, queue_size), 1, 100000, "5000",
         .help = "events in flight"},
        {"events_per_second", YG_OPT_CUSTOM, .def = "500", .parse = parse_eps, .print = print_eps,
         .help = "the send rate (1-1000; below 50 raised to 50)"},
        {"spool_max_mb", YG_OPT_UINT, YG_OPT_AT(C, spool_max_mb), 4, 1 << 20, "256",
         .help = "the disk spool's bound"},
        {"disable", YG_OPT_CUSTOM, .parse = parse_deprecated, .help = "deprecated: <disabled>"},
        {"length", YG_OPT_CUSTOM, .parse = parse_deprecated, .help = "deprecated: <queue_size>"},
        {0},
};

static const yg_opt ar_opts[] = {
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(C, ar_disabled), .def = "no",
         .help = "refuse the manager's active responses"},
        {"repeated_offenders", YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED,
         .help = "applied by the manager (set it in the manager's configuration)"},
        {"ca_store", YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED,
         .help = "not needed: requests arrive over the agent's TLS link"},
        {"ca_verification", YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED,
         .help = "not needed: requests arrive over the agent's TLS link"},
        {0},
};
#undef C

/* ---- <labels> ---- */

/* A label key: no empty part between dots (it would nest under ""), no
 * control character, at most YG_AGENT_LABEL_KEY_MAX bytes. */
static bool valid_label_key(const char *k)
{
	size_t n = strlen(k);
	if (n > YG_AGENT_LABEL_KEY_MAX || k[0] == '.' || k[n - 1] == '.' || strstr(k, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
			return false;
	return true;
}

static size_t label_index(const yg_agent_config *cfg, const char *key)
{
	size_t i = 0;
	while (i < cfg->nlabels && strcmp(cfg->labels[i].key, key))
		i++;
	return i;
}

/* Sets key = value (strings copied); an existing key gets the new value in
 * its place, as Wazuh's labels_add(overwrite). */
static yg_err label_set(yg_agent_config *cfg, const char *key, const char *value, bool hidden)
{
	size_t i = label_index(cfg, key);
	char *v = strdup(value), *k = i < cfg->nlabels ? NULL : strdup(key);
	if (!v || (i == cfg->nlabels && !k)) {
		free(v);
		free(k);
		return YG_ENOMEM;
	}
	if (i < cfg->nlabels) {
		free((char *)cfg->labels[i].value);
	} else {
		yg_label *nl = realloc(cfg->labels, (cfg->nlabels + 1) * sizeof(*nl));
		if (!nl) {
			free(v);
			free(k);
			return YG_ENOMEM;
		}
		cfg->labels = nl;
		nl[cfg->nlabels++].key = k;
	}
	cfg->labels[i].value = v;
	cfg->labels[i].hidden = hidden;
	return YG_OK;
}

/* Whether key = value fits the bounds on every label together (each event
 * carries them all). */
static bool label_fits(const yg_agent_config *cfg, const char *key, const char *value)
{
	size_t i = label_index(cfg, key), bytes = strlen(key) + strlen(value);
	if (i == cfg->nlabels && cfg->nlabels >= YG_EVREC_MAX_LABELS)
		return false;
	for (size_t j = 0; j < cfg->nlabels; j++)
		if (j != i)
			bytes += strlen(cfg->labels[j].key) + strlen(cfg->labels[j].value);
	return bytes <= YG_AGENT_LABELS_BYTES_MAX;
}

/* The key="..." and hidden="yes|no" attributes of a <label>; false after
 * reporting. */
static bool label_attrs(const yg_wxml_node *c, const yg_opt_ctx *ctx, const char **key,
                        bool *hidden)
{
	const char *hid = yg_wxml_attr_get(c, "hidden");
	*key = yg_wxml_attr_get(c, "key");
	*hidden = false;
	for (size_t i = 0; i < c->nattrs; i++)
		if (strcmp(c->attrs[i].name, "key") && strcmp(c->attrs[i].name, "hidden"))
			CWARN(ctx, c, "unknown attribute '%s'; ignored", c->attrs[i].name);
	if (!*key || !(*key)[0]) {
		yg_opt_bad(ctx, c,
		           *key ? "label with empty key" : "expected 'key' attribute for label");
		return false;
	}
	if (hid && !yg_opt_parse_bool(hid, hidden)) {
		yg_opt_bad(ctx, c,
		           "invalid value '%.64s' for attribute 'hidden' (expected yes or no)",
		           hid);
		return false;
	}
	return true;
}

/* One <label key="..." [hidden="yes|no"]>value</label>, Wazuh's checks
 * (labels-config.c) plus yagura's bounds. */
static yg_err parse_label(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	yg_agent_config *cfg = obj;
	const char *key;
	bool hidden;
	if (!label_attrs(c, ctx, &key, &hidden))
		return YG_EPARSE;
	if (key[0] == '_') {
		CWARN(ctx, c, "label keys starting with '_' are reserved; skipping '%s'", key);
		return YG_OK;
	}
	if (!valid_label_key(key)) {
		yg_opt_bad(ctx, c,
		           "invalid label key '%.64s' (at most %d bytes, no control characters, no "
		           "empty part between dots)",
		           key, YG_AGENT_LABEL_KEY_MAX);
		return YG_EPARSE;
	}
	if (!c->content[0])
		CWARN(ctx, c, "label '%s' is empty", key);
	if (!label_fits(cfg, key, c->content)) {
		yg_opt_bad(ctx, c,
		           "too many labels: at most %d, with %d bytes of keys and values in all",
		           YG_EVREC_MAX_LABELS, YG_AGENT_LABELS_BYTES_MAX);
		return YG_EPARSE;
	}
	return label_set(cfg, key, c->content, hidden);
}

static void print_labels(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_agent_config *cfg = obj;
	for (size_t i = 0; i < cfg->nlabels; i++) {
		fprintf(out, "    <%s key=\"", o->name);
		fputs(cfg->labels[i].key, out); /* as read: Wazuh's XML has no entities */
		fprintf(out, "\"%s>", cfg->labels[i].hidden ? " hidden=\"yes\"" : "");
		fputs(cfg->labels[i].value, out);
		fprintf(out, "</%s>\n", o->name);
	}
}

static const yg_opt labels_opts[] = {
        {"label", YG_OPT_CUSTOM, .parse = parse_label, .print = print_labels,
         .help = "key=\"K\" [hidden=\"yes\"]: added to every event (repeatable)"},
        {0},
};

/* ---- the blocks ---- */

static void *agent_block_create(void)
{
	yg_agent_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg && yg_agent_config_defaults(cfg)) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

static void agent_block_destroy(void *obj)
{
	if (obj)
		yg_agent_config_free(obj);
	free(obj);
}

#define BLOCK(var, name, opts, unknown_warns)                                                      \
	const yg_opt_block var = {name,                                                            \
	                          opts,                                                            \
	                          sizeof(yg_agent_config),                                         \
	                          unknown_warns,                                                   \
	                          agent_block_create,                                              \
	                          agent_block_destroy}
BLOCK(yg_agent_client_block, "client", client_opts, true);
BLOCK(yg_agent_buffer_block, "client_buffer", buffer_opts, true);
BLOCK(yg_agent_ar_block, "active-response", ar_opts, true);
BLOCK(yg_agent_labels_block, "labels", labels_opts, false);
#undef BLOCK

yg_err yg_agent_config_defaults(yg_agent_config *cfg)
{
	return yg_opt_defaults(&yg_agent_client_block, cfg) ||
	                       yg_opt_defaults(&yg_agent_buffer_block, cfg) ||
	                       yg_opt_defaults(&yg_agent_ar_block, cfg)
	               ? YG_ENOMEM
	               : YG_OK;
}

/* One block of <ossec_config>; YG_ENOMEM stops everything. */
static yg_err read_block(yg_agent_config *cfg, const yg_wxml_node *b, const char *path, yg_diag *d)
{
	if (!strcmp(b->name, "client"))
		return yg_opt_read(&yg_agent_client_block, cfg, b, path, d);
	if (!strcmp(b->name, "client_buffer")) {
		cfg->has_buffer = true;
		return yg_opt_read(&yg_agent_buffer_block, cfg, b, path, d);
	}
	if (!strcmp(b->name, "syscheck"))
		return yg_fim_config_read(cfg->fim, b, path, d);
	if (!strcmp(b->name, "localfile"))
		return yg_lc_config_add_localfile(cfg->lc, b, path, d);
	if (!strcmp(b->name, "active-response"))
		return yg_opt_read(&yg_agent_ar_block, cfg, b, path, d);
	if (!strcmp(b->name, "waf")) {
		if (!cfg->waf && !(cfg->waf = yg_waf_config_create()))
			return YG_ENOMEM;
		cfg->has_waf = true;
		return yg_waf_config_read(cfg->waf, b, path, d);
	}
	if (!strcmp(b->name, "yara")) {
		if (!cfg->yara && !(cfg->yara = yg_yarascan_config_create()))
			return YG_ENOMEM;
		cfg->has_yara = true;
		return yg_yarascan_config_add_yara(cfg->yara, b, path, d);
	}
	if (!strcmp(b->name, "labels"))
		return yg_opt_read(&yg_agent_labels_block, cfg, b, path, d);
	WARN(d, path, b, "block not supported by the agent; ignored");
	return YG_OK;
}

static yg_err read_file(yg_agent_config *cfg, const char *path, yg_diag *d)
{
	yg_wxml_doc *doc = NULL;
	/* Wazuh reads ossec.conf without <var> substitution */
	yg_err rc = yg_wxml_parse_file_ex(path, YG_WXML_NO_VARS, d, &doc);
	if (rc)
		return rc;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *root = yg_wxml_doc_root(doc, i);
		if (strcmp(root->name, "ossec_config") != 0) {
			WARN(d, path, root, "top-level element outside <ossec_config>; ignored");
			continue;
		}
		for (size_t j = 0; j < root->nchildren; j++) {
			yg_err r = read_block(cfg, root->children[j], path, d);
			if (r == YG_ENOMEM) {
				yg_wxml_doc_destroy(doc);
				return r;
			}
			if (r)
				rc = YG_EPARSE;
		}
	}
	yg_wxml_doc_destroy(doc);
	return rc;
}

yg_err yg_agent_config_read(yg_agent_config *cfg, const char *const *conf, size_t nconf,
                            yg_diag *diag)
{
	memset(cfg, 0, sizeof(*cfg));
	if (yg_agent_config_defaults(cfg))
		return YG_ENOMEM;
	cfg->fim = yg_fim_config_create();
	cfg->lc = yg_lc_config_create();
	if (!cfg->fim || !cfg->lc)
		return YG_ENOMEM;
	yg_err rc = YG_OK;
	for (size_t i = 0; i < nconf; i++) {
		yg_err r = read_file(cfg, conf[i], diag);
		if (r == YG_ENOMEM)
			return r;
		if (r)
			rc = YG_EPARSE;
	}
	const char *first = nconf ? conf[0] : NULL;
	if (!cfg->nservers) {
		yg_diag_add(diag, YG_SEV_ERROR, first, 0, "client",
		            "no manager address: <client><server><address> is required");
		rc = YG_EPARSE;
	}
	if (cfg->has_waf && !yg_waf_config_disabled(cfg->waf) &&
	    yg_waf_config_check(cfg->waf, first, diag))
		rc = YG_EPARSE;
	return rc;
}

void yg_agent_config_free(yg_agent_config *cfg)
{
	yg_fim_config_destroy(cfg->fim);
	yg_lc_config_destroy(cfg->lc);
	yg_waf_config_destroy(cfg->waf);
	yg_yarascan_config_destroy(cfg->yara);
	for (size_t i = 0; i < cfg->nlabels; i++) {
		free((char *)cfg->labels[i].key);
		free((char *)cfg->labels[i].value);
	}
	free(cfg->labels);
	memset(cfg, 0, sizeof(*cfg));
}
