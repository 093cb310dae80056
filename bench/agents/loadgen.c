/* loadgen.c: many simulated agents against a real `yagura manager`.
 *
 *   loadgen enroll HOME N OUT      (the manager must be stopped)
 *   loadgen run OUT CA_CERT HOST PORT [options]
 *
 * enroll: the fast path. Opens the manager's CA (HOME/etc/ca) and registry
 * (HOME/var/db/manager.db) in-process, adds N agents "lg-NNNNN", makes a
 * P-256 key per agent, signs a CSR with the CA (CN = the agent id) and
 * records the serial, exactly what the enrolment listener does after it has
 * checked the password. The agents' keys and certificates go to one file,
 * OUT (mode 0600): "AGENT <id> <name>" lines each followed by the key and
 * the certificate in PEM. Nothing else is written.
 *
 * run: one process, one libevent loop, N TLS 1.3 connections (mutual
 * authentication: one SSL_CTX with the CA, each SSL gets its agent's key and
 * certificate). Each agent speaks the frame protocol of
 * src/transport/frame.h itself: HELLO, waits for the first ACK (the
 * committed seq), then sends EVENTS of records made by yg_evrec_encode at
 * RATE events/s (one frame per due batch, checked every 10 ms), KEEPALIVE
 * every 10 s, and never has more than WINDOW events unacked (as the real
 * client). ACKs are matched to the frames they cover for the latency.
 *
 * Options of run:
 *   -r RATE     events/s per agent (10)
 *   -d SECONDS  measured period (60), after the connect phase and WARMUP
 *   -w WARMUP   seconds of sending before the measured period (5)
 *   -c CONN_PS  connection attempts started per second (500)
 *   -W WINDOW   max unacked events per agent (5000)
 *   -n N        use only the first N agents of OUT
 *   -T DRAIN    seconds to wait for the last acks after sending stops (30)
 *
 * Prints: agents connected, the connect phase, events sent / acked per
 * second over the measured period (and per 5 s), ack latency p50/p90/p99/max
 * of the events sent in that period, errors (TLS, ERROR frames, drops). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/ybuf.h"
#include "engine/evrec.h"
#include "store/registry.h"
#include "transport/ca.h"
#include "transport/frame.h"

#define TICK_MS 10
#define KEEPALIVE_S 10
#define RING 4096 /* frames in flight per agent */
#define MAX_SERIES 4096

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_ul(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------------------------ */
/* enroll                                                                    */

/* Makes a P-256 key and a CSR for it in memory; returns the key PEM and the
 * CSR PEM (caller frees both) or false. */
static bool make_key_csr(const char *cn, char **key_pem, char **csr_pem)
{
	bool ok = false;
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509_REQ *req = X509_REQ_new();
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	X509_NAME *nm = req ? X509_REQ_get_subject_name(req) : NULL;
	if (!pk || !req || !kb || !cb || !nm ||
	    !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
	                                0) ||
	    !X509_REQ_set_pubkey(req, pk) || !X509_REQ_sign(req, pk, EVP_sha256()) ||
	    !PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509_REQ(cb, req))
		goto out;
	char *p;
	long n = BIO_get_mem_data(kb, &p);
	*key_pem = strndup(p, (size_t)n);
	n = BIO_get_mem_data(cb, &p);
	*csr_pem = strndup(p, (size_t)n);
	ok = *key_pem && *csr_pem;
out:
	BIO_free(kb);
	BIO_free(cb);
	X509_REQ_free(req);
	EVP_PKEY_free(pk);
	return ok;
}

