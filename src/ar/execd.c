/* execd.c: the executor's state machine (Wazuh's os_execd ExecdRun and
 * ExecdTimeoutRun, made non-blocking).
 *
 * A job is one program run: the message on stdin, for "add" runs the
 * one-line check_keys exchange, then draining until the process ends (or is
 * killed at its deadline). Jobs are driven from yg_execd_poll(): every
 * running job is serviced on each call (there are at most max_concurrent),
 * epoll only tells the caller when to call. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ar/execd.h"
#include "ar/execd_int.h"

#define SPAWN_RETRIES 6 /* 1+2+4+8+16+32 s: a minute of descriptor shortage */
#define TAIL_MAX 2048
#define KEYS_LINE_MAX 8191 /* Wazuh reads the keys with fgets(8192) */
#define RKEY_MAX 4096      /* Wazuh's OS_SIZE_4096 */
#define EX_MAX_MESSAGE (1u << 20)
#define READ_BUDGET (256 * 1024) /* bytes read per fd per service */
#define NOPIDFD_TICK_MS 50

typedef struct ex_tail {
	char buf[TAIL_MAX + 1];
	size_t len;
} ex_tail;

typedef struct ex_job {
	struct ex_job *next;
	bool is_delete;
	char *program;
	char *path;
	char *first_msg; /* "add" (or "delete") message */
	char *cont_msg, *abort_msg, *delete_msg;
	unsigned timeout_s;
	yg_execd_result_fn cb;
	void *ctx;

	ex_proc p;
	char *inbuf;
	size_t inlen, inoff;
	bool close_in_when_done;
	char line[KEYS_LINE_MAX + 1];
	size_t linelen;
	bool keys_over; /* the one-line exchange is finished (or not wanted) */
	ex_tail out_tail, err_tail;
	bool exited, killed;
	int status;
	int64_t start_mono, deadline_mono;
	unsigned retries;   /* spawn attempts that failed for want of resources */
	int64_t not_before; /* mono ms: a retried job waits in the queue until */
	bool keys_received, aborted, delete_scheduled;
} ex_job;

struct yg_execd {
	char *bin_real;
	char *cwd;
	char *log_path;
	unsigned max_concurrent, max_queue, run_timeout_ms;
	yg_execd_clock_fn clock;
	void *clock_ctx;
	yg_execd_result_fn on_result;
	void *result_ctx;
	int epfd;
	ex_job *running;
	size_t nrunning;
	ex_job *qhead, *qtail;
	size_t nqueued;
	ex_pending *pend;
	size_t npend;
	ex_store *store;
};

/* ---- clocks and logging ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ms(const yg_execd *ex)
{
	return ex->clock(ex->clock_ctx);
}

/* Appends one line to active-responses.log in Wazuh's layout
 * ("YYYY/MM/DD HH:MM:SS name: text"), control characters replaced. */
