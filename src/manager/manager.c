/* manager.c: the manager's single-threaded event loop.
 *
 * One thread waits (ppoll) on the FIM inotify descriptor and the
 * log collector's descriptor, with the modules' own timeouts; every event is
 * processed synchronously: engine -> alert JSON -> alerts.json -> store. Read
 * positions of collected files are committed only after the alerts of the
 * lines read are written, so a crash repeats lines rather than losing them.
 * Signals are blocked outside ppoll, so none is lost between a check and the
 * wait. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/ybuf.h"
#include "manager/manager.h"
#include "outputs/alert_store.h"
#include "outputs/alerts_log.h"

/* Numbered messages of the manager's own log. */
enum {
	MSG_STARTED = 1001,
	MSG_STOPPING = 1002,
	MSG_STOPPED = 1003,
	MSG_FIM_READY = 1004,
	MSG_RULESET = 1005,
	MSG_RELOADED = 1006,
	MSG_RELOAD_REFUSED = 1007,
	MSG_CONFIG = 1008,
	MSG_ALERT_WRITE = 1009,
	MSG_STORE = 1010,
	MSG_ENGINE = 1011,
	MSG_INIT = 1012,
	MSG_LC_COMMIT = 1013,
};

#define ALERT_JSON_MAX (4u << 20)
#define FIELD_MAX 48
/* Collected lines accepted per collector pass. Positions are committed after
 * each pass, so this bounds the lines a kill -9 can repeat; without it one
 * pass could take a whole backlog and repeat all of it. */
#define LC_BATCH_MAX 256

typedef struct manager {
	const yg_manager_opts *opts;
	yg_manager_config cfg;
	FILE *log;
	yg_ruleset *rs;
	yg_session *sess;
	yg_fim *fim;
	yg_lc *lc;
	yg_alerts_log *alerts;
	yg_alert_store *store;
	yg_buf json;
	yg_buf text;              /* FIM full_log */
	char strs[FIELD_MAX][80]; /* numeric field values of one FIM event */
	size_t nstrs;
	unsigned long long events, alerts_written;
	bool lc_dirty;
	size_t lc_batch; /* lines accepted in the current collector pass */
	bool lc_more;    /* the pass stopped at LC_BATCH_MAX: poll again now */
} manager;

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* Writes one numbered line to HOME/logs/yagura.log (and stderr in the
 * foreground). Never fails visibly. */
static void mlog(manager *m, const char *level, int id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void mlog(manager *m, const char *level, int id, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm);
	if (m->log) {
		fprintf(m->log, "%s yagura-manager: %s: YG-%d %s\n", ts, level, id, msg);
		fflush(m->log);
	}
	if (m->opts->foreground || !m->log)
		fprintf(stderr, "%s yagura-manager: %s: YG-%d %s\n", ts, level, id, msg);
}

/* mkdir -p of path (absolute); true on success. */
static bool mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, 0750) != 0 && errno != EEXIST)
				return false;
			buf[i] = c;
		}
	}
	return true;
}

/* home + "/" + rel into out; false when it does not fit. */
static bool home_path(char *out, size_t n, const char *home, const char *rel)
{
	int w = snprintf(out, n, "%s/%s", home, rel);
	return w > 0 && (size_t)w < n;
}

static void print_diag_to_log(manager *m, const yg_diag *d)
{
	for (size_t i = 0; i < yg_diag_count(d); i++) {
		const yg_diag_entry *e = yg_diag_get(d, i);
		mlog(m, e->severity == YG_SEV_ERROR ? "ERROR" : "WARNING", MSG_CONFIG,
		     "%s:%d: %s: %s", e->file ? e->file : "-", e->line,
		     e->element ? e->element : "-", e->message);
	}
}

/* ---- alerts ---- */

