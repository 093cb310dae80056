/* session.c: processing events one by one, and the correlation memory.
 *
 * The per-event flow is wazuh-logtest's: pre-decode, decode, then try the
 * top-level rules of the decoder's category in order; the first rule tree
 * that yields a rule decides. A rule of level > 0 stores the event for later
 * correlation (Wazuh's last_events and if_matched lists), bounded by
 * YG_SESSION_MAX_EVENTS like Wazuh's memory_size. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/yhash.h"
#include "engine/accum.h"
#include "engine/decode.h"
#include "engine/diffstore.h"
#include "engine/geoip.h"
#include "engine/predecode.h"
#include "engine/session_int.h"

#define YG_SESSION_MAX_EVENTS 8192
#define YG_FTS_MAX 1000000
#define YG_MAX_LAST_EVENTS 12

/* ---- FTS: a set of strings ---- */

struct yg_fts_set {
	char **slots;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	return yg_hash64_str(s);
}

static bool fts_grow(yg_fts_set *f)
{
	size_t cap = f->cap ? f->cap * 2 : 1024;
	char **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < f->cap; i++) {
		if (!f->slots[i])
			continue;
		size_t j = hash_str(f->slots[i]) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = f->slots[i];
	}
	free(f->slots);
	f->slots = slots;
	f->cap = cap;
	return true;
}

/* True when `key` was not seen before (and remembers it). */
bool yg_fts_check_and_add(yg_session *s, const char *key)
{
	yg_fts_set *f = s->fts;
	if (f->cap) {
		size_t j = hash_str(key) & (f->cap - 1);
		while (f->slots[j]) {
			if (!strcmp(f->slots[j], key))
				return false;
			j = (j + 1) & (f->cap - 1);
		}
	}
	if (f->n >= YG_FTS_MAX)
		return false; /* full: treat as seen rather than flood */
	if ((f->n + 1) * 2 > f->cap && !fts_grow(f))
		return false;
	size_t j = hash_str(key) & (f->cap - 1);
	while (f->slots[j])
		j = (j + 1) & (f->cap - 1);
	f->slots[j] = strdup(key);
	if (!f->slots[j])
		return false;
	f->n++;
	return true;
}

static void fts_free(yg_fts_set *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cap; i++)
		free(f->slots[i]);
	free(f->slots);
	free(f);
}

void yg_session_note_last_event(yg_session *s, const char *full_log)
{
	if (!full_log || s->nlast_events >= YG_MAX_LAST_EVENTS)
		return;
	char *c = strdup(full_log);
	if (c)
		s->last_events[s->nlast_events++] = c;
}

void yg_session_clear_last_events(yg_session *s)
{
	for (size_t i = 0; i < s->nlast_events; i++)
		free(s->last_events[i]);
	s->nlast_events = 0;
}

/* ---- lifecycle ---- */

struct yg_rule_state {
	const yg_ruleset *rs;
	size_t n;
	_Atomic unsigned *firedtimes;
	_Atomic int64_t *time_ignored;
	yg_accum *accum; /* Wazuh's accumulator is per ruleset too */
	yg_fts_set *fts; /* and so is its FTS queue */
	yg_global_lists globals;
	yg_mem *gmem; /* the global_frequency rules' memory, made on first use */
};

/* Marks the rings global_frequency rules search. */
static void find_globals(yg_rule_state *st, const yg_ruleset *rs)
{
	yg_global_lists *g = &st->globals;
	for (size_t i = 0; i < rs->nrules; i++) {
		const yg_rule *r = rs->rules[i];
		if (!r || !r->global_frequency || !r->context)
			continue;
		if (r->search == YG_SEARCH_SIDS && r->sid_list >= 0)
			g->sid[r->sid_list] = g->any = true;
		else if (r->search == YG_SEARCH_GROUPS && r->group_list >= 0)
			g->group[r->group_list] = g->any = true;
		else if (r->search == YG_SEARCH_EVENTS)
			g->events = g->any = true;
	}
}

