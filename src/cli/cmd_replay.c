/* cmd_replay.c: `yagura replay`, log files through the engine.
 *
 * Lines are read in batches; each line goes to one of THREADS workers, each
 * with its own session, chosen by the line's first IPv4 address (or program
 * name), so events from one source keep their order and their correlation
 * state. With -j 1 the result is exactly wazuh-logtest's over the whole
 * stream; with more threads, rules that correlate events from *different*
 * sources (e.g. if_matched_sid without same_srcip) can see fewer events.
 * Alerts are written in input order. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ydaemon.h"
#include "logcollector/journal.h"
#include "logcollector/lc.h"

#define BATCH 8192
#define MAX_THREADS 64
#define MAX_LINE (1u << 20)

typedef struct line_slot {
	char *text;
	size_t cap;
	int shard;
	const char *location;
	char *alert; /* JSON line or NULL */
	size_t alert_len;
	size_t alert_cap;
} line_slot;

typedef struct replay {
	yg_ruleset *rs;
	int nthreads;
	yg_clock clock;
	bool json_input;
	/* Two batches: workers process one while the main thread reads the
	 * next (with one thread, there is no overlap). */
	line_slot *bufs[2];
	size_t nbuf[2];
	int fill;         /* batch being read into */
	int busy;         /* batch being processed, -1 when none */
	line_slot *slots; /* the batch the workers see */
	size_t nslots;
	unsigned long long events, alerts;
	/* batch hand-off */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long generation;
	int finished;
	bool quit;
} replay;

typedef struct worker {
	replay *rp;
	int id;
	yg_session *session;
	yg_buf buf;
	unsigned long long alerts;
} worker;

static void process_batch(worker *w)
{
	replay *rp = w->rp;
	for (size_t i = 0; i < rp->nslots; i++) {
		line_slot *sl = &rp->slots[i];
		if (sl->shard != w->id)
			continue;
		yg_input in = {.log = sl->text,
		               .location = sl->location,
		               .manager_name = cli_hostname(),
		               .no_predecode = rp->json_input};
		yg_verdict v;
		sl->alert_len = 0;
		if (yg_session_process(w->session, &in, &v) || !v.alert)
			continue;
		yg_buf_reset(&w->buf);
		yg_session_alert_json(w->session, &w->buf);
		yg_buf_putc(&w->buf, '\n');
		if (sl->alert_cap < w->buf.len) {
			char *a = realloc(sl->alert, w->buf.len);
			if (!a)
				continue;
			sl->alert = a;
			sl->alert_cap = w->buf.len;
		}
		memcpy(sl->alert, w->buf.data, w->buf.len);
		sl->alert_len = w->buf.len;
		w->alerts++;
	}
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	replay *rp = w->rp;
	unsigned long seen = 0;
	for (;;) {
		pthread_mutex_lock(&rp->mu);
		while (rp->generation == seen && !rp->quit)
			pthread_cond_wait(&rp->go, &rp->mu);
		if (rp->quit) {
			pthread_mutex_unlock(&rp->mu);
			return NULL;
		}
		seen = rp->generation;
		pthread_mutex_unlock(&rp->mu);
		process_batch(w);
		pthread_mutex_lock(&rp->mu);
		rp->finished++;
		pthread_cond_signal(&rp->done);
		pthread_mutex_unlock(&rp->mu);
	}
}

/* Waits for the batch being processed and writes its alerts in order. */
static void finish_batch(replay *rp, FILE *out)
{
	if (rp->busy < 0)
		return;
	if (rp->nthreads > 1) {
		pthread_mutex_lock(&rp->mu);
		while (rp->finished < rp->nthreads)
			pthread_cond_wait(&rp->done, &rp->mu);
		pthread_mutex_unlock(&rp->mu);
	}
	line_slot *b = rp->bufs[rp->busy];
	for (size_t i = 0; i < rp->nbuf[rp->busy]; i++)
		if (b[i].alert_len)
			fwrite(b[i].alert, 1, b[i].alert_len, out);
	rp->events += rp->nbuf[rp->busy];
	rp->nbuf[rp->busy] = 0;
	rp->busy = -1;
}

/* Hands the batch just read to the workers (with one thread, processes it
 * here) and makes the other batch the one to read into. */
static void start_batch(replay *rp, worker *ws, FILE *out)
{
	finish_batch(rp, out);
	rp->slots = rp->bufs[rp->fill];
	rp->nslots = rp->nbuf[rp->fill];
	rp->busy = rp->fill;
	rp->fill = 1 - rp->fill;
	if (rp->nthreads == 1) {
		process_batch(&ws[0]);
		finish_batch(rp, out);
		return;
	}
	pthread_mutex_lock(&rp->mu);
	rp->finished = 0;
	rp->generation++;
	pthread_cond_broadcast(&rp->go);
	pthread_mutex_unlock(&rp->mu);
}

