/* test_options.c: the option tables (src/common/yopt.h), and every
 * configuration block declared with one.
 *
 * The sweep feeds each option of each registered block values that must be
 * refused, as a user would write them in ossec.conf, and checks that each
 * gives an error naming the file, the line and the option. A block that
 * moves to an option table is added to `blocks` below; its CUSTOM options
 * get their bad values in `custom_bad`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/agent_config_int.h"
#include "api/api.h"
#include "ar/ar_config.h"
#include "common/yopt.h"
#include "engine/wxml.h"
#include "fim/fim.h"
#include "integrations/config.h"
#include "integrations/email.h"
#include "integrations/syslog_out.h"
#include "logcollector/lc.h"
#include "manager/manager_config_int.h"
#include "tickets/tickets.h"
#include "waf/waf.h"
#include "yarascan/yarascan.h"

static const yg_opt_block *const blocks[] = {
        &yg_yarascan_block, &yg_syslog_block, &yg_email_alerts_block, &yg_api_limits_block,
        &yg_remote_block,   &yg_auth_block,   &yg_alerts_block,       &yg_global_block,
};

/* Bad values of CUSTOM options: "block/option" -> values; an option listed
 * without values refuses nothing (it warns at most). */
static const struct {
	const char *key;
	const char *bad[6];
} custom_bad[] = {
        {"yara/rules", {"relative/rules.yar", "", NULL}},
        {"yara/directories", {"/var/www,relative", ",", "", NULL}},
        {"syslog_output/server", {"", "a b", "host;rm", "x/y", NULL}},
        {"syslog_output/group", {"", NULL}},
        {"syslog_output/location", {"", NULL}},
        {"syslog_output/rule_id", {"", "x", "1,a", "100000000", NULL}},
        {"email_alerts/email_to", {"", "nobody", "a b@c.d", "a@b.c,d@e.f", NULL}},
        {"email_alerts/group", {"", NULL}},
        {"email_alerts/event_location", {"", NULL}},
        {"email_alerts/rule_id", {"", "x", "1,a", NULL}},
        {"email_alerts/do_not_delay", {"yes", NULL}},
        {"email_alerts/do_not_group", {"no", NULL}},
        {"email_alerts/format", {"html", "", NULL}},
        {"remote/connection", {"insecure", "", NULL}},
        {"remote/protocol", {"udp", "tcp,udp", "", NULL}},
        {"remote/local_ip", {"", "host.example", "10.0.0.1/8", NULL}},
        {"auth/force", {"maybe", "<enabled>1</enabled>", NULL}},
        {"alerts/email_alert_level", {"17", "x", "", NULL}},
        {"integration/rule_id", {"", "x", "1,a", "100000000", NULL}},
        {"integration/event_location", {"", NULL}},
        {"integration/options", {"", "[1]", "{", "\"x\"", NULL}},
        {"client/server", {"<port>1514</port>", "<address>a b</address>", "", NULL}},
        {"server/address", {"a b", "", "host;rm", NULL}},
        {"server/protocol", {NULL}},
        {"client_buffer/events_per_second", {"0", "1001", "x", "", NULL}},
        {"client_buffer/disable", {"maybe", NULL}},
        {"client_buffer/length", {"0", "100001", NULL}},
        {"labels/label", {"x", "", NULL}},
        {"api/listen", {"", "localhost", "1.2.3", NULL}},
        {"api/tls", {"<cert>/a.pem</cert>", "<cert>rel.pem</cert>", "<x>1</x>", NULL}},
        {"command/name", {"", "!x", NULL}},
        {"command/extra_args", {NULL}},
        {"active-response/rules_group", {"", "(", NULL}},
        /* read after the block's other options: test_ar_config */
        {"active-response/repeated_offenders", {NULL}},
        /* paths and patterns: what is wrong in them is warned and skipped,
         * as in Wazuh (attributes: directory_attributes below) */
        {"syscheck/directories", {NULL}},
        {"syscheck/ignore", {NULL}},
        {"syscheck/nodiff", {NULL}},
        {"syscheck/file_limit",
         {"<enabled>maybe</enabled>", "<entries>x</entries>", "<x>1</x>", NULL}},
        {"diff/nodiff", {NULL}},
        {"diff/disk_quota", {"<limit>10B</limit>", "<enabled>1</enabled>", "<x/>", NULL}},
        {"diff/file_size", {"<limit>1T</limit>", "<enabled>on</enabled>", "<x/>", NULL}},
        {"disk_quota/limit", {"10B", "x", "", "1KBB", NULL}},
        {"file_size/limit", {"10B", "x", "", NULL}},
        {"localfile/log_format", {"", "nosuch", "eventlog", "multi-line:0", NULL}},
        {"localfile/frequency", {"x", "-1", "weekly", "", NULL}},
        {"localfile/ignore", {"(", NULL}},
        {"localfile/restrict", {"(", NULL}},
        {"localfile/multiline_regex", {"(", NULL}},
        {"localfile/label", {"v", NULL}},
        {"localfile/filter", {"x", NULL}},
        {"tickets/route", {"<group>a,,b</group>", "<rule_id>x</rule_id>", "<x>1</x>", NULL}},
        {"tickets/forward", {"", NULL}},
        {"waf/reload_command", {"<x>1</x>", NULL}},
        {"waf/verify_command", {"<x>1</x>", NULL}},
        {"waf/allow", {"", "10.0.0.0/99", "host", NULL}},
        {"waf/repeated_offenders", {"", "0", "1,", "1,2,3,4,5,6", "x", NULL}},
        {"waf/nftables", {"maybe", "", NULL}},
        {"global/white_list", {"", "10.0.0.1/99", NULL}},
        {"global/email_notification", {"maybe", "", NULL}},
        {"global/smtp_server", {"", "a b", NULL}},
        {"global/email_from", {"nobody", "", NULL}},
        {"global/email_reply_to", {"nobody", NULL}},
        {"global/email_to", {"nobody", "", NULL}},
        {"global/email_maxperhour", {"0", "10000", "x", NULL}},
        {"global/email_log_source", {"alerts.txt", "", NULL}},
        {"global/email_idsname",
         {"0123456789012345678901234567890123456789012345678901234567890123456789", NULL}},
};

