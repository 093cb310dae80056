/* predecode.h: the syslog header pre-decoding Wazuh does before decoders.
 *
 * Given one raw log line (what Wazuh calls the message once its location
 * part is split off), finds the timestamp (every format Wazuh's OS_CleanMSG
 * knows, including ISO 8601 such as `2024-09-01T00:00:00.000000+09:00`),
 * hostname, program name and pid, and where the message proper starts.
 * Nothing is copied: the result is spans into the line. No I/O, no
 * allocation, reentrant.
 *
 * Like Wazuh, it does not strip a `<pri>` prefix (remoted does that for
 * syslog sockets before analysisd sees the line). The hostname reported for
 * an agent's event comes from its location, not from here: that is the
 * caller's business, as is falling back to the manager's name when the
 * hostname is absent. */
#ifndef YAGURA_PREDECODE_H
#define YAGURA_PREDECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/osregex.h" /* yg_span */

/* A span with ptr NULL is absent (Wazuh's NULL). A span with ptr set and
 * len 0 is present but empty: Wazuh can produce an empty program_name (e.g.
 * `host : msg`), which still selects the decoders that need a program name,
 * and an empty hostname. */
typedef struct yg_predecoded {
	const char *message; /* where decoders start (lf->log in Wazuh) */
	size_t message_len;  /* its length: Wazuh cuts some messages short (OS X
	                      * ASL `[Message ...]`, a broken AIX header), so
	                      * message[message_len] is not always the NUL */
	yg_span timestamp;   /* lf->dec_timestamp */
	yg_span hostname;
	yg_span program_name;
	yg_span pid; /* the digits of `prog[pid]:`; Wazuh keeps no pid */
} yg_predecoded;

/* Pre-decodes `line` (NUL-terminated). Always fills *out: when no header
 * is recognised, message is the whole line and the spans are absent.
 * Returns true when one of Wazuh's timestamp formats was recognised (the
 * hostname and program name may still be absent). */
bool yg_syslog_predecode(const char *line, yg_predecoded *out);

#endif
