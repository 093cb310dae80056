/* explain.c: wazuh-logtest's phase 1/2/3 text for a person at a terminal. */
#include <string.h>

#include "engine/session_int.h"

static void line(yg_buf *b, const char *k, const char *v)
{
	yg_buf_printf(b, "\t%s: '%s'\n", k, v ? v : "");
}

yg_err yg_session_explain(yg_session *s, yg_buf *b)
{
	const yg_event *ev = &s->ev;
	yg_buf_puts(b, "**Phase 1: Completed pre-decoding.\n");
	line(b, "full event", ev->full_log);
	if (ev->dec_timestamp)
		line(b, "timestamp", ev->dec_timestamp);
	if (ev->hostname)
		line(b, "hostname", ev->hostname);
	if (ev->program_name)
		line(b, "program_name", ev->program_name);
	yg_buf_putc(b, '\n');
	if (ev->decoder && ev->decoder->report_name) {
		yg_buf_puts(b, "**Phase 2: Completed decoding.\n");
		line(b, "name", ev->decoder->report_name);
		if (ev->decoder->parent)
			line(b, "parent", ev->decoder->parent);
		for (int f = 0; f < YG_SF_LOCATION; f++)
			if (ev->sfields[f])
				line(b, yg_sfield_name(f), ev->sfields[f]);
		for (int i = 0; i < ev->nfields; i++)
			line(b, ev->fields[i].key, ev->fields[i].value);
	} else {
		yg_buf_puts(b, "**Phase 2: Completed decoding.\n\tNo decoder matched\n");
	}
	yg_buf_putc(b, '\n');
	if (s->rule) {
		const yg_rule *r = s->rule;
		yg_buf_puts(b, "**Phase 3: Completed filtering (rules).\n");
		yg_buf_printf(b, "\tid: '%u'\n\tlevel: '%d'\n", r->sigid, r->level);
		line(b, "description", s->comment);
		yg_buf_printf(b, "\tgroups: '[");
		const char *p = r->group;
		bool first = true;
		while (p && *p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			if (n) {
				yg_buf_printf(b, "%s'%.*s'", first ? "" : ", ", (int)n, p);
				first = false;
			}
			p = c ? c + 1 : NULL;
		}
		yg_buf_puts(b, "]'\n");
		yg_buf_printf(b, "\tfiredtimes: '%u'\n\tmail: '%s'\n", s->fired,
			      (r->opts & YG_RO_MAIL) ? "True" : "False");
		if (s->alert)
			yg_buf_puts(b, "**Alert to be generated.\n");
	}
	yg_buf_putc(b, '\n');
	return YG_OK;
}
