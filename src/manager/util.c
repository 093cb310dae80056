/* util.c: the manager's own log. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "manager/manager_int.h"

/* Writes one numbered line to HOME/logs/yagura.log (and stderr in the
 * foreground). Never fails visibly. */
void mlog(manager *m, const char *level, int id, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm);
	if (m->log) {
		fprintf(m->log, "%s yagura-manager: %s: YG-%d %s\n", ts, level, id, msg);
		fflush(m->log);
	}
	if (m->opts->foreground || !m->log)
		fprintf(stderr, "%s yagura-manager: %s: YG-%d %s\n", ts, level, id, msg);
}

void print_diag_to_log(manager *m, const yg_diag *d)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		mlog(m, e->severity == YG_SEV_ERROR ? "ERROR" : "WARNING", MSG_CONFIG,
		     "%s:%d: %s: %s", e->file ? e->file : "-", e->line,
		     e->element ? e->element : "-", e->message);
	}
}
