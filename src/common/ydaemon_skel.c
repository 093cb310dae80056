/* ydaemon_skel.c: the daemon skeleton of ydaemon.h. With the own log
 * (ylog.c) in the daemons' library: a command that only needs the home's
 * paths does not link it. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/ydaemon.h"
#include "common/ylog.h"

/* ---- the skeleton ---- */

static volatile sig_atomic_t got_term, got_hup, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

bool yg_daemon_running(void)
{
	return !got_term;
}

bool yg_daemon_take_hup(void)
{
	if (!got_hup)
		return false;
	got_hup = 0;
	return true;
}

bool yg_daemon_take_usr1(void)
{
	if (!got_usr1)
		return false;
	got_usr1 = 0;
	return true;
}

bool yg_daemon_open_log(yg_daemon *d)
{
	char p[PATH_MAX];
	d->pid_fd = -1;
	if (!yg_path_join(p, sizeof(p), d->home, "logs") || !yg_mkdirs(p) ||
	    !yg_path_join(p, sizeof(p), d->home, d->log_rel) ||
	    yg_log_open(p, d->ident, 0, d->foreground, &d->log)) {
		fprintf(stderr, "%s: cannot open %s/%s: %s\n", d->name, d->home, d->log_rel,
		        strerror(errno));
		return false;
	}
	return true;
}

/* The daemon's signals: caught, and blocked except while yg_daemon_wait
 * waits; a write to a closed socket is an error, not a death. */
static void catch_signals(const yg_daemon *d)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	if (d->usr1)
		sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (d->usr1)
		sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool yg_daemon_start(yg_daemon *d)
{
	long other = 0;
	d->pid_fd = yg_pidfile_lock(d->home, d->pid_rel, &other);
	if (d->pid_fd == -2) {
		d->pid_fd = -1;
		fprintf(stderr, "%s: another %s (pid %ld) runs on %s\n", d->name, d->what, other,
		        d->home);
		yg_log_msg(d->log, "ERROR", d->msg_init, "another %s (pid %ld) runs on this home",
		           d->what, other);
		return false;
	}
	/* the lock is inherited by the daemon (flock locks belong to the open
	 * file, not to the process) */
	if (!d->foreground && !yg_daemonize()) {
		yg_log_msg(d->log, "ERROR", d->msg_init, "could not become a daemon");
		return false;
	}
	d->pid_written = d->pid_fd >= 0 && yg_pidfile_write(d->pid_fd);
	if (!d->pid_written)
		yg_log_msg(d->log, "WARNING", d->msg_init, "could not write %s", d->pid_rel);
	catch_signals(d);
	/* connections, watched files, stores and responses hold descriptors */
	unsigned long long before = 0, after = 0;
	if (!yg_raise_nofile(&before, &after))
		yg_log_msg(d->log, "WARNING", d->msg_init,
		           "could not raise the descriptor limit (now %llu)", after);
	else if (after != before)
		yg_log_msg(d->log, "INFO", d->msg_init, "descriptor limit raised from %llu to %llu",
		           before, after);
	d->wd_ms = yg_sd_watchdog_interval_ms();
	d->last_wd = 0;
	return true;
}

void yg_daemon_stop(yg_daemon *d)
{
	char p[PATH_MAX];
	if (d->pid_written && yg_path_join(p, sizeof(p), d->home, d->pid_rel))
		unlink(p);
	d->pid_written = false;
	if (d->pid_fd >= 0)
		close(d->pid_fd);
	d->pid_fd = -1;
}

int yg_daemon_wait(yg_daemon *d, struct pollfd *fds, size_t n, int timeout_ms)
{
	/* a ping from every pass once half the watchdog's period is over */
	if (d->wd_ms && yg_now_ms() - d->last_wd >= d->wd_ms) {
		d->last_wd = yg_now_ms();
		yg_sd_watchdog();
	}
	sigset_t empty;
	sigemptyset(&empty);
	if (timeout_ms < 0)
		timeout_ms = 0;
	struct timespec ts = {.tv_sec = timeout_ms / 1000,
	                      .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
	int r = ppoll(n ? fds : NULL, (nfds_t)n, &ts, &empty);
	return r < 0 && errno == EINTR ? 0 : r;
}
