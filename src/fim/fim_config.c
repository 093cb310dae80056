/* fim_config.c: reading Wazuh's <syscheck> block. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/yopt.h"
#include "fim/fim_int.h"

static void dir_free(fim_dir *d)
{
	free(d->path);
	free(d->restrict_raw);
	yg_osmatch_destroy(d->restrict_re);
	free(d->tags);
}

static void patterns_free(fim_pattern *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].raw);
		yg_osmatch_destroy(p[i].re);
	}
	free(p);
}

void yg_fim_config_destroy(yg_fim_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ndirs; i++)
		dir_free(&cfg->dirs[i]);
	free(cfg->dirs);
	patterns_free(cfg->ignore, cfg->nignore);
	patterns_free(cfg->nodiff, cfg->nnodiff);
	free(cfg);
}

bool yg_fim_config_disabled(const yg_fim_config *cfg)
{
	return cfg->disabled;
}

unsigned yg_fim_config_frequency(const yg_fim_config *cfg)
{
	return cfg->frequency;
}

bool yg_fim_config_scan_on_start(const yg_fim_config *cfg)
{
	return cfg->scan_on_start;
}

size_t yg_fim_config_max_realtime_watches(const yg_fim_config *cfg)
{
	return cfg->max_realtime_watches;
}

size_t yg_fim_config_ndirs(const yg_fim_config *cfg)
{
	return cfg->ndirs;
}

void yg_fim_config_dir(const yg_fim_config *cfg, size_t i, yg_fim_dir_info *out)
{
	const fim_dir *d = &cfg->dirs[i];
	out->path = d->path;
	out->checks = d->checks;
	out->realtime = d->realtime;
	out->report_changes = d->report_changes;
	out->recursion_level = d->recursion_level;
	out->restrict_pattern = d->restrict_raw;
	out->tags = d->tags;
	out->diff_size_limit = d->diff_size_limit;
}

/* ---- small parsers ---- */

/* Wazuh's read_data_unit: "<n>" (KB), "<n>KB", "<n>MB", "<n>GB", "<n>TB"
 * (case-insensitive unit letter); bytes ("10B") are refused. Returns bytes in
 * *out, false when malformed. */
static bool parse_data_unit(const char *s, uint64_t *out)
{
	size_t len = strlen(s);
	uint64_t n, mult = 1024;
	if (len == 0)
		return false;
	if (len >= 3 && (s[len - 1] == 'B' || s[len - 1] == 'b') &&
	    isalpha((unsigned char)s[len - 2])) {
		char num[32];
		if (len - 2 >= sizeof(num))
			return false;
		memcpy(num, s, len - 2);
		num[len - 2] = '\0';
		switch (s[len - 2]) {
		case 'M':
		case 'm': mult = 1024ull * 1024; break;
		case 'G':
		case 'g': mult = 1024ull * 1024 * 1024; break;
		case 'T':
		case 't': mult = 1024ull * 1024 * 1024 * 1024; break;
		default: mult = 1024; break;
		}
		if (!yg_opt_parse_uint(num, 0, UINT64_MAX / mult, &n))
			return false;
	} else {
		if (!yg_opt_parse_uint(s, 0, UINT64_MAX / mult, &n))
			return false;
	}
	*out = n * mult;
	return true;
}

/* Copies s without leading/trailing blanks; NULL on ENOMEM. */
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

/* Normalises a configured path in place: collapses repeated '/', drops a
 * trailing '/' (not for "/"). Returns false when the path is not absolute
 * or too long. */
static bool normalise_path(char *p)
{
	size_t w = 0;
	if (p[0] != '/' || strlen(p) >= FIM_PATH_MAX)
		return false;
	for (size_t r = 0; p[r]; r++) {
		if (p[r] == '/' && w > 0 && p[w - 1] == '/')
			continue;
		p[w++] = p[r];
	}
	if (w > 1 && p[w - 1] == '/')
		w--;
	p[w] = '\0';
	return true;
}

/* ---- <directories> ---- */

