/* prefilter.c: necessary conditions for OS_Regex patterns.
 *
 * Per alternative: whether it is anchored and which bytes may start it, and
 * the longest literal it must contain (OS_Regex compares letters without
 * regard to case). The reading of the pattern is deliberately simple and
 * errs on the side of "may match": an unknown construct ends the literal and
 * widens the first-byte set to every byte. */
#include "engine/prefilter.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define YG_PF_MAX_ALTS 32
#define YG_PF_MAX_LIT 64

/* Bigram hashes kept per literal. */
#define YG_PF_MAX_BG 8

typedef struct pf_alt {
	bool anchored;
	uint16_t bg[YG_PF_MAX_BG]; /* bigram hashes of the literal */
	uint8_t nbg;
	uint8_t first[32];       /* bitset of allowed first bytes when anchored */
	char lit[YG_PF_MAX_LIT]; /* lower-case literal, "" for none */
	size_t litlen;
} pf_alt;

struct yg_prefilter {
	size_t nalts;
	pf_alt alts[]; /* nalts of them */
};

static unsigned bigram_hash(unsigned char a, unsigned char b)
{
	return ((unsigned)a * 131u + (unsigned)b) & 4095u;
}

void yg_bigrams_build(yg_bigrams *bg, const char *s, size_t len)
{
	memset(bg->bits, 0, sizeof(bg->bits));
	bg->base = s;
	bg->len = len;
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned h = bigram_hash((unsigned char)tolower((unsigned char)s[i]),
		                         (unsigned char)tolower((unsigned char)s[i + 1]));
		bg->bits[h >> 6] |= 1ull << (h & 63);
	}
}

