/* spool.c: the agent's on-disk event spool (see spool.h for the contract).
 *
 * Invariants kept under the mutex:
 *   - segs[] is sorted by first seq; each segment holds `count` >= 0
 *     consecutive records first..first+count-1, and `states` state frames,
 *     in `size` bytes of its file. A segment without records exists only
 *     while it holds state frames, and then it is the last one and is named
 *     after next_seq (so it is reused, never re-created, by the next write);
 *   - only the last segment may be open for writing (active_fd);
 *   - next_seq > every seq on disk and > acked: a seq is never reused after
 *     a record carrying it could have been sent (peek syncs first, and
 *     segments are deleted only after the ack covering them is durable);
 *   - the latest state (has_state) is the last state frame on disk, in
 *     segment `state_seg`, or, when state_seg is 0, in the state file
 *     (written before the segment that held it is deleted). */
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
#define ACKED_NAME "acked"
#define ACKED_TMP "acked.tmp"
#define ACKED_MAGIC "YGSPACK1"
#define ACKED_BYTES 20
#define SFILE_NAME "state"
#define SFILE_TMP "state.tmp"
#define SFILE_MAGIC "YGSPSTA1"
#define SFILE_HDR 24 /* magic, u64 covered seq, u32 len, u32 crc32c */
#define RD_CHUNK (64u * 1024u)
/* Bit 31 of a frame's length field marks a state frame. Record lengths never
 * reach it (they are <= 1 MiB), so spools written before state frames
 * existed read the same. */
#define STATE_FLAG 0x80000000u

typedef struct seg {
	uint64_t first;       /* seq of the first record, also the file name */
	uint64_t count;       /* records in the file */
	uint64_t size;        /* valid bytes in the file */
	uint64_t states;      /* state frames in the file */
	uint64_t state_bytes; /* bytes of those frames */
	uint64_t tail_states; /* state frames after the last record */
	uint64_t tail_keep;   /* offset just past the first of those */
	uint64_t state_off;   /* offset of the last state frame, if states */
	uint32_t state_len;   /* and its blob length */
} seg;

/* A buffered sequential reader of one segment file, bounded by `end`. */
typedef struct reader {
	int fd;
	uint64_t end;     /* bytes of the file that may be read */
	uint64_t buf_off; /* file offset of buf[0] */
	unsigned char *buf;
	size_t cap, len, pos;
} reader;

/* One frame as read: a record (seq) or a state frame (seq = covered). */
typedef struct frame {
	bool state;
	uint64_t seq;
	const unsigned char *data; /* valid until the next read */
	size_t len;
	uint64_t off; /* file offset of the frame */
} frame;

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
	bool acked_dirty;    /* the acked file was replaced but not fsynced */
	unsigned char *rbuf; /* reader buffer, RD_CHUNK + largest framed record */
	size_t rcap;
	/* where the last peek stopped, to resume without rescanning */
	uint64_t cur_first, cur_seq, cur_off;
	/* the latest state */
	bool has_state;
	unsigned char *state; /* copy of the blob (NULL when empty) */
	size_t state_len;
	uint64_t state_seq; /* seq of the last record before it */
	uint64_t state_seg; /* first seq of the segment holding it; 0: file */
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

/* CRC of one frame: over the length field (4 bytes, with the state flag),
 * seq (8 bytes) and the payload. */
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

/* Reads the next frame. `expect` is the seq the next record must carry; a
 * state frame must carry expect - 1 (the record before it). On RD_OK *f
 * describes the frame (its data valid until the next call); on RD_BAD *why
 * says what is wrong and f->off where. */
