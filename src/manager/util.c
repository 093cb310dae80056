/* util.c: the manager's own log. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/ylog.h"

#include "manager/manager_int.h"

/* Writes one numbered message to the manager's log sink: the journal under
 * systemd, else HOME/logs/yagura.log (common/ylog.h; also stderr in the
 * foreground, or when the log is not open yet). Never fails visibly. */
void mlog(manager *m, const char *level, int id, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	yg_log_write(m->log, yg_log_prio_of(level), level, id, msg);
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
