/* test_enroll.c: enrolment with a password, a one-time token, a CA
 * fingerprint or TOFU; refusals; and an enrolled agent connecting to the
 * transport server with what it received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "transport/enroll.h"
#include "transport/frame.h"
#include "transport/tutil.h"
#include "tsim.h"
#include "tsupport.h"

typedef struct efix {
	ts_env env;
	yg_enroll_server *es;
	uint16_t port;
	char pass[512];
} efix;

static int setup(void **state)
{
	efix *f = calloc(1, sizeof(*f));
	ts_env_init(&f->env, "enroll");
	snprintf(f->pass, sizeof(f->pass), "%s/authd.pass", f->env.dir);
	assert_int_equal(yg_twrite_file(f->pass, "s3cret-Pass \n", 13, 0600), 0);
	yg_enroll_server_config cfg = {
	        .address = "127.0.0.1",
	        .cert = f->env.srv_crt,
	        .key = f->env.srv_key,
	        .ca = f->env.ca,
	        .registry = f->env.reg,
	        .password_file = f->pass,
	        .log = ts_log_fn,
	};
	assert_int_equal(yg_enroll_server_create(&cfg, NULL, &f->es), YG_OK);
	f->port = yg_enroll_server_port(f->es);
	ts_log_clear();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	efix *f = *state;
	yg_enroll_server_destroy(f->es);
	ts_env_free(&f->env);
	free(f);
	return 0;
}

typedef struct paths {
	char key[512], crt[512], ca[512];
} paths;

static yg_enroll_request_opts opts(efix *f, const char *name, paths *p)
{
	snprintf(p->key, sizeof(p->key), "%s/%s-agent.key", f->env.dir, name);
	snprintf(p->crt, sizeof(p->crt), "%s/%s-agent.crt", f->env.dir, name);
	snprintf(p->ca, sizeof(p->ca), "%s/%s-ca.crt", f->env.dir, name);
	yg_enroll_request_opts o = {
	        .host = "127.0.0.1",
	        .port = f->port,
	        .name = name,
	        .key_out = p->key,
	        .cert_out = p->crt,
	        .ca_out = p->ca,
	        .timeout_s = 5,
	        .log = ts_log_fn,
	};
	return o;
}

/* Runs a request; on failure checks that diag mentions `expect`. */
static yg_err run(const yg_enroll_request_opts *o, char id[12], const char *expect)
{
	yg_diag *d = yg_diag_create();
	yg_err e = yg_enroll_request(o, id, d);
	if (expect) {
		bool found = false;
		for (size_t i = 0; i < yg_diag_count(d); i++)
			found = found || strstr(yg_diag_get(d, i)->message, expect);
		if (!found)
			yg_diag_print(d, stderr);
		assert_true(found);
	}
	yg_diag_destroy(d);
	return e;
}

static bool connected(void *arg)
{
	return yg_tclient_connected(arg);
}

