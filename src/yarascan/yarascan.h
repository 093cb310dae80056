/* yarascan.h: yagura's built-in YARA scanner (libyara 4.2).
 *
 * Replaces the seed article's yara.sh active response: files reported by FIM
 * are scanned in-process once they are finished, and each match becomes one
 * log line in the article's format
 *     wazuh-yara: INFO - Scan result: <rule> <path>
 * which the article's decoder (yara_decoder1) and rule 108001 turn into a
 * level 12 alert.
 *
 * Three parts:
 *   - yg_yarascan_config: the <yara> block of ossec.conf (yagura's own);
 *   - yg_yarascan: compiled rules and scanning of one file;
 *   - yg_yarascan_settle: "one scan per finished file" from FIM
 *     notifications (see below).
 * None of them is thread-safe: each object is used by one thread. Several
 * yg_yarascan objects may exist at once (libyara is initialised per object). */
#ifndef YAGURA_YARASCAN_H
#define YAGURA_YARASCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ybuf.h"
#include "common/ydiag.h"
#include "common/yerr.h"
#include "common/yopt.h"
#include "engine/wxml.h"

/* ---- configuration: <yara> ---- */

typedef struct yg_yarascan_config yg_yarascan_config;

/* A configuration with the defaults and no rules; NULL on ENOMEM. */
yg_yarascan_config *yg_yarascan_config_create(void);
void yg_yarascan_config_destroy(yg_yarascan_config *cfg);

/* The <yara> block's option table (common/yopt.h): names, types, ranges and
 * defaults of every option below. */
extern const yg_opt_block yg_yarascan_block;

/* Reads one <yara> block (`node`, from `file`) into cfg; several blocks add
 * up. Options:
 *   <disabled>yes|no</disabled>
 *   <rules>/path/file.yar or /path/dir</rules>        (repeatable)
 *   <directories>/var/www/html,/srv</directories>     (repeatable, comma list)
 *   <settle_ms>2000</settle_ms>                       (0..3600000)
 *   <max_file_size>33554432</max_file_size>           (bytes; K/M/G suffix ok)
 *   <timeout>60</timeout>                             (seconds per scan, 1..3600)
 * Every bad or unknown option is reported as "file:line" into diag; returns
 * YG_EPARSE if there was any, YG_ENOMEM. Paths must be absolute. */
yg_err yg_yarascan_config_add_yara(yg_yarascan_config *cfg, const yg_wxml_node *node,
                                   const char *file, yg_diag *diag);

/* Prints the effective <yara> block as ossec.conf XML. */
void yg_yarascan_config_print(const yg_yarascan_config *cfg, FILE *out);

/* Programmatic setters (tests, CLI). Paths are copied. */
yg_err yg_yarascan_config_add_rules(yg_yarascan_config *cfg, const char *path);
yg_err yg_yarascan_config_add_directory(yg_yarascan_config *cfg, const char *path);
void yg_yarascan_config_set_settle_ms(yg_yarascan_config *cfg, unsigned ms);
void yg_yarascan_config_set_max_file_size(yg_yarascan_config *cfg, uint64_t bytes);
void yg_yarascan_config_set_timeout(yg_yarascan_config *cfg, unsigned seconds);

bool yg_yarascan_config_disabled(const yg_yarascan_config *cfg);
unsigned yg_yarascan_config_settle_ms(const yg_yarascan_config *cfg);
uint64_t yg_yarascan_config_max_file_size(const yg_yarascan_config *cfg);
unsigned yg_yarascan_config_timeout(const yg_yarascan_config *cfg);
size_t yg_yarascan_config_nrules(const yg_yarascan_config *cfg);
const char *yg_yarascan_config_rules(const yg_yarascan_config *cfg, size_t i);
size_t yg_yarascan_config_ndirs(const yg_yarascan_config *cfg);
const char *yg_yarascan_config_dir(const yg_yarascan_config *cfg, size_t i);

/* ---- the scanner ---- */

typedef struct yg_yarascan yg_yarascan;

/* One matching rule, valid during the callback only. */
typedef struct yg_yarascan_match {
	const char *rule;        /* rule identifier */
	const char *ns;          /* namespace: the rules file's name without .yar/.yara */
	const char *const *tags; /* ntags tag names */
	size_t ntags;
	const char *description; /* meta "description", or NULL */
} yg_yarascan_match;

/* Called once per matching rule; return non-zero to stop the scan. */
typedef int (*yg_yarascan_cb)(void *ctx, const char *path, const yg_yarascan_match *m);

