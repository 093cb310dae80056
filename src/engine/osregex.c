/* osregex.c: Wazuh's OS_Regex pattern language.
 *
 * OS_Regex is not a regular-expression engine in the POSIX sense: Wazuh runs a
 * single left-to-right scanner over the subject that greedily consumes `+`/`*`
 * tokens, peeks one token ahead to decide when to leave a repetition, keeps at
 * most four rewind points, and restarts the whole pattern one byte after the
 * first byte of a failed attempt. Decoders depend on the exact results of that
 * scanner (including its oddities, see docs/patterns.md), so this file
 * re-creates the same state machine, written from its observable behaviour,
 * with its own data layout:
 *
 *   - each `|` alternative is compiled to a byte program: a literal is its
 *     lower-cased byte, a class is the two bytes OP_CLASS <class id>, a group
 *     boundary (both `(` and `)`) is the single byte OP_GROUP, and `+`/`*`
 *     stay as themselves after a class (after a literal they are literals);
 *   - the program ends with NUL bytes, so the scanner's look-ahead (up to
 *     three bytes past a class) never leaves the buffer;
 *   - every OP_GROUP byte has a precomputed capture slot, so recording a
 *     boundary is O(1).
 *
 * yg_osregex_exec keeps all of its state on the stack (no allocation, no
 * mutable state in the compiled object). Work that cannot lead to a match is
 * skipped without changing any result: an alternative whose required literal
 * text is absent from the subject is not run at all, and restarts jump to the
 * next position where the first token (a literal prefix or a class) fits.
 * Each alternative's work is bounded by a step budget (RX_STEP_BUDGET_*). */
#include "engine/osregex.h"

#include <stdarg.h>
#include <stdint.h>

#include "engine/bytecost.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wazuh's OS_PATTERN_MAXSIZE: longer patterns are rejected. */
#define RX_MAX_PATTERN 20480

/* Program bytes. Neither can be a literal: an unescaped backslash always
 * starts an escape and an unescaped parenthesis is always a group boundary. */
#define OP_CLASS ((uint8_t)'\\')
#define OP_GROUP ((uint8_t)'(')

/* Bytes of NUL padding after each program: the scanner reads at most three
 * bytes past the current token. */
#define RX_PAD 4

/* Capture slots tracked during a match (two per group). */
#define RX_MAX_MARKS (2 * YG_OSREGEX_MAX_CAPTURES)
#define RX_NOSLOT UINT16_MAX

/* "No position": Wazuh's NULL for the result and rewind pointers. Positions
 * are subject indexes and may be -1 (one before the subject). */
#define RX_NONE PTRDIFF_MIN

/* Scanner steps allowed per alternative: RX_STEP_BUDGET_MIN plus
 * RX_STEP_BUDGET_PER_BYTE per subject byte. Wazuh's scanner is polynomial in
 * the worst case (four nested rewind points on top of the restart loop: a
 * cubic 1.6 KB case takes 700M steps); the Wazuh ruleset's patterns stay
 * under 350 steps per byte and 900K steps on its test logs. An alternative
 * that exceeds its budget is treated as not matching (Wazuh would go on). */
#define RX_STEP_BUDGET_PER_BYTE 1024u
#define RX_STEP_BUDGET_MIN (2u << 20)

/* Alternative flags. */
#define ALT_BEGIN 0x1u /* leading ^ */
#define ALT_END 0x2u   /* trailing $ */

/* ---- character classes ---- */

