/* agent_int.h: the agent's state, shared by its files.
 *
 *   agent.c        life cycle: configuration, start-up, the loop, signals
 *   agent_src.c    FIM and log collection -> spool (with the collector's
 *                  positions as the spool's state frame)
 *   agent_send.c   the transport client: spool -> manager, acks, AR requests
 *   agent_ar.c     active responses (execd, built-in WAF ban) and their
 *                  results as events
 *   agent_yara.c   the built-in YARA scanner fed by FIM
 *   agent_util.c   the agent's own log, paths, internal events
 *
 * Threads: everything runs on the loop thread except the transport client's
 * callbacks (agent_send.c), which touch only the spool (it has its own
 * mutex) and the AR request queue (ar_mu + ar_efd). */
#ifndef YAGURA_AGENT_INT_H
#define YAGURA_AGENT_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/spool.h"
#include "ar/execd.h"
#include "common/ybuf.h"
#include "common/ydaemon.h"
#include "common/ylog.h"
#include "fim/fim_input.h"
#include "store/registry.h"
#include "transport/client.h"
#include "transport/tcommon.h"

/* Numbered messages of the agent's own log. */
enum {
	AMSG_STARTED = 2001,
	AMSG_STOPPING = 2002,
	AMSG_STOPPED = 2003,
	AMSG_CONFIG = 2004,
	AMSG_INIT = 2005,
	AMSG_SPOOL = 2006,
	AMSG_SPOOL_FULL = 2007,
	AMSG_TRANSPORT = 2008,
	AMSG_FIM = 2009,
	AMSG_LC = 2010,
	AMSG_AR = 2011,
	AMSG_WAF = 2012,
	AMSG_YARA = 2013,
	AMSG_RELOAD = 2014,
};

/* An AR request from the manager, waiting for the loop thread. */
typedef struct ar_req {
	uint64_t id;
	char *json; /* NUL-terminated copy */
	struct ar_req *next;
} ar_req;

/* An internal event (AR result, YARA match, buffer level) waiting for
 * spool room. */
typedef struct ievent {
	char *location;
	char *log;
	time_t when; /* when it happened: its event time */
} ievent;

/* Wazuh's agent buffer states (client-agent/buffer.c), on the spool's fill. */
enum { BUF_NORMAL, BUF_WARNING, BUF_FULL, BUF_FLOOD };

#define IEVENTS_MAX 4096
#define AR_QUEUE_MAX 1024

typedef struct agent {
	const yg_agent_opts *opts;
	yg_agent_config cfg;
	struct yg_log *log; /* common/ylog.h */
	char id[YG_AGENT_ID_MAX];
	char name[YG_AGENT_NAME_MAX + 1];
	yg_spool *spool;
	yg_buf rec;   /* one encoded event */
	yg_buf state; /* the collector's positions */
	bool spool_full;
	uint64_t full_count; /* refusals since start */
	int buf_state;       /* BUF_*: the levels reported as Wazuh's events */
	long long buf_full_ms;
	bool need_state; /* records appended since the last state frame */
	/* sources */
	yg_fim *fim;
	yg_fim_input fim_in;
	bool fim_more;
	yg_lc *lc;
	yg_buf line;             /* a JSON line with its labels */
	bool lc_more;            /* the collector was told "not now" */
	unsigned lc_since_state; /* lines appended since the last state frame */
	/* transport (callbacks in the client's thread) */
	yg_tclient *tc;
	pthread_mutex_t ar_mu;
	ar_req *ar_head, *ar_tail;
	size_t ar_count;
	uint64_t ar_dropped; /* requests refused: queue full */
	int ar_efd;
	/* responses and scans (loop thread) */
	yg_execd *execd;
	struct run_ctx *runs; /* runs whose result has not come back */
	yg_waf *waf;
	long long waf_next_tick;
	struct agent_yara *yara;
	ievent iev[IEVENTS_MAX];
	size_t niev;
	uint64_t iev_lost;
} agent;

/* One numbered message to the agent's own log: the journal under systemd,
 * else HOME/logs/yagura-agent.log (also stderr in the foreground, or before
 * the log is open); escaped and rate limited (yg_log_msg, the one daemon
 * log of common/ylog.h). Any thread; never fails visibly. */
#define alog(a, ...) yg_log_msg((a)->log, __VA_ARGS__)
/* Every configuration problem of d, never rate limited. */
#define alog_diag(a, d) yg_log_diag((a)->log, AMSG_CONFIG, (d))

/* ---- agent_src.c ---- */
/* Opens FIM and the collector (positions in var/db/agent.db, first set
 * from the spool's state frame). false (logged) on failure. */
bool src_open(agent *a);
/* Stops FIM (its pending events are offered once more) and the collector,
 * writing the last state frame. */
void src_close(agent *a);
/* One pass: FIM poll and the collector (when due or woken). */
void src_poll(agent *a, bool lc_woke, long long *last_lc);
/* Appends one event; YG_ELIMIT (spool full: logged once) or YG_EIO. */
yg_err src_append(agent *a, const yg_input *in);
/* <client_buffer> on: reports the spool's fill as Wazuh's agent buffer
 * events ("wazuh: Agent buffer: '90%'." / 'full' / 'flooded' / 'normal',
 * location wazuh-agent; rules 202-205). */
void src_buffer_levels(agent *a);
/* Writes the collector's positions as the spool's state frame and syncs,
 * making every record appended so far durable and sendable; then tells the
 * client. false on failure (logged). */
bool src_commit(agent *a);

/* ---- agent_send.c ---- */
bool send_open(agent *a);
void send_close(agent *a);
/* Takes the queued AR requests (loop thread) and runs them. */
void send_drain_ar(agent *a);

/* ---- agent_ar.c ---- */
bool ar_open(agent *a);
void ar_close(agent *a);
/* Runs one AR request {"message": {...}, "timeout": N}. */
void ar_handle(agent *a, uint64_t req_id, const char *json);
/* Due work of execd and the WAF (loop thread). */
void ar_tick(agent *a);
int ar_timeout_ms(agent *a);
int ar_fd(agent *a);

/* ---- agent_yara.c ---- */
bool yara_open(agent *a);
void yara_close(agent *a);
/* A FIM event: added/modified files under <yara><directories> are tracked. */
void yara_notify(agent *a, const yg_fim_event *ev);
void yara_tick(agent *a);
int yara_timeout_ms(agent *a);

/* ---- agent_util.c ---- */
/* Queues an internal event (copied); it reaches the spool at the next
 * ievent_flush. Bounded: beyond IEVENTS_MAX the event is only logged. */
void ievent_add(agent *a, const char *location, const char *log);
/* Appends the queued internal events while the spool has room, then
 * commits. */
void ievent_flush(agent *a);
/* The active-response result event as a JSON line (yagura's internal event
 * format, rules 990040/990041), queued. */
void ar_event(agent *a, const char *event, const char *program, const char *command,
              const char *srcip, const char *message);

#endif
