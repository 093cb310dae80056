/* lc_config.c: reading <localfile> blocks into a yg_lc_config.
 *
 * Option names, defaults and limits are Wazuh 4.x's (localfile-config.c);
 * options that only make sense on other platforms or for readers yagura does
 * not have are accepted with a warning, unknown log formats are errors. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/yopt.h"
#include "logcollector/lc_int.h"

#define LC_ML_TIMEOUT 5
#define LC_ML_MAX_TIMEOUT 120

/* Formats read line by line exactly like syslog. */
static const char *const line_formats[] = {
        "syslog", "generic", "json", "snort-fast", "apache", "iis", "squid", "syslog-pipe",
};
/* Formats whose Wazuh reader does more (groups lines, rewrites timestamps):
 * yagura reads them line by line, with a warning. */
static const char *const approx_formats[] = {
        "snort-full", "nmapg",          "mysql_log",    "ossecalert",
        "mssql_log",  "postgresql_log", "djb-multilog", "audit",
};
/* Formats that need another platform or a reader yagura lacks. */
static const char *const unsupported_formats[] = {
        "eventlog",
        "eventchannel",
        "macos",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

yg_lc_config *yg_lc_config_create(void)
{
	yg_lc_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg) {
		cfg->max_line = YG_LC_DEFAULT_MAX_LINE;
		cfg->rescan_ms = 1000;
	}
	return cfg;
}

static void entry_free(lc_entry *e)
{
	free(e->format);
	free(e->location);
	free(e->command);
	free(e->alias);
	free(e->file);
	free(e->exclude);
	for (size_t i = 0; i < e->nignore; i++)
		yg_pattern_destroy(e->ignore[i]);
	free(e->ignore);
	for (size_t i = 0; i < e->nrestrict; i++)
		yg_pattern_destroy(e->restrict_[i]);
	free(e->restrict_);
	yg_pattern_destroy(e->ml_regex);
	for (size_t i = 0; i < e->nlabels; i++) {
		free((char *)e->labels[i].key);
		free((char *)e->labels[i].value);
	}
	free(e->labels);
	for (size_t i = 0; i < e->njfilters; i++) {
		free(e->jfilters[i].field);
		yg_pattern_destroy(e->jfilters[i].re);
	}
	free(e->jfilters);
}

void yg_lc_config_destroy(yg_lc_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		entry_free(&cfg->entries[i]);
	free(cfg->entries);
	free(cfg);
}

void yg_lc_config_set_max_line(yg_lc_config *cfg, size_t max_line)
{
	cfg->max_line = max_line < 64 ? 64 : max_line;
}

void yg_lc_config_set_rescan_ms(yg_lc_config *cfg, int ms)
{
	cfg->rescan_ms = ms < 10 ? 10 : ms;
}

size_t yg_lc_config_count(const yg_lc_config *cfg)
{
	return cfg->n;
}

const char *yg_lc_config_location(const yg_lc_config *cfg, size_t entry)
{
	if (entry >= cfg->n)
		return NULL;
	const lc_entry *e = &cfg->entries[entry];
	return e->location ? e->location : e->command;
}

const char *yg_lc_config_format(const yg_lc_config *cfg, size_t entry)
{
	return entry < cfg->n ? cfg->entries[entry].format : NULL;
}

size_t yg_lc_config_labels(const yg_lc_config *cfg, size_t entry, const yg_lc_label **out)
{
	if (entry >= cfg->n) {
		*out = NULL;
		return 0;
	}
	*out = cfg->entries[entry].labels;
	return cfg->entries[entry].nlabels;
}

/* A decimal number in [min, max]; false when not entirely digits. */
static bool parse_int(const char *s, long min, long max, long *out)
{
	uint64_t v;
	if (!yg_opt_parse_uint(s, (uint64_t)min, (uint64_t)max, &v))
		return false;
	*out = (long)v;
	return true;
}

