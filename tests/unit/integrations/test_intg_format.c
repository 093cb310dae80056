/* test_intg_format.c: <integration> configuration and the exact payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "integrations/format.h"
#include "integrations/jsonout.h"
#include "tutil.h"

#define SEED YG_SOURCE_ROOT "/../shared/scenarios/seed"

/* A YARA incident alert (scenario 2). */
static const char yara_alert[] =
        "{\"timestamp\":\"2024-05-01T10:00:00.000+0000\",\"rule\":{\"level\":12,"
        "\"description\":\"File \\\"/var/www/html/x.php\\\" is a positive match. Yara rule: "
        "webshell\",\"id\":\"108001\",\"firedtimes\":1,\"mail\":false,\"groups\":[\"yara\","
        "\"malware\",\"incident\"]},\"agent\":{\"id\":\"000\",\"name\":\"web01\"},\"manager\":"
        "{\"name\":\"web01\"},\"id\":\"1714557600.12345\",\"full_log\":\"wazuh-yara: INFO - "
        "Scan result: webshell /var/www/html/x.php\",\"decoder\":{\"name\":\"yara_decoder\"},"
        "\"location\":\"/var/ossec/logs/active-responses.log\"}";

/* A Suricata alert whose log is JSON (scenario 3). */
static const char eve_alert[] =
        "{\"timestamp\":\"2024-05-01T10:00:01.000+0000\",\"rule\":{\"level\":9,"
        "\"description\":\"Suricata: Alert - Possible Malicious Outbound Activity\",\"id\":"
        "\"86611\",\"groups\":[\"ids\",\"suricata\"]},\"agent\":{\"id\":\"000\",\"name\":"
        "\"web01\"},\"id\":\"1714557601.777\",\"full_log\":\"{\\\"timestamp\\\":\\\"2024-05-01"
        "T10:00:01\\\",\\\"event_type\\\":\\\"alert\\\",\\\"src_ip\\\":\\\"10.0.0.5\\\","
        "\\\"alert\\\":{\\\"signature\\\":\\\"Possible Malicious Outbound Activity\\\","
        "\\\"severity\\\":2,\\\"metadata\\\":{\\\"severity\\\":[\\\"high\\\"]}},\\\"tags\\\":[]}"
        "\",\"decoder\":{\"name\":\"json\"},\"data\":{\"src_ip\":\"10.0.0.5\"},\"location\":"
        "\"/var/log/suricata/eve.json\"}";

/* Odd values: non-ASCII, controls, floats, big numbers, empty containers. */
static const char odd_alert[] =
        "{\"timestamp\":\"t\",\"rule\":{\"level\":13,\"description\":\"caf\xc3\xa9 \xe6\x97\xa5"
        " \xf0\x9f\x98\x80 \\u0001\\t\\\"/\\\\\x7f\",\"id\":\"5\",\"groups\":[]},\"id\":\"9.9\","
        "\"full_log\":null,\"n\":[1.0,1e-05,1e16,2.5,0.1,-0.0,123456789012345678,1e300,"
        "1.5e-7,1e21,100,true,false,null,{},[]],\"2\":{\"1\":\"a\",\"b\":2,\"0\":3}}";

static json_object *parse(const char *s)
{
	json_object *o = yg_jsonout_parse(s, strlen(s));
	assert_non_null(o);
	return o;
}

static char *body_for(const yg_intg_def *def, const char *alert)
{
	yg_buf b;
	json_object *o = parse(alert);
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_intg_format_body(def, o, alert, strlen(alert), &b), YG_OK);
	json_object_put(o);
	return yg_buf_steal(&b);
}

static yg_intg_config *config1(const char *xml)
{
	yg_diag *d = yg_diag_create();
	yg_intg_config *cfg = tu_config(xml, d);
	if (!cfg)
		yg_diag_print(d, stdout);
	assert_non_null(cfg);
	yg_diag_destroy(d);
	return cfg;
}

