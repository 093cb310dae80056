/* test_syslog_out.c: <syslog_output> blocks (errors with file:line), the
 * four csyslogd formats byte for byte, the filters, and the sender against
 * a real UDP socket on 127.0.0.1. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/wxml.h"
#include "integrations/syslog_out.h"

/* Reads every root of xml as a <syslog_output>; returns the last status. */
static yg_err load(yg_syslog_config *cfg, const char *xml, yg_diag *d)
{
	yg_wxml_doc *doc = NULL;
	yg_err e = yg_wxml_parse_buffer_ex(xml, strlen(xml), "t.conf", YG_WXML_NO_VARS, d, &doc);
	if (e)
		return e;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		yg_err r = yg_syslog_config_add(cfg, yg_wxml_doc_root(doc, i), "t.conf", d);
		if (r)
			e = r;
	}
	yg_wxml_doc_destroy(doc);
	return e;
}

/* Whether d has an error at line `line` naming `element`. */
static bool has_error(const yg_diag *d, int line, const char *element)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		if (e->severity == YG_SEV_ERROR && e->line == line && e->file &&
		    !strcmp(e->file, "t.conf") && e->element && !strcmp(e->element, element))
			return true;
	}
	return false;
}

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *xml;
		int line;
		const char *element;
	} bad[] = {
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<port>0</port>\n</syslog_output>", 3,
	         "port"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<port>70000</port></syslog_output>", 3,
	         "port"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<level>17</level></syslog_output>", 3,
	         "level"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<level>x</level></syslog_output>", 3,
	         "level"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<format>xml</format></syslog_output>",
	         3, "format"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<use_fqdn>1</use_fqdn></"
	         "syslog_output>",
	         3, "use_fqdn"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<rule_id>5716,x</rule_id>"
	         "</syslog_output>",
	         3, "rule_id"},
	        {"<syslog_output>\n<server>a b</server>\n</syslog_output>", 2, "server"},
	        {"<syslog_output>\n<port>514</port>\n</syslog_output>", 1, "syslog_output"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<colour>red</colour></syslog_output>",
	         3, "colour"},
	        {"<syslog_output>\n<server>1.2.3.4</server>\n<group></group></syslog_output>", 3,
	         "group"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		yg_syslog_config *cfg = yg_syslog_config_create();
		yg_diag *d = yg_diag_create();
		assert_int_equal(load(cfg, bad[i].xml, d), YG_EPARSE);
		if (!has_error(d, bad[i].line, bad[i].element)) {
			yg_diag_print(d, stdout);
			fail_msg("case %zu: no error at line %d for <%s>", i, bad[i].line,
			         bad[i].element);
		}
		assert_int_equal(yg_syslog_config_count(cfg), 0);
		yg_diag_destroy(d);
		yg_syslog_config_destroy(cfg);
	}
}

static const char alert_agent[] =
        "{\"timestamp\":\"2024-03-05T09:04:04.123+0000\",\"rule\":{\"level\":5,"
        "\"description\":\"sshd: authentication \\\"failed\\\".\",\"id\":\"5716\","
        "\"groups\":[\"syslog\",\"sshd\",\"authentication_failed\"]},"
        "\"agent\":{\"id\":\"001\",\"name\":\"web01\",\"ip\":\"10.0.0.2\"},"
        "\"manager\":{\"name\":\"mgr\"},\"id\":\"1709629444.7\","
        "\"full_log\":\"Mar  5 09:04:04 web01 sshd[1]: Failed password for root from "
        "203.0.113.45 port 53432 ssh2\",\"location\":\"/var/log/auth.log\","
        "\"data\":{\"srcip\":\"203.0.113.45\",\"srcport\":\"53432\",\"dstuser\":\"root\"}}";

static const char alert_fim[] =
        "{\"timestamp\":\"2024-11-25T18:30:00.000+0000\",\"rule\":{\"level\":12,"
        "\"description\":\"File a|b=c modified\",\"id\":\"550\",\"groups\":[\"ossec\","
        "\"syscheck\"]},\"agent\":{\"id\":\"000\",\"name\":\"mgr\"},"
        "\"manager\":{\"name\":\"mgr\"},\"id\":\"1.2\",\"full_log\":\"File '/x=1' "
        "modified\\nMode: realtime\",\"location\":\"syscheck\",\"syscheck\":{\"path\":\"/x=1\","
        "\"md5_before\":\"aa\",\"md5_after\":\"bb\",\"sha1_before\":\"cc\",\"sha1_after\":"
        "\"dd\"}}";

