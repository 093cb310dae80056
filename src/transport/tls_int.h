/* tls_int.h: TLS contexts and libevent set-up shared by the transport
 * modules; not a public API. */
#ifndef YAGURA_TRANSPORT_TLS_INT_H
#define YAGURA_TRANSPORT_TLS_INT_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "common/ydiag.h"
#include "common/yerr.h"

/* Once per process: libevent's pthread locking (so other threads may wake
 * a loop with event_active) and SIGPIPE ignored (a peer closing while
 * OpenSSL writes must not kill the process). */
void yg_tls_global_init(void);

/* A TLS 1.3-only server context with cert (chain file) and key. With
 * client_ca, peers must present a certificate that chains to it
 * (clientAuth purpose); without, no client certificate is asked for. No
 * session resumption: every connection is checked in full. */
SSL_CTX *yg_tls_server_ctx(const char *cert, const char *key, const char *client_ca, yg_diag *diag);

/* A TLS 1.3-only client context. ca: verify the server against it (may be
 * NULL: no verification here, the caller checks a fingerprint itself).
 * cert/key: our client certificate (may be NULL). */
SSL_CTX *yg_tls_client_ctx(const char *ca, const char *cert, const char *key, yg_diag *diag);

/* Makes the SSL check the peer name: an IP literal against IP SANs, else a
 * DNS name (also sent as SNI). */
bool yg_tls_set_peer_name(SSL *ssl, const char *host);

#endif
