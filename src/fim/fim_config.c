/* fim_config.c: reading Wazuh's <syscheck> block. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fim/fim_int.h"

yg_fim_config *yg_fim_config_create(void)
{
	yg_fim_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->scan_on_start = true;
	cfg->frequency = 43200;
	cfg->file_limit_enabled = true;
	cfg->file_limit = 100000;
	cfg->disk_quota_enabled = true;
	cfg->disk_quota = 1024ull * 1024 * 1024;
	cfg->file_size_enabled = true;
	cfg->file_size_limit = 50ull * 1024 * 1024;
	return cfg;
}

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

/* Parses a plain decimal number (Wazuh's OS_StrIsNum + atoi) into *out;
 * false when s is not all digits or exceeds max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

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
		if (!parse_uint(num, UINT64_MAX / mult, &n))
			return false;
	} else {
		if (!parse_uint(s, UINT64_MAX / mult, &n))
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

/* Reads one <directories> element. Following Wazuh, a bad attribute value
 * skips the whole element with a warning. Returns YG_ENOMEM or YG_OK. */
static yg_err read_directories(yg_fim_config *cfg, const yg_wxml_node *n, const char *file,
                               yg_diag *diag)
{
	unsigned checks = YG_FIM_CHECK_ALL;
	bool realtime = false, report = false;
	int depth = FIM_DEFAULT_DEPTH;
	const char *restrict_raw = NULL, *tags = NULL;
	uint64_t diff_limit = cfg->file_size_limit;
	bool diff_limit_set = false;
	yg_err rc = YG_OK;

	for (size_t a = 0; a < n->nattrs; a++) {
		const char *an = n->attrs[a].name, *av = n->attrs[a].value;
		bool yes = strcmp(av, "yes") == 0, no = strcmp(av, "no") == 0;
		size_t k;
		for (k = 0; k < sizeof(check_attrs) / sizeof(check_attrs[0]); k++)
			if (strcmp(an, check_attrs[k].name) == 0)
				break;
		if (k < sizeof(check_attrs) / sizeof(check_attrs[0]) ||
		    strcmp(an, "realtime") == 0 || strcmp(an, "report_changes") == 0 ||
		    strcmp(an, "whodata") == 0 || strcmp(an, "follow_symbolic_link") == 0) {
			if (!yes && !no) {
				yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
				            "invalid value '%s' for attribute '%s': skipping '%s'",
				            av, an, n->content);
				return YG_OK;
			}
			if (k < sizeof(check_attrs) / sizeof(check_attrs[0])) {
				if (yes)
					checks |= check_attrs[k].bits;
				else
					checks &= ~check_attrs[k].bits;
			} else if (strcmp(an, "realtime") == 0) {
				realtime = yes;
			} else if (strcmp(an, "report_changes") == 0) {
				report = yes;
			} else if (strcmp(an, "whodata") == 0) {
				/* No audit here: whodata directories are watched with
				 * inotify, the closest thing yagura has. */
				if (yes) {
					realtime = true;
					yg_diag_add(
					        diag, YG_SEV_WARNING, file, n->line, "directories",
					        "whodata is not supported; '%s' is monitored in "
					        "realtime instead",
					        n->content);
				}
			} else if (yes) {
				yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
				            "follow_symbolic_link is not supported: symbolic links "
				            "are recorded, not followed");
			}
		} else if (strcmp(an, "restrict") == 0) {
			restrict_raw = av;
		} else if (strcmp(an, "tags") == 0) {
			tags = av;
		} else if (strcmp(an, "recursion_level") == 0) {
			uint64_t v;
			if (!parse_uint(av, UINT64_MAX / 10, &v)) {
				yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
				            "invalid recursion_level '%s': skipping '%s'", av,
				            n->content);
				return YG_OK;
			}
			if (v > FIM_MAX_DEPTH) {
				yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
				            "recursion_level %s exceeds the limit %d: using %d", av,
				            FIM_MAX_DEPTH, FIM_DEFAULT_DEPTH);
				v = FIM_DEFAULT_DEPTH;
			}
			depth = (int)v;
		} else if (strcmp(an, "diff_size_limit") == 0) {
			if (!parse_data_unit(av, &diff_limit)) {
				yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
				            "invalid diff_size_limit '%s': skipping '%s'", av,
				            n->content);
				return YG_OK;
			}
			if (diff_limit < 1024)
				diff_limit = 1024; /* 1 KB is Wazuh's minimum */
			diff_limit_set = true;
		} else if (strcmp(an, "check_attrs") == 0 || strcmp(an, "recursion") == 0) {
			/* Windows-only in Wazuh; accepted and ignored. */
		} else {
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "unknown attribute '%s'", an);
		}
	}
	(void)diff_limit_set;

	/* Wazuh strips ' ', '!' and ':' from tags. */
	char *clean_tags = NULL;
	if (tags) {
		clean_tags = malloc(strlen(tags) + 1);
		if (!clean_tags)
			return YG_ENOMEM;
		size_t w = 0;
		for (const char *p = tags; *p; p++)
			if (*p != ' ' && *p != '!' && *p != ':')
				clean_tags[w++] = *p;
		clean_tags[w] = '\0';
	}

	const char *s = n->content;
	size_t count = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *path = trim_dup(s, len);
		s = comma ? comma + 1 : s + len;
		if (!path) {
			rc = YG_ENOMEM;
			break;
		}
		if (!*path) {
			free(path);
			continue;
		}
		if (++count > FIM_MAX_DIRS_PER_ELEMENT) {
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "more than %d paths in one element: '%s' ignored",
			            FIM_MAX_DIRS_PER_ELEMENT, path);
			free(path);
			continue;
		}
		if (!normalise_path(path)) {
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "'%s' is not an absolute path: ignored", path);
			free(path);
			continue;
		}
		if (strpbrk(path, "*?[")) {
			yg_diag_add(diag, YG_SEV_WARNING, file, n->line, "directories",
			            "wildcards are not supported yet: '%s' ignored", path);
			free(path);
			continue;
		}
		fim_dir d = {
		        .path = path,
		        .checks = checks,
		        .realtime = realtime,
		        .report_changes = report,
		        .recursion_level = depth,
		        .diff_size_limit = diff_limit,
		};
		if (restrict_raw) {
			char err[128];
			d.restrict_raw = strdup(restrict_raw);
			if (!d.restrict_raw) {
				dir_free(&d);
				rc = YG_ENOMEM;
				break;
			}
			if (yg_osmatch_compile(restrict_raw, &d.restrict_re, err, sizeof(err))) {
				yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "directories",
				            "invalid restrict pattern '%s': %s", restrict_raw, err);
				dir_free(&d);
				rc = YG_EPARSE;
				continue;
			}
		}
		if (clean_tags) {
			d.tags = strdup(clean_tags);
			if (!d.tags) {
				dir_free(&d);
				rc = YG_ENOMEM;
				break;
			}
		}
		yg_err e = add_dir(cfg, &d);
		if (e == YG_ELIMIT) {
			yg_diag_add(diag, YG_SEV_ERROR, file, n->line, "directories",
			            "more than %d directories configured", FIM_MAX_DIRS);
			rc = YG_EPARSE;
			break;
		} else if (e) {
			rc = e;
			break;
		}
	}
	free(clean_tags);
	if (count == 0 && rc == YG_OK)
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

