/* fuzz_apicfg.c: the <api> block reader on arbitrary text; nothing
 * listens. */
#include "api/api.h"
#include "fuzz_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each(void *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	yg_api_config_add_api(cfg, n, "fuzz", diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_api_config *cfg = yg_api_config_create();
	fuzz_conf_run(data, size, cfg, each);
	if (cfg) {
		yg_api_options o;
		yg_api_config_options(cfg, &o);
		(void)yg_api_config_enabled(cfg);
	}
	yg_api_config_destroy(cfg);
	return 0;
}
