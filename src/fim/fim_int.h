/* fim_int.h: what the FIM sources share; not part of the public API. */
#ifndef YAGURA_FIM_INT_H
#define YAGURA_FIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ybuf.h"
#include "engine/osmatch.h"
#include "fim/fim.h"

/* Wazuh's syscheck.default_max_depth and MAX_DEPTH_ALLOWED. */
#define FIM_DEFAULT_DEPTH 256
#define FIM_MAX_DEPTH 320
/* Wazuh's MAX_DIR_SIZE: paths per <directories> element. */
#define FIM_MAX_DIRS_PER_ELEMENT 64
/* Bounds of yagura's own. */
#define FIM_MAX_DIRS 65536
#define FIM_MAX_PATTERNS 65536
#define FIM_PATH_MAX 4096

typedef struct fim_dir {
	char *path; /* absolute, no trailing '/' except for "/" */
	unsigned checks;
	bool realtime;
	bool report_changes;
	int recursion_level;
	char *restrict_raw;
	yg_osmatch *restrict_re;
	char *tags;
	uint64_t diff_size_limit; /* bytes */
} fim_dir;

typedef struct fim_pattern {
	char *raw;
	yg_osmatch *re; /* NULL for a literal prefix */
} fim_pattern;

struct yg_fim_config {
	bool disabled;
	bool scan_on_start;
	unsigned frequency;
	fim_dir *dirs; /* sorted by path */
	size_t ndirs;
	fim_pattern *ignore;
	size_t nignore;
	fim_pattern *nodiff;
	size_t nnodiff;
	unsigned max_files_per_second; /* 0 = unlimited */
	size_t max_realtime_watches;   /* yagura's own; 0 = the kernel's only */
	bool file_limit_enabled;
	uint64_t file_limit;
	bool disk_quota_enabled;
	uint64_t disk_quota; /* bytes */
	bool file_size_enabled;
	uint64_t file_size_limit; /* bytes */
};

/* The configured directory that governs `path` (longest prefix ending at a
 * '/' boundary), or NULL. */
const fim_dir *fim_config_dir_for(const yg_fim_config *cfg, const char *path);
/* Wazuh's fim_check_ignore: case-insensitive literal prefixes, then sregex
 * patterns (a negated pattern never ignores a directory). */
bool fim_config_ignored(const yg_fim_config *cfg, const char *path, bool is_dir);
bool fim_config_nodiff(const yg_fim_config *cfg, const char *path);

/* Writes a unified diff of old -> new text (3 lines of context) into out,
 * which is bounded; past out's bound or the edit bound the diff ends with a
 * "diff truncated" line. Returns YG_ENOMEM only on allocation failure. */
yg_err fim_diff_text(const char *old, size_t oldlen, const char *new_, size_t newlen,
                     const char *path, yg_buf *out);

#endif
