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

#include "tickets/tickets_int.h"

#define FOLD_WINDOW_MAX (366u * 86400u)

yg_tickets_config *yg_tickets_config_create(void)
{
	yg_tickets_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->enabled = true;
	cfg->fold_window = 86400;
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

const tk_forward *tk_config_forward(const yg_tickets_config *cfg, size_t i)
{
	return i < cfg->nfwd ? &cfg->fwd[i] : NULL;
}

bool tk_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* ---- small parsers ---- */

/* The content of e without surrounding blanks, as [*s, *s + *len). */
static void trimmed(const char *c, const char **s, size_t *len)
{
	size_t n = strlen(c);
	while (n > 0 && isspace((unsigned char)*c)) {
		c++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)c[n - 1]))
		n--;
	*s = c;
	*len = n;
}

/* A decimal number up to max, with an optional s/m/h/d unit when `units`.
 * False when malformed or too big. */
static bool parse_num(const char *s, size_t len, bool units, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	if (len > 0 && units) {
		switch (s[len - 1]) {
		case 's': len--; break;
		case 'm':
			mult = 60;
			len--;
			break;
		case 'h':
			mult = 3600;
			len--;
			break;
		case 'd':
			mult = 86400;
			len--;
			break;
		default: break;
		}
	}
	if (len == 0 || len > 12)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max / mult)
		return false;
	*out = v * mult;
	return true;
}

static bool read_yesno(const yg_wxml_node *e, const char *file, yg_diag *diag, bool *out)
{
	const char *s;
	size_t n;
	trimmed(e->content, &s, &n);
	if (n == 3 && !memcmp(s, "yes", 3)) {
		*out = true;
		return true;
	}
	if (n == 2 && !memcmp(s, "no", 2)) {
		*out = false;
		return true;
	}
	yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
	            "invalid value '%s' (expected yes or no)", e->content);
	return false;
}

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

/* Appends the comma-separated items of e's content to l (Wazuh's list
 * style: blanks around items and empty items, like the article's trailing
 * comma, are skipped). */
static yg_err read_list(tk_list *l, const yg_wxml_node *e, const char *file, yg_diag *diag)
{
	const char *p = e->content;
	bool any = false;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t seg = comma ? (size_t)(comma - p) : strlen(p);
		const char *s = p;
		size_t n = seg;
		while (n > 0 && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		p += seg + (comma ? 1 : 0);
		if (n == 0)
			continue;
		if (!item_ok(s, n, e->name)) {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "invalid value '%.*s'", (int)(n > 200 ? 200 : n), s);
			return YG_EPARSE;
		}
		if (l->n >= TK_MAX_LIST) {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "more than %d values", TK_MAX_LIST);
			return YG_EPARSE;
		}
		char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv)
			return YG_ENOMEM;
		l->v = nv;
		if (!(l->v[l->n] = strndup(s, n)))
			return YG_ENOMEM;
		l->n++;
		any = true;
	}
	if (!any) {
		yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name, "empty value");
		return YG_EPARSE;
	}
	return YG_OK;
}

/* ---- <route> ---- */

static yg_err read_route(yg_tickets_config *cfg, const yg_wxml_node *n, const char *file,
                         yg_diag *diag)
{
	tk_route r = {.line = n->line};
	yg_err rc = YG_OK;
	bool any = false;
	for (size_t i = 0; i < n->nattrs; i++)
		yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "route",
		            "unknown attribute '%s': ignored", n->attrs[i].name);
	for (size_t i = 0; i < n->nchildren && rc != YG_ENOMEM; i++) {
		const yg_wxml_node *e = n->children[i];
		yg_err r1 = YG_OK;
		if (!strcmp(e->name, "level")) {
			const char *s;
			size_t len;
			uint64_t v;
			trimmed(e->content, &s, &len);
			if (!parse_num(s, len, false, 16, &v)) {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
				            "invalid value '%s' (expected a level 0-16)",
				            e->content);
				r1 = YG_EPARSE;
			} else {
				r.level = (int)v;
			}
		} else if (!strcmp(e->name, "group")) {
			r1 = read_list(&r.groups, e, file, diag);
		} else if (!strcmp(e->name, "rule_id")) {
			r1 = read_list(&r.rule_ids, e, file, diag);
		} else if (!strcmp(e->name, "agent_id")) {
			r1 = read_list(&r.agent_ids, e, file, diag);
		} else {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "unknown element in <route>");
			r1 = YG_EPARSE;
		}
		if (r1)
			rc = r1;
		else
			any = true;
	}
	if (rc == YG_OK && !any)
		yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "route",
		            "a route without criteria matches every alert");
	if (rc == YG_OK && cfg->nroutes >= TK_MAX_ROUTES) {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "route", "more than %d routes",
		            TK_MAX_ROUTES);
		rc = YG_EPARSE;
	}
	if (rc == YG_OK) {
		tk_route *nr = realloc(cfg->routes, (cfg->nroutes + 1) * sizeof(*nr));
		if (!nr) {
			rc = YG_ENOMEM;
		} else {
			cfg->routes = nr;
			cfg->routes[cfg->nroutes++] = r;
			return YG_OK;
		}
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

static yg_err read_forward(yg_tickets_config *cfg, const yg_wxml_node *n, const char *file,
                           yg_diag *diag)
{
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

yg_err yg_tickets_config_add_tickets(yg_tickets_config *cfg, const yg_wxml_node *node,
                                     const char *file, yg_diag *diag)
{
	if (!cfg || !node)
		return YG_EINVAL;
	yg_err rc = YG_OK;
	for (size_t i = 0; i < node->nchildren; i++) {
		const yg_wxml_node *e = node->children[i];
		const char *nm = e->name;
		yg_err r = YG_OK;
		bool b;
		if (!strcmp(nm, "route")) {
			r = read_route(cfg, e, file, diag);
		} else if (!strcmp(nm, "forward")) {
			r = read_forward(cfg, e, file, diag);
		} else if (!strcmp(nm, "enabled")) {
			if (read_yesno(e, file, diag, &b))
				cfg->enabled = b;
			else
				r = YG_EPARSE;
		} else if (!strcmp(nm, "close_lifts_bans")) {
			if (read_yesno(e, file, diag, &b))
				cfg->close_lifts_bans = b;
			else
				r = YG_EPARSE;
		} else if (!strcmp(nm, "fold_window")) {
			const char *s;
			size_t len;
			uint64_t v;
			trimmed(e->content, &s, &len);
			if (parse_num(s, len, true, FOLD_WINDOW_MAX, &v)) {
				cfg->fold_window = (unsigned)v;
			} else {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, nm,
				            "invalid value '%s' (expected seconds up to %u, or a"
				            " number with s/m/h/d)",
				            e->content, FOLD_WINDOW_MAX);
				r = YG_EPARSE;
			}
		} else {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, nm,
			            "unknown element in <tickets>");
			r = YG_EPARSE;
		}
		if (r == YG_ENOMEM) {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, nm, "out of memory");
			return r;
		}
		if (r)
			rc = r;
	}
	return rc;
}
