/* test_predecode.c: syslog header pre-decoding against Wazuh's OS_CleanMSG.
 *
 * The expected timestamp/hostname/program_name/message of each line below
 * is what Wazuh 4.14.7's OS_CleanMSG produces for it (checked by running
 * Wazuh's code on the same lines); NULL means Wazuh leaves the piece NULL.
 * Most lines come from the .ini files of Wazuh's ruleset tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/predecode.h"

typedef struct pd_case {
	const char *line;
	const char *ts, *host, *prog, *msg;
} pd_case;

static const pd_case cases[] = {
        {"Feb  9 11:44:56 someserver sshd[1234]: error: Could not stat AuthorizedKeysCommand "
         "\"/usr/local/sbin/ssh-ldap-authorized_keys\": No such file or directory",
         "Feb  9 11:44:56", "someserver", "sshd",
         "error: Could not stat AuthorizedKeysCommand "
         "\"/usr/local/sbin/ssh-ldap-authorized_keys\": No such file or directory"},
        {"Feb 10 23:21:05 someserver sshd[1234]: Read error from remote host 192.168.1.1: "
         "Connection reset by peer",
         "Feb 10 23:21:05", "someserver", "sshd",
         "Read error from remote host 192.168.1.1: Connection reset by peer"},
        {"Apr 27 15:22:23 niban su[2921936]: failed: ttyq4 changing from ldap to root",
         "Apr 27 15:22:23", "niban", "su", "failed: ttyq4 changing from ldap to root"},
        {"Apr 27 15:22:23 niban su(pam_unix)[23164]: authentication failure; logname= uid=1342 "
         "euid=0 tty= ruser=dcid rhost=  user=osaudit",
         "Apr 27 15:22:23", "niban", "su(pam_unix)",
         "authentication failure; logname= uid=1342 euid=0 tty= ruser=dcid rhost=  user=osaudit"},
        {"Apr 27 15:22:23 niban sudo:     dcid : TTY=pts/4 ; PWD=/home/dcid ; USER=root ; "
         "COMMAND=/usr/bin/tail /var/log/snort/alert.fast",
         "Apr 27 15:22:23", "niban", "sudo",
         "    dcid : TTY=pts/4 ; PWD=/home/dcid ; USER=root ; COMMAND=/usr/bin/tail "
         "/var/log/snort/alert.fast"},
        {"Dec 30 19:36:11 rheltest sudo: cplummer : TTY=pts/2 ; PWD=/home/cplummer1 ; USER=root ; "
         "TSID=0000UM ; COMMAND=/bin/bash",
         "Dec 30 19:36:11", "rheltest", "sudo",
         "cplummer : TTY=pts/2 ; PWD=/home/cplummer1 ; USER=root ; TSID=0000UM ; "
         "COMMAND=/bin/bash"},
        {"Aug 29 15:33:13 ns3 named[464]: client 217.148.39.3#1036: query (cache) denied",
         "Aug 29 15:33:13", "ns3", "named", "client 217.148.39.3#1036: query (cache) denied"},
        {"May  8 08:26:55 mail postfix/postscreen[22055]: NOQUEUE: reject: RCPT from "
         "[157.122.148.242]:47407: 9999 text ...",
         "May  8 08:26:55", "mail", "postfix/postscreen",
         "NOQUEUE: reject: RCPT from [157.122.148.242]:47407: 9999 text ..."},
        {"Dec 19 06:21:06 ny dovecot: imap-login: Disconnected (auth failed, 7 attempts in 111 "
         "secs): user=<thousands>, method=PLAIN",
         "Dec 19 06:21:06", "ny", "dovecot",
         "imap-login: Disconnected (auth failed, 7 attempts in 111 secs): user=<thousands>, "
         "method=PLAIN"},
        {"Jun 23 15:04:05 Info: imap-login: Login: user=<username>, method=PLAIN, rip=1.2.3.4, "
         "lip=1.2.3.5 Authentication Failure:",
         "Jun 23 15:04:05", NULL, "Info",
         "imap-login: Login: user=<username>, method=PLAIN, rip=1.2.3.4, lip=1.2.3.5 "
         "Authentication Failure:"},
        {"Nov 11 22:46:29 localhost vsftpd(pam_unix)[25073]: check pass; user unknown",
         "Nov 11 22:46:29", "localhost", "vsftpd(pam_unix)", "check pass; user unknown"},
        {"Wed Jul 27 18:32:27 2016 [pid 2] CONNECT: Client \"10.11.12.13\"", NULL, NULL, NULL,
         "Wed Jul 27 18:32:27 2016 [pid 2] CONNECT: Client \"10.11.12.13\""},
        {"Jan 04 22:51:57 server proftpd[26169] server.example.net: Fatal: unable to open incoming "
         "connection",
         "Jan 04 22:51:57", "server", "proftpd",
         "server.example.net: Fatal: unable to open incoming connection"},
        {"1140701044.525   1231 192.168.1.201 TCP_DENIED/400 1536 GET ahmet - NONE/- text/html",
         "1140701044.525  ", NULL, NULL,
         "1231 192.168.1.201 TCP_DENIED/400 1536 GET ahmet - NONE/- text/html"},
        {"2014-05-23T10:25:58.681222-04:00 10.10.10.1 ssg5-serial: NetScreen "
         "device_id=0275112227993284  [Root]system-information-00767: System configuration saved",
         "2014-05-23T10:25:58.681222-04:00", "10.10.10.1", "ssg5-serial",
         "NetScreen device_id=0275112227993284  [Root]system-information-00767: System "
         "configuration saved"},
        {"%PIX-3-710003: TCP access denied by ACL from 216.39.220.130/54065 to "
         "outside:62.192.113.98/ssh",
         NULL, NULL, NULL,
         "%PIX-3-710003: TCP access denied by ACL from 216.39.220.130/54065 to "
         "outside:62.192.113.98/ssh"},
        {"Dec 23 11:13:03 date=2011-07-24 time=10: 13:03 devname=Device_Name "
         "device_id=FGTXXXX9999999999",
         "Dec 23 11:13:03", NULL, NULL,
         "date=2011-07-24 time=10: 13:03 devname=Device_Name device_id=FGTXXXX9999999999"},
        {"2018 Apr 09 16:03:37 inwazuhmgr->172.24.0.253 date=2018-04-09 time=16:03:37 "
         "devname=BA-RSYS-FW",
         "2018 Apr 09 16:03:37", NULL, NULL,
         "inwazuhmgr->172.24.0.253 date=2018-04-09 time=16:03:37 devname=BA-RSYS-FW"},
        {"Jan 22 18:34:00 filterlog: 65,,,0,vmx1,match,pass,out,4,0x0,,63,21011,0,none,1,icmp,56",
         "Jan 22 18:34:00", NULL, "filterlog",
         "65,,,0,vmx1,match,pass,out,4,0x0,,63,21011,0,none,1,icmp,56"},
        {"Jan  3 13:45:36 192.168.5.1 id=firewall sn=000SERIAL time=\"2007-01-03 14:48:06\" "
         "fw=1.1.1.1 pri=6",
         "Jan  3 13:45:36", "192.168.5.1", NULL,
         "id=firewall sn=000SERIAL time=\"2007-01-03 14:48:06\" fw=1.1.1.1 pri=6"},
        {"2019-07-03T13:49:44.0Z RH1WVEPO EPOEvents - EventFwd [agentInfo@3401 tenantId=\"1\" "
         "bpsId=\"1\"]",
         "2019-07-03T13:49:44.0Z RH1WVEPO", "EPOEvents", NULL,
         "- EventFwd [agentInfo@3401 tenantId=\"1\" bpsId=\"1\"]"},
        {"Thu May 12 16:02:18 2025 [error] [client 218.92.0.222] user nonexistentuser not found: "
         "/secure/login.php",
         NULL, NULL, NULL,
         "Thu May 12 16:02:18 2025 [error] [client 218.92.0.222] user nonexistentuser not found: "
         "/secure/login.php"},
        {"2015 Dec 29 10:00:01 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
         "2015 Dec 29 10:00:01", "wazuh-agent01", "AUTH", "INFO sshd[223468]: LOG BODY"},
        {"2021-04-21 10:16:09.404756-0700 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
         "2021-04-21 10:16:09.404756-0700", "wazuh-agent01", "AUTH", "INFO sshd[223468]: LOG BODY"},
        {"2015-04-16 21:51:02,805 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
         "2015-04-16 21:51:02,805", "wazuh-agent01", "AUTH", "INFO sshd[223468]: LOG BODY"},
        {"2007-06-14T15:48:55-04:00 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
         "2007-06-14T15:48:55-04:00", "wazuh-agent01", "AUTH", "INFO sshd[223468]: LOG BODY"},
        {"2009-05-22T09:36:46.214994-07:00 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
         "2009-05-22T09:36:46.214994-07:00", "wazuh-agent01", "AUTH",
         "INFO sshd[223468]: LOG BODY"},
        {"2022-12-19T15:02:53.288+00:00 wazuh-agent01 AUTH:INFO sshd[223468]: LOG BODY",
         "2022-12-19T15:02:53.288+00:00", "wazuh-agent01", "AUTH", "INFO sshd[223468]: LOG BODY"},
        {"2024-09-01T00:00:00.000000+09:00 myhost myprog[42]: the message",
         "2024-09-01T00:00:00.000000+09:00", "myhost", "myprog", "the message"},
        {"2016-11-08T14:36:09.123456+0000 myhost myprog[42]: the message",
         "2016-11-08T14:36:09.123456+0000", "myhost", "myprog", "the message"},
        {"2021-03-05T12:00:00Z myhost myprog: a message that is long enough", NULL, NULL, NULL,
         "2021-03-05T12:00:00Z myhost myprog: a message that is long enough"},
        {"2021-03-05T12:00:00.123Z myhost myprog: a message", "2021-03-05T12:00:00.123Z myhost",
         NULL, "myprog", "a message"},
        {"[Fri Feb 11 18:06:35 2004] [warn] [client 1.2.3.4] File does not exist",
         "Fri Feb 11 18:06:35 2004", NULL, NULL, "[warn] [client 1.2.3.4] File does not exist"},
        {"01/28-09:13:16.240702  [**] [1:1000:1] SNORT alert [**]", "01/28-09:13:16.240702", NULL,
         NULL, "[**] [1:1000:1] SNORT alert [**]"},
        {"01/28/1979-09:13:16.240702  [**] [1:2000:1] suricata alert [**]",
         "01/28/1979-09:13:16.240702", NULL, NULL, "[**] [1:2000:1] suricata alert [**]"},
        {"Mon Apr 17 18:27:14 2006 1 64.160.42.130 5542 /home/file b _ o r user ftp 0 * c",
         "Mon Apr 17 18:27:14 2006", NULL, NULL,
         "1 64.160.42.130 5542 /home/file b _ o r user ftp 0 * c"},
        {"[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] [PID 483] [Message error: "
         "PAM: Authentication failure for username from 192.168.0.2] [Level 3] [UID -2] [GID -2] "
         "[Host Hostname]",
         NULL, "Hostname", "sshd",
         "error: PAM: Authentication failure for username from 192.168.0.2"},
        {"[Time 2006.11.02 14:02:11 UTC] [Facility auth] [Sender sshd] [PID 856] [Level 4] [UID "
         "-2]",
         NULL, NULL, "sshd", " UTC] [Facility auth] [Sender sshd"},
        {"Feb  9 11:44:56 host sshd[123]: [ID 800047 auth.info] Accepted publickey for root",
         "Feb  9 11:44:56", "host", "sshd", "Accepted publickey for root"},
        {"Feb  9 11:44:56 host sshd[123]: [ID 800047 auth.info]", "Feb  9 11:44:56", "host", "sshd",
         ""},
        {"Feb  9 11:44:56 sol sshd[123]: [ID 800047 auth.info]x", "Feb  9 11:44:56", "sol", "sshd",
         ""},
        {"Feb  9 11:44:56 aixhost auth|security:info sshd[12]: Accepted password",
         "Feb  9 11:44:56", "aixhost", "sshd", "Accepted password"},
        {"Feb  9 11:44:56 aixhost auth|security:info sshd: Accepted password", "Feb  9 11:44:56",
         "aixhost", "sshd", "Accepted password"},
        {"Feb  9 11:44:56 aixhost auth|security:info sshd[12x: broken pid", "Feb  9 11:44:56",
         "aixhost", "sshd", "auth|security:info sshd"},
        {"Feb  9 11:44:56 aixhost auth|security:info sshd no colon here", "Feb  9 11:44:56",
         "aixhost", "sshd no colon here", " no colon here"},
        {"Feb  9 11:44:56 aixhost auth|security:infox", "Feb  9 11:44:56", "aixhost", NULL,
         "auth|security:infox"},
        {"M\xc3"
         "\xa4"
         "r 02 17:30:52 host prog: umlaut month",
         "M\xc3"
         "\xa4"
         "r 02 17:30:5",
         "host", "prog", "umlaut month"},
        {"Feb  9 11:44:56 host : empty program name", "Feb  9 11:44:56", "host", "",
         "empty program name"},
        {"Feb  9 11:44:56 : no host, empty program", "Feb  9 11:44:56", NULL, "",
         "no host, empty program"},
        {"Feb  9 11:44:56  host prog: two spaces after the time", "Feb  9 11:44:56", "host", "prog",
         "two spaces after the time"},
        {"Feb  9 11:44:56 host prog[1]x after pid", "Feb  9 11:44:56", "host", NULL,
         "prog[1]x after pid"},
        {"Feb  9 11:44:56 host prog[1] no colon after pid", "Feb  9 11:44:56", "host", "prog",
         "no colon after pid"},
        {"Feb  9 11:44:56 host prog[1]:no space after colon", "Feb  9 11:44:56", "host", "prog",
         "no space after colon"},
        {"Feb  9 11:44:56 host prog:no space", "Feb  9 11:44:56", "host", "prog", "no space"},
        {"Feb  9 11:44:56 host 10.0.0.1:80 host and port", "Feb  9 11:44:56", "host", "10.0.0.1",
         "80 host and port"},
        {"Feb  9 11:44:56 host prog=x not a program", "Feb  9 11:44:56", "host", NULL,
         "prog=x not a program"},
        {"Feb  9 11:44:56 host", "Feb  9 11:44:56", NULL, NULL, "host"},
        {"Feb  9 11:44:56 host ", "Feb  9 11:44:56", "host", NULL, ""},
        {"<13>Feb  9 11:44:56 host prog: pri is not stripped", NULL, NULL, NULL,
         "<13>Feb  9 11:44:56 host prog: pri is not stripped"},
        {"plain text with no header at all", NULL, NULL, NULL, "plain text with no header at all"},
};

static void check_span(const char *what, const char *line, yg_span got, const char *want)
{
	if (!want) {
		if (got.ptr)
			fail_msg("%s: %s: want absent, got '%.*s'", line, what, (int)got.len,
			         got.ptr);
		return;
	}
	if (!got.ptr)
		fail_msg("%s: %s: want '%s', got absent", line, what, want);
	if (got.len != strlen(want) || memcmp(got.ptr, want, got.len) != 0)
		fail_msg("%s: %s: want '%s', got '%.*s'", line, what, want, (int)got.len, got.ptr);
}

static void test_wazuh_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const pd_case *c = &cases[i];
		yg_predecoded pd;
		bool hdr = yg_syslog_predecode(c->line, &pd);
		check_span("timestamp", c->line, pd.timestamp, c->ts);
		check_span("hostname", c->line, pd.hostname, c->host);
		check_span("program_name", c->line, pd.program_name, c->prog);
		check_span("message", c->line, (yg_span){pd.message, pd.message_len}, c->msg);
		/* a header is recognised exactly when something was taken off */
		assert_int_equal(hdr, pd.message != c->line);
	}
}

