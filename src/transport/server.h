/* server.h: the manager's side of the agent transport.
 *
 * A yg_tserver listens for agents on TCP, speaks TLS 1.3 only, and requires
 * a client certificate signed by the CA. After the handshake the
 * certificate's serial is looked up in the registry: unknown, removed or
 * revoked agents are refused (logged with the peer address) and the
 * connection is closed. The agent then sends HELLO and the server answers
 * with ACK(last committed seq); from there the agent streams EVENTS.
 *
 * Threads: the server runs its own libevent loop in its own thread; every
 * callback below is called from that thread, one at a time. No thread per
 * connection: thousands of agents share the loop (ulimit -n permitting).
 * yg_tserver_ack(), _send_ar() and _resume() may be called from any thread:
 * they queue a command and wake the loop.
 *
 * Who guarantees what (exactly-once commit of agent events):
 *  - The AGENT numbers its events 1, 2, 3... (per agent, never reused,
 *    strictly increasing), keeps each one until an ACK covers it, and after
 *    a reconnect resends from its first unacked seq.
 *  - The SERVER hands each seq to on_events() at most once per server
 *    lifetime, in increasing order: it drops every record whose seq is <=
 *    max(last_committed_seq from the registry, the highest seq it already
 *    handed over for that agent, whatever connection it came on). A batch
 *    refused with FULL or held by the rate limit is offered again later,
 *    never dropped. Gaps (the agent lost events) are passed through and
 *    logged.
 *  - The MANAGER commits the events it accepted together with
 *    yg_registry_set_seq_in(agent, last seq) in the same SQLite transaction,
 *    in the order it received them, and only then calls yg_tserver_ack(). If
 *    the manager dies before committing, the new server reads the old
 *    last_committed_seq and the agent's resend fills the hole.
 *  - An ACK is only ever sent for committed seqs (the registry value at
 *    HELLO, on each keepalive, and what yg_tserver_ack() says).
 *
 * Back-pressure: on_events() returning YG_TS_FULL means "not taken": the
 * server stops reading that connection and offers the same batch again
 * after yg_tserver_resume(). The per-agent rate limit (token bucket) also
 * only pauses reading. Nothing is ever dropped for being too fast. */
#ifndef YAGURA_TRANSPORT_SERVER_H
#define YAGURA_TRANSPORT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "store/registry.h"
#include "transport/tcommon.h"

typedef struct yg_tserver yg_tserver;

typedef enum yg_ts_verdict {
	YG_TS_ACCEPT = 0, /* taken (the manager now owns committing it) */
	YG_TS_FULL = 1,   /* not taken: pause this agent until resume() */
} yg_ts_verdict;

typedef struct yg_tserver_callbacks {
	void *ctx;
	/* Records are views into the connection's buffer, valid only during
	 * the call; they are seqs first_seq .. first_seq + count - 1. */
	yg_ts_verdict (*on_events)(void *ctx, const char *agent_id, uint64_t first_seq,
	                           uint32_t count, const yg_tbuf records[]);
	/* Optional. After HELLO. peer is "ip:port". */
	void (*on_connect)(void *ctx, const char *agent_id, const char *name, const char *version,
	                   const char *peer);
	/* Optional. The agent's connection ended (reason for a person). */
	void (*on_disconnect)(void *ctx, const char *agent_id, const char *reason);
	/* Optional. The keepalive JSON (stats), not NUL-terminated. */
	void (*on_keepalive)(void *ctx, const char *agent_id, const char *json, size_t len);
	yg_tlog_fn log; /* NULL: warnings to stderr */
} yg_tserver_callbacks;

/* Descriptors the agent listener leaves to the rest of the manager (API,
 * enrolment, stores, responses, collected files) when it sizes itself on
 * RLIMIT_NOFILE. */
#define YG_TSERVER_FD_RESERVE 448

typedef struct yg_tserver_config {
	const char *address;          /* numeric address to bind; NULL = "0.0.0.0" */
	uint16_t port;                /* 0 = any free port (see yg_tserver_port) */
	const char *ca_cert;          /* PEM: agents' certificates must chain to it */
	const char *cert;             /* server certificate (chain) PEM file */
	const char *key;              /* server key PEM file */
	yg_registry *registry;        /* not owned; must outlive the server */
	unsigned keepalive_s;         /* agents' interval; silent 3x longer = gone. 0 = 10 */
	double rate_eps;              /* events/s per agent; 0 = no limit */
	double rate_burst;            /* bucket size in events; 0 = rate_eps (at least 1) */
	unsigned max_conns;           /* 0 = 16384; never more than the descriptor limit
	                               * less YG_TSERVER_FD_RESERVE */
	unsigned max_unauth;          /* connections not past HELLO yet; 0 = 1024 (and at
	                               * most half of max_conns). The oldest is dropped
	                               * for a new one at the cap */
	unsigned max_unauth_per_addr; /* of those from one address; 0 = 32 */
	unsigned handshake_s;         /* TLS + HELLO must finish within; 0 = 10 */
	yg_tserver_callbacks cb;
} yg_tserver_config;

/* Binds, loads the TLS material and starts the server thread. Errors go to
 * diag (may be NULL): YG_EINVAL (config, TLS files), YG_EIO (bind). */
yg_err yg_tserver_create(const yg_tserver_config *cfg, yg_diag *diag, yg_tserver **out);
/* Stops the thread, closes every connection (agents see a drop and will
 * resend what was not acked; on_disconnect is called for each, from the
 * caller's thread). NULL is allowed. Call from outside the callbacks. Agents
 * left "active" in the registry by a previous run are set "disconnected" by
 * create(). */
void yg_tserver_destroy(yg_tserver *srv);
/* The bound port (useful with port 0). */
uint16_t yg_tserver_port(const yg_tserver *srv);

/* Any thread. Every event of agent_id with seq <= seq is committed: the
 * agent may forget them. */
yg_err yg_tserver_ack(yg_tserver *srv, const char *agent_id, uint64_t seq);
/* Any thread. Queues an AR_REQUEST; YG_ENOTFOUND if the agent is not
 * connected now (the request is not kept). json: NUL-terminated. */
yg_err yg_tserver_send_ar(yg_tserver *srv, const char *agent_id, uint64_t req_id, const char *json);
/* Any thread. Every connection paused by YG_TS_FULL reads again (and its
 * held batch is offered first). */
void yg_tserver_resume(yg_tserver *srv);

/* Any thread. Number of agents connected (after HELLO). */
size_t yg_tserver_connected(yg_tserver *srv);
/* Any thread. Whether agent_id is connected now. */
bool yg_tserver_is_connected(yg_tserver *srv, const char *agent_id);

#endif
