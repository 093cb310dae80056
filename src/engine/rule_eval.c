/* rule_eval.c: matching one event against the rule tree (Wazuh's
 * OS_CheckIfRuleMatch and the Search_Last* correlation functions).
 *
 * The order of checks is Wazuh's, and so are its quirks: a field a rule tests
 * but the event lacks fails the rule; a noalert rule whose children do not
 * match lets its siblings be tried; the first matching child wins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/diffstore.h"
#include "engine/session_int.h"

static bool test_field(const yg_pattern *p, const char *value, yg_match_scratch *sc)
{
	if (!value)
		return false;
	return yg_pattern_exec(p, value, sc, NULL, 0, NULL, NULL) != yg_pattern_negated(p);
}

/* Wazuh's OS_DBSearch on one <list>. */
static bool list_search(const yg_rule_list *l, const char *key)
{
	const char *val = NULL;
	switch (l->lookup) {
	case YG_LR_MATCH_KEY: return yg_list_get(l->list, key, NULL);
	case YG_LR_NOT_MATCH_KEY: return !yg_list_get(l->list, key, NULL);
	case YG_LR_MATCH_KEY_VALUE:
		if (!yg_list_get(l->list, key, &val))
			return false;
		return l->check_value
		               ? yg_pattern_exec(l->check_value, val, NULL, NULL, 0, NULL, NULL)
		               : true;
	case YG_LR_ADDRESS_MATCH_KEY: return yg_list_get_address(l->list, key, NULL);
	case YG_LR_NOT_ADDRESS_MATCH_KEY: return !yg_list_get_address(l->list, key, NULL);
	case YG_LR_ADDRESS_MATCH_KEY_VALUE: {
		/* Wazuh's OS_DBSearch inverts this lookup: it succeeds when the
		 * address is not listed or its value does not match. Kept for
		 * compatibility; docs/compat.md says so. */
		bool hit = yg_list_get_address(l->list, key, &val) && l->check_value &&
		           yg_pattern_exec(l->check_value, val, NULL, NULL, 0, NULL, NULL);
		return !hit;
	}
	}
	return false;
}

static bool lists_match(const yg_rule *r, const yg_event *ev)
{
	for (const yg_rule_list *l = r->lists; l; l = l->next) {
		const char *v;
		switch (l->field) {
		case YG_LF_USER:
			v = ev->sfields[YG_SF_SRCUSER] ? ev->sfields[YG_SF_SRCUSER]
			                               : ev->sfields[YG_SF_DSTUSER];
			break;
		case YG_LF_HOSTNAME: v = ev->hostname; break;
		case YG_LF_PROGRAM_NAME: v = ev->program_name; break;
		case YG_LF_DYNAMIC: v = l->dfield ? yg_event_find(ev, l->dfield) : NULL; break;
		default:
			v = (l->field >= 0 && l->field < YG_SF_COUNT) ? ev->sfields[l->field]
			                                              : NULL;
		}
		if (!v || !list_search(l, v))
			return false;
	}
	return true;
}

/* FTS key as Wazuh builds it. */
static bool fts_check(yg_session *s, const yg_event *ev)
{
	const yg_decoder *d = ev->decoder;
	char key[4096];
	const char *const *sf = (const char *const *)ev->sfields;
#define F(bit, f) ((sf[f] && (d->fts & (bit))) ? sf[f] : "")
	int n = snprintf(key, sizeof(key), "%s %s %s %s %s %s %s %s %s", d->report_name,
	                 F(YG_FTS_ID, YG_SF_ID), F(YG_FTS_DSTUSER, YG_SF_DSTUSER),
	                 F(YG_FTS_SRCUSER, YG_SF_SRCUSER), F(YG_FTS_SRCIP, YG_SF_SRCIP),
	                 F(YG_FTS_DSTIP, YG_SF_DSTIP), F(YG_FTS_DATA, YG_SF_DATA),
	                 F(YG_FTS_SYSTEMNAME, YG_SF_SYSTEMNAME),
	                 (d->fts & YG_FTS_LOCATION) ? ev->location : "");
#undef F
	if (n < 0)
		return false;
	yg_session_turn(s); /* the set is shared by every agent's events */
	size_t len = (size_t)n < sizeof(key) ? (size_t)n : sizeof(key) - 1;
	for (int i = 0; i < d->norder; i++) {
		if (!d->fts_fields[i] || !d->order[i].name)
			continue;
		const char *f = yg_event_find(ev, d->order[i].name);
		if (!f)
			continue;
		int m = snprintf(key + len, sizeof(key) - len, " %s", f);
		if (m < 0)
			break;
		len += (size_t)m;
		if (len >= sizeof(key)) {
			len = sizeof(key) - 1;
			break;
		}
	}
	return yg_fts_check_and_add(s, key);
}

