/* util.c: the manager's own log. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/ydaemon.h"
#include "common/ylog.h"
#include "common/ylogfmt.h"

#include "manager/manager_int.h"

/* The log's rate limiter, one per process (the manager runs once). */
static yg_logrl *log_rl;
static pthread_once_t log_rl_once = PTHREAD_ONCE_INIT;

static void log_rl_init(void)
{
	log_rl = yg_logrl_create(YG_LOGRL_BURST, YG_LOGRL_WINDOW);
}

static void log_suppressed(void *ctx, int id, const char *fmt, unsigned long n)
{
	manager *m = ctx;
	char msg[128];
	snprintf(msg, sizeof(msg), "%lu %s suppressed in the last %d s", n,
	         fmt ? "similar messages" : "messages over the log's rate limit", YG_LOGRL_WINDOW);
	yg_log_write(m->log, YG_LOG_WARNING, "WARNING", id, msg);
}

static void vlog(manager *m, bool limited, const char *level, int id, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));
static void vlog(manager *m, bool limited, const char *level, int id, const char *fmt, va_list ap)
{
	char msg[2048];
	/* escaped: messages quote agents' names, paths, clients' text */
	yg_log_vformat(msg, sizeof(msg), fmt, ap);
	if (limited) {
		pthread_once(&log_rl_once, log_rl_init);
		if (!yg_logrl_allow(log_rl, id, fmt, msg, (int64_t)yg_now_ms() / 1000,
		                    log_suppressed, m))
			return;
	}
	yg_log_write(m->log, yg_log_prio_of(level), level, id, msg);
}

/* Writes one numbered message to the manager's log sink: the journal under
 * systemd, else HOME/logs/yagura.log (common/ylog.h; also stderr in the
 * foreground, or when the log is not open yet), escaped and rate limited
 * (common/ylogfmt.h). Never fails visibly. */
void mlog(manager *m, const char *level, int id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(m, true, level, id, fmt, ap);
	va_end(ap);
}

static void log_unlimited(manager *m, const char *level, int id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void log_unlimited(manager *m, const char *level, int id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(m, false, level, id, fmt, ap);
	va_end(ap);
}

void print_diag_to_log(manager *m, const yg_diag *d)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		/* every problem of the configuration is told, never suppressed */
		log_unlimited(m, e->severity == YG_SEV_ERROR ? "ERROR" : "WARNING", MSG_CONFIG,
		              "%s:%d: %s: %s", e->file ? e->file : "-", e->line,
		              e->element ? e->element : "-", e->message);
	}
}
