/* The agent's event spool on real files in a temporary directory: order,
 * seqs across restarts, acks freeing segments, torn and corrupt tails (what
 * kill -9 or a bad disk leaves), the size bound, and a million records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/spool.h"

static char dir[256];

static void rm_dir_files(const char *d)
{
	DIR *dd = opendir(d);
	if (!dd)
		return;
	struct dirent *e;
	char p[512];
	while ((e = readdir(dd)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
		unlink(p);
	}
	closedir(dd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/yg-spool-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_dir_files(dir);
	rmdir(dir);
	return 0;
}

/* Counts the segment files in the directory. */
static int count_segments(void)
{
	DIR *dd = opendir(dir);
	assert_non_null(dd);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dd)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".seg") == 0)
			n++;
	}
	closedir(dd);
	return n;
}

static void seg_path(char *out, size_t n, uint64_t first)
{
	snprintf(out, n, "%s/%020" PRIu64 ".seg", dir, first);
}

/* Collects what peek delivers. */
typedef struct got {
	uint64_t seqs[64];
	char recs[64][64];
	size_t n;
	size_t stop_after; /* 0 = never stop */
} got_t;

static int collect(void *ctx, uint64_t seq, const void *rec, size_t len)
{
	got_t *g = ctx;
	assert_true(g->n < 64 && len < 64);
	g->seqs[g->n] = seq;
	memcpy(g->recs[g->n], rec, len);
	g->recs[g->n][len] = '\0';
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

static yg_spool *open_ok(const yg_spool_config *cfg, yg_diag *d)
{
	yg_spool *sp = NULL;
	yg_err err = yg_spool_open(dir, cfg, d, &sp);
	if (err && d)
		yg_diag_print(d, stderr);
	assert_int_equal(err, YG_OK);
	return sp;
}

static void append_str(yg_spool *sp, const char *s, uint64_t want_seq)
{
	uint64_t seq = 0;
	assert_int_equal(yg_spool_append(sp, s, strlen(s), &seq), YG_OK);
	assert_int_equal(seq, want_seq);
}

static void test_append_peek_ack_reopen(void **state)
{
	(void)state;
	yg_spool *sp = open_ok(NULL, NULL);
	append_str(sp, "a", 1);
	append_str(sp, "bb", 2);
	append_str(sp, "ccc", 3);

	got_t g = {0};
	size_t n;
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 3);
	assert_int_equal(g.seqs[0], 1);
	assert_string_equal(g.recs[0], "a");
	assert_string_equal(g.recs[2], "ccc");

	/* peek is repeatable and honours after/max_records */
	memset(&g, 0, sizeof(g));
	assert_int_equal(yg_spool_peek(sp, 1, 1, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(g.seqs[0], 2);
	assert_string_equal(g.recs[0], "bb");
	/* the callback may stop early */
	memset(&g, 0, sizeof(g));
	g.stop_after = 1;
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 1);

	assert_int_equal(yg_spool_ack(sp, 2), YG_OK);
	assert_int_equal(yg_spool_ack(sp, 1), YG_OK); /* older ack: no-op */
	assert_int_equal(yg_spool_ack(sp, 4), YG_EINVAL);
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 3);
	assert_int_equal(st.acked_seq, 2);
	assert_int_equal(st.records_pending, 1);
	/* acked records are not delivered again even if asked for */
	memset(&g, 0, sizeof(g));
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(g.seqs[0], 3);
	yg_spool_close(sp);

	sp = open_ok(NULL, NULL);
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 3);
	assert_int_equal(st.acked_seq, 2);
	assert_int_equal(st.records_pending, 1);
	memset(&g, 0, sizeof(g));
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(g.recs[0], "ccc");
	append_str(sp, "", 4); /* empty records are records */
	memset(&g, 0, sizeof(g));
	assert_int_equal(yg_spool_peek(sp, 3, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(g.recs[0], "");
	/* everything acked: no segment left, seqs go on after a restart */
	assert_int_equal(yg_spool_ack(sp, 4), YG_OK);
	assert_int_equal(count_segments(), 0);
	yg_spool_close(sp);
	sp = open_ok(NULL, NULL);
	append_str(sp, "e", 5);
	yg_spool_close(sp);
}

static void test_second_open_refused(void **state)
{
	(void)state;
	yg_spool *sp = open_ok(NULL, NULL);
	yg_spool *sp2 = NULL;
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_spool_open(dir, NULL, d, &sp2), YG_EIO);
	assert_null(sp2);
	assert_int_equal(yg_diag_errors(d), 1);
	yg_diag_destroy(d);
	yg_spool_close(sp);
}

