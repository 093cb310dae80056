/* sources.c: the manager's local sources, FIM and log collection.
 *
 * Both hand events to the pipeline; when its batch is full they are told
 * "not now" and keep the event (the collector its read position, FIM its
 * pending event), so nothing is dropped. The collector's positions live in
 * the store's database and are written in each commit's transaction. */
#include <string.h>
#include <time.h>

#include "manager/manager_int.h"

static int fim_emit(void *ctx, const yg_fim_event *ev)
{
	manager *m = ctx;
	yg_input in;
	yg_fim_input_build(&m->fim_in, ev, &in);
	if (!yg_pipeline_offer(m->pipe, &in)) {
		/* back-pressure: the module keeps the event and offers it
		 * again after the next commit */
		m->fim_more = true;
		return 1;
	}
	return 0;
}

/* ---- collected logs ---- */

static int lc_emit(void *ctx, const char *location, const char *log_format, const char *line,
                   size_t len)
{
	manager *m = ctx;
	if (log_format && !strcmp(log_format, "json"))
		line = yg_lc_with_labels(m->lc, line, len, &m->line);
	yg_input in = {
	        .log = line,
	        .location = location,
	        .now = time(NULL),
	};
	if (!yg_pipeline_offer(m->pipe, &in)) {
		/* back-pressure: the collector offers this line again */
		m->lc_more = true;
		return 1;
	}
	m->lc_dirty = true;
	return 0;
}

/* ---- open / close ---- */

bool sources_open(manager *m, const char *db_path, yg_diag *d)
{
	const char *home = m->opts->home;
	char p[4096];
	m->fim_ready = false;
	/* the collector first: "ready" (YG-1004) must not be logged before the
	 * collected files are open, or a line written right after it could
	 * fall before their only-future-events starting point */
	if (yg_lc_config_count(m->cfg.lc)) {
		m->lc = yg_lc_create(m->cfg.lc, db_path, lc_emit, m, d);
		if (!m->lc)
			return false;
		yg_lc_set_logger(m->lc, yg_lc_log_to_ylog, m->log);
		/* the starting points (only-future-events) are positions too:
		 * the first commit stores them, so what is written after the
		 * start is read after a crash even before any line came */
		m->lc_dirty = true;
	}
	if (yg_fim_config_ndirs(m->cfg.fim) && !yg_fim_config_disabled(m->cfg.fim)) {
		if (!yg_path_join(p, sizeof(p), home, "var/db/fim.db"))
			return false;
		m->fim = yg_fim_create(m->cfg.fim, p, fim_emit, m, d);
		if (!m->fim)
			return false;
		yg_fim_set_logger(m->fim, yg_fim_log_to_ylog, m->log);
		if (yg_fim_realtime_start(m->fim))
			mlog(m, "WARNING", MSG_INIT, "fim: realtime monitoring could not start");
	} else {
		m->fim_ready = true;
		mlog(m, "INFO", MSG_FIM_READY, "no file-integrity monitoring configured");
	}
	return true;
}

void sources_close_fim(manager *m)
{
	yg_fim_destroy(m->fim); /* offers pending events once more */
	m->fim = NULL;
	m->fim_more = false;
}

void sources_close_lc(manager *m)
{
	yg_lc_destroy(m->lc);
	m->lc = NULL;
	m->lc_more = false;
	m->lc_dirty = false;
}
