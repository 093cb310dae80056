/* test_store_migrate.c: every database module opens a file written by the
 * code before schema versions were recorded (main before issue 9's storage
 * layer: the same tables, no yg_schema table), keeps its rows, and records
 * its component at version 1. The DDL below is that code's, verbatim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/bans.h"
#include "store/db_sql.h"
#include "store/execd.h"
#include "store/fim.h"
#include "store/outbox.h"
#include "store/positions.h"
#include "store/registry.h"
#include "store/respond.h"
#include "store/users.h"
#include "tickets/tickets.h"

static char dir[64];

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

/* Writes sql into a fresh file the way the old code did (plain sqlite3). */
static void old_file(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s", msg);
	sqlite3_close(db);
}

static int version_of(const char *path, const char *component)
{
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	yg_db *db = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_OK);
	int v = -1;
	assert_int_equal(yg_db_schema_version(db, component, &v), YG_OK);
	yg_db_close(db);
	return v;
}

static void test_registry(void **state)
{
	(void)state;
	char p[128];
	path_of(p, sizeof(p), "registry.db");
	old_file(p, "CREATE TABLE IF NOT EXISTS yg_agents("
	            " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
	            " ip TEXT NOT NULL DEFAULT '', cert_serial TEXT UNIQUE,"
	            " status INTEGER NOT NULL DEFAULT 0, version TEXT NOT NULL DEFAULT '',"
	            " last_keepalive INTEGER NOT NULL DEFAULT 0, date_add INTEGER NOT NULL,"
	            " revoked INTEGER NOT NULL DEFAULT 0,"
	            " last_committed_seq INTEGER NOT NULL DEFAULT 0);"
	            "CREATE TABLE IF NOT EXISTS yg_revoked_serials(serial TEXT PRIMARY KEY,"
	            " agent_id INTEGER);"
	            "CREATE TABLE IF NOT EXISTS yg_enroll_tokens(hash TEXT PRIMARY KEY,"
	            " expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
	            "INSERT INTO yg_agents(name, ip, date_add, last_committed_seq)"
	            " VALUES('web1', '10.0.0.1', 1700000000, 77);");
	assert_int_equal(version_of(p, "registry"), 0);
	yg_registry *reg = NULL;
	assert_int_equal(yg_registry_open(p, NULL, &reg), YG_OK);
	yg_agent_info a;
	assert_int_equal(yg_registry_get(reg, "001", &a), YG_OK);
	assert_string_equal(a.name, "web1");
	assert_int_equal(a.last_committed_seq, 77);
	char id[YG_AGENT_ID_MAX];
	assert_int_equal(yg_registry_add(reg, "web2", NULL, false, id), YG_OK);
	assert_string_equal(id, "002");
	yg_registry_close(reg);
	assert_int_equal(version_of(p, "registry"), 1);
}

static void test_positions(void **state)
{
	(void)state;
	char p[128], err[256];
	path_of(p, sizeof(p), "lc.db");
	old_file(p, "CREATE TABLE IF NOT EXISTS lc_positions("
	            " path TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
	            " hlen INTEGER NOT NULL, hash INTEGER NOT NULL, off INTEGER NOT NULL,"
	            " skip INTEGER NOT NULL, PRIMARY KEY(path, dev, ino));"
	            "CREATE TABLE IF NOT EXISTS lc_cursors("
	            " source TEXT PRIMARY KEY, cursor TEXT NOT NULL);"
	            "INSERT INTO lc_positions VALUES('/var/log/x', 1, 2, 3, 4, 555, 0);"
	            "INSERT INTO lc_cursors VALUES('journald', 's=abc');");
	yg_db *db = NULL;
	assert_int_equal(lc_store_open(p, &db, err, sizeof(err)), YG_OK);
	lc_posset set;
	assert_int_equal(lc_store_load(db, &set), YG_OK);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.rows[0].path, "/var/log/x");
	assert_int_equal(set.rows[0].off, 555);
	assert_int_equal(set.ncur, 1);
	assert_string_equal(set.cur[0].cursor, "s=abc");
	/* written inside a transaction of another connection, as the commit
	 * point does, then read back */
	set.rows[0].off = 600;
	yg_db_config cfg;
	yg_db_config_default(&cfg, p);
	yg_db *other = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &other), YG_OK);
	yg_db_txn *txn = NULL;
	assert_int_equal(yg_db_begin(other, &txn), YG_OK);
	assert_int_equal(lc_store_write(txn, &set), YG_OK);
	assert_int_equal(yg_db_end(txn, YG_OK), YG_OK);
	yg_db_close(other);
	lc_posset_free(&set);
	assert_int_equal(lc_store_load(db, &set), YG_OK);
	assert_int_equal(set.rows[0].off, 600);
	lc_posset_free(&set);
	lc_store_close(db);
	assert_int_equal(version_of(p, "lc_positions"), 1);
}

