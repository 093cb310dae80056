/* deliver.c: the delivery thread (see deliver.h). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ybuf.h"
#include "integrations/deliver.h"
#include "integrations/email.h"
#include "integrations/format.h"
#include "integrations/script.h"

#define DIGEST_MAX 100 /* held-back mails in one digest */

typedef struct req {
	struct req *next;
	size_t integ;
	int64_t id;
	unsigned attempts;
	int64_t created_ms;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	yg_buf resp; /* the start of the answer, for error messages */
	yg_intg_script *script;
	/* e-mail: the SMTP upload, and the other rows of a digest */
	size_t up_off;
	size_t nmore;
	int64_t more_id[DIGEST_MAX];
	unsigned more_att[DIGEST_MAX];
	int64_t more_created[DIGEST_MAX];
} req;

struct yg_intg_deliver {
	const yg_intg_config *cfg;
	const bool *enabled;
	unsigned *inflight; /* per block */
	yg_outbox *ob;
	const char *scripts_dir, *tmpdir;
	yg_intg_log_fn log;
	void *log_ctx;
	CURLM *multi;
	req *reqs;
	size_t nscripts;
	pthread_t thread;
	pthread_mutex_t mu;
	bool stopping;
	unsigned grace_ms;
	unsigned rand_state;
	/* email_maxperhour: mails started in the current window, all e-mail
	 * blocks together (a failed one gives its place back) */
	int64_t mail_window_ms, mail_window;
	unsigned mail_sent;
	bool mail_counted;
};

int64_t yg_intg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(yg_intg_deliver *d, yg_severity sev, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void logf_(yg_intg_deliver *d, yg_severity sev, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	if (!d->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->log(d->log_ctx, sev, msg);
}

/* Backoff before attempt n+1 after n failed ones: retry_min * 2^(n-1),
 * capped at retry_max, then "equal jitter" (half fixed, half random) so
 * many messages failing together do not come back together; never below
 * retry_min. */
static int64_t backoff_ms(yg_intg_deliver *d, const yg_intg_def *def, unsigned n)
{
	uint64_t delay = def->retry_min_ms;
	for (unsigned i = 1; i < n && delay < def->retry_max_ms; i++)
		delay *= 2;
	if (delay > def->retry_max_ms)
		delay = def->retry_max_ms;
	uint64_t half = delay / 2;
	uint64_t j = half + (uint64_t)rand_r(&d->rand_state) % (half + 1);
	return (int64_t)(j < def->retry_min_ms ? def->retry_min_ms : j);
}

static void req_free(yg_intg_deliver *d, req *r)
{
	if (r->easy) {
		curl_multi_remove_handle(d->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	if (r->script) {
		yg_intg_script_free(r->script);
		d->nscripts--;
	}
	yg_buf_free(&r->resp);
	free(r->body);
	d->inflight[r->integ]--;
	free(r);
}

/* Records the outcome of an attempt on one row. `permanent`: retrying
 * cannot help. */
static void outcome_row(yg_intg_deliver *d, const yg_intg_def *def, int64_t id, unsigned attempts,
                        int64_t created_ms, bool ok, bool permanent, const char *err)
{
	int64_t now = yg_intg_now_ms();
	char why[600];
	yg_err e;
	if (ok) {
		e = yg_outbox_mark_delivered(d->ob, id, now);
		if (e)
			logf_(d, YG_SEV_ERROR,
			      "integration %s: alert row %lld delivered but not recorded: %s",
			      def->key, (long long)id, yg_strerror(e));
		return;
	}
	if (permanent || attempts >= def->max_attempts ||
	    now - created_ms >= (int64_t)def->max_age_ms) {
		snprintf(why, sizeof(why), "%s%s", err,
		         permanent                       ? " (permanent)"
		         : attempts >= def->max_attempts ? " (attempts exhausted)"
		                                         : " (too old)");
		logf_(d, YG_SEV_ERROR, "integration %s: message %lld dead after %u attempt(s): %s",
		      def->key, (long long)id, attempts, why);
		e = yg_outbox_mark_dead(d->ob, id, now, why);
	} else {
		int64_t next = now + backoff_ms(d, def, attempts);
		logf_(d, YG_SEV_WARNING,
		      "integration %s: message %lld attempt %u failed: %s; retry in %lld ms",
		      def->key, (long long)id, attempts, err, (long long)(next - now));
		e = yg_outbox_mark_retry(d->ob, id, now, next, err);
	}
	if (e)
		logf_(d, YG_SEV_ERROR, "integration %s: outbox update failed: %s", def->key,
		      yg_strerror(e));
}

/* The outcome of a request: its row, and the other rows of a digest. */
static void outcome(yg_intg_deliver *d, req *r, bool ok, bool permanent, const char *err)
{
	const yg_intg_def *def = yg_intg_config_get(d->cfg, r->integ);
	if (def->kind == YG_INTG_EMAIL && !ok && d->mail_sent)
		d->mail_sent--;
	outcome_row(d, def, r->id, r->attempts, r->created_ms, ok, permanent, err);
	for (size_t i = 0; i < r->nmore; i++)
		outcome_row(d, def, r->more_id[i], r->more_att[i], r->more_created[i], ok,
		            permanent, err);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	yg_buf *b = ctx;
	size_t len = size * n;
	if (b->len < 256)
		yg_buf_append(b, p, len < 256 - b->len ? len : 256 - b->len);
	return len;
}

/* Prepares the HTTP request for r; false with err on failure. */
static bool start_http(yg_intg_deliver *d, req *r, const yg_intg_def *def, char *err, size_t errlen)
{
	yg_buf url, scratch;
	const char *hdrs[YG_INTG_MAX_HEADERS];
	size_t nh = 0;
	bool ok = false;
	yg_buf_init(&url, 8192);
	yg_buf_init(&scratch, 16384);
	if (yg_intg_format_request(def, &url, &scratch, hdrs, &nh)) {
		snprintf(err, errlen, "cannot build the request");
		goto out;
	}
	for (size_t i = 0; i < nh; i++)
		r->hdrs = curl_slist_append(r->hdrs, hdrs[i]);
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	r->easy = curl_easy_init();
	if (!r->easy || !r->hdrs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	long tmo = (long)def->timeout * 1000;
	curl_easy_setopt(r->easy, CURLOPT_URL, url.data);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body));
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "yagura-integrations");
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, &r->resp);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(d->multi, r->easy) != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		goto out;
	}
	ok = true;
out:
	yg_buf_free(&url);
	yg_buf_free(&scratch);
	return ok;
}

