/* pipeline.h: events -> engine workers -> one commit -> alerts.json.
 *
 * The manager's path for every event, whatever its source (local FIM, local
 * log collection, agents):
 *
 *   offer()   copies an event into the current batch (bounded: a full batch
 *             refuses, and the source keeps the event: back-pressure, never
 *             a drop);
 *   commit()  runs the batch through the engine on `workers` sessions side by
 *             side, partitioned by agent, with the alerts of one session for
 *             any number of them (engine/runner.h), takes the caller's records of it (read
 *             positions, agents' sequence numbers: yg_pipeline_records'
 *             capture) and hands both to the commit thread;
 *   the commit thread commits in ONE SQLite transaction of the alert
 *             store: the batch's alerts, the caller's records and where the
 *             batch will go in alerts.json; only then appends the batch to
 *             alerts.json (and archives.json); it retries a failed commit
 *             or append with a back-off, never skipping a batch. Between
 *             commits it writes the full-text index of the new rows in
 *             batches (store/alerts.h), so a text search lags the commit by
 *             at most a few commits (docs/outputs.md);
 *   the caller's thread then learns of the commit (yg_pipeline_fd becomes
 *             readable; the next commit() or sync() collects it): only then
 *             are the records' `committed` (agents' acks) and the sink run.
 *
 * One batch is in the commit thread at a time, while the next fills and runs
 * through the engine: when that one is full too, offers are refused
 * (back-pressure, never a drop) until the commit thread is free.
 *
 * So after a crash at any moment, a source resumes exactly after what was
 * committed (no line is lost, none is processed twice), and alerts.json gets
 * exactly the committed alerts: create() completes a batch whose append was
 * cut short. alerts.json never shows an alert that is not committed, and no
 * acknowledgement is sent for an event that is not committed.
 *
 * The API is for one thread (the workers and the commit thread are
 * internal). */
#ifndef YAGURA_MANAGER_PIPELINE_H
#define YAGURA_MANAGER_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"
#include "engine/engine.h"
#include "outputs/alerts_log.h"
#include "store/alerts.h"

typedef struct yg_pipeline yg_pipeline;

typedef struct yg_pipeline_config {
	const yg_ruleset *rs;    /* must outlive the pipeline (or set_ruleset) */
	unsigned workers;        /* sessions side by side; 0 or 1: the caller's thread */
	size_t batch_max;        /* events per batch; 0 = 1024 */
	int log_alert_level;     /* alerts below it are neither stored nor logged */
	yg_alert_store *store;   /* the commit point */
	yg_alerts_log *alerts;   /* appended after each commit */
	yg_alerts_log *archives; /* every event (<logall_json>), after alerts.json; may be NULL */
	yg_alerts_log *
	        archives_log; /* every event as Wazuh's archives.log line (<logall>); may be NULL */
	const char *manager_name; /* for events without one (copied); NULL: none */
} yg_pipeline_config;

/* Where events come from, for the counters. */
typedef enum yg_pipeline_source {
	YG_PIPE_LOGCOLLECTOR, /* the manager's own <localfile>s */
	YG_PIPE_FIM,          /* FIM events (decoded_as syscheck_*) */
	YG_PIPE_AGENT,        /* events of agents (agent_id other than 000) */
	YG_PIPE_INTERNAL,     /* the manager's own results (location yagura-execd) */
	YG_PIPE_NSOURCES
} yg_pipeline_source;
const char *yg_pipeline_source_name(yg_pipeline_source s);

/* Upper bounds (ms) of the commit-duration histogram's buckets; the last
 * bucket (+Inf) is YG_PIPE_HIST_N. */
#define YG_PIPE_HIST_N 12
extern const double yg_pipeline_hist_ms[YG_PIPE_HIST_N];

typedef struct yg_pipeline_stats {
	uint64_t events;                    /* events processed */
	uint64_t alerts;                    /* alerts committed */
	uint64_t batches;                   /* commits */
	uint64_t engine_errors;             /* events the engine refused (logged by the caller) */
	uint64_t commit_errors;             /* commits that failed and were retried */
	uint64_t append_errors;             /* alerts.json appends that failed and were retried */
	uint64_t refused;                   /* offers refused because the batch was full */
	uint64_t recovered_bytes;           /* alerts.json bytes completed at start-up */
	uint64_t recover_skipped;           /* 1: the last batch could not be rebuilt */
	uint64_t archived;                  /* events written to archives.json */
	uint64_t archive_errors;            /* archives.json appends that failed (retried) */
	uint64_t archive_dropped;           /* events not archived (retry buffer full) */
	uint64_t src_in[YG_PIPE_NSOURCES];  /* events accepted, by source */
	uint64_t src_out[YG_PIPE_NSOURCES]; /* events committed, by source */
	uint64_t alerts_level[17];          /* alerts committed, by rule level */
	/* the commit (SQLite transaction + alerts.json append): how many took
	 * at most yg_pipeline_hist_ms[i] (not cumulative), the rest in [N] */
	uint64_t commit_hist[YG_PIPE_HIST_N + 1];
	double commit_seconds; /* their sum */
	/* the queues and waits around the commit thread */
	uint64_t commit_queued;         /* batches in the commit thread now (0 or 1) */
	uint64_t commit_queue_events;   /* ... and their events */
	uint64_t handoff_waits;         /* commits that found the commit thread busy */
	double handoff_wait_seconds;    /* time a full or processed batch waited for it */
	uint64_t handoffs;              /* batches handed to the commit thread */
	double commit_busy_seconds;     /* the commit thread's time committing */
	double index_busy_seconds;      /* ... and writing the full-text index */
	double ack_wait_seconds;        /* hand-off to collected commit, summed per batch */
	uint64_t fts_backlog;           /* committed alerts not yet in the full-text index */
	double store_lock_wait_seconds; /* waits for the store's writer lock */
} yg_pipeline_stats;

