/* fuzz_ticketcfg.c: any bytes as an ossec.conf; every <tickets> block (at
 * the top level or inside <ossec_config>) is read into one configuration,
 * whose bounds are then checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ydiag.h"
#include "engine/wxml.h"
#include "tickets/tickets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_block(yg_tickets_config *cfg, const yg_wxml_node *n, yg_diag *diag)
{
	if (strcmp(n->name, "tickets") == 0 &&
	    yg_tickets_config_add_tickets(cfg, n, "fuzz", diag) == YG_EPARSE &&
	    yg_diag_errors(diag) == 0)
		abort(); /* an error must be explained */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	if (yg_wxml_parse_buffer_ex((const char *)data, size, "fuzz", YG_WXML_NO_VARS, diag,
	                            &doc) == YG_OK) {
		yg_tickets_config *cfg = yg_tickets_config_create();
		for (size_t i = 0; cfg && i < yg_wxml_doc_nroots(doc); i++) {
			const yg_wxml_node *r = yg_wxml_doc_root(doc, i);
			read_block(cfg, r, diag);
			for (size_t j = 0; j < r->nchildren; j++)
				read_block(cfg, r->children[j], diag);
		}
		if (cfg && (yg_tickets_config_nforwarders(cfg) > 16 ||
		            yg_tickets_config_nroutes(cfg) > 256 ||
		            yg_tickets_config_fold_window(cfg) > 366u * 86400u))
			abort();
		yg_tickets_config_destroy(cfg);
		yg_wxml_doc_destroy(doc);
	}
	yg_diag_destroy(diag);
	return 0;
}