/* Runs one event through the engine and files its alert. */
static void process(manager *m, const yg_input *in)
{
	yg_verdict v;
	m->events++;
	yg_err err = yg_session_process(m->sess, in, &v);
	if (err) {
		mlog(m, "ERROR", MSG_ENGINE, "engine error on an event from %s: %s",
		     in->location ? in->location : "-", yg_strerror(err));
		return;
	}
	if (!v.alert || v.level < m->cfg.log_alert_level)
		return;
	yg_buf_reset(&m->json);
	if (yg_session_alert_json(m->sess, &m->json) || !m->json.data) {
		mlog(m, "ERROR", MSG_ENGINE, "alert of rule %u could not be built", v.rule_id);
		return;
	}
	err = yg_alerts_log_write(m->alerts, m->json.data, m->json.len, v.level, in->now);
	if (err) {
		mlog(m, "ERROR", MSG_ALERT_WRITE, "alerts.json write failed for rule %u: %s",
		     v.rule_id, yg_strerror(err));
		return;
	}
	m->alerts_written++;
	err = yg_alert_store_add(m->store, m->json.data, m->json.len);
	if (err)
		mlog(m, "WARNING", MSG_STORE, "alert store: %s (the alert is in alerts.json)",
		     yg_strerror(err));
}

/* ---- FIM events -> pre-decoded engine input ---- */

typedef struct kvs {
	yg_kv v[FIELD_MAX];
	size_t n;
} kvs;

static void kv_add(kvs *k, const char *key, const char *value)
{
	if (k->n < FIELD_MAX && value)
		k->v[k->n++] = (yg_kv){key, value};
}

/* A number as a string kept in m until the event is processed. */
static const char *num(manager *m, unsigned long long v)
{
	if (m->nstrs >= FIELD_MAX)
		return NULL;
	char *s = m->strs[m->nstrs++];
	snprintf(s, sizeof(m->strs[0]), "%llu", v);
	return s;
}

static const char *snum(manager *m, long long v)
{
	if (m->nstrs >= FIELD_MAX)
		return NULL;
	char *s = m->strs[m->nstrs++];
	snprintf(s, sizeof(m->strs[0]), "%lld", v);
	return s;
}

/* Adds the attributes of one side; `sfx` is "" or "_before". Only what the
 * directory checks is present, as in Wazuh's events. */
static void add_attrs(manager *m, kvs *k, const yg_fim_attrs *a, bool before)
{
	static const char *const names[][2] = {
	        {"size", "size_before"},   {"perm", "perm_before"},     {"uid", "uid_before"},
	        {"gid", "gid_before"},     {"uname", "uname_before"},   {"gname", "gname_before"},
	        {"mtime", "mtime_before"}, {"inode", "inode_before"},   {"md5", "md5_before"},
	        {"sha1", "sha1_before"},   {"sha256", "sha256_before"},
	};
	int b = before ? 1 : 0;
	if (a->checks & YG_FIM_CHECK_SIZE)
		kv_add(k, names[0][b], num(m, a->size));
	if (a->checks & YG_FIM_CHECK_PERM)
		kv_add(k, names[1][b], a->perm);
	if (a->checks & YG_FIM_CHECK_OWNER) {
		kv_add(k, names[2][b], num(m, a->uid));
		kv_add(k, names[4][b], a->uname);
	}
	if (a->checks & YG_FIM_CHECK_GROUP) {
		kv_add(k, names[3][b], num(m, a->gid));
		kv_add(k, names[5][b], a->gname);
	}
	if (a->checks & YG_FIM_CHECK_MTIME)
		kv_add(k, names[6][b], snum(m, a->mtime));
	if (a->checks & YG_FIM_CHECK_INODE)
		kv_add(k, names[7][b], num(m, a->inode));
	if (a->checks & YG_FIM_CHECK_MD5)
		kv_add(k, names[8][b], a->md5);
	if (a->checks & YG_FIM_CHECK_SHA1)
		kv_add(k, names[9][b], a->sha1);
	if (a->checks & YG_FIM_CHECK_SHA256)
		kv_add(k, names[10][b], a->sha256);
}

/* Wazuh's full_log for a FIM event: the text analysisd's syscheck decoder
 * builds (path, event, mode, changed attributes, one line per changed
 * value). Numbers are printed as Wazuh prints the event's fields (mtime as
 * seconds). The diff is not part of it (it is syscheck.diff). */
