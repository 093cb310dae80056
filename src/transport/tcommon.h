/* tcommon.h: types shared by the agent<->manager transport modules.
 *
 * yg_tbuf is a borrowed byte range (never owned by whoever receives it);
 * yg_tlog_fn is how every transport module reports what happens on the wire
 * (refused peers, dropped connections, protocol errors) to its owner. */
#ifndef YAGURA_TRANSPORT_TCOMMON_H
#define YAGURA_TRANSPORT_TCOMMON_H

#include <stddef.h>
#include <stdint.h>

typedef struct yg_tbuf {
	const uint8_t *data;
	size_t len;
} yg_tbuf;

enum { YG_TLOG_DEBUG = 0, YG_TLOG_INFO = 1, YG_TLOG_WARN = 2, YG_TLOG_ERROR = 3 };

/* A log sink: level is YG_TLOG_*, msg one line without newline. Called from
 * the module's own thread. NULL in a config means "print to stderr" for
 * WARN and above. */
typedef void (*yg_tlog_fn)(void *ctx, int level, const char *msg);

#endif
