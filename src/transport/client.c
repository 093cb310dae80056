/* client.c: the agent's transport client (own thread, own libevent loop). */
#include "transport/client.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/ybuf.h"
#include "transport/frame.h"
#include "transport/tls_int.h"
#include "transport/tutil.h"

#define OUT_HIGH (512u * 1024u) /* stop pulling events above this much unsent */
#define SERVERS_MAX 64
#define LOG(cl, lvl, ...) yg_tlog((cl)->cfg.cb.log, (cl)->cfg.cb.ctx, lvl, __VA_ARGS__)

enum { ST_IDLE, ST_CONNECTING, ST_WAIT_ACK, ST_READY };

struct yg_tbatch {
	yg_buf *b;
	size_t start; /* where the frame begins in b */
	uint64_t first;
	uint32_t count, max_count;
};

typedef struct cl_server {
	char *host;
	uint16_t port;
	unsigned max_retries, retry_max_ms;
	char label[300]; /* "host:port" */
} cl_server;

struct yg_tclient {
	yg_tclient_config cfg;
	cl_server *srv; /* the fail-over list */
	size_t nsrv, cur;
	unsigned fails;   /* failed attempts in a row on srv[cur] */
	const char *host; /* srv[cur].host */
	char *name, *version;
	SSL_CTX *ssl;
	struct event_base *base;
	struct bufferevent *bev;
	struct event *wake, *retry, *tick, *eps_wait;
	double tokens; /* max_eps: events that may be sent now */
	uint64_t tokens_ms;
	pthread_t thread;
	bool started;
	int state;
	uint64_t acked, sent;
	unsigned attempt, reconnects;
	unsigned addr_try; /* which resolved address to try next */
	uint64_t last_keepalive_ms;
	yg_buf out;
	pthread_mutex_t mu; /* guards ready, notified, stop */
	bool ready, notified, stop;
};

yg_err yg_tbatch_add(yg_tbatch *b, uint64_t seq, const void *rec, size_t len)
{
	if (b->count >= b->max_count)
		return YG_ELIMIT;
	if (b->count == 0) {
		if (seq == 0)
			return YG_EINVAL;
		b->first = seq;
	} else if (seq != b->first + b->count) {
		return YG_EINVAL;
	}
	/* frame length = everything after the u32 length field */
	if (len > YG_FRAME_MAX || b->b->len - b->start - 4 + 4 + len > YG_FRAME_MAX)
		return YG_ELIMIT;
	yg_err e = yg_frame_put_record(b->b, rec, len);
	if (!e)
		b->count++;
	return e;
}

static void schedule_retry(yg_tclient *cl);

/* Fail-over: the next server of the list (after the last, the first). */
static void next_server(yg_tclient *cl)
{
	size_t from = cl->cur;
	cl->cur = (cl->cur + 1) % cl->nsrv;
	cl->host = cl->srv[cl->cur].host;
	cl->fails = 0;
	cl->attempt = 0;
	cl->addr_try = 0;
	LOG(cl, YG_TLOG_WARN, "%s failed %u times in a row: trying the next manager, %s",
	    cl->srv[from].label, cl->srv[from].max_retries, cl->srv[cl->cur].label);
}

/* Ends the connection, logs why, and schedules a reconnect. */
static void drop(yg_tclient *cl, const char *why)
{
	bool was_ready = cl->state == ST_READY;
	if (cl->state == ST_CONNECTING)
		cl->addr_try++; /* e.g. ::1 refused: try 127.0.0.1 next time */
	if (cl->bev) {
		bufferevent_free(cl->bev);
		cl->bev = NULL;
	}
	pthread_mutex_lock(&cl->mu);
	cl->ready = false;
	pthread_mutex_unlock(&cl->mu);
	cl->state = ST_IDLE;
	cl->sent = cl->acked; /* resend everything not acked */
	LOG(cl, YG_TLOG_WARN, "connection to %s lost: %s", cl->srv[cl->cur].label, why);
	if (was_ready && cl->cfg.cb.on_state)
		cl->cfg.cb.on_state(cl->cfg.cb.ctx, false, why);
	if (was_ready)
		cl->fails = 0; /* a lost working link: this server first again */
	else if (++cl->fails >= cl->srv[cl->cur].max_retries && cl->nsrv > 1)
		next_server(cl);
	schedule_retry(cl);
}

