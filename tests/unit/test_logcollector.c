/* test_logcollector.c: the log collector on real files in temporary
 * directories: tailing, positions across restarts and crashes, rotation,
 * wildcards, filters, multi-line events, bad bytes, back-pressure, commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/wxml.h"
#include "logcollector/lc.h"

/* ---- fixture ---- */

typedef struct sink {
	char **lines;
	char **locs;
	size_t n, cap;
	int reject; /* refuse the next `reject` events */
	size_t refused;
	yg_lc **labels_of; /* when set: record lines with their labels */
	yg_buf labelled;
} sink;

static int sink_emit(void *ctx, const char *location, const char *fmt, const char *line, size_t len)
{
	sink *s = ctx;
	(void)fmt;
	assert_int_equal(strlen(line), len);
	if (s->labels_of)
		line = yg_lc_with_labels(*s->labels_of, line, len, &s->labelled);
	if (s->reject > 0) {
		s->reject--;
		s->refused++;
		return 1;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->lines = realloc(s->lines, s->cap * sizeof(char *));
		s->locs = realloc(s->locs, s->cap * sizeof(char *));
		assert_non_null(s->lines);
		assert_non_null(s->locs);
	}
	s->lines[s->n] = strdup(line);
	s->locs[s->n] = strdup(location);
	s->n++;
	return 0;
}

static void sink_clear(sink *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->lines[i]);
		free(s->locs[i]);
	}
	free(s->lines);
	free(s->locs);
	memset(s, 0, sizeof(*s));
}

typedef struct fx {
	char dir[256];
	char db[300];
	yg_wxml_doc *doc;
	yg_lc_config *cfg;
	yg_lc *lc;
	sink s;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/yg-lc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/state.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	yg_lc_destroy(f->lc);
	yg_lc_config_destroy(f->cfg);
	yg_wxml_doc_destroy(f->doc);
	sink_clear(&f->s);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Builds the configuration from XML where "@" stands for the temp dir. */
static yg_err config(fx *f, const char *xml, yg_diag *diag)
{
	char text[8192];
	size_t o = 0;
	for (const char *p = xml; *p && o < sizeof(text) - 300; p++) {
		if (*p == '@')
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s", f->dir);
		else
			text[o++] = *p;
	}
	text[o] = '\0';
	yg_wxml_doc_destroy(f->doc);
	yg_lc_config_destroy(f->cfg);
	f->doc = NULL;
	f->cfg = yg_lc_config_create();
	yg_err err = yg_wxml_parse_buffer_ex(text, o, "ossec.conf", YG_WXML_NO_VARS, diag, &f->doc);
	if (err)
		return err;
	for (size_t i = 0; i < yg_wxml_doc_nroots(f->doc); i++) {
		yg_err e = yg_lc_config_add_localfile(f->cfg, yg_wxml_doc_root(f->doc, i),
		                                      "ossec.conf", diag);
		if (e)
			err = e;
	}
	return err;
}

static void start(fx *f)
{
	yg_diag *d = yg_diag_create();
	f->lc = yg_lc_create(f->cfg, f->db, sink_emit, &f->s, d);
	if (!f->lc)
		yg_diag_print(d, stderr);
	assert_non_null(f->lc);
	yg_diag_destroy(d);
}

static void restart(fx *f, bool commit)
{
	if (commit)
		assert_int_equal(yg_lc_commit(f->lc), YG_OK);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	start(f);
}

static void path(fx *f, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", f->dir, name);
}

static void append(fx *f, const char *name, const char *data, size_t len)
{
	char p[512];
	path(f, name, p, sizeof(p));
	FILE *fp = fopen(p, "ab");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void appends(fx *f, const char *name, const char *s)
{
	append(f, name, s, strlen(s));
}

/* Polls until `want` events have arrived in total (or 3 s pass). */
static void collect(fx *f, size_t want)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		yg_lc_poll(f->lc, 20);
		if (f->s.n >= want)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 3)
			break;
	}
	/* and make sure nothing more comes */
	yg_lc_poll(f->lc, 30);
	yg_lc_poll(f->lc, 0);
}

static void expect(fx *f, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n && i < f->s.n; i++)
		assert_string_equal(f->s.lines[i], want[i]);
	assert_int_equal(f->s.n, n);
}

#define EXPECT(f, ...)                                                                             \
	do {                                                                                       \
		const char *const w_[] = {__VA_ARGS__};                                            \
		collect(f, sizeof(w_) / sizeof(w_[0]));                                            \
		expect(f, w_, sizeof(w_) / sizeof(w_[0]));                                         \
	} while (0)

static const char *SYSLOG_CONF = "<localfile><log_format>syslog</log_format>"
                                 "<location>@/a.log</location></localfile>";

/* ---- configuration ---- */