static size_t on_upload(char *buf, size_t size, size_t n, void *ctx)
{
	req *r = ctx;
	size_t left = strlen(r->body) - r->up_off, want = size * n;
	size_t k = left < want ? left : want;
	memcpy(buf, r->body + r->up_off, k);
	r->up_off += k;
	return k;
}

/* Prepares the SMTP transfer of r->body (the whole message). */
static bool start_smtp(yg_intg_deliver *d, req *r, const yg_intg_def *def, char *err, size_t errlen)
{
	char from[300];
	snprintf(from, sizeof(from), "<%s>", def->mail_from);
	for (size_t i = 0; i < def->nmail_to; i++) {
		char to[300];
		snprintf(to, sizeof(to), "<%s>", def->mail_to[i]);
		struct curl_slist *l = curl_slist_append(r->hdrs, to);
		if (!l) {
			snprintf(err, errlen, "out of memory");
			return false;
		}
		r->hdrs = l;
	}
	if (!(r->easy = curl_easy_init())) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	long tmo = (long)def->timeout * 1000;
	curl_easy_setopt(r->easy, CURLOPT_URL, def->smtp_url);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(r->easy, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(r->easy, CURLOPT_MAIL_RCPT, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(r->easy, CURLOPT_READFUNCTION, on_upload);
	curl_easy_setopt(r->easy, CURLOPT_READDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)strlen(r->body));
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(d->multi, r->easy) != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		return false;
	}
	return true;
}

static bool start_script(yg_intg_deliver *d, req *r, const yg_intg_def *def,
                         const yg_outbox_row *row, char *err, size_t errlen)
{
	char path[1024];
	int n = snprintf(path, sizeof(path), "%s/%s", d->scripts_dir, def->name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "script path too long");
		return false;
	}
	yg_intg_script_args a = {
	        .path = path,
	        .tmpdir = d->tmpdir,
	        .name = def->name,
	        .body = row->body,
	        .body_len = row->body_len,
	        .api_key = def->api_key,
	        .hook_url = def->hook_url,
	        .options = def->options_raw,
	        .timeout = def->timeout,
	        .retries = def->retries,
	};
	if (yg_intg_script_start(&a, yg_intg_now_ms(), &r->script, err, errlen))
		return false;
	d->nscripts++;
	return true;
}

