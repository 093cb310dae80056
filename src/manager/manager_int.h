/* manager_int.h: the manager's state, shared by its files.
 *
 *   manager.c   life cycle: configuration, start-up, the event loop, signals
 *   sources.c   the local sources (FIM, log collection) feeding the pipeline
 *   pipeline.c  events -> engine workers -> one commit -> alerts.json
 *   util.c      the manager's own log (paths, pid file: common/ydaemon.h) */
#ifndef YAGURA_MANAGER_INT_H
#define YAGURA_MANAGER_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/ybuf.h"
#include "common/ydaemon.h"
#include "common/ylog.h"
#include "fim/fim_input.h"
#include "manager/manager.h"
#include "manager/pipeline.h"
#include "outputs/alerts_log.h"
#include "store/alerts.h"

/* Numbered messages of the manager's own log. */
enum {
	MSG_STARTED = 1001,
	MSG_STOPPING = 1002,
	MSG_STOPPED = 1003,
	MSG_FIM_READY = 1004,
	MSG_RULESET = 1005,
	MSG_RELOADED = 1006,
	MSG_RELOAD_REFUSED = 1007,
	MSG_CONFIG = 1008,
	MSG_ALERT_WRITE = 1009,
	MSG_STORE = 1010,
	MSG_ENGINE = 1011,
	MSG_INIT = 1012,
	MSG_LC_COMMIT = 1013,
	MSG_COMMIT = 1014,
	MSG_RECOVERED = 1015,
	MSG_PIPELINE = 1016,
	MSG_AGENTS = 1017,
	MSG_RESPOND = 1018,
	MSG_API = 1019,
	MSG_SYSLOG = 1040, /* remote syslog listeners */
};

typedef struct manager {
	const yg_manager_opts *opts;
	yg_manager_config cfg;
	struct yg_log *log; /* common/ylog.h */
	yg_ruleset *rs;
	yg_pipeline *pipe;
	yg_alerts_log *alerts;
	yg_alerts_log *archives;     /* <logall_json>: every event; NULL without */
	yg_alerts_log *archives_log; /* <logall>: every event as text; NULL without */
	yg_alert_store *store;
	/* local sources */
	yg_fim *fim;
	yg_fim_input fim_in;
	bool fim_more;  /* FIM holds events the pipeline refused */
	bool fim_ready; /* the first baseline is done (logged once) */
	yg_lc *lc;
	yg_buf line;                    /* a JSON line with its labels */
	bool lc_dirty;                  /* lines were accepted since the last commit */
	bool lc_more;                   /* the collector stopped at a full batch */
	long long commit_error_logged;  /* ms, to log failures once in a while */
	long long commit_failing_since; /* ms; 0 while commits work */
	struct yg_agents *agents;       /* NULL without <remote> */
	struct yg_respond *respond;     /* tickets, integrations, responses */
	struct yg_api_wire *api;        /* NULL without <api> */
	struct yg_mmetrics *metrics;    /* the snapshot /health and /metrics show */
	struct yg_syslogd *syslogd;     /* NULL without a syslog <remote> */
} manager;

/* One numbered message to the manager's own log: the journal under
 * systemd, else HOME/logs/yagura.log (also stderr in the foreground, or
 * before the log is open); escaped and rate limited (yg_log_msg, the one
 * daemon log of common/ylog.h). Never fails visibly. */
#define mlog(m, ...) yg_log_msg((m)->log, __VA_ARGS__)
/* Every configuration problem of d, never rate limited. */
#define print_diag_to_log(m, d) yg_log_diag((m)->log, MSG_CONFIG, (d))

/* Opens FIM and log collection as m->cfg says (positions in db_path, the
 * store's database). false (logged through d) on failure. */
bool sources_open(manager *m, const char *db_path, yg_diag *d);
/* Stops FIM (its undelivered events are offered once more), then the
 * collector. The caller commits before (positions) and after (what FIM
 * offered). */
void sources_close_fim(manager *m);
void sources_close_lc(manager *m);

/* Remote syslog (syslog_wire.c): binds the syslog <remote> listeners;
 * false (logged) when one cannot listen. Messages go to the pipeline with
 * the sender's address as location. */
bool syslog_open(manager *m);
void syslog_close(manager *m);
/* Reads what the listeners have, while the pipeline takes it. */
void syslog_poll(manager *m);

#endif
