/* integrations.c: the facade (see integrations.h). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "integrations/deliver.h"
#include "integrations/format.h"
#include "integrations/integrations.h"
#include "integrations/jsonout.h"

/* A body larger than this is refused (an alert is at most a few hundred KiB). */
#define BODY_MAX (16u << 20)

struct yg_integrations {
	const yg_intg_config *cfg;
	bool *enabled;
	yg_outbox *ob;
	char *scripts_dir, *tmpdir;
	yg_integrations_log_fn log;
	void *log_ctx;
	unsigned grace_ms;
	yg_intg_deliver *d;
};

static void say(yg_integrations *ig, yg_severity sev, const char *msg)
{
	if (ig->log)
		ig->log(ig->log_ctx, sev, msg);
}

static void free_ig(yg_integrations *ig)
{
	yg_outbox_close(ig->ob);
	free(ig->enabled);
	free(ig->scripts_dir);
	free(ig->tmpdir);
	free(ig);
}

/* integratord's start-up check: a custom-* block needs its script. */
static void check_scripts(yg_integrations *ig)
{
	for (size_t i = 0; i < yg_intg_config_count(ig->cfg); i++) {
		const yg_intg_def *def = yg_intg_config_get(ig->cfg, i);
		char path[1024], msg[1200];
		ig->enabled[i] = true;
		if (def->kind != YG_INTG_CUSTOM)
			continue;
		int n = snprintf(path, sizeof(path), "%s/%s", ig->scripts_dir, def->name);
		if (n < 0 || (size_t)n >= sizeof(path) || access(path, X_OK) != 0) {
			ig->enabled[i] = false;
			snprintf(msg, sizeof(msg),
			         "Unable to enable integration for: '%s'. File not found (or not "
			         "executable) inside '%s'.",
			         def->name, ig->scripts_dir);
			say(ig, YG_SEV_ERROR, msg);
		}
	}
}

yg_err yg_integrations_create(const yg_intg_config *cfg, const yg_integrations_opts *opts,
                              yg_integrations **out)
{
	yg_integrations *ig = calloc(1, sizeof(*ig));
	yg_err e;
	if (!ig)
		return YG_ENOMEM;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ig->cfg = cfg;
	ig->log = opts->log;
	ig->log_ctx = opts->log_ctx;
	ig->grace_ms = opts->stop_grace_ms ? opts->stop_grace_ms : 2000;
	ig->enabled = calloc(yg_intg_config_count(cfg) + 1, sizeof(bool));
	ig->scripts_dir = strdup(opts->scripts_dir ? opts->scripts_dir : "integrations");
	ig->tmpdir = strdup(opts->tmpdir ? opts->tmpdir : "/tmp");
	if (!ig->enabled || !ig->scripts_dir || !ig->tmpdir) {
		free_ig(ig);
		return YG_ENOMEM;
	}
	check_scripts(ig);
	if ((e = yg_outbox_open(opts->outbox_path, &ig->ob))) {
		free_ig(ig);
		return e;
	}
	/* Old delivered rows only serve to ignore a re-offered alert; a week
	 * is far beyond any crash-recovery window. Dead rows stay a month. */
	int64_t now = yg_intg_now_ms();
	yg_outbox_prune(ig->ob, now - 7 * 86400000LL, now - 30 * 86400000LL);
	if ((e = yg_intg_deliver_start(cfg, ig->enabled, ig->ob, ig->scripts_dir, ig->tmpdir,
	                               ig->log, ig->log_ctx, opts->mail_window_ms, &ig->d))) {
		free_ig(ig);
		return e;
	}
	*out = ig;
	return YG_OK;
}

void yg_integrations_destroy(yg_integrations *ig)
{
	if (!ig)
		return;
	yg_intg_deliver_stop(ig->d, ig->grace_ms);
	free_ig(ig);
}

/* ---- filters (integratord's order: location, level, group, rule id) ---- */

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v)
	               ? v
	               : NULL;
}

/* Wazuh's group test: the configured list is read item by item up to its
 * end or its first empty item; an item matches a group of the alert when
 * equal to it. */
static bool group_match(const char *list, json_object *groups)
{
	if (!groups || !json_object_is_type(groups, json_type_array))
		return false;
	const char *item = list;
	while (item && *item) {
		const char *end = strchr(item, ',');
		size_t n = end ? (size_t)(end - item) : strlen(item);
		if (n == 0)
			break;
		for (size_t i = 0; i < json_object_array_length(groups); i++) {
			json_object *g = json_object_array_get_idx(groups, i);
			const char *s = json_object_get_string(g);
			if (json_object_is_type(g, json_type_string) && strlen(s) == n &&
			    !strncmp(s, item, n))
				return true;
		}
		item = end ? end + 1 : NULL;
	}
	return false;
}

/* maild's group test: an OS_Match pattern on the groups as alerts.log
 * writes them ("g1,g2,"). */
