/* enroll_client.c: the agent side of enrolment (agent-auth's job):
 * blocking, one request, one answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/ca_int.h"
#include "transport/enroll.h"
#include "transport/frame.h"
#include "transport/tls_int.h"
#include "transport/tutil.h"

#define FAIL(code, ...)                                                                            \
	do {                                                                                       \
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "enroll", __VA_ARGS__);                   \
		e = code;                                                                          \
		goto out;                                                                          \
	} while (0)

static int connect_to(const char *host, uint16_t port, unsigned timeout_s)
{
	char ps[8];
	snprintf(ps, sizeof(ps), "%u", port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai, *p;
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -1;
	int fd = -1;
	for (p = ai; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = {(time_t)timeout_s, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

/* Without a CA file: find the CA in the manager's chain (by fingerprint,
 * or under TOFU the self-signed one), then verify the manager's
 * certificate against it alone, with the host name. fp_out gets the CA's
 * fingerprint. Returns NULL if fine, else why not. */
static const char *verify_by_chain(SSL *ssl, const char *host, const char *want_fp,
                                   char fp_out[YG_CA_FP_LEN])
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl); /* leaf first */
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	if (!chain || !leaf)
		return "the manager sent no certificate";
	X509 *ca = NULL;
	for (int i = 0; i < sk_X509_num(chain) && !ca; i++) {
		X509 *x = sk_X509_value(chain, i);
		char fp[YG_CA_FP_LEN];
		if (yg_ca_x509_fingerprint(x, fp) != YG_OK || X509_check_ca(x) == 0)
			continue;
		if (want_fp ? strcmp(fp, want_fp) == 0 : X509_check_issued(x, x) == X509_V_OK) {
			ca = x;
			memcpy(fp_out, fp, YG_CA_FP_LEN);
		}
	}
	if (!ca)
		return want_fp ? "the manager's CA does not have the expected fingerprint"
		               : "the manager sent no CA certificate";
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	const char *why = "out of memory";
	if (st && ctx && X509_STORE_add_cert(st, ca) == 1 &&
	    X509_STORE_CTX_init(ctx, st, leaf, NULL) == 1) {
		X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
		unsigned char tmp[16];
		if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1)
			X509_VERIFY_PARAM_set1_ip_asc(p, host);
		else
			X509_VERIFY_PARAM_set1_host(p, host, 0);
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
		why = X509_verify_cert(ctx) == 1 ? NULL
		                                 : "the manager's certificate does not verify "
		                                   "against its CA or does not name the host";
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return why;
}

static bool ssl_write_all(SSL *ssl, const void *p, size_t n)
{
	return n <= INT32_MAX && SSL_write(ssl, p, (int)n) == (int)n;
}

