/* api_server.c: the libmicrohttpd server: routing, authentication, limits.
 *
 * Every request is collected (body at most 64 kB), routed by method and
 * path, authenticated with its bearer token (except sign-in, the OpenAPI
 * description and the UI's files), checked against the route's role, then
 * answered with JSON. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "api/api_int.h"

/* Per-socket state: whether decoding the request's URL or arguments met
 * %00 (MHD would otherwise cut the path at it silently), and what the
 * slow-client guard needs (guarded by its mutex). */
typedef struct sock_state {
	bool saw_nul;
	struct sock_state *prev, *next;
	int fd;
	int64_t since_ms; /* the current request began (or the wait for it) */
	bool headers;     /* its headers are in */
	bool shut;        /* the guard has shut the socket down */
	bool stream;      /* answering a live stream: no request timeout */
} sock_state;

/* The slow-client guard. libmicrohttpd's timeout is for idleness only, so
 * a client trickling a header line every few seconds would keep its slot
 * forever (slowloris). A thread shuts down every socket whose headers are
 * not in after header_timeout or whose request is not over after
 * request_timeout; and when the server is nearly full, each new
 * connection pushes out the oldest one still sending its headers (see
 * guard_add). shutdown(), not
 * close(): libmicrohttpd notices, says so (on_connection, which unlinks
 * the socket under the same mutex) and closes the descriptor itself. */
struct api_conn_track {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop;
	sock_state *head;
	unsigned n, nshut; /* sockets open; of them, shut down by the guard */
	const yg_api_limits *lim;
};

#define GUARD_TICK_MS 250
#define GUARD_MIN_AGE_MS 100 /* a newcomer is not pushed out before this */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void guard_shut(api_conn_track *t, sock_state *ss)
{
	ss->shut = true;
	t->nshut++;
	shutdown(ss->fd, SHUT_RDWR);
}

static void guard_make_room(api_conn_track *t, const sock_state *keep, int64_t now);

