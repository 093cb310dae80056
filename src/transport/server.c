/* server.c: the manager's transport server: thread, listener, connection
 * life and the cross-thread command queue. Frames: server_conn.c. */
#include "transport/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common/ybuf.h"
#include "common/ydaemon.h"
#include "transport/frame.h"
#include "transport/tls_int.h"
#include "transport/tutil.h"

#define ACCEPT_BURST 64 /* connections accepted before the loop runs again */

enum { CMD_ACK, CMD_AR, CMD_RESUME, CMD_STOP };

typedef struct ts_cmd {
	int kind;
	uint32_t id;
	uint64_t v;
	char *json;
	struct ts_cmd *next;
} ts_cmd;

ts_agent *ts_agent_get(yg_tserver *srv, uint32_t id, bool create)
{
	ts_agent **b = &srv->agents[id % AGENT_BUCKETS], *a;
	for (a = *b; a; a = a->next)
		if (a->id == id)
			return a;
	if (!create || !(a = calloc(1, sizeof(*a))))
		return NULL;
	a->id = id;
	a->tokens = srv->cfg.rate_burst;
	a->tokens_ms = yg_tnow_ms();
	a->next = *b;
	*b = a;
	return a;
}

void ts_send(ts_conn *c, uint8_t type, bool with_id, uint64_t id, const void *data, size_t len)
{
	if (c->state == CONN_CLOSING)
		return;
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	if (yg_frame_encode(&b, type, with_id, id, data, len) == YG_OK)
		bufferevent_write(c->bev, b.data, b.len);
	yg_buf_free(&b);
}

void ts_send_ack(ts_conn *c)
{
	uint8_t v[8];
	yg_tput_u64(v, c->ag->committed);
	ts_send(c, YG_FRAME_ACK, false, 0, v, 8);
}

static ts_host **host_slot(yg_tserver *srv, const char *host)
{
	uint32_t h = 2166136261u;
	for (const char *p = host; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	ts_host **pp = &srv->hosts[h % HOST_BUCKETS];
	while (*pp && strcmp((*pp)->host, host))
		pp = &(*pp)->next;
	return pp;
}

void ts_conn_authed(ts_conn *c)
{
	ts_host *h = c->unauth;
	if (!h)
		return;
	c->unauth = NULL;
	c->srv->nunauth--;
	if (--h->n == 0) {
		ts_host **pp = host_slot(c->srv, h->host);
		*pp = h->next;
		free(h);
	}
}

static void conn_free(ts_conn *c)
{
	yg_tserver *srv = c->srv;
	ts_conn_authed(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	if (c->rate_timer)
		event_free(c->rate_timer);
	bufferevent_free(c->bev);
	free(c->recs);
	free(c);
}

/* Detaches c from its agent; the agent becomes disconnected. */
static void conn_detach(ts_conn *c, const char *reason)
{
	yg_tserver *srv = c->srv;
	if (!c->ag)
		return;
	pthread_mutex_lock(&srv->mu);
	bool mine = c->ag->conn == c;
	if (mine) {
		c->ag->conn = NULL;
		srv->nready--;
	}
	pthread_mutex_unlock(&srv->mu);
	c->ag = NULL;
	if (!mine)
		return;
	yg_registry_set_status(srv->cfg.registry, c->id, YG_AGENT_DISCONNECTED);
	yg_tlog(srv->cfg.cb.log, srv->cfg.cb.ctx, YG_TLOG_INFO, "agent %s (%s) disconnected: %s",
	        c->id, c->peer, reason);
	if (srv->cfg.cb.on_disconnect)
		srv->cfg.cb.on_disconnect(srv->cfg.cb.ctx, c->id, reason);
}

void ts_conn_close(ts_conn *c, const char *reason)
{
	conn_detach(c, reason);
	conn_free(c);
}

static void closing_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	ts_conn_close(arg, "closed");
}

static void closing_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	ts_conn_close(arg, "closed");
}

/* Sends ERROR(reason) and closes once it is written (or after 5 s). Never
 * frees c synchronously: callbacks are deferred (BEV_OPT_DEFER_CALLBACKS),
 * so the caller may still look at c->state, which is now CLOSING. */
