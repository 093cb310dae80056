/* evrec.h: one engine input (yg_input) as bytes, and back.
 *
 * An agent's events cross the disk spool and the network as these records;
 * the manager decodes them into the yg_input it offers to its pipeline. The
 * agent's identity is not in the record: the manager knows which agent a
 * connection belongs to and fills agent_id/name/ip itself, so an agent
 * cannot claim to be another.
 *
 * Layout (integers big-endian):
 *   u8 version (1) | u8 flags (bit 0: no_predecode, bit 1: labels) | i64 time
 *   str location | str log | str decoded_as | u16 nfields | nfields x (str key, str value)
 *   [bit 1 only: u16 nlabels (1..64) | nlabels x (u8 bit 0 hidden, str key, str value)]
 * where str = u32 length + bytes (no NUL byte inside; length 0 means
 * "absent" for decoded_as). A record without labels is the same bytes as
 * before labels existed. The agent's <labels> travel in every record, so
 * each event carries the labels of the moment it was made, through the
 * spool, a restart or a fail-over to another manager. */
#ifndef YAGURA_ENGINE_EVREC_H
#define YAGURA_ENGINE_EVREC_H

#include <stddef.h>

#include "common/ybuf.h"
#include "common/yerr.h"
#include "engine/engine.h"

#define YG_EVREC_MAX_FIELDS 256
#define YG_EVREC_MAX_LABELS 64

/* Appends in's record to out. Only location, log, no_predecode, now,
 * decoded_as, fields and labels are kept. YG_EINVAL when there are too many
 * fields or labels; YG_ELIMIT when out is full. */
yg_err yg_evrec_encode(const yg_input *in, yg_buf *out);

/* Scratch space a decoded record points into. */
typedef struct yg_evrec {
	yg_kv fields[YG_EVREC_MAX_FIELDS];
	yg_label labels[YG_EVREC_MAX_LABELS];
	char *text; /* the record's strings, NUL-terminated */
	size_t cap;
} yg_evrec;

void yg_evrec_init(yg_evrec *r);
void yg_evrec_free(yg_evrec *r);

/* Decodes len bytes into *in (agent id/name/ip NULL, alert_seq 0); the strings
 * live in r until the next decode. YG_EPARSE for anything malformed
 * (truncated, trailing bytes, a NUL inside a string, unknown version),
 * YG_ENOMEM. */
yg_err yg_evrec_decode(yg_evrec *r, const void *data, size_t len, yg_input *in);

#endif
