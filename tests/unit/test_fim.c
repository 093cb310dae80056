/* test_fim.c: FIM on real files in temporary directories, real inotify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fim/fim.h"

#define MAXEV 256

typedef struct rec {
	char path[1024];
	char event[16];
	char mode[16];
	char changed[256];
	char md5[33], sha256[65];
	uint64_t size_after;
	char *diff;
	char tags[64];
} rec;

typedef struct env {
	char base[256];
	char dir[300];
	char db[300];
	rec ev[MAXEV];
	int n;
	int refuse; /* refuse this many offers */
	int offers;
	unsigned sleeps;
	yg_wxml_doc *doc;
	yg_fim_config *cfg;
	yg_fim *fim;
	/* warnings logged by the monitor */
	int warn6364, warn6906;
	char msg6364[2048];
	/* tally mode, for many files: "added" events of <dir>/fNNNNNN counted
	 * per N instead of recorded; anything else counts in tally_other */
	int *tally;
	int ntally;
	int tally_other;
} env;

static void logger(void *ctx, yg_fim_log_level lvl, int id, const char *msg)
{
	env *v = ctx;
	if (lvl != YG_FIM_LOG_WARNING)
		return;
	if (id == 6364) {
		v->warn6364++;
		snprintf(v->msg6364, sizeof(v->msg6364), "%s", msg);
	} else if (id == 6906) {
		v->warn6906++;
	}
}

/* Counts e in tally mode; see env. */
static void tally(env *v, const yg_fim_event *e)
{
	size_t dl = strlen(v->dir);
	const char *p = e->path;
	if (strcmp(e->event, "added") != 0 || strncmp(p, v->dir, dl) != 0 ||
	    strncmp(p + dl, "/f", 2) != 0 || strlen(p + dl + 2) != 6) {
		v->tally_other++;
		return;
	}
	int n = 0;
	for (const char *q = p + dl + 2; *q; q++) {
		if (*q < '0' || *q > '9') {
			v->tally_other++;
			return;
		}
		n = n * 10 + (*q - '0');
	}
	if (n < v->ntally)
		v->tally[n]++;
	else
		v->tally_other++;
}

static int emit(void *ctx, const yg_fim_event *e)
{
	env *v = ctx;
	v->offers++;
	if (v->refuse > 0) {
		v->refuse--;
		return 1;
	}
	if (v->tally) {
		tally(v, e);
		return 0;
	}
	assert_true(v->n < MAXEV);
	rec *r = &v->ev[v->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", e->path);
	snprintf(r->event, sizeof(r->event), "%s", e->event);
	snprintf(r->mode, sizeof(r->mode), "%s", e->mode);
	for (size_t i = 0; i < e->nchanged; i++) {
		strncat(r->changed, e->changed_attributes[i],
		        sizeof(r->changed) - strlen(r->changed) - 2);
		strcat(r->changed, ",");
	}
	if (e->after) {
		snprintf(r->md5, sizeof(r->md5), "%s", e->after->md5);
		snprintf(r->sha256, sizeof(r->sha256), "%s", e->after->sha256);
		r->size_after = e->after->size;
		assert_non_null(e->after->uname);
	}
	if (strcmp(e->event, "added") == 0)
		assert_null(e->before);
	if (strcmp(e->event, "deleted") == 0)
		assert_null(e->after);
	r->diff = e->diff ? strdup(e->diff) : NULL;
	if (e->tags)
		snprintf(r->tags, sizeof(r->tags), "%s", e->tags);
	return 0;
}

static void count_sleep(void *ctx, unsigned ms)
{
	(void)ms;
	((env *)ctx)->sleeps++;
}

static void clear(env *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->ev[i].diff);
	v->n = 0;
}

static void path(env *v, char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", v->dir, rel);
}

