/* format.c: integration payloads (see format.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "integrations/email.h"
#include "integrations/format.h"
#include "integrations/jsonout.h"

int yg_intg_severity(long level)
{
	if (level <= 7)
		return 1;
	return level <= 12 ? 2 : 3;
}

/* obj[key] or NULL. */
static json_object *get(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* obj[key] when it is a string, else NULL. */
static const char *get_str(json_object *obj, const char *key)
{
	json_object *v = get(obj, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long rule_level(json_object *alert)
{
	json_object *lv = get(get(alert, "rule"), "level");
	return lv ? (long)json_object_get_int64(lv) : 0;
}

/* A new reference to v, or a JSON null when v is NULL. */
static json_object *ref(json_object *v)
{
	return v ? json_object_get(v) : NULL;
}

static bool is_incident(json_object *alert)
{
	json_object *g = get(get(alert, "rule"), "groups");
	if (!g || !json_object_is_type(g, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(g); i++) {
		json_object *v = json_object_array_get_idx(g, i);
		if (json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), "incident"))
			return true;
	}
	return false;
}

/* ---- webhook (custom-n8n) ---- */

static json_object *webhook_msg(json_object *alert)
{
	json_object *m = json_object_new_object();
	json_object *rule = get(alert, "rule");
	json_object *desc = get(rule, "description");
	if (!m)
		return NULL;
	json_object_object_add(m, "severity",
	                       json_object_new_int(yg_intg_severity(rule_level(alert))));
	json_object_object_add(m, "title", desc ? ref(desc) : json_object_new_string("N/A"));
	json_object_object_add(m, "text", ref(get(alert, "full_log")));
	json_object_object_add(m, "rule_id", ref(get(rule, "id")));
	json_object_object_add(m, "timestamp", ref(get(alert, "timestamp")));
	json_object_object_add(m, "id", ref(get(alert, "id")));
	json_object_object_add(m, "all_fields", ref(alert));
	return m;
}

/* ---- slack (Wazuh's slack.py) ---- */

static json_object *field(const char *title, json_object *value)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "title", json_object_new_string(title));
	json_object_object_add(f, "value", value);
	return f;
}

/* Python's str() of a JSON scalar as slack.py's format() would print it. */
static void py_str(yg_buf *b, json_object *v)
{
	if (!v)
		yg_buf_puts(b, "None");
	else if (json_object_is_type(v, json_type_string))
		yg_buf_puts(b, json_object_get_string(v));
	else
		yg_jsonout_python(b, v);
}

static json_object *slack_msg(const yg_intg_def *def, json_object *alert)
{
	json_object *rule = get(alert, "rule");
	json_object *desc = get(rule, "description");
	json_object *agent = get(alert, "agent");
	long level = rule_level(alert);
	json_object *m = json_object_new_object(), *fields = json_object_new_array();
	yg_buf s;
	yg_buf_init(&s, 1 << 16);
	json_object_object_add(m, "color",
	                       json_object_new_string(level <= 4   ? "good"
	                                              : level <= 7 ? "warning"
	                                                           : "danger"));
	json_object_object_add(m, "pretext", json_object_new_string("WAZUH Alert"));
	json_object_object_add(m, "title", desc ? ref(desc) : json_object_new_string("N/A"));
	json_object_object_add(m, "text", ref(get(alert, "full_log")));
	if (agent) {
		yg_buf_putc(&s, '(');
		py_str(&s, get(agent, "id"));
		yg_buf_puts(&s, ") - ");
		py_str(&s, get(agent, "name"));
		json_object_array_add(fields, field("Agent", json_object_new_string(s.data)));
	}
	if (get(alert, "agentless"))
		json_object_array_add(
		        fields, field("Agentless Host", ref(get(get(alert, "agentless"), "host"))));
	json_object_array_add(fields, field("Location", ref(get(alert, "location"))));
	yg_buf_reset(&s);
	py_str(&s, get(rule, "id"));
	yg_buf_printf(&s, " _(Level %ld)_", level);
	json_object_array_add(fields,
	                      field("Rule ID", json_object_new_string(s.data ? s.data : "")));
	yg_buf_free(&s);
	json_object_object_add(m, "fields", fields);
	json_object_object_add(m, "ts", ref(get(alert, "id")));
	if (def->options_raw) {
		/* msg.update(options): known keys keep their place. */
		json_object *o = json_tokener_parse(def->options_raw);
		if (o && json_object_is_type(o, json_type_object)) {
			json_object_object_foreach(o, k, v) json_object_object_add(m, k, ref(v));
		}
		json_object_put(o);
	}
	json_object *top = json_object_new_object(), *arr = json_object_new_array();
	json_object_array_add(arr, m);
	json_object_object_add(top, "attachments", arr);
	return top;
}

