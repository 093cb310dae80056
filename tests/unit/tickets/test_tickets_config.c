/* test_tickets_config.c: the <tickets> block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tickets/tickets.h"

/* Parses text, reads every <tickets> under <ossec_config> into a new
 * configuration; *rc gets the last non-OK result. */
static yg_tickets_config *load(const char *text, yg_diag *d, yg_err *rc)
{
	yg_wxml_doc *doc = NULL;
	*rc = YG_OK;
	assert_int_equal(
	        yg_wxml_parse_buffer_ex(text, strlen(text), "ossec.conf", YG_WXML_NO_VARS, d, &doc),
	        YG_OK);
	yg_tickets_config *cfg = yg_tickets_config_create();
	assert_non_null(cfg);
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *r = yg_wxml_doc_root(doc, i);
		for (size_t j = 0; j < r->nchildren; j++)
			if (!strcmp(r->children[j]->name, "tickets")) {
				yg_err e = yg_tickets_config_add_tickets(cfg, r->children[j],
				                                         "ossec.conf", d);
				if (e)
					*rc = e;
			}
	}
	yg_wxml_doc_destroy(doc);
	return cfg;
}

/* Whether diag holds an error at `line` mentioning `what`. */
static bool has_error(const yg_diag *d, int line, const char *what)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		if (e->severity == YG_SEV_ERROR && e->line == line && e->file &&
		    !strcmp(e->file, "ossec.conf") &&
		    ((e->element && strstr(e->element, what)) || strstr(e->message, what)))
			return true;
	}
	return false;
}

static void test_defaults(void **state)
{
	(void)state;
	yg_tickets_config *cfg = yg_tickets_config_create();
	assert_true(yg_tickets_config_enabled(cfg));
	assert_int_equal(yg_tickets_config_fold_window(cfg), 86400);
	assert_false(yg_tickets_config_close_lifts_bans(cfg));
	assert_int_equal(yg_tickets_config_nroutes(cfg), 0);
	assert_int_equal(yg_tickets_config_nforwarders(cfg), 0);
	yg_tickets_config_destroy(cfg);
}

static void test_full_block(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_err rc;
	yg_tickets_config *cfg = load(
	        "<ossec_config>\n"
	        "  <tickets>\n"
	        "    <route><level>7</level><group>malware,ids,attack,attacks,</group></route>\n"
	        "    <route><rule_id>100200, 100201</rule_id><agent_id>001</agent_id></route>\n"
	        "    <fold_window>2h</fold_window>\n"
	        "    <close_lifts_bans>yes</close_lifts_bans>\n"
	        "    <forward type=\"catalyst\" url=\"http://127.0.0.1:8090/\" token=\"abc\"/>\n"
	        "    <forward type=\"thehive\" url=\"https://hive:9000\" token=\"k.e-y\"/>\n"
	        "  </tickets>\n"
	        "</ossec_config>\n",
	        d, &rc);
	assert_int_equal(rc, YG_OK);
	assert_int_equal(yg_diag_errors(d), 0);
	assert_int_equal(yg_tickets_config_nroutes(cfg), 2);
	assert_int_equal(yg_tickets_config_fold_window(cfg), 7200);
	assert_true(yg_tickets_config_close_lifts_bans(cfg));
	assert_int_equal(yg_tickets_config_nforwarders(cfg), 2);
	yg_tickets_config_destroy(cfg);
	yg_diag_destroy(d);
}

static void test_errors_with_lines(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_err rc;
	yg_tickets_config *cfg =
	        load("<ossec_config>\n"
	             "<tickets>\n"
	             "<route><level>17</level></route>\n"                            /* 3 */
	             "<route><rule_id>12a</rule_id></route>\n"                       /* 4 */
	             "<route><group>,,</group></route>\n"                            /* 5 */
	             "<route><colour>red</colour></route>\n"                         /* 6 */
	             "<fold_window>-5</fold_window>\n"                               /* 7 */
	             "<close_lifts_bans>maybe</close_lifts_bans>\n"                  /* 8 */
	             "<forward type=\"jira\" url=\"http://x\" token=\"t\"/>\n"       /* 9 */
	             "<forward type=\"catalyst\" url=\"ftp://x\" token=\"t\"/>\n"    /* 10 */
	             "<forward type=\"catalyst\" url=\"http://x\" token=\"a b\"/>\n" /* 11 */
	             "<bogus/>\n"                                                    /* 12 */
	             "<route><level>3</level></route>\n"                             /* 13 */
	             "</tickets>\n"
	             "</ossec_config>\n",
	             d, &rc);
	assert_int_equal(rc, YG_EPARSE);
	assert_true(has_error(d, 3, "level"));
	assert_true(has_error(d, 4, "rule_id"));
	assert_true(has_error(d, 5, "group"));
	assert_true(has_error(d, 6, "colour"));
	assert_true(has_error(d, 7, "fold_window"));
	assert_true(has_error(d, 8, "close_lifts_bans"));
	assert_true(has_error(d, 9, "forward"));
	assert_true(has_error(d, 10, "forward"));
	assert_true(has_error(d, 11, "forward"));
	assert_true(has_error(d, 12, "bogus"));
	/* bad routes are dropped whole, the good one is kept */
	assert_int_equal(yg_tickets_config_nroutes(cfg), 1);
	assert_int_equal(yg_tickets_config_nforwarders(cfg), 0);
	assert_int_equal(yg_tickets_config_fold_window(cfg), 86400);
	yg_tickets_config_destroy(cfg);
	yg_diag_destroy(d);
}

static void test_disabled_and_units(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_err rc;
	yg_tickets_config *cfg = load("<ossec_config><tickets><enabled>no</enabled>"
	                              "<fold_window> 30m </fold_window></tickets></ossec_config>",
	                              d, &rc);
	assert_int_equal(rc, YG_OK);
	assert_false(yg_tickets_config_enabled(cfg));
	assert_int_equal(yg_tickets_config_fold_window(cfg), 1800);
	yg_tickets_config_destroy(cfg);
	cfg = load("<ossec_config><tickets><fold_window>99999999999d</fold_window>"
	           "</tickets></ossec_config>",
	           d, &rc);
	assert_int_equal(rc, YG_EPARSE);
	assert_int_equal(yg_tickets_config_fold_window(cfg), 86400);
	yg_tickets_config_destroy(cfg);
	yg_diag_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_full_block),
	        cmocka_unit_test(test_errors_with_lines),
	        cmocka_unit_test(test_disabled_and_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
