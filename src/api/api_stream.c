/* api_stream.c: GET /alerts/stream, server-sent events for the live UI.
 *
 * A stream is a libmicrohttpd response from a callback that suspends its
 * connection whenever it has nothing to send, so no API worker thread is
 * held by an idle stream. One hub thread, every TICK_MS, appends to each
 * stream's buffer what is new (alerts committed after its cursor, changed
 * tickets, dashboard counts every STATS_MS, a heartbeat comment after
 * HEARTBEAT_MS of silence) and resumes the connections it wrote to.
 *
 * Limits: at most STREAMS_MAX streams (503 beyond); at most BURST alerts
 * per stream and tick (200 a second): beyond that the stream gets
 * `event: lag` and skips to the newest alert, the client refetches; a
 * stream whose client does not read (its buffer over BUF_MAX) gets nothing
 * new, and is closed when that lasts STUCK_MS. Streams end when the API
 * stops (the manager stops or reloads). */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api/api_int.h"
#include "common/ybuf.h"

#define STREAMS_MAX 16
#define TICK_MS 250
#define BURST 50 /* alerts per tick: 200/s */
#define HEARTBEAT_MS 15000
#define STATS_MS 5000
#define TICKETS_MS 1000
#define BUF_MAX (256 * 1024)
#define STUCK_MS 60000
#define TICKETS_SCAN 20

typedef struct api_stream {
	struct api_stream *prev, *next;
	api_hub *hub;
	struct MHD_Connection *conn;
	yg_buf buf; /* bytes not yet sent */
	size_t off;
	int64_t after; /* last alert seq sent */
	int64_t last_write, stuck_since;
	bool suspended, closing;
} api_stream;

struct api_hub {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop;
	api_stream *head;
	unsigned n;
	yg_api *api;
	int64_t next_stats, next_tickets;
	int64_t tickets_mark; /* updated_ms of the newest ticket change sent */
	bool tickets_primed;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends one event; data is one line of JSON (json-c writes no newline
 * in its plain form). id < 0: no id line. Holds h->mu. */
static void put_event(api_stream *s, const char *event, int64_t id, const char *data)
{
	if (id >= 0)
		yg_buf_printf(&s->buf, "id: %lld\n", (long long)id);
	yg_buf_printf(&s->buf, "event: %s\ndata: %s\n\n", event, data);
}

static const char *json_text(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* New alerts for s (under h->mu: the query is a primary-key range). */
static void feed_alerts(api_hub *h, api_stream *s)
{
	yg_api_alerts_ops *ops = &h->api->be.alerts;
	json_object *rows = NULL;
	int64_t last = 0;
	if (!ops->after || ops->after(ops->ctx, s->after, BURST + 1, &rows, &last) != YG_OK) {
		json_object_put(rows);
		return;
	}
	size_t n = json_object_array_length(rows);
	if (n > BURST) {
		char data[96];
		snprintf(data, sizeof(data), "{\"after\":%lld,\"last\":%lld}", (long long)s->after,
		         (long long)last);
		put_event(s, "lag", last, data);
		s->after = last;
	} else {
		for (size_t i = 0; i < n; i++) {
			json_object *row = json_object_array_get_idx(rows, i);
			int64_t seq = json_object_get_int64(json_object_object_get(row, "seq"));
			put_event(s, "alert", seq, json_text(row));
			s->after = seq;
		}
	}
	json_object_put(rows);
}

/* The tickets changed since the last look, as events for every stream
 * (the most recently active TICKETS_SCAN: new tickets, folded alerts and
 * changes made through the API all land there). */
static json_object *ticket_changes(api_hub *h)
{
	yg_api_tickets_ops *t = &h->api->be.tickets;
	yg_api_ticket_filter f = {.limit = TICKETS_SCAN};
	json_object *list = NULL, *out = json_object_new_array();
	char msg[YG_API_MSG_MAX] = "";
	if (!out || !t->list || t->list(t->ctx, &f, &list, msg, sizeof(msg)) != YG_OK) {
		json_object_put(list);
		return out;
	}
	int64_t mark = h->tickets_mark;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *tk = json_object_array_get_idx(list, i);
		int64_t up = json_object_get_int64(json_object_object_get(tk, "updated"));
		if (up > mark)
			mark = up;
		if (!h->tickets_primed || up <= h->tickets_mark)
			continue;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_get(json_object_object_get(tk, "id")));
		json_object_object_add(e, "status",
		                       json_object_get(json_object_object_get(tk, "status")));
		json_object_object_add(e, "updated_ms", json_object_new_int64(up));
		json_object_array_add(out, e);
	}
	h->tickets_mark = mark;
	h->tickets_primed = true;
	json_object_put(list);
	return out;
}

