/* test_ar_config.c: <command>, <active-response>, <white_list>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "ar_test_util.h"

static void seed_config(void **state)
{
	(void)state;
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(ar_test_load_file(cfg, SCEN "/seed/ossec.conf", d), YG_OK);
	yg_diag_print(d, stdout);
	assert_int_equal(yg_diag_errors(d), 0);

	assert_int_equal(yg_ar_config_ncommands(cfg), 2);
	yg_ar_command_info c;
	assert_true(yg_ar_config_find_command(cfg, "yara_linux", &c));
	assert_string_equal(c.executable, "yara.sh");
	assert_string_equal(c.extra_args,
	                    "-yara_path /usr/local/bin -yara_rules /tmp/yara/rules/yara_rules.yar");
	assert_false(c.timeout_allowed);
	assert_true(yg_ar_config_find_command(cfg, "ip_block", &c));
	assert_string_equal(c.extra_args, "");

	assert_int_equal(yg_ar_config_nresponses(cfg), 2);
	yg_ar_response_info r;
	yg_ar_config_response(cfg, 0, &r);
	assert_string_equal(r.name, "yara_linux0");
	assert_int_equal(r.location, YG_AR_LOC_LOCAL);
	assert_string_equal(r.rules_id, "100200,100201");
	assert_null(r.agent_id);
	yg_ar_config_response(cfg, 1, &r);
	assert_string_equal(r.name, "ip_block0");
	assert_int_equal(r.location, YG_AR_LOC_DEFINED);
	assert_string_equal(r.agent_id, "001");
	assert_int_equal(r.timeout, 0);
	assert_non_null(strstr(r.file, "ossec.conf"));
	assert_true(r.line > 0);

	yg_diag_destroy(d);
	yg_ar_config_destroy(cfg);
}

/* Each bad option is reported with test.conf:line and the element. */
static void errors_name_file_line(void **state)
{
	(void)state;
	const char *text = "<ossec_config>\n"                                              /* 1 */
	                   "  <command>\n"                                                 /* 2 */
	                   "    <name>a</name>\n"                                          /* 3 */
	                   "    <executable>a.sh</executable>\n"                           /* 4 */
	                   "    <bogus>x</bogus>\n"                                        /* 5 */
	                   "  </command>\n"                                                /* 6 */
	                   "  <command>\n"                                                 /* 7 */
	                   "    <name>b</name>\n"                                          /* 8 */
	                   "  </command>\n"                                                /* 9 */
	                   "  <command>\n"                                                 /* 10 */
	                   "    <name>!c</name><executable>c</executable>\n"               /* 11 */
	                   "  </command>\n"                                                /* 12 */
	                   "  <command>\n"                                                 /* 13 */
	                   "    <name>d</name><executable>d</executable>\n"                /* 14 */
	                   "    <timeout_allowed>maybe</timeout_allowed>\n"                /* 15 */
	                   "  </command>\n"                                                /* 16 */
	                   "  <command><name>ok</name><executable>ok.sh</executable>\n"    /* 17 */
	                   "    <expect>srcip</expect></command>\n"                        /* 18 */
	                   "  <active-response>\n"                                         /* 19 */
	                   "    <command>ok</command><location>local</location>\n"         /* 20 */
	                   "    <level>25</level>\n"                                       /* 21 */
	                   "  </active-response>\n"                                        /* 22 */
	                   "  <active-response>\n"                                         /* 23 */
	                   "    <command>ok</command><location>nowhere</location>\n"       /* 24 */
	                   "  </active-response>\n"                                        /* 25 */
	                   "  <active-response>\n"                                         /* 26 */
	                   "    <command>ok</command><location>defined-agent</location>\n" /* 27 */
	                   "  </active-response>\n"                                        /* 28 */
	                   "  <active-response>\n"                                         /* 29 */
	                   "    <command>missing</command><location>all</location>\n"      /* 30 */
	                   "  </active-response>\n"                                        /* 31 */
	                   "  <active-response>\n"                                         /* 32 */
	                   "    <command>ok</command><location>local</location>\n"         /* 33 */
	                   "    <disabled>perhaps</disabled>\n"                            /* 34 */
	                   "  </active-response>\n"                                        /* 35 */
	                   "  <active-response>\n"                                         /* 36 */
	                   "    <location>local</location>\n"                              /* 37 */
	                   "  </active-response>\n"                                        /* 38 */
	                   "  <active-response>\n"                                         /* 39 */
	                   "    <command>ok</command><location>local</location>\n"         /* 40 */
	                   "    <timeout>10m</timeout><unknown/>\n"                        /* 41 */
	                   "  </active-response>\n"                                        /* 42 */
	                   "  <active-response>\n"                                         /* 43 */
	                   "    <repeated_offenders>1,x</repeated_offenders>\n"            /* 44 */
	                   "  </active-response>\n"                                        /* 45 */
	                   "  <active-response>\n"                                         /* 46 */
	                   "    <command>ok</command><location>server</location>\n"        /* 47 */
	                   "    <timeout>600</timeout>\n"                                  /* 48 */
	                   "  </active-response>\n"                                        /* 49 */
	                   "</ossec_config>\n";
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_not_equal(ar_test_load_text(cfg, text, d), YG_OK);
	yg_diag_print(d, stdout);
	assert_true(ar_test_has(d, YG_SEV_ERROR, 5, "bogus", "unknown option"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 7, "command", "required"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 11, "name", "'!'"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 15, "timeout_allowed", "maybe"));
	assert_true(ar_test_has(d, YG_SEV_WARNING, 18, "expect", "deprecated"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 21, "level", "25"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 23, "location", "nowhere"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 26, "agent_id", "defined-agent"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 29, "command", "missing"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 34, "disabled", "perhaps"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 36, "active-response", "required"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 41, "timeout", "10m"));
	assert_true(ar_test_has(d, YG_SEV_ERROR, 44, "repeated_offenders", "'x'"));
	/* timeout on a command that does not allow one: ignored, warned. */
	assert_true(ar_test_has(d, YG_SEV_WARNING, 46, "timeout", "timeout_allowed"));

	/* Only the valid ones remain: commands ok (and none of the bad),
	 * the last response with timeout 0. */
	assert_int_equal(yg_ar_config_ncommands(cfg), 1);
	assert_int_equal(yg_ar_config_nresponses(cfg), 1);
	yg_ar_response_info r;
	yg_ar_config_response(cfg, 0, &r);
	assert_string_equal(r.name, "ok0");
	assert_int_equal(r.location, YG_AR_LOC_SERVER);
	assert_int_equal(r.timeout, 0);
	yg_diag_destroy(d);
	yg_ar_config_destroy(cfg);
}

