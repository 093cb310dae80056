/* ar_config.c: reading <command>, <active-response> and <white_list>.
 *
 * Option names, checks and messages follow Wazuh 4.x's
 * config/active-response.c and config/global-config.c; where yagura is
 * stricter (numbers that Wazuh reads with atoi) the message says why. */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar/ar_int.h"
#include "common/yopt.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define AR_MAX_TIMEOUT (10u * 365 * 24 * 3600) /* ten years, in seconds */

yg_ar_config *yg_ar_config_create(void)
{
	return calloc(1, sizeof(yg_ar_config));
}

static void command_free(ar_command *c)
{
	free(c->name);
	free(c->executable);
	free(c->extra_args);
}

static void response_free(ar_response *r)
{
	free(r->name);
	free(r->command);
	free(r->agent_id);
	free(r->target_id);
	free(r->rules_id);
	free(r->ids);
	free(r->rules_group);
	yg_osregex_destroy(r->group_re);
	free(r->file);
}

void yg_ar_config_destroy(yg_ar_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ncmds; i++)
		command_free(&cfg->cmds[i]);
	free(cfg->cmds);
	for (size_t i = 0; i < cfg->nresps; i++)
		response_free(&cfg->resps[i]);
	free(cfg->resps);
	for (size_t i = 0; i < cfg->nwhite; i++) {
		yg_osmatch_destroy(cfg->white[i].host);
		free(cfg->white[i].raw);
	}
	free(cfg->white);
	free(cfg);
}

/* ---- small parsers ---- */

/* A copy of s without leading/trailing blanks; NULL on ENOMEM. */
static char *trim_dup(const char *s)
{
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

/* atoi's reading of the leading digits of s (after blanks), clamped to
 * LONG_MAX; 0 when there are none. */
static long leading_number(const char *s)
{
	long v = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LONG_MAX - 9) / 10)
			return LONG_MAX;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Wazuh's reading of rules_id: blanks and repeated commas are skipped, a
 * digit run is one id (text after it up to the next comma is ignored), any
 * other character ends the list. Returns YG_ENOMEM or YG_ELIMIT. */
