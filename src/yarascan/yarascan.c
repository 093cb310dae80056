/* yarascan.c: compiling YARA rules and scanning one file with libyara. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yara.h>

#include "common/ydl.h"
#include "yarascan/yarascan_int.h"

/* libyara is loaded when a scanner is first made (common/ydl.h): an agent
 * without <yara> maps neither it nor libmagic, jansson and bz2 (BENCHMARKS.md).
 * YG_YARA_SONAME is the soname of the libyara built against (meson). */
static struct {
	__typeof__(yr_compiler_add_file) *yr_compiler_add_file;
	__typeof__(yr_compiler_create) *yr_compiler_create;
	__typeof__(yr_compiler_destroy) *yr_compiler_destroy;
	__typeof__(yr_compiler_get_rules) *yr_compiler_get_rules;
	__typeof__(yr_compiler_set_callback) *yr_compiler_set_callback;
	__typeof__(yr_finalize) *yr_finalize;
	__typeof__(yr_initialize) *yr_initialize;
	__typeof__(yr_rules_destroy) *yr_rules_destroy;
	__typeof__(yr_rules_scan_fd) *yr_rules_scan_fd;
} yr;

static const yg_dl_sym yr_syms[] = {
        {"yr_compiler_add_file", &yr.yr_compiler_add_file},
        {"yr_compiler_create", &yr.yr_compiler_create},
        {"yr_compiler_destroy", &yr.yr_compiler_destroy},
        {"yr_compiler_get_rules", &yr.yr_compiler_get_rules},
        {"yr_compiler_set_callback", &yr.yr_compiler_set_callback},
        {"yr_finalize", &yr.yr_finalize},
        {"yr_initialize", &yr.yr_initialize},
        {"yr_rules_destroy", &yr.yr_rules_destroy},
        {"yr_rules_scan_fd", &yr.yr_rules_scan_fd},
};

static yg_dl_lib yr_lib = {
        .soname = YG_YARA_SONAME, .syms = yr_syms, .nsyms = sizeof(yr_syms) / sizeof(yr_syms[0])};

#define YS_MAX_TAGS 64
#define YS_MAX_DIR_FILES 4096
#define YS_NS_MAX 128

struct yg_yarascan {
	ys_rules_path *rules; /* copies of the configured paths */
	size_t nrules_paths;
	uint64_t max_file_size;
	unsigned timeout_s;
	YR_RULES *yr;
	size_t nrules; /* compiled rules */
};

/* ---- compiling ---- */

typedef struct compile_ctx {
	yg_diag *diag;
} compile_ctx;

/* libyara's compiler callback: one error or warning with its file:line. */
static void compile_cb(int level, const char *file, int line, const YR_RULE *rule,
                       const char *message, void *user)
{
	compile_ctx *c = user;
	yg_diag_add(c->diag, level == YARA_ERROR_LEVEL_ERROR ? YG_SEV_ERROR : YG_SEV_WARNING, file,
	            line, rule ? rule->identifier : "yara", "%s", message);
}

/* The namespace of a rules file: its base name without .yar/.yara. */
static void file_namespace(const char *path, char *ns, size_t n)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".yara") == 0)
		len -= 5;
	else if (len > 4 && strcmp(base + len - 4, ".yar") == 0)
		len -= 4;
	if (len >= n)
		len = n - 1;
	memcpy(ns, base, len);
	ns[len] = '\0';
	if (len == 0)
		snprintf(ns, n, "default");
}

/* Adds one rules file. `where`/`line` name the configuration for messages. */
static yg_err add_file(YR_COMPILER *comp, const char *path, const ys_rules_path *where,
                       yg_diag *diag)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		yg_diag_add(diag, YG_SEV_ERROR, where->file ? where->file : path, where->line,
		            "rules", "cannot read rules file %s: %s", path, strerror(errno));
		return YG_EIO;
	}
	char ns[YS_NS_MAX];
	file_namespace(path, ns, sizeof(ns));
	int errors = yr.yr_compiler_add_file(comp, f, ns, path);
	fclose(f);
	return errors > 0 ? YG_EPARSE : YG_OK;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_rules_name(const char *n)
{
	size_t len = strlen(n);
	return n[0] != '.' && ((len > 4 && strcmp(n + len - 4, ".yar") == 0) ||
	                       (len > 5 && strcmp(n + len - 5, ".yara") == 0));
}

