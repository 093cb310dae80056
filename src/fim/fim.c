/* fim.c: the monitor: baseline in SQLite, scans, events, back-pressure,
 * report_changes copies. Realtime (inotify) lives in fim_rt.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "fim/fim_core.h"

/* Wazuh's hashes of nothing: empty and over-large files carry these. */
static const char EMPTY_MD5[] = "d41d8cd98f00b204e9800998ecf8427e";
static const char EMPTY_SHA1[] = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
static const char EMPTY_SHA256[] =
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static const char *const attr_names[] = {
        "size",  "permission", "uid", "user_name", "gid",    "group_name",
        "mtime", "inode",      "md5", "sha1",      "sha256",
};

/* ---- small utilities ---- */

int64_t fim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fim_log(yg_fim *f, yg_fim_log_level lvl, int id, const char *fmt, ...)
{
	char msg[FIM_PATH_MAX + 512];
	va_list ap;
	if (!f->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->log(f->log_ctx, lvl, id, msg);
}

static void perm_string(mode_t m, char out[10])
{
	out[0] = (m & S_IRUSR) ? 'r' : '-';
	out[1] = (m & S_IWUSR) ? 'w' : '-';
	out[2] = (m & S_ISUID) ? 's' : (m & S_IXUSR) ? 'x' : '-';
	out[3] = (m & S_IRGRP) ? 'r' : '-';
	out[4] = (m & S_IWGRP) ? 'w' : '-';
	out[5] = (m & S_ISGID) ? 's' : (m & S_IXGRP) ? 'x' : '-';
	out[6] = (m & S_IROTH) ? 'r' : '-';
	out[7] = (m & S_IWOTH) ? 'w' : '-';
	out[8] = (m & S_ISVTX) ? 't' : (m & S_IXOTH) ? 'x' : '-';
	out[9] = '\0';
}

/* Resolves uid/gid names through a one-entry cache (scans meet the same
 * owner file after file). */
static void user_name(yg_fim *f, uid_t uid, char *out, size_t len)
{
	if (f->uname_valid && f->uname_uid == uid) {
		snprintf(out, len, "%s", f->uname_cache);
		return;
	}
	struct passwd pw, *res = NULL;
	char buf[4096];
	out[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, len, "%s", res->pw_name);
	snprintf(f->uname_cache, sizeof(f->uname_cache), "%s", out);
	f->uname_uid = uid;
	f->uname_valid = true;
}

static void group_name(yg_fim *f, gid_t gid, char *out, size_t len)
{
	if (f->gname_valid && f->gname_gid == gid) {
		snprintf(out, len, "%s", f->gname_cache);
		return;
	}
	struct group gr, *res = NULL;
	char buf[4096];
	out[0] = '\0';
	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, len, "%s", res->gr_name);
	snprintf(f->gname_cache, sizeof(f->gname_cache), "%s", out);
	f->gname_gid = gid;
	f->gname_valid = true;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
	static const char x[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Opens a regular file for reading without following links or blocking on
 * a fifo swapped in since lstat; checks it is still the inode lstat saw.
 * Returns the fd or -1 with errno set. */
static int open_regular(const char *path, const struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat fs;
	if (fstat(fd, &fs) != 0 || !S_ISREG(fs.st_mode) || fs.st_ino != st->st_ino ||
	    fs.st_dev != st->st_dev) {
		close(fd);
		errno = ENOENT; /* replaced under us: treat as gone */
		return -1;
	}
	return fd;
}

/* Computes the hashes `checks` asks for into s. Returns 0, or -1 with errno
 * (ENOENT when the file vanished or was replaced). */
static int hash_file(const char *path, const struct stat *st, unsigned checks, fim_state *s)
{
	const EVP_MD *mds[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};
	unsigned bits[3] = {YG_FIM_CHECK_MD5, YG_FIM_CHECK_SHA1, YG_FIM_CHECK_SHA256};
	char *outs[3] = {s->a.md5, s->a.sha1, s->a.sha256};
	EVP_MD_CTX *ctx[3] = {NULL, NULL, NULL};
	int rc = -1, fd = open_regular(path, st);
	if (fd < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (!(checks & bits[i]))
			continue;
		ctx[i] = EVP_MD_CTX_new();
		if (!ctx[i] || EVP_DigestInit_ex(ctx[i], mds[i], NULL) != 1) {
			errno = ENOMEM;
			goto out;
		}
	}
	unsigned char buf[65536];
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > FIM_HASH_MAX_SIZE) /* grew past the bound mid-read */
			break;
		for (int i = 0; i < 3; i++)
			if (ctx[i])
				EVP_DigestUpdate(ctx[i], buf, (size_t)n);
	}
	for (int i = 0; i < 3; i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		if (ctx[i] && EVP_DigestFinal_ex(ctx[i], md, &mdlen) == 1)
			hex(md, mdlen, outs[i]);
	}
	rc = 0;
out:
	for (int i = 0; i < 3; i++)
		EVP_MD_CTX_free(ctx[i]);
	close(fd);
	return rc;
}