static yg_err parse_rules_id(const char *s, long **ids, size_t *nids)
{
	while (*s) {
		if (*s == ' ' || *s == ',') {
			s++;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			break;
		if (*nids >= AR_MAX_RULE_IDS)
			return YG_ELIMIT;
		long *n = realloc(*ids, (*nids + 1) * sizeof(*n));
		if (!n)
			return YG_ENOMEM;
		*ids = n;
		n[(*nids)++] = leading_number(s);
		s = strchr(s, ',');
		if (!s)
			break;
		s++;
	}
	return YG_OK;
}

/* True when the location text matches Wazuh's OS_Regex `pattern`. */
static bool loc_match(const char *pattern, const char *loc)
{
	yg_osregex *re = NULL;
	char err[64];
	if (yg_osregex_compile(pattern, &re, err, sizeof(err)))
		return false;
	bool m = yg_osregex_exec(re, loc, NULL, 0, NULL, NULL);
	yg_osregex_destroy(re);
	return m;
}

/* ---- <command>: an option table over ar_command ---- */

static yg_err parse_cmd_name(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	ar_command *c = obj;
	if (!*v || v[0] == '!') {
		yg_opt_bad(ctx, e,
		           "invalid value '%.64s' (a command name must not be empty or start "
		           "with '!')",
		           v);
		return YG_EPARSE;
	}
	char *copy = strdup(v);
	if (!copy)
		return YG_ENOMEM;
	free(c->name);
	c->name = copy;
	return YG_OK;
}

static void print_cmd_name(const void *obj, const yg_opt *o, FILE *out)
{
	const ar_command *c = obj;
	if (c->name)
		fprintf(out, "    <%s>%s</%s>\n", o->name, c->name, o->name);
}

/* <extra_args>: kept as written, empty included (Wazuh tells an empty one
 * from none). */
static yg_err parse_extra_args(void *obj, const char *v, const yg_wxml_node *e,
                               const yg_opt_ctx *ctx)
{
	(void)e;
	(void)ctx;
	ar_command *c = obj;
	char *copy = strdup(v);
	if (!copy)
		return YG_ENOMEM;
	free(c->extra_args);
	c->extra_args = copy;
	return YG_OK;
}

static void print_extra_args(const void *obj, const yg_opt *o, FILE *out)
{
	const ar_command *c = obj;
	if (c->extra_args)
		fprintf(out, "    <%s>%s</%s>\n", o->name, c->extra_args, o->name);
}

#define C ar_command
static const yg_opt command_opts[] = {
        {"name", YG_OPT_CUSTOM, .parse = parse_cmd_name, .print = print_cmd_name,
         .help = "the name <active-response> refers to (required)"},
        {"executable", YG_OPT_STRING, YG_OPT_AT(C, executable),
         .help = "the script in active-response/bin (required)"},
        {"extra_args", YG_OPT_CUSTOM, .parse = parse_extra_args, .print = print_extra_args,
         .help = "arguments passed to the script"},
        {"timeout_allowed", YG_OPT_BOOL, YG_OPT_AT(C, timeout_allowed), .def = "no",
         .help = "the command can be undone after <timeout>"},
        {"expect", YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED,
         .help = "deprecated since Wazuh 4.2.0: ignored (the whole alert is sent to the "
                 "script)"},
        {0},
};
#undef C

static void *command_create(void)
{
	ar_command *c = calloc(1, sizeof(*c));
	if (c && yg_opt_defaults(&yg_ar_command_block, c)) {
		free(c);
		return NULL;
	}
	return c;
}

static void command_destroy(void *obj)
{
	if (obj)
		command_free(obj);
	free(obj);
}

const yg_opt_block yg_ar_command_block = {"command", command_opts,   sizeof(ar_command),
                                          false,     command_create, command_destroy};

yg_err yg_ar_config_add_command(yg_ar_config *cfg, const yg_wxml_node *node, const char *file,
                                yg_diag *diag)
{
	ar_command c = {0};
	yg_err rc = yg_opt_defaults(&yg_ar_command_block, &c);
	if (!rc)
		rc = yg_opt_read(&yg_ar_command_block, &c, node, file, diag);
	if (rc == YG_OK && (!c.name || !c.executable)) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
		            "<name> and <executable> are required");
		rc = YG_EPARSE;
	}
	if (rc == YG_OK && cfg->ncmds >= AR_MAX_COMMANDS) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
		            "more than %d commands", AR_MAX_COMMANDS);
		rc = YG_EPARSE;
	}
	ar_command *n = rc ? NULL : realloc(cfg->cmds, (cfg->ncmds + 1) * sizeof(*n));
	if (!n) {
		command_free(&c);
		return rc ? rc : YG_ENOMEM;
	}
	cfg->cmds = n;
	n[cfg->ncmds++] = c;
	return YG_OK;
}

/* ---- <active-response>: an option table over ar_block ---- */

/* One <active-response> as read, before its checks. */
typedef struct ar_block {
	ar_response r;
	char *location;
	bool disabled;
	const yg_wxml_node *repeated; /* read after the others, unless disabled */
} ar_block;

static void ar_block_free(ar_block *b)
{
	response_free(&b->r);
	free(b->location);
}

/* Reads <repeated_offenders>: comma-separated minutes, each > 0. */
static yg_err read_repeated(yg_ar_config *cfg, const yg_wxml_node *e, const char *file,
                            yg_diag *diag)
{
	unsigned vals[YG_AR_MAX_REPEATED];
	size_t n = 0;
	char *list = trim_dup(e->content), *save = NULL;
	if (!list)
		return YG_ENOMEM;
	yg_err rc = YG_OK;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *one = trim_dup(t);
		uint64_t v;
		if (!one) {
			rc = YG_ENOMEM;
			break;
		}
		bool ok = !*one || yg_opt_parse_uint(one, 1, 10u * 365 * 24 * 60, &v);
		if (!ok)
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "invalid value '%.64s' (expected minutes > 0, comma-separated)",
			            one);
		bool empty = !*one;
		free(one);
		if (!ok) {
			rc = YG_EPARSE;
			break;
		}
		if (empty)
			continue;
		if (n == YG_AR_MAX_REPEATED) {
			yg_diag_add(diag, YG_SEV_WARNING, file, e->line, e->name,
			            "more than %d values: the rest are ignored",
			            YG_AR_MAX_REPEATED);
			break;
		}
		vals[n++] = (unsigned)v;
	}
	free(list);
	if (rc)
		return rc;
	if (n == 0) {
		yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name, "no value given");
		return YG_EPARSE;
	}
	if (cfg->repeated_set) {
		yg_diag_add(diag, YG_SEV_WARNING, file, e->line, e->name,
		            "repeated_offenders already set: only the first one is used");
		return YG_OK;
	}
	memcpy(cfg->repeated, vals, n * sizeof(vals[0]));
	cfg->nrepeated = n;
	cfg->repeated_set = true;
	return YG_OK;
}

