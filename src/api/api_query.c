/* api_query.c: the analyst's console queries (issue 14): GET /alerts with
 * its total and sort, /alerts/histogram, /alerts/export, /stats/rules,
 * /stats/mitre, /stats/sources and /fim/stats, over one set of filter
 * parameters (api_aq_read). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "common/ybuf.h"

#define PAGE_MAX 500
#define OFFSET_MAX 10000000
#define EXPORT_MAX 100000
#define EXPORT_PAGE 500
#define DAY_MS (86400LL * 1000)

/* The filter parameters every query takes (see docs/api.md). */
#define AQ_PARAMS                                                                                  \
	"since", "until", "rule_id", "agent", "agent_id", "srcip", "group", "technique", "level",  \
	        "level_min", "min_level", "max_level", "q"

static bool read_ips(api_req *r, yg_aq_filter *f)
{
	if (!api_arg_list(r, "srcip", API_CS_ID, 45, f->srcips, YG_AQ_VALUES_MAX, &f->nsrcips))
		return false;
	for (size_t i = 0; i < f->nsrcips; i++) {
		unsigned char buf[16];
		if (inet_pton(AF_INET, f->srcips[i], buf) != 1 &&
		    inet_pton(AF_INET6, f->srcips[i], buf) != 1) {
			api_error(r, 400, "invalid_parameter", "srcip",
			          "each value must be an IPv4 or IPv6 address");
			return false;
		}
	}
	return true;
}

static bool read_levels(api_req *r, yg_aq_filter *f)
{
	const char *v[YG_AQ_VALUES_MAX];
	size_t n = 0;
	if (!api_arg_list(r, "level", API_CS_DIGITS, 2, v, YG_AQ_VALUES_MAX, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		int l = atoi(v[i]); /* 1 or 2 digits, checked above */
		if (l > 16) {
			api_error(r, 400, "invalid_parameter", "level",
			          "each value must be a level from 0 to 16");
			return false;
		}
		f->levels[f->nlevels++] = l;
	}
	return true;
}

bool api_aq_read(api_req *r, yg_aq_filter *f)
{
	memset(f, 0, sizeof(*f));
	int64_t since = 0, until = 0, lmin = 0, lmin2 = 0, lmax = 0;
	const char *agent_id = NULL;
	if (!api_arg_time(r, "since", &since) || !api_arg_time(r, "until", &until) ||
	    !api_arg_int(r, "level_min", 0, 16, &lmin) ||
	    !api_arg_int(r, "min_level", 0, 16, &lmin2) ||
	    !api_arg_int(r, "max_level", 0, 16, &lmax) ||
	    !api_arg_list(r, "rule_id", API_CS_DIGITS, 16, f->rule_ids, YG_AQ_VALUES_MAX,
	                  &f->nrule_ids) ||
	    !api_arg_list(r, "agent", API_CS_DIGITS, 16, f->agents, YG_AQ_VALUES_MAX,
	                  &f->nagents) ||
	    !api_arg_str(r, "agent_id", API_CS_DIGITS, 16, &agent_id) ||
	    !api_arg_list(r, "group", API_CS_ID, 128, f->groups, YG_AQ_VALUES_MAX, &f->ngroups) ||
	    !api_arg_list(r, "technique", API_CS_ID, 16, f->techniques, YG_AQ_VALUES_MAX,
	                  &f->ntechniques) ||
	    !read_ips(r, f) || !read_levels(r, f) ||
	    !api_arg_str(r, "q", API_CS_TEXT, API_ARG_MAX, &f->text))
		return false;
	if (agent_id && f->nagents < YG_AQ_VALUES_MAX)
		f->agents[f->nagents++] = agent_id; /* the older name of agent */
	if (since && until && since >= until) {
		api_error(r, 400, "invalid_parameter", "until", "must be later than since");
		return false;
	}
	f->since_ms = since;
	f->until_ms = until;
	f->level_min = (int)(lmin ? lmin : lmin2);
	f->level_max = (int)lmax;
	if (f->level_max && f->level_min > f->level_max) {
		api_error(r, 400, "invalid_parameter", "max_level", "must not be below level_min");
		return false;
	}
	return true;
}

bool api_aq_sort(api_req *r, yg_aq_sort *sort, bool *desc)
{
	static const struct {
		const char *name;
		yg_aq_sort sort;
	} names[] = {{"time", YG_AQ_SORT_TIME},
	             {"level", YG_AQ_SORT_LEVEL},
	             {"rule_id", YG_AQ_SORT_RULE},
	             {"agent", YG_AQ_SORT_AGENT},
	             {"srcip", YG_AQ_SORT_SRCIP}};
	const char *s = NULL;
	*sort = YG_AQ_SORT_TIME;
	*desc = true;
	if (!api_arg_str(r, "sort", API_CS_ID, 16, &s))
		return false;
	if (!s)
		return true;
	*desc = s[0] == '-';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s + (*desc ? 1 : 0), names[i].name) == 0) {
			*sort = names[i].sort;
			return true;
		}
	}
	api_error(r, 400, "invalid_parameter", "sort",
	          "must be time, level, rule_id, agent or srcip, with - for descending");
	return false;
}

