/* lc.c: the running log collector.
 *
 * Each followed file keeps the offset up to which its events were accepted
 * (`off`) and a buffer holding the file's bytes from `off` onwards. Events are
 * cut from the front of the buffer; only when `emit` accepts one do the bytes
 * leave the buffer and `off` move. Everything else (rotation, truncation,
 * crash recovery) is a matter of choosing which file and offset to read, so
 * no path can skip or repeat an accepted event. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/ybuf.h"
#include "common/yhash.h"
#include "common/yproc.h"
#include "logcollector/lc_int.h"
#include "logcollector/lc_store.h"

#define LC_BUDGET 5000          /* events per source per pass, for fairness */
#define LC_FILES_PER_ENTRY 1000 /* Wazuh's default file_limit */
#define LC_CMD_OUTPUT_MAX (4u << 20)
#define LC_NO_ENTRY ((size_t)-1)

typedef struct lc_file {
	char *name;     /* location reported to emit and key in the store */
	char *openpath; /* where it was opened (differs for recovered orphans) */
	size_t entry;
	int fd;
	uint64_t dev, ino;
	uint64_t off; /* bytes accepted (or filtered/skipped) */
	bool skip;    /* discarding the rest of an over-long line */
	uint32_t hlen;
	uint64_t hash;
	char *buf;   /* cap = max_line + 1 bytes */
	size_t bpos; /* buf + bpos holds the file's bytes from off */
	size_t blen;
	bool draining;      /* its name no longer leads here: read to the end, drop */
	bool seen;          /* matched by the current expansion */
	time_t group_since; /* multi-line: incomplete group first seen */
	uint64_t skipped;   /* backlog left unread at open (max-size), to be told */
} lc_file;

typedef struct lc_cmd {
	size_t entry;
	time_t next_run;
	pid_t pid; /* > 0 until reaped */
	int fd;    /* read end of stdout, -1 when closed */
	yg_buf out;
	bool overflow;
	char **pend; /* events waiting to be accepted */
	size_t *plen;
	size_t npend, ipend;
} lc_cmd;

/* A journal the configuration reads; its source is (re)opened as needed. */
typedef struct lc_jslot {
	char *location;
	char *cursor; /* the stored cursor, used until the source opens */
	lc_jsrc *src;
	bool warned;    /* its failure to open was logged */
	bool tried;     /* an attempt to open it was made */
	bool skip_told; /* the backlog skipped at open (max-size) was logged */
	struct timespec last_try;
} lc_jslot;

struct yg_lc {
	const yg_lc_config *cfg;
	yg_lc_emit_fn emit;
	void *ctx;
	yg_lc_log_fn log;
	void *logctx;
	yg_db *db;
	lc_pos *stored; /* positions loaded at start, matched as files appear */
	size_t nstored;
	lc_cursor *stored_cur; /* journal cursors loaded at start */
	size_t nstored_cur;
	lc_jslot *jslots; /* one per journal read (journald locations) */
	size_t njslots;
	lc_file **files;
	size_t nfiles, capfiles;
	lc_cmd *cmds;
	size_t ncmds;
	int ifd;      /* inotify, -1 if unavailable */
	bool dirty;   /* inotify reported something: re-expand */
	bool initial; /* first expansion (only-future-events applies) */
	struct timespec last_expand;
	size_t cur_entry;
	size_t cap; /* buffer capacity per file: max_line + 1 */
	yg_match_scratch *scratch;
	yg_buf line;          /* the event being emitted */
	yg_buf tmp;           /* a multi-line event being assembled */
	yg_buf mbuf;          /* text handed to a multi-line regex */
	bool *special_warned; /* per entry: a non-regular file was reported */
};

/* ---- small helpers ---- */

static void lc_log(yg_lc *lc, yg_severity sev, int code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void lc_log(yg_lc *lc, yg_severity sev, int code, const char *fmt, ...)
{
	if (!lc->log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lc->log(lc->logctx, sev, code, msg);
}

/* Hash of the first `len` bytes of fd; false if they cannot all be read. */
static bool head_hash(int fd, uint32_t len, uint64_t *out)
{
	char b[LC_HEAD_BYTES];
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, b + got, len - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	*out = yg_hash64(b, len);
	return true;
}

static double ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1000.0 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static const lc_entry *entry_of(const yg_lc *lc, size_t i)
{
	return &lc->cfg->entries[i];
}

/* Wazuh's check_ignore_and_restrict: dropped when any <ignore> matches or
 * any <restrict> does not. */
static bool filtered(yg_lc *lc, const lc_entry *e, const char *s)
{
	for (size_t i = 0; i < e->nignore; i++)
		if (yg_pattern_test(e->ignore[i], s, lc->scratch))
			return true;
	for (size_t i = 0; i < e->nrestrict; i++)
		if (!yg_pattern_test(e->restrict_[i], s, lc->scratch))
			return true;
	return false;
}

/* Hands one event to the consumer. The text is copied into lc->line with
 * NUL bytes replaced by spaces (so it is a proper C string) and cut to
 * max_line. Returns 0 when accepted or filtered out, non-zero for
 * back-pressure; *emitted is incremented for events actually emitted. */
static int deliver(yg_lc *lc, size_t entry, const char *location, const char *text, size_t len,
                   int *emitted)
{
	const lc_entry *e = entry_of(lc, entry);
	if (len > lc->cfg->max_line)
		len = lc->cfg->max_line;
	yg_buf_reset(&lc->line);
	if (yg_buf_append(&lc->line, text, len))
		return 1; /* out of memory: retry later rather than lose it */
	for (size_t i = 0; i < len; i++)
		if (lc->line.data[i] == '\0')
			lc->line.data[i] = ' ';
	if (filtered(lc, e, lc->line.data))
		return 0;
	lc->cur_entry = entry;
	int r = lc->emit(lc->ctx, location, e->format, lc->line.data, len);
	lc->cur_entry = LC_NO_ENTRY;
	if (r == 0)
		(*emitted)++;
	return r;
}

/* ---- followed files ---- */

static void file_free(lc_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->name);
	free(f->openpath);
	free(f->buf);
	free(f);
}

/* Drops everything buffered and starts again at `off`. */
static void file_reset(lc_file *f, uint64_t off)
{
	f->off = off;
	f->blen = 0;
	f->bpos = 0;
	f->skip = false;
	f->group_since = 0;
}

/* Recomputes the identity hash over the first min(size, 512) bytes. */
static void file_rehash(lc_file *f, uint64_t size)
{
	uint32_t n = size < LC_HEAD_BYTES ? (uint32_t)size : LC_HEAD_BYTES;
	uint64_t h;
	if (head_hash(f->fd, n, &h)) {
		f->hlen = n;
		f->hash = h;
	}
}

static void watch_dir_of(yg_lc *lc, const char *path)
{
	if (lc->ifd < 0)
		return;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (n >= sizeof(dir))
		return;
	if (slash == path)
		n = 1; /* "/" */
	if (n == 0) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (strpbrk(dir, "*?[") != NULL)
		return;
	/* Watching the directory reports changes of every file in it and
	 * files created or renamed there, with one watch per directory. */
	uint32_t mask = IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
	                IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	if (inotify_add_watch(lc->ifd, dir, mask) < 0 && errno == ENOSPC)
		lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_INOTIFY,
		       "inotify watch limit reached for '%s': stat polling only", dir);
}