static yg_err set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = strdup(v);
	return *slot ? YG_OK : YG_ENOMEM;
}

static yg_err parse_group(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	ar_response *r = &((ar_block *)obj)->r;
	char err[128] = "empty pattern";
	yg_osregex_destroy(r->group_re);
	r->group_re = NULL;
	yg_err rc = set_str(&r->rules_group, v);
	if (rc == YG_OK && (!*v || yg_osregex_compile(v, &r->group_re, err, sizeof(err)))) {
		yg_opt_bad(ctx, e, "invalid pattern '%.200s': %s", v, err);
		rc = YG_EPARSE;
	}
	return rc;
}

static void print_group(const void *obj, const yg_opt *o, FILE *out)
{
	const ar_block *b = obj;
	if (b->r.rules_group)
		fprintf(out, "    <%s>%s</%s>\n", o->name, b->r.rules_group, o->name);
}

static yg_err parse_repeated(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	(void)ctx;
	((ar_block *)obj)->repeated = e;
	return YG_OK;
}

#define B ar_block
static const yg_opt response_opts[] = {
        {"command", YG_OPT_STRING, YG_OPT_AT(B, r.command), .flags = YG_OPT_EMPTY_OK,
         .help = "the <command> to run (required)"},
        {"location", YG_OPT_STRING, YG_OPT_AT(B, location), .flags = YG_OPT_EMPTY_OK,
         .help = "local, server, defined-agent or all (required)"},
        {"agent_id", YG_OPT_STRING, YG_OPT_AT(B, r.agent_id), .flags = YG_OPT_EMPTY_OK,
         .help = "the agent of location defined-agent"},
        {"rules_id", YG_OPT_STRING, YG_OPT_AT(B, r.rules_id), .flags = YG_OPT_EMPTY_OK,
         .help = "rule ids, comma-separated (Wazuh's reading)"},
        {"rules_group", YG_OPT_CUSTOM, .parse = parse_group, .print = print_group,
         .help = "an OS_Regex on the rule's groups"},
        {"level", YG_OPT_UINT, YG_OPT_AT(B, r.level), 0, 20, "0",
         .help = "alerts of at least this level"},
        {"timeout", YG_OPT_UINT, YG_OPT_AT(B, r.timeout), 0, AR_MAX_TIMEOUT, "0",
         .help = "seconds until the response is undone (plain seconds, as Wazuh)"},
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(B, disabled), .def = "no",
         .help = "the block is skipped"},
        {"repeated_offenders", YG_OPT_CUSTOM, .parse = parse_repeated,
         .help = "minutes, comma-separated: timeouts of repeated offenders"},
        {"ca_store", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER, .help = "Windows only in Wazuh"},
        {0},
};
#undef B

static void *response_create(void)
{
	ar_block *b = calloc(1, sizeof(*b));
	if (b && yg_opt_defaults(&yg_ar_response_block, b)) {
		free(b);
		return NULL;
	}
	return b;
}

static void response_destroy(void *obj)
{
	if (obj)
		ar_block_free(obj);
	free(obj);
}

const yg_opt_block yg_ar_response_block = {"active-response", response_opts,
                                           sizeof(ar_block),  false,
                                           response_create,   response_destroy};

/* defined-agent: <agent_id> as Wazuh's "%03d"; YG_OK with *skip set for
 * the manager's id 0. */
static yg_err resolve_agent(ar_response *r, const yg_wxml_node *node, const char *file,
                            yg_diag *diag, bool *skip)
{
	if (!r->agent_id) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "agent_id",
		            "location defined-agent needs <agent_id>");
		return YG_EPARSE;
	}
	long id = leading_number(r->agent_id);
	if (id == 0) {
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "agent_id",
		            "'%s' is the manager: use location server; response ignored",
		            r->agent_id);
		*skip = true;
		return YG_OK;
	}
	char buf[32];
	snprintf(buf, sizeof(buf), "%03ld", id);
	r->location |= YG_AR_LOC_DEFINED;
	return set_str(&r->target_id, buf);
}

