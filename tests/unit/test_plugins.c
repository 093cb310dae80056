/* The decoder plugins, <accumulate> and <check_diff> beyond what the .ini
 * cases can show (tests/compat/plugins has the ruleset): the fields in the
 * alert JSON, the accumulator's time window and sharing, the check_diff
 * store's keys, limits, saving and loading. */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

#define RS_HOME YG_SOURCE_ROOT "/tests/compat/plugins"

static yg_ruleset *rs;

static int setup(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create(RS_HOME);
	assert_int_equal(yg_ruleset_config_read(cfg, RS_HOME "/plugins.conf", d), YG_OK);
	yg_err err = yg_ruleset_load(cfg, d, &rs);
	if (err)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
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

/* Times in the tests are seconds after T0 (0: the session's own clock); the
 * engine takes times before 1970-01-02 for a broken clock. */
#define T0 ((time_t)1700000000)

static yg_verdict run_as(yg_session *s, const char *log, time_t now, const char *agent)
{
	yg_verdict v;
	yg_input in = {.log = log,
	               .location = "stdin",
	               .manager_name = "mgr",
	               .now = now ? T0 + now : 0,
	               .agent_id = agent,
	               .agent_name = agent ? "agent" : NULL};
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	return v;
}

static yg_verdict run(yg_session *s, const char *log, time_t now)
{
	return run_as(s, log, now, NULL);
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

/* ---- plugins: the values themselves ---- */

static void test_pf_fields(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v =
	        run(s,
	            "Mar 30 15:33:26 enigma pf: Mar 30 15:32:33.483712 rule 2/(match) pass in on "
	            "xl0: 140.211.166.3.6667 > 192.168.2.10.16290: P 7408:7677(269) ack 1773",
	            0);
	assert_int_equal(v.rule_id, 100101);
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "data.action"), "pass");
	assert_string_equal(jstr(a, "data.srcip"), "140.211.166.3");
	assert_string_equal(jstr(a, "data.srcport"), "6667");
	assert_string_equal(jstr(a, "data.dstip"), "192.168.2.10");
	assert_string_equal(jstr(a, "data.dstport"), "16290");
	assert_string_equal(jstr(a, "data.protocol"), "TCP");
	json_object_put(a);
	yg_session_destroy(s);
}

static void test_sonicwall_proxy_fields(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v =
	        run(s,
	            "id=firewall sn=0 time=\"t\" fw=1.1.1.1 pri=6 c=1024 m=97 msg=\"hit\" n=5 "
	            "src=192.168.0.46:59668:X0 dst=34.194.213.204:80:X1 proto=tcp/http "
	            "result=404 dstname=example.com arg=/a?b=1",
	            0);
	assert_int_equal(v.rule_id, 100303); /* a squid event; 100330 wants id 200 */
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "data.id"), "404");
	assert_string_equal(jstr(a, "data.url"), "example.com/a?b=1");
	assert_string_equal(jstr(a, "data.status"), "6");
	assert_string_equal(jstr(a, "data.srcport"), "59668");
	assert_string_equal(jstr(a, "data.dstip"), "34.194.213.204");
	json_object_put(a);
	yg_session_destroy(s);
}

static void test_ossec_alert_fields(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v =
	        run(s,
	            "Dec  1 10:00:00 relay ossec: Alert Level: 3; Rule: 100400 - x.; Location: "
	            "(agent1) 10.0.0.1->/var/log/secure; srcip: 1.2.3.4; user: root;  Dec  1 "
	            "09:59:59 agent1 sshd[123]: Accepted password for root",
	            0);
	assert_int_equal(v.rule_id, 100400);
	assert_int_equal(v.level, 4);
	assert_true(v.alert); /* analysisd alerts it (wazuh-logtest says it would not) */
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "location"), "stdin|(agent1) 10.0.0.1->/var/log/secure");
	assert_string_equal(jstr(a, "predecoder.hostname"),
	                    "stdin|(agent1) 10.0.0.1->/var/log/secure");
	assert_string_equal(jstr(a, "data.srcip"), "1.2.3.4");
	assert_string_equal(jstr(a, "data.dstuser"), "root");
	assert_string_equal(jstr(a, "full_log"),
	                    "Dec  1 09:59:59 agent1 sshd[123]: Accepted password for root");
	json_object_put(a);

	/* an alert that does not parse keeps its location and log */
	v = run(s, "Dec  1 10:00:00 relay ossec: Alert Level: 3; nothing else", 0);
	assert_int_equal(v.rule_id, 0);
	a = alert_of(s);
	assert_string_equal(jstr(a, "location"), "stdin");
	json_object_put(a);
	yg_session_destroy(s);
}

/* ---- accumulate ---- */

#define ACCEPT                                                                                     \
	"Jan 11 09:26:57 ldap1 slapd[1]: conn=9 fd=64 ACCEPT from IP=10.10.248.27:33957 "          \
	"(IP=10.10.241.77:389)"