static void test_bad_input(void **state)
{
	(void)state;
	yg_spool_config cfg = {.max_bytes = 1024, .segment_bytes = 512};
	yg_spool *sp = NULL;
	assert_int_equal(yg_spool_open(dir, &cfg, NULL, &sp), YG_EINVAL);
	sp = open_ok(NULL, NULL);
	static char big[YG_SPOOL_MAX_RECORD + 1];
	assert_int_equal(yg_spool_append(sp, big, sizeof(big), NULL), YG_EINVAL);
	assert_int_equal(yg_spool_append(sp, big, sizeof(big) - 1, NULL), YG_OK);
	got_t g = {0};
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, NULL, &g, NULL), YG_EINVAL);
	yg_spool_close(sp);
}

static void test_segments_freed_by_ack(void **state)
{
	(void)state;
	/* 16 + 10 bytes a record, 100-byte segments: 3 records each */
	yg_spool_config cfg = {
	        .segment_bytes = 100, .fsync = YG_SPOOL_FSYNC_EVERY_N, .fsync_every = 2};
	yg_spool *sp = open_ok(&cfg, NULL);
	char rec[16];
	for (int i = 1; i <= 10; i++) {
		snprintf(rec, sizeof(rec), "record-%03d", i);
		append_str(sp, rec, (uint64_t)i);
	}
	assert_int_equal(count_segments(), 4);
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.segments, 4);
	assert_int_equal(st.bytes, 10 * 26);
	assert_int_equal(yg_spool_ack(sp, 5), YG_OK); /* frees 1..3 only */
	assert_int_equal(count_segments(), 3);
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.bytes, 7 * 26);
	assert_int_equal(st.records_pending, 5);
	assert_int_equal(yg_spool_ack(sp, 6), YG_OK);
	assert_int_equal(count_segments(), 2);
	yg_spool_close(sp);

	/* a lost state file: acked is taken from the oldest segment */
	char p[512];
	snprintf(p, sizeof(p), "%s/acked", dir);
	assert_int_equal(unlink(p), 0);
	sp = open_ok(&cfg, NULL);
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.acked_seq, 6);
	assert_int_equal(st.last_seq, 10);
	got_t g = {0};
	size_t n;
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 4);
	assert_string_equal(g.recs[0], "record-007");
	assert_string_equal(g.recs[3], "record-010");
	yg_spool_close(sp);
}

/* Truncates the file to `size` bytes. */
static void truncate_to(const char *p, off_t size)
{
	assert_int_equal(truncate(p, size), 0);
}