/* Fills s from st (and the file's content for hashes), as Wazuh's
 * fim_get_data. `old` (may be NULL) is the stored row: when the inode's
 * change time, mtime, size and identity are all unchanged the content
 * cannot have changed, and its hashes are reused instead of re-read.
 * Returns 0 or -1 with errno. */
static int get_state(yg_fim *f, const char *path, const struct stat *st, unsigned checks,
                     const fim_state *old, fim_state *s)
{
	memset(s, 0, sizeof(*s));
	s->a.checks = checks;
	s->mode = (unsigned)st->st_mode;
	s->dev = (uint64_t)st->st_dev;
	s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->a.inode = (uint64_t)st->st_ino;
	if (checks & YG_FIM_CHECK_SIZE)
		s->a.size = (uint64_t)st->st_size;
	if (checks & YG_FIM_CHECK_PERM) {
		perm_string(st->st_mode, s->a.perm);
		s->a.perm_octal = (unsigned)st->st_mode & 07777;
	}
	if (checks & YG_FIM_CHECK_MTIME)
		s->a.mtime = (int64_t)st->st_mtime;
	if (checks & YG_FIM_CHECK_OWNER) {
		s->a.uid = (unsigned)st->st_uid;
		user_name(f, st->st_uid, s->uname, sizeof(s->uname));
	}
	if (checks & YG_FIM_CHECK_GROUP) {
		s->a.gid = (unsigned)st->st_gid;
		group_name(f, st->st_gid, s->gname, sizeof(s->gname));
	}
	memcpy(s->a.md5, EMPTY_MD5, sizeof(EMPTY_MD5));
	memcpy(s->a.sha1, EMPTY_SHA1, sizeof(EMPTY_SHA1));
	memcpy(s->a.sha256, EMPTY_SHA256, sizeof(EMPTY_SHA256));
	unsigned hbits = checks & (YG_FIM_CHECK_MD5 | YG_FIM_CHECK_SHA1 | YG_FIM_CHECK_SHA256);
	if (S_ISREG(st->st_mode) && st->st_size > 0 && (uint64_t)st->st_size < FIM_HASH_MAX_SIZE &&
	    hbits) {
		if (old && old->ctime_ns == s->ctime_ns && old->mtime_ns == s->mtime_ns &&
		    old->a.inode == s->a.inode && old->dev == s->dev &&
		    old->size_raw == (uint64_t)st->st_size && (old->a.checks & hbits) == hbits) {
			memcpy(s->a.md5, old->a.md5, sizeof(s->a.md5));
			memcpy(s->a.sha1, old->a.sha1, sizeof(s->a.sha1));
			memcpy(s->a.sha256, old->a.sha256, sizeof(s->a.sha256));
		} else if (hash_file(path, st, hbits, s) != 0) {
			return -1;
		}
	}
	if (!(checks & YG_FIM_CHECK_MD5))
		s->a.md5[0] = '\0';
	if (!(checks & YG_FIM_CHECK_SHA1))
		s->a.sha1[0] = '\0';
	if (!(checks & YG_FIM_CHECK_SHA256))
		s->a.sha256[0] = '\0';
	if (!(checks & YG_FIM_CHECK_INODE))
		s->a.inode = 0;
	s->size_raw = (uint64_t)st->st_size;
	return 0;
}

/* Wazuh's fim_json_compare_attrs, over the checks both sides had. */
static unsigned compare(const fim_state *o, const fim_state *n)
{
	unsigned c = o->a.checks & n->a.checks, ch = 0;
	if ((c & YG_FIM_CHECK_SIZE) && o->a.size != n->a.size)
		ch |= 1u << 0;
	if ((c & YG_FIM_CHECK_PERM) && strcmp(o->a.perm, n->a.perm) != 0)
		ch |= 1u << 1;
	if (c & YG_FIM_CHECK_OWNER) {
		if (o->a.uid != n->a.uid)
			ch |= 1u << 2;
		if (strcmp(o->uname, n->uname) != 0)
			ch |= 1u << 3;
	}
	if (c & YG_FIM_CHECK_GROUP) {
		if (o->a.gid != n->a.gid)
			ch |= 1u << 4;
		if (strcmp(o->gname, n->gname) != 0)
			ch |= 1u << 5;
	}
	if ((c & YG_FIM_CHECK_MTIME) && o->a.mtime != n->a.mtime)
		ch |= 1u << 6;
	if ((c & YG_FIM_CHECK_INODE) && o->a.inode != n->a.inode)
		ch |= 1u << 7;
	if ((c & YG_FIM_CHECK_MD5) && strcmp(o->a.md5, n->a.md5) != 0)
		ch |= 1u << 8;
	if ((c & YG_FIM_CHECK_SHA1) && strcmp(o->a.sha1, n->a.sha1) != 0)
		ch |= 1u << 9;
	if ((c & YG_FIM_CHECK_SHA256) && strcmp(o->a.sha256, n->a.sha256) != 0)
		ch |= 1u << 10;
	return ch;
}

/* ---- the database ---- */

