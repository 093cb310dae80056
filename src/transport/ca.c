/* ca.c: the manager's CA (OpenSSL 3 EVP/X509 APIs). */
#include "transport/ca.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ybuf.h"
#include "transport/ca_int.h"
#include "transport/tutil.h"

#define CA_DAYS 3650
#define PEM_MAX (64u * 1024u)

struct yg_ca {
	EVP_PKEY *key;
	X509 *cert;
	char *cert_path;
	char *cert_pem;
	char fp[YG_CA_FP_LEN];
};

const char *yg_ca_ssl_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	if (!e)
		snprintf(buf, len, "unknown TLS error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static yg_err write_key(EVP_PKEY *key, const char *path)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return YG_ENOMEM;
	yg_err e = YG_EIO;
	char *data;
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1) {
		long n = BIO_get_mem_data(b, &data);
		if (n > 0 && yg_twrite_file(path, data, (size_t)n, 0600) == 0)
			e = YG_OK;
	}
	BIO_free(b);
	return e;
}

static char *x509_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *data;
	if (b && PEM_write_bio_X509(b, x) == 1) {
		long n = BIO_get_mem_data(b, &data);
		out = n > 0 ? strndup(data, (size_t)n) : NULL;
	}
	BIO_free(b);
	return out;
}

static yg_err set_random_serial(X509 *x)
{
	unsigned char raw[16];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return YG_EIO;
	raw[0] &= 0x7f; /* positive */
	raw[0] |= 0x01; /* and 16 bytes long, never a short number */
	BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? YG_OK : YG_ENOMEM;
}

static int add_ext(X509 *issuer, X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate skeleton: version 3, serial, validity, subject CN, key. */
static X509 *new_cert(const char *cn, EVP_PKEY *pub, int days)
{
	X509 *x = X509_new();
	if (!x)
		return NULL;
	X509_NAME *name = X509_NAME_new();
	int ok = name && X509_set_version(x, 2) && set_random_serial(x) == YG_OK &&
	         X509_gmtime_adj(X509_getm_notBefore(x), -300) &&
	         X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400L) &&
	         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
	                                    -1, -1, 0) &&
	         X509_set_subject_name(x, name) && X509_set_pubkey(x, pub);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static yg_err create_ca(yg_ca *ca, const char *key_path, const char *cn)
{
	ca->key = new_key();
	if (!ca->key)
		return YG_ENOMEM;
	ca->cert = new_cert(cn ? cn : "yagura CA", ca->key, CA_DAYS);
	if (!ca->cert)
		return YG_ENOMEM;
	X509_set_issuer_name(ca->cert, X509_get_subject_name(ca->cert));
	if (!add_ext(ca->cert, ca->cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(ca->cert, ca->cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(ca->cert, ca->cert, NID_subject_key_identifier, "hash") ||
	    !X509_sign(ca->cert, ca->key, EVP_sha256()))
		return YG_EINVAL;
	char *pem = x509_pem(ca->cert);
	if (!pem)
		return YG_ENOMEM;
	yg_err e = write_key(ca->key, key_path);
	if (!e && yg_twrite_file(ca->cert_path, pem, strlen(pem), 0644) != 0)
		e = YG_EIO;
	free(pem);
	return e;
}

static yg_err load_ca(yg_ca *ca, const char *key_path, yg_diag *diag)
{
	FILE *f = fopen(key_path, "r");
	if (f) {
		ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	f = fopen(ca->cert_path, "r");
	if (f) {
		ca->cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!ca->key || !ca->cert) {
		yg_diag_add(diag, YG_SEV_ERROR, ca->cert_path, 0, NULL,
		            "cannot read the CA key or certificate");
		return YG_EINVAL;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		yg_diag_add(diag, YG_SEV_ERROR, ca->cert_path, 0, NULL,
		            "the CA key does not match the CA certificate");
		return YG_EINVAL;
	}
	return YG_OK;
}

yg_err yg_ca_open_or_create(const char *dir, const char *cn, yg_diag *diag, yg_ca **out)
{
	*out = NULL;
	if (!dir)
		return YG_EINVAL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		yg_diag_add(diag, YG_SEV_ERROR, dir, 0, NULL, "cannot create the CA directory");
		return YG_EIO;
	}
	yg_ca *ca = calloc(1, sizeof(*ca));
	yg_buf kp;
	yg_buf_init(&kp, 4096);
	yg_buf cp;
	yg_buf_init(&cp, 4096);
	if (!ca || yg_buf_printf(&kp, "%s/ca.key", dir) || yg_buf_printf(&cp, "%s/ca.crt", dir)) {
		free(ca);
		yg_buf_free(&kp);
		yg_buf_free(&cp);
		return ca ? YG_ELIMIT : YG_ENOMEM;
	}
	ca->cert_path = yg_buf_steal(&cp);
	bool has_key = access(kp.data, F_OK) == 0, has_crt = access(ca->cert_path, F_OK) == 0;
	yg_err e;
	if (has_key != has_crt) {
		yg_diag_add(diag, YG_SEV_ERROR, dir, 0, NULL,
		            "ca.key and ca.crt must both exist or both be missing");
		e = YG_EINVAL;
	} else if (!has_key) {
		e = create_ca(ca, kp.data, cn);
		if (e)
			yg_diag_add(diag, YG_SEV_ERROR, dir, 0, NULL, "cannot create the CA: %s",
			            yg_strerror(e));
	} else {
		e = load_ca(ca, kp.data, diag);
	}
	yg_buf_free(&kp);
	if (!e) {
		ca->cert_pem = x509_pem(ca->cert);
		e = ca->cert_pem ? yg_ca_x509_fingerprint(ca->cert, ca->fp) : YG_ENOMEM;
	}
	if (e) {
		yg_ca_destroy(ca);
		return e;
	}
	*out = ca;
	return YG_OK;
}

void yg_ca_destroy(yg_ca *ca)
{
	if (!ca)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->cert_path);
	free(ca->cert_pem);
	free(ca);
}

const char *yg_ca_cert_path(const yg_ca *ca)
{
	return ca->cert_path;
}

const char *yg_ca_cert_pem(const yg_ca *ca)
{
	return ca->cert_pem;
}

const char *yg_ca_fingerprint(const yg_ca *ca)
{
	return ca->fp;
}

/* Signs x as issued by the CA. */
static int ca_sign(yg_ca *ca, X509 *x)
{
	return X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) &&
	       add_ext(ca->cert, x, NID_authority_key_identifier, "keyid:always") &&
	       add_ext(ca->cert, x, NID_basic_constraints, "critical,CA:FALSE") &&
	       X509_sign(x, ca->key, EVP_sha256());
}