enum rx_class {
	RC_DIGIT = 1, /* \d */
	RC_WORD,      /* \w */
	RC_SPACE,     /* \s */
	RC_PUNCT,     /* \p */
	RC_LPAREN,    /* \( */
	RC_RPAREN,    /* \) */
	RC_BSLASH,    /* \\ */
	RC_NDIGIT,    /* \D */
	RC_NWORD,     /* \W */
	RC_NSPACE,    /* \S */
	RC_ANY,       /* \. */
	RC_TAB,       /* \t */
	RC_DOLLAR,    /* \$ */
	RC_PIPE,      /* \| */
	RC_LT,        /* \< */
};

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
/* \w is wider than POSIX: it also takes '-' and '@'. */
#define IS_WORD(c)                                                                                 \
	(IS_DIGIT(c) || ((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || (c) == '-' ||  \
	 (c) == '@' || (c) == '_')
/* \p: ! " # $ % & ' ( ) * + , - . : ; < = > ? [ ] { | } (not / \ ^ _ ` ~ @). */
#define IS_PUNCT(c)                                                                                \
	(((c) >= '!' && (c) <= '.') || ((c) >= ':' && (c) <= '?') || (c) == '[' || (c) == ']' ||   \
	 (c) == '{' || (c) == '|' || (c) == '}')
#define CB_IF(cond, cls) ((cond) ? (1u << (cls)) : 0u)
/* The set of classes byte c belongs to, as a bit mask. */
#define CB(c)                                                                                      \
	(uint16_t)(CB_IF(IS_DIGIT(c), RC_DIGIT) | CB_IF(IS_WORD(c), RC_WORD) |                     \
	           CB_IF((c) == ' ', RC_SPACE) | CB_IF(IS_PUNCT(c), RC_PUNCT) |                    \
	           CB_IF((c) == '(', RC_LPAREN) | CB_IF((c) == ')', RC_RPAREN) |                   \
	           CB_IF((c) == '\\', RC_BSLASH) | CB_IF(!IS_DIGIT(c), RC_NDIGIT) |                \
	           CB_IF(!IS_WORD(c), RC_NWORD) | CB_IF((c) != ' ', RC_NSPACE) |                   \
	           CB_IF(1, RC_ANY) | CB_IF((c) == '\t', RC_TAB) | CB_IF((c) == '$', RC_DOLLAR) |  \
	           CB_IF((c) == '|', RC_PIPE) | CB_IF((c) == '<', RC_LT))
#define R4(b) CB(b), CB((b) + 1), CB((b) + 2), CB((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)
static const uint16_t class_bits[256] = {R64(0), R64(64), R64(128), R64(192)};

/* How a subject byte compares with program literals: ASCII letters are
 * lower-cased (Wazuh's charmap), and bytes >= 0x80 become 0xFF, which no
 * literal holds. Wazuh compares its pattern bytes as (signed) char with the
 * subject's unsigned charmap value, so on x86-64, where char is signed, a
 * pattern byte >= 0x80 never matches; such literals are compiled to
 * RX_NOLIT. Classes test the raw byte and do match bytes >= 0x80. */
#define RX_NOLIT 0x80u
#define FOLD(c) (uint8_t)(((c) >= 'A' && (c) <= 'Z') ? (c) + 32 : (c) >= 0x80 ? 0xFF : (c))
#define L4(b) FOLD(b), FOLD((b) + 1), FOLD((b) + 2), FOLD((b) + 3)
#define L16(b) L4(b), L4((b) + 4), L4((b) + 8), L4((b) + 12)
#define L64(b) L16(b), L16((b) + 16), L16((b) + 32), L16((b) + 48)
static const uint8_t fold[256] = {L64(0), L64(64), L64(128), L64(192)};

static inline bool in_class(uint8_t cls, uint8_t c)
{
	return (class_bits[c] >> cls) & 1u;
}

static inline bool is_quant(uint8_t b)
{
	return b == '+' || b == '*';
}

/* Maps the letter after a backslash to its class; 0 if it is not one. */
static uint8_t escape_class(char c)
{
	switch (c) {
	case 'd': return RC_DIGIT;
	case 'w': return RC_WORD;
	case 's': return RC_SPACE;
	case 'p': return RC_PUNCT;
	case '(': return RC_LPAREN;
	case ')': return RC_RPAREN;
	case '\\': return RC_BSLASH;
	case 'D': return RC_NDIGIT;
	case 'W': return RC_NWORD;
	case 'S': return RC_NSPACE;
	case '.': return RC_ANY;
	case 't': return RC_TAB;
	case '$': return RC_DOLLAR;
	case '|': return RC_PIPE;
	case '<': return RC_LT;
	default: return 0;
	}
}

/* ---- compiled form ---- */

/* How restarts may skip ahead (only used without ^, see rx_skip). */
enum rx_skip_kind {
	SKIP_NONE,
	SKIP_PREFIX, /* the program starts with literal bytes */
	SKIP_CLASS,  /* the program starts with a class without `*` */
	SKIP_NEVER,  /* a literal every match needs can never match */
};

/* A run of literal bytes of a program and how to search for it. */
struct rx_lit {
	size_t off;    /* program index of its first byte */
	size_t len;    /* 0: no run */
	size_t anchor; /* index in the run of the byte scanned for */
	char set[3];   /* that byte in both cases, NUL-terminated, for strpbrk */
};

struct rx_alt {
	const uint8_t *code;  /* program, NUL-terminated plus padding */
	const uint16_t *slot; /* capture slot of each OP_GROUP byte of code */
	unsigned flags;       /* ALT_BEGIN, ALT_END */
	unsigned nmarks;      /* OP_GROUP bytes (two per group) */
	enum rx_skip_kind skip;
	size_t first;         /* index of the first non-group token */
	struct rx_lit prefix; /* SKIP_PREFIX: the literal bytes at code + first */
	struct rx_lit need;   /* a literal run every match needs (len 0: none) */
	uint8_t skip_class;   /* SKIP_CLASS: its class */
	bool skip_plus;       /* SKIP_CLASS: the class has a `+` */
	char class_set[11];   /* SKIP_CLASS: the class's bytes, when few (strpbrk) */
};

struct yg_osregex {
	size_t nalts;
	int maxgroups;   /* most groups in one alternative */
	bool has_groups; /* any group at all: enables the capturing mode */
	struct rx_alt *alts;
	uint8_t *codebuf;
	uint16_t *slotbuf;
};

/* Writes a compile error reason into err; returns YG_EPARSE. */
static yg_err fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static yg_err fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return YG_EPARSE;
}

/* Checks the pattern the way Wazuh's compiler does, counting alternatives.
 * Returns YG_OK or YG_EPARSE with a reason in err. */
static yg_err validate(const char *p, size_t *nalts, char *err, size_t errlen)
{
	int depth = 0;
	size_t n = 1, open_at = 0;
	for (size_t i = 0; p[i]; i++) {
		switch (p[i]) {
		case '\\':
			if (p[i + 1] == '\0')
				return fail(err, errlen,
				            "pattern ends with a lone '\\' at offset %zu", i);
			if (!escape_class(p[i + 1])) {
				unsigned char e = (unsigned char)p[i + 1];
				if (e > ' ' && e < 0x7f)
					return fail(err, errlen,
					            "unknown escape '\\%c' at offset %zu", e, i);
				return fail(err, errlen,
				            "unknown escape: '\\' then byte 0x%02x at offset %zu",
				            e, i);
			}
			i++;
			break;
		case '(':
			if (++depth > 1)
				return fail(err, errlen,
				            "nested '(' at offset %zu (groups cannot nest)", i);
			open_at = i;
			break;
		case ')':
			if (--depth < 0)
				return fail(err, errlen, "unbalanced ')' at offset %zu", i);
			break;
		case '|':
			if (depth)
				return fail(err, errlen, "'|' inside a group at offset %zu", i);
			n++;
			break;
		default: break;
		}
	}
	if (depth)
		return fail(err, errlen, "unbalanced '(' at offset %zu (never closed)", open_at);
	*nalts = n;
	return YG_OK;
}

/* Describes the literal run P[off..off+len) into l, choosing its rarest
 * byte to scan for. Returns false if the run can never match (RX_NOLIT). */
static bool plan_lit(const uint8_t *P, size_t off, size_t len, struct rx_lit *l)
{
	int best = 99;
	l->off = off;
	l->len = len;
	l->anchor = 0;
	for (size_t i = 0; i < len; i++) {
		if (P[off + i] == RX_NOLIT)
			return false;
		int r = yg_byte_cost(P[off + i]);
		if (r < best) {
			best = r;
			l->anchor = i;
		}
	}
	uint8_t b = P[off + l->anchor];
	l->set[0] = (char)b;
	l->set[1] = (b >= 'a' && b <= 'z') ? (char)(b - 32) : '\0';
	l->set[2] = '\0';
	return true;
}

/* Finds the longest run of literal bytes that every match of the program
 * must have matched, consecutively, somewhere in the subject: the scanner
 * only moves past a literal by matching it, and consecutive literals match
 * consecutive bytes. The one exception is a last byte right after a class,
 * which Wazuh's scanner may finish without (see rx_run_alt). Returns false
 * if a needed byte can never match. */
static bool plan_need(struct rx_alt *a, size_t plen)
{
	const uint8_t *P = a->code;
	size_t best_off = 0, best_len = 0, rare_off = 0;
	bool rare = false;
	for (size_t i = 0; i < plen;) {
		if (P[i] == OP_CLASS) {
			i += 2;
			if (i < plen && is_quant(P[i]))
				i++;
			continue;
		}
		if (P[i] == OP_GROUP) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < plen && P[j] != OP_CLASS && P[j] != OP_GROUP)
			j++;
		size_t len = j - i;
		if (j == plen && len == 1 && i >= 2 && P[i - 2] == OP_CLASS)
			len = 0; /* may be skipped */
		for (size_t k = i; k < i + len; k++) {
			if (P[k] == RX_NOLIT)
				return false;
		}
		if (len > best_len) {
			best_len = len;
			best_off = i;
		}
		if (len == 1 && !rare && yg_byte_cost(P[i]) <= 1) {
			rare = true;
			rare_off = i;
		}
		i = j;
	}
	a->need.len = 0;
	/* Checking is worth it for two bytes or more, or a rare one. */
	if (best_len >= 2)
		plan_lit(P, best_off, best_len, &a->need);
	else if (rare)
		plan_lit(P, rare_off, 1, &a->need);
	/* With ^ and a literal first, the scanner fails at once anyway. */
	if ((a->flags & ALT_BEGIN) && P[a->first] != OP_CLASS)
		a->need.len = 0;
	return true;
}

