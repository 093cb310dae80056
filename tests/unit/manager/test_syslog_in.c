/* test_syslog_in.c: the remote syslog framing (RFC 6587) and the
 * allowed/denied address check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manager/syslog_frame.h"
#include "manager/syslog_in.h"

/* Frames `in` (pushed `step` bytes at a time, 0: at once) and joins the
 * messages with '|' into out. */
static void frame(const char *in, size_t inlen, size_t max, size_t step, char *out, size_t n)
{
	yg_sframe f;
	assert_int_equal(yg_sframe_init(&f, max), YG_OK);
	size_t o = 0, pos = 0;
	out[0] = '\0';
	for (;;) {
		const char *m;
		size_t len;
		if (yg_sframe_take(&f, &m, &len) ||
		    (pos == inlen && yg_sframe_finish(&f) && yg_sframe_take(&f, &m, &len))) {
			o += (size_t)snprintf(out + o, n - o, "%s%.*s", o ? "|" : "", (int)len, m);
			yg_sframe_pop(&f);
			continue;
		}
		if (pos == inlen)
			break;
		size_t k = step && step < inlen - pos ? step : inlen - pos;
		pos += yg_sframe_push(&f, in + pos, k);
	}
	yg_sframe_free(&f);
}

#define FRAMES(in, max, want)                                                                      \
	do {                                                                                       \
		char got_[4096];                                                                   \
		for (size_t st_ = 0; st_ < 4; st_++) {                                             \
			frame(in, sizeof(in) - 1, max, st_, got_, sizeof(got_));                   \
			assert_string_equal(got_, want);                                           \
		}                                                                                  \
	} while (0)

static void test_framing(void **state)
{
	(void)state;
	FRAMES("a\nb\r\n\n\r\nc", 64, "a|b|c");
	FRAMES("5 hello6 wo\nrld<13>x\n", 64, "hello|wo\nrld|<13>x");
	FRAMES("12ab 3\n0 x\n", 64, "12ab 3|0 x");
	FRAMES("1234567890 ten digits\n", 64, "1234567890 ten digits");
	FRAMES("3 abc\n4 defg", 64, "abc|defg");
	/* cut to max, the rest of the frame discarded */
	FRAMES("abcdefghijklmnopqrstuvwxyz\nok\n", 16, "abcdefghijklmnop|ok");
	FRAMES("26 abcdefghijklmnopqrstuvwxyz2 ok", 16, "abcdefghijklmnop|ok");
	/* an unfinished octet frame at the end is dropped; a line is kept */
	FRAMES("9 abc", 64, "");
	FRAMES("tail", 64, "tail");
}

static void test_backpressure(void **state)
{
	(void)state;
	yg_sframe f;
	assert_int_equal(yg_sframe_init(&f, 8), YG_EINVAL); /* a count must fit */
	assert_int_equal(yg_sframe_init(&f, 64), YG_OK);
	const char in[] = "one\ntwo\n";
	size_t k = yg_sframe_push(&f, in, 8);
	assert_int_equal(k, 4);
	/* while a message waits, nothing more is consumed */
	assert_int_equal(yg_sframe_push(&f, in + k, 8 - k), 0);
	const char *m;
	size_t len;
	assert_true(yg_sframe_take(&f, &m, &len));
	assert_string_equal(m, "one");
	assert_true(yg_sframe_take(&f, &m, &len)); /* still there until pop */
	yg_sframe_pop(&f);
	assert_int_equal(yg_sframe_push(&f, in + k, 8 - k), 4);
	assert_true(yg_sframe_take(&f, &m, &len));
	assert_string_equal(m, "two");
	assert_int_equal(f.frames, 2);
	yg_sframe_free(&f);
}

static void test_allowed(void **state)
{
	(void)state;
	yg_syslog_listen_cfg l = {0};
	assert_false(yg_syslog_allowed(&l, "127.0.0.1")); /* nothing allowed */
	l.allow = yg_waf_allow_create();
	l.deny = yg_waf_allow_create();
	assert_int_equal(yg_waf_allow_add(l.allow, "127.0.0.0/8"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l.allow, "192.168.1.0/255.255.255.0"), YG_OK);
	assert_int_equal(yg_waf_allow_add(l.deny, "127.0.0.2"), YG_OK);
	assert_true(yg_syslog_allowed(&l, "127.0.0.1"));
	assert_true(yg_syslog_allowed(&l, "192.168.1.77"));
	assert_false(yg_syslog_allowed(&l, "127.0.0.2")); /* denied first */
	assert_false(yg_syslog_allowed(&l, "10.0.0.1"));
	assert_false(yg_syslog_allowed(&l, "not an address"));
	l.allow_any = true;
	assert_true(yg_syslog_allowed(&l, "10.0.0.1"));
	assert_true(yg_syslog_allowed(&l, "2001:db8::1"));
	assert_false(yg_syslog_allowed(&l, "127.0.0.2"));
	yg_syslog_config c = {.l = malloc(sizeof(l)), .n = 1};
	c.l[0] = l;
	yg_syslog_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_framing),
	        cmocka_unit_test(test_backpressure),
	        cmocka_unit_test(test_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