/* Wazuh's <location>: OS_Regex tests, so "Local" and "analysis-server"
 * count. */
static yg_err resolve_location(ar_block *b, const yg_wxml_node *node, const char *file,
                               yg_diag *diag, bool *skip)
{
	ar_response *r = &b->r;
	if (loc_match("AS|analysisd|analysis-server|server", b->location))
		r->location |= YG_AR_LOC_SERVER;
	if (loc_match("local", b->location))
		r->location |= YG_AR_LOC_LOCAL;
	if (loc_match("defined-agent", b->location)) {
		yg_err rc = resolve_agent(r, node, file, diag, skip);
		if (rc || *skip)
			return rc;
	}
	if (loc_match("all|any", b->location))
		r->location |= YG_AR_LOC_ALL;
	if (r->location == 0) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "location",
		            "invalid location '%s' (expected local, server, defined-agent or all)",
		            b->location);
		return YG_EPARSE;
	}
	return YG_OK;
}

/* The checks after reading; *skip for a block that adds nothing. */
static yg_err check_response(yg_ar_config *cfg, ar_block *b, const yg_wxml_node *node,
                             const char *file, yg_diag *diag, bool *skip)
{
	ar_response *r = &b->r;
	if (b->repeated) {
		yg_err rc = read_repeated(cfg, b->repeated, file, diag);
		if (rc)
			return rc;
	}
	if (!r->command || !b->location) {
		*skip = true;
		if (b->repeated)
			return YG_OK;
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
		            "<command> and <location> are required");
		return YG_EPARSE;
	}
	yg_err rc = resolve_location(b, node, file, diag, skip);
	if (rc || *skip)
		return rc;
	if (r->rules_id) {
		rc = parse_rules_id(r->rules_id, &r->ids, &r->nids);
		if (rc == YG_ELIMIT) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "rules_id",
			            "more than %d rule ids", AR_MAX_RULE_IDS);
			return YG_EPARSE;
		}
		if (rc)
			return rc;
	}
	if (cfg->nresps >= AR_MAX_RESPONSES) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
		            "more than %d active responses", AR_MAX_RESPONSES);
		return YG_EPARSE;
	}
	r->line = node->line;
	return file && !(r->file = strdup(file)) ? YG_ENOMEM : YG_OK;
}

yg_err yg_ar_config_add_active_response(yg_ar_config *cfg, const yg_wxml_node *node,
                                        const char *file, yg_diag *diag)
{
	ar_block b = {0};
	bool skip = false;
	yg_err rc = yg_opt_defaults(&yg_ar_response_block, &b);
	if (!rc)
		rc = yg_opt_read(&yg_ar_response_block, &b, node, file, diag);
	if (!rc && !b.disabled)
		rc = check_response(cfg, &b, node, file, diag, &skip);
	ar_response *nr = NULL;
	if (!rc && !b.disabled && !skip) {
		nr = realloc(cfg->resps, (cfg->nresps + 1) * sizeof(*nr));
		if (!nr)
			rc = YG_ENOMEM;
	}
	if (!nr) {
		ar_block_free(&b);
		return rc;
	}
	cfg->resps = nr;
	nr[cfg->nresps++] = b.r;
	cfg->checked = false;
	free(b.location);
	return YG_OK;
}

/* ---- <white_list> ---- */

int ar_parse_ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}

/* Wazuh's test for "this is an IP entry": !?d{1,3}(.d{1,3}){3} with an
 * optional /NN or /netmask. */
static bool looks_ipv4(const char *s)
{
	int dots = 0, run = 0;
	for (; *s && *s != '/'; s++) {
		if (*s == '.') {
			if (run == 0)
				return false;
			dots++;
			run = 0;
		} else if (isdigit((unsigned char)*s)) {
			if (++run > 3)
				return false;
		} else {
			return false;
		}
	}
	return dots == 3 && run > 0;
}

