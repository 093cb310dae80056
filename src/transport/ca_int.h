/* ca_int.h: OpenSSL-level helpers of ca.c used by the other transport
 * modules (server/client/enroll); not a public API. */
#ifndef YAGURA_TRANSPORT_CA_INT_H
#define YAGURA_TRANSPORT_CA_INT_H

#include <openssl/x509.h>

#include "transport/ca.h"

/* SHA-256 of the DER, lowercase hex. */
yg_err yg_ca_x509_fingerprint(X509 *x, char out[YG_CA_FP_LEN]);
/* Serial as uppercase hex. */
yg_err yg_ca_x509_serial(X509 *x, char out[YG_CA_SERIAL_MAX]);
/* The subject CN (NUL-terminated copy) into out; YG_ENOTFOUND if none,
 * YG_ELIMIT if longer than outlen - 1 or with embedded NULs. */
yg_err yg_ca_x509_cn(X509 *x, char *out, size_t outlen);
/* Describes the current OpenSSL error queue (and clears it) into buf. */
const char *yg_ca_ssl_error(char *buf, size_t len);

#endif
