/* execd.h: the agent-side active-response executor (Wazuh's wazuh-execd).
 *
 * yg_execd_run() takes one message from the manager (see ar_dispatch.h):
 *   {"version":1,"origin":{...},"command":"add","parameters":{"extra_args":
 *    [...],"alert":{...},"program":"active-response/bin/NAME"}}
 * and runs NAME from ar_bin_dir:
 *   - NAME must be a plain file name (no '/', not "." or "..", no control
 *     characters) whose realpath is directly inside ar_bin_dir's realpath,
 *     a regular executable file. Anything else is refused; nothing runs.
 *   - fork+execve(path, argv = [path], env = [PATH=/usr/bin:/bin]): no
 *     shell, the alert is only data on stdin. The child gets its own session
 *     (setsid), default signal handling, no other descriptors, and cwd =
 *     `cwd` (the agent home, so the scripts' relative logs/active-responses.log
 *     works as under Wazuh's execd).
 *   - Wazuh's exchange: execd writes the message (origin.module rewritten to
 *     "wazuh-execd") plus "\n" on stdin, then waits for ONE line on stdout
 *     (at most 8191 bytes). No line (stdout closed, script ended): done, no
 *     timeout entry. A line: the timeout-list key is basename(program)
 *     followed by "-KEY" for each string of parameters.keys when the line is
 *     {"version":N,"origin":{..},"command":"check_keys","parameters":{"keys":
 *     [...]}}. With a timeout, a key already in the list refreshes that
 *     entry (time of addition = now, timeout = this one) and execd answers
 *     the message with "command":"abort"; otherwise the entry is added and
 *     the answer is "command":"continue" (always "continue" without a
 *     timeout). stdin is closed after the answer. Output after that is read
 *     and discarded (tail kept for the report) — Wazuh closes the pipe.
 *   - A run that lasts longer than run_timeout_ms is killed (SIGKILL to its
 *     process group) and reported as timed out. Wazuh has no such limit.
 *   - Timeout list: when an entry's time is up (now - added > timeout), the
 *     program runs again with the same message and "command":"delete"
 *     (stdin only, stdout to /dev/null, as Wazuh). Entries are kept in a
 *     SQLite file (db_path) so a restarted execd still lifts them; Wazuh lifts
 *     everything at shutdown instead (yg_execd_lift_all does that on demand).
 *
 * Event loop: single-threaded, no signal handlers (children are watched with
 * pidfds; without pidfd support, by polling waitpid on our own pids only).
 * Use yg_execd_fd() in your poll set and call yg_execd_poll(ex, 0) when it is
 * readable and at least every yg_execd_next_timeout_ms(); or simply call
 * yg_execd_poll(ex, timeout) in a loop. Results are delivered from inside
 * yg_execd_run (refusals) and yg_execd_poll (everything else).
 *
 * SIGPIPE: writes to a child that closed its stdin never raise SIGPIPE in
 * the caller (it is blocked around each write and any pending one taken). */
#ifndef YAGURA_EXECD_H
#define YAGURA_EXECD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ydiag.h"
#include "common/yerr.h"

typedef enum yg_execd_outcome {
	YG_EXECD_EXITED,       /* the program ended: exit_status */
	YG_EXECD_SIGNALED,     /* ended by a signal execd did not send: signal */
	YG_EXECD_TIMED_OUT,    /* killed by execd after run_timeout_ms */
	YG_EXECD_SPAWN_FAILED, /* fork/execve failed: error */
	YG_EXECD_REFUSED,      /* invalid message or program: nothing ran; error */
} yg_execd_outcome;