static void send_frame(yg_tclient *cl, uint8_t type, bool with_id, uint64_t id, const void *d,
                       size_t len)
{
	yg_buf_reset(&cl->out);
	if (cl->bev && yg_frame_encode(&cl->out, type, with_id, id, d, len) == YG_OK)
		bufferevent_write(cl->bev, cl->out.data, cl->out.len);
}

/* max_eps: how many events may go now (UINT32_MAX without a limit). The
 * bucket refills at max_eps per second and holds a tenth of a second's
 * worth (at least one), so the rate is even, as Wazuh's sender's; when it
 * is empty, eps_wait fires when the next event may go. */
static uint32_t eps_allowed(yg_tclient *cl)
{
	if (!cl->cfg.max_eps)
		return UINT32_MAX;
	double cap = cl->cfg.max_eps / 10.0 < 1 ? 1 : cl->cfg.max_eps / 10.0;
	uint64_t now = yg_tnow_ms();
	cl->tokens += (double)(now - cl->tokens_ms) * cl->cfg.max_eps / 1000.0;
	cl->tokens_ms = now;
	if (cl->tokens > cap)
		cl->tokens = cap;
	if (cl->tokens >= 1)
		return (uint32_t)cl->tokens;
	if (!evtimer_pending(cl->eps_wait, NULL)) {
		long ms = (long)((1 - cl->tokens) * 1000.0 / cl->cfg.max_eps) + 1;
		struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
		evtimer_add(cl->eps_wait, &tv);
	}
	return 0;
}

/* Pulls and sends batches while the window, the rate limit and the socket
 * have room. */
static void pump(yg_tclient *cl)
{
	while (cl->state == ST_READY && cl->sent - cl->acked < cl->cfg.window &&
	       evbuffer_get_length(bufferevent_get_output(cl->bev)) < OUT_HIGH) {
		uint32_t room = cl->cfg.window - (uint32_t)(cl->sent - cl->acked);
		uint32_t allowed = eps_allowed(cl);
		if (allowed == 0)
			return;
		yg_tbatch b = {.b = &cl->out, .max_count = allowed < room ? allowed : room};
		yg_buf_reset(&cl->out);
		if (yg_frame_begin(&cl->out, YG_FRAME_EVENTS, &b.start) ||
		    yg_frame_put_u64(&cl->out, 0) || yg_frame_put_u32(&cl->out, 0))
			return;
		cl->cfg.cb.next_batch(cl->cfg.cb.ctx, cl->sent, &b);
		if (b.count == 0)
			return;
		if (b.first <= cl->sent) {
			LOG(cl, YG_TLOG_ERROR, "next_batch returned seq %llu, not after %llu",
			    (unsigned long long)b.first, (unsigned long long)cl->sent);
			return;
		}
		yg_tput_u64((uint8_t *)cl->out.data + b.start + YG_FRAME_HDR, b.first);
		yg_tput_u32((uint8_t *)cl->out.data + b.start + YG_FRAME_HDR + 8, b.count);
		if (yg_frame_end(&cl->out, b.start))
			return;
		bufferevent_write(cl->bev, cl->out.data, cl->out.len);
		cl->sent = b.first + b.count - 1;
		if (cl->cfg.max_eps)
			cl->tokens -= b.count;
	}
}

static void send_keepalive(yg_tclient *cl)
{
	yg_buf j;
	yg_buf_init(&j, 4096);
	yg_buf_puts(&j, "{\"version\":");
	yg_buf_json_str(&j, cl->version);
	yg_buf_puts(&j, ",\"name\":");
	yg_buf_json_str(&j, cl->name);
	yg_buf_printf(&j, ",\"stats\":{\"sent_seq\":%llu,\"acked_seq\":%llu,\"reconnects\":%u}}",
	              (unsigned long long)cl->sent, (unsigned long long)cl->acked, cl->reconnects);
	send_frame(cl, YG_FRAME_KEEPALIVE, false, 0, j.data, j.len);
	yg_buf_free(&j);
	cl->last_keepalive_ms = yg_tnow_ms();
}

static void on_ack(yg_tclient *cl, uint64_t seq)
{
	if (cl->state == ST_WAIT_ACK) {
		cl->state = ST_READY;
		cl->attempt = 0;
		pthread_mutex_lock(&cl->mu);
		cl->ready = true;
		pthread_mutex_unlock(&cl->mu);
		if (seq < cl->acked)
			LOG(cl, YG_TLOG_WARN,
			    "the manager has committed up to %llu, we were told %llu before",
			    (unsigned long long)seq, (unsigned long long)cl->acked);
		LOG(cl, YG_TLOG_INFO, "connected to %s, manager committed %llu",
		    cl->srv[cl->cur].label, (unsigned long long)seq);
		if (cl->cfg.cb.on_state)
			cl->cfg.cb.on_state(cl->cfg.cb.ctx, true, cl->srv[cl->cur].label);
	}
	if (seq > cl->acked) {
		cl->acked = seq;
		if (cl->sent < seq)
			cl->sent = seq;
		cl->cfg.cb.on_ack(cl->cfg.cb.ctx, seq);
	}
	pump(cl);
}

