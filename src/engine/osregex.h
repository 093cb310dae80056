/* osregex.h: Wazuh's OS_Regex pattern language.
 *
 * OS_Regex is the small regex dialect of OSSEC/Wazuh decoders and rules:
 * `\w \d \s \S \W \D \p \t \. \$ \( \) \\ \|`, the `+` and `*` modifiers,
 * `^` and `$` anchors, `|` alternatives and `(...)` captures. No library speaks
 * it, so it is written here with Wazuh's exact matching semantics (including
 * where those differ from POSIX regexes), but with no backtracking blow-up.
 *
 * A compiled yg_osregex is immutable: yg_osregex_exec is reentrant and may be
 * called from many threads at once. */
#ifndef YAGURA_OSREGEX_H
#define YAGURA_OSREGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

/* Captures kept per match. Wazuh has no fixed limit (auditd's decoder uses
 * 19); decoders' <order> is bounded by YG_DECODER_MAX_ORDER = 64 anyway. */
#define YG_OSREGEX_MAX_CAPTURES 64

typedef struct yg_span {
	const char *ptr;
	size_t len;
} yg_span;

typedef struct yg_osregex yg_osregex;

/* Compiles `pattern`. On failure returns YG_EPARSE and writes a short reason
 * (e.g. "unbalanced parenthesis at offset 7") into err. */
yg_err yg_osregex_compile(const char *pattern, yg_osregex **out, char *err, size_t errlen);

/* Matches `str` (NUL-terminated). On a match returns true, stores up to
 * `maxcaps` captures into caps (spans into str), their number into *ncaps,
 * and a pointer just past the end of the matched text into *match_end
 * (Wazuh's "after_regex"/"after_prematch" offset: analysisd's result pointer
 * advanced by one unless it is at the NUL). caps/ncaps/match_end may be NULL.
 *
 * A non-NULL caps selects Wazuh's OS_RETURN_SUBSTRING mode, the one decoder
 * <regex> elements are compiled with; pass caps == NULL for rule <regex>,
 * <prematch> and everything else. The two modes differ in one corner (`*`
 * classes before a group that ends the pattern, at the end of the subject),
 * see docs/patterns.md. */
bool yg_osregex_exec(const yg_osregex *re, const char *str, yg_span *caps, int maxcaps, int *ncaps,
                     const char **match_end);

/* Number of capture groups in the pattern (of its alternative with the most). */
int yg_osregex_ncaptures(const yg_osregex *re);

void yg_osregex_destroy(yg_osregex *re);

#endif
