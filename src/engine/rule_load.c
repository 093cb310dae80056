/* rule_load.c: reading Wazuh rule files into the rule tree.
 *
 * Follows Wazuh's Rules_OP_ReadRules/OS_AddChild semantics:
 *  - rules with id < 10 are top-level templates (rule 1 "syslog", 2 "firewall"
 *    ... in 0010-rules_config.xml); every other rule is a child: of its
 *    if_sid rules, of every rule in its if_group, of every rule with at least
 *    its if_level, or else of the first top-level rule of its category;
 *  - children are kept sorted by level, highest first, where level 0 counts
 *    as 99 (so it is tried first) and accuracy="0" sorts last; stable;
 *  - a rule id seen again is skipped unless overwrite="yes", which replaces
 *    the old rule's contents in place;
 *  - repeated elements (<match>, <regex>, ...) are concatenated.
 * Problems are reported with file, line and element; a bad rule is skipped
 * and loading goes on. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/mitre.h"
#include "engine/ruleset_int.h"
#include "engine/wxml.h"

#define YG_RULE_MAX_TEXT 2048
#define YG_DEFAULT_TIMEFRAME 360

typedef struct rule_ctx {
	yg_ruleset *rs;
	yg_diag *diag;
	const char *file;
	int line;
	unsigned sigid;
	bool oom; /* an allocation failed: the load fails with YG_ENOMEM */
} rule_ctx;

#define RERR(ctx, ln, el, ...)                                                                     \
	yg_diag_add((ctx)->diag, YG_SEV_ERROR, (ctx)->file, (ln), (el), __VA_ARGS__)
#define RWARN(ctx, ln, el, ...)                                                                    \
	yg_diag_add((ctx)->diag, YG_SEV_WARNING, (ctx)->file, (ln), (el), __VA_ARGS__)

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return false;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return false;
	(*n)++;
	return true;
}

static void rule_lists_free(yg_rule_list *l)
{
	while (l) {
		yg_rule_list *n = l->next;
		free((char *)l->dfield);
		yg_pattern_destroy(l->check_value);
		free(l);
		l = n;
	}
}

static void mitre_free(yg_mitre *m)
{
	strv_free(m->ids, m->nids);
	strv_free(m->tactics, m->npairs);
	strv_free(m->techniques, m->npairs);
	yg_mitre_shown_free(m);
	memset(m, 0, sizeof(*m));
}

/* Frees what a rule owns of its matching contents (not its wiring). */
static void rule_free_contents(yg_rule *r)
{
	yg_pattern **pats[] = {
	        &r->match,           &r->regex,        &r->srcip,  &r->dstip,      &r->srcport,
	        &r->dstport,         &r->user,         &r->url,    &r->id,         &r->status,
	        &r->hostname,        &r->program_name, &r->data,   &r->extra_data, &r->location,
	        &r->system_name,     &r->protocol,     &r->action, &r->srcgeoip,   &r->dstgeoip,
	        &r->if_matched_regex};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		yg_pattern_destroy(*pats[i]);
		*pats[i] = NULL;
	}
	for (size_t i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		yg_pattern_destroy(r->fields[i].pat);
	}
	free(r->fields);
	r->fields = NULL;
	r->nfields = 0;
	rule_lists_free(r->lists);
	r->lists = NULL;
	free(r->group);
	free(r->comment);
	free(r->info);
	free(r->cve);
	r->group = r->comment = r->info = r->cve = NULL;
	for (size_t i = 0; i < r->ninfos; i++)
		free(r->infos[i].data);
	free(r->infos);
	r->infos = NULL;
	r->ninfos = 0;
	mitre_free(&r->mitre);
	strv_free(r->same_fields, r->nsame_fields);
	strv_free(r->not_same_fields, r->nnot_same_fields);
	strv_free(r->ignore_fields, r->nignore_fields);
	strv_free(r->ckignore_fields, r->nckignore_fields);
	r->same_fields = r->not_same_fields = r->ignore_fields = r->ckignore_fields = NULL;
	r->nsame_fields = r->nnot_same_fields = r->nignore_fields = r->nckignore_fields = 0;
}

static void rule_free(yg_rule *r)
{
	if (!r)
		return;
	rule_free_contents(r);
	yg_pattern_destroy(r->if_matched_group);
	free(r->if_sid);
	free(r->if_group);
	free(r->if_level);
	free(r->feeds_groups);
	free(r);
}

static void rnode_free(yg_rnode *n)
{
	while (n) {
		yg_rnode *next = n->next;
		yg_dispatch_free(n);
		rnode_free(n->child);
		free(n);
		n = next;
	}
}

void yg_rules_free(yg_ruleset *rs)
{
	rnode_free(rs->rules_root);
	free(rs->by_sid);
	for (size_t i = 0; i < rs->nrules; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
}

const yg_list *yg_ruleset_find_list(const yg_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nlists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return rs->lists[i].list;
	return NULL;
}

static bool is_num(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Wazuh's loadmemory: plain concatenation, bounded. */
static bool append_text(char **acc, const char *text)
{
	size_t have = *acc ? strlen(*acc) : 0, add = strlen(text);
	if (have > YG_RULE_MAX_TEXT || add > YG_RULE_MAX_TEXT)
		return false;
	char *s = realloc(*acc, have + add + 1);
	if (!s)
		return false;
	memcpy(s + have, text, add + 1);
	*acc = s;
	return true;
}

/* Wazuh's OS_WordMatch: '|' alternatives, '^' prefix, else case-insensitive
 * substring. */
static bool word_match(const char *pattern, const char *str)
{
	if (!*pattern || !str)
		return false;
	const char *p = pattern;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len && *p == '^') {
			if (strncasecmp(p + 1, str, len - 1) == 0)
				return true;
		} else if (len == 0) {
			return true;
		} else {
			char needle[256];
			if (len < sizeof(needle)) {
				memcpy(needle, p, len);
				needle[len] = '\0';
				if (strcasestr(str, needle))
					return true;
			} else {
				size_t sl = strlen(str);
				for (size_t i = 0; i + len <= sl; i++)
					if (strncasecmp(str + i, p, len) == 0)
						return true;
			}
		}
		if (!bar)
			return false;
		p = bar + 1;
	}
}

/* ---- <time> and <weekday> ---- */

/* Parses "H[:MM] [am|pm]"; returns the end or NULL. */
static const char *parse_hour(const char *s, int *minutes)
{
	if (!isdigit((unsigned char)*s))
		return NULL;
	int h = 0, digits = 0, m = 0;
	while (isdigit((unsigned char)*s)) {
		h = h * 10 + (*s - '0');
		s++;
		if (++digits > 2)
			return NULL;
	}
	if (h >= 24)
		return NULL;
	if (*s == ':') {
		s++;
		if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
			return NULL;
		m = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
	}
	while (*s == ' ')
		s++;
	if ((*s == 'a' || *s == 'A') && (s[1] == 'm' || s[1] == 'M')) {
		if (h == 12)
			h = 0;
		s += 2;
	} else if ((*s == 'p' || *s == 'P') && (s[1] == 'm' || s[1] == 'M')) {
		if (h == 12)
			h = 0;
		h += 12;
		if (h >= 24)
			return NULL;
		s += 2;
	} else if (*s == 'a' || *s == 'A' || *s == 'p' || *s == 'P') {
		return NULL;
	}
	*minutes = h * 60 + m;
	return s;
}

