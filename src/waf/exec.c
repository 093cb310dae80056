/* exec.c: fork + execve with a deadline (see exec.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "waf/exec.h"

#define SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define PATH_BUF 4096

/* Finds an executable for name (as execvp would, on SAFE_PATH) into buf.
 * False when there is none. */
static bool resolve(const char *name, char *buf, size_t bufsz)
{
	const char *p = SAFE_PATH;
	if (strchr(name, '/')) {
		if (strlen(name) >= bufsz || access(name, X_OK) != 0)
			return false;
		memcpy(buf, name, strlen(name) + 1);
		return true;
	}
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		int n = snprintf(buf, bufsz, "%.*s/%s", (int)dl, p, name);
		struct stat sb;
		if (n > 0 && (size_t)n < bufsz && stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(buf, X_OK) == 0)
			return true;
		p += dl + (colon ? 1 : 0);
	}
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's side: only async-signal-safe calls from here on. */
static void child(const char *path, char *const *argv, int errfd)
{
	static char *const envp[] = {(char *)"PATH=" SAFE_PATH, (char *)"LC_ALL=C", NULL};
	int null = open("/dev/null", O_RDWR);
	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(126);
	/* close everything else the (possibly multi-threaded) parent had open */
	if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close((int)fd);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the parent may block some */
	signal(SIGPIPE, SIG_DFL);
	execve(path, argv, envp);
	_exit(127);
}

/* Appends what is readable on fd to res->err (bounded); returns false at EOF
 * or error. */
static bool drain(int fd, yg_waf_cmd_result *res, size_t *len)
{
	char tmp[512];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	size_t room = sizeof(res->err) - 1 - *len;
	size_t take = (size_t)n < room ? (size_t)n : room;
	memcpy(res->err + *len, tmp, take);
	*len += take;
	res->err[*len] = '\0';
	return true;
}

yg_err yg_waf_exec(const char *const *argv, int timeout_ms, yg_waf_cmd_result *res)
{
	char path[PATH_BUF];
	int pfd[2];
	pid_t pid;
	int status = 0;
	size_t len = 0;
	bool open_pipe = true, exited = false;
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	if (!argv || !argv[0] || !argv[0][0])
		return YG_EINVAL;
	if (!resolve(argv[0], path, sizeof(path))) {
		snprintf(res->err, sizeof(res->err), "%s: not found or not executable", argv[0]);
		return YG_EIO;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(res->err, sizeof(res->err), "pipe: %s", strerror(errno));
		return YG_EIO;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(res->err, sizeof(res->err), "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return YG_EIO;
	}
	if (pid == 0)
		child(path, (char *const *)argv, pfd[1]);
	setpgid(pid, pid); /* also in the parent: no race with the kill below */
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	res->ran = true;
	while (!exited) {
		long long left = deadline - now_ms();
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			exited = true;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			res->timed_out = true;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			exited = true;
			break;
		}
		if (open_pipe) {
			struct pollfd p = {.fd = pfd[0], .events = POLLIN};
			int wait = left < 20 ? (int)left : 20;
			if (poll(&p, 1, wait) > 0)
				open_pipe = drain(pfd[0], res, &len);
		} else {
			struct timespec ts = {0, 10 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	/* what the child wrote before it exited; a daemon it left behind that
	 * kept stderr open must not hold us */
	while (open_pipe && drain(pfd[0], res, &len) && len < sizeof(res->err) - 1) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		if (poll(&p, 1, 0) <= 0)
			break;
	}
	close(pfd[0]);
	if (!exited) {
		snprintf(res->err + len, sizeof(res->err) - len, "waitpid: %s", strerror(errno));
		return YG_EIO;
	}
	if (WIFEXITED(status))
		res->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->exit_status = 128 + WTERMSIG(status);
	if (res->exit_status == 127 && len == 0)
		snprintf(res->err, sizeof(res->err), "%s: exec failed", path);
	return res->exit_status == 0 && !res->timed_out ? YG_OK : YG_EIO;
}