/* Bad values by type; each must be refused whatever the range. */
static void type_bad_values(const yg_opt *o, const char **out, size_t *n)
{
	static char above[64];
	*n = 0;
	switch (o->type) {
	case YG_OPT_BOOL:
		out[(*n)++] = "maybe";
		out[(*n)++] = "YES";
		out[(*n)++] = "";
		break;
	case YG_OPT_UINT:
	case YG_OPT_SIZE:
	case YG_OPT_SECONDS:
	case YG_OPT_MILLIS:
		out[(*n)++] = "-1";
		out[(*n)++] = "ten";
		out[(*n)++] = "99999999999999999999999";
		out[(*n)++] = "1x";
		if (o->max < UINT64_MAX) {
			snprintf(above, sizeof above, "%llu", (unsigned long long)o->max + 1);
			out[(*n)++] = above;
		}
		break;
	case YG_OPT_PATH: out[(*n)++] = "relative/path"; break;
	case YG_OPT_STRING:
		if (!(o->flags & YG_OPT_EMPTY_OK))
			out[(*n)++] = "";
		break;
	case YG_OPT_ENUM: out[(*n)++] = "no-such-choice"; break;
	case YG_OPT_CUSTOM: break;
	}
}

static void custom_bad_values(const yg_opt_block *b, const yg_opt *o, const char **out, size_t *n)
{
	char key[128];
	snprintf(key, sizeof key, "%s/%s", b->name, o->name);
	*n = 0;
	bool listed = false;
	for (size_t i = 0; i < sizeof custom_bad / sizeof custom_bad[0]; i++)
		if (strcmp(custom_bad[i].key, key) == 0) {
			listed = true;
			for (size_t j = 0; custom_bad[i].bad[j]; j++)
				out[(*n)++] = custom_bad[i].bad[j];
		}
	if (!listed)
		fail_msg("no bad values for the custom option %s: add them to custom_bad", key);
}

/* Reads "<block>\n  <opt>value</opt>\n</block>" from file "t.conf" and checks
 * for exactly one error, at line 2, naming the option. */
static void expect_refused(const yg_opt_block *b, const yg_opt *o, const char *value)
{
	char xml[1024];
	int len = snprintf(xml, sizeof xml, "<%s>\n  <%s>%s</%s>\n</%s>\n", b->name, o->name, value,
	                   o->name, b->name);
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	assert_int_equal(yg_wxml_parse_buffer(xml, (size_t)len, "t.conf", diag, &doc), YG_OK);
	void *obj = b->create();
	assert_non_null(obj);
	yg_err err = yg_opt_read(b, obj, yg_wxml_doc_root(doc, 0), "t.conf", diag);
	const yg_diag_entry *e = yg_diag_get(diag, 0);
	if (err != YG_EPARSE || yg_diag_errors(diag) != 1 || !e || e->line != 2 ||
	    strcmp(e->file, "t.conf") != 0 ||
	    (o->type != YG_OPT_CUSTOM && strcmp(e->element, o->name) != 0))
		fail_msg("<%s><%s>%s</%s>: expected one error at t.conf:2 naming <%s>, got "
		         "err %d, %zu errors, first: %s:%d <%s> %s",
		         b->name, o->name, value, o->name, o->name, err, yg_diag_errors(diag),
		         e && e->file ? e->file : "-", e ? e->line : 0,
		         e && e->element ? e->element : "-", e ? e->message : "-");
	b->destroy(obj);
	yg_wxml_doc_destroy(doc);
	yg_diag_destroy(diag);
}