static bool parse_time(yg_rule *r, const char *s)
{
	bool neg = false;
	int a, b;
	while (*s == ' ')
		s++;
	if (*s == '!') {
		neg = true;
		s++;
		while (*s == ' ')
			s++;
	}
	if (!(s = parse_hour(s, &a)))
		return false;
	while (*s == ' ')
		s++;
	if (*s++ != '-')
		return false;
	while (*s == ' ')
		s++;
	if (!(s = parse_hour(s, &b)))
		return false;
	while (*s == ' ')
		s++;
	if (*s)
		return false;
	r->has_time = true;
	if (a > b) { /* a range over midnight: outside [b, a] */
		r->time_start = b;
		r->time_end = a;
		r->time_negate = true;
	} else {
		r->time_start = a;
		r->time_end = b;
		r->time_negate = neg;
	}
	return true;
}

static bool parse_weekday(yg_rule *r, const char *s)
{
	static const struct {
		const char *name;
		int day; /* 7 weekdays, 8 weekends */
	} days[] = {{"sunday", 0},   {"sun", 0}, {"monday", 1},    {"mon", 1},
	            {"tuesday", 2},  {"tue", 2}, {"wednesday", 3}, {"wed", 3},
	            {"thursday", 4}, {"thu", 4}, {"friday", 5},    {"fri", 5},
	            {"saturday", 6}, {"sat", 6}, {"weekdays", 7},  {"weekends", 8}};
	unsigned bits = 0;
	while (*s == ' ')
		s++;
	while (*s) {
		size_t i;
		for (i = 0; i < sizeof(days) / sizeof(days[0]); i++)
			if (!strncasecmp(s, days[i].name, strlen(days[i].name)))
				break;
		if (i == sizeof(days) / sizeof(days[0]))
			return false;
		if (days[i].day == 7)
			bits |= 0x3E;
		else if (days[i].day == 8)
			bits |= 0x41;
		else
			bits |= 1u << days[i].day;
		s += strlen(days[i].name);
		if (*s == ' ' || *s == ',') {
			while (*s == ' ' || *s == ',')
				s++;
		} else if (*s) {
			return false;
		}
	}
	if (!bits)
		return false;
	r->weekdays = bits;
	return true;
}

/* ---- element tables ---- */

/* The plain pattern elements: name, default type, which pointer, and which
 * evaluation group flag it sets (Wazuh's DO_PACKETINFO / DO_EXTRAINFO). */
typedef struct pat_elem {
	const char *name;
	yg_pat_type dflt;
	size_t offset;
	unsigned flag;
} pat_elem;

#define PE(n, t, f, fl)                                                                            \
	{                                                                                          \
		n, t, offsetof(yg_rule, f), fl                                                     \
	}
static const pat_elem pat_elems[] = {
        PE("regex", YG_PAT_OSREGEX, regex, 0),
        PE("match", YG_PAT_OSMATCH, match, 0),
        PE("user", YG_PAT_OSMATCH, user, YG_RO_EXTRAINFO),
        PE("srcgeoip", YG_PAT_OSMATCH, srcgeoip, YG_RO_EXTRAINFO),
        PE("dstgeoip", YG_PAT_OSMATCH, dstgeoip, YG_RO_EXTRAINFO),
        PE("id", YG_PAT_OSMATCH, id, 0),
        PE("srcport", YG_PAT_OSMATCH, srcport, YG_RO_PACKETINFO),
        PE("dstport", YG_PAT_OSMATCH, dstport, YG_RO_PACKETINFO),
        PE("status", YG_PAT_OSMATCH, status, YG_RO_EXTRAINFO),
        PE("hostname", YG_PAT_OSMATCH, hostname, YG_RO_EXTRAINFO),
        PE("data", YG_PAT_OSMATCH, data, YG_RO_EXTRAINFO),
        PE("extra_data", YG_PAT_OSMATCH, extra_data, YG_RO_EXTRAINFO),
        PE("program_name", YG_PAT_OSMATCH, program_name, 0),
        PE("action", YG_PAT_STRING, action, 0),
        PE("system_name", YG_PAT_OSMATCH, system_name, 0),
        PE("protocol", YG_PAT_OSMATCH, protocol, 0),
        PE("location", YG_PAT_OSMATCH, location, 0),
        PE("url", YG_PAT_OSMATCH, url, 0),
};
#undef PE
#define NPAT (sizeof(pat_elems) / sizeof(pat_elems[0]))

/* same_* and different_* elements by the static field they compare. */
typedef struct field_elem {
	const char *name;
	int sfield;
	bool same;
	bool casefold; /* Wazuh compares some element names case-insensitively */
} field_elem;

static const field_elem field_elems[] = {
        {"same_source_ip", YG_SF_SRCIP, true, true},
        {"same_srcip", YG_SF_SRCIP, true, true},
        {"same_dstip", YG_SF_DSTIP, true, true},
        {"same_src_port", YG_SF_SRCPORT, true, true},
        {"same_srcport", YG_SF_SRCPORT, true, true},
        {"same_dst_port", YG_SF_DSTPORT, true, true},
        {"same_dstport", YG_SF_DSTPORT, true, true},
        {"same_protocol", YG_SF_PROTOCOL, true, true},
        {"same_action", YG_SF_ACTION, true, true},
        {"same_id", YG_SF_ID, true, false},
        {"same_url", YG_SF_URL, true, false},
        {"same_data", YG_SF_DATA, true, false},
        {"same_extra_data", YG_SF_EXTRA_DATA, true, false},
        {"same_status", YG_SF_STATUS, true, false},
        {"same_system_name", YG_SF_SYSTEMNAME, true, false},
        {"same_srcgeoip", YG_SF_SRCGEOIP, true, false},
        {"same_dstgeoip", YG_SF_DSTGEOIP, true, false},
        {"same_location", YG_SF_LOCATION, true, true},
        {"same_srcuser", YG_SF_SRCUSER, true, true},
        {"same_user", YG_SF_DSTUSER, true, true},
        {"different_srcip", YG_SF_SRCIP, false, false},
        {"not_same_source_ip", YG_SF_SRCIP, false, false},
        {"different_dstip", YG_SF_DSTIP, false, true},
        {"different_src_port", YG_SF_SRCPORT, false, true},
        {"different_srcport", YG_SF_SRCPORT, false, true},
        {"different_dst_port", YG_SF_DSTPORT, false, true},
        {"different_dstport", YG_SF_DSTPORT, false, true},
        {"different_protocol", YG_SF_PROTOCOL, false, false},
        {"different_action", YG_SF_ACTION, false, false},
        {"different_id", YG_SF_ID, false, false},
        {"not_same_id", YG_SF_ID, false, false},
        {"different_url", YG_SF_URL, false, false},
        {"different_data", YG_SF_DATA, false, false},
        {"different_extra_data", YG_SF_EXTRA_DATA, false, false},
        {"different_status", YG_SF_STATUS, false, false},
        {"different_system_name", YG_SF_SYSTEMNAME, false, false},
        {"different_srcgeoip", YG_SF_SRCGEOIP, false, false},
        {"different_dstgeoip", YG_SF_DSTGEOIP, false, false},
        {"different_srcuser", YG_SF_SRCUSER, false, true},
        {"different_user", YG_SF_DSTUSER, false, true},
        {"not_same_user", YG_SF_DSTUSER, false, true},
        {"different_location", YG_SF_LOCATION, false, true},
};

static bool attr_negate(rule_ctx *c, const yg_wxml_node *e)
{
	const char *v = yg_wxml_attr_get(e, "negate");
	if (!v)
		return false;
	if (!strcasecmp(v, "yes"))
		return true;
	if (strcasecmp(v, "no") != 0)
		RWARN(c, e->line, e->name, "rule %u: invalid negate value '%s', using 'no'",
		      c->sigid, v);
	return false;
}

