/* outbox.h: the persistent queue of integration messages (SQLite, WAL).
 *
 * One row per (integration key, alert id), inserted with INSERT OR IGNORE:
 * an alert handed over again after a manager crash is never queued twice.
 * A row moves pending -> in_flight -> delivered, or back to pending with a
 * later due time after a failure, or to dead (max attempts, max age or a
 * permanent refusal), keeping the last error. dead -> pending again on
 * yg_outbox_retry_dead. Opening the outbox turns every in_flight row (a
 * request cut short by a crash or a stop) back into pending.
 *
 * Every state change is its own committed transaction (synchronous=FULL),
 * so "delivered" is on disk as soon as the call returns.
 *
 * Thread-safe: one connection behind a mutex. Times are milliseconds on
 * the caller's clock (wall clock: rows outlive the process). Schema
 * component "outbox" (store/db.h); version 1 is the schema written before
 * versions were recorded. */
#ifndef YAGURA_STORE_OUTBOX_H
#define YAGURA_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"

typedef struct yg_outbox yg_outbox;

typedef enum yg_outbox_state {
	YG_OUTBOX_PENDING = 0,
	YG_OUTBOX_IN_FLIGHT = 1,
	YG_OUTBOX_DELIVERED = 2,
	YG_OUTBOX_DEAD = 3,
} yg_outbox_state;

/* A row, as shown to callbacks: valid only during the call. */
typedef struct yg_outbox_row {
	int64_t id;
	const char *integration; /* the integration's key */
	const char *alert_id;
	yg_outbox_state state;
	unsigned attempts; /* attempts started so far */
	int64_t created_ms, next_ms, updated_ms;
	const char *last_error; /* NULL when none */
	const char *body;       /* NUL-terminated */
	size_t body_len;
} yg_outbox_row;

typedef struct yg_outbox_stats {
	uint64_t pending, in_flight, delivered, dead;
} yg_outbox_stats;

/* Return non-zero to stop the iteration. */
typedef int (*yg_outbox_row_fn)(void *ctx, const yg_outbox_row *row);

/* Opens (creating if needed) the outbox database at path and turns in_flight
 * rows back to pending. YG_EIO when the database cannot be used. */
yg_err yg_outbox_open(const char *path, yg_outbox **out);
void yg_outbox_close(yg_outbox *ob);

/* Queues a message, due at now_ms. *added (may be NULL) tells whether a row
 * was inserted (false: that integration already had that alert, in
 * whatever state). */
yg_err yg_outbox_enqueue(yg_outbox *ob, const char *integration, const char *alert_id,
                         const char *body, size_t len, int64_t now_ms, bool *added);

/* Claims up to `max` rows of one integration for sending, oldest first,
 * and only while they are due: a pending row not yet due stops the claim,
 * which keeps the order of an integration's messages. Each claimed row is
 * marked in_flight, its attempts counted, then passed to fn. */
yg_err yg_outbox_claim(yg_outbox *ob, const char *integration, size_t max, int64_t now_ms,
                       yg_outbox_row_fn fn, void *ctx);

/* The outcome of an attempt on an in_flight row. */
yg_err yg_outbox_mark_delivered(yg_outbox *ob, int64_t id, int64_t now_ms);
yg_err yg_outbox_mark_retry(yg_outbox *ob, int64_t id, int64_t now_ms, int64_t next_ms,
                            const char *error);
yg_err yg_outbox_mark_dead(yg_outbox *ob, int64_t id, int64_t now_ms, const char *error);

/* A dead row back to pending, due now, with its attempts and age reset.
 * YG_ENOTFOUND when id is not a dead row. */
yg_err yg_outbox_retry_dead(yg_outbox *ob, int64_t id, int64_t now_ms);

/* Counts by state for one integration, or all when integration is NULL. */
yg_err yg_outbox_stats_get(yg_outbox *ob, const char *integration, yg_outbox_stats *out);

/* Rows with id > after_id, ascending, at most limit; integration NULL for
 * all, state < 0 for any state. */
yg_err yg_outbox_list(yg_outbox *ob, const char *integration, int state, int64_t after_id,
                      size_t limit, yg_outbox_row_fn fn, void *ctx);

/* The due time of the integration's oldest pending row (*found false when
 * it has none). */
yg_err yg_outbox_next_due(yg_outbox *ob, const char *integration, int64_t *due_ms, bool *found);

/* Pending rows of the integration created before a time (the mails held
 * back by email_maxperhour), and rows delivered since a time. */
yg_err yg_outbox_count_pending_before(yg_outbox *ob, const char *integration,
                                      int64_t created_before_ms, uint64_t *n);
yg_err yg_outbox_count_delivered_since(yg_outbox *ob, const char *integration, int64_t since_ms,
                                       uint64_t *n);

/* Deletes delivered rows updated before delivered_before_ms and dead rows
 * updated before dead_before_ms. */
yg_err yg_outbox_prune(yg_outbox *ob, int64_t delivered_before_ms, int64_t dead_before_ms);

#endif