yg_rule_state *yg_rule_state_create(const yg_ruleset *rs)
{
	yg_rule_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->rs = rs;
	st->n = rs->nrules + 1;
	st->firedtimes = calloc(st->n, sizeof(*st->firedtimes));
	st->time_ignored = calloc(st->n, sizeof(*st->time_ignored));
	st->accum = yg_accum_create();
	st->fts = calloc(1, sizeof(*st->fts));
	st->globals.sid = calloc((size_t)rs->nsid_lists + 1, sizeof(bool));
	st->globals.group = calloc((size_t)rs->ngroup_lists + 1, sizeof(bool));
	if (!st->firedtimes || !st->time_ignored || !st->accum || !st->fts || !st->globals.sid ||
	    !st->globals.group) {
		yg_rule_state_destroy(st);
		return NULL;
	}
	for (size_t i = 0; i < st->n; i++) {
		atomic_init(&st->firedtimes[i], 0);
		atomic_init(&st->time_ignored[i], 0);
	}
	find_globals(st, rs);
	return st;
}

void yg_rule_state_destroy(yg_rule_state *st)
{
	if (!st)
		return;
	free((void *)st->firedtimes);
	free((void *)st->time_ignored);
	yg_accum_destroy(st->accum);
	fts_free(st->fts);
	free(st->globals.sid);
	free(st->globals.group);
	yg_mem_destroy(st->rs, st->gmem);
	free(st);
}

const yg_global_lists *yg_rule_state_globals(const yg_rule_state *st)
{
	return &st->globals;
}

yg_mem *yg_session_global_mem(yg_session *s)
{
	yg_rule_state *st = s->state;
	if (!st->gmem)
		st->gmem = yg_mem_create(s->rs, "");
	return st->gmem;
}

void yg_session_set_turn(yg_session *s, yg_turn_fn fn, void *ctx)
{
	s->turn = fn;
	s->turn_ctx = ctx;
}

void yg_session_defer_firedtimes(yg_session *s, bool on)
{
	s->defer_fired = on;
}

yg_session *yg_session_create(const yg_ruleset *rs, yg_clock clock)
{
	return yg_session_create_shared(rs, clock, NULL);
}

yg_session *yg_session_create_shared(const yg_ruleset *rs, yg_clock clock, yg_rule_state *shared)
{
	yg_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (!shared && !(shared = s->own_state = yg_rule_state_create(rs))) {
		free(s);
		return NULL;
	}
	s->rs = rs;
	s->clock = clock;
	s->max_events = YG_SESSION_MAX_EVENTS;
	s->scratch = yg_match_scratch_create();
	s->ev.arena = yg_arena_create(0);
	s->state = shared;
	s->firedtimes = shared->firedtimes;
	s->time_ignored = shared->time_ignored;
	s->accum = shared->accum;
	s->fts = shared->fts;
	s->last_events = calloc(YG_MAX_LAST_EVENTS, sizeof(char *));
	s->pn_cache = yg_pn_cache_create();
	s->tm_minute = -1;
	s->tm_hour_key = -1;
	if (!s->pn_cache || !s->scratch || !s->ev.arena || !s->fts || !s->firedtimes ||
	    !s->time_ignored || !s->last_events) {
		yg_session_destroy(s);
		return NULL;
	}
	return s;
}

void yg_session_destroy(yg_session *s)
{
	if (!s)
		return;
	yg_mem_table_free(s);
	if (s->last_events)
		yg_session_clear_last_events(s);
	free(s->last_events);
	yg_rule_state_destroy(s->own_state);
	free(s->comment);
	free(s->previous);
	free(s->explain_trace);
	yg_diff_store_destroy(s->own_diff);
	yg_pn_cache_destroy(s->pn_cache);
	yg_match_scratch_destroy(s->scratch);
	yg_arena_destroy(s->ev.arena);
	free(s);
}

void yg_session_set_diff_store(yg_session *s, yg_diff_store *d)
{
	s->diff = d;
}

yg_diff_store *yg_session_diff_store(yg_session *s)
{
	if (!s->diff) {
		if (!s->own_diff)
			s->own_diff = yg_diff_store_create(0);
		s->diff = s->own_diff;
	}
	return s->diff;
}

/* ---- time ---- */

static int month_index(const char *m)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++)
		if (!strncmp(m, mon[i], 3))
			return i;
	return -1;
}

static bool two_digits(const char *p, int *v)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return false;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return true;
}

/* The event's own time, from the pre-decoded timestamp: classic syslog
 * ("Feb  9 11:44:56", this year) or ISO 8601. Returns 0 when unknown. */