static const struct {
	const char *name;
	unsigned bits;
} check_attrs[] = {
        {"check_all", YG_FIM_CHECK_ALL},
        {"check_sum", YG_FIM_CHECK_MD5 | YG_FIM_CHECK_SHA1 | YG_FIM_CHECK_SHA256},
        {"check_md5sum", YG_FIM_CHECK_MD5},
        {"check_sha1sum", YG_FIM_CHECK_SHA1},
        {"check_sha256sum", YG_FIM_CHECK_SHA256},
        {"check_size", YG_FIM_CHECK_SIZE},
        {"check_owner", YG_FIM_CHECK_OWNER},
        {"check_group", YG_FIM_CHECK_GROUP},
        {"check_perm", YG_FIM_CHECK_PERM},
        {"check_mtime", YG_FIM_CHECK_MTIME},
        {"check_inode", YG_FIM_CHECK_INODE},
};

static int dir_cmp(const void *a, const void *b)
{
	return strcmp(((const fim_dir *)a)->path, ((const fim_dir *)b)->path);
}

/* Adds (or, for a path already configured, replaces) one directory; takes
 * ownership of d's strings and pattern in every case. */
static yg_err add_dir(yg_fim_config *cfg, fim_dir *d)
{
	for (size_t i = 0; i < cfg->ndirs; i++) {
		if (strcmp(cfg->dirs[i].path, d->path) == 0) {
			dir_free(&cfg->dirs[i]);
			cfg->dirs[i] = *d;
			return YG_OK;
		}
	}
	if (cfg->ndirs >= FIM_MAX_DIRS) {
		dir_free(d);
		return YG_ELIMIT;
	}
	fim_dir *nd = realloc(cfg->dirs, (cfg->ndirs + 1) * sizeof(*nd));
	if (!nd) {
		dir_free(d);
		return YG_ENOMEM;
	}
	cfg->dirs = nd;
	cfg->dirs[cfg->ndirs++] = *d;
	qsort(cfg->dirs, cfg->ndirs, sizeof(*cfg->dirs), dir_cmp);
	return YG_OK;
}

/* ---- <directories>: its attributes are an option table over fim_attrs,
 * read with yg_opt_read_one as if they were elements ---- */

/* What a <directories> element's attributes say. */
typedef struct fim_attrs {
	const char *content; /* the element's paths, for messages */
	unsigned checks;
	bool realtime, report;
	int depth;
	char *restrict_raw, *tags;
	uint64_t diff_limit;
} fim_attrs;

static yg_err attr_check(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	fim_attrs *a = obj;
	bool yes;
	if (!yg_opt_parse_bool(v, &yes)) {
		yg_opt_bad(ctx, e, "invalid value '%.64s' (yes or no)", v);
		return YG_EPARSE;
	}
	for (size_t k = 0; k < sizeof(check_attrs) / sizeof(check_attrs[0]); k++)
		if (strcmp(e->name, check_attrs[k].name) == 0)
			a->checks = yes ? a->checks | check_attrs[k].bits
			                : a->checks & ~check_attrs[k].bits;
	return YG_OK;
}

/* whodata: no audit here; such directories are watched with inotify, the
 * closest thing yagura has. */
static yg_err attr_whodata(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	bool yes;
	if (!yg_opt_parse_bool(v, &yes)) {
		yg_opt_bad(ctx, e, "invalid value '%.64s' (yes or no)", v);
		return YG_EPARSE;
	}
	if (yes) {
		((fim_attrs *)obj)->realtime = true;
		yg_diag_add(ctx->diag, YG_SEV_WARNING, ctx->file, e->line, "directories",
		            "whodata is not supported; '%s' is monitored in realtime instead",
		            ((fim_attrs *)obj)->content);
	}
	return YG_OK;
}

static yg_err attr_follow(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)obj;
	bool yes;
	if (!yg_opt_parse_bool(v, &yes)) {
		yg_opt_bad(ctx, e, "invalid value '%.64s' (yes or no)", v);
		return YG_EPARSE;
	}
	if (yes)
		yg_diag_add(ctx->diag, YG_SEV_WARNING, ctx->file, e->line, "directories",
		            "follow_symbolic_link is not supported: symbolic links are recorded, "
		            "not followed");
	return YG_OK;
}

