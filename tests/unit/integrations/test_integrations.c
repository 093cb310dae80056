/* test_integrations.c: delivery to a real HTTP receiver on 127.0.0.1:
 * webhook / slack / mattermost requests, the article's custom-n8n script,
 * an outage, a restart with messages pending, dead letters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "httprecv.h"
#include "integrations/format.h"
#include "integrations/integrations.h"
#include "integrations/jsonout.h"
#include "tutil.h"

#define SEED YG_SOURCE_ROOT "/../shared/scenarios/seed"

static char dir[64], outbox[128], scripts[128];

static void on_log(void *ctx, yg_severity sev, const char *msg)
{
	(void)ctx;
	if (getenv("YG_TEST_VERBOSE"))
		printf("[%s] %s\n", sev == YG_SEV_ERROR ? "error" : "warning", msg);
}

static int setup(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(dir, sizeof(dir), "/tmp/yg-intg-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(outbox, sizeof(outbox), "%s/outbox.db", dir);
	snprintf(scripts, sizeof(scripts), "%s/integrations", dir);
	snprintf(cmd, sizeof(cmd), "%s/logs", dir);
	mkdir(scripts, 0755);
	mkdir(cmd, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	free(tu_run(cmd));
	return 0;
}

static yg_integrations *start(const yg_intg_config *cfg)
{
	yg_integrations *ig = NULL;
	yg_integrations_opts o = {.outbox_path = outbox,
	                          .scripts_dir = scripts,
	                          .tmpdir = dir,
	                          .log = on_log,
	                          .stop_grace_ms = 500};
	assert_int_equal(yg_integrations_create(cfg, &o, &ig), YG_OK);
	return ig;
}

static yg_intg_config *config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static yg_intg_config *config(const char *fmt, ...)
{
	char xml[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(xml, sizeof(xml), fmt, ap);
	va_end(ap);
	yg_diag *d = yg_diag_create();
	yg_intg_config *cfg = tu_config(xml, d);
	if (!cfg)
		yg_diag_print(d, stdout);
	assert_non_null(cfg);
	yg_diag_destroy(d);
	return cfg;
}

/* An alert of the article's kind: level, groups, id. */
static void make_alert(char *out, size_t cap, int level, const char *groups, const char *id)
{
	snprintf(out, cap,
	         "{\"timestamp\":\"2024-05-01T10:00:00.000+0000\",\"rule\":{\"level\":%d,"
	         "\"description\":\"File \\\"/var/www/html/x.php\\\" is a positive match. Yara "
	         "rule: webshell\",\"id\":\"108001\",\"groups\":[%s]},\"agent\":{\"id\":\"000\","
	         "\"name\":\"web01\"},\"id\":\"%s\",\"full_log\":\"wazuh-yara: INFO - Scan "
	         "result: webshell /var/www/html/x.php\",\"decoder\":{\"name\":\"yara\"},"
	         "\"location\":\"/var/ossec/logs/active-responses.log\"}",
	         level, groups, id);
}

static void offer(yg_integrations *ig, const char *alert, unsigned want_queued)
{
	unsigned q = 99;
	assert_int_equal(yg_integrations_offer(ig, alert, strlen(alert), &q), YG_OK);
	assert_int_equal(q, want_queued);
}

static const th_req *by_path(th_server *s, const char *path)
{
	for (size_t i = 0; i < th_count(s); i++)
		if (!strcmp(th_get(s, i)->path, path))
			return th_get(s, i);
	return NULL;
}

static void expect_header(const th_req *r, const char *name, const char *value)
{
	char v[512];
	assert_true(th_header(r, name, v, sizeof(v)));
	assert_string_equal(v, value);
}

/* The body format.c builds for block i of cfg (already checked exactly in
 * test_intg_format). */
static char *body_of(const yg_intg_config *cfg, size_t i, const char *alert)
{
	yg_buf b;
	json_object *o = yg_jsonout_parse(alert, strlen(alert));
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(
	        yg_intg_format_body(yg_intg_config_get(cfg, i), o, alert, strlen(alert), &b),
	        YG_OK);
	json_object_put(o);
	return yg_buf_steal(&b);
}

