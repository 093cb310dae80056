/* syslog_in.c: remote syslog listeners (see syslog_in.h).
 *
 * One epoll descriptor over the listening sockets and the TCP connections,
 * level-triggered, polled without blocking from the manager's loop. Each
 * connection owns a framer and an input buffer: bytes read but not yet
 * framed stay there while the consumer pushes back, so a paused connection
 * costs at most max_msg + 8 KiB, and TCP's own flow control slows the
 * sender. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "manager/syslog_frame.h"
#include "manager/syslog_in.h"

#define BUDGET 1024 /* messages per socket per poll, for fairness */
#define INBUF 8192
#define DENY_LOG_MS 10000

enum { K_UDP, K_TCP_LISTEN, K_CONN };

typedef struct lsock {
	int kind; /* first: epoll's data.ptr points here */
	int fd;
	const yg_syslog_listen_cfg *cfg;
	char *dgram; /* UDP: max_msg + 1 bytes */
	size_t dlen;
	bool dpending; /* dgram holds a refused message */
	char dip[64];
	int nconns;
	uint64_t denied;       /* refused senders of this listener */
	long long deny_log_ms; /* when that was last logged */
} lsock;

typedef struct conn {
	int kind;
	int fd;
	lsock *l;
	char ip[64];
	yg_sframe fr;
	char in[INBUF];
	size_t ipos, ilen;
	bool eof;
	long long last_ms; /* when a byte last came (idle_timeout) */
} conn;

struct yg_syslogd {
	const yg_rsyslog_config *cfg;
	yg_syslogd_emit emit;
	void *ctx;
	yg_syslogd_log log;
	void *logctx;
	int efd;
	long long idle_check_ms; /* the last close_idle pass */
	lsock *ls;
	size_t nls;
	conn **conns;
	size_t nconns, capconns;
	bool blocked;
	char *msg; /* the message handed over: PRI removed, NULs replaced */
	size_t msgcap;
	yg_syslogd_stats st;
};

/* ---- configuration ---- */

void yg_rsyslog_config_free(yg_rsyslog_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		yg_waf_allow_destroy(c->l[i].allow);
		yg_waf_allow_destroy(c->l[i].deny);
	}
	free(c->l);
	c->l = NULL;
	c->n = 0;
}

bool yg_syslog_allowed(const yg_syslog_listen_cfg *l, const char *ip)
{
	yg_waf_addr a;
	if (yg_waf_addr_parse_ex(ip, strlen(ip), 0, 0, &a) != YG_OK)
		return false;
	if (l->deny && yg_waf_allowed(l->deny, &a))
		return false;
	return l->allow_any || (l->allow && yg_waf_allowed(l->allow, &a));
}

/* ---- helpers ---- */

static void slog(yg_syslogd *s, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void slog(yg_syslogd *s, int level, const char *fmt, ...)
{
	if (!s->log)
		return;
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	s->log(s->logctx, level, m);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A refused sender: counted; logged now and then (per listener) with the
 * running count. */
static void denied(yg_syslogd *s, lsock *l, const char *ip, const char *what)
{
	s->st.denied++;
	long long now = now_ms();
	if (l->denied++ && now - l->deny_log_ms < DENY_LOG_MS)
		return;
	l->deny_log_ms = now;
	slog(s, 2, "remote syslog: %s from '%s' not allowed (%llu refused on port %d/%s so far)",
	     what, ip, (unsigned long long)l->denied, l->cfg->port, l->cfg->tcp ? "tcp" : "udp");
}

/* The sender's address as text; a v4-mapped IPv6 address as IPv4. */
static void addr_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)n);
	} else if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, a->s6_addr + 12, out, (socklen_t)n);
		else
			inet_ntop(AF_INET6, a, out, (socklen_t)n);
	}
}

/* Hands one message over: without a leading "<PRI>" (Wazuh's remoted drops
 * it), NUL bytes as spaces. 0 when accepted or empty. */
static int deliver(yg_syslogd *s, const char *ip, const char *m, size_t len)
{
	if (len > 2 && m[0] == '<') {
		size_t k = 1;
		while (k < len && k <= 3 && m[k] >= '0' && m[k] <= '9')
			k++;
		if (k > 1 && k < len && m[k] == '>') {
			m += k + 1;
			len -= k + 1;
		}
	}
	if (len == 0)
		return 0;
	if (len + 1 > s->msgcap)
		return 0; /* cannot happen: messages are cut to max_msg */
	memcpy(s->msg, m, len);
	for (size_t i = 0; i < len; i++)
		if (s->msg[i] == '\0')
			s->msg[i] = ' ';
	s->msg[len] = '\0';
	int r = s->emit(s->ctx, ip, s->msg, len);
	if (r == 0)
		s->st.messages++;
	else
		s->blocked = true;
	return r;
}

/* ---- UDP ---- */