static yg_err files_push(yg_lc *lc, lc_file *f)
{
	if (lc->nfiles == lc->capfiles) {
		size_t nc = lc->capfiles ? lc->capfiles * 2 : 16;
		lc_file **nf = realloc(lc->files, nc * sizeof(*nf));
		if (!nf)
			return YG_ENOMEM;
		lc->files = nf;
		lc->capfiles = nc;
	}
	lc->files[lc->nfiles++] = f;
	return YG_OK;
}

/* Looks for a file in `name`'s directory with the given identity: the file a
 * stored position describes, renamed by a rotation while we were down.
 * Returns the malloc'd path or NULL. */
static char *find_renamed(const char *name, const lc_pos *p)
{
	char dir[4096];
	const char *slash = strrchr(name, '/');
	if (!slash || (size_t)(slash - name) >= sizeof(dir))
		return NULL;
	size_t n = slash == name ? 1 : (size_t)(slash - name);
	memcpy(dir, name, n);
	dir[n] = '\0';
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *found = NULL;
	struct dirent *de;
	while (!found && (de = readdir(d)) != NULL) {
		if ((uint64_t)de->d_ino != p->ino)
			continue;
		char full[4096 + 256];
		snprintf(full, sizeof(full), "%s/%s", n == 1 && dir[0] == '/' ? "" : dir,
		         de->d_name);
		struct stat st;
		if (stat(full, &st) == 0 && (uint64_t)st.st_dev == p->dev &&
		    (uint64_t)st.st_ino == p->ino && S_ISREG(st.st_mode))
			found = strdup(full);
	}
	closedir(d);
	return found;
}

/* The offset just after the last complete line of fd (size bytes), where
 * Wazuh's only-future-events starts: a partial last line waits for its
 * end to come. A last line longer than max_line: the end. */
static uint64_t after_last_line(const yg_lc *lc, int fd, uint64_t size)
{
	uint64_t start = size;
	char c;
	while (start > 0) {
		if (pread(fd, &c, 1, (off_t)(start - 1)) != 1 || c == '\n')
			break;
		start--;
		if (size - start > lc->cfg->max_line)
			return size;
	}
	return start;
}

/* Where a newly opened file f (size bytes) is read from: a stored position
 * that matches the file's identity (unless the backlog since is over the
 * entry's only-future-events max-size), else only-future-events on the
 * first expansion, else 0. */
static void file_start(yg_lc *lc, lc_file *f, int fd, uint64_t size, const lc_pos *pos)
{
	const lc_entry *e = entry_of(lc, f->entry);
	uint64_t h;
	if (pos && pos->dev == f->dev && pos->ino == f->ino && pos->off <= size &&
	    pos->hlen <= size && head_hash(fd, pos->hlen, &h) && h == pos->hash) {
		if (!e->future && e->max_size && size - pos->off > e->max_size) {
			/* Wazuh's max-size: the backlog is dropped, by request;
			 * told by the next pass (the first opens come before
			 * a logger is set) */
			f->off = after_last_line(lc, fd, size);
			f->skipped = size - pos->off;
			return;
		}
		f->off = pos->off;
		f->skip = pos->skip;
		lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_RESUMED, "resuming '%s' at offset %llu",
		       f->name, (unsigned long long)f->off);
	} else if (lc->initial && !pos && e->future) {
		f->off = after_last_line(lc, fd, size);
	} else {
		f->off = 0;
	}
}

/* Opens `openpath` as a followed file reported as `name`, from where
 * file_start says. */
static lc_file *file_open(yg_lc *lc, size_t entry, const char *name, const char *openpath,
                          const lc_pos *pos, bool draining)
{
	int fd = open(openpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_OPEN_FAILED, "cannot open '%s': %s", openpath,
		       strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	lc_file *f = calloc(1, sizeof(*f));
	if (!f || !(f->name = strdup(name)) || !(f->openpath = strdup(openpath))) {
		close(fd);
		file_free(f);
		return NULL;
	}
	f->fd = fd;
	f->entry = entry;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->draining = draining;
	uint64_t size = (uint64_t)st.st_size;
	file_start(lc, f, fd, size, pos);
	file_rehash(f, size);
	if (files_push(lc, f)) {
		file_free(f);
		return NULL;
	}
	watch_dir_of(lc, openpath);
	lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_ADDED, "analyzing file '%s'", name);
	return f;
}

static lc_pos *stored_for(yg_lc *lc, const char *name)
{
	for (size_t i = 0; i < lc->nstored; i++)
		if (!lc->stored[i].used && strcmp(lc->stored[i].path, name) == 0)
			return &lc->stored[i];
	return NULL;
}

/* Adds a file newly matched by a location, recovering first any rotated
 * predecessor a stored position points at. */
/* Says (once per <localfile>) that path is not a regular file: FIFOs and
 * devices are not read (a FIFO has no position to resume from, a device
 * never ends). */
