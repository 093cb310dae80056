/* committer.c: the commit thread (see committer.h).
 *
 * State of the one batch: FREE (the pipeline fills it), QUEUED (the thread
 * commits it, retrying), DONE (committed and appended; the pipeline
 * collects it and makes it FREE). Only the pipeline's thread moves FREE ->
 * QUEUED and DONE -> FREE, only the thread QUEUED -> DONE, all under mu. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "manager/committer.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define IDLE_WAKE_MS 250
#define FTS_BATCH 4096
#define TEXT_MAX (1u << 30)

enum { FREE, QUEUED, DONE };

struct yg_committer {
	yg_committer_config cfg;
	const yg_pipeline_records *rec;
	yg_commit_batch b;
	bool committed, appended; /* progress of b's tries (thread only) */
	yg_alerts_log_pos pos;    /* where b goes in alerts.json */
	pthread_t th;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	int state;
	bool quit;
	yg_err err;     /* last try's error, YG_OK after a success */
	uint64_t fails; /* tries that failed */
	int efd;
	double submitted_at;
	yg_pipeline_stats st; /* the commit side's counters, under mu */
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pthread_cond_timedwait on CLOCK_MONOTONIC for ms. */
static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, mu, &ts);
}

static yg_err records_hook(void *ctx, yg_db_txn *txn, uint64_t first, uint64_t last)
{
	yg_committer *c = ctx;
	(void)first;
	(void)last;
	if (!c->rec || !c->rec->write || !c->b.snap)
		return YG_OK;
	return c->rec->write(c->b.snap, txn);
}

/* archives.json is not part of the commit: a crash between the commit and
 * this write loses those lines (docs/outputs.md); a failed write keeps them
 * for the next batch. */
static void write_archive(yg_committer *c, uint64_t *archived, uint64_t *errors)
{
	yg_commit_batch *b = &c->b;
	yg_alerts_log_pos pos;
	if (c->cfg.archives_log && b->ltext.len) {
		if (yg_alerts_log_prepare(c->cfg.archives_log, b->ltext.len, time(NULL), &pos) ||
		    yg_alerts_log_append(c->cfg.archives_log, b->ltext.data, b->ltext.len,
		                         b->llines)) {
			(*errors)++;
		} else {
			b->llines = 0;
			yg_buf_reset(&b->ltext);
		}
	}
	if (!c->cfg.archives || !b->atext.len)
		return;
	if (yg_alerts_log_prepare(c->cfg.archives, b->atext.len, time(NULL), &pos) ||
	    yg_alerts_log_append(c->cfg.archives, b->atext.data, b->atext.len, b->alines)) {
		(*errors)++;
		return;
	}
	*archived += b->alines;
	b->alines = 0;
	yg_buf_reset(&b->atext);
}

/* One try: the transaction (unless an earlier try did it), then the
 * alerts.json append, then archives.json. */
static yg_err try_batch(yg_committer *c, uint64_t *cerr, uint64_t *aerr, uint64_t *archived,
                        uint64_t *arerr)
{
	yg_commit_batch *b = &c->b;
	if (!c->committed) {
		yg_err err = yg_alerts_log_prepare(c->cfg.alerts, b->text.len, time(NULL), &c->pos);
		yg_commit_mark mark = {.next_alert_seq = b->next_alert_seq,
		                       .dev = c->pos.dev,
		                       .ino = c->pos.ino,
		                       .off = c->pos.offset,
		                       .len = b->text.len};
		yg_alert_commit cc = {.alerts = b->texts,
		                      .n = b->ntexts,
		                      .mark = &mark,
		                      .diffs = b->diffs,
		                      .ndiffs = b->ndiffs,
		                      .hook = records_hook,
		                      .ctx = c};
		if (!err)
			err = yg_alert_store_commit_batch(c->cfg.store, &cc);
		if (err) {
			(*cerr)++;
			return err;
		}
		c->committed = true;
		b->first_seq = cc.first_seq;
	}
	if (!c->appended && b->text.len) {
		yg_err err = yg_alerts_log_complete(c->cfg.alerts, &c->pos, b->text.data,
		                                    b->text.len, NULL);
		if (err) {
			(*aerr)++;
			return err;
		}
	}
	c->appended = true;
	write_archive(c, archived, arerr);
	return YG_OK;
}

/* Under mu, after a successful try: the batch's counters. */
static void count_done(yg_committer *c, double seconds)
{
	yg_commit_batch *b = &c->b;
	yg_pipeline_stats *st = &c->st;
	st->batches++;
	st->alerts += b->ntexts;
	for (int i = 0; i < YG_PIPE_NSOURCES; i++)
		st->src_out[i] += b->src_out[i];
	for (int i = 0; i < 17; i++)
		st->alerts_level[i] += b->alerts_level[i];
	size_t k = 0;
	while (k < YG_PIPE_HIST_N && seconds * 1000.0 > yg_pipeline_hist_ms[k])
		k++;
	st->commit_hist[k]++;
	st->commit_seconds += seconds;
	st->commit_busy_seconds += seconds;
}

