/* execd.h (store): the agent's active-response timeout list on disk (one
 * SQLite table), so the deletes of timed responses survive an agent
 * restart. Schema component "execd"; version 1 is the schema written before
 * versions were recorded. */
#ifndef YAGURA_STORE_EXECD_H
#define YAGURA_STORE_EXECD_H

#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"

typedef struct ex_pending {
	char *rkey;
	char *program; /* parameters.program, re-validated when run */
	char *message; /* the "delete" message */
	int64_t added_ms;
	unsigned seconds;
} ex_pending;

typedef struct ex_store ex_store;

/* Opens (creating) the SQLite file. YG_EIO with a reason on failure. */
yg_err ex_store_open(const char *path, ex_store **out, char *err, size_t errlen);
void ex_store_close(ex_store *st);
/* Loads every entry into a malloc'd array the caller frees (with
 * ex_pending_free on each). */
yg_err ex_store_load(ex_store *st, ex_pending **v, size_t *n);
/* Inserts or replaces the entry with p->rkey. */
yg_err ex_store_put(ex_store *st, const ex_pending *p);
yg_err ex_store_del(ex_store *st, const char *rkey);

void ex_pending_free(ex_pending *p);

#endif
