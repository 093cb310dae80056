/* api_auth.c: signing in and out (with failed attempts limited per client
 * address), the OpenAPI description, embedded assets, backend release. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"

/* ---- failed sign-ins ---- */

/* Seconds the client must still wait, 0 when it may try. */
static int rl_wait(yg_api *api, const char *addr)
{
	int64_t now = (int64_t)time(NULL);
	int wait = 0;
	pthread_mutex_lock(&api->rl_mu);
	for (size_t i = 0; i < API_RL_SLOTS; i++) {
		api_rl_slot *s = &api->rl[i];
		if (s->addr[0] && strcmp(s->addr, addr) == 0 && s->fails >= api->rl_fails &&
		    now - s->last < (int64_t)api->rl_window)
			wait = (int)((int64_t)api->rl_window - (now - s->last));
	}
	pthread_mutex_unlock(&api->rl_mu);
	return wait;
}

static void rl_record(yg_api *api, const char *addr, bool failed)
{
	int64_t now = (int64_t)time(NULL);
	pthread_mutex_lock(&api->rl_mu);
	api_rl_slot *slot = NULL, *oldest = &api->rl[0];
	for (size_t i = 0; i < API_RL_SLOTS && !slot; i++) {
		if (api->rl[i].addr[0] && strcmp(api->rl[i].addr, addr) == 0)
			slot = &api->rl[i];
		else if (api->rl[i].last < oldest->last)
			oldest = &api->rl[i];
	}
	if (!failed) {
		if (slot)
			memset(slot, 0, sizeof(*slot));
	} else {
		if (!slot) {
			/* Replace the slot idle the longest (an empty one has last 0). */
			slot = oldest;
			memset(slot, 0, sizeof(*slot));
			snprintf(slot->addr, sizeof(slot->addr), "%s", addr);
		}
		if (now - slot->last >= (int64_t)api->rl_window)
			slot->fails = 0;
		slot->fails++;
		slot->last = now;
	}
	pthread_mutex_unlock(&api->rl_mu);
}

/* ---- built-in handlers ---- */

void api_h_signin(api_req *r)
{
	static const char *const allowed[] = {"user", "password", NULL};
	int wait = rl_wait(r->api, r->client);
	if (wait > 0) {
		r->retry_after = wait;
		api_error(r, 429, "too_many_attempts", NULL,
		          "too many failed sign-ins from this address; try again in %d s", wait);
		return;
	}
	const char *user, *pw;
	if (!api_body_object(r, allowed) ||
	    !api_body_str(r, "user", true, YG_API_NAME_MAX, API_CS_NAME, &user) ||
	    !api_body_str(r, "password", true, 1024, API_CS_TEXT, &pw))
		return;
	yg_api_role role;
	yg_err err = yg_api_user_check(r->api->users, user, pw, &role);
	if (err == YG_ENOTFOUND) {
		rl_record(r->api, r->client, true);
		api_error(r, 401, "invalid_credentials", NULL, "wrong user name or password");
		return;
	}
	char token[YG_API_TOKEN_LEN];
	time_t expires = 0;
	int64_t id = 0;
	if (!err)
		err = yg_api_token_create(r->api->users, user, YG_API_SESSION_TTL, true, "session",
		                          token, &id, &expires);
	if (err) {
		api_backend_error(r, err, "cannot sign in now");
		return;
	}
	rl_record(r->api, r->client, false);
	char iso[32];
	struct tm tm;
	gmtime_r(&expires, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "token", json_object_new_string(token));
	json_object_object_add(o, "expires", json_object_new_string(iso));
	json_object_object_add(o, "expires_ms", json_object_new_int64((int64_t)expires * 1000));
	json_object_object_add(o, "token_id", json_object_new_int64(id));
	json_object_object_add(o, "user", json_object_new_string(user));
	json_object_object_add(o, "role", json_object_new_string(yg_api_role_name(role)));
	api_reply(r, 200, o);
}

void api_h_signout(api_req *r)
{
	yg_err err = yg_api_token_revoke(r->api->users, r->token_id, r->user);
	if (err)
		api_backend_error(r, err, NULL);
	else
		api_reply(r, 200, json_object_new_object());
}

void api_h_openapi(api_req *r)
{
	const api_asset *a = api_asset_find("/openapi.json");
	json_object *o = a ? json_tokener_parse((const char *)a->data) : NULL;
	if (!o)
		api_error(r, 500, "internal", NULL, "the OpenAPI description is missing");
	else
		api_reply(r, 200, o);
}

const api_asset *api_asset_find(const char *path)
{
	for (size_t i = 0; i < api_nassets; i++)
		if (strcmp(api_assets[i].path, path) == 0)
			return &api_assets[i];
	return NULL;
}

void yg_api_backend_release(yg_api_backend *be)
{
	if (!be)
		return;
	if (be->alerts.release)
		be->alerts.release(be->alerts.ctx);
	if (be->tickets.release)
		be->tickets.release(be->tickets.ctx);
	if (be->bans.release)
		be->bans.release(be->bans.ctx);
	if (be->agents.release)
		be->agents.release(be->agents.ctx);
	if (be->outbox.release)
		be->outbox.release(be->outbox.ctx);
	if (be->status.release)
		be->status.release(be->status.ctx);
	memset(be, 0, sizeof(*be));
}
