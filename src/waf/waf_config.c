/* waf_config.c: reading yagura's <waf> block (see waf.h). */
#include <stdlib.h>
#include <string.h>

#include "waf/waf.h"

#define ARGV_MAX 64
#define WAZUH_REPEATED_MAX 5 /* Wazuh accepts at most 5 repeated_offenders */

struct yg_waf_config {
	bool disabled;
	char *ban_file;
	char *ledger;
	char **reload_argv, **verify_argv;
	int command_timeout_ms;
	yg_waf_allow *allow;
	yg_waf_policy policy;
	bool nftables;
	char *nft_family, *nft_table, *nft_set;
};

static void argv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

yg_waf_config *yg_waf_config_create(void)
{
	yg_waf_config *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->allow = yg_waf_allow_create();
	c->nft_family = strdup("inet");
	c->nft_table = strdup("yagura");
	c->nft_set = strdup("banned");
	if (!c->allow || !c->nft_family || !c->nft_table || !c->nft_set) {
		yg_waf_config_destroy(c);
		return NULL;
	}
	c->command_timeout_ms = 10000;
	c->policy.default_timeout = 600;
	c->policy.repeated_window = 86400;
	return c;
}

void yg_waf_config_destroy(yg_waf_config *c)
{
	if (!c)
		return;
	free(c->ban_file);
	free(c->ledger);
	argv_free(c->reload_argv);
	argv_free(c->verify_argv);
	yg_waf_allow_destroy(c->allow);
	free(c->nft_family);
	free(c->nft_table);
	free(c->nft_set);
	free(c);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Plain decimal in [0, max]; false otherwise. */
static bool parse_num(const char *s, long long max, long long *out)
{
	long long v = 0;
	while (is_blank(*s))
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
	}
	while (is_blank(*s))
		s++;
	if (*s)
		return false;
	*out = v;
	return true;
}

/* A copy of s without surrounding blanks; NULL on ENOMEM. */
static char *trim_dup(const char *s)
{
	size_t n;
	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	return strndup(s, n);
}

/* Splits text on blanks into a new argv (no quoting, no shell). */
static yg_err split_words(const char *s, char ***out, size_t *n)
{
	char **v = calloc(ARGV_MAX + 1, sizeof(*v));
	size_t k = 0;
	if (!v)
		return YG_ENOMEM;
	while (*s) {
		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && !is_blank(*e))
			e++;
		if (k == ARGV_MAX) {
			argv_free(v);
			return YG_ELIMIT;
		}
		v[k] = strndup(s, (size_t)(e - s));
		if (!v[k++]) {
			argv_free(v);
			return YG_ENOMEM;
		}
		s = e;
	}
	*out = v;
	*n = k;
	return YG_OK;
}

/* Reads a command: either words in the text, or <arg> children (one argument
 * each, taken verbatim, so an argument may hold blanks). */
static yg_err read_command(const yg_wxml_node *n, const char *file, yg_diag *d, char ***dst)
{
	char **v = NULL;
	size_t k = 0;
	yg_err e;
	if (n->nchildren == 0) {
		e = split_words(n->content, &v, &k);
	} else {
		v = calloc(ARGV_MAX + 1, sizeof(*v));
		e = v ? YG_OK : YG_ENOMEM;
		for (size_t i = 0; !e && i < n->nchildren; i++) {
			const yg_wxml_node *c = n->children[i];
			if (strcmp(c->name, "arg") != 0) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, n->name,
				            "unknown element <%s> (only <arg>)", c->name);
				e = YG_EPARSE;
			} else if (k == ARGV_MAX) {
				e = YG_ELIMIT;
			} else if (!(v[k++] = strdup(c->content))) {
				e = YG_ENOMEM;
			}
		}
	}
	if (e == YG_ELIMIT)
		yg_diag_add(d, YG_SEV_ERROR, file, n->line, n->name, "more than %d arguments",
		            ARGV_MAX);
	if (!e && k == 0) {
		argv_free(v);
		argv_free(*dst); /* an empty element turns the command off */
		*dst = NULL;
		return YG_OK;
	}
	if (e) {
		argv_free(v);
		return e == YG_ENOMEM ? e : YG_EPARSE;
	}
	argv_free(*dst);
	*dst = v;
	return YG_OK;
}

/* "30,60,120": minutes, positive, at most Wazuh's 5 entries. */
static bool parse_repeated(const char *s, yg_waf_policy *p)
{
	yg_waf_policy r = *p;
	char part[32];
	r.nrepeated = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		long long v;
		if (len >= sizeof(part) || r.nrepeated == WAZUH_REPEATED_MAX)
			return false;
		memcpy(part, s, len);
		part[len] = '\0';
		if (!parse_num(part, 5256000 /* ten years */, &v) || v == 0)
			return false;
		r.repeated[r.nrepeated++] = (unsigned)v;
		s += len + (comma ? 1 : 0);
		if (comma && !*s)
			return false;
	}
	if (r.nrepeated == 0)
		return false;
	*p = r;
	return true;
}

/* Replaces *dst by a trimmed copy of s. */
static yg_err set_str(char **dst, const char *s)
{
	char *v = trim_dup(s);
	if (!v)
		return YG_ENOMEM;
	free(*dst);
	*dst = v;
	return YG_OK;
}

