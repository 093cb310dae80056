/* Engine behaviour on a small ruleset (tests/unit/data/rs1): decoding,
 * rule order, correlation, lists, descriptions and alert JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "engine/engine.h"

static yg_ruleset *rs;

static int setup(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create(YG_TEST_DATA "/rs1");
	assert_int_equal(yg_ruleset_config_read(cfg, YG_TEST_DATA "/rs1.conf", d), YG_OK);
	yg_err err = yg_ruleset_load(cfg, d, &rs);
	if (err)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
	assert_non_null(rs);
	yg_ruleset_config_destroy(cfg);
	yg_diag_destroy(d);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	yg_ruleset_destroy(rs);
	return 0;
}

static yg_verdict run(yg_session *s, const char *log, time_t now)
{
	yg_verdict v;
	yg_input in = {.log = log, .location = "stdin", .manager_name = "mgr", .now = now};
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	return v;
}

static json_object *alert_of(yg_session *s)
{
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_session_alert_json(s, &b), YG_OK);
	json_object *o = json_tokener_parse(b.data);
	assert_non_null(o);
	yg_buf_free(&b);
	return o;
}

static const char *jstr(json_object *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_object *cur = o;
	for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
		if (!json_object_object_get_ex(cur, tok, &cur))
			return NULL;
	}
	return json_object_get_string(cur);
}

static void test_decode_and_describe(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v =
	        run(s, "Feb  9 11:44:56 host1 myapp[12]: login alice from 192.0.2.7 result=ok", 0);
	assert_int_equal(v.rule_id, 101);
	assert_int_equal(v.level, 3);
	assert_string_equal(v.decoder_name, "app");
	assert_true(v.alert);
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "rule.description"), "login ok for alice from 192.0.2.7");
	assert_string_equal(jstr(a, "rule.id"), "101");
	assert_string_equal(jstr(a, "data.srcip"), "192.0.2.7");
	assert_string_equal(jstr(a, "data.dstuser"), "alice");
	assert_string_equal(jstr(a, "data.result"), "ok");
	assert_string_equal(jstr(a, "predecoder.program_name"), "myapp");
	assert_string_equal(jstr(a, "predecoder.hostname"), "host1");
	assert_string_equal(jstr(a, "decoder.name"), "app");
	assert_string_equal(jstr(a, "location"), "stdin");
	json_object_put(a);
	yg_session_destroy(s);
}

static void test_iplist_child(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v = run(s, "Feb  9 11:44:56 host1 myapp: login bob from 10.1.2.3 result=ok", 0);
	assert_int_equal(v.rule_id, 105);
	yg_session_destroy(s);
}

static void test_frequency_same_srcip(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	time_t t = 1700000000;
	char line[200];
	yg_verdict v;
	/* three failures from one IP, by different users: not yet 4 */
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line),
		         "Feb  9 11:44:56 h myapp: login u%d from 192.0.2.1 result=fail", i);
		v = run(s, line, t + i);
		assert_int_equal(v.rule_id, 102);
	}
	/* another IP does not count */
	v = run(s, "Feb  9 11:44:56 h myapp: login x from 192.0.2.99 result=fail", t + 3);
	assert_int_equal(v.rule_id, 102);
	snprintf(line, sizeof(line),
	         "Feb  9 11:44:56 h myapp: login u%d from 192.0.2.1 result=fail", 9);
	v = run(s, line, t + 4);
	assert_int_equal(v.rule_id, 103);
	assert_int_equal(v.level, 10);
	json_object *al = alert_of(s);
	assert_string_equal(jstr(al, "rule.description"), "brute force from 192.0.2.1");
	assert_string_equal(jstr(al, "rule.frequency"), "4");
	json_object_put(al);
	/* outside the timeframe everything has expired */
	v = run(s, "Feb  9 11:44:56 h myapp: login q from 192.0.2.1 result=fail", t + 500);
	assert_int_equal(v.rule_id, 102);
	yg_session_destroy(s);
}

static void test_if_matched_group_same_user(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	time_t t = 1700000000;
	yg_verdict v;
	char line[200];
	for (int i = 0; i < 2; i++) {
		snprintf(line, sizeof(line),
		         "Feb  9 11:44:56 h myapp: login carol from 198.51.100.%d result=denied",
		         i);
		v = run(s, line, t + i);
		assert_int_equal(v.rule_id, 112);
	}
	/* another user's denial does not count */
	v = run(s, "Feb  9 11:44:56 h myapp: login dave from 198.51.100.9 result=denied", t + 2);
	assert_int_equal(v.rule_id, 112);
	v = run(s, "Feb  9 11:44:56 h myapp: login carol from 198.51.100.50 result=denied", t + 3);
	assert_int_equal(v.rule_id, 104);
	assert_int_equal(v.level, 12);
	yg_session_destroy(s);
}

static void test_chained_regex_and_own_name(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v = run(s, "Feb  9 11:44:56 h myapp: chain a=one b=two", 0);
	assert_int_equal(v.rule_id, 106);
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "rule.description"), "chained decoder a=one b=two");
	json_object_put(a);
	v = run(s, "Feb  9 11:44:56 h myapp: own payload", 0);
	assert_int_equal(v.rule_id, 107);
	assert_string_equal(v.decoder_name, "own");
	yg_session_destroy(s);
}

