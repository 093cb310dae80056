/* yopt.c: the option tables of yopt.h. */
#include "common/yopt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/wxml.h" /* the node's fields only: no engine code is called */

#define YOPT_STRING_MAX 4095

/* ---- value parsers ---- */

/* Copies s without surrounding blanks; NULL on ENOMEM. */
static char *trim_dup(const char *s)
{
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

bool yg_opt_parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "no") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* Reads the digits at *s into *v; false on none or overflow. */
static bool read_digits(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*s = p;
	*v = n;
	return true;
}

/* v * mult in [min, max], without overflow. */
static bool scaled_in_range(uint64_t v, uint64_t mult, uint64_t min, uint64_t max, uint64_t *out)
{
	if (v > UINT64_MAX / mult)
		return false;
	v *= mult;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool yg_opt_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (!read_digits(&s, &v) || *s)
		return false;
	return scaled_in_range(v, 1, min, max, out);
}

bool yg_opt_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v, mult = 1;
	if (!read_digits(&s, &v))
		return false;
	switch (*s) {
	case 'k':
	case 'K': mult = 1024; break;
	case 'm':
	case 'M': mult = 1024 * 1024; break;
	case 'g':
	case 'G': mult = 1024 * 1024 * 1024; break;
	case '\0': break;
	default: return false;
	}
	if (mult > 1) {
		s++;
		if (*s == 'b' || *s == 'B')
			s++;
	}
	return !*s && scaled_in_range(v, mult, min, max, out);
}

bool yg_opt_parse_seconds(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v, mult = 1;
	if (!read_digits(&s, &v))
		return false;
	switch (*s) {
	case 's': break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 604800; break;
	case '\0': break;
	default: return false;
	}
	if (*s)
		s++;
	return !*s && scaled_in_range(v, mult, min, max, out);
}

bool yg_opt_parse_millis(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v, mult = 1000;
	if (!read_digits(&s, &v))
		return false;
	if (s[0] == 'm' && s[1] == 's') {
		mult = 1;
		s += 2;
	} else {
		switch (*s) {
		case 's': break;
		case 'm': mult = 60000; break;
		case 'h': mult = 3600000; break;
		case 'd': mult = 86400000; break;
		case 'w': mult = 604800000; break;
		case '\0': break;
		default: return false;
		}
		if (*s)
			s++;
	}
	return !*s && scaled_in_range(v, mult, min, max, out);
}

/* ---- storing into fields ---- */

static void *field(void *obj, const yg_opt *o)
{
	return (char *)obj + o->offset;
}

static const void *cfield(const void *obj, const yg_opt *o)
{
	return (const char *)obj + o->offset;
}

/* Stores v into an integer field of o->size bytes (the table's range keeps
 * it within the field, signed or not). */
static void store_uint(void *obj, const yg_opt *o, uint64_t v)
{
	void *f = field(obj, o);
	switch (o->size) {
	case 1: *(uint8_t *)f = (uint8_t)v; break;
	case 2: *(uint16_t *)f = (uint16_t)v; break;
	case 4: *(uint32_t *)f = (uint32_t)v; break;
	default: *(uint64_t *)f = v; break;
	}
}

static uint64_t load_uint(const void *obj, const yg_opt *o)
{
	const void *f = cfield(obj, o);
	switch (o->size) {
	case 1: return *(const uint8_t *)f;
	case 2: return *(const uint16_t *)f;
	case 4: return *(const uint32_t *)f;
	default: return *(const uint64_t *)f;
	}
}

static yg_err store_string(void *obj, const yg_opt *o, const char *v)
{
	char **f = field(obj, o);
	char *copy = NULL;
	if (*v && !(copy = strdup(v)))
		return YG_ENOMEM;
	free(*f);
	*f = copy;
	return YG_OK;
}

