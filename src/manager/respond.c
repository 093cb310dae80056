/* respond.c: the consumers of committed alerts (see respond.h): set-up,
 * the per-alert fan-out, the cursor, internal events. The delivery of
 * active responses and bans is respond_ar.c. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "manager/agents.h"
#include "manager/manager_int.h"
#include "manager/respond_int.h"
#include "store/respond.h"

#define CURSOR_SAVE_MS 1000

/* ---- internal events ---- */

void respond_event(yg_respond *r, const char *event, const char *program, const char *command,
                   const char *agent, const char *srcip, const char *message)
{
	json_object *o = json_object_new_object(), *y = json_object_new_object();
	if (!o || !y) {
		json_object_put(o);
		json_object_put(y);
		return;
	}
	json_object_object_add(y, "module", json_object_new_string("active-response"));
	json_object_object_add(y, "event", json_object_new_string(event));
	if (program)
		json_object_object_add(y, "program", json_object_new_string(program));
	if (command)
		json_object_object_add(y, "command", json_object_new_string(command));
	if (agent)
		json_object_object_add(y, "agent", json_object_new_string(agent));
	if (srcip)
		json_object_object_add(y, "srcip", json_object_new_string(srcip));
	json_object_object_add(y, "message", json_object_new_string(message ? message : ""));
	json_object_object_add(o, "yagura", y);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (r->nevents < RESPOND_EVENTS_MAX) {
		r->events[r->nevents] = strdup(text);
		if (r->events[r->nevents])
			r->nevents++;
	} else if (r->events_lost++ % 100 == 0) {
		mlog(r->m, "WARNING", MSG_RESPOND,
		     "internal event queue full; %llu response results only in this log: %s",
		     (unsigned long long)r->events_lost, text);
	}
	json_object_put(o);
}

/* Offers queued internal events to the pipeline (they are committed with
 * the next batch). */
static void flush_events(yg_respond *r)
{
	size_t i = 0;
	for (; i < r->nevents; i++) {
		yg_input in = {.log = r->events[i], .location = "yagura-execd", .now = time(NULL)};
		if (!yg_pipeline_offer(r->m->pipe, &in))
			break;
		free(r->events[i]);
	}
	memmove(r->events, r->events + i, (r->nevents - i) * sizeof(r->events[0]));
	r->nevents -= i;
}

/* ---- the cursor and the seen table ---- */

static yg_err db_setup(void *ctx, yg_db *db)
{
	yg_respond *r = ctx;
	yg_err err = yg_rstate_open(db);
	if (!err)
		err = yg_rstate_cursor_get(db, &r->cursor, &r->have_cursor);
	if (err || r->have_cursor)
		return err;
	/* first start: begin after what is stored (no replay of history) */
	if ((err = yg_rstate_last_alert(db, &r->cursor)))
		return err;
	r->have_cursor = true;
	r->cursor_dirty = true;
	return YG_OK;
}

static yg_err save_cursor(void *ctx, yg_db *db)
{
	yg_respond *r = ctx;
	return yg_rstate_cursor_set(db, r->cursor);
}

typedef struct seen_q {
	const char *key;
	bool found;
	bool insert;
} seen_q;

static yg_err seen_op(void *ctx, yg_db *db)
{
	seen_q *q = ctx;
	return q->insert ? yg_rstate_mark_seen(db, q->key, time(NULL))
	                 : yg_rstate_seen(db, q->key, &q->found);
}

bool respond_seen(void *ctx, const char *key)
{
	yg_respond *r = ctx;
	seen_q q = {.key = key};
	return yg_alert_store_with_db(r->m->store, seen_op, &q) == YG_OK && q.found;
}

void respond_mark_seen(yg_respond *r, const char *key)
{
	seen_q q = {.key = key, .insert = true};
	if (yg_alert_store_with_db(r->m->store, seen_op, &q))
		mlog(r->m, "WARNING", MSG_RESPOND, "cannot record delivered response %s", key);
}