static void test_pid(void **state)
{
	(void)state;
	yg_predecoded pd;
	assert_true(yg_syslog_predecode("Feb  9 11:44:56 h sshd[1234]: x", &pd));
	assert_int_equal(pd.pid.len, 4);
	assert_memory_equal(pd.pid.ptr, "1234", 4);
	assert_true(yg_syslog_predecode("Feb  9 11:44:56 h sshd: x", &pd));
	assert_null(pd.pid.ptr);
	assert_true(yg_syslog_predecode("Feb  9 11:44:56 h a|auth:info sshd[77]: x", &pd));
	assert_memory_equal(pd.pid.ptr, "77", 2);
}

/* No header: the whole line, nothing else. */
static void test_no_header(void **state)
{
	(void)state;
	static const char *const lines[] = {"",
	                                    "x",
	                                    "Feb  9 11:44:56",
	                                    "Feb  9 11:44:5 host p: m",
	                                    "{\"a\":1}",
	                                    "<13>Feb  9 11:44:56 host prog: m"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		yg_predecoded pd;
		assert_false(yg_syslog_predecode(lines[i], &pd));
		assert_ptr_equal(pd.message, lines[i]);
		assert_int_equal(pd.message_len, strlen(lines[i]));
		assert_null(pd.timestamp.ptr);
		assert_null(pd.hostname.ptr);
		assert_null(pd.program_name.ptr);
		assert_null(pd.pid.ptr);
	}
}

