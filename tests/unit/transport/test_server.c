/* test_server.c: the transport server and client over TLS on 127.0.0.1:
 * events and acks, active response, restart with resend and no duplicates,
 * dedup of resent records, back-pressure, rate limit, keepalive timeout,
 * and the refused cases (wrong CA, revoked agent, plain TCP, TLS 1.2,
 * oversized frame). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "transport/frame.h"
#include "transport/tutil.h"
#include "tsim.h"
#include "tsupport.h"

typedef struct fixture {
	ts_env env;
	sim_mgr mgr;
	yg_tserver *srv;
	uint16_t port;
	char id[12], key[512], crt[512];
} fixture;

static yg_tserver *start_server(fixture *f, uint16_t port, double eps, double burst,
                                unsigned keepalive)
{
	yg_tserver_config cfg = {
	        .address = "127.0.0.1",
	        .port = port,
	        .ca_cert = f->env.ca_crt,
	        .cert = f->env.srv_crt,
	        .key = f->env.srv_key,
	        .registry = f->env.reg,
	        .keepalive_s = keepalive,
	        .rate_eps = eps,
	        .rate_burst = burst,
	        .handshake_s = 3,
	};
	sim_mgr_callbacks(&f->mgr, &cfg.cb);
	yg_tserver *srv;
	assert_int_equal(yg_tserver_create(&cfg, NULL, &srv), YG_OK);
	sim_mgr_set_server(&f->mgr, srv);
	f->port = yg_tserver_port(srv);
	return srv;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	ts_env_init(&f->env, "srv");
	ts_env_agent(&f->env, NULL, "web1", f->id, f->key, f->crt);
	sim_mgr_start(&f->mgr, f->env.db);
	f->srv = start_server(f, 0, 0, 0, 2);
	ts_log_clear();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	sim_mgr_set_server(&f->mgr, NULL);
	yg_tserver_destroy(f->srv);
	sim_mgr_stop(&f->mgr);
	ts_env_free(&f->env);
	free(f);
	return 0;
}

static yg_tclient *start_client(fixture *f, sim_spool *sp, const char *host)
{
	yg_tclient_config cfg = {
	        .host = host,
	        .port = f->port,
	        .ca_cert = f->env.ca_crt,
	        .cert = f->crt,
	        .key = f->key,
	        .name = "web1",
	        .version = "0.1.0",
	        .window = 1000,
	        .keepalive_s = 1,
	        .backoff_min_ms = 100,
	        .backoff_max_ms = 400,
	};
	sim_spool_callbacks(sp, &cfg.cb);
	yg_tclient *cl;
	assert_int_equal(yg_tclient_create(&cfg, NULL, &cl), YG_OK);
	sp->cl = cl;
	return cl;
}

typedef struct wait_u64 {
	sim_spool *sp;
	sim_mgr *m;
	const uint64_t *field;
	uint64_t want;
} wait_u64;

static bool acked_reached(void *arg)
{
	wait_u64 *w = arg;
	return sim_spool_acked(w->sp) >= w->want;
}

static bool mgr_reached(void *arg)
{
	wait_u64 *w = arg;
	return sim_mgr_get(w->m, w->field) >= w->want;
}

static bool client_connected(void *arg)
{
	return yg_tclient_connected(arg);
}

static void test_events_acks_ar_restart(void **state)
{
	fixture *f = *state;
	sim_spool sp;
	sim_spool_init(&sp);
	yg_tclient *cl = start_client(f, &sp, "127.0.0.1");
	assert_true(ts_wait(client_connected, cl, 5000));
	for (int i = 0; i < 20; i++)
		sim_spool_produce(&sp, 100);
	wait_u64 w = {.sp = &sp, .m = &f->mgr, .want = 2000};
	assert_true(ts_wait(acked_reached, &w, 20000));
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.committed), 2000);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.dups), 0);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.violations), 0);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.bad_records), 0);
	yg_agent_info a;
	assert_int_equal(yg_registry_get(f->env.reg, f->id, &a), YG_OK);
	assert_int_equal(a.status, YG_AGENT_ACTIVE);
	assert_string_equal(a.version, "0.1.0");
	assert_int_equal(a.last_committed_seq, 2000);

	/* active response both ways */
	assert_true(yg_tserver_is_connected(f->srv, f->id));
	assert_int_equal(yg_tserver_send_ar(f->srv, "999", 1, "{}"), YG_ENOTFOUND);
	assert_int_equal(yg_tserver_send_ar(f->srv, f->id, 7, "{\"command\":\"firewall-drop\"}"),
	                 YG_OK);
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&sp.mu);
		uint64_t r = sp.ar_req_id;
		pthread_mutex_unlock(&sp.mu);
		if (r == 7)
			break;
		ts_sleep_ms(10);
	}
	assert_int_equal(sp.ar_req_id, 7);
	assert_string_equal(sp.ar_json, "{\"command\":\"firewall-drop\"}");

	/* 2001..2300 committed but never acked; 2301..2500 handed to the
	 * manager but lost in its memory when it "crashes" */
	pthread_mutex_lock(&f->mgr.mu);
	f->mgr.hold_acks = true;
	pthread_mutex_unlock(&f->mgr.mu);
	sim_spool_produce(&sp, 300);
	w.field = &f->mgr.committed;
	w.want = 2300;
	assert_true(ts_wait(mgr_reached, &w, 10000));
	pthread_mutex_lock(&f->mgr.mu);
	f->mgr.pause_commit = true;
	pthread_mutex_unlock(&f->mgr.mu);
	sim_spool_produce(&sp, 200);
	w.field = &f->mgr.handed_total;
	w.want = 2500;
	assert_true(ts_wait(mgr_reached, &w, 10000));
	assert_int_equal(sim_spool_acked(&sp), 2000);

	uint16_t port = f->port;
	sim_mgr_set_server(&f->mgr, NULL);
	yg_tserver_destroy(f->srv);
	sim_mgr_drop_queue(&f->mgr);
	pthread_mutex_lock(&f->mgr.mu);
	f->mgr.hold_acks = false;
	f->mgr.pause_commit = false;
	pthread_mutex_unlock(&f->mgr.mu);
	ts_sleep_ms(300); /* the client sees the drop and backs off */
	f->srv = start_server(f, port, 0, 0, 2);
	assert_int_equal(f->port, port);

	w.want = 2500;
	assert_true(ts_wait(acked_reached, &w, 20000));
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.committed), 2500);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.dups), 0);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.violations), 0);
	assert_true(ts_log_has("lost"));
	assert_true(sp.connects >= 2);
	yg_tclient_destroy(cl);
	/* the server notices the agent is gone */
	for (int i = 0; i < 300 && yg_tserver_is_connected(f->srv, f->id); i++)
		ts_sleep_ms(10);
	assert_false(yg_tserver_is_connected(f->srv, f->id));
	assert_int_equal(yg_registry_get(f->env.reg, f->id, &a), YG_OK);
	assert_int_equal(a.status, YG_AGENT_DISCONNECTED);
}

