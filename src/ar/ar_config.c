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

/* Parses all-digits s (Wazuh's OS_StrIsNum) up to max into *out. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
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

/* ---- <command> ---- */

yg_err yg_ar_config_add_command(yg_ar_config *cfg, const yg_wxml_node *node, const char *file,
                                yg_diag *diag)
{
	ar_command c = {0};
	yg_err rc = YG_OK;

	for (size_t i = 0; i < node->nchildren && rc == YG_OK; i++) {
		const yg_wxml_node *e = node->children[i];
		char **slot = NULL;
		if (strcmp(e->name, "name") == 0) {
			if (e->content[0] == '!') {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
				            "invalid value '%s' (a command name must not start "
				            "with '!')",
				            e->content);
				rc = YG_EPARSE;
				break;
			}
			slot = &c.name;
		} else if (strcmp(e->name, "executable") == 0) {
			slot = &c.executable;
		} else if (strcmp(e->name, "extra_args") == 0) {
			slot = &c.extra_args;
		} else if (strcmp(e->name, "expect") == 0) {
			yg_diag_add(diag, YG_SEV_WARNING, file, e->line, e->name,
			            "deprecated since Wazuh 4.2.0: ignored (the whole alert "
			            "is sent to the script)");
		} else if (strcmp(e->name, "timeout_allowed") == 0) {
			if (strcmp(e->content, "yes") == 0) {
				c.timeout_allowed = true;
			} else if (strcmp(e->content, "no") == 0) {
				c.timeout_allowed = false;
			} else {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
				            "invalid value '%s' (expected yes or no)", e->content);
				rc = YG_EPARSE;
			}
		} else {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "invalid element in <command>");
			rc = YG_EPARSE;
		}
		if (slot) {
			free(*slot);
			*slot = strdup(e->content);
			if (!*slot)
				rc = YG_ENOMEM;
		}
	}
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
	if (rc == YG_OK) {
		ar_command *n = realloc(cfg->cmds, (cfg->ncmds + 1) * sizeof(*n));
		if (!n) {
			rc = YG_ENOMEM;
		} else {
			cfg->cmds = n;
			n[cfg->ncmds++] = c;
			return YG_OK;
		}
	}
	command_free(&c);
	return rc;
}

/* ---- <active-response> ---- */

/* Reads <repeated_offenders>: comma-separated minutes, each > 0. */
static yg_err read_repeated(yg_ar_config *cfg, const yg_wxml_node *e, const char *file,
                            yg_diag *diag)
{
	unsigned vals[YG_AR_MAX_REPEATED];
	size_t n = 0;
	const char *s = e->content;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *piece = strndup(s, len);
		if (!piece)
			return YG_ENOMEM;
		char *t = trim_dup(piece);
		free(piece);
		if (!t)
			return YG_ENOMEM;
		s = comma ? comma + 1 : s + len;
		if (!*t) {
			free(t);
			continue;
		}
		unsigned long v;
		bool ok = parse_uint(t, 10u * 365 * 24 * 60, &v) && v > 0;
		if (!ok) {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "invalid value '%s' (expected minutes > 0, comma-separated)",
			            t);
			free(t);
			return YG_EPARSE;
		}
		free(t);
		if (n == YG_AR_MAX_REPEATED) {
			yg_diag_add(diag, YG_SEV_WARNING, file, e->line, e->name,
			            "more than %d values: the rest are ignored",
			            YG_AR_MAX_REPEATED);
			break;
		}
		vals[n++] = (unsigned)v;
	}
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