/* ---- configuration ---- */

static void test_config_article(void **state)
{
	(void)state;
	/* The article's block, verbatim. */
	yg_intg_config *cfg = config1("<integration>\n"
	                              "  <name>custom-n8n</name>\n"
	                              "  <hook_url>http://127.0.0.1:5678/webhook/wazuh</hook_url>\n"
	                              "  <level>7</level>\n"
	                              "  <alert_format>json</alert_format>\n"
	                              "  <api_key>test-api-key</api_key>\n"
	                              "  <group>malware,ids,attack,attacks,</group>\n"
	                              "</integration>\n"
	                              "<integration><name>webhook</name>"
	                              "<hook_url>http://h/x</hook_url><rule_id>100, 200,300"
	                              "</rule_id><event_location>eve.json$</event_location>"
	                              "<retry_min>250ms</retry_min><max_retries>4</max_retries>"
	                              "</integration>"
	                              "<integration><name>webhook</name>"
	                              "<hook_url>http://h/y</hook_url></integration>");
	assert_int_equal(yg_intg_config_count(cfg), 3);
	const yg_intg_def *d = yg_intg_config_get(cfg, 0);
	assert_int_equal(d->kind, YG_INTG_CUSTOM);
	assert_string_equal(d->key, "custom-n8n");
	assert_int_equal(d->level, 7);
	assert_string_equal(d->group, "malware,ids,attack,attacks,");
	assert_string_equal(d->api_key, "test-api-key");
	assert_int_equal(d->timeout, 10);
	assert_int_equal(d->retries, 3);
	d = yg_intg_config_get(cfg, 1);
	assert_int_equal(d->kind, YG_INTG_WEBHOOK);
	assert_int_equal(d->nrule_ids, 3);
	assert_int_equal(d->rule_ids[1], 200);
	assert_true(yg_osmatch_exec(d->location, "/var/log/suricata/eve.json"));
	assert_false(yg_osmatch_exec(d->location, "/var/log/syslog"));
	assert_int_equal(d->retry_min_ms, 250);
	assert_int_equal(d->max_attempts, 5);
	assert_string_equal(yg_intg_config_get(cfg, 2)->key, "webhook#2");
	yg_intg_config_destroy(cfg);
}

/* Each bad value is reported with file:line and the element. */
static void expect_error(const char *xml, int line, const char *element)
{
	yg_diag *d = yg_diag_create();
	assert_null(tu_config(xml, d));
	assert_true(yg_diag_errors(d) >= 1);
	bool seen = false;
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		if (e->severity == YG_SEV_ERROR && e->line == line && e->element &&
		    !strcmp(e->element, element) && e->file && !strcmp(e->file, "test.conf"))
			seen = true;
	}
	if (!seen)
		yg_diag_print(d, stdout);
	assert_true(seen);
	yg_diag_destroy(d);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_error("<integration>\n<name>webhook</name>\n<hook_url>http://h</hook_url>\n"
	             "<level>high</level>\n</integration>",
	             4, "level");
	expect_error("<integration>\n<name>webhook</name>\n<hook_url>http://h</hook_url>\n"
	             "<rule_id>12a</rule_id></integration>",
	             4, "rule_id");
	expect_error("<integration>\n<name>slack</name>\n<hook_url>http://h</hook_url>\n"
	             "<options>[1]</options></integration>",
	             4, "options");
	expect_error("<integration>\n<name>slack</name>\n<bogus>1</bogus></integration>", 3,
	             "bogus");
	expect_error("<integration>\n<name>slack</name>\n</integration>", 1, "hook_url");
	expect_error("<integration>\n<name>webhook</name>\n<hook_url>file:///etc/x</hook_url>"
	             "</integration>",
	             1, "hook_url");
	expect_error("<integration>\n<hook_url>http://h</hook_url>\n</integration>", 1,
	             "integration");
	expect_error("<integration>\n<name>mattermost</name>\n<hook_url>http://h</hook_url>\n"
	             "<options>{\"channel_id\":\"c1\"}</options></integration>",
	             1, "integration");
	expect_error("<integration>\n<name>mattermost</name>\n<hook_url>http://h</hook_url>\n"
	             "<options>{\"template\":\"{{nope}}\"}</options></integration>",
	             1, "options");
	expect_error("<integration>\n<name>webhook</name>\n<hook_url>http://h</hook_url>\n"
	             "<timeout>0</timeout></integration>",
	             4, "timeout");
	expect_error("<integration>\n<name>webhook</name>\n<hook_url>http://h</hook_url>\n"
	             "<retry_max_age>1 week</retry_max_age></integration>",
	             4, "retry_max_age");

	/* Wazuh's other integrations: skipped with a warning, not an error. */
	yg_diag *d = yg_diag_create();
	yg_intg_config *cfg =
	        tu_config("<integration><name>pagerduty</name><api_key>k</api_key></integration>"
	                  "<integration><name>custom-../x</name></integration>",
	                  d);
	assert_non_null(cfg);
	assert_int_equal(yg_intg_config_count(cfg), 0);
	assert_int_equal(yg_diag_warnings(d), 2);
	yg_intg_config_destroy(cfg);
	yg_diag_destroy(d);
}

