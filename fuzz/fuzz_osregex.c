/* fuzz_osregex.c: OS_Regex on arbitrary patterns and subjects.
 *
 * The input is "pattern<NUL or newline>subject". The pattern is compiled; if
 * it compiles, the subject is matched in the plain and in the capturing
 * mode and the results are checked for their invariants: match_end and
 * every capture lie inside the subject, ncaps is bounded, and asking for
 * less output never changes the answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/osregex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest subject tried: pathological patterns may use their whole step
 * budget, which grows with the subject. */
#define MAX_SUBJECT 4096

static void check_span(const char *s, size_t n, const char *p, size_t len)
{
	if (p < s || p > s + n || len > (size_t)(s + n - p))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut = 0;
	while (cut < size && data[cut] != '\0' && data[cut] != '\n')
		cut++;
	size_t slen = cut < size ? size - cut - 1 : 0;
	if (slen > MAX_SUBJECT)
		slen = MAX_SUBJECT;
	char *pat = malloc(cut + 1);
	char *subj = malloc(slen + 1);
	if (!pat || !subj)
		goto out;
	memcpy(pat, data, cut);
	pat[cut] = '\0';
	if (slen)
		memcpy(subj, data + cut + 1, slen);
	subj[slen] = '\0';
	size_t n = strlen(subj);

	yg_osregex *re = NULL;
	char err[128];
	if (yg_osregex_compile(pat, &re, err, sizeof(err)) != YG_OK) {
		if (re || !err[0])
			abort();
		goto out;
	}
	if (yg_osregex_ncaptures(re) < 0)
		abort();

	const char *end = NULL;
	bool plain = yg_osregex_exec(re, subj, NULL, 0, NULL, &end);
	if (plain)
		check_span(subj, n, end, 0);
	if (yg_osregex_exec(re, subj, NULL, 0, NULL, NULL) != plain)
		abort();

	yg_span caps[YG_OSREGEX_MAX_CAPTURES];
	int ncaps = -1;
	end = NULL;
	bool capm = yg_osregex_exec(re, subj, caps, YG_OSREGEX_MAX_CAPTURES, &ncaps, &end);
	if (ncaps < 0 || ncaps > YG_OSREGEX_MAX_CAPTURES || (!capm && ncaps != 0))
		abort();
	if (ncaps > yg_osregex_ncaptures(re))
		abort();
	if (capm) {
		check_span(subj, n, end, 0);
		for (int i = 0; i < ncaps; i++)
			check_span(subj, n, caps[i].ptr, caps[i].len);
	}
	/* fewer caps asked for: same answer, a prefix of the captures */
	int n1 = -1;
	yg_span one[1];
	if (yg_osregex_exec(re, subj, one, 1, &n1, NULL) != capm)
		abort();
	if (capm && ncaps > 0 &&
	    (n1 != 1 || one[0].ptr != caps[0].ptr || one[0].len != caps[0].len))
		abort();
	yg_osregex_destroy(re);
out:
	free(pat);
	free(subj);
	return 0;
}
