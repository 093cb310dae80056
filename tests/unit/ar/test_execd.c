/* test_execd.c: the executor with real child processes: the article's
 * ip-block.sh and yara.sh (copied unchanged, paths replaced with sed as a
 * user would), hostile alert data, refused programs, the run timeout, the
 * check_keys exchange and deletes after the timeout and after a restart. */
#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ar/ar_dispatch.h"
#include "ar/execd.h"
#include "ar_test_util.h"

typedef struct res {
	yg_execd_outcome outcome;
	int exit_status, signal;
	char command[16];
	char error[256];
	char err_tail[2100];
	bool keys, aborted, scheduled;
} res;

typedef struct env {
	char home[64];
	char bin[128];
	char log[160];
	char db[160];
	res results[32];
	size_t nres;
} env;

static int64_t fake_now = 1700000000000;
static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void on_result(void *ctx, const yg_execd_result *r)
{
	env *e = ctx;
	assert_true(e->nres < 32);
	res *x = &e->results[e->nres++];
	x->outcome = r->outcome;
	x->exit_status = r->exit_status;
	x->signal = r->signal;
	snprintf(x->command, sizeof(x->command), "%s", r->command);
	snprintf(x->error, sizeof(x->error), "%s", r->error);
	snprintf(x->err_tail, sizeof(x->err_tail), "%s", r->stderr_tail);
	x->keys = r->keys_received;
	x->aborted = r->aborted;
	x->scheduled = r->delete_scheduled;
}

/* Runs argv (no shell) and waits; asserts success. */
static void run(char *const argv[], const char *out_path)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (out_path) {
			FILE *f = freopen(out_path, "w", stdout);
			if (!f)
				_exit(126);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	env *e = calloc(1, sizeof(*e));
	snprintf(e->home, sizeof(e->home), "/tmp/yg-ar-XXXXXX");
	assert_non_null(mkdtemp(e->home));
	snprintf(e->bin, sizeof(e->bin), "%s/active-response", e->home);
	mkdir(e->bin, 0750);
	snprintf(e->bin, sizeof(e->bin), "%s/active-response/bin", e->home);
	mkdir(e->bin, 0750);
	char logs[128];
	snprintf(logs, sizeof(logs), "%s/logs", e->home);
	mkdir(logs, 0750);
	snprintf(e->log, sizeof(e->log), "%s/logs/active-responses.log", e->home);
	snprintf(e->db, sizeof(e->db), "%s/ar.db", e->home);

	/* The article's scripts, with the user's substitutions. */
	char ban_expr[256], dst[256];
	snprintf(ban_expr, sizeof(ban_expr), "s#/caddy/banned_ips#%s/banned_ips#", e->home);
	snprintf(dst, sizeof(dst), "%s/ip-block.sh", e->bin);
	char *sed1[] = {"/bin/sed",
	                "-e",
	                ban_expr,
	                "-e",
	                "s#rc-service caddy restart#true#",
	                SCEN "/seed/ip-block.sh",
	                NULL};
	run(sed1, dst);
	chmod(dst, 0750);
	snprintf(dst, sizeof(dst), "%s/yara.sh", e->bin);
	char *cp[] = {"/bin/cp", SCEN "/seed/yara.sh", dst, NULL};
	run(cp, NULL);
	chmod(dst, 0750);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	env *e = *state;
	char *rm[] = {"/bin/rm", "-rf", e->home, NULL};
	run(rm, NULL);
	free(e);
	return 0;
}

static yg_execd *make(env *e, unsigned run_timeout_ms)
{
	yg_execd_opts o = {
	        .ar_bin_dir = e->bin,
	        .cwd = e->home,
	        .log_path = e->log,
	        .db_path = e->db,
	        .run_timeout_ms = run_timeout_ms,
	        .clock = fake_clock,
	        .on_result = on_result,
	        .result_ctx = e,
	};
	yg_diag *d = yg_diag_create();
	yg_execd *ex = yg_execd_create(&o, d);
	yg_diag_print(d, stdout);
	yg_diag_destroy(d);
	assert_non_null(ex);
	return ex;
}

/* Polls until `want` results have arrived (fails after 20 s). */
static void wait_results(yg_execd *ex, env *e, size_t want)
{
	for (int i = 0; i < 400 && e->nres < want; i++)
		yg_execd_poll(ex, 50);
	assert_int_equal(e->nres, want);
}

