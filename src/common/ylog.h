/* ylog.h: where a daemon's own numbered messages go (the sink), and how it
 * talks to systemd.
 *
 * The sink is chosen once, at open:
 *   - the journal, when standard error is the journal's stream (systemd sets
 *     JOURNAL_STREAM to its device:inode for a service): each message is one
 *     journal entry with PRIORITY, SYSLOG_IDENTIFIER and YAGURA_MSG_ID (the
 *     number of YG-NNNN) as fields, so `journalctl YAGURA_MSG_ID=1001` works;
 *   - otherwise a file, appended to. It is bounded by its own size: past
 *     max_bytes it is renamed to FILE.1 (the previous FILE.1 is replaced)
 *     and a new FILE is started. When something else (logrotate) renamed the
 *     file, the next message notices the changed inode and reopens the path,
 *     so no signal is needed after a rotation.
 * What goes into a message (escaping, rate limits) is the caller's business;
 * the sink only writes and rotates. Any thread may write (one lock). */
#ifndef YAGURA_COMMON_YLOG_H
#define YAGURA_COMMON_YLOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_log yg_log;

typedef enum yg_log_prio {
	YG_LOG_ERROR = 3, /* syslog's LOG_ERR */
	YG_LOG_WARNING = 4,
	YG_LOG_INFO = 6,
	YG_LOG_DEBUG = 7,
} yg_log_prio;

/* The default bound of a log file before it is renamed to FILE.1. */
#define YG_LOG_MAX_BYTES (16ull << 20)

/* Opens the sink. `ident` names the writer in each line ("yagura-manager").
 * In file mode, `also_stderr` copies every line to stderr (a daemon in the
 * foreground). max_bytes 0 means YG_LOG_MAX_BYTES. YG_EIO (errno kept) when
 * the file cannot be opened. */
yg_err yg_log_open(const char *path, const char *ident, uint64_t max_bytes, bool also_stderr,
                   yg_log **out);
/* The NULL-safe close. */
void yg_log_close(yg_log *l);
/* Writes one message: "YYYY/MM/DD HH:MM:SS IDENT: LEVEL: YG-ID MSG" in a
 * file, an entry in the journal. `level` is the word shown ("INFO"). */
void yg_log_write(yg_log *l, yg_log_prio prio, const char *level, int id, const char *msg);
/* The priority a level word stands for (ERROR, WARNING, INFO, DEBUG). */
yg_log_prio yg_log_prio_of(const char *level);
/* True when messages go to the journal. */
bool yg_log_to_journal(const yg_log *l);

/* ---- a daemon's numbered messages (every daemon's own log goes here) ---- */

/* Formats one message (printf), escaped (common/ylogfmt.h: messages quote
 * file names, agents' names, clients' text), rate limited per message
 * (YG_LOGRL_*: a flood is summarised as "N similar messages suppressed"),
 * and writes it with the priority of `level` ("ERROR", "WARNING", "INFO",
 * "DEBUG"). l NULL (not open yet): stderr, not limited. Any thread; never
 * fails visibly. */
void yg_log_msg(yg_log *l, const char *level, int id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void yg_log_vmsg(yg_log *l, bool limited, const char *level, int id, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));
/* Every entry of d (may be NULL) as "FILE:LINE: ELEMENT: MESSAGE", ERROR or
 * WARNING, numbered `id`, never rate limited: every problem of a
 * configuration is told. */
void yg_log_diag(yg_log *l, int id, const yg_diag *d);
/* A module's message relayed: "MODULE: MSG", with a leading "(ID): " that
 * the module put in its text removed (the number is the message's own).
 * DEBUG is dropped. */
void yg_log_module(yg_log *l, const char *level, int id, const char *module, const char *msg);

/* ---- systemd's service protocol (no-ops without systemd) ---- */

/* READY=1 with a STATUS line: the service is up (Type=notify). */
void yg_sd_ready(const char *status);
/* RELOADING=1 with the monotonic time, before a SIGHUP reload; READY=1
 * follows through yg_sd_ready. */
void yg_sd_reloading(void);
/* STOPPING=1. */
void yg_sd_stopping(void);
/* How often the loop must call yg_sd_watchdog (half of WatchdogSec), in
 * ms; 0 when the unit has no watchdog. */
long long yg_sd_watchdog_interval_ms(void);
/* WATCHDOG=1: the loop is alive. */
void yg_sd_watchdog(void);

#endif
