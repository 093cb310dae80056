/* test_outputs.c: alerts.json writing/rotation/repair and the alert store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "outputs/alerts_log.h"
#include "store/alerts.h"

/* 2024-01-05 12:00:00 UTC; TZ is forced to UTC in main(). */
#define DAY0 ((time_t)1704456000)
#define DAYSEC ((time_t)86400)

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup_dir(void **state)
{
	char *d = strdup("/tmp/yg_outputs_XXXXXX");
	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	*state = d;
	return 0;
}

static int teardown_dir(void **state)
{
	char *d = *state;
	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
	return 0;
}

/* Reads a whole file into a new string (NULL if it does not exist). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

static void spit(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
	fclose(f);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static char *pathf(const char *dir, const char *rel)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	return p;
}

static yg_alerts_log *open_log(const char *dir, uint64_t max_size, int min_level, yg_diag *d)
{
	yg_alerts_log_config cfg;
	yg_alerts_log_config_default(&cfg, dir);
	cfg.max_size = max_size;
	cfg.min_level = min_level;
	yg_alerts_log *log = NULL;
	assert_int_equal(yg_alerts_log_create(&cfg, d, &log), YG_OK);
	return log;
}

static void write_str(yg_alerts_log *log, const char *s, int level, time_t when)
{
	assert_int_equal(yg_alerts_log_write(log, s, strlen(s), level, when), YG_OK);
}

static void test_log_write_and_level(void **state)
{
	const char *dir = *state;
	yg_alerts_log *log = open_log(dir, 0, 3, NULL);
	write_str(log, "{\"a\":1}", 5, DAY0);
	write_str(log, "{\"low\":1}", 2, DAY0); /* filtered */
	write_str(log, "{\"b\":2}\n", 3, DAY0); /* trailing newline accepted */
	assert_int_equal(yg_alerts_log_write(log, "{\"x\":\n1}", 8, 9, DAY0), YG_EINVAL);
	assert_int_equal(yg_alerts_log_write(log, "{\"x\"\0:1}", 8, 9, DAY0), YG_EINVAL);
	assert_int_equal(yg_alerts_log_write(log, "\n", 1, 9, DAY0), YG_EINVAL);
	assert_int_equal(yg_alerts_log_write(log, "", 0, 9, DAY0), YG_EINVAL);
	yg_alerts_log_stats st;
	yg_alerts_log_get_stats(log, &st);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.filtered, 1);
	assert_int_equal(st.rotations, 0);
	yg_alerts_log_destroy(log);
	char *p = pathf(dir, "alerts.json");
	char *c = slurp(p);
	assert_string_equal(c, "{\"a\":1}\n{\"b\":2}\n");
	free(c);
	free(p);
}

static void test_log_rotate_day(void **state)
{
	const char *dir = *state;
	yg_alerts_log *log = open_log(dir, 0, 1, NULL);
	write_str(log, "{\"d\":5}", 3, DAY0);
	write_str(log, "{\"d\":5.2}", 3, DAY0 + 3600);
	write_str(log, "{\"d\":6}", 3, DAY0 + DAYSEC);
	/* A clock set back does not rotate back. */
	write_str(log, "{\"d\":5.3}", 3, DAY0 + 7200);
	write_str(log, "{\"d\":7}", 3, DAY0 + 2 * DAYSEC);
	yg_alerts_log_stats st;
	yg_alerts_log_get_stats(log, &st);
	assert_int_equal(st.rotations, 2);
	yg_alerts_log_destroy(log);

	char *p5 = pathf(dir, "2024/Jan/ossec-alerts-05.json");
	char *p6 = pathf(dir, "2024/Jan/ossec-alerts-06.json");
	char *pc = pathf(dir, "alerts.json");
	char *c5 = slurp(p5), *c6 = slurp(p6), *cc = slurp(pc);
	assert_non_null(c5);
	assert_non_null(c6);
	assert_string_equal(c5, "{\"d\":5}\n{\"d\":5.2}\n");
	assert_string_equal(c6, "{\"d\":6}\n{\"d\":5.3}\n");
	assert_string_equal(cc, "{\"d\":7}\n");
	free(c5);
	free(c6);
	free(cc);
	free(p5);
	free(p6);
	free(pc);
}

/* The archives' names: archives.json rotated to ossec-archive-DD.json;
 * names with a '/' are refused. */
static void test_log_names(void **state)
{
	const char *dir = *state;
	yg_alerts_log_config cfg;
	yg_alerts_log_config_default(&cfg, dir);
	cfg.file_name = "archives.json";
	cfg.rotated_prefix = "ossec-archive";
	yg_alerts_log *log = NULL;
	assert_int_equal(yg_alerts_log_create(&cfg, NULL, &log), YG_OK);
	write_str(log, "{\"d\":5}", 3, DAY0);
	write_str(log, "{\"d\":6}", 3, DAY0 + DAYSEC);
	yg_alerts_log_destroy(log);
	char *p5 = pathf(dir, "2024/Jan/ossec-archive-05.json");
	char *pc = pathf(dir, "archives.json");
	char *c5 = slurp(p5), *cc = slurp(pc);
	assert_non_null(c5);
	assert_string_equal(c5, "{\"d\":5}\n");
	assert_string_equal(cc, "{\"d\":6}\n");
	free(c5);
	free(cc);
	free(p5);
	free(pc);
	cfg.file_name = "../x.json";
	assert_int_equal(yg_alerts_log_create(&cfg, NULL, &log), YG_EINVAL);
}