static int rd_next(reader *r, uint64_t expect, frame *f, const char **why)
{
	f->off = r->buf_off + r->pos;
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
	bool state = (l & STATE_FLAG) != 0;
	l &= ~STATE_FLAG;
	if (l > (state ? YG_SPOOL_MAX_STATE : YG_SPOOL_MAX_RECORD)) {
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
	if (seq != (state ? expect - 1 : expect)) {
		*why = "record out of sequence";
		return RD_BAD;
	}
	f->state = state;
	f->seq = seq;
	f->data = h + YG_SPOOL_HEADER_BYTES;
	f->len = l;
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

/* The seq of the segment's last record; first - 1 when it holds none. */
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

/* Replaces `name` atomically with `n` bytes (write `tmp`, rename over it),
 * so a crash leaves the old or the new content, never a torn one. With
 * `durable` the file and the directory are fsynced. */
static yg_err replace_file(yg_spool *sp, const char *name, const char *tmp, const void *data,
                           size_t n, bool durable)
{
	int fd = openat(sp->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return YG_EIO;
	if (write_all(fd, data, n) != 0 || (durable && fdatasync(fd) != 0)) {
		close(fd);
		unlinkat(sp->dirfd, tmp, 0);
		return YG_EIO;
	}
	if (close(fd) != 0 || renameat(sp->dirfd, tmp, sp->dirfd, name) != 0) {
		unlinkat(sp->dirfd, tmp, 0);
		return YG_EIO;
	}
	if (durable && fsync(sp->dirfd) != 0)
		return YG_EIO;
	return YG_OK;
}

/* Reads the acked seq from the acked file. Returns 1 when read, 0 when there
 * is none, -1 when it is damaged (reported). */
static int acked_read(yg_spool *sp, yg_diag *diag, uint64_t *acked)
{
	int fd = openat(sp->dirfd, ACKED_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	unsigned char b[ACKED_BYTES + 1];
	ssize_t n = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (n == ACKED_BYTES && memcmp(b, ACKED_MAGIC, 8) == 0) {
		uint32_t c = crc_update(0xffffffffu, b, 16) ^ 0xffffffffu;
		if (c == get32(b + 16)) {
			*acked = get64(b + 8);
			return 1;
		}
	}
	yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, ACKED_NAME,
	            "damaged state file ignored; unacked records will be resent");
	return -1;
}

/* Replaces the acked file; without `durable` it is left for acked_sync. */
static yg_err acked_write(yg_spool *sp, uint64_t acked, bool durable)
{
	unsigned char b[ACKED_BYTES];
	memcpy(b, ACKED_MAGIC, 8);
	put64(b + 8, acked);
	put32(b + 16, crc_update(0xffffffffu, b, 16) ^ 0xffffffffu);
	yg_err err = replace_file(sp, ACKED_NAME, ACKED_TMP, b, sizeof(b), durable);
	if (!err)
		sp->acked_dirty = !durable;
	return err;
}

/* Makes a replaced acked file durable (it was renamed without fsync). */
static yg_err acked_sync(yg_spool *sp)
{
	if (!sp->acked_dirty)
		return YG_OK;
	int fd = openat(sp->dirfd, ACKED_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return YG_EIO;
	int rc = fdatasync(fd);
	close(fd);
	if (rc != 0 || fsync(sp->dirfd) != 0)
		return YG_EIO;
	sp->acked_dirty = false;
	return YG_OK;
}

/* Writes the latest state into the state file, durably. Called before the
 * segment holding the latest state frame is deleted, so the state always
 * exists on disk somewhere. */
static yg_err sfile_write(yg_spool *sp)
{
	size_t n = SFILE_HDR + sp->state_len;
	unsigned char *b = malloc(n);
	if (!b)
		return YG_ENOMEM;
	memcpy(b, SFILE_MAGIC, 8);
	put64(b + 8, sp->state_seq);
	put32(b + 16, (uint32_t)sp->state_len);
	if (sp->state_len)
		memcpy(b + SFILE_HDR, sp->state, sp->state_len);
	uint32_t c = crc_update(0xffffffffu, b, 20);
	c = crc_update(c, b + SFILE_HDR, sp->state_len) ^ 0xffffffffu;
	put32(b + 20, c);
	yg_err err = replace_file(sp, SFILE_NAME, SFILE_TMP, b, n, true);
	free(b);
	return err;
}

/* Loads the state file into the latest state. Returns 1 when loaded, 0 when
 * there is none, -1 when it is damaged (reported) or cannot be read. */
static int sfile_read(yg_spool *sp, yg_diag *diag)
{
	int fd = openat(sp->dirfd, SFILE_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat stt;
	unsigned char *b = NULL;
	bool ok = false;
	if (fstat(fd, &stt) == 0 && stt.st_size >= SFILE_HDR &&
	    (uint64_t)stt.st_size <= SFILE_HDR + (uint64_t)YG_SPOOL_MAX_STATE) {
		size_t n = (size_t)stt.st_size;
		b = malloc(n);
		if (b && pread(fd, b, n, 0) == (ssize_t)n && memcmp(b, SFILE_MAGIC, 8) == 0 &&
		    get32(b + 16) == n - SFILE_HDR) {
			uint32_t c = crc_update(0xffffffffu, b, 20);
			c = crc_update(c, b + SFILE_HDR, n - SFILE_HDR) ^ 0xffffffffu;
			if (c == get32(b + 20)) {
				sp->state_len = n - SFILE_HDR;
				sp->state_seq = get64(b + 8);
				sp->state = NULL;
				if (sp->state_len) {
					sp->state = malloc(sp->state_len);
					if (sp->state) {
						memcpy(sp->state, b + SFILE_HDR, sp->state_len);
						ok = true;
					}
				} else {
					ok = true;
				}
			}
		}
	}
	close(fd);
	free(b);
	if (!ok) {
		yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, SFILE_NAME,
		            "damaged state file ignored: no saved state");
		return -1;
	}
	sp->has_state = true;
	sp->state_seg = 0;
	return 1;
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
 * with the segments gone, and next_seq would reuse sent seqs. The segment
 * holding the latest state frame is deleted only once that state is in the
 * state file. */
static yg_err drop_acked(yg_spool *sp)
{
	size_t k = 0;
	while (k < sp->nsegs && seg_last(&sp->segs[k]) <= sp->acked)
		k++;
	if (k == 0)
		return YG_OK;
	yg_err err = acked_sync(sp);
	if (err)
		return err;
	for (size_t i = 0; i < k; i++) {
		char name[64];
		const seg *s = &sp->segs[i];
		if (sp->has_state && sp->state_seg == s->first) {
			if ((err = sfile_write(sp)) != YG_OK) {
				k = i; /* keep it and the rest; retried at the next ack */
				break;
			}
			sp->state_seg = 0;
		}
		if (i == sp->nsegs - 1)
			active_close(sp);
		seg_name(name, sizeof(name), s->first);
		if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT) {
			k = i; /* keep the rest; retried at the next ack */
			break;
		}
		sp->bytes -= s->size;
		sp->st.state_frames -= s->states;
		sp->st.state_bytes -= s->state_bytes;
	}
	memmove(sp->segs, sp->segs + k, (sp->nsegs - k) * sizeof(*sp->segs));
	sp->nsegs -= k;
	if (sp->cur_first != 0 && (sp->nsegs == 0 || sp->cur_first < sp->segs[0].first))
		sp->cur_first = 0;
	return err;
}

/* ---- open ---- */

/* Where a segment's scan stopped. */
typedef struct scan_end {
	uint64_t off;     /* the first byte not kept */
	const char *why;  /* the damage found there, or NULL */
	bool cut;         /* stopped at a record above keep_upto ... */
	uint64_t cut_seq; /* ... this one */
} scan_end;

/* Reads s's frames from the start, counting records (which must start at
 * s->first) and state frames into *s, until the end, damage, or the first
 * record with a seq above keep_upto. The reader's result (RD_*). */
static int scan_frames(reader *r, seg *s, uint64_t keep_upto, scan_end *e)
{
	for (;;) {
		frame f;
		if (s->first + s->count < s->first) { /* seq overflow: nothing sane follows */
			e->why = "seq overflow";
			return RD_BAD;
		}
		int rc = rd_next(r, s->first + s->count, &f, &e->why);
		e->off = f.off;
		if (rc != RD_OK)
			return rc;
		uint64_t end = f.off + YG_SPOOL_HEADER_BYTES + f.len;
		if (!f.state && f.seq > keep_upto) {
			e->cut = true;
			e->cut_seq = f.seq;
			return RD_OK;
		}
		if (f.state) {
			s->states++;
			s->state_bytes += YG_SPOOL_HEADER_BYTES + f.len;
			if (s->tail_states++ == 0)
				s->tail_keep = end;
			s->state_off = f.off;
			s->state_len = (uint32_t)f.len;
		} else {
			s->count++;
			s->tail_states = 0;
		}
	}
}

/* Cuts segment `name` (fd, `size` bytes) at e->off: records above
 * keep_upto are counted as uncommitted (reported by recover), damage is
 * reported as a warning. */
static yg_err cut_tail(yg_spool *sp, reader *r, int fd, const char *name, uint64_t size,
                       const seg *s, const scan_end *e, yg_diag *diag)
{
	uint64_t lost = size - e->off;
	if (e->cut) {
		/* count the records cut, for the report */
		uint64_t n = 1, next = e->cut_seq + 1;
		frame g;
		const char *w;
		while (next != 0 && rd_next(r, next, &g, &w) == RD_OK)
			if (!g.state) {
				n++;
				next++;
			}
		sp->st.uncommitted_dropped += n;
	} else {
		yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, name,
		            "%s at offset %" PRIu64 ": truncated, %" PRIu64
		            " bytes dropped, %" PRIu64 " records before it kept",
		            e->why ? e->why : "damage", e->off, lost, s->count);
		sp->st.truncated_bytes += lost;
		sp->st.truncations++;
	}
	return ftruncate(fd, (off_t)e->off) != 0 || fsync(fd) != 0 ? YG_EIO : YG_OK;
}

/* Scans one segment file at open: counts its valid records (which must start
 * at s->first) and state frames, and truncates the file at the first torn
 * or corrupt frame (reported as damage) or at the first record with a seq
 * above `keep_upto` (reported as uncommitted). Fills the counters of *s; a
 * segment left empty is deleted (size 0). */
static yg_err scan_segment(yg_spool *sp, seg *s, uint64_t keep_upto, yg_diag *diag)
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
	uint64_t size = (uint64_t)stt.st_size;
	reader r;
	rd_init(&r, fd, 0, size, sp->rbuf, sp->rcap);
	*s = (seg){.first = s->first};
	scan_end e = {0};
	int rc = scan_frames(&r, s, keep_upto, &e);
	if (rc == RD_IOERR) {
		yg_diag_add(diag, YG_SEV_ERROR, sp->dir, 0, name, "read error: %s",
		            strerror(errno));
		close(fd);
		return YG_EIO;
	}
	if (rc == RD_EOF)
		e.off = size;
	yg_err err = e.off < size ? cut_tail(sp, &r, fd, name, size, s, &e, diag) : YG_OK;
	close(fd);
	if (err)
		return err;
	s->size = e.off;
	if (e.off == 0 && unlinkat(sp->dirfd, name, 0) != 0)
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
		if (strcmp(e->d_name, ACKED_TMP) == 0 || strcmp(e->d_name, SFILE_TMP) == 0)
			unlinkat(sp->dirfd, e->d_name, 0); /* a rename that never happened */
		else if (seg_parse(e->d_name, &first))
			err = segs_push(sp, (seg){.first = first});
	}
	closedir(d);
	if (!err && sp->nsegs > 1)
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
	return err;
}

/* Loads the last state frame of segment s as the latest state, checking its
 * CRC again (it is read a second time). */
static yg_err load_state_frame(yg_spool *sp, const seg *s)
{
	char name[64];
	seg_name(name, sizeof(name), s->first);
	int fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return YG_EIO;
	size_t n = YG_SPOOL_HEADER_BYTES + (size_t)s->state_len;
	unsigned char *b = malloc(n);
	yg_err err = YG_EIO;
	if (!b)
		err = YG_ENOMEM;
	else if (pread(fd, b, n, (off_t)s->state_off) == (ssize_t)n &&
	         record_crc(b, b + YG_SPOOL_HEADER_BYTES, s->state_len) == get32(b + 4)) {
		sp->state_len = s->state_len;
		sp->state_seq = get64(b + 8);
		sp->state = NULL;
		err = YG_OK;
		if (s->state_len && !(sp->state = malloc(s->state_len)))
			err = YG_ENOMEM;
		else if (s->state_len)
			memcpy(sp->state, b + YG_SPOOL_HEADER_BYTES, s->state_len);
		if (!err) {
			sp->has_state = true;
			sp->state_seg = s->first;
		}
	}
	free(b);
	close(fd);
	return err;
}

/* The last seq peek may hand out. With state_commits, records after the
 * latest state's are not committed yet (but never fewer than the acked
 * ones); without a state at all, every record is. */
static uint64_t visible_last(const yg_spool *sp)
{
	uint64_t last = sp->next_seq - 1;
	if (!sp->cfg.state_commits || !sp->has_state)
		return last;
	uint64_t c = sp->state_seq > sp->acked ? sp->state_seq : sp->acked;
	return c < last ? c : last;
}

/* recover, step 1: every segment scanned (torn tails cut), overlapping
 * ones deleted, empty ones dropped. */
static yg_err recover_segments(yg_spool *sp, yg_diag *diag)
{
	yg_err err = list_segments(sp);
	if (err)
		return err;
	size_t w = 0;
	uint64_t prev_last = 0;
	for (size_t i = 0; i < sp->nsegs; i++) {
		seg s = sp->segs[i];
		if (w > 0 && s.first <= prev_last) {
			/* overlaps the previous one: not written by us */
			char name[64];
			seg_name(name, sizeof(name), s.first);
			yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, name,
			            "segment overlaps the previous one: deleted");
			unlinkat(sp->dirfd, name, 0);
			continue;
		}
		err = scan_segment(sp, &s, UINT64_MAX, diag);
		if (err)
			return err;
		if (s.size == 0)
			continue;
		prev_last = seg_last(&s);
		sp->segs[w++] = s;
	}
	sp->nsegs = w;
	return YG_OK;
}

