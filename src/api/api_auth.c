/* api_auth.c: signing in and out (attempts limited per client address
 * and per user name), the OpenAPI description, embedded assets, backend release. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"

/* ---- sign-in attempts ---- */

/* The slot of key in t, or the one idle longest (emptied) when absent. */
static api_rl_slot *rl_slot(api_rl_table *t, const char *key, int64_t now, int64_t window)
{
	api_rl_slot *oldest = &t->slot[0];
	for (size_t i = 0; i < API_RL_SLOTS; i++) {
		api_rl_slot *s = &t->slot[i];
		if (s->key[0] && strcmp(s->key, key) == 0) {
			if (now - s->last >= window)
				s->tries = 0;
			return s;
		}
		if (s->last < oldest->last)
			oldest = s;
	}
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	return oldest;
}

/* Seconds to wait when key has used its attempts, else 0. */
static int rl_full(const api_rl_slot *s, unsigned max, int64_t now, int64_t window)
{
	if (s->tries < max)
		return 0;
	int64_t w = window - (now - s->last);
	return w > 0 ? (int)w : 1;
}

/* Counts an attempt for the address and the user name at once, before the
 * password is checked; 0, or the seconds to wait (*per_user: the name's
 * limit rather than the address's). */
static int rl_begin(yg_api *api, const char *addr, const char *user, bool *per_user)
{
	int64_t now = (int64_t)time(NULL), window = api->lim.signin_window;
	pthread_mutex_lock(&api->rl_mu);
	api_rl_slot *a = rl_slot(&api->rl_addr, addr, now, window);
	api_rl_slot *u = rl_slot(&api->rl_user, user, now, window);
	int wa = rl_full(a, api->lim.signin_fails, now, window);
	int wu = rl_full(u, api->lim.signin_account_fails, now, window);
	if (!wa && !wu) {
		a->tries++, u->tries++;
		a->last = u->last = now;
	}
	pthread_mutex_unlock(&api->rl_mu);
	*per_user = !wa && wu;
	return wa ? wa : wu;
}

/* A successful sign-in gives back its own attempt; other failures stay. */
static void rl_success(yg_api *api, const char *addr, const char *user)
{
	int64_t now = (int64_t)time(NULL), window = api->lim.signin_window;
	pthread_mutex_lock(&api->rl_mu);
	api_rl_slot *a = rl_slot(&api->rl_addr, addr, now, window);
	api_rl_slot *u = rl_slot(&api->rl_user, user, now, window);
	if (a->tries)
		a->tries--;
	if (u->tries)
		u->tries--;
	pthread_mutex_unlock(&api->rl_mu);
}

/* ---- built-in handlers ---- */

static void signin_answer(api_req *r, const char *user, yg_api_role role, const char *token,
                          int64_t id, time_t expires)
{
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

void api_h_signin(api_req *r)
{
	static const char *const allowed[] = {"user", "password", NULL};
	const char *user, *pw;
	if (!api_body_object(r, allowed) ||
	    !api_body_str(r, "user", true, YG_API_NAME_MAX, API_CS_NAME, &user) ||
	    !api_body_str(r, "password", true, 1024, API_CS_TEXT, &pw))
		return;
	bool per_user = false;
	int wait = rl_begin(r->api, r->client, user, &per_user);
	if (wait > 0) {
		r->retry_after = wait;
		api_error(r, 429, "too_many_attempts", NULL,
		          "too many failed sign-ins %s; try again in %d s",
		          per_user ? "for this user" : "from this address", wait);
		return;
	}
	yg_api_role role;
	yg_err err = yg_api_user_check(r->api->users, user, pw, &role);
	if (err == YG_ENOTFOUND) {
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
	rl_success(r->api, r->client, user);
	signin_answer(r, user, role, token, id, expires);
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