static yg_pat_type attr_type(rule_ctx *c, const yg_wxml_node *e, yg_pat_type dflt)
{
	yg_pat_type t;
	const char *v = yg_wxml_attr_get(e, "type");
	if (!yg_pat_type_parse(v, dflt, &t)) {
		RWARN(c, e->line, e->name, "rule %u: invalid type '%s', using %s", c->sigid, v,
		      yg_pat_type_name(dflt));
		return dflt;
	}
	return t;
}

/* Fields to test with an <ignore>/<check_if_ignored> list. */
static bool parse_ignore(rule_ctx *c, const yg_wxml_node *e, unsigned *bits, char ***fields,
                         size_t *nfields)
{
	const char *p = e->content;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		size_t s = 0, en;
		char w[128];
		while (s < len && p[s] == ' ')
			s++;
		en = s;
		while (en < len && p[en] != ' ')
			en++;
		if (en == s || en - s >= sizeof(w)) {
			RERR(c, e->line, e->name, "rule %u: wrong %s option '%s'", c->sigid,
			     e->name, e->content);
			return false;
		}
		memcpy(w, p + s, en - s);
		w[en - s] = '\0';
		if (!strcmp(w, "user"))
			*bits |= YG_FTS_DSTUSER;
		else if (!strcmp(w, "srcip"))
			*bits |= YG_FTS_SRCIP;
		else if (!strcmp(w, "dstip"))
			*bits |= YG_FTS_DSTIP;
		else if (!strcmp(w, "id"))
			*bits |= YG_FTS_ID;
		else if (!strcmp(w, "location"))
			*bits |= YG_FTS_LOCATION;
		else if (!strcmp(w, "data"))
			*bits |= YG_FTS_DATA;
		else if (!strcmp(w, "name"))
			*bits |= YG_FTS_NAME;
		else {
			*bits |= YG_FTS_DYNAMIC;
			if (!strv_push(fields, nfields, w))
				return false;
		}
		if (!comma)
			return true;
		p = comma + 1;
	}
}

/* <list lookup="...">: the index of the name in the YG_LR_* order. */
static bool list_lookup(rule_ctx *c, const yg_wxml_node *e, const char *av, int *lookup)
{
	static const char *const names[] = {
	        "match_key",         "not_match_key",         "match_key_value",
	        "address_match_key", "not_address_match_key", "address_match_key_value"};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (!strcasecmp(av, names[k])) {
			*lookup = (int)k;
			return true;
		}
	}
	RERR(c, e->line, "list", "rule %u: list lookup=\"%s\" is not valid", c->sigid, av);
	return false;
}

/* <list field="...">: a static field, or a dynamic one whose name (blanks
 * before it skipped, cut at the next blank later) is returned in *dfield. */
static int list_field(const char *av, const char **dfield)
{
	static const struct {
		const char *n;
		int f;
	} fl[] = {{"srcip", YG_SF_SRCIP},
	          {"srcport", YG_SF_SRCPORT},
	          {"dstip", YG_SF_DSTIP},
	          {"dstport", YG_SF_DSTPORT},
	          {"user", YG_LF_USER},
	          {"url", YG_SF_URL},
	          {"id", YG_SF_ID},
	          {"hostname", YG_LF_HOSTNAME},
	          {"program_name", YG_LF_PROGRAM_NAME},
	          {"status", YG_SF_STATUS},
	          {"action", YG_SF_ACTION},
	          {"protocol", YG_SF_PROTOCOL},
	          {"system_name", YG_SF_SYSTEMNAME},
	          {"data", YG_SF_DATA},
	          {"extra_data", YG_SF_EXTRA_DATA}};
	for (size_t k = 0; k < sizeof(fl) / sizeof(fl[0]); k++)
		if (!strcasecmp(av, fl[k].n))
			return fl[k].f;
	while (*av == ' ')
		av++;
	*dfield = av;
	return YG_LF_DYNAMIC;
}

/* Reads one <list> of a rule and appends it to the rule's lists. False
 * (reported, except out of memory) drops the rule. */
static bool parse_list(rule_ctx *c, yg_rule *r, const yg_wxml_node *e)
{
	int lookup = YG_LR_MATCH_KEY, field = -2;
	const char *dfield = NULL, *cvalue = NULL;
	for (size_t i = 0; i < e->nattrs; i++) {
		const char *an = e->attrs[i].name, *av = e->attrs[i].value;
		if (!strcasecmp(an, "lookup")) {
			if (!list_lookup(c, e, av, &lookup))
				return false;
		} else if (!strcasecmp(an, "field")) {
			field = list_field(av, &dfield);
		} else if (!strcasecmp(an, "check_value")) {
			cvalue = av;
		} else {
			RERR(c, e->line, "list", "rule %u: list attribute \"%s\" is not valid",
			     c->sigid, an);
			return false;
		}
	}
	if (field == -2) {
		RERR(c, e->line, "list", "rule %u: <list> requires the field=\"\" attribute",
		     c->sigid);
		return false;
	}
	const yg_list *list = yg_ruleset_find_list(c->rs, e->content);
	if (!list) {
		RWARN(c, e->line, "list", "rule %u: list '%s' is not loaded; rule skipped",
		      c->sigid, e->content);
		return false;
	}
	yg_rule_list *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return false;
	rl->lookup = lookup;
	rl->field = field;
	rl->list = list;
	if (dfield) {
		size_t n = strcspn(dfield, " ");
		rl->dfield = strndup(dfield, n);
	}
	if (cvalue) {
		char err[200];
		if (yg_pattern_compile(YG_PAT_OSMATCH, cvalue, false, &rl->check_value, err,
		                       sizeof(err))) {
			RERR(c, e->line, "list", "rule %u: bad check_value '%s': %s", c->sigid,
			     cvalue, err);
			rule_lists_free(rl);
			return false;
		}
	}
	/* Wazuh appends to the end of the rule's list chain */
	yg_rule_list **tail = &r->lists;
	while (*tail)
		tail = &(*tail)->next;
	*tail = rl;
	return true;
}

static bool parse_mitre(rule_ctx *c, yg_rule *r, const yg_wxml_node *e, bool *new_fmt,
                        bool *old_fmt)
{
	const char *tactic = NULL, *technique = NULL;
	int ntac = 0, ntech = 0, nid = 0, tech_line = e->line;
	for (size_t i = 0; i < e->nchildren; i++) {
		const yg_wxml_node *m = e->children[i];
		if (!*m->content) {
			RWARN(c, m->line, "mitre", "rule %u: empty MITRE <%s>", c->sigid, m->name);
			return true;
		}
		if (!strcasecmp(m->name, "id"))
			nid++;
		else if (!strcasecmp(m->name, "tacticID"))
			ntac++, tactic = m->content;
		else if (!strcasecmp(m->name, "techniqueID"))
			ntech++, technique = m->content, tech_line = m->line;
		else {
			RERR(c, m->line, "mitre", "rule %u: invalid MITRE option '%s'", c->sigid,
			     m->name);
			return true;
		}
	}
	if (nid && (ntac || ntech)) {
		RWARN(c, e->line, "mitre",
		      "rule %u: old and new MITRE formats mixed; block ignored", c->sigid);
		return true;
	}
	if (nid) {
		if (*new_fmt)
			return true;
		*old_fmt = true;
		for (size_t i = 0; i < e->nchildren; i++) {
			const char *id = e->children[i]->content;
			yg_mitre_check(c->diag, c->file, e->children[i]->line, c->sigid, id, NULL);
			bool dup = false;
			for (size_t k = 0; k < r->mitre.nids; k++)
				dup |= !strcmp(r->mitre.ids[k], id);
			if (!dup && !strv_push(&r->mitre.ids, &r->mitre.nids, id))
				return false;
		}
		return true;
	}
	if (ntac == 1 && ntech == 1) {
		if (*old_fmt) {
			strv_free(r->mitre.ids, r->mitre.nids);
			r->mitre.ids = NULL;
			r->mitre.nids = 0;
			*old_fmt = false;
		}
		*new_fmt = true;
		yg_mitre_check(c->diag, c->file, tech_line, c->sigid, technique, tactic);
		size_t n = r->mitre.npairs;
		if (!strv_push(&r->mitre.tactics, &n, tactic))
			return false;
		n = r->mitre.npairs;
		if (!strv_push(&r->mitre.techniques, &n, technique))
			return false;
		r->mitre.npairs = n;
		return true;
	}
	RWARN(c, e->line, "mitre", "rule %u: MITRE block needs one tacticID and one techniqueID",
	      c->sigid);
	return true;
}

