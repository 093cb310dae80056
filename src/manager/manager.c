/* manager.c: the manager's life cycle and event loop.
 *
 * One thread waits (ppoll) on the FIM inotify descriptor and the log
 * collector's descriptor, with the modules' own timeouts, and hands what they
 * produce to the pipeline, which runs the engine on its workers and commits
 * alerts and read positions together (pipeline.h). A commit follows every
 * pass of the loop that produced events, so an event waits at most one pass.
 * Signals are blocked outside ppoll, so none is lost between a check and the
 * wait. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/ylog.h"
#include "manager/agents.h"
#include "manager/api_wire.h"
#include "manager/manager_int.h"
#include "manager/metrics.h"
#include "manager/respond.h"
#include "outputs/db_salvage.h"

#define WORKERS_MAX 8
#define BATCH_MAX 1024
#define COMMIT_ERROR_LOG_MS 60000
#define COMMIT_BACKOFF_MAX_MS 5000
#define COMMIT_MIN_FREE (1024ull * 1024ull) /* less free: "no space left" */

static volatile sig_atomic_t got_term, got_hup, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1; /* the ban ledger was changed by `yagura ctl` */
	else
		got_term = 1;
}

/* ---- configuration and ruleset ---- */

/* Loads the ruleset that cfg names; NULL (and the reasons logged) when it
 * has errors or no rules. */
static yg_ruleset *load_ruleset(manager *m, const yg_manager_config *cfg)
{
	yg_diag *d = yg_diag_create();
	if (!d)
		return NULL;
	yg_ruleset *rs = NULL;
	yg_err err = yg_ruleset_load(cfg->rules, d, &rs);
	print_diag_to_log(m, d);
	if (err || !rs || yg_ruleset_nrules(rs) == 0) {
		mlog(m, "ERROR", MSG_RULESET, "ruleset not usable: %s, %zu errors, %zu rules",
		     yg_strerror(err), yg_diag_errors(d), rs ? yg_ruleset_nrules(rs) : 0);
		yg_ruleset_destroy(rs);
		rs = NULL;
	} else {
		mlog(m, "INFO", MSG_RULESET, "ruleset: %zu decoders, %zu rules, %zu lists",
		     yg_ruleset_ndecoders(rs), yg_ruleset_nrules(rs), yg_ruleset_nlists(rs));
	}
	yg_diag_destroy(d);
	return rs;
}

/* Reads the configuration files into cfg; the diagnostics go to the log
 * (and, when `print`, to stderr). 0 when there was no error. */
static int read_config(manager *m, yg_manager_config *cfg, bool print)
{
	const yg_manager_opts *o = m->opts;
	yg_diag *d = yg_diag_create();
	if (!d)
		return 1;
	yg_err err = yg_manager_config_read(cfg, o->conf, o->nconf, o->home, d);
	int rc = (err || yg_diag_errors(d)) ? 1 : 0;
	if (print || rc)
		yg_diag_print(d, stderr);
	if (m->log)
		print_diag_to_log(m, d);
	yg_diag_destroy(d);
	return rc;
}

/* Inside the commit's transaction: every source's position. */
static yg_err commit_hook(void *ctx, void *db, uint64_t first, uint64_t last)
{
	manager *m = ctx;
	yg_err err = sources_commit_hook(m, db, first, last);
	if (!err && m->agents)
		err = agents_commit_hook(m->agents, db);
	return err;
}

/* Why a commit failed, in words: a full file system is named as such
 * (SQLite and the alerts.json writer only say "I/O error"). */
