/* config.c: reading Wazuh's <integration> blocks. */
#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/yopt.h"
#include "integrations/config.h"
#include "integrations/format.h"

struct yg_intg_config {
	yg_intg_def **defs;
	size_t n, cap;
};

yg_intg_config *yg_intg_config_create(void)
{
	return calloc(1, sizeof(yg_intg_config));
}

void yg_intg_def_free(yg_intg_def *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nmail_to; i++)
		free(d->mail_to[i]);
	free(d->mail_to);
	free(d->mail_from);
	free(d->mail_reply_to);
	free(d->mail_idsname);
	free(d->smtp_url);
	yg_osmatch_destroy(d->group_re);
	free(d->name);
	free(d->key);
	free(d->hook_url);
	free(d->api_key);
	free(d->group);
	free(d->rule_ids);
	yg_osmatch_destroy(d->location);
	free(d->location_raw);
	free(d->alert_format);
	free(d->options_raw);
	free(d->mm_channel_id);
	free(d->mm_template);
	free(d->mm_username);
	free(d->mm_icon_url);
	free(d->mm_channel);
	free(d->file);
	free(d);
}

void yg_intg_config_destroy(yg_intg_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		yg_intg_def_free(cfg->defs[i]);
	free(cfg->defs);
	free(cfg);
}

size_t yg_intg_config_count(const yg_intg_config *cfg)
{
	return cfg->n;
}

const yg_intg_def *yg_intg_config_get(const yg_intg_config *cfg, size_t i)
{
	return i < cfg->n ? cfg->defs[i] : NULL;
}

/* ---- small parsers ---- */

/* Reads Wazuh's rule_id list ("100, 200,300"): numbers separated by commas,
 * blanks allowed. Unlike Wazuh (which stops silently at the first odd
 * character) anything else is an error, so a typo is seen. */
bool yg_intg_parse_rule_ids(const char *s, unsigned **ids, size_t *n)
{
	unsigned *v = NULL;
	size_t cnt = 0;
	while (*s) {
		if (*s == ' ' || *s == ',' || *s == '\t') {
			s++;
			continue;
		}
		if (*s < '0' || *s > '9')
			goto bad;
		uint64_t id = 0;
		while (*s >= '0' && *s <= '9') {
			id = id * 10 + (uint64_t)(*s - '0');
			if (id > 9999999)
				goto bad;
			s++;
		}
		if (*s && *s != ',' && *s != ' ' && *s != '\t')
			goto bad;
		unsigned *nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv)
			goto bad;
		v = nv;
		v[cnt++] = (unsigned)id;
	}
	if (cnt == 0)
		goto bad;
	*ids = v;
	*n = cnt;
	return true;
bad:
	free(v);
	return false;
}

/* custom-<x>: x made of [A-Za-z0-9._-], not starting with '.', so the
 * script path can never leave the integrations directory. */
static bool valid_custom_name(const char *name)
{
	const char *x = name + 7;
	if (strncmp(name, "custom-", 7) != 0 || !*x || *x == '.' || strlen(name) > 128)
		return false;
	for (; *x; x++)
		if (!isalnum((unsigned char)*x) && *x != '.' && *x != '_' && *x != '-')
			return false;
	return true;
}

static bool is_http_url(const char *u)
{
	return !strncmp(u, "http://", 7) || !strncmp(u, "https://", 8);
}

/* Copies a string member of the <options> object into *dst; false (with a
 * diag) when present but not a string. */
static bool opt_string(json_object *opts, const char *key, char **dst, const char *file, int line,
                       yg_diag *d)
{
	json_object *v;
	if (!json_object_object_get_ex(opts, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_string)) {
		yg_diag_add(d, YG_SEV_ERROR, file, line, "options", "\"%s\" must be a string", key);
		return false;
	}
	*dst = strdup(json_object_get_string(v));
	return *dst != NULL;
}

