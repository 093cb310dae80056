/* fuzz_frame.c: the transport's frame decoder and payload parsers on
 * arbitrary bytes, fed in uneven pieces (the first byte picks the piece
 * size) so every split point of the incremental decoder is exercised. */
#include <stdint.h>
#include <stdlib.h>

#include "transport/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_payload(const yg_frame *f)
{
	uint64_t a, id;
	uint32_t n;
	const uint8_t *t;
	size_t tl;
	switch (f->type) {
	case YG_FRAME_EVENTS: {
		size_t max = yg_frame_events_max_records(f->len);
		yg_tbuf *recs = calloc(max ? max : 1, sizeof(*recs));
		if (recs && yg_frame_parse_events(f->payload, f->len, &a, &n, recs, max) == YG_OK) {
			volatile uint8_t sink = 0;
			for (uint32_t i = 0; i < n; i++)
				if (recs[i].len)
					sink ^= recs[i].data[recs[i].len - 1];
			(void)sink;
		}
		free(recs);
		break;
	}
	case YG_FRAME_ACK: (void)yg_frame_parse_u64(f->payload, f->len, &a); break;
	default: (void)yg_frame_parse_id_text(f->payload, f->len, &id, &t, &tl); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	yg_frame_dec *d = yg_frame_dec_create();
	if (!d)
		return 0;
	while (size > 0) {
		size_t n = size < step ? size : step, used;
		if (yg_frame_dec_feed(d, data, n, &used) != YG_OK)
			break;
		data += used;
		size -= used;
		yg_frame f;
		yg_err e;
		while ((e = yg_frame_dec_next(d, &f)) == YG_OK)
			parse_payload(&f);
		if (e != YG_ENOTFOUND)
			break;
	}
	yg_frame_dec_destroy(d);
	return 0;
}