/* Why value v is not valid for row o ("" when it is), for the message. */
static const char *check_value(const yg_opt *o, const char *v, uint64_t *num)
{
	bool b;
	uint64_t max = o->max ? o->max : YOPT_STRING_MAX;
	switch (o->type) {
	case YG_OPT_BOOL:
		if (!yg_opt_parse_bool(v, &b))
			return "must be yes or no";
		*num = b;
		return "";
	case YG_OPT_UINT:
		return yg_opt_parse_uint(v, o->min, o->max, num) ? "" : "must be a number in range";
	case YG_OPT_SIZE:
		return yg_opt_parse_size(v, o->min, o->max, num)
		               ? ""
		               : "must be a size (a number, optionally with K, M or G) in range";
	case YG_OPT_SECONDS:
		return yg_opt_parse_seconds(v, o->min, o->max, num)
		               ? ""
		               : "must be a time (a number, optionally with s, m, h, d or w) in "
		                 "range";
	case YG_OPT_MILLIS:
		return yg_opt_parse_millis(v, o->min, o->max, num)
		               ? ""
		               : "must be a time (a number, optionally with ms, s, m, h, d or w) "
		                 "in range";
	case YG_OPT_STRING:
		if (!*v && !(o->flags & YG_OPT_EMPTY_OK))
			return "empty value";
		return strlen(v) > max ? "too long" : "";
	case YG_OPT_PATH:
		if (!*v && (o->flags & YG_OPT_EMPTY_OK))
			return "";
		if (v[0] != '/')
			return "must be an absolute path";
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return "must not contain control characters";
		return strlen(v) > YOPT_STRING_MAX ? "too long" : "";
	case YG_OPT_ENUM:
		for (size_t i = 0; o->choices[i]; i++)
			if (strcmp(o->choices[i], v) == 0) {
				*num = i;
				return "";
			}
		return "not one of the allowed values";
	case YG_OPT_CUSTOM: return "";
	}
	return "unknown option type";
}

/* The range part of a message, e.g. " (1-3600)". */
static void range_text(const yg_opt *o, char *buf, size_t size)
{
	buf[0] = '\0';
	if (o->type == YG_OPT_UINT || o->type == YG_OPT_SIZE || o->type == YG_OPT_SECONDS ||
	    o->type == YG_OPT_MILLIS)
		snprintf(buf, size, " (%llu-%llu%s)", (unsigned long long)o->min,
		         (unsigned long long)o->max,
		         o->type == YG_OPT_SIZE      ? " bytes"
		         : o->type == YG_OPT_SECONDS ? " s"
		         : o->type == YG_OPT_MILLIS  ? " ms"
		                                     : "");
}

/* Applies text v to row o of obj; ctx/e are for messages (e may be NULL
 * for defaults, then nothing is reported). */
static yg_err apply(const yg_opt *o, void *obj, const char *v, const yg_wxml_node *e,
                    const yg_opt_ctx *ctx)
{
	if (o->type == YG_OPT_CUSTOM)
		return o->parse(obj, v, e, ctx);
	uint64_t num = 0;
	const char *why = check_value(o, v, &num);
	if (*why) {
		if (e) {
			char range[96];
			range_text(o, range, sizeof range);
			yg_opt_bad(ctx, e, "invalid value '%.64s': %s%s", v, why, range);
		}
		return YG_EPARSE;
	}
	switch (o->type) {
	case YG_OPT_BOOL: *(bool *)field(obj, o) = num != 0; return YG_OK;
	case YG_OPT_STRING:
	case YG_OPT_PATH: return store_string(obj, o, v);
	case YG_OPT_ENUM: *(int *)field(obj, o) = (int)num; return YG_OK;
	default: store_uint(obj, o, num); return YG_OK;
	}
}

/* ---- blocks ---- */

void yg_opt_bad(const yg_opt_ctx *ctx, const yg_wxml_node *e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	yg_diag_add(ctx->diag, YG_SEV_ERROR, ctx->file, e ? e->line : 0, e ? e->name : ctx->block,
	            "%s", msg);
}

static const yg_opt *find(const yg_opt_block *blk, const char *name)
{
	for (const yg_opt *o = blk->opts; o->name; o++)
		if (strcmp(o->name, name) == 0 ||
		    ((o->flags & YG_OPT_ANYCASE) && strcasecmp(o->name, name) == 0))
			return o;
	return NULL;
}

yg_err yg_opt_defaults(const yg_opt_block *blk, void *obj)
{
	yg_opt_ctx ctx = {.block = blk->name};
	for (const yg_opt *o = blk->opts; o->name; o++) {
		if (!o->def)
			continue;
		yg_err err = apply(o, obj, o->def, NULL, &ctx);
		if (err)
			return err == YG_ENOMEM ? err : YG_EINVAL;
	}
	return YG_OK;
}

yg_err yg_opt_read_one(const yg_opt_block *blk, void *obj, const yg_wxml_node *e, const char *file,
                       yg_diag *diag, bool *known)
{
	const yg_opt *o = find(blk, e->name);
	*known = o != NULL;
	if (!o)
		return YG_OK;
	yg_opt_ctx ctx = {.file = file, .block = blk->name, .diag = diag};
	if (o->flags & YG_OPT_OTHER)
		return YG_OK;
	if (o->flags & YG_OPT_IGNORED) {
		yg_diag_add(
		        diag, YG_SEV_WARNING, file, e->line, e->name, "%s",
		        o->help ? o->help
		                : "accepted for compatibility with Wazuh; yagura does not use it");
		return YG_OK;
	}
	char *v = trim_dup(e->content);
	if (!v)
		return YG_ENOMEM;
	yg_err err = apply(o, obj, v, e, &ctx);
	free(v);
	return err;
}

