/* agent_send.c: the transport client between the spool and the manager.
 *
 * The client runs in its own thread; its callbacks only read the spool
 * (peek, which has its own mutex), record acks in it, and queue AR requests
 * for the loop thread (ar_mu + an eventfd that wakes the loop). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "agent/agent_int.h"

#define BATCH_MAX_BYTES (1024u * 1024u)
#define AR_JSON_MAX (1024u * 1024u)

/* ---- client thread ---- */

typedef struct fill_ctx {
	yg_tbatch *b;
} fill_ctx;

static int add_record(void *ctx, uint64_t seq, const void *rec, size_t len)
{
	fill_ctx *f = ctx;
	/* full batch, or a gap in seqs (a damaged segment): stop here; the
	 * next call starts after what was added */
	return yg_tbatch_add(f->b, seq, rec, len) == YG_OK ? 0 : 1;
}

static void next_batch(void *ctx, uint64_t after_seq, yg_tbatch *b)
{
	agent *a = ctx;
	fill_ctx f = {b};
	yg_err err = yg_spool_peek(a->spool, after_seq, 0, BATCH_MAX_BYTES, add_record, &f, NULL);
	if (err)
		alog(a, "ERROR", AMSG_SPOOL, "spool read failed after seq %llu: %s",
		     (unsigned long long)after_seq, yg_strerror(err));
}

static void on_ack(void *ctx, uint64_t seq)
{
	agent *a = ctx;
	yg_err err = yg_spool_ack(a->spool, seq);
	if (err)
		alog(a, "WARNING", AMSG_SPOOL, "spool ack of seq %llu failed: %s",
		     (unsigned long long)seq, yg_strerror(err));
}

static void on_ar_request(void *ctx, uint64_t req_id, const char *json, size_t len)
{
	agent *a = ctx;
	ar_req *r = NULL;
	char *copy = NULL;
	if (len <= AR_JSON_MAX && !memchr(json, '\0', len)) {
		r = calloc(1, sizeof(*r));
		copy = malloc(len + 1);
	}
	if (!r || !copy) {
		free(r);
		free(copy);
		alog(a, "WARNING", AMSG_AR, "active-response request %llu refused (size %zu)",
		     (unsigned long long)req_id, len);
		return;
	}
	memcpy(copy, json, len);
	copy[len] = '\0';
	r->id = req_id;
	r->json = copy;
	pthread_mutex_lock(&a->ar_mu);
	bool room = a->ar_count < AR_QUEUE_MAX;
	if (room) {
		if (a->ar_tail)
			a->ar_tail->next = r;
		else
			a->ar_head = r;
		a->ar_tail = r;
		a->ar_count++;
	} else {
		a->ar_dropped++; /* reported by the loop as a failed response */
	}
	pthread_mutex_unlock(&a->ar_mu);
	if (!room) {
		free(copy);
		free(r);
	}
	uint64_t one = 1;
	(void)!write(a->ar_efd, &one, sizeof(one));
}

static void on_state(void *ctx, bool connected, const char *why)
{
	agent *a = ctx;
	if (connected) {
		yg_spool_stats st;
		yg_spool_stats_get(a->spool, &st);
		alog(a, "INFO", AMSG_TRANSPORT,
		     "connected to the manager %s (%llu events waiting to be sent)", why,
		     (unsigned long long)st.records_pending);
	} else {
		alog(a, "WARNING", AMSG_TRANSPORT,
		     "disconnected from the manager: %s; events are kept in the spool", why);
	}
}

static void tlog(void *ctx, int level, const char *msg)
{
	static const char *const names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
	if (level <= YG_TLOG_DEBUG)
		return;
	alog((agent *)ctx, names[level > 3 ? 3 : level], AMSG_TRANSPORT, "transport: %s", msg);
}

/* ---- loop thread ---- */