/* Decides how restarts of alternative `a` may skip ahead. */
static void plan_skip(struct rx_alt *a)
{
	const uint8_t *P = a->code;
	a->skip = SKIP_NONE;
	a->first = (P[0] == OP_GROUP && P[1] != OP_GROUP) ? 1 : 0;
	if (a->flags & ALT_BEGIN)
		return;
	size_t f = a->first;
	if (P[f] == OP_CLASS) {
		if (P[f + 2] != '*') {
			a->skip = SKIP_CLASS;
			a->skip_class = P[f + 1];
			a->skip_plus = P[f + 2] == '+';
			/* Small classes are searched for with strpbrk. */
			size_t nb = 0;
			for (int c = 1; c < 256; c++) {
				if (in_class(a->skip_class, (uint8_t)c)) {
					if (nb + 1 >= sizeof(a->class_set)) {
						nb = 0;
						break;
					}
					a->class_set[nb++] = (char)c;
				}
			}
			a->class_set[nb] = '\0';
		}
		return;
	}
	size_t k = 0;
	while (P[f + k] && P[f + k] != OP_CLASS && P[f + k] != OP_GROUP)
		k++;
	if (!k)
		return;
	if (!plan_lit(P, f, k, &a->prefix)) {
		a->skip = SKIP_NEVER;
		return;
	}
	a->skip = SKIP_PREFIX;
}

