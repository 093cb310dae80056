/* committer.h: the analysis pipeline's commit thread (manager/pipeline.h).
 *
 * One batch at a time: the pipeline fills the committer's batch (the
 * alerts.json text, the alerts, the check_diff outputs, the caller's records
 * snapshot), submits it, and later collects it on its own thread once it is
 * committed. The thread commits it in one transaction of the alert store,
 * then appends it to alerts.json and archives.json; a failed commit or
 * append is retried with a back-off (100 ms doubling to 5 s) until it works
 * or the committer is destroyed. When it has no batch to commit it writes
 * the full-text index of the new rows in batches (store/alerts.h).
 *
 * Threads: batch/submit/collect/busy/error/wait from the pipeline's thread;
 * everything else is internal. */
#ifndef YAGURA_MANAGER_COMMITTER_H
#define YAGURA_MANAGER_COMMITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ybuf.h"
#include "manager/pipeline.h"
#include "outputs/alerts_log.h"
#include "store/alerts.h"

typedef struct yg_committer yg_committer;

/* Filled by the pipeline between yg_committer_batch and _submit; the
 * committer owns the memory. */
typedef struct yg_commit_batch {
	yg_buf text;          /* alerts.json lines, each ending in '\n' */
	yg_alert_text *texts; /* the alerts, slices of text (cap: batch_max) */
	size_t ntexts;
	yg_buf dtext;             /* strings of diffs (offsets until submit) */
	yg_check_diff_row *diffs; /* check_diff outputs to save */
	size_t ndiffs, diffs_cap;
	yg_buf atext; /* archives.json lines (kept while their write fails) */
	size_t alines;
	yg_buf ltext; /* archives.log lines (<logall>), the same way */
	size_t llines;
	uint64_t next_alert_seq;
	uint64_t events;
	uint64_t src_out[YG_PIPE_NSOURCES];
	uint64_t alerts_level[17];
	void *snap; /* the caller's records (yg_pipeline_records) */
	/* set by the committer */
	uint64_t first_seq; /* store seq of the first alert (0: none stored) */
} yg_commit_batch;

typedef struct yg_committer_config {
	yg_alert_store *store;
	yg_alerts_log *alerts;
	yg_alerts_log *archives;     /* may be NULL */
	yg_alerts_log *archives_log; /* <logall>'s archives.log; may be NULL */
	size_t batch_max;            /* alerts per batch at most */
} yg_committer_config;

yg_err yg_committer_create(const yg_committer_config *cfg, yg_committer **out);
/* Stops the thread after its current try; a batch not committed is dropped
 * (its snapshot released). NULL is allowed. */
void yg_committer_destroy(yg_committer *c);

/* The records' write and release (rec must outlive the committer); only
 * while no batch is submitted. */
void yg_committer_set_records(yg_committer *c, const yg_pipeline_records *rec);

/* The batch to fill, or NULL while the last one is submitted and not yet
 * collected. */
yg_commit_batch *yg_committer_batch(yg_committer *c);
/* Hands the filled batch to the thread (string offsets of diffs become
 * pointers here). */
void yg_committer_submit(yg_committer *c);
/* When the submitted batch is committed (and appended): calls fn with it,
 * releases its snapshot, makes the batch free again, and returns true. */
bool yg_committer_collect(yg_committer *c, void (*fn)(void *ctx, yg_commit_batch *b), void *ctx);
bool yg_committer_busy(yg_committer *c);
/* The last try's error while the submitted batch is failing, else YG_OK. */
yg_err yg_committer_error(yg_committer *c);
/* Waits until the submitted batch can be collected (YG_OK) or its next try
 * fails (that error). YG_OK at once when nothing is submitted. */
yg_err yg_committer_wait(yg_committer *c);
/* Readable (eventfd) when a batch can be collected. */
int yg_committer_fd(const yg_committer *c);

/* Writes the committer's counters into st (the commit side of
 * yg_pipeline_stats). */
void yg_committer_stats(yg_committer *c, yg_pipeline_stats *st);

#endif
