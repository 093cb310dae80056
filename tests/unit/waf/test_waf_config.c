/* test_waf_config.c: the <waf> block, and the yg_waf service end to end
 * with scripted commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waf/waf.h"

static yg_err parse(const char *xml, yg_waf_config *cfg, yg_diag *d)
{
	yg_wxml_doc *doc;
	yg_err e =
	        yg_wxml_parse_buffer_ex(xml, strlen(xml), "ossec.conf", YG_WXML_NO_VARS, d, &doc);
	assert_int_equal(e, YG_OK);
	e = yg_waf_config_read(cfg, yg_wxml_doc_root(doc, 0), "ossec.conf", d);
	yg_wxml_doc_destroy(doc);
	return e;
}

static void test_good(void **state)
{
	yg_waf_config *cfg = yg_waf_config_create();
	yg_diag *d = yg_diag_create();
	yg_waf_policy p;
	yg_waf_action_opts o;
	yg_waf_addr a;
	(void)state;
	assert_int_equal(parse("<waf>\n"
	                       "  <ban_file>/caddy/banned_ips</ban_file>\n"
	                       "  <reload_command>nginx -p /srv/waf -s reload</reload_command>\n"
	                       "  <verify_command><arg>nginx</arg><arg>-g</arg>"
	                       "<arg>pid /a b;</arg><arg>-t</arg></verify_command>\n"
	                       "  <allow>127.0.0.3</allow><allow>10.0.0.0/8</allow>\n"
	                       "  <default_timeout>0</default_timeout>\n"
	                       "  <repeated_offenders>30,60,120</repeated_offenders>\n"
	                       "  <repeated_window>3600</repeated_window>\n"
	                       "  <command_timeout>5</command_timeout>\n"
	                       "  <nftables set=\"ip filter yg_ban\">yes</nftables>\n"
	                       "</waf>",
	                       cfg, d),
	                 YG_OK);
	assert_int_equal(yg_diag_count(d), 0);
	assert_int_equal(yg_waf_config_check(cfg, "ossec.conf", d), YG_OK);
	assert_string_equal(yg_waf_config_ban_file(cfg), "/caddy/banned_ips");
	assert_null(yg_waf_config_ledger(cfg));
	yg_waf_config_policy(cfg, &p);
	assert_int_equal(p.default_timeout, 0);
	assert_int_equal(p.nrepeated, 3);
	assert_int_equal(p.repeated[2], 120);
	assert_int_equal(p.repeated_window, 3600);
	yg_waf_config_action_opts(cfg, &o);
	assert_string_equal(o.reload_argv[0], "nginx");
	assert_string_equal(o.reload_argv[2], "/srv/waf");
	assert_null(o.reload_argv[5]);
	assert_string_equal(o.verify_argv[2], "pid /a b;");
	assert_int_equal(o.command_timeout_ms, 5000);
	assert_true(o.nftables);
	assert_string_equal(o.nft_family, "ip");
	assert_string_equal(o.nft_set, "yg_ban");
	assert_int_equal(yg_waf_addr_parse("10.9.9.9", &a), YG_OK);
	assert_true(yg_waf_allowed(yg_waf_config_allow(cfg), &a));
	yg_diag_destroy(d);
	yg_waf_config_destroy(cfg);
}

static void test_bad(void **state)
{
	yg_waf_config *cfg = yg_waf_config_create();
	yg_diag *d = yg_diag_create();
	(void)state;
	assert_int_equal(parse("<waf>\n"
	                       "<ban_file>relative/path</ban_file>\n"
	                       "<allow>1.2.3.4; id</allow>\n"
	                       "<default_timeout>-5</default_timeout>\n"
	                       "<repeated_offenders>30,,60</repeated_offenders>\n"
	                       "<repeated_offenders>1,2,3,4,5,6</repeated_offenders>\n"
	                       "<nftables set=\"inet x;y z\">yes</nftables>\n"
	                       "<nftables>maybe</nftables>\n"
	                       "<bogus>1</bogus>\n"
	                       "<reload_command><notarg>x</notarg></reload_command>\n"
	                       "</waf>",
	                       cfg, d),
	                 YG_EPARSE);
	assert_int_equal(yg_diag_errors(d), 9);
	const yg_diag_entry *e = yg_diag_get(d, 0);
	assert_string_equal(e->file, "ossec.conf");
	assert_int_equal(e->line, 2);
	assert_int_equal(yg_diag_get(d, 8)->line, 10);
	assert_int_equal(yg_waf_config_check(cfg, "ossec.conf", d), YG_EPARSE);
	yg_diag_destroy(d);
	yg_waf_config_destroy(cfg);
}

static int64_t clock_at;
static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return clock_at;
}

static void test_service(void **state)
{
	char dir[] = "/tmp/yg_waf_svc_XXXXXX", xml[1024], db[128], ban[128];
	yg_waf_config *cfg = yg_waf_config_create();
	yg_waf_allow *wl = yg_waf_allow_create();
	yg_waf_apply_report rep;
	yg_waf_outcome oc;
	yg_waf_ban_list lifted = {0};
	yg_waf *w;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(ban, sizeof(ban), "%s/banned", dir);
	snprintf(db, sizeof(db), "%s/bans.db", dir);
	snprintf(xml, sizeof(xml),
	         "<waf><ban_file>%s</ban_file><reload_command>true</reload_command>"
	         "<allow>127.0.0.3</allow><default_timeout>60</default_timeout></waf>",
	         ban);
	assert_int_equal(parse(xml, cfg, NULL), YG_OK);
	assert_int_equal(yg_waf_allow_add(wl, "192.0.2.0/24"), YG_OK); /* Wazuh white_list */
	assert_int_equal(yg_waf_open(cfg, db, wl, &w), YG_OK);
	clock_at = 1000;
	yg_waf_ledger_set_clock(yg_waf_get_ledger(w), fake_clock, NULL);

	yg_waf_ban_req r = {.address = "198.51.100.1", .timeout = -1, .alert_id = "A1"};
	assert_int_equal(yg_waf_add_ban(w, &r, &oc, &rep), YG_OK);
	assert_int_equal(oc, YG_WAF_BANNED);
	assert_true(rep.reload_ok);
	assert_int_equal(yg_waf_add_ban(w, &r, &oc, &rep), YG_OK);
	assert_int_equal(oc, YG_WAF_DUPLICATE);
	/* never banned, allow-list or not: loopback, unspecified, broadcast,
	 * multicast, link-local, their IPv6 and v4-mapped forms, and networks
	 * covering one */
	static const char *const special[] = {
	        "127.0.0.3",
	        "127.0.0.1",
	        "0.0.0.0",
	        "255.255.255.255",
	        "224.0.0.1",
	        "239.1.2.3",
	        "169.254.1.1",
	        "::1",
	        "::",
	        "ff02::1",
	        "fe80::1",
	        "::ffff:127.0.0.1",
	        "::ffff:224.0.0.1",
	        "127.0.0.0/16",
	        "169.254.0.0/16",
	        "fe80::/64",
	        "ff02::/32",
	        "::/96",
	        "::ffff:0.0.0.0/104",
	};
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		r.address = special[i];
		assert_int_equal(yg_waf_add_ban(w, &r, &oc, NULL), YG_EINVAL);
		assert_int_equal(oc, YG_WAF_REFUSED_SPECIAL);
		assert_non_null(strstr(yg_waf_outcome_refusal(oc, special[i]), "address"));
	}
	/* neighbours stay bannable */
	static const char *const plain[] = {"128.0.0.1",          "1.0.0.0/8", "223.255.255.255",
	                                    "169.253.0.1",        "fec0::1",   "2001:db8::/32",
	                                    "::ffff:198.51.100.1"};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		yg_waf_addr pa;
		assert_int_equal(yg_waf_addr_parse(plain[i], &pa), YG_OK);
		assert_null(yg_waf_addr_special(&pa));
	}
	r.address = "192.0.2.7";
	assert_int_equal(yg_waf_add_ban(w, &r, &oc, NULL), YG_EINVAL);
	assert_int_equal(oc, YG_WAF_REFUSED_ALLOWED);
	r.address = "$(id)";
	assert_int_equal(yg_waf_add_ban(w, &r, &oc, NULL), YG_EINVAL);
	assert_int_equal(oc, YG_WAF_REFUSED_INVALID);

	clock_at = 1059;
	assert_int_equal(yg_waf_tick(w, &lifted, &rep), YG_OK);
	assert_int_equal(lifted.n, 0);
	assert_false(rep.changed);
	clock_at = 1060;
	assert_int_equal(yg_waf_tick(w, &lifted, &rep), YG_OK);
	assert_int_equal(lifted.n, 1);
	assert_true(rep.changed && rep.reload_ok);
	assert_int_equal(rep.written, 0);
	yg_waf_ban_list_free(&lifted);
	assert_int_equal(yg_waf_lift_ban(w, "198.51.100.1", "x", NULL), YG_ENOTFOUND);

	yg_waf_close(w);
	yg_waf_allow_destroy(wl);
	yg_waf_config_destroy(cfg);
	unlink(ban);
	unlink(db);
	snprintf(xml, sizeof(xml), "%s-wal", db);
	unlink(xml);
	snprintf(xml, sizeof(xml), "%s-shm", db);
	unlink(xml);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good),
	        cmocka_unit_test(test_bad),
	        cmocka_unit_test(test_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
