/* test_agent_lc.c: the agent's collection loop, exactly once across kill -9.
 *
 * The loop under test is the one the agent runs: the log collector emits a
 * line, the line is appended to the spool (state_commits); every N lines the
 * collector's positions are exported and put as a state frame, then synced.
 * A restart imports the spool's latest state into the collector's database
 * before creating the collector. Each run is a real child process over real
 * files that SIGKILLs itself at a chosen write (a record, a state frame) or
 * after an ack; some crashes also tear the last frame (the segment is cut
 * mid-frame, as a kill in the middle of write(2) leaves it). A sender in the
 * loop hands committed records to a "manager" file and acks them, so acked
 * segments are deleted and the state moves to the state file. At the end,
 * the manager's view (records by seq, a resent seq dropped) and the spool
 * hold every line of every file exactly once, in file order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/spool.h"
#include "common/ybuf.h"
#include "engine/wxml.h"
#include "logcollector/lc.h"

#define NFILES 2
#define BATCH 7          /* lines per state frame */
#define SEND_EVERY 3     /* loop turns between sender passes */
#define MAX_LINES 100000 /* per file, for the checks */

static char root[256], spool_dir[300], lc_db[300], mgr_path[300], logs[300];

/* ---- the child: one run of the agent's loop ---- */

/* Fails the child (the parent sees exit status 3). */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x);      \
			_exit(3);                                                                  \
		}                                                                                  \
	} while (0)

enum crash_kind { CRASH_NONE, CRASH_RECORD, CRASH_STATE, CRASH_SENT, CRASH_ACK };

typedef struct agent {
	yg_spool *sp;
	yg_lc *lc;
	yg_buf blob;
	unsigned in_batch;      /* lines appended since the last state */
	unsigned long events;   /* writes and acks of this run */
	unsigned long crash_at; /* SIGKILL at this event (0: never) */
	enum crash_kind crash_kind;
	uint64_t sent; /* the sender's last seq handed to the manager */
	int mgr_fd;
} agent;

/* Counts an event of the given kind and dies there if it is the one. */
static void event(agent *a, enum crash_kind kind)
{
	a->events++;
	if (a->crash_at && a->events >= a->crash_at && kind == a->crash_kind)
		kill(getpid(), SIGKILL); /* no close, no sync, no commit */
}

static int agent_emit(void *ctx, const char *location, const char *fmt, const char *line,
                      size_t len)
{
	agent *a = ctx;
	(void)location;
	(void)fmt;
	if (a->in_batch >= BATCH)
		return 1; /* back-pressure until the batch is committed */
	yg_err err = yg_spool_append(a->sp, line, len, NULL);
	if (err == YG_ELIMIT)
		return 1;
	CHECK(err == YG_OK);
	a->in_batch++;
	event(a, CRASH_RECORD);
	return 0;
}

/* Commits the lines appended so far: positions as a state frame, then one
 * fsync for records and state together. */
static void agent_commit(agent *a)
{
	CHECK(yg_lc_positions_export(a->lc, &a->blob) == YG_OK);
	CHECK(yg_spool_put_state(a->sp, a->blob.data, a->blob.len) == YG_OK);
	event(a, CRASH_STATE);
	CHECK(yg_spool_sync(a->sp) == YG_OK);
	a->in_batch = 0;
}

static int send_cb(void *ctx, uint64_t seq, const void *rec, size_t len)
{
	agent *a = ctx;
	char head[32];
	int n = snprintf(head, sizeof(head), "%" PRIu64 "\t", seq);
	CHECK(write(a->mgr_fd, head, (size_t)n) == n);
	CHECK(write(a->mgr_fd, rec, len) == (ssize_t)len);
	CHECK(write(a->mgr_fd, "\n", 1) == 1);
	a->sent = seq;
	return 0;
}

/* The sender and the manager: committed records go to the manager file,
 * which is made durable before the ack (the manager's commit). */