static void set_bit(uint8_t *bs, unsigned c)
{
	bs[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool has_bit(const uint8_t *bs, unsigned c)
{
	return bs[c >> 3] & (1u << (c & 7));
}

/* One token of an OS_Regex alternative: a literal byte (*lit >= 0) or a
 * class (*lit < 0, *cls its letter), with its '+'/'*' in *mod. Returns the
 * position after it. */
static const char *read_token(const char *p, const char *end, int *lit, char *cls, char *mod)
{
	*lit = -1;
	*cls = 0;
	*mod = 0;
	if (*p == '\\' && p + 1 < end) {
		char e = p[1];
		if (e == '$' || e == '(' || e == ')' || e == '\\' || e == '|' || e == '<' ||
		    e == '>' || e == '!')
			*lit = (unsigned char)e;
		else if (e == 't')
			*lit = '\t';
		else
			*cls = e;
		p += 2;
	} else {
		*lit = (unsigned char)*p;
		p++;
	}
	if (p < end && (*p == '+' || *p == '*')) {
		*mod = *p;
		p++;
	}
	if (*lit >= 0x80)
		*lit = -1, *cls = '.'; /* leave bytes >= 0x80 to the matcher */
	return p;
}

/* The bytes an anchored alternative's first token accepts: a literal in
 * either case, a digit for \d, anything for the other classes or an
 * optional token. */
static void set_first(pf_alt *a, int lit, char cls, char mod)
{
	if (mod == '*') {
		memset(a->first, 0xFF, sizeof(a->first));
	} else if (lit >= 0) {
		set_bit(a->first, (unsigned)tolower(lit));
		set_bit(a->first, (unsigned)toupper(lit));
	} else if (cls == 'd') {
		for (unsigned c = '0'; c <= '9'; c++)
			set_bit(a->first, c);
	} else {
		memset(a->first, 0xFF, sizeof(a->first));
	}
}

/* Keeps the literal run just ended if it is the longest so far. */
static void keep_run(pf_alt *a, const char *cur, size_t *curlen)
{
	if (*curlen > a->litlen) {
		memcpy(a->lit, cur, *curlen);
		a->litlen = *curlen;
	}
	*curlen = 0;
}

/* Reads one alternative [p, end). Returns false when the prefilter should
 * give up on the whole pattern. */
static bool read_alt(const char *p, const char *end, pf_alt *a)
{
	char cur[YG_PF_MAX_LIT];
	size_t curlen = 0;
	bool first_done = false;
	memset(a, 0, sizeof(*a));
	if (p < end && *p == '^') {
		a->anchored = true;
		p++;
	}
	while (p < end) {
		if (*p == '(' || *p == ')') {
			p++;
			continue;
		}
		if (*p == '$' && p + 1 == end)
			break;
		int lit;
		char cls, mod;
		p = read_token(p, end, &lit, &cls, &mod);
		if (a->anchored && !first_done) {
			set_first(a, lit, cls, mod);
			first_done = true;
		}
		/* the longest run of mandatory literal bytes; a '+' byte ends one
		 * (its repetitions are not literal), a run at the size bound too */
		if (lit >= 0 && mod != '*') {
			if (curlen < YG_PF_MAX_LIT - 1)
				cur[curlen++] = (char)tolower(lit);
			if (mod == '+' || curlen == YG_PF_MAX_LIT - 1)
				keep_run(a, cur, &curlen);
		} else {
			keep_run(a, cur, &curlen);
		}
	}
	keep_run(a, cur, &curlen);
	a->lit[a->litlen] = '\0';
	for (size_t i = 0; i + 1 < a->litlen && a->nbg < YG_PF_MAX_BG; i++)
		a->bg[a->nbg++] = (uint16_t)bigram_hash((unsigned char)a->lit[i],
		                                        (unsigned char)a->lit[i + 1]);
	if (a->anchored && !first_done)
		memset(a->first, 0xFF, sizeof(a->first));
	return true;
}

yg_prefilter *yg_prefilter_osregex(const char *source)
{
	/* read into a scratch table, then keep only what is used */
	pf_alt alts[YG_PF_MAX_ALTS];
	struct {
		size_t nalts;
		pf_alt *alts;
	} tmp = {0, alts}, *pf = &tmp;
	const char *p = source;
	bool useful = true;
	for (;;) {
		/* alternatives split on unescaped '|' */
		const char *q = p;
		while (*q && *q != '|') {
			if (*q == '\\' && q[1])
				q++;
			q++;
		}
		if (pf->nalts == YG_PF_MAX_ALTS) {
			useful = false;
			break;
		}
		pf_alt *a = &pf->alts[pf->nalts++];
		read_alt(p, q, a);
		if (!a->anchored && a->litlen == 0)
			useful = false; /* this alternative can match anywhere */
		if (!*q)
			break;
		p = q + 1;
	}
	if (!useful)
		return NULL;
	yg_prefilter *out = malloc(sizeof(*out) + tmp.nalts * sizeof(pf_alt));
	if (!out)
		return NULL;
	out->nalts = tmp.nalts;
	memcpy(out->alts, alts, tmp.nalts * sizeof(pf_alt));
	return out;
}

void yg_prefilter_destroy(yg_prefilter *pf)
{
	free(pf);
}

/* Case-insensitive search for the lower-case literal `lit`: strpbrk (a
 * vectorised scan in glibc) finds candidate first bytes. */
static bool contains_ci(const char *s, const char *lit, size_t len)
{
	char set[3] = {lit[0], (char)toupper((unsigned char)lit[0]), '\0'};
	if (set[1] == set[0])
		set[1] = '\0';
	while ((s = strpbrk(s, set))) {
		size_t i = 1;
		while (i < len && s[i] && tolower((unsigned char)s[i]) == (unsigned char)lit[i])
			i++;
		if (i == len)
			return true;
		s++;
	}
	return false;
}

bool yg_prefilter_may_match(const yg_prefilter *pf, const char *str, const yg_bigrams *bg)
{
	if (!pf)
		return true;
	if (bg && !(str >= bg->base && str <= bg->base + bg->len))
		bg = NULL;
	for (size_t i = 0; i < pf->nalts; i++) {
		const pf_alt *a = &pf->alts[i];
		if (a->anchored && !has_bit(a->first, (unsigned char)str[0]))
			continue;
		if (bg) {
			bool all = true;
			for (size_t k = 0; k < a->nbg && all; k++)
				all = (bg->bits[a->bg[k] >> 6] >> (a->bg[k] & 63)) & 1;
			if (!all)
				continue;
		}
		if (a->litlen && !contains_ci(str, a->lit, a->litlen))
			continue;
		return true;
	}
	return false;
}