static void test_execd(void **state)
{
	(void)state;
	char p[128], err[256];
	path_of(p, sizeof(p), "execd.db");
	old_file(p, "PRAGMA journal_mode=WAL;"
	            "CREATE TABLE IF NOT EXISTS ar_pending("
	            " rkey TEXT PRIMARY KEY, program TEXT NOT NULL,"
	            " message TEXT NOT NULL, added_ms INTEGER NOT NULL,"
	            " seconds INTEGER NOT NULL);"
	            "INSERT INTO ar_pending VALUES('k1', 'firewall-drop', '{}', 1000, 60);");
	ex_store *st = NULL;
	assert_int_equal(ex_store_open(p, &st, err, sizeof(err)), YG_OK);
	ex_pending *v = NULL;
	size_t n = 0;
	assert_int_equal(ex_store_load(st, &v, &n), YG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].program, "firewall-drop");
	assert_int_equal(v[0].seconds, 60);
	ex_pending_free(&v[0]);
	free(v);
	ex_store_close(st);
	assert_int_equal(version_of(p, "execd"), 1);
}

static void test_bans(void **state)
{
	(void)state;
	char p[128];
	path_of(p, sizeof(p), "bans.db");
	old_file(p,
	         "CREATE TABLE IF NOT EXISTS bans(id INTEGER PRIMARY KEY,"
	         " address TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	         " expires INTEGER NOT NULL, lifted INTEGER, lifted_by TEXT,"
	         " times INTEGER NOT NULL,"
	         " source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),"
	         " reason TEXT NOT NULL, rule_id TEXT NOT NULL, alert_id TEXT NOT NULL,"
	         " agent_id TEXT NOT NULL);"
	         "CREATE UNIQUE INDEX IF NOT EXISTS bans_active ON bans(address)"
	         " WHERE lifted IS NULL;"
	         "CREATE INDEX IF NOT EXISTS bans_expires ON bans(expires) WHERE lifted IS NULL;"
	         "CREATE TABLE IF NOT EXISTS offences(address TEXT NOT NULL, at INTEGER NOT NULL);"
	         "CREATE INDEX IF NOT EXISTS offences_addr ON offences(address, at);"
	         "CREATE TABLE IF NOT EXISTS seen_alerts(alert_id TEXT PRIMARY KEY,"
	         " ban_id INTEGER NOT NULL, at INTEGER NOT NULL);"
	         "INSERT INTO bans(address, created, updated, expires, times, source, reason,"
	         " rule_id, alert_id, agent_id) VALUES('192.0.2.7', 100, 100, 0, 1, 'manual',"
	         " 'by hand', '', '', '');");
	yg_bans *b = NULL;
	assert_int_equal(yg_bans_open(p, &b), YG_OK);
	yg_waf_ban ban;
	assert_int_equal(yg_bans_active(b, "192.0.2.7", &ban), YG_OK);
	assert_string_equal(ban.reason, "by hand");
	assert_int_equal(ban.source, YG_WAF_SOURCE_MANUAL);
	/* the partial unique index came along: a second active row is refused */
	yg_waf_ban nb = {.expires = 0, .times = 1};
	snprintf(nb.address, sizeof(nb.address), "192.0.2.7");
	int64_t id = 0;
	assert_int_not_equal(yg_bans_insert(b, &nb, 200, &id), YG_OK);
	yg_bans_close(b);
	assert_int_equal(version_of(p, "bans"), 1);
}

