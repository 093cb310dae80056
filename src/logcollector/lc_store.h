/* lc_store.h: read positions in SQLite (internal to the logcollector). */
#ifndef YAGURA_LC_STORE_H
#define YAGURA_LC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/yerr.h"

typedef struct sqlite3 sqlite3;

typedef struct lc_pos {
	char *path; /* location name (owned) */
	uint64_t dev, ino;
	uint32_t hlen; /* bytes covered by hash */
	uint64_t hash; /* FNV-1a of the first hlen bytes */
	uint64_t off;  /* accepted offset */
	bool skip;     /* inside an over-long line being discarded */
	bool used;     /* already matched to a file (load side only) */
} lc_pos;

/* Opens/creates the database with the lc_positions table; err gets a reason. */
yg_err lc_store_open(const char *path, sqlite3 **out, char *err, size_t errlen);
void lc_store_close(sqlite3 *db);
/* Reads every row; the caller frees with lc_store_free. */
yg_err lc_store_load(sqlite3 *db, lc_pos **out, size_t *n);
void lc_store_free(lc_pos *arr, size_t n);
/* Replaces the table's rows, inside the caller's transaction. */
yg_err lc_store_write(sqlite3 *db, const lc_pos *rows, size_t n);
/* The same in its own transaction. */
yg_err lc_store_commit(sqlite3 *db, const lc_pos *rows, size_t n);

#endif
