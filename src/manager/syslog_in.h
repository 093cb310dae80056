/* syslog_in.h: remote syslog input, Wazuh's <remote><connection>syslog.
 *
 * Listeners on UDP or TCP (RFC 6587 framing, syslog_frame.h). A message is
 * accepted only from an address in an <allowed-ips> entry and in no
 * <denied-ips> entry (Wazuh's OS_IPNotAllowed: denied first, then allowed,
 * anything else denied); others are dropped and counted (for TCP the
 * connection is closed at once). The message, without a leading "<PRI>",
 * goes to the consumer with the sender's address, which the manager uses as
 * the event's location, as Wazuh's remoted does.
 *
 * Limits: every message is cut to max_msg bytes; at most max_conns TCP
 * connections, max_conns_per_ip from one address (more are closed at
 * accept and counted); a TCP connection that sent nothing for idle_timeout
 * seconds is closed (counted and logged), so a client cannot hold a
 * connection slot and its buffers forever. Back-pressure: when the consumer refuses a message,
 * reading stops (the datagram, or the connection's message and unread
 * bytes, wait in memory; UDP then waits in the kernel's buffer) and the
 * same message is offered again at the next poll.
 *
 * Driven by the caller's loop, in its thread: fd() is readable when a
 * socket is; poll() does what is ready without blocking. */
#ifndef YAGURA_MANAGER_SYSLOG_IN_H
#define YAGURA_MANAGER_SYSLOG_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"
#include "waf/addr.h"

#define YG_SYSLOG_DEFAULT_PORT 514
#define YG_SYSLOG_DEFAULT_MAX_MSG 65536
#define YG_SYSLOG_DEFAULT_MAX_CONNS 256
#define YG_SYSLOG_DEFAULT_MAX_CONNS_PER_IP 16
#define YG_SYSLOG_DEFAULT_IDLE_TIMEOUT 300

/* One <remote> block with <connection>syslog</connection>. */
typedef struct yg_syslog_listen_cfg {
	char address[64];      /* <local_ip>; "" = every IPv4 address */
	int port;              /* <port>, default 514 */
	bool tcp;              /* <protocol>: tcp (Wazuh 4.x's default) or udp */
	bool allow_any;        /* an <allowed-ips> of "any", 0.0.0.0/0 or ::/0 */
	yg_waf_allow *allow;   /* <allowed-ips> */
	yg_waf_allow *deny;    /* <denied-ips> */
	size_t max_msg;        /* <max_message_size>, bytes */
	int max_conns;         /* <max_connections> (TCP) */
	int max_conns_per_ip;  /* <max_connections_per_ip> (TCP) */
	uint32_t idle_timeout; /* <idle_timeout> (TCP), seconds, default 300 */
} yg_syslog_listen_cfg;

/* Every syslog <remote> block. */
typedef struct yg_rsyslog_config {
	yg_syslog_listen_cfg *l;
	size_t n;
} yg_rsyslog_config;

void yg_rsyslog_config_free(yg_rsyslog_config *c);

/* Whether `ip` (text, as inet_ntop writes it) may send to l. */
bool yg_syslog_allowed(const yg_syslog_listen_cfg *l, const char *ip);

typedef struct yg_syslogd yg_syslogd;

/* Receives each message: the sender's address and the message (NUL-
 * terminated, `len` bytes, NUL bytes already replaced by spaces). 0 when
 * accepted, anything else: not now (offered again at the next poll). */
typedef int (*yg_syslogd_emit)(void *ctx, const char *srcip, const char *msg, size_t len);
/* Numbered messages: level 2 warning, 3 error. */
typedef void (*yg_syslogd_log)(void *ctx, int level, const char *msg);

/* Binds every listener of cfg (which must outlive it). On failure, NULL
 * and the reason in err. */
yg_syslogd *yg_syslogd_create(const yg_rsyslog_config *cfg, yg_syslogd_emit emit, void *ctx,
                              yg_syslogd_log log, void *logctx, char *err, size_t errlen);
void yg_syslogd_destroy(yg_syslogd *s);

/* Readable when a socket is (an epoll descriptor). */
int yg_syslogd_fd(const yg_syslogd *s);
/* Reads what is ready, without blocking, and closes connections idle for
 * their idle_timeout (checked once a second: call it at least that often);
 * returns the messages accepted. */
size_t yg_syslogd_poll(yg_syslogd *s);
/* A refused message waits: poll again once the consumer has room. */
bool yg_syslogd_blocked(const yg_syslogd *s);

typedef struct yg_syslogd_stats {
	uint64_t messages;      /* accepted by the consumer */
	uint64_t denied;        /* UDP messages and TCP connections from disallowed addresses */
	uint64_t truncated;     /* messages cut to max_msg */
	uint64_t conns;         /* TCP connections accepted */
	uint64_t conns_refused; /* over max_conns / max_conns_per_ip */
	uint64_t conns_idle;    /* closed after idle_timeout without a byte */
} yg_syslogd_stats;

void yg_syslogd_get_stats(const yg_syslogd *s, yg_syslogd_stats *out);

#endif