static void test_outbox(void **state)
{
	(void)state;
	char p[128];
	path_of(p, sizeof(p), "outbox.db");
	old_file(p, "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	            " integration TEXT NOT NULL, alert_id TEXT NOT NULL, state INTEGER NOT NULL,"
	            " attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
	            " next_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, last_error TEXT,"
	            " body BLOB NOT NULL, UNIQUE(integration, alert_id));"
	            "CREATE INDEX IF NOT EXISTS outbox_state ON outbox(integration, state, id);"
	            "INSERT INTO outbox(integration, alert_id, state, created_ms, next_ms,"
	            " updated_ms, body) VALUES('slack', 'a1', 1, 1, 1, 1, '{}');");
	yg_outbox *ob = NULL;
	assert_int_equal(yg_outbox_open(p, &ob), YG_OK);
	yg_outbox_stats s;
	assert_int_equal(yg_outbox_stats_get(ob, "slack", &s), YG_OK);
	assert_int_equal(s.pending, 1); /* in flight at the stop: sent again */
	assert_int_equal(s.in_flight, 0);
	yg_outbox_close(ob);
	assert_int_equal(version_of(p, "outbox"), 1);
}

static void test_users(void **state)
{
	(void)state;
	char p[128], err[256];
	path_of(p, sizeof(p), "users.db");
	old_file(p, "CREATE TABLE IF NOT EXISTS api_users(name TEXT PRIMARY KEY,"
	            " role INTEGER NOT NULL, salt BLOB NOT NULL, iterations INTEGER NOT NULL,"
	            " hash BLOB NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	            "CREATE TABLE IF NOT EXISTS api_tokens(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	            " hash BLOB NOT NULL UNIQUE, user TEXT NOT NULL, session INTEGER NOT NULL,"
	            " label TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);"
	            "CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user);"
	            "INSERT INTO api_users VALUES('admin', 3, zeroblob(16), 1000, zeroblob(32),"
	            " 1, 1);");
	yg_users_db *u = NULL;
	assert_int_equal(yg_users_db_open(p, &u, err, sizeof(err)), YG_OK);
	yg_users_secret sec;
	assert_int_equal(yg_users_db_get(u, "admin", &sec), YG_OK);
	assert_int_equal(sec.role, 3);
	assert_int_equal(sec.iterations, 1000);
	assert_int_equal(yg_users_db_get(u, "nobody", &sec), YG_ENOTFOUND);
	yg_users_db_close(u);
	assert_int_equal(version_of(p, "users"), 1);
	/* a missing file is not created here (the API makes it 0600 itself) */
	path_of(p, sizeof(p), "absent.db");
	assert_int_equal(yg_users_db_open(p, &u, err, sizeof(err)), YG_EIO);
	assert_int_equal(access(p, F_OK), -1);
}

static void test_fim(void **state)
{
	(void)state;
	char p[128], err[256];
	path_of(p, sizeof(p), "fim.db");
	old_file(p, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	            "CREATE TABLE IF NOT EXISTS fim_meta(key TEXT PRIMARY KEY, value INTEGER);"
	            "CREATE TABLE IF NOT EXISTS fim_file("
	            " path TEXT PRIMARY KEY, checks INTEGER, size INTEGER, size_raw INTEGER,"
	            " perm TEXT, mode INTEGER, uid INTEGER, gid INTEGER, uname TEXT, gname TEXT,"
	            " md5 TEXT, sha1 TEXT, sha256 TEXT, mtime INTEGER, inode INTEGER, dev INTEGER,"
	            " ctime_ns INTEGER, mtime_ns INTEGER, gen INTEGER) WITHOUT ROWID;"
	            "INSERT INTO fim_meta VALUES('gen', 4), ('baseline', 1);"
	            "INSERT INTO fim_file VALUES('/etc/passwd', 1, 1234, 1234, 'rw-r--r--', 33188,"
	            " 0, 0, 'root', 'root', 'm', 's', 'h', 5, 6, 7, 8, 9, 4);"
	            "INSERT INTO fim_file VALUES('/etc/x/y', 1, 1, 1, '', 0, 0, 0, '', '', '', '',"
	            " '', 0, 0, 0, 0, 0, 3);");
	yg_fimdb *db = NULL;
	assert_int_equal(yg_fimdb_open(p, &db, err, sizeof(err)), YG_OK);
	assert_int_equal(yg_fimdb_meta_get(db, "gen"), 4);
	assert_int_equal(yg_fimdb_count(db), 2);
	yg_fimdb_state s;
	assert_true(yg_fimdb_get(db, "/etc/passwd", &s));
	assert_int_equal(s.a.size, 1234);
	assert_string_equal(s.uname, "root");
	assert_int_equal(s.a.perm_octal, 0644);
	yg_fimdb_close(db);
	assert_int_equal(version_of(p, "fim"), 1);
}

static void test_respond(void **state)
{
	(void)state;
	char p[128];
	path_of(p, sizeof(p), "manager.db");
	old_file(p, "CREATE TABLE IF NOT EXISTS respond_cursor(k INTEGER PRIMARY KEY"
	            " CHECK (k = 1), seq INTEGER NOT NULL);"
	            "CREATE TABLE IF NOT EXISTS ar_seen(key TEXT PRIMARY KEY,"
	            " time INTEGER NOT NULL);"
	            "INSERT INTO respond_cursor VALUES(1, 41);"
	            "INSERT INTO ar_seen VALUES('r1', 5);");
	yg_db_config cfg;
	yg_db_config_default(&cfg, p);
	yg_db *db = NULL;
	assert_int_equal(yg_db_open(&cfg, NULL, &db), YG_OK);
	assert_int_equal(yg_rstate_open(db), YG_OK);
	uint64_t seq = 0;
	bool found = false;
	assert_int_equal(yg_rstate_cursor_get(db, &seq, &found), YG_OK);
	assert_true(found);
	assert_int_equal(seq, 41);
	assert_int_equal(yg_rstate_seen(db, "r1", &found), YG_OK);
	assert_true(found);
	assert_int_equal(yg_rstate_seen(db, "r2", &found), YG_OK);
	assert_false(found);
	yg_db_close(db);
	assert_int_equal(version_of(p, "respond"), 1);
}

static void test_tickets(void **state)
{
	(void)state;
	char p[128];
	path_of(p, sizeof(p), "tickets.db");
	old_file(p, "CREATE TABLE IF NOT EXISTS tickets(id INTEGER PRIMARY KEY,"
	            " title TEXT NOT NULL, type TEXT NOT NULL, severity INTEGER NOT NULL,"
	            " status TEXT NOT NULL, resolution TEXT NOT NULL DEFAULT '',"
	            " assignee TEXT NOT NULL DEFAULT '', description TEXT NOT NULL,"
	            " rule_id TEXT NOT NULL, fold_key TEXT NOT NULL,"
	            " first_alert_id TEXT NOT NULL, level INTEGER NOT NULL,"
	            " created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	            " alert_count INTEGER NOT NULL, first_alert INTEGER NOT NULL,"
	            " last_alert INTEGER NOT NULL);"
	            "INSERT INTO tickets VALUES(1, 'SSH brute force', 'incident', 2, 'open', '',"
	            " '', 'd', '5712', 'k', 'a1', 10, 1, 1, 3, 1, 1);");
	yg_tickets *t = NULL;
	assert_int_equal(yg_tickets_create(p, NULL, NULL, &t), YG_OK);
	yg_ticket *tk = NULL;
	assert_int_equal(yg_tickets_get(t, 1, &tk), YG_OK);
	assert_string_equal(tk->title, "SSH brute force");
	yg_ticket_free(tk);
	yg_tickets_destroy(t);
	assert_int_equal(version_of(p, "tickets"), 1);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/yg_store_mig_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_registry), cmocka_unit_test(test_positions),
	        cmocka_unit_test(test_execd),    cmocka_unit_test(test_bans),
	        cmocka_unit_test(test_outbox),   cmocka_unit_test(test_users),
	        cmocka_unit_test(test_fim),      cmocka_unit_test(test_respond),
	        cmocka_unit_test(test_tickets),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