static void every_option_refuses_bad_values(void **state)
{
	(void)state;
	size_t checked = 0;
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		const yg_opt_block *b = blocks[i];
		for (const yg_opt *o = b->opts; o->name; o++) {
			if (o->flags & (YG_OPT_IGNORED | YG_OPT_OTHER))
				continue;
			const char *bad[8];
			size_t n;
			if (o->type == YG_OPT_CUSTOM)
				custom_bad_values(b, o, bad, &n);
			else
				type_bad_values(o, bad, &n);
			for (size_t k = 0; k < n; k++, checked++)
				expect_refused(b, o, bad[k]);
		}
	}
	assert_true(checked > 0);
}

/* Every default in every table parses (the block's create fails
 * otherwise), and an unknown option is an error at its line. */
static void defaults_parse_and_unknown_is_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		const yg_opt_block *b = blocks[i];
		void *obj = b->create(); /* the defaults parse, or create fails */
		assert_non_null(obj);
		char xml[256];
		int len = snprintf(xml, sizeof xml,
		                   "<%s>\n\n  <no_such_option>1</no_such_option>\n</%s>", b->name,
		                   b->name);
		yg_diag *diag = yg_diag_create();
		yg_wxml_doc *doc = NULL;
		assert_int_equal(yg_wxml_parse_buffer(xml, (size_t)len, "u.conf", diag, &doc),
		                 YG_OK);
		yg_err err = yg_opt_read(b, obj, yg_wxml_doc_root(doc, 0), "u.conf", diag);
		assert_int_equal(err, b->unknown_is_warning ? YG_OK : YG_EPARSE);
		const yg_diag_entry *e = yg_diag_get(diag, 0);
		assert_non_null(e);
		assert_int_equal(e->line, 3);
		assert_string_equal(e->element, "no_such_option");
		b->destroy(obj);
		yg_wxml_doc_destroy(doc);
		yg_diag_destroy(diag);
	}
}

/* <directories>' attributes are a table too; as in Wazuh, a bad value
 * skips the element with a warning naming the attribute (file:line). */
static void directory_attributes(void **state)
{
	(void)state;
	size_t checked = 0;
	for (const yg_opt *o = yg_fim_dir_attrs_block.opts; o->name; o++) {
		if (o->flags & (YG_OPT_OTHER | YG_OPT_IGNORED) || o->type == YG_OPT_STRING)
			continue; /* restrict, tags: any text */
		const char *bad = !strcmp(o->name, "recursion_level")   ? "x"
		                  : !strcmp(o->name, "diff_size_limit") ? "10B"
		                                                        : "maybe";
		char xml[256];
		int len = snprintf(xml, sizeof xml,
		                   "<syscheck>\n  <directories %s=\"%s\">/tmp</directories>\n"
		                   "</syscheck>\n",
		                   o->name, bad);
		yg_diag *diag = yg_diag_create();
		yg_wxml_doc *doc = NULL;
		assert_int_equal(yg_wxml_parse_buffer(xml, (size_t)len, "d.conf", diag, &doc),
		                 YG_OK);
		yg_fim_config *cfg = yg_fim_config_create();
		assert_int_equal(yg_fim_config_read(cfg, yg_wxml_doc_root(doc, 0), "d.conf", diag),
		                 YG_OK);
		const yg_diag_entry *e = yg_diag_get(diag, 0);
		if (yg_diag_count(diag) != 1 || e->line != 2 || strcmp(e->file, "d.conf") ||
		    !strstr(e->message, o->name) || !strstr(e->message, "skipping") ||
		    yg_fim_config_ndirs(cfg) != 0)
			fail_msg("%s=\"%s\": expected one warning at d.conf:2, got %zu: %s",
			         o->name, bad, yg_diag_count(diag), e ? e->message : "-");
		checked++;
		yg_fim_config_destroy(cfg);
		yg_wxml_doc_destroy(doc);
		yg_diag_destroy(diag);
	}
	assert_true(checked >= 15);
}

