/* MITRE ATT&CK names: the generated table, Wazuh's two <mitre> forms in
 * alerts and in logtest's phase 3, and the load-time warnings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine/mitre.h"

static const char rules_xml[] =
        "<group name=\"t,\">\n"
        "<rule id=\"1\" level=\"0\" noalert=\"1\"><category>syslog</category>\n"
        "  <description>base</description></rule>\n"
        /* 100: the deprecated form, two ids, one with four tactics */
        "<rule id=\"100\" level=\"5\"><match>old-form</match><description>d</description>\n"
        "  <mitre><id>T1110.001</id><id>T1078</id><id>T1110.001</id></mitre></rule>\n"
        /* 101: the tacticID/techniqueID form; the second pair's tactic is wrong */
        "<rule id=\"101\" level=\"5\"><match>new-form</match><description>d</description>\n"
        "  <mitre><tacticID>TA0006</tacticID><techniqueID>T1110</techniqueID></mitre>\n"
        "  <mitre><tacticID>TA0040</tacticID><techniqueID>T1021.004</techniqueID></mitre>\n"
        "  <mitre><tacticID>TA0008</tacticID><techniqueID>T1021.004</techniqueID></mitre>\n"
        "</rule>\n"
        /* 102: nothing with names: no "mitre" at all */
        "<rule id=\"102\" level=\"5\"><match>no-names</match><description>d</description>\n"
        "  <mitre>\n    <id>TA0001</id>\n    <id>T1574.002</id>\n    <id>T9999</id>\n"
        "  </mitre></rule>\n"
        /* 103: one known among unknown ones: every id listed */
        "<rule id=\"103\" level=\"5\"><match>mixed</match><description>d</description>\n"
        "  <mitre><id>T9999</id><id>T1190</id></mitre></rule>\n"
        "</group>\n";

static char dir[64];
static yg_ruleset *rs;
static yg_diag *diag;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/yg-mitre-XXXXXX");
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/rules.xml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(rules_xml, f);
	fclose(f);
	yg_ruleset_config *cfg = yg_ruleset_config_create(dir);
	assert_int_equal(yg_ruleset_config_add(cfg, YG_RS_RULE_DIR, ".", NULL), YG_OK);
	diag = yg_diag_create();
	yg_err err = yg_ruleset_load(cfg, diag, &rs);
	if (err)
		yg_diag_print(diag, stderr);
	assert_int_equal(err, YG_OK);
	yg_ruleset_config_destroy(cfg);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	yg_ruleset_destroy(rs);
	yg_diag_destroy(diag);
	return 0;
}

static void test_table(void **state)
{
	(void)state;
	const yg_mitre_technique *t = yg_mitre_find_active("T1110.001");
	assert_non_null(t);
	assert_string_equal(t->name, "Password Guessing");
	assert_int_equal(t->ntactics, 1);
	assert_string_equal(yg_mitre_tactics[t->tactics[0]].name, "Credential Access");
	assert_null(yg_mitre_find_active("T1574.002")); /* revoked */
	assert_non_null(yg_mitre_find("T1574.002"));
	assert_int_equal(yg_mitre_find("T1574.002")->status, YG_MITRE_REVOKED);
	assert_null(yg_mitre_find("TA0001"));
	assert_string_equal(yg_mitre_find_tactic("TA0008")->name, "Lateral Movement");
	for (size_t i = 1; i < yg_mitre_ntechniques; i++) /* bsearch needs it */
		assert_true(strcmp(yg_mitre_techniques[i - 1].id, yg_mitre_techniques[i].id) < 0);
	assert_non_null(strstr(yg_mitre_notice, "The MITRE Corporation"));
}