/* ---- mattermost message ---- */

static const char *const severity_word[] = {"Medium", "High", "Critical"};

/* The n8n Code node's `log`: full_log pretty-printed as JSON when the
 * decoder is "json" (falls back to the text when it does not parse). */
static yg_err put_log(yg_buf *b, json_object *alert)
{
	json_object *fl = get(alert, "full_log");
	const char *text =
	        fl && json_object_is_type(fl, json_type_string) ? json_object_get_string(fl) : "";
	size_t len = fl ? (size_t)json_object_get_string_len(fl) : 0;
	const char *dec = get_str(get(alert, "decoder"), "name");
	if (dec && !strcmp(dec, "json")) {
		json_object *j = yg_jsonout_parse(text, len);
		if (j) {
			yg_err e = yg_jsonout_js_pretty(b, j);
			json_object_put(j);
			return e;
		}
	}
	return yg_buf_append(b, text, strnlen(text, len));
}

/* Every line of the log, each quoted with "> ". */
static yg_err put_quoted_log(yg_buf *b, json_object *alert)
{
	yg_buf log;
	yg_err e;
	yg_buf_init(&log, b->max);
	e = put_log(&log, alert);
	const char *p = log.data ? log.data : "";
	while (!e) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		e = yg_buf_puts(b, "> ");
		if (!e)
			e = yg_buf_append(b, p, n);
		if (!nl)
			break;
		if (!e)
			e = yg_buf_putc(b, '\n');
		p = nl + 1;
	}
	yg_buf_free(&log);
	return e;
}

static const char *icon(json_object *alert)
{
	return is_incident(alert) ? ":fire: " : ":rotating_light:";
}

static const char *title(json_object *alert)
{
	const char *t = get_str(get(alert, "rule"), "description");
	return t ? t : "N/A";
}

static const char *const placeholders[] = {
        "title", "severity",   "level", "rule_id",   "agent", "agent_id", "srcip",
        "log",   "log_quoted", "id",    "timestamp", "icon",  "location", "groups",
};

/* Appends placeholder `name` (one of placeholders[]). */
static yg_err put_placeholder(yg_buf *b, const char *name, json_object *alert)
{
	json_object *rule = get(alert, "rule");
	json_object *v = NULL;
	if (!strcmp(name, "title"))
		return yg_buf_puts(b, title(alert));
	if (!strcmp(name, "severity"))
		return yg_buf_puts(b, severity_word[yg_intg_severity(rule_level(alert)) - 1]);
	if (!strcmp(name, "level"))
		return yg_buf_printf(b, "%ld", rule_level(alert));
	if (!strcmp(name, "log"))
		return put_log(b, alert);
	if (!strcmp(name, "log_quoted"))
		return put_quoted_log(b, alert);
	if (!strcmp(name, "icon"))
		return yg_buf_puts(b, icon(alert));
	if (!strcmp(name, "groups")) {
		json_object *g = get(rule, "groups");
		yg_err e = YG_OK;
		for (size_t i = 0; !e && g && json_object_is_type(g, json_type_array) &&
		                   i < json_object_array_length(g);
		     i++) {
			if (i)
				e = yg_buf_putc(b, ',');
			if (!e)
				e = yg_buf_puts(
				        b, json_object_get_string(json_object_array_get_idx(g, i)));
		}
		return e;
	}
	if (!strcmp(name, "rule_id"))
		v = get(rule, "id");
	else if (!strcmp(name, "agent"))
		v = get(get(alert, "agent"), "name");
	else if (!strcmp(name, "agent_id"))
		v = get(get(alert, "agent"), "id");
	else if (!strcmp(name, "srcip"))
		v = get(get(alert, "data"), "srcip");
	else if (!strcmp(name, "id"))
		v = get(alert, "id");
	else if (!strcmp(name, "timestamp"))
		v = get(alert, "timestamp");
	else if (!strcmp(name, "location"))
		v = get(alert, "location");
	return v ? yg_buf_puts(b, json_object_get_string(v)) : YG_OK;
}