static int cmd_enroll(int argc, char **argv)
{
	unsigned long n;
	if (argc != 3 || !parse_ul(argv[1], 1, 100000, &n)) {
		fprintf(stderr, "usage: loadgen enroll HOME N OUT\n");
		return 2;
	}
	const char *home = argv[0], *outp = argv[2];
	char cadir[PATH_MAX], db[PATH_MAX];
	if ((size_t)snprintf(cadir, sizeof(cadir), "%s/etc/ca", home) >= sizeof(cadir) ||
	    (size_t)snprintf(db, sizeof(db), "%s/var/db/manager.db", home) >= sizeof(db)) {
		fprintf(stderr, "loadgen: HOME too long\n");
		return 2;
	}
	yg_diag *d = yg_diag_create();
	yg_ca *ca = NULL;
	yg_registry *reg = NULL;
	if (yg_ca_open_or_create(cadir, "yagura CA", d, &ca) || yg_registry_open(db, d, &reg)) {
		yg_diag_print(d, stderr);
		fprintf(stderr, "loadgen: cannot open the CA or the registry of %s\n", home);
		return 1;
	}
	umask(077);
	FILE *out = fopen(outp, "w");
	if (!out) {
		fprintf(stderr, "loadgen: %s: %s\n", outp, strerror(errno));
		return 1;
	}
	double t0 = now_s();
	int rc = 0;
	for (unsigned long i = 1; i <= n; i++) {
		char name[64], id[YG_AGENT_ID_MAX], serial[YG_CA_SERIAL_MAX];
		char *key = NULL, *csr = NULL, *cert = NULL;
		snprintf(name, sizeof(name), "lg-%05lu", i);
		if (yg_registry_add(reg, name, "127.0.0.1", true, id) ||
		    !make_key_csr(name, &key, &csr) ||
		    yg_ca_sign_csr(ca, csr, strlen(csr), id, 3650, &cert, serial) ||
		    yg_registry_set_serial(reg, id, serial)) {
			fprintf(stderr, "loadgen: enrolling %s failed\n", name);
			rc = 1;
		} else {
			fprintf(out, "AGENT %s %s\n%s%s", id, name, key, cert);
		}
		free(key);
		free(csr);
		free(cert);
		if (rc)
			break;
	}
	if (fclose(out) != 0)
		rc = 1;
	fprintf(stderr, "loadgen: enrolled %lu agents in %.2f s (in-process CA + registry)\n", n,
	        now_s() - t0);
	yg_registry_close(reg);
	yg_ca_destroy(ca);
	yg_diag_destroy(d);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* run                                                                       */

typedef struct inflight {
	uint64_t last_seq;
	uint32_t count;
	double t; /* when the frame was written */
} inflight;

enum { ST_IDLE, ST_CONNECTING, ST_WAIT_ACK, ST_READY, ST_DEAD };

typedef struct agent {
	char id[YG_AGENT_ID_MAX];
	char name[YG_AGENT_NAME_MAX + 1];
	X509 *cert;
	EVP_PKEY *key;
	struct bufferevent *bev;
	int state;
	double t_connect;
	double phase;      /* offset of this agent's sending clock */
	uint64_t due;      /* events due since sending began */
	uint64_t next_seq; /* next seq to send */
	uint64_t acked;    /* highest seq acked */
	double last_keepalive;
	inflight ring[RING];
	size_t rhead, rcount;
	uint32_t unacked;
} agent;

typedef struct stats {
	uint64_t sent, acked, frames, held; /* held: window full ticks */
} stats;

static struct {
	struct event_base *base;
	SSL_CTX *ctx;
	struct sockaddr_in addr;
	const char *host;
	agent *ag;
	size_t n;
	double rate, warmup, seconds, drain, conn_ps;
	uint32_t window;
	/* phases */
	double t_start, t_send0, t_meas0, t_meas1, t_stop;
	size_t next_connect, connected, ever_connected;
	int phase; /* 0 connect, 1 sending, 2 draining, 3 done */
	/* measurement */
	stats total, meas;
	uint64_t series_sent[MAX_SERIES], series_acked[MAX_SERIES];
	uint32_t *lat; /* ack latency in us of events sent in the measured period */
	size_t nlat, caplat;
	/* errors */
	uint64_t err_tls, err_eof, err_frames, err_proto, err_timeout, reconnects;
	char last_error[320];
	yg_buf frame;
	yg_buf rec;
	struct event *tick;
	double t_connect_all;
	double hs_sum, hs_max;
} G;

/* ---- event records ---- */

static const char *const users[] = {"root",   "admin",    "oracle", "test", "guest",
                                    "ubuntu", "postgres", "deploy", "git",  "user1"};
static const char *const paths[] = {"/",
                                    "/index.php",
                                    "/wp-login.php",
                                    "/shop/cart",
                                    "/api/v1/items?id=42",
                                    "/admin/",
                                    "/.env",
                                    "/products?category=3&sort=price",
                                    "/search?q=%27%20union%20select%201,2--",
                                    "/login"};

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Appends one realistic event (sshd or web access) as an evrec to G.rec. */
static yg_err make_event(const agent *a)
{
	char line[600], ts[32], ip[32];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
	snprintf(ip, sizeof(ip), "203.0.%u.%u", rnd() % 64, 1 + rnd() % 250);
	const char *loc;
	unsigned k = rnd() % 100;
	if (k < 35) {
		loc = "/var/log/auth.log";
		snprintf(line, sizeof(line),
		         "%s %s sshd[%u]: Failed password for invalid user %s from %s port %u ssh2",
		         ts, a->name, 1000 + rnd() % 60000, users[rnd() % 10], ip,
		         1024 + rnd() % 60000);
	} else if (k < 45) {
		loc = "/var/log/auth.log";
		snprintf(line, sizeof(line),
		         "%s %s sshd[%u]: Accepted publickey for %s from 10.0.%u.%u port %u ssh2: "
		         "ED25519 SHA256:Xy3kPq0m1tFz7aLr9bN2cV4dE6fG8hJ0kL2mN4pQ6sU",
		         ts, a->name, 1000 + rnd() % 60000, users[rnd() % 10], rnd() % 8,
		         1 + rnd() % 250, 1024 + rnd() % 60000);
	} else if (k < 50) {
		loc = "/var/log/auth.log";
		snprintf(line, sizeof(line),
		         "%s %s sshd[%u]: pam_unix(sshd:session): session opened for user %s by "
		         "(uid=0)",
		         ts, a->name, 1000 + rnd() % 60000, users[rnd() % 10]);
	} else {
		static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
		static const int codes[] = {200, 200, 200, 200, 304, 301, 404, 404, 403, 500};
		loc = "/var/log/nginx/access.log";
		snprintf(line, sizeof(line),
		         "%s - - [%02d/%s/%d:%02d:%02d:%02d +0000] \"GET %s HTTP/1.1\" %d %u "
		         "\"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
		         "Gecko) Chrome/120.0 Safari/537.36\"",
		         ip, tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, paths[rnd() % 10], codes[rnd() % 10], 200 + rnd() % 20000);
	}
	yg_input in = {.log = line, .location = loc, .now = t};
	return yg_evrec_encode(&in, &G.rec);
}

/* ---- connections ---- */

static void agent_fail(agent *a, const char *why);
static void read_cb(struct bufferevent *bev, void *arg);
static void event_cb(struct bufferevent *bev, short what, void *arg);

static void send_frame(agent *a)
{
	bufferevent_write(a->bev, G.frame.data, G.frame.len);
}

static void send_json_frame(agent *a, uint8_t type, const char *json)
{
	yg_buf_reset(&G.frame);
	if (yg_frame_encode(&G.frame, type, false, 0, json, strlen(json)) == YG_OK)
		send_frame(a);
}

static void agent_connect(agent *a)
{
	SSL *ssl = SSL_new(G.ctx);
	if (!ssl || SSL_use_certificate(ssl, a->cert) != 1 ||
	    SSL_use_PrivateKey(ssl, a->key) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), G.host) != 1) {
		SSL_free(ssl);
		agent_fail(a, "SSL_new failed");
		return;
	}
	a->bev = bufferevent_openssl_socket_new(G.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	                                        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!a->bev) {
		agent_fail(a, "bufferevent_openssl_socket_new failed");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(a->bev, 1);
	bufferevent_setcb(a->bev, read_cb, NULL, event_cb, a);
	struct timeval tv = {30, 0};
	bufferevent_set_timeouts(a->bev, &tv, NULL);
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	a->state = ST_CONNECTING;
	a->t_connect = now_s();
	if (bufferevent_socket_connect(a->bev, (struct sockaddr *)&G.addr, sizeof(G.addr)) != 0)
		agent_fail(a, "connect failed");
}

