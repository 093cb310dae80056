/* yarascan_config.c: reading yagura's <yara> block. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yarascan/yarascan_int.h"

#define YS_PATH_MAX 4096
#define YS_MAX_ENTRIES 1024 /* rules paths, directories */

yg_yarascan_config *yg_yarascan_config_create(void)
{
	yg_yarascan_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->settle_ms = YG_YARASCAN_DEFAULT_SETTLE_MS;
	cfg->max_file_size = YG_YARASCAN_DEFAULT_MAX_FILE_SIZE;
	cfg->timeout_s = YG_YARASCAN_DEFAULT_TIMEOUT_S;
	return cfg;
}

void yg_yarascan_config_destroy(yg_yarascan_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nrules; i++) {
		free(cfg->rules[i].path);
		free(cfg->rules[i].file);
	}
	free(cfg->rules);
	for (size_t i = 0; i < cfg->ndirs; i++)
		free(cfg->dirs[i]);
	free(cfg->dirs);
	free(cfg);
}

/* Appends a rules path (copied) with where it came from. */
static yg_err add_rules(yg_yarascan_config *cfg, const char *path, const char *file, int line)
{
	if (cfg->nrules >= YS_MAX_ENTRIES)
		return YG_ELIMIT;
	ys_rules_path *p = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*p));
	if (!p)
		return YG_ENOMEM;
	cfg->rules = p;
	ys_rules_path r = {.path = strdup(path), .file = file ? strdup(file) : NULL, .line = line};
	if (!r.path || (file && !r.file)) {
		free(r.path);
		free(r.file);
		return YG_ENOMEM;
	}
	cfg->rules[cfg->nrules++] = r;
	return YG_OK;
}

yg_err yg_yarascan_config_add_rules(yg_yarascan_config *cfg, const char *path)
{
	return add_rules(cfg, path, NULL, 0);
}

yg_err yg_yarascan_config_add_directory(yg_yarascan_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->ndirs; i++)
		if (strcmp(cfg->dirs[i], path) == 0)
			return YG_OK;
	if (cfg->ndirs >= YS_MAX_ENTRIES)
		return YG_ELIMIT;
	char **p = realloc(cfg->dirs, (cfg->ndirs + 1) * sizeof(*p));
	if (!p)
		return YG_ENOMEM;
	cfg->dirs = p;
	if (!(cfg->dirs[cfg->ndirs] = strdup(path)))
		return YG_ENOMEM;
	cfg->ndirs++;
	return YG_OK;
}

void yg_yarascan_config_set_settle_ms(yg_yarascan_config *cfg, unsigned ms)
{
	cfg->settle_ms = ms;
}

void yg_yarascan_config_set_max_file_size(yg_yarascan_config *cfg, uint64_t bytes)
{
	cfg->max_file_size = bytes;
}

void yg_yarascan_config_set_timeout(yg_yarascan_config *cfg, unsigned seconds)
{
	cfg->timeout_s = seconds;
}

bool yg_yarascan_config_disabled(const yg_yarascan_config *cfg)
{
	return cfg->disabled;
}

unsigned yg_yarascan_config_settle_ms(const yg_yarascan_config *cfg)
{
	return cfg->settle_ms;
}

uint64_t yg_yarascan_config_max_file_size(const yg_yarascan_config *cfg)
{
	return cfg->max_file_size;
}

unsigned yg_yarascan_config_timeout(const yg_yarascan_config *cfg)
{
	return cfg->timeout_s;
}

size_t yg_yarascan_config_nrules(const yg_yarascan_config *cfg)
{
	return cfg->nrules;
}

const char *yg_yarascan_config_rules(const yg_yarascan_config *cfg, size_t i)
{
	return i < cfg->nrules ? cfg->rules[i].path : NULL;
}

size_t yg_yarascan_config_ndirs(const yg_yarascan_config *cfg)
{
	return cfg->ndirs;
}

const char *yg_yarascan_config_dir(const yg_yarascan_config *cfg, size_t i)
{
	return i < cfg->ndirs ? cfg->dirs[i] : NULL;
}

/* ---- small parsers ---- */