/* ---- webhook ---- */

static void test_webhook_severity(void **state)
{
	(void)state;
	static const struct {
		int level, severity;
	} cases[] = {{7, 1}, {8, 2}, {12, 2}, {13, 3}, {0, 1}, {15, 3}};
	yg_intg_config *cfg =
	        config1("<integration><name>webhook</name><hook_url>http://h/</hook_url>"
	                "</integration>");
	const yg_intg_def *def = yg_intg_config_get(cfg, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char alert[512], want[1024];
		snprintf(alert, sizeof(alert),
		         "{\"timestamp\":\"T\",\"rule\":{\"level\":%d,\"description\":\"D\",\"id\":"
		         "\"100\",\"groups\":[\"attack\"]},\"id\":\"1.1\",\"full_log\":\"log "
		         "line\",\"decoder\":{\"name\":\"x\"}}",
		         cases[i].level);
		snprintf(
		        want, sizeof(want),
		        "{\"severity\": %d, \"title\": \"D\", \"text\": \"log line\", \"rule_id\": "
		        "\"100\", \"timestamp\": \"T\", \"id\": \"1.1\", \"all_fields\": "
		        "{\"timestamp\": \"T\", \"rule\": {\"level\": %d, \"description\": \"D\", "
		        "\"id\": \"100\", \"groups\": [\"attack\"]}, \"id\": \"1.1\", "
		        "\"full_log\": "
		        "\"log line\", \"decoder\": {\"name\": \"x\"}}}",
		        cases[i].severity, cases[i].level);
		char *got = body_for(def, alert);
		assert_string_equal(got, want);
		free(got);
	}
	/* No description: "N/A"; no full_log: null. */
	char *got = body_for(def, "{\"rule\":{\"level\":3,\"id\":\"1\"},\"id\":\"a\","
	                          "\"timestamp\":\"T\"}");
	assert_string_equal(got, "{\"severity\": 1, \"title\": \"N/A\", \"text\": null, "
	                         "\"rule_id\": \"1\", \"timestamp\": \"T\", \"id\": \"a\", "
	                         "\"all_fields\": {\"rule\": {\"level\": 3, \"id\": \"1\"}, "
	                         "\"id\": \"a\", \"timestamp\": \"T\"}}");
	free(got);
	yg_intg_config_destroy(cfg);
}

/* The native webhook body is byte for byte what the article's custom-n8n
 * (its own generate_message, run by Debian's Python) would send. */