yg_err yg_ar_config_add_active_response(yg_ar_config *cfg, const yg_wxml_node *node,
                                        const char *file, yg_diag *diag)
{
	ar_response r = {0};
	char *location = NULL;
	const yg_wxml_node *repeated = NULL;
	bool disabled = false;
	yg_err rc = YG_OK;

	for (size_t i = 0; i < node->nchildren && rc == YG_OK; i++) {
		const yg_wxml_node *e = node->children[i];
		const char *n = e->name, *v = e->content;
		if (strcmp(n, "command") == 0) {
			rc = set_str(&r.command, v);
		} else if (strcmp(n, "location") == 0) {
			rc = set_str(&location, v);
		} else if (strcmp(n, "agent_id") == 0) {
			rc = set_str(&r.agent_id, v);
		} else if (strcmp(n, "rules_id") == 0) {
			rc = set_str(&r.rules_id, v);
		} else if (strcmp(n, "rules_group") == 0) {
			char err[128];
			yg_osregex_destroy(r.group_re);
			r.group_re = NULL;
			rc = set_str(&r.rules_group, v);
			if (rc == YG_OK && yg_osregex_compile(v, &r.group_re, err, sizeof(err))) {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, n,
				            "invalid pattern '%s': %s", v, err);
				rc = YG_EPARSE;
			}
		} else if (strcmp(n, "level") == 0) {
			unsigned long lv;
			if (!parse_uint(v, 20, &lv)) {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, n,
				            "invalid value '%s' (expected a number from 0 to 20)",
				            v);
				rc = YG_EPARSE;
			} else {
				r.level = (unsigned)lv;
			}
		} else if (strcmp(n, "timeout") == 0) {
			unsigned long t;
			char *tv = trim_dup(v);
			if (!tv) {
				rc = YG_ENOMEM;
			} else if (!parse_uint(tv, AR_MAX_TIMEOUT, &t)) {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, n,
				            "invalid value '%s' (expected seconds, up to %u)", v,
				            AR_MAX_TIMEOUT);
				rc = YG_EPARSE;
			} else {
				r.timeout = (unsigned)t;
			}
			free(tv);
		} else if (strcmp(n, "disabled") == 0) {
			if (strcmp(v, "yes") == 0) {
				disabled = true;
			} else if (strcmp(v, "no") == 0) {
				disabled = false;
			} else {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, n,
				            "invalid value '%s' (expected yes or no)", v);
				rc = YG_EPARSE;
			}
		} else if (strcmp(n, "repeated_offenders") == 0) {
			repeated = e;
		} else if (strcmp(n, "ca_store") == 0) {
			/* Windows only in Wazuh: nothing to do. */
		} else {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, n,
			            "invalid element in <active-response>");
			rc = YG_EPARSE;
		}
	}
	if (rc != YG_OK || disabled)
		goto out;
	if (repeated) {
		rc = read_repeated(cfg, repeated, file, diag);
		if (rc)
			goto out;
	}
	if (!r.command || !location || !*r.command || !*location) {
		if (!repeated) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
			            "<command> and <location> are required");
			rc = YG_EPARSE;
		}
		goto out;
	}

	if (loc_match("AS|analysisd|analysis-server|server", location))
		r.location |= YG_AR_LOC_SERVER;
	if (loc_match("local", location))
		r.location |= YG_AR_LOC_LOCAL;
	if (loc_match("defined-agent", location)) {
		if (!r.agent_id) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "agent_id",
			            "location defined-agent needs <agent_id>");
			rc = YG_EPARSE;
			goto out;
		}
		long id = leading_number(r.agent_id);
		if (id == 0) {
			yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "agent_id",
			            "'%s' is the manager: use location server; response "
			            "ignored",
			            r.agent_id);
			goto out;
		}
		char buf[32];
		snprintf(buf, sizeof(buf), "%03ld", id);
		rc = set_str(&r.target_id, buf);
		if (rc)
			goto out;
		r.location |= YG_AR_LOC_DEFINED;
	}
	if (loc_match("all|any", location))
		r.location |= YG_AR_LOC_ALL;
	if (r.location == 0) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "location",
		            "invalid location '%s' (expected local, server, defined-agent "
		            "or all)",
		            location);
		rc = YG_EPARSE;
		goto out;
	}
	if (r.rules_id) {
		rc = parse_rules_id(r.rules_id, &r.ids, &r.nids);
		if (rc == YG_ELIMIT) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "rules_id",
			            "more than %d rule ids", AR_MAX_RULE_IDS);
			rc = YG_EPARSE;
		}
		if (rc)
			goto out;
	}
	if (cfg->nresps >= AR_MAX_RESPONSES) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
		            "more than %d active responses", AR_MAX_RESPONSES);
		rc = YG_EPARSE;
		goto out;
	}
	r.line = node->line;
	if (file) {
		r.file = strdup(file);
		if (!r.file) {
			rc = YG_ENOMEM;
			goto out;
		}
	}
	ar_response *nr = realloc(cfg->resps, (cfg->nresps + 1) * sizeof(*nr));
	if (!nr) {
		rc = YG_ENOMEM;
		goto out;
	}
	cfg->resps = nr;
	nr[cfg->nresps++] = r;
	cfg->checked = false;
	free(location);
	return YG_OK;
out:
	response_free(&r);
	free(location);
	return rc;
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
		unsigned long bits;
		if (!parse_uint(slash + 1, maxbits, &bits))
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
