/* ylogfmt.h: what every log of yagura's own (manager, agent) does to the
 * text it writes, whoever wrote the message, before the sink (ylog.h):
 *
 *   - outside input (agent names and versions, file names, paths, log
 *     lines) is quoted in messages, so the formatted message is escaped
 *     before it is written: a newline, a terminal escape or any other
 *     control character becomes visible text (\n, \r, \t, \xNN; C1
 *     controls U+0080..U+009F \u00NN; an invalid UTF-8 byte \xNN) and can
 *     never start a forged line or drive the terminal of whoever reads it;
 *   - repeated messages are rate limited: messages are similar when they
 *     have the same number and format and differ only in their digits
 *     (ports, addresses, counts); at most `burst` similar lines per
 *     `window` seconds are written, and at most YG_LOGRL_TOTAL lines of any
 *     kind. The rest are counted and one line "N similar messages
 *     suppressed" says how many once the window is over, so a client
 *     looping connect/close (or varying a name each time) cannot fill the
 *     disk through the log. */
#ifndef YAGURA_COMMON_YLOGFMT_H
#define YAGURA_COMMON_YLOGFMT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies in to out (outsz bytes, NUL-terminated, truncated on a character
 * boundary) with control characters and invalid UTF-8 escaped. Returns
 * the length written. */
size_t yg_log_escape(const char *in, char *out, size_t outsz);

/* vsnprintf then yg_log_escape into out. */
void yg_log_vformat(char *out, size_t outsz, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

#define YG_LOGRL_BURST 20
#define YG_LOGRL_WINDOW 10 /* seconds */
#define YG_LOGRL_KEYS 64   /* distinct messages tracked at once */
#define YG_LOGRL_TOTAL 200 /* lines of any kind per window */

typedef struct yg_logrl yg_logrl;

/* A limiter of burst lines per window seconds per message; NULL on
 * ENOMEM. Thread-safe. */
yg_logrl *yg_logrl_create(unsigned burst, unsigned window);
void yg_logrl_destroy(yg_logrl *rl);

/* Called with the count of suppressed lines of message (id, fmt) once
 * its window is over; fmt NULL: lines over the total limit. */
typedef void (*yg_logrl_report_fn)(void *ctx, int id, const char *fmt, unsigned long n);

/* Whether the line msg, formatted from message (id, fmt), may be written at
 * now (seconds, monotonic). Reports the windows that are over first
 * (report may be NULL). A NULL rl allows everything. */
bool yg_logrl_allow(yg_logrl *rl, int id, const char *fmt, const char *msg, int64_t now,
                    yg_logrl_report_fn report, void *ctx);

#endif