static void warn_special(yg_lc *lc, size_t entry, const char *path, mode_t mode)
{
	/* before yg_lc_set_logger the warning waits for the next expansion */
	if (!lc->log || !lc->special_warned || lc->special_warned[entry])
		return;
	lc->special_warned[entry] = true;
	const lc_entry *e = entry_of(lc, entry);
	const char *what = S_ISFIFO(mode)                   ? "a FIFO"
	                   : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
	                   : S_ISSOCK(mode)                 ? "a socket"
	                   : S_ISDIR(mode)                  ? "a directory"
	                                                    : "not a regular file";
	lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_NOT_REGULAR,
	       "%s:%d: <localfile> '%s' is %s: not read (only regular files are followed)",
	       e->file ? e->file : "ossec.conf", e->line, path, what);
}

static void file_add(yg_lc *lc, size_t entry, const char *path)
{
	lc_pos *p;
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	if (!S_ISREG(st.st_mode)) {
		warn_special(lc, entry, path, st.st_mode);
		return;
	}
	while ((p = stored_for(lc, path)) != NULL) {
		p->used = true;
		if (p->dev == (uint64_t)st.st_dev && p->ino == (uint64_t)st.st_ino) {
			file_open(lc, entry, path, path, p, false);
			return;
		}
		/* The name now leads to another file: the one we were reading was
		 * rotated while we were stopped. Finish it first. */
		char *old = find_renamed(path, p);
		if (old) {
			lc_file *of = file_open(lc, entry, path, old, p, true);
			if (of)
				lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_ROTATED,
				       "'%s' was rotated to '%s' while stopped: reading it to "
				       "the end",
				       path, old);
			free(old);
		}
		/* Whatever is at the name now was written after the last commit
		 * or belongs to a new file: read it all. */
		bool init = lc->initial;
		lc->initial = false;
		file_open(lc, entry, path, path, NULL, false);
		lc->initial = init;
		return;
	}
	file_open(lc, entry, path, path, NULL, false);
}

static lc_file *find_live(yg_lc *lc, const char *name)
{
	for (size_t i = 0; i < lc->nfiles; i++)
		if (!lc->files[i]->draining && strcmp(lc->files[i]->name, name) == 0)
			return lc->files[i];
	return NULL;
}

/* strftime on a location from the configuration (a trusted format). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static size_t expand_time(char *out, size_t n, const char *fmt, const struct tm *tm)
{
	return strftime(out, n, fmt, tm);
}
#pragma GCC diagnostic pop

/* Re-evaluates every file location (strftime, then glob), adding files that
 * appeared and marking for draining those no longer matched. */
static void expand(yg_lc *lc)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	for (size_t i = 0; i < lc->nfiles; i++)
		lc->files[i]->seen = false;
	for (size_t ei = 0; ei < lc->cfg->n; ei++) {
		const lc_entry *e = entry_of(lc, ei);
		if (!e->location || e->kind == LC_KIND_JOURNAL)
			continue;
		char pat[4096];
		if (strchr(e->location, '%')) {
			if (expand_time(pat, sizeof(pat), e->location, &tm) == 0)
				snprintf(pat, sizeof(pat), "%s", e->location);
		} else {
			snprintf(pat, sizeof(pat), "%s", e->location);
		}
		watch_dir_of(lc, pat);
		if (!strpbrk(pat, "*?[")) {
			lc_file *f = find_live(lc, pat);
			if (f) {
				if (f->entry == ei)
					f->seen = true;
			} else {
				file_add(lc, ei, pat);
				if ((f = find_live(lc, pat)) != NULL)
					f->seen = true;
			}
			continue;
		}
		glob_t g;
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		size_t nmatched = 0;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			const char *p = g.gl_pathv[k];
			if (e->exclude && fnmatch(e->exclude, p, 0) == 0)
				continue;
			lc_file *f = find_live(lc, p);
			if (!f) {
				if (nmatched >= LC_FILES_PER_ENTRY) {
					lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_LIMIT,
					       "more than %d files match '%s': '%s' not followed",
					       LC_FILES_PER_ENTRY, e->location, p);
					continue;
				}
				file_add(lc, ei, p);
				f = find_live(lc, p);
			}
			if (f && f->entry == ei) {
				f->seen = true;
				nmatched++;
			}
		}
		globfree(&g);
	}
	for (size_t i = 0; i < lc->nfiles; i++) {
		lc_file *f = lc->files[i];
		if (!f->draining && !f->seen) {
			f->draining = true;
			lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_DROPPED,
			       "'%s' no longer matches its location: reading it to the end",
			       f->name);
		}
	}
	lc->initial = false;
}

/* Notices rotation by rename/deletion (the name leads elsewhere) and
 * copy-truncate (the file shrank or its head changed). */
static void file_check(yg_lc *lc, lc_file *f)
{
	struct stat st;
	if (!f->draining) {
		if (stat(f->openpath, &st) != 0 || (uint64_t)st.st_dev != f->dev ||
		    (uint64_t)st.st_ino != f->ino) {
			f->draining = true;
			lc->dirty = true; /* pick up the new file at the name */
			lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_ROTATED,
			       "'%s' was rotated or deleted: reading the old file to the end",
			       f->name);
		}
	}
	if (fstat(f->fd, &st) != 0)
		return;
	uint64_t size = (uint64_t)st.st_size;
	uint64_t h;
	bool shrank = size < f->off + f->blen;
	bool changed = !shrank && f->hlen > 0 && (!head_hash(f->fd, f->hlen, &h) || h != f->hash);
	if (shrank || changed) {
		lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_TRUNCATED,
		       "'%s' was truncated: reading it from the start", f->name);
		file_reset(f, 0);
		file_rehash(f, size);
	} else if (f->hlen < LC_HEAD_BYTES && size > f->hlen) {
		file_rehash(f, size);
	}
}

/* The buffered bytes: f->blen of them, starting at file offset f->off. */
static char *fb(const lc_file *f)
{
	return f->buf + f->bpos;
}

/* Reads more of the file into its buffer, first moving the unconsumed bytes
 * to its start. Returns false on read error. */