/* <nftables set="FAMILY TABLE SET">yes|no</nftables> */
static bool read_nftables(yg_waf_config *c, const yg_wxml_node *n)
{
	const char *set = yg_wxml_attr_get(n, "set");
	char **w = NULL;
	size_t k = 0;
	char *t = trim_dup(n->content);
	bool yes, ok = t && (strcmp(t, "yes") == 0 || strcmp(t, "no") == 0);
	yes = ok && strcmp(t, "yes") == 0;
	free(t);
	if (!ok)
		return false;
	if (set) {
		if (split_words(set, &w, &k) != YG_OK || k != 3) {
			argv_free(w);
			return false;
		}
		for (size_t i = 0; i < 3; i++)
			for (const char *p = w[i]; *p; p++)
				if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-') ||
				    strlen(w[i]) > 64) {
					argv_free(w);
					return false;
				}
		free(c->nft_family);
		free(c->nft_table);
		free(c->nft_set);
		c->nft_family = w[0];
		c->nft_table = w[1];
		c->nft_set = w[2];
		free(w);
	}
	c->nftables = yes;
	return true;
}

yg_err yg_waf_config_read(yg_waf_config *c, const yg_wxml_node *waf, const char *file, yg_diag *d)
{
	bool bad = false;
	for (size_t i = 0; i < waf->nchildren; i++) {
		const yg_wxml_node *n = waf->children[i];
		const char *v = n->content;
		long long num;
		yg_err e = YG_OK;
		bool ok = true;
		if (strcmp(n->name, "disabled") == 0) {
			char *t = trim_dup(v);
			ok = t && (strcmp(t, "yes") == 0 || strcmp(t, "no") == 0);
			if (ok)
				c->disabled = strcmp(t, "yes") == 0;
			free(t);
		} else if (strcmp(n->name, "ban_file") == 0 || strcmp(n->name, "ledger") == 0) {
			char *t = trim_dup(v);
			ok = t && t[0] == '/' && strlen(t) < 4000;
			if (ok)
				e = set_str(strcmp(n->name, "ledger") == 0 ? &c->ledger
				                                           : &c->ban_file,
				            t);
			free(t);
		} else if (strcmp(n->name, "reload_command") == 0) {
			e = read_command(n, file, d, &c->reload_argv);
			bad |= e == YG_EPARSE;
			if (e == YG_ENOMEM)
				return e;
			continue;
		} else if (strcmp(n->name, "verify_command") == 0) {
			e = read_command(n, file, d, &c->verify_argv);
			bad |= e == YG_EPARSE;
			if (e == YG_ENOMEM)
				return e;
			continue;
		} else if (strcmp(n->name, "command_timeout") == 0) {
			ok = parse_num(v, 3600, &num) && num > 0;
			if (ok)
				c->command_timeout_ms = (int)num * 1000;
		} else if (strcmp(n->name, "allow") == 0) {
			char *t = trim_dup(v);
			e = t ? yg_waf_allow_add(c->allow, t) : YG_ENOMEM;
			free(t);
			ok = e != YG_EINVAL;
			if (e == YG_EINVAL)
				e = YG_OK;
		} else if (strcmp(n->name, "default_timeout") == 0) {
			ok = parse_num(v, 315360000, &num);
			if (ok)
				c->policy.default_timeout = num;
		} else if (strcmp(n->name, "repeated_offenders") == 0) {
			ok = parse_repeated(v, &c->policy);
		} else if (strcmp(n->name, "repeated_window") == 0) {
			ok = parse_num(v, 315360000, &num);
			if (ok)
				c->policy.repeated_window = num;
		} else if (strcmp(n->name, "nftables") == 0) {
			ok = read_nftables(c, n);
		} else {
			yg_diag_add(d, YG_SEV_ERROR, file, n->line, n->name,
			            "unknown option in <%s>", waf->name);
			bad = true;
			continue;
		}
		if (e == YG_ENOMEM)
			return e;
		if (!ok || e) {
			yg_diag_add(d, YG_SEV_ERROR, file, n->line, n->name,
			            "invalid value '%.80s'", v);
			bad = true;
		}
	}
	return bad ? YG_EPARSE : YG_OK;
}

yg_err yg_waf_config_check(const yg_waf_config *c, const char *file, yg_diag *d)
{
	if (c->disabled || c->ban_file)
		return YG_OK;
	yg_diag_add(d, YG_SEV_ERROR, file, 0, "waf", "<ban_file> is required");
	return YG_EPARSE;
}

bool yg_waf_config_disabled(const yg_waf_config *c)
{
	return c->disabled;
}

const char *yg_waf_config_ban_file(const yg_waf_config *c)
{
	return c->ban_file;
}

const char *yg_waf_config_ledger(const yg_waf_config *c)
{
	return c->ledger;
}

const yg_waf_allow *yg_waf_config_allow(const yg_waf_config *c)
{
	return c->allow;
}

void yg_waf_config_policy(const yg_waf_config *c, yg_waf_policy *out)
{
	*out = c->policy;
}

void yg_waf_config_action_opts(const yg_waf_config *c, yg_waf_action_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ban_file = c->ban_file;
	o->reload_argv = (const char *const *)c->reload_argv;
	o->verify_argv = (const char *const *)c->verify_argv;
	o->command_timeout_ms = c->command_timeout_ms;
	o->allow = c->allow;
	o->nftables = c->nftables;
	o->nft_family = c->nft_family;
	o->nft_table = c->nft_table;
	o->nft_set = c->nft_set;
}