static void locations_and_special_blocks(void **state)
{
	(void)state;
	const char *text =
	        "<ossec_config>\n"
	        "<command><name>fw</name><executable>firewall-drop</executable>"
	        "<timeout_allowed>yes</timeout_allowed></command>\n"
	        "<active-response><command>fw</command><location>Local</location>"
	        "<timeout>600</timeout><rules_group>sshd,</rules_group></active-response>\n"
	        "<active-response><command>fw</command><location>all</location>"
	        "<level>10</level></active-response>\n"
	        "<active-response><command>fw</command><location>analysis-server</location>"
	        "<rules_id>5</rules_id></active-response>\n"
	        "<active-response><command>fw</command><location>defined-agent</location>"
	        "<agent_id>7</agent_id><rules_id>5</rules_id></active-response>\n"
	        /* skipped without error: */
	        "<active-response><disabled>yes</disabled><command>nope</command></"
	        "active-response>\n"
	        "<active-response><command>fw</command><location>defined-agent</location>"
	        "<agent_id>000</agent_id></active-response>\n"
	        "<active-response><repeated_offenders>1, 5,10</repeated_offenders>"
	        "</active-response>\n"
	        "<active-response><repeated_offenders>3</repeated_offenders></active-response>\n"
	        "</ossec_config>\n";
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(ar_test_load_text(cfg, text, d), YG_OK);
	yg_diag_print(d, stdout);
	assert_int_equal(yg_diag_errors(d), 0);
	assert_int_equal(yg_ar_config_nresponses(cfg), 4);
	yg_ar_response_info r;
	yg_ar_config_response(cfg, 0, &r);
	assert_int_equal(r.location, YG_AR_LOC_LOCAL); /* OS_Regex ignores case */
	assert_int_equal(r.timeout, 600);
	assert_string_equal(r.name, "fw600");
	yg_ar_config_response(cfg, 1, &r);
	assert_int_equal(r.location, YG_AR_LOC_ALL);
	assert_int_equal(r.level, 10);
	yg_ar_config_response(cfg, 2, &r);
	assert_int_equal(r.location, YG_AR_LOC_SERVER);
	yg_ar_config_response(cfg, 3, &r);
	assert_int_equal(r.location, YG_AR_LOC_DEFINED);
	assert_string_equal(r.agent_id, "007");
	const unsigned *ro;
	assert_int_equal(yg_ar_config_repeated_offenders(cfg, &ro), 3);
	assert_int_equal(ro[0], 1);
	assert_int_equal(ro[1], 5);
	assert_int_equal(ro[2], 10);
	yg_diag_destroy(d);
	yg_ar_config_destroy(cfg);
}