static void test_http_kinds(void **state)
{
	(void)state;
	th_server *s = th_start(0);
	assert_non_null(s);
	unsigned p = th_port(s);
	yg_intg_config *cfg = config(
	        "<integration><name>webhook</name><hook_url>http://127.0.0.1:%u/webhook/wazuh"
	        "</hook_url><level>7</level><api_key>test-api-key</api_key>"
	        "<group>malware,ids,attack,attacks,</group></integration>"
	        "<integration><name>slack</name><hook_url>http://127.0.0.1:%u/slack</hook_url>"
	        "<rule_id>108001</rule_id></integration>"
	        "<integration><name>mattermost</name><hook_url>http://127.0.0.1:%u/hooks/xyz"
	        "</hook_url><level>7</level></integration>"
	        "<integration><name>mattermost</name><hook_url>http://127.0.0.1:%u</hook_url>"
	        "<api_key>mm-token</api_key><options>{\"channel_id\":\"chan42\"}</options>"
	        "<level>7</level></integration>",
	        p, p, p, p);
	yg_integrations *ig = start(cfg);
	char alert[1024];
	make_alert(alert, sizeof(alert), 12, "\"yara\",\"malware\",\"incident\"", "1714557600.1");
	offer(ig, alert, 4);
	offer(ig, alert, 0); /* re-offered after a crash: not queued again */
	assert_true(th_wait(s, 4, 10000));
	assert_true(yg_integrations_wait_idle(ig, 5000));

	const th_req *r = by_path(s, "/webhook/wazuh");
	assert_non_null(r);
	assert_string_equal(r->method, "POST");
	expect_header(r, "X-ApiKey", "test-api-key");
	expect_header(r, "Content-Type", "application/json");
	char *want = body_of(cfg, 0, alert);
	assert_string_equal(r->body, want);
	assert_non_null(strstr(r->body,
	                       "{\"severity\": 2, \"title\": \"File \\\"/var/www/html/x.php"
	                       "\\\" is a positive match. Yara rule: webshell\", \"text\": "
	                       "\"wazuh-yara: INFO - Scan result: webshell "
	                       "/var/www/html/x.php\", \"rule_id\": \"108001\", "
	                       "\"timestamp\": \"2024-05-01T10:00:00.000+0000\", \"id\": "
	                       "\"1714557600.1\", \"all_fields\": {\"timestamp\""));
	free(want);

	r = by_path(s, "/slack");
	assert_non_null(r);
	want = body_of(cfg, 1, alert);
	assert_string_equal(r->body, want);
	assert_non_null(strstr(r->body, "\"pretext\": \"WAZUH Alert\""));
	free(want);

	r = by_path(s, "/hooks/xyz");
	assert_non_null(r);
	assert_false(th_header(r, "Authorization", (char[8]){0}, 8));
	assert_string_equal(r->body, "{\"text\": \"** :fire: [High]File \\\"/var/www/html/x.php"
	                             "\\\" is a positive match. Yara rule: webshell **\\n\\n> "
	                             "wazuh-yara: INFO - Scan result: webshell "
	                             "/var/www/html/x.php\"}");

	r = by_path(s, "/api/v4/posts");
	assert_non_null(r);
	expect_header(r, "Authorization", "Bearer mm-token");
	expect_header(r, "Content-Type", "application/json");
	assert_string_equal(r->body,
	                    "{\"channel_id\": \"chan42\", \"message\": \"** :fire: "
	                    "[High]File \\\"/var/www/html/x.php\\\" is a positive match. "
	                    "Yara rule: webshell **\\n\\n> wazuh-yara: INFO - Scan result: "
	                    "webshell /var/www/html/x.php\"}");

	/* Filters: below the level, or no group in the list: nothing. */
	make_alert(alert, sizeof(alert), 6, "\"malware\"", "low.1");
	offer(ig, alert, 1); /* only slack (rule_id filter, no level) */
	make_alert(alert, sizeof(alert), 10, "\"syscheck\"", "nogroup.1");
	offer(ig, alert, 3); /* slack and both mattermost */
	assert_true(th_wait(s, 8, 10000));
	assert_true(yg_integrations_wait_idle(ig, 5000));
	assert_int_equal(th_count(s), 8);
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
	th_stop(s);
}