#define BIND "Jan 11 09:26:57 ldap1 slapd[1]: conn=9 op=0 BIND dn=\"uid=example,ou=P,dc=e\" m=1"
#define RESULT "Jan 11 09:26:57 ldap1 slapd[1]: conn=9 op=0 RESULT tag=97 err=49 text="

static void test_accumulate_window(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	run(s, ACCEPT, 1000);
	run(s, BIND, 1000);
	/* 121 s after the last refresh the entry is gone */
	assert_int_equal(run(s, RESULT, 1121).rule_id, 100502);
	yg_session_destroy(s);

	s = yg_session_create(rs, YG_CLOCK_WALL);
	run(s, ACCEPT, 1000);
	run(s, BIND, 1100); /* refreshes the entry */
	yg_verdict v = run(s, RESULT, 1220);
	assert_int_equal(v.rule_id, 100501);
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "data.srcip"), "10.10.248.27");
	assert_string_equal(jstr(a, "data.dstip"), "10.10.241.77");
	assert_string_equal(jstr(a, "data.srcport"), "33957");
	assert_string_equal(jstr(a, "data.dstuser"), "example");
	assert_string_equal(jstr(a, "data.status"), "49");
	json_object_put(a);
	yg_session_destroy(s);
}

/* Sessions side by side on one rule state share the accumulator, as
 * Wazuh's analysis threads do; separate sessions do not. */
static void test_accumulate_shared(void **state)
{
	(void)state;
	yg_rule_state *st = yg_rule_state_create(rs);
	yg_session *a = yg_session_create_shared(rs, YG_CLOCK_WALL, st);
	yg_session *b = yg_session_create_shared(rs, YG_CLOCK_WALL, st);
	yg_session *c = yg_session_create(rs, YG_CLOCK_WALL);
	run(a, ACCEPT, 5000);
	run(a, BIND, 5000);
	assert_int_equal(run(b, RESULT, 5001).rule_id, 100501);
	assert_int_equal(run(c, RESULT, 5001).rule_id, 100502);
	yg_session_destroy(a);
	yg_session_destroy(b);
	yg_session_destroy(c);
	yg_rule_state_destroy(st);
}

/* Agents' events are kept apart by agent, not by the syslog hostname. */
static void test_accumulate_agents(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	run_as(s, ACCEPT, 100, "001");
	run_as(s, BIND, 100, "001");
	assert_int_equal(run_as(s, RESULT, 100, "002").rule_id, 100502);
	assert_int_equal(run_as(s, RESULT, 100, NULL).rule_id, 100502);
	assert_int_equal(
	        run_as(s, "Jan 11 09:26:57 other slapd[1]: conn=9 op=0 RESULT tag=97 err=49 text=",
	               100, "001")
	                .rule_id,
	        100501);
	yg_session_destroy(s);
}

/* Values over 80 bytes are neither kept nor given. */
static void test_accumulate_long_value(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	char user[200];
	memset(user, 'u', 81);
	user[81] = '\0';
	char bind[512];
	snprintf(bind, sizeof(bind),
	         "Jan 11 09:26:57 ldap1 slapd[1]: conn=9 op=0 BIND dn=\"uid=%s,ou=P\" m=1", user);
	run(s, bind, 100);
	run(s, RESULT, 100);
	json_object *a = alert_of(s);
	assert_null(jstr(a, "data.dstuser"));
	json_object_put(a);
	yg_session_destroy(s);
}

/* ---- check_diff ---- */

#define OUT_A "ossec: output: 'netstat listening ports': tcp 0.0.0.0:22"
#define OUT_B "ossec: output: 'netstat listening ports': tcp 0.0.0.0:22 tcp 0.0.0.0:80"

static void test_check_diff_alert(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	assert_int_equal(run(s, OUT_A, 0).rule_id, 100600);
	yg_verdict v = run(s, OUT_B, 0);
	assert_int_equal(v.rule_id, 100601);
	assert_true(v.alert);
	json_object *a = alert_of(s);
	assert_string_equal(jstr(a, "previous_output"), "Previous output:\n" OUT_A);
	assert_string_equal(jstr(a, "previous_log"), OUT_A);
	json_object_put(a);
	/* 100602 was not tried then (100601 is first): it still has OUT_A */
	assert_int_equal(run(s, OUT_B, 0).rule_id, 100602);
	/* now both have OUT_B: no match, no previous output */
	assert_int_equal(run(s, OUT_B, 0).rule_id, 100600);
	a = alert_of(s);
	assert_null(jstr(a, "previous_log"));
	json_object_put(a);
	yg_session_destroy(s);
}

