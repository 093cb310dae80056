/* ruleset.c: loading a whole ruleset in Wazuh's order.
 *
 * Like Wazuh's Read_Rules: explicitly included files first, then every file
 * of each directory whose path matches the directory's pattern (OS_Regex,
 * default ".xml$"), minus excluded names and duplicates; then all decoder
 * files, and all rule files, are sorted by file name (not path), so
 * "0010-rules_config.xml" always loads before "local_rules.xml". Lists load
 * after decoders and before rules, as in analysisd. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/geoip.h"
#include "engine/rsconfig_int.h"
#include "engine/ruleset_int.h"
#include "engine/wxml.h"

typedef struct path_list {
	char **v; /* as written (relative to home or absolute) */
	size_t n;
} path_list;

static void path_list_free(path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static bool path_list_push(path_list *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return false;
	l->v = v;
	v[l->n] = strdup(s);
	if (!v[l->n])
		return false;
	l->n++;
	return true;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool in_list(const path_list *l, const char *full, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], full) || !strcmp(l->v[i], name))
			return true;
	return false;
}

static void resolve(const char *home, const char *p, char *out, size_t outlen)
{
	if (p[0] == '/' || !home || !*home)
		snprintf(out, outlen, "%s", p);
	else
		snprintf(out, outlen, "%s/%s", home, p);
}

typedef struct sort_item {
	char *path;
	size_t order;
} sort_item;

static int cmp_items(const void *a, const void *b)
{
	const sort_item *x = a, *y = b;
	int c = strcmp(base_name(x->path), base_name(y->path));
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void sort_by_name(path_list *l)
{
	sort_item *items = malloc(l->n * sizeof(*items) + 1);
	if (!items)
		return;
	for (size_t i = 0; i < l->n; i++) {
		items[i].path = l->v[i];
		items[i].order = i;
	}
	qsort(items, l->n, sizeof(*items), cmp_items);
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = items[i].path;
	free(items);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the files of `dir` matching `pattern`, as Wazuh does. */
static yg_err scan_dir(const char *home, const char *dir, const char *pattern,
                       const path_list *excl, path_list *out, yg_diag *diag)
{
	char path[4096];
	resolve(home, dir, path, sizeof(path));
	yg_pattern *re = NULL;
	char err[200];
	if (yg_pattern_compile(YG_PAT_OSREGEX, pattern ? pattern : ".xml$", false, &re, err,
	                       sizeof(err))) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "pattern",
		            "bad directory pattern '%s': %s", pattern, err);
		return YG_EPARSE;
	}
	DIR *d = opendir(path);
	if (!d) {
		/* Wazuh skips a missing directory silently; say so, but go on */
		yg_diag_add(diag, YG_SEV_WARNING, path, 0, NULL, "cannot open directory; skipped");
		yg_pattern_destroy(re);
		return YG_OK;
	}
	/* readdir order is arbitrary; sort so duplicate handling is stable */
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			break;
		names = nn;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n) /* an empty directory: names is NULL, which qsort may not get */
		qsort(names, n, sizeof(*names), cmp_str);
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", dir, names[i]);
		if (in_list(excl, full, names[i]) || in_list(out, full, names[i]))
			continue;
		if (yg_pattern_exec(re, full, NULL, NULL, 0, NULL, NULL) &&
		    !path_list_push(out, full))
			rc = YG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	yg_pattern_destroy(re);
	return rc;
}