typedef struct yg_execd_result {
	yg_execd_outcome outcome;
	const char *command;     /* "add" or "delete" */
	const char *program;     /* parameters.program as received ("" if none) */
	int exit_status;         /* EXITED */
	int signal;              /* SIGNALED, TIMED_OUT (SIGKILL) */
	const char *error;       /* REFUSED / SPAWN_FAILED reason, else "" */
	const char *stderr_tail; /* last bytes of stderr (<= 2 KiB) */
	const char *stdout_tail; /* last bytes of stdout after the keys line */
	bool keys_received;      /* the script wrote a line (check_keys or not) */
	bool aborted;            /* execd answered "abort" */
	bool delete_scheduled;   /* a timeout entry was added for this run */
	int64_t duration_ms;
} yg_execd_result;

/* Called once per yg_execd_run (and once per delete run of the timeout
 * list). The result and its strings live only during the call. */
typedef void (*yg_execd_result_fn)(void *ctx, const yg_execd_result *r);

/* The result event a run becomes (yagura.event, rules 9900xx):
 * "executed" (exit status 0), "exited" (it ran but exited non-zero, was
 * killed or timed out: informational, as Wazuh's execd ignores an exit
 * status; the article's yara.sh exits 1 to skip a repeated scan) or
 * "failed" (it could not be run at all: refused, or fork/exec failed). */
const char *yg_execd_result_event(const yg_execd_result *r);
/* Milliseconds of wall-clock time, for the timeout list (persisted). */
typedef int64_t (*yg_execd_clock_fn)(void *ctx);

typedef struct yg_execd_opts {
	const char *ar_bin_dir;  /* required: <home>/active-response/bin */
	const char *cwd;         /* required: the agent home */
	const char *log_path;    /* active-responses.log for execd's own lines; NULL: none */
	const char *db_path;     /* pending deletes (SQLite); NULL: memory only */
	unsigned max_concurrent; /* 0: 8 */
	unsigned max_queue;      /* runs waiting for a slot; 0: 256 */
	unsigned run_timeout_ms; /* 0: 600000 (10 min) */
	yg_execd_clock_fn clock; /* NULL: CLOCK_REALTIME */
	void *clock_ctx;
	yg_execd_result_fn on_result; /* for delete runs and runs without a cb */
	void *result_ctx;
} yg_execd_opts;

typedef struct yg_execd yg_execd;

/* Builds an executor; loads pending deletes from db_path. NULL on failure
 * with the reason in diag (may be NULL). */
yg_execd *yg_execd_create(const yg_execd_opts *opts, yg_diag *diag);
/* Kills (SIGKILL, process group) and reaps what still runs; queued runs are
 * dropped without a result. Pending deletes stay in db_path. */
void yg_execd_destroy(yg_execd *ex);

/* Accepts one message. timeout_s: seconds before the "delete" (0: none;
 * the manager has already applied timeout_allowed and repeated offenders).
 * cb/ctx receive the result (NULL cb: opts.on_result). Returns YG_OK when the
 * run is started or queued; YG_EINVAL (refused), YG_ELIMIT (queue full),
 * YG_ENOMEM - in those cases cb has already been called with REFUSED. */
yg_err yg_execd_run(yg_execd *ex, const char *json_message, unsigned timeout_s,
                    yg_execd_result_fn cb, void *ctx);

/* Does what is due: reads/writes children, reaps, kills overdue runs, runs
 * expired deletes, starts queued runs. Waits up to timeout_ms (-1: until
 * something happens; 0: not at all) when nothing is ready. Returns the
 * number of results delivered. */
int yg_execd_poll(yg_execd *ex, int timeout_ms);

/* An epoll descriptor readable when yg_execd_poll has work. */
int yg_execd_fd(const yg_execd *ex);
/* Milliseconds until yg_execd_poll must be called at the latest (a kill
 * deadline, a pending delete, waitpid polling), or -1 for no deadline. */
int yg_execd_next_timeout_ms(yg_execd *ex);

size_t yg_execd_running(const yg_execd *ex); /* started, not yet reaped */
size_t yg_execd_queued(const yg_execd *ex);
size_t yg_execd_pending_deletes(const yg_execd *ex);

/* Starts every pending delete now (Wazuh's behaviour at shutdown). */
yg_err yg_execd_lift_all(yg_execd *ex);

#endif