/* Levels 7, 8, 12, 13 through real HTTP, in order: severities 1, 2, 2, 3. */
static void test_severity_order(void **state)
{
	(void)state;
	th_server *s = th_start(0);
	yg_intg_config *cfg = config("<integration><name>webhook</name><hook_url>"
	                             "http://127.0.0.1:%u/w</hook_url><api_key>k</api_key>"
	                             "</integration>",
	                             th_port(s));
	yg_integrations *ig = start(cfg);
	const int levels[] = {7, 8, 12, 13}, sev[] = {1, 2, 2, 3};
	for (size_t i = 0; i < 4; i++) {
		char alert[1024], id[16];
		snprintf(id, sizeof(id), "sev.%zu", i);
		make_alert(alert, sizeof(alert), levels[i], "\"attack\"", id);
		offer(ig, alert, 1);
	}
	assert_true(th_wait(s, 4, 10000));
	for (size_t i = 0; i < 4; i++) {
		char want[64], id[32];
		snprintf(want, sizeof(want), "{\"severity\": %d, ", sev[i]);
		snprintf(id, sizeof(id), "\"id\": \"sev.%zu\"", i);
		assert_memory_equal(th_get(s, i)->body, want, strlen(want));
		assert_non_null(strstr(th_get(s, i)->body, id));
	}
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
	th_stop(s);
}

/* The article's custom-n8n, unchanged but for the /var/ossec prefix, run
 * with integratord's argv; it must reach the receiver with the same body
 * as the native webhook. */
static void test_custom_n8n(void **state)
{
	(void)state;
	struct stat st;
	char cmd[512];
	if (stat(SEED "/custom-n8n", &st) != 0)
		skip();
	char *has = tu_run("/usr/bin/python3 -c 'import requests' 2>/dev/null && echo yes");
	bool ok = has && !strncmp(has, "yes", 3);
	free(has);
	if (!ok)
		skip();
	snprintf(cmd, sizeof(cmd),
	         "sed 's#/var/ossec#%s#g' '%s' > '%s/custom-n8n' && chmod 750 '%s/custom-n8n'", dir,
	         SEED "/custom-n8n", scripts, scripts);
	free(tu_run(cmd));
	th_server *s = th_start(0);
	yg_intg_config *cfg = config("<integration>\n"
	                             "  <name>custom-n8n</name>\n"
	                             "  <hook_url>http://127.0.0.1:%u/webhook/wazuh</hook_url>\n"
	                             "  <level>7</level>\n"
	                             "  <alert_format>json</alert_format>\n"
	                             "  <api_key>test-api-key</api_key>\n"
	                             "  <group>malware,ids,attack,attacks,</group>\n"
	                             "</integration>\n"
	                             "<integration><name>webhook</name>"
	                             "<hook_url>http://127.0.0.1:%u/native</hook_url>"
	                             "<api_key>test-api-key</api_key></integration>",
	                             th_port(s), th_port(s));
	yg_integrations *ig = start(cfg);
	char alert[1024];
	make_alert(alert, sizeof(alert), 12, "\"yara\",\"malware\",\"incident\"", "n8n.1");
	offer(ig, alert, 2);
	assert_true(th_wait(s, 2, 20000));
	assert_true(yg_integrations_wait_idle(ig, 10000));
	const th_req *script = by_path(s, "/webhook/wazuh"), *native = by_path(s, "/native");
	assert_non_null(script);
	assert_non_null(native);
	expect_header(script, "X-ApiKey", "test-api-key");
	expect_header(script, "Content-Type", "application/json");
	assert_string_equal(script->body, native->body);
	yg_outbox_stats stt;
	assert_int_equal(yg_integrations_stats(ig, "custom-n8n", &stt), YG_OK);
	assert_int_equal(stt.delivered, 1);
	/* The alert file was removed after the run. */
	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '\\.alert$' || true", dir);
	char *n = tu_run(cmd);
	assert_non_null(n);
	assert_int_equal(atoi(n), 0);
	free(n);
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
	th_stop(s);
}

/* Counts requests per alert id in the webhook bodies; fails on a repeat. */
static void expect_each_once(th_server *s, const char *prefix, size_t n)
{
	assert_int_equal(th_count(s), n);
	for (size_t i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof(id), "\"id\": \"%s.%zu\", \"all_fields\"", prefix, i);
		size_t hits = 0;
		for (size_t j = 0; j < th_count(s); j++)
			hits += strstr(th_get(s, j)->body, id) != NULL;
		assert_int_equal(hits, 1);
		/* and in order */
		assert_non_null(strstr(th_get(s, i)->body, id));
	}
}

typedef struct maxatt {
	unsigned max;
	char err[256];
} maxatt;

