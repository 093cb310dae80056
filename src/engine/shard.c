/* shard.c: which of n workers an event goes to.
 *
 * Stateful rules (frequency, if_matched_sid, same_source_ip...) correlate
 * events of one source, so events of one source must meet in one session.
 * The first dotted quad of a line is nearly always its source address, so it
 * is the key; lines without one are spread by their first 40 bytes. */
#include <stdint.h>

#include "common/yhash.h"
#include "engine/engine.h"

unsigned yg_event_shard(const char *s, unsigned n)
{
	if (n <= 1)
		return 0;
	uint32_t h = YG_HASH32_INIT;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9' &&
		    (p == s || !((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'))) {
			const char *q = p;
			int dots = 0, digits = 0;
			while ((*q >= '0' && *q <= '9') || *q == '.') {
				if (*q == '.') {
					if (!digits)
						break;
					dots++;
					digits = 0;
				} else {
					digits++;
				}
				q++;
			}
			if (dots == 3 && digits) {
				for (const char *k = p; k < q; k++)
					h = yg_hash32_byte(h, (unsigned char)*k);
				return h % n;
			}
			p = q - 1;
		}
	}
	for (const char *p = s; *p && p - s < 40; p++)
		h = yg_hash32_byte(h, (unsigned char)*p);
	return h % n;
}
