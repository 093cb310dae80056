/* fuzz_archive.c: archives.json lines (yagura replay --log-format archives)
 * on arbitrary bytes; an accepted line gives a log and times in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/archive_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_archived *a = yg_archived_create();
	if (!a)
		return 0;
	yg_input in;
	if (yg_archived_parse(a, (const char *)data, size, &in) == YG_OK) {
		if (!in.log || in.now < 0 || in.origin_time < 0)
			abort();
		(void)strlen(in.log);
	}
	char ts[64];
	size_t n = size < sizeof(ts) - 1 ? size : sizeof(ts) - 1;
	memcpy(ts, data, n);
	ts[n] = '\0';
	(void)yg_archived_time(ts);
	yg_archived_destroy(a);
	return 0;
}
