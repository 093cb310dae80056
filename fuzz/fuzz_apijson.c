/* fuzz_apijson.c: the API's JSON body readers and the handlers that take
 * a body, called directly (no HTTP) as an admin: the first input byte
 * picks the handler, the rest is the body. There is no backend, so
 * nothing is changed beyond the users database (on /dev/shm). Sign-in is
 * left to fuzz_http: its password hashing would make every run slow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static yg_api api;
static bool ready;

static void stop(void)
{
	yg_api_users_close(api.users);
}

static const struct {
	api_handler h;
	const char *seg1; /* the id in tickets/ID, users/NAME... */
} handlers[] = {
        {api_h_ticket_create, NULL}, {api_h_ticket_patch, "7"},    {api_h_ticket_comment, "7"},
        {api_h_ticket_close, "7"},   {api_h_ban_add, NULL},        {api_h_user_add, NULL},
        {api_h_user_patch, "admin"}, {api_h_user_patch, "nobody"}, {api_h_token_add, NULL},
        {api_h_outbox_retry, "3"},   {api_h_ticket_ban, "7"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		char db[64];
		snprintf(db, sizeof(db), "/dev/shm/yg-fuzz-apijson-%ld.db", (long)getpid());
		unlink(db);
		if (yg_api_users_open(db, NULL, &api.users) ||
		    yg_api_user_add(api.users, "admin", "fuzz-password-1", YG_API_ROLE_ADMIN))
			return 0;
		yg_api_limits_default(&api.lim);
		pthread_mutex_init(&api.rl_mu, NULL);
		atexit(stop);
		ready = true;
	}
	if (size == 0)
		return 0;
	size_t which = data[0] % (sizeof(handlers) / sizeof(handlers[0]));
	api_req *r = calloc(1, sizeof(*r));
	char *body = malloc(size);
	if (r && body) {
		memcpy(body, data + 1, size - 1);
		body[size - 1] = '\0';
		r->api = &api;
		r->method = "POST";
		snprintf(r->path, sizeof(r->path), "x");
		r->seg[0] = "x";
		r->seg[1] = handlers[which].seg1 ? handlers[which].seg1 : "";
		r->nseg = handlers[which].seg1 ? 2 : 1;
		r->body_text = body;
		r->body_len = size - 1;
		snprintf(r->client, sizeof(r->client), "127.0.0.1");
		snprintf(r->user, sizeof(r->user), "admin");
		r->role = YG_API_ROLE_ADMIN;
		r->token_id = 1;
		r->session = data[0] & 0x80;
		handlers[which].h(r);
		json_object_put(r->out);
		json_object_put(r->body);
	}
	free(body);
	free(r);
	return 0;
}
