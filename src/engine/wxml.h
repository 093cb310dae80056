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
 * reported "path:line: reason" into diag (which may be NULL). */
yg_err yg_wxml_parse_file(const char *path, yg_diag *diag, yg_wxml_doc **out);

/* Parses `len` bytes of text; `name` is used in messages. */
yg_err yg_wxml_parse_buffer(const char *text, size_t len, const char *name,
			    yg_diag *diag, yg_wxml_doc **out);

void yg_wxml_doc_destroy(yg_wxml_doc *doc);

/* The top-level elements, in file order (<var> definitions included). */
size_t yg_wxml_doc_nroots(const yg_wxml_doc *doc);
const yg_wxml_node *yg_wxml_doc_root(const yg_wxml_doc *doc, size_t i);
const char *yg_wxml_doc_name(const yg_wxml_doc *doc);

/* The value of attribute `name`, or NULL. */
const char *yg_wxml_attr_get(const yg_wxml_node *node, const char *name);

#endif
