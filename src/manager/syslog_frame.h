/* syslog_frame.h: syslog messages out of a TCP byte stream (RFC 6587).
 *
 * Two framings, chosen per frame as rsyslog does: a frame that starts with
 * a digit 1-9 followed by digits and a space is octet-counted ("LEN SP MSG",
 * MSG exactly LEN bytes, which may hold line ends); any other frame is
 * non-transparent: the message ends at LF (a CR before it is removed).
 * Empty lines between frames are skipped. A message longer than `max` bytes
 * is cut to its first `max` bytes and the rest of its frame discarded
 * (counted in `truncated`); memory is one buffer of max + 1 bytes whatever
 * the input.
 *
 * Streaming: push() consumes bytes until one message is complete (or the
 * bytes run out); the message stays available (take) until pop(), so a
 * consumer that cannot accept it now leaves it there and the rest of the
 * stream unread: back-pressure without losing or repeating a message. The
 * result does not depend on how the stream is cut into pushes. */
#ifndef YAGURA_MANAGER_SYSLOG_FRAME_H
#define YAGURA_MANAGER_SYSLOG_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"

/* Longest octet count accepted (digits beyond it make the frame a plain
 * line); larger frames are still read, cut to max. */
#define YG_SFRAME_COUNT_MAX 999999999u

typedef struct yg_sframe {
	size_t max;         /* longest message kept */
	char *buf;          /* max + 1 bytes: the message being assembled */
	size_t len;         /* bytes in buf */
	int state;          /* where in a frame we are (syslog_frame.c) */
	uint64_t want;      /* octet counting: bytes of the frame still to come */
	bool ready;         /* buf holds a complete message */
	bool cut;           /* the message being assembled lost bytes past max */
	uint64_t truncated; /* messages cut to max */
	uint64_t frames;    /* messages completed */
} yg_sframe;

/* max >= 16 (YG_EINVAL otherwise), YG_ENOMEM. */
yg_err yg_sframe_init(yg_sframe *f, size_t max);
void yg_sframe_free(yg_sframe *f);

/* Consumes bytes of data until a message is complete or data runs out;
 * returns how many were consumed (0 while a message is ready). */
size_t yg_sframe_push(yg_sframe *f, const char *data, size_t len);
/* The complete message, if one is ready: *msg (NUL-terminated, may hold
 * NUL bytes and line ends when octet-counted) and *len. */
bool yg_sframe_take(const yg_sframe *f, const char **msg, size_t *len);
/* Drops the ready message. */
void yg_sframe_pop(yg_sframe *f);
/* At the end of the stream: a last message without its LF becomes ready
 * (an unfinished octet-counted frame is dropped). True when one did. */
bool yg_sframe_finish(yg_sframe *f);

#endif