static yg_err push_pattern(yg_pattern ***arr, size_t *n, yg_pattern *p)
{
	yg_pattern **na = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!na)
		return YG_ENOMEM;
	*arr = na;
	na[(*n)++] = p;
	return YG_OK;
}

/* Compiles an <ignore>/<restrict> pattern. Wazuh's default language here is
 * PCRE2; type="osregex|osmatch|pcre2" chooses another. */
static yg_err add_filter(lc_entry *e, const yg_wxml_node *c, bool ignore, const char *file,
                         yg_diag *diag)
{
	yg_pat_type t;
	const char *tn = yg_wxml_attr_get(c, "type");
	if (!yg_pat_type_parse(tn, YG_PAT_PCRE2, &t) ||
	    (t != YG_PAT_PCRE2 && t != YG_PAT_OSREGEX && t != YG_PAT_OSMATCH)) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name, "invalid type '%s'",
		            tn ? tn : "");
		return YG_EPARSE;
	}
	for (size_t i = 0; i < c->nattrs; i++) {
		if (strcmp(c->attrs[i].name, "type") != 0) {
			yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
			            "invalid attribute '%s'", c->attrs[i].name);
			return YG_EPARSE;
		}
	}
	char err[200] = "";
	yg_pattern *p = NULL;
	if (yg_pattern_compile(t, c->content, false, &p, err, sizeof(err))) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name, "invalid pattern '%s': %s",
		            c->content, err);
		return YG_EPARSE;
	}
	yg_err r = ignore ? push_pattern(&e->ignore, &e->nignore, p)
	                  : push_pattern(&e->restrict_, &e->nrestrict, p);
	if (r)
		yg_pattern_destroy(p);
	return r;
}

static yg_err add_ml_regex(lc_entry *e, const yg_wxml_node *c, const char *file, yg_diag *diag)
{
	if (!c->content[0]) {
		yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name, "empty tag ignored");
		return YG_OK;
	}
	if (e->ml_regex) {
		yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name, "duplicate tag ignored");
		return YG_OK;
	}
	char err[200] = "";
	if (yg_pattern_compile(YG_PAT_PCRE2, c->content, false, &e->ml_regex, err, sizeof(err))) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name, "invalid regex '%s': %s",
		            c->content, err);
		return YG_EPARSE;
	}
	const char *m = yg_wxml_attr_get(c, "match");
	e->ml_match = LC_ML_START;
	if (m) {
		if (strcasecmp(m, "start") == 0)
			e->ml_match = LC_ML_START;
		else if (strcasecmp(m, "all") == 0)
			e->ml_match = LC_ML_ALL;
		else if (strcasecmp(m, "end") == 0)
			e->ml_match = LC_ML_END;
		else
			yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name,
			            "invalid match '%s', using 'start'", m);
	}
	const char *r = yg_wxml_attr_get(c, "replace");
	e->ml_replace = LC_ML_NO_REPLACE;
	if (r) {
		if (strcasecmp(r, "no-replace") == 0)
			e->ml_replace = LC_ML_NO_REPLACE;
		else if (strcasecmp(r, "none") == 0)
			e->ml_replace = LC_ML_NONE;
		else if (strcasecmp(r, "wspace") == 0)
			e->ml_replace = LC_ML_WSPACE;
		else if (strcasecmp(r, "tab") == 0)
			e->ml_replace = LC_ML_TAB;
		else
			yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name,
			            "invalid replace '%s', using 'no-replace'", r);
	}
	const char *t = yg_wxml_attr_get(c, "timeout");
	e->ml_timeout = LC_ML_TIMEOUT;
	if (t) {
		long v;
		if (parse_int(t, 1, LC_ML_MAX_TIMEOUT, &v))
			e->ml_timeout = (unsigned)v;
		else
			yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name,
			            "invalid timeout '%s', using %d", t, LC_ML_TIMEOUT);
	}
	return YG_OK;
}

