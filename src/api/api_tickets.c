/* api_tickets.c: /tickets and its comments, status changes and closing. */
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
	static const char *const allowed[] = {"status", "type",  "severity", "assignee", "rule_id",
	                                      "q",      "limit", "offset",   NULL};
	yg_api_tickets_ops *t = &r->api->be.tickets;
	yg_api_ticket_filter f = {0};
	int64_t sev = 0, limit = 50, offset = 0;
	if (!api_args_allow(r, allowed) || !api_arg_str(r, "status", API_CS_ID, 16, &f.status) ||
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
	api_reply(r, 200, o);
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
	api_reply(r, 201, o);
}
