/* explain.c: wazuh-logtest's phase 1/2/3 text for a person at a terminal. */
#include <string.h>

#include "engine/session_int.h"

static void line(yg_buf *b, const char *k, const char *v)
{
	yg_buf_printf(b, "\t%s: '%s'\n", k, v ? v : "");
}

/* One string as Python's repr() writes it (wazuh-logtest prints lists with
 * str(list)): single quotes unless only double quotes avoid escaping. */
static void py_repr(yg_buf *b, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	yg_buf_putc(b, q);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == (unsigned char)q)
			yg_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			yg_buf_puts(b, "\\n");
		else if (c == '\r')
			yg_buf_puts(b, "\\r");
		else if (c == '\t')
			yg_buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			yg_buf_printf(b, "\\x%02x", c);
		else
			yg_buf_putc(b, (char)c);
	}
	yg_buf_putc(b, q);
}

static void py_list_line(yg_buf *b, const char *k, const char *const *v, size_t n)
{
	yg_buf_printf(b, "\t%s: '[", k);
	for (size_t i = 0; i < n; i++) {
		if (i)
			yg_buf_puts(b, ", ");
		py_repr(b, v[i]);
	}
	yg_buf_puts(b, "]'\n");
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
		/* the rule's other keys in sorted order: mitre comes after mail */
		if (r->mitre.nshown_tactics) {
			const yg_mitre *m = &r->mitre;
			py_list_line(b, "mitre.id", m->shown_ids, m->nshown_ids);
			py_list_line(b, "mitre.tactic", m->shown_tactics, m->nshown_tactics);
			py_list_line(b, "mitre.technique", m->shown_techniques,
			             m->nshown_techniques);
		}
		if (s->alert)
			yg_buf_puts(b, "**Alert to be generated.\n");
	}
	yg_buf_putc(b, '\n');
	return YG_OK;
}
