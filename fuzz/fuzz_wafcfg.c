/* fuzz_wafcfg.c: the <waf> block reader (ban file, ledger, <allow>
 * entries, policy) on arbitrary text; nothing is opened. */
#include "fuzz_conf.h"
#include "waf/waf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each(void *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	yg_waf_config_read(cfg, n, "fuzz", diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_waf_config *cfg = yg_waf_config_create();
	fuzz_conf_run(data, size, cfg, each);
	if (cfg) {
		yg_diag *d = yg_diag_create();
		if (d)
			yg_waf_config_check(cfg, "fuzz", d);
		yg_diag_destroy(d);
		yg_waf_policy p;
		yg_waf_action_opts a;
		yg_waf_config_policy(cfg, &p);
		yg_waf_config_action_opts(cfg, &a);
	}
	yg_waf_config_destroy(cfg);
	return 0;
}
