/* decoder_load.c: reading Wazuh decoder files into the decoder tree.
 *
 * Follows Wazuh's ReadDecodeXML/OS_AddOSDecoder semantics: root decoders go
 * to one of two lists (with and without <program_name>), children hang off
 * every root of their parent's name, siblings sharing a name chain their
 * regexes (get_next), and a child reports its parent's name unless
 * use_own_name is true. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/ruleset_int.h"
#include "engine/wxml.h"

/* Wazuh refuses element contents longer than this (OS_SIZE_1024). */
#define YG_DECODER_MAX_TEXT 1024

static const char *const internal_decoders[] = {
        "rootcheck",
        "syscheck_integrity_changed",
        "syscheck_new_entry",
        "syscheck_deleted",
        "syscheck_registry_key_modified",
        "syscheck_registry_key_added",
        "syscheck_registry_key_deleted",
        "syscheck_registry_value_modified",
        "syscheck_registry_value_added",
        "syscheck_registry_value_deleted",
        "hostinfo_new",
        "hostinfo_modified",
        "syscollector",
        "ciscat",
        "windows_eventchannel",
        "sca",
};

int yg_decoder_id_by_name(const yg_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->ndecoder_names; i++)
		if (strcmp(rs->decoder_names[i], name) == 0)
			return (int)i + 1;
	return 0;
}

static int add_name(yg_ruleset *rs, const char *name)
{
	int id = yg_decoder_id_by_name(rs, name);
	if (id)
		return id;
	char **n = realloc(rs->decoder_names, (rs->ndecoder_names + 1) * sizeof(*n));
	if (!n)
		return 0;
	rs->decoder_names = n;
	n[rs->ndecoder_names] = strdup(name);
	if (!n[rs->ndecoder_names])
		return 0;
	rs->ndecoder_names++;
	return (int)rs->ndecoder_names;
}

static void decoder_free(yg_decoder *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->parent);
	free(d->ftscomment);
	yg_pattern_destroy(d->program_name);
	yg_pattern_destroy(d->prematch);
	yg_pattern_destroy(d->regex);
	for (int i = 0; i < d->norder; i++)
		free((char *)d->order[i].name);
	free(d);
}

static void dnode_free(yg_dnode *n)
{
	while (n) {
		yg_dnode *next = n->next;
		dnode_free(n->child);
		free(n);
		n = next;
	}
}

void yg_decoders_free(yg_ruleset *rs)
{
	dnode_free(rs->dec_pn);
	dnode_free(rs->dec_nopn);
	for (size_t i = 0; i < rs->ndecoders; i++)
		decoder_free(rs->decoders[i]);
	free(rs->decoders);
	for (size_t i = 0; i < rs->ndecoder_names; i++)
		free(rs->decoder_names[i]);
	free(rs->decoder_names);
}

/* Appends `text` to *acc as Wazuh's _loadmemory does (plain concatenation),
 * refusing results over YG_DECODER_MAX_TEXT. */
static bool append_text(char **acc, const char *text)
{
	size_t have = *acc ? strlen(*acc) : 0, add = strlen(text);
	if (have + add >= YG_DECODER_MAX_TEXT)
		return false;
	char *s = realloc(*acc, have + add + 1);
	if (!s)
		return false;
	memcpy(s + have, text, add + 1);
	*acc = s;
	return true;
}

static int parse_offset(const yg_wxml_node *n, bool *bad)
{
	const char *v = yg_wxml_attr_get(n, "offset");
	*bad = false;
	if (!v)
		return YG_OFF_NONE;
	if (!strcasecmp(v, "after_parent"))
		return YG_OFF_AFTER_PARENT;
	if (!strcasecmp(v, "after_prematch"))
		return YG_OFF_AFTER_PREMATCH;
	if (!strcasecmp(v, "after_regex"))
		return YG_OFF_AFTER_REGEX;
	*bad = true;
	return YG_OFF_NONE;
}

