/* ca.h: the manager's small certificate authority.
 *
 * One EC P-256 key and a self-signed CA certificate (10 years) live in a
 * directory: dir/ca.key (mode 0600) and dir/ca.crt, created on first use.
 * The CA issues the manager's server certificate (CN = manager name, SANs
 * for its DNS names and IP addresses) and signs agents' CSRs into client
 * certificates whose CN is the agent id ("001") — whatever subject the CSR
 * asked for is ignored; only its public key is used. Serial numbers are 128
 * random bits (the registry also keeps them unique).
 *
 * Also here, because they are the same OpenSSL code: making an agent key +
 * CSR, and certificate fingerprints (SHA-256 of the DER, lowercase hex).
 *
 * A yg_ca is immutable once open; signing from several threads is safe. */
#ifndef YAGURA_TRANSPORT_CA_H
#define YAGURA_TRANSPORT_CA_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ydiag.h"
#include "common/yerr.h"

#define YG_CA_SERIAL_MAX 64 /* hex serial, NUL included */
#define YG_CA_FP_LEN 65     /* SHA-256 hex, NUL included */

typedef struct yg_ca yg_ca;

/* Opens dir/ca.key + dir/ca.crt, creating them (and dir, 0700) when both are
 * missing; `cn` names a new CA ("yagura CA" when NULL). One present without
 * the other, or a key that does not match the certificate: YG_EINVAL with a
 * message in diag (may be NULL). */
yg_err yg_ca_open_or_create(const char *dir, const char *cn, yg_diag *diag, yg_ca **out);
void yg_ca_destroy(yg_ca *ca);

/* Path of ca.crt (owned by ca). */
const char *yg_ca_cert_path(const yg_ca *ca);
/* The CA certificate as PEM (owned by ca) and its fingerprint. */
const char *yg_ca_cert_pem(const yg_ca *ca);
const char *yg_ca_fingerprint(const yg_ca *ca);

/* Issues a server certificate for `name` with subjectAltNames `sans`
 * (entries that parse as IPv4/IPv6 become IP SANs, others DNS SANs), valid
 * `days` days, with a new P-256 key. Writes key_path (0600) and cert_path
 * (the server certificate followed by the CA certificate, so clients that
 * only know a fingerprint can see the CA). */
yg_err yg_ca_issue_server(yg_ca *ca, const char *name, const char *const *sans, size_t nsans,
                          int days, const char *key_path, const char *cert_path, yg_diag *diag);

/* Signs a PEM CSR into a client certificate with CN = agent_id, valid `days`
 * days. The CSR's self-signature must verify. *cert_pem (caller frees) gets
 * the certificate; serial (YG_CA_SERIAL_MAX bytes) its serial as uppercase
 * hex. Bad CSR: YG_EPARSE. */
yg_err yg_ca_sign_csr(yg_ca *ca, const char *csr_pem, size_t len, const char *agent_id, int days,
                      char **cert_pem, char serial[YG_CA_SERIAL_MAX]);

/* Makes a new P-256 key, writes it to key_path (0600) and returns a PEM CSR
 * (caller frees) with subject CN = cn. */
yg_err yg_ca_make_key_csr(const char *key_path, const char *cn, char **csr_pem);

/* SHA-256 fingerprint (lowercase hex, no colons) of the first certificate
 * in a PEM text / a PEM file. */
yg_err yg_ca_fingerprint_pem(const char *pem, size_t len, char out[YG_CA_FP_LEN]);
yg_err yg_ca_fingerprint_file(const char *path, char out[YG_CA_FP_LEN]);

/* Normalises a user-given fingerprint ("AB:CD:..." or "abcd...") to the
 * form above; false if it is not 32 hex bytes. */
int yg_ca_fingerprint_normalise(const char *in, char out[YG_CA_FP_LEN]);

#endif