/* Puts one event into the batch being read; starts the batch when full.
 * false when the batch was handed to the workers (for progress). */
static bool push_line(replay *rp, worker *ws, FILE *out, const char *line, size_t len,
                      const char *location)
{
	line_slot *sl = &rp->bufs[rp->fill][rp->nbuf[rp->fill]];
	if (sl->cap < len + 1) {
		char *t = realloc(sl->text, len + 1);
		if (!t)
			return true;
		sl->text = t;
		sl->cap = len + 1;
	}
	memcpy(sl->text, line, len);
	sl->text[len] = '\0';
	/* the collector's rule: an embedded NUL byte becomes a space */
	for (size_t i = 0; i < len; i++)
		if (sl->text[i] == '\0')
			sl->text[i] = ' ';
	sl->location = location;
	sl->shard = (int)yg_event_shard(sl->text, (unsigned)rp->nthreads);
	if (++rp->nbuf[rp->fill] < BATCH)
		return true;
	start_batch(rp, ws, out);
	return false;
}

/* Journal files (or directories of them) as events, each entry formatted
 * as the log collector does for log_format journald (location
 * "journald"). */
static int replay_journal(replay *rp, worker *ws, FILE *out, char **paths, int n)
{
	int rc = 0;
	yg_buf line;
	yg_buf_init(&line, YG_LC_DEFAULT_MAX_LINE);
	for (int i = 0; i < n; i++) {
		char err[512];
		struct stat st;
		const char *one[1] = {paths[i]};
		yg_journal *j = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)
		                        ? yg_journal_open(paths[i], err, sizeof(err))
		                        : yg_journal_open_files(one, 1, err, sizeof(err));
		if (!j) {
			fprintf(stderr, "yagura replay: %s: %s\n", paths[i], err);
			rc = 1;
			continue;
		}
		int r;
		while ((r = yg_journal_next(j)) > 0) {
			yg_buf_reset(&line);
			yg_err e = yg_journal_format(j, &line);
			if ((e == YG_OK || e == YG_ELIMIT) && line.data)
				push_line(rp, ws, out, line.data, line.len, "journald");
		}
		if (r < 0) {
			fprintf(stderr, "yagura replay: %s: %s\n", paths[i], strerror(-r));
			rc = 1;
		}
		yg_journal_close(j);
	}
	yg_buf_free(&line);
	return rc;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: yagura replay [-c FILE] [-D DIR] [-j THREADS] [--clock wall|event]\n"
	        "                     [--log-format syslog|json|journald] [-o OUT] LOGFILE...\n"
	        "  -c FILE  ossec.conf-format file (default HOME/etc/ossec.conf when it exists)\n"
	        "  -D DIR   home (default $YAGURA_HOME, else /var/ossec)\n"
	        "  LOGFILE '-' reads standard input. With journald, each LOGFILE is a\n"
	        "  journal file or a directory of them. Alerts go to OUT (default stdout) as\n"
	        "  Wazuh alert JSON lines; a summary goes to stderr.\n");
}

static void progress(double start, unsigned long long events, off_t done, off_t total)
{
	double el = mono() - start;
	int pct = total > 0 ? (int)(done * 100 / total) : 0;
	int bars = pct / 5;
	fprintf(stderr, "\r[%.*s%*s] %3d%% %llu events %.0f/s", bars, "####################",
	        20 - bars, "", pct, events, el > 0 ? (double)events / el : 0.0);
}

