/* yproc.h: starting a child process, the one place yagura does it.
 *
 * Active-response scripts, the built-in ban's verify and reload commands and
 * custom-* integration scripts all start here, so this is the file a security
 * reviewer reads. A child is started with fork + execve, never a shell, and:
 *   - only descriptors 0, 1 and 2 open (each the caller's choice: /dev/null,
 *     a pipe back to the caller, or a descriptor the caller gives), so no
 *     socket, database or key of the manager reaches it;
 *   - a cleared environment: YG_PROC_SAFE_ENV unless the caller gives one;
 *   - every signal at its default disposition and none blocked (the parent's
 *     threads block some);
 *   - its own process group (or session), so yg_proc_kill ends whatever it
 *     started too;
 *   - an execve failure reported to the caller with its errno, through a
 *     close-on-exec pipe, instead of a child that just exits 127.
 * Deadlines are the caller's: yg_proc_reap never blocks, yg_proc_kill does
 * only until the killed group's leader is reaped. */
#ifndef YAGURA_YPROC_H
#define YAGURA_YPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/yerr.h"

/* What a child's environment holds when the caller gives none. */
#define YG_PROC_SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef enum yg_proc_io_kind {
	YG_PROC_DEVNULL = 0, /* /dev/null */
	YG_PROC_PIPE,        /* a pipe; the caller's end is in yg_proc */
	YG_PROC_FD,          /* the descriptor in `fd` (not closed here) */
} yg_proc_io_kind;

typedef struct yg_proc_io {
	yg_proc_io_kind kind;
	int fd; /* YG_PROC_FD only */
} yg_proc_io;

typedef struct yg_proc_spec {
	const char *path;  /* the program: an absolute path (no PATH search) */
	char *const *argv; /* NULL: {path, NULL} */
	char *const *envp; /* NULL: {"PATH=" YG_PROC_SAFE_PATH, "LC_ALL=C"} */
	const char *cwd;   /* NULL: the caller's */
	yg_proc_io stdin_, stdout_, stderr_;
	bool new_session; /* setsid(); otherwise a process group of its own */
} yg_proc_spec;

typedef struct yg_proc {
	pid_t pid; /* 0 once reaped */
	int pidfd; /* pidfd_open's descriptor, -1 when unavailable */
	/* The caller's ends of YG_PROC_PIPE streams (close-on-exec and
	 * non-blocking), -1 for the others. */
	int in_fd, out_fd, err_fd;
} yg_proc;

/* Starts spec->path. YG_OK with *p filled; YG_EIO with the reason in err
 * ("cannot start: ..." when a pipe or fork failed, "cannot execute: ..."
 * with the child's execve errno); YG_EINVAL for a spec without an absolute
 * path. On failure nothing is left open or running. */
yg_err yg_proc_spawn(const yg_proc_spec *spec, yg_proc *p, char *err, size_t errlen);

/* Reaps the child if it has exited: true with its wait status in *status
 * (p->pid becomes 0), false while it runs. Never blocks. */
bool yg_proc_reap(yg_proc *p, int *status);

/* Kills the child's whole process group with SIGKILL and reaps it;
 * *status (may be NULL) gets the wait status. Nothing when already reaped. */
void yg_proc_kill(yg_proc *p, int *status);

/* Closes the caller's pipe ends and the pidfd (not the process). */
void yg_proc_close(yg_proc *p);

/* A wait status as one number: the exit status, or 128 + the signal. */
int yg_proc_exit_code(int status);

/* Finds an executable regular file for name on YG_PROC_SAFE_PATH (name
 * with a '/' is taken as it is) into buf; false when there is none. */
bool yg_proc_find(const char *name, char *buf, size_t bufsz);

#endif