static void agent_send(agent *a)
{
	size_t n;
	CHECK(yg_spool_peek(a->sp, a->sent, 50, 0, send_cb, a, &n) == YG_OK);
	if (n == 0)
		return;
	CHECK(fdatasync(a->mgr_fd) == 0);
	event(a, CRASH_SENT); /* the manager has them, the ack is lost */
	CHECK(yg_spool_ack(a->sp, a->sent) == YG_OK);
	event(a, CRASH_ACK);
}

static yg_lc_config *make_config(yg_wxml_doc **doc)
{
	char xml[1024];
	snprintf(xml, sizeof(xml),
	         "<localfile><log_format>syslog</log_format><location>%s/*.log</location>"
	         "<only-future-events>no</only-future-events></localfile>",
	         logs);
	yg_lc_config *cfg = yg_lc_config_create();
	CHECK(yg_wxml_parse_buffer_ex(xml, strlen(xml), "ossec.conf", YG_WXML_NO_VARS, NULL, doc) ==
	      YG_OK);
	CHECK(yg_lc_config_add_localfile(cfg, yg_wxml_doc_root(*doc, 0), "ossec.conf", NULL) ==
	      YG_OK);
	return cfg;
}

/* One run of the agent until its sources are drained (or its crash). */
static void agent_run(unsigned long crash_at, enum crash_kind kind, bool sender)
{
	agent a = {.crash_at = crash_at, .crash_kind = kind};
	yg_buf_init(&a.blob, YG_SPOOL_MAX_STATE);
	yg_spool_config scfg = {
	        .segment_bytes = 1024, .fsync = YG_SPOOL_FSYNC_MANUAL, .state_commits = true};
	CHECK(yg_spool_open(spool_dir, &scfg, NULL, &a.sp) == YG_OK);
	/* restart: the positions of the latest state, into the database the
	 * collector reads (on a first start there is none) */
	const void *blob;
	size_t len;
	if (yg_spool_state(a.sp, &blob, &len) == YG_OK)
		CHECK(yg_lc_positions_import(lc_db, blob, len) == YG_OK);
	yg_wxml_doc *doc = NULL;
	yg_lc_config *cfg = make_config(&doc);
	a.lc = yg_lc_create(cfg, lc_db, agent_emit, &a, NULL);
	CHECK(a.lc != NULL);
	agent_commit(&a); /* where a first start begins is a state too */
	yg_spool_stats st;
	yg_spool_stats_get(a.sp, &st);
	a.sent = st.acked_seq; /* unacked records are sent again */
	a.mgr_fd = open(mgr_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	CHECK(a.mgr_fd >= 0);
	int idle = 0;
	for (unsigned turn = 0; idle < 3; turn++) {
		int n = yg_lc_poll(a.lc, 0);
		if (a.in_batch >= BATCH || (n == 0 && a.in_batch > 0))
			agent_commit(&a);
		if (sender && turn % SEND_EVERY == 0)
			agent_send(&a);
		idle = (n == 0 && a.in_batch == 0) ? idle + 1 : 0;
	}
	agent_commit(&a);
	if (sender) {
		yg_spool_stats_get(a.sp, &st);
		while (a.sent < st.committed_seq)
			agent_send(&a);
	}
	/* a clean stop: the state is already in the spool, no LC commit */
	close(a.mgr_fd);
	yg_lc_destroy(a.lc);
	yg_lc_config_destroy(cfg);
	yg_wxml_doc_destroy(doc);
	yg_spool_close(a.sp);
	yg_buf_free(&a.blob);
	_exit(0);
}

/* ---- the parent ---- */

static unsigned written[NFILES]; /* lines written to each file */

static void write_lines(unsigned per_file)
{
	for (int f = 0; f < NFILES; f++) {
		char p[400];
		snprintf(p, sizeof(p), "%s/f%d.log", logs, f);
		FILE *fp = fopen(p, "a");
		assert_non_null(fp);
		for (unsigned i = 0; i < per_file; i++)
			fprintf(fp, "f%d line %06u %s\n", f, written[f]++,
			        i % 5 == 0 ? "with some more text to vary the length" : "x");
		fclose(fp);
	}
}

/* Runs the agent in a child; returns true when it was killed. */
static bool run_child(unsigned long crash_at, enum crash_kind kind, bool sender)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		agent_run(crash_at, kind, sender);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		return true;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return false;
}

