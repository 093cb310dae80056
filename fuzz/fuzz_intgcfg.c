/* fuzz_intgcfg.c: the <integration> block reader on arbitrary text;
 * nothing is delivered. */
#include "fuzz_conf.h"
#include "integrations/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each(void *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	yg_intg_config_add_integration(cfg, n, "fuzz", diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_intg_config *cfg = yg_intg_config_create();
	fuzz_conf_run(data, size, cfg, each);
	for (size_t i = 0; cfg && i < yg_intg_config_count(cfg); i++)
		(void)yg_intg_config_get(cfg, i);
	yg_intg_config_destroy(cfg);
	return 0;
}
