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
	uint64_t skipped; /* backlog bytes over max-size left unread at open */
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
 * (and its max-size) wins. */
static const lc_entry *source_last(const yg_lc_config *cfg, const char *location)
{
	const lc_entry *last = NULL;
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->entries[i].kind == LC_KIND_JOURNAL &&
		    strcmp(cfg->entries[i].location, location) == 0)
			last = &cfg->entries[i];
	return last;
}

static bool source_future(const yg_lc_config *cfg, const char *location)
{
	const lc_entry *e = source_last(cfg, location);
	return e ? e->future : true;
}

/* only-future-events "no" with max-size: when the entries after the stored
 * cursor hold more than max-size bytes of MESSAGE, the reader moves to the
 * end of the journal (Wazuh's max-size for a file that grew while the agent
 * was stopped) and s->skipped says so; else it stays after the cursor.
 * Counting reads at most max-size bytes of backlog once, at the start.
 * Negative errno on failure. */
static int bound_backlog(lc_jsrc *s, uint64_t max_size)
{
	uint64_t sum = 0;
	int r;
	while (sum <= max_size && (r = yg_journal_next(s->j)) > 0) {
		const char *v;
		size_t n;
		if (yg_journal_field(s->j, "MESSAGE", &v, &n))
			sum += n;
	}
	if (sum <= max_size) /* within the bound (or the end): back to the cursor */
		return yg_journal_seek(s->j, s->cursor, false);
	s->skipped = sum;
	r = yg_journal_seek(s->j, NULL, true);
	if (r < 0)
		return r;
	free(s->cursor);
	s->cursor = yg_journal_cursor(s->j);
	return 0;
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
	const lc_entry *last = source_last(cfg, location);
	if (r >= 0 && initial && s->cursor && last && !last->future && last->max_size)
		r = bound_backlog(s, last->max_size);
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

uint64_t lc_jsrc_skipped(const lc_jsrc *s)
{
	return s->skipped;
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