static void *guard_main(void *arg)
{
	api_conn_track *t = arg;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
		int64_t now = mono_ms();
		guard_make_room(t, NULL, now);
		for (sock_state *ss = t->head; ss; ss = ss->next) {
			unsigned limit =
			        ss->headers ? t->lim->request_timeout : t->lim->header_timeout;
			if (!ss->shut && !ss->stream && ss->fd >= 0 &&
			    now - ss->since_ms > (int64_t)limit * 1000)
				guard_shut(t, ss);
		}
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* How many sockets may be open before slow ones are pushed out: three
 * quarters of max_connections, so that libmicrohttpd (whose limit is
 * shared out among its threads) always has room to accept a newcomer. */
static unsigned guard_room(const api_conn_track *t)
{
	return t->lim->max_connections - t->lim->max_connections / 4;
}

/* The oldest socket still sending its headers, other than `keep`, at least
 * GUARD_MIN_AGE_MS old at now; NULL if none. */
static sock_state *guard_oldest_slow(api_conn_track *t, const sock_state *keep, int64_t now)
{
	sock_state *oldest = NULL;
	for (sock_state *o = t->head; o; o = o->next)
		if (o != keep && !o->headers && !o->shut && o->fd >= 0 &&
		    now - o->since_ms >= GUARD_MIN_AGE_MS &&
		    (!oldest || o->since_ms < oldest->since_ms))
			oldest = o;
	return oldest;
}

/* Pushes out the oldest slow sockets (never `keep`) while more than
 * guard_room() are open. Holds t->mu. */
static void guard_make_room(api_conn_track *t, const sock_state *keep, int64_t now)
{
	while (t->n - t->nshut > guard_room(t)) {
		sock_state *o = guard_oldest_slow(t, keep, now);
		if (!o)
			break;
		guard_shut(t, o);
	}
}

/* A new socket. While fewer than a quarter of the slots are left (also
 * checked every tick), the oldest sockets still sending their headers are
 * pushed out: a client that sends its request at once always finds room,
 * however many slow ones an attacker keeps opening. */
static void guard_add(api_conn_track *t, sock_state *ss)
{
	pthread_mutex_lock(&t->mu);
	ss->since_ms = mono_ms();
	ss->next = t->head;
	if (t->head)
		t->head->prev = ss;
	t->head = ss;
	t->n++;
	guard_make_room(t, ss, ss->since_ms);
	pthread_mutex_unlock(&t->mu);
}

static void guard_remove(api_conn_track *t, sock_state *ss)
{
	pthread_mutex_lock(&t->mu);
	if (ss->prev)
		ss->prev->next = ss->next;
	else
		t->head = ss->next;
	if (ss->next)
		ss->next->prev = ss->prev;
	t->n--;
	if (ss->shut)
		t->nshut--;
	pthread_mutex_unlock(&t->mu);
}

/* The request's answer is a live stream: it may last (idle streams still
 * get a heartbeat, and their number is bounded, api_stream.c). */
static void guard_stream(api_conn_track *t, sock_state *ss)
{
	pthread_mutex_lock(&t->mu);
	ss->stream = true;
	pthread_mutex_unlock(&t->mu);
}

/* The request's headers are in (headers = true) or it is over. */
static void guard_phase(api_conn_track *t, sock_state *ss, bool headers)
{
	pthread_mutex_lock(&t->mu);
	ss->headers = headers;
	ss->stream = false;
	if (!headers)
		ss->since_ms = mono_ms();
	pthread_mutex_unlock(&t->mu);
}

static yg_err guard_start(yg_api *api)
{
	api_conn_track *t = calloc(1, sizeof(*t));
	if (!t)
		return YG_ENOMEM;
	t->lim = &api->lim;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	api->track = t;
	if (pthread_create(&t->thread, NULL, guard_main, t) != 0)
		return YG_ENOMEM;
	t->started = true;
	return YG_OK;
}

/* Stops the thread; the sockets left are freed by on_connection. */
static void guard_stop(api_conn_track *t)
{
	if (!t || !t->started)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	t->started = false;
}

static void guard_free(api_conn_track *t)
{
	if (!t)
		return;
	guard_stop(t);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

/* Per-request state while the body arrives. */
typedef struct conn_state {
	char *body;
	size_t len;
	bool too_big;
} conn_state;

typedef struct route {
	const char *method;
	const char *pattern; /* segments after /api/v1/; "*" one, "**" the rest */
	yg_api_role min;     /* NONE: no token needed */
	api_handler h;
} route;

static const route routes[] = {
        {"POST", "auth", YG_API_ROLE_NONE, api_h_signin},
        {"DELETE", "auth", YG_API_ROLE_READ_ONLY, api_h_signout},
        {"GET", "auth", YG_API_ROLE_READ_ONLY, api_h_me},
        {"GET", "openapi.json", YG_API_ROLE_NONE, api_h_openapi},
        {"GET", "alerts", YG_API_ROLE_READ_ONLY, api_h_alerts},
        {"GET", "alerts/histogram", YG_API_ROLE_READ_ONLY, api_h_alerts_histogram},
        {"GET", "alerts/export", YG_API_ROLE_READ_ONLY, api_h_alerts_export},
        {"GET", "alerts/stream", YG_API_ROLE_READ_ONLY, api_h_alerts_stream},
        {"GET", "alerts/*", YG_API_ROLE_READ_ONLY, api_h_alert},
        {"GET", "fim", YG_API_ROLE_READ_ONLY, api_h_fim},
        {"GET", "fim/stats", YG_API_ROLE_READ_ONLY, api_h_fim_stats},
        {"GET", "stats", YG_API_ROLE_READ_ONLY, api_h_stats},
        {"GET", "stats/rules", YG_API_ROLE_READ_ONLY, api_h_stats_rules},
        {"GET", "stats/mitre", YG_API_ROLE_READ_ONLY, api_h_stats_mitre},
        {"GET", "stats/sources", YG_API_ROLE_READ_ONLY, api_h_stats_sources},
        {"GET", "tickets", YG_API_ROLE_READ_ONLY, api_h_tickets},
        {"POST", "tickets", YG_API_ROLE_ANALYST, api_h_ticket_create},
        {"GET", "tickets/*", YG_API_ROLE_READ_ONLY, api_h_ticket},
        {"PATCH", "tickets/*", YG_API_ROLE_ANALYST, api_h_ticket_patch},
        {"POST", "tickets/*/comments", YG_API_ROLE_ANALYST, api_h_ticket_comment},
        {"POST", "tickets/*/close", YG_API_ROLE_ANALYST, api_h_ticket_close},
        {"POST", "tickets/*/ban", YG_API_ROLE_ANALYST, api_h_ticket_ban},
        {"DELETE", "tickets/*/ban/**", YG_API_ROLE_ANALYST, api_h_ticket_unban},
        {"GET", "bans", YG_API_ROLE_READ_ONLY, api_h_bans},
        {"POST", "bans", YG_API_ROLE_ANALYST, api_h_ban_add},
        {"DELETE", "bans/**", YG_API_ROLE_ANALYST, api_h_ban_lift},
        {"GET", "agents", YG_API_ROLE_READ_ONLY, api_h_agents},
        {"GET", "agents/*", YG_API_ROLE_READ_ONLY, api_h_agent},
        {"GET", "outbox", YG_API_ROLE_READ_ONLY, api_h_outbox},
        {"POST", "outbox/*/retry", YG_API_ROLE_ADMIN, api_h_outbox_retry},
        {"GET", "users", YG_API_ROLE_ADMIN, api_h_users},
        {"POST", "users", YG_API_ROLE_ADMIN, api_h_user_add},
        {"PATCH", "users/*", YG_API_ROLE_ADMIN, api_h_user_patch},
        {"DELETE", "users/*", YG_API_ROLE_ADMIN, api_h_user_remove},
        {"GET", "tokens", YG_API_ROLE_READ_ONLY, api_h_tokens},
        {"POST", "tokens", YG_API_ROLE_READ_ONLY, api_h_token_add},
        {"DELETE", "tokens/*", YG_API_ROLE_READ_ONLY, api_h_token_revoke},
};

void yg_api_options_default(yg_api_options *o)
{
	memset(o, 0, sizeof(*o));
	o->listen = "127.0.0.1";
	o->port = 55000;
	o->ui = true;
	o->threads = 4;
	yg_api_limits_default(&o->limits);
}

/* ---- routing ---- */

/* Splits r->path after "/api/v1/" into segments; false for an empty one. */
static bool split_path(api_req *r, const char *path)
{
	snprintf(r->path, sizeof(r->path), "%s", path);
	char *p = r->path;
	r->nseg = 0;
	while (*p) {
		if (r->nseg == API_SEGS_MAX)
			return false;
		r->seg[r->nseg++] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		p = slash + 1;
		if (!*p)
			return false; /* trailing slash */
	}
	return r->nseg > 0;
}

/* Whether the route's pattern matches; sets r->rest for "**" (the original
 * text, slashes included, from orig). */
static bool match(const route *rt, api_req *r, const char *orig)
{
	const char *p = rt->pattern;
	size_t i = 0;
	size_t off = 0; /* offset of segment i in orig */
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '*' && p[1] == '*') {
			if (i >= r->nseg)
				return false;
			r->rest = orig + off;
			return true;
		}
		if (i >= r->nseg)
			return false;
		if (!(n == 1 && p[0] == '*') && (strlen(r->seg[i]) != n || memcmp(r->seg[i], p, n)))
			return false;
		off += strlen(r->seg[i]) + 1;
		i++;
		p += n;
		if (*p == '/')
			p++;
	}
	return i == r->nseg;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	api_req *r = cls;
	(void)kind;
	if (r->nargs == API_ARGS_MAX) {
		r->nargs++; /* flags "too many" */
		return MHD_NO;
	}
	/* The filters that take several values may be repeated
	 * (api_arg_list); any other parameter given twice is refused. */
	static const char *const repeatable[] = {"rule_id", "agent", "srcip",
	                                         "group",   "level", NULL};
	bool rep = false;
	for (const char *const *k = repeatable; *k && !rep; k++)
		rep = strcmp(*k, key) == 0;
	for (size_t i = 0; i < r->nargs && !rep; i++) {
		if (strcmp(r->args[i].key, key) == 0) {
			r->nargs = API_ARGS_MAX + 2; /* flags "twice" */
			return MHD_NO;
		}
	}
	if (strlen(key) != key_size) {
		r->nargs = API_ARGS_MAX + 3;
		return MHD_NO;
	}
	r->args[r->nargs].key = key;
	r->args[r->nargs].val = value ? value : "";
	r->args[r->nargs].len = value ? value_size : 0;
	r->nargs++;
	return MHD_YES;
}

