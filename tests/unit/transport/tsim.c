/* tsim.c: simulated spool and manager for the transport tests. */
#include "tsim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/registry.h"
#include "tsupport.h"

void sim_spool_init(sim_spool *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
}

void sim_spool_produce(sim_spool *s, uint64_t n)
{
	pthread_mutex_lock(&s->mu);
	s->produced += n;
	pthread_mutex_unlock(&s->mu);
	if (s->cl)
		yg_tclient_notify(s->cl);
}

uint64_t sim_spool_acked(sim_spool *s)
{
	pthread_mutex_lock(&s->mu);
	uint64_t v = s->acked;
	pthread_mutex_unlock(&s->mu);
	return v;
}

static void sp_next(void *ctx, uint64_t after, yg_tbatch *b)
{
	sim_spool *s = ctx;
	pthread_mutex_lock(&s->mu);
	/* the spool keeps only what is not acked */
	uint64_t from = after + 1 > s->acked + 1 ? after + 1 : s->acked + 1;
	for (uint64_t seq = from; seq <= s->produced; seq++) {
		char rec[64];
		int n = snprintf(rec, sizeof(rec), "evt-%" PRIu64, seq);
		if (yg_tbatch_add(b, seq, rec, (size_t)n) != YG_OK)
			break;
	}
	pthread_mutex_unlock(&s->mu);
}

static void sp_ack(void *ctx, uint64_t seq)
{
	sim_spool *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (seq > s->acked)
		s->acked = seq;
	pthread_mutex_unlock(&s->mu);
}

static void sp_ar(void *ctx, uint64_t req_id, const char *json, size_t len)
{
	sim_spool *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->ar_req_id = req_id;
	snprintf(s->ar_json, sizeof(s->ar_json), "%.*s", (int)len, json);
	pthread_mutex_unlock(&s->mu);
}

static void sp_state(void *ctx, bool connected, const char *why)
{
	sim_spool *s = ctx;
	(void)why;
	pthread_mutex_lock(&s->mu);
	if (connected)
		s->connects++;
	else
		s->disconnects++;
	pthread_mutex_unlock(&s->mu);
}

void sim_spool_callbacks(sim_spool *s, yg_tclient_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->ctx = s;
	cb->next_batch = sp_next;
	cb->on_ack = sp_ack;
	cb->on_ar_request = sp_ar;
	cb->on_state = sp_state;
	cb->log = ts_log_fn;
}

static yg_ts_verdict mg_events(void *ctx, const char *agent, uint64_t first, uint32_t count,
                               const yg_tbuf recs[])
{
	sim_mgr *m = ctx;
	pthread_mutex_lock(&m->mu);
	if (m->full_left > 0) {
		m->full_left--;
		pthread_mutex_unlock(&m->mu);
		return YG_TS_FULL;
	}
	if (first <= m->max_committed)
		m->violations++;
	for (uint32_t i = 0; i < count; i++) {
		char want[64];
		int n = snprintf(want, sizeof(want), "evt-%" PRIu64, first + i);
		if (recs[i].len != (size_t)n || memcmp(recs[i].data, want, (size_t)n) != 0)
			m->bad_records++;
	}
	m->handed_total += count;
	sim_batch *b = calloc(1, sizeof(*b));
	snprintf(b->agent, sizeof(b->agent), "%s", agent);
	b->first = first;
	b->count = count;
	if (m->q_tail)
		m->q_tail->next = b;
	else
		m->q = b;
	m->q_tail = b;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return YG_TS_ACCEPT;
}

static void mg_connect(void *ctx, const char *id, const char *name, const char *v, const char *p)
{
	sim_mgr *m = ctx;
	(void)id;
	(void)name;
	(void)v;
	(void)p;
	pthread_mutex_lock(&m->mu);
	m->connects++;
	pthread_mutex_unlock(&m->mu);
}

void sim_mgr_callbacks(sim_mgr *m, yg_tserver_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->ctx = m;
	cb->on_events = mg_events;
	cb->on_connect = mg_connect;
	cb->log = ts_log_fn;
}

/* Commits one batch: rows + position in one transaction, then acks. */
static void commit_batch(sim_mgr *m, sim_batch *b)
{
	yg_db_txn *txn = NULL;
	yg_db_begin(m->db, &txn);
	sqlite3_stmt *st = yg_db_stmt(m->db, "INSERT INTO events(agent, seq) VALUES(?,?)");
	uint64_t dups = 0;
	for (uint32_t i = 0; i < b->count; i++) {
		sqlite3_bind_text(st, 1, b->agent, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(b->first + i));
		if (sqlite3_step(st) == SQLITE_CONSTRAINT)
			dups++;
		sqlite3_reset(st);
	}
	uint64_t last = b->first + b->count - 1;
	yg_err e = yg_registry_set_seq_in(txn, b->agent, last);
	yg_db_end(txn, YG_OK);
	pthread_mutex_lock(&m->mu);
	m->dups += dups;
	m->committed += b->count - dups;
	if (!e && last > m->max_committed)
		m->max_committed = last;
	yg_tserver *srv = m->hold_acks ? NULL : m->srv;
	if (srv)
		yg_tserver_ack(srv, b->agent, last);
	pthread_mutex_unlock(&m->mu);
}

static void *mgr_main(void *arg)
{
	sim_mgr *m = arg;
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		if (!m->q || m->pause_commit) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&m->cv, &m->mu, &ts);
			continue;
		}
		sim_batch *b = m->q;
		m->q = b->next;
		if (!m->q)
			m->q_tail = NULL;
		pthread_mutex_unlock(&m->mu);
		commit_batch(m, b);
		free(b);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

void sim_mgr_start(sim_mgr *m, const char *db_path)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	yg_db_config cfg;
	yg_db_config_default(&cfg, db_path);
	cfg.sync = YG_DB_SYNC_NORMAL;
	cfg.busy_ms = 10000;
	yg_db_open(&cfg, NULL, &m->db);
	yg_db_exec(m->db, "CREATE TABLE IF NOT EXISTS events(agent TEXT, seq INTEGER, "
	                  "PRIMARY KEY(agent, seq))");
	pthread_create(&m->th, NULL, mgr_main, m);
}

void sim_mgr_drop_queue(sim_mgr *m)
{
	pthread_mutex_lock(&m->mu);
	while (m->q) {
		sim_batch *n = m->q->next;
		free(m->q);
		m->q = n;
	}
	m->q_tail = NULL;
	pthread_mutex_unlock(&m->mu);
}

void sim_mgr_stop(sim_mgr *m)
{
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->th, NULL);
	sim_mgr_drop_queue(m);
	yg_db_close(m->db);
}

void sim_mgr_set_server(sim_mgr *m, yg_tserver *srv)
{
	pthread_mutex_lock(&m->mu);
	m->srv = srv;
	pthread_mutex_unlock(&m->mu);
}

uint64_t sim_mgr_get(sim_mgr *m, const uint64_t *field)
{
	pthread_mutex_lock(&m->mu);
	uint64_t v = *field;
	pthread_mutex_unlock(&m->mu);
	return v;
}
