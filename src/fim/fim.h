/* fim.h: file-integrity monitoring (Wazuh's syscheck), as a library.
 *
 * The module knows nothing of rules or transport: it reads a <syscheck>
 * configuration, keeps a baseline of the monitored files in SQLite, and
 * reports what changed through a callback, with Wazuh's field names and
 * meaning (added / modified / deleted, before/after attributes,
 * changed_attributes, diff, tags).
 *
 *   yg_fim_config  the parsed <syscheck> block(s); immutable once built
 *   yg_fim         a running monitor: baseline database, scans, inotify
 *
 * A yg_fim is not thread-safe: one thread calls scan/poll/flush/destroy.
 * The emit callback is called from that thread. docs/fim.md describes the
 * behaviour and where it differs from Wazuh. */
#ifndef YAGURA_FIM_H
#define YAGURA_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ydiag.h"
#include "common/yerr.h"
#include "engine/wxml.h"

/* ---- configuration ---- */

typedef struct yg_fim_config yg_fim_config;

/* What is compared for a file (Wazuh's check_* attributes). */
enum {
	YG_FIM_CHECK_SIZE = 1u << 0,
	YG_FIM_CHECK_PERM = 1u << 1,
	YG_FIM_CHECK_OWNER = 1u << 2, /* uid and user name */
	YG_FIM_CHECK_GROUP = 1u << 3, /* gid and group name */
	YG_FIM_CHECK_MTIME = 1u << 4,
	YG_FIM_CHECK_INODE = 1u << 5,
	YG_FIM_CHECK_MD5 = 1u << 6,
	YG_FIM_CHECK_SHA1 = 1u << 7,
	YG_FIM_CHECK_SHA256 = 1u << 8,
	YG_FIM_CHECK_ALL = (1u << 9) - 1,
};

/* An empty configuration with Wazuh's defaults (enabled, frequency 43200,
 * scan_on_start yes, file_limit 100000, no directories). NULL on ENOMEM. */
yg_fim_config *yg_fim_config_create(void);
void yg_fim_config_destroy(yg_fim_config *cfg);

/* Reads one <syscheck> element into cfg; call once per block (Wazuh merges
 * every <syscheck> of every <ossec_config>; a directory given twice keeps the
 * last options). `file` names the configuration file in messages. Invalid
 * values are reported into diag as "file:line: error: element: reason";
 * returns YG_EPARSE when there was an error (cfg keeps what was valid). */
yg_err yg_fim_config_read(yg_fim_config *cfg, const yg_wxml_node *syscheck, const char *file,
                          yg_diag *diag);
/* Prints the effective <syscheck> (every block read, merged) as ossec.conf
 * XML. */
void yg_fim_config_print(const yg_fim_config *cfg, FILE *out);

/* The option tables (common/yopt.h) of <syscheck> and its sub-blocks, each
 * over a yg_fim_config, and of <directories>' attributes, for the
 * table-driven test. */
struct yg_opt_block;
extern const struct yg_opt_block yg_fim_syscheck_block, yg_fim_diff_block, yg_fim_quota_block,
        yg_fim_file_size_block, yg_fim_file_limit_block, yg_fim_dir_attrs_block;

bool yg_fim_config_disabled(const yg_fim_config *cfg);
unsigned yg_fim_config_frequency(const yg_fim_config *cfg);
bool yg_fim_config_scan_on_start(const yg_fim_config *cfg);
/* <max_realtime_watches> (yagura's own option): 0 when not set. */
size_t yg_fim_config_max_realtime_watches(const yg_fim_config *cfg);
size_t yg_fim_config_ndirs(const yg_fim_config *cfg);

/* One configured directory, for `-t` output and tests. */
typedef struct yg_fim_dir_info {
	const char *path;
	unsigned checks; /* YG_FIM_CHECK_* */
	bool realtime;
	bool report_changes;
	int recursion_level;
	const char *restrict_pattern; /* NULL when none */
	const char *tags;             /* NULL when none */
	uint64_t diff_size_limit;     /* bytes */
} yg_fim_dir_info;

/* Fills *out for directory i (< ndirs); strings are owned by cfg. */
void yg_fim_config_dir(const yg_fim_config *cfg, size_t i, yg_fim_dir_info *out);

/* ---- events ---- */

/* One side of a change. Only the attributes in `checks` were looked at; the
 * others are zero / "". */
typedef struct yg_fim_attrs {
	unsigned checks; /* YG_FIM_CHECK_* in force for this file */
	uint64_t size;
	char perm[10];       /* "rw-r--r--" */
	unsigned perm_octal; /* st_mode & 07777 */
	unsigned uid, gid;
	const char *uname; /* "" when the uid has no name */
	const char *gname;
	char md5[33], sha1[41], sha256[65]; /* lowercase hex */
	int64_t mtime;
	uint64_t inode;
} yg_fim_attrs;

