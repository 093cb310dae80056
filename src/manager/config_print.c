/* config_print.c: `yagura manager -t --print`: the effective configuration,
 * printed from the option tables (src/common/yopt.h) as ossec.conf XML that
 * reads back as the same configuration. A block whose reader has no table
 * yet is named in a comment with what was read, so the output never claims
 * more than it shows. */
#include <stdio.h>

#include "manager/manager_config_int.h"

void yg_manager_config_print(const yg_manager_config *cfg, FILE *out)
{
	fputs("<ossec_config>\n", out);
	fputs("  <global>\n", out);
	yg_opt_print_rows(&yg_global_block, cfg, 4, out);
	yg_email_config_print_global(cfg->email, out);
	fputs("  </global>\n", out);
	yg_opt_print(&yg_alerts_block, cfg, 2, out);
	if (cfg->remote.enabled) {
		yg_opt_print(&yg_remote_block, &cfg->remote, 2, out);
		yg_opt_print(&yg_auth_block, &cfg->auth, 2, out);
	}
	yg_fim_config_print(cfg->fim, out);
	yg_ar_config_print(cfg->ar, out);
	yg_intg_config_print(cfg->intg, out);
	yg_tickets_config_print(cfg->tickets, out);
	if (cfg->has_api)
		yg_api_config_print(cfg->api, out);
	if (cfg->has_waf)
		yg_waf_config_print(cfg->waf, out);
	yg_syslog_config_print(cfg->syslog, out);
	yg_email_config_print(cfg->email, out);
	yg_lc_config_print(cfg->lc, out);
	/* the engine's reader has no option table: its element tables are the
	 * rule and decoder loaders' */
	fputs("  <!-- <ruleset>: not printed (read by the engine) -->\n", out);
	fputs("</ossec_config>\n", out);
}
