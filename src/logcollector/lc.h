/* lc.h: log collection (Wazuh's logcollector, <localfile>).
 *
 * A library that follows log files and runs commands, handing each event to a
 * callback. It knows nothing about rules or transport.
 *
 *   yg_lc_config  the <localfile> blocks, parsed and checked; immutable once
 *                 a yg_lc uses it (it must outlive every yg_lc built on it)
 *   yg_lc         the running collector: tracked files, commands, read
 *                 positions. Single-threaded: call it from one thread.
 *
 * Delivery guarantee. Each event is handed to `emit`; a return of 0 means the
 * consumer has accepted it durably, and only then does the in-memory read
 * position move past it. yg_lc_commit() writes the accepted positions to
 * SQLite. After a crash (kill -9) at any moment, the collector restarts from
 * the last commit: no line is lost, and the lines re-emitted are exactly those
 * accepted after that commit. Committing after every batch the consumer made
 * durable therefore gives at-least-once delivery with duplicates limited to
 * the last uncommitted batch; writing the positions in the same SQLite
 * transaction as the consumer's own records (yg_lc_commit_into) gives
 * exactly-once. See docs/logcollector.md. */
#ifndef YAGURA_LC_H
#define YAGURA_LC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/wxml.h"

/* Wazuh's limit on a collected line: OS_MAXSTR - OS_LOG_HEADER - 2. Longer
 * lines are truncated to this many bytes and the rest of the line is
 * discarded, as Wazuh does. */
#define YG_LC_DEFAULT_MAX_LINE 65278u

/* Numbered runtime messages (for the logger callback). */
enum yg_lc_msg {
	YG_LC_MSG_OPEN_FAILED = 3101,    /* a file could not be opened */
	YG_LC_MSG_FILE_ADDED = 3102,     /* now following a file */
	YG_LC_MSG_FILE_ROTATED = 3103,   /* renamed/replaced: draining the old one */
	YG_LC_MSG_FILE_TRUNCATED = 3104, /* size shrank or head changed: from 0 */
	YG_LC_MSG_FILE_DROPPED = 3105,   /* deleted/no longer matched, read to end */
	YG_LC_MSG_LINE_TRUNCATED = 3106, /* a line longer than max_line */
	YG_LC_MSG_COMMAND_FAILED = 3107, /* a command could not be run */
	YG_LC_MSG_DB_ERROR = 3108,       /* positions could not be read/written */
	YG_LC_MSG_INOTIFY = 3109,        /* inotify unavailable: stat polling only */
	YG_LC_MSG_FILE_LIMIT = 3110,     /* too many files matched a location */
	YG_LC_MSG_RESUMED = 3111,        /* resumed a file at a stored position */
	YG_LC_MSG_JOURNAL = 3112,        /* a journal opened, failed or reopened */
	YG_LC_MSG_NOT_REGULAR = 3113,    /* a FIFO, device or socket: not read */
};

typedef void (*yg_lc_log_fn)(void *ctx, yg_severity sev, int code, const char *msg);

/* Called for every collected event. `location` is the file path (for
 * commands: the alias, else the command), `log_format` the configured name.
 * `line` is NUL-terminated, `len` bytes without the NUL; embedded NUL bytes
 * have been replaced by spaces. Return 0 when the event is accepted durably;
 * any other value is back-pressure: the collector stops reading that source
 * and offers the same event again on a later yg_lc_poll(). */
typedef int (*yg_lc_emit_fn)(void *ctx, const char *location, const char *log_format,
                             const char *line, size_t len);

/* ---- configuration ---- */

typedef struct yg_lc_config yg_lc_config;

typedef struct yg_lc_label {
	const char *key;
	const char *value;
} yg_lc_label;

yg_lc_config *yg_lc_config_create(void);
void yg_lc_config_destroy(yg_lc_config *cfg);

/* Adds one <localfile> element. `file` names the configuration file in
 * messages (may be NULL). Problems go to diag as file:line:element; returns
 * YG_EPARSE (or YG_EINVAL) when the block is rejected, in which case nothing
 * is added. Warnings (ignored options) do not reject the block. */
yg_err yg_lc_config_add_localfile(yg_lc_config *cfg, const yg_wxml_node *node, const char *file,
                                  yg_diag *diag);

/* Bytes per collected line; longer lines are truncated (default
 * YG_LC_DEFAULT_MAX_LINE). Values below 64 are raised to 64. */
void yg_lc_config_set_max_line(yg_lc_config *cfg, size_t max_line);
/* Seconds between stat() rescans when inotify says nothing (default 1). */
void yg_lc_config_set_rescan_ms(yg_lc_config *cfg, int ms);

