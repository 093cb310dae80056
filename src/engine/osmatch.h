/* osmatch.h: Wazuh's OS_Match (a.k.a. sregex) pattern language.
 *
 * Literal, case-insensitive substring patterns with `|` alternatives, `^` and
 * `$` anchors per alternative and a leading `!` negating the whole. Used by
 * rules' <match>, decoders' <prematch type="osmatch"> and FIM's ignore
 * type="sregex". Immutable once compiled; exec is reentrant. */
#ifndef YAGURA_OSMATCH_H
#define YAGURA_OSMATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

typedef struct yg_osmatch yg_osmatch;

/* Compiles `pattern`; on failure returns YG_EPARSE with a reason in err. */
yg_err yg_osmatch_compile(const char *pattern, yg_osmatch **out, char *err, size_t errlen);

/* True when `str` (NUL-terminated) matches, negation applied. */
bool yg_osmatch_exec(const yg_osmatch *m, const char *str);

void yg_osmatch_destroy(yg_osmatch *m);

#endif
