/* fim_rt.c: realtime monitoring with inotify, and the poll loop.
 *
 * Every directory of a realtime <directories> tree gets a watch (ignored
 * directories and those at the recursion limit do not). Events on a path
 * are coalesced: the path is examined once it has been quiet for settle_ms,
 * so a file written in chunks gives one event. New and removed directories
 * are handled at once so their watches follow the tree. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/yhash.h"
#include "fim/fim_core.h"

#define RT_MASK                                                                                    \
	(IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE |             \
	 IN_CLOSE_WRITE | IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)

static uint32_t inode_bucket(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 32) ^ (dev >> 32)) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 40) % FIM_WATCH_BUCKETS;
}

/* The descriptor of the watch held on inode (dev, ino), or -1. */
static int watch_find(const yg_fim *f, uint64_t dev, uint64_t ino)
{
	for (int w = f->wd_bucket[inode_bucket(dev, ino)]; w; w = f->wd[w - 1].next) {
		const fim_watch *x = &f->wd[w - 1];
		if (x->dev == dev && x->ino == ino)
			return w - 1;
	}
	return -1;
}

static void watch_unlink(yg_fim *f, int wd)
{
	int *pp = &f->wd_bucket[inode_bucket(f->wd[wd].dev, f->wd[wd].ino)];
	while (*pp && *pp != wd + 1)
		pp = &f->wd[*pp - 1].next;
	if (*pp)
		*pp = f->wd[wd].next;
	f->wd[wd].next = 0;
}

/* Forgets watch wd (already removed from the kernel, or being removed). */
static void watch_drop(yg_fim *f, int wd)
{
	if (wd < 0 || (size_t)wd >= f->wd_cap || !f->wd[wd].path)
		return;
	watch_unlink(f, wd);
	free(f->wd[wd].path);
	f->wd[wd].path = NULL;
	if (f->st.watches)
		f->st.watches--;
}

/* Records watch wd on dir (dev, ino); the path is copied. A descriptor
 * already held takes the new name (a directory renamed while its events were
 * lost keeps its wd). Returns false on ENOMEM. */
static bool watch_set(yg_fim *f, int wd, const char *dir, uint64_t dev, uint64_t ino)
{
	if ((size_t)wd >= f->wd_cap) {
		size_t nc = f->wd_cap ? f->wd_cap : 256;
		while (nc <= (size_t)wd)
			nc *= 2;
		fim_watch *nv = realloc(f->wd, nc * sizeof(*nv));
		if (!nv)
			return false;
		memset(nv + f->wd_cap, 0, (nc - f->wd_cap) * sizeof(*nv));
		f->wd = nv;
		f->wd_cap = nc;
	}
	char *p = strdup(dir);
	if (!p)
		return false;
	fim_watch *x = &f->wd[wd];
	if (x->path) {
		watch_unlink(f, wd);
		free(x->path);
	} else {
		f->st.watches++;
	}
	x->path = p;
	x->dev = dev;
	x->ino = ino;
	uint32_t b = inode_bucket(dev, ino);
	x->next = f->wd_bucket[b];
	f->wd_bucket[b] = wd + 1;
	return true;
}

/* Reads the kernel's per-user watch limit for the message; "?" when it
 * cannot be read. */
static void kernel_watch_limit(char *out, size_t len)
{
	snprintf(out, len, "?");
	FILE *fp = fopen("/proc/sys/fs/inotify/max_user_watches", "re");
	if (!fp)
		return;
	char line[32];
	if (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(out, len, "%s", line);
	}
	fclose(fp);
}

/* dir gets no watch: a limit is reached (ours when `own`, else the
 * kernel's). Counted, warned about once per monitor, left to scans. */
