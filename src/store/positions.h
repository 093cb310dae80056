/* positions.h: the log collector's read positions in SQLite.
 *
 * One row per followed file: the location name it is reported under, the
 * file's identity (device, inode, and a hash of its first bytes so a reused
 * inode is not mistaken for the old file), the accepted offset and whether an
 * over-long line is being skipped. A second table keeps one journald cursor
 * per journal read (lc_cursors). Both are rewritten as a whole on each
 * commit, so they always describe exactly the sources being followed.
 *
 * The manager keeps them in manager.db and writes them inside the commit
 * point's transaction (lc_store_write on its yg_db_txn), so positions and
 * the alerts they produced commit together. Schema component
 * "lc_positions"; version 1 is the schema written before versions were
 * recorded. */
#ifndef YAGURA_STORE_POSITIONS_H
#define YAGURA_STORE_POSITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"
#include "store/db.h"

typedef struct lc_pos {
	char *path; /* location name (owned) */
	uint64_t dev, ino;
	uint32_t hlen; /* bytes covered by hash */
	uint64_t hash; /* FNV-1a of the first hlen bytes */
	uint64_t off;  /* accepted offset */
	bool skip;     /* inside an over-long line being discarded */
	bool used;     /* already matched to a file (load side only) */
} lc_pos;

/* A journal's accepted position: journald's cursor, keyed by the
 * <localfile> location ("journald", "journald:/dir"). */
typedef struct lc_cursor {
	char *source; /* owned */
	char *cursor; /* owned */
} lc_cursor;

/* Everything the collector stores: the files' rows and the journals'
 * cursors. */
typedef struct lc_posset {
	lc_pos *rows;
	size_t n;
	lc_cursor *cur;
	size_t ncur;
} lc_posset;

/* Frees the strings and arrays of a set built by load or decode. */
void lc_posset_free(lc_posset *s);

/* Opens/creates the database with the lc_positions and lc_cursors tables;
 * err gets a reason naming the file. */
yg_err lc_store_open(const char *path, yg_db **out, char *err, size_t errlen);
void lc_store_close(yg_db *db);
/* Reads every row; the caller frees with lc_posset_free. */
yg_err lc_store_load(yg_db *db, lc_posset *out);
void lc_store_free(lc_pos *arr, size_t n);
/* Replaces the tables' rows, inside the caller's transaction (on a
 * connection to a file lc_store_open has prepared). */
yg_err lc_store_write(yg_db_txn *txn, const lc_posset *set);
/* The same in its own transaction. */
yg_err lc_store_commit(yg_db *db, const lc_posset *set);

#endif