static void commit_cause(manager *m, yg_err err, int saved_errno, char *out, size_t n)
{
	char db[PATH_MAX];
	struct statvfs vs;
	if (yg_path_join(db, sizeof(db), m->opts->home, "var/db") && statvfs(db, &vs) == 0 &&
	    (unsigned long long)vs.f_bavail * vs.f_frsize < COMMIT_MIN_FREE) {
		snprintf(out, n, "no space left on the file system of %s (%llu KiB free)", db,
		         (unsigned long long)vs.f_bavail * vs.f_frsize / 1024);
		return;
	}
	if (saved_errno == ENOSPC || saved_errno == EDQUOT)
		snprintf(out, n, "%s", strerror(saved_errno));
	else
		snprintf(out, n, "%s", yg_strerror(err));
}

/* Commits the batch and the sources' positions. false on failure: the
 * pipeline keeps the batch, and the next try waits a back-off (100 ms
 * doubling to 5 s) instead of spinning; the failure is logged when it
 * starts and every minute, the recovery once. */
static bool commit(manager *m)
{
	if (!yg_pipeline_pending(m->pipe) && !m->lc_dirty &&
	    !(m->agents && agents_dirty(m->agents)))
		return true;
	long long now = yg_now_ms();
	if (now < m->commit_retry_at)
		return false;
	errno = 0;
	yg_err err = yg_pipeline_commit(m->pipe, commit_hook, m);
	if (err) {
		int se = errno;
		m->commit_backoff = m->commit_backoff ? m->commit_backoff * 2 : 100;
		if (m->commit_backoff > COMMIT_BACKOFF_MAX_MS)
			m->commit_backoff = COMMIT_BACKOFF_MAX_MS;
		m->commit_retry_at = now + m->commit_backoff;
		if (!m->commit_failing_since)
			m->commit_failing_since = now;
		if (m->commit_error_logged < m->commit_failing_since ||
		    now - m->commit_error_logged >= COMMIT_ERROR_LOG_MS) {
			char cause[PATH_MAX + 96];
			commit_cause(m, err, se, cause, sizeof(cause));
			m->commit_error_logged = now;
			mlog(m, "ERROR", MSG_COMMIT,
			     "cannot commit alerts and positions (%s); sources are held "
			     "back and the commit is retried every %d s until it works",
			     cause, COMMIT_BACKOFF_MAX_MS / 1000);
		}
		return false;
	}
	if (m->commit_failing_since) {
		mlog(m, "INFO", MSG_COMMIT,
		     "commits work again after %lld s: alerts and positions are committed "
		     "(recovered)",
		     (now - m->commit_failing_since) / 1000);
		m->commit_failing_since = 0;
	}
	m->commit_backoff = 0;
	m->commit_retry_at = 0;
	m->lc_dirty = false;
	if (m->agents)
		agents_committed(m->agents);
	return true;
}

/* SIGHUP: the configuration and the ruleset are read again; if either has
 * an error, nothing changes. Otherwise the batch is committed, the sources
 * are stopped and started again on the new configuration (they resume from
 * their committed positions and baseline) and the engine runs the new
 * ruleset. */
