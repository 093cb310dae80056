/* respond.h (store): the state of the manager's responses, in manager.db
 * beside the alerts: the cursor (the last alert seq every consumer of
 * committed alerts has handled) and the keys of active responses already
 * delivered (so a replay after a crash does not run one twice).
 *
 * The calls take the alert store's writer handle (yg_alert_store_with_db),
 * so they are serialised with the commits. Schema component "respond";
 * version 1 is the schema written before versions were recorded. */
#ifndef YAGURA_STORE_RESPOND_H
#define YAGURA_STORE_RESPOND_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/yerr.h"
#include "store/db.h"

/* Creates or migrates the tables. */
yg_err yg_rstate_open(yg_db *db);
/* The saved cursor; *found false when none was saved yet. */
yg_err yg_rstate_cursor_get(yg_db *db, uint64_t *seq, bool *found);
yg_err yg_rstate_cursor_set(yg_db *db, uint64_t seq);
/* The highest alert seq stored (0 when none): where a first start begins,
 * so history is not replayed. */
yg_err yg_rstate_last_alert(yg_db *db, uint64_t *seq);
/* Whether key was recorded as delivered. */
yg_err yg_rstate_seen(yg_db *db, const char *key, bool *found);
/* Records key as delivered at now (kept if already there). */
yg_err yg_rstate_mark_seen(yg_db *db, const char *key, time_t now);

#endif
