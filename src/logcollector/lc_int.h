/* lc_int.h: the logcollector's internal configuration shared by its files. */
#ifndef YAGURA_LC_INT_H
#define YAGURA_LC_INT_H

#include "engine/pattern.h"
#include "logcollector/lc.h"

typedef enum lc_kind {
	LC_KIND_LINES,   /* line by line (syslog, json and the like) */
	LC_KIND_MLREGEX, /* multi-line-regex */
	LC_KIND_MLCOUNT, /* multi-line:N */
	LC_KIND_COMMAND, /* command: one event per output line */
	LC_KIND_FULLCMD, /* full_command: the whole output as one event */
	LC_KIND_JOURNAL, /* journald: the systemd journal (lc_journal.c) */
} lc_kind;

typedef enum lc_ml_match { LC_ML_START, LC_ML_ALL, LC_ML_END } lc_ml_match;
typedef enum lc_ml_replace {
	LC_ML_NO_REPLACE, /* keep the line ends */
	LC_ML_NONE,       /* remove them */
	LC_ML_WSPACE,     /* replace them by a space */
	LC_ML_TAB,        /* replace them by a tab */
} lc_ml_replace;

/* A journald <filter field="F" ignore_if_missing="yes|no">PCRE2</filter>. */
typedef struct lc_jfilter {
	char *field;
	yg_pattern *re;
	bool ignore_if_missing;
} lc_jfilter;

typedef struct lc_entry {
	lc_kind kind;
	char *format;   /* log_format as written */
	char *location; /* path pattern; NULL for commands */
	char *command;  /* command string; NULL for files */
	char *alias;
	char *exclude;     /* fnmatch pattern or NULL */
	int frequency;     /* seconds between command runs */
	bool future;       /* only-future-events */
	uint64_t max_size; /* its max-size: the backlog read at a restart; 0: all */
	int line;          /* of the <localfile> element */
	char *file;        /* the configuration file it is in (may be NULL) */
	yg_pattern **ignore;
	size_t nignore;
	yg_pattern **restrict_;
	size_t nrestrict;
	yg_pattern *ml_regex;
	lc_ml_match ml_match;
	lc_ml_replace ml_replace;
	unsigned ml_timeout; /* seconds */
	int ml_count;        /* multi-line:N */
	yg_lc_label *labels;
	size_t nlabels;
	lc_jfilter *jfilters; /* journald: all must match (AND) */
	size_t njfilters;
} lc_entry;

struct yg_lc_config {
	lc_entry *entries;
	size_t n, cap;
	size_t max_line;
	int rescan_ms;
};

/* ---- journald sources (lc_journal.c) ----
 *
 * Every <localfile> with log_format journald and the same location reads
 * one journal: an entry goes to the first of those entries whose filters
 * all match (Wazuh merges such blocks into one reader, filters OR'ed per
 * block). The reader's accepted position is a journald cursor. */

/* "journald" (the system journal) or "journald:DIR" (a directory of journal
 * files); the directory, or NULL for the system journal. */
const char *lc_journal_dir(const char *location);

typedef struct lc_jsrc lc_jsrc;

/* Hands one event to the consumer: 0 accepted, else back-pressure. */
typedef int (*lc_deliver_fn)(void *ctx, size_t entry, const char *location, const char *text,
                             size_t len);

/* A source for the entries of cfg whose location is `location`; resumes
 * after `cursor` when not NULL, else, when `initial` (opened as the
 * collector starts), at the end or the start of the journal as the last
 * such entry's only-future-events says, and at the start otherwise (a
 * journal that could not be opened then holds only entries written since).
 * NULL with the reason in err. */
lc_jsrc *lc_jsrc_create(const yg_lc_config *cfg, const char *location, const char *cursor,
                        bool initial, char *err, size_t errlen);
void lc_jsrc_destroy(lc_jsrc *s);
const char *lc_jsrc_location(const lc_jsrc *s);
/* Bytes of backlog (MESSAGE fields) found over the journal's max-size at
 * open, so not read (it then started at the journal's end); 0 when none. */
uint64_t lc_jsrc_skipped(const lc_jsrc *s);
/* The cursor of the last accepted (or filtered) entry, or NULL. */
const char *lc_jsrc_cursor(const lc_jsrc *s);
/* Delivers up to budget entries; stops at the first refused one (offered
 * again next time). Returns the number delivered, or -1 when the journal
 * failed (err filled; the source is then reopened by the caller). */
int lc_jsrc_pass(lc_jsrc *s, int budget, lc_deliver_fn fn, void *ctx, char *err, size_t errlen);
/* Directories to watch for new entries (see yg_journal_dirs). */
size_t lc_jsrc_dirs(const lc_jsrc *s, char (*out)[4096], size_t max);

#endif
