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
 * err gets a reason. */
yg_err lc_store_open(const char *path, sqlite3 **out, char *err, size_t errlen);
void lc_store_close(sqlite3 *db);
/* Reads every row; the caller frees with lc_posset_free. */
yg_err lc_store_load(sqlite3 *db, lc_posset *out);
void lc_store_free(lc_pos *arr, size_t n);
/* Replaces the tables' rows, inside the caller's transaction. */
yg_err lc_store_write(sqlite3 *db, const lc_posset *set);
/* The same in its own transaction. */
yg_err lc_store_commit(sqlite3 *db, const lc_posset *set);

/* Bytes of a file's head hashed to recognise it (lc_pos.hlen is at most
 * this). */
#define LC_HEAD_BYTES 512u

/* Longest source name and cursor kept (journald's cursors are ~130 bytes). */
#define LC_CURSOR_MAX 4095u

/* Appends the set to `out` as a positions blob (format in lc_store.c).
 * YG_ELIMIT when out's bound is too small (out may hold part of it),
 * YG_EINVAL for a row or cursor the collector does not make. */
yg_err lc_pos_encode(const lc_posset *set, yg_buf *out);
/* Decodes a positions blob, checking every field; the caller frees the
 * set with lc_posset_free. YG_EPARSE for anything but a well-formed blob,
 * YG_ENOMEM. */
yg_err lc_pos_decode(const void *blob, size_t len, lc_posset *out);

#endif