static void test_webhook_equals_custom_n8n(void **state)
{
	(void)state;
	struct stat st;
	if (stat(SEED "/custom-n8n", &st) != 0 || stat("/usr/bin/python3", &st) != 0)
		skip();
	char *has = tu_run("/usr/bin/python3 -c 'import requests' 2>/dev/null && echo yes");
	if (!has || strncmp(has, "yes", 3) != 0) {
		free(has);
		skip();
	}
	free(has);
	yg_intg_config *cfg =
	        config1("<integration><name>webhook</name><hook_url>http://h/</hook_url>"
	                "</integration>");
	const char *alerts[] = {yara_alert, eve_alert, odd_alert};
	for (size_t i = 0; i < 3; i++) {
		char path[64], cmd[512];
		assert_non_null(tu_write_temp(alerts[i], path, sizeof(path)));
		snprintf(cmd, sizeof(cmd),
		         "/usr/bin/python3 -c \"import json,sys,importlib.machinery as m; "
		         "n=m.SourceFileLoader('n8n','%s').load_module(); "
		         "sys.stdout.write(n.generate_message(json.load(open('%s'))))\"",
		         SEED "/custom-n8n", path);
		char *want = tu_run(cmd);
		unlink(path);
		assert_non_null(want);
		char *got = body_for(yg_intg_config_get(cfg, 0), alerts[i]);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	yg_intg_config_destroy(cfg);
}

/* ---- slack ---- */

static void test_slack(void **state)
{
	(void)state;
	yg_intg_config *cfg = config1("<integration><name>slack</name><hook_url>http://h/s"
	                              "</hook_url><options>{\"pretext\":\"yagura\",\"footer\":"
	                              "\"f\"}</options></integration>");
	char *got = body_for(yg_intg_config_get(cfg, 0), yara_alert);
	assert_string_equal(got,
	                    "{\"attachments\": [{\"color\": \"danger\", \"pretext\": \"yagura\", "
	                    "\"title\": \"File \\\"/var/www/html/x.php\\\" is a positive match. "
	                    "Yara rule: webshell\", \"text\": \"wazuh-yara: INFO - Scan result: "
	                    "webshell /var/www/html/x.php\", \"fields\": [{\"title\": \"Agent\", "
	                    "\"value\": \"(000) - web01\"}, {\"title\": \"Location\", \"value\": "
	                    "\"/var/ossec/logs/active-responses.log\"}, {\"title\": \"Rule ID\", "
	                    "\"value\": \"108001 _(Level 12)_\"}], \"ts\": \"1714557600.12345\", "
	                    "\"footer\": \"f\"}]}");
	free(got);
	yg_intg_config_destroy(cfg);
	/* Colours: good <= 4 < warning <= 7 < danger. */
	cfg = config1("<integration><name>slack</name><hook_url>http://h/s</hook_url>"
	              "</integration>");
	got = body_for(yg_intg_config_get(cfg, 0), "{\"rule\":{\"level\":4,\"id\":\"1\"},"
	                                           "\"id\":\"a\",\"location\":\"l\"}");
	assert_non_null(strstr(got, "\"color\": \"good\""));
	assert_non_null(strstr(got, "\"title\": \"N/A\", \"text\": null"));
	free(got);
	got = body_for(yg_intg_config_get(cfg, 0), "{\"rule\":{\"level\":5,\"id\":\"1\"},"
	                                           "\"id\":\"a\",\"location\":\"l\"}");
	assert_non_null(strstr(got, "\"color\": \"warning\""));
	free(got);
	yg_intg_config_destroy(cfg);
}

/* ---- mattermost ---- */

static const char eve_quoted[] = "> {\n"
                                 ">   \"timestamp\": \"2024-05-01T10:00:01\",\n"
                                 ">   \"event_type\": \"alert\",\n"
                                 ">   \"src_ip\": \"10.0.0.5\",\n"
                                 ">   \"alert\": {\n"
                                 ">     \"signature\": \"Possible Malicious Outbound Activity\",\n"
                                 ">     \"severity\": 2,\n"
                                 ">     \"metadata\": {\n"
                                 ">       \"severity\": [\n"
                                 ">         \"high\"\n"
                                 ">       ]\n"
                                 ">     }\n"
                                 ">   },\n"
                                 ">   \"tags\": []\n"
                                 "> }";

static char *mm_message(const yg_intg_def *def, const char *alert)
{
	yg_buf b;
	json_object *o = parse(alert);
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_intg_format_mm_message(def, o, &b), YG_OK);
	json_object_put(o);
	return yg_buf_steal(&b);
}