static void authenticate(api_req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	if (!h || strncmp(h, "Bearer ", 7) != 0) {
		api_error(r, 401, "unauthorized", NULL,
		          "an Authorization: Bearer token is required");
		return;
	}
	yg_err err = yg_api_token_check(r->api->users, h + 7, r->user, &r->role, &r->token_id,
	                                &r->session);
	if (err == YG_ENOTFOUND)
		api_error(r, 401, "unauthorized", NULL, "the token is invalid, expired or revoked");
	else if (err)
		api_error(r, 500, "internal", NULL, "cannot check the token now");
}

/* Whether the Origin header (when a browser sent one) is this server
 * itself: scheme://Host. A page elsewhere must not drive the API, even
 * where no token is needed (signing in: failed attempts lock users out). */
static bool same_origin(api_req *r)
{
	const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site && strcmp(site, "cross-site") == 0)
		return false;
	if (!origin)
		return true; /* not a browser's cross-origin request */
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
	const char *scheme = r->api->tls_cert ? "https://" : "http://";
	size_t sl = strlen(scheme);
	return host && strncmp(origin, scheme, sl) == 0 && strcmp(origin + sl, host) == 0;
}

/* A body must be declared JSON: a form or text/plain body is what a page
 * elsewhere can send without the browser asking the server first. */
