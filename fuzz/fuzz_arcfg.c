/* fuzz_arcfg.c: the active-response configuration reader (<command>,
 * <active-response>, <white_list>) on arbitrary text, then the check that
 * ties responses to commands. Nothing is run. */
#include <string.h>

#include "ar/ar_config.h"
#include "fuzz_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each(void *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	if (!strcmp(n->name, "command"))
		yg_ar_config_add_command(cfg, n, "fuzz", diag);
	else if (!strcmp(n->name, "white_list"))
		yg_ar_config_add_white_list(cfg, n->content ? n->content : "");
	else
		yg_ar_config_add_active_response(cfg, n, "fuzz", diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_ar_config *cfg = yg_ar_config_create();
	fuzz_conf_run(data, size, cfg, each);
	if (cfg) {
		yg_diag *d = yg_diag_create();
		if (d)
			yg_ar_config_check(cfg, d);
		yg_diag_destroy(d);
		for (size_t i = 0; i < yg_ar_config_ncommands(cfg); i++) {
			yg_ar_command_info ci;
			yg_ar_config_command(cfg, i, &ci);
		}
	}
	yg_ar_config_destroy(cfg);
	return 0;
}
