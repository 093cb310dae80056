/* rsconfig.c: which files make a ruleset (Wazuh's <ruleset> block). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/rsconfig_int.h"
#include "engine/wxml.h"

yg_ruleset_config *yg_ruleset_config_create(const char *home)
{
	yg_ruleset_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->home = strdup(home ? home : ".");
	if (!cfg->home) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

void yg_ruleset_config_destroy(yg_ruleset_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->entries[i].value);
		free(cfg->entries[i].pattern);
	}
	free(cfg->entries);
	free(cfg->home);
	free(cfg->geoip_db);
	free(cfg->geoip_file);
	free(cfg->geolocation_file);
	free(cfg);
}

const char *yg_ruleset_config_home(const yg_ruleset_config *cfg)
{
	return cfg->home;
}

size_t yg_ruleset_config_count(const yg_ruleset_config *cfg)
{
	return cfg->n;
}

yg_err yg_ruleset_config_add_defaults(yg_ruleset_config *cfg)
{
	static const struct {
		yg_rs_kind kind;
		const char *dir;
	} dirs[] = {
	        {YG_RS_DECODER_DIR, "ruleset/decoders"},
	        {YG_RS_RULE_DIR, "ruleset/rules"},
	        {YG_RS_DECODER_DIR, "etc/decoders"},
	        {YG_RS_RULE_DIR, "etc/rules"},
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		yg_err e = yg_ruleset_config_add(cfg, dirs[i].kind, dirs[i].dir, NULL);
		if (e)
			return e;
	}
	return YG_OK;
}

yg_err yg_ruleset_config_add(yg_ruleset_config *cfg, yg_rs_kind kind, const char *value,
                             const char *pattern)
{
	if (!value)
		return YG_EINVAL;
	yg_rs_entry *e = realloc(cfg->entries, (cfg->n + 1) * sizeof(*e));
	if (!e)
		return YG_ENOMEM;
	cfg->entries = e;
	e = &cfg->entries[cfg->n];
	e->kind = kind;
	e->value = strdup(value);
	e->pattern = pattern ? strdup(pattern) : NULL;
	if (!e->value || (pattern && !e->pattern)) {
		free(e->value);
		free(e->pattern);
		return YG_ENOMEM;
	}
	cfg->n++;
	return YG_OK;
}

static const struct {
	const char *name;
	yg_rs_kind kind;
} ruleset_elems[] = {
        {"decoder_dir", YG_RS_DECODER_DIR},
        {"rule_dir", YG_RS_RULE_DIR},
        {"decoder_include", YG_RS_DECODER_INCLUDE},
        {"rule_include", YG_RS_RULE_INCLUDE},
        {"decoder_exclude", YG_RS_DECODER_EXCLUDE},
        {"rule_exclude", YG_RS_RULE_EXCLUDE},
        {"list", YG_RS_LIST},
};

static yg_err read_block(yg_ruleset_config *cfg, const yg_wxml_node *rs, const char *path,
                         yg_diag *diag)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < rs->nchildren; i++) {
		const yg_wxml_node *e = rs->children[i];
		size_t k;
		for (k = 0; k < sizeof(ruleset_elems) / sizeof(ruleset_elems[0]); k++)
			if (!strcmp(e->name, ruleset_elems[k].name))
				break;
		if (k == sizeof(ruleset_elems) / sizeof(ruleset_elems[0])) {
			yg_diag_add(diag, YG_SEV_ERROR, path, e->line, e->name,
			            "invalid element in <ruleset>");
			rc = YG_EPARSE;
			continue;
		}
		if (!*e->content) {
			yg_diag_add(diag, YG_SEV_ERROR, path, e->line, e->name, "empty value");
			rc = YG_EPARSE;
			continue;
		}
		const char *pattern = NULL;
		if (ruleset_elems[k].kind == YG_RS_DECODER_DIR ||
		    ruleset_elems[k].kind == YG_RS_RULE_DIR)
			pattern = yg_wxml_attr_get(e, "pattern");
		yg_err r = yg_ruleset_config_add(cfg, ruleset_elems[k].kind, e->content, pattern);
		if (r)
			return r;
	}
	return rc;
}

/* Replaces *dst with a copy of s (NULL allowed). */
static yg_err set_str(char **dst, const char *s)
{
	char *c = s ? strdup(s) : NULL;
	if (s && !c)
		return YG_ENOMEM;
	free(*dst);
	*dst = c;
	return YG_OK;
}