static void flip_byte(const char *p, off_t off)
{
	int fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static bool diag_has(const yg_diag *d, const char *needle)
{
	for (size_t i = 0; i < yg_diag_count(d); i++)
		if (strstr(yg_diag_get(d, i)->message, needle))
			return true;
	return false;
}

static void test_torn_tail(void **state)
{
	(void)state;
	yg_spool *sp = open_ok(NULL, NULL);
	for (int i = 1; i <= 5; i++)
		append_str(sp, "0123456789", (uint64_t)i);
	yg_spool_close(sp);
	char p[512];
	seg_path(p, sizeof(p), 1);
	truncate_to(p, 5 * 26 - 3); /* kill -9 in the middle of the 5th write */

	yg_diag *d = yg_diag_create();
	sp = open_ok(NULL, d);
	assert_int_equal(yg_diag_warnings(d), 1);
	assert_true(diag_has(d, "torn record"));
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 4);
	assert_int_equal(st.truncations, 1);
	assert_int_equal(st.truncated_bytes, 26 - 3);
	got_t g = {0};
	size_t n;
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(g.seqs[i], i + 1);
		assert_string_equal(g.recs[i], "0123456789");
	}
	append_str(sp, "new", 5); /* the torn record was never handed out */
	yg_spool_close(sp);
	yg_diag_destroy(d);

	/* a torn header (fewer than 16 bytes) */
	seg_path(p, sizeof(p), 5);
	truncate_to(p, 7);
	d = yg_diag_create();
	sp = open_ok(NULL, d);
	assert_true(diag_has(d, "torn record header"));
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 4);
	assert_int_equal(count_segments(), 1); /* the empty segment is gone */
	yg_spool_close(sp);
	yg_diag_destroy(d);
}

static void test_corrupt_byte(void **state)
{
	(void)state;
	yg_spool_config cfg = {.segment_bytes = 26 * 5};
	yg_spool *sp = open_ok(&cfg, NULL);
	for (int i = 1; i <= 10; i++)
		append_str(sp, "abcdefghij", (uint64_t)i);
	yg_spool_close(sp);
	assert_int_equal(count_segments(), 2);

	/* a flipped payload byte of record 8 (3rd of the 2nd segment) */
	char p[512];
	seg_path(p, sizeof(p), 6);
	flip_byte(p, 2 * 26 + 16 + 4);
	yg_diag *d = yg_diag_create();
	sp = open_ok(&cfg, d);
	assert_true(diag_has(d, "CRC mismatch"));
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 7);
	assert_int_equal(st.truncated_bytes, 3 * 26);
	yg_spool_close(sp);
	yg_diag_destroy(d);

	/* a flipped length byte in the first segment, which is not the last:
	 * that segment is cut, the next one is kept (a gap in seqs) */
	seg_path(p, sizeof(p), 1);
	flip_byte(p, 3 * 26 + 1);
	d = yg_diag_create();
	sp = open_ok(&cfg, d);
	assert_int_equal(yg_diag_warnings(d), 1);
	got_t g = {0};
	size_t n;
	assert_int_equal(yg_spool_peek(sp, 0, 0, 0, collect, &g, &n), YG_OK);
	assert_int_equal(n, 5);
	uint64_t want[] = {1, 2, 3, 6, 7};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(g.seqs[i], want[i]);
	append_str(sp, "x", 8);
	yg_spool_close(sp);
	yg_diag_destroy(d);

	/* a flipped seq byte: out of sequence */
	seg_path(p, sizeof(p), 8);
	flip_byte(p, 8);
	d = yg_diag_create();
	sp = open_ok(&cfg, d);
	assert_true(diag_has(d, "CRC mismatch") || diag_has(d, "out of sequence"));
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 7);
	yg_spool_close(sp);
	yg_diag_destroy(d);
}

