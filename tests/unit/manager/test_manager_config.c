/* test_manager_config.c: the manager's configuration reader
 * (yg_manager_config_read): the article's ossec.conf as it is, several
 * files, and problems reported with their file and line while the rest is
 * read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manager/manager.h"

#define SEED YG_SOURCE_ROOT "/../shared/scenarios/seed/ossec.conf"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yg-mconf-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_conf(const char *name, const char *text)
{
	static char path[2][128];
	static int turn;
	char *p = path[turn++ % 2];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return p;
}

/* The first diag entry at `line` of a file ending in `file`, or NULL. */
static const yg_diag_entry *entry_at(const yg_diag *d, const char *file, int line)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		size_t fl = e->file ? strlen(e->file) : 0, nl = strlen(file);
		if (e->line == line && fl >= nl && strcmp(e->file + fl - nl, file) == 0)
			return e;
	}
	return NULL;
}

static void print_diag(const yg_diag *d)
{
	yg_diag_print(d, stdout);
}

/* The article's ossec.conf reads without an error (Wazuh's blocks yagura
 * does not use are warnings, never errors). */
static void article_config_reads(void **state)
{
	(void)state;
	if (access(SEED, R_OK) != 0)
		skip();
	const char *conf[] = {SEED};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	yg_err err = yg_manager_config_read(&cfg, conf, 1, dir, d);
	if (err != YG_OK || yg_diag_errors(d))
		print_diag(d);
	assert_int_equal(err, YG_OK);
	assert_int_equal(yg_diag_errors(d), 0);
	assert_non_null(cfg.fim);
	assert_non_null(cfg.lc);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

/* Values of several blocks land where they belong; defaults elsewhere. */
static void values_and_defaults(void **state)
{
	(void)state;
	const char *p =
	        write_conf("a.conf", "<ossec_config>\n"
	                             "  <alerts><log_alert_level>5</log_alert_level></alerts>\n"
	                             "  <remote><port>11514</port></remote>\n"
	                             "  <auth><port>11515</port></auth>\n"
	                             "</ossec_config>\n");
	const char *conf[] = {p};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_manager_config_read(&cfg, conf, 1, dir, d), YG_OK);
	assert_int_equal(cfg.log_alert_level, 5);
	assert_true(cfg.remote.enabled);
	assert_int_equal(cfg.remote.port, 11514);
	assert_int_equal(cfg.auth.port, 11515);
	assert_true(cfg.auth.use_password);
	assert_false(cfg.has_api);
	assert_false(cfg.has_waf);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

/* Every bad value is reported at its own file and line, across files and
 * blocks, and the good blocks around it are still read. */
static void errors_name_file_and_line(void **state)
{
	(void)state;
	const char *a = write_conf("one.conf", "<ossec_config>\n"
	                                       "  <alerts>\n"
	                                       "    <log_alert_level>99</log_alert_level>\n"
	                                       "  </alerts>\n"
	                                       "  <remote><port>11514</port></remote>\n"
	                                       "</ossec_config>\n");
	const char *b =
	        write_conf("two.conf", "<ossec_config>\n"
	                               "  <waf>\n"
	                               "\n"
	                               "    <command_timeout>forever</command_timeout>\n"
	                               "  </waf>\n"
	                               "  <tickets><fold_window>-1</fold_window></tickets>\n"
	                               "</ossec_config>\n");
	const char *conf[] = {a, b};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	yg_err err = yg_manager_config_read(&cfg, conf, 2, dir, d);
	print_diag(d);
	assert_int_equal(err, YG_EPARSE);
	const yg_diag_entry *e = entry_at(d, "one.conf", 3);
	assert_non_null(e);
	assert_int_equal(e->severity, YG_SEV_ERROR);
	e = entry_at(d, "two.conf", 4);
	assert_non_null(e);
	assert_int_equal(e->severity, YG_SEV_ERROR);
	e = entry_at(d, "two.conf", 6);
	assert_non_null(e);
	assert_int_equal(e->severity, YG_SEV_ERROR);
	assert_int_equal(cfg.remote.port, 11514); /* the good block was read */
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

/* The outputs of issue 12: <global><logall_json> and the e-mail options,
 * <alerts><email_alert_level>, <email_alerts>, <syslog_output>; good values
 * are read (the e-mail becomes outbox blocks), bad ones are errors at
 * their line while the rest is read. */
static void outputs_blocks(void **state)
{
	(void)state;
	const char *p = write_conf(
	        "o.conf",
	        "<ossec_config>\n"
	        "  <global><logall_json>yes</logall_json>\n"
	        "    <email_notification>yes</email_notification>\n"
	        "    <smtp_server>mail.example.org:2525</smtp_server>\n"
	        "    <email_from>w@example.org</email_from><email_to>s@example.org</email_to>\n"
	        "  </global>\n"
	        "  <alerts><email_alert_level>9</email_alert_level></alerts>\n"
	        "  <email_alerts><email_to>web@example.org</email_to></email_alerts>\n"
	        "  <syslog_output><server>192.0.2.1</server><format>cef</format>"
	        "</syslog_output>\n"
	        "</ossec_config>\n");
	const char *conf[] = {p};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_manager_config_read(&cfg, conf, 1, dir, d), YG_OK);
	print_diag(d);
	assert_true(cfg.logall_json);
	assert_true(yg_email_config_enabled(cfg.email));
	assert_int_equal(yg_intg_config_count(cfg.intg), 2);
	assert_string_equal(yg_intg_config_get(cfg.intg, 0)->key, "email");
	assert_string_equal(yg_intg_config_get(cfg.intg, 0)->smtp_url,
	                    "smtp://mail.example.org:2525");
	assert_int_equal(yg_intg_config_get(cfg.intg, 1)->level, 9);
	assert_int_equal(yg_syslog_config_count(cfg.syslog), 1);
	assert_int_equal(yg_syslog_config_get(cfg.syslog, 0)->format, YG_SYSLOG_CEF);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);

	p = write_conf("ob.conf", "<ossec_config>\n"
	                          "  <global>\n"
	                          "    <logall_json>sometimes</logall_json>\n"
	                          "    <email_maxperhour>0</email_maxperhour>\n"
	                          "  </global>\n"
	                          "  <alerts><email_alert_level>17</email_alert_level></alerts>\n"
	                          "  <syslog_output><server>192.0.2.1</server>\n"
	                          "    <port>0</port></syslog_output>\n"
	                          "  <remote><port>11514</port></remote>\n"
	                          "</ossec_config>\n");
	const char *conf2[] = {p};
	d = yg_diag_create();
	assert_int_equal(yg_manager_config_read(&cfg, conf2, 1, dir, d), YG_EPARSE);
	print_diag(d);
	for (int line = 3; line <= 8; line += line == 4 ? 2 : 1) {
		if (line == 7)
			continue;
		const yg_diag_entry *e = entry_at(d, "ob.conf", line);
		if (!e || e->severity != YG_SEV_ERROR)
			fail_msg("no error at ob.conf:%d", line);
	}
	assert_false(cfg.logall_json);
	assert_int_equal(yg_syslog_config_count(cfg.syslog), 0);
	assert_int_equal(cfg.remote.port, 11514);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

/* A block yagura does not know is a warning with its line, not an error. */
static void unknown_block_is_a_warning(void **state)
{
	(void)state;
	const char *p = write_conf("w.conf", "<ossec_config>\n"
	                                     "  <no_such_block><x>1</x></no_such_block>\n"
	                                     "</ossec_config>\n");
	const char *conf[] = {p};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_manager_config_read(&cfg, conf, 1, dir, d), YG_OK);
	const yg_diag_entry *e = entry_at(d, "w.conf", 2);
	assert_non_null(e);
	assert_int_equal(e->severity, YG_SEV_WARNING);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

/* A file that is not there, or not XML, is an error naming it. */
static void unreadable_files(void **state)
{
	(void)state;
	const char *bad =
	        write_conf("broken.conf", "<ossec_config>\n  <alerts>\n</ossec_config>\n");
	char missing[128];
	snprintf(missing, sizeof missing, "%s/missing.conf", dir);
	const char *conf[] = {missing, bad};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	assert_int_not_equal(yg_manager_config_read(&cfg, conf, 2, dir, d), YG_OK);
	bool named_missing = false, named_broken = false;
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		named_missing |= e->file && strstr(e->file, "missing.conf");
		named_broken |= e->file && strstr(e->file, "broken.conf");
	}
	assert_true(named_missing);
	assert_true(named_broken);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

/* Prints cfg into a string (the caller frees it). */
static char *printed(const yg_manager_config *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	yg_manager_config_print(cfg, f);
	fclose(f);
	return out;
}

/* `-t --print`: every option with its effective value, defaults included,
 * and the printed text reads back as the same configuration (no error, and
 * printing it again gives the same text). */
static void print_reads_back(void **state)
{
	(void)state;
	const char *p = write_conf(
	        "p.conf",
	        "<ossec_config>\n"
	        "  <global><logall_json>yes</logall_json><white_list>10.0.0.0/8</white_list>"
	        "<email_notification>yes</email_notification><smtp_server>mail.example</"
	        "smtp_server>"
	        "<email_from>a@example.com</email_from><email_to>b@example.com</email_to>"
	        "<email_maxperhour>7</email_maxperhour></global>\n"
	        "  <email_alerts><email_to>c@example.com</email_to><rule_id>9</rule_id>"
	        "<level>5</level><do_not_group/></email_alerts>\n"
	        "  <command><name>fw</name><executable>firewall-drop</executable>"
	        "<timeout_allowed>yes</timeout_allowed></command>\n"
	        "  <active-response><command>fw</command><location>local</location>"
	        "<agent_id>7</agent_id><rules_id>5,6</rules_id><timeout>60</timeout>"
	        "</active-response>\n"
	        "  <syscheck><frequency>600</frequency>\n"
	        "    <directories check_all=\"no\" check_size=\"yes\" realtime=\"yes\" "
	        "tags=\"a&amp;b\" restrict=\"\\.conf$\">/etc//x/</directories>\n"
	        "    <directories report_changes=\"yes\" recursion_level=\"3\">/srv</directories>\n"
	        "    <ignore>/etc/mtab</ignore><ignore type=\"sregex\">.log$</ignore>\n"
	        "    <diff><file_size><limit>2MB</limit></file_size></diff>\n"
	        "    <file_limit><entries>50</entries></file_limit></syscheck>\n"
	        "  <localfile><log_format>syslog</log_format><location>/var/log/a.log</location>"
	        "<label key=\"k\">v</label><only-future-events>no</only-future-events>"
	        "</localfile>\n"
	        "  <localfile><LOG_FORMAT>command</LOG_FORMAT><command>df -P</command>"
	        "<frequency>hourly</frequency><alias>df</alias></localfile>\n"
	        "  <active-response><repeated_offenders>1,5</repeated_offenders>"
	        "</active-response>\n"
	        "  <alerts><log_alert_level>4</log_alert_level></alerts>\n"
	        "  <remote><local_ip>127.0.0.1</local_ip><port>1600</port></remote>\n"
	        "  <auth><force>yes</force></auth>\n"
	        "  <integration><name>slack</name><hook_url>https://h.example/x</hook_url>\n"
	        "    <rule_id>5, 6</rule_id><retry_min>250ms</retry_min></integration>\n"
	        "  <syslog_output><server>127.0.0.1</server></syslog_output>\n"
	        "  <waf><ban_file>/tmp/bans</ban_file><reload_command>nginx -s reload"
	        "</reload_command><repeated_offenders>30,60</repeated_offenders>"
	        "<nftables set=\"inet yagura bans\">yes</nftables></waf>\n"
	        "</ossec_config>\n");
	const char *conf[] = {p};
	yg_manager_config cfg;
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_manager_config_read(&cfg, conf, 1, dir, d), YG_OK);
	char *first = printed(&cfg);
	const char *want[] = {
	        "<logall_json>yes</logall_json>",
	        "<log_alert_level>4</log_alert_level>",
	        "<port>1600</port>",
	        "<local_ip>127.0.0.1</local_ip>",
	        "<port>1515</port>",
	        "<use_password>yes</use_password>",
	        "<enabled>yes</enabled>",
	        "<rule_id>5,6</rule_id>",
	        "<retry_min>250ms</retry_min>",
	        "<timeout>10</timeout>",
	        "<server>127.0.0.1</server>",
	        "<ban_file>/tmp/bans</ban_file>",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(first, want[i]))
			fail_msg("%s not in:\n%s", want[i], first);
	yg_manager_config_free(&cfg);

	const char *conf2[] = {write_conf("printed.conf", first)};
	assert_int_equal(yg_manager_config_read(&cfg, conf2, 1, dir, d), YG_OK);
	if (yg_diag_errors(d))
		print_diag(d);
	assert_int_equal(yg_diag_errors(d), 0);
	char *second = printed(&cfg);
	assert_string_equal(first, second);
	free(first);
	free(second);
	yg_manager_config_free(&cfg);
	yg_diag_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(article_config_reads),       cmocka_unit_test(values_and_defaults),
	        cmocka_unit_test(errors_name_file_and_line),  cmocka_unit_test(outputs_blocks),
	        cmocka_unit_test(unknown_block_is_a_warning), cmocka_unit_test(unreadable_files),
	        cmocka_unit_test(print_reads_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
