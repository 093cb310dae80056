/* format.h: what each integration sends for an alert.
 *
 * Bodies are built when an alert is queued and stored in the outbox; the URL
 * and headers (which carry secrets) are built from the configuration when
 * the request is sent, so no key is ever written to the outbox.
 *
 *   webhook     the article's custom-n8n body, byte for byte as its Python
 *               json.dumps writes it: {"severity", "title", "text",
 *               "rule_id", "timestamp", "id", "all_fields"}; header
 *               X-ApiKey: <api_key>
 *   slack       Wazuh's slack.py body: {"attachments": [{color, pretext,
 *               title, text, fields, ts} updated with <options>]}
 *   mattermost  webhook form {"text": msg} to hook_url, or API v4 form
 *               {"channel_id", "message": msg} to <hook_url>/api/v4/posts
 *               with Authorization: Bearer <api_key>; msg is the article's
 *               n8n message or the <options> template
 *   custom-*    the alert JSON line, written to the script's alert file */
#ifndef YAGURA_INTG_FORMAT_H
#define YAGURA_INTG_FORMAT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/ybuf.h"
#include "common/yerr.h"
#include "integrations/config.h"

/* The article's severity: 1 for level <= 7, 2 for 8..12, 3 for >= 13. */
int yg_intg_severity(long level);

/* Appends the stored body for `def` to out. `alert` is the parsed alert,
 * `text`/`len` its JSON text as received. YG_ELIMIT when out's bound is hit. */
yg_err yg_intg_format_body(const yg_intg_def *def, json_object *alert, const char *text, size_t len,
                           yg_buf *out);

/* Appends the Mattermost message for the alert (the template of def, or the
 * article's message when def is NULL or has none). */
yg_err yg_intg_format_mm_message(const yg_intg_def *def, json_object *alert, yg_buf *out);

/* Checks a message template: every "{{ name }}" must name a known
 * placeholder (title, severity, level, rule_id, agent, agent_id, srcip, log,
 * log_quoted, id, timestamp, icon, location, groups). False with a reason. */
bool yg_intg_template_check(const char *tpl, char *err, size_t errlen);

/* The URL to POST to (into url) and the request headers (each "Name: value",
 * NUL-terminated, into hdrs[0..*nhdrs), pointing into `scratch`). At most
 * YG_INTG_MAX_HEADERS headers. Not used for custom-*. */
#define YG_INTG_MAX_HEADERS 6
yg_err yg_intg_format_request(const yg_intg_def *def, yg_buf *url, yg_buf *scratch,
                              const char *hdrs[YG_INTG_MAX_HEADERS], size_t *nhdrs);

#endif
