/* decode.c: the decoding phase, with Wazuh's exact walk of the decoder tree.
 *
 * A root decoder is chosen from one of two lists (events with a program name
 * only try decoders with <program_name>, the others only those without);
 * then the first child whose prematch matches (or the first child without a
 * prematch) is chosen; then its regex, and the regexes of same-named
 * siblings chained after it (get_next), fill the fields. */
#include "engine/decode.h"
#include "common/yhash.h"
#include "engine/plugins.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of the program-name memo: names kept, and candidates per name. */
#define YG_PN_CACHE_SLOTS 4096
#define YG_PN_MAX_CANDIDATES 256

typedef struct pn_entry {
	char *name;
	const yg_dnode **cands; /* NULL-terminated */
} pn_entry;

struct yg_pn_cache {
	pn_entry slots[YG_PN_CACHE_SLOTS];
	size_t used;
};

struct yg_pn_cache *yg_pn_cache_create(void)
{
	return calloc(1, sizeof(struct yg_pn_cache));
}

static void pn_clear(struct yg_pn_cache *c)
{
	for (size_t i = 0; i < YG_PN_CACHE_SLOTS; i++) {
		free(c->slots[i].name);
		free(c->slots[i].cands);
		c->slots[i].name = NULL;
		c->slots[i].cands = NULL;
	}
	c->used = 0;
}

void yg_pn_cache_destroy(struct yg_pn_cache *c)
{
	if (!c)
		return;
	pn_clear(c);
	free(c);
}

static uint32_t pn_hash(const char *s)
{
	return yg_hash32_str(s);
}

/* The root decoders (with <program_name>) whose pattern matches `pname`,
 * in list order; NULL when the memo cannot hold them. */
static const yg_dnode **pn_candidates(struct yg_pn_cache *c, const yg_ruleset *rs,
                                      const char *pname, yg_match_scratch *scratch)
{
	if (!c)
		return NULL;
	uint32_t h = pn_hash(pname);
	size_t i = h & (YG_PN_CACHE_SLOTS - 1);
	for (size_t probe = 0; probe < YG_PN_CACHE_SLOTS; probe++) {
		pn_entry *e = &c->slots[i];
		if (!e->name)
			break;
		if (!strcmp(e->name, pname))
			return e->cands;
		i = (i + 1) & (YG_PN_CACHE_SLOTS - 1);
	}
	if (c->used * 2 >= YG_PN_CACHE_SLOTS) {
		pn_clear(c);
		i = h & (YG_PN_CACHE_SLOTS - 1);
	}
	const yg_dnode *tmp[YG_PN_MAX_CANDIDATES];
	size_t n = 0;
	for (const yg_dnode *node = rs->dec_pn; node; node = node->next) {
		if (node->dec->program_name &&
		    yg_pattern_exec(node->dec->program_name, pname, scratch, NULL, 0, NULL, NULL)) {
			if (n == YG_PN_MAX_CANDIDATES)
				return NULL;
			tmp[n++] = node;
		}
	}
	pn_entry *e = &c->slots[i];
	e->name = strdup(pname);
	e->cands = calloc(n + 1, sizeof(*e->cands));
	if (!e->name || !e->cands) {
		free(e->name);
		free(e->cands);
		e->name = NULL;
		e->cands = NULL;
		return NULL;
	}
	memcpy(e->cands, tmp, n * sizeof(*tmp));
	c->used++;
	return e->cands;
}

