/* execd_spawn.c: which program may run, and running it without a shell. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ar/execd_int.h"
#include "common/yproc.h"

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

yg_err ex_spawn(const char *path, const char *cwd, bool bind_stdout, ex_proc *out, char *err,
                size_t errlen)
{
	char *envp[] = {(char *)"PATH=/usr/bin:/bin", NULL};
	yg_proc_spec spec = {.path = path,
	                     .envp = envp,
	                     .cwd = cwd,
	                     .stdin_ = {YG_PROC_PIPE, -1},
	                     .stdout_ = {bind_stdout ? YG_PROC_PIPE : YG_PROC_DEVNULL, -1},
	                     .stderr_ = {YG_PROC_PIPE, -1},
	                     .new_session = true};
	yg_proc p;
	yg_err e = yg_proc_spawn(&spec, &p, err, errlen);
	*out = (ex_proc){.pid = e ? -1 : p.pid,
	                 .pidfd = p.pidfd,
	                 .in_fd = p.in_fd,
	                 .out_fd = p.out_fd,
	                 .err_fd = p.err_fd};
	return e == YG_EINVAL ? YG_EIO : e;
}
