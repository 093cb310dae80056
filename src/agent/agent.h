/* agent.h: `yagura agent`, the agent daemon (Wazuh's wazuh-agentd +
 * logcollector + syscheckd + execd in one process).
 *
 * It collects logs (<localfile>) and file changes (<syscheck>), writes each
 * event into the disk spool (spool.h) before anything else, and a transport
 * client (transport/client.h, its own thread) streams the spool to the
 * manager over TLS, resending after any drop until the manager acknowledges.
 * It runs the manager's active responses (execd, or the built-in WAF ban) and
 * the built-in YARA scanner; every result becomes an event in the spool.
 *
 * Home layout (HOME = -D):
 *   etc/ossec.conf                     configuration (default -c)
 *   etc/agent.key, agent.crt, ca.crt   TLS identity, written by `yagura enroll`
 *   etc/agent.id                       "<id> <name>\n", written by `yagura enroll`
 *   var/db/fim.db                      FIM baseline
 *   var/db/agent.db                    collector positions (rebuilt at start
 *                                      from the spool's state frame)
 *   var/db/execd.db, var/db/bans.db    pending AR deletes, WAF ban ledger
 *   queue/spool/                       the disk spool
 *   active-response/bin/               AR programs
 *   logs/yagura-agent.log              numbered messages YG-2xxx
 *   logs/active-responses.log          execd's and the scripts' lines
 *   var/run/yagura-agent.pid           locked for the agent's life
 * docs/agent.md describes the behaviour. */
#ifndef YAGURA_AGENT_H
#define YAGURA_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/engine.h"
#include "fim/fim.h"
#include "logcollector/lc.h"
#include "waf/waf.h"
#include "yarascan/yarascan.h"

#define YG_AGENT_HOST_MAX 256
#define YG_AGENT_SERVERS_MAX 16
/* <labels>: at most YG_EVREC_MAX_LABELS (64) labels, keys of at most 256
 * bytes, and all keys and values together at most 8 KiB (every event
 * carries them). */
#define YG_AGENT_LABEL_KEY_MAX 256
#define YG_AGENT_LABELS_BYTES_MAX 8192
/* Wazuh's agent.min_eps: a lower <events_per_second> is raised to it. */
#define YG_AGENT_MIN_EPS 50

/* One <client><server>: tried in order, see docs/agent.md (fail-over). */
typedef struct yg_agent_server {
	char address[YG_AGENT_HOST_MAX]; /* <address> */
	int port;                        /* <port>, default 1514 */
	int max_retries;                 /* <max_retries>, default 5 */
	int retry_interval;              /* <retry_interval>, default 10 s */
} yg_agent_server;

/* Everything the agent's configuration files say, parsed and checked. */
typedef struct yg_agent_config {
	yg_agent_server servers[YG_AGENT_SERVERS_MAX]; /* every <client><server> */
	size_t nservers;
	int notify_time;       /* <client><notify_time>, default 10 s */
	bool has_buffer;       /* a <client_buffer> block: its rate limit applies */
	bool buffer_disabled;  /* <client_buffer><disabled>: no rate limit */
	int queue_size;        /* <client_buffer><queue_size>: events in flight */
	int events_per_second; /* <client_buffer><events_per_second>, default 500 */
	int spool_max_mb;      /* <client_buffer><spool_max_mb>, default 256 */
	yg_label *labels;      /* <labels> (strings owned), in order */
	size_t nlabels;
	bool ar_disabled;   /* <active-response><disabled> */
	yg_fim_config *fim; /* every <syscheck> */
	yg_lc_config *lc;   /* every <localfile> */
	yg_waf_config *waf; /* <waf>, when has_waf */
	bool has_waf;
	yg_yarascan_config *yara; /* <yara>, when has_yara */
	bool has_yara;
} yg_agent_config;

/* Reads the nconf files. Every problem goes to diag with file:line; unknown
 * blocks and options are warnings. Returns YG_OK, YG_EPARSE when there was
 * an error (cfg keeps what was valid), YG_ENOMEM. The caller frees cfg with
 * yg_agent_config_free, even on error. */
yg_err yg_agent_config_read(yg_agent_config *cfg, const char *const *conf, size_t nconf,
                            yg_diag *diag);
void yg_agent_config_free(yg_agent_config *cfg);

typedef struct yg_agent_opts {
	const char *const *conf; /* configuration files (absolute), at least one */
	size_t nconf;
	const char *home; /* absolute */
	bool foreground;  /* -f: no fork, messages also on stderr */
	bool test_only;   /* -t: check the configuration and exit */
} yg_agent_opts;

/* Runs the agent; returns the process exit status (0 on a clean stop). */
int yg_agent_run(const yg_agent_opts *opts);

#endif
