/* spool.c: the agent's on-disk event spool (see spool.h for the contract).
 *
 * Invariants kept under the mutex:
 *   - segs[] is sorted by first seq; each segment holds `count` >= 1
 *     consecutive records first..first+count-1 in `size` bytes of its file;
 *   - only the last segment may be open for writing (active_fd);
 *   - next_seq > every seq on disk and > acked: a seq is never reused after
 *     a record carrying it could have been sent (peek syncs first, and
 *     segments are deleted only after the ack covering them is durable). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent/spool.h"

#define SEG_SUFFIX ".seg"
#define SEG_NAME_DIGITS 20
#define STATE_NAME "acked"
#define STATE_TMP "acked.tmp"
#define STATE_MAGIC "YGSPACK1"
#define STATE_BYTES 20
#define RD_CHUNK (64u * 1024u)

typedef struct seg {
	uint64_t first; /* seq of the first record, also the file name */
	uint64_t count; /* records in the file */
	uint64_t size;  /* valid bytes in the file */
} seg;

/* A buffered sequential reader of one segment file, bounded by `end`. */
typedef struct reader {
	int fd;
	uint64_t end;     /* bytes of the file that may be read */
	uint64_t buf_off; /* file offset of buf[0] */
	unsigned char *buf;
	size_t cap, len, pos;
} reader;

struct yg_spool {
	pthread_mutex_t mu;
	char *dir;
	int dirfd;
	int lockfd;
	int active_fd; /* fd of segs[nsegs-1] when open for appends, else -1 */
	yg_spool_config cfg;
	seg *segs;
	size_t nsegs, capsegs;
	uint64_t acked;
	uint64_t next_seq;
	uint64_t bytes;
	unsigned unsynced;   /* appends not yet fsynced in the active segment */
	bool state_dirty;    /* the state file was replaced but not fsynced */
	unsigned char *rbuf; /* reader buffer, RD_CHUNK + largest framed record */
	size_t rcap;
	/* where the last peek stopped, to resume without rescanning */
	uint64_t cur_first, cur_seq, cur_off;
	yg_spool_stats st;
};

/* ---- CRC-32C (Castagnoli), bitwise table ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

/* CRC of one record: over len (4 bytes), seq (8 bytes) and the payload. */
static uint32_t record_crc(const unsigned char *hdr, const void *rec, size_t len)
{
	uint32_t c = 0xffffffffu;
	c = crc_update(c, hdr, 4);
	c = crc_update(c, hdr + 8, 8);
	c = crc_update(c, rec, len);
	return c ^ 0xffffffffu;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ---- segment reader ---- */

static void rd_init(reader *r, int fd, uint64_t start, uint64_t end, unsigned char *buf, size_t cap)
{
	*r = (reader){.fd = fd, .end = end, .buf_off = start, .buf = buf, .cap = cap};
}

/* Makes n bytes available at buf+pos. Returns 1 when they are, 0 when the
 * file (up to `end`) ends first, -1 on a read error. */
static int rd_need(reader *r, size_t n)
{
	if (r->len - r->pos >= n)
		return 1;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->buf_off += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < n) {
		uint64_t off = r->buf_off + r->len;
		if (off >= r->end)
			return 0;
		size_t want = r->cap - r->len;
		if (want > r->end - off)
			want = (size_t)(r->end - off);
		ssize_t got = pread(r->fd, r->buf + r->len, want, (off_t)off);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (got == 0)
			return 0;
		r->len += (size_t)got;
	}
	return 1;
}

enum { RD_EOF = 0, RD_OK = 1, RD_BAD = -1, RD_IOERR = -2 };

/* Reads the next record, which must carry seq `expect`. On RD_OK *rec and *len
 * point into the buffer (valid until the next call) and *off is the record's
 * file offset; on RD_BAD *why says what is wrong and *off where. */
