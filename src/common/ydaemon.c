/* ydaemon.c: see ydaemon.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/ydaemon.h"

const char *yg_home_choose(const char *flag)
{
	if (flag && *flag)
		return flag;
	const char *env = getenv("YAGURA_HOME");
	return env && *env ? env : YG_HOME_DEFAULT;
}

bool yg_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, 0750) != 0 && errno != EEXIST)
				return false;
			buf[i] = c;
		}
	}
	return true;
}

bool yg_path_join(char *out, size_t n, const char *home, const char *rel)
{
	int w = snprintf(out, n, "%s/%s", home, rel);
	return w > 0 && (size_t)w < n;
}

long long yg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int yg_pidfile_lock(const char *home, const char *rel, long *other)
{
	char path[PATH_MAX], dir[PATH_MAX];
	if (!yg_path_join(path, sizeof(path), home, rel))
		return -1;
	memcpy(dir, path, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (!yg_mkdirs(dir))
			return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET}; /* the whole file */
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		if (errno != EAGAIN && errno != EACCES) {
			close(fd);
			return -1;
		}
		char buf[32] = "";
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		*other = n > 0 ? strtol(buf, NULL, 10) : 0;
		close(fd);
		return -2;
	}
	return fd;
}

long yg_pidfile_holder(const char *home, const char *rel)
{
	char path[PATH_MAX];
	if (!yg_path_join(path, sizeof(path), home, rel))
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* F_OFD_GETLK only asks: nothing is locked, so a daemon starting at
	 * this instant is never refused because of us */
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	long pid = -1;
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0) {
		pid = 0;
		char buf[32] = "";
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		long v = strtol(buf, NULL, 10);
		/* held, and by the process the file names (a pid file copied
		 * from elsewhere, or not written yet, says nothing) */
		if (fl.l_type != F_UNLCK && v > 1 && (kill((pid_t)v, 0) == 0 || errno == EPERM))
			pid = v;
	}
	close(fd);
	return pid;
}

bool yg_pidfile_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	return ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) == n;
}

bool yg_daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return true;
}

bool yg_raise_nofile(unsigned long long *before, unsigned long long *after)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	if (before)
		*before = (unsigned long long)rl.rlim_cur;
	bool ok = true;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		ok = setrlimit(RLIMIT_NOFILE, &rl) == 0;
		if (!ok)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (after)
		*after = (unsigned long long)rl.rlim_cur;
	return ok;
}
