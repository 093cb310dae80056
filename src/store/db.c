/* db.c: opening, migrations, transactions and the statement cache (db.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

/* Statements a module keeps at most; a module with more gets the surplus
 * compiled per call (still correct, only slower) rather than an error. */
#define STMT_CACHE_MAX 48

struct yg_db_txn {
	yg_db *db;
	bool open;
	bool borrowed; /* begun by the owner of a wrapped connection */
};

typedef struct cached_stmt {
	char *sql; /* a copy of the text */
	sqlite3_stmt *st;
} cached_stmt;

struct yg_db {
	sqlite3 *db;
	bool owned; /* false for yg_db_wrap */
	char *path;
	yg_diag *diag;
	yg_db_txn txn;
	cached_stmt cache[STMT_CACHE_MAX];
	size_t ncache;
	sqlite3_stmt *uncached; /* the last statement beyond the cache */
	char err[512];
};

void yg_db_process_lean(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

void yg_db_config_default(yg_db_config *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	cfg->create = true;
	cfg->wal = true;
	cfg->sync = YG_DB_SYNC_FULL;
	cfg->busy_ms = 5000;
}

static yg_err map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM: return YG_ENOMEM;
	case SQLITE_FULL:
	case SQLITE_TOOBIG: return YG_ELIMIT;
	default: return YG_EIO;
	}
}

static void record(yg_db *db, const char *what, const char *msg)
{
	/* a long message is cut to the buffer (checked, for -O3's truncation warning) */
	if (snprintf(db->err, sizeof(db->err), "%s: %s: %s", db->path ? db->path : "(database)",
	             what, msg) >= (int)sizeof(db->err))
		db->err[sizeof(db->err) - 1] = '\0';
	if (db->diag)
		yg_diag_add(db->diag, YG_SEV_ERROR, db->path, 0, NULL, "%s: %s", what, msg);
}

yg_err yg_db_fail(yg_db *db, const char *what)
{
	int rc = db->db ? sqlite3_extended_errcode(db->db) : SQLITE_NOMEM;
	record(db, what, db->db ? sqlite3_errmsg(db->db) : "out of memory");
	return map_rc(rc);
}

yg_err yg_db_exec(yg_db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return YG_OK;
	record(db, "exec", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return map_rc(rc);
}

static const char *sync_name(yg_db_sync s)
{
	return s == YG_DB_SYNC_NORMAL ? "NORMAL" : s == YG_DB_SYNC_OFF ? "OFF" : "FULL";
}

/* The pragmas of cfg, in the order SQLite needs: auto_vacuum before the
 * first table, journal_mode outside any transaction. */
static yg_err apply_config(yg_db *db, const yg_db_config *cfg)
{
	char sql[512];
	int n = snprintf(
	        sql, sizeof(sql), "%s%s PRAGMA synchronous=%s;%s",
	        cfg->incremental_vacuum && !cfg->readonly ? "PRAGMA auto_vacuum=INCREMENTAL;" : "",
	        cfg->wal && !cfg->readonly ? "PRAGMA journal_mode=WAL;" : "", sync_name(cfg->sync),
	        cfg->foreign_keys ? " PRAGMA foreign_keys=ON;" : "");
	if (cfg->cache_kib > 0)
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, " PRAGMA cache_size=-%d;",
		              cfg->cache_kib);
	if (cfg->mmap_bytes > 0)
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, " PRAGMA mmap_size=%lld;",
		              (long long)cfg->mmap_bytes);
	if (cfg->readonly)
		snprintf(sql + n, sizeof(sql) - (size_t)n, " PRAGMA query_only=1;");
	return yg_db_exec(db, sql);
}

static yg_db *db_new(const char *path)
{
	yg_db *db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->path = strdup(path);
	if (!db->path) {
		free(db);
		return NULL;
	}
	db->txn.db = db;
	return db;
}

yg_err yg_db_open(const yg_db_config *cfg, yg_diag *diag, yg_db **out)
{
	*out = NULL;
	if (!cfg || !cfg->path || !cfg->path[0] || cfg->busy_ms < 0)
		return YG_EINVAL;
	yg_db *db = db_new(cfg->path);
	if (!db)
		return YG_ENOMEM;
	db->owned = true;
	db->diag = diag;
	/* Read-only opens read-write with query_only: a WAL reader needs to
	 * write the -shm index, which SQLITE_OPEN_READONLY may not. */
	int flags = SQLITE_OPEN_READWRITE |
	            (cfg->serialized ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX);
	if (cfg->create && !cfg->readonly)
		flags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(cfg->path, &db->db, flags, NULL);
	yg_err err = YG_OK;
	if (rc != SQLITE_OK)
		err = yg_db_fail(db, "cannot open");
	if (!err && sqlite3_busy_timeout(db->db, cfg->busy_ms) != SQLITE_OK)
		err = yg_db_fail(db, "busy timeout");
	if (!err)
		err = apply_config(db, cfg);
	if (err) {
		yg_db_close(db);
		return err;
	}
	*out = db;
	return YG_OK;
}

yg_err yg_db_wrap(sqlite3 *raw, const char *path, yg_db **out)
{
	*out = NULL;
	if (!raw || !path)
		return YG_EINVAL;
	yg_db *db = db_new(path);
	if (!db)
		return YG_ENOMEM;
	db->db = raw;
	*out = db;
	return YG_OK;
}