static void ex_log(yg_execd *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ex_log(yg_execd *ex, const char *fmt, ...)
{
	if (!ex->log_path)
		return;
	char msg[1024], line[1100], ts[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	time_t t = (time_t)(now_ms(ex) / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm);
	int n = snprintf(line, sizeof(line), "%s yagura-execd: %s\n", ts, msg);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	int fd = open(ex->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return;
	ssize_t w = write(fd, line, (size_t)n);
	(void)w;
	close(fd);
}

/* ---- small helpers ---- */

static void tail_add(ex_tail *t, const char *s, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(t->buf, s + n - TAIL_MAX, TAIL_MAX);
		t->len = TAIL_MAX;
	} else {
		if (t->len + n > TAIL_MAX) {
			size_t drop = t->len + n - TAIL_MAX;
			memmove(t->buf, t->buf + drop, t->len - drop);
			t->len -= drop;
		}
		memcpy(t->buf + t->len, s, n);
		t->len += n;
	}
	t->buf[t->len] = '\0';
}

static void ep_del(yg_execd *ex, int fd)
{
	if (fd >= 0)
		epoll_ctl(ex->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void ep_add(yg_execd *ex, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events};
	ev.data.fd = fd;
	if (fd >= 0 && epoll_ctl(ex->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
		epoll_ctl(ex->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void close_job_fd(yg_execd *ex, int *fd)
{
	if (*fd >= 0) {
		ep_del(ex, *fd);
		close(*fd);
	}
	*fd = -1;
}

static void job_free(yg_execd *ex, ex_job *j)
{
	close_job_fd(ex, &j->p.in_fd);
	close_job_fd(ex, &j->p.out_fd);
	close_job_fd(ex, &j->p.err_fd);
	close_job_fd(ex, &j->p.pidfd);
	free(j->program);
	free(j->path);
	free(j->first_msg);
	free(j->cont_msg);
	free(j->abort_msg);
	free(j->delete_msg);
	free(j->inbuf);
	free(j);
}

static void deliver(yg_execd *ex, ex_job *j, yg_execd_result *r)
{
	yg_execd_result_fn cb = j->cb ? j->cb : ex->on_result;
	void *ctx = j->cb ? j->ctx : ex->result_ctx;
	r->command = j->is_delete ? "delete" : "add";
	r->program = j->program ? j->program : "";
	if (!r->error)
		r->error = "";
	if (!r->stderr_tail)
		r->stderr_tail = "";
	if (!r->stdout_tail)
		r->stdout_tail = "";
	if (cb)
		cb(ctx, r);
}

/* Reports a job that never ran. */
static void deliver_fail(yg_execd *ex, ex_job *j, yg_execd_outcome o, const char *err)
{
	yg_execd_result r = {.outcome = o, .error = err};
	deliver(ex, j, &r);
}

/* ---- the timeout list ---- */

static ex_pending *pending_find(yg_execd *ex, const char *rkey)
{
	for (size_t i = 0; i < ex->npend; i++)
		if (strcmp(ex->pend[i].rkey, rkey) == 0)
			return &ex->pend[i];
	return NULL;
}

/* ---- jobs ---- */

static yg_err queue_input(yg_execd *ex, ex_job *j, const char *msg, bool close_after)
{
	size_t ml = strlen(msg);
	size_t rest = j->inlen - j->inoff;
	char *n = malloc(rest + ml + 2);
	if (!n)
		return YG_ENOMEM;
	if (rest)
		memcpy(n, j->inbuf + j->inoff, rest);
	memcpy(n + rest, msg, ml);
	n[rest + ml] = '\n';
	free(j->inbuf);
	j->inbuf = n;
	j->inoff = 0;
	j->inlen = rest + ml + 1;
	j->close_in_when_done = close_after;
	if (j->p.in_fd >= 0)
		ep_add(ex, j->p.in_fd, EPOLLOUT);
	return YG_OK;
}

static void end_keys_phase(yg_execd *ex, ex_job *j)
{
	j->keys_over = true;
	/* No answer will come: close stdin once the message is out (Wazuh's
	 * wpclose closes it at once). */
	if (j->inoff >= j->inlen)
		close_job_fd(ex, &j->p.in_fd);
	else
		j->close_in_when_done = true;
}

/* The script's one line arrived: decide the timeout entry and answer. */
/* Whether k is a check_keys message as Wazuh's active responses write
 * it; *keys gets its parameters.keys array. */
static bool is_check_keys(json_object *k, json_object **keys)
{
	json_object *v, *o, *c, *params;
	return k && json_object_is_type(k, json_type_object) &&
	       json_object_object_get_ex(k, "version", &v) &&
	       (json_object_is_type(v, json_type_int) ||
	        json_object_is_type(v, json_type_double)) &&
	       json_object_object_get_ex(k, "origin", &o) &&
	       json_object_is_type(o, json_type_object) &&
	       json_object_object_get_ex(k, "command", &c) &&
	       json_object_is_type(c, json_type_string) &&
	       strcmp(json_object_get_string(c), "check_keys") == 0 &&
	       json_object_object_get_ex(k, "parameters", &params) &&
	       json_object_is_type(params, json_type_object) &&
	       json_object_object_get_ex(params, "keys", keys) &&
	       json_object_is_type(*keys, json_type_array);
}

/* The response's repeat key: the program's base name, then (Wazuh's
 * get_keys_from_json) "-KEY" per string key while the keys fit in 4096
 * bytes. */
static void repeat_key(const ex_job *j, char rkey[RKEY_MAX])
{
	const char *base = strrchr(j->program, '/');
	base = base ? base + 1 : j->program;
	snprintf(rkey, RKEY_MAX, "%s", base);
	json_tokener *tok = json_tokener_new_ex(16);
	json_object *k = tok ? json_tokener_parse_ex(tok, j->line, (int)j->linelen) : NULL;
	json_tokener_free(tok);
	json_object *keys;
	if (is_check_keys(k, &keys)) {
		char args[RKEY_MAX] = "";
		size_t alen = 0;
		for (size_t i = 0; i < json_object_array_length(keys); i++) {
			json_object *it = json_object_array_get_idx(keys, i);
			if (!json_object_is_type(it, json_type_string))
				continue;
			const char *s = json_object_get_string(it);
			size_t sl = strlen(s);
			if (alen + sl + 2 > RKEY_MAX)
				break;
			args[alen++] = '-';
			memcpy(args + alen, s, sl);
			alen += sl;
			args[alen] = '\0';
		}
		size_t rl = strlen(rkey);
		snprintf(rkey + rl, RKEY_MAX - rl, "%s", args);
	}
	json_object_put(k);
}

/* A timed response: schedules its delete, or, when one is pending for the
 * same key, pushes that one back. Returns true in the second case (the new
 * run is then aborted, as Wazuh's repeated responses are). */
static bool schedule_delete(yg_execd *ex, ex_job *j, const char *rkey)
{
	int64_t now = now_ms(ex);
	ex_pending *p = pending_find(ex, rkey);
	if (p) {
		p->added_ms = now;
		p->seconds = j->timeout_s;
		if (ex->store && ex_store_put(ex->store, p))
			ex_log(ex, "cannot persist the timeout of '%s'", rkey);
		return true;
	}
	ex_pending np = {
	        .rkey = strdup(rkey),
	        .program = strdup(j->program),
	        .message = strdup(j->delete_msg),
	        .added_ms = now,
	        .seconds = j->timeout_s,
	};
	ex_pending *nv = realloc(ex->pend, (ex->npend + 1) * sizeof(*nv));
	if (nv)
		ex->pend = nv;
	if (!np.rkey || !np.program || !np.message || !nv) {
		ex_pending_free(&np);
		ex_log(ex, "out of memory: no delete for '%s'", rkey);
		return false;
	}
	if (ex->store && ex_store_put(ex->store, &np))
		ex_log(ex, "cannot persist the timeout of '%s'", rkey);
	ex->pend[ex->npend++] = np;
	j->delete_scheduled = true;
	return false;
}

static void handle_keys(yg_execd *ex, ex_job *j)
{
	char rkey[RKEY_MAX];
	j->keys_received = true;
	j->keys_over = true;
	j->line[j->linelen] = '\0';
	repeat_key(j, rkey);
	bool added_before = j->timeout_s && schedule_delete(ex, j, rkey);
	j->aborted = added_before;
	if (queue_input(ex, j, added_before ? j->abort_msg : j->cont_msg, true))
		end_keys_phase(ex, j);
}

static void write_input(yg_execd *ex, ex_job *j)
{
	while (j->p.in_fd >= 0 && j->inoff < j->inlen) {
		ssize_t n =
		        ex_write_nosigpipe(j->p.in_fd, j->inbuf + j->inoff, j->inlen - j->inoff);
		if (n == 0)
			return; /* pipe full: epoll says when */
		if (n < 0) {
			/* The script stopped reading (EPIPE): nothing more to say. */
			j->inoff = j->inlen;
			close_job_fd(ex, &j->p.in_fd);
			return;
		}
		j->inoff += (size_t)n;
	}
	if (j->p.in_fd >= 0 && j->inoff >= j->inlen) {
		if (j->close_in_when_done)
			close_job_fd(ex, &j->p.in_fd);
		else
			ep_del(ex, j->p.in_fd);
	}
}

/* Reads what one pipe has; stdout bytes first feed the keys line. */
static void read_pipe(yg_execd *ex, ex_job *j, int *fd, bool is_out)
{
	char buf[4096];
	size_t budget = READ_BUDGET;
	while (*fd >= 0 && budget > 0) {
		ssize_t n = read(*fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			n = 0; /* treat errors as the end */
		}
		if (n == 0) {
			close_job_fd(ex, fd);
			if (is_out && !j->keys_over) {
				if (j->linelen > 0)
					handle_keys(ex, j); /* fgets returns a last partial line */
				else
					end_keys_phase(ex, j);
			}
			return;
		}
		budget -= (size_t)n > budget ? budget : (size_t)n;
		size_t off = 0;
		if (is_out && !j->keys_over) {
			while (off < (size_t)n && j->linelen < KEYS_LINE_MAX) {
				char c = buf[off++];
				if (c == '\n') {
					handle_keys(ex, j);
					break;
				}
				j->line[j->linelen++] = c;
			}
			if (!j->keys_over && j->linelen >= KEYS_LINE_MAX)
				handle_keys(ex, j);
		}
		if (off < (size_t)n)
			tail_add(is_out ? &j->out_tail : &j->err_tail, buf + off, (size_t)n - off);
	}
}

static void reap(ex_job *j)
{
	if (j->exited)
		return;
	int st;
	pid_t r;
	do {
		r = waitpid(j->p.pid, &st, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == j->p.pid) {
		j->exited = true;
		j->status = st;
	} else if (r < 0) {
		/* ECHILD: someone else reaped it (SIGCHLD ignored, waitpid(-1)). */
		j->exited = true;
		j->status = -1;
	}
}

/* Services one running job; true when it is finished. */
static bool job_service(yg_execd *ex, ex_job *j, int64_t mono)
{
	write_input(ex, j);
	read_pipe(ex, j, &j->p.out_fd, true);
	read_pipe(ex, j, &j->p.err_fd, false);
	write_input(ex, j);
	reap(j);
	if (!j->exited && !j->killed && mono >= j->deadline_mono) {
		kill(-j->p.pid, SIGKILL);
		kill(j->p.pid, SIGKILL);
		j->killed = true;
		ex_log(ex, "%s: killed after %u ms", j->program, ex->run_timeout_ms);
	}
	if (!j->exited)
		return false;
	/* Take what is left; a descendant may keep the pipes open, so do not
	 * wait for their end. */
	read_pipe(ex, j, &j->p.out_fd, true);
	read_pipe(ex, j, &j->p.err_fd, false);
	if (!j->keys_over && j->linelen > 0)
		handle_keys(ex, j);
	return true;
}

static void job_finish(yg_execd *ex, ex_job *j)
{
	yg_execd_result r = {
	        .stderr_tail = j->err_tail.buf,
	        .stdout_tail = j->out_tail.buf,
	        .keys_received = j->keys_received,
	        .aborted = j->aborted,
	        .delete_scheduled = j->delete_scheduled,
	        .duration_ms = mono_ms() - j->start_mono,
	};
	if (j->killed) {
		r.outcome = YG_EXECD_TIMED_OUT;
		r.signal = SIGKILL;
	} else if (j->status == -1) {
		r.outcome = YG_EXECD_EXITED;
		r.exit_status = -1;
		r.error = "exit status unknown (reaped elsewhere)";
	} else if (WIFSIGNALED(j->status)) {
		r.outcome = YG_EXECD_SIGNALED;
		r.signal = WTERMSIG(j->status);
	} else {
		r.outcome = YG_EXECD_EXITED;
		r.exit_status = WEXITSTATUS(j->status);
	}
	deliver(ex, j, &r);
}

/* Starts a job; on failure reports it and frees it. Returns true when it
 * runs (then it is on the running list) or, failing for want of
 * descriptors or processes, waits at the head of the queue to be retried. */
static bool job_start(yg_execd *ex, ex_job *j)
{
	char err[256];
	if (ex_spawn(j->path, ex->cwd, !j->is_delete, &j->p, err, sizeof(err))) {
		int se = errno;
		bool transient = se == EMFILE || se == ENFILE || se == EAGAIN || se == ENOMEM;
		if (transient && j->retries < SPAWN_RETRIES) {
			/* out of descriptors or processes for now: a response must not
			 * be lost to that, so it waits at the head of the queue */
			int64_t wait = 1000LL << j->retries++;
			ex_log(ex, "%s: %s; retried in %lld s", j->program, err,
			       (long long)(wait / 1000));
			j->not_before = mono_ms() + wait;
			j->next = ex->qhead;
			ex->qhead = j;
			if (!ex->qtail)
				ex->qtail = j;
			ex->nqueued++;
			return true;
		}
		ex_log(ex, "%s: %s", j->program, err);
		deliver_fail(ex, j, YG_EXECD_SPAWN_FAILED, err);
		job_free(ex, j);
		return false;
	}
	j->start_mono = mono_ms();
	j->deadline_mono = j->start_mono + ex->run_timeout_ms;
	j->keys_over = j->is_delete;
	ep_add(ex, j->p.out_fd, EPOLLIN);
	ep_add(ex, j->p.err_fd, EPOLLIN);
	ep_add(ex, j->p.pidfd, EPOLLIN);
	j->next = ex->running;
	ex->running = j;
	ex->nrunning++;
	if (queue_input(ex, j, j->first_msg, j->is_delete) == YG_OK)
		write_input(ex, j);
	else
		end_keys_phase(ex, j);
	return true;
}

/* Runs j now or queues it. Returns YG_OK, or YG_ELIMIT (reported, freed). */
static yg_err job_submit(yg_execd *ex, ex_job *j)
{
	if (ex->nrunning < ex->max_concurrent && !ex->qhead)
		return job_start(ex, j) ? YG_OK : YG_EIO;
	if (ex->nqueued >= ex->max_queue) {
		ex_log(ex, "%s: queue full, not run", j->program);
		deliver_fail(ex, j, YG_EXECD_REFUSED, "queue full");
		job_free(ex, j);
		return YG_ELIMIT;
	}
	if (ex->qtail)
		ex->qtail->next = j;
	else
		ex->qhead = j;
	ex->qtail = j;
	ex->nqueued++;
	return YG_OK;
}

static ex_job *job_new(void)
{
	ex_job *j = calloc(1, sizeof(*j));
	if (j)
		j->p.pid = j->p.pidfd = j->p.in_fd = j->p.out_fd = j->p.err_fd = -1;
	return j;
}

/* A delete run from a timeout-list entry (which the caller removes). */
static void submit_delete(yg_execd *ex, const ex_pending *p)
{
	ex_job *j = job_new();
	char err[256];
	if (!j)
		return;
	j->is_delete = true;
	j->program = strdup(p->program);
	j->first_msg = strdup(p->message);
	if (!j->program || !j->first_msg) {
		job_free(ex, j);
		return;
	}
	if (ex_resolve_program(ex->bin_real, p->program, &j->path, err, sizeof(err))) {
		ex_log(ex, "refused delete of '%s': %s", p->program, err);
		deliver_fail(ex, j, YG_EXECD_REFUSED, err);
		job_free(ex, j);
		return;
	}
	job_submit(ex, j);
}

/* ---- public API ---- */

yg_execd *yg_execd_create(const yg_execd_opts *o, yg_diag *diag)
{
	if (!o || !o->ar_bin_dir || !o->cwd) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "execd",
		            "ar_bin_dir and cwd are required");
		return NULL;
	}
	yg_execd *ex = calloc(1, sizeof(*ex));
	if (!ex)
		return NULL;
	ex->epfd = -1;
	ex->max_concurrent = o->max_concurrent ? o->max_concurrent : 8;
	ex->max_queue = o->max_queue ? o->max_queue : 256;
	ex->run_timeout_ms = o->run_timeout_ms ? o->run_timeout_ms : 600000;
	ex->clock = o->clock ? o->clock : real_ms;
	ex->clock_ctx = o->clock_ctx;
	ex->on_result = o->on_result;
	ex->result_ctx = o->result_ctx;
	ex->bin_real = realpath(o->ar_bin_dir, NULL);
	ex->cwd = realpath(o->cwd, NULL);
	struct stat st;
	if (!ex->bin_real || stat(ex->bin_real, &st) || !S_ISDIR(st.st_mode)) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "execd",
		            "active-response directory '%s' is not a directory", o->ar_bin_dir);
		goto fail;
	}
	if (!ex->cwd) {
		yg_diag_add(diag, YG_SEV_ERROR, NULL, 0, "execd", "working directory '%s': %s",
		            o->cwd, strerror(errno));
		goto fail;
	}
	if (o->log_path && !(ex->log_path = strdup(o->log_path)))
		goto fail;
	ex->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ex->epfd < 0)
		goto fail;
	if (o->db_path) {
		char err[512];
		if (ex_store_open(o->db_path, &ex->store, err, sizeof(err)) ||
		    ex_store_load(ex->store, &ex->pend, &ex->npend)) {
			yg_diag_add(diag, YG_SEV_ERROR, o->db_path, 0, "execd",
			            "cannot read pending deletes");
			goto fail;
		}
	}
	return ex;
fail:
	yg_execd_destroy(ex);
	return NULL;
}

void yg_execd_destroy(yg_execd *ex)
{
	if (!ex)
		return;
	while (ex->running) {
		ex_job *j = ex->running;
		ex->running = j->next;
		if (!j->exited) {
			kill(-j->p.pid, SIGKILL);
			kill(j->p.pid, SIGKILL);
			while (waitpid(j->p.pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		job_free(ex, j);
	}
	while (ex->qhead) {
		ex_job *j = ex->qhead;
		ex->qhead = j->next;
		job_free(ex, j);
	}
	for (size_t i = 0; i < ex->npend; i++)
		ex_pending_free(&ex->pend[i]);
	free(ex->pend);
	ex_store_close(ex->store);
	if (ex->epfd >= 0)
		close(ex->epfd);
	free(ex->bin_real);
	free(ex->cwd);
	free(ex->log_path);
	free(ex);
}

/* The message with "command" set to cmd, serialised on one line. */
static char *with_command(json_object *root, const char *cmd)
{
	json_object_object_add(root, "command", json_object_new_string(cmd));
	const char *s = json_object_to_json_string_ext(
	        root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

static json_object *member(json_object *o, const char *name, json_type type)
{
	json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Parses an active-response message (Wazuh's version/origin/command/
 * parameters.program JSON, one line, bounded). On failure *why says why
 * and the return is the error to give back. */
static yg_err parse_message(const char *msg, json_object **root, const char **why)
{
	size_t len = msg ? strnlen(msg, EX_MAX_MESSAGE + 1) : 0;
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (!msg || len == 0 || len > EX_MAX_MESSAGE) {
		*why = "empty or oversized message";
		return YG_EINVAL;
	}
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok) {
		*why = "out of memory";
		return YG_ENOMEM;
	}
	*root = json_tokener_parse_ex(tok, msg, (int)len);
	bool whole = *root && json_tokener_get_error(tok) == json_tokener_success &&
	             json_tokener_get_parse_end(tok) == len;
	json_tokener_free(tok);
	json_object *params = member(*root, "parameters", json_type_object);
	json_object *version = NULL;
	if (!whole || !json_object_is_type(*root, json_type_object) ||
	    !json_object_object_get_ex(*root, "version", &version) ||
	    !(json_object_is_type(version, json_type_int) ||
	      json_object_is_type(version, json_type_double)) ||
	    !member(*root, "origin", json_type_object) || !params ||
	    !member(*root, "command", json_type_string) ||
	    !member(params, "program", json_type_string)) {
		*why = "not an active-response message (version, origin, command, "
		       "parameters.program)";
		return YG_EINVAL;
	}
	return YG_OK;
}

/* The program named by the message, resolved inside the response folder,
 * and the four messages the run may send it (add, continue, abort,
 * delete), with origin.module "wazuh-execd" as Wazuh's execd hands them. */
static yg_err prepare_job(yg_execd *ex, ex_job *j, json_object *root, const char **why, char *err,
                          size_t errlen)
{
	json_object *program =
	        member(member(root, "parameters", json_type_object), "program", json_type_string);
	j->program = strndup(json_object_get_string(program), 512);
	if (!j->program) {
		*why = "out of memory";
		return YG_ENOMEM;
	}
	if (strlen(j->program) != (size_t)json_object_get_string_len(program)) {
		*why = "program name with a NUL byte";
		return YG_EINVAL;
	}
	if (strcmp(json_object_get_string(member(root, "command", json_type_string)), "add") != 0) {
		*why = "command must be \"add\"";
		return YG_EINVAL;
	}
	yg_err e = ex_resolve_program(ex->bin_real, j->program, &j->path, err, errlen);
	if (e) {
		*why = err;
		return e;
	}
	json_object_object_add(member(root, "origin", json_type_object), "module",
	                       json_object_new_string("wazuh-execd"));
	j->first_msg = with_command(root, "add");
	j->cont_msg = with_command(root, "continue");
	j->abort_msg = with_command(root, "abort");
	j->delete_msg = with_command(root, "delete");
	if (!j->first_msg || !j->cont_msg || !j->abort_msg || !j->delete_msg) {
		*why = "out of memory";
		return YG_ENOMEM;
	}
	return YG_OK;
}

yg_err yg_execd_run(yg_execd *ex, const char *msg, unsigned timeout_s, yg_execd_result_fn cb,
                    void *ctx)
{
	ex_job *j = job_new();
	if (!j)
		return YG_ENOMEM;
	j->cb = cb;
	j->ctx = ctx;
	j->timeout_s = timeout_s;
	const char *why = NULL;
	char err[256];
	json_object *root = NULL;
	yg_err rc = parse_message(msg, &root, &why);
	if (rc == YG_OK)
		rc = prepare_job(ex, j, root, &why, err, sizeof(err));
	json_object_put(root);
	if (rc == YG_OK)
		return job_submit(ex, j);
	ex_log(ex, "refused active response '%s': %s", j->program ? j->program : "?", why);
	deliver_fail(ex, j, YG_EXECD_REFUSED, why);
	job_free(ex, j);
	return rc;
}

int yg_execd_fd(const yg_execd *ex)
{
	return ex->epfd;
}

static int clamp_ms(int64_t v)
{
	return v < 0 ? 0 : v > INT_MAX ? INT_MAX : (int)v;
}

int yg_execd_next_timeout_ms(yg_execd *ex)
{
	int64_t best = -1;
	int64_t mono = mono_ms();
	for (ex_job *j = ex->running; j; j = j->next) {
		int64_t d = j->killed ? NOPIDFD_TICK_MS : j->deadline_mono - mono;
		if (j->p.pidfd < 0 && d > NOPIDFD_TICK_MS)
			d = NOPIDFD_TICK_MS;
		if (best < 0 || d < best)
			best = d;
	}
	if (ex->qhead && ex->nrunning < ex->max_concurrent) {
		int64_t d = ex->qhead->not_before - mono;
		best = d <= 0 ? 0 : best < 0 || d < best ? d : best;
	}
	if (ex->npend) {
		int64_t now = now_ms(ex);
		for (size_t i = 0; i < ex->npend; i++) {
			int64_t d = ex->pend[i].added_ms + (int64_t)ex->pend[i].seconds * 1000 + 1 -
			            now;
			if (best < 0 || d < best)
				best = d;
		}
	}
	return best < 0 ? -1 : clamp_ms(best);
}

int yg_execd_poll(yg_execd *ex, int timeout_ms)
{
	int delivered = 0;
	int next = yg_execd_next_timeout_ms(ex);
	int wait = timeout_ms;
	if (wait != 0 && next >= 0 && (wait < 0 || next < wait))
		wait = next;
	struct epoll_event evs[32];
	int n;
	do {
		n = epoll_wait(ex->epfd, evs, 32, wait);
	} while (n < 0 && errno == EINTR);

	/* Expired timeout entries become delete runs (Wazuh: strictly more
	 * than the timeout since the addition). */
	int64_t now = now_ms(ex);
	for (size_t i = 0; i < ex->npend;) {
		ex_pending *p = &ex->pend[i];
		if (now - p->added_ms > (int64_t)p->seconds * 1000) {
			ex_log(ex, "%s: timeout of %us expired, running delete", p->program,
			       p->seconds);
			ex_pending copy = *p;
			ex->pend[i] = (ex_pending){0};
			ex->pend[i] = ex->pend[--ex->npend];
			if (ex->store)
				ex_store_del(ex->store, copy.rkey);
			submit_delete(ex, &copy);
			ex_pending_free(&copy);
		} else {
			i++;
		}
	}

	/* Service running jobs; finished ones are unlinked first, reported
	 * after, so a callback may call yg_execd_run. */
	int64_t mono = mono_ms();
	ex_job *done = NULL;
	for (ex_job **pp = &ex->running; *pp;) {
		ex_job *j = *pp;
		if (job_service(ex, j, mono)) {
			*pp = j->next;
			ex->nrunning--;
			j->next = done;
			done = j;
		} else {
			pp = &j->next;
		}
	}
	while (done) {
		ex_job *j = done;
		done = j->next;
		job_finish(ex, j);
		job_free(ex, j);
		delivered++;
	}
	while (ex->qhead && ex->nrunning < ex->max_concurrent &&
	       ex->qhead->not_before <= mono_ms()) {
		ex_job *j = ex->qhead;
		ex->qhead = j->next;
		if (!ex->qhead)
			ex->qtail = NULL;
		ex->nqueued--;
		j->next = NULL;
		job_start(ex, j);
	}
	return delivered;
}

size_t yg_execd_running(const yg_execd *ex)
{
	return ex->nrunning;
}

size_t yg_execd_queued(const yg_execd *ex)
{
	return ex->nqueued;
}

size_t yg_execd_pending_deletes(const yg_execd *ex)
{
	return ex->npend;
}

yg_err yg_execd_lift_all(yg_execd *ex)
{
	while (ex->npend > 0) {
		ex_pending copy = ex->pend[0];
		ex->pend[0] = ex->pend[--ex->npend];
		if (ex->store)
			ex_store_del(ex->store, copy.rkey);
		submit_delete(ex, &copy);
		ex_pending_free(&copy);
	}
	return YG_OK;
}

const char *yg_execd_result_event(const yg_execd_result *r)
{
	switch (r->outcome) {
	case YG_EXECD_EXITED: return r->exit_status == 0 ? "executed" : "exited";
	case YG_EXECD_SIGNALED:
	case YG_EXECD_TIMED_OUT: return "exited";
	default: return "failed";
	}
}