static bool valid_san(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '*';
		if (!ok) /* also keeps ',' out of the extension text */
			return false;
	}
	return true;
}

yg_err yg_ca_issue_server(yg_ca *ca, const char *name, const char *const *sans, size_t nsans,
                          int days, const char *key_path, const char *cert_path, yg_diag *diag)
{
	if (!name || !*name || days <= 0)
		return YG_EINVAL;
	yg_buf san;
	yg_buf_init(&san, 16384);
	yg_err e = YG_OK;
	for (size_t i = 0; i < nsans && !e; i++) {
		unsigned char tmp[16];
		if (!valid_san(sans[i])) {
			yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "san", "invalid name '%s'",
			            sans[i]);
			e = YG_EINVAL;
			break;
		}
		bool ip = inet_pton(AF_INET, sans[i], tmp) == 1 ||
		          inet_pton(AF_INET6, sans[i], tmp) == 1;
		e = yg_buf_printf(&san, "%s%s:%s", i ? "," : "", ip ? "IP" : "DNS", sans[i]);
	}
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	if (!e) {
		key = new_key();
		x = key ? new_cert(name, key, days) : NULL;
		if (!x || (san.len && !add_ext(ca->cert, x, NID_subject_alt_name, san.data)) ||
		    !add_ext(ca->cert, x, NID_ext_key_usage, "serverAuth") || !ca_sign(ca, x))
			e = YG_EINVAL;
	}
	char *pem = e ? NULL : x509_pem(x);
	if (!e && !pem)
		e = YG_ENOMEM;
	yg_buf chain;
	yg_buf_init(&chain, 2 * PEM_MAX);
	if (!e && (yg_buf_puts(&chain, pem) || yg_buf_puts(&chain, ca->cert_pem)))
		e = YG_ELIMIT;
	if (!e)
		e = write_key(key, key_path);
	if (!e && yg_twrite_file(cert_path, chain.data, chain.len, 0644) != 0)
		e = YG_EIO;
	if (e)
		yg_diag_add(diag, YG_SEV_ERROR, cert_path, 0, NULL,
		            "cannot issue the server certificate: %s", yg_strerror(e));
	yg_buf_free(&chain);
	yg_buf_free(&san);
	free(pem);
	X509_free(x);
	EVP_PKEY_free(key);
	return e;
}

