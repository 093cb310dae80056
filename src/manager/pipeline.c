/* pipeline.c: batches of events through engine workers into one commit.
 *
 * A batch lives in `ins` (the events, their strings copied into an arena)
 * and `slots` (what the pipeline needs of each). commit() runs the batch
 * through the engine's runner (engine/runner.h: workers partitioned by
 * agent, with one session's results for any number of them), which gives
 * the alerts in event order; the caller's thread commits them with the
 * caller's records and the alerts.json mark, and appends them to
 * alerts.json. See pipeline.h for the guarantees. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/yarena.h"
#include "common/ybuf.h"
#include "engine/runner.h"
#include "manager/pipeline.h"

#define BATCH_DEFAULT 1024
#define TEXT_MAX (1u << 30)
#define CHUNK_MIN (64u << 10)

static const char state_schema[] =
        "CREATE TABLE IF NOT EXISTS pipeline_state("
        " k INTEGER PRIMARY KEY CHECK (k = 1),"
        " next_alert_seq INTEGER NOT NULL,"
        " dev INTEGER NOT NULL, ino INTEGER NOT NULL, off INTEGER NOT NULL,"
        " len INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL)";

/* check_diff's last outputs (yg_diff_store), saved with each batch so that a
 * restart compares with what the last committed batch saw. */
static const char diff_schema[] =
        "CREATE TABLE IF NOT EXISTS check_diff("
        " host TEXT NOT NULL, rule INTEGER NOT NULL, output TEXT NOT NULL,"
        " PRIMARY KEY (host, rule))";

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
	yg_alert_text *texts;
	size_t ntexts;
	yg_alerts_log_pos pos; /* where the last committed batch goes */
	bool unwritten;        /* ... and it is not (all) there yet */
	uint64_t next_seq;     /* alert id numbers, unique across restarts */
	char manager_name[256];
	uint64_t first_seq; /* store seq of the committed batch's first alert */
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

typedef struct recover {
	yg_pipeline *p;
	bool have;
	yg_alerts_log_pos pos;
	uint64_t len, first, last;
} recover;

