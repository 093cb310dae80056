/* agent.c: the agent's life cycle and event loop.
 *
 * One thread waits (ppoll) on the FIM inotify descriptor, the collector's
 * descriptor, execd's descriptor and the eventfd of the AR request queue,
 * with the modules' own timeouts; the transport client has its own thread
 * (agent_send.c). Signals are blocked outside ppoll, so none is lost between
 * a check and the wait. SIGTERM/SIGINT stop the agent cleanly; SIGHUP reads
 * the configuration again and restarts the sources and responders on it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_int.h"
#include "common/ylog.h"
#include "store/db.h"

/* Reads the configuration files into cfg; the diagnostics go to stderr
 * (when `print` or on error) and the log. 0 when there was no error. */
static int read_config(agent *a, yg_agent_config *cfg, bool print)
{
	const yg_agent_opts *o = a->opts;
	yg_diag *d = yg_diag_create();
	if (!d)
		return 1;
	yg_err err = yg_agent_config_read(cfg, o->conf, o->nconf, d);
	int rc = (err || yg_diag_errors(d)) ? 1 : 0;
	if (print || rc)
		yg_diag_print(d, stderr);
	if (a->log)
		alog_diag(a, d);
	yg_diag_destroy(d);
	return rc;
}

/* The spool, bounded by <client_buffer><spool_max_mb>. */
static bool open_spool(agent *a)
{
	char p[PATH_MAX];
	if (!yg_path_join(p, sizeof(p), a->opts->home, "queue/spool") || !yg_mkdirs(p))
		return false;
	uint64_t max = (uint64_t)a->cfg.spool_max_mb << 20;
	yg_spool_config sc = {.max_bytes = max,
	                      .segment_bytes = max / 8 < (8u << 20) ? max / 8 : (8u << 20),
	                      .fsync = YG_SPOOL_FSYNC_MANUAL,
	                      .state_commits = true};
	yg_diag *d = yg_diag_create();
	yg_err err = yg_spool_open(p, &sc, d, &a->spool);
	alog_diag(a, d);
	yg_diag_destroy(d);
	if (err) {
		alog(a, "ERROR", AMSG_SPOOL, "cannot open the spool %s: %s", p, yg_strerror(err));
		return false;
	}
	yg_spool_stats st;
	yg_spool_stats_get(a->spool, &st);
	if (st.uncommitted_dropped)
		alog(a, "INFO", AMSG_SPOOL,
		     "spool: %llu events written after the last saved positions were dropped; "
		     "they are read again",
		     (unsigned long long)st.uncommitted_dropped);
	return true;
}

/* Sources and responders; the spool and the client stay across reloads. */
static bool open_parts(agent *a)
{
	bool ok = ar_open(a) && yara_open(a) && src_open(a);
	alog(a, ok ? "INFO" : "ERROR", AMSG_INIT,
	     "%zu fim directories, %zu localfiles, active response %s, waf %s, yara %s",
	     yg_fim_config_ndirs(a->cfg.fim), yg_lc_config_count(a->cfg.lc),
	     a->cfg.ar_disabled ? "off" : "on", a->waf ? "on" : "off", a->yara ? "on" : "off");
	return ok;
}

static void close_parts(agent *a)
{
	src_close(a);
	yara_close(a);
	ar_close(a);
	ievent_flush(a); /* results of the last runs */
}

/* SIGHUP: a configuration with errors changes nothing; otherwise the
 * sources and responders restart on the new one (the manager address is
 * kept: changing it needs a restart). */
static void reload(agent *a)
{
	alog(a, "INFO", AMSG_RELOAD, "reloading the configuration");
	yg_agent_config ncfg;
	if (read_config(a, &ncfg, false)) {
		alog(a, "ERROR", AMSG_RELOAD,
		     "reload refused: configuration errors; the running configuration is kept");
		yg_agent_config_free(&ncfg);
		return;
	}
	close_parts(a);
	/* the transport client keeps running: its settings stay */
	memcpy(ncfg.servers, a->cfg.servers, sizeof(ncfg.servers));
	ncfg.nservers = a->cfg.nservers;
	ncfg.queue_size = a->cfg.queue_size;
	ncfg.events_per_second = a->cfg.events_per_second;
	ncfg.buffer_disabled = a->cfg.buffer_disabled;
	ncfg.has_buffer = a->cfg.has_buffer;
	yg_agent_config_free(&a->cfg);
	a->cfg = ncfg;
	if (!open_parts(a))
		alog(a, "ERROR", AMSG_RELOAD, "reload: a part could not start (see above)");
}

static int next_timeout(agent *a, long long last_lc)
{
	if (!a->spool_full && (a->lc_more || a->fim_more || a->niev))
		return 0;
	long long to = 1000;
	if (a->lc) {
		long long t = 1000 - (yg_now_ms() - last_lc);
		if (t < to)
			to = t;
	}
	int ts[3] = {a->fim ? yg_fim_next_timeout_ms(a->fim) : -1, ar_timeout_ms(a),
	             yara_timeout_ms(a)};
	for (int i = 0; i < 3; i++)
		if (ts[i] >= 0 && ts[i] < to)
			to = ts[i];
	return to < 0 ? 0 : (int)to;
}