static void test_full_bound(void **state)
{
	(void)state;
	const size_t rl = 64 * 1024;
	yg_spool_config cfg = {.max_bytes = YG_SPOOL_HEADER_BYTES + YG_SPOOL_MAX_RECORD,
	                       .segment_bytes = 4 * (rl + 16)};
	yg_spool *sp = open_ok(&cfg, NULL);
	char *rec = calloc(1, rl);
	assert_non_null(rec);
	uint64_t seq = 0;
	size_t fit = (size_t)(cfg.max_bytes / (rl + 16)); /* 15 */
	for (size_t i = 0; i < fit; i++)
		assert_int_equal(yg_spool_append(sp, rec, rl, &seq), YG_OK);
	assert_int_equal(yg_spool_append(sp, rec, rl, NULL), YG_ELIMIT);
	assert_int_equal(yg_spool_append(sp, rec, rl, NULL), YG_ELIMIT);
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.full_refusals, 2);
	assert_int_equal(st.last_seq, fit); /* nothing written by refusals */
	assert_true(st.bytes <= cfg.max_bytes);
	/* an ack that frees no whole segment frees no room */
	assert_int_equal(yg_spool_ack(sp, 3), YG_OK);
	assert_int_equal(yg_spool_append(sp, rec, rl, NULL), YG_ELIMIT);
	/* freeing a segment makes room for its records again */
	assert_int_equal(yg_spool_ack(sp, 4), YG_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(yg_spool_append(sp, rec, rl, &seq), YG_OK);
	assert_int_equal(seq, fit + 4);
	assert_int_equal(yg_spool_append(sp, rec, rl, NULL), YG_ELIMIT);
	yg_spool_close(sp);
	free(rec);
}

/* A sender: checks the records arrive in order, each once. */
typedef struct sender {
	uint64_t next; /* seq expected next */
	char buf[64];
} sender;

static int send_cb(void *ctx, uint64_t seq, const void *rec, size_t len)
{
	sender *s = ctx;
	assert_int_equal(seq, s->next);
	int n = snprintf(s->buf, sizeof(s->buf), "event %" PRIu64 " payload", seq);
	assert_int_equal(len, (size_t)n);
	assert_memory_equal(rec, s->buf, len);
	s->next++;
	return 0;
}

static void test_million(void **state)
{
	(void)state;
	yg_spool_config cfg = {
	        .max_bytes = 64u << 20, .segment_bytes = 4u << 20, .fsync = YG_SPOOL_FSYNC_MANUAL};
	yg_spool *sp = open_ok(&cfg, NULL);
	sender snd = {.next = 1};
	char rec[64];
	uint64_t max_segments = 0;
	const uint64_t total = 1000000;
	for (uint64_t i = 1; i <= total; i++) {
		int n = snprintf(rec, sizeof(rec), "event %" PRIu64 " payload", i);
		uint64_t seq;
		assert_int_equal(yg_spool_append(sp, rec, (size_t)n, &seq), YG_OK);
		assert_int_equal(seq, i);
		if (i % 10000 == 0) {
			/* the sender trails by a batch, the acks by another */
			size_t got;
			assert_int_equal(yg_spool_peek(sp, snd.next - 1, 8000, 1u << 20, send_cb,
			                               &snd, &got),
			                 YG_OK);
			if (snd.next > 200001)
				assert_int_equal(yg_spool_ack(sp, snd.next - 200001), YG_OK);
			yg_spool_stats st;
			yg_spool_stats_get(sp, &st);
			if (st.segments > max_segments)
				max_segments = st.segments;
		}
		if (i == total / 2) { /* a restart in the middle */
			yg_spool_close(sp);
			sp = open_ok(&cfg, NULL);
			yg_spool_stats st;
			yg_spool_stats_get(sp, &st);
			assert_int_equal(st.last_seq, i);
			/* unacked records are sent again: the manager dedupes */
			snd.next = st.acked_seq + 1;
		}
	}
	assert_true(max_segments >= 3);
	size_t got;
	do {
		assert_int_equal(yg_spool_peek(sp, snd.next - 1, 0, 0, send_cb, &snd, &got), YG_OK);
	} while (got > 0);
	assert_int_equal(snd.next, total + 1);
	assert_int_equal(yg_spool_ack(sp, total), YG_OK);
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.records_pending, 0);
	assert_int_equal(st.segments, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(count_segments(), 0);
	yg_spool_close(sp);
}

/* ---- state frames ---- */

static void put_state_str(yg_spool *sp, const char *s)
{
	assert_int_equal(yg_spool_put_state(sp, s, strlen(s)), YG_OK);
}

