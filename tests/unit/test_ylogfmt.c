/* test_ylogfmt.c: escaping and rate limiting of yagura's own log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/ylogfmt.h"

static void test_escape(void **state)
{
	(void)state;
	char out[256];
	yg_log_escape("agent 'web\n2026/12/08 yagura-manager: INFO: YG-1 forged'", out,
	              sizeof(out));
	assert_null(strchr(out, '\n'));
	assert_non_null(strstr(out, "web\\n2026"));
	yg_log_escape("a\x1b[2Jb\rc\td\x7f", out, sizeof(out));
	assert_string_equal(out, "a\\x1b[2Jb\\rc\\td\\x7f");
	yg_log_escape("caf\xc3\xa9 \xc2\x9b"
	              "31m \xff\xfe",
	              out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9 \\u009b31m \\xff\\xfe");
	yg_log_escape("cut \xe2\x82", out, sizeof(out)); /* a sequence cut short */
	assert_string_equal(out, "cut \\xe2\\x82");
	/* truncation never splits an escape */
	yg_log_escape("ab\n", out, 4);
	assert_string_equal(out, "ab");
	yg_log_escape("", out, sizeof(out));
	assert_string_equal(out, "");
}

static unsigned long reported;
static int reported_id;

static void report(void *ctx, int id, const char *fmt, unsigned long n)
{
	(void)ctx;
	(void)fmt;
	reported += n;
	reported_id = id;
}

static void test_rate(void **state)
{
	(void)state;
	yg_logrl *rl = yg_logrl_create(20, 10);
	assert_non_null(rl);
	static const char fa[] = "agent %s connected", fb[] = "other %s";
	int allowed = 0;
	for (int i = 0; i < 1000; i++)
		allowed += yg_logrl_allow(rl, 7, fa, "agent 1 connected", 100, report, NULL);
	assert_int_equal(allowed, 20);
	/* another message has its own budget */
	assert_true(yg_logrl_allow(rl, 8, fb, "other", 101, report, NULL));
	assert_int_equal(reported, 0);
	/* the window is over: the count is told, and lines flow again */
	assert_true(yg_logrl_allow(rl, 9, fb, "other", 110, report, NULL));
	assert_int_equal(reported, 980);
	assert_int_equal(reported_id, 7);
	assert_true(yg_logrl_allow(rl, 7, fa, "agent 2 connected", 111, report, NULL));
	/* many distinct messages never lose a count */
	reported = 0;
	for (int i = 0; i < 30; i++)
		(void)yg_logrl_allow(rl, 7, fa, "agent 3 connected", 112, report, NULL);
	for (int id = 100; id < 300; id++)
		(void)yg_logrl_allow(rl, id, fb, "other", 113, report, NULL);
	assert_int_equal(reported, 11); /* 1 + 30 lines at 111-112, 20 allowed */
	yg_logrl_destroy(rl);
	assert_true(yg_logrl_allow(NULL, 1, fa, "x", 0, NULL, NULL));
	/* names varied to dodge the per-message limit meet the total one */
	rl = yg_logrl_create(20, 10);
	reported = 0;
	allowed = 0;
	char name[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "agent %c%c connected", 'a' + i % 26,
		         'a' + i / 26 % 26);
		allowed += yg_logrl_allow(rl, 7, fa, name, 200, report, NULL);
	}
	assert_int_equal(allowed, YG_LOGRL_TOTAL);
	(void)yg_logrl_allow(rl, 7, fa, "agent 1 connected", 210, report, NULL);
	assert_int_equal(reported, 5000 - YG_LOGRL_TOTAL);
	yg_logrl_destroy(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_escape),
	        cmocka_unit_test(test_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