static int parse_type(const char *v)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
	        {"firewall", YG_DT_FIREWALL},
	        {"ids", YG_DT_IDS},
	        {"web-log", YG_DT_WEBLOG},
	        {"syslog", YG_DT_SYSLOG},
	        {"squid", YG_DT_SQUID},
	        {"windows", YG_DT_WINDOWS},
	        {"host-information", YG_DT_HOSTINFO},
	        {"ossec", YG_DT_OSSEC},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(v, types[i].name))
			return types[i].type;
	return -1;
}

/* Splits a comma list into trimmed words; calls fn for each. Returns false
 * on an empty word (Wazuh: "Wrong field"). */
static bool for_each_word(const char *list, bool (*fn)(void *, const char *), void *ctx)
{
	const char *p = list;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char word[256];
		size_t s = 0;
		while (s < len && p[s] == ' ')
			s++;
		size_t e = s;
		while (e < len && p[e] != ' ')
			e++;
		if (e == s || e - s >= sizeof(word))
			return false;
		memcpy(word, p + s, e - s);
		word[e - s] = '\0';
		if (!fn(ctx, word))
			return false;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

static bool add_order_word(void *ctx, const char *w)
{
	yg_decoder *d = ctx;
	if (d->norder >= YG_DECODER_MAX_ORDER)
		return false;
	yg_order *o = &d->order[d->norder];
	o->sfield = yg_sfield_from_order(w);
	o->name = NULL;
	if (o->sfield < 0) {
		o->name = strdup(w);
		if (!o->name)
			return false;
	}
	d->norder++;
	return true;
}

static bool add_fts_word(void *ctx, const char *w)
{
	yg_decoder *d = ctx;
	if (!strcmp(w, "dstuser") || !strcmp(w, "user"))
		d->fts |= YG_FTS_DSTUSER;
	else if (!strcmp(w, "srcuser"))
		d->fts |= YG_FTS_SRCUSER;
	else if (!strcmp(w, "srcip"))
		d->fts |= YG_FTS_SRCIP;
	else if (!strcmp(w, "dstip"))
		d->fts |= YG_FTS_DSTIP;
	else if (!strcmp(w, "id"))
		d->fts |= YG_FTS_ID;
	else if (!strcmp(w, "location"))
		d->fts |= YG_FTS_LOCATION;
	else if (!strcmp(w, "data") || !strcmp(w, "extra_data"))
		d->fts |= YG_FTS_DATA;
	else if (!strcmp(w, "system_name"))
		d->fts |= YG_FTS_SYSTEMNAME;
	else if (!strcmp(w, "name"))
		d->fts |= YG_FTS_NAME;
	else {
		for (int i = 0; i < d->norder; i++) {
			if (d->order[i].name && !strcasecmp(d->order[i].name, w)) {
				d->fts |= YG_FTS_DYNAMIC;
				d->fts_fields[i] = true;
				return true;
			}
		}
		return false;
	}
	return true;
}

/* Adds `d` to the node list `*list` as Wazuh's _OS_AddOSDecoder does: at the
 * end, marking same-named siblings for regex chaining. Returns false (with a
 * message) when Wazuh would refuse it. */
static bool add_to_list(yg_dnode **list, yg_decoder *d, yg_diag *diag)
{
	bool prev_ok = false;
	yg_dnode *tail = NULL;
	for (yg_dnode *n = *list; n; n = n->next) {
		tail = n;
		if (d->parent && strcmp(n->dec->name, d->name) == 0) {
			if ((n->dec->prematch || n->dec->regex) && d->regex_offset)
				prev_ok = true;
			if (d->prematch) {
				yg_diag_add(diag, YG_SEV_ERROR, d->file, d->line, "decoder",
				            "decoder '%s': a multi-regex decoder cannot have "
				            "<prematch>",
				            d->name);
				return false;
			}
			if (d->fts) {
				yg_diag_add(diag, YG_SEV_ERROR, d->file, d->line, "decoder",
				            "decoder '%s': a multi-regex decoder cannot have <fts>",
				            d->name);
				return false;
			}
			if ((n->dec->regex || n->dec->plugin) && (d->regex || d->plugin)) {
				n->dec->get_next = true;
			} else {
				yg_diag_add(diag, YG_SEV_ERROR, d->file, d->line, "decoder",
				            "duplicate decoder '%s' without a regex to chain",
				            d->name);
				return false;
			}
		}
	}
	if (!prev_ok && (d->regex_offset & YG_OFF_AFTER_REGEX)) {
		yg_diag_add(diag, YG_SEV_ERROR, d->file, d->line, "regex",
		            "decoder '%s': offset=\"after_regex\" needs a previous regex", d->name);
		return false;
	}
	yg_dnode *node = calloc(1, sizeof(*node));
	if (!node)
		return false;
	node->dec = d;
	if (tail)
		tail->next = node;
	else
		*list = node;
	return true;
}

static bool attach(yg_ruleset *rs, yg_decoder *d, yg_diag *diag)
{
	if (!d->parent) {
		yg_dnode **list = d->program_name ? &rs->dec_pn : &rs->dec_nopn;
		return add_to_list(list, d, diag);
	}
	bool added = false;
	yg_dnode *lists[2] = {rs->dec_pn, rs->dec_nopn};
	for (int l = 0; l < 2; l++) {
		for (yg_dnode *n = lists[l]; n; n = n->next) {
			if (strcmp(n->dec->name, d->parent) != 0)
				continue;
			if (!add_to_list(&n->child, d, diag))
				return false;
			added = true;
		}
	}
	if (!added)
		yg_diag_add(diag, YG_SEV_ERROR, d->file, d->line, "parent",
		            "decoder '%s': parent decoder '%s' not found", d->name, d->parent);
	return added;
}

static bool compile(yg_decoder *d, yg_pattern **out, yg_pat_type type, const char *text,
                    const char *elem, yg_diag *diag)
{
	char err[200];
	if (yg_pattern_compile(type, text, false, out, err, sizeof(err))) {
		yg_diag_add(diag, YG_SEV_ERROR, d->file, d->line, elem,
		            "decoder '%s': bad %s '%s': %s", d->name, yg_pat_type_name(type), text,
		            err);
		return false;
	}
	return true;
}

/* One <decoder> being read: the decoder, and the pattern texts that are
 * only compiled once every element is read (Wazuh concatenates repeated
 * <regex>/<prematch>/<program_name> elements first). */
typedef struct dec_read {
	yg_decoder *d;
	const char *file;
	yg_diag *diag;
	char *regex, *prematch, *pname;
	yg_pat_type regex_t, pre_t, pname_t;
} dec_read;

/* What an element handler tells read_decoder: go on, refuse the decoder
 * (reported, or out of memory), or refuse it for a text too long. */
typedef enum del_rc { DEL_OK, DEL_FAIL, DEL_TOOLONG } del_rc;

static del_rc del_append(char **acc, const char *text)
{
	return append_text(acc, text) ? DEL_OK : DEL_TOOLONG;
}

static void del_warn(dec_read *x, const yg_wxml_node *e, const char *what)
{
	yg_diag_add(x->diag, YG_SEV_WARNING, x->file, e->line, e->name, "decoder '%s': %s",
	            x->d->name, what);
}

static del_rc del_parent(dec_read *x, const yg_wxml_node *e)
{
	return del_append(&x->d->parent, e->content);
}

/* The type="" of <regex> and <prematch>: osregex or pcre2, else a warning
 * and osregex. */
static yg_pat_type del_regex_type(dec_read *x, const yg_wxml_node *e)
{
	yg_pat_type t;
	if (!yg_pat_type_parse(yg_wxml_attr_get(e, "type"), YG_PAT_OSREGEX, &t) ||
	    (t != YG_PAT_OSREGEX && t != YG_PAT_PCRE2)) {
		del_warn(x, e, "invalid type, using osregex");
		t = YG_PAT_OSREGEX;
	}
	return t;
}

static del_rc del_regex(dec_read *x, const yg_wxml_node *e)
{
	bool bad_off;
	int off = parse_offset(e, &bad_off);
	if (bad_off)
		del_warn(x, e, "invalid offset, using none");
	if (x->regex && off) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': only the first <regex> may have an offset", x->d->name);
		return DEL_FAIL;
	}
	if (off)
		x->d->regex_offset = off;
	x->regex_t = del_regex_type(x, e);
	return del_append(&x->regex, e->content);
}