yg_err yg_event_set_json(yg_event *ev, const char *key, const char *value)
{
	static const struct {
		const char *key;
		int sf;
	} map[] = {
	        {"srcip", YG_SF_SRCIP},
	        {"dstip", YG_SF_DSTIP},
	        {"dstport", YG_SF_DSTPORT},
	        {"srcport", YG_SF_SRCPORT},
	        {"protocol", YG_SF_PROTOCOL},
	        {"action", YG_SF_ACTION},
	        {"srcuser", YG_SF_SRCUSER},
	        {"dstuser", YG_SF_DSTUSER},
	        {"id", YG_SF_ID},
	        {"status", YG_SF_STATUS},
	        {"url", YG_SF_URL},
	        {"data", YG_SF_DATA},
	        {"extra_data", YG_SF_EXTRA_DATA},
	        {"systemname", YG_SF_SYSTEMNAME},
	};
	size_t vlen = strlen(value);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(key, map[i].key) == 0) {
			char *v = yg_arena_strndup(ev->arena, value, vlen);
			if (!v)
				return YG_ENOMEM;
			ev->sfields[map[i].sf] = v;
			return YG_OK;
		}
	}
	if (strcmp(key, "user") == 0 &&
	    (!ev->sfields[YG_SF_DSTUSER] || !*ev->sfields[YG_SF_DSTUSER])) {
		char *v = yg_arena_strndup(ev->arena, value, vlen);
		if (!v)
			return YG_ENOMEM;
		ev->sfields[YG_SF_DSTUSER] = v;
		return YG_OK;
	}
	if (ev->nfields >= YG_EVENT_MAX_FIELDS)
		return YG_ELIMIT;
	char *k = yg_arena_strndup(ev->arena, key, strlen(key));
	char *v = yg_arena_strndup(ev->arena, value, vlen);
	if (!k || !v)
		return YG_ENOMEM;
	ev->fields[ev->nfields].key = k;
	ev->fields[ev->nfields].value = v;
	ev->nfields++;
	return YG_OK;
}

static int json_field(void *ctx, const char *key, const char *value)
{
	yg_event_set_json(ctx, key, value);
	return 0;
}

/* Runs `d`'s plugin. Like Wazuh, the offset and JSON options come from the
 * event's current decoder, which is the parent when the child matched
 * without a prematch. */
static void run_plugin(const yg_ruleset *rs, const yg_decoder *d, yg_event *ev)
{
	const yg_decoder *opts = ev->decoder ? ev->decoder : d;
	const char *input;
	switch (opts->plugin_offset) {
	case YG_OFF_AFTER_PARENT: input = ev->log_after_parent; break;
	case YG_OFF_AFTER_PREMATCH: input = ev->log_after_prematch; break;
	default: input = ev->log; break;
	}
	if (!input)
		return;
	switch (d->plugin) {
	case YG_PLUGIN_JSON: yg_json_decode(input, &opts->json, json_field, ev); break;
	/* the others read the whole log, whatever the offset (plugins.h) */
	case YG_PLUGIN_PF: yg_plugin_pf(ev); break;
	case YG_PLUGIN_SYMANTECWS: yg_plugin_symantecws(ev); break;
	case YG_PLUGIN_SONICWALL: yg_plugin_sonicwall(ev); break;
	case YG_PLUGIN_OSSEC_ALERT: yg_plugin_ossec_alert(rs, ev); break;
	case YG_PLUGIN_NONE: break;
	}
}

static void fill_order(const yg_decoder *d, yg_event *ev, const yg_span *caps, int ncaps)
{
	for (int i = 0; i < ncaps && i < d->norder; i++) {
		const yg_order *o = &d->order[i];
		if (o->sfield >= 0) {
			char *v = yg_arena_strndup(ev->arena, caps[i].ptr, caps[i].len);
			if (v)
				ev->sfields[o->sfield] = v;
		} else if (ev->nfields < YG_EVENT_MAX_FIELDS) {
			char *v = yg_arena_strndup(ev->arena, caps[i].ptr, caps[i].len);
			if (v) {
				ev->fields[ev->nfields].key = o->name;
				ev->fields[ev->nfields].value = v;
				ev->nfields++;
			}
		}
	}
}

/* The next root decoder to try: from the memo's candidates when there is
 * one, else the next of the list. */
static const yg_dnode *next_root(const yg_dnode *node, const yg_dnode ***cand)
{
	if (*cand)
		return *++*cand;
	return node->next;
}

/* Whether a root decoder takes the event: its program name (unless the
 * memo already chose the candidates by it) and its prematch. *pmatch is
 * where its children and after_parent offsets start. */
