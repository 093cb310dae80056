/* The built-in YARA scanner: the <yara> block, compiling (with file:line
 * errors), scanning the shared scenario samples, the article's log line and
 * its alert through the engine, and one scan per finished file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/wxml.h"
#include "yarascan/yarascan.h"

#define SCEN YG_SOURCE_ROOT "/../shared/scenarios"
#define SAMPLES SCEN "/samples"

static char tmp[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/yg-yara-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	return 0;
}

static bool have_samples(void)
{
	return access(SAMPLES "/yara-test-rules.yar", R_OK) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool diag_has(const yg_diag *d, const char *needle)
{
	for (size_t i = 0; i < yg_diag_count(d); i++)
		if (strstr(yg_diag_get(d, i)->message, needle))
			return true;
	return false;
}

/* ---- configuration ---- */

static yg_err parse_block(yg_yarascan_config *cfg, const char *xml, yg_diag *d)
{
	yg_wxml_doc *doc = NULL;
	assert_int_equal(
	        yg_wxml_parse_buffer_ex(xml, strlen(xml), "ossec.conf", YG_WXML_NO_VARS, d, &doc),
	        YG_OK);
	const yg_wxml_node *root = yg_wxml_doc_root(doc, 0);
	yg_err err = YG_OK;
	for (size_t i = 0; i < root->nchildren; i++)
		if (strcmp(root->children[i]->name, "yara") == 0) {
			yg_err e = yg_yarascan_config_add_yara(cfg, root->children[i], "ossec.conf",
			                                       d);
			if (e)
				err = e;
		}
	yg_wxml_doc_destroy(doc);
	return err;
}

static void test_config(void **state)
{
	(void)state;
	yg_yarascan_config *cfg = yg_yarascan_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_yarascan_config_settle_ms(cfg), 2000);
	assert_int_equal(yg_yarascan_config_max_file_size(cfg), 32 * 1024 * 1024);
	const char *xml = "<ossec_config>\n"
	                  "  <yara>\n"
	                  "    <rules>/etc/yara/rules.yar</rules>\n"
	                  "    <rules> /etc/yara/more </rules>\n"
	                  "    <settle_ms>500</settle_ms>\n"
	                  "    <max_file_size>16M</max_file_size>\n"
	                  "    <timeout>5</timeout>\n"
	                  "    <directories>/var/www/html, /srv/upload</directories>\n"
	                  "  </yara>\n"
	                  "</ossec_config>\n";
	assert_int_equal(parse_block(cfg, xml, d), YG_OK);
	assert_int_equal(yg_diag_count(d), 0);
	assert_int_equal(yg_yarascan_config_nrules(cfg), 2);
	assert_string_equal(yg_yarascan_config_rules(cfg, 1), "/etc/yara/more");
	assert_int_equal(yg_yarascan_config_settle_ms(cfg), 500);
	assert_int_equal(yg_yarascan_config_max_file_size(cfg), 16 * 1024 * 1024);
	assert_int_equal(yg_yarascan_config_timeout(cfg), 5);
	assert_int_equal(yg_yarascan_config_ndirs(cfg), 2);
	assert_string_equal(yg_yarascan_config_dir(cfg, 1), "/srv/upload");
	assert_false(yg_yarascan_config_disabled(cfg));
	yg_yarascan_config_destroy(cfg);

	cfg = yg_yarascan_config_create();
	const char *bad = "<ossec_config>\n"
	                  "  <yara>\n"
	                  "    <rules>relative.yar</rules>\n"
	                  "    <settle_ms>soon</settle_ms>\n"
	                  "    <colour>blue</colour>\n"
	                  "    <disabled>maybe</disabled>\n"
	                  "    <max_file_size>12X</max_file_size>\n"
	                  "    <directories>/ok,not/ok</directories>\n"
	                  "  </yara>\n"
	                  "</ossec_config>\n";
	assert_int_equal(parse_block(cfg, bad, d), YG_EPARSE);
	assert_int_equal(yg_diag_errors(d), 6);
	for (int i = 0; i < 6; i++) {
		const yg_diag_entry *e = yg_diag_get(d, (size_t)i);
		assert_string_equal(e->file, "ossec.conf");
		assert_int_equal(e->line, 3 + i);
	}
	assert_string_equal(yg_diag_get(d, 2)->element, "colour");
	yg_yarascan_config_destroy(cfg);
	yg_diag_destroy(d);
}

/* ---- scanning ---- */

typedef struct hits {
	char rule[8][128];
	char ns[8][128];
	char desc[8][256];
	char tags[8][128];
	char line[8][512];
	size_t n;
} hits;