/* Temporary texts of one rule while its elements are read. */
typedef struct rule_texts {
	char *text[NPAT];
	bool negate[NPAT];
	yg_pat_type type[NPAT];
	int line[NPAT];
	char *if_matched_group;
	char *if_matched_regex;
	bool mitre_new, mitre_old; /* which MITRE format the rule used so far */
} rule_texts;

static void texts_free(rule_texts *t)
{
	for (size_t i = 0; i < NPAT; i++)
		free(t->text[i]);
	free(t->if_matched_group);
	free(t->if_matched_regex);
}

/* What an element handler tells read_elements: go on, stop with an error
 * (already reported, or an allocation failure), or drop the whole rule
 * quietly after a warning (Wazuh skips such rules instead of failing). */
typedef enum el_rc { EL_OK, EL_FAIL, EL_SKIP } el_rc;

typedef el_rc (*rule_elem_fn)(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e);

/* A pattern element (<match>, <regex>, <user>...): its texts are only
 * collected here and compiled once the whole rule is read, because Wazuh
 * concatenates repeated elements before compiling. */
static el_rc el_pattern(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e, size_t pi)
{
	if (!append_text(&t->text[pi], e->content)) {
		RERR(c, e->line, e->name, "rule %u: <%s> too long", c->sigid, e->name);
		return EL_FAIL;
	}
	t->negate[pi] = attr_negate(c, e);
	t->type[pi] = attr_type(c, e, pat_elems[pi].dflt);
	if (pat_elems[pi].dflt == YG_PAT_STRING && !yg_wxml_attr_get(e, "type"))
		t->type[pi] = YG_PAT_STRING;
	t->line[pi] = e->line;
	r->opts |= pat_elems[pi].flag;
	return EL_OK;
}

/* <same_srcip/>, <different_user/>...: one bit each in the rule's masks. */
static void el_same_field(yg_rule *r, const field_elem *f)
{
	if (f->same)
		r->same_field |= 1u << f->sfield;
	else
		r->different_field |= 1u << f->sfield;
	if (!(f->same && f->sfield == YG_SF_SRCIP))
		r->opts |= YG_RO_SAME_EXTRAINFO;
}

static el_rc el_decoded_as(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	r->decoded_as = yg_decoder_id_by_name(c->rs, e->content);
	if (!r->decoded_as) {
		RERR(c, e->line, e->name, "rule %u: no decoder named '%s'", c->sigid, e->content);
		return EL_FAIL;
	}
	return EL_OK;
}

/* <info type="..."> and <cve>: kept both as typed entries (for the alert's
 * "info" list) and as the concatenated text Wazuh prints. */
