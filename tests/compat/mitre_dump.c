/* mitre_dump.c: what alerts would carry as rule.mitre, for every rule of a
 * ruleset that has a <mitre> block; read by test_mitre_names.py, which
 * checks it against MITRE's own data for the whole Wazuh ruleset.
 *
 *   mitre-dump CONF HOME
 *
 * One JSON object per line: {"sigid":N,"file":F,"line":L,"mitre":M} where M
 * is the {"id","tactic","technique"} object alerts show, or null when
 * alerts show none (no id has names). Exit 1 when the ruleset does not
 * load. */
#include <stdio.h>

#include "engine/engine.h"
#include "engine/ruleset_int.h"

static void str_array(yg_buf *b, const char *const *v, size_t n)
{
	yg_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			yg_buf_putc(b, ',');
		yg_buf_json_str(b, v[i]);
	}
	yg_buf_putc(b, ']');
}

static void dump_rule(yg_buf *b, const yg_rule *r)
{
	const yg_mitre *m = &r->mitre;
	yg_buf_printf(b, "{\"sigid\":%u,\"file\":", r->sigid);
	yg_buf_json_str(b, r->file ? r->file : "");
	yg_buf_printf(b, ",\"line\":%d,\"mitre\":", r->line);
	if (!m->nshown_tactics) {
		yg_buf_puts(b, "null}\n");
		return;
	}
	yg_buf_puts(b, "{\"id\":");
	str_array(b, m->shown_ids, m->nshown_ids);
	yg_buf_puts(b, ",\"tactic\":");
	str_array(b, m->shown_tactics, m->nshown_tactics);
	yg_buf_puts(b, ",\"technique\":");
	str_array(b, m->shown_techniques, m->nshown_techniques);
	yg_buf_puts(b, "}}\n");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mitre-dump CONF HOME\n");
		return 2;
	}
	yg_ruleset_config *cfg = yg_ruleset_config_create(argv[2]);
	yg_diag *diag = yg_diag_create();
	yg_ruleset *rs = NULL;
	int rc = 1;
	if (!cfg || !diag || yg_ruleset_config_read(cfg, argv[1], diag) != YG_OK ||
	    yg_ruleset_load(cfg, diag, &rs) != YG_OK) {
		yg_diag_print(diag, stderr);
		goto out;
	}
	yg_buf b;
	yg_buf_init(&b, 1 << 20);
	for (size_t i = 0; i < rs->nrules; i++) {
		const yg_rule *r = rs->rules[i];
		if (!r->mitre.nids && !r->mitre.npairs)
			continue;
		yg_buf_reset(&b);
		dump_rule(&b, r);
		fwrite(b.data, 1, b.len, stdout);
	}
	yg_buf_free(&b);
	rc = 0;
out:
	yg_ruleset_destroy(rs);
	yg_diag_destroy(diag);
	yg_ruleset_config_destroy(cfg);
	return rc;
}
