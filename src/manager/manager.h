/* manager.h: `yagura manager`, the single-machine daemon.
 *
 * Reads an ossec.conf-format configuration (several <ossec_config> blocks per
 * file, several files), then runs one thread that waits on the FIM and
 * log-collection descriptors, passes every event through the engine and
 * writes the alerts to logs/alerts/alerts.json and the SQLite alert store.
 *
 * Home layout (HOME = -D):
 *   HOME/logs/alerts/alerts.json   alerts, Wazuh's format and rotation
 *   HOME/logs/yagura.log           the manager's own numbered messages
 *   HOME/var/db/{fim,logcollector,alerts}.db
 *   HOME/var/run/yagura.pid
 * docs/manager.md describes the behaviour. */
#ifndef YAGURA_MANAGER_H
#define YAGURA_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "api/api.h"
#include "ar/ar_config.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/engine.h"
#include "fim/fim.h"
#include "integrations/config.h"
#include "integrations/email.h"
#include "integrations/syslog_out.h"
#include "logcollector/lc.h"
#include "manager/syslog_in.h"
#include "tickets/tickets.h"
#include "waf/waf.h"

/* <remote>: the agents' listener (TLS). */
typedef struct yg_remote_config {
	bool enabled;     /* a <remote> block is present */
	char address[64]; /* <local_ip>; "" = every address */
	int port;         /* default 1514 */
	int agent_eps;    /* <agent_events_per_second> per agent; 0 = no limit */
} yg_remote_config;

/* <auth>: enrolment (only when <remote> is enabled). yagura never enrols
 * without a secret: use_password no means one-time tokens only. */
typedef struct yg_auth_config {
	bool disabled;
	int port;          /* default 1515 */
	bool use_password; /* HOME/etc/authd.pass; default yes */
	bool force;        /* a known name replaces the old agent */
} yg_auth_config;

/* Everything the configuration files say, parsed and checked. */
typedef struct yg_manager_config {
	yg_ruleset_config *rules; /* <ruleset> blocks (Wazuh's default dirs when none) */
	yg_fim_config *fim;       /* every <syscheck> block */
	yg_lc_config *lc;         /* every <localfile> block */
	int log_alert_level;      /* <alerts><log_alert_level>, default 1 */
	yg_remote_config remote;
	yg_rsyslog_config rsyslog; /* <remote> blocks with <connection>syslog */
	yg_auth_config auth;
	yg_ar_config *ar;           /* <command>, <active-response>, <global><white_list> */
	yg_intg_config *intg;       /* <integration> */
	yg_tickets_config *tickets; /* <tickets> (default routes without one) */
	yg_waf_config *waf;         /* <waf>: the manager's own WAF, if it has one */
	bool has_waf;
	yg_api_config *api;       /* <api>: the REST API and web UI */
	bool has_api;             /* served only when an <api> block is present */
	yg_syslog_config *syslog; /* <syslog_output> blocks */
	bool logall_json;         /* <global><logall_json>: logs/archives/archives.json */
	yg_email_config *email;   /* <global> e-mail options, <email_alerts> (into intg) */
} yg_manager_config;

/* Reads the nconf files (absolute or relative to the cwd) with relative
 * ruleset paths resolved against home. Every problem goes to diag with
 * file:line; unknown blocks are warnings. Returns YG_OK, YG_EPARSE when
 * there was an error (cfg is still filled with what was valid), YG_ENOMEM.
 * The caller frees cfg with yg_manager_config_free even on error. */
yg_err yg_manager_config_read(yg_manager_config *cfg, const char *const *conf, size_t nconf,
                              const char *home, yg_diag *diag);
void yg_manager_config_free(yg_manager_config *cfg);
/* Prints the effective configuration as ossec.conf XML (`-t --print`);
 * the blocks without an option table yet are summed up in a comment. */
void yg_manager_config_print(const yg_manager_config *cfg, FILE *out);

typedef struct yg_manager_opts {
	const char *const *conf; /* configuration files, at least one */
	size_t nconf;
	const char *home; /* the home directory (made absolute) */
	bool foreground;  /* -f: no fork, messages also on stderr */
	bool test_only;   /* -t: check the configuration and exit */
	unsigned workers; /* -j: analysis workers; 0 = one per CPU, at most 8 */
	bool recover_db;  /* --recover-db: damaged databases of HOME/var/db set aside and
	                   * salvaged before the start (outputs/db_salvage.h) */
} yg_manager_opts;

/* Runs the manager; returns the process exit status (0 on a clean stop). */
int yg_manager_run(const yg_manager_opts *opts);

#endif
