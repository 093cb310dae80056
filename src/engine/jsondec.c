/* jsondec.c: Wazuh's JSON_Decoder, with cJSON's parsing rules.
 *
 * Wazuh parses the event with cJSON 1.7.18 into a tree, then walks the tree
 * (readJSON): object members become fields named by their dotted path,
 * arrays are printed whole (cJSON_Print) or joined as CSV. This file gets
 * the same result without a tree: a validating pass accepts exactly what
 * cJSON accepts, then a second pass over the now known-good text emits the
 * fields in document order. Nothing is kept beyond the current key path and
 * the array being printed, so memory stays linear in the input; nesting is
 * bounded by cJSON's limit and walked with an explicit stack, not recursion.
 *
 * json-c is not used on purpose: it merges duplicate keys, rejects some
 * numbers cJSON takes and prints differently, all of which show in fields. */
#include "engine/jsondec.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cJSON's CJSON_NESTING_LIMIT: arrays and objects open at once. */
#define NESTING_LIMIT 1000
/* Wazuh's OS_MAXSTR: the CSV value of an array must stay below it. */
#define CSV_MAX 65536
/* No buffer grows past this; only absurd input (a 64 KiB event cannot)
 * gets here, and then YG_ELIMIT is returned instead of fields. */
#define BUF_MAX ((size_t)64 << 20)

/* ---- a growable string that starts in caller-provided storage ---- */

typedef struct sbuf {
	char *p; /* always NUL-terminated */
	size_t len, cap;
	char *own; /* p when it is on the heap */
} sbuf;

static void sb_init(sbuf *b, char *mem, size_t n)
{
	*b = (sbuf){.p = mem, .cap = n};
	mem[0] = '\0';
}

static void sb_free(sbuf *b)
{
	free(b->own);
	b->own = NULL;
}

/* Makes room for `extra` more bytes plus the NUL. */
static yg_err sb_reserve(sbuf *b, size_t extra)
{
	if (extra > BUF_MAX - b->len)
		return YG_ELIMIT;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return YG_OK;
	size_t cap = b->cap * 2;
	while (cap < need)
		cap *= 2;
	char *n = realloc(b->own, cap);
	if (!n)
		return YG_ENOMEM;
	if (!b->own)
		memcpy(n, b->p, b->len + 1);
	b->p = b->own = n;
	b->cap = cap;
	return YG_OK;
}

static yg_err sb_put(sbuf *b, const char *s, size_t n)
{
	yg_err err = sb_reserve(b, n);
	if (err)
		return err;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return YG_OK;
}

static yg_err sb_putc(sbuf *b, char c)
{
	return sb_put(b, &c, 1);
}

static yg_err sb_tabs(sbuf *b, size_t n)
{
	yg_err err = sb_reserve(b, n);
	if (err)
		return err;
	memset(b->p + b->len, '\t', n);
	b->len += n;
	b->p[b->len] = '\0';
	return YG_OK;
}

static void sb_trunc(sbuf *b, size_t n)
{
	b->len = n;
	b->p[n] = '\0';
}

/* ---- the walk ---- */

typedef enum mode {
	M_SKIP,   /* validate only: root arrays, CSV-ignored containers, pass 1 */
	M_FLAT,   /* an object whose members become fields */
	M_RENDER, /* inside an array printed the cJSON_Print way */
	M_CSV,    /* an array joined as CSV (its direct elements) */
} mode;

typedef struct frame {
	uint8_t is_obj;
	uint8_t mode;
	uint32_t aux; /* M_FLAT: length of this object's key path;
	               * M_RENDER object: non-zero once it has a member */
} frame;

typedef struct walker {
	const yg_json_opts *opts;
	yg_json_field_fn fn;
	void *ctx;
	bool emit;     /* pass 2: produce fields */
	bool stopped;  /* fn asked to stop */
	bool root_obj; /* the document is an object */
	yg_err err;    /* an error other than a syntax error */
	char dp;       /* the locale's decimal point, as cJSON uses it */
	sbuf key;      /* the dotted path of the current member */
	sbuf val;      /* the array being printed or joined */
	sbuf str;      /* scratch for a decoded string */
	unsigned depth;
	unsigned render_base; /* frame index of the array being printed */
	/* CSV state, per Wazuh's loop: n counts what it copied, which can run
	 * past the visible text once a long number was cut at 63 bytes. */
	size_t csv_n;
	bool csv_blank;   /* Wazuh emptied the value and stopped */
	bool csv_frozen;  /* text after this is past a NUL: invisible */
	bool csv_pending; /* a scalar was added: the comma check is due */
	frame st[NESTING_LIMIT];
} walker;

