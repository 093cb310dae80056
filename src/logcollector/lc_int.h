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
} lc_kind;

typedef enum lc_ml_match { LC_ML_START, LC_ML_ALL, LC_ML_END } lc_ml_match;
typedef enum lc_ml_replace {
	LC_ML_NO_REPLACE, /* keep the line ends */
	LC_ML_NONE,       /* remove them */
	LC_ML_WSPACE,     /* replace them by a space */
	LC_ML_TAB,        /* replace them by a tab */
} lc_ml_replace;

typedef struct lc_entry {
	lc_kind kind;
	char *format;   /* log_format as written */
	char *location; /* path pattern; NULL for commands */
	char *command;  /* command string; NULL for files */
	char *alias;
	char *exclude; /* fnmatch pattern or NULL */
	int frequency; /* seconds between command runs */
	bool future;   /* only-future-events */
	int line;      /* of the <localfile> element */
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
} lc_entry;

struct yg_lc_config {
	lc_entry *entries;
	size_t n, cap;
	size_t max_line;
	int rescan_ms;
};

#endif
