/* lc_store.h: read positions in SQLite (internal to the logcollector). */
#ifndef YAGURA_LC_STORE_H
#define YAGURA_LC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ybuf.h"
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

/* Bytes of a file's head hashed to recognise it (lc_pos.hlen is at most
 * this). */
#define LC_HEAD_BYTES 512u

/* Appends the rows to `out` as a positions blob (format in lc_store.c).
 * YG_ELIMIT when out's bound is too small (out may hold part of it). */
yg_err lc_pos_encode(const lc_pos *rows, size_t n, yg_buf *out);
/* Decodes a positions blob, checking every field; the caller frees the
 * rows with lc_store_free. YG_EPARSE for anything but a well-formed blob,
 * YG_ENOMEM. */
yg_err lc_pos_decode(const void *blob, size_t len, lc_pos **out, size_t *n);

#endif