/* cJSON skips every byte up to and including the space as whitespace. */
static inline const char *skip_ws(const char *p)
{
	while (*p && (unsigned char)*p <= 32)
		p++;
	return p;
}

static yg_err emit(walker *w, const char *value)
{
	if (!w->stopped && w->fn(w->ctx, w->key.p, value) != 0)
		w->stopped = true;
	return YG_OK;
}

/* cJSON's parse_hex4: four hex digits, or 0 at the first that is not. */
static unsigned hex4(const char *s)
{
	unsigned h = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return 0;
		h = (h << 4) | d;
	}
	return h;
}

/* One \uXXXX (or surrogate pair) at r, the string's closing quote at end.
 * Writes its UTF-8 into u8 (length in n) and returns how many input bytes it takes,
 * or 0 where cJSON fails. */
static size_t utf16_escape(const char *r, const char *end, char u8[4], size_t *n)
{
	if (end - r < 6)
		return 0;
	unsigned long cp = hex4(r + 2);
	size_t used = 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return 0;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		const char *s = r + 6;
		if (end - s < 6 || s[0] != '\\' || s[1] != 'u')
			return 0;
		unsigned lo = hex4(s + 2);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return 0;
		cp = 0x10000 + (((cp & 0x3FF) << 10) | (lo & 0x3FF));
		used = 12;
	}
	if (cp < 0x80) {
		u8[0] = (char)cp;
		*n = 1;
	} else if (cp < 0x800) {
		u8[0] = (char)(0xC0 | (cp >> 6));
		u8[1] = (char)(0x80 | (cp & 0x3F));
		*n = 2;
	} else if (cp < 0x10000) {
		u8[0] = (char)(0xE0 | (cp >> 12));
		u8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u8[2] = (char)(0x80 | (cp & 0x3F));
		*n = 3;
	} else {
		u8[0] = (char)(0xF0 | (cp >> 18));
		u8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u8[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u8[3] = (char)(0x80 | (cp & 0x3F));
		*n = 4;
	}
	return used;
}

/* Parses the string literal at p (a '"') as cJSON does and returns the
 * position after it, or NULL on a syntax error (or w->err set). When out is
 * given, appends the decoded text up to its first NUL: cJSON hands strings
 * on as C strings, so "\u0000" ends them. */
static const char *parse_string(walker *w, const char *p, sbuf *out)
{
	if (*p != '"')
		return NULL;
	/* the closing quote: the first '"' not escaped by a backslash */
	const char *end = p + 1;
	bool escapes = false;
	for (;;) {
		while (*end && *end != '"' && *end != '\\')
			end++;
		if (*end != '\\')
			break;
		if (!end[1])
			return NULL;
		escapes = true;
		end += 2;
	}
	if (*end != '"')
		return NULL;
	if (!escapes) {
		if (out && (w->err = sb_put(out, p + 1, (size_t)(end - p - 1))) != 0)
			return NULL;
		return end + 1;
	}

	bool cut = false;
	const char *r = p + 1;
	while (r < end) {
		const char *bs = memchr(r, '\\', (size_t)(end - r));
		if (!bs)
			bs = end;
		if (out && !cut && bs > r && (w->err = sb_put(out, r, (size_t)(bs - r))) != 0)
			return NULL;
		r = bs;
		if (r >= end)
			break;
		char u8[4];
		size_t n = 1, used = 2;
		switch (r[1]) {
		case 'b': u8[0] = '\b'; break;
		case 'f': u8[0] = '\f'; break;
		case 'n': u8[0] = '\n'; break;
		case 'r': u8[0] = '\r'; break;
		case 't': u8[0] = '\t'; break;
		case '"':
		case '\\':
		case '/': u8[0] = r[1]; break;
		case 'u':
			used = utf16_escape(r, end, u8, &n);
			if (!used)
				return NULL;
			break;
		default: return NULL;
		}
		if (out && !cut) {
			if (u8[0] == '\0')
				cut = true;
			else if ((w->err = sb_put(out, u8, n)) != 0)
				return NULL;
		}
		r += used;
	}
	return end + 1;
}

/* cJSON's parse_number: up to 63 bytes that may belong to a number, given
 * to strtod; what strtod does not take is left for the caller to reject. */