static void test_log_rotate_size(void **state)
{
	const char *dir = *state;
	/* Each line is 19 bytes; 50 bytes per file = 2 lines. */
	yg_alerts_log *log = open_log(dir, 50, 0, NULL);
	for (int i = 0; i < 7; i++) {
		char line[32];
		snprintf(line, sizeof(line), "{\"n\":%012d}", i);
		assert_int_equal(strlen(line), 18);
		write_str(log, line, 0, DAY0 + i);
	}
	yg_alerts_log_destroy(log);
	const char *names[] = {"2024/Jan/ossec-alerts-05.json", "2024/Jan/ossec-alerts-05-001.json",
	                       "2024/Jan/ossec-alerts-05-002.json", "alerts.json"};
	size_t lines[] = {2, 2, 2, 1};
	int next = 0;
	for (size_t k = 0; k < 4; k++) {
		char *p = pathf(dir, names[k]);
		char *c = slurp(p);
		assert_non_null(c);
		assert_int_equal(count_lines(c), lines[k]);
		assert_true(strlen(c) <= 50);
		/* Order is kept across the files. */
		for (char *q = c; *q; q = strchr(q, '\n') + 1) {
			char want[32];
			snprintf(want, sizeof(want), "{\"n\":%012d}\n", next++);
			assert_memory_equal(q, want, strlen(want));
		}
		free(c);
		free(p);
	}
	assert_int_equal(next, 7);
}

static void test_log_torn_line(void **state)
{
	const char *dir = *state;
	char *p = pathf(dir, "alerts.json");
	spit(p, "{\"a\":1}\n{\"b\":2}\n{\"c\":");
	yg_diag *d = yg_diag_create();
	yg_alerts_log *log = open_log(dir, 0, 0, d);
	assert_int_equal(yg_diag_warnings(d), 1);
	assert_int_equal(yg_diag_errors(d), 0);
	yg_alerts_log_stats st;
	yg_alerts_log_get_stats(log, &st);
	assert_int_equal(st.repaired_bytes, 5);
	write_str(log, "{\"d\":4}", 0, time(NULL));
	yg_alerts_log_destroy(log);
	yg_diag_destroy(d);
	char *c = slurp(p);
	assert_string_equal(c, "{\"a\":1}\n{\"b\":2}\n{\"d\":4}\n");
	free(c);

	/* No newline at all: the whole file was one torn line. */
	spit(p, "{\"half");
	d = yg_diag_create();
	log = open_log(dir, 0, 0, d);
	assert_int_equal(yg_diag_warnings(d), 1);
	yg_alerts_log_destroy(log);
	yg_diag_destroy(d);
	c = slurp(p);
	assert_string_equal(c, "");
	free(c);

	/* An intact file is left alone and reports nothing. */
	spit(p, "{\"ok\":1}\n");
	d = yg_diag_create();
	log = open_log(dir, 0, 0, d);
	assert_int_equal(yg_diag_count(d), 0);
	yg_alerts_log_destroy(log);
	yg_diag_destroy(d);
	c = slurp(p);
	assert_string_equal(c, "{\"ok\":1}\n");
	free(c);
	free(p);
}

/* A short write (here: the file size limit, as a full disk would) leaves
 * nothing of the alert behind. */
