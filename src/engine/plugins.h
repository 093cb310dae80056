/* plugins.h: Wazuh's built-in decoder plugins other than JSON_Decoder.
 *
 * <plugin_decoder> names code instead of a <regex>. Wazuh 4.x has five; JSON
 * is in jsondec.c, these are the other four, written from what Wazuh's do
 * (docs/compat.md lists the details kept, quirks included):
 *
 *   PF_Decoder          OpenBSD pf: action, srcip, srcport, dstip, dstport,
 *                       protocol
 *   SymantecWS_Decoder  Symantec Web Security: dstuser, srcip, url, id
 *   SonicWall_Decoder   status, id, srcip, srcport, dstip, dstport, protocol,
 *                       action, url; it also sets the event's type
 *                       (syslog, ids, firewall or squid)
 *   OSSECAlert_Decoder  an alert another OSSEC/Wazuh forwarded by syslog:
 *                       the rule it names becomes the event's rule, and
 *                       location, hostname, srcip, dstuser and the log are
 *                       taken from it; the event's type becomes ossec_alert
 *
 * Like Wazuh's, all four read the event's whole log (ev->log), whatever the
 * decoder's offset, and keep the fields found before a part that does not
 * parse. */
#ifndef YAGURA_PLUGINS_H
#define YAGURA_PLUGINS_H

#include "engine/ruleset_int.h"

void yg_plugin_pf(yg_event *ev);
void yg_plugin_symantecws(yg_event *ev);
void yg_plugin_sonicwall(yg_event *ev);
/* Needs the ruleset to find the rule the alert names. */
void yg_plugin_ossec_alert(const yg_ruleset *rs, yg_event *ev);

#endif