static const char *parse_number(walker *w, const char *p, double *d)
{
	char buf[64];
	size_t i;
	for (i = 0; i < sizeof(buf) - 1; i++) {
		char c = p[i];
		if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E')
			buf[i] = c;
		else if (c == '.')
			buf[i] = w->dp;
		else
			break;
	}
	buf[i] = '\0';
	char *after;
	*d = strtod(buf, &after);
	if (after == buf)
		return NULL;
	return p + (after - buf);
}

/* cJSON's valueint: the double saturated into an int. */
static int value_int(double d)
{
	if (d >= (double)INT_MAX)
		return INT_MAX;
	if (d <= (double)INT_MIN)
		return INT_MIN;
	return (int)d;
}

/* How Wazuh's readJSON writes a number: "%i" when it is an int, else "%f",
 * into 64 bytes. Returns snprintf's count, which is the untruncated length
 * (Wazuh's CSV code adds that, not what was stored). */
static int wazuh_number(double d, char buf[64])
{
	int vi = value_int(d);
	if ((double)vi == d)
		return snprintf(buf, 64, "%i", vi);
	return snprintf(buf, 64, "%f", d);
}

/* cJSON's print_number. */
static yg_err print_number(walker *w, double d)
{
	char buf[32];
	int vi = value_int(d);
	int n;
	if (isnan(d) || isinf(d)) {
		n = snprintf(buf, sizeof(buf), "null");
	} else if (d == (double)vi) {
		n = snprintf(buf, sizeof(buf), "%d", vi);
	} else {
		n = snprintf(buf, sizeof(buf), "%1.15g", d);
		double back = strtod(buf, NULL);
		double big = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
		if (!(fabs(back - d) <= big * DBL_EPSILON))
			n = snprintf(buf, sizeof(buf), "%1.17g", d);
	}
	if (n < 0 || (size_t)n >= sizeof(buf))
		return YG_EINVAL;
	for (int i = 0; i < n; i++)
		if (buf[i] == w->dp)
			buf[i] = '.';
	return sb_put(&w->val, buf, (size_t)n);
}

/* cJSON's print_string_ptr: quoted, with \" \\ \b \f \n \r \t and \u00xx
 * for the other control bytes; everything else (UTF-8 too) as is. */
static yg_err print_string(sbuf *b, const char *s, size_t len)
{
	yg_err err = sb_putc(b, '"');
	for (size_t i = 0; !err && i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *e = NULL;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			if (c < 32) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				e = esc;
			}
		}
		if (e) {
			err = sb_put(b, e, strlen(e));
		} else {
			/* copy the run of plain bytes at once */
			size_t j = i + 1;
			while (j < len && (unsigned char)s[j] >= 32 && s[j] != '"' && s[j] != '\\')
				j++;
			err = sb_put(b, s + i, j - i);
			i = j - 1;
		}
	}
	return err ? err : sb_putc(b, '"');
}

/* The mode a new value gets from where it is. */
static mode ctx_mode(const walker *w)
{
	return w->depth ? (mode)w->st[w->depth - 1].mode : M_SKIP;
}

/* CSV: one scalar element, `text` with `z` the length Wazuh counts. */
static yg_err csv_add(walker *w, const char *text, size_t z, size_t visible)
{
	if (w->csv_blank)
		return YG_OK;
	if (w->csv_n + z >= CSV_MAX) {
		w->csv_blank = true;
		return YG_OK;
	}
	yg_err err = YG_OK;
	if (!w->csv_frozen)
		err = sb_put(&w->val, text, visible);
	if (visible < z)
		w->csv_frozen = true;
	w->csv_n += z;
	w->csv_pending = true;
	return err;
}

/* CSV: Wazuh's check after each scalar, with or without a next element. */
static yg_err csv_comma(walker *w, bool next)
{
	if (!w->csv_pending || w->csv_blank)
		return YG_OK;
	w->csv_pending = false;
	if (w->csv_n + 1 >= CSV_MAX) {
		w->csv_blank = true;
		return YG_OK;
	}
	if (!next)
		return YG_OK;
	w->csv_n++;
	return w->csv_frozen ? YG_OK : sb_putc(&w->val, ',');
}

typedef enum scalar {
	S_NULL,
	S_FALSE,
	S_TRUE,
	S_STRING, /* in w->str */
	S_NUMBER,
} scalar;

