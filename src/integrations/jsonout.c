/* jsonout.c: Python json.dumps and JavaScript JSON.stringify(x, null, 2). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integrations/jsonout.h"

json_object *yg_jsonout_parse(const char *text, size_t len)
{
	if (len > INT32_MAX)
		return NULL;
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	if (o) {
		size_t off = json_tokener_get_parse_end(tok);
		for (; off < len; off++) {
			char c = text[off];
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
				json_object_put(o);
				o = NULL;
				break;
			}
		}
	} else if (json_tokener_get_error(tok) == json_tokener_continue) {
		o = NULL; /* truncated text */
	}
	json_tokener_free(tok);
	return o;
}

/* Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its
 * length, or 1 with *cp = U+FFFD for an invalid byte. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		goto bad;
	}
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

/* Escapes shared by both languages; returns the escape or NULL. */
static const char *short_escape(uint32_t cp)
{
	switch (cp) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\b': return "\\b";
	case '\f': return "\\f";
	default: return NULL;
	}
}

/* ascii: Python's ensure_ascii (escape everything outside ' '..'~');
 * otherwise JavaScript's rules (escape only controls, keep UTF-8). */
static yg_err put_string(yg_buf *b, const char *s, size_t len, bool ascii)
{
	const unsigned char *p = (const unsigned char *)s;
	yg_err e = yg_buf_putc(b, '"');
	size_t i = 0;
	while (!e && i < len) {
		uint32_t cp;
		size_t n = utf8_next(p + i, len - i, &cp);
		const char *esc = short_escape(cp);
		if (esc)
			e = yg_buf_puts(b, esc);
		else if (cp < 0x20 || (ascii && cp == 0x7F))
			e = yg_buf_printf(b, "\\u%04x", cp);
		else if (ascii && cp > 0xFFFF)
			e = yg_buf_printf(b, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
			                  0xDC00 + ((cp - 0x10000) & 0x3FF));
		else if (ascii && cp > 0x7F)
			e = yg_buf_printf(b, "\\u%04x", cp);
		else if (cp == 0xFFFD && n == 1)
			e = yg_buf_puts(b, "\xEF\xBF\xBD");
		else
			e = yg_buf_append(b, p + i, n);
		i += n;
	}
	return e ? e : yg_buf_putc(b, '"');
}

yg_err yg_jsonout_python_str(yg_buf *b, const char *s, size_t len)
{
	return put_string(b, s, len, true);
}

/* Shortest decimal digits that read back as x (x finite, > 0): fills
 * digits (NUL-terminated, no dot) and the exponent of the first digit. */
static void shortest_digits(double x, char digits[20], int *exp10)
{
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
		if (strtod(tmp, NULL) == x || prec == 17)
			break;
	}
	size_t k = 0;
	const char *p = tmp;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && k < 19)
			digits[k++] = *p;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	*exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

static yg_err put_zeros(yg_buf *b, int n)
{
	yg_err e = YG_OK;
	for (int i = 0; !e && i < n; i++)
		e = yg_buf_putc(b, '0');
	return e;
}

