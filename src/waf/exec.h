/* exec.h: running a configured command without a shell.
 *
 * The reload, verify and nftables steps of the WAF action run programs with
 * an argv array through fork + execve: no shell ever sees a value, so an
 * address (already validated) cannot become a command. The child is started
 * by common/yproc.h: /dev/null as stdin and stdout, a pipe as stderr (kept,
 * bounded), a fixed PATH and nothing else in its environment, its own
 * process group, and no other open descriptors. */
#ifndef YAGURA_WAF_EXEC_H
#define YAGURA_WAF_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yerr.h"

#define YG_WAF_STDERR_MAX 2048 /* bytes of stderr kept, NUL included */

typedef struct yg_waf_cmd_result {
	bool ran;                    /* the program was started */
	bool timed_out;              /* killed (the whole process group) at the deadline */
	int exit_status;             /* exit code; 128 + signal when killed; -1 if not run */
	char err[YG_WAF_STDERR_MAX]; /* stderr (truncated), or why it did not run */
} yg_waf_cmd_result;

/* Runs argv (NULL-terminated, argv[0] a path or a name looked up in
 * /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) and waits
 * at most timeout_ms. Returns YG_OK when it ran and exited with status 0;
 * YG_EIO otherwise (res says why); YG_EINVAL for an empty argv. res may not
 * be NULL. The caller must not have SIGCHLD set to SIG_IGN. */
yg_err yg_waf_exec(const char *const *argv, int timeout_ms, yg_waf_cmd_result *res);

#endif
