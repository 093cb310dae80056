/* runner.c: N sessions side by side with one session's results; see
 * runner.h for the design.
 *
 * The turn: each worker publishes its frontier, the index of the event it is
 * running (all its events before it are done). An event may touch shared
 * state once every other worker's frontier is past it; the worker with the
 * smallest frontier never waits, so the batch always moves. Frontiers are
 * atomics; a worker that has to wait sleeps on a condition variable that the
 * others signal only while someone waits. */
#include "engine/runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yhash.h"
#include "engine/session_int.h"

#define ALERT_MAX (4u << 20)
#define TEXT_MAX (1u << 30)
#define DONE SIZE_MAX

typedef struct rworker {
	struct yg_runner *r;
	unsigned id;
	pthread_t th;
	bool started;
	yg_session *sess;
	yg_buf out;  /* its events' alert JSON */
	yg_buf arch; /* its events' JSON, for archives */
	yg_buf one;
	_Atomic size_t frontier;
	size_t cur;
	uint64_t errors;
} rworker;

/* Per event, what the ordered stage needs besides yg_run_result. */
typedef struct evinfo {
	unsigned part;
	int rule;            /* index of the rule it generated, -1 none */
	int level;           /* the alert's level */
	size_t fpos, afpos;  /* firedtimes' place in its alert / archive JSON */
	size_t woff, wlen;   /* alert JSON in its worker's buffer */
	size_t waoff, walen; /* archive JSON there */
} evinfo;

struct yg_runner {
	yg_runner_config cfg;
	rworker *w;
	unsigned nw;
	bool threaded;
	yg_rule_state *state;
	unsigned *fired; /* per rule index: firedtimes so far */
	size_t nfired;
	/* the batch */
	const yg_input *in;
	size_t n;
	evinfo *ev;
	size_t ev_cap;
	yg_run_result *res;
	yg_buf alerts, archive;
	uint64_t errors;
	pthread_mutex_t mu;
	pthread_cond_t go, done, turn_cv;
	unsigned gen, ndone;
	bool quit;
	atomic_uint waiters;
	yg_diff_store *own_diff;
};

unsigned yg_runner_partition(const char *agent_id, unsigned n)
{
	if (n <= 1)
		return 0;
	return yg_hash32_str(agent_id ? agent_id : "000") % n;
}

/* ---- the turn ---- */

static bool my_turn(const rworker *w)
{
	const yg_runner *r = w->r;
	for (unsigned i = 0; i < r->nw; i++)
		if (i != w->id && atomic_load(&r->w[i].frontier) <= w->cur)
			return false;
	return true;
}

static void wait_turn(void *ctx)
{
	rworker *w = ctx;
	yg_runner *r = w->r;
	if (my_turn(w))
		return;
	pthread_mutex_lock(&r->mu);
	atomic_fetch_add(&r->waiters, 1);
	while (!my_turn(w))
		pthread_cond_wait(&r->turn_cv, &r->mu);
	atomic_fetch_sub(&r->waiters, 1);
	pthread_mutex_unlock(&r->mu);
}

static void advance(rworker *w, size_t i)
{
	yg_runner *r = w->r;
	atomic_store(&w->frontier, i);
	if (atomic_load(&r->waiters)) {
		pthread_mutex_lock(&r->mu);
		pthread_cond_broadcast(&r->turn_cv);
		pthread_mutex_unlock(&r->mu);
	}
}

/* ---- one worker's part of the batch ---- */

static bool keep(yg_buf *b, const yg_buf *one, size_t *off, size_t *len)
{
	*off = b->len;
	if (yg_buf_append(b, one->data, one->len))
		return false;
	*len = one->len;
	return true;
}

static void run_one(rworker *w, size_t i)
{
	yg_runner *r = w->r;
	evinfo *e = &r->ev[i];
	yg_verdict v;
	e->rule = -1;
	e->wlen = e->walen = 0;
	e->fpos = e->afpos = SIZE_MAX;
	yg_buf_reset(&w->one);
	if (yg_session_process(w->sess, &r->in[i], &v) != YG_OK) {
		w->errors++;
		return;
	}
	if (w->sess->rule)
		e->rule = w->sess->rule->index;
	e->level = v.level;
	bool alert = v.alert && v.level >= r->cfg.log_alert_level;
	if (alert || r->cfg.archive) {
		if (yg_session_alert_json(w->sess, &w->one) || !w->one.data) {
			w->errors++;
			return;
		}
	}
	/* the rule object comes first and its strings are escaped, so the first
	 * hole is the rule's own */
	const char *hole = alert || r->cfg.archive ? strstr(w->one.data, YG_FIRED_HOLE) : NULL;
	size_t fpos = hole ? (size_t)(hole - w->one.data) + strlen(YG_FIRED_HOLE) - 1 : SIZE_MAX;
	if (alert && keep(&w->out, &w->one, &e->woff, &e->wlen))
		e->fpos = fpos;
	if (r->cfg.archive && keep(&w->arch, &w->one, &e->waoff, &e->walen))
		e->afpos = fpos;
	if (alert && !e->wlen)
		w->errors++;
}