static void fim_full_log(manager *m, const yg_fim_event *ev, const char *changed)
{
	yg_buf *b = &m->text;
	yg_buf_reset(b);
	const yg_fim_attrs *o = ev->before, *n = ev->after;
	yg_buf_printf(b, "File '%s' %s\nMode: %s\n", ev->path, ev->event, ev->mode);
	if (!o || !n)
		return;
	if (changed && *changed)
		yg_buf_printf(b, "Changed attributes: %s\n", changed);
	unsigned ck = n->checks;
	if ((ck & YG_FIM_CHECK_SIZE) && o->size != n->size)
		yg_buf_printf(b, "Size changed from '%llu' to '%llu'\n",
		              (unsigned long long)o->size, (unsigned long long)n->size);
	if ((ck & YG_FIM_CHECK_PERM) && strcmp(o->perm, n->perm) != 0)
		yg_buf_printf(b, "Permissions changed from '%s' to '%s'\n", o->perm, n->perm);
	if ((ck & YG_FIM_CHECK_OWNER) && o->uid != n->uid)
		yg_buf_printf(b, "Ownership was '%u', now it is '%u'\n", o->uid, n->uid);
	if ((ck & YG_FIM_CHECK_OWNER) && strcmp(o->uname, n->uname) != 0)
		yg_buf_printf(b, "User name was '%s', now it is '%s'\n", o->uname, n->uname);
	if ((ck & YG_FIM_CHECK_GROUP) && o->gid != n->gid)
		yg_buf_printf(b, "Group ownership was '%u', now it is '%u'\n", o->gid, n->gid);
	if ((ck & YG_FIM_CHECK_GROUP) && strcmp(o->gname, n->gname) != 0)
		yg_buf_printf(b, "Group name was '%s', now it is '%s'\n", o->gname, n->gname);
	if ((ck & YG_FIM_CHECK_MTIME) && o->mtime != n->mtime)
		yg_buf_printf(b, "Old modification time was: '%lld', now it is '%lld'\n",
		              (long long)o->mtime, (long long)n->mtime);
	if ((ck & YG_FIM_CHECK_INODE) && o->inode != n->inode)
		yg_buf_printf(b, "Old inode was: '%llu', now it is '%llu'\n",
		              (unsigned long long)o->inode, (unsigned long long)n->inode);
	if ((ck & YG_FIM_CHECK_MD5) && strcmp(o->md5, n->md5) != 0)
		yg_buf_printf(b, "Old md5sum was: '%s'\nNew md5sum is : '%s'\n", o->md5, n->md5);
	if ((ck & YG_FIM_CHECK_SHA1) && strcmp(o->sha1, n->sha1) != 0)
		yg_buf_printf(b, "Old sha1sum was: '%s'\nNew sha1sum is : '%s'\n", o->sha1,
		              n->sha1);
	if ((ck & YG_FIM_CHECK_SHA256) && strcmp(o->sha256, n->sha256) != 0)
		yg_buf_printf(b, "Old sha256sum was: '%s'\nNew sha256sum is : '%s'\n", o->sha256,
		              n->sha256);
}

static int fim_emit(void *ctx, const yg_fim_event *ev)
{
	manager *m = ctx;
	kvs k = {.n = 0};
	m->nstrs = 0;
	const char *decoded_as = !strcmp(ev->event, "added")     ? "syscheck_new_entry"
	                         : !strcmp(ev->event, "deleted") ? "syscheck_deleted"
	                                                         : "syscheck_integrity_changed";
	char changed[256] = "";
	size_t cl = 0;
	for (size_t i = 0; i < ev->nchanged; i++) {
		int w = snprintf(changed + cl, sizeof(changed) - cl, "%s%s", i ? "," : "",
		                 ev->changed_attributes[i]);
		if (w < 0 || (size_t)w >= sizeof(changed) - cl)
			break;
		cl += (size_t)w;
	}
	kv_add(&k, "file", ev->path);
	kv_add(&k, "mode", ev->mode);
	kv_add(&k, "event_type", ev->event);
	/* the current attributes, then the old ones (deleted: the last known) */
	const yg_fim_attrs *cur = ev->after ? ev->after : ev->before;
	if (cur)
		add_attrs(m, &k, cur, false);
	if (ev->after && ev->before)
		add_attrs(m, &k, ev->before, true);
	if (ev->nchanged)
		kv_add(&k, "changed_fields", changed);
	if (ev->diff)
		kv_add(&k, "changed_content", ev->diff);
	if (ev->tags)
		kv_add(&k, "tag", ev->tags);
	fim_full_log(m, ev, changed);
	yg_input in = {
	        .log = m->text.data ? m->text.data : "",
	        .location = "syscheck",
	        .no_predecode = true,
	        .now = time(NULL),
	        .decoded_as = decoded_as,
	        .fields = k.v,
	        .nfields = k.n,
	};
	process(m, &in);
	return 0;
}

