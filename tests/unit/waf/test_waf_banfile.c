/* test_waf_banfile.c: rendering, atomic rewrite, verify/reload commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "waf/banfile.h"

typedef struct fixture {
	char dir[64];
	char ban[128], verify[128], reload[128], count[128];
} fixture;

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

/* The file's content in a static buffer ("<none>" when absent). */
static const char *slurp(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;
	if (!fp)
		return "<none>";
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char script[512];
	snprintf(f->dir, sizeof(f->dir), "/tmp/yg_waf_bf_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->ban, sizeof(f->ban), "%s/banned_ips", f->dir);
	snprintf(f->verify, sizeof(f->verify), "%s/verify.sh", f->dir);
	snprintf(f->reload, sizeof(f->reload), "%s/reload.sh", f->dir);
	snprintf(f->count, sizeof(f->count), "%s/reloads", f->dir);
	/* verify refuses a file listing 192.0.2.66, like nginx -t on a bad file */
	snprintf(script, sizeof(script),
	         "#!/bin/sh\nif grep -q '^192.0.2.66$' %s; then echo 'bad ban file' >&2; exit 3; "
	         "fi\n",
	         f->ban);
	write_text(f->verify, script, 0755);
	snprintf(script, sizeof(script), "#!/bin/sh\necho reload >> %s\n", f->count);
	write_text(f->reload, script, 0755);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int count_lines(const char *path)
{
	const char *s = slurp(path);
	int n = 0;
	if (strcmp(s, "<none>") == 0)
		return 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Files in the directory other than the scripts and the ban file. */
static int stray_files(const fixture *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

static yg_waf_ban_list bans(const char *const *addrs, size_t n)
{
	yg_waf_ban_list l = {calloc(n ? n : 1, sizeof(yg_waf_ban)), n};
	for (size_t i = 0; i < n; i++)
		snprintf(l.v[i].address, sizeof(l.v[i].address), "%s", addrs[i]);
	return l;
}

static void test_render(void **state)
{
	static const char *in[] = {"198.51.100.7", "2001:db8::1", "192.0.2.1",   "192.0.2.1",
	                           "127.0.0.3",    "10.0.0.0/8",  "1.2.3.4; id", "0.0.0.0/0"};
	yg_waf_ban_list l = bans(in, 8);
	yg_waf_allow *allow = yg_waf_allow_create();
	yg_buf b;
	size_t w, r;
	(void)state;
	assert_int_equal(yg_waf_allow_add(allow, "127.0.0.3"), YG_OK);
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_waf_banfile_render(&l, allow, &b, &w, &r), YG_OK);
	assert_int_equal(w, 4);
	assert_int_equal(r, 3);
	const char *body = strstr(b.data, "\n10.");
	assert_non_null(body);
	assert_int_equal(b.data[0], '#');
	assert_string_equal(body + 1, "10.0.0.0/8\n192.0.2.1\n198.51.100.7\n2001:db8::1\n");
	yg_buf_free(&b);
	yg_waf_allow_destroy(allow);
	yg_waf_ban_list_free(&l);
}

static void test_atomic_write(void **state)
{
	fixture *f = *state;
	struct stat sb;
	assert_int_equal(yg_waf_banfile_write(f->ban, "a\n", 2), YG_OK);
	assert_string_equal(slurp(f->ban), "a\n");
	assert_int_equal(yg_waf_banfile_write(f->ban, "b\nc\n", 4), YG_OK);
	assert_string_equal(slurp(f->ban), "b\nc\n");
	assert_int_equal(stat(f->ban, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(stray_files(f), 0);
	/* a directory that does not exist: error, nothing left behind */
	assert_int_equal(yg_waf_banfile_write("/nonexistent/dir/file", "x", 1), YG_EIO);
}

static yg_waf_action *make(fixture *f, bool verify, const char *const *reload_argv,
                           const yg_waf_allow *allow)
{
	const char *v[] = {f->verify, NULL};
	const char *r[] = {f->reload, NULL};
	yg_waf_action_opts o = {.ban_file = f->ban,
	                        .verify_argv = verify ? v : NULL,
	                        .reload_argv = reload_argv ? reload_argv : r,
	                        .command_timeout_ms = 2000,
	                        .allow = allow};
	yg_waf_action *a;
	assert_int_equal(yg_waf_action_create(&o, &a), YG_OK);
	return a;
}

static void test_apply_and_skip(void **state)
{
	fixture *f = *state;
	static const char *in[] = {"192.0.2.1", "127.0.0.3"};
	yg_waf_ban_list l = bans(in, 2);
	yg_waf_allow *allow = yg_waf_allow_create();
	yg_waf_apply_report rep;
	assert_int_equal(yg_waf_allow_add(allow, "127.0.0.0/24"), YG_OK);
	yg_waf_action *a = make(f, true, NULL, allow);
	yg_waf_allow_destroy(allow); /* the action keeps its own copy */
	assert_true(yg_waf_action_pending(a));
	assert_int_equal(yg_waf_action_apply(a, &l, 0, &rep), YG_OK);
	assert_true(rep.changed && rep.verify_ok && rep.reload_ok);
	assert_int_equal(rep.written, 1);
	assert_int_equal(rep.refused, 1);
	assert_non_null(strstr(slurp(f->ban), "\n192.0.2.1\n"));
	assert_null(strstr(slurp(f->ban), "127.0.0.3"));
	assert_int_equal(count_lines(f->count), 1);
	assert_false(yg_waf_action_pending(a));
	/* same set: no rewrite, no reload */
	assert_int_equal(yg_waf_action_apply(a, &l, 0, &rep), YG_OK);
	assert_false(rep.changed);
	assert_false(rep.reload_ran);
	assert_int_equal(count_lines(f->count), 1);
	/* empty set: a file with the header only */
	assert_int_equal(yg_waf_action_apply(a, NULL, 0, &rep), YG_OK);
	assert_true(rep.changed);
	assert_int_equal(rep.written, 0);
	assert_null(strstr(slurp(f->ban), "192.0.2.1"));
	assert_int_equal(count_lines(f->count), 2);
	yg_waf_action_destroy(a);
	yg_waf_ban_list_free(&l);
}

static void test_verify_failure_restores(void **state)
{
	fixture *f = *state;
	static const char *good[] = {"192.0.2.1"}, *bad[] = {"192.0.2.1", "192.0.2.66"};
	yg_waf_ban_list lg = bans(good, 1), lb = bans(bad, 2);
	yg_waf_apply_report rep;
	char before[8192];
	yg_waf_action *a = make(f, true, NULL, NULL);
	assert_int_equal(yg_waf_action_apply(a, &lg, 0, &rep), YG_OK);
	snprintf(before, sizeof(before), "%s", slurp(f->ban));
	assert_int_equal(yg_waf_action_apply(a, &lb, 0, &rep), YG_EIO);
	assert_true(rep.verify_ran);
	assert_false(rep.verify_ok);
	assert_true(rep.restored);
	assert_false(rep.reload_ran);
	assert_int_equal(rep.verify.exit_status, 3);
	assert_non_null(strstr(rep.verify.err, "bad ban file"));
	assert_non_null(strstr(rep.error, "verify command"));
	assert_string_equal(slurp(f->ban), before);
	assert_int_equal(count_lines(f->count), 1);
	assert_true(yg_waf_action_pending(a));
	assert_int_equal(stray_files(f), 0);
	/* with no previous file, a failed verify leaves no file */
	yg_waf_action_destroy(a);
	unlink(f->ban);
	a = make(f, true, NULL, NULL);
	assert_int_equal(yg_waf_action_apply(a, &lb, 0, &rep), YG_EIO);
	assert_true(rep.restored);
	assert_string_equal(slurp(f->ban), "<none>");
	yg_waf_action_destroy(a);
	yg_waf_ban_list_free(&lg);
	yg_waf_ban_list_free(&lb);
}

static void test_reload_failure(void **state)
{
	fixture *f = *state;
	static const char *in[] = {"192.0.2.1"};
	const char *fail_argv[] = {"/bin/sh", "-c", "echo 'no such pid' >&2; exit 1", NULL};
	const char *missing_argv[] = {"/nonexistent/nginx", "-s", "reload", NULL};
	const char *slow_argv[] = {"sleep", "30", NULL};
	yg_waf_ban_list l = bans(in, 1);
	yg_waf_apply_report rep;
	yg_waf_action *a = make(f, false, fail_argv, NULL);
	assert_int_equal(yg_waf_action_apply(a, &l, 0, &rep), YG_EIO);
	assert_true(rep.reload_ran);
	assert_false(rep.reload_ok);
	assert_int_equal(rep.reload.exit_status, 1);
	assert_string_equal(rep.reload.err, "no such pid\n");
	assert_non_null(strstr(rep.error, "reload command: failed (exit 1): no such pid"));
	assert_true(yg_waf_action_pending(a));
	/* the content did not change, but the reload is retried */
	assert_int_equal(yg_waf_action_apply(a, &l, 0, &rep), YG_EIO);
	assert_true(rep.reload_ran);
	yg_waf_action_destroy(a);

	a = make(f, false, missing_argv, NULL);
	assert_int_equal(yg_waf_action_apply(a, &l, 0, &rep), YG_EIO);
	assert_false(rep.reload.ran);
	assert_non_null(strstr(rep.reload.err, "not found"));
	yg_waf_action_destroy(a);

	const char *const *argv = slow_argv;
	yg_waf_action_opts o = {.ban_file = f->ban, .reload_argv = argv, .command_timeout_ms = 300};
	assert_int_equal(yg_waf_action_create(&o, &a), YG_OK);
	assert_int_equal(yg_waf_action_apply(a, &l, 0, &rep), YG_EIO);
	assert_true(rep.reload.timed_out);
	assert_int_equal(rep.reload.exit_status, 128 + 9);
	yg_waf_action_destroy(a);
	yg_waf_ban_list_free(&l);
}

static void test_exec_no_shell(void **state)
{
	fixture *f = *state;
	char marker[256], arg[300];
	yg_waf_cmd_result r;
	(void)f;
	snprintf(marker, sizeof(marker), "%s/pwned", f->dir);
	snprintf(arg, sizeof(arg), "x; touch %s", marker);
	const char *argv[] = {"echo", arg, "$(touch /tmp/yg_waf_never)", NULL};
	assert_int_equal(yg_waf_exec(argv, 2000, &r), YG_OK);
	assert_int_equal(access(marker, F_OK), -1);
	assert_int_equal(access("/tmp/yg_waf_never", F_OK), -1);
	const char *empty[] = {NULL};
	assert_int_equal(yg_waf_exec(empty, 100, &r), YG_EINVAL);
}

static void test_nft_names(void **state)
{
	fixture *f = *state;
	yg_waf_action *a;
	yg_waf_action_opts o = {.ban_file = f->ban,
	                        .nftables = true,
	                        .nft_family = "inet",
	                        .nft_table = "yagura; flush ruleset",
	                        .nft_set = "banned"};
	assert_int_equal(yg_waf_action_create(&o, &a), YG_EINVAL);
	o.nft_table = "yagura";
	assert_int_equal(yg_waf_action_create(&o, &a), YG_OK);
	yg_waf_action_destroy(a);
	o.ban_file = NULL;
	assert_int_equal(yg_waf_action_create(&o, &a), YG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_render),
	        cmocka_unit_test_setup_teardown(test_atomic_write, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_apply_and_skip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_verify_failure_restores, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reload_failure, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_exec_no_shell, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_nft_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
