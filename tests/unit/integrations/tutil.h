/* tutil.h: helpers shared by the integration tests (header-only). */
#ifndef YAGURA_TEST_INTG_TUTIL_H
#define YAGURA_TEST_INTG_TUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/wxml.h"
#include "integrations/config.h"

/* Parses `xml` (one or more <integration> blocks) into a new config; fails
 * the test on any error. */
static inline yg_intg_config *tu_config(const char *xml, yg_diag *diag)
{
	yg_wxml_doc *doc = NULL;
	yg_intg_config *cfg = yg_intg_config_create();
	if (yg_wxml_parse_buffer_ex(xml, strlen(xml), "test.conf", YG_WXML_NO_VARS, diag, &doc)) {
		yg_intg_config_destroy(cfg);
		return NULL;
	}
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		if (yg_intg_config_add_integration(cfg, yg_wxml_doc_root(doc, i), "test.conf",
		                                   diag)) {
			yg_wxml_doc_destroy(doc);
			yg_intg_config_destroy(cfg);
			return NULL;
		}
	}
	yg_wxml_doc_destroy(doc);
	return cfg;
}

/* Runs a command line of our own (no event data in it) and returns its
 * standard output (malloc'd), or NULL when it failed. */
static inline char *tu_run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	if (!p || !out) {
		free(out);
		if (p)
			pclose(p);
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			out = realloc(out, cap);
		}
		size_t n = fread(out + len, 1, cap - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	out[len] = '\0';
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Writes text to a new temp file; returns its path (static buffer). */
static inline const char *tu_write_temp(const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "/tmp/yg-intg-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) < 0)
		path[0] = '\0';
	close(fd);
	return path;
}

#endif