static void prefix_mask(uint8_t mask[16], unsigned bits)
{
	memset(mask, 0, 16);
	for (unsigned i = 0; i < 16 && bits > 0; i++) {
		unsigned b = bits >= 8 ? 8 : bits;
		mask[i] = (uint8_t)(0xffu << (8 - b));
		bits -= b;
	}
}

/* Fills w from "addr[/prefix|/netmask]"; false when not a valid address. */
static bool parse_white_ip(const char *s, ar_white *w)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	w->family = ar_parse_ip(addr, w->addr);
	if (!w->family)
		return false;
	unsigned maxbits = w->family == AF_INET ? 32 : 128;
	if (!slash) {
		prefix_mask(w->mask, maxbits);
	} else if (w->family == AF_INET && strchr(slash + 1, '.')) {
		uint8_t m[16];
		if (ar_parse_ip(slash + 1, m) != AF_INET)
			return false;
		memcpy(w->mask, m, 16);
	} else {
		uint64_t bits;
		if (!yg_opt_parse_uint(slash + 1, 0, maxbits, &bits))
			return false;
		prefix_mask(w->mask, (unsigned)bits);
	}
	for (int i = 0; i < 16; i++)
		w->addr[i] &= w->mask[i];
	return true;
}

yg_err yg_ar_config_add_white_list(yg_ar_config *cfg, const char *entry)
{
	ar_white w = {0};
	char *t = trim_dup(entry);
	if (!t)
		return YG_ENOMEM;
	w.raw = t;
	const char *s = t;
	if (!*s) {
		free(t);
		return YG_EINVAL;
	}
	bool negate = s[0] == '!';
	const char *body = negate ? s + 1 : s;
	if (looks_ipv4(body)) {
		/* Wazuh: an entry shaped like IPv4 must be a valid one. */
		if (!parse_white_ip(body, &w) || w.family != AF_INET) {
			free(t);
			return YG_EINVAL;
		}
		w.negate = negate;
	} else if (strchr(body, ':') && parse_white_ip(body, &w) && w.family == AF_INET6) {
		w.negate = negate;
	} else {
		char err[128];
		w.family = 0;
		if (yg_osmatch_compile(s, &w.host, err, sizeof(err))) {
			free(t);
			return YG_EINVAL;
		}
	}
	if (cfg->nwhite >= AR_MAX_WHITE) {
		yg_osmatch_destroy(w.host);
		free(t);
		return YG_ELIMIT;
	}
	ar_white *n = realloc(cfg->white, (cfg->nwhite + 1) * sizeof(*n));
	if (!n) {
		yg_osmatch_destroy(w.host);
		free(t);
		return YG_ENOMEM;
	}
	cfg->white = n;
	n[cfg->nwhite++] = w;
	return YG_OK;
}

bool yg_ar_config_white_listed(const yg_ar_config *cfg, const char *ip)
{
	uint8_t a[16];
	int fam = ar_parse_ip(ip, a);
	/* Wazuh's OS_IPFoundList: once a '!' entry has been passed, a match
	 * means "not listed". */
	bool found = true;
	if (fam) {
		for (size_t i = 0; i < cfg->nwhite; i++) {
			const ar_white *w = &cfg->white[i];
			if (w->family == 0)
				continue;
			if (w->negate)
				found = false;
			if (w->family != fam)
				continue;
			bool m = true;
			for (int k = 0; k < 16; k++)
				if ((a[k] & w->mask[k]) != w->addr[k])
					m = false;
			if (m)
				return found;
		}
	}
	for (size_t i = 0; i < cfg->nwhite; i++) {
		const ar_white *w = &cfg->white[i];
		if (w->family == 0 && yg_osmatch_exec(w->host, ip))
			return true;
	}
	return false;
}

size_t yg_ar_config_nwhite_list(const yg_ar_config *cfg)
{
	return cfg->nwhite;
}

const char *yg_ar_config_white_list(const yg_ar_config *cfg, size_t i)
{
	return i < cfg->nwhite ? cfg->white[i].raw : NULL;
}

/* ---- printing ---- */

/* The location bits as a <location> Wazuh's OS_Regex tests read back. */
static void location_text(unsigned loc, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s", loc & YG_AR_LOC_LOCAL ? "local," : "",
	         loc & YG_AR_LOC_SERVER ? "server," : "",
	         loc & YG_AR_LOC_DEFINED ? "defined-agent," : "",
	         loc & YG_AR_LOC_ALL ? "all," : "");
	size_t n = strlen(buf);
	if (n)
		buf[n - 1] = '\0';
}

