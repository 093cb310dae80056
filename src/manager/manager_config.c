/* manager_config.c: the manager's ossec.conf: one pass over every
 * <ossec_config> block of every file, each block handed to its module. */
#include <stdlib.h>
#include <string.h>

#include "engine/wxml.h"
#include "manager/manager_config_int.h"

/* Blocks Wazuh knows that this manager does not run yet: a warning, not an
 * error, so an unchanged Wazuh ossec.conf still loads. */
static const char *const later_blocks[] = {
        "cluster",
        "client",
        "client_buffer",
        "logging",
        "rootcheck",
        "wodle",
        "sca",
        "vulnerability-detection",
        "indexer",
        "syscollector",
        "reports",
        "labels",
        "socket",
        "database_output",
        "osquery",
        "fluent-forward",
        "github",
        "office365",
        "gcp-pubsub",
        "gcp-bucket",
        "aws-s3",
        "azure-logs",
        "docker-listener",
        "ciscat",
        "open-scap",
        "agentless",
        "task-manager",
        "anti_tampering",
        "vulnerability-detector",
        "multiple-instances",
};

static bool is_later_block(const char *name)
{
	for (size_t i = 0; i < sizeof(later_blocks) / sizeof(later_blocks[0]); i++)
		if (!strcmp(name, later_blocks[i]))
			return true;
	return false;
}

/* For the option-table test: a yg_manager_config with only what the
 * <alerts> and <global> tables touch. */
void *manager_config_block_create(void)
{
	yg_manager_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->email = yg_email_config_create();
	cfg->ar = yg_ar_config_create();
	if (!cfg->email || !cfg->ar || yg_opt_defaults(&yg_alerts_block, cfg) ||
	    yg_opt_defaults(&yg_global_block, cfg)) {
		manager_config_block_destroy(cfg);
		return NULL;
	}
	return cfg;
}

void manager_config_block_destroy(void *obj)
{
	yg_manager_config *cfg = obj;
	if (!cfg)
		return;
	yg_email_config_destroy(cfg->email);
	yg_ar_config_destroy(cfg->ar);
	free(cfg);
}

bool manager_parse_int(const char *s, int lo, int hi, int *out)
{
	if (!s || lo < 0 || hi < lo)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	char buf[24];
	uint64_t v;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!yg_opt_parse_uint(buf, (uint64_t)lo, (uint64_t)hi, &v))
		return false;
	*out = (int)v;
	return true;
}

/* <alerts>: log_alert_level, and email_alert_level for the e-mail
 * output (src/integrations/email.h); use_geoip is read by the engine with
 * the ruleset (yg_ruleset_config_read). The table reads into
 * yg_manager_config. */
static yg_err parse_email_level(void *obj, const char *v, const yg_wxml_node *e,
                                const yg_opt_ctx *ctx)
{
	(void)v;
	yg_manager_config *cfg = obj;
	return yg_email_config_alert_level(cfg->email, e, ctx->file, ctx->diag);
}

#define M yg_manager_config
static const yg_opt alerts_opts[] = {
        {"log_alert_level", YG_OPT_UINT, YG_OPT_AT(M, log_alert_level), 0, 16, "1",
         .help = "alerts below this level are not written"},
        {"email_alert_level", YG_OPT_CUSTOM, .parse = parse_email_level,
         .help = "alerts below this level are not mailed (0-16)"},
        {"use_geoip", YG_OPT_CUSTOM, .flags = YG_OPT_OTHER, .help = "the engine's"},
        {0},
};
#undef M

const yg_opt_block yg_alerts_block = {"alerts",
                                      alerts_opts,
                                      sizeof(yg_manager_config),
                                      false,
                                      manager_config_block_create,
                                      manager_config_block_destroy};

/* One file: dispatches the blocks; *has_ruleset tells whether it had a
 * <ruleset> (read afterwards by the engine's own reader). */