static void test_config_ok(void **state)
{
	fx *f = *state;
	yg_diag *d = yg_diag_create();
	assert_int_equal(config(f,
	                        "<localfile>\n<log_format>json</log_format>\n"
	                        "<location>@/eve.json</location>\n<label key=\"env\">prod</label>\n"
	                        "<label key=\"_x\">y</label>\n<target>agent</target>\n"
	                        "<out_format>$(log)</out_format>\n</localfile>\n"
	                        "<localfile><log_format>full_command</log_format>"
	                        "<command>df -P</command><alias>df</alias>"
	                        "<frequency>hourly</frequency></localfile>\n"
	                        "<localfile><log_format>multi-line-regex</log_format>"
	                        "<location>@/m.log</location>"
	                        "<multiline_regex match=\"end\" replace=\"wspace\" "
	                        "timeout=\"3\">;$</multiline_regex></localfile>"
	                        "<localfile><log_format>apache</log_format>"
	                        "<location>@/*.log</location><ignore type=\"osregex\">^a</ignore>"
	                        "<restrict>b</restrict></localfile>",
	                        d),
	                 YG_OK);
	assert_int_equal(yg_diag_errors(d), 0);
	assert_true(yg_diag_warnings(d) >= 3); /* _x label, target, out_format */
	assert_int_equal(yg_lc_config_count(f->cfg), 4);
	const yg_lc_label *l;
	assert_int_equal(yg_lc_config_labels(f->cfg, 0, &l), 1);
	assert_string_equal(l[0].key, "env");
	assert_string_equal(l[0].value, "prod");
	assert_string_equal(yg_lc_config_location(f->cfg, 1), "df -P");
	assert_string_equal(yg_lc_config_format(f->cfg, 2), "multi-line-regex");
	yg_diag_destroy(d);
}

static void expect_error(fx *f, const char *xml, int line, const char *element)
{
	yg_diag *d = yg_diag_create();
	assert_int_not_equal(config(f, xml, d), YG_OK);
	assert_true(yg_diag_errors(d) >= 1);
	const yg_diag_entry *e = NULL;
	for (size_t i = 0; i < yg_diag_count(d); i++)
		if (yg_diag_get(d, i)->severity == YG_SEV_ERROR) {
			e = yg_diag_get(d, i);
			break;
		}
	assert_non_null(e);
	assert_string_equal(e->file, "ossec.conf");
	assert_int_equal(e->line, line);
	assert_string_equal(e->element, element);
	assert_int_equal(yg_lc_config_count(f->cfg), 0);
	yg_diag_destroy(d);
}

static void test_config_errors(void **state)
{
	fx *f = *state;
	expect_error(f, "<localfile>\n<log_format>syslog</log_format>\n</localfile>", 1,
	             "location");
	expect_error(
	        f, "<localfile>\n<log_format>sislog</log_format><location>x</location></localfile>",
	        2, "log_format");
	expect_error(
	        f, "<localfile>\n<log_format>macos</log_format><location>x</location></localfile>",
	        2, "log_format");
	expect_error(f,
	             "<localfile><log_format>journald</log_format>\n"
	             "<location>journald:relative/dir</location></localfile>",
	             1, "location");
	expect_error(f,
	             "<localfile><log_format>journald</log_format><location>journald</location>\n"
	             "<filter>^sshd$</filter></localfile>",
	             2, "filter");
	expect_error(f,
	             "<localfile><log_format>journald</log_format><location>journald</location>\n"
	             "<filter field=\"_COMM\">(</filter></localfile>",
	             2, "filter");
	expect_error(f,
	             "<localfile><log_format>journald</log_format><location>journald</location>\n"
	             "<filter field=\"_COMM\"></filter></localfile>",
	             2, "filter");
	expect_error(f,
	             "<localfile><log_format>syslog</log_format><location>x</location>\n\n"
	             "<ignore>(</ignore></localfile>",
	             3, "ignore");
	expect_error(f,
	             "<localfile><log_format>syslog</log_format><location>x</location>\n"
	             "<label>v</label></localfile>",
	             2, "label");
	expect_error(f, "<localfile><log_format>command</log_format>\n</localfile>", 1, "command");
	expect_error(f,
	             "<localfile><log_format>syslog</log_format><location>x</location>\n"
	             "<frequency>often</frequency></localfile>",
	             2, "frequency");
	expect_error(f,
	             "<localfile><log_format>multi-line-regex</log_format>"
	             "<location>x</location></localfile>",
	             1, "multiline_regex");
	expect_error(f,
	             "<localfile><log_format>syslog</log_format><location>x</location>\n"
	             "<bogus>1</bogus></localfile>",
	             2, "bogus");
	expect_error(f,
	             "<localfile><log_format>multi-line: x</log_format>"
	             "<location>x</location></localfile>",
	             1, "log_format");
}

/* ---- tailing and positions ---- */

static void test_tail_future_only(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "old1\nold2\npart");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	collect(f, 0);
	assert_int_equal(f->s.n, 0);
	appends(f, "a.log", "ial\nnew1\r\nnew2\n");
	EXPECT(f, "partial", "new1", "new2");
	char p[512];
	path(f, "a.log", p, sizeof(p));
	assert_string_equal(f->s.locs[0], p);
}

static void test_tail_from_start(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "old1\nold2\n");
	assert_int_equal(
	        config(f,
	               "<localfile><log_format>syslog</log_format><location>@/a.log</location>"
	               "<only-future-events>no</only-future-events></localfile>",
	               NULL),
	        YG_OK);
	start(f);
	EXPECT(f, "old1", "old2");
	appends(f, "a.log", "x\n");
	EXPECT(f, "old1", "old2", "x");
}

static void test_file_appears_later(void **state)
{
	fx *f = *state;
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	collect(f, 0);
	appends(f, "a.log", "first\nsecond\n");
	EXPECT(f, "first", "second"); /* a new file is read from its start */
}

static void test_restart_resumes(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "1\n2\n");
	EXPECT(f, "1", "2");
	restart(f, true);
	appends(f, "a.log", "3\n");
	EXPECT(f, "1", "2", "3");
	/* written while stopped */
	yg_lc_commit(f->lc);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	appends(f, "a.log", "4\n5\n");
	start(f);
	EXPECT(f, "1", "2", "3", "4", "5");
}

