/* agents.c: agents' events into the pipeline (see agents.h). */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/yhash.h"
#include "engine/evrec.h"
#include "manager/agents.h"
#include "manager/manager_int.h"
#include "store/registry.h"
#include "transport/ca.h"
#include "transport/enroll.h"
#include "transport/server.h"

#define QUEUE_MAX_RECORDS 16384
#define QUEUE_MAX_BYTES (64u << 20)
#define TOUCHED_MAX 4096
#define TOUCHED_SLOTS 8192 /* a power of two, twice TOUCHED_MAX */
#define CERT_DAYS 3650
/* An agent's clock further ahead than this is reported (at most once an
 * hour per agent). Behind is normal: a spool drained after an outage. */
#define CLOCK_AHEAD_MAX_S 300
#define CLOCK_WARN_EVERY_S 3600

/* One queued event: which agent, its seq, the record bytes. */
typedef struct qrec {
	char agent[YG_AGENT_ID_MAX];
	uint64_t seq;
	size_t len;
	unsigned char *data;
} qrec;

/* An agent's name and address, looked up once. */
typedef struct known {
	char id[YG_AGENT_ID_MAX];
	char name[YG_AGENT_NAME_MAX + 1];
	char ip[64];
	time_t clock_warned; /* when its clock was last reported ahead */
} known;

/* The highest seq of an agent in the current batch. */
typedef struct touched {
	char id[YG_AGENT_ID_MAX];
	uint64_t seq;
} touched;

struct yg_agents {
	manager *m;
	yg_ca *ca;
	yg_registry *reg;
	yg_tserver *srv;
	yg_enroll_server *enroll;
	int efd;
	/* the queue, shared with the transport's thread */
	pthread_mutex_t mu;
	qrec *q;
	size_t head, count, bytes;
	bool paused; /* a connection was told FULL */
	/* loop thread only */
	known *known;
	size_t nknown, capknown;
	uint32_t *kidx; /* open addressing: index + 1 into known, 0 = empty */
	size_t kcap;    /* a power of two, at least twice nknown */
	touched touched[TOUCHED_MAX];
	size_t ntouched;
	uint32_t tidx[TOUCHED_SLOTS]; /* index + 1 into touched, per batch */
	yg_evrec rec;
	uint64_t bad_records;
};

static void tlog(void *ctx, int level, const char *msg)
{
	yg_agents *a = ctx;
	static const char *const names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
	if (level <= YG_TLOG_DEBUG)
		return;
	mlog(a->m, names[level > 3 ? 3 : level], MSG_AGENTS, "agents: %s", msg);
}

/* ---- transport thread ---- */

static yg_ts_verdict on_events(void *ctx, const char *agent_id, uint64_t first_seq, uint32_t count,
                               const yg_tbuf records[])
{
	yg_agents *a = ctx;
	size_t bytes = 0;
	for (uint32_t i = 0; i < count; i++)
		bytes += records[i].len;
	pthread_mutex_lock(&a->mu);
	if (a->count + count > QUEUE_MAX_RECORDS ||
	    (a->count && a->bytes + bytes > QUEUE_MAX_BYTES)) {
		a->paused = true;
		pthread_mutex_unlock(&a->mu);
		return YG_TS_FULL;
	}
	for (uint32_t i = 0; i < count; i++) {
		qrec *r = &a->q[(a->head + a->count) % QUEUE_MAX_RECORDS];
		r->data = malloc(records[i].len ? records[i].len : 1);
		if (!r->data) {
			/* all or nothing: the server offers the whole batch again */
			while (i--) {
				qrec *u = &a->q[(a->head + a->count - 1) % QUEUE_MAX_RECORDS];
				a->bytes -= u->len;
				free(u->data);
				u->data = NULL;
				a->count--;
			}
			a->paused = true;
			pthread_mutex_unlock(&a->mu);
			return YG_TS_FULL;
		}
		memcpy(r->data, records[i].data, records[i].len);
		r->len = records[i].len;
		r->seq = first_seq + i;
		snprintf(r->agent, sizeof(r->agent), "%s", agent_id);
		a->count++;
		a->bytes += r->len;
	}
	pthread_mutex_unlock(&a->mu);
	uint64_t one = 1;
	(void)!write(a->efd, &one, sizeof(one));
	return YG_TS_ACCEPT;
}

static void on_connect(void *ctx, const char *id, const char *name, const char *version,
                       const char *peer)
{
	mlog(((yg_agents *)ctx)->m, "INFO", MSG_AGENTS,
	     "agent %s (%s) connected from %s, version %s", id, name, peer, version);
}