static yg_err build_lists(const yg_ruleset_config *cfg, path_list *decs, path_list *rules,
                          path_list *lists, yg_diag *diag)
{
	path_list dexcl = {0}, rexcl = {0};
	yg_err rc = YG_OK;
	bool any_ddir = false, any_rdir = false;
	for (size_t i = 0; i < cfg->n; i++) {
		const yg_rs_entry *e = &cfg->entries[i];
		char buf[4096];
		switch (e->kind) {
		case YG_RS_DECODER_INCLUDE:
			if (!strchr(e->value, '/'))
				snprintf(buf, sizeof(buf), "ruleset/decoders/%s", e->value);
			else
				snprintf(buf, sizeof(buf), "%s", e->value);
			path_list_push(decs, buf);
			break;
		case YG_RS_RULE_INCLUDE:
			if (!strchr(e->value, '/'))
				snprintf(buf, sizeof(buf), "ruleset/rules/%s", e->value);
			else
				snprintf(buf, sizeof(buf), "%s", e->value);
			path_list_push(rules, buf);
			break;
		case YG_RS_LIST: path_list_push(lists, e->value); break;
		case YG_RS_DECODER_EXCLUDE: path_list_push(&dexcl, e->value); break;
		case YG_RS_RULE_EXCLUDE: path_list_push(&rexcl, e->value); break;
		case YG_RS_DECODER_DIR: any_ddir = true; break;
		case YG_RS_RULE_DIR: any_rdir = true; break;
		}
	}
	if (!any_ddir)
		rc = scan_dir(cfg->home, "ruleset/decoders", NULL, &dexcl, decs, diag);
	if (!any_rdir) {
		yg_err r = scan_dir(cfg->home, "ruleset/rules", NULL, &rexcl, rules, diag);
		if (r)
			rc = r;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		const yg_rs_entry *e = &cfg->entries[i];
		yg_err r = YG_OK;
		if (e->kind == YG_RS_DECODER_DIR)
			r = scan_dir(cfg->home, e->value, e->pattern, &dexcl, decs, diag);
		else if (e->kind == YG_RS_RULE_DIR)
			r = scan_dir(cfg->home, e->value, e->pattern, &rexcl, rules, diag);
		if (r)
			rc = r;
	}
	sort_by_name(decs);
	sort_by_name(rules);
	path_list_free(&dexcl);
	path_list_free(&rexcl);
	return rc;
}

const char *yg_ruleset_intern_file(yg_ruleset *rs, const char *path)
{
	for (size_t i = 0; i < rs->nfiles; i++)
		if (!strcmp(rs->files[i], path))
			return rs->files[i];
	char **f = realloc(rs->files, (rs->nfiles + 1) * sizeof(*f));
	if (!f)
		return path;
	rs->files = f;
	f[rs->nfiles] = strdup(path);
	if (!f[rs->nfiles])
		return path;
	return f[rs->nfiles++];
}

static yg_err add_doc(yg_ruleset *rs, yg_xml_kind kind, yg_wxml_doc *doc, const char *name,
                      yg_diag *diag)
{
	return kind == YG_XML_DECODERS ? yg_decoders_load_doc(rs, doc, name, diag)
	                               : yg_rules_load_doc(rs, doc, name, diag);
}

yg_err yg_ruleset_add_file(yg_ruleset *rs, yg_xml_kind kind, const char *path, yg_diag *diag)
{
	yg_wxml_doc *doc = NULL;
	yg_err rc = yg_wxml_parse_file(path, diag, &doc);
	return rc ? rc : add_doc(rs, kind, doc, path, diag);
}

yg_err yg_ruleset_add_buffer(yg_ruleset *rs, yg_xml_kind kind, const char *text, size_t len,
                             const char *name, yg_diag *diag)
{
	yg_wxml_doc *doc = NULL;
	yg_err rc = yg_wxml_parse_buffer(text, len, name, diag, &doc);
	return rc ? rc : add_doc(rs, kind, doc, name, diag);
}

yg_ruleset *yg_ruleset_new(void)
{
	return calloc(1, sizeof(yg_ruleset));
}

yg_err yg_ruleset_seal(yg_ruleset *rs, yg_diag *diag)
{
	return yg_rules_finish(rs, diag);
}

void yg_ruleset_destroy(yg_ruleset *rs)
{
	if (!rs)
		return;
	yg_rules_free(rs);
	yg_decoders_free(rs);
	for (size_t i = 0; i < rs->nlists; i++) {
		free(rs->lists[i].name);
		yg_list_destroy(rs->lists[i].list);
	}
	free(rs->lists);
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	yg_geoip_close(rs->geoip);
	free(rs);
}

/* Opens the GeoIP database, if one is configured. A database that cannot
 * be used is a warning: the ruleset works without GeoIP, as Wazuh's
 * analysisd does ("disabling GeoIP"). */