/* Agents are kept apart by id; local events by hostname. */
static void test_check_diff_hosts(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	run_as(s, OUT_A, 0, "001");
	assert_int_equal(run_as(s, OUT_B, 0, "002").rule_id, 100600);
	assert_int_equal(run_as(s, OUT_B, 0, NULL).rule_id, 100600);
	assert_int_equal(run_as(s, OUT_B, 0, "001").rule_id, 100601);
	yg_session_destroy(s);
}

static void test_check_diff_too_long(void **state)
{
	(void)state;
	size_t n = YG_DIFF_MAX_OUTPUT + 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big, OUT_A, strlen(OUT_A));
	big[n] = '\0';
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	run(s, OUT_A, 0);
	/* too long to compare: never a change, and not remembered */
	assert_int_equal(run(s, big, 0).rule_id, 100600);
	assert_int_equal(run(s, OUT_A, 0).rule_id, 100600);
	free(big);
	yg_session_destroy(s);
}

typedef struct saved {
	int n;
	char host[64];
	unsigned rule;
	char out[256];
} saved;

static yg_err save_one(void *ctx, const char *host, unsigned rule, const char *output)
{
	saved *sv = ctx;
	sv->n++;
	snprintf(sv->host, sizeof(sv->host), "%s", host);
	sv->rule = rule;
	snprintf(sv->out, sizeof(sv->out), "%s", output);
	return YG_OK;
}

/* A shared store: what changed is reported until cleaned, and a store
 * loaded with the saved output carries on where the last one stopped. */
static void test_check_diff_store(void **state)
{
	(void)state;
	yg_diff_store *d = yg_diff_store_create(0);
	yg_session *s1 = yg_session_create(rs, YG_CLOCK_WALL);
	yg_session *s2 = yg_session_create(rs, YG_CLOCK_WALL);
	yg_session_set_diff_store(s1, d);
	yg_session_set_diff_store(s2, d);
	run_as(s1, OUT_A, 0, "007");
	saved sv = {0};
	assert_int_equal(yg_diff_store_changes(d, save_one, &sv), YG_OK);
	assert_int_equal(sv.n, 2); /* rules 100601 and 100602 */
	assert_string_equal(sv.host, "[007]");
	assert_string_equal(sv.out, OUT_A);
	yg_diff_store_clean(d);
	sv.n = 0;
	assert_int_equal(yg_diff_store_changes(d, save_one, &sv), YG_OK);
	assert_int_equal(sv.n, 0);
	/* the other session sees the first one's output */
	assert_int_equal(run_as(s2, OUT_B, 0, "007").rule_id, 100601);
	yg_session_destroy(s1);
	yg_session_destroy(s2);
	yg_diff_store_destroy(d);

	/* a restart: the saved output is loaded, not reported, and compared */
	d = yg_diff_store_create(0);
	assert_int_equal(yg_diff_store_load(d, "[007]", 100601, OUT_B), YG_OK);
	sv.n = 0;
	assert_int_equal(yg_diff_store_changes(d, save_one, &sv), YG_OK);
	assert_int_equal(sv.n, 0);
	yg_session *s3 = yg_session_create(rs, YG_CLOCK_WALL);
	yg_session_set_diff_store(s3, d);
	assert_int_equal(run_as(s3, OUT_B, 0, "007").rule_id, 100600);
	assert_int_equal(run_as(s3, OUT_A, 0, "007").rule_id, 100601);
	yg_session_destroy(s3);
	yg_diff_store_destroy(d);
}

/* Over its budget the store remembers no new (host, rule); a change it
 * cannot store still alerts, and again next time. */
static void test_check_diff_budget(void **state)
{
	(void)state;
	yg_diff_store *d = yg_diff_store_create(2 * sizeof(OUT_A) + 16);
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_session_set_diff_store(s, d);
	run_as(s, OUT_A, 0, "1"); /* both rules: about the whole budget */
	assert_int_equal(run_as(s, OUT_A, 0, "2").rule_id, 100600);
	assert_true(yg_diff_store_refused(d) >= 1);
	assert_int_equal(run_as(s, OUT_B, 0, "2").rule_id, 100600); /* never stored */
	assert_int_equal(run_as(s, OUT_B, 0, "1").rule_id, 100601);
	assert_int_equal(run_as(s, OUT_B, 0, "1").rule_id, 100601);
	yg_session_destroy(s);
	yg_diff_store_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pf_fields),
	        cmocka_unit_test(test_sonicwall_proxy_fields),
	        cmocka_unit_test(test_ossec_alert_fields),
	        cmocka_unit_test(test_accumulate_window),
	        cmocka_unit_test(test_accumulate_shared),
	        cmocka_unit_test(test_accumulate_agents),
	        cmocka_unit_test(test_accumulate_long_value),
	        cmocka_unit_test(test_check_diff_alert),
	        cmocka_unit_test(test_check_diff_hosts),
	        cmocka_unit_test(test_check_diff_too_long),
	        cmocka_unit_test(test_check_diff_store),
	        cmocka_unit_test(test_check_diff_budget),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
