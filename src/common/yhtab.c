/* yhtab.c: see yhtab.h. Slots hold pointers to entries; an entry is the
 * key's hash, the value area (aligned for any type) and the key. */
#include "common/yhtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/yhash.h"

typedef struct ht_entry {
	uint32_t hash;
	_Alignas(max_align_t) unsigned char val[];
	/* then the key, at val + val_size */
} ht_entry;

/* A slot is NULL (never used), TOMB (removed) or an entry. */
static char tomb_mark;
#define TOMB ((ht_entry *)&tomb_mark)

struct yg_htab {
	ht_entry **slot;
	size_t cap;   /* a power of two, or 0 */
	size_t count; /* entries */
	size_t used;  /* entries and tombstones */
	size_t val_size, max;
};

static const char *ht_key(const yg_htab *h, const ht_entry *e)
{
	return (const char *)e->val + h->val_size;
}

yg_htab *yg_htab_create(size_t val_size, size_t max_entries)
{
	yg_htab *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->val_size = val_size;
	h->max = max_entries ? max_entries : SIZE_MAX / 4;
	return h;
}

void yg_htab_clear(yg_htab *h)
{
	for (size_t i = 0; i < h->cap; i++) {
		if (h->slot[i] && h->slot[i] != TOMB)
			free(h->slot[i]);
		h->slot[i] = NULL;
	}
	h->count = h->used = 0;
}

void yg_htab_destroy(yg_htab *h)
{
	if (!h)
		return;
	yg_htab_clear(h);
	free(h->slot);
	free(h);
}

/* The slot of key, or (when absent) the slot where it would go: the first
 * tombstone on its probe sequence, else the empty slot ending it. */
static size_t ht_probe(const yg_htab *h, const char *key, uint32_t hash, bool *found)
{
	size_t mask = h->cap - 1, i = hash & mask, tomb = SIZE_MAX;
	*found = false;
	for (;; i = (i + 1) & mask) {
		ht_entry *e = h->slot[i];
		if (!e)
			return tomb != SIZE_MAX ? tomb : i;
		if (e == TOMB) {
			if (tomb == SIZE_MAX)
				tomb = i;
		} else if (e->hash == hash && strcmp(ht_key(h, e), key) == 0) {
			*found = true;
			return i;
		}
	}
}

void *yg_htab_find(const yg_htab *h, const char *key)
{
	if (!h->count)
		return NULL;
	bool found;
	size_t i = ht_probe(h, key, yg_hash32_str(key), &found);
	return found ? h->slot[i]->val : NULL;
}

/* Makes a new slot array, without the tombstones. */
static bool ht_grow(yg_htab *h)
{
	/* sized for the entries alone: after many removals this only sweeps
	 * the tombstones away, so churn does not grow the table */
	size_t cap = 16;
	while ((h->count + 1) * 2 > cap)
		cap *= 2;
	ht_entry **s = calloc(cap, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < h->cap; i++) {
		ht_entry *e = h->slot[i];
		if (!e || e == TOMB)
			continue;
		size_t j = e->hash & (cap - 1);
		while (s[j])
			j = (j + 1) & (cap - 1);
		s[j] = e;
	}
	free(h->slot);
	h->slot = s;
	h->cap = cap;
	h->used = h->count;
	return true;
}

yg_err yg_htab_insert(yg_htab *h, const char *key, void **val, bool *created)
{
	*val = NULL;
	if (created)
		*created = false;
	uint32_t hash = yg_hash32_str(key);
	bool found = false;
	size_t i = 0;
	if (h->cap) {
		i = ht_probe(h, key, hash, &found);
		if (found) {
			*val = h->slot[i]->val;
			return YG_OK;
		}
	}
	if (h->count >= h->max)
		return YG_ELIMIT;
	/* at most 3/4 of the slots in use, tombstones included */
	if ((h->used + 1) * 4 > h->cap * 3) {
		if (!ht_grow(h))
			return YG_ENOMEM;
		i = ht_probe(h, key, hash, &found);
	}
	size_t klen = strlen(key);
	ht_entry *e = malloc(sizeof(*e) + h->val_size + klen + 1);
	if (!e)
		return YG_ENOMEM;
	e->hash = hash;
	memset(e->val, 0, h->val_size);
	memcpy(e->val + h->val_size, key, klen + 1);
	if (!h->slot[i])
		h->used++;
	h->slot[i] = e;
	h->count++;
	*val = e->val;
	if (created)
		*created = true;
	return YG_OK;
}

void yg_htab_remove_at(yg_htab *h, size_t it)
{
	/* yg_htab_next leaves *it one past the entry it returned */
	if (it == 0 || it > h->cap)
		return;
	ht_entry *e = h->slot[it - 1];
	if (!e || e == TOMB)
		return;
	free(e);
	h->slot[it - 1] = TOMB;
	h->count--;
}

bool yg_htab_remove(yg_htab *h, const char *key)
{
	if (!h->count)
		return false;
	bool found;
	size_t i = ht_probe(h, key, yg_hash32_str(key), &found);
	if (found)
		yg_htab_remove_at(h, i + 1);
	return found;
}

void *yg_htab_next(const yg_htab *h, size_t *it, const char **key)
{
	for (; *it < h->cap; (*it)++) {
		ht_entry *e = h->slot[*it];
		if (e && e != TOMB) {
			(*it)++;
			if (key)
				*key = ht_key(h, e);
			return e->val;
		}
	}
	return NULL;
}

size_t yg_htab_count(const yg_htab *h)
{
	return h->count;
}