void ts_conn_error(ts_conn *c, const char *reason)
{
	if (c->state == CONN_CLOSING)
		return;
	yg_tserver *srv = c->srv;
	yg_tlog(srv->cfg.cb.log, srv->cfg.cb.ctx, YG_TLOG_WARN, "agent %s (%s): %s",
	        c->id[0] ? c->id : "?", c->peer, reason);
	conn_detach(c, reason);
	if (c->rate_timer)
		evtimer_del(c->rate_timer);
	bufferevent_disable(c->bev, EV_READ);
	struct timeval tv = {5, 0};
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	bufferevent_setcb(c->bev, NULL, closing_write_cb, closing_event_cb, c);
	ts_send(c, YG_FRAME_ERROR, false, 0, reason, strlen(reason));
	c->state = CONN_CLOSING;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	ts_conn_process(arg);
}

/* A refused connection: the first 20 of each 10 s are logged, the rest
 * counted (a flood must not become a flood of log lines). */
static void refuse_log(yg_tserver *srv, const char *peer, const char *why)
{
	long long now = yg_now_ms();
	if (now - srv->refused_logged_ms >= 10000) {
		if (srv->refused > 20)
			yg_tlog(srv->cfg.cb.log, srv->cfg.cb.ctx, YG_TLOG_WARN,
			        "%llu more connections refused in 10 s (not logged one by one)",
			        srv->refused - 20);
		srv->refused_logged_ms = now;
		srv->refused = 0;
	}
	if (++srv->refused <= 20)
		yg_tlog(srv->cfg.cb.log, srv->cfg.cb.ctx, YG_TLOG_WARN,
		        "refused connection from %s: %s", peer, why);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	ts_conn *c = arg;
	if (what & BEV_EVENT_CONNECTED) {
		ts_conn_authenticate(c);
		ts_conn_process(c); /* HELLO may have come with the handshake */
		return;
	}
	char reason[300];
	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(reason, sizeof(reason), "%s",
		         c->state == CONN_READY ? "silent for 3 keepalive intervals"
		                                : "handshake timeout");
	} else if (what & BEV_EVENT_EOF) {
		snprintf(reason, sizeof(reason), "connection closed by the agent");
	} else {
		unsigned long e = bufferevent_get_openssl_error(bev);
		char ebuf[200] = "";
		if (e)
			ERR_error_string_n(e, ebuf, sizeof(ebuf));
		snprintf(reason, sizeof(reason), "%s%s%s",
		         c->state == CONN_HANDSHAKE ? "TLS handshake failed" : "connection error",
		         e ? ": " : "", e ? ebuf : "");
		while (bufferevent_get_openssl_error(bev))
			;
	}
	if (c->state == CONN_HANDSHAKE || c->state == CONN_WAIT_HELLO)
		refuse_log(c->srv, c->peer, reason);
	ts_conn_close(c, reason);
}

/* At the cap of unauthenticated connections one makes room: the oldest of
 * the address that holds the most. A flood then pushes out its own
 * handshakes, not those of an agent connecting from elsewhere. */
static void drop_oldest_unauth(yg_tserver *srv)
{
	ts_host *top = NULL;
	for (size_t i = 0; i < HOST_BUCKETS; i++)
		for (ts_host *h = srv->hosts[i]; h; h = h->next)
			if (!top || h->n > top->n)
				top = h;
	ts_conn *oldest = NULL;
	for (ts_conn *c = srv->conns; c; c = c->next)
		if (c->unauth == top)
			oldest = c; /* new connections go in front */
	if (oldest) {
		refuse_log(srv, oldest->peer,
		           "too many unauthenticated connections; oldest dropped");
		ts_conn_close(oldest, "too many unauthenticated connections");
	}
}