/* ---- GET /alerts ---- */

void api_h_alerts(api_req *r)
{
	static const char *const allowed[] = {AQ_PARAMS, "sort", "limit", "offset", NULL};
	yg_aq_filter f;
	yg_aq_sort sort;
	bool desc;
	int64_t limit = 50, offset = 0;
	if (!api_args_allow(r, allowed) || !api_aq_read(r, &f) || !api_aq_sort(r, &sort, &desc) ||
	    !api_arg_int(r, "limit", 1, PAGE_MAX, &limit) ||
	    !api_arg_int(r, "offset", 0, OFFSET_MAX, &offset))
		return;
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	if (!ops->page) {
		api_unavailable(r, "the alert store");
		return;
	}
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->page(ops->ctx, &f, sort, desc, (size_t)limit, (size_t)offset, &o, msg,
	                       sizeof(msg));
	if (err || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_EIO, msg);
		return;
	}
	int64_t total = json_object_get_int64(json_object_object_get(o, "total"));
	bool more = offset + limit < total;
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	json_object_object_add(o, "more", json_object_new_boolean(more));
	json_object_object_add(o, "next_offset",
	                       more ? json_object_new_int64(offset + limit) : NULL);
	api_reply(r, 200, o);
}

/* ---- GET /alerts/histogram ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The window of a histogram: since/until as given; a missing until is now
 * (or just after the newest alert of f when that is later), a missing
 * since the oldest alert of f (or until - 24 h when f is empty). */
static bool window(api_req *r, yg_aq_filter *f, int64_t *since, int64_t *until)
{
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	int64_t first = 0, last = 0;
	if ((!f->since_ms || !f->until_ms) && ops->span(ops->ctx, f, &first, &last)) {
		api_backend_error(r, YG_EIO, "the alert store cannot be read now");
		return false;
	}
	*until = f->until_ms ? f->until_ms : (last >= now_ms() ? last + 1 : now_ms());
	*since = f->since_ms ? f->since_ms : (first && first < *until ? first : *until - DAY_MS);
	if (*since < 0)
		*since = 0;
	if (*since >= *until) {
		api_error(r, 400, "invalid_parameter", "until", "must be later than since");
		return false;
	}
	f->since_ms = *since;
	f->until_ms = *until;
	return true;
}

static json_object *histogram_json(int64_t since, int64_t until, int64_t interval, uint64_t total,
                                   const uint64_t *counts, size_t n)
{
	json_object *o = json_object_new_object(), *b = json_object_new_array();
	if (!o || !b) {
		json_object_put(o);
		json_object_put(b);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "t",
		                       json_object_new_int64(since + (int64_t)i * interval));
		json_object_object_add(e, "count", json_object_new_int64((int64_t)counts[i]));
		json_object_array_add(b, e);
	}
	json_object_object_add(o, "since", json_object_new_int64(since));
	json_object_object_add(o, "until", json_object_new_int64(until));
	json_object_object_add(o, "interval_ms", json_object_new_int64(interval));
	json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "buckets", b);
	return o;
}

/* Histogram of f over its window in n buckets; NULL with the reply set. */
static json_object *histogram(api_req *r, yg_aq_filter *f, int64_t n)
{
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	int64_t since, until;
	if (!window(r, f, &since, &until))
		return NULL;
	int64_t span = until - since;
	int64_t interval = (span + n - 1) / n;
	if (interval < 1)
		interval = 1;
	n = (span + interval - 1) / interval; /* fewer buckets for a tiny window */
	uint64_t counts[YG_AQ_BUCKETS_MAX], total = 0;
	yg_err err = ops->histogram(ops->ctx, f, since, interval, counts, (size_t)n, &total);
	if (err) {
		api_backend_error(r, err, "the alert store cannot be read now");
		return NULL;
	}
	json_object *o = histogram_json(since, until, interval, total, counts, (size_t)n);
	if (!o)
		api_reply(r, 500, NULL);
	return o;
}