static void put(env *v, const char *rel, const char *content)
{
	char p[1024];
	path(v, p, sizeof(p), rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mk(env *v, const char *rel)
{
	char p[1024];
	path(v, p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void rm(env *v, const char *rel)
{
	char p[1024];
	path(v, p, sizeof(p), rel);
	assert_int_equal(unlink(p), 0);
}

/* Builds the config from a <syscheck> body where "%D" is the watched dir. */
static void configure(env *v, const char *body)
{
	char xml[8192], *w = xml;
	size_t left = sizeof(xml);
	w += snprintf(w, left, "<syscheck>");
	for (const char *p = body; *p; p++) {
		if (p[0] == '%' && p[1] == 'D') {
			w += snprintf(w, sizeof(xml) - (size_t)(w - xml), "%s", v->dir);
			p++;
		} else {
			*w++ = *p;
		}
	}
	snprintf(w, sizeof(xml) - (size_t)(w - xml), "</syscheck>");
	yg_diag *diag = yg_diag_create();
	assert_int_equal(yg_wxml_parse_buffer_ex(xml, strlen(xml), "test.conf", YG_WXML_NO_VARS,
	                                         diag, &v->doc),
	                 YG_OK);
	v->cfg = yg_fim_config_create();
	yg_err rc = yg_fim_config_read(v->cfg, yg_wxml_doc_root(v->doc, 0), "test.conf", diag);
	if (rc)
		yg_diag_print(diag, stderr);
	assert_int_equal(rc, YG_OK);
	yg_diag_destroy(diag);
}

static void start(env *v)
{
	yg_diag *diag = yg_diag_create();
	v->fim = yg_fim_create(v->cfg, v->db, emit, v, diag);
	if (!v->fim)
		yg_diag_print(diag, stderr);
	assert_non_null(v->fim);
	yg_diag_destroy(diag);
	yg_fim_set_sleep_fn(v->fim, count_sleep, v);
	yg_fim_set_logger(v->fim, logger, v);
}

static int setup(void **state)
{
	env *v = calloc(1, sizeof(*v));
	snprintf(v->base, sizeof(v->base), "/tmp/yg_fim_XXXXXX");
	assert_non_null(mkdtemp(v->base));
	snprintf(v->dir, sizeof(v->dir), "%s/w", v->base);
	snprintf(v->db, sizeof(v->db), "%s/fim.db", v->base);
	assert_int_equal(mkdir(v->dir, 0755), 0);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	env *v = *state;
	yg_fim_destroy(v->fim);
	yg_fim_config_destroy(v->cfg);
	yg_wxml_doc_destroy(v->doc);
	clear(v);
	free(v->tally);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", v->base);
	assert_int_equal(system(cmd), 0);
	free(v);
	return 0;
}

static rec *find(env *v, const char *rel, const char *event)
{
	char p[1024];
	path(v, p, sizeof(p), rel);
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->ev[i].path, p) == 0 && (!event || strcmp(v->ev[i].event, event) == 0))
			return &v->ev[i];
	return NULL;
}

/* Polls up to 5 s until an event for rel arrives. */
static rec *wait_for(env *v, const char *rel, const char *event)
{
	for (int i = 0; i < 100; i++) {
		rec *r = find(v, rel, event);
		if (r)
			return r;
		assert_int_equal(yg_fim_poll(v->fim, 50), YG_OK);
	}
	return find(v, rel, event);
}

static void drain(env *v, int ms)
{
	for (int i = 0; i < ms / 50; i++)
		yg_fim_poll(v->fim, 50);
}

/* ---- scheduled ---- */

static void test_added_modified_deleted(void **state)
{
	env *v = *state;
	configure(v, "<directories tags=\"web\">%D</directories>");
	put(v, "old", "x");
	start(v);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 0); /* the first scan is the baseline */

	put(v, "new", "hello\n");
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 1);
	rec *r = find(v, "new", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "scheduled");
	assert_string_equal(r->md5, "b1946ac92492d2347c6235b4d2611184");
	assert_string_equal(r->sha256,
	                    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	assert_string_equal(r->tags, "web");
	clear(v);

	sleep(1); /* a different mtime second */
	put(v, "new", "hello world\n");
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 1);
	r = find(v, "new", "modified");
	assert_non_null(r);
	assert_string_equal(r->changed, "size,mtime,md5,sha1,sha256,");
	clear(v);

	char p[1024];
	path(v, p, sizeof(p), "new");
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	r = find(v, "new", "modified");
	assert_non_null(r);
	assert_string_equal(r->changed, "permission,");
	clear(v);

	rm(v, "new");
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 1);
	assert_non_null(find(v, "new", "deleted"));
	clear(v);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 0);
}

