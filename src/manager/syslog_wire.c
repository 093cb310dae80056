/* syslog_wire.c: the remote syslog listeners feeding the pipeline.
 *
 * A message becomes an event with the sender's address as location, as
 * Wazuh's remoted hands syslog to analysisd. A full batch refuses it: the
 * listeners stop reading until the next commit (back-pressure). Network
 * messages have no position to resume from: one accepted into the batch
 * and not yet committed when the manager is killed is lost (UDP gives no
 * more; a TCP sender does not resend it either). */
#include <time.h>

#include "manager/manager_int.h"
#include "manager/syslog_in.h"

static int syslog_emit(void *ctx, const char *srcip, const char *msg, size_t len)
{
	manager *m = ctx;
	(void)len;
	yg_input in = {.log = msg, .location = srcip, .now = time(NULL)};
	return yg_pipeline_offer(m->pipe, &in) ? 0 : 1;
}

static void syslog_logger(void *ctx, int level, const char *msg)
{
	mlog((manager *)ctx,
	     level >= 3   ? "ERROR"
	     : level == 2 ? "WARNING"
	                  : "INFO",
	     MSG_SYSLOG, "%s", msg);
}

bool syslog_open(manager *m)
{
	if (!m->cfg.rsyslog.n)
		return true;
	char err[512];
	m->syslogd = yg_syslogd_create(&m->cfg.rsyslog, syslog_emit, m, syslog_logger, m, err,
	                               sizeof(err));
	if (!m->syslogd) {
		mlog(m, "ERROR", MSG_SYSLOG, "remote syslog: %s", err);
		return false;
	}
	return true;
}

void syslog_close(manager *m)
{
	if (!m->syslogd)
		return;
	yg_syslogd_stats st;
	yg_syslogd_get_stats(m->syslogd, &st);
	mlog(m, "INFO", MSG_SYSLOG,
	     "remote syslog: %llu messages, %llu refused (not allowed), %llu truncated, "
	     "%llu connections (%llu over the limits, %llu closed idle)",
	     (unsigned long long)st.messages, (unsigned long long)st.denied,
	     (unsigned long long)st.truncated, (unsigned long long)st.conns,
	     (unsigned long long)st.conns_refused, (unsigned long long)st.conns_idle);
	yg_syslogd_destroy(m->syslogd);
	m->syslogd = NULL;
}

void syslog_poll(manager *m)
{
	if (m->syslogd)
		yg_syslogd_poll(m->syslogd);
}
