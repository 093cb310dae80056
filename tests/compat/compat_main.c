/* compat_main.c: yagura-compat, Wazuh's ruleset test cases run on the engine.
 *
 *   yagura-compat [--corpus WAZUH_DIR] [--floor-file FILE] [--verbose]
 *                 [--failures OUT] [--filter SUBSTRING] [TESTS_DIR]
 *
 * Does what Wazuh's ruleset/testing/runtests.py does with wazuh-logtest, in
 * one process: builds a Wazuh-like home from the reference corpus (the
 * ruleset, rule 60000 edited for the event-channel cases, the test-only
 * decoders and rules in etc/), loads it with Wazuh's default <ruleset>
 * block, then feeds every test case to a fresh session and compares the
 * last event's (rule id, level, decoder name) with the expected one.
 * docs/compat.md describes the procedure and the known failures. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "ini.h"

#define EXIT_SKIP 77 /* meson's "test skipped" */
#define MAX_COPY (64u * 1024 * 1024)

struct options {
	const char *corpus;
	const char *conf; /* --conf: a ruleset config instead of the corpus */
	const char *home; /* --home: its home directory */
	bool strict;      /* --strict: any failure fails the run */
	const char *floor_file;
	const char *failures;
	const char *filter;
	const char *tests;
	const char *geoip_db; /* --geoip-db: run the geoip cases with this .mmdb */
	bool verbose;
};

struct counts {
	size_t cases, passed, failed, nc, invalid;
};