/* recover, step 2: the latest state: the last state frame, else the state
 * file (written only when the segment of the then latest frame was deleted,
 * so any frame still in a segment is newer). Then segments without records
 * that do not hold the latest state (only superseded state frames, or
 * nothing) are deleted. */
static yg_err recover_state(yg_spool *sp, yg_diag *diag)
{
	yg_err err;
	size_t si = sp->nsegs;
	for (size_t i = sp->nsegs; i-- > 0;)
		if (sp->segs[i].states > 0) {
			si = i;
			break;
		}
	if (si < sp->nsegs) {
		if ((err = load_state_frame(sp, &sp->segs[si])) != YG_OK)
			return err;
	} else {
		sfile_read(sp, diag);
	}
	size_t w = 0;
	for (size_t i = 0; i < sp->nsegs; i++) {
		seg *s = &sp->segs[i];
		if (s->count == 0 && !(sp->state_seg != 0 && s->first == sp->state_seg)) {
			char name[64];
			seg_name(name, sizeof(name), s->first);
			if (unlinkat(sp->dirfd, name, 0) != 0)
				return YG_EIO;
			continue;
		}
		sp->segs[w++] = *s;
	}
	sp->nsegs = w;
	return YG_OK;
}

/* recover, step 3: next_seq after every record, the acked point and the
 * latest state; YG_ELIMIT when seqs ran out. */
