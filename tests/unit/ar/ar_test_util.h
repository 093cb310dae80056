/* ar_test_util.h: loading <ossec_config> text or files into a yg_ar_config
 * the way the manager dispatches blocks. */
#ifndef AR_TEST_UTIL_H
#define AR_TEST_UTIL_H

#include <string.h>

#include "ar/ar_config.h"
#include "engine/wxml.h"

#define SCEN YG_SOURCE_ROOT "/../shared/scenarios"

/* Feeds every <command>, <active-response> and <global><white_list> of the
 * document to cfg. Returns the first error (others still reported). */
static inline yg_err ar_test_feed(yg_ar_config *cfg, const yg_wxml_doc *doc, const char *file,
                                  yg_diag *diag)
{
	yg_err first = YG_OK, e;
	for (size_t r = 0; r < yg_wxml_doc_nroots(doc); r++) {
		const yg_wxml_node *root = yg_wxml_doc_root(doc, r);
		for (size_t i = 0; i < root->nchildren; i++) {
			const yg_wxml_node *b = root->children[i];
			e = YG_OK;
			if (strcmp(b->name, "command") == 0)
				e = yg_ar_config_add_command(cfg, b, file, diag);
			else if (strcmp(b->name, "active-response") == 0)
				e = yg_ar_config_add_active_response(cfg, b, file, diag);
			else if (strcmp(b->name, "global") == 0)
				for (size_t k = 0; k < b->nchildren; k++)
					if (strcmp(b->children[k]->name, "white_list") == 0) {
						yg_err w = yg_ar_config_add_white_list(
						        cfg, b->children[k]->content);
						if (w && !e)
							e = w;
					}
			if (e && !first)
				first = e;
		}
	}
	return first;
}

/* Parses text and feeds it; the config is checked too. */
static inline yg_err ar_test_load_text(yg_ar_config *cfg, const char *text, yg_diag *diag)
{
	yg_wxml_doc *doc = NULL;
	yg_err e = yg_wxml_parse_buffer_ex(text, strlen(text), "test.conf", YG_WXML_NO_VARS, diag,
	                                   &doc);
	if (e)
		return e;
	e = ar_test_feed(cfg, doc, "test.conf", diag);
	yg_err c = yg_ar_config_check(cfg, diag);
	yg_wxml_doc_destroy(doc);
	return e ? e : c;
}

static inline yg_err ar_test_load_file(yg_ar_config *cfg, const char *path, yg_diag *diag)
{
	yg_wxml_doc *doc = NULL;
	yg_err e = yg_wxml_parse_file_ex(path, YG_WXML_NO_VARS, diag, &doc);
	if (e)
		return e;
	e = ar_test_feed(cfg, doc, path, diag);
	yg_err c = yg_ar_config_check(cfg, diag);
	yg_wxml_doc_destroy(doc);
	return e ? e : c;
}

/* True when diag has an entry of severity sev at `line` about `element`
 * whose message contains `needle`. */
static inline bool ar_test_has(const yg_diag *d, yg_severity sev, int line, const char *element,
                               const char *needle)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		if (e->severity == sev && e->line == line && e->element &&
		    strcmp(e->element, element) == 0 && e->file &&
		    strcmp(e->file, "test.conf") == 0 && strstr(e->message, needle))
			return true;
	}
	return false;
}

#endif
