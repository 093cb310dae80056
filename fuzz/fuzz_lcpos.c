/* fuzz_lcpos.c: any bytes as a log collector positions blob
 * (yg_lc_positions_import / lc_pos_decode). A blob is either refused with
 * YG_EPARSE or decoded into rows and journal cursors that encode back to
 * exactly the same bytes
 * (the format has one spelling per content); the public import must agree
 * with the decoder, and the rows it stores must be the decoded ones. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ybuf.h"
#include "logcollector/lc.h"
#include "logcollector/lc_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char db_path[64];

static void remove_db(void)
{
	char p[80];
	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

static bool same_row(const lc_pos *a, const lc_pos *b)
{
	return strcmp(a->path, b->path) == 0 && a->dev == b->dev && a->ino == b->ino &&
	       a->hlen == b->hlen && a->hash == b->hash && a->off == b->off && a->skip == b->skip;
}

/* Every stored row/cursor is a decoded one (a repeated key keeps one of
 * them) and every decoded key is stored. */
static void check_stored(const lc_posset *dec, const lc_posset *got)
{
	if (got->n > dec->n || got->ncur > dec->ncur)
		abort();
	for (size_t i = 0; i < got->n; i++) {
		bool found = false;
		for (size_t k = 0; k < dec->n && !found; k++)
			found = same_row(&got->rows[i], &dec->rows[k]);
		if (!found)
			abort();
	}
	for (size_t k = 0; k < dec->n; k++) {
		bool found = false;
		for (size_t i = 0; i < got->n && !found; i++)
			found = strcmp(got->rows[i].path, dec->rows[k].path) == 0 &&
			        got->rows[i].dev == dec->rows[k].dev &&
			        got->rows[i].ino == dec->rows[k].ino;
		if (!found)
			abort();
	}
	for (size_t i = 0; i < got->ncur; i++) {
		bool found = false;
		for (size_t k = 0; k < dec->ncur && !found; k++)
			found = strcmp(got->cur[i].source, dec->cur[k].source) == 0 &&
			        strcmp(got->cur[i].cursor, dec->cur[k].cursor) == 0;
		if (!found)
			abort();
	}
	for (size_t k = 0; k < dec->ncur; k++) {
		bool found = false;
		for (size_t i = 0; i < got->ncur && !found; i++)
			found = strcmp(got->cur[i].source, dec->cur[k].source) == 0;
		if (!found)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db_path[0]) {
		snprintf(db_path, sizeof(db_path), "/tmp/yg-fuzz-lcpos-%ld.db", (long)getpid());
		atexit(remove_db);
	}
	lc_posset dec;
	yg_err err = lc_pos_decode(data, size, &dec);
	if (err != YG_OK && err != YG_EPARSE && err != YG_ENOMEM)
		abort();
	yg_err ierr = yg_lc_positions_import(db_path, data, size);
	if (err == YG_EPARSE) {
		if (ierr != YG_EPARSE)
			abort();
		return 0;
	}
	if (err)
		return 0;
	yg_buf b;
	yg_buf_init(&b, size + 1);
	if (lc_pos_encode(&dec, &b) != YG_OK || b.len != size ||
	    (size && memcmp(b.data, data, size) != 0))
		abort();
	yg_buf_free(&b);
	if (ierr != YG_OK)
		abort();
	yg_db *db;
	char why[256];
	lc_posset got;
	if (lc_store_open(db_path, &db, why, sizeof(why)) != YG_OK ||
	    lc_store_load(db, &got) != YG_OK)
		abort();
	check_stored(&dec, &got);
	lc_posset_free(&got);
	lc_store_close(db);
	lc_posset_free(&dec);
	return 0;
}
