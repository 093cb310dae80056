/* enroll_server.c: the manager's enrolment listener (authd's job). */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ydaemon.h"
#include "transport/enroll.h"
#include "transport/enroll_req.h"
#include "transport/frame.h"
#include "transport/tls_int.h"
#include "transport/tutil.h"

#define REQ_MAX (64u * 1024u)
/* Guessing limits (docs/threat-model.md). Per address: after the n-th
 * failed secret (n >= 2), no secret from that address is even checked for
 * min(2^(n-2), FAIL_DELAY_MAX_S) seconds. Whole listener: at most
 * GLOBAL_FAILS_PER_S failed secrets a second (bursts of GLOBAL_FAILS_BURST),
 * beyond which every check waits, so many addresses cannot guess faster. */
#define FAIL_SLOTS 1024
#define FAIL_DELAY_MAX_S 60
#define FAIL_FORGET_S 3600
#define GLOBAL_FAILS_PER_S 5.0
#define GLOBAL_FAILS_BURST 20.0
#define CONNS_MAX 256
#define LOG(es, lvl, ...) yg_tlog((es)->cfg.log, (es)->cfg.log_ctx, lvl, __VA_ARGS__)

/* An address's recent failed secrets. */
typedef struct es_fail {
	char ip[INET6_ADDRSTRLEN];
	unsigned fails;
	long long until_ms; /* no check before */
	long long last_ms;
} es_fail;

struct yg_enroll_server {
	yg_enroll_server_config cfg;
	char *password; /* NULL: passwords not accepted */
	SSL_CTX *ssl;
	struct event_base *base;
	struct evconnlistener *lis;
	struct event *stop;
	pthread_t thread;
	bool started;
	uint16_t port;
	struct es_conn *conns;
	size_t nconns;
	struct event *relisten;
	/* guessing limits (the listener's thread only) */
	es_fail fails[FAIL_SLOTS];
	double gtokens;
	long long gtokens_ms, glogged_ms;
};

typedef struct es_conn {
	yg_enroll_server *es;
	struct bufferevent *bev;
	char ip[INET6_ADDRSTRLEN];
	bool done;
	struct es_conn *prev, *next;
} es_conn;

static void conn_free(es_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->es->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->es->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static void done_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	es_conn *c = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (!c->done)
		LOG(c->es, YG_TLOG_WARN, "enrolment from %s: connection ended (%s)", c->ip,
		    what & BEV_EVENT_TIMEOUT ? "timeout" : "closed or TLS failure");
	conn_free(c);
}

/* Sends the answer and closes once it is written. Takes the JSON object. */
static void reply(es_conn *c, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	if (yg_frame_encode(&b, YG_FRAME_ENROLL_RESP, false, 0, s, strlen(s)) == YG_OK)
		bufferevent_write(c->bev, b.data, b.len);
	yg_buf_free(&b);
	json_object_put(o);
	c->done = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, done_write_cb, event_cb, c);
}

static void refuse(es_conn *c, const char *name, const char *why)
{
	LOG(c->es, YG_TLOG_WARN, "enrolment of '%s' from %s refused: %s", name ? name : "?", c->ip,
	    why);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(why));
	reply(c, o);
}

static es_fail *fail_find(yg_enroll_server *es, const char *ip, bool create, long long now)
{
	es_fail *oldest = &es->fails[0];
	for (size_t i = 0; i < FAIL_SLOTS; i++) {
		es_fail *f = &es->fails[i];
		if (f->ip[0] && !strcmp(f->ip, ip)) {
			if (now - f->last_ms > FAIL_FORGET_S * 1000LL)
				f->fails = 0;
			return f;
		}
		if (!f->ip[0] || f->last_ms < oldest->last_ms)
			oldest = f;
		if (!f->ip[0])
			break;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->ip, sizeof(oldest->ip), "%s", ip);
	return oldest;
}