static void on_disconnect(void *ctx, const char *id, const char *reason)
{
	mlog(((yg_agents *)ctx)->m, "INFO", MSG_AGENTS, "agent %s disconnected: %s", id, reason);
}

/* ---- loop thread ---- */

/* Every event names its agent: these two tables are hashed so that a
 * manager with thousands of agents does not compare ids per event. */
static uint32_t id_hash(const char *id)
{
	return yg_hash32_str(id);
}

static bool known_reindex(yg_agents *a, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return false;
	for (size_t i = 0; i < a->nknown; i++) {
		size_t j = id_hash(a->known[i].id) & (cap - 1);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	free(a->kidx);
	a->kidx = idx;
	a->kcap = cap;
	return true;
}

static known *lookup(yg_agents *a, const char *id)
{
	size_t j = a->kcap ? id_hash(id) & (a->kcap - 1) : 0;
	for (; a->kcap && a->kidx[j]; j = (j + 1) & (a->kcap - 1))
		if (!strcmp(a->known[a->kidx[j] - 1].id, id))
			return &a->known[a->kidx[j] - 1];
	if (a->nknown == a->capknown) {
		size_t cap = a->capknown ? a->capknown * 2 : 64;
		known *k = realloc(a->known, cap * sizeof(*k));
		if (!k)
			return NULL;
		a->known = k;
		a->capknown = cap;
	}
	if (2 * (a->nknown + 1) > a->kcap && !known_reindex(a, a->kcap ? a->kcap * 2 : 128))
		return NULL;
	yg_agent_info info;
	if (yg_registry_get(a->reg, id, &info))
		return NULL;
	known *k = &a->known[a->nknown];
	snprintf(k->id, sizeof(k->id), "%s", info.id);
	snprintf(k->name, sizeof(k->name), "%s", info.name);
	snprintf(k->ip, sizeof(k->ip), "%s", info.ip);
	k->clock_warned = 0;
	j = id_hash(k->id) & (a->kcap - 1);
	while (a->kidx[j])
		j = (j + 1) & (a->kcap - 1);
	a->kidx[j] = (uint32_t)++a->nknown;
	return k;
}

/* The slot of id in the batch's table: its entry, or the empty slot where
 * it would go. */
static size_t touched_slot(const yg_agents *a, const char *id)
{
	size_t j = id_hash(id) & (TOUCHED_SLOTS - 1);
	while (a->tidx[j] && strcmp(a->touched[a->tidx[j] - 1].id, id))
		j = (j + 1) & (TOUCHED_SLOTS - 1);
	return j;
}

/* Records the batch's highest seq per agent; false when the table is full
 * (the caller stops taking events until the commit). */
static bool touch(yg_agents *a, const char *id, uint64_t seq)
{
	size_t j = touched_slot(a, id);
	if (a->tidx[j]) {
		touched *t = &a->touched[a->tidx[j] - 1];
		if (seq > t->seq)
			t->seq = seq;
		return true;
	}
	if (a->ntouched == TOUCHED_MAX)
		return false;
	snprintf(a->touched[a->ntouched].id, sizeof(a->touched[0].id), "%s", id);
	a->touched[a->ntouched].seq = seq;
	a->tidx[j] = (uint32_t)++a->ntouched;
	return true;
}

static bool has_room(yg_agents *a, const char *id)
{
	return a->ntouched < TOUCHED_MAX || a->tidx[touched_slot(a, id)] != 0;
}

/* The manager's clock decides an agent's event time: correlation windows,
 * ignore windows and the alert's timestamp are the manager's, as in Wazuh's
 * analysisd, so a wrong or forged agent clock cannot move them. The agent's
 * claim is kept as the alert's agent_time. */
static void take_time(yg_agents *a, known *k, yg_input *in)
{
	time_t now = time(NULL);
	in->origin_time = in->now;
	in->now = now;
	if (in->origin_time > now + CLOCK_AHEAD_MAX_S &&
	    (!k->clock_warned || now - k->clock_warned >= CLOCK_WARN_EVERY_S)) {
		k->clock_warned = now;
		mlog(a->m, "WARNING", MSG_AGENTS,
		     "agent %s (%s) dates its events %lld s ahead of the manager's clock; "
		     "the manager's time is used (the agent's is kept as agent_time)",
		     k->id, k->name, (long long)(in->origin_time - now));
	}
}

size_t agents_drain(yg_agents *a)
{
	uint64_t junk;
	(void)!read(a->efd, &junk, sizeof(junk));
	size_t moved = 0;
	for (;;) {
		pthread_mutex_lock(&a->mu);
		qrec *r = a->count ? &a->q[a->head] : NULL;
		pthread_mutex_unlock(&a->mu);
		if (!r || !has_room(a, r->agent))
			break;
		/* the head is ours: the transport thread only appends */
		yg_input in;
		known *k = lookup(a, r->agent);
		if (yg_evrec_decode(&a->rec, r->data, r->len, &in) != YG_OK || !k) {
			if (a->bad_records++ % 1000 == 0)
				mlog(a->m, "WARNING", MSG_AGENTS,
				     "agent %s sent an event that cannot be decoded (seq %llu); "
				     "skipped (%llu so far)",
				     r->agent, (unsigned long long)r->seq,
				     (unsigned long long)a->bad_records);
		} else {
			in.agent_id = k->id;
			in.agent_name = k->name;
			in.agent_ip = k->ip[0] ? k->ip : NULL;
			take_time(a, k, &in);
			if (!yg_pipeline_offer(a->m->pipe, &in))
				break;
		}
		touch(a, r->agent, r->seq);
		moved++;
		pthread_mutex_lock(&a->mu);
		free(r->data);
		r->data = NULL;
		a->bytes -= r->len;
		a->head = (a->head + 1) % QUEUE_MAX_RECORDS;
		a->count--;
		bool resume = a->paused && a->count < QUEUE_MAX_RECORDS / 2;
		if (resume)
			a->paused = false;
		pthread_mutex_unlock(&a->mu);
		if (resume)
			yg_tserver_resume(a->srv);
	}
	return moved;
}

bool agents_pending(const yg_agents *a)
{
	pthread_mutex_lock((pthread_mutex_t *)&a->mu);
	bool p = a->count > 0;
	pthread_mutex_unlock((pthread_mutex_t *)&a->mu);
	return p;
}

int agents_fd(const yg_agents *a)
{
	return a->efd;
}

bool agents_dirty(const yg_agents *a)
{
	return a->ntouched > 0;
}

struct agents_seqs {
	size_t n;
	touched v[];
};

agents_seqs *agents_take(yg_agents *a)
{
	agents_seqs *s = malloc(sizeof(*s) + a->ntouched * sizeof(touched));
	if (!s)
		return NULL;
	s->n = a->ntouched;
	memcpy(s->v, a->touched, a->ntouched * sizeof(touched));
	/* all at once: clearing slot by slot would cut the probe chains */
	memset(a->tidx, 0, sizeof(a->tidx));
	a->ntouched = 0;
	return s;
}

yg_err agents_seqs_write(const agents_seqs *s, yg_db_txn *txn)
{
	for (size_t i = 0; i < s->n; i++) {
		yg_err err = yg_registry_set_seq_in(txn, s->v[i].id, s->v[i].seq);
		if (err)
			return err;
	}
	return YG_OK;
}

void agents_seqs_ack(yg_agents *a, const agents_seqs *s)
{
	for (size_t i = 0; i < s->n; i++)
		yg_tserver_ack(a->srv, s->v[i].id, s->v[i].seq);
}

void agents_seqs_free(agents_seqs *s)
{
	free(s);
}

typedef struct ids_ctx {
	char (*out)[16];
	size_t n, max;
} ids_ctx;

static bool collect_id(void *ctx, const yg_agent_info *info)
{
	ids_ctx *c = ctx;
	if (c->n == c->max)
		return false;
	if (!info->revoked)
		snprintf(c->out[c->n++], 16, "%s", info->id);
	return true;
}

size_t agents_ids(yg_agents *a, char (*out)[16], size_t max)
{
	ids_ctx c = {out, 0, max};
	yg_registry_list(a->reg, collect_id, &c);
	return c.n;
}

yg_err agents_send_ar(yg_agents *a, const char *agent_id, uint64_t req_id, const char *json)
{
	return yg_tserver_send_ar(a->srv, agent_id, req_id, json);
}

/* ---- start / stop ---- */

/* The server certificate is issued once and kept; its names are the host
 * name, localhost, the loopback addresses and <local_ip>. */
static bool server_cert(yg_agents *a, const char *key, const char *crt, yg_diag *d)
{
	if (access(key, R_OK) == 0 && access(crt, R_OK) == 0)
		return true;
	char host[256] = "localhost";
	gethostname(host, sizeof(host) - 1);
	const char *sans[5] = {host, "localhost", "127.0.0.1", "::1"};
	size_t n = 4;
	if (a->m->cfg.remote.address[0])
		sans[n++] = a->m->cfg.remote.address;
	return yg_ca_issue_server(a->ca, host, sans, n, CERT_DAYS, key, crt, d) == YG_OK;
}

yg_agents *agents_open(manager *m, const char *db_path, bool *failed)
{
	*failed = false;
	if (!m->cfg.remote.enabled)
		return NULL;
	yg_agents *a = calloc(1, sizeof(*a));
	yg_diag *d = yg_diag_create();
	if (!a || !d)
		goto fail;
	a->m = m;
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&a->mu, NULL);
	yg_evrec_init(&a->rec);
	a->q = calloc(QUEUE_MAX_RECORDS, sizeof(*a->q));
	char dir[PATH_MAX], key[PATH_MAX], crt[PATH_MAX], pass[PATH_MAX];
	const char *home = m->opts->home;
	if (a->efd < 0 || !a->q || !yg_path_join(dir, sizeof(dir), home, "etc/ca") ||
	    !yg_path_join(key, sizeof(key), home, "etc/sslmanager.key") ||
	    !yg_path_join(crt, sizeof(crt), home, "etc/sslmanager.cert") ||
	    !yg_path_join(pass, sizeof(pass), home, "etc/authd.pass"))
		goto fail;
	if (yg_ca_open_or_create(dir, "yagura CA", d, &a->ca) || !server_cert(a, key, crt, d) ||
	    yg_registry_open(db_path, d, &a->reg))
		goto fail;
	yg_registry_reset_status(a->reg);
	yg_tserver_config sc = {
	        .address = m->cfg.remote.address[0] ? m->cfg.remote.address : NULL,
	        .port = (uint16_t)m->cfg.remote.port,
	        .ca_cert = yg_ca_cert_path(a->ca),
	        .cert = crt,
	        .key = key,
	        .registry = a->reg,
	        .rate_eps = m->cfg.remote.agent_eps,
	        .cb = {.ctx = a,
	               .on_events = on_events,
	               .on_connect = on_connect,
	               .on_disconnect = on_disconnect,
	               .log = tlog},
	};
	if (yg_tserver_create(&sc, d, &a->srv))
		goto fail;
	if (!m->cfg.auth.disabled) {
		bool have_pass = m->cfg.auth.use_password && access(pass, R_OK) == 0;
		if (m->cfg.auth.use_password && !have_pass)
			mlog(m, "WARNING", MSG_AGENTS,
			     "enrolment: no %s; only one-time tokens (yagura ctl token) are "
			     "accepted",
			     pass);
		yg_enroll_server_config ec = {
		        .address = sc.address,
		        .port = (uint16_t)m->cfg.auth.port,
		        .cert = crt,
		        .key = key,
		        .ca = a->ca,
		        .registry = a->reg,
		        .password_file = have_pass ? pass : NULL,
		        .force = m->cfg.auth.force,
		        .log = tlog,
		        .log_ctx = a,
		};
		if (yg_enroll_server_create(&ec, d, &a->enroll))
			goto fail;
	}
	mlog(m, "INFO", MSG_AGENTS,
	     "agents: listening on %s:%u (TLS), enrolment %s%u; CA fingerprint %s",
	     sc.address ? sc.address : "*", yg_tserver_port(a->srv), a->enroll ? "on port " : "off",
	     a->enroll ? yg_enroll_server_port(a->enroll) : 0, yg_ca_fingerprint(a->ca));
	print_diag_to_log(m, d);
	yg_diag_destroy(d);
	return a;
fail:
	if (d)
		print_diag_to_log(m, d);
	mlog(m, "ERROR", MSG_AGENTS, "agents: the listener could not start");
	yg_diag_destroy(d);
	agents_close(a);
	*failed = true;
	return NULL;
}

void agents_close(yg_agents *a)
{
	if (!a)
		return;
	yg_enroll_server_destroy(a->enroll);
	yg_tserver_destroy(a->srv);
	yg_registry_close(a->reg);
	yg_ca_destroy(a->ca);
	if (a->q) {
		for (size_t i = 0; i < a->count; i++)
			free(a->q[(a->head + i) % QUEUE_MAX_RECORDS].data);
		free(a->q);
	}
	if (a->efd >= 0)
		close(a->efd);
	yg_evrec_free(&a->rec);
	free(a->known);
	free(a->kidx);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

yg_registry *agents_registry(yg_agents *a)
{
	return a ? a->reg : NULL;
}

size_t agents_queued(yg_agents *a)
{
	pthread_mutex_lock(&a->mu);
	size_t n = a->count;
	pthread_mutex_unlock(&a->mu);
	return n;
}
