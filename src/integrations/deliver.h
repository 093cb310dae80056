/* deliver.h: the delivery thread of the integrations (internal).
 *
 * One thread drives a libcurl multi handle (several HTTP requests in flight
 * across integrations, up to max_in_flight per integration, default 1 so an
 * integration's messages arrive in order) and the custom-* scripts. It takes
 * due rows from the outbox, sends them, and records each outcome in the
 * outbox at once: a 2xx (or exit status 0) is committed as delivered in the
 * step that sees it. Failures are retried with exponential backoff and
 * jitter (retry_min .. retry_max); HTTP 4xx other than 408/425/429 are
 * permanent and dead-letter at once; max_attempts and retry_max_age
 * dead-letter too. */
#ifndef YAGURA_INTG_DELIVER_H
#define YAGURA_INTG_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "integrations/config.h"
#include "store/outbox.h"

typedef void (*yg_intg_log_fn)(void *ctx, yg_severity sev, const char *msg);

typedef struct yg_intg_deliver yg_intg_deliver;

/* Starts the thread. cfg, enabled[] (one per block), ob and the strings
 * must outlive it. mail_window_ms: the window of email_maxperhour (0: one
 * hour; tests shorten it). */
yg_err yg_intg_deliver_start(const yg_intg_config *cfg, const bool *enabled, yg_outbox *ob,
                             const char *scripts_dir, const char *tmpdir, yg_intg_log_fn log,
                             void *log_ctx, unsigned mail_window_ms, yg_intg_deliver **out);

/* Tells the thread new rows may be due (cheap; any thread). */
void yg_intg_deliver_wake(yg_intg_deliver *d);

/* Stops taking new rows, lets requests in flight finish for up to grace_ms,
 * puts the rest back to pending, joins and frees. NULL is fine. */
void yg_intg_deliver_stop(yg_intg_deliver *d, unsigned grace_ms);

/* Wall-clock milliseconds (rows outlive the process). */
int64_t yg_intg_now_ms(void);

#endif