/* The value parsers behind the types. */
static void value_parsers(void **state)
{
	(void)state;
	uint64_t v;
	bool b;
	assert_true(yg_opt_parse_bool("yes", &b) && b);
	assert_true(yg_opt_parse_bool("no", &b) && !b);
	assert_false(yg_opt_parse_bool("true", &b));
	assert_true(yg_opt_parse_uint("42", 0, 100, &v) && v == 42);
	assert_false(yg_opt_parse_uint("101", 0, 100, &v));
	assert_false(yg_opt_parse_uint("4 2", 0, 100, &v));
	assert_false(yg_opt_parse_uint("18446744073709551616", 0, UINT64_MAX, &v));
	assert_true(yg_opt_parse_size("32M", 1, UINT64_MAX, &v) && v == 32ull << 20);
	assert_true(yg_opt_parse_size("2kb", 1, UINT64_MAX, &v) && v == 2048);
	assert_true(yg_opt_parse_size("1G", 1, UINT64_MAX, &v) && v == 1ull << 30);
	assert_false(yg_opt_parse_size("1T", 1, UINT64_MAX, &v));
	assert_false(yg_opt_parse_size("17179869184G", 1, UINT64_MAX, &v));
	assert_true(yg_opt_parse_seconds("90", 0, 1000000, &v) && v == 90);
	assert_true(yg_opt_parse_seconds("10m", 0, 1000000, &v) && v == 600);
	assert_true(yg_opt_parse_seconds("2h", 0, 1000000, &v) && v == 7200);
	assert_true(yg_opt_parse_seconds("1d", 0, 1000000, &v) && v == 86400);
	assert_true(yg_opt_parse_seconds("1w", 0, 1000000, &v) && v == 604800);
	assert_false(yg_opt_parse_seconds("1y", 0, 1000000, &v));
	assert_false(yg_opt_parse_seconds("2w", 0, 1000000, &v));
	assert_true(yg_opt_parse_millis("90", 0, 1000000, &v) && v == 90000);
	assert_true(yg_opt_parse_millis("250ms", 0, 1000000, &v) && v == 250);
	assert_true(yg_opt_parse_millis("2m", 0, 1000000, &v) && v == 120000);
	assert_true(yg_opt_parse_millis("1d", 0, 86400000, &v) && v == 86400000);
	assert_false(yg_opt_parse_millis("1d", 0, 86399999, &v));
	assert_false(yg_opt_parse_millis("5mss", 0, 1000000, &v));
	assert_false(yg_opt_parse_millis("5 s", 0, 1000000, &v));
}

/* Reading, printing and reading back gives the same effective values. */
static void print_reads_back(void **state)
{
	(void)state;
	const char *xml =
	        "<yara>\n  <settle_ms>500</settle_ms>\n  <max_file_size>1M</max_file_size>\n"
	        "  <rules>/etc/r.yar</rules>\n  <directories>/a, /b</directories>\n"
	        "</yara>\n";
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	assert_int_equal(yg_wxml_parse_buffer(xml, strlen(xml), "p.conf", diag, &doc), YG_OK);
	yg_yarascan_config *cfg = yg_yarascan_config_create();
	assert_int_equal(yg_yarascan_config_add_yara(cfg, yg_wxml_doc_root(doc, 0), "p.conf", diag),
	                 YG_OK);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	yg_yarascan_config_print(cfg, f);
	fclose(f);
	assert_non_null(strstr(out, "<settle_ms>500</settle_ms>"));
	assert_non_null(strstr(out, "<max_file_size>1048576</max_file_size>"));
	assert_non_null(strstr(out, "<timeout>60</timeout>"));
	assert_non_null(strstr(out, "<disabled>no</disabled>"));
	assert_non_null(strstr(out, "<rules>/etc/r.yar</rules>"));
	assert_non_null(strstr(out, "<directories>/b</directories>"));

	yg_wxml_doc *doc2 = NULL;
	assert_int_equal(yg_wxml_parse_buffer(out, len, "printed", diag, &doc2), YG_OK);
	yg_yarascan_config *cfg2 = yg_yarascan_config_create();
	assert_int_equal(
	        yg_yarascan_config_add_yara(cfg2, yg_wxml_doc_root(doc2, 0), "printed", diag),
	        YG_OK);
	assert_int_equal(yg_yarascan_config_settle_ms(cfg2), 500);
	assert_int_equal(yg_yarascan_config_max_file_size(cfg2), 1048576);
	assert_int_equal(yg_yarascan_config_ndirs(cfg2), 2);
	assert_int_equal(yg_diag_count(diag), 0);
	free(out);
	yg_yarascan_config_destroy(cfg);
	yg_yarascan_config_destroy(cfg2);
	yg_wxml_doc_destroy(doc);
	yg_wxml_doc_destroy(doc2);
	yg_diag_destroy(diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(value_parsers),
	        cmocka_unit_test(every_option_refuses_bad_values),
	        cmocka_unit_test(defaults_parse_and_unknown_is_refused),
	        cmocka_unit_test(print_reads_back),
	        cmocka_unit_test(directory_attributes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
