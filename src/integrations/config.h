/* config.h: Wazuh's <integration> blocks.
 *
 * Each <integration> element of ossec.conf becomes one immutable yg_intg_def
 * in a yg_intg_config list. Wazuh's options are read with Wazuh's meaning
 * (name, hook_url, api_key, level, group, rule_id, event_location, max_log,
 * alert_format, options, timeout, retries); yagura adds children for its
 * outbox (max_retries, retry_min, retry_max, retry_max_age, max_in_flight).
 * docs/integrations.md lists them all. */
#ifndef YAGURA_INTG_CONFIG_H
#define YAGURA_INTG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/osmatch.h"
#include "engine/wxml.h"

typedef enum yg_intg_kind {
	YG_INTG_WEBHOOK,    /* the article's n8n payload, POSTed natively */
	YG_INTG_SLACK,      /* Wazuh's slack.py payload, POSTed natively */
	YG_INTG_MATTERMOST, /* incoming webhook or REST API v4 post */
	YG_INTG_CUSTOM,     /* custom-*: run integrations/<name> like integratord */
	YG_INTG_EMAIL,      /* Wazuh's e-mail alerts (<global>, <email_alerts>): SMTP */
} yg_intg_kind;

typedef enum yg_intg_mm_mode {
	YG_INTG_MM_WEBHOOK, /* {"text":...} POSTed to hook_url */
	YG_INTG_MM_API,     /* POST <hook_url>/api/v4/posts, Bearer api_key */
} yg_intg_mm_mode;

/* One <integration> block, immutable once added. Strings are NUL-terminated
 * and owned by the config; optional ones are NULL when absent. */
typedef struct yg_intg_def {
	char *name; /* as configured: "webhook", "slack", "custom-n8n", ... */
	/* Unique key of this block in the outbox: the name, or "name#2",
	 * "name#3" ... for later blocks with the same name. */
	char *key;
	yg_intg_kind kind;
	char *hook_url;
	char *api_key;
	unsigned level;     /* 0: no level filter */
	char *group;        /* raw comma list, Wazuh matching; NULL: no filter */
	unsigned *rule_ids; /* NULL: no rule filter */
	size_t nrule_ids;
	yg_osmatch *location; /* event_location; NULL: no filter */
	char *location_raw;
	char *alert_format; /* "json" or NULL */
	char *options_raw;  /* the <options> JSON text as written, or NULL */
	unsigned max_log;   /* Wazuh's max_log (165..1024), kept for scripts */
	unsigned timeout;   /* seconds per request / script run */
	unsigned retries;   /* Wazuh's <retries>, passed to custom scripts */
	/* yagura's outbox policy. */
	unsigned max_retries;   /* <max_retries> */
	unsigned max_attempts;  /* max_retries + 1 */
	uint64_t retry_min_ms;  /* first backoff delay */
	uint64_t retry_max_ms;  /* cap on the backoff delay */
	uint64_t max_age_ms;    /* dead-letter when older than this */
	unsigned max_in_flight; /* requests in flight for this block */
	/* mattermost (from <options>) */
	yg_intg_mm_mode mm_mode;
	char *mm_channel_id;
	char *mm_template; /* NULL: the article's message */
	char *mm_username; /* webhook overrides, or NULL */
	char *mm_icon_url;
	char *mm_channel;
	/* e-mail (email.h): SMTP server URL, sender, recipients, hourly cap */
	char *smtp_url;
	char *mail_from;
	char *mail_reply_to; /* NULL: none */
	char *mail_idsname;  /* <email_idsname>, NULL: none */
	char **mail_to;
	size_t nmail_to;
	unsigned maxperhour;  /* mails per clock hour, all e-mail blocks together */
	bool do_not_group;    /* <email_alerts><do_not_group/>: never in a digest */
	yg_osmatch *group_re; /* e-mail's <group>: OS_Match on "g1,g2," */
	/* where it was configured, for messages */
	char *file;
	int line;
} yg_intg_def;

typedef struct yg_intg_config yg_intg_config;

/* The <integration> option table (src/common/yopt.h), into a yg_intg_def. */
typedef struct yg_opt_block yg_opt_block;
extern const yg_opt_block yg_intg_block;

/* An empty list; NULL on ENOMEM. */
yg_intg_config *yg_intg_config_create(void);
void yg_intg_config_destroy(yg_intg_config *cfg);

/* Reads one <integration> element. `file` names the configuration file in
 * messages (may be NULL). Every bad option is reported into diag as
 * file:line:element; returns YG_EPARSE (nothing added) when the block has an
 * error. A block naming an integration yagura does not implement (Wazuh's
 * pagerduty, virustotal, ...) is skipped with a warning and YG_OK, as
 * integratord disables it. */
yg_err yg_intg_config_add_integration(yg_intg_config *cfg, const yg_wxml_node *node,
                                      const char *file, yg_diag *diag);

size_t yg_intg_config_count(const yg_intg_config *cfg);
/* Block i (< count), owned by cfg. */
const yg_intg_def *yg_intg_config_get(const yg_intg_config *cfg, size_t i);

/* Prints each <integration> block's effective options as ossec.conf XML
 * (the e-mail blocks, which come from <global> and <email_alerts>, are
 * not <integration> blocks and are left out). */
void yg_intg_config_print(const yg_intg_config *cfg, FILE *out);

/* A block with the defaults of <integration> (timeouts, outbox policy);
 * NULL on ENOMEM. */
yg_intg_def *yg_intg_def_new(void);
void yg_intg_def_free(yg_intg_def *def);
/* Appends a block built by another reader (email.c), giving it its key
 * ("name", "name#2", ...). Takes def, also on failure. */
yg_err yg_intg_config_push(yg_intg_config *cfg, yg_intg_def *def);

/* Reads Wazuh's rule_id list ("100, 200,300") into a new array (*ids,
 * *n); false when empty or anything but numbers, commas and blanks. */
bool yg_intg_parse_rule_ids(const char *s, unsigned **ids, size_t *n);

#endif