/* Whether a secret from ip may be checked now; else why not. */
static const char *throttled(yg_enroll_server *es, const char *ip, char *why, size_t n)
{
	long long now = yg_now_ms();
	es_fail *f = fail_find(es, ip, false, now);
	if (f && f->until_ms > now) {
		snprintf(why, n, "too many failed attempts from %s: retry in %lld s", ip,
		         (f->until_ms - now + 999) / 1000);
		return why;
	}
	es->gtokens += (double)(now - es->gtokens_ms) * GLOBAL_FAILS_PER_S / 1000.0;
	es->gtokens_ms = now;
	if (es->gtokens > GLOBAL_FAILS_BURST)
		es->gtokens = GLOBAL_FAILS_BURST;
	if (es->gtokens < 1.0) {
		if (now - es->glogged_ms >= 10000) {
			es->glogged_ms = now;
			LOG(es, YG_TLOG_WARN,
			    "enrolment: more than %.0f failed attempts a second on this listener: "
			    "secrets are checked more slowly (guessing?)",
			    GLOBAL_FAILS_PER_S);
		}
		return "too many failed enrolment attempts on this manager: retry in 1 s";
	}
	return NULL;
}

/* Counts a failed secret from ip against both limits. */
static void note_failure(yg_enroll_server *es, const char *ip)
{
	long long now = yg_now_ms();
	es->gtokens -= 1.0;
	es_fail *f = fail_find(es, ip, true, now);
	f->fails++;
	f->last_ms = now;
	/* the first failure is free (a typo); then 1, 2, 4... seconds */
	long long delay = f->fails < 2 ? 0 : 1LL << (f->fails - 2 < 6 ? f->fails - 2 : 6);
	if (delay > FAIL_DELAY_MAX_S)
		delay = FAIL_DELAY_MAX_S;
	f->until_ms = now + delay * 1000;
	if ((f->fails & (f->fails - 1)) == 0) /* 1, 2, 4, 8...: not one line a guess */
		LOG(es, YG_TLOG_WARN,
		    "enrolment: %u failed attempts from %s; its next attempt is checked in %lld s "
		    "at the earliest",
		    f->fails, ip, delay);
}

static void note_success(yg_enroll_server *es, const char *ip)
{
	es_fail *f = fail_find(es, ip, false, yg_now_ms());
	if (f)
		f->fails = 0, f->until_ms = 0;
}

/* Checks the request's secret; NULL if fine, else why not. */
static const char *check_secret(yg_enroll_server *es, const char *password, const char *token)
{
	if (token)
		return yg_registry_token_consume(es->cfg.registry, token, time(NULL)) == YG_OK
		               ? NULL
		               : "invalid, expired or already used token";
	if (password) {
		size_t a = strlen(password), b = es->password ? strlen(es->password) : 0;
		if (!es->password)
			return "passwords are not accepted";
		/* constant time over the secret's length */
		if (a != b || CRYPTO_memcmp(password, es->password, b) != 0)
			return "wrong password";
		return NULL;
	}
	return es->cfg.open ? NULL : "a password or a token is required";
}

/* check_secret behind the guessing limits: a request that carries a secret
 * is checked only when neither limit holds it back, and a wrong one counts.
 * A request without any secret guesses nothing and is not held back. */
static const char *check_guarded(yg_enroll_server *es, const char *ip, const yg_enroll_req *req,
                                 char *wait, size_t n)
{
	const char *password = req->password, *token = req->token;
	if (!password && !token)
		return check_secret(es, NULL, NULL);
	const char *why = throttled(es, ip, wait, n);
	if (why)
		return why;
	why = check_secret(es, password, token);
	if (why)
		note_failure(es, ip);
	else
		note_success(es, ip);
	return why;
}