static bool json_content(api_req *r)
{
	if (!r->body_text)
		return true;
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;
	return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

/* Routes an /api/v1/ request; fills r's answer. */
static void dispatch(api_req *r, const char *method, const char *sub)
{
	if (!split_path(r, sub)) {
		api_error(r, 404, "not_found", NULL, "no such endpoint");
		return;
	}
	const route *found = NULL;
	bool path_known = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && !found; i++) {
		if (!match(&routes[i], r, sub))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) == 0)
			found = &routes[i];
	}
	if (!found) {
		if (path_known)
			api_error(r, 405, "method_not_allowed", NULL, "%s is not allowed here",
			          method);
		else
			api_error(r, 404, "not_found", NULL, "no such endpoint");
		return;
	}
	if (!same_origin(r)) {
		api_error(r, 403, "cross_origin", NULL,
		          "requests from another site (Origin / Sec-Fetch-Site) are refused");
		return;
	}
	if (!json_content(r)) {
		api_error(r, 415, "unsupported_media_type", NULL,
		          "a request body must be sent as Content-Type: application/json");
		return;
	}
	if (found->min != YG_API_ROLE_NONE) {
		authenticate(r);
		if (r->status)
			return;
		if (r->role < found->min) {
			api_error(r, 403, "forbidden", NULL, "this needs the %s role (you are %s)",
			          yg_api_role_name(found->min), yg_api_role_name(r->role));
			return;
		}
	}
	if (r->nargs > API_ARGS_MAX) {
		api_error(r, 400, "invalid_parameter", NULL,
		          r->nargs == API_ARGS_MAX + 1
		                  ? "too many query parameters"
		                  : "a query parameter is given twice or is malformed");
		return;
	}
	found->h(r);
	if (!r->status)
		api_error(r, 500, "internal", NULL, "no answer");
}