/* Python's repr(float). */
static yg_err put_python_double(yg_buf *b, double x)
{
	char d[20];
	int e;
	if (isnan(x))
		return yg_buf_puts(b, "NaN");
	if (isinf(x))
		return yg_buf_puts(b, x < 0 ? "-Infinity" : "Infinity");
	if (x == 0)
		return yg_buf_puts(b, signbit(x) ? "-0.0" : "0.0");
	if (x < 0 && yg_buf_putc(b, '-'))
		return YG_ELIMIT;
	shortest_digits(fabs(x), d, &e);
	int k = (int)strlen(d);
	if (e < -4 || e >= 16) {
		yg_err r = yg_buf_putc(b, d[0]);
		if (!r && k > 1)
			r = yg_buf_printf(b, ".%s", d + 1);
		return r ? r : yg_buf_printf(b, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	yg_err r;
	if (e < 0) {
		r = yg_buf_puts(b, "0.");
		if (!r)
			r = put_zeros(b, -e - 1);
		return r ? r : yg_buf_puts(b, d);
	}
	if (k <= e + 1) {
		r = yg_buf_puts(b, d);
		if (!r)
			r = put_zeros(b, e + 1 - k);
		return r ? r : yg_buf_puts(b, ".0");
	}
	return yg_buf_printf(b, "%.*s.%s", e + 1, d, d + e + 1);
}

/* JavaScript's Number.prototype.toString. */
static yg_err put_js_double(yg_buf *b, double x)
{
	char d[20];
	int e;
	if (!isfinite(x))
		return yg_buf_puts(b, "null"); /* JSON.stringify(NaN) */
	if (x == 0)
		return yg_buf_putc(b, '0');
	if (x < 0 && yg_buf_putc(b, '-'))
		return YG_ELIMIT;
	shortest_digits(fabs(x), d, &e);
	int k = (int)strlen(d), n = e + 1; /* x = 0.d * 10^n */
	yg_err r;
	if (k <= n && n <= 21) {
		r = yg_buf_puts(b, d);
		return r ? r : put_zeros(b, n - k);
	}
	if (0 < n && n <= 21)
		return yg_buf_printf(b, "%.*s.%s", n, d, d + n);
	if (-6 < n && n <= 0) {
		r = yg_buf_puts(b, "0.");
		if (!r)
			r = put_zeros(b, -n);
		return r ? r : yg_buf_puts(b, d);
	}
	r = yg_buf_putc(b, d[0]);
	if (!r && k > 1)
		r = yg_buf_printf(b, ".%s", d + 1);
	return r ? r : yg_buf_printf(b, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
}

yg_err yg_jsonout_python(yg_buf *b, json_object *obj)
{
	yg_err e = YG_OK;
	bool first = true;
	switch (json_object_get_type(obj)) {
	case json_type_null: return yg_buf_puts(b, "null");
	case json_type_boolean:
		return yg_buf_puts(b, json_object_get_boolean(obj) ? "true" : "false");
	case json_type_int:
		return yg_buf_puts(b, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	case json_type_double: return put_python_double(b, json_object_get_double(obj));
	case json_type_string:
		return put_string(b, json_object_get_string(obj),
		                  (size_t)json_object_get_string_len(obj), true);
	case json_type_array:
		e = yg_buf_putc(b, '[');
		for (size_t i = 0; !e && i < json_object_array_length(obj); i++) {
			if (i)
				e = yg_buf_puts(b, ", ");
			if (!e)
				e = yg_jsonout_python(b, json_object_array_get_idx(obj, i));
		}
		return e ? e : yg_buf_putc(b, ']');
	case json_type_object:
		e = yg_buf_putc(b, '{');
		json_object_object_foreach(obj, key, val)
		{
			if (e)
				break;
			if (!first)
				e = yg_buf_puts(b, ", ");
			first = false;
			if (!e)
				e = put_string(b, key, strlen(key), true);
			if (!e)
				e = yg_buf_puts(b, ": ");
			if (!e)
				e = yg_jsonout_python(b, val);
		}
		return e ? e : yg_buf_putc(b, '}');
	}
	return YG_EINVAL;
}

/* JavaScript lists a key that is an array index ("0".."4294967294",
 * canonical) before the others, in numeric order. Returns the index or -1. */
static int64_t js_index_key(const char *k)
{
	int64_t v = 0;
	if (!*k || (k[0] == '0' && k[1]) || strlen(k) > 10)
		return -1;
	for (; *k; k++) {
		if (*k < '0' || *k > '9')
			return -1;
		v = v * 10 + (*k - '0');
	}
	return v < 4294967295LL ? v : -1;
}

static yg_err js_indent(yg_buf *b, int depth)
{
	yg_err e = yg_buf_putc(b, '\n');
	for (int i = 0; !e && i < depth; i++)
		e = yg_buf_puts(b, "  ");
	return e;
}

static yg_err js_value(yg_buf *b, json_object *obj, int depth);

static yg_err js_member(yg_buf *b, const char *key, json_object *val, int depth, bool *first)
{
	yg_err e = *first ? YG_OK : yg_buf_putc(b, ',');
	*first = false;
	if (!e)
		e = js_indent(b, depth + 1);
	if (!e)
		e = put_string(b, key, strlen(key), false);
	if (!e)
		e = yg_buf_puts(b, ": ");
	return e ? e : js_value(b, val, depth + 1);
}

static yg_err js_object(yg_buf *b, json_object *obj, int depth)
{
	bool first = true;
	yg_err e = YG_OK;
	int64_t last = -1;
	if (json_object_object_length(obj) == 0)
		return yg_buf_puts(b, "{}");
	if (yg_buf_putc(b, '{'))
		return YG_ELIMIT;
	/* Index-like keys first, ascending: pick the next larger each pass
	 * (objects with many such keys are rare in logs). */
	for (;;) {
		int64_t best = -1;
		const char *bk = NULL;
		json_object *bv = NULL;
		json_object_object_foreach(obj, k, v)
		{
			int64_t ix = js_index_key(k);
			if (ix > last && (best < 0 || ix < best))
				best = ix, bk = k, bv = v;
		}
		if (!bk)
			break;
		if ((e = js_member(b, bk, bv, depth, &first)))
			return e;
		last = best;
	}
	json_object_object_foreach(obj, key, val)
	{
		if (js_index_key(key) >= 0)
			continue;
		if ((e = js_member(b, key, val, depth, &first)))
			return e;
	}
	e = js_indent(b, depth);
	return e ? e : yg_buf_putc(b, '}');
}

static yg_err js_value(yg_buf *b, json_object *obj, int depth)
{
	yg_err e;
	switch (json_object_get_type(obj)) {
	case json_type_null: return yg_buf_puts(b, "null");
	case json_type_boolean:
		return yg_buf_puts(b, json_object_get_boolean(obj) ? "true" : "false");
	case json_type_int: {
		int64_t v = json_object_get_int64(obj);
		/* Beyond 2^53 JavaScript holds the nearest double. */
		if (v > (1LL << 53) || v < -(1LL << 53) || v == INT64_MAX)
			return put_js_double(b, strtod(json_object_to_json_string_ext(
			                                       obj, JSON_C_TO_STRING_PLAIN),
			                               NULL));
		return yg_buf_printf(b, "%lld", (long long)v);
	}
	case json_type_double: return put_js_double(b, json_object_get_double(obj));
	case json_type_string:
		return put_string(b, json_object_get_string(obj),
		                  (size_t)json_object_get_string_len(obj), false);
	case json_type_array: {
		size_t n = json_object_array_length(obj);
		if (n == 0)
			return yg_buf_puts(b, "[]");
		e = yg_buf_putc(b, '[');
		for (size_t i = 0; !e && i < n; i++) {
			if (i)
				e = yg_buf_putc(b, ',');
			if (!e)
				e = js_indent(b, depth + 1);
			if (!e)
				e = js_value(b, json_object_array_get_idx(obj, i), depth + 1);
		}
		if (!e)
			e = js_indent(b, depth);
		return e ? e : yg_buf_putc(b, ']');
	}
	case json_type_object: return js_object(b, obj, depth);
	}
	return YG_EINVAL;
}

yg_err yg_jsonout_js_pretty(yg_buf *b, json_object *obj)
{
	return js_value(b, obj, 0);
}
