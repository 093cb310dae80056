/* api_alerts.c: GET /alerts, /alerts/{id}, /fim and /stats. */
#include <string.h>
#include <time.h>

#include "api/api_int.h"

#define LIMIT_DEFAULT 50
#define OFFSET_MAX 10000000
#define DAY_MS (86400LL * 1000)

/* Wraps at most `limit` items of `items` (which holds up to limit + 1) in
 * the paging envelope. Takes items. */
json_object *api_page(json_object *items, size_t limit, size_t offset)
{
	size_t n = json_object_array_length(items);
	bool more = n > limit;
	if (more)
		json_object_array_del_idx(items, limit, n - limit);
	json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(items);
		return NULL;
	}
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "limit", json_object_new_int64((int64_t)limit));
	json_object_object_add(o, "offset", json_object_new_int64((int64_t)offset));
	json_object_object_add(o, "more", json_object_new_boolean(more));
	json_object_object_add(o, "next_offset",
	                       more ? json_object_new_int64((int64_t)(offset + limit)) : NULL);
	return o;
}

/* Reads the filter parameters shared by /alerts and /fim. */
static bool read_filter(api_req *r, yg_api_alert_filter *f, bool fim)
{
	int64_t since = 0, until = 0, minl = 0, maxl = 0, limit = LIMIT_DEFAULT, offset = 0;
	memset(f, 0, sizeof(*f));
	if (!api_arg_time(r, "since", &since) || !api_arg_time(r, "until", &until) ||
	    !api_arg_int(r, "limit", 1, API_LIST_MAX, &limit) ||
	    !api_arg_int(r, "offset", 0, OFFSET_MAX, &offset) ||
	    !api_arg_str(r, "agent_id", API_CS_DIGITS, 16, &f->agent_id) ||
	    !api_arg_str(r, "q", API_CS_TEXT, API_ARG_MAX, &f->text))
		return false;
	if (!fim && (!api_arg_int(r, "min_level", 0, 16, &minl) ||
	             !api_arg_int(r, "max_level", 0, 16, &maxl) ||
	             !api_arg_str(r, "rule_id", API_CS_DIGITS, 16, &f->rule_id) ||
	             !api_arg_str(r, "group", API_CS_ID, API_ARG_MAX, &f->group) ||
	             !api_arg_ip(r, "srcip", &f->srcip)))
		return false;
	if (since && until && since >= until) {
		api_error(r, 400, "invalid_parameter", "until", "must be later than since");
		return false;
	}
	if (minl && maxl && minl > maxl) {
		api_error(r, 400, "invalid_parameter", "max_level", "must not be below min_level");
		return false;
	}
	f->since_ms = since;
	f->until_ms = until;
	f->min_level = (int)minl;
	f->max_level = (int)maxl;
	f->limit = (size_t)limit;
	f->offset = (size_t)offset;
	return true;
}

static void search(api_req *r, bool fim)
{
	static const char *const allowed[] = {"since",   "until", "min_level", "max_level",
	                                      "rule_id", "group", "agent_id",  "srcip",
	                                      "q",       "limit", "offset",    NULL};
	static const char *const allowed_fim[] = {"since", "until",  "agent_id", "q",
	                                          "limit", "offset", NULL};
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	if (!(fim ? ops->fim : ops->search)) {
		api_unavailable(r, fim ? "FIM events (the alert store)" : "the alert store");
		return;
	}
	yg_api_alert_filter f;
	if (!api_args_allow(r, fim ? allowed_fim : allowed) || !read_filter(r, &f, fim))
		return;
	size_t limit = f.limit;
	f.limit = limit + 1; /* one more tells whether there is a next page */
	json_object *items = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = (fim ? ops->fim : ops->search)(ops->ctx, &f, &items, msg, sizeof(msg));
	if (err || !json_object_is_type(items, json_type_array)) {
		json_object_put(items);
		api_backend_error(r, err ? err : YG_EIO, msg);
		return;
	}
	api_reply(r, 200, api_page(items, limit, f.offset));
}

void api_h_fim(api_req *r)
{
	search(r, true);
}

void api_h_alert(api_req *r)
{
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	const char *id = r->seg[1];
	size_t n = strlen(id);
	if (!api_args_allow(r, (const char *const[]){NULL}))
		return;
	if (n == 0 || n > 128 || !api_charset_ok(id, n, API_CS_ID)) {
		api_error(r, 400, "invalid_path", "id",
		          "an alert id is 1..128 letters, digits and . _ : -");
		return;
	}
	if (!ops->get) {
		api_unavailable(r, "the alert store");
		return;
	}
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->get(ops->ctx, id, &o, msg, sizeof(msg));
	if (err) {
		json_object_put(o);
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no alert with this id" : msg);
		return;
	}
	api_reply(r, 200, o);
}

/* A bucket width giving about 48 buckets over span, rounded to a whole
 * minute, hour or day. */
static int64_t auto_bucket(int64_t span)
{
	static const int64_t steps[] = {60000,    300000,   900000,    1800000,
	                                3600000,  7200000,  10800000,  21600000,
	                                43200000, 86400000, 172800000, 604800000};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 60)
			return steps[i];
	int64_t b = span / 60;
	return b - b % DAY_MS + DAY_MS;
}

void api_h_stats(api_req *r)
{
	static const char *const allowed[] = {"since", "until", "bucket", "top", NULL};
	yg_api_alerts_ops *ops = &r->api->be.alerts;
	int64_t now = (int64_t)time(NULL) * 1000;
	int64_t until = 0, since = 0, bucket = 0, top = 10;
	if (!api_args_allow(r, allowed) || !api_arg_time(r, "since", &since) ||
	    !api_arg_time(r, "until", &until) ||
	    !api_arg_int(r, "bucket", 1000, 366 * DAY_MS, &bucket) ||
	    !api_arg_int(r, "top", 1, 50, &top))
		return;
	if (!until)
		until = now + 1;
	if (!since)
		since = until - DAY_MS;
	if (since >= until) {
		api_error(r, 400, "invalid_parameter", "until", "must be later than since");
		return;
	}
	if (!bucket)
		bucket = auto_bucket(until - since);
	if ((until - since) / bucket >= 2000) {
		api_error(r, 400, "invalid_parameter", "bucket",
		          "too small for this window (at most 2000 buckets)");
		return;
	}
	if (!ops->stats) {
		api_unavailable(r, "alert statistics (the alert store)");
		return;
	}
	yg_api_stats_req q = {
	        .since_ms = since, .until_ms = until, .bucket_ms = bucket, .top = (size_t)top};
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ops->stats(ops->ctx, &q, &o, msg, sizeof(msg));
	if (err || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_EIO, msg);
		return;
	}
	json_object *tickets = NULL;
	yg_api_tickets_ops *t = &r->api->be.tickets;
	/* The dashboard still shows alerts when tickets cannot be read. */
	if (t->stats && t->stats(t->ctx, &tickets, msg, sizeof(msg)) != YG_OK) {
		json_object_put(tickets);
		tickets = NULL;
	}
	json_object_object_add(o, "tickets", tickets);
	api_reply(r, 200, o);
}
