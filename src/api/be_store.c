/* be_store.c: the alerts group of the API backend, over the alert store
 * (searches, details, FIM events) and alert_stats (the dashboard). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_backend.h"
#include "engine/engine.h"
#include "engine/geoip.h"
#include "engine/mitre.h"
#include "outputs/alert_query.h"
#include "outputs/alert_stats.h"
#include "outputs/alert_store.h"

/* A rule's own description and level, from the ruleset. */
typedef struct rule_info {
	unsigned id;
	int level;
	char *description;
} rule_info;

typedef struct store_be {
	yg_alert_store *store;
	yg_alert_stats *stats;
	yg_alert_query_db *aq;
	rule_info *rules; /* sorted by id */
	size_t nrules;
	yg_geoip *geoip; /* NULL: none */
} store_be;

typedef struct collect {
	json_object *items;
	bool fim;
	bool full; /* get(): keep the whole JSON */
	json_object *one;
} collect;

static void set_msg(char *msg, size_t sz, const char *s)
{
	if (msg && sz)
		snprintf(msg, sz, "%s", s);
}

static json_object *iso_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[40];
	if (!gmtime_r(&t, &tm))
		return NULL;
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
	return json_object_new_string(buf);
}

static json_object *groups_array(const char *g)
{
	json_object *a = json_object_new_array();
	while (a && *g) {
		const char *c = strchr(g, ',');
		size_t n = c ? (size_t)(c - g) : strlen(g);
		if (n)
			json_object_array_add(a, json_object_new_string_len(g, (int)n));
		g += n + (c ? 1 : 0);
	}
	return a;
}

/* The alert's "syscheck" object (parsed from its JSON), or NULL. */
static json_object *syscheck_of(const char *json, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *root = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL;
	json_tokener_free(tok);
	json_object *sc = NULL;
	if (root && json_object_object_get_ex(root, "syscheck", &sc))
		json_object_get(sc);
	else
		sc = NULL;
	json_object_put(root);
	return sc;
}

/* The summary of one alert (the rows of /alerts and the stream). */
static json_object *row_json(const yg_alert_row *row)
{
	json_object *e = json_object_new_object();
	if (!e)
		return NULL;
	json_object_object_add(e, "id", json_object_new_string(row->id));
	json_object_object_add(e, "time_ms", json_object_new_int64(row->time_ms));
	json_object_object_add(e, "timestamp", iso_time(row->time_ms));
	json_object_object_add(e, "rule_id", json_object_new_string(row->rule_id));
	json_object_object_add(e, "level", json_object_new_int(row->level));
	json_object_object_add(e, "description", json_object_new_string(row->description));
	json_object_object_add(e, "groups", groups_array(row->groups));
	json_object_object_add(e, "agent_id", json_object_new_string(row->agent_id));
	json_object_object_add(e, "agent_name", json_object_new_string(row->agent_name));
	json_object_object_add(e, "srcip", json_object_new_string(row->srcip));
	json_object_object_add(e, "location", json_object_new_string(row->location));
	return e;
}

static int row_cb(void *ctx, const yg_alert_row *row)
{
	collect *c = ctx;
	if (c->full) {
		json_tokener *tok = json_tokener_new_ex(64);
		c->one = tok ? json_tokener_parse_ex(tok, row->json, (int)row->json_len) : NULL;
		json_tokener_free(tok);
		if (!c->one) /* not JSON after all: give the text */
			c->one = json_object_new_string_len(row->json, (int)row->json_len);
		return 1;
	}
	json_object *e = row_json(row);
	if (!e)
		return 1;
	if (c->fim)
		json_object_object_add(e, "syscheck", syscheck_of(row->json, row->json_len));
	json_object_array_add(c->items, e);
	return 0;
}

