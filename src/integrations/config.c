/* config.c: reading Wazuh's <integration> blocks. */
#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

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

/* Copies s without leading/trailing blanks; NULL on ENOMEM. */
static char *trim_dup(const char *s)
{
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

/* Plain decimal (Wazuh's OS_StrIsNum); false when not all digits or > max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

bool yg_intg_parse_duration(const char *s, uint64_t max_ms, uint64_t *out_ms)
{
	char num[24];
	size_t n = 0;
	uint64_t v, mult = 1000;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	const char *unit = s + n;
	if (!*unit || !strcmp(unit, "s"))
		mult = 1000;
	else if (!strcmp(unit, "ms"))
		mult = 1;
	else if (!strcmp(unit, "m"))
		mult = 60000;
	else if (!strcmp(unit, "h"))
		mult = 3600000;
	else if (!strcmp(unit, "d"))
		mult = 86400000;
	else
		return false;
	if (!parse_uint(num, max_ms / mult, &v))
		return false;
	*out_ms = v * mult;
	return true;
}

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

/* ---- one option ---- */

/* Stores child `c` (value `v`, trimmed, owned here) into def. Returns false
 * after reporting into d. */
static bool read_option(yg_intg_def *def, const yg_wxml_node *c, char *v, const char *file,
                        yg_diag *d)
{
	const char *el = c->name;
	uint64_t n = 0;
	char **slot = NULL;
	if (!strcmp(el, "name"))
		slot = &def->name;
	else if (!strcmp(el, "hook_url"))
		slot = &def->hook_url;
	else if (!strcmp(el, "api_key"))
		slot = &def->api_key;
	else if (!strcmp(el, "group"))
		slot = &def->group;
	else if (!strcmp(el, "alert_format"))
		slot = &def->alert_format;
	if (slot) {
		free(*slot);
		*slot = v;
		return true;
	}
	bool ok = true;
	if (!strcmp(el, "options")) {
		json_object *o = json_tokener_parse(v);
		if (!o || !json_object_is_type(o, json_type_object)) {
			yg_diag_add(d, YG_SEV_ERROR, file, c->line, el, "must be a JSON object");
			ok = false;
		} else {
			free(def->options_raw);
			def->options_raw = v;
			v = NULL;
		}
		json_object_put(o);
	} else if (!strcmp(el, "level")) {
		ok = parse_uint(v, 16, &n);
		def->level = (unsigned)n;
	} else if (!strcmp(el, "rule_id")) {
		free(def->rule_ids);
		def->rule_ids = NULL;
		ok = yg_intg_parse_rule_ids(v, &def->rule_ids, &def->nrule_ids);
	} else if (!strcmp(el, "event_location")) {
		char err[128];
		yg_osmatch_destroy(def->location);
		def->location = NULL;
		free(def->location_raw);
		def->location_raw = NULL;
		if (yg_osmatch_compile(v, &def->location, err, sizeof(err)) != YG_OK) {
			yg_diag_add(d, YG_SEV_ERROR, file, c->line, el, "bad pattern \"%s\": %s", v,
			            err);
			free(v);
			return false;
		}
		def->location_raw = v;
		v = NULL;
	} else if (!strcmp(el, "max_log")) {
		ok = parse_uint(v, 1024, &n) && n >= 165;
		def->max_log = (unsigned)n;
	} else if (!strcmp(el, "timeout")) {
		ok = parse_uint(v, 3600, &n) && n > 0;
		def->timeout = (unsigned)n;
	} else if (!strcmp(el, "retries")) {
		ok = parse_uint(v, 1000, &n);
		def->retries = (unsigned)n;
	} else if (!strcmp(el, "max_retries")) {
		ok = parse_uint(v, 100000, &n);
		def->max_attempts = (unsigned)n + 1;
	} else if (!strcmp(el, "max_in_flight")) {
		ok = parse_uint(v, 64, &n) && n > 0;
		def->max_in_flight = (unsigned)n;
	} else if (!strcmp(el, "retry_min")) {
		ok = yg_intg_parse_duration(v, 3600000, &def->retry_min_ms) &&
		     def->retry_min_ms > 0;
	} else if (!strcmp(el, "retry_max")) {
		ok = yg_intg_parse_duration(v, 86400000, &def->retry_max_ms) &&
		     def->retry_max_ms > 0;
	} else if (!strcmp(el, "retry_max_age")) {
		ok = yg_intg_parse_duration(v, 365ull * 86400000, &def->max_age_ms) &&
		     def->max_age_ms > 0;
	} else {
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, el, "unknown option of <integration>");
		free(v);
		return false;
	}
	if (!ok)
		yg_diag_add(d, YG_SEV_ERROR, file, c->line, el, "invalid value \"%s\"", v);
	free(v);
	return ok;
}

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
	if (!def)
		return NULL;
	def->max_log = 165;
	def->timeout = 10;
	def->retries = 3;
	def->max_attempts = 21;
	def->retry_min_ms = 1000;
	def->retry_max_ms = 300000;
	def->max_age_ms = 86400000;
	def->max_in_flight = 1;
	return def;
}

yg_err yg_intg_config_add_integration(yg_intg_config *cfg, const yg_wxml_node *node,
                                      const char *file, yg_diag *diag)
{
	yg_intg_def *def = yg_intg_def_new();
	bool ok = true;
	if (!def)
		return YG_ENOMEM;
	def->line = node->line;
	for (size_t i = 0; i < node->nchildren; i++) {
		const yg_wxml_node *c = node->children[i];
		char *v = trim_dup(c->content);
		if (!v) {
			yg_intg_def_free(def);
			return YG_ENOMEM;
		}
		if (!*v) {
			yg_diag_add(diag, YG_SEV_ERROR, file, c->line, c->name, "empty value");
			free(v);
			ok = false;
			continue;
		}
		if (!read_option(def, c, v, file, diag))
			ok = false;
	}
	if (ok && !def->name) {
		yg_diag_add(diag, YG_SEV_ERROR, file, node->line, "integration",
		            "<name> is required");
		ok = false;
	}
	if (!ok) {
		yg_intg_def_free(def);
		return YG_EPARSE;
	}
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