static void test_ignore(void **state)
{
	env *v = *state;
	configure(v, "<directories>%D</directories><ignore>%D/cache</ignore>"
	             "<ignore type=\"sregex\">.log$|.swp$</ignore>");
	start(v);
	yg_fim_scan(v->fim);
	mk(v, "cache");
	put(v, "cache/a", "1");
	put(v, "x.log", "1");
	put(v, ".x.swp", "1");
	put(v, "ok.txt", "1");
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 1);
	assert_non_null(find(v, "ok.txt", "added"));
}

static void test_restrict(void **state)
{
	env *v = *state;
	configure(v, "<directories restrict=\".php$\">%D</directories>");
	start(v);
	yg_fim_scan(v->fim);
	put(v, "a.php", "<?php");
	put(v, "a.html", "<p>");
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 1);
	assert_non_null(find(v, "a.php", "added"));
}

static void test_recursion_level(void **state)
{
	env *v = *state;
	configure(v, "<directories recursion_level=\"1\">%D</directories>");
	start(v);
	yg_fim_scan(v->fim);
	mk(v, "d1");
	mk(v, "d1/d2");
	put(v, "a", "1");
	put(v, "d1/b", "1");
	put(v, "d1/d2/c", "1");
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 2);
	assert_non_null(find(v, "a", "added"));
	assert_non_null(find(v, "d1/b", "added"));
}

static void test_check_off(void **state)
{
	env *v = *state;
	configure(v, "<directories check_all=\"no\" check_size=\"yes\">%D</directories>");
	put(v, "f", "aaaa");
	start(v);
	yg_fim_scan(v->fim);
	sleep(1);
	put(v, "f", "bbbb"); /* same size: nothing checked changed */
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 0);
	put(v, "f", "bbbbb");
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->ev[0].changed, "size,");
	assert_string_equal(v->ev[0].md5, ""); /* not computed */
}

static void test_persistence(void **state)
{
	env *v = *state;
	configure(v, "<directories>%D</directories>");
	put(v, "a", "1");
	put(v, "c", "3");
	start(v);
	yg_fim_scan(v->fim);
	yg_fim_destroy(v->fim);
	v->fim = NULL;

	/* Stopped: nothing changes, then three changes. */
	start(v);
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 0); /* no "added" flood after a restart */
	yg_fim_destroy(v->fim);
	v->fim = NULL;
	put(v, "a", "11");
	put(v, "b", "2");
	rm(v, "c");
	start(v);
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 3);
	assert_non_null(find(v, "a", "modified"));
	assert_non_null(find(v, "b", "added"));
	assert_non_null(find(v, "c", "deleted"));
	clear(v);
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 0);
}

static void test_backpressure(void **state)
{
	env *v = *state;
	configure(v, "<directories>%D</directories>");
	start(v);
	yg_fim_scan(v->fim);
	put(v, "a", "1");
	put(v, "b", "2");
	v->refuse = 3; /* the offer, the retry right after it, one flush */
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 0);
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.pending, 2);
	assert_int_equal(yg_fim_flush(v->fim), 2); /* third refusal */
	assert_int_equal(yg_fim_flush(v->fim), 0);
	assert_int_equal(v->n, 2);
	assert_string_equal(v->ev[0].path + strlen(v->dir), "/a"); /* order kept */
	clear(v);

	/* Refused until shutdown: reported again at the next start. */
	put(v, "c", "3");
	v->refuse = 1000;
	yg_fim_scan(v->fim);
	yg_fim_destroy(v->fim);
	v->fim = NULL;
	v->refuse = 0;
	start(v);
	yg_fim_scan(v->fim);
	assert_int_equal(v->n, 1);
	assert_non_null(find(v, "c", "added"));
}

