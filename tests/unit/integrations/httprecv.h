/* httprecv.h: a small real HTTP receiver for the integration tests.
 *
 * Listens on 127.0.0.1 (port 0: any free port), one thread, one request per
 * connection (Connection: close), Content-Length bodies. Records method,
 * path, headers and body of every request and answers with a settable
 * status. */
#ifndef YAGURA_TEST_HTTPRECV_H
#define YAGURA_TEST_HTTPRECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct th_req {
	char method[16];
	char path[1024];
	char *head; /* the header lines, "\r\n" separated */
	char *body; /* NUL-terminated */
	size_t body_len;
} th_req;

typedef struct th_server th_server;

/* Starts a receiver on 127.0.0.1:port (0 = any); NULL on failure. */
th_server *th_start(uint16_t port);
uint16_t th_port(const th_server *s);
/* Status of the following answers (default 200). */
void th_set_status(th_server *s, int status);
size_t th_count(th_server *s);
/* Request i (< count); stays valid until th_stop. */
const th_req *th_get(th_server *s, size_t i);
/* Waits until at least n requests arrived; false on timeout. */
bool th_wait(th_server *s, size_t n, unsigned timeout_ms);
/* The value of header `name` (case-insensitive) of r, copied into out. */
bool th_header(const th_req *r, const char *name, char *out, size_t outlen);
/* Closes the socket, joins the thread, frees everything. */
void th_stop(th_server *s);

#endif