static void handle_request(es_conn *c, const uint8_t *p, size_t len)
{
	yg_enroll_server *es = c->es;
	yg_enroll_req req;
	const char *why = yg_enroll_req_parse(p, len, &req);
	const char *name = req.name, *csr = req.csr;
	char id[YG_AGENT_ID_MAX] = "";
	char *cert = NULL, serial[YG_CA_SERIAL_MAX], wait[128];
	if (!why)
		why = check_guarded(es, c->ip, &req, wait, sizeof(wait));
	if (!why) {
		yg_err e = yg_registry_add(es->cfg.registry, name, c->ip, es->cfg.force, id);
		if (e == YG_EINVAL)
			why = "an agent with this name already exists";
		else if (e)
			why = "registry error";
	}
	if (!why && yg_ca_sign_csr(es->cfg.ca, csr, strlen(csr), id, es->cfg.cert_days, &cert,
	                           serial) != YG_OK)
		why = "bad CSR";
	if (!why && yg_registry_set_serial(es->cfg.registry, id, serial) != YG_OK)
		why = "registry error";
	if (why) {
		if (id[0])
			yg_registry_remove(es->cfg.registry, id);
		refuse(c, name, why);
	} else {
		LOG(es, YG_TLOG_INFO, "agent '%s' from %s enrolled as %s (certificate %s)", name,
		    c->ip, id, serial);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "cert", json_object_new_string(cert));
		json_object_object_add(o, "ca", json_object_new_string(yg_ca_cert_pem(es->cfg.ca)));
		reply(c, o);
	}
	free(cert);
	yg_enroll_req_free(&req);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	es_conn *c = arg;
	if (c->done)
		return;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[YG_FRAME_HDR];
	if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
		return;
	yg_frame f;
	size_t total;
	const char *why = NULL;
	yg_err e = yg_frame_peek(hdr, sizeof(hdr), &f, &total, &why);
	if (e != YG_OK && e != YG_ENOTFOUND) {
		refuse(c, NULL, why);
		return;
	}
	if (hdr[4] != YG_FRAME_ENROLL_REQ || total > REQ_MAX + YG_FRAME_HDR) {
		refuse(c, NULL, "expected one enrolment request of at most 64 KiB");
		return;
	}
	if (evbuffer_get_length(in) < total)
		return;
	uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)total);
	if (p)
		handle_request(c, p + YG_FRAME_HDR, total - YG_FRAME_HDR);
}

static void accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	(void)lis;
	(void)salen;
	yg_enroll_server *es = arg;
	if (es->nconns >= CONNS_MAX) {
		evutil_closesocket(fd);
		return;
	}
	es_conn *c = calloc(1, sizeof(*c));
	SSL *ssl = c ? SSL_new(es->ssl) : NULL;
	struct bufferevent *bev = NULL;
	if (ssl)
		bev = bufferevent_openssl_socket_new(es->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		                                     BEV_OPT_CLOSE_ON_FREE |
		                                             BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		SSL_free(ssl);
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->es = es;
	c->bev = bev;
	snprintf(c->ip, sizeof(c->ip), "?");
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, c->ip, sizeof(c->ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, c->ip, sizeof(c->ip));
	c->next = es->conns;
	if (c->next)
		c->next->prev = c;
	es->conns = c;
	es->nconns++;
	bufferevent_setwatermark(bev, EV_READ, 0, REQ_MAX + 64);
	struct timeval tv = {10, 0};
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setcb(bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(((yg_enroll_server *)arg)->lis);
}

/* Out of descriptors: back off for a second instead of spinning. */
static void accept_error_cb(struct evconnlistener *lis, void *arg)
{
	yg_enroll_server *es = arg;
	int err = EVUTIL_SOCKET_ERROR();
	LOG(es, YG_TLOG_ERROR, "enrolment: accept failed: %s; not accepting for 1 s",
	    evutil_socket_error_to_string(err));
	evconnlistener_disable(lis);
	struct timeval tv = {1, 0};
	evtimer_add(es->relisten, &tv);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((yg_enroll_server *)arg)->base);
}

