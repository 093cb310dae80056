/* api_int.h: what the API's source files share (not installed). */
#ifndef YAGURA_API_INT_H
#define YAGURA_API_INT_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "api/api_backend.h"
#include "api/api_users.h"

#define API_BODY_MAX (64 * 1024)
#define API_ARGS_MAX 32
#define API_ARG_MAX 256 /* bytes of one query value */
#define API_SEGS_MAX 8
#define API_PATH_MAX 1024
#define API_LIST_MAX 1000
#define API_SCRATCH 8192 /* bytes of copied query values per request */

#define API_RL_SLOTS 1024 /* client addresses / user names tracked for sign-ins */

/* Sign-in attempts of one key (a client address or a user name) within
 * the window: `tries` counts every attempt when it starts (so concurrent
 * ones are counted before the slow password check) and a success gives
 * its own back. */
typedef struct api_rl_slot {
	char key[YG_API_NAME_MAX + 1];
	unsigned tries;
	int64_t last;
} api_rl_slot;

typedef struct api_rl_table {
	api_rl_slot slot[API_RL_SLOTS];
} api_rl_table;

typedef struct api_conn_track api_conn_track; /* api_server.c */
typedef struct api_hub api_hub;               /* api_stream.c */

struct yg_api {
	struct MHD_Daemon *mhd;
	yg_api_backend be;
	yg_api_users *users;
	bool ui;
	uint16_t port;
	char *tls_cert, *tls_key; /* PEM text */
	yg_api_limits lim;        /* every field set (yg_api_limits_default) */
	bool metrics_open;
	pthread_mutex_t rl_mu;
	api_rl_table rl_addr, rl_user;
	api_conn_track *track; /* slow-client guard (api_server.c) */
	api_hub *hub;          /* live streams (api_stream.c) */
};

/* The live streams' thread (api_stream.c): start it with the server; at
 * stop, close_streams ends every stream (before MHD_stop_daemon, which
 * must find none suspended), free after the daemon is stopped. */
yg_err api_hub_start(yg_api *api);
void api_hub_close_streams(api_hub *h);
void api_hub_free(api_hub *h);
/* Sends `event: ticket` {id, status, updated_ms} to every stream now (a
 * change made through the API; the hub also finds changes made elsewhere,
 * so a client may see one twice). status: a constant word. */
void api_hub_ticket(api_hub *h, int64_t id, const char *status);

typedef struct api_arg {
	const char *key;
	const char *val;
	size_t len;
} api_arg;

/* One request being answered. */
typedef struct api_req {
	yg_api *api;
	struct MHD_Connection *conn;
	const char *method;
	char path[API_PATH_MAX];
	const char *seg[API_SEGS_MAX]; /* path segments after /api/v1/ */
	size_t nseg;
	const char *rest; /* the path after the matched prefix (bans/...) */
	api_arg args[API_ARGS_MAX];
	size_t nargs;
	const char *body_text; /* NULL without a body */
	size_t body_len;
	json_object *body; /* parsed body, when the route takes one */
	char client[64];
	char user[YG_API_NAME_MAX + 1];
	yg_api_role role;
	int64_t token_id;
	bool session;              /* the token came from signing in (not an API token) */
	char scratch[API_SCRATCH]; /* api_arg_list's copies */
	size_t scratch_used;
	/* the answer */
	unsigned status;
	json_object *out;
	int retry_after; /* seconds, 0 = no header */
	/* instead of out: a response of the handler's own (exports, streams),
	 * queued with status; stream: the connection stays open (the
	 * slow-client guard leaves it alone) */
	struct MHD_Response *raw;
	bool stream;
} api_req;

typedef void (*api_handler)(api_req *r);

/* ---- replies (api_http.c) ---- */

/* {"error":{"code","message"[, "field"]}} with the HTTP status. */
void api_error(api_req *r, unsigned status, const char *code, const char *field, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));
/* Takes o. NULL o (out of memory) becomes a 500. */
void api_reply(api_req *r, unsigned status, json_object *o);
/* 501: `what` is not available in this manager. */
void api_unavailable(api_req *r, const char *what);
/* Maps a backend error to a status (see api_backend.h), using msg when set. */
void api_backend_error(api_req *r, yg_err err, const char *msg);

/* ---- query parameters (api_http.c) ---- */

typedef enum api_charset {
	API_CS_DIGITS, /* [0-9] */
	API_CS_ID,     /* [A-Za-z0-9._:-] */
	API_CS_NAME,   /* [A-Za-z0-9._:@/-] */
	API_CS_TEXT,   /* printable UTF-8, no control characters */
	API_CS_PROSE,  /* API_CS_TEXT plus newline, carriage return and tab */
} api_charset;

