/* registry.c: the agent registry on SQLite. */
#include "store/registry.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

struct yg_registry {
	yg_db *h;
	sqlite3 *db; /* h's connection */
	pthread_mutex_t mu;
};

/* Version 1: the schema written before versions were recorded. */
static const yg_db_step SCHEMA[] = {
        {1,
         "CREATE TABLE IF NOT EXISTS yg_agents("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " name TEXT NOT NULL UNIQUE,"
         " ip TEXT NOT NULL DEFAULT '',"
         " cert_serial TEXT UNIQUE,"
         " status INTEGER NOT NULL DEFAULT 0,"
         " version TEXT NOT NULL DEFAULT '',"
         " last_keepalive INTEGER NOT NULL DEFAULT 0,"
         " date_add INTEGER NOT NULL,"
         " revoked INTEGER NOT NULL DEFAULT 0,"
         " last_committed_seq INTEGER NOT NULL DEFAULT 0);"
         "CREATE TABLE IF NOT EXISTS yg_revoked_serials(serial TEXT PRIMARY KEY, agent_id INTEGER);"
         "CREATE TABLE IF NOT EXISTS yg_enroll_tokens("
         " hash TEXT PRIMARY KEY, expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);",
         NULL},
};

#define AGENT_COLS                                                                                 \
	"id, name, ip, coalesce(cert_serial,''), status, version, last_keepalive, date_add, "      \
	"revoked, last_committed_seq"

yg_err yg_registry_open(const char *path, yg_diag *diag, yg_registry **out)
{
	*out = NULL;
	yg_registry *reg = calloc(1, sizeof(*reg));
	if (!reg)
		return YG_ENOMEM;
	pthread_mutex_init(&reg->mu, NULL);
	/* Keepalives and status changes are frequent (thousands of agents):
	 * they run with synchronous=NORMAL (WAL: consistent, may lose the last
	 * changes on power loss). Enrolment writes switch to FULL (durable()). */
	yg_db_config cfg;
	yg_db_config_default(&cfg, path);
	cfg.sync = YG_DB_SYNC_NORMAL;
	cfg.busy_ms = 10000;
	cfg.serialized = true;
	yg_err e = yg_db_open(&cfg, NULL, &reg->h);
	if (!e)
		e = yg_db_migrate(reg->h, "registry", SCHEMA, sizeof(SCHEMA) / sizeof(SCHEMA[0]));
	if (e) {
		if (reg->h)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL,
			            "cannot open the agent registry: %s", yg_db_errmsg(reg->h));
		yg_registry_close(reg);
		return e == YG_ENOMEM ? e : YG_EIO;
	}
	reg->db = yg_db_sqlite(reg->h);
	*out = reg;
	return YG_OK;
}

void yg_registry_close(yg_registry *reg)
{
	if (!reg)
		return;
	yg_db_close(reg->h);
	pthread_mutex_destroy(&reg->mu);
	free(reg);
}

bool yg_tid_parse(const char *s, uint32_t *id)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < 3 || n > 9)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	/* one spelling per id: "0001" is not "001" */
	if (v == 0 || (n > 3 && s[0] == '0'))
		return false;
	*id = v;
	return true;
}

void yg_tid_format(uint32_t id, char out[12])
{
	snprintf(out, 12, "%03u", (unsigned)id);
}

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

bool yg_registry_valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > YG_AGENT_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

const char *yg_agent_status_name(yg_agent_status st)
{
	switch (st) {
	case YG_AGENT_NEVER_CONNECTED: return "never_connected";
	case YG_AGENT_ACTIVE: return "active";
	case YG_AGENT_DISCONNECTED: return "disconnected";
	}
	return "?";
}

/* Prepares sql, binding text/int64 values described by fmt ('t' text, 'i'
 * int64), one per character. */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 't') {
			const char *s = va_arg(ap, const char *);
			sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		}
	}
	va_end(ap);
	return st;
}