static void agent_fail(agent *a, const char *why)
{
	if (a->state == ST_READY) {
		G.connected--;
	}
	snprintf(G.last_error, sizeof(G.last_error), "agent %s: %s", a->id, why);
	if (a->bev) {
		bufferevent_free(a->bev);
		a->bev = NULL;
	}
	a->state = ST_DEAD;
}

/* Frames from the manager: ACK, AR_REQUEST (ignored), ERROR. */
static void handle_frame(agent *a, uint8_t type, const uint8_t *p, size_t len)
{
	if (type == YG_FRAME_ACK) {
		uint64_t seq;
		if (yg_frame_parse_u64(p, len, &seq)) {
			G.err_proto++;
			agent_fail(a, "bad ACK");
			return;
		}
		double t = now_s();
		if (a->state == ST_WAIT_ACK) {
			a->state = ST_READY;
			a->acked = seq;
			a->next_seq = seq + 1;
			a->last_keepalive = t;
			G.connected++;
			G.ever_connected++;
			double hs = t - a->t_connect;
			G.hs_sum += hs;
			if (hs > G.hs_max)
				G.hs_max = hs;
			return;
		}
		if (seq <= a->acked)
			return;
		a->acked = seq;
		while (a->rcount && a->ring[a->rhead].last_seq <= seq) {
			inflight *f = &a->ring[a->rhead];
			a->unacked -= f->count;
			G.total.acked += f->count;
			if (t >= G.t_meas0 && t < G.t_meas1 && G.phase >= 1) {
				G.meas.acked += f->count;
				size_t s = (size_t)(t - G.t_meas0);
				if (s < MAX_SERIES)
					G.series_acked[s] += f->count;
			}
			if (f->t >= G.t_meas0 && f->t < G.t_meas1 && G.phase >= 1) {
				uint32_t us = (uint32_t)fmin((t - f->t) * 1e6, 4e9);
				for (uint32_t k = 0; k < f->count; k++) {
					if (G.nlat == G.caplat) {
						size_t cap = G.caplat ? G.caplat * 2 : 1 << 20;
						uint32_t *nl = realloc(G.lat, cap * sizeof(*nl));
						if (!nl)
							break;
						G.lat = nl;
						G.caplat = cap;
					}
					G.lat[G.nlat++] = us;
				}
			}
			a->rhead = (a->rhead + 1) % RING;
			a->rcount--;
		}
	} else if (type == YG_FRAME_ERROR) {
		char why[200];
		snprintf(why, sizeof(why), "ERROR from the manager: %.*s",
		         (int)(len > 150 ? 150 : len), (const char *)p);
		G.err_frames++;
		agent_fail(a, why);
	} else if (type != YG_FRAME_AR_REQUEST) {
		G.err_proto++;
		agent_fail(a, "unexpected frame");
	}
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	agent *a = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	for (;;) {
		size_t avail = evbuffer_get_length(in);
		if (avail < YG_FRAME_HDR)
			return;
		const uint8_t *hdr = evbuffer_pullup(in, YG_FRAME_HDR);
		yg_frame f;
		size_t total = 0;
		const char *why = NULL;
		yg_err e = yg_frame_peek(hdr, YG_FRAME_HDR, &f, &total, &why);
		if (e != YG_OK && e != YG_ENOTFOUND) {
			G.err_proto++;
			agent_fail(a, why ? why : "bad frame header");
			return;
		}
		if (e == YG_ENOTFOUND && (total == 0 || avail < total))
			return;
		const uint8_t *buf = evbuffer_pullup(in, (ev_ssize_t)total);
		if (yg_frame_peek(buf, total, &f, &total, &why) != YG_OK) {
			G.err_proto++;
			agent_fail(a, "bad frame");
			return;
		}
		handle_frame(a, f.type, f.payload, f.len);
		if (a->state == ST_DEAD)
			return;
		evbuffer_drain(in, total);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	agent *a = arg;
	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		a->state = ST_WAIT_ACK;
		char hello[256];
		snprintf(hello, sizeof(hello), "{\"name\":\"%s\",\"version\":\"loadgen-1\"}",
		         a->name);
		send_json_frame(a, YG_FRAME_HELLO, hello);
		return;
	}
	char why[256];
	unsigned long ssl_err = bufferevent_get_openssl_error(bev);
	if (ssl_err) {
		char eb[200];
		ERR_error_string_n(ssl_err, eb, sizeof(eb));
		snprintf(why, sizeof(why), "TLS: %s", eb);
		G.err_tls++;
	} else if (what & BEV_EVENT_TIMEOUT) {
		snprintf(why, sizeof(why), "timeout (%s)",
		         a->state == ST_READY ? "ready" : "handshake");
		G.err_timeout++;
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, sizeof(why), "EOF (%s)",
		         a->state == ST_READY ? "ready" : "handshake");
		G.err_eof++;
	} else {
		snprintf(why, sizeof(why), "socket error: %s", strerror(EVUTIL_SOCKET_ERROR()));
		G.err_eof++;
	}
	agent_fail(a, why);
}

