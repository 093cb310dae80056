/* test_yhash.c: the string hash (src/common/yhash.h). Its values are kept on
 * disk (log positions, response ids): these pins make a change fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/yhash.h"

#define HASH64_YAGURA 0x34b5fcc1817c8718ull

static void values_never_change(void **state)
{
	(void)state;
	assert_int_equal(yg_hash32_str("a"), 0xe40c292cu); /* FNV-1a's published value */
	assert_int_equal(yg_hash32("a", 1), 0xe40c292cu);
	assert_int_equal(yg_hash32_str(""), YG_HASH32_INIT);
	assert_true(yg_hash64_str("yagura") == HASH64_YAGURA);
	assert_true(yg_hash64("yagura", 6) == HASH64_YAGURA);
	uint32_t h = YG_HASH32_INIT;
	for (const char *p = "abc"; *p; p++)
		h = yg_hash32_byte(h, (unsigned char)*p);
	assert_int_equal(h, yg_hash32_str("abc"));
	/* bytes over 0x7f hash as unsigned */
	assert_int_equal(yg_hash32_str("\xff"), yg_hash32("\xff", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(values_never_change)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
