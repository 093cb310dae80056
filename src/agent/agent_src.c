/* agent_src.c: FIM and log collection into the spool.
 *
 * Exactly once across kill -9. The spool is opened with state_commits: a
 * record is handed to the sender only once a later state frame covers it,
 * and at open the records after the latest state are dropped. The state
 * frame is the collector's read positions (yg_lc_positions_export). So:
 *   - collected lines are appended; after each poll pass, and at the latest
 *     every STATE_EVERY lines (the collector is told "not now" until the
 *     state is written), the positions go in as a state frame and the spool
 *     is synced: records and the positions past them become durable
 *     together. After a crash the lines after the latest state are dropped
 *     and read again from the positions in that state: none lost, none twice;
 *   - a FIM event is appended, then a state frame (the same positions, which
 *     cover exactly the lines already appended) and a sync, before FIM is
 *     told 0: its baseline never moves past an event that is not durable;
 *   - at start, the latest state is imported into var/db/agent.db before
 *     the collector is created, so it resumes where the spool stands.
 * A full spool (YG_ELIMIT) is back-pressure: FIM and the collector are told
 * "not now" and retried about once a second; logged once per episode. */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/agent_int.h"
#include "engine/evrec.h"
#include "transport/frame.h"

#define STATE_EVERY 256
#define LC_PERIOD_MS 1000

yg_err src_append(agent *a, const yg_input *in)
{
	yg_buf_reset(&a->rec);
	yg_input lin = *in; /* every event carries the agent's <labels> */
	lin.labels = a->cfg.labels;
	lin.nlabels = a->cfg.nlabels;
	yg_err err = yg_evrec_encode(&lin, &a->rec);
	if (err == YG_OK && a->rec.len > YG_FRAME_MAX_RECORD)
		err = YG_ELIMIT;
	if (err) {
		/* cannot be sent at all: dropping it is the only way on */
		alog(a, "WARNING", AMSG_SPOOL, "event from %s too large to send (%s); dropped",
		     in->location ? in->location : "-", yg_strerror(err));
		return YG_OK;
	}
	err = yg_spool_append(a->spool, a->rec.data, a->rec.len, NULL);
	if (err == YG_ELIMIT) {
		a->full_count++;
		if (!a->spool_full) {
			yg_spool_stats st;
			yg_spool_stats_get(a->spool, &st);
			alog(a, "WARNING", AMSG_SPOOL_FULL,
			     "spool full (%llu MiB, %llu events waiting for the manager): sources "
			     "paused until it acknowledges (%llu refusals so far)",
			     (unsigned long long)(st.bytes >> 20),
			     (unsigned long long)st.records_pending,
			     (unsigned long long)a->full_count);
		}
		a->spool_full = true;
		return err;
	}
	if (err) {
		alog(a, "ERROR", AMSG_SPOOL, "spool write failed: %s", yg_strerror(err));
		return err;
	}
	if (a->spool_full) {
		a->spool_full = false;
		alog(a, "INFO", AMSG_SPOOL_FULL, "spool has room again; sources resumed");
	}
	a->need_state = true;
	return YG_OK;
}

#define BUF_WARN_PCT 90              /* Wazuh's agent.warn_level */
#define BUF_NORMAL_PCT 70            /* agent.normal_level */
#define BUF_TOLERANCE_MS (15 * 1000) /* agent.tolerance: full this long = flooded */

static void buffer_event(agent *a, const char *level, const char *msg)
{
	char line[64];
	snprintf(line, sizeof(line), "wazuh: Agent buffer: '%s'.", level);
	alog(a, strcmp(level, "normal") ? "WARNING" : "INFO", AMSG_SPOOL_FULL, "%s", msg);
	ievent_add(a, "wazuh-agent", line);
}

/* Wazuh's state machine (client-agent/buffer.c) with the spool as the
 * buffer: its fill is bytes over spool_max_mb, "full" is an append refused.
 * One change: once full, the state stays full (or flooded) until the fill
 * is under 70 %, where Wazuh steps back to "warning" under 90 %. A spool
 * frees whole segments and the paused sources refill them at once, so it
 * swings between about 87 and 100 % while a backlog drains; Wazuh's rule
 * would report "full" at every swing. Each report is an internal event, so
 * one made while the spool is full waits for room (in memory) and keeps its
 * time. */
void src_buffer_levels(agent *a)
{
	if (!a->spool || !a->cfg.has_buffer || a->cfg.buffer_disabled)
		return;
	yg_spool_stats st;
	yg_spool_stats_get(a->spool, &st);
	uint64_t max = (uint64_t)a->cfg.spool_max_mb << 20;
	unsigned pct = (unsigned)(st.bytes * 100 / (max ? max : 1));
	long long now = yg_now_ms();
	int s = a->buf_state;
	if (s != BUF_FULL && s != BUF_FLOOD && a->spool_full) {
		a->buf_state = BUF_FULL;
		a->buf_full_ms = now;
		buffer_event(a, "full", "agent buffer (the spool) is full");
	} else if (s == BUF_NORMAL && pct >= BUF_WARN_PCT) {
		a->buf_state = BUF_WARNING;
		char pc[8], msg[64];
		snprintf(pc, sizeof(pc), "%d%%", BUF_WARN_PCT);
		snprintf(msg, sizeof(msg), "agent buffer (the spool) at %d %%", BUF_WARN_PCT);
		buffer_event(a, pc, msg);
	} else if (s == BUF_FULL && a->spool_full && now - a->buf_full_ms >= BUF_TOLERANCE_MS) {
		a->buf_state = BUF_FLOOD;
		buffer_event(a, "flooded", "agent buffer (the spool) is flooded: full for 15 s");
	} else if (s != BUF_NORMAL && pct < BUF_NORMAL_PCT && !a->spool_full) {
		a->buf_state = BUF_NORMAL;
		buffer_event(a, "normal", "agent buffer (the spool) is under 70 %: normal again");
	}
}

