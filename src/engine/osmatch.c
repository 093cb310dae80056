/* osmatch.c: Wazuh's OS_Match (sregex) pattern language.
 *
 * A pattern is `|`-separated alternatives of literal text, compared without
 * regard to ASCII case. Per alternative: `^text` must start the subject,
 * `text$` must end it, `^text$` must be all of it, plain `text` may occur
 * anywhere, and an empty alternative (also a lone `^` or `$`) matches
 * everything. A leading `!` negates the whole pattern. There are no escapes:
 * `|` always separates, `^`/`$` elsewhere are literal.
 *
 * Since the result is "any alternative matches", alternatives are tested in
 * whatever order is fastest: anchored ones by direct comparison, floating
 * ones by scanning for a well-chosen byte of each (memchr), or, with many
 * floating alternatives, in one pass over the subject driven by a table of
 * their first bytes. */
#include "engine/osmatch.h"

#include <stdint.h>

#include "engine/bytecost.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wazuh's OS_PATTERN_MAXSIZE. */
#define OM_MAX_PATTERN 20480

/* Up to this many floating alternatives are searched one by one; more are
 * searched together in one pass. */
#define OM_PER_ALT_SEARCH 4

enum om_kind {
	OM_FLOAT,  /* text anywhere */
	OM_PREFIX, /* ^text */
	OM_SUFFIX, /* text$ */
	OM_EXACT,  /* ^text$ */
};

struct om_alt {
	enum om_kind kind;
	size_t off;    /* lower-cased text at buf + off */
	size_t len;    /* never 0: empty alternatives make the pattern universal */
	size_t anchor; /* OM_FLOAT: index of the byte memchr looks for */
};

struct yg_osmatch {
	bool negate;
	bool universal; /* some alternative matches every subject */
	size_t nalts;
	struct om_alt *alts; /* anchored first, then floating */
	size_t nfloat;       /* floating alternatives at the end of alts */
	uint8_t *buf;
	/* One-pass search: floating alternatives by lower-cased first byte,
	 * as index ranges into byfirst. */
	uint16_t *byfirst;
	uint32_t *first_at; /* 257 entries */
};

#define LC(c) (uint8_t)(((c) >= 'A' && (c) <= 'Z') ? (c) + 32 : (c))
#define L4(b) LC(b), LC((b) + 1), LC((b) + 2), LC((b) + 3)
#define L16(b) L4(b), L4((b) + 4), L4((b) + 8), L4((b) + 12)
#define L64(b) L16(b), L16((b) + 16), L16((b) + 32), L16((b) + 48)
static const uint8_t lower[256] = {L64(0), L64(64), L64(128), L64(192)};

static inline bool is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Compares n bytes of s with lower-cased p, ignoring ASCII case; a NUL in s
 * never equals p (p holds no NUL). */
static inline bool eq_nocase(const uint8_t *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lower[s[i]] != p[i])
			return false;
	}
	return true;
}

static void plan_anchor(struct om_alt *a, const uint8_t *text)
{
	size_t best = 0;
	int cost = yg_byte_cost(text[0]);
	for (size_t i = 1; i < a->len && cost > 0; i++) {
		int r = yg_byte_cost(text[i]);
		if (r < cost) {
			cost = r;
			best = i;
		}
	}
	a->anchor = best;
}

/* Wazuh's floating search compares each pattern byte as a (signed) char
 * with the subject's unsigned charmap value, so on x86-64 an alternative
 * holding a byte >= 0x80 never matches anywhere. (The anchored forms use
 * strcasecmp and are not affected.) */
static bool has_high_byte(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			return true;
	}
	return false;
}

/* Classifies one alternative p[0..len) (already lower-cased). Returns false
 * for an alternative that matches everything. */
