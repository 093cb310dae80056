/* journal.h: reading the systemd journal through libsystemd (sd_journal).
 *
 * One reader over the system journal, a directory of journal files, or a
 * list of journal files; entries in the journal's order. Each entry can be
 * formatted as Wazuh 4.x's logcollector does for `log_format journald`: a
 * syslog line "Mmm DD HH:MM:SS HOST IDENT[PID]: MESSAGE", so the syslog
 * pre-decoder gives program_name, hostname and timestamp and rules written
 * for /var/log/auth.log match unchanged. Cursors (journald's own position
 * strings) let a consumer resume exactly after the last entry it accepted.
 *
 * Single-threaded: one reader per thread. */
#ifndef YAGURA_LC_JOURNAL_H
#define YAGURA_LC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ybuf.h"
#include "common/yerr.h"

typedef struct yg_journal yg_journal;

/* Opens the local system journal (dir NULL) or the journal files of the
 * directory `dir`. NULL with the reason in err on failure. */
yg_journal *yg_journal_open(const char *dir, char *err, size_t errlen);
/* Opens the given journal files (read together, in time order). */
yg_journal *yg_journal_open_files(const char *const *paths, size_t n, char *err, size_t errlen);
void yg_journal_close(yg_journal *j);

/* Positions the reader: after the entry named by `cursor` when it is not
 * NULL (when that entry is gone, e.g. vacuumed, at the first entry after
 * where it was); else at the end (`tail`: only entries added from now on)
 * or at the start. Negative errno on failure. */
int yg_journal_seek(yg_journal *j, const char *cursor, bool tail);

/* Moves to the next entry: 1 when there is one, 0 at the end for now
 * (entries added later are seen by a later call), negative errno on error.
 * Calls sd_journal_process first, so files added to the journal are seen. */
int yg_journal_next(yg_journal *j);

/* The current entry's field `name` ("MESSAGE", "_PID"...), `*len` bytes,
 * not NUL-terminated; false when the entry has no such field. */
bool yg_journal_field(yg_journal *j, const char *name, const char **val, size_t *len);

/* The current entry's cursor (malloc'd; the caller frees), or NULL. */
char *yg_journal_cursor(yg_journal *j);

/* Appends the current entry as Wazuh's syslog line (see above) to out:
 * the time of the entry (__REALTIME_TIMESTAMP, in UTC as Wazuh), _HOSTNAME
 * (this host's name when absent), SYSLOG_IDENTIFIER (else _COMM, else
 * "unknown"), "[SYSLOG_PID or _PID]" when there is one, ": " and MESSAGE.
 * YG_ENOTFOUND for an entry without MESSAGE (Wazuh skips those),
 * YG_ELIMIT when out's bound was reached (out holds what fitted). */
yg_err yg_journal_format(yg_journal *j, yg_buf *out);

/* Directories to watch (inotify) for new entries: the directory opened, or
 * the system journal's /run/log/journal/<machine-id> and
 * /var/log/journal/<machine-id>. Returns how many were written (<= max). */
size_t yg_journal_dirs(const yg_journal *j, char (*out)[4096], size_t max);

#endif
