/* db_sql.h: the SQLite side of db.h, for the modules of src/store only.
 *
 * Statements are prepared once per handle and cached by their SQL text
 * (yg_db_stmt): a module writes its SQL where it uses it and pays the
 * compilation once. A cached statement belongs to the handle: reset it (or
 * step it to the end) and never finalize it. */
#ifndef YAGURA_STORE_DB_SQL_H
#define YAGURA_STORE_DB_SQL_H

#include <sqlite3.h>

#include "store/db.h"

/* The connection. */
sqlite3 *yg_db_sqlite(yg_db *db);

/* The cached statement for sql, reset and with its bindings cleared; NULL
 * on error (recorded as for yg_db_fail). */
sqlite3_stmt *yg_db_stmt(yg_db *db, const char *sql);

/* Records "path: what: SQLite's message" as the last error and in the diag,
 * and returns the yg_err for the connection's last result code (YG_ENOMEM,
 * YG_ELIMIT for a full disk, else YG_EIO). */
yg_err yg_db_fail(yg_db *db, const char *what);

/* Steps st to SQLITE_DONE and resets it; an error is recorded (what names
 * the operation) and returned. */
yg_err yg_db_done(yg_db *db, sqlite3_stmt *st, const char *what);

/* Column i as text, "" for NULL. */
const char *yg_db_text(sqlite3_stmt *st, int i);
/* Binds a NUL-terminated string (NULL binds SQL NULL), copied. */
void yg_db_bind_text(sqlite3_stmt *st, int i, const char *s);

/* A handle around a connection opened elsewhere (the alert store until it
 * opens with yg_db_open): yg_db_close() frees the wrapper, not the
 * connection. path is copied for messages. */
yg_err yg_db_wrap(sqlite3 *raw, const char *path, yg_db **out);
/* The transaction the owner of a wrapped connection has already begun, so
 * the parts of the commit point can be handed a yg_db_txn. The owner ends
 * it itself (yg_db_end on it is refused: YG_EINVAL); yg_db_txn_release()
 * forgets it. */
yg_db_txn *yg_db_txn_borrow(yg_db *db);
void yg_db_txn_release(yg_db_txn *txn);

#endif
