/* api_tickets.c: /tickets and its comments, status changes and closing. */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"

#define TITLE_MAX 256
#define DESCRIPTION_MAX 16384
#define RESOLUTION_MAX 1024
#define COMMENT_MAX 16384

static bool ops_ok(api_req *r, bool fn_present)
{
	if (!fn_present)
		api_unavailable(r, "this tickets operation");
	return fn_present;
}

/* Answers with the backend's object, or its error. Takes o. */
static void answer(api_req *r, unsigned status, yg_err err, json_object *o, const char *msg)
{
	if (err || !o) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_EIO, msg);
	} else
		api_reply(r, status, o);
}

void api_h_tickets(api_req *r)
{
	static const char *const allowed[] = {"status", "type",  "severity", "assignee",  "rule_id",
	                                      "q",      "limit", "offset",   "level_min", NULL};
	yg_api_tickets_ops *t = &r->api->be.tickets;
	yg_api_ticket_filter f = {0};
	int64_t sev = 0, limit = 50, offset = 0, lmin = 0;
	if (!api_args_allow(r, allowed) || !api_arg_str(r, "status", API_CS_ID, 16, &f.status) ||
	    !api_arg_int(r, "level_min", 0, 16, &lmin) ||
	    !api_arg_str(r, "type", API_CS_ID, 16, &f.type) ||
	    !api_arg_int(r, "severity", 1, 3, &sev) ||
	    !api_arg_str(r, "assignee", API_CS_NAME, YG_API_NAME_MAX, &f.assignee) ||
	    !api_arg_str(r, "rule_id", API_CS_DIGITS, 16, &f.rule_id) ||
	    !api_arg_str(r, "q", API_CS_TEXT, API_ARG_MAX, &f.text) ||
	    !api_arg_int(r, "limit", 1, API_LIST_MAX, &limit) ||
	    !api_arg_int(r, "offset", 0, 10000000, &offset))
		return;
	if (f.status && strcmp(f.status, "open") && strcmp(f.status, "in_progress") &&
	    strcmp(f.status, "closed")) {
		api_error(r, 400, "invalid_parameter", "status",
		          "must be open, in_progress or closed");
		return;
	}
	if (f.type && strcmp(f.type, "incident") && strcmp(f.type, "alert")) {
		api_error(r, 400, "invalid_parameter", "type", "must be incident or alert");
		return;
	}
	if (!ops_ok(r, t->list != NULL))
		return;
	f.severity = (int)sev;
	f.min_level = (int)lmin;
	f.limit = (size_t)limit + 1;
	f.offset = (size_t)offset;
	json_object *items = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->list(t->ctx, &f, &items, msg, sizeof(msg));
	if (!err && !json_object_is_type(items, json_type_array))
		err = YG_EIO;
	answer(r, 200, err, err ? items : api_page(items, (size_t)limit, (size_t)offset), msg);
}

void api_h_ticket(api_req *r)
{
	yg_api_tickets_ops *t = &r->api->be.tickets;
	int64_t id;
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_seg_id(r, 1, &id) ||
	    !ops_ok(r, t->get != NULL))
		return;
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->get(t->ctx, id, &o, msg, sizeof(msg));
	answer(r, 200, err, o, err == YG_ENOTFOUND ? "no ticket with this id" : msg);
}

void api_h_ticket_create(api_req *r)
{
	static const char *const allowed[] = {"title", "description", "severity", NULL};
	yg_api_tickets_ops *t = &r->api->be.tickets;
	yg_api_ticket_new n = {.actor = r->user};
	int64_t sev = 0;
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_body_object(r, allowed) ||
	    !api_body_str(r, "title", true, TITLE_MAX, API_CS_TEXT, &n.title) ||
	    !api_body_str(r, "description", false, DESCRIPTION_MAX, API_CS_PROSE, &n.description) ||
	    !api_body_int(r, "severity", true, 1, 3, &sev))
		return;
	if (!n.title[0]) {
		api_error(r, 400, "invalid_field", "title", "must not be empty");
		return;
	}
	if (!ops_ok(r, t->create != NULL))
		return;
	n.severity = (int)sev;
	if (!n.description)
		n.description = "";
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->create(t->ctx, &n, &o, msg, sizeof(msg));
	answer(r, 201, err, o, msg);
}