static int on_match(void *ctx, const char *path, const yg_yarascan_match *m)
{
	hits *h = ctx;
	assert_true(h->n < 8);
	snprintf(h->rule[h->n], sizeof(h->rule[0]), "%s", m->rule);
	snprintf(h->ns[h->n], sizeof(h->ns[0]), "%s", m->ns);
	snprintf(h->desc[h->n], sizeof(h->desc[0]), "%s", m->description ? m->description : "");
	h->tags[h->n][0] = '\0';
	for (size_t i = 0; i < m->ntags; i++) {
		strncat(h->tags[h->n], m->tags[i], 60);
		strcat(h->tags[h->n], ",");
	}
	yg_buf b;
	yg_buf_init(&b, 4096);
	assert_int_equal(yg_yarascan_format(&b, m->rule, path), YG_OK);
	snprintf(h->line[h->n], sizeof(h->line[0]), "%s", b.data);
	yg_buf_free(&b);
	h->n++;
	return 0;
}

static yg_yarascan *scanner_for(const char *rules, yg_diag *d)
{
	yg_yarascan_config *cfg = yg_yarascan_config_create();
	assert_int_equal(yg_yarascan_config_add_rules(cfg, rules), YG_OK);
	yg_yarascan *ys = NULL;
	yg_err err = yg_yarascan_create(cfg, d, &ys);
	if (err)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
	yg_yarascan_config_destroy(cfg);
	return ys;
}

static void test_samples(void **state)
{
	(void)state;
	if (!have_samples())
		skip();
	yg_diag *d = yg_diag_create();
	yg_yarascan *ys = scanner_for(SAMPLES "/yara-test-rules.yar", d);
	assert_int_equal(yg_yarascan_nrules(ys), 2);

	hits h = {0};
	yg_yarascan_result r;
	assert_int_equal(yg_yarascan_file(ys, SAMPLES "/webshell.php.txt", on_match, &h, &r),
	                 YG_OK);
	assert_int_equal(r.matches, 1);
	assert_false(r.skipped);
	assert_string_equal(h.rule[0], "PHP_Webshell_Eval_Request");
	assert_string_equal(h.ns[0], "yara-test-rules");
	assert_string_equal(h.desc[0],
	                    "PHP file that evaluates request input (typical one-line web shell)");
	assert_string_equal(h.line[0],
	                    "wazuh-yara: INFO - Scan result: PHP_Webshell_Eval_Request " SAMPLES
	                    "/webshell.php.txt");

	memset(&h, 0, sizeof(h));
	assert_int_equal(yg_yarascan_file(ys, SAMPLES "/eicar.com.txt", on_match, &h, &r), YG_OK);
	assert_int_equal(r.matches, 1);
	assert_string_equal(h.rule[0], "EICAR_Test_File");
	assert_string_equal(h.line[0], "wazuh-yara: INFO - Scan result: EICAR_Test_File " SAMPLES
	                               "/eicar.com.txt");

	memset(&h, 0, sizeof(h));
	assert_int_equal(yg_yarascan_file(ys, SAMPLES "/clean.php.txt", on_match, &h, &r), YG_OK);
	assert_int_equal(r.matches, 0);
	assert_int_equal(h.n, 0);

	/* not scanned: a directory, a missing file */
	assert_int_equal(yg_yarascan_file(ys, SAMPLES, on_match, &h, &r), YG_OK);
	assert_true(r.skipped);
	assert_string_equal(r.reason, "not a regular file");
	assert_int_equal(yg_yarascan_file(ys, SAMPLES "/no-such-file", on_match, &h, &r), YG_EIO);
	/* an empty file scans to nothing */
	char p[512];
	snprintf(p, sizeof(p), "%s/empty", tmp);
	write_file(p, "");
	assert_int_equal(yg_yarascan_file(ys, p, on_match, &h, &r), YG_OK);
	assert_int_equal(r.matches, 0);
	yg_yarascan_destroy(ys);

	/* larger than max_file_size: skipped with a reason */
	yg_yarascan_config *cfg = yg_yarascan_config_create();
	yg_yarascan_config_add_rules(cfg, SAMPLES "/yara-test-rules.yar");
	yg_yarascan_config_set_max_file_size(cfg, 10);
	assert_int_equal(yg_yarascan_create(cfg, d, &ys), YG_OK);
	yg_yarascan_config_destroy(cfg);
	memset(&h, 0, sizeof(h));
	assert_int_equal(yg_yarascan_file(ys, SAMPLES "/webshell.php.txt", on_match, &h, &r),
	                 YG_OK);
	assert_true(r.skipped);
	assert_string_equal(r.reason, "larger than max_file_size");
	assert_int_equal(h.n, 0);
	yg_yarascan_destroy(ys);
	yg_diag_destroy(d);
}