typedef struct yg_fim_event {
	const char *path;
	const char *mode;           /* "scheduled" | "realtime" */
	const char *event;          /* "added" | "modified" | "deleted" */
	const yg_fim_attrs *before; /* NULL for "added" */
	const yg_fim_attrs *after;  /* NULL for "deleted" */
	/* Wazuh's names, in Wazuh's order: size, permission, uid, user_name,
	 * gid, group_name, mtime, inode, md5, sha1, sha256 ("modified" only). */
	const char *const *changed_attributes;
	size_t nchanged;
	const char *diff; /* report_changes: unified diff or a note; else NULL */
	const char *tags; /* the directory's tags, or NULL */
} yg_fim_event;

/* Receives one event; everything it points to is valid only during the call.
 * A non-zero return means "not now" (back-pressure): the module keeps the
 * event and offers it again later (yg_fim_flush, next poll/scan), in order.
 * It is never dropped. */
typedef int (*yg_fim_emit_fn)(void *ctx, const yg_fim_event *ev);

/* ---- the monitor ---- */

typedef struct yg_fim yg_fim;

typedef enum yg_fim_log_level {
	YG_FIM_LOG_DEBUG,
	YG_FIM_LOG_INFO,
	YG_FIM_LOG_WARNING,
	YG_FIM_LOG_ERROR,
} yg_fim_log_level;

/* The module's own messages, each with a number (like Wazuh's "(6906)"). */
typedef void (*yg_fim_log_fn)(void *ctx, yg_fim_log_level level, int id, const char *msg);

/* Opens (or creates) the baseline database at db_path (SQLite, WAL) and a
 * directory db_path + ".diff" for report_changes copies. cfg must outlive the
 * monitor. Nothing is scanned yet. Returns NULL with a reason in diag. */
yg_fim *yg_fim_create(const yg_fim_config *cfg, const char *db_path, yg_fim_emit_fn emit, void *ctx,
                      yg_diag *diag);
/* Offers undelivered events once more; those still refused are rolled back in
 * the baseline so the next start reports them again. */
void yg_fim_destroy(yg_fim *fim);

/* Messages go to fn (default: none). */
void yg_fim_set_logger(yg_fim *fim, yg_fim_log_fn fn, void *ctx);
/* How long a path must be quiet before a realtime change is examined
 * (default 100 ms), so a file written in chunks gives one event. */
void yg_fim_set_settle_ms(yg_fim *fim, unsigned ms);
/* A ceiling on the inotify watches this monitor adds (0: only the kernel's
 * fs.inotify.max_user_watches), to leave watches to other programs. The
 * default is the configuration's <max_realtime_watches>. Reaching it acts as
 * the kernel's limit does: warning 6364 once, the directory and further ones
 * counted in stats.unwatched_dirs and checked by scheduled scans only.
 * Watches already held are kept when it is lowered; each scan retries the
 * unwatched directories. */
void yg_fim_set_watch_limit(yg_fim *fim, size_t max);
/* Overrides max_files_per_second; for tests the pause can be replaced:
 * `sleep_fn(ctx, ms)` is called instead of sleeping when set. */
void yg_fim_set_sleep_fn(yg_fim *fim, void (*sleep_fn)(void *ctx, unsigned ms), void *ctx);

/* One full scheduled scan of every configured directory: compares each file
 * with the baseline, emits added/modified/deleted (mode "scheduled"),
 * honouring max_files_per_second and file_limit. The first scan after a
 * restart is what reports changes made while stopped. */
yg_err yg_fim_scan(yg_fim *fim);

/* Starts inotify on the realtime directories (recursively; ignored
 * directories get no watch). Returns YG_OK also when some directories could
 * not be watched (limit reached): those are logged and left to scheduled
 * scans. */
yg_err yg_fim_realtime_start(yg_fim *fim);
void yg_fim_realtime_stop(yg_fim *fim);
/* The inotify descriptor to wait on (readable when events arrive), or -1. */
int yg_fim_fd(const yg_fim *fim);
/* Milliseconds until poll has work even without new inotify input (a settle
 * period ending, a scheduled scan due, undelivered events); -1 for none. */
int yg_fim_next_timeout_ms(const yg_fim *fim);

/* Waits up to timeout_ms (0: don't wait, -1: until something happens) for
 * inotify input, then processes settled paths, overflow rescans, retries of
 * undelivered events and, when `frequency` has elapsed (or scan_on_start at
 * the first call), a scheduled scan. Returns YG_OK or an I/O error. */
yg_err yg_fim_poll(yg_fim *fim, int timeout_ms);

/* Offers undelivered events again; returns how many are still waiting. */
size_t yg_fim_flush(yg_fim *fim);

typedef struct yg_fim_stats {
	uint64_t scans;         /* completed scheduled scans */
	uint64_t files_scanned; /* in the last (or current) scan */
	uint64_t files_in_db;
	uint64_t events;         /* delivered */
	uint64_t pending;        /* waiting for the consumer */
	uint64_t watches;        /* inotify watches held */
	uint64_t unwatched_dirs; /* realtime dirs without a watch (a limit hit), last walk */
	uint64_t overflows;      /* IN_Q_OVERFLOW seen */
	uint64_t throttle_waits; /* pauses taken for max_files_per_second */
	uint64_t limit_skipped;  /* new files not added: file_limit reached */
	uint64_t limit_reported; /* of those, reported in realtime all the same */
} yg_fim_stats;

void yg_fim_get_stats(const yg_fim *fim, yg_fim_stats *out);

#endif