static time_t parse_event_time(yg_session *s, const char *ts, size_t len)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	char buf[64];
	if (!ts || len < 15 || len >= sizeof(buf))
		return 0;
	memcpy(buf, ts, len);
	buf[len] = '\0';
	int y, mo, d, h, mi, se;
	if (isdigit((unsigned char)buf[0]) && len >= 19 && buf[4] == '-' &&
	    sscanf(buf, "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) == 6) {
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = se;
		const char *z = buf + 19;
		while (*z == '.' || isdigit((unsigned char)*z))
			z++;
		time_t t = timegm(&tm);
		int oh, om;
		if ((*z == '+' || *z == '-') && two_digits(z + 1, &oh)) {
			const char *mm = z + 3;
			if (*mm == ':')
				mm++;
			if (!two_digits(mm, &om))
				om = 0;
			long off = oh * 3600L + om * 60L;
			t -= *z == '+' ? off : -off;
		} else if (*z != 'Z') {
			tm.tm_isdst = -1;
			t = mktime(&tm);
		}
		return t;
	}
	int mon = month_index(buf);
	if (mon < 0)
		return 0;
	const char *p = buf + 3;
	while (*p == ' ')
		p++;
	if (sscanf(p, "%2d %2d:%2d:%2d", &d, &h, &mi, &se) != 4)
		return 0;
	if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	/* mktime re-reads the time zone each call; cache the hour's start */
	long key = ((long)mon * 32 + d) * 24 + h;
	if (key != s->tm_hour_key) {
		time_t now = time(NULL);
		struct tm lt;
		localtime_r(&now, &lt);
		tm.tm_year = lt.tm_year;
		tm.tm_mon = mon;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_isdst = -1;
		s->tm_hour_base = mktime(&tm);
		s->tm_hour_key = key;
	}
	return s->tm_hour_base + mi * 60 + se;
}

static const yg_decoder null_decoder = {
        .type = YG_DT_SYSLOG,
        .id = 0,
};

/* ---- $(field) in descriptions: Wazuh's ParseRuleComment ---- */

#define YG_COMMENT_MAX 1024

static char *expand_comment(const yg_event *ev, const char *comment)
{
	yg_buf b;
	yg_buf_init(&b, YG_COMMENT_MAX);
	const char *p = comment;
	for (;;) {
		const char *tok = strstr(p, "$(");
		if (!tok)
			break;
		const char *end = strchr(tok + 2, ')');
		if (!end)
			break;
		if (yg_buf_append(&b, p, (size_t)(tok - p)))
			goto too_long;
		char name[256];
		size_t nl = (size_t)(end - tok - 2);
		if (nl < sizeof(name)) {
			memcpy(name, tok + 2, nl);
			name[nl] = '\0';
			const char *v = yg_event_lookup(ev, name);
			if (v && yg_buf_puts(&b, v))
				goto too_long;
		}
		p = end + 1;
	}
	if (yg_buf_puts(&b, p))
		goto too_long;
	if (!b.data)
		return strdup("");
	return yg_buf_steal(&b);
too_long:
	yg_buf_free(&b);
	return strdup(comment);
}

/* ---- processing ---- */

/* What the decoders left, completed: the type, the log a plugin replaced,
 * the fields <accumulate> carries over. */
static void after_decode(yg_session *s, yg_event *ev)
{
	if (!ev->decoder)
		ev->decoder = &null_decoder;
	if (!ev->type)
		ev->type = ev->decoder->type;
	size_t len = strlen(ev->log);
	if (len != ev->size || ev->log != s->scratch_subject) {
		/* OSSECAlert_Decoder put the forwarded log in its place; like
		 * analysisd, the rules see its size */
		ev->size = len;
		yg_match_scratch_set_subject(s->scratch, ev->log, ev->size);
	}
	if (ev->decoder->accumulate) {
		yg_session_turn(s); /* its entries are shared, and bounded */
		yg_accum_apply(s->accum, ev, ev->decoder->report_name, ev->time);
	}
}

/* A rule of level > 0 that is not in its ignore window keeps the event for
 * correlation; returns whether it did. */
