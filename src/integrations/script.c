/* script.c: custom-* scripts, run as integratord runs them (see script.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/yproc.h"
#include "integrations/script.h"

struct yg_intg_script {
	yg_proc proc; /* proc.pid is 0 once reaped */
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
	int out_fd = -1;
	char tmo[16], rtr[16];
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
	/* Wazuh's integratord gives the script the daemon's environment; here it
	 * gets the safe one (PATH, LC_ALL): a script finds its interpreter, and
	 * nothing of the manager's environment leaks into it. */
	yg_proc_spec spec = {.path = a->path,
	                     .argv = argv,
	                     .stdout_ = {YG_PROC_FD, out_fd},
	                     .stderr_ = {YG_PROC_FD, out_fd}};
	yg_proc proc;
	yg_err rc = yg_proc_spawn(&spec, &proc, err, errlen);
	close(out_fd);
	if (rc != YG_OK) {
		remove_files(s);
		free(s);
		return YG_EIO;
	}
	yg_proc_close(&proc); /* no pipes; the pidfd is not used here */
	s->proc = proc;
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
	int status = 0;
	if (!yg_proc_reap(&s->proc, &status)) {
		if (now_ms < s->deadline_ms)
			return false;
		yg_proc_kill(&s->proc, &status);
		s->timed_out = true;
	}
	*ok = false;
	if (s->timed_out)
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
	yg_proc_kill(&s->proc, NULL);
	remove_files(s);
	free(s);
}
