/* yhtab.h: the generic hash table of yagura (string keys).
 *
 * Each entry owns a copy of its key and a value area of the size given at
 * creation (zeroed when the entry is made), kept in one allocation, so a
 * table of small records needs no allocation of its own per value. The
 * number of entries is bounded at creation: tables fed from outside
 * (paths, addresses, event fields) must not grow without limit, and the
 * hash (FNV-1a, yhash.h) is not keyed, so the bound is what holds when
 * keys are chosen to collide.
 *
 * Open addressing with linear probing; a removed entry leaves a tombstone
 * until the next growth, so iterating while removing (yg_htab_remove_at)
 * visits every entry once. Value pointers stay valid until their entry is
 * removed or the table destroyed (growth moves slots, not entries). Not
 * thread-safe. */
#ifndef YAGURA_YHTAB_H
#define YAGURA_YHTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

typedef struct yg_htab yg_htab;

/* val_size: bytes of each entry's value (0 for a set); max_entries: the
 * bound (0: no bound but memory). NULL when out of memory. */
yg_htab *yg_htab_create(size_t val_size, size_t max_entries);
/* Frees every entry; accepts NULL. */
void yg_htab_destroy(yg_htab *h);
/* The value of key, or NULL. */
void *yg_htab_find(const yg_htab *h, const char *key);
/* The value of key, made (zeroed, *created true) when key is new.
 * YG_ELIMIT when the table is full, YG_ENOMEM when out of memory; *val is
 * NULL then. created may be NULL. */
yg_err yg_htab_insert(yg_htab *h, const char *key, void **val, bool *created);
/* Removes key; false when it was not there. */
bool yg_htab_remove(yg_htab *h, const char *key);
/* Iteration: start with *it = 0; returns the next entry's value (its key
 * in *key, may be NULL) or NULL at the end. Inserting during an iteration
 * may skip or repeat entries; removing the current one does not. */
void *yg_htab_next(const yg_htab *h, size_t *it, const char **key);
/* Removes the entry yg_htab_next returned last for this *it. */
void yg_htab_remove_at(yg_htab *h, size_t it);
/* Removes every entry. */
void yg_htab_clear(yg_htab *h);
size_t yg_htab_count(const yg_htab *h);

#endif
