/* fim_log.c: the module's messages relayed to a daemon's own log. */
#include "common/ylog.h"
#include "fim/fim.h"

void yg_fim_log_to_ylog(void *ctx, yg_fim_log_level level, int id, const char *msg)
{
	static const char *const names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
	yg_log_module(ctx, names[(unsigned)level < 4 ? level : 3], id, "fim", msg);
}
