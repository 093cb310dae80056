/* test_ar_dispatch.c: which responses an alert fires, their targets,
 * timeouts and exact messages. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "ar/ar_dispatch.h"
#include "ar_test_util.h"

#define FIM_ALERT                                                                                  \
	"{\"timestamp\":\"2024-05-01T10:00:00.000+0000\",\"rule\":{\"level\":7,"                   \
	"\"description\":\"File added to the web root\",\"id\":\"100200\",\"firedtimes\":1,"       \
	"\"mail\":false,\"groups\":[\"local\",\"syscheck\",\"syscheck_entry_added\","              \
	"\"syscheck_file\"]},\"agent\":{\"id\":\"001\",\"name\":\"web01\",\"ip\":\"10.0.0.5\"},"   \
	"\"manager\":{\"name\":\"mgr\"},\"id\":\"1714557600.1234\",\"full_log\":\"File "           \
	"'/var/www/html/x.php' added\\nMode: realtime\\n\",\"syscheck\":{\"path\":"                \
	"\"/var/www/html/x.php\",\"mode\":\"realtime\",\"size_after\":\"31\",\"mtime_after\":"     \
	"\"2024-05-01T10:00:00\",\"event\":\"added\"},\"decoder\":{\"name\":\"syscheck_new_"       \
	"entry\"},"                                                                                \
	"\"location\":\"syscheck\"}"

/* A brute-force alert (rule 100403) seen on agent 002 for srcip. */
static char *bf_alert(const char *id, const char *agent, const char *srcip)
{
	char *s = NULL;
	json_object *o = json_object_new_object();
	json_object *rule = json_object_new_object();
	json_object_object_add(rule, "level", json_object_new_int(10));
	json_object_object_add(rule, "id", json_object_new_string("100403"));
	json_object *g = json_object_new_array();
	json_object_array_add(g, json_object_new_string("web"));
	json_object_array_add(g, json_object_new_string("authentication_failures"));
	json_object_object_add(rule, "groups", g);
	json_object_object_add(o, "rule", rule);
	json_object *ag = json_object_new_object();
	json_object_object_add(ag, "id", json_object_new_string(agent));
	json_object_object_add(o, "agent", ag);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object *data = json_object_new_object();
	json_object_object_add(data, "srcip", json_object_new_string(srcip));
	json_object_object_add(o, "data", data);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static yg_ar_config *seed(void)
{
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	assert_int_equal(ar_test_load_file(cfg, SCEN "/seed/ossec.conf", d), YG_OK);
	yg_diag_destroy(d);
	return cfg;
}

static yg_ar_config *from_text(const char *text)
{
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	yg_err e = ar_test_load_text(cfg, text, d);
	yg_diag_print(d, stdout);
	assert_int_equal(e, YG_OK);
	yg_diag_destroy(d);
	return cfg;
}

static void fim_alert_fires_yara_locally(void **state)
{
	(void)state;
	yg_ar_config *cfg = seed();
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	yg_ar_actions a;
	yg_ar_skip why;
	assert_int_equal(yg_ar_dispatch_alert(dp, FIM_ALERT, strlen(FIM_ALERT), NULL, 0, NULL, NULL,
	                                      &a, &why),
	                 YG_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].agent_id, "001");
	assert_string_equal(a.v[0].response, "yara_linux0");
	assert_string_equal(a.v[0].executable, "yara.sh");
	assert_int_equal(a.v[0].timeout, 0);
	assert_string_equal(a.v[0].key, "1714557600.1234|yara_linux0|001");
	const char *expect = "{\"version\":1,\"origin\":{\"name\":\"node01\",\"module\":"
	                     "\"wazuh-analysisd\"},\"command\":\"add\",\"parameters\":{"
	                     "\"extra_args\":[\"-yara_path\",\"/usr/local/bin\",\"-yara_rules\","
	                     "\"/tmp/yara/rules/yara_rules.yar\"],\"alert\":" FIM_ALERT
	                     ",\"program\":\"active-response/bin/yara.sh\"}}";
	assert_string_equal(a.v[0].message, expect);
	yg_ar_actions_free(&a);

	/* The manager's own FIM event (agent 000) runs on the manager. */
	char *mine = strdup(FIM_ALERT);
	char *p = strstr(mine, "\"id\":\"001\"");
	memcpy(p, "\"id\":\"000\"", 10);
	assert_int_equal(
	        yg_ar_dispatch_alert(dp, mine, strlen(mine), NULL, 0, NULL, NULL, &a, NULL), YG_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].agent_id, "000");
	yg_ar_actions_free(&a);
	free(mine);

	/* Rule 100201 fires too; other rules do not. */
	char *mod = strdup(FIM_ALERT);
	memcpy(strstr(mod, "100200"), "100201", 6);
	assert_int_equal(yg_ar_dispatch_alert(dp, mod, strlen(mod), NULL, 0, NULL, NULL, &a, NULL),
	                 YG_OK);
	assert_int_equal(a.n, 1);
	yg_ar_actions_free(&a);
	memcpy(strstr(mod, "100201"), "100202", 6);
	assert_int_equal(yg_ar_dispatch_alert(dp, mod, strlen(mod), NULL, 0, NULL, NULL, &a, &why),
	                 YG_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(why, YG_AR_SKIP_NO_MATCH);
	free(mod);

	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

static void brute_force_bans_on_agent_001(void **state)
{
	(void)state;
	yg_ar_config *cfg = seed();
	yg_ar_dispatch_opts o = {.node_name = "master\"1"};
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, &o);
	char *al = bf_alert("1714557601.99", "002", "203.0.113.7");
	yg_ar_actions a;
	assert_int_equal(yg_ar_dispatch_alert(dp, al, strlen(al), NULL, 0, NULL, NULL, &a, NULL),
	                 YG_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].agent_id, "001");
	assert_string_equal(a.v[0].response, "ip_block0");
	json_object *m = json_tokener_parse(a.v[0].message);
	assert_non_null(m);
	json_object *x;
	assert_true(json_object_object_get_ex(m, "origin", &x));
	assert_true(json_object_object_get_ex(x, "name", &x));
	assert_string_equal(json_object_get_string(x), "master\"1");
	json_object *params;
	assert_true(json_object_object_get_ex(m, "parameters", &params));
	assert_true(json_object_object_get_ex(params, "extra_args", &x));
	assert_int_equal(json_object_array_length(x), 0);
	assert_true(json_object_object_get_ex(params, "program", &x));
	assert_string_equal(json_object_get_string(x), "active-response/bin/ip-block.sh");
	json_object_put(m);
	assert_non_null(strstr(a.v[0].message, al)); /* the alert verbatim */
	yg_ar_actions_free(&a);
	free(al);

	/* Wazuh's crafted-input check: nothing fires for these. */
	const char *hostile[] = {"1.2.3.4; touch /tmp/pwned-ar", "$(id)", "`id`", "1.2.3.4 x"};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		yg_ar_skip why;
		al = bf_alert("h1", "002", hostile[i]);
		assert_int_equal(
		        yg_ar_dispatch_alert(dp, al, strlen(al), NULL, 0, NULL, NULL, &a, &why),
		        YG_OK);
		assert_int_equal(a.n, 0);
		assert_int_equal(why, YG_AR_SKIP_CRAFTED);
		free(al);
	}
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

