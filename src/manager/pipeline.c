/* pipeline.c: batches of events through engine workers into one commit.
 *
 * A batch lives in `slots` (the events, their strings copied into an arena).
 * commit() hands the batch to the workers: each runs the events of its shard
 * in order on its own session and keeps the alerts it produced in its own
 * buffer; the caller's thread then gathers the alerts in event order, commits
 * them with the caller's records and the alerts.json mark, and appends them
 * to alerts.json. See pipeline.h for the guarantees. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/yarena.h"
#include "common/ybuf.h"
#include "manager/committer.h"
#include "manager/pipeline.h"

#define BATCH_DEFAULT 1024
#define ALERT_MAX (4u << 20)
#define TEXT_MAX (1u << 30)
#define CHUNK_MIN (64u << 10)

typedef struct slot {
	yg_input in;     /* its strings point into the arena */
	unsigned worker; /* the shard that runs it */
	unsigned src;    /* yg_pipeline_source */
	int level;       /* the alert's level, or -1 when there is none to file */
	size_t off, len; /* the alert JSON in its worker's buffer */
	size_t aoff;     /* the event JSON in its worker's archive buffer ... */
	size_t alen;     /* ... 0 when none */
} slot;

typedef struct worker {
	struct yg_pipeline *p;
	unsigned id;
	pthread_t th;
	bool started;
	yg_session *sess;
	yg_buf out;
	yg_buf one;
	yg_buf arch; /* every event's JSON, for archives.json */
	uint64_t errors;
} worker;

struct yg_pipeline {
	yg_pipeline_config cfg;
	worker *w;
	unsigned nw;
	bool threaded;
	yg_rule_state *state; /* shared by the workers' sessions */
	yg_diff_store *diff;  /* check_diff, shared by them too; survives reloads */
	slot *slots;
	size_t n, max;
	yg_arena *arena; /* the strings of one batch; reset, not freed, between batches */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen, ndone;
	bool quit;
	bool processed; /* the batch ran; its commit is still to succeed */
	yg_buf text;    /* the batch's lines for alerts.json */
	yg_buf atext;   /* lines for archives.json not written yet */
	size_t alines;
	yg_buf ltext; /* lines for archives.log (<logall>) not written yet */
	size_t llines;
	size_t ntexts;
	uint64_t next_seq; /* alert id numbers, unique across restarts */
	char manager_name[256];
	yg_committer *com; /* the commit thread */
	const yg_pipeline_records *rec;
	void *rec_ctx;
	double wait_since; /* when a full or processed batch began to wait for it */
	yg_pipeline_sink sink;
	void *sink_ctx;
	yg_pipeline_stats st;
};

const double yg_pipeline_hist_ms[YG_PIPE_HIST_N] = {1,   2,   5,   10,   25,   50,
                                                    100, 250, 500, 1000, 2500, 5000};

const char *yg_pipeline_source_name(yg_pipeline_source s)
{
	static const char *const names[] = {"logcollector", "fim", "agent", "internal"};
	return s < YG_PIPE_NSOURCES ? names[s] : "unknown";
}