static yg_err run(store_be *b, const yg_api_alert_filter *f, bool fim, json_object **out, char *msg,
                  size_t msgsz)
{
	yg_alert_query q = {
	        .since_ms = f->since_ms,
	        .until_ms = f->until_ms,
	        .min_level = f->min_level,
	        .max_level = f->max_level,
	        .rule_id = f->rule_id,
	        .group = fim ? "syscheck" : f->group,
	        .group_exact = true,
	        .agent_id = f->agent_id,
	        .srcip = f->srcip,
	        .text = f->text,
	        .limit = f->limit,
	        .offset = f->offset,
	};
	collect c = {.items = json_object_new_array(), .fim = fim};
	if (!c.items)
		return YG_ENOMEM;
	yg_err err = yg_alert_store_query(b->store, &q, row_cb, &c);
	if (err) {
		json_object_put(c.items);
		set_msg(msg, msgsz, "the alert store cannot be searched now");
		return err;
	}
	*out = c.items;
	return YG_OK;
}

static yg_err be_search(void *ctx, const yg_api_alert_filter *f, json_object **out, char *msg,
                        size_t msgsz)
{
	return run(ctx, f, false, out, msg, msgsz);
}

static yg_err be_fim(void *ctx, const yg_api_alert_filter *f, json_object **out, char *msg,
                     size_t msgsz)
{
	return run(ctx, f, true, out, msg, msgsz);
}

static yg_err be_get(void *ctx, const char *id, json_object **out, char *msg, size_t msgsz)
{
	store_be *b = ctx;
	yg_alert_query q = {.id = id, .limit = 1};
	collect c = {.full = true};
	yg_err err = yg_alert_store_query(b->store, &q, row_cb, &c);
	if (err) {
		json_object_put(c.one);
		set_msg(msg, msgsz, "the alert store cannot be read now");
		return err;
	}
	if (!c.one)
		return YG_ENOTFOUND;
	*out = c.one;
	return YG_OK;
}

typedef struct top_ctx {
	json_object *arr;
	const char *key_name, *label_name;
} top_ctx;

static int top_cb(void *ctx, const char *key, const char *label, uint64_t count)
{
	top_ctx *t = ctx;
	json_object *e = json_object_new_object();
	json_object_object_add(e, t->key_name, json_object_new_string(key));
	if (t->label_name)
		json_object_object_add(e, t->label_name, json_object_new_string(label));
	json_object_object_add(e, "count", json_object_new_int64((int64_t)count));
	json_object_array_add(t->arr, e);
	return 0;
}

static yg_err be_stats(void *ctx, const yg_api_stats_req *r, json_object **out, char *msg,
                       size_t msgsz)
{
	store_be *b = ctx;
	size_t nb = (size_t)((r->until_ms - r->since_ms + r->bucket_ms - 1) / r->bucket_ms);
	if (nb == 0 || nb > YG_ALERT_STATS_BUCKETS_MAX) {
		set_msg(msg, msgsz, "too many buckets");
		return YG_EINVAL;
	}
	uint64_t *counts = calloc(nb * (YG_ALERT_LEVEL_MAX + 1), sizeof(*counts));
	json_object *o = json_object_new_object();
	uint64_t total = 0;
	yg_err err = counts && o ? YG_OK : YG_ENOMEM;
	if (!err)
		err = yg_alert_stats_histogram(b->stats, r->since_ms, r->until_ms, r->bucket_ms,
		                               counts, nb, &total);
	if (!err) {
		json_object *h = json_object_new_array();
		for (size_t i = 0; i < nb; i++) {
			json_object *e = json_object_new_object(), *lv = json_object_new_object();
			for (int l = 0; l <= YG_ALERT_LEVEL_MAX; l++) {
				uint64_t c = counts[i * (YG_ALERT_LEVEL_MAX + 1) + (size_t)l];
				char k[4];
				snprintf(k, sizeof(k), "%d", l);
				if (c)
					json_object_object_add(lv, k,
					                       json_object_new_int64((int64_t)c));
			}
			json_object_object_add(
			        e, "t",
			        json_object_new_int64(r->since_ms + (int64_t)i * r->bucket_ms));
			json_object_object_add(e, "counts", lv);
			json_object_array_add(h, e);
		}
		json_object_object_add(o, "since_ms", json_object_new_int64(r->since_ms));
		json_object_object_add(o, "until_ms", json_object_new_int64(r->until_ms));
		json_object_object_add(o, "bucket_ms", json_object_new_int64(r->bucket_ms));
		json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
		json_object_object_add(o, "histogram", h);
	}
	static const struct {
		yg_alert_stats_key key;
		const char *field, *key_name, *label_name;
	} tops[] = {
	        {YG_ALERT_STATS_RULE, "top_rules", "rule_id", "description"},
	        {YG_ALERT_STATS_AGENT, "top_agents", "agent_id", "agent_name"},
	        {YG_ALERT_STATS_SRCIP, "top_srcips", "srcip", NULL},
	};
	for (size_t i = 0; i < 3 && !err; i++) {
		top_ctx t = {json_object_new_array(), tops[i].key_name, tops[i].label_name};
		err = yg_alert_stats_top(b->stats, tops[i].key, r->since_ms, r->until_ms, r->top,
		                         top_cb, &t);
		json_object_object_add(o, tops[i].field, t.arr);
	}
	free(counts);
	if (err) {
		json_object_put(o);
		set_msg(msg, msgsz, "the alert statistics cannot be read now");
		return err;
	}
	*out = o;
	return YG_OK;
}

