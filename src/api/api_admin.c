/* api_admin.c: /bans, /agents, /outbox, /users, /tokens and GET /auth. */
#include <string.h>

#include "api/api_int.h"

#define NO_ARGS ((const char *const[]){NULL})

/* Answers with the backend's object, or its error. Takes o. */
static void answer(api_req *r, unsigned status, yg_err err, json_object *o, const char *msg)
{
	if (err || !o) {
		json_object_put(o);
		api_backend_error(r, err ? err : YG_EIO, msg);
	} else
		api_reply(r, status, o);
}

/* {"items": items}. Takes items. */
static json_object *wrap(json_object *items)
{
	json_object *o = items ? json_object_new_object() : NULL;
	if (o)
		json_object_object_add(o, "items", items);
	else
		json_object_put(items);
	return o;
}

/* ---- bans ---- */

void api_h_bans(api_req *r)
{
	static const char *const allowed[] = {"all", "limit", NULL};
	yg_api_bans_ops *b = &r->api->be.bans;
	bool all = false;
	int64_t limit = 200;
	if (!api_args_allow(r, allowed) || !api_arg_bool(r, "all", &all) ||
	    !api_arg_int(r, "limit", 1, API_LIST_MAX, &limit))
		return;
	if (!b->list) {
		api_unavailable(r, "the ban ledger (<waf>)");
		return;
	}
	json_object *items = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = b->list(b->ctx, all, (size_t)limit, &items, msg, sizeof(msg));
	answer(r, 200, err, err ? items : wrap(items), msg);
}

void api_h_ban_add(api_req *r)
{
	static const char *const allowed[] = {"address", "timeout", "reason", NULL};
	yg_api_bans_ops *b = &r->api->be.bans;
	yg_api_ban_new n = {.actor = r->user, .timeout = -1};
	if (!api_args_allow(r, NO_ARGS) || !api_body_object(r, allowed) ||
	    !api_body_str(r, "address", true, 64, API_CS_NAME, &n.address) ||
	    !api_body_int(r, "timeout", false, -1, 10LL * 366 * 86400, &n.timeout) ||
	    !api_body_str(r, "reason", false, 255, API_CS_TEXT, &n.reason))
		return;
	if (!n.address[0]) {
		api_error(r, 400, "invalid_field", "address", "must not be empty");
		return;
	}
	if (!b->add) {
		api_unavailable(r, "the ban ledger (<waf>)");
		return;
	}
	if (!n.reason)
		n.reason = "";
	json_object *o = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = b->add(b->ctx, &n, &o, msg, sizeof(msg));
	answer(r, 201, err, o, msg);
}

void api_h_ban_lift(api_req *r)
{
	yg_api_bans_ops *b = &r->api->be.bans;
	const char *addr = r->rest ? r->rest : "";
	size_t n = strlen(addr);
	if (!api_args_allow(r, NO_ARGS))
		return;
	if (n == 0 || n > 64 || !api_charset_ok(addr, n, API_CS_NAME)) {
		api_error(r, 400, "invalid_path", "address", "must be an IP address or CIDR");
		return;
	}
	if (!b->lift) {
		api_unavailable(r, "the ban ledger (<waf>)");
		return;
	}
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = b->lift(b->ctx, addr, r->user, msg, sizeof(msg));
	if (err) {
		api_backend_error(r, err, err == YG_ENOTFOUND ? "this address is not banned" : msg);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "lifted", json_object_new_boolean(1));
	api_reply(r, 200, o);
}

/* ---- agents and the outbox ---- */

void api_h_agents(api_req *r)
{
	yg_api_agents_ops *a = &r->api->be.agents;
	if (!api_args_allow(r, NO_ARGS))
		return;
	if (!a->list) {
		api_unavailable(r, "the agents registry");
		return;
	}
	json_object *items = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = a->list(a->ctx, &items, msg, sizeof(msg));
	answer(r, 200, err, err ? items : wrap(items), msg);
}

void api_h_outbox(api_req *r)
{
	static const char *const allowed[] = {"integration", "state", "after_id", "limit", NULL};
	static const char *const states[] = {"pending", "in_flight", "delivered", "dead"};
	yg_api_outbox_ops *ob = &r->api->be.outbox;
	const char *integration, *state;
	int64_t after = 0, limit = 100;
	int st = -1;
	if (!api_args_allow(r, allowed) ||
	    !api_arg_str(r, "integration", API_CS_ID, 64, &integration) ||
	    !api_arg_str(r, "state", API_CS_ID, 16, &state) ||
	    !api_arg_int(r, "after_id", 0, INT64_MAX, &after) ||
	    !api_arg_int(r, "limit", 1, API_LIST_MAX, &limit))
		return;
	for (int i = 0; state && i < 4; i++)
		if (strcmp(state, states[i]) == 0)
			st = i;
	if (state && st < 0) {
		api_error(r, 400, "invalid_parameter", "state",
		          "must be pending, in_flight, delivered or dead");
		return;
	}
	if (!ob->list) {
		api_unavailable(r, "the integrations outbox");
		return;
	}
	json_object *items = NULL;
	char msg[YG_API_MSG_MAX] = "";
	yg_err err =
	        ob->list(ob->ctx, integration, st, after, (size_t)limit, &items, msg, sizeof(msg));
	answer(r, 200, err, err ? items : wrap(items), msg);
}

