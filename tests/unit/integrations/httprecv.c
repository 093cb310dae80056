/* httprecv.c: the test HTTP receiver (see httprecv.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httprecv.h"

struct th_server {
	int fd;
	int stop_pipe[2];
	uint16_t port;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int status;
	th_req **reqs;
	size_t n, cap;
};

/* Reads one request from c; NULL when the peer sent nothing usable. */
static th_req *read_request(int c)
{
	size_t cap = 1 << 16, len = 0, need = 0, hdr_end = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		struct pollfd p = {c, POLLIN, 0};
		if (poll(&p, 1, 5000) <= 0)
			break;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(c, buf + len, cap - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (!hdr_end) {
			char *e = strstr(buf, "\r\n\r\n");
			if (!e)
				continue;
			hdr_end = (size_t)(e - buf) + 4;
			char *cl = strcasestr(buf, "\r\ncontent-length:");
			need = cl && cl < e ? strtoul(cl + 17, NULL, 10) : 0;
		}
		if (len - hdr_end < need)
			continue;
		th_req *q = calloc(1, sizeof(*q));
		char *sp1 = strchr(buf, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		char *eol = strstr(buf, "\r\n");
		if (!q || !sp1 || !sp2 || sp2 > eol) {
			free(q);
			break;
		}
		snprintf(q->method, sizeof(q->method), "%.*s", (int)(sp1 - buf), buf);
		snprintf(q->path, sizeof(q->path), "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
		q->head = strndup(eol + 2, hdr_end - 2 - (size_t)(eol + 2 - buf));
		q->body = malloc(need + 1);
		memcpy(q->body, buf + hdr_end, need);
		q->body[need] = '\0';
		q->body_len = need;
		free(buf);
		return q;
	}
	free(buf);
	return NULL;
}

static void *serve(void *arg)
{
	th_server *s = arg;
	for (;;) {
		struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		th_req *q = read_request(c);
		if (q) {
			char resp[128];
			pthread_mutex_lock(&s->mu);
			int status = s->status;
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 16;
				s->reqs = realloc(s->reqs, s->cap * sizeof(*s->reqs));
			}
			s->reqs[s->n++] = q;
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->mu);
			int n = snprintf(
			        resp, sizeof(resp),
			        "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
			        status);
			if (write(c, resp, (size_t)n) < 0)
				perror("write");
		}
		close(c);
	}
	return NULL;
}

th_server *th_start(uint16_t port)
{
	th_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {0};
	socklen_t al = sizeof(a);
	int one = 1;
	s->status = 200;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->fd, 64) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al) != 0 || pipe(s->stop_pipe) != 0) {
		close(s->fd);
		free(s);
		return NULL;
	}
	s->port = ntohs(a.sin_port);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_create(&s->thread, NULL, serve, s);
	return s;
}

uint16_t th_port(const th_server *s)
{
	return s->port;
}

void th_set_status(th_server *s, int status)
{
	pthread_mutex_lock(&s->mu);
	s->status = status;
	pthread_mutex_unlock(&s->mu);
}

size_t th_count(th_server *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const th_req *th_get(th_server *s, size_t i)
{
	pthread_mutex_lock(&s->mu);
	const th_req *q = i < s->n ? s->reqs[i] : NULL;
	pthread_mutex_unlock(&s->mu);
	return q;
}

bool th_wait(th_server *s, size_t n, unsigned timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mu);
	while (s->n < n && pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0)
		;
	bool ok = s->n >= n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool th_header(const th_req *r, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = r->head;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(out, outlen, "%.*s", (int)(len - (size_t)(v - p)), v);
			return true;
		}
		p = eol ? eol + 2 : NULL;
	}
	return false;
}

void th_stop(th_server *s)
{
	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) < 0)
		perror("write");
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	for (size_t i = 0; i < s->n; i++) {
		free(s->reqs[i]->head);
		free(s->reqs[i]->body);
		free(s->reqs[i]);
	}
	free(s->reqs);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
