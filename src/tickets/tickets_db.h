/* tickets_db.h: the store's SQLite helpers, shared by tickets_store.c
 * (opening, offering alerts), tickets_query.c (reading) and
 * tickets_update.c (changes). Not installed. Functions taking a yg_tickets
 * expect the caller to hold t->mu. */
#ifndef YAGURA_TICKETS_DB_H
#define YAGURA_TICKETS_DB_H

#include <pthread.h>
/* The tickets' SQL is the one store not moved into src/store yet (issue 9):
 * it opens through store/db.h, its statements still live here. */
#include <sqlite3.h>

#include "store/db_sql.h"
#include "tickets/tickets_int.h"

#define TICKET_COLS                                                                                \
	"id, title, type, severity, status, resolution, assignee, description, rule_id,"           \
	" fold_key, first_alert_id, level, created, updated, alert_count, first_alert,"            \
	" last_alert"

struct yg_tickets {
	pthread_mutex_t mu;
	yg_db *h;
	sqlite3 *db; /* h's connection */
	const yg_tickets_config *cfg;
	yg_tickets_config *own_cfg; /* defaults when the caller gave none */
};

/* Wall-clock time in epoch milliseconds. */
int64_t yg_tk_now_ms(void);
/* A prepared statement, or NULL on error. */
sqlite3_stmt *yg_tk_prep(yg_tickets *t, const char *sql);
/* Binds a copy of s (NUL-terminated) to parameter i. */
void yg_tk_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Steps a statement that returns no row and finalizes it; NULL -> YG_EIO. */
yg_err yg_tk_run(sqlite3_stmt *st);
yg_err yg_tk_exec(yg_tickets *t, const char *sql);
/* Ends the transaction: COMMIT when err is YG_OK, else ROLLBACK. */
yg_err yg_tk_finish(yg_tickets *t, yg_err err);
/* Column i as text, "" for NULL. */
const char *yg_tk_col_text(sqlite3_stmt *st, int i);
/* Fills tk with pointers into the current row of a TICKET_COLS query. */
void yg_tk_row_ticket(sqlite3_stmt *st, yg_ticket *tk);
/* YG_OK when ticket id exists (status, when not NULL, gets its status),
 * YG_ENOTFOUND or YG_EIO. */
yg_err yg_tk_ticket_status(yg_tickets *t, int64_t id, char status[16]);
yg_err yg_tk_timeline_insert(yg_tickets *t, int64_t id, const char *kind, const char *text,
                             int64_t time_ms);
/* Sets the ticket's updated time to now. */
yg_err yg_tk_touch(yg_tickets *t, int64_t id);
bool yg_tk_valid_status(const char *s);
/* Appends column 0 of every row of st to out; finalizes st. */
yg_err yg_tk_collect(sqlite3_stmt *st, yg_tickets_strv *out);

#endif
