/* fuzz_conf.h: what the configuration-block targets share: the input is
 * parsed as ossec.conf-format XML (no <var> substitution, as the manager
 * reads it) and every top-level element is offered to `each`, then the
 * messages are formatted as `-t` would print them. */
#ifndef YAGURA_FUZZ_CONF_H
#define YAGURA_FUZZ_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ydiag.h"
#include "engine/wxml.h"

typedef void (*fuzz_conf_fn)(void *cfg, const yg_wxml_node *node, yg_diag *diag);

static inline void fuzz_conf_run(const uint8_t *data, size_t size, void *cfg, fuzz_conf_fn each)
{
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	if (diag && cfg &&
	    yg_wxml_parse_buffer_ex((const char *)data, size, "fuzz", YG_WXML_NO_VARS, diag,
	                            &doc) == YG_OK) {
		for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++)
			each(cfg, yg_wxml_doc_root(doc, i), diag);
		yg_wxml_doc_destroy(doc);
	}
	FILE *null = fopen("/dev/null", "w");
	if (null && diag) {
		yg_diag_print(diag, null);
	}
	if (null)
		fclose(null);
	yg_diag_destroy(diag);
}

#endif