static bool ssl_read_all(SSL *ssl, uint8_t *p, size_t n)
{
	while (n > 0) {
		int r = SSL_read(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* Sends the request and reads the answer's JSON (caller frees). */
static json_object *exchange(SSL *ssl, const char *req)
{
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	bool ok = yg_frame_encode(&b, YG_FRAME_ENROLL_REQ, false, 0, req, strlen(req)) == YG_OK &&
	          ssl_write_all(ssl, b.data, b.len);
	yg_buf_free(&b);
	uint8_t hdr[YG_FRAME_HDR];
	yg_frame f;
	size_t total;
	const char *why;
	if (!ok || !ssl_read_all(ssl, hdr, sizeof(hdr)))
		return NULL;
	yg_err e = yg_frame_peek(hdr, sizeof(hdr), &f, &total, &why);
	if ((e != YG_OK && e != YG_ENOTFOUND) || hdr[4] != YG_FRAME_ENROLL_RESP)
		return NULL;
	size_t len = total - YG_FRAME_HDR;
	char *body = malloc(len + 1);
	json_object *o = NULL;
	if (body && ssl_read_all(ssl, (uint8_t *)body, len)) {
		json_tokener *tok = json_tokener_new_ex(8);
		o = tok ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
		if (o && !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
	}
	free(body);
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The issued certificate must carry our key. */
static bool cert_matches_key(const char *pem, const char *key_path)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	FILE *f = fopen(key_path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	bool ok = x && k && X509_check_private_key(x, k) == 1;
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return ok;
}

/* The options must name the agent validly and give one way to trust the
 * manager. */
static yg_err check_opts(const yg_enroll_request_opts *o, char want_fp[YG_CA_FP_LEN], yg_diag *diag)
{
	yg_err e = YG_OK;
	if (!yg_registry_valid_name(o->name))
		FAIL(YG_EINVAL, "invalid agent name '%s'", o->name);
	if (o->ca_fingerprint && !yg_ca_fingerprint_normalise(o->ca_fingerprint, want_fp))
		FAIL(YG_EINVAL, "bad CA fingerprint (want 64 hex digits, colons allowed)");
	if (!o->ca_file && !o->ca_fingerprint && !o->tofu)
		FAIL(YG_EINVAL, "no way to trust the manager: give its CA file, its CA "
		                "fingerprint (--ca-fingerprint), or accept trust on first use");
out:
	return e;
}

/* A TLS connection to the manager, trusted by the CA file, else by the CA
 * fingerprint or on first use (got_fp then holds the CA's fingerprint). */
static yg_err tls_open(const yg_enroll_request_opts *o, const char *want_fp, int *fd, SSL_CTX **ctx,
                       SSL **ssl, char got_fp[YG_CA_FP_LEN], yg_diag *diag)
{
	yg_err e = YG_OK;
	uint16_t port = o->port ? o->port : YG_ENROLL_PORT;
	unsigned timeout = o->timeout_s ? o->timeout_s : 30;
	if ((*fd = connect_to(o->host, port, timeout)) < 0)
		FAIL(YG_EIO, "cannot connect to %s:%u: %s", o->host, port, strerror(errno));
	if (!(*ctx = yg_tls_client_ctx(o->ca_file, NULL, NULL, diag)) || !(*ssl = SSL_new(*ctx)) ||
	    !yg_tls_set_peer_name(*ssl, o->host) || SSL_set_fd(*ssl, *fd) != 1)
		FAIL(YG_EIO, "cannot set up TLS");
	if (SSL_connect(*ssl) != 1) {
		char buf[200];
		long vr = SSL_get_verify_result(*ssl);
		FAIL(YG_EIO, "TLS with %s:%u failed: %s", o->host, port,
		     vr != X509_V_OK ? X509_verify_cert_error_string(vr)
		                     : yg_ca_ssl_error(buf, sizeof(buf)));
	}
	if (!o->ca_file) {
		const char *why =
		        verify_by_chain(*ssl, o->host, o->ca_fingerprint ? want_fp : NULL, got_fp);
		if (why)
			FAIL(YG_EIO, "%s", why);
		if (!o->ca_fingerprint)
			yg_tlog(o->log, o->log_ctx, YG_TLOG_WARN,
			        "trusting the manager's CA on first use: SHA-256 fingerprint %s",
			        got_fp);
	}
out:
	return e;
}

/* The enrolment request: name, token or password, and the CSR. */
static json_object *make_request(const yg_enroll_request_opts *o, const char *csr)
{
	json_object *req = json_object_new_object();
	json_object_object_add(req, "name", json_object_new_string(o->name));
	if (o->token)
		json_object_object_add(req, "token", json_object_new_string(o->token));
	else if (o->password)
		json_object_object_add(req, "password", json_object_new_string(o->password));
	json_object_object_add(req, "csr", json_object_new_string(csr));
	return req;
}

/* The answer must give an id, a certificate for our key, and the CA the
 * manager presented (or the one of the CA file). */
static yg_err check_answer(const yg_enroll_request_opts *o, json_object *resp, const char *key_new,
                           const char *got_fp, yg_diag *diag)
{
	yg_err e = YG_OK;
	const char *err = jstr(resp, "error"), *rid = jstr(resp, "id");
	const char *cert = jstr(resp, "cert"), *ca = jstr(resp, "ca");
	uint32_t num;
	if (err)
		FAIL(YG_EINVAL, "the manager refused: %s", err);
	if (!rid || !yg_tid_parse(rid, &num) || !cert || !ca)
		FAIL(YG_EIO, "incomplete answer from the manager");
	if (!cert_matches_key(cert, key_new))
		FAIL(YG_EIO, "the certificate received is not for our key");
	char ca_fp[YG_CA_FP_LEN];
	if (yg_ca_fingerprint_pem(ca, strlen(ca), ca_fp) != YG_OK ||
	    (got_fp[0] && strcmp(ca_fp, got_fp) != 0))
		FAIL(YG_EIO, "the CA received is not the one the manager presented");
	if (o->ca_file) {
		char file_fp[YG_CA_FP_LEN];
		if (yg_ca_fingerprint_file(o->ca_file, file_fp) != YG_OK ||
		    strcmp(file_fp, ca_fp) != 0)
			FAIL(YG_EIO, "the CA received differs from %s", o->ca_file);
	}
out:
	return e;
}

yg_err yg_enroll_request(const yg_enroll_request_opts *o, char id[YG_AGENT_ID_MAX], yg_diag *diag)
{
	yg_err e = YG_OK;
	char want_fp[YG_CA_FP_LEN], got_fp[YG_CA_FP_LEN] = "";
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd = -1;
	char *csr = NULL;
	json_object *req = NULL, *resp = NULL;
	char key_new[4096] = "";
	id[0] = '\0';
	if (!o || !o->host || !o->name || !o->key_out || !o->cert_out || !o->ca_out)
		return YG_EINVAL;
	if ((e = check_opts(o, want_fp, diag)) != YG_OK)
		goto out;
	yg_tls_global_init();
	/* the new key replaces key_out only once enrolment succeeded, so a
	 * failed attempt never breaks an agent that is enrolled already */
	int kl = snprintf(key_new, sizeof(key_new), "%s.new", o->key_out);
	if (kl < 0 || (size_t)kl >= sizeof(key_new))
		FAIL(YG_EINVAL, "key path too long");
	if (yg_ca_make_key_csr(key_new, o->name, &csr) != YG_OK)
		FAIL(YG_EIO, "cannot write the agent key %s", key_new);
	if ((e = tls_open(o, want_fp, &fd, &ctx, &ssl, got_fp, diag)) != YG_OK)
		goto out;
	req = make_request(o, csr);
	if (!(resp = exchange(ssl, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN))))
		FAIL(YG_EIO, "no valid answer from the manager");
	if ((e = check_answer(o, resp, key_new, got_fp, diag)) != YG_OK)
		goto out;
	const char *cert = jstr(resp, "cert"), *ca = jstr(resp, "ca");
	if (yg_twrite_file(o->cert_out, cert, strlen(cert), 0644) != 0 ||
	    yg_twrite_file(o->ca_out, ca, strlen(ca), 0644) != 0 ||
	    rename(key_new, o->key_out) != 0)
		FAIL(YG_EIO, "cannot write %s, %s or %s", o->key_out, o->cert_out, o->ca_out);
	snprintf(id, YG_AGENT_ID_MAX, "%s", jstr(resp, "id"));
out:
	if (e && key_new[0])
		unlink(key_new);
	json_object_put(req);
	json_object_put(resp);
	free(csr);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	return e;
}
