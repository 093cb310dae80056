/* cmd_replay.c: `yagura replay`, log files through the engine.
 *
 * Events are read in batches and run through the engine's runner
 * (engine/runner.h), the manager's own code: with -j N, N workers take the
 * agents' events partitioned by agent, and the shared state sees events in
 * input order, so the alerts are byte-identical for every N (alert ids
 * number the events in input order). Log files are the manager's own (agent
 * 000); --log-format archives replays a manager's archives.json with its
 * agents and its clock. Alerts are written in input order. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ydaemon.h"
#include "engine/archive_in.h"
#include "engine/runner.h"
#include "logcollector/journal.h"
#include "logcollector/lc.h"

#define BATCH 8192
#define MAX_THREADS 64
#define MAX_LINE (1u << 20)

typedef enum in_format { FMT_SYSLOG, FMT_JSON, FMT_JOURNALD, FMT_ARCHIVES } in_format;

typedef struct replay_opts {
	const char *conf, *home, *outpath;
	int nthreads;
	yg_clock clock;
	in_format format;
	char **paths;
	int npaths;
} replay_opts;

/* The strings of one event of the batch, kept between batches. */
typedef struct slot_buf {
	char *data;
	size_t cap;
} slot_buf;

typedef struct replay {
	const replay_opts *o;
	yg_ruleset *rs;
	yg_runner *run;
	FILE *out;
	yg_input *ins;
	yg_run_result *res;
	slot_buf *bufs;
	size_t n;
	unsigned long long events, alerts, refused;
	bool write_failed;
	/* progress */
	bool tty;
	double start, last_progress;
	off_t done, total;
} replay;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const replay *rp, off_t done)
{
	double el = mono() - rp->start;
	int pct = rp->total > 0 ? (int)(done * 100 / rp->total) : 0;
	int bars = pct > 100 ? 20 : pct / 5;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %llu events %.0f/s", bars, "####################",
	        20 - bars, "", pct, rp->events, el > 0 ? (double)rp->events / el : 0.0);
}

/* ---- the batch ---- */

/* Runs the batch and writes its alerts in input order. */
static void run_batch(replay *rp)
{
	if (!rp->n)
		return;
	if (yg_runner_run(rp->run, rp->ins, rp->n, rp->res) != YG_OK) {
		fprintf(stderr, "yagura replay: out of memory\n");
		rp->refused += rp->n;
		rp->n = 0;
		return;
	}
	const char *text = yg_runner_alerts(rp->run);
	for (size_t i = 0; i < rp->n; i++) {
		const yg_run_result *r = &rp->res[i];
		if (r->level < 0)
			continue;
		if (fwrite(text + r->off, 1, r->len, rp->out) != r->len ||
		    fputc('\n', rp->out) == EOF)
			rp->write_failed = true;
		rp->alerts++;
	}
	rp->events += rp->n;
	rp->n = 0;
	if (rp->tty && mono() - rp->last_progress > 0.2) {
		progress(rp, rp->done);
		rp->last_progress = mono();
	}
}

/* Appends s to the slot's buffer at *at (sizes were reserved). */
static const char *keep_str(slot_buf *b, size_t *at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = b->data + *at;
	memcpy(d, s, n);
	*at += n;
	return d;
}

/* Copies one event into the batch (its strings into the slot's buffer);
 * runs the batch when full. */