static int rd_next(reader *r, uint64_t expect, const unsigned char **rec, size_t *len,
                   uint64_t *off, const char **why)
{
	*off = r->buf_off + r->pos;
	int n = rd_need(r, YG_SPOOL_HEADER_BYTES);
	if (n < 0)
		return RD_IOERR;
	if (n == 0) {
		if (r->len == r->pos)
			return RD_EOF;
		*why = "torn record header";
		return RD_BAD;
	}
	const unsigned char *h = r->buf + r->pos;
	uint32_t l = get32(h);
	uint32_t crc = get32(h + 4);
	uint64_t seq = get64(h + 8);
	if (l > YG_SPOOL_MAX_RECORD) {
		*why = "record length out of range";
		return RD_BAD;
	}
	n = rd_need(r, YG_SPOOL_HEADER_BYTES + (size_t)l);
	if (n < 0)
		return RD_IOERR;
	if (n == 0) {
		*why = "torn record";
		return RD_BAD;
	}
	h = r->buf + r->pos;
	if (record_crc(h, h + YG_SPOOL_HEADER_BYTES, l) != crc) {
		*why = "record CRC mismatch";
		return RD_BAD;
	}
	if (seq != expect) {
		*why = "record out of sequence";
		return RD_BAD;
	}
	*rec = h + YG_SPOOL_HEADER_BYTES;
	*len = l;
	r->pos += YG_SPOOL_HEADER_BYTES + (size_t)l;
	return RD_OK;
}

/* ---- files ---- */

static void seg_name(char *out, size_t n, uint64_t first)
{
	snprintf(out, n, "%020" PRIu64 SEG_SUFFIX, first);
}