static size_t udp_read(yg_syslogd *s, lsock *l)
{
	size_t n = 0;
	if (l->dpending) {
		if (deliver(s, l->dip, l->dgram, l->dlen) != 0)
			return 0;
		l->dpending = false;
		n++;
	}
	size_t max = l->cfg->max_msg;
	for (int k = 0; k < BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t r = recvfrom(l->fd, l->dgram, max, MSG_DONTWAIT | MSG_TRUNC,
		                     (struct sockaddr *)&ss, &sl);
		if (r < 0)
			break; /* EAGAIN, or an ICMP error reported on the socket */
		size_t len = (size_t)r;
		if (len > max) {
			len = max;
			s->st.truncated++;
		}
		if (len && l->dgram[len - 1] == '\n')
			len--;
		if (len && l->dgram[len - 1] == '\r')
			len--;
		addr_text(&ss, l->dip, sizeof(l->dip));
		if (!yg_syslog_allowed(l->cfg, l->dip)) {
			denied(s, l, l->dip, "message");
			continue;
		}
		l->dlen = len;
		if (deliver(s, l->dip, l->dgram, len) != 0) {
			l->dpending = true;
			break;
		}
		n++;
	}
	return n;
}

/* ---- TCP ---- */

static void conn_close(yg_syslogd *s, conn *c)
{
	for (size_t i = 0; i < s->nconns; i++) {
		if (s->conns[i] == c) {
			s->conns[i] = s->conns[--s->nconns];
			break;
		}
	}
	s->st.truncated += c->fr.truncated;
	c->l->nconns--;
	close(c->fd);
	yg_sframe_free(&c->fr);
	free(c);
}

/* Connections from ip to listener l: <max_connections_per_ip> is one
 * <remote> block's option, so it counts that block's connections only. */
static int conns_from(const yg_syslogd *s, const lsock *l, const char *ip)
{
	int n = 0;
	for (size_t i = 0; i < s->nconns; i++)
		n += s->conns[i]->l == l && strcmp(s->conns[i]->ip, ip) == 0;
	return n;
}

static void conn_add(yg_syslogd *s, lsock *l, int fd, const char *ip)
{
	if (s->nconns == s->capconns) {
		size_t nc = s->capconns ? s->capconns * 2 : 16;
		conn **n = realloc(s->conns, nc * sizeof(*n));
		if (!n) {
			close(fd);
			return;
		}
		s->conns = n;
		s->capconns = nc;
	}
	conn *c = calloc(1, sizeof(*c));
	if (!c || yg_sframe_init(&c->fr, l->cfg->max_msg)) {
		free(c);
		close(fd);
		return;
	}
	c->kind = K_CONN;
	c->fd = fd;
	c->l = l;
	c->last_ms = now_ms();
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		yg_sframe_free(&c->fr);
		free(c);
		close(fd);
		return;
	}
	s->conns[s->nconns++] = c;
	l->nconns++;
	s->st.conns++;
}

static void tcp_accept(yg_syslogd *s, lsock *l)
{
	for (int k = 0; k < BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		char ip[64];
		addr_text(&ss, ip, sizeof(ip));
		if (!yg_syslog_allowed(l->cfg, ip)) {
			close(fd);
			denied(s, l, ip, "connection");
			continue;
		}
		if (l->nconns >= l->cfg->max_conns ||
		    conns_from(s, l, ip) >= l->cfg->max_conns_per_ip) {
			close(fd);
			s->st.conns_refused++;
			slog(s, 2,
			     "remote syslog: connection from '%s' refused: too many connections",
			     ip);
			continue;
		}
		conn_add(s, l, fd, ip);
	}
}

/* Delivers what the connection holds, reading more as needed. Returns the
 * messages accepted; closes the connection at its end (c is then gone). */
static size_t conn_read(yg_syslogd *s, conn *c)
{
	size_t n = 0;
	for (int k = 0; k < BUDGET;) {
		const char *m;
		size_t len;
		if (yg_sframe_take(&c->fr, &m, &len)) {
			if (deliver(s, c->ip, m, len) != 0)
				return n; /* the rest waits */
			yg_sframe_pop(&c->fr);
			n++;
			k++;
			continue;
		}
		if (c->ipos < c->ilen) {
			c->ipos += yg_sframe_push(&c->fr, c->in + c->ipos, c->ilen - c->ipos);
			continue;
		}
		if (c->eof) {
			if (yg_sframe_finish(&c->fr))
				continue;
			conn_close(s, c);
			return n;
		}
		ssize_t r = read(c->fd, c->in, sizeof(c->in));
		k++; /* reads count too: a flood of discarded bytes yields */
		if (r > 0) {
			c->ipos = 0;
			c->ilen = (size_t)r;
			c->last_ms = now_ms();
		} else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			c->eof = true;
		} else if (errno != EINTR) {
			return n;
		}
	}
	return n;
}

/* ---- life cycle ---- */