static void white_list_skips(void **state)
{
	(void)state;
	yg_ar_config *cfg = from_text(
	        "<ossec_config><global><white_list>10.0.0.0/8</white_list>"
	        "<white_list>::1</white_list></global>\n"
	        "<command><name>ip_block</name><executable>ip-block.sh</executable></command>\n"
	        "<active-response><command>ip_block</command><location>defined-agent</location>"
	        "<agent_id>001</agent_id><rules_id>100403</rules_id></active-response>\n"
	        "</ossec_config>");
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	const char *ips[] = {"10.1.2.3", "::ffff:10.9.9.9", "::1"};
	for (size_t i = 0; i < 3; i++) {
		yg_ar_actions a;
		yg_ar_skip why;
		char *al = bf_alert("w", "002", ips[i]);
		assert_int_equal(
		        yg_ar_dispatch_alert(dp, al, strlen(al), NULL, 0, NULL, NULL, &a, &why),
		        YG_OK);
		assert_int_equal(a.n, 0);
		assert_int_equal(why, YG_AR_SKIP_WHITE_LIST);
		free(al);
	}
	yg_ar_actions a;
	char *al = bf_alert("w", "002", "11.1.2.3");
	assert_int_equal(yg_ar_dispatch_alert(dp, al, strlen(al), NULL, 0, NULL, NULL, &a, NULL),
	                 YG_OK);
	assert_int_equal(a.n, 1);
	yg_ar_actions_free(&a);
	free(al);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

/* ---- dedupe ---- */

typedef struct keyset {
	char *keys[64];
	size_t n;
} keyset;

static bool seen_fn(void *ctx, const char *key)
{
	keyset *ks = ctx;
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->keys[i], key) == 0)
			return true;
	return false;
}

