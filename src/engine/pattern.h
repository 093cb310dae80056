/* pattern.h: one compiled test of a rule or decoder field.
 *
 * Wazuh lets most rule and decoder elements choose their language with
 * type="osmatch|osregex|pcre2" and invert with negate="yes"; <action> compares
 * whole strings and <srcip>/<dstip> test addresses against lists of CIDRs.
 * A yg_pattern hides which one it is, so decoders and rules apply them alike.
 * Immutable once compiled; matching is reentrant given a per-thread
 * yg_match_scratch. */
#ifndef YAGURA_PATTERN_H
#define YAGURA_PATTERN_H

#include <stdbool.h>

#include "common/yerr.h"
#include "engine/osregex.h"

typedef enum yg_pat_type {
	YG_PAT_OSMATCH,
	YG_PAT_OSREGEX,
	YG_PAT_PCRE2,
	YG_PAT_STRING, /* exact, case-sensitive comparison */
	YG_PAT_IPLIST, /* address in one of a list of IPs/CIDRs ("!" negates) */
} yg_pat_type;

typedef struct yg_pattern yg_pattern;

/* Per-thread scratch space for matching (PCRE2 match data). */
typedef struct yg_match_scratch yg_match_scratch;
yg_match_scratch *yg_match_scratch_create(void);
void yg_match_scratch_destroy(yg_match_scratch *s);
/* Tells the scratch which text the next matches look inside (an event's
 * log), so prefilters can rule patterns out cheaply. */
void yg_match_scratch_set_subject(yg_match_scratch *s, const char *subject, size_t len);

/* Parses a type="..." attribute value; NULL gives `dflt`. Returns false for an
 * unknown name. */
bool yg_pat_type_parse(const char *name, yg_pat_type dflt, yg_pat_type *out);
const char *yg_pat_type_name(yg_pat_type t);

/* Compiles `src` as `type`. For YG_PAT_IPLIST, src is one address; add more
 * with yg_pattern_add_ip. On failure returns YG_EPARSE with a reason. */
yg_err yg_pattern_compile(yg_pat_type type, const char *src, bool negate, yg_pattern **out,
                          char *err, size_t errlen);
yg_err yg_pattern_add_ip(yg_pattern *p, const char *ip, char *err, size_t errlen);
void yg_pattern_destroy(yg_pattern *p);

yg_pat_type yg_pattern_type(const yg_pattern *p);
bool yg_pattern_negated(const yg_pattern *p);
void yg_pattern_set_negate(yg_pattern *p, bool negate);
const char *yg_pattern_source(const yg_pattern *p);
int yg_pattern_ncaptures(const yg_pattern *p);

/* Raw match, negation NOT applied (Wazuh compares the raw result with the
 * negate flag itself). caps/ncaps/end may be NULL. `end` receives where the
 * next decoder step starts (Wazuh's offsets): just past the last matched
 * character. For OS_Match it is not set. */
bool yg_pattern_exec(const yg_pattern *p, const char *str, yg_match_scratch *scratch, yg_span *caps,
                     int maxcaps, int *ncaps, const char **end);

/* The usual test: raw match XOR negate. */
static inline bool yg_pattern_test(const yg_pattern *p, const char *str, yg_match_scratch *scratch)
{
	return yg_pattern_exec(p, str, scratch, NULL, 0, NULL, NULL) != yg_pattern_negated(p);
}

#endif
