/* agent_yara.c: the built-in YARA scanner, fed by FIM.
 *
 * A FIM "added"/"modified" event for a file under a <yara><directories>
 * entry is noted in the settle tracker; once the file has stopped changing
 * it is scanned (one scan per finished file), and each match becomes the
 * log line of the article's yara.sh,
 *     wazuh-yara: INFO - Scan result: <rule> <path>
 * queued as an event with location "yara". The article's decoder
 * (prematch "wazuh-yara:", no program name) and rule 108001 turn it into
 * the level-12 alert, as they do for yara.sh's line collected from
 * active-responses.log. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/agent_int.h"

struct agent_yara {
	yg_yarascan *scan;
	yg_yarascan_settle *settle;
	yg_buf line;
	uint64_t scans, matches;
};

bool yara_open(agent *a)
{
	if (!a->cfg.has_yara || yg_yarascan_config_disabled(a->cfg.yara))
		return true;
	if (!yg_yarascan_config_ndirs(a->cfg.yara)) {
		alog(a, "WARNING", AMSG_YARA, "yara: no <directories>; the scanner is off");
		return true;
	}
	struct agent_yara *y = calloc(1, sizeof(*y));
	yg_diag *d = yg_diag_create();
	if (!y || !d) {
		free(y);
		yg_diag_destroy(d);
		return false;
	}
	yg_buf_init(&y->line, 65536);
	yg_err err = yg_yarascan_create(a->cfg.yara, d, &y->scan);
	alog_diag(a, d);
	yg_diag_destroy(d);
	if (!err)
		y->settle = yg_yarascan_settle_create(yg_yarascan_config_settle_ms(a->cfg.yara), 0,
		                                      NULL, NULL);
	if (err || !y->settle) {
		alog(a, "ERROR", AMSG_YARA, "yara: the scanner cannot start: %s",
		     yg_strerror(err ? err : YG_ENOMEM));
		yg_yarascan_destroy(y->scan);
		yg_buf_free(&y->line);
		free(y);
		return false;
	}
	alog(a, "INFO", AMSG_YARA, "yara: %zu rules, %zu directories", yg_yarascan_nrules(y->scan),
	     yg_yarascan_config_ndirs(a->cfg.yara));
	a->yara = y;
	return true;
}

void yara_close(agent *a)
{
	struct agent_yara *y = a->yara;
	if (!y)
		return;
	yg_yarascan_settle_destroy(y->settle);
	yg_yarascan_destroy(y->scan);
	yg_buf_free(&y->line);
	free(y);
	a->yara = NULL;
}

/* Whether path lies under one of the configured directories. */
static bool watched(agent *a, const char *path)
{
	for (size_t i = 0; i < yg_yarascan_config_ndirs(a->cfg.yara); i++) {
		const char *d = yg_yarascan_config_dir(a->cfg.yara, i);
		size_t n = strlen(d);
		while (n > 1 && d[n - 1] == '/')
			n--;
		if (!strncmp(path, d, n) && (path[n] == '/' || (n == 1 && d[0] == '/')))
			return true;
	}
	return false;
}

void yara_notify(agent *a, const yg_fim_event *ev)
{
	struct agent_yara *y = a->yara;
	if (!y || !strcmp(ev->event, "deleted") || !watched(a, ev->path))
		return;
	/* the file's own size and mtime: FIM may not check those */
	struct stat st;
	if (stat(ev->path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	int64_t mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	yg_err err = yg_yarascan_settle_notify(y->settle, ev->path, (uint64_t)st.st_size, mtime_ns);
	if (err)
		alog(a, "WARNING", AMSG_YARA, "yara: %s not tracked for a scan: %s", ev->path,
		     yg_strerror(err));
}

static int on_match(void *ctx, const char *path, const yg_yarascan_match *m)
{
	agent *a = ctx;
	struct agent_yara *y = a->yara;
	yg_buf_reset(&y->line);
	if (yg_yarascan_format(&y->line, m->rule, path) == YG_OK) {
		ievent_add(a, "yara", y->line.data);
		y->matches++;
	}
	return 0;
}

static void on_due(void *ctx, const char *path)
{
	agent *a = ctx;
	yg_yarascan_result res = {0};
	yg_err err = yg_yarascan_file(a->yara->scan, path, on_match, a, &res);
	a->yara->scans++;
	if (err)
		alog(a, "WARNING", AMSG_YARA, "yara: scan of %s: %s", path,
		     err == YG_ELIMIT ? "timed out" : yg_strerror(err));
	else if (res.skipped)
		alog(a, "INFO", AMSG_YARA, "yara: %s not scanned: %s", path,
		     res.reason ? res.reason : "?");
	else if (res.matches)
		alog(a, "INFO", AMSG_YARA, "yara: %s matched %u rules", path, res.matches);
}

void yara_tick(agent *a)
{
	if (a->yara && yg_yarascan_settle_pending(a->yara->settle))
		yg_yarascan_settle_poll(a->yara->settle, on_due, a);
}

int yara_timeout_ms(agent *a)
{
	if (!a->yara)
		return -1;
	int64_t t = yg_yarascan_settle_next_ms(a->yara->settle);
	return t < 0 ? -1 : t > 60000 ? 60000 : (int)t;
}
