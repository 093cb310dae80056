/* fuzz_predecode.c: the syslog header pre-decoder on arbitrary lines.
 * Checks that every span it returns lies inside the line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/predecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *line, size_t len, yg_span s)
{
	if (s.ptr && (s.ptr < line || s.ptr + s.len > line + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	size_t len = strlen(line);
	yg_predecoded pd;
	bool hdr = yg_syslog_predecode(line, &pd);
	inside(line, len, (yg_span){pd.message, pd.message_len});
	inside(line, len, pd.timestamp);
	inside(line, len, pd.hostname);
	inside(line, len, pd.program_name);
	inside(line, len, pd.pid);
	if (!hdr && (pd.message != line || pd.message_len != len))
		abort();
	free(line);
	return 0;
}
