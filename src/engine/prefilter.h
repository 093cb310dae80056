/* prefilter.h: a cheap necessary condition for an OS_Regex to match.
 *
 * Most decoder prematches and rule regexes are anchored ("^%ASA-") or
 * contain a literal ("devname="), so before running the matcher we can
 * check the first byte and look for the literal. A prefilter never says no
 * to a string the pattern matches; when a pattern gives nothing to check, it
 * says yes to everything. Immutable; reentrant. */
#ifndef YAGURA_PREFILTER_H
#define YAGURA_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yg_prefilter yg_prefilter;

/* Builds a prefilter for the OS_Regex `source`; NULL when there is nothing
 * useful to check (or out of memory): callers then always run the match. */
yg_prefilter *yg_prefilter_osregex(const char *source);
void yg_prefilter_destroy(yg_prefilter *pf);

/* The bytes pairs present in one subject (an event's log): a 4096-bit
 * hash set of lower-cased bigrams. Any string inside that subject contains
 * only pairs from the set, so a literal with a pair missing from it cannot
 * occur there. */
typedef struct yg_bigrams {
	const char *base;
	size_t len;
	uint64_t bits[64];
} yg_bigrams;

/* Fills `bg` for the `len` bytes at `s`. */
void yg_bigrams_build(yg_bigrams *bg, const char *s, size_t len);

/* False only when `str` cannot match. `bg` (may be NULL) describes a
 * subject that `str` may lie inside. */
bool yg_prefilter_may_match(const yg_prefilter *pf, const char *str, const yg_bigrams *bg);

#endif