static void test_crash_rereads_uncommitted(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "1\n2\n3\n");
	EXPECT(f, "1", "2", "3");
	assert_int_equal(yg_lc_commit(f->lc), YG_OK);
	appends(f, "a.log", "4\n5\n");
	EXPECT(f, "1", "2", "3", "4", "5");
	/* crash: no commit; 4 and 5 were accepted after the last commit */
	restart(f, false);
	EXPECT(f, "1", "2", "3", "4", "5", "4", "5");
	restart(f, true);
	appends(f, "a.log", "6\n");
	EXPECT(f, "1", "2", "3", "4", "5", "4", "5", "6");
}

/* ---- rotation ---- */

static void test_rotate_rename(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "1\n");
	EXPECT(f, "1");
	appends(f, "a.log", "2\n3\n"); /* not read yet when rotated */
	char a[512], b[512];
	path(f, "a.log", a, sizeof(a));
	path(f, "a.log.1", b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
	appends(f, "a.log", "4\n5\n");
	EXPECT(f, "1", "2", "3", "4", "5");
	appends(f, "a.log", "6\n");
	EXPECT(f, "1", "2", "3", "4", "5", "6");
	assert_int_equal(yg_lc_nfiles(f->lc), 1);
}

static void test_rotate_while_stopped(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "1\n");
	EXPECT(f, "1");
	yg_lc_commit(f->lc);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	appends(f, "a.log", "2\n");
	char a[512], b[512];
	path(f, "a.log", a, sizeof(a));
	path(f, "a.log.1", b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
	appends(f, "a.log", "3\n");
	start(f);
	EXPECT(f, "1", "2", "3");
}

static void test_rotate_copytruncate(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "line one\nline two\n");
	EXPECT(f, "line one", "line two");
	char a[512];
	path(f, "a.log", a, sizeof(a));
	assert_int_equal(truncate(a, 0), 0);
	appends(f, "a.log", "x\n");
	EXPECT(f, "line one", "line two", "x");
	/* truncated and regrown past the old offset before we look */
	assert_int_equal(truncate(a, 0), 0);
	appends(f, "a.log", "another much longer first line\n");
	EXPECT(f, "line one", "line two", "x", "another much longer first line");
}

static void test_delete_drops(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "1\n2");
	char a[512];
	path(f, "a.log", a, sizeof(a));
	assert_int_equal(unlink(a), 0);
	EXPECT(f, "1", "2"); /* the partial last line is flushed when leaving */
	assert_int_equal(yg_lc_nfiles(f->lc), 0);
}

