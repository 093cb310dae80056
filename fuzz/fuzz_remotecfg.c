/* fuzz_remotecfg.c: the manager's <remote> and <auth> block readers on
 * arbitrary text (an element named auth goes to the <auth> reader, any
 * other to the <remote> one). */
#include <string.h>

#include "fuzz_conf.h"
#include "manager/manager_config_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each(void *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	if (!strcmp(n->name, "auth"))
		manager_config_auth(cfg, n, "fuzz", diag);
	else
		manager_config_remote(cfg, n, "fuzz", diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_manager_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	fuzz_conf_run(data, size, &cfg, each);
	return 0;
}