/* Returns false when the connection was dropped. */
static bool handle(yg_tclient *cl, const yg_frame *f)
{
	uint64_t v;
	const uint8_t *t;
	size_t tl;
	char why[160];
	switch (f->type) {
	case YG_FRAME_ACK:
		if (yg_frame_parse_u64(f->payload, f->len, &v))
			break;
		on_ack(cl, v);
		return cl->bev != NULL;
	case YG_FRAME_AR_REQUEST:
		if (cl->state != ST_READY ||
		    yg_frame_parse_id_text(f->payload, f->len, &v, &t, &tl))
			break;
		if (cl->cfg.cb.on_ar_request)
			cl->cfg.cb.on_ar_request(cl->cfg.cb.ctx, v, (const char *)t, tl);
		return true;
	case YG_FRAME_ERROR:
		snprintf(why, sizeof(why), "the manager said: %.*s",
		         (int)(f->len > 100 ? 100 : f->len), (const char *)f->payload);
		drop(cl, why);
		return false;
	default: break;
	}
	snprintf(why, sizeof(why), "protocol error: bad %s frame", yg_frame_type_name(f->type));
	drop(cl, why);
	return false;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	yg_tclient *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	for (;;) {
		uint8_t hdr[YG_FRAME_HDR];
		if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
			return;
		yg_frame f;
		size_t total;
		const char *why = NULL;
		yg_err e = yg_frame_peek(hdr, sizeof(hdr), &f, &total, &why);
		if (e != YG_OK && e != YG_ENOTFOUND) {
			drop(cl, why);
			return;
		}
		if (evbuffer_get_length(in) < total)
			return;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)total);
		if (!p || yg_frame_peek(p, total, &f, &total, &why) != YG_OK) {
			drop(cl, "out of memory");
			return;
		}
		if (!handle(cl, &f))
			return; /* bev is gone */
		evbuffer_drain(in, total);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pump(arg);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	yg_tclient *cl = arg;
	if (what & BEV_EVENT_CONNECTED) {
		cl->state = ST_WAIT_ACK;
		yg_buf j;
		yg_buf_init(&j, 4096);
		yg_buf_puts(&j, "{\"name\":");
		yg_buf_json_str(&j, cl->name);
		yg_buf_puts(&j, ",\"version\":");
		yg_buf_json_str(&j, cl->version);
		yg_buf_puts(&j, "}");
		send_frame(cl, YG_FRAME_HELLO, false, 0, j.data, j.len);
		yg_buf_free(&j);
		cl->last_keepalive_ms = yg_tnow_ms();
		return;
	}
	char why[300];
	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(why, sizeof(why), "%s",
		         cl->state == ST_CONNECTING ? "connect/handshake timeout"
		                                    : "no answer from the manager");
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, sizeof(why), "closed by the manager%s",
		         cl->state == ST_WAIT_ACK ? " before accepting us (not authorised?)" : "");
	} else {
		unsigned long e = bufferevent_get_openssl_error(bev);
		int se = EVUTIL_SOCKET_ERROR();
		char eb[200];
		if (e)
			ERR_error_string_n(e, eb, sizeof(eb));
		while (bufferevent_get_openssl_error(bev))
			;
		snprintf(why, sizeof(why), "%s: %s",
		         cl->state == ST_CONNECTING ? "connect/TLS failed" : "connection error",
		         e ? eb : evutil_socket_error_to_string(se));
	}
	drop(cl, why);
}

