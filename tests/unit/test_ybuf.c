/* test_ybuf.c: the bounded buffer (src/common/ybuf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/ybuf.h"

static void append_within_bound(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 8);
	assert_null(b.data);
	assert_int_equal(yg_buf_puts(&b, "abc"), YG_OK);
	assert_int_equal(yg_buf_putc(&b, 'd'), YG_OK);
	assert_int_equal(yg_buf_printf(&b, "%d", 1234), YG_OK);
	assert_string_equal(b.data, "abcd1234");
	assert_int_equal(b.len, 8);
	yg_buf_free(&b);
}

/* Appending past the maximum fails and leaves the content as it was. */
static void append_past_bound_is_refused(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 5);
	assert_int_equal(yg_buf_puts(&b, "abcd"), YG_OK);
	assert_int_equal(yg_buf_puts(&b, "ef"), YG_ELIMIT);
	assert_int_equal(yg_buf_printf(&b, "%s", "xyz"), YG_ELIMIT);
	assert_string_equal(b.data, "abcd");
	assert_int_equal(b.len, 4);
	assert_int_equal(yg_buf_putc(&b, 'e'), YG_OK);
	assert_int_equal(yg_buf_putc(&b, 'f'), YG_ELIMIT);
	assert_string_equal(b.data, "abcde");
	yg_buf_free(&b);
}

static void reset_and_steal(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 1024);
	assert_null(yg_buf_steal(&b));
	assert_int_equal(yg_buf_puts(&b, "hello"), YG_OK);
	yg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(yg_buf_puts(&b, "x"), YG_OK);
	char *s = yg_buf_steal(&b);
	assert_string_equal(s, "x");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	yg_buf_free(&b);
}

/* Quotes, backslashes and control bytes are escaped; invalid UTF-8 becomes
 * U+FFFD, so the output is always valid JSON. */
static void json_escape(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 1024);
	const char in[] = "a\"b\\c\n\x01\xff\xc3\xa9";
	assert_int_equal(yg_buf_json_escape(&b, in, sizeof in - 1), YG_OK);
	assert_string_equal(b.data, "a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\xc3\xa9");
	yg_buf_reset(&b);
	assert_int_equal(yg_buf_json_str(&b, "q\""), YG_OK);
	assert_string_equal(b.data, "\"q\\\"\"");
	yg_buf_free(&b);
}

static void json_escape_respects_bound(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, 4);
	assert_int_equal(yg_buf_json_str(&b, "abcdef"), YG_ELIMIT);
	assert_true(b.len <= 4);
	yg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(append_within_bound),
	        cmocka_unit_test(append_past_bound_is_refused),
	        cmocka_unit_test(reset_and_steal),
	        cmocka_unit_test(json_escape),
	        cmocka_unit_test(json_escape_respects_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
