/* agent_util.c: the agent's own log, paths and internal events. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/ydaemon.h"
#include "common/ylog.h"
#include "common/ylogfmt.h"

#include "agent/agent_int.h"

/* The log's rate limiter, one per process (the agent runs once). */
static yg_logrl *log_rl;
static pthread_once_t log_rl_once = PTHREAD_ONCE_INIT;

static void log_rl_init(void)
{
	log_rl = yg_logrl_create(YG_LOGRL_BURST, YG_LOGRL_WINDOW);
}

static void log_suppressed(void *ctx, int id, const char *fmt, unsigned long n)
{
	agent *a = ctx;
	char msg[128];
	snprintf(msg, sizeof(msg), "%lu %s suppressed in the last %d s", n,
	         fmt ? "similar messages" : "messages over the log's rate limit", YG_LOGRL_WINDOW);
	yg_log_write(a->log, YG_LOG_WARNING, "WARNING", id, msg);
}

static void vlog(agent *a, bool limited, const char *level, int id, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));
static void vlog(agent *a, bool limited, const char *level, int id, const char *fmt, va_list ap)
{
	char msg[2048];
	/* escaped: messages quote file names, paths, the manager's text */
	yg_log_vformat(msg, sizeof(msg), fmt, ap);
	if (limited) {
		pthread_once(&log_rl_once, log_rl_init);
		if (!yg_logrl_allow(log_rl, id, fmt, msg, (int64_t)yg_now_ms() / 1000,
		                    log_suppressed, a))
			return;
	}
	yg_log_write(a->log, yg_log_prio_of(level), level, id, msg);
}

/* Writes one numbered message to the agent's log sink: the journal under
 * systemd, else HOME/logs/yagura-agent.log (common/ylog.h; also stderr in
 * the foreground, or before the log is open), escaped and rate limited
 * (common/ylogfmt.h). Any thread; never fails visibly. */
void alog(agent *a, const char *level, int id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(a, true, level, id, fmt, ap);
	va_end(ap);
}

static void log_unlimited(agent *a, const char *level, int id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void log_unlimited(agent *a, const char *level, int id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(a, false, level, id, fmt, ap);
	va_end(ap);
}

void alog_diag(agent *a, const yg_diag *d)
{
	for (size_t i = 0; d && i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		/* every problem of the configuration is told, never suppressed */
		log_unlimited(a, e->severity == YG_SEV_ERROR ? "ERROR" : "WARNING", AMSG_CONFIG,
		              "%s:%d: %s: %s", e->file ? e->file : "-", e->line,
		              e->element ? e->element : "-", e->message);
	}
}

void ievent_add(agent *a, const char *location, const char *log)
{
	if (a->niev == IEVENTS_MAX) {
		if (a->iev_lost++ % 100 == 0)
			alog(a, "WARNING", AMSG_SPOOL,
			     "internal event queue full (the spool is full); %llu events only in "
			     "this log: %s",
			     (unsigned long long)a->iev_lost, log);
		return;
	}
	ievent *e = &a->iev[a->niev];
	e->location = strdup(location);
	e->log = strdup(log);
	e->when = time(NULL);
	if (!e->location || !e->log) {
		free(e->location);
		free(e->log);
		alog(a, "ERROR", AMSG_SPOOL, "out of memory; event only in this log: %s", log);
		return;
	}
	a->niev++;
}

void ievent_flush(agent *a)
{
	size_t done = 0;
	for (; done < a->niev && a->spool; done++) {
		yg_input in = {.log = a->iev[done].log,
		               .location = a->iev[done].location,
		               .now = a->iev[done].when};
		if (src_append(a, &in))
			break;
	}
	if (!done)
		return;
	for (size_t i = 0; i < done; i++) {
		free(a->iev[i].location);
		free(a->iev[i].log);
	}
	memmove(a->iev, a->iev + done, (a->niev - done) * sizeof(a->iev[0]));
	a->niev -= done;
	src_commit(a);
}

/* Appends `"key":"value"` (escaped) when value is not NULL. */
static yg_err put_field(yg_buf *b, const char *key, const char *value)
{
	if (!value)
		return YG_OK;
	yg_err e = yg_buf_printf(b, ",\"%s\":", key);
	return e ? e : yg_buf_json_str(b, value);
}

void ar_event(agent *a, const char *event, const char *program, const char *command,
              const char *srcip, const char *message)
{
	yg_buf b;
	yg_buf_init(&b, 16384);
	/* every piece is checked: a half-written object must not be queued */
	yg_err e = yg_buf_puts(&b, "{\"yagura\":{\"module\":\"active-response\",\"event\":");
	e = e ? e : yg_buf_json_str(&b, event);
	e = e ? e : put_field(&b, "program", program);
	e = e ? e : put_field(&b, "command", command);
	e = e ? e : put_field(&b, "agent", a->id);
	e = e ? e : put_field(&b, "srcip", srcip && *srcip ? srcip : NULL);
	e = e ? e : put_field(&b, "message", message ? message : "");
	e = e ? e : yg_buf_puts(&b, "}}");
	if (!e)
		ievent_add(a, "yagura-execd", b.data);
	else
		alog(a, "ERROR", AMSG_AR, "result event too large; dropped: %s", event);
	yg_buf_free(&b);
}
