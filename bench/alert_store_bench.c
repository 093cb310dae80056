/* alert_store_bench.c: inserts synthetic Wazuh alerts into a yg_alert_store
 * and times a few searches. Not a test; prints figures.
 *
 *   alert_store_bench [DIR] [N]     (defaults: a new /tmp dir, 1000000)
 *
 * N = 0 only searches an existing DIR/alerts.db. BENCH_NO_RETAIN=1 skips the
 * retention step at the end (which deletes a sixth of the alerts).
 *
 * Alerts are ~1 KB like real sshd/web ones: 200 rules, levels skewed low,
 * 50 agents, 10,000 source IPs, spread over 30 days. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/alerts.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static const char *const words[] = {"invalid", "user",   "password", "failed", "accepted",
                                    "session", "opened", "closed",   "root",   "admin",
                                    "oracle",  "test",   "guest",    "nginx",  "login",
                                    "shop",    "cart",   "checkout", "select", "union"};
#define NWORDS (sizeof(words) / sizeof(words[0]))
#define BASE_S ((int64_t)1704067200)
#define SPAN_S ((int64_t)30 * 86400)

static int make_alert(uint64_t i, int64_t n, char *buf, size_t cap)
{
	int rule = 5700 + (int)(rnd() % 200);
	int level = (int)(rnd() % 100);
	level = level < 60 ? 3 : level < 85 ? 5 : level < 95 ? 7 : level < 99 ? 10 : 12;
	int agent = (int)(rnd() % 50);
	unsigned ip = rnd() % 10000;
	int64_t t = BASE_S + (int64_t)((double)i / (double)n * (double)SPAN_S);
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	char ts[40];
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
	char flog[512];
	int fl = snprintf(flog, sizeof(flog), "Jan  1 00:00:00 host%d sshd[%u]:", agent,
	                  rnd() % 65536);
	for (int w = 0; w < 12 && fl < 400; w++)
		fl += snprintf(flog + fl, sizeof(flog) - (size_t)fl, " %s", words[rnd() % NWORDS]);
	snprintf(flog + fl, sizeof(flog) - (size_t)fl, " from 10.%u.%u.%u port %u", ip / 10000,
	         (ip / 100) % 100, ip % 100, 1024 + rnd() % 60000);
	return snprintf(
	        buf, cap,
	        "{\"timestamp\":\"%s\",\"rule\":{\"level\":%d,\"description\":\"sshd: rule %d "
	        "%s %s\",\"id\":\"%d\",\"mitre\":{\"id\":[\"T1110\"],\"tactic\":[\"Credential "
	        "Access\"],\"technique\":[\"Brute Force\"]},\"firedtimes\":%u,\"mail\":false,"
	        "\"groups\":[\"syslog\",\"sshd\",\"%s\"],\"gdpr\":[\"IV_35.7.d\",\"IV_32.2\"],"
	        "\"hipaa\":[\"164.312.b\"],\"nist_800_53\":[\"AU.14\",\"AC.7\"],\"pci_dss\":["
	        "\"10.2.4\",\"10.2.5\"],\"tsc\":[\"CC6.1\",\"CC6.8\",\"CC7.2\",\"CC7.3\"]},"
	        "\"agent\":{\"id\":\"%03d\",\"name\":\"host%d\",\"ip\":\"192.168.1.%d\"},"
	        "\"manager\":{\"name\":\"yagura\"},\"id\":\"%lld.%llu\",\"cluster\":{\"name\":"
	        "\"yagura\",\"node\":\"node01\"},\"full_log\":\"%s\",\"predecoder\":{\"program_"
	        "name\":\"sshd\",\"timestamp\":\"Jan  1 00:00:00\",\"hostname\":\"host%d\"},"
	        "\"decoder\":{\"parent\":\"sshd\",\"name\":\"sshd\"},\"data\":{\"srcip\":\"10.%u."
	        "%u.%u\",\"srcport\":\"%u\",\"dstuser\":\"%s\"},\"location\":\"/var/log/"
	        "auth.log\"}",
	        ts, level, rule, words[rnd() % NWORDS], words[rnd() % NWORDS], rule, rnd() % 1000,
	        words[rnd() % NWORDS], agent, agent, agent, (long long)t, (unsigned long long)i,
	        flog, agent, ip / 10000, (ip / 100) % 100, ip % 100, 1024 + rnd() % 60000,
	        words[rnd() % NWORDS]);
}

static int count_row(void *ctx, const yg_alert_row *r)
{
	(void)r;
	(*(size_t *)ctx)++;
	return 0;
}

static void timed(yg_alert_store *s, const char *name, yg_alert_query q)
{
	uint64_t cnt = 0;
	size_t rows = 0;
	double t0 = now_s();
	if (yg_alert_store_count(s, &q, &cnt) != YG_OK)
		printf("  count failed\n");
	double t1 = now_s();
	q.limit = 50;
	if (yg_alert_store_query(s, &q, count_row, &rows) != YG_OK)
		printf("  query failed\n");
	double t2 = now_s();
	printf("  %-44s matches %8llu  count %8.1f ms  first page (50) %8.1f ms\n", name,
	       (unsigned long long)cnt, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
}

int main(int argc, char **argv)
{
	char dir[256] = "/tmp/yg_alert_bench_XXXXXX";
	if (argc > 1) {
		snprintf(dir, sizeof(dir), "%s", argv[1]);
		(void)mkdir(dir, 0750);
	} else if (!mkdtemp(dir))
		return 1;
	long long n = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000000;
	if (n < 0)
		return 2;
	char path[512];
	snprintf(path, sizeof(path), "%s/alerts.db", dir);
	yg_alert_store_config cfg;
	yg_alert_store_config_default(&cfg, path);
	cfg.queue_max = 1000;
	yg_alert_store *s = NULL;
	if (yg_alert_store_create(&cfg, NULL, &s) != YG_OK) {
		fprintf(stderr, "cannot open %s\n", path);
		return 1;
	}
	printf("alert store bench: %lld alerts into %s\n", n, path);
	char buf[4096];
	uint64_t json_bytes = 0;
	double t0 = now_s();
	for (long long i = 0; i < n; i++) {
		int len = make_alert((uint64_t)i, n, buf, sizeof(buf));
		json_bytes += (uint64_t)len;
		if (yg_alert_store_add(s, buf, (size_t)len) != YG_OK) {
			fprintf(stderr, "add failed at %lld\n", i);
			return 1;
		}
	}
	yg_alert_store_flush(s);
	double t1 = now_s();
	struct stat sb;
	uint64_t dbsize = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	uint64_t walsize = stat(wal, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	printf("insert: %.1f s, %.0f alerts/s; JSON %.1f MB (avg %.0f B/alert); "
	       "database %.1f MB (%.0f B/alert), WAL %.1f MB\n",
	       t1 - t0, (double)n / (t1 - t0 + 1e-9), (double)json_bytes / 1e6,
	       (double)json_bytes / (double)n, (double)dbsize / 1e6, (double)dbsize / (double)n,
	       (double)walsize / 1e6);

	int64_t end_ms = (BASE_S + SPAN_S) * 1000;
	printf("searches (newest first):\n");
	timed(s, "no filter", (yg_alert_query){0});
	timed(s, "last 24 h", (yg_alert_query){.since_ms = end_ms - 86400000});
	timed(s, "level >= 10", (yg_alert_query){.min_level = 10});
	timed(s, "level >= 12, 1 day, 10 days ago",
	      (yg_alert_query){.min_level = 12,
	                       .since_ms = end_ms - 11 * 86400000LL,
	                       .until_ms = end_ms - 10 * 86400000LL});
	timed(s, "rule 5712", (yg_alert_query){.rule_id = "5712"});
	timed(s, "agent 007", (yg_alert_query){.agent_id = "007"});
	timed(s, "srcip 10.0.42.17", (yg_alert_query){.srcip = "10.0.42.17"});
	timed(s, "group 'oracle' (substring)", (yg_alert_query){.group = "oracle"});
	timed(s, "group 'sshd' (exact)", (yg_alert_query){.group = "sshd", .group_exact = true});
	timed(s, "text 'checkout'", (yg_alert_query){.text = "checkout"});
	timed(s, "text 'union select'", (yg_alert_query){.text = "union select"});
	timed(s, "text 'port 1025'", (yg_alert_query){.text = "port 1025"});
	timed(s, "text + agent 007 + level >= 7",
	      (yg_alert_query){.text = "oracle", .agent_id = "007", .min_level = 7});
	{
		size_t rows = 0;
		double a = now_s();
		yg_alert_query q = {.limit = 50, .offset = 100000};
		yg_alert_store_query(s, &q, count_row, &rows);
		printf("  %-44s rows %zu  %8.1f ms\n", "page at offset 100000", rows,
		       (now_s() - a) * 1e3);
	}
	{
		uint64_t del = 0;
		double a = now_s();
		if (getenv("BENCH_NO_RETAIN")) {
			yg_alert_store_destroy(s);
			return 0;
		}
		yg_alert_store_retain(s, 25, (time_t)(BASE_S + SPAN_S), &del);
		printf("retention (keep 25 of 30 days): deleted %llu in %.1f s\n",
		       (unsigned long long)del, now_s() - a);
		uint64_t dbsize2 = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
		printf("database after retention: %.1f MB\n", (double)dbsize2 / 1e6);
	}
	yg_alert_store_destroy(s);
	return 0;
}