static bool root_matches(const yg_decoder *nd, const yg_event *ev, bool from_memo,
                         yg_match_scratch *scratch, const char **pmatch)
{
	*pmatch = NULL;
	if (ev->program_name) {
		if (!from_memo &&
		    (!nd->program_name || !yg_pattern_exec(nd->program_name, ev->program_name,
		                                           scratch, NULL, 0, NULL, NULL)))
			return false;
		*pmatch = ev->log;
	}
	if (nd->prematch) {
		const char *end = NULL;
		if (!yg_pattern_exec(nd->prematch, ev->log, scratch, NULL, 0, NULL, &end))
			return false;
		*pmatch = end ? end : ev->log;
	}
	return true;
}

/* The first child of a matching root that takes the event (a child
 * without prematch always does), or the root itself when it has none;
 * NULL when no child does. Siblings chained with get_next are tried as
 * one. *cmatch is where after_prematch offsets start. */
static const yg_dnode *pick_child(const yg_dnode *node, yg_event *ev, const char *pmatch,
                                  yg_match_scratch *scratch, const char **cmatch)
{
	const yg_dnode *child = node->child;
	if (!child)
		return node;
	while (child) {
		const yg_decoder *cd = child->dec;
		if (!cd->prematch) {
			*cmatch = pmatch;
			return child;
		}
		const char *in = (cd->prematch_offset & YG_OFF_AFTER_PARENT) ? pmatch : ev->log;
		const char *end = NULL;
		if (in && yg_pattern_exec(cd->prematch, in, scratch, NULL, 0, NULL, &end)) {
			*cmatch = end ? end : in;
			ev->decoder = cd;
			ev->log_after_parent = pmatch;
			ev->log_after_prematch = *cmatch;
			return child;
		}
		if (cd->get_next) {
			do {
				child = child->next;
			} while (child && child->dec->get_next);
			if (!child)
				return NULL;
		}
		child = child->next;
	}
	return NULL;
}

/* Runs the chosen decoder's plugin or regex, then those of the siblings
 * chained to it with get_next (a failing regex passes on to the next). */
static void run_chain(const yg_ruleset *rs, yg_event *ev, const yg_dnode *child, const char *pmatch,
                      const char *cmatch, yg_match_scratch *scratch)
{
	yg_span caps[YG_DECODER_MAX_ORDER];
	const char *regex_prev = NULL;
	const yg_decoder *nd = child->dec;
	while (child) {
		if (nd->plugin) {
			run_plugin(rs, nd, ev);
		} else if (nd->regex) {
			const char *in;
			if (nd->regex_offset & YG_OFF_AFTER_PARENT)
				in = pmatch;
			else if (nd->regex_offset & YG_OFF_AFTER_PREMATCH)
				in = cmatch;
			else if (nd->regex_offset & YG_OFF_AFTER_REGEX)
				in = regex_prev ? regex_prev : cmatch;
			else
				in = ev->log;
			int ncaps = 0;
			const char *end = NULL;
			if (!in || !yg_pattern_exec(nd->regex, in, scratch, caps,
			                            YG_DECODER_MAX_ORDER, &ncaps, &end)) {
				if (nd->get_next && child->next) {
					child = child->next;
					nd = child->dec;
					continue;
				}
				return;
			}
			regex_prev = end ? end : in;
			fill_order(nd, ev, caps, ncaps);
		} else {
			return;
		}
		if (!nd->get_next || !child->next)
			return;
		child = child->next;
		nd = child->dec;
	}
}

void yg_decode_event(const yg_ruleset *rs, yg_event *ev, yg_match_scratch *scratch,
                     struct yg_pn_cache *cache)
{
	const yg_dnode *node = ev->program_name ? rs->dec_pn : rs->dec_nopn;
	const yg_dnode **cand = NULL;
	if (ev->program_name) {
		cand = pn_candidates(cache, rs, ev->program_name, scratch);
		if (cand)
			node = *cand;
	}
	/* The first root that takes the event decides: it, or its child, or
	 * nothing more. */
	for (; node; node = next_root(node, &cand)) {
		const char *pmatch, *cmatch = NULL;
		if (!root_matches(node->dec, ev, cand != NULL, scratch, &pmatch))
			continue;
		ev->decoder = node->dec;
		ev->log_after_prematch = pmatch;
		const yg_dnode *child = pick_child(node, ev, pmatch, scratch, &cmatch);
		if (child)
			run_chain(rs, ev, child, pmatch, cmatch, scratch);
		return;
	}
}