static yg_err recover_next_seq(yg_spool *sp, uint64_t acked)
{
	uint64_t last = 0;
	for (size_t i = 0; i < sp->nsegs; i++)
		if (seg_last(&sp->segs[i]) > last)
			last = seg_last(&sp->segs[i]);
	sp->next_seq = last;
	if (sp->next_seq < acked)
		sp->next_seq = acked;
	if (sp->has_state && sp->next_seq < sp->state_seq)
		sp->next_seq = sp->state_seq; /* a later record never looks covered */
	if (sp->next_seq == UINT64_MAX)
		return YG_ELIMIT;
	sp->next_seq++;
	return YG_OK;
}

/* recover, step 4: with state_commits, what follows the latest state was
 * never committed, so never handed out: dropped, its lines are read again
 * from the positions in that state. */
static yg_err recover_uncommitted(yg_spool *sp, yg_diag *diag)
{
	uint64_t c = visible_last(sp);
	if (c >= sp->next_seq - 1)
		return YG_OK;
	uint64_t dropped = sp->st.uncommitted_dropped;
	size_t keep = 0;
	for (size_t i = 0; i < sp->nsegs; i++) {
		seg *s = &sp->segs[i];
		yg_err err;
		if (seg_last(s) > c && (err = scan_segment(sp, s, c, diag)) != YG_OK)
			return err;
		if (s->size > 0)
			sp->segs[keep++] = *s;
	}
	sp->nsegs = keep;
	sp->next_seq = c + 1;
	yg_diag_add(diag, YG_SEV_WARNING, sp->dir, 0, "spool",
	            "%" PRIu64 " records after the latest state frame were not committed: "
	            "dropped, seq %" PRIu64 " is next",
	            sp->st.uncommitted_dropped - dropped, sp->next_seq);
	return YG_OK;
}