static yg_err add_label(lc_entry *e, const yg_wxml_node *c, const char *file, yg_diag *diag)
{
	const char *key = yg_wxml_attr_get(c, "key");
	if (!key) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
		            "expected 'key' attribute for label");
		return YG_EPARSE;
	}
	if (!key[0]) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name, "label with empty key");
		return YG_EPARSE;
	}
	if (key[0] == '_') {
		/* Wazuh reserves these for its own use and skips them. */
		yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name,
		            "labels starting with '_' are reserved; skipping '%s'", key);
		return YG_OK;
	}
	yg_lc_label *nl = realloc(e->labels, (e->nlabels + 1) * sizeof(*nl));
	if (!nl)
		return YG_ENOMEM;
	e->labels = nl;
	char *k = strdup(key), *v = strdup(c->content);
	if (!k || !v) {
		free(k);
		free(v);
		return YG_ENOMEM;
	}
	nl[e->nlabels].key = k;
	nl[e->nlabels].value = v;
	e->nlabels++;
	return YG_OK;
}

/* A journald <filter field="F" ignore_if_missing="yes|no">PCRE2</filter>.
 * Wazuh warns and drops a filter without field or expression, or with a
 * bad regex, which makes the block collect more than asked: yagura refuses
 * the block instead. */
static yg_err add_jfilter(lc_entry *e, const yg_wxml_node *c, const char *file, yg_diag *diag)
{
	const char *field = yg_wxml_attr_get(c, "field");
	const char *iim = yg_wxml_attr_get(c, "ignore_if_missing");
	bool ignore = false;
	if (!field || !field[0]) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
		            "a journald filter needs a non-empty 'field' attribute");
		return YG_EPARSE;
	}
	if (!c->content[0]) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
		            "empty expression for field '%s'", field);
		return YG_EPARSE;
	}
	for (size_t i = 0; i < c->nattrs; i++) {
		const char *a = c->attrs[i].name;
		if (strcmp(a, "field") != 0 && strcmp(a, "ignore_if_missing") != 0) {
			yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
			            "invalid attribute '%s'", a);
			return YG_EPARSE;
		}
	}
	if (iim && strcasecmp(iim, "yes") == 0)
		ignore = true;
	else if (iim && strcasecmp(iim, "no") != 0)
		yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name,
		            "invalid ignore_if_missing '%s', using 'no'", iim);
	char err[200] = "";
	yg_pattern *p = NULL;
	if (yg_pattern_compile(YG_PAT_PCRE2, c->content, false, &p, err, sizeof(err))) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
		            "invalid expression '%s' for field '%s': %s", c->content, field, err);
		return YG_EPARSE;
	}
	lc_jfilter *nf = realloc(e->jfilters, (e->njfilters + 1) * sizeof(*nf));
	char *f = nf ? strdup(field) : NULL;
	if (!f) {
		if (nf)
			e->jfilters = nf;
		yg_pattern_destroy(p);
		return YG_ENOMEM;
	}
	e->jfilters = nf;
	nf[e->njfilters++] = (lc_jfilter){.field = f, .re = p, .ignore_if_missing = ignore};
	return YG_OK;
}

static yg_err set_str(char **dst, const char *src)
{
	char *s = strdup(src);
	if (!s)
		return YG_ENOMEM;
	free(*dst);
	*dst = s;
	return YG_OK;
}