/* The daemon's loop (common/ydaemon.h): one pass per wake-up. */
static void loop(agent *a, yg_daemon *dm)
{
	long long last_lc = 0;
	while (yg_daemon_running()) {
		if (yg_daemon_take_hup()) {
			yg_sd_reloading();
			reload(a);
			yg_sd_ready("running");
		}
		struct pollfd fds[4];
		size_t n = 0;
		int fds_in[4] = {a->ar_efd, a->fim ? yg_fim_fd(a->fim) : -1, ar_fd(a),
		                 a->lc ? yg_lc_fd(a->lc) : -1};
		for (int i = 0; i < 4; i++)
			if (fds_in[i] >= 0)
				fds[n++] = (struct pollfd){.fd = fds_in[i], .events = POLLIN};
		int r = yg_daemon_wait(dm, fds, n, next_timeout(a, last_lc));
		if (r < 0) {
			alog(a, "ERROR", AMSG_INIT, "poll failed: %s", strerror(errno));
			break;
		}
		if (!yg_daemon_running())
			break;
		bool lc_woke = false;
		for (size_t i = 0; r > 0 && i < n; i++)
			if (fds[i].fd == fds_in[3] && (fds[i].revents & POLLIN))
				lc_woke = true;
		send_drain_ar(a);
		ar_tick(a);
		src_poll(a, lc_woke, &last_lc);
		yara_tick(a);
		src_buffer_levels(a);
		ievent_flush(a);
	}
}

/* Runs the agent's parts until a stop; 0 on a clean stop. */
static int serve(agent *a, yg_daemon *dm)
{
	int rc = 1;
	if (open_spool(a) && open_parts(a) && send_open(a)) {
		alog(a, "INFO", AMSG_STARTED, "started (pid %ld, agent %s, home %s)",
		     (long)getpid(), a->id, a->opts->home);
		yg_sd_ready("running");
		loop(a, dm);
		yg_sd_stopping();
		alog(a, "INFO", AMSG_STOPPING, "stopping");
		rc = 0;
	}
	/* the client first: it reads the spool from its thread */
	send_close(a);
	close_parts(a);
	if (a->spool) {
		yg_spool_stats st;
		yg_spool_stats_get(a->spool, &st);
		alog(a, "INFO", AMSG_STOPPING, "spool: %llu events not yet acknowledged",
		     (unsigned long long)st.records_pending);
	}
	yg_spool_close(a->spool);
	a->spool = NULL;
	return rc;
}

/* Everything after the configuration was read, on the daemon skeleton
 * (common/ydaemon.h); rc is the exit status. */
static int run(agent *a)
{
	const yg_agent_opts *opts = a->opts;
	yg_daemon dm = {.name = "yagura agent",
	                .what = "agent",
	                .ident = "yagura-agent",
	                .log_rel = "logs/yagura-agent.log",
	                .pid_rel = "var/run/yagura-agent.pid",
	                .home = opts->home,
	                .foreground = opts->foreground,
	                .msg_init = AMSG_INIT};
	if (!yg_daemon_open_log(&dm))
		return 1;
	a->log = dm.log;
	if (!yg_agent_id_read(opts->home, a->id, sizeof(a->id), a->name, sizeof(a->name))) {
		fprintf(stderr,
		        "yagura agent: %s/etc/agent.id missing or invalid: enrol first with "
		        "`yagura enroll`\n",
		        opts->home);
		alog(a, "ERROR", AMSG_INIT, "not enrolled (etc/agent.id)");
		return 1;
	}
	char p[PATH_MAX];
	if (!yg_path_join(p, sizeof(p), opts->home, "var/db") || !yg_mkdirs(p))
		return 1;
	if (!yg_daemon_start(&dm)) { /* told by yg_daemon_start */
		yg_daemon_stop(&dm);
		return 1;
	}
	int rc = serve(a, &dm);
	yg_daemon_stop(&dm);
	alog(a, rc ? "ERROR" : "INFO", AMSG_STOPPED, rc ? "start-up failed" : "stopped");
	return rc;
}

/* An idle agent should cost its host little (BENCHMARKS.md, "Idle
 * agent"): one malloc arena for its two threads (the transport thread's
 * own arena would keep its pages), and SQLite without the per-connection
 * lookaside slots and bulk page-cache allocation it makes and touches at
 * open (about 200 kB for each of the agent's four small databases, which
 * see a few statements a second at most). Process-wide, so before any
 * database is opened; a call SQLite refuses changes nothing. */
static void lean_process(void)
{
	mallopt(M_ARENA_MAX, 1);
	yg_db_process_lean();
}

int yg_agent_run(const yg_agent_opts *opts)
{
	lean_process();
	agent a = {.opts = opts, .ar_efd = -1};
	pthread_mutex_init(&a.ar_mu, NULL);
	yg_fim_input_init(&a.fim_in);
	yg_buf_init(&a.rec, YG_SPOOL_MAX_RECORD + 64);
	yg_buf_init(&a.state, YG_SPOOL_MAX_STATE);
	yg_buf_init(&a.line, 1u << 20);
	int rc = read_config(&a, &a.cfg, opts->test_only);
	if (opts->test_only) {
		if (rc == 0)
			fprintf(stderr,
			        "yagura agent: configuration OK (manager %s:%d, %zu fim "
			        "directories, "
			        "%zu localfiles)\n",
			        a.cfg.servers[0].address, a.cfg.servers[0].port,
			        yg_fim_config_ndirs(a.cfg.fim), yg_lc_config_count(a.cfg.lc));
	} else if (rc) {
		fprintf(stderr, "yagura agent: configuration errors; not started\n");
	} else {
		a.ar_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		rc = a.ar_efd < 0 ? 1 : run(&a);
	}
	for (size_t i = 0; i < a.niev; i++) {
		free(a.iev[i].location);
		free(a.iev[i].log);
	}
	if (a.ar_efd >= 0)
		close(a.ar_efd);
	yg_log_close(a.log);
	yg_fim_input_free(&a.fim_in);
	yg_buf_free(&a.rec);
	yg_buf_free(&a.state);
	yg_buf_free(&a.line);
	yg_agent_config_free(&a.cfg);
	pthread_mutex_destroy(&a.ar_mu);
	return rc;
}
