/* fuzz_syslogframe.c: any bytes as a TCP syslog stream (RFC 6587 framing,
 * src/manager/syslog_frame.c). The first byte picks the message bound and
 * the split of the rest into pushes. Checks: every byte is consumed, no
 * message is longer than the bound, and the messages are the same whether
 * the stream comes in one push or cut at arbitrary places (the framer keeps
 * no state outside itself). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manager/syslog_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct out {
	char *b;
	size_t len, n;
} out;

/* Appends each message as u32 length + bytes. */
static void keep(out *o, const char *m, size_t len)
{
	o->b = realloc(o->b, o->len + 4 + len);
	if (!o->b)
		abort();
	uint32_t l = (uint32_t)len;
	memcpy(o->b + o->len, &l, 4);
	memcpy(o->b + o->len + 4, m, len);
	o->len += 4 + len;
	o->n++;
}

/* Runs the stream through a framer, pushing `step` bytes at a time (0: all
 * at once); the steps vary with `seed`. */
static void run(const uint8_t *d, size_t n, size_t max, unsigned seed, out *o)
{
	yg_sframe f;
	if (yg_sframe_init(&f, max) != YG_OK)
		abort();
	size_t pos = 0;
	while (pos < n) {
		size_t step = seed ? 1 + (seed + pos * 7) % 13 : n - pos;
		if (step > n - pos)
			step = n - pos;
		size_t used = 0;
		while (used < step) {
			const char *m;
			size_t len;
			if (yg_sframe_take(&f, &m, &len)) {
				if (len > max || m[len] != '\0')
					abort();
				keep(o, m, len);
				yg_sframe_pop(&f);
				continue;
			}
			size_t k = yg_sframe_push(&f, (const char *)d + pos + used, step - used);
			if (k == 0 && !f.ready)
				abort(); /* no progress without a message */
			used += k;
		}
		pos += step;
	}
	const char *m;
	size_t len;
	while (yg_sframe_take(&f, &m, &len) ||
	       (yg_sframe_finish(&f) && yg_sframe_take(&f, &m, &len))) {
		if (len > max)
			abort();
		keep(o, m, len);
		yg_sframe_pop(&f);
	}
	yg_sframe_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max = 16 + (size_t)(data[0] % 64) * (data[0] & 0x80 ? 64 : 1);
	out a = {0}, b = {0};
	run(data + 1, size - 1, max, 0, &a);
	run(data + 1, size - 1, max, (unsigned)data[0] | 1u, &b);
	if (a.n != b.n || a.len != b.len || (a.len && memcmp(a.b, b.b, a.len) != 0))
		abort();
	free(a.b);
	free(b.b);
	return 0;
}
