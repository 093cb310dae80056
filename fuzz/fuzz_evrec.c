/* fuzz_evrec.c: the event record decoder on arbitrary bytes; whatever it
 * accepts must encode back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/evrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_evrec r;
	yg_evrec_init(&r);
	yg_input in;
	if (yg_evrec_decode(&r, data, size, &in) == YG_OK) {
		yg_buf b;
		yg_buf_init(&b, size + 16);
		if (yg_evrec_encode(&in, &b) != YG_OK || b.len != size ||
		    memcmp(b.data, data, size))
			abort();
		yg_buf_free(&b);
	}
	yg_evrec_free(&r);
	return 0;
}
