/* fuzz_agentcfg.c: the agent's configuration reader (<client> with its
 * <server>s, <client_buffer>, <labels>, and the blocks it hands to its
 * modules) on arbitrary text. The reader takes file names, so the input is
 * written to a memfd and read through /proc/self/fd; nothing is started. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("agentcfg", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		const char *files[] = {path};
		yg_diag *d = yg_diag_create();
		yg_agent_config cfg;
		yg_agent_config_read(&cfg, files, 1, d);
		for (size_t i = 0; i < cfg.nlabels; i++)
			if (!cfg.labels[i].key[0] || cfg.labels[i].key[0] == '_')
				__builtin_trap(); /* never kept */
		yg_agent_config_free(&cfg);
		yg_diag_destroy(d);
	}
	close(fd);
	return 0;
}
