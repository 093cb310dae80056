/* test_email.c: the e-mail options and <email_alerts> blocks (errors with
 * file:line, the outbox blocks they make), Wazuh's mail text, and delivery
 * over SMTP to a real receiver (tests/e2e/smtprecv.py, Python's smtpd on
 * 127.0.0.1): email_maxperhour holds mails back and sends them as one
 * digest in the next window. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "integrations/email.h"
#include "integrations/integrations.h"
#include "tutil.h"

/* Reads the roots of xml as the manager does: <global> children,
 * <email_alerts>, <alerts><email_alert_level>; then finish(). Returns the
 * worst status. */
static yg_err load(const char *xml, yg_intg_config *intg, yg_diag *d)
{
	yg_wxml_doc *doc = NULL;
	yg_err rc = yg_wxml_parse_buffer_ex(xml, strlen(xml), "t.conf", YG_WXML_NO_VARS, d, &doc);
	if (rc)
		return rc;
	yg_email_config *ec = yg_email_config_create();
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *r = yg_wxml_doc_root(doc, i);
		for (size_t j = 0; !strcmp(r->name, "global") && j < r->nchildren; j++) {
			yg_err e = YG_OK;
			if (yg_email_config_global(ec, r->children[j], "t.conf", d, &e) && e)
				rc = e;
		}
		for (size_t j = 0; !strcmp(r->name, "alerts") && j < r->nchildren; j++)
			if (yg_email_config_alert_level(ec, r->children[j], "t.conf", d))
				rc = YG_EPARSE;
		if (!strcmp(r->name, "email_alerts") &&
		    yg_email_config_add_alerts(ec, r, "t.conf", d))
			rc = YG_EPARSE;
	}
	if (!rc)
		rc = yg_email_config_finish(ec, intg, d);
	yg_email_config_destroy(ec);
	yg_wxml_doc_destroy(doc);
	return rc;
}

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

#define GOOD                                                                                       \
	"<global><email_notification>yes</email_notification>"                                     \
	"<smtp_server>127.0.0.1</smtp_server><email_from>w@example.org</email_from>"               \
	"<email_to>soc@example.org</email_to></global>"

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *xml;
		int line;
		const char *el;
	} bad[] = {
	        {"<global>\n<email_notification>maybe</email_notification></global>", 2,
	         "email_notification"},
	        {"<global>\n<smtp_server>a b</smtp_server></global>", 2, "smtp_server"},
	        {"<global>\n<smtp_server>http://x</smtp_server></global>", 2, "smtp_server"},
	        {"<global>\n<email_from>nobody</email_from></global>", 2, "email_from"},
	        {"<global>\n<email_to>a@b\r\nBcc: x@y</email_to></global>", 2, "email_to"},
	        {"<global>\n<email_maxperhour>0</email_maxperhour></global>", 2,
	         "email_maxperhour"},
	        {"<global>\n<email_maxperhour>x</email_maxperhour></global>", 2,
	         "email_maxperhour"},
	        {"<global>\n<email_log_source>syslog</email_log_source></global>", 2,
	         "email_log_source"},
	        {"<alerts>\n<email_alert_level>17</email_alert_level></alerts>", 2,
	         "email_alert_level"},
	        {"<email_alerts>\n<level>3</level></email_alerts>", 1, "email_alerts"},
	        {"<email_alerts><email_to>a@b.c</email_to>\n<level>x</level></email_alerts>", 2,
	         "level"},
	        {"<email_alerts><email_to>a@b.c</email_to>\n<rule_id>1,a</rule_id></email_alerts>",
	         2, "rule_id"},
	        {"<email_alerts><email_to>a@b.c</email_to>\n<format>html</format></email_alerts>",
	         2, "format"},
	        {"<email_alerts><email_to>a@b.c</email_to>\n<group></group></email_alerts>", 2,
	         "group"},
	        {"<email_alerts><email_to>a@b.c</email_to>\n<colour>x</colour></email_alerts>", 2,
	         "colour"},
	        {"<global>\n<email_notification>yes</email_notification></global>", 2,
	         "smtp_server"},
	        {"<global>\n<email_notification>yes</email_notification>"
	         "<smtp_server>h</smtp_server></global>",
	         2, "email_from"},
	        {"<global>\n<email_notification>yes</email_notification>"
	         "<smtp_server>h</smtp_server><email_from>a@b.c</email_from></global>",
	         2, "email_to"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		yg_intg_config *intg = yg_intg_config_create();
		yg_diag *d = yg_diag_create();
		assert_int_equal(load(bad[i].xml, intg, d), YG_EPARSE);
		if (!has_error(d, bad[i].line, bad[i].el)) {
			yg_diag_print(d, stdout);
			fail_msg("case %zu: no error at line %d for <%s>", i, bad[i].line,
			         bad[i].el);
		}
		assert_int_equal(yg_intg_config_count(intg), 0);
		yg_diag_destroy(d);
		yg_intg_config_destroy(intg);
	}
}

