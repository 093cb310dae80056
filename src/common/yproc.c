/* yproc.c: starting a child process (see yproc.h). */
#include "common/yproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

bool yg_proc_find(const char *name, char *buf, size_t bufsz)
{
	struct stat sb;
	if (strchr(name, '/')) {
		size_t n = strlen(name);
		if (n >= bufsz || stat(name, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    access(name, X_OK) != 0)
			return false;
		memcpy(buf, name, n + 1);
		return true;
	}
	for (const char *p = YG_PROC_SAFE_PATH; *p;) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		int n = snprintf(buf, bufsz, "%.*s/%s", (int)dl, p, name);
		if (n > 0 && (size_t)n < bufsz && stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(buf, X_OK) == 0)
			return true;
		p += dl + (colon ? 1 : 0);
	}
	return false;
}

/* The descriptor the child gets as fd `which` (0, 1, 2): a pipe end, the
 * caller's descriptor or /dev/null; -1 with errno on failure. For a pipe,
 * *mine gets the caller's end. */
static int child_end(const yg_proc_io *io, int which, int *mine, int *theirs)
{
	int pfd[2];
	switch (io->kind) {
	case YG_PROC_PIPE:
		if (pipe2(pfd, O_CLOEXEC) != 0)
			return -1;
		*mine = which == 0 ? pfd[1] : pfd[0];
		*theirs = which == 0 ? pfd[0] : pfd[1];
		return *theirs;
	case YG_PROC_FD: return io->fd;
	case YG_PROC_DEVNULL:
	default:
		*theirs = open("/dev/null", (which == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		return *theirs;
	}
}

/* In the child, after fork: only async-signal-safe calls from here on.
 * Writes errno to errfd and exits 127 when something fails. */
static void child(const yg_proc_spec *spec, const int fds[3], int errfd, char *const argv[],
                  char *const envp[])
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	if (spec->new_session)
		setsid();
	else
		setpgid(0, 0);
	/* A daemon may run with 0-2 closed: move every source above 2 first so
	 * dup2 never meets itself (and never keeps a close-on-exec flag). */
	int src[3], err_pipe = errfd;
	if (err_pipe < 3)
		err_pipe = fcntl(err_pipe, F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		src[i] = fds[i] < 3 ? fcntl(fds[i], F_DUPFD, 3) : fds[i];
	if (err_pipe < 0 || src[0] < 0 || src[1] < 0 || src[2] < 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (dup2(src[i], i) < 0)
			goto fail;
	if (spec->cwd && chdir(spec->cwd) != 0)
		goto fail;
	/* nothing of the parent's survives but 0-2 and the error pipe, which
	 * execve closes */
	if (err_pipe > 3)
		syscall(SYS_close_range, 3u, (unsigned)err_pipe - 1, 0u);
	syscall(SYS_close_range, (unsigned)err_pipe + 1, ~0u, 0u);
	execve(spec->path, argv, envp);
fail:;
	int e = errno;
	ssize_t w = write(err_pipe >= 0 ? err_pipe : errfd, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* The child's execve errno, or 0 when it ran: read from the close-on-exec
 * pipe, which gives EOF on a successful execve. */
static int exec_errno(int fd)
{
	int e = 0;
	ssize_t n;
	do {
		n = read(fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static void set_nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

yg_err yg_proc_spawn(const yg_proc_spec *spec, yg_proc *p, char *err, size_t errlen)
{
	static char *const safe_env[] = {(char *)"PATH=" YG_PROC_SAFE_PATH, (char *)"LC_ALL=C",
	                                 NULL};
	char *const default_argv[] = {(char *)spec->path, NULL};
	char *const *argv = spec->argv ? spec->argv : default_argv;
	char *const *envp = spec->envp ? spec->envp : safe_env;
	const yg_proc_io *io[3] = {&spec->stdin_, &spec->stdout_, &spec->stderr_};
	int mine[3] = {-1, -1, -1}, theirs[3] = {-1, -1, -1}, fds[3], ep[2] = {-1, -1};
	*p = (yg_proc){.pid = 0, .pidfd = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1};
	if (!spec->path || spec->path[0] != '/') {
		snprintf(err, errlen, "not an absolute path: %s",
		         spec->path ? spec->path : "(none)");
		return YG_EINVAL;
	}
	for (int i = 0; i < 3; i++)
		if ((fds[i] = child_end(io[i], i, &mine[i], &theirs[i])) < 0)
			goto sys_fail;
	if (pipe2(ep, O_CLOEXEC) != 0)
		goto sys_fail;
	pid_t pid = fork();
	if (pid < 0)
		goto sys_fail;
	if (pid == 0)
		child(spec, fds, ep[1], argv, envp);
	if (!spec->new_session)
		setpgid(pid, pid); /* also here: no race with a kill of the group */
	for (int i = 0; i < 3; i++)
		close_fd(&theirs[i]);
	close_fd(&ep[1]);
	int e = exec_errno(ep[0]);
	close_fd(&ep[0]);
	if (e) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		for (int i = 0; i < 3; i++)
			close_fd(&mine[i]);
		snprintf(err, errlen, "cannot execute %s: %s", spec->path, strerror(e));
		return YG_EIO;
	}
	p->pid = pid;
#ifdef SYS_pidfd_open
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0)
		fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
#endif
	p->in_fd = mine[0];
	p->out_fd = mine[1];
	p->err_fd = mine[2];
	set_nonblock(p->in_fd);
	set_nonblock(p->out_fd);
	set_nonblock(p->err_fd);
	return YG_OK;

sys_fail:;
	int se = errno;
	snprintf(err, errlen, "cannot start %s: %s", spec->path, strerror(se));
	for (int i = 0; i < 3; i++) {
		close_fd(&mine[i]);
		close_fd(&theirs[i]);
	}
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	errno = se; /* callers tell a transient failure (EMFILE, EAGAIN) by it */
	return YG_EIO;
}

bool yg_proc_reap(yg_proc *p, int *status)
{
	int st = 0;
	if (p->pid <= 0)
		return true;
	pid_t r;
	do {
		r = waitpid(p->pid, &st, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return false;
	/* r < 0 (ECHILD: reaped elsewhere) counts as gone */
	p->pid = 0;
	if (status)
		*status = r > 0 ? st : 0;
	return true;
}

void yg_proc_kill(yg_proc *p, int *status)
{
	int st = 0;
	if (p->pid <= 0)
		return;
	kill(-p->pid, SIGKILL);
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->pid = 0;
	if (status)
		*status = st;
}

void yg_proc_close(yg_proc *p)
{
	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->pidfd);
}

int yg_proc_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}
