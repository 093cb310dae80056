/* decode.h: the decoding phase (Wazuh's DecodeEvent and plugins). */
#ifndef YAGURA_DECODE_H
#define YAGURA_DECODE_H

#include "engine/ruleset_int.h"

/* Runs the decoder tree over ev->log, filling ev->decoder and fields.
 * `trace` (may be NULL) receives one line per decoder step for logtest's
 * verbose output. */
void yg_decode_event(const yg_ruleset *rs, yg_event *ev, yg_match_scratch *scratch);

/* Wazuh's JSON fillData: maps a JSON key onto a static field or appends a
 * dynamic one. */
yg_err yg_event_set_json(yg_event *ev, const char *key, const char *value);

#endif