static void expect_state(yg_spool *sp, const char *want)
{
	const void *blob = NULL;
	size_t len = 99;
	if (!want) {
		assert_int_equal(yg_spool_state(sp, &blob, &len), YG_ENOTFOUND);
		assert_null(blob);
		assert_int_equal(len, 0);
		return;
	}
	assert_int_equal(yg_spool_state(sp, &blob, &len), YG_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(blob, want, len);
}

/* Peeks everything after `after` and checks the seqs are after+1.. in
 * order with the given payloads. */
static void expect_records(yg_spool *sp, uint64_t after, const char *const *want, size_t n)
{
	got_t g = {0};
	size_t got;
	assert_int_equal(yg_spool_peek(sp, after, 0, 0, collect, &g, &got), YG_OK);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(g.seqs[i], after + 1 + i);
		assert_string_equal(g.recs[i], want[i]);
	}
}

#define EXPECT_RECS(sp, after, ...)                                                                \
	do {                                                                                       \
		const char *const w_[] = {__VA_ARGS__};                                            \
		expect_records(sp, after, w_, sizeof(w_) / sizeof(w_[0]));                         \
	} while (0)

static void test_state_interleaved(void **state)
{
	(void)state;
	yg_spool *sp = open_ok(NULL, NULL);
	expect_state(sp, NULL);
	static char big[YG_SPOOL_MAX_STATE + 1];
	assert_int_equal(yg_spool_put_state(sp, big, sizeof(big)), YG_EINVAL);
	assert_int_equal(yg_spool_put_state(sp, NULL, 1), YG_EINVAL);
	put_state_str(sp, "s0"); /* before any record */
	append_str(sp, "r1", 1);
	append_str(sp, "r2", 2);
	put_state_str(sp, "s1");
	append_str(sp, "r3", 3);
	put_state_str(sp, "s2");
	put_state_str(sp, "s2"); /* the same, nothing appended since: no-op */
	expect_state(sp, "s2");
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 3);
	assert_int_equal(st.state_frames, 3);
	assert_int_equal(st.state_bytes, 3 * 18);
	assert_int_equal(st.bytes, 6 * 18);
	assert_int_equal(st.state_seq, 3);
	assert_int_equal(st.committed_seq, 3);
	assert_int_equal(st.records_pending, 3);
	/* peek never returns a state frame, in one go or one by one */
	EXPECT_RECS(sp, 0, "r1", "r2", "r3");
	for (uint64_t after = 0; after < 3; after++) {
		got_t g = {0};
		size_t n;
		assert_int_equal(yg_spool_peek(sp, after, 1, 0, collect, &g, &n), YG_OK);
		assert_int_equal(n, 1);
		assert_int_equal(g.seqs[0], after + 1);
	}
	assert_int_equal(yg_spool_sync(sp), YG_OK);
	yg_spool_close(sp);

	/* the latest state is found again; seqs go on */
	yg_diag *d = yg_diag_create();
	sp = open_ok(NULL, d);
	assert_int_equal(yg_diag_count(d), 0);
	expect_state(sp, "s2");
	append_str(sp, "r4", 4);
	put_state_str(sp, ""); /* an empty state is a state */
	expect_state(sp, "");
	append_str(sp, "r5", 5);
	EXPECT_RECS(sp, 2, "r3", "r4", "r5");
	yg_spool_close(sp);
	sp = open_ok(NULL, d);
	expect_state(sp, "");
	EXPECT_RECS(sp, 0, "r1", "r2", "r3", "r4", "r5");
	yg_spool_close(sp);
	yg_diag_destroy(d);
}

