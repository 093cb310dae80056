/* cdb.h: Wazuh CDB lists, loaded from their text form.
 *
 * A list file holds `key:value` lines, split the way Wazuh's
 * Lists_OP_MakeCDB splits them: the key ends at the first ':' (no
 * whitespace is trimmed); the value is optional (`key:`); a key in double
 * quotes may contain ':' (`"a:b":value`), and a value in double quotes is
 * taken from between them. Lines with no ':' (blank lines, comments) are
 * skipped. When a key appears twice, its first line wins, as with
 * cdb_find. Rules test fields against lists with <list lookup=...>.
 * A loaded list is immutable and safe to share between threads. */
#ifndef YAGURA_CDB_H
#define YAGURA_CDB_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_list yg_list;

/* Loads the text list at `path`. Lines Wazuh silently skips (no ':' in a
 * non-blank line, an unterminated quote, a NUL byte) are reported into diag
 * as warnings with file and line. Returns YG_EIO if the file is unreadable
 * (also reported, as a warning like Wazuh's), YG_ENOMEM/YG_ELIMIT if it
 * cannot be held in memory. */
yg_err yg_list_load(const char *path, yg_diag *diag, yg_list **out);
/* The same from text in memory (`len` bytes, NULs allowed); `name` is the
 * file name diagnostics give. */
yg_err yg_list_load_mem(const char *data, size_t len, const char *name, yg_diag *diag,
                        yg_list **out);
void yg_list_destroy(yg_list *list);

/* Exact key lookup, O(1). Returns true if present and sets *value ("" when
 * the line had no value); value may be NULL. */
bool yg_list_get(const yg_list *list, const char *key, const char **value);

/* Wazuh's address_match_key (OS_DBSeachKeyAddress): true if `ip` itself is
 * a key, or else one of its prefixes that end in '.', longest first: for
 * "10.1.2.3" the keys "10.1.2.3", "10.1.2.", "10.1.", "10." (never "10.1").
 * Sets *value (the longest match's) as yg_list_get does. */
bool yg_list_get_address(const yg_list *list, const char *ip, const char **value);

/* Number of distinct keys. */
size_t yg_list_size(const yg_list *list);

#endif