static void redelivery_fires_once(void **state)
{
	(void)state;
	yg_ar_config *cfg = from_text(
	        "<ossec_config>\n"
	        "<command><name>fw</name><executable>fw.sh</executable>"
	        "<timeout_allowed>yes</timeout_allowed></command>\n"
	        "<active-response><command>fw</command><location>all</location>"
	        "<rules_id>100403</rules_id><timeout>60</timeout></active-response>\n"
	        "<active-response><repeated_offenders>2</repeated_offenders></active-response>\n"
	        "</ossec_config>");
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	keyset ks = {0};
	const char *agents[] = {"001", "2", "002", "bad", "000"};
	char *al = bf_alert("1714557700.5", "002", "198.51.100.4");
	yg_ar_actions a;
	assert_int_equal(
	        yg_ar_dispatch_alert(dp, al, strlen(al), agents, 5, seen_fn, &ks, &a, NULL), YG_OK);
	assert_int_equal(a.n, 3); /* 001, 002, 000 */
	assert_string_equal(a.v[0].agent_id, "001");
	assert_string_equal(a.v[1].agent_id, "002");
	assert_string_equal(a.v[2].agent_id, "000");
	assert_int_equal(a.v[0].timeout, 60);
	/* The caller delivered only the first two before a crash. */
	ks.keys[ks.n++] = strdup(a.v[0].key);
	ks.keys[ks.n++] = strdup(a.v[1].key);
	yg_ar_actions_free(&a);

	/* Re-delivered after the restart: only the missing target, and the
	 * offence is not counted again (still 60 s, not 2 min). */
	assert_int_equal(
	        yg_ar_dispatch_alert(dp, al, strlen(al), agents, 5, seen_fn, &ks, &a, NULL), YG_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0].agent_id, "000");
	assert_int_equal(a.v[0].timeout, 60);
	ks.keys[ks.n++] = strdup(a.v[0].key);
	yg_ar_actions_free(&a);

	yg_ar_skip why;
	assert_int_equal(
	        yg_ar_dispatch_alert(dp, al, strlen(al), agents, 5, seen_fn, &ks, &a, &why), YG_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(why, YG_AR_SKIP_SEEN);

	char key[64];
	assert_int_equal(yg_ar_dedupe_key("1.2", "fw60", "001", key, sizeof(key)), YG_OK);
	assert_string_equal(key, "1.2|fw60|001");
	assert_int_equal(yg_ar_dedupe_key("1.2", "fw60", "001", key, 5), YG_ELIMIT);
	for (size_t i = 0; i < ks.n; i++)
		free(ks.keys[i]);
	free(al);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

/* ---- repeated offenders with an injected clock ---- */

static int64_t fake_now;
static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static unsigned offence(yg_ar_dispatch *dp, const char *id, const char *ip)
{
	yg_ar_actions a;
	char *al = bf_alert(id, "001", ip);
	assert_int_equal(yg_ar_dispatch_alert(dp, al, strlen(al), NULL, 0, NULL, NULL, &a, NULL),
	                 YG_OK);
	assert_int_equal(a.n, 1);
	unsigned t = a.v[0].timeout;
	yg_ar_actions_free(&a);
	free(al);
	return t;
}

static void repeated_offenders(void **state)
{
	(void)state;
	yg_ar_config *cfg =
	        from_text("<ossec_config>\n"
	                  "<command><name>fw</name><executable>fw.sh</executable>"
	                  "<timeout_allowed>yes</timeout_allowed></command>\n"
	                  "<active-response><command>fw</command><location>local</location>"
	                  "<rules_id>100403</rules_id><timeout>600</timeout>"
	                  "<repeated_offenders>1,5</repeated_offenders></active-response>\n"
	                  "</ossec_config>");
	fake_now = 1000000;
	yg_ar_dispatch_opts o = {.clock = fake_clock, .forget_after_s = 3600};
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, &o);
	/* Wazuh's sequence: timeout, then 1 min, then 5 min, then 5 min... */
	assert_int_equal(offence(dp, "a1", "192.0.2.1"), 600);
	fake_now += 1000;
	assert_int_equal(offence(dp, "a2", "192.0.2.1"), 60);
	fake_now += 1000;
	assert_int_equal(offence(dp, "a3", "192.0.2.1"), 300);
	assert_int_equal(offence(dp, "a4", "192.0.2.1"), 300);
	/* Another address has its own count. */
	assert_int_equal(offence(dp, "b1", "192.0.2.2"), 600);
	assert_int_equal(yg_ar_dispatch_noffenders(dp), 2);
	/* An hour of quiet (the forget window): a first offence again. */
	fake_now += 3601 * 1000;
	assert_int_equal(offence(dp, "a5", "192.0.2.1"), 600);
	assert_int_equal(offence(dp, "a6", "192.0.2.1"), 60);
	yg_ar_dispatch_destroy(dp);

	/* Bounded memory: the least recently seen address is forgotten. */
	yg_ar_dispatch_opts small = {.clock = fake_clock, .max_offenders = 2};
	dp = yg_ar_dispatch_create(cfg, &small);
	assert_int_equal(offence(dp, "c1", "192.0.2.10"), 600);
	fake_now++;
	assert_int_equal(offence(dp, "c2", "192.0.2.11"), 600);
	fake_now++;
	assert_int_equal(offence(dp, "c3", "192.0.2.12"), 600);
	assert_int_equal(yg_ar_dispatch_noffenders(dp), 2);
	assert_int_equal(offence(dp, "c4", "192.0.2.12"), 60);
	assert_int_equal(offence(dp, "c5", "192.0.2.10"), 600); /* was evicted */
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

/* ---- rule matching ---- */

static size_t fire_count(yg_ar_dispatch *dp, int level, const char *id, const char *groups,
                         const char *pci)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
	         "{\"rule\":{\"level\":%d,\"id\":\"%s\",\"groups\":[%s]%s%s%s},"
	         "\"agent\":{\"id\":\"003\"},\"id\":\"x\"}",
	         level, id, groups, pci ? ",\"pci_dss\":[\"" : "", pci ? pci : "",
	         pci ? "\"]" : "");
	yg_ar_actions a;
	assert_int_equal(yg_ar_dispatch_alert(dp, buf, strlen(buf), NULL, 0, NULL, NULL, &a, NULL),
	                 YG_OK);
	size_t n = a.n;
	yg_ar_actions_free(&a);
	return n;
}