/* Parses a segment file name; false for any other file. */
static bool seg_parse(const char *name, uint64_t *first)
{
	uint64_t v = 0;
	for (int i = 0; i < SEG_NAME_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		uint64_t d = (uint64_t)(name[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (strcmp(name + SEG_NAME_DIGITS, SEG_SUFFIX) != 0 || v == 0)
		return false;
	*first = v;
	return true;
}

static int seg_cmp(const void *a, const void *b)
{
	uint64_t x = ((const seg *)a)->first, y = ((const seg *)b)->first;
	return x < y ? -1 : x > y;
}

static yg_err segs_push(yg_spool *sp, seg s)
{
	if (sp->nsegs == sp->capsegs) {
		size_t nc = sp->capsegs ? sp->capsegs * 2 : 16;
		seg *p = realloc(sp->segs, nc * sizeof(*p));
		if (!p)
			return YG_ENOMEM;
		sp->segs = p;
		sp->capsegs = nc;
	}
	sp->segs[sp->nsegs++] = s;
	return YG_OK;
}

static uint64_t seg_last(const seg *s)
{
	return s->first + s->count - 1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads the acked seq from the state file. Returns 1 when read, 0 when there
 * is none, -1 when it is damaged (reported). */
static int state_read(yg_spool *sp, yg_diag *diag, uint64_t *acked)
{
	int fd = openat(sp->dirfd, STATE_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	unsigned char b[STATE_BYTES + 1];
	ssize_t n = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (n == STATE_BYTES && memcmp(b, STATE_MAGIC, 8) == 0) {
		uint32_t c = crc_update(0xffffffffu, b, 16) ^ 0xffffffffu;
		if (c == get32(b + 16)) {
			*acked = get64(b + 8);
			return 1;
		}
	}
	yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, STATE_NAME,
	            "damaged state file ignored; unacked records will be resent");
	return -1;
}

/* Replaces the state file atomically (write a temporary, rename over), so a
 * crash leaves the old or the new acked seq, never a torn one. With
 * `durable` the file and the directory are fsynced. */
static yg_err state_write(yg_spool *sp, uint64_t acked, bool durable)
{
	unsigned char b[STATE_BYTES];
	memcpy(b, STATE_MAGIC, 8);
	put64(b + 8, acked);
	put32(b + 16, crc_update(0xffffffffu, b, 16) ^ 0xffffffffu);
	int fd = openat(sp->dirfd, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return YG_EIO;
	if (write_all(fd, b, sizeof(b)) != 0 || (durable && fdatasync(fd) != 0)) {
		close(fd);
		unlinkat(sp->dirfd, STATE_TMP, 0);
		return YG_EIO;
	}
	if (close(fd) != 0 || renameat(sp->dirfd, STATE_TMP, sp->dirfd, STATE_NAME) != 0) {
		unlinkat(sp->dirfd, STATE_TMP, 0);
		return YG_EIO;
	}
	if (durable) {
		if (fsync(sp->dirfd) != 0)
			return YG_EIO;
		sp->state_dirty = false;
	} else {
		sp->state_dirty = true;
	}
	return YG_OK;
}

/* Makes a replaced state file durable (it was renamed without fsync). */
static yg_err state_sync(yg_spool *sp)
{
	if (!sp->state_dirty)
		return YG_OK;
	int fd = openat(sp->dirfd, STATE_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return YG_EIO;
	int rc = fdatasync(fd);
	close(fd);
	if (rc != 0 || fsync(sp->dirfd) != 0)
		return YG_EIO;
	sp->state_dirty = false;
	return YG_OK;
}

static yg_err active_sync(yg_spool *sp)
{
	if (sp->active_fd < 0 || sp->unsynced == 0)
		return YG_OK;
	if (fdatasync(sp->active_fd) != 0)
		return YG_EIO;
	sp->unsynced = 0;
	return YG_OK;
}

static void active_close(yg_spool *sp)
{
	if (sp->active_fd >= 0) {
		active_sync(sp);
		close(sp->active_fd);
		sp->active_fd = -1;
	}
}

/* Deletes the leading segments whose records are all acked. The ack must be
 * durable first: otherwise a power loss could bring back an older acked seq
 * with the segments gone, and next_seq would reuse sent seqs. */
static yg_err drop_acked(yg_spool *sp)
{
	size_t k = 0;
	while (k < sp->nsegs && seg_last(&sp->segs[k]) <= sp->acked)
		k++;
	if (k == 0)
		return YG_OK;
	yg_err err = state_sync(sp);
	if (err)
		return err;
	for (size_t i = 0; i < k; i++) {
		char name[64];
		if (i == sp->nsegs - 1)
			active_close(sp);
		seg_name(name, sizeof(name), sp->segs[i].first);
		if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT) {
			k = i; /* keep the rest; retried at the next ack */
			break;
		}
		sp->bytes -= sp->segs[i].size;
	}
	memmove(sp->segs, sp->segs + k, (sp->nsegs - k) * sizeof(*sp->segs));
	sp->nsegs -= k;
	if (sp->cur_first != 0 && (sp->nsegs == 0 || sp->cur_first < sp->segs[0].first))
		sp->cur_first = 0;
	return YG_OK;
}

/* ---- open ---- */

/* Scans one segment file at open: counts its valid records (which must start
 * at s->first), truncates a torn or corrupt tail and reports it. Fills
 * s->count and s->size; a segment left with no record is deleted (count 0). */
static yg_err scan_segment(yg_spool *sp, seg *s, yg_diag *diag)
{
	char name[64];
	seg_name(name, sizeof(name), s->first);
	int fd = openat(sp->dirfd, name, O_RDWR | O_CLOEXEC);
	struct stat stt;
	if (fd < 0 || fstat(fd, &stt) != 0) {
		yg_diag_add(diag, YG_SEV_ERROR, sp->dir, 0, name, "cannot open segment: %s",
		            strerror(errno));
		if (fd >= 0)
			close(fd);
		return YG_EIO;
	}
	reader r;
	rd_init(&r, fd, 0, (uint64_t)stt.st_size, sp->rbuf, sp->rcap);
	uint64_t count = 0, off = 0;
	const char *why = NULL;
	int rc;
	for (;;) {
		const unsigned char *rec;
		size_t len;
		if (s->first + count < s->first) { /* seq overflow: nothing sane follows */
			why = "seq overflow";
			rc = RD_BAD;
			break;
		}
		rc = rd_next(&r, s->first + count, &rec, &len, &off, &why);
		if (rc != RD_OK)
			break;
		count++;
	}
	if (rc == RD_IOERR) {
		yg_diag_add(diag, YG_SEV_ERROR, sp->dir, 0, name, "read error: %s",
		            strerror(errno));
		close(fd);
		return YG_EIO;
	}
	if (rc == RD_EOF)
		off = (uint64_t)stt.st_size;
	if (off < (uint64_t)stt.st_size) {
		uint64_t lost = (uint64_t)stt.st_size - off;
		yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, name,
		            "%s at offset %" PRIu64 ": truncated, %" PRIu64
		            " bytes dropped, %" PRIu64 " records before it kept",
		            why ? why : "damage", off, lost, count);
		if (ftruncate(fd, (off_t)off) != 0 || fsync(fd) != 0) {
			close(fd);
			return YG_EIO;
		}
		sp->st.truncated_bytes += lost;
		sp->st.truncations++;
	}
	close(fd);
	s->count = count;
	s->size = off;
	if (count == 0 && unlinkat(sp->dirfd, name, 0) != 0)
		return YG_EIO;
	return YG_OK;
}

static yg_err list_segments(yg_spool *sp)
{
	int fd = openat(sp->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return YG_EIO;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return YG_EIO;
	}
	yg_err err = YG_OK;
	struct dirent *e;
	while (!err && (e = readdir(d)) != NULL) {
		uint64_t first;
		if (strcmp(e->d_name, STATE_TMP) == 0)
			unlinkat(sp->dirfd, STATE_TMP, 0); /* a rename that never happened */
		else if (seg_parse(e->d_name, &first))
			err = segs_push(sp, (seg){.first = first});
	}
	closedir(d);
	if (!err && sp->nsegs > 1)
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
	return err;
}

/* Recovers the state of an opened directory: segments, acked, next_seq. */
static yg_err recover(yg_spool *sp, yg_diag *diag)
{
	uint64_t acked = 0;
	int have_state = state_read(sp, diag, &acked);
	yg_err err = list_segments(sp);
	if (err)
		return err;
	size_t w = 0;
	uint64_t prev_last = 0;
	for (size_t i = 0; i < sp->nsegs; i++) {
		seg s = sp->segs[i];
		if (s.first <= prev_last) {
			/* overlaps the previous one: not written by us */
			char name[64];
			seg_name(name, sizeof(name), s.first);
			yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, name,
			            "segment overlaps the previous one: deleted");
			unlinkat(sp->dirfd, name, 0);
			continue;
		}
		err = scan_segment(sp, &s, diag);
		if (err)
			return err;
		if (s.count == 0)
			continue;
		prev_last = seg_last(&s);
		sp->bytes += s.size;
		sp->segs[w++] = s;
	}
	sp->nsegs = w;
	if (have_state <= 0 && sp->nsegs > 0)
		acked = sp->segs[0].first - 1; /* older segments were deleted once acked */
	sp->acked = acked;
	sp->next_seq = (sp->nsegs > 0 ? prev_last : 0);
	if (sp->next_seq < acked)
		sp->next_seq = acked;
	if (sp->next_seq == UINT64_MAX)
		return YG_ELIMIT;
	sp->next_seq++;
	if (have_state <= 0 && (err = state_write(sp, acked, true)) != YG_OK)
		return err;
	return drop_acked(sp);
}

static yg_err config_check(const yg_spool_config *in, yg_spool_config *out, yg_diag *diag,
                           const char *dir)
{
	*out = in ? *in : (yg_spool_config){0};
	if (!out->max_bytes)
		out->max_bytes = 256ull * 1024 * 1024;
	if (!out->segment_bytes)
		out->segment_bytes = 8ull * 1024 * 1024;
	if (!out->fsync_every)
		out->fsync_every = 100;
	if (out->segment_bytes > out->max_bytes ||
	    out->max_bytes < YG_SPOOL_HEADER_BYTES + YG_SPOOL_MAX_RECORD) {
		yg_diag_add(diag, YG_SEV_ERROR, dir, 0, "spool",
		            "max_bytes must be >= segment_bytes and >= %u",
		            YG_SPOOL_HEADER_BYTES + YG_SPOOL_MAX_RECORD);
		return YG_EINVAL;
	}
	if (out->fsync != YG_SPOOL_FSYNC_ALWAYS && out->fsync != YG_SPOOL_FSYNC_EVERY_N &&
	    out->fsync != YG_SPOOL_FSYNC_MANUAL)
		return YG_EINVAL;
	return YG_OK;
}

yg_err yg_spool_open(const char *dir, const yg_spool_config *config, yg_diag *diag, yg_spool **out)
{
	*out = NULL;
	pthread_once(&crc_once, crc_init);
	yg_spool_config cfg;
	yg_err err = config_check(config, &cfg, diag, dir);
	if (err)
		return err;
	yg_spool *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return YG_ENOMEM;
	sp->cfg = cfg;
	sp->dirfd = sp->lockfd = sp->active_fd = -1;
	sp->rcap = RD_CHUNK + YG_SPOOL_HEADER_BYTES + YG_SPOOL_MAX_RECORD;
	sp->dir = strdup(dir);
	sp->rbuf = malloc(sp->rcap);
	if (!sp->dir || !sp->rbuf || pthread_mutex_init(&sp->mu, NULL) != 0) {
		free(sp->dir);
		free(sp->rbuf);
		free(sp);
		return YG_ENOMEM;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		goto io;
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0)
		goto io;
	sp->lockfd = openat(sp->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lockfd < 0)
		goto io;
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0) {
		yg_diag_add(diag, YG_SEV_ERROR, dir, 0, "spool", "in use by another process");
		err = YG_EIO;
		goto fail;
	}
	err = recover(sp, diag);
	if (err) {
		yg_diag_add(diag, YG_SEV_ERROR, dir, 0, "spool", "cannot recover: %s",
		            yg_strerror(err));
		goto fail;
	}
	*out = sp;
	return YG_OK;
io:
	yg_diag_add(diag, YG_SEV_ERROR, dir, 0, "spool", "%s", strerror(errno));
	err = YG_EIO;
fail:
	yg_spool_close(sp);
	return err;
}

void yg_spool_close(yg_spool *sp)
{
	if (!sp)
		return;
	active_close(sp);
	if (sp->dirfd >= 0) {
		state_sync(sp);
		close(sp->dirfd);
	}
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	pthread_mutex_destroy(&sp->mu);
	free(sp->segs);
	free(sp->rbuf);
	free(sp->dir);
	free(sp);
}

/* ---- append ---- */

/* Creates the segment file for the next record and makes its name durable
 * (a record in it may be sent once synced). */
static yg_err segment_start(yg_spool *sp)
{
	char name[64];
	seg_name(name, sizeof(name), sp->next_seq);
	int fd = openat(sp->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return YG_EIO;
	if (fsync(sp->dirfd) != 0 || segs_push(sp, (seg){.first = sp->next_seq}) != YG_OK) {
		close(fd);
		unlinkat(sp->dirfd, name, 0);
		return YG_EIO;
	}
	sp->active_fd = fd;
	sp->unsynced = 0;
	return YG_OK;
}

/* Undoes a failed write: puts the active segment back to its last good size
 * (deleting it when it holds nothing). */
static void append_undo(yg_spool *sp)
{
	seg *s = &sp->segs[sp->nsegs - 1];
	if (s->count == 0) {
		char name[64];
		seg_name(name, sizeof(name), s->first);
		close(sp->active_fd);
		sp->active_fd = -1;
		unlinkat(sp->dirfd, name, 0);
		sp->nsegs--;
		return;
	}
	if (ftruncate(sp->active_fd, (off_t)s->size) != 0 ||
	    lseek(sp->active_fd, (off_t)s->size, SEEK_SET) < 0) {
		/* cannot restore the tail: stop appending to this file; the
		 * next open truncates whatever is left after s->size */
		close(sp->active_fd);
		sp->active_fd = -1;
	}
}

static yg_err append_locked(yg_spool *sp, const void *rec, size_t len, uint64_t *seq_out)
{
	uint64_t reclen = YG_SPOOL_HEADER_BYTES + (uint64_t)len;
	if (sp->bytes + reclen > sp->cfg.max_bytes) {
		sp->st.full_refusals++;
		return YG_ELIMIT;
	}
	if (sp->next_seq == UINT64_MAX)
		return YG_ELIMIT;
	if (sp->active_fd >= 0) {
		const seg *s = &sp->segs[sp->nsegs - 1];
		if (s->size > 0 && s->size + reclen > sp->cfg.segment_bytes)
			active_close(sp); /* fsyncs: a closed segment is never torn */
	}
	yg_err err;
	if (sp->active_fd < 0 && (err = segment_start(sp)) != YG_OK)
		return err;
	unsigned char hdr[YG_SPOOL_HEADER_BYTES];
	put32(hdr, (uint32_t)len);
	put64(hdr + 8, sp->next_seq);
	put32(hdr + 4, record_crc(hdr, rec, len));
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)(uintptr_t)rec, len}};
	size_t done = 0, total = (size_t)reclen;
	while (done < total) {
		ssize_t w;
		if (done < sizeof(hdr)) {
			struct iovec v[2] = {{hdr + done, sizeof(hdr) - done}, iov[1]};
			w = writev(sp->active_fd, v, len ? 2 : 1);
		} else {
			w = write(sp->active_fd, (const unsigned char *)rec + (done - sizeof(hdr)),
			          total - done);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			append_undo(sp);
			return YG_EIO;
		}
		done += (size_t)w;
	}
	seg *s = &sp->segs[sp->nsegs - 1];
	s->count++;
	s->size += reclen;
	sp->bytes += reclen;
	if (seq_out)
		*seq_out = sp->next_seq;
	sp->next_seq++;
	sp->unsynced++;
	if (sp->cfg.fsync == YG_SPOOL_FSYNC_ALWAYS ||
	    (sp->cfg.fsync == YG_SPOOL_FSYNC_EVERY_N && sp->unsynced >= sp->cfg.fsync_every))
		return active_sync(sp); /* the record is written; only durability failed */
	return YG_OK;
}