/* Emits the program of one alternative p[0..len) (already validated) into
 * code/slot at *pos; fills a. */
static void emit_alt(const char *p, size_t len, uint8_t *code, uint16_t *slot, size_t *pos,
                     struct rx_alt *a)
{
	size_t i = 0, o = *pos, start = *pos;
	bool last_literal_dollar = false;
	a->flags = 0;
	a->nmarks = 0;
	if (len && p[0] == '^') {
		a->flags |= ALT_BEGIN;
		i = 1;
	}
	while (i < len) {
		char c = p[i];
		last_literal_dollar = false;
		if (c == '\\') {
			code[o++] = OP_CLASS;
			code[o++] = escape_class(p[i + 1]);
			i += 2;
			continue;
		}
		if (c == '(' || c == ')') {
			slot[o] = a->nmarks < RX_MAX_MARKS ? (uint16_t)a->nmarks : RX_NOSLOT;
			code[o++] = OP_GROUP;
			a->nmarks++;
			i++;
			continue;
		}
		code[o++] = (uint8_t)c >= 0x80 ? RX_NOLIT : fold[(uint8_t)c];
		last_literal_dollar = c == '$';
		i++;
	}
	/* A trailing literal '$' anchors the end (an escaped \$ does not). */
	if (last_literal_dollar) {
		o--;
		a->flags |= ALT_END;
	}
	for (int k = 0; k < RX_PAD; k++)
		code[o++] = 0;
	a->code = code + start;
	a->slot = slot + start;
	*pos = o;
	plan_skip(a);
	if (!plan_need(a, o - start - RX_PAD))
		a->skip = SKIP_NEVER;
	else if (a->need.len && a->skip == SKIP_PREFIX && a->need.off == a->first)
		a->need.len = 0; /* the prefix search covers it */
}

