/* server_conn.c: what the server does with one agent's frames:
 * authentication after the handshake, HELLO, EVENTS (dedup, rate limit,
 * back-pressure) and KEEPALIVE. */
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport/ca_int.h"
#include "transport/frame.h"
#include "transport/server_int.h"
#include "transport/tutil.h"

/* How often a streaming connection's agent is looked up again (see
 * still_authorised). */
#define AUTH_RECHECK_MS 5000u

#define LOG(c, lvl, ...) yg_tlog((c)->srv->cfg.cb.log, (c)->srv->cfg.cb.ctx, lvl, __VA_ARGS__)

/* The handshake is done and OpenSSL has verified the chain: find the agent
 * by certificate serial; unknown, removed or revoked agents are refused. */
void ts_conn_authenticate(ts_conn *c)
{
	yg_tserver *srv = c->srv;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	X509 *peer = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	char serial[YG_CA_SERIAL_MAX], cn[32], why[160];
	yg_agent_info a;
	why[0] = '\0';
	if (!peer || yg_ca_x509_serial(peer, serial) != YG_OK)
		snprintf(why, sizeof(why), "no usable client certificate");
	else if (yg_registry_get_by_serial(srv->cfg.registry, serial, &a) != YG_OK)
		snprintf(why, sizeof(why), "unknown or removed agent certificate (serial %s)",
		         serial);
	else if (a.revoked)
		snprintf(why, sizeof(why), "agent %s (%s) is revoked", a.id, a.name);
	else if (yg_ca_x509_cn(peer, cn, sizeof(cn)) != YG_OK || strcmp(cn, a.id) != 0)
		snprintf(why, sizeof(why), "certificate CN does not match agent %s", a.id);
	X509_free(peer);
	if (why[0]) {
		LOG(c, YG_TLOG_WARN, "refused connection from %s: %s", c->peer, why);
		ts_conn_error(c, "not authorised");
		return;
	}
	snprintf(c->id, sizeof(c->id), "%s", a.id);
	yg_tid_parse(a.id, &c->idnum);
	c->auth_checked_ms = yg_tnow_ms();
	c->state = CONN_WAIT_HELLO;
}

/* A JSON object's string member, bounded; "" when absent. */
static void json_str(json_object *o, const char *key, char *out, size_t len)
{
	json_object *v;
	out[0] = '\0';
	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, len, "%s", json_object_get_string(v));
}

