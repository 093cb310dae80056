/* apifill.c: prepares a manager home for the API benchmark.
 *
 *   apifill store DB N [DAYS]   adds N realistic alerts to the alert store
 *                               DB (HOME/var/db/manager.db; manager stopped),
 *                               spread over the last DAYS days (30) up to now
 *   apifill token USERS_DB      adds the user "bench" (admin) to the API's
 *                               users database and prints a new API token
 *
 * The alerts look like what the Wazuh ruleset gives for sshd, web access and
 * FIM events: real rule ids with their levels, descriptions and groups, 50
 * agents, 5,000 source IPs (203.0.x.y / 198.51.x.y), full_log lines the
 * words of which the text search finds. Ids are "<time>.<n>" with n from
 * 1,000,000,000 up, so they never collide with the manager's own. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_users.h"
#include "common/ydiag.h"
#include "outputs/alert_store.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

typedef struct rule {
	const char *id;
	int level;
	const char *desc;
	const char *groups; /* JSON array members */
	int weight;         /* per 1000 */
	int kind;           /* 0 sshd fail, 1 sshd ok, 2 web, 3 fim, 4 brute force */
	const char *mitre;  /* rule.mitre.id members, as Wazuh's ruleset has them */
} rule;

static const rule rules[] = {
        {"5710", 5, "sshd: Attempt to login using a non-existent user",
         "\"syslog\",\"sshd\",\"authentication_failed\",\"invalid_login\"", 300, 0,
         "\"T1110.001\",\"T1021.004\""},
        {"5760", 5, "sshd: authentication failed.", "\"syslog\",\"sshd\",\"authentication_failed\"",
         120, 0, "\"T1110.001\",\"T1021.004\""},
        {"5715", 3, "sshd: authentication success.",
         "\"syslog\",\"sshd\",\"authentication_success\"", 100, 1, "\"T1078\",\"T1021\""},
        {"5501", 3, "PAM: Login session opened.", "\"pam\",\"syslog\",\"authentication_success\"",
         80, 1, "\"T1078\""},
        {"31101", 5, "Web server 400 error code.", "\"web\",\"accesslog\",\"attack\"", 150, 2,
         NULL},
        {"31103", 7, "SQL injection attempt.", "\"web\",\"accesslog\",\"attack\",\"sql_injection\"",
         40, 2, "\"T1190\""},
        {"31151", 10, "Multiple web server 400 error codes from same source ip.",
         "\"web\",\"accesslog\",\"web_scan\",\"recon\"", 30, 2, "\"T1595.002\""},
        {"550", 7, "Integrity checksum changed.",
         "\"ossec\",\"syscheck\",\"syscheck_entry_modified\"", 90, 3, "\"T1565.001\""},
        {"554", 5, "File added to the system.", "\"ossec\",\"syscheck\",\"syscheck_entry_added\"",
         50, 3, NULL},
        {"5712", 10, "sshd: brute force trying to get access to the system. Non existent user.",
         "\"syslog\",\"sshd\",\"authentication_failures\"", 30, 4, "\"T1110\""},
        {"5720", 10, "sshd: Multiple authentication failures.",
         "\"syslog\",\"sshd\",\"authentication_failures\"", 10, 4, "\"T1110\""},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static const char *const users[] = {"root",   "admin",    "oracle", "test", "guest",
                                    "ubuntu", "postgres", "deploy", "git",  "user1"};
static const char *const paths[] = {"/index.php", "/wp-login.php", "/shop/cart",
                                    "/admin/",    "/.env",         "/search?q=union+select",
                                    "/login",     "/api/items"};
static const char *const files[] = {"/etc/passwd",   "/etc/shadow", "/var/www/html/index.php",
                                    "/usr/bin/sshd", "/etc/hosts",  "/var/www/html/.htaccess"};

static const rule *pick(void)
{
	int r = (int)(rnd() % 1000), acc = 0;
	for (size_t i = 0; i < NRULES; i++) {
		acc += rules[i].weight;
		if (r < acc)
			return &rules[i];
	}
	return &rules[0];
}

/* Writes one alert JSON into buf; returns its length or -1. */
static int make_alert(uint64_t i, time_t t, int ms, char *buf, size_t cap)
{
	const rule *r = pick();
	int agent = 1 + (int)(rnd() % 50);
	unsigned ipn = rnd() % 5000;
	char ip[32], ts[64], syslog_ts[32], flog[600], data[300];
	snprintf(ip, sizeof(ip), "%s.%u.%u", ipn < 2500 ? "203.0" : "198.51", (ipn % 2500) / 250,
	         1 + ipn % 250);
	struct tm tm;
	gmtime_r(&t, &tm);
	char d0[32];
	strftime(d0, sizeof(d0), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%03d+0000", d0, ms);
	strftime(syslog_ts, sizeof(syslog_ts), "%b %e %H:%M:%S", &tm);
	const char *user = users[rnd() % 10];
	const char *loc = "/var/log/auth.log", *decoder = "sshd";
	data[0] = '\0';
	switch (r->kind) {
	case 0:
	case 4:
		snprintf(flog, sizeof(flog),
		         "%s web%02d sshd[%u]: Failed password for invalid user %s from %s port %u "
		         "ssh2",
		         syslog_ts, agent, 1000 + rnd() % 60000, user, ip, 1024 + rnd() % 60000);
		snprintf(data, sizeof(data), ",\"data\":{\"srcip\":\"%s\",\"srcuser\":\"%s\"}", ip,
		         user);
		break;
	case 1:
		snprintf(flog, sizeof(flog),
		         "%s web%02d sshd[%u]: Accepted publickey for %s from %s port %u ssh2",
		         syslog_ts, agent, 1000 + rnd() % 60000, user, ip, 1024 + rnd() % 60000);
		snprintf(data, sizeof(data), ",\"data\":{\"srcip\":\"%s\",\"dstuser\":\"%s\"}", ip,
		         user);
		break;
	case 2:
		loc = "/var/log/nginx/access.log";
		decoder = "web-accesslog";
		snprintf(
		        flog, sizeof(flog),
		        "%s - - [%02d/Nov/2026:%02d:%02d:%02d +0000] \\\"GET %s HTTP/1.1\\\" %d %u "
		        "\\\"-\\\" \\\"Mozilla/5.0 (compatible; scanner)\\\"",
		        ip, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, paths[rnd() % 8],
		        r->level >= 7 ? 403 : 404, 100 + rnd() % 5000);
		snprintf(data, sizeof(data),
		         ",\"data\":{\"protocol\":\"GET\",\"srcip\":\"%s\",\"id\":\"404\",\"url\":"
		         "\"%s\"}",
		         ip, paths[rnd() % 8]);
		break;
	default:
		loc = "syscheck";
		decoder = "syscheck_integrity_changed";
		snprintf(
		        flog, sizeof(flog),
		        "File '%s' modified\\nMode: realtime\\nChanged attributes: size,md5,sha256",
		        files[rnd() % 6]);
		break;
	}
	return snprintf(
	        buf, cap,
	        "{\"timestamp\":\"%s\",\"rule\":{\"level\":%d,\"description\":\"%s\","
	        "\"id\":\"%s\",\"firedtimes\":%u,\"mail\":false,\"groups\":[%s],"
	        "\"pci_dss\":[\"10.2.4\",\"10.2.5\"],\"gdpr\":[\"IV_35.7.d\",\"IV_32.2\"]%s%s%s},"
	        "\"agent\":{\"id\":\"%03d\",\"name\":\"web%02d\",\"ip\":\"10.1.0.%d\"},"
	        "\"manager\":{\"name\":\"yagura\"},\"id\":\"%lld.%llu\","
	        "\"full_log\":\"%s\",\"decoder\":{\"name\":\"%s\"}%s,\"location\":\"%s\"}",
	        ts, r->level, r->desc, r->id, 1 + rnd() % 100, r->groups,
	        r->mitre ? ",\"mitre\":{\"id\":[" : "", r->mitre ? r->mitre : "",
	        r->mitre ? "]}" : "", agent, agent, agent, (long long)t,
	        1000000000ULL + (unsigned long long)i, flog, decoder, data, loc);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_store(const char *db, unsigned long long n, unsigned long days)
{
	yg_alert_store_config cfg;
	yg_alert_store_config_default(&cfg, db);
	cfg.queue_max = 5000;
	yg_diag *d = yg_diag_create();
	yg_alert_store *s = NULL;
	if (yg_alert_store_create(&cfg, d, &s)) {
		yg_diag_print(d, stderr);
		return 1;
	}
	time_t end = time(NULL);
	double span = (double)days * 86400.0, t0 = now_s();
	char buf[4096];
	for (unsigned long long i = 0; i < n; i++) {
		/* oldest first, as a manager would have added them */
		double at = (double)end - span + span * (double)i / (double)n;
		int len = make_alert(i, (time_t)at, (int)((at - (double)(time_t)at) * 1000), buf,
		                     sizeof(buf));
		if (len < 0 || (size_t)len >= sizeof(buf) ||
		    yg_alert_store_add(s, buf, (size_t)len)) {
			fprintf(stderr, "apifill: alert %llu failed\n", i);
			return 1;
		}
	}
	if (yg_alert_store_flush(s)) {
		fprintf(stderr, "apifill: flush failed\n");
		return 1;
	}
	yg_alert_store_stats st;
	yg_alert_store_get_stats(s, &st);
	yg_alert_store_destroy(s);
	yg_diag_destroy(d);
	fprintf(stderr, "apifill: %llu alerts added (%llu duplicates) in %.1f s\n",
	        (unsigned long long)st.added, (unsigned long long)st.duplicates, now_s() - t0);
	return 0;
}

static int cmd_token(const char *path)
{
	yg_diag *d = yg_diag_create();
	yg_api_users *u = NULL;
	if (yg_api_users_open(path, d, &u)) {
		yg_diag_print(d, stderr);
		return 1;
	}
	yg_err e = yg_api_user_add(u, "bench", "bench-password-1", YG_API_ROLE_ADMIN);
	if (e && e != YG_EINVAL) /* EINVAL: already there from a previous run */
		return 1;
	char token[YG_API_TOKEN_LEN];
	if (yg_api_token_create(u, "bench", 86400, false, "bench", token, NULL, NULL)) {
		fprintf(stderr, "apifill: cannot create a token\n");
		return 1;
	}
	printf("%s\n", token);
	yg_api_users_close(u);
	yg_diag_destroy(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "store")) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(argv[3], &end, 10);
		if (errno || *end || n == 0)
			return 2;
		unsigned long days = 30;
		if (argc >= 5) {
			days = strtoul(argv[4], &end, 10);
			if (*end || days == 0 || days > 3650)
				return 2;
		}
		return cmd_store(argv[2], n, days);
	}
	if (argc == 3 && !strcmp(argv[1], "token"))
		return cmd_token(argv[2]);
	fprintf(stderr, "usage: apifill store DB N [DAYS] | apifill token USERS_DB\n");
	return 2;
}
