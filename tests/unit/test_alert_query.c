/* test_alert_query.c: the console's queries (src/outputs/alert_query.c)
 * against a real store: every filter and sort compared with the same
 * selection computed here from the alerts written, keyset pages that add
 * up to the whole, histograms that sum to the count, ATT&CK counts, and
 * the migration of a store written before alert_mitre existed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "outputs/alert_query.h"
#include "outputs/alert_store.h"

#define N 400
#define T0 1700000000000LL

typedef struct a {
	int64_t time;
	int level;
	char rule[8], agent[8], ip[24];
	bool ssh; /* group sshd, technique T1110 */
} a_t;

static a_t as[N];
static char dir[64], db[96];

static void make(int i, char *buf, size_t n)
{
	a_t *x = &as[i];
	x->time = T0 + (int64_t)(i * 7919 % N) * 1000; /* times not in insertion order */
	x->level = i % 13;
	snprintf(x->rule, sizeof(x->rule), "%d", 5700 + i % 5);
	snprintf(x->agent, sizeof(x->agent), "%03d", i % 4);
	snprintf(x->ip, sizeof(x->ip), i % 3 ? "10.0.0.%d" : "", i % 7);
	x->ssh = i % 2 == 0;
	time_t t = (time_t)(x->time / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[40];
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
	snprintf(buf, n,
	         "{\"id\":\"%lld.%d\",\"timestamp\":\"%s\",\"rule\":{\"id\":\"%s\",\"level\":%d,"
	         "\"description\":\"word%d desc\",\"groups\":[\"%s\",\"auth\"]%s},"
	         "\"agent\":{\"id\":\"%s\",\"name\":\"a%s\"},\"data\":{\"srcip\":\"%s\"},"
	         "\"location\":\"l\",\"full_log\":\"line %d\"}",
	         (long long)(x->time / 1000), i, ts, x->rule, x->level, i % 10,
	         x->ssh ? "sshd" : "web", x->ssh ? ",\"mitre\":{\"id\":[\"T1110\",\"T1078\"]}" : "",
	         x->agent, x->agent, x->ip, i);
}

static void fill(yg_alert_store *s)
{
	char buf[1024];
	for (int i = 0; i < N; i++) {
		make(i, buf, sizeof(buf));
		assert_int_equal(yg_alert_store_add(s, buf, strlen(buf)), YG_OK);
	}
	assert_int_equal(yg_alert_store_flush(s), YG_OK);
}

static bool match(const a_t *x, const yg_aq_filter *f)
{
	if (f->since_ms && x->time < f->since_ms)
		return false;
	if (f->until_ms && x->time >= f->until_ms)
		return false;
	if (f->level_min && x->level < f->level_min)
		return false;
	bool any = f->nrule_ids == 0;
	for (size_t i = 0; i < f->nrule_ids; i++)
		any |= strcmp(x->rule, f->rule_ids[i]) == 0;
	if (!any)
		return false;
	any = f->nsrcips == 0;
	for (size_t i = 0; i < f->nsrcips; i++)
		any |= strcmp(x->ip, f->srcips[i]) == 0;
	if (!any)
		return false;
	any = f->nlevels == 0;
	for (size_t i = 0; i < f->nlevels; i++)
		any |= x->level == f->levels[i];
	if (!any)
		return false;
	for (size_t i = 0; i < f->ngroups; i++)
		if (strcmp(f->groups[i], "sshd") == 0 && !x->ssh)
			return false;
	return true;
}

static uint64_t expected(const yg_aq_filter *f)
{
	uint64_t n = 0;
	for (int i = 0; i < N; i++)
		n += match(&as[i], f);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/yg-aq-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/alerts.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[128];
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", db, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static yg_alert_store *open_store(void)
{
	yg_alert_store_config cfg;
	yg_alert_store_config_default(&cfg, db);
	yg_alert_store *s = NULL;
	assert_int_equal(yg_alert_store_create(&cfg, NULL, &s), YG_OK);
	return s;
}

typedef struct walk {
	int n;
	int64_t last_key, last_time, last_seq;
	bool ordered;
	yg_aq_sort sort;
	bool desc;
} walk;

static int walk_cb(void *ctx, const yg_aq_row *r)
{
	walk *w = ctx;
	int64_t key = w->sort == YG_AQ_SORT_LEVEL ? r->a.level : 0;
	if (w->n) {
		int c = key != w->last_key             ? (key > w->last_key ? 1 : -1)
		        : r->a.time_ms != w->last_time ? (r->a.time_ms > w->last_time ? 1 : -1)
		                                       : (r->seq > w->last_seq ? 1 : -1);
		if (w->desc ? c > 0 : c < 0)
			w->ordered = false;
	}
	w->last_key = key;
	w->last_time = r->a.time_ms;
	w->last_seq = r->seq;
	w->n++;
	return 0;
}

static void test_filters_pages_histogram(void **state)
{
	(void)state;
	yg_alert_store *s = open_store();
	fill(s);
	yg_alert_query_db *q = NULL;
	assert_int_equal(yg_alert_query_open(db, NULL, &q), YG_OK);
	yg_aq_filter fs[6] = {
	        {0},
	        {.rule_ids = {"5701", "5703"}, .nrule_ids = 2},
	        {.srcips = {"10.0.0.1"}, .nsrcips = 1, .level_min = 4},
	        {.levels = {0, 12}, .nlevels = 2, .since_ms = T0 + 100000},
	        {.groups = {"sshd"}, .ngroups = 1, .until_ms = T0 + 250000},
	        {.rule_ids = {"nope"}, .nrule_ids = 1},
	};
	for (size_t i = 0; i < 6; i++) {
		uint64_t n = 0;
		assert_int_equal(yg_alert_query_count(q, &fs[i], &n), YG_OK);
		assert_int_equal(n, expected(&fs[i]));
		/* keyset pages of 37 in each sort add up to the count, in order */
		for (int sort = YG_AQ_SORT_TIME; sort <= YG_AQ_SORT_LEVEL; sort++) {
			for (int desc = 0; desc < 2; desc++) {
				walk w = {.ordered = true, .sort = (yg_aq_sort)sort, .desc = desc};
				yg_aq_cursor cur = {0};
				int before;
				do {
					before = w.n;
					assert_int_equal(yg_alert_query_rows(
					                         q, &fs[i], (yg_aq_sort)sort, desc,
					                         37, 0, &cur, false, walk_cb, &w),
					                 YG_OK);
				} while (w.n - before == 37);
				assert_int_equal((uint64_t)w.n, n);
				assert_true(w.ordered);
			}
		}
		uint64_t counts[50], total = 0;
		yg_aq_filter hf = fs[i];
		hf.since_ms = T0;
		hf.until_ms = T0 + N * 1000;
		assert_int_equal(yg_alert_query_histogram(q, &hf, T0, 8000, counts, 50, &total),
		                 YG_OK);
		uint64_t sum = 0;
		for (int b = 0; b < 50; b++)
			sum += counts[b];
		assert_int_equal(sum, total);
		assert_int_equal(total, expected(&hf));
	}
	yg_alert_query_close(q);
	yg_alert_store_destroy(s);
}

typedef struct tech {
	uint64_t t1110, t1078, other;
} tech;

static int tech_cb(void *ctx, const char *t, uint64_t n)
{
	tech *x = ctx;
	if (strcmp(t, "T1110") == 0)
		x->t1110 = n;
	else if (strcmp(t, "T1078") == 0)
		x->t1078 = n;
	else
		x->other += n;
	return 0;
}

/* A store written with the schema of before alert_mitre: opening it with
 * the store adds the table and fills it from the stored alerts. */
static void test_migration(void **state)
{
	(void)state;
	yg_alert_store *s = open_store();
	fill(s);
	yg_alert_store_destroy(s);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
	                              "DROP TRIGGER alerts_mitre_ai; DROP TRIGGER alerts_mitre_ad;"
	                              " DROP TABLE alert_mitre;",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(raw);
	s = open_store(); /* migrates */
	yg_alert_query_db *q = NULL;
	assert_int_equal(yg_alert_query_open(db, NULL, &q), YG_OK);
	yg_aq_filter all = {0};
	tech t = {0};
	uint64_t with = 0;
	assert_int_equal(yg_alert_query_mitre(q, &all, tech_cb, &t, &with), YG_OK);
	assert_int_equal(t.t1110, N / 2);
	assert_int_equal(t.t1078, N / 2);
	assert_int_equal(t.other, 0);
	assert_int_equal(with, N / 2);
	/* new alerts get their ids through the trigger; retention removes them */
	char buf[1024];
	make(0, buf, sizeof(buf));
	char *p = strstr(buf, "\"id\":\"");
	p[6] = '9'; /* another id, same content */
	assert_int_equal(yg_alert_store_add(s, buf, strlen(buf)), YG_OK);
	assert_int_equal(yg_alert_store_flush(s), YG_OK);
	memset(&t, 0, sizeof(t));
	assert_int_equal(yg_alert_query_mitre(q, &all, tech_cb, &t, &with), YG_OK);
	assert_int_equal(t.t1110, N / 2 + 1);
	uint64_t deleted = 0;
	assert_int_equal(yg_alert_store_retain(s, 1, (time_t)(T0 / 1000) + 10 * 86400, &deleted),
	                 YG_OK);
	memset(&t, 0, sizeof(t));
	assert_int_equal(yg_alert_query_mitre(q, &all, tech_cb, &t, &with), YG_OK);
	assert_int_equal(t.t1110 + t.t1078 + with, 0);
	yg_alert_query_close(q);
	yg_alert_store_destroy(s);
}

static void test_fts_text(void **state)
{
	(void)state;
	char out[64];
	assert_true(yg_alert_query_fts_text("a\"b  c", out, sizeof(out)));
	assert_string_equal(out, "\"a\"\"b\"* \"c\"*");
	assert_false(yg_alert_query_fts_text("*** ()", out, sizeof(out)));
	assert_false(yg_alert_query_fts_text("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", out, 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_filters_pages_histogram, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
	        cmocka_unit_test(test_fts_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