static bool file_fill(yg_lc *lc, lc_file *f)
{
	if (!f->buf) {
		f->buf = malloc(lc->cap);
		if (!f->buf)
			return false;
		f->bpos = 0;
	}
	if (f->bpos) {
		memmove(f->buf, f->buf + f->bpos, f->blen);
		f->bpos = 0;
	}
	while (f->blen < lc->cap) {
		ssize_t r = pread(f->fd, f->buf + f->blen, lc->cap - f->blen,
		                  (off_t)(f->off + f->blen));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0)
			break;
		f->blen += (size_t)r;
	}
	return true;
}

static void file_consume(lc_file *f, size_t n)
{
	f->bpos += n;
	f->blen -= n;
	f->off += n;
}

/* A line in the buffer: [start, start+len) without its line end; `next` is
 * where the following one starts (offsets relative to fb()). */
typedef struct lc_line {
	size_t start, len, next;
} lc_line;

/* Finds the complete line at `pos`; false when none ends in the buffer. */
static bool next_line(const lc_file *f, size_t pos, lc_line *l)
{
	if (pos >= f->blen)
		return false;
	const char *b = fb(f);
	const char *nl = memchr(b + pos, '\n', f->blen - pos);
	if (!nl)
		return false;
	size_t end = (size_t)(nl - b);
	l->start = pos;
	l->len = end - pos;
	if (l->len > 0 && b[end - 1] == '\r')
		l->len--;
	l->next = end + 1;
	return true;
}

/* Joins the complete lines in [0, upto) into lc->tmp as multi-line-regex's
 * `replace` says: the line ends kept as written, removed, or replaced by a
 * space or a tab (multi-line:N joins with a space, as Wazuh). */
static void join_lines(yg_lc *lc, const lc_file *f, size_t upto, lc_ml_replace rep)
{
	const char *b = fb(f);
	yg_buf_reset(&lc->tmp);
	yg_buf_puts(&lc->tmp, "");
	size_t pos = 0;
	lc_line l;
	while (pos < upto && next_line(f, pos, &l)) {
		if (pos > 0) {
			switch (rep) {
			case LC_ML_NO_REPLACE:
				if (pos >= 2 && b[pos - 2] == '\r')
					yg_buf_putc(&lc->tmp, '\r');
				yg_buf_putc(&lc->tmp, '\n');
				break;
			case LC_ML_NONE: break;
			case LC_ML_WSPACE: yg_buf_putc(&lc->tmp, ' '); break;
			case LC_ML_TAB: yg_buf_putc(&lc->tmp, '\t'); break;
			}
		}
		size_t room = lc->tmp.max - lc->tmp.len;
		yg_buf_append(&lc->tmp, b + l.start, l.len < room ? l.len : room);
		pos = l.next;
	}
}

/* Does the pattern match this byte range? The text is copied so that it is
 * NUL-terminated and free of embedded NULs. */
static bool ml_match(yg_lc *lc, const yg_pattern *p, const char *s, size_t n)
{
	yg_buf_reset(&lc->mbuf);
	if (yg_buf_append(&lc->mbuf, s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (lc->mbuf.data[i] == '\0')
			lc->mbuf.data[i] = ' ';
	return yg_pattern_exec(p, lc->mbuf.data, lc->scratch, NULL, 0, NULL, NULL);
}

/* Decides the next event of a multi-line file: returns the bytes it spans
 * (0: none ready yet) and leaves its text in lc->tmp. `eof` says nothing more
 * is to come (a file being left). */
static size_t ml_next(yg_lc *lc, lc_file *f, bool eof)
{
	const lc_entry *e = entry_of(lc, f->entry);
	bool full = f->blen >= lc->cap;
	lc_ml_replace rep = e->kind == LC_KIND_MLCOUNT ? LC_ML_WSPACE : e->ml_replace;
	size_t pos = 0, nlines = 0, upto = 0;
	bool done = false;
	lc_line l;
	while (!done && next_line(f, pos, &l)) {
		if (e->kind == LC_KIND_MLCOUNT) {
			upto = l.next;
			done = ++nlines >= (size_t)e->ml_count;
		} else if (e->ml_match == LC_ML_START) {
			/* a line matching the start regex begins the next event */
			if (nlines > 0 && ml_match(lc, e->ml_regex, fb(f) + l.start, l.len)) {
				done = true;
				break;
			}
			upto = l.next;
			nlines++;
		} else if (e->ml_match == LC_ML_END) {
			upto = l.next;
			nlines++;
			done = ml_match(lc, e->ml_regex, fb(f) + l.start, l.len);
		} else {
			/* match="all": the regex is tried on the lines joined so far */
			upto = l.next;
			nlines++;
			join_lines(lc, f, upto, rep);
			done = ml_match(lc, e->ml_regex, lc->tmp.data, lc->tmp.len);
		}
		pos = l.next;
	}
	if (!done && nlines > 0) {
		time_t now = time(NULL);
		if (!f->group_since)
			f->group_since = now;
		bool expired =
		        e->kind != LC_KIND_MLCOUNT && now - f->group_since >= (time_t)e->ml_timeout;
		done = full || eof || expired;
	}
	if (nlines == 0 || !done)
		return 0;
	join_lines(lc, f, upto, rep);
	return upto;
}

/* The next event in the buffer, if one is ready: its text, its length and
 * the bytes of the file it spans. */
typedef struct lc_event {
	const char *text;
	size_t len, raw;
	bool truncated;
} lc_event;

static bool next_event(yg_lc *lc, lc_file *f, bool eof, lc_event *ev)
{
	const lc_entry *e = entry_of(lc, f->entry);
	lc_line l;
	bool have = next_line(f, 0, &l);
	ev->truncated = false;
	if (!have && f->blen >= lc->cap) {
		/* No line end within max_line bytes: Wazuh sends the first part
		 * and discards the rest of the line. */
		ev->text = fb(f);
		ev->len = lc->cfg->max_line;
		ev->raw = lc->cfg->max_line;
		ev->truncated = true;
		return true;
	}
	if (e->kind == LC_KIND_LINES) {
		if (have) {
			ev->text = fb(f);
			ev->len = l.len;
			ev->raw = l.next;
			return true;
		}
	} else {
		size_t raw = ml_next(lc, f, eof);
		if (raw) {
			ev->text = lc->tmp.data;
			ev->len = lc->tmp.len;
			ev->raw = raw;
			return true;
		}
	}
	if (eof && f->blen > 0) {
		/* the last line of a file we leave, without its line end */
		ev->text = fb(f);
		ev->len = f->blen;
		ev->raw = f->blen;
		return true;
	}
	return false;
}

/* Emits what the file holds, up to the budget. Returns false when the
 * consumer pushed back; *drained when the file is read to its end. */
static bool file_process(yg_lc *lc, lc_file *f, int *emitted, bool *drained)
{
	*drained = false;
	bool eof = false;
	for (int n = 0; n < LC_BUDGET; n++) {
		/* Refill when half empty, so compaction costs O(1) per byte. */
		if (f->blen < lc->cap / 2 && !file_fill(lc, f))
			return true;
		if (f->blen == 0) {
			*drained = true;
			return true;
		}
		if (f->skip) {
			const char *nl = memchr(fb(f), '\n', f->blen);
			size_t k = nl ? (size_t)(nl - fb(f)) + 1 : f->blen;
			file_consume(f, k);
			f->skip = nl == NULL;
			continue;
		}
		lc_event ev;
		if (!next_event(lc, f, eof, &ev)) {
			if (eof)
				return true;
			size_t before = f->blen;
			if (!file_fill(lc, f))
				return true;
			/* Nothing new: the file is at its end for now. A file we
			 * are leaving gets its last partial line flushed. */
			if (f->blen == before) {
				if (!f->draining)
					return true;
				eof = true;
			}
			continue;
		}
		if (deliver(lc, f->entry, f->name, ev.text, ev.len, emitted) != 0)
			return false;
		if (ev.truncated) {
			lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_LINE_TRUNCATED,
			       "line longer than %zu bytes in '%s': truncated", lc->cfg->max_line,
			       f->name);
			f->skip = true;
		}
		f->group_since = 0;
		file_consume(f, ev.raw);
	}
	return true;
}

static void file_remove(yg_lc *lc, size_t i)
{
	file_free(lc->files[i]);
	memmove(&lc->files[i], &lc->files[i + 1], (lc->nfiles - i - 1) * sizeof(lc->files[0]));
	lc->nfiles--;
}

/* Is an older file of the same name still being drained? Then the new one
 * waits, so events keep their order across a rotation. */
static bool has_draining_before(const yg_lc *lc, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (lc->files[k]->draining && strcmp(lc->files[k]->name, lc->files[i]->name) == 0)
			return true;
	return false;
}

/* Tells about a backlog file_start skipped for max-size, once. */
static void file_tell_skip(yg_lc *lc, lc_file *f)
{
	if (!f->skipped || !lc->log)
		return;
	lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_RESUMED,
	       "'%s' grew by %llu bytes while stopped, over max-size %llu: reading from its end",
	       f->name, (unsigned long long)f->skipped,
	       (unsigned long long)entry_of(lc, f->entry)->max_size);
	f->skipped = 0;
}