void yg_db_close(yg_db *db)
{
	if (!db)
		return;
	if (db->txn.open && !db->txn.borrowed)
		(void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < db->ncache; i++) {
		sqlite3_finalize(db->cache[i].st);
		free(db->cache[i].sql);
	}
	sqlite3_finalize(db->uncached);
	if (db->owned)
		sqlite3_close(db->db);
	free(db->path);
	free(db);
}

void yg_db_set_diag(yg_db *db, yg_diag *diag)
{
	db->diag = diag;
}

const char *yg_db_errmsg(const yg_db *db)
{
	return db ? db->err : "";
}

const char *yg_db_path(const yg_db *db)
{
	return db->path;
}

sqlite3 *yg_db_sqlite(yg_db *db)
{
	return db->db;
}

/* By text: a caller's buffer may hold another statement next time, so the
 * pointer alone proves nothing. Texts differ early, so this is cheap. */
static sqlite3_stmt *cache_find(yg_db *db, const char *sql)
{
	for (size_t i = 0; i < db->ncache; i++)
		if (strcmp(db->cache[i].sql, sql) == 0)
			return db->cache[i].st;
	return NULL;
}

sqlite3_stmt *yg_db_stmt(yg_db *db, const char *sql)
{
	sqlite3_stmt *st = cache_find(db, sql);
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		yg_db_fail(db, "prepare");
		return NULL;
	}
	char *copy = db->ncache < STMT_CACHE_MAX ? strdup(sql) : NULL;
	if (!copy) {
		/* past the cache (or out of memory): valid until the next such one */
		sqlite3_finalize(db->uncached);
		db->uncached = st;
		return st;
	}
	db->cache[db->ncache++] = (cached_stmt){.sql = copy, .st = st};
	return st;
}

yg_err yg_db_done(yg_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	yg_err err = YG_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = yg_db_fail(db, what);
	sqlite3_reset(st);
	return err;
}

const char *yg_db_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

void yg_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* ---- transactions ---- */

yg_err yg_db_begin(yg_db *db, yg_db_txn **out)
{
	*out = NULL;
	if (db->txn.open)
		return YG_EINVAL;
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return yg_db_fail(db, "begin");
	db->txn.open = true;
	db->txn.borrowed = false;
	*out = &db->txn;
	return YG_OK;
}

yg_err yg_db_end(yg_db_txn *txn, yg_err err)
{
	if (!txn || !txn->open || txn->borrowed)
		return YG_EINVAL;
	yg_db *db = txn->db;
	txn->open = false;
	if (!err && sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		err = yg_db_fail(db, "commit");
	if (err && !sqlite3_get_autocommit(db->db))
		(void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

yg_db *yg_db_txn_db(yg_db_txn *txn)
{
	return txn->db;
}

yg_db_txn *yg_db_txn_borrow(yg_db *db)
{
	if (db->txn.open)
		return NULL;
	db->txn.open = true;
	db->txn.borrowed = true;
	return &db->txn;
}

void yg_db_txn_release(yg_db_txn *txn)
{
	if (txn && txn->borrowed) {
		txn->open = false;
		txn->borrowed = false;
	}
}

/* ---- schema versions ---- */

static const char version_schema[] = "CREATE TABLE IF NOT EXISTS yg_schema("
                                     " component TEXT PRIMARY KEY,"
                                     " version INTEGER NOT NULL)";

static yg_err read_version(yg_db *db, const char *component, int *version)
{
	*version = 0;
	sqlite3_stmt *st = yg_db_stmt(db, "SELECT version FROM yg_schema WHERE component = ?");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? YG_OK : yg_db_fail(db, "schema version");
}

yg_err yg_db_schema_version(yg_db *db, const char *component, int *version)
{
	yg_err err = yg_db_exec(db, version_schema);
	return err ? err : read_version(db, component, version);
}

static yg_err apply_steps(yg_db *db, const char *component, const yg_db_step *steps, size_t n,
                          int from)
{
	for (size_t i = 0; i < n; i++) {
		if (steps[i].version <= from)
			continue;
		yg_err err = steps[i].sql ? yg_db_exec(db, steps[i].sql) : YG_OK;
		if (!err && steps[i].fn)
			err = steps[i].fn(db);
		if (err) {
			char what[96];
			snprintf(what, sizeof(what), "%s: migration to version %d failed",
			         component, steps[i].version);
			record(db, what, db->err[0] ? db->err : "step failed");
			return err;
		}
	}
	sqlite3_stmt *st =
	        yg_db_stmt(db, "INSERT OR REPLACE INTO yg_schema(component, version) VALUES(?, ?)");
	if (!st)
		return YG_EIO;
	sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, steps[n - 1].version);
	return yg_db_done(db, st, "record schema version");
}

static bool steps_ordered(const yg_db_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (steps[i].version != (int)i + 1)
			return false;
	return n > 0;
}

yg_err yg_db_migrate(yg_db *db, const char *component, const yg_db_step *steps, size_t n)
{
	if (!component || !steps_ordered(steps, n))
		return YG_EINVAL;
	yg_err err = yg_db_exec(db, version_schema);
	if (err)
		return err;
	yg_db_txn *txn = NULL;
	if ((err = yg_db_begin(db, &txn)))
		return err;
	int from = 0;
	err = read_version(db, component, &from);
	if (!err && from > steps[n - 1].version) {
		char msg[96];
		snprintf(msg, sizeof(msg), "schema version %d is newer than this yagura's %d", from,
		         steps[n - 1].version);
		record(db, component, msg);
		err = YG_EINVAL;
	}
	if (!err && from < steps[n - 1].version)
		err = apply_steps(db, component, steps, n, from);
	return yg_db_end(txn, err);
}
