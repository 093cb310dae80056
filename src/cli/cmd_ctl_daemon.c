/* cmd_ctl_daemon.c: `yagura ctl reload` and `yagura ctl stop`: signals to
 * the manager running on the home, found through its locked pid file
 * (HOME/var/run/yagura.pid; ctl_manager_running checks the lock, so a stale
 * file left by a crash is never taken for a live manager). Under systemd,
 * `systemctl reload|stop yagura-manager` does the same and keeps systemd's
 * view of the service right. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_ctl_int.h"

/* Takes no verb and no option but --timeout (stop). */
static int no_words(ctl *c, const char *what)
{
	if (c->verb) {
		ctl_err("%s takes no arguments", what);
		return CTL_USAGE;
	}
	return CTL_OK;
}

/* The running manager's pid into *pid; CTL_FAIL (said why) when none. */
static int running_pid(ctl *c, long *pid)
{
	if (ctl_manager_running(c, pid))
		return CTL_OK;
	ctl_err("no manager runs on %s (var/run/yagura.pid is not locked)", c->home);
	return CTL_FAIL;
}

static int send_signal(long pid, int sig)
{
	if (kill((pid_t)pid, sig) == 0)
		return CTL_OK;
	ctl_err("cannot signal the manager (pid %ld): %s", pid, strerror(errno));
	return CTL_FAIL;
}

int ctl_reload(ctl *c)
{
	int rc = no_words(c, "reload");
	rc = rc ? rc : ctl_done(c, 0, 0);
	long pid = 0;
	rc = rc ? rc : running_pid(c, &pid);
	rc = rc ? rc : send_signal(pid, SIGHUP);
	if (rc)
		return rc;
	if (c->json)
		printf("{\"pid\":%ld,\"signal\":\"HUP\"}\n", pid);
	else
		printf("The manager (pid %ld) reloads its configuration and ruleset (SIGHUP); a "
		       "configuration with errors is refused and logged.\n",
		       pid);
	return CTL_OK;
}

int ctl_stop(ctl *c)
{
	int rc = no_words(c, "stop");
	long wait_s = 60;
	const char *t = ctl_opt_value(c, "--timeout");
	if (!rc && t && !ctl_parse_duration(t, 0, 86400, "--timeout", &wait_s))
		rc = CTL_USAGE;
	rc = rc ? rc : ctl_done(c, 0, 0);
	long pid = 0;
	rc = rc ? rc : running_pid(c, &pid);
	rc = rc ? rc : send_signal(pid, SIGTERM);
	if (rc)
		return rc;
	/* it commits what it holds before it exits: wait for the lock to go */
	struct timespec nap = {0, 100 * 1000000L};
	long polls = wait_s * 10;
	long other = 0;
	bool still = true;
	for (long i = 0; i <= polls && (still = ctl_manager_running(c, &other)); i++)
		nanosleep(&nap, NULL);
	if (still) {
		ctl_err("the manager (pid %ld) still runs after %ld s", pid, wait_s);
		return CTL_FAIL;
	}
	if (c->json)
		printf("{\"pid\":%ld,\"stopped\":true}\n", pid);
	else
		printf("The manager (pid %ld) stopped.\n", pid);
	return CTL_OK;
}
