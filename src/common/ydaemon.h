/* ydaemon.h: what a yagura daemon (manager, agent) does around its loop:
 * its home's paths and directories, a locked pid file, detaching. */
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

#endif