static void test_list_and_pcre2(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v = run(s, "KV: user=alice ip=192.0.2.5", 0);
	assert_int_equal(v.rule_id, 108);
	assert_string_equal(v.decoder_name, "kv");
	v = run(s, "KV: user=mallory ip=192.0.2.5", 0);
	assert_int_equal(v.rule_id, 109);
	assert_int_equal(v.level, 0);
	assert_false(v.alert);
	yg_session_destroy(s);
}

static void test_json_nested(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v = run(
	        s, "{\"event\":{\"kind\":\"alert\",\"name\":\"x1\"},\"srcip\":\"192.0.2.8\"}", 0);
	assert_int_equal(v.rule_id, 110);
	assert_string_equal(v.decoder_name, "json");
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "rule.description"), "json alert x1");
	assert_string_equal(jstr(a, "data.event.kind"), "alert");
	assert_string_equal(jstr(a, "data.srcip"), "192.0.2.8");
	json_object_put(a);
	yg_session_destroy(s);
}

/* The agent's <labels> as Wazuh's agent.labels: dots nest, the first value
 * of a name wins (a leaf is not turned into an object nor replaced), hidden
 * labels are left out but the object is there when the agent has labels. */
static void test_agent_labels(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	const yg_label labels[] = {{"aws.instance-id", "i-1", false},
	                           {"aws.sec-group", "sg-\"1\"", false},
	                           {"network.ip", "172.17.0.1", false},
	                           {"aws", "not a leaf: aws is an object", false},
	                           {"network.ip.more", "not under a leaf", false},
	                           {"installation", "hidden", true}};
	const char *log = "Feb  9 11:44:56 host1 myapp[12]: login alice from 192.0.2.7 result=ok";
	yg_input in = {.log = log,
	               .location = "stdin",
	               .agent_id = "001",
	               .agent_name = "web1",
	               .labels = labels,
	               .nlabels = 6,
	               .manager_name = "mgr"};
	yg_verdict v;
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	assert_true(v.alert);
	assert_int_equal(yg_session_alert_json(s, &b), YG_OK);
	assert_non_null(strstr(b.data,
	                       "\"agent\":{\"id\":\"001\",\"name\":\"web1\",\"labels\":"
	                       "{\"aws\":{\"instance-id\":\"i-1\",\"sec-group\":\"sg-\\\"1\\\"\"},"
	                       "\"network\":{\"ip\":\"172.17.0.1\"}}}"));
	assert_null(strstr(b.data, "hidden"));
	/* only hidden labels: an empty object, as analysisd writes it */
	in.labels = labels + 5;
	in.nlabels = 1;
	yg_buf_reset(&b);
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	assert_int_equal(yg_session_alert_json(s, &b), YG_OK);
	assert_non_null(strstr(b.data, "\"name\":\"web1\",\"labels\":{}}"));
	/* none: no labels object */
	in.nlabels = 0;
	yg_buf_reset(&b);
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	assert_int_equal(yg_session_alert_json(s, &b), YG_OK);
	assert_null(strstr(b.data, "labels"));
	yg_buf_free(&b);
	yg_session_destroy(s);
}

static void test_undecoded_and_no_log(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v = run(s, "hello world, nothing decodes me", 0);
	assert_int_equal(v.rule_id, 111);
	assert_null(v.decoder_name);
	assert_false(v.alert); /* no_log */
	v = run(s, "something else entirely", 0);
	assert_int_equal(v.rule_id, 0);
	json_object *a = alert_of(s);
	json_object *r;
	assert_false(json_object_object_get_ex(a, "rule", &r));
	json_object_put(a);
	yg_session_destroy(s);
}

static void test_bad_ruleset_reports_file_and_line(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create(YG_TEST_DATA "/bad");
	yg_ruleset_config_add(cfg, YG_RS_DECODER_DIR, "decoders", NULL);
	yg_ruleset_config_add(cfg, YG_RS_RULE_DIR, "rules", NULL);
	yg_ruleset_config_add(cfg, YG_RS_LIST, "etc/lists/missing", NULL);
	yg_ruleset *bad = NULL;
	assert_int_equal(yg_ruleset_load(cfg, d, &bad), YG_EPARSE);
	bool saw_regex = false, saw_ifsid = false, saw_list = false, saw_xml = false;
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		if (e->file && strstr(e->file, "bad_rules.xml") && e->line == 5 &&
		    strstr(e->message, "regex"))
			saw_regex = true;
		if (strstr(e->message, "if_sid 424242"))
			saw_ifsid = true;
		if (e->file && strstr(e->file, "missing"))
			saw_list = true;
		if (e->file && strstr(e->file, "broken.xml") && e->line > 0)
			saw_xml = true;
	}
	if (!(saw_regex && saw_ifsid && saw_list && saw_xml))
		yg_diag_print(d, stderr);
	assert_true(saw_regex);
	assert_true(saw_ifsid);
	assert_true(saw_list);
	assert_true(saw_xml);
	yg_ruleset_destroy(bad);
	yg_ruleset_config_destroy(cfg);
	yg_diag_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_decode_and_describe),
	        cmocka_unit_test(test_iplist_child),
	        cmocka_unit_test(test_frequency_same_srcip),
	        cmocka_unit_test(test_if_matched_group_same_user),
	        cmocka_unit_test(test_chained_regex_and_own_name),
	        cmocka_unit_test(test_list_and_pcre2),
	        cmocka_unit_test(test_json_nested),
	        cmocka_unit_test(test_agent_labels),
	        cmocka_unit_test(test_undecoded_and_no_log),
	        cmocka_unit_test(test_bad_ruleset_reports_file_and_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