static void be_release(void *ctx)
{
	store_be *b = ctx;
	if (!b)
		return;
	yg_alert_stats_close(b->stats);
	yg_alert_query_close(b->aq);
	for (size_t i = 0; i < b->nrules; i++)
		free(b->rules[i].description);
	free(b->rules);
	yg_geoip_close(b->geoip);
	free(b);
}

/* ---- the analyst's console (alert_query.h) ---- */

static yg_err q_err(yg_err err, char *msg, size_t msgsz)
{
	if (err)
		set_msg(msg, msgsz,
		        err == YG_EINVAL ? "the query is not valid"
		                         : "the alert store cannot be read now");
	return err;
}

typedef struct page_ctx {
	json_object *items;
	bool seq;
} page_ctx;

static int page_cb(void *ctx, const yg_aq_row *r)
{
	page_ctx *p = ctx;
	json_object *e = row_json(&r->a);
	if (!e)
		return 1;
	json_object_object_add(e, "seq", json_object_new_int64(r->seq));
	json_object_array_add(p->items, e);
	return 0;
}

static yg_err be_page(void *ctx, const yg_aq_filter *f, yg_aq_sort sort, bool desc, size_t limit,
                      size_t offset, json_object **out, char *msg, size_t msgsz)
{
	store_be *b = ctx;
	uint64_t total = 0;
	page_ctx p = {.items = json_object_new_array()};
	json_object *o = json_object_new_object();
	yg_err err = p.items && o ? YG_OK : YG_ENOMEM;
	if (!err)
		err = yg_alert_query_count(b->aq, f, &total);
	if (!err)
		err = yg_alert_query_rows(b->aq, f, sort, desc, limit, offset, NULL, false, page_cb,
		                          &p);
	if (err) {
		json_object_put(p.items);
		json_object_put(o);
		return q_err(err, msg, msgsz);
	}
	json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "items", p.items);
	*out = o;
	return YG_OK;
}

static yg_err be_span(void *ctx, const yg_aq_filter *f, int64_t *first, int64_t *last)
{
	store_be *b = ctx;
	return yg_alert_query_span(b->aq, f, first, last);
}

static yg_err be_histogram(void *ctx, const yg_aq_filter *f, int64_t since_ms, int64_t interval_ms,
                           uint64_t *counts, size_t n, uint64_t *total)
{
	store_be *b = ctx;
	return yg_alert_query_histogram(b->aq, f, since_ms, interval_ms, counts, n, total);
}

static yg_err be_count(void *ctx, const yg_aq_filter *f, uint64_t *out)
{
	store_be *b = ctx;
	return yg_alert_query_count(b->aq, f, out);
}

