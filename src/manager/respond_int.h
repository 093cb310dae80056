/* respond_int.h: the state shared by respond.c and respond_ar.c. */
#ifndef YAGURA_MANAGER_RESPOND_INT_H
#define YAGURA_MANAGER_RESPOND_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ar/ar_dispatch.h"
#include "ar/execd.h"
#include "integrations/integrations.h"
#include "integrations/syslog_out.h"
#include "manager/respond.h"
#include "tickets/tickets.h"
#include "waf/ledger.h"
#include "waf/waf.h"

#define RESPOND_EVENTS_MAX 1024
#define RESPOND_PENDING_MAX 4096

/* A response for an agent that was not connected; retried until due. */
typedef struct respond_pending {
	char agent[16];
	char *request; /* the AR_REQUEST JSON */
	char *key;     /* dedupe key, marked seen once delivered */
	char program[128];
	long long give_up_ms;
} respond_pending;

typedef struct respond_replay {
	uint64_t seq;
	char *json;
	size_t len;
} respond_replay;

/* A ban as last sent to an agent, to notice what ctl or the API changed. */
typedef struct respond_sent {
	char address[64];
	char agent[16];
	int64_t expires;
} respond_sent;

struct yg_respond {
	struct manager *m;
	yg_tickets *tickets;
	yg_integrations *intg;
	yg_syslog_out *syslog; /* <syslog_output>, NULL without */
	yg_ar_dispatch *dispatch;
	yg_execd *execd;       /* responses for the manager itself */
	yg_waf *waf;           /* the manager's own WAF (<waf>), if any */
	yg_waf_ledger *ledger; /* every ban: HOME/var/db/bans.db */
	uint64_t cursor;       /* last alert seq handled */
	bool have_cursor, cursor_dirty;
	long long cursor_saved;
	uint64_t next_req;
	char host[256];
	/* internal events waiting for the pipeline */
	char *events[RESPOND_EVENTS_MAX];
	size_t nevents;
	uint64_t events_lost;
	respond_pending *pending;
	size_t npending;
	respond_sent *sent;
	size_t nsent, capsent;
	long long ledger_checked;
	bool waf_failed; /* a local ban could not be applied: retried by the tick */
	respond_replay *replay;
	size_t nreplay, capreplay;
	char **ban_agents; /* who applies manual bans */
	size_t nban_agents;
};

/* respond.c */
void respond_event(yg_respond *r, const char *event, const char *program, const char *command,
                   const char *agent, const char *srcip, const char *message);
bool respond_seen(void *ctx, const char *key);
void respond_mark_seen(yg_respond *r, const char *key);

/* respond_ar.c */
yg_err respond_ar_open(yg_respond *r, yg_diag *d);
void respond_ar_close(yg_respond *r);
void respond_ar_alert(yg_respond *r, const char *json, size_t len, int64_t ticket);
void respond_ar_tick(yg_respond *r, bool ledger_changed);

#endif