/* Reports each required row that no child of node names. */
static bool check_required(const yg_opt_block *blk, const yg_wxml_node *node, const yg_opt_ctx *ctx)
{
	bool ok = true;
	for (const yg_opt *o = blk->opts; o->name; o++) {
		if (!(o->flags & YG_OPT_REQUIRED))
			continue;
		bool seen = false;
		for (size_t i = 0; i < node->nchildren && !seen; i++)
			seen = strcmp(node->children[i]->name, o->name) == 0;
		if (!seen) {
			yg_diag_add(ctx->diag, YG_SEV_ERROR, ctx->file, node->line, node->name,
			            "missing <%s>", o->name);
			ok = false;
		}
	}
	return ok;
}

yg_err yg_opt_read(const yg_opt_block *blk, void *obj, const yg_wxml_node *node, const char *file,
                   yg_diag *diag)
{
	yg_opt_ctx ctx = {.file = file, .block = blk->name, .diag = diag};
	yg_err result = YG_OK;
	for (size_t i = 0; i < node->nchildren; i++) {
		const yg_wxml_node *e = node->children[i];
		bool known;
		yg_err err = yg_opt_read_one(blk, obj, e, file, diag, &known);
		if (err == YG_ENOMEM)
			return err;
		if (err)
			result = YG_EPARSE;
		if (!known) {
			yg_diag_add(diag, blk->unknown_is_warning ? YG_SEV_WARNING : YG_SEV_ERROR,
			            file, e->line, e->name, "unknown option of <%s>", blk->name);
			if (!blk->unknown_is_warning)
				result = YG_EPARSE;
		}
	}
	if (!check_required(blk, node, &ctx))
		result = YG_EPARSE;
	return result;
}

void yg_opt_free(const yg_opt_block *blk, void *obj)
{
	if (!obj)
		return;
	for (const yg_opt *o = blk->opts; o->name; o++)
		if ((o->type == YG_OPT_STRING || o->type == YG_OPT_PATH) &&
		    !(o->flags & (YG_OPT_IGNORED | YG_OPT_OTHER))) {
			char **f = field(obj, o);
			free(*f);
			*f = NULL;
		}
}

/* Prints s as element text as it is: Wazuh's XML reader (and
 * src/engine/wxml.c) knows no entities, so "&amp;" would read back as
 * itself. */
static void print_text(FILE *out, const char *s)
{
	fputs(s, out);
}

static void print_row(const yg_opt *o, const void *obj, int indent, FILE *out)
{
	if (o->flags & (YG_OPT_IGNORED | YG_OPT_OTHER))
		return;
	if (o->type == YG_OPT_CUSTOM) {
		if (o->print)
			o->print(obj, o, out);
		return;
	}
	if (o->type == YG_OPT_STRING || o->type == YG_OPT_PATH) {
		const char *s = *(char *const *)cfield(obj, o);
		if (!s)
			return;
		fprintf(out, "%*s<%s>", indent, "", o->name);
		print_text(out, s);
		fprintf(out, "</%s>\n", o->name);
		return;
	}
	fprintf(out, "%*s<%s>", indent, "", o->name);
	if (o->type == YG_OPT_BOOL)
		fputs(*(const bool *)cfield(obj, o) ? "yes" : "no", out);
	else if (o->type == YG_OPT_ENUM)
		fputs(o->choices[*(const int *)cfield(obj, o)], out);
	else if (o->type == YG_OPT_MILLIS)
		fprintf(out, "%llums", (unsigned long long)load_uint(obj, o));
	else
		fprintf(out, "%llu", (unsigned long long)load_uint(obj, o));
	fprintf(out, "</%s>\n", o->name);
}

void yg_opt_print_rows(const yg_opt_block *blk, const void *obj, int indent, FILE *out)
{
	for (const yg_opt *o = blk->opts; o->name; o++)
		print_row(o, obj, indent, out);
}

void yg_opt_print(const yg_opt_block *blk, const void *obj, int indent, FILE *out)
{
	fprintf(out, "%*s<%s>\n", indent, "", blk->name);
	yg_opt_print_rows(blk, obj, indent + 2, out);
	fprintf(out, "%*s</%s>\n", indent, "", blk->name);
}
