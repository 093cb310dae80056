/* metrics.h: what GET /health and GET /metrics show of the manager.
 *
 * The loop thread owns the pipeline, the sources and the consumers, and
 * the API answers on its own threads; so the loop copies what it owns into
 * a snapshot after every pass (metrics_update), under a mutex, and the
 * API's threads read the snapshot. The thread-safe stores (agent registry,
 * integrations outbox, ban ledger under its lock) are read directly at
 * each scrape. */
#ifndef YAGURA_MANAGER_METRICS_H
#define YAGURA_MANAGER_METRICS_H

#include <pthread.h>
#include <stdbool.h>

#include "api/api_backend.h"

struct manager;
typedef struct yg_mmetrics yg_mmetrics;

yg_mmetrics *metrics_create(void);
void metrics_destroy(yg_mmetrics *mm);

/* The loop thread, after each pass: the snapshot. */
void metrics_update(yg_mmetrics *mm, struct manager *m);
/* The loop thread: why the pipeline does not run now (NULL: it runs). The
 * text is a constant. */
void metrics_set_down(yg_mmetrics *mm, const char *reason);

/* be->status over mm; the stores (any may be NULL) must outlive the
 * backend; the ledger is used under ledger_lock. */
typedef struct yg_registry yg_registry;
typedef struct yg_integrations yg_integrations;
typedef struct yg_waf_ledger yg_waf_ledger;
yg_err metrics_backend(yg_api_backend *be, yg_mmetrics *mm, yg_registry *reg, yg_integrations *ig,
                       yg_waf_ledger *ledger, pthread_mutex_t *ledger_lock);

#endif