yg_err yg_spool_append(yg_spool *sp, const void *rec, size_t len, uint64_t *seq_out)
{
	if (len > YG_SPOOL_MAX_RECORD || (!rec && len))
		return YG_EINVAL;
	pthread_mutex_lock(&sp->mu);
	yg_err err = append_locked(sp, rec ? rec : "", len, seq_out);
	pthread_mutex_unlock(&sp->mu);
	return err;
}

/* ---- peek ---- */

typedef struct peek_req {
	uint64_t start; /* first seq wanted */
	size_t max_records, max_bytes;
	yg_spool_cb cb;
	void *ctx;
	size_t n, bytes;
	bool stop;
} peek_req;

/* Delivers the wanted records of segment i; remembers where it stopped. */
static yg_err peek_segment(yg_spool *sp, size_t i, peek_req *q)
{
	const seg *s = &sp->segs[i];
	char name[64];
	seg_name(name, sizeof(name), s->first);
	int fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return YG_EIO;
	uint64_t seq = s->first, off = 0;
	if (sp->cur_first == s->first && sp->cur_seq <= q->start && sp->cur_seq >= s->first) {
		seq = sp->cur_seq;
		off = sp->cur_off;
	}
	reader r;
	rd_init(&r, fd, off, s->size, sp->rbuf, sp->rcap);
	yg_err err = YG_OK;
	uint64_t last = seg_last(s);
	while (seq <= last) {
		const unsigned char *rec;
		size_t len;
		uint64_t roff;
		const char *why;
		if (seq >= q->start) {
			if (q->max_records && q->n >= q->max_records)
				q->stop = true;
			if (q->stop)
				break;
		}
		int rc = rd_next(&r, seq, &rec, &len, &roff, &why);
		if (rc != RD_OK) {
			err = YG_EIO;
			break;
		}
		if (seq >= q->start) {
			if (q->max_bytes && q->n > 0 && q->bytes + len > q->max_bytes) {
				q->stop = true;
				break; /* resume at this record */
			}
			q->n++;
			q->bytes += len;
			if (q->cb(q->ctx, seq, rec, len) != 0)
				q->stop = true;
		}
		seq++;
		roff += YG_SPOOL_HEADER_BYTES + len;
		sp->cur_first = s->first;
		sp->cur_seq = seq;
		sp->cur_off = roff;
		if (q->stop)
			break;
	}
	close(fd);
	return err;
}

