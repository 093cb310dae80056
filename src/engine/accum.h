/* accum.h: Wazuh's accumulator (decoders with <accumulate/>).
 *
 * Some programs spread one transaction over several lines that share an id
 * (OpenLDAP's "conn=1068": the address is on the ACCEPT line, the user on
 * BIND, the outcome on RESULT). For an event whose decoder accumulates and
 * that has an `id`, the accumulator keeps, per (host, decoder name, id),
 * the first non-empty dstuser, srcuser, dstip, srcip, dstport, srcport and
 * data seen (values of 1..80 bytes), and fills the ones the event lacks.
 * An entry not refreshed for 120 s is forgotten; every 200 lookups the old
 * entries are purged. Time is the event's `now` (the wall clock, or the
 * event's own time in replay), where Wazuh reads the wall clock. The host
 * is the agent ("[001]") for agents' events, as Wazuh's hostname is the
 * agent's name for them, else the hostname.
 *
 * Thread-safe (one lock), so sessions side by side share one, as Wazuh's
 * analysis threads share theirs. At most YG_ACCUM_MAX_ENTRIES entries: when
 * full, an id not yet known is not remembered. */
#ifndef YAGURA_ACCUM_H
#define YAGURA_ACCUM_H

#include <time.h>

#include "engine/event.h"

#define YG_ACCUM_MAX_ENTRIES 65536

typedef struct yg_accum yg_accum;

yg_accum *yg_accum_create(void);
void yg_accum_destroy(yg_accum *a);

/* Merges ev with what is known for its id and remembers what ev adds.
 * `decoder_name` is the name the decoder reports. */
void yg_accum_apply(yg_accum *a, yg_event *ev, const char *decoder_name, time_t now);

#endif