static el_rc el_info(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	bool cve = !strcasecmp(e->name, "cve");
	int type = 0;
	const char *tv = yg_wxml_attr_get(e, "type");
	if (cve)
		type = 2;
	else if (tv) {
		static const char *const types[] = {"text", "link", "cve", "osvdb"};
		for (type = 0; type < 4 && strcmp(tv, types[type]); type++)
			;
		if (type == 4) {
			RERR(c, e->line, e->name, "rule %u: invalid info type '%s'", c->sigid, tv);
			return EL_FAIL;
		}
	}
	yg_info *in = realloc(r->infos, (r->ninfos + 1) * sizeof(*in));
	if (!in)
		return EL_FAIL;
	r->infos = in;
	in[r->ninfos].type = type;
	in[r->ninfos].data = strdup(e->content);
	if (!in[r->ninfos].data)
		return EL_FAIL;
	r->ninfos++;
	return append_text(cve ? &r->cve : &r->info, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_time(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	if (!parse_time(r, e->content)) {
		RERR(c, e->line, e->name, "rule %u: invalid time '%s'", c->sigid, e->content);
		return EL_FAIL;
	}
	r->opts |= YG_RO_EXTRAINFO;
	return EL_OK;
}

static el_rc el_weekday(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	if (!parse_weekday(r, e->content)) {
		RERR(c, e->line, e->name, "rule %u: invalid weekday '%s'", c->sigid, e->content);
		return EL_FAIL;
	}
	r->opts |= YG_RO_EXTRAINFO;
	return EL_OK;
}

static el_rc el_group(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t;
	if (!append_text(&r->group, e->content))
		return EL_FAIL;
	/* Wazuh drops newlines from group names */
	char *w = r->group, *rd = r->group;
	for (; *rd; rd++)
		if (*rd != '\n')
			*w++ = *rd;
	*w = '\0';
	return EL_OK;
}

static el_rc el_description(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t;
	char *d = strdup(e->content);
	if (!d)
		return EL_FAIL;
	/* Wazuh turns the first newline into a blank (only the first) */
	char *nl = strchr(d, '\n');
	if (nl)
		*nl = ' ';
	bool okd = append_text(&r->comment, d);
	free(d);
	return okd ? EL_OK : EL_FAIL;
}

/* <srcip>/<dstip>: repeated elements add to one address list. */
static el_rc el_ip(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	yg_pattern **pp = !strcasecmp(e->name, "srcip") ? &r->srcip : &r->dstip;
	char err[200];
	yg_err rc =
	        *pp ? yg_pattern_add_ip(*pp, e->content, err, sizeof(err))
	            : yg_pattern_compile(YG_PAT_IPLIST, e->content, false, pp, err, sizeof(err));
	if (rc) {
		RERR(c, e->line, e->name, "rule %u: %s", c->sigid, err);
		return EL_FAIL;
	}
	yg_pattern_set_negate(*pp, attr_negate(c, e));
	r->opts |= YG_RO_PACKETINFO;
	return EL_OK;
}

/* <field name="x">pattern</field>: compiled at once, unlike the pattern
 * elements, since each one stands alone. */
static el_rc el_field(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	const char *fname = yg_wxml_attr_get(e, "name");
	if (!fname || !*fname) {
		RERR(c, e->line, e->name, "rule %u: <field> without a name", c->sigid);
		return EL_FAIL;
	}
	if (r->nfields >= YG_RULE_MAX_FIELDS) {
		RERR(c, e->line, e->name, "rule %u: too many <field> elements", c->sigid);
		return EL_FAIL;
	}
	yg_rule_field *nf = realloc(r->fields, (r->nfields + 1) * sizeof(*nf));
	if (!nf)
		return EL_FAIL;
	r->fields = nf;
	char err[200];
	yg_pattern *p = NULL;
	if (yg_pattern_compile(attr_type(c, e, YG_PAT_OSREGEX), e->content, attr_negate(c, e), &p,
	                       err, sizeof(err))) {
		RERR(c, e->line, e->name, "rule %u: bad field '%s' pattern '%s': %s", c->sigid,
		     fname, e->content, err);
		return EL_FAIL;
	}
	nf[r->nfields].name = strdup(fname);
	nf[r->nfields].pat = p;
	r->nfields++;
	return EL_OK;
}

/* A bad <list> drops the rule (parse_list has said why), as Wazuh does. */
static el_rc el_list(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	return parse_list(c, r, e) ? EL_OK : EL_SKIP;
}

static el_rc el_compiled_rule(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	r->compiled = yg_compiled_find(e->content);
	if (!r->compiled) {
		RERR(c, e->line, e->name, "rule %u: compiled rule '%s' not found", c->sigid,
		     e->content);
		return EL_FAIL;
	}
	r->opts |= YG_RO_EXTRAINFO;
	return EL_OK;
}

static el_rc el_category(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	static const struct {
		const char *n;
		int t;
	} cats[] = {{"firewall", YG_DT_FIREWALL}, {"ids", YG_DT_IDS},
	            {"syslog", YG_DT_SYSLOG},     {"web-log", YG_DT_WEBLOG},
	            {"squid", YG_DT_SQUID},       {"windows", YG_DT_WINDOWS},
	            {"ossec", YG_DT_OSSEC}};
	for (size_t ci = 0; ci < sizeof(cats) / sizeof(cats[0]); ci++) {
		if (!strcmp(e->content, cats[ci].n)) {
			r->category = cats[ci].t;
			return EL_OK;
		}
	}
	RERR(c, e->line, e->name, "rule %u: invalid category '%s'", c->sigid, e->content);
	return EL_FAIL;
}

static el_rc el_if_sid(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t;
	return append_text(&r->if_sid, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_if_level(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	if (!is_num(e->content)) {
		RWARN(c, e->line, e->name, "rule %u: invalid if_level '%s'; rule skipped", c->sigid,
		      e->content);
		return EL_SKIP;
	}
	return append_text(&r->if_level, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_if_group(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t;
	return append_text(&r->if_group, e->content) ? EL_OK : EL_FAIL;
}

/* The if_matched_* elements make the rule a correlation (context) rule. */
static el_rc el_if_matched_regex(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c;
	r->context = true;
	return append_text(&t->if_matched_regex, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_if_matched_group(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c;
	r->context = true;
	return append_text(&t->if_matched_group, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_if_matched_sid(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	r->context = true;
	if (!is_num(e->content)) {
		RWARN(c, e->line, e->name, "rule %u: invalid if_matched_sid '%s'; rule skipped",
		      c->sigid, e->content);
		return EL_SKIP;
	}
	r->if_matched_sid = (unsigned)strtoul(e->content, NULL, 10);
	return EL_OK;
}

static el_rc el_deprecated(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)r, (void)t;
	RWARN(c, e->line, e->name, "rule %u: <%s> is deprecated and ignored", c->sigid, e->name);
	return EL_OK;
}

static el_rc el_check_diff(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t, (void)e;
	r->context = true;
	r->check_diff = true;
	r->opts |= YG_RO_EXTRAINFO;
	return EL_OK;
}

static el_rc el_if_fts(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t, (void)e;
	r->opts |= YG_RO_FTS;
	return EL_OK;
}

static el_rc el_global_frequency(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t, (void)e;
	r->global_frequency = true;
	return EL_OK;
}

/* <same_field>x</same_field>: dynamic fields are bit 31 plus a name list. */
static el_rc el_same_dyn_field(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t;
	r->same_field |= 1u << 31;
	return strv_push(&r->same_fields, &r->nsame_fields, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_not_same_dyn_field(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)c, (void)t;
	r->different_field |= 1u << 31;
	return strv_push(&r->not_same_fields, &r->nnot_same_fields, e->content) ? EL_OK : EL_FAIL;
}

static el_rc el_options(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	static const struct {
		const char *n;
		unsigned set, clear;
	} opts[] = {
	        {"alert_by_email", YG_RO_MAIL, 0},   {"no_email_alert", 0, YG_RO_MAIL},
	        {"log_alert", YG_RO_LOG, 0},         {"no_log", 0, YG_RO_LOG},
	        {"no_ar", YG_RO_NO_AR, 0},           {"no_full_log", YG_RO_NO_FULL_LOG, 0},
	        {"no_counter", YG_RO_NO_COUNTER, 0},
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (!strcmp(e->content, opts[i].n)) {
			r->opts = (r->opts | opts[i].set) & ~opts[i].clear;
			return EL_OK;
		}
	}
	RERR(c, e->line, e->name, "rule %u: invalid option '%s'", c->sigid, e->content);
	return EL_FAIL;
}

static el_rc el_ignore(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	return parse_ignore(c, e, &r->ignore, &r->ignore_fields, &r->nignore_fields) ? EL_OK
	                                                                             : EL_FAIL;
}

static el_rc el_check_if_ignored(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	(void)t;
	return parse_ignore(c, e, &r->ckignore, &r->ckignore_fields, &r->nckignore_fields)
	               ? EL_OK
	               : EL_FAIL;
}

static el_rc el_mitre(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	return parse_mitre(c, r, e, &t->mitre_new, &t->mitre_old) ? EL_OK : EL_FAIL;
}

/* The rule elements other than the pattern and same_/different_ ones, by
 * name (matched without case, as Wazuh does). */
static const struct rule_elem {
	const char *name;
	rule_elem_fn fn;
} rule_elems[] = {
        {"decoded_as", el_decoded_as},
        {"cve", el_info},
        {"info", el_info},
        {"time", el_time},
        {"weekday", el_weekday},
        {"group", el_group},
        {"description", el_description},
        {"srcip", el_ip},
        {"dstip", el_ip},
        {"field", el_field},
        {"list", el_list},
        {"compiled_rule", el_compiled_rule},
        {"category", el_category},
        {"if_sid", el_if_sid},
        {"if_level", el_if_level},
        {"if_group", el_if_group},
        {"if_matched_regex", el_if_matched_regex},
        {"if_matched_group", el_if_matched_group},
        {"if_matched_sid", el_if_matched_sid},
        {"same_agent", el_deprecated},
        {"not_same_agent", el_deprecated},
        {"check_diff", el_check_diff},
        {"if_fts", el_if_fts},
        {"global_frequency", el_global_frequency},
        {"same_field", el_same_dyn_field},
        {"not_same_field", el_not_same_dyn_field},
        {"different_field", el_not_same_dyn_field},
        {"options", el_options},
        {"ignore", el_ignore},
        {"check_if_ignored", el_check_if_ignored},
        {"mitre", el_mitre},
};

/* One child element of <rule>: the pattern elements first, then the
 * same_/different_ flags (some of which are matched with case), then the
 * table above. */
static el_rc read_element(rule_ctx *c, yg_rule *r, rule_texts *t, const yg_wxml_node *e)
{
	const char *el = e->name;
	for (size_t pi = 0; pi < NPAT; pi++)
		if (!strcasecmp(el, pat_elems[pi].name))
			return el_pattern(c, r, t, e, pi);
	for (size_t fi = 0; fi < sizeof(field_elems) / sizeof(field_elems[0]); fi++) {
		const field_elem *f = &field_elems[fi];
		if (f->casefold ? !strcasecmp(el, f->name) : !strcmp(el, f->name)) {
			el_same_field(r, f);
			return EL_OK;
		}
	}
	for (size_t i = 0; i < sizeof(rule_elems) / sizeof(rule_elems[0]); i++)
		if (!strcasecmp(el, rule_elems[i].name))
			return rule_elems[i].fn(c, r, t, e);
	RERR(c, e->line, el, "rule %u: invalid element '%s'", c->sigid, el);
	return EL_FAIL;
}

/* Reads every child of <rule> into r and t. False on an error (reported,
 * or out of memory); true with *skip set when the rule is to be dropped. */
static bool read_elements(rule_ctx *c, yg_rule *r, const yg_wxml_node *node, rule_texts *t,
                          bool *skip)
{
	for (size_t k = 0; k < node->nchildren; k++) {
		el_rc rc = read_element(c, r, t, node->children[k]);
		if (rc == EL_SKIP)
			*skip = true;
		if (rc != EL_OK)
			return rc == EL_SKIP;
	}
	return true;
}

static bool parse_attributes(rule_ctx *c, const yg_wxml_node *n, yg_rule *r, int *accuracy,
                             bool *overwrite)
{
	int id = -1, level = -1;
	r->timeframe = YG_DEFAULT_TIMEFRAME;
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *an = n->attrs[i].name, *av = n->attrs[i].value;
		if (!strcasecmp(an, "id")) {
			if (!is_num(av) || strlen(av) > 6) {
				RERR(c, n->line, "rule",
				     "invalid rule id '%s' (an integer of at most 6 digits)", av);
				return false;
			}
			id = atoi(av);
		} else if (!strcasecmp(an, "level")) {
			if (!is_num(av) || strlen(av) > 3 || atoi(av) > 16) {
				RERR(c, n->line, "rule", "invalid level '%s' (0 to 16)", av);
				return false;
			}
			level = atoi(av);
		} else if (!strcasecmp(an, "maxsize")) {
			if (!is_num(av) || strlen(av) > 9) {
				RERR(c, n->line, "rule", "invalid maxsize '%s' (at most 9 digits)",
				     av);
				return false;
			}
			r->maxsize = atoi(av) % 10000;
		} else if (!strcasecmp(an, "timeframe")) {
			if (!is_num(av) || strlen(av) > 9) {
				RERR(c, n->line, "rule", "invalid timeframe '%s'", av);
				return false;
			}
			r->timeframe = atoi(av);
		} else if (!strcasecmp(an, "frequency")) {
			int f = is_num(av) && strlen(av) <= 5 ? atoi(av) : -1;
			if (f < 2 || f > 9999) {
				RERR(c, n->line, "rule", "invalid frequency '%s' (2 to 9999)", av);
				return false;
			}
			r->frequency = f - 2;
		} else if (!strcasecmp(an, "accuracy")) {
			if (!is_num(av) || strlen(av) > 9) {
				RERR(c, n->line, "rule", "invalid accuracy '%s' (at most 9 digits)",
				     av);
				return false;
			}
			*accuracy = atoi(av);
		} else if (!strcasecmp(an, "ignore")) {
			if (!is_num(av) || strlen(av) > 9) {
				RERR(c, n->line, "rule", "invalid ignore '%s'", av);
				return false;
			}
			r->ignore_time = atoi(av);
		} else if (!strcasecmp(an, "noalert")) {
			if (!strcmp(av, "1"))
				r->noalert = true;
			else if (strcmp(av, "0") != 0)
				RWARN(c, n->line, "rule", "invalid noalert value '%s'", av);
		} else if (!strcasecmp(an, "overwrite")) {
			if (!strcmp(av, "yes"))
				*overwrite = true;
			else if (strcmp(av, "no") != 0) {
				RERR(c, n->line, "rule", "invalid overwrite '%s' (yes or no)", av);
				return false;
			}
		} else {
			RERR(c, n->line, "rule", "invalid rule attribute '%s'", an);
			return false;
		}
	}
	if (id < 0 || level < 0) {
		RERR(c, n->line, "rule", "a rule needs both id and level");
		return false;
	}
	r->sigid = (unsigned)id;
	r->level = level;
	return true;
}

static bool compile_texts(rule_ctx *c, yg_rule *r, rule_texts *t)
{
	char err[200];
	for (size_t i = 0; i < NPAT; i++) {
		if (!t->text[i])
			continue;
		yg_pattern **pp = (yg_pattern **)((char *)r + pat_elems[i].offset);
		if (yg_pattern_compile(t->type[i], t->text[i], t->negate[i], pp, err,
		                       sizeof(err))) {
			RERR(c, t->line[i], pat_elems[i].name, "rule %u: bad <%s> '%s': %s",
			     c->sigid, pat_elems[i].name, t->text[i], err);
			return false;
		}
	}
	if (t->if_matched_group && yg_pattern_compile(YG_PAT_OSMATCH, t->if_matched_group, false,
	                                              &r->if_matched_group, err, sizeof(err))) {
		RERR(c, c->line, "if_matched_group", "rule %u: bad pattern '%s': %s", c->sigid,
		     t->if_matched_group, err);
		return false;
	}
	if (t->if_matched_regex && yg_pattern_compile(YG_PAT_OSREGEX, t->if_matched_regex, false,
	                                              &r->if_matched_regex, err, sizeof(err))) {
		RERR(c, c->line, "if_matched_regex", "rule %u: bad pattern '%s': %s", c->sigid,
		     t->if_matched_regex, err);
		return false;
	}
	return true;
}

/* ---- the tree ---- */

static size_t sid_slot(const yg_ruleset *rs, unsigned sid)
{
	size_t mask = rs->by_sid_cap - 1, i = (sid * 2654435761u) & mask;
	while (rs->by_sid[i] && rs->by_sid[i]->sigid != sid)
		i = (i + 1) & mask;
	return i;
}

static yg_rule *sid_get(const yg_ruleset *rs, unsigned sid)
{
	if (!rs->by_sid_cap)
		return NULL;
	return rs->by_sid[sid_slot(rs, sid)];
}

const yg_rule *yg_rule_by_sid(const yg_ruleset *rs, unsigned sid)
{
	return sid_get(rs, sid);
}

static bool sid_put(yg_ruleset *rs, yg_rule *r)
{
	if ((rs->nrules + 1) * 2 > rs->by_sid_cap) {
		size_t cap = rs->by_sid_cap ? rs->by_sid_cap * 2 : 1024;
		yg_rule **old = rs->by_sid;
		size_t oldcap = rs->by_sid_cap;
		rs->by_sid = calloc(cap, sizeof(*rs->by_sid));
		if (!rs->by_sid) {
			rs->by_sid = old;
			return false;
		}
		rs->by_sid_cap = cap;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				rs->by_sid[sid_slot(rs, old[i]->sigid)] = old[i];
		free(old);
	}
	rs->by_sid[sid_slot(rs, r->sigid)] = r;
	return true;
}

/* Every rule in the tree is registered in by_sid, so these are lookups. */
static bool rule_exists(const yg_ruleset *rs, unsigned sid)
{
	return sid_get(rs, sid) != NULL;
}

static yg_rule *find_rule(const yg_ruleset *rs, unsigned sid)
{
	return sid_get(rs, sid);
}

/* Inserts r into a child list before the first node of lower level. */
static bool insert_sorted(yg_rnode **list, yg_rule *r)
{
	yg_rnode *node = calloc(1, sizeof(*node));
	if (!node)
		return false;
	node->rule = r;
	if (!r->nnodes++)
		r->node0 = node;
	yg_rnode **pp = list;
	while (*pp && !(r->level > (*pp)->rule->level))
		pp = &(*pp)->next;
	node->next = *pp;
	*pp = node;
	return true;
}

/* Wazuh's _AddtoRule. Returns 1 when added at least once. `memo` caches
 * word_match(group, rule->group) per rule index (0 unknown, 1 yes, 2 no):
 * the same rule can sit under many parents. */
static int add_to_rule_m(unsigned sid, int level, const char *group, yg_rnode *n, yg_rule *r,
                         unsigned char *memo, size_t nmemo)
{
	int added = 0;
	for (; n; n = n->next) {
		if (sid) {
			if (n->rule->sigid == sid) {
				r->category = n->rule->category;
				return insert_sorted(&n->child, r) ? 1 : 0;
			}
		} else if (group) {
			size_t ix = (size_t)n->rule->index;
			bool m;
			if (memo && ix < nmemo && memo[ix]) {
				m = memo[ix] == 1;
			} else {
				m = word_match(group, n->rule->group);
				if (memo && ix < nmemo)
					memo[ix] = m ? 1 : 2;
			}
			if (m && n->rule->sigid != r->sigid) {
				if (insert_sorted(&n->child, r))
					added = 1;
			}
		} else if (level) {
			if (n->rule->level >= level && n->rule->sigid != r->sigid) {
				if (insert_sorted(&n->child, r))
					added = 1;
			}
		} else if (r->category != n->rule->category) {
			continue;
		} else {
			return insert_sorted(&n->child, r) ? 1 : 0;
		}
		if (n->child && add_to_rule_m(sid, level, group, n->child, r, memo, nmemo))
			added = 1;
	}
	return added;
}

static int add_to_rule(unsigned sid, int level, const char *group, yg_rnode *n, yg_rule *r)
{
	return add_to_rule_m(sid, level, group, n, r, NULL, 0);
}

static int add_to_group(yg_ruleset *rs, const char *group, yg_rule *r)
{
	size_t n = rs->nrules + 1;
	unsigned char *memo = calloc(n, 1);
	int rc = add_to_rule_m(0, 0, group, rs->rules_root, r, memo, memo ? n : 0);
	free(memo);
	return rc;
}

static bool add_child(rule_ctx *c, yg_rule *r)
{
	yg_rnode *root = c->rs->rules_root;
	if (r->if_sid) {
		bool any = false;
		const char *p = r->if_sid;
		yg_ruleset *rs = c->rs;
		while (*p) {
			if (*p == ',' || *p == ' ') {
				p++;
				continue;
			}
			unsigned sid = (unsigned)strtoul(p, NULL, 10);
			while (isdigit((unsigned char)*p))
				p++;
			yg_rule *target = sid_get(rs, sid);
			int added;
			if (target && target->nnodes == 1) {
				/* one node: the depth-first search would find it */
				r->category = target->category;
				added = insert_sorted(&target->node0->child, r) ? 1 : 0;
			} else {
				added = target ? add_to_rule(sid, 0, NULL, root, r) : 0;
			}
			if (added) {
				any = true;
			} else if (r->if_matched_sid) {
				RWARN(c, r->line, "if_matched_sid",
				      "rule %u: signature %u not found; rule skipped", r->sigid,
				      sid);
				return false;
			} else {
				RWARN(c, r->line, "if_sid", "rule %u: if_sid %u not found",
				      r->sigid, sid);
			}
		}
		if (!any) {
			RWARN(c, r->line, "if_sid",
			      "rule %u: none of its if_sid rules exist; rule skipped", r->sigid);
			return false;
		}
		return true;
	}
	if (r->if_level) {
		int lv = atoi(r->if_level);
		if (lv == 0) {
			RWARN(c, r->line, "if_level", "rule %u: invalid if_level '%s'", r->sigid,
			      r->if_level);
			return false;
		}
		if (!add_to_rule(0, lv * 100, NULL, root, r)) {
			RWARN(c, r->line, "if_level", "rule %u: no rule of level %d or more",
			      r->sigid, lv);
			return false;
		}
		return true;
	}
	if (r->if_group) {
		if (!add_to_group(c->rs, r->if_group, r)) {
			RWARN(c, r->line, "if_group", "rule %u: group '%s' not found; rule skipped",
			      r->sigid, r->if_group);
			return false;
		}
		return true;
	}
	if (!add_to_rule(0, 0, NULL, root, r)) {
		RWARN(c, r->line, "rule",
		      "rule %u: no top-level rule of its category; rule skipped", r->sigid);
		return false;
	}
	return true;
}

/* Wazuh's OS_AddRuleInfo: the new definition replaces the old one's contents,
 * keeping its place in the tree and its if_* wiring. */
static void overwrite_rule(yg_rule *old, yg_rule *nw)
{
	yg_rule keep = *old;
	rule_free_contents(old);
	yg_rule merged = *nw;
	merged.sigid = keep.sigid;
	merged.if_sid = keep.if_sid;
	merged.if_group = keep.if_group;
	merged.if_level = keep.if_level;
	merged.if_matched_sid = keep.if_matched_sid;
	merged.if_matched_group = keep.if_matched_group;
	merged.search = keep.search;
	merged.sid_list = keep.sid_list;
	merged.group_list = keep.group_list;
	merged.own_sid_list = keep.own_sid_list;
	merged.feeds_groups = keep.feeds_groups;
	merged.nfeeds_groups = keep.nfeeds_groups;
	merged.index = keep.index;
	merged.node0 = keep.node0;
	merged.nnodes = keep.nnodes;
	*old = merged;
	/* nw's contents now belong to old; free only what was not taken */
	free(nw->if_sid);
	free(nw->if_group);
	free(nw->if_level);
	yg_pattern_destroy(nw->if_matched_group);
	free(nw);
}

static bool register_rule(yg_ruleset *rs, yg_rule *r)
{
	if (!sid_put(rs, r))
		return false;
	yg_rule **a = realloc(rs->rules, (rs->nrules + 1) * sizeof(*a));
	if (!a)
		return false;
	rs->rules = a;
	r->index = (int)rs->nrules;
	a[rs->nrules++] = r;
	return true;
}

static void mark_groups(yg_rnode *n, yg_rule *searcher)
{
	for (; n; n = n->next) {
		yg_rule *r = n->rule;
		if (r->group && yg_pattern_test(searcher->if_matched_group, r->group, NULL)) {
			bool have = false;
			for (size_t i = 0; i < r->nfeeds_groups; i++)
				have |= r->feeds_groups[i] == searcher->group_list;
			if (!have) {
				int *f = realloc(r->feeds_groups,
				                 (r->nfeeds_groups + 1) * sizeof(int));
				if (f) {
					r->feeds_groups = f;
					f[r->nfeeds_groups++] = searcher->group_list;
				}
			}
		}
		if (n->child)
			mark_groups(n->child, searcher);
	}
}

/* Wires correlation as Wazuh does right after adding the rule. */
static void wire_search(yg_ruleset *rs, yg_rule *r)
{
	if (r->if_matched_sid && !(r->opts & YG_RO_OVERWRITE)) {
		r->search = YG_SEARCH_SIDS;
		yg_rule *target = find_rule(rs, r->if_matched_sid);
		r->sid_list = -1;
		if (target) {
			if (target->own_sid_list < 0)
				target->own_sid_list = rs->nsid_lists++;
			r->sid_list = target->own_sid_list;
		}
	} else if (r->if_matched_group && !(r->opts & YG_RO_OVERWRITE)) {
		r->search = YG_SEARCH_GROUPS;
		r->group_list = rs->ngroup_lists++;
		mark_groups(rs->rules_root, r);
	} else if (r->context) {
		if (r->check_diff)
			r->context = false;
		else
			r->search = YG_SEARCH_EVENTS;
	}
}

/* An allocation failed while adding the rule at `line`: said, never silent,
 * and the whole load then fails (a ruleset missing a rule is not the one
 * the user wrote). */
static void rule_oom(rule_ctx *c, int line)
{
	RERR(c, line, "rule", "rule %u: out of memory; the rule is not loaded", c->sigid);
	c->oom = true;
}

/* A fresh rule with the defaults of the fields no element may set. */
static yg_rule *rule_new(rule_ctx *c, const yg_wxml_node *n)
{
	yg_rule *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->category = YG_DT_SYSLOG;
	r->own_sid_list = -1;
	r->sid_list = -1;
	r->group_list = -1;
	r->file = c->file;
	r->line = n->line;
	return r;
}

/* The <rule> tag's attributes and what follows from them. False drops the
 * rule (reported). *overwrite ends true only when a rule of that id exists:
 * overwrite="yes" on a new id is a plain definition. */
static bool rule_head(rule_ctx *c, const yg_wxml_node *n, yg_rule *r, const char *group_name,
                      bool *overwrite)
{
	int accuracy = 1;
	if (!parse_attributes(c, n, r, &accuracy, overwrite))
		return false;
	c->sigid = r->sigid;
	if (rule_exists(c->rs, r->sigid)) {
		if (!*overwrite) {
			RWARN(c, n->line, "rule",
			      "rule %u is defined again; the new definition is ignored (use "
			      "overwrite=\"yes\")",
			      r->sigid);
			return false;
		}
	} else {
		*overwrite = false;
	}
	if (*overwrite)
		r->opts |= YG_RO_OVERWRITE;
	if (r->noalert)
		r->opts |= YG_RO_NO_ALERT;
	/* Wazuh's defaults: mail_alert_level 7? logging by level: log everything
	 * from alerts.log_alert_level (1) up; mail is informative only here. */
	if (r->level >= 1)
		r->opts |= YG_RO_LOG;
	if (r->level == 0)
		r->level = 99;
	if (accuracy)
		r->level *= 100;
	if (r->maxsize > 0)
		r->opts |= YG_RO_EXTRAINFO;
	r->group = strdup(group_name);
	if (!r->group) {
		rule_oom(c, n->line);
		return false;
	}
	return true;
}

/* What the elements must satisfy together, checked once all are read; then
 * the parents Wazuh derives from if_matched_group/if_matched_sid when the
 * rule names none. False drops the rule (reported). */
static bool rule_check(rule_ctx *c, const yg_wxml_node *n, yg_rule *r, const rule_texts *t,
                       bool overwrite)
{
	for (const char *p = r->if_sid; p && *p; p++) {
		if (!isdigit((unsigned char)*p) && *p != ',' && *p != ' ') {
			RWARN(c, n->line, "if_sid", "rule %u: invalid if_sid '%s'; rule skipped",
			      r->sigid, r->if_sid);
			return false;
		}
	}
	if (!r->comment) {
		RERR(c, n->line, "description", "rule %u has no <description>", r->sigid);
		return false;
	}
	if ((r->check_diff || r->global_frequency || r->same_field || r->different_field ||
	     r->frequency) &&
	    !r->context) {
		RERR(c, n->line, "rule",
		     "rule %u: frequency/same_*/different_* need if_matched_sid, if_matched_group "
		     "or if_matched_regex",
		     r->sigid);
		return false;
	}
	if (t->if_matched_group && !overwrite && !r->if_sid && !r->if_group)
		r->if_group = strdup(t->if_matched_group);
	if (r->if_matched_sid && !r->if_sid && !r->if_group && !overwrite) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%u", r->if_matched_sid);
		r->if_sid = strdup(buf);
	}
	return true;
}

/* Rules below id 10 are roots, kept in file order. */
static bool add_root(yg_ruleset *rs, yg_rule *r)
{
	yg_rnode *node = calloc(1, sizeof(*node));
	if (!node || !register_rule(rs, r)) {
		free(node);
		return false;
	}
	node->rule = r;
	r->node0 = node;
	r->nnodes = 1;
	yg_rnode **pp = &rs->rules_root;
	while (*pp)
		pp = &(*pp)->next;
	*pp = node;
	return true;
}

/* Puts a complete rule into the ruleset: as a root, over the rule it
 * overwrites, or under its parents. *rp is set to NULL when the ruleset
 * took the rule (even on a failure after it was linked into the tree).
 * False: not loaded (reported). */
static bool rule_attach(rule_ctx *c, int line, yg_rule **rp, bool overwrite)
{
	yg_rule *r = *rp;
	if (r->sigid < 10) {
		if (!add_root(c->rs, r)) {
			rule_oom(c, line);
			return false;
		}
	} else {
		yg_rule *old = overwrite ? find_rule(c->rs, r->sigid) : NULL;
		if (old) {
			overwrite_rule(old, r);
			*rp = NULL;
			return true;
		}
		if (!add_child(c, r))
			return false;
		if (!register_rule(c->rs, r)) {
			*rp = NULL; /* out of memory: already in the tree, so not freed */
			rule_oom(c, line);
			return false;
		}
	}
	free(r->if_group);
	r->if_group = NULL;
	wire_search(c->rs, r);
	*rp = NULL; /* owned by the ruleset now */
	return true;
}

/* Loads one <rule>; a rule that cannot be loaded is reported and left out. */
static void process_rule(rule_ctx *c, const yg_wxml_node *n, const char *group_name)
{
	rule_texts t;
	memset(&t, 0, sizeof(t));
	bool overwrite = false, skip = false, ok = false;
	c->line = n->line;
	c->sigid = 0;
	yg_rule *r = rule_new(c, n);
	if (!r) {
		rule_oom(c, n->line);
		return;
	}
	if (rule_head(c, n, r, group_name, &overwrite) && read_elements(c, r, n, &t, &skip) &&
	    !skip && rule_check(c, n, r, &t, overwrite) && compile_texts(c, r, &t))
		ok = rule_attach(c, n->line, &r, overwrite);
	texts_free(&t);
	if (!ok)
		rule_free(r);
}

/* Adds every rule of a parsed file; takes ownership of doc. */
yg_err yg_rules_load_doc(yg_ruleset *rs, yg_wxml_doc *doc, const char *path, yg_diag *diag)
{
	size_t errors_before = yg_diag_errors(diag);
	rule_ctx c = {.rs = rs, .diag = diag, .file = yg_ruleset_intern_file(rs, path)};
	size_t n = yg_wxml_doc_nroots(doc);
	for (size_t i = 0; i < n; i++) {
		const yg_wxml_node *g = yg_wxml_doc_root(doc, i);
		if (!strcasecmp(g->name, "var"))
			continue;
		if (strcasecmp(g->name, "group") != 0) {
			RERR(&c, g->line, g->name,
			     "invalid root element '%s'; only <group> is allowed", g->name);
			continue;
		}
		const char *gname = yg_wxml_attr_get(g, "name");
		if (!gname || g->nattrs != 1) {
			RERR(&c, g->line, "group", "<group> takes exactly one attribute, name");
			continue;
		}
		for (size_t j = 0; j < g->nchildren; j++) {
			const yg_wxml_node *rn = g->children[j];
			if (strcasecmp(rn->name, "rule") != 0) {
				RERR(&c, rn->line, rn->name, "invalid element '%s' in <group>",
				     rn->name);
				continue;
			}
			process_rule(&c, rn, gname);
		}
	}
	yg_wxml_doc_destroy(doc);
	if (c.oom)
		return YG_ENOMEM;
	return yg_diag_errors(diag) > errors_before ? YG_EPARSE : YG_OK;
}

static void set_levels(yg_rnode *n)
{
	for (; n; n = n->next) {
		if (n->rule->level >= 0) {
			if (n->rule->level == 9900)
				n->rule->level = 0;
			if (n->rule->level >= 100)
				n->rule->level /= 100;
			n->rule->level = -n->rule->level - 1; /* mark done (shared nodes) */
		}
		if (n->child)
			set_levels(n->child);
	}
}

static void unmark_levels(yg_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i]->level < 0)
			rs->rules[i]->level = -rs->rules[i]->level - 1;
}

/* Wazuh's _setlevels: back from the sorting scale to 0..16. */
yg_err yg_rules_finish(yg_ruleset *rs, yg_diag *diag)
{
	(void)diag;
	set_levels(rs->rules_root);
	unmark_levels(rs);
	for (size_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i]->frequency + 2 > rs->max_frequency)
			rs->max_frequency = rs->rules[i]->frequency + 2;
		if (!yg_mitre_resolve(&rs->rules[i]->mitre))
			return YG_ENOMEM;
	}
	return yg_dispatch_build(rs);
}