/* Parses a yes/no element into *out; reports and returns false otherwise. */
static bool read_bool(const yg_wxml_node *e, const char *file, yg_diag *diag, bool *out)
{
	if (strcmp(e->content, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(e->content, "no") == 0) {
		*out = false;
		return true;
	}
	yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
	            "invalid value '%s' (expected yes or no)", e->content);
	return false;
}

static bool read_num(const yg_wxml_node *e, const char *file, yg_diag *diag, uint64_t max,
                     uint64_t *out)
{
	if (parse_uint(e->content, max, out))
		return true;
	yg_diag_add(diag, YG_SEV_ERROR, file, e->line, e->name,
	            "invalid value '%s' (expected a number up to %llu)", e->content,
	            (unsigned long long)max);
	return false;
}

static yg_err read_diff(yg_fim_config *cfg, const yg_wxml_node *n, const char *file, yg_diag *diag)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		if (strcmp(c->name, "nodiff") == 0) {
			yg_err e = add_pattern(&cfg->nodiff, &cfg->nnodiff, c, file, diag);
			if (e == YG_ENOMEM)
				return e;
			if (e)
				rc = e;
		} else if (strcmp(c->name, "disk_quota") == 0 ||
		           strcmp(c->name, "file_size") == 0) {
			bool quota = c->name[0] == 'd';
			for (size_t j = 0; j < c->nchildren; j++) {
				const yg_wxml_node *g = c->children[j];
				if (strcmp(g->name, "enabled") == 0) {
					bool v;
					if (!read_bool(g, file, diag, &v)) {
						rc = YG_EPARSE;
						continue;
					}
					*(quota ? &cfg->disk_quota_enabled
					        : &cfg->file_size_enabled) = v;
				} else if (strcmp(g->name, "limit") == 0) {
					uint64_t v;
					if (!parse_data_unit(g->content, &v)) {
						yg_diag_add(diag, YG_SEV_ERROR, file, g->line,
						            "limit",
						            "invalid size '%s' (e.g. 50MB)",
						            g->content);
						rc = YG_EPARSE;
						continue;
					}
					if (v < 1024)
						v = 1024;
					*(quota ? &cfg->disk_quota : &cfg->file_size_limit) = v;
				} else {
					yg_diag_add(diag, YG_SEV_ERROR, file, g->line, g->name,
					            "unknown element in <%s>", c->name);
					rc = YG_EPARSE;
				}
			}
		} else if (strcmp(c->name, "registry_nodiff") == 0) {
			/* Windows only. */
		} else {
			yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
			            "unknown element in <diff>");
			rc = YG_EPARSE;
		}
	}
	return rc;
}

