/* fuzz_yaracfg.c: the <yara> block reader on arbitrary text; no rules are
 * compiled and nothing is scanned. */
#include "fuzz_conf.h"
#include "yarascan/yarascan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each(void *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	yg_yarascan_config_add_yara(cfg, n, "fuzz", diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_yarascan_config *cfg = yg_yarascan_config_create();
	fuzz_conf_run(data, size, cfg, each);
	yg_yarascan_config_destroy(cfg);
	return 0;
}