static int files_pass(yg_lc *lc)
{
	int emitted = 0;
	for (size_t i = 0; i < lc->nfiles; i++) {
		file_tell_skip(lc, lc->files[i]);
		file_check(lc, lc->files[i]);
	}
	if (lc->dirty) {
		lc->dirty = false;
		expand(lc);
		clock_gettime(CLOCK_MONOTONIC, &lc->last_expand);
	}
	for (size_t i = 0; i < lc->nfiles;) {
		lc_file *f = lc->files[i];
		if (!f->draining && has_draining_before(lc, i)) {
			i++;
			continue;
		}
		bool drained;
		bool ok = file_process(lc, f, &emitted, &drained);
		if (ok && drained && f->draining) {
			lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_FILE_DROPPED,
			       "finished reading '%s' (%s)", f->name, f->openpath);
			file_remove(lc, i);
			continue;
		}
		if (f->blen == 0 && f->buf) {
			free(f->buf);
			f->buf = NULL;
		}
		i++;
	}
	return emitted;
}

/* ---- commands ---- */

static void cmd_clear_pending(lc_cmd *c)
{
	for (size_t i = 0; i < c->npend; i++)
		free(c->pend[i]);
	free(c->pend);
	free(c->plen);
	c->pend = NULL;
	c->plen = NULL;
	c->npend = c->ipend = 0;
}

static const char *cmd_name(const lc_entry *e)
{
	return e->alias ? e->alias : e->command;
}

static void cmd_push(lc_cmd *c, yg_buf *b)
{
	char **np = realloc(c->pend, (c->npend + 1) * sizeof(*np));
	if (!np)
		return;
	c->pend = np;
	size_t *nl = realloc(c->plen, (c->npend + 1) * sizeof(*nl));
	if (!nl)
		return;
	c->plen = nl;
	size_t len = b->len;
	char *s = yg_buf_steal(b);
	if (!s)
		return;
	c->pend[c->npend] = s;
	c->plen[c->npend] = len;
	c->npend++;
}

/* Turns a finished command's output into events, Wazuh's way:
 * "ossec: output: '<name>': <line>" per non-empty line, or for full_command
 * "ossec: output: '<name>':\n<output>". */
static void cmd_split(yg_lc *lc, lc_cmd *c)
{
	const lc_entry *e = entry_of(lc, c->entry);
	const char *out = c->out.data ? c->out.data : "";
	size_t len = c->out.len;
	yg_buf b;
	if (e->kind == LC_KIND_FULLCMD) {
		while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
			len--;
		if (len == 0)
			return;
		yg_buf_init(&b, lc->cfg->max_line);
		yg_buf_printf(&b, "ossec: output: '%s':\n", cmd_name(e));
		size_t room = b.max - b.len;
		yg_buf_append(&b, out, len < room ? len : room);
		cmd_push(c, &b);
		yg_buf_free(&b);
		return;
	}
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(out + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - out) : len;
		size_t l = end - pos;
		if (l > 0 && out[pos + l - 1] == '\r')
			l--;
		if (l > 0) {
			yg_buf_init(&b, lc->cfg->max_line);
			yg_buf_printf(&b, "ossec: output: '%s': ", cmd_name(e));
			size_t room = b.max - b.len;
			yg_buf_append(&b, out + pos, l < room ? l : room);
			cmd_push(c, &b);
			yg_buf_free(&b);
		}
		pos = end + 1;
	}
}