static void fim_logger(void *ctx, yg_fim_log_level level, int id, const char *msg)
{
	manager *m = ctx;
	static const char *const names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
	if (level == YG_FIM_LOG_DEBUG)
		return;
	/* the module's text already starts with "(id): " */
	char prefix[24];
	snprintf(prefix, sizeof(prefix), "(%d): ", id);
	if (!strncmp(msg, prefix, strlen(prefix)))
		msg += strlen(prefix);
	mlog(m, names[level], id, "fim: %s", msg);
}

/* ---- collected logs ---- */

static int lc_emit(void *ctx, const char *location, const char *log_format, const char *line,
                   size_t len)
{
	manager *m = ctx;
	(void)len;
	if (m->lc_batch >= LC_BATCH_MAX) {
		/* back-pressure: the collector offers this line again next pass */
		m->lc_more = true;
		return 1;
	}
	m->lc_batch++;
	yg_input in = {
	        .log = line,
	        .location = location,
	        .no_predecode = false,
	        .now = time(NULL),
	};
	(void)log_format;
	process(m, &in);
	m->lc_dirty = true;
	return 0;
}

static void lc_logger(void *ctx, yg_severity sev, int code, const char *msg)
{
	mlog(ctx, sev == YG_SEV_ERROR ? "ERROR" : "WARNING", code, "logcollector: %s", msg);
}

/* ---- ruleset ---- */

/* Loads a ruleset from the configuration; NULL (and the reasons logged)
 * when it has errors or no rules. */
