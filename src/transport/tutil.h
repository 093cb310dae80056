/* tutil.h: small helpers internal to src/transport (not a public API). */
#ifndef YAGURA_TRANSPORT_TUTIL_H
#define YAGURA_TRANSPORT_TUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/tcommon.h"

#include "store/registry.h"

/* Formats a message and hands it to fn (or stderr for WARN+ when fn is
 * NULL). Messages longer than 1 KiB are truncated. */
void yg_tlog(yg_tlog_fn fn, void *ctx, int level, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Monotonic milliseconds. */
uint64_t yg_tnow_ms(void);

/* Agent ids (yg_tid_parse, yg_tid_format) are the registry's spelling:
 * store/registry.h. */

/* Big-endian accessors. */
void yg_tput_u32(uint8_t *p, uint32_t v);
void yg_tput_u64(uint8_t *p, uint64_t v);
uint32_t yg_tget_u32(const uint8_t *p);
uint64_t yg_tget_u64(const uint8_t *p);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void yg_thex(const uint8_t *in, size_t n, char *out);

/* Reads a whole small file (at most max bytes) into a NUL-terminated heap
 * string; *len (may be NULL) gets its size. NULL on error. */
char *yg_tread_file(const char *path, size_t max, size_t *len);
/* Writes data to path atomically (temp file + rename) with the given mode. */
int yg_twrite_file(const char *path, const void *data, size_t len, unsigned mode);

#endif