static yg_err be_rows(void *ctx, const yg_aq_filter *f, yg_aq_sort sort, bool desc, size_t limit,
                      yg_aq_cursor *after, yg_aq_row_cb cb, void *cbctx)
{
	store_be *b = ctx;
	return yg_alert_query_rows(b->aq, f, sort, desc, limit, 0, after, true, cb, cbctx);
}

static int rule_cmp(const void *a, const void *b)
{
	unsigned x = ((const rule_info *)a)->id, y = ((const rule_info *)b)->id;
	return x < y ? -1 : x > y;
}

static const rule_info *rule_find(const store_be *b, const char *id)
{
	char *end = NULL;
	unsigned long v = strtoul(id, &end, 10);
	if (!b->rules || !*id || *end || v > UINT32_MAX)
		return NULL;
	rule_info key = {.id = (unsigned)v};
	return bsearch(&key, b->rules, b->nrules, sizeof(*b->rules), rule_cmp);
}

/* The description of the latest alert of a rule the ruleset does not know
 * (any more): better than nothing. */
static json_object *latest_description(store_be *b, const yg_aq_filter *f, const char *rule)
{
	yg_aq_filter one = *f;
	one.rule_ids[0] = rule;
	one.nrule_ids = 1;
	page_ctx p = {.items = json_object_new_array()};
	json_object *d = NULL;
	if (p.items &&
	    !yg_alert_query_rows(b->aq, &one, YG_AQ_SORT_TIME, true, 1, 0, NULL, false, page_cb,
	                         &p) &&
	    json_object_array_length(p.items) == 1)
		d = json_object_get(json_object_object_get(json_object_array_get_idx(p.items, 0),
		                                           "description"));
	json_object_put(p.items);
	return d;
}

/* One grouped rule; its description is added once the grouping query
 * is over (the connection runs one statement at a time). */
static int top_rule_cb(void *ctx, const char *key, uint64_t count, int max_level, int64_t last_ms)
{
	json_object *e = json_object_new_object();
	if (!e)
		return 1;
	json_object_object_add(e, "rule_id", json_object_new_string(key));
	json_object_object_add(e, "level", json_object_new_int(max_level));
	json_object_object_add(e, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(e, "last_ms", json_object_new_int64(last_ms));
	json_object_array_add(ctx, e);
	return 0;
}

static yg_err be_top_rules(void *ctx, const yg_aq_filter *f, size_t n, json_object **out, char *msg,
                           size_t msgsz)
{
	store_be *b = ctx;
	json_object *arr = json_object_new_array();
	if (!arr)
		return YG_ENOMEM;
	yg_err err = yg_alert_query_top(b->aq, f, YG_AQ_SORT_RULE, n, top_rule_cb, arr);
	for (size_t i = 0; !err && i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *id = json_object_get_string(json_object_object_get(e, "rule_id"));
		const rule_info *ri = rule_find(b, id);
		json_object_object_add(e, "description",
		                       ri ? json_object_new_string(ri->description)
		                          : latest_description(b, f, id));
		if (ri)
			json_object_object_add(e, "level", json_object_new_int(ri->level));
		json_object_object_add(e, "in_ruleset", json_object_new_boolean(ri != NULL));
	}
	if (err) {
		json_object_put(arr);
		return q_err(err, msg, msgsz);
	}
	*out = arr;
	return YG_OK;
}

typedef struct tech_count {
	const yg_mitre_technique *t;
	uint64_t count;
} tech_count;

typedef struct mitre_ctx {
	tech_count *v;
	size_t n, cap;
} mitre_ctx;

static int mitre_cb(void *ctx, const char *technique, uint64_t count)
{
	mitre_ctx *m = ctx;
	const yg_mitre_technique *t = yg_mitre_find(technique);
	if (!t)
		return 0; /* not an ATT&CK id: no tactic to show it under */
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		tech_count *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return 1;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = (tech_count){t, count};
	return 0;
}

/* {tactics:[...]} in MITRE's tactic order, each tactic's techniques by id. */
static json_object *mitre_json(const mitre_ctx *m, uint64_t total)
{
	json_object *o = json_object_new_object(), *tactics = json_object_new_array();
	for (size_t ti = 0; o && tactics && ti < yg_mitre_ntactics; ti++) {
		json_object *techs = NULL;
		for (size_t i = 0; i < m->n; i++) {
			const yg_mitre_technique *t = m->v[i].t;
			bool in = false;
			for (size_t k = 0; k < t->ntactics; k++)
				in |= t->tactics[k] == ti;
			if (!in)
				continue;
			if (!techs)
				techs = json_object_new_array();
			json_object *e = json_object_new_object();
			json_object_object_add(e, "id", json_object_new_string(t->id));
			json_object_object_add(e, "name", json_object_new_string(t->name));
			json_object_object_add(e, "count",
			                       json_object_new_int64((int64_t)m->v[i].count));
			json_object_array_add(techs, e);
		}
		if (!techs)
			continue;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_string(yg_mitre_tactics[ti].id));
		json_object_object_add(e, "name",
		                       json_object_new_string(yg_mitre_tactics[ti].name));
		json_object_object_add(e, "techniques", techs);
		json_object_array_add(tactics, e);
	}
	json_object_object_add(o, "tactics", tactics);
	json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
	return o;
}

