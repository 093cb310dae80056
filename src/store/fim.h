/* fim.h (store): the FIM baseline in SQLite: one row per monitored file
 * with the attributes last seen and the scan generation that last saw it,
 * and a small key/value table (the current generation, whether the first
 * scan finished). The monitor (fim/fim.c) decides what changed; these calls
 * keep and find rows.
 *
 * WAL with synchronous=NORMAL: a baseline lost with a power cut only makes
 * the next scan report again. Writes are batched by the monitor in
 * transactions (yg_fimdb_begin/commit). One thread at a time. Schema
 * component "fim"; version 1 is the schema written before versions were
 * recorded. */
#ifndef YAGURA_STORE_FIM_H
#define YAGURA_STORE_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"
#include "fim/fim.h" /* yg_fim_attrs */

/* One file's stored state, with the storage the public attrs point into. */
typedef struct yg_fimdb_state {
	yg_fim_attrs a;
	char uname[128];
	char gname[128];
	unsigned mode;
	uint64_t dev;
	uint64_t size_raw; /* st_size even when size is not checked */
	int64_t ctime_ns, mtime_ns;
} yg_fimdb_state;

typedef struct yg_fimdb yg_fimdb;

/* Opens or creates the baseline; err gets a reason naming the file. */
yg_err yg_fimdb_open(const char *path, yg_fimdb **out, char *err, size_t errlen);
void yg_fimdb_close(yg_fimdb *db);
/* The last error's message. */
const char *yg_fimdb_errmsg(const yg_fimdb *db);

/* A batch transaction; begin does nothing when one is open, and returns
 * whether one is open now. */
bool yg_fimdb_begin(yg_fimdb *db);
void yg_fimdb_commit(yg_fimdb *db);

/* The row of path into *s: true when there is one. */
bool yg_fimdb_get(yg_fimdb *db, const char *path, yg_fimdb_state *s);
/* Inserts or replaces path's row, seen in generation gen. */
yg_err yg_fimdb_put(yg_fimdb *db, const char *path, const yg_fimdb_state *s, int64_t gen);
void yg_fimdb_del(yg_fimdb *db, const char *path);
/* Marks path and every row under path/ as seen in generation gen. */
void yg_fimdb_touch_tree(yg_fimdb *db, const char *path, int64_t gen);
uint64_t yg_fimdb_count(yg_fimdb *db);

/* Calls fn for path's row and every row under path/ (fn returns false to
 * stop; it must not change the table). */
typedef bool (*yg_fimdb_row_fn)(void *ctx, const char *path, const yg_fimdb_state *s);
void yg_fimdb_under(yg_fimdb *db, const char *path, yg_fimdb_row_fn fn, void *ctx);
/* Calls fn for every row not seen in generation gen. */
void yg_fimdb_unseen(yg_fimdb *db, int64_t gen, yg_fimdb_row_fn fn, void *ctx);

/* The integer kept under key (0 when none). */
int64_t yg_fimdb_meta_get(yg_fimdb *db, const char *key);
void yg_fimdb_meta_set(yg_fimdb *db, const char *key, int64_t v);

#endif