/* Tells the live streams that ticket id changed; its status from o's
 * "ticket" (NULL: "changed"). */
static void notify(api_req *r, int64_t id, json_object *o)
{
	static const char *const known[] = {"open", "in_progress", "closed"};
	const char *st = json_object_get_string(
	        json_object_object_get(json_object_object_get(o, "ticket"), "status"));
	const char *word = "changed";
	for (size_t i = 0; st && i < 3; i++)
		if (strcmp(st, known[i]) == 0)
			word = known[i];
	api_hub_ticket(r->api->hub, id, word);
}

/* Applies c to ticket id and lifts the bans the tickets module names
 * (close_lifts_bans) through the bans backend. */
static void change(api_req *r, int64_t id, const yg_api_ticket_change *c)
{
	yg_api_tickets_ops *t = &r->api->be.tickets;
	yg_api_bans_ops *b = &r->api->be.bans;
	if (!ops_ok(r, t->update != NULL))
		return;
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->update(t->ctx, id, c, &o, msg, sizeof(msg));
	if (err || !json_object_is_type(o, json_type_object)) {
		answer(r, 200, err ? err : YG_EIO, o,
		       err == YG_ENOTFOUND ? "no ticket with this id" : msg);
		return;
	}
	json_object *lift = NULL, *lifted = json_object_new_array();
	json_object_object_get_ex(o, "lift", &lift);
	size_t n = json_object_is_type(lift, json_type_array) ? json_object_array_length(lift) : 0;
	for (size_t i = 0; i < n && lifted; i++) {
		const char *addr = json_object_get_string(json_object_array_get_idx(lift, i));
		json_object *e = json_object_new_object();
		json_object_object_add(e, "address", json_object_new_string(addr ? addr : ""));
		char bmsg[YG_API_MSG_MAX] = "";
		yg_err berr =
		        b->lift ? b->lift(b->ctx, addr ? addr : "", r->user, bmsg, sizeof(bmsg))
		                : YG_EINVAL;
		json_object_object_add(e, "lifted", json_object_new_boolean(berr == YG_OK));
		if (berr)
			json_object_object_add(
			        e, "error",
			        json_object_new_string(!b->lift  ? "bans are not available"
			                               : bmsg[0] ? bmsg
			                                         : yg_strerror(berr)));
		json_object_array_add(lifted, e);
	}
	json_object_object_del(o, "lift");
	json_object_object_add(o, "bans_lifted", lifted);
	notify(r, id, o);
	api_reply(r, 200, o);
}

static int find_user(void *ctx, const char *name, yg_api_role role, int64_t created)
{
	(void)role;
	(void)created;
	const char **want = ctx;
	if (*want && strcmp(name, *want) == 0) {
		*want = NULL; /* found */
		return 1;
	}
	return 0;
}

/* Whether a user of that name exists (false with a 500 set when the users
 * cannot be read). */
static bool user_exists(api_req *r, const char *name)
{
	const char *want = name;
	if (yg_api_user_list(r->api->users, find_user, &want)) {
		api_error(r, 500, "internal", NULL, "the users cannot be read now");
		return false;
	}
	return want == NULL;
}