/* Starts the command with /bin/sh -c (the string comes from the trusted
 * configuration, never from event data), stdout into a pipe, through
 * common/yproc.h: the safe environment and no descriptor of ours. */
static void cmd_start(yg_lc *lc, lc_cmd *c)
{
	const lc_entry *e = entry_of(lc, c->entry);
	char *argv[] = {"/bin/sh", "-c", e->command, NULL};
	yg_proc_spec spec = {.path = "/bin/sh", .argv = argv, .stdout_ = {YG_PROC_PIPE, -1}};
	yg_proc p;
	char err[256];
	if (yg_proc_spawn(&spec, &p, err, sizeof err) != YG_OK) {
		lc_log(lc, YG_SEV_ERROR, YG_LC_MSG_COMMAND_FAILED, "cannot run '%s': %s",
		       e->command, err);
		return;
	}
	if (p.pidfd >= 0)
		close(p.pidfd);
	c->pid = p.pid;
	c->fd = p.out_fd;
	c->overflow = false;
	yg_buf_reset(&c->out);
}

/* Reads what the command wrote; at end of output queues its events. */
static void cmd_read(yg_lc *lc, lc_cmd *c)
{
	char b[8192];
	for (;;) {
		ssize_t r = read(c->fd, b, sizeof(b));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0)
			break;
		if (!c->overflow && yg_buf_append(&c->out, b, (size_t)r) != YG_OK) {
			c->overflow = true;
			lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_COMMAND_FAILED,
			       "output of '%s' over %u bytes: the rest is discarded",
			       entry_of(lc, c->entry)->command, LC_CMD_OUTPUT_MAX);
		}
	}
	close(c->fd);
	c->fd = -1;
	cmd_split(lc, c);
	yg_buf_reset(&c->out);
}

static int cmds_pass(yg_lc *lc)
{
	int emitted = 0;
	time_t now = time(NULL);
	for (size_t i = 0; i < lc->ncmds; i++) {
		lc_cmd *c = &lc->cmds[i];
		const lc_entry *e = entry_of(lc, c->entry);
		if (c->fd >= 0)
			cmd_read(lc, c);
		if (c->pid > 0 && c->fd < 0) {
			int st;
			if (waitpid(c->pid, &st, WNOHANG) == c->pid)
				c->pid = 0;
		}
		while (c->ipend < c->npend) {
			if (deliver(lc, c->entry, cmd_name(e), c->pend[c->ipend], c->plen[c->ipend],
			            &emitted) != 0)
				break;
			c->ipend++;
		}
		if (c->ipend == c->npend && c->npend)
			cmd_clear_pending(c);
		if (c->pid == 0 && c->fd < 0 && c->npend == 0 && now >= c->next_run) {
			c->next_run = now + (e->frequency > 0 ? e->frequency : 1);
			cmd_start(lc, c);
			if (c->fd >= 0)
				cmd_read(lc, c);
		}
	}
	return emitted;
}

/* ---- journals ---- */

#define LC_JOURNAL_RETRY_MS 5000

/* Tells once that the source skipped its backlog at open (max-size); the
 * first open happens in yg_lc_create, before a logger is set, so this is
 * also called from each pass. */
static void jslot_tell_skip(yg_lc *lc, lc_jslot *js)
{
	if (!js->src || js->skip_told || !lc->log || !lc_jsrc_skipped(js->src))
		return;
	js->skip_told = true;
	lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_JOURNAL,
	       "the journal '%s' has over %llu bytes after the stored cursor, more than "
	       "max-size: reading from its end",
	       js->location, (unsigned long long)lc_jsrc_skipped(js->src));
}

/* Opens slot's source at its cursor; logs (once until it works) why not. */
static void jslot_open(yg_lc *lc, lc_jslot *js)
{
	clock_gettime(CLOCK_MONOTONIC, &js->last_try);
	char err[512];
	js->src = lc_jsrc_create(lc->cfg, js->location, js->cursor, !js->tried, err, sizeof(err));
	js->tried = true;
	if (!js->src) {
		if (!js->warned)
			lc_log(lc, YG_SEV_ERROR, YG_LC_MSG_JOURNAL, "%s (retrying)", err);
		js->warned = true;
		return;
	}
	js->warned = false;
	char dirs[2][4096];
	size_t nd = lc_jsrc_dirs(js->src, dirs, 2);
	for (size_t i = 0; i < nd; i++) {
		char p[4096 + 4];
		snprintf(p, sizeof(p), "%s/.", dirs[i]);
		watch_dir_of(lc, p);
	}
	js->skip_told = false;
	lc_log(lc, YG_SEV_WARNING, YG_LC_MSG_JOURNAL, "reading the journal '%s'%s", js->location,
	       js->cursor && !lc_jsrc_skipped(js->src) ? " from its stored cursor" : "");
}

/* One slot per distinct journald location, with its stored cursor. */
static yg_err jslots_init(yg_lc *lc)
{
	for (size_t i = 0; i < lc->cfg->n; i++) {
		const lc_entry *e = entry_of(lc, i);
		if (e->kind != LC_KIND_JOURNAL)
			continue;
		bool seen = false;
		for (size_t k = 0; k < lc->njslots && !seen; k++)
			seen = strcmp(lc->jslots[k].location, e->location) == 0;
		if (seen)
			continue;
		lc_jslot *n = realloc(lc->jslots, (lc->njslots + 1) * sizeof(*n));
		if (!n)
			return YG_ENOMEM;
		lc->jslots = n;
		lc_jslot *js = &n[lc->njslots++];
		*js = (lc_jslot){0};
		if (!(js->location = strdup(e->location)))
			return YG_ENOMEM;
		for (size_t k = 0; k < lc->nstored_cur; k++)
			if (strcmp(lc->stored_cur[k].source, e->location) == 0 &&
			    !(js->cursor = strdup(lc->stored_cur[k].cursor)))
				return YG_ENOMEM;
		jslot_open(lc, js);
	}
	return YG_OK;
}