static void add_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_json(struct MHD_Connection *c, api_req *r)
{
	const char *text =
	        r->out ? json_object_to_json_string_ext(
	                         r->out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
	               : "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
	struct MHD_Response *resp =
	        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
	if (r->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	enum MHD_Result ret = MHD_queue_response(c, r->status ? r->status : 500, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_asset(yg_api *api, struct MHD_Connection *c, const char *url,
                                  const char *method)
{
	const api_asset *a = NULL;
	if (api->ui && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
		a = api_asset_find(strcmp(url, "/") == 0 ? "/index.html" : url);
	if (a && strcmp(a->path, "/openapi.json") == 0)
		a = NULL; /* served as /api/v1/openapi.json */
	static const char nf[] = "not found\n";
	struct MHD_Response *resp =
	        a ? MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT)
	          : MHD_create_response_from_buffer(sizeof(nf) - 1, (void *)nf,
	                                            MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", a ? a->mime : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'self'; script-src 'self'; style-src 'self';"
	                        " img-src 'self' data:; connect-src 'self'; object-src 'none';"
	                        " frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	enum MHD_Result ret = MHD_queue_response(c, a ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* GET /health (no token) and GET /metrics (a token of any role unless
 * <metrics_auth>none</metrics_auth>): for probes and scrapers, outside
 * /api/v1/ where they are usually looked for. */
static enum MHD_Result send_ops(yg_api *api, struct MHD_Connection *c, const char *url,
                                const char *method)
{
	api_req r = {.api = api, .conn = c, .method = method};
	bool metrics = strcmp(url, "/metrics") == 0;
	char *text = NULL;
	size_t len = 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		api_error(&r, 405, "method_not_allowed", NULL, "%s is not allowed here", method);
	} else if (!metrics) {
		bool ok = false;
		json_object *o = NULL;
		char msg[YG_API_MSG_MAX] = "";
		yg_err err = api->be.status.health ? api->be.status.health(api->be.status.ctx, &ok,
		                                                           &o, msg, sizeof(msg))
		                                   : YG_EINVAL;
		if (err)
			api_error(&r, 503, "unavailable", NULL, "%s",
			          msg[0] ? msg : "the manager's state is not available");
		else
			api_reply(&r, ok ? 200 : 503, o);
	} else {
		if (!api->metrics_open)
			authenticate(&r);
		char msg[YG_API_MSG_MAX] = "";
		if (!r.status &&
		    (!api->be.status.metrics ||
		     api->be.status.metrics(api->be.status.ctx, &text, &len, msg, sizeof(msg))))
			api_error(&r, 500, "internal", NULL, "%s",
			          msg[0] ? msg : "metrics are not available");
	}
	if (r.status) {
		free(text);
		enum MHD_Result ret = send_json(c, &r);
		json_object_put(r.out);
		return ret;
	}
	struct MHD_Response *resp =
	        MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static sock_state *sock_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
	yg_api *api = cls;
	(void)version;
	conn_state *cs = *con_cls;
	if (!cs) {
		cs = calloc(1, sizeof(*cs));
		if (!cs)
			return MHD_NO;
		*con_cls = cs;
		sock_state *ss = sock_of(c);
		if (ss)
			guard_phase(api->track, ss, true);
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (cs->too_big || cs->len + n > API_BODY_MAX) {
			cs->too_big = true;
			free(cs->body);
			cs->body = NULL;
			return MHD_YES;
		}
		char *nb = realloc(cs->body, cs->len + n + 1);
		if (!nb)
			return MHD_NO;
		memcpy(nb + cs->len, upload_data, n);
		cs->body = nb;
		cs->len += n;
		cs->body[cs->len] = '\0';
		return MHD_YES;
	}
	if (strcmp(url, "/health") == 0 || strcmp(url, "/metrics") == 0)
		return send_ops(api, c, url, method);
	if (strncmp(url, "/api/", 5) != 0)
		return send_asset(api, c, url, method);

	api_req *r = calloc(1, sizeof(*r));
	if (!r)
		return MHD_NO;
	r->api = api;
	r->conn = c;
	r->method = method;
	r->body_text = cs->body;
	r->body_len = cs->len;
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		          r->client, sizeof(r->client));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          r->client, sizeof(r->client));
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, r);
	sock_state *ss = sock_of(c);
	if (cs->too_big)
		api_error(r, 413, "too_large", NULL, "the body is over %d bytes", API_BODY_MAX);
	else if (ss && ss->saw_nul)
		api_error(r, 400, "invalid_request", NULL, "the URL holds a NUL byte (%%00)");
	else if (strlen(url) >= API_PATH_MAX)
		api_error(r, 414, "uri_too_long", NULL, "the path is too long");
	else if (strncmp(url, "/api/v1/", 8) != 0)
		api_error(r, 404, "not_found", NULL, "no such endpoint (the API is /api/v1/)");
	else
		dispatch(r, method, url + 8);
	enum MHD_Result ret;
	if (r->raw) {
		add_common_headers(r->raw);
		if (r->stream && ss)
			guard_stream(api->track, ss);
		ret = MHD_queue_response(c, r->status ? r->status : 200, r->raw);
		MHD_destroy_response(r->raw);
	} else {
		ret = send_json(c, r);
	}
	json_object_put(r->out);
	json_object_put(r->body);
	free(r);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	yg_api *api = cls;
	(void)toe;
	conn_state *cs = *con_cls;
	if (cs) {
		free(cs->body);
		free(cs);
		*con_cls = NULL;
	}
	sock_state *ss = sock_of(c);
	if (ss) {
		ss->saw_nul = false;
		guard_phase(api->track, ss, false);
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	yg_api *api = cls;
	sock_state *ss = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ss = calloc(1, sizeof(*ss));
		*socket_context = ss;
		if (!ss)
			return;
		const union MHD_ConnectionInfo *ci =
		        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		ss->fd = ci ? ci->connect_fd : -1;
		guard_add(api->track, ss);
	} else if (ss) {
		guard_remove(api->track, ss);
		free(ss);
		*socket_context = NULL;
	}
}

/* Decodes %XX in place (and '+' stays '+', as MHD does for paths); notes a
 * %00 on the socket so the request is refused rather than cut short. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	char *w = s;
	bool nul = false;
	for (const char *p = s; *p;) {
		int hi, lo;
		if (p[0] == '%' &&
		    (hi = (p[1] >= '0' && p[1] <= '9')               ? p[1] - '0'
		          : (p[1] | 32) >= 'a' && (p[1] | 32) <= 'f' ? (p[1] | 32) - 'a' + 10
		                                                     : -1) >= 0 &&
		    (lo = (p[2] >= '0' && p[2] <= '9')               ? p[2] - '0'
		          : (p[2] | 32) >= 'a' && (p[2] | 32) <= 'f' ? (p[2] | 32) - 'a' + 10
		                                                     : -1) >= 0) {
			*w = (char)(hi * 16 + lo);
			nul |= *w == '\0';
			w++;
			p += 3;
		} else
			*w++ = *p++;
	}
	*w = '\0';
	if (nul) {
		sock_state *ss = sock_of(c);
		if (ss)
			ss->saw_nul = true;
	}
	return (size_t)(w - s);
}

/* ---- start and stop ---- */

/* Reads a whole PEM file (at most 1 MiB) into a new string. */
static char *read_pem(const char *path, yg_diag *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "api", "cannot read TLS file");
		return NULL;
	}
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap + 1);
	if (buf) {
		len = fread(buf, 1, cap, f);
		buf[len] = '\0';
	}
	fclose(f);
	if (buf && (len == 0 || len == cap)) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, path, 0, "api",
			            "empty or too large TLS file");
		free(buf);
		return NULL;
	}
	return buf;
}