static void start_connect(yg_tclient *cl)
{
	char port[8];
	snprintf(port, sizeof(port), "%u", cl->srv[cl->cur].port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV},
	                *ai = NULL;
	int gr = getaddrinfo(cl->host, port, &hints, &ai);
	if (gr != 0 || !ai) {
		char why[200];
		snprintf(why, sizeof(why), "cannot resolve %s: %s", cl->host, gai_strerror(gr));
		drop(cl, why);
		return;
	}
	unsigned n = 0;
	for (struct addrinfo *p = ai; p; p = p->ai_next)
		n++;
	struct addrinfo *pick = ai;
	for (unsigned i = 0; i < cl->addr_try % n; i++)
		pick = pick->ai_next;
	SSL *ssl = SSL_new(cl->ssl);
	if (ssl && !yg_tls_set_peer_name(ssl, cl->host)) {
		SSL_free(ssl);
		ssl = NULL;
	}
	cl->bev = ssl ? bufferevent_openssl_socket_new(
	                        cl->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	                        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)
	              : NULL;
	if (!cl->bev) {
		SSL_free(ssl);
		freeaddrinfo(ai);
		drop(cl, "out of memory");
		return;
	}
	cl->state = ST_CONNECTING;
	bufferevent_openssl_set_allow_dirty_shutdown(cl->bev, 1);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, 2 * (YG_FRAME_MAX + YG_FRAME_HDR));
	bufferevent_setwatermark(cl->bev, EV_WRITE, OUT_HIGH / 2, 0);
	struct timeval rtv = {3 * (time_t)cl->cfg.keepalive_s, 0}, wtv = {30, 0};
	bufferevent_set_timeouts(cl->bev, &rtv, &wtv);
	bufferevent_setcb(cl->bev, read_cb, write_cb, event_cb, cl);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	int rc = bufferevent_socket_connect(cl->bev, pick->ai_addr, (int)pick->ai_addrlen);
	freeaddrinfo(ai);
	if (rc != 0)
		drop(cl, strerror(errno));
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	yg_tclient *cl = arg;
	cl->reconnects++;
	start_connect(cl);
}

static void schedule_retry(yg_tclient *cl)
{
	uint64_t cap = cl->srv[cl->cur].retry_max_ms;
	uint64_t base = cl->cfg.backoff_min_ms < cap ? cl->cfg.backoff_min_ms : cap;
	for (unsigned i = 0; i < cl->attempt && base < cap; i++)
		base *= 2;
	if (base > cap)
		base = cap;
	uint32_t r = 0;
	RAND_bytes((unsigned char *)&r, sizeof(r));
	/* jitter: between half and all of the step, so agents do not reconnect
	 * in lock-step after a manager restart */
	uint64_t ms = base / 2 + (base / 2 ? r % (base / 2 + 1) : 0);
	if (cl->attempt < 32)
		cl->attempt++;
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(cl->retry, &tv);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	yg_tclient *cl = arg;
	if (cl->state == ST_READY &&
	    yg_tnow_ms() - cl->last_keepalive_ms >= (uint64_t)cl->cfg.keepalive_s * 1000)
		send_keepalive(cl);
	pump(cl);
}

static void eps_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pump(arg);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	yg_tclient *cl = arg;
	pthread_mutex_lock(&cl->mu);
	bool stop = cl->stop;
	cl->notified = false;
	pthread_mutex_unlock(&cl->mu);
	if (stop) {
		event_base_loopbreak(cl->base);
		return;
	}
	pump(cl);
}