typedef struct jctx {
	yg_lc *lc;
	int *emitted;
} jctx;

static int jdeliver(void *ctx, size_t entry, const char *location, const char *text, size_t len)
{
	jctx *c = ctx;
	return deliver(c->lc, entry, location, text, len, c->emitted);
}

/* The slot's accepted cursor (its source's, else the stored one). */
static const char *jslot_cursor(const lc_jslot *js)
{
	const char *c = js->src ? lc_jsrc_cursor(js->src) : NULL;
	return c ? c : js->cursor;
}

static int journals_pass(yg_lc *lc)
{
	int emitted = 0;
	jctx c = {lc, &emitted};
	for (size_t i = 0; i < lc->njslots; i++) {
		lc_jslot *js = &lc->jslots[i];
		if (!js->src && ms_since(&js->last_try) >= LC_JOURNAL_RETRY_MS)
			jslot_open(lc, js);
		if (!js->src)
			continue;
		jslot_tell_skip(lc, js);
		char err[512];
		if (lc_jsrc_pass(js->src, LC_BUDGET, jdeliver, &c, err, sizeof(err)) >= 0)
			continue;
		/* keep what was accepted, then start again from it */
		const char *cur = lc_jsrc_cursor(js->src);
		char *keep = cur ? strdup(cur) : NULL;
		if (cur && !keep)
			continue; /* out of memory: try the same source again */
		free(js->cursor);
		js->cursor = keep;
		lc_jsrc_destroy(js->src);
		js->src = NULL;
		lc_log(lc, YG_SEV_ERROR, YG_LC_MSG_JOURNAL, "%s: reopening it", err);
	}
	return emitted;
}

static void jslots_free(yg_lc *lc)
{
	for (size_t i = 0; i < lc->njslots; i++) {
		lc_jsrc_destroy(lc->jslots[i].src);
		free(lc->jslots[i].location);
		free(lc->jslots[i].cursor);
	}
	free(lc->jslots);
	for (size_t i = 0; i < lc->nstored_cur; i++) {
		free(lc->stored_cur[i].source);
		free(lc->stored_cur[i].cursor);
	}
	free(lc->stored_cur);
}

/* ---- public ---- */

yg_lc *yg_lc_create(const yg_lc_config *cfg, const char *db_path, yg_lc_emit_fn emit, void *ctx,
                    yg_diag *diag)
{
	if (!cfg || !emit) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "localfile", "no configuration/callback");
		return NULL;
	}
	yg_lc *lc = calloc(1, sizeof(*lc));
	if (!lc)
		return NULL;
	lc->cfg = cfg;
	lc->emit = emit;
	lc->ctx = ctx;
	lc->ifd = -1;
	lc->cur_entry = LC_NO_ENTRY;
	lc->cap = cfg->max_line + 1;
	yg_buf_init(&lc->line, cfg->max_line + 1);
	yg_buf_init(&lc->tmp, cfg->max_line);
	yg_buf_init(&lc->mbuf, cfg->max_line + 1);
	lc->scratch = yg_match_scratch_create();
	lc->special_warned = calloc(cfg->n ? cfg->n : 1, sizeof(bool));
	if (!lc->scratch || !lc->special_warned)
		goto fail;
	if (db_path) {
		char err[256];
		lc_posset set;
		if (lc_store_open(db_path, &lc->db, err, sizeof(err)) ||
		    lc_store_load(lc->db, &set)) {
			yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "localfile",
			            "cannot use the positions database: %s",
			            lc->db ? "cannot read positions" : err);
			goto fail;
		}
		lc->stored = set.rows;
		lc->nstored = set.n;
		lc->stored_cur = set.cur;
		lc->nstored_cur = set.ncur;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		lc_kind k = cfg->entries[i].kind;
		if (k == LC_KIND_COMMAND || k == LC_KIND_FULLCMD)
			lc->ncmds++;
	}
	if (lc->ncmds) {
		lc->cmds = calloc(lc->ncmds, sizeof(*lc->cmds));
		if (!lc->cmds)
			goto fail;
		size_t j = 0;
		for (size_t i = 0; i < cfg->n; i++) {
			lc_kind k = cfg->entries[i].kind;
			if (k != LC_KIND_COMMAND && k != LC_KIND_FULLCMD)
				continue;
			lc->cmds[j].entry = i;
			lc->cmds[j].fd = -1;
			yg_buf_init(&lc->cmds[j].out, LC_CMD_OUTPUT_MAX);
			j++;
		}
	}
	lc->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (jslots_init(lc))
		goto fail;
	lc->initial = true;
	expand(lc);
	clock_gettime(CLOCK_MONOTONIC, &lc->last_expand);
	return lc;
fail:
	yg_lc_destroy(lc);
	return NULL;
}

void yg_lc_destroy(yg_lc *lc)
{
	if (!lc)
		return;
	for (size_t i = 0; i < lc->nfiles; i++)
		file_free(lc->files[i]);
	free(lc->files);
	free(lc->special_warned);
	for (size_t i = 0; i < lc->ncmds; i++) {
		lc_cmd *c = &lc->cmds[i];
		if (c->fd >= 0)
			close(c->fd);
		if (c->pid > 0) {
			kill(c->pid, SIGTERM);
			waitpid(c->pid, NULL, 0);
		}
		yg_buf_free(&c->out);
		cmd_clear_pending(c);
	}
	free(lc->cmds);
	if (lc->ifd >= 0)
		close(lc->ifd);
	if (lc->db)
		lc_store_close(lc->db);
	lc_store_free(lc->stored, lc->nstored);
	jslots_free(lc);
	yg_match_scratch_destroy(lc->scratch);
	yg_buf_free(&lc->line);
	yg_buf_free(&lc->tmp);
	yg_buf_free(&lc->mbuf);
	free(lc);
}

void yg_lc_set_logger(yg_lc *lc, yg_lc_log_fn fn, void *ctx)
{
	lc->log = fn;
	lc->logctx = ctx;
}

int yg_lc_fd(const yg_lc *lc)
{
	return lc->ifd;
}

size_t yg_lc_current_entry(const yg_lc *lc)
{
	return lc->cur_entry;
}