int cmd_replay(int argc, char **argv)
{
	const char *conf = NULL, *home = NULL, *outpath = NULL;
	int nthreads = 1;
	yg_clock clock = YG_CLOCK_WALL;
	bool json_input = false, journal_input = false;
	static const struct option longopts[] = {
	        {"clock", required_argument, NULL, 'C'},
	        {"log-format", required_argument, NULL, 'L'},
	        {"help", no_argument, NULL, 'h'},
	        {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:D:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'D': home = optarg; break;
		case 'o': outpath = optarg; break;
		case 'j':
			nthreads = atoi(optarg);
			if (nthreads < 1 || nthreads > MAX_THREADS) {
				fprintf(stderr, "yagura replay: -j takes 1 to %d\n", MAX_THREADS);
				return 2;
			}
			break;
		case 'C':
			if (!strcmp(optarg, "wall"))
				clock = YG_CLOCK_WALL;
			else if (!strcmp(optarg, "event"))
				clock = YG_CLOCK_EVENT;
			else {
				fprintf(stderr, "yagura replay: --clock is wall or event\n");
				return 2;
			}
			break;
		case 'L':
			if (!strcmp(optarg, "syslog"))
				json_input = false;
			else if (!strcmp(optarg, "json"))
				json_input = true;
			else if (!strcmp(optarg, "journald"))
				journal_input = true;
			else {
				fprintf(stderr, "yagura replay: --log-format is syslog, json or "
				                "journald\n");
				return 2;
			}
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
	home = yg_home_choose(home);
	char defconf[PATH_MAX];
	if (!conf)
		conf = cli_default_conf(home, defconf, sizeof(defconf));
	/* Check every input before loading anything. */
	off_t total = 0;
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (strcmp(argv[i], "-") == 0)
			continue;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "yagura replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		total += st.st_size;
	}
	FILE *out = stdout;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "yagura replay: cannot write %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	double load_s = 0;
	replay rp = {.nthreads = nthreads, .clock = clock, .json_input = json_input};
	if (cli_load_ruleset(conf, home, false, true, &rp.rs, &load_s) == 1 || !rp.rs) {
		if (out != stdout)
			fclose(out);
		return 1;
	}
	worker ws[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	pthread_mutex_init(&rp.mu, NULL);
	pthread_cond_init(&rp.go, NULL);
	pthread_cond_init(&rp.done, NULL);
	int started = 0, rc = 0;
	rp.bufs[0] = calloc(BATCH, sizeof(line_slot));
	rp.bufs[1] = calloc(BATCH, sizeof(line_slot));
	rp.busy = -1;
	if (!rp.bufs[0] || !rp.bufs[1]) {
		fprintf(stderr, "yagura replay: out of memory\n");
		rc = 1;
		nthreads = 0;
		goto out;
	}
	for (int i = 0; i < nthreads; i++) {
		ws[i] = (worker){.rp = &rp, .id = i};
		ws[i].session = yg_session_create(rp.rs, clock);
		yg_buf_init(&ws[i].buf, 64u << 20);
		if (!ws[i].session) {
			fprintf(stderr, "yagura replay: out of memory\n");
			rc = 1;
			nthreads = i;
			goto out;
		}
	}
	if (nthreads > 1)
		for (; started < nthreads; started++)
			if (pthread_create(&th[started], NULL, worker_main, &ws[started]) != 0)
				break;
	if (nthreads > 1 && started < nthreads) {
		fprintf(stderr, "yagura replay: cannot start threads\n");
		rc = 1;
		goto out;
	}

	bool tty = isatty(STDERR_FILENO);
	double start = mono(), last_progress = start;
	off_t done = 0;
	if (journal_input && replay_journal(&rp, ws, out, argv + optind, argc - optind))
		rc = 1;
	char *line = journal_input ? NULL : malloc(MAX_LINE);
	for (int i = optind; line && i < argc; i++) {
		bool is_stdin = !strcmp(argv[i], "-");
		FILE *in = is_stdin ? stdin : fopen(argv[i], "r");
		if (!in) {
			fprintf(stderr, "\nyagura replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		const char *location = is_stdin ? "stdin" : argv[i];
		while (fgets(line, MAX_LINE, in)) {
			size_t len = strlen(line);
			done += (off_t)len;
			bool truncated = len == MAX_LINE - 1 && line[len - 1] != '\n';
			while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			if (truncated) {
				int ch;
				while ((ch = fgetc(in)) != EOF && ch != '\n')
					done++;
			}
			if (len == 0)
				continue;
			if (!push_line(&rp, ws, out, line, len, location)) {
				if (tty && mono() - last_progress > 0.2) {
					progress(start, rp.events, done, total);
					last_progress = mono();
				}
			}
		}
		if (!is_stdin)
			fclose(in);
	}
	free(line);
	if (rp.nbuf[rp.fill])
		start_batch(&rp, ws, out);
	finish_batch(&rp, out);
	fflush(out);
	double elapsed = mono() - start;
	for (int i = 0; i < nthreads; i++)
		rp.alerts += ws[i].alerts;
	if (tty)
		progress(start, rp.events, total, total), fputc('\n', stderr);
	fprintf(stderr,
	        "yagura replay: %llu events, %llu alerts, %.0f events/s, %.3f s elapsed "
	        "(ruleset load %.3f s, %d thread%s)\n",
	        rp.events, rp.alerts, elapsed > 0 ? (double)rp.events / elapsed : 0.0, elapsed,
	        load_s, nthreads, nthreads > 1 ? "s" : "");
out:
	if (started) {
		pthread_mutex_lock(&rp.mu);
		rp.quit = true;
		pthread_cond_broadcast(&rp.go);
		pthread_mutex_unlock(&rp.mu);
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
	}
	for (int i = 0; i < nthreads; i++) {
		yg_session_destroy(ws[i].session);
		yg_buf_free(&ws[i].buf);
	}
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; rp.bufs[k] && i < BATCH; i++) {
			free(rp.bufs[k][i].text);
			free(rp.bufs[k][i].alert);
		}
		free(rp.bufs[k]);
	}
	yg_ruleset_destroy(rp.rs);
	if (out != stdout)
		fclose(out);
	return rc;
}
