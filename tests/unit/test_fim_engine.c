/* FIM events through the engine: pre-decoded syscheck events against yagura's
 * default ruleset, plus the seed article's local rules when the shared
 * scenarios are present (scenario 1: 550 -> 100200, 554 -> 100201). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"

static yg_ruleset *rs;
static bool with_article;

static int setup(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create(YG_SOURCE_ROOT "/ruleset");
	yg_ruleset_config_add(cfg, YG_RS_DECODER_DIR, "decoders", NULL);
	yg_ruleset_config_add(cfg, YG_RS_RULE_DIR, "rules", NULL);
	const char *seed = YG_SOURCE_ROOT "/../shared/scenarios/seed";
	char path[4096];
	snprintf(path, sizeof(path), "%s/local_rules.xml", seed);
	if (access(path, R_OK) == 0) {
		with_article = true;
		yg_ruleset_config_add(cfg, YG_RS_RULE_INCLUDE, path, NULL);
		snprintf(path, sizeof(path), "%s/local_decoder.xml", seed);
		yg_ruleset_config_add(cfg, YG_RS_DECODER_INCLUDE, path, NULL);
	}
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

static yg_verdict fim(yg_session *s, const char *decoded_as, const char *file, json_object **alert)
{
	yg_kv kv[] = {
	        {"file", file},
	        {"mode", "realtime"},
	        {"size_before", "10"},
	        {"size", "12"},
	        {"md5_before", "aaa"},
	        {"md5", "bbb"},
	        {"sha256", "ccc"},
	        {"inode", "42"},
	        {"changed_fields", "size,md5,sha256"},
	        {"event_type", "modified"},
	};
	char log[512];
	snprintf(log, sizeof(log), "File '%s' modified\nMode: realtime\n", file);
	yg_input in = {.log = log,
	               .location = "syscheck",
	               .decoded_as = decoded_as,
	               .fields = kv,
	               .nfields = sizeof(kv) / sizeof(kv[0]),
	               .manager_name = "m"};
	yg_verdict v;
	assert_int_equal(yg_session_process(s, &in, &v), YG_OK);
	if (alert) {
		yg_buf b;
		yg_buf_init(&b, 1 << 20);
		yg_session_alert_json(s, &b);
		*alert = json_tokener_parse(b.data);
		assert_non_null(*alert);
		yg_buf_free(&b);
	}
	return v;
}

static const char *jget(json_object *o, const char *a, const char *b)
{
	json_object *x, *y;
	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return NULL;
	return json_object_get_string(y);
}

static void test_default_rules(void **state)
{
	(void)state;
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	json_object *a = NULL;
	yg_verdict v = fim(s, "syscheck_integrity_changed", "/etc/passwd", &a);
	assert_int_equal(v.rule_id, 550);
	assert_int_equal(v.level, 7);
	assert_string_equal(v.decoder_name, "syscheck_integrity_changed");
	assert_string_equal(jget(a, "rule", "description"),
	                    "Integrity checksum changed for '/etc/passwd'.");
	assert_string_equal(jget(a, "syscheck", "path"), "/etc/passwd");
	assert_string_equal(jget(a, "syscheck", "size_before"), "10");
	assert_string_equal(jget(a, "syscheck", "size_after"), "12");
	assert_string_equal(jget(a, "syscheck", "md5_before"), "aaa");
	assert_string_equal(jget(a, "syscheck", "event"), "modified");
	json_object *sc, *ca;
	assert_true(json_object_object_get_ex(a, "syscheck", &sc));
	assert_true(json_object_object_get_ex(sc, "changed_attributes", &ca));
	assert_int_equal(json_object_array_length(ca), 3);
	json_object *data;
	assert_false(json_object_object_get_ex(a, "data", &data));
	json_object_put(a);
	v = fim(s, "syscheck_new_entry", "/etc/new", NULL);
	assert_int_equal(v.rule_id, 554);
	v = fim(s, "syscheck_deleted", "/etc/gone", NULL);
	assert_int_equal(v.rule_id, 553);
	yg_session_destroy(s);
}

static void test_article_rules(void **state)
{
	(void)state;
	if (!with_article)
		skip();
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	yg_verdict v = fim(s, "syscheck_integrity_changed", "/var/www/html/index.php", NULL);
	assert_int_equal(v.rule_id, 100200);
	assert_int_equal(v.level, 7);
	v = fim(s, "syscheck_new_entry", "/var/www/html/shell.php", NULL);
	assert_int_equal(v.rule_id, 100201);
	v = fim(s, "syscheck_new_entry", "/srv/other/file", NULL);
	assert_int_equal(v.rule_id, 554);
	yg_session_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_default_rules),
	        cmocka_unit_test(test_article_rules),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