/* A <command> after the <active-response> naming it is fine here. */
static void command_after_response(void **state)
{
	(void)state;
	const char *text = "<ossec_config>\n"
	                   "<active-response><command>late</command><location>server</location>"
	                   "</active-response>\n"
	                   "<command><name>late</name><executable>late.sh</executable></command>\n"
	                   "</ossec_config>\n";
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(ar_test_load_text(cfg, text, d), YG_OK);
	assert_int_equal(yg_ar_config_nresponses(cfg), 1);
	yg_diag_destroy(d);
	yg_ar_config_destroy(cfg);
}

static void white_list(void **state)
{
	(void)state;
	yg_ar_config *cfg = yg_ar_config_create();
	assert_int_equal(yg_ar_config_add_white_list(cfg, "127.0.0.1"), YG_OK);
	assert_int_equal(yg_ar_config_add_white_list(cfg, " 10.0.0.0/8 "), YG_OK);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "192.168.7.9/24"), YG_OK);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "172.16.0.0/255.255.0.0"), YG_OK);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "2001:db8::/32"), YG_OK);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "^localhost.localdomain$"), YG_OK);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "999.1.1.1"), YG_EINVAL);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "1.2.3.4/33"), YG_EINVAL);
	assert_int_equal(yg_ar_config_add_white_list(cfg, "   "), YG_EINVAL);
	assert_int_equal(yg_ar_config_nwhite_list(cfg), 6);

	assert_true(yg_ar_config_white_listed(cfg, "127.0.0.1"));
	assert_true(yg_ar_config_white_listed(cfg, "10.200.3.4"));
	assert_true(yg_ar_config_white_listed(cfg, "192.168.7.200"));
	assert_false(yg_ar_config_white_listed(cfg, "192.168.8.1"));
	assert_true(yg_ar_config_white_listed(cfg, "172.16.99.1"));
	assert_false(yg_ar_config_white_listed(cfg, "172.17.0.1"));
	assert_true(yg_ar_config_white_listed(cfg, "2001:db8:1::5"));
	assert_false(yg_ar_config_white_listed(cfg, "2001:db9::5"));
	assert_true(yg_ar_config_white_listed(cfg, "localhost.localdomain"));
	assert_false(yg_ar_config_white_listed(cfg, "203.0.113.7"));
	assert_false(yg_ar_config_white_listed(cfg, ""));
	yg_ar_config_destroy(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(seed_config),
	        cmocka_unit_test(errors_name_file_line),
	        cmocka_unit_test(locations_and_special_blocks),
	        cmocka_unit_test(command_after_response),
	        cmocka_unit_test(white_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