/* ---- one alert ---- */

static void one_alert(yg_respond *r, uint64_t seq, const char *json, size_t len)
{
	int64_t ticket = 0;
	if (r->tickets) {
		yg_tickets_outcome oc;
		yg_err err = yg_tickets_offer(r->tickets, json, len, &oc, &ticket);
		if (err && err != YG_EPARSE)
			mlog(r->m, "WARNING", MSG_RESPOND, "tickets: alert not filed: %s",
			     yg_strerror(err));
	}
	if (r->intg) {
		yg_err err = yg_integrations_offer(r->intg, json, len, NULL);
		if (err && err != YG_EPARSE)
			mlog(r->m, "WARNING", MSG_RESPOND, "integrations: alert not queued: %s",
			     yg_strerror(err));
	}
	if (r->syslog)
		yg_syslog_out_offer(r->syslog, json, len);
	if (r->dispatch)
		respond_ar_alert(r, json, len, ticket);
	if (seq > r->cursor) {
		r->cursor = seq;
		r->cursor_dirty = true;
	}
}

void respond_alerts(void *ctx, uint64_t first_seq, const yg_alert_text *alerts, size_t n)
{
	yg_respond *r = ctx;
	for (size_t i = 0; i < n; i++)
		one_alert(r, first_seq + i, alerts[i].json, alerts[i].len);
}

static int replay_one(void *ctx, uint64_t seq, const char *json, size_t len)
{
	yg_respond *r = ctx;
	/* the store's lock is held: one_alert must not use with_db now, so
	 * the alerts are collected and run after the scan */
	char *copy = malloc(len + 1);
	if (!copy)
		return 1;
	memcpy(copy, json, len);
	copy[len] = '\0';
	if (r->nreplay == r->capreplay) {
		size_t cap = r->capreplay ? r->capreplay * 2 : 256;
		respond_replay *v = realloc(r->replay, cap * sizeof(*v));
		if (!v) {
			free(copy);
			return 1;
		}
		r->replay = v;
		r->capreplay = cap;
	}
	r->replay[r->nreplay++] = (respond_replay){seq, copy, len};
	return r->nreplay >= 10000; /* in slices, to bound memory */
}

/* Offers the alerts committed after the cursor (a crash or a stop before
 * the consumers saw them). */
static void replay(yg_respond *r)
{
	uint64_t total = 0;
	for (;;) {
		r->nreplay = 0;
		if (yg_alert_store_scan_seq(r->m->store, r->cursor + 1, INT64_MAX, replay_one, r))
			break;
		for (size_t i = 0; i < r->nreplay; i++) {
			one_alert(r, r->replay[i].seq, r->replay[i].json, r->replay[i].len);
			free(r->replay[i].json);
		}
		total += r->nreplay;
		if (r->nreplay < 10000)
			break;
	}
	free(r->replay);
	r->replay = NULL;
	r->capreplay = 0;
	if (total)
		mlog(r->m, "INFO", MSG_RESPOND,
		     "offered %llu alerts committed before the last stop to tickets, "
		     "integrations and responses",
		     (unsigned long long)total);
}

/* ---- life cycle ---- */

static void intg_log(void *ctx, yg_severity sev, const char *msg)
{
	mlog((manager *)ctx, sev == YG_SEV_ERROR ? "ERROR" : "WARNING", MSG_RESPOND,
	     "integrations: %s", msg);
}