static void test_bad_rules(void **state)
{
	(void)state;
	char p[512];
	snprintf(p, sizeof(p), "%s/bad.yar", tmp);
	write_file(p, "rule Good { condition: true }\n"
	              "rule Bad {\n"
	              "  strings: $a = \"xyz1\"\n"
	              "  condition: $a and and\n"
	              "}\n");
	yg_yarascan_config *cfg = yg_yarascan_config_create();
	yg_yarascan_config_add_rules(cfg, p);
	yg_diag *d = yg_diag_create();
	yg_yarascan *ys = NULL;
	assert_int_equal(yg_yarascan_create(cfg, d, &ys), YG_EPARSE);
	assert_null(ys);
	/* the same place the yara command reports: bad.yar(4): syntax error */
	assert_int_equal(yg_diag_errors(d), 1);
	const yg_diag_entry *e = yg_diag_get(d, 0);
	assert_int_equal(e->severity, YG_SEV_ERROR);
	assert_string_equal(e->file, p);
	assert_int_equal(e->line, 4);
	assert_string_equal(e->element, "Bad");
	assert_true(diag_has(d, "syntax error"));
	yg_yarascan_config_destroy(cfg);
	yg_diag_destroy(d);

	/* a missing rules file configured in ossec.conf: the config's file:line */
	cfg = yg_yarascan_config_create();
	d = yg_diag_create();
	const char *xml = "<ossec_config>\n<yara>\n<rules>/nonexistent/r.yar</rules>\n</yara>\n"
	                  "</ossec_config>\n";
	assert_int_equal(parse_block(cfg, xml, d), YG_OK);
	assert_int_equal(yg_yarascan_create(cfg, d, &ys), YG_EIO);
	e = yg_diag_get(d, 0);
	assert_string_equal(e->file, "ossec.conf");
	assert_int_equal(e->line, 3);
	yg_yarascan_config_destroy(cfg);
	/* no rules at all */
	cfg = yg_yarascan_config_create();
	assert_int_equal(yg_yarascan_create(cfg, d, &ys), YG_EINVAL);
	yg_yarascan_config_destroy(cfg);
	yg_diag_destroy(d);
}

static void test_rules_dir_and_reload(void **state)
{
	(void)state;
	char rd[512], p[600], target[600];
	snprintf(rd, sizeof(rd), "%s/rules", tmp);
	assert_int_equal(mkdir(rd, 0700), 0);
	snprintf(p, sizeof(p), "%s/a.yar", rd);
	write_file(p, "rule Marker : web shell { meta: description = \"marker\" "
	              "strings: $m = \"MARKER-1\" condition: $m }\n");
	snprintf(p, sizeof(p), "%s/b.yara", rd);
	write_file(p, "rule Other { strings: $m = \"OTHER\" condition: $m }\n");
	snprintf(p, sizeof(p), "%s/readme.txt", rd);
	write_file(p, "this is not a rule file {\n");
	snprintf(target, sizeof(target), "%s/target", tmp);
	write_file(target, "xx MARKER-1 OTHER yy");

	yg_diag *d = yg_diag_create();
	yg_yarascan *ys = scanner_for(rd, d);
	assert_int_equal(yg_yarascan_nrules(ys), 2);
	hits h = {0};
	yg_yarascan_result r;
	assert_int_equal(yg_yarascan_file(ys, target, on_match, &h, &r), YG_OK);
	assert_int_equal(r.matches, 2);
	assert_string_equal(h.rule[0], "Marker");
	assert_string_equal(h.ns[0], "a");
	assert_string_equal(h.tags[0], "web,shell,");
	assert_string_equal(h.desc[0], "marker");
	assert_string_equal(h.rule[1], "Other");
	assert_string_equal(h.ns[1], "b");
	assert_string_equal(h.desc[1], "");

	/* reload picks up the new content */
	snprintf(p, sizeof(p), "%s/a.yar", rd);
	write_file(p, "rule Marker2 { strings: $m = \"MARKER-1\" condition: $m }\n"
	              "rule Marker3 { condition: filesize > 5 }\n");
	assert_int_equal(yg_yarascan_reload(ys, d), YG_OK);
	assert_int_equal(yg_yarascan_nrules(ys), 3);
	memset(&h, 0, sizeof(h));
	assert_int_equal(yg_yarascan_file(ys, target, on_match, &h, &r), YG_OK);
	assert_int_equal(r.matches, 3);
	assert_string_equal(h.rule[0], "Marker2");
	/* a broken reload keeps the old rules */
	write_file(p, "rule Broken { condition: \n");
	assert_int_equal(yg_yarascan_reload(ys, d), YG_EPARSE);
	assert_int_equal(yg_yarascan_nrules(ys), 3);
	memset(&h, 0, sizeof(h));
	assert_int_equal(yg_yarascan_file(ys, target, on_match, &h, &r), YG_OK);
	assert_int_equal(r.matches, 3);
	/* the callback may stop the scan */
	yg_yarascan_destroy(ys);
	yg_diag_destroy(d);
}

