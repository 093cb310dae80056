/* ydaemon.h: what a yagura daemon (manager, agent) does around its loop:
 * its home's paths and directories, a locked pid file, detaching, and the
 * one skeleton both daemons (and any later one) are built on:
 *
 *   yg_daemon d = {.name = "yagura agent", .what = "agent", ...};
 *   yg_daemon_open_log(&d)      HOME/logs/<file>, or the journal
 *   ... read what must be checked before detaching (identity, ruleset) ...
 *   yg_daemon_start(&d)         pid file locked (a second daemon on the
 *                               home refuses), descriptor limit raised,
 *                               detached unless foreground, pid written,
 *                               SIGTERM/SIGINT/SIGHUP(/SIGUSR1) caught and
 *                               blocked outside yg_daemon_wait
 *   ... open the parts; yg_sd_ready ...
 *   while (yg_daemon_running()) {
 *           if (yg_daemon_take_hup()) reload: yg_sd_reloading, ..., ready
 *           yg_daemon_wait(&d, fds, n, timeout)   ppoll + watchdog ping
 *           ... the work ...
 *   }
 *   yg_daemon_stop(&d)          pid file removed
 *   yg_log_close(d.log)
 *
 * The agent's identity file (etc/agent.id, "<id> <name>\n") is written by
 * `yagura enroll` and read by the agent through the same two functions. */
#ifndef YAGURA_COMMON_YDAEMON_H
#define YAGURA_COMMON_YDAEMON_H

#include <stdbool.h>
#include <stddef.h>

/* The home every command uses when none is given: Wazuh's, so the paths of
 * Wazuh's documentation work as written. */
#define YG_HOME_DEFAULT "/var/ossec"
/* The home a command uses: `flag` (its -D) when given, else $YAGURA_HOME
 * when set and not empty, else YG_HOME_DEFAULT. */
const char *yg_home_choose(const char *flag);

/* mkdir -p of an absolute path (mode 0750); true on success. */
bool yg_mkdirs(const char *path);
/* home + "/" + rel into out; false when it does not fit. */
bool yg_path_join(char *out, size_t n, const char *home, const char *rel);
/* Milliseconds of CLOCK_MONOTONIC. */
long long yg_now_ms(void);

/* Opens home/rel (its directory made) and locks it for the daemon's life
 * (an open-file-description lock, F_OFD_SETLK), so a second daemon on the
 * same home refuses to start. Returns the descriptor (>= 0), -1 on an
 * error, -2 when another process holds the lock (its pid, read from the
 * file, in *other). The lock stays with the open file, not the process, so
 * it survives yg_daemonize. */
int yg_pidfile_lock(const char *home, const char *rel, long *other);
/* The one way to ask whether a daemon runs on a home: whether home/rel is
 * locked by yg_pidfile_lock, without taking the lock. Returns the pid of
 * the daemon holding it (as the file says, and alive), 0 when none does
 * (or the file is missing), -1 when it cannot be told. */
long yg_pidfile_holder(const char *home, const char *rel);
/* Writes this process's pid into the locked file. */
bool yg_pidfile_write(int fd);
/* Raises RLIMIT_NOFILE's soft limit to its hard limit (a daemon's
 * connections, files and stores must not run out at a distribution's
 * default 1024). *before and *after (may be NULL) get the soft limit before
 * and after; false when it could not be read or raised. */
bool yg_raise_nofile(unsigned long long *before, unsigned long long *after);
/* Forks twice with setsid, stdio on /dev/null; the parent exits 0. */
bool yg_daemonize(void);

/* ---- the skeleton ---- */

/* A daemon's files from its command line: the home (`home_flag` or the
 * default, yg_home_choose) made absolute, and each -c file (HOME/etc/
 * ossec.conf when none) made absolute. `prog` ("yagura agent") and `hint`
 * (after "not found", e.g. " (give -D or set YAGURA_HOME)") word the
 * messages on stderr. 0, or the exit status 1 with abs_conf freed. */
#define YG_DAEMON_MAX_CONF 16
typedef struct yg_daemon_files {
	char home[4096];                /* absolute */
	char *conf[YG_DAEMON_MAX_CONF]; /* absolute, malloc'd */
	size_t nconf;
} yg_daemon_files;
int yg_daemon_files_get(yg_daemon_files *f, const char *prog, const char *home_flag,
                        const char *const *conf, size_t nconf, const char *hint);
void yg_daemon_files_free(yg_daemon_files *f);

typedef struct yg_log yg_log;
struct pollfd;

typedef struct yg_daemon {
	/* set by the caller */
	const char *name;    /* "yagura manager": stderr messages */
	const char *what;    /* "manager": "another manager (pid N) runs on HOME" */
	const char *ident;   /* "yagura-manager": the log's writer */
	const char *log_rel; /* "logs/yagura.log" */
	const char *pid_rel; /* "var/run/yagura.pid" */
	const char *home;    /* absolute */
	bool foreground;     /* -f: no fork, messages also on stderr */
	bool usr1;           /* SIGUSR1 is a request too (yg_daemon_take_usr1) */
	int msg_init;        /* the number of the start-up messages */
	/* set by the skeleton */
	yg_log *log; /* the daemon's own log (yg_daemon_open_log) */
	int pid_fd;  /* the locked pid file, -1 */
	bool pid_written;
	long long wd_ms, last_wd; /* systemd's watchdog: ping period, last ping */
} yg_daemon;

/* Makes HOME/logs and opens the log (the journal under systemd). false,
 * with the reason on stderr, when it cannot. */
bool yg_daemon_open_log(yg_daemon *d);
/* Everything between reading the configuration and opening the parts (see
 * the top of this file). false, with the reason on stderr and in the log,
 * when the daemon must not run (another holds the home, fork failed). */
bool yg_daemon_start(yg_daemon *d);
/* Removes the pid file the daemon wrote and releases its lock. */
void yg_daemon_stop(yg_daemon *d);

/* False once SIGTERM or SIGINT came. */
bool yg_daemon_running(void);
/* True once per SIGHUP (SIGUSR1) received since the last call. */
bool yg_daemon_take_hup(void);
bool yg_daemon_take_usr1(void);
/* Pings systemd's watchdog when due, then waits (ppoll) for fds or
 * timeout_ms with the daemon's signals unblocked, so none is lost between
 * a check and the wait. ppoll's result; EINTR is 0. */
int yg_daemon_wait(yg_daemon *d, struct pollfd *fds, size_t n, int timeout_ms);

/* ---- the agent's identity (HOME/etc/agent.id) ---- */

/* Writes "<id> <name>\n" to path (a temporary file the caller renames):
 * false on an I/O error. */
bool yg_agent_id_write(const char *path, const char *id, const char *name);
/* Reads HOME/etc/agent.id: id (digits, < idsz bytes) and name (not empty,
 * < namesz bytes). false when it is missing or not in that form. */
bool yg_agent_id_read(const char *home, char *id, size_t idsz, char *name, size_t namesz);

#endif
