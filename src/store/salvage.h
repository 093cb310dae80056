/* salvage.h: a damaged SQLite database file set aside and what can be
 * read of it copied into a new one (`yagura manager --recover-db`).
 *
 * SQLite refuses a file whose header is broken ("file is not a
 * database") and fails queries that touch a broken page ("database disk
 * image is malformed"); the manager cannot start on such a manager.db. The
 * salvage renames the file (and its -wal/-shm) to PATH.corrupt-<UTC time>,
 * creates PATH anew with the schema the damaged file still shows, and
 * copies each table's readable rows. A table that cannot be read is left
 * empty: the owners' CREATE TABLE IF NOT EXISTS make it again. */
#ifndef YAGURA_STORE_SALVAGE_H
#define YAGURA_STORE_SALVAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

/* What yg_db_check found. */
typedef enum yg_db_state {
	YG_DB_ABSENT,  /* no file */
	YG_DB_OK,      /* opens, and PRAGMA quick_check says ok */
	YG_DB_DAMAGED, /* not a database, or quick_check found damage */
} yg_db_state;

/* Checks path; why (may be NULL) gets SQLite's words when damaged. */
yg_db_state yg_db_check(const char *path, char *why, size_t n);

/* Called per table of the damaged file: its name, the rows copied, and
 * whether all of it could be read. */
typedef void (*yg_db_salvage_fn)(void *ctx, const char *table, long long rows, bool whole);

/* Sets path aside and salvages it as above; aside (may be NULL) gets the
 * new name of the damaged file. YG_EIO when it cannot be renamed or the
 * new file cannot be made. */
yg_err yg_db_salvage(const char *path, char *aside, size_t n, yg_db_salvage_fn each, void *ctx);

#endif