static void test_report_changes(void **state)
{
	env *v = *state;
	configure(v, "<directories report_changes=\"yes\">%D</directories>"
	             "<nodiff>%D/secret</nodiff>");
	put(v, "t", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
	put(v, "secret", "k1");
	put(v, "bin", "a\0b");
	start(v);
	yg_fim_scan(v->fim);
	put(v, "t", "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\n");
	put(v, "secret", "k22");
	char p[1024];
	path(v, p, sizeof(p), "bin");
	int fd = open(p, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\0yz", 4), 4);
	close(fd);
	yg_fim_scan(v->fim);
	rec *r = find(v, "t", "modified");
	assert_non_null(r);
	assert_non_null(r->diff);
	assert_non_null(strstr(r->diff, "-three\n+THREE\n"));
	assert_non_null(strstr(r->diff, "+eight\n"));
	assert_non_null(strstr(r->diff, "@@ -1,7 +1,8 @@"));
	r = find(v, "secret", "modified");
	assert_non_null(r);
	assert_string_equal(r->diff, "<Diff truncated because nodiff option>");
	r = find(v, "bin", "modified");
	assert_non_null(r);
	assert_non_null(strstr(r->diff, "binary"));
}

static void test_diff_bound(void **state)
{
	env *v = *state;
	configure(v, "<directories report_changes=\"yes\">%D</directories>");
	char *a = malloc(400000), *b = malloc(400000);
	size_t la = 0, lb = 0;
	for (int i = 0; i < 20000; i++) {
		la += (size_t)snprintf(a + la, 400000 - la, "line %d\n", i);
		lb += (size_t)snprintf(b + lb, 400000 - lb, "LINE %d\n", i);
	}
	put(v, "big", a);
	start(v);
	yg_fim_scan(v->fim);
	put(v, "big", b);
	yg_fim_scan(v->fim);
	rec *r = find(v, "big", "modified");
	assert_non_null(r);
	assert_non_null(strstr(r->diff, "diff truncated"));
	assert_true(strlen(r->diff) <= 64 * 1024);
	free(a);
	free(b);
}

static void test_max_files_per_second(void **state)
{
	env *v = *state;
	configure(v, "<directories>%D</directories><max_files_per_second>2</max_files_per_second>");
	for (int i = 0; i < 7; i++) {
		char n[8];
		snprintf(n, sizeof(n), "f%d", i);
		put(v, n, "x");
	}
	start(v);
	yg_fim_scan(v->fim);
	assert_int_equal(v->sleeps, 3);
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.throttle_waits, 3);
	assert_int_equal(st.files_scanned, 7);
}

static void test_file_limit(void **state)
{
	env *v = *state;
	configure(v, "<directories>%D</directories>"
	             "<file_limit><enabled>yes</enabled><entries>3</entries></file_limit>");
	for (int i = 0; i < 5; i++) {
		char n[8];
		snprintf(n, sizeof(n), "f%d", i);
		put(v, n, "x");
	}
	start(v);
	yg_fim_scan(v->fim);
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.files_in_db, 3);
	assert_int_equal(st.limit_skipped, 2);
}