static yg_err attr_depth(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	uint64_t n;
	if (!yg_opt_parse_uint(v, 0, UINT64_MAX / 10, &n)) {
		yg_opt_bad(ctx, e, "invalid recursion_level '%.64s'", v);
		return YG_EPARSE;
	}
	if (n > FIM_MAX_DEPTH) {
		yg_diag_add(ctx->diag, YG_SEV_WARNING, ctx->file, e->line, "directories",
		            "recursion_level %s exceeds the limit %d: using %d", v, FIM_MAX_DEPTH,
		            FIM_DEFAULT_DEPTH);
		n = FIM_DEFAULT_DEPTH;
	}
	((fim_attrs *)obj)->depth = (int)n;
	return YG_OK;
}

static yg_err attr_diff_limit(void *obj, const char *v, const yg_wxml_node *e,
                              const yg_opt_ctx *ctx)
{
	uint64_t n;
	if (!parse_data_unit(v, &n)) {
		yg_opt_bad(ctx, e, "invalid diff_size_limit '%.64s'", v);
		return YG_EPARSE;
	}
	((fim_attrs *)obj)->diff_limit = n < 1024 ? 1024 : n; /* 1 KB is Wazuh's minimum */
	return YG_OK;
}

#define CHECK(n)                                                                                   \
	{                                                                                          \
		n, YG_OPT_CUSTOM, .parse = attr_check, .help = "yes or no"                         \
	}
#define A fim_attrs
static const yg_opt dir_attr_opts[] = {
        CHECK("check_all"),
        CHECK("check_sum"),
        CHECK("check_md5sum"),
        CHECK("check_sha1sum"),
        CHECK("check_sha256sum"),
        CHECK("check_size"),
        CHECK("check_owner"),
        CHECK("check_group"),
        CHECK("check_perm"),
        CHECK("check_mtime"),
        CHECK("check_inode"),
        {"realtime", YG_OPT_BOOL, YG_OPT_AT(A, realtime), .help = "watch with inotify"},
        {"report_changes", YG_OPT_BOOL, YG_OPT_AT(A, report), .help = "keep diffs of text"},
        {"whodata", YG_OPT_CUSTOM, .parse = attr_whodata, .help = "read as realtime"},
        {"follow_symbolic_link", YG_OPT_CUSTOM, .parse = attr_follow,
         .help = "not supported: links are recorded"},
        {"restrict", YG_OPT_STRING, YG_OPT_AT(A, restrict_raw), .flags = YG_OPT_EMPTY_OK,
         .help = "an OS_Match pattern on file names"},
        {"tags", YG_OPT_STRING, YG_OPT_AT(A, tags), .flags = YG_OPT_EMPTY_OK,
         .help = "tags added to the events"},
        {"recursion_level", YG_OPT_CUSTOM, .parse = attr_depth, .help = "directory depth (0-320)"},
        {"diff_size_limit", YG_OPT_CUSTOM, .parse = attr_diff_limit,
         .help = "the largest file diffed (Wazuh's KB, MB, GB)"},
        /* Windows-only in Wazuh; accepted and ignored */
        {"check_attrs", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER},
        {"recursion", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER},
        {0},
};
#undef A
#undef CHECK

const yg_opt_block yg_fim_dir_attrs_block = {"directories", dir_attr_opts, sizeof(fim_attrs),
                                             true,          NULL,          NULL};

/* Reads n's attributes into a. Following Wazuh, a bad value skips the whole
 * element: *skip, with a warning naming the attribute. */
static yg_err read_dir_attrs(fim_attrs *a, const yg_wxml_node *n, const char *file, yg_diag *diag,
                             bool *skip)
{
	for (size_t i = 0; i < n->nattrs; i++) {
		yg_wxml_node as_elem = {
		        .name = n->attrs[i].name, .content = n->attrs[i].value, .line = n->line};
		yg_diag *tmp = yg_diag_create();
		bool known;
		yg_err rc = tmp ? yg_opt_read_one(&yg_fim_dir_attrs_block, a, &as_elem, file, tmp,
		                                  &known)
		                : YG_ENOMEM;
		for (size_t k = 0; tmp && k < yg_diag_count(tmp); k++) {
			const yg_diag_entry *e = yg_diag_get(tmp, k);
			if (e->severity != YG_SEV_ERROR)
				yg_diag_add(diag, e->severity, file, e->line, "directories", "%s",
				            e->message);
		}
		yg_diag_destroy(tmp);
		if (rc == YG_ENOMEM)
			return rc;
		if (rc) {
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "invalid value '%s' for attribute '%s': skipping '%s'",
			            as_elem.content, as_elem.name, n->content);
			*skip = true;
			return YG_OK;
		}
		if (!known)
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "unknown attribute '%s'", as_elem.name);
	}
	return YG_OK;
}

