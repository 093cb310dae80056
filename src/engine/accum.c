/* accum.c: the accumulator; see accum.h for what it keeps and why. */
#include "engine/accum.h"

#include "common/yhash.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACM_EXPIRE 120      /* seconds an entry lives without a refresh */
#define ACM_PURGE_EVERY 200 /* lookups between purges */
#define ACM_KEY_MAX 256     /* Wazuh's key buffer; longer keys are not kept */
#define ACM_VALUE_MAX 80    /* longer values are neither kept nor given */
#define ACM_BUCKETS 4096
/* Keys come from events, and FNV is not keyed: a chain this long takes no
 * new key, so crafted collisions cannot make lookups slow. */
#define ACM_CHAIN_MAX 32

/* The fields it carries, in Wazuh's order. */
static const yg_sfield acm_fields[] = {
        YG_SF_DSTUSER, YG_SF_SRCUSER, YG_SF_DSTIP, YG_SF_SRCIP,
        YG_SF_DSTPORT, YG_SF_SRCPORT, YG_SF_DATA,
};
#define ACM_NFIELDS (sizeof(acm_fields) / sizeof(acm_fields[0]))

typedef struct acm_entry {
	struct acm_entry *next;
	time_t time;
	char *val[ACM_NFIELDS];
	char key[];
} acm_entry;

struct yg_accum {
	pthread_mutex_t mu;
	acm_entry *buckets[ACM_BUCKETS];
	size_t n;
	unsigned lookups;
};

yg_accum *yg_accum_create(void)
{
	yg_accum *a = calloc(1, sizeof(*a));
	if (a)
		pthread_mutex_init(&a->mu, NULL);
	return a;
}

static void entry_free(acm_entry *e)
{
	for (size_t i = 0; i < ACM_NFIELDS; i++)
		free(e->val[i]);
	free(e);
}

void yg_accum_destroy(yg_accum *a)
{
	if (!a)
		return;
	for (size_t b = 0; b < ACM_BUCKETS; b++) {
		for (acm_entry *e = a->buckets[b], *n; e; e = n) {
			n = e->next;
			entry_free(e);
		}
	}
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static size_t key_hash(const char *s)
{
	return yg_hash32_str(s) & (ACM_BUCKETS - 1);
}

/* A value worth carrying: non-empty and at most ACM_VALUE_MAX bytes. */
static bool usable(const char *v)
{
	if (!v || !*v)
		return false;
	return strnlen(v, ACM_VALUE_MAX + 1) <= ACM_VALUE_MAX;
}

static void purge(yg_accum *a, time_t now)
{
	for (size_t b = 0; b < ACM_BUCKETS; b++) {
		acm_entry **pp = &a->buckets[b];
		while (*pp) {
			acm_entry *e = *pp;
			if (e->time < now - ACM_EXPIRE) {
				*pp = e->next;
				entry_free(e);
				a->n--;
			} else {
				pp = &e->next;
			}
		}
	}
}

/* The entry for key, dropped first when it has expired; a new one when
 * there is none (NULL when full or out of memory). *fresh says whether it
 * holds anything yet. */
static acm_entry *lookup(yg_accum *a, const char *key, time_t now, bool *fresh)
{
	acm_entry **pp = &a->buckets[key_hash(key)];
	size_t chain = 0;
	for (; *pp; pp = &(*pp)->next, chain++) {
		acm_entry *e = *pp;
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->time > 0 && e->time < now - ACM_EXPIRE) {
			*pp = e->next;
			entry_free(e);
			a->n--;
			break;
		}
		*fresh = false;
		return e;
	}
	if (a->n >= YG_ACCUM_MAX_ENTRIES || chain >= ACM_CHAIN_MAX)
		return NULL;
	size_t kl = strlen(key) + 1;
	acm_entry *e = calloc(1, sizeof(*e) + kl);
	if (!e)
		return NULL;
	memcpy(e->key, key, kl);
	size_t b = key_hash(key);
	e->next = a->buckets[b];
	a->buckets[b] = e;
	a->n++;
	*fresh = true;
	return e;
}

static void merge(acm_entry *e, yg_event *ev, bool fresh)
{
	for (size_t i = 0; i < ACM_NFIELDS; i++) {
		const char **f = &ev->sfields[acm_fields[i]];
		if (!fresh && usable(e->val[i]) && (!*f || !**f)) {
			char *c = yg_arena_strndup(ev->arena, e->val[i], strlen(e->val[i]));
			if (c)
				*f = c;
		}
		if ((!e->val[i] || !*e->val[i]) && usable(*f)) {
			char *c = strdup(*f);
			if (c) {
				free(e->val[i]);
				e->val[i] = c;
			}
		}
	}
}

void yg_accum_apply(yg_accum *a, yg_event *ev, const char *decoder_name, time_t now)
{
	const char *id = ev->sfields[YG_SF_ID];
	if (!a || !id || !decoder_name)
		return;
	/* Wazuh's hostname is the agent for agents' events: here its id, as
	 * check_diff keys them ("[001]"), whatever a syslog header says */
	char key[ACM_KEY_MAX];
	bool agent = ev->agent_id && strcmp(ev->agent_id, "000") != 0;
	int n = agent ? snprintf(key, sizeof(key), "[%s] %s %s", ev->agent_id, decoder_name, id)
	              : snprintf(key, sizeof(key), "%s %s %s",
	                         ev->hostname ? ev->hostname : "(null)", decoder_name, id);
	pthread_mutex_lock(&a->mu);
	if (++a->lookups >= ACM_PURGE_EVERY) {
		a->lookups = 0;
		purge(a, now);
	}
	if (n >= 0 && (size_t)n < sizeof(key)) {
		bool fresh = true;
		acm_entry *e = lookup(a, key, now, &fresh);
		if (e) {
			merge(e, ev, fresh);
			e->time = now;
		}
	}
	pthread_mutex_unlock(&a->mu);
}