static bool classify(const uint8_t *p, size_t len, size_t base, struct om_alt *a)
{
	bool begin = len > 0 && p[0] == '^';
	bool end = len > 0 && p[len - 1] == '$' && !(begin && len == 1); /* "^" is no "$" */
	size_t off = begin ? 1 : 0;
	size_t tlen = len - off - (end ? 1 : 0);
	if (begin && end)
		a->kind = OM_EXACT;
	else if (begin)
		a->kind = OM_PREFIX;
	else if (end)
		a->kind = OM_SUFFIX;
	else
		a->kind = OM_FLOAT;
	a->off = base + off;
	a->len = tlen;
	/* Empty text: "", "^" and "$" match every subject. "^$" only matches
	 * the empty subject, so it is kept. */
	return tlen > 0 || a->kind == OM_EXACT;
}

/* Splits m->buf at '|' into m->alts. Anchored alternatives fill alts from
 * the front, floating ones from the back, so that the floating ones end up
 * together; the gap left by alternatives that match everything is closed. */
static void split_alts(yg_osmatch *m, size_t plen, size_t nalts)
{
	size_t nanch = 0, nfloat = 0, start = 0;
	for (size_t i = 0; i <= plen; i++) {
		if (i < plen && m->buf[i] != '|')
			continue;
		struct om_alt a;
		if (!classify(m->buf + start, i - start, start, &a)) {
			m->universal = true;
		} else if (a.kind == OM_FLOAT && has_high_byte(m->buf + a.off, a.len)) {
			/* never matches (see has_high_byte) */
		} else if (a.kind == OM_FLOAT) {
			plan_anchor(&a, m->buf + a.off);
			m->alts[nalts - 1 - nfloat++] = a;
		} else {
			m->alts[nanch++] = a;
		}
		start = i + 1;
	}
	if (nanch + nfloat < nalts)
		memmove(m->alts + nanch, m->alts + nalts - nfloat, nfloat * sizeof(*m->alts));
	m->nalts = nanch + nfloat;
	m->nfloat = nfloat;
}

/* With many floating alternatives, one index by their first byte (a
 * counting sort: first_at[b] .. first_at[b + 1] in byfirst), so that a
 * subject byte is only tried against the alternatives that start with it. */
static bool index_by_first(yg_osmatch *m)
{
	size_t nfloat = m->nfloat;
	/* nfloat <= nalts <= OM_MAX_PATTERN + 1, which fits uint16_t. */
	m->byfirst = malloc(nfloat * sizeof(*m->byfirst));
	m->first_at = malloc(257 * sizeof(*m->first_at));
	if (!m->byfirst || !m->first_at)
		return false;
	const struct om_alt *fl = m->alts + (m->nalts - nfloat);
	uint32_t count[256] = {0};
	for (size_t k = 0; k < nfloat; k++)
		count[m->buf[fl[k].off]]++;
	m->first_at[0] = 0;
	for (int b = 0; b < 256; b++)
		m->first_at[b + 1] = m->first_at[b] + count[b];
	uint32_t fill[256];
	memcpy(fill, m->first_at, 256 * sizeof(*fill));
	for (size_t k = 0; k < nfloat; k++)
		m->byfirst[fill[m->buf[fl[k].off]]++] = (uint16_t)k;
	return true;
}

