/* test_frame.c: frame encoding/decoding round trips, split input, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/frame.h"
#include "tsupport.h"

static void build_sample(yg_buf *b)
{
	size_t st;
	assert_int_equal(yg_frame_encode(b, YG_FRAME_HELLO, false, 0, "{\"name\":\"a\"}", 12),
	                 YG_OK);
	assert_int_equal(yg_frame_begin(b, YG_FRAME_EVENTS, &st), YG_OK);
	assert_int_equal(yg_frame_put_u64(b, 10), YG_OK);
	assert_int_equal(yg_frame_put_u32(b, 3), YG_OK);
	assert_int_equal(yg_frame_put_record(b, "one", 3), YG_OK);
	assert_int_equal(yg_frame_put_record(b, "", 0), YG_OK);
	assert_int_equal(yg_frame_put_record(b, "three", 5), YG_OK);
	assert_int_equal(yg_frame_end(b, st), YG_OK);
	uint8_t ack[8] = {0, 0, 0, 0, 0, 0, 1, 2};
	assert_int_equal(yg_frame_encode(b, YG_FRAME_ACK, false, 0, ack, 8), YG_OK);
	assert_int_equal(yg_frame_encode(b, YG_FRAME_AR_REQUEST, true, 77, "{}", 2), YG_OK);
}

static void check_frames(yg_frame_dec *d, int *seen)
{
	yg_frame f;
	while (yg_frame_dec_next(d, &f) == YG_OK) {
		uint64_t v;
		uint32_t n;
		yg_tbuf recs[8];
		const uint8_t *t;
		size_t tl;
		switch (*seen) {
		case 0:
			assert_int_equal(f.type, YG_FRAME_HELLO);
			assert_int_equal(f.len, 12);
			assert_memory_equal(f.payload, "{\"name\":\"a\"}", 12);
			break;
		case 1:
			assert_int_equal(f.type, YG_FRAME_EVENTS);
			assert_int_equal(yg_frame_parse_events(f.payload, f.len, &v, &n, recs, 8),
			                 YG_OK);
			assert_int_equal(v, 10);
			assert_int_equal(n, 3);
			assert_int_equal(recs[0].len, 3);
			assert_memory_equal(recs[0].data, "one", 3);
			assert_int_equal(recs[1].len, 0);
			assert_memory_equal(recs[2].data, "three", 5);
			/* a too small array is refused, never overrun */
			assert_int_equal(yg_frame_parse_events(f.payload, f.len, &v, &n, recs, 2),
			                 YG_EPARSE);
			break;
		case 2:
			assert_int_equal(f.type, YG_FRAME_ACK);
			assert_int_equal(yg_frame_parse_u64(f.payload, f.len, &v), YG_OK);
			assert_int_equal(v, 258);
			break;
		case 3:
			assert_int_equal(f.type, YG_FRAME_AR_REQUEST);
			assert_int_equal(yg_frame_parse_id_text(f.payload, f.len, &v, &t, &tl),
			                 YG_OK);
			assert_int_equal(v, 77);
			assert_int_equal(tl, 2);
			break;
		default: fail();
		}
		(*seen)++;
	}
}

/* Every split size, from one byte at a time to all at once. */
static void test_round_trip_split(void **state)
{
	(void)state;
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	build_sample(&b);
	for (size_t step = 1; step <= b.len; step++) {
		yg_frame_dec *d = yg_frame_dec_create();
		assert_non_null(d);
		int seen = 0;
		size_t off = 0;
		while (off < b.len) {
			size_t n = b.len - off < step ? b.len - off : step, used;
			assert_int_equal(yg_frame_dec_feed(d, b.data + off, n, &used), YG_OK);
			off += used;
			check_frames(d, &seen);
		}
		check_frames(d, &seen);
		assert_int_equal(seen, 4);
		yg_frame_dec_destroy(d);
	}
	yg_buf_free(&b);
}