/* {alerts_15m, alerts_24h, tickets:{...}} for the dashboard. */
static json_object *stats_event(api_hub *h)
{
	yg_api_alerts_ops *a = &h->api->be.alerts;
	yg_api_tickets_ops *t = &h->api->be.tickets;
	json_object *o = json_object_new_object();
	int64_t now = wall_ms();
	static const struct {
		const char *name;
		int64_t back;
	} windows[] = {{"alerts_15m", 900000}, {"alerts_1h", 3600000}, {"alerts_24h", 86400000}};
	for (size_t i = 0; o && a->count && i < sizeof(windows) / sizeof(windows[0]); i++) {
		yg_aq_filter f = {.since_ms = now - windows[i].back};
		uint64_t n = 0;
		if (a->count(a->ctx, &f, &n) == YG_OK)
			json_object_object_add(o, windows[i].name,
			                       json_object_new_int64((int64_t)n));
	}
	json_object *ts = NULL;
	char msg[YG_API_MSG_MAX] = "";
	if (t->stats && t->stats(t->ctx, &ts, msg, sizeof(msg)) != YG_OK) {
		json_object_put(ts);
		ts = NULL;
	}
	json_object_object_add(o, "tickets", ts);
	json_object_object_add(o, "time_ms", json_object_new_int64(now));
	return o;
}

/* Whether a suspended stream's client has closed its end: libmicrohttpd
 * does not watch suspended sockets, and a stream slot must not stay taken
 * until the next heartbeat. A peek for EOF, nothing consumed. */
static bool client_gone(api_stream *s)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return false;
	char c;
	ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void resume(api_stream *s)
{
	if (s->suspended && (s->buf.len > s->off || s->closing)) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

/* One round over the streams. Holds h->mu. */
static void tick(api_hub *h)
{
	int64_t now = mono_ms();
	json_object *tickets = NULL, *stats = NULL;
	if (now >= h->next_tickets) {
		tickets = ticket_changes(h);
		h->next_tickets = now + TICKETS_MS;
	}
	if (now >= h->next_stats) {
		stats = stats_event(h);
		h->next_stats = now + STATS_MS;
	}
	for (api_stream *s = h->head; s; s = s->next) {
		if (s->closing)
			continue;
		if (s->suspended && client_gone(s)) {
			s->closing = true;
			resume(s);
			continue;
		}
		size_t before = s->buf.len - s->off;
		if (before > BUF_MAX) {
			if (!s->stuck_since)
				s->stuck_since = now;
			if (now - s->stuck_since > STUCK_MS)
				s->closing = true;
			resume(s);
			continue;
		}
		s->stuck_since = 0;
		feed_alerts(h, s);
		for (size_t i = 0; tickets && i < json_object_array_length(tickets); i++)
			put_event(s, "ticket", -1,
			          json_text(json_object_array_get_idx(tickets, i)));
		if (stats)
			put_event(s, "stats", -1, json_text(stats));
		if (s->buf.len - s->off == before && now - s->last_write >= HEARTBEAT_MS)
			yg_buf_puts(&s->buf, ": heartbeat\n\n");
		if (s->buf.len - s->off != before)
			s->last_write = now;
		resume(s);
	}
	json_object_put(tickets);
	json_object_put(stats);
}

static void *hub_main(void *arg)
{
	api_hub *h = arg;
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->cv, &h->mu, &ts);
		if (!h->stop && h->head)
			tick(h);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

yg_err api_hub_start(yg_api *api)
{
	api_hub *h = calloc(1, sizeof(*h));
	if (!h)
		return YG_ENOMEM;
	h->api = api;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	api->hub = h;
	if (pthread_create(&h->thread, NULL, hub_main, h) != 0)
		return YG_ENOMEM;
	h->started = true;
	return YG_OK;
}

void api_hub_close_streams(api_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	for (api_stream *s = h->head; s; s = s->next) {
		s->closing = true;
		resume(s);
	}
	/* give them a moment to end cleanly (MHD stops the rest) */
	for (int i = 0; i < 20 && h->head; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->cv, &h->mu, &ts);
	}
	h->stop = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->started)
		pthread_join(h->thread, NULL);
	h->started = false;
}