/* ---- the tick: connects, sends, keepalives, phases ---- */

static void send_events(agent *a, double t)
{
	if (a->state != ST_READY || G.phase != 1)
		return;
	uint64_t due = (uint64_t)floor((t - G.t_send0 - a->phase) * G.rate);
	if (t < G.t_send0 + a->phase)
		due = 0;
	if (due <= a->due)
		return;
	uint64_t n = due - a->due;
	if (a->unacked + n > G.window || a->rcount == RING) {
		G.total.held++;
		if (a->unacked >= G.window || a->rcount == RING)
			return;
		n = G.window - a->unacked;
	}
	yg_buf_reset(&G.frame);
	size_t start;
	yg_frame_begin(&G.frame, YG_FRAME_EVENTS, &start);
	yg_frame_put_u64(&G.frame, a->next_seq);
	yg_frame_put_u32(&G.frame, (uint32_t)n);
	for (uint64_t i = 0; i < n; i++) {
		yg_buf_reset(&G.rec);
		if (make_event(a) || yg_frame_put_record(&G.frame, G.rec.data, G.rec.len)) {
			fprintf(stderr, "loadgen: cannot encode an event\n");
			exit(1);
		}
	}
	if (yg_frame_end(&G.frame, start)) {
		fprintf(stderr, "loadgen: frame too big\n");
		exit(1);
	}
	send_frame(a);
	a->due += n;
	a->next_seq += n;
	a->unacked += (uint32_t)n;
	inflight *f = &a->ring[(a->rhead + a->rcount) % RING];
	f->last_seq = a->next_seq - 1;
	f->count = (uint32_t)n;
	f->t = t;
	a->rcount++;
	G.total.sent += n;
	G.total.frames++;
	if (t >= G.t_meas0 && t < G.t_meas1) {
		G.meas.sent += n;
		G.meas.frames++;
		size_t s = (size_t)(t - G.t_meas0);
		if (s < MAX_SERIES)
			G.series_sent[s] += n;
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	double t = now_s();
	/* connect phase: start conn_ps attempts per second */
	if (G.next_connect < G.n) {
		size_t want = (size_t)((t - G.t_start) * G.conn_ps) + 1;
		while (G.next_connect < G.n && G.next_connect < want)
			agent_connect(&G.ag[G.next_connect++]);
	}
	if (G.phase == 0) {
		size_t pending = 0;
		for (size_t i = 0; i < G.n; i++)
			if (G.ag[i].state == ST_CONNECTING || G.ag[i].state == ST_WAIT_ACK ||
			    G.ag[i].state == ST_IDLE)
				pending++;
		if (pending == 0 || t - G.t_start > 120) {
			G.t_connect_all = t - G.t_start;
			fprintf(stderr, "loadgen: %zu of %zu agents connected in %.2f s; sending\n",
			        G.connected, G.n, G.t_connect_all);
			G.phase = 1;
			G.t_send0 = t;
			G.t_meas0 = t + G.warmup;
			G.t_meas1 = G.t_meas0 + G.seconds;
			struct timespec rt;
			clock_gettime(CLOCK_REALTIME, &rt);
			double e = (double)rt.tv_sec + (double)rt.tv_nsec / 1e9;
			/* for the script's samplers (epoch seconds) */
			fprintf(stderr, "MEASURE %.3f %.3f\n", e + G.warmup,
			        e + G.warmup + G.seconds);
		}
	}
	for (size_t i = 0; i < G.n; i++) {
		agent *a = &G.ag[i];
		if (a->state != ST_READY)
			continue;
		send_events(a, t);
		if (a->state == ST_READY && t - a->last_keepalive >= KEEPALIVE_S) {
			char ka[512];
			snprintf(ka, sizeof(ka),
			         "{\"version\":\"loadgen-1\",\"name\":\"%s\",\"stats\":{\"sent_"
			         "seq\":%" PRIu64 ",\"acked_seq\":%" PRIu64 ",\"reconnects\":0}}",
			         a->name, a->next_seq - 1, a->acked);
			send_json_frame(a, YG_FRAME_KEEPALIVE, ka);
			a->last_keepalive = t;
		}
	}
	if (G.phase == 1 && t >= G.t_meas1) {
		G.phase = 2;
		G.t_stop = t;
		fprintf(stderr,
		        "loadgen: measured period over; waiting up to %.0f s for the last acks\n",
		        G.drain);
	}
	if (G.phase == 2) {
		bool all = true;
		for (size_t i = 0; i < G.n && all; i++)
			if (G.ag[i].state == ST_READY && G.ag[i].rcount)
				all = false;
		if (all || t - G.t_stop > G.drain) {
			G.phase = 3;
			event_base_loopbreak(G.base);
		}
	}
}

/* ---- loading OUT ---- */

static bool load_agents(const char *path, size_t limit)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
		return false;
	}
	struct stat st;
	if (fstat(fileno(f), &st) || st.st_size <= 0) {
		fclose(f);
		return false;
	}
	char *text = malloc((size_t)st.st_size + 1);
	size_t got = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (!text)
		return false;
	text[got] = '\0';
	size_t cap = 0;
	char *p = text;
	while ((p = strstr(p, "AGENT ")) != NULL) {
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		char *next = strstr(nl, "AGENT ");
		size_t blen = next ? (size_t)(next - nl) : strlen(nl);
		if (G.n == cap) {
			cap = cap ? cap * 2 : 1024;
			agent *na = realloc(G.ag, cap * sizeof(*na));
			if (!na)
				return false;
			G.ag = na;
		}
		agent *a = &G.ag[G.n];
		memset(a, 0, sizeof(*a));
		*nl = '\0';
		if (sscanf(p, "AGENT %11s %128s", a->id, a->name) != 2)
			return false;
		BIO *b = BIO_new_mem_buf(nl + 1, (int)blen - 1);
		a->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		a->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
		if (!a->key || !a->cert) {
			fprintf(stderr, "loadgen: bad key or certificate for agent %s\n", a->id);
			return false;
		}
		G.n++;
		if (limit && G.n == limit)
			break;
		if (!next)
			break;
		p = next;
	}
	free(text);
	return G.n > 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(double p)
{
	if (!G.nlat)
		return NAN;
	size_t i = (size_t)ceil(p / 100.0 * (double)G.nlat);
	if (i > 0)
		i--;
	if (i >= G.nlat)
		i = G.nlat - 1;
	return G.lat[i] / 1000.0;
}