void yg_ar_config_print(const yg_ar_config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->ncmds; i++)
		yg_opt_print(&yg_ar_command_block, &cfg->cmds[i], 2, out);
	for (size_t i = 0; i < cfg->nresps; i++) {
		char loc[64];
		ar_block b = {.r = cfg->resps[i], .location = loc};
		location_text(b.r.location, loc, sizeof(loc));
		if (b.r.target_id)
			b.r.agent_id = b.r.target_id;
		yg_opt_print(&yg_ar_response_block, &b, 2, out);
	}
	if (!cfg->nrepeated)
		return;
	fputs("  <active-response>\n    <repeated_offenders>", out);
	for (size_t i = 0; i < cfg->nrepeated; i++)
		fprintf(out, "%s%u", i ? "," : "", cfg->repeated[i]);
	fputs("</repeated_offenders>\n  </active-response>\n", out);
}

/* ---- check and accessors ---- */

static const ar_command *find_cmd(const yg_ar_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ncmds; i++)
		if (strcmp(cfg->cmds[i].name, name) == 0)
			return &cfg->cmds[i];
	return NULL;
}

yg_err yg_ar_config_check(yg_ar_config *cfg, yg_diag *diag)
{
	yg_err rc = YG_OK;
	size_t w = 0;
	for (size_t i = 0; i < cfg->nresps; i++) {
		ar_response *r = &cfg->resps[i];
		r->cmd = find_cmd(cfg, r->command);
		if (!r->cmd) {
			yg_diag_add(diag, YG_SEV_ERROR, r->file, r->line, "command",
			            "invalid command '%s' (no <command> with this name)",
			            r->command);
			response_free(r);
			rc = YG_EPARSE;
			continue;
		}
		if (r->timeout && !r->cmd->timeout_allowed) {
			yg_diag_add(diag, YG_SEV_WARNING, r->file, r->line, "timeout",
			            "command '%s' does not allow a timeout (timeout_allowed "
			            "is no): timeout ignored",
			            r->cmd->name);
			r->timeout = 0;
		}
		char buf[32];
		snprintf(buf, sizeof(buf), "%u", r->timeout);
		size_t len = strlen(r->command) + strlen(buf) + 1;
		free(r->name);
		r->name = malloc(len);
		if (!r->name) {
			response_free(r);
			rc = rc ? rc : YG_ENOMEM;
			continue;
		}
		snprintf(r->name, len, "%s%s", r->command, buf);
		cfg->resps[w++] = *r;
	}
	cfg->nresps = w;
	cfg->checked = true;
	return rc;
}

size_t yg_ar_config_ncommands(const yg_ar_config *cfg)
{
	return cfg->ncmds;
}

static void cmd_info(const ar_command *c, yg_ar_command_info *out)
{
	out->name = c->name;
	out->executable = c->executable;
	out->extra_args = c->extra_args;
	out->timeout_allowed = c->timeout_allowed;
}

void yg_ar_config_command(const yg_ar_config *cfg, size_t i, yg_ar_command_info *out)
{
	cmd_info(&cfg->cmds[i], out);
}

bool yg_ar_config_find_command(const yg_ar_config *cfg, const char *name, yg_ar_command_info *out)
{
	const ar_command *c = find_cmd(cfg, name);
	if (c && out)
		cmd_info(c, out);
	return c != NULL;
}

size_t yg_ar_config_nresponses(const yg_ar_config *cfg)
{
	return cfg->nresps;
}

void yg_ar_config_response(const yg_ar_config *cfg, size_t i, yg_ar_response_info *out)
{
	const ar_response *r = &cfg->resps[i];
	out->name = r->name;
	out->command = r->command;
	out->location = r->location;
	out->agent_id = r->target_id;
	out->rules_id = r->rules_id;
	out->rules_group = r->rules_group;
	out->level = r->level;
	out->timeout = r->timeout;
	out->file = r->file;
	out->line = r->line;
}

size_t yg_ar_config_repeated_offenders(const yg_ar_config *cfg, const unsigned **out)
{
	if (out)
		*out = cfg->repeated;
	return cfg->nrepeated;
}