size_t yg_lc_config_count(const yg_lc_config *cfg);
/* Prints every <localfile> as ossec.conf XML (the patterns of <ignore>,
 * <restrict>, <multiline_regex> and <filter> are not printed yet). */
void yg_lc_config_print(const yg_lc_config *cfg, FILE *out);

/* The <localfile> option table (common/yopt.h), over one entry, for the
 * table-driven test. */
struct yg_opt_block;
extern const struct yg_opt_block yg_lc_localfile_block;
/* The entry's location (or command), log_format and labels. */
const char *yg_lc_config_location(const yg_lc_config *cfg, size_t entry);
const char *yg_lc_config_format(const yg_lc_config *cfg, size_t entry);
size_t yg_lc_config_labels(const yg_lc_config *cfg, size_t entry, const yg_lc_label **out);

/* ---- the collector ---- */

typedef struct yg_lc yg_lc;

/* Builds a collector. db_path: SQLite file for read positions (created if
 * missing, WAL mode), or NULL for none (every start is a first start).
 * Opens what the locations name now; files without a stored position start
 * at their end when only-future-events is yes (the default), else at 0.
 * Returns NULL on failure with the reason in diag. */
yg_lc *yg_lc_create(const yg_lc_config *cfg, const char *db_path, yg_lc_emit_fn emit, void *ctx,
                    yg_diag *diag);
/* Frees everything. Does NOT commit: call yg_lc_commit() first on a clean
 * shutdown. */
void yg_lc_destroy(yg_lc *lc);

void yg_lc_set_logger(yg_lc *lc, yg_lc_log_fn fn, void *ctx);

/* Reads what is new and runs due commands, emitting events. Waits up to
 * timeout_ms (0: do not wait, -1: until something happens or a periodic
 * check is due) for inotify to report activity when there was nothing to
 * read. Returns the number of events emitted (>= 0). */
int yg_lc_poll(yg_lc *lc, int timeout_ms);

/* A file descriptor that becomes readable when yg_lc_poll() has work (the
 * inotify descriptor), or -1. For callers with their own event loop; they
 * must still call yg_lc_poll() periodically (stat fallback, commands). */
int yg_lc_fd(const yg_lc *lc);

/* Persists the accepted read positions in one SQLite transaction. */
yg_err yg_lc_commit(yg_lc *lc);
/* Writes the positions with the caller's open SQLite handle (a `sqlite3 *`)
 * inside the caller's own transaction, so positions and the consumer's data
 * commit atomically. The handle must be on the database given to
 * yg_lc_create for a later restart to find them. */
yg_err yg_lc_commit_into(yg_lc *lc, void *sqlite_db);

/* The accepted read positions as a self-contained blob: exactly the rows
 * yg_lc_commit() would write now, in a versioned binary format (see
 * lc_store.c). For a consumer that keeps the positions with its own data
 * instead of in SQLite: the agent puts the blob in its spool as a state
 * frame, in the same fsync as the events it covers, which gives
 * exactly-once across kill -9 (docs/spool.md). `out` is emptied, then
 * filled; YG_ELIMIT when out's bound is too small (out is left empty),
 * YG_ENOMEM. */
yg_err yg_lc_positions_export(yg_lc *lc, yg_buf *out);

/* Replaces every stored position in the database `db_path` (created if
 * missing) by those of a blob from yg_lc_positions_export, in one SQLite
 * transaction, so that a yg_lc_create() on that database resumes exactly
 * where the exporting collector stood. Call it before yg_lc_create (not
 * while a collector uses the database: it would overwrite the rows at its
 * next commit). The blob is checked strictly before anything is written:
 * YG_EPARSE for anything but a well-formed blob of this version (bad magic
 * or version, counts or lengths out of bounds, a NUL in a path, trailing
 * bytes...), and the database is then left untouched. A row repeating a
 * (path, device, inode) replaces the earlier one, as in the table.
 * YG_EINVAL for NULL arguments, YG_EIO when the database cannot be opened
 * or written, YG_ENOMEM. */
yg_err yg_lc_positions_import(const char *db_path, const void *blob, size_t len);

/* While inside `emit`: the index of the <localfile> entry the event comes
 * from (for labels, target...). Outside emit: (size_t)-1. */
size_t yg_lc_current_entry(const yg_lc *lc);

/* While inside `emit` for a `log_format json` entry: the line with that
 * <localfile>'s <label>s added as top-level string fields, as Wazuh's
 * logcollector does (the object's closing brace replaced by them), built
 * in out; the line itself when there are no labels or it is not one JSON
 * object. */
const char *yg_lc_with_labels(const yg_lc *lc, const char *line, size_t len, yg_buf *out);

/* Number of files currently followed (draining rotated ones included). */
size_t yg_lc_nfiles(const yg_lc *lc);

#endif