static yg_err read_state(void *ctx, void *dbp)
{
	recover *r = ctx;
	sqlite3 *db = dbp;
	if (sqlite3_exec(db, state_schema, NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT next_alert_seq, dev, ino, off, len, first_seq, last_seq"
	                       " FROM pipeline_state WHERE k = 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err err = YG_OK;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->have = true;
		r->p->next_seq = (uint64_t)sqlite3_column_int64(st, 0);
		r->pos.dev = (uint64_t)sqlite3_column_int64(st, 1);
		r->pos.ino = (uint64_t)sqlite3_column_int64(st, 2);
		r->pos.offset = (uint64_t)sqlite3_column_int64(st, 3);
		r->len = (uint64_t)sqlite3_column_int64(st, 4);
		r->first = (uint64_t)sqlite3_column_int64(st, 5);
		r->last = (uint64_t)sqlite3_column_int64(st, 6);
	} else if (rc != SQLITE_DONE) {
		err = YG_EIO;
	}
	sqlite3_finalize(st);
	return err;
}

static int gather_row(void *ctx, uint64_t seq, const char *json, size_t len)
{
	yg_buf *b = ctx;
	(void)seq;
	return yg_buf_append(b, json, len) || yg_buf_putc(b, '\n');
}

/* Loads the saved check_diff outputs. Rows over the store's budget are left
 * out (their next output is then taken as a first one). */
static yg_err read_diff(void *ctx, void *dbp)
{
	yg_pipeline *p = ctx;
	sqlite3 *db = dbp;
	if (sqlite3_exec(db, diff_schema, NULL, NULL, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT host, rule, output FROM check_diff", -1, &st, NULL) !=
	    SQLITE_OK)
		return YG_EIO;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *host = (const char *)sqlite3_column_text(st, 0);
		const char *out = (const char *)sqlite3_column_text(st, 2);
		if (host && out)
			yg_diff_store_load(p->diff, host, (unsigned)sqlite3_column_int64(st, 1),
			                   out);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

static yg_err save_diff(void *ctx, const char *host, unsigned rule, const char *output)
{
	sqlite3_stmt *st = ctx;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rule);
	sqlite3_bind_text(st, 3, output, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? YG_OK : YG_EIO;
}

/* Inside the batch's transaction: the outputs check_diff remembered. */
static yg_err write_diff(yg_pipeline *p, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO check_diff(host, rule, output)"
	                       " VALUES (?1, ?2, ?3)",
	                       -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	yg_err err = yg_diff_store_changes(p->diff, save_diff, st);
	sqlite3_finalize(st);
	return err;
}

/* Completes alerts.json with the last committed batch. The batch is rebuilt
 * from the store: its text is the same bytes that were being appended. */
static yg_err recover_alerts_log(yg_pipeline *p, const recover *r)
{
	if (!r->have || r->first == 0 || r->len == 0)
		return YG_OK;
	yg_buf_reset(&p->text);
	yg_err err = yg_alert_store_scan_seq(p->cfg.store, r->first, r->last, gather_row, &p->text);
	if (err)
		return err;
	if (p->text.len != r->len) {
		/* rows of the batch were refused by the store: the bytes cannot
		 * be rebuilt exactly, so write nothing rather than a wrong tail */
		p->st.recover_skipped = 1;
		yg_buf_reset(&p->text);
		return YG_OK;
	}
	size_t written = 0;
	err = yg_alerts_log_complete(p->cfg.alerts, &r->pos, p->text.data, p->text.len, &written);
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
	yg_err err = YG_ENOMEM;
	p->slots = calloc(p->max, sizeof(*p->slots));
	p->arena = yg_arena_create(CHUNK_MIN);
	p->ins = calloc(p->max, sizeof(*p->ins));
	p->res = calloc(p->max, sizeof(*p->res));
	p->texts = calloc(p->max, sizeof(*p->texts));
	if (!p->slots || !p->arena || !p->ins || !p->res || !p->texts || !p->diff)
		goto fail;
	if ((err = make_runner(p)))
		goto fail;
	recover r = {.p = p};
	if ((err = yg_alert_store_with_db(cfg->store, read_state, &r)) ||
	    (err = yg_alert_store_with_db(cfg->store, read_diff, p)) ||
	    (err = recover_alerts_log(p, &r)))
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
	yg_runner_destroy(p->run);
	yg_diff_store_destroy(p->diff);
	yg_arena_destroy(p->arena);
	yg_buf_free(&p->text);
	yg_buf_free(&p->atext);
	free(p->ins);
	free(p->res);
	free(p->slots);
	free(p->texts);
	free(p);
}

bool yg_pipeline_offer(yg_pipeline *p, const yg_input *in)
{
	if (p->processed || p->unwritten || p->n >= p->max) {
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

typedef struct commit_ctx {
	yg_pipeline *p;
	yg_alert_store_hook hook;
	void *ctx;
} commit_ctx;

/* Inside the store's transaction: the caller's records, then the state row
 * saying where this batch goes in alerts.json and which rows it is. */
static yg_err commit_hook(void *ctxp, void *dbp, uint64_t first, uint64_t last)
{
	commit_ctx *c = ctxp;
	yg_pipeline *p = c->p;
	p->first_seq = first;
	yg_err err = c->hook ? c->hook(c->ctx, dbp, first, last) : YG_OK;
	if (err)
		return err;
	sqlite3 *db = dbp;
	if ((err = write_diff(p, db)))
		return err;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
	            db,
	            "INSERT OR REPLACE INTO pipeline_state(k, next_alert_seq, dev, ino,"
	            " off, len, first_seq, last_seq) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	            -1, &st, NULL) != SQLITE_OK)
		return YG_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)p->next_seq);
	sqlite3_bind_int64(st, 2, (int64_t)p->pos.dev);
	sqlite3_bind_int64(st, 3, (int64_t)p->pos.ino);
	sqlite3_bind_int64(st, 4, (int64_t)p->pos.offset);
	sqlite3_bind_int64(st, 5, first ? (int64_t)p->text.len : 0);
	sqlite3_bind_int64(st, 6, (int64_t)first);
	sqlite3_bind_int64(st, 7, (int64_t)last);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? YG_OK : YG_EIO;
}

/* Adds the batch's events, in event order, to the archives.json text
 * (after what an earlier failed write left there). */
static void gather_archive(yg_pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const yg_run_result *rr = &p->res[i];
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

/* Writes the archived events after the commit; on failure they stay for
 * the next commit. The archive is not part of the commit: a crash between
 * the commit and this write loses those lines (docs/outputs.md). */
static void write_archive(yg_pipeline *p)
{
	if (!p->cfg.archives || !p->atext.len)
		return;
	yg_alerts_log_pos pos;
	if (yg_alerts_log_prepare(p->cfg.archives, p->atext.len, time(NULL), &pos) ||
	    yg_alerts_log_append(p->cfg.archives, p->atext.data, p->atext.len, p->alines)) {
		p->st.archive_errors++;
		return;
	}
	p->st.archived += p->alines;
	p->alines = 0;
	yg_buf_reset(&p->atext);
}

/* Runs the batch and gathers its alerts, in event order, into texts[] and
 * the alerts.json text. */
static yg_err process(yg_pipeline *p)
{
	yg_err err = yg_runner_run(p->run, p->ins, p->n, p->res);
	if (err)
		return err;
	yg_buf_reset(&p->text);
	p->ntexts = 0;
	p->st.engine_errors += yg_runner_take_errors(p->run);
	if (p->cfg.archives)
		gather_archive(p);
	for (size_t i = 0; i < p->n; i++) {
		const yg_run_result *rr = &p->res[i];
		p->slots[i].level = rr->level;
		if (rr->level < 0)
			continue;
		const char *j = yg_runner_alerts(p->run) + rr->off;
		if (yg_buf_append(&p->text, j, rr->len) || yg_buf_putc(&p->text, '\n'))
			return YG_ENOMEM;
		p->texts[p->ntexts++] = (yg_alert_text){j, rr->len};
	}
	p->st.events += p->n;
	p->processed = true;
	return YG_OK;
}

/* The counters of a committed batch: events by source, alerts by level,
 * how long the commit took. */
static void count_committed(yg_pipeline *p, double seconds)
{
	for (size_t i = 0; i < p->n; i++) {
		const slot *sl = &p->slots[i];
		p->st.src_out[sl->src]++;
		if (sl->level >= 0)
			p->st.alerts_level[sl->level > 16 ? 16 : sl->level]++;
	}
	size_t b = 0;
	while (b < YG_PIPE_HIST_N && seconds * 1000.0 > yg_pipeline_hist_ms[b])
		b++;
	p->st.commit_hist[b]++;
	p->st.commit_seconds += seconds;
}

/* Appends the committed batch; after a failed append, writes what is
 * missing. */
static yg_err append_batch(yg_pipeline *p)
{
	yg_err err =
	        yg_alerts_log_complete(p->cfg.alerts, &p->pos, p->text.data, p->text.len, NULL);
	if (err) {
		p->st.append_errors++;
		return err;
	}
	p->unwritten = false;
	yg_buf_reset(&p->text);
	return YG_OK;
}

yg_err yg_pipeline_commit(yg_pipeline *p, yg_alert_store_hook hook, void *ctx)
{
	if (p->unwritten) {
		yg_err err = append_batch(p);
		if (err)
			return err;
	}
	if (!p->processed) {
		yg_err err = process(p);
		if (err)
			return err;
	}
	double t0 = mono_s();
	yg_err err = yg_alerts_log_prepare(p->cfg.alerts, p->text.len, time(NULL), &p->pos);
	commit_ctx c = {p, hook, ctx};
	if (!err)
		err = yg_alert_store_commit(p->cfg.store, p->texts, p->ntexts, commit_hook, &c);
	if (err) {
		p->st.commit_errors++;
		return err;
	}
	yg_diff_store_clean(p->diff); /* saved: committed with the batch */
	p->st.batches++;
	p->st.alerts += p->ntexts;
	p->processed = false;
	p->unwritten = p->text.len > 0;
	if (p->unwritten)
		err = append_batch(p);
	count_committed(p, mono_s() - t0);
	write_archive(p);
	/* the sink sees the alerts before their strings (in the workers'
	 * buffers and the arena) are reused by the next batch */
	if (p->sink && p->ntexts && p->first_seq)
		p->sink(p->sink_ctx, p->first_seq, p->texts, p->ntexts);
	p->n = 0;
	p->ntexts = 0;
	yg_arena_reset(p->arena);
	return err;
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
}