/* Recovers the state of an opened directory: segments, acked, next_seq,
 * the latest state; with state_commits, drops uncommitted records. */
static yg_err recover(yg_spool *sp, yg_diag *diag)
{
	uint64_t acked = 0;
	int have_acked = acked_read(sp, diag, &acked);
	yg_err err = recover_segments(sp, diag);
	if (err)
		return err;
	if (have_acked <= 0 && sp->nsegs > 0)
		acked = sp->segs[0].first - 1; /* older segments were deleted once acked */
	sp->acked = acked;
	if ((err = recover_state(sp, diag)) != YG_OK ||
	    (err = recover_next_seq(sp, acked)) != YG_OK ||
	    (err = recover_uncommitted(sp, diag)) != YG_OK)
		return err;
	sp->bytes = 0;
	for (size_t i = 0; i < sp->nsegs; i++) {
		sp->bytes += sp->segs[i].size;
		sp->st.state_frames += sp->segs[i].states;
		sp->st.state_bytes += sp->segs[i].state_bytes;
	}
	if (have_acked <= 0 && (err = acked_write(sp, acked, true)) != YG_OK)
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
		acked_sync(sp);
		close(sp->dirfd);
	}
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	pthread_mutex_destroy(&sp->mu);
	free(sp->segs);
	free(sp->rbuf);
	free(sp->state);
	free(sp->dir);
	free(sp);
}