static yg_err feed_all(yg_frame_dec *d, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t used;
		yg_err e = yg_frame_dec_feed(d, p, len, &used);
		if (e)
			return e;
		p += used;
		len -= used;
		yg_frame f;
		while ((e = yg_frame_dec_next(d, &f)) == YG_OK)
			;
		if (e != YG_ENOTFOUND)
			return e;
	}
	return YG_OK;
}

static void test_garbage(void **state)
{
	(void)state;
	/* length above 1 MiB: refused from the header alone, nothing buffered */
	uint8_t big[5] = {0x00, 0x10, 0x00, 0x01, YG_FRAME_EVENTS};
	yg_frame_dec *d = yg_frame_dec_create();
	assert_int_equal(feed_all(d, big, 5), YG_ELIMIT);
	assert_string_equal(yg_frame_dec_error(d), "frame larger than 1 MiB");
	yg_frame_dec_destroy(d);

	uint8_t zero[5] = {0, 0, 0, 0, 1};
	d = yg_frame_dec_create();
	assert_int_equal(feed_all(d, zero, 5), YG_EPARSE);
	yg_frame_dec_destroy(d);

	uint8_t badtype[6] = {0, 0, 0, 2, 200, 1};
	d = yg_frame_dec_create();
	assert_int_equal(feed_all(d, badtype, 6), YG_EPARSE);
	assert_string_equal(yg_frame_dec_error(d), "unknown frame type");
	yg_frame_dec_destroy(d);

	/* 6 was AR_RESULT: removed (results travel as spooled events) */
	uint8_t retired[14] = {0, 0, 0, 10, 6, 0, 0, 0, 0, 0, 0, 0, 7, '{'};
	d = yg_frame_dec_create();
	assert_int_equal(feed_all(d, retired, 14), YG_EPARSE);
	assert_string_equal(yg_frame_dec_error(d), "unknown frame type");
	yg_frame_dec_destroy(d);

	/* exactly 1 MiB is allowed */
	yg_buf b;
	yg_buf_init(&b, YG_FRAME_MAX + 16);
	char *blob = calloc(1, YG_FRAME_MAX - 1);
	assert_int_equal(yg_frame_encode(&b, YG_FRAME_ERROR, false, 0, blob, YG_FRAME_MAX - 1),
	                 YG_OK);
	assert_int_equal(yg_frame_encode(&b, YG_FRAME_ERROR, false, 0, blob, YG_FRAME_MAX),
	                 YG_ELIMIT);
	d = yg_frame_dec_create();
	assert_int_equal(feed_all(d, (uint8_t *)b.data, b.len), YG_OK);
	yg_frame_dec_destroy(d);
	free(blob);
	yg_buf_free(&b);

	/* EVENTS payloads that lie about their records */
	uint8_t ev[32] = {0};
	uint64_t fs;
	uint32_t n;
	yg_tbuf recs[8];
	ev[7] = 1;
	ev[11] = 1;   /* one record */
	ev[15] = 200; /* of 200 bytes, but only 4 follow */
	assert_int_equal(yg_frame_parse_events(ev, 20, &fs, &n, recs, 8), YG_EPARSE);
	ev[15] = 4;
	assert_int_equal(yg_frame_parse_events(ev, 20, &fs, &n, recs, 8), YG_OK);
	assert_int_equal(yg_frame_parse_events(ev, 21, &fs, &n, recs, 8), YG_EPARSE); /* trailing */
	ev[7] = 0; /* seq 0 is not a seq */
	assert_int_equal(yg_frame_parse_events(ev, 20, &fs, &n, recs, 8), YG_EPARSE);
	assert_int_equal(yg_frame_parse_u64(ev, 7, &fs), YG_EPARSE);

	/* random bytes never crash */
	srand(1234);
	uint8_t rnd[4096];
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)rand() % sizeof(rnd);
		for (size_t i = 0; i < len; i++)
			rnd[i] = (uint8_t)rand();
		if (len > 4 && round % 2) { /* plausible small headers */
			rnd[0] = rnd[1] = 0;
			rnd[4] = (uint8_t)(1 + rand() % 9);
		}
		d = yg_frame_dec_create();
		(void)feed_all(d, rnd, len);
		yg_frame_dec_destroy(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip_split),
	        cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
