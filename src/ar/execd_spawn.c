/* execd_spawn.c: which program may run, and running it without a shell. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ar/execd_int.h"

#define NAME_MAX_LEN 255

yg_err ex_resolve_program(const char *bin_real, const char *program, char **abs, char *err,
                          size_t errlen)
{
	size_t plen = strlen(EX_PROGRAM_PREFIX);
	*abs = NULL;
	if (strncmp(program, EX_PROGRAM_PREFIX, plen) != 0) {
		snprintf(err, errlen, "program must be %sNAME", EX_PROGRAM_PREFIX);
		return YG_EINVAL;
	}
	const char *name = program + plen;
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > NAME_MAX_LEN || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "invalid program name");
		return YG_EINVAL;
	}
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '/' || c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "program name must be a plain file name");
			return YG_EINVAL;
		}
	}
	size_t blen = strlen(bin_real);
	size_t len = blen + 1 + nlen + 1;
	char *joined = malloc(len);
	if (!joined)
		return YG_ENOMEM;
	snprintf(joined, len, "%s/%s", bin_real, name);
	char *real = realpath(joined, NULL);
	int rerr = errno;
	free(joined);
	if (!real) {
		snprintf(err, errlen, "program not found: %s", strerror(rerr));
		return YG_EINVAL;
	}
	/* Directly inside the directory: a symlink may only point to a sibling. */
	const char *slash = strrchr(real, '/');
	if (!slash || (size_t)(slash - real) != blen || strncmp(real, bin_real, blen) != 0) {
		free(real);
		snprintf(err, errlen, "program resolves outside the active-response directory");
		return YG_EINVAL;
	}
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111) ||
	    access(real, X_OK) != 0) {
		free(real);
		snprintf(err, errlen, "program is not an executable regular file");
		return YG_EINVAL;
	}
	*abs = real;
	return YG_OK;
}

ssize_t ex_write_nosigpipe(int fd, const char *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	/* Was one already pending before us? Then it is not ours to take. */
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t n = write(fd, buf, len);
	int werr = errno;
	if (n < 0 && werr == EPIPE && !was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n < 0) {
		errno = werr;
		return werr == EAGAIN || werr == EWOULDBLOCK ? 0 : -1;
	}
	return n;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In the child, after fork: only async-signal-safe calls. Reports errno on
 * errfd and exits 127 when something fails. */
static void child(const char *path, const char *cwd, int in, int out, int errp, int errfd,
                  char *const argv[], char *const envp[])
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	setsid();
	/* A daemon may run with 0-2 closed: move every source above 2 first so
	 * dup2 never meets itself (and never keeps a close-on-exec flag). */
	if (errfd < 3)
		errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
	if (in < 3)
		in = fcntl(in, F_DUPFD, 3);
	if (out < 3)
		out = fcntl(out, F_DUPFD, 3);
	if (errp < 3)
		errp = fcntl(errp, F_DUPFD, 3);
	if (errfd < 0 || in < 0 || out < 0 || errp < 0)
		goto fail;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errp, 2) < 0)
		goto fail;
	if (chdir(cwd) != 0)
		goto fail;
	/* Nothing of the parent's survives but 0-2 and the (close-on-exec)
	 * error pipe. */
	if (errfd > 3)
		syscall(SYS_close_range, 3u, (unsigned)errfd - 1, 0u);
	syscall(SYS_close_range, (unsigned)errfd + 1, ~0u, 0u);
	execve(path, argv, envp);
fail:;
	int e = errno;
	ssize_t w = write(errfd, &e, sizeof(e));
	(void)w;
	_exit(127);
}

yg_err ex_spawn(const char *path, const char *cwd, bool bind_stdout, ex_proc *out, char *err,
                size_t errlen)
{
	int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1}, ep[2] = {-1, -1};
	int devnull = -1;
	out->pid = -1;
	out->pidfd = out->in_fd = out->out_fd = out->err_fd = -1;
	char *argv[] = {(char *)path, NULL};
	char *envp[] = {(char *)"PATH=/usr/bin:/bin", NULL};

	if (pipe2(in, O_CLOEXEC) || pipe2(e, O_CLOEXEC) || pipe2(ep, O_CLOEXEC))
		goto sys_fail;
	if (bind_stdout) {
		if (pipe2(o, O_CLOEXEC))
			goto sys_fail;
	} else {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull < 0)
			goto sys_fail;
	}
	pid_t pid = fork();
	if (pid < 0)
		goto sys_fail;
	if (pid == 0)
		child(path, cwd, in[0], bind_stdout ? o[1] : devnull, e[1], ep[1], argv, envp);

	close_fd(&in[0]);
	close_fd(&o[1]);
	close_fd(&e[1]);
	close_fd(&ep[1]);
	close_fd(&devnull);
	int child_errno = 0;
	ssize_t n;
	do {
		n = read(ep[0], &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	close_fd(&ep[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "cannot execute: %s", strerror(child_errno));
		close_fd(&in[1]);
		close_fd(&o[0]);
		close_fd(&e[0]);
		return YG_EIO;
	}
	out->pid = pid;
#ifdef SYS_pidfd_open
	out->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (out->pidfd >= 0)
		fcntl(out->pidfd, F_SETFD, FD_CLOEXEC);
#endif
	out->in_fd = in[1];
	out->out_fd = o[0];
	out->err_fd = e[0];
	int fds[3] = {in[1], o[0], e[0]};
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	return YG_OK;

sys_fail:;
	int se = errno;
	snprintf(err, errlen, "cannot start: %s", strerror(se));
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&o[0]);
	close_fd(&o[1]);
	close_fd(&e[0]);
	close_fd(&e[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	close_fd(&devnull);
	return YG_EIO;
}