/* The actions the manager would send for `alert` under `conf`. */
static yg_ar_actions dispatch(const char *conf, const char *alert)
{
	yg_ar_config *cfg = yg_ar_config_create();
	yg_diag *d = yg_diag_create();
	yg_err err = ar_test_load_text(cfg, conf, d);
	yg_diag_print(d, stdout);
	assert_int_equal(err, YG_OK);
	yg_ar_dispatch *dp = yg_ar_dispatch_create(cfg, NULL);
	yg_ar_actions a;
	assert_int_equal(
	        yg_ar_dispatch_alert(dp, alert, strlen(alert), NULL, 0, NULL, NULL, &a, NULL),
	        YG_OK);
	yg_ar_dispatch_destroy(dp);
	yg_ar_config_destroy(cfg);
	yg_diag_destroy(d);
	return a;
}

static char *srcip_alert(const char *srcip)
{
	json_object *o = json_object_new_object(), *r = json_object_new_object(),
	            *a = json_object_new_object(), *dt = json_object_new_object();
	json_object_object_add(r, "level", json_object_new_int(10));
	json_object_object_add(r, "id", json_object_new_string("100403"));
	json_object_object_add(o, "rule", r);
	json_object_object_add(a, "id", json_object_new_string("001"));
	json_object_object_add(o, "agent", a);
	json_object_object_add(o, "id", json_object_new_string("1714557601.7"));
	json_object_object_add(dt, "srcip", json_object_new_string(srcip));
	json_object_object_add(o, "data", dt);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* The message execd gets, built as the manager builds it but without the
 * manager's crafted-input check (a hostile or broken manager). */
static char *raw_message(const char *program, const char *srcip)
{
	char *al = srcip_alert(srcip);
	size_t n = strlen(al) + 512;
	char *m = malloc(n);
	snprintf(m, n,
	         "{\"version\":1,\"origin\":{\"name\":\"node01\",\"module\":\"wazuh-analysisd\"},"
	         "\"command\":\"add\",\"parameters\":{\"extra_args\":[],\"alert\":%s,"
	         "\"program\":\"%s\"}}",
	         al, program);
	free(al);
	return m;
}

#define SEED_IPBLOCK                                                                               \
	"<ossec_config><command><name>ip_block</name><executable>ip-block.sh</executable>"         \
	"<extra_args></extra_args><timeout_allowed>no</timeout_allowed></command>"                 \
	"<active-response><disabled>no</disabled><command>ip_block</command>"                      \
	"<location>defined-agent</location><agent_id>001</agent_id><rules_id>100403</rules_id>"    \
	"</active-response></ossec_config>"

static void ip_block_bans(void **state)
{
	env *e = *state;
	yg_execd *ex = make(e, 20000);
	char *al = srcip_alert("203.0.113.7");
	yg_ar_actions a = dispatch(SEED_IPBLOCK, al);
	assert_int_equal(a.n, 1);
	assert_int_equal(yg_execd_run(ex, a.v[0].message, a.v[0].timeout, NULL, NULL), YG_OK);
	wait_results(ex, e, 1);
	assert_int_equal(e->results[0].outcome, YG_EXECD_EXITED);
	assert_int_equal(e->results[0].exit_status, 0);
	assert_false(e->results[0].keys);
	char path[256];
	snprintf(path, sizeof(path), "%s/banned_ips", e->home);
	char *ban = read_file(path);
	assert_string_equal(ban, "203.0.113.7\n");
	free(ban);
	yg_ar_actions_free(&a);
	free(al);
	yg_execd_destroy(ex);
}

static void yara_scan_logs(void **state)
{
	env *e = *state;
	yg_execd *ex = make(e, 60000);
	/* A fresh copy of the sample (unique content: yara.sh keeps a lock
	 * per sha256 in /tmp/lock for 30 s). */
	char sample[256], line[128];
	snprintf(sample, sizeof(sample), "%s/webshell.php", e->home);
	char *body = read_file(SCEN "/samples/webshell.php.txt");
	snprintf(line, sizeof(line), "\n// %ld-%d\n", (long)time(NULL), (int)getpid());
	FILE *f = fopen(sample, "w");
	fputs(body, f);
	fputs(line, f);
	fclose(f);
	free(body);

	char conf[1024];
	snprintf(conf, sizeof(conf),
	         "<ossec_config><command><name>yara_linux</name><executable>yara.sh</executable>"
	         "<extra_args>-yara_path /usr/bin -yara_rules %s/samples/yara-test-rules.yar"
	         "</extra_args><timeout_allowed>no</timeout_allowed></command>"
	         "<active-response><disabled>no</disabled><command>yara_linux</command>"
	         "<location>local</location><rules_id>100200,100201</rules_id>"
	         "</active-response></ossec_config>",
	         SCEN);
	char alert[1024];
	snprintf(alert, sizeof(alert),
	         "{\"rule\":{\"level\":12,\"id\":\"100200\",\"groups\":[\"syscheck\"]},"
	         "\"agent\":{\"id\":\"001\"},\"id\":\"1714557602.3\",\"syscheck\":{\"path\":"
	         "\"%s\",\"mtime_after\":\"2024-05-01T10:00:00\",\"event\":\"added\"},"
	         "\"location\":\"syscheck\"}",
	         sample);
	yg_ar_actions a = dispatch(conf, alert);
	assert_int_equal(a.n, 1);
	assert_int_equal(yg_execd_run(ex, a.v[0].message, 0, NULL, NULL), YG_OK);
	wait_results(ex, e, 1);
	printf("stderr: %s\n", e->results[0].err_tail);
	assert_int_equal(e->results[0].outcome, YG_EXECD_EXITED);
	assert_int_equal(e->results[0].exit_status, 0);
	char *log = read_file(e->log);
	printf("log: %s", log);
	char want[512];
	snprintf(want, sizeof(want),
	         "wazuh-yara: INFO - Scan result: PHP_Webshell_Eval_Request %s\n", sample);
	assert_non_null(strstr(log, want));
	free(log);
	yg_ar_actions_free(&a);
	yg_execd_destroy(ex);
}

static void hostile_srcip_is_data(void **state)
{
	env *e = *state;
	unlink("/tmp/pwned-ar");
	yg_execd *ex = make(e, 20000);
	const char *ips[] = {"1.2.3.4; touch /tmp/pwned-ar", "$(touch /tmp/pwned-ar)",
	                     "`touch /tmp/pwned-ar`", "$(id)", "1.2.3.4 && touch /tmp/pwned-ar"};
	for (size_t i = 0; i < 5; i++) {
		char *m = raw_message("active-response/bin/ip-block.sh", ips[i]);
		assert_int_equal(yg_execd_run(ex, m, 0, NULL, NULL), YG_OK);
		free(m);
		wait_results(ex, e, i + 1);
		assert_int_equal(e->results[i].outcome, YG_EXECD_EXITED);
	}
	assert_int_not_equal(access("/tmp/pwned-ar", F_OK), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/banned_ips", e->home);
	char *ban = read_file(path);
	printf("%s", ban);
	/* The script writes what jq extracted: the text itself, not its effect. */
	assert_non_null(strstr(ban, "$(id)\n"));
	assert_non_null(strstr(ban, "1.2.3.4; touch /tmp/pwned-ar\n"));
	free(ban);
	yg_execd_destroy(ex);
}

static void programs_refused(void **state)
{
	env *e = *state;
	yg_execd *ex = make(e, 20000);
	char path[256];
	snprintf(path, sizeof(path), "%s/notexec.sh", e->bin);
	write_file(path, "#!/bin/sh\ntouch /tmp/pwned-ar\n", 0640);
	snprintf(path, sizeof(path), "%s/outside", e->bin);
	assert_int_equal(symlink("/bin/sh", path), 0);
	snprintf(path, sizeof(path), "%s/../evil.sh", e->bin);
	write_file(path, "#!/bin/sh\ntouch /tmp/pwned-ar\n", 0750);
	unlink("/tmp/pwned-ar");
	const char *bad[] = {
	        "active-response/bin/../evil.sh",
	        "active-response/bin/../../../../bin/sh",
	        "active-response/bin/",
	        "active-response/bin/..",
	        "active-response/bin/.",
	        "/bin/sh",
	        "../bin/sh",
	        "evil.sh",
	        "active-response/bin/sub/x",
	        "active-response/bin/notexec.sh",
	        "active-response/bin/outside",
	        "active-response/bin/missing.sh",
	        "active-response/bin/ip-block.sh\\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *m = raw_message(bad[i], "1.1.1.1");
		assert_int_equal(yg_execd_run(ex, m, 0, NULL, NULL), YG_EINVAL);
		free(m);
		assert_int_equal(e->nres, i + 1);
		assert_int_equal(e->results[i].outcome, YG_EXECD_REFUSED);
		printf("%s -> %s\n", bad[i], e->results[i].error);
	}
	/* NUL inside the name, broken JSON, other commands. */
	const char *odd[] = {
	        "{\"version\":1,\"origin\":{},\"command\":\"add\",\"parameters\":{\"program\":"
	        "\"active-response/bin/ip-block.sh\\u0000x\"}}",
	        "{\"version\":1,\"origin\":{},\"command\":\"delete\",\"parameters\":{\"program\":"
	        "\"active-response/bin/ip-block.sh\"}}",
	        "{\"version\":1,\"command\":\"add\",\"parameters\":{\"program\":"
	        "\"active-response/bin/ip-block.sh\"}}",
	        "not json",
	        "",
	};
	size_t base = e->nres;
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		assert_int_not_equal(yg_execd_run(ex, odd[i], 0, NULL, NULL), YG_OK);
		assert_int_equal(e->results[base + i].outcome, YG_EXECD_REFUSED);
	}
	assert_int_equal(yg_execd_running(ex), 0);
	assert_int_not_equal(access("/tmp/pwned-ar", F_OK), 0);
	char *log = read_file(e->log);
	assert_non_null(strstr(log, "yagura-execd: refused active response"));
	free(log);
	yg_execd_destroy(ex);
}

static void run_timeout_kills(void **state)
{
	env *e = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/slow.sh", e->bin);
	write_file(path, "#!/bin/sh\nread x\nsleep 30 &\nsleep 30\n", 0750);
	yg_execd *ex = make(e, 300);
	char *m = raw_message("active-response/bin/slow.sh", "1.1.1.1");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(yg_execd_run(ex, m, 0, NULL, NULL), YG_OK);
	free(m);
	wait_results(ex, e, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(e->results[0].outcome, YG_EXECD_TIMED_OUT);
	assert_int_equal(e->results[0].signal, SIGKILL);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	yg_execd_destroy(ex);
}

/* A stateful script in Wazuh's style: check_keys on add, records what it
 * got (relative paths: cwd is the agent home). */
static const char *KEYS_SH =
        "#!/bin/bash\n"
        "read -r INPUT\n"
        "printf '%s\\n' \"$INPUT\" >> logs/inputs\n"
        "CMD=$(printf '%s' \"$INPUT\" | jq -r .command)\n"
        "if [ \"$CMD\" = add ]; then\n"
        "  IP=$(printf '%s' \"$INPUT\" | jq -r .parameters.alert.data.srcip)\n"
        "  printf '{\"version\":1,\"origin\":{\"name\":\"keys.sh\",\"module\":\"active-response\"},"
        "\"command\":\"check_keys\",\"parameters\":{\"keys\":[\"%s\"]}}\\n' \"$IP\"\n"
        "  read -r ANSWER\n"
        "  printf '%s\\n' \"$ANSWER\" | jq -r .command >> logs/answers\n"
        "fi\n"
        "echo \"$CMD\" >> logs/commands\n";

#define KEYS_CONF                                                                                  \
	"<ossec_config><command><name>keys</name><executable>keys.sh</executable>"                 \
	"<timeout_allowed>yes</timeout_allowed></command>"                                         \
	"<active-response><command>keys</command><location>local</location>"                       \
	"<rules_id>100403</rules_id><timeout>60</timeout></active-response></ossec_config>"

static void keys_run(yg_execd *ex, env *e, const char *ip)
{
	char *al = srcip_alert(ip);
	yg_ar_actions a = dispatch(KEYS_CONF, al);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.v[0].timeout, 60);
	size_t before = e->nres;
	assert_int_equal(yg_execd_run(ex, a.v[0].message, a.v[0].timeout, NULL, NULL), YG_OK);
	wait_results(ex, e, before + 1);
	yg_ar_actions_free(&a);
	free(al);
}

static char *home_file(env *e, const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/logs/%s", e->home, name);
	return read_file(path);
}

static void check_keys_and_delete(void **state)
{
	env *e = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/keys.sh", e->bin);
	write_file(path, KEYS_SH, 0750);
	yg_execd *ex = make(e, 20000);

	keys_run(ex, e, "192.0.2.1");
	assert_true(e->results[0].keys);
	assert_true(e->results[0].scheduled);
	assert_false(e->results[0].aborted);
	assert_int_equal(yg_execd_pending_deletes(ex), 1);

	fake_now += 10 * 1000; /* same key again: abort, entry refreshed */
	keys_run(ex, e, "192.0.2.1");
	assert_true(e->results[1].aborted);
	assert_false(e->results[1].scheduled);
	assert_int_equal(yg_execd_pending_deletes(ex), 1);

	keys_run(ex, e, "192.0.2.2");
	assert_int_equal(yg_execd_pending_deletes(ex), 2);
	char *answers = home_file(e, "answers");
	assert_string_equal(answers, "continue\nabort\ncontinue\n");
	free(answers);
	char *inputs = home_file(e, "inputs");
	assert_non_null(strstr(inputs, "\"module\":\"wazuh-execd\""));
	assert_non_null(strstr(inputs, "\"program\":\"active-response/bin/keys.sh\""));
	free(inputs);

	/* Both entries date from t+10 s (the first was refreshed then): 50 s
	 * later nothing is due, 61 s later both are. */
	fake_now += 50 * 1000;
	yg_execd_poll(ex, 0);
	assert_int_equal(yg_execd_pending_deletes(ex), 2);
	fake_now += 11 * 1000; /* 61 s after both */
	yg_execd_poll(ex, 0);
	assert_int_equal(yg_execd_pending_deletes(ex), 0);
	wait_results(ex, e, 5);
	assert_string_equal(e->results[3].command, "delete");
	assert_int_equal(e->results[3].outcome, YG_EXECD_EXITED);
	assert_int_equal(e->results[3].exit_status, 0);
	char *cmds = home_file(e, "commands");
	assert_string_equal(cmds, "add\nadd\nadd\ndelete\ndelete\n");
	free(cmds);
	yg_execd_destroy(ex);
}

static void delete_after_restart(void **state)
{
	env *e = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/keys.sh", e->bin);
	write_file(path, KEYS_SH, 0750);
	yg_execd *ex = make(e, 20000);
	keys_run(ex, e, "198.51.100.9");
	assert_int_equal(yg_execd_pending_deletes(ex), 1);
	yg_execd_destroy(ex); /* the agent stops (or dies) */

	ex = make(e, 20000);
	assert_int_equal(yg_execd_pending_deletes(ex), 1);
	fake_now += 61 * 1000;
	wait_results(ex, e, 2);
	assert_string_equal(e->results[1].command, "delete");
	assert_int_equal(yg_execd_pending_deletes(ex), 0);
	yg_execd_destroy(ex);
	ex = make(e, 20000);
	assert_int_equal(yg_execd_pending_deletes(ex), 0);
	char *cmds = home_file(e, "commands");
	assert_string_equal(cmds, "add\ndelete\n");
	free(cmds);
	yg_execd_destroy(ex);
}

static void queue_and_epipe(void **state)
{
	env *e = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/deaf.sh", e->bin);
	write_file(path, "#!/bin/sh\nexit 3\n", 0750);
	yg_execd_opts o = {.ar_bin_dir = e->bin,
	                   .cwd = e->home,
	                   .max_concurrent = 1,
	                   .max_queue = 2,
	                   .on_result = on_result,
	                   .result_ctx = e};
	yg_execd *ex = yg_execd_create(&o, NULL);
	assert_non_null(ex);
	/* A big message to a script that never reads it: no SIGPIPE here. */
	char *big = malloc(300000);
	char *al = srcip_alert("1.1.1.1");
	int n = snprintf(big, 300000,
	                 "{\"version\":1,\"origin\":{},\"command\":\"add\",\"parameters\":{"
	                 "\"alert\":%s,\"pad\":\"",
	                 al);
	memset(big + n, 'x', 250000);
	snprintf(big + n + 250000, 300000 - (size_t)n - 250000,
	         "\",\"program\":\"active-response/bin/deaf.sh\"}}");
	free(al);
	assert_int_equal(yg_execd_run(ex, big, 0, NULL, NULL), YG_OK);
	assert_int_equal(yg_execd_run(ex, big, 0, NULL, NULL), YG_OK);
	assert_int_equal(yg_execd_run(ex, big, 0, NULL, NULL), YG_OK);
	assert_int_equal(yg_execd_queued(ex), 2);
	assert_int_equal(yg_execd_run(ex, big, 0, NULL, NULL), YG_ELIMIT);
	assert_int_equal(e->results[0].outcome, YG_EXECD_REFUSED);
	wait_results(ex, e, 4);
	for (size_t i = 1; i < 4; i++) {
		assert_int_equal(e->results[i].outcome, YG_EXECD_EXITED);
		assert_int_equal(e->results[i].exit_status, 3);
	}
	free(big);
	yg_execd_destroy(ex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(ip_block_bans, setup, teardown),
	        cmocka_unit_test_setup_teardown(yara_scan_logs, setup, teardown),
	        cmocka_unit_test_setup_teardown(hostile_srcip_is_data, setup, teardown),
	        cmocka_unit_test_setup_teardown(programs_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(run_timeout_kills, setup, teardown),
	        cmocka_unit_test_setup_teardown(check_keys_and_delete, setup, teardown),
	        cmocka_unit_test_setup_teardown(delete_after_restart, setup, teardown),
	        cmocka_unit_test_setup_teardown(queue_and_epipe, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