static void test_state_torn_tail(void **state)
{
	(void)state;
	yg_spool *sp = open_ok(NULL, NULL);
	append_str(sp, "r1", 1);
	put_state_str(sp, "first state");
	append_str(sp, "r2", 2);
	append_str(sp, "r3", 3);
	put_state_str(sp, "second state, longer");
	yg_spool_close(sp);
	char p[512];
	seg_path(p, sizeof(p), 1);
	struct stat stt;
	assert_int_equal(stat(p, &stt), 0);
	/* kill -9 in the middle of writing the second state frame */
	truncate_to(p, stt.st_size - 5);
	yg_diag *d = yg_diag_create();
	sp = open_ok(NULL, d);
	assert_true(diag_has(d, "torn record"));
	expect_state(sp, "first state"); /* the previous one */
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 3); /* without state_commits records stay */
	assert_int_equal(st.state_seq, 1);
	assert_int_equal(st.truncated_bytes, 16 + 20 - 5);
	EXPECT_RECS(sp, 0, "r1", "r2", "r3");
	yg_spool_close(sp);
	yg_diag_destroy(d);

	/* with state_commits, the records after the latest intact state
	 * frame were never committed (so never handed out): dropped, and
	 * their seqs reused */
	rm_dir_files(dir);
	yg_spool_config cfg = {.state_commits = true};
	sp = open_ok(&cfg, NULL);
	append_str(sp, "r1", 1);
	put_state_str(sp, "first state");
	append_str(sp, "r2", 2);
	append_str(sp, "r3", 3);
	put_state_str(sp, "second state");
	append_str(sp, "r4", 4);
	append_str(sp, "r5", 5);
	put_state_str(sp, "third state, to be torn");
	yg_spool_close(sp);
	assert_int_equal(stat(p, &stt), 0);
	truncate_to(p, stt.st_size - 38); /* one byte of the frame left */
	d = yg_diag_create();
	sp = open_ok(&cfg, d);
	assert_true(diag_has(d, "torn record header"));
	assert_true(diag_has(d, "2 records after the latest state frame were not committed"));
	expect_state(sp, "second state");
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 3);
	assert_int_equal(st.committed_seq, 3);
	assert_int_equal(st.uncommitted_dropped, 2);
	EXPECT_RECS(sp, 0, "r1", "r2", "r3");
	append_str(sp, "r4 again", 4);
	put_state_str(sp, "fourth state");
	EXPECT_RECS(sp, 0, "r1", "r2", "r3", "r4 again");
	yg_spool_close(sp);
	yg_diag_destroy(d);
	sp = open_ok(&cfg, NULL);
	expect_state(sp, "fourth state");
	EXPECT_RECS(sp, 0, "r1", "r2", "r3", "r4 again");
	yg_spool_close(sp);
}

/* Does a file of that name exist in the spool directory? */
static bool has_file(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void test_state_survives_ack(void **state)
{
	(void)state;
	/* 16 + 10 bytes a record, 100-byte segments */
	yg_spool_config cfg = {.segment_bytes = 100};
	yg_spool *sp = open_ok(&cfg, NULL);
	char rec[16];
	for (int i = 1; i <= 2; i++) {
		snprintf(rec, sizeof(rec), "record-%03d", i);
		append_str(sp, rec, (uint64_t)i);
	}
	put_state_str(sp, "state A"); /* 23 bytes: segment 1 holds 75 */
	for (int i = 3; i <= 8; i++) {
		snprintf(rec, sizeof(rec), "record-%03d", i);
		append_str(sp, rec, (uint64_t)i);
	}
	assert_int_equal(count_segments(), 3);
	assert_false(has_file("state"));
	/* the ack deletes the segment of the latest state frame: the state
	 * goes to the state file first */
	assert_int_equal(yg_spool_ack(sp, 6), YG_OK);
	assert_int_equal(count_segments(), 1);
	assert_true(has_file("state"));
	expect_state(sp, "state A");
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.state_frames, 0);
	assert_int_equal(st.state_seq, 2);
	assert_int_equal(st.bytes, 3 * 26); /* segment 6: records 6..8 */
	yg_spool_close(sp);
	sp = open_ok(&cfg, NULL);
	expect_state(sp, "state A");
	EXPECT_RECS(sp, 6, "record-007", "record-008");
	/* a newer state frame wins over the file */
	put_state_str(sp, "state B");
	yg_spool_close(sp);
	sp = open_ok(&cfg, NULL);
	expect_state(sp, "state B");
	/* everything acked: no segment, the state is in the file */
	assert_int_equal(yg_spool_ack(sp, 8), YG_OK);
	assert_int_equal(count_segments(), 0);
	expect_state(sp, "state B");
	yg_spool_close(sp);
	sp = open_ok(&cfg, NULL);
	expect_state(sp, "state B");
	append_str(sp, "record-009", 9);
	put_state_str(sp, "state C");
	yg_spool_close(sp);

	/* a damaged state file is ignored when a newer frame exists... */
	char p[512];
	snprintf(p, sizeof(p), "%s/state", dir);
	flip_byte(p, 30);
	yg_diag *d = yg_diag_create();
	sp = open_ok(&cfg, d);
	assert_int_equal(yg_diag_count(d), 0);
	expect_state(sp, "state C");
	/* ...and reported when it is the only state */
	assert_int_equal(yg_spool_ack(sp, 9), YG_OK); /* file now holds C */
	yg_spool_close(sp);
	flip_byte(p, 30);
	sp = open_ok(&cfg, d);
	assert_true(diag_has(d, "damaged state file"));
	expect_state(sp, NULL);
	yg_spool_close(sp);
	yg_diag_destroy(d);
}