static void test_mm_message(void **state)
{
	(void)state;
	char *m = mm_message(NULL, yara_alert);
	assert_string_equal(m, "** :fire: [High]File \"/var/www/html/x.php\" is a positive "
	                       "match. Yara rule: webshell **\n\n> wazuh-yara: INFO - Scan "
	                       "result: webshell /var/www/html/x.php");
	free(m);
	m = mm_message(NULL, eve_alert);
	char want[2048];
	snprintf(want, sizeof(want),
	         "** :rotating_light:[High]Suricata: Alert - Possible Malicious Outbound "
	         "Activity **\n\n%s",
	         eve_quoted);
	assert_string_equal(m, want);
	free(m);
	/* Level 7 is Medium, 13 Critical; a multi-line text log is quoted
	 * line by line. */
	m = mm_message(NULL, "{\"rule\":{\"level\":7,\"description\":\"d\",\"groups\":[\"a\"]},"
	                     "\"full_log\":\"l1\\nl2\"}");
	assert_string_equal(m, "** :rotating_light:[Medium]d **\n\n> l1\n> l2");
	free(m);
	m = mm_message(NULL, "{\"rule\":{\"level\":13,\"groups\":[\"incident\"]}}");
	assert_string_equal(m, "** :fire: [Critical]N/A **\n\n> ");
	free(m);
}

static void test_mm_bodies(void **state)
{
	(void)state;
	yg_intg_config *cfg = config1(
	        "<integration><name>mattermost</name><hook_url>http://mm:8065/</hook_url>"
	        "<api_key>tok</api_key><options>{\"channel_id\":\"ch1\"}</options></integration>"
	        "<integration><name>mattermost</name><hook_url>http://mm:8065/hooks/abc</hook_url>"
	        "<options>{\"username\":\"wazuh\",\"template\":\"{{icon}}{{ severity }} "
	        "{{level}} {{rule_id}} {{agent}} {{srcip}} {{id}} {{timestamp}} {{groups}} "
	        "{{title}}\\n{{log}}\"}</options></integration>");
	const yg_intg_def *api = yg_intg_config_get(cfg, 0);
	const yg_intg_def *hook = yg_intg_config_get(cfg, 1);
	assert_int_equal(api->mm_mode, YG_INTG_MM_API);
	assert_int_equal(hook->mm_mode, YG_INTG_MM_WEBHOOK);
	char *got = body_for(api, yara_alert);
	assert_string_equal(got, "{\"channel_id\": \"ch1\", \"message\": \"** :fire: [High]File "
	                         "\\\"/var/www/html/x.php\\\" is a positive match. Yara rule: "
	                         "webshell **\\n\\n> wazuh-yara: INFO - Scan result: webshell "
	                         "/var/www/html/x.php\"}");
	free(got);
	got = body_for(hook, "{\"timestamp\":\"T\",\"rule\":{\"level\":3,\"id\":\"9\",\"groups\":"
	                     "[\"a\",\"b\"],\"description\":\"D\"},\"agent\":{\"name\":\"n\"},"
	                     "\"data\":{\"srcip\":\"1.2.3.4\"},\"id\":\"I\",\"full_log\":\"x\"}");
	assert_string_equal(got, "{\"text\": \":rotating_light:Medium 3 9 n 1.2.3.4 I T a,b "
	                         "D\\nx\", \"username\": \"wazuh\"}");
	free(got);

	/* Request: URL and headers. */
	yg_buf url, scratch;
	const char *h[YG_INTG_MAX_HEADERS];
	size_t nh;
	yg_buf_init(&url, 4096);
	yg_buf_init(&scratch, 4096);
	assert_int_equal(yg_intg_format_request(api, &url, &scratch, h, &nh), YG_OK);
	assert_string_equal(url.data, "http://mm:8065/api/v4/posts");
	assert_int_equal(nh, 3);
	assert_string_equal(h[2], "Authorization: Bearer tok");
	yg_buf_free(&url);
	yg_buf_free(&scratch);
	yg_intg_config_destroy(cfg);
}