/* An empty program name is present, not absent: Wazuh then still uses
 * the decoders that want a program name. */
static void test_empty_program(void **state)
{
	(void)state;
	yg_predecoded pd;
	assert_true(yg_syslog_predecode("Feb  9 11:44:56 host : m", &pd));
	assert_non_null(pd.program_name.ptr);
	assert_int_equal(pd.program_name.len, 0);
}

/* The OS X ASL message ends at its ']' although the line goes on. */
static void test_message_cut(void **state)
{
	(void)state;
	const char *l = "[Time 2006.12.28 15:53:55 UTC] [Sender sshd] [Message a b] [Host h]";
	yg_predecoded pd;
	assert_true(yg_syslog_predecode(l, &pd));
	assert_int_equal(pd.message_len, 3);
	assert_memory_equal(pd.message, "a b", 3);
	assert_null(pd.timestamp.ptr);
}

/* Every prefix of header-like lines: never reads past the NUL (run it
 * under ASan) and always leaves the message inside the line. */
static void test_prefixes(void **state)
{
	(void)state;
	char buf[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].line);
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		for (size_t k = 0; k <= n; k++) {
			memcpy(buf, cases[i].line, k);
			buf[k] = '\0';
			yg_predecoded pd;
			yg_syslog_predecode(buf, &pd);
			assert_true(pd.message >= buf && pd.message + pd.message_len <= buf + k);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wazuh_lines), cmocka_unit_test(test_pid),
	        cmocka_unit_test(test_no_header),   cmocka_unit_test(test_empty_program),
	        cmocka_unit_test(test_message_cut), cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