static unsigned source_of(const yg_input *in)
{
	if (in->decoded_as && !strncmp(in->decoded_as, "syscheck", 8))
		return YG_PIPE_FIM;
	if (in->agent_id && strcmp(in->agent_id, "000") != 0)
		return YG_PIPE_AGENT;
	if (in->location && !strcmp(in->location, "yagura-execd"))
		return YG_PIPE_INTERNAL;
	return YG_PIPE_LOGCOLLECTOR;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- arena ---- */

static const char *arena_str(yg_pipeline *p, const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = yg_arena_strdup(p->arena, s);
	if (!d)
		*ok = false;
	return d;
}

/* ---- workers ---- */

/* Appends the last event's JSON to w->arch (archives.json). */
static void archive_event(worker *w, slot *sl)
{
	sl->alen = 0;
	if (!w->one.data || !w->one.len) {
		yg_buf_reset(&w->one);
		if (yg_session_alert_json(w->sess, &w->one) || !w->one.data)
			return;
	}
	size_t off = w->arch.len;
	if (yg_buf_append(&w->arch, w->one.data, w->one.len))
		return;
	sl->aoff = off;
	sl->alen = w->one.len;
}

static void run_event(worker *w, slot *sl)
{
	yg_pipeline *p = w->p;
	yg_verdict v;
	sl->level = -1;
	sl->alen = 0;
	yg_buf_reset(&w->one);
	if (yg_session_process(w->sess, &sl->in, &v) != YG_OK) {
		w->errors++;
		return;
	}
	if (!v.alert || v.level < p->cfg.log_alert_level) {
		if (p->cfg.archives)
			archive_event(w, sl);
		return;
	}
	if (yg_session_alert_json(w->sess, &w->one) || !w->one.data) {
		w->errors++;
		return;
	}
	if (p->cfg.archives)
		archive_event(w, sl);
	size_t off = w->out.len;
	if (yg_buf_append(&w->out, w->one.data, w->one.len)) {
		w->errors++;
		return;
	}
	sl->off = off;
	sl->len = w->one.len;
	sl->level = v.level;
}

static void run_shard(worker *w)
{
	yg_pipeline *p = w->p;
	yg_buf_reset(&w->out);
	yg_buf_reset(&w->arch);
	for (size_t i = 0; i < p->n; i++)
		if (p->slots[i].worker == w->id)
			run_event(w, &p->slots[i]);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	yg_pipeline *p = w->p;
	unsigned seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		run_shard(w);
		pthread_mutex_lock(&p->mu);
		if (++p->ndone == p->nw)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void run_batch(yg_pipeline *p)
{
	if (!p->threaded) {
		run_shard(&p->w[0]);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->ndone = 0;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	while (p->ndone < p->nw)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static yg_err make_sessions(yg_pipeline *p, const yg_ruleset *rs)
{
	yg_session **s = calloc(p->nw, sizeof(*s));
	yg_rule_state *st = yg_rule_state_create(rs);
	if (!s || !st) {
		free(s);
		yg_rule_state_destroy(st);
		return YG_ENOMEM;
	}
	for (unsigned i = 0; i < p->nw; i++) {
		if (!(s[i] = yg_session_create_shared(rs, YG_CLOCK_WALL, st))) {
			while (i--)
				yg_session_destroy(s[i]);
			free(s);
			yg_rule_state_destroy(st);
			return YG_ENOMEM;
		}
	}
	for (unsigned i = 0; i < p->nw; i++) {
		yg_session_set_diff_store(s[i], p->diff);
		yg_session_destroy(p->w[i].sess);
		p->w[i].sess = s[i];
	}
	yg_rule_state_destroy(p->state);
	p->state = st;
	free(s);
	return YG_OK;
}

/* ---- start-up: the state row and alerts.json completion ---- */

static int gather_row(void *ctx, uint64_t seq, const char *json, size_t len)
{
	yg_buf *b = ctx;
	(void)seq;
	return yg_buf_append(b, json, len) || yg_buf_putc(b, '\n');
}

/* Loads a saved check_diff output. Rows over the store's budget are left
 * out (their next output is then taken as a first one). */
static void load_diff(void *ctx, const char *host, unsigned rule, const char *output)
{
	yg_pipeline *p = ctx;
	yg_diff_store_load(p->diff, host, rule, output);
}

/* Copies one changed check_diff output into the commit batch: the
 * strings into its dtext, their offsets in the row (yg_committer_submit
 * turns them into pointers). */
static yg_err take_diff(void *ctx, const char *host, unsigned rule, const char *output)
{
	yg_commit_batch *b = ctx;
	if (b->ndiffs == b->diffs_cap) {
		size_t cap = b->diffs_cap ? b->diffs_cap * 2 : 64;
		yg_check_diff_row *d = realloc(b->diffs, cap * sizeof(*d));
		if (!d)
			return YG_ENOMEM;
		b->diffs = d;
		b->diffs_cap = cap;
	}
	size_t ho = b->dtext.len;
	yg_err err = yg_buf_append(&b->dtext, host, strlen(host) + 1);
	size_t oo = b->dtext.len;
	if (!err)
		err = yg_buf_append(&b->dtext, output, strlen(output) + 1);
	if (err)
		return err;
	b->diffs[b->ndiffs++] = (yg_check_diff_row){.host = (const char *)(uintptr_t)ho,
	                                            .rule = rule,
	                                            .output = (const char *)(uintptr_t)oo};
	return YG_OK;
}

/* Completes alerts.json with the last committed batch. The batch is rebuilt
 * from the store: its text is the same bytes that were being appended. */
static yg_err recover_alerts_log(yg_pipeline *p)
{
	yg_commit_mark m;
	bool have = false;
	yg_err err = yg_alert_store_load_mark(p->cfg.store, &m, &have);
	if (err || !have)
		return err;
	p->next_seq = m.next_alert_seq;
	if (m.first_seq == 0 || m.len == 0)
		return YG_OK;
	yg_buf_reset(&p->text);
	err = yg_alert_store_scan_seq(p->cfg.store, m.first_seq, m.last_seq, gather_row, &p->text);
	if (err)
		return err;
	if (p->text.len != m.len) {
		/* rows of the batch were refused by the store: the bytes cannot
		 * be rebuilt exactly, so write nothing rather than a wrong tail */
		p->st.recover_skipped = 1;
		yg_buf_reset(&p->text);
		return YG_OK;
	}
	size_t written = 0;
	yg_alerts_log_pos pos = {.dev = m.dev, .ino = m.ino, .offset = m.off};
	err = yg_alerts_log_complete(p->cfg.alerts, &pos, p->text.data, p->text.len, &written);
	p->st.recovered_bytes = written;
	yg_buf_reset(&p->text);
	return err;
}

/* ---- public ---- */

yg_err yg_pipeline_create(const yg_pipeline_config *cfg, yg_pipeline **out)
{
	*out = NULL;
	if (!cfg || !cfg->rs || !cfg->store || !cfg->alerts)
		return YG_EINVAL;
	yg_pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		return YG_ENOMEM;
	p->cfg = *cfg;
	if (cfg->manager_name)
		snprintf(p->manager_name, sizeof(p->manager_name), "%s", cfg->manager_name);
	p->max = cfg->batch_max ? cfg->batch_max : BATCH_DEFAULT;
	p->nw = cfg->workers > 1 ? cfg->workers : 1;
	p->threaded = p->nw > 1;
	p->next_seq = 1;
	p->diff = yg_diff_store_create(0);
	yg_buf_init(&p->text, TEXT_MAX);
	yg_buf_init(&p->atext, TEXT_MAX);
	yg_buf_init(&p->ltext, TEXT_MAX);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	yg_err err = YG_ENOMEM;
	p->slots = calloc(p->max, sizeof(*p->slots));
	p->arena = yg_arena_create(CHUNK_MIN);
	p->w = calloc(p->nw, sizeof(*p->w));
	if (!p->slots || !p->arena || !p->w || !p->diff)
		goto fail;
	for (unsigned i = 0; i < p->nw; i++) {
		p->w[i].p = p;
		p->w[i].id = i;
		yg_buf_init(&p->w[i].out, TEXT_MAX);
		yg_buf_init(&p->w[i].one, ALERT_MAX);
		yg_buf_init(&p->w[i].arch, TEXT_MAX);
	}
	if ((err = make_sessions(p, cfg->rs)))
		goto fail;
	yg_committer_config cc = {.store = cfg->store,
	                          .alerts = cfg->alerts,
	                          .archives = cfg->archives,
	                          .archives_log = cfg->archives_log,
	                          .batch_max = p->max};
	if ((err = recover_alerts_log(p)) ||
	    (err = yg_alert_store_load_diffs(cfg->store, load_diff, p)) ||
	    (err = yg_committer_create(&cc, &p->com)))
		goto fail;
	if (p->threaded) {
		for (unsigned i = 0; i < p->nw; i++) {
			if (pthread_create(&p->w[i].th, NULL, worker_main, &p->w[i]) != 0) {
				err = YG_ENOMEM;
				goto fail;
			}
			p->w[i].started = true;
		}
	}
	*out = p;
	return YG_OK;
fail:
	yg_pipeline_destroy(p);
	return err;
}

void yg_pipeline_destroy(yg_pipeline *p)
{
	if (!p)
		return;
	yg_committer_destroy(p->com); /* first: its snapshot's release is the caller's */
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; p->w && i < p->nw; i++) {
		if (p->w[i].started)
			pthread_join(p->w[i].th, NULL);
		yg_session_destroy(p->w[i].sess);
		yg_buf_free(&p->w[i].out);
		yg_buf_free(&p->w[i].one);
		yg_buf_free(&p->w[i].arch);
	}
	yg_rule_state_destroy(p->state);
	yg_diff_store_destroy(p->diff);
	yg_arena_destroy(p->arena);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	yg_buf_free(&p->text);
	yg_buf_free(&p->atext);
	yg_buf_free(&p->ltext);
	free(p->w);
	free(p->slots);
	free(p);
}

bool yg_pipeline_offer(yg_pipeline *p, const yg_input *in)
{
	if (p->processed || p->n >= p->max) {
		p->st.refused++;
		return false;
	}
	slot *sl = &p->slots[p->n];
	bool ok = true;
	sl->in = *in;
	sl->in.log = arena_str(p, in->log ? in->log : "", &ok);
	sl->in.location = arena_str(p, in->location, &ok);
	sl->in.agent_id = arena_str(p, in->agent_id, &ok);
	sl->in.agent_name = arena_str(p, in->agent_name, &ok);
	sl->in.agent_ip = arena_str(p, in->agent_ip, &ok);
	sl->in.manager_name = in->manager_name     ? arena_str(p, in->manager_name, &ok)
	                      : p->manager_name[0] ? p->manager_name
	                                           : NULL;
	sl->in.decoded_as = arena_str(p, in->decoded_as, &ok);
	sl->in.fields = NULL;
	if (in->nfields) {
		yg_kv *kv = yg_arena_alloc(p->arena, in->nfields * sizeof(*kv));
		if (!kv) {
			ok = false;
		} else {
			for (size_t i = 0; i < in->nfields; i++) {
				kv[i].key = arena_str(p, in->fields[i].key, &ok);
				kv[i].value = arena_str(p, in->fields[i].value, &ok);
			}
			sl->in.fields = kv;
		}
	}
	sl->in.labels = NULL;
	if (in->nlabels) {
		yg_label *l = yg_arena_alloc(p->arena, in->nlabels * sizeof(*l));
		if (!l) {
			ok = false;
		} else {
			for (size_t i = 0; i < in->nlabels; i++) {
				l[i].key = arena_str(p, in->labels[i].key, &ok);
				l[i].value = arena_str(p, in->labels[i].value, &ok);
				l[i].hidden = in->labels[i].hidden;
			}
			sl->in.labels = l;
		}
	}
	if (!ok) {
		p->st.refused++;
		return false;
	}
	if (!sl->in.now)
		sl->in.now = time(NULL);
	sl->in.alert_seq = p->next_seq++;
	sl->worker = yg_event_shard(sl->in.log, p->nw);
	sl->level = -1;
	sl->src = source_of(in);
	p->st.src_in[sl->src]++;
	p->n++;
	return true;
}

size_t yg_pipeline_pending(const yg_pipeline *p)
{
	return p->n;
}

/* Appends the event's archives.log line, as Wazuh's analysisd writes it:
 * "YYYY Mon DD HH:MM:SS HOST->LOCATION FULL_LOG", where an agent's event
 * has its Wazuh location "(NAME) IP->LOCATION" and no HOST part. */
static yg_err archive_line(yg_pipeline *p, const yg_input *in)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = in->now ? in->now : time(NULL);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return YG_EINVAL;
	yg_err e = yg_buf_printf(&p->ltext, "%d %s %02d %02d:%02d:%02d ", tm.tm_year + 1900,
	                         mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (!e && in->agent_id && strcmp(in->agent_id, "000") != 0)
		e = yg_buf_printf(&p->ltext, "(%s) %s->", in->agent_name ? in->agent_name : "",
		                  in->agent_ip && *in->agent_ip ? in->agent_ip : "any");
	else if (!e)
		e = yg_buf_printf(&p->ltext, "%s->",
		                  in->manager_name ? in->manager_name : p->manager_name);
	if (!e)
		e = yg_buf_printf(&p->ltext, "%s ", in->location ? in->location : "");
	/* one event per line: a newline inside (none in collected lines)
	 * becomes a space */
	for (const char *c = in->log; !e && c && *c; c++)
		e = yg_buf_putc(&p->ltext, *c == '\n' || *c == '\r' ? ' ' : *c);
	return e ? e : yg_buf_putc(&p->ltext, '\n');
}

/* Adds the batch's events, in event order, to the archives.json and
 * archives.log texts (after what an earlier failed write left there). */
static void gather_archive(yg_pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const slot *sl = &p->slots[i];
		size_t lmark = p->ltext.len;
		if (p->cfg.archives_log && archive_line(p, &sl->in)) {
			p->ltext.len = lmark;
			p->st.archive_dropped++;
		} else if (p->cfg.archives_log) {
			p->llines++;
		}
		if (!sl->alen)
			continue;
		const char *j = p->w[sl->worker].arch.data + sl->aoff;
		size_t mark = p->atext.len;
		if (yg_buf_append(&p->atext, j, sl->alen) || yg_buf_putc(&p->atext, '\n')) {
			p->atext.len = mark;
			p->st.archive_dropped++;
			continue;
		}
		p->alines++;
	}
}

/* Runs the batch and gathers its alerts, in event order, into the
 * alerts.json text. */
static yg_err process(yg_pipeline *p)
{
	run_batch(p);
	yg_buf_reset(&p->text);
	p->ntexts = 0;
	for (unsigned i = 0; i < p->nw; i++) {
		p->st.engine_errors += p->w[i].errors;
		p->w[i].errors = 0;
	}
	if (p->cfg.archives || p->cfg.archives_log)
		gather_archive(p);
	for (size_t i = 0; i < p->n; i++) {
		const slot *sl = &p->slots[i];
		if (sl->level < 0)
			continue;
		const char *j = p->w[sl->worker].out.data + sl->off;
		if (yg_buf_append(&p->text, j, sl->len) || yg_buf_putc(&p->text, '\n'))
			return YG_ENOMEM;
		p->ntexts++;
	}
	p->st.events += p->n;
	p->processed = true;
	return YG_OK;
}

/* The processed batch into the committer's batch b: the text (swapped, not
 * copied), its alerts as slices of it, the counters, the archive lines. */
static void fill_batch(yg_pipeline *p, yg_commit_batch *b)
{
	yg_buf t = b->text;
	b->text = p->text;
	p->text = t;
	yg_buf_reset(&p->text);
	for (size_t i = 0; i < p->n; i++) {
		const slot *sl = &p->slots[i];
		b->src_out[sl->src]++;
		if (sl->level >= 0)
			b->alerts_level[sl->level > 16 ? 16 : sl->level]++;
	}
	/* one alert per line: JSON text holds no raw newline */
	b->ntexts = 0;
	const char *a = b->text.data, *end = a ? a + b->text.len : NULL;
	while (a && a < end && b->ntexts < p->max) {
		const char *nl = memchr(a, '\n', (size_t)(end - a));
		size_t len = nl ? (size_t)(nl - a) : (size_t)(end - a);
		b->texts[b->ntexts++] = (yg_alert_text){a, len};
		a += len + 1;
	}
	b->events = p->n;
	b->next_alert_seq = p->next_seq;
	if (p->atext.len && !yg_buf_append(&b->atext, p->atext.data, p->atext.len)) {
		b->alines += p->alines;
		p->alines = 0;
		yg_buf_reset(&p->atext);
	} /* else: they stay for the next batch */
	if (p->ltext.len && !yg_buf_append(&b->ltext, p->ltext.data, p->ltext.len)) {
		b->llines += p->llines;
		p->llines = 0;
		yg_buf_reset(&p->ltext);
	}
}

/* Hands the processed batch over: the check_diff outputs, the text, then
 * the caller's records (last: capturing them is what moves the caller on,
 * so nothing after it may fail). */
static yg_err hand_over(yg_pipeline *p, yg_commit_batch *b)
{
	b->ndiffs = 0;
	yg_buf_reset(&b->dtext);
	yg_err err = yg_diff_store_changes(p->diff, take_diff, b);
	if (err)
		return err;
	void *snap = NULL;
	if (p->rec && p->rec->capture && !(snap = p->rec->capture(p->rec_ctx)))
		return YG_ENOMEM;
	yg_diff_store_clean(p->diff); /* saved: committed with the batch */
	fill_batch(p, b);
	b->snap = snap;
	yg_committer_submit(p->com);
	p->st.handoffs++;
	p->n = 0;
	p->ntexts = 0;
	p->processed = false;
	yg_arena_reset(p->arena);
	if (p->wait_since > 0) {
		p->st.handoff_wait_seconds += mono_s() - p->wait_since;
		p->wait_since = 0;
	}
	return YG_OK;
}

/* On the caller's thread, for a committed batch: its acknowledgements,
 * then the sink. */
static void on_committed(void *ctx, yg_commit_batch *b)
{
	yg_pipeline *p = ctx;
	if (p->rec && p->rec->committed && b->snap)
		p->rec->committed(p->rec_ctx, b->snap);
	if (p->sink && b->ntexts && b->first_seq)
		p->sink(p->sink_ctx, b->first_seq, b->texts, b->ntexts);
}

yg_err yg_pipeline_commit(yg_pipeline *p, bool dirty, bool *busy)
{
	if (busy)
		*busy = false;
	yg_committer_collect(p->com, on_committed, p);
	if (!p->n && !p->processed && !dirty)
		return yg_committer_error(p->com); /* a failing commit is told every time */
	yg_commit_batch *b = yg_committer_batch(p->com);
	if (!b) {
		/* the commit thread has the batch before: this one keeps filling,
		 * and once full runs through the engine meanwhile */
		if (busy)
			*busy = true;
		yg_err err = YG_OK;
		if (!p->processed && p->n >= p->max)
			err = process(p);
		if ((p->processed || p->n >= p->max) && p->wait_since == 0) {
			p->wait_since = mono_s();
			p->st.handoff_waits++;
		}
		return err ? err : yg_committer_error(p->com);
	}
	if (!p->processed) {
		yg_err err = process(p);
		if (err)
			return err;
	}
	return hand_over(p, b);
}

yg_err yg_pipeline_sync(yg_pipeline *p, bool dirty)
{
	for (int round = 0; round < 2; round++) {
		bool busy = false;
		yg_err err = yg_pipeline_commit(p, dirty, &busy);
		if (err && !busy)
			return err;
		if ((err = yg_committer_wait(p->com)))
			return err;
		yg_committer_collect(p->com, on_committed, p);
		if (!busy)
			return YG_OK; /* what there was is committed and collected */
		dirty = true;         /* the batch that waited: hand it over now */
	}
	return YG_OK;
}

int yg_pipeline_fd(const yg_pipeline *p)
{
	return yg_committer_fd(p->com);
}

bool yg_pipeline_blocked(const yg_pipeline *p)
{
	return (p->processed || p->n >= p->max) && yg_committer_busy(p->com);
}

bool yg_pipeline_busy(const yg_pipeline *p)
{
	return yg_committer_busy(p->com);
}

void yg_pipeline_set_records(yg_pipeline *p, const yg_pipeline_records *rec, void *ctx)
{
	p->rec = rec;
	p->rec_ctx = ctx;
	yg_committer_set_records(p->com, rec);
}

void yg_pipeline_set_sink(yg_pipeline *p, yg_pipeline_sink fn, void *ctx)
{
	p->sink = fn;
	p->sink_ctx = ctx;
}

yg_err yg_pipeline_set_ruleset(yg_pipeline *p, const yg_ruleset *rs, int log_alert_level)
{
	if (!rs || p->n || p->processed)
		return YG_EINVAL;
	yg_err err = make_sessions(p, rs);
	if (!err) {
		p->cfg.rs = rs;
		p->cfg.log_alert_level = log_alert_level;
	}
	return err;
}

void yg_pipeline_get_stats(const yg_pipeline *p, yg_pipeline_stats *out)
{
	*out = p->st;
	yg_committer_stats(p->com, out);
	if (p->wait_since > 0)
		out->handoff_wait_seconds += mono_s() - p->wait_since;
}
