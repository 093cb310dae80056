/* email.h: Wazuh's e-mail alerts (wazuh-maild), sent over SMTP by the
 * integrations' delivery thread from the persistent outbox.
 *
 *   <global>
 *     <email_notification>yes</email_notification>
 *     <smtp_server>mail.example.org</smtp_server>      (host, host:port, smtp[s]://...)
 *     <email_from>wazuh@example.org</email_from>
 *     <email_to>soc@example.org</email_to>             (repeatable)
 *     <email_maxperhour>12</email_maxperhour>          (1-9999, default 12)
 *     <email_log_source>alerts.log</email_log_source>  (accepted: alerts.log, alerts.json)
 *     <email_reply_to>, <email_idsname>                (Reply-To header, subject prefix)
 *   </global>
 *   <alerts><email_alert_level>12</email_alert_level></alerts>   (default 12)
 *   <email_alerts>
 *     <email_to>web@example.org</email_to> <level>10</level> <group>web|attack</group>
 *     <rule_id>31103</rule_id> <event_location>/var/log/nginx</event_location>
 *     <do_not_delay/> <do_not_group/> <format>full</format>
 *   </email_alerts>
 *
 * As in Wazuh, only alerts at or above email_alert_level reach the mail
 * output; the global recipients get all of them, each <email_alerts> block
 * the ones its filters accept (group and event_location are OS_Match
 * patterns, on "g1,g2," and on the location). Each becomes one outbox
 * block of kind YG_INTG_EMAIL: key "email" for the global recipients,
 * "email#2", "email#3", ... for the <email_alerts> blocks in order.
 *
 * The stored message is Wazuh's subject and body:
 *   Subject: Wazuh notification - (agent) 10.0.0.2 - Alert level 5
 *
 *   Wazuh Notification.
 *   2024 Mar 05 09:04:04
 *
 *   Received From: (agent) 10.0.0.2->/var/log/auth.log
 *   Rule: 5716 fired (level 5) -> "sshd: authentication failed."
 *   Src IP: 203.0.113.45
 *   User: root
 *   Portion of the log(s):
 *
 *   <full_log>
 *
 *
 *    --END OF NOTIFICATION
 * and the headers (Date, From, To, Reply-To, Message-ID) are added when it
 * is sent. email_maxperhour: see deliver.c and docs/integrations.md. */
#ifndef YAGURA_INTG_EMAIL_H
#define YAGURA_INTG_EMAIL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/wxml.h"
#include "integrations/config.h"

typedef struct yg_email_config yg_email_config;

/* The option table of <email_alerts> (src/common/yopt.h). */
struct yg_opt_block;
extern const struct yg_opt_block yg_email_alerts_block;

yg_email_config *yg_email_config_create(void);
void yg_email_config_destroy(yg_email_config *ec);

/* One child of <global>: false when it is not an e-mail option; otherwise
 * *err says how reading it went (errors reported as file:line). */
bool yg_email_config_global(yg_email_config *ec, const yg_wxml_node *c, const char *file,
                            yg_diag *diag, yg_err *err);
/* <alerts><email_alert_level> (0-16). */
yg_err yg_email_config_alert_level(yg_email_config *ec, const yg_wxml_node *c, const char *file,
                                   yg_diag *diag);
/* One <email_alerts> block. */
yg_err yg_email_config_add_alerts(yg_email_config *ec, const yg_wxml_node *node, const char *file,
                                  yg_diag *diag);
/* Prints each <email_alerts> block as ossec.conf XML. */
void yg_email_config_print(const yg_email_config *ec, FILE *out);
/* Prints the e-mail options of <global> (rows only, for inside <global>). */
void yg_email_config_print_global(const yg_email_config *ec, FILE *out);
/* The option table of those options (common/yopt.h), over a
 * yg_email_config. */
extern const struct yg_opt_block yg_email_global_block;
/* After every file: with email_notification yes, checks that smtp_server,
 * email_from and email_to are set and adds the e-mail blocks to intg.
 * Without it, <email_alerts> blocks are warned about and unused. */
yg_err yg_email_config_finish(yg_email_config *ec, yg_intg_config *intg, yg_diag *diag);
bool yg_email_config_enabled(const yg_email_config *ec);

/* The stored message for an alert: "Subject: ...\r\n\r\n" and the body. */
yg_err yg_email_format(const yg_intg_def *def, json_object *alert, yg_buf *out);

/* The message to send for n stored messages (n > 1: one digest of them,
 * under the subject of the highest level): headers, then the bodies. */
yg_err yg_email_message(const yg_intg_def *def, const char *const *stored, const size_t *lens,
                        size_t n, const char *msg_id, yg_buf *out);

#endif