static void test_blocks(void **state)
{
	(void)state;
	yg_intg_config *intg = yg_intg_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(load(GOOD
	                      "<alerts><email_alert_level>7</email_alert_level></alerts>"
	                      "<email_alerts><email_to>web@example.org</email_to>"
	                      "<email_to>ops@example.org</email_to><level>10</level>"
	                      "<group>web|attack</group><do_not_group/></email_alerts>"
	                      "<email_alerts><email_to>x@example.org</email_to><level>3</level>"
	                      "<rule_id>5716</rule_id><do_not_delay/></email_alerts>",
	                      intg, d),
	                 YG_OK);
	assert_int_equal(yg_intg_config_count(intg), 3);
	const yg_intg_def *g = yg_intg_config_get(intg, 0), *b1 = yg_intg_config_get(intg, 1),
	                  *b2 = yg_intg_config_get(intg, 2);
	assert_string_equal(g->key, "email");
	assert_int_equal(g->kind, YG_INTG_EMAIL);
	assert_string_equal(g->smtp_url, "smtp://127.0.0.1:25");
	assert_int_equal(g->level, 7);
	assert_int_equal(g->maxperhour, 12);
	assert_int_equal(g->nmail_to, 1);
	assert_string_equal(b1->key, "email#2");
	assert_int_equal(b1->level, 10);
	assert_int_equal(b1->nmail_to, 2);
	assert_true(b1->do_not_group);
	assert_non_null(b1->group_re);
	/* below email_alert_level nothing reaches the mail output, as in Wazuh */
	assert_string_equal(b2->key, "email#3");
	assert_int_equal(b2->level, 7);
	assert_int_equal(b2->nrule_ids, 1);
	yg_diag_destroy(d);
	yg_intg_config_destroy(intg);
	/* without email_notification yes: nothing, with a warning for the blocks */
	intg = yg_intg_config_create();
	d = yg_diag_create();
	assert_int_equal(load("<email_alerts><email_to>a@b.c</email_to></email_alerts>", intg, d),
	                 YG_OK);
	assert_int_equal(yg_intg_config_count(intg), 0);
	assert_int_equal(yg_diag_warnings(d), 1);
	yg_diag_destroy(d);
	yg_intg_config_destroy(intg);
}

static const char alert5[] =
        "{\"timestamp\":\"2024-03-05T09:04:04.123+0000\",\"rule\":{\"level\":5,"
        "\"description\":\"sshd: authentication failed.\",\"id\":\"5716\","
        "\"groups\":[\"syslog\",\"sshd\"]},\"agent\":{\"id\":\"001\",\"name\":\"web01\","
        "\"ip\":\"10.0.0.2\"},\"manager\":{\"name\":\"mgr\"},\"id\":\"1.1\","
        "\"full_log\":\"line one\\nline two\",\"location\":\"/var/log/auth.log\","
        "\"data\":{\"srcip\":\"203.0.113.45\",\"dstuser\":\"root\"}}";

static void test_format(void **state)
{
	(void)state;
	json_object *a = json_tokener_parse(alert5);
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_email_format(NULL, a, &b), YG_OK);
	assert_string_equal(b.data,
	                    "Subject: Wazuh notification - (web01) 10.0.0.2 - Alert level 5\r\n\r\n"
	                    "\r\nWazuh Notification.\r\n2024 Mar 05 09:04:04\r\n\r\n"
	                    "Received From: (web01) 10.0.0.2->/var/log/auth.log\r\n"
	                    "Rule: 5716 fired (level 5) -> \"sshd: authentication failed.\"\r\n"
	                    "Src IP: 203.0.113.45\r\nUser: root\r\n"
	                    "Portion of the log(s):\r\n\r\nline one\r\nline two\r\n"
	                    "\r\n\r\n --END OF NOTIFICATION\r\n\r\n\r\n");
	yg_buf_free(&b);
	json_object_put(a);
}