static yg_err be_mitre(void *ctx, const yg_aq_filter *f, json_object **out, char *msg, size_t msgsz)
{
	store_be *b = ctx;
	mitre_ctx m = {0};
	uint64_t total = 0;
	yg_err err = yg_alert_query_mitre(b->aq, f, mitre_cb, &m, &total);
	if (!err && !(*out = mitre_json(&m, total)))
		err = YG_ENOMEM;
	free(m.v);
	return q_err(err, msg, msgsz);
}

typedef struct src_ctx {
	store_be *b;
	json_object *arr;
} src_ctx;

/* country_code, country, lat, lon of ip from the GeoIP database (nulls
 * when none or unknown). */
static void add_place(const store_be *b, const char *ip, json_object *e)
{
	char code[64] = "";
	json_object *loc = NULL;
	if (b->geoip) {
		if (yg_geoip_code(b->geoip, ip, code, sizeof(code)))
			code[2] = code[2] == ' ' || code[2] == '\0' ? '\0' : code[2];
		yg_buf lb;
		yg_buf_init(&lb, 4096);
		if (yg_geoip_location_json(b->geoip, ip, &lb) && lb.data)
			loc = json_tokener_parse(lb.data);
		yg_buf_free(&lb);
	}
	json_object *ll = loc ? json_object_object_get(loc, "location") : NULL;
	json_object_object_add(e, "country_code",
	                       code[0] ? json_object_new_string_len(code, 2) : NULL);
	json_object_object_add(
	        e, "country",
	        json_object_get(loc ? json_object_object_get(loc, "country_name") : NULL));
	json_object_object_add(e, "lat",
	                       json_object_get(ll ? json_object_object_get(ll, "lat") : NULL));
	json_object_object_add(e, "lon",
	                       json_object_get(ll ? json_object_object_get(ll, "lon") : NULL));
	json_object_put(loc);
}