/* Unlike <regex>, a bad prematch offset is an error in Wazuh, yet the
 * decoder is still loaded (without the offset). */
static del_rc del_prematch(dec_read *x, const yg_wxml_node *e)
{
	bool bad_off;
	int off = parse_offset(e, &bad_off);
	if (bad_off)
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': invalid offset", x->d->name);
	if (x->prematch && off) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': only the first <prematch> may have an offset",
		            x->d->name);
		return DEL_FAIL;
	}
	if (off)
		x->d->prematch_offset = off;
	x->pre_t = del_regex_type(x, e);
	return del_append(&x->prematch, e->content);
}

static del_rc del_program_name(dec_read *x, const yg_wxml_node *e)
{
	if (!yg_pat_type_parse(yg_wxml_attr_get(e, "type"), YG_PAT_OSMATCH, &x->pname_t)) {
		del_warn(x, e, "invalid type, using osmatch");
		x->pname_t = YG_PAT_OSMATCH;
	}
	return del_append(&x->pname, e->content);
}

static del_rc del_ftscomment(dec_read *x, const yg_wxml_node *e)
{
	return del_append(&x->d->ftscomment, e->content);
}

static del_rc del_use_own_name(dec_read *x, const yg_wxml_node *e)
{
	if (!strcmp(e->content, "true"))
		x->d->use_own_name = true;
	return DEL_OK;
}

