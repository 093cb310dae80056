/* test_yproc.c: starting child processes (src/common/yproc.h), with real
 * children: what they inherit, what they are told, how they end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/yproc.h"

/* Everything the child writes to its stdout pipe, until EOF. */
static char *read_all(int fd)
{
	static char buf[65536];
	size_t len = 0;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 10000) <= 0)
			break;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

static int run_to_end(yg_proc *p)
{
	int status = 0;
	for (int i = 0; i < 1000 && !yg_proc_reap(p, &status); i++)
		usleep(10000);
	assert_int_equal(p->pid, 0);
	return yg_proc_exit_code(status);
}

/* Only 0, 1 and 2 reach the child, whatever the parent has open. */
static void only_stdio_is_inherited(void **state)
{
	(void)state;
	int leak = open("/dev/null", O_RDONLY); /* not close-on-exec */
	assert_true(leak > 2);
	char *argv[] = {"/bin/sh", "-c", "ls /proc/$$/fd", NULL};
	yg_proc_spec spec = {.path = "/bin/sh", .argv = argv, .stdout_ = {YG_PROC_PIPE, -1}};
	yg_proc p;
	char err[256];
	assert_int_equal(yg_proc_spawn(&spec, &p, err, sizeof err), YG_OK);
	char *out = read_all(p.out_fd);
	assert_int_equal(run_to_end(&p), 0);
	yg_proc_close(&p);
	char want[32];
	snprintf(want, sizeof want, "\n%d\n", leak);
	assert_null(strstr(out, want));
	assert_non_null(strstr(out, "0\n1\n2\n"));
	close(leak);
}

/* The environment is the safe one, not the parent's. */
static void environment_is_cleared(void **state)
{
	(void)state;
	setenv("YG_SECRET_OF_THE_PARENT", "x", 1);
	char *argv[] = {"/usr/bin/env", NULL};
	yg_proc_spec spec = {.path = "/usr/bin/env", .argv = argv, .stdout_ = {YG_PROC_PIPE, -1}};
	yg_proc p;
	char err[256];
	assert_int_equal(yg_proc_spawn(&spec, &p, err, sizeof err), YG_OK);
	char *out = read_all(p.out_fd);
	assert_int_equal(run_to_end(&p), 0);
	yg_proc_close(&p);
	assert_string_equal(out, "PATH=" YG_PROC_SAFE_PATH "\nLC_ALL=C\n");
}

/* A program that cannot be executed is an error with its reason, not a
 * child exiting 127; a relative path is refused before any fork. */
static void exec_failure_is_reported(void **state)
{
	(void)state;
	yg_proc_spec spec = {.path = "/nonexistent/program"};
	yg_proc p;
	char err[256];
	assert_int_equal(yg_proc_spawn(&spec, &p, err, sizeof err), YG_EIO);
	assert_non_null(strstr(err, "cannot execute /nonexistent/program"));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(p.pid, 0);
	spec.path = "bin/sh";
	assert_int_equal(yg_proc_spawn(&spec, &p, err, sizeof err), YG_EINVAL);
}

/* yg_proc_kill ends the whole process group: what the child started too. */
static void kill_ends_the_group(void **state)
{
	(void)state;
	char *argv[] = {"/bin/sh", "-c", "sleep 60 & sleep 60", NULL};
	yg_proc_spec spec = {.path = "/bin/sh", .argv = argv};
	yg_proc p;
	char err[256];
	assert_int_equal(yg_proc_spawn(&spec, &p, err, sizeof err), YG_OK);
	pid_t group = p.pid;
	usleep(200000);
	int status = 0;
	assert_false(yg_proc_reap(&p, &status));
	yg_proc_kill(&p, &status);
	assert_int_equal(p.pid, 0);
	assert_int_equal(yg_proc_exit_code(status), 128 + SIGKILL);
	/* the background sleep was in the group: gone once init reaps it */
	int gone = 0;
	for (int i = 0; i < 200 && !gone; i++) {
		gone = kill(-group, 0) != 0 && errno == ESRCH;
		if (!gone)
			usleep(10000);
	}
	assert_true(gone);
	yg_proc_close(&p);
}

/* Signals the parent blocks are not blocked in the child. */
static void signals_are_reset(void **state)
{
	(void)state;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	char *argv[] = {"/bin/sh", "-c", "grep SigBlk /proc/self/status", NULL};
	yg_proc_spec spec = {.path = "/bin/sh", .argv = argv, .stdout_ = {YG_PROC_PIPE, -1}};
	yg_proc p;
	char err[256];
	assert_int_equal(yg_proc_spawn(&spec, &p, err, sizeof err), YG_OK);
	char *out = read_all(p.out_fd);
	assert_int_equal(run_to_end(&p), 0);
	yg_proc_close(&p);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_non_null(strstr(out, "SigBlk:\t0000000000000000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(only_stdio_is_inherited),
	        cmocka_unit_test(environment_is_cleared),
	        cmocka_unit_test(exec_failure_is_reported),
	        cmocka_unit_test(kill_ends_the_group),
	        cmocka_unit_test(signals_are_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
