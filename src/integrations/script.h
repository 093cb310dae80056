/* script.h: running a custom-* integration script the way integratord does.
 *
 * The alert is written to a fresh file (0600) and the script is started as
 *   <dir>/<name> <alert_file> <api_key> <hook_url> "" <options_file> <timeout> <retries>
 * which is Wazuh 4.14's argv (the fifth slot is "debug" in Wazuh's debug
 * mode, the sixth "" when there are no <options>). No shell is involved:
 * common/yproc.h with an argv array and the safe environment, stdin from /dev/null,
 * stdout and stderr captured into a file for the error message, every other
 * descriptor closed, in its own process group so a timeout kills the whole
 * tree. Exit status 0 is a delivery; anything else a failure. */
#ifndef YAGURA_INTG_SCRIPT_H
#define YAGURA_INTG_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/yerr.h"

typedef struct yg_intg_script yg_intg_script;

typedef struct yg_intg_script_args {
	const char *path;   /* the script */
	const char *tmpdir; /* where the alert/options files go */
	const char *name;   /* integration name, for the file names */
	const char *body;   /* the alert file's content */
	size_t body_len;
	const char *api_key;  /* NULL: "" */
	const char *hook_url; /* NULL: "" */
	const char *options;  /* NULL: no options file */
	unsigned timeout;     /* seconds; the process group is killed after */
	unsigned retries;
} yg_intg_script_args;

/* Starts the script; on failure returns an error with a reason in err. */
yg_err yg_intg_script_start(const yg_intg_script_args *a, int64_t now_ms, yg_intg_script **out,
                            char *err, size_t errlen);

/* Checks the script without blocking; kills it once past its deadline.
 * Returns true when it has ended: *ok tells success, err the reason of a
 * failure (exit status and the end of its output). */
bool yg_intg_script_poll(yg_intg_script *s, int64_t now_ms, bool *ok, char *err, size_t errlen);

/* Kills (if still running), reaps, deletes the files, frees. NULL is fine. */
void yg_intg_script_free(yg_intg_script *s);

#endif