static del_rc del_plugin_decoder(dec_read *x, const yg_wxml_node *e)
{
	static const struct {
		const char *n;
		int plugin;
	} plugins[] = {{"JSON_Decoder", YG_PLUGIN_JSON},
	               {"OSSECAlert_Decoder", YG_PLUGIN_OSSEC_ALERT},
	               {"PF_Decoder", YG_PLUGIN_PF},
	               {"SonicWall_Decoder", YG_PLUGIN_SONICWALL},
	               {"SymantecWS_Decoder", YG_PLUGIN_SYMANTECWS}};
	size_t i = 0;
	while (i < sizeof(plugins) / sizeof(plugins[0]) && strcmp(e->content, plugins[i].n))
		i++;
	if (i == sizeof(plugins) / sizeof(plugins[0])) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': unknown plugin decoder '%s'", x->d->name, e->content);
		return DEL_FAIL;
	}
	x->d->plugin = plugins[i].plugin;
	bool bad_off;
	x->d->plugin_offset = parse_offset(e, &bad_off);
	if (bad_off) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': invalid offset", x->d->name);
		return DEL_FAIL;
	}
	return DEL_OK;
}

/* Wazuh only warns about bad JSON options and keeps going. */
static del_rc del_json_null_field(dec_read *x, const yg_wxml_node *e)
{
	const char *c = e->content;
	if (!strcasecmp(c, "discard"))
		x->d->json.null_mode = YG_JSON_NULL_DISCARD;
	else if (!strcasecmp(c, "string"))
		x->d->json.null_mode = YG_JSON_NULL_STRING;
	else if (!strcasecmp(c, "empty")) {
		del_warn(x, e, "json_null_field 'empty' is deprecated; using the default");
		x->d->json.null_mode = YG_JSON_NULL_STRING;
	} else
		yg_diag_add(x->diag, YG_SEV_WARNING, x->file, e->line, e->name,
		            "decoder '%s': invalid value '%s'", x->d->name, c);
	return DEL_OK;
}