void api_h_alerts_histogram(api_req *r)
{
	static const char *const allowed[] = {AQ_PARAMS, "buckets", NULL};
	yg_aq_filter f;
	int64_t n = 60;
	if (!api_args_allow(r, allowed) || !api_aq_read(r, &f) ||
	    !api_arg_int(r, "buckets", 1, YG_AQ_BUCKETS_MAX, &n))
		return;
	if (!r->api->be.alerts.histogram || !r->api->be.alerts.span) {
		api_unavailable(r, "the alert store");
		return;
	}
	json_object *o = histogram(r, &f, n);
	if (o)
		api_reply(r, 200, o);
}

/* ---- GET /alerts/export ---- */

typedef struct export_state {
	yg_api_alerts_ops ops;
	yg_aq_filter f;
	char arena[API_SCRATCH + 512]; /* f's strings */
	yg_aq_sort sort;
	bool desc, csv, done;
	yg_aq_cursor cur;
	size_t left; /* rows still allowed */
	yg_buf buf;
	size_t off;
} export_state;

/* Copies s into the state's arena (it outlives the request). */
static const char *arena_dup(export_state *x, size_t *used, const char *s)
{
	size_t n = strlen(s) + 1;
	if (sizeof(x->arena) - *used < n)
		return NULL;
	char *d = x->arena + *used;
	memcpy(d, s, n);
	*used += n;
	return d;
}

static bool copy_filter(export_state *x, const yg_aq_filter *f)
{
	size_t used = 0;
	bool ok = true;
	x->f = *f;
	for (size_t i = 0; i < f->nrule_ids; i++)
		ok &= (x->f.rule_ids[i] = arena_dup(x, &used, f->rule_ids[i])) != NULL;
	for (size_t i = 0; i < f->nagents; i++)
		ok &= (x->f.agents[i] = arena_dup(x, &used, f->agents[i])) != NULL;
	for (size_t i = 0; i < f->nsrcips; i++)
		ok &= (x->f.srcips[i] = arena_dup(x, &used, f->srcips[i])) != NULL;
	for (size_t i = 0; i < f->ngroups; i++)
		ok &= (x->f.groups[i] = arena_dup(x, &used, f->groups[i])) != NULL;
	for (size_t i = 0; i < f->ntechniques; i++)
		ok &= (x->f.techniques[i] = arena_dup(x, &used, f->techniques[i])) != NULL;
	if (f->text)
		ok &= (x->f.text = arena_dup(x, &used, f->text)) != NULL;
	return ok;
}

/* One CSV field per RFC 4180 (quoted when it holds a comma, quote, CR or
 * LF; quotes doubled). A text field starting with = + - @ or a tab gets a
 * leading ' so that a spreadsheet does not run it as a formula. */
static void csv_field(yg_buf *b, const char *s, bool text, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool formula = text && strchr("=+-@\t", s[0]) && s[0];
	if (quote)
		yg_buf_putc(b, '"');
	if (formula)
		yg_buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			yg_buf_putc(b, '"');
		yg_buf_putc(b, *p);
	}
	if (quote)
		yg_buf_putc(b, '"');
	yg_buf_puts(b, last ? "\r\n" : ",");
}

static void iso(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, n, "%lld", (long long)ms);
		return;
	}
	size_t w = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + w, n - w, ".%03dZ", (int)(ms % 1000));
}

static int export_row(void *ctx, const yg_aq_row *row)
{
	export_state *x = ctx;
	const yg_alert_row *a = &row->a;
	if (!x->csv) {
		yg_buf_append(&x->buf, a->json, a->json_len);
		yg_buf_putc(&x->buf, '\n');
	} else {
		char t[40], lv[8];
		iso(a->time_ms, t, sizeof(t));
		snprintf(lv, sizeof(lv), "%d", a->level);
		csv_field(&x->buf, a->id, false, false);
		csv_field(&x->buf, t, false, false);
		csv_field(&x->buf, lv, false, false);
		csv_field(&x->buf, a->rule_id, false, false);
		csv_field(&x->buf, a->description, true, false);
		csv_field(&x->buf, a->agent_id, false, false);
		csv_field(&x->buf, a->agent_name, true, false);
		csv_field(&x->buf, a->srcip, false, false);
		csv_field(&x->buf, a->location, true, false);
		csv_field(&x->buf, a->groups, true, true);
	}
	x->left--;
	return 0;
}

