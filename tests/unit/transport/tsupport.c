/* tsupport.c: helpers shared by the transport unit tests. */
#include "tsupport.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *ts_mkdtemp(const char *tag)
{
	char tmpl[256];
	snprintf(tmpl, sizeof(tmpl), "/tmp/yg_%s_XXXXXX", tag);
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void ts_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *ts_path(const char *dir, const char *name)
{
	static char slots[4][512];
	static int next;
	char *s = slots[next++ & 3];
	snprintf(s, 512, "%s/%s", dir, name);
	return s;
}

void ts_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

bool ts_wait(bool (*cond)(void *), void *arg, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 10) {
		if (cond(arg))
			return true;
		ts_sleep_ms(10);
	}
	return cond(arg);
}

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/frame.h"
#include "transport/tutil.h"

void ts_env_init(ts_env *env, const char *tag)
{
	memset(env, 0, sizeof(*env));
	signal(SIGPIPE, SIG_IGN);
	env->dir = ts_mkdtemp(tag);
	assert_non_null(env->dir);
	char cadir[512];
	snprintf(cadir, sizeof(cadir), "%s/ca", env->dir);
	assert_int_equal(yg_ca_open_or_create(cadir, NULL, NULL, &env->ca), YG_OK);
	snprintf(env->ca_crt, sizeof(env->ca_crt), "%s", yg_ca_cert_path(env->ca));
	snprintf(env->srv_crt, sizeof(env->srv_crt), "%s/server.crt", env->dir);
	snprintf(env->srv_key, sizeof(env->srv_key), "%s/server.key", env->dir);
	const char *sans[] = {"localhost", "127.0.0.1"};
	assert_int_equal(yg_ca_issue_server(env->ca, "manager", sans, 2, 30, env->srv_key,
	                                    env->srv_crt, NULL),
	                 YG_OK);
	snprintf(env->db, sizeof(env->db), "%s/registry.db", env->dir);
	assert_int_equal(yg_registry_open(env->db, NULL, &env->reg), YG_OK);
}

void ts_env_free(ts_env *env)
{
	yg_registry_close(env->reg);
	yg_ca_destroy(env->ca);
	ts_rmtree(env->dir);
	free(env->dir);
}

void ts_env_agent(ts_env *env, yg_ca *ca, const char *name, char id[12], char key[512],
                  char crt[512])
{
	assert_int_equal(yg_registry_add(env->reg, name, "127.0.0.1", false, id), YG_OK);
	snprintf(key, 512, "%s/%s.key", env->dir, name);
	snprintf(crt, 512, "%s/%s.crt", env->dir, name);
	char *csr, *pem, serial[YG_CA_SERIAL_MAX];
	assert_int_equal(yg_ca_make_key_csr(key, name, &csr), YG_OK);
	assert_int_equal(yg_ca_sign_csr(ca ? ca : env->ca, csr, strlen(csr), id, 30, &pem, serial),
	                 YG_OK);
	assert_int_equal(yg_registry_set_serial(env->reg, id, serial), YG_OK);
	assert_int_equal(yg_twrite_file(crt, pem, strlen(pem), 0644), 0);
	free(csr);
	free(pem);
}

SSL *ts_raw_connect(uint16_t port, const char *ca, const char *cert, const char *key,
                    int max_version, int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(*fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = {5, 0};
	setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_max_proto_version(ctx, max_version ? max_version : TLS1_3_VERSION);
	if (ca) {
		SSL_CTX_load_verify_locations(ctx, ca, NULL);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	if (cert) {
		assert_int_equal(SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
	}
	SSL *ssl = SSL_new(ctx);
	SSL_CTX_free(ctx); /* the SSL keeps a reference */
	SSL_set_fd(ssl, *fd);
	if (SSL_connect(ssl) != 1) {
		ERR_clear_error();
		SSL_free(ssl);
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return ssl;
}

void ts_raw_close(SSL *ssl, int fd)
{
	if (ssl)
		SSL_free(ssl);
	if (fd >= 0)
		close(fd);
}

bool ts_raw_send(SSL *ssl, uint8_t type, const void *payload, size_t len)
{
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	bool ok = yg_frame_encode(&b, type, false, 0, payload, len) == YG_OK &&
	          SSL_write(ssl, b.data, (int)b.len) == (int)b.len;
	yg_buf_free(&b);
	return ok;
}

static bool read_full(SSL *ssl, uint8_t *p, size_t n)
{
	while (n > 0) {
		int r = SSL_read(ssl, p, (int)n);
		if (r <= 0) {
			ERR_clear_error();
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

int ts_raw_read(SSL *ssl, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t hdr[5];
	if (!read_full(ssl, hdr, 5))
		return -1;
	size_t l = yg_tget_u32(hdr);
	if (l == 0 || l > YG_FRAME_MAX)
		return -1;
	uint8_t *tmp = malloc(l);
	bool ok = tmp && read_full(ssl, tmp, l - 1);
	if (ok) {
		memcpy(buf, tmp, l - 1 < cap ? l - 1 : cap);
		*len = l - 1;
	}
	free(tmp);
	return ok ? hdr[4] : -1;
}

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_lines[256][256];
static int log_n;

void ts_log_fn(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (getenv("TS_VERBOSE"))
		fprintf(stderr, "[%d] %s\n", level, msg);
	pthread_mutex_lock(&log_mu);
	snprintf(log_lines[log_n % 256], 256, "%s", msg);
	log_n++;
	pthread_mutex_unlock(&log_mu);
}

bool ts_log_has(const char *needle)
{
	bool found = false;
	pthread_mutex_lock(&log_mu);
	int n = log_n < 256 ? log_n : 256;
	for (int i = 0; i < n && !found; i++)
		found = strstr(log_lines[i], needle) != NULL;
	pthread_mutex_unlock(&log_mu);
	return found;
}

void ts_log_clear(void)
{
	pthread_mutex_lock(&log_mu);
	log_n = 0;
	pthread_mutex_unlock(&log_mu);
}