/* A complete scalar value in the current context. */
static yg_err on_scalar(walker *w, scalar t, double d)
{
	static const char *const word[] = {"null", "false", "true"};
	char num[64];
	int z;

	switch (ctx_mode(w)) {
	case M_SKIP: return YG_OK;
	case M_FLAT:
		switch (t) {
		case S_NULL:
			if (w->opts->null_mode == YG_JSON_NULL_DISCARD)
				return YG_OK;
			return emit(w, "null");
		case S_STRING: return emit(w, w->str.p);
		case S_NUMBER: wazuh_number(d, num); return emit(w, num);
		default: return emit(w, word[t]);
		}
	case M_RENDER:
		switch (t) {
		case S_STRING: return print_string(&w->val, w->str.p, w->str.len);
		case S_NUMBER: return print_number(w, d);
		default: return sb_put(&w->val, word[t], strlen(word[t]));
		}
	case M_CSV:
		switch (t) {
		case S_STRING: return csv_add(w, w->str.p, w->str.len, w->str.len);
		case S_NUMBER:
			z = wazuh_number(d, num);
			if (z < 0)
				return YG_EINVAL;
			return csv_add(w, num, (size_t)z, strlen(num));
		default: return csv_add(w, word[t], strlen(word[t]), strlen(word[t]));
		}
	}
	return YG_OK;
}

/* Opens an array or object as a value in the current context. */
static yg_err open_container(walker *w, bool is_obj)
{
	frame f = {.is_obj = is_obj, .mode = M_SKIP};

	switch (ctx_mode(w)) {
	case M_SKIP:
		/* the root object of pass 2 is the one place fields start */
		if (w->depth == 0 && is_obj) {
			w->root_obj = true;
			if (w->emit)
				f.mode = M_FLAT;
		}
		break;
	case M_FLAT:
		if (is_obj) {
			f.mode = M_FLAT;
			f.aux = (uint32_t)w->key.len;
			break;
		}
		/* an array member: printed or joined, then one field */
		w->render_base = w->depth;
		sb_trunc(&w->val, 0);
		if (!w->opts->array_structure) {
			f.mode = M_CSV;
			w->csv_n = 0;
			w->csv_blank = w->csv_frozen = w->csv_pending = false;
			break;
		}
		f.mode = M_RENDER;
		break;
	case M_RENDER: f.mode = M_RENDER; break;
	case M_CSV:
		/* Wazuh's CSV loop skips nested containers, and their comma */
		break;
	}
	w->st[w->depth++] = f;
	if (f.mode == M_RENDER)
		return is_obj ? sb_put(&w->val, "{\n", 2) : sb_putc(&w->val, '[');
	return YG_OK;
}

/* Closes the innermost container; emits an array member's field. */
static yg_err close_container(walker *w)
{
	frame *f = &w->st[w->depth - 1];
	yg_err err = YG_OK;

	if (f->mode == M_RENDER && f->is_obj) {
		size_t tabs = w->depth - 1 - w->render_base;
		if (f->aux)
			err = sb_putc(&w->val, '\n');
		if (!err)
			err = sb_tabs(&w->val, tabs);
		if (!err)
			err = sb_putc(&w->val, '}');
	} else if (f->mode == M_RENDER) {
		err = sb_putc(&w->val, ']');
		if (!err && w->depth - 1 == w->render_base)
			err = emit(w, w->val.p);
	} else if (f->mode == M_CSV) {
		err = csv_comma(w, false);
		if (!err && !w->csv_blank && w->val.len)
			err = emit(w, w->val.p);
	}
	w->depth--;
	return err;
}

/* A ',' inside the innermost container. */
static yg_err on_comma(walker *w)
{
	frame *f = &w->st[w->depth - 1];
	switch ((mode)f->mode) {
	case M_FLAT: sb_trunc(&w->key, f->aux); return YG_OK;
	case M_RENDER: return f->is_obj ? sb_put(&w->val, ",\n", 2) : sb_put(&w->val, ", ", 2);
	case M_CSV: return csv_comma(w, true);
	case M_SKIP: return YG_OK;
	}
	return YG_OK;
}

/* An object member's name and its ':' at p; returns where its value
 * starts, or NULL. */