static void rule_matching(void **state)
{
	(void)state;
	yg_ar_config *cfg =
	        from_text("<ossec_config>\n"
	                  "<command><name>c</name><executable>c.sh</executable></command>\n"
	                  /* level AND group */
	                  "<active-response><command>c</command><location>local</location>"
	                  "<level>10</level><rules_group>authentication_failed</rules_group>"
	                  "</active-response>\n"
	                  "</ossec_config>");
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	assert_int_equal(fire_count(dp, 10, "5710", "\"sshd\",\"authentication_failed\"", NULL), 1);
	assert_int_equal(fire_count(dp, 9, "5710", "\"sshd\",\"authentication_failed\"", NULL), 0);
	assert_int_equal(fire_count(dp, 12, "5710", "\"sshd\"", NULL), 0);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);

	cfg = from_text("<ossec_config>\n"
	                "<command><name>c</name><executable>c.sh</executable></command>\n"
	                /* level OR group OR id, as written separately */
	                "<active-response><command>c</command><location>local</location>"
	                "<level>12</level></active-response>\n"
	                "<active-response><command>c</command><location>local</location>"
	                "<rules_group>sshd,|web,</rules_group></active-response>\n"
	                "<active-response><command>c</command><location>local</location>"
	                "<rules_id> 31101,,31102x, 5712 ,abc,999</rules_id></active-response>\n"
	                "<active-response><command>c</command><location>local</location>"
	                "<rules_group>pci_dss_10.2.4</rules_group></active-response>\n"
	                "</ossec_config>");
	dp = yg_ar_dispatch_create(cfg, NULL);
	assert_int_equal(fire_count(dp, 12, "1", "\"x\"", NULL), 1);
	assert_int_equal(fire_count(dp, 3, "1", "\"SSHD\"", NULL), 1); /* any case */
	assert_int_equal(fire_count(dp, 3, "1", "\"sshdx\"", NULL), 0);
	assert_int_equal(fire_count(dp, 3, "31102", "\"x\"", NULL), 1);
	assert_int_equal(fire_count(dp, 3, "5712", "\"x\"", NULL), 1);
	assert_int_equal(fire_count(dp, 3, "999", "\"x\"", NULL), 0); /* after "abc": ignored */
	assert_int_equal(fire_count(dp, 3, "1", "\"x\"", "10.2.4"), 1);
	/* two matches, two actions (same name: distinct dedupe keys) */
	assert_int_equal(fire_count(dp, 12, "5712", "\"web\"", NULL), 3);
	/* level 0 never fires */
	assert_int_equal(fire_count(dp, 0, "5712", "\"web\"", NULL), 0);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

