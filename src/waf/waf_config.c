/* waf_config.c: reading yagura's <waf> block (see waf.h). */
#include <stdlib.h>
#include <string.h>

#include "common/yopt.h"
#include "waf/waf.h"

#define ARGV_MAX 64
#define WAZUH_REPEATED_MAX 5 /* Wazuh accepts at most 5 repeated_offenders */

struct yg_waf_config {
	bool disabled;
	char *ban_file;
	char *ledger;
	char **reload_argv, **verify_argv;
	unsigned command_timeout_s;
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
	if (!c->allow || !c->nft_family || !c->nft_table || !c->nft_set ||
	    yg_opt_defaults(&yg_waf_block, c) != YG_OK) {
		yg_waf_config_destroy(c);
		return NULL;
	}
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
		uint64_t v;
		if (len >= sizeof(part) || r.nrepeated == WAZUH_REPEATED_MAX)
			return false;
		memcpy(part, s, len);
		part[len] = '\0';
		if (!yg_opt_parse_uint(part, 1, 5256000 /* ten years */, &v))
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

/* <nftables set="FAMILY TABLE SET">yes|no</nftables> */
static bool read_nftables(yg_waf_config *c, const char *v, const yg_wxml_node *n)
{
	const char *set = yg_wxml_attr_get(n, "set");
	char **w = NULL;
	size_t k = 0;
	bool yes;
	if (!yg_opt_parse_bool(v, &yes))
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

static yg_err parse_nftables(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	if (read_nftables(obj, v, e))
		return YG_OK;
	yg_opt_bad(ctx, e, "invalid value '%.80s' (yes or no, set=\"FAMILY TABLE SET\")", v);
	return YG_EPARSE;
}

static yg_err parse_reload(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	return read_command(e, ctx->file, ctx->diag, &((yg_waf_config *)obj)->reload_argv);
}

static yg_err parse_verify(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	return read_command(e, ctx->file, ctx->diag, &((yg_waf_config *)obj)->verify_argv);
}

static yg_err parse_allow(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_err err = yg_waf_allow_add(((yg_waf_config *)obj)->allow, v);
	if (err == YG_EINVAL) {
		yg_opt_bad(ctx, e, "invalid value '%.80s' (an IPv4 or IPv6 address or CIDR)", v);
		return YG_EPARSE;
	}
	return err;
}

static yg_err parse_repeated_opt(void *obj, const char *v, const yg_wxml_node *e,
                                 const yg_opt_ctx *ctx)
{
	if (parse_repeated(v, &((yg_waf_config *)obj)->policy))
		return YG_OK;
	yg_opt_bad(ctx, e, "invalid value '%.80s' (at most %d comma-separated minutes)", v,
	           WAZUH_REPEATED_MAX);
	return YG_EPARSE;
}

/* ---- printing (`-t --print`) ---- */

static void print_argv(char *const *argv, const char *name, FILE *out)
{
	if (!argv)
		return;
	fprintf(out, "    <%s>", name);
	for (size_t i = 0; argv[i]; i++)
		fprintf(out, "<arg>%s</arg>", argv[i]);
	fprintf(out, "</%s>\n", name);
}

static void print_reload(const void *obj, const yg_opt *o, FILE *out)
{
	print_argv(((const yg_waf_config *)obj)->reload_argv, o->name, out);
}

static void print_verify(const void *obj, const yg_opt *o, FILE *out)
{
	print_argv(((const yg_waf_config *)obj)->verify_argv, o->name, out);
}

static void print_repeated(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_waf_policy *p = &((const yg_waf_config *)obj)->policy;
	if (!p->nrepeated)
		return;
	fprintf(out, "    <%s>", o->name);
	for (size_t i = 0; i < p->nrepeated; i++)
		fprintf(out, "%s%u", i ? "," : "", p->repeated[i]);
	fprintf(out, "</%s>\n", o->name);
}

static void print_nftables(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_waf_config *c = obj;
	fprintf(out, "    <%s", o->name);
	if (c->nft_set)
		fprintf(out, " set=\"%s %s %s\"", c->nft_family, c->nft_table, c->nft_set);
	fprintf(out, ">%s</%s>\n", c->nftables ? "yes" : "no", o->name);
}

#define C yg_waf_config
static const yg_opt waf_opts[] = {
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(C, disabled), .def = "no"},
        {"ban_file", YG_OPT_PATH, YG_OPT_AT(C, ban_file),
         .help = "the file of banned addresses the WAF reads (required)"},
        {"ledger", YG_OPT_PATH, YG_OPT_AT(C, ledger), .help = "the ban ledger's database"},
        {"reload_command", YG_OPT_CUSTOM, .parse = parse_reload, .print = print_reload,
         .help = "makes the WAF read the ban file again (words, or <arg> elements)"},
        {"verify_command", YG_OPT_CUSTOM, .parse = parse_verify, .print = print_verify,
         .help = "checks the WAF's configuration before a reload"},
        {"command_timeout", YG_OPT_SECONDS, YG_OPT_AT(C, command_timeout_s), 1, 3600, "10",
         .help = "the longest the verify or reload command may take"},
        {"allow", YG_OPT_CUSTOM, .parse = parse_allow,
         .help = "an address or network that is never banned (repeatable)"},
        {"default_timeout", YG_OPT_SECONDS, YG_OPT_AT(C, policy.default_timeout), 0, 315360000,
         "600", .help = "how long a first ban lasts; 0 = permanent"},
        {"repeated_offenders", YG_OPT_CUSTOM, .parse = parse_repeated_opt, .print = print_repeated,
         .help = "minutes of the 2nd, 3rd... ban of an address (Wazuh's)"},
        {"repeated_window", YG_OPT_SECONDS, YG_OPT_AT(C, policy.repeated_window), 0, 315360000,
         "86400", .help = "offences older than this are forgotten; 0 = never"},
        {"nftables", YG_OPT_CUSTOM, .parse = parse_nftables, .print = print_nftables,
         .help = "mirror the bans into an nftables set"},
        {0},
};
#undef C

static void *block_create(void)
{
	return yg_waf_config_create();
}

static void block_destroy(void *obj)
{
	yg_waf_config_destroy(obj);
}

const yg_opt_block yg_waf_block = {"waf", waf_opts,     sizeof(yg_waf_config),
                                   false, block_create, block_destroy};

yg_err yg_waf_config_read(yg_waf_config *c, const yg_wxml_node *waf, const char *file, yg_diag *d)
{
	return yg_opt_read(&yg_waf_block, c, waf, file, d);
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
	o->command_timeout_ms = (int)c->command_timeout_s * 1000;
	o->allow = c->allow;
	o->nftables = c->nftables;
	o->nft_family = c->nft_family;
	o->nft_table = c->nft_table;
	o->nft_set = c->nft_set;
}

void yg_waf_config_print(const yg_waf_config *cfg, FILE *out)
{
	yg_opt_print(&yg_waf_block, cfg, 2, out);
}