static const char *stored_find(const yg_stored *st, const char *key)
{
	for (int i = 0; i < st->nfields; i++)
		if (strcasecmp(st->fkeys[i], key) == 0)
			return st->fvals[i];
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The field comparisons shared by all three searches. Returns false when
 * the stored event `st` does not qualify. */
static bool fields_qualify(const yg_rule *r, const yg_event *ev, const yg_stored *st,
                           bool gate_extrainfo)
{
	if ((r->same_field & (1u << YG_SF_ID)) &&
	    !same_str(st->sfields[YG_SF_ID], ev->sfields[YG_SF_ID]))
		return false;
	if ((r->same_field & (1u << YG_SF_SRCIP)) &&
	    !same_str(st->sfields[YG_SF_SRCIP], ev->sfields[YG_SF_SRCIP]))
		return false;
	if (r->nsame_fields) {
		if (ev->nfields == 0 || st->nfields == 0)
			return false;
		for (size_t i = 0; i < r->nsame_fields; i++) {
			const char *mine = yg_event_find(ev, r->same_fields[i]);
			if (!mine || !same_str(stored_find(st, r->same_fields[i]), mine))
				return false;
		}
	}
	if (r->nnot_same_fields) {
		if (ev->nfields == 0 && st->nfields == 0)
			return false;
		for (size_t i = 0; i < r->nnot_same_fields; i++) {
			const char *mine = yg_event_find(ev, r->not_same_fields[i]);
			if (mine && same_str(stored_find(st, r->not_same_fields[i]), mine))
				return false;
		}
	}
	if (!gate_extrainfo || (r->opts & YG_RO_SAME_EXTRAINFO)) {
		for (int f = 2; f < YG_SF_COUNT; f++) {
			if (!(r->same_field & (1u << f)))
				continue;
			const char *a = f == YG_SF_LOCATION ? st->sfields[f] : st->sfields[f];
			const char *b = f == YG_SF_LOCATION ? ev->location : ev->sfields[f];
			if (!same_str(a, b))
				return false;
		}
		for (int f = 0; f < YG_SF_COUNT; f++) {
			if (!(r->different_field & (1u << f)))
				continue;
			const char *b = f == YG_SF_LOCATION ? ev->location : ev->sfields[f];
			if (same_str(st->sfields[f], b))
				return false;
		}
	}
	return true;
}

/* Walks `ring` newest first; Wazuh's Search_LastSids/Groups/Events. */
static bool search(yg_session *s, const yg_rule *r, yg_ring *ring, int kind, time_t now)
{
	const yg_event *ev = &s->ev;
	int count = 0;
	yg_stored *first = NULL;
	for (size_t k = ring->n; k-- > 0;) {
		yg_stored *st = yg_ring_at(ring, k);
		if (now - st->time > r->timeframe)
			return false;
		if (!r->global_frequency && !same_str(st->agent_id, ev->agent_id))
			continue;
		if (kind == YG_SEARCH_EVENTS) {
			/* Wazuh compares the two events' decoders' types, which
			 * SonicWall_Decoder rewrites in the decoder itself: events
			 * of one decoder always compare equal */
			if (st->decoder != ev->decoder && st->dtype != ev->type)
				continue;
			if (r->if_matched_regex &&
			    !yg_pattern_exec(r->if_matched_regex, st->log, s->scratch, NULL, 0,
			                     NULL, NULL))
				continue;
		}
		if (!fields_qualify(r, ev, st, kind != YG_SEARCH_EVENTS))
			continue;
		if (st->matched >= r->level)
			return false;
		if (count <= 10 && kind != YG_SEARCH_EVENTS)
			yg_session_note_last_event(s, st->full_log);
		if (count < r->frequency) {
			if (kind == YG_SEARCH_EVENTS && count <= 10)
				yg_session_note_last_event(s, st->full_log);
			count++;
			if (!first)
				first = st;
			continue;
		}
		/* Wazuh marks the current event and the newest counted one, so
		 * neither triggers this rule (or a lower one) again. */
		s->cur_matched = r->level;
		if (first)
			first->matched = r->level;
		return true;
	}
	return false;
}

static bool context_match(yg_session *s, const yg_rule *r)
{
	time_t now = s->ev.time;
	bool ok = false;
	switch (r->search) {
	case YG_SEARCH_SIDS:
	case YG_SEARCH_GROUPS:
	case YG_SEARCH_EVENTS: break;
	default: return true;
	}
	yg_mem *m = yg_session_mem(s);
	if (r->global_frequency) {
		/* every agent's events: in input order, under the turn */
		yg_session_turn(s);
		m = yg_session_global_mem(s);
	}
	if (!m || !m->sid_lists) /* nothing stored yet (or out of memory) */
		ok = false;
	else if (r->search == YG_SEARCH_SIDS)
		ok = r->sid_list >= 0 &&
		     search(s, r, &m->sid_lists[r->sid_list], YG_SEARCH_SIDS, now);
	else if (r->search == YG_SEARCH_GROUPS)
		ok = search(s, r, &m->group_lists[r->group_list], YG_SEARCH_GROUPS, now);
	else
		ok = search(s, r, &m->events, YG_SEARCH_EVENTS, now);
	if (!ok)
		yg_session_clear_last_events(s);
	return ok;
}

static bool in_time(const yg_rule *r, const yg_event *ev)
{
	bool in = ev->hour_min >= r->time_start && ev->hour_min <= r->time_end;
	return in != r->time_negate;
}

/* Wazuh's doDiff: the log against the last one of this host and rule. As in
 * Wazuh it runs (and remembers the log) whenever the rule gets this far,
 * even if a later test fails. */
static bool diff_check(yg_session *s, const yg_rule *r)
{
	const yg_event *ev = &s->ev;
	if (ev->size >= YG_DIFF_MAX_OUTPUT)
		return false;
	yg_diff_store *d = yg_session_diff_store(s);
	if (!d)
		return false;
	yg_session_turn(s); /* the store's budget is shared by every host */
	/* agents by id, written as in Wazuh's locations ("[001]") so that no
	 * local hostname can be taken for one */
	char agent[64];
	const char *host = ev->hostname ? ev->hostname : "";
	if (ev->agent_id && strcmp(ev->agent_id, "000") != 0) {
		snprintf(agent, sizeof(agent), "[%s]", ev->agent_id);
		host = agent;
	}
	char *prev = NULL;
	if (!yg_diff_store_check(d, host, r->sigid, ev->log, ev->size, &prev))
		return false;
	yg_session_note_last_event(s, "Previous output:");
	yg_session_note_last_event(s, prev ? prev : "");
	free(s->previous);
	s->previous = prev;
	return true;
}

/* The tests of one rule, in Wazuh's order. */
static bool rule_matches(yg_session *s, const yg_rule *r)
{
	const yg_event *ev = &s->ev;
	yg_match_scratch *sc = s->scratch;

	if (r->decoded_as && r->decoded_as != ev->decoder->id)
		return false;
	if (r->program_name && !test_field(r->program_name, ev->program_name, sc))
		return false;
	if (r->id && !test_field(r->id, ev->sfields[YG_SF_ID], sc))
		return false;
	if (r->system_name && !test_field(r->system_name, ev->sfields[YG_SF_SYSTEMNAME], sc))
		return false;
	if (r->protocol && !test_field(r->protocol, ev->sfields[YG_SF_PROTOCOL], sc))
		return false;
	if (r->match && !test_field(r->match, ev->log, sc))
		return false;
	if (r->regex && !test_field(r->regex, ev->log, sc))
		return false;
	if (r->action && !test_field(r->action, ev->sfields[YG_SF_ACTION], sc))
		return false;
	if (r->url && !test_field(r->url, ev->sfields[YG_SF_URL], sc))
		return false;
	if (r->location && !test_field(r->location, ev->location, sc))
		return false;
	for (size_t i = 0; i < r->nfields; i++)
		if (!test_field(r->fields[i].pat, yg_event_find(ev, r->fields[i].name), sc))
			return false;
	if (r->opts & YG_RO_PACKETINFO) {
		if (r->srcip && !test_field(r->srcip, ev->sfields[YG_SF_SRCIP], sc))
			return false;
		if (r->dstip && !test_field(r->dstip, ev->sfields[YG_SF_DSTIP], sc))
			return false;
		if (r->srcport && !test_field(r->srcport, ev->sfields[YG_SF_SRCPORT], sc))
			return false;
		if (r->dstport && !test_field(r->dstport, ev->sfields[YG_SF_DSTPORT], sc))
			return false;
	}
	if (r->opts & YG_RO_EXTRAINFO) {
		if (r->compiled && !r->compiled(ev))
			return false;
		if (r->user) {
			const char *u = ev->sfields[YG_SF_DSTUSER] ? ev->sfields[YG_SF_DSTUSER]
			                                           : ev->sfields[YG_SF_SRCUSER];
			if (!test_field(r->user, u, sc))
				return false;
		}
		if (r->srcgeoip && !test_field(r->srcgeoip, ev->sfields[YG_SF_SRCGEOIP], sc))
			return false;
		if (r->dstgeoip && !test_field(r->dstgeoip, ev->sfields[YG_SF_DSTGEOIP], sc))
			return false;
		if (r->maxsize && ev->size < (size_t)r->maxsize)
			return false;
		if (r->has_time && !in_time(r, ev))
			return false;
		if (r->weekdays && !(r->weekdays & (1u << ev->wday)))
			return false;
		if (r->data && !test_field(r->data, ev->sfields[YG_SF_DATA], sc))
			return false;
		if (r->extra_data && !test_field(r->extra_data, ev->sfields[YG_SF_EXTRA_DATA], sc))
			return false;
		if (r->hostname && !test_field(r->hostname, ev->hostname, sc))
			return false;
		if (r->status && !test_field(r->status, ev->sfields[YG_SF_STATUS], sc))
			return false;
		if (r->check_diff && !diff_check(s, r))
			return false;
	}
	if (r->opts & YG_RO_FTS) {
		if (!ev->decoder->fts || !fts_check(s, ev))
			return false;
	}
	if (r->lists && !lists_match(r, ev))
		return false;
	if (r->context && !r->check_diff && r->search != YG_SEARCH_NONE) {
		if (!context_match(s, r))
			return false;
	}
	return true;
}

const yg_rule *yg_rule_check(yg_session *s, const yg_rnode *node)
{
	const yg_rule *r = node->rule;
	if (!rule_matches(s, r))
		return NULL;
	if (node->dispatch) {
		const yg_rnode *const *kids =
		        yg_dispatch_children(node->dispatch, s->ev.decoder->id);
		for (; *kids; kids++) {
			const yg_rule *m = yg_rule_check(s, *kids);
			if (m)
				return m;
		}
	} else {
		for (const yg_rnode *c = node->child; c; c = c->next) {
			const yg_rule *m = yg_rule_check(s, c);
			if (m)
				return m;
		}
	}
	if (r->opts & YG_RO_NO_ALERT)
		return NULL;
	if (s->defer_fired)
		s->fired = 0; /* the caller counts, in input order */
	else
		s->fired = atomic_fetch_add_explicit(&s->firedtimes[r->index], 1,
		                                     memory_order_relaxed) +
		           1;
	return r;
}