/* Reads the mattermost members of <options>. */
static bool read_mm_options(yg_intg_def *def, const char *file, int line, yg_diag *d)
{
	bool ok = true;
	char *mode = NULL;
	json_object *opts = NULL;
	def->mm_mode = YG_INTG_MM_WEBHOOK;
	if (def->options_raw) {
		opts = json_tokener_parse(def->options_raw);
		ok = opt_string(opts, "channel_id", &def->mm_channel_id, file, line, d) &&
		     opt_string(opts, "mode", &mode, file, line, d) &&
		     opt_string(opts, "template", &def->mm_template, file, line, d) &&
		     opt_string(opts, "username", &def->mm_username, file, line, d) &&
		     opt_string(opts, "icon_url", &def->mm_icon_url, file, line, d) &&
		     opt_string(opts, "channel", &def->mm_channel, file, line, d);
		json_object_put(opts);
	}
	if (ok && def->mm_channel_id)
		def->mm_mode = YG_INTG_MM_API;
	if (ok && mode) {
		if (!strcmp(mode, "api"))
			def->mm_mode = YG_INTG_MM_API;
		else if (!strcmp(mode, "webhook"))
			def->mm_mode = YG_INTG_MM_WEBHOOK;
		else {
			yg_diag_add(d, YG_SEV_ERROR, file, line, "options",
			            "mode must be \"api\" or \"webhook\", not \"%s\"", mode);
			ok = false;
		}
	}
	free(mode);
	if (ok && def->mm_template) {
		char err[128];
		if (!yg_intg_template_check(def->mm_template, err, sizeof(err))) {
			yg_diag_add(d, YG_SEV_ERROR, file, line, "options", "template: %s", err);
			ok = false;
		}
	}
	if (ok && def->mm_mode == YG_INTG_MM_API && (!def->mm_channel_id || !def->api_key)) {
		yg_diag_add(d, YG_SEV_ERROR, file, line, "integration",
		            "mattermost in api mode needs <api_key> and options.channel_id");
		ok = false;
	}
	return ok;
}

/* ---- the <integration> table (src/common/yopt.h) ---- */

static yg_err parse_options(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_intg_def *def = obj;
	json_object *o = *v ? json_tokener_parse(v) : NULL;
	bool ok = o && json_object_is_type(o, json_type_object);
	json_object_put(o);
	if (!ok) {
		yg_opt_bad(ctx, e, "must be a JSON object");
		return YG_EPARSE;
	}
	char *copy = strdup(v);
	if (!copy)
		return YG_ENOMEM;
	free(def->options_raw);
	def->options_raw = copy;
	return YG_OK;
}

static yg_err parse_rule_id(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_intg_def *def = obj;
	free(def->rule_ids);
	def->rule_ids = NULL;
	def->nrule_ids = 0;
	if (!yg_intg_parse_rule_ids(v, &def->rule_ids, &def->nrule_ids)) {
		yg_opt_bad(ctx, e, "invalid value \"%.200s\"", v);
		return YG_EPARSE;
	}
	return YG_OK;
}

static yg_err parse_location(void *obj, const char *v, const yg_wxml_node *e, const yg_opt_ctx *ctx)
{
	yg_intg_def *def = obj;
	char err[128] = "empty value";
	yg_osmatch_destroy(def->location);
	def->location = NULL;
	free(def->location_raw);
	def->location_raw = NULL;
	if (!*v || yg_osmatch_compile(v, &def->location, err, sizeof(err)) != YG_OK) {
		yg_opt_bad(ctx, e, "bad pattern \"%.200s\": %s", v, err);
		return YG_EPARSE;
	}
	return (def->location_raw = strdup(v)) ? YG_OK : YG_ENOMEM;
}

static void print_text_row(const char *name, const char *v, FILE *out)
{
	if (v)
		fprintf(out, "    <%s>%s</%s>\n", name, v, name);
}

static void print_options(const void *obj, const yg_opt *o, FILE *out)
{
	print_text_row(o->name, ((const yg_intg_def *)obj)->options_raw, out);
}

static void print_location(const void *obj, const yg_opt *o, FILE *out)
{
	print_text_row(o->name, ((const yg_intg_def *)obj)->location_raw, out);
}

static void print_rule_id(const void *obj, const yg_opt *o, FILE *out)
{
	const yg_intg_def *def = obj;
	if (!def->nrule_ids)
		return;
	fprintf(out, "    <%s>", o->name);
	for (size_t i = 0; i < def->nrule_ids; i++)
		fprintf(out, "%s%u", i ? "," : "", def->rule_ids[i]);
	fprintf(out, "</%s>\n", o->name);
}

