/* agent_util.c: the agent's internal events (its own log is common/ylog.h). */
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
