/* be_store.c: the alerts group of the API backend, over the alert store
 * (searches, details, FIM events) and alert_stats (the dashboard). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_backend.h"
#include "store/alert_stats.h"
#include "store/alerts.h"

typedef struct store_be {
	yg_alert_store *store;
	yg_alert_stats *stats;
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
	json_object *e = json_object_new_object();
	if (!e)
		return 1;
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
	free(b);
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
	if (err) {
		free(b);
		return err;
	}
	be->alerts = (yg_api_alerts_ops){
	        .ctx = b,
	        .search = be_search,
	        .get = be_get,
	        .stats = be_stats,
	        .fim = be_fim,
	        .release = be_release,
	};
	return YG_OK;
}
