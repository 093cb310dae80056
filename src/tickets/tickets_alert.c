/* tickets_alert.c: what the ticket store reads out of a Wazuh alert: the
 * routing keys, the fold key, the timeline entry and the description. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ytime.h"
#include "tickets/tickets_int.h"

/* The article's route, used when none is configured. */
static const char *const default_groups[] = {"malware", "ids", "attack", "attacks"};
#define DEFAULT_LEVEL 7

static json_object *get(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (!b)
		return v;
	if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, b, &v))
		return NULL;
	return v;
}

/* A non-empty string member, or NULL. */
static const char *get_str(json_object *o, const char *a, const char *b)
{
	json_object *v = get(o, a, b);
	if (!v || !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
		return NULL;
	return json_object_get_string(v);
}

yg_err yg_tk_alert_parse(const char *json, size_t len, int64_t now_ms, tk_alert *a)
{
	memset(a, 0, sizeof(*a));
	if (!json || len == 0 || len > TK_MAX_ALERT)
		return YG_EPARSE;
	/* a bounded depth: json-c's parser recurses per nesting level */
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return YG_ENOMEM;
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t pend = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* one object and nothing after it but blanks */
	while (pend < len && isspace((unsigned char)json[pend]))
		pend++;
	if (!root || jerr != json_tokener_success || pend != len ||
	    !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return YG_EPARSE;
	}
	a->root = root;
	a->id = get_str(root, "id", NULL);
	json_object *rid = get(root, "rule", "id");
	if (rid && json_object_is_type(rid, json_type_int)) {
		/* a number: keep its text form, owned by json-c's object */
		a->rule_id = json_object_get_string(rid);
	} else {
		a->rule_id = get_str(root, "rule", "id");
	}
	if (!a->id || !a->rule_id) {
		json_object_put(root);
		memset(a, 0, sizeof(*a));
		return YG_EPARSE;
	}
	json_object *lv = get(root, "rule", "level");
	if (lv &&
	    (json_object_is_type(lv, json_type_int) || json_object_is_type(lv, json_type_string))) {
		int64_t l = json_object_get_int64(lv);
		a->level = l < 0 ? 0 : l > 16 ? 16 : (int)l;
	}
	a->description = get_str(root, "rule", "description");
	if (!a->description)
		a->description = "";
	json_object *g = get(root, "rule", "groups");
	a->groups = g && json_object_is_type(g, json_type_array) ? g : NULL;
	a->agent_id = get_str(root, "agent", "id");
	if (!a->agent_id)
		a->agent_id = "000";
	a->agent_name = get_str(root, "agent", "name");
	a->srcip = get_str(root, "data", "srcip");
	if (!a->srcip)
		a->srcip = get_str(root, "srcip", NULL);
	if (!a->srcip) /* Suricata's EVE names it src_ip */
		a->srcip = get_str(root, "data", "src_ip");
	a->fim_path = get_str(root, "syscheck", "path");
	a->full_log = get_str(root, "full_log", NULL);
	const char *ts = get_str(root, "timestamp", NULL);
	if (!ts || !yg_time_parse_alert(ts, &a->time_ms)) {
		/* Wazuh's id is "<epoch seconds>.<offset>" */
		char *end = NULL;
		long long secs = strtoll(a->id, &end, 10);
		if (end != a->id && secs > 0 && secs < 100000000000LL && (*end == '.' || !*end))
			a->time_ms = (int64_t)secs * 1000;
		else
			a->time_ms = now_ms;
	}
	return YG_OK;
}

bool yg_tk_alert_in_group(const tk_alert *a, const char *group)
{
	if (!a->groups)
		return false;
	size_t n = json_object_array_length(a->groups);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a->groups, i);
		if (e && json_object_is_type(e, json_type_string) &&
		    !strcmp(json_object_get_string(e), group))
			return true;
	}
	return false;
}