/* Elements Wazuh knows that yagura accepts and ignores (Windows, audit,
 * agent synchronisation, scheduling variants). */
static const char *const ignored_elements[] = {
        "scan_time",
        "scan_day",
        "skip_nfs",
        "skip_dev",
        "skip_sys",
        "skip_proc",
        "windows_registry",
        "registry_ignore",
        "registry_ignore_value",
        "registry_limit",
        "auto_ignore",
        "alert_new_files",
        "remove_old_diff",
        "prefilter_cmd",
        "restart_audit",
        "windows_audit_interval",
        "whodata",
        "process_priority",
        "synchronization",
        "max_eps",
        "allow_remote_prefilter_cmd",
        "database",
        "queue_size",
        "rt_delay",
        "max_fd_win_rt",
        "nodiff_regex",
        "disk_quota",
};

yg_err yg_fim_config_read(yg_fim_config *cfg, const yg_wxml_node *sc, const char *file,
                          yg_diag *diag)
{
	yg_err rc = YG_OK;
	/* Wazuh reads <diff> limits before directories, so a directory's default
	 * diff_size_limit is the <file_size> limit of the same block. */
	for (size_t i = 0; i < sc->nchildren; i++) {
		const yg_wxml_node *e = sc->children[i];
		if (strcmp(e->name, "diff") == 0) {
			yg_err r = read_diff(cfg, e, file, diag);
			if (r == YG_ENOMEM)
				return r;
			if (r)
				rc = r;
		}
	}
	for (size_t i = 0; i < sc->nchildren; i++) {
		const yg_wxml_node *e = sc->children[i];
		const char *nm = e->name;
		uint64_t v;
		bool b;
		yg_err r = YG_OK;
		if (strcmp(nm, "diff") == 0) {
			continue;
		} else if (strcmp(nm, "directories") == 0) {
			r = read_directories(cfg, e, file, diag);
		} else if (strcmp(nm, "ignore") == 0) {
			r = add_pattern(&cfg->ignore, &cfg->nignore, e, file, diag);
		} else if (strcmp(nm, "nodiff") == 0) {
			r = add_pattern(&cfg->nodiff, &cfg->nnodiff, e, file, diag);
		} else if (strcmp(nm, "frequency") == 0) {
			if (read_num(e, file, diag, UINT_MAX, &v))
				cfg->frequency = (unsigned)v;
			else
				r = YG_EPARSE;
		} else if (strcmp(nm, "max_files_per_second") == 0) {
			if (read_num(e, file, diag, UINT_MAX, &v))
				cfg->max_files_per_second = (unsigned)v;
			else
				r = YG_EPARSE;
		} else if (strcmp(nm, "max_realtime_watches") == 0) {
			/* yagura's own: the kernel's max_user_watches is an int. */
			if (read_num(e, file, diag, INT_MAX, &v))
				cfg->max_realtime_watches = (size_t)v;
			else
				r = YG_EPARSE;
		} else if (strcmp(nm, "disabled") == 0) {
			if (read_bool(e, file, diag, &b))
				cfg->disabled = b;
			else
				r = YG_EPARSE;
		} else if (strcmp(nm, "scan_on_start") == 0) {
			if (read_bool(e, file, diag, &b))
				cfg->scan_on_start = b;
			else
				r = YG_EPARSE;
		} else if (strcmp(nm, "file_limit") == 0) {
			for (size_t j = 0; j < e->nchildren; j++) {
				const yg_wxml_node *c = e->children[j];
				if (strcmp(c->name, "enabled") == 0) {
					if (read_bool(c, file, diag, &b))
						cfg->file_limit_enabled = b;
					else
						r = YG_EPARSE;
				} else if (strcmp(c->name, "entries") == 0) {
					/* Wazuh caps entries at 2^31-1 (MAX_FILE_LIMIT). */
					if (read_num(c, file, diag, INT_MAX, &v))
						cfg->file_limit = v;
					else
						r = YG_EPARSE;
				} else {
					yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name,
					            "unknown element in <file_limit>");
					r = YG_EPARSE;
				}
			}
		} else {
			size_t k, nk = sizeof(ignored_elements) / sizeof(ignored_elements[0]);
			for (k = 0; k < nk; k++)
				if (strcmp(nm, ignored_elements[k]) == 0)
					break;
			if (k < nk) {
				yg_diag_add(diag, YG_SEV_WARNING, file, e->line, nm,
				            "option not supported by yagura: ignored");
			} else {
				yg_diag_add(diag, YG_SEV_ERROR, file, e->line, nm,
				            "unknown element in <syscheck>");
				r = YG_EPARSE;
			}
		}
		if (r == YG_ENOMEM)
			return r;
		if (r)
			rc = r;
	}
	return rc;
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