static bool keep_event(yg_session *s, const yg_rule *r, time_t now)
{
	if (r->level == 0)
		return false;
	if (r->ignore_time) {
		yg_session_turn(s); /* the window is the rule's, for all agents */
		_Atomic int64_t *ti = &s->time_ignored[r->index];
		int64_t t0 = atomic_load_explicit(ti, memory_order_relaxed);
		if (t0 == 0) {
			atomic_store_explicit(ti, (int64_t)now, memory_order_relaxed);
		} else if ((int64_t)now - t0 < r->ignore_time &&
		           t0 - (int64_t)now < r->ignore_time) {
			/* a start further ahead than the window itself (a clock stepped
			 * back, a forged date) ends the window rather than stretching
			 * it to that date */
			return false;
		} else {
			atomic_store_explicit(ti, 0, memory_order_relaxed);
		}
	}
	yg_mem_store(s, r);
	return true;
}

/* The top-level rules of the event's category in order; the first rule
 * tree that yields a rule decides. */
static const yg_rule *match_rules(yg_session *s, time_t now, bool *stored)
{
	for (const yg_rnode *n = s->rs->rules_root; n; n = n->next) {
		if (n->rule->category != s->ev.type)
			continue;
		const yg_rule *r = yg_rule_check(s, n);
		if (!r)
			continue;
		*stored = keep_event(s, r, now);
		return r;
	}
	return NULL;
}

/* An alert forwarded from another OSSEC/Wazuh (OSSECAlert_Decoder) is not
 * matched against the rules: it is the rule it names, or no rule when the
 * alert did not parse (as in analysisd; its firedtimes is not counted). */
static const yg_rule *alert_rule(yg_session *s, time_t now, bool *stored)
{
	const yg_rule *r = s->ev.plugin_rule;
	if (r)
		*stored = keep_event(s, r, now);
	return r;
}

/* Forgets the previous event's results; the session is reused per event. */
static void session_reset(yg_session *s, const yg_input *in, yg_verdict *out)
{
	memset(out, 0, sizeof(*out));
	yg_event_reset(&s->ev);
	s->rule = NULL;
	s->alert = false;
	s->cur_matched = 0;
	s->fired = 0;
	s->seq++;
	s->have_turn = false;
	s->alert_seq = in && in->alert_seq ? in->alert_seq : s->seq;
	free(s->comment);
	s->comment = NULL;
	free(s->previous);
	s->previous = NULL;
	yg_session_clear_last_events(s);
}

/* An event that arrives decoded (Wazuh's FIM decoder): its decoder is the
 * session's pre_decoder, named as the input says, and its fields are set. */
static yg_err take_decoded(yg_session *s, const yg_input *in)
{
	yg_event *ev = &s->ev;
	yg_decoder *d = &s->pre_decoder;
	char *name = yg_arena_strndup(ev->arena, in->decoded_as, strlen(in->decoded_as));
	if (!name)
		return YG_ENOMEM;
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->report_name = name;
	d->id = yg_decoder_id_by_name(s->rs, name);
	d->type = YG_DT_OSSEC;
	for (size_t i = 0; i < in->nfields; i++) {
		const yg_kv *kv = &in->fields[i];
		if (kv->key && kv->value)
			yg_event_set(ev, kv->key, true, kv->value, strlen(kv->value));
	}
	return YG_OK;
}

/* The syslog header: message, hostname, program name and the header's
 * timestamp, whose place is returned for the event clock. */
static yg_err predecode(yg_session *s, char *full, const char **ts, size_t *tslen)
{
	yg_event *ev = &s->ev;
	yg_predecoded pd;
	yg_syslog_predecode(full, &pd);
	ev->log = pd.message ? pd.message : full;
	/* Wazuh cuts a few messages short (OS X ASL, broken AIX headers) */
	if (pd.message && pd.message[pd.message_len] != '\0' &&
	    !(ev->log = yg_arena_strndup(ev->arena, pd.message, pd.message_len)))
		return YG_ENOMEM;
	if (pd.hostname.ptr &&
	    !(ev->hostname = yg_arena_strndup(ev->arena, pd.hostname.ptr, pd.hostname.len)))
		return YG_ENOMEM;
	if (pd.program_name.ptr && !(ev->program_name = yg_arena_strndup(
	                                     ev->arena, pd.program_name.ptr, pd.program_name.len)))
		return YG_ENOMEM;
	if (pd.timestamp.ptr) {
		*ts = pd.timestamp.ptr;
		*tslen = pd.timestamp.len;
		if (!(ev->dec_timestamp = yg_arena_strndup(ev->arena, *ts, *tslen)))
			return YG_ENOMEM;
	}
	return YG_OK;
}