static void run_part(rworker *w)
{
	yg_runner *r = w->r;
	yg_buf_reset(&w->out);
	yg_buf_reset(&w->arch);
	for (size_t i = 0; i < r->n; i++) {
		if (r->ev[i].part != w->id)
			continue;
		w->cur = i;
		if (r->threaded)
			advance(w, i);
		run_one(w, i);
	}
	if (r->threaded)
		advance(w, DONE);
}

static void *worker_main(void *arg)
{
	rworker *w = arg;
	yg_runner *r = w->r;
	unsigned seen = 0;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->quit && r->gen == seen)
			pthread_cond_wait(&r->go, &r->mu);
		if (r->quit)
			break;
		seen = r->gen;
		pthread_mutex_unlock(&r->mu);
		run_part(w);
		pthread_mutex_lock(&r->mu);
		if (++r->ndone == r->nw)
			pthread_cond_signal(&r->done);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* ---- the ordered stage: firedtimes, and the texts in input order ---- */

/* Copies one JSON into b with the rule's count written at fpos. */
static bool emit(yg_buf *b, const char *j, size_t len, size_t fpos, unsigned fired, size_t *off,
                 size_t *outlen)
{
	*off = b->len;
	bool bad;
	if (fpos == SIZE_MAX || fpos > len)
		bad = yg_buf_append(b, j, len);
	else
		bad = yg_buf_append(b, j, fpos) || yg_buf_printf(b, "%u", fired) ||
		      yg_buf_append(b, j + fpos, len - fpos);
	if (bad) {
		b->len = *off;
		return false;
	}
	*outlen = b->len - *off;
	return true;
}

static void gather(yg_runner *r)
{
	yg_buf_reset(&r->alerts);
	yg_buf_reset(&r->archive);
	for (size_t i = 0; i < r->n; i++) {
		const evinfo *e = &r->ev[i];
		yg_run_result *res = &r->res[i];
		const rworker *w = &r->w[e->part];
		unsigned fired = 0;
		res->level = -1;
		res->alen = 0;
		if (e->rule >= 0 && (size_t)e->rule < r->nfired)
			fired = ++r->fired[e->rule];
		if (e->wlen && emit(&r->alerts, w->out.data + e->woff, e->wlen, e->fpos, fired,
		                    &res->off, &res->len))
			res->level = e->level;
		else if (e->wlen)
			r->errors++;
		if (e->walen && !emit(&r->archive, w->arch.data + e->waoff, e->walen, e->afpos,
		                      fired, &res->aoff, &res->alen))
			r->errors++;
	}
}

/* ---- public ---- */

static yg_err make_sessions(yg_runner *r, const yg_ruleset *rs)
{
	yg_rule_state *st = yg_rule_state_create(rs);
	unsigned *fired = calloc(rs->nrules + 1, sizeof(*fired));
	yg_session **s = calloc(r->nw, sizeof(*s));
	yg_err err = YG_ENOMEM;
	if (!st || !fired || !s)
		goto fail;
	for (unsigned i = 0; i < r->nw; i++)
		if (!(s[i] = yg_session_create_shared(rs, r->cfg.clock, st)))
			goto fail;
	for (unsigned i = 0; i < r->nw; i++) {
		yg_session_defer_firedtimes(s[i], true);
		if (r->threaded)
			yg_session_set_turn(s[i], wait_turn, &r->w[i]);
		if (r->cfg.diff)
			yg_session_set_diff_store(s[i], r->cfg.diff);
		yg_session_destroy(r->w[i].sess);
		r->w[i].sess = s[i];
	}
	yg_rule_state_destroy(r->state);
	r->state = st;
	free(r->fired);
	r->fired = fired;
	r->nfired = rs->nrules + 1;
	free(s);
	return YG_OK;
fail:
	for (unsigned i = 0; s && i < r->nw; i++)
		yg_session_destroy(s[i]);
	free(s);
	free(fired);
	yg_rule_state_destroy(st);
	return err;
}