static void test_wildcard_new_file(void **state)
{
	fx *f = *state;
	char d[512];
	path(f, "logs", d, sizeof(d));
	assert_int_equal(mkdir(d, 0755), 0);
	appends(f, "logs/a.log", "old\n");
	assert_int_equal(config(f,
	                        "<localfile><log_format>syslog</log_format>"
	                        "<location>@/logs/*.log</location><exclude>*/skip.log</exclude>"
	                        "</localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	collect(f, 0);
	assert_int_equal(f->s.n, 0);
	appends(f, "logs/b.log", "b1\n");
	appends(f, "logs/skip.log", "no\n");
	appends(f, "logs/c.txt", "no\n");
	EXPECT(f, "b1");
	appends(f, "logs/a.log", "a2\n");
	EXPECT(f, "b1", "a2");
}

static void test_strftime_location(void **state)
{
	fx *f = *state;
	char name[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(name, sizeof(name), "app-%Y-%m-%d.log", &tm);
	assert_int_equal(config(f,
	                        "<localfile><log_format>syslog</log_format>"
	                        "<location>@/app-%Y-%m-%d.log</location></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	appends(f, name, "today\n");
	EXPECT(f, "today");
}

/* ---- content ---- */

static void test_ignore_restrict(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(
	        config(f,
	               "<localfile><log_format>syslog</log_format><location>@/a.log</location>"
	               "<ignore>debug</ignore><ignore type=\"osmatch\">noise</ignore>"
	               "<restrict type=\"osregex\">^app: </restrict></localfile>",
	               NULL),
	        YG_OK);
	start(f);
	appends(f, "a.log", "app: one\napp: debug two\nother\napp: noise\napp: three\n");
	EXPECT(f, "app: one", "app: three");
	/* filtered lines are consumed too: nothing repeats after a restart */
	restart(f, true);
	appends(f, "a.log", "app: four\n");
	EXPECT(f, "app: one", "app: three", "app: four");
}

static void test_multiline_start(void **state)
{
	fx *f = *state;
	appends(f, "m.log", "");
	assert_int_equal(config(f,
	                        "<localfile><log_format>multi-line-regex</log_format>"
	                        "<location>@/m.log</location><multiline_regex replace=\"wspace\" "
	                        "timeout=\"1\">^\\d{4}-</multiline_regex></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	appends(f, "m.log", "2024-01-01 a\n  at x\n  at y\n2024-01-02 b\n2024-01-03 c\n more\n");
	/* c's event ends only when the timeout passes */
	collect(f, 2);
	assert_int_equal(f->s.n, 2);
	assert_string_equal(f->s.lines[0], "2024-01-01 a   at x   at y");
	assert_string_equal(f->s.lines[1], "2024-01-02 b");
	sleep(1);
	EXPECT(f, "2024-01-01 a   at x   at y", "2024-01-02 b", "2024-01-03 c  more");
}

static void test_multiline_end_and_all(void **state)
{
	fx *f = *state;
	appends(f, "e.log", "");
	appends(f, "l.log", "");
	assert_int_equal(config(f,
	                        "<localfile><log_format>multi-line-regex</log_format>"
	                        "<location>@/e.log</location><multiline_regex match=\"end\" "
	                        "replace=\"none\">;$</multiline_regex></localfile>"
	                        "<localfile><log_format>multi-line:2</log_format>"
	                        "<location>@/l.log</location></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	appends(f, "e.log", "select\n*\nfrom t;\n");
	EXPECT(f, "select*from t;");
	appends(f, "l.log", "a\nb\nc\nd\n");
	EXPECT(f, "select*from t;", "a b", "c d");
}

static void test_json_lines(void **state)
{
	fx *f = *state;
	appends(f, "eve.json", "");
	assert_int_equal(config(f,
	                        "<localfile><log_format>json</log_format>"
	                        "<location>@/eve.json</location></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	appends(f, "eve.json", "{\"event_type\":\"alert\",\"a\":1}\n{\"event_type\":\"flow\"}\n");
	EXPECT(f, "{\"event_type\":\"alert\",\"a\":1}", "{\"event_type\":\"flow\"}");
}

/* A json <localfile>'s labels become top-level fields of each object. */
static void test_json_labels(void **state)
{
	fx *f = *state;
	appends(f, "eve.json", "");
	assert_int_equal(config(f,
	                        "<localfile><log_format>json</log_format>"
	                        "<location>@/eve.json</location>"
	                        "<label key=\"source\">suricata</label>"
	                        "<label key=\"env\">prod \"a\"</label></localfile>",
	                        NULL),
	                 YG_OK);
	yg_buf_init(&f->s.labelled, 1 << 20);
	f->s.labels_of = &f->lc;
	start(f);
	appends(f, "eve.json", "{\"a\":1}\n{ }\nnot json\n");
	EXPECT(f, "{\"a\":1,\"source\":\"suricata\",\"env\":\"prod \\\"a\\\"\"}",
	       "{ \"source\":\"suricata\",\"env\":\"prod \\\"a\\\"\"}", "not json");
	yg_buf_free(&f->s.labelled);
}

static void test_bad_bytes_and_huge_line(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	append(f, "a.log", "bad \xff\xfe utf8\nnul\0inside\ncrlf\r\n", 29);
	size_t big = 10u << 20;
	char *b = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		b[i] = (char)('a' + i % 26);
	b[big] = '\n';
	append(f, "a.log", b, big + 1);
	free(b);
	char garbage[4096];
	srand(7);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(rand() & 0xff);
	append(f, "a.log", garbage, sizeof(garbage));
	appends(f, "a.log", "\nafter\n");
	collect(f, 100);
	assert_true(f->s.n >= 5);
	assert_string_equal(f->s.lines[0], "bad \xff\xfe utf8");
	assert_string_equal(f->s.lines[1], "nul inside");
	assert_string_equal(f->s.lines[2], "crlf");
	assert_int_equal(strlen(f->s.lines[3]), YG_LC_DEFAULT_MAX_LINE);
	assert_memory_equal(f->s.lines[3], "abcdef", 6);
	assert_string_equal(f->s.lines[f->s.n - 1], "after");
	/* and the position after it all is right */
	restart(f, true);
	appends(f, "a.log", "end\n");
	collect(f, f->s.n + 1);
	assert_string_equal(f->s.lines[f->s.n - 1], "end");
}

static void test_backpressure(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	appends(f, "a.log", "1\n2\n3\n");
	f->s.reject = 1;
	yg_lc_poll(f->lc, 0);
	assert_int_equal(f->s.refused, 1);
	assert_int_equal(f->s.n, 0);
	f->s.reject = 2;
	yg_lc_poll(f->lc, 0); /* "1" refused again */
	assert_int_equal(f->s.n, 0);
	yg_lc_poll(f->lc, 0); /* "1" refused a third time */
	EXPECT(f, "1", "2", "3");
	/* refused in the middle, then a crash and restart */
	assert_int_equal(yg_lc_commit(f->lc), YG_OK);
	appends(f, "a.log", "4\n5\n");
	f->s.reject = 1000;
	yg_lc_poll(f->lc, 50);
	f->s.reject = 0;
	restart(f, true);
	EXPECT(f, "1", "2", "3", "4", "5");
}

static void test_many_lines_exact(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	char *buf = malloc(20000 * 16);
	size_t o = 0;
	for (int i = 0; i < 20000; i++)
		o += (size_t)snprintf(buf + o, 16, "line %d\n", i);
	append(f, "a.log", buf, o);
	free(buf);
	/* commit at arbitrary points, crash and restart: every line arrives and
	 * exactly the uncommitted ones repeat */
	for (int k = 0; k < 3; k++) {
		yg_lc_poll(f->lc, 0);
		assert_int_equal(yg_lc_commit(f->lc), YG_OK);
		size_t committed = f->s.n;
		yg_lc_poll(f->lc, 0);
		size_t extra = f->s.n - committed;
		restart(f, false);
		yg_lc_poll(f->lc, 0);
		for (size_t i = 0; i < extra && committed + extra + i < f->s.n; i++)
			assert_string_equal(f->s.lines[committed + extra + i],
			                    f->s.lines[committed + i]);
		/* drop the duplicates from the record */
		for (size_t i = 0; i < extra; i++) {
			free(f->s.lines[committed + i]);
			free(f->s.locs[committed + i]);
		}
		memmove(f->s.lines + committed, f->s.lines + committed + extra,
		        (f->s.n - committed - extra) * sizeof(char *));
		memmove(f->s.locs + committed, f->s.locs + committed + extra,
		        (f->s.n - committed - extra) * sizeof(char *));
		f->s.n -= extra;
	}
	collect(f, 20000);
	assert_int_equal(f->s.n, 20000);
	for (int i = 0; i < 20000; i++) {
		char w[32];
		snprintf(w, sizeof(w), "line %d", i);
		assert_string_equal(f->s.lines[i], w);
	}
}

static void test_commands(void **state)
{
	fx *f = *state;
	assert_int_equal(config(f,
	                        "<localfile><log_format>command</log_format>"
	                        "<command>printf 'a\\n\\nb\\n'</command><frequency>3600</frequency>"
	                        "</localfile>"
	                        "<localfile><log_format>full_command</log_format>"
	                        "<command>printf 'x\\ny\\n'</command><alias>xy</alias>"
	                        "<frequency>3600</frequency></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	collect(f, 3);
	assert_int_equal(f->s.n, 3);
	size_t nfull = 0, ncmd = 0;
	for (size_t i = 0; i < f->s.n; i++) {
		if (strcmp(f->s.locs[i], "xy") == 0) {
			assert_string_equal(f->s.lines[i], "ossec: output: 'xy':\nx\ny");
			nfull++;
		} else {
			assert_string_equal(f->s.locs[i], "printf 'a\\n\\nb\\n'");
			ncmd++;
		}
	}
	assert_int_equal(nfull, 1);
	assert_int_equal(ncmd, 2);
	/* the two commands run side by side: only each one's own order holds */
	size_t first = 0;
	while (strcmp(f->s.locs[first], "xy") == 0)
		first++;
	assert_string_equal(f->s.lines[first], "ossec: output: 'printf 'a\\n\\nb\\n'': a");
}

static size_t logged;
static void count_log(void *ctx, yg_severity sev, int code, const char *msg)
{
	(void)ctx;
	(void)sev;
	assert_true(code > 3100 && code < 3200);
	assert_non_null(msg);
	logged++;
}

static void test_logger_and_entry(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	start(f);
	yg_lc_set_logger(f->lc, count_log, NULL);
	assert_int_equal(yg_lc_current_entry(f->lc), (size_t)-1);
	char a[512];
	path(f, "a.log", a, sizeof(a));
	appends(f, "a.log", "1\n");
	collect(f, 1);
	assert_int_equal(truncate(a, 0), 0);
	appends(f, "a.log", "2\n");
	collect(f, 2);
	assert_true(logged >= 1); /* the truncation was reported */
}

/* ---- positions as a blob (yg_lc_positions_export / _import) ---- */

static void test_positions_export_import(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "");
	appends(f, "b.log", "");
	assert_int_equal(config(f,
	                        "<localfile><log_format>syslog</log_format>"
	                        "<location>@/*.log</location></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	appends(f, "a.log", "a1\na2\n");
	appends(f, "b.log", "b1\n");
	collect(f, 3);
	assert_int_equal(f->s.n, 3);
	appends(f, "a.log", "a3-part"); /* no line end yet: not accepted */
	yg_lc_poll(f->lc, 0);
	assert_int_equal(f->s.n, 3);

	yg_buf blob;
	yg_buf_init(&blob, 1u << 20);
	assert_int_equal(yg_lc_positions_export(f->lc, &blob), YG_OK);
	assert_true(blob.len > 12);
	/* a second export of the same positions is the same blob */
	yg_buf again;
	yg_buf_init(&again, 1u << 20);
	assert_int_equal(yg_lc_positions_export(f->lc, &again), YG_OK);
	assert_int_equal(again.len, blob.len);
	assert_memory_equal(again.data, blob.data, blob.len);
	/* a buffer too small for it: YG_ELIMIT, left empty */
	yg_buf small;
	yg_buf_init(&small, 20);
	assert_int_equal(yg_lc_positions_export(f->lc, &small), YG_ELIMIT);
	assert_int_equal(small.len, 0);
	yg_buf_free(&small);

	/* lines accepted after the export, then a crash without any commit */
	appends(f, "a.log", "\na4\n");
	appends(f, "b.log", "b2\n");
	collect(f, 6);
	assert_int_equal(f->s.n, 6);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	appends(f, "b.log", "b3\n"); /* written while stopped */

	/* the blob into a fresh database: the collector resumes exactly after
	 * the exported lines (a3 completed, a4, b2, b3), nothing before */
	snprintf(f->db, sizeof(f->db), "%s/imported.db", f->dir);
	assert_int_equal(yg_lc_positions_import(f->db, blob.data, blob.len), YG_OK);
	sink_clear(&f->s);
	start(f);
	collect(f, 4);
	assert_int_equal(f->s.n, 4);
	size_t na = 0, nb = 0;
	for (size_t i = 0; i < f->s.n; i++) {
		const char *l = f->s.lines[i];
		if (l[0] == 'a') /* per file, in order */
			assert_string_equal(l, na++ == 0 ? "a3-part" : "a4");
		else
			assert_string_equal(l, nb++ == 0 ? "b2" : "b3");
	}
	assert_int_equal(na, 2);
	assert_int_equal(nb, 2);
	/* the export is what yg_lc_commit writes: commit, export from a
	 * collector started on that database, compare */
	assert_int_equal(yg_lc_positions_export(f->lc, &blob), YG_OK);
	assert_int_equal(yg_lc_commit(f->lc), YG_OK);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	start(f);
	assert_int_equal(yg_lc_positions_export(f->lc, &again), YG_OK);
	assert_int_equal(again.len, blob.len);
	assert_memory_equal(again.data, blob.data, blob.len);
	collect(f, 4);
	assert_int_equal(f->s.n, 4); /* nothing again */
	/* importing an empty set of positions: every file is new again */
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	const unsigned char none[12] = {'Y', 'G', 'L', 'C', 'P', 'O', 'S', 1, 0, 0, 0, 0};
	assert_int_equal(yg_lc_positions_import(f->db, none, sizeof(none)), YG_OK);
	yg_buf_free(&blob);
	yg_buf_free(&again);
}

/* Appends one little-endian integer of n bytes. */
static void put_le(yg_buf *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(yg_buf_putc(b, (char)(unsigned char)(v >> (8 * i))), YG_OK);
}

/* A blob of one row with the given fields (v1 layout). */
static void row_blob(yg_buf *b, uint8_t version, uint32_t count, const char *path, size_t plen,
                     uint32_t hlen, uint64_t off, uint8_t flags)
{
	yg_buf_reset(b);
	assert_int_equal(yg_buf_append(b, "YGLCPOS", 7), YG_OK);
	put_le(b, version, 1);
	put_le(b, count, 4);
	put_le(b, plen, 2);
	assert_int_equal(yg_buf_append(b, path, plen), YG_OK);
	put_le(b, 7, 8);  /* dev */
	put_le(b, 42, 8); /* ino */
	put_le(b, hlen, 4);
	put_le(b, 0x1234, 8); /* hash */
	put_le(b, off, 8);
	put_le(b, flags, 1);
}

static void test_positions_import_garbage(void **state)
{
	fx *f = *state;
	appends(f, "a.log", "1\n2\n");
	assert_int_equal(config(f, SYSLOG_CONF, NULL), YG_OK);
	/* a valid blob first: positions after "1" */
	start(f);
	collect(f, 0);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	yg_buf ok, b;
	yg_buf_init(&ok, 1u << 16);
	yg_buf_init(&b, 1u << 16);
	{
		/* the real file's identity, at offset 2 (after "1\n") */
		struct stat st;
		char a[512];
		path(f, "a.log", a, sizeof(a));
		assert_int_equal(stat(a, &st), 0);
		/* hash: FNV-1a of the first 4 bytes "1\n2\n" */
		uint64_t h = 1469598103934665603ull;
		for (const char *p = "1\n2\n"; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ull;
		}
		assert_int_equal(yg_buf_append(&ok, "YGLCPOS\1", 8), YG_OK);
		put_le(&ok, 1, 4);
		put_le(&ok, strlen(a), 2);
		assert_int_equal(yg_buf_append(&ok, a, strlen(a)), YG_OK);
		put_le(&ok, (uint64_t)st.st_dev, 8);
		put_le(&ok, (uint64_t)st.st_ino, 8);
		put_le(&ok, 4, 4);
		put_le(&ok, h, 8);
		put_le(&ok, 2, 8);
		put_le(&ok, 0, 1);
	}
	assert_int_equal(yg_lc_positions_import(f->db, ok.data, ok.len), YG_OK);

	/* garbage of every kind is refused and changes nothing */
	assert_int_equal(yg_lc_positions_import(f->db, NULL, 0), YG_EPARSE);
	assert_int_equal(yg_lc_positions_import(f->db, "", 0), YG_EPARSE);
	assert_int_equal(yg_lc_positions_import(NULL, ok.data, ok.len), YG_EINVAL);
	assert_int_equal(yg_lc_positions_import(f->db, NULL, 5), YG_EINVAL);
	assert_int_equal(yg_lc_positions_import(f->db, "hello world, not a blob", 23), YG_EPARSE);
	for (size_t cut = 0; cut < ok.len; cut++) /* every truncation */
		assert_int_equal(yg_lc_positions_import(f->db, ok.data, cut), YG_EPARSE);
	yg_buf_reset(&b);
	assert_int_equal(yg_buf_append(&b, ok.data, ok.len), YG_OK);
	assert_int_equal(yg_buf_putc(&b, 0), YG_OK); /* a trailing byte */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 2, 1, "/x", 2, 4, 2, 0); /* unknown version */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 2, "/x", 2, 4, 2, 0); /* count says 2 rows, 1 follows */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 0xffffffffu, "/x", 2, 4, 2, 0); /* a huge count */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 0, "/x", 2, 4, 2, 0); /* count 0 but a row follows */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 1, "", 0, 4, 2, 0); /* empty path */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 1, "/a\0b", 4, 4, 2, 0); /* NUL in the path */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 1, "/x", 2, 513, 2, 0); /* head hash over 512 bytes */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 1, "/x", 2, 4, 1ull << 63, 0); /* offset past int64 */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 1, "/x", 2, 4, 2, 2); /* unknown flag */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	char *longp = malloc(4096);
	memset(longp, 'p', 4096);
	row_blob(&b, 1, 1, longp, 4096, 4, 2, 0); /* path over 4095 bytes */
	free(longp);
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_EPARSE);
	row_blob(&b, 1, 1, "/x", 2, 4, 2, 1); /* and the same shape is fine */
	assert_int_equal(yg_lc_positions_import(f->db, b.data, b.len), YG_OK);
	assert_int_equal(yg_lc_positions_import(f->db, ok.data, ok.len), YG_OK);

	/* the database still holds the valid blob's positions */
	start(f);
	EXPECT(f, "2");
	yg_buf_free(&ok);
	yg_buf_free(&b);
}

/* ---- journald ---- */

#define JREMOTE "/lib/systemd/systemd-journal-remote"

/* Appends entries to @/j/remote.journal with systemd-journal-remote:
 * entry i (first..first+n-1) is "sshd[1000+i]: msg <i>" from host h, with
 * the given SYSLOG_IDENTIFIER (NULL: none, _COMM=comm instead). */
static void journal_add(fx *f, int first, int n, const char *ident)
{
	char dir[512], exp[600], cmd[1400];
	path(f, "j", dir, sizeof(dir));
	mkdir(dir, 0700);
	snprintf(exp, sizeof(exp), "%s/export.txt", f->dir);
	FILE *fp = fopen(exp, "w");
	assert_non_null(fp);
	for (int i = first; i < first + n; i++) {
		fprintf(fp,
		        "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%d\n"
		        "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=h\n",
		        1765155000000000ull + (unsigned long long)i * 1000000ull, i + 1);
		if (ident)
			fprintf(fp, "SYSLOG_IDENTIFIER=%s\n", ident);
		else
			fprintf(fp, "_COMM=comm\n");
		fprintf(fp, "_PID=%d\nPRIORITY=5\nMESSAGE=msg %d\n\n", 1000 + i, i);
	}
	fclose(fp);
	snprintf(cmd, sizeof(cmd), JREMOTE " -o '%s/remote.journal' - < '%s' 2>/dev/null", dir,
	         exp);
	assert_int_equal(system(cmd), 0);
}

/* The line yagura makes of entry i (time: 1765155000 + i s, UTC). */
static void jline(int i, const char *ident, char *out, size_t n)
{
	time_t t = 1765155000 + i;
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%b %d %T", &tm);
	snprintf(out, n, "%s h %s[%d]: msg %d", ts, ident, 1000 + i, i);
}

static void expect_jlines(fx *f, size_t from, int first, int n, const char *ident)
{
	collect(f, from + (size_t)n);
	assert_int_equal(f->s.n, from + (size_t)n);
	for (int i = 0; i < n; i++) {
		char want[256];
		jline(first + i, ident, want, sizeof(want));
		assert_string_equal(f->s.lines[from + (size_t)i], want);
		assert_string_equal(f->s.locs[from + (size_t)i], "journald");
	}
}

static const char *JOURNAL_CONF = "<localfile><log_format>journald</log_format>"
                                  "<location>journald:@/j</location>"
                                  "<only-future-events>no</only-future-events></localfile>";

static void test_journal_resume(void **state)
{
	fx *f = *state;
	if (access(JREMOTE, X_OK) != 0)
		skip();
	journal_add(f, 0, 3, "sshd");
	assert_int_equal(config(f, JOURNAL_CONF, NULL), YG_OK);
	start(f);
	expect_jlines(f, 0, 0, 3, "sshd");
	/* entries appended while it runs */
	journal_add(f, 3, 2, "sshd");
	expect_jlines(f, 3, 3, 2, "sshd");
	/* committed: a restart reads only what is new */
	restart(f, true);
	journal_add(f, 5, 1, "sshd");
	expect_jlines(f, 5, 5, 1, "sshd");
	/* not committed (a crash): exactly the uncommitted entry again */
	restart(f, false);
	expect_jlines(f, 6, 5, 1, "sshd");
	/* back-pressure: the refused entry comes again, nothing is lost */
	journal_add(f, 6, 2, NULL);
	f->s.reject = 1;
	expect_jlines(f, 7, 6, 2, "comm");
	assert_int_equal(f->s.refused, 1);
}

static void test_journal_future_and_filters(void **state)
{
	fx *f = *state;
	if (access(JREMOTE, X_OK) != 0)
		skip();
	journal_add(f, 0, 2, "sshd");
	/* only-future-events (default yes): what is there is skipped; two
	 * blocks on one journal: an entry goes through if either selects it */
	assert_int_equal(config(f,
	                        "<localfile><log_format>journald</log_format>"
	                        "<location>journald:@/j</location>"
	                        "<filter field=\"SYSLOG_IDENTIFIER\">^sshd$</filter>"
	                        "<filter field=\"_PID\">^100[0-9]$</filter></localfile>"
	                        "<localfile><log_format>journald</log_format>"
	                        "<location>journald:@/j</location>"
	                        "<filter field=\"SYSLOG_IDENTIFIER\">^cron$</filter>"
	                        "<filter field=\"NOPE\" ignore_if_missing=\"yes\">x</filter>"
	                        "</localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	collect(f, 0);
	assert_int_equal(f->s.n, 0);
	journal_add(f, 2, 1, "sshd");  /* pid 1002: first block */
	journal_add(f, 20, 1, "sshd"); /* pid 1020: no block */
	journal_add(f, 3, 1, "cron");  /* second block */
	journal_add(f, 4, 1, "other"); /* no block */
	collect(f, 2);
	assert_int_equal(f->s.n, 2);
	char want[256];
	jline(2, "sshd", want, sizeof(want));
	assert_string_equal(f->s.lines[0], want);
	jline(3, "cron", want, sizeof(want));
	assert_string_equal(f->s.lines[1], want);
	/* the starting point was a position: nothing old after a restart */
	restart(f, true);
	collect(f, 0);
	assert_int_equal(f->s.n, 2);
}

/* A journal that is empty, or not there yet, at the start: with
 * only-future-events everything written after the start is read. */
static void test_journal_empty_and_late(void **state)
{
	fx *f = *state;
	if (access(JREMOTE, X_OK) != 0)
		skip();
	char dir[512];
	path(f, "j", dir, sizeof(dir));
	mkdir(dir, 0700);
	assert_int_equal(config(f,
	                        "<localfile><log_format>journald</log_format>"
	                        "<location>journald:@/j</location></localfile>"
	                        "<localfile><log_format>journald</log_format>"
	                        "<location>journald:@/late</location></localfile>",
	                        NULL),
	                 YG_OK);
	start(f);
	collect(f, 0);
	journal_add(f, 0, 2, "sshd");
	expect_jlines(f, 0, 0, 2, "sshd");
	/* @/late appears after the start: opened on a later retry, from its
	 * beginning */
	char late[512], cmd[1200];
	path(f, "late", late, sizeof(late));
	journal_add(f, 2, 1, "sshd");
	snprintf(cmd, sizeof(cmd), "mv '%s' '%s'", dir, late);
	assert_int_equal(system(cmd), 0);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		yg_lc_poll(f->lc, 100);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (f->s.n < 6 && t.tv_sec - t0.tv_sec < 12);
	collect(f, 6);
	/* entry 2 was read from @/j before the move; then the moved directory
	 * (entries 0-2) is read whole under its new location, which was not
	 * there at the start */
	assert_int_equal(f->s.n, 6);
	for (int i = 0; i < 3; i++) {
		char want[256];
		jline(i, "sshd", want, sizeof(want));
		int seen = 0;
		for (size_t k = 0; k < f->s.n; k++)
			seen += strcmp(f->s.lines[k], want) == 0;
		assert_int_equal(seen, 2);
	}
}

static void test_journal_export_import(void **state)
{
	fx *f = *state;
	if (access(JREMOTE, X_OK) != 0)
		skip();
	journal_add(f, 0, 3, "sshd");
	appends(f, "a.log", "1\n");
	char conf[1024];
	snprintf(conf, sizeof(conf), "%s%s", JOURNAL_CONF,
	         "<localfile><log_format>syslog</log_format><location>@/a.log</location>"
	         "<only-future-events>no</only-future-events></localfile>");
	assert_int_equal(config(f, conf, NULL), YG_OK);
	start(f);
	collect(f, 4);
	assert_int_equal(f->s.n, 4);
	yg_buf blob;
	yg_buf_init(&blob, 1u << 20);
	assert_int_equal(yg_lc_positions_export(f->lc, &blob), YG_OK);
	assert_int_equal((unsigned char)blob.data[7], 2); /* with a cursor: version 2 */
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	/* a fresh database from the blob resumes after the exported entries */
	snprintf(f->db, sizeof(f->db), "%s/fresh.db", f->dir);
	assert_int_equal(yg_lc_positions_import(f->db, blob.data, blob.len), YG_OK);
	journal_add(f, 3, 1, "sshd");
	appends(f, "a.log", "2\n");
	start(f);
	collect(f, 6);
	assert_int_equal(f->s.n, 6);
	char want[256];
	jline(3, "sshd", want, sizeof(want));
	assert_true(strcmp(f->s.lines[4], want) == 0 || strcmp(f->s.lines[5], want) == 0);
	assert_true(strcmp(f->s.lines[4], "2") == 0 || strcmp(f->s.lines[5], "2") == 0);
	/* the export of a collector started there is the same blob again */
	yg_buf again;
	yg_buf_init(&again, 1u << 20);
	restart(f, true);
	assert_int_equal(yg_lc_positions_export(f->lc, &again), YG_OK);
	yg_lc_destroy(f->lc);
	f->lc = NULL;
	assert_int_equal(yg_lc_positions_import(f->db, again.data, again.len), YG_OK);
	/* a version 2 blob without cursors is refused */
	yg_buf_reset(&blob);
	assert_int_equal(yg_buf_append(&blob, "YGLCPOS\2\0\0\0\0\0\0\0\0", 16), YG_OK);
	assert_int_equal(yg_lc_positions_import(f->db, blob.data, blob.len), YG_EPARSE);
	yg_buf_free(&blob);
	yg_buf_free(&again);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_config_ok),
	        T(test_config_errors),
	        T(test_tail_future_only),
	        T(test_tail_from_start),
	        T(test_file_appears_later),
	        T(test_restart_resumes),
	        T(test_crash_rereads_uncommitted),
	        T(test_rotate_rename),
	        T(test_rotate_while_stopped),
	        T(test_rotate_copytruncate),
	        T(test_delete_drops),
	        T(test_wildcard_new_file),
	        T(test_strftime_location),
	        T(test_ignore_restrict),
	        T(test_multiline_start),
	        T(test_multiline_end_and_all),
	        T(test_json_lines),
	        T(test_json_labels),
	        T(test_bad_bytes_and_huge_line),
	        T(test_backpressure),
	        T(test_many_lines_exact),
	        T(test_commands),
	        T(test_logger_and_entry),
	        T(test_positions_export_import),
	        T(test_positions_import_garbage),
	        T(test_journal_resume),
	        T(test_journal_future_and_filters),
	        T(test_journal_export_import),
	        T(test_journal_empty_and_late),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
