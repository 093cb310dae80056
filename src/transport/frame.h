/* frame.h: the wire format between agents and the manager.
 *
 * Every message is a frame:   [u32 length, big-endian][u8 type][payload]
 * where length counts the type byte and the payload (so length >= 1) and
 * may be at most YG_FRAME_MAX (1 MiB). A larger length, a length of 0 or an
 * unknown type is a protocol error: the receiver sends ERROR and closes.
 * Integers inside payloads are big-endian. docs/transport.md has the table.
 *
 *   yg_frame_dec   incremental decoder: feed it any bytes, take whole frames
 *   yg_frame_*     encoders into a yg_buf, parsers of typed payloads
 *
 * Nothing here allocates per record or trusts a length it has not checked
 * against the bytes it holds. */
#ifndef YAGURA_TRANSPORT_FRAME_H
#define YAGURA_TRANSPORT_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ybuf.h"
#include "common/yerr.h"
#include "transport/tcommon.h"

#define YG_FRAME_MAX (1024u * 1024u) /* type + payload */
#define YG_FRAME_HDR 5u              /* length + type */
/* The largest EVENTS record that fits a frame alone: 1 MiB minus the type,
 * first_seq, count and the record's own length. */
#define YG_FRAME_MAX_RECORD (YG_FRAME_MAX - 1u - 8u - 4u - 4u)

/* 6 was AR_RESULT (agent->manager): removed, active-response results travel
 * only as spooled events; it is an unknown type now and is not reused. */
typedef enum yg_frame_type {
	YG_FRAME_HELLO = 1,       /* agent->manager: JSON {"name","version"} */
	YG_FRAME_EVENTS = 2,      /* agent->manager: u64 first_seq, u32 count, records */
	YG_FRAME_ACK = 3,         /* manager->agent: u64 seq (all <= seq committed) */
	YG_FRAME_KEEPALIVE = 4,   /* agent->manager: JSON {"version",...stats} */
	YG_FRAME_AR_REQUEST = 5,  /* manager->agent: u64 req_id + JSON */
	YG_FRAME_ERROR = 7,       /* either way: UTF-8 text, then the sender closes */
	YG_FRAME_ENROLL_REQ = 8,  /* enrolment: JSON {"name","password"|"token","csr"} */
	YG_FRAME_ENROLL_RESP = 9, /* enrolment: JSON {"id","name","cert","ca"}|{"error"} */
} yg_frame_type;

/* A decoded frame; payload points into the decoder (or the caller's bytes)
 * and is valid until the next call on the decoder. */
typedef struct yg_frame {
	uint8_t type;
	const uint8_t *payload;
	size_t len;
} yg_frame;

/* A static name for a type ("EVENTS"), "?" for an unknown one. */
const char *yg_frame_type_name(uint8_t type);

/* Looks at the first `avail` bytes of a contiguous buffer. Returns:
 * YG_OK: a whole frame is there; *out describes it and *total is its size
 *   including the header; YG_ENOTFOUND: not enough bytes yet (*total, when
 *   the header is complete, is the size needed); YG_EPARSE / YG_ELIMIT: a bad
 *   header (unknown type, zero or over-long length); *why says which. */
yg_err yg_frame_peek(const uint8_t *buf, size_t avail, yg_frame *out, size_t *total,
                     const char **why);

/* ---- incremental decoder ---- */

typedef struct yg_frame_dec yg_frame_dec;

yg_frame_dec *yg_frame_dec_create(void);
void yg_frame_dec_destroy(yg_frame_dec *d);
/* Takes bytes up to the end of the frame being assembled (so the decoder
 * never holds more than one frame, at most YG_FRAME_MAX + 4 bytes); *used
 * gets how many were taken. Once a frame is complete, feed takes nothing
 * until yg_frame_dec_next() has returned it: loop feed/next. Returns the
 * sticky protocol error once the header is known to be bad. */
yg_err yg_frame_dec_feed(yg_frame_dec *d, const void *data, size_t len, size_t *used);
/* Takes the next whole frame: YG_OK (frame in *out, valid until the next
 * call), YG_ENOTFOUND (need more bytes), or a sticky protocol error whose
 * reason yg_frame_dec_error() gives. */
yg_err yg_frame_dec_next(yg_frame_dec *d, yg_frame *out);
const char *yg_frame_dec_error(const yg_frame_dec *d);

/* ---- encoding (into a yg_buf whose max is at least YG_FRAME_MAX + 4) ---- */

/* Starts a frame of `type` at the end of b; returns its offset for end(). */
yg_err yg_frame_begin(yg_buf *b, uint8_t type, size_t *start);
yg_err yg_frame_put_u32(yg_buf *b, uint32_t v);
yg_err yg_frame_put_u64(yg_buf *b, uint64_t v);
/* Closes the frame started at `start`: writes its length. YG_ELIMIT (and the
 * frame removed from b) if it exceeds YG_FRAME_MAX. */
yg_err yg_frame_end(yg_buf *b, size_t start);
/* One-shot helpers: a frame of `type` whose payload is [u64 id] + data
 * (with_id) or data alone. */
yg_err yg_frame_encode(yg_buf *b, uint8_t type, bool with_id, uint64_t id, const void *data,
                       size_t len);

/* ---- typed payloads ---- */

/* EVENTS: fills recs[0..count) with views into payload. recs must hold
 * max_recs entries; a count larger than that, records that do not exactly
 * fill the payload, or seq overflow: YG_EPARSE. */
yg_err yg_frame_parse_events(const uint8_t *p, size_t len, uint64_t *first_seq, uint32_t *count,
                             yg_tbuf *recs, size_t max_recs);
/* Upper bound of the record count an EVENTS payload of len bytes can hold. */
size_t yg_frame_events_max_records(size_t len);
/* ACK: exactly 8 bytes. */
yg_err yg_frame_parse_u64(const uint8_t *p, size_t len, uint64_t *v);
/* AR_REQUEST: u64 id + text (may be empty). */
yg_err yg_frame_parse_id_text(const uint8_t *p, size_t len, uint64_t *id, const uint8_t **text,
                              size_t *text_len);

/* Appends an EVENTS record ([u32 len][bytes]) to a frame being built. */
yg_err yg_frame_put_record(yg_buf *b, const void *rec, size_t len);

#endif
