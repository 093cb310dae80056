/* tls.c: TLS contexts shared by server, client and enrolment. */
#include "transport/tls_int.h"

#include <arpa/inet.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "transport/ca_int.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
	evthread_use_pthreads();
	signal(SIGPIPE, SIG_IGN);
}

void yg_tls_global_init(void)
{
	pthread_once(&once, init_once);
}

static SSL_CTX *fail(SSL_CTX *ctx, yg_diag *diag, const char *file, const char *what)
{
	char buf[256];
	yg_diag_add(diag, YG_SEV_ERROR, file, 0, NULL, "%s: %s", what,
	            yg_ca_ssl_error(buf, sizeof(buf)));
	SSL_CTX_free(ctx);
	return NULL;
}

static SSL_CTX *base_ctx(const SSL_METHOD *m)
{
	SSL_CTX *ctx = SSL_CTX_new(m);
	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	return ctx;
}

SSL_CTX *yg_tls_server_ctx(const char *cert, const char *key, const char *client_ca, yg_diag *diag)
{
	SSL_CTX *ctx = base_ctx(TLS_server_method());
	if (!ctx)
		return fail(NULL, diag, NULL, "cannot create a TLS context");
	SSL_CTX_set_num_tickets(ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return fail(ctx, diag, cert, "cannot load the server certificate");
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return fail(ctx, diag, key, "cannot load the server key");
	if (client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
		if (!names || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			return fail(ctx, diag, client_ca, "cannot load the CA certificate");
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	}
	return ctx;
}

SSL_CTX *yg_tls_client_ctx(const char *ca, const char *cert, const char *key, yg_diag *diag)
{
	SSL_CTX *ctx = base_ctx(TLS_client_method());
	if (!ctx)
		return fail(NULL, diag, NULL, "cannot create a TLS context");
	if (ca) {
		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
			return fail(ctx, diag, ca, "cannot load the CA certificate");
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	}
	if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return fail(ctx, diag, cert, "cannot load the agent certificate");
	if (key && (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	            SSL_CTX_check_private_key(ctx) != 1))
		return fail(ctx, diag, key, "cannot load the agent key");
	return ctx;
}

bool yg_tls_set_peer_name(SSL *ssl, const char *host)
{
	unsigned char tmp[16];
	if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
	return SSL_set1_host(ssl, host) == 1 && SSL_set_tlsext_host_name(ssl, host) == 1;
}