yg_respond *respond_open(manager *m, bool *failed)
{
	*failed = false;
	yg_respond *r = calloc(1, sizeof(*r));
	yg_diag *d = yg_diag_create();
	if (!r || !d)
		goto fail;
	r->m = m;
	const char *home = m->opts->home;
	char p[PATH_MAX], q[PATH_MAX], t[PATH_MAX];
	if (yg_alert_store_with_db(m->store, db_setup, r))
		goto fail;
	if (yg_tickets_config_enabled(m->cfg.tickets)) {
		if (!yg_path_join(p, sizeof(p), home, "var/db/tickets.db") ||
		    yg_tickets_create(p, m->cfg.tickets, d, &r->tickets))
			goto fail;
	}
	if (yg_intg_config_count(m->cfg.intg)) {
		if (!yg_path_join(p, sizeof(p), home, "var/db/outbox.db") ||
		    !yg_path_join(q, sizeof(q), home, "integrations") ||
		    !yg_path_join(t, sizeof(t), home, "tmp") || !yg_mkdirs(t))
			goto fail;
		yg_integrations_opts io = {.outbox_path = p,
		                           .scripts_dir = q,
		                           .tmpdir = t,
		                           .log = intg_log,
		                           .log_ctx = m};
		if (yg_integrations_create(m->cfg.intg, &io, &r->intg))
			goto fail;
	}
	if (yg_syslog_config_count(m->cfg.syslog) &&
	    yg_syslog_out_create(m->cfg.syslog, NULL, d, &r->syslog))
		goto fail;
	if (respond_ar_open(r, d))
		goto fail;
	print_diag_to_log(m, d);
	yg_diag_destroy(d);
	mlog(m, "INFO", MSG_RESPOND,
	     "responses: tickets %s, %zu integrations, %zu syslog outputs, %zu active responses%s",
	     r->tickets ? "on" : "off", yg_intg_config_count(m->cfg.intg),
	     yg_syslog_config_count(m->cfg.syslog), yg_ar_config_nresponses(m->cfg.ar),
	     r->waf ? ", local WAF action" : "");
	replay(r);
	return r;
fail:
	if (d)
		print_diag_to_log(m, d);
	yg_diag_destroy(d);
	mlog(m, "ERROR", MSG_RESPOND,
	     "responses (tickets, integrations, active response) cannot start");
	respond_close(r);
	*failed = true;
	return NULL;
}

void respond_close(yg_respond *r)
{
	if (!r)
		return;
	if (r->cursor_dirty && r->m->store)
		yg_alert_store_with_db(r->m->store, save_cursor, r);
	respond_ar_close(r);
	yg_integrations_destroy(r->intg);
	yg_syslog_out_destroy(r->syslog);
	yg_tickets_destroy(r->tickets);
	for (size_t i = 0; i < r->nevents; i++) {
		mlog(r->m, "WARNING", MSG_RESPOND, "response result not committed at stop: %s",
		     r->events[i]);
		free(r->events[i]);
	}
	free(r);
}

void respond_tick(yg_respond *r, bool ledger_changed)
{
	respond_ar_tick(r, ledger_changed);
	flush_events(r);
	long long now = yg_now_ms();
	if (r->cursor_dirty && now - r->cursor_saved >= CURSOR_SAVE_MS) {
		if (yg_alert_store_with_db(r->m->store, save_cursor, r) == YG_OK)
			r->cursor_dirty = false;
		r->cursor_saved = now;
	}
}

int respond_fd(const yg_respond *r)
{
	return r->execd ? yg_execd_fd(r->execd) : -1;
}

int respond_timeout_ms(yg_respond *r)
{
	int t = 1000;
	if (r->execd) {
		int e = yg_execd_next_timeout_ms(r->execd);
		if (e >= 0 && e < t)
			t = e;
	}
	if (r->nevents)
		t = 0;
	return t;
}

struct yg_tickets *respond_tickets(yg_respond *r)
{
	return r ? r->tickets : NULL;
}

struct yg_integrations *respond_integrations(yg_respond *r)
{
	return r ? r->intg : NULL;
}

void respond_counts(yg_respond *r, size_t *events, yg_syslog_stats *syslog)
{
	*events = r->nevents;
	yg_syslog_out_stats(r->syslog, syslog);
}