static void accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	yg_tserver *srv = arg;
	/* libevent accepts until the backlog is empty: under a flood that is
	 * forever, and the connections closed meanwhile keep their descriptors
	 * until the loop runs again. A pause after ACCEPT_BURST lets it. */
	if (++srv->accept_burst >= ACCEPT_BURST) {
		evconnlistener_disable(lis);
		struct timeval now = {0, 0};
		evtimer_add(srv->relisten, &now);
	}
	char host[INET6_ADDRSTRLEN] = "?", peer[64];
	uint16_t port = 0;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	(void)salen;
	snprintf(peer, sizeof(peer), "%s:%u", host, port);
	ts_host **hp = host_slot(srv, host);
	if (srv->nconns >= srv->cfg.max_conns) {
		refuse_log(srv, peer, "too many connections");
		evutil_closesocket(fd);
		return;
	}
	if (*hp && (*hp)->n >= srv->cfg.max_unauth_per_addr) {
		refuse_log(srv, peer, "too many unauthenticated connections from its address");
		evutil_closesocket(fd);
		return;
	}
	if (srv->nunauth >= srv->cfg.max_unauth)
		drop_oldest_unauth(srv);
	ts_host *h = *hp;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h) {
			evutil_closesocket(fd);
			return;
		}
		snprintf(h->host, sizeof(h->host), "%s", host);
		*hp = h;
	}
	ts_conn *c = calloc(1, sizeof(*c));
	SSL *ssl = c ? SSL_new(srv->ssl) : NULL;
	struct bufferevent *bev = NULL;
	if (ssl)
		bev = bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		                                     BEV_OPT_CLOSE_ON_FREE |
		                                             BEV_OPT_DEFER_CALLBACKS);
	if (!bev) { /* on failure libevent has freed neither ssl nor fd */
		SSL_free(ssl);
		free(c);
		evutil_closesocket(fd);
		if (h->n == 0) {
			*hp = h->next;
			free(h);
		}
		return;
	}
	c->srv = srv;
	c->unauth = h;
	h->n++;
	srv->nunauth++;
	c->bev = bev;
	c->state = CONN_HANDSHAKE;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->next = srv->conns;
	if (c->next)
		c->next->prev = c;
	srv->conns = c;
	srv->nconns++;
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	/* never hold more than two maximal frames per connection */
	bufferevent_setwatermark(bev, EV_READ, 0, 2 * (YG_FRAME_MAX + YG_FRAME_HDR));
	struct timeval tv = {srv->cfg.handshake_s, 0};
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setcb(bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	((yg_tserver *)arg)->accept_burst = 0;
	evconnlistener_enable(((yg_tserver *)arg)->lis);
}

static void accept_error_cb(struct evconnlistener *lis, void *arg)
{
	yg_tserver *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	yg_tlog(srv->cfg.cb.log, srv->cfg.cb.ctx, YG_TLOG_ERROR,
	        "accept failed: %s; not accepting for 1 s", evutil_socket_error_to_string(err));
	/* out of descriptors: back off instead of spinning on accept() */
	evconnlistener_disable(lis);
	struct timeval tv = {1, 0};
	evtimer_add(srv->relisten, &tv);
}

static void run_cmd(yg_tserver *srv, ts_cmd *cmd)
{
	if (cmd->kind == CMD_STOP) {
		event_base_loopbreak(srv->base);
		return;
	}
	if (cmd->kind == CMD_RESUME) {
		for (ts_conn *c = srv->conns, *n; c; c = n) {
			n = c->next; /* processing may close c */
			if (c->paused_full) {
				c->paused_full = false;
				if (!c->paused_rate)
					bufferevent_enable(c->bev, EV_READ);
				ts_conn_process(c);
			}
		}
		return;
	}
	pthread_mutex_lock(&srv->mu);
	ts_agent *a = ts_agent_get(srv, cmd->id, cmd->kind == CMD_ACK);
	ts_conn *c = a ? a->conn : NULL;
	if (a && cmd->kind == CMD_ACK && cmd->v > a->committed)
		a->committed = cmd->v;
	pthread_mutex_unlock(&srv->mu);
	if (a && a->handed < a->committed)
		a->handed = a->committed;
	if (!c || c->state != CONN_READY)
		return;
	if (cmd->kind == CMD_ACK)
		ts_send_ack(c);
	else
		ts_send(c, YG_FRAME_AR_REQUEST, true, cmd->v, cmd->json, strlen(cmd->json));
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	yg_tserver *srv = arg;
	pthread_mutex_lock(&srv->mu);
	ts_cmd *list = srv->cmds;
	srv->cmds = srv->cmds_tail = NULL;
	pthread_mutex_unlock(&srv->mu);
	while (list) {
		ts_cmd *n = list->next;
		run_cmd(srv, list);
		free(list->json);
		free(list);
		list = n;
	}
}