/* ---- delivery ---- */

static char dir[64], outbox[128], mails[128];
static pid_t recv_pid;

static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	return ntohs(sa.sin_port);
}

/* Starts smtprecv.py on port; waits until it accepts connections. */
static void start_receiver(unsigned port)
{
	char p[16];
	snprintf(p, sizeof(p), "%u", port);
	recv_pid = fork();
	if (recv_pid == 0) {
		freopen("/dev/null", "w", stdout);
		execl("/usr/bin/python3", "python3", YG_SOURCE_ROOT "/tests/e2e/smtprecv.py", p,
		      mails, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET,
		                         .sin_port = htons((uint16_t)port),
		                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return;
		usleep(50000);
	}
	fail_msg("the SMTP receiver did not start");
}

/* The mails received so far (one JSON line each). */
static size_t count_mails(char **text)
{
	FILE *f = fopen(mails, "r");
	size_t n = 0;
	static char buf[1 << 20];
	size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[len] = '\0';
	if (f)
		fclose(f);
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	if (text)
		*text = buf;
	return n;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_maxperhour_digest(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/yg-email-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(outbox, sizeof(outbox), "%s/outbox.db", dir);
	snprintf(mails, sizeof(mails), "%s/mails.jsonl", dir);
	unsigned port = free_port();
	start_receiver(port);
	char xml[1024];
	snprintf(xml, sizeof(xml),
	         "<global><email_notification>yes</email_notification>"
	         "<smtp_server>127.0.0.1:%u</smtp_server><email_from>w@example.org</email_from>"
	         "<email_to>soc@example.org</email_to><email_maxperhour>2</email_maxperhour>"
	         "</global><alerts><email_alert_level>3</email_alert_level></alerts>",
	         port);
	yg_intg_config *intg = yg_intg_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(load(xml, intg, d), YG_OK);
	const unsigned window = 3000;
	yg_integrations_opts o = {.outbox_path = outbox, .tmpdir = dir, .mail_window_ms = window};
	yg_integrations *ig = NULL;
	assert_int_equal(yg_integrations_create(intg, &o, &ig), YG_OK);
	/* start just after a window begins, so the five alerts share one */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	usleep((useconds_t)((window - now % window) + 100) * 1000);
	for (int i = 0; i < 5; i++) {
		char a[2048];
		snprintf(a, sizeof(a),
		         "{\"rule\":{\"level\":%d,\"id\":\"57%02d\",\"description\":\"d%d\"},"
		         "\"id\":\"9.%d\",\"full_log\":\"log %d\",\"location\":\"x\"}",
		         i == 3 ? 9 : 4, i, i, i, i);
		unsigned q = 0;
		assert_int_equal(yg_integrations_offer(ig, a, strlen(a), &q), YG_OK);
		assert_int_equal(q, 1);
	}
	/* two at once, the three others held back until the next window */
	for (int i = 0; i < 100 && count_mails(NULL) < 2; i++)
		usleep(50000);
	usleep(500000);
	assert_int_equal(count_mails(NULL), 2);
	char *text = NULL;
	for (int i = 0; i < 200 && count_mails(&text) < 3; i++)
		usleep(50000);
	assert_int_equal(count_mails(&text), 3);
	/* the third is one digest of the three held back, under the subject
	 * of the highest level */
	const char *third = strrchr(text, '{');
	while (third > text && third[-1] != '\n')
		third--;
	assert_int_equal(count_str(third, "END OF NOTIFICATION"), 3);
	assert_non_null(strstr(third, "Alert level 9"));
	assert_true(yg_integrations_wait_idle(ig, 5000));
	yg_outbox_stats st;
	assert_int_equal(yg_integrations_stats(ig, NULL, &st), YG_OK);
	assert_int_equal(st.delivered, 5);
	yg_integrations_destroy(ig);
	kill(recv_pid, SIGTERM);
	waitpid(recv_pid, NULL, 0);
	yg_diag_destroy(d);
	yg_intg_config_destroy(intg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	free(tu_run(cmd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config_errors),
	        cmocka_unit_test(test_blocks),
	        cmocka_unit_test(test_format),
	        cmocka_unit_test(test_maxperhour_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