/* The newest segment file's path, or false when there is none. */
static bool newest_segment(char *out, size_t n)
{
	DIR *d = opendir(spool_dir);
	assert_non_null(d);
	char best[64] = "";
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".seg") == 0 && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	if (!best[0])
		return false;
	snprintf(out, n, "%s/%s", spool_dir, best);
	return true;
}

/* A kill in the middle of the last write: its frame is cut short. */
static void tear_last_frame(void)
{
	char p[400];
	assert_true(newest_segment(p, sizeof(p)));
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_size > 3);
	assert_int_equal(truncate(p, st.st_size - 3), 0);
}

/* Checks one line against the next expected line of its file. */
static void check_line(unsigned next[NFILES], const char *line, size_t len)
{
	int f;
	unsigned k;
	char tail[64];
	assert_true(len > 0 && len < 200);
	char buf[200];
	memcpy(buf, line, len);
	buf[len] = '\0';
	assert_int_equal(sscanf(buf, "f%d line %u %63s", &f, &k, tail), 3);
	assert_true(f >= 0 && f < NFILES);
	if (k != next[f])
		fail_msg("file %d: got line %u, expected %u (a line lost or repeated)", f, k,
		         next[f]);
	next[f]++;
}

typedef struct spool_walk {
	unsigned next[NFILES];
	uint64_t seq;
} spool_walk;

static int walk_cb(void *ctx, uint64_t seq, const void *rec, size_t len)
{
	spool_walk *w = ctx;
	assert_int_equal(seq, w->seq + 1);
	w->seq = seq;
	check_line(w->next, rec, len);
	return 0;
}

/* What the manager kept: records in seq order, each seq once (a resent
 * seq must carry the same line, or the spool reused a sent seq). */