static int src_cb(void *ctx, const char *key, uint64_t count, int max_level, int64_t last_ms)
{
	src_ctx *s = ctx;
	json_object *e = json_object_new_object();
	if (!e)
		return 1;
	json_object_object_add(e, "srcip", json_object_new_string(key));
	json_object_object_add(e, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(e, "max_level", json_object_new_int(max_level));
	json_object_object_add(e, "last", json_object_new_int64(last_ms));
	add_place(s->b, key, e);
	json_object_array_add(s->arr, e);
	return 0;
}

static yg_err be_sources(void *ctx, const yg_aq_filter *f, size_t n, json_object **out, char *msg,
                         size_t msgsz)
{
	src_ctx s = {ctx, json_object_new_array()};
	if (!s.arr)
		return YG_ENOMEM;
	yg_err err = yg_alert_query_top(s.b->aq, f, YG_AQ_SORT_SRCIP, n, src_cb, &s);
	if (err) {
		json_object_put(s.arr);
		return q_err(err, msg, msgsz);
	}
	*out = s.arr;
	return YG_OK;
}

static int path_cb(void *ctx, const char *path, uint64_t count, int64_t last_ms)
{
	json_object *e = json_object_new_object();
	if (!e)
		return 1;
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(e, "last_ms", json_object_new_int64(last_ms));
	json_object_array_add(ctx, e);
	return 0;
}

static yg_err be_fim_paths(void *ctx, const yg_aq_filter *f, size_t n, json_object **out, char *msg,
                           size_t msgsz)
{
	store_be *b = ctx;
	json_object *arr = json_object_new_array();
	if (!arr)
		return YG_ENOMEM;
	yg_err err = yg_alert_query_fim_paths(b->aq, f, n, path_cb, arr);
	if (err) {
		json_object_put(arr);
		return q_err(err, msg, msgsz);
	}
	*out = arr;
	return YG_OK;
}

static yg_err be_after(void *ctx, int64_t after, size_t limit, json_object **out, int64_t *last)
{
	store_be *b = ctx;
	page_ctx p = {.items = json_object_new_array()};
	if (!p.items)
		return YG_ENOMEM;
	yg_err err = yg_alert_query_after(b->aq, after, limit, false, page_cb, &p, last);
	if (err) {
		json_object_put(p.items);
		return err;
	}
	*out = p.items;
	return YG_OK;
}

yg_err yg_api_backend_store_extras(yg_api_backend *be, const yg_ruleset *rs, const char *geoip_path,
                                   yg_diag *diag)
{
	store_be *b = be ? be->alerts.ctx : NULL;
	if (!b || be->alerts.release != be_release)
		return YG_EINVAL;
	size_t n = rs ? yg_ruleset_nrules(rs) : 0;
	if (n) {
		b->rules = calloc(n, sizeof(*b->rules));
		if (!b->rules)
			return YG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		rule_info *ri = &b->rules[b->nrules];
		const char *d = NULL;
		if (!yg_ruleset_rule_at(rs, i, &ri->id, &ri->level, &d))
			continue;
		if (!(ri->description = strdup(d)))
			return YG_ENOMEM;
		b->nrules++;
	}
	if (b->rules)
		qsort(b->rules, b->nrules, sizeof(*b->rules), rule_cmp);
	if (geoip_path) {
		char why[256] = "";
		if (yg_geoip_open(geoip_path, &b->geoip, why, sizeof(why)) && diag)
			yg_diag_add(diag, YG_SEV_WARNING, geoip_path, 0, "api",
			            "GeoIP database not usable (%s): sources have no country", why);
	}
	return YG_OK;
}

yg_err yg_api_backend_store(yg_api_backend *be, yg_alert_store *store, const char *db_path,
                            yg_diag *diag)
{
	if (!be || !store || !db_path)
		return YG_EINVAL;
	store_be *b = calloc(1, sizeof(*b));
	if (!b)
		return YG_ENOMEM;
	b->store = store;
	yg_err err = yg_alert_stats_open(db_path, diag, &b->stats);
	if (!err)
		err = yg_alert_query_open(db_path, diag, &b->aq);
	if (err) {
		yg_alert_stats_close(b->stats);
		free(b);
		return err;
	}
	be->alerts = (yg_api_alerts_ops){
	        .ctx = b,
	        .search = be_search,
	        .get = be_get,
	        .stats = be_stats,
	        .fim = be_fim,
	        .page = be_page,
	        .span = be_span,
	        .histogram = be_histogram,
	        .count = be_count,
	        .rows = be_rows,
	        .top_rules = be_top_rules,
	        .mitre = be_mitre,
	        .sources = be_sources,
	        .fim_paths = be_fim_paths,
	        .after = be_after,
	        .release = be_release,
	};
	return YG_OK;
}