static void watch_refused(yg_fim *f, const char *dir, bool own)
{
	f->st.unwatched_dirs++;
	if (f->watch_limit_warned) {
		fim_log(f, YG_FIM_LOG_DEBUG, 6364,
		        "(6364): No inotify watch for '%s' (limit reached)", dir);
		return;
	}
	f->watch_limit_warned = true;
	char lim[80];
	if (own) {
		snprintf(lim, sizeof(lim), "max_realtime_watches = %zu", f->watch_limit);
	} else {
		char k[32];
		kernel_watch_limit(k, sizeof(k));
		snprintf(lim, sizeof(lim), "fs.inotify.max_user_watches = %s", k);
	}
	fim_log(f, YG_FIM_LOG_WARNING, 6364,
	        "(6364): Unable to add directory to real time monitoring: '%s' - the inotify "
	        "watch limit (%s) is reached. This and further directories are checked by "
	        "scheduled scans only (every %u s).",
	        dir, lim, f->cfg->frequency);
}

void fim_rt_watch(yg_fim *f, const char *dir, const struct stat *st)
{
	if (f->ifd < 0)
		return;
	uint64_t dev = (uint64_t)st->st_dev, ino = (uint64_t)st->st_ino;
	/* Our ceiling behaves as the kernel's: a directory that holds a watch
	 * is renewed (the kernel hands back its wd), a new one is refused. */
	bool full = f->watch_limit && f->st.watches >= f->watch_limit;
	if (full && watch_find(f, dev, ino) < 0) {
		watch_refused(f, dir, true);
		return;
	}
	int wd = inotify_add_watch(f->ifd, dir, RT_MASK);
	if (wd < 0) {
		if (errno == ENOSPC)
			watch_refused(f, dir, false);
		else
			fim_log(f, YG_FIM_LOG_DEBUG, 6719, "(6719): Cannot watch '%s': %s", dir,
			        strerror(errno));
		return;
	}
	bool known = (size_t)wd < f->wd_cap && f->wd[wd].path;
	if (wd >= FIM_MAX_WD || (full && !known)) {
		/* Past our bound, or the inode was replaced since lstat and the
		 * kernel made a new watch past our ceiling: give it back. */
		inotify_rm_watch(f->ifd, wd);
		if (known)
			watch_drop(f, wd);
		if (full)
			watch_refused(f, dir, true);
		return;
	}
	if (!watch_set(f, wd, dir, dev, ino)) {
		inotify_rm_watch(f->ifd, wd);
		watch_drop(f, wd);
	}
}

