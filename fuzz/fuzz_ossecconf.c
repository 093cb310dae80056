/* fuzz_ossecconf.c: the manager's whole ossec.conf reader (every block
 * dispatched to its module, then the cross-block checks) and the printer
 * of `-t --print` on arbitrary text. The reader takes file names, so the input is written to a
 * private temporary file first. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "manager/manager.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/yg-fuzz-ossecconf-%ld.conf", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	yg_diag *diag = yg_diag_create();
	const char *conf[] = {path};
	yg_manager_config cfg;
	if (diag) {
		yg_err err =
		        yg_manager_config_read(&cfg, conf, 1, "/nonexistent-yagura-home", diag);
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			if (err != YG_ENOMEM)
				yg_manager_config_print(&cfg, null);
			yg_diag_print(diag, null);
			fclose(null);
		}
		yg_manager_config_free(&cfg);
	}
	yg_diag_destroy(diag);
	unlink(path);
	return 0;
}
