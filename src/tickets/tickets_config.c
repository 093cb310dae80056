/* tickets_config.c: reading yagura's <tickets> block.
 *
 *   <tickets>
 *     <route><level>7</level><group>malware,ids,attack,attacks</group></route>
 *     <fold_window>86400</fold_window>
 *     <close_lifts_bans>yes</close_lifts_bans>
 *     <forward type="catalyst" url="http://..." token="..."/>
 *   </tickets>
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/yopt.h"
#include "tickets/tickets_int.h"

#define FOLD_WINDOW_MAX (366u * 86400u)

yg_tickets_config *yg_tickets_config_create(void)
{
	yg_tickets_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	if (yg_opt_defaults(&yg_tickets_block, cfg) != YG_OK) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

static void list_free(tk_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void route_free(tk_route *r)
{
	list_free(&r->groups);
	list_free(&r->rule_ids);
	list_free(&r->agent_ids);
}

void yg_tickets_config_destroy(yg_tickets_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nroutes; i++)
		route_free(&cfg->routes[i]);
	free(cfg->routes);
	for (size_t i = 0; i < cfg->nfwd; i++) {
		free(cfg->fwd[i].url);
		free(cfg->fwd[i].token);
	}
	free(cfg);
}

bool yg_tickets_config_enabled(const yg_tickets_config *cfg)
{
	return cfg->enabled;
}

size_t yg_tickets_config_nroutes(const yg_tickets_config *cfg)
{
	return cfg->nroutes;
}

unsigned yg_tickets_config_fold_window(const yg_tickets_config *cfg)
{
	return cfg->fold_window;
}

bool yg_tickets_config_close_lifts_bans(const yg_tickets_config *cfg)
{
	return cfg->close_lifts_bans;
}

size_t yg_tickets_config_nforwarders(const yg_tickets_config *cfg)
{
	return cfg->nfwd;
}

const tk_forward *yg_tk_config_forward(const yg_tickets_config *cfg, size_t i)
{
	return i < cfg->nfwd ? &cfg->fwd[i] : NULL;
}

bool yg_tk_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* ---- lists and <route> ---- */

/* Whether one list item is acceptable: rule and agent ids are digits
 * (agent ids may also hold letters, '-', '_'); groups are Wazuh group
 * names (no ',', no blanks, no control characters). */
static bool item_ok(const char *s, size_t n, const char *what)
{
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!strcmp(what, "rule_id")) {
			if (!isdigit(c))
				return false;
		} else if (!strcmp(what, "agent_id")) {
			if (!isalnum(c) && c != '-' && c != '_')
				return false;
		} else if (c <= 0x20 || c == 0x7f) {
			return false;
		}
	}
	return true;
}

/* Appends s[0..n) to l; YG_EPARSE after reporting when l is full. */
static yg_err list_add(tk_list *l, const char *s, size_t n, const yg_wxml_node *e,
                       const yg_opt_ctx *ctx)
{
	if (l->n >= TK_MAX_LIST) {
		yg_opt_bad(ctx, e, "more than %d values", TK_MAX_LIST);
		return YG_EPARSE;
	}
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return YG_ENOMEM;
	l->v = nv;
	if (!(l->v[l->n] = strndup(s, n)))
		return YG_ENOMEM;
	l->n++;
	return YG_OK;
}

/* Appends the comma-separated items of v to l (Wazuh's list style: blanks
 * around items and empty items, like the article's trailing comma, are
 * skipped). */