typedef struct claim_ctx {
	yg_intg_deliver *d;
	size_t integ;
	/* e-mail: the claimed rows, sent together once the claim is over */
	req *mail;
	char *bodies[DIGEST_MAX];
	size_t lens[DIGEST_MAX];
	size_t n;
} claim_ctx;

/* An e-mail row: the first becomes the request, the others its digest. */
static int mail_claim(claim_ctx *c, const yg_outbox_row *row)
{
	if (c->n == DIGEST_MAX || !(c->bodies[c->n] = strndup(row->body, row->body_len)))
		return 1; /* stays in_flight until the next start: sent then */
	c->lens[c->n] = row->body_len;
	if (c->n == 0) {
		req *r = c->mail;
		r->id = row->id;
		r->attempts = row->attempts;
		r->created_ms = row->created_ms;
	} else {
		req *r = c->mail;
		r->more_id[r->nmore] = row->id;
		r->more_att[r->nmore] = row->attempts;
		r->more_created[r->nmore] = row->created_ms;
		r->nmore++;
	}
	c->n++;
	return 0;
}

/* Called for each claimed (now in_flight) row: starts its attempt. */
static int on_claim(void *vctx, const yg_outbox_row *row)
{
	claim_ctx *c = vctx;
	yg_intg_deliver *d = c->d;
	const yg_intg_def *def = yg_intg_config_get(d->cfg, c->integ);
	if (def->kind == YG_INTG_EMAIL)
		return mail_claim(c, row);
	char err[300] = "";
	req *r = calloc(1, sizeof(*r));
	if (!r)
		return 1; /* stays in_flight until the next start: sent then */
	r->integ = c->integ;
	r->id = row->id;
	r->attempts = row->attempts;
	r->created_ms = row->created_ms;
	yg_buf_init(&r->resp, 512);
	d->inflight[c->integ]++;
	r->next = d->reqs;
	d->reqs = r;
	bool started;
	if (def->kind == YG_INTG_CUSTOM) {
		started = start_script(d, r, def, row, err, sizeof(err));
	} else {
		r->body = strndup(row->body, row->body_len);
		started = r->body && start_http(d, r, def, err, sizeof(err));
	}
	if (!started) {
		outcome(d, r, false, false, err[0] ? err : "cannot start");
		d->reqs = r->next;
		req_free(d, r);
	}
	return 0;
}

static void unlink_req(yg_intg_deliver *d, req *r)
{
	for (req **p = &d->reqs; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			return;
		}
	}
}