/* Copies s[0..len) without surrounding blanks; NULL on ENOMEM. */
static char *trim_dup(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

/* A decimal number <= max with an optional K/M/G (KB/MB/GB, any case) binary
 * multiplier when `units`; false when malformed or out of range. */
static bool parse_num(const char *s, bool units, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	size_t i = 0;
	while (isspace((unsigned char)s[i]))
		i++;
	if (s[i] < '0' || s[i] > '9')
		return false;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (units && s[i]) {
		switch (s[i]) {
		case 'k':
		case 'K': mult = 1024; break;
		case 'm':
		case 'M': mult = 1024 * 1024; break;
		case 'g':
		case 'G': mult = 1024 * 1024 * 1024; break;
		default: return false;
		}
		i++;
		if (s[i] == 'b' || s[i] == 'B')
			i++;
	}
	while (isspace((unsigned char)s[i]))
		i++;
	if (s[i] || v > max / mult)
		return false;
	*out = v * mult;
	return true;
}

static bool path_ok(const char *p)
{
	return p[0] == '/' && strlen(p) < YS_PATH_MAX;
}

/* <directories>: a comma-separated list of absolute paths. */
static yg_err read_dirs(yg_yarascan_config *cfg, const yg_wxml_node *e, const char *file,
                        yg_diag *diag)
{
	const char *s = e->content;
	bool bad = false, any = false;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *p = trim_dup(s, len);
		if (!p)
			return YG_ENOMEM;
		if (*p) {
			any = true;
			if (!path_ok(p)) {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
				            "not an absolute path: '%s'", p);
				bad = true;
			} else {
				yg_err err = yg_yarascan_config_add_directory(cfg, p);
				if (err) {
					free(p);
					return err;
				}
			}
		}
		free(p);
		if (!comma)
			break;
		s = comma + 1;
	}
	if (!any) {
		yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name, "empty value");
		bad = true;
	}
	return bad ? YG_EPARSE : YG_OK;
}

/* Reads one option element; YG_EPARSE after reporting a bad value. */
static yg_err read_option(yg_yarascan_config *cfg, const yg_wxml_node *e, const char *file,
                          yg_diag *diag)
{
	uint64_t v;
	if (strcmp(e->name, "disabled") == 0) {
		char *s = trim_dup(e->content, strlen(e->content));
		if (!s)
			return YG_ENOMEM;
		bool yes = strcmp(s, "yes") == 0, no = strcmp(s, "no") == 0;
		free(s);
		if (!yes && !no)
			goto bad;
		cfg->disabled = yes;
		return YG_OK;
	}
	if (strcmp(e->name, "rules") == 0) {
		char *p = trim_dup(e->content, strlen(e->content));
		if (!p)
			return YG_ENOMEM;
		if (!path_ok(p)) {
			free(p);
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "rules must be an absolute path of a file or directory");
			return YG_EPARSE;
		}
		yg_err err = add_rules(cfg, p, file, e->line);
		free(p);
		return err;
	}
	if (strcmp(e->name, "directories") == 0)
		return read_dirs(cfg, e, file, diag);
	if (strcmp(e->name, "settle_ms") == 0) {
		if (!parse_num(e->content, false, 3600000, &v))
			goto bad;
		cfg->settle_ms = (unsigned)v;
		return YG_OK;
	}
	if (strcmp(e->name, "max_file_size") == 0) {
		if (!parse_num(e->content, true, UINT64_MAX, &v) || v == 0)
			goto bad;
		cfg->max_file_size = v;
		return YG_OK;
	}
	if (strcmp(e->name, "timeout") == 0) {
		if (!parse_num(e->content, false, 3600, &v) || v == 0)
			goto bad;
		cfg->timeout_s = (unsigned)v;
		return YG_OK;
	}
	yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name, "unknown option of <yara>");
	return YG_EPARSE;
bad:
	yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name, "invalid value '%.64s'",
	            e->content);
	return YG_EPARSE;
}

yg_err yg_yarascan_config_add_yara(yg_yarascan_config *cfg, const yg_wxml_node *node,
                                   const char *file, yg_diag *diag)
{
	yg_err result = YG_OK;
	for (size_t i = 0; i < node->nchildren; i++) {
		yg_err err = read_option(cfg, node->children[i], file, diag);
		if (err == YG_ENOMEM)
			return err;
		if (err == YG_ELIMIT) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->children[i]->line,
			            node->children[i]->name, "more than %d entries",
			            YS_MAX_ENTRIES);
			err = YG_EPARSE;
		}
		if (err)
			result = YG_EPARSE;
	}
	return result;
}
