/* yg_runner (engine/runner.h): N sessions side by side give the alerts of
 * one, on the determinism ruleset (tests/unit/data/det): per-agent
 * frequency, global_frequency, a rule-wide ignore window, FTS, firedtimes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/runner.h"

#define NEV 3000

static yg_ruleset *rs;
static yg_input ins[NEV];
static char logs[NEV][96];
static char agents[NEV][8];

static int setup(void **state)
{
	(void)state;
	yg_diag *d = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create(YG_TEST_DATA "/det");
	assert_int_equal(yg_ruleset_config_read(cfg, YG_TEST_DATA "/det.conf", d), YG_OK);
	yg_err err = yg_ruleset_load(cfg, d, &rs);
	if (err)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
	yg_ruleset_config_destroy(cfg);
	yg_diag_destroy(d);
	/* a fixed pseudo-random mix of 7 agents (one of them the manager) */
	static const char *const acts[] = {"fail", "fail", "scan", "deny", "login", "alarm"};
	uint32_t x = 12345;
	for (int i = 0; i < NEV; i++) {
		x = x * 1103515245u + 12345u;
		unsigned a = (x >> 8) % 7, act = (x >> 12) % 6, u = (x >> 16) % 4,
		         ip = (x >> 20) % 5;
		snprintf(agents[i], sizeof(agents[i]), "%03u", a);
		snprintf(logs[i], sizeof(logs[i]),
		         "Dec  8 10:00:00 h detapp: %s user=u%u src=10.0.0.%u", acts[act], u,
		         act == 2 ? ip % 2 : ip);
		ins[i] = (yg_input){.log = logs[i],
		                    .location = "/var/log/det.log",
		                    .agent_id = a ? agents[i] : NULL,
		                    .manager_name = "mgr",
		                    .now = 1796700000 + i / 10,
		                    .alert_seq = (unsigned long long)i + 1};
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	yg_ruleset_destroy(rs);
	return 0;
}

/* The alerts of the events, in order, one per line, run in batches of
 * `batch` on `workers` workers (caller frees). */
static char *run_all(unsigned workers, size_t batch, size_t n)
{
	yg_runner_config cfg = {.rs = rs, .workers = workers, .clock = YG_CLOCK_EVENT};
	yg_runner *r = NULL;
	assert_int_equal(yg_runner_create(&cfg, &r), YG_OK);
	yg_run_result *res = calloc(batch, sizeof(*res));
	yg_buf out;
	yg_buf_init(&out, 1u << 30);
	for (size_t at = 0; at < n; at += batch) {
		size_t k = n - at < batch ? n - at : batch;
		assert_int_equal(yg_runner_run(r, ins + at, k, res), YG_OK);
		for (size_t i = 0; i < k; i++) {
			if (res[i].level < 0)
				continue;
			assert_int_equal(
			        yg_buf_append(&out, yg_runner_alerts(r) + res[i].off, res[i].len),
			        0);
			assert_int_equal(yg_buf_putc(&out, '\n'), 0);
		}
	}
	assert_int_equal(yg_runner_take_errors(r), 0);
	free(res);
	yg_runner_destroy(r);
	return yg_buf_steal(&out);
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_same_for_any_workers(void **state)
{
	(void)state;
	char *one = run_all(1, 1024, NEV);
	assert_non_null(one);
	assert_true(count(one, "\"id\":\"100910\"") > 0);     /* per agent */
	assert_true(count(one, "\"id\":\"100911\"") > 0);     /* global_frequency */
	assert_true(count(one, "\"id\":\"100912\"") > 0);     /* if_matched_group */
	assert_true(count(one, "\"id\":\"100913\"") > 0);     /* FTS */
	assert_int_equal(count(one, "\"id\":\"100903\""), 1); /* ignore: the rule's window */
	for (unsigned w = 2; w <= 5; w++) {
		char *many = run_all(w, 1024, NEV);
		assert_string_equal(many, one);
		free(many);
	}
	/* batch boundaries do not matter either */
	char *small = run_all(3, 7, NEV);
	assert_string_equal(small, one);
	free(small);
	free(one);
}

/* firedtimes counts every agent's events in input order. */
static void test_firedtimes_in_order(void **state)
{
	(void)state;
	char *t = run_all(4, 512, NEV);
	unsigned last = 0;
	for (const char *p = t; (p = strstr(p, "\"id\":\"100901\"")); p++) {
		const char *f = strstr(p, "\"firedtimes\":");
		assert_non_null(f);
		unsigned v = (unsigned)strtoul(f + 13, NULL, 10);
		assert_int_equal(v, last + 1);
		last = v;
	}
	assert_true(last > 100);
	free(t);
}

/* Three failures of one agent and one of another are not four of one. */
static void test_frequency_per_agent(void **state)
{
	(void)state;
	yg_runner_config cfg = {.rs = rs, .workers = 2, .clock = YG_CLOCK_EVENT};
	yg_runner *r = NULL;
	assert_int_equal(yg_runner_create(&cfg, &r), YG_OK);
	yg_input in[8];
	yg_run_result res[8];
	static const char *const who[] = {"001", "001", "001", "002", "002", "002", "002", "001"};
	for (int i = 0; i < 8; i++)
		in[i] = (yg_input){.log = "Dec  8 10:00:00 h detapp: fail user=a src=10.0.0.1",
		                   .agent_id = who[i],
		                   .now = 1796700000 + i};
	assert_int_equal(yg_runner_run(r, in, 8, res), YG_OK);
	const char *a = yg_runner_alerts(r);
	for (int i = 0; i < 8; i++) {
		bool freq = i == 6 || i == 7; /* the 4th of 002, then the 4th of 001 */
		assert_true(res[i].level >= 0);
		assert_int_equal(strstr(a + res[i].off, "\"id\":\"100910\"") &&
		                         strstr(a + res[i].off, "\"id\":\"100910\"") <
		                                 a + res[i].off + res[i].len,
		                 freq);
	}
	yg_runner_destroy(r);
}

static void test_partition(void **state)
{
	(void)state;
	assert_int_equal(yg_runner_partition(NULL, 1), 0);
	assert_int_equal(yg_runner_partition(NULL, 4), yg_runner_partition("000", 4));
	for (unsigned n = 1; n < 9; n++)
		assert_true(yg_runner_partition("123", n) < n);
	assert_int_equal(yg_runner_partition("001", 4), yg_runner_partition("001", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_for_any_workers),
	        cmocka_unit_test(test_firedtimes_in_order),
	        cmocka_unit_test(test_frequency_per_agent),
	        cmocka_unit_test(test_partition),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
