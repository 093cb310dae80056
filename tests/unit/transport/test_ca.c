/* test_ca.c: the CA creates itself once, issues server and client
 * certificates that verify against it, and refuses bad CSRs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "transport/ca.h"
#include "transport/ca_int.h"
#include "tsupport.h"

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static X509 *cert_from_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	return x;
}

/* Verifies x against the CA file; host/ip may be NULL. Returns the
 * X509_V_* result. */
static int verify(const char *ca_path, X509 *x, const char *host, const char *ip, int purpose)
{
	X509_STORE *st = X509_STORE_new();
	assert_int_equal(X509_STORE_load_file(st, ca_path), 1);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, st, x, NULL);
	X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
	if (host)
		X509_VERIFY_PARAM_set1_host(p, host, 0);
	if (ip)
		X509_VERIFY_PARAM_set1_ip_asc(p, ip);
	X509_STORE_CTX_set_purpose(ctx, purpose);
	int ok = X509_verify_cert(ctx);
	int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return err;
}

static void test_ca_lifecycle(void **state)
{
	(void)state;
	char *dir = ts_mkdtemp("ca");
	const char *cadir = ts_path(dir, "ca");
	char cadir_s[512];
	snprintf(cadir_s, sizeof(cadir_s), "%s", cadir);
	yg_ca *ca;
	assert_int_equal(yg_ca_open_or_create(cadir_s, "test CA", NULL, &ca), YG_OK);
	struct stat st;
	assert_int_equal(stat(ts_path(cadir_s, "ca.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char fp1[YG_CA_FP_LEN], fp2[YG_CA_FP_LEN];
	snprintf(fp1, sizeof(fp1), "%s", yg_ca_fingerprint(ca));
	assert_int_equal(strlen(fp1), 64);
	assert_int_equal(yg_ca_fingerprint_file(yg_ca_cert_path(ca), fp2), YG_OK);
	assert_string_equal(fp1, fp2);
	yg_ca_destroy(ca);
	/* reopening keeps the same CA */
	assert_int_equal(yg_ca_open_or_create(cadir_s, NULL, NULL, &ca), YG_OK);
	assert_string_equal(yg_ca_fingerprint(ca), fp1);

	/* server certificate with SANs */
	const char *sans[] = {"localhost", "127.0.0.1", "::1"};
	char key[512], crt[512];
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(crt, sizeof(crt), "%s/server.crt", dir);
	assert_int_equal(yg_ca_issue_server(ca, "manager1", sans, 3, 365, key, crt, NULL), YG_OK);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	X509 *srv = read_cert(crt);
	assert_int_equal(
	        verify(yg_ca_cert_path(ca), srv, "localhost", NULL, X509_PURPOSE_SSL_SERVER),
	        X509_V_OK);
	assert_int_equal(
	        verify(yg_ca_cert_path(ca), srv, NULL, "127.0.0.1", X509_PURPOSE_SSL_SERVER),
	        X509_V_OK);
	assert_int_equal(
	        verify(yg_ca_cert_path(ca), srv, "evil.example", NULL, X509_PURPOSE_SSL_SERVER),
	        X509_V_ERR_HOSTNAME_MISMATCH);
	char cn[64];
	assert_int_equal(yg_ca_x509_cn(srv, cn, sizeof(cn)), YG_OK);
	assert_string_equal(cn, "manager1");
	X509_free(srv);
	const char *bad[] = {"a,b"};
	assert_int_equal(yg_ca_issue_server(ca, "m", bad, 1, 365, key, crt, NULL), YG_EINVAL);

	/* agent key + CSR -> client certificate with CN = id */
	char akey[512];
	snprintf(akey, sizeof(akey), "%s/agent.key", dir);
	char *csr;
	assert_int_equal(yg_ca_make_key_csr(akey, "web1", &csr), YG_OK);
	assert_int_equal(stat(akey, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *pem1, *pem2, s1[YG_CA_SERIAL_MAX], s2[YG_CA_SERIAL_MAX];
	assert_int_equal(yg_ca_sign_csr(ca, csr, strlen(csr), "001", 365, &pem1, s1), YG_OK);
	assert_int_equal(yg_ca_sign_csr(ca, csr, strlen(csr), "002", 365, &pem2, s2), YG_OK);
	assert_string_not_equal(s1, s2);
	X509 *c1 = cert_from_pem(pem1);
	assert_int_equal(yg_ca_x509_cn(c1, cn, sizeof(cn)), YG_OK);
	assert_string_equal(cn, "001");
	char s1b[YG_CA_SERIAL_MAX];
	assert_int_equal(yg_ca_x509_serial(c1, s1b), YG_OK);
	assert_string_equal(s1, s1b);
	assert_int_equal(verify(yg_ca_cert_path(ca), c1, NULL, NULL, X509_PURPOSE_SSL_CLIENT),
	                 X509_V_OK);
	/* a client certificate is not a server certificate */
	assert_int_not_equal(verify(yg_ca_cert_path(ca), c1, NULL, NULL, X509_PURPOSE_SSL_SERVER),
	                     X509_V_OK);
	X509_free(c1);

	/* another CA's certificates do not verify against this one */
	yg_ca *other;
	char odir[512];
	snprintf(odir, sizeof(odir), "%s/other", dir);
	assert_int_equal(yg_ca_open_or_create(odir, NULL, NULL, &other), YG_OK);
	char *opem, os[YG_CA_SERIAL_MAX];
	assert_int_equal(yg_ca_sign_csr(other, csr, strlen(csr), "001", 365, &opem, os), YG_OK);
	X509 *oc = cert_from_pem(opem);
	assert_int_not_equal(verify(yg_ca_cert_path(ca), oc, NULL, NULL, X509_PURPOSE_SSL_CLIENT),
	                     X509_V_OK);
	X509_free(oc);
	free(opem);
	yg_ca_destroy(other);

	/* garbage and tampered CSRs */
	char *out;
	assert_int_equal(yg_ca_sign_csr(ca, "hello", 5, "003", 365, &out, s1), YG_EPARSE);
	char *tampered = strdup(csr);
	char *mid = tampered + strlen(tampered) / 2;
	*mid = *mid == 'A' ? 'B' : 'A';
	assert_int_not_equal(yg_ca_sign_csr(ca, tampered, strlen(tampered), "003", 365, &out, s1),
	                     YG_OK);
	free(tampered);

	/* fingerprints */
	char norm[YG_CA_FP_LEN];
	assert_true(yg_ca_fingerprint_normalise("AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
	                                        "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89",
	                                        norm));
	assert_int_equal(strncmp(norm, "abcdef0123", 10), 0);
	assert_false(yg_ca_fingerprint_normalise("abc", norm));
	assert_false(yg_ca_fingerprint_normalise("zz", norm));

	/* half a CA is refused */
	yg_ca_destroy(ca);
	remove(ts_path(cadir_s, "ca.crt"));
	assert_int_equal(yg_ca_open_or_create(cadir_s, NULL, NULL, &ca), YG_EINVAL);

	free(pem1);
	free(pem2);
	free(csr);
	ts_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ca_lifecycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