static yg_ruleset *load_ruleset(manager *m)
{
	yg_diag *d = yg_diag_create();
	if (!d)
		return NULL;
	yg_ruleset *rs = NULL;
	yg_err err = yg_ruleset_load(m->cfg.rules, d, &rs);
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

static void reload(manager *m)
{
	yg_ruleset *rs = load_ruleset(m);
	if (!rs) {
		mlog(m, "ERROR", MSG_RELOAD_REFUSED, "reload refused: the running ruleset is kept");
		return;
	}
	yg_session *s = yg_session_create(rs, YG_CLOCK_WALL);
	if (!s) {
		yg_ruleset_destroy(rs);
		mlog(m, "ERROR", MSG_RELOAD_REFUSED, "reload refused: out of memory");
		return;
	}
	yg_session_destroy(m->sess);
	yg_ruleset_destroy(m->rs);
	m->sess = s;
	m->rs = rs;
	mlog(m, "INFO", MSG_RELOADED, "ruleset reloaded");
}

/* ---- start-up ---- */

static int check_config(const yg_manager_opts *o, yg_manager_config *cfg, bool print)
{
	yg_diag *d = yg_diag_create();
	if (!d)
		return 1;
	yg_err err = yg_manager_config_read(cfg, o->conf, o->nconf, o->home, d);
	int rc = (err || yg_diag_errors(d)) ? 1 : 0;
	if (print || rc)
		yg_diag_print(d, stderr);
	yg_diag_destroy(d);
	return rc;
}

static bool write_pidfile(const char *home)
{
	char dir[PATH_MAX], path[PATH_MAX];
	if (!home_path(dir, sizeof(dir), home, "var/run") || !mkdirs(dir) ||
	    !home_path(path, sizeof(path), home, "var/run/yagura.pid"))
		return false;
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0;
}

static bool daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return true;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens everything under home; false (logged) on failure. */
static bool open_parts(manager *m)
{
	const char *home = m->opts->home;
	char p[PATH_MAX];
	yg_diag *d = yg_diag_create();
	if (!d)
		return false;
	bool ok = false;
	if (!home_path(p, sizeof(p), home, "var/db") || !mkdirs(p))
		goto out;
	yg_alerts_log_config acfg;
	if (!home_path(p, sizeof(p), home, "logs/alerts"))
		goto out;
	yg_alerts_log_config_default(&acfg, p);
	acfg.min_level = m->cfg.log_alert_level;
	if (yg_alerts_log_create(&acfg, d, &m->alerts))
		goto out;
	yg_alert_store_config scfg;
	if (!home_path(p, sizeof(p), home, "var/db/alerts.db"))
		goto out;
	yg_alert_store_config_default(&scfg, p);
	if (yg_alert_store_create(&scfg, d, &m->store))
		goto out;
	if (yg_fim_config_ndirs(m->cfg.fim) && !yg_fim_config_disabled(m->cfg.fim)) {
		if (!home_path(p, sizeof(p), home, "var/db/fim.db"))
			goto out;
		m->fim = yg_fim_create(m->cfg.fim, p, fim_emit, m, d);
		if (!m->fim)
			goto out;
		yg_fim_set_logger(m->fim, fim_logger, m);
		if (yg_fim_realtime_start(m->fim))
			mlog(m, "WARNING", MSG_INIT, "fim: realtime monitoring could not start");
	}
	if (yg_lc_config_count(m->cfg.lc)) {
		if (!home_path(p, sizeof(p), home, "var/db/logcollector.db"))
			goto out;
		m->lc = yg_lc_create(m->cfg.lc, p, lc_emit, m, d);
		if (!m->lc)
			goto out;
		yg_lc_set_logger(m->lc, lc_logger, m);
	}
	ok = true;
out:
	print_diag_to_log(m, d);
	if (!ok)
		mlog(m, "ERROR", MSG_INIT, "start-up failed");
	yg_diag_destroy(d);
	return ok;
}

static void close_parts(manager *m)
{
	if (m->fim)
		yg_fim_destroy(m->fim); /* offers pending events once more */
	if (m->lc) {
		if (yg_lc_commit(m->lc))
			mlog(m, "ERROR", MSG_LC_COMMIT, "logcollector: positions not committed");
		yg_lc_destroy(m->lc);
	}
	if (m->alerts)
		yg_alerts_log_sync(m->alerts);
	yg_alerts_log_destroy(m->alerts);
	yg_alert_store_destroy(m->store);
	yg_session_destroy(m->sess);
	yg_ruleset_destroy(m->rs);
}

static void loop(manager *m)
{
	sigset_t empty;
	sigemptyset(&empty);
	long long last_flush = now_ms(), last_lc = 0;
	bool fim_ready = !m->fim;
	if (fim_ready)
		mlog(m, "INFO", MSG_FIM_READY, "no file-integrity monitoring configured");
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(m);
		}
		struct pollfd fds[2];
		nfds_t n = 0;
		int ffd = m->fim ? yg_fim_fd(m->fim) : -1;
		int lfd = m->lc ? yg_lc_fd(m->lc) : -1;
		if (ffd >= 0)
			fds[n++] = (struct pollfd){.fd = ffd, .events = POLLIN};
		if (lfd >= 0)
			fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
		long long now = now_ms();
		long long to = 1000 - (now - last_flush);
		if (m->lc) {
			long long t = m->lc_more ? 0 : 1000 - (now - last_lc);
			if (t < to)
				to = t;
		}
		if (m->fim) {
			int t = yg_fim_next_timeout_ms(m->fim);
			if (t >= 0 && t < to)
				to = t;
		}
		if (to < 0)
			to = 0;
		struct timespec ts = {.tv_sec = to / 1000, .tv_nsec = (to % 1000) * 1000000};
		int r = ppoll(n ? fds : NULL, n, &ts, &empty);
		if (r < 0 && errno != EINTR) {
			mlog(m, "ERROR", MSG_INIT, "poll failed: %s", strerror(errno));
			break;
		}
		if (got_term)
			break;
		if (m->fim) {
			if (yg_fim_poll(m->fim, 0))
				mlog(m, "WARNING", MSG_INIT, "fim: poll reported an I/O error");
			if (!fim_ready) {
				yg_fim_stats st;
				yg_fim_get_stats(m->fim, &st);
				if (st.scans > 0 || !yg_fim_config_scan_on_start(m->cfg.fim)) {
					fim_ready = true;
					mlog(m, "INFO", MSG_FIM_READY,
					     "fim: baseline ready (%llu files, %llu watches)",
					     (unsigned long long)st.files_in_db,
					     (unsigned long long)st.watches);
				}
			}
		}
		if (m->lc) {
			bool lc_woke = r > 0 && lfd >= 0 && (fds[n - 1].revents & POLLIN);
			now = now_ms();
			if (lc_woke || m->lc_more || now - last_lc >= 1000) {
				last_lc = now;
				m->lc_batch = 0;
				m->lc_more = false;
				yg_lc_poll(m->lc, 0);
			}
			if (m->lc_dirty) {
				/* alerts of these lines are written: positions may move */
				if (yg_lc_commit(m->lc))
					mlog(m, "ERROR", MSG_LC_COMMIT,
					     "logcollector: positions not committed");
				m->lc_dirty = false;
			}
		}
		now = now_ms();
		if (now - last_flush >= 1000) {
			last_flush = now;
			if (yg_alert_store_pending(m->store) && yg_alert_store_flush(m->store))
				mlog(m, "WARNING", MSG_STORE,
				     "alert store flush failed; will retry");
		}
	}
}

