/* event.h: one event while it is being analysed (Wazuh's Eventinfo).
 *
 * Field values are NUL-terminated strings kept in the event's own arena,
 * which is reset for every new event, so decoding does no malloc per field.
 * The static fields are indexed in Wazuh's "same_*" bit order, so correlation
 * can compare them by bit number. */
#ifndef YAGURA_EVENT_H
#define YAGURA_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/yarena.h"
#include "common/yerr.h"

typedef enum yg_sfield {
	YG_SF_SRCIP,
	YG_SF_ID,
	YG_SF_DSTIP,
	YG_SF_SRCPORT,
	YG_SF_DSTPORT,
	YG_SF_SRCUSER,
	YG_SF_DSTUSER,
	YG_SF_PROTOCOL,
	YG_SF_ACTION,
	YG_SF_URL,
	YG_SF_DATA,
	YG_SF_EXTRA_DATA,
	YG_SF_STATUS,
	YG_SF_SYSTEMNAME,
	YG_SF_SRCGEOIP,
	YG_SF_DSTGEOIP,
	YG_SF_LOCATION,
	YG_SF_COUNT,
} yg_sfield;

/* The field's name in decoders' <order> and in alert JSON. */
const char *yg_sfield_name(yg_sfield f);
/* Maps an <order> word to a static field; "user" is dstuser. Returns -1 for
 * a dynamic field name. */
int yg_sfield_from_order(const char *word);

/* Bound on dynamic fields per event (Wazuh's decoder_order_size default is
 * 256). */
#define YG_EVENT_MAX_FIELDS 256

typedef struct yg_dfield {
	const char *key;
	const char *value;
} yg_dfield;

typedef struct yg_event {
	/* input */
	const char *full_log;
	const char *log; /* after the syslog header */
	const char *location;
	const char *agent_id;
	const char *agent_name;
	const char *agent_ip;
	const struct yg_label *labels;
	size_t nlabels;
	const char *manager_name;
	/* pre-decoding */
	const char *hostname;
	const char *program_name;
	const char *dec_timestamp;
	/* decoding */
	const char *log_after_parent;
	const char *log_after_prematch;
	const struct yg_decoder *decoder;
	int type; /* the decoder's type, or the one a plugin chose (SonicWall, OSSEC alerts) */
	const struct yg_rule *plugin_rule; /* the rule an OSSEC alert names */
	const char *sfields[YG_SF_COUNT];
	yg_dfield fields[YG_EVENT_MAX_FIELDS];
	int nfields;
	/* time */
	time_t time;
	time_t origin_time; /* the source's claim (yg_input.origin_time), or 0 */
	int hour_min;       /* minutes since midnight, for <time> */
	int wday;           /* 0 = Sunday, for <weekday> */
	size_t size;        /* strlen(log) */

	yg_arena *arena;
} yg_event;

/* Resets the event for new input, keeping the arena's memory. */
void yg_event_reset(yg_event *ev);

/* Sets a field by <order> name (static or dynamic), copying value; Wazuh's
 * later value wins for static fields, dynamic ones are appended. `key` must
 * outlive the event (it points into the ruleset) unless copy_key. */
yg_err yg_event_set(yg_event *ev, const char *key, bool copy_key, const char *value, size_t len);

/* Wazuh's FindField: first dynamic field with that name (case-insensitive). */
const char *yg_event_find(const yg_event *ev, const char *key);

/* The value for a name as rules/descriptions look it up: static fields by
 * their names, then program_name, hostname, location, then dynamic. */
const char *yg_event_lookup(const yg_event *ev, const char *name);

#endif