static void odd_alerts(void **state)
{
	(void)state;
	yg_ar_config *cfg = seed();
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	yg_ar_actions a;
	const char *bad[] = {"",
	                     "nope",
	                     "[1,2]",
	                     "{\"rule\":{}}",
	                     "{\"rule\":3}",
	                     "{\"rule\":{\"level\":3}} trailing",
	                     "{\"rule\":{\"level\":3,"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(yg_ar_dispatch_alert(dp, bad[i], strlen(bad[i]), NULL, 0, NULL,
		                                      NULL, &a, NULL),
		                 YG_EPARSE);
		assert_int_equal(a.n, 0);
	}
	/* Deep nesting is refused, not recursed into. */
	char deep[4096];
	size_t k = 0;
	for (; k < 2000; k++)
		deep[k] = '[';
	deep[k] = '\0';
	assert_int_equal(yg_ar_dispatch_alert(dp, deep, k, NULL, 0, NULL, NULL, &a, NULL),
	                 YG_EPARSE);

	/* A pretty-printed alert is sent on one line, same content. */
	json_object *o = json_tokener_parse(FIM_ALERT);
	const char *pretty = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	assert_non_null(strchr(pretty, '\n'));
	assert_int_equal(
	        yg_ar_dispatch_alert(dp, pretty, strlen(pretty), NULL, 0, NULL, NULL, &a, NULL),
	        YG_OK);
	assert_int_equal(a.n, 1);
	assert_null(strchr(a.v[0].message, '\n'));
	json_object *m = json_tokener_parse(a.v[0].message), *p, *al;
	assert_true(json_object_object_get_ex(m, "parameters", &p));
	assert_true(json_object_object_get_ex(p, "alert", &al));
	assert_true(json_object_equal(al, o));
	json_object_put(m);
	json_object_put(o);
	yg_ar_actions_free(&a);

	/* Too big for max_message: left out, reported. */
	yg_ar_dispatch_opts small = {.max_message = 200};
	yg_ar_dispatch *d2 = yg_ar_dispatch_create(cfg, &small);
	assert_int_equal(yg_ar_dispatch_alert(d2, FIM_ALERT, strlen(FIM_ALERT), NULL, 0, NULL, NULL,
	                                      &a, NULL),
	                 YG_ELIMIT);
	assert_int_equal(a.n, 0);
	yg_ar_dispatch_destroy(d2);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

/* An alert over the message limit (eight failures with long user names in
 * previous_output) still fires: its bulky text is cut, srcip is whole. */
static void oversized_alert_is_cut_not_skipped(void **state)
{
	(void)state;
	yg_ar_config *cfg = seed();
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	char *al = bf_alert("1714557601.100", "002", "203.0.113.9");
	json_object *o = json_tokener_parse(al);
	free(al);
	size_t big = 100000;
	char *filler = malloc(big + 1);
	memset(filler, 'u', big);
	filler[big] = '\0';
	filler[10] = (char)0xc3; /* a UTF-8 pair across no cut */
	filler[11] = (char)0xa9;
	json_object_object_add(o, "previous_output", json_object_new_string(filler));
	json_object_object_add(o, "full_log", json_object_new_string(filler + 50000));
	free(filler);
	al = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	assert_true(strlen(al) > YG_AR_DEFAULT_MAX_MESSAGE);
	yg_ar_actions a;
	assert_int_equal(yg_ar_dispatch_alert(dp, al, strlen(al), NULL, 0, NULL, NULL, &a, NULL),
	                 YG_OK);
	assert_int_equal(a.n, 1);
	assert_true(a.truncated);
	assert_true(strlen(a.v[0].message) <= YG_AR_DEFAULT_MAX_MESSAGE);
	json_object *m = json_tokener_parse(a.v[0].message), *p, *x, *d;
	assert_non_null(m);
	assert_true(json_object_object_get_ex(m, "parameters", &p));
	assert_true(json_object_object_get_ex(p, "alert", &x));
	assert_true(json_object_object_get_ex(x, "data", &d));
	assert_true(json_object_object_get_ex(d, "srcip", &d));
	assert_string_equal(json_object_get_string(d), "203.0.113.9");
	assert_true(json_object_object_get_ex(x, "previous_output", &d));
	assert_non_null(strstr(json_object_get_string(d), "...[truncated by yagura]"));
	json_object_put(m);
	yg_ar_actions_free(&a);
	free(al);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(fim_alert_fires_yara_locally),
	        cmocka_unit_test(brute_force_bans_on_agent_001),
	        cmocka_unit_test(oversized_alert_is_cut_not_skipped),
	        cmocka_unit_test(white_list_skips),
	        cmocka_unit_test(redelivery_fires_once),
	        cmocka_unit_test(repeated_offenders),
	        cmocka_unit_test(rule_matching),
	        cmocka_unit_test(odd_alerts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
