/* archive_in.h: an archived event (a line of archives.json, <logall_json>)
 * back into engine input, so `yagura replay --log-format archives` runs what
 * a manager saw, with its agents and its clock.
 *
 * Takes full_log, location, agent.id/name/ip, manager.name, timestamp (the
 * manager's time: the event's `now`) and agent_time. Events it cannot replay
 * as they were are refused: no full_log (a rule with <no_full_log/> matched
 * it) and FIM events (their fields are not in the line). */
#ifndef YAGURA_ENGINE_ARCHIVE_IN_H
#define YAGURA_ENGINE_ARCHIVE_IN_H

#include <stddef.h>

#include "engine/engine.h"

typedef struct yg_archived yg_archived;

yg_archived *yg_archived_create(void);
void yg_archived_destroy(yg_archived *a);

/* Parses one line (len bytes, need not be NUL-terminated) into *in, whose
 * strings stay valid until the next call on a. YG_EPARSE: not a JSON
 * object, or a field of the wrong type; YG_ENOTFOUND: valid, but not an event
 * it can replay (above). */
yg_err yg_archived_parse(yg_archived *a, const char *line, size_t len, yg_input *in);

/* "2026-12-08T04:10:00.000+0000" -> seconds since 1970; 0 when it is not
 * one. */
time_t yg_archived_time(const char *ts);

#endif