static char *format(const char *fmt_xml, const char *alert)
{
	char xml[512];
	snprintf(xml, sizeof(xml),
	         "<syslog_output><server>127.0.0.1</server><format>%s</format></syslog_output>",
	         fmt_xml);
	yg_syslog_config *cfg = yg_syslog_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(load(cfg, xml, d), YG_OK);
	json_object *a = json_tokener_parse(alert);
	assert_non_null(a);
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_syslog_format_msg(yg_syslog_config_get(cfg, 0), a, alert, strlen(alert),
	                                      "mgr", &b),
	                 YG_OK);
	char *s = strndup(b.data, b.len);
	yg_buf_free(&b);
	json_object_put(a);
	yg_diag_destroy(d);
	yg_syslog_config_destroy(cfg);
	return s;
}

static void expect(const char *fmt, const char *alert, const char *want)
{
	char *got = format(fmt, alert);
	assert_string_equal(got, want);
	free(got);
}

static void test_formats(void **state)
{
	(void)state;
	expect("default", alert_agent,
	       "<132>Mar  5 09:04:04 mgr ossec: Alert Level: 5; Rule: 5716 - sshd: authentication "
	       "\"failed\".; Location: (web01) 10.0.0.2->/var/log/auth.log; srcip: 203.0.113.45; "
	       "user: root; Mar  5 09:04:04 web01 sshd[1]: Failed password for root from "
	       "203.0.113.45 port 53432 ssh2");
	expect("default", alert_fim,
	       "<132>Nov 25 18:30:00 mgr ossec: Alert Level: 12; Rule: 550 - File a|b=c modified; "
	       "Location: mgr->syscheck; Previous MD5: aa; Current MD5: bb; Previous SHA1: cc; "
	       "Current SHA1: dd; File '/x=1' modified Mode: realtime");
	char want[4096];
	snprintf(want, sizeof(want), "<132>Mar  5 09:04:04 mgr ossec: %s", alert_agent);
	expect("json", alert_agent, want);
	expect("cef", alert_fim,
	       "<132>Nov 25 18:30:00 CEF:0|Wazuh|Wazuh|" YG_SYSLOG_CEF_VERSION
	       "|550|File a\\|b=c modified|10|dvc=mgr cs2=mgr->syscheck cs2Label=Location "
	       "msg=File '/x\\=1' modified Mode: realtime");
	expect("cef", alert_agent,
	       "<132>Mar  5 09:04:04 CEF:0|Wazuh|Wazuh|" YG_SYSLOG_CEF_VERSION
	       "|5716|sshd: authentication \"failed\".|5|dvc=mgr cs2=(web01) "
	       "10.0.0.2->/var/log/auth.log cs2Label=Location src=203.0.113.45 suser=root "
	       "msg=Mar  5 09:04:04 web01 sshd[1]: Failed password for root from 203.0.113.45 "
	       "port 53432 ssh2");
	expect("splunk", alert_agent,
	       "<132>Mar  5 09:04:04 mgr ossec: crit=5 id=5716 description=\"sshd: authentication "
	       "failed.\" component=\"(web01) 10.0.0.2->/var/log/auth.log\", "
	       "classification=\"syslog,sshd,authentication_failed,\", src_ip=\"203.0.113.45\", "
	       "src_port=53432, acct=\"root\", message=\"Mar  5 09:04:04 web01 sshd[1]: Failed "
	       "password for root from 203.0.113.45 port 53432 ssh2\"");
}

static void test_long_log_is_cut(void **state)
{
	(void)state;
	size_t n = YG_SYSLOG_MAX * 2;
	char *big = malloc(n + 512);
	int k = snprintf(big, 512, "{\"rule\":{\"level\":3,\"id\":\"1\"},\"full_log\":\"");
	memset(big + k, 'x', n);
	strcpy(big + k + n, "\"}");
	char *got = format("default", big);
	assert_true(strlen(got) <= YG_SYSLOG_MAX);
	assert_true(strlen(got) > YG_SYSLOG_MAX - 100);
	free(got);
	/* JSON cannot be cut: refused */
	yg_syslog_config *cfg = yg_syslog_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(load(cfg,
	                      "<syslog_output><server>127.0.0.1</server><format>json</format>"
	                      "</syslog_output>",
	                      d),
	                 YG_OK);
	json_object *a = json_tokener_parse(big);
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(
	        yg_syslog_format_msg(yg_syslog_config_get(cfg, 0), a, big, strlen(big), "h", &b),
	        YG_ELIMIT);
	yg_buf_free(&b);
	json_object_put(a);
	yg_diag_destroy(d);
	yg_syslog_config_destroy(cfg);
	free(big);
}

