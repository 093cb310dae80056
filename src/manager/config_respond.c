/* config_respond.c: the blocks that say what happens after an alert:
 * <command>, <active-response>, <global><white_list>, <integration>,
 * <tickets>, <waf> and <api>. Each goes to its module's reader; this file only
 * dispatches and keeps the module configurations in yg_manager_config. */
#include <string.h>

#include "common/yopt.h"
#include "manager/manager_config_int.h"

yg_err manager_config_respond_init(yg_manager_config *cfg)
{
	cfg->ar = yg_ar_config_create();
	cfg->intg = yg_intg_config_create();
	cfg->tickets = yg_tickets_config_create();
	cfg->waf = yg_waf_config_create();
	cfg->api = yg_api_config_create();
	cfg->syslog = yg_syslog_config_create();
	cfg->email = yg_email_config_create();
	return cfg->ar && cfg->intg && cfg->tickets && cfg->waf && cfg->api && cfg->syslog &&
	                       cfg->email
	               ? YG_OK
	               : YG_ENOMEM;
}

void manager_config_respond_free(yg_manager_config *cfg)
{
	yg_ar_config_destroy(cfg->ar);
	yg_intg_config_destroy(cfg->intg);
	yg_tickets_config_destroy(cfg->tickets);
	yg_waf_config_destroy(cfg->waf);
	yg_api_config_destroy(cfg->api);
	yg_syslog_config_destroy(cfg->syslog);
	yg_email_config_destroy(cfg->email);
}

/* <global> options in the option-table form (common/yopt.h); the rest of
 * the block is read by read_global. */
static const yg_opt global_opts[] = {
        {"logall", YG_OPT_BOOL, YG_OPT_AT(yg_manager_config, logall), 0, 0, "no", 0, NULL, NULL,
         NULL, "every event to logs/archives/archives.log, as Wazuh's text archive"},
        {NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL},
};
static const yg_opt_block global_block = {"global", global_opts, sizeof(yg_manager_config),
                                          false,    NULL,        NULL};

/* <global>: the white list, the e-mail options, logall and logall_json are
 * yagura's; Wazuh's other global options tune its own daemons and are
 * warned. */
static yg_err read_global(yg_manager_config *cfg, const yg_wxml_node *n, const char *file,
                          yg_diag *d)
{
	yg_err rc = YG_OK;
	for (size_t i = 0; i < n->nchildren; i++) {
		const yg_wxml_node *c = n->children[i];
		/* the GeoIP options are the engine's (yg_ruleset_config_read) */
		if (!strcmp(c->name, "geoipdb") || !strcmp(c->name, "geoip_db_path") ||
		    !strcmp(c->name, "geoip6_db_path"))
			continue;
		const char *v = c->content ? c->content : "";
		yg_err e = YG_OK;
		bool known = false;
		e = yg_opt_read_one(&global_block, cfg, c, file, d, &known);
		if (known) {
			if (e == YG_ENOMEM)
				return e;
			if (e)
				rc = YG_EPARSE;
			continue;
		}
		if (yg_email_config_global(cfg->email, c, file, d, &e)) {
			if (e)
				rc = YG_EPARSE;
			continue;
		}
		if (!strcmp(c->name, "logall_json")) {
			if (strcmp(v, "yes") && strcmp(v, "no")) {
				yg_diag_add(d, YG_SEV_ERROR, file, c->line, c->name,
				            "invalid value '%s' (expected yes or no)", v);
				rc = YG_EPARSE;
			}
			cfg->logall_json = !strcmp(v, "yes");
			continue;
		}
		if (strcmp(c->name, "white_list") != 0) {
			yg_diag_add(d, YG_SEV_WARNING, file, c->line, c->name,
			            "<global> option not used by yagura; ignored");
			continue;
		}
		e = yg_ar_config_add_white_list(cfg->ar, v);
		if (e == YG_ENOMEM)
			return e;
		if (e) {
			yg_diag_add(
			        d, YG_SEV_ERROR, file, c->line, c->name,
			        "invalid white_list entry '%s' (an IP address, a CIDR or a host "
			        "name pattern)",
			        v);
			rc = YG_EPARSE;
		}
	}
	return rc;
}

bool manager_config_respond_block(yg_manager_config *cfg, const yg_wxml_node *b, const char *file,
                                  yg_diag *d, yg_err *err)
{
	const char *n = b->name;
	if (!strcmp(n, "command"))
		*err = yg_ar_config_add_command(cfg->ar, b, file, d);
	else if (!strcmp(n, "active-response"))
		*err = yg_ar_config_add_active_response(cfg->ar, b, file, d);
	else if (!strcmp(n, "global"))
		*err = read_global(cfg, b, file, d);
	else if (!strcmp(n, "integration"))
		*err = yg_intg_config_add_integration(cfg->intg, b, file, d);
	else if (!strcmp(n, "tickets"))
		*err = yg_tickets_config_add_tickets(cfg->tickets, b, file, d);
	else if (!strcmp(n, "waf")) {
		cfg->has_waf = true;
		*err = yg_waf_config_read(cfg->waf, b, file, d);
		if (!*err)
			*err = yg_waf_config_check(cfg->waf, file, d);
	} else if (!strcmp(n, "api")) {
		cfg->has_api = true;
		*err = yg_api_config_add_api(cfg->api, b, file, d);
	} else if (!strcmp(n, "syslog_output"))
		*err = yg_syslog_config_add(cfg->syslog, b, file, d);
	else if (!strcmp(n, "email_alerts"))
		*err = yg_email_config_add_alerts(cfg->email, b, file, d);
	else
		return false;
	return true;
}

yg_err manager_config_respond_check(yg_manager_config *cfg, yg_diag *d)
{
	yg_err a = yg_ar_config_check(cfg->ar, d);
	yg_err b = yg_email_config_finish(cfg->email, cfg->intg, d);
	return a == YG_ENOMEM || b == YG_ENOMEM ? YG_ENOMEM : a ? a : b;
}