int yg_manager_run(const yg_manager_opts *opts)
{
	manager m = {.opts = opts};
	bool pid_written = false;
	yg_buf_init(&m.json, ALERT_JSON_MAX);
	yg_buf_init(&m.text, 1u << 20);
	int rc = check_config(opts, &m.cfg, opts->test_only);
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
		yg_manager_config_free(&m.cfg);
		return rc;
	}
	if (rc) {
		fprintf(stderr, "yagura manager: configuration errors; not started\n");
		yg_manager_config_free(&m.cfg);
		return 1;
	}
	char p[PATH_MAX];
	if (!home_path(p, sizeof(p), opts->home, "logs") || !mkdirs(p) ||
	    !home_path(p, sizeof(p), opts->home, "logs/yagura.log") || !(m.log = fopen(p, "a"))) {
		fprintf(stderr, "yagura manager: cannot open %s/logs/yagura.log\n", opts->home);
		yg_manager_config_free(&m.cfg);
		return 1;
	}
	/* the ruleset is loaded before forking so that a daemon which cannot
	 * start says so to whoever started it */
	m.rs = load_ruleset(&m);
	if (!m.rs) {
		fprintf(stderr,
		        "yagura manager: the ruleset could not be loaded; see %s/logs/yagura.log\n",
		        opts->home);
		rc = 1;
		goto out;
	}
	if (!opts->foreground && !daemonize()) {
		mlog(&m, "ERROR", MSG_INIT, "could not become a daemon");
		rc = 1;
		goto out;
	}
	pid_written = write_pidfile(opts->home);
	if (!pid_written)
		mlog(&m, "WARNING", MSG_INIT, "could not write var/run/yagura.pid");
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!(m.sess = yg_session_create(m.rs, YG_CLOCK_WALL)) || !open_parts(&m)) {
		rc = 1;
		goto out;
	}
	mlog(&m, "INFO", MSG_STARTED, "started (pid %ld, home %s)", (long)getpid(), opts->home);
	loop(&m);
	mlog(&m, "INFO", MSG_STOPPING, "stopping: %llu events, %llu alerts written", m.events,
	     m.alerts_written);
out:
	close_parts(&m);
	if (pid_written && home_path(p, sizeof(p), opts->home, "var/run/yagura.pid"))
		unlink(p);
	if (rc == 0)
		mlog(&m, "INFO", MSG_STOPPED, "stopped");
	if (m.log)
		fclose(m.log);
	yg_buf_free(&m.json);
	yg_buf_free(&m.text);
	yg_manager_config_free(&m.cfg);
	return rc;
}