static void test_format(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 4096);
	assert_int_equal(yg_yarascan_format(&b, "R", "/var/www/html/a\nwazuh-yara: INFO - x"),
	                 YG_OK);
	assert_string_equal(
	        b.data,
	        "wazuh-yara: INFO - Scan result: R /var/www/html/a\\x0awazuh-yara: INFO - x");
	yg_buf_free(&b);
	yg_buf_init(&b, 20); /* too small: nothing is left half-written */
	assert_int_equal(yg_buf_puts(&b, "keep"), YG_OK);
	assert_int_equal(yg_yarascan_format(&b, "R", "/p"), YG_ELIMIT);
	assert_string_equal(b.data, "keep");
	yg_buf_free(&b);
}

/* ---- one scan per finished file ---- */

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

typedef struct due {
	yg_yarascan *ys;
	size_t calls;
	size_t matches;
} due;

static void on_due(void *ctx, const char *path)
{
	due *dd = ctx;
	dd->calls++;
	if (dd->ys) {
		yg_yarascan_result r;
		assert_int_equal(yg_yarascan_file(dd->ys, path, NULL, NULL, &r), YG_OK);
		dd->matches += r.matches;
	}
}

static void notify_stat(yg_yarascan_settle *st, const char *path)
{
	struct stat s;
	assert_int_equal(stat(path, &s), 0);
	int64_t mt = (int64_t)s.st_mtim.tv_sec * 1000000000 + s.st_mtim.tv_nsec;
	assert_int_equal(yg_yarascan_settle_notify(st, path, (uint64_t)s.st_size, mt), YG_OK);
}

static void append_chunk(const char *path, const char *chunk)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, chunk, strlen(chunk)), (ssize_t)strlen(chunk));
	close(fd);
}

static void test_settle_chunked(void **state)
{
	(void)state;
	if (!have_samples())
		skip();
	yg_diag *d = yg_diag_create();
	due dd = {.ys = scanner_for(SAMPLES "/yara-test-rules.yar", d)};
	yg_yarascan_settle *st = yg_yarascan_settle_create(2000, 0, fake_clock, NULL);
	fake_now = 1000;
	char p[512];
	snprintf(p, sizeof(p), "%s/upload.php", tmp);
	/* a web shell written slowly, 6 chunks half a second apart */
	const char *chunks[] = {"<?php ", "@ev", "al(", "$_PO", "ST[\"cmd\"]); ", "?>\n"};
	for (size_t i = 0; i < 6; i++) {
		append_chunk(p, chunks[i]);
		notify_stat(st, p);
		assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 0);
		fake_now += 500;
	}
	assert_int_equal(yg_yarascan_settle_pending(st), 1);
	fake_now = 1000 + 5 * 500 + 1999;
	assert_int_equal(yg_yarascan_settle_next_ms(st), 1);
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 0);
	fake_now += 1;
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 1);
	assert_int_equal(dd.calls, 1);
	assert_int_equal(dd.matches, 1); /* scanned when complete, so it matched */
	assert_int_equal(yg_yarascan_settle_pending(st), 0);
	assert_int_equal(yg_yarascan_settle_next_ms(st), -1);
	/* the same content notified again: no second scan */
	notify_stat(st, p);
	fake_now += 5000;
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 0);

	/* written again without a notification after the first one: when the
	 * period ends the stat shows the change and the period restarts */
	append_chunk(p, "// more\n");
	notify_stat(st, p);
	append_chunk(p, "// and more\n");
	fake_now += 2000;
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 0);
	fake_now += 2000;
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 1);
	assert_int_equal(dd.calls, 2);

	/* whole-second mtimes, as Wazuh's FIM reports them, are accepted */
	struct stat s;
	append_chunk(p, "x");
	assert_int_equal(stat(p, &s), 0);
	assert_int_equal(yg_yarascan_settle_notify(st, p, (uint64_t)s.st_size,
	                                           (int64_t)s.st_mtim.tv_sec * 1000000000),
	                 YG_OK);
	fake_now += 2000;
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 1);

	/* a file removed before it settled is forgotten */
	char q[512];
	snprintf(q, sizeof(q), "%s/gone", tmp);
	append_chunk(q, "data");
	notify_stat(st, q);
	unlink(q);
	fake_now += 2000;
	assert_int_equal(yg_yarascan_settle_poll(st, on_due, &dd), 0);
	assert_int_equal(yg_yarascan_settle_pending(st), 0);
	assert_int_equal(yg_yarascan_settle_notify(st, "relative", 1, 1), YG_EINVAL);

	yg_yarascan_settle_destroy(st);
	yg_yarascan_destroy(dd.ys);
	yg_diag_destroy(d);
}

