/* test_ylog.c: the daemons' log sink (common/ylog.h): file lines, the size
 * bound (FILE -> FILE.1), following a rename by logrotate, the journal only
 * when stderr really is the journal's stream, and the priorities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/ylog.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_ylog.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void test_line_format(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	char p[128];
	path_of(p, sizeof(p), "a.log");
	yg_log *l = NULL;
	assert_int_equal(yg_log_open(p, "yagura-test", 0, false, &l), YG_OK);
	assert_false(yg_log_to_journal(l));
	yg_log_write(l, YG_LOG_INFO, "INFO", 1001, "started (pid 1)");
	yg_log_close(l);
	char *s = slurp(p);
	assert_non_null(s);
	assert_non_null(strstr(s, " yagura-test: INFO: YG-1001 started (pid 1)\n"));
	assert_int_equal(s[4], '/'); /* YYYY/MM/DD */
}

static void test_size_bound(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	char p[128], p1[140];
	path_of(p, sizeof(p), "b.log");
	snprintf(p1, sizeof(p1), "%s.1", p);
	yg_log *l = NULL;
	assert_int_equal(yg_log_open(p, "t", 1000, false, &l), YG_OK);
	for (int i = 0; i < 40; i++)
		yg_log_write(l, YG_LOG_INFO, "INFO", 1, "0123456789012345678901234567890123456789");
	yg_log_close(l);
	struct stat st, st1;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(stat(p1, &st1), 0);
	/* the bound holds, give or take the line that crossed it */
	assert_true(st.st_size < 1000 + 128);
	assert_true(st1.st_size >= 1000 && st1.st_size < 1000 + 128);
}

static void test_follows_rename(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	char p[128], moved[140];
	path_of(p, sizeof(p), "c.log");
	snprintf(moved, sizeof(moved), "%s.rotated", p);
	yg_log *l = NULL;
	assert_int_equal(yg_log_open(p, "t", 0, false, &l), YG_OK);
	yg_log_write(l, YG_LOG_INFO, "INFO", 1, "before");
	assert_int_equal(rename(p, moved), 0);
	sleep(1); /* the path is looked at once a second at most */
	sleep(1);
	yg_log_write(l, YG_LOG_WARNING, "WARNING", 2, "after");
	yg_log_close(l);
	char *s = slurp(p);
	assert_non_null(s);
	assert_non_null(strstr(s, "YG-2 after"));
	assert_null(strstr(s, "before"));
	s = slurp(moved);
	assert_non_null(strstr(s, "YG-1 before"));
}

static void test_journal_only_for_its_stream(void **state)
{
	(void)state;
	char p[128];
	path_of(p, sizeof(p), "d.log");
	/* a variable inherited from a shell, not naming our stderr */
	setenv("JOURNAL_STREAM", "1:1", 1);
	yg_log *l = NULL;
	assert_int_equal(yg_log_open(p, "t", 0, false, &l), YG_OK);
	assert_false(yg_log_to_journal(l));
	yg_log_close(l);
	/* naming our stderr: the journal, and no file is made */
	struct stat st;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	char v[64];
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	path_of(p, sizeof(p), "e.log");
	assert_int_equal(yg_log_open(p, "t", 0, false, &l), YG_OK);
	assert_true(yg_log_to_journal(l));
	yg_log_close(l);
	assert_int_not_equal(access(p, F_OK), 0);
	unsetenv("JOURNAL_STREAM");
}

static void test_open_error_and_prio(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	yg_log *l = NULL;
	assert_int_equal(yg_log_open("/nonexistent-dir/x.log", "t", 0, false, &l), YG_EIO);
	assert_null(l);
	yg_log_close(NULL);
	assert_int_equal(yg_log_prio_of("ERROR"), YG_LOG_ERROR);
	assert_int_equal(yg_log_prio_of("WARNING"), YG_LOG_WARNING);
	assert_int_equal(yg_log_prio_of("INFO"), YG_LOG_INFO);
	assert_int_equal(yg_log_prio_of("DEBUG"), YG_LOG_DEBUG);
	/* without systemd these must be harmless */
	unsetenv("NOTIFY_SOCKET");
	yg_sd_ready("test");
	yg_sd_reloading();
	yg_sd_watchdog();
	yg_sd_stopping();
	assert_int_equal(yg_sd_watchdog_interval_ms(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_line_format),
	        cmocka_unit_test(test_size_bound),
	        cmocka_unit_test(test_follows_rename),
	        cmocka_unit_test(test_journal_only_for_its_stream),
	        cmocka_unit_test(test_open_error_and_prio),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