/* The alert's "rule.mitre" for one log line, as compact JSON text. */
static char *mitre_of(const char *log, char *explain, size_t explain_len)
{
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_input in = {.log = log, .location = "stdin", .manager_name = "m", .no_predecode = true};
	yg_verdict v;
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_session_alert_json(s, &b), YG_OK);
	char *m = strstr(b.data, "\"mitre\":");
	char *out = NULL;
	if (m) {
		char *end = strchr(m, '}');
		out = strndup(m, (size_t)(end - m + 1));
	}
	if (explain) {
		yg_buf e;
		yg_buf_init(&e, 1 << 20);
		assert_int_equal(yg_session_explain(s, &e), YG_OK);
		snprintf(explain, explain_len, "%s", e.data);
		yg_buf_free(&e);
	}
	yg_buf_free(&b);
	yg_session_destroy(s);
	return out;
}

static void test_old_form(void **state)
{
	(void)state;
	char ex[8192];
	char *m = mitre_of("old-form", ex, sizeof(ex));
	assert_non_null(m);
	assert_string_equal(m, "\"mitre\":{\"id\":[\"T1110.001\",\"T1078\"],"
	                       "\"tactic\":[\"Credential Access\",\"Defense Evasion\","
	                       "\"Persistence\",\"Privilege Escalation\",\"Initial Access\"],"
	                       "\"technique\":[\"Password Guessing\",\"Valid Accounts\"]}");
	free(m);
	assert_non_null(strstr(ex,
	                       "\tmail: 'False'\n"
	                       "\tmitre.id: '['T1110.001', 'T1078']'\n"
	                       "\tmitre.tactic: '['Credential Access', 'Defense Evasion', "
	                       "'Persistence', 'Privilege Escalation', 'Initial Access']'\n"
	                       "\tmitre.technique: '['Password Guessing', 'Valid Accounts']'\n"));
}

static void test_new_form(void **state)
{
	(void)state;
	char *m = mitre_of("new-form", NULL, 0);
	assert_non_null(m);
	assert_string_equal(m, "\"mitre\":{\"id\":[\"T1110\",\"T1021.004\"],"
	                       "\"tactic\":[\"Credential Access\",\"Lateral Movement\"],"
	                       "\"technique\":[\"Brute Force\",\"SSH\"]}");
	free(m);
}

static void test_no_names(void **state)
{
	(void)state;
	char ex[8192];
	assert_null(mitre_of("no-names", ex, sizeof(ex)));
	assert_null(strstr(ex, "mitre"));
	char *m = mitre_of("mixed", NULL, 0);
	assert_non_null(m);
	assert_string_equal(m, "\"mitre\":{\"id\":[\"T9999\",\"T1190\"],"
	                       "\"tactic\":[\"Initial Access\"],"
	                       "\"technique\":[\"Exploit Public-Facing Application\"]}");
	free(m);
}

/* Each id without names is a warning at its own line. */
static void test_warnings(void **state)
{
	(void)state;
	static const struct {
		int line;
		const char *text;
	} want[] = {
	        {8, "MITRE tactic 'TA0040' is not a tactic of 'T1021.004'"},
	        {13, "MITRE id 'TA0001' is a tactic (Initial Access)"},
	        {14, "MITRE technique 'T1574.002' ('DLL Side-Loading') is revoked in ATT&CK v"},
	        {15, "MITRE technique 'T9999' unknown in ATT&CK v"},
	        {18, "MITRE technique 'T9999' unknown"},
	};
	size_t n = 0;
	for (size_t i = 0; i < yg_diag_count(diag); i++) {
		const yg_diag_entry *e = yg_diag_get(diag, i);
		if (!e->element || strcmp(e->element, "mitre") != 0)
			continue;
		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_int_equal(e->severity, YG_SEV_WARNING);
		assert_int_equal(e->line, want[n].line);
		assert_non_null(strstr(e->message, want[n].text));
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),    cmocka_unit_test(test_old_form),
	        cmocka_unit_test(test_new_form), cmocka_unit_test(test_no_names),
	        cmocka_unit_test(test_warnings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