/* A raw agent: connects, says HELLO, returns the ACK value. */
static SSL *raw_agent(fixture *f, int *fd, uint64_t *acked)
{
	SSL *ssl = ts_raw_connect(f->port, f->env.ca_crt, f->crt, f->key, 0, fd);
	assert_non_null(ssl);
	const char *hello = "{\"name\":\"web1\",\"version\":\"raw\"}";
	assert_true(ts_raw_send(ssl, YG_FRAME_HELLO, hello, strlen(hello)));
	uint8_t buf[64];
	size_t len;
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ACK);
	assert_int_equal(len, 8);
	*acked = yg_tget_u64(buf);
	return ssl;
}

static bool raw_events(SSL *ssl, uint64_t first, uint32_t count)
{
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	size_t st;
	yg_frame_begin(&b, YG_FRAME_EVENTS, &st);
	yg_frame_put_u64(&b, first);
	yg_frame_put_u32(&b, count);
	for (uint32_t i = 0; i < count; i++) {
		char rec[64];
		int n = snprintf(rec, sizeof(rec), "evt-%llu", (unsigned long long)(first + i));
		yg_frame_put_record(&b, rec, (size_t)n);
	}
	yg_frame_end(&b, st);
	bool ok = SSL_write(ssl, b.data, (int)b.len) == (int)b.len;
	yg_buf_free(&b);
	return ok;
}

/* Resent records at or below what was committed or handed are dropped by
 * the server, whatever connection they come on. */
