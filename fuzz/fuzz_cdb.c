/* fuzz_cdb.c: list text of any shape, then lookups of keys taken from the
 * same input. Checks that lookups agree with each other. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_diag *diag = yg_diag_create();
	yg_list *l = NULL;
	if (yg_list_load_mem((const char *)data, size, "fuzz", diag, &l) != YG_OK) {
		yg_diag_destroy(diag);
		return 0;
	}
	/* every line's text before its first ':' as a key and as an address */
	char key[256];
	size_t pos = 0;
	while (pos < size) {
		size_t n = 0;
		while (pos + n < size && n < sizeof(key) - 1 && data[pos + n] != '\n' &&
		       data[pos + n] != ':' && data[pos + n] != '\0')
			n++;
		memcpy(key, data + pos, n);
		key[n] = '\0';
		const char *v1 = NULL, *v2 = NULL;
		bool exact = yg_list_get(l, key, &v1);
		bool addr = yg_list_get_address(l, key, &v2);
		if (exact && (!addr || strcmp(v1, v2) != 0))
			abort();
		const char *nl = memchr(data + pos, '\n', size - pos);
		pos = nl ? (size_t)(nl - (const char *)data) + 1 : size;
	}
	yg_list_destroy(l);
	yg_diag_destroy(diag);
	return 0;
}
