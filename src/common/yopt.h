/* yopt.h: configuration options declared once, in a table.
 *
 * Every <block> of ossec.conf that yagura reads is described by a table of
 * yg_opt rows (Redis's static_configs[] is the model): the element's name as
 * Wazuh spells it, its type, its range, its default and where it is stored.
 * From that one table come the parsing, the validation, the error messages
 * (always "file:line: error: <option>: ..."), the defaults and the printing
 * of the effective configuration (`yagura manager -t --print`), so a new
 * option is one row and every option behaves the same way.
 *
 * Values are read from a yg_wxml_node (the XML reader of src/engine; only
 * its plain struct fields are used here). Scalars are trimmed of surrounding
 * blanks. A bad value is reported into the yg_diag and reading goes on with
 * the next option, so `-t` shows every problem at once; the field keeps its
 * previous value.
 *
 * Storage: each row names a field of the caller's struct by offset and size
 * (YG_OPT_AT). Numbers go into unsigned or signed integer fields of 1, 2, 4
 * or 8 bytes (the range is checked against the row's min/max, which must fit
 * the field); booleans into `bool`; strings into an owned `char *` (freed by
 * yg_opt_free); enums into an `int` holding the index of the choice. */
#ifndef YAGURA_YOPT_H
#define YAGURA_YOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef struct yg_wxml_node yg_wxml_node;

typedef enum yg_opt_type {
	YG_OPT_BOOL,    /* yes | no */
	YG_OPT_UINT,    /* a decimal number in [min, max] */
	YG_OPT_SIZE,    /* a number with an optional K, M or G (KB, MB, GB): bytes */
	YG_OPT_SECONDS, /* a number with an optional s, m, h, d or w: seconds */
	YG_OPT_MILLIS,  /* a number with an optional ms, s, m, h, d or w (none:
	                 * seconds): milliseconds */
	YG_OPT_STRING,  /* text, at most max bytes (0: 4095) */
	YG_OPT_PATH,    /* an absolute path, at most 4095 bytes, no control
	                 * characters */
	YG_OPT_ENUM,    /* one of the row's choices */
	YG_OPT_CUSTOM,  /* the row's parse callback decides */
} yg_opt_type;

enum {
	YG_OPT_REQUIRED = 1u << 0, /* yg_opt_read reports a block without it */
	YG_OPT_IGNORED = 1u << 1,  /* a Wazuh option yagura accepts but does not
	                            * use: a warning (the row's help, if any),
	                            * never an error */
	YG_OPT_EMPTY_OK = 1u << 2, /* an empty string/path clears the field */
	YG_OPT_OTHER = 1u << 3,    /* read by another module's reader (e.g. the
	                            * engine's GeoIP options): skipped silently */
	YG_OPT_ANYCASE = 1u << 4,  /* the element name matches in any case, as
	                            * Wazuh reads some (<localfile><log_format>) */
};

/* Where parse callbacks report, and what they report about. */
typedef struct yg_opt_ctx {
	const char *file;  /* may be NULL */
	const char *block; /* the block's element name, e.g. "yara" */
	yg_diag *diag;     /* may be NULL */
} yg_opt_ctx;

typedef struct yg_opt yg_opt;
struct yg_opt {
	const char *name; /* element name, as in Wazuh's ossec.conf */
	yg_opt_type type;
	size_t offset, size; /* the field: YG_OPT_AT(struct, member) */
	uint64_t min, max;   /* numbers: range after units; strings: max bytes */
	const char *def;     /* default, as the text a user would write; NULL: none */
	unsigned flags;
	const char *const *choices; /* YG_OPT_ENUM: NULL-terminated */
	/* YG_OPT_CUSTOM: reads the trimmed value (and the element for its
	 * attributes); reports with yg_opt_bad and returns YG_EPARSE, or
	 * YG_ENOMEM. */
	yg_err (*parse)(void *obj, const char *value, const yg_wxml_node *e, const yg_opt_ctx *ctx);
	/* YG_OPT_CUSTOM: prints the effective value(s) as elements; optional. */
	void (*print)(const void *obj, const yg_opt *opt, FILE *out);
	const char *help; /* one line, for --print and the docs */
};

#define YG_OPT_AT(type, member) offsetof(type, member), sizeof(((type *)0)->member)

typedef struct yg_opt_block {
	const char *name;   /* "yara", "api", ... */
	const yg_opt *opts; /* terminated by a row with name == NULL */
	size_t obj_size;    /* sizeof the struct the rows point into */
	/* Unknown elements are errors unless set (then warnings). */
	bool unknown_is_warning;
	/* The owner's create/destroy pair, for code that handles any block
	 * (the table-driven test); NULL for sub-blocks read into a field. */
	void *(*create)(void);
	void (*destroy)(void *obj);
} yg_opt_block;

/* Sets every field that has a default to it. YG_ENOMEM, or YG_EINVAL when
 * a default does not parse (a bug in the table). */
yg_err yg_opt_defaults(const yg_opt_block *blk, void *obj);

/* Reads the children of `node` (the <block> element) into obj. Returns
 * YG_OK, YG_EPARSE when something was reported as an error (the rest was
 * read), or YG_ENOMEM. */
yg_err yg_opt_read(const yg_opt_block *blk, void *obj, const yg_wxml_node *node, const char *file,
                   yg_diag *diag);

/* Reads one element `e` with the row that has its name; *known is set to
 * false when no row has it (nothing is reported then). For callers whose
 * block mixes table options with sub-blocks they read themselves. */
yg_err yg_opt_read_one(const yg_opt_block *blk, void *obj, const yg_wxml_node *e, const char *file,
                       yg_diag *diag, bool *known);

/* Reports "file:line: error: <name>: <why>" about element e. */
void yg_opt_bad(const yg_opt_ctx *ctx, const yg_wxml_node *e, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Frees the strings the table stored in obj (not obj itself). */
void yg_opt_free(const yg_opt_block *blk, void *obj);

/* Prints the block's effective values as ossec.conf XML, one element per
 * line, indented by `indent` spaces. */
void yg_opt_print(const yg_opt_block *blk, const void *obj, int indent, FILE *out);
/* The same without the block's own element: for a block read with two
 * tables. */
void yg_opt_print_rows(const yg_opt_block *blk, const void *obj, int indent, FILE *out);

/* The parsers behind the types, for callers that read values elsewhere
 * (attributes, lists). Each returns false when the text is not a valid
 * value in [min, max]. */
bool yg_opt_parse_bool(const char *s, bool *out);
bool yg_opt_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool yg_opt_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool yg_opt_parse_seconds(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* min, max and *out in milliseconds. */
bool yg_opt_parse_millis(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