static int bind_one(const yg_syslog_listen_cfg *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (!c->address[0] || inet_pton(AF_INET, c->address, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)c->port);
		if (!c->address[0])
			v4->sin_addr.s_addr = htonl(INADDR_ANY);
		sl = sizeof(*v4);
	} else if (inet_pton(AF_INET6, c->address, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)c->port);
		sl = sizeof(*v6);
	} else {
		snprintf(err, errlen, "'%s' is not an address", c->address);
		return -1;
	}
	int fd = socket(ss.ss_family,
	                (c->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0 && c->tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0 || (c->tcp && listen(fd, 128))) {
		snprintf(err, errlen, "cannot listen on %s port %d/%s: %s",
		         c->address[0] ? c->address : "0.0.0.0", c->port, c->tcp ? "tcp" : "udp",
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

yg_syslogd *yg_syslogd_create(const yg_rsyslog_config *cfg, yg_syslogd_emit emit, void *ctx,
                              yg_syslogd_log log, void *logctx, char *err, size_t errlen)
{
	yg_syslogd *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->emit = emit;
	s->ctx = ctx;
	s->log = log;
	s->logctx = logctx;
	s->efd = epoll_create1(EPOLL_CLOEXEC);
	s->ls = calloc(cfg->n ? cfg->n : 1, sizeof(*s->ls));
	size_t maxmsg = 16;
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->l[i].max_msg > maxmsg)
			maxmsg = cfg->l[i].max_msg;
	s->msgcap = maxmsg + 1;
	s->msg = malloc(s->msgcap);
	if (s->efd < 0 || !s->ls || !s->msg) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		lsock *l = &s->ls[i];
		l->cfg = &cfg->l[i];
		l->kind = l->cfg->tcp ? K_TCP_LISTEN : K_UDP;
		l->fd = bind_one(l->cfg, err, errlen);
		s->nls = i + 1;
		if (l->fd < 0)
			goto fail;
		if (!l->cfg->tcp && !(l->dgram = malloc(l->cfg->max_msg + 1))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
		if (epoll_ctl(s->efd, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			goto fail;
		}
		slog(s, 1, "remote syslog: listening on %s port %d/%s",
		     l->cfg->address[0] ? l->cfg->address : "0.0.0.0", l->cfg->port,
		     l->cfg->tcp ? "tcp" : "udp");
	}
	return s;
fail:
	yg_syslogd_destroy(s);
	return NULL;
}

void yg_syslogd_destroy(yg_syslogd *s)
{
	if (!s)
		return;
	while (s->nconns)
		conn_close(s, s->conns[0]);
	free(s->conns);
	for (size_t i = 0; i < s->nls; i++) {
		if (s->ls[i].fd >= 0)
			close(s->ls[i].fd);
		free(s->ls[i].dgram);
	}
	free(s->ls);
	if (s->efd >= 0)
		close(s->efd);
	free(s->msg);
	free(s);
}

int yg_syslogd_fd(const yg_syslogd *s)
{
	return s->efd;
}

bool yg_syslogd_blocked(const yg_syslogd *s)
{
	return s->blocked;
}

/* After a refusal: what waits is offered first, in the same order. */
static size_t retry_waiting(yg_syslogd *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nls && !s->blocked; i++)
		if (s->ls[i].dpending)
			n += udp_read(s, &s->ls[i]);
	for (size_t i = 0; i < s->nconns && !s->blocked;) {
		conn *c = s->conns[i];
		size_t before = s->nconns;
		if (c->fr.ready || c->ipos < c->ilen || c->eof)
			n += conn_read(s, c);
		if (s->nconns == before)
			i++; /* else c was closed and another took its place */
	}
	return n;
}

/* Closes the connections that sent nothing for their idle_timeout; at
 * most once a second. A connection whose message waits for the consumer
 * is not idle: we are the ones not reading. */
static void close_idle(yg_syslogd *s)
{
	long long now = now_ms();
	if (now - s->idle_check_ms < 1000)
		return;
	s->idle_check_ms = now;
	for (size_t i = 0; i < s->nconns;) {
		conn *c = s->conns[i];
		long long limit = (long long)c->l->cfg->idle_timeout * 1000;
		bool waiting = c->fr.ready || c->ipos < c->ilen;
		if (limit <= 0 || waiting || now - c->last_ms < limit) {
			i++;
			continue;
		}
		s->st.conns_idle++;
		slog(s, 2, "remote syslog: connection from '%s' closed: nothing received for %u s",
		     c->ip, (unsigned)c->l->cfg->idle_timeout);
		conn_close(s, c); /* the last one took its place */
	}
}

size_t yg_syslogd_poll(yg_syslogd *s)
{
	size_t n = 0;
	close_idle(s);
	if (s->blocked) {
		s->blocked = false;
		n += retry_waiting(s);
		if (s->blocked)
			return n;
	}
	struct epoll_event ev[64];
	int k = epoll_wait(s->efd, ev, 64, 0);
	for (int i = 0; i < k && !s->blocked; i++) {
		int kind = *(int *)ev[i].data.ptr;
		if (kind == K_UDP)
			n += udp_read(s, ev[i].data.ptr);
		else if (kind == K_TCP_LISTEN)
			tcp_accept(s, ev[i].data.ptr);
		else
			n += conn_read(s, ev[i].data.ptr);
	}
	return n;
}

void yg_syslogd_get_stats(const yg_syslogd *s, yg_syslogd_stats *out)
{
	*out = s->st;
	for (size_t i = 0; i < s->nconns; i++)
		out->truncated += s->conns[i]->fr.truncated;
}
