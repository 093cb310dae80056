/* compiled.h: named C predicates for <compiled_rule>. */
#ifndef YAGURA_COMPILED_H
#define YAGURA_COMPILED_H

#include <stdbool.h>

#include "engine/event.h"

typedef bool (*yg_compiled_fn)(const yg_event *ev);

/* The predicate called `name`, or NULL. */
yg_compiled_fn yg_compiled_find(const char *name);

#endif