/* Wazuh strips ' ', '!' and ':' from tags. */
static void clean_tags(char *tags)
{
	size_t w = 0;
	for (const char *p = tags; *p; p++)
		if (*p != ' ' && *p != '!' && *p != ':')
			tags[w++] = *p;
	tags[w] = '\0';
}

/* The fim_dir of one path with a's settings (strings copied). */
static yg_err make_dir(const fim_attrs *a, char *path, const yg_wxml_node *n, const char *file,
                       yg_diag *diag, fim_dir *d)
{
	*d = (fim_dir){.path = path,
	               .checks = a->checks,
	               .realtime = a->realtime,
	               .report_changes = a->report,
	               .recursion_level = a->depth,
	               .diff_size_limit = a->diff_limit};
	if (a->tags && !(d->tags = strdup(a->tags)))
		return YG_ENOMEM;
	if (!a->restrict_raw)
		return YG_OK;
	char err[128];
	if (!(d->restrict_raw = strdup(a->restrict_raw)))
		return YG_ENOMEM;
	if (yg_osmatch_compile(a->restrict_raw, &d->restrict_re, err, sizeof(err))) {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "directories",
		            "invalid restrict pattern '%s': %s", a->restrict_raw, err);
		return YG_EPARSE;
	}
	return YG_OK;
}

/* One path of the element's comma-separated list; false to stop. */
static bool add_one_path(yg_fim_config *cfg, const fim_attrs *a, char *path, const yg_wxml_node *n,
                         const char *file, yg_diag *diag, yg_err *rc)
{
	const char *why = !normalise_path(path)  ? "is not an absolute path"
	                  : strpbrk(path, "*?[") ? "has wildcards, not supported yet"
	                                         : NULL;
	if (why) {
		yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories", "'%s' %s: ignored",
		            path, why);
		free(path);
		return true;
	}
	fim_dir d;
	yg_err e = make_dir(a, path, n, file, diag, &d);
	if (e) {
		dir_free(&d);
		*rc = e;
		return e != YG_ENOMEM;
	}
	e = add_dir(cfg, &d);
	if (e == YG_ELIMIT) {
		yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "directories",
		            "more than %d directories configured", FIM_MAX_DIRS);
		e = YG_EPARSE;
	}
	*rc = e ? e : *rc;
	return e == YG_OK;
}

/* Reads one <directories> element. Returns YG_ENOMEM, YG_EPARSE (a bad
 * restrict pattern, too many directories) or YG_OK. */
static yg_err read_directories(yg_fim_config *cfg, const yg_wxml_node *n, const char *file,
                               yg_diag *diag)
{
	fim_attrs a = {.content = n->content,
	               .checks = YG_FIM_CHECK_ALL,
	               .depth = FIM_DEFAULT_DEPTH,
	               .diff_limit = cfg->file_size_limit};
	bool skip = false;
	yg_err rc = read_dir_attrs(&a, n, file, diag, &skip);
	if (a.tags)
		clean_tags(a.tags);
	size_t count = 0;
	for (const char *s = n->content; rc != YG_ENOMEM && !skip && *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *path = trim_dup(s, len);
		s = comma ? comma + 1 : s + len;
		if (!path) {
			rc = YG_ENOMEM;
		} else if (!*path) {
			free(path);
		} else if (++count > FIM_MAX_DIRS_PER_ELEMENT) {
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "more than %d paths in one element: '%s' ignored",
			            FIM_MAX_DIRS_PER_ELEMENT, path);
			free(path);
		} else if (!add_one_path(cfg, &a, path, n, file, diag, &rc)) {
			break;
		}
	}
	yg_opt_free(&yg_fim_dir_attrs_block, &a);
	if (count == 0 && rc == YG_OK && !skip)
		yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
		            "no directory given");
	return rc;
}

/* ---- ignore / nodiff ---- */

