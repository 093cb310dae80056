/* cmem.c: the correlation memory (Wazuh's last_events and the per-rule
 * if_matched lists), one per agent.
 *
 * Wazuh keeps one memory for the whole manager, but its searches skip the
 * events of other agents unless a rule says <global_frequency/>. So the
 * events an agent stores only ever meet that agent's events: keeping them in
 * a memory of the agent's own gives the same results, and makes them
 * independent of how other agents' events interleave (and of how many
 * workers run side by side). Each memory holds at most max_events stored
 * events (Wazuh's memory_size per memory, here per agent).
 *
 * global_frequency rules do see every agent's events: the rule state keeps
 * one more memory for them, fed (under the session's turn, so in input order)
 * with a copy of each stored event that such a rule can search. A mark one of
 * them leaves on an event (the newest counted one does not trigger it again)
 * is on that copy, so global and per-agent rules do not block each other
 * through it. */
#include <stdlib.h>
#include <string.h>

#include "common/yhash.h"
#include "engine/session_int.h"

/* ---- rings of stored events ---- */

static bool ring_push(yg_ring *r, yg_stored *st)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		yg_stored **v = malloc(cap * sizeof(*v));
		if (!v)
			return false;
		for (size_t i = 0; i < r->n; i++)
			v[i] = yg_ring_at(r, i);
		free(r->v);
		r->v = v;
		r->head = 0;
		r->cap = cap;
	}
	r->v[(r->head + r->n) % r->cap] = st;
	r->n++;
	return true;
}