/* Checks the log_format value and sets the kind. */
static yg_err set_format(lc_entry *e, const yg_wxml_node *c, const char *file, yg_diag *diag)
{
	const char *f = c->content;
	if (in_list(f, line_formats, NELEM(line_formats))) {
		e->kind = LC_KIND_LINES;
	} else if (strcmp(f, "multi-line-regex") == 0) {
		e->kind = LC_KIND_MLREGEX;
	} else if (strcmp(f, "command") == 0) {
		e->kind = LC_KIND_COMMAND;
	} else if (strcmp(f, "full_command") == 0) {
		e->kind = LC_KIND_FULLCMD;
	} else if (strcmp(f, "journald") == 0) {
		e->kind = LC_KIND_JOURNAL;
	} else if (strncmp(f, "multi-line", 10) == 0) {
		const char *p = f + 10;
		while (*p == ' ')
			p++;
		long n;
		if (*p != ':' || (p++, !parse_int(p, 1, 1000, &n))) {
			yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
			            "invalid value '%s' (expected multi-line:N)", f);
			return YG_EPARSE;
		}
		e->kind = LC_KIND_MLCOUNT;
		e->ml_count = (int)n;
	} else if (in_list(f, approx_formats, NELEM(approx_formats))) {
		e->kind = LC_KIND_LINES;
		yg_diag_add(diag, YG_SEV_WARNING, file, c->line, c->name,
		            "'%s' is read line by line (Wazuh's special handling of this "
		            "format is not implemented)",
		            f);
	} else if (in_list(f, unsupported_formats, NELEM(unsupported_formats))) {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
		            "log format '%s' is not supported by yagura", f);
		return YG_EPARSE;
	} else {
		yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name, "invalid log format '%s'",
		            f);
		return YG_EPARSE;
	}
	return set_str(&e->format, f);
}

/* ---- the <localfile> table (common/yopt.h) over lc_entry ---- */

static yg_err opt_format(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	return set_format(obj, c, ctx->file, ctx->diag);
}

static yg_err opt_frequency(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	lc_entry *e = obj;
	uint64_t n;
	if (strcmp(v, "hourly") == 0)
		e->frequency = 3600;
	else if (strcmp(v, "daily") == 0)
		e->frequency = 86400;
	else if (yg_opt_parse_uint(v, 0, INT_MAX, &n))
		e->frequency = (int)n;
	else {
		yg_opt_bad(ctx, c, "invalid value '%.64s' (seconds, hourly or daily)", v);
		return YG_EPARSE;
	}
	return YG_OK;
}

static yg_err opt_ignore(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	return add_filter(obj, c, true, ctx->file, ctx->diag);
}

static yg_err opt_restrict(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	return add_filter(obj, c, false, ctx->file, ctx->diag);
}

static yg_err opt_ml_regex(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	return add_ml_regex(obj, c, ctx->file, ctx->diag);
}

static yg_err opt_label(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	return add_label(obj, c, ctx->file, ctx->diag);
}

static yg_err opt_filter(void *obj, const char *v, const yg_wxml_node *c, const yg_opt_ctx *ctx)
{
	(void)v;
	return add_jfilter(obj, c, ctx->file, ctx->diag);
}

static void print_format(const void *obj, const yg_opt *o, FILE *out)
{
	const lc_entry *e = obj;
	if (e->format)
		fprintf(out, "    <%s>%s</%s>\n", o->name, e->format, o->name);
}

static void print_frequency(const void *obj, const yg_opt *o, FILE *out)
{
	const lc_entry *e = obj;
	if (e->kind == LC_KIND_COMMAND || e->kind == LC_KIND_FULLCMD)
		fprintf(out, "    <%s>%d</%s>\n", o->name, e->frequency, o->name);
}

static void print_labels(const void *obj, const yg_opt *o, FILE *out)
{
	const lc_entry *e = obj;
	for (size_t i = 0; i < e->nlabels; i++)
		fprintf(out, "    <%s key=\"%s\">%s</%s>\n", o->name, e->labels[i].key,
		        e->labels[i].value, o->name);
}

#define IGNORED(n, f)                                                                              \
	{                                                                                          \
		n, YG_OPT_CUSTOM, .flags = YG_OPT_IGNORED | (f),                                   \
		                  .help = "option accepted but ignored by yagura"                  \
	}