static bool in_list(const tk_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static bool route_match(const tk_route *r, const tk_alert *a)
{
	if (a->level < r->level)
		return false;
	if (r->rule_ids.n && !in_list(&r->rule_ids, a->rule_id))
		return false;
	if (r->agent_ids.n && !in_list(&r->agent_ids, a->agent_id))
		return false;
	if (r->groups.n) {
		size_t i;
		for (i = 0; i < r->groups.n; i++)
			if (yg_tk_alert_in_group(a, r->groups.v[i]))
				break;
		if (i == r->groups.n)
			return false;
	}
	return true;
}

bool yg_tk_route_match(const yg_tickets_config *cfg, const tk_alert *a)
{
	if (!cfg->enabled)
		return false;
	if (cfg->nroutes == 0) {
		if (a->level < DEFAULT_LEVEL)
			return false;
		for (size_t i = 0; i < sizeof(default_groups) / sizeof(default_groups[0]); i++)
			if (yg_tk_alert_in_group(a, default_groups[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < cfg->nroutes; i++)
		if (route_match(&cfg->routes[i], a))
			return true;
	return false;
}

/* Each part is length-prefixed so that no value can imitate another key
 * (a srcip holding "|agent=..." cannot collide with an agent key). */
static yg_err key_part(yg_buf *out, const char *name, const char *v)
{
	return yg_buf_printf(out, "%s:%zu:%s;", name, strlen(v), v);
}

yg_err yg_tk_alert_fold_key(const tk_alert *a, yg_buf *out)
{
	yg_err e = key_part(out, "rule", a->rule_id);
	if (e)
		return e;
	if (a->srcip)
		return key_part(out, "srcip", a->srcip);
	if ((e = key_part(out, "agent", a->agent_id)))
		return e;
	if (a->fim_path)
		return key_part(out, "path", a->fim_path);
	return YG_OK;
}

yg_tickets_kind yg_tk_alert_kind(const tk_alert *a)
{
	if (yg_tk_alert_in_group(a, "yara"))
		return YG_TL_YARA_HIT;
	if (get(a->root, "syscheck", NULL))
		return YG_TL_FIM_DIFF;
	return YG_TL_ALERT;
}

yg_err yg_tk_buf_put_trunc(yg_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		/* step back over UTF-8 continuation bytes */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return yg_buf_append(b, s, n);
}

/* Copies member `name` of src (if present) into dst, strings truncated. */
static void copy_member(json_object *dst, json_object *src, const char *name)
{
	json_object *v = get(src, name, NULL);
	if (!v)
		return;
	if (json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > TK_MAX_FULL_LOG) {
		yg_buf b;
		yg_buf_init(&b, TK_MAX_FULL_LOG + 8);
		if (yg_tk_buf_put_trunc(&b, json_object_get_string(v), TK_MAX_FULL_LOG) == YG_OK)
			json_object_object_add(dst, name,
			                       json_object_new_string_len(b.data, (int)b.len));
		yg_buf_free(&b);
		return;
	}
	json_object_object_add(dst, name, json_object_get(v));
}

yg_err yg_tk_alert_timeline_text(const tk_alert *a, yg_buf *out)
{
	json_object *o = json_object_new_object();
	if (!o)
		return YG_ENOMEM;
	json_object_object_add(o, "alert_id", json_object_new_string(a->id));
	json_object_object_add(o, "rule_id", json_object_new_string(a->rule_id));
	json_object_object_add(o, "level", json_object_new_int(a->level));
	json_object_object_add(o, "description", json_object_new_string(a->description));
	if (a->srcip)
		json_object_object_add(o, "srcip", json_object_new_string(a->srcip));
	copy_member(o, a->root, "full_log");
	yg_tickets_kind k = yg_tk_alert_kind(a);
	if (k == YG_TL_FIM_DIFF) {
		json_object *sc = get(a->root, "syscheck", NULL);
		json_object *f = json_object_new_object();
		static const char *const keys[] = {
		        "path",       "event",         "diff",         "md5_before",
		        "md5_after",  "sha256_before", "sha256_after", "size_before",
		        "size_after", "perm_before",   "perm_after",   "changed_attributes"};
		for (size_t i = 0; f && i < sizeof(keys) / sizeof(keys[0]); i++)
			copy_member(f, sc, keys[i]);
		if (f)
			json_object_object_add(o, "syscheck", f);
	} else if (k == YG_TL_YARA_HIT) {
		copy_member(o, a->root, "data");
	}
	size_t n = 0;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	yg_err e = s ? yg_buf_append(out, s, n) : YG_ENOMEM;
	json_object_put(o);
	return e;
}

yg_err yg_tk_alert_description(const tk_alert *a, yg_buf *out)
{
	yg_err e = yg_buf_printf(out, "Rule %s (level %d): %s\nAgent: %s%s%s%s\n", a->rule_id,
	                         a->level, a->description, a->agent_id, a->agent_name ? " (" : "",
	                         a->agent_name ? a->agent_name : "", a->agent_name ? ")" : "");
	if (!e && a->srcip)
		e = yg_buf_printf(out, "Source IP: %s\n", a->srcip);
	if (!e && a->fim_path)
		e = yg_buf_printf(out, "Path: %s\n", a->fim_path);
	if (!e)
		e = yg_buf_printf(out, "First alert: %s\n", a->id);
	if (!e && a->full_log) {
		e = yg_buf_puts(out, "Log: ");
		if (!e)
			e = yg_tk_buf_put_trunc(out, a->full_log, TK_MAX_FULL_LOG);
		if (!e)
			e = yg_buf_putc(out, '\n');
	}
	return e;
}