static int cmd_run(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr,
		        "usage: loadgen run OUT CA_CERT HOST PORT [-r RATE] [-d SECONDS] [-w "
		        "WARMUP] [-c CONN_PS] [-W WINDOW] [-n N] [-T DRAIN]\n");
		return 2;
	}
	const char *outp = argv[0], *cacert = argv[1];
	G.host = argv[2];
	unsigned long port, v, limit = 0;
	if (!parse_ul(argv[3], 1, 65535, &port) ||
	    inet_pton(AF_INET, G.host, &G.addr.sin_addr) != 1) {
		fprintf(stderr, "loadgen: HOST must be an IPv4 address, PORT 1-65535\n");
		return 2;
	}
	G.addr.sin_family = AF_INET;
	G.addr.sin_port = htons((uint16_t)port);
	G.rate = 10;
	G.seconds = 60;
	G.warmup = 5;
	G.conn_ps = 500;
	G.window = 5000;
	G.drain = 30;
	for (int i = 4; i < argc; i++) {
		const char *o = argv[i];
		if (i + 1 >= argc || o[0] != '-' || !o[1] || o[2]) {
			fprintf(stderr, "loadgen: bad option '%s'\n", o);
			return 2;
		}
		if (!parse_ul(argv[++i], 0, 10000000, &v)) {
			fprintf(stderr, "loadgen: bad value for %s\n", o);
			return 2;
		}
		switch (o[1]) {
		case 'r': G.rate = (double)v; break;
		case 'd': G.seconds = (double)v; break;
		case 'w': G.warmup = (double)v; break;
		case 'c': G.conn_ps = v ? (double)v : 1; break;
		case 'W': G.window = v ? (uint32_t)v : 1; break;
		case 'n': limit = v; break;
		case 'T': G.drain = (double)v; break;
		default: fprintf(stderr, "loadgen: unknown option %s\n", o); return 2;
		}
	}
	if (G.rate <= 0 || G.seconds <= 0) {
		fprintf(stderr, "loadgen: RATE and SECONDS must be > 0\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!load_agents(outp, limit))
		return 1;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < G.n + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < G.n + 64)
			fprintf(stderr, "loadgen: warning: ulimit -n %llu < %zu agents\n",
			        (unsigned long long)rl.rlim_cur, G.n);
	}
	G.ctx = SSL_CTX_new(TLS_client_method());
	if (!G.ctx || SSL_CTX_load_verify_locations(G.ctx, cacert, NULL) != 1) {
		fprintf(stderr, "loadgen: cannot load %s\n", cacert);
		return 1;
	}
	SSL_CTX_set_min_proto_version(G.ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(G.ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(G.ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(G.ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(G.ctx, SSL_VERIFY_PEER, NULL);
	for (size_t i = 0; i < G.n; i++)
		G.ag[i].phase = (double)i / (double)G.n / G.rate; /* spread within one period */
	yg_buf_init(&G.frame, YG_FRAME_MAX + 4);
	yg_buf_init(&G.rec, YG_FRAME_MAX);
	G.base = event_base_new();
	G.tick = event_new(G.base, -1, EV_PERSIST, tick_cb, NULL);
	struct timeval tv = {0, TICK_MS * 1000};
	evtimer_add(G.tick, &tv);
	G.t_start = now_s();
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	event_base_dispatch(G.base);
	getrusage(RUSAGE_SELF, &r1);
	double t_end = now_s();

	size_t still = 0;
	uint64_t unacked = 0;
	for (size_t i = 0; i < G.n; i++) {
		if (G.ag[i].state == ST_READY)
			still++;
		unacked += G.ag[i].unacked;
	}
	qsort(G.lat, G.nlat, sizeof(*G.lat), cmp_u32);
	double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
	             (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	             ((double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
	              (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) /
	                     1e6;
	printf("agents: %zu, connected %zu (%.2f s to connect all, mean handshake+HELLO %.1f ms, "
	       "max %.1f ms), still connected at the end %zu\n",
	       G.n, G.ever_connected, G.t_connect_all,
	       G.ever_connected ? G.hs_sum / (double)G.ever_connected * 1e3 : 0.0, G.hs_max * 1e3,
	       still);
	printf("offered: %.0f events/s (%.0f/s x %zu agents); measured period %.0f s after %.0f s "
	       "of warm-up\n",
	       G.rate * (double)G.n, G.rate, G.n, G.seconds, G.warmup);
	printf("measured: sent %" PRIu64 " events (%.0f/s) in %" PRIu64 " frames, acked %" PRIu64
	       " (%.0f/s)\n",
	       G.meas.sent, (double)G.meas.sent / G.seconds, G.meas.frames, G.meas.acked,
	       (double)G.meas.acked / G.seconds);
	printf("ack latency (events sent in the period, %zu samples): p50 %.1f ms, p90 %.1f ms, "
	       "p99 %.1f ms, max %.1f ms\n",
	       G.nlat, pct(50), pct(90), pct(99), pct(100));
	printf("whole run: sent %" PRIu64 ", acked %" PRIu64 ", unacked at the end %" PRIu64
	       " (drain %.1f s), window-full ticks %" PRIu64 "\n",
	       G.total.sent, G.total.acked, unacked, G.t_stop > 0 ? t_end - G.t_stop : 0.0,
	       G.total.held);
	printf("errors: TLS %" PRIu64 ", ERROR frames %" PRIu64 ", EOF/socket %" PRIu64
	       ", timeouts %" PRIu64 ", protocol %" PRIu64 "%s%s\n",
	       G.err_tls, G.err_frames, G.err_eof, G.err_timeout, G.err_proto,
	       G.last_error[0] ? "; last: " : "", G.last_error);
	printf("loadgen CPU: %.1f s over %.1f s (%.0f %% of one core)\n", cpu, t_end - G.t_start,
	       cpu / (t_end - G.t_start) * 100);
	printf("per 5 s (sent/acked events/s):");
	for (size_t s = 0; s + 5 <= (size_t)G.seconds && s < MAX_SERIES; s += 5) {
		uint64_t a = 0, b = 0;
		for (size_t k = s; k < s + 5; k++) {
			a += G.series_sent[k];
			b += G.series_acked[k];
		}
		printf(" %.0f/%.0f", a / 5.0, b / 5.0);
	}
	printf("\n");
	return G.ever_connected == G.n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "enroll"))
		return cmd_enroll(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	fprintf(stderr, "usage: loadgen enroll HOME N OUT | loadgen run OUT CA_CERT HOST PORT "
	                "[options]\n");
	return 2;
}