static bool accepts(const char *opts, const char *alert)
{
	char xml[512];
	snprintf(xml, sizeof(xml), "<syslog_output><server>127.0.0.1</server>%s</syslog_output>",
	         opts);
	yg_syslog_config *cfg = yg_syslog_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(load(cfg, xml, d), YG_OK);
	json_object *a = json_tokener_parse(alert);
	bool r = yg_syslog_accepts(yg_syslog_config_get(cfg, 0), a);
	json_object_put(a);
	yg_diag_destroy(d);
	yg_syslog_config_destroy(cfg);
	return r;
}

static void test_filters(void **state)
{
	(void)state;
	assert_true(accepts("", alert_agent));
	assert_true(accepts("<level>5</level>", alert_agent));
	assert_false(accepts("<level>6</level>", alert_agent));
	assert_true(accepts("<rule_id>1, 5716</rule_id>", alert_agent));
	assert_false(accepts("<rule_id>5715</rule_id>", alert_agent));
	assert_true(accepts("<group>authentication_failed,</group>", alert_agent));
	assert_true(accepts("<group>nothing,|sshd,</group>", alert_agent));
	assert_false(accepts("<group>syscheck,</group>", alert_agent));
	assert_true(accepts("<location>auth.log</location>", alert_agent));
	assert_false(accepts("<location>syscheck</location>", alert_agent));
	assert_true(accepts("<location>syscheck</location>", alert_fim));
	/* an event without a rule is never sent */
	assert_false(accepts("", "{\"full_log\":\"x\"}"));
}

/* A UDP socket bound to 127.0.0.1 on a free port. */
static int udp_receiver(unsigned *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void test_sender(void **state)
{
	(void)state;
	unsigned p1, p2;
	int r1 = udp_receiver(&p1), r2 = udp_receiver(&p2);
	char xml[512];
	snprintf(xml, sizeof(xml),
	         "<syslog_output><server>127.0.0.1</server><port>%u</port></syslog_output>"
	         "<syslog_output><server>localhost</server><port>%u</port><level>10</level>"
	         "<format>json</format><use_fqdn>yes</use_fqdn></syslog_output>",
	         p1, p2);
	yg_syslog_config *cfg = yg_syslog_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(load(cfg, xml, d), YG_OK);
	yg_syslog_out *so = NULL;
	assert_int_equal(yg_syslog_out_create(cfg, "mgr.example.org", d, &so), YG_OK);
	assert_int_equal(yg_syslog_out_offer(so, alert_agent, strlen(alert_agent)), YG_OK);
	assert_int_equal(yg_syslog_out_offer(so, alert_fim, strlen(alert_fim)), YG_OK);
	assert_int_equal(yg_syslog_out_offer(so, "nope", 4), YG_EPARSE);
	char buf[70000];
	ssize_t n = recv(r1, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "<132>Mar  5 09:04:04 mgr ossec: Alert Level: 5; Rule: 5716"));
	n = recv(r1, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "Rule: 550 - "));
	/* the second output takes only level >= 10, with the full host name */
	n = recv(r2, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	char want[4096];
	snprintf(want, sizeof(want), "<132>Nov 25 18:30:00 mgr.example.org ossec: %s", alert_fim);
	assert_string_equal(buf, want);
	yg_syslog_stats st;
	yg_syslog_out_stats(so, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.filtered, 1);
	yg_syslog_out_destroy(so);
	yg_diag_destroy(d);
	yg_syslog_config_destroy(cfg);
	close(r1);
	close(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config_errors),   cmocka_unit_test(test_formats),
	        cmocka_unit_test(test_long_log_is_cut), cmocka_unit_test(test_filters),
	        cmocka_unit_test(test_sender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