/* Adds every *.yar / *.yara regular file of a directory, sorted by name. */
static yg_err add_dir(YR_COMPILER *comp, const ys_rules_path *rp, yg_diag *diag)
{
	DIR *d = opendir(rp->path);
	if (!d) {
		yg_diag_add(diag, YG_SEV_ERROR, rp->file ? rp->file : rp->path, rp->line, "rules",
		            "cannot read rules directory %s: %s", rp->path, strerror(errno));
		return YG_EIO;
	}
	char **names = NULL;
	size_t n = 0;
	yg_err err = YG_OK;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_rules_name(e->d_name))
			continue;
		if (n >= YS_MAX_DIR_FILES) {
			err = YG_ELIMIT;
			break;
		}
		char **p = realloc(names, (n + 1) * sizeof(*p));
		char *full = NULL;
		size_t flen = strlen(rp->path) + strlen(e->d_name) + 2;
		if (p)
			names = p;
		if (!p || !(full = malloc(flen))) {
			err = YG_ENOMEM;
			break;
		}
		snprintf(full, flen, "%s/%s", rp->path, e->d_name);
		names[n++] = full;
	}
	closedir(d);
	if (err == YG_ELIMIT)
		yg_diag_add(diag, YG_SEV_ERROR, rp->file ? rp->file : rp->path, rp->line, "rules",
		            "more than %d rules files in %s", YS_MAX_DIR_FILES, rp->path);
	if (!err)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; !err && i < n; i++) {
		struct stat s;
		if (stat(names[i], &s) == 0 && S_ISREG(s.st_mode))
			err = add_file(comp, names[i], rp, diag);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

/* Compiles every configured path into *out. libyara's compiler cannot go on
 * after a file with errors, so compilation stops at the first such file
 * (all of that file's errors are reported). */
static yg_err compile(const yg_yarascan *ys, yg_diag *diag, YR_RULES **out, size_t *nrules)
{
	YR_COMPILER *comp = NULL;
	if (yr.yr_compiler_create(&comp) != ERROR_SUCCESS)
		return YG_ENOMEM;
	compile_ctx c = {.diag = diag};
	yr.yr_compiler_set_callback(comp, compile_cb, &c);
	yg_err err = YG_OK;
	for (size_t i = 0; !err && i < ys->nrules_paths; i++) {
		const ys_rules_path *rp = &ys->rules[i];
		struct stat s;
		if (stat(rp->path, &s) == 0 && S_ISDIR(s.st_mode))
			err = add_dir(comp, rp, diag);
		else
			err = add_file(comp, rp->path, rp, diag);
	}
	if (!err) {
		int rc = yr.yr_compiler_get_rules(comp, out);
		if (rc != ERROR_SUCCESS)
			err = rc == ERROR_INSUFFICIENT_MEMORY ? YG_ENOMEM : YG_EPARSE;
	}
	yr.yr_compiler_destroy(comp);
	if (!err) {
		YR_RULES *rules = *out;
		const YR_RULE *rule;
		size_t n = 0;
		yr_rules_foreach(rules, rule)
		{
			n++;
		}
		*nrules = n;
	}
	return err;
}

yg_err yg_yarascan_create(const yg_yarascan_config *cfg, yg_diag *diag, yg_yarascan **out)
{
	*out = NULL;
	if (cfg->nrules == 0) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "yara", "no <rules> configured");
		return YG_EINVAL;
	}
	if (!yg_dl_load(&yr_lib)) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "yara", "cannot load libyara: %s",
		            yr_lib.error);
		return YG_EINVAL;
	}
	yg_yarascan *ys = calloc(1, sizeof(*ys));
	if (!ys)
		return YG_ENOMEM;
	if (yr.yr_initialize() != ERROR_SUCCESS) {
		free(ys);
		return YG_ENOMEM;
	}
	ys->max_file_size = cfg->max_file_size;
	ys->timeout_s = cfg->timeout_s;
	ys->rules = calloc(cfg->nrules, sizeof(*ys->rules));
	yg_err err = ys->rules ? YG_OK : YG_ENOMEM;
	for (size_t i = 0; !err && i < cfg->nrules; i++) {
		const ys_rules_path *src = &cfg->rules[i];
		ys_rules_path *dst = &ys->rules[i];
		dst->line = src->line;
		dst->path = strdup(src->path);
		dst->file = src->file ? strdup(src->file) : NULL;
		ys->nrules_paths++;
		if (!dst->path || (src->file && !dst->file))
			err = YG_ENOMEM;
	}
	if (!err)
		err = compile(ys, diag, &ys->yr, &ys->nrules);
	if (err) {
		yg_yarascan_destroy(ys);
		return err;
	}
	*out = ys;
	return YG_OK;
}