void api_h_ticket_patch(api_req *r)
{
	static const char *const allowed[] = {"status", "assignee", "resolution", NULL};
	yg_api_ticket_change c = {.actor = r->user};
	int64_t id;
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_seg_id(r, 1, &id) ||
	    !api_body_object(r, allowed) ||
	    !api_body_str(r, "status", false, 16, API_CS_ID, &c.status) ||
	    !api_body_str(r, "assignee", false, YG_API_NAME_MAX, API_CS_NAME, &c.assignee) ||
	    !api_body_str(r, "resolution", false, RESOLUTION_MAX, API_CS_PROSE, &c.resolution))
		return;
	if (c.status && strcmp(c.status, "open") && strcmp(c.status, "in_progress") &&
	    strcmp(c.status, "closed")) {
		api_error(r, 400, "invalid_field", "status", "must be open, in_progress or closed");
		return;
	}
	if (c.status && strcmp(c.status, "closed") == 0 && (!c.resolution || !c.resolution[0])) {
		api_error(r, 400, "missing_field", "resolution", "closing needs a resolution");
		return;
	}
	if (!c.status && !c.assignee && !c.resolution) {
		api_error(r, 400, "invalid_body", NULL, "nothing to change");
		return;
	}
	if (c.assignee && c.assignee[0] && !user_exists(r, c.assignee)) {
		if (!r->status)
			api_error(r, 400, "invalid_field", "assignee", "no user named %s",
			          c.assignee);
		return;
	}
	change(r, id, &c);
}

void api_h_ticket_close(api_req *r)
{
	static const char *const allowed[] = {"resolution", NULL};
	yg_api_ticket_change c = {.actor = r->user, .status = "closed"};
	int64_t id;
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_seg_id(r, 1, &id) ||
	    !api_body_object(r, allowed) ||
	    !api_body_str(r, "resolution", true, RESOLUTION_MAX, API_CS_PROSE, &c.resolution))
		return;
	if (!c.resolution[0]) {
		api_error(r, 400, "invalid_field", "resolution", "must not be empty");
		return;
	}
	change(r, id, &c);
}

void api_h_ticket_comment(api_req *r)
{
	static const char *const allowed[] = {"text", NULL};
	yg_api_tickets_ops *t = &r->api->be.tickets;
	int64_t id;
	const char *text;
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_seg_id(r, 1, &id) ||
	    !api_body_object(r, allowed) ||
	    !api_body_str(r, "text", true, COMMENT_MAX, API_CS_PROSE, &text))
		return;
	if (!text[0]) {
		api_error(r, 400, "invalid_field", "text", "must not be empty");
		return;
	}
	if (!ops_ok(r, t->comment != NULL))
		return;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->comment(t->ctx, id, r->user, text, msg, sizeof(msg));
	if (err) {
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no ticket with this id" : msg);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ticket_id", json_object_new_int64(id));
	json_object_object_add(o, "author", json_object_new_string(r->user));
	json_object_object_add(o, "text", json_object_new_string(text));
	notify(r, id, NULL);
	api_reply(r, 201, o);
}

/* ---- bans from a ticket ---- */

/* The source address of the ticket's first alert that has one, into out;
 * false (reply set) when none. */
static bool ticket_source(api_req *r, int64_t id, char *out, size_t outsz)
{
	yg_api_tickets_ops *t = &r->api->be.tickets;
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->get(t->ctx, id, &o, msg, sizeof(msg));
	if (err) {
		json_object_put(o);
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no ticket with this id" : msg);
		return false;
	}
	json_object *tl = json_object_object_get(o, "timeline");
	const char *ip = NULL;
	for (size_t i = 0; !ip && i < json_object_array_length(tl); i++) {
		json_object *d = json_object_object_get(json_object_array_get_idx(tl, i), "data");
		const char *s = json_object_get_string(json_object_object_get(d, "srcip"));
		if (s && s[0])
			ip = s;
	}
	if (ip)
		snprintf(out, outsz, "%s", ip);
	json_object_put(o);
	if (!ip)
		api_error(r, 400, "missing_field", "address",
		          "the ticket's alerts have no source address: give one");
	return ip != NULL;
}