/* Drops the watches of dir and everything under it. */
static void unwatch_tree(yg_fim *f, const char *dir)
{
	size_t dl = strlen(dir);
	for (size_t i = 0; i < f->wd_cap; i++) {
		const char *p = f->wd[i].path;
		if (p && strncmp(p, dir, dl) == 0 && (p[dl] == '\0' || p[dl] == '/')) {
			inotify_rm_watch(f->ifd, (int)i);
			watch_drop(f, (int)i);
		}
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks the directories of d's tree (no file is read), adding watches in
 * the scan's order (names sorted, depth first), so which directories keep a
 * watch when a limit is reached does not depend on readdir's order. */
static void watch_tree(yg_fim *f, const fim_dir *d, char *pb)
{
	struct stat st;
	if (fim_config_dir_for(f->cfg, pb) != d || lstat(pb, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	int depth = fim_depth(d, pb);
	if (depth >= d->recursion_level || fim_config_ignored(f->cfg, pb, true))
		return;
	fim_rt_watch(f, pb, &st);
	DIR *dir = opendir(pb);
	if (!dir)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	size_t len = strlen(pb);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);
		size_t sep = pb[len - 1] == '/' ? 0 : 1;
		if (len + sep + nl < FIM_PATH_MAX) {
			if (sep)
				pb[len] = '/';
			memcpy(pb + len + sep, names[i], nl + 1);
			watch_tree(f, d, pb);
			pb[len] = '\0';
		}
		free(names[i]);
	}
	free(names);
}

yg_err yg_fim_realtime_start(yg_fim *f)
{
	if (f->ifd >= 0 || f->cfg->disabled)
		return YG_OK;
	bool any = false;
	for (size_t i = 0; i < f->cfg->ndirs; i++)
		any |= f->cfg->dirs[i].realtime;
	if (!any)
		return YG_OK;
	f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->ifd < 0) {
		fim_log(f, YG_FIM_LOG_ERROR, 6720,
		        "(6720): Cannot start real time monitoring (inotify): %s; realtime "
		        "directories are checked by scheduled scans only",
		        strerror(errno));
		return YG_EIO;
	}
	char *pb = malloc(FIM_PATH_MAX);
	if (!pb)
		return YG_ENOMEM;
	f->st.unwatched_dirs = 0;
	for (size_t i = 0; i < f->cfg->ndirs; i++) {
		const fim_dir *d = &f->cfg->dirs[i];
		if (!d->realtime)
			continue;
		snprintf(pb, FIM_PATH_MAX, "%s", d->path);
		watch_tree(f, d, pb);
	}
	free(pb);
	fim_log(f, YG_FIM_LOG_INFO, 6012,
	        "(6012): Real-time file integrity monitoring started (%llu directories "
	        "watched).",
	        (unsigned long long)f->st.watches);
	return YG_OK;
}

static void settle_clear(yg_fim *f)
{
	if (f->settle)
		yg_htab_clear(f->settle);
}

void fim_rt_stop_all(yg_fim *f)
{
	if (f->ifd >= 0)
		close(f->ifd);
	f->ifd = -1;
	for (size_t i = 0; i < f->wd_cap; i++)
		free(f->wd[i].path);
	free(f->wd);
	f->wd = NULL;
	memset(f->wd_bucket, 0, sizeof(f->wd_bucket));
	f->wd_cap = 0;
	f->st.watches = 0;
	yg_htab_destroy(f->settle);
	f->settle = NULL;
}

void yg_fim_realtime_stop(yg_fim *f)
{
	fim_rt_stop_all(f);
}

int yg_fim_fd(const yg_fim *f)
{
	return f->ifd;
}

/* Notes activity on path: it is examined settle_ms after the last one.
 * Past FIM_MAX_SETTLING paths (or out of memory) a rescan replaces them. */
static void settle_add(yg_fim *f, const char *path, int64_t now)
{
	int64_t *due = NULL;
	if (!f->settle)
		f->settle = yg_htab_create(sizeof(int64_t), FIM_MAX_SETTLING);
	if (!f->settle || yg_htab_insert(f->settle, path, (void **)&due, NULL) != YG_OK) {
		f->need_rescan = true; /* too much at once: rescan instead */
		return;
	}
	*due = now + f->settle_ms;
}

static void rt_path_now(yg_fim *f, const char *path)
{
	const fim_dir *d = fim_config_dir_for(f->cfg, path);
	char pb[FIM_PATH_MAX];
	if (!d || !d->realtime || strlen(path) >= sizeof(pb))
		return;
	memcpy(pb, path, strlen(path) + 1);
	fim_check_path(f, d, pb, true, false);
}

/* Processes the paths whose quiet period is over. */
static void settle_run(yg_fim *f, int64_t now)
{
	if (!f->settle || !yg_htab_count(f->settle))
		return;
	fim_txn_begin(f);
	size_t it = 0;
	const char *path;
	const int64_t *due;
	while ((due = yg_htab_next(f->settle, &it, &path))) {
		if (*due > now)
			continue;
		rt_path_now(f, path);
		yg_htab_remove_at(f->settle, it);
	}
	fim_txn_commit(f);
}

/* Reads what inotify has; returns -1 on a read error. */
static int rt_read(yg_fim *f)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(f->ifd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -1;
		}
		if (n == 0)
			return 0;
		int64_t now = fim_now_ms();
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				f->st.overflows++;
				f->need_rescan = true;
				fim_log(f, YG_FIM_LOG_WARNING, 6906,
				        "(6906): Real time process: no data. Probably buffer "
				        "overflow. Realtime directories will be rescanned.");
				continue;
			}
			if (ev->wd < 0 || (size_t)ev->wd >= f->wd_cap || !f->wd[ev->wd].path)
				continue;
			if (ev->mask & IN_IGNORED) {
				watch_drop(f, ev->wd);
				continue;
			}
			if (ev->len == 0 || ev->name[0] == '\0')
				continue;
			char full[FIM_PATH_MAX];
			const char *dir = f->wd[ev->wd].path;
			size_t dl = strlen(dir), nl = strnlen(ev->name, ev->len);
			size_t sep = dir[dl - 1] == '/' ? 0 : 1;
			if (dl + sep + nl >= sizeof(full))
				continue;
			memcpy(full, dir, dl);
			if (sep)
				full[dl] = '/';
			memcpy(full + dl + sep, ev->name, nl);
			full[dl + sep + nl] = '\0';
			if (ev->mask & IN_ISDIR) {
				/* Directories at once, so watches follow the tree:
				 * files made in a new directory before its watch
				 * exists are found by the walk that adds it. */
				if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
					unwatch_tree(f, full);
					const fim_dir *d = fim_config_dir_for(f->cfg, full);
					if (d && d->realtime) {
						fim_txn_begin(f);
						fim_missing(f, full, true);
						fim_txn_commit(f);
					}
				} else if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
					fim_txn_begin(f);
					rt_path_now(f, full);
					fim_txn_commit(f);
				}
				continue;
			}
			settle_add(f, full, now);
		}
	}
}

