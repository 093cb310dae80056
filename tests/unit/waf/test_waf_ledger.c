/* test_waf_ledger.c: the ban ledger with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waf/ledger.h"

#define T0 ((int64_t)1700000000)

typedef struct fixture {
	char dir[64];
	char path[128];
	int64_t now;
	yg_waf_ledger *l;
} fixture;

static int64_t fake_clock(void *ctx)
{
	return ((fixture *)ctx)->now;
}

static void reopen(fixture *f)
{
	yg_waf_policy p = {.default_timeout = 600,
	                   .repeated = {30, 60, 120},
	                   .nrepeated = 3,
	                   .repeated_window = 86400};
	yg_waf_ledger_close(f->l);
	assert_int_equal(yg_waf_ledger_open(f->path, &f->l), YG_OK);
	yg_waf_ledger_set_clock(f->l, fake_clock, f);
	assert_int_equal(yg_waf_ledger_set_policy(f->l, &p), YG_OK);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/yg_waf_ledger_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/bans.db", f->dir);
	f->now = T0;
	reopen(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char p[160];
	yg_waf_ledger_close(f->l);
	static const char *suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static yg_waf_add_result add(fixture *f, const char *addr, const char *alert, yg_waf_ban *b)
{
	yg_waf_ban_req r = {.address = addr,
	                    .timeout = -1,
	                    .reason = "rule 100403",
	                    .rule_id = "100403",
	                    .alert_id = alert,
	                    .agent_id = "000"};
	yg_waf_add_result res;
	assert_int_equal(yg_waf_ledger_add(f->l, &r, &res, b), YG_OK);
	return res;
}

static void test_add_and_dedup(void **state)
{
	fixture *f = *state;
	yg_waf_ban b;
	yg_waf_ban_list l = {0};
	assert_int_equal(add(f, "::ffff:192.0.2.1", "a1", &b), YG_WAF_ADD_NEW);
	assert_string_equal(b.address, "192.0.2.1");
	assert_int_equal(b.expires, T0 + 600);
	assert_int_equal(b.times, 1);
	assert_string_equal(b.rule_id, "100403");
	assert_int_equal(b.source, YG_WAF_SOURCE_AUTO);
	f->now += 10;
	/* same address again: one active ban, extended by repeated[0] = 30 min */
	assert_int_equal(add(f, "192.0.2.1", "a2", &b), YG_WAF_ADD_EXTENDED);
	assert_int_equal(b.times, 2);
	assert_int_equal(b.expires, T0 + 10 + 1800);
	assert_int_equal(b.created, T0);
	/* the same alert again (after a crash): nothing changes */
	assert_int_equal(add(f, "192.0.2.1", "a2", &b), YG_WAF_ADD_DUPLICATE);
	assert_int_equal(b.times, 2);
	assert_int_equal(yg_waf_ledger_list_active(f->l, &l), YG_OK);
	assert_int_equal(l.n, 1);
	yg_waf_ban_list_free(&l);
	assert_int_equal(yg_waf_ledger_list_all(f->l, 0, &l), YG_OK);
	assert_int_equal(l.n, 1);
	yg_waf_ban_list_free(&l);
}

static void test_refuses_bad(void **state)
{
	fixture *f = *state;
	yg_waf_ban_req r = {.address = "1.2.3.4; rm -rf /", .timeout = -1};
	char longid[100];
	assert_int_equal(yg_waf_ledger_add(f->l, &r, NULL, NULL), YG_EINVAL);
	r.address = "0.0.0.0/0";
	assert_int_equal(yg_waf_ledger_add(f->l, &r, NULL, NULL), YG_EINVAL);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	r.address = "192.0.2.9";
	r.alert_id = longid;
	assert_int_equal(yg_waf_ledger_add(f->l, &r, NULL, NULL), YG_EINVAL);
	assert_int_equal(yg_waf_ledger_lift(f->l, "$(id)", "x"), YG_EINVAL);
}

