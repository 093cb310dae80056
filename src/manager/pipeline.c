/* pipeline.c: batches of events through engine workers into one commit.
 *
 * A batch lives in `ins` (the events, their strings copied into an arena)
 * and `slots` (what the pipeline needs of each). commit() runs the batch
 * through the engine's runner (engine/runner.h: workers partitioned by
 * agent, with one session's results for any number of them), which gives
 * the alerts in event order; the caller's thread hands them, with the
 * caller's records and the alerts.json mark, to the commit thread
 * (manager/committer.h), which commits and appends them to alerts.json.
 * See pipeline.h for the guarantees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/yarena.h"
#include "common/ybuf.h"
#include "engine/runner.h"
#include "manager/committer.h"
#include "manager/pipeline.h"

#define BATCH_DEFAULT 1024
#define TEXT_MAX (1u << 30)
#define CHUNK_MIN (64u << 10)

typedef struct slot {
	unsigned src; /* yg_pipeline_source */
	int level;    /* the alert's level, or -1 when there is none to file */
} slot;

struct yg_pipeline {
	yg_pipeline_config cfg;
	yg_runner *run;      /* the engine's workers */
	yg_diff_store *diff; /* check_diff, shared by them; survives reloads */
	yg_input *ins;       /* the batch; strings in the arena */
	yg_run_result *res;  /* what each event gave */
	slot *slots;
	size_t n, max;
	yg_arena *arena; /* the strings of one batch; reset, not freed, between batches */
	bool processed;  /* the batch ran; its commit is still to succeed */
	yg_buf text;     /* the batch's lines for alerts.json */
	yg_buf atext;    /* lines for archives.json not written yet */
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

/* ---- the engine ---- */

static yg_err make_runner(yg_pipeline *p)
{
	yg_runner_config rc = {
	        .rs = p->cfg.rs,
	        .workers = p->cfg.workers,
	        .clock = YG_CLOCK_WALL,
	        .diff = p->diff,
	        .log_alert_level = p->cfg.log_alert_level,
	        .archive = p->cfg.archives != NULL,
	};
	return yg_runner_create(&rc, &p->run);
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
	p->next_seq = 1;
	p->diff = yg_diff_store_create(0);
	yg_buf_init(&p->text, TEXT_MAX);
	yg_buf_init(&p->atext, TEXT_MAX);
	yg_buf_init(&p->ltext, TEXT_MAX);
	yg_err err = YG_ENOMEM;
	p->slots = calloc(p->max, sizeof(*p->slots));
	p->arena = yg_arena_create(CHUNK_MIN);
	p->ins = calloc(p->max, sizeof(*p->ins));
	p->res = calloc(p->max, sizeof(*p->res));
	if (!p->slots || !p->arena || !p->ins || !p->res || !p->diff)
		goto fail;
	if ((err = make_runner(p)))
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
	yg_runner_destroy(p->run);
	yg_diff_store_destroy(p->diff);
	yg_arena_destroy(p->arena);
	yg_buf_free(&p->text);
	yg_buf_free(&p->atext);
	yg_buf_free(&p->ltext);
	free(p->ins);
	free(p->res);
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
	yg_input *cp = &p->ins[p->n];
	bool ok = true;
	*cp = *in;
	cp->log = arena_str(p, in->log ? in->log : "", &ok);
	cp->location = arena_str(p, in->location, &ok);
	cp->agent_id = arena_str(p, in->agent_id, &ok);
	cp->agent_name = arena_str(p, in->agent_name, &ok);
	cp->agent_ip = arena_str(p, in->agent_ip, &ok);
	cp->manager_name = in->manager_name     ? arena_str(p, in->manager_name, &ok)
	                   : p->manager_name[0] ? p->manager_name
	                                        : NULL;
	cp->decoded_as = arena_str(p, in->decoded_as, &ok);
	cp->fields = NULL;
	if (in->nfields) {
		yg_kv *kv = yg_arena_alloc(p->arena, in->nfields * sizeof(*kv));
		if (!kv) {
			ok = false;
		} else {
			for (size_t i = 0; i < in->nfields; i++) {
				kv[i].key = arena_str(p, in->fields[i].key, &ok);
				kv[i].value = arena_str(p, in->fields[i].value, &ok);
			}
			cp->fields = kv;
		}
	}
	cp->labels = NULL;
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
			cp->labels = l;
		}
	}
	if (!ok) {
		p->st.refused++;
		return false;
	}
	if (!cp->now)
		cp->now = time(NULL);
	cp->alert_seq = p->next_seq++;
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
		const yg_run_result *rr = &p->res[i];
		size_t lmark = p->ltext.len;
		if (p->cfg.archives_log && archive_line(p, &p->ins[i])) {
			p->ltext.len = lmark;
			p->st.archive_dropped++;
		} else if (p->cfg.archives_log) {
			p->llines++;
		}
		if (!rr->alen)
			continue;
		const char *j = yg_runner_archive(p->run) + rr->aoff;
		size_t mark = p->atext.len;
		if (yg_buf_append(&p->atext, j, rr->alen) || yg_buf_putc(&p->atext, '\n')) {
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
	yg_err err = yg_runner_run(p->run, p->ins, p->n, p->res);
	if (err)
		return err;
	yg_buf_reset(&p->text);
	p->ntexts = 0;
	p->st.engine_errors += yg_runner_take_errors(p->run);
	if (p->cfg.archives || p->cfg.archives_log)
		gather_archive(p);
	for (size_t i = 0; i < p->n; i++) {
		const yg_run_result *rr = &p->res[i];
		p->slots[i].level = rr->level;
		if (rr->level < 0)
			continue;
		const char *j = yg_runner_alerts(p->run) + rr->off;
		if (yg_buf_append(&p->text, j, rr->len) || yg_buf_putc(&p->text, '\n'))
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
	yg_err err = yg_runner_set_ruleset(p->run, rs, log_alert_level);
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
