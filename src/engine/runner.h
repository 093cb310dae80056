/* runner.h: a batch of events through N engine sessions side by side, with
 * the results of one session.
 *
 * The manager's pipeline and `yagura replay -j N` both run their events
 * through a runner. Events are partitioned by agent (yg_runner_partition):
 * each worker owns the agents that hash to it and runs their events in input
 * order on its own session, whose correlation memory is kept per agent (as
 * Wazuh counts frequency per agent), so an agent's results do not depend on
 * where the other agents' events went. The state that every agent's events
 * share (ignore windows, the FTS set, <accumulate>, check_diff's store, the
 * global_frequency rules' memory) is only touched at the event's turn: the
 * worker waits until every earlier event of the batch is done, so that state
 * sees the events in input order, whatever N is. firedtimes is counted after
 * the workers, in input order, and written into the alerts then.
 *
 * So for any number of workers the alerts are byte-identical to those of one
 * (the alert id's number is the caller's: yg_input.alert_seq). */
#ifndef YAGURA_ENGINE_RUNNER_H
#define YAGURA_ENGINE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

typedef struct yg_runner yg_runner;

typedef struct yg_runner_config {
	const yg_ruleset *rs; /* must outlive the runner (or set_ruleset) */
	unsigned workers;     /* threads; 0 or 1: the caller's thread */
	yg_clock clock;
	yg_diff_store *diff; /* check_diff's store, shared; NULL: the runner's own */
	int log_alert_level; /* alerts below it are not filed */
	bool archive;        /* give every event's JSON too (archives.json) */
} yg_runner_config;

/* What one event gave. */
typedef struct yg_run_result {
	int level;         /* the alert's level; -1 when there is no alert to file */
	size_t off, len;   /* its JSON (no newline) in yg_runner_alerts() */
	size_t aoff, alen; /* the event's JSON in yg_runner_archive(); alen 0: none */
} yg_run_result;

yg_err yg_runner_create(const yg_runner_config *cfg, yg_runner **out);
void yg_runner_destroy(yg_runner *r);

/* Runs the next batches on fresh sessions of rs (correlation state starts
 * afresh, as in Wazuh after a reload). */
yg_err yg_runner_set_ruleset(yg_runner *r, const yg_ruleset *rs, int log_alert_level);

/* Runs in[0..n) and fills res[0..n). The texts stay valid until the next
 * run. Events the engine refused have level -1 and are counted (below). */
yg_err yg_runner_run(yg_runner *r, const yg_input *in, size_t n, yg_run_result *res);
const char *yg_runner_alerts(const yg_runner *r);
const char *yg_runner_archive(const yg_runner *r);
/* Events refused by the engine since the last call. */
uint64_t yg_runner_take_errors(yg_runner *r);

/* The worker (0..n-1) that runs an agent's events (NULL: the manager's own,
 * "000"). */
unsigned yg_runner_partition(const char *agent_id, unsigned n);

#endif