static void *thread_main(void *arg)
{
	yg_tclient *cl = arg;
	start_connect(cl);
	event_base_loop(cl->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Copies the fail-over list (or the one host:port) into cl->srv. */
static yg_err servers_init(yg_tclient *cl, const yg_tclient_config *cfg)
{
	yg_tclient_server one = {.host = cfg->host, .port = cfg->port};
	const yg_tclient_server *list = cfg->nservers ? cfg->servers : &one;
	size_t n = cfg->nservers ? cfg->nservers : 1;
	if (!(cl->srv = calloc(n, sizeof(*cl->srv))))
		return YG_ENOMEM;
	cl->nsrv = n;
	for (size_t i = 0; i < n; i++) {
		cl_server *s = &cl->srv[i];
		if (!(s->host = strdup(list[i].host)))
			return YG_ENOMEM;
		s->port = list[i].port;
		s->max_retries = list[i].max_retries ? list[i].max_retries : 5;
		s->retry_max_ms = list[i].retry_interval_s && list[i].retry_interval_s < 86400
		                          ? list[i].retry_interval_s * 1000u
		                          : cl->cfg.backoff_max_ms;
		snprintf(s->label, sizeof(s->label), strchr(s->host, ':') ? "[%s]:%u" : "%s:%u",
		         s->host, s->port);
	}
	cl->host = cl->srv[0].host;
	return YG_OK;
}

static bool servers_valid(const yg_tclient_config *cfg)
{
	if (!cfg->nservers)
		return cfg->host && cfg->port;
	if (!cfg->servers || cfg->nservers > SERVERS_MAX)
		return false;
	for (size_t i = 0; i < cfg->nservers; i++)
		if (!cfg->servers[i].host || !cfg->servers[i].port)
			return false;
	return true;
}

yg_err yg_tclient_create(const yg_tclient_config *cfg, yg_diag *diag, yg_tclient **out)
{
	*out = NULL;
	if (!cfg || !servers_valid(cfg) || !cfg->ca_cert || !cfg->cert || !cfg->key || !cfg->name ||
	    !cfg->cb.next_batch || !cfg->cb.on_ack)
		return YG_EINVAL;
	yg_tls_global_init();
	yg_tclient *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return YG_ENOMEM;
	cl->cfg = *cfg;
	if (!cl->cfg.window)
		cl->cfg.window = 5000;
	if (!cl->cfg.keepalive_s)
		cl->cfg.keepalive_s = 10;
	if (!cl->cfg.backoff_min_ms)
		cl->cfg.backoff_min_ms = 1000;
	if (!cl->cfg.backoff_max_ms)
		cl->cfg.backoff_max_ms = 60000;
	if (cl->cfg.backoff_max_ms < cl->cfg.backoff_min_ms)
		cl->cfg.backoff_max_ms = cl->cfg.backoff_min_ms;
	cl->acked = cl->sent = cfg->acked_seq;
	yg_buf_init(&cl->out, YG_FRAME_MAX + 64);
	pthread_mutex_init(&cl->mu, NULL);
	cl->name = strdup(cfg->name);
	cl->version = strdup(cfg->version ? cfg->version : "");
	cl->tokens = 1;
	cl->tokens_ms = yg_tnow_ms();
	yg_err e = servers_init(cl, cfg);
	cl->cfg.servers = NULL; /* copied: the caller's array may go */
	cl->cfg.host = NULL;
	if (!e && (!cl->name || !cl->version))
		e = YG_ENOMEM;
	if (!e && !(cl->ssl = yg_tls_client_ctx(cfg->ca_cert, cfg->cert, cfg->key, diag)))
		e = YG_EINVAL;
	if (!e && !(cl->base = event_base_new()))
		e = YG_ENOMEM;
	if (!e) {
		cl->wake = event_new(cl->base, -1, 0, wake_cb, cl);
		cl->retry = evtimer_new(cl->base, retry_cb, cl);
		cl->tick = event_new(cl->base, -1, EV_PERSIST, tick_cb, cl);
		cl->eps_wait = evtimer_new(cl->base, eps_cb, cl);
		struct timeval tv = {1, 0};
		if (!cl->wake || !cl->retry || !cl->tick || !cl->eps_wait ||
		    event_add(cl->tick, &tv) != 0)
			e = YG_ENOMEM;
	}
	if (!e && pthread_create(&cl->thread, NULL, thread_main, cl) != 0)
		e = YG_ENOMEM;
	if (e) {
		yg_tclient_destroy(cl);
		return e;
	}
	cl->started = true;
	*out = cl;
	return YG_OK;
}

void yg_tclient_destroy(yg_tclient *cl)
{
	if (!cl)
		return;
	if (cl->started) {
		pthread_mutex_lock(&cl->mu);
		cl->stop = true;
		pthread_mutex_unlock(&cl->mu);
		event_active(cl->wake, EV_READ, 0);
		pthread_join(cl->thread, NULL);
	}
	if (cl->bev)
		bufferevent_free(cl->bev);
	if (cl->wake)
		event_free(cl->wake);
	if (cl->retry)
		event_free(cl->retry);
	if (cl->tick)
		event_free(cl->tick);
	if (cl->eps_wait)
		event_free(cl->eps_wait);
	if (cl->base)
		event_base_free(cl->base);
	SSL_CTX_free(cl->ssl);
	yg_buf_free(&cl->out);
	pthread_mutex_destroy(&cl->mu);
	for (size_t i = 0; cl->srv && i < cl->nsrv; i++)
		free(cl->srv[i].host);
	free(cl->srv);
	free(cl->name);
	free(cl->version);
	free(cl);
}

void yg_tclient_notify(yg_tclient *cl)
{
	pthread_mutex_lock(&cl->mu);
	bool already = cl->notified;
	cl->notified = true;
	pthread_mutex_unlock(&cl->mu);
	if (!already)
		event_active(cl->wake, EV_READ, 0);
}

bool yg_tclient_connected(yg_tclient *cl)
{
	pthread_mutex_lock(&cl->mu);
	bool r = cl->ready;
	pthread_mutex_unlock(&cl->mu);
	return r;
}