static int on_row(void *ctx, const yg_outbox_row *r)
{
	maxatt *m = ctx;
	if (r->attempts > m->max)
		m->max = r->attempts;
	if (r->last_error)
		snprintf(m->err, sizeof(m->err), "%s", r->last_error);
	return 0;
}

/* Receiver down -> retries -> receiver up -> every message exactly once,
 * in order. */
static void test_outage(void **state)
{
	(void)state;
	th_server *s = th_start(0);
	uint16_t port = th_port(s);
	th_stop(s); /* down: connection refused */
	yg_intg_config *cfg = config("<integration><name>webhook</name><hook_url>"
	                             "http://127.0.0.1:%u/w</hook_url><retry_min>100ms</retry_min>"
	                             "<retry_max>300ms</retry_max><timeout>2</timeout>"
	                             "</integration>",
	                             port);
	yg_integrations *ig = start(cfg);
	for (size_t i = 0; i < 5; i++) {
		char alert[1024], id[16];
		snprintf(id, sizeof(id), "out.%zu", i);
		make_alert(alert, sizeof(alert), 10, "\"attack\"", id);
		offer(ig, alert, 1);
	}
	usleep(1200 * 1000);
	maxatt m = {0};
	assert_int_equal(yg_integrations_list(ig, NULL, -1, 0, 100, on_row, &m), YG_OK);
	assert_true(m.max >= 3); /* it kept trying */
	assert_non_null(strstr(m.err, "onnect"));
	yg_outbox_stats st;
	assert_int_equal(yg_integrations_stats(ig, NULL, &st), YG_OK);
	assert_int_equal(st.pending + st.in_flight, 5);
	s = th_start(port);
	assert_non_null(s);
	assert_true(yg_integrations_wait_idle(ig, 10000));
	assert_int_equal(yg_integrations_stats(ig, NULL, &st), YG_OK);
	assert_int_equal(st.delivered, 5);
	expect_each_once(s, "out", 5);
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
	th_stop(s);
}

/* Messages pending when the outbox is stopped are delivered once after
 * the next start; re-offering the alerts afterwards sends nothing. */
static void test_restart(void **state)
{
	(void)state;
	th_server *s = th_start(0);
	uint16_t port = th_port(s);
	th_stop(s);
	yg_intg_config *cfg = config("<integration><name>webhook</name><hook_url>"
	                             "http://127.0.0.1:%u/w</hook_url><retry_min>100ms</retry_min>"
	                             "<retry_max>200ms</retry_max></integration>",
	                             port);
	char alerts[3][1024];
	yg_integrations *ig = start(cfg);
	for (size_t i = 0; i < 3; i++) {
		char id[16];
		snprintf(id, sizeof(id), "rs.%zu", i);
		make_alert(alerts[i], sizeof(alerts[i]), 10, "\"attack\"", id);
		offer(ig, alerts[i], 1);
	}
	usleep(300 * 1000);
	yg_integrations_destroy(ig);

	s = th_start(port);
	ig = start(cfg);
	for (size_t i = 0; i < 3; i++)
		offer(ig, alerts[i], 0); /* the manager replays after its restart */
	assert_true(yg_integrations_wait_idle(ig, 10000));
	expect_each_once(s, "rs", 3);
	yg_integrations_destroy(ig);

	ig = start(cfg);
	for (size_t i = 0; i < 3; i++)
		offer(ig, alerts[i], 0);
	usleep(200 * 1000);
	assert_int_equal(th_count(s), 3);
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
	th_stop(s);
}

/* 503 until max attempts -> dead with the last error; retry_dead brings it
 * back; a 400 is dead at once. */