static void test_state_run_bounded(void **state)
{
	(void)state;
	yg_spool *sp = open_ok(NULL, NULL);
	append_str(sp, "r1", 1);
	char s[32];
	yg_spool_stats st;
	/* a state changing without records (say, filtered lines moved the
	 * positions) keeps at most two frames after the last record */
	for (int i = 0; i < 1000; i++) {
		snprintf(s, sizeof(s), "state-%04d", i);
		put_state_str(sp, s);
		yg_spool_stats_get(sp, &st);
		assert_true(st.state_frames <= 2);
	}
	assert_int_equal(st.bytes, 18 + 2 * 26);
	expect_state(sp, "state-0999");
	yg_spool_close(sp);
	sp = open_ok(NULL, NULL);
	expect_state(sp, "state-0999");
	/* the same in a segment of state frames only (all records acked) */
	assert_int_equal(yg_spool_ack(sp, 1), YG_OK);
	assert_int_equal(count_segments(), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(s, sizeof(s), "only-%04d", i);
		put_state_str(sp, s);
	}
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.state_frames, 2);
	assert_int_equal(st.segments, 1);
	yg_spool_close(sp);
	sp = open_ok(NULL, NULL);
	expect_state(sp, "only-0099");
	/* records go on in that segment (it is named after the next seq) */
	append_str(sp, "r2", 2);
	put_state_str(sp, "after r2");
	assert_int_equal(count_segments(), 1);
	yg_spool_close(sp);
	sp = open_ok(NULL, NULL);
	expect_state(sp, "after r2");
	EXPECT_RECS(sp, 1, "r2");
	yg_spool_close(sp);
}

