/* jsonout.h: JSON text exactly as two foreign serialisers write it.
 *
 * The payloads must be byte-for-byte what the receiving side would see from
 * the tools the article uses:
 *   - Python's json.dumps(obj) with default arguments (what Wazuh's
 *     integration scripts and the article's custom-n8n send): ", " and ": "
 *     separators, non-ASCII escaped as \uXXXX (surrogate pairs above
 *     U+FFFF), floats as repr() ("1.0", "1e-05", "1e+16");
 *   - JavaScript's JSON.stringify(obj, null, 2) (what the article's n8n Code
 *     node does to JSON logs): two-space indentation, "key": value, UTF-8
 *     kept, numbers as Number.prototype.toString ("1", "1e-7", "1e+21").
 * Object members keep their order. Nesting is bounded by json-c's parser
 * (32 levels), so the recursion here is bounded too. */
#ifndef YAGURA_INTG_JSONOUT_H
#define YAGURA_INTG_JSONOUT_H

#include <json-c/json.h>

#include "common/ybuf.h"
#include "common/yerr.h"

/* Appends obj as Python's json.dumps would write it. */
yg_err yg_jsonout_python(yg_buf *b, json_object *obj);
/* Appends s (len bytes, UTF-8) as a Python json.dumps string. */
yg_err yg_jsonout_python_str(yg_buf *b, const char *s, size_t len);

/* Appends obj as JavaScript's JSON.stringify(obj, null, 2) would write it. */
yg_err yg_jsonout_js_pretty(yg_buf *b, json_object *obj);

/* Parses `len` bytes of JSON text strictly (one value, nothing after it but
 * blanks, depth <= 32). NULL when it is not JSON. The caller puts it. */
json_object *yg_jsonout_parse(const char *text, size_t len);

#endif
