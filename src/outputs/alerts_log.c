/* alerts_log.c: alerts.json with daily and size rotation, no torn lines.
 *
 * The file is only ever appended to with whole lines (one write(2) each), so
 * the only damage a crash can do is a missing '\n' at the very end; that is
 * repaired when the file is next opened. See alerts_log.h for the contract. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outputs/alerts_log.h"

#define CUR_NAME "alerts.json"
#define PATH_MAX_LEN 4096

struct yg_alerts_log {
	pthread_mutex_t mu;
	yg_alerts_log_config cfg;
	char *dir;
	char cur_path[PATH_MAX_LEN];
	char prefix[64]; /* of rotated files */
	char suffix[16]; /* ... and their extension: the current file's (".json") */
	int fd;
	uint64_t size;
	/* Day of the current file's content as yyyymmdd, 0 while unknown
	 * (empty file); day_tm names the dated path. */
	long day_key;
	struct tm day_tm;
	unsigned since_sync;
	char *line;
	size_t line_cap;
	yg_alerts_log_stats st;
};

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void yg_alerts_log_config_default(yg_alerts_log_config *cfg, const char *dir)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dir = dir;
	cfg->min_level = 1;
	cfg->max_size = 0;
	cfg->fsync_mode = YG_ALERTS_FSYNC_EVERY_N;
	cfg->fsync_every = 1000;
}

/* Creates path and its parents (mode 0750). Returns YG_EIO on failure. */
static yg_err mkdir_p(const char *path)
{
	char tmp[PATH_MAX_LEN];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(tmp))
		return YG_EINVAL;
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return YG_EIO;
		tmp[i] = c;
	}
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return YG_EIO;
	return YG_OK;
}

/* Local calendar day of t: fills tm, returns yyyymmdd (0 on failure). */
static long day_of(time_t t, struct tm *tm)
{
	if (!localtime_r(&t, tm))
		return 0;
	return (long)(tm->tm_year + 1900) * 10000 + (tm->tm_mon + 1) * 100 + tm->tm_mday;
}

static void sync_dir(const char *path)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
}

