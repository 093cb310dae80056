/* fuzz_jsondec.c: the JSON decoder on arbitrary text, with each option
 * set. Checks that fields come out NUL-terminated and that a document
 * either parses in every mode or in none. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsondec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int field(void *ctx, const char *key, const char *value)
{
	size_t *total = ctx;
	*total += strlen(key) + strlen(value);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	static const yg_json_opts opts[] = {
	        {YG_JSON_NULL_STRING, true},
	        {YG_JSON_NULL_DISCARD, false},
	        {YG_JSON_NULL_EMPTY, true},
	};
	yg_err first = YG_OK;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		size_t total = 0;
		yg_err err = yg_json_decode(text, &opts[i], field, &total);
		if (i == 0)
			first = err;
		else if ((err == YG_EPARSE) != (first == YG_EPARSE))
			abort();
	}
	free(text);
	return 0;
}
