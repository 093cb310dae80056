/* diffstore.h: the engine's check_diff memory (public part in engine.h). */
#ifndef YAGURA_DIFFSTORE_H
#define YAGURA_DIFFSTORE_H

#include "engine/engine.h"

/* The comparison <check_diff> makes, as Wazuh's doDiff: with no stored
 * output, output is stored and 0 returned (the first output never alerts);
 * the same output returns 0; a different one is stored, 1 is returned and
 * *previous gets a malloc'ed copy of the old one (NULL if out of memory). */
int yg_diff_store_check(yg_diff_store *d, const char *host, unsigned rule, const char *output,
                        size_t len, char **previous);

#endif