/* Queues a command for the loop; takes json. */
static yg_err push_cmd(yg_tserver *srv, int kind, uint32_t id, uint64_t v, char *json)
{
	ts_cmd *c = calloc(1, sizeof(*c));
	if (!c) {
		free(json);
		return YG_ENOMEM;
	}
	c->kind = kind;
	c->id = id;
	c->v = v;
	c->json = json;
	pthread_mutex_lock(&srv->mu);
	if (srv->cmds_tail)
		srv->cmds_tail->next = c;
	else
		srv->cmds = c;
	srv->cmds_tail = c;
	pthread_mutex_unlock(&srv->mu);
	event_active(srv->wake, EV_READ, 0);
	return YG_OK;
}

static void *thread_main(void *arg)
{
	yg_tserver *srv = arg;
	event_base_loop(srv->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static yg_err bind_listener(yg_tserver *srv, yg_diag *diag)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	                         .ai_socktype = SOCK_STREAM},
	                *ai = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%u", srv->cfg.port);
	const char *addr = srv->cfg.address ? srv->cfg.address : "0.0.0.0";
	if (getaddrinfo(addr, port, &hints, &ai) != 0 || !ai) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "address", "bad listen address '%s'",
		            addr);
		return YG_EINVAL;
	}
	srv->lis = evconnlistener_new_bind(srv->base, accept_cb, srv,
	                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                           LEV_OPT_CLOSE_ON_EXEC,
	                                   4096, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!srv->lis) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "port", "cannot listen on %s:%s: %s", addr,
		            port, strerror(errno));
		return YG_EIO;
	}
	evconnlistener_set_error_cb(srv->lis, accept_error_cb);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(evconnlistener_get_fd(srv->lis), (struct sockaddr *)&ss, &sl);
	srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                           : ((struct sockaddr_in *)&ss)->sin_port);
	return YG_OK;
}

/* max_conns within the descriptor limit, leaving YG_TSERVER_FD_RESERVE to
 * the rest of the process. */
static void fit_nofile(yg_tserver *srv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	rlim_t room =
	        rl.rlim_cur > YG_TSERVER_FD_RESERVE + 64 ? rl.rlim_cur - YG_TSERVER_FD_RESERVE : 64;
	if (srv->cfg.max_conns > room) {
		srv->cfg.max_conns = (unsigned)room;
		yg_tlog(srv->cfg.cb.log, srv->cfg.cb.ctx, YG_TLOG_INFO,
		        "at most %u agent connections (descriptor limit %llu, %u kept for the "
		        "rest of the manager)",
		        srv->cfg.max_conns, (unsigned long long)rl.rlim_cur, YG_TSERVER_FD_RESERVE);
	}
}