#define D yg_intg_def
static const yg_opt intg_opts[] = {
        {"name", YG_OPT_STRING, YG_OPT_AT(D, name), 0, 4095, .flags = YG_OPT_REQUIRED,
         .help = "webhook, slack, mattermost or custom-NAME"},
        {"hook_url", YG_OPT_STRING, YG_OPT_AT(D, hook_url), .help = "where alerts are sent"},
        {"api_key", YG_OPT_STRING, YG_OPT_AT(D, api_key), .help = "the service's key"},
        {"level", YG_OPT_UINT, YG_OPT_AT(D, level), 0, 16, "0",
         .help = "alerts of at least this level; 0: any"},
        {"group", YG_OPT_STRING, YG_OPT_AT(D, group), .help = "rule groups, comma-separated"},
        {"rule_id", YG_OPT_CUSTOM, .parse = parse_rule_id, .print = print_rule_id,
         .help = "rule ids, comma-separated"},
        {"event_location", YG_OPT_CUSTOM, .parse = parse_location, .print = print_location,
         .help = "an OS_Match pattern on the event's location"},
        {"alert_format", YG_OPT_STRING, YG_OPT_AT(D, alert_format), .help = "json"},
        {"options", YG_OPT_CUSTOM, .parse = parse_options, .print = print_options,
         .help = "a JSON object for the integration"},
        {"max_log", YG_OPT_UINT, YG_OPT_AT(D, max_log), 165, 1024, "165",
         .help = "Wazuh's max_log, passed to custom scripts"},
        {"timeout", YG_OPT_UINT, YG_OPT_AT(D, timeout), 1, 3600, "10",
         .help = "seconds per request or script run"},
        {"retries", YG_OPT_UINT, YG_OPT_AT(D, retries), 0, 1000, "3",
         .help = "Wazuh's retries, passed to custom scripts"},
        {"max_retries", YG_OPT_UINT, YG_OPT_AT(D, max_retries), 0, 100000, "20",
         .help = "outbox: deliveries retried this many times"},
        {"max_in_flight", YG_OPT_UINT, YG_OPT_AT(D, max_in_flight), 1, 64, "1",
         .help = "outbox: requests in flight for this block"},
        {"retry_min", YG_OPT_MILLIS, YG_OPT_AT(D, retry_min_ms), 1, 3600000, "1s",
         .help = "outbox: the first back-off delay"},
        {"retry_max", YG_OPT_MILLIS, YG_OPT_AT(D, retry_max_ms), 1, 86400000, "300s",
         .help = "outbox: the longest back-off delay"},
        {"retry_max_age", YG_OPT_MILLIS, YG_OPT_AT(D, max_age_ms), 1, 365ull * 86400000, "1d",
         .help = "outbox: older deliveries go to the dead letters"},
        {0},
};
#undef D

static void *block_create(void)
{
	return yg_intg_def_new();
}

static void block_destroy(void *obj)
{
	yg_intg_def_free(obj);
}

const yg_opt_block yg_intg_block = {"integration", intg_opts,    sizeof(yg_intg_def),
                                    false,         block_create, block_destroy};

/* Warns about group lists Wazuh reads differently from what they seem to
 * say: Wazuh stops at an empty item ("a,,b" never tries b) and compares
 * items exactly (" b" with its blank). */
static void check_group(const yg_intg_def *def, const char *file, int line, yg_diag *d)
{
	const char *g = def->group;
	size_t len = strlen(g);
	const char *empty = strstr(g, ",,");
	if ((empty && empty + 2 < g + len) || g[0] == ',')
		yg_diag_add(d, YG_SEV_WARNING, file, line, "group",
		            "an empty item ends the list for Wazuh: later groups are ignored");
	if (strchr(g, ' '))
		yg_diag_add(d, YG_SEV_WARNING, file, line, "group",
		            "groups are compared exactly, blanks included");
}