static void push_event(replay *rp, const yg_input *ev, size_t loglen)
{
	const char *strs[] = {ev->location, ev->agent_id, ev->agent_name, ev->agent_ip,
	                      ev->manager_name};
	size_t need = loglen + 1;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		need += strs[i] ? strlen(strs[i]) + 1 : 0;
	slot_buf *b = &rp->bufs[rp->n];
	if (b->cap < need) {
		char *d = realloc(b->data, need);
		if (!d) {
			rp->refused++;
			return;
		}
		b->data = d;
		b->cap = need;
	}
	yg_input *in = &rp->ins[rp->n];
	*in = *ev;
	memcpy(b->data, ev->log, loglen);
	b->data[loglen] = '\0';
	/* the collector's rule: an embedded NUL byte becomes a space */
	for (size_t i = 0; i < loglen; i++)
		if (b->data[i] == '\0')
			b->data[i] = ' ';
	in->log = b->data;
	size_t at = loglen + 1;
	in->location = keep_str(b, &at, ev->location);
	in->agent_id = keep_str(b, &at, ev->agent_id);
	in->agent_name = keep_str(b, &at, ev->agent_name);
	in->agent_ip = keep_str(b, &at, ev->agent_ip);
	in->manager_name = keep_str(b, &at, ev->manager_name);
	in->alert_seq = rp->events + rp->n + 1; /* the event's place in the input */
	if (++rp->n == BATCH)
		run_batch(rp);
}

static void push_line(replay *rp, const char *line, size_t len, const char *location)
{
	yg_input in = {.log = line,
	               .location = location,
	               .manager_name = cli_hostname(),
	               .no_predecode = rp->o->format == FMT_JSON};
	push_event(rp, &in, len);
}

/* One line of archives.json; lines it cannot replay are counted. */
static void push_archived(replay *rp, yg_archived *a, const char *line, size_t len)
{
	yg_input in;
	yg_err err = yg_archived_parse(a, line, len, &in);
	if (err) {
		if (err != YG_ENOTFOUND && rp->refused < 5)
			fprintf(stderr, "\nyagura replay: a line is not an archived event (%s)\n",
			        yg_strerror(err));
		rp->refused++;
		return;
	}
	if (!in.manager_name)
		in.manager_name = cli_hostname();
	push_event(rp, &in, strlen(in.log));
}

/* ---- inputs ---- */

/* Journal files (or directories of them) as events, each entry formatted
 * as the log collector does for log_format journald (location
 * "journald"). */
static int replay_journal(replay *rp)
{
	int rc = 0;
	yg_buf line;
	yg_buf_init(&line, YG_LC_DEFAULT_MAX_LINE);
	for (int i = 0; i < rp->o->npaths; i++) {
		const char *path = rp->o->paths[i];
		char err[512];
		struct stat st;
		const char *one[1] = {path};
		yg_journal *j = stat(path, &st) == 0 && S_ISDIR(st.st_mode)
		                        ? yg_journal_open(path, err, sizeof(err))
		                        : yg_journal_open_files(one, 1, err, sizeof(err));
		if (!j) {
			fprintf(stderr, "yagura replay: %s: %s\n", path, err);
			rc = 1;
			continue;
		}
		int r;
		while ((r = yg_journal_next(j)) > 0) {
			yg_buf_reset(&line);
			yg_err e = yg_journal_format(j, &line);
			if ((e == YG_OK || e == YG_ELIMIT) && line.data)
				push_line(rp, line.data, line.len, "journald");
		}
		if (r < 0) {
			fprintf(stderr, "yagura replay: %s: %s\n", path, strerror(-r));
			rc = 1;
		}
		yg_journal_close(j);
	}
	yg_buf_free(&line);
	return rc;
}

/* Reads one line into line (at most MAX_LINE - 1 bytes, the rest of a
 * longer one skipped); its length without the end of line, -1 at EOF. */
static long read_line(replay *rp, FILE *in, char *line)
{
	if (!fgets(line, MAX_LINE, in))
		return -1;
	size_t len = strlen(line);
	rp->done += (off_t)len;
	bool truncated = len == MAX_LINE - 1 && line[len - 1] != '\n';
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (truncated) {
		int ch;
		while ((ch = fgetc(in)) != EOF && ch != '\n')
			rp->done++;
	}
	return (long)len;
}