/* An HTTP transfer ended. */
static void http_done(yg_intg_deliver *d, req *r, CURLcode cc)
{
	long status = 0;
	char err[400];
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	const yg_intg_def *def = yg_intg_config_get(d->cfg, r->integ);
	if (def->kind == YG_INTG_EMAIL) {
		/* SMTP: a 5xx reply (unknown recipient, refused sender) is final */
		if (status)
			snprintf(err, sizeof(err), "%s: SMTP %ld", curl_easy_strerror(cc), status);
		else
			snprintf(err, sizeof(err), "%s", curl_easy_strerror(cc));
		outcome(d, r, cc == CURLE_OK, cc != CURLE_OK && status >= 500 && status < 600, err);
	} else if (cc != CURLE_OK) {
		snprintf(err, sizeof(err), "%s", curl_easy_strerror(cc));
		outcome(d, r, false, false, err);
	} else if (status >= 200 && status < 300) {
		outcome(d, r, true, false, NULL);
	} else {
		bool perm = status >= 400 && status < 500 && status != 408 && status != 425 &&
		            status != 429;
		snprintf(err, sizeof(err), "HTTP %ld: %.200s", status,
		         r->resp.data ? r->resp.data : "");
		for (char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		outcome(d, r, false, perm, err);
	}
	unlink_req(d, r);
	req_free(d, r);
}

static void poll_scripts(yg_intg_deliver *d)
{
	int64_t now = yg_intg_now_ms();
	req *r = d->reqs, *next;
	for (; r; r = next) {
		next = r->next;
		bool ok;
		char err[400] = "";
		if (!r->script || !yg_intg_script_poll(r->script, now, &ok, err, sizeof(err)))
			continue;
		outcome(d, r, ok, false, err);
		unlink_req(d, r);
		req_free(d, r);
	}
}

/* Starts the mail of the rows claimed into c (one, or a digest). */
static void start_mail(yg_intg_deliver *d, claim_ctx *c, const yg_intg_def *def)
{
	req *r = c->mail;
	char err[300] = "", id[96];
	yg_buf msg;
	yg_buf_init(&msg, (size_t)DIGEST_MAX * (80u << 10) + 8192);
	snprintf(id, sizeof(id), "yagura.%lld.%zu@%s", (long long)r->id, c->n, def->key);
	for (char *p = id; *p; p++)
		if (*p == '#')
			*p = '-';
	const char *const *bodies = (const char *const *)c->bodies;
	bool ok = !yg_email_message(def, bodies, c->lens, c->n, id, &msg) && msg.data &&
	          (r->body = strndup(msg.data, msg.len)) != NULL &&
	          start_smtp(d, r, def, err, sizeof(err));
	yg_buf_free(&msg);
	for (size_t i = 0; i < c->n; i++)
		free(c->bodies[i]);
	d->mail_sent++;
	if (c->n > 1)
		logf_(d, YG_SEV_WARNING,
		      "integration %s: %zu mails held back by email_maxperhour sent as one digest",
		      def->key, c->n);
	if (!ok) {
		outcome(d, r, false, false, err[0] ? err : "cannot build the mail");
		unlink_req(d, r);
		req_free(d, r);
	}
}

/* email_maxperhour: the budget of the current window, counted from the
 * outbox at the first pass (a restart does not reset it). */
static void mail_window(yg_intg_deliver *d, int64_t now)
{
	int64_t w = now / d->mail_window_ms;
	if (d->mail_counted && w == d->mail_window)
		return;
	d->mail_sent = 0;
	for (size_t i = 0; !d->mail_counted && i < yg_intg_config_count(d->cfg); i++) {
		const yg_intg_def *def = yg_intg_config_get(d->cfg, i);
		uint64_t n = 0;
		if (def->kind == YG_INTG_EMAIL &&
		    !yg_outbox_count_delivered_since(d->ob, def->key, w * d->mail_window_ms, &n))
			d->mail_sent += (unsigned)(n > 100000 ? 100000 : n);
	}
	d->mail_counted = true;
	d->mail_window = w;
}

/* One e-mail block: one mail at a time while the window's budget lasts;
 * mails held back past a window go out together as one digest (as maild
 * groups them), unless do_not_group. */
static void fill_mail(yg_intg_deliver *d, size_t i, int64_t now, long *wait)
{
	const yg_intg_def *def = yg_intg_config_get(d->cfg, i);
	mail_window(d, now);
	if (d->inflight[i])
		return;
	if (d->mail_sent >= def->maxperhour) {
		int64_t left = (d->mail_window + 1) * d->mail_window_ms - now;
		if (left < *wait)
			*wait = left < 0 ? 0 : (long)left;
		return;
	}
	uint64_t held = 0;
	size_t max = 1;
	if (!def->do_not_group &&
	    !yg_outbox_count_pending_before(d->ob, def->key, d->mail_window * d->mail_window_ms,
	                                    &held) &&
	    held > 1)
		max = held < DIGEST_MAX ? (size_t)held : DIGEST_MAX;
	claim_ctx c = {.d = d, .integ = i};
	if (!(c.mail = calloc(1, sizeof(req))))
		return;
	c.mail->integ = i;
	yg_buf_init(&c.mail->resp, 512);
	if (yg_outbox_claim(d->ob, def->key, max, now, on_claim, &c))
		logf_(d, YG_SEV_ERROR, "integration %s: outbox read failed", def->key);
	if (!c.n) {
		yg_buf_free(&c.mail->resp);
		free(c.mail);
		int64_t due;
		bool found;
		if (!yg_outbox_next_due(d->ob, def->key, &due, &found) && found) {
			int64_t w = due - yg_intg_now_ms();
			if (w < *wait)
				*wait = w < 0 ? 0 : (long)w;
		}
		return;
	}
	d->inflight[i]++;
	c.mail->next = d->reqs;
	d->reqs = c.mail;
	start_mail(d, &c, def);
}

/* Claims what is due; returns how long to sleep at most (ms). */
static long fill(yg_intg_deliver *d)
{
	int64_t now = yg_intg_now_ms();
	long wait = 1000;
	for (size_t i = 0; i < yg_intg_config_count(d->cfg); i++) {
		const yg_intg_def *def = yg_intg_config_get(d->cfg, i);
		if (!d->enabled[i] || d->inflight[i] >= def->max_in_flight)
			continue;
		if (def->kind == YG_INTG_EMAIL) {
			fill_mail(d, i, now, &wait);
			continue;
		}
		claim_ctx c = {.d = d, .integ = i};
		if (yg_outbox_claim(d->ob, def->key, def->max_in_flight - d->inflight[i], now,
		                    on_claim, &c))
			logf_(d, YG_SEV_ERROR, "integration %s: outbox read failed", def->key);
		int64_t due;
		bool found;
		if (d->inflight[i] < def->max_in_flight &&
		    !yg_outbox_next_due(d->ob, def->key, &due, &found) && found) {
			int64_t w = due - yg_intg_now_ms();
			if (w < wait)
				wait = w < 0 ? 0 : (long)w;
		}
	}
	return wait;
}

/* Ends every request still in flight; its row goes back to pending. */
static void abort_all(yg_intg_deliver *d)
{
	while (d->reqs) {
		req *r = d->reqs;
		d->reqs = r->next;
		yg_outbox_mark_retry(d->ob, r->id, yg_intg_now_ms(), yg_intg_now_ms(),
		                     "interrupted by a stop");
		for (size_t i = 0; i < r->nmore; i++)
			yg_outbox_mark_retry(d->ob, r->more_id[i], yg_intg_now_ms(),
			                     yg_intg_now_ms(), "interrupted by a stop");
		req_free(d, r);
	}
}

static void *run(void *arg)
{
	yg_intg_deliver *d = arg;
	int64_t stop_at = 0;
	for (;;) {
		pthread_mutex_lock(&d->mu);
		bool stopping = d->stopping;
		pthread_mutex_unlock(&d->mu);
		long wait = 1000;
		if (stopping) {
			int64_t now = yg_intg_now_ms();
			if (!stop_at)
				stop_at = now + d->grace_ms;
			if (!d->reqs || now >= stop_at)
				break;
			wait = 20;
		} else {
			wait = fill(d);
		}
		int running = 0;
		curl_multi_perform(d->multi, &running);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(d->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			req *r = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			http_done(d, r, m->data.result);
		}
		if (d->nscripts) {
			poll_scripts(d);
			if (wait > 20)
				wait = 20;
		}
		if (!stopping) {
			/* Something finished or became due: go round at once. */
			long w2 = fill(d);
			if (w2 < wait)
				wait = w2;
		}
		curl_multi_poll(d->multi, NULL, 0, (int)(wait < 0 ? 0 : wait), NULL);
	}
	abort_all(d);
	return NULL;
}

yg_err yg_intg_deliver_start(const yg_intg_config *cfg, const bool *enabled, yg_outbox *ob,
                             const char *scripts_dir, const char *tmpdir, yg_intg_log_fn log,
                             void *log_ctx, unsigned mail_window_ms, yg_intg_deliver **out)
{
	yg_intg_deliver *d = calloc(1, sizeof(*d));
	if (!d)
		return YG_ENOMEM;
	d->inflight = calloc(yg_intg_config_count(cfg) + 1, sizeof(*d->inflight));
	d->multi = curl_multi_init();
	if (!d->inflight || !d->multi) {
		curl_multi_cleanup(d->multi);
		free(d->inflight);
		free(d);
		return YG_ENOMEM;
	}
	d->cfg = cfg;
	d->enabled = enabled;
	d->ob = ob;
	d->scripts_dir = scripts_dir;
	d->tmpdir = tmpdir;
	d->log = log;
	d->log_ctx = log_ctx;
	d->rand_state = (unsigned)yg_intg_now_ms() ^ (unsigned)(uintptr_t)d;
	d->mail_window_ms = mail_window_ms ? mail_window_ms : 3600000;
	curl_multi_setopt(d->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 32L);
	pthread_mutex_init(&d->mu, NULL);
	if (pthread_create(&d->thread, NULL, run, d) != 0) {
		pthread_mutex_destroy(&d->mu);
		curl_multi_cleanup(d->multi);
		free(d->inflight);
		free(d);
		return YG_ENOMEM;
	}
	*out = d;
	return YG_OK;
}

void yg_intg_deliver_wake(yg_intg_deliver *d)
{
	if (d)
		curl_multi_wakeup(d->multi);
}

void yg_intg_deliver_stop(yg_intg_deliver *d, unsigned grace_ms)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stopping = true;
	d->grace_ms = grace_ms;
	pthread_mutex_unlock(&d->mu);
	curl_multi_wakeup(d->multi);
	pthread_join(d->thread, NULL);
	curl_multi_cleanup(d->multi);
	pthread_mutex_destroy(&d->mu);
	free(d->inflight);
	free(d);
}
