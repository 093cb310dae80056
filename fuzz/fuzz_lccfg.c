/* fuzz_lccfg.c: the <localfile> configuration reader on arbitrary text.
 * Every top-level element is offered as a <localfile> block; nothing is
 * opened or run (no yg_lc is created). */
#include <stddef.h>
#include <stdint.h>

#include "engine/wxml.h"
#include "logcollector/lc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	if (yg_wxml_parse_buffer_ex((const char *)data, size, "fuzz", YG_WXML_NO_VARS, diag,
	                            &doc) == YG_OK) {
		yg_lc_config *cfg = yg_lc_config_create();
		for (size_t i = 0; cfg && i < yg_wxml_doc_nroots(doc); i++)
			yg_lc_config_add_localfile(cfg, yg_wxml_doc_root(doc, i), "fuzz", diag);
		for (size_t i = 0; cfg && i < yg_lc_config_count(cfg); i++) {
			const yg_lc_label *l;
			(void)yg_lc_config_location(cfg, i);
			(void)yg_lc_config_format(cfg, i);
			(void)yg_lc_config_labels(cfg, i, &l);
		}
		yg_lc_config_destroy(cfg);
		yg_wxml_doc_destroy(doc);
	}
	yg_diag_destroy(diag);
	return 0;
}
