/* server_int.h: the server's internal state, shared by server.c (loop,
 * listener, commands, connection life) and server_conn.c (frames). */
#ifndef YAGURA_TRANSPORT_SERVER_INT_H
#define YAGURA_TRANSPORT_SERVER_INT_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <pthread.h>

#include "transport/server.h"

#define AGENT_BUCKETS 4096
#define HOST_BUCKETS 1024

/* Unauthenticated connections from one address. */
typedef struct ts_host {
	char host[48];
	unsigned n;
	struct ts_host *next;
} ts_host;

/* Per agent id, kept for the server's lifetime across connections. */
typedef struct ts_agent {
	uint32_t id;
	uint64_t committed;   /* highest seq known committed */
	uint64_t handed;      /* highest seq handed to on_events */
	double tokens;        /* rate-limit bucket */
	uint64_t tokens_ms;   /* when tokens was last refilled */
	struct ts_conn *conn; /* current connection after HELLO (under mu) */
	struct ts_agent *next;
} ts_agent;

enum { CONN_HANDSHAKE, CONN_WAIT_HELLO, CONN_READY, CONN_CLOSING };

typedef struct ts_conn {
	yg_tserver *srv;
	struct bufferevent *bev;
	int state;
	char peer[64];
	char id[12]; /* "" until authenticated */
	uint32_t idnum;
	ts_host *unauth;          /* counted there until HELLO (NULL after) */
	ts_agent *ag;             /* set at HELLO */
	uint64_t auth_checked_ms; /* last registry check of id (server_conn.c) */
	bool paused_full, paused_rate;
	struct event *rate_timer;
	yg_tbuf *recs; /* scratch for parsing EVENTS */
	size_t recs_cap;
	struct ts_conn *prev, *next;
} ts_conn;

struct yg_tserver {
	yg_tserver_config cfg;
	struct event_base *base;
	struct evconnlistener *lis;
	struct event *wake, *relisten;
	SSL_CTX *ssl;
	pthread_t thread;
	bool started;
	uint16_t port;
	size_t nconns;
	ts_conn *conns;        /* every connection (server thread only) */
	size_t nunauth;        /* connections not past HELLO */
	unsigned accept_burst; /* accepted since the listener last paused */
	ts_host *hosts[HOST_BUCKETS];
	long long refused_logged_ms; /* refusals are logged at most every 10 s */
	unsigned long long refused;  /* since then */
	pthread_mutex_t mu;          /* guards agents, ag->conn, cmds, nready */
	ts_agent *agents[AGENT_BUCKETS];
	size_t nready;
	struct ts_cmd *cmds, *cmds_tail;
};

/* server.c */
ts_agent *ts_agent_get(yg_tserver *srv, uint32_t id, bool create);
void ts_conn_close(ts_conn *c, const char *reason);
/* c passed HELLO: it no longer counts against the unauthenticated limits. */
void ts_conn_authed(ts_conn *c);
void ts_conn_error(ts_conn *c, const char *reason);
void ts_send(ts_conn *c, uint8_t type, bool with_id, uint64_t id, const void *data, size_t len);
void ts_send_ack(ts_conn *c);

/* server_conn.c */
void ts_conn_authenticate(ts_conn *c);
void ts_conn_process(ts_conn *c);

#endif
