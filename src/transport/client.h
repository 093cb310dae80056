/* client.h: the agent's side of the transport.
 *
 * A yg_tclient keeps one TLS 1.3 connection to the manager, authenticated
 * both ways: it presents the agent's key + certificate and verifies the
 * manager's certificate against the CA file and the host name or IP it
 * connects to. It sends HELLO, waits for the first ACK (the manager's last
 * committed seq), then streams EVENTS pulled from the caller (the agent's
 * disk spool) with at most `window` unacked events in flight.
 *
 * Threads: the client runs its own libevent loop in its own thread (the
 * agent's other modules are free to block). All callbacks are called from
 * that thread. yg_tclient_notify() may be called from any thread. Name resolution (getaddrinfo)
 * happens in the client thread.
 *
 * Delivery: every event is kept by the caller until on_ack() covers it.
 * After any drop the client reconnects (1 s .. 60 s exponential backoff
 * with jitter, reset after a successful HELLO) and resends everything after
 * the last ACK; the manager drops what it already has (server.h says who
 * guarantees what). Why a connection dropped is logged.
 *
 * Fail-over: with several servers, the client uses the first; after
 * max_retries failed attempts in a row on the one it uses (a connection
 * that never got its HELLO answered counts as failed) it moves to the next,
 * after the last back to the first. A working connection that is lost is
 * retried on the same server first, as Wazuh's agent does. Whatever the
 * server, sending resumes after the highest seq any manager acknowledged:
 * a manager that has committed less (another node) receives only what comes
 * after it, so nothing is sent twice across a fail-over (those managers
 * must share agents' keys: the same CA and registry). */
#ifndef YAGURA_TRANSPORT_CLIENT_H
#define YAGURA_TRANSPORT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "transport/tcommon.h"

typedef struct yg_tclient yg_tclient;
typedef struct yg_tbatch yg_tbatch;

/* Adds the event with sequence number seq to the batch being built. The
 * first add fixes the batch's first seq; each next one must be the previous
 * seq + 1 (else YG_EINVAL). YG_ELIMIT when the batch is full (record count
 * or 1 MiB frame): the record was not added, stop and return. A record must
 * be smaller than 1 MiB - 16 bytes to fit any batch: the spool must refuse
 * bigger events, or they would block the stream. */
yg_err yg_tbatch_add(yg_tbatch *b, uint64_t seq, const void *rec, size_t len);

typedef struct yg_tclient_callbacks {
	void *ctx;
	/* Fills b with the events after after_seq that exist now, in order,
	 * starting with the first seq > after_seq the caller still has. Adding
	 * nothing means "nothing new" (call yg_tclient_notify() when there is;
	 * the client also polls every second). */
	void (*next_batch)(void *ctx, uint64_t after_seq, yg_tbatch *b);
	/* Every event with seq <= seq is committed by the manager. */
	void (*on_ack)(void *ctx, uint64_t seq);
	/* Optional. json is not NUL-terminated. */
	void (*on_ar_request)(void *ctx, uint64_t req_id, const char *json, size_t len);
	/* Optional. connected = true after the manager answered HELLO; why is
	 * then the manager's "host:port", else why the connection ended. */
	void (*on_state)(void *ctx, bool connected, const char *why);
	yg_tlog_fn log; /* NULL: warnings to stderr */
} yg_tclient_callbacks;

/* One manager of a fail-over list. */
typedef struct yg_tclient_server {
	const char *host; /* name or IP (checked against its cert) */
	uint16_t port;
	unsigned max_retries;      /* failed attempts before the next; 0 = 5 */
	unsigned retry_interval_s; /* caps the backoff on it; 0 = backoff_max_ms */
} yg_tclient_server;

typedef struct yg_tclient_config {
	const char *host;                 /* manager name or IP (checked against its cert); */
	uint16_t port;                    /* ignored when servers is set */
	const yg_tclient_server *servers; /* fail-over list, in order (copied) */
	size_t nservers;                  /* 1 .. 64 */
	const char *ca_cert;              /* the manager's CA (PEM file) */
	const char *cert;                 /* the agent's certificate (PEM file) */
	const char *key;                  /* the agent's key (PEM file) */
	const char *name;                 /* agent name for HELLO */
	const char *version;              /* agent version for HELLO and keepalives */
	uint64_t acked_seq;               /* what the caller already knows is committed */
	uint32_t window;                  /* max unacked events in flight; 0 = 5000 */
	unsigned keepalive_s;             /* 0 = 10; the manager must hear from us in 3x */
	unsigned backoff_min_ms;          /* 0 = 1000 */
	unsigned backoff_max_ms;          /* 0 = 60000 */
	unsigned max_eps;                 /* events sent per second at most; 0 = no limit */
	yg_tclient_callbacks cb;
} yg_tclient_config;

/* Loads the TLS material and starts the client thread, which connects at
 * once. Errors (bad config, unreadable TLS files) go to diag. */
yg_err yg_tclient_create(const yg_tclient_config *cfg, yg_diag *diag, yg_tclient **out);
/* Stops the thread and closes the connection. NULL is allowed. Not from a
 * callback. */
void yg_tclient_destroy(yg_tclient *cl);

/* Any thread: new events exist, pull them. */
void yg_tclient_notify(yg_tclient *cl);
/* Any thread: whether the manager has answered HELLO on the current
 * connection. */
bool yg_tclient_connected(yg_tclient *cl);

#endif