/* Gives the block its unique outbox key. */
static bool assign_key(yg_intg_config *cfg, yg_intg_def *def)
{
	unsigned same = 1;
	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->defs[i]->name, def->name))
			same++;
	if (same == 1) {
		def->key = strdup(def->name);
	} else {
		size_t len = strlen(def->name) + 16;
		def->key = malloc(len);
		if (def->key)
			snprintf(def->key, len, "%s#%u", def->name, same);
	}
	return def->key != NULL;
}

static bool has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return true;
	return false;
}

/* Checks what the kind needs; keys and URLs go into HTTP headers and
 * argv, so control characters are refused. */
static bool check_kind(yg_intg_def *def, const char *file, int line, yg_diag *d)
{
	if (has_control(def->api_key) || has_control(def->hook_url)) {
		yg_diag_add(d, YG_SEV_ERROR, file, line, "integration",
		            "api_key and hook_url must not contain control characters");
		return false;
	}
	if (def->kind != YG_INTG_CUSTOM) {
		if (!def->hook_url || !is_http_url(def->hook_url)) {
			yg_diag_add(d, YG_SEV_ERROR, file, line, "hook_url",
			            "%s needs an http:// or https:// <hook_url>", def->name);
			return false;
		}
	}
	if (def->kind == YG_INTG_MATTERMOST)
		return read_mm_options(def, file, line, d);
	return true;
}

yg_intg_def *yg_intg_def_new(void)
{
	yg_intg_def *def = calloc(1, sizeof(*def));
	if (def && yg_opt_defaults(&yg_intg_block, def) != YG_OK) {
		yg_intg_def_free(def);
		return NULL;
	}
	if (def)
		def->max_attempts = def->max_retries + 1;
	return def;
}

yg_err yg_intg_config_add_integration(yg_intg_config *cfg, const yg_wxml_node *node,
                                      const char *file, yg_diag *diag)
{
	yg_intg_def *def = yg_intg_def_new();
	if (!def)
		return YG_ENOMEM;
	def->line = node->line;
	yg_err rc = yg_opt_read(&yg_intg_block, def, node, file, diag);
	if (rc) {
		yg_intg_def_free(def);
		return rc;
	}
	def->max_attempts = def->max_retries + 1;
	if (!strcmp(def->name, "webhook"))
		def->kind = YG_INTG_WEBHOOK;
	else if (!strcmp(def->name, "slack"))
		def->kind = YG_INTG_SLACK;
	else if (!strcmp(def->name, "mattermost"))
		def->kind = YG_INTG_MATTERMOST;
	else if (valid_custom_name(def->name))
		def->kind = YG_INTG_CUSTOM;
	else {
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "name",
		            "integration \"%s\" is not supported: block ignored", def->name);
		yg_intg_def_free(def);
		return YG_OK;
	}
	if (def->retry_max_ms < def->retry_min_ms)
		def->retry_max_ms = def->retry_min_ms;
	if (def->group)
		check_group(def, file, node->line, diag);
	if (def->alert_format && strcmp(def->alert_format, "json") != 0)
		yg_diag_add(diag, YG_SEV_WARNING, file, node->line, "alert_format",
		            "only json is written; \"%s\" is read as json", def->alert_format);
	if (!check_kind(def, file, node->line, diag)) {
		yg_intg_def_free(def);
		return YG_EPARSE;
	}
	if (file && !(def->file = strdup(file))) {
		yg_intg_def_free(def);
		return YG_ENOMEM;
	}
	return yg_intg_config_push(cfg, def);
}

void yg_intg_config_print(const yg_intg_config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->defs[i]->kind != YG_INTG_EMAIL)
			yg_opt_print(&yg_intg_block, cfg->defs[i], 2, out);
}

yg_err yg_intg_config_push(yg_intg_config *cfg, yg_intg_def *def)
{
	if (cfg->n == cfg->cap) {
		size_t nc = cfg->cap ? cfg->cap * 2 : 4;
		yg_intg_def **nd = realloc(cfg->defs, nc * sizeof(*nd));
		if (!nd) {
			yg_intg_def_free(def);
			return YG_ENOMEM;
		}
		cfg->defs = nd;
		cfg->cap = nc;
	}
	if (!assign_key(cfg, def)) {
		yg_intg_def_free(def);
		return YG_ENOMEM;
	}
	cfg->defs[cfg->n++] = def;
	return YG_OK;
}
