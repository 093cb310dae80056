/* ini.h: Wazuh ruleset test-case files (.ini), read as Wazuh's runner reads them.
 *
 * Wazuh's ruleset/testing/runtests.py reads each file with Python's
 * configparser.RawConfigParser(dict_type=MultiOrderedDict, strict=False).
 * This parser gives the same sections, keys and values:
 *
 *   - `[name]` starts a section (name taken verbatim up to the LAST `]`);
 *     a repeated section name continues the earlier section (strict=False);
 *     `[DEFAULT]` holds defaults visible in every section.
 *   - `key = value` or `key: value`, split at the first `=` or `:`; the key
 *     is lower-cased, key and value are stripped of whitespace.
 *   - full-line comments start (after whitespace) with `#` or `;`; there are
 *     no inline comments.
 *   - a line indented deeper than its key line continues the value; an empty
 *     line inside a value adds an empty line to it.
 *   - a key repeated in one section accumulates (MultiOrderedDict): its value
 *     is all the value lines, in order, joined with '\n', trailing empty
 *     lines dropped.
 *   - lines end at "\n", "\r\n" or "\r" (Python's universal newlines).
 *
 * Where Python would stop (a key before any section, a line with no
 * delimiter), this parser records the problem with file and line into a
 * yg_diag and keeps going. */
#ifndef YAGURA_COMPAT_INI_H
#define YAGURA_COMPAT_INI_H

#include <stddef.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_ini yg_ini;

typedef struct yg_ini_item {
	const char *name;  /* lower-cased key */
	const char *value; /* every value line of the key, joined with '\n' */
	int line;          /* line of its first occurrence (in DEFAULT if only there) */
} yg_ini_item;

typedef struct yg_ini_section {
	const char *name;
	int line; /* line of the section's first header */
	/* configparser's items(section): the DEFAULT keys first (with this
	 * section's value where it sets the key too), then the section's own. */
	size_t nitems;
	const yg_ini_item *items;
} yg_ini_section;

/* Largest file yg_ini_load reads; test files are well under 1 MiB. */
#define YG_INI_MAX_FILE (64u * 1024 * 1024)

/* Parses `len` bytes of `text` (need not be NUL-terminated). `fname` names
 * the file in diagnostics (may be NULL). On YG_OK or YG_EPARSE (malformed
 * lines, each reported into diag) *out holds everything that parsed; the
 * caller owns it. Lines holding a NUL byte are reported and skipped. Other
 * errors (YG_ENOMEM, YG_EINVAL) leave *out NULL. */
yg_err yg_ini_parse(const char *text, size_t len, const char *fname, yg_diag *diag, yg_ini **out);

/* Reads and parses the file at `path` (at most YG_INI_MAX_FILE bytes, else
 * YG_ELIMIT); returns as yg_ini_parse, or YG_EIO if it cannot be read (also
 * reported into diag). */
yg_err yg_ini_load(const char *path, yg_diag *diag, yg_ini **out);

void yg_ini_destroy(yg_ini *ini);

/* Sections in order of first appearance, DEFAULT excluded. */
size_t yg_ini_nsections(const yg_ini *ini);
const yg_ini_section *yg_ini_section_at(const yg_ini *ini, size_t i);

/* The item `name` (lower case) of a section as configparser's get() finds it
 * (the section's own value, else DEFAULT's); NULL when absent. */
const yg_ini_item *yg_ini_get(const yg_ini_section *sec, const char *name);

#endif