static void reload(manager *m)
{
	mlog(m, "INFO", MSG_RELOADED, "reloading the configuration and the ruleset");
	yg_manager_config ncfg = {0};
	if (read_config(m, &ncfg, false)) {
		mlog(m, "ERROR", MSG_RELOAD_REFUSED,
		     "reload refused: configuration errors; the running configuration is kept");
		yg_manager_config_free(&ncfg);
		return;
	}
	yg_ruleset *rs = load_ruleset(m, &ncfg);
	if (!rs) {
		mlog(m, "ERROR", MSG_RELOAD_REFUSED, "reload refused: the running ruleset is kept");
		yg_manager_config_free(&ncfg);
		return;
	}
	if (!commit(m)) {
		mlog(m, "ERROR", MSG_RELOAD_REFUSED,
		     "reload refused: the current batch cannot be committed");
		yg_ruleset_destroy(rs);
		yg_manager_config_free(&ncfg);
		return;
	}
	sources_close_fim(m);
	m->lc_dirty = m->lc != NULL;
	commit(m); /* what FIM offered at close, and the positions */
	sources_close_lc(m);
	if (yg_pipeline_set_ruleset(m->pipe, rs, ncfg.log_alert_level)) {
		/* FIM's last offer is still uncommitted: keep the old engine */
		mlog(m, "WARNING", MSG_RELOAD_REFUSED, "ruleset kept: a batch is still pending");
		yg_ruleset_destroy(rs);
	} else {
		yg_ruleset_destroy(m->rs);
		m->rs = rs;
	}
	api_wire_close(m->api); /* it shows the stores closed below */
	m->api = NULL;
	respond_close(m->respond); /* it reads the old configuration */
	m->respond = NULL;
	yg_pipeline_set_sink(m->pipe, NULL, NULL);
	/* the syslog listeners keep running on the configuration they were
	 * bound with (as <remote> does): it moves into the new one */
	yg_rsyslog_config keep = ncfg.rsyslog;
	ncfg.rsyslog = m->cfg.rsyslog;
	m->cfg.rsyslog = keep;
	yg_manager_config_free(&m->cfg);
	m->cfg = ncfg;
	bool failed = false;
	m->respond = respond_open(m, &failed);
	if (m->respond)
		yg_pipeline_set_sink(m->pipe, respond_alerts, m->respond);
	api_wire_open(m, &failed);
	char db[PATH_MAX];
	yg_diag *d = yg_diag_create();
	if (!d || !yg_path_join(db, sizeof(db), m->opts->home, "var/db/manager.db") ||
	    !sources_open(m, db, d))
		mlog(m, "ERROR", MSG_INIT, "reload: a source could not start (see above)");
	if (d)
		print_diag_to_log(m, d);
	yg_diag_destroy(d);
	mlog(m, "INFO", MSG_RELOADED,
	     "reloaded: %zu fim directories, %zu localfiles, ruleset of %zu rules",
	     yg_fim_config_ndirs(m->cfg.fim), yg_lc_config_count(m->cfg.lc),
	     yg_ruleset_nrules(m->rs));
}

/* ---- damaged databases ---- */

typedef struct salvage_ctx {
	manager *m;
	const char *file;
} salvage_ctx;

static void salvaged_table(void *ctx, const char *table, long long rows, bool whole)
{
	salvage_ctx *c = ctx;
	mlog(c->m, whole ? "INFO" : "WARNING", MSG_INIT,
	     "recover-db: %s: table %s: %lld rows kept%s", c->file, table, rows,
	     whole ? "" : " (the rest could not be read)");
}

/* Runs f(m, path, name) for each NAME.db in HOME/var/db; the number of those
 * f returned true for. */