/* Finds the placeholder at p ("{{ name }}"): its index and the length of
 * the whole token, or -1 when p is not a well-formed known placeholder
 * (*bad is then set when it looked like one). */
static int scan_placeholder(const char *p, size_t *toklen, bool *bad)
{
	const char *q = p + 2, *end;
	*bad = false;
	while (*q == ' ')
		q++;
	const char *name = q;
	while ((*q >= 'a' && *q <= 'z') || *q == '_')
		q++;
	size_t nlen = (size_t)(q - name);
	while (*q == ' ')
		q++;
	end = q;
	if (strncmp(end, "}}", 2) != 0) {
		*bad = true;
		return -1;
	}
	for (size_t i = 0; i < sizeof(placeholders) / sizeof(*placeholders); i++) {
		if (strlen(placeholders[i]) == nlen && !strncmp(placeholders[i], name, nlen)) {
			*toklen = (size_t)(end + 2 - p);
			return (int)i;
		}
	}
	*bad = true;
	return -1;
}

bool yg_intg_template_check(const char *tpl, char *err, size_t errlen)
{
	for (const char *p = strstr(tpl, "{{"); p; p = strstr(p + 2, "{{")) {
		size_t tl;
		bool bad;
		if (scan_placeholder(p, &tl, &bad) < 0) {
			snprintf(err, errlen, "unknown or unterminated placeholder at \"%.20s\"",
			         p);
			return false;
		}
		p += tl - 2;
	}
	return true;
}

yg_err yg_intg_format_mm_message(const yg_intg_def *def, json_object *alert, yg_buf *out)
{
	yg_err e;
	const char *tpl = def ? def->mm_template : NULL;
	if (!tpl) {
		/* The article: "** {icon}[{severity}]{title} **\n\n> {log}". */
		e = yg_buf_printf(out, "** %s[%s]%s **\n\n", icon(alert),
		                  severity_word[yg_intg_severity(rule_level(alert)) - 1],
		                  title(alert));
		return e ? e : put_quoted_log(out, alert);
	}
	const char *p = tpl;
	for (;;) {
		const char *o = strstr(p, "{{");
		size_t tl = 0;
		bool bad;
		int ix = o ? scan_placeholder(o, &tl, &bad) : -1;
		if (!o || ix < 0)
			return yg_buf_puts(out, p); /* checked at configuration */
		if ((e = yg_buf_append(out, p, (size_t)(o - p))))
			return e;
		if ((e = put_placeholder(out, placeholders[ix], alert)))
			return e;
		p = o + tl;
	}
}

/* ---- bodies ---- */