/* The event's time (the input's, the header's with the event clock, else
 * the wall clock) and the local hour and weekday that <time>/<weekday>
 * test, worked out once a minute. */
static void event_clock(yg_session *s, const yg_input *in, const char *ts, size_t tslen)
{
	yg_event *ev = &s->ev;
	time_t now = in->now;
	if (!now && s->clock == YG_CLOCK_EVENT)
		now = parse_event_time(s, ts, tslen);
	/* A time outside what the alert's timestamp can say (before 1970-01-02
	 * or past 9999) comes from a broken clock or a forged line: the wall
	 * clock decides instead. */
	if (now <= YG_TIME_MIN || now > YG_TIME_MAX)
		now = time(NULL);
	ev->time = now;
	ev->origin_time = in->origin_time > YG_TIME_MIN && in->origin_time <= YG_TIME_MAX
	                          ? in->origin_time
	                          : 0;
	if (now / 60 != s->tm_minute) {
		struct tm lt;
		localtime_r(&now, &lt);
		s->tm_minute = now / 60;
		s->tm_hour_min = lt.tm_hour * 60 + lt.tm_min;
		s->tm_wday = lt.tm_wday;
	}
	ev->hour_min = s->tm_hour_min;
	ev->wday = s->tm_wday;
}

/* Runs the rules over the decoded event and fills the verdict. */
static void judge(yg_session *s, yg_verdict *out)
{
	yg_event *ev = &s->ev;
	bool stored = false;
	const yg_rule *generated = ev->type == YG_DT_OSSEC_ALERT
	                                   ? alert_rule(s, ev->time, &stored)
	                                   : match_rules(s, ev->time, &stored);
	if (!generated)
		yg_session_clear_last_events(s);
	s->rule = generated;
	if (generated) {
		s->comment = expand_comment(ev, generated->comment ? generated->comment : "");
		s->alert = stored && generated->level >= 1 && (generated->opts & YG_RO_LOG);
		if (!s->defer_fired)
			s->fired = atomic_load_explicit(&s->firedtimes[generated->index],
			                                memory_order_relaxed);
		out->rule_id = generated->sigid;
		out->level = generated->level;
		out->alert = s->alert;
	}
	if (ev->decoder != &null_decoder)
		out->decoder_name = ev->decoder->report_name;
}

yg_err yg_session_process(yg_session *s, const yg_input *in, yg_verdict *out)
{
	yg_event *ev = &s->ev;
	session_reset(s, in, out);
	if (!in || !in->log)
		return YG_EINVAL;

	size_t len = strlen(in->log);
	char *full = yg_arena_strndup(ev->arena, in->log, len);
	if (!full)
		return YG_ENOMEM;
	ev->full_log = full;
	ev->log = full;
	ev->location = in->location ? in->location : "stdin";
	ev->agent_id = in->agent_id ? in->agent_id : "000";
	ev->agent_name = in->agent_name;
	ev->agent_ip = in->agent_ip;
	ev->labels = in->labels;
	ev->nlabels = in->nlabels;
	ev->manager_name = in->manager_name;

	const char *ts = NULL;
	size_t tslen = 0;
	yg_err err = YG_OK;
	if (in->decoded_as)
		err = take_decoded(s, in);
	else if (!in->no_predecode)
		err = predecode(s, full, &ts, &tslen);
	if (err)
		return err;
	if (!ev->hostname)
		ev->hostname = ev->agent_name ? ev->agent_name : in->manager_name;
	ev->size = strlen(ev->log);
	yg_match_scratch_set_subject(s->scratch, ev->log, ev->size);
	s->scratch_subject = ev->log;
	event_clock(s, in, ts, tslen);

	if (in->decoded_as)
		ev->decoder = &s->pre_decoder;
	else
		yg_decode_event(s->rs, ev, s->scratch, s->pn_cache);
	after_decode(s, ev);
	yg_geoip_fill(s->rs->geoip, ev); /* srcgeoip/dstgeoip, before the rules */
	judge(s, out);
	return YG_OK;
}
