/* alerts_log.h: logs/alerts/alerts.json, written the way Wazuh writes it.
 *
 * One finished alert (Wazuh alert JSON, one line) per call. The library knows
 * nothing of rules: the caller hands over the JSON text, the alert's level and
 * the time to file it under (so tests and replays control the clock).
 *
 * Crash safety: every alert is written with ONE write(2) of the whole line
 * including its '\n', on an O_APPEND descriptor, so a crashed process leaves
 * either the whole line or (on a short write, e.g. a full disk) a tail without
 * '\n'. A short write is undone at once with ftruncate; a tail left by a crash
 * or power loss is cut back to the last '\n' when the log is next opened, and
 * reported.
 *
 * Rotation (Wazuh's layout): when the day of `when` differs from the current
 * file's day, or a write would take the file past max_size, alerts.json is
 * renamed to <dir>/YYYY/Mon/ossec-alerts-DD.json (size rotations and
 * collisions get -001, -002 ... as Wazuh does) and a new alerts.json begun.
 * Days are local time, as in Wazuh. A `when` on an earlier day than the
 * current file's (a clock set back) is written to the current file rather
 * than rotating back and forth. Thread-safe: one mutex per log. */
#ifndef YAGURA_OUTPUTS_ALERTS_LOG_H
#define YAGURA_OUTPUTS_ALERTS_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef enum yg_alerts_fsync {
	YG_ALERTS_FSYNC_NONE,    /* leave it to the kernel (Wazuh's behaviour) */
	YG_ALERTS_FSYNC_EVERY_N, /* fdatasync after every `fsync_every` alerts */
	YG_ALERTS_FSYNC_ALWAYS,  /* fdatasync after each alert */
} yg_alerts_fsync;

typedef struct yg_alerts_log_config {
	const char *dir;   /* the logs/alerts directory; created if missing */
	int min_level;     /* <alerts><log_alert_level>: lower levels not written */
	uint64_t max_size; /* rotate before a write would pass this; 0 = never */
	yg_alerts_fsync fsync_mode;
	unsigned fsync_every; /* for YG_ALERTS_FSYNC_EVERY_N; 0 means 1 */
	/* The current file's name and the rotated files' prefix (their
	 * extension is the current file's, ".json" or ".log"): NULL for
	 * "alerts.json" and "ossec-alerts" (-DD.json); Wazuh's archives are
	 * "archives.json" and "ossec-archive". */
	const char *file_name;
	const char *rotated_prefix;
} yg_alerts_log_config;

/* Defaults: min_level 1 (Wazuh's log_alert_level default), max_size 0 (daily
 * rotation only), fsync every 1000 alerts plus at rotation and at destroy. */
void yg_alerts_log_config_default(yg_alerts_log_config *cfg, const char *dir);

typedef struct yg_alerts_log yg_alerts_log;

typedef struct yg_alerts_log_stats {
	uint64_t written;        /* alerts written */
	uint64_t filtered;       /* alerts below min_level, not written */
	uint64_t bytes;          /* bytes written since create */
	uint64_t rotations;      /* files moved into the dated tree */
	uint64_t errors;         /* writes that failed (nothing was left behind) */
	uint64_t rotate_errors;  /* rotations that failed: writing went on in
	                          * the current file, nothing was lost */
	uint64_t repaired_bytes; /* bytes of a torn last line cut at open */
} yg_alerts_log_stats;

/* Opens (creating dirs and file as needed) the log described by cfg; cfg's
 * strings are copied. A torn last line is truncated and reported in diag
 * (may be NULL) as a warning. Errors: YG_EINVAL, YG_EIO, YG_ENOMEM. */
yg_err yg_alerts_log_create(const yg_alerts_log_config *cfg, yg_diag *diag, yg_alerts_log **out);
/* Syncs and closes. NULL is allowed. */
void yg_alerts_log_destroy(yg_alerts_log *log);

/* Writes one alert. json_line is len bytes of one JSON object; a single
 * trailing '\n' is accepted and any other '\n' or NUL byte refused
 * (YG_EINVAL) as it would break one-alert-per-line. level below min_level:
 * counted as filtered, YG_OK, nothing written. `when` picks the day (and so
 * the rotation). On YG_EIO nothing of the alert is left in the file. */
yg_err yg_alerts_log_write(yg_alerts_log *log, const char *json_line, size_t len, int level,
                           time_t when);

/* ---- batches: for a writer whose commit point is elsewhere ----
 *
 * A daemon that commits its alerts in SQLite first and then appends them here
 * (so a reader of alerts.json never sees an alert that a crash will make it
 * produce again) records in its transaction where the batch goes
 * (yg_alerts_log_prepare), appends it after the commit
 * (yg_alerts_log_append), and after a crash completes whatever part of the
 * last committed batch did not reach the file (yg_alerts_log_complete). */

/* Where a batch starts: the file's identity and the offset of its end. */
typedef struct yg_alerts_log_pos {
	uint64_t dev, ino, offset;
} yg_alerts_log_pos;

/* Rotates now if `when` is on a later day than the current file or `len`
 * more bytes would pass max_size, then fills *pos with where the next append
 * starts. Errors: YG_EINVAL, YG_EIO (no current file). */
yg_err yg_alerts_log_prepare(yg_alerts_log *log, size_t len, time_t when, yg_alerts_log_pos *pos);
/* Appends `nlines` whole alert lines (data ends in '\n') with one write(2)
 * and no rotation (prepare did that). On YG_EIO nothing is left behind. */
yg_err yg_alerts_log_append(yg_alerts_log *log, const char *data, size_t len, size_t nlines);
/* After a crash: data (len bytes) is a committed batch meant to start at
 * pos. Writes the part of it that the current file lacks. Nothing is
 * written when the current file is not pos's file (it was rotated after the
 * batch was complete) or already holds the whole batch; *written (may be
 * NULL) gets the bytes written. YG_EIO when the file is pos's file but
 * shorter than pos->offset (cut by someone else): nothing is written. */
yg_err yg_alerts_log_complete(yg_alerts_log *log, const yg_alerts_log_pos *pos, const char *data,
                              size_t len, size_t *written);

/* fdatasync now (e.g. when the manager goes idle or on SIGTERM). */
yg_err yg_alerts_log_sync(yg_alerts_log *log);

void yg_alerts_log_get_stats(yg_alerts_log *log, yg_alerts_log_stats *out);

#endif