static yg_err mm_body(const yg_intg_def *def, json_object *alert, yg_buf *out)
{
	yg_buf msg;
	yg_err e;
	yg_buf_init(&msg, out->max);
	e = yg_intg_format_mm_message(def, alert, &msg);
	const char *m = msg.data ? msg.data : "";
	if (!e && def->mm_mode == YG_INTG_MM_API) {
		e = yg_buf_puts(out, "{\"channel_id\": ");
		if (!e)
			e = yg_jsonout_python_str(out, def->mm_channel_id,
			                          strlen(def->mm_channel_id));
		if (!e)
			e = yg_buf_puts(out, ", \"message\": ");
		if (!e)
			e = yg_jsonout_python_str(out, m, msg.len);
		if (!e)
			e = yg_buf_putc(out, '}');
	} else if (!e) {
		const char *keys[] = {"channel", "username", "icon_url"};
		const char *vals[] = {def->mm_channel, def->mm_username, def->mm_icon_url};
		e = yg_buf_puts(out, "{\"text\": ");
		if (!e)
			e = yg_jsonout_python_str(out, m, msg.len);
		for (size_t i = 0; !e && i < 3; i++) {
			if (!vals[i])
				continue;
			e = yg_buf_printf(out, ", \"%s\": ", keys[i]);
			if (!e)
				e = yg_jsonout_python_str(out, vals[i], strlen(vals[i]));
		}
		if (!e)
			e = yg_buf_putc(out, '}');
	}
	yg_buf_free(&msg);
	return e;
}

yg_err yg_intg_format_body(const yg_intg_def *def, json_object *alert, const char *text, size_t len,
                           yg_buf *out)
{
	json_object *m = NULL;
	yg_err e;
	switch (def->kind) {
	case YG_INTG_CUSTOM:
		/* integratord writes the alert as one JSON line. */
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			len--;
		e = yg_buf_append(out, text, len);
		return e ? e : yg_buf_putc(out, '\n');
	case YG_INTG_MATTERMOST: return mm_body(def, alert, out);
	case YG_INTG_EMAIL: return yg_email_format(def, alert, out);
	case YG_INTG_WEBHOOK: m = webhook_msg(alert); break;
	case YG_INTG_SLACK: m = slack_msg(def, alert); break;
	}
	if (!m)
		return YG_ENOMEM;
	e = yg_jsonout_python(out, m);
	json_object_put(m);
	return e;
}

/* ---- requests ---- */

yg_err yg_intg_format_request(const yg_intg_def *def, yg_buf *url, yg_buf *scratch,
                              const char *hdrs[YG_INTG_MAX_HEADERS], size_t *nhdrs)
{
	size_t off[YG_INTG_MAX_HEADERS], n = 0;
	yg_err e = YG_OK;
	const char *list[YG_INTG_MAX_HEADERS][2] = {{0}};
	list[n][0] = "Content-Type: application/json";
	n++;
	switch (def->kind) {
	case YG_INTG_WEBHOOK:
		list[n++][0] = "Accept: application/json";
		if (def->api_key)
			list[n][0] = "X-ApiKey: ", list[n++][1] = def->api_key;
		break;
	case YG_INTG_SLACK: list[n++][0] = "Accept-Charset: UTF-8"; break;
	case YG_INTG_MATTERMOST:
		if (def->mm_mode == YG_INTG_MM_API) {
			list[n++][0] = "Accept: application/json";
			list[n][0] = "Authorization: Bearer ", list[n++][1] = def->api_key;
		}
		break;
	case YG_INTG_CUSTOM:
	case YG_INTG_EMAIL: return YG_EINVAL;
	}
	for (size_t i = 0; !e && i < n; i++) {
		off[i] = scratch->len;
		e = yg_buf_puts(scratch, list[i][0]);
		if (!e && list[i][1])
			e = yg_buf_puts(scratch, list[i][1]);
		if (!e)
			e = yg_buf_append(scratch, "", 1); /* keep the NUL */
	}
	for (size_t i = 0; !e && i < n; i++)
		hdrs[i] = scratch->data + off[i];
	*nhdrs = e ? 0 : n;
	if (e)
		return e;
	e = yg_buf_puts(url, def->hook_url);
	if (!e && def->kind == YG_INTG_MATTERMOST && def->mm_mode == YG_INTG_MM_API) {
		static const char api[] = "/api/v4/posts";
		while (url->len > 0 && url->data[url->len - 1] == '/')
			url->data[--url->len] = '\0';
		if (url->len < sizeof(api) - 1 ||
		    strcmp(url->data + url->len - (sizeof(api) - 1), api) != 0)
			e = yg_buf_puts(url, api);
	}
	return e;
}
