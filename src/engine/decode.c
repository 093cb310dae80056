/* decode.c: the decoding phase, with Wazuh's exact walk of the decoder tree.
 *
 * A root decoder is chosen from one of two lists (events with a program name
 * only try decoders with <program_name>, the others only those without);
 * then the first child whose prematch matches (or the first child without a
 * prematch) is chosen; then its regex, and the regexes of same-named
 * siblings chained after it (get_next), fill the fields. */
#include "engine/decode.h"

#include <string.h>


yg_err yg_event_set_json(yg_event *ev, const char *key, const char *value)
{
	static const struct {
		const char *key;
		int sf;
	} map[] = {
		{"srcip", YG_SF_SRCIP},     {"dstip", YG_SF_DSTIP},
		{"dstport", YG_SF_DSTPORT}, {"srcport", YG_SF_SRCPORT},
		{"protocol", YG_SF_PROTOCOL}, {"action", YG_SF_ACTION},
		{"srcuser", YG_SF_SRCUSER}, {"dstuser", YG_SF_DSTUSER},
		{"id", YG_SF_ID},           {"status", YG_SF_STATUS},
		{"url", YG_SF_URL},         {"data", YG_SF_DATA},
		{"extra_data", YG_SF_EXTRA_DATA}, {"systemname", YG_SF_SYSTEMNAME},
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
static void run_plugin(const yg_decoder *d, yg_event *ev)
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
	case YG_PLUGIN_JSON:
		yg_json_decode(input, &opts->json, json_field, ev);
		break;
	default:
		/* The other plugins (PF, SonicWall, SymantecWS, OSSEC alerts) are
		 * not implemented; such events decode with no fields. */
		break;
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

void yg_decode_event(const yg_ruleset *rs, yg_event *ev, yg_match_scratch *scratch)
{
	yg_span caps[YG_DECODER_MAX_ORDER];
	const yg_dnode *node = ev->program_name ? rs->dec_pn : rs->dec_nopn;

	for (; node; node = node->next) {
		const yg_decoder *nd = node->dec;
		const char *pmatch = NULL, *cmatch = NULL, *regex_prev = NULL, *end = NULL;

		if (ev->program_name) {
			if (!nd->program_name ||
			    !yg_pattern_exec(nd->program_name, ev->program_name, scratch, NULL, 0,
					     NULL, NULL))
				continue;
			pmatch = ev->log;
		}
		if (nd->prematch) {
			end = NULL;
			if (!yg_pattern_exec(nd->prematch, ev->log, scratch, NULL, 0, NULL, &end))
				continue;
			pmatch = end ? end : ev->log;
		}
		ev->decoder = nd;
		ev->log_after_prematch = pmatch;

		const yg_dnode *child = node->child;
		if (!child) {
			child = node;
		} else {
			nd = NULL;
			while (child) {
				const yg_decoder *cd = child->dec;
				if (cd->prematch) {
					const char *in = (cd->prematch_offset & YG_OFF_AFTER_PARENT) ? pmatch
												  : ev->log;
					end = NULL;
					if (in && yg_pattern_exec(cd->prematch, in, scratch, NULL, 0, NULL,
								  &end)) {
						cmatch = end ? end : in;
						ev->decoder = cd;
						ev->log_after_parent = pmatch;
						ev->log_after_prematch = cmatch;
						nd = cd;
						break;
					}
				} else {
					cmatch = pmatch;
					nd = cd;
					break;
				}
				if (cd->get_next) {
					do {
						child = child->next;
					} while (child && child->dec->get_next);
					if (!child)
						return;
				}
				child = child->next;
			}
		}
		if (!nd)
			return;

		while (child) {
			if (nd->plugin) {
				run_plugin(nd, ev);
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
				end = NULL;
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
			if (nd->get_next && child->next) {
				child = child->next;
				nd = child->dec;
			} else {
				return;
			}
		}
		return;
	}
}