static yg_err add_pattern(fim_pattern **list, size_t *n, const yg_wxml_node *e, const char *file,
                          yg_diag *diag)
{
	const char *type = yg_wxml_attr_get(e, "type");
	bool sregex = false;
	for (size_t a = 0; a < e->nattrs; a++) {
		if (strcmp(e->attrs[a].name, "type") != 0 ||
		    strcmp(e->attrs[a].value, "sregex") != 0) {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "invalid attribute '%s=\"%s\"' (only type=\"sregex\")",
			            e->attrs[a].name, e->attrs[a].value);
			return YG_EPARSE;
		}
	}
	sregex = type != NULL;
	if (*n >= FIM_MAX_PATTERNS) {
		yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name, "more than %d entries",
		            FIM_MAX_PATTERNS);
		return YG_EPARSE;
	}
	fim_pattern p = {0};
	if (sregex) {
		char err[128];
		p.raw = strdup(e->content);
		if (!p.raw)
			return YG_ENOMEM;
		if (yg_osmatch_compile(e->content, &p.re, err, sizeof(err))) {
			yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
			            "invalid sregex '%s': %s", e->content, err);
			free(p.raw);
			return YG_EPARSE;
		}
	} else {
		p.raw = trim_dup(e->content, strlen(e->content));
		if (!p.raw)
			return YG_ENOMEM;
		if (!*p.raw) {
			yg_diag_add(diag, YG_SEV_WARNING, file, e->line, e->name, "empty entry");
			free(p.raw);
			return YG_OK;
		}
		/* The same normalisation as directories (Wazuh's format_path),
		 * so "/var/cache/" ignores what "/var/cache" does. */
		if (p.raw[0] == '/')
			normalise_path(p.raw);
		for (size_t i = 0; i < *n; i++) {
			if (!(*list)[i].re && strcmp((*list)[i].raw, p.raw) == 0) {
				free(p.raw);
				return YG_OK;
			}
		}
	}
	fim_pattern *nl = realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl) {
		free(p.raw);
		yg_osmatch_destroy(p.re);
		return YG_ENOMEM;
	}
	*list = nl;
	nl[(*n)++] = p;
	return YG_OK;
}

/* ---- printing (`-t --print`) ---- */

static yg_err parse_directories(void *obj, const char *v, const yg_wxml_node *e,
                                const yg_opt_ctx *ctx)
{
	(void)v;
	return read_directories(obj, e, ctx->file, ctx->diag);
}

/* One directory's attributes, each only when it is not the default. */
static void print_dir_attrs(const yg_fim_config *cfg, const fim_dir *d, FILE *out)
{
	if (d->checks != YG_FIM_CHECK_ALL) {
		fputs(" check_all=\"no\"", out);
		for (size_t k = 2; k < sizeof(check_attrs) / sizeof(check_attrs[0]); k++)
			if (d->checks & check_attrs[k].bits)
				fprintf(out, " %s=\"yes\"", check_attrs[k].name);
	}
	if (d->realtime)
		fputs(" realtime=\"yes\"", out);
	if (d->report_changes)
		fputs(" report_changes=\"yes\"", out);
	if (d->recursion_level != FIM_DEFAULT_DEPTH)
		fprintf(out, " recursion_level=\"%d\"", d->recursion_level);
	if (d->diff_size_limit != cfg->file_size_limit)
		fprintf(out, " diff_size_limit=\"%lluKB\"",
		        (unsigned long long)(d->diff_size_limit / 1024));
	if (d->restrict_raw) {
		fputs(" restrict=\"", out);
		fputs(d->restrict_raw, out);
		fputc('"', out);
	}
	if (d->tags) {
		fputs(" tags=\"", out);
		fputs(d->tags, out);
		fputc('"', out);
	}
}

static void print_dirs(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_fim_config *cfg = obj;
	for (size_t i = 0; i < cfg->ndirs; i++) {
		fprintf(out, "    <%s", o->name);
		print_dir_attrs(cfg, &cfg->dirs[i], out);
		fputc('>', out);
		fputs(cfg->dirs[i].path, out);
		fprintf(out, "</%s>\n", o->name);
	}
}