static void test_settle_bound(void **state)
{
	(void)state;
	yg_yarascan_settle *st = yg_yarascan_settle_create(100, 2, fake_clock, NULL);
	fake_now = 0;
	assert_int_equal(yg_yarascan_settle_notify(st, "/a", 1, 1), YG_OK);
	assert_int_equal(yg_yarascan_settle_notify(st, "/b", 1, 1), YG_OK);
	assert_int_equal(yg_yarascan_settle_notify(st, "/a", 2, 2), YG_OK); /* known path */
	assert_int_equal(yg_yarascan_settle_notify(st, "/c", 1, 1), YG_ELIMIT);
	assert_int_equal(yg_yarascan_settle_pending(st), 2);
	yg_yarascan_settle_destroy(st);
}

/* ---- the alert, through the engine with the article's rules ---- */

static void test_engine_alert(void **state)
{
	(void)state;
	if (!have_samples() || access(SCEN "/seed/local_rules.xml", R_OK) != 0)
		skip();
	yg_diag *d = yg_diag_create();
	yg_ruleset_config *rc = yg_ruleset_config_create(YG_SOURCE_ROOT "/ruleset");
	yg_ruleset_config_add(rc, YG_RS_DECODER_DIR, "decoders", NULL);
	yg_ruleset_config_add(rc, YG_RS_RULE_DIR, "rules", NULL);
	yg_ruleset_config_add(rc, YG_RS_RULE_INCLUDE, SCEN "/seed/local_rules.xml", NULL);
	yg_ruleset_config_add(rc, YG_RS_DECODER_INCLUDE, SCEN "/seed/local_decoder.xml", NULL);
	yg_ruleset *rs = NULL;
	yg_err err = yg_ruleset_load(rc, d, &rs);
	if (err)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
	yg_ruleset_config_destroy(rc);

	/* the line comes from a real scan */
	yg_yarascan *ys = scanner_for(SAMPLES "/yara-test-rules.yar", d);
	hits h = {0};
	assert_int_equal(yg_yarascan_file(ys, SAMPLES "/webshell.php.txt", on_match, &h, NULL),
	                 YG_OK);
	assert_int_equal(h.n, 1);
	yg_yarascan_destroy(ys);

	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_input in = {.log = h.line[0],
	               .location = "/var/ossec/logs/active-responses.log",
	               .manager_name = "m"};
	yg_verdict v;
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	assert_int_equal(v.rule_id, 108001);
	assert_int_equal(v.level, 12);
	assert_true(v.alert);
	assert_string_equal(v.decoder_name, "yara_decoder");

	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	yg_session_alert_json(s, &b);
	json_object *a = json_tokener_parse(b.data);
	assert_non_null(a);
	json_object *rule, *data, *x;
	assert_true(json_object_object_get_ex(a, "rule", &rule));
	assert_true(json_object_object_get_ex(rule, "description", &x));
	assert_string_equal(json_object_get_string(x),
	                    "File \"" SAMPLES "/webshell.php.txt\" is a positive match. "
	                    "Yara rule: PHP_Webshell_Eval_Request");
	assert_true(json_object_object_get_ex(a, "data", &data));
	assert_true(json_object_object_get_ex(data, "yara_rule", &x));
	assert_string_equal(json_object_get_string(x), "PHP_Webshell_Eval_Request");
	assert_true(json_object_object_get_ex(data, "yara_scanned_file", &x));
	assert_string_equal(json_object_get_string(x), SAMPLES "/webshell.php.txt");
	json_object_put(a);
	yg_buf_free(&b);
	yg_session_destroy(s);
	yg_ruleset_destroy(rs);
	yg_diag_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config),
	        cmocka_unit_test_setup_teardown(test_samples, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_rules, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rules_dir_and_reload, setup, teardown),
	        cmocka_unit_test(test_format),
	        cmocka_unit_test_setup_teardown(test_settle_chunked, setup, teardown),
	        cmocka_unit_test(test_settle_bound),
	        cmocka_unit_test(test_engine_alert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