void api_hub_free(api_hub *h)
{
	if (!h)
		return;
	api_hub_close_streams(h);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

void api_hub_ticket(api_hub *h, int64_t id, const char *status)
{
	if (!h)
		return;
	char data[128];
	snprintf(data, sizeof(data), "{\"id\":%lld,\"status\":\"%s\",\"updated_ms\":%lld}",
	         (long long)id, status, (long long)wall_ms());
	pthread_mutex_lock(&h->mu);
	for (api_stream *s = h->head; s; s = s->next) {
		if (s->closing || s->buf.len - s->off > BUF_MAX)
			continue;
		put_event(s, "ticket", -1, data);
		resume(s);
	}
	pthread_mutex_unlock(&h->mu);
}

/* ---- the response ---- */

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	api_stream *s = cls;
	api_hub *h = s->hub;
	(void)pos;
	pthread_mutex_lock(&h->mu);
	ssize_t ret = 0;
	size_t avail = s->buf.len - s->off;
	if (avail) {
		size_t n = avail < max ? avail : max;
		memcpy(out, s->buf.data + s->off, n);
		s->off += n;
		if (s->off == s->buf.len) {
			yg_buf_reset(&s->buf);
			s->off = 0;
		}
		ret = (ssize_t)n;
	} else if (s->closing || h->stop) {
		ret = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		/* nothing to send: off MHD's poll set until the hub resumes it */
		s->suspended = true;
		MHD_suspend_connection(s->conn);
	}
	pthread_mutex_unlock(&h->mu);
	return ret;
}

static void stream_free(void *cls)
{
	api_stream *s = cls;
	api_hub *h = s->hub;
	pthread_mutex_lock(&h->mu);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	h->n--;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	yg_buf_free(&s->buf);
	free(s);
}

/* The cursor to resume after: Last-Event-ID, else after=, else the newest
 * alert now (-1 when the store cannot tell). */
static bool start_cursor(api_req *r, int64_t *after)
{
	int64_t a = -1;
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
	if (h) {
		size_t n = strlen(h);
		if (n == 0 || n > 18 || !api_charset_ok(h, n, API_CS_DIGITS)) {
			api_error(r, 400, "invalid_header", "Last-Event-ID",
			          "must be an alert sequence number");
			return false;
		}
		a = strtoll(h, NULL, 10);
	} else if (!api_arg_int(r, "after", 0, INT64_MAX, &a)) {
		return false;
	}
	if (a < 0) {
		yg_api_alerts_ops *ops = &r->api->be.alerts;
		json_object *none = NULL;
		int64_t last = 0;
		if (ops->after(ops->ctx, 0, 0, &none, &last) != YG_OK) {
			json_object_put(none);
			api_backend_error(r, YG_EIO, "the alert store cannot be read now");
			return false;
		}
		json_object_put(none);
		a = last;
	}
	*after = a;
	return true;
}

void api_h_alerts_stream(api_req *r)
{
	static const char *const allowed[] = {"after", NULL};
	if (!api_args_allow(r, allowed))
		return;
	int64_t after = 0;
	if (!r->api->be.alerts.after) {
		(void)api_arg_int(r, "after", 0, INT64_MAX, &after);
		if (!r->status)
			api_unavailable(r, "the alert store");
		return;
	}
	if (!start_cursor(r, &after))
		return;
	api_hub *h = r->api->hub;
	api_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		api_reply(r, 500, NULL);
		return;
	}
	s->hub = h;
	s->conn = r->conn;
	s->after = after;
	s->last_write = mono_ms();
	yg_buf_init(&s->buf, 4u << 20);
	/* the first bytes tell the client the stream is open */
	yg_buf_printf(&s->buf, "retry: 3000\n: open after %lld\n\n", (long long)after);
	pthread_mutex_lock(&h->mu);
	bool full = h->n >= STREAMS_MAX || h->stop;
	if (!full) {
		s->next = h->head;
		if (h->head)
			h->head->prev = s;
		h->head = s;
		h->n++;
	}
	pthread_mutex_unlock(&h->mu);
	if (full) {
		yg_buf_free(&s->buf);
		free(s);
		r->retry_after = 10;
		api_error(r, 503, "too_many_streams", NULL, "at most %d live streams at once",
		          STREAMS_MAX);
		return;
	}
	r->raw = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, s,
	                                           stream_free);
	if (!r->raw) {
		stream_free(s);
		api_reply(r, 500, NULL);
		return;
	}
	MHD_add_response_header(r->raw, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r->raw, "X-Accel-Buffering", "no");
	r->status = 200;
	r->stream = true;
}