static void ring_pop_if(yg_ring *r, const yg_stored *st)
{
	if (r->n && yg_ring_at(r, 0) == st) {
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
}

/* A stored event is one allocation: the struct, its arrays and its strings,
 * so storing and evicting cost one malloc and one free. */
static void stored_free(yg_stored *st)
{
	if (!st)
		return;
	free(st->group_lists);
	free(st);
}

static size_t span(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static char *put(char **cursor, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = *cursor;
	memcpy(d, s, n);
	*cursor += n;
	return d;
}

static yg_stored *store_copy(const yg_session *s)
{
	const yg_event *ev = &s->ev;
	size_t need = sizeof(yg_stored) + 2 * (size_t)ev->nfields * sizeof(char *);
	need += span(ev->agent_id) + span(ev->log) + span(ev->full_log);
	for (int i = 0; i < YG_SF_COUNT; i++)
		need += span(i == YG_SF_LOCATION ? ev->location : ev->sfields[i]);
	for (int i = 0; i < ev->nfields; i++)
		need += span(ev->fields[i].key) + span(ev->fields[i].value);
	yg_stored *st = malloc(need);
	if (!st)
		return NULL;
	memset(st, 0, sizeof(*st));
	char **arrays = (char **)(st + 1);
	char *cur = (char *)(arrays + 2 * ev->nfields);
	st->time = ev->time;
	st->dtype = ev->type;
	st->decoder = ev->decoder;
	st->matched = s->cur_matched;
	st->agent_id = put(&cur, ev->agent_id);
	st->log = put(&cur, ev->log);
	st->full_log = put(&cur, ev->full_log);
	for (int i = 0; i < YG_SF_COUNT; i++)
		st->sfields[i] = put(&cur, i == YG_SF_LOCATION ? ev->location : ev->sfields[i]);
	st->fkeys = arrays;
	st->fvals = arrays + ev->nfields;
	for (int i = 0; i < ev->nfields; i++) {
		st->fkeys[i] = put(&cur, ev->fields[i].key);
		st->fvals[i] = put(&cur, ev->fields[i].value);
	}
	st->nfields = ev->nfields;
	st->sid_list = -1;
	return st;
}

static void evict_oldest(yg_mem *m)
{
	yg_stored *st = yg_ring_at(&m->events, 0);
	m->events.head = (m->events.head + 1) % m->events.cap;
	m->events.n--;
	if (st->sid_list >= 0)
		ring_pop_if(&m->sid_lists[st->sid_list], st);
	for (size_t i = 0; i < st->ngroup_lists; i++)
		ring_pop_if(&m->group_lists[st->group_lists[i]], st);
	stored_free(st);
}

/* ---- memories ---- */

yg_mem *yg_mem_create(const yg_ruleset *rs, const char *agent)
{
	size_t al = strlen(agent) + 1;
	yg_mem *m = calloc(1, sizeof(*m) + al);
	if (!m)
		return NULL;
	memcpy(m->agent, agent, al);
	(void)rs; /* the rings come with the first stored event (mem_rings) */
	return m;
}

/* The rings of a memory, made when it first stores an event: most agents
 * of a big fleet never fire a rule that feeds one, and a ruleset like
 * Wazuh's has hundreds. */
static bool mem_rings(yg_mem *m, const yg_ruleset *rs)
{
	if (m->sid_lists)
		return true;
	m->sid_lists = calloc((size_t)rs->nsid_lists + 1, sizeof(yg_ring));
	m->group_lists = calloc((size_t)rs->ngroup_lists + 1, sizeof(yg_ring));
	if (m->sid_lists && m->group_lists)
		return true;
	free(m->sid_lists);
	free(m->group_lists);
	m->sid_lists = m->group_lists = NULL;
	return false;
}

void yg_mem_destroy(const yg_ruleset *rs, yg_mem *m)
{
	if (!m)
		return;
	while (m->events.n)
		evict_oldest(m);
	free(m->events.v);
	if (m->sid_lists)
		for (int i = 0; i < rs->nsid_lists; i++)
			free(m->sid_lists[i].v);
	if (m->group_lists)
		for (int i = 0; i < rs->ngroup_lists; i++)
			free(m->group_lists[i].v);
	free(m->sid_lists);
	free(m->group_lists);
	free(m);
}

/* Puts a copy of the session's event in m, in the rings of rule r; only in
 * the rings `want` accepts when want is not NULL (the global memory). */
static void store_in(yg_session *s, yg_mem *m, const yg_rule *r, const yg_global_lists *want)
{
	if (!mem_rings(m, s->rs))
		return;
	yg_stored *st = store_copy(s);
	if (!st)
		return;
	if (m->events.n >= s->max_events)
		evict_oldest(m);
	if (r->own_sid_list >= 0 && (!want || want->sid[r->own_sid_list])) {
		if (ring_push(&m->sid_lists[r->own_sid_list], st))
			st->sid_list = r->own_sid_list;
	} else if (r->own_sid_list < 0 && r->nfeeds_groups) {
		st->group_lists = calloc(r->nfeeds_groups, sizeof(int));
		for (size_t i = 0; st->group_lists && i < r->nfeeds_groups; i++) {
			int g = r->feeds_groups[i];
			if ((!want || want->group[g]) && ring_push(&m->group_lists[g], st))
				st->group_lists[st->ngroup_lists++] = g;
		}
	}
	if (!ring_push(&m->events, st)) {
		if (st->sid_list >= 0)
			m->sid_lists[st->sid_list].n--; /* it is the newest there */
		for (size_t i = 0; i < st->ngroup_lists; i++)
			m->group_lists[st->group_lists[i]].n--;
		stored_free(st);
	}
}

/* Whether a global_frequency rule can search what r's events feed. */
static bool feeds_global(const yg_global_lists *g, const yg_rule *r)
{
	if (!g->any)
		return false;
	if (g->events)
		return true;
	if (r->own_sid_list >= 0)
		return g->sid[r->own_sid_list];
	for (size_t i = 0; i < r->nfeeds_groups; i++)
		if (g->group[r->feeds_groups[i]])
			return true;
	return false;
}

void yg_mem_store(yg_session *s, const yg_rule *r)
{
	yg_mem *m = yg_session_mem(s);
	if (!m)
		return; /* out of memory: not kept, as when a copy fails */
	store_in(s, m, r, NULL);
	const yg_global_lists *g = yg_rule_state_globals(s->state);
	if (feeds_global(g, r)) {
		yg_session_turn(s);
		store_in(s, yg_session_global_mem(s), r, g->events ? NULL : g);
	}
}

/* ---- the session's table of memories, by agent ---- */

static size_t slot_of(const char *agent, size_t cap)
{
	return yg_hash32_str(agent) & (cap - 1);
}

static bool table_grow(yg_session *s)
{
	size_t cap = s->mems_cap ? s->mems_cap * 2 : 64;
	yg_mem **t = calloc(cap, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < s->mems_cap; i++) {
		for (yg_mem *m = s->mems[i], *n; m; m = n) {
			n = m->next;
			size_t j = slot_of(m->agent, cap);
			m->next = t[j];
			t[j] = m;
		}
	}
	free(s->mems);
	s->mems = t;
	s->mems_cap = cap;
	return true;
}

yg_mem *yg_mem_of(yg_session *s, const char *agent)
{
	if (s->mem && !strcmp(s->mem->agent, agent))
		return s->mem;
	if (s->mems_cap) {
		for (yg_mem *m = s->mems[slot_of(agent, s->mems_cap)]; m; m = m->next)
			if (!strcmp(m->agent, agent))
				return m;
	}
	if ((s->nmems + 1) * 2 > s->mems_cap && !table_grow(s))
		return NULL;
	yg_mem *m = yg_mem_create(s->rs, agent);
	if (!m)
		return NULL;
	size_t j = slot_of(agent, s->mems_cap);
	m->next = s->mems[j];
	s->mems[j] = m;
	s->nmems++;
	return m;
}

void yg_mem_table_free(yg_session *s)
{
	for (size_t i = 0; i < s->mems_cap; i++) {
		for (yg_mem *m = s->mems[i], *n; m; m = n) {
			n = m->next;
			yg_mem_destroy(s->rs, m);
		}
	}
	free(s->mems);
	s->mems = NULL;
	s->mems_cap = s->nmems = 0;
	s->mem = NULL;
}
