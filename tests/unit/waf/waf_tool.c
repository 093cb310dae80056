/* waf_tool.c: a tiny command-line front end to src/waf for the end-to-end
 * test (tests/e2e/test_waf.py) and for trying the action by hand.
 *
 *   waf_tool CONF LEDGER ban ADDR [TIMEOUT] [ALERT_ID]
 *   waf_tool CONF LEDGER lift ADDR
 *   waf_tool CONF LEDGER list | tick | sync
 *   waf_tool CONF LEDGER --white-list ADDR ... CMD ...  (Wazuh's white_list)
 *
 * CONF holds a <waf> block, at top level or inside <ossec_config>.
 * Exit status: 0 done, 2 address refused or not banned, 1 any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waf/waf.h"

static void print_report(const char *what, const yg_waf_apply_report *r)
{
	fprintf(stderr,
	        "%s: changed=%d written=%zu refused=%zu verify=%s reload=%s restored=%d"
	        " nft=+%zu/-%zu/!%zu%s%s\n",
	        what, r->changed, r->written, r->refused,
	        r->verify_ran ? (r->verify_ok ? "ok" : "failed") : "-",
	        r->reload_ran ? (r->reload_ok ? "ok" : "failed") : "-", r->restored, r->nft_added,
	        r->nft_removed, r->nft_failed, r->error[0] ? " error=" : "", r->error);
}

static yg_err read_conf(const char *path, yg_waf_config *cfg, yg_diag *d)
{
	yg_wxml_doc *doc;
	yg_err e = yg_wxml_parse_file_ex(path, YG_WXML_NO_VARS, d, &doc);
	if (e)
		return e;
	for (size_t i = 0; !e && i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *r = yg_wxml_doc_root(doc, i);
		if (strcmp(r->name, "waf") == 0)
			e = yg_waf_config_read(cfg, r, path, d);
		for (size_t j = 0; !e && strcmp(r->name, "ossec_config") == 0 && j < r->nchildren;
		     j++)
			if (strcmp(r->children[j]->name, "waf") == 0)
				e = yg_waf_config_read(cfg, r->children[j], path, d);
	}
	yg_wxml_doc_destroy(doc);
	return e ? e : yg_waf_config_check(cfg, path, d);
}

static int run(yg_waf *w, int argc, char **argv)
{
	yg_waf_apply_report rep;
	const char *cmd = argv[0];
	yg_err e;
	if (strcmp(cmd, "ban") == 0 && argc >= 2) {
		yg_waf_ban_req req = {.address = argv[1],
		                      .source = YG_WAF_SOURCE_MANUAL,
		                      .timeout = argc >= 3 ? strtoll(argv[2], NULL, 10) : -1,
		                      .alert_id = argc >= 4 ? argv[3] : NULL,
		                      .reason = "waf_tool"};
		yg_waf_outcome oc;
		e = yg_waf_add_ban(w, &req, &oc, &rep);
		if (oc == YG_WAF_REFUSED_INVALID || oc == YG_WAF_REFUSED_ALLOWED) {
			fprintf(stderr, "refused: %s\n",
			        oc == YG_WAF_REFUSED_ALLOWED ? "allow-listed" : "invalid address");
			return 2;
		}
		printf("%s\n", oc == YG_WAF_BANNED     ? "banned"
		               : oc == YG_WAF_EXTENDED ? "extended"
		                                       : "duplicate");
		print_report("apply", &rep);
		return e ? 1 : 0;
	}
	if (strcmp(cmd, "lift") == 0 && argc >= 2) {
		e = yg_waf_lift_ban(w, argv[1], "waf_tool", &rep);
		if (e == YG_ENOTFOUND || e == YG_EINVAL) {
			fprintf(stderr, "not banned\n");
			return 2;
		}
		print_report("apply", &rep);
		return e ? 1 : 0;
	}
	if (strcmp(cmd, "tick") == 0 || strcmp(cmd, "sync") == 0) {
		yg_waf_ban_list lifted = {0};
		e = cmd[0] == 't' ? yg_waf_tick(w, &lifted, &rep) : yg_waf_sync(w, &rep);
		for (size_t i = 0; i < lifted.n; i++)
			printf("expired %s\n", lifted.v[i].address);
		yg_waf_ban_list_free(&lifted);
		print_report("apply", &rep);
		return e ? 1 : 0;
	}
	if (strcmp(cmd, "list") == 0) {
		yg_waf_ban_list l = {0};
		e = yg_waf_ledger_list_all(yg_waf_get_ledger(w), 0, &l);
		for (size_t i = 0; i < l.n; i++)
			printf("%s created=%lld expires=%lld lifted=%lld by=%s times=%u\n",
			       l.v[i].address, (long long)l.v[i].created, (long long)l.v[i].expires,
			       (long long)l.v[i].lifted, l.v[i].lifted_by, l.v[i].times);
		yg_waf_ban_list_free(&l);
		return e ? 1 : 0;
	}
	fprintf(stderr, "unknown command\n");
	return 1;
}

int main(int argc, char **argv)
{
	yg_diag *d = yg_diag_create();
	yg_waf_config *cfg = yg_waf_config_create();
	yg_waf_allow *extra = yg_waf_allow_create();
	yg_waf *w = NULL;
	int i = 3, rc = 1;
	if (argc < 4) {
		fprintf(stderr, "usage: waf_tool CONF LEDGER [--white-list ADDR]... CMD ARGS\n");
		goto out;
	}
	if (read_conf(argv[1], cfg, d)) {
		yg_diag_print(d, stderr);
		goto out;
	}
	while (i + 1 < argc && strcmp(argv[i], "--white-list") == 0) {
		if (yg_waf_allow_add(extra, argv[i + 1])) {
			fprintf(stderr, "bad white_list entry\n");
			goto out;
		}
		i += 2;
	}
	if (i >= argc || yg_waf_open(cfg, argv[2], extra, &w)) {
		fprintf(stderr, "cannot open the WAF ledger/action\n");
		goto out;
	}
	rc = run(w, argc - i, argv + i);
out:
	yg_waf_close(w);
	yg_waf_allow_destroy(extra);
	yg_waf_config_destroy(cfg);
	yg_diag_destroy(d);
	return rc;
}