yg_err yg_tserver_create(const yg_tserver_config *cfg, yg_diag *diag, yg_tserver **out)
{
	*out = NULL;
	if (!cfg || !cfg->ca_cert || !cfg->cert || !cfg->key || !cfg->registry ||
	    !cfg->cb.on_events || cfg->rate_eps < 0 || cfg->rate_burst < 0)
		return YG_EINVAL;
	yg_tls_global_init();
	yg_tserver *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return YG_ENOMEM;
	srv->cfg = *cfg;
	if (!srv->cfg.keepalive_s)
		srv->cfg.keepalive_s = 10;
	if (!srv->cfg.max_conns)
		srv->cfg.max_conns = 16384;
	fit_nofile(srv);
	if (!srv->cfg.max_unauth)
		srv->cfg.max_unauth = 1024;
	if (srv->cfg.max_unauth > srv->cfg.max_conns / 2)
		srv->cfg.max_unauth = srv->cfg.max_conns / 2 ? srv->cfg.max_conns / 2 : 1;
	if (!srv->cfg.max_unauth_per_addr)
		srv->cfg.max_unauth_per_addr = 32;
	if (!srv->cfg.handshake_s)
		srv->cfg.handshake_s = 10;
	if (srv->cfg.rate_burst < 1)
		srv->cfg.rate_burst = srv->cfg.rate_eps > 1 ? srv->cfg.rate_eps : 1;
	pthread_mutex_init(&srv->mu, NULL);
	/* nobody is connected to a server that is only starting */
	yg_registry_reset_status(srv->cfg.registry);
	yg_err e = YG_OK;
	srv->ssl = yg_tls_server_ctx(cfg->cert, cfg->key, cfg->ca_cert, diag);
	srv->base = srv->ssl ? event_base_new() : NULL;
	if (!srv->base)
		e = srv->ssl ? YG_ENOMEM : YG_EINVAL;
	if (!e) {
		srv->wake = event_new(srv->base, -1, 0, wake_cb, srv);
		srv->relisten = evtimer_new(srv->base, relisten_cb, srv);
		e = srv->wake && srv->relisten ? bind_listener(srv, diag) : YG_ENOMEM;
	}
	if (!e && pthread_create(&srv->thread, NULL, thread_main, srv) != 0)
		e = YG_ENOMEM;
	if (e) {
		yg_tserver_destroy(srv);
		return e;
	}
	srv->started = true;
	*out = srv;
	return YG_OK;
}

void yg_tserver_destroy(yg_tserver *srv)
{
	if (!srv)
		return;
	if (srv->started) {
		push_cmd(srv, CMD_STOP, 0, 0, NULL);
		pthread_join(srv->thread, NULL);
	}
	while (srv->conns)
		ts_conn_close(srv->conns, "server stopping");
	for (ts_cmd *c = srv->cmds, *n; c; c = n) {
		n = c->next;
		free(c->json);
		free(c);
	}
	for (size_t i = 0; i < AGENT_BUCKETS; i++)
		for (ts_agent *a = srv->agents[i], *n; a; a = n) {
			n = a->next;
			free(a);
		}
	if (srv->lis)
		evconnlistener_free(srv->lis);
	if (srv->wake)
		event_free(srv->wake);
	if (srv->relisten)
		event_free(srv->relisten);
	if (srv->base)
		event_base_free(srv->base);
	SSL_CTX_free(srv->ssl);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}

uint16_t yg_tserver_port(const yg_tserver *srv)
{
	return srv->port;
}

yg_err yg_tserver_ack(yg_tserver *srv, const char *agent_id, uint64_t seq)
{
	uint32_t id;
	if (!yg_tid_parse(agent_id, &id))
		return YG_EINVAL;
	return push_cmd(srv, CMD_ACK, id, seq, NULL);
}

yg_err yg_tserver_send_ar(yg_tserver *srv, const char *agent_id, uint64_t req_id, const char *json)
{
	uint32_t id;
	if (!yg_tid_parse(agent_id, &id) || !json || strlen(json) > YG_FRAME_MAX - 16)
		return YG_EINVAL;
	if (!yg_tserver_is_connected(srv, agent_id))
		return YG_ENOTFOUND;
	char *copy = strdup(json);
	return copy ? push_cmd(srv, CMD_AR, id, req_id, copy) : YG_ENOMEM;
}

void yg_tserver_resume(yg_tserver *srv)
{
	push_cmd(srv, CMD_RESUME, 0, 0, NULL);
}

size_t yg_tserver_connected(yg_tserver *srv)
{
	pthread_mutex_lock(&srv->mu);
	size_t n = srv->nready;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

bool yg_tserver_is_connected(yg_tserver *srv, const char *agent_id)
{
	uint32_t id;
	if (!yg_tid_parse(agent_id, &id))
		return false;
	pthread_mutex_lock(&srv->mu);
	ts_agent *a = ts_agent_get(srv, id, false);
	bool yes = a && a->conn;
	pthread_mutex_unlock(&srv->mu);
	return yes;
}
