/* db.h: the storage layer's one way to open and change a database.
 *
 * Every database of yagura (the manager's manager.db with its alerts,
 * positions, agents' sequence numbers and respond state; the registry,
 * tickets, ban ledger, outbox, users, the agent's execd and FIM state) is
 * opened here, with the settings of a small yg_db_config instead of a copy of
 * the pragmas in each module. Only src/store/ includes sqlite3.h: the
 * modules there (one per database, each with typed calls) use db_sql.h, the
 * SQLite side of this interface; everyone else sees opaque handles and
 * operations, never SQL, so a PostgreSQL backend can be a second
 * implementation of the same headers (issue 10).
 *
 * Schema versions: a table yg_schema(component, version) in each file
 * records, per module sharing the file, the last migration applied.
 * yg_db_migrate() applies the module's ordered steps after that one in one
 * transaction. Version 1 of every module is the schema yagura had before
 * versions were recorded, written with CREATE ... IF NOT EXISTS, so a file
 * written by that code opens, is recognised and is migrated in place. A file
 * whose version is newer than the code knows is refused (YG_EINVAL), never
 * silently used.
 *
 * Transactions: yg_db_begin() starts one (BEGIN IMMEDIATE: the writer lock
 * is taken at once, so a busy database waits here, not at COMMIT) and
 * yg_db_end() commits it when given YG_OK, else rolls back. A yg_db_txn is
 * what a module's "inside the caller's transaction" calls take: the commit
 * point (alerts, read positions, agents' seqs and the alerts.json mark in one
 * transaction) hands its txn to each part, which writes its own rows through
 * typed calls (yg_lcpos_write, yg_agentseq_set ...). One transaction at a
 * time per handle.
 *
 * Errors: every call returns a yg_err; the SQLite message, with the file's
 * path, goes to the yg_diag given at open (when not NULL) and is kept as the
 * handle's last message (yg_db_errmsg) for callers that report otherwise.
 *
 * Threads: a yg_db is one connection; it is used by one thread at a time
 * (the module that owns it holds its own lock). */
#ifndef YAGURA_STORE_DB_H
#define YAGURA_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_db yg_db;
typedef struct yg_db_txn yg_db_txn;

typedef enum yg_db_sync {
	YG_DB_SYNC_FULL = 0, /* a commit survives a power loss (fsync per commit) */
	YG_DB_SYNC_NORMAL,   /* WAL: a commit survives a crash of the process */
	YG_DB_SYNC_OFF,      /* tests and throw-away files only */
} yg_db_sync;

typedef struct yg_db_config {
	const char *path;        /* file; ":memory:" for a private in-memory database */
	bool create;             /* create the file when missing (default true) */
	bool readonly;           /* open read-only (implies !create) */
	bool wal;                /* journal_mode=WAL (default true) */
	yg_db_sync sync;         /* default FULL */
	int busy_ms;             /* wait for another writer this long (default 5000) */
	bool foreign_keys;       /* PRAGMA foreign_keys=ON (default false) */
	bool serialized;         /* SQLite's own mutex on the connection (default false:
	                          * the owning module locks) */
	int64_t mmap_bytes;      /* PRAGMA mmap_size; 0 = SQLite's default */
	int cache_kib;           /* PRAGMA cache_size in KiB; 0 = SQLite's default */
	bool incremental_vacuum; /* auto_vacuum=INCREMENTAL on a new file */
} yg_db_config;

/* The defaults above for path. */
void yg_db_config_default(yg_db_config *cfg, const char *path);

/* For a process with a few small databases and a memory budget (the
 * agent): SQLite without the per-connection lookaside slots and the bulk
 * page-cache allocation it makes and touches at open (about 200 kB per
 * connection). Process-wide, so call it before any database is opened; a
 * call SQLite refuses (a database already open) changes nothing. */
void yg_db_process_lean(void);

/* Opens (and, if cfg->create, creates) the database and applies cfg. diag
 * (may be NULL; kept for later messages, must outlive the handle or be
 * replaced with yg_db_set_diag) gets "path: what: SQLite's message" on
 * failure. Errors: YG_EINVAL (bad cfg), YG_EIO, YG_ENOMEM. */
yg_err yg_db_open(const yg_db_config *cfg, yg_diag *diag, yg_db **out);
/* Finalizes the cached statements and closes. NULL is allowed. An open
 * transaction is rolled back. */
void yg_db_close(yg_db *db);

void yg_db_set_diag(yg_db *db, yg_diag *diag);
/* The last error's message ("path: what: SQLite's message"), "" when none. */
const char *yg_db_errmsg(const yg_db *db);
const char *yg_db_path(const yg_db *db);

/* One migration step: the script sql (may be NULL) then fn (may be NULL),
 * both run inside the migration's transaction. Versions start at 1 and
 * increase by one. */
typedef struct yg_db_step {
	int version;
	const char *sql;
	yg_err (*fn)(yg_db *db);
} yg_db_step;

/* Brings component's schema to the last step's version: applies, in one
 * transaction, every step after the recorded version, then records it. A
 * recorded version above the last step: YG_EINVAL (a newer yagura wrote the
 * file). A failing step: nothing of this call is kept (YG_EIO). */
yg_err yg_db_migrate(yg_db *db, const char *component, const yg_db_step *steps, size_t n);
/* The recorded version of component, 0 when none. */
yg_err yg_db_schema_version(yg_db *db, const char *component, int *version);

/* Starts a write transaction (BEGIN IMMEDIATE). YG_EINVAL if one is open. */
yg_err yg_db_begin(yg_db *db, yg_db_txn **out);
/* Commits when err is YG_OK, else rolls back; returns err, or the commit's
 * error (then rolled back). */
yg_err yg_db_end(yg_db_txn *txn, yg_err err);
/* The handle a transaction runs on. */
yg_db *yg_db_txn_db(yg_db_txn *txn);

/* Runs a script of statements without results (schema, pragmas). */
yg_err yg_db_exec(yg_db *db, const char *sql);

#endif
