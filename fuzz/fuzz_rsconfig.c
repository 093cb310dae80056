/* fuzz_rsconfig.c: the engine's ossec.conf reader (<ruleset> blocks and the
 * GeoIP options of <global> and <alerts>) on arbitrary text. The input goes
 * through an anonymous memory file, as the reader takes a path; nothing the
 * text names is opened (no ruleset is loaded). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_rsconfig", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	yg_diag *diag = yg_diag_create();
	yg_ruleset_config *cfg = yg_ruleset_config_create("/nonexistent");
	if (diag && cfg) {
		yg_ruleset_config_read(cfg, path, diag);
		yg_ruleset_config_read_geoip(cfg, path, diag);
	}
	yg_ruleset_config_destroy(cfg);
	yg_diag_destroy(diag);
	close(fd);
	return 0;
}