yg_err yg_runner_create(const yg_runner_config *cfg, yg_runner **out)
{
	*out = NULL;
	if (!cfg || !cfg->rs)
		return YG_EINVAL;
	yg_runner *r = calloc(1, sizeof(*r));
	if (!r)
		return YG_ENOMEM;
	r->cfg = *cfg;
	r->nw = cfg->workers > 1 ? cfg->workers : 1;
	r->threaded = r->nw > 1;
	yg_buf_init(&r->alerts, TEXT_MAX);
	yg_buf_init(&r->archive, TEXT_MAX);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->go, NULL);
	pthread_cond_init(&r->done, NULL);
	pthread_cond_init(&r->turn_cv, NULL);
	atomic_init(&r->waiters, 0);
	yg_err err = YG_ENOMEM;
	if (!cfg->diff && !(r->cfg.diff = r->own_diff = yg_diff_store_create(0)))
		goto fail;
	if (!(r->w = calloc(r->nw, sizeof(*r->w))))
		goto fail;
	for (unsigned i = 0; i < r->nw; i++) {
		r->w[i].r = r;
		r->w[i].id = i;
		atomic_init(&r->w[i].frontier, DONE);
		yg_buf_init(&r->w[i].out, TEXT_MAX);
		yg_buf_init(&r->w[i].arch, TEXT_MAX);
		yg_buf_init(&r->w[i].one, ALERT_MAX);
	}
	if ((err = make_sessions(r, cfg->rs)))
		goto fail;
	for (unsigned i = 0; r->threaded && i < r->nw; i++) {
		if (pthread_create(&r->w[i].th, NULL, worker_main, &r->w[i]) != 0) {
			err = YG_ENOMEM;
			goto fail;
		}
		r->w[i].started = true;
	}
	*out = r;
	return YG_OK;
fail:
	yg_runner_destroy(r);
	return err;
}

void yg_runner_destroy(yg_runner *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = true;
	pthread_cond_broadcast(&r->go);
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; r->w && i < r->nw; i++) {
		if (r->w[i].started)
			pthread_join(r->w[i].th, NULL);
		yg_session_destroy(r->w[i].sess);
		yg_buf_free(&r->w[i].out);
		yg_buf_free(&r->w[i].arch);
		yg_buf_free(&r->w[i].one);
	}
	yg_rule_state_destroy(r->state);
	yg_diff_store_destroy(r->own_diff);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->go);
	pthread_cond_destroy(&r->done);
	pthread_cond_destroy(&r->turn_cv);
	yg_buf_free(&r->alerts);
	yg_buf_free(&r->archive);
	free(r->fired);
	free(r->ev);
	free(r->w);
	free(r);
}

yg_err yg_runner_set_ruleset(yg_runner *r, const yg_ruleset *rs, int log_alert_level)
{
	if (!rs)
		return YG_EINVAL;
	yg_err err = make_sessions(r, rs);
	if (!err) {
		r->cfg.rs = rs;
		r->cfg.log_alert_level = log_alert_level;
	}
	return err;
}

yg_err yg_runner_run(yg_runner *r, const yg_input *in, size_t n, yg_run_result *res)
{
	if (n > r->ev_cap) {
		evinfo *ev = realloc(r->ev, n * sizeof(*ev));
		if (!ev)
			return YG_ENOMEM;
		r->ev = ev;
		r->ev_cap = n;
	}
	r->in = in;
	r->n = n;
	r->res = res;
	for (size_t i = 0; i < n; i++)
		r->ev[i].part = yg_runner_partition(in[i].agent_id, r->nw);
	if (!r->threaded) {
		run_part(&r->w[0]);
	} else {
		pthread_mutex_lock(&r->mu);
		for (unsigned i = 0; i < r->nw; i++)
			atomic_store(&r->w[i].frontier, 0); /* not started yet */
		r->ndone = 0;
		r->gen++;
		pthread_cond_broadcast(&r->go);
		while (r->ndone < r->nw)
			pthread_cond_wait(&r->done, &r->mu);
		pthread_mutex_unlock(&r->mu);
	}
	for (unsigned i = 0; i < r->nw; i++) {
		r->errors += r->w[i].errors;
		r->w[i].errors = 0;
	}
	gather(r);
	return YG_OK;
}

const char *yg_runner_alerts(const yg_runner *r)
{
	return r->alerts.data;
}

const char *yg_runner_archive(const yg_runner *r)
{
	return r->archive.data;
}

uint64_t yg_runner_take_errors(yg_runner *r)
{
	uint64_t e = r->errors;
	r->errors = 0;
	return e;
}