/* ---- the two serialisers against the real thing ---- */

static const char tricky_json[] =
        "{\"b\":1,\"2\":[1.5e-7,1e21,{},0.000001,123e-20,1.0,-0.5],\"a\":\"\xc3\xa9\\u0001\\u2028"
        "\\ud83d\\ude00\",\"1\":[],\"10\":null,\"01\":true,\"n\":{\"x\":[[]]},"
        "\"i\":9007199254740993,\"j\":-12345678901234567}";

static void test_js_pretty_vs_node(void **state)
{
	(void)state;
	struct stat st;
	if (stat("/usr/bin/node", &st) != 0)
		skip();
	char path[64], cmd[256];
	assert_non_null(tu_write_temp(tricky_json, path, sizeof(path)));
	snprintf(cmd, sizeof(cmd),
	         "/usr/bin/node -e 'const fs=require(\"fs\");process.stdout.write(JSON.stringify("
	         "JSON.parse(fs.readFileSync(\"%s\",\"utf8\")),null,2))'",
	         path);
	char *want = tu_run(cmd);
	unlink(path);
	assert_non_null(want);
	json_object *o = parse(tricky_json);
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_jsonout_js_pretty(&b, o), YG_OK);
	json_object_put(o);
	assert_string_equal(b.data, want);
	yg_buf_free(&b);
	free(want);
}

static void test_python_vs_python(void **state)
{
	(void)state;
	struct stat st;
	if (stat("/usr/bin/python3", &st) != 0)
		skip();
	const char *docs[] = {tricky_json, odd_alert, eve_alert};
	for (size_t i = 0; i < 3; i++) {
		char path[64], cmd[256];
		assert_non_null(tu_write_temp(docs[i], path, sizeof(path)));
		snprintf(cmd, sizeof(cmd),
		         "/usr/bin/python3 -c \"import json,sys; "
		         "sys.stdout.write(json.dumps(json.load(open('%s'))))\"",
		         path);
		char *want = tu_run(cmd);
		unlink(path);
		assert_non_null(want);
		json_object *o = parse(docs[i]);
		yg_buf b;
		yg_buf_init(&b, 1 << 20);
		assert_int_equal(yg_jsonout_python(&b, o), YG_OK);
		json_object_put(o);
		assert_string_equal(b.data, want);
		yg_buf_free(&b);
		free(want);
	}
}

static void test_parse_strict(void **state)
{
	(void)state;
	const char *bad[] = {"", "{", "{\"a\":1} x", "[1,]", "{\"a\":01}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_object *o = yg_jsonout_parse(bad[i], strlen(bad[i]));
		assert_null(o);
	}
	/* Deep nesting is refused, not recursed into. */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_null(yg_jsonout_parse(deep, 200));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config_article),
	        cmocka_unit_test(test_config_errors),
	        cmocka_unit_test(test_webhook_severity),
	        cmocka_unit_test(test_webhook_equals_custom_n8n),
	        cmocka_unit_test(test_slack),
	        cmocka_unit_test(test_mm_message),
	        cmocka_unit_test(test_mm_bodies),
	        cmocka_unit_test(test_js_pretty_vs_node),
	        cmocka_unit_test(test_python_vs_python),
	        cmocka_unit_test(test_parse_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