static void *thread_main(void *arg)
{
	event_base_loop(((yg_enroll_server *)arg)->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Reads the first line of the password file, without trailing blanks. */
static char *read_password(const char *path, yg_diag *diag)
{
	char *s = yg_tread_file(path, 4096, NULL);
	if (!s) {
		yg_diag_add(diag, YG_SEV_ERROR, path, 0, NULL, "cannot read the password file");
		return NULL;
	}
	s[strcspn(s, "\r\n")] = '\0';
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	if (n == 0) {
		yg_diag_add(diag, YG_SEV_ERROR, path, 1, NULL, "the password file is empty");
		free(s);
		return NULL;
	}
	return s;
}

static yg_err listen_on(yg_enroll_server *es, yg_diag *diag)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	                         .ai_socktype = SOCK_STREAM},
	                *ai = NULL;
	char port[8];
	snprintf(port, sizeof(port), "%u", es->cfg.port);
	const char *addr = es->cfg.address ? es->cfg.address : "0.0.0.0";
	if (getaddrinfo(addr, port, &hints, &ai) != 0 || !ai) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "address", "bad listen address '%s'",
		            addr);
		return YG_EINVAL;
	}
	es->lis = evconnlistener_new_bind(es->base, accept_cb, es,
	                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                          LEV_OPT_CLOSE_ON_EXEC,
	                                  128, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!es->lis) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "port", "cannot listen on %s:%s", addr,
		            port);
		return YG_EIO;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(evconnlistener_get_fd(es->lis), (struct sockaddr *)&ss, &sl);
	es->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                          : ((struct sockaddr_in *)&ss)->sin_port);
	return YG_OK;
}

yg_err yg_enroll_server_create(const yg_enroll_server_config *cfg, yg_diag *diag,
                               yg_enroll_server **out)
{
	*out = NULL;
	if (!cfg || !cfg->cert || !cfg->key || !cfg->ca || !cfg->registry)
		return YG_EINVAL;
	yg_tls_global_init();
	yg_enroll_server *es = calloc(1, sizeof(*es));
	if (!es)
		return YG_ENOMEM;
	es->cfg = *cfg;
	if (es->cfg.cert_days <= 0)
		es->cfg.cert_days = 3650;
	yg_err e = YG_OK;
	if (cfg->password_file && !(es->password = read_password(cfg->password_file, diag)))
		e = YG_EINVAL;
	if (!e && !(es->ssl = yg_tls_server_ctx(cfg->cert, cfg->key, NULL, diag)))
		e = YG_EINVAL;
	if (!e && !(es->base = event_base_new()))
		e = YG_ENOMEM;
	if (!e && !(es->stop = event_new(es->base, -1, 0, stop_cb, es)))
		e = YG_ENOMEM;
	if (!e && !(es->relisten = evtimer_new(es->base, relisten_cb, es)))
		e = YG_ENOMEM;
	if (!e)
		e = listen_on(es, diag);
	if (!e)
		evconnlistener_set_error_cb(es->lis, accept_error_cb);
	es->gtokens = GLOBAL_FAILS_BURST;
	es->gtokens_ms = yg_now_ms();
	if (!e && pthread_create(&es->thread, NULL, thread_main, es) != 0)
		e = YG_ENOMEM;
	if (e) {
		yg_enroll_server_destroy(es);
		return e;
	}
	es->started = true;
	*out = es;
	return YG_OK;
}

void yg_enroll_server_destroy(yg_enroll_server *es)
{
	if (!es)
		return;
	if (es->started) {
		event_active(es->stop, EV_READ, 0);
		pthread_join(es->thread, NULL);
	}
	while (es->conns)
		conn_free(es->conns);
	if (es->lis)
		evconnlistener_free(es->lis);
	if (es->stop)
		event_free(es->stop);
	if (es->relisten)
		event_free(es->relisten);
	if (es->base)
		event_base_free(es->base);
	SSL_CTX_free(es->ssl);
	if (es->password) {
		OPENSSL_cleanse(es->password, strlen(es->password));
		free(es->password);
	}
	free(es);
}

uint16_t yg_enroll_server_port(const yg_enroll_server *es)
{
	return es->port;
}