int yg_fim_next_timeout_ms(const yg_fim *f)
{
	int64_t now = fim_now_ms(), best = -1;
	if (f->cfg->disabled)
		return -1;
	if (!f->started || f->need_rescan)
		return 0;
	if (f->qlen)
		best = 100;
	if (f->cfg->frequency > 0) {
		int64_t t = f->next_scan_ms - now;
		if (t < 0)
			t = 0;
		if (best < 0 || t < best)
			best = t;
	}
	size_t it = 0;
	const int64_t *due;
	while (f->settle && (due = yg_htab_next(f->settle, &it, NULL))) {
		int64_t t = *due - now;
		if (t < 0)
			t = 0;
		if (best < 0 || t < best)
			best = t;
	}
	if (best > 0x7fffffff)
		best = 0x7fffffff;
	return (int)best;
}

yg_err yg_fim_poll(yg_fim *f, int timeout_ms)
{
	if (f->cfg->disabled)
		return YG_OK;
	yg_fim_flush(f);
	if (!f->started) {
		f->started = true;
		if (f->cfg->scan_on_start)
			yg_fim_scan(f);
		f->next_scan_ms = fim_now_ms() + (int64_t)f->cfg->frequency * 1000;
	}
	int wait = yg_fim_next_timeout_ms(f);
	if (timeout_ms >= 0 && (wait < 0 || wait > timeout_ms))
		wait = timeout_ms;
	struct pollfd pfd = {.fd = f->ifd, .events = POLLIN};
	int pr = poll(f->ifd >= 0 ? &pfd : NULL, f->ifd >= 0 ? 1 : 0, wait);
	if (pr < 0 && errno != EINTR)
		return YG_EIO;
	if (pr > 0 && f->ifd >= 0 && rt_read(f) < 0) {
		fim_log(f, YG_FIM_LOG_ERROR, 6721, "(6721): Reading inotify events failed: %s",
		        strerror(errno));
		return YG_EIO;
	}
	int64_t now = fim_now_ms();
	settle_run(f, now);
	if (f->need_rescan) {
		f->need_rescan = false;
		settle_clear(f);
		fim_scan_dirs(f, true, true);
	}
	if (f->cfg->frequency > 0 && now >= f->next_scan_ms) {
		yg_fim_scan(f);
		f->next_scan_ms = fim_now_ms() + (int64_t)f->cfg->frequency * 1000;
	}
	yg_fim_flush(f);
	return YG_OK;
}
