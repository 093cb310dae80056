/* config_respond.c: the blocks that say what happens after an alert:
 * <command>, <active-response>, <global><white_list>, <integration>,
 * <tickets>, <waf> and <api>. Each goes to its module's reader; this file only
 * dispatches and keeps the module configurations in yg_manager_config. */
#include <string.h>

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

/* <global>: the white list, the e-mail options and logall_json are
 * yagura's; the GeoIP options are the engine's (yg_ruleset_config_read);
 * Wazuh's other global options tune its own daemons and are warned. The
 * table reads into yg_manager_config. */
static yg_err parse_email(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	(void)v;
	yg_manager_config *cfg = obj;
	yg_err err = YG_OK;
	(void)yg_email_config_global(cfg->email, e, ctx->file, ctx->diag, &err);
	return err;
}

static yg_err parse_white_list(void *obj, const char *v, const yg_wxml_node *e,
                               const yg_opt_ctx *ctx)
{
	yg_manager_config *cfg = obj;
	yg_err err = yg_ar_config_add_white_list(cfg->ar, v);
	if (err && err != YG_ENOMEM) {
		yg_opt_bad(ctx, e,
		           "invalid white_list entry '%.200s' (an IP address, a CIDR or a host "
		           "name pattern)",
		           v);
		return YG_EPARSE;
	}
	return err;
}

static void print_white_list(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_manager_config *cfg = obj;
	for (size_t i = 0; i < yg_ar_config_nwhite_list(cfg->ar); i++)
		fprintf(out, "    <%s>%s</%s>\n", o->name, yg_ar_config_white_list(cfg->ar, i),
		        o->name);
}

#define EMAIL(n)                                                                                   \
	{                                                                                          \
		n, YG_OPT_CUSTOM, .parse = parse_email, .help = "e-mail (integrations/email.h)"    \
	}
#define M yg_manager_config
static const yg_opt global_opts[] = {
        {"logall_json", YG_OPT_BOOL, YG_OPT_AT(M, logall_json), .def = "no",
         .help = "every event into logs/archives/archives.json"},
        {"white_list", YG_OPT_CUSTOM, .parse = parse_white_list, .print = print_white_list,
         .help = "never respond against this address, CIDR or host (repeatable)"},
        EMAIL("email_notification"),
        EMAIL("smtp_server"),
        EMAIL("email_from"),
        EMAIL("email_reply_to"),
        EMAIL("email_to"),
        EMAIL("email_maxperhour"),
        EMAIL("email_log_source"),
        EMAIL("email_idsname"),
        {"geoipdb", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER},
        {"geoip_db_path", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER},
        {"geoip6_db_path", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER},
        {0},
};
#undef M
#undef EMAIL

/* Wazuh's other <global> options are warnings: an unchanged Wazuh
 * ossec.conf loads. */
const yg_opt_block yg_global_block = {"global",
                                      global_opts,
                                      sizeof(yg_manager_config),
                                      true,
                                      manager_config_block_create,
                                      manager_config_block_destroy};

bool manager_config_respond_block(yg_manager_config *cfg, const yg_wxml_node *b, const char *file,
                                  yg_diag *d, yg_err *err)
{
	const char *n = b->name;
	if (!strcmp(n, "command"))
		*err = yg_ar_config_add_command(cfg->ar, b, file, d);
	else if (!strcmp(n, "active-response"))
		*err = yg_ar_config_add_active_response(cfg->ar, b, file, d);
	else if (!strcmp(n, "global"))
		*err = yg_opt_read(&yg_global_block, cfg, b, file, d);
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