yg_err yg_osregex_compile(const char *pattern, yg_osregex **out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return YG_EINVAL;
	*out = NULL;
	if (!pattern) {
		if (err && errlen)
			snprintf(err, errlen, "no pattern");
		return YG_EINVAL;
	}
	size_t plen = strlen(pattern);
	if (plen > RX_MAX_PATTERN) {
		if (err && errlen)
			snprintf(err, errlen, "pattern is %zu bytes long (at most %d)", plen,
			         RX_MAX_PATTERN);
		return YG_EPARSE;
	}
	size_t nalts = 0;
	yg_err rc = validate(pattern, &nalts, err, errlen);
	if (rc)
		return rc;

	yg_osregex *re = calloc(1, sizeof(*re));
	size_t cap = plen + nalts * RX_PAD;
	if (re) {
		re->alts = calloc(nalts, sizeof(*re->alts));
		re->codebuf = calloc(cap, 1);
		re->slotbuf = calloc(cap, sizeof(*re->slotbuf));
	}
	if (!re || !re->alts || !re->codebuf || !re->slotbuf) {
		yg_osregex_destroy(re);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return YG_ENOMEM;
	}
	re->nalts = nalts;

	/* Split at top-level '|' (validate() guarantees none is inside a group
	 * and every backslash has its escaped byte). */
	size_t pos = 0, start = 0, k = 0;
	for (size_t i = 0;; i++) {
		if (pattern[i] == '\\') {
			i++;
			continue;
		}
		if (pattern[i] != '|' && pattern[i] != '\0')
			continue;
		struct rx_alt *a = &re->alts[k++];
		emit_alt(pattern + start, i - start, re->codebuf, re->slotbuf, &pos, a);
		int groups = (int)(a->nmarks / 2);
		if (groups > re->maxgroups)
			re->maxgroups = groups;
		if (a->nmarks)
			re->has_groups = true;
		if (pattern[i] == '\0')
			break;
		start = i + 1;
	}
	*out = re;
	return YG_OK;
}

int yg_osregex_ncaptures(const yg_osregex *re)
{
	return re ? re->maxgroups : 0;
}

void yg_osregex_destroy(yg_osregex *re)
{
	if (!re)
		return;
	free(re->alts);
	free(re->codebuf);
	free(re->slotbuf);
	free(re);
}

/* ---- matching ---- */

/* Where the scanner may rewind to: a `+`/`*` class it left early. */
struct rx_rewind {
	size_t pt;
	ptrdiff_t st;
};

/* Per-call scanner context (lives on the caller's stack). */
struct rx_run {
	const struct rx_alt *a;
	const uint8_t *s;
	ptrdiff_t *marks; /* NULL outside the capturing mode */
};

static inline void mark(const struct rx_run *x, size_t pt, ptrdiff_t st)
{
	if (x->marks) {
		uint16_t k = x->a->slot[pt];
		if (k != RX_NOSLOT)
			x->marks[k] = st;
	}
}

/* Returns the first position >= st where the literal run l of program P
 * occurs in s (ignoring ASCII case), or RX_NONE. */
static ptrdiff_t lit_find(const struct rx_lit *l, const uint8_t *P, const uint8_t *s, ptrdiff_t st)
{
	const uint8_t *p = P + l->off;
	const size_t k = l->len, ak = l->anchor;
	/* the bytes before the anchor must exist */
	for (size_t j = 0; j < ak; j++) {
		if (!s[st + (ptrdiff_t)j])
			return RX_NONE;
	}
	const char *q = (const char *)s + st + ak;
	for (;;) {
		q = l->set[1] ? strpbrk(q, l->set) : strchr(q, l->set[0]);
		if (!q)
			return RX_NONE;
		const uint8_t *c = (const uint8_t *)q - ak;
		size_t j = 0;
		while (j < k && fold[c[j]] == p[j])
			j++;
		if (j == k)
			return c - s;
		if (!c[j])
			return RX_NONE; /* the run cannot fit any more */
		q++;
	}
}

/* From st (a restart position), returns the first position at which the
 * alternative's first token can match, or RX_NONE when there is none.
 * Positions skipped are exactly those where the scanner, in its initial
 * state, would fail on the first token and restart one byte further. */
