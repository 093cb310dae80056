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

typedef struct yg_prefilter yg_prefilter;

/* Builds a prefilter for the OS_Regex `source`; NULL when there is nothing
 * useful to check (or out of memory): callers then always run the match. */
yg_prefilter *yg_prefilter_osregex(const char *source);
void yg_prefilter_destroy(yg_prefilter *pf);

/* False only when `str` cannot match. */
bool yg_prefilter_may_match(const yg_prefilter *pf, const char *str);

#endif