static void test_password(void **state)
{
	efix *f = *state;
	paths p;
	char id[12];
	yg_enroll_request_opts o = opts(f, "web1", &p);
	o.password = "s3cret-Pass";
	o.ca_file = f->env.ca_crt;
	assert_int_equal(run(&o, id, NULL), YG_OK);
	assert_string_equal(id, "001");
	struct stat st;
	assert_int_equal(stat(p.key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char fp[YG_CA_FP_LEN];
	assert_int_equal(yg_ca_fingerprint_file(p.ca, fp), YG_OK);
	assert_string_equal(fp, yg_ca_fingerprint(f->env.ca));
	yg_agent_info a;
	assert_int_equal(yg_registry_get_by_name(f->env.reg, "web1", &a), YG_OK);
	assert_string_equal(a.id, "001");
	assert_string_equal(a.ip, "127.0.0.1");
	assert_true(a.cert_serial[0] != '\0');

	/* the same name again: refused */
	assert_int_equal(run(&o, id, "already exists"), YG_EINVAL);
	/* wrong password, no password */
	yg_enroll_request_opts o2 = opts(f, "web2", &p);
	o2.ca_file = f->env.ca_crt;
	o2.password = "s3cret-Pas";
	assert_int_equal(run(&o2, id, "wrong password"), YG_EINVAL);
	o2.password = NULL;
	assert_int_equal(run(&o2, id, "required"), YG_EINVAL);
	assert_int_equal(yg_registry_get_by_name(f->env.reg, "web2", &a), YG_ENOTFOUND);
	assert_true(ts_log_has("refused: wrong password"));

	/* what web1 received lets it into the transport server */
	sim_mgr m;
	sim_mgr_start(&m, f->env.db);
	yg_tserver_config sc = {.address = "127.0.0.1",
	                        .ca_cert = f->env.ca_crt,
	                        .cert = f->env.srv_crt,
	                        .key = f->env.srv_key,
	                        .registry = f->env.reg};
	sim_mgr_callbacks(&m, &sc.cb);
	yg_tserver *srv;
	assert_int_equal(yg_tserver_create(&sc, NULL, &srv), YG_OK);
	sim_mgr_set_server(&m, srv);
	snprintf(p.key, sizeof(p.key), "%s/web1-agent.key", f->env.dir);
	snprintf(p.crt, sizeof(p.crt), "%s/web1-agent.crt", f->env.dir);
	snprintf(p.ca, sizeof(p.ca), "%s/web1-ca.crt", f->env.dir);
	sim_spool sp;
	sim_spool_init(&sp);
	yg_tclient_config cc = {.host = "localhost",
	                        .port = yg_tserver_port(srv),
	                        .ca_cert = p.ca,
	                        .cert = p.crt,
	                        .key = p.key,
	                        .name = "web1",
	                        .version = "t"};
	sim_spool_callbacks(&sp, &cc.cb);
	yg_tclient *cl;
	assert_int_equal(yg_tclient_create(&cc, NULL, &cl), YG_OK);
	sp.cl = cl;
	assert_true(ts_wait(connected, cl, 5000));
	sim_spool_produce(&sp, 5);
	for (int i = 0; i < 500 && sim_spool_acked(&sp) < 5; i++)
		ts_sleep_ms(10);
	assert_int_equal(sim_spool_acked(&sp), 5);
	yg_tclient_destroy(cl);
	sim_mgr_set_server(&m, NULL);
	yg_tserver_destroy(srv);
	sim_mgr_stop(&m);
}

static void test_token(void **state)
{
	efix *f = *state;
	char tok[YG_TOKEN_LEN], id[12];
	assert_int_equal(yg_registry_token_create(f->env.reg, 600, time(NULL), tok), YG_OK);
	paths p;
	yg_enroll_request_opts o = opts(f, "db1", &p);
	o.token = tok;
	o.ca_file = f->env.ca_crt;
	assert_int_equal(run(&o, id, NULL), YG_OK);
	assert_string_equal(id, "001");
	/* second use of the token: refused */
	yg_enroll_request_opts o2 = opts(f, "db2", &p);
	o2.token = tok;
	o2.ca_file = f->env.ca_crt;
	assert_int_equal(run(&o2, id, "already used"), YG_EINVAL);
	o2.token = "ygt_0000000000000000000000000000000000000000000000000000000000000000";
	/* the first failure is free: the second is checked at once */
	assert_int_equal(run(&o2, id, "token"), YG_EINVAL);
	/* then the address is held back for a second, however many tries... */
	for (int i = 0; i < 5; i++)
		assert_int_equal(run(&o2, id, "too many failed attempts from 127.0.0.1"),
		                 YG_EINVAL);
	/* ...then its next one is checked */
	ts_sleep_ms(1100);
	assert_int_equal(run(&o2, id, "token"), YG_EINVAL);
	assert_true(ts_log_has("2 failed attempts from 127.0.0.1"));
}

static void test_trust_modes(void **state)
{
	efix *f = *state;
	paths p;
	char id[12];
	/* no way to trust the manager: refused before connecting */
	yg_enroll_request_opts o = opts(f, "a1", &p);
	o.password = "s3cret-Pass";
	assert_int_equal(run(&o, id, "no way to trust"), YG_EINVAL);
	/* the right fingerprint (with colons, upper case) */
	char fpc[200] = "";
	const char *fp = yg_ca_fingerprint(f->env.ca);
	for (int i = 0; i < 32; i++) {
		char two[4] = {(char)(fp[2 * i] >= 'a' ? fp[2 * i] - 32 : fp[2 * i]),
		               (char)(fp[2 * i + 1] >= 'a' ? fp[2 * i + 1] - 32 : fp[2 * i + 1]),
		               i < 31 ? ':' : '\0', '\0'};
		strncat(fpc, two, sizeof(fpc) - strlen(fpc) - 1);
	}
	o.ca_fingerprint = fpc;
	assert_int_equal(run(&o, id, NULL), YG_OK);
	/* a wrong fingerprint */
	yg_enroll_request_opts o2 = opts(f, "a2", &p);
	o2.password = "s3cret-Pass";
	o2.ca_fingerprint = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	assert_int_equal(run(&o2, id, "expected fingerprint"), YG_EIO);
	yg_agent_info a;
	assert_int_equal(yg_registry_get_by_name(f->env.reg, "a2", &a), YG_ENOTFOUND);
	/* TOFU, explicitly accepted: works, and says which CA it trusted */
	o2.ca_fingerprint = NULL;
	o2.tofu = true;
	assert_int_equal(run(&o2, id, NULL), YG_OK);
	assert_true(ts_log_has("trusting the manager's CA on first use"));
	/* a CA file of another CA: TLS fails */
	yg_ca *other;
	char odir[512];
	snprintf(odir, sizeof(odir), "%s/other", f->env.dir);
	assert_int_equal(yg_ca_open_or_create(odir, NULL, NULL, &other), YG_OK);
	yg_enroll_request_opts o3 = opts(f, "a3", &p);
	o3.password = "s3cret-Pass";
	o3.ca_file = yg_ca_cert_path(other);
	assert_int_equal(run(&o3, id, "TLS with"), YG_EIO);
	yg_ca_destroy(other);
	/* the right CA but a host name the certificate does not carry */
	o3.ca_file = f->env.ca_crt;
	o3.host = "127.1"; /* resolves to 127.0.0.1, not a SAN */
	assert_int_equal(run(&o3, id, "TLS with"), YG_EIO);
	assert_int_equal(yg_registry_get_by_name(f->env.reg, "a3", &a), YG_ENOTFOUND);
	/* a bad name is refused locally */
	yg_enroll_request_opts o4 = opts(f, "ok", &p);
	o4.name = "bad name";
	o4.tofu = true;
	assert_int_equal(run(&o4, id, "invalid agent name"), YG_EINVAL);
}

/* Garbage and wrong frames on the enrolment port are refused; the server
 * keeps working. */
static void test_garbage(void **state)
{
	efix *f = *state;
	uint8_t buf[256];
	size_t len;
	int fd;
	SSL *ssl = ts_raw_connect(f->port, f->env.ca_crt, NULL, NULL, 0, &fd);
	assert_non_null(ssl);
	assert_true(ts_raw_send(ssl, YG_FRAME_ENROLL_REQ, "{not json", 9));
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ENROLL_RESP);
	ts_raw_close(ssl, fd);
	ssl = ts_raw_connect(f->port, f->env.ca_crt, NULL, NULL, 0, &fd);
	const char *bad_csr = "{\"name\":\"x1\",\"password\":\"s3cret-Pass\",\"csr\":\"nope\"}";
	assert_true(ts_raw_send(ssl, YG_FRAME_ENROLL_REQ, bad_csr, strlen(bad_csr)));
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf) - 1, &len), YG_FRAME_ENROLL_RESP);
	buf[len < sizeof(buf) - 1 ? len : sizeof(buf) - 1] = '\0';
	assert_non_null(strstr((char *)buf, "bad CSR"));
	ts_raw_close(ssl, fd);
	yg_agent_info a;
	assert_int_equal(yg_registry_get_by_name(f->env.reg, "x1", &a), YG_ENOTFOUND);
	ssl = ts_raw_connect(f->port, f->env.ca_crt, NULL, NULL, 0, &fd);
	assert_true(ts_raw_send(ssl, YG_FRAME_HELLO, "{}", 2));
	assert_int_equal(ts_raw_read(ssl, buf, sizeof(buf), &len), YG_FRAME_ENROLL_RESP);
	ts_raw_close(ssl, fd);
	/* TLS 1.2 is refused here too */
	assert_null(ts_raw_connect(f->port, f->env.ca_crt, NULL, NULL, TLS1_2_VERSION, &fd));
	/* still serving */
	paths p;
	char id[12];
	yg_enroll_request_opts o = opts(f, "after", &p);
	o.password = "s3cret-Pass";
	o.ca_file = f->env.ca_crt;
	assert_int_equal(run(&o, id, NULL), YG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_password, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_token, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_trust_modes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
