/* lc_store.h: read positions (internal to the logcollector): the SQLite
 * tables are store/positions.h; here, the same positions as a blob. */
#ifndef YAGURA_LC_STORE_H
#define YAGURA_LC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ybuf.h"
#include "common/yerr.h"
#include "store/positions.h"

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
