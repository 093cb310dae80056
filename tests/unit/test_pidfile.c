/* test_pidfile.c: the pid-file lock of the daemons and the one check of
 * whether a daemon runs (src/common/ydaemon.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ydaemon.h"

#define REL "var/run/test.pid"

static char home[PATH_MAX];

static int make_home(void **state)
{
	(void)state;
	snprintf(home, sizeof(home), "/tmp/yg-pidfile-XXXXXX");
	return mkdtemp(home) ? 0 : -1;
}

static int remove_home(void **state)
{
	(void)state;
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/%s", home, REL);
	unlink(p);
	snprintf(p, sizeof(p), "%s/var/run", home);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/var", home);
	rmdir(p);
	return rmdir(home);
}

static void holder_follows_the_lock(void **state)
{
	(void)state;
	assert_int_equal(yg_pidfile_holder(home, REL), 0); /* no file */
	long other = 0;
	int fd = yg_pidfile_lock(home, REL, &other);
	assert_true(fd >= 0);
	/* locked, but no pid written yet: nothing to name */
	assert_int_equal(yg_pidfile_holder(home, REL), 0);
	assert_true(yg_pidfile_write(fd));
	assert_int_equal(yg_pidfile_holder(home, REL), (long)getpid());
	/* a second daemon is refused and told who runs */
	assert_int_equal(yg_pidfile_lock(home, REL, &other), -2);
	assert_int_equal(other, (long)getpid());
	close(fd);
	/* the file stays, the lock does not */
	assert_int_equal(yg_pidfile_holder(home, REL), 0);
	fd = yg_pidfile_lock(home, REL, &other);
	assert_true(fd >= 0);
	close(fd);
}

/* Asking takes no lock: a daemon may start while someone asks. */
static void asking_never_blocks_a_start(void **state)
{
	(void)state;
	long other = 0;
	int fd = yg_pidfile_lock(home, REL, &other);
	assert_true(fd >= 0);
	assert_true(yg_pidfile_write(fd));
	for (int i = 0; i < 100; i++)
		assert_int_equal(yg_pidfile_holder(home, REL), (long)getpid());
	close(fd);
	fd = yg_pidfile_lock(home, REL, &other);
	assert_true(fd >= 0);
	close(fd);
}

/* The lock belongs to the open file, so a forked daemon keeps it after its
 * parent exits (yg_daemonize). */
static void lock_survives_fork(void **state)
{
	(void)state;
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long other = 0;
		int fd = yg_pidfile_lock(home, REL, &other);
		pid_t grandchild = fd >= 0 ? fork() : -1;
		if (grandchild == 0) {
			yg_pidfile_write(fd);
			char c = 'x';
			(void)!write(pipefd[1], &c, 1);
			pause(); /* until the test kills it */
			_exit(0);
		}
		_exit(grandchild > 0 ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char c;
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	long h = yg_pidfile_holder(home, REL);
	assert_true(h > 1 && h != (long)getpid() && h != (long)pid);
	long other = 0;
	assert_int_equal(yg_pidfile_lock(home, REL, &other), -2);
	assert_int_equal(other, h);
	kill((pid_t)h, SIGKILL);
	close(pipefd[0]);
	close(pipefd[1]);
	/* the lock goes with the process; wait for the kernel to see it */
	for (int i = 0; i < 500 && yg_pidfile_holder(home, REL) != 0; i++)
		usleep(10000);
	assert_int_equal(yg_pidfile_holder(home, REL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(holder_follows_the_lock),
	        cmocka_unit_test(asking_never_blocks_a_start),
	        cmocka_unit_test(lock_survives_fork),
	};
	return cmocka_run_group_tests(tests, make_home, remove_home);
}
