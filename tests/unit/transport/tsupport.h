/* tsupport.h: helpers shared by the transport unit tests. */
#ifndef YAGURA_TESTS_TSUPPORT_H
#define YAGURA_TESTS_TSUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Creates a fresh directory under /tmp; the caller frees the string. */
char *ts_mkdtemp(const char *tag);
/* Removes a directory tree. */
void ts_rmtree(const char *dir);
/* dir + "/" + name into a static rotating buffer (4 slots). */
const char *ts_path(const char *dir, const char *name);
/* Sleeps ms milliseconds. */
void ts_sleep_ms(unsigned ms);
/* Polls cond(arg) every 10 ms for up to ms; returns its last value. */
bool ts_wait(bool (*cond)(void *), void *arg, unsigned ms);

#endif

/* ---- a CA, a server certificate and a registry in a temp dir ---- */

#include <openssl/ssl.h>

#include "store/registry.h"
#include "transport/ca.h"

typedef struct ts_env {
	char *dir;
	yg_ca *ca;
	yg_registry *reg;
	char db[512], ca_crt[512], srv_crt[512], srv_key[512];
} ts_env;

void ts_env_init(ts_env *env, const char *tag);
void ts_env_free(ts_env *env);
/* Registers an agent and gives it a key + certificate signed by ca (the
 * env's when NULL): dir/<name>.key and .crt. */
void ts_env_agent(ts_env *env, yg_ca *ca, const char *name, char id[12], char key[512],
                  char crt[512]);

/* A blocking raw TLS client (no yagura code on the client side): connects
 * to 127.0.0.1:port, max_version 0 = TLS 1.3 only. cert/key may be NULL.
 * Returns NULL if the handshake failed. *fd gets the socket. */
SSL *ts_raw_connect(uint16_t port, const char *ca, const char *cert, const char *key,
                    int max_version, int *fd);
void ts_raw_close(SSL *ssl, int fd);
/* Sends a frame. */
bool ts_raw_send(SSL *ssl, uint8_t type, const void *payload, size_t len);
/* Reads one frame (5 s timeout): returns its type, payload into buf
 * (truncated to cap), *len its length; -1 on EOF/error/timeout. */
int ts_raw_read(SSL *ssl, uint8_t *buf, size_t cap, size_t *len);
/* A log sink that keeps every line; ts_log_has() searches them. */
void ts_log_fn(void *ctx, int level, const char *msg);
bool ts_log_has(const char *needle);
void ts_log_clear(void);
