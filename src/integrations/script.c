/* script.c: custom-* scripts, run as integratord runs them (see script.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integrations/script.h"

extern char **environ;

struct yg_intg_script {
	pid_t pid; /* 0 once reaped */
	int64_t deadline_ms;
	bool timed_out;
	char alert_file[512];
	char opt_file[512];
	char out_file[512];
};

/* Creates "<dir>/<name>-XXXXXX<suffix>" (0600) holding data; path gets the
 * name. Returns false with errno set. */
static bool write_temp(char *path, size_t cap, const char *dir, const char *name,
                       const char *suffix, const char *data, size_t len, int *keep_fd)
{
	int n = snprintf(path, cap, "%s/%s-XXXXXX%s", dir, name, suffix);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		path[0] = '\0';
		return false;
	}
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		path[0] = '\0';
		return false;
	}
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return false;
		}
		data += w;
		len -= (size_t)w;
	}
	if (keep_fd)
		*keep_fd = fd;
	else if (close(fd) != 0)
		return false;
	return true;
}

static void remove_files(yg_intg_script *s)
{
	if (s->alert_file[0])
		unlink(s->alert_file);
	if (s->opt_file[0])
		unlink(s->opt_file);
	if (s->out_file[0])
		unlink(s->out_file);
}

yg_err yg_intg_script_start(const yg_intg_script_args *a, int64_t now_ms, yg_intg_script **out,
                            char *err, size_t errlen)
{
	yg_intg_script *s = calloc(1, sizeof(*s));
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int out_fd = -1, rc;
	char tmo[16], rtr[16];
	sigset_t all, none;
	if (!s)
		return YG_ENOMEM;
	if (!write_temp(s->alert_file, sizeof(s->alert_file), a->tmpdir, a->name, ".alert", a->body,
	                a->body_len, NULL) ||
	    (a->options && !write_temp(s->opt_file, sizeof(s->opt_file), a->tmpdir, a->name,
	                               ".options", a->options, strlen(a->options), NULL)) ||
	    !write_temp(s->out_file, sizeof(s->out_file), a->tmpdir, a->name, ".out", "", 0,
	                &out_fd)) {
		snprintf(err, errlen, "cannot write a file in %s: %s", a->tmpdir, strerror(errno));
		remove_files(s);
		free(s);
		return YG_EIO;
	}
	snprintf(tmo, sizeof(tmo), "%u", a->timeout);
	snprintf(rtr, sizeof(rtr), "%u", a->retries);
	char *argv[] = {(char *)a->path,
	                s->alert_file,
	                (char *)(a->api_key ? a->api_key : ""),
	                (char *)(a->hook_url ? a->hook_url : ""),
	                (char *)"",
	                s->opt_file,
	                tmo,
	                rtr,
	                NULL};
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
	                                        POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&s->pid, a->path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out_fd);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run %s: %s", a->path, strerror(rc));
		s->pid = 0;
		remove_files(s);
		free(s);
		return YG_EIO;
	}
	s->deadline_ms = now_ms + (int64_t)a->timeout * 1000;
	*out = s;
	return YG_OK;
}

/* Appends the last bytes the script printed, on one line, to err. */
static void output_tail(const yg_intg_script *s, char *err, size_t errlen)
{
	char buf[200];
	int fd = open(s->out_file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		off_t from = st.st_size > (off_t)sizeof(buf) - 1
		                     ? st.st_size - (off_t)sizeof(buf) + 1
		                     : 0;
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
		if (n > 0) {
			buf[n] = '\0';
			for (ssize_t i = 0; i < n; i++)
				if ((unsigned char)buf[i] < 0x20)
					buf[i] = ' ';
			size_t used = strlen(err);
			if (used < errlen)
				snprintf(err + used, errlen - used, ": %s", buf);
		}
	}
	close(fd);
}

bool yg_intg_script_poll(yg_intg_script *s, int64_t now_ms, bool *ok, char *err, size_t errlen)
{
	int status;
	pid_t r = waitpid(s->pid, &status, WNOHANG);
	if (r == 0) {
		if (now_ms < s->deadline_ms)
			return false;
		kill(-s->pid, SIGKILL);
		s->timed_out = true;
		r = waitpid(s->pid, &status, 0);
	}
	s->pid = 0;
	*ok = false;
	if (r < 0)
		snprintf(err, errlen, "waitpid: %s", strerror(errno));
	else if (s->timed_out)
		snprintf(err, errlen, "timed out: killed");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		*ok = true;
	else if (WIFEXITED(status))
		snprintf(err, errlen, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(err, errlen, "killed by signal %d",
		         WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (!*ok)
		output_tail(s, err, errlen);
	return true;
}

void yg_intg_script_free(yg_intg_script *s)
{
	if (!s)
		return;
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	remove_files(s);
	free(s);
}