static yg_err read_file(yg_manager_config *cfg, const char *path, yg_diag *diag, bool *has_ruleset)
{
	yg_wxml_doc *doc = NULL;
	/* Wazuh reads ossec.conf without <var> substitution */
	yg_err rc = yg_wxml_parse_file_ex(path, YG_WXML_NO_VARS, diag, &doc);
	if (rc)
		return rc;
	*has_ruleset = false;
	for (size_t i = 0; i < yg_wxml_doc_nroots(doc); i++) {
		const yg_wxml_node *root = yg_wxml_doc_root(doc, i);
		if (strcmp(root->name, "ossec_config") != 0) {
			if (!strcmp(root->name, "ruleset")) {
				*has_ruleset = true;
				continue;
			}
			yg_diag_add(diag, YG_SEV_WARNING, path, root->line, root->name,
			            "top-level element outside <ossec_config>; ignored");
			continue;
		}
		for (size_t j = 0; j < root->nchildren; j++) {
			const yg_wxml_node *b = root->children[j];
			yg_err r = YG_OK;
			if (!strcmp(b->name, "ruleset"))
				*has_ruleset = true;
			else if (!strcmp(b->name, "syscheck"))
				r = yg_fim_config_read(cfg->fim, b, path, diag);
			else if (!strcmp(b->name, "localfile"))
				r = yg_lc_config_add_localfile(cfg->lc, b, path, diag);
			else if (!strcmp(b->name, "alerts"))
				r = yg_opt_read(&yg_alerts_block, cfg, b, path, diag);
			else if (!strcmp(b->name, "remote"))
				r = manager_config_remote(cfg, b, path, diag);
			else if (!strcmp(b->name, "auth"))
				r = manager_config_auth(cfg, b, path, diag);
			else if (manager_config_respond_block(cfg, b, path, diag, &r))
				;
			else if (is_later_block(b->name))
				yg_diag_add(diag, YG_SEV_WARNING, path, b->line, b->name,
				            "block not supported by this manager yet; ignored");
			else
				yg_diag_add(diag, YG_SEV_WARNING, path, b->line, b->name,
				            "unknown configuration block; ignored");
			if (r == YG_ENOMEM) {
				yg_wxml_doc_destroy(doc);
				return r;
			}
			if (r)
				rc = YG_EPARSE;
		}
	}
	yg_wxml_doc_destroy(doc);
	return rc;
}

yg_err yg_manager_config_read(yg_manager_config *cfg, const char *const *conf, size_t nconf,
                              const char *home, yg_diag *diag)
{
	memset(cfg, 0, sizeof(*cfg));
	if (yg_opt_defaults(&yg_alerts_block, cfg) ||
	    yg_opt_defaults(&yg_remote_block, &cfg->remote) ||
	    yg_opt_defaults(&yg_auth_block, &cfg->auth))
		return YG_ENOMEM;
	cfg->rules = yg_ruleset_config_create(home);
	cfg->fim = yg_fim_config_create();
	cfg->lc = yg_lc_config_create();
	if (!cfg->rules || !cfg->fim || !cfg->lc || manager_config_respond_init(cfg))
		return YG_ENOMEM;
	yg_err rc = YG_OK;
	bool any_ruleset = false;
	for (size_t i = 0; i < nconf; i++) {
		bool has = false;
		yg_err r = read_file(cfg, conf[i], diag, &has);
		if (r == YG_ENOMEM)
			return r;
		if (r)
			rc = YG_EPARSE;
		/* the engine reads <ruleset> and the GeoIP options */
		any_ruleset |= has;
		r = has ? yg_ruleset_config_read(cfg->rules, conf[i], diag)
		        : yg_ruleset_config_read_geoip(cfg->rules, conf[i], diag);
		if (r == YG_ENOMEM)
			return r;
		if (r)
			rc = YG_EPARSE;
	}
	yg_err r = manager_config_respond_check(cfg, diag);
	if (r == YG_ENOMEM)
		return r;
	if (r)
		rc = YG_EPARSE;
	if (!any_ruleset) {
		/* Wazuh's defaults, relative to the home directory */
		yg_diag_add(diag, YG_SEV_WARNING, nconf ? conf[0] : NULL, 0, "ruleset",
		            "no <ruleset> block; using ruleset/decoders, ruleset/rules, "
		            "etc/decoders and etc/rules under the home directory");
		if (yg_ruleset_config_add_defaults(cfg->rules))
			return YG_ENOMEM;
	}
	return rc;
}

void yg_manager_config_free(yg_manager_config *cfg)
{
	yg_ruleset_config_destroy(cfg->rules);
	yg_fim_config_destroy(cfg->fim);
	yg_lc_config_destroy(cfg->lc);
	yg_rsyslog_config_free(&cfg->rsyslog);
	manager_config_respond_free(cfg);
	memset(cfg, 0, sizeof(*cfg));
}