static void test_dead_letter(void **state)
{
	(void)state;
	th_server *s = th_start(0);
	th_set_status(s, 503);
	yg_intg_config *cfg = config("<integration><name>webhook</name><hook_url>"
	                             "http://127.0.0.1:%u/w</hook_url><retry_min>50ms</retry_min>"
	                             "<retry_max>100ms</retry_max><max_retries>2</max_retries>"
	                             "</integration>",
	                             th_port(s));
	yg_integrations *ig = start(cfg);
	char alert[1024];
	make_alert(alert, sizeof(alert), 10, "\"attack\"", "dead.0");
	offer(ig, alert, 1);
	assert_true(yg_integrations_wait_idle(ig, 10000));
	assert_int_equal(th_count(s), 3); /* first attempt + 2 retries */
	yg_outbox_stats st;
	assert_int_equal(yg_integrations_stats(ig, NULL, &st), YG_OK);
	assert_int_equal(st.dead, 1);
	maxatt m = {0};
	assert_int_equal(yg_integrations_list(ig, NULL, YG_OUTBOX_DEAD, 0, 10, on_row, &m), YG_OK);
	assert_int_equal(m.max, 3);
	assert_non_null(strstr(m.err, "HTTP 503"));

	th_set_status(s, 200);
	assert_int_equal(yg_integrations_retry_dead(ig, 999), YG_ENOTFOUND);
	assert_int_equal(yg_integrations_retry_dead(ig, 1), YG_OK);
	assert_true(yg_integrations_wait_idle(ig, 10000));
	assert_int_equal(th_count(s), 4);
	assert_int_equal(yg_integrations_stats(ig, NULL, &st), YG_OK);
	assert_int_equal(st.delivered, 1);

	th_set_status(s, 400);
	make_alert(alert, sizeof(alert), 10, "\"attack\"", "dead.1");
	offer(ig, alert, 1);
	assert_true(yg_integrations_wait_idle(ig, 10000));
	assert_int_equal(th_count(s), 5);
	assert_int_equal(yg_integrations_stats(ig, NULL, &st), YG_OK);
	assert_int_equal(st.dead, 1);
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
	th_stop(s);
}

/* A failing script is retried then dead-lettered with its exit status and
 * output; a hanging one is killed at its timeout; a missing one disables
 * the block. */
static void test_script_failures(void **state)
{
	(void)state;
	char path[256], cmd[1200];
	snprintf(path, sizeof(path), "%s/custom-fail", scripts);
	snprintf(
	        cmd, sizeof(cmd),
	        "printf '#!/bin/sh\\necho \"args:$#:$2:$3\"\\nexit 3\\n' > '%s' && chmod 755 '%s'; "
	        "printf '#!/bin/sh\\nsleep 30\\n' > '%s/custom-hang' && chmod 755 '%s/custom-hang'",
	        path, path, scripts, scripts);
	free(tu_run(cmd));
	yg_intg_config *cfg = config(
	        "<integration><name>custom-fail</name><api_key>K</api_key><hook_url>U</hook_url>"
	        "<retry_min>50ms</retry_min><max_retries>1</max_retries></integration>"
	        "<integration><name>custom-hang</name><timeout>1</timeout><max_retries>0"
	        "</max_retries></integration>"
	        "<integration><name>custom-missing</name></integration>");
	yg_integrations *ig = start(cfg);
	char alert[1024];
	make_alert(alert, sizeof(alert), 10, "\"attack\"", "sc.0");
	offer(ig, alert, 2); /* custom-missing is disabled */
	assert_true(yg_integrations_wait_idle(ig, 10000));
	yg_outbox_stats st;
	assert_int_equal(yg_integrations_stats(ig, "custom-fail", &st), YG_OK);
	assert_int_equal(st.dead, 1);
	maxatt m = {0};
	assert_int_equal(yg_integrations_list(ig, "custom-fail", -1, 0, 10, on_row, &m), YG_OK);
	assert_int_equal(m.max, 2);
	assert_non_null(strstr(m.err, "exit status 3"));
	assert_non_null(strstr(m.err, "args:7:K:U")); /* integratord's argv */
	m = (maxatt){0};
	assert_int_equal(yg_integrations_list(ig, "custom-hang", -1, 0, 10, on_row, &m), YG_OK);
	assert_non_null(strstr(m.err, "timed out"));
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
}

static void test_bad_alerts(void **state)
{
	(void)state;
	yg_intg_config *cfg = config("<integration><name>webhook</name><hook_url>"
	                             "http://127.0.0.1:9/w</hook_url></integration>");
	yg_integrations *ig = start(cfg);
	unsigned q;
	assert_int_equal(yg_integrations_offer(ig, "not json", 8, &q), YG_EPARSE);
	assert_int_equal(yg_integrations_offer(ig, "[1]", 3, &q), YG_EPARSE);
	assert_int_equal(yg_integrations_offer(ig, "{\"rule\":{}}", 11, &q), YG_EINVAL);
	assert_int_equal(yg_integrations_offer(ig, "{\"id\":\"x\"}", 10, &q), YG_OK);
	assert_int_equal(q, 0);
	yg_integrations_destroy(ig);
	yg_intg_config_destroy(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_http_kinds, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_severity_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_custom_n8n, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outage, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dead_letter, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_script_failures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_alerts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