#define E lc_entry
/* Wazuh matches some of these names in any case (YG_OPT_ANYCASE). */
static const yg_opt localfile_opts[] = {
        {"log_format", YG_OPT_CUSTOM, .flags = YG_OPT_ANYCASE, .parse = opt_format,
         .print = print_format, .help = "syslog, json, journald, command, multi-line:N, ..."},
        {"location", YG_OPT_STRING, YG_OPT_AT(E, location), .flags = YG_OPT_EMPTY_OK,
         .help = "a file, a wildcard pattern, or journald"},
        {"command", YG_OPT_STRING, YG_OPT_AT(E, command), .flags = YG_OPT_EMPTY_OK,
         .help = "the command of log_format command or full_command"},
        {"alias", YG_OPT_STRING, YG_OPT_AT(E, alias), .flags = YG_OPT_EMPTY_OK | YG_OPT_ANYCASE,
         .help = "the location name of a command's output"},
        {"frequency", YG_OPT_CUSTOM, .def = "360", .parse = opt_frequency, .print = print_frequency,
         .help = "seconds between command runs, hourly or daily"},
        {"only-future-events", YG_OPT_BOOL, YG_OPT_AT(E, future), .def = "yes",
         .help = "start at the end of the file"},
        {"ignore", YG_OPT_CUSTOM, .flags = YG_OPT_ANYCASE, .parse = opt_ignore,
         .help = "drop matching lines (PCRE2; type=osregex|osmatch)"},
        {"restrict", YG_OPT_CUSTOM, .flags = YG_OPT_ANYCASE, .parse = opt_restrict,
         .help = "keep only matching lines"},
        {"multiline_regex", YG_OPT_CUSTOM, .flags = YG_OPT_ANYCASE, .parse = opt_ml_regex,
         .help = "where an event of multi-line-regex starts (match, replace, timeout)"},
        {"label", YG_OPT_CUSTOM, .parse = opt_label, .print = print_labels,
         .help = "key=\"K\": added to this file's events"},
        {"filter", YG_OPT_CUSTOM, .flags = YG_OPT_ANYCASE, .parse = opt_filter,
         .help = "journald: field=\"F\" PCRE2 (ignore_if_missing)"},
        {"exclude", YG_OPT_STRING, YG_OPT_AT(E, exclude), .flags = YG_OPT_EMPTY_OK | YG_OPT_ANYCASE,
         .help = "files of the pattern not read"},
        IGNORED("target", 0),
        IGNORED("out_format", 0),
        IGNORED("age", 0),
        IGNORED("ignore_binaries", YG_OPT_ANYCASE),
        IGNORED("query", 0),
        IGNORED("reconnect_time", 0),
        {0},
};
#undef E
#undef IGNORED

static void *entry_create(void)
{
	lc_entry *e = calloc(1, sizeof(*e));
	if (e && yg_opt_defaults(&yg_lc_localfile_block, e)) {
		free(e);
		return NULL;
	}
	return e;
}

static void entry_destroy(void *obj)
{
	if (obj)
		entry_free(obj);
	free(obj);
}

const yg_opt_block yg_lc_localfile_block = {"localfile", localfile_opts, sizeof(lc_entry),
                                            false,       entry_create,   entry_destroy};

const char *lc_journal_dir(const char *location)
{
	return strncmp(location, "journald:", 9) == 0 ? location + 9 : NULL;
}

/* Wazuh warns about (and ignores) the options that make no sense for the
 * journal; so does yagura, and drops them. */
static void journal_drop(lc_entry *e, const yg_wxml_node *node, const char *file, yg_diag *diag)
{
	const char *what = e->nignore     ? "ignore"
	                   : e->nrestrict ? "restrict"
	                   : e->nlabels   ? "label"
	                   : e->alias     ? "alias"
	                   : e->exclude   ? "exclude"
	                   : e->ml_regex  ? "multiline_regex"
	                   : e->command   ? "command"
	                                  : NULL;
	if (what)
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, what,
		            "ignored for log format journald");
	for (size_t i = 0; i < e->nignore; i++)
		yg_pattern_destroy(e->ignore[i]);
	for (size_t i = 0; i < e->nrestrict; i++)
		yg_pattern_destroy(e->restrict_[i]);
	e->nignore = e->nrestrict = 0;
}

