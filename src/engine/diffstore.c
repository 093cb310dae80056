/* diffstore.c: the last output per (host, rule) that <check_diff> compares
 * with; see engine.h. A chained hash table under one lock; each entry knows
 * whether it changed since the owner last saved. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/yhash.h"
#include "engine/diffstore.h"

#define DS_BUCKETS 1024
/* Hostnames of local events come from syslog headers and FNV is not keyed:
 * a chain this long takes no new key. */
#define DS_CHAIN_MAX 32

typedef struct ds_entry {
	struct ds_entry *next;
	unsigned rule;
	bool dirty;
	char *output;
	size_t outlen;
	char host[];
} ds_entry;

struct yg_diff_store {
	pthread_mutex_t mu;
	ds_entry *buckets[DS_BUCKETS];
	size_t bytes, max_bytes;
	uint64_t refused;
};

yg_diff_store *yg_diff_store_create(size_t max_bytes)
{
	yg_diff_store *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	pthread_mutex_init(&d->mu, NULL);
	d->max_bytes = max_bytes ? max_bytes : YG_DIFF_STORE_DEFAULT_BYTES;
	return d;
}

void yg_diff_store_destroy(yg_diff_store *d)
{
	if (!d)
		return;
	for (size_t b = 0; b < DS_BUCKETS; b++) {
		for (ds_entry *e = d->buckets[b], *n; e; e = n) {
			n = e->next;
			free(e->output);
			free(e);
		}
	}
	pthread_mutex_destroy(&d->mu);
	free(d);
}

static size_t ds_hash(const char *host, unsigned rule)
{
	uint32_t h = yg_hash32_str(host);
	for (int i = 0; i < 4; i++)
		h = yg_hash32_byte(h, (unsigned char)(rule >> (8 * i)));
	return h & (DS_BUCKETS - 1);
}

static size_t ds_chain(const yg_diff_store *d, size_t b)
{
	size_t n = 0;
	for (const ds_entry *e = d->buckets[b]; e; e = e->next)
		n++;
	return n;
}

static ds_entry *ds_find(yg_diff_store *d, const char *host, unsigned rule)
{
	for (ds_entry *e = d->buckets[ds_hash(host, rule)]; e; e = e->next)
		if (e->rule == rule && !strcmp(e->host, host))
			return e;
	return NULL;
}

/* Sets e's output to a copy of out; false (e unchanged) when it would not
 * fit the budget or memory ran out. */
static bool ds_set(yg_diff_store *d, ds_entry *e, const char *out, size_t len)
{
	if (d->bytes - e->outlen + len > d->max_bytes)
		return false;
	char *c = malloc(len + 1);
	if (!c)
		return false;
	memcpy(c, out, len);
	c[len] = '\0';
	d->bytes = d->bytes - e->outlen + len;
	free(e->output);
	e->output = c;
	e->outlen = len;
	e->dirty = true;
	return true;
}

static ds_entry *ds_add(yg_diff_store *d, const char *host, unsigned rule, const char *out,
                        size_t len)
{
	size_t hl = strlen(host) + 1;
	if (d->bytes + hl + len > d->max_bytes || ds_chain(d, ds_hash(host, rule)) >= DS_CHAIN_MAX)
		return NULL;
	ds_entry *e = calloc(1, sizeof(*e) + hl);
	if (!e)
		return NULL;
	memcpy(e->host, host, hl);
	e->rule = rule;
	if (!ds_set(d, e, out, len)) {
		free(e);
		return NULL;
	}
	d->bytes += hl;
	size_t b = ds_hash(host, rule);
	e->next = d->buckets[b];
	d->buckets[b] = e;
	return e;
}

yg_err yg_diff_store_load(yg_diff_store *d, const char *host, unsigned rule, const char *output)
{
	if (!d || !host || !output)
		return YG_EINVAL;
	pthread_mutex_lock(&d->mu);
	yg_err err = YG_OK;
	size_t len = strlen(output);
	ds_entry *e = ds_find(d, host, rule);
	if (e ? !ds_set(d, e, output, len) : !(e = ds_add(d, host, rule, output, len)))
		err = YG_ELIMIT;
	else
		e->dirty = false;
	pthread_mutex_unlock(&d->mu);
	return err;
}

int yg_diff_store_check(yg_diff_store *d, const char *host, unsigned rule, const char *output,
                        size_t len, char **previous)
{
	*previous = NULL;
	pthread_mutex_lock(&d->mu);
	int changed = 0;
	ds_entry *e = ds_find(d, host, rule);
	if (!e) {
		if (!ds_add(d, host, rule, output, len))
			d->refused++;
	} else if (e->outlen != len || memcmp(e->output, output, len) != 0) {
		changed = 1;
		*previous = strdup(e->output);
		/* over the budget the old output stays, so the next one alerts
		 * again rather than a change being missed */
		if (!ds_set(d, e, output, len))
			d->refused++;
	}
	pthread_mutex_unlock(&d->mu);
	return changed;
}

yg_err yg_diff_store_changes(yg_diff_store *d, yg_diff_store_fn fn, void *ctx)
{
	pthread_mutex_lock(&d->mu);
	yg_err err = YG_OK;
	for (size_t b = 0; b < DS_BUCKETS && !err; b++)
		for (ds_entry *e = d->buckets[b]; e && !err; e = e->next)
			if (e->dirty)
				err = fn(ctx, e->host, e->rule, e->output);
	pthread_mutex_unlock(&d->mu);
	return err;
}

void yg_diff_store_clean(yg_diff_store *d)
{
	pthread_mutex_lock(&d->mu);
	for (size_t b = 0; b < DS_BUCKETS; b++)
		for (ds_entry *e = d->buckets[b]; e; e = e->next)
			e->dirty = false;
	pthread_mutex_unlock(&d->mu);
}

uint64_t yg_diff_store_refused(yg_diff_store *d)
{
	pthread_mutex_lock(&d->mu);
	uint64_t r = d->refused;
	pthread_mutex_unlock(&d->mu);
	return r;
}