const char *yg_lc_with_labels(const yg_lc *lc, const char *line, size_t len, yg_buf *out)
{
	const yg_lc_label *labels = NULL;
	size_t n = lc->cur_entry == (size_t)-1
	                   ? 0
	                   : yg_lc_config_labels(lc->cfg, lc->cur_entry, &labels);
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
		len--;
	if (!n || len < 2 || line[0] != '{' || line[len - 1] != '}')
		return line;
	yg_buf_reset(out);
	bool empty = true;
	for (size_t i = 1; i + 1 < len && empty; i++)
		empty = line[i] == ' ' || line[i] == '\t';
	if (yg_buf_append(out, line, len - 1))
		return line;
	for (size_t i = 0; i < n; i++) {
		if ((!empty || i) && yg_buf_putc(out, ','))
			return line;
		if (yg_buf_json_str(out, labels[i].key) || yg_buf_putc(out, ':') ||
		    yg_buf_json_str(out, labels[i].value))
			return line;
	}
	return yg_buf_putc(out, '}') ? line : out->data;
}

size_t yg_lc_nfiles(const yg_lc *lc)
{
	return lc->nfiles;
}

/* Empties the inotify queue; any event means "look again". */
static void drain_inotify(yg_lc *lc)
{
	if (lc->ifd < 0)
		return;
	char b[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;
	while ((r = read(lc->ifd, b, sizeof(b))) > 0)
		lc->dirty = true;
}

static int pass(yg_lc *lc)
{
	drain_inotify(lc);
	if (ms_since(&lc->last_expand) >= lc->cfg->rescan_ms)
		lc->dirty = true;
	return files_pass(lc) + cmds_pass(lc) + journals_pass(lc);
}

int yg_lc_poll(yg_lc *lc, int timeout_ms)
{
	int n = pass(lc);
	if (n > 0 || timeout_ms == 0)
		return n;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		double left = timeout_ms < 0 ? lc->cfg->rescan_ms : timeout_ms - ms_since(&start);
		if (left <= 0)
			return n;
		int wait = (int)left;
		if (wait > lc->cfg->rescan_ms)
			wait = lc->cfg->rescan_ms;
		for (size_t i = 0; i < lc->ncmds; i++)
			if (lc->cmds[i].fd >= 0 && wait > 50)
				wait = 50; /* a command is running: collect it soon */
		if (wait < 1)
			wait = 1;
		if (lc->ifd >= 0) {
			struct pollfd pfd = {.fd = lc->ifd, .events = POLLIN};
			poll(&pfd, 1, wait);
		} else {
			struct timespec ts = {wait / 1000, (long)(wait % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		n = pass(lc);
		if (n > 0 || timeout_ms < 0)
			return n;
	}
}

/* Collects the rows describing every followed file and the cursor of
 * every journal (strings borrowed: free the arrays with snapshot_free). */
static yg_err snapshot(const yg_lc *lc, lc_posset *out)
{
	*out = (lc_posset){0};
	out->rows = calloc(lc->nfiles ? lc->nfiles : 1, sizeof(*out->rows));
	out->cur = calloc(lc->njslots ? lc->njslots : 1, sizeof(*out->cur));
	if (!out->rows || !out->cur) {
		free(out->rows);
		free(out->cur);
		return YG_ENOMEM;
	}
	for (size_t i = 0; i < lc->nfiles; i++) {
		const lc_file *f = lc->files[i];
		out->rows[i] = (lc_pos){.path = f->name,
		                        .dev = f->dev,
		                        .ino = f->ino,
		                        .hlen = f->hlen,
		                        .hash = f->hash,
		                        .off = f->off,
		                        .skip = f->skip};
	}
	out->n = lc->nfiles;
	for (size_t i = 0; i < lc->njslots; i++) {
		const char *c = jslot_cursor(&lc->jslots[i]);
		if (c)
			out->cur[out->ncur++] =
			        (lc_cursor){.source = lc->jslots[i].location, .cursor = (char *)c};
	}
	return YG_OK;
}

static void snapshot_free(lc_posset *s)
{
	free(s->rows);
	free(s->cur);
}

yg_err yg_lc_commit(yg_lc *lc)
{
	if (!lc->db)
		return YG_OK;
	lc_posset set;
	yg_err err = snapshot(lc, &set);
	if (!err) {
		err = lc_store_commit(lc->db, &set);
		snapshot_free(&set);
	}
	if (err)
		lc_log(lc, YG_SEV_ERROR, YG_LC_MSG_DB_ERROR, "cannot save read positions");
	return err;
}

yg_err yg_lc_commit_into(yg_lc *lc, yg_db_txn *txn)
{
	if (!txn)
		return YG_EINVAL;
	lc_posset set;
	yg_err err = snapshot(lc, &set);
	if (err)
		return err;
	err = lc_store_write(txn, &set);
	snapshot_free(&set);
	return err;
}

yg_err yg_lc_positions_write_into(yg_db_txn *txn, const void *blob, size_t len)
{
	if (!txn || (!blob && len))
		return YG_EINVAL;
	lc_posset set;
	yg_err err = lc_pos_decode(blob, len, &set);
	if (err)
		return err;
	err = lc_store_write(txn, &set);
	lc_posset_free(&set);
	return err;
}

yg_err yg_lc_positions_export(yg_lc *lc, yg_buf *out)
{
	if (!lc || !out)
		return YG_EINVAL;
	yg_buf_reset(out);
	lc_posset set;
	yg_err err = snapshot(lc, &set);
	if (err)
		return err;
	err = lc_pos_encode(&set, out);
	snapshot_free(&set);
	if (err)
		yg_buf_reset(out);
	return err;
}

yg_err yg_lc_positions_import(const char *db_path, const void *blob, size_t len)
{
	if (!db_path || (!blob && len))
		return YG_EINVAL;
	lc_posset set;
	yg_err err = lc_pos_decode(blob, len, &set);
	if (err)
		return err;
	yg_db *db;
	char why[256];
	err = lc_store_open(db_path, &db, why, sizeof(why));
	if (!err) {
		err = lc_store_commit(db, &set);
		lc_store_close(db);
	}
	lc_posset_free(&set);
	return err;
}
