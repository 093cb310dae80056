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

struct yg_session {
	const yg_ruleset *rs;
	yg_clock clock;
	yg_match_scratch *scratch;
	yg_event ev;

	/* correlation */
	yg_ring events;       /* all stored events, oldest first */
	yg_ring *sid_lists;   /* per if_matched_sid target */
	yg_ring *group_lists; /* per if_matched_group searcher */
	size_t max_events;
	/* per rule index; the session's own or a yg_rule_state shared with
	 * sessions side by side (atomic for that reason) */
	_Atomic unsigned *firedtimes;
	_Atomic int64_t *time_ignored;
	yg_rule_state *own_state;
	yg_fts_set *fts;
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

/* rule_eval.c: Wazuh's OS_CheckIfRuleMatch over node's subtree. */
const yg_rule *yg_rule_check(yg_session *s, const yg_rnode *node);

/* session.c helpers used by rule_eval.c */
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
