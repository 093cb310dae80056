/* yarascan_config.c: reading yagura's <yara> block. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/yopt.h"
#include "yarascan/yarascan_int.h"

#define YS_PATH_MAX 4096
#define YS_MAX_ENTRIES 1024 /* rules paths, directories */

yg_yarascan_config *yg_yarascan_config_create(void)
{
	yg_yarascan_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	if (yg_opt_defaults(&yg_yarascan_block, cfg) != YG_OK) {
		free(cfg);
		return NULL;
	}
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

/* ---- the <yara> block ---- */

/* <rules>: a file or directory of rules, absolute; repeatable. */
static yg_err parse_rules(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	if (v[0] != '/' || strlen(v) >= YS_PATH_MAX) {
		yg_opt_bad(ctx, e, "rules must be an absolute path of a file or directory");
		return YG_EPARSE;
	}
	yg_err err = add_rules(obj, v, ctx->file, e->line);
	if (err == YG_ELIMIT) {
		yg_opt_bad(ctx, e, "more than %d entries", YS_MAX_ENTRIES);
		return YG_EPARSE;
	}
	return err;
}

/* Adds one entry of a <directories> list; false after reporting. */
static yg_err add_dir_entry(yg_yarascan_config *cfg, const char *p, const yg_wxml_node *e,
                            const yg_opt_ctx *ctx)
{
	if (p[0] != '/' || strlen(p) >= YS_PATH_MAX) {
		yg_opt_bad(ctx, e, "not an absolute path: '%s'", p);
		return YG_EPARSE;
	}
	yg_err err = yg_yarascan_config_add_directory(cfg, p);
	if (err == YG_ELIMIT) {
		yg_opt_bad(ctx, e, "more than %d entries", YS_MAX_ENTRIES);
		return YG_EPARSE;
	}
	return err;
}

/* <directories>: a comma-separated list of absolute paths; repeatable. */
static yg_err parse_dirs(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	char *list = strdup(v), *save = NULL;
	if (!list)
		return YG_ENOMEM;
	yg_err result = YG_OK;
	bool any = false;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		for (size_t n = strlen(tok); n > 0 && isspace((unsigned char)tok[n - 1]); n--)
			tok[n - 1] = '\0';
		if (!*tok)
			continue;
		any = true;
		yg_err err = add_dir_entry(obj, tok, e, ctx);
		if (err == YG_ENOMEM) {
			result = err;
			break;
		}
		if (err)
			result = YG_EPARSE;
	}
	free(list);
	if (!any && result == YG_OK) {
		yg_opt_bad(ctx, e, "empty value");
		result = YG_EPARSE;
	}
	return result;
}

static void print_rules(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_yarascan_config *cfg = obj;
	for (size_t i = 0; i < cfg->nrules; i++)
		fprintf(out, "    <%s>%s</%s>\n", o->name, cfg->rules[i].path, o->name);
}

static void print_dirs(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_yarascan_config *cfg = obj;
	for (size_t i = 0; i < cfg->ndirs; i++)
		fprintf(out, "    <%s>%s</%s>\n", o->name, cfg->dirs[i], o->name);
}

#define C yg_yarascan_config
static const yg_opt yara_opts[] = {
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(C, disabled), .def = "no",
         .help = "turn the built-in scanner off"},
        {"rules", YG_OPT_CUSTOM, .parse = parse_rules, .print = print_rules,
         .help = "a rules file or directory (absolute; repeatable)"},
        {"directories", YG_OPT_CUSTOM, .parse = parse_dirs, .print = print_dirs,
         .help = "directories to scan, comma-separated (absolute; repeatable)"},
        {"settle_ms", YG_OPT_UINT, YG_OPT_AT(C, settle_ms), 0, 3600000, "2000",
         .help = "how long a file must stay unchanged before it is scanned"},
        {"max_file_size", YG_OPT_SIZE, YG_OPT_AT(C, max_file_size), 1, UINT64_MAX, "32M",
         .help = "larger files are not scanned"},
        {"timeout", YG_OPT_SECONDS, YG_OPT_AT(C, timeout_s), 1, 3600, "60",
         .help = "the longest one scan may take"},
        {0},
};
#undef C

static void *block_create(void)
{
	return yg_yarascan_config_create();
}

static void block_destroy(void *obj)
{
	yg_yarascan_config_destroy(obj);
}

const yg_opt_block yg_yarascan_block = {"yara", yara_opts,    sizeof(yg_yarascan_config),
                                        false,  block_create, block_destroy};

yg_err yg_yarascan_config_add_yara(yg_yarascan_config *cfg, const yg_wxml_node *node,
                                   const char *file, yg_diag *diag)
{
	return yg_opt_read(&yg_yarascan_block, cfg, node, file, diag);
}

void yg_yarascan_config_print(const yg_yarascan_config *cfg, FILE *out)
{
	yg_opt_print(&yg_yarascan_block, cfg, 2, out);
}