/* What one scan did. */
typedef struct yg_yarascan_result {
	unsigned matches;   /* rules reported to the callback */
	bool skipped;       /* the file was not scanned ... */
	const char *reason; /* ... because of this (static string), else NULL */
} yg_yarascan_result;

/* Compiles the configured rules: each <rules> file, or each *.yar / *.yara
 * file of a <rules> directory (sorted by name, not recursive), in its own
 * namespace. Compiler errors and warnings go to diag as "rules-file:line:
 * message". Returns YG_EPARSE on a compile error, YG_EINVAL when no rules
 * are configured, YG_EIO when a rules path cannot be read, YG_ENOMEM. The
 * scanner keeps a copy of the settings it needs; cfg may be destroyed. */
yg_err yg_yarascan_create(const yg_yarascan_config *cfg, yg_diag *diag, yg_yarascan **out);
void yg_yarascan_destroy(yg_yarascan *ys);

/* Compiles the rules again from the same paths (their content may have
 * changed). On error the old rules stay in use and the error is returned as
 * by create. */
yg_err yg_yarascan_reload(yg_yarascan *ys, yg_diag *diag);

/* The number of compiled rules. */
size_t yg_yarascan_nrules(const yg_yarascan *ys);

/* Scans the regular file at `path` (symlinks followed, as the yara command
 * does), calling cb for each matching rule in rule order. A file that is not
 * regular or is larger than max_file_size is not scanned: YG_OK with
 * res->skipped and res->reason. Returns YG_EIO when the file cannot be
 * opened or read (it may be gone), YG_ELIMIT when the scan timed out (matches
 * found before were reported), YG_ENOMEM. res may be NULL. */
yg_err yg_yarascan_file(yg_yarascan *ys, const char *path, yg_yarascan_cb cb, void *ctx,
                        yg_yarascan_result *res);

/* Appends the article's log line for one match to out:
 *     "wazuh-yara: INFO - Scan result: <rule> <path>"
 * (no newline). Control bytes in either string (a newline in a file name
 * would forge a second log line) are written as \xNN; anything else is
 * kept as the yara command prints it. YG_ELIMIT when out is full. */
yg_err yg_yarascan_format(yg_buf *out, const char *rule, const char *path);

/* ---- one scan per finished file ---- */

/* Monotonic milliseconds; injected for tests. */
typedef uint64_t (*yg_yarascan_clock)(void *ctx);

typedef struct yg_yarascan_settle yg_yarascan_settle;

/* A tracker that turns FIM change notifications into scans of finished
 * files: a path is due once its size and mtime have stayed the same for
 * settle_ms (checked again with stat(2) when it comes due), so a file
 * written slowly in chunks is scanned once, after the last chunk. A path
 * scanned with a given size and mtime is not scanned again for the same
 * ones. At most max_paths (0 = 10000) paths are tracked. clock NULL means
 * CLOCK_MONOTONIC. */
yg_yarascan_settle *yg_yarascan_settle_create(unsigned settle_ms, size_t max_paths,
                                              yg_yarascan_clock clock, void *clock_ctx);
void yg_yarascan_settle_destroy(yg_yarascan_settle *st);

/* Notes that FIM saw `path` with this size and mtime (nanoseconds since the
 * epoch; a whole-second value, as Wazuh's FIM reports, matches any time in
 * that second). A change of either restarts the settle period. Returns YG_ELIMIT
 * when max_paths paths are already waiting (the caller retries later),
 * YG_EINVAL for a path that is not absolute, YG_ENOMEM. */
yg_err yg_yarascan_settle_notify(yg_yarascan_settle *st, const char *path, uint64_t size,
                                 int64_t mtime_ns);

/* Called for each file due for a scan; it must not call the tracker. */
typedef void (*yg_yarascan_due_cb)(void *ctx, const char *path);

/* Checks the waiting paths: each one stable for settle_ms is stat()ed; if it
 * still has the notified size and mtime, cb is called (once) and the path is
 * remembered as scanned; if it changed, its settle period restarts; if it is
 * gone, it is forgotten. Returns the number of cb calls. */
size_t yg_yarascan_settle_poll(yg_yarascan_settle *st, yg_yarascan_due_cb cb, void *ctx);

/* Milliseconds until the next path may come due (for a timer), or -1 when
 * nothing waits. */
int64_t yg_yarascan_settle_next_ms(const yg_yarascan_settle *st);

/* Paths waiting for their settle period to end. */
size_t yg_yarascan_settle_pending(const yg_yarascan_settle *st);

#endif
