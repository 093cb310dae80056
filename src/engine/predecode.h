/* predecode.h: the syslog header pre-decoding Wazuh does before decoders.
 *
 * Given one raw log line, finds the timestamp (every format Wazuh's
 * OS_CleanMSG knows, including ISO 8601 such as
 * `2024-09-01T00:00:00.000000+09:00`), hostname, program name and pid, and
 * where the message proper starts. Nothing is copied: the result is spans
 * into the line. No I/O, no allocation, reentrant. */
#ifndef YAGURA_PREDECODE_H
#define YAGURA_PREDECODE_H

#include <stdbool.h>

#include "engine/osregex.h" /* yg_span */

typedef struct yg_predecoded {
	const char *message;   /* where decoders start (lf->log in Wazuh) */
	yg_span timestamp;     /* empty (ptr NULL) when absent */
	yg_span hostname;
	yg_span program_name;
	yg_span pid;
} yg_predecoded;

/* Pre-decodes `line` (NUL-terminated). Always fills *out: when no header
 * is recognised, message is the whole line and the spans are empty. Returns
 * true when a header was recognised. */
bool yg_syslog_predecode(const char *line, yg_predecoded *out);

#endif