static void print_patterns(const fim_pattern *p, size_t n, const char *name, int indent, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%*s<%s%s>", indent, "", name, p[i].re ? " type=\"sregex\"" : "");
		fputs(p[i].raw, out);
		fprintf(out, "</%s>\n", name);
	}
}

static void print_ignore(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_fim_config *cfg = obj;
	print_patterns(cfg->ignore, cfg->nignore, o->name, 4, out);
}

static void print_nodiff(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_fim_config *cfg = obj;
	print_patterns(cfg->nodiff, cfg->nnodiff, o->name, 4, out);
}

/* ---- <diff>, <file_limit>, <syscheck>: option tables over yg_fim_config ---- */

static yg_err parse_nodiff(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	yg_fim_config *cfg = obj;
	return add_pattern(&cfg->nodiff, &cfg->nnodiff, e, ctx->file, ctx->diag);
}

static yg_err parse_ignore(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	yg_fim_config *cfg = obj;
	return add_pattern(&cfg->ignore, &cfg->nignore, e, ctx->file, ctx->diag);
}

/* A <limit> in Wazuh's data units, at least 1 KB. */
static yg_err parse_limit(uint64_t *out, const char *v, const yg_wxml_node *e,
                          const yg_opt_ctx *ctx)
{
	uint64_t n;
	if (!parse_data_unit(v, &n)) {
		yg_opt_bad(ctx, e, "invalid size '%.64s' (e.g. 50MB)", v);
		return YG_EPARSE;
	}
	*out = n < 1024 ? 1024 : n;
	return YG_OK;
}

static yg_err parse_quota_limit(void *obj, const char *v, const yg_wxml_node *e,
                                const yg_opt_ctx *ctx)
{
	return parse_limit(&((yg_fim_config *)obj)->disk_quota, v, e, ctx);
}

static yg_err parse_size_limit(void *obj, const char *v, const yg_wxml_node *e,
                               const yg_opt_ctx *ctx)
{
	return parse_limit(&((yg_fim_config *)obj)->file_size_limit, v, e, ctx);
}

static void print_kb(uint64_t bytes, const char *name, FILE *out)
{
	fprintf(out, "        <%s>%lluKB</%s>\n", name, (unsigned long long)(bytes / 1024), name);
}

static void print_quota_limit(const void *obj, const yg_opt *o, FILE *out)
{
	print_kb(((const yg_fim_config *)obj)->disk_quota, o->name, out);
}

static void print_size_limit(const void *obj, const yg_opt *o, FILE *out)
{
	print_kb(((const yg_fim_config *)obj)->file_size_limit, o->name, out);
}

#define F yg_fim_config
static const yg_opt quota_opts[] = {
        {"enabled", YG_OPT_BOOL, YG_OPT_AT(F, disk_quota_enabled), .def = "yes",
         .help = "bound the diffs' storage"},
        {"limit", YG_OPT_CUSTOM, .def = "1GB", .parse = parse_quota_limit,
         .print = print_quota_limit, .help = "the bound (Wazuh's KB, MB, GB)"},
        {0},
};

static const yg_opt file_size_opts[] = {
        {"enabled", YG_OPT_BOOL, YG_OPT_AT(F, file_size_enabled), .def = "yes",
         .help = "files above the limit are not diffed"},
        {"limit", YG_OPT_CUSTOM, .def = "50MB", .parse = parse_size_limit,
         .print = print_size_limit, .help = "the limit (Wazuh's KB, MB, GB)"},
        {0},
};

static const yg_opt file_limit_opts[] = {
        {"enabled", YG_OPT_BOOL, YG_OPT_AT(F, file_limit_enabled), .def = "yes",
         .help = "bound the files monitored"},
        /* Wazuh caps entries at 2^31-1 (MAX_FILE_LIMIT) */
        {"entries", YG_OPT_UINT, YG_OPT_AT(F, file_limit), 0, INT_MAX, "100000",
         .help = "the bound"},
        {0},
};

static void *fim_block_create(void)
{
	return yg_fim_config_create();
}

static void fim_block_destroy(void *obj)
{
	yg_fim_config_destroy(obj);
}

#define BLOCK(var, name, opts)                                                                     \
	const yg_opt_block var = {                                                                 \
	        name, opts, sizeof(yg_fim_config), false, fim_block_create, fim_block_destroy}
