/* lc_log.c: the collector's messages relayed to a daemon's own log. */
#include "common/ylog.h"
#include "logcollector/lc.h"

void yg_lc_log_to_ylog(void *ctx, yg_severity sev, int code, const char *msg)
{
	yg_log_module(ctx, sev == YG_SEV_ERROR ? "ERROR" : "WARNING", code, "logcollector", msg);
}
