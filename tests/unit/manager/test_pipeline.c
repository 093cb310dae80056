/* test_pipeline.c: the manager's commit point (src/manager/pipeline.h),
 * with the real engine (yagura's default ruleset), a real SQLite alert store
 * and a real alerts.json in a temporary directory.
 *
 * What it pins: the batch is bounded and refuses rather than drops; the
 * store and alerts.json hold exactly the same alerts; a commit whose records
 * fail to write leaves nothing behind, is not acknowledged, and the commit
 * thread retries the same batch (no event lost, none counted twice) while
 * the next batch fills and then waits; the full-text index follows; alerts.json cut short by a
 * crash is completed from the store at the next start; the number of workers does not change what
 * one source's events give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manager/pipeline.h"

#define SSH_FAIL                                                                                   \
	"Mar  3 09:04:%02d web01 sshd[2346]: Failed password for root from 203.0.113.%d port "     \
	"53432 ssh2"

typedef struct fixture {
	char dir[64];
	char db[128], alerts_dir[128], alerts_json[160];
	yg_ruleset *rs;
	yg_alert_store *store;
	yg_alerts_log *log;
	yg_pipeline *p;
} fixture;

static yg_ruleset *load_ruleset(void)
{
	yg_ruleset_config *cfg = yg_ruleset_config_create(YG_SOURCE_ROOT "/ruleset");
	yg_diag *diag = yg_diag_create();
	assert_int_equal(
	        yg_ruleset_config_read(cfg, YG_SOURCE_ROOT "/ruleset/yagura-ruleset.conf", diag),
	        YG_OK);
	yg_ruleset *rs = NULL;
	assert_int_equal(yg_ruleset_load(cfg, diag, &rs), YG_OK);
	yg_diag_destroy(diag);
	yg_ruleset_config_destroy(cfg);
	return rs;
}

static void open_outputs(fixture *f)
{
	yg_alert_store_config sc;
	yg_alert_store_config_default(&sc, f->db);
	assert_int_equal(yg_alert_store_create(&sc, NULL, &f->store), YG_OK);
	yg_alerts_log_config lc;
	yg_alerts_log_config_default(&lc, f->alerts_dir);
	assert_int_equal(yg_alerts_log_create(&lc, NULL, &f->log), YG_OK);
}

static void open_pipeline(fixture *f, unsigned workers, size_t batch_max)
{
	yg_pipeline_config pc = {.rs = f->rs,
	                         .workers = workers,
	                         .batch_max = batch_max,
	                         .log_alert_level = 1,
	                         .store = f->store,
	                         .alerts = f->log,
	                         .manager_name = "mgr"};
	assert_int_equal(yg_pipeline_create(&pc, &f->p), YG_OK);
}

static void close_all(fixture *f)
{
	yg_pipeline_destroy(f->p);
	yg_alerts_log_destroy(f->log);
	yg_alert_store_destroy(f->store);
	f->p = NULL;
	f->log = NULL;
	f->store = NULL;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof f->dir, "/tmp/yg-pipeline-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/manager.db", f->dir);
	snprintf(f->alerts_dir, sizeof f->alerts_dir, "%s/alerts", f->dir);
	snprintf(f->alerts_json, sizeof f->alerts_json, "%s/alerts.json", f->alerts_dir);
	f->rs = load_ruleset();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	close_all(f);
	yg_ruleset_destroy(f->rs);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static bool offer_line(yg_pipeline *p, const char *line)
{
	yg_input in = {.log = line, .location = "/var/log/auth.log"};
	return yg_pipeline_offer(p, &in);
}

static uint64_t store_count(yg_alert_store *s)
{
	yg_alert_query q = {0};
	uint64_t n = 0;
	assert_int_equal(yg_alert_store_count(s, &q, &n), YG_OK);
	return n;
}

/* The whole file (NUL-terminated); *len gets its size. */
static char *slurp(const char *path, size_t *len)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	char *buf = malloc((size_t)sb.st_size + 1);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	*len = fread(buf, 1, (size_t)sb.st_size, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

/* Lines of alerts.json. */
static size_t json_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	size_t n = 0;
	int c;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

static void offer_failures(yg_pipeline *p, int n, int first_host)
{
	char line[256];
	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof line, SSH_FAIL, i % 60, first_host + i % 7);
		assert_true(offer_line(p, line));
	}
}