static void test_weird_files(void **state)
{
	env *v = *state;
	configure(v, "<directories>%D</directories>");
	start(v);
	yg_fim_scan(v->fim);
	char p[1024], q[1024];
	path(v, p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	path(v, p, sizeof(p), "loop1");
	path(v, q, sizeof(q), "loop2");
	assert_int_equal(symlink(q, p), 0);
	assert_int_equal(symlink(p, q), 0);
	path(v, p, sizeof(p), "sock");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	put(v, "noperm", "secret");
	path(v, p, sizeof(p), "noperm");
	chmod(p, 0);
	yg_fim_scan(v->fim);
	close(s);
	/* Links are entries (not followed); fifo and socket are not. */
	assert_non_null(find(v, "loop1", "added"));
	assert_null(find(v, "fifo", NULL));
	assert_null(find(v, "sock", NULL));
}

/* ---- realtime ---- */

/* Configures, takes the baseline and starts realtime with at most
 * `watch_limit` watches (0: the kernel's limit only). */
static void rt_start_limit(env *v, const char *body, size_t watch_limit)
{
	configure(v, body);
	start(v);
	if (watch_limit)
		yg_fim_set_watch_limit(v->fim, watch_limit);
	yg_fim_set_settle_ms(v->fim, 200);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(yg_fim_realtime_start(v->fim), YG_OK);
	assert_true(yg_fim_fd(v->fim) >= 0);
	/* frequency far away: only realtime events happen below */
	assert_int_equal(yg_fim_poll(v->fim, 0), YG_OK);
	clear(v);
}

static void rt_start(env *v, const char *body)
{
	rt_start_limit(v, body, 0);
}

/* How many recorded events are for rel (any kind). */
static int count_for(env *v, const char *rel)
{
	char p[1024];
	int n = 0;
	path(v, p, sizeof(p), rel);
	for (int i = 0; i < v->n; i++)
		n += strcmp(v->ev[i].path, p) == 0;
	return n;
}

static void test_rt_basic(void **state)
{
	env *v = *state;
	rt_start(v, "<frequency>36000</frequency><scan_on_start>no</scan_on_start>"
	            "<directories realtime=\"yes\">%D</directories>"
	            "<ignore type=\"sregex\">.swp$</ignore>");
	put(v, "a", "1");
	rec *r = wait_for(v, "a", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "realtime");
	put(v, "a", "22");
	assert_non_null(wait_for(v, "a", "modified"));
	char p[1024], q[1024];
	path(v, p, sizeof(p), "a");
	path(v, q, sizeof(q), "b");
	assert_int_equal(rename(p, q), 0);
	assert_non_null(wait_for(v, "a", "deleted"));
	assert_non_null(wait_for(v, "b", "added"));
	rm(v, "b");
	assert_non_null(wait_for(v, "b", "deleted"));
	put(v, "x.swp", "1");
	drain(v, 500);
	assert_null(find(v, "x.swp", NULL));
}

/* A full file_limit does not blind realtime: a new file in a realtime
 * directory is reported (without a baseline row). */
static void test_rt_file_limit_full(void **state)
{
	env *v = *state;
	for (int i = 0; i < 4; i++) {
		char n[8];
		snprintf(n, sizeof(n), "f%d", i);
		put(v, n, "x");
	}
	rt_start(v, "<frequency>36000</frequency><directories realtime=\"yes\">%D</directories>"
	            "<file_limit><enabled>yes</enabled><entries>3</entries></file_limit>");
	put(v, "shell.php", "<?php system($_GET['c']); ?>");
	rec *r = wait_for(v, "shell.php", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "realtime");
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.files_in_db, 3);
	assert_true(st.limit_reported >= 1);
}

static void test_rt_subdir(void **state)
{
	env *v = *state;
	rt_start(v, "<frequency>36000</frequency><directories realtime=\"yes\">%D</directories>");
	/* Files made with the directory, before any watch can exist. */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/n1/n2 && echo x > %s/n1/n2/early", v->dir, v->dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(wait_for(v, "n1/n2/early", "added"));
	drain(v, 100);
	put(v, "n1/n2/later", "y");
	assert_non_null(wait_for(v, "n1/n2/later", "added"));
	/* Moving the directory away reports its files deleted. */
	snprintf(cmd, sizeof(cmd), "mv %s/n1 %s/moved", v->dir, v->base);
	assert_int_equal(system(cmd), 0);
	assert_non_null(wait_for(v, "n1/n2/early", "deleted"));
	assert_non_null(wait_for(v, "n1/n2/later", "deleted"));
	/* And back in: added again, under the same names. */
	clear(v);
	snprintf(cmd, sizeof(cmd), "mv %s/moved %s/n1", v->base, v->dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(wait_for(v, "n1/n2/early", "added"));
	put(v, "n1/n2/early", "changed");
	assert_non_null(wait_for(v, "n1/n2/early", "modified"));
}

static void test_rt_chunked(void **state)
{
	env *v = *state;
	rt_start(v, "<frequency>36000</frequency><directories realtime=\"yes\">%D</directories>");
	char p[1024];
	path(v, p, sizeof(p), "slow");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(write(fd, "chunk-of-data\n", 14), 14);
		yg_fim_poll(v->fim, 60); /* 60 ms between chunks < 200 ms settle */
	}
	close(fd);
	rec *r = wait_for(v, "slow", "added");
	assert_non_null(r);
	assert_int_equal(r->size_after, 6 * 14);
	drain(v, 600);
	int n = 0;
	for (int i = 0; i < v->n; i++)
		n += strstr(v->ev[i].path, "/slow") != NULL;
	assert_int_equal(n, 1);
}