static ptrdiff_t rx_skip(const struct rx_alt *a, const uint8_t *s, ptrdiff_t st)
{
	if (a->skip == SKIP_NEVER)
		return RX_NONE;
	if (a->skip == SKIP_PREFIX)
		return lit_find(&a->prefix, a->code, s, st);
	if (a->class_set[0]) {
		const char *q = strpbrk((const char *)s + st, a->class_set);
		return q ? (const uint8_t *)q - s : RX_NONE;
	}
	const uint8_t cls = a->skip_class;
	while (s[st] && !in_class(cls, s[st]))
		st++;
	return s[st] ? st : RX_NONE;
}

/* Wazuh's check, once the subject is exhausted, of whether the rest of the
 * program can match nothing: a group boundary then the end, or (after a
 * class that already matched) what remains is `+`/`*` classes ending the
 * program. The cursor moves as Wazuh's does while testing, which is why the
 * later tests see the earlier tests' advances. */
static bool rx_tail_accepts(const uint8_t *P, size_t q, bool repeating)
{
	if (P[q] == OP_GROUP)
		q++;
	if (P[q] == 0)
		return true;
	if (P[q] == OP_CLASS && repeating) {
		q += 2;
		if (is_quant(P[q])) {
			q++;
			if (P[q] == OP_GROUP)
				q++;
			if (P[q] == 0)
				return true;
			if (P[q] == OP_CLASS) {
				q += 2;
				if (P[q] == '*') {
					q++;
					if (P[q] == OP_GROUP)
						q++;
					if (P[q] == 0)
						return true;
				}
			}
		}
	}
	if (P[q] == OP_CLASS) {
		q += 2;
		if (P[q] == '*') {
			q++;
			if (P[q] == OP_GROUP)
				q++;
			if (P[q] == 0)
				return true;
		}
	}
	return false;
}

/* Called when an alternative has used RX_STEP_BUDGET_MIN steps: returns the
 * further steps allowed for this subject (once), or 0. */
static size_t rx_more_budget(const uint8_t *s, bool *extended)
{
	if (*extended)
		return 0;
	*extended = true;
	size_t n = strlen((const char *)s);
	return n < SIZE_MAX / RX_STEP_BUDGET_PER_BYTE ? n * RX_STEP_BUDGET_PER_BYTE : SIZE_MAX;
}

/* The scanner's state for one alternative, named after what it means
 * rather than Wazuh's variables:
 *   pt        current program byte
 *   st        current subject byte
 *   res       result so far (RX_NONE once an attempt failed)
 *   restart   where the current attempt began to match, or RX_NONE
 *   repeating a `+`/`*` class is being repeated (Wazuh's _regex_matched)
 * Only scalars, so that the compiler keeps them in registers once the step
 * functions are inlined; the rewind points are kept apart for that reason. */
struct rx_state {
	size_t pt;
	ptrdiff_t st, res, restart;
	bool repeating;
};

/* Up to four rewind points, used last-in first-out. */
struct rx_rewinds {
	int n;
	struct rx_rewind v[4];
};

/* What a step tells the scanner loop: next byte, the attempt failed, or
 * the scan is over with S->res. */
enum rx_next { RX_NEXT, RX_FAILED, RX_DONE };

/* Inside a `+`/`*` repetition whose class fits c, peeks at the token after
 * it (at nx): if c also fits that token, moves on to it keeping a rewind
 * point, else keeps repeating. False when the repetition ends the program,
 * in which case the result is not advanced (as in Wazuh). */
static inline bool rx_repeat_peek(const struct rx_run *x, struct rx_state *S, struct rx_rewinds *rw,
                                  uint8_t c, size_t nx)
{
	const uint8_t *P = x->a->code;
	bool over_group = false;
	int adv = -1;
	if (P[nx] == OP_GROUP) {
		nx++;
		over_group = true;
	}
	if (P[nx] == 0) {
		adv = 1;
	} else if (P[nx] == OP_CLASS) {
		if (in_class(P[nx + 1], c))
			adv = is_quant(P[nx + 2]) ? 0 : 2;
	} else if (P[nx] == fold[c]) {
		S->repeating = false;
		adv = 1;
	}
	if (adv < 0)
		return true;
	if (over_group)
		mark(x, nx - 1, (S->repeating && adv == 1) ? S->st + 1 : S->st);
	if (P[nx] == 0)
		return false;
	nx += (size_t)adv;
	if (rw->n < 4) {
		rw->v[rw->n].pt = S->pt;
		rw->v[rw->n].st = S->st;
		rw->n++;
	}
	S->pt = nx;
	return true;
}