static void test_dedup_resend(void **state)
{
	fixture *f = *state;
	int fd;
	uint64_t acked;
	SSL *ssl = raw_agent(f, &fd, &acked);
	assert_int_equal(acked, 0);
	assert_true(raw_events(ssl, 1, 50));
	wait_u64 w = {.m = &f->mgr, .field = &f->mgr.committed, .want = 50};
	assert_true(ts_wait(mgr_reached, &w, 5000));
	uint8_t buf[64];
	size_t len;
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ACK);
	assert_int_equal(yg_tget_u64(buf), 50);
	/* the manager stalls: 51..80 handed, not committed */
	pthread_mutex_lock(&f->mgr.mu);
	f->mgr.pause_commit = true;
	pthread_mutex_unlock(&f->mgr.mu);
	assert_true(raw_events(ssl, 51, 30));
	w.field = &f->mgr.handed_total;
	w.want = 80;
	assert_true(ts_wait(mgr_reached, &w, 5000));
	ts_raw_close(ssl, -1);
	close(fd);

	/* reconnect: HELLO is answered with the committed seq (50); resend
	 * 41..90: only 81..90 are new */
	ssl = raw_agent(f, &fd, &acked);
	assert_int_equal(acked, 50);
	assert_true(raw_events(ssl, 41, 50));
	w.want = 90;
	assert_true(ts_wait(mgr_reached, &w, 5000));
	ts_sleep_ms(100);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.handed_total), 90);
	pthread_mutex_lock(&f->mgr.mu);
	f->mgr.pause_commit = false;
	pthread_mutex_unlock(&f->mgr.mu);
	w.field = &f->mgr.committed;
	assert_true(ts_wait(mgr_reached, &w, 5000));
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.dups), 0);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.violations), 0);
	/* a frame entirely below the committed seq is answered with an ACK */
	assert_true(raw_events(ssl, 1, 10));
	uint64_t last = 0;
	for (int i = 0; i < 5 && last < 90; i++) {
		assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ACK);
		last = yg_tget_u64(buf);
	}
	assert_int_equal(last, 90);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.handed_total), 90);

	/* a frame over 1 MiB: ERROR, then closed */
	uint8_t hdr[5] = {0x00, 0x20, 0x00, 0x00, YG_FRAME_EVENTS};
	assert_int_equal(SSL_write(ssl, hdr, 5), 5);
	int t;
	while ((t = ts_raw_read(ssl, buf, sizeof(buf) - 1, &len)) == YG_FRAME_ACK)
		;
	assert_int_equal(t, YG_FRAME_ERROR);
	buf[len < sizeof(buf) - 1 ? len : sizeof(buf) - 1] = '\0';
	assert_non_null(strstr((char *)buf, "1 MiB"));
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), -1);
	ts_raw_close(ssl, fd);
	assert_true(ts_log_has("frame larger than 1 MiB"));
}

static bool not_connected(void *arg)
{
	fixture *f = arg;
	return !yg_tserver_is_connected(f->srv, f->id);
}

static void test_refused(void **state)
{
	fixture *f = *state;
	uint8_t buf[64];
	size_t len;
	int fd;

	/* plain TCP, speaking plaintext: closed */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(f->port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	const char *plain = "GET / HTTP/1.0\r\n\r\nhello there, manager\n";
	assert_true(write(fd, plain, strlen(plain)) > 0);
	char junk[256];
	ssize_t n;
	while ((n = read(fd, junk, sizeof(junk))) > 0)
		; /* a TLS alert at most, then EOF */
	assert_true(n == 0 || n < 0);
	close(fd);

	/* TLS 1.2 only: the handshake fails */
	SSL *ssl = ts_raw_connect(f->port, f->env.ca_crt, f->crt, f->key, TLS1_2_VERSION, &fd);
	assert_null(ssl);

	/* no client certificate: refused */
	ssl = ts_raw_connect(f->port, f->env.ca_crt, NULL, NULL, 0, &fd);
	if (ssl) { /* TLS 1.3: the server's verdict arrives after the handshake */
		assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), -1);
		ts_raw_close(ssl, fd);
	}

	/* a certificate from another CA: refused */
	yg_ca *other;
	char odir[512], oid[12], okey[512], ocrt[512];
	snprintf(odir, sizeof(odir), "%s/otherca", f->env.dir);
	assert_int_equal(yg_ca_open_or_create(odir, NULL, NULL, &other), YG_OK);
	ts_env_agent(&f->env, other, "intruder", oid, okey, ocrt);
	ssl = ts_raw_connect(f->port, f->env.ca_crt, ocrt, okey, 0, &fd);
	if (ssl) {
		const char *hello = "{\"name\":\"intruder\"}";
		ts_raw_send(ssl, YG_FRAME_HELLO, hello, strlen(hello));
		assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), -1);
		ts_raw_close(ssl, fd);
	}
	yg_ca_destroy(other);
	assert_true(ts_log_has("TLS handshake failed"));

	/* a revoked agent: TLS is fine, the registry says no */
	char rid[12], rkey[512], rcrt[512];
	ts_env_agent(&f->env, NULL, "gone", rid, rkey, rcrt);
	assert_int_equal(yg_registry_revoke(f->env.reg, rid), YG_OK);
	ssl = ts_raw_connect(f->port, f->env.ca_crt, rcrt, rkey, 0, &fd);
	assert_non_null(ssl);
	const char *hello = "{\"name\":\"gone\"}";
	ts_raw_send(ssl, YG_FRAME_HELLO, hello, strlen(hello));
	int t = ts_raw_read(ssl, buf, sizeof(buf), &len);
	assert_true(t == YG_FRAME_ERROR || t == -1);
	if (t == YG_FRAME_ERROR)
		assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), -1);
	ts_raw_close(ssl, fd);
	assert_true(ts_log_has("is revoked"));
	assert_true(ts_log_has("refused connection from 127.0.0.1:"));

	/* a removed agent's certificate: refused as unknown */
	char xid[12], xkey[512], xcrt[512];
	ts_env_agent(&f->env, NULL, "removed", xid, xkey, xcrt);
	assert_int_equal(yg_registry_remove(f->env.reg, xid), YG_OK);
	ssl = ts_raw_connect(f->port, f->env.ca_crt, xcrt, xkey, 0, &fd);
	assert_non_null(ssl);
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ERROR);
	ts_raw_close(ssl, fd);
	assert_true(ts_log_has("unknown or removed agent certificate"));

	/* events before HELLO: protocol error */
	ssl = ts_raw_connect(f->port, f->env.ca_crt, f->crt, f->key, 0, &fd);
	assert_true(raw_events(ssl, 1, 1));
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ERROR);
	ts_raw_close(ssl, fd);

	/* the client refuses a manager whose certificate does not name the host */
	sim_spool sp;
	sim_spool_init(&sp);
	yg_tclient *cl = start_client(f, &sp, "localhost.localdomain.invalid");
	ts_sleep_ms(500);
	assert_false(yg_tclient_connected(cl));
	yg_tclient_destroy(cl);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.handed_total), 0);
	assert_true(ts_wait(not_connected, f, 1000));
}