void api_h_ticket_ban(api_req *r)
{
	static const char *const allowed[] = {"address", "ttl", "reason", NULL};
	yg_api_tickets_ops *t = &r->api->be.tickets;
	yg_api_bans_ops *b = &r->api->be.bans;
	int64_t id, ttl = -1;
	const char *address = NULL, *reason = NULL;
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_seg_id(r, 1, &id) ||
	    !api_body_object(r, allowed) ||
	    !api_body_str(r, "address", false, 64, API_CS_NAME, &address) ||
	    !api_body_int(r, "ttl", false, -1, 10LL * 366 * 86400, &ttl) ||
	    !api_body_str(r, "reason", false, 200, API_CS_TEXT, &reason))
		return;
	if (!ops_ok(r, t->get && t->link_ban) || (!b->add && !ops_ok(r, false)))
		return;
	char src[64];
	if (!address || !address[0]) {
		if (!ticket_source(r, id, src, sizeof(src)))
			return;
		address = src;
	}
	/* the ledger's record names the ticket in its reason */
	char why[256];
	snprintf(why, sizeof(why), "ticket #%lld%s%s", (long long)id,
	         reason && reason[0] ? ": " : "", reason ? reason : "");
	yg_api_ban_new n = {.address = address, .timeout = ttl, .reason = why, .actor = r->user};
	json_object *ban = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = b->add(b->ctx, &n, &ban, msg, sizeof(msg));
	if (!err)
		err = t->link_ban(t->ctx, id, address, msg, sizeof(msg));
	if (err) {
		json_object_put(ban);
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no ticket with this id" : msg);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ticket_id", json_object_new_int64(id));
	json_object_object_add(o, "address", json_object_new_string(address));
	json_object_object_add(o, "ban", ban);
	notify(r, id, NULL);
	api_reply(r, 201, o);
}

/* Whether address is among the ticket's linked bans (false, reply set,
 * when not or when the ticket cannot be read). */
static bool ticket_has_ban(api_req *r, int64_t id, const char *address)
{
	yg_api_tickets_ops *t = &r->api->be.tickets;
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = t->get(t->ctx, id, &o, msg, sizeof(msg));
	if (err) {
		json_object_put(o);
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no ticket with this id" : msg);
		return false;
	}
	json_object *bans = json_object_object_get(o, "bans");
	bool found = false;
	for (size_t i = 0; !found && i < json_object_array_length(bans); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(bans, i));
		found = a && strcmp(a, address) == 0;
	}
	json_object_put(o);
	if (!found)
		api_error(r, 404, "not_found", "address", "this ticket has no ban of this address");
	return found;
}

void api_h_ticket_unban(api_req *r)
{
	yg_api_tickets_ops *t = &r->api->be.tickets;
	yg_api_bans_ops *b = &r->api->be.bans;
	int64_t id;
	const char *addr = r->rest ? r->rest : "";
	size_t n = strlen(addr);
	if (!api_args_allow(r, (const char *const[]){NULL}) || !api_seg_id(r, 1, &id))
		return;
	if (n == 0 || n > 64 || !api_charset_ok(addr, n, API_CS_NAME)) {
		api_error(r, 400, "invalid_path", "address", "must be an IP address or CIDR");
		return;
	}
	if (!ops_ok(r, t->get && t->note) || (!b->lift && !ops_ok(r, false)) ||
	    !ticket_has_ban(r, id, addr))
		return;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = b->lift(b->ctx, addr, r->user, msg, sizeof(msg));
	if (err) {
		api_backend_error(r, err, err == YG_ENOTFOUND ? "this address is not banned" : msg);
		return;
	}
	json_object *note = json_object_new_object();
	json_object_object_add(note, "address", json_object_new_string(addr));
	json_object_object_add(note, "action", json_object_new_string("lifted"));
	json_object_object_add(note, "by", json_object_new_string(r->user));
	err = t->note(t->ctx, id, "ban",
	              json_object_to_json_string_ext(note, JSON_C_TO_STRING_PLAIN |
	                                                           JSON_C_TO_STRING_NOSLASHESCAPE),
	              msg, sizeof(msg));
	json_object_put(note);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ticket_id", json_object_new_int64(id));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "lifted", json_object_new_boolean(1));
	json_object_object_add(o, "timeline", json_object_new_boolean(err == YG_OK));
	notify(r, id, NULL);
	api_reply(r, 200, o);
}
