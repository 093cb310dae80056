/* session_int.h: a session's state, shared by session.c and rule_eval.c. */
#ifndef YAGURA_SESSION_INT_H
#define YAGURA_SESSION_INT_H

#include "engine/ruleset_int.h"
#include <stdatomic.h>
#include <stdint.h>

/* An event kept for correlation (Wazuh's last_events and the per-rule
 * if_matched lists hold copies of these fields). */
typedef struct yg_stored {
	time_t time;
	int dtype;
	const yg_decoder *decoder; /* Wazuh compares types through it (below) */
	int matched;               /* level of a frequency rule it already triggered */
	char *agent_id;
	char *log;
	char *full_log;
	char *sfields[YG_SF_COUNT];
	char **fkeys;
	char **fvals;
	int nfields;
	int sid_list; /* list it was added to, -1 none */
	int *group_lists;
	size_t ngroup_lists;
} yg_stored;

/* A FIFO of stored-event pointers. */
typedef struct yg_ring {
	yg_stored **v;
	size_t head, n, cap;
} yg_ring;

typedef struct yg_fts_set yg_fts_set;

/* One correlation memory: the stored events, oldest first, and the rings
 * per if_matched_sid target and if_matched_group searcher. A session keeps
 * one per agent (Wazuh counts per agent unless <global_frequency/>), so an
 * agent's results do not depend on the other agents' events; the rule state
 * keeps one more for the global_frequency rules (yg_rule_state). */
typedef struct yg_mem {
	struct yg_mem *next; /* hash chain of the session's table */
	yg_ring events;
	yg_ring *sid_lists;
	yg_ring *group_lists;
	char agent[]; /* the agent id it belongs to ("" for the global one) */
} yg_mem;

/* Called before an event touches state that events of other agents share
 * (ignore windows, the FTS set, <accumulate>, check_diff, the global
 * memory): a runner with several workers makes it wait until every earlier
 * event of the batch is done, so that state sees events in input order. */
typedef void (*yg_turn_fn)(void *ctx);

struct yg_session {
	const yg_ruleset *rs;
	yg_clock clock;
	yg_match_scratch *scratch;
	yg_event ev;

	/* correlation: one memory per agent, the current event's in `mem` */
	yg_mem **mems;
	size_t nmems, mems_cap;
	yg_mem *mem;
	size_t max_events; /* stored events per memory */
	/* per rule index; the session's own or a yg_rule_state shared with
	 * sessions side by side (atomic for that reason) */
	_Atomic unsigned *firedtimes;
	_Atomic int64_t *time_ignored;
	yg_rule_state *own_state;
	yg_rule_state *state; /* own_state or the shared one */
	yg_fts_set *fts;      /* the rule state's */
	yg_turn_fn turn;
	void *turn_ctx;
	bool have_turn;          /* turn() already ran for this event */
	bool defer_fired;        /* firedtimes: counted by the caller (below) */
	struct yg_accum *accum;  /* the rule state's (<accumulate>) */
	yg_diff_store *diff;     /* <check_diff>: shared, or own_diff */
	yg_diff_store *own_diff; /* made on first use */

	/* result of the last event */
	const yg_rule *rule; /* generated rule, NULL if none */
	bool alert;
	char *comment; /* description with $(field) expanded */
	unsigned fired;
	unsigned long seq;            /* events processed */
	unsigned long long alert_seq; /* the last event's alert id number */
	int cur_matched;              /* level a frequency rule marked this event with */
	char **last_events;           /* full logs of the events that led to it */
	size_t nlast_events;
	char *previous; /* check_diff: the output before this one */
	char *explain_trace;
	bool trace;

	yg_decoder pre_decoder; /* for pre-decoded (FIM) events */

	/* caches (per session, so no locking) */
	struct yg_pn_cache *pn_cache; /* program name -> candidate root decoders */
	const char *scratch_subject;  /* the log the scratch's prefilter set is of */
	time_t tm_minute;             /* minute of the cached local time */
	int tm_hour_min, tm_wday;
	long tm_hour_key; /* syslog timestamp hour cache */
	time_t tm_hour_base;
};

/* Which rings a global_frequency rule searches (so which stored events the
 * global memory needs). */
typedef struct yg_global_lists {
	bool any;    /* the ruleset has global_frequency rules */
	bool events; /* one searches all stored events */
	bool *sid;   /* per if_matched_sid list */
	bool *group; /* per if_matched_group list */
} yg_global_lists;
const yg_global_lists *yg_rule_state_globals(const yg_rule_state *st);

/* cmem.c: the correlation memories. */
yg_mem *yg_mem_create(const yg_ruleset *rs, const char *agent);
void yg_mem_destroy(const yg_ruleset *rs, yg_mem *m);
/* The memory of this agent, made on first use (NULL: out of memory). */
yg_mem *yg_mem_of(yg_session *s, const char *agent);
/* The current event's agent's memory (NULL: out of memory). */
static inline yg_mem *yg_session_mem(yg_session *s)
{
	return s->mem = yg_mem_of(s, s->ev.agent_id ? s->ev.agent_id : "000");
}
void yg_mem_table_free(yg_session *s);
/* Keeps the event rule r fired on, in the agent's memory (and the global
 * one when a global_frequency rule can search it). */
void yg_mem_store(yg_session *s, const yg_rule *r);

/* rule_eval.c: Wazuh's OS_CheckIfRuleMatch over node's subtree. */
const yg_rule *yg_rule_check(yg_session *s, const yg_rnode *node);

/* session.c helpers used by rule_eval.c */
/* Waits for the turn (see yg_turn_fn), once per event. */
static inline void yg_session_turn(yg_session *s)
{
	if (s->turn && !s->have_turn) {
		s->turn(s->turn_ctx);
		s->have_turn = true;
	}
}
/* For runners (runner.c): the turn function, and firedtimes left out of the
 * alert JSON (YG_FIRED_HOLE: the key with no value) for the caller to count
 * in input order. */
#define YG_FIRED_HOLE "\"firedtimes\":,"
void yg_session_set_turn(yg_session *s, yg_turn_fn fn, void *ctx);
void yg_session_defer_firedtimes(yg_session *s, bool on);
/* The global_frequency rules' memory (use after yg_session_turn). */
yg_mem *yg_session_global_mem(yg_session *s);
bool yg_fts_check_and_add(yg_session *s, const char *key);
/* The store check_diff uses (the session's own is made on first use). */
yg_diff_store *yg_session_diff_store(yg_session *s);
void yg_session_note_last_event(yg_session *s, const char *full_log);
void yg_session_clear_last_events(yg_session *s);

static inline yg_stored *yg_ring_at(const yg_ring *r, size_t i)
{
	return r->v[(r->head + i) % r->cap];
}

#endif