/* Runs a statement that returns no rows; *changes gets the row count. */
static yg_err run(sqlite3 *db, sqlite3_stmt *st, int *changes)
{
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (changes)
		*changes = sqlite3_changes(db);
	if (rc == SQLITE_CONSTRAINT)
		return YG_EINVAL;
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	snprintf(out, len, "%s", s ? (const char *)s : "");
}

static void row_to_info(sqlite3_stmt *st, yg_agent_info *a)
{
	memset(a, 0, sizeof(*a));
	yg_tid_format((uint32_t)sqlite3_column_int64(st, 0), a->id);
	copy_col(st, 1, a->name, sizeof(a->name));
	copy_col(st, 2, a->ip, sizeof(a->ip));
	copy_col(st, 3, a->cert_serial, sizeof(a->cert_serial));
	a->status = (yg_agent_status)sqlite3_column_int(st, 4);
	copy_col(st, 5, a->version, sizeof(a->version));
	a->last_keepalive = (time_t)sqlite3_column_int64(st, 6);
	a->date_add = (time_t)sqlite3_column_int64(st, 7);
	a->revoked = sqlite3_column_int(st, 8) != 0;
	a->last_committed_seq = (uint64_t)sqlite3_column_int64(st, 9);
}

/* Runs a one-row agent query; YG_ENOTFOUND when there is no row. */
static yg_err get_one(yg_registry *reg, sqlite3_stmt *st, yg_agent_info *out)
{
	if (!st)
		return YG_EIO;
	int rc = sqlite3_step(st);
	yg_err e = rc == SQLITE_ROW ? YG_OK : rc == SQLITE_DONE ? YG_ENOTFOUND : YG_EIO;
	if (!e && out)
		row_to_info(st, out);
	sqlite3_finalize(st);
	(void)reg;
	return e;
}

/* Removes agent `num` with reg->mu held, keeping its serial revoked. */
static yg_err remove_locked(yg_registry *reg, int64_t num)
{
	yg_err e = run(
	        reg->db,
	        prep(reg->db,
	             "INSERT OR IGNORE INTO yg_revoked_serials(serial, agent_id) "
	             "SELECT cert_serial, id FROM yg_agents WHERE id=? AND cert_serial IS NOT NULL",
	             "i", num),
	        NULL);
	int n = 0;
	if (!e)
		e = run(reg->db, prep(reg->db, "DELETE FROM yg_agents WHERE id=?", "i", num), &n);
	return !e && n == 0 ? YG_ENOTFOUND : e;
}

/* Agents, certificates and tokens must survive a power loss once the
 * agent holds its certificate: those writes are fully synchronous. */
static void durable(yg_registry *reg, bool on)
{
	sqlite3_exec(reg->db, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
	             NULL, NULL);
}