static const char *member_name(walker *w, const char *p)
{
	frame *f = &w->st[w->depth - 1];

	switch ((mode)f->mode) {
	case M_FLAT:
		/* Wazuh: the name alone at the top, else parent "." name */
		sb_trunc(&w->key, f->aux);
		if (w->depth > 1 && (w->err = sb_putc(&w->key, '.')) != 0)
			return NULL;
		p = parse_string(w, p, &w->key);
		break;
	case M_RENDER:
		sb_trunc(&w->str, 0);
		p = parse_string(w, p, &w->str);
		if (!p)
			return NULL;
		f->aux = 1;
		if ((w->err = sb_tabs(&w->val, w->depth - w->render_base)) != 0 ||
		    (w->err = print_string(&w->val, w->str.p, w->str.len)) != 0 ||
		    (w->err = sb_put(&w->val, ":\t", 2)) != 0)
			return NULL;
		break;
	default: p = parse_string(w, p, NULL); break;
	}
	if (!p)
		return NULL;
	p = skip_ws(p);
	if (*p != ':')
		return NULL;
	return skip_ws(p + 1);
}

/* Walks the document. Returns YG_OK, YG_EPARSE on a syntax error, or
 * another error from w->err. */
static yg_err walk(walker *w, const char *text)
{
	const char *p = text;
	yg_err err;

	/* a UTF-8 BOM is skipped when something follows it */
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF && p[3])
		p += 3;
	p = skip_ws(p);
	for (;;) {
		/* a value starts at p */
		scalar t;
		double d = 0;
		if (*p == 'n' && !strncmp(p, "null", 4)) {
			t = S_NULL;
			p += 4;
		} else if (*p == 'f' && !strncmp(p, "false", 5)) {
			t = S_FALSE;
			p += 5;
		} else if (*p == 't' && !strncmp(p, "true", 4)) {
			t = S_TRUE;
			p += 4;
		} else if (*p == '"') {
			bool want = w->emit && ctx_mode(w) != M_SKIP;
			sb_trunc(&w->str, 0);
			p = parse_string(w, p, want ? &w->str : NULL);
			t = S_STRING;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			p = parse_number(w, p, &d);
			t = S_NUMBER;
		} else if (*p == '[' || *p == '{') {
			bool is_obj = *p == '{';
			if (w->depth >= NESTING_LIMIT)
				return YG_EPARSE;
			if ((err = open_container(w, is_obj)) != 0)
				return err;
			p = skip_ws(p + 1);
			if (*p == (is_obj ? '}' : ']')) {
				p++;
				if ((err = close_container(w)) != 0)
					return err;
				goto after_value;
			}
			if (is_obj && !(p = member_name(w, p)))
				return w->err ? w->err : YG_EPARSE;
			continue;
		} else {
			return YG_EPARSE;
		}
		if (!p)
			return w->err ? w->err : YG_EPARSE;
		if ((err = on_scalar(w, t, d)) != 0)
			return err;

	after_value:
		/* a value just ended */
		for (;;) {
			if (w->depth == 0 || w->stopped)
				return YG_OK; /* what follows the document is ignored */
			frame *f = &w->st[w->depth - 1];
			p = skip_ws(p);
			if (*p == ',') {
				if ((err = on_comma(w)) != 0)
					return err;
				p = skip_ws(p + 1);
				if (f->is_obj && !(p = member_name(w, p)))
					return w->err ? w->err : YG_EPARSE;
				break;
			}
			if (*p != (f->is_obj ? '}' : ']'))
				return YG_EPARSE;
			p++;
			if ((err = close_container(w)) != 0)
				return err;
		}
	}
}

yg_err yg_json_decode(const char *text, const yg_json_opts *opts, yg_json_field_fn fn, void *ctx)
{
	static const yg_json_opts defaults = {.null_mode = YG_JSON_NULL_STRING,
	                                      .array_structure = true};
	char kmem[256], vmem[512], smem[512];
	walker w; /* not zeroed as a whole: the frame stack is 8 KiB */
	yg_err err;

	if (!text)
		return YG_EINVAL;
	w.opts = opts ? opts : &defaults;
	w.fn = fn;
	w.ctx = ctx;
	w.emit = w.stopped = w.root_obj = false;
	w.err = YG_OK;
	w.depth = w.render_base = 0;
	w.csv_n = 0;
	w.csv_blank = w.csv_frozen = w.csv_pending = false;
	const char *dp = localeconv()->decimal_point;
	w.dp = dp && dp[0] ? dp[0] : '.';
	sb_init(&w.key, kmem, sizeof(kmem));
	sb_init(&w.val, vmem, sizeof(vmem));
	sb_init(&w.str, smem, sizeof(smem));

	err = walk(&w, text);
	/* Only an object gives fields; only then is the second pass run. */
	if (!err && fn && w.root_obj) {
		w.emit = true;
		w.depth = 0;
		err = walk(&w, text);
	}
	sb_free(&w.key);
	sb_free(&w.val);
	sb_free(&w.str);
	return err;
}
