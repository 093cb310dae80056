/* test_yarena.c: the bump allocator (src/common/yarena.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/yarena.h"

static void aligned(const void *p)
{
	assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
}

static void allocations_are_aligned_and_distinct(void **state)
{
	(void)state;
	yg_arena *a = yg_arena_create(256);
	assert_non_null(a);
	char *prev = NULL;
	for (size_t n = 0; n < 100; n++) {
		char *p = yg_arena_alloc(a, n % 37 + 1);
		assert_non_null(p);
		aligned(p);
		memset(p, (int)n, n % 37 + 1); /* ASan: the whole size is ours */
		assert_ptr_not_equal(p, prev);
		prev = p;
	}
	yg_arena_destroy(a);
}

static void strings_are_copied(void **state)
{
	(void)state;
	yg_arena *a = yg_arena_create(0);
	assert_non_null(a);
	char src[] = "hello world";
	char *s = yg_arena_strndup(a, src, 5);
	assert_string_equal(s, "hello");
	char *t = yg_arena_strdup(a, src);
	src[0] = 'J';
	assert_string_equal(t, "hello world");
	assert_null(yg_arena_strdup(a, NULL));
	assert_string_equal(yg_arena_strndup(a, "", 0), "");
	yg_arena_destroy(a);
}

/* A request larger than a block gets its own block. */
static void large_requests_fit(void **state)
{
	(void)state;
	yg_arena *a = yg_arena_create(64);
	assert_non_null(a);
	char *small = yg_arena_alloc(a, 8);
	char *big = yg_arena_alloc(a, 100000);
	assert_non_null(small);
	assert_non_null(big);
	memset(big, 'x', 100000);
	assert_true(yg_arena_capacity(a) >= 100000 + 64);
	assert_null(yg_arena_alloc(a, SIZE_MAX));
	assert_null(yg_arena_alloc(a, SIZE_MAX - 8));
	yg_arena_destroy(a);
}

/* After a reset the same memory is handed out again and the arena does not
 * grow: the steady state allocates nothing. */
static void reset_reuses_blocks(void **state)
{
	(void)state;
	yg_arena *a = yg_arena_create(1024);
	assert_non_null(a);
	void *first = NULL;
	size_t cap = 0;
	for (int round = 0; round < 50; round++) {
		void *p = yg_arena_alloc(a, 100);
		for (int i = 0; i < 40; i++)
			assert_non_null(yg_arena_alloc(a, 100));
		if (round == 0) {
			first = p;
			cap = yg_arena_capacity(a);
		} else {
			assert_ptr_equal(p, first);
			assert_int_equal(yg_arena_capacity(a), cap);
		}
		yg_arena_reset(a);
	}
	yg_arena_destroy(a);
}

static void destroy_accepts_null(void **state)
{
	(void)state;
	yg_arena_destroy(NULL);
	yg_arena *a = yg_arena_create(0);
	assert_non_null(a);
	yg_arena_reset(a); /* empty */
	assert_int_equal(yg_arena_capacity(a), 0);
	yg_arena_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(allocations_are_aligned_and_distinct),
	        cmocka_unit_test(strings_are_copied),
	        cmocka_unit_test(large_requests_fit),
	        cmocka_unit_test(reset_reuses_blocks),
	        cmocka_unit_test(destroy_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
