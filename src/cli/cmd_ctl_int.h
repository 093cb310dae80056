/* cmd_ctl_int.h: shared by the `yagura ctl` files (cmd_ctl*.c), nothing else.
 *
 * cmd_ctl.c parses the command line into a ctl (home, --json, positional
 * words, options) and dispatches to one function per group; the helpers
 * below give every group the same paths, output (table or JSON), error
 * messages and manager notification. Exit codes: CTL_OK, CTL_FAIL (a clear
 * message on stderr), CTL_USAGE (usage on stderr). */
#ifndef YAGURA_CLI_CMD_CTL_INT_H
#define YAGURA_CLI_CMD_CTL_INT_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "manager/manager.h"

enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2 };

#define CTL_MAXPOS 8
#define CTL_MAXOPT 16

typedef struct ctl_opt {
	const char *name;  /* "--ttl" */
	const char *value; /* NULL for a flag */
	bool used;         /* taken by the verb */
} ctl_opt;

typedef struct ctl {
	char home[PATH_MAX]; /* absolute */
	const char *conf;    /* -c, or NULL: HOME/etc/ossec.conf when present */
	bool json;
	const char *group, *verb;
	const char *pos[CTL_MAXPOS]; /* words after the verb */
	size_t npos;
	ctl_opt opt[CTL_MAXOPT];
	size_t nopt;
	/* the manager's configuration, read on demand (ctl_config) */
	yg_manager_config cfg;
	bool cfg_read, cfg_loaded;
} ctl;

/* ---- arguments ---- */

/* The value of option `name` (marks it used); NULL when not given. */
const char *ctl_opt_value(ctl *c, const char *name);
/* Whether flag `name` was given (marks it used). */
bool ctl_flag(ctl *c, const char *name);
/* After the verb took its options: CTL_OK when every option was used and
 * min..max positional words were given, else prints why and CTL_USAGE. */
int ctl_done(ctl *c, size_t min, size_t max);

/* Parses a whole number in [lo, hi]; false (message printed naming `what`)
 * otherwise. */
bool ctl_parse_long(const char *s, long lo, long hi, const char *what, long *out);
/* Parses a duration: "90", "90s", "15m", "2h", "7d"; bounds in seconds. */
bool ctl_parse_duration(const char *s, long lo, long hi, const char *what, long *out);
/* Parses "2024-05-01", "2024-05-01T10:00:00[Z|+02:00]", "... 10:00:00" or a
 * duration back from now ("2h"): epoch seconds. */
bool ctl_parse_since(const char *s, time_t *out);
/* A free-text argument: at most max bytes, no control characters (tab
 * allowed) — these values end up in databases other people read. */
bool ctl_check_text(const char *s, size_t max, const char *what);
/* An agent id: 1-11 digits, padded to 3 ("7" -> "007"). */
bool ctl_agent_id(const char *s, char out[16]);

/* A secret from the first line of stdin (trailing blanks cut): at least
 * min characters, fits in n, no control characters; `what` names the
 * command in messages. */
bool ctl_read_secret(const char *what, char *out, size_t n, size_t min);
/* 32 random hex digits into out (n >= 33). */
bool ctl_random_secret(char *out, size_t n);

/* ---- home ---- */

/* HOME/rel into buf; false (message printed) when it does not fit. */
bool ctl_path(const ctl *c, char *buf, size_t n, const char *rel);
/* Whether HOME/rel exists. */
bool ctl_exists(const ctl *c, const char *rel);
/* Makes HOME/var/db (0750) if missing, for the verbs that write. */
bool ctl_make_db_dir(const ctl *c);
/* The configuration (-c or HOME/etc/ossec.conf); *loaded false when there
 * is none. CTL_FAIL (diagnostics printed) when it has errors. */
int ctl_config(ctl *c, bool *loaded);
/* "ctl:<login name>", who did a change, for ledgers and timelines. */
const char *ctl_actor(void);

/* ---- the running manager ---- */

/* Whether a manager runs on HOME (its pid file is locked); *pid its pid. */
bool ctl_manager_running(const ctl *c, long *pid);
/* After a change: sends SIGUSR1 to the running manager (only when it
 * handles SIGUSR1, so an older manager is never killed by it), tells the
 * user (in table mode) and, when `o` is not NULL, adds a "manager" object
 * describing what was done. */
void ctl_notify_manager(ctl *c, json_object *o);

/* ---- output ---- */

/* Prints a JSON value on stdout and frees it. */
void ctl_print_json(json_object *o);
/* A JSON string from a possibly NULL C string (NULL -> ""). */
json_object *ctl_jstr(const char *s);
/* Adds "<key>" (epoch seconds, null when 0) and "<key>_iso" (UTC text). */
void ctl_jtime(json_object *o, const char *key, int64_t t);
/* "2024-05-01 10:00:00" local time, or "-" for 0. */
const char *ctl_fmt_time(int64_t t, char *buf, size_t n);
/* "12s ago", "3m ago", "never" for 0. */
const char *ctl_fmt_age(int64_t t, char *buf, size_t n);
/* "in 5m", "permanent" for 0, "due" when past. */
const char *ctl_fmt_in(int64_t t, char *buf, size_t n);

/* A table printed with aligned columns; cells are copied with control
 * characters replaced by '?' (values come from attackers' events and must
 * not drive the terminal) and cut at 60 columns. */
typedef struct ctl_table ctl_table;
ctl_table *ctl_table_new(size_t ncols, const char *const *head);
/* Adds one row of ncols strings (NULL -> "-"). */
void ctl_table_row(ctl_table *t, const char *const *cells);
/* Prints (or "(none)" when empty) and frees. */
void ctl_table_print(ctl_table *t);
/* Prints "label: value" with the value sanitised as in tables (uncut). */
void ctl_kv(const char *label, const char *value);

/* An error for the user: "yagura ctl: " + message on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- groups ---- */

int ctl_agents(ctl *c);
int ctl_token(ctl *c);
int ctl_password(ctl *c);
int ctl_ca(ctl *c);
int ctl_users(ctl *c);
int ctl_bans(ctl *c);
int ctl_outbox(ctl *c);
int ctl_tickets(ctl *c);
int ctl_alerts(ctl *c);
int ctl_status(ctl *c);
int ctl_reload(ctl *c); /* cmd_ctl_daemon.c */
int ctl_stop(ctl *c);

/* Counts for `status`, one per group file: each fills `o` with its part and
 * prints its lines in table mode. */
void ctl_status_agents(ctl *c, json_object *o);
void ctl_status_bans(ctl *c, json_object *o);
void ctl_status_outbox(ctl *c, json_object *o);
void ctl_status_tickets(ctl *c, json_object *o);

#endif
