/* lc_journal.c: journald sources of the log collector (see lc_int.h).
 *
 * The accepted position is the cursor of the last entry the consumer
 * accepted (or that no block's filters selected). An entry the consumer
 * refuses stays the current one and is offered again at the next pass, so
 * with the cursor committed with the consumer's data nothing is lost or
 * repeated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logcollector/journal.h"
#include "logcollector/lc_int.h"

struct lc_jsrc {
	const yg_lc_config *cfg;
	char *location;
	yg_journal *j;
	char *cursor; /* accepted position (owned), NULL before the first */
	bool pending; /* the current entry was refused: offer it again */
	yg_buf line;  /* the entry as a syslog line */
	yg_buf value; /* a field's value, NUL-terminated for a filter */
	yg_match_scratch *scratch;
};

/* Does entry e's every filter match the current journal entry? */
static bool entry_selects(lc_jsrc *s, const lc_entry *e)
{
	for (size_t i = 0; i < e->njfilters; i++) {
		const lc_jfilter *f = &e->jfilters[i];
		const char *v;
		size_t n;
		if (!yg_journal_field(s->j, f->field, &v, &n)) {
			if (f->ignore_if_missing)
				continue;
			return false;
		}
		yg_buf_reset(&s->value);
		if (yg_buf_append(&s->value, v, n < s->value.max ? n : s->value.max) ||
		    !s->value.data)
			return false;
		if (!yg_pattern_test(f->re, s->value.data, s->scratch))
			return false;
	}
	return true;
}

/* The <localfile> entry the current journal entry goes to, or (size_t)-1. */
static size_t select_entry(lc_jsrc *s)
{
	for (size_t i = 0; i < s->cfg->n; i++) {
		const lc_entry *e = &s->cfg->entries[i];
		if (e->kind == LC_KIND_JOURNAL && strcmp(e->location, s->location) == 0 &&
		    entry_selects(s, e))
			return i;
	}
	return (size_t)-1;
}

/* Wazuh merges the blocks of the journal: the last one's only-future-events
 * wins. */
static bool source_future(const yg_lc_config *cfg, const char *location)
{
	bool future = true;
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->entries[i].kind == LC_KIND_JOURNAL &&
		    strcmp(cfg->entries[i].location, location) == 0)
			future = cfg->entries[i].future;
	return future;
}

lc_jsrc *lc_jsrc_create(const yg_lc_config *cfg, const char *location, const char *cursor,
                        bool initial, char *err, size_t errlen)
{
	lc_jsrc *s = calloc(1, sizeof(*s));
	if (!s || !(s->location = strdup(location)) || (cursor && !(s->cursor = strdup(cursor))) ||
	    !(s->scratch = yg_match_scratch_create())) {
		snprintf(err, errlen, "out of memory");
		lc_jsrc_destroy(s);
		return NULL;
	}
	s->cfg = cfg;
	yg_buf_init(&s->line, cfg->max_line);
	yg_buf_init(&s->value, cfg->max_line);
	s->j = yg_journal_open(lc_journal_dir(location), err, errlen);
	if (!s->j) {
		lc_jsrc_destroy(s);
		return NULL;
	}
	bool future = initial && source_future(cfg, location);
	int r = yg_journal_seek(s->j, s->cursor, future);
	if (r < 0) {
		snprintf(err, errlen, "cannot position the journal '%s': %s", location,
		         strerror(-r));
		lc_jsrc_destroy(s);
		return NULL;
	}
	if (!s->cursor && future)
		/* the starting point is a position too: committed with the
		 * next commit, it keeps entries written from now on if we
		 * crash before reading any */
		s->cursor = yg_journal_cursor(s->j);
	return s;
}

void lc_jsrc_destroy(lc_jsrc *s)
{
	if (!s)
		return;
	yg_journal_close(s->j);
	free(s->location);
	free(s->cursor);
	yg_buf_free(&s->line);
	yg_buf_free(&s->value);
	yg_match_scratch_destroy(s->scratch);
	free(s);
}

const char *lc_jsrc_location(const lc_jsrc *s)
{
	return s->location;
}

const char *lc_jsrc_cursor(const lc_jsrc *s)
{
	return s->cursor;
}

size_t lc_jsrc_dirs(const lc_jsrc *s, char (*out)[4096], size_t max)
{
	return yg_journal_dirs(s->j, out, max);
}

/* The current entry is done with (accepted or not selected): it becomes
 * the accepted position. */
static void move_past(lc_jsrc *s)
{
	char *c = yg_journal_cursor(s->j);
	if (c) {
		free(s->cursor);
		s->cursor = c;
	}
	s->pending = false;
}

int lc_jsrc_pass(lc_jsrc *s, int budget, lc_deliver_fn fn, void *ctx, char *err, size_t errlen)
{
	int delivered = 0;
	/* entries no block selects count too, so a pass over a big journal
	 * with narrow filters still returns to the caller's loop */
	for (int examined = 0; delivered < budget && examined < 4 * budget; examined++) {
		if (!s->pending) {
			int r = yg_journal_next(s->j);
			if (r < 0) {
				snprintf(err, errlen, "cannot read the journal '%s': %s",
				         s->location, strerror(-r));
				return -1;
			}
			if (r == 0)
				break;
			s->pending = true;
		}
		size_t entry = select_entry(s);
		yg_buf_reset(&s->line);
		yg_err fe = entry == (size_t)-1 ? YG_ENOTFOUND : yg_journal_format(s->j, &s->line);
		if (fe == YG_ENOMEM)
			break; /* offered again later rather than lost */
		if (fe == YG_ENOTFOUND || !s->line.data) {
			move_past(s); /* not selected, or nothing to analyse */
			continue;
		}
		/* reported as "journald", as Wazuh does, whichever journal */
		if (fn(ctx, entry, "journald", s->line.data, s->line.len) != 0)
			break;
		move_past(s);
		delivered++;
	}
	return delivered;
}