/* libmicrohttpd asks for the next bytes: a keyset page of rows is
 * formatted whenever the buffer is drained, so memory stays one page. */
static ssize_t export_read(void *cls, uint64_t pos, char *out, size_t max)
{
	export_state *x = cls;
	(void)pos;
	if (x->off == x->buf.len && !x->done) {
		yg_buf_reset(&x->buf);
		x->off = 0;
		size_t n = x->left < EXPORT_PAGE ? x->left : EXPORT_PAGE;
		size_t before = x->left;
		if (n == 0 || x->ops.rows(x->ops.ctx, &x->f, x->sort, x->desc, n, &x->cur,
		                          export_row, x) != YG_OK)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		x->done = before - x->left < n || x->left == 0;
	}
	if (x->off == x->buf.len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = x->buf.len - x->off;
	if (n > max)
		n = max;
	memcpy(out, x->buf.data + x->off, n);
	x->off += n;
	return (ssize_t)n;
}

static void export_free(void *cls)
{
	export_state *x = cls;
	yg_buf_free(&x->buf);
	free(x);
}

void api_h_alerts_export(api_req *r)
{
	static const char *const allowed[] = {AQ_PARAMS, "sort", "format", NULL};
	yg_aq_filter f;
	yg_aq_sort sort;
	bool desc;
	const char *format = NULL;
	if (!api_args_allow(r, allowed) || !api_aq_read(r, &f) || !api_aq_sort(r, &sort, &desc) ||
	    !api_arg_str(r, "format", API_CS_ID, 8, &format))
		return;
	bool csv = !format || strcmp(format, "csv") == 0;
	if (!csv && strcmp(format, "jsonl") != 0) {
		api_error(r, 400, "invalid_parameter", "format", "must be csv or jsonl");
		return;
	}
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	uint64_t total = 0;
	if (!ops->rows || !ops->count) {
		api_unavailable(r, "the alert store");
		return;
	}
	if (ops->count(ops->ctx, &f, &total)) {
		api_backend_error(r, YG_EIO, "the alert store cannot be read now");
		return;
	}
	export_state *x = calloc(1, sizeof(*x));
	if (!x || !copy_filter(x, &f)) {
		free(x);
		api_reply(r, 500, NULL);
		return;
	}
	x->ops = *ops;
	x->sort = sort;
	x->desc = desc;
	x->csv = csv;
	x->left = total < EXPORT_MAX ? (size_t)total : EXPORT_MAX;
	x->done = x->left == 0;
	yg_buf_init(&x->buf, 64u << 20);
	if (csv)
		yg_buf_puts(&x->buf, "id,time,level,rule_id,description,agent_id,agent_name,srcip,"
		                     "location,groups\r\n");
	r->raw = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, export_read, x,
	                                           export_free);
	if (!r->raw) {
		export_free(x);
		api_reply(r, 500, NULL);
		return;
	}
	char v[32];
	MHD_add_response_header(r->raw, "Content-Type",
	                        csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
	MHD_add_response_header(r->raw, "Content-Disposition",
	                        csv ? "attachment; filename=\"alerts.csv\""
	                            : "attachment; filename=\"alerts.jsonl\"");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)total);
	MHD_add_response_header(r->raw, "X-Total-Count", v);
	snprintf(v, sizeof(v), "%zu", x->left);
	MHD_add_response_header(r->raw, "X-Export-Rows", v);
	MHD_add_response_header(r->raw, "X-Export-Truncated",
	                        total > EXPORT_MAX ? "true" : "false");
	r->status = 200;
}

/* ---- GET /stats/rules, /stats/mitre, /stats/sources ---- */

typedef yg_err (*list_op)(void *ctx, const yg_aq_filter *f, size_t n, json_object **out, char *msg,
                          size_t msgsz);