static void om_error(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void om_error(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

yg_err yg_osmatch_compile(const char *pattern, yg_osmatch **out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return YG_EINVAL;
	*out = NULL;
	if (!pattern) {
		om_error(err, errlen, "no pattern");
		return YG_EINVAL;
	}
	size_t plen = strlen(pattern);
	if (plen > OM_MAX_PATTERN) {
		om_error(err, errlen, "pattern is %zu bytes long (at most %d)", plen,
		         OM_MAX_PATTERN);
		return YG_EPARSE;
	}
	yg_osmatch *m = calloc(1, sizeof(*m));
	if (!m)
		goto nomem;
	if (pattern[0] == '!') {
		m->negate = true;
		pattern++;
		plen--;
	}
	size_t nalts = 1;
	for (size_t i = 0; i < plen; i++)
		nalts += pattern[i] == '|';
	m->buf = malloc(plen + 1);
	m->alts = calloc(nalts, sizeof(*m->alts));
	if (!m->buf || !m->alts)
		goto nomem;
	for (size_t i = 0; i <= plen; i++)
		m->buf[i] = lower[(uint8_t)pattern[i]];
	split_alts(m, plen, nalts);
	if (m->nfloat > OM_PER_ALT_SEARCH && !index_by_first(m))
		goto nomem;
	*out = m;
	return YG_OK;
nomem:
	yg_osmatch_destroy(m);
	om_error(err, errlen, "out of memory");
	return YG_ENOMEM;
}

void yg_osmatch_destroy(yg_osmatch *m)
{
	if (!m)
		return;
	free(m->alts);
	free(m->buf);
	free(m->byfirst);
	free(m->first_at);
	free(m);
}

/* Case-insensitive search of alternative a (text p) in s[0..n). */
static bool find_float(const uint8_t *s, size_t n, const struct om_alt *a, const uint8_t *p)
{
	size_t len = a->len, k = a->anchor;
	if (len > n)
		return false;
	/* The anchor byte of a match lies in s[k .. n - len + k]. */
	const uint8_t *lo = s + k, *hi = s + (n - len + k) + 1;
	uint8_t b = p[k];
	if (!is_alpha(b)) {
		while (lo < hi) {
			const uint8_t *q = memchr(lo, b, (size_t)(hi - lo));
			if (!q)
				return false;
			if (eq_nocase(q - k, p, len))
				return true;
			lo = q + 1;
		}
		return false;
	}
	/* A letter: follow the next occurrence of each case. */
	uint8_t bu = (uint8_t)(b - 32);
	const uint8_t *ql = memchr(lo, b, (size_t)(hi - lo));
	const uint8_t *qu = memchr(lo, bu, (size_t)(hi - lo));
	while (ql || qu) {
		const uint8_t *q = (!qu || (ql && ql < qu)) ? ql : qu;
		if (eq_nocase(q - k, p, len))
			return true;
		if (q == ql)
			ql = q + 1 < hi ? memchr(q + 1, b, (size_t)(hi - q - 1)) : NULL;
		else
			qu = q + 1 < hi ? memchr(q + 1, bu, (size_t)(hi - q - 1)) : NULL;
	}
	return false;
}

/* Whether any floating alternative occurs in s[0..n), in one pass. */
static bool find_any_float(const yg_osmatch *m, const uint8_t *s, size_t n)
{
	const struct om_alt *fl = m->alts + (m->nalts - m->nfloat);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = lower[s[i]];
		for (uint32_t j = m->first_at[b]; j < m->first_at[b + 1]; j++) {
			const struct om_alt *a = &fl[m->byfirst[j]];
			if (a->len <= n - i && eq_nocase(s + i, m->buf + a->off, a->len))
				return true;
		}
	}
	return false;
}

/* The raw result, negation not applied. */
static bool om_match(const yg_osmatch *m, const uint8_t *s)
{
	if (m->universal)
		return true;
	size_t n = 0;
	bool have_n = false;
	size_t nanch = m->nalts - m->nfloat;
	for (size_t i = 0; i < nanch; i++) {
		const struct om_alt *a = &m->alts[i];
		const uint8_t *p = m->buf + a->off;
		if (a->kind == OM_PREFIX) {
			/* s ends before len bytes: its NUL differs from p */
			if (eq_nocase(s, p, a->len))
				return true;
			continue;
		}
		if (!have_n) {
			n = strlen((const char *)s);
			have_n = true;
		}
		if (a->kind == OM_EXACT) {
			if (n == a->len && eq_nocase(s, p, n))
				return true;
		} else if (n >= a->len && eq_nocase(s + n - a->len, p, a->len)) {
			return true;
		}
	}
	if (!m->nfloat)
		return false;
	if (!have_n)
		n = strlen((const char *)s);
	if (m->nfloat > OM_PER_ALT_SEARCH)
		return find_any_float(m, s, n);
	for (size_t i = nanch; i < m->nalts; i++) {
		if (find_float(s, n, &m->alts[i], m->buf + m->alts[i].off))
			return true;
	}
	return false;
}

bool yg_osmatch_exec(const yg_osmatch *m, const char *str)
{
	if (!m || !str)
		return false;
	return om_match(m, (const uint8_t *)str) != m->negate;
}