static yg_err open_geoip(const yg_ruleset_config *cfg, yg_ruleset *rs, yg_diag *diag)
{
	const char *el = cfg->geoip_elem[0] ? cfg->geoip_elem : "geoip";
	if (!cfg->geoip_db) {
		if (cfg->geolocation)
			yg_diag_add(diag, YG_SEV_WARNING, cfg->geolocation_file,
			            cfg->geolocation_line, "use_geoip",
			            "no GeoIP database (<global><geoip_db_path>): alerts get no "
			            "GeoLocation");
		return YG_OK;
	}
	char path[4096], why[256];
	resolve(cfg->home, cfg->geoip_db, path, sizeof(path));
	yg_err e = yg_geoip_open(path, &rs->geoip, why, sizeof(why));
	if (e == YG_ENOMEM)
		return e;
	if (e) {
		yg_diag_add(diag, YG_SEV_WARNING, cfg->geoip_file, cfg->geoip_line, el,
		            "cannot use the GeoIP database %s: %s; GeoIP disabled", path, why);
		return YG_OK;
	}
	rs->geolocation = cfg->geolocation;
	return YG_OK;
}

yg_err yg_ruleset_load(const yg_ruleset_config *cfg, yg_diag *diag, yg_ruleset **out)
{
	path_list decs = {0}, rules = {0}, lists = {0};
	yg_err rc = YG_OK;
	*out = NULL;
	yg_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return YG_ENOMEM;
	size_t errors0 = yg_diag_errors(diag);
	build_lists(cfg, &decs, &rules, &lists, diag);

	char path[4096];
	for (size_t i = 0; i < decs.n; i++) {
		resolve(cfg->home, decs.v[i], path, sizeof(path));
		yg_ruleset_add_file(rs, YG_XML_DECODERS, path, diag);
	}
	yg_decoders_finish(rs, diag);

	for (size_t i = 0; i < lists.n; i++) {
		resolve(cfg->home, lists.v[i], path, sizeof(path));
		yg_list *l = NULL;
		if (yg_list_load(path, diag, &l))
			continue; /* reported by the loader; rules using it are skipped */
		yg_named_list *nl = realloc(rs->lists, (rs->nlists + 1) * sizeof(*nl));
		if (!nl) {
			yg_list_destroy(l);
			rc = YG_ENOMEM;
			goto out;
		}
		rs->lists = nl;
		nl[rs->nlists].name = strdup(lists.v[i]);
		nl[rs->nlists].list = l;
		rs->nlists++;
	}

	for (size_t i = 0; i < rules.n; i++) {
		resolve(cfg->home, rules.v[i], path, sizeof(path));
		yg_ruleset_add_file(rs, YG_XML_RULES, path, diag);
	}
	yg_rules_finish(rs, diag);
	if (open_geoip(cfg, rs, diag) == YG_ENOMEM) {
		rc = YG_ENOMEM;
		goto out;
	}
	if (!rs->rules_root)
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "ruleset",
		            "no top-level rules (ids 1-9, e.g. Wazuh's 0010-rules_config.xml) were "
		            "loaded");
out:
	path_list_free(&decs);
	path_list_free(&rules);
	path_list_free(&lists);
	if (rc == YG_ENOMEM) {
		yg_ruleset_destroy(rs);
		return rc;
	}
	*out = rs;
	return yg_diag_errors(diag) > errors0 ? YG_EPARSE : YG_OK;
}

size_t yg_ruleset_ndecoders(const yg_ruleset *rs)
{
	return rs->ndecoders;
}

size_t yg_ruleset_nrules(const yg_ruleset *rs)
{
	return rs->nrules;
}

size_t yg_ruleset_nlists(const yg_ruleset *rs)
{
	return rs->nlists;
}

bool yg_ruleset_rule_at(const yg_ruleset *rs, size_t i, unsigned *id, int *level,
                        const char **description)
{
	if (!rs || i >= rs->nrules || !rs->rules[i])
		return false;
	*id = rs->rules[i]->sigid;
	*level = rs->rules[i]->level;
	*description = rs->rules[i]->comment ? rs->rules[i]->comment : "";
	return true;
}

bool yg_ruleset_config_geoip_path(const yg_ruleset_config *cfg, char *out, size_t outlen)
{
	if (!cfg || !cfg->geoip_db || !outlen)
		return false;
	resolve(cfg->home, cfg->geoip_db, out, outlen);
	return true;
}