static const char SCHEMA[] =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS fim_meta(key TEXT PRIMARY KEY, value INTEGER);"
        "CREATE TABLE IF NOT EXISTS fim_file("
        " path TEXT PRIMARY KEY, checks INTEGER, size INTEGER, size_raw INTEGER,"
        " perm TEXT, mode INTEGER, uid INTEGER, gid INTEGER, uname TEXT, gname TEXT,"
        " md5 TEXT, sha1 TEXT, sha256 TEXT, mtime INTEGER, inode INTEGER, dev INTEGER,"
        " ctime_ns INTEGER, mtime_ns INTEGER, gen INTEGER) WITHOUT ROWID;";

#define COLS                                                                                       \
	"path, checks, size, size_raw, perm, mode, uid, gid, uname, gname, md5, sha1, sha256, "    \
	"mtime, inode, dev, ctime_ns, mtime_ns, gen"

static int prep(yg_fim *f, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(f->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
	snprintf(dst, len, "%s", src ? (const char *)src : "");
}

/* Reads a row (columns in COLS order, from column `c0`) into s. */
static void row_to_state(sqlite3_stmt *st, int c0, fim_state *s)
{
	memset(s, 0, sizeof(*s));
	s->a.checks = (unsigned)sqlite3_column_int64(st, c0 + 1);
	s->a.size = (uint64_t)sqlite3_column_int64(st, c0 + 2);
	s->size_raw = (uint64_t)sqlite3_column_int64(st, c0 + 3);
	copy_text(s->a.perm, sizeof(s->a.perm), sqlite3_column_text(st, c0 + 4));
	s->mode = (unsigned)sqlite3_column_int64(st, c0 + 5);
	s->a.perm_octal = s->a.perm[0] ? s->mode & 07777 : 0;
	s->a.uid = (unsigned)sqlite3_column_int64(st, c0 + 6);
	s->a.gid = (unsigned)sqlite3_column_int64(st, c0 + 7);
	copy_text(s->uname, sizeof(s->uname), sqlite3_column_text(st, c0 + 8));
	copy_text(s->gname, sizeof(s->gname), sqlite3_column_text(st, c0 + 9));
	copy_text(s->a.md5, sizeof(s->a.md5), sqlite3_column_text(st, c0 + 10));
	copy_text(s->a.sha1, sizeof(s->a.sha1), sqlite3_column_text(st, c0 + 11));
	copy_text(s->a.sha256, sizeof(s->a.sha256), sqlite3_column_text(st, c0 + 12));
	s->a.mtime = sqlite3_column_int64(st, c0 + 13);
	s->a.inode = (uint64_t)sqlite3_column_int64(st, c0 + 14);
	s->dev = (uint64_t)sqlite3_column_int64(st, c0 + 15);
	s->ctime_ns = sqlite3_column_int64(st, c0 + 16);
	s->mtime_ns = sqlite3_column_int64(st, c0 + 17);
}

/* Loads the row of path into *s; returns true when there is one. */
static bool db_get(yg_fim *f, const char *path, fim_state *s)
{
	sqlite3_stmt *st = f->q_get;
	bool found = false;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		row_to_state(st, 0, s);
		found = true;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return found;
}

static void db_put(yg_fim *f, const char *path, const fim_state *s)
{
	sqlite3_stmt *st = f->q_put;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->a.checks);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->a.size);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->size_raw);
	sqlite3_bind_text(st, 5, s->a.perm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, s->mode);
	sqlite3_bind_int64(st, 7, s->a.uid);
	sqlite3_bind_int64(st, 8, s->a.gid);
	sqlite3_bind_text(st, 9, s->uname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, s->gname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, s->a.md5, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, s->a.sha1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, s->a.sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, s->a.mtime);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)s->a.inode);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)s->dev);
	sqlite3_bind_int64(st, 17, s->ctime_ns);
	sqlite3_bind_int64(st, 18, s->mtime_ns);
	sqlite3_bind_int64(st, 19, f->gen);
	if (sqlite3_step(st) != SQLITE_DONE)
		fim_log(f, YG_FIM_LOG_ERROR, 6710,
		        "(6710): Cannot store '%s' in the FIM database: %s", path,
		        sqlite3_errmsg(f->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void db_del(yg_fim *f, const char *path)
{
	sqlite3_bind_text(f->q_del, 1, path, -1, SQLITE_STATIC);
	sqlite3_step(f->q_del);
	sqlite3_reset(f->q_del);
	sqlite3_clear_bindings(f->q_del);
}

/* Marks path and everything under it as seen in this scan (kept, not
 * reported deleted): used when a directory or file cannot be read. */
static void db_touch_tree(yg_fim *f, const char *path)
{
	char lo[FIM_PATH_MAX + 2], hi[FIM_PATH_MAX + 2];
	snprintf(lo, sizeof(lo), "%s/", path);
	snprintf(hi, sizeof(hi), "%s0", path); /* '0' follows '/' */
	sqlite3_stmt *st = f->q_touch;
	sqlite3_bind_int64(st, 1, f->gen);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hi, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static uint64_t db_count(yg_fim *f)
{
	uint64_t n = 0;
	if (sqlite3_step(f->q_count) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(f->q_count, 0);
	sqlite3_reset(f->q_count);
	return n;
}

static int64_t meta_get(yg_fim *f, const char *key)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;
	if (sqlite3_prepare_v2(f->db, "SELECT value FROM fim_meta WHERE key=?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

static void meta_set(yg_fim *f, const char *key, int64_t v)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO fim_meta(key, value) VALUES(?, ?)",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, v);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

/* Transactions are batched: a scan commits every FIM_TXN_BATCH files so a
 * crash loses little and the WAL stays small. */
void fim_txn_begin(yg_fim *f)
{
	if (!f->in_txn && sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
		f->in_txn = true;
		f->txn_ops = 0;
	}
}

void fim_txn_commit(yg_fim *f)
{
	if (f->in_txn) {
		sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL);
		f->in_txn = false;
	}
}

static void txn_tick(yg_fim *f)
{
	if (f->in_txn && ++f->txn_ops >= FIM_TXN_BATCH) {
		fim_txn_commit(f);
		fim_txn_begin(f);
	}
}

/* ---- events and back-pressure ---- */

static void state_fix(fim_state *s)
{
	s->a.uname = s->uname;
	s->a.gname = s->gname;
}

/* Offers one event to the consumer. Returns the consumer's answer. */
static int offer(yg_fim *f, fim_pend *p)
{
	const char *names[11];
	size_t n = 0;
	for (unsigned i = 0; i < 11; i++)
		if (p->changed & (1u << i))
			names[n++] = attr_names[i];
	if (p->has_before)
		state_fix(&p->before);
	if (p->has_after)
		state_fix(&p->after);
	yg_fim_event ev = {
	        .path = p->path,
	        .mode = p->realtime ? "realtime" : "scheduled",
	        .event = p->kind == FIM_ADDED      ? "added"
	                 : p->kind == FIM_MODIFIED ? "modified"
	                                           : "deleted",
	        .before = p->has_before ? &p->before.a : NULL,
	        .after = p->has_after ? &p->after.a : NULL,
	        .changed_attributes = n ? names : NULL,
	        .nchanged = n,
	        .diff = p->diff,
	        .tags = p->tags,
	};
	int rc = f->emit ? f->emit(f->ctx, &ev) : 0;
	if (rc == 0)
		f->st.events++;
	return rc;
}

size_t yg_fim_flush(yg_fim *f)
{
	while (f->qhead) {
		fim_pend *p = f->qhead;
		if (offer(f, p) != 0)
			break;
		f->qhead = p->next;
		if (!f->qhead)
			f->qtail = NULL;
		f->qlen--;
		free(p->path);
		free(p->diff);
		free(p->tags);
		free(p);
	}
	f->st.pending = f->qlen;
	return f->qlen;
}

static void sleep_ms(yg_fim *f, unsigned ms)
{
	if (f->sleep_fn) {
		f->sleep_fn(f->sleep_ctx, ms);
		return;
	}
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Delivers p (stack-owned fields are copied when it must wait). Order is
 * kept: while older events wait, new ones queue behind them. When the queue
 * is full the caller waits for the consumer: that is the back-pressure on
 * scans and realtime processing. */
static void deliver(yg_fim *f, fim_pend *p)
{
	if (!f->qhead && offer(f, p) == 0)
		return;
	if (f->qlen >= FIM_MAX_PENDING) {
		fim_log(f, YG_FIM_LOG_WARNING, 6711,
		        "(6711): %zu events wait for the consumer: FIM pauses until they are taken",
		        f->qlen);
		unsigned wait = 1;
		while (yg_fim_flush(f) >= FIM_MAX_PENDING) {
			sleep_ms(f, wait);
			if (wait < 100)
				wait *= 2;
		}
	}
	fim_pend *q = malloc(sizeof(*q));
	if (!q)
		goto oom;
	*q = *p;
	q->next = NULL;
	q->path = strdup(p->path);
	q->diff = p->diff ? strdup(p->diff) : NULL;
	q->tags = p->tags ? strdup(p->tags) : NULL;
	if (!q->path || (p->diff && !q->diff) || (p->tags && !q->tags)) {
		free(q->path);
		free(q->diff);
		free(q->tags);
		free(q);
		goto oom;
	}
	if (f->qtail)
		f->qtail->next = q;
	else
		f->qhead = q;
	f->qtail = q;
	f->qlen++;
	f->st.pending = f->qlen;
	if (f->qhead == q)
		yg_fim_flush(f);
	return;
oom:
	/* Not even memory for a copy: keep offering until it is taken. */
	while (offer(f, p) != 0)
		sleep_ms(f, 10);
}

/* Undoes, in the baseline, events the consumer never took, newest first,
 * so the next start finds the differences again and reports them. */
static void rollback_pending(yg_fim *f)
{
	size_t n = f->qlen, i = 0;
	if (!n)
		return;
	fim_pend **v = malloc(n * sizeof(*v));
	if (!v)
		return;
	for (fim_pend *p = f->qhead; p; p = p->next)
		v[i++] = p;
	fim_log(f, YG_FIM_LOG_WARNING, 6712,
	        "(6712): %zu FIM events were not taken before shutdown; they will be reported "
	        "again at the next start",
	        n);
	fim_txn_begin(f);
	while (i-- > 0) {
		if (v[i]->has_before)
			db_put(f, v[i]->path, &v[i]->before);
		else
			db_del(f, v[i]->path);
	}
	fim_txn_commit(f);
	free(v);
}

/* ---- report_changes copies ---- */

static void copy_path(yg_fim *f, const char *path, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char h[2 * EVP_MAX_MD_SIZE + 1];
	EVP_Digest(path, strlen(path), md, &mdlen, EVP_sha1(), NULL);
	hex(md, mdlen, h);
	snprintf(out, len, "%s/%s", f->diff_dir, h);
}

/* Reads a regular file of at most `max` bytes into a malloc'd buffer.
 * Returns 0, 1 when it is larger than max, -1 on error. */
static int read_small(const char *path, uint64_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	*out = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return 1;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				return 1; /* grew while reading */
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		return 1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Writes data to dst atomically (temp file + rename). */
static int write_copy(const char *dst, const char *data, size_t len)
{
	char tmp[FIM_PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	close(fd);
	return rename(tmp, dst);
}

static void copy_remove(yg_fim *f, const char *path)
{
	char cp[FIM_PATH_MAX];
	struct stat st;
	copy_path(f, path, cp, sizeof(cp));
	if (lstat(cp, &st) == 0) {
		if (f->diff_bytes >= (uint64_t)st.st_size)
			f->diff_bytes -= (uint64_t)st.st_size;
		unlink(cp);
	}
}

/* report_changes: refreshes the kept copy of path and, when `want_diff`,
 * returns the diff against the previous copy (or a note) in a malloc'd
 * string. Bounded by the directory's diff_size_limit, the <diff> limits and
 * FIM_DIFF_MAX_OUTPUT. */
static char *update_copy(yg_fim *f, const fim_dir *d, const char *path, bool want_diff)
{
	char cp[FIM_PATH_MAX];
	char *cur = NULL, *old = NULL, *res = NULL;
	size_t curlen = 0, oldlen = 0;
	uint64_t limit = d->diff_size_limit;

	if (fim_config_nodiff(f->cfg, path))
		return want_diff ? strdup("<Diff truncated because nodiff option>") : NULL;
	if (f->cfg->file_size_enabled && f->cfg->file_size_limit < limit)
		limit = f->cfg->file_size_limit;
	if (limit > FIM_DIFF_MAX_INPUT)
		limit = FIM_DIFF_MAX_INPUT;
	copy_path(f, path, cp, sizeof(cp));
	int r = read_small(path, limit, &cur, &curlen);
	if (r != 0) {
		copy_remove(f, path);
		if (r == 1)
			return want_diff ? strdup("[diff not computed: the file is larger than the "
			                          "diff size limit]")
			                 : NULL;
		return NULL;
	}
	if (memchr(cur, '\0', curlen)) {
		free(cur);
		copy_remove(f, path);
		return want_diff ? strdup("[binary file: no diff]") : NULL;
	}
	int ro = read_small(cp, FIM_DIFF_MAX_INPUT, &old, &oldlen);
	if (want_diff) {
		yg_buf b;
		yg_buf_init(&b, FIM_DIFF_MAX_OUTPUT);
		if (ro == 0) {
			if (fim_diff_text(old, oldlen, cur, curlen, path, &b) == YG_OK)
				res = yg_buf_steal(&b);
		} else {
			res = strdup("[no previous copy of the file: no diff]");
		}
		yg_buf_free(&b);
		if (!res && ro == 0)
			res = strdup("");
	}
	/* Keep the new copy when the disk quota allows. */
	uint64_t prev = ro == 0 ? oldlen : 0;
	if (f->cfg->disk_quota_enabled && f->diff_bytes - prev + curlen > f->cfg->disk_quota) {
		if (!f->quota_warned)
			fim_log(f, YG_FIM_LOG_WARNING, 6713,
			        "(6713): The report_changes disk quota is full: no copy kept of "
			        "'%s'",
			        path);
		f->quota_warned = true;
		copy_remove(f, path);
	} else if (write_copy(cp, cur, curlen) == 0) {
		f->diff_bytes = f->diff_bytes - prev + curlen;
	}
	free(cur);
	free(old);
	return res;
}

/* ---- checking one file ---- */

static void throttle(yg_fim *f)
{
	unsigned mfps = f->cfg->max_files_per_second;
	if (!mfps)
		return;
	int64_t now = fim_now_ms();
	if (f->fps_count == 0)
		f->fps_start = now;
	if (++f->fps_count >= mfps) {
		int64_t el = now - f->fps_start;
		if (el < 1000) {
			f->st.throttle_waits++;
			sleep_ms(f, (unsigned)(1000 - el));
		}
		f->fps_count = 0;
	}
}

/* A new file seen in realtime while the database is full: reported as
 * added without a row (so each later change is reported as added again). */
static void report_unstored(yg_fim *f, const fim_dir *d, const char *path, const struct stat *st)
{
	fim_state cur;
	if (get_state(f, path, st, d->checks, NULL, &cur) != 0)
		return;
	f->st.limit_reported++;
	fim_pend p = {.path = (char *)path,
	              .realtime = true,
	              .tags = d->tags,
	              .kind = FIM_ADDED,
	              .has_after = true,
	              .after = cur};
	deliver(f, &p);
}

/* Compares path (a regular file or link, lstat'ed as st) with its row and
 * reports what changed. */
static void check_file(yg_fim *f, const fim_dir *d, const char *path, const struct stat *st,
                       bool realtime)
{
	fim_state old, cur;
	bool have = db_get(f, path, &old);

	throttle(f);
	f->st.files_scanned++;
	if (!have && f->cfg->file_limit_enabled && f->db_files >= f->cfg->file_limit) {
		f->st.limit_skipped++;
		if (!f->limit_warned)
			fim_log(f, YG_FIM_LOG_WARNING, 6926,
			        "(6926): File database is 100%% full (file_limit %llu): '%s' and "
			        "other new files get no baseline (scheduled scans do not "
			        "report them; realtime changes are still reported as added)",
			        (unsigned long long)f->cfg->file_limit, path);
		f->limit_warned = true;
		/* A full database must not blind realtime monitoring: filling it
		 * with files is how an attacker would hide a new one. */
		if (realtime)
			report_unstored(f, d, path, st);
		return;
	}
	if (get_state(f, path, st, d->checks, have ? &old : NULL, &cur) != 0) {
		if (errno == ENOENT) {
			if (realtime && have)
				fim_missing(f, path, true);
			return;
		}
		fim_log(f, YG_FIM_LOG_DEBUG, 6714, "(6714): Cannot read '%s': %s", path,
		        strerror(errno));
		if (have)
			db_touch_tree(f, path);
		return;
	}
	fim_pend p = {.path = (char *)path, .realtime = realtime, .tags = d->tags};
	if (!have) {
		db_put(f, path, &cur);
		f->db_files++;
		if (d->report_changes && S_ISREG(st->st_mode))
			free(update_copy(f, d, path, false));
		if (f->baseline_done || realtime) {
			p.kind = FIM_ADDED;
			p.has_after = true;
			p.after = cur;
			deliver(f, &p);
		}
	} else {
		unsigned ch = compare(&old, &cur);
		db_put(f, path, &cur);
		if (ch) {
			p.kind = FIM_MODIFIED;
			p.has_before = p.has_after = true;
			p.before = old;
			p.after = cur;
			p.changed = ch;
			if (d->report_changes && S_ISREG(st->st_mode))
				p.diff = update_copy(f, d, path, true);
			deliver(f, &p);
			free(p.diff);
		}
	}
	txn_tick(f);
}

/* Reports `path` and everything stored under it as deleted (the path is
 * gone: a file deleted, or a directory deleted or moved away). */
void fim_missing(yg_fim *f, const char *path, bool realtime)
{
	char lo[FIM_PATH_MAX + 2], hi[FIM_PATH_MAX + 2];
	snprintf(lo, sizeof(lo), "%s/", path);
	snprintf(hi, sizeof(hi), "%s0", path);
	sqlite3_stmt *st = f->q_under;
	/* Collect first: deleting while stepping the same table is fragile. */
	fim_pend *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			fim_pend *nv = realloc(v, cap * sizeof(*nv));
			if (!nv)
				break;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].path = strdup((const char *)sqlite3_column_text(st, 0));
		if (!v[n].path)
			break;
		row_to_state(st, 0, &v[n].before);
		n++;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (size_t i = 0; i < n; i++)
		emit_deleted(f, &v[i], realtime);
	free(v);
}

/* Sends a "deleted" event for p (whose path is malloc'd and freed here) and
 * drops its row and copy. */
void emit_deleted(yg_fim *f, fim_pend *p, bool realtime)
{
	const fim_dir *d = fim_config_dir_for(f->cfg, p->path);
	p->kind = FIM_DELETED;
	p->has_before = true;
	p->realtime = realtime;
	p->tags = d ? d->tags : NULL;
	db_del(f, p->path);
	if (f->db_files)
		f->db_files--;
	copy_remove(f, p->path);
	deliver(f, p);
	free(p->path);
	p->path = NULL;
	p->tags = NULL;
}

/* Wazuh's fim_check_depth: -1 for the configured path itself, 0 for its
 * entries, 1 for theirs... */
int fim_depth(const fim_dir *d, const char *path)
{
	size_t dl = strlen(d->path);
	int depth = dl == 1 ? 0 : -1;
	if (strlen(path) < dl)
		return -1;
	for (const char *p = path + dl; *p; p++)
		if (*p == '/')
			depth++;
	return depth;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory pb, sorted (so scans report in a stable order).
 * The directory is read whole and closed first, so the descent holds one
 * descriptor at a time whatever the depth. False when it cannot be
 * opened; on a shortage of memory the names read so far are returned. In
 * both cases the rows under pb are kept (touched), not reported deleted. */
static bool list_dir(yg_fim *f, const char *pb, char ***out, size_t *nout)
{
	DIR *dir = opendir(pb);
	if (!dir) {
		fim_log(f, YG_FIM_LOG_WARNING, 6716, "(6716): Cannot open directory '%s': %s", pb,
		        strerror(errno));
		db_touch_tree(f, pb);
		return false;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	bool oom = false;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				oom = true;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name))) {
			oom = true;
			break;
		}
		n++;
	}
	closedir(dir);
	if (oom) {
		fim_log(f, YG_FIM_LOG_ERROR, 6717, "(6717): Out of memory listing '%s'", pb);
		db_touch_tree(f, pb);
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*nout = n;
	return true;
}

/* Examines each name under directory pb, appending it to pb in place;
 * frees the names. */
static void descend(yg_fim *f, const fim_dir *d, char *pb, char **names, size_t n, bool realtime,
                    bool scanning)
{
	size_t len = strlen(pb);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);
		size_t sep = (len > 0 && pb[len - 1] == '/') ? 0 : 1;
		if (len + sep + nl >= FIM_PATH_MAX) {
			fim_log(f, YG_FIM_LOG_WARNING, 6718,
			        "(6718): Path too long, skipped: '%s/%s'", pb, names[i]);
		} else {
			if (sep)
				pb[len] = '/';
			memcpy(pb + len + sep, names[i], nl + 1);
			fim_check_path(f, d, pb, realtime, scanning);
			pb[len] = '\0';
		}
		free(names[i]);
	}
	free(names);
}

/* Examines path under configured directory d (Wazuh's fim_checker): files
 * are compared, directories descended (recursion bounded by
 * recursion_level <= FIM_MAX_DEPTH), other types skipped. The path buffer
 * `pb` (FIM_PATH_MAX bytes) holds path and is reused by the descent. */
void fim_check_path(yg_fim *f, const fim_dir *d, char *pb, bool realtime, bool scanning)
{
	struct stat st;
	if (fim_config_dir_for(f->cfg, pb) != d)
		return; /* another <directories> entry governs it */
	int depth = fim_depth(d, pb);
	if (depth > d->recursion_level)
		return;
	if (lstat(pb, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			if (realtime && !scanning)
				fim_missing(f, pb, true);
			return;
		}
		fim_log(f, YG_FIM_LOG_DEBUG, 6715, "(6715): Cannot stat '%s': %s", pb,
		        strerror(errno));
		db_touch_tree(f, pb);
		return;
	}
	bool is_dir = S_ISDIR(st.st_mode);
	if (fim_config_ignored(f->cfg, pb, is_dir))
		return;
	if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
		if (d->restrict_re && !yg_osmatch_exec(d->restrict_re, pb))
			return;
		check_file(f, d, pb, &st, realtime);
		return;
	}
	if (!is_dir || depth == d->recursion_level)
		return;
	/* A directory that replaced a file: the file is gone. */
	fim_state tmp;
	if (db_get(f, pb, &tmp))
		fim_missing(f, pb, realtime);
	if (d->realtime)
		fim_rt_watch(f, pb, &st);
	char **names;
	size_t n;
	if (list_dir(f, pb, &names, &n))
		descend(f, d, pb, names, n, realtime, scanning);
}

/* Reports rows under d (or, with d NULL, rows no directory governs) not
 * seen by the scan of generation f->gen as deleted. */
static void sweep(yg_fim *f, const fim_dir *d, bool realtime)
{
	fim_pend *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = f->q_unseen;
	sqlite3_bind_int64(st, 1, f->gen);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		if (!p || fim_config_dir_for(f->cfg, p) != d)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			fim_pend *nv = realloc(v, cap * sizeof(*nv));
			if (!nv)
				break;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (!(v[n].path = strdup(p)))
			break;
		row_to_state(st, 0, &v[n].before);
		n++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		if (f->baseline_done) {
			emit_deleted(f, &v[i], realtime);
		} else {
			db_del(f, v[i].path);
			free(v[i].path);
		}
	}
	free(v);
}

/* Scans the configured directories (only the realtime ones when
 * `only_realtime`), then reports what disappeared. */
void fim_scan_dirs(yg_fim *f, bool only_realtime, bool realtime_mode)
{
	char *pb = malloc(FIM_PATH_MAX);
	if (!pb)
		return;
	f->gen++;
	meta_set(f, "gen", f->gen);
	f->st.files_scanned = 0;
	f->limit_warned = false;
	/* Every pass walks all realtime trees and retries their watches:
	 * unwatched_dirs is recounted, not accumulated over scans. */
	if (f->ifd >= 0)
		f->st.unwatched_dirs = 0;
	f->db_files = db_count(f);
	fim_txn_begin(f);
	for (size_t i = 0; i < f->cfg->ndirs; i++) {
		const fim_dir *d = &f->cfg->dirs[i];
		if (only_realtime && !d->realtime)
			continue;
		snprintf(pb, FIM_PATH_MAX, "%s", d->path);
		fim_check_path(f, d, pb, realtime_mode, true);
	}
	for (size_t i = 0; i < f->cfg->ndirs; i++) {
		const fim_dir *d = &f->cfg->dirs[i];
		if (!only_realtime || d->realtime)
			sweep(f, d, realtime_mode);
	}
	if (!only_realtime)
		sweep(f, NULL, realtime_mode);
	fim_txn_commit(f);
	f->st.files_in_db = f->db_files = db_count(f);
	free(pb);
}

yg_err yg_fim_scan(yg_fim *f)
{
	if (f->cfg->disabled)
		return YG_OK;
	yg_fim_flush(f);
	fim_log(f, YG_FIM_LOG_INFO, 6008, "(6008): File integrity monitoring scan started.");
	fim_scan_dirs(f, false, false);
	if (!f->baseline_done) {
		f->baseline_done = true;
		meta_set(f, "baseline", 1);
	}
	f->st.scans++;
	fim_log(f, YG_FIM_LOG_INFO, 6009,
	        "(6009): File integrity monitoring scan ended (%llu files, %llu in the "
	        "database).",
	        (unsigned long long)f->st.files_scanned, (unsigned long long)f->st.files_in_db);
	return YG_OK;
}

/* ---- life cycle ---- */

yg_fim *yg_fim_create(const yg_fim_config *cfg, const char *db_path, yg_fim_emit_fn emit, void *ctx,
                      yg_diag *diag)
{
	yg_fim *f = calloc(1, sizeof(*f));
	if (!f) {
		yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "syscheck", "out of memory");
		return NULL;
	}
	f->cfg = cfg;
	f->emit = emit;
	f->ctx = ctx;
	f->settle_ms = FIM_DEFAULT_SETTLE_MS;
	f->ifd = -1;
	f->watch_limit = cfg->max_realtime_watches;
	size_t dl = strlen(db_path) + 6;
	f->diff_dir = malloc(dl);
	if (!f->diff_dir)
		goto fail;
	snprintf(f->diff_dir, dl, "%s.diff", db_path);
	if (mkdir(f->diff_dir, 0700) != 0 && errno != EEXIST) {
		yg_diag_add(diag, YG_SEV_ERROR, f->diff_dir, 0, "syscheck",
		            "cannot create the report_changes directory: %s", strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(db_path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	            SQLITE_OK ||
	    sqlite3_exec(f->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
		yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "syscheck",
		            "cannot open the FIM database: %s",
		            f->db ? sqlite3_errmsg(f->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(f->db, 5000);
	if (prep(f, &f->q_get, "SELECT " COLS " FROM fim_file WHERE path=?") ||
	    prep(f, &f->q_put,
	         "INSERT OR REPLACE INTO fim_file(" COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,"
	         "?,?,?,?,?,?,?,?)") ||
	    prep(f, &f->q_del, "DELETE FROM fim_file WHERE path=?") ||
	    prep(f, &f->q_touch,
	         "UPDATE fim_file SET gen=? WHERE path=? OR (path>=? AND path<?)") ||
	    prep(f, &f->q_under,
	         "SELECT " COLS " FROM fim_file WHERE path=? OR (path>=? AND path<?)") ||
	    prep(f, &f->q_unseen, "SELECT " COLS " FROM fim_file WHERE gen<>?") ||
	    prep(f, &f->q_count, "SELECT count(*) FROM fim_file")) {
		yg_diag_add(diag, YG_SEV_ERROR, db_path, 0, "syscheck", "FIM database: %s",
		            sqlite3_errmsg(f->db));
		goto fail;
	}
	f->gen = meta_get(f, "gen");
	f->baseline_done = meta_get(f, "baseline") != 0;
	f->st.files_in_db = f->db_files = db_count(f);
	/* What the kept copies weigh, for the disk quota. */
	DIR *dd = opendir(f->diff_dir);
	if (dd) {
		struct dirent *e;
		while ((e = readdir(dd)) != NULL) {
			char p[FIM_PATH_MAX];
			struct stat st;
			snprintf(p, sizeof(p), "%s/%s", f->diff_dir, e->d_name);
			if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
				f->diff_bytes += (uint64_t)st.st_size;
		}
		closedir(dd);
	}
	return f;
fail:
	yg_fim_destroy(f);
	return NULL;
}

void yg_fim_destroy(yg_fim *f)
{
	if (!f)
		return;
	fim_rt_stop_all(f);
	if (f->db) {
		fim_txn_commit(f);
		yg_fim_flush(f);
		rollback_pending(f);
	}
	while (f->qhead) {
		fim_pend *p = f->qhead;
		f->qhead = p->next;
		free(p->path);
		free(p->diff);
		free(p->tags);
		free(p);
	}
	sqlite3_finalize(f->q_get);
	sqlite3_finalize(f->q_put);
	sqlite3_finalize(f->q_del);
	sqlite3_finalize(f->q_touch);
	sqlite3_finalize(f->q_under);
	sqlite3_finalize(f->q_unseen);
	sqlite3_finalize(f->q_count);
	sqlite3_close(f->db);
	free(f->diff_dir);
	free(f);
}

void yg_fim_set_logger(yg_fim *f, yg_fim_log_fn fn, void *ctx)
{
	f->log = fn;
	f->log_ctx = ctx;
}

void yg_fim_set_settle_ms(yg_fim *f, unsigned ms)
{
	f->settle_ms = ms;
}

void yg_fim_set_watch_limit(yg_fim *f, size_t max)
{
	f->watch_limit = max;
}

void yg_fim_set_sleep_fn(yg_fim *f, void (*fn)(void *ctx, unsigned ms), void *ctx)
{
	f->sleep_fn = fn;
	f->sleep_ctx = ctx;
}

void yg_fim_get_stats(const yg_fim *f, yg_fim_stats *out)
{
	*out = f->st;
	out->files_in_db = f->db_files;
	out->pending = f->qlen;
}