static bool group_pattern(const yg_osmatch *re, json_object *groups)
{
	yg_buf b;
	yg_buf_init(&b, 1 << 16);
	for (size_t i = 0; groups && json_object_is_type(groups, json_type_array) &&
	                   i < json_object_array_length(groups);
	     i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(groups, i));
		yg_buf_printf(&b, "%s,", s ? s : "");
	}
	bool hit = yg_osmatch_exec(re, b.data ? b.data : "");
	yg_buf_free(&b);
	return hit;
}

/* atoi of the leading digits, as integratord reads rule.id. */
static unsigned rule_number(const char *s)
{
	unsigned long v = 0;
	while (*s == ' ')
		s++;
	for (; *s >= '0' && *s <= '9' && v < 100000000; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return (unsigned)v;
}

static bool accepts(const yg_intg_def *def, json_object *alert, json_object *rule)
{
	if (def->location) {
		json_object *loc = get(alert, "location");
		if (!loc || !json_object_is_type(loc, json_type_string) ||
		    !yg_osmatch_exec(def->location, json_object_get_string(loc)))
			return false;
	}
	if (def->level) {
		json_object *lv = get(rule, "level");
		if (!lv || json_object_get_int64(lv) < (int64_t)def->level)
			return false;
	}
	if (def->group && !group_match(def->group, get(rule, "groups")))
		return false;
	if (def->group_re && !group_pattern(def->group_re, get(rule, "groups")))
		return false;
	if (def->rule_ids) {
		json_object *id = get(rule, "id");
		if (!id)
			return false;
		unsigned n = rule_number(json_object_get_string(id));
		bool hit = false;
		for (size_t i = 0; i < def->nrule_ids && !hit; i++)
			hit = def->rule_ids[i] == n;
		if (!hit)
			return false;
	}
	return true;
}

yg_err yg_integrations_offer(yg_integrations *ig, const char *alert_json, size_t len,
                             unsigned *queued)
{
	json_object *alert = yg_jsonout_parse(alert_json, len);
	unsigned added_n = 0;
	yg_err e = YG_OK;
	if (queued)
		*queued = 0;
	if (!alert || !json_object_is_type(alert, json_type_object)) {
		json_object_put(alert);
		return YG_EPARSE;
	}
	json_object *rule = get(alert, "rule"), *id = get(alert, "id");
	if (!id || !json_object_is_type(id, json_type_string) || !*json_object_get_string(id)) {
		json_object_put(alert);
		return YG_EINVAL;
	}
	if (!rule) {
		json_object_put(alert);
		return YG_OK;
	}
	int64_t now = yg_intg_now_ms();
	for (size_t i = 0; !e && i < yg_intg_config_count(ig->cfg); i++) {
		const yg_intg_def *def = yg_intg_config_get(ig->cfg, i);
		yg_buf body;
		bool added = false;
		if (!ig->enabled[i] || !accepts(def, alert, rule))
			continue;
		yg_buf_init(&body, BODY_MAX);
		e = yg_intg_format_body(def, alert, alert_json, len, &body);
		if (!e)
			e = yg_outbox_enqueue(ig->ob, def->key, json_object_get_string(id),
			                      body.data ? body.data : "", body.len, now, &added);
		yg_buf_free(&body);
		added_n += added;
	}
	json_object_put(alert);
	if (added_n)
		yg_intg_deliver_wake(ig->d);
	if (queued)
		*queued = added_n;
	return e;
}

yg_err yg_integrations_stats(yg_integrations *ig, const char *key, yg_outbox_stats *out)
{
	return yg_outbox_stats_get(ig->ob, key, out);
}

yg_err yg_integrations_list(yg_integrations *ig, const char *key, int state, int64_t after_id,
                            size_t limit, yg_outbox_row_fn fn, void *ctx)
{
	return yg_outbox_list(ig->ob, key, state, after_id, limit, fn, ctx);
}

yg_err yg_integrations_retry_dead(yg_integrations *ig, int64_t id)
{
	yg_err e = yg_outbox_retry_dead(ig->ob, id, yg_intg_now_ms());
	if (!e)
		yg_intg_deliver_wake(ig->d);
	return e;
}

bool yg_integrations_wait_idle(yg_integrations *ig, unsigned timeout_ms)
{
	int64_t end = yg_intg_now_ms() + timeout_ms;
	for (;;) {
		uint64_t busy = 0;
		for (size_t i = 0; i < yg_intg_config_count(ig->cfg); i++) {
			yg_outbox_stats st;
			if (!ig->enabled[i])
				continue;
			if (yg_outbox_stats_get(ig->ob, yg_intg_config_get(ig->cfg, i)->key, &st))
				return false;
			busy += st.pending + st.in_flight;
		}
		if (busy == 0)
			return true;
		if (yg_intg_now_ms() >= end)
			return false;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}