struct runner {
	const struct options *opt;
	const yg_ruleset *rs;
	FILE *failures; /* --failures file, or NULL */
	struct counts total;
	size_t engine_errors;
	yg_buf dec;  /* copy of the last decoder name */
	yg_buf text; /* scratch for failure reports */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Writes "a/b" into out (PATH_MAX bytes); false if it does not fit. */
static bool join(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", a, b);
	return n > 0 && n < PATH_MAX;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer the
 * caller frees. */
static yg_err slurp(const char *path, size_t max, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return YG_EIO;
	yg_buf b;
	yg_buf_init(&b, max);
	yg_err err = YG_OK;
	char chunk[65536];
	size_t got;
	while (!err && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		err = yg_buf_append(&b, chunk, got);
	if (!err && ferror(f))
		err = YG_EIO;
	fclose(f);
	if (!err && !b.data)
		err = yg_buf_append(&b, "", 0);
	if (err) {
		yg_buf_free(&b);
		return err;
	}
	*len = b.len;
	*out = yg_buf_steal(&b);
	return *out ? YG_OK : YG_ENOMEM;
}

static yg_err spill(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return YG_EIO;
	bool ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	return ok ? YG_OK : YG_EIO;
}

static yg_err copy_file(const char *from, const char *to)
{
	char *data;
	size_t len;
	yg_err err = slurp(from, MAX_COPY, &data, &len);
	if (!err)
		err = spill(to, data, len);
	free(data);
	return err;
}

/* ---- rule 60000: what runtests.py's enable_win_eventlog_tests() does ---- */

/* Next "<name" start tag (or "</name" when closing) in [p, end), skipping
 * XML comments; NULL when there is none. */
static const char *find_tag(const char *p, const char *end, const char *name, bool closing)
{
	size_t n = strlen(name);
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			return NULL;
		if ((size_t)(end - lt) >= 4 && memcmp(lt, "<!--", 4) == 0) {
			const char *q = memmem(lt + 4, (size_t)(end - lt - 4), "-->", 3);
			if (!q)
				return NULL;
			p = q + 3;
			continue;
		}
		const char *s = lt + 1;
		if (closing) {
			if (s < end && *s != '/') {
				p = s;
				continue;
			}
			s++;
		}
		if ((size_t)(end - s) > n && memcmp(s, name, n) == 0 && s[n] &&
		    strchr(" \t\r\n/>", s[n]))
			return lt;
		p = lt + 1;
	}
	return NULL;
}

/* End (one past) of the element whose start tag begins at lt, or NULL. */
static const char *element_end(const char *lt, const char *end, const char *name)
{
	const char *gt = memchr(lt, '>', (size_t)(end - lt));
	if (!gt)
		return NULL;
	if (gt > lt && gt[-1] == '/')
		return gt + 1;
	const char *close = find_tag(gt + 1, end, name, true);
	if (!close)
		return NULL;
	const char *cgt = memchr(close, '>', (size_t)(end - close));
	return cgt ? cgt + 1 : NULL;
}

/* Blanks [a, b) but keeps its newlines, so line numbers stay the corpus's. */
static void blank(char *a, const char *b)
{
	for (; a < b; a++)
		if (*a != '\n' && *a != '\r')
			*a = ' ';
}

/* Edits rule 60000 in the text of 0575-win-base_rules.xml: removes its first
 * <decoded_as> and <category>, adds <decoded_as>json</decoded_as> as its last
 * child. Writes the result to `out`; false if the rule is not there. */
static bool edit_rule_60000(char *text, size_t len, yg_buf *out)
{
	char *end = text + len;
	const char *p = text;
	const char *tag;
	while ((tag = find_tag(p, end, "rule", false)) != NULL) {
		const char *gt = memchr(tag, '>', (size_t)(end - tag));
		if (!gt)
			return false;
		const char *id = memmem(tag, (size_t)(gt - tag), "id=\"60000\"", 10);
		if (!id)
			id = memmem(tag, (size_t)(gt - tag), "id='60000'", 10);
		if (!id || !id[-1] || !strchr(" \t\r\n", id[-1])) {
			p = gt;
			continue;
		}
		const char *close = find_tag(gt + 1, end, "rule", true);
		if (!close)
			return false;
		static const char *const drop[] = {"decoded_as", "category"};
		for (size_t i = 0; i < 2; i++) {
			const char *el = find_tag(gt + 1, close, drop[i], false);
			const char *el_end = el ? element_end(el, close, drop[i]) : NULL;
			if (el_end)
				blank(text + (el - text), el_end);
		}
		size_t at = (size_t)(close - text);
		return !yg_buf_append(out, text, at) &&
		       !yg_buf_puts(out, "<decoded_as>json</decoded_as>") &&
		       !yg_buf_append(out, close, len - at);
	}
	return false;
}

/* ---- the temporary Wazuh home ---- */

/* Python's re.match(r'^test_(.*_)?<kind>.xml$', name) from runtests.py's
 * provisionDR(): the '.' before "xml" is any character. */
static bool wazuh_test_file(const char *name, const char *kind)
{
	size_t n = strlen(name), k = strlen(kind);
	if (n < 5 + k + 4 || strncmp(name, "test_", 5) != 0)
		return false;
	const char *tail = name + n - (k + 4);
	if (strncmp(tail, kind, k) != 0 || strcmp(tail + k + 1, "xml") != 0)
		return false;
	return tail == name + 5 || tail[-1] == '_';
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "yagura-compat: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

/* Removes the temporary home; FTW_PHYS: symlinks into the corpus are
 * removed themselves, never followed. */
static void remove_home(const char *home)
{
	if (home[0])
		nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool fail_msg(const char *what, const char *path)
{
	fprintf(stderr, "yagura-compat: %s %s: %s\n", what, path, strerror(errno));
	return false;
}

/* Copies the regular files of dir `from` into `to`: all of them, or with
 * `kind` ("rules", "decoders") only Wazuh's test_*<kind>.xml files. The rule file holding rule
 * 60000 gets its edit. */
static bool copy_dir(const char *from, const char *to, const char *kind, bool edit_60000)
{
	DIR *d = opendir(from);
	if (!d)
		return fail_msg("cannot open", from);
	bool ok = true;
	struct dirent *de;
	char src[PATH_MAX], dst[PATH_MAX];
	while (ok && (de = readdir(d)) != NULL) {
		if (kind && !wazuh_test_file(de->d_name, kind))
			continue;
		if (!join(src, from, de->d_name) || !join(dst, to, de->d_name) || !is_file(src))
			continue;
		if (edit_60000 && strcmp(de->d_name, "0575-win-base_rules.xml") == 0) {
			char *text;
			size_t len;
			yg_buf out;
			yg_buf_init(&out, MAX_COPY * 2);
			ok = slurp(src, MAX_COPY, &text, &len) == YG_OK;
			if (ok && !edit_rule_60000(text, len, &out)) {
				fprintf(stderr,
				        "yagura-compat: warning: rule 60000 not found in %s; "
				        "event-channel cases will not decode\n",
				        src);
				yg_buf_reset(&out);
				ok = yg_buf_append(&out, text, len) == YG_OK;
			}
			if (ok)
				ok = spill(dst, out.data ? out.data : "", out.len) == YG_OK;
			free(text);
			yg_buf_free(&out);
		} else {
			ok = copy_file(src, dst) == YG_OK;
		}
		if (!ok)
			fail_msg("cannot copy", src);
	}
	closedir(d);
	return ok;
}

/* Builds the Wazuh-like home in a new temporary directory (its path goes to
 * home, PATH_MAX bytes, which the caller removes):
 *   ruleset/decoders -> corpus (symlink)   ruleset/rules: copy, 60000 edited
 *   etc/lists -> corpus (symlink)
 *   etc/decoders: local_decoder.xml + testing/ruleset/test_*decoders.xml
 *   etc/rules:    local_rules.xml   + testing/ruleset/test_*rules.xml */
static bool make_home(const char *corpus, char *home)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (!join(home, tmp, "yagura-compat-XXXXXX") || !mkdtemp(home)) {
		home[0] = '\0';
		return fail_msg("cannot create a temporary directory in", tmp);
	}
	static const char *const dirs[] = {"ruleset", "ruleset/rules", "etc", "etc/decoders",
	                                   "etc/rules"};
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!join(a, home, dirs[i]) || mkdir(a, 0700) != 0)
			return fail_msg("cannot create", a);
	static const char *const links[] = {"ruleset/decoders", "etc/lists"};
	for (size_t i = 0; i < 2; i++) {
		if (!join(a, corpus, links[i]) || !join(b, home, links[i]) || symlink(a, b) != 0)
			return fail_msg("cannot link", b);
	}
	if (!join(a, corpus, "ruleset/rules") || !join(b, home, "ruleset/rules") ||
	    !copy_dir(a, b, NULL, true))
		return false;
	static const char *const local[][2] = {{"etc/local_decoder.xml", "etc/decoders"},
	                                       {"etc/local_rules.xml", "etc/rules"}};
	for (size_t i = 0; i < 2; i++) {
		if (!join(a, corpus, local[i][0]) || !join(b, home, local[i][1]) ||
		    !join(c, b, strrchr(local[i][0], '/') + 1))
			return false;
		if (is_file(a) && copy_file(a, c) != YG_OK)
			return fail_msg("cannot copy", a);
	}
	if (!join(a, corpus, "testing/ruleset"))
		return false;
	if (is_dir(a)) {
		if (!join(b, home, "etc/decoders") || !copy_dir(a, b, "decoders", false) ||
		    !join(b, home, "etc/rules") || !copy_dir(a, b, "rules", false))
			return false;
	}
	return true;
}

/* Wazuh's default <ruleset> block (etc/ossec-server.conf). */
static const struct {
	yg_rs_kind kind;
	const char *value;
} default_ruleset[] = {
        {YG_RS_DECODER_DIR, "ruleset/decoders"},
        {YG_RS_RULE_DIR, "ruleset/rules"},
        {YG_RS_RULE_EXCLUDE, "0215-policy_rules.xml"},
        {YG_RS_LIST, "etc/lists/audit-keys"},
        {YG_RS_LIST, "etc/lists/malicious-ioc/malware-hashes"},
        {YG_RS_LIST, "etc/lists/malicious-ioc/malicious-ip"},
        {YG_RS_LIST, "etc/lists/malicious-ioc/malicious-domains"},
        {YG_RS_DECODER_DIR, "etc/decoders"},
        {YG_RS_RULE_DIR, "etc/rules"},
};

/* Loads the ruleset from the home; prints load time and diagnostics.
 * Returns NULL when nothing usable loaded. */
static yg_ruleset *load_ruleset(const char *home, bool verbose, const char *geoip_db)
{
	yg_ruleset_config *cfg = yg_ruleset_config_create(home);
	if (!cfg || (geoip_db && yg_ruleset_config_set_geoip(cfg, geoip_db, false))) {
		fprintf(stderr, "yagura-compat: out of memory\n");
		yg_ruleset_config_destroy(cfg);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(default_ruleset) / sizeof(default_ruleset[0]); i++) {
		yg_err err = yg_ruleset_config_add(cfg, default_ruleset[i].kind,
		                                   default_ruleset[i].value, NULL);
		if (err) {
			fprintf(stderr, "yagura-compat: ruleset config: %s: %s\n",
			        default_ruleset[i].value, yg_strerror(err));
			yg_ruleset_config_destroy(cfg);
			return NULL;
		}
	}
	yg_diag *diag = yg_diag_create();
	yg_ruleset *rs = NULL;
	double t0 = now_ms();
	yg_err err = yg_ruleset_load(cfg, diag, &rs);
	double t1 = now_ms();
	yg_ruleset_config_destroy(cfg);
	if (rs)
		printf("ruleset: %zu decoders, %zu rules, %zu lists loaded in %.1f ms "
		       "(%zu errors, %zu warnings)\n",
		       yg_ruleset_ndecoders(rs), yg_ruleset_nrules(rs), yg_ruleset_nlists(rs),
		       t1 - t0, yg_diag_errors(diag), yg_diag_warnings(diag));
	if (err || verbose || geoip_db) {
		for (size_t i = 0; i < yg_diag_count(diag); i++) {
			const yg_diag_entry *e = yg_diag_get(diag, i);
			/* errors, and why a --geoip-db did not open */
			bool geo = e->element && strstr(e->element, "geoip");
			if (e->severity != YG_SEV_ERROR && !geo)
				continue;
			fprintf(verbose ? stdout : stderr, "  %s:%d: %s: %s%s%s\n",
			        e->file ? e->file : "?", e->line,
			        e->severity == YG_SEV_ERROR ? "error" : "warning",
			        e->element ? e->element : "", e->element ? ": " : "", e->message);
			if (!verbose && i >= 20) {
				fprintf(stderr, "  ... (--verbose lists them all)\n");
				break;
			}
		}
	}
	/* without the database the geoip cases would fail for no good reason */
	for (size_t i = 0; rs && geoip_db && i < yg_diag_count(diag); i++) {
		const yg_diag_entry *e = yg_diag_get(diag, i);
		if (e->element && strstr(e->element, "geoip")) {
			fprintf(stderr, "yagura-compat: --geoip-db %s cannot be used\n", geoip_db);
			yg_ruleset_destroy(rs);
			rs = NULL;
			err = YG_EIO;
		}
	}
	if (!rs)
		fprintf(stderr, "yagura-compat: the ruleset did not load: %s\n", yg_strerror(err));
	yg_diag_destroy(diag);
	return rs;
}

/* Loads the ruleset a config file names (--conf/--home). */
static yg_ruleset *load_conf(const char *conf, const char *home, const char *geoip_db)
{
	yg_ruleset_config *cfg = yg_ruleset_config_create(home);
	yg_diag *diag = yg_diag_create();
	yg_ruleset *rs = NULL;
	if (cfg && diag && yg_ruleset_config_read(cfg, conf, diag) == YG_OK &&
	    (!geoip_db || yg_ruleset_config_set_geoip(cfg, geoip_db, false) == YG_OK))
		yg_ruleset_load(cfg, diag, &rs);
	if (diag && yg_diag_errors(diag))
		yg_diag_print(diag, stderr);
	if (rs)
		printf("ruleset: %zu decoders, %zu rules, %zu lists loaded from %s (%zu errors)\n",
		       yg_ruleset_ndecoders(rs), yg_ruleset_nrules(rs), yg_ruleset_nlists(rs), conf,
		       yg_diag_errors(diag));
	if (diag && yg_diag_errors(diag)) {
		yg_ruleset_destroy(rs);
		rs = NULL;
	}
	yg_ruleset_config_destroy(cfg);
	yg_diag_destroy(diag);
	return rs;
}

/* ---- running the cases ---- */

/* One result triple, as wazuh-logtest -U compares it: strings. */
struct triple {
	const char *rule, *level, *decoder;
};

/* wazuh-logtest -U takes "rule:alert:decoder" and splits it at ':'; more or
 * fewer than three parts never match. Otherwise the triples compare as
 * strings. */
static bool triple_equal(const struct triple *want, const struct triple *got)
{
	if (strchr(want->rule, ':') || strchr(want->level, ':') || strchr(want->decoder, ':'))
		return false;
	return strcmp(want->rule, got->rule) == 0 && strcmp(want->level, got->level) == 0 &&
	       strcmp(want->decoder, got->decoder) == 0;
}

/* Appends s with newlines shown as "\n" (the expected values of a repeated
 * section carry them). */
static void put_escaped(yg_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			yg_buf_puts(b, "\\n");
		else
			yg_buf_putc(b, *s);
	}
}

static void put_triple(yg_buf *b, const struct triple *t)
{
	put_escaped(b, t->rule[0] ? t->rule : "-");
	yg_buf_putc(b, '/');
	put_escaped(b, t->level[0] ? t->level : "-");
	yg_buf_putc(b, '/');
	put_escaped(b, t->decoder[0] ? t->decoder : "-");
}

/* What differs, in runtests.py's order of explanation. */
static const char *mismatch_kind(const struct triple *want, const struct triple *got, bool negate)
{
	if (negate)
		return "matched-but-should-differ";
	if (!got->decoder[0] && want->decoder[0])
		return "not-decoded";
	if (strcmp(want->decoder, got->decoder) != 0)
		return "decoder";
	if (strcmp(want->rule, got->rule) != 0)
		return "rule";
	return "level";
}

static void report_failure(struct runner *r, const char *file, const yg_ini_item *key,
                           const char *section, const char *lines, const struct triple *want,
                           const struct triple *got, bool negate)
{
	yg_buf *b = &r->text;
	yg_buf_reset(b);
	yg_buf_printf(b, "FAIL %s:%d [%s] %s: %s (expected %s", file, key->line, section, key->name,
	              mismatch_kind(want, got, negate), negate ? "not " : "");
	put_triple(b, want);
	yg_buf_puts(b, ", got ");
	put_triple(b, got);
	yg_buf_puts(b, ")\n");
	const char *p = lines;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n) {
			yg_buf_puts(b, "    | ");
			yg_buf_append(b, p, n);
			yg_buf_putc(b, '\n');
		}
		p += n + (nl ? 1 : 0);
	}
	if (!b->data)
		return;
	if (r->failures)
		fputs(b->data, r->failures);
	if (r->opt->verbose)
		fputs(b->data, stdout);
}