/* The subject byte c fits the class token at S->pt. */
static inline void rx_class_hit(const struct rx_run *x, struct rx_state *S, struct rx_rewinds *rw,
                                uint8_t c)
{
	const uint8_t *P = x->a->code;
	size_t nx = S->pt + 2;
	if (!is_quant(P[nx])) {
		/* a single class byte */
		S->pt = nx;
		if (S->restart == RX_NONE)
			S->restart = S->st;
		S->res = S->st;
		return;
	}
	if (P[nx] == '*')
		S->repeating = true;
	if (S->repeating) {
		if (!rx_repeat_peek(x, S, rw, c, nx + 1))
			return;
	} else {
		/* first byte of a `+` repetition */
		nx++;
		if (P[nx] == OP_GROUP)
			mark(x, nx, x->s[S->st + 1] == 0 ? S->st + 1 : S->st);
		S->repeating = true;
	}
	S->res = S->st;
}

/* The subject byte does not fit the class token at S->pt: the end of a
 * repetition (retry the byte after it), the end of the match, or a failed
 * attempt. */
static inline enum rx_next rx_class_miss(struct rx_state *S, const uint8_t *P, bool end_anchor)
{
	const size_t pt = S->pt;
	if ((P[pt + 2] == 0 || P[pt + 3] == 0) && S->repeating && S->res != RX_NONE) {
		/* a repetition ending the program: done */
		S->res = S->st;
		if (!end_anchor)
			return RX_DONE;
	} else if (P[pt + 2] == '+' && S->repeating) {
		/* leave the repetition; retry this byte after it */
		S->pt += 3;
		S->repeating = false;
		S->st--;
		return RX_NEXT;
	} else if (P[pt + 2] == '*') {
		/* zero repetitions; retry this byte after it */
		S->pt += 3;
		S->repeating = false;
		S->st--;
		S->res = S->st;
		return RX_NEXT;
	}
	S->repeating = false;
	return RX_FAILED;
}

/* The attempt failed at S->st: rewinds to the last rewind point, or
 * restarts the program further on (skipping positions where the first
 * token cannot match). False when no match is possible any more. */
static inline bool rx_retry(const struct rx_alt *a, const uint8_t *s, struct rx_state *S,
                            struct rx_rewinds *rw)
{
	if (rw->n > 0) {
		rw->n--;
		S->pt = rw->v[rw->n].pt;
		S->st = rw->v[rw->n].st;
		return true;
	}
	if (a->flags & ALT_BEGIN)
		return false;
	if (S->restart != RX_NONE) {
		S->st = S->restart;
		S->restart = RX_NONE;
	}
	S->pt = 0;
	S->res = RX_NONE;
	if (a->skip == SKIP_PREFIX || a->skip == SKIP_NEVER ||
	    (a->skip == SKIP_CLASS && !(a->skip_plus && S->repeating))) {
		ptrdiff_t nst = rx_skip(a, s, S->st + 1);
		if (nst == RX_NONE)
			return false;
		if (nst > S->st + 1 && a->skip == SKIP_CLASS)
			S->repeating = false;
		S->st = nst - 1;
	}
	return true;
}

/* Where the first attempt starts. False when the subject cannot match:
 * it lacks the literal run every match needs, or the literal first token. */
static inline bool rx_start(const struct rx_alt *a, const uint8_t *s, struct rx_state *S)
{
	if (a->need.len && lit_find(&a->need, a->code, s, 0) == RX_NONE)
		return false;
	if (a->skip == SKIP_PREFIX || a->skip == SKIP_NEVER) {
		/* A literal first token fails the same way from the initial state
		 * as from a restart, so the very first position may skip too. */
		S->st = rx_skip(a, s, 0);
		if (S->st == RX_NONE)
			return false;
		if (S->st > 0)
			S->res = RX_NONE;
	}
	return true;
}

/* The subject is exhausted. In the capturing mode Wazuh first steps over
 * `*` classes to a group boundary and records the subject end there. */
static inline ptrdiff_t rx_finish(const struct rx_run *x, struct rx_state *S)
{
	const uint8_t *P = x->a->code;
	if (x->marks) {
		while (P[S->pt] == OP_CLASS && P[S->pt + 2] == '*')
			S->pt += 3;
		if (P[S->pt] == OP_GROUP)
			mark(x, S->pt, S->st);
	}
	return rx_tail_accepts(P, S->pt, S->repeating) ? S->res : RX_NONE;
}