/* Refuses (400, naming it) any parameter not in the NULL-terminated list. */
bool api_args_allow(api_req *r, const char *const *allowed);
/* *out = the value or NULL when absent; false (reply set) when invalid. */
bool api_arg_str(api_req *r, const char *key, api_charset cs, size_t maxlen, const char **out);
/* *out stays as given when absent. */
bool api_arg_int(api_req *r, const char *key, int64_t min, int64_t max, int64_t *out);
/* ISO 8601 ("2024-05-01T10:00:00Z", "+02:00", ".123") or epoch ms. */
bool api_arg_time(api_req *r, const char *key, int64_t *out);
bool api_arg_bool(api_req *r, const char *key, bool *out);
/* An IPv4/IPv6 address as inet_pton reads it. */
bool api_arg_ip(api_req *r, const char *key, const char **out);

/* Whether s (len bytes) is made only of cs (and is valid UTF-8 for TEXT). */
bool api_charset_ok(const char *s, size_t len, api_charset cs);
/* Parses an ISO 8601 time or epoch ms into *ms. */
bool api_parse_time(const char *s, int64_t *ms);
/* Also "now" and "now-<N><s|m|h|d|w>" (at most ten years), from now_ms. */
bool api_parse_time_at(const char *s, int64_t now_ms, int64_t *ms);
/* Every value of key, given repeated (key=a&key=b) or comma-separated
 * (key=a,b), each 1..maxlen bytes of cs, at most max, into out[] (copies
 * in the request's scratch space); *n the count. */
bool api_arg_list(api_req *r, const char *key, api_charset cs, size_t maxlen, const char **out,
                  size_t max, size_t *n);

/* ---- JSON bodies (api_http.c) ---- */

/* Parses the body as one JSON object with only `allowed` keys; false
 * (reply set) otherwise. */
bool api_body_object(api_req *r, const char *const *allowed);
/* A string member; *out NULL when absent and not required. */
bool api_body_str(api_req *r, const char *key, bool required, size_t maxlen, api_charset cs,
                  const char **out);
bool api_body_int(api_req *r, const char *key, bool required, int64_t min, int64_t max,
                  int64_t *out);

/* {items, limit, offset, more, next_offset} from items holding up to
 * limit + 1 entries (the extra one only tells that there is more). Takes
 * items; NULL on ENOMEM. */
json_object *api_page(json_object *items, size_t limit, size_t offset);

/* ---- path segments ---- */

/* Parses segment i as an id in 1..INT64_MAX; false (reply set) when not. */
bool api_seg_id(api_req *r, size_t i, int64_t *out);

/* ---- handlers ---- */

void api_h_signin(api_req *r);
void api_h_signout(api_req *r);
void api_h_openapi(api_req *r);
void api_h_alerts(api_req *r);
void api_h_alert(api_req *r);
void api_h_fim(api_req *r);
void api_h_stats(api_req *r);
void api_h_tickets(api_req *r);
void api_h_ticket(api_req *r);
void api_h_ticket_create(api_req *r);
void api_h_ticket_patch(api_req *r);
void api_h_ticket_comment(api_req *r);
void api_h_ticket_close(api_req *r);
void api_h_bans(api_req *r);
void api_h_ban_add(api_req *r);
void api_h_ban_lift(api_req *r);
void api_h_agents(api_req *r);
void api_h_outbox(api_req *r);
void api_h_outbox_retry(api_req *r);
void api_h_users(api_req *r);
void api_h_user_add(api_req *r);
void api_h_user_patch(api_req *r);
void api_h_user_remove(api_req *r);
void api_h_tokens(api_req *r);
void api_h_token_add(api_req *r);
void api_h_token_revoke(api_req *r);
void api_h_me(api_req *r);
/* api_query.c */
void api_h_alerts_histogram(api_req *r);
void api_h_alerts_export(api_req *r);
void api_h_stats_rules(api_req *r);
void api_h_stats_mitre(api_req *r);
void api_h_stats_sources(api_req *r);
void api_h_fim_stats(api_req *r);
void api_h_ticket_ban(api_req *r);
void api_h_ticket_unban(api_req *r);
void api_h_agent(api_req *r);
void api_h_ticket_ban(api_req *r);
void api_h_ticket_unban(api_req *r);
void api_h_agent(api_req *r);
/* api_stream.c */
void api_h_alerts_stream(api_req *r);

/* ---- the analyst's filters (api_query.c) ---- */

/* since, until, rule_id, agent, srcip, group, level, level_min, q (and the
 * older agent_id, min_level, max_level) into *f; false (reply set) when
 * one is invalid. Strings stay valid while r is. */
bool api_aq_read(api_req *r, yg_aq_filter *f);
/* sort=[-]time|level|rule_id|agent|srcip (default -time). */
bool api_aq_sort(api_req *r, yg_aq_sort *sort, bool *desc);

/* ---- embedded files (generated: api_embed.c) ---- */

typedef struct api_asset {
	const char *path; /* "/index.html" */
	const char *mime;
	const unsigned char *data;
	size_t len;
} api_asset;

extern const api_asset api_assets[];
extern const size_t api_nassets;
/* The asset at path, or NULL. */
const api_asset *api_asset_find(const char *path);

#endif
