/* fuzz_fimcfg.c: any bytes as an ossec.conf; every <syscheck> block (at the
 * top level or inside <ossec_config>) is read into one FIM configuration,
 * whose directories are then listed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ydiag.h"
#include "engine/wxml.h"
#include "fim/fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_block(yg_fim_config *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	if (strcmp(n->name, "syscheck") == 0 &&
	    yg_fim_config_read(cfg, n, "fuzz", diag) == YG_EPARSE && yg_diag_errors(diag) == 0)
		abort(); /* an error must be explained */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	if (yg_wxml_parse_buffer_ex((const char *)data, size, "fuzz", YG_WXML_NO_VARS, diag,
	                            &doc) == YG_OK) {
		yg_fim_config *cfg = yg_fim_config_create();
		for (size_t i = 0; cfg && i < yg_wxml_doc_nroots(doc); i++) {
			const yg_wxml_node *r = yg_wxml_doc_root(doc, i);
			read_block(cfg, r, diag);
			for (size_t j = 0; j < r->nchildren; j++)
				read_block(cfg, r->children[j], diag);
		}
		for (size_t i = 0; cfg && i < yg_fim_config_ndirs(cfg); i++) {
			yg_fim_dir_info d;
			yg_fim_config_dir(cfg, i, &d);
			if (!d.path || d.path[0] != '/' || d.recursion_level < 0 ||
			    d.recursion_level > 320)
				abort();
			(void)strlen(d.path);
		}
		yg_fim_config_destroy(cfg);
		yg_wxml_doc_destroy(doc);
	}
	yg_diag_destroy(diag);
	return 0;
}