/* The batch is bounded: a full batch says "not now" and keeps what it has. */
static void full_batch_refuses(void **state)
{
	fixture *f = *state;
	open_outputs(f);
	open_pipeline(f, 1, 4);
	offer_failures(f->p, 4, 1);
	assert_false(offer_line(f->p, "one too many"));
	assert_int_equal(yg_pipeline_pending(f->p), 4);
	assert_int_equal(yg_pipeline_sync(f->p, false), YG_OK);
	assert_int_equal(yg_pipeline_pending(f->p), 0);
	assert_true(offer_line(f->p, "room again"));
	yg_pipeline_stats st;
	yg_pipeline_get_stats(f->p, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.events, 4);
}

/* Every committed alert is in the store and in alerts.json, once. */
static void store_and_alerts_json_agree(void **state)
{
	fixture *f = *state;
	open_outputs(f);
	open_pipeline(f, 1, 64);
	for (int b = 0; b < 5; b++) {
		offer_failures(f->p, 20, b * 10);
		assert_int_equal(yg_pipeline_sync(f->p, false), YG_OK);
	}
	yg_pipeline_stats st;
	yg_pipeline_get_stats(f->p, &st);
	assert_int_equal(st.events, 100);
	assert_true(st.alerts >= 100); /* 5716 for each line, 5720s on top */
	assert_int_equal(store_count(f->store), st.alerts);
	assert_int_equal(json_lines(f->alerts_json), st.alerts);
}

/* The caller's records: capture on the test's thread, write on the commit
 * thread (fails while `fail`), committed back on the test's thread. */
typedef struct rec_ctx {
	int captures;
	atomic_int writes;
	atomic_bool fail;
	int committed;
	int released;
	int snap; /* what capture hands out */
} rec_ctx;

static rec_ctx *the_rec;

static void *rec_capture(void *ctx)
{
	rec_ctx *r = ctx;
	r->captures++;
	return &r->snap;
}

static yg_err rec_write(void *snap, yg_db_txn *txn)
{
	(void)snap;
	assert_non_null(txn);
	atomic_fetch_add(&the_rec->writes, 1);
	return atomic_load(&the_rec->fail) ? YG_EIO : YG_OK;
}

static void rec_committed(void *ctx, void *snap)
{
	rec_ctx *r = ctx;
	assert_ptr_equal(snap, &r->snap);
	r->committed++;
}

static void rec_release(void *snap)
{
	(void)snap;
	the_rec->released++;
}

static const yg_pipeline_records test_records = {
        .capture = rec_capture,
        .write = rec_write,
        .committed = rec_committed,
        .release = rec_release,
};

/* A failed commit leaves nothing in the store or alerts.json and is not
 * acknowledged; the commit thread retries the same batch and writes it
 * once; meanwhile the next batch fills, and is refused when full. */
static void failed_commit_is_retried_whole(void **state)
{
	fixture *f = *state;
	open_outputs(f);
	open_pipeline(f, 1, 10);
	rec_ctx r = {0};
	atomic_store(&r.fail, true);
	the_rec = &r;
	yg_pipeline_set_records(f->p, &test_records, &r);
	offer_failures(f->p, 10, 1);
	assert_int_not_equal(yg_pipeline_sync(f->p, false), YG_OK);
	assert_int_equal(store_count(f->store), 0);
	assert_int_equal(json_lines(f->alerts_json), 0);
	assert_int_equal(r.committed, 0);
	assert_true(yg_pipeline_busy(f->p));
	/* the next batch fills while the first one is retried */
	offer_failures(f->p, 10, 1);
	assert_false(offer_line(f->p, "the next batch is full too"));
	bool busy = false;
	assert_int_not_equal(yg_pipeline_commit(f->p, false, &busy), YG_OK);
	assert_true(busy);
	assert_true(yg_pipeline_blocked(f->p));
	atomic_store(&r.fail, false);
	assert_int_equal(yg_pipeline_sync(f->p, false), YG_OK);
	yg_pipeline_stats st;
	yg_pipeline_get_stats(f->p, &st);
	assert_int_equal(r.captures, 2); /* one per batch, whatever the retries */
	assert_true(atomic_load(&r.writes) >= 3);
	assert_int_equal(r.committed, 2);
	assert_int_equal(r.released, 2);
	assert_true(st.commit_errors >= 1);
	assert_int_equal(st.events, 20);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.handoff_waits, 1);
	assert_false(yg_pipeline_busy(f->p));
	assert_int_equal(store_count(f->store), st.alerts);
	assert_int_equal(json_lines(f->alerts_json), st.alerts);
	close_all(f);
	the_rec = NULL;
}