/* A ceiling of 2 watches on a tree of 6 directories (and an ignored one):
 * the first two in scan order are watched, the rest are left to scheduled
 * scans, which find what realtime cannot see; nothing is lost. */
static void test_rt_watch_limit(void **state)
{
	env *v = *state;
	const char *dirs[] = {"0ign", "a", "b", "c", "d", "e"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mk(v, dirs[i]);
	rt_start_limit(v,
	               "<frequency>36000</frequency><scan_on_start>no</scan_on_start>"
	               "<directories realtime=\"yes\">%D</directories><ignore>%D/0ign</ignore>",
	               2);
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 2);        /* %D and %D/a */
	assert_int_equal(st.unwatched_dirs, 4); /* b..e; 0ign costs nothing */
	assert_int_equal(v->warn6364, 1);
	assert_non_null(strstr(v->msg6364, "max_realtime_watches = 2"));
	char p[1024], quoted[1100];
	path(v, p, sizeof(p), "b");
	snprintf(quoted, sizeof(quoted), "'%s'", p);
	assert_non_null(strstr(v->msg6364, quoted)); /* the first refused */

	/* Watched directories: realtime. */
	put(v, "top", "1");
	put(v, "a/x", "1");
	rec *r = wait_for(v, "top", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "realtime");
	r = wait_for(v, "a/x", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "realtime");
	/* Unwatched (and ignored) directories: realtime sees nothing... */
	put(v, "b/y", "1");
	put(v, "e/z", "1");
	put(v, "0ign/q", "1");
	drain(v, 700);
	assert_int_equal(v->n, 2);
	/* ...the next scheduled scan does, once; the rest is not repeated. */
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 4);
	r = find(v, "b/y", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "scheduled");
	r = find(v, "e/z", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "scheduled");
	assert_int_equal(count_for(v, "top"), 1);
	assert_int_equal(count_for(v, "a/x"), 1);
	assert_int_equal(count_for(v, "0ign/q"), 0);
	/* The scan retried the watches: same outcome, counted afresh, not
	 * warned again. */
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 2);
	assert_int_equal(st.unwatched_dirs, 4);
	assert_int_equal(v->warn6364, 1);
	/* A modification in an unwatched directory: scheduled scan too. */
	put(v, "e/z", "22");
	drain(v, 500);
	assert_int_equal(v->n, 4);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	assert_int_equal(v->n, 5);
	assert_non_null(find(v, "e/z", "modified"));

	/* Limit lifted: the next scan watches every directory but the ignored
	 * one, and realtime covers them. */
	yg_fim_set_watch_limit(v->fim, 0);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 6);
	assert_int_equal(st.unwatched_dirs, 0);
	put(v, "e/late", "1");
	r = wait_for(v, "e/late", "added");
	assert_non_null(r);
	assert_string_equal(r->mode, "realtime");
	assert_int_equal(v->warn6364, 1);
}

