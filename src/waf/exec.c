/* exec.c: fork + execve with a deadline (see exec.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/yproc.h"
#include "waf/exec.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	char path[4096];
	yg_proc proc;
	int status = 0;
	size_t len = 0;
	bool open_pipe = true;
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	if (!argv || !argv[0] || !argv[0][0])
		return YG_EINVAL;
	if (!yg_proc_find(argv[0], path, sizeof(path))) {
		snprintf(res->err, sizeof(res->err), "%s: not found or not executable", argv[0]);
		return YG_EIO;
	}
	yg_proc_spec spec = {
	        .path = path, .argv = (char *const *)argv, .stderr_ = {YG_PROC_PIPE, -1}};
	if (yg_proc_spawn(&spec, &proc, res->err, sizeof(res->err)) != YG_OK)
		return YG_EIO;
	res->ran = true;
	while (!yg_proc_reap(&proc, &status)) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			yg_proc_kill(&proc, &status);
			res->timed_out = true;
			break;
		}
		if (open_pipe) {
			struct pollfd p = {.fd = proc.err_fd, .events = POLLIN};
			int wait = left < 20 ? (int)left : 20;
			if (poll(&p, 1, wait) > 0)
				open_pipe = drain(proc.err_fd, res, &len);
		} else {
			struct timespec ts = {0, 10 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	/* what the child wrote before it exited; a daemon it left behind that
	 * kept stderr open must not hold us */
	while (open_pipe && drain(proc.err_fd, res, &len) && len < sizeof(res->err) - 1) {
		struct pollfd p = {.fd = proc.err_fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0)
			break;
	}
	yg_proc_close(&proc);
	res->exit_status = yg_proc_exit_code(status);
	return res->exit_status == 0 && !res->timed_out ? YG_OK : YG_EIO;
}