static yg_err set_geoip(yg_ruleset_config *cfg, const char *db, const char *file, int line,
                        const char *elem)
{
	if (set_str(&cfg->geoip_db, db) || set_str(&cfg->geoip_file, file))
		return YG_ENOMEM;
	cfg->geoip_line = line;
	snprintf(cfg->geoip_elem, sizeof(cfg->geoip_elem), "%s", elem ? elem : "");
	return YG_OK;
}

static yg_err set_geolocation(yg_ruleset_config *cfg, bool on, const char *file, int line)
{
	if (set_str(&cfg->geolocation_file, file))
		return YG_ENOMEM;
	cfg->geolocation = on;
	cfg->geolocation_line = line;
	return YG_OK;
}

yg_err yg_ruleset_config_set_geoip(yg_ruleset_config *cfg, const char *mmdb, bool geolocation)
{
	if (set_geoip(cfg, mmdb, NULL, 0, NULL))
		return YG_ENOMEM;
	return set_geolocation(cfg, geolocation, NULL, 0);
}

/* The GeoIP options of a <global> or <alerts> block; everything else in
 * them belongs to other modules and is left alone. */
static yg_err read_geoip_options(yg_ruleset_config *cfg, const yg_wxml_node *b, const char *path,
                                 yg_diag *diag)
{
	bool global = !strcmp(b->name, "global");
	yg_err rc = YG_OK;
	for (size_t i = 0; i < b->nchildren; i++) {
		const yg_wxml_node *e = b->children[i];
		const char *v = e->content ? e->content : "";
		yg_err r = YG_OK;
		if (global && (!strcmp(e->name, "geoipdb") || !strcmp(e->name, "geoip_db_path"))) {
			if (!*v) {
				yg_diag_add(diag, YG_SEV_ERROR, path, e->line, e->name,
				            "empty value");
				rc = YG_EPARSE;
				continue;
			}
			r = set_geoip(cfg, v, path, e->line, e->name);
		} else if (global && !strcmp(e->name, "geoip6_db_path")) {
			yg_diag_add(diag, YG_SEV_WARNING, path, e->line, e->name,
			            "ignored: the MaxMind database of <geoip_db_path> holds IPv6 "
			            "addresses too");
		} else if (!global && !strcmp(e->name, "use_geoip")) {
			if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
				yg_diag_add(diag, YG_SEV_ERROR, path, e->line, e->name,
				            "invalid value '%s' (yes or no)", v);
				rc = YG_EPARSE;
				continue;
			}
			r = set_geolocation(cfg, !strcmp(v, "yes"), path, e->line);
		}
		if (r)
			return r;
	}
	return rc;
}

/* One file: its <ruleset> blocks (unless only_geoip) and the GeoIP options
 * of its <global> and <alerts> blocks. */
static yg_err read_conf(yg_ruleset_config *cfg, const char *conf_path, bool only_geoip,
                        yg_diag *diag)
{
	yg_wxml_doc *doc = NULL;
	/* Wazuh reads ossec.conf without <var> substitution */
	yg_err rc = yg_wxml_parse_file_ex(conf_path, YG_WXML_NO_VARS, diag, &doc);
	if (rc)
		return rc;
	bool found = false;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *root = yg_wxml_doc_root(doc, i);
		if (!only_geoip && !strcmp(root->name, "ruleset")) {
			found = true;
			yg_err r = read_block(cfg, root, conf_path, diag);
			if (r)
				rc = r;
			continue;
		}
		if (strcmp(root->name, "ossec_config") != 0)
			continue;
		for (size_t j = 0; j < root->nchildren; j++) {
			const yg_wxml_node *b = root->children[j];
			if (!strcmp(b->name, "global") || !strcmp(b->name, "alerts")) {
				yg_err r = read_geoip_options(cfg, b, conf_path, diag);
				if (r == YG_ENOMEM) {
					yg_wxml_doc_destroy(doc);
					return r;
				}
				if (r)
					rc = r;
				continue;
			}
			if (only_geoip || strcmp(b->name, "ruleset") != 0)
				continue;
			found = true;
			yg_err r = read_block(cfg, b, conf_path, diag);
			if (r)
				rc = r;
		}
	}
	if (!found && !only_geoip)
		yg_diag_add(diag, YG_SEV_WARNING, conf_path, 0, "ruleset",
		            "no <ruleset> block; using Wazuh's default directories");
	yg_wxml_doc_destroy(doc);
	return rc;
}

yg_err yg_ruleset_config_read(yg_ruleset_config *cfg, const char *conf_path, yg_diag *diag)
{
	return read_conf(cfg, conf_path, false, diag);
}

yg_err yg_ruleset_config_read_geoip(yg_ruleset_config *cfg, const char *conf_path, yg_diag *diag)
{
	return read_conf(cfg, conf_path, true, diag);
}