static void check_manager(void)
{
	FILE *fp = fopen(mgr_path, "r");
	assert_non_null(fp);
	unsigned next[NFILES] = {0};
	char **by_seq = calloc(MAX_LINES * NFILES + 1, sizeof(char *));
	assert_non_null(by_seq);
	uint64_t top = 0, dups = 0;
	char line[512];
	while (fgets(line, sizeof(line), fp)) {
		char *tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		uint64_t seq = strtoull(line, NULL, 10);
		char *text = tab + 1;
		text[strcspn(text, "\n")] = '\0';
		assert_true(seq >= 1 && seq <= MAX_LINES * NFILES);
		if (seq <= top) {
			assert_non_null(by_seq[seq]);
			assert_string_equal(by_seq[seq], text);
			dups++;
			continue;
		}
		assert_int_equal(seq, top + 1); /* the manager sees no gap */
		by_seq[seq] = strdup(text);
		top = seq;
		check_line(next, text, strlen(text));
	}
	fclose(fp);
	for (int f = 0; f < NFILES; f++)
		assert_int_equal(next[f], written[f]);
	for (uint64_t i = 0; i <= top; i++)
		free(by_seq[i]);
	free(by_seq);
	print_message("manager: %" PRIu64 " records, %" PRIu64 " resent and dropped by seq\n", top,
	              dups);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/yg-agentlc-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(spool_dir, sizeof(spool_dir), "%s/spool", root);
	snprintf(lc_db, sizeof(lc_db), "%s/lc.db", root);
	snprintf(mgr_path, sizeof(mgr_path), "%s/manager.out", root);
	snprintf(logs, sizeof(logs), "%s/logs", root);
	assert_int_equal(mkdir(logs, 0700), 0);
	memset(written, 0, sizeof(written));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A crash plan: kill at the first event of a kind from the n-th event on
 * (each run has at least 80 new lines to read), maybe tearing the frame
 * written last, then more lines before the next run. */
typedef struct step {
	unsigned long at;
	enum crash_kind kind;
	bool tear;
	unsigned more_lines;
} step;

/* clang-format off */
static const step plan[] = {
	{1, CRASH_STATE, false, 0},   /* at the very first state */
	{5, CRASH_RECORD, false, 20}, /* in the first batch */
	{3, CRASH_STATE, true, 0},    /* a torn state frame */
	{40, CRASH_RECORD, true, 30}, /* a torn record */
	{17, CRASH_STATE, false, 0},  /* right after a state, before its fsync */
	{9, CRASH_ACK, false, 50},    /* after an ack (segments deleted) */
	{23, CRASH_RECORD, false, 0}, /* mid batch */
	{2, CRASH_ACK, false, 40},
	{60, CRASH_STATE, true, 10},
	{58, CRASH_RECORD, true, 25},
	{31, CRASH_ACK, false, 0},
	{8, CRASH_RECORD, false, 0},
	{4, CRASH_SENT, false, 30},   /* sent, not acked: resent after */
	{12, CRASH_SENT, false, 0},
	{50, CRASH_STATE, false, 0},
};
/* clang-format on */

static void run_plan(bool sender)
{
	write_lines(60);
	size_t crashes = 0, planned = 0;
	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
		bool sends = plan[i].kind == CRASH_SENT || plan[i].kind == CRASH_ACK;
		planned += sender || !sends;
		write_lines(40); /* work enough for the crash point to come */
		bool killed = run_child(plan[i].at, plan[i].kind, sender);
		if (killed) {
			crashes++;
			/* only a write can be torn: an ack or a state leaves the
			 * last frame whole unless it was the one being written */
			if (plan[i].tear && !sends)
				tear_last_frame();
		}
		if (plan[i].more_lines)
			write_lines(plan[i].more_lines);
	}
	print_message("%zu runs killed of %zu planned\n", crashes, planned);
	assert_int_equal(crashes, planned); /* the plan really crashed the runs */
	/* a last run to the end, without a crash */
	write_lines(15);
	assert_false(run_child(0, CRASH_NONE, sender));
	assert_false(run_child(0, CRASH_NONE, sender)); /* nothing new: nothing twice */

	/* the spool: everything not acked, in order, each line once */
	yg_spool *sp = NULL;
	yg_spool_config scfg = {.segment_bytes = 1024, .state_commits = true};
	yg_diag *d = yg_diag_create();
	assert_int_equal(yg_spool_open(spool_dir, &scfg, d, &sp), YG_OK);
	assert_int_equal(yg_diag_count(d), 0); /* the clean stop left nothing to repair */
	yg_diag_destroy(d);
	yg_spool_stats st;
	yg_spool_stats_get(sp, &st);
	assert_int_equal(st.committed_seq, st.last_seq);
	if (!sender) {
		assert_int_equal(st.acked_seq, 0);
		spool_walk w = {.seq = 0};
		size_t n;
		assert_int_equal(yg_spool_peek(sp, 0, 0, 0, walk_cb, &w, &n), YG_OK);
		assert_int_equal(n, st.last_seq);
		for (int f = 0; f < NFILES; f++)
			assert_int_equal(w.next[f], written[f]);
		print_message("spool: %zu records, %" PRIu64 " uncommitted dropped in last open\n",
		              n, st.uncommitted_dropped);
	} else {
		assert_int_equal(st.acked_seq, st.last_seq);
		assert_int_equal(st.records_pending, 0);
		const void *blob;
		size_t len;
		assert_int_equal(yg_spool_state(sp, &blob, &len), YG_OK); /* in the state file */
	}
	yg_spool_close(sp);
	if (sender)
		check_manager();
}

static void test_exactly_once_spool(void **state)
{
	(void)state;
	run_plan(false);
}

static void test_exactly_once_with_sender(void **state)
{
	(void)state;
	run_plan(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_exactly_once_spool, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_exactly_once_with_sender, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
