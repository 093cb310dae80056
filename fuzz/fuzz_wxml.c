/* fuzz_wxml.c: any bytes into the Wazuh XML reader, with and without
 * variables; a parsed tree is walked to check its invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ydiag.h"
#include "engine/wxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visits every node without recursion (trees may be 1024 levels deep). */
static void walk(const yg_wxml_doc *doc)
{
	const yg_wxml_node **stack = malloc(sizeof(*stack) * 64);
	size_t n = 0, cap = 64;
	if (!stack)
		return;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		stack[n++] = yg_wxml_doc_root(doc, i);
		while (n > 0) {
			const yg_wxml_node *nd = stack[--n];
			if (!nd || !nd->name || !nd->content || nd->line < 1)
				abort();
			(void)strlen(nd->name);
			(void)strlen(nd->content);
			for (size_t a = 0; a < nd->nattrs; a++) {
				if (!yg_wxml_attr_get(nd, nd->attrs[a].name))
					abort();
				(void)strlen(nd->attrs[a].value);
			}
			for (size_t c = 0; c < nd->nchildren; c++) {
				if (n == cap) {
					const yg_wxml_node **s =
					        realloc(stack, sizeof(*s) * cap * 2);
					if (!s) {
						free(stack);
						return;
					}
					stack = s;
					cap *= 2;
				}
				stack[n++] = nd->children[c];
			}
		}
	}
	free(stack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = {0, YG_WXML_NO_VARS};
	for (size_t m = 0; m < 2; m++) {
		yg_diag *diag = yg_diag_create();
		yg_wxml_doc *doc = NULL;
		yg_err err = yg_wxml_parse_buffer_ex((const char *)data, size, "fuzz", modes[m],
		                                     diag, &doc);
		if (err == YG_OK) {
			if (!doc || yg_diag_errors(diag) != 0)
				abort();
			walk(doc);
			yg_wxml_doc_destroy(doc);
		} else if (doc || (err == YG_EPARSE && yg_diag_errors(diag) != 1)) {
			abort();
		}
		yg_diag_destroy(diag);
	}
	return 0;
}
