/* jsondec.h: Wazuh's JSON decoder plugin (plugin_decoder="JSON_Decoder").
 *
 * Flattens one JSON object into (name, value) fields the way Wazuh does:
 * nested keys joined with dots, scalars as text, arrays per
 * json_array_structure, nulls per json_null_field. Reentrant. */
#ifndef YAGURA_JSONDEC_H
#define YAGURA_JSONDEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

typedef enum yg_json_null {
	YG_JSON_NULL_DISCARD, /* json_null_field="discard" (Wazuh's default) */
	YG_JSON_NULL_EMPTY,   /* "empty": the field is set to "" */
	YG_JSON_NULL_STRING,  /* "string": the field is set to "null" */
} yg_json_null;

typedef struct yg_json_opts {
	yg_json_null null_mode;
	bool array_structure; /* json_array_structure="yes" */
} yg_json_opts;

/* Called once per field, in document order. key/value are NUL-terminated
 * and valid only during the call. Returning non-zero stops the walk. */
typedef int (*yg_json_field_fn)(void *ctx, const char *key, const char *value);

/* Decodes `text`. Returns YG_EPARSE when it is not a JSON object (Wazuh's
 * decoder then does not match), YG_OK after calling fn for each field. */
yg_err yg_json_decode(const char *text, const yg_json_opts *opts,
		      yg_json_field_fn fn, void *ctx);

#endif
