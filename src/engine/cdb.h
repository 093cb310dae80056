/* cdb.h: Wazuh CDB lists, loaded from their text form.
 *
 * A list file holds `key:value` lines (value optional; keys may be quoted
 * to contain ':'). Rules test fields against lists with <list lookup=...>.
 * A loaded list is immutable and safe to share between threads. */
#ifndef YAGURA_CDB_H
#define YAGURA_CDB_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_list yg_list;

/* Loads the text list at `path`; malformed lines are reported into diag
 * with file and line and skipped. Returns YG_EIO if the file is unreadable. */
yg_err yg_list_load(const char *path, yg_diag *diag, yg_list **out);
void yg_list_destroy(yg_list *list);

/* Exact key lookup. Returns true if present and sets *value ("" when the
 * line had no value); value may be NULL. */
bool yg_list_get(const yg_list *list, const char *key, const char **value);

/* Wazuh's address_match_key: true if `ip` or one of its network prefixes as
 * written in the list (e.g. "10.1.2." / "10.1.2" / "10.1" / "10") is a key.
 * Sets *value as yg_list_get does. */
bool yg_list_get_address(const yg_list *list, const char *ip,
			 const char **value);

size_t yg_list_size(const yg_list *list);

#endif