static yg_err open_current(yg_alerts_log *log)
{
	log->fd = open(log->cur_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return YG_EIO;
	struct stat sb;
	if (fstat(log->fd, &sb) != 0) {
		close(log->fd);
		log->fd = -1;
		return YG_EIO;
	}
	log->size = (uint64_t)sb.st_size;
	return YG_OK;
}

/* If the file does not end in '\n', cuts it back to just after the last '\n'
 * (or to empty). Uses its own read-only descriptor. Returns the number of
 * bytes cut in *cut. */
static yg_err repair_tail(const char *path, yg_alerts_log *log, uint64_t *cut)
{
	*cut = 0;
	if (log->size == 0)
		return YG_OK;
	int rfd = open(path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return YG_EIO;
	char chunk[65536];
	uint64_t end = log->size;
	uint64_t keep = 0; /* new size */
	bool found = false;
	yg_err err = YG_OK;
	while (end > 0 && !found) {
		size_t n = end > sizeof(chunk) ? sizeof(chunk) : (size_t)end;
		uint64_t start = end - n;
		ssize_t r = pread(rfd, chunk, n, (off_t)start);
		if (r != (ssize_t)n) {
			err = YG_EIO;
			break;
		}
		if (end == log->size && chunk[n - 1] == '\n') {
			close(rfd);
			return YG_OK; /* intact: the common case */
		}
		for (size_t i = n; i > 0; i--) {
			if (chunk[i - 1] == '\n') {
				keep = start + i;
				found = true;
				break;
			}
		}
		end = start;
	}
	close(rfd);
	if (err)
		return err;
	if (ftruncate(log->fd, (off_t)keep) != 0)
		return YG_EIO;
	*cut = log->size - keep;
	log->size = keep;
	return YG_OK;
}

/* Moves the current file to its dated name (first free of DD, DD-001, ...)
 * and starts an empty alerts.json. On failure the current file stays open and
 * in use. Called with the mutex held. */
static yg_err rotate(yg_alerts_log *log)
{
	if (log->day_key == 0 || log->size == 0)
		return YG_OK;
	const struct tm *tm = &log->day_tm;
	char ddir[PATH_MAX_LEN], target[PATH_MAX_LEN];
	int n = snprintf(ddir, sizeof(ddir), "%s/%d/%s", log->dir, tm->tm_year + 1900,
	                 month_names[tm->tm_mon % 12]);
	if (n < 0 || (size_t)n >= sizeof(ddir) || mkdir_p(ddir) != YG_OK)
		goto fail;
	bool have = false;
	for (unsigned k = 0; k < 100000 && !have; k++) {
		if (k == 0)
			n = snprintf(target, sizeof(target), "%s/%s-%02d%s", ddir, log->prefix,
			             tm->tm_mday, log->suffix);
		else
			n = snprintf(target, sizeof(target), "%s/%s-%02d-%03u%s", ddir, log->prefix,
			             tm->tm_mday, k, log->suffix);
		if (n < 0 || (size_t)n >= sizeof(target))
			goto fail;
		struct stat sb;
		if (lstat(target, &sb) != 0 && errno == ENOENT)
			have = true;
	}
	if (!have)
		goto fail;
	if (log->cfg.fsync_mode != YG_ALERTS_FSYNC_NONE)
		(void)fdatasync(log->fd);
	if (rename(log->cur_path, target) != 0)
		goto fail;
	close(log->fd);
	log->fd = -1;
	if (log->cfg.fsync_mode != YG_ALERTS_FSYNC_NONE) {
		sync_dir(ddir);
		sync_dir(log->dir);
	}
	log->st.rotations++;
	log->day_key = 0;
	log->since_sync = 0;
	if (open_current(log) != YG_OK) {
		/* Nowhere to write: count it; the next write retries the open. */
		log->st.rotate_errors++;
		return YG_EIO;
	}
	return YG_OK;
fail:
	log->st.rotate_errors++;
	return YG_EIO;
}

yg_err yg_alerts_log_create(const yg_alerts_log_config *cfg, yg_diag *diag, yg_alerts_log **out)
{
	*out = NULL;
	if (!cfg || !cfg->dir || !cfg->dir[0])
		return YG_EINVAL;
	yg_alerts_log *log = calloc(1, sizeof(*log));
	if (!log)
		return YG_ENOMEM;
	log->fd = -1;
	log->cfg = *cfg;
	log->dir = strdup(cfg->dir);
	if (!log->dir) {
		free(log);
		return YG_ENOMEM;
	}
	log->cfg.dir = log->dir;
	if (log->cfg.fsync_every == 0)
		log->cfg.fsync_every = 1;
	yg_err err = YG_OK;
	const char *fname = cfg->file_name ? cfg->file_name : CUR_NAME;
	const char *pre = cfg->rotated_prefix ? cfg->rotated_prefix : "ossec-alerts";
	int pn = snprintf(log->prefix, sizeof(log->prefix), "%s", pre);
	const char *dot = strrchr(fname, '.');
	int sn = snprintf(log->suffix, sizeof(log->suffix), "%s", dot ? dot : "");
	int n = snprintf(log->cur_path, sizeof(log->cur_path), "%s/%s", log->dir, fname);
	log->cfg.file_name = log->cfg.rotated_prefix = NULL; /* not kept: copied above */
	if (n < 0 || (size_t)n >= sizeof(log->cur_path) || pn < 0 ||
	    (size_t)pn >= sizeof(log->prefix) || sn < 0 || (size_t)sn >= sizeof(log->suffix) ||
	    strchr(fname, '/') || strchr(pre, '/')) {
		err = YG_EINVAL;
		goto out;
	}
	if ((err = mkdir_p(log->dir)) != YG_OK) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, log->dir, 0, "alerts",
			            "cannot create directory: %s", strerror(errno));
		goto out;
	}
	if ((err = open_current(log)) != YG_OK) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, log->cur_path, 0, "alerts",
			            "cannot open: %s", strerror(errno));
		goto out;
	}
	uint64_t cut = 0;
	if ((err = repair_tail(log->cur_path, log, &cut)) != YG_OK) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, log->cur_path, 0, "alerts",
			            "cannot check or repair the last line");
		goto out;
	}
	if (cut) {
		log->st.repaired_bytes = cut;
		if (diag)
			yg_diag_add(diag, YG_SEV_WARNING, log->cur_path, 0, "alerts",
			            "cut %llu bytes of a torn last line (interrupted write)",
			            (unsigned long long)cut);
	}
	if (log->size > 0) {
		/* An existing file belongs to the day it was last written. */
		struct stat sb;
		if (fstat(log->fd, &sb) == 0)
			log->day_key = day_of(sb.st_mtime, &log->day_tm);
	}
	if (pthread_mutex_init(&log->mu, NULL) != 0) {
		err = YG_ENOMEM;
		goto out;
	}
	*out = log;
	return YG_OK;
out:
	if (log->fd >= 0)
		close(log->fd);
	free(log->dir);
	free(log);
	return err;
}

void yg_alerts_log_destroy(yg_alerts_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0) {
		if (log->cfg.fsync_mode != YG_ALERTS_FSYNC_NONE)
			(void)fdatasync(log->fd);
		close(log->fd);
	}
	pthread_mutex_destroy(&log->mu);
	free(log->line);
	free(log->dir);
	free(log);
}

/* Appends one complete line with a single write(2). A short write is undone
 * so the file never keeps part of a line. Mutex held. */
static yg_err append_line(yg_alerts_log *log, const char *buf, size_t len)
{
	if (log->fd < 0 && open_current(log) != YG_OK)
		return YG_EIO;
	for (;;) {
		ssize_t w = write(log->fd, buf, len);
		if (w == (ssize_t)len)
			break;
		if (w < 0 && errno == EINTR)
			continue;
		if (w > 0)
			(void)ftruncate(log->fd, (off_t)log->size);
		return YG_EIO;
	}
	log->size += len;
	log->st.bytes += len;
	switch (log->cfg.fsync_mode) {
	case YG_ALERTS_FSYNC_NONE: break;
	case YG_ALERTS_FSYNC_ALWAYS: (void)fdatasync(log->fd); break;
	case YG_ALERTS_FSYNC_EVERY_N:
		if (++log->since_sync >= log->cfg.fsync_every) {
			(void)fdatasync(log->fd);
			log->since_sync = 0;
		}
		break;
	}
	return YG_OK;
}

