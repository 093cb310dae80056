/* decode.h: the decoding phase (Wazuh's DecodeEvent and plugins). */
#ifndef YAGURA_DECODE_H
#define YAGURA_DECODE_H

#include "engine/ruleset_int.h"

struct yg_pn_cache;

/* Runs the decoder tree over ev->log, filling ev->decoder and fields.
 * `trace` (may be NULL) receives one line per decoder step for logtest's
 * verbose output. */
void yg_decode_event(const yg_ruleset *rs, yg_event *ev, yg_match_scratch *scratch,
                     struct yg_pn_cache *cache);

/* A per-session memo of which root decoders' <program_name> match a given
 * program name: the answer depends on the name alone, and a host has few
 * distinct program names, so the scan over ~1,000 root decoders is done
 * once per name instead of once per event. */
struct yg_pn_cache *yg_pn_cache_create(void);
void yg_pn_cache_destroy(struct yg_pn_cache *c);

/* Wazuh's JSON fillData: maps a JSON key onto a static field or appends a
 * dynamic one. */
yg_err yg_event_set_json(yg_event *ev, const char *key, const char *value);

#endif