void yg_yarascan_destroy(yg_yarascan *ys)
{
	if (!ys)
		return;
	if (ys->yr)
		yr.yr_rules_destroy(ys->yr);
	for (size_t i = 0; i < ys->nrules_paths; i++) {
		free(ys->rules[i].path);
		free(ys->rules[i].file);
	}
	free(ys->rules);
	free(ys);
	yr.yr_finalize();
}

yg_err yg_yarascan_reload(yg_yarascan *ys, yg_diag *diag)
{
	YR_RULES *fresh = NULL;
	size_t n = 0;
	yg_err err = compile(ys, diag, &fresh, &n);
	if (err)
		return err;
	yr.yr_rules_destroy(ys->yr);
	ys->yr = fresh;
	ys->nrules = n;
	return YG_OK;
}

size_t yg_yarascan_nrules(const yg_yarascan *ys)
{
	return ys->nrules;
}

/* ---- scanning ---- */

typedef struct scan_ctx {
	const char *path;
	yg_yarascan_cb cb;
	void *ctx;
	unsigned matches;
} scan_ctx;

/* libyara's scan callback: reports each matching rule to the caller. */
static int scan_cb(YR_SCAN_CONTEXT *context, int message, void *data, void *user)
{
	(void)context;
	scan_ctx *s = user;
	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	const YR_RULE *rule = data;
	const char *tags[YS_MAX_TAGS];
	size_t ntags = 0;
	const char *tag;
	yr_rule_tags_foreach(rule, tag)
	{
		if (ntags < YS_MAX_TAGS)
			tags[ntags++] = tag;
	}
	const YR_META *meta;
	const char *desc = NULL;
	yr_rule_metas_foreach(rule, meta)
	{
		if (!desc && meta->type == META_TYPE_STRING &&
		    strcmp(meta->identifier, "description") == 0)
			desc = meta->string;
	}
	yg_yarascan_match m = {.rule = rule->identifier,
	                       .ns = rule->ns ? rule->ns->name : "default",
	                       .tags = tags,
	                       .ntags = ntags,
	                       .description = desc};
	s->matches++;
	if (s->cb && s->cb(s->ctx, s->path, &m) != 0)
		return CALLBACK_ABORT;
	return CALLBACK_CONTINUE;
}

yg_err yg_yarascan_file(yg_yarascan *ys, const char *path, yg_yarascan_cb cb, void *ctx,
                        yg_yarascan_result *res)
{
	yg_yarascan_result dummy;
	if (!res)
		res = &dummy;
	*res = (yg_yarascan_result){0};
	/* O_NONBLOCK: a FIFO planted in a watched directory must not hang us */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return YG_EIO;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return YG_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		res->skipped = true;
		res->reason = "not a regular file";
		return YG_OK;
	}
	if ((uint64_t)st.st_size > ys->max_file_size) {
		close(fd);
		res->skipped = true;
		res->reason = "larger than max_file_size";
		return YG_OK;
	}
	scan_ctx s = {.path = path, .cb = cb, .ctx = ctx};
	int rc = yr.yr_rules_scan_fd(ys->yr, fd, SCAN_FLAGS_REPORT_RULES_MATCHING, scan_cb, &s,
	                             (int)ys->timeout_s);
	close(fd);
	res->matches = s.matches;
	switch (rc) {
	case ERROR_SUCCESS: return YG_OK;
	case ERROR_SCAN_TIMEOUT: res->reason = "scan timeout"; return YG_ELIMIT;
	case ERROR_INSUFFICIENT_MEMORY: return YG_ENOMEM;
	default: return YG_EIO;
	}
}

/* ---- the article's log line ---- */

static yg_err put_escaped(yg_buf *out, const char *s)
{
	yg_err err = YG_OK;
	for (const unsigned char *p = (const unsigned char *)s; !err && *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			err = yg_buf_printf(out, "\\x%02x", *p);
		else
			err = yg_buf_putc(out, (char)*p);
	}
	return err;
}

yg_err yg_yarascan_format(yg_buf *out, const char *rule, const char *path)
{
	size_t saved = out->len;
	yg_err err = yg_buf_puts(out, "wazuh-yara: INFO - Scan result: ");
	if (!err)
		err = put_escaped(out, rule);
	if (!err)
		err = yg_buf_putc(out, ' ');
	if (!err)
		err = put_escaped(out, path);
	if (err && out->data) { /* all or nothing */
		out->len = saved;
		out->data[saved] = '\0';
	}
	return err;
}
