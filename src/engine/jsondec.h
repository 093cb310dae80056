/* jsondec.h: Wazuh's JSON decoder plugin (plugin_decoder="JSON_Decoder").
 *
 * Flattens one JSON document into (name, value) fields the way Wazuh 4.14
 * does: nested keys joined with dots, scalars as text, arrays per
 * json_array_structure, nulls per json_null_field. Parsing follows the
 * cJSON 1.7.18 that Wazuh links (lenient numbers, duplicate keys kept,
 * text after the document ignored, nesting limited to 1000). Reentrant.
 *
 * The caller maps the fields onto the event as Wazuh's fillData does:
 * srcip, dstip, srcport, dstport, protocol, action, srcuser, dstuser, id,
 * status, url, data, extra_data and systemname are static fields, "user"
 * becomes dstuser unless that is already set, the rest are dynamic fields
 * (at most decoder_order_size of them). */
#ifndef YAGURA_JSONDEC_H
#define YAGURA_JSONDEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

typedef enum yg_json_null {
	YG_JSON_NULL_DISCARD, /* json_null_field="discard": no field */
	YG_JSON_NULL_EMPTY,   /* "empty": deprecated; Wazuh 4.14 warns and
	                       * treats it as the default, "string" */
	YG_JSON_NULL_STRING,  /* "string", Wazuh's default: the text "null" */
} yg_json_null;

typedef struct yg_json_opts {
	yg_json_null null_mode; /* Wazuh's default is YG_JSON_NULL_STRING */
	/* json_array_structure: true for "array", Wazuh's default (the value is
	 * the array printed as cJSON_Print prints it, e.g. `["a", 1]`); false
	 * for "csv" (the scalars joined with ','). */
	bool array_structure;
} yg_json_opts;

/* Called once per field, in document order. key/value are NUL-terminated
 * and valid only during the call. Returning non-zero stops the walk. */
typedef int (*yg_json_field_fn)(void *ctx, const char *key, const char *value);

/* Decodes `text`. Returns YG_EPARSE, without calling fn, when cJSON would
 * not parse it (Wazuh then adds no fields; the decoder still matches, as
 * Wazuh ignores the plugin's outcome). Returns YG_OK after calling fn for
 * each field; a document that is not an object yields no fields. Returns
 * YG_ENOMEM if memory runs out. */
yg_err yg_json_decode(const char *text, const yg_json_opts *opts, yg_json_field_fn fn, void *ctx);

#endif