/* Feeds the value lines of one `log ...` key to a new session and checks the
 * last event's triple. Adds the outcome to c. */
static void run_case(struct runner *r, const char *file, const yg_ini_section *sec,
                     const yg_ini_item *key, const struct triple *want, struct counts *c)
{
	/* runtests.py: "... pass" and anything else is a pass case, "... fail"
	 * must not match. */
	bool negate = ends_with(key->name, "fail");
	c->cases++;
	if (negate && (!want->rule[0] || !want->level[0] || !want->decoder[0])) {
		c->nc++; /* wazuh-logtest -U cannot tell this case's outcome */
		return;
	}
	char *lines = strdup(key->value);
	yg_session *s = yg_session_create(r->rs, YG_CLOCK_WALL);
	char rule[24] = "", level[24] = "";
	yg_buf_reset(&r->dec);
	yg_buf_puts(&r->dec, "");
	bool broken = !lines || !s;
	size_t n = 0;
	for (char *p = lines; !broken && p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		n++;
		if (*p) { /* wazuh-logtest skips empty lines */
			yg_input in = {.log = p, .location = "stdin"};
			yg_verdict v;
			yg_err err = yg_session_process(s, &in, &v);
			if (err) {
				/* wazuh-logtest keeps the previous result */
				r->engine_errors++;
				if (r->opt->verbose)
					printf("%s:%d: [%s] %s: line %zu: engine error: %s\n", file,
					       key->line, sec->name, key->name, n,
					       yg_strerror(err));
			} else {
				rule[0] = level[0] = '\0';
				if (v.rule_id) {
					snprintf(rule, sizeof(rule), "%u", v.rule_id);
					snprintf(level, sizeof(level), "%d", v.level);
				}
				yg_buf_reset(&r->dec);
				if (yg_buf_puts(&r->dec, v.decoder_name ? v.decoder_name : ""))
					broken = true;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	yg_session_destroy(s);
	free(lines);
	struct triple got = {rule, level, r->dec.data ? r->dec.data : ""};
	if (broken) {
		fprintf(stderr, "yagura-compat: %s:%d: out of memory\n", file, key->line);
		got.rule = got.level = got.decoder = "(error)";
	}
	bool ok = triple_equal(want, &got) != negate;
	if (broken)
		ok = false;
	if (ok) {
		c->passed++;
	} else {
		c->failed++;
		report_failure(r, file, key, sec->name, key->value, want, &got, negate);
	}
}

static void run_section(struct runner *r, const char *file, const yg_ini_section *sec,
                        struct counts *c)
{
	size_t ncases = 0;
	for (size_t i = 0; i < sec->nitems; i++)
		if (strncmp(sec->items[i].name, "log ", 4) == 0)
			ncases++;
	const yg_ini_item *f[3] = {yg_ini_get(sec, "rule"), yg_ini_get(sec, "alert"),
	                           yg_ini_get(sec, "decoder")};
	static const char *const fname[3] = {"rule", "alert", "decoder"};
	for (size_t i = 0; i < 3; i++) {
		if (!f[i]) {
			/* runtests.py would stop with NoOptionError here. */
			fprintf(stderr, "%s:%d: error: [%s] has no '%s'; %zu case(s) not run\n",
			        file, sec->line, sec->name, fname[i], ncases);
			c->cases += ncases;
			c->invalid += ncases;
			return;
		}
	}
	struct triple want = {f[0]->value, f[1]->value, f[2]->value};
	for (size_t i = 0; i < sec->nitems; i++)
		if (strncmp(sec->items[i].name, "log ", 4) == 0)
			run_case(r, file, sec, &sec->items[i], &want, c);
}

static void print_row(const char *name, const struct counts *c)
{
	printf("%-44s %6zu %7zu %7zu %5zu %7zu\n", name, c->cases, c->passed, c->failed, c->nc,
	       c->invalid);
}

static void add_counts(struct counts *to, const struct counts *c)
{
	to->cases += c->cases;
	to->passed += c->passed;
	to->failed += c->failed;
	to->nc += c->nc;
	to->invalid += c->invalid;
}

static void run_file(struct runner *r, const char *path, const char *name)
{
	yg_diag *diag = yg_diag_create();
	yg_ini *ini = NULL;
	yg_ini_load(path, diag, &ini);
	for (size_t i = 0; i < yg_diag_count(diag); i++) {
		const yg_diag_entry *e = yg_diag_get(diag, i);
		fprintf(stderr, "%s:%d: %s: %s\n", name, e->line,
		        e->severity == YG_SEV_ERROR ? "error" : "warning", e->message);
	}
	yg_diag_destroy(diag);
	if (!ini)
		return;
	struct counts c = {0};
	bool match_file = !r->opt->filter || strstr(name, r->opt->filter);
	for (size_t i = 0; i < yg_ini_nsections(ini); i++) {
		const yg_ini_section *sec = yg_ini_section_at(ini, i);
		if (match_file || strstr(sec->name, r->opt->filter))
			run_section(r, name, sec, &c);
	}
	yg_ini_destroy(ini);
	if (c.cases || !r->opt->filter)
		print_row(name, &c);
	add_counts(&r->total, &c);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs every .ini of dir in name order (or the one file dir names). */
static void run_tests(struct runner *r, const char *dir)
{
	if (is_file(dir)) {
		const char *base = strrchr(dir, '/');
		run_file(r, dir, base ? base + 1 : dir);
		return;
	}
	struct dirent **list;
	int n = scandir(dir, &list, NULL, by_name);
	if (n < 0) {
		fail_msg("cannot read", dir);
		return;
	}
	size_t skipped = 0;
	char path[PATH_MAX];
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (ends_with(name, ".ini") && join(path, dir, name) && is_file(path)) {
			if (strstr(name, "geoip") && !r->opt->geoip_db)
				skipped++; /* needs a GeoIP database (--geoip-db) */
			else
				run_file(r, path, name);
		}
		free(list[i]);
	}
	free(list);
	if (skipped)
		printf("(%zu geoip file(s) skipped)\n", skipped);
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fputs("usage: yagura-compat [--corpus WAZUH_DIR] [--floor-file FILE] [--verbose]\n"
	      "                     [--failures OUT] [--filter SUBSTRING] [TESTS_DIR]\n"
	      "Runs Wazuh's ruleset test cases (.ini) against yagura's engine.\n"
	      "  --corpus DIR       Wazuh reference corpus (default ../shared/wazuh)\n"
	      "  --conf FILE        test another ruleset: this <ruleset> config (needs TESTS_DIR)\n"
	      "  --home DIR         ... with relative paths resolved against DIR\n"
	      "  --strict           exit 1 on any failing case\n"
	      "  --geoip-db FILE    run the *geoip* cases, with this MaxMind DB (.mmdb)\n"
	      "  --floor-file FILE  fail (exit 1) when fewer cases pass than the number in FILE\n"
	      "  --verbose          print ruleset errors and every failing case\n"
	      "  --failures OUT     write every failing case to OUT\n"
	      "  --filter TEXT      only files or sections whose name contains TEXT\n"
	      "  TESTS_DIR          directory (or one file) of test cases\n"
	      "                     (default WAZUH_DIR/testing/tests)\n",
	      f);
}

static bool parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	        {"corpus", required_argument, NULL, 'c'},
	        {"conf", required_argument, NULL, 'C'},
	        {"home", required_argument, NULL, 'H'},
	        {"strict", no_argument, NULL, 'S'},
	        {"geoip-db", required_argument, NULL, 'G'},
	        {"floor-file", required_argument, NULL, 'F'},
	        {"verbose", no_argument, NULL, 'v'},
	        {"failures", required_argument, NULL, 'o'},
	        {"filter", required_argument, NULL, 'f'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "c:F:vo:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->corpus = optarg; break;
		case 'C': o->conf = optarg; break;
		case 'H': o->home = optarg; break;
		case 'S': o->strict = true; break;
		case 'G': o->geoip_db = optarg; break;
		case 'F': o->floor_file = optarg; break;
		case 'v': o->verbose = true; break;
		case 'o': o->failures = optarg; break;
		case 'f': o->filter = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: return false;
		}
	}
	if (optind < argc)
		o->tests = argv[optind++];
	return optind == argc;
}

/* Reads the one integer of the floor file into *floor. */
static bool read_floor(const char *path, long *floor)
{
	char *text;
	size_t len;
	if (slurp(path, 4096, &text, &len) != YG_OK) {
		fprintf(stderr, "yagura-compat: cannot read floor file %s\n", path);
		return false;
	}
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	bool ok = end != text && errno == 0 && v >= 0;
	while (ok && *end)
		ok = strchr(" \t\r\n", *end++) != NULL;
	free(text);
	if (!ok) {
		fprintf(stderr, "yagura-compat: %s: expected one non-negative integer\n", path);
		return false;
	}
	*floor = v;
	return true;
}

int main(int argc, char **argv)
{
	struct options o = {.corpus = "../shared/wazuh"};
	if (!parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	char corpus[PATH_MAX], probe[PATH_MAX], tests[PATH_MAX], geoip[PATH_MAX];
	yg_ruleset *rs = NULL;
	long floor = 0;
	/* absolute: the ruleset's home is a temporary directory */
	if (o.geoip_db) {
		if (!realpath(o.geoip_db, geoip)) {
			fprintf(stderr, "yagura-compat: %s: %s\n", o.geoip_db, strerror(errno));
			return 2;
		}
		o.geoip_db = geoip;
	}
	if (o.conf) {
		if (!o.tests) {
			usage(stderr);
			return 2;
		}
		rs = load_conf(o.conf, o.home ? o.home : ".", o.geoip_db);
		if (!rs)
			return 1;
		goto run;
	}
	if (!realpath(o.corpus, corpus) || !join(probe, corpus, "ruleset/rules") ||
	    !is_dir(probe)) {
		printf("Wazuh reference corpus not found at %s: compatibility suite skipped\n",
		       o.corpus);
		return EXIT_SKIP;
	}
	if (!o.tests) {
		if (!join(tests, corpus, "testing/tests"))
			return 2;
		o.tests = tests;
	}
	if (!is_dir(o.tests) && !is_file(o.tests)) {
		printf("Wazuh test cases not found at %s: compatibility suite skipped\n", o.tests);
		return EXIT_SKIP;
	}
	if (o.floor_file && !read_floor(o.floor_file, &floor))
		return 2;

	char home[PATH_MAX];
	bool made = make_home(corpus, home);
	rs = made ? load_ruleset(home, o.verbose, o.geoip_db) : NULL;
	/* The engine reads nothing after loading: the home can go now. */
	remove_home(home);
	if (!rs)
		return 1;

run:;
	struct runner r = {.opt = &o, .rs = rs};
	yg_buf_init(&r.dec, 4096);
	yg_buf_init(&r.text, 1u << 20);
	if (o.failures) {
		r.failures = fopen(o.failures, "w");
		if (!r.failures)
			fail_msg("cannot write", o.failures);
	}
	printf("test cases: %s\n", o.tests);
	printf("%-44s %6s %7s %7s %5s %7s\n", "file", "cases", "passed", "failed", "n/c",
	       "invalid");
	double t0 = now_ms();
	run_tests(&r, o.tests);
	double t1 = now_ms();
	print_row("TOTAL", &r.total);
	if (r.failures)
		fclose(r.failures);
	yg_buf_free(&r.dec);
	yg_buf_free(&r.text);
	yg_ruleset_destroy(rs);

	const struct counts *t = &r.total;
	size_t checkable = t->passed + t->failed;
	printf("checkable cases: %zu, passed %.2f%%; %zu not checkable, %zu invalid; "
	       "%zu engine errors; run in %.2f s\n",
	       checkable, checkable ? 100.0 * (double)t->passed / (double)checkable : 0.0, t->nc,
	       t->invalid, r.engine_errors, (t1 - t0) / 1e3);
	bool below = !o.filter && (long)t->passed < floor;
	if (below)
		fprintf(stderr, "yagura-compat: %zu passed is below the floor of %ld (%s)\n",
		        t->passed, floor, o.floor_file);
	else if (o.filter && o.floor_file)
		printf("(--filter given: floor not checked)\n");
	printf("%zu passed, %zu failed, %zu skipped\n", t->passed, t->failed, t->nc + t->invalid);
	if (o.strict && t->failed)
		return 1;
	return below ? 1 : 0;
}