static void test_state_bound(void **state)
{
	(void)state;
	const size_t rl = 64 * 1024;
	yg_spool_config cfg = {.max_bytes = YG_SPOOL_HEADER_BYTES + YG_SPOOL_MAX_RECORD,
	                       .segment_bytes = 4 * (rl + 16)};
	yg_spool *sp = open_ok(&cfg, NULL);
	char *rec = calloc(1, rl);
	assert_non_null(rec);
	size_t fit = (size_t)(cfg.max_bytes / (rl + 16)); /* 15 */
	for (size_t i = 0; i < fit; i++)
		assert_int_equal(yg_spool_append(sp, rec, rl, NULL), YG_OK);
	/* fill up to 500 bytes below the bound */
	size_t last = (size_t)(cfg.max_bytes - fit * (rl + 16)) - 16 - 500;
	assert_int_equal(yg_spool_append(sp, rec, last, NULL), YG_OK);
	assert_int_equal(yg_spool_append(sp, rec, 500, NULL), YG_ELIMIT);
	/* the state covering those records is accepted past the bound... */
	char *blob = calloc(1, 1000);
	assert_non_null(blob);
	assert_int_equal(yg_spool_put_state(sp, blob, 1000), YG_OK);
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_true(st.bytes > cfg.max_bytes);
	assert_int_equal(st.bytes, cfg.max_bytes - 500 + YG_SPOOL_HEADER_BYTES + 1000);
	/* ...a state covering nothing new must fit */
	blob[0] = 1;
	assert_int_equal(yg_spool_put_state(sp, blob, 1000), YG_ELIMIT);
	assert_int_equal(yg_spool_append(sp, "x", 1, NULL), YG_ELIMIT);
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.full_refusals, 3);
	assert_int_equal(st.state_frames, 1);
	/* an ack freeing a segment makes room again */
	assert_int_equal(yg_spool_ack(sp, 4), YG_OK);
	assert_int_equal(yg_spool_put_state(sp, blob, 1000), YG_OK);
	assert_int_equal(yg_spool_append(sp, rec, rl, NULL), YG_OK);
	yg_spool_close(sp);
	free(blob);
	free(rec);
}

static void test_state_commits(void **state)
{
	(void)state;
	yg_spool_config cfg = {.state_commits = true, .segment_bytes = 100};
	yg_spool *sp = open_ok(&cfg, NULL);
	/* no state ever: every record is committed */
	append_str(sp, "r1", 1);
	EXPECT_RECS(sp, 0, "r1");
	put_state_str(sp, "S1");
	append_str(sp, "r2", 2);
	append_str(sp, "r3", 3);
	/* r2 and r3 wait for the next state */
	EXPECT_RECS(sp, 0, "r1");
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.committed_seq, 1);
	assert_int_equal(st.last_seq, 3);
	assert_int_equal(yg_spool_ack(sp, 2), YG_EINVAL);
	put_state_str(sp, "S2");
	EXPECT_RECS(sp, 0, "r1", "r2", "r3");
	assert_int_equal(yg_spool_ack(sp, 2), YG_OK);
	for (int i = 4; i <= 9; i++)
		append_str(sp, "rX", (uint64_t)i); /* across segments */
	EXPECT_RECS(sp, 2, "r3");
	yg_spool_close(sp); /* a clean close commits nothing */

	yg_diag *d = yg_diag_create();
	sp = open_ok(&cfg, d);
	assert_true(diag_has(d, "6 records after the latest state frame were not committed"));
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 3);
	assert_int_equal(st.uncommitted_dropped, 6);
	assert_int_equal(st.acked_seq, 2);
	expect_state(sp, "S2");
	append_str(sp, "r4", 4); /* seq reused: r4..r9 were never handed out */
	put_state_str(sp, "S3");
	EXPECT_RECS(sp, 2, "r3", "r4");
	yg_spool_close(sp);
	yg_diag_destroy(d);

	/* a spool used without state_commits whose records after the state
	 * were acked: reopened with it, the acked ones are kept */
	yg_spool_config plain = {.segment_bytes = 100};
	sp = open_ok(&plain, NULL);
	append_str(sp, "r5", 5);
	append_str(sp, "r6", 6);
	assert_int_equal(yg_spool_ack(sp, 5), YG_OK);
	yg_spool_close(sp);
	d = yg_diag_create();
	sp = open_ok(&cfg, d);
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.last_seq, 5);
	assert_int_equal(st.uncommitted_dropped, 1);
	yg_spool_close(sp);
	yg_diag_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_append_peek_ack_reopen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_second_open_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_segments_freed_by_ack, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_corrupt_byte, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_full_bound, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_million, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_interleaved, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_torn_tail, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_survives_ack, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_run_bounded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_bound, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_commits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