yg_err yg_registry_add(yg_registry *reg, const char *name, const char *ip, bool force,
                       char id[YG_AGENT_ID_MAX])
{
	if (!yg_registry_valid_name(name))
		return YG_EINVAL;
	pthread_mutex_lock(&reg->mu);
	durable(reg, true);
	yg_err e = run(reg->db, prep(reg->db, "BEGIN IMMEDIATE", ""), NULL);
	if (!e && force) {
		sqlite3_stmt *st =
		        prep(reg->db, "SELECT id FROM yg_agents WHERE name=?", "t", name);
		int64_t old =
		        st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (old > 0)
			e = remove_locked(reg, old);
	}
	if (!e)
		e = run(reg->db,
		        prep(reg->db, "INSERT INTO yg_agents(name, ip, date_add) VALUES(?,?,?)",
		             "tti", name, ip ? ip : "", (int64_t)time(NULL)),
		        NULL);
	if (!e) {
		yg_tid_format((uint32_t)sqlite3_last_insert_rowid(reg->db), id);
		e = run(reg->db, prep(reg->db, "COMMIT", ""), NULL);
	}
	if (e)
		sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
	durable(reg, false);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

/* An agent id as the table's integer key; 0 if not a valid id. */
static int64_t id_num(const char *id)
{
	uint32_t v;
	return yg_tid_parse(id, &v) ? (int64_t)v : 0;
}

/* Runs an UPDATE on one agent, YG_ENOTFOUND when it does not exist. */
static yg_err update_agent(yg_registry *reg, sqlite3_stmt *st)
{
	int n = 0;
	yg_err e = run(reg->db, st, &n);
	return !e && n == 0 ? YG_ENOTFOUND : e;
}

yg_err yg_registry_set_serial(yg_registry *reg, const char *id, const char *serial)
{
	int64_t num = id_num(id);
	if (!num || !serial || !*serial)
		return YG_EINVAL;
	pthread_mutex_lock(&reg->mu);
	durable(reg, true);
	yg_err e = update_agent(reg, prep(reg->db, "UPDATE yg_agents SET cert_serial=? WHERE id=?",
	                                  "ti", serial, num));
	durable(reg, false);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_remove(yg_registry *reg, const char *id)
{
	int64_t num = id_num(id);
	if (!num)
		return YG_ENOTFOUND;
	pthread_mutex_lock(&reg->mu);
	durable(reg, true);
	yg_err e = run(reg->db, prep(reg->db, "BEGIN IMMEDIATE", ""), NULL);
	if (!e)
		e = remove_locked(reg, num);
	if (!e)
		e = run(reg->db, prep(reg->db, "COMMIT", ""), NULL);
	if (e)
		sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
	durable(reg, false);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_revoke(yg_registry *reg, const char *id)
{
	int64_t num = id_num(id);
	if (!num)
		return YG_ENOTFOUND;
	pthread_mutex_lock(&reg->mu);
	durable(reg, true);
	yg_err e = update_agent(
	        reg,
	        prep(reg->db, "UPDATE yg_agents SET revoked=1, status=2 WHERE id=?", "i", num));
	durable(reg, false);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_get(yg_registry *reg, const char *id, yg_agent_info *out)
{
	int64_t num = id_num(id);
	if (!num)
		return YG_ENOTFOUND;
	pthread_mutex_lock(&reg->mu);
	yg_err e = get_one(
	        reg, prep(reg->db, "SELECT " AGENT_COLS " FROM yg_agents WHERE id=?", "i", num),
	        out);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_get_by_name(yg_registry *reg, const char *name, yg_agent_info *out)
{
	pthread_mutex_lock(&reg->mu);
	yg_err e = get_one(
	        reg, prep(reg->db, "SELECT " AGENT_COLS " FROM yg_agents WHERE name=?", "t", name),
	        out);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_get_by_serial(yg_registry *reg, const char *serial, yg_agent_info *out)
{
	pthread_mutex_lock(&reg->mu);
	yg_err e = get_one(reg,
	                   prep(reg->db,
	                        "SELECT " AGENT_COLS " FROM yg_agents WHERE cert_serial=? AND NOT "
	                        "EXISTS (SELECT 1 FROM yg_revoked_serials WHERE serial=?)",
	                        "tt", serial, serial),
	                   out);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_list(yg_registry *reg, bool (*fn)(void *ctx, const yg_agent_info *a), void *ctx)
{
	pthread_mutex_lock(&reg->mu);
	sqlite3_stmt *st = prep(reg->db, "SELECT " AGENT_COLS " FROM yg_agents ORDER BY id", "");
	yg_err e = st ? YG_OK : YG_EIO;
	int rc = SQLITE_DONE;
	yg_agent_info a;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_info(st, &a);
		if (!fn(ctx, &a))
			break;
	}
	if (st && rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = YG_EIO;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_keepalive(yg_registry *reg, const char *id, const char *version, time_t now)
{
	int64_t num = id_num(id);
	if (!num)
		return YG_ENOTFOUND;
	pthread_mutex_lock(&reg->mu);
	yg_err e = update_agent(reg, prep(reg->db,
	                                  "UPDATE yg_agents SET status=1, version=?, "
	                                  "last_keepalive=? WHERE id=? AND revoked=0",
	                                  "tii", version ? version : "", (int64_t)now, num));
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_set_status(yg_registry *reg, const char *id, yg_agent_status st)
{
	int64_t num = id_num(id);
	if (!num)
		return YG_ENOTFOUND;
	pthread_mutex_lock(&reg->mu);
	yg_err e = update_agent(reg, prep(reg->db, "UPDATE yg_agents SET status=? WHERE id=?", "ii",
	                                  (int64_t)st, num));
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_reset_status(yg_registry *reg)
{
	pthread_mutex_lock(&reg->mu);
	yg_err e = run(reg->db, prep(reg->db, "UPDATE yg_agents SET status=2 WHERE status=1", ""),
	               NULL);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

static void token_hash(const char *token, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
	hex(md, 32, out);
}

yg_err yg_registry_token_create(yg_registry *reg, long ttl, time_t now, char token[YG_TOKEN_LEN])
{
	unsigned char raw[32];
	if (ttl <= 0 || RAND_bytes(raw, sizeof(raw)) != 1)
		return YG_EINVAL;
	memcpy(token, "ygt_", 4);
	hex(raw, sizeof(raw), token + 4);
	OPENSSL_cleanse(raw, sizeof(raw));
	char h[65];
	token_hash(token, h);
	pthread_mutex_lock(&reg->mu);
	durable(reg, true);
	yg_err e = run(reg->db,
	               prep(reg->db, "INSERT INTO yg_enroll_tokens(hash, expires) VALUES(?,?)",
	                    "ti", h, (int64_t)now + ttl),
	               NULL);
	/* expired tokens are of no use to anyone: forget them */
	run(reg->db,
	    prep(reg->db, "DELETE FROM yg_enroll_tokens WHERE expires < ?", "i", (int64_t)now),
	    NULL);
	durable(reg, false);
	pthread_mutex_unlock(&reg->mu);
	return e;
}

yg_err yg_registry_token_consume(yg_registry *reg, const char *token, time_t now)
{
	if (!token || strlen(token) != YG_TOKEN_LEN - 1)
		return YG_ENOTFOUND;
	char h[65];
	token_hash(token, h);
	pthread_mutex_lock(&reg->mu);
	durable(reg, true);
	int n = 0;
	yg_err e = run(
	        reg->db,
	        prep(reg->db,
	             "UPDATE yg_enroll_tokens SET used=1 WHERE hash=? AND used=0 AND expires>=?",
	             "ti", h, (int64_t)now),
	        &n);
	durable(reg, false);
	pthread_mutex_unlock(&reg->mu);
	return !e && n != 1 ? YG_ENOTFOUND : e;
}

yg_err yg_registry_set_seq_in(yg_db_txn *txn, const char *agent_id, uint64_t seq)
{
	int64_t num = id_num(agent_id);
	if (!txn || !num || seq > (uint64_t)INT64_MAX)
		return YG_EINVAL;
	/* once per agent per commit: prepared once, on the commit's handle */
	yg_db *db = yg_db_txn_db(txn);
	sqlite3_stmt *st = yg_db_stmt(db, "UPDATE yg_agents SET last_committed_seq="
	                                  "max(last_committed_seq, ?) WHERE id=?");
	if (!st)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)seq);
	sqlite3_bind_int64(st, 2, num);
	yg_err e = yg_db_done(db, st, "agent's committed seq");
	return !e && sqlite3_changes(yg_db_sqlite(db)) == 0 ? YG_ENOTFOUND : e;
}

yg_err yg_registry_get_seq(yg_registry *reg, const char *agent_id, uint64_t *seq)
{
	yg_agent_info a;
	yg_err e = yg_registry_get(reg, agent_id, &a);
	if (!e)
		*seq = a.last_committed_seq;
	return e;
}