/* journald: location "journald" (the system journal) or, a yagura
 * extension, "journald:/absolute/dir" (journal files of a directory). */
static yg_err check_journal(lc_entry *e, const yg_wxml_node *node, const char *file, yg_diag *diag)
{
	journal_drop(e, node, file, diag);
	const char *dir = e->location ? lc_journal_dir(e->location) : NULL;
	if (dir && dir[0] != '/') {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "location",
		            "'%s': the directory after 'journald:' must be an absolute path",
		            e->location);
		return YG_EPARSE;
	}
	if (!dir && (!e->location || strcmp(e->location, "journald") != 0)) {
		/* as Wazuh: the location of a journald block is "journald" */
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "location",
		            "'%s' is not a journald location; using 'journald'",
		            e->location ? e->location : "");
		if (set_str(&e->location, "journald"))
			return YG_ENOMEM;
	}
	return YG_OK;
}

/* Cross-option checks once every child has been read. */
static yg_err check_entry(lc_entry *e, const yg_wxml_node *node, const char *file, yg_diag *diag)
{
	if (!e->format) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "log_format",
		            "missing log_format");
		return YG_EPARSE;
	}
	if (e->kind == LC_KIND_JOURNAL)
		return check_journal(e, node, file, diag);
	if (e->njfilters)
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "filter",
		            "only used with log format journald; ignored");
	bool cmd = e->kind == LC_KIND_COMMAND || e->kind == LC_KIND_FULLCMD;
	if (cmd) {
		if (!e->command || !e->command[0]) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "command",
			            "log format '%s' needs a <command>", e->format);
			return YG_EPARSE;
		}
		if (e->location)
			yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "location",
			            "ignored for log format '%s'", e->format);
		free(e->location);
		e->location = NULL;
	} else {
		if (!e->location || !e->location[0]) {
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "location",
			            "missing location");
			return YG_EPARSE;
		}
		if (e->command) {
			yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "command",
			            "ignored for log format '%s'", e->format);
			free(e->command);
			e->command = NULL;
		}
		if (e->alias)
			yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "alias",
			            "only used with commands; ignored");
	}
	if (e->kind == LC_KIND_MLREGEX && !e->ml_regex) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "multiline_regex",
		            "multi-line-regex needs a <multiline_regex>");
		return YG_EPARSE;
	}
	if (e->kind != LC_KIND_MLREGEX && e->ml_regex)
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "multiline_regex",
		            "ignored: log_format is not multi-line-regex");
	return YG_OK;
}

yg_err yg_lc_config_add_localfile(yg_lc_config *cfg, const yg_wxml_node *node, const char *file,
                                  yg_diag *diag)
{
	if (!cfg || !node)
		return YG_EINVAL;
	lc_entry e = {0};
	e.line = node->line;
	yg_err err = yg_opt_defaults(&yg_lc_localfile_block, &e);
	if (!err && file && !(e.file = strdup(file)))
		err = YG_ENOMEM;
	if (!err)
		err = yg_opt_read(&yg_lc_localfile_block, &e, node, file, diag);
	if (!err)
		err = check_entry(&e, node, file, diag);
	if (!err && cfg->n == cfg->cap) {
		size_t nc = cfg->cap ? cfg->cap * 2 : 8;
		lc_entry *ne = realloc(cfg->entries, nc * sizeof(*ne));
		if (!ne)
			err = YG_ENOMEM;
		else {
			cfg->entries = ne;
			cfg->cap = nc;
		}
	}
	if (err) {
		if (err == YG_ENOMEM)
			yg_diag_add(diag, YG_SEV_ERROR, file, node->line, node->name,
			            "out of memory");
		entry_free(&e);
		return err;
	}
	cfg->entries[cfg->n++] = e;
	return YG_OK;
}

void yg_lc_config_print(const yg_lc_config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->n; i++)
		yg_opt_print(&yg_lc_localfile_block, &cfg->entries[i], 2, out);
}
