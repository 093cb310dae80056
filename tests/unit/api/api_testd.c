/* api_testd.c: a real API server for the end-to-end tests.
 *
 * Usage: api_testd DIR NALERTS
 * Creates in DIR an alert store with NALERTS generated alerts (one a minute
 * from 2024-05-01T00:00:00Z), users admin / analyst / reader (password
 * "pw-<name>-123"), and, when built with them, a tickets store fed with the
 * same alerts, a WAF ban ledger (ban file DIR/banned) and an agents registry
 * with two agents. Starts the API on 127.0.0.1, any free port, prints one
 * JSON line {"port", "expired_token", "modules"} and serves until stdin
 * closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_users.h"
#include "common/ybuf.h"
#include "store/alerts.h"
#include "store/registry.h"
#include "tickets/tickets.h"
#include "waf/waf.h"

#define T0 1714521600LL /* 2024-05-01T00:00:00Z */

static void die(const char *what, yg_diag *d)
{
	fprintf(stderr, "api_testd: %s\n", what);
	if (d)
		yg_diag_print(d, stderr);
	exit(2);
}

/* Alert i, deterministic. */
static void make_alert(yg_buf *b, int i)
{
	static const char *const rules[] = {"5710", "5712", "31101", "31151", "550", "100200"};
	static const char *const descs[] = {"sshd: Attempt to login using a non-existent user",
	                                    "sshd: brute force trying to get access",
	                                    "Web server 400 error code.",
	                                    "Multiple web server 400 error codes",
	                                    "Integrity checksum changed.",
	                                    "Custom rule: suspicious \\\"quoted\\\" % * value"};
	static const char *const groups[] = {"\"syslog\",\"sshd\",\"authentication_failed\"",
	                                     "\"syslog\",\"sshd\",\"attack\"",
	                                     "\"web\",\"accesslog\"",
	                                     "\"web\",\"accesslog\",\"attack\"",
	                                     "\"ossec\",\"syscheck\",\"syscheck_entry_modified\"",
	                                     "\"local\",\"ids\""};
	int k = i % 6;
	int level = (i * 7) % 16;
	long long t = T0 + (long long)i * 60;
	time_t tt = (time_t)t;
	struct tm tm;
	char ts[40];
	gmtime_r(&tt, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
	yg_buf_reset(b);
	yg_buf_printf(
	        b,
	        "{\"timestamp\":\"%s\",\"rule\":{\"level\":%d,\"description\":\"%s\","
	        "\"id\":\"%s\",\"groups\":[%s]},\"agent\":{\"id\":\"%03d\",\"name\":\"host-%d\"},"
	        "\"manager\":{\"name\":\"mgr\"},\"id\":\"%lld.%d\",\"full_log\":\"event number %d "
	        "from host-%d user%d\",\"decoder\":{\"name\":\"sshd\"},"
	        "\"data\":{\"srcip\":\"10.0.%d.%d\"},\"location\":\"/var/log/auth.log\"",
	        ts, level, descs[k] + 0, rules[k], groups[k], i % 5, i % 5, t, i, i, i % 5, i % 7,
	        i % 3, i % 20);
	if (k == 4)
		yg_buf_printf(
		        b,
		        ",\"syscheck\":{\"path\":\"/etc/file%d.conf\",\"event\":\"modified\","
		        "\"md5_after\":\"d41d8cd98f00b204e9800998ecf8427e\",\"size_after\":\"%d\"}",
		        i, i * 10);
	yg_buf_putc(b, '}');
}

int main(int argc, char **argv)
{
	if (argc != 3)
		die("usage: api_testd DIR NALERTS", NULL);
	const char *dir = argv[1];
	int n = (int)strtol(argv[2], NULL, 10);
	yg_diag *d = yg_diag_create();
	char path[4096], users_path[4096];

	snprintf(path, sizeof(path), "%s/alerts.db", dir);
	yg_alert_store_config sc;
	yg_alert_store_config_default(&sc, path);
	yg_alert_store *store = NULL;
	if (yg_alert_store_create(&sc, d, &store))
		die("alert store", d);
	yg_buf b;
	yg_buf_init(&b, 1 << 16);
	for (int i = 0; i < n; i++) {
		make_alert(&b, i);
		if (yg_alert_store_add(store, b.data, b.len))
			die("alert add", NULL);
	}
	if (yg_alert_store_flush(store))
		die("flush", NULL);

	yg_api_backend be = {0};
	if (yg_api_backend_store(&be, store, path, d))
		die("store backend", d);
	char modules[256] = "alerts";

	snprintf(path, sizeof(path), "%s/tickets.db", dir);
	yg_tickets *tickets = NULL;
	if (yg_tickets_create(path, NULL, d, &tickets))
		die("tickets", d);
	for (int i = 0; i < n; i++) {
		make_alert(&b, i);
		if (yg_tickets_offer(tickets, b.data, b.len, NULL, NULL))
			die("tickets offer", NULL);
	}
	yg_api_backend_tickets(&be, tickets);
	snprintf(modules + strlen(modules), sizeof(modules) - strlen(modules), "%s", ",tickets");
	char xml[4200];
	snprintf(xml, sizeof(xml),
	         "<waf><ban_file>%s/banned</ban_file><allow>127.0.0.1</allow></waf>", dir);
	yg_wxml_doc *doc = NULL;
	yg_waf_config *wcfg = yg_waf_config_create();
	if (yg_wxml_parse_buffer(xml, strlen(xml), "waf.xml", d, &doc) ||
	    yg_waf_config_read(wcfg, yg_wxml_doc_root(doc, 0), "waf.xml", d))
		die("waf config", d);
	snprintf(path, sizeof(path), "%s/bans.db", dir);
	yg_waf *waf = NULL;
	if (yg_waf_open(wcfg, path, NULL, &waf))
		die("waf open", d);
	static pthread_mutex_t waf_lock = PTHREAD_MUTEX_INITIALIZER;
	yg_api_backend_waf(&be, waf, &waf_lock);
	snprintf(modules + strlen(modules), sizeof(modules) - strlen(modules), "%s", ",bans");
	snprintf(path, sizeof(path), "%s/registry.db", dir);
	yg_registry *reg = NULL;
	char aid[YG_AGENT_ID_MAX];
	if (yg_registry_open(path, d, &reg) ||
	    yg_registry_add(reg, "web-1", "10.1.0.1", false, aid) ||
	    yg_registry_add(reg, "db-1", NULL, false, aid))
		die("registry", d);
	yg_api_backend_registry(&be, reg);
	snprintf(modules + strlen(modules), sizeof(modules) - strlen(modules), "%s", ",agents");

	snprintf(users_path, sizeof(users_path), "%s/users.db", dir);
	yg_api_users *users = NULL;
	char token[YG_API_TOKEN_LEN];
	if (yg_api_users_open(users_path, d, &users) ||
	    yg_api_user_add(users, "admin", "pw-admin-123", YG_API_ROLE_ADMIN) ||
	    yg_api_user_add(users, "analyst", "pw-analyst-123", YG_API_ROLE_ANALYST) ||
	    yg_api_user_add(users, "reader", "pw-reader-123", YG_API_ROLE_READ_ONLY) ||
	    yg_api_token_create(users, "reader", 1, false, "short", token, NULL, NULL))
		die("users", d);
	yg_api_users_close(users);

	yg_api_options o;
	yg_api_options_default(&o);
	o.port = 0;
	o.users_db = users_path;
	o.limits.signin_fails = 5;
	o.limits.signin_window = 3;
	yg_api *api = NULL;
	if (yg_api_create(&o, &be, d, &api))
		die("api", d);
	printf("{\"port\":%u,\"expired_token\":\"%s\",\"modules\":\"%s\"}\n",
	       (unsigned)yg_api_port(api), token, modules);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	yg_api_destroy(api);
	yg_api_backend_release(&be);
	yg_registry_close(reg);
	yg_waf_close(waf);
	yg_waf_config_destroy(wcfg);
	yg_wxml_doc_destroy(doc);
	yg_tickets_destroy(tickets);
	yg_alert_store_destroy(store);
	yg_buf_free(&b);
	yg_diag_destroy(d);
	return 0;
}