static json_object *parse_json(const uint8_t *p, size_t len)
{
	if (len > 65536)
		return NULL;
	json_tokener *tok = json_tokener_new_ex(16);
	if (!tok)
		return NULL;
	json_object *o = json_tokener_parse_ex(tok, (const char *)p, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
	          !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* HELLO: the agent becomes this connection's; a previous connection of the
 * same agent is closed. Answers ACK(last committed). */
static int on_hello(ts_conn *c, const yg_frame *f)
{
	yg_tserver *srv = c->srv;
	json_object *o = parse_json(f->payload, f->len);
	if (!o) {
		ts_conn_error(c, "HELLO is not a JSON object");
		return -1;
	}
	char name[YG_AGENT_NAME_MAX + 1], version[64];
	json_str(o, "name", name, sizeof(name));
	json_str(o, "version", version, sizeof(version));
	json_object_put(o);
	uint64_t committed = 0;
	yg_registry_get_seq(srv->cfg.registry, c->id, &committed);

	pthread_mutex_lock(&srv->mu);
	ts_agent *ag = ts_agent_get(srv, c->idnum, true);
	ts_conn *old = ag ? ag->conn : NULL;
	if (ag) {
		ag->conn = c;
		if (!old)
			srv->nready++;
	}
	pthread_mutex_unlock(&srv->mu);
	if (!ag) {
		ts_conn_error(c, "out of memory");
		return -1;
	}
	if (old) {
		old->ag = NULL; /* the agent is c's now */
		ts_conn_error(old, "replaced by a new connection of the same agent");
	}
	c->ag = ag;
	if (committed > ag->committed)
		ag->committed = committed;
	if (ag->handed < ag->committed)
		ag->handed = ag->committed;
	c->state = CONN_READY;
	ts_conn_authed(c);
	struct timeval tv = {3 * (time_t)srv->cfg.keepalive_s, 0}, wtv = {60, 0};
	bufferevent_set_timeouts(c->bev, &tv, &wtv);
	yg_agent_info a;
	if (yg_registry_get(srv->cfg.registry, c->id, &a) == YG_OK && strcmp(a.name, name) != 0)
		LOG(c, YG_TLOG_WARN, "agent %s calls itself '%s' but is registered as '%s'", c->id,
		    name, a.name);
	yg_registry_keepalive(srv->cfg.registry, c->id, version, time(NULL));
	LOG(c, YG_TLOG_INFO, "agent %s (%s) connected from %s, version %s, committed seq %llu",
	    c->id, name, c->peer, version, (unsigned long long)ag->committed);
	ts_send_ack(c);
	if (srv->cfg.cb.on_connect)
		srv->cfg.cb.on_connect(srv->cfg.cb.ctx, c->id, name, version, c->peer);
	return 0;
}

static void rate_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ts_conn *c = arg;
	c->paused_rate = false;
	if (!c->paused_full)
		bufferevent_enable(c->bev, EV_READ);
	ts_conn_process(c);
}

/* Token bucket: true if n events may pass now (taking them). Otherwise
 * pauses reading until enough tokens are back. A batch larger than the
 * bucket passes once the bucket is full, leaving it negative. */
static bool rate_take(ts_conn *c, uint32_t n)
{
	yg_tserver *srv = c->srv;
	double eps = srv->cfg.rate_eps, burst = srv->cfg.rate_burst;
	if (eps <= 0 || n == 0)
		return true;
	ts_agent *ag = c->ag;
	uint64_t now = yg_tnow_ms();
	ag->tokens += (double)(now - ag->tokens_ms) * eps / 1000.0;
	if (ag->tokens > burst)
		ag->tokens = burst;
	ag->tokens_ms = now;
	double need = n < burst ? n : burst;
	if (ag->tokens >= need) {
		ag->tokens -= n;
		return true;
	}
	if (!c->rate_timer && !(c->rate_timer = evtimer_new(srv->base, rate_timer_cb, c)))
		return true; /* cannot wait: let it through rather than stall */
	double wait_ms = (need - ag->tokens) * 1000.0 / eps + 1;
	struct timeval tv = {(time_t)(wait_ms / 1000),
	                     (suseconds_t)((uint64_t)wait_ms % 1000) * 1000};
	c->paused_rate = true;
	bufferevent_disable(c->bev, EV_READ);
	evtimer_add(c->rate_timer, &tv);
	return false;
}

/* Whether c's agent is still registered and not revoked, so that removal
 * and revocation also end a live connection, not only the next one: a
 * compromised agent must not keep streaming until it happens to reconnect.
 * Checked at every keepalive (force) and, for a peer that streams without
 * keepalives, at most every AUTH_RECHECK_MS on EVENTS. Only a definite
 * answer drops it (a database error keeps the connection). false: the
 * connection was ended with ERROR. */
static bool still_authorised(ts_conn *c, bool force)
{
	uint64_t now = yg_tnow_ms();
	if (!force && now - c->auth_checked_ms < AUTH_RECHECK_MS)
		return true;
	c->auth_checked_ms = now;
	yg_agent_info a;
	yg_err e = yg_registry_get(c->srv->cfg.registry, c->id, &a);
	if (e != YG_ENOTFOUND && (e != YG_OK || !a.revoked))
		return true;
	LOG(c, YG_TLOG_WARN, "dropped connection from %s: agent %s is %s", c->peer, c->id,
	    e == YG_OK ? "revoked" : "removed");
	ts_conn_error(c, "not authorised");
	return false;
}

/* EVENTS: returns 0 (consumed), 1 (held: paused, offer again later), -1
 * (connection failed). */
static int on_events(ts_conn *c, const yg_frame *f)
{
	yg_tserver *srv = c->srv;
	ts_agent *ag = c->ag;
	if (!still_authorised(c, false))
		return -1;
	size_t max = yg_frame_events_max_records(f->len);
	if (max > c->recs_cap) {
		yg_tbuf *nr = realloc(c->recs, (max ? max : 1) * sizeof(*nr));
		if (!nr) {
			ts_conn_error(c, "out of memory");
			return -1;
		}
		c->recs = nr;
		c->recs_cap = max;
	}
	uint64_t first;
	uint32_t count;
	if (yg_frame_parse_events(f->payload, f->len, &first, &count, c->recs, c->recs_cap)) {
		ts_conn_error(c, "malformed EVENTS frame");
		return -1;
	}
	if (count == 0)
		return 0;
	uint64_t last = first + count - 1;
	if (last <= ag->handed) { /* all seen: a resend after reconnect */
		if (last <= ag->committed)
			ts_send_ack(c);
		return 0;
	}
	uint32_t skip = first <= ag->handed ? (uint32_t)(ag->handed - first + 1) : 0;
	if (first > ag->handed + 1)
		LOG(c, YG_TLOG_WARN,
		    "agent %s: events %llu..%llu are missing (the agent lost them)", c->id,
		    (unsigned long long)(ag->handed + 1), (unsigned long long)(first - 1));
	if (!rate_take(c, count - skip))
		return 1;
	yg_ts_verdict v = srv->cfg.cb.on_events(srv->cfg.cb.ctx, c->id, first + skip, count - skip,
	                                        c->recs + skip);
	if (v == YG_TS_FULL) {
		if (srv->cfg.rate_eps > 0) /* not taken: give the tokens back */
			ag->tokens += count - skip;
		c->paused_full = true;
		bufferevent_disable(c->bev, EV_READ);
		return 1;
	}
	ag->handed = last;
	return 0;
}

static int on_keepalive(ts_conn *c, const yg_frame *f)
{
	yg_tserver *srv = c->srv;
	if (!still_authorised(c, true))
		return -1;
	json_object *o = parse_json(f->payload, f->len);
	char version[64];
	json_str(o, "version", version, sizeof(version));
	json_object_put(o);
	yg_registry_keepalive(srv->cfg.registry, c->id, version, time(NULL));
	if (srv->cfg.cb.on_keepalive)
		srv->cfg.cb.on_keepalive(srv->cfg.cb.ctx, c->id, (const char *)f->payload, f->len);
	ts_send_ack(c); /* also tells the agent the manager is alive */
	return 0;
}

static int handle(ts_conn *c, const yg_frame *f)
{
	char why[96];
	if (c->state == CONN_WAIT_HELLO) {
		if (f->type == YG_FRAME_HELLO)
			return on_hello(c, f);
		snprintf(why, sizeof(why), "%s before HELLO", yg_frame_type_name(f->type));
		ts_conn_error(c, why);
		return -1;
	}
	switch (f->type) {
	case YG_FRAME_EVENTS: return on_events(c, f);
	case YG_FRAME_KEEPALIVE: return on_keepalive(c, f);
	case YG_FRAME_ERROR:
		snprintf(why, sizeof(why), "agent reported an error: %.*s",
		         (int)(f->len > 60 ? 60 : f->len), (const char *)f->payload);
		ts_conn_error(c, why);
		return -1;
	default:
		snprintf(why, sizeof(why), "unexpected %s frame", yg_frame_type_name(f->type));
		ts_conn_error(c, why);
		return -1;
	}
}

/* Handles every whole frame in the input buffer until it runs dry, the
 * connection pauses, or fails. Frames larger than 1 MiB are refused from
 * their header, before they are read. */
void ts_conn_process(ts_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	while (c->state != CONN_CLOSING && c->state != CONN_HANDSHAKE && !c->paused_full &&
	       !c->paused_rate) {
		uint8_t hdr[YG_FRAME_HDR];
		if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
			return;
		yg_frame f;
		size_t total;
		const char *why = NULL;
		yg_err e = yg_frame_peek(hdr, sizeof(hdr), &f, &total, &why);
		if (e != YG_OK && e != YG_ENOTFOUND) {
			ts_conn_error(c, why);
			return;
		}
		if (evbuffer_get_length(in) < total)
			return;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)total);
		if (!p || yg_frame_peek(p, total, &f, &total, &why) != YG_OK) {
			ts_conn_error(c, "out of memory");
			return;
		}
		int r = handle(c, &f);
		if (r != 0)
			return;
		evbuffer_drain(in, total);
	}
}
