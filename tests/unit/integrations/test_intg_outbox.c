/* test_intg_outbox.c: the persistent outbox on a real SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/outbox.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/yg-outbox-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/outbox.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char p[160];
	(void)state;
	const char *sfx[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

typedef struct seen {
	int64_t ids[16];
	char bodies[16][32];
	unsigned attempts[16];
	size_t n;
} seen;

static int collect(void *ctx, const yg_outbox_row *r)
{
	seen *s = ctx;
	if (s->n < 16) {
		s->ids[s->n] = r->id;
		s->attempts[s->n] = r->attempts;
		snprintf(s->bodies[s->n], sizeof(s->bodies[0]), "%s", r->body);
		s->n++;
	}
	return 0;
}

static void test_states(void **state)
{
	(void)state;
	yg_outbox *ob;
	bool added;
	yg_outbox_stats st;
	assert_int_equal(yg_outbox_open(path, &ob), YG_OK);
	assert_int_equal(yg_outbox_enqueue(ob, "a", "1.1", "b1", 2, 1000, &added), YG_OK);
	assert_true(added);
	/* The same alert again: ignored, whatever its state. */
	assert_int_equal(yg_outbox_enqueue(ob, "a", "1.1", "XX", 2, 1000, &added), YG_OK);
	assert_false(added);
	/* Another integration may queue the same alert. */
	assert_int_equal(yg_outbox_enqueue(ob, "b", "1.1", "b1", 2, 1000, &added), YG_OK);
	assert_true(added);
	assert_int_equal(yg_outbox_enqueue(ob, "a", "1.2", "b2", 2, 1000, &added), YG_OK);
	assert_int_equal(yg_outbox_enqueue(ob, "a", "1.3", "b3", 2, 1000, &added), YG_OK);

	/* Not due yet: nothing claimed. */
	seen s = {0};
	assert_int_equal(yg_outbox_claim(ob, "a", 1, 999, collect, &s), YG_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(yg_outbox_claim(ob, "a", 1, 1000, collect, &s), YG_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.bodies[0], "b1");
	assert_int_equal(s.attempts[0], 1);
	int64_t first = s.ids[0];

	/* A failure puts it back with a later due time; the head of the line
	 * blocks the others (order per integration). */
	assert_int_equal(yg_outbox_mark_retry(ob, first, 1001, 5000, "HTTP 503"), YG_OK);
	s.n = 0;
	assert_int_equal(yg_outbox_claim(ob, "a", 4, 2000, collect, &s), YG_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(yg_outbox_claim(ob, "a", 4, 5000, collect, &s), YG_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], first);
	assert_int_equal(s.attempts[0], 2);
	assert_string_equal(s.bodies[2], "b3");

	assert_int_equal(yg_outbox_mark_delivered(ob, s.ids[0], 5001), YG_OK);
	/* Only an in_flight row can be finished. */
	assert_int_equal(yg_outbox_mark_delivered(ob, s.ids[0], 5001), YG_ENOTFOUND);
	assert_int_equal(yg_outbox_mark_dead(ob, s.ids[1], 5001, "HTTP 400"), YG_OK);
	assert_int_equal(yg_outbox_stats_get(ob, "a", &st), YG_OK);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.dead, 1);
	assert_int_equal(st.in_flight, 1);
	assert_int_equal(st.pending, 0);
	assert_int_equal(yg_outbox_stats_get(ob, NULL, &st), YG_OK);
	assert_int_equal(st.pending, 1);

	/* Dead -> pending. */
	assert_int_equal(yg_outbox_retry_dead(ob, s.ids[2], 6000), YG_ENOTFOUND);
	assert_int_equal(yg_outbox_retry_dead(ob, s.ids[1], 6000), YG_OK);

	/* A stop with a row in flight: it comes back pending at the next open. */
	yg_outbox_close(ob);
	assert_int_equal(yg_outbox_open(path, &ob), YG_OK);
	assert_int_equal(yg_outbox_stats_get(ob, "a", &st), YG_OK);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.delivered, 1);
	/* Still idempotent after the restart. */
	assert_int_equal(yg_outbox_enqueue(ob, "a", "1.1", "b1", 2, 7000, &added), YG_OK);
	assert_false(added);

	/* Listing: by state, paged. */
	s.n = 0;
	assert_int_equal(yg_outbox_list(ob, "a", YG_OUTBOX_PENDING, 0, 10, collect, &s), YG_OK);
	assert_int_equal(s.n, 2);
	s.n = 0;
	assert_int_equal(yg_outbox_list(ob, NULL, -1, 0, 2, collect, &s), YG_OK);
	assert_int_equal(s.n, 2);

	int64_t due;
	bool found;
	assert_int_equal(yg_outbox_next_due(ob, "a", &due, &found), YG_OK);
	assert_true(found);
	assert_int_equal(due, 6000);

	/* Pruning forgets old delivered rows only. */
	assert_int_equal(yg_outbox_prune(ob, 10000, 0), YG_OK);
	assert_int_equal(yg_outbox_stats_get(ob, "a", &st), YG_OK);
	assert_int_equal(st.delivered, 0);
	assert_int_equal(st.pending, 2);
	yg_outbox_close(ob);
}

static void test_bad_path(void **state)
{
	(void)state;
	yg_outbox *ob = NULL;
	assert_int_equal(yg_outbox_open("/nonexistent-dir/x/outbox.db", &ob), YG_EIO);
	assert_null(ob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_states, setup, teardown),
	        cmocka_unit_test(test_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