static void top_list(api_req *r, list_op op, size_t max, const char *what)
{
	static const char *const allowed[] = {AQ_PARAMS, "limit", NULL};
	yg_aq_filter f;
	int64_t limit = 10;
	if (!api_args_allow(r, allowed) || !api_aq_read(r, &f) ||
	    !api_arg_int(r, "limit", 1, (int64_t)max, &limit))
		return;
	if (!op) {
		api_unavailable(r, what);
		return;
	}
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = op(r->api->be.alerts.ctx, &f, (size_t)limit, &o, msg, sizeof(msg));
	if (err || !o) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_EIO, msg);
		return;
	}
	json_object *w = json_object_new_object();
	json_object_object_add(w, "items", o);
	api_reply(r, 200, w);
}

void api_h_stats_rules(api_req *r)
{
	top_list(r, r->api->be.alerts.top_rules, YG_AQ_TOP_MAX, "the alert store");
}

/* Adds "banned" and "ban" to each source from the bans in force. */
static void add_bans(api_req *r, json_object *items)
{
	yg_api_bans_ops *b = &r->api->be.bans;
	json_object *bans = NULL;
	char msg[YG_API_MSG_MAX] = "";
	if (b->list && b->list(b->ctx, false, API_LIST_MAX, &bans, msg, sizeof(msg)) != YG_OK) {
		json_object_put(bans);
		bans = NULL;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *e = json_object_array_get_idx(items, i);
		const char *ip = json_object_get_string(json_object_object_get(e, "srcip"));
		json_object *ban = NULL;
		for (size_t k = 0; bans && k < json_object_array_length(bans) && !ban; k++) {
			json_object *x = json_object_array_get_idx(bans, k);
			const char *a =
			        json_object_get_string(json_object_object_get(x, "address"));
			if (a && ip && strcmp(a, ip) == 0)
				ban = x;
		}
		json_object_object_add(e, "banned", json_object_new_boolean(ban != NULL));
		json_object_object_add(e, "ban", json_object_get(ban));
	}
	json_object_put(bans);
}

void api_h_stats_sources(api_req *r)
{
	top_list(r, r->api->be.alerts.sources, YG_AQ_TOP_MAX, "the alert store");
	if (r->status == 200)
		add_bans(r, json_object_object_get(r->out, "items"));
}

void api_h_stats_mitre(api_req *r)
{
	static const char *const allowed[] = {AQ_PARAMS, NULL};
	yg_aq_filter f;
	if (!api_args_allow(r, allowed) || !api_aq_read(r, &f))
		return;
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	if (!ops->mitre) {
		api_unavailable(r, "the alert store");
		return;
	}
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->mitre(ops->ctx, &f, &o, msg, sizeof(msg));
	if (err || !o) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_EIO, msg);
		return;
	}
	api_reply(r, 200, o);
}

/* ---- GET /fim/stats ---- */

void api_h_fim_stats(api_req *r)
{
	static const char *const allowed[] = {"since",   "until", "agent", "agent_id",
	                                      "buckets", "limit", NULL};
	yg_aq_filter f;
	int64_t n = 60, limit = 10;
	if (!api_args_allow(r, allowed) || !api_aq_read(r, &f) ||
	    !api_arg_int(r, "buckets", 1, YG_AQ_BUCKETS_MAX, &n) ||
	    !api_arg_int(r, "limit", 1, YG_AQ_TOP_MAX, &limit))
		return;
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	if (!ops->histogram || !ops->span || !ops->fim_paths) {
		api_unavailable(r, "FIM events (the alert store)");
		return;
	}
	f.groups[0] = "syscheck";
	f.ngroups = 1;
	json_object *o = histogram(r, &f, n);
	if (!o)
		return;
	json_object *paths = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->fim_paths(ops->ctx, &f, (size_t)limit, &paths, msg, sizeof(msg));
	if (err) {
		json_object_put(o);
		api_backend_error(r, err, msg);
		return;
	}
	json_object_object_add(o, "top_paths", paths);
	api_reply(r, 200, o);
}

/* ---- GET /agents/{id} ---- */

#define AGENT_RECENT 20

/* Adds under key a page of the agent's alerts (group NULL: any). */
static bool agent_page(api_req *r, json_object *o, const char *key, const char *agent,
                       const char *group)
{
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	yg_aq_filter f = {.agents = {agent}, .nagents = 1};
	if (group) {
		f.groups[0] = group;
		f.ngroups = 1;
	}
	json_object *p = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->page(ops->ctx, &f, YG_AQ_SORT_TIME, true, AGENT_RECENT, 0, &p, msg,
	                       sizeof(msg));
	if (err) {
		json_object_put(p);
		api_backend_error(r, err, msg);
		return false;
	}
	json_object_object_add(o, key, p);
	return true;
}