static yg_err read_list(tk_list *l, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	bool any = false;
	while (*v) {
		const char *comma = strchr(v, ',');
		size_t seg = comma ? (size_t)(comma - v) : strlen(v);
		const char *s = v;
		size_t n = seg;
		while (n > 0 && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		v += seg + (comma ? 1 : 0);
		if (n == 0)
			continue;
		if (!item_ok(s, n, e->name)) {
			yg_opt_bad(ctx, e, "invalid value '%.*s'", (int)(n > 200 ? 200 : n), s);
			return YG_EPARSE;
		}
		yg_err err = list_add(l, s, n, e, ctx);
		if (err)
			return err;
		any = true;
	}
	if (!any) {
		yg_opt_bad(ctx, e, "empty value");
		return YG_EPARSE;
	}
	return YG_OK;
}

static yg_err parse_groups(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return read_list(&((tk_route *)obj)->groups, v, e, ctx);
}

static yg_err parse_rule_ids(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	return read_list(&((tk_route *)obj)->rule_ids, v, e, ctx);
}

static yg_err parse_agent_ids(void *obj, const char *v, const yg_wxml_node *e,
                              const yg_opt_ctx *ctx)
{
	return read_list(&((tk_route *)obj)->agent_ids, v, e, ctx);
}

static const yg_opt route_opts[] = {
        {"level", YG_OPT_UINT, YG_OPT_AT(tk_route, level), 0, 16,
         .help = "alerts of this level or higher"},
        {"group", YG_OPT_CUSTOM, .parse = parse_groups,
         .help = "alerts with any of these groups (comma-separated)"},
        {"rule_id", YG_OPT_CUSTOM, .parse = parse_rule_ids,
         .help = "alerts of these rules (comma-separated)"},
        {"agent_id", YG_OPT_CUSTOM, .parse = parse_agent_ids,
         .help = "alerts of these agents (comma-separated)"},
        {0},
};
static const yg_opt_block route_block = {
        .name = "route", .opts = route_opts, .obj_size = sizeof(tk_route)};

/* <route>: a sub-block of criteria; added whole or not at all. */
static yg_err parse_route(void *obj, const char *v, const yg_wxml_node *n, const yg_opt_ctx *ctx)
{
	yg_tickets_config *cfg = obj;
	tk_route r = {.line = n->line};
	(void)v;
	for (size_t i = 0; i < n->nattrs; i++)
		yg_diag_add(ctx->diag, YG_SEV_WARNING, ctx->file, n->line, "route",
		            "unknown attribute '%s': ignored", n->attrs[i].name);
	yg_err rc = yg_opt_read(&route_block, &r, n, ctx->file, ctx->diag);
	if (rc == YG_OK && n->nchildren == 0)
		yg_diag_add(ctx->diag, YG_SEV_WARNING, ctx->file, n->line, "route",
		            "a route without criteria matches every alert");
	if (rc == YG_OK && cfg->nroutes >= TK_MAX_ROUTES) {
		yg_opt_bad(ctx, n, "more than %d routes", TK_MAX_ROUTES);
		rc = YG_EPARSE;
	}
	if (rc == YG_OK) {
		tk_route *nr = realloc(cfg->routes, (cfg->nroutes + 1) * sizeof(*nr));
		if (nr) {
			cfg->routes = nr;
			cfg->routes[cfg->nroutes++] = r;
			return YG_OK;
		}
		rc = YG_ENOMEM;
	}
	/* a route with a bad criterion is dropped whole: half of it would
	 * match more than was asked for */
	route_free(&r);
	return rc;
}

/* ---- <forward> ---- */

static bool url_ok(const char *u)
{
	size_t n = strlen(u);
	const char *rest;
	if (!strncmp(u, "http://", 7))
		rest = u + 7;
	else if (!strncmp(u, "https://", 8))
		rest = u + 8;
	else
		return false;
	if (!*rest || *rest == '/' || n > TK_MAX_VALUE)
		return false;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static bool token_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TK_MAX_VALUE)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* <forward type=".." url=".." token=".."/>: a ticket system to copy to. */
static yg_err parse_forward(void *obj, const char *v, const yg_wxml_node *n, const yg_opt_ctx *ctx)
{
	yg_tickets_config *cfg = obj;
	const char *file = ctx->file;
	yg_diag *diag = ctx->diag;
	(void)v;
	const char *type = yg_wxml_attr_get(n, "type");
	const char *url = yg_wxml_attr_get(n, "url");
	const char *token = yg_wxml_attr_get(n, "token");
	tk_fwd_type ft;
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *an = n->attrs[i].name;
		if (strcmp(an, "type") && strcmp(an, "url") && strcmp(an, "token"))
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "forward",
			            "unknown attribute '%s': ignored", an);
	}
	if (n->nchildren > 0)
		yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "forward",
		            "child elements ignored (use attributes)");
	if (type && !strcmp(type, "catalyst")) {
		ft = TK_FWD_CATALYST;
	} else if (type && !strcmp(type, "thehive")) {
		ft = TK_FWD_THEHIVE;
	} else {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "forward",
		            "type must be \"catalyst\" or \"thehive\"");
		return YG_EPARSE;
	}
	if (!url || !url_ok(url)) {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "forward",
		            "url must be an http:// or https:// URL without blanks");
		return YG_EPARSE;
	}
	if (!token || !token_ok(token)) {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "forward",
		            "token must be non-empty printable ASCII without blanks");
		return YG_EPARSE;
	}
	if (cfg->nfwd >= TK_MAX_FORWARD) {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "forward", "more than %d forwarders",
		            TK_MAX_FORWARD);
		return YG_EPARSE;
	}
	size_t ul = strlen(url);
	while (ul > 0 && url[ul - 1] == '/')
		ul--;
	tk_forward f = {.type = ft, .url = strndup(url, ul), .token = strdup(token)};
	if (!f.url || !f.token) {
		free(f.url);
		free(f.token);
		return YG_ENOMEM;
	}
	cfg->fwd[cfg->nfwd++] = f;
	return YG_OK;
}

/* ---- <tickets> ---- */

#define C yg_tickets_config
static const yg_opt tickets_opts[] = {
        {"enabled", YG_OPT_BOOL, YG_OPT_AT(C, enabled), .def = "yes",
         .help = "open tickets for routed alerts"},
        {"close_lifts_bans", YG_OPT_BOOL, YG_OPT_AT(C, close_lifts_bans), .def = "no",
         .help = "closing a ticket lifts the bans it holds"},
        {"fold_window", YG_OPT_SECONDS, YG_OPT_AT(C, fold_window), 0, FOLD_WINDOW_MAX, "86400",
         .help = "repeats within this time fold into the open ticket"},
        {"route", YG_OPT_CUSTOM, .parse = parse_route,
         .help = "which alerts open tickets (repeatable)"},
        {"forward", YG_OPT_CUSTOM, .parse = parse_forward,
         .help = "copy tickets to Catalyst or TheHive (attributes type, url, token)"},
        {0},
};
#undef C

static void *block_create(void)
{
	return yg_tickets_config_create();
}

static void block_destroy(void *obj)
{
	yg_tickets_config_destroy(obj);
}

const yg_opt_block yg_tickets_block = {"tickets", tickets_opts, sizeof(yg_tickets_config),
                                       false,     block_create, block_destroy};

yg_err yg_tickets_config_add_tickets(yg_tickets_config *cfg, const yg_wxml_node *node,
                                     const char *file, yg_diag *diag)
{
	if (!cfg || !node)
		return YG_EINVAL;
	yg_err rc = yg_opt_read(&yg_tickets_block, cfg, node, file, diag);
	if (rc == YG_ENOMEM)
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name, "out of memory");
	return rc;
}

void yg_tickets_config_print(const yg_tickets_config *cfg, FILE *out)
{
	yg_opt_print(&yg_tickets_block, cfg, 2, out);
}