/* Creates the workers and the pipeline's table in the store, and completes
 * alerts.json with the last committed batch if a crash cut its append short.
 * Errors: YG_EINVAL, YG_ENOMEM, YG_EIO. */
yg_err yg_pipeline_create(const yg_pipeline_config *cfg, yg_pipeline **out);
/* Stops the workers and the commit thread (after its current try). An
 * uncommitted batch is dropped: its sources did not see it committed and
 * will offer it again after a restart. */
void yg_pipeline_destroy(yg_pipeline *p);

/* Copies one event into the batch. false when the batch is full (or a
 * processed batch awaits a commit that failed, or memory ran out): the
 * caller keeps the event and offers it again after yg_pipeline_commit. */
bool yg_pipeline_offer(yg_pipeline *p, const yg_input *in);
/* Events waiting in the batch. */
size_t yg_pipeline_pending(const yg_pipeline *p);

/* The caller's records of each batch (read positions, agents' seqs). */
typedef struct yg_pipeline_records {
	/* caller's thread, when the batch is handed over: a snapshot of the
	 * records as of the batch's last event (NULL: out of memory, the
	 * hand-over waits) */
	void *(*capture)(void *ctx);
	/* commit thread, inside the transaction; called again for the same
	 * snapshot when a commit is retried */
	yg_err (*write)(void *snap, yg_db_txn *txn);
	/* caller's thread, once the batch is committed (acknowledgements) */
	void (*committed)(void *ctx, void *snap);
	void (*release)(void *snap); /* after committed, or at destroy */
} yg_pipeline_records;

/* Sets the records (the table must outlive the pipeline); ctx is passed to
 * capture and committed. Only while nothing is in the commit thread. */
void yg_pipeline_set_records(yg_pipeline *p, const yg_pipeline_records *rec, void *ctx);

/* Collects a finished commit (records' committed, the sink), then, when
 * there are events or dirty is true (records changed without events), runs
 * the batch through the engine and hands it to the commit thread. Returns
 * YG_OK when the batch was handed over (or there was nothing to do), and
 * also with *busy (may be NULL) set when the commit thread is still busy with the one before (the
 * batch keeps filling; when full it runs through the engine and waits), or
 * the error of the commit thread's last try when it is failing (it keeps
 * retrying with a back-off of 100 ms doubling to 5 s). */
yg_err yg_pipeline_commit(yg_pipeline *p, bool dirty, bool *busy);

/* As commit, then waits until everything handed over is committed and
 * collected, or until the commit thread's next try fails (its error). */
yg_err yg_pipeline_sync(yg_pipeline *p, bool dirty);

/* Readable (eventfd) when a commit finished and waits to be collected. */
int yg_pipeline_fd(const yg_pipeline *p);
/* Whether offers are refused until the commit thread is free (the batch is
 * full or processed and the commit thread busy): the caller then waits on
 * yg_pipeline_fd instead of polling. */
bool yg_pipeline_blocked(const yg_pipeline *p);
/* Whether the commit thread has a batch (committing or to be collected). */
bool yg_pipeline_busy(const yg_pipeline *p);

/* Receives each committed batch's alerts, in order, after the commit (and
 * after alerts.json), on the caller's thread: store sequence numbers
 * first_seq .. first_seq + n - 1. The texts are valid during the call only. */
typedef void (*yg_pipeline_sink)(void *ctx, uint64_t first_seq, const yg_alert_text *alerts,
                                 size_t n);
void yg_pipeline_set_sink(yg_pipeline *p, yg_pipeline_sink fn, void *ctx);

/* Runs the next batches on new sessions of rs with a new alert level
 * (correlation state starts afresh, as in Wazuh after a reload). Only with
 * an empty batch (after a successful commit): YG_EINVAL otherwise. */
yg_err yg_pipeline_set_ruleset(yg_pipeline *p, const yg_ruleset *rs, int log_alert_level);

void yg_pipeline_get_stats(const yg_pipeline *p, yg_pipeline_stats *out);

#endif