void api_h_outbox_retry(api_req *r)
{
	yg_api_outbox_ops *ob = &r->api->be.outbox;
	int64_t id;
	if (!api_args_allow(r, NO_ARGS) || !api_seg_id(r, 1, &id))
		return;
	if (!ob->retry) {
		api_unavailable(r, "the integrations outbox");
		return;
	}
	char msg[YG_API_MSG_MAX] = "";
	yg_err err = ob->retry(ob->ctx, id, msg, sizeof(msg));
	if (err) {
		api_backend_error(r, err,
		                  err == YG_ENOTFOUND ? "no dead message with this id" : msg);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "state", json_object_new_string("pending"));
	api_reply(r, 200, o);
}

/* ---- users and tokens ---- */

void api_h_me(api_req *r)
{
	if (!api_args_allow(r, NO_ARGS))
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(r->user));
	json_object_object_add(o, "role", json_object_new_string(yg_api_role_name(r->role)));
	json_object_object_add(o, "token_id", json_object_new_int64(r->token_id));
	api_reply(r, 200, o);
}

static int user_cb(void *ctx, const char *name, yg_api_role role, int64_t created)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "name", json_object_new_string(name));
	json_object_object_add(
	        e, "role",
	        json_object_new_string(yg_api_role_name(role) ? yg_api_role_name(role) : "?"));
	json_object_object_add(e, "created", json_object_new_int64(created));
	json_object_array_add(ctx, e);
	return 0;
}

void api_h_users(api_req *r)
{
	if (!api_args_allow(r, NO_ARGS))
		return;
	json_object *items = json_object_new_array();
	yg_err err = yg_api_user_list(r->api->users, user_cb, items);
	answer(r, 200, err, err ? items : wrap(items), NULL);
}

static bool read_role(api_req *r, bool required, yg_api_role *role)
{
	const char *s;
	if (!api_body_str(r, "role", required, 16, API_CS_ID, &s))
		return false;
	*role = s ? yg_api_role_parse(s) : YG_API_ROLE_NONE;
	if (s && *role == YG_API_ROLE_NONE) {
		api_error(r, 400, "invalid_field", "role", "must be admin, analyst or read-only");
		return false;
	}
	return true;
}

void api_h_user_add(api_req *r)
{
	static const char *const allowed[] = {"name", "password", "role", NULL};
	const char *name, *pw;
	yg_api_role role;
	if (!api_args_allow(r, NO_ARGS) || !api_body_object(r, allowed) ||
	    !api_body_str(r, "name", true, YG_API_NAME_MAX, API_CS_NAME, &name) ||
	    !api_body_str(r, "password", true, 1024, API_CS_TEXT, &pw) ||
	    !read_role(r, true, &role))
		return;
	if (!yg_api_user_name_valid(name)) {
		api_error(r, 400, "invalid_field", "name", "1..64 of letters, digits and . _ @ -");
		return;
	}
	if (!yg_api_password_valid(pw)) {
		api_error(r, 400, "invalid_field", "password", "8..1024 printable characters");
		return;
	}
	yg_err err = yg_api_user_add(r->api->users, name, pw, role);
	if (err) {
		api_backend_error(r, err, err == YG_EINVAL ? "this user name is taken" : NULL);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "role", json_object_new_string(yg_api_role_name(role)));
	api_reply(r, 201, o);
}

/* The user named by segment 1, validated. */
static const char *seg_user(api_req *r)
{
	const char *name = r->seg[1];
	if (!yg_api_user_name_valid(name)) {
		api_error(r, 400, "invalid_path", "name", "not a valid user name");
		return NULL;
	}
	return name;
}

/* Whether changing `name` away from admin would leave no admin. */
static bool last_admin(api_req *r, const char *name)
{
	uint64_t admins = 0;
	if (yg_api_user_count_admins(r->api->users, &admins) || admins > 1)
		return false;
	/* One admin: is it this user? The caller is an admin, so when the
	 * caller is `name` it is the last. */
	return strcmp(r->user, name) == 0;
}