BLOCK(yg_fim_quota_block, "disk_quota", quota_opts);
BLOCK(yg_fim_file_size_block, "file_size", file_size_opts);
BLOCK(yg_fim_file_limit_block, "file_limit", file_limit_opts);

static yg_err parse_quota(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	return yg_opt_read(&yg_fim_quota_block, obj, e, ctx->file, ctx->diag);
}

static yg_err parse_file_size(void *obj, const char *v, const yg_wxml_node *e,
                              const yg_opt_ctx *ctx)
{
	(void)v;
	return yg_opt_read(&yg_fim_file_size_block, obj, e, ctx->file, ctx->diag);
}

static yg_err parse_file_limit(void *obj, const char *v, const yg_wxml_node *e,
                               const yg_opt_ctx *ctx)
{
	(void)v;
	return yg_opt_read(&yg_fim_file_limit_block, obj, e, ctx->file, ctx->diag);
}

static void print_quota(const void *obj, const yg_opt *o, FILE *out)
{
	(void)o;
	yg_opt_print(&yg_fim_quota_block, obj, 6, out);
}

static void print_file_size(const void *obj, const yg_opt *o, FILE *out)
{
	(void)o;
	yg_opt_print(&yg_fim_file_size_block, obj, 6, out);
}

static void print_file_limit(const void *obj, const yg_opt *o, FILE *out)
{
	(void)o;
	yg_opt_print(&yg_fim_file_limit_block, obj, 4, out);
}

static const yg_opt diff_opts[] = {
        {"nodiff", YG_OPT_CUSTOM, .parse = parse_nodiff,
         .help = "a file whose changes are never diffed (repeatable)"},
        {"disk_quota", YG_OPT_CUSTOM, .parse = parse_quota, .print = print_quota,
         .help = "<enabled>, <limit>"},
        {"file_size", YG_OPT_CUSTOM, .parse = parse_file_size, .print = print_file_size,
         .help = "<enabled>, <limit>"},
        {"registry_nodiff", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER, .help = "Windows only"},
        {0},
};
BLOCK(yg_fim_diff_block, "diff", diff_opts);

static void print_diff(const void *obj, const yg_opt *o, FILE *out)
{
	(void)o;
	yg_opt_print(&yg_fim_diff_block, obj, 4, out);
}

/* Elements Wazuh knows that yagura accepts and ignores (Windows, audit,
 * agent synchronisation, scheduling variants). */
#define IGNORED(n)                                                                                 \
	{                                                                                          \
		n, YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED,                                         \
		                  .help = "option not supported by yagura: ignored"                \
	}
static const yg_opt syscheck_opts[] = {
        {"disabled", YG_OPT_BOOL, YG_OPT_AT(F, disabled), .def = "no",
         .help = "no file integrity monitoring"},
        {"frequency", YG_OPT_UINT, YG_OPT_AT(F, frequency), 0, UINT_MAX, "43200",
         .help = "seconds between scans"},
        {"scan_on_start", YG_OPT_BOOL, YG_OPT_AT(F, scan_on_start), .def = "yes",
         .help = "scan when starting"},
        {"directories", YG_OPT_CUSTOM, .parse = parse_directories, .print = print_dirs,
         .help = "paths, comma-separated, with check_*, realtime, ... attributes"},
        {"ignore", YG_OPT_CUSTOM, .parse = parse_ignore, .print = print_ignore,
         .help = "a path prefix, or type=\"sregex\" (repeatable)"},
        {"nodiff", YG_OPT_CUSTOM, .parse = parse_nodiff, .print = print_nodiff,
         .help = "a file never diffed (repeatable)"},
        {"max_files_per_second", YG_OPT_UINT, YG_OPT_AT(F, max_files_per_second), 0, UINT_MAX, "0",
         .help = "scan speed; 0 = no limit"},
        {"max_realtime_watches", YG_OPT_UINT, YG_OPT_AT(F, max_realtime_watches), 0, INT_MAX, "0",
         .help = "yagura's own: inotify watches; 0 = the kernel's limit only"},
        {"file_limit", YG_OPT_CUSTOM, .parse = parse_file_limit, .print = print_file_limit,
         .help = "<enabled>, <entries>"},
        /* read first (yg_fim_config_read) */
        {"diff", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER, .print = print_diff,
         .help = "<nodiff>, <disk_quota>, <file_size>"},
        IGNORED("scan_time"),
        IGNORED("scan_day"),
        IGNORED("skip_nfs"),
        IGNORED("skip_dev"),
        IGNORED("skip_sys"),
        IGNORED("skip_proc"),
        IGNORED("windows_registry"),
        IGNORED("registry_ignore"),
        IGNORED("registry_ignore_value"),
        IGNORED("registry_limit"),
        IGNORED("auto_ignore"),
        IGNORED("alert_new_files"),
        IGNORED("remove_old_diff"),
        IGNORED("prefilter_cmd"),
        IGNORED("restart_audit"),
        IGNORED("windows_audit_interval"),
        IGNORED("whodata"),
        IGNORED("process_priority"),
        IGNORED("synchronization"),
        IGNORED("max_eps"),
        IGNORED("allow_remote_prefilter_cmd"),
        IGNORED("database"),
        IGNORED("queue_size"),
        IGNORED("rt_delay"),
        IGNORED("max_fd_win_rt"),
        IGNORED("nodiff_regex"),
        IGNORED("disk_quota"),
        {0},
};
#undef IGNORED
#undef F
BLOCK(yg_fim_syscheck_block, "syscheck", syscheck_opts);
#undef BLOCK