static void test_log_short_write(void **state)
{
	const char *dir = *state;
	yg_alerts_log *log = open_log(dir, 0, 0, NULL);
	write_str(log, "{\"a\":1}", 0, DAY0); /* 8 bytes */
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 12;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(yg_alerts_log_write(log, "{\"bbbbbbbb\":2}", 14, 0, DAY0), YG_EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	write_str(log, "{\"c\":3}", 0, DAY0);
	yg_alerts_log_stats st;
	yg_alerts_log_get_stats(log, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.written, 2);
	yg_alerts_log_destroy(log);
	char *p = pathf(dir, "alerts.json");
	char *c = slurp(p);
	assert_string_equal(c, "{\"a\":1}\n{\"c\":3}\n");
	free(c);
	free(p);
}

/* A torn tail longer than the repair's read chunk. */
static void test_log_torn_long(void **state)
{
	const char *dir = *state;
	char *p = pathf(dir, "alerts.json");
	size_t big = 200000;
	char *s = malloc(big + 16);
	assert_non_null(s);
	memcpy(s, "{\"a\":1}\n", 8);
	memset(s + 8, 'x', big);
	s[8 + big] = '\0';
	spit(p, s);
	free(s);
	yg_alerts_log *log = open_log(dir, 0, 0, NULL);
	yg_alerts_log_stats st;
	yg_alerts_log_get_stats(log, &st);
	assert_int_equal(st.repaired_bytes, big);
	yg_alerts_log_destroy(log);
	char *c = slurp(p);
	assert_string_equal(c, "{\"a\":1}\n");
	free(c);
	free(p);
}

/* An alerts.json left from an earlier day is filed under that day (its
 * mtime) at the first write of a later day, without overwriting a file of
 * that name already there. */
static void test_log_reopen_old_day(void **state)
{
	const char *dir = *state;
	char *p = pathf(dir, "alerts.json");
	char *y = pathf(dir, "2024");
	char *ym = pathf(dir, "2024/Jan");
	char *old = pathf(dir, "2024/Jan/ossec-alerts-05.json");
	char *next = pathf(dir, "2024/Jan/ossec-alerts-05-001.json");
	assert_int_equal(mkdir(y, 0750), 0);
	assert_int_equal(mkdir(ym, 0750), 0);
	spit(old, "{\"earlier\":1}\n");
	spit(p, "{\"left\":1}\n");
	struct timeval tv[2] = {{.tv_sec = DAY0}, {.tv_sec = DAY0}};
	assert_int_equal(utimes(p, tv), 0);
	yg_alerts_log *log = open_log(dir, 0, 0, NULL);
	write_str(log, "{\"new\":1}", 0, DAY0 + 2 * DAYSEC);
	yg_alerts_log_destroy(log);
	char *c = slurp(old);
	assert_string_equal(c, "{\"earlier\":1}\n");
	free(c);
	c = slurp(next);
	assert_non_null(c);
	assert_string_equal(c, "{\"left\":1}\n");
	free(c);
	c = slurp(p);
	assert_string_equal(c, "{\"new\":1}\n");
	free(c);
	free(p);
	free(y);
	free(ym);
	free(old);
	free(next);
}

/* ---- alert store ---- */

#define N_ALERTS 10000
#define BASE_S ((int64_t)1704067200) /* 2024-01-01T00:00:00Z */
#define STEP_S 86                    /* N_ALERTS span ~10 days */

static const char *const rules[4] = {"5710", "5715", "31101", "550"};
static const char *const groups[4] = {
        "\"syslog\",\"sshd\",\"authentication_failed\",\"invalid_login\"",
        "\"syslog\",\"sshd\",\"authentication_success\"", "\"web\",\"accesslog\",\"attack\"",
        "\"ossec\",\"syscheck\",\"syscheck_entry_modified\""};
static const char *const descs[4] = {"sshd: Attempt to login using a non-existent user",
                                     "sshd: authentication success.", "Web server 400 error code.",
                                     "Integrity checksum changed."};

static int a_rule(int i)
{
	return i % 4;
}
static int a_level(int i)
{
	return 3 + i % 10;
}
static int a_agent(int i)
{
	return i % 5;
}
static bool a_pct(int i)
{
	return i % 1000 == 0;
}
static int64_t a_time_ms(int i)
{
	return (BASE_S + (int64_t)i * STEP_S) * 1000 + 123;
}

/* Builds alert i's Wazuh JSON into buf. */
static void make_alert(int i, char *buf, size_t cap)
{
	int r = a_rule(i);
	time_t t = (time_t)(BASE_S + (int64_t)i * STEP_S);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[64];
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.123+0000", &tm);
	char flog[256];
	switch (r) {
	case 0:
		snprintf(flog, sizeof(flog),
		         "Jan  1 00:00:00 web sshd[%d]: Invalid user admin%d from 10.0.%d.%d",
		         2000 + i % 1000, i, (i / 250) % 250, i % 250);
		break;
	case 1:
		snprintf(flog, sizeof(flog),
		         "Jan  1 00:00:00 web sshd[%d]: Accepted password for root from 10.0.%d.%d",
		         2000 + i % 1000, (i / 250) % 250, i % 250);
		break;
	case 2:
		snprintf(flog, sizeof(flog),
		         "10.0.%d.%d - - [01/Jan/2024:00:00:00 +0000] \\\"GET /shop/login\\\" 400",
		         (i / 250) % 250, i % 250);
		break;
	default: snprintf(flog, sizeof(flog), "File '/var/www/html/index.php' modified"); break;
	}
	int n = snprintf(buf, cap,
	                 "{\"timestamp\":\"%s\",\"rule\":{\"level\":%d,\"description\":\"%s\","
	                 "\"id\":\"%s\",\"firedtimes\":1,\"groups\":[%s]},"
	                 "\"agent\":{\"id\":\"%03d\",\"name\":\"agent%d\"},"
	                 "\"manager\":{\"name\":\"m\"},\"id\":\"%lld.%d\",\"full_log\":\"%s\","
	                 "\"decoder\":{\"name\":\"x\"},\"data\":{\"srcip\":\"10.0.%d.%d\"},"
	                 "\"location\":\"/var/log/auth.log\"}",
	                 ts, a_level(i), a_pct(i) ? "Rate 100% of _limit_" : descs[r], rules[r],
	                 groups[r], a_agent(i), a_agent(i), (long long)t, i, flog, (i / 250) % 250,
	                 i % 250);
	assert_true(n > 0 && (size_t)n < cap);
}

/* A batch whose append a crash cut short is completed, byte for byte, and a
 * complete or rotated-away batch is left alone. */
static void test_log_batch_complete(void **state)
{
	const char *dir = *state;
	yg_alerts_log *log = open_log(dir, 0, 0, NULL);
	write_str(log, "{\"before\":1}", 5, DAY0);
	const char batch[] = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
	size_t len = sizeof(batch) - 1;
	yg_alerts_log_pos pos;
	assert_int_equal(yg_alerts_log_prepare(log, len, DAY0, &pos), YG_OK);
	assert_int_equal(pos.offset, strlen("{\"before\":1}\n"));
	yg_alerts_log_destroy(log);
	/* the crash: only part of the batch reached the file */
	char *p = pathf(dir, "alerts.json");
	FILE *f = fopen(p, "a");
	assert_non_null(f);
	fwrite(batch, 1, 12, f); /* "{"a":1}\n{"b" */
	fclose(f);
	log = open_log(dir, 0, 0, NULL); /* cuts the torn line back */
	size_t w = 0;
	assert_int_equal(yg_alerts_log_complete(log, &pos, batch, len, &w), YG_OK);
	assert_int_equal(w, len - strlen("{\"a\":1}\n"));
	assert_int_equal(yg_alerts_log_complete(log, &pos, batch, len, &w), YG_OK);
	assert_int_equal(w, 0); /* already whole */
	char *c = slurp(p);
	assert_string_equal(c, "{\"before\":1}\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
	free(c);
	/* a batch appended whole, then the file rotated: nothing written (a
	 * reopened file belongs to the day of its mtime: today) */
	time_t today = time(NULL);
	assert_int_equal(yg_alerts_log_prepare(log, 8, today + 86400, &pos), YG_OK);
	assert_int_equal(yg_alerts_log_append(log, "{\"d\":4}\n", 8, 1), YG_OK);
	yg_alerts_log_pos next;
	assert_int_equal(yg_alerts_log_prepare(log, 8, today + 2 * 86400, &next), YG_OK);
	assert_true(next.ino != pos.ino || next.offset == 0);
	assert_int_equal(yg_alerts_log_complete(log, &pos, "{\"d\":4}\n", 8, &w), YG_OK);
	assert_int_equal(w, 0);
	assert_int_equal(yg_alerts_log_append(log, "bad", 3, 1), YG_EINVAL);
	yg_alerts_log_destroy(log);
	c = slurp(p);
	assert_true(c == NULL || c[0] == '\0'); /* the new alerts.json is empty */
	free(c);
	free(p);
}

static char *store_path(const char *dir)
{
	return pathf(dir, "alerts.db");
}

static yg_alert_store *open_store(const char *dir)
{
	char *p = store_path(dir);
	yg_alert_store_config cfg;
	yg_alert_store_config_default(&cfg, p);
	cfg.queue_max = 500;
	yg_alert_store *s = NULL;
	assert_int_equal(yg_alert_store_create(&cfg, NULL, &s), YG_OK);
	free(p);
	return s;
}

static void fill_store(yg_alert_store *s)
{
	char buf[2048];
	for (int i = 0; i < N_ALERTS; i++) {
		make_alert(i, buf, sizeof(buf));
		assert_int_equal(yg_alert_store_add(s, buf, strlen(buf)), YG_OK);
		assert_true(yg_alert_store_pending(s) <= 500);
	}
	assert_int_equal(yg_alert_store_flush(s), YG_OK);
	assert_int_equal(yg_alert_store_pending(s), 0);
}

static uint64_t count_q(yg_alert_store *s, const yg_alert_query *q)
{
	uint64_t n = 0;
	assert_int_equal(yg_alert_store_count(s, q, &n), YG_OK);
	return n;
}

typedef bool (*pred_fn)(int i, const void *arg);

static uint64_t expect(int from, pred_fn f, const void *arg)
{
	uint64_t n = 0;
	for (int i = from; i < N_ALERTS; i++)
		n += f(i, arg);
	return n;
}

static bool p_rule(int i, const void *a)
{
	return a_rule(i) == *(const int *)a;
}
static bool p_minlevel(int i, const void *a)
{
	return a_level(i) >= *(const int *)a;
}
static bool p_agent(int i, const void *a)
{
	return a_agent(i) == *(const int *)a;
}
static bool p_sshd(int i, const void *a)
{
	(void)a;
	return a_rule(i) < 2;
}
static bool p_admin42(int i, const void *a)
{
	(void)a;
	char d[16];
	snprintf(d, sizeof(d), "%d", i);
	return a_rule(i) == 0 && strncmp(d, "42", 2) == 0;
}
static bool p_pct(int i, const void *a)
{
	(void)a;
	return a_pct(i);
}
static bool p_combo(int i, const void *a)
{
	(void)a;
	return a_rule(i) == 0 && a_level(i) >= 8 && a_agent(i) == 2 && i >= 1000 && i < 9000;
}

typedef struct collect {
	int n;
	int64_t last_time;
	bool ordered;
	char ids[N_ALERTS][24];
	char json[2048];
} collect;

static int collect_cb(void *ctx, const yg_alert_row *r)
{
	collect *c = ctx;
	if (c->n > 0 && r->time_ms > c->last_time)
		c->ordered = false;
	c->last_time = r->time_ms;
	if (c->n < N_ALERTS)
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", r->id);
	if (c->n == 0)
		snprintf(c->json, sizeof(c->json), "%s", r->json);
	c->n++;
	return 0;
}

static void test_store_filters(void **state)
{
	const char *dir = *state;
	yg_alert_store *s = open_store(dir);
	fill_store(s);
	yg_alert_store_stats st;
	yg_alert_store_get_stats(s, &st);
	assert_int_equal(st.added, N_ALERTS);
	assert_true(st.flushes >= N_ALERTS / 500);

	yg_alert_query q = {0};
	assert_int_equal(count_q(s, &q), N_ALERTS);

	for (int r = 0; r < 4; r++) {
		q = (yg_alert_query){.rule_id = rules[r]};
		assert_int_equal(count_q(s, &q), expect(0, p_rule, &r));
	}
	int lv = 9;
	q = (yg_alert_query){.min_level = lv};
	assert_int_equal(count_q(s, &q), expect(0, p_minlevel, &lv));
	q = (yg_alert_query){.min_level = 5, .max_level = 5};
	assert_int_equal(count_q(s, &q), N_ALERTS / 10);
	int ag = 3;
	q = (yg_alert_query){.agent_id = "003"};
	assert_int_equal(count_q(s, &q), expect(0, p_agent, &ag));
	q = (yg_alert_query){.srcip = "10.0.0.7"};
	assert_int_equal(count_q(s, &q), 1);
	q = (yg_alert_query){.srcip = "10.0.0."};
	assert_int_equal(count_q(s, &q), 0);
	/* Groups: substring, and whole names. */
	q = (yg_alert_query){.group = "sshd"};
	assert_int_equal(count_q(s, &q), expect(0, p_sshd, NULL));
	q = (yg_alert_query){.group = "ssh"};
	assert_int_equal(count_q(s, &q), expect(0, p_sshd, NULL));
	q = (yg_alert_query){.group = "ssh", .group_exact = true};
	assert_int_equal(count_q(s, &q), 0);
	q = (yg_alert_query){.group = "sshd", .group_exact = true};
	assert_int_equal(count_q(s, &q), expect(0, p_sshd, NULL));
	q = (yg_alert_query){.group = "syscheck", .group_exact = true};
	int r3 = 3;
	assert_int_equal(count_q(s, &q), expect(0, p_rule, &r3));
	/* Time range: [since, until). */
	q = (yg_alert_query){.since_ms = a_time_ms(100), .until_ms = a_time_ms(200)};
	assert_int_equal(count_q(s, &q), 100);
	q = (yg_alert_query){.since_ms = a_time_ms(9990)};
	assert_int_equal(count_q(s, &q), 10);
	/* Text: words, prefix of the last word, in description or full_log. */
	int r0 = 0;
	q = (yg_alert_query){.text = "admin"};
	assert_int_equal(count_q(s, &q), expect(0, p_rule, &r0));
	q = (yg_alert_query){.text = "Invalid user adm"};
	assert_int_equal(count_q(s, &q), expect(0, p_rule, &r0));
	q = (yg_alert_query){.text = "admin42"};
	assert_int_equal(count_q(s, &q), expect(0, p_admin42, NULL));
	q = (yg_alert_query){.text = "sshd"};
	assert_int_equal(count_q(s, &q), expect(0, p_sshd, NULL));
	q = (yg_alert_query){.text = "checksum"};
	assert_int_equal(count_q(s, &q), expect(0, p_rule, &r3));
	/* A combination. */
	q = (yg_alert_query){.rule_id = "5710",
	                     .min_level = 8,
	                     .agent_id = "002",
	                     .since_ms = a_time_ms(1000),
	                     .until_ms = a_time_ms(9000)};
	assert_int_equal(count_q(s, &q), expect(0, p_combo, NULL));

	/* Rows: newest first, full JSON as added. */
	collect *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->ordered = true;
	q = (yg_alert_query){.limit = 5};
	assert_int_equal(yg_alert_store_query(s, &q, collect_cb, c), YG_OK);
	assert_int_equal(c->n, 5);
	assert_true(c->ordered);
	char want[2048];
	make_alert(N_ALERTS - 1, want, sizeof(want));
	assert_string_equal(c->json, want);
	char wid[32];
	snprintf(wid, sizeof(wid), "%lld.%d", (long long)(BASE_S + (N_ALERTS - 1) * STEP_S),
	         N_ALERTS - 1);
	assert_string_equal(c->ids[0], wid);
	memset(c, 0, sizeof(*c));
	q = (yg_alert_query){.id = wid};
	assert_int_equal(yg_alert_store_query(s, &q, collect_cb, c), YG_OK);
	assert_int_equal(c->n, 1);
	free(c);
	yg_alert_store_destroy(s);
}

static void test_store_paging(void **state)
{
	const char *dir = *state;
	yg_alert_store *s = open_store(dir);
	fill_store(s);
	collect *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->ordered = true;
	yg_alert_query q = {.rule_id = "5710", .limit = 300};
	for (;;) {
		int before = c->n;
		assert_int_equal(yg_alert_store_query(s, &q, collect_cb, c), YG_OK);
		if (c->n == before)
			break;
		assert_true(c->n - before <= 300);
		q.offset += 300;
	}
	assert_int_equal(c->n, N_ALERTS / 4);
	assert_true(c->ordered);
	/* Each alert exactly once: ids are distinct (they are sorted by time
	 * desc, and times are distinct, so neighbours suffice). */
	for (int i = 1; i < c->n; i++)
		assert_string_not_equal(c->ids[i - 1], c->ids[i]);
	free(c);
	yg_alert_store_destroy(s);
}

static void test_store_injection(void **state)
{
	const char *dir = *state;
	yg_alert_store *s = open_store(dir);
	fill_store(s);
	const char *evil[] = {"' OR 1=1 --", "\" OR 1=1 --",
	                      "%",           "_",
	                      "*",           "%'; DROP TABLE alerts; --",
	                      "NEAR(a b)",   "sshd OR web",
	                      "\"",          "\xff\xfe\x80",
	                      "a\"b*c^d:e",  "description:sshd",
	                      "{desc}",      "-sshd",
	                      "(",           ")"};
	for (size_t k = 0; k < sizeof(evil) / sizeof(evil[0]); k++) {
		const char *e = evil[k];
		yg_alert_query qs[] = {
		        {.rule_id = e},  {.group = e}, {.group = e, .group_exact = true},
		        {.agent_id = e}, {.srcip = e}, {.id = e},
		        {.text = e},
		};
		for (size_t j = 0; j < sizeof(qs) / sizeof(qs[0]); j++) {
			uint64_t n = 99;
			yg_err err = yg_alert_store_count(s, &qs[j], &n);
			assert_int_equal(err, YG_OK);
			bool is_text = j == 6;
			bool is_group = j == 1;
			if (!is_text && !(is_group && strcmp(e, "_") == 0))
				assert_int_equal(n, 0);
		}
	}
	/* Literal semantics: "_" is an underscore, not a LIKE wildcard. */
	int r0 = 0, r1 = 1, r3 = 3;
	yg_alert_query q = {.group = "_"};
	assert_int_equal(count_q(s, &q),
	                 expect(0, p_rule, &r0) + expect(0, p_rule, &r1) + expect(0, p_rule, &r3));
	q = (yg_alert_query){.group = "%"};
	assert_int_equal(count_q(s, &q), 0);
	/* Text with no word is a literal substring of the description. */
	q = (yg_alert_query){.text = "%"};
	assert_int_equal(count_q(s, &q), expect(0, p_pct, NULL));
	q = (yg_alert_query){.text = "' OR 1=1 --"};
	assert_int_equal(count_q(s, &q), 0);
	/* FTS operators are words here, not syntax. */
	q = (yg_alert_query){.text = "sshd OR web"};
	assert_int_equal(count_q(s, &q), 0);
	/* Nothing was changed by any of it. */
	q = (yg_alert_query){0};
	assert_int_equal(count_q(s, &q), N_ALERTS);
	yg_alert_store_destroy(s);
}

static void test_store_persist_retain(void **state)
{
	const char *dir = *state;
	yg_alert_store *s = open_store(dir);
	fill_store(s);
	/* Queued but not flushed: committed by destroy. */
	char buf[2048];
	make_alert(5, buf, sizeof(buf));
	assert_int_equal(yg_alert_store_add(s, buf, strlen(buf)), YG_OK);
	assert_int_equal(yg_alert_store_add(s, "not json", 8), YG_EPARSE);
	assert_int_equal(yg_alert_store_add(s, "[1,2]", 5), YG_EPARSE);
	assert_int_equal(yg_alert_store_add(s, "{\"rule\":{}}", 11), YG_EPARSE);
	assert_int_equal(yg_alert_store_add(s, "{\"id\":\"x\"}", 10), YG_EPARSE);
	assert_int_equal(yg_alert_store_add(s, "{\"id\":\"1.1\"} trailing", 21), YG_EPARSE);
	yg_alert_store_stats st;
	yg_alert_store_get_stats(s, &st);
	assert_int_equal(st.rejected, 5);
	yg_alert_store_destroy(s);

	s = open_store(dir);
	yg_alert_store_get_stats(s, &st);
	yg_alert_query q = {0};
	assert_int_equal(count_q(s, &q), N_ALERTS);
	/* A duplicate id is ignored. */
	assert_int_equal(yg_alert_store_add(s, buf, strlen(buf)), YG_OK);
	assert_int_equal(yg_alert_store_flush(s), YG_OK);
	yg_alert_store_get_stats(s, &st);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(count_q(s, &q), N_ALERTS);

	/* Retention: keep 5 days before BASE + 10 days. */
	assert_int_equal(yg_alert_store_retain(s, 0, (time_t)BASE_S, NULL), YG_EINVAL);
	uint64_t del = 0;
	time_t now = (time_t)(BASE_S + 10 * 86400);
	assert_int_equal(yg_alert_store_retain(s, 5, now, &del), YG_OK);
	/* Deleted: time < BASE+5d, i.e. i*86 s + 0.123 s < 432000 s. */
	int first_kept = 0;
	while (a_time_ms(first_kept) < (BASE_S + 5 * 86400) * 1000)
		first_kept++;
	assert_int_equal(del, (uint64_t)first_kept);
	assert_int_equal(count_q(s, &q), N_ALERTS - first_kept);
	int r0 = 0;
	q = (yg_alert_query){.text = "admin"};
	assert_int_equal(count_q(s, &q), expect(first_kept, p_rule, &r0));
	q = (yg_alert_query){.rule_id = "5710"};
	assert_int_equal(count_q(s, &q), expect(first_kept, p_rule, &r0));
	yg_alert_store_destroy(s);

	s = open_store(dir);
	q = (yg_alert_query){0};
	assert_int_equal(count_q(s, &q), N_ALERTS - first_kept);
	yg_alert_store_destroy(s);
}

/* main's first schema (version 1): the words indexed by INSERT trigger. */
static const char v1_schema[] =
        "CREATE TABLE alerts(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " time INTEGER NOT NULL, rule_id TEXT NOT NULL, level INTEGER NOT NULL,"
        " groups TEXT NOT NULL, agent_id TEXT NOT NULL, agent_name TEXT NOT NULL,"
        " srcip TEXT NOT NULL, location TEXT NOT NULL, description TEXT NOT NULL,"
        " json TEXT NOT NULL, full_log TEXT GENERATED ALWAYS AS"
        "  (CASE WHEN json_valid(json) THEN json_extract(json, '$.full_log') END) VIRTUAL);"
        "CREATE INDEX alerts_time ON alerts(time);"
        "CREATE VIRTUAL TABLE alerts_fts USING fts5("
        " description, full_log, content='alerts', content_rowid='seq');"
        "CREATE TRIGGER alerts_ai AFTER INSERT ON alerts BEGIN"
        " INSERT INTO alerts_fts(rowid, description, full_log)"
        "  VALUES (new.seq, new.description, new.full_log); END;"
        "CREATE TRIGGER alerts_ad AFTER DELETE ON alerts BEGIN"
        " INSERT INTO alerts_fts(alerts_fts, rowid, description, full_log)"
        "  VALUES ('delete', old.seq, old.description, old.full_log); END;"
        "CREATE TABLE pipeline_state(k INTEGER PRIMARY KEY CHECK (k = 1),"
        " next_alert_seq INTEGER NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
        " off INTEGER NOT NULL, len INTEGER NOT NULL, first_seq INTEGER NOT NULL,"
        " last_seq INTEGER NOT NULL);"
        "INSERT INTO pipeline_state VALUES (1, 77, 1, 2, 3, 0, 0, 0);"
        "INSERT INTO alerts(id, time, rule_id, level, groups, agent_id, agent_name, srcip,"
        " location, description, json) VALUES ('1.1', 1000, '5710', 5, 'sshd', '000', 'm',"
        " '', 'auth', 'old sshd row', '{\"id\":\"1.1\",\"full_log\":\"oldword here\"}');";

static void fts_intact(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO alerts_fts(alerts_fts, rank)"
	                              " VALUES ('integrity-check', 1)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
}

static void diff_seen(void *ctx, const char *host, unsigned rule, const char *output)
{
	char *out = ctx;
	snprintf(out, 128, "%s/%u/%s", host, rule, output);
}

/* A store written by the first schema opens, is migrated in place, keeps
 * its rows searchable, and indexes new rows behind the commit. */
static void test_store_migrate_v1(void **state)
{
	const char *dir = *state;
	char path[512];
	snprintf(path, sizeof(path), "%s/alerts.db", dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	yg_alert_store *s = open_store(dir);
	yg_alert_query q = {.text = "oldword"};
	assert_int_equal(count_q(s, &q), 1);
	yg_commit_mark m;
	bool have = false;
	assert_int_equal(yg_alert_store_load_mark(s, &m, &have), YG_OK);
	assert_true(have);
	assert_int_equal(m.next_alert_seq, 77);

	/* a commit with the mark and a check_diff output; the words follow */
	char buf[2048];
	make_alert(0, buf, sizeof(buf));
	yg_alert_text t = {buf, strlen(buf)};
	yg_check_diff_row d = {"web", 530, "out put"};
	yg_commit_mark nm = {.next_alert_seq = 90, .dev = 4, .ino = 5, .off = 6, .len = t.len + 1};
	yg_alert_commit c = {.alerts = &t, .n = 1, .mark = &nm, .diffs = &d, .ndiffs = 1};
	assert_int_equal(yg_alert_store_commit_batch(s, &c), YG_OK);
	assert_int_equal(c.first_seq, 2);
	assert_int_equal(c.last_seq, 2);
	assert_int_equal(yg_alert_store_unindexed(s), 1);
	q = (yg_alert_query){.text = "admin0"};
	assert_int_equal(count_q(s, &q), 0); /* not indexed yet */
	q = (yg_alert_query){.rule_id = "5710"};
	assert_int_equal(count_q(s, &q), 2); /* every other filter sees it */
	yg_alert_store_destroy(s);

	/* after a restart (a crash is the same: the mark commits with the
	 * words) the backlog is still known and indexed in batches */
	s = open_store(dir);
	assert_int_equal(yg_alert_store_unindexed(s), 1);
	size_t done = 0;
	assert_int_equal(yg_alert_store_index(s, 100, &done), YG_OK);
	assert_int_equal(done, 1);
	assert_int_equal(yg_alert_store_unindexed(s), 0);
	q = (yg_alert_query){.text = "admin0"};
	assert_int_equal(count_q(s, &q), 1);
	assert_int_equal(yg_alert_store_load_mark(s, &m, &have), YG_OK);
	assert_int_equal(m.next_alert_seq, 90);
	assert_int_equal(m.off, 6);
	assert_int_equal(m.len, t.len + 1);
	assert_int_equal(m.first_seq, 2);
	char seen[128] = "";
	assert_int_equal(yg_alert_store_load_diffs(s, diff_seen, seen), YG_OK);
	assert_string_equal(seen, "web/530/out put");

	/* a row that expires before it is indexed leaves the index whole */
	make_alert(1, buf, sizeof(buf));
	t = (yg_alert_text){buf, strlen(buf)};
	c = (yg_alert_commit){.alerts = &t, .n = 1};
	assert_int_equal(yg_alert_store_commit_batch(s, &c), YG_OK);
	uint64_t del = 0;
	assert_int_equal(yg_alert_store_retain(s, 1, (time_t)(BASE_S + 100 * 86400), &del), YG_OK);
	assert_int_equal(del, 3);
	assert_int_equal(yg_alert_store_unindexed(s), 0);
	assert_int_equal(yg_alert_store_index(s, 100, &done), YG_OK);
	assert_int_equal(done, 0);
	yg_alert_store_destroy(s);
	fts_intact(path);
}

static int stop_cb(void *ctx, const yg_alert_row *r)
{
	(void)r;
	return ++*(int *)ctx >= 3;
}

static void test_store_misc(void **state)
{
	const char *dir = *state;
	yg_alert_store *s = open_store(dir);
	/* Minimal alerts: time from the id when there is no timestamp. */
	const char *a = "{\"id\":\"1704067200.1\",\"rule\":{\"level\":3}}";
	const char *b = "{\"id\":\"1704067201.2\",\"timestamp\":\"2024-01-01T02:00:00.5+02:00\","
	                "\"rule\":{\"level\":4,\"groups\":\"notalist\"},\"srcip\":\"1.2.3.4\"}";
	const char *c = "{\"id\":\"1704067202.3\",\"rule\":{\"level\":5}}";
	assert_int_equal(yg_alert_store_add(s, a, strlen(a)), YG_OK);
	assert_int_equal(yg_alert_store_add(s, b, strlen(b)), YG_OK);
	assert_int_equal(yg_alert_store_add(s, c, strlen(c)), YG_OK);
	yg_alert_query q = {0};
	/* Not visible before a flush. */
	assert_int_equal(count_q(s, &q), 0);
	assert_int_equal(yg_alert_store_flush(s), YG_OK);
	assert_int_equal(count_q(s, &q), 3);
	q = (yg_alert_query){.since_ms = 1704067200000, .until_ms = 1704067200001};
	assert_int_equal(count_q(s, &q), 1); /* a: its time from the id */
	/* b: 02:00:00.5+02:00 is 00:00:00.500Z */
	q = (yg_alert_query){.since_ms = 1704067200500, .until_ms = 1704067200501};
	assert_int_equal(count_q(s, &q), 1);
	q = (yg_alert_query){.srcip = "1.2.3.4"};
	assert_int_equal(count_q(s, &q), 1);
	q = (yg_alert_query){.agent_id = "000"};
	assert_int_equal(count_q(s, &q), 3);
	int n = 0;
	q = (yg_alert_query){0};
	for (int k = 0; k < 4; k++) {
		char id[32];
		snprintf(id, sizeof(id), "{\"id\":\"17040673%02d.%d\"}", k, k);
		assert_int_equal(yg_alert_store_add(s, id, strlen(id)), YG_OK);
	}
	assert_int_equal(yg_alert_store_flush(s), YG_OK);
	assert_int_equal(yg_alert_store_query(s, &q, stop_cb, &n), YG_OK);
	assert_int_equal(n, 3);
	yg_alert_store_destroy(s);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_log_write_and_level, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_rotate_day, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_rotate_size, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_names, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_torn_line, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_torn_long, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_short_write, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_reopen_old_day, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_log_batch_complete, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_store_filters, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_store_paging, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_store_injection, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_store_persist_retain, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_store_misc, setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_store_migrate_v1, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