/* Rotation by day or size before something of len bytes is written at
 * `when`. Mutex held. */
static void rotate_if_due(yg_alerts_log *log, size_t len, time_t when)
{
	struct tm tm;
	long key = day_of(when, &tm);
	if (log->size > 0 && log->day_key != 0 && key > log->day_key)
		(void)rotate(log);
	else if (log->cfg.max_size && log->size > 0 && log->size + len > log->cfg.max_size)
		(void)rotate(log);
	if (log->size == 0 || log->day_key == 0) {
		log->day_key = key;
		log->day_tm = tm;
	}
}

yg_err yg_alerts_log_write(yg_alerts_log *log, const char *json_line, size_t len, int level,
                           time_t when)
{
	if (!log || (!json_line && len))
		return YG_EINVAL;
	if (len > 0 && json_line[len - 1] == '\n')
		len--;
	if (len == 0 || memchr(json_line, '\n', len) || memchr(json_line, '\0', len))
		return YG_EINVAL;
	pthread_mutex_lock(&log->mu);
	yg_err err = YG_OK;
	if (level < log->cfg.min_level) {
		log->st.filtered++;
		goto out;
	}
	if (len + 1 > log->line_cap) {
		size_t cap = len + 1 + 256;
		char *nl = realloc(log->line, cap);
		if (!nl) {
			err = YG_ENOMEM;
			log->st.errors++;
			goto out;
		}
		log->line = nl;
		log->line_cap = cap;
	}
	memcpy(log->line, json_line, len);
	log->line[len] = '\n';

	rotate_if_due(log, len + 1, when);
	err = append_line(log, log->line, len + 1);
	if (err)
		log->st.errors++;
	else
		log->st.written++;
out:
	pthread_mutex_unlock(&log->mu);
	return err;
}

static yg_err current_pos(yg_alerts_log *log, yg_alerts_log_pos *pos)
{
	struct stat sb;
	if (log->fd < 0 && open_current(log) != YG_OK)
		return YG_EIO;
	if (fstat(log->fd, &sb) != 0)
		return YG_EIO;
	*pos = (yg_alerts_log_pos){(uint64_t)sb.st_dev, (uint64_t)sb.st_ino, log->size};
	return YG_OK;
}

yg_err yg_alerts_log_prepare(yg_alerts_log *log, size_t len, time_t when, yg_alerts_log_pos *pos)
{
	if (!log || !pos)
		return YG_EINVAL;
	pthread_mutex_lock(&log->mu);
	rotate_if_due(log, len, when);
	yg_err err = current_pos(log, pos);
	pthread_mutex_unlock(&log->mu);
	return err;
}

yg_err yg_alerts_log_append(yg_alerts_log *log, const char *data, size_t len, size_t nlines)
{
	if (!log || (!data && len) || (len && data[len - 1] != '\n'))
		return YG_EINVAL;
	if (len == 0)
		return YG_OK;
	pthread_mutex_lock(&log->mu);
	yg_err err = append_line(log, data, len);
	if (err)
		log->st.errors += nlines;
	else
		log->st.written += nlines;
	pthread_mutex_unlock(&log->mu);
	return err;
}

yg_err yg_alerts_log_complete(yg_alerts_log *log, const yg_alerts_log_pos *pos, const char *data,
                              size_t len, size_t *written)
{
	if (written)
		*written = 0;
	if (!log || !pos || (!data && len))
		return YG_EINVAL;
	pthread_mutex_lock(&log->mu);
	yg_alerts_log_pos cur;
	yg_err err = current_pos(log, &cur);
	if (err || cur.dev != pos->dev || cur.ino != pos->ino)
		goto out;
	if (cur.offset < pos->offset) {
		err = YG_EIO;
		goto out;
	}
	uint64_t have = cur.offset - pos->offset;
	if (have >= len)
		goto out;
	err = append_line(log, data + have, len - (size_t)have);
	if (!err && written)
		*written = len - (size_t)have;
out:
	pthread_mutex_unlock(&log->mu);
	return err;
}

yg_err yg_alerts_log_sync(yg_alerts_log *log)
{
	if (!log)
		return YG_EINVAL;
	pthread_mutex_lock(&log->mu);
	yg_err err = YG_OK;
	if (log->fd >= 0 && fdatasync(log->fd) != 0)
		err = YG_EIO;
	log->since_sync = 0;
	pthread_mutex_unlock(&log->mu);
	return err;
}

void yg_alerts_log_get_stats(yg_alerts_log *log, yg_alerts_log_stats *out)
{
	pthread_mutex_lock(&log->mu);
	*out = log->st;
	pthread_mutex_unlock(&log->mu);
}
