/* syslog_out.h: Wazuh's <syslog_output>: committed alerts sent to syslog
 * servers over UDP, as wazuh-csyslogd does.
 *
 *   <syslog_output>
 *     <server>192.0.2.10</server>  <port>514</port>
 *     <level>7</level>  <group>authentication_failed|sshd,</group>
 *     <rule_id>5716, 5720</rule_id>  <location>/var/log/auth.log</location>
 *     <use_fqdn>no</use_fqdn>  <format>default|json|cef|splunk</format>
 *   </syslog_output>
 *
 * Filters have csyslogd's meaning: `level` a minimum, `rule_id` a list,
 * `group` an OS_Match pattern against the alert's groups written as
 * "g1,g2," (hence Wazuh's "finish every group with a comma"), `location`
 * an OS_Match pattern against the alert's location. Messages carry
 * csyslogd's priority 132 (local0.warning), the alert's time as a syslog
 * timestamp and the manager's host name (cut at the first '.' unless
 * use_fqdn). Formats, as csyslogd writes them:
 *
 *   default  "ossec: Alert Level: N; Rule: ID - DESC; Location: LOC;
 *            srcip: ..; dstip: ..; user: ..; Previous MD5: ..; ... LOG"
 *   json     "ossec: " + the alert JSON as committed
 *   cef      "CEF:0|Wazuh|Wazuh|VERSION|ID|DESC|min(level,10)|dvc=HOST
 *            cs2=LOC cs2Label=Location src=.. suser=.. dst=.. msg=LOG"
 *   splunk   "ossec: crit=N id=ID description=\"..\" component=\"LOC\",
 *            classification=\"GROUPS\", src_ip=\"..\", ... message=\"LOG\""
 *
 * UDP is fire and forget (as csyslogd): a message the network or the
 * server loses is lost; send errors are counted. Each message is at most
 * YG_SYSLOG_MAX bytes: the log is cut to fit, a JSON alert that does not
 * fit is not sent (counted, logged). */
#ifndef YAGURA_INTG_SYSLOG_OUT_H
#define YAGURA_INTG_SYSLOG_OUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/osmatch.h"
#include "engine/wxml.h"

#define YG_SYSLOG_MAX 65000        /* bytes of one datagram */
#define YG_SYSLOG_PRIORITY 132     /* local0 (16) * 8 + warning (4), csyslogd's */
#define YG_SYSLOG_CEF_VERSION "v4" /* the version field of CEF headers */

typedef enum yg_syslog_format {
	YG_SYSLOG_DEFAULT,
	YG_SYSLOG_JSON,
	YG_SYSLOG_CEF,
	YG_SYSLOG_SPLUNK,
} yg_syslog_format;

/* One <syslog_output> block, immutable once added. */
typedef struct yg_syslog_def {
	char *server; /* address or host name */
	unsigned port;
	unsigned level;     /* 0: no level filter */
	yg_osmatch *group;  /* NULL: no filter */
	unsigned *rule_ids; /* NULL: no filter */
	size_t nrule_ids;
	yg_osmatch *location; /* NULL: no filter */
	bool use_fqdn;
	int format; /* yg_syslog_format */
	char *file; /* where it was configured */
	int line;
} yg_syslog_def;

typedef struct yg_syslog_config yg_syslog_config;

/* The option table of one block (src/common/yopt.h), over a yg_syslog_def. */
struct yg_opt_block;
extern const struct yg_opt_block yg_syslog_block;

yg_syslog_config *yg_syslog_config_create(void);
void yg_syslog_config_destroy(yg_syslog_config *cfg);
/* Reads one <syslog_output> element; every bad option is reported as
 * file:line: element: reason and the block is not added (YG_EPARSE). */
yg_err yg_syslog_config_add(yg_syslog_config *cfg, const yg_wxml_node *node, const char *file,
                            yg_diag *diag);
/* Prints each <syslog_output> block as ossec.conf XML. */
void yg_syslog_config_print(const yg_syslog_config *cfg, FILE *out);
size_t yg_syslog_config_count(const yg_syslog_config *cfg);
const yg_syslog_def *yg_syslog_config_get(const yg_syslog_config *cfg, size_t i);

/* Whether def's filters let the alert through. */
bool yg_syslog_accepts(const yg_syslog_def *def, json_object *alert);
/* Appends the datagram for the alert (text/len is its JSON as committed)
 * to out; host is the manager's host name, already cut or not as def
 * says. YG_ELIMIT when a JSON alert is larger than YG_SYSLOG_MAX. */
yg_err yg_syslog_format_msg(const yg_syslog_def *def, json_object *alert, const char *text,
                            size_t len, const char *host, yg_buf *out);

/* "(agent) ip->location" for an agent's alert, "host->location" for the
 * manager's: the location line of Wazuh's alerts.log, which csyslogd and
 * maild print. */
void yg_alert_location_line(json_object *alert, yg_buf *out);

/* ---- the sender ---- */

typedef struct yg_syslog_out yg_syslog_out;

typedef struct yg_syslog_stats {
	uint64_t sent, filtered, errors;
} yg_syslog_stats;

/* Opens one UDP socket per block. A server whose name cannot be resolved
 * now is tried again every 10 s (warned in diag). hostname NULL: the
 * machine's (gethostname). cfg must outlive the sender. */
yg_err yg_syslog_out_create(const yg_syslog_config *cfg, const char *hostname, yg_diag *diag,
                            yg_syslog_out **out);
void yg_syslog_out_destroy(yg_syslog_out *so);
/* Sends one committed alert to every block that accepts it. YG_EPARSE when
 * the text is not a JSON object. One thread at a time. */
yg_err yg_syslog_out_offer(yg_syslog_out *so, const char *json, size_t len);
void yg_syslog_out_stats(const yg_syslog_out *so, yg_syslog_stats *out);

#endif