/* The agent's FIM changes with their syscheck objects (the /fim rows). */
static bool agent_fim(api_req *r, json_object *o, const char *agent)
{
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	yg_api_alert_filter f = {.agent_id = agent, .limit = AGENT_RECENT};
	json_object *items = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->fim ? ops->fim(ops->ctx, &f, &items, msg, sizeof(msg)) : YG_OK;
	if (err) {
		json_object_put(items);
		api_backend_error(r, err, msg);
		return false;
	}
	json_object_object_add(o, "fim", items ? items : json_object_new_array());
	return true;
}

/* The bans in force that an alert of this agent started. */
static void agent_bans(api_req *r, json_object *o, const char *agent)
{
	yg_api_bans_ops *b = &r->api->be.bans;
	json_object *all = NULL, *mine = json_object_new_array();
	char msg[YG_API_MSG_MAX] = "";
	if (b->list && b->list(b->ctx, false, API_LIST_MAX, &all, msg, sizeof(msg)) != YG_OK) {
		json_object_put(all);
		all = NULL;
	}
	for (size_t i = 0; all && i < json_object_array_length(all); i++) {
		json_object *x = json_object_array_get_idx(all, i);
		const char *a = json_object_get_string(json_object_object_get(x, "agent_id"));
		if (a && strcmp(a, agent) == 0 && json_object_array_length(mine) < AGENT_RECENT)
			json_object_array_add(mine, json_object_get(x));
	}
	json_object_put(all);
	json_object_object_add(o, "bans", mine);
}

/* alert_count (all stored), alerts_24h and alerts_per_min (the last 15
 * minutes' rate). */
static bool agent_counts(api_req *r, json_object *o, const char *agent)
{
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	yg_aq_filter f = {.agents = {agent}, .nagents = 1};
	uint64_t all = 0, day = 0, q = 0;
	int64_t now = now_ms();
	yg_err err = ops->count(ops->ctx, &f, &all);
	f.since_ms = now - DAY_MS;
	if (!err)
		err = ops->count(ops->ctx, &f, &day);
	f.since_ms = now - 15 * 60000;
	if (!err)
		err = ops->count(ops->ctx, &f, &q);
	if (err) {
		api_backend_error(r, err, "the alert store cannot be read now");
		return false;
	}
	json_object_object_add(o, "alert_count", json_object_new_int64((int64_t)all));
	json_object_object_add(o, "alerts_24h", json_object_new_int64((int64_t)day));
	json_object_object_add(o, "alerts_per_min", json_object_new_double((double)q / 15.0));
	return true;
}

void api_h_agent(api_req *r)
{
	const char *id = r->seg[1];
	size_t n = strlen(id);
	if (!api_args_allow(r, (const char *const[]){NULL}))
		return;
	if (n == 0 || n > 16 || !api_charset_ok(id, n, API_CS_DIGITS)) {
		api_error(r, 400, "invalid_path", "id", "an agent id is 1..16 digits");
		return;
	}
	yg_api_agents_ops *a = &r->api->be.agents;
	yg_api_alerts_ops *al = &r->api->be.alerts;
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = YG_ENOTFOUND;
	if (a->get)
		err = a->get(a->ctx, id, &o, msg, sizeof(msg));
	if (err == YG_ENOTFOUND && strcmp(id, "000") == 0) {
		/* the manager itself: not in the registry */
		err = YG_OK;
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "name", NULL);
		json_object_object_add(o, "status", json_object_new_string("manager"));
	}
	if (err || !o) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_ENOMEM,
		                  err == YG_ENOTFOUND ? "no agent with this id" : msg);
		return;
	}
	/* events/s is not counted per agent yet (see docs/api.md) */
	json_object_object_add(o, "events_per_s", NULL);
	if (al->page && al->count &&
	    (!agent_counts(r, o, id) || !agent_page(r, o, "alerts", id, NULL) ||
	     !agent_page(r, o, "responses", id, "active_response") || !agent_fim(r, o, id))) {
		json_object_put(o);
		return;
	}
	agent_bans(r, o, id);
	api_reply(r, 200, o);
}
