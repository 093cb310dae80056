/* execd_int.h: pieces of the executor shared by execd.c, execd_spawn.c
 * (validating and starting programs) and execd_store.c (pending deletes). */
#ifndef YAGURA_EXECD_INT_H
#define YAGURA_EXECD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/yerr.h"
#include "store/execd.h"

/* The prefix of parameters.program: Wazuh's AR_BINDIR, relative to home. */
#define EX_PROGRAM_PREFIX "active-response/bin/"

/* ---- execd_spawn.c ---- */

/* Checks parameters.program and resolves it: it must be EX_PROGRAM_PREFIX
 * followed by a plain name whose realpath lies directly in bin_real (the
 * realpath of ar_bin_dir) and is a regular executable file. On success
 * *abs is the malloc'd real path. On refusal returns YG_EINVAL with a
 * reason in err. */
yg_err ex_resolve_program(const char *bin_real, const char *program, char **abs, char *err,
                          size_t errlen);

typedef struct ex_proc {
	pid_t pid;
	int pidfd;  /* -1 when pidfd_open is unavailable */
	int in_fd;  /* our end of the child's stdin (non-blocking) */
	int out_fd; /* our end of its stdout, -1 when it goes to /dev/null */
	int err_fd; /* our end of its stderr */
} ex_proc;

/* Starts `path` (common/yproc.h) with argv [path], env [PATH=/usr/bin:/bin],
 * cwd `cwd`, a new session, default signals and only fds 0-2. bind_stdout
 * false sends stdout to /dev/null. Returns YG_EIO with the reason in err
 * when fork or execve failed (the child's execve errno is reported back). */
yg_err ex_spawn(const char *path, const char *cwd, bool bind_stdout, ex_proc *out, char *err,
                size_t errlen);

/* Writes without ever raising SIGPIPE in the caller; returns bytes written,
 * 0 on EAGAIN, -1 on error (EPIPE: the child closed its stdin). */
ssize_t ex_write_nosigpipe(int fd, const char *buf, size_t len);

/* The timeout list on disk: store/execd.h. */

#endif
