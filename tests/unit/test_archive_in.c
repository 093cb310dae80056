/* archives.json lines back into engine input (engine/archive_in.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "engine/archive_in.h"

static yg_err parse(yg_archived *a, const char *line, yg_input *in)
{
	return yg_archived_parse(a, line, strlen(line), in);
}

static void test_times(void **state)
{
	(void)state;
	assert_int_equal(yg_archived_time("2026-12-08T04:10:00.000+0000"), 1796703000);
	assert_int_equal(yg_archived_time("2026-12-08T05:10:00.000+0100"), 1796703000);
	assert_int_equal(yg_archived_time("2026-12-07T22:40:00-0530"), 1796703000);
	assert_int_equal(yg_archived_time("2026-12-08T04:10:00.000"), 0);
	assert_int_equal(yg_archived_time("2026-13-08T04:10:00.000+0000"), 0);
	assert_int_equal(yg_archived_time("2026-12-08T04:10:00.000+0000x"), 0);
	assert_int_equal(yg_archived_time(NULL), 0);
	assert_int_equal(yg_archived_time(""), 0);
}

static void test_event(void **state)
{
	(void)state;
	yg_archived *a = yg_archived_create();
	yg_input in;
	assert_int_equal(
	        parse(a,
	              "{\"timestamp\":\"2026-12-08T04:10:00.000+0000\",\"agent\":{\"id\":\"001\","
	              "\"name\":\"web1\",\"ip\":\"192.0.2.1\"},\"manager\":{\"name\":\"mgr\"},"
	              "\"full_log\":\"a line\",\"location\":\"/var/log/x\","
	              "\"agent_time\":\"2026-12-08T04:09:00.000+0000\"}",
	              &in),
	        YG_OK);
	assert_string_equal(in.log, "a line");
	assert_string_equal(in.location, "/var/log/x");
	assert_string_equal(in.agent_id, "001");
	assert_string_equal(in.agent_name, "web1");
	assert_string_equal(in.agent_ip, "192.0.2.1");
	assert_string_equal(in.manager_name, "mgr");
	assert_int_equal(in.now, 1796703000);
	assert_int_equal(in.origin_time, 1796702940);
	/* the manager's own: no agent */
	assert_int_equal(
	        parse(a, "{\"agent\":{\"id\":\"000\",\"name\":\"mgr\"},\"full_log\":\"x\"}", &in),
	        YG_OK);
	assert_null(in.agent_id);
	assert_null(in.agent_name);
	assert_int_equal(in.now, 0);
	yg_archived_destroy(a);
}

static void test_refused(void **state)
{
	(void)state;
	yg_archived *a = yg_archived_create();
	yg_input in;
	assert_int_equal(parse(a, "{\"location\":\"x\"}", &in), YG_ENOTFOUND);
	assert_int_equal(parse(a, "{\"full_log\":\"x\",\"syscheck\":{}}", &in), YG_ENOTFOUND);
	assert_int_equal(parse(a, "{\"full_log\":1}", &in), YG_EPARSE);
	assert_int_equal(parse(a, "{\"full_log\":\"x\",\"agent\":\"001\"}", &in), YG_EPARSE);
	assert_int_equal(parse(a, "{\"full_log\":\"x\"} {}", &in), YG_EPARSE);
	assert_int_equal(parse(a, "[1]", &in), YG_EPARSE);
	assert_int_equal(parse(a, "{\"full_log\":\"x\"", &in), YG_EPARSE);
	assert_int_equal(parse(a, "", &in), YG_EPARSE);
	assert_null(in.log);
	/* nesting past the limit is refused, not recursed into */
	char deep[200];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	assert_int_equal(parse(a, deep, &in), YG_EPARSE);
	yg_archived_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_times),
	        cmocka_unit_test(test_event),
	        cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
