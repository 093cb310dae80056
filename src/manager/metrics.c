/* metrics.c: the snapshot the loop fills and the /health and /metrics
 * answers built from it (see metrics.h). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ybuf.h"
#include "integrations/integrations.h"
#include "manager/agents.h"
#include "manager/manager_int.h"
#include "manager/metrics.h"
#include "manager/respond.h"
#include "store/registry.h"
#include "waf/ledger.h"

#define STALL_MS 30000         /* a loop silent this long is reported down */
#define METRICS_MAX (1u << 20) /* bytes of one scrape */

struct yg_mmetrics {
	pthread_mutex_t mu;
	bool have;              /* a first snapshot was taken */
	const char *down;       /* why the pipeline does not run, or NULL */
	long long heartbeat_ms; /* the loop's last pass (monotonic) */
	long long started_ms;
	long long failing_since; /* first failed commit of the current run of failures */
	yg_pipeline_stats ps;
	size_t batch, agents_queued, internal_events;
	yg_syslog_stats syslog;
	/* the stores read at each scrape */
	yg_registry *reg;
	yg_integrations *ig;
	yg_waf_ledger *ledger;
	pthread_mutex_t *ledger_lock;
};

yg_mmetrics *metrics_create(void)
{
	yg_mmetrics *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	pthread_mutex_init(&mm->mu, NULL);
	mm->started_ms = yg_now_ms();
	mm->down = "starting";
	return mm;
}

void metrics_destroy(yg_mmetrics *mm)
{
	if (!mm)
		return;
	pthread_mutex_destroy(&mm->mu);
	free(mm);
}

void metrics_set_down(yg_mmetrics *mm, const char *reason)
{
	if (!mm)
		return;
	pthread_mutex_lock(&mm->mu);
	mm->down = reason;
	pthread_mutex_unlock(&mm->mu);
}

void metrics_update(yg_mmetrics *mm, manager *m)
{
	if (!mm || !m->pipe)
		return;
	yg_pipeline_stats ps;
	yg_pipeline_get_stats(m->pipe, &ps);
	size_t batch = yg_pipeline_pending(m->pipe);
	size_t aq = m->agents ? agents_queued(m->agents) : 0;
	size_t ev = 0;
	yg_syslog_stats sl = {0};
	if (m->respond)
		respond_counts(m->respond, &ev, &sl);
	long long now = yg_now_ms();
	pthread_mutex_lock(&mm->mu);
	if (ps.commit_errors > mm->ps.commit_errors) {
		if (!mm->failing_since)
			mm->failing_since = now;
	} else if (ps.batches > mm->ps.batches) {
		mm->failing_since = 0;
	}
	mm->ps = ps;
	mm->batch = batch;
	mm->agents_queued = aq;
	mm->internal_events = ev;
	mm->syslog = sl;
	mm->heartbeat_ms = now;
	if (!mm->have && mm->down && !strcmp(mm->down, "starting"))
		mm->down = NULL;
	mm->have = true;
	pthread_mutex_unlock(&mm->mu);
}

/* ---- /health ---- */

static yg_err s_health(void *ctx, bool *ok, json_object **out, char *msg, size_t msgsz)
{
	yg_mmetrics *mm = ctx;
	char why[160] = "";
	long long now = yg_now_ms();
	pthread_mutex_lock(&mm->mu);
	if (mm->down)
		snprintf(why, sizeof(why), "%s", mm->down);
	else if (now - mm->heartbeat_ms > STALL_MS)
		snprintf(why, sizeof(why), "the event loop has not run for %lld s",
		         (now - mm->heartbeat_ms) / 1000);
	else if (mm->failing_since)
		snprintf(why, sizeof(why),
		         "commits have been failing for %lld s (sources are held back)",
		         (now - mm->failing_since) / 1000);
	yg_pipeline_stats ps = mm->ps;
	long long started = mm->started_ms;
	pthread_mutex_unlock(&mm->mu);
	json_object *o = json_object_new_object();
	if (!o) {
		snprintf(msg, msgsz, "out of memory");
		return YG_ENOMEM;
	}
	*ok = !why[0];
	json_object_object_add(o, "status", json_object_new_string(*ok ? "ok" : "unavailable"));
	if (!*ok)
		json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "uptime_s", json_object_new_int64((now - started) / 1000));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)ps.events));
	json_object_object_add(o, "alerts", json_object_new_int64((int64_t)ps.alerts));
	json_object_object_add(o, "commits", json_object_new_int64((int64_t)ps.batches));
	json_object_object_add(o, "commit_errors",
	                       json_object_new_int64((int64_t)ps.commit_errors));
	*out = o;
	return YG_OK;
}

/* ---- /metrics ---- */