static del_rc del_json_array_structure(dec_read *x, const yg_wxml_node *e)
{
	const char *c = e->content;
	if (!strcasecmp(c, "array"))
		x->d->json.array_structure = true;
	else if (!strcasecmp(c, "csv"))
		x->d->json.array_structure = false;
	else {
		yg_diag_add(x->diag, YG_SEV_WARNING, x->file, e->line, e->name,
		            "decoder '%s': invalid value '%s'; using the default", x->d->name, c);
		x->d->json.array_structure = true;
	}
	return DEL_OK;
}

static del_rc del_type(dec_read *x, const yg_wxml_node *e)
{
	int t = parse_type(e->content);
	if (t < 0) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': invalid decoder type '%s'", x->d->name, e->content);
		return DEL_FAIL;
	}
	x->d->type = t;
	return DEL_OK;
}

/* A later <order> replaces an earlier one. */
static del_rc del_order(dec_read *x, const yg_wxml_node *e)
{
	yg_decoder *d = x->d;
	for (int k = 0; k < d->norder; k++)
		free((char *)d->order[k].name);
	d->norder = 0;
	if (!for_each_word(e->content, add_order_word, d)) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': wrong field in <order> '%s'", d->name, e->content);
		return DEL_FAIL;
	}
	return DEL_OK;
}

static del_rc del_accumulate(dec_read *x, const yg_wxml_node *e)
{
	(void)e;
	x->d->accumulate = true;
	return DEL_OK;
}

static del_rc del_fts(dec_read *x, const yg_wxml_node *e)
{
	if (!for_each_word(e->content, add_fts_word, x->d)) {
		yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
		            "decoder '%s': wrong field in <fts> '%s'", x->d->name, e->content);
		return DEL_FAIL;
	}
	return DEL_OK;
}

/* <description> and <info>: not in Wazuh's list, but harmless documentation. */
static del_rc del_ignored(dec_read *x, const yg_wxml_node *e)
{
	(void)x, (void)e;
	return DEL_OK;
}

/* The elements of <decoder>. Wazuh matches their names without case, all
 * but <type>. */
static const struct dec_elem {
	const char *name;
	del_rc (*fn)(dec_read *x, const yg_wxml_node *e);
	bool exact_case;
} dec_elems[] = {
        {"parent", del_parent, false},
        {"regex", del_regex, false},
        {"prematch", del_prematch, false},
        {"program_name", del_program_name, false},
        {"ftscomment", del_ftscomment, false},
        {"use_own_name", del_use_own_name, false},
        {"plugin_decoder", del_plugin_decoder, false},
        {"json_null_field", del_json_null_field, false},
        {"json_array_structure", del_json_array_structure, false},
        {"type", del_type, true},
        {"order", del_order, false},
        {"accumulate", del_accumulate, false},
        {"fts", del_fts, false},
        {"description", del_ignored, false},
        {"info", del_ignored, false},
};

static del_rc read_dec_element(dec_read *x, const yg_wxml_node *e)
{
	for (size_t i = 0; i < sizeof(dec_elems) / sizeof(dec_elems[0]); i++) {
		const struct dec_elem *de = &dec_elems[i];
		if (de->exact_case ? !strcmp(e->name, de->name) : !strcasecmp(e->name, de->name))
			return de->fn(x, e);
	}
	yg_diag_add(x->diag, YG_SEV_ERROR, x->file, e->line, e->name,
	            "invalid element '%s' in decoder '%s'", e->name, x->d->name);
	return DEL_FAIL;
}

/* Reports, at the <decoder> tag, a rule the elements broke together. */
static bool dec_refuse(dec_read *x, const yg_wxml_node *node, const char *el, const char *why)
{
	yg_diag_add(x->diag, YG_SEV_ERROR, x->file, node->line, el, "decoder '%s'%s", x->d->name,
	            why);
	return false;
}