/* Text files (syslog, json or archives lines); '-' is standard input. */
static int replay_files(replay *rp)
{
	int rc = 0;
	char *line = malloc(MAX_LINE);
	yg_archived *a = rp->o->format == FMT_ARCHIVES ? yg_archived_create() : NULL;
	if (!line || (rp->o->format == FMT_ARCHIVES && !a)) {
		fprintf(stderr, "yagura replay: out of memory\n");
		rc = 1;
	}
	for (int i = 0; !rc && i < rp->o->npaths; i++) {
		const char *path = rp->o->paths[i];
		bool is_stdin = !strcmp(path, "-");
		FILE *in = is_stdin ? stdin : fopen(path, "r");
		if (!in) {
			fprintf(stderr, "\nyagura replay: %s: %s\n", path, strerror(errno));
			rc = 1;
			continue;
		}
		const char *location = is_stdin ? "stdin" : path;
		long len;
		while ((len = read_line(rp, in, line)) >= 0) {
			if (len == 0)
				continue;
			if (a)
				push_archived(rp, a, line, (size_t)len);
			else
				push_line(rp, line, (size_t)len, location);
		}
		if (!is_stdin)
			fclose(in);
	}
	run_batch(rp);
	yg_archived_destroy(a);
	free(line);
	return rc;
}

/* ---- options ---- */

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: yagura replay [-c FILE] [-D DIR] [-j THREADS] [--clock wall|event]\n"
	        "                     [--log-format syslog|json|journald|archives] [-o OUT]\n"
	        "                     LOGFILE...\n"
	        "  -c FILE  ossec.conf-format file (default HOME/etc/ossec.conf when it exists)\n"
	        "  -D DIR   home (default $YAGURA_HOME, else /var/ossec)\n"
	        "  -j N     engine workers (agents partitioned among them; same alerts for any N)\n"
	        "  LOGFILE '-' reads standard input. With journald, each LOGFILE is a\n"
	        "  journal file or a directory of them; with archives, a manager's\n"
	        "  archives.json (its agents, its times). Alerts go to OUT (default stdout)\n"
	        "  as Wazuh alert JSON lines; a summary goes to stderr.\n");
}

static int long_opt(replay_opts *o, int c, const char *arg)
{
	static const char *const formats[] = {"syslog", "json", "journald", "archives"};
	if (c == 'C') {
		if (strcmp(arg, "wall") && strcmp(arg, "event")) {
			fprintf(stderr, "yagura replay: --clock is wall or event\n");
			return 2;
		}
		o->clock = strcmp(arg, "wall") ? YG_CLOCK_EVENT : YG_CLOCK_WALL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!strcmp(arg, formats[i])) {
			o->format = (in_format)i;
			return 0;
		}
	}
	fprintf(stderr, "yagura replay: --log-format is syslog, json, journald or archives\n");
	return 2;
}

/* -1: go on; else the exit code. */
static int parse_args(replay_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"clock", required_argument, NULL, 'C'},
	        {"log-format", required_argument, NULL, 'L'},
	        {"help", no_argument, NULL, 'h'},
	        {0, 0, 0, 0},
	};
	*o = (replay_opts){.nthreads = 1, .clock = YG_CLOCK_WALL, .format = FMT_SYSLOG};
	int c, rc;
	char *end;
	while ((c = getopt_long(argc, argv, "c:D:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'D': o->home = optarg; break;
		case 'o': o->outpath = optarg; break;
		case 'j': {
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > MAX_THREADS) {
				fprintf(stderr, "yagura replay: -j takes 1 to %d\n", MAX_THREADS);
				return 2;
			}
			o->nthreads = (int)n;
			break;
		}
		case 'C':
		case 'L':
			if ((rc = long_opt(o, c, optarg)))
				return rc;
			break;
		case 'h': usage(stdout); return 0;
		default: fprintf(stderr, "Try 'yagura replay --help' for the options.\n"); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "yagura replay: no LOGFILE given ('-' reads standard input)\n"
		                "Try 'yagura replay --help' for the options.\n");
		return 2;
	}
	o->paths = argv + optind;
	o->npaths = argc - optind;
	return -1;
}

