/* test_yhtab.c: the generic hash table (src/common/yhtab.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yhtab.h"

typedef struct rec {
	long n;
	double d;
} rec;

static void insert_find_remove(void **state)
{
	(void)state;
	yg_htab *h = yg_htab_create(sizeof(rec), 0);
	assert_non_null(h);
	char k[32];
	for (long i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key-%ld", i);
		rec *r;
		bool created;
		assert_int_equal(yg_htab_insert(h, k, (void **)&r, &created), YG_OK);
		assert_true(created);
		assert_int_equal((uintptr_t)r % _Alignof(max_align_t), 0);
		assert_int_equal(r->n, 0); /* zeroed */
		r->n = i;
	}
	assert_int_equal(yg_htab_count(h), 5000);
	for (long i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key-%ld", i);
		rec *r = yg_htab_find(h, k);
		assert_non_null(r);
		assert_int_equal(r->n, i);
	}
	assert_null(yg_htab_find(h, "key-5000"));
	assert_null(yg_htab_find(h, ""));
	/* again: the same value, not a new one */
	rec *r;
	bool created = true;
	assert_int_equal(yg_htab_insert(h, "key-7", (void **)&r, &created), YG_OK);
	assert_false(created);
	assert_int_equal(r->n, 7);
	for (long i = 0; i < 5000; i += 2) {
		snprintf(k, sizeof(k), "key-%ld", i);
		assert_true(yg_htab_remove(h, k));
		assert_false(yg_htab_remove(h, k));
	}
	assert_int_equal(yg_htab_count(h), 2500);
	for (long i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key-%ld", i);
		assert_true((yg_htab_find(h, k) != NULL) == (i % 2 == 1));
	}
	yg_htab_destroy(h);
	yg_htab_destroy(NULL);
}

static void bounded(void **state)
{
	(void)state;
	yg_htab *h = yg_htab_create(0, 3);
	assert_non_null(h);
	void *v;
	assert_int_equal(yg_htab_insert(h, "a", &v, NULL), YG_OK);
	assert_int_equal(yg_htab_insert(h, "b", &v, NULL), YG_OK);
	assert_int_equal(yg_htab_insert(h, "c", &v, NULL), YG_OK);
	assert_int_equal(yg_htab_insert(h, "d", &v, NULL), YG_ELIMIT);
	assert_null(v);
	assert_int_equal(yg_htab_insert(h, "a", &v, NULL), YG_OK); /* exists */
	assert_true(yg_htab_remove(h, "b"));
	assert_int_equal(yg_htab_insert(h, "d", &v, NULL), YG_OK);
	yg_htab_destroy(h);
}

/* Removing the current entry while iterating visits each entry once. */
static void iterate_and_remove(void **state)
{
	(void)state;
	yg_htab *h = yg_htab_create(sizeof(long), 0);
	assert_non_null(h);
	char k[32];
	for (long i = 0; i < 1000; i++) {
		long *v;
		snprintf(k, sizeof(k), "%ld", i);
		assert_int_equal(yg_htab_insert(h, k, (void **)&v, NULL), YG_OK);
		*v = i;
	}
	char *seen = calloc(1000, 1);
	assert_non_null(seen);
	size_t it = 0;
	const char *key;
	long *v;
	while ((v = yg_htab_next(h, &it, &key))) {
		assert_int_equal(strtol(key, NULL, 10), *v);
		assert_int_equal(seen[*v], 0);
		seen[*v] = 1;
		if (*v % 3 == 0)
			yg_htab_remove_at(h, it);
	}
	for (int i = 0; i < 1000; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(yg_htab_count(h), 1000 - 334);
	yg_htab_clear(h);
	assert_int_equal(yg_htab_count(h), 0);
	it = 0;
	assert_null(yg_htab_next(h, &it, NULL));
	free(seen);
	yg_htab_destroy(h);
}

/* Constant churn (add one, remove one) must not grow the table: the
 * tombstones are swept instead. Checked through the iteration length. */
static void churn_does_not_grow(void **state)
{
	(void)state;
	yg_htab *h = yg_htab_create(0, 0);
	assert_non_null(h);
	char k[32];
	void *v;
	for (long i = 0; i < 200000; i++) {
		snprintf(k, sizeof(k), "p%ld", i);
		assert_int_equal(yg_htab_insert(h, k, &v, NULL), YG_OK);
		if (i >= 10) {
			snprintf(k, sizeof(k), "p%ld", i - 10);
			assert_true(yg_htab_remove(h, k));
		}
	}
	assert_int_equal(yg_htab_count(h), 10);
	size_t it = 0, n = 0;
	while (yg_htab_next(h, &it, NULL))
		n++;
	assert_int_equal(n, 10);
	assert_true(it <= 64); /* the slot array stayed small */
	yg_htab_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(insert_find_remove),
	        cmocka_unit_test(bounded),
	        cmocka_unit_test(iterate_and_remove),
	        cmocka_unit_test(churn_does_not_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
