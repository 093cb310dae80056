/* wxml.h: the XML dialect of Wazuh's configuration, rule and decoder files.
 *
 * Wazuh reads these files with its own parser (os_xml), not a conforming XML
 * parser: a file may hold many top-level elements, `&` and other entity
 * characters are plain text (no entity expansion), and `<var name="X">v</var>`
 * defines `$X` for substitution in later element contents and attribute
 * values. Real rule files rely on this (e.g. `&server=` inside a <regex>), so
 * libxml2 cannot read them; this module reads the dialect into a small tree,
 * keeping line numbers for error messages.
 *
 * The tree is what os_xml's node access (OS_GetElementsbyNode) shows after
 * OS_ApplyVariables:
 *   - `content` is the element's text after its last child element, exactly as
 *     written (not trimmed), with comments removed; a backslash before `<`
 *     makes the `<` plain text and both characters are kept;
 *   - elements named `var` (any case) are variable definitions: they appear
 *     neither as roots nor as children;
 *   - limits are os_xml's: 20479 bytes per name, text run or attribute value,
 *     49 attributes per element, 1024 levels of nesting.
 *
 * The tree is immutable after parsing and owned by the yg_wxml_doc. */
#ifndef YAGURA_WXML_H
#define YAGURA_WXML_H

#include <stddef.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_wxml_attr {
	const char *name;
	const char *value;
} yg_wxml_attr;

typedef struct yg_wxml_node yg_wxml_node;
struct yg_wxml_node {
	const char *name;
	const char *content; /* text content, "" when none; never NULL */
	int line;            /* line of the opening tag, from 1 */
	yg_wxml_attr *attrs;
	size_t nattrs;
	yg_wxml_node **children;
	size_t nchildren;
};

typedef struct yg_wxml_doc yg_wxml_doc;

/* Parses the file at `path`. On error returns YG_EIO or YG_EPARSE, having
 * reported "path:line: reason" into diag (which may be NULL); YG_ELIMIT when
 * the file is over 64 MiB or expands past yagura's bounds. Variables are
 * applied, as analysisd does for rule and decoder files. */
yg_err yg_wxml_parse_file(const char *path, yg_diag *diag, yg_wxml_doc **out);

/* Parses `len` bytes of text; `name` is used in messages. A NUL byte is an
 * ordinary character, as when Wazuh reads a file (strings end at it). */
yg_err yg_wxml_parse_buffer(const char *text, size_t len, const char *name, yg_diag *diag,
                            yg_wxml_doc **out);

/* Flags for the _ex variants. */
enum {
	/* Leave `$NAME` as written: Wazuh reads ossec.conf without
	 * OS_ApplyVariables (<var> elements are still hidden). */
	YG_WXML_NO_VARS = 1u << 0,
};

yg_err yg_wxml_parse_file_ex(const char *path, unsigned flags, yg_diag *diag, yg_wxml_doc **out);
yg_err yg_wxml_parse_buffer_ex(const char *text, size_t len, const char *name, unsigned flags,
                               yg_diag *diag, yg_wxml_doc **out);

void yg_wxml_doc_destroy(yg_wxml_doc *doc);

/* The top-level elements, in file order (<var> definitions are not shown,
 * as in Wazuh). */
size_t yg_wxml_doc_nroots(const yg_wxml_doc *doc);
const yg_wxml_node *yg_wxml_doc_root(const yg_wxml_doc *doc, size_t i);
const char *yg_wxml_doc_name(const yg_wxml_doc *doc);

/* The value of attribute `name`, or NULL. */
const char *yg_wxml_attr_get(const yg_wxml_node *node, const char *name);

#endif