yg_err yg_spool_peek(yg_spool *sp, uint64_t after_seq, size_t max_records, size_t max_bytes,
                     yg_spool_cb cb, void *ctx, size_t *n_out)
{
	if (n_out)
		*n_out = 0;
	if (!cb)
		return YG_EINVAL;
	pthread_mutex_lock(&sp->mu);
	peek_req q = {.max_records = max_records, .max_bytes = max_bytes, .cb = cb, .ctx = ctx};
	q.start = (after_seq > sp->acked ? after_seq : sp->acked);
	yg_err err = YG_OK;
	if (q.start >= sp->next_seq - 1)
		goto out;
	q.start++;
	err = active_sync(sp); /* never hand out a record that may be lost */
	for (size_t i = 0; !err && !q.stop && i < sp->nsegs; i++)
		if (seg_last(&sp->segs[i]) >= q.start)
			err = peek_segment(sp, i, &q);
out:
	pthread_mutex_unlock(&sp->mu);
	if (n_out)
		*n_out = q.n;
	return err;
}

/* ---- ack, sync, stats ---- */

yg_err yg_spool_ack(yg_spool *sp, uint64_t seq)
{
	pthread_mutex_lock(&sp->mu);
	yg_err err = YG_OK;
	if (seq >= sp->next_seq)
		err = YG_EINVAL;
	else if (seq > sp->acked) {
		err = state_write(sp, seq, sp->cfg.fsync == YG_SPOOL_FSYNC_ALWAYS);
		if (!err) {
			sp->acked = seq;
			err = drop_acked(sp);
		}
	}
	pthread_mutex_unlock(&sp->mu);
	return err;
}

yg_err yg_spool_sync(yg_spool *sp)
{
	pthread_mutex_lock(&sp->mu);
	yg_err err = active_sync(sp);
	if (!err)
		err = state_sync(sp);
	pthread_mutex_unlock(&sp->mu);
	return err;
}

void yg_spool_stats_get(yg_spool *sp, yg_spool_stats *out)
{
	pthread_mutex_lock(&sp->mu);
	*out = sp->st;
	out->last_seq = sp->next_seq - 1;
	out->acked_seq = sp->acked;
	out->bytes = sp->bytes;
	out->segments = sp->nsegs;
	out->records_pending = 0;
	for (size_t i = 0; i < sp->nsegs; i++) {
		const seg *s = &sp->segs[i];
		uint64_t last = seg_last(s), from = s->first - 1;
		if (from < sp->acked)
			from = sp->acked;
		if (last > from)
			out->records_pending += last - from;
	}
	pthread_mutex_unlock(&sp->mu);
}