void api_h_user_patch(api_req *r)
{
	static const char *const allowed[] = {"password", "role", NULL};
	const char *name = seg_user(r), *pw;
	yg_api_role role;
	if (!name || !api_args_allow(r, NO_ARGS) || !api_body_object(r, allowed) ||
	    !api_body_str(r, "password", false, 1024, API_CS_TEXT, &pw) ||
	    !read_role(r, false, &role))
		return;
	if (!pw && role == YG_API_ROLE_NONE) {
		api_error(r, 400, "invalid_body", NULL, "nothing to change");
		return;
	}
	if (pw && !yg_api_password_valid(pw)) {
		api_error(r, 400, "invalid_field", "password", "8..1024 printable characters");
		return;
	}
	if (role != YG_API_ROLE_NONE && role != YG_API_ROLE_ADMIN && last_admin(r, name)) {
		api_error(r, 409, "conflict", "role", "this is the last admin");
		return;
	}
	yg_err err = pw ? yg_api_user_passwd(r->api->users, name, pw) : YG_OK;
	if (!err && role != YG_API_ROLE_NONE)
		err = yg_api_user_set_role(r->api->users, name, role);
	if (err) {
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no such user" : NULL);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "updated", json_object_new_boolean(1));
	api_reply(r, 200, o);
}

void api_h_user_remove(api_req *r)
{
	const char *name = seg_user(r);
	if (!name || !api_args_allow(r, NO_ARGS))
		return;
	if (last_admin(r, name)) {
		api_error(r, 409, "conflict", "name", "this is the last admin");
		return;
	}
	yg_err err = yg_api_user_remove(r->api->users, name);
	if (err) {
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no such user" : NULL);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	api_reply(r, 200, o);
}

static int token_cb(void *ctx, const yg_api_token_info *t)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "id", json_object_new_int64(t->id));
	json_object_object_add(e, "user", json_object_new_string(t->user));
	json_object_object_add(e, "label", json_object_new_string(t->label));
	json_object_object_add(e, "kind", json_object_new_string(t->session ? "session" : "api"));
	json_object_object_add(e, "created", json_object_new_int64(t->created));
	json_object_object_add(e, "expires", json_object_new_int64(t->expires));
	json_object_array_add(ctx, e);
	return 0;
}

void api_h_tokens(api_req *r)
{
	static const char *const allowed[] = {"all", NULL};
	bool all = false;
	if (!api_args_allow(r, allowed) || !api_arg_bool(r, "all", &all))
		return;
	if (all && r->role < YG_API_ROLE_ADMIN) {
		api_error(r, 403, "forbidden", "all", "listing every user's tokens needs admin");
		return;
	}
	json_object *items = json_object_new_array();
	yg_err err = yg_api_token_list(r->api->users, all ? NULL : r->user, token_cb, items);
	answer(r, 200, err, err ? items : wrap(items), NULL);
}

/* Only a signed-in session mints API tokens: a token that could mint more
 * would let whoever steals one keep access forever. Tokens carry their
 * user's role (looked up at each use), never more, and live at most
 * token_max_ttl. */
void api_h_token_add(api_req *r)
{
	static const char *const allowed[] = {"label", "ttl", NULL};
	const yg_api_limits *lim = &r->api->lim;
	const char *label = NULL;
	int64_t ttl = lim->token_max_ttl;
	if (!api_args_allow(r, NO_ARGS) || !api_body_object(r, allowed) ||
	    !api_body_str(r, "label", false, 128, API_CS_TEXT, &label) ||
	    !api_body_int(r, "ttl", false, 60, lim->token_max_ttl, &ttl))
		return;
	if (!r->session) {
		api_error(r, 403, "forbidden", NULL,
		          "API tokens are created from a signed-in session, not with another "
		          "API token");
		return;
	}
	uint64_t held = 0;
	yg_err err = yg_api_token_count(r->api->users, r->user, &held);
	if (!err && held >= lim->tokens_per_user) {
		api_error(r, 409, "conflict", NULL,
		          "you hold %llu API tokens already (the limit); revoke one first",
		          (unsigned long long)held);
		return;
	}
	char token[YG_API_TOKEN_LEN];
	int64_t id = 0;
	time_t expires = 0;
	if (!err)
		err = yg_api_token_create(r->api->users, r->user, (long)ttl, false, label, token,
		                          &id, &expires);
	if (err) {
		api_backend_error(r, err, NULL);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "token", json_object_new_string(token));
	json_object_object_add(o, "expires", json_object_new_int64((int64_t)expires));
	api_reply(r, 201, o);
}

void api_h_token_revoke(api_req *r)
{
	int64_t id;
	if (!api_args_allow(r, NO_ARGS) || !api_seg_id(r, 1, &id))
		return;
	yg_err err = yg_api_token_revoke(r->api->users, id,
	                                 r->role == YG_API_ROLE_ADMIN ? NULL : r->user);
	if (err) {
		api_backend_error(r, err, err == YG_ENOTFOUND ? "no such token of yours" : NULL);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "revoked", json_object_new_boolean(1));
	api_reply(r, 200, o);
}