/* The full-text index follows the commit: the commit thread writes it in
 * batches while idle, so a text search finds the alerts soon after. */
static void text_search_follows_the_commit(void **state)
{
	fixture *f = *state;
	open_outputs(f);
	open_pipeline(f, 1, 64);
	offer_failures(f->p, 20, 1);
	assert_int_equal(yg_pipeline_sync(f->p, false), YG_OK);
	uint64_t total = store_count(f->store);
	assert_true(total >= 20);
	yg_alert_query q = {.text = "sshd"};
	uint64_t n = 0;
	for (int i = 0; i < 600 && n < total; i++) { /* up to a minute on a slow machine */
		assert_int_equal(yg_alert_store_count(f->store, &q, &n), YG_OK);
		if (n < total)
			usleep(100 * 1000);
	}
	assert_int_equal(n, total);
	assert_int_equal(yg_alert_store_unindexed(f->store), 0);
}

/* A crash between the commit and the append to alerts.json: the next start
 * completes alerts.json from the store, byte for byte. */
static void alerts_json_completed_after_a_crash(void **state)
{
	fixture *f = *state;
	open_outputs(f);
	open_pipeline(f, 1, 64);
	offer_failures(f->p, 30, 1);
	assert_int_equal(yg_pipeline_sync(f->p, false), YG_OK);
	close_all(f);
	size_t before_len = 0;
	char *before = slurp(f->alerts_json, &before_len);
	assert_true(before_len > 0);
	/* the append was cut short: only half of the last batch is there */
	assert_int_equal(truncate(f->alerts_json, (off_t)before_len / 2), 0);
	open_outputs(f);
	open_pipeline(f, 1, 64);
	yg_pipeline_stats st;
	yg_pipeline_get_stats(f->p, &st);
	assert_true(st.recovered_bytes > 0);
	close_all(f);
	size_t after_len = 0;
	char *after = slurp(f->alerts_json, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(before, after, before_len);
	free(before);
	free(after);
}

/* The alert rule ids one run gives, in order. */
static void rule_ids_of(fixture *f, unsigned workers, char *out, size_t cap)
{
	open_outputs(f);
	open_pipeline(f, workers, 1024);
	offer_failures(f->p, 200, 1);
	assert_int_equal(yg_pipeline_sync(f->p, false), YG_OK);
	close_all(f);
	FILE *fp = fopen(f->alerts_json, "r");
	char line[65536];
	size_t len = 0;
	out[0] = '\0';
	while (fp && fgets(line, sizeof line, fp)) {
		const char *id = strstr(line, "\"rule\":{\"level\":");
		const char *rid = id ? strstr(id, "\"id\":\"") : NULL;
		if (rid)
			len += (size_t)snprintf(out + len, cap - len, "%.*s ", 4, rid + 6);
	}
	if (fp)
		fclose(fp);
	unlink(f->alerts_json);
	unlink(f->db);
}

/* One source's events (one address each, seven addresses) give the same
 * alerts on one worker and on three. */
static void workers_do_not_change_one_sources_alerts(void **state)
{
	fixture *f = *state;
	static char one[65536], three[65536];
	rule_ids_of(f, 1, one, sizeof one);
	rule_ids_of(f, 3, three, sizeof three);
	assert_true(strlen(one) > 0);
	assert_non_null(strstr(one, "5720"));
	/* the order across sources may differ; the multiset may not */
	size_t n1 = 0, n3 = 0;
	for (const char *p = one; (p = strstr(p, "5720")); p++)
		n1++;
	for (const char *p = three; (p = strstr(p, "5720")); p++)
		n3++;
	assert_int_equal(strlen(one), strlen(three));
	assert_int_equal(n1, n3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(full_batch_refuses, setup, teardown),
	        cmocka_unit_test_setup_teardown(store_and_alerts_json_agree, setup, teardown),
	        cmocka_unit_test_setup_teardown(failed_commit_is_retried_whole, setup, teardown),
	        cmocka_unit_test_setup_teardown(text_search_follows_the_commit, setup, teardown),
	        cmocka_unit_test_setup_teardown(alerts_json_completed_after_a_crash, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(workers_do_not_change_one_sources_alerts, setup,
	                                        teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
