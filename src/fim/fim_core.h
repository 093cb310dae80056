/* fim_core.h: the monitor's state, shared by fim.c and fim_rt.c. */
#ifndef YAGURA_FIM_CORE_H
#define YAGURA_FIM_CORE_H

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/yhtab.h"
#include "fim/fim_int.h"

#define FIM_HASH_MAX_SIZE (1024ull * 1024 * 1024) /* Wazuh's file_max_size */
#define FIM_TXN_BATCH 1000
#define FIM_MAX_PENDING 10000 /* events kept for a slow consumer */
#define FIM_DEFAULT_SETTLE_MS 100
#define FIM_MAX_SETTLING 65536 /* paths waiting to settle; past it: rescan */
#define FIM_MAX_WD (1 << 24)
#define FIM_WATCH_BUCKETS 4096 /* inode -> watch index */
#define FIM_DIFF_MAX_INPUT (16ull * 1024 * 1024)
#define FIM_DIFF_MAX_OUTPUT (64 * 1024)

/* One side of a change, with the storage the public attrs point into. */
typedef struct fim_state {
	yg_fim_attrs a;
	char uname[128];
	char gname[128];
	unsigned mode;
	uint64_t dev;
	uint64_t size_raw; /* st_size even when size is not checked */
	int64_t ctime_ns, mtime_ns;
} fim_state;

typedef enum { FIM_ADDED, FIM_MODIFIED, FIM_DELETED } fim_kind;

/* An event, on the stack while offered, copied to the queue when refused. */
typedef struct fim_pend {
	struct fim_pend *next;
	char *path;
	fim_kind kind;
	bool realtime;
	bool has_before, has_after;
	fim_state before, after;
	unsigned changed; /* bit i = attr_names[i] */
	char *diff;
	char *tags;
} fim_pend;

/* One inotify watch, indexed by its descriptor. The inode index exists
 * because the kernel keys watches by inode: a directory already watched
 * (perhaps under an older name) costs no new watch, which our own ceiling
 * must know without asking the kernel for a watch. */
typedef struct fim_watch {
	char *path; /* NULL: no watch with this descriptor */
	uint64_t dev, ino;
	int next; /* next descriptor + 1 in the same inode bucket; 0 ends */
} fim_watch;

struct yg_fim {
	const yg_fim_config *cfg;
	sqlite3 *db;
	sqlite3_stmt *q_get, *q_put, *q_del, *q_touch, *q_under, *q_unseen, *q_count;
	bool in_txn;
	unsigned txn_ops;
	int64_t gen;
	bool baseline_done;
	uint64_t db_files;
	bool limit_warned;

	char *diff_dir;
	uint64_t diff_bytes;
	bool quota_warned;

	yg_fim_emit_fn emit;
	void *ctx;
	yg_fim_log_fn log;
	void *log_ctx;
	void (*sleep_fn)(void *ctx, unsigned ms);
	void *sleep_ctx;

	fim_pend *qhead, *qtail;
	size_t qlen;

	unsigned fps_count;
	int64_t fps_start;

	uid_t uname_uid;
	gid_t gname_gid;
	bool uname_valid, gname_valid;
	char uname_cache[128], gname_cache[128];

	/* realtime */
	int ifd;
	fim_watch *wd; /* indexed by watch descriptor */
	size_t wd_cap;
	int wd_bucket[FIM_WATCH_BUCKETS]; /* first descriptor + 1; 0: none */
	size_t watch_limit;               /* 0: only the kernel's */
	bool watch_limit_warned;
	bool need_rescan;
	unsigned settle_ms;
	yg_htab *settle; /* path -> int64_t due_ms; made on first use */
	bool started;
	int64_t next_scan_ms;

	yg_fim_stats st;
};

int64_t fim_now_ms(void);
void fim_log(yg_fim *f, yg_fim_log_level lvl, int id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void fim_txn_begin(yg_fim *f);
void fim_txn_commit(yg_fim *f);
void fim_missing(yg_fim *f, const char *path, bool realtime);
void emit_deleted(yg_fim *f, fim_pend *p, bool realtime);
int fim_depth(const fim_dir *d, const char *path);
void fim_check_path(yg_fim *f, const fim_dir *d, char *pb, bool realtime, bool scanning);
void fim_scan_dirs(yg_fim *f, bool only_realtime, bool realtime_mode);

/* fim_rt.c */
/* Adds (or renews) the watch of directory `dir`, lstat'ed as st; past the
 * kernel's or the monitor's watch limit the directory is counted in
 * unwatched_dirs (warning 6364 once) and left to scheduled scans. */
void fim_rt_watch(yg_fim *f, const char *dir, const struct stat *st);
void fim_rt_stop_all(yg_fim *f);

#endif
