/* respond.h: what the manager does with each committed alert.
 *
 * In commit order, for every alert the pipeline committed:
 *   1. tickets: opened or folded (src/tickets), when a route matches;
 *   2. integrations: queued in the persistent outbox (src/integrations);
 *   3. active responses: decided (src/ar ar_dispatch) and delivered: to an
 *      agent over the transport, or run here for the manager ("000") by the
 *      manager's own execd, or by its own WAF action (<waf>) for the
 *      built-in ban (executable `yagura-waf-ban`). Every ban is also
 *      recorded in the ban ledger HOME/var/db/bans.db, the one `yagura ctl
 *      bans` and the API show and change.
 *
 * Each consumer is idempotent per alert id (tickets and outbox by their
 * own keys, responses by a "seen" table of delivered actions), so after a
 * crash the alerts after the saved cursor are simply offered again.
 * Results of responses run here become internal events (990040/990041). */
#ifndef YAGURA_MANAGER_RESPOND_H
#define YAGURA_MANAGER_RESPOND_H

#include <stdbool.h>
#include <stdint.h>

#include "store/alerts.h"

struct manager;
typedef struct yg_respond yg_respond;

/* Opens the consumers the configuration asks for and offers them the
 * alerts committed after the saved cursor. *failed on a start-up error. */
yg_respond *respond_open(struct manager *m, bool *failed);
void respond_close(yg_respond *r);

/* The pipeline's sink. */
void respond_alerts(void *ctx, uint64_t first_seq, const yg_alert_text *alerts, size_t n);

/* Periodic work: the local executor and WAF, retries of responses for
 * agents that were away, ban ledger changes made by others (ctl, API),
 * the saved cursor. `ledger_changed` forces the ledger check now
 * (SIGUSR1). */
void respond_tick(yg_respond *r, bool ledger_changed);
/* A descriptor to poll (the executor's), or -1; and the longest wait. */
int respond_fd(const yg_respond *r);
int respond_timeout_ms(yg_respond *r);

/* For the metrics: internal events waiting for the pipeline, and the
 * syslog output's counters (zero without one). */
struct yg_syslog_stats;
void respond_counts(yg_respond *r, size_t *events, struct yg_syslog_stats *syslog);

/* The modules the API shows (NULL when not configured). */
struct yg_tickets *respond_tickets(yg_respond *r);
struct yg_integrations *respond_integrations(yg_respond *r);

#endif
