/* tickets_int.h: what the files of src/tickets share. Not installed. */
#ifndef YAGURA_TICKETS_INT_H
#define YAGURA_TICKETS_INT_H

#include <json-c/json.h>

#include "tickets/tickets.h"

#define TK_MAX_LIST 64          /* entries in one comma list (groups, rule ids) */
#define TK_MAX_ROUTES 256       /* routes in a configuration */
#define TK_MAX_FORWARD 16       /* forwarders in a configuration */
#define TK_MAX_VALUE 1024       /* a configured value, an update field */
#define TK_MAX_FULL_LOG 4096    /* full_log kept in descriptions/timeline */
#define TK_MAX_ALERT (1u << 20) /* alert JSON offered */

typedef struct tk_list {
	char **v;
	size_t n;
} tk_list;

/* A route: every given criterion must match; an empty list is no criterion. */
typedef struct tk_route {
	int level;        /* rule level >= level; 0 = any */
	tk_list groups;   /* any of them among the alert's groups */
	tk_list rule_ids; /* the alert's rule id is one of them */
	tk_list agent_ids;
	int line;
} tk_route;

typedef enum tk_fwd_type { TK_FWD_CATALYST, TK_FWD_THEHIVE } tk_fwd_type;

typedef struct tk_forward {
	tk_fwd_type type;
	char *url; /* without a trailing '/' */
	char *token;
} tk_forward;

struct yg_tickets_config {
	bool enabled;
	unsigned fold_window;
	bool close_lifts_bans;
	tk_route *routes;
	size_t nroutes;
	tk_forward fwd[TK_MAX_FORWARD];
	size_t nfwd;
};

/* The parts of one alert the store needs; strings point into `root`. */
typedef struct tk_alert {
	json_object *root;
	const char *id;
	const char *rule_id;
	const char *description; /* "" when none */
	int level;
	json_object *groups;  /* array or NULL */
	const char *agent_id; /* "000" when none */
	const char *agent_name;
	const char *srcip;    /* NULL when none */
	const char *fim_path; /* syscheck.path, NULL when none */
	const char *full_log; /* NULL when none */
	int64_t time_ms;
} tk_alert;

/* Parses len bytes of alert JSON into *a (a->root owned: json_object_put).
 * YG_EPARSE when not an object or without id / rule.id. */
yg_err yg_tk_alert_parse(const char *json, size_t len, int64_t now_ms, tk_alert *a);
bool yg_tk_alert_in_group(const tk_alert *a, const char *group);
/* Whether cfg routes the alert (the default route when none configured). */
bool yg_tk_route_match(const yg_tickets_config *cfg, const tk_alert *a);
/* The fold key, the timeline kind and text, the description: appended to
 * out. */
yg_err yg_tk_alert_fold_key(const tk_alert *a, yg_buf *out);
yg_tickets_kind yg_tk_alert_kind(const tk_alert *a);
yg_err yg_tk_alert_timeline_text(const tk_alert *a, yg_buf *out);
yg_err yg_tk_alert_description(const tk_alert *a, yg_buf *out);

/* True when s (len bytes) holds no control character and is valid for a
 * header or a stored value. */
bool yg_tk_printable(const char *s, size_t len);
/* Appends "text" truncated to max bytes at a UTF-8 boundary. */
yg_err yg_tk_buf_put_trunc(yg_buf *b, const char *s, size_t max);

const tk_forward *yg_tk_config_forward(const yg_tickets_config *cfg, size_t i);
/* The configuration a store was created with. */
const yg_tickets_config *yg_tk_store_config(const yg_tickets *t);

#endif
