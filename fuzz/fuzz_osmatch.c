/* fuzz_osmatch.c: OS_Match on arbitrary patterns and subjects.
 *
 * The input is "pattern<NUL or newline>subject". Every compiled pattern is
 * checked against a plain reference written from the definition (split at
 * '|', compare ignoring ASCII case), which shares none of osmatch.c's fast
 * paths, and "!" + pattern must give the opposite answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/osmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fold(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool eq_at(const char *s, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!s[i] || fold((unsigned char)s[i]) != fold((unsigned char)p[i]))
			return false;
	}
	return true;
}

/* One alternative p[0..len) against s, as Wazuh defines it (a floating text
 * holding a byte >= 0x80 never matches, see osmatch.c). */
static bool ref_alt(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);
	bool begin = len > 0 && p[0] == '^';
	bool end = len > 0 && p[len - 1] == '$' && !(begin && len == 1);
	const char *t = p + (begin ? 1 : 0);
	size_t tl = len - (begin ? 1 : 0) - (end ? 1 : 0);
	if (begin && end)
		return n == tl && eq_at(s, t, tl);
	if (begin)
		return eq_at(s, t, tl);
	if (end)
		return n >= tl && eq_at(s + n - tl, t, tl);
	if (tl == 0)
		return true;
	for (size_t i = 0; i < tl; i++) {
		if ((unsigned char)t[i] >= 0x80)
			return false;
	}
	for (size_t i = 0; i + tl <= n; i++) {
		if (eq_at(s + i, t, tl))
			return true;
	}
	return false;
}

static bool ref_match(const char *p, const char *s)
{
	bool neg = p[0] == '!';
	if (neg)
		p++;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (ref_alt(p, len, s))
			return !neg;
		if (!bar)
			return neg;
		p = bar + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut = 0;
	while (cut < size && data[cut] != '\0' && data[cut] != '\n')
		cut++;
	size_t slen = cut < size ? size - cut - 1 : 0;
	if (slen > 4096)
		slen = 4096;
	char *pat = malloc(cut + 2);
	char *subj = malloc(slen + 1);
	if (!pat || !subj)
		goto out;
	pat[0] = '!';
	memcpy(pat + 1, data, cut);
	pat[cut + 1] = '\0';
	if (slen)
		memcpy(subj, data + cut + 1, slen);
	subj[slen] = '\0';

	yg_osmatch *m = NULL, *neg = NULL;
	char err[128];
	if (yg_osmatch_compile(pat + 1, &m, err, sizeof(err)) != YG_OK) {
		if (m || cut <= 20480)
			abort(); /* only over-long patterns are refused */
		goto out;
	}
	bool r = yg_osmatch_exec(m, subj);
	if (cut <= 1024 && r != ref_match(pat + 1, subj))
		abort();
	if (pat[1] != '!' && yg_osmatch_compile(pat, &neg, err, sizeof(err)) == YG_OK) {
		if (yg_osmatch_exec(neg, subj) == r)
			abort();
	}
	yg_osmatch_destroy(neg);
	yg_osmatch_destroy(m);
out:
	free(pat);
	free(subj);
	return 0;
}