/* Outside mu: the store's counters the pipeline's thread shows (read here
 * so that its metrics never wait for the writer lock). */
static void store_counters(yg_committer *c, uint64_t *backlog, double *lock_wait)
{
	yg_alert_store_stats ss;
	yg_alert_store_get_stats(c->cfg.store, &ss);
	*backlog = ss.unindexed;
	*lock_wait = ss.lock_wait_seconds;
}

/* Outside mu: one batch of the full-text index; how many rows. */
static size_t index_some(yg_committer *c, double *seconds)
{
	double t0 = mono_s();
	size_t n = 0;
	if (yg_alert_store_unindexed(c->cfg.store) > 0)
		(void)yg_alert_store_index(c->cfg.store, FTS_BATCH, &n); /* retried later */
	*seconds = n ? mono_s() - t0 : 0;
	return n;
}

static void *committer_main(void *arg)
{
	yg_committer *c = arg;
	long backoff = 0;
	pthread_mutex_lock(&c->mu);
	while (!c->quit) {
		if (c->state != QUEUED) {
			pthread_mutex_unlock(&c->mu);
			double s;
			size_t n = index_some(c, &s);
			uint64_t backlog;
			double lw;
			store_counters(c, &backlog, &lw);
			pthread_mutex_lock(&c->mu);
			c->st.index_busy_seconds += s;
			c->st.fts_backlog = backlog;
			c->st.store_lock_wait_seconds = lw;
			if (!n && c->state != QUEUED && !c->quit)
				wait_ms(&c->go, &c->mu, IDLE_WAKE_MS);
			continue;
		}
		pthread_mutex_unlock(&c->mu);
		uint64_t cerr = 0, aerr = 0, archived = 0, arerr = 0;
		double t0 = mono_s();
		yg_err err = try_batch(c, &cerr, &aerr, &archived, &arerr);
		double took = mono_s() - t0;
		pthread_mutex_lock(&c->mu);
		c->st.commit_errors += cerr;
		c->st.append_errors += aerr;
		c->st.archived += archived;
		c->st.archive_errors += arerr;
		c->err = err;
		if (err) {
			c->fails++;
			pthread_cond_broadcast(&c->done);
			backoff = backoff ? backoff * 2 : BACKOFF_MIN_MS;
			if (backoff > BACKOFF_MAX_MS)
				backoff = BACKOFF_MAX_MS;
			if (!c->quit)
				wait_ms(&c->go, &c->mu, backoff);
			continue;
		}
		backoff = 0;
		count_done(c, took);
		c->state = DONE;
		pthread_cond_broadcast(&c->done);
		uint64_t one = 1;
		if (write(c->efd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
			/* the counter cannot overflow in practice; the pipeline also
			 * collects at every commit() */
		}
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void batch_free(yg_commit_batch *b)
{
	yg_buf_free(&b->text);
	yg_buf_free(&b->dtext);
	yg_buf_free(&b->atext);
	yg_buf_free(&b->ltext);
	free(b->texts);
	free(b->diffs);
}

yg_err yg_committer_create(const yg_committer_config *cfg, yg_committer **out)
{
	*out = NULL;
	if (!cfg || !cfg->store || !cfg->alerts || !cfg->batch_max)
		return YG_EINVAL;
	yg_committer *c = calloc(1, sizeof(*c));
	if (!c)
		return YG_ENOMEM;
	c->cfg = *cfg;
	c->efd = -1;
	yg_buf_init(&c->b.text, TEXT_MAX);
	yg_buf_init(&c->b.dtext, TEXT_MAX);
	yg_buf_init(&c->b.atext, TEXT_MAX);
	yg_buf_init(&c->b.ltext, TEXT_MAX);
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->go, &ca);
	pthread_cond_init(&c->done, &ca);
	pthread_condattr_destroy(&ca);
	yg_err err = YG_ENOMEM;
	c->b.texts = calloc(cfg->batch_max, sizeof(*c->b.texts));
	if (!c->b.texts)
		goto fail;
	err = YG_EIO;
	if ((c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		goto fail;
	if (pthread_create(&c->th, NULL, committer_main, c) != 0)
		goto fail;
	c->started = true;
	*out = c;
	return YG_OK;
fail:
	yg_committer_destroy(c);
	return err;
}

void yg_committer_destroy(yg_committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->quit = true;
	pthread_cond_broadcast(&c->go);
	pthread_mutex_unlock(&c->mu);
	if (c->started)
		pthread_join(c->th, NULL);
	if (c->b.snap && c->rec && c->rec->release)
		c->rec->release(c->b.snap);
	batch_free(&c->b);
	if (c->efd >= 0)
		close(c->efd);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->go);
	pthread_cond_destroy(&c->done);
	free(c);
}

void yg_committer_set_records(yg_committer *c, const yg_pipeline_records *rec)
{
	c->rec = rec;
}

yg_commit_batch *yg_committer_batch(yg_committer *c)
{
	pthread_mutex_lock(&c->mu);
	bool free_ = c->state == FREE;
	pthread_mutex_unlock(&c->mu);
	return free_ ? &c->b : NULL;
}

void yg_committer_submit(yg_committer *c)
{
	yg_commit_batch *b = &c->b;
	/* diffs hold offsets into dtext until now: dtext may have moved */
	for (size_t i = 0; i < b->ndiffs; i++) {
		b->diffs[i].host = b->dtext.data + (size_t)(uintptr_t)b->diffs[i].host;
		b->diffs[i].output = b->dtext.data + (size_t)(uintptr_t)b->diffs[i].output;
	}
	c->committed = c->appended = false;
	b->first_seq = 0;
	pthread_mutex_lock(&c->mu);
	c->state = QUEUED;
	c->err = YG_OK;
	c->submitted_at = mono_s();
	c->st.commit_queued = 1;
	c->st.commit_queue_events = b->events;
	pthread_cond_signal(&c->go);
	pthread_mutex_unlock(&c->mu);
}

bool yg_committer_collect(yg_committer *c, void (*fn)(void *ctx, yg_commit_batch *b), void *ctx)
{
	pthread_mutex_lock(&c->mu);
	bool done = c->state == DONE;
	pthread_mutex_unlock(&c->mu);
	if (!done)
		return false;
	uint64_t v;
	while (read(c->efd, &v, sizeof(v)) > 0)
		;
	yg_commit_batch *b = &c->b;
	if (fn)
		fn(ctx, b);
	if (b->snap && c->rec && c->rec->release)
		c->rec->release(b->snap);
	b->snap = NULL;
	yg_buf_reset(&b->text);
	yg_buf_reset(&b->dtext);
	b->ntexts = b->ndiffs = 0;
	b->events = 0;
	memset(b->src_out, 0, sizeof(b->src_out));
	memset(b->alerts_level, 0, sizeof(b->alerts_level));
	pthread_mutex_lock(&c->mu);
	c->st.ack_wait_seconds += mono_s() - c->submitted_at;
	c->st.commit_queued = 0;
	c->st.commit_queue_events = 0;
	c->state = FREE;
	pthread_mutex_unlock(&c->mu);
	return true;
}

bool yg_committer_busy(yg_committer *c)
{
	pthread_mutex_lock(&c->mu);
	bool busy = c->state != FREE;
	pthread_mutex_unlock(&c->mu);
	return busy;
}

yg_err yg_committer_error(yg_committer *c)
{
	pthread_mutex_lock(&c->mu);
	yg_err err = c->state == QUEUED ? c->err : YG_OK;
	pthread_mutex_unlock(&c->mu);
	return err;
}

yg_err yg_committer_wait(yg_committer *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t f0 = c->fails;
	while (c->state == QUEUED && c->fails == f0 && !c->quit)
		pthread_cond_wait(&c->done, &c->mu);
	yg_err err = c->state == QUEUED ? c->err : YG_OK;
	pthread_mutex_unlock(&c->mu);
	return err;
}

int yg_committer_fd(const yg_committer *c)
{
	return c->efd;
}

void yg_committer_stats(yg_committer *c, yg_pipeline_stats *st)
{
	pthread_mutex_lock(&c->mu);
	const yg_pipeline_stats *s = &c->st;
	st->alerts = s->alerts;
	st->batches = s->batches;
	st->commit_errors = s->commit_errors;
	st->append_errors = s->append_errors;
	st->archived = s->archived;
	st->archive_errors = s->archive_errors;
	memcpy(st->src_out, s->src_out, sizeof(st->src_out));
	memcpy(st->alerts_level, s->alerts_level, sizeof(st->alerts_level));
	memcpy(st->commit_hist, s->commit_hist, sizeof(st->commit_hist));
	st->commit_seconds = s->commit_seconds;
	st->commit_queued = s->commit_queued;
	st->commit_queue_events = s->commit_queue_events;
	st->commit_busy_seconds = s->commit_busy_seconds;
	st->index_busy_seconds = s->index_busy_seconds;
	st->ack_wait_seconds = s->ack_wait_seconds;
	st->fts_backlog = s->fts_backlog;
	st->store_lock_wait_seconds = s->store_lock_wait_seconds;
	pthread_mutex_unlock(&c->mu);
}