/* What the elements must satisfy together: which ones go with which, and
 * where each offset may point. An after_prematch regex offset without a
 * parent means after_parent (Wazuh's reading). */
static bool dec_check(dec_read *x, const yg_wxml_node *node)
{
	yg_decoder *d = x->d;
	if (!x->prematch && !d->parent && !x->pname)
		return dec_refuse(x, node, "decoder",
		                  " needs <prematch>, <program_name> or <parent>");
	if ((!x->regex && (d->fts || d->norder)) || (x->regex && !d->norder))
		return dec_refuse(x, node, "decoder", ": <regex> and <order> go together");
	if ((d->regex_offset & YG_OFF_AFTER_PARENT) && !d->parent)
		return dec_refuse(x, node, "regex", ": offset after_parent without a parent");
	if (d->regex_offset & YG_OFF_AFTER_PREMATCH) {
		if (!d->parent)
			d->regex_offset = YG_OFF_AFTER_PARENT;
		else if (!x->prematch)
			return dec_refuse(x, node, "regex",
			                  ": offset after_prematch without a prematch");
	}
	if ((d->regex_offset & YG_OFF_AFTER_REGEX) && (!d->parent || !x->regex))
		return dec_refuse(x, node, "regex", ": offset after_regex needs a parent");
	if (d->prematch_offset && (!(d->prematch_offset & YG_OFF_AFTER_PARENT) || !d->parent))
		return dec_refuse(x, node, "prematch",
		                  ": a prematch offset must be after_parent, with a parent");
	if ((d->plugin_offset & YG_OFF_AFTER_PARENT) && !d->parent)
		return dec_refuse(x, node, "plugin_decoder",
		                  ": offset after_parent without a parent");
	if ((d->plugin_offset & YG_OFF_AFTER_PREMATCH) && !x->prematch)
		return dec_refuse(x, node, "plugin_decoder",
		                  ": offset after_prematch without a prematch");
	return true;
}

/* Compiles the collected texts. An osregex <regex> must capture something,
 * since its captures are what fill the <order> fields. */
static bool dec_compile(dec_read *x, const yg_wxml_node *node)
{
	yg_decoder *d = x->d;
	if (x->prematch && !compile(d, &d->prematch, x->pre_t, x->prematch, "prematch", x->diag))
		return false;
	if (x->pname &&
	    !compile(d, &d->program_name, x->pname_t, x->pname, "program_name", x->diag))
		return false;
	if (x->regex) {
		if (!compile(d, &d->regex, x->regex_t, x->regex, "regex", x->diag))
			return false;
		if (x->regex_t == YG_PAT_OSREGEX && yg_pattern_ncaptures(d->regex) == 0) {
			yg_diag_add(x->diag, YG_SEV_ERROR, x->file, node->line, "regex",
			            "decoder '%s': regex '%s' has no capture group", d->name,
			            x->regex);
			return false;
		}
	}
	if (d->plugin && (d->regex || d->norder))
		return dec_refuse(x, node, "decoder",
		                  ": a plugin decoder cannot have <regex> or <order>");
	return true;
}

/* A fresh decoder with Wazuh's defaults, named by the tag's name="". */
static yg_decoder *dec_new(const yg_wxml_node *node, const char *file, yg_diag *diag)
{
	const char *name = yg_wxml_attr_get(node, "name");
	yg_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->file = file;
	d->line = node->line;
	d->type = YG_DT_SYSLOG;
	/* Wazuh's defaults: nulls become "null", arrays are printed whole */
	d->json.null_mode = YG_JSON_NULL_STRING;
	d->json.array_structure = true;
	if (!name || !*name) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "decoder",
		            "decoder without a name attribute");
		decoder_free(d);
		return NULL;
	}
	d->name = strdup(name);
	if (!d->name) {
		decoder_free(d);
		return NULL;
	}
	return d;
}