/* Runs the scanner for one alternative over the subject. Returns Wazuh's
 * result position (the last byte it matched, -1 or the subject length in
 * corner cases) or RX_NONE. In the capturing mode, group boundaries are
 * written to x->marks (which the caller cleared); like Wazuh, they are not
 * cleared again when an attempt fails and the scan restarts. */
static ptrdiff_t rx_run_alt(const struct rx_run *x)
{
	const struct rx_alt *a = x->a;
	const uint8_t *P = a->code;
	const uint8_t *s = x->s;
	const bool end_anchor = a->flags & ALT_END;
	struct rx_state S = {.restart = RX_NONE};
	struct rx_rewinds rw;
	rw.n = 0;
	size_t budget = RX_STEP_BUDGET_MIN;
	bool extended = false;

	if (!rx_start(a, s, &S))
		return RX_NONE;
	for (; s[S.st]; S.st++) {
		if (budget-- == 0 && !(budget = rx_more_budget(s, &extended)))
			return RX_NONE;
		const uint8_t c = s[S.st];

		if (P[S.pt] == 0) {
			if (!end_anchor)
				return S.res;
		} else if (P[S.pt] == OP_GROUP) {
			/* one boundary is stepped over per subject byte */
			mark(x, S.pt, S.st);
			S.pt++;
			if (P[S.pt] == 0 && !end_anchor)
				return S.res;
		}

		enum rx_next next = RX_FAILED;
		if (P[S.pt] == OP_CLASS) {
			if (in_class(P[S.pt + 1], c)) {
				rx_class_hit(x, &S, &rw, c);
				next = RX_NEXT;
			} else {
				next = rx_class_miss(&S, P, end_anchor);
			}
		} else if (P[S.pt] == fold[c]) {
			S.pt++;
			if (S.restart == RX_NONE)
				S.restart = S.st;
			S.res = S.st;
			next = RX_NEXT;
		}
		if (next == RX_DONE)
			return S.res;
		if (next == RX_FAILED && !rx_retry(a, s, &S, &rw))
			return RX_NONE;
	}
	return rx_finish(x, &S);
}

bool yg_osregex_exec(const yg_osregex *re, const char *str, yg_span *caps, int maxcaps, int *ncaps,
                     const char **match_end)
{
	if (ncaps)
		*ncaps = 0;
	if (!re || !str)
		return false;
	const uint8_t *s = (const uint8_t *)str;
	/* Wazuh's OS_RETURN_SUBSTRING mode (decoder <regex>) differs from the
	 * plain mode in one corner; the caller selects it by asking for caps. */
	const bool capturing = caps != NULL && re->has_groups;
	ptrdiff_t marks[RX_MAX_MARKS];
	struct rx_run x = {.s = s, .marks = capturing ? marks : NULL};

	for (size_t i = 0; i < re->nalts; i++) {
		const struct rx_alt *a = &re->alts[i];
		x.a = a;
		size_t nm = a->nmarks < RX_MAX_MARKS ? a->nmarks : RX_MAX_MARKS;
		if (capturing) {
			for (size_t k = 0; k < nm; k++)
				marks[k] = RX_NONE;
		}
		ptrdiff_t res = rx_run_alt(&x);
		if (res == RX_NONE)
			continue;

		int got = 0;
		if (capturing) {
			/* Wazuh copies boundary pairs until the first incomplete
			 * one; a pair whose end lies before its start makes its
			 * copy fail, and with it the whole match. */
			for (size_t k = 0; k + 1 < nm; k += 2) {
				if (marks[k] == RX_NONE || marks[k + 1] == RX_NONE)
					break;
				if (marks[k + 1] < marks[k])
					return false;
				if (got < maxcaps) {
					caps[got].ptr = str + marks[k];
					caps[got].len = (size_t)(marks[k + 1] - marks[k]);
					got++;
				}
			}
		}
		if (ncaps)
			*ncaps = got;
		if (match_end) {
			/* analysisd continues after the last matched byte unless
			 * that is the terminating NUL; a result of -1 (an empty
			 * `*` match at the start) continues at the start. */
			if (res < 0)
				*match_end = str;
			else
				*match_end = str + res + (s[res] ? 1 : 0);
		}
		return true;
	}
	return false;
}