/* <max_realtime_watches> sets the monitor's default ceiling. */
static void test_rt_watch_limit_config(void **state)
{
	env *v = *state;
	mk(v, "a");
	mk(v, "a/b");
	rt_start(v, "<frequency>36000</frequency><max_realtime_watches>2</max_realtime_watches>"
	            "<directories realtime=\"yes\">%D</directories>");
	assert_int_equal(yg_fim_config_max_realtime_watches(v->cfg), 2);
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 2);
	assert_int_equal(st.unwatched_dirs, 1);
	assert_int_equal(v->warn6364, 1);
	/* A directory created past the limit: its files are still reported
	 * (the walk that would add its watch scans it), later ones are not. */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "mkdir %s/n && echo x > %s/n/early", v->dir, v->dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(wait_for(v, "n/early", "added"));
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 2);
	assert_int_equal(st.unwatched_dirs, 2);
	/* Removing a watched directory frees its watch for the next scan. */
	snprintf(cmd, sizeof(cmd), "rm -r %s/a", v->dir);
	assert_int_equal(system(cmd), 0);
	drain(v, 300);
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 1);
	assert_int_equal(yg_fim_scan(v->fim), YG_OK);
	yg_fim_get_stats(v->fim, &st);
	assert_int_equal(st.watches, 2); /* %D and %D/n */
	assert_int_equal(st.unwatched_dirs, 0);
	put(v, "n/later", "1");
	assert_non_null(wait_for(v, "n/later", "added"));
}

/* Reads a number from a /proc file; -1 when it cannot. */
static long read_proc_long(const char *file)
{
	FILE *fp = fopen(file, "r");
	long n = -1;
	if (!fp)
		return -1;
	if (fscanf(fp, "%ld", &n) != 1)
		n = -1;
	fclose(fp);
	return n;
}

/* More files than the inotify queue holds, created while nobody reads it:
 * the queue overflows, the realtime directories are rescanned, and every
 * file is reported added exactly once. */
static void test_rt_overflow(void **state)
{
	env *v = *state;
	long maxq = read_proc_long("/proc/sys/fs/inotify/max_queued_events");
	if (maxq <= 0 || maxq > 39900) {
		print_message("test_rt_overflow skipped: fs.inotify.max_queued_events is %ld "
		              "(the test creates at most 40000 files)\n",
		              maxq);
		skip();
	}
	int nfiles = (int)maxq + 100;
	rt_start(v, "<frequency>36000</frequency><scan_on_start>no</scan_on_start>"
	            "<directories realtime=\"yes\">%D</directories>");
	v->tally = calloc((size_t)nfiles, sizeof(int));
	assert_non_null(v->tally);
	v->ntally = nfiles;
	for (int i = 0; i < nfiles; i++) {
		char p[1024];
		snprintf(p, sizeof(p), "%s/f%06d", v->dir, i);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x\n", 2), 2);
		close(fd);
	}
	int done = 0;
	time_t t0 = time(NULL);
	while (done < nfiles && time(NULL) - t0 < 15) {
		assert_int_equal(yg_fim_poll(v->fim, 50), YG_OK);
		done = 0;
		for (int i = 0; i < nfiles; i++)
			done += v->tally[i] > 0;
	}
	drain(v, 500); /* nothing more may come */
	yg_fim_stats st;
	yg_fim_get_stats(v->fim, &st);
	assert_true(st.overflows >= 1);
	assert_true(v->warn6906 >= 1);
	int missing = 0, twice = 0;
	for (int i = 0; i < nfiles; i++) {
		missing += v->tally[i] == 0;
		twice += v->tally[i] > 1;
	}
	assert_int_equal(missing, 0);
	assert_int_equal(twice, 0);
	assert_int_equal(v->tally_other, 0);
	assert_int_equal(st.files_in_db, (uint64_t)nfiles);
}