/* Reads the children of <decoder> through dec_elems. */
static bool dec_read_elements(dec_read *x, const yg_wxml_node *node)
{
	for (size_t i = 0; i < node->nchildren; i++) {
		del_rc rc = read_dec_element(x, node->children[i]);
		if (rc == DEL_TOOLONG)
			yg_diag_add(x->diag, YG_SEV_ERROR, x->file, node->line, "decoder",
			            "decoder '%s': element text longer than %d bytes", x->d->name,
			            YG_DECODER_MAX_TEXT);
		if (rc != DEL_OK)
			return false;
	}
	return true;
}

/* Reads one <decoder> element; returns the decoder, or NULL after reporting
 * why it was refused. */
static yg_decoder *read_decoder(yg_ruleset *rs, const yg_wxml_node *node, const char *file,
                                yg_diag *diag)
{
	dec_read x = {.file = file,
	              .diag = diag,
	              .regex_t = YG_PAT_OSREGEX,
	              .pre_t = YG_PAT_OSREGEX,
	              .pname_t = YG_PAT_OSMATCH};
	x.d = dec_new(node, file, diag);
	if (!x.d)
		return NULL;
	bool ok = dec_read_elements(&x, node) && dec_check(&x, node) && dec_compile(&x, node) &&
	          add_name(rs, x.d->name);
	free(x.regex);
	free(x.prematch);
	free(x.pname);
	if (!ok) {
		decoder_free(x.d);
		return NULL;
	}
	return x.d;
}

/* Adds every <decoder> of a parsed file; takes ownership of doc. */
yg_err yg_decoders_load_doc(yg_ruleset *rs, yg_wxml_doc *doc, const char *path, yg_diag *diag)
{
	yg_err rc = YG_OK;
	const char *file = yg_ruleset_intern_file(rs, path);
	size_t n = yg_wxml_doc_nroots(doc);
	for (size_t i = 0; i < n; i++) {
		const yg_wxml_node *node = yg_wxml_doc_root(doc, i);
		if (!strcasecmp(node->name, "var"))
			continue;
		if (strcasecmp(node->name, "decoder") != 0) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
			            "invalid element '%s' in a decoder file", node->name);
			rc = YG_EPARSE;
			continue;
		}
		yg_decoder *d = read_decoder(rs, node, file, diag);
		if (!d) {
			rc = YG_EPARSE;
			continue;
		}
		yg_decoder **arr = realloc(rs->decoders, (rs->ndecoders + 1) * sizeof(*arr));
		if (!arr) {
			decoder_free(d);
			rc = YG_ENOMEM;
			break;
		}
		rs->decoders = arr;
		rs->decoders[rs->ndecoders++] = d;
		if (!attach(rs, d, diag))
			rc = YG_EPARSE; /* kept in rs->decoders for freeing */
	}
	yg_wxml_doc_destroy(doc);
	return rc;
}

/* Wazuh's SetDecodeXML: internal decoder names, then ids and the names
 * children report. */
yg_err yg_decoders_finish(yg_ruleset *rs, yg_diag *diag)
{
	for (size_t i = 0; i < sizeof(internal_decoders) / sizeof(internal_decoders[0]); i++)
		if (!add_name(rs, internal_decoders[i]))
			return YG_ENOMEM;
	yg_dnode *lists[2] = {rs->dec_nopn, rs->dec_pn};
	for (int l = 0; l < 2; l++) {
		for (yg_dnode *n = lists[l]; n; n = n->next) {
			yg_decoder *p = n->dec;
			p->id = yg_decoder_id_by_name(rs, p->name);
			p->report_name = p->name;
			for (yg_dnode *c = n->child; c; c = c->next) {
				yg_decoder *d = c->dec;
				if (d->use_own_name) {
					d->id = yg_decoder_id_by_name(rs, d->name);
					d->report_name = d->name;
				} else {
					d->id = p->id;
					d->report_name = p->name;
				}
			}
		}
	}
	(void)diag;
	return YG_OK;
}