static size_t each_db(manager *m, bool (*f)(manager *, const char *, const char *))
{
	char dir[PATH_MAX];
	size_t n = 0;
	if (!yg_path_join(dir, sizeof(dir), m->opts->home, "var/db"))
		return 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char path[PATH_MAX + 256];
		if (l < 4 || strcmp(de->d_name + l - 3, ".db") ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		n += f(m, path, de->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

/* --recover-db: a damaged database set aside and salvaged. */
static bool recover_one(manager *m, const char *path, const char *name)
{
	char why[256], aside[PATH_MAX + 64];
	if (yg_db_check(path, why, sizeof(why)) != YG_DB_DAMAGED)
		return false;
	mlog(m, "WARNING", MSG_INIT, "recover-db: %s is damaged (%s): setting it aside", path, why);
	salvage_ctx c = {m, name};
	if (yg_db_salvage(path, aside, sizeof(aside), salvaged_table, &c) != YG_OK) {
		mlog(m, "ERROR", MSG_INIT, "recover-db: %s could not be set aside: %s", path,
		     strerror(errno));
		return true;
	}
	mlog(m, "WARNING", MSG_INIT,
	     "recover-db: %s is new (the damaged file is %s); see docs/manager.md for what is "
	     "rebuilt and what is lost",
	     path, aside);
	return true;
}

/* After a failed start: names a damaged database and the way out. */
static bool hint_one(manager *m, const char *path, const char *name)
{
	(void)name;
	char why[256];
	if (yg_db_check(path, why, sizeof(why)) != YG_DB_DAMAGED)
		return false;
	mlog(m, "ERROR", MSG_INIT,
	     "%s is damaged (%s): start once with `yagura manager -D %s --recover-db` to set it "
	     "aside and keep what can be read (docs/manager.md)",
	     path, why, m->opts->home);
	fprintf(stderr,
	        "yagura manager: %s is damaged (%s); start once with --recover-db to set it aside "
	        "and rebuild (docs/manager.md)\n",
	        path, why);
	return true;
}

/* ---- start-up ---- */

static unsigned default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

/* Opens the outputs, the pipeline and the sources; false (logged) on
 * failure. */
static bool open_parts(manager *m)
{
	const char *home = m->opts->home;
	char p[PATH_MAX], db[PATH_MAX];
	yg_diag *d = yg_diag_create();
	if (!d)
		return false;
	bool ok = false;
	if (!m->metrics && !(m->metrics = metrics_create()))
		goto out;
	if (!yg_path_join(p, sizeof(p), home, "var/db") || !yg_mkdirs(p) ||
	    !yg_path_join(db, sizeof(db), home, "var/db/manager.db"))
		goto out;
	yg_alerts_log_config acfg;
	if (!yg_path_join(p, sizeof(p), home, "logs/alerts"))
		goto out;
	yg_alerts_log_config_default(&acfg, p);
	acfg.min_level = 0; /* the pipeline filters by log_alert_level */
	if (yg_alerts_log_create(&acfg, d, &m->alerts))
		goto out;
	if (m->cfg.logall_json) {
		if (!yg_path_join(p, sizeof(p), home, "logs/archives"))
			goto out;
		yg_alerts_log_config_default(&acfg, p);
		acfg.min_level = 0;
		acfg.file_name = "archives.json";
		acfg.rotated_prefix = "ossec-archive";
		if (yg_alerts_log_create(&acfg, d, &m->archives))
			goto out;
	}
	yg_alert_store_config scfg;
	yg_alert_store_config_default(&scfg, db);
	if (yg_alert_store_create(&scfg, d, &m->store))
		goto out;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	yg_pipeline_config pc = {
	        .manager_name = host,
	        .rs = m->rs,
	        .workers = m->opts->workers ? m->opts->workers : default_workers(),
	        .batch_max = BATCH_MAX,
	        .log_alert_level = m->cfg.log_alert_level,
	        .store = m->store,
	        .alerts = m->alerts,
	        .archives = m->archives,
	};
	yg_err err = yg_pipeline_create(&pc, &m->pipe);
	if (err) {
		mlog(m, "ERROR", MSG_PIPELINE, "the analysis pipeline cannot start: %s",
		     yg_strerror(err));
		goto out;
	}
	yg_pipeline_stats st;
	yg_pipeline_get_stats(m->pipe, &st);
	if (st.recovered_bytes)
		mlog(m, "WARNING", MSG_RECOVERED,
		     "alerts.json: completed %llu bytes of alerts committed before a crash",
		     (unsigned long long)st.recovered_bytes);
	if (st.recover_skipped)
		mlog(m, "WARNING", MSG_RECOVERED,
		     "alerts.json: the last batch before a crash could not be rebuilt; the "
		     "alert store has it");
	mlog(m, "INFO", MSG_PIPELINE, "analysis: %u workers, batches of up to %d events",
	     pc.workers, BATCH_MAX);
	ok = sources_open(m, db, d) && syslog_open(m);
	bool failed = false;
	if (ok)
		m->agents = agents_open(m, db, &failed);
	ok = ok && !failed;
	if (ok) {
		m->respond = respond_open(m, &failed);
		ok = !failed;
		if (m->respond)
			yg_pipeline_set_sink(m->pipe, respond_alerts, m->respond);
	}
	if (ok) {
		api_wire_open(m, &failed);
		ok = !failed;
	}
out:
	print_diag_to_log(m, d);
	if (!ok)
		mlog(m, "ERROR", MSG_INIT, "start-up failed");
	yg_diag_destroy(d);
	return ok;
}

/* Stops the sources with everything they accepted committed. */
static void close_parts(manager *m)
{
	if (m->pipe) {
		m->commit_retry_at = 0; /* a last try, back-off or not */
		commit(m);
		sources_close_fim(m);
		m->lc_dirty = m->lc != NULL;
		m->commit_retry_at = 0;
		if (!commit(m) && m->lc)
			mlog(m, "ERROR", MSG_LC_COMMIT,
			     "the last batch could not be committed: it will be read again");
	} else {
		sources_close_fim(m);
	}
	sources_close_lc(m);
	metrics_set_down(m->metrics, "stopping");
	api_wire_close(m->api); /* it shows the stores closed below */
	m->api = NULL;
	metrics_destroy(m->metrics);
	m->metrics = NULL;
	respond_close(m->respond);
	m->respond = NULL;
	agents_close(m->agents); /* what was not committed is resent by the agents */
	m->agents = NULL;
	syslog_close(m);
	if (m->pipe) {
		yg_pipeline_stats st;
		yg_pipeline_get_stats(m->pipe, &st);
		mlog(m, "INFO", MSG_STOPPING, "%llu events, %llu alerts, %llu commits",
		     (unsigned long long)st.events, (unsigned long long)st.alerts,
		     (unsigned long long)st.batches);
	}
	yg_pipeline_destroy(m->pipe);
	m->pipe = NULL;
	if (m->alerts)
		yg_alerts_log_sync(m->alerts);
	yg_alerts_log_destroy(m->alerts);
	yg_alerts_log_destroy(m->archives); /* syncs */
	m->archives = NULL;
	yg_alert_store_destroy(m->store);
	yg_ruleset_destroy(m->rs);
	yg_fim_input_free(&m->fim_in);
	yg_buf_free(&m->line);
}

/* ---- the loop ---- */

static void log_fim_ready(manager *m)
{
	if (m->fim_ready || !m->fim)
		return;
	yg_fim_stats st;
	yg_fim_get_stats(m->fim, &st);
	if (st.scans > 0 || !yg_fim_config_scan_on_start(m->cfg.fim)) {
		m->fim_ready = true;
		mlog(m, "INFO", MSG_FIM_READY, "fim: baseline ready (%llu files, %llu watches)",
		     (unsigned long long)st.files_in_db, (unsigned long long)st.watches);
	}
}

static int next_timeout(manager *m, long long last_lc)
{
	long long wait = m->commit_retry_at - yg_now_ms();
	if (wait > 0) /* a commit failed: nothing moves before its retry */
		return wait < 1000 ? (int)wait : 1000;
	if (m->lc_more || m->fim_more || yg_pipeline_pending(m->pipe) ||
	    (m->agents && agents_pending(m->agents)) ||
	    (m->syslogd && yg_syslogd_blocked(m->syslogd)))
		return 0;
	long long to = 1000;
	if (m->lc) {
		long long t = 1000 - (yg_now_ms() - last_lc);
		if (t < to)
			to = t;
	}
	if (m->fim) {
		int t = yg_fim_next_timeout_ms(m->fim);
		if (t >= 0 && t < to)
			to = t;
	}
	if (m->respond) {
		int t = respond_timeout_ms(m->respond);
		if (t >= 0 && t < to)
			to = t;
	}
	return to < 0 ? 0 : (int)to;
}

/* Tells systemd (Type=notify) that the pipeline runs. */
static void ready(manager *m)
{
	char st[160];
	snprintf(st, sizeof(st), "running: %zu rules, %zu fim directories, %zu localfiles",
	         m->rs ? yg_ruleset_nrules(m->rs) : 0, yg_fim_config_ndirs(m->cfg.fim),
	         yg_lc_config_count(m->cfg.lc));
	yg_sd_ready(st);
}

static void loop(manager *m)
{
	sigset_t empty;
	sigemptyset(&empty);
	long long last_lc = 0;
	/* systemd's watchdog: a ping from every pass once half its period is
	 * over; a pass lasts at most next_timeout (<= 1 s) plus a batch */
	long long wd = yg_sd_watchdog_interval_ms(), last_wd = 0;
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			yg_sd_reloading();
			reload(m);
			ready(m);
		}
		if (wd && yg_now_ms() - last_wd >= wd) {
			last_wd = yg_now_ms();
			yg_sd_watchdog();
		}
		struct pollfd fds[5];
		nfds_t n = 0;
		int ffd = m->fim ? yg_fim_fd(m->fim) : -1;
		int afd = m->agents ? agents_fd(m->agents) : -1;
		int rfd = m->respond ? respond_fd(m->respond) : -1;
		int sfd = m->syslogd ? yg_syslogd_fd(m->syslogd) : -1;
		if (sfd >= 0)
			fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		if (rfd >= 0)
			fds[n++] = (struct pollfd){.fd = rfd, .events = POLLIN};
		int lfd = m->lc ? yg_lc_fd(m->lc) : -1;
		if (ffd >= 0)
			fds[n++] = (struct pollfd){.fd = ffd, .events = POLLIN};
		if (afd >= 0)
			fds[n++] = (struct pollfd){.fd = afd, .events = POLLIN};
		if (lfd >= 0)
			fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
		int to = next_timeout(m, last_lc);
		struct timespec ts = {.tv_sec = to / 1000, .tv_nsec = (to % 1000) * 1000000L};
		int r = ppoll(n ? fds : NULL, n, &ts, &empty);
		if (r < 0 && errno != EINTR) {
			mlog(m, "ERROR", MSG_INIT, "poll failed: %s", strerror(errno));
			break;
		}
		if (got_term)
			break;
		if (m->fim) {
			if (m->fim_more) {
				m->fim_more = false;
				yg_fim_flush(m->fim);
			}
			if (yg_fim_poll(m->fim, 0))
				mlog(m, "WARNING", MSG_INIT, "fim: poll reported an I/O error");
			log_fim_ready(m);
		}
		if (m->lc) {
			bool woke = r > 0 && lfd >= 0 && (fds[n - 1].revents & POLLIN);
			long long now = yg_now_ms();
			if (woke || m->lc_more || now - last_lc >= 1000) {
				last_lc = now;
				m->lc_more = false;
				yg_lc_poll(m->lc, 0);
			}
		}
		if (m->agents)
			agents_drain(m->agents);
		syslog_poll(m);
		if (m->respond) {
			bool changed = got_usr1 || api_wire_take_changed(m->api);
			got_usr1 = 0;
			respond_tick(m->respond, changed);
		}
		commit(m);
		metrics_update(m->metrics, m);
	}
}

int yg_manager_run(const yg_manager_opts *opts)
{
	manager m = {.opts = opts};
	bool pid_written = false;
	int pid_fd = -1;
	yg_fim_input_init(&m.fim_in);
	yg_buf_init(&m.line, 1u << 21);
	int rc = read_config(&m, &m.cfg, opts->test_only);
	if (opts->test_only) {
		if (rc == 0) {
			yg_diag *d = yg_diag_create();
			yg_ruleset *rs = NULL;
			yg_err err = d ? yg_ruleset_load(m.cfg.rules, d, &rs) : YG_ENOMEM;
			if (d)
				yg_diag_print(d, stderr);
			if (err || !rs || (d && yg_diag_errors(d)))
				rc = 1;
			else
				fprintf(stderr,
				        "yagura manager: configuration OK (%zu decoders, %zu "
				        "rules, "
				        "%zu fim directories, %zu localfiles)\n",
				        yg_ruleset_ndecoders(rs), yg_ruleset_nrules(rs),
				        yg_fim_config_ndirs(m.cfg.fim),
				        yg_lc_config_count(m.cfg.lc));
			yg_ruleset_destroy(rs);
			yg_diag_destroy(d);
		}
		goto done;
	}
	if (rc) {
		fprintf(stderr, "yagura manager: configuration errors; not started\n");
		goto done;
	}
	char p[PATH_MAX];
	if (!yg_path_join(p, sizeof(p), opts->home, "logs") || !yg_mkdirs(p) ||
	    !yg_path_join(p, sizeof(p), opts->home, "logs/yagura.log") ||
	    yg_log_open(p, "yagura-manager", 0, opts->foreground, &m.log)) {
		fprintf(stderr, "yagura manager: cannot open %s/logs/yagura.log: %s\n", opts->home,
		        strerror(errno));
		rc = 1;
		goto done;
	}
	/* the ruleset is loaded before forking so that a daemon which cannot
	 * start says so to whoever started it */
	m.rs = load_ruleset(&m, &m.cfg);
	if (!m.rs) {
		fprintf(stderr,
		        "yagura manager: the ruleset could not be loaded; see %s/logs/yagura.log\n",
		        opts->home);
		rc = 1;
		goto out;
	}
	long other = 0;
	pid_fd = yg_pidfile_lock(opts->home, "var/run/yagura.pid", &other);
	if (pid_fd == -2) {
		fprintf(stderr, "yagura manager: another manager (pid %ld) runs on %s\n", other,
		        opts->home);
		mlog(&m, "ERROR", MSG_INIT, "another manager (pid %ld) runs on this home", other);
		rc = 1;
		goto out;
	}
	/* the lock is inherited by the daemon (OFD locks belong to the open
	 * file, not to the process) */
	if (!opts->foreground && !yg_daemonize()) {
		mlog(&m, "ERROR", MSG_INIT, "could not become a daemon");
		rc = 1;
		goto out;
	}
	pid_written = pid_fd >= 0 && yg_pidfile_write(pid_fd);
	if (!pid_written)
		mlog(&m, "WARNING", MSG_INIT, "could not write var/run/yagura.pid");
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	unsigned long long fd_before = 0, fd_after = 0;
	if (!yg_raise_nofile(&fd_before, &fd_after))
		mlog(&m, "WARNING", MSG_INIT, "could not raise the descriptor limit (now %llu)",
		     fd_after);
	else if (fd_after != fd_before)
		mlog(&m, "INFO", MSG_INIT, "descriptor limit raised from %llu to %llu", fd_before,
		     fd_after);
	if (opts->recover_db && each_db(&m, recover_one) == 0)
		mlog(&m, "INFO", MSG_INIT, "recover-db: no damaged database in %s/var/db",
		     opts->home);
	if (!open_parts(&m)) {
		each_db(&m, hint_one);
		rc = 1;
		goto out;
	}
	mlog(&m, "INFO", MSG_STARTED, "started (pid %ld, home %s)", (long)getpid(), opts->home);
	ready(&m);
	loop(&m);
	yg_sd_stopping();
	mlog(&m, "INFO", MSG_STOPPING, "stopping");
out:
	close_parts(&m);
	if (pid_written && yg_path_join(p, sizeof(p), opts->home, "var/run/yagura.pid"))
		unlink(p);
	if (pid_fd >= 0)
		close(pid_fd);
	if (rc == 0)
		mlog(&m, "INFO", MSG_STOPPED, "stopped");
	yg_log_close(m.log);
	m.log = NULL;
done:
	yg_fim_input_free(&m.fim_in);
	yg_buf_free(&m.line);
	yg_manager_config_free(&m.cfg);
	return rc;
}