void send_drain_ar(agent *a)
{
	uint64_t junk;
	(void)!read(a->ar_efd, &junk, sizeof(junk));
	pthread_mutex_lock(&a->ar_mu);
	ar_req *list = a->ar_head;
	a->ar_head = a->ar_tail = NULL;
	a->ar_count = 0;
	uint64_t dropped = a->ar_dropped;
	a->ar_dropped = 0;
	pthread_mutex_unlock(&a->ar_mu);
	if (dropped) {
		char msg[160];
		snprintf(msg, sizeof(msg),
		         "%llu active-response requests dropped: the agent's request queue was "
		         "full",
		         (unsigned long long)dropped);
		ar_event(a, "failed", NULL, NULL, NULL, msg);
	}
	for (ar_req *n; list; list = n) {
		n = list->next;
		ar_handle(a, list->id, list->json);
		free(list->json);
		free(list);
	}
}

bool send_open(agent *a)
{
	const char *home = a->opts->home;
	char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
	if (!yg_path_join(ca, sizeof(ca), home, "etc/ca.crt") ||
	    !yg_path_join(crt, sizeof(crt), home, "etc/agent.crt") ||
	    !yg_path_join(key, sizeof(key), home, "etc/agent.key"))
		return false;
	yg_spool_stats st;
	yg_spool_stats_get(a->spool, &st);
	yg_tclient_server srv[YG_AGENT_SERVERS_MAX];
	for (size_t i = 0; i < a->cfg.nservers; i++)
		srv[i] = (yg_tclient_server){.host = a->cfg.servers[i].address,
		                             .port = (uint16_t)a->cfg.servers[i].port,
		                             .max_retries = (unsigned)a->cfg.servers[i].max_retries,
		                             .retry_interval_s =
		                                     (unsigned)a->cfg.servers[i].retry_interval};
	yg_tclient_config cc = {
	        .servers = srv,
	        .nservers = a->cfg.nservers,
	        /* <client_buffer>: the spool is the queue; queue_size is how many
	         * of its events may be in flight, events_per_second the rate */
	        .window = (uint32_t)a->cfg.queue_size,
	        .max_eps = a->cfg.has_buffer && !a->cfg.buffer_disabled
	                           ? (unsigned)a->cfg.events_per_second
	                           : 0,
	        .ca_cert = ca,
	        .cert = crt,
	        .key = key,
	        .name = a->name,
	        .version = "yagura-agent 0.1.0",
	        .acked_seq = st.acked_seq,
	        .keepalive_s = (unsigned)a->cfg.notify_time,
	        .cb = {.ctx = a,
	               .next_batch = next_batch,
	               .on_ack = on_ack,
	               .on_ar_request = on_ar_request,
	               .on_state = on_state,
	               .log = tlog},
	};
	yg_diag *d = yg_diag_create();
	if (!d)
		return false;
	yg_err err = yg_tclient_create(&cc, d, &a->tc);
	alog_diag(a, d);
	yg_diag_destroy(d);
	if (err) {
		alog(a, "ERROR", AMSG_TRANSPORT, "the transport client cannot start: %s",
		     yg_strerror(err));
		return false;
	}
	char eps[32] = "no rate limit";
	if (cc.max_eps)
		snprintf(eps, sizeof(eps), "at most %u events/s", cc.max_eps);
	alog(a, "INFO", AMSG_TRANSPORT,
	     "sending to %s:%d%s as agent %s (%s), %s; spool: %llu events after acked seq %llu",
	     a->cfg.servers[0].address, a->cfg.servers[0].port,
	     a->cfg.nservers > 1 ? " (then the other <server>s in order)" : "", a->id, a->name, eps,
	     (unsigned long long)st.records_pending, (unsigned long long)st.acked_seq);
	return true;
}

void send_close(agent *a)
{
	yg_tclient_destroy(a->tc); /* joins the client thread */
	a->tc = NULL;
	for (ar_req *r = a->ar_head, *n; r; r = n) {
		n = r->next;
		free(r->json);
		free(r);
	}
	a->ar_head = a->ar_tail = NULL;
	a->ar_count = 0;
}