/* ---- writing frames ---- */

/* Creates the segment file for the next frame and makes its name durable
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

/* Makes a segment open for the next frame: the active one, else the last
 * one when it holds only state frames (it is named after next_seq, so a new
 * segment would take its name), else a new one. */
static yg_err active_ensure(yg_spool *sp)
{
	if (sp->active_fd >= 0)
		return YG_OK;
	if (sp->nsegs > 0 && sp->segs[sp->nsegs - 1].first == sp->next_seq) {
		const seg *s = &sp->segs[sp->nsegs - 1];
		char name[64];
		seg_name(name, sizeof(name), s->first);
		int fd = openat(sp->dirfd, name, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return YG_EIO;
		if (lseek(fd, (off_t)s->size, SEEK_SET) < 0) {
			close(fd);
			return YG_EIO;
		}
		sp->active_fd = fd;
		sp->unsynced = 0;
		return YG_OK;
	}
	return segment_start(sp);
}

/* Puts the active segment back to its last good size after a failed write
 * (deleting it when it holds nothing). */
static void write_undo(yg_spool *sp)
{
	seg *s = &sp->segs[sp->nsegs - 1];
	if (s->size == 0) {
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

/* Writes one frame at the end of the active segment (which must be open)
 * and accounts its bytes; the caller accounts what the frame is. On YG_EIO
 * the segment is as it was. */
static yg_err write_frame(yg_spool *sp, bool state, uint64_t seq, const void *data, size_t len)
{
	unsigned char hdr[YG_SPOOL_HEADER_BYTES];
	put32(hdr, (uint32_t)len | (state ? STATE_FLAG : 0));
	put64(hdr + 8, seq);
	put32(hdr + 4, record_crc(hdr, data, len));
	size_t done = 0, total = sizeof(hdr) + len;
	while (done < total) {
		ssize_t w;
		if (done < sizeof(hdr)) {
			struct iovec v[2] = {{hdr + done, sizeof(hdr) - done},
			                     {(void *)(uintptr_t)data, len}};
			w = writev(sp->active_fd, v, len ? 2 : 1);
		} else {
			w = write(sp->active_fd, (const unsigned char *)data + (done - sizeof(hdr)),
			          total - done);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			write_undo(sp);
			return YG_EIO;
		}
		done += (size_t)w;
	}
	seg *s = &sp->segs[sp->nsegs - 1];
	s->size += total;
	sp->bytes += total;
	sp->unsynced++;
	return YG_OK;
}

/* Applies the fsync policy after a frame was written. */
static yg_err after_write(yg_spool *sp)
{
	if (sp->cfg.fsync == YG_SPOOL_FSYNC_ALWAYS ||
	    (sp->cfg.fsync == YG_SPOOL_FSYNC_EVERY_N && sp->unsynced >= sp->cfg.fsync_every))
		return active_sync(sp); /* the frame is written; only durability failed */
	return YG_OK;
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
		/* a segment without records is never left: its name is next_seq */
		if (s->count > 0 && s->size + reclen > sp->cfg.segment_bytes)
			active_close(sp); /* fsyncs: a closed segment is never torn */
	}
	yg_err err;
	if ((err = active_ensure(sp)) != YG_OK)
		return err;
	if ((err = write_frame(sp, false, sp->next_seq, rec, len)) != YG_OK)
		return err;
	seg *s = &sp->segs[sp->nsegs - 1];
	s->count++;
	s->tail_states = 0;
	if (seq_out)
		*seq_out = sp->next_seq;
	sp->next_seq++;
	return after_write(sp);
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

/* ---- state frames ---- */

/* Cuts the trailing run of state frames of the active segment back to its
 * first frame. Only called when no record follows the latest state, so
 * every frame of the run covers the same records: a crash before the new
 * frame is written leaves an equivalent (older) state, never a wrong one. */
static yg_err cut_state_run(yg_spool *sp)
{
	seg *s = &sp->segs[sp->nsegs - 1];
	uint64_t cut = s->size - s->tail_keep;
	if (ftruncate(sp->active_fd, (off_t)s->tail_keep) != 0 ||
	    lseek(sp->active_fd, (off_t)s->tail_keep, SEEK_SET) < 0)
		return YG_EIO;
	uint64_t frames = s->tail_states - 1;
	s->size = s->tail_keep;
	s->states -= frames;
	s->state_bytes -= cut;
	s->tail_states = 1;
	sp->bytes -= cut;
	sp->st.state_frames -= frames;
	sp->st.state_bytes -= cut;
	if (sp->cur_first == s->first && sp->cur_off > s->size)
		sp->cur_first = 0;
	return YG_OK;
}

/* Accounts a state frame of `len` bytes just written to the active segment. */
static void account_state(yg_spool *sp, size_t len)
{
	uint64_t frame_bytes = YG_SPOOL_HEADER_BYTES + (uint64_t)len;
	seg *s = &sp->segs[sp->nsegs - 1];
	s->states++;
	s->state_bytes += frame_bytes;
	s->state_off = s->size - frame_bytes;
	s->state_len = (uint32_t)len;
	if (s->tail_states++ == 0)
		s->tail_keep = s->size;
	sp->st.state_frames++;
	sp->st.state_bytes += frame_bytes;
}

static yg_err put_state_locked(yg_spool *sp, const void *blob, size_t len)
{
	uint64_t covered = sp->next_seq - 1;
	/* records appended since the latest state: this frame commits them */
	bool commits = !sp->has_state || covered != sp->state_seq;
	if (!commits && len == sp->state_len && (len == 0 || memcmp(blob, sp->state, len) == 0))
		return YG_OK; /* nothing new to record */
	uint64_t frame_bytes = YG_SPOOL_HEADER_BYTES + (uint64_t)len;

	/* Where the frame goes: the active segment (or the reopened last one
	 * when it holds only states), unless it is full of records. */
	const seg *last = sp->nsegs ? &sp->segs[sp->nsegs - 1] : NULL;
	bool into_last = last && (sp->active_fd >= 0 || last->first == sp->next_seq);
	bool rotate =
	        into_last && last->count > 0 && last->size + frame_bytes > sp->cfg.segment_bytes;
	bool cut = into_last && !rotate && !commits && last->tail_states >= 2;
	uint64_t freed = cut ? last->size - last->tail_keep : 0;

	/* The bound: a state frame that commits records is accepted past it
	 * (at most one such frame, as records are refused while over it), so
	 * committed records can always be handed out and acked; others must
	 * fit. */
	if (!commits && sp->bytes - freed + frame_bytes > sp->cfg.max_bytes) {
		sp->st.full_refusals++;
		return YG_ELIMIT;
	}
	unsigned char *copy = NULL;
	if (len && !(copy = malloc(len)))
		return YG_ENOMEM;
	if (len)
		memcpy(copy, blob, len);
	if (rotate)
		active_close(sp);
	yg_err err = active_ensure(sp);
	if (!err && cut)
		err = cut_state_run(sp);
	if (!err) {
		err = write_frame(sp, true, covered, copy ? copy : (const void *)"", len);
		/* after a cut, put the latest state back (same records covered) */
		if (err && cut && sp->active_fd >= 0 &&
		    write_frame(sp, true, sp->state_seq, sp->state ? sp->state : (void *)"",
		                sp->state_len) == YG_OK)
			account_state(sp, sp->state_len);
	}
	if (err) {
		free(copy);
		return err;
	}
	account_state(sp, len);
	seg *s = &sp->segs[sp->nsegs - 1];
	free(sp->state);
	sp->state = copy;
	sp->state_len = len;
	sp->state_seq = covered;
	sp->state_seg = s->first;
	sp->has_state = true;
	return after_write(sp);
}

yg_err yg_spool_put_state(yg_spool *sp, const void *blob, size_t len)
{
	if (len > YG_SPOOL_MAX_STATE || (!blob && len))
		return YG_EINVAL;
	pthread_mutex_lock(&sp->mu);
	yg_err err = put_state_locked(sp, blob, len);
	pthread_mutex_unlock(&sp->mu);
	return err;
}

yg_err yg_spool_state(yg_spool *sp, const void **blob, size_t *len)
{
	pthread_mutex_lock(&sp->mu);
	yg_err err = sp->has_state ? YG_OK : YG_ENOTFOUND;
	*blob = sp->has_state ? (sp->state ? sp->state : (const void *)"") : NULL;
	*len = sp->has_state ? sp->state_len : 0;
	pthread_mutex_unlock(&sp->mu);
	return err;
}

/* ---- peek ---- */

typedef struct peek_req {
	uint64_t start; /* first seq wanted */
	uint64_t last;  /* last seq that may be delivered */
	size_t max_records, max_bytes;
	yg_spool_cb cb;
	void *ctx;
	size_t n, bytes;
	bool stop;
} peek_req;

/* Delivers the wanted records of segment i, skipping state frames;
 * remembers where it stopped. */
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
	uint64_t last = seg_last(s) < q->last ? seg_last(s) : q->last;
	while (seq <= last) {
		frame f;
		const char *why;
		if (seq >= q->start) {
			if (q->max_records && q->n >= q->max_records)
				q->stop = true;
			if (q->stop)
				break;
		}
		int rc = rd_next(&r, seq, &f, &why);
		if (rc != RD_OK) {
			err = YG_EIO;
			break;
		}
		if (f.state)
			continue;
		if (seq >= q->start) {
			if (q->max_bytes && q->n > 0 && q->bytes + f.len > q->max_bytes) {
				q->stop = true;
				break; /* resume at this record */
			}
			q->n++;
			q->bytes += f.len;
			if (q->cb(q->ctx, seq, f.data, f.len) != 0)
				q->stop = true;
		}
		seq++;
		sp->cur_first = s->first;
		sp->cur_seq = seq;
		sp->cur_off = f.off + YG_SPOOL_HEADER_BYTES + f.len;
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
	q.last = visible_last(sp);
	yg_err err = YG_OK;
	if (q.start >= q.last)
		goto out;
	q.start++;
	err = active_sync(sp); /* never hand out a record that may be lost */
	for (size_t i = 0; !err && !q.stop && i < sp->nsegs; i++)
		if (sp->segs[i].count > 0 && seg_last(&sp->segs[i]) >= q.start &&
		    sp->segs[i].first <= q.last)
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
	if (seq > visible_last(sp))
		err = YG_EINVAL;
	else if (seq > sp->acked) {
		err = acked_write(sp, seq, sp->cfg.fsync == YG_SPOOL_FSYNC_ALWAYS);
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
		err = acked_sync(sp);
	pthread_mutex_unlock(&sp->mu);
	return err;
}

void yg_spool_stats_get(yg_spool *sp, yg_spool_stats *out)
{
	pthread_mutex_lock(&sp->mu);
	*out = sp->st;
	out->last_seq = sp->next_seq - 1;
	out->acked_seq = sp->acked;
	out->committed_seq = visible_last(sp);
	out->state_seq = sp->has_state ? sp->state_seq : 0;
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
