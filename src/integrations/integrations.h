/* integrations.h: Wazuh's <integration> outputs, delivered from a
 * persistent outbox. The facade the manager uses.
 *
 * The manager hands every committed alert (Wazuh alert JSON, one object) to
 * yg_integrations_offer, in commit order, possibly again after a crash.
 * Each configured integration filters it as integratord does (level, group,
 * rule_id, event_location), builds its body (format.h) and queues it in the
 * SQLite outbox (outbox.h), once per (integration, alert id). A thread
 * delivers the queue (deliver.h): HTTP for webhook / slack / mattermost,
 * integratord's script call for custom-*, with retries and dead-lettering.
 *
 * Delivery is at-least-once, and exactly-once except for one window: a
 * crash after the receiver has answered 2xx (or the script has done its
 * work) and before the outbox has committed "delivered" (one SQLite
 * UPDATE, microseconds) sends that message again at the next start.
 * docs/integrations.md describes it all. */
#ifndef YAGURA_INTEGRATIONS_H
#define YAGURA_INTEGRATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "integrations/config.h"
#include "store/outbox.h"

typedef struct yg_integrations yg_integrations;

/* Runtime messages (failures, retries, dead letters, disabled blocks). */
typedef void (*yg_integrations_log_fn)(void *ctx, yg_severity sev, const char *msg);

typedef struct yg_integrations_opts {
	const char *outbox_path;    /* SQLite file, created when missing */
	const char *scripts_dir;    /* Wazuh's integrations/ directory */
	const char *tmpdir;         /* alert files for scripts; NULL: "/tmp" */
	yg_integrations_log_fn log; /* may be NULL */
	void *log_ctx;
	unsigned mail_window_ms; /* email_maxperhour's window; 0: one hour */
	unsigned stop_grace_ms;  /* destroy waits this long for requests in
	                          * flight; 0: 2000 */
} yg_integrations_opts;

/* Opens the outbox (in_flight rows go back to pending) and starts the
 * delivery thread. `cfg` must outlive the result. A custom-* block whose
 * script is missing or not executable is disabled with an error message,
 * as integratord does. */
yg_err yg_integrations_create(const yg_intg_config *cfg, const yg_integrations_opts *opts,
                              yg_integrations **out);

/* Stops the thread (see stop_grace_ms); requests cut short stay queued for
 * the next start. NULL is fine. */
void yg_integrations_destroy(yg_integrations *ig);

/* Offers one alert (JSON text, len bytes). Queues it for every enabled
 * integration whose filters accept it; *queued (may be NULL) gets how many
 * new rows that made (0 when it was already queued: offering the same alert
 * again is harmless). YG_EPARSE when the text is not a JSON object,
 * YG_EINVAL when it has no string "id"; an alert without a "rule" is
 * skipped (YG_OK), as integratord does. Thread-safe. */
yg_err yg_integrations_offer(yg_integrations *ig, const char *alert_json, size_t len,
                             unsigned *queued);

/* Counts by state, for one integration key or all (NULL). */
yg_err yg_integrations_stats(yg_integrations *ig, const char *key, yg_outbox_stats *out);

/* Lists outbox rows (see yg_outbox_list). */
yg_err yg_integrations_list(yg_integrations *ig, const char *key, int state, int64_t after_id,
                            size_t limit, yg_outbox_row_fn fn, void *ctx);

/* Puts a dead message back in the queue, due now. YG_ENOTFOUND when id is
 * not a dead row. */
yg_err yg_integrations_retry_dead(yg_integrations *ig, int64_t id);

/* Waits until no enabled integration has pending or in_flight rows due
 * before the timeout; true when that happened. For tests and draining. */
bool yg_integrations_wait_idle(yg_integrations *ig, unsigned timeout_ms);

#endif