yg_err yg_ca_sign_csr(yg_ca *ca, const char *csr_pem, size_t len, const char *agent_id, int days,
                      char **cert_pem, char serial[YG_CA_SERIAL_MAX])
{
	*cert_pem = NULL;
	if (!csr_pem || len == 0 || len > PEM_MAX || !agent_id || days <= 0)
		return YG_EINVAL;
	BIO *b = BIO_new_mem_buf(csr_pem, (int)len);
	X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!req) {
		ERR_clear_error();
		return YG_EPARSE;
	}
	yg_err e = YG_OK;
	EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
	X509 *x = NULL;
	if (!pub || X509_REQ_verify(req, pub) != 1) {
		e = YG_EPARSE;
	} else {
		x = new_cert(agent_id, pub, days);
		if (!x || !add_ext(ca->cert, x, NID_ext_key_usage, "clientAuth") ||
		    !add_ext(ca->cert, x, NID_key_usage, "critical,digitalSignature") ||
		    !ca_sign(ca, x))
			e = YG_EINVAL;
	}
	if (!e)
		e = yg_ca_x509_serial(x, serial);
	if (!e && !(*cert_pem = x509_pem(x)))
		e = YG_ENOMEM;
	ERR_clear_error();
	X509_free(x);
	X509_REQ_free(req);
	return e;
}

yg_err yg_ca_make_key_csr(const char *key_path, const char *cn, char **csr_pem)
{
	*csr_pem = NULL;
	EVP_PKEY *key = new_key();
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	BIO *b = BIO_new(BIO_s_mem());
	yg_err e = YG_ENOMEM;
	char *data;
	if (key && req && name && b &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                               0) &&
	    X509_REQ_set_subject_name(req, name) && X509_REQ_set_pubkey(req, key) &&
	    X509_REQ_sign(req, key, EVP_sha256()) && PEM_write_bio_X509_REQ(b, req)) {
		long n = BIO_get_mem_data(b, &data);
		e = write_key(key, key_path);
		if (!e && !(*csr_pem = strndup(data, (size_t)n)))
			e = YG_ENOMEM;
	}
	BIO_free(b);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return e;
}

yg_err yg_ca_x509_fingerprint(X509 *x, char out[YG_CA_FP_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
		return YG_EINVAL;
	yg_thex(md, n, out);
	return YG_OK;
}

yg_err yg_ca_x509_serial(X509 *x, char out[YG_CA_SERIAL_MAX])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	yg_err e = YG_ENOMEM;
	if (hex) {
		size_t n = strlen(hex);
		e = n < YG_CA_SERIAL_MAX ? YG_OK : YG_ELIMIT;
		if (!e)
			memcpy(out, hex, n + 1);
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return e;
}

yg_err yg_ca_x509_cn(X509 *x, char *out, size_t outlen)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
	if (i < 0)
		return YG_ENOTFOUND;
	ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	int n = s ? ASN1_STRING_length(s) : -1;
	const unsigned char *d = s ? ASN1_STRING_get0_data(s) : NULL;
	if (n < 0 || !d || (size_t)n >= outlen || memchr(d, 0, (size_t)n))
		return YG_ELIMIT;
	memcpy(out, d, (size_t)n);
	out[n] = '\0';
	return YG_OK;
}

yg_err yg_ca_fingerprint_pem(const char *pem, size_t len, char out[YG_CA_FP_LEN])
{
	if (!pem || len > PEM_MAX * 4)
		return YG_EINVAL;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	ERR_clear_error();
	if (!x)
		return YG_EPARSE;
	yg_err e = yg_ca_x509_fingerprint(x, out);
	X509_free(x);
	return e;
}

yg_err yg_ca_fingerprint_file(const char *path, char out[YG_CA_FP_LEN])
{
	size_t len;
	char *pem = yg_tread_file(path, PEM_MAX * 4, &len);
	if (!pem)
		return YG_EIO;
	yg_err e = yg_ca_fingerprint_pem(pem, len, out);
	free(pem);
	return e;
}

int yg_ca_fingerprint_normalise(const char *in, char out[YG_CA_FP_LEN])
{
	size_t n = 0;
	for (const char *p = in; p && *p; p++) {
		char c = *p;
		if (c == ':')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n >= 64)
			return 0;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 64;
}