static void head(yg_buf *b, const char *name, const char *type, const char *help)
{
	yg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(yg_buf *b, const char *name, const char *type, const char *help, double v)
{
	head(b, name, type, help);
	if (v == (double)(long long)v)
		yg_buf_printf(b, "%s %lld\n", name, (long long)v);
	else
		yg_buf_printf(b, "%s %.3f\n", name, v);
}

typedef struct agent_counts {
	uint64_t by[4]; /* never_connected, active, disconnected, revoked */
} agent_counts;

static bool count_agent(void *ctx, const yg_agent_info *a)
{
	agent_counts *c = ctx;
	c->by[a->revoked ? 3 : (unsigned)a->status < 3 ? (unsigned)a->status : 2]++;
	return true;
}

static void render_pipeline(yg_buf *b, const yg_mmetrics *mm)
{
	const yg_pipeline_stats *ps = &mm->ps;
	head(b, "yagura_events_received_total", "counter",
	     "Events accepted by the analysis pipeline, by source.");
	for (unsigned s = 0; s < YG_PIPE_NSOURCES; s++)
		yg_buf_printf(b, "yagura_events_received_total{source=\"%s\"} %llu\n",
		              yg_pipeline_source_name(s), (unsigned long long)ps->src_in[s]);
	head(b, "yagura_events_processed_total", "counter",
	     "Events analysed and committed, by source.");
	for (unsigned s = 0; s < YG_PIPE_NSOURCES; s++)
		yg_buf_printf(b, "yagura_events_processed_total{source=\"%s\"} %llu\n",
		              yg_pipeline_source_name(s), (unsigned long long)ps->src_out[s]);
	head(b, "yagura_alerts_total", "counter", "Alerts committed, by rule level.");
	for (unsigned l = 0; l <= 16; l++)
		yg_buf_printf(b, "yagura_alerts_total{level=\"%u\"} %llu\n", l,
		              (unsigned long long)ps->alerts_level[l]);
	head(b, "yagura_commit_duration_seconds", "histogram",
	     "Duration of each commit (SQLite transaction and alerts.json append).");
	uint64_t cum = 0, total = 0;
	for (unsigned i = 0; i <= YG_PIPE_HIST_N; i++)
		total += ps->commit_hist[i];
	for (unsigned i = 0; i < YG_PIPE_HIST_N; i++) {
		cum += ps->commit_hist[i];
		yg_buf_printf(b, "yagura_commit_duration_seconds_bucket{le=\"%g\"} %llu\n",
		              yg_pipeline_hist_ms[i] / 1000.0, (unsigned long long)cum);
	}
	yg_buf_printf(b, "yagura_commit_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
	              (unsigned long long)total);
	yg_buf_printf(b, "yagura_commit_duration_seconds_sum %.6f\n", ps->commit_seconds);
	yg_buf_printf(b, "yagura_commit_duration_seconds_count %llu\n", (unsigned long long)total);
	one(b, "yagura_commit_errors_total", "counter", "Commits that failed and were retried.",
	    (double)ps->commit_errors);
	one(b, "yagura_engine_errors_total", "counter", "Events the engine could not process.",
	    (double)ps->engine_errors);
	one(b, "yagura_backpressure_total", "counter",
	    "Offers refused because the batch was full (the source kept the event).",
	    (double)ps->refused);
	one(b, "yagura_archived_events_total", "counter", "Events written to archives.json.",
	    (double)ps->archived);
	head(b, "yagura_queue_depth", "gauge", "Items waiting, by queue.");
	yg_buf_printf(b, "yagura_queue_depth{queue=\"batch\"} %zu\n", mm->batch);
	yg_buf_printf(b, "yagura_queue_depth{queue=\"agents\"} %zu\n", mm->agents_queued);
	yg_buf_printf(b, "yagura_queue_depth{queue=\"internal_events\"} %zu\n",
	              mm->internal_events);
	yg_buf_printf(b, "yagura_queue_depth{queue=\"commit\"} %llu\n",
	              (unsigned long long)ps->commit_queue_events);
	yg_buf_printf(b, "yagura_queue_depth{queue=\"fts_index\"} %llu\n",
	              (unsigned long long)ps->fts_backlog);
	one(b, "yagura_commit_handoffs_total", "counter", "Batches handed to the commit thread.",
	    (double)ps->handoffs);
	one(b, "yagura_commit_handoff_waits_total", "counter",
	    "Times a full batch found the commit thread busy with the one before.",
	    (double)ps->handoff_waits);
	head(b, "yagura_wait_seconds_total", "counter",
	     "Time spent waiting, by what waited for what.");
	yg_buf_printf(b, "yagura_wait_seconds_total{wait=\"batch_for_commit_thread\"} %.6f\n",
	              ps->handoff_wait_seconds);
	yg_buf_printf(b, "yagura_wait_seconds_total{wait=\"handoff_to_ack\"} %.6f\n",
	              ps->ack_wait_seconds);
	yg_buf_printf(b, "yagura_wait_seconds_total{wait=\"store_writer_lock\"} %.6f\n",
	              ps->store_lock_wait_seconds);
	head(b, "yagura_commit_thread_busy_seconds_total", "counter",
	     "The commit thread's time, by task.");
	yg_buf_printf(b, "yagura_commit_thread_busy_seconds_total{task=\"commit\"} %.6f\n",
	              ps->commit_busy_seconds);
	yg_buf_printf(b, "yagura_commit_thread_busy_seconds_total{task=\"fts_index\"} %.6f\n",
	              ps->index_busy_seconds);
	head(b, "yagura_syslog_messages_total", "counter",
	     "Alerts for <syslog_output> servers, by result.");
	yg_buf_printf(b, "yagura_syslog_messages_total{result=\"sent\"} %llu\n",
	              (unsigned long long)mm->syslog.sent);
	yg_buf_printf(b, "yagura_syslog_messages_total{result=\"error\"} %llu\n",
	              (unsigned long long)mm->syslog.errors);
}

static void render_stores(yg_buf *b, yg_mmetrics *mm)
{
	if (mm->reg) {
		agent_counts c = {{0}};
		if (!yg_registry_list(mm->reg, count_agent, &c)) {
			static const char *const names[] = {"never_connected", "active",
			                                    "disconnected", "revoked"};
			head(b, "yagura_agents", "gauge", "Registered agents, by status.");
			for (unsigned i = 0; i < 4; i++)
				yg_buf_printf(b, "yagura_agents{status=\"%s\"} %llu\n", names[i],
				              (unsigned long long)c.by[i]);
		}
	}
	yg_outbox_stats os;
	if (mm->ig && !yg_integrations_stats(mm->ig, NULL, &os)) {
		head(b, "yagura_outbox_messages", "gauge",
		     "Integration and e-mail messages in the outbox, by state.");
		yg_buf_printf(b,
		              "yagura_outbox_messages{state=\"pending\"} %llu\n"
		              "yagura_outbox_messages{state=\"in_flight\"} %llu\n"
		              "yagura_outbox_messages{state=\"delivered\"} %llu\n"
		              "yagura_outbox_messages{state=\"dead\"} %llu\n",
		              (unsigned long long)os.pending, (unsigned long long)os.in_flight,
		              (unsigned long long)os.delivered, (unsigned long long)os.dead);
	}
	if (mm->ledger) {
		yg_waf_ban_list l = {0};
		pthread_mutex_lock(mm->ledger_lock);
		yg_err e = yg_waf_ledger_list_active(mm->ledger, &l);
		pthread_mutex_unlock(mm->ledger_lock);
		if (!e)
			one(b, "yagura_bans_active", "gauge", "Bans in force in the ban ledger.",
			    (double)l.n);
		yg_waf_ban_list_free(&l);
	}
}

static yg_err s_metrics(void *ctx, char **out, size_t *len, char *msg, size_t msgsz)
{
	yg_mmetrics *mm = ctx;
	yg_buf b;
	yg_buf_init(&b, METRICS_MAX);
	long long now = yg_now_ms();
	pthread_mutex_lock(&mm->mu);
	bool up = !mm->down && now - mm->heartbeat_ms <= STALL_MS && !mm->failing_since;
	one(&b, "yagura_up", "gauge", "1 while the pipeline runs and commits (see /health).",
	    up ? 1 : 0);
	one(&b, "yagura_uptime_seconds", "gauge", "Seconds since the manager started.",
	    (double)(now - mm->started_ms) / 1000.0);
	render_pipeline(&b, mm);
	pthread_mutex_unlock(&mm->mu);
	render_stores(&b, mm);
	if (!b.data) {
		snprintf(msg, msgsz, "out of memory");
		yg_buf_free(&b);
		return YG_ENOMEM;
	}
	*len = b.len;
	*out = yg_buf_steal(&b);
	return YG_OK;
}

yg_err metrics_backend(yg_api_backend *be, yg_mmetrics *mm, yg_registry *reg, yg_integrations *ig,
                       yg_waf_ledger *ledger, pthread_mutex_t *ledger_lock)
{
	if (!mm)
		return YG_EINVAL;
	pthread_mutex_lock(&mm->mu);
	mm->reg = reg;
	mm->ig = ig;
	mm->ledger = ledger_lock ? ledger : NULL;
	mm->ledger_lock = ledger_lock;
	pthread_mutex_unlock(&mm->mu);
	be->status = (yg_api_status_ops){.ctx = mm, .health = s_health, .metrics = s_metrics};
	return YG_OK;
}