bool src_commit(agent *a)
{
	if (!a->need_state || !a->spool)
		return true;
	yg_err err = YG_OK;
	yg_buf_reset(&a->state);
	if (a->lc)
		err = yg_lc_positions_export(a->lc, &a->state);
	if (!err)
		err = yg_spool_put_state(a->spool, a->state.data ? a->state.data : "",
		                         a->state.len);
	if (!err)
		err = yg_spool_sync(a->spool);
	if (err) {
		alog(a, "ERROR", AMSG_SPOOL, "cannot write the spool's state: %s; retrying",
		     yg_strerror(err));
		return false;
	}
	a->need_state = false;
	a->lc_since_state = 0;
	if (a->tc)
		yg_tclient_notify(a->tc);
	return true;
}

/* ---- FIM ---- */

static int fim_emit(void *ctx, const yg_fim_event *ev)
{
	agent *a = ctx;
	yg_input in;
	yg_fim_input_build(&a->fim_in, ev, &in);
	if (src_append(a, &in) || !src_commit(a)) {
		a->fim_more = true; /* FIM keeps it and offers it again */
		return 1;
	}
	yara_notify(a, ev);
	return 0;
}

/* ---- log collection ---- */

static int lc_emit(void *ctx, const char *location, const char *log_format, const char *line,
                   size_t len)
{
	agent *a = ctx;
	if (a->lc_since_state >= STATE_EVERY) {
		/* the positions go into a state frame first; the collector
		 * offers this line again */
		a->lc_more = true;
		return 1;
	}
	/* a full spool is tried again here (src_poll calls the collector on
	 * its timer then): a refused append is cheap, and it is how the
	 * collector finds the room an ack made when it is the only source */
	bool json = log_format && !strcmp(log_format, "json");
	if (json)
		line = yg_lc_with_labels(a->lc, line, len, &a->line);
	yg_input in = {.log = line, .location = location, .no_predecode = false, .now = time(NULL)};
	if (src_append(a, &in)) {
		a->lc_more = !a->spool_full; /* a write error: retry at once */
		return 1;
	}
	a->lc_since_state++;
	return 0;
}

/* ---- open / poll / close ---- */

/* The spool's latest state into agent.db, before the collector opens it. */
static bool import_state(agent *a, const char *db)
{
	const void *blob = NULL;
	size_t len = 0;
	if (yg_spool_state(a->spool, &blob, &len) != YG_OK || len == 0)
		return true;
	yg_err err = yg_lc_positions_import(db, blob, len);
	if (err) {
		alog(a, "ERROR", AMSG_LC, "cannot restore the collector's positions into %s: %s",
		     db, yg_strerror(err));
		return false;
	}
	return true;
}

bool src_open(agent *a)
{
	const char *home = a->opts->home;
	char p[PATH_MAX];
	yg_diag *d = yg_diag_create();
	if (!d)
		return false;
	bool ok = false;
	if (yg_fim_config_ndirs(a->cfg.fim) && !yg_fim_config_disabled(a->cfg.fim)) {
		if (!yg_path_join(p, sizeof(p), home, "var/db/fim.db"))
			goto out;
		a->fim = yg_fim_create(a->cfg.fim, p, fim_emit, a, d);
		if (!a->fim)
			goto out;
		yg_fim_set_logger(a->fim, yg_fim_log_to_ylog, a->log);
		if (yg_fim_realtime_start(a->fim))
			alog(a, "WARNING", AMSG_FIM, "fim: realtime monitoring could not start");
	}
	if (!yg_path_join(p, sizeof(p), home, "var/db/agent.db") || !import_state(a, p))
		goto out;
	if (yg_lc_config_count(a->cfg.lc)) {
		a->lc = yg_lc_create(a->cfg.lc, p, lc_emit, a, d);
		if (!a->lc)
			goto out;
		yg_lc_set_logger(a->lc, yg_lc_log_to_ylog, a->log);
	}
	ok = true;
out:
	alog_diag(a, d);
	yg_diag_destroy(d);
	return ok;
}

void src_poll(agent *a, bool lc_woke, long long *last_lc)
{
	if (a->fim) {
		if (a->fim_more) {
			a->fim_more = false;
			yg_fim_flush(a->fim);
		}
		if (yg_fim_poll(a->fim, 0))
			alog(a, "WARNING", AMSG_FIM, "fim: poll reported an I/O error");
	}
	if (a->lc) {
		long long now = yg_now_ms();
		if (lc_woke || a->lc_more || now - *last_lc >= LC_PERIOD_MS) {
			*last_lc = now;
			a->lc_more = false;
			yg_lc_poll(a->lc, 0);
		}
	}
	src_commit(a);
	if (a->spool_full)
		a->lc_more = a->fim_more = false; /* retried on the timer, not at once */
}

void src_close(agent *a)
{
	yg_fim_destroy(a->fim); /* offers pending events once more */
	a->fim = NULL;
	src_commit(a);
	yg_lc_destroy(a->lc);
	a->lc = NULL;
}