/* FULL holds the batch until resume(); the rate limit slows, never drops;
 * a silent agent is disconnected after 3 keepalive intervals. */
static void test_backpressure_rate_keepalive(void **state)
{
	fixture *f = *state;
	yg_tserver_destroy(f->srv);
	f->srv = start_server(f, 0, 400, 100, 1);
	pthread_mutex_lock(&f->mgr.mu);
	f->mgr.full_left = 3;
	pthread_mutex_unlock(&f->mgr.mu);
	sim_spool sp;
	sim_spool_init(&sp);
	yg_tclient *cl = start_client(f, &sp, "localhost");
	assert_true(ts_wait(client_connected, cl, 5000));
	sim_spool_produce(&sp, 10);
	ts_sleep_ms(200);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.handed_total), 0);
	for (int i = 0; i < 3; i++) {
		yg_tserver_resume(f->srv);
		ts_sleep_ms(50);
	}
	wait_u64 w = {.sp = &sp, .m = &f->mgr, .want = 10};
	assert_true(ts_wait(acked_reached, &w, 5000));

	/* a big batch may pass at once but leaves the bucket in debt: the
	 * next events wait (1000 events at 400/s, bucket 100: ~2.5 s) */
	uint64_t t0 = yg_tnow_ms();
	sim_spool_produce(&sp, 1000);
	w.want = 1010;
	assert_true(ts_wait(acked_reached, &w, 20000));
	sim_spool_produce(&sp, 200);
	w.want = 1210;
	assert_true(ts_wait(acked_reached, &w, 20000));
	assert_true(yg_tnow_ms() - t0 >= 1500);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.committed), 1210);
	assert_int_equal(sim_mgr_get(&f->mgr, &f->mgr.dups), 0);
	yg_tclient_destroy(cl);

	/* HELLO then silence: disconnected after ~3 s */
	int fd;
	uint64_t acked;
	ts_wait(not_connected, f, 2000);
	SSL *ssl = raw_agent(f, &fd, &acked);
	assert_int_equal(acked, 1210);
	assert_true(yg_tserver_is_connected(f->srv, f->id));
	assert_true(ts_wait(not_connected, f, 6000));
	yg_agent_info a;
	assert_int_equal(yg_registry_get(f->env.reg, f->id, &a), YG_OK);
	assert_int_equal(a.status, YG_AGENT_DISCONNECTED);
	ts_raw_close(ssl, fd);
	assert_true(ts_log_has("silent for 3 keepalive intervals"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_events_acks_ar_restart, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dedup_resend, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_backpressure_rate_keepalive, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