static void test_config_errors(void **state)
{
	(void)state;
	const char *xml = "<syscheck>\n<frequency>abc</frequency>\n"
	                  "<directories realtime=\"maybe\">/a</directories>\n"
	                  "<ignore type=\"sregex\">x</ignore>\n<bogus/>\n"
	                  "<max_realtime_watches>-1</max_realtime_watches>\n</syscheck>";
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	assert_int_equal(
	        yg_wxml_parse_buffer_ex(xml, strlen(xml), "c.conf", YG_WXML_NO_VARS, diag, &doc),
	        YG_OK);
	yg_fim_config *cfg = yg_fim_config_create();
	assert_int_equal(yg_fim_config_read(cfg, yg_wxml_doc_root(doc, 0), "c.conf", diag),
	                 YG_EPARSE);
	assert_int_equal(yg_diag_errors(diag), 3); /* frequency, bogus, watches */
	const yg_diag_entry *e = yg_diag_get(diag, 0);
	assert_string_equal(e->file, "c.conf");
	assert_int_equal(e->line, 2);
	assert_string_equal(e->element, "frequency");
	bool seen = false;
	for (size_t i = 0; i < yg_diag_count(diag); i++) {
		e = yg_diag_get(diag, i);
		if (e->element && strcmp(e->element, "max_realtime_watches") == 0) {
			assert_int_equal(e->line, 6);
			assert_int_equal(e->severity, YG_SEV_ERROR);
			seen = true;
		}
	}
	assert_true(seen);
	assert_int_equal(yg_fim_config_max_realtime_watches(cfg), 0);
	assert_int_equal(yg_fim_config_ndirs(cfg), 0); /* bad attribute skips it */
	assert_int_equal(yg_fim_config_frequency(cfg), 43200);
	yg_fim_config_destroy(cfg);
	yg_wxml_doc_destroy(doc);
	yg_diag_destroy(diag);
}

static void test_config_defaults(void **state)
{
	(void)state;
	const char *xml = "<syscheck><directories>/etc,/usr/bin/ , /x//y</directories>"
	                  "<directories check_sum=\"no\" realtime=\"yes\" tags=\"a b:!c\" "
	                  "recursion_level=\"2\" diff_size_limit=\"2MB\">/etc</directories>"
	                  "</syscheck>";
	yg_diag *diag = yg_diag_create();
	yg_wxml_doc *doc = NULL;
	assert_int_equal(
	        yg_wxml_parse_buffer_ex(xml, strlen(xml), "c", YG_WXML_NO_VARS, diag, &doc), YG_OK);
	yg_fim_config *cfg = yg_fim_config_create();
	assert_int_equal(yg_fim_config_read(cfg, yg_wxml_doc_root(doc, 0), "c", diag), YG_OK);
	assert_int_equal(yg_fim_config_ndirs(cfg), 3);
	yg_fim_dir_info d;
	yg_fim_config_dir(cfg, 0, &d);
	assert_string_equal(d.path, "/etc"); /* replaced by the later entry */
	assert_true(d.realtime);
	assert_int_equal(d.checks, YG_FIM_CHECK_ALL & ~(YG_FIM_CHECK_MD5 | YG_FIM_CHECK_SHA1 |
	                                                YG_FIM_CHECK_SHA256));
	assert_string_equal(d.tags, "abc");
	assert_int_equal(d.recursion_level, 2);
	assert_int_equal(d.diff_size_limit, 2 * 1024 * 1024);
	yg_fim_config_dir(cfg, 1, &d);
	assert_string_equal(d.path, "/usr/bin");
	assert_int_equal(d.checks, YG_FIM_CHECK_ALL);
	assert_false(d.realtime);
	assert_int_equal(d.recursion_level, 256);
	yg_fim_config_dir(cfg, 2, &d);
	assert_string_equal(d.path, "/x/y");
	assert_true(yg_fim_config_scan_on_start(cfg));
	assert_false(yg_fim_config_disabled(cfg));
	yg_fim_config_destroy(cfg);
	yg_wxml_doc_destroy(doc);
	yg_diag_destroy(diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config_errors),
	        cmocka_unit_test(test_config_defaults),
	        cmocka_unit_test_setup_teardown(test_added_modified_deleted, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ignore, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_restrict, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_recursion_level, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_check_off, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_changes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_diff_bound, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_max_files_per_second, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_file_limit, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_file_limit_full, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_weird_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_basic, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_subdir, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_chunked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_watch_limit, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_watch_limit_config, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rt_overflow, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