yg_err yg_api_create(const yg_api_options *o, const yg_api_backend *backend, yg_diag *diag,
                     yg_api **out)
{
	*out = NULL;
	yg_api_options def;
	yg_api_options_default(&def);
	const char *listen = o && o->listen ? o->listen : def.listen;
	unsigned threads = o && o->threads ? o->threads : def.threads;
	if (!o || !o->users_db || threads > 64 || (!o->tls_cert != !o->tls_key)) {
		if (diag)
			yg_diag_add(
			        diag, YG_SEV_ERROR, NULL, 0, "api",
			        "bad options (users_db is required; TLS needs both cert and key)");
		return YG_EINVAL;
	}
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(o->port)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(o->port)};
	bool v6 = false;
	if (inet_pton(AF_INET, listen, &sin.sin_addr) != 1) {
		if (inet_pton(AF_INET6, listen, &sin6.sin6_addr) != 1) {
			if (diag)
				yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "listen",
				            "'%s' is not an IPv4 or IPv6 address", listen);
			return YG_EINVAL;
		}
		v6 = true;
	}
	yg_api *api = calloc(1, sizeof(*api));
	if (!api)
		return YG_ENOMEM;
	if (backend)
		api->be = *backend;
	api->ui = o->ui;
	api->metrics_open = o->metrics_open;
	api->lim = o->limits;
	yg_api_limits_default(&api->lim);
	pthread_mutex_init(&api->rl_mu, NULL);
	yg_err err = yg_api_users_open(o->users_db, diag, &api->users);
	if (!err)
		err = guard_start(api);
	if (!err)
		err = api_hub_start(api);
	if (err)
		goto fail;
	/* poll(), not epoll: with MHD's edge-triggered epoll a client that
	 * half-closes after its request keeps its connection slot until the
	 * timeout (the EOF is seen while the answer is computed, then never
	 * again); with at most 256 connections poll costs nothing. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
	                 MHD_ALLOW_SUSPEND_RESUME; /* live streams (api_stream.c) */
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert) {
		err = YG_EIO;
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			if (diag)
				yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "tls",
				            "this libmicrohttpd has no TLS support");
			goto fail;
		}
		if (!(api->tls_cert = read_pem(o->tls_cert, diag)) ||
		    !(api->tls_key = read_pem(o->tls_key, diag)))
			goto fail;
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
	        {MHD_OPTION_SOCK_ADDR, 0, v6 ? (void *)&sin6 : (void *)&sin},
	        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
	        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)api->lim.max_connections, NULL},
	        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)api->lim.max_connections_per_ip,
	         NULL},
	        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)api->lim.idle_timeout, NULL},
	        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, api},
	        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, api},
	        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL},
	        {api->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, api->tls_cert},
	        {api->tls_key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, api->tls_key},
	        {MHD_OPTION_END, 0, NULL},
	};
	api->mhd = MHD_start_daemon(flags, o->port, NULL, NULL, on_request, api, MHD_OPTION_ARRAY,
	                            opts, MHD_OPTION_END);
	if (!api->mhd) {
		if (diag)
			yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "api",
			            "cannot listen on %s port %u%s", listen, (unsigned)o->port,
			            api->tls_cert ? " (or bad TLS files)" : "");
		err = YG_EIO;
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);
	api->port = di ? di->port : o->port;
	*out = api;
	return YG_OK;
fail:
	yg_api_destroy(api);
	return err;
}

void yg_api_destroy(yg_api *api)
{
	if (!api)
		return;
	guard_stop(api->track);
	api_hub_close_streams(api->hub);
	if (api->mhd)
		MHD_stop_daemon(api->mhd);
	api_hub_free(api->hub);
	guard_free(api->track);
	yg_api_users_close(api->users);
	if (api->tls_key)
		memset(api->tls_key, 0, strlen(api->tls_key));
	free(api->tls_cert);
	free(api->tls_key);
	pthread_mutex_destroy(&api->rl_mu);
	free(api);
}

uint16_t yg_api_port(const yg_api *api)
{
	return api->port;
}