static void test_expiry(void **state)
{
	fixture *f = *state;
	yg_waf_ban_list l = {0};
	yg_waf_ban_req perm = {
	        .address = "198.51.100.0/24", .timeout = 0, .source = YG_WAF_SOURCE_MANUAL};
	yg_waf_ban b;
	add(f, "192.0.2.1", NULL, NULL);
	f->now += 100;
	add(f, "192.0.2.2", NULL, NULL);
	assert_int_equal(yg_waf_ledger_add(f->l, &perm, NULL, &b), YG_OK);
	assert_int_equal(b.expires, 0);
	assert_int_equal(b.source, YG_WAF_SOURCE_MANUAL);

	f->now = T0 + 599;
	assert_int_equal(yg_waf_ledger_expire_due(f->l, &l), YG_OK);
	assert_int_equal(l.n, 0);
	yg_waf_ban_list_free(&l);

	f->now = T0 + 600; /* the first is due, the second not yet */
	assert_int_equal(yg_waf_ledger_list_active(f->l, &l), YG_OK);
	assert_int_equal(l.n, 2);
	yg_waf_ban_list_free(&l);
	assert_int_equal(yg_waf_ledger_expire_due(f->l, &l), YG_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].address, "192.0.2.1");
	assert_string_equal(l.v[0].lifted_by, "expired");
	assert_int_equal(l.v[0].lifted, T0 + 600);
	yg_waf_ban_list_free(&l);

	f->now = T0 + 10 * 86400; /* permanent stays */
	assert_int_equal(yg_waf_ledger_expire_due(f->l, &l), YG_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].address, "192.0.2.2");
	yg_waf_ban_list_free(&l);
	assert_int_equal(yg_waf_ledger_list_active(f->l, &l), YG_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].address, "198.51.100.0/24");
	yg_waf_ban_list_free(&l);
}

static void test_repeated_offenders(void **state)
{
	fixture *f = *state;
	yg_waf_ban b;
	yg_waf_ban_list l = {0};
	static const int64_t want[] = {600, 1800, 3600, 7200, 7200};
	/* each ban runs out, then the address offends again within the window */
	for (size_t k = 0; k < 5; k++) {
		assert_int_equal(add(f, "203.0.113.7", NULL, &b), YG_WAF_ADD_NEW);
		assert_int_equal(b.times, k + 1);
		assert_int_equal(b.expires - f->now, want[k]);
		f->now = b.expires;
		assert_int_equal(yg_waf_ledger_expire_due(f->l, &l), YG_OK);
		assert_int_equal(l.n, 1);
		yg_waf_ban_list_free(&l);
		f->now += 60;
	}
	/* a day later the count starts again */
	f->now += 86400;
	assert_int_equal(yg_waf_ledger_expire_due(f->l, NULL), YG_OK);
	assert_int_equal(add(f, "203.0.113.7", NULL, &b), YG_WAF_ADD_NEW);
	assert_int_equal(b.times, 1);
	assert_int_equal(b.expires - f->now, 600);
	/* an overdue ban nobody expired yet is closed by the next add */
	f->now += 700;
	assert_int_equal(add(f, "203.0.113.7", NULL, &b), YG_WAF_ADD_NEW);
	assert_int_equal(b.times, 2);
	assert_int_equal(yg_waf_ledger_list_all(f->l, 0, &l), YG_OK);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.v[1].lifted_by, "expired");
	yg_waf_ban_list_free(&l);
}

static void test_lift_extend(void **state)
{
	fixture *f = *state;
	yg_waf_ban b;
	add(f, "2001:db8::5", NULL, NULL);
	assert_int_equal(yg_waf_ledger_extend(f->l, "2001:DB8::5", 100), YG_OK);
	assert_int_equal(yg_waf_ledger_get(f->l, "2001:db8::5", &b), YG_OK);
	assert_int_equal(b.expires, T0 + 700);
	assert_int_equal(yg_waf_ledger_lift(f->l, "2001:db8::5", "alice"), YG_OK);
	assert_int_equal(yg_waf_ledger_get(f->l, "2001:db8::5", &b), YG_ENOTFOUND);
	assert_int_equal(yg_waf_ledger_lift(f->l, "2001:db8::5", "alice"), YG_ENOTFOUND);
	assert_int_equal(yg_waf_ledger_extend(f->l, "2001:db8::5", 100), YG_ENOTFOUND);
}

static void test_restart(void **state)
{
	fixture *f = *state;
	yg_waf_ban b;
	yg_waf_ban_list l = {0};
	add(f, "192.0.2.1", "x1", NULL);
	add(f, "192.0.2.2", NULL, NULL);
	assert_int_equal(yg_waf_ledger_lift(f->l, "192.0.2.2", "bob"), YG_OK);
	reopen(f);
	assert_int_equal(yg_waf_ledger_list_active(f->l, &l), YG_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].address, "192.0.2.1");
	yg_waf_ban_list_free(&l);
	/* the alert id is still remembered, the offence count too */
	assert_int_equal(add(f, "192.0.2.1", "x1", NULL), YG_WAF_ADD_DUPLICATE);
	assert_int_equal(add(f, "192.0.2.2", NULL, &b), YG_WAF_ADD_NEW);
	assert_int_equal(b.times, 2);
	assert_int_equal(b.expires, T0 + 1800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_add_and_dedup, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refuses_bad, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repeated_offenders, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lift_extend, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