yg_fim_config *yg_fim_config_create(void)
{
	yg_fim_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg && (yg_opt_defaults(&yg_fim_syscheck_block, cfg) ||
	            yg_opt_defaults(&yg_fim_file_limit_block, cfg) ||
	            yg_opt_defaults(&yg_fim_quota_block, cfg) ||
	            yg_opt_defaults(&yg_fim_file_size_block, cfg))) {
		yg_fim_config_destroy(cfg);
		return NULL;
	}
	return cfg;
}

yg_err yg_fim_config_read(yg_fim_config *cfg, const yg_wxml_node *sc, const char *file,
                          yg_diag *diag)
{
	yg_err rc = YG_OK;
	/* Wazuh reads <diff> limits before directories, so a directory's default
	 * diff_size_limit is the <file_size> limit of the same block. */
	for (size_t i = 0; i < sc->nchildren; i++) {
		const yg_wxml_node *e = sc->children[i];
		if (strcmp(e->name, "diff") == 0) {
			yg_err r = yg_opt_read(&yg_fim_diff_block, cfg, e, file, diag);
			if (r == YG_ENOMEM)
				return r;
			if (r)
				rc = r;
		}
	}
	yg_err r = yg_opt_read(&yg_fim_syscheck_block, cfg, sc, file, diag);
	return r ? r : rc;
}

void yg_fim_config_print(const yg_fim_config *cfg, FILE *out)
{
	yg_opt_print(&yg_fim_syscheck_block, cfg, 2, out);
}

/* ---- lookups ---- */

const fim_dir *fim_config_dir_for(const yg_fim_config *cfg, const char *path)
{
	const fim_dir *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < cfg->ndirs; i++) {
		const char *dp = cfg->dirs[i].path;
		size_t dl = strlen(dp);
		bool match = dl == 1 ? path[0] == '/'
		                     : strncmp(dp, path, dl) == 0 &&
		                               (path[dl] == '/' || path[dl] == '\0');
		if (match && dl > best_len) {
			best = &cfg->dirs[i];
			best_len = dl;
		}
	}
	return best;
}

bool fim_config_ignored(const yg_fim_config *cfg, const char *path, bool is_dir)
{
	for (size_t i = 0; i < cfg->nignore; i++) {
		const fim_pattern *p = &cfg->ignore[i];
		if (!p->re) {
			if (strncasecmp(p->raw, path, strlen(p->raw)) == 0)
				return true;
		} else if (yg_osmatch_exec(p->re, path)) {
			return !(is_dir && p->raw[0] == '!');
		}
	}
	return false;
}

bool fim_config_nodiff(const yg_fim_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->nnodiff; i++) {
		const fim_pattern *p = &cfg->nodiff[i];
		if (p->re ? yg_osmatch_exec(p->re, path) : strcmp(p->raw, path) == 0)
			return true;
	}
	return false;
}