/* Checks every input before loading anything; their total size. */
static bool check_inputs(const replay_opts *o, off_t *total)
{
	*total = 0;
	for (int i = 0; i < o->npaths; i++) {
		struct stat st;
		if (strcmp(o->paths[i], "-") == 0)
			continue;
		if (stat(o->paths[i], &st) != 0) {
			fprintf(stderr, "yagura replay: %s: %s\n", o->paths[i], strerror(errno));
			return false;
		}
		*total += st.st_size;
	}
	return true;
}

/* ---- the command ---- */

static bool replay_open(replay *rp)
{
	const replay_opts *o = rp->o;
	rp->ins = calloc(BATCH, sizeof(*rp->ins));
	rp->res = calloc(BATCH, sizeof(*rp->res));
	rp->bufs = calloc(BATCH, sizeof(*rp->bufs));
	yg_runner_config rc = {.rs = rp->rs, .workers = (unsigned)o->nthreads, .clock = o->clock};
	if (!rp->ins || !rp->res || !rp->bufs || yg_runner_create(&rc, &rp->run) != YG_OK) {
		fprintf(stderr, "yagura replay: out of memory (or cannot start threads)\n");
		return false;
	}
	return true;
}

static void replay_close(replay *rp)
{
	yg_runner_destroy(rp->run);
	for (size_t i = 0; rp->bufs && i < BATCH; i++)
		free(rp->bufs[i].data);
	free(rp->bufs);
	free(rp->ins);
	free(rp->res);
	yg_ruleset_destroy(rp->rs);
	if (rp->out && rp->out != stdout)
		fclose(rp->out);
}

static void summary(const replay *rp, double load_s)
{
	double elapsed = mono() - rp->start;
	int n = rp->o->nthreads;
	if (rp->tty)
		progress(rp, rp->total), fputc('\n', stderr);
	if (rp->refused)
		fprintf(stderr, "yagura replay: %llu events not replayed\n", rp->refused);
	fprintf(stderr,
	        "yagura replay: %llu events, %llu alerts, %.0f events/s, %.3f s elapsed "
	        "(ruleset load %.3f s, %d thread%s)\n",
	        rp->events, rp->alerts, elapsed > 0 ? (double)rp->events / elapsed : 0.0, elapsed,
	        load_s, n, n > 1 ? "s" : "");
}

int cmd_replay(int argc, char **argv)
{
	replay_opts o;
	int rc = parse_args(&o, argc, argv);
	if (rc >= 0)
		return rc;
	const char *home = yg_home_choose(o.home);
	char defconf[PATH_MAX];
	const char *conf = o.conf ? o.conf : cli_default_conf(home, defconf, sizeof(defconf));
	replay rp = {.o = &o, .out = stdout};
	if (!check_inputs(&o, &rp.total))
		return 1;
	if (o.outpath && !(rp.out = fopen(o.outpath, "w"))) {
		fprintf(stderr, "yagura replay: cannot write %s: %s\n", o.outpath, strerror(errno));
		return 1;
	}
	double load_s = 0;
	if (cli_load_ruleset(conf, home, false, true, &rp.rs, &load_s) == 1 || !rp.rs ||
	    !replay_open(&rp)) {
		replay_close(&rp);
		return 1;
	}
	rp.tty = isatty(STDERR_FILENO);
	rp.start = rp.last_progress = mono();
	rc = o.format == FMT_JOURNALD ? replay_journal(&rp) : replay_files(&rp);
	run_batch(&rp);
	if (fflush(rp.out) == EOF || rp.write_failed) {
		fprintf(stderr, "yagura replay: writing the alerts failed\n");
		rc = 1;
	}
	summary(&rp, load_s);
	replay_close(&rp);
	return rc;
}
